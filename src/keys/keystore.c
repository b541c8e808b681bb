/* Certificate -> private key associations and SslOpenPrivateKey (conventions.md §9).
 * Windows finds a certificate's key through the certificate store; Linux has none, so the
 * application associates the key first (SslProvAssociateCertificateKey[Blob]). The table
 * lives in the realm (process-wide today), keyed by SHA-256 of the certificate's DER, last
 * association wins. It keeps a URI (a path or any OSSL_STORE URI) or a copy of the key
 * bytes; the key itself is loaded at SslOpenPrivateKey, in the provider's own library
 * context, so providers configured there (e.g. PKCS#11) serve the URI. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/x509.h>
#include "keys.h"
#include "privkey.h"
#include "realm.h"

#define CERT_ID_LEN 32 /* SHA-256 */
#define RSA_MIN_PRIVATE_BITS 1024
#define STORE_MAX_ITEMS 64
#define KEY_FILE_MAX (1 << 20) /* a key file larger than this is not a key file */

struct assoc {
    uint8_t id[CERT_ID_LEN];
    char *uri;       /* OSSL_STORE URI or path, or NULL */
    uint8_t *key;    /* DER/PEM key bytes, or NULL */
    size_t key_len;
};

/* The table lives in the realm (realm.h). */
static inline struct realm_assocs *assocs(void)
{
    return &realm_current()->assocs;
}

/* Association calls have no provider: they parse in a library context of their own, so the
 * application's default context stays untouched (DESIGN.md). */
static pthread_once_t ks_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *ks_libctx;
static OSSL_PROVIDER *ks_default;

static void assoc_clear(struct assoc *a)
{
    if (a->uri != NULL)
        OPENSSL_clear_free(a->uri, strlen(a->uri));
    OPENSSL_clear_free(a->key, a->key_len);
    a->uri = NULL;
    a->key = NULL;
    a->key_len = 0;
}

/* At exit, before OpenSSL's own cleanup (atexit runs in reverse order of registration and
 * OpenSSL registered first): key bytes are wiped, not just dropped. */
static void ks_cleanup(void)
{
    pthread_mutex_lock(&assocs()->lock);
    for (size_t i = 0; i < assocs()->len; i++)
        assoc_clear(&assocs()->table[i]);
    free(assocs()->table);
    assocs()->table = NULL;
    assocs()->len = assocs()->cap = 0;
    pthread_mutex_unlock(&assocs()->lock);
    if (ks_default != NULL)
        OSSL_PROVIDER_unload(ks_default);
    OSSL_LIB_CTX_free(ks_libctx);
    ks_default = NULL;
    ks_libctx = NULL;
}

static void ks_init(void)
{
    if (OPENSSL_init_crypto(0, NULL) != 1 || (ks_libctx = OSSL_LIB_CTX_new()) == NULL)
        return;
    if ((ks_default = OSSL_PROVIDER_load(ks_libctx, "default")) == NULL) {
        OSSL_LIB_CTX_free(ks_libctx);
        ks_libctx = NULL;
        return;
    }
    atexit(ks_cleanup);
}

static OSSL_LIB_CTX *ks_ctx(void)
{
    pthread_once(&ks_once, ks_init);
    return ks_libctx;
}

/* ---- Certificates ---- */

/* DER (the whole input, nothing after it) or, with pem non-NULL, PEM (*pem set true). */
static X509 *cert_parse(OSSL_LIB_CTX *libctx, const uint8_t *in, size_t len, bool *pem)
{
    X509 *x = X509_new_ex(libctx, NULL);
    const uint8_t *p = in;
    BIO *bio;

    if (pem != NULL)
        *pem = false;
    if (x == NULL || len > INT32_MAX)
        goto fail;
    if (d2i_X509(&x, &p, (long)len) != NULL && p == in + len)
        return x;
    X509_free(x);
    if (pem == NULL || (x = X509_new_ex(libctx, NULL)) == NULL)
        return NULL;
    if ((bio = BIO_new_mem_buf(in, (int)len)) != NULL) {
        X509 *r = PEM_read_bio_X509(bio, &x, NULL, NULL);

        BIO_free(bio);
        if (r != NULL) {
            *pem = true;
            return x;
        }
    }
fail:
    X509_free(x);
    return NULL;
}

