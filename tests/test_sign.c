/* SslSignHash / SslVerifySignature (api.md C6/C7, conventions.md §13, behavior.md §8.1–8.2).
 *
 * 1. Project Wycheproof signature vectors (tests/vectors/wycheproof/, C2SP/wycheproof
 *    testvectors_v1, Apache-2.0, copied unchanged from the project's shared collection):
 *    RSA PKCS#1 v1.5 2048/3072 x SHA-256/384/512, RSA-PSS 2048 SHA-256/384 (MGF1 same hash,
 *    salt = digest length), ECDSA P-256/384/521 in P1363 and DER. Keys go in through
 *    SslImportKey (BCRYPT_RSAPUBLIC_BLOB / BCRYPT_ECCPUBLIC_BLOB built from the vector's
 *    numbers), msg is hashed with libcrypto; every "valid" must verify, every "invalid" must
 *    be NTE_BAD_SIGNATURE. "acceptable" (only PKCS#1 "MissingNull": a DigestInfo without the
 *    NULL parameter) is refused: we accept the DER DigestInfo of RFC 8017 §9.2 only, as
 *    OpenSSL's RSA_verify and CNG do. Twins: each valid vector with the digest's last byte
 *    flipped is refused; a valid PKCS#1 vector also verifies with flags 0 over the
 *    DigestInfo || digest libcrypto recovers from it; a valid PSS vector also verifies as a
 *    bare digest (our superset). DSA: this API has no DSA public-key blob and a DSA key from
 *    SslOpenPrivateKey needs the private half, so Wycheproof's DSA verify vectors cannot be
 *    run; dsa_2048_256_sha256_p1363_test.json gives the domain parameters (p, q, g) of the
 *    DSA key of part 2 and its messages.
 *    Under valgrind (RUNNING_ON_VALGRIND) every file is parsed whole but only about
 *    VG_PER_FILE evenly spread vectors of each are run (P-384/P-521 verifies cost ~0.1 s
 *    each there); the plain and ASan runs take every vector.
 * 2. Round trips: RSA-2048, an RSASSA-PSS key, P-256/384/521 and DSA-2048/256 keys made with
 *    libcrypto (under valgrind the RSA key is a fixed one: cert_rsa_key in tests/support/cert.c),
 *    associated through sslprov_ext.h and opened with SslOpenPrivateKey; every
 *    flag form and hash is signed by sslprov and verified by libcrypto's EVP_PKEY_verify;
 *    PKCS#1 v1.5 signatures are byte-identical to libcrypto's own. libcrypto's signatures
 *    (PSS, ECDSA, DSA: randomised) are verified by sslprov through the private key, the
 *    imported public key, in P1363 and DER.
 * 3. Negative twins for every status of §13: handle classes, NULL pointers, flags, names,
 *    terminator window, lengths, size query and short buffer, key types that cannot sign
 *    or verify, malformed signatures; nothing left on OpenSSL's error queue, no handle left. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <valgrind/valgrind.h>
#include "buffer.h"
#include "bytes.h"
#include "cert.h"
#include "check.h"
#include "handles.h"
#include "json.h"
#include "sslprov_ext.h"
#include "sslprovider.h"
#include "wide.h"

#define HASHOID NCRYPT_SSL_SIGN_INCLUDE_HASHOID
#define PSS NCRYPT_SSL_SIGN_USE_PSS_PADDING
#define VG_PER_FILE 10 /* vectors per file run under valgrind */
#define MAX_SIG 1024
#define MAX_IN 256

static NCRYPT_PROV_HANDLE prov;
static bool under_valgrind;

/* ---- small helpers ---- */

/* UTF-16LE name || 0x0000 || digest, as a Windows caller lays it out (behavior.md §8.1). */
static size_t named(uint8_t *out, const char *name, const uint8_t *d, size_t dlen)
{
    size_t n = 0;

    for (const char *p = name; *p != '\0'; p++) {
        out[n++] = (uint8_t)*p;
        out[n++] = 0;
    }
    out[n++] = 0;
    out[n++] = 0;
    memcpy(out + n, d, dlen);
    return n + dlen;
}

static size_t digest(const char *md, const uint8_t *msg, size_t len, uint8_t *out)
{
    size_t n = 0;

    if (EVP_Q_digest(NULL, md, NULL, msg, len, out, &n) != 1)
        return 0;
    return n;
}

/* Wycheproof "SHA-256" -> "SHA256" (OpenSSL and CNG both take this spelling). */
static void hash_name(const char *wp, char *out, size_t cap)
{
    size_t n = 0;

    for (; *wp != '\0' && n + 1 < cap; wp++)
        if (*wp != '-')
            out[n++] = *wp;
    out[n] = '\0';
}

static const uint8_t *strip0(const uint8_t *p, size_t *n)
{
    while (*n > 1 && p[0] == 0)
        p++, (*n)--;
    return p;
}

/* BCRYPT_RSAPUBLIC_BLOB (api.md §3.11) from the modulus and exponent bytes. */
static size_t rsa_blob(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen, uint8_t *out)
{
    unsigned bits;

    n = strip0(n, &nlen);
    e = strip0(e, &elen);
    bits = (unsigned)(nlen - 1) * 8;
    for (unsigned top = n[0]; top != 0; top >>= 1)
        bits++;
    memset(out, 0, 24);
    put32(out, BCRYPT_RSAPUBLIC_MAGIC);
    put32(out + 4, bits);
    put32(out + 8, (uint32_t)elen);
    put32(out + 12, (uint32_t)nlen);
    memcpy(out + 24, e, elen);
    memcpy(out + 24 + elen, n, nlen);
    return 24 + elen + nlen;
}

