/* Key blobs of SslImportKey / SslExportKey other than OpaqueKeyBlob (api.md §3.11, §4.12;
 * conventions.md §3, §6, §7): the BCrypt public blobs, SSL_ECCPUBLIC_BLOB and PSKs.
 * Header DWORDs are little-endian, the numbers after them big-endian. Every length field is
 * checked against the blob size and every public value is validated before an object exists:
 * malformed -> NTE_BAD_DATA, a group or size we do not do -> NTE_NOT_SUPPORTED. */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include "keys.h"
#include "le32.h"
#include "secrets.h"
#include "wstr.h"

#define RSA_HDR_LEN 24
#define ECC_HDR_LEN 8
#define DH_HDR_LEN 8
#define KDBM_HDR_LEN 12
#define RSA_MIN_BITS 512
#define RSA_MAX_BITS 16384 /* OPENSSL_RSA_MAX_MODULUS_BITS */
#define PSK_MAX_LEN 65535
#define EC_POINT_UNCOMPRESSED 0x04 /* SEC 1 §2.3.3: 0x04 || X || Y */

enum blob_type blob_type_from_name(LPCWSTR name)
{
    static const struct {
        const char *name;
        enum blob_type t;
    } names[] = {
        {"RSAPUBLICBLOB", BLOB_RSAPUBLIC}, {"ECCPUBLICBLOB", BLOB_ECCPUBLIC},
        {"SSLECCPUBLICBLOB", BLOB_SSLECCPUBLIC}, {"DHPUBLICBLOB", BLOB_DHPUBLIC},
        {"PUBLICBLOB", BLOB_PUBLIC}, {"TLS13PRESHAREDKEY", BLOB_PSK},
        {"KeyDataBlob", BLOB_KEYDATA}, {"OpaqueKeyBlob", BLOB_OPAQUE},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (wstr_eq_ascii(name, names[i].name))
            return names[i].t;
    return BLOB_UNKNOWN;
}

/* 1 < x < p - 1 */
static bool bn_inner(const BIGNUM *x, const BIGNUM *p)
{
    BIGNUM *pm1 = BN_dup(p);
    bool ok = pm1 != NULL && BN_sub_word(pm1, 1) && BN_cmp(x, BN_value_one()) > 0 &&
              BN_cmp(x, pm1) < 0;

    BN_free(pm1);
    return ok;
}

SECURITY_STATUS dh_check_domain(const BIGNUM *p, const BIGNUM *g, size_t p_len)
{
    int bits = BN_num_bits(p);

    if ((size_t)BN_num_bytes(p) != p_len || !BN_is_odd(p) || bits < DH_MIN_BITS)
        return NTE_BAD_DATA;
    if (bits > DH_MAX_BITS)
        return NTE_NOT_SUPPORTED;
    return bn_inner(g, p) ? SEC_E_OK : NTE_BAD_DATA;
}

/* ---- Import ---- */

/* A public key from OSSL_PARAMs; with check, fully validated (EC: on the curve, not at
 * infinity, so of the group's order; DH: 1 < y < p - 1 and, for a known group, y^q = 1). */
static SECURITY_STATUS pkey_public(struct provider *prov, const char *keytype,
                                   const OSSL_PARAM *params, bool check, EVP_PKEY **out)
{
    SECURITY_STATUS st = NTE_BAD_DATA;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(prov->be.libctx, keytype, NULL);
    EVP_PKEY_CTX *chk = NULL;

    *out = NULL;
    if (ctx == NULL)
        return NTE_NO_MEMORY;
    if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)params) <= 0)
        goto out;
    if (!check) {
        st = SEC_E_OK;
        goto out;
    }
    if ((chk = EVP_PKEY_CTX_new_from_pkey(prov->be.libctx, *out, NULL)) == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    /* The EC keys that get here are on P-256/384/521 (the blob magics allow no other curve),
     * whose cofactor is 1: a point on the curve that is not the point at infinity has the
     * group's order, so the quick check is the whole check (SP 800-56A 5.6.2.3.4), without
     * the scalar multiplication by the order that EVP_PKEY_public_check adds per import. */
    if ((EVP_PKEY_is_a(*out, "EC") ? EVP_PKEY_public_check_quick(chk)
                                   : EVP_PKEY_public_check(chk)) == 1)
        st = SEC_E_OK;
out:
    EVP_PKEY_CTX_free(chk);
    EVP_PKEY_CTX_free(ctx);
    if (st != SEC_E_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    return st;
}

/* BCRYPT_RSAKEY_BLOB 'RSA1' + PublicExponent + Modulus -> a public key. */
static SECURITY_STATUS import_rsa(struct provider *prov, const uint8_t *b, size_t len,
                                  ULONG_PTR *out)
{
    SECURITY_STATUS st = NTE_BAD_DATA;
    uint32_t bits, cb_exp, cb_mod;
    BIGNUM *e = NULL, *n = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;

    if (len < RSA_HDR_LEN || get32(b) != BCRYPT_RSAPUBLIC_MAGIC || get32(b + 16) != 0 ||
        get32(b + 20) != 0)
        return NTE_BAD_DATA;
    bits = get32(b + 4);
    cb_exp = get32(b + 8);
    cb_mod = get32(b + 12);
    if (cb_exp == 0 || cb_mod == 0 || (uint64_t)RSA_HDR_LEN + cb_exp + cb_mod != len)
        return NTE_BAD_DATA;
    if ((e = BN_bin2bn(b + RSA_HDR_LEN, (int)cb_exp, NULL)) == NULL ||
        (n = BN_bin2bn(b + RSA_HDR_LEN + cb_exp, (int)cb_mod, NULL)) == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    if ((uint32_t)BN_num_bits(n) != bits || !BN_is_odd(n) || bits < RSA_MIN_BITS)
        goto out;
    if (bits > RSA_MAX_BITS) {
        st = NTE_NOT_SUPPORTED;
        goto out;
    }
    if (!BN_is_odd(e) || BN_is_one(e) || BN_cmp(e, n) >= 0)
        goto out;
    st = NTE_NO_MEMORY;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    /* checked above: OpenSSL's SP 800-56B public check refuses legacy sizes we accept */
    if ((st = pkey_public(prov, "RSA", params, false, &pkey)) == SEC_E_OK) {
        st = pkey_object_create(prov, OBJ_PUBLIC, pkey, 0, false, out);
        pkey = NULL;
    }
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(e);
    BN_free(n);
    return st;
}

/* A peer share in its TLS wire encoding -> a public-only ephemeral key (conventions.md §1). */
static SECURITY_STATUS import_share(struct provider *prov, const struct group_info *g,
                                    const uint8_t *pub, size_t pub_len, ULONG_PTR *out)
{
    OSSL_PARAM params[3];
    size_t n = 0;
    EVP_PKEY *pkey;
    SECURITY_STATUS st;

    /* NIST: uncompressed points only (RFC 8446 §4.2.8.2); infinity cannot be encoded so */
    if (g->kind == GROUP_NIST) {
        if (pub[0] != EC_POINT_UNCOMPRESSED)
            return NTE_BAD_DATA;
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                       (char *)g->ossl_group, 0);
    }
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, pub_len);
    params[n] = OSSL_PARAM_construct_end();
    /* X25519/X448: every 32/56-byte string is a public key; low-order points fail at
     * derivation (OpenSSL refuses an all-zero shared secret) */
    if ((st = pkey_public(prov, g->keytype, params, true, &pkey)) != SEC_E_OK)
        return st;
    return pkey_object_create(prov, OBJ_EPHEMERAL, pkey, g->id, false, out);
}

