#include <stdbool.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include "kdf13.h"

#define TLS13_PREFIX "tls13 "
#define MAX_LABEL 249   /* HkdfLabel.label is <7..255> with the 6-byte prefix (RFC 8446 §7.1) */
#define MAX_CONTEXT 255

/* A digest the schedule can use: a known id with a size (MD_MD5_SHA1 included: callers
 * choose the suite hash, this only guards the table index). */
static bool md_ok(enum md_id md)
{
    return md > MD_NONE && md < MD_COUNT && md_size(md) > 0 && md_size(md) <= KDF13_MAX_HASH;
}

/* A TLS13-KDF context keeps copies of its inputs after a derivation (OpenSSL 3.0 hkdf.c,
 * KDF_HKDF), and a caller who frees a secret expects it gone: a new empty key clear_frees the
 * old one and every set clear_frees the data (a transcript hash), leaving the digest, the
 * mode and the public prefix and label. No context here ever takes a salt (kdf13_extract). */
static void tls13_kdf_release(const struct backend *be, enum md_id md, EVP_KDF_CTX *ctx)
{
    static const uint8_t none[1];
    OSSL_PARAM forget[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)none, 0),
        OSSL_PARAM_construct_end(),
    };

    if (EVP_KDF_CTX_set_params(ctx, forget))
        backend_tls13_kdf_give(be, md, ctx);
    else
        EVP_KDF_CTX_free(ctx);
}

/* One derivation: its parameters (mode, key, salt, prefix, label, data) and its output. */
struct kdf_call {
    int mode;
    OSSL_PARAM params[6];
    uint8_t *out;
    size_t len;
};

/* TLS13-KDF calls on one pooled context with its digest set once. On failure every output is
 * cleansed. */
static SECURITY_STATUS tls13_kdf(const struct backend *be, enum md_id md, const struct kdf_call *calls,
                                 size_t n)
{
    SECURITY_STATUS st = SEC_E_OK;
    EVP_KDF_CTX *ctx;

    ERR_set_mark();
    if ((ctx = backend_tls13_kdf_take(be, md)) == NULL)
        st = NTE_NO_MEMORY;
    for (size_t i = 0; i < n && st == SEC_E_OK; i++)
        if (EVP_KDF_derive(ctx, calls[i].out, calls[i].len, calls[i].params) <= 0)
            st = NTE_INTERNAL_ERROR;
    if (ctx != NULL)
        tls13_kdf_release(be, md, ctx);
    ERR_pop_to_mark();
    for (size_t i = 0; i < n && st != SEC_E_OK; i++)
        OPENSSL_cleanse(calls[i].out, calls[i].len);
    return st;
}

/* RFC 8446 §7.1: Early = Extract(0, PSK); Handshake = Extract(Derive-Secret(Early, "derived",
 * ""), (EC)DHE); Master = Extract(Derive-Secret(Handshake, "derived", ""), 0).
 * The early secret is TLS13-KDF's EXTRACT_ONLY with the PSK as its key (which it clear_frees).
 * For the other two TLS13-KDF would take the previous secret as its salt and do the "derived"
 * step itself, but OpenSSL 3.0 frees a KDF's salt without cleansing it (hkdf.c), which would
 * leave the early or handshake secret in freed heap (test_wipe). So the "derived" step is
 * TLS13-KDF's Expand-Label, and the extract, HMAC(salt, IKM) (RFC 5869 §2.2), is OpenSSL's
 * HMAC, which keeps its key in memory it cleanses (docs/tls13.md). */
