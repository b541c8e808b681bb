/* A differential test runs twice (issue 11): against the built-in provider (statically
 * linked, white-box leak check with handle_live_count), and — built with SSLPROV_TEST_TRACED,
 * linked to the shared library — through the tracing provider loaded as a module by name from
 * a configuration file, so every call crosses the router and the module. Then the trace is
 * checked: one well-formed line per call, every handle the provider made freed again, and none
 * of the secrets the test met (libssl's keylog and master secrets) in it.
 *
 *   TEST_PROVIDER_NAME       the name to open (NULL: the built-in provider)
 *   test_secret(p, n)        a secret that must never appear in the trace
 *   TEST_HANDLES_RELEASED()  nothing the provider made is left */
#ifndef SSLPROV_TEST_TRACED_H
#define SSLPROV_TEST_TRACED_H

#include <stdbool.h>
#include <stddef.h>
#include "sslprovider.h"

/* traced.c: write the configuration naming the module and point SSLPROV_CONF and SSLPROV_TRACE
 * at it and at the trace; remember a secret; read the trace back. */
LPCWSTR traced_setup(const char *module);
void traced_secret(const void *p, size_t n);
bool traced_check(void);

#ifndef SSLPROV_TEST_TRACED

#include "handles.h"

#define TEST_PROVIDER_NAME NULL
#define TEST_HANDLES_RELEASED() (handle_live_count() == 0)
static inline void test_secret(const void *p, size_t n)
{
    (void)p, (void)n;
}

#else

#define TEST_PROVIDER_NAME traced_setup(SSLPROV_TRACE_MODULE)
#define TEST_HANDLES_RELEASED() traced_check()
static inline void test_secret(const void *p, size_t n)
{
    traced_secret(p, n);
}

#endif
#endif