/* BCRYPT_ECCKEY_BLOB 'ECKn'/'ECSn' + X + Y. The generic magics need a curve name this API
 * cannot pass (api.md §4.12). */
static SECURITY_STATUS import_ecc(struct provider *prov, const uint8_t *b, size_t len,
                                  ULONG_PTR *out)
{
    static const uint32_t ids[] = {23, 24, 25};
    const struct group_info *g = NULL;
    uint8_t point[1 + 2 * 66];
    uint32_t magic, cb;

    if (len < ECC_HDR_LEN)
        return NTE_BAD_DATA;
    magic = get32(b);
    cb = get32(b + 4);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const struct group_info *c = group_by_id(ids[i]);

        if (magic == c->ecdh_magic || magic == c->ecdsa_magic)
            g = c;
    }
    if (g == NULL || cb != g->elem_len || len != ECC_HDR_LEN + 2 * (size_t)cb)
        return NTE_BAD_DATA;
    point[0] = EC_POINT_UNCOMPRESSED;
    memcpy(point + 1, b + ECC_HDR_LEN, 2 * (size_t)cb);
    return import_share(prov, g, point, 1 + 2 * (size_t)cb, out);
}

/* SSL_ECCKEY_BLOB {dwCurveType, cbKey} + the TLS encoding (conventions.md §3). */
static SECURITY_STATUS import_ssl_ecc(struct provider *prov, const uint8_t *b, size_t len,
                                      ULONG_PTR *out)
{
    const struct group_info *g;
    uint32_t cb;

    if (len < ECC_HDR_LEN)
        return NTE_BAD_DATA;
    g = group_by_id(get32(b));
    if (g == NULL || g->kind == GROUP_FFDHE)
        return NTE_NOT_SUPPORTED; /* FFDHE shares travel as BCRYPT_DH_PUBLIC_BLOB (§6) */
    cb = get32(b + 4);
    if (cb != group_wire_len(g) || len != ECC_HDR_LEN + (size_t)cb)
        return NTE_BAD_DATA;
    return import_share(prov, g, b + ECC_HDR_LEN, cb, out);
}

