/* Private-key decoding that leaves no private value in freed memory (issue 10).
 *
 * OpenSSL 3.0's OSSL_DECODER chain — and everything built on it: d2i_AutoPrivateKey,
 * EVP_PKCS82PKEY, PEM_read_bio_PrivateKey, OSSL_STORE — frees its intermediate DER copies of a
 * key with OPENSSL_free, and d2i_ECPrivateKey frees the scalar's OCTET STRING the same way:
 * private scalars and primes stay in freed heap. So here:
 *  - PEM is read with PEM_read_bio_ex(PEM_FLAG_SECURE), whose buffers are clear-freed;
 *  - PKCS#8 with d2i_PKCS8_PRIV_KEY_INFO, whose free cleanses the inner key octets;
 *  - the inner structures (PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey, DSA) are walked here by a
 *    strict DER reader into BN_secure_new numbers, which are cleared when freed;
 *  - the key is built by EVP_PKEY_fromdata from an OSSL_PARAM_BLD, which keeps secure numbers
 *    in the part of its block that OSSL_PARAM_free clears.
 * The public halves are computed (EC: priv·G, DSA: g^x mod p), not taken from the encoding;
 * whether they belong to the certificate is the caller's check (EVP_PKEY_eq). */
#include <stdbool.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "privkey.h"
#include "groups.h"

#define MAX_INT_BYTES 2049  /* a 16384-bit number and its sign byte */
#define MAX_PEM_BLOCKS 16   /* e.g. "EC PARAMETERS" before "EC PRIVATE KEY" */
#define MAX_EC_POINT 133    /* uncompressed P-521 */
#define DER_SEQUENCE 0x30
#define DER_INTEGER 0x02
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_CTX0 0xA0
#define DER_CTX1 0xA1

enum kind { KIND_RSA, KIND_RSA_PSS, KIND_EC, KIND_DSA };

/* The numbers of one key: RSA n e d p q dp dq qinv; EC the scalar; DSA p q g x. */
#define MAX_NUMS 8
struct parts {
    enum kind kind;
    const struct group_info *curve; /* api.md C1: a NIST curve of groups.c */
    BIGNUM *num[MAX_NUMS];
    size_t n;
};

/* ---- a strict DER reader: definite lengths of up to four bytes, nothing past the input ---- */

struct der {
    const uint8_t *p;
    size_t n;
};

/* The next element if its tag is `tag`: its contents in *out, d moved past it. */
static bool der_get(struct der *d, uint8_t tag, struct der *out)
{
    size_t len, at = 2;

    if (d->n < 2 || d->p[0] != tag)
        return false;
    len = d->p[1];
    if (len & 0x80) {
        size_t bytes = len & 0x7F;

        if (bytes == 0 || bytes > 4 || d->n < 2 + bytes)
            return false;
        len = 0;
        for (size_t i = 0; i < bytes; i++)
            len = len << 8 | d->p[2 + i];
        at += bytes;
    }
    if (d->n - at < len)
        return false;
    out->p = d->p + at;
    out->n = len;
    d->p += at + len;
    d->n -= at + len;
    return true;
}

/* The whole input is one element of `tag`. */
static bool der_only(struct der d, uint8_t tag, struct der *out)
{
    return der_get(&d, tag, out) && d.n == 0;
}

/* A non-negative INTEGER into the next secure number of k. */
static bool der_num(struct der *d, struct parts *k)
{
    struct der v;
    BIGNUM *bn;

    if (k->n == MAX_NUMS || !der_get(d, DER_INTEGER, &v) || v.n == 0 || v.n > MAX_INT_BYTES ||
        (v.p[0] & 0x80) != 0)
        return false;
    if ((bn = BN_secure_new()) == NULL)
        return false;
    if (BN_bin2bn(v.p, (int)v.n, bn) == NULL) {
        BN_clear_free(bn);
        return false;
    }
    k->num[k->n++] = bn;
    return true;
}

/* A small INTEGER (a version) equal to want. */
static bool der_version(struct der *d, uint8_t want)
{
    struct der v;

    return der_get(d, DER_INTEGER, &v) && v.n == 1 && v.p[0] == want;
}

static void parts_clear(struct parts *k)
{
    for (size_t i = 0; i < k->n; i++)
        BN_clear_free(k->num[i]);
    k->n = 0;
}