/* The DER of a parsed certificate: the input itself when it was DER (so the bytes are
 * exactly what a CERT_CONTEXT will carry), else its encoding. OPENSSL_malloc'd. */
static SECURITY_STATUS cert_der(X509 *x, bool pem, const uint8_t *in, size_t in_len,
                                uint8_t **der, size_t *der_len)
{
    unsigned char *buf = NULL;
    int n;

    if (!pem) {
        if ((*der = OPENSSL_memdup(in, in_len)) == NULL)
            return NTE_NO_MEMORY;
        *der_len = in_len;
        return SEC_E_OK;
    }
    if ((n = i2d_X509(x, &buf)) <= 0)
        return NTE_NO_MEMORY;
    *der = buf;
    *der_len = (size_t)n;
    return SEC_E_OK;
}

SECURITY_STATUS keystore_cert_der(const uint8_t *in, size_t in_len, uint8_t **der,
                                  size_t *der_len)
{
    OSSL_LIB_CTX *libctx = ks_ctx();
    SECURITY_STATUS st;
    bool pem;
    X509 *x;

    *der = NULL;
    *der_len = 0;
    if (libctx == NULL)
        return NTE_NO_MEMORY;
    ERR_set_mark();
    if ((x = cert_parse(libctx, in, in_len, &pem)) == NULL)
        st = NTE_BAD_DATA;
    else
        st = cert_der(x, pem, in, in_len, der, der_len);
    X509_free(x);
    ERR_pop_to_mark();
    return st;
}

static SECURITY_STATUS cert_id(OSSL_LIB_CTX *libctx, const uint8_t *der, size_t len,
                               uint8_t id[CERT_ID_LEN])
{
    size_t n = 0;

    return EVP_Q_digest(libctx, "SHA256", NULL, der, len, id, &n) == 1 && n == CERT_ID_LEN
               ? SEC_E_OK
               : NTE_INTERNAL_ERROR;
}

/* ---- The association table ---- */

/* Takes ownership of uri / key (freed on failure). */
static SECURITY_STATUS table_put(const uint8_t id[CERT_ID_LEN], char *uri, uint8_t *key,
                                 size_t key_len)
{
    struct assoc *a = NULL;
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&assocs()->lock);
    for (size_t i = 0; i < assocs()->len && a == NULL; i++)
        if (memcmp(assocs()->table[i].id, id, CERT_ID_LEN) == 0)
            a = &assocs()->table[i];
    if (a == NULL && assocs()->len == assocs()->cap) {
        size_t cap = assocs()->cap ? assocs()->cap * 2 : 8;
        struct assoc *t = realloc(assocs()->table, cap * sizeof(*t));

        if (t == NULL) {
            st = NTE_NO_MEMORY;
        } else {
            assocs()->table = t;
            assocs()->cap = cap;
        }
    }
    if (st == SEC_E_OK) {
        if (a == NULL) {
            a = &assocs()->table[assocs()->len++];
            memcpy(a->id, id, CERT_ID_LEN);
        } else {
            assoc_clear(a); /* last one wins */
        }
        a->uri = uri;
        a->key = key;
        a->key_len = key_len;
        uri = NULL;
        key = NULL;
    }
    pthread_mutex_unlock(&assocs()->lock);
    if (uri != NULL)
        OPENSSL_clear_free(uri, strlen(uri));
    OPENSSL_clear_free(key, key_len);
    return st;
}

/* Copies of the entry for id, taken under the lock. NTE_NO_KEY if there is none. */
static SECURITY_STATUS table_get(const uint8_t id[CERT_ID_LEN], char **uri, uint8_t **key,
                                 size_t *key_len)
{
    SECURITY_STATUS st = NTE_NO_KEY;

    *uri = NULL;
    *key = NULL;
    *key_len = 0;
    pthread_mutex_lock(&assocs()->lock);
    for (size_t i = 0; i < assocs()->len; i++) {
        const struct assoc *a = &assocs()->table[i];

        if (memcmp(a->id, id, CERT_ID_LEN) != 0)
            continue;
        st = NTE_NO_MEMORY;
        if (a->uri != NULL && (*uri = OPENSSL_strdup(a->uri)) != NULL)
            st = SEC_E_OK;
        if (a->key != NULL && (*key = OPENSSL_memdup(a->key, a->key_len)) != NULL) {
            *key_len = a->key_len;
            st = SEC_E_OK;
        }
        break;
    }
    pthread_mutex_unlock(&assocs()->lock);
    return st;
}