/* BCRYPT_DH_KEY_BLOB 'DHPB' + p + g + y, each cbKey bytes. */
static SECURITY_STATUS import_dh(struct provider *prov, const uint8_t *b, size_t len,
                                 ULONG_PTR *out)
{
    SECURITY_STATUS st = NTE_NO_MEMORY;
    BIGNUM *p = NULL, *g = NULL, *y = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    const struct group_info *grp;
    size_t cb;

    if (len < DH_HDR_LEN || get32(b) != BCRYPT_DH_PUBLIC_MAGIC)
        return NTE_BAD_DATA;
    cb = get32(b + 4);
    if (cb == 0 || len != DH_HDR_LEN + 3 * (uint64_t)cb)
        return NTE_BAD_DATA;
    if ((p = BN_bin2bn(b + DH_HDR_LEN, (int)cb, NULL)) == NULL ||
        (g = BN_bin2bn(b + DH_HDR_LEN + cb, (int)cb, NULL)) == NULL ||
        (y = BN_bin2bn(b + DH_HDR_LEN + 2 * cb, (int)cb, NULL)) == NULL)
        goto out;
    if ((st = dh_check_domain(p, g, cb)) != SEC_E_OK)
        goto out;
    st = NTE_BAD_DATA;
    if (!bn_inner(y, p))
        goto out;
    st = NTE_NO_MEMORY;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    /* OpenSSL recognises the RFC 7919 groups by p and g, and then checks y^q = 1 */
    if ((st = pkey_public(prov, "DH", params, true, &pkey)) != SEC_E_OK)
        goto out;
    grp = pkey_group(pkey);
    st = pkey_object_create(prov, OBJ_EPHEMERAL, pkey, grp != NULL ? grp->id : 0, false, out);
    pkey = NULL;
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(p);
    BN_free(g);
    BN_free(y);
    return st;
}

/* BCRYPT_PUBLIC_KEY_BLOB: the magic says which (api.md §4.12). */
static SECURITY_STATUS import_public(struct provider *prov, const uint8_t *b, size_t len,
                                     ULONG_PTR *out)
{
    uint32_t magic;

    if (len < 4)
        return NTE_BAD_DATA;
    magic = get32(b);
    if (magic == BCRYPT_RSAPUBLIC_MAGIC)
        return import_rsa(prov, b, len, out);
    if (magic == BCRYPT_DH_PUBLIC_MAGIC)
        return import_dh(prov, b, len, out);
    if ((magic & 0x00FFFFFFu) == 0x004B4345u || (magic & 0x00FFFFFFu) == 0x00534345u ||
        magic == BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC)
        return import_ecc(prov, b, len, out);
    return NTE_BAD_DATA;
}

