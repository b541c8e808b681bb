/* Signatures with key objects (sign.h; conventions.md §13, behavior.md §8.1–8.2). A call is
 * planned first — key type, flag bits, what the hash bytes mean, the signature's length —
 * and only a complete plan reaches OpenSSL, in the provider's library context. */
#include <stdbool.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include "cng_names.h"
#include "sign.h"

#define SCHEME_BITS (NCRYPT_SSL_SIGN_INCLUDE_HASHOID | NCRYPT_SSL_SIGN_USE_PSS_PADDING)
#define NAME_SCAN_MAX 128 /* Windows looks for the name's terminator this far (behavior.md §8.1) */
#define PKCS1_PAD_MIN 11  /* RFC 8017 §9.2 step 5: 0x00 0x01 PS (>= 8 x 0xFF) 0x00 */

/* The hashes of the "UTF-16 name || 0x0000 || digest" layout (conventions.md §13), named
 * by their CNG names (cng_names.c). di_len: DER DigestInfo prefix (RFC 8017 §9.2, note 1).
 * bare: with PSS, a digest of this length that carries no name is this hash (ours,
 * docs/signatures.md). */
static const struct hash_name {
    enum md_id md;
    size_t di_len;
    bool bare;
} hash_names[] = {
    {MD_MD5, 18, false},
    {MD_SHA1, 15, false},
    {MD_SHA256, 19, true},
    {MD_SHA384, 19, true},
    {MD_SHA512, 19, true},
};

#define N_HASH_NAMES (sizeof(hash_names) / sizeof(hash_names[0]))

enum sig_kind { SIG_NONE, SIG_RSA, SIG_RSA_PSS_KEY, SIG_DSA, SIG_ECDSA };
enum scheme { SCHEME_RAW, SCHEME_PKCS1, SCHEME_PSS };

/* One call, decided: the bytes OpenSSL signs, how, and the signature's length. */
struct sig_plan {
    enum sig_kind kind;
    enum scheme scheme;           /* DSA/ECDSA: SCHEME_RAW */
    const struct hash_name *hash; /* PKCS1/PSS */
    const uint8_t *tbs;
    size_t tbs_len;
    size_t sig_len;               /* RSA: modulus bytes; DSA/ECDSA: 2 * half */
    size_t half;                  /* DSA/ECDSA: order bytes */
};

static enum sig_kind key_kind(EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "RSA"))
        return SIG_RSA;
    if (EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return SIG_RSA_PSS_KEY;
    if (EVP_PKEY_is_a(pkey, "DSA"))
        return SIG_DSA;
    if (EVP_PKEY_is_a(pkey, "EC"))
        return SIG_ECDSA;
    return SIG_NONE; /* DH, X25519, X448: key exchange only */
}

/* ---- The hash bytes ---- */

static unsigned unit_at(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8; /* UTF-16LE, as Windows callers lay it out */
}

static unsigned ascii_lower(unsigned c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The table row named by the UTF-16 units w[0..units), case-insensitively. The bytes are the
 * caller's hash buffer, any alignment: read unit by unit, not as an LPCWSTR. */
static const struct hash_name *hash_by_wname(const uint8_t *w, size_t units)
{
    for (size_t i = 0; i < N_HASH_NAMES; i++) {
        const char *n = md_cng_name(hash_names[i].md);
        size_t k = 0;

        if (strlen(n) != units)
            continue;
        while (k < units && ascii_lower(unit_at(w + 2 * k)) == ascii_lower((unsigned char)n[k]))
            k++;
        if (k == units)
            return &hash_names[i];
    }
    return NULL;
}

static const struct hash_name *hash_by_bare_len(size_t len)
{
    for (size_t i = 0; i < N_HASH_NAMES; i++)
        if (hash_names[i].bare && md_size(hash_names[i].md) == len)
            return &hash_names[i];
    return NULL;
}

/* Windows' scan: the first 0x0000 unit in the first 128 bytes, in 2-byte steps. */
static bool find_terminator(const uint8_t *in, size_t len, size_t *at)
{
    size_t lim = len < NAME_SCAN_MAX ? len : NAME_SCAN_MAX;

    for (size_t i = 0; i + 2 <= lim; i += 2)
        if (in[i] == 0 && in[i + 1] == 0) {
            *at = i;
            return true;
        }
    return false;
}

/* UTF-16 name || 0x0000 || digest. A known name fixes the digest's length: a wrong one is
 * NTE_BAD_LEN, never reread as a bare digest (conventions.md §13 clarifications). */
static SECURITY_STATUS parse_named(struct sig_plan *pl, const uint8_t *in, size_t len)
{
    const struct hash_name *h = NULL;
    bool term;
    size_t at = 0;

    if ((term = find_terminator(in, len, &at)))
        h = hash_by_wname(in, at / 2);
    if (h != NULL) {
        pl->hash = h;
        pl->tbs = in + at + 2;
        pl->tbs_len = len - at - 2;
        return pl->tbs_len == md_size(h->md) ? SEC_E_OK : NTE_BAD_LEN;
    }
    if (pl->scheme == SCHEME_PSS && (h = hash_by_bare_len(len)) != NULL) {
        pl->hash = h;
        pl->tbs = in;
        pl->tbs_len = len;
        return SEC_E_OK;
    }
    return term ? NTE_BAD_ALGID : NTE_INVALID_PARAMETER;
}

/* Whether the modulus holds the encoded message: RFC 8017 §9.2 step 3 (emLen >= tLen + 11;
 * without DigestInfo, T is the input), §9.1.1 step 3 (emLen >= hLen + sLen + 2, sLen = hLen). */
static bool rsa_fits(const struct sig_plan *pl, EVP_PKEY *pkey)
{
    size_t em_len = ((size_t)EVP_PKEY_get_bits(pkey) - 1 + 7) / 8;

    switch (pl->scheme) {
    case SCHEME_RAW:
        return pl->tbs_len + PKCS1_PAD_MIN <= pl->sig_len;
    case SCHEME_PKCS1:
        return pl->hash->di_len + pl->tbs_len + PKCS1_PAD_MIN <= pl->sig_len;
    case SCHEME_PSS:
        return 2 * pl->tbs_len + 2 <= em_len;
    }
    return false;
}

/* ---- The plan ---- */

/* Order bytes: the group's for ECDSA (NIST curves: order and field have the same length),
 * q's for DSA. */
static SECURITY_STATUS dsa_sizes(const struct pkey_object *k, struct sig_plan *pl)
{
    const struct group_info *g;
    BIGNUM *q = NULL;

    if (pl->kind == SIG_ECDSA) {
        if ((g = group_by_id(k->group)) == NULL || g->kind != GROUP_NIST)
            return NTE_NOT_SUPPORTED;
        pl->half = g->elem_len;
    } else {
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_FFC_Q, &q) != 1)
            return NTE_INTERNAL_ERROR;
        pl->half = (size_t)BN_num_bytes(q);
        BN_free(q);
    }
    pl->sig_len = 2 * pl->half;
    return SEC_E_OK;
}

