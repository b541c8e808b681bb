#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include "handles.h"
#include "kx12.h"

size_t kx12_rsa_size(const struct pkey_object *key)
{
    if (!EVP_PKEY_is_a(key->pkey, "RSA"))
        return 0;
    return (size_t)EVP_PKEY_get_size(key->pkey);
}

static void premaster_destroy(struct object *obj)
{
    OPENSSL_clear_free(obj, sizeof(struct premaster));
}

SECURITY_STATUS kx12_premaster_create(struct provider *prov, enum proto p, const struct suite *s,
                                      const uint8_t pms[KX12_RSA_PMS_LEN], ULONG_PTR *out)
{
    struct premaster *pm = OPENSSL_zalloc(sizeof(*pm));
    SECURITY_STATUS st;

    *out = 0;
    if (pm == NULL)
        return NTE_NO_MEMORY;
    obj_init(&pm->hdr, OBJ_PREMASTER, prov, premaster_destroy);
    pm->proto = p;
    pm->suite = s;
    memcpy(pm->pms, pms, KX12_RSA_PMS_LEN);
    if ((st = handle_create(&pm->hdr, out)) != SEC_E_OK)
        obj_unref(&pm->hdr);
    return st;
}

SECURITY_STATUS kx12_rsa_client(struct provider *prov, enum proto p, const struct suite *s,
                                const struct pkey_object *pub, uint32_t client_version,
                                uint8_t *ct, uint8_t pms[KX12_RSA_PMS_LEN])
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    EVP_PKEY_CTX *pctx;
    size_t ct_len = kx12_rsa_size(pub);

    ERR_set_mark();
    pms[0] = (uint8_t)(client_version >> 8);
    pms[1] = (uint8_t)client_version;
    if (RAND_bytes_ex(prov->be.libctx, pms + 2, KX12_RSA_PMS_LEN - 2, 0) != 1) {
        ERR_pop_to_mark();
        return NTE_INTERNAL_ERROR;
    }
    pctx = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, pub->pkey, NULL);
    if (pctx != NULL && EVP_PKEY_encrypt_init(pctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(pctx, ct, &ct_len, pms, KX12_RSA_PMS_LEN) > 0)
        st = SEC_E_OK;
    EVP_PKEY_CTX_free(pctx);
    ERR_pop_to_mark();
    if (st != SEC_E_OK)
        OPENSSL_cleanse(pms, KX12_RSA_PMS_LEN);
    return st;
}

/* OpenSSL's RSA_PKCS1_WITH_TLS_PADDING does the RFC 5246 §7.4.7.1 countermeasure in constant
 * time: on bad padding, a wrong length or a version other than TLS_CLIENT_VERSION it returns
 * a random 48-byte pre-master. TLS_NEGOTIATED_VERSION is never set: it enables a workaround
 * that drops the version check (conventions.md §3). */
SECURITY_STATUS kx12_rsa_server(struct provider *prov, const struct pkey_object *priv,
                                uint32_t client_version, const uint8_t *ct, size_t ct_len,
                                uint8_t pms[KX12_RSA_PMS_LEN])
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    unsigned int version = client_version;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &version),
        OSSL_PARAM_construct_end(),
    };
    size_t out_len = KX12_RSA_PMS_LEN;
    EVP_PKEY_CTX *pctx;
    BIGNUM *n = NULL, *c;

    /* a ciphertext not below the modulus is malformed (public data, no oracle) */
    c = BN_bin2bn(ct, (int)ct_len, NULL);
    if (c == NULL || !EVP_PKEY_get_bn_param(priv->pkey, OSSL_PKEY_PARAM_RSA_N, &n)) {
        BN_free(c);
        return NTE_NO_MEMORY;
    }
    st = BN_cmp(c, n) < 0 ? NTE_INTERNAL_ERROR : NTE_BAD_DATA;
    BN_free(c);
    BN_free(n);
    if (st == NTE_BAD_DATA)
        return st;
    ERR_set_mark();
    pctx = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, priv->pkey, NULL);
    if (pctx != NULL && EVP_PKEY_decrypt_init(pctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_WITH_TLS_PADDING) > 0 &&
        EVP_PKEY_CTX_set_params(pctx, params) > 0 &&
        EVP_PKEY_decrypt(pctx, pms, &out_len, ct, ct_len) > 0 && out_len == KX12_RSA_PMS_LEN)
        st = SEC_E_OK;
    EVP_PKEY_CTX_free(pctx);
    ERR_pop_to_mark();
    if (st != SEC_E_OK)
        OPENSSL_cleanse(pms, KX12_RSA_PMS_LEN);
    return st;
}