/* TLS_13_PRE_SHARED_KEY / BCRYPT_KEY_DATA_BLOB (conventions.md §7): a 'KDBM' blob iff it
 * says so consistently, else the raw PSK bytes. */
static SECURITY_STATUS import_psk(struct provider *prov, const uint8_t *b, size_t len,
                                  ULONG_PTR *out)
{
    struct secret_init init = {.kind = KEY_PSK, .has_proto = false, .suite = NULL};

    init.key = b;
    init.key_len = len;
    if (len >= KDBM_HDR_LEN && get32(b) == BCRYPT_KEY_DATA_BLOB_MAGIC &&
        get32(b + 4) == BCRYPT_KEY_DATA_BLOB_VERSION1 &&
        KDBM_HDR_LEN + (uint64_t)get32(b + 8) == len) {
        init.key = b + KDBM_HDR_LEN;
        init.key_len = len - KDBM_HDR_LEN;
    }
    if (init.key_len < 1 || init.key_len > PSK_MAX_LEN)
        return NTE_BAD_DATA;
    return secret_key_create(prov, &init, out);
}

SECURITY_STATUS blob_import(struct provider *prov, enum blob_type t, const uint8_t *blob,
                            size_t len, ULONG_PTR *out)
{
    SECURITY_STATUS st;

    *out = 0;
    ERR_set_mark();
    switch (t) {
    case BLOB_RSAPUBLIC:
        st = import_rsa(prov, blob, len, out);
        break;
    case BLOB_ECCPUBLIC:
        st = import_ecc(prov, blob, len, out);
        break;
    case BLOB_SSLECCPUBLIC:
        st = import_ssl_ecc(prov, blob, len, out);
        break;
    case BLOB_DHPUBLIC:
        st = import_dh(prov, blob, len, out);
        break;
    case BLOB_PUBLIC:
        st = import_public(prov, blob, len, out);
        break;
    case BLOB_PSK:
    case BLOB_KEYDATA:
        st = import_psk(prov, blob, len, out);
        break;
    default:
        st = NTE_NOT_SUPPORTED;
        break;
    }
    ERR_pop_to_mark();
    return st;
}

/* ---- Export ---- */

enum blob_fmt { FMT_PSK_RAW, FMT_KDBM, FMT_RSA, FMT_ECC, FMT_SSL_ECC, FMT_DH };

/* What an export writes: the format, its size and the numbers it is made of. */
struct plan {
    enum blob_fmt fmt;
    size_t len;
    const struct secret_key *psk;
    const struct pkey_object *key;
    const struct group_info *g;
    BIGNUM *bn[3]; /* RSA: e, n; DH: p, g, y (EC points are read at write time) */
    uint8_t xdh[56];
    size_t elem;   /* bytes per number after the header (EC, DH) */
};

static void plan_free(struct plan *pl)
{
    for (int i = 0; i < 3; i++)
        BN_free(pl->bn[i]);
}

static bool get_bns(EVP_PKEY *pkey, struct plan *pl, const char *a, const char *b,
                    const char *c)
{
    return EVP_PKEY_get_bn_param(pkey, a, &pl->bn[0]) == 1 &&
           EVP_PKEY_get_bn_param(pkey, b, &pl->bn[1]) == 1 &&
           (c == NULL || EVP_PKEY_get_bn_param(pkey, c, &pl->bn[2]) == 1);
}

static SECURITY_STATUS plan_psk(const struct object *obj, enum blob_type t, struct plan *pl)
{
    const struct secret_key *k = (const struct secret_key *)obj;

    if (obj->cls != OBJ_KEY || k->kind != KEY_PSK || (t != BLOB_PSK && t != BLOB_KEYDATA))
        return NTE_NOT_SUPPORTED;
    pl->psk = k;
    pl->fmt = t == BLOB_PSK ? FMT_PSK_RAW : FMT_KDBM;
    pl->len = (t == BLOB_KEYDATA ? KDBM_HDR_LEN : 0) + k->key_len;
    return SEC_E_OK;
}

