/* What the MAC-then-encrypt kinds share (rec_cbc.c, rec_stream.c; rec_stitched.c takes the
 * explicit IVs): cipher contexts, the record MAC and the explicit-IV pool. The AEAD kind keys
 * its contexts with rec_cipher_ctx too. */
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "record_int.h"

#define SSL3_MAC_HDR 11 /* seq64 || type || length (RFC 6101 §5.2.3.1) */

/* CCM's nonce and tag lengths must be set before the key; CBC runs in OpenSSL's TLS mode,
 * which pads on encryption and removes padding and MAC in constant time on decryption
 * (DESIGN.md "Constant-time CBC"). */
EVP_CIPHER_CTX *rec_cipher_ctx(const struct secret_key *k, const struct rec *r, int enc)
{
    const EVP_CIPHER *cipher = r->be->cipher[k->suite->cipher->id];
    unsigned int version = (unsigned int)proto_to_dword(k->proto);
    bool aead = r->s.tag_len != 0, cbc = r->s.block != 0;

    /* OpenSSL zero-fills SSL 3.0 padding; Windows writes pad-1 in every byte (behavior.md
     * §2.1), which SSL 3.0 allows. Encrypt as TLS 1.0 does; decrypt still accepts both. */
    if (enc && r->s.ssl3)
        version = (unsigned int)proto_to_dword(PROTO_TLS10);
    size_t mac_len = r->s.mac_len;
    OSSL_PARAM tls[3] = {
        OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_TLS_VERSION, &version),
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_TLS_MAC_SIZE, &mac_len),
        OSSL_PARAM_construct_end(),
    };
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL || !EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc))
        goto fail;
    if (aead && (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, REC_NONCE, NULL) <= 0 ||
                 (r->s.ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)r->s.tag_len, NULL) <= 0)))
        goto fail;
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, k->key, NULL, enc))
        goto fail;
    if (cbc && !EVP_CIPHER_CTX_set_params(ctx, tls))
        goto fail;
    return ctx;
fail:
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
}

/* ---- MACs ---------------------------------------------------------------------------- */

SECURITY_STATUS rec_mac_init(struct rec *r, const struct secret_key *k)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_ossl_name(r->s.mac_md), 0),
        OSSL_PARAM_construct_end(),
    };

    if (r->s.ssl3)
        return (r->md = EVP_MD_CTX_new()) != NULL ? SEC_E_OK : NTE_NO_MEMORY;
    if ((r->hmac = EVP_MAC_CTX_new(r->be->hmac)) == NULL)
        return NTE_NO_MEMORY;
    return EVP_MAC_init(r->hmac, k->mac_key, k->mac_key_len, params) ? SEC_E_OK : NTE_INTERNAL_ERROR;
}

/* SSL 3.0 (RFC 6101 §5.2.3.1): hash(key || pad2 || hash(key || pad1 || seq || type || length
 * || data)). The one hand-built construction allowed; not constant-time (conventions.md §5). */
static bool ssl3_mac(struct rec *r, const uint8_t *key, uint64_t seq, uint8_t type,
                     const uint8_t *data, size_t len, uint8_t *out)
{
    uint8_t pad[48], h[SSL3_MAC_HDR], inner[REC_MAX_MAC];
    size_t pad_len = r->s.mac_md == MD_MD5 ? 48 : 40;
    const EVP_MD *md = r->be->md[r->s.mac_md];
    bool ok;

    rec_put64(h, seq);
    h[8] = type;
    rec_put16(h + 9, len);
    memset(pad, 0x36, sizeof(pad));
    ok = EVP_DigestInit_ex(r->md, md, NULL) && EVP_DigestUpdate(r->md, key, r->s.mac_len) &&
         EVP_DigestUpdate(r->md, pad, pad_len) && EVP_DigestUpdate(r->md, h, sizeof(h)) &&
         EVP_DigestUpdate(r->md, data, len) && EVP_DigestFinal_ex(r->md, inner, NULL);
    memset(pad, 0x5c, sizeof(pad));
    ok = ok && EVP_DigestInit_ex(r->md, md, NULL) && EVP_DigestUpdate(r->md, key, r->s.mac_len) &&
         EVP_DigestUpdate(r->md, pad, pad_len) && EVP_DigestUpdate(r->md, inner, r->s.mac_len) &&
         EVP_DigestFinal_ex(r->md, out, NULL);
    OPENSSL_cleanse(inner, sizeof(inner));
    return ok;
}