/* BCRYPT_ECCPUBLIC_BLOB with the ECDSA magic, coordinates left-padded to cb. */
static size_t ecc_blob(uint32_t magic, size_t cb, const uint8_t *x, size_t xl, const uint8_t *y,
                       size_t yl, uint8_t *out)
{
    x = strip0(x, &xl);
    y = strip0(y, &yl);
    if (xl > cb || yl > cb)
        return 0;
    put32(out, magic);
    put32(out + 4, (uint32_t)cb);
    memset(out + 8, 0, 2 * cb);
    memcpy(out + 8 + cb - xl, x, xl);
    memcpy(out + 8 + 2 * cb - yl, y, yl);
    return 8 + 2 * cb;
}

/* ---- libcrypto's side: sign, verify, encodings ---- */

enum pad { PAD_NONE, PAD_PKCS1, PAD_PSS };

static EVP_PKEY_CTX *ossl_ctx(EVP_PKEY *k, bool verify, enum pad pad, const char *md)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    const EVP_MD *m = md != NULL ? EVP_get_digestbyname(md) : NULL;
    bool ok = c != NULL && (verify ? EVP_PKEY_verify_init(c) : EVP_PKEY_sign_init(c)) > 0;

    if (ok && pad != PAD_NONE)
        ok = EVP_PKEY_CTX_set_rsa_padding(c, pad == PAD_PSS ? RSA_PKCS1_PSS_PADDING
                                                            : RSA_PKCS1_PADDING) > 0;
    if (ok && m != NULL)
        ok = EVP_PKEY_CTX_set_signature_md(c, m) > 0;
    if (ok && pad == PAD_PSS)
        ok = EVP_PKEY_CTX_set_rsa_mgf1_md(c, m) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) > 0;
    if (!ok) {
        EVP_PKEY_CTX_free(c);
        c = NULL;
    }
    return c;
}

static size_t ossl_sign(EVP_PKEY *k, enum pad pad, const char *md, const uint8_t *tbs, size_t n,
                        uint8_t *sig)
{
    EVP_PKEY_CTX *c = ossl_ctx(k, false, pad, md);
    size_t len = MAX_SIG;

    if (c == NULL || EVP_PKEY_sign(c, sig, &len, tbs, n) <= 0)
        len = 0;
    EVP_PKEY_CTX_free(c);
    return len;
}

static bool ossl_verify(EVP_PKEY *k, enum pad pad, const char *md, const uint8_t *sig,
                        size_t slen, const uint8_t *tbs, size_t n)
{
    EVP_PKEY_CTX *c = ossl_ctx(k, true, pad, md);
    bool ok = c != NULL && EVP_PKEY_verify(c, sig, slen, tbs, n) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

/* P1363 r || s -> DER, and back (each half `half` bytes). */
static size_t p1363_to_der(const uint8_t *sig, size_t half, uint8_t *der)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    uint8_t *p = der;
    int n;

    ECDSA_SIG_set0(s, BN_bin2bn(sig, (int)half, NULL), BN_bin2bn(sig + half, (int)half, NULL));
    n = i2d_ECDSA_SIG(s, &p);
    ECDSA_SIG_free(s);
    return n > 0 ? (size_t)n : 0;
}

static bool der_to_p1363(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
    const uint8_t *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
    const BIGNUM *r, *sv;
    bool ok = false;

    if (s != NULL) {
        ECDSA_SIG_get0(s, &r, &sv);
        ok = BN_bn2binpad(r, out, (int)half) == (int)half &&
             BN_bn2binpad(sv, out + half, (int)half) == (int)half;
    }
    ECDSA_SIG_free(s);
    return ok;
}

/* ---- 1. Wycheproof ---- */

enum vkind { V_PKCS1, V_PSS, V_ECDSA };

static const struct vfile {
    const char *file;
    enum vkind kind;
} vfiles[] = {
    {"rsa_signature_2048_sha256_test.json", V_PKCS1},
    {"rsa_signature_2048_sha384_test.json", V_PKCS1},
    {"rsa_signature_2048_sha512_test.json", V_PKCS1},
    {"rsa_signature_3072_sha256_test.json", V_PKCS1},
    {"rsa_signature_3072_sha384_test.json", V_PKCS1},
    {"rsa_signature_3072_sha512_test.json", V_PKCS1},
    {"rsa_pss_2048_sha256_mgf1_32_test.json", V_PSS},
    {"rsa_pss_2048_sha384_mgf1_48_test.json", V_PSS},
    {"ecdsa_secp256r1_sha256_p1363_test.json", V_ECDSA},
    {"ecdsa_secp256r1_sha256_test.json", V_ECDSA},
    {"ecdsa_secp384r1_sha384_p1363_test.json", V_ECDSA},
    {"ecdsa_secp384r1_sha384_test.json", V_ECDSA},
    {"ecdsa_secp521r1_sha512_p1363_test.json", V_ECDSA},
    {"ecdsa_secp521r1_sha512_test.json", V_ECDSA},
};

struct vstats {
    unsigned valid, valid_ok, invalid, invalid_ok, acceptable, acceptable_refused, twins, twins_ok;
};

/* The group's public key as an SslImportKey handle (0 on failure); *libkey: for PKCS#1
 * recovery. */