SECURITY_STATUS kdf13_extract(const struct backend *be, enum md_id md, const uint8_t *prev,
                              const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    uint8_t zeros[KDF13_MAX_HASH] = {0}, derived[KDF13_MAX_HASH];
    size_t hlen = md_size(md);
    struct kdf_call c = {.mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY, .out = out, .len = hlen};
    SECURITY_STATUS st;

    if (!md_ok(md))
        return NTE_INVALID_PARAMETER;
    if (ikm == NULL)
        ikm = zeros, ikm_len = hlen;
    if (prev == NULL) {
        c.params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &c.mode);
        c.params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
        c.params[2] = OSSL_PARAM_construct_end();
        return tls13_kdf(be, md, &c, 1);
    }
    st = kdf13_expand_label(be, md, prev, "derived", be->empty_hash[md], hlen, derived, hlen);
    if (st == SEC_E_OK)
        st = kdf13_hmac(be, md, derived, ikm, ikm_len, out);
    OPENSSL_cleanse(derived, sizeof(derived));
    if (st != SEC_E_OK)
        OPENSSL_cleanse(out, hlen);
    return st;
}

/* The call for one HKDF-Expand-Label, built in place (its mode parameter points into it);
 * false when a length is out of range. */
static bool expand_call(enum md_id md, const uint8_t *secret, const struct kdf13_expansion *x,
                        struct kdf_call *c)
{
    static const uint8_t empty[1];
    /* TLS13-KDF refuses a NULL context even of length 0 */
    const uint8_t *context = x->context != NULL ? x->context : empty;
    size_t context_len = x->context != NULL ? x->context_len : 0;

    if (x->out_len == 0 || x->out_len > 255 * md_size(md) || strlen(x->label) > MAX_LABEL ||
        context_len > MAX_CONTEXT)
        return false;
    c->mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    c->out = x->out;
    c->len = x->out_len;
    c->params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &c->mode);
    c->params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, md_size(md));
    c->params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)TLS13_PREFIX,
                                                     sizeof(TLS13_PREFIX) - 1);
    c->params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)x->label, strlen(x->label));
    c->params[4] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA, (void *)context, context_len);
    c->params[5] = OSSL_PARAM_construct_end();
    return true;
}

SECURITY_STATUS kdf13_expand_labels(const struct backend *be, enum md_id md, const uint8_t *secret,
                                    const struct kdf13_expansion *x, size_t n)
{
    struct kdf_call calls[KDF13_MAX_EXPANSIONS];

    if (!md_ok(md) || n == 0 || n > KDF13_MAX_EXPANSIONS)
        return NTE_INVALID_PARAMETER;
    for (size_t i = 0; i < n; i++)
        if (!expand_call(md, secret, &x[i], &calls[i]))
            return NTE_INVALID_PARAMETER;
    return tls13_kdf(be, md, calls, n);
}

SECURITY_STATUS kdf13_expand_label(const struct backend *be, enum md_id md, const uint8_t *secret,
                                   const char *label, const uint8_t *context, size_t context_len,
                                   uint8_t *out, size_t out_len)
{
    struct kdf13_expansion x = {label, context, context_len, out, out_len};

    return kdf13_expand_labels(be, md, secret, &x, 1);
}

SECURITY_STATUS kdf13_hash(const struct backend *be, enum md_id md, const uint8_t *data,
                           size_t len, uint8_t *out)
{
    SECURITY_STATUS st;

    if (!md_ok(md))
        return NTE_INVALID_PARAMETER;
    ERR_set_mark();
    st = EVP_Digest(data, len, out, NULL, be->md[md], NULL) ? SEC_E_OK : NTE_INTERNAL_ERROR;
    ERR_pop_to_mark();
    return st;
}

SECURITY_STATUS kdf13_hmac(const struct backend *be, enum md_id md, const uint8_t *key,
                           const uint8_t *data, size_t len, uint8_t *out)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_ossl_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    EVP_MAC_CTX *ctx;
    size_t out_len;

    if (!md_ok(md))
        return NTE_INVALID_PARAMETER;
    ERR_set_mark();
    if ((ctx = EVP_MAC_CTX_new(be->hmac)) != NULL && EVP_MAC_init(ctx, key, md_size(md), params) &&
        EVP_MAC_update(ctx, data, len) && EVP_MAC_final(ctx, out, &out_len, KDF13_MAX_HASH))
        st = SEC_E_OK;
    EVP_MAC_CTX_free(ctx);
    ERR_pop_to_mark();
    return st;
}
