#include "keys.h"

void pkey_suite_filter(const struct pkey_object *key, struct suite_filter *out)
{
    out->cert = AUTH_NONE;
    out->rsa_decrypt = false;
    if (EVP_PKEY_is_a(key->pkey, "RSA") || EVP_PKEY_is_a(key->pkey, "RSA-PSS")) {
        out->cert = AUTH_RSA;
        /* RSA-PSS keys cannot decrypt a PKCS#1 v1.5 pre-master */
        out->rsa_decrypt = EVP_PKEY_is_a(key->pkey, "RSA");
    } else if (EVP_PKEY_is_a(key->pkey, "DSA")) {
        out->cert = AUTH_DSS;
    } else if (EVP_PKEY_is_a(key->pkey, "EC")) {
        out->cert = AUTH_ECDSA;
    }
}
