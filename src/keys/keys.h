/* Asymmetric key objects: private keys (SslOpenPrivateKey), RSA public keys, ephemeral
 * (EC)DH keys and peer shares. Each wraps one EVP_PKEY of the provider's library context.
 *
 *   keys.c       the object, the group table, properties (SslGetKeyProperty)
 *   keystore.c   certificate -> private key associations (conventions.md §9)
 *   pubblob.c    BCrypt public blobs and PSK blobs (api.md §3.11, conventions.md §3, §7)
 *   ephemeral.c  SslCreateEphemeralKey (api.md C2, conventions.md §6) */
#ifndef SSLPROV_KEYS_H
#define SSLPROV_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "object.h"
#include "provider.h"
#include "suites.h"

struct pkey_object {
    struct object hdr;   /* OBJ_PRIVATE, OBJ_PUBLIC or OBJ_EPHEMERAL */
    EVP_PKEY *pkey;
    uint32_t group;      /* IANA named group: 23/24/25/29/30, or FFDHE 256..260; 0 otherwise
                            (RSA, DSA, DH with custom parameters) */
    bool has_private;
};

/* What a private key allows SslEnumCipherSuites to list (api.md B1). */
void pkey_suite_filter(const struct pkey_object *key, struct suite_filter *out);

/* A new handle of class cls wrapping pkey. Takes ownership of pkey in every case. */
SECURITY_STATUS pkey_object_create(struct provider *prov, enum obj_class cls, EVP_PKEY *pkey,
                                   uint32_t group, bool has_private, ULONG_PTR *out);

/* ---- Groups: the named groups of conventions.md §8 and the RFC 7919 groups of §6 ---- */

/* The named group an EVP_PKEY is on (EC curve, X25519/X448, RFC 7919 DH group), NULL for
 * RSA, DSA, other curves and DH with other parameters. */
const struct group_info *pkey_group(EVP_PKEY *pkey);

/* DH domain parameters of a share or of SslCreateEphemeralKey's pbParams, p_len bytes each:
 * p without leading zero byte, odd, 1024..8192 bits (policy; larger -> NTE_NOT_SUPPORTED),
 * 1 < g < p - 1. NTE_BAD_DATA otherwise. */
SECURITY_STATUS dh_check_domain(const BIGNUM *p, const BIGNUM *g, size_t p_len);
#define DH_MIN_BITS 1024
#define DH_MAX_BITS 8192

/* ---- SslGetKeyProperty (api.md C5) ---- */

/* The value of property name for a key object of any class, in a buffer_alloc(BUF_PLAIN)
 * block. NTE_NOT_SUPPORTED for names that do not apply to the object. */
SECURITY_STATUS key_property(const struct object *obj, LPCWSTR name, uint8_t **value,
                             size_t *len);

/* ---- Certificate associations and SslOpenPrivateKey (keystore.c) ---- */

/* Process-wide, keyed by SHA-256 of the certificate's DER, last one wins. cert is DER or PEM;
 * an unparsable certificate or key blob -> NTE_BAD_DATA. */
SECURITY_STATUS keystore_associate_uri(const uint8_t *cert, size_t cert_len, const char *uri);
SECURITY_STATUS keystore_associate_blob(const uint8_t *cert, size_t cert_len,
                                        const uint8_t *key, size_t key_len);
/* The private key of the certificate (DER) as a new OBJ_PRIVATE handle: NTE_BAD_DATA for an
 * unparsable certificate, NTE_NO_KEY without a usable association, NTE_NOT_SUPPORTED for a key
 * type the SSL API cannot use, NTE_BAD_KEYSET when the key is not the certificate's. */
SECURITY_STATUS keystore_open(struct provider *prov, const uint8_t *cert, size_t cert_len,
                              ULONG_PTR *out);
/* A DER or PEM certificate as DER (OPENSSL_malloc'd), NTE_BAD_DATA if unparsable. */
SECURITY_STATUS keystore_cert_der(const uint8_t *in, size_t in_len, uint8_t **der,
                                  size_t *der_len);

/* ---- Blobs (pubblob.c) ---- */

enum blob_type {
    BLOB_UNKNOWN = 0,
    BLOB_RSAPUBLIC,    /* BCRYPT_RSAPUBLIC_BLOB */
    BLOB_ECCPUBLIC,    /* BCRYPT_ECCPUBLIC_BLOB */
    BLOB_SSLECCPUBLIC, /* SSL_ECCPUBLIC_BLOB */
    BLOB_DHPUBLIC,     /* BCRYPT_DH_PUBLIC_BLOB */
    BLOB_PUBLIC,       /* BCRYPT_PUBLIC_KEY_BLOB: by magic on import, natural type on export */
    BLOB_PSK,          /* TLS_13_PRE_SHARED_KEY */
    BLOB_KEYDATA,      /* BCRYPT_KEY_DATA_BLOB */
    BLOB_OPAQUE        /* BCRYPT_OPAQUE_KEY_BLOB (opaque.c) */
};

/* Case-insensitive; BLOB_UNKNOWN for names we do not know (and NULL). */
enum blob_type blob_type_from_name(LPCWSTR name);

/* A new handle from a blob of type t (not BLOB_OPAQUE): NTE_BAD_DATA for malformed content,
 * NTE_NOT_SUPPORTED for an unsupported group or size. */
SECURITY_STATUS blob_import(struct provider *prov, enum blob_type t, const uint8_t *blob,
                            size_t len, ULONG_PTR *out);
/* Bytes the blob of type t of obj takes; NTE_NOT_SUPPORTED when t does not apply. */
SECURITY_STATUS blob_size(const struct object *obj, enum blob_type t, size_t *len);
/* Write it (out has blob_size bytes). */
SECURITY_STATUS blob_export(const struct object *obj, enum blob_type t, uint8_t *out);

/* ---- SslCreateEphemeralKey (ephemeral.c) ---- */

struct ephemeral_req {
    enum proto proto;
    const struct suite *suite;
    uint32_t key_type;    /* dwKeyType */
    uint32_t key_bits;    /* dwKeyBitLen */
    const uint8_t *params; /* BCRYPT_DH_PARAMETER_HEADER + p + g, or NULL */
    size_t params_len;
};

SECURITY_STATUS ephemeral_create(struct provider *prov, const struct ephemeral_req *req,
                                 ULONG_PTR *out);
/* A fresh key pair on a named group (also used by tests and other modules). */
SECURITY_STATUS ephemeral_generate(struct provider *prov, const struct group_info *g,
                                   EVP_PKEY **out);

#endif