static NCRYPT_KEY_HANDLE import_group_key(const struct json *grp, enum vkind kind,
                                          EVP_PKEY **libkey)
{
    const struct json *pk = json_get(grp, "publicKey");
    uint8_t blob[1200], *a, *b;
    size_t al = 0, bl = 0, n = 0;
    NCRYPT_KEY_HANDLE h = 0;
    const WCHAR *type = BCRYPT_RSAPUBLIC_BLOB;

    *libkey = NULL;
    if (kind == V_ECDSA) {
        static const struct {
            const char *curve;
            uint32_t magic;
            size_t cb;
        } curves[] = {{"secp256r1", BCRYPT_ECDSA_PUBLIC_P256_MAGIC, 32},
                      {"secp384r1", BCRYPT_ECDSA_PUBLIC_P384_MAGIC, 48},
                      {"secp521r1", BCRYPT_ECDSA_PUBLIC_P521_MAGIC, 66}};
        const char *curve = json_str(pk, "curve");

        a = json_hex(pk, "wx", &al);
        b = json_hex(pk, "wy", &bl);
        for (size_t i = 0; i < 3 && curve != NULL && a != NULL && b != NULL; i++)
            if (strcmp(curve, curves[i].curve) == 0)
                n = ecc_blob(curves[i].magic, curves[i].cb, a, al, b, bl, blob);
        type = BCRYPT_ECCPUBLIC_BLOB;
    } else {
        a = json_hex(pk, "modulus", &al);
        b = json_hex(pk, "publicExponent", &bl);
        if (a != NULL && b != NULL && al + bl + 24 <= sizeof(blob))
            n = rsa_blob(a, al, b, bl, blob);
        if (n != 0) {
            const uint8_t *der = NULL;
            uint8_t *d = json_hex(grp, "publicKeyDer", &al);

            der = d;
            if (d != NULL)
                *libkey = d2i_PUBKEY(NULL, &der, (long)al);
            free(d);
        }
    }
    free(a);
    free(b);
    if (n == 0 || SslImportKey(prov, &h, type, blob, (DWORD)n, 0) != SEC_E_OK)
        return 0;
    return h;
}

/* A valid PKCS#1 vector also verifies with flags 0 over the bytes libcrypto recovers from
 * it (DigestInfo || digest): PKCS#1 v1.5 without a DigestInfo of ours. */
static bool pkcs1_raw_twin(NCRYPT_KEY_HANDLE h, EVP_PKEY *lib, const uint8_t *sig, size_t slen)
{
    EVP_PKEY_CTX *c = lib != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, lib, NULL) : NULL;
    uint8_t rec[MAX_SIG];
    size_t rlen = sizeof(rec);
    bool ok = c != NULL && EVP_PKEY_verify_recover_init(c) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_verify_recover(c, rec, &rlen, sig, slen) > 0;

    EVP_PKEY_CTX_free(c);
    return ok && SslVerifySignature(prov, h, rec, (DWORD)rlen, (PBYTE)sig, (DWORD)slen, 0) == SEC_E_OK;
}

static void run_vector(NCRYPT_KEY_HANDLE h, EVP_PKEY *lib, enum vkind kind, const char *md,
                       const struct json *tc, struct vstats *vs)
{
    const char *result = json_str(tc, "result");
    uint8_t d[64], in[MAX_IN], *msg, *sig;
    size_t ml = 0, sl = 0, dl, n;
    DWORD flags = kind == V_PKCS1 ? HASHOID : kind == V_PSS ? PSS : 0;
    SECURITY_STATUS st;

    msg = json_hex(tc, "msg", &ml);
    sig = json_hex(tc, "sig", &sl);
    if (msg == NULL || sig == NULL || result == NULL || (dl = digest(md, msg, ml, d)) == 0) {
        CHECK(!"vector fields");
        goto out;
    }
    n = kind == V_ECDSA ? (memcpy(in, d, dl), dl) : named(in, md, d, dl);
    /* an empty signature is a non-NULL pointer with length 0: a mismatch */
    st = SslVerifySignature(prov, h, in, (DWORD)n, sig, (DWORD)sl, flags);
    if (strcmp(result, "valid") == 0) {
        vs->valid++;
        vs->valid_ok += st == SEC_E_OK;
        if (st != SEC_E_OK) {
            size_t id = 0;

            json_uint(tc, "tcId", &id);
            fprintf(stderr, "  valid tcId %zu: 0x%08x\n", id, (unsigned)st);
        }
        /* twins: flipped digest refused; other forms of the same signature accepted */
        in[n - 1] ^= 1;
        vs->twins++;
        vs->twins_ok += SslVerifySignature(prov, h, in, (DWORD)n, sig, (DWORD)sl, flags) ==
                        NTE_BAD_SIGNATURE;
        in[n - 1] ^= 1;
        if (kind == V_PKCS1) {
            vs->twins++;
            vs->twins_ok += pkcs1_raw_twin(h, lib, sig, sl);
        } else if (kind == V_PSS) {
            vs->twins++;
            vs->twins_ok += SslVerifySignature(prov, h, d, (DWORD)dl, sig, (DWORD)sl, PSS) == SEC_E_OK;
        }
    } else if (strcmp(result, "invalid") == 0) {
        vs->invalid++;
        vs->invalid_ok += st == NTE_BAD_SIGNATURE;
        if (st != NTE_BAD_SIGNATURE) {
            size_t id = 0;

            json_uint(tc, "tcId", &id);
            fprintf(stderr, "  invalid tcId %zu: 0x%08x\n", id, (unsigned)st);
        }
    } else {
        vs->acceptable++;
        vs->acceptable_refused += st == NTE_BAD_SIGNATURE;
    }
out:
    free(msg);
    free(sig);
}