static bool ec_peer_ok(struct provider *prov, EVP_PKEY *peer)
{
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, peer, NULL);
    bool ok = chk != NULL && EVP_PKEY_public_check_quick(chk) == 1;

    EVP_PKEY_CTX_free(chk);
    return ok;
}

SECURITY_STATUS kx12_dh(struct provider *prov, const struct pkey_object *own,
                        const struct pkey_object *peer, bool pad_dh, uint8_t *out, size_t *out_len)
{
    SECURITY_STATUS st = NTE_BAD_DATA;
    EVP_PKEY_CTX *pctx;
    size_t len = KX12_MAX_SHARED;

    ERR_set_mark();
    pctx = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, own->pkey, NULL);
    if (pctx == NULL || EVP_PKEY_derive_init(pctx) <= 0) {
        st = NTE_INTERNAL_ERROR;
        goto out;
    }
    /* TLS <= 1.2 strips the leading zeros of a finite-field DH secret (RFC 5246 §8.1.2) */
    if (EVP_PKEY_is_a(own->pkey, "DH") && EVP_PKEY_CTX_set_dh_pad(pctx, pad_dh ? 1 : 0) <= 0) {
        st = NTE_INTERNAL_ERROR;
        goto out;
    }
    /* An invalid peer share or an all-zero X25519/X448 result fails here. A NIST-curve peer
     * gets the quick check, complete for these cofactor-1 curves (see pubblob.c); the full
     * one would multiply by the order again on every exchange. */
    if ((EVP_PKEY_is_a(peer->pkey, "EC") ? ec_peer_ok(prov, peer->pkey) &&
                                               EVP_PKEY_derive_set_peer_ex(pctx, peer->pkey, 0) > 0
                                         : EVP_PKEY_derive_set_peer_ex(pctx, peer->pkey, 1) > 0) &&
        EVP_PKEY_derive(pctx, NULL, &len) > 0 && len <= KX12_MAX_SHARED &&
        EVP_PKEY_derive(pctx, out, &len) > 0) {
        *out_len = len;
        st = SEC_E_OK;
    }
out:
    EVP_PKEY_CTX_free(pctx);
    ERR_pop_to_mark();
    return st;
}

SECURITY_STATUS kx12_check_params(enum proto p, const struct suite *s, const struct tls_params *prm)
{
    if (prm->has_session_hash) {
        /* RFC 7627 §4; not defined for SSL 3.0 (conventions.md §2) */
        if (p == PROTO_SSL3)
            return NTE_NOT_SUPPORTED;
        return prm->session_hash_len == md_size(suite_prf_md(s, p)) ? SEC_E_OK : NTE_INVALID_PARAMETER;
    }
    return prm->client_random != NULL && prm->server_random != NULL ? SEC_E_OK : NTE_INVALID_PARAMETER;
}

SECURITY_STATUS kx12_master_key(const struct kx12_ctx *ctx, const uint8_t *pms, size_t pms_len,
                                ULONG_PTR *out)
{
    const struct tls_params *prm = ctx->params;
    enum md_id md = suite_prf_md(ctx->suite, ctx->proto);
    uint8_t ms[KDF12_MASTER_SECRET_LEN];
    SECURITY_STATUS st;

    *out = 0;
    if ((st = kx12_check_params(ctx->proto, ctx->suite, prm)) != SEC_E_OK)
        return st;
    st = kdf12_master_secret(&ctx->prov->be, ctx->proto, md, pms, pms_len, prm->client_random,
                             prm->server_random, prm->has_session_hash ? prm->session_hash : NULL,
                             prm->session_hash_len, ms);
    if (st == SEC_E_OK)
        st = master_key_create(ctx->prov, ctx->proto, ctx->suite, ctx->client, ms, out);
    OPENSSL_cleanse(ms, sizeof(ms));
    return st;
}

SECURITY_STATUS kx12_psk_premaster(const uint8_t *psk, size_t psk_len, uint8_t **pms,
                                   size_t *pms_len)
{
    size_t n = 4 + 2 * psk_len;
    uint8_t *b;

    if (psk_len == 0 || psk_len > 0xFFFF)
        return NTE_BAD_DATA;
    if ((b = OPENSSL_zalloc(n)) == NULL)
        return NTE_NO_MEMORY;
    b[0] = (uint8_t)(psk_len >> 8);
    b[1] = (uint8_t)psk_len;
    b[2 + psk_len] = (uint8_t)(psk_len >> 8);
    b[3 + psk_len] = (uint8_t)psk_len;
    memcpy(b + 4 + psk_len, psk, psk_len);
    *pms = b;
    *pms_len = n;
    return SEC_E_OK;
}