/* ---- Loading keys ---- */

/* A file: URI (RFC 8089: file:/p, file:///p, file://localhost/p, file:rel) or a plain path:
 * the path; NULL for a URI of another scheme (pkcs11:, ...). */
static const char *uri_path(const char *uri)
{
    size_t n = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

    if (strncmp(uri, "file:", 5) == 0) {
        uri += 5;
        if (strncmp(uri, "//localhost/", 12) == 0)
            return uri + 11;
        return strncmp(uri, "///", 3) == 0 ? uri + 2 : uri;
    }
    return n > 0 && uri[n] == ':' ? NULL : uri;
}

/* A key file's bytes in a buffer the caller clear-frees: read(2), so that no stdio buffer
 * keeps a copy. */
static SECURITY_STATUS file_read(const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    size_t got = 0;
    uint8_t *b = NULL;

    *buf = NULL;
    if (fd < 0)
        return NTE_NO_KEY;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 || sb.st_size > KEY_FILE_MAX ||
        (b = OPENSSL_malloc((size_t)sb.st_size)) == NULL) {
        close(fd);
        return b == NULL && sb.st_size > 0 && sb.st_size <= KEY_FILE_MAX ? NTE_NO_MEMORY : NTE_NO_KEY;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, b + got, (size_t)sb.st_size - got);

        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = got;
    return SEC_E_OK;
}

/* The first private key behind an OSSL_STORE URI (a plain path is a file: URI). No UI: a
 * key that needs a passphrase is not found. */
static EVP_PKEY *store_load(OSSL_LIB_CTX *libctx, const char *uri)
{
    OSSL_STORE_CTX *sc = OSSL_STORE_open_ex(uri, libctx, NULL, NULL, NULL, NULL, NULL, NULL);
    EVP_PKEY *pkey = NULL;

    if (sc == NULL)
        return NULL;
    OSSL_STORE_expect(sc, OSSL_STORE_INFO_PKEY);
    for (int i = 0; i < STORE_MAX_ITEMS && pkey == NULL && !OSSL_STORE_eof(sc); i++) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(sc);

        if (info == NULL)
            break;
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(sc);
    return pkey;
}

/* The key behind a URI. Files in the formats privkey.c reads are decoded there, which wipes
 * every copy (OSSL_STORE's file loader goes through OpenSSL's decoders, which do not); other
 * files (PKCS#12, ...) and other schemes (an HSM's keys never leave it) go to OSSL_STORE. */
static SECURITY_STATUS key_load_uri(OSSL_LIB_CTX *libctx, const char *uri, EVP_PKEY **pkey)
{
    const char *path = uri_path(uri);
    SECURITY_STATUS st = NTE_BAD_DATA;
    uint8_t *buf;
    size_t len;

    if (path != NULL && file_read(path, &buf, &len) == SEC_E_OK) {
        st = privkey_decode(libctx, buf, len, pkey);
        OPENSSL_clear_free(buf, len);
    }
    if (st == NTE_BAD_DATA)
        st = (*pkey = store_load(libctx, uri)) != NULL ? SEC_E_OK : NTE_NO_KEY;
    return st;
}

/* Key types a TLS server or client certificate can have in this API (api.md C1): RSA of at
 * least 1024 bits, ECDSA on P-256/384/521, DSA. Sets the key's group (EC only). */
static SECURITY_STATUS key_supported(EVP_PKEY *pkey, uint32_t *group)
{
    const struct group_info *g;

    *group = 0;
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return EVP_PKEY_get_bits(pkey) >= RSA_MIN_PRIVATE_BITS ? SEC_E_OK : NTE_NOT_SUPPORTED;
    if (EVP_PKEY_is_a(pkey, "DSA"))
        return SEC_E_OK;
    if (EVP_PKEY_is_a(pkey, "EC") && (g = pkey_group(pkey)) != NULL && g->kind == GROUP_NIST) {
        *group = g->id;
        return SEC_E_OK;
    }
    return NTE_NOT_SUPPORTED; /* Ed25519, other curves, ... */
}

/* ---- The API ---- */

