/* The OpenSSL side of a provider: one private library context with every algorithm fetched
 * once at SslOpenProvider (DESIGN.md "OpenSSL 3 usage"). Nothing here touches the
 * application's default context. */
#ifndef SSLPROV_BACKEND_H
#define SSLPROV_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include "sslprovider.h"

enum md_id {
    MD_NONE = 0,
    MD_MD5,
    MD_SHA1,
    MD_SHA256,
    MD_SHA384,
    MD_SHA512,
    MD_MD5_SHA1, /* the TLS 1.0/1.1 PRF and handshake hash: MD5 || SHA-1 */
    MD_COUNT
};

enum cipher_id {
    CIPHER_NULL = 0,
    CIPHER_RC4,
    CIPHER_DES_CBC,
    CIPHER_3DES_CBC,
    CIPHER_AES128_CBC,
    CIPHER_AES256_CBC,
    CIPHER_AES128_GCM,
    CIPHER_AES256_GCM,
    CIPHER_AES128_CCM,
    CIPHER_AES256_CCM,
    CIPHER_CHACHA20_POLY1305,
    CIPHER_COUNT
};

/* OpenSSL's stitched AES-CBC + HMAC ciphers, which libssl uses for MAC-then-encrypt records:
 * one pass, TLS mode (MAC, padding and the Lucky-13-safe check inside the cipher). */
enum stitched_id {
    STITCHED_AES128_SHA1,
    STITCHED_AES256_SHA1,
    STITCHED_AES128_SHA256,
    STITCHED_AES256_SHA256,
    STITCHED_COUNT
};

#define BACKEND_MAX_EXTRA 8
#define KDF_POOL_MAX 16

/* Spare TLS13-KDF contexts whose digest is already set. OpenSSL 3.0's TLS13-KDF fetches its
 * digest by name each time the digest parameter is given (~10 % of a key schedule) and its
 * contexts cannot be duplicated, so a context is set up once and kept. A context in a pool
 * holds no secret. */
struct kdf_pool {
    pthread_mutex_t lock;
    size_t n;
    EVP_KDF_CTX *ctx[KDF_POOL_MAX];
};

struct backend {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *prov_default;
    OSSL_PROVIDER *prov_legacy; /* NULL when the legacy provider could not be loaded */
    OSSL_PROVIDER *extra[BACKEND_MAX_EXTRA]; /* from the [sslprov] section of OPENSSL_CONF */
    size_t n_extra;
    EVP_MD *md[MD_COUNT];
    EVP_CIPHER *cipher[CIPHER_COUNT]; /* NULL where unavailable (RC4/DES without legacy) */
    /* Optional: NULL where the providers have none (the default provider offers them on
     * x86-64 with AES-NI only); records then take the generic path. */
    EVP_CIPHER *stitched[STITCHED_COUNT];
    EVP_MAC *hmac;
    EVP_KDF *tls1_prf;
    EVP_KDF *tls13_kdf;
    EVP_KDF *hkdf;
    /* Optional: the DRBG behind a CBC write key's explicit IVs (src/record/rec_mte.c); NULL leaves
     * those IVs to RAND_bytes_ex. */
    EVP_RAND *ctr_drbg;
    /* [MD_COUNT]: spare TLS13-KDF contexts, digest set. Allocated, so that derivations
     * through a const backend can use them. */
    struct kdf_pool *tls13_pool;
    /* Hash("") per digest, which TLS 1.3 uses as a context in Derive-Secret(.., "") */
    uint8_t empty_hash[MD_COUNT][EVP_MAX_MD_SIZE];
};

SECURITY_STATUS backend_open(struct backend *be);
void backend_close(struct backend *be);

/* A TLS13-KDF context set to md's digest, for a derivation that sets no salt: a spare one,
 * else a new one; NULL if none can be made. Give it back once it holds no secret, or free it. */
EVP_KDF_CTX *backend_tls13_kdf_take(const struct backend *be, enum md_id md);
void backend_tls13_kdf_give(const struct backend *be, enum md_id md, EVP_KDF_CTX *ctx);

/* OpenSSL names, for fetching and for messages. */
const char *md_ossl_name(enum md_id md);
const char *cipher_ossl_name(enum cipher_id c);
/* The stitched cipher for AES-CBC with an HMAC on md, or NULL (none fetched, or no such
 * combination: SHA-384, 3DES, ...). */
const EVP_CIPHER *backend_stitched(const struct backend *be, enum cipher_id c, enum md_id md);
/* Output length of a digest in bytes (MD5-SHA1: 36); 0 for MD_NONE. */
size_t md_size(enum md_id md);

#endif