static void run_vector_file(const struct vfile *f)
{
    char path[512], md[16];
    struct json *root;
    const struct json *groups;
    struct vstats vs = {0};
    size_t total = 0, seen = 0, stride;

    snprintf(path, sizeof(path), "%s/wycheproof/%s", SSLPROV_TEST_VECTORS, f->file);
    root = json_load(path);
    groups = json_get(root, "testGroups");
    CHECK(groups != NULL);
    json_uint(root, "numberOfTests", &total);
    stride = under_valgrind && total > VG_PER_FILE ? total / VG_PER_FILE : 1;
    for (size_t g = 0; json_at(groups, g) != NULL; g++) {
        const struct json *grp = json_at(groups, g), *tests = json_get(grp, "tests");
        const char *sha = json_str(grp, "sha");
        EVP_PKEY *lib = NULL;
        NCRYPT_KEY_HANDLE h = import_group_key(grp, f->kind, &lib);

        CHECK(h != 0 && sha != NULL);
        if (h == 0 || sha == NULL) {
            EVP_PKEY_free(lib);
            continue;
        }
        hash_name(sha, md, sizeof(md));
        if (f->kind == V_PSS) {
            /* the layout of §13: MGF1 with the same hash, salt = digest length */
            const char *mgf = json_str(grp, "mgfSha");
            size_t slen = 0;

            CHECK(mgf != NULL && strcmp(mgf, sha) == 0 && json_uint(grp, "sLen", &slen) &&
                  slen == (size_t)EVP_MD_get_size(EVP_get_digestbyname(md)));
        }
        for (size_t i = 0; json_at(tests, i) != NULL; i++, seen++)
            if (seen % stride == 0)
                run_vector(h, lib, f->kind, md, json_at(tests, i), &vs);
        CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
        EVP_PKEY_free(lib);
    }
    json_free(root);
    CHECK(seen == total && vs.valid > 0 && vs.invalid > 0);
    CHECK(vs.valid_ok == vs.valid);
    CHECK(vs.invalid_ok == vs.invalid);
    CHECK(vs.acceptable_refused == vs.acceptable);
    CHECK(vs.twins_ok == vs.twins);
    printf("%-40s valid %u/%u accepted, invalid %u/%u refused, acceptable %u/%u refused, "
           "twins %u/%u\n", f->file, vs.valid_ok, vs.valid, vs.invalid_ok, vs.invalid,
           vs.acceptable_refused, vs.acceptable, vs.twins_ok, vs.twins);
}

static void test_wycheproof(void)
{
    for (size_t i = 0; i < sizeof(vfiles) / sizeof(vfiles[0]); i++)
        run_vector_file(&vfiles[i]);
}

/* ---- 2. Round trips with keys from SslOpenPrivateKey ---- */

struct key {
    const char *label;
    EVP_PKEY *pkey;
    NCRYPT_KEY_HANDLE h;   /* SslOpenPrivateKey */
    NCRYPT_KEY_HANDLE pub; /* SslImportKey of its exported public blob; 0 for DSA */
    size_t sig_len;        /* RSA: modulus bytes; DSA/ECDSA: 2 x order bytes */
};

/* Associate key with a fresh certificate (PKCS#8 DER blob) and open it. */
static NCRYPT_KEY_HANDLE open_private(EVP_PKEY *key, const char *cn)
{
    X509 *x = cert_self_signed(key, cn);
    unsigned char *der = NULL, *p8 = NULL;
    int dn = x != NULL ? i2d_X509(x, &der) : 0;
    PKCS8_PRIV_KEY_INFO *pki = EVP_PKEY2PKCS8(key);
    int kn = pki != NULL ? i2d_PKCS8_PRIV_KEY_INFO(pki, &p8) : 0;
    NCRYPT_KEY_HANDLE h = 0;

    if (dn > 0 && kn > 0 &&
        SslProvAssociateCertificateKeyBlob(der, (DWORD)dn, p8, (DWORD)kn, 0) == SEC_E_OK) {
        CERT_CONTEXT c = {X509_ASN_ENCODING, der, (DWORD)dn, NULL, NULL};

        CHECK_ST(SslOpenPrivateKey(prov, &h, &c, 0), SEC_E_OK);
    }
    CHECK(h != 0);
    PKCS8_PRIV_KEY_INFO_free(pki);
    OPENSSL_clear_free(p8, kn > 0 ? (size_t)kn : 0);
    OPENSSL_free(der);
    X509_free(x);
    return h;
}

static NCRYPT_KEY_HANDLE import_public_half(NCRYPT_KEY_HANDLE h)
{
    uint8_t blob[1200];
    DWORD cb = 0;
    NCRYPT_KEY_HANDLE pub = 0;

    CHECK_ST(SslExportKey(prov, h, BCRYPT_PUBLIC_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    CHECK_ST(SslImportKey(prov, &pub, BCRYPT_PUBLIC_KEY_BLOB, blob, cb, 0), SEC_E_OK);
    return pub;
}

/* DSA with the domain parameters of Wycheproof's DSA-2048/256 vectors (no parameter
 * generation: it is slow, and under valgrind very slow). */
static EVP_PKEY *dsa_key(void)
{
    char path[512];
    struct json *root;
    const struct json *pk;
    BIGNUM *bn[3] = {NULL, NULL, NULL};
    static const char *const names[3] = {"p", "q", "g"};
    static const char *const params_names[3] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                                OSSL_PKEY_PARAM_FFC_G};
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *dom = NULL, *key = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *kc = NULL;

    snprintf(path, sizeof(path), "%s/wycheproof/dsa_2048_256_sha256_p1363_test.json",
             SSLPROV_TEST_VECTORS);
    root = json_load(path);
    pk = json_get(json_at(json_get(root, "testGroups"), 0), "publicKey");
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        uint8_t *b = json_hex(pk, names[i], &n);

        bn[i] = b != NULL ? BN_bin2bn(b, (int)n, NULL) : NULL;
        free(b);
        OSSL_PARAM_BLD_push_BN(bld, params_names[i], bn[i]);
    }
    if ((params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pc) > 0 &&
        EVP_PKEY_fromdata(pc, &dom, EVP_PKEY_KEY_PARAMETERS, params) > 0 &&
        (kc = EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL)) != NULL && EVP_PKEY_keygen_init(kc) > 0)
        EVP_PKEY_keygen(kc, &key);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(dom);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < 3; i++)
        BN_free(bn[i]);
    json_free(root);
    return key;
}

