#include <stdlib.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <string.h>
#include "backend.h"

static const char *const md_names[MD_COUNT] = {
    [MD_MD5] = "MD5",       [MD_SHA1] = "SHA1",     [MD_SHA256] = "SHA256",
    [MD_SHA384] = "SHA384", [MD_SHA512] = "SHA512", [MD_MD5_SHA1] = "MD5-SHA1",
};

static const size_t md_sizes[MD_COUNT] = {
    [MD_MD5] = 16,    [MD_SHA1] = 20,   [MD_SHA256] = 32,
    [MD_SHA384] = 48, [MD_SHA512] = 64, [MD_MD5_SHA1] = 36,
};

static const char *const cipher_names[CIPHER_COUNT] = {
    [CIPHER_RC4] = "RC4",
    [CIPHER_DES_CBC] = "DES-CBC",
    [CIPHER_3DES_CBC] = "DES-EDE3-CBC",
    [CIPHER_AES128_CBC] = "AES-128-CBC",
    [CIPHER_AES256_CBC] = "AES-256-CBC",
    [CIPHER_AES128_GCM] = "AES-128-GCM",
    [CIPHER_AES256_GCM] = "AES-256-GCM",
    [CIPHER_AES128_CCM] = "AES-128-CCM",
    [CIPHER_AES256_CCM] = "AES-256-CCM",
    [CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

static const char *const stitched_names[STITCHED_COUNT] = {
    [STITCHED_AES128_SHA1] = "AES-128-CBC-HMAC-SHA1",
    [STITCHED_AES256_SHA1] = "AES-256-CBC-HMAC-SHA1",
    [STITCHED_AES128_SHA256] = "AES-128-CBC-HMAC-SHA256",
    [STITCHED_AES256_SHA256] = "AES-256-CBC-HMAC-SHA256",
};

const char *md_ossl_name(enum md_id md)
{
    return md > MD_NONE && md < MD_COUNT ? md_names[md] : NULL;
}

const char *cipher_ossl_name(enum cipher_id c)
{
    return c > CIPHER_NULL && c < CIPHER_COUNT ? cipher_names[c] : NULL;
}

size_t md_size(enum md_id md)
{
    return md > MD_NONE && md < MD_COUNT ? md_sizes[md] : 0;
}

const EVP_CIPHER *backend_stitched(const struct backend *be, enum cipher_id c, enum md_id md)
{
    bool aes128 = c == CIPHER_AES128_CBC;

    if ((!aes128 && c != CIPHER_AES256_CBC) || (md != MD_SHA1 && md != MD_SHA256))
        return NULL;
    if (md == MD_SHA1)
        return be->stitched[aes128 ? STITCHED_AES128_SHA1 : STITCHED_AES256_SHA1];
    return be->stitched[aes128 ? STITCHED_AES128_SHA256 : STITCHED_AES256_SHA256];
}

/* RC4 and DES come from the legacy provider: without it only those suites fail later
 * (conventions.md §8). Everything else is required. */
static bool cipher_is_legacy(enum cipher_id c)
{
    return c == CIPHER_RC4 || c == CIPHER_DES_CBC;
}

/* conventions.md §9: providers named in an [sslprov] section of OPENSSL_CONF (e.g. a PKCS#11
 * provider for private keys) are loaded into our private context, never the default one:
 *     [sslprov]
 *     providers = pkcs11, base
 * A missing file or section loads nothing; a named provider that fails to load fails the
 * open, so a key store the administrator configured is never silently missing. */
static SECURITY_STATUS load_configured_providers(struct backend *be)
{
    const char *path = secure_getenv("OPENSSL_CONF");
    SECURITY_STATUS st = SEC_E_OK;
    CONF *conf;
    char *list, *name, *save = NULL;
    const char *value;
    long line;

    if (path == NULL || (conf = NCONF_new_ex(be->libctx, NULL)) == NULL)
        return SEC_E_OK;
    if (NCONF_load(conf, path, &line) <= 0 ||
        (value = NCONF_get_string(conf, "sslprov", "providers")) == NULL) {
        NCONF_free(conf);
        return SEC_E_OK;
    }
    if ((list = OPENSSL_strdup(value)) == NULL) {
        NCONF_free(conf);
        return NTE_NO_MEMORY;
    }
    for (name = strtok_r(list, ", \t", &save); name != NULL; name = strtok_r(NULL, ", \t", &save)) {
        OSSL_PROVIDER *p = OSSL_PROVIDER_load(be->libctx, name);

        if (p == NULL || be->n_extra == BACKEND_MAX_EXTRA) {
            OSSL_PROVIDER_unload(p);
            st = NTE_PROVIDER_DLL_FAIL;
            break;
        }
        be->extra[be->n_extra++] = p;
    }
    OPENSSL_free(list);
    NCONF_free(conf);
    return st;
}

/* The pools exist from backend_open on, empty; contexts are made on first use. */
static SECURITY_STATUS pools_create(struct backend *be)
{
    if ((be->tls13_pool = OPENSSL_zalloc(MD_COUNT * sizeof(*be->tls13_pool))) == NULL)
        return NTE_NO_MEMORY;
    for (int i = 0; i < MD_COUNT; i++)
        pthread_mutex_init(&be->tls13_pool[i].lock, NULL);
    return SEC_E_OK;
}

/* Pooled contexts hold no secret; EVP_KDF_CTX_free clear_frees what they do hold anyway. */
static void pools_free(struct backend *be)
{
    if (be->tls13_pool == NULL)
        return;
    for (int i = 0; i < MD_COUNT; i++) {
        struct kdf_pool *pool = &be->tls13_pool[i];

        for (size_t j = 0; j < pool->n; j++)
            EVP_KDF_CTX_free(pool->ctx[j]);
        pthread_mutex_destroy(&pool->lock);
    }
    OPENSSL_free(be->tls13_pool);
}

/* TLS13-KDF refuses any set while the mode is the default EXTRACT_AND_EXPAND: a mode goes
 * with the digest (each derivation sets its own). */
EVP_KDF_CTX *backend_tls13_kdf_take(const struct backend *be, enum md_id md)
{
    struct kdf_pool *pool = &be->tls13_pool[md];
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_names[md], 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF_CTX *ctx = NULL;

    pthread_mutex_lock(&pool->lock);
    if (pool->n > 0)
        ctx = pool->ctx[--pool->n];
    pthread_mutex_unlock(&pool->lock);
    if (ctx == NULL && (ctx = EVP_KDF_CTX_new(be->tls13_kdf)) != NULL &&
        !EVP_KDF_CTX_set_params(ctx, params)) {
        EVP_KDF_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* A full pool frees the context: the pool only needs as many as threads derive at once. */
void backend_tls13_kdf_give(const struct backend *be, enum md_id md, EVP_KDF_CTX *ctx)
{
    struct kdf_pool *pool = &be->tls13_pool[md];

    pthread_mutex_lock(&pool->lock);
    if (pool->n < KDF_POOL_MAX) {
        pool->ctx[pool->n++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&pool->lock);
    EVP_KDF_CTX_free(ctx);
}

SECURITY_STATUS backend_open(struct backend *be)
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;

    /* Our failures must not leave entries on the caller's OpenSSL error queue. */
    ERR_set_mark();
    if ((be->libctx = OSSL_LIB_CTX_new()) == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    if ((be->prov_default = OSSL_PROVIDER_load(be->libctx, "default")) == NULL)
        goto out;
    be->prov_legacy = OSSL_PROVIDER_load(be->libctx, "legacy");
    if ((st = load_configured_providers(be)) != SEC_E_OK)
        goto out;
    st = NTE_INTERNAL_ERROR;
    for (int i = MD_NONE + 1; i < MD_COUNT; i++)
        if ((be->md[i] = EVP_MD_fetch(be->libctx, md_names[i], NULL)) == NULL)
            goto out;
    for (int i = CIPHER_NULL + 1; i < CIPHER_COUNT; i++) {
        be->cipher[i] = EVP_CIPHER_fetch(be->libctx, cipher_names[i], NULL);
        if (be->cipher[i] == NULL && !cipher_is_legacy(i))
            goto out;
    }
    /* optional: a failed fetch only leaves the generic record path */
    for (int i = 0; i < STITCHED_COUNT; i++)
        be->stitched[i] = EVP_CIPHER_fetch(be->libctx, stitched_names[i], NULL);
    if ((be->hmac = EVP_MAC_fetch(be->libctx, OSSL_MAC_NAME_HMAC, NULL)) == NULL ||
        (be->tls1_prf = EVP_KDF_fetch(be->libctx, OSSL_KDF_NAME_TLS1_PRF, NULL)) == NULL ||
        (be->tls13_kdf = EVP_KDF_fetch(be->libctx, OSSL_KDF_NAME_TLS1_3_KDF, NULL)) == NULL ||
        (be->hkdf = EVP_KDF_fetch(be->libctx, OSSL_KDF_NAME_HKDF, NULL)) == NULL)
        goto out;
    for (int i = MD_NONE + 1; i < MD_COUNT; i++)
        if (!EVP_Digest("", 0, be->empty_hash[i], NULL, be->md[i], NULL))
            goto out;
    be->ctr_drbg = EVP_RAND_fetch(be->libctx, "CTR-DRBG", NULL);
    st = pools_create(be);
out:
    ERR_pop_to_mark();
    if (st != SEC_E_OK)
        backend_close(be);
    return st;
}

void backend_close(struct backend *be)
{
    pools_free(be); /* first: the contexts hold references into the library context */
    for (int i = 0; i < MD_COUNT; i++)
        EVP_MD_free(be->md[i]);
    for (int i = 0; i < CIPHER_COUNT; i++)
        EVP_CIPHER_free(be->cipher[i]);
    for (int i = 0; i < STITCHED_COUNT; i++)
        EVP_CIPHER_free(be->stitched[i]);
    EVP_MAC_free(be->hmac);
    EVP_KDF_free(be->tls1_prf);
    EVP_KDF_free(be->tls13_kdf);
    EVP_KDF_free(be->hkdf);
    EVP_RAND_free(be->ctr_drbg);
    for (size_t i = 0; i < be->n_extra; i++)
        OSSL_PROVIDER_unload(be->extra[i]);
    if (be->prov_legacy != NULL)
        OSSL_PROVIDER_unload(be->prov_legacy);
    if (be->prov_default != NULL)
        OSSL_PROVIDER_unload(be->prov_default);
    OSSL_LIB_CTX_free(be->libctx);
    memset(be, 0, sizeof(*be));
}