/* ---- the structures ---- */

/* RFC 8017 A.1.2, two primes (version 0). */
static SECURITY_STATUS parse_rsa(struct der in, enum kind kind, struct parts *k)
{
    struct der seq;

    k->kind = kind;
    if (!der_only(in, DER_SEQUENCE, &seq) || !der_version(&seq, 0))
        return NTE_BAD_DATA;
    for (int i = 0; i < 8; i++)
        if (!der_num(&seq, k))
            return NTE_BAD_DATA;
    return seq.n == 0 ? SEC_E_OK : NTE_BAD_DATA;
}

/* RFC 5915 §3: the scalar, the curve (here or from PKCS#8's algorithm), an optional public
 * key, which is recomputed rather than trusted. */
static SECURITY_STATUS parse_ec(struct der in, const struct group_info *curve, bool have_curve, struct parts *k)
{
    struct der seq, priv, tagged, oid;

    k->kind = KIND_EC;
    if (!der_only(in, DER_SEQUENCE, &seq) || !der_version(&seq, 1) ||
        !der_get(&seq, DER_OCTET_STRING, &priv) || priv.n == 0 || priv.n > MAX_INT_BYTES)
        return NTE_BAD_DATA;
    if (der_get(&seq, DER_CTX0, &tagged)) {
        if (!der_only(tagged, DER_OID, &oid))
            return have_curve ? NTE_BAD_DATA : NTE_NOT_SUPPORTED; /* explicit parameters */
        if (!have_curve) {
            curve = group_nist_by_oid(oid.p, oid.n);
            have_curve = true;
        } else if (curve == NULL || curve != group_nist_by_oid(oid.p, oid.n)) {
            return curve == NULL ? NTE_NOT_SUPPORTED : NTE_BAD_DATA;
        }
    }
    if (der_get(&seq, DER_CTX1, &tagged) && tagged.n == 0)
        return NTE_BAD_DATA;
    if (seq.n != 0 || !have_curve)
        return NTE_BAD_DATA;
    if (curve == NULL)
        return NTE_NOT_SUPPORTED;
    k->curve = curve;
    if ((k->num[0] = BN_secure_new()) == NULL)
        return NTE_NO_MEMORY;
    k->n = 1;
    return BN_bin2bn(priv.p, (int)priv.n, k->num[0]) != NULL ? SEC_E_OK : NTE_NO_MEMORY;
}

/* Dss-Parms (RFC 3279 §2.3.2) into k. */
static bool parse_dsa_params(struct der in, struct parts *k)
{
    struct der seq;

    return der_only(in, DER_SEQUENCE, &seq) && der_num(&seq, k) && der_num(&seq, k) &&
           der_num(&seq, k) && seq.n == 0;
}

/* OpenSSL's traditional DSA key: SEQUENCE { 0, p, q, g, y, x }; y is recomputed. */
static SECURITY_STATUS parse_dsa(struct der in, struct parts *k)
{
    struct der seq, y;

    k->kind = KIND_DSA;
    if (!der_only(in, DER_SEQUENCE, &seq) || !der_version(&seq, 0) || !der_num(&seq, k) ||
        !der_num(&seq, k) || !der_num(&seq, k) || !der_get(&seq, DER_INTEGER, &y) ||
        !der_num(&seq, k) || seq.n != 0)
        return NTE_BAD_DATA;
    return SEC_E_OK;
}

/* RFC 5208 PrivateKeyInfo. Its free cleanses the inner key octets; the algorithm's parameters
 * are public. */