/* The same numbers as an RSASSA-PSS key (id-RSASSA-PSS, no parameter restrictions). */
static EVP_PKEY *rsa_pss_key(EVP_PKEY *rsa)
{
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
    EVP_PKEY *k = NULL;

    if (EVP_PKEY_todata(rsa, EVP_PKEY_KEYPAIR, &params) == 1 && EVP_PKEY_fromdata_init(c) > 0)
        EVP_PKEY_fromdata(c, &k, EVP_PKEY_KEYPAIR, params);
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(c);
    return k;
}

static const char *const md_names[] = {"MD5", "SHA1", "SHA256", "SHA384", "SHA512"};
#define N_MD (sizeof(md_names) / sizeof(md_names[0]))
static const uint8_t message[] = "sslprov SslSignHash round trip";

/* Sign through the API, with the size query and the short buffer first (§1 rule 3). */
static size_t api_sign(const struct key *k, const uint8_t *in, size_t n, DWORD flags, uint8_t *sig)
{
    DWORD cb = 0;

    CHECK_ST(SslSignHash(prov, k->h, (PBYTE)in, (DWORD)n, NULL, 0, &cb, flags), SEC_E_OK);
    CHECK(cb == k->sig_len);
    cb = 0;
    CHECK_ST(SslSignHash(prov, k->h, (PBYTE)in, (DWORD)n, sig, (DWORD)k->sig_len - 1, &cb, flags),
             NTE_BUFFER_TOO_SMALL);
    CHECK(cb == k->sig_len);
    cb = 0;
    CHECK_ST(SslSignHash(prov, k->h, (PBYTE)in, (DWORD)n, sig, MAX_SIG, &cb, flags), SEC_E_OK);
    CHECK(cb == k->sig_len);
    return cb;
}

static void roundtrip_rsa(const struct key *k)
{
    uint8_t d[64], in[MAX_IN], sig[MAX_SIG], want[MAX_SIG], raw[MAX_IN];
    size_t dl, n, sl, wl;

    for (size_t i = 0; i < N_MD; i++) {
        const char *md = md_names[i];

        dl = digest(md, message, sizeof(message), d);
        n = named(in, md, d, dl);
        /* INCLUDE_HASHOID: PKCS#1 v1.5 with DigestInfo, deterministic -> libcrypto's bytes */
        sl = api_sign(k, in, n, HASHOID, sig);
        wl = ossl_sign(k->pkey, PAD_PKCS1, md, d, dl, want);
        CHECK(sl == wl && memcmp(sig, want, sl) == 0);
        CHECK(ossl_verify(k->pkey, PAD_PKCS1, md, sig, sl, d, dl));
        CHECK_ST(SslVerifySignature(prov, k->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID), SEC_E_OK);
        /* PSS, salt = digest length, MGF1 with the hash */
        sl = api_sign(k, in, n, PSS, sig);
        CHECK(ossl_verify(k->pkey, PAD_PSS, md, sig, sl, d, dl));
        /* libcrypto's (randomised) PSS signature, verified by us through both handles */
        wl = ossl_sign(k->pkey, PAD_PSS, md, d, dl, want);
        CHECK_ST(SslVerifySignature(prov, k->h, in, (DWORD)n, want, (DWORD)wl, PSS), SEC_E_OK);
        CHECK_ST(SslVerifySignature(prov, k->pub, in, (DWORD)n, want, (DWORD)wl, PSS), SEC_E_OK);
        want[wl / 2] ^= 0x10;
        CHECK_ST(SslVerifySignature(prov, k->pub, in, (DWORD)n, want, (DWORD)wl, PSS),
                 NTE_BAD_SIGNATURE);
        /* PSS and PKCS#1 signatures are not each other */
        CHECK_ST(SslVerifySignature(prov, k->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID),
                 NTE_BAD_SIGNATURE);
        /* ours: a bare SHA-256/384/512 digest with PSS */
        if (dl >= 32) {
            sl = api_sign(k, d, dl, PSS, sig);
            CHECK(ossl_verify(k->pkey, PAD_PSS, md, sig, sl, d, dl));
            CHECK_ST(SslVerifySignature(prov, k->pub, d, (DWORD)dl, sig, (DWORD)sl, PSS), SEC_E_OK);
        }
    }
    /* names compare case-insensitively */
    dl = digest("SHA256", message, sizeof(message), d);
    n = named(in, "sHa256", d, dl);
    sl = api_sign(k, in, n, HASHOID, sig);
    wl = ossl_sign(k->pkey, PAD_PKCS1, "SHA256", d, dl, want);
    CHECK(sl == wl && memcmp(sig, want, sl) == 0);
    /* flags 0: the bytes as given, no DigestInfo — TLS <= 1.1 MD5 || SHA-1 (36 bytes), and
     * the shortest and longest input a 2048-bit modulus allows (1 and 256 - 11 bytes) */
    for (size_t len = 0; len < 3; len++) {
        size_t rl = len == 0 ? 36 : len == 1 ? 1 : k->sig_len - 11;

        for (size_t j = 0; j < rl; j++)
            raw[j] = (uint8_t)(0xA5 ^ j);
        sl = api_sign(k, raw, rl, 0, sig);
        wl = ossl_sign(k->pkey, PAD_PKCS1, NULL, raw, rl, want);
        CHECK(sl == wl && memcmp(sig, want, sl) == 0);
        CHECK(ossl_verify(k->pkey, PAD_PKCS1, NULL, sig, sl, raw, rl));
        CHECK_ST(SslVerifySignature(prov, k->pub, raw, (DWORD)rl, sig, (DWORD)sl, 0), SEC_E_OK);
        CHECK_ST(SslVerifySignature(prov, k->h, raw, (DWORD)rl, sig, (DWORD)sl, 0), SEC_E_OK);
    }
}

