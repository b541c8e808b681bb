/* The tracing provider (docs/provider.md "The tracing provider"): every function of the table
 * logs its call — arguments, secrets redacted, and status — then answers what the provider it
 * forwards to answers. Built into the library (opened by TRACE_PROVIDER_NAME, or in place of
 * the built-in provider when SSLPROV_TRACE is set) and built as a loadable module
 * (sslprov_trace.so, trace_module.c) for the configuration file. */
#ifndef SSLPROV_TRACE_H
#define SSLPROV_TRACE_H

#include "sslprovider.h"

#define TRACE_PROVIDER_NAME "sslprov Tracing Provider"

/* The tracing table, forwarding to next (the first caller's next is kept). */
const NCRYPT_SSL_FUNCTION_TABLE *trace_table(const NCRYPT_SSL_FUNCTION_TABLE *next);

/* SslExpandNextGenTrafficKey (no table slot), traced, forwarding to next. */
SslExpandNextGenTrafficKeyFn trace_next_gen(SslExpandNextGenTrafficKeyFn next);

#endif