static SECURITY_STATUS parse_pkcs8(struct der in, struct parts *k)
{
    const unsigned char *p = in.p;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)in.n);
    const ASN1_OBJECT *alg_oid;
    const X509_ALGOR *alg;
    const unsigned char *pk;
    const void *pval;
    int pk_len, ptype;
    struct der inner;
    SECURITY_STATUS st = NTE_BAD_DATA;

    if (p8 == NULL || p != in.p + in.n || !PKCS8_pkey_get0(&alg_oid, &pk, &pk_len, &alg, p8))
        goto out;
    inner = (struct der){pk, (size_t)pk_len};
    X509_ALGOR_get0(NULL, &ptype, &pval, alg);
    switch (OBJ_obj2nid(alg_oid)) {
    case NID_rsaEncryption:
        st = parse_rsa(inner, KIND_RSA, k);
        break;
    case NID_rsassaPss:
        st = parse_rsa(inner, KIND_RSA_PSS, k);
        break;
    case NID_X9_62_id_ecPublicKey:
        /* named curve here, or (parameters absent) in the SEC1 structure */
        if (ptype == V_ASN1_OBJECT)
            st = parse_ec(inner, group_nist_by_nid(OBJ_obj2nid(pval)), true, k);
        else if (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL)
            st = parse_ec(inner, NULL, false, k);
        else
            st = NTE_NOT_SUPPORTED; /* explicit curve parameters */
        break;
    case NID_dsa: {
        const ASN1_STRING *prm = pval;

        k->kind = KIND_DSA;
        if (ptype == V_ASN1_SEQUENCE && prm != NULL &&
            parse_dsa_params((struct der){ASN1_STRING_get0_data(prm), (size_t)ASN1_STRING_length(prm)}, k) &&
            der_num(&inner, k) && inner.n == 0)
            st = SEC_E_OK;
        break;
    }
    default:
        st = NTE_NOT_SUPPORTED; /* Ed25519, X25519, ...: well-formed, not for this API */
        break;
    }
out:
    PKCS8_PRIV_KEY_INFO_free(p8);
    return st;
}

/* DER without a label: PKCS#8 or one of the traditional forms. */
static SECURITY_STATUS parse_der(struct der in, struct parts *k)
{
    SECURITY_STATUS st;

    if ((st = parse_pkcs8(in, k)) != NTE_BAD_DATA)
        return st;
    parts_clear(k);
    if ((st = parse_rsa(in, KIND_RSA, k)) != NTE_BAD_DATA)
        return st;
    parts_clear(k);
    if ((st = parse_ec(in, NULL, false, k)) != NTE_BAD_DATA)
        return st;
    parts_clear(k);
    return parse_dsa(in, k);
}

/* The first private-key block of a PEM text. Encrypted keys (PKCS#8 or traditional with a
 * Proc-Type header) are NTE_BAD_DATA: there is no passphrase. */
static SECURITY_STATUS parse_pem(const uint8_t *in, size_t len, struct parts *k)
{
    static const struct {
        const char *label;
        int form; /* 0 PKCS#8, 1 RSA, 2 EC, 3 DSA */
    } labels[] = {{"PRIVATE KEY", 0}, {"RSA PRIVATE KEY", 1}, {"EC PRIVATE KEY", 2}, {"DSA PRIVATE KEY", 3}};
    SECURITY_STATUS st = NTE_BAD_DATA;
    BIO *bio;

    if (len > INT32_MAX)
        return NTE_BAD_DATA;
    if ((bio = BIO_new_mem_buf(in, (int)len)) == NULL)
        return NTE_NO_MEMORY;
    for (int block = 0; block < MAX_PEM_BLOCKS; block++) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long data_len = 0;
        int form = -1;

        if (PEM_read_bio_ex(bio, &name, &header, &data, &data_len,
                            PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1)
            break;
        for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
            if (strcmp(name, labels[i].label) == 0)
                form = labels[i].form;
        if (form >= 0) {
            struct der d = {data, (size_t)data_len};

            st = header[0] != '\0' ? NTE_BAD_DATA
                 : form == 0       ? parse_pkcs8(d, k)
                 : form == 1       ? parse_rsa(d, KIND_RSA, k)
                 : form == 2       ? parse_ec(d, NULL, false, k)
                                   : parse_dsa(d, k);
        }
        OPENSSL_secure_clear_free(data, (size_t)data_len);
        OPENSSL_secure_free(name);
        OPENSSL_secure_free(header);
        if (form >= 0)
            break;
    }
    BIO_free(bio);
    return st;
}

/* ---- the key ---- */