/* DSA and ECDSA: the digest as given (any of the lengths TLS uses), P1363 r || s. */
static void roundtrip_dsa(const struct key *k)
{
    uint8_t d[64], sig[MAX_SIG], der[MAX_SIG], p1363[MAX_SIG];
    size_t half = k->sig_len / 2;

    for (size_t i = 1; i < N_MD; i++) {
        size_t dl = digest(md_names[i], message, sizeof(message), d), dn;

        CHECK(api_sign(k, d, dl, 0, sig) == k->sig_len);
        dn = p1363_to_der(sig, half, der);
        CHECK(dn > 0 && ossl_verify(k->pkey, PAD_NONE, NULL, der, dn, d, dl));
        /* bits above 1 are not looked at (behavior.md §8.1) */
        CHECK(api_sign(k, d, dl, 0x100 | 0x4, sig) == k->sig_len);
        dn = p1363_to_der(sig, half, der);
        CHECK(dn > 0 && ossl_verify(k->pkey, PAD_NONE, NULL, der, dn, d, dl));
        /* libcrypto's signature, verified by us in DER and in P1363 */
        dn = ossl_sign(k->pkey, PAD_NONE, NULL, d, dl, der);
        CHECK(der_to_p1363(der, dn, half, p1363));
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, der, (DWORD)dn, 0), SEC_E_OK);
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, p1363, (DWORD)k->sig_len, 0x100), SEC_E_OK);
        if (k->pub != 0) {
            CHECK_ST(SslVerifySignature(prov, k->pub, d, (DWORD)dl, der, (DWORD)dn, 0), SEC_E_OK);
            CHECK_ST(SslVerifySignature(prov, k->pub, d, (DWORD)dl, p1363, (DWORD)k->sig_len, 0),
                     SEC_E_OK);
        }
        /* twins: a flipped bit, a truncated DER, r = 0 */
        p1363[half - 1] ^= 1;
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, p1363, (DWORD)k->sig_len, 0),
                 NTE_BAD_SIGNATURE);
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, der, (DWORD)dn - 1, 0),
                 NTE_BAD_SIGNATURE);
        memset(p1363, 0, half);
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, p1363, (DWORD)k->sig_len, 0),
                 NTE_BAD_SIGNATURE);
        d[0] ^= 1;
        CHECK_ST(SslVerifySignature(prov, k->h, d, (DWORD)dl, der, (DWORD)dn, 0), NTE_BAD_SIGNATURE);
    }
}