/* conventions.md §13: the key type decides, then the flags, then the hash bytes. flags
 * reach here whole for signing (an RSA bit above 1 is refused) and as bits 0-1 for
 * verifying (other bits ignored). */
static SECURITY_STATUS plan_make(const struct pkey_object *k, const uint8_t *in, size_t len,
                                 uint32_t flags, struct sig_plan *pl)
{
    uint32_t bits = flags & SCHEME_BITS;
    SECURITY_STATUS st;

    memset(pl, 0, sizeof(*pl));
    pl->kind = key_kind(k->pkey);
    if (pl->kind == SIG_NONE)
        return NTE_NOT_SUPPORTED;
    pl->tbs = in;
    pl->tbs_len = len;
    if (pl->kind == SIG_DSA || pl->kind == SIG_ECDSA)
        return bits != 0 ? NTE_INVALID_PARAMETER : dsa_sizes(k, pl);
    if ((flags & ~SCHEME_BITS) != 0 || bits == SCHEME_BITS)
        return NTE_INVALID_PARAMETER;
    pl->scheme = bits == 0 ? SCHEME_RAW
                 : bits == NCRYPT_SSL_SIGN_INCLUDE_HASHOID ? SCHEME_PKCS1 : SCHEME_PSS;
    /* an RSASSA-PSS key (id-RSASSA-PSS certificate) signs PSS only */
    if (pl->kind == SIG_RSA_PSS_KEY && pl->scheme != SCHEME_PSS)
        return NTE_NOT_SUPPORTED;
    pl->sig_len = (size_t)EVP_PKEY_get_size(k->pkey);
    if (pl->scheme != SCHEME_RAW && (st = parse_named(pl, in, len)) != SEC_E_OK)
        return st;
    return rsa_fits(pl, k->pkey) ? SEC_E_OK : NTE_BAD_LEN;
}

/* A context for the plan, initialised to sign or to verify; NULL on failure. */
static EVP_PKEY_CTX *plan_ctx(const struct pkey_object *k, const struct sig_plan *pl,
                              bool verify)
{
    const struct backend *be = &k->hdr.prov->be;
    const EVP_MD *md = pl->hash != NULL ? be->md[pl->hash->md] : NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(be->libctx, k->pkey, NULL);
    bool rsa = pl->kind == SIG_RSA || pl->kind == SIG_RSA_PSS_KEY;
    bool ok = ctx != NULL && (verify ? EVP_PKEY_verify_init(ctx) : EVP_PKEY_sign_init(ctx)) > 0;

    if (ok && rsa)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, pl->scheme == SCHEME_PSS ? RSA_PKCS1_PSS_PADDING
                                                                         : RSA_PKCS1_PADDING) > 0;
    /* no signature md for SCHEME_RAW: OpenSSL then pads the bytes as given (no DigestInfo) */
    if (ok && md != NULL)
        ok = EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    if (ok && pl->scheme == SCHEME_PSS)
        ok = EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* ---- Signing ---- */

