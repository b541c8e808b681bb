/* Asymmetric key objects: private keys (SslOpenPrivateKey), RSA public keys, ephemeral
 * (EC)DH keys. Each wraps one EVP_PKEY of the provider's library context. */
#ifndef SSLPROV_KEYS_H
#define SSLPROV_KEYS_H

#include <openssl/evp.h>
#include "object.h"
#include "suites.h"

struct pkey_object {
    struct object hdr;   /* OBJ_PRIVATE, OBJ_PUBLIC or OBJ_EPHEMERAL */
    EVP_PKEY *pkey;
    uint32_t group;      /* IANA named group (ephemeral/EC keys), 0 otherwise */
    bool has_private;
};

/* What a private key allows SslEnumCipherSuites to list (api.md B1). */
void pkey_suite_filter(const struct pkey_object *key, struct suite_filter *out);

#endif