/* An RSASSA-PSS key signs PSS only: PKCS#1 forms are a key type that cannot do it. */
static void roundtrip_rsa_pss_key(const struct key *k)
{
    uint8_t d[64], in[MAX_IN], sig[MAX_SIG];
    size_t dl = digest("SHA384", message, sizeof(message), d), n = named(in, "SHA384", d, dl), sl;
    DWORD cb = 0xdead;

    sl = api_sign(k, in, n, PSS, sig);
    CHECK(ossl_verify(k->pkey, PAD_PSS, "SHA384", sig, sl, d, dl));
    CHECK_ST(SslVerifySignature(prov, k->h, in, (DWORD)n, sig, (DWORD)sl, PSS), SEC_E_OK);
    CHECK_ST(SslSignHash(prov, k->h, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_NOT_SUPPORTED);
    CHECK_ST(SslSignHash(prov, k->h, d, (DWORD)dl, sig, MAX_SIG, &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslVerifySignature(prov, k->h, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_NOT_SUPPORTED);
    CHECK(cb == 0xdead);
}

/* ---- 3. Negative twins (conventions.md §13, §1) ---- */

static void negative_sign(const struct key *rsa, const struct key *ec, NCRYPT_KEY_HANDLE eph)
{
    uint8_t d[64], in[MAX_IN + 64], sig[MAX_SIG];
    size_t dl = digest("SHA256", message, sizeof(message), d), n = named(in, "SHA256", d, dl);
    NCRYPT_KEY_HANDLE gone;
    DWORD cb = 0xdead;

    /* handles: provider, then key-pair class (behavior.md §8.1) */
    CHECK_ST(SslSignHash(0, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, 0, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, rsa->pub, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, ec->pub, d, (DWORD)dl, sig, MAX_SIG, &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, eph, d, (DWORD)dl, sig, MAX_SIG, &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, prov, d, (DWORD)dl, sig, MAX_SIG, &cb, 0), NTE_INVALID_HANDLE);
    gone = open_private(rsa->pkey, "gone");
    CHECK_ST(SslFreeObject(gone, 0), SEC_E_OK);
    CHECK_ST(SslSignHash(prov, gone, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_HANDLE);
    /* the key handle is checked before pcbResult */
    CHECK_ST(SslSignHash(prov, rsa->pub, in, (DWORD)n, sig, MAX_SIG, NULL, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, NULL, HASHOID), NTE_INVALID_PARAMETER);
    /* ours: a NULL or empty hash */
    CHECK_ST(SslSignHash(prov, rsa->h, NULL, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, rsa->h, in, 0, sig, MAX_SIG, &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, ec->h, NULL, 32, sig, MAX_SIG, &cb, 0), NTE_INVALID_PARAMETER);
    /* RSA flags: both bits, any bit above 1 (Windows' NTE_INVALID_PARAMETER, not BAD_FLAGS) */
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID | PSS), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID | 0x4), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, 0x80000000u), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, NULL, 0, &cb, PSS | 0x10), NTE_INVALID_PARAMETER);
    /* DSA/ECDSA: bit 0 or 1 */
    CHECK_ST(SslSignHash(prov, ec->h, d, (DWORD)dl, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, ec->h, d, (DWORD)dl, sig, MAX_SIG, &cb, PSS), NTE_INVALID_PARAMETER);
    CHECK_ST(SslSignHash(prov, ec->h, in, (DWORD)n, NULL, 0, &cb, HASHOID | 0x8), NTE_INVALID_PARAMETER);
    CHECK(cb == 0xdead); /* untouched by every failure so far */

    /* the name: unknown -> NTE_BAD_ALGID; with PSS a 32-byte input that is no known name +
     * 0x0000 is a bare digest (ours), anything else is not */
    {
        uint8_t d28[28], raw[200];
        size_t k;

        memset(d28, 0x5A, sizeof(d28));
        k = named(in, "SHA224", d28, sizeof(d28));
        CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)k, sig, MAX_SIG, &cb, HASHOID), NTE_BAD_ALGID);
        CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)k, sig, MAX_SIG, &cb, PSS), NTE_BAD_ALGID);
        k = named(in, "SHA3-256", d, dl);
        CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)k, sig, (DWORD)rsa->sig_len, HASHOID),
                 NTE_BAD_ALGID);
        k = named(in, "", d, dl); /* empty name: 0x0000 || 32 bytes */
        CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)k, sig, MAX_SIG, &cb, HASHOID), NTE_BAD_ALGID);
        k = named(in, "SHA256X", d, dl);
        CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)k, NULL, 0, &cb, HASHOID), NTE_BAD_ALGID);
        CHECK(cb == 0xdead);
        /* a 32-byte digest whose first unit is 0x0000: a name to Windows, a bare digest to us */
        memcpy(raw, d, 32);
        raw[0] = raw[1] = 0;
        k = api_sign(rsa, raw, 32, PSS, sig);
        CHECK(ossl_verify(rsa->pkey, PAD_PSS, "SHA256", sig, k, raw, 32));
        /* no 0x0000 unit in the first 128 bytes: the terminator at 128, at an odd offset, none */
        memset(raw, 'A', sizeof(raw));
        CHECK_ST(SslSignHash(prov, rsa->h, raw, sizeof(raw), sig, MAX_SIG, &cb, HASHOID),
                 NTE_INVALID_PARAMETER);
        raw[128] = raw[129] = 0;
        CHECK_ST(SslSignHash(prov, rsa->h, raw, 162, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_PARAMETER);
        raw[128] = raw[129] = 'A';
        raw[11] = raw[12] = 0;
        CHECK_ST(SslSignHash(prov, rsa->h, raw, 45, sig, MAX_SIG, &cb, HASHOID), NTE_INVALID_PARAMETER);
        CHECK_ST(SslSignHash(prov, rsa->h, raw, 20, sig, MAX_SIG, &cb, PSS), NTE_INVALID_PARAMETER);
        /* ...but at 126 it is seen: an unknown 63-unit name */
        raw[11] = raw[12] = 'A';
        raw[126] = raw[127] = 0;
        CHECK_ST(SslSignHash(prov, rsa->h, raw, 160, sig, MAX_SIG, &cb, HASHOID), NTE_BAD_ALGID);
        CHECK(cb == 0xdead);
    }
    /* lengths: a known name fixes the digest length; never reread as a bare digest */
    n = named(in, "SHA256", d, 31);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, HASHOID), NTE_BAD_LEN);
    n = named(in, "SHA256", d, 18); /* 14 + 18 = 32 bytes: not a bare SHA-256 digest either */
    CHECK(n == 32);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, sig, MAX_SIG, &cb, PSS), NTE_BAD_LEN);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)rsa->sig_len, PSS), NTE_BAD_LEN);
    n = named(in, "SHA1", d, 32);
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)n, NULL, 0, &cb, HASHOID), NTE_BAD_LEN);
    memset(in, 0x11, sizeof(in));
    CHECK_ST(SslSignHash(prov, rsa->h, in, (DWORD)rsa->sig_len - 10, sig, MAX_SIG, &cb, 0), NTE_BAD_LEN);
    CHECK(cb == 0xdead);
    /* size query ignores cbSignature; a short buffer says the size */
    CHECK_ST(SslSignHash(prov, ec->h, d, (DWORD)dl, NULL, 12345, &cb, 0), SEC_E_OK);
    CHECK(cb == ec->sig_len);
    cb = 0;
    CHECK_ST(SslSignHash(prov, ec->h, d, (DWORD)dl, sig, 1, &cb, 0), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == ec->sig_len);
    CHECK_ST(SslSignHash(prov, ec->h, d, (DWORD)dl, sig, 0, &cb, 0), NTE_BUFFER_TOO_SMALL);
}