/* OpenSSL's DER ECDSA-Sig-Value / Dss-Sig-Value (the same SEQUENCE of two INTEGERs, RFC 3279
 * §2.2.2–2.2.3) -> P1363 r || s, each half left-padded: what CNG returns and Schannel
 * re-encodes (behavior.md §8.1). */
static SECURITY_STATUS sign_p1363(EVP_PKEY_CTX *ctx, const struct sig_plan *pl, EVP_PKEY *pkey,
                                  uint8_t *sig)
{
    size_t der_len = (size_t)EVP_PKEY_get_size(pkey);
    uint8_t *der = OPENSSL_malloc(der_len);
    const uint8_t *p = der;
    ECDSA_SIG *s = NULL;
    const BIGNUM *r, *sv;
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;

    if (der == NULL)
        return NTE_NO_MEMORY;
    if (EVP_PKEY_sign(ctx, der, &der_len, pl->tbs, pl->tbs_len) <= 0 ||
        (s = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
        goto out;
    ECDSA_SIG_get0(s, &r, &sv);
    if (BN_bn2binpad(r, sig, (int)pl->half) == (int)pl->half &&
        BN_bn2binpad(sv, sig + pl->half, (int)pl->half) == (int)pl->half)
        st = SEC_E_OK;
out:
    ECDSA_SIG_free(s);
    OPENSSL_free(der);
    return st;
}

SECURITY_STATUS sign_hash(const struct pkey_object *key, const uint8_t *in, size_t in_len,
                          uint32_t flags, uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
    struct sig_plan pl;
    EVP_PKEY_CTX *ctx = NULL;
    SECURITY_STATUS st;
    size_t n;

    ERR_set_mark();
    if ((st = plan_make(key, in, in_len, flags, &pl)) != SEC_E_OK)
        goto out;
    *sig_len = pl.sig_len;
    /* conventions.md §1 output sizes, rule 3 */
    if (sig == NULL)
        goto out;
    if (sig_cap < pl.sig_len) {
        st = NTE_BUFFER_TOO_SMALL;
        goto out;
    }
    if ((ctx = plan_ctx(key, &pl, false)) == NULL) {
        st = NTE_INTERNAL_ERROR;
    } else if (pl.kind == SIG_DSA || pl.kind == SIG_ECDSA) {
        st = sign_p1363(ctx, &pl, key->pkey, sig);
    } else {
        n = pl.sig_len;
        st = EVP_PKEY_sign(ctx, sig, &n, pl.tbs, pl.tbs_len) > 0 && n == pl.sig_len
                 ? SEC_E_OK
                 : NTE_INTERNAL_ERROR;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    ERR_pop_to_mark();
    return st;
}

/* ---- Verifying ---- */

/* P1363 r || s -> DER, for OpenSSL's verify. */
static SECURITY_STATUS p1363_to_der(const uint8_t *sig, size_t half, uint8_t **der,
                                    size_t *der_len)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *sv = BN_bin2bn(sig + half, (int)half, NULL);
    int n = 0;

    *der = NULL;
    if (s != NULL && r != NULL && sv != NULL && ECDSA_SIG_set0(s, r, sv) == 1) {
        r = sv = NULL; /* s owns them */
        n = i2d_ECDSA_SIG(s, der);
    }
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    if (n <= 0)
        return NTE_NO_MEMORY;
    *der_len = (size_t)n;
    return SEC_E_OK;
}

/* OpenSSL refuses non-DER encodings itself (it re-encodes what it parsed and compares), and
 * r or s outside [1, q-1]. */
SECURITY_STATUS sign_verify(const struct pkey_object *key, const uint8_t *in, size_t in_len,
                            uint32_t flags, const uint8_t *sig, size_t sig_len)
{
    struct sig_plan pl;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;
    SECURITY_STATUS st;

    ERR_set_mark();
    if ((st = plan_make(key, in, in_len, flags & SCHEME_BITS, &pl)) != SEC_E_OK)
        goto out;
    if (pl.kind == SIG_DSA || pl.kind == SIG_ECDSA) {
        /* r || s when the length says so, else DER (conventions.md §13) */
        if (sig_len == pl.sig_len) {
            if ((st = p1363_to_der(sig, pl.half, &der, &der_len)) != SEC_E_OK)
                goto out;
            sig = der;
            sig_len = der_len;
        }
    } else if (sig_len != pl.sig_len) {
        st = NTE_BAD_SIGNATURE; /* RFC 8017 §8.2.2 step 1 */
        goto out;
    }
    if ((ctx = plan_ctx(key, &pl, true)) == NULL)
        st = NTE_INTERNAL_ERROR;
    else
        st = EVP_PKEY_verify(ctx, sig, sig_len, pl.tbs, pl.tbs_len) == 1 ? SEC_E_OK
                                                                         : NTE_BAD_SIGNATURE;
out:
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_pop_to_mark();
    return st;
}