/* Allowed combinations (api.md C4): RSA keys -> RSAPUBLIC; EC certificate keys -> ECCPUBLIC
 * ('ECSn'); NIST shares -> ECCPUBLIC ('ECKn') or SSLECCPUBLIC; X25519/X448 -> SSLECCPUBLIC;
 * DH shares -> DHPUBLIC. PUBLICBLOB names the first of each. */
static SECURITY_STATUS plan_pkey(const struct pkey_object *k, enum blob_type t, struct plan *pl)
{
    const struct group_info *g = group_by_id(k->group);
    bool eph = k->hdr.cls == OBJ_EPHEMERAL;

    pl->key = k;
    pl->g = g;
    if (EVP_PKEY_is_a(k->pkey, "RSA") || EVP_PKEY_is_a(k->pkey, "RSA-PSS")) {
        if ((t != BLOB_RSAPUBLIC && t != BLOB_PUBLIC) || eph)
            return NTE_NOT_SUPPORTED;
        if (!get_bns(k->pkey, pl, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N, NULL))
            return NTE_INTERNAL_ERROR;
        pl->fmt = FMT_RSA;
        pl->len = RSA_HDR_LEN + (size_t)BN_num_bytes(pl->bn[0]) + (size_t)BN_num_bytes(pl->bn[1]);
        return SEC_E_OK;
    }
    if (g != NULL && g->kind == GROUP_NIST) {
        if (t == BLOB_ECCPUBLIC || t == BLOB_PUBLIC)
            pl->fmt = FMT_ECC;
        else if (t == BLOB_SSLECCPUBLIC && eph)
            pl->fmt = FMT_SSL_ECC;
        else
            return NTE_NOT_SUPPORTED;
        /* the point is read once, when it is written (ec_xy): a size query needs the group
         * alone */
        pl->elem = g->elem_len;
        pl->len = ECC_HDR_LEN + (pl->fmt == FMT_ECC ? 2 * g->elem_len : group_wire_len(g));
        return SEC_E_OK;
    }
    if (g != NULL && g->kind == GROUP_XDH) {
        size_t n;

        if (t != BLOB_SSLECCPUBLIC || !eph)
            return NTE_NOT_SUPPORTED;
        if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pl->xdh,
                                            sizeof(pl->xdh), &n) != 1 || n != g->elem_len)
            return NTE_INTERNAL_ERROR;
        pl->fmt = FMT_SSL_ECC;
        pl->len = ECC_HDR_LEN + n;
        return SEC_E_OK;
    }
    if (eph && EVP_PKEY_is_a(k->pkey, "DH")) {
        if (t != BLOB_DHPUBLIC && t != BLOB_PUBLIC)
            return NTE_NOT_SUPPORTED;
        if (!get_bns(k->pkey, pl, OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_G,
                     OSSL_PKEY_PARAM_PUB_KEY))
            return NTE_INTERNAL_ERROR;
        pl->fmt = FMT_DH;
        pl->elem = (size_t)BN_num_bytes(pl->bn[0]);
        pl->len = DH_HDR_LEN + 3 * pl->elem;
        return SEC_E_OK;
    }
    return NTE_NOT_SUPPORTED; /* DSA: no DSA blob in this API */
}

static SECURITY_STATUS plan_make(const struct object *obj, enum blob_type t, struct plan *pl)
{
    memset(pl, 0, sizeof(*pl));
    if (obj->cls == OBJ_KEY)
        return plan_psk(obj, t, pl);
    if (obj->cls == OBJ_PRIVATE || obj->cls == OBJ_PUBLIC || obj->cls == OBJ_EPHEMERAL)
        return plan_pkey((const struct pkey_object *)obj, t, pl);
    return NTE_NOT_SUPPORTED;
}

SECURITY_STATUS blob_size(const struct object *obj, enum blob_type t, size_t *len)
{
    struct plan pl;
    SECURITY_STATUS st;

    ERR_set_mark();
    st = plan_make(obj, t, &pl);
    *len = st == SEC_E_OK ? pl.len : 0;
    plan_free(&pl);
    ERR_pop_to_mark();
    return st;
}

static bool put_bn(const BIGNUM *bn, uint8_t *out, size_t len)
{
    return BN_bn2binpad(bn, out, (int)len) == (int)len;
}

/* A NIST key's X || Y, each elem bytes: the encoded point in one call (0x04 || X || Y, the
 * form every key made or imported here has), else the coordinates one by one. */