static void negative_verify(const struct key *rsa, const struct key *ec, NCRYPT_KEY_HANDLE eph_p256)
{
    uint8_t d[64], in[MAX_IN], sig[MAX_SIG];
    size_t dl = digest("SHA256", message, sizeof(message), d), n = named(in, "SHA256", d, dl), sl;
    NCRYPT_KEY_HANDLE x25519 = 0, dh = 0, hash = 0;

    sl = ossl_sign(rsa->pkey, PAD_PKCS1, "SHA256", d, dl, sig);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID), SEC_E_OK);
    /* handles */
    CHECK_ST(SslVerifySignature(0, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslVerifySignature(prov, 0, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslVerifySignature(prov, prov, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslCreateHandshakeHash(prov, &hash, TLS1_2_PROTOCOL_VERSION,
                                    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0), SEC_E_OK);
    CHECK_ST(SslVerifySignature(prov, hash, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(hash, 0), SEC_E_OK);
    /* key types that cannot verify: X25519, DH */
    CHECK_ST(SslCreateEphemeralKey(prov, &x25519, TLS1_2_PROTOCOL_VERSION,
                                   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                   TLS_ECC_X25519_CURVE_KEY_TYPE, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslVerifySignature(prov, x25519, d, (DWORD)dl, sig, 64, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateEphemeralKey(prov, &dh, TLS1_2_PROTOCOL_VERSION,
                                   TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_FFDHE2048_KEY_TYPE, 0,
                                   NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslVerifySignature(prov, dh, d, (DWORD)dl, sig, (DWORD)sl, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslFreeObject(x25519, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(dh, 0), SEC_E_OK);
    /* an ephemeral P-256 key is a verify key (its signature is none of ours: a mismatch) */
    CHECK_ST(SslVerifySignature(prov, eph_p256, d, (DWORD)dl, sig, 64, 0), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, eph_p256, d, (DWORD)dl, sig, 64, PSS), NTE_INVALID_PARAMETER);
    /* NULL pointers and an empty hash; an empty signature is a mismatch */
    CHECK_ST(SslVerifySignature(prov, rsa->pub, NULL, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, 0, sig, (DWORD)sl, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, NULL, (DWORD)sl, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, 0, HASHOID), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, ec->pub, d, (DWORD)dl, sig, 0, 0), NTE_BAD_SIGNATURE);
    /* flags: the refusals of SslSignHash, other bits ignored */
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID | PSS), NTE_INVALID_PARAMETER);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID | 0x100), SEC_E_OK);
    CHECK_ST(SslVerifySignature(prov, ec->pub, d, (DWORD)dl, sig, 64, HASHOID), NTE_INVALID_PARAMETER);
    CHECK_ST(SslVerifySignature(prov, ec->h, d, (DWORD)dl, sig, 64, PSS | 0x100), NTE_INVALID_PARAMETER);
    /* the hash bytes as for signing */
    CHECK_ST(SslVerifySignature(prov, rsa->pub, d, (DWORD)dl, sig, (DWORD)sl, HASHOID), NTE_INVALID_PARAMETER);
    n = named(in, "SHA256", d, 20);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_BAD_LEN);
    /* malformed signatures are mismatches: short, long, wrong scheme */
    n = named(in, "SHA256", d, dl);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl - 1, HASHOID), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl + 1, HASHOID), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, PSS), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, 0), NTE_BAD_SIGNATURE);
    memset(sig, 0xFF, sizeof(sig));
    CHECK_ST(SslVerifySignature(prov, rsa->pub, in, (DWORD)n, sig, (DWORD)sl, HASHOID), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, ec->pub, d, (DWORD)dl, sig, 72, 0), NTE_BAD_SIGNATURE);
    CHECK_ST(SslVerifySignature(prov, ec->pub, d, (DWORD)dl, sig, (DWORD)ec->sig_len, 0), NTE_BAD_SIGNATURE);
}

/* ---- main ---- */

static void make_key(struct key *k, const char *label, EVP_PKEY *pkey, size_t sig_len, bool pub)
{
    k->label = label;
    k->pkey = pkey;
    k->sig_len = sig_len;
    CHECK(pkey != NULL);
    k->h = pkey != NULL ? open_private(pkey, label) : 0;
    k->pub = pub && k->h != 0 ? import_public_half(k->h) : 0;
}

static void free_key(struct key *k)
{
    if (k->h != 0)
        CHECK_ST(SslFreeObject(k->h, 0), SEC_E_OK);
    if (k->pub != 0)
        CHECK_ST(SslFreeObject(k->pub, 0), SEC_E_OK);
    EVP_PKEY_free(k->pkey);
}

int main(void)
{
    struct key rsa, pss, ec[3], dsa;
    static const char *const curves[3] = {"P-256", "P-384", "P-521"};
    static const size_t ec_len[3] = {64, 96, 132};
    NCRYPT_KEY_HANDLE eph = 0;

    under_valgrind = RUNNING_ON_VALGRIND != 0;
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    ERR_clear_error();

    test_wycheproof();

    make_key(&rsa, "RSA-2048", cert_rsa_key(0), 256, true);
    make_key(&pss, "RSA-PSS", rsa_pss_key(rsa.pkey), 256, false);
    for (int i = 0; i < 3; i++)
        make_key(&ec[i], curves[i], EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]), ec_len[i], true);
    make_key(&dsa, "DSA-2048/256", dsa_key(), 64, false);
    CHECK_ST(SslCreateEphemeralKey(prov, &eph, TLS1_2_PROTOCOL_VERSION,
                                   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                   TLS_ECC_P256_CURVE_KEY_TYPE, 0, NULL, 0, 0), SEC_E_OK);

    roundtrip_rsa(&rsa);
    roundtrip_rsa_pss_key(&pss);
    for (int i = 0; i < 3; i++)
        roundtrip_dsa(&ec[i]);
    roundtrip_dsa(&dsa);
    printf("round trips: RSA-2048 (5 hashes x PKCS#1/PSS, bare PSS, raw), RSA-PSS key, "
           "P-256/384/521, DSA-2048/256\n");
    negative_sign(&rsa, &ec[0], eph);
    negative_verify(&rsa, &ec[0], eph);

    /* our failures leave nothing on the caller's OpenSSL error queue */
    CHECK(ERR_peek_error() == 0);
    CHECK_ST(SslFreeObject(eph, 0), SEC_E_OK);
    free_key(&rsa);
    free_key(&pss);
    for (int i = 0; i < 3; i++)
        free_key(&ec[i]);
    free_key(&dsa);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    CHECK(buffer_live_count() == 0);
    if (under_valgrind)
        printf("valgrind: about %d Wycheproof vectors run per file\n", VG_PER_FILE);
    return check_summary();
}