/* EC: the scalar in [1, order), the public point priv·G. */
static SECURITY_STATUS ec_params(OSSL_LIB_CTX *libctx, const struct parts *k, OSSL_PARAM_BLD *bld,
                                 uint8_t pub[MAX_EC_POINT])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name_ex(libctx, NULL, k->curve->nid);
    EC_POINT *pt = g != NULL ? EC_POINT_new(g) : NULL;
    SECURITY_STATUS st = NTE_NO_MEMORY;
    size_t pub_len;

    if (pt == NULL)
        goto out;
    st = NTE_BAD_DATA;
    if (BN_is_zero(k->num[0]) || BN_cmp(k->num[0], EC_GROUP_get0_order(g)) >= 0)
        goto out;
    st = NTE_INTERNAL_ERROR;
    if (!EC_POINT_mul(g, pt, k->num[0], NULL, NULL, NULL) ||
        (pub_len = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, MAX_EC_POINT, NULL)) == 0)
        goto out;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, k->curve->ossl_group, 0) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k->num[0]) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len))
        st = SEC_E_OK;
out:
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    return st;
}

/* DSA: y = g^x mod p, x in [1, q), the exponentiation in constant time. */
static SECURITY_STATUS dsa_params(struct parts *k, OSSL_PARAM_BLD *bld, BIGNUM **y)
{
    BIGNUM *p = k->num[0], *q = k->num[1], *g = k->num[2], *x = k->num[3];
    BN_CTX *ctx = BN_CTX_secure_new();
    SECURITY_STATUS st = NTE_NO_MEMORY;

    if (ctx == NULL || (*y = BN_new()) == NULL)
        goto out;
    st = NTE_BAD_DATA;
    if (BN_is_zero(x) || BN_cmp(x, q) >= 0 || !BN_is_odd(p) || BN_cmp(g, p) >= 0)
        goto out;
    st = NTE_INTERNAL_ERROR;
    BN_set_flags(x, BN_FLG_CONSTTIME);
    if (!BN_mod_exp(*y, g, x, p, ctx))
        goto out;
    if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, *y) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x))
        st = SEC_E_OK;
out:
    BN_CTX_free(ctx);
    return st;
}

static SECURITY_STATUS rsa_params(const struct parts *k, OSSL_PARAM_BLD *bld)
{
    static const char *const names[MAX_NUMS] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };

    for (size_t i = 0; i < MAX_NUMS; i++)
        if (!OSSL_PARAM_BLD_push_BN(bld, names[i], k->num[i]))
            return NTE_NO_MEMORY;
    /* the modulus must be odd and the public exponent odd and > 1, as for public blobs */
    if (!BN_is_odd(k->num[0]) || !BN_is_odd(k->num[1]) || BN_is_one(k->num[1]))
        return NTE_BAD_DATA;
    return SEC_E_OK;
}

static SECURITY_STATUS build(OSSL_LIB_CTX *libctx, struct parts *k, EVP_PKEY **out)
{
    static const char *const types[] = {"RSA", "RSA-PSS", "EC", "DSA"};
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t pub[MAX_EC_POINT];
    BIGNUM *y = NULL;
    SECURITY_STATUS st = NTE_NO_MEMORY;

    if (bld == NULL)
        goto out;
    switch (k->kind) {
    case KIND_EC:
        st = ec_params(libctx, k, bld, pub);
        break;
    case KIND_DSA:
        st = dsa_params(k, bld, &y);
        break;
    default:
        st = rsa_params(k, bld);
        break;
    }
    if (st != SEC_E_OK)
        goto out;
    st = NTE_BAD_DATA;
    if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(libctx, types[k->kind], NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1)
        goto out;
    st = SEC_E_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* clears the secure part, where the private numbers are */
    OSSL_PARAM_BLD_free(bld);
    BN_free(y);
    return st;
}

SECURITY_STATUS privkey_decode(OSSL_LIB_CTX *libctx, const uint8_t *in, size_t len, EVP_PKEY **out)
{
    struct parts k = {0};
    EVP_PKEY *pkey = NULL;
    SECURITY_STATUS st;

    if (out != NULL)
        *out = NULL;
    ERR_set_mark();
    /* DER starts with a SEQUENCE; anything else may be PEM */
    st = len > 0 && in[0] == DER_SEQUENCE ? parse_der((struct der){in, len}, &k) : parse_pem(in, len, &k);
    if (st == SEC_E_OK)
        st = build(libctx, &k, &pkey);
    parts_clear(&k);
    ERR_pop_to_mark();
    if (st == SEC_E_OK && out != NULL)
        *out = pkey;
    else
        EVP_PKEY_free(pkey);
    return st;
}