static SECURITY_STATUS associate(const uint8_t *cert, size_t cert_len, char *uri, uint8_t *key,
                                 size_t key_len)
{
    OSSL_LIB_CTX *libctx = ks_ctx();
    SECURITY_STATUS st = NTE_BAD_DATA;
    uint8_t id[CERT_ID_LEN];
    uint8_t *der = NULL;
    size_t der_len = 0;
    X509 *x = NULL;
    bool pem;

    if (libctx == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    ERR_set_mark();
    if ((x = cert_parse(libctx, cert, cert_len, &pem)) == NULL)
        goto pop;
    /* a key blob must at least decode now (a well-formed key of a type this API cannot use
     * is kept: SslOpenPrivateKey says NTE_NOT_SUPPORTED); a URI may need providers only
     * SslOpenProvider loads, so it is tried at SslOpenPrivateKey */
    if (key != NULL && (st = privkey_decode(libctx, key, key_len, NULL)) != SEC_E_OK &&
        st != NTE_NOT_SUPPORTED)
        goto pop;
    /* the id of the DER bytes SslOpenPrivateKey will be given */
    if ((st = cert_der(x, pem, cert, cert_len, &der, &der_len)) == SEC_E_OK &&
        (st = cert_id(libctx, der, der_len, id)) == SEC_E_OK) {
        st = table_put(id, uri, key, key_len);
        uri = NULL;
        key = NULL;
    }
pop:
    ERR_pop_to_mark();
out:
    X509_free(x);
    OPENSSL_free(der);
    if (uri != NULL)
        OPENSSL_clear_free(uri, strlen(uri));
    OPENSSL_clear_free(key, key_len);
    return st;
}

SECURITY_STATUS keystore_associate_uri(const uint8_t *cert, size_t cert_len, const char *uri)
{
    char *copy = OPENSSL_strdup(uri);

    return copy == NULL ? NTE_NO_MEMORY : associate(cert, cert_len, copy, NULL, 0);
}

SECURITY_STATUS keystore_associate_blob(const uint8_t *cert, size_t cert_len,
                                        const uint8_t *key, size_t key_len)
{
    uint8_t *copy = OPENSSL_memdup(key, key_len);

    return copy == NULL ? NTE_NO_MEMORY : associate(cert, cert_len, NULL, copy, key_len);
}

/* The associated key, loaded in the provider's context, checked against the certificate. */
static SECURITY_STATUS open_key(struct provider *prov, X509 *x, const uint8_t id[CERT_ID_LEN],
                                ULONG_PTR *out)
{
    OSSL_LIB_CTX *libctx = prov->be.libctx;
    EVP_PKEY *pkey = NULL, *cert_pub;
    SECURITY_STATUS st;
    uint8_t *key;
    size_t key_len;
    uint32_t group;
    char *uri;

    if ((st = table_get(id, &uri, &key, &key_len)) != SEC_E_OK)
        return st;
    st = uri != NULL ? key_load_uri(libctx, uri, &pkey) : privkey_decode(libctx, key, key_len, &pkey);
    if (uri != NULL)
        OPENSSL_clear_free(uri, strlen(uri));
    OPENSSL_clear_free(key, key_len);
    if (st != SEC_E_OK)
        return st == NTE_NOT_SUPPORTED || st == NTE_NO_MEMORY ? st : NTE_NO_KEY;
    if ((st = key_supported(pkey, &group)) != SEC_E_OK)
        goto out;
    st = NTE_BAD_KEYSET;
    if ((cert_pub = X509_get0_pubkey(x)) == NULL || EVP_PKEY_eq(pkey, cert_pub) != 1)
        goto out;
    st = pkey_object_create(prov, OBJ_PRIVATE, pkey, group, true, out);
    pkey = NULL;
out:
    EVP_PKEY_free(pkey);
    return st;
}

SECURITY_STATUS keystore_open(struct provider *prov, const uint8_t *cert, size_t cert_len,
                              ULONG_PTR *out)
{
    SECURITY_STATUS st = NTE_BAD_DATA;
    uint8_t id[CERT_ID_LEN];
    X509 *x;

    *out = 0;
    ERR_set_mark();
    /* CERT_CONTEXT carries DER; the association is keyed by exactly these bytes */
    if ((x = cert_parse(prov->be.libctx, cert, cert_len, NULL)) != NULL &&
        (st = cert_id(prov->be.libctx, cert, cert_len, id)) == SEC_E_OK)
        st = open_key(prov, x, id, out);
    X509_free(x);
    ERR_pop_to_mark();
    return st;
}