static bool ec_xy(const struct plan *pl, uint8_t *out)
{
    uint8_t pt[1 + 2 * 66];
    size_t n = 0;
    BIGNUM *x = NULL, *y = NULL;
    bool ok;

    if (EVP_PKEY_get_octet_string_param(pl->key->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
                                        &n) == 1 &&
        n == 1 + 2 * pl->elem && pt[0] == EC_POINT_UNCOMPRESSED) {
        memcpy(out, pt + 1, 2 * pl->elem);
        return true;
    }
    ok = EVP_PKEY_get_bn_param(pl->key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
         EVP_PKEY_get_bn_param(pl->key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
         put_bn(x, out, pl->elem) && put_bn(y, out + pl->elem, pl->elem);
    BN_free(x);
    BN_free(y);
    return ok;
}

static SECURITY_STATUS plan_write(const struct plan *pl, uint8_t *out)
{
    size_t cb_e, cb_n;

    switch (pl->fmt) {
    case FMT_PSK_RAW:
        memcpy(out, pl->psk->key, pl->psk->key_len);
        return SEC_E_OK;
    case FMT_KDBM:
        put32(out, BCRYPT_KEY_DATA_BLOB_MAGIC);
        put32(out + 4, BCRYPT_KEY_DATA_BLOB_VERSION1);
        put32(out + 8, (uint32_t)pl->psk->key_len);
        memcpy(out + KDBM_HDR_LEN, pl->psk->key, pl->psk->key_len);
        return SEC_E_OK;
    case FMT_RSA:
        cb_e = (size_t)BN_num_bytes(pl->bn[0]);
        cb_n = (size_t)BN_num_bytes(pl->bn[1]);
        memset(out, 0, RSA_HDR_LEN);
        put32(out, BCRYPT_RSAPUBLIC_MAGIC);
        put32(out + 4, (uint32_t)BN_num_bits(pl->bn[1]));
        put32(out + 8, (uint32_t)cb_e);
        put32(out + 12, (uint32_t)cb_n);
        return put_bn(pl->bn[0], out + RSA_HDR_LEN, cb_e) &&
                       put_bn(pl->bn[1], out + RSA_HDR_LEN + cb_e, cb_n)
                   ? SEC_E_OK
                   : NTE_INTERNAL_ERROR;
    case FMT_ECC:
        put32(out, pl->key->hdr.cls == OBJ_PRIVATE ? pl->g->ecdsa_magic : pl->g->ecdh_magic);
        put32(out + 4, (uint32_t)pl->elem);
        return ec_xy(pl, out + ECC_HDR_LEN) ? SEC_E_OK : NTE_INTERNAL_ERROR;
    case FMT_SSL_ECC:
        put32(out, pl->g->id);
        put32(out + 4, (uint32_t)(pl->len - ECC_HDR_LEN));
        if (pl->g->kind == GROUP_XDH) {
            memcpy(out + ECC_HDR_LEN, pl->xdh, pl->g->elem_len);
            return SEC_E_OK;
        }
        out[ECC_HDR_LEN] = EC_POINT_UNCOMPRESSED;
        return ec_xy(pl, out + ECC_HDR_LEN + 1) ? SEC_E_OK : NTE_INTERNAL_ERROR;
    case FMT_DH:
        put32(out, BCRYPT_DH_PUBLIC_MAGIC);
        put32(out + 4, (uint32_t)pl->elem);
        for (int i = 0; i < 3; i++)
            if (!put_bn(pl->bn[i], out + DH_HDR_LEN + (size_t)i * pl->elem, pl->elem))
                return NTE_INTERNAL_ERROR;
        return SEC_E_OK;
    }
    return NTE_INTERNAL_ERROR;
}

SECURITY_STATUS blob_export(const struct object *obj, enum blob_type t, uint8_t *out)
{
    struct plan pl;
    SECURITY_STATUS st;

    ERR_set_mark();
    if ((st = plan_make(obj, t, &pl)) == SEC_E_OK)
        st = plan_write(&pl, out);
    plan_free(&pl);
    ERR_pop_to_mark();
    return st;
}
