/* SslCreateEphemeralKey (api.md C2, conventions.md §6): a fresh key pair for the suite's
 * key exchange. ECDHE suites and TLS 1.3 take a named group (dwKeyType, or a NIST curve from
 * dwKeyBitLen when it is 0); DHE suites take the server's p and g, or an RFC 7919 group.
 * RSA and PSK exchanges have no ephemeral key. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include "keys.h"

#define DH_PARAMS_HDR_LEN 12

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Key generation on a named group: "EC" + group, "X25519", "X448", "DH" + ffdheN. */
SECURITY_STATUS ephemeral_generate(struct provider *prov, const struct group_info *g,
                                   EVP_PKEY **out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(prov->be.libctx, g->keytype, NULL);
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl_group, 0),
        OSSL_PARAM_construct_end(),
    };
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;

    *out = NULL;
    if (ctx == NULL)
        return NTE_NO_MEMORY;
    if (EVP_PKEY_keygen_init(ctx) <= 0)
        goto out;
    if (g->kind != GROUP_XDH && EVP_PKEY_CTX_set_params(ctx, params) <= 0)
        goto out;
    if (EVP_PKEY_keygen(ctx, out) > 0)
        st = SEC_E_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    return st;
}

/* BCRYPT_DH_PARAMETER_HEADER {cbLength, 'DHPM', cbKeyLength} + p + g (api.md C2). */
static SECURITY_STATUS dh_domain(struct provider *prov, const struct ephemeral_req *req,
                                 EVP_PKEY **dom)
{
    const uint8_t *b = req->params;
    SECURITY_STATUS st = NTE_NO_MEMORY;
    EVP_PKEY_CTX *ctx = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *p = NULL, *g = NULL;
    size_t cb;

    *dom = NULL;
    if (req->params_len < DH_PARAMS_HDR_LEN || get32(b) != req->params_len ||
        get32(b + 4) != BCRYPT_DH_PARAMETERS_MAGIC)
        return NTE_BAD_DATA;
    cb = get32(b + 8);
    if (req->params_len != DH_PARAMS_HDR_LEN + 2 * (uint64_t)cb ||
        cb != ((uint64_t)req->key_bits + 7) / 8)
        return NTE_BAD_DATA;
    if ((p = BN_bin2bn(b + DH_PARAMS_HDR_LEN, (int)cb, NULL)) == NULL ||
        (g = BN_bin2bn(b + DH_PARAMS_HDR_LEN + cb, (int)cb, NULL)) == NULL)
        goto out;
    if ((st = dh_check_domain(p, g, cb)) != SEC_E_OK)
        goto out;
    st = NTE_NO_MEMORY;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(prov->be.libctx, "DH", NULL)) == NULL)
        goto out;
    st = EVP_PKEY_fromdata_init(ctx) > 0 &&
                 EVP_PKEY_fromdata(ctx, dom, EVP_PKEY_KEY_PARAMETERS, params) > 0
             ? SEC_E_OK
             : NTE_BAD_DATA;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(p);
    BN_free(g);
    return st;
}

/* A key pair on the caller's DH parameters. When they are an RFC 7919 group OpenSSL knows q
 * (short exponents, y^q checks) and the key carries that group's key type. */
static SECURITY_STATUS dhe_from_params(struct provider *prov, const struct ephemeral_req *req,
                                       ULONG_PTR *out)
{
    EVP_PKEY *dom, *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    const struct group_info *g;
    SECURITY_STATUS st;

    if ((st = dh_domain(prov, req, &dom)) != SEC_E_OK)
        return st;
    st = NTE_INTERNAL_ERROR;
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, dom, NULL)) == NULL ||
        EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0)
        goto out;
    g = pkey_group(pkey);
    st = pkey_object_create(prov, OBJ_EPHEMERAL, pkey, g != NULL ? g->id : 0, true, out);
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(dom);
    return st;
}

static SECURITY_STATUS create_on_group(struct provider *prov, const struct group_info *g,
                                       ULONG_PTR *out)
{
    EVP_PKEY *pkey;
    SECURITY_STATUS st;

    if ((st = ephemeral_generate(prov, g, &pkey)) != SEC_E_OK)
        return st;
    return pkey_object_create(prov, OBJ_EPHEMERAL, pkey, g->id, true, out);
}

/* ECDHE and TLS 1.3: dwKeyType names the group; 0 means a NIST curve of dwKeyBitLen bits
 * (older callers). FFDHE groups only for TLS 1.3. pbParams must be absent. */
static SECURITY_STATUS named_group(const struct ephemeral_req *req, bool ffdhe_ok,
                                   const struct group_info **out)
{
    const struct group_info *g = NULL;

    if (req->key_type != 0) {
        g = group_by_id(req->key_type);
    } else {
        for (uint32_t id = TLS_ECC_P256_CURVE_KEY_TYPE; id <= TLS_ECC_P521_CURVE_KEY_TYPE; id++)
            if (group_by_id(id)->bits == req->key_bits)
                g = group_by_id(id);
    }
    if (g == NULL || (g->kind == GROUP_FFDHE && !ffdhe_ok))
        return NTE_NOT_SUPPORTED;
    if (req->params_len != 0)
        return NTE_INVALID_PARAMETER;
    *out = g;
    return SEC_E_OK;
}

/* DHE: the server's p and g (dwKeyType 0), or without them an RFC 7919 group chosen by
 * dwKeyType 256..260 or by dwKeyBitLen (0 = 2048, api.md C2). */
static SECURITY_STATUS dhe(struct provider *prov, const struct ephemeral_req *req,
                           ULONG_PTR *out)
{
    const struct group_info *g;

    if (req->key_type != 0) {
        g = group_by_id(req->key_type);
        if (g == NULL || g->kind != GROUP_FFDHE)
            return NTE_NOT_SUPPORTED;
        if (req->params_len != 0)
            return NTE_INVALID_PARAMETER; /* a group and parameters: which one? */
        return create_on_group(prov, g, out);
    }
    if (req->params_len != 0)
        return dhe_from_params(prov, req, out);
    if ((g = group_ffdhe_by_bits(req->key_bits == 0 ? 2048 : req->key_bits)) == NULL)
        return NTE_NOT_SUPPORTED;
    return create_on_group(prov, g, out);
}

SECURITY_STATUS ephemeral_create(struct provider *prov, const struct ephemeral_req *req,
                                 ULONG_PTR *out)
{
    const struct group_info *g;
    SECURITY_STATUS st;

    *out = 0;
    ERR_set_mark();
    if (req->proto == PROTO_TLS13 || req->suite->kx == KX_ECDHE) {
        if ((st = named_group(req, req->proto == PROTO_TLS13, &g)) == SEC_E_OK)
            st = create_on_group(prov, g, out);
    } else if (req->suite->kx == KX_DHE) {
        st = dhe(prov, req, out);
    } else {
        st = NTE_NOT_SUPPORTED; /* RSA, PSK: no ephemeral key */
    }
    ERR_pop_to_mark();
    return st;
}
