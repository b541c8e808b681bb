/* What every entry point does first: pin the provider, pin the handles it is given (each
 * checked for class and provider), and release them all on its one exit path. */
#ifndef SSLPROV_API_COMMON_H
#define SSLPROV_API_COMMON_H

#include "handles.h"
#include "provider.h"
#include "suites.h"

#define CALL_MAX_PINS 4

struct call {
    struct provider *prov;
    struct object *pins[CALL_MAX_PINS];
    unsigned n;
};

/* Pin the provider (NTE_INVALID_HANDLE). The call must end with call_end either way. */
SECURITY_STATUS call_begin(struct call *c, NCRYPT_PROV_HANDLE h);
/* Pin h as one of the classes in mask, belonging to the call's provider. */
SECURITY_STATUS call_pin(struct call *c, ULONG_PTR h, unsigned mask, struct object **out);
/* The same for an _In_opt_ handle: 0 gives *out = NULL and SEC_E_OK. */
SECURITY_STATUS call_pin_opt(struct call *c, ULONG_PTR h, unsigned mask, struct object **out);
/* Unpin everything; returns st. */
SECURITY_STATUS call_end(struct call *c, SECURITY_STATUS st);

/* dwProtocol/dwCipherSuite of a key operation: known, valid together, and not one of the
 * lookup-only suites (SSL 2.0, export; conventions.md §3) — else NTE_NOT_SUPPORTED. */
SECURITY_STATUS suite_for_key_op(DWORD protocol, DWORD cipher_suite, enum proto *p,
                                 const struct suite **s);

/* Class sets for parameters (conventions.md §1). */
#define CLS_ANY_KEY                                                                         \
    (CLASS_BIT(OBJ_MASTER) | CLASS_BIT(OBJ_KEY) | CLASS_BIT(OBJ_EPHEMERAL) |                \
     CLASS_BIT(OBJ_PREMASTER) | CLASS_BIT(OBJ_PUBLIC) | CLASS_BIT(OBJ_PRIVATE))

#endif
