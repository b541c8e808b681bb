/* The built-in provider object ('ssl1'): one backend, a user reference count
 * (SslIncrement/DecrementProviderReferenceCount) and the handles derived from it. */
#ifndef SSLPROV_PROVIDER_H
#define SSLPROV_PROVIDER_H

#include "backend.h"
#include "keylog.h"
#include "object.h"

struct provider {
    struct object hdr;
    atomic_int user_refs; /* SslOpenProvider = 1; the handle closes when it reaches 0 */
    struct backend be;
    struct keylog log; /* SSLKEYLOGFILE, off unless set (conventions.md §10) */
};

#define SSLPROV_PROVIDER_NAME "Microsoft SSL Protocol Provider"
#define SSLPROV_INTERFACE_MAJOR 5

SECURITY_STATUS provider_open(ULONG_PTR *out);

/* Pin the provider behind h (NTE_INVALID_HANDLE otherwise). Release with provider_unpin. */
SECURITY_STATUS provider_pin(NCRYPT_PROV_HANDLE h, struct provider **out);
void provider_unpin(struct provider *prov);

/* Pin an object of one of the classes in mask that belongs to prov: a handle of another
 * provider is foreign and refused like any invalid handle. */
SECURITY_STATUS provider_obj_pin(struct provider *prov, ULONG_PTR h, unsigned class_mask,
                                 struct object **out);

/* One user reference less; closes the handle at zero. */
SECURITY_STATUS provider_release(struct provider *prov);
SECURITY_STATUS provider_addref(struct provider *prov);

/* Case-insensitive match of a UTF-16 name against ours (NULL matches). */
bool provider_name_matches(LPCWSTR name);

#endif