bool rec_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data, size_t len,
             uint8_t *out)
{
    struct rec *r = k->rec;
    uint8_t h[REC_PSEUDO_HDR];
    size_t out_len;

    if (r->s.ssl3)
        return ssl3_mac(r, k->mac_key, seq, type, data, len, out);
    rec_pseudo_header(r, seq, type, len, h);
    return EVP_MAC_init(r->hmac, NULL, 0, NULL) && EVP_MAC_update(r->hmac, h, sizeof(h)) &&
           EVP_MAC_update(r->hmac, data, len) && EVP_MAC_final(r->hmac, out, &out_len, REC_MAX_MAC);
}

/* The MAC of a decrypted CBC record whose padding length is secret: OpenSSL's HMAC in TLS
 * mode (OSSL_MAC_PARAM_TLS_DATA_SIZE) digests the maximum possible length in constant time.
 * A fresh context per record: OpenSSL 3.0 keeps the TLS header state across inits. */
bool rec_cbc_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data, size_t len,
                 size_t orig_len, uint8_t *out)
{
    struct rec *r = k->rec;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_TLS_DATA_SIZE, &orig_len),
        OSSL_PARAM_construct_end(),
    };
    uint8_t h[REC_PSEUDO_HDR];
    size_t out_len;
    EVP_MAC_CTX *m;
    bool ok;

    if (r->s.ssl3)
        return ssl3_mac(r, k->mac_key, seq, type, data, len, out);
    if ((m = EVP_MAC_CTX_dup(r->hmac)) == NULL)
        return false;
    rec_pseudo_header(r, seq, type, len, h);
    ok = EVP_MAC_init(m, NULL, 0, params) && EVP_MAC_update(m, h, sizeof(h)) &&
         EVP_MAC_update(m, data, len) && EVP_MAC_final(m, out, &out_len, REC_MAX_MAC);
    EVP_MAC_CTX_free(m);
    return ok;
}

/* ---- explicit IVs -------------------------------------------------------------------- */

/* The explicit IVs of a TLS 1.1+ CBC write key come from a CTR-DRBG of its own, seeded from
 * the library context's primary DRBG. Explicit IVs are public once sent and need only be
 * unpredictable; a per-key DRBG allowed up to 2^32 requests between reseeds (SP 800-90A
 * allows 2^48 for CTR_DRBG) keeps OpenSSL's reseed, which allocates, out of the record path:
 * the thread's shared DRBG reseeds every 2^16 requests. It still reseeds when the primary
 * does and after OpenSSL's time interval. Without CTR-DRBG the IVs come from RAND_bytes_ex. */
SECURITY_STATUS rec_iv_init(struct rec *r)
{
    static const char pers[] = "sslprov explicit IV";
    unsigned int requests = UINT_MAX;
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, (char *)"AES-256-CTR", 0),
        OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &requests),
        OSSL_PARAM_construct_end(),
    };
    EVP_RAND *parent_type = r->be->ctr_drbg;
    EVP_RAND_CTX *parent;

    r->pool_used = REC_IV_POOL;
    if (r->s.chained_iv || parent_type == NULL)
        return SEC_E_OK;
    if ((parent = RAND_get0_primary(r->be->libctx)) == NULL ||
        (r->iv_drbg = EVP_RAND_CTX_new(parent_type, parent)) == NULL)
        return NTE_NO_MEMORY;
    if (!EVP_RAND_instantiate(r->iv_drbg, 256, 0, (const unsigned char *)pers, sizeof(pers) - 1,
                              params))
        return NTE_INTERNAL_ERROR;
    return SEC_E_OK;
}

/* The next explicit IV from the pool; it is used up (rec_iv_taken) only when the record is
 * written, so a failed call leaves the pool as it was. */
bool rec_next_iv(struct rec *r, uint8_t *iv)
{
    if (r->pool_used + r->s.block > REC_IV_POOL) {
        if (r->iv_drbg != NULL ? EVP_RAND_generate(r->iv_drbg, r->iv_pool, REC_IV_POOL, 0, 0, NULL, 0) != 1
                               : RAND_bytes_ex(r->be->libctx, r->iv_pool, REC_IV_POOL, 0) != 1)
            return false;
        r->pool_used = 0;
    }
    memcpy(iv, r->iv_pool + r->pool_used, r->s.block);
    return true;
}

void rec_iv_taken(struct rec *r)
{
    OPENSSL_cleanse(r->iv_pool + r->pool_used, r->s.block);
    r->pool_used += r->s.block;
}
