/* Differential test of CertificateVerify (and ServerKeyExchange) signatures against libssl
 * (issue 12): real handshakes with client authentication between a libssl client and a libssl
 * server over an in-memory pipe (tests/support/libssl_peer.h, tests/support/libssl13_peer.h),
 * then, through sslprov's public API only (plus sslprov_ext.h to open the private keys):
 *
 * 1. TLS 1.0/1.1/1.2, DTLS 1.0/1.2 (TLS 1.0/1.1/DTLS 1.0 at security level 0): libssl's master
 *    secret enters as an OpaqueKeyBlob; the messages before the client's CertificateVerify go
 *    into SslCreateHandshakeHash (TLS <= 1.1, DTLS 1.0: the MD5 + SHA-1 object, pszAlgId "RSA"
 *    or "ECDSA") or SslCreateClientAuthHash of the scheme's hash (TLS/DTLS 1.2: the
 *    SignatureScheme read from the CertificateVerify); SslComputeClientAuthHash equals
 *    libcrypto's hash of the messages, and SslVerifySignature with the client certificate's
 *    public key (SslImportKey: BCRYPT_RSAPUBLIC_BLOB / BCRYPT_ECCPUBLIC_BLOB) accepts libssl's
 *    signature: RSA flags 0 over MD5 || SHA-1 (36 bytes) for TLS <= 1.1, INCLUDE_HASHOID with
 *    the UTF-16 name prefix for rsa_pkcs1_*, PSS for rsa_pss_rsae_*, ECDSA flags 0 with the DER
 *    signature as on the wire. Where the scheme's hash is the suite's PRF hash, the
 *    SslCreateHandshakeHash object gives the same value. ECDHE/DHE: the ServerKeyExchange
 *    signature over H(client_random || server_random || params) (libcrypto) verifies with the
 *    server's imported public key the same way. Reverse: SslSignHash with the client's /
 *    server's private key (SslProvAssociateCertificateKeyBlob + SslProvCreateCertificateContext
 *    + SslOpenPrivateKey) over the same input is accepted by libcrypto's EVP_PKEY_verify and
 *    by SslVerifySignature; RSA PKCS#1 v1.5 (flags 0, INCLUDE_HASHOID) signatures are byte-
 *    identical to libssl's.
 *    Schemes are pinned with SSL_CTX_set1_client_sigalgs_list (CertificateRequest) and
 *    SSL_CTX_set1_sigalgs_list (signature_algorithms): rsa_pkcs1_sha1/256/384/512,
 *    rsa_pss_rsae_sha256/384/512, ecdsa_sha1, ecdsa_*_sha256/384/512, RSA-2048, P-256, P-384.
 * 2. TLS 1.3 with client authentication, the server's and the client's CertificateVerify:
 *    (a) Windows' Schannel way, SslComputeSessionHash on a TLS 1.3 transcript object fed the
 *    messages before the CertificateVerify + RFC 8446 §4.4.3's content hashed with libcrypto;
 *    (b) sslprov's extension SslComputeClientAuthHash(early secret from SslExtractEarlyKey
 *    with no PSK, the transcript, scheme hash, 0 / CLIENT or SERVER flag); both equal, and
 *    SslVerifySignature accepts libssl's signature (rsa_pss_rsae_*: PSS flag, also as a bare
 *    digest; ecdsa_*: flags 0, DER). Reverse as in 1.
 * 3. Negative twins: the transcript missing each one of the messages, the other role's
 *    content (TLS 1.3), a flipped signature byte, the randoms swapped (ServerKeyExchange), the
 *    wrong pszAlgId for TLS <= 1.1 ("ECDSA" 20 bytes where "RSA" is needed, and the reverse)
 *    → NTE_BAD_SIGNATURE.
 *
 * One line per case. Each key is made once (libssl_peer.h's cache); under valgrind the two
 * RSA keys are the fixed ones below (RSA-2048 generation alone takes 20-80 s there) and the
 * "missing message" twin drops only three of the messages. */
#include <stdbool.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <valgrind/valgrind.h>
#include "bytes.h"
#include "cert.h"
#include "check.h"
static char where[200]; /* the case under test, for EXPECT's messages */
#define EXPECT_CTX where
#include "expect.h"
#include "handles.h"
#include "libssl13_peer.h"
#include "master_blob.h"
#include "sslprov_ext.h"
#include "sslprovider.h"

#define HASHOID NCRYPT_SSL_SIGN_INCLUDE_HASHOID
#define PSS NCRYPT_SSL_SIGN_USE_PSS_PADDING
#define MAX_SIG 1024

static NCRYPT_PROV_HANDLE prov;
static bool under_valgrind;
static unsigned n_cases, n_failed_cases, n_verified, n_signed, n_identical, n_twins;

/* ==== signature schemes ===================================================================== */

enum kind {
    K_RAW,   /* RSA, flags 0: PKCS#1 v1.5 over the bytes (TLS <= 1.1: MD5 || SHA-1) */
    K_PKCS1, /* RSA, INCLUDE_HASHOID: name || 0x0000 || digest */
    K_PSS,   /* RSA, PSS: name || 0x0000 || digest */
    K_ECDSA  /* ECDSA, flags 0: the digest */
};

struct scheme {
    uint16_t id;
    const char *name, *md;
    enum kind kind;
};

static const struct scheme schemes[] = {
    {0x0201, "rsa_pkcs1_sha1", "SHA1", K_PKCS1},
    {0x0401, "rsa_pkcs1_sha256", "SHA256", K_PKCS1},
    {0x0501, "rsa_pkcs1_sha384", "SHA384", K_PKCS1},
    {0x0601, "rsa_pkcs1_sha512", "SHA512", K_PKCS1},
    {0x0203, "ecdsa_sha1", "SHA1", K_ECDSA},
    {0x0403, "ecdsa_secp256r1_sha256", "SHA256", K_ECDSA},
    {0x0503, "ecdsa_secp384r1_sha384", "SHA384", K_ECDSA},
    {0x0603, "ecdsa_secp521r1_sha512", "SHA512", K_ECDSA},
    {0x0804, "rsa_pss_rsae_sha256", "SHA256", K_PSS},
    {0x0805, "rsa_pss_rsae_sha384", "SHA384", K_PSS},
    {0x0806, "rsa_pss_rsae_sha512", "SHA512", K_PSS},
};
static const struct scheme legacy_rsa = {0, "legacy RSA MD5+SHA1", "MD5-SHA1", K_RAW},
                           legacy_ecdsa = {0, "legacy ECDSA SHA1", "SHA1", K_ECDSA};

static const struct scheme *scheme_find(unsigned id)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].id == id)
            return &schemes[i];
    return NULL;
}

static void wname(const char *s, WCHAR *w, size_t cap)
{
    size_t i = 0;

    for (; s[i] != '\0' && i + 1 < cap; i++)
        w[i] = (WCHAR)s[i];
    w[i] = 0;
}

/* The bytes SslSignHash / SslVerifySignature take for a digest, and the flags (docs/signatures.md). */
static size_t sig_input(enum kind kind, const char *md, const BYTE *d, size_t dlen, BYTE *out, DWORD *flags)
{
    size_t n = 0;

    *flags = 0;
    if (kind == K_PKCS1 || kind == K_PSS) {
        for (const char *p = md; *p != '\0'; p++) {
            out[n++] = (BYTE)*p;
            out[n++] = 0;
        }
        out[n++] = 0;
        out[n++] = 0;
        *flags = kind == K_PKCS1 ? HASHOID : PSS;
    }
    memcpy(out + n, d, dlen);
    return n + dlen;
}

/* libcrypto's digest of parts ("MD5-SHA1" is MD5 || SHA-1). */
static size_t md_parts(const char *md, const BYTE *const p[], const size_t l[], size_t n, BYTE *out)
{
    EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = m != NULL && c != NULL && EVP_DigestInit_ex(c, m, NULL);

    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c, p[i], l[i]);
    ok = ok && EVP_DigestFinal_ex(c, out, &len);
    EVP_MD_CTX_free(c);
    EVP_MD_free(m);
    return ok ? len : 0;
}

/* libcrypto's digest of msgs[0 .. upto) without msgs[skip] */
static size_t md_msgs(const char *md, const struct peer_msg *msgs, size_t upto, size_t skip, BYTE *out)
{
    const BYTE *p[P13_MAX_MSGS];
    size_t l[P13_MAX_MSGS], n = 0;

    for (size_t i = 0; i < upto; i++)
        if (i != skip) {
            p[n] = msgs[i].data;
            l[n++] = msgs[i].len;
        }
    return md_parts(md, p, l, n, out);
}

/* libcrypto's EVP_PKEY_verify of a signature sslprov made (ECDSA: r || s, re-encoded as DER). */
static int ossl_verify(EVP_PKEY *k, enum kind kind, const char *md, const BYTE *d, size_t dlen,
                       const BYTE *sig, size_t slen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    const EVP_MD *m = kind == K_PKCS1 || kind == K_PSS ? EVP_get_digestbyname(md) : NULL;
    unsigned char *der = NULL;
    int ok = c != NULL && EVP_PKEY_verify_init(c) > 0, der_len = 0;

    if (ok && kind != K_ECDSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(c, kind == K_PSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) > 0;
    if (ok && m != NULL)
        ok = EVP_PKEY_CTX_set_signature_md(c, m) > 0;
    if (ok && kind == K_PSS)
        ok = EVP_PKEY_CTX_set_rsa_mgf1_md(c, m) > 0 && EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) > 0;
    if (ok && kind == K_ECDSA) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int)(slen / 2), NULL), *s = BN_bin2bn(sig + slen / 2, (int)(slen / 2), NULL);

        ok = es != NULL && r != NULL && s != NULL && slen % 2 == 0 && ECDSA_SIG_set0(es, r, s);
        if (!ok) {
            BN_free(r);
            BN_free(s);
        }
        ok = ok && (der_len = i2d_ECDSA_SIG(es, &der)) > 0;
        ECDSA_SIG_free(es);
        sig = der;
        slen = (size_t)der_len;
    }
    ok = ok && EVP_PKEY_verify(c, sig, slen, d, dlen) == 1;
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(c);
    return ok;
}

/* ==== keys: imported public halves, private keys through sslprov_ext.h ====================== */

struct keyh {
    EVP_PKEY *pkey; /* libssl_peer.h's cache: the same pointer for the whole run */
    NCRYPT_KEY_HANDLE pub, priv;
};
static struct keyh keys[8];
static size_t nkeys;

static NCRYPT_KEY_HANDLE import_public(EVP_PKEY *k)
{
    BYTE blob[1024];
    size_t n;
    const WCHAR *type;
    NCRYPT_KEY_HANDLE h = 0;

    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
        BIGNUM *bn_n = NULL, *bn_e = NULL;
        size_t nl, el;

        if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &bn_n) || !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &bn_e)) {
            BN_free(bn_n);
            BN_free(bn_e);
            return 0;
        }
        nl = (size_t)BN_num_bytes(bn_n);
        el = (size_t)BN_num_bytes(bn_e);
        memset(blob, 0, 24);
        put32(blob, BCRYPT_RSAPUBLIC_MAGIC);
        put32(blob + 4, (DWORD)BN_num_bits(bn_n));
        put32(blob + 8, (DWORD)el);
        put32(blob + 12, (DWORD)nl);
        BN_bn2bin(bn_e, blob + 24);
        BN_bn2bin(bn_n, blob + 24 + el);
        n = 24 + el + nl;
        type = BCRYPT_RSAPUBLIC_BLOB;
        BN_free(bn_n);
        BN_free(bn_e);
    } else {
        BIGNUM *x = NULL, *y = NULL;
        int bits = EVP_PKEY_get_bits(k);
        size_t cb = ((size_t)bits + 7) / 8;

        if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) || !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y)
            || BN_bn2binpad(x, blob + 8, (int)cb) < 0 || BN_bn2binpad(y, blob + 8 + cb, (int)cb) < 0) {
            BN_free(x);
            BN_free(y);
            return 0;
        }
        put32(blob, bits == 256 ? BCRYPT_ECDSA_PUBLIC_P256_MAGIC : bits == 384 ? BCRYPT_ECDSA_PUBLIC_P384_MAGIC
                                                                                : BCRYPT_ECDSA_PUBLIC_P521_MAGIC);
        put32(blob + 4, (DWORD)cb);
        n = 8 + 2 * cb;
        type = BCRYPT_ECCPUBLIC_BLOB;
        BN_free(x);
        BN_free(y);
    }
    EXPECT_ST(SslImportKey(prov, &h, type, blob, (DWORD)n, 0), SEC_E_OK);
    return h;
}

static NCRYPT_KEY_HANDLE open_private(EVP_PKEY *k, const unsigned char *cert_der, size_t cert_len)
{
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
    unsigned char *der = NULL;
    int der_len = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : 0;
    PCCERT_CONTEXT cert = NULL;
    NCRYPT_KEY_HANDLE h = 0;

    EXPECT(der_len > 0);
    EXPECT_ST(SslProvAssociateCertificateKeyBlob((PBYTE)cert_der, (DWORD)cert_len, der, (DWORD)der_len, 0), SEC_E_OK);
    EXPECT_ST(SslProvCreateCertificateContext((PBYTE)cert_der, (DWORD)cert_len, &cert), SEC_E_OK);
    if (cert != NULL) {
        EXPECT_ST(SslOpenPrivateKey(prov, &h, cert, 0), SEC_E_OK);
        SslProvFreeCertificateContext(cert);
    }
    OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return h;
}

/* The handles of one of libssl_peer.h's cached keys, made on first use. */
static struct keyh *key_of(EVP_PKEY *k, const unsigned char *cert_der, size_t cert_len)
{
    for (size_t i = 0; i < nkeys; i++)
        if (keys[i].pkey == k)
            return &keys[i];
    if (nkeys == sizeof(keys) / sizeof(keys[0]))
        abort();
    keys[nkeys].pkey = k;
    keys[nkeys].pub = import_public(k);
    keys[nkeys].priv = open_private(k, cert_der, cert_len);
    return &keys[nkeys++];
}

static struct keyh *key_of_x509(EVP_PKEY *k, X509 *x)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    struct keyh *kh = key_of(k, der, len > 0 ? (size_t)len : 0);

    OPENSSL_free(der);
    return kh;
}

static const char *key_name(EVP_PKEY *k)
{
    if (k == NULL)
        return "none";
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
        return "RSA-2048";
    return EVP_PKEY_get_bits(k) == 256 ? "P-256" : EVP_PKEY_get_bits(k) == 384 ? "P-384" : "EC?";
}

/* ==== one signature, both ways ============================================================== */

/* libssl's signature over digest d verifies with sslprov (imported public key), a flipped byte
 * does not; sslprov's signature with the private key verifies with libcrypto (and sslprov);
 * RSA PKCS#1 v1.5 signatures are byte-identical to libssl's. */
static void both_ways(struct keyh *kh, const struct scheme *sc, const BYTE *d, size_t dlen,
                      const BYTE *sig, size_t slen)
{
    BYTE in[256], bad[MAX_SIG], ours[MAX_SIG];
    DWORD flags, cb = 0, cb2 = 0;
    size_t inl = sig_input(sc->kind, sc->md, d, dlen, in, &flags);

    EXPECT_ST(SslVerifySignature(prov, kh->pub, in, (DWORD)inl, (PBYTE)sig, (DWORD)slen, flags), SEC_E_OK);
    n_verified++;
    if (sc->kind == K_PSS) {
        /* sslprov's superset: the bare digest with the PSS flag (32/48/64 bytes) */
        EXPECT_ST(SslVerifySignature(prov, kh->pub, (PBYTE)d, (DWORD)dlen, (PBYTE)sig, (DWORD)slen, PSS), SEC_E_OK);
    }
    if (slen <= sizeof(bad)) {
        memcpy(bad, sig, slen);
        bad[slen / 2] ^= 0x01;
        EXPECT_ST(SslVerifySignature(prov, kh->pub, in, (DWORD)inl, bad, (DWORD)slen, flags), NTE_BAD_SIGNATURE);
        memcpy(bad, sig, slen);
        bad[slen - 1] ^= 0x80;
        EXPECT_ST(SslVerifySignature(prov, kh->pub, in, (DWORD)inl, bad, (DWORD)slen, flags), NTE_BAD_SIGNATURE);
        n_twins += 2;
    }
    /* reverse: sslprov signs the same input */
    EXPECT_ST(SslSignHash(prov, kh->priv, in, (DWORD)inl, NULL, 0, &cb, flags), SEC_E_OK);
    EXPECT(cb > 0 && cb <= sizeof(ours));
    if (cb == 0 || cb > sizeof(ours))
        return;
    EXPECT_ST(SslSignHash(prov, kh->priv, in, (DWORD)inl, ours, cb, &cb2, flags), SEC_E_OK);
    EXPECT(cb2 == cb);
    EXPECT(ossl_verify(kh->pkey, sc->kind, sc->md, d, dlen, ours, cb2));
    EXPECT_ST(SslVerifySignature(prov, kh->pub, in, (DWORD)inl, ours, cb2, flags), SEC_E_OK);
    n_signed++;
    if (sc->kind == K_RAW || sc->kind == K_PKCS1) {
        EXPECT(cb2 == slen && memcmp(ours, sig, slen) == 0);
        n_identical++;
    }
}

/* A status that must be NTE_BAD_SIGNATURE: libssl's signature over a digest that is not the one
 * it signed. */
static void must_fail(struct keyh *kh, const struct scheme *sc, const BYTE *d, size_t dlen, const BYTE *sig,
                      size_t slen)
{
    BYTE in[256];
    DWORD flags;
    size_t inl = sig_input(sc->kind, sc->md, d, dlen, in, &flags);

    EXPECT_ST(SslVerifySignature(prov, kh->pub, in, (DWORD)inl, (PBYTE)sig, (DWORD)slen, flags), NTE_BAD_SIGNATURE);
    n_twins++;
}

/* Which messages the "missing message" twin drops (all of them, but only three under valgrind). */
static bool drop_this(size_t i, size_t upto)
{
    return !under_valgrind || i == 0 || i == upto / 2 || i == upto - 1;
}

/* ==== TLS 1.0 - 1.2, DTLS ==================================================================== */

static int is_legacy(int v)
{
    return v == TLS1_VERSION || v == TLS1_1_VERSION || v == DTLS1_VERSION || v == DTLS1_BAD_VER;
}

static NCRYPT_KEY_HANDLE import_master(const struct peer_run *r)
{
    NCRYPT_KEY_HANDLE h = master_blob_import(prov, (DWORD)r->version, r->cipher_id, 1, r->master_secret);

    EXPECT(h != 0);
    return h;
}

static size_t find12(const struct peer_run *r, unsigned type, int from_client)
{
    for (size_t i = 0; i < r->nmsgs; i++)
        if (r->msgs[i].data[0] == type && r->msgs[i].from_client == from_client)
            return i;
    return PEER_NO_INDEX;
}

/* sslprov's client-auth hash of msgs[0 .. upto) without msgs[skip]: the MD5 + SHA-1 object
 * (legacy) or SslCreateClientAuthHash of md; prf: the SslCreateHandshakeHash object of TLS 1.2. */
static size_t sslprov_cv_hash(const struct peer_run *r, NCRYPT_KEY_HANDLE mk, bool legacy, bool prf,
                              const char *md, const char *algid, size_t upto, size_t skip, BYTE *out)
{
    NCRYPT_HASH_HANDLE h = 0;
    WCHAR wmd[16], walg[16];
    DWORD cb = 0;

    wname(md, wmd, 16);
    wname(algid, walg, 16);
    if (legacy || prf)
        EXPECT_ST(SslCreateHandshakeHash(prov, &h, (DWORD)r->version, r->cipher_id, 0), SEC_E_OK);
    else
        EXPECT_ST(SslCreateClientAuthHash(prov, &h, (DWORD)r->version, r->cipher_id, wmd, 0), SEC_E_OK);
    for (size_t i = 0; i < upto; i++)
        if (i != skip)
            EXPECT_ST(SslHashHandshake(prov, h, r->msgs[i].data, (DWORD)r->msgs[i].len, 0), SEC_E_OK);
    EXPECT_ST(SslComputeClientAuthHash(prov, mk, h, walg, out, 64, &cb, 0), SEC_E_OK);
    SslFreeObject(h, 0);
    return cb;
}

static void check_cv12(const struct peer_run *r, NCRYPT_KEY_HANDLE mk, char *desc, size_t desc_cap)
{
    bool legacy = is_legacy(r->version);
    size_t cv = find12(r, SSL3_MT_CERTIFICATE_VERIFY, 1), blen, off = 0, slen;
    const BYTE *body, *sig;
    bool rsa = EVP_PKEY_get_base_id(r->client_key) == EVP_PKEY_RSA;
    const struct scheme *sc;
    const char *algid = rsa ? "RSA" : "ECDSA";
    struct keyh *kh = key_of(r->client_key, r->client_cert_der, r->client_cert_der_len);
    BYTE got[64], want[64];
    size_t gl, wl;

    EXPECT(cv != PEER_NO_INDEX && cv > 0);
    if (cv == PEER_NO_INDEX || cv == 0)
        return;
    body = r->msgs[cv].data + r->hdr_len;
    blen = r->msgs[cv].len - r->hdr_len;
    if (legacy) {
        sc = rsa ? &legacy_rsa : &legacy_ecdsa;
    } else {
        sc = scheme_find((unsigned)get16be(body));
        off = 2;
    }
    EXPECT(sc != NULL && blen >= off + 2);
    if (sc == NULL || blen < off + 2)
        return;
    slen = get16be(body + off);
    sig = body + off + 2;
    EXPECT(off + 2 + slen == blen);
    snprintf(desc, desc_cap, "CV %s", sc->name);

    /* sslprov's hash = libcrypto's hash of the messages */
    gl = sslprov_cv_hash(r, mk, legacy, false, sc->md, algid, cv, PEER_NO_INDEX, got);
    wl = md_msgs(sc->md, r->msgs, cv, PEER_NO_INDEX, want);
    EXPECT(gl == wl && wl > 0 && memcmp(got, want, wl) == 0);
    if (!legacy && strcmp(sc->md, r->prf_digest) == 0) {
        /* the suite's PRF hash: the SslCreateHandshakeHash object says the same */
        BYTE again[64];
        size_t al = sslprov_cv_hash(r, mk, false, true, sc->md, algid, cv, PEER_NO_INDEX, again);

        EXPECT(al == gl && memcmp(again, got, gl) == 0);
    }
    both_ways(kh, sc, got, gl, sig, slen);

    /* twins: a message missing */
    for (size_t skip = 0; skip < cv; skip++) {
        BYTE d[64];
        size_t dl;

        if (!drop_this(skip, cv))
            continue;
        dl = sslprov_cv_hash(r, mk, legacy, false, sc->md, algid, cv, skip, d);
        must_fail(kh, sc, d, dl, sig, slen);
    }
    if (legacy) {
        /* the other key type's pszAlgId: "ECDSA" gives 20 bytes where RSA signed 36, "RSA" 36
         * where ECDSA signed SHA-1 */
        BYTE d[64];
        size_t dl = sslprov_cv_hash(r, mk, true, false, sc->md, rsa ? "ECDSA" : "RSA", cv, PEER_NO_INDEX, d);

        EXPECT(dl == (rsa ? 20u : 36u));
        must_fail(kh, sc, d, dl, sig, slen);
    }
}

/* ServerKeyExchange of ECDHE / DHE: H(client_random || server_random || params). */
static void check_ske(const struct peer_run *r, char *desc, size_t desc_cap)
{
    bool legacy = is_legacy(r->version);
    size_t ske = find12(r, SSL3_MT_SERVER_KEY_EXCHANGE, 0), blen, plen, off, slen;
    const BYTE *body, *sig;
    int kx = SSL_CIPHER_get_kx_nid(SSL_get_current_cipher(r->client));
    bool rsa = EVP_PKEY_get_base_id(r->server_key) == EVP_PKEY_RSA;
    const struct scheme *sc;
    struct keyh *kh = key_of(r->server_key, r->server_cert_der, r->server_cert_der_len);
    BYTE d[64];
    size_t dl;

    if (kx != NID_kx_ecdhe && kx != NID_kx_dhe) {
        EXPECT(ske == PEER_NO_INDEX);
        snprintf(desc, desc_cap, "no SKE");
        return;
    }
    EXPECT(ske != PEER_NO_INDEX);
    if (ske == PEER_NO_INDEX)
        return;
    body = r->msgs[ske].data + r->hdr_len;
    blen = r->msgs[ske].len - r->hdr_len;
    if (kx == NID_kx_ecdhe) {
        EXPECT(blen > 4 && body[0] == 3); /* named_curve */
        plen = blen > 4 ? 4 + (size_t)body[3] : blen;
    } else {
        plen = 0;
        for (int i = 0; i < 3 && plen + 2 <= blen; i++)
            plen += 2 + get16be(body + plen);
    }
    EXPECT(plen + 2 <= blen);
    if (plen + 2 > blen)
        return;
    off = plen;
    if (legacy) {
        sc = rsa ? &legacy_rsa : &legacy_ecdsa;
    } else {
        sc = scheme_find((unsigned)get16be(body + off));
        off += 2;
    }
    EXPECT(sc != NULL && off + 2 <= blen);
    if (sc == NULL || off + 2 > blen)
        return;
    slen = get16be(body + off);
    sig = body + off + 2;
    EXPECT(off + 2 + slen == blen);
    snprintf(desc, desc_cap, "SKE %s", sc->name);
    {
        const BYTE *p[3] = {r->client_random, r->server_random, body};
        const size_t l[3] = {32, 32, plen};

        dl = md_parts(sc->md, p, l, 3, d);
        both_ways(kh, sc, d, dl, sig, slen);
    }
    {
        /* twin: the randoms swapped */
        const BYTE *p[3] = {r->server_random, r->client_random, body};
        const size_t l[3] = {32, 32, plen};

        dl = md_parts(sc->md, p, l, 3, d);
        must_fail(kh, sc, d, dl, sig, slen);
    }
}

struct case12 {
    const char *vname;
    int version;
    const char *ciphers, *groups;
    int cert_type, client_cert_type;
    const char *sigalgs, *client_sigalgs;
    int seclevel0;
};

static void run12(const struct case12 *c)
{
    struct peer_config cfg = {.version = c->version, .ciphers = c->ciphers, .groups = c->groups, .ems = 1,
                              .cert_type = c->cert_type, .no_ticket = 1, .seclevel0 = c->seclevel0,
                              .client_cert_type = c->client_cert_type, .sigalgs = c->sigalgs,
                              .client_sigalgs = c->client_sigalgs};
    struct peer_run r;
    unsigned failed_before = check_failed;
    char cvd[64] = "CV ?", sked[64] = "SKE ?";

    snprintf(where, sizeof(where), "%s %s client %d", c->vname, c->ciphers, c->client_cert_type);
    n_cases++;
    if (!peer_handshake(&cfg, &r)) {
        EXPECT(!"libssl handshake");
    } else {
        NCRYPT_KEY_HANDLE mk = import_master(&r);

        EXPECT(r.client_key != NULL && r.client_cert_der != NULL);
        if (r.client_key != NULL) {
            check_cv12(&r, mk, cvd, sizeof(cvd));
            check_ske(&r, sked, sizeof(sked));
        }
        SslFreeObject(mk, 0);
    }
    printf("%-7s %-29s server %-8s client %-8s %-26s %-26s %s\n", c->vname, c->ciphers,
           key_name(r.server_key), key_name(r.client_key), cvd, sked, check_failed == failed_before ? "ok" : "FAIL");
    if (check_failed != failed_before)
        n_failed_cases++;
    peer_free(&r);
}

/* ==== TLS 1.3 ================================================================================ */

struct case13 {
    const char *suite, *md; /* the suite's hash */
    int cert_type, client_cert_type;
    const char *sigalgs, *client_sigalgs;
};

/* One CertificateVerify of a TLS 1.3 connection: from the client (client auth) or the server. */
static void check_cv13(const struct case13 *c, struct p13_ctx *ctx, struct p13_conn *conn, NCRYPT_KEY_HANDLE early,
                       int from_client, char *desc, size_t desc_cap)
{
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify",
                      server_ctx[] = "TLS 1.3, server CertificateVerify";
    size_t cv = p13_find_msg(conn, SSL3_MT_CERTIFICATE_VERIFY, from_client, 0), blen, slen;
    const BYTE *body, *sig;
    const struct scheme *sc;
    struct keyh *kh = from_client ? key_of_x509(ctx->client_key, ctx->client_cert)
                                  : key_of_x509(ctx->server_key, ctx->server_cert);
    NCRYPT_HASH_HANDLE h = 0;
    BYTE th[64], want_th[64], content[64 + sizeof(client_ctx) + 64], a[64], b[64];
    DWORD thl = 0, bl = 0, role = from_client ? 0 : NCRYPT_SSL_SERVER_FLAG;
    size_t al, wl;
    WCHAR wmd[16];

    EXPECT(cv != PEER_NO_INDEX && cv > 0);
    if (cv == PEER_NO_INDEX || cv == 0)
        return;
    body = conn->msgs[cv].data + 4;
    blen = conn->msgs[cv].len - 4;
    EXPECT(blen >= 4);
    if (blen < 4)
        return;
    sc = scheme_find((unsigned)get16be(body));
    slen = get16be(body + 2);
    sig = body + 4;
    EXPECT(sc != NULL && 4 + slen == blen);
    if (sc == NULL)
        return;
    snprintf(desc, desc_cap, "%s %s", from_client ? "client" : "server", sc->name);
    wname(sc->md, wmd, 16);

    /* (a) Schannel's way: the transcript hash from SslComputeSessionHash, the content hashed here */
    EXPECT_ST(SslCreateHandshakeHash(prov, &h, TLS1_3_PROTOCOL_VERSION, ctx->suite_id, 0), SEC_E_OK);
    for (size_t i = 0; i < cv; i++)
        EXPECT_ST(SslHashHandshake(prov, h, conn->msgs[i].data, (DWORD)conn->msgs[i].len, 0), SEC_E_OK);
    EXPECT_ST(SslComputeSessionHash(prov, h, TLS1_3_PROTOCOL_VERSION, th, sizeof(th), &thl, 0), SEC_E_OK);
    wl = md_msgs(c->md, conn->msgs, cv, PEER_NO_INDEX, want_th);
    EXPECT(thl == wl && memcmp(th, want_th, wl) == 0);
    memset(content, 0x20, 64);
    memcpy(content + 64, from_client ? client_ctx : server_ctx, sizeof(client_ctx)); /* with the 0x00 */
    memcpy(content + 64 + sizeof(client_ctx), th, thl);
    {
        const BYTE *p[1] = {content};
        const size_t l[1] = {64 + sizeof(client_ctx) + thl};

        al = md_parts(sc->md, p, l, 1, a);
    }
    /* (b) sslprov's extension */
    EXPECT_ST(SslComputeClientAuthHash(prov, early, h, wmd, b, sizeof(b), &bl, role), SEC_E_OK);
    EXPECT(bl == al && memcmp(a, b, al) == 0);
    if (from_client) {
        EXPECT_ST(SslComputeClientAuthHash(prov, early, h, wmd, b, sizeof(b), &bl, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
        EXPECT(bl == al && memcmp(a, b, al) == 0);
    }
    both_ways(kh, sc, a, al, sig, slen);

    /* twins: the other role's content */
    EXPECT_ST(SslComputeClientAuthHash(prov, early, h, wmd, b, sizeof(b), &bl, from_client ? NCRYPT_SSL_SERVER_FLAG : 0),
              SEC_E_OK);
    EXPECT(bl == al && memcmp(a, b, al) != 0);
    must_fail(kh, sc, b, bl, sig, slen);
    SslFreeObject(h, 0);
    /* a message missing */
    for (size_t skip = 0; skip < cv; skip++) {
        NCRYPT_HASH_HANDLE h2 = 0;

        if (!drop_this(skip, cv))
            continue;
        EXPECT_ST(SslCreateHandshakeHash(prov, &h2, TLS1_3_PROTOCOL_VERSION, ctx->suite_id, 0), SEC_E_OK);
        for (size_t i = 0; i < cv; i++)
            if (i != skip)
                SslHashHandshake(prov, h2, conn->msgs[i].data, (DWORD)conn->msgs[i].len, 0);
        EXPECT_ST(SslComputeClientAuthHash(prov, early, h2, wmd, b, sizeof(b), &bl, role), SEC_E_OK);
        must_fail(kh, sc, b, bl, sig, slen);
        SslFreeObject(h2, 0);
    }
}

static void run13(const struct case13 *c)
{
    struct p13_ctx_config cc = {.suite = c->suite, .num_tickets = 0, .cert_type = c->cert_type,
                                .client_cert_type = c->client_cert_type, .sigalgs = c->sigalgs,
                                .client_sigalgs = c->client_sigalgs};
    struct p13_conn_config k = {0};
    struct p13_ctx ctx;
    struct p13_conn conn;
    unsigned failed_before = check_failed;
    char sd[64] = "server ?", cd[64] = "client ?";

    snprintf(where, sizeof(where), "TLS1.3 %s", c->suite);
    n_cases++;
    memset(&conn, 0, sizeof(conn));
    if (!p13_ctx_new(&cc, &ctx) || !p13_connect(&ctx, &k, &conn)) {
        EXPECT(!"libssl TLS 1.3 handshake");
    } else {
        NCRYPT_KEY_HANDLE early = 0;

        EXPECT(SSL_get0_peer_certificate(conn.server) != NULL);
        EXPECT_ST(SslExtractEarlyKey(prov, 0, &early, TLS1_3_PROTOCOL_VERSION, ctx.suite_id, NULL, 0), SEC_E_OK);
        check_cv13(c, &ctx, &conn, early, 0, sd, sizeof(sd));
        check_cv13(c, &ctx, &conn, early, 1, cd, sizeof(cd));
        SslFreeObject(early, 0);
    }
    printf("TLS1.3  %-29s server %-8s client %-8s CV %-30s CV %-30s %s\n", c->suite, key_name(ctx.server_key),
           key_name(ctx.client_key), sd, cd, check_failed == failed_before ? "ok" : "FAIL");
    if (check_failed != failed_before)
        n_failed_cases++;
    p13_conn_free(&conn);
    p13_ctx_free(&ctx);
}

/* ==== main =================================================================================== */

int main(void)
{
    static const struct case12 c12[] = {
        /* TLS 1.2: every RSA scheme both ways, ECDSA with SHA-1..512, P-384, DHE, RSA key exchange
         * (an ECDSA server certificate needs its curve among the client's groups; in TLS 1.2
         * ecdsa_secp521r1_sha512 = ECDSA with SHA-512 on any curve) */
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0, 1, "RSA+SHA384", "RSA+SHA256", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", "X25519", 0, 1, "rsa_pss_rsae_sha256", "RSA+SHA512", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "X25519", 0, 1, "rsa_pss_rsae_sha512", "rsa_pss_rsae_sha384", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", "P-256", 0, 1, "RSA+SHA512", "RSA+SHA384", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0, 1, "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha256", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", "P-256", 0, 1, "RSA+SHA256", "rsa_pss_rsae_sha512", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", "P-256", 0, 1, "RSA+SHA1", "RSA+SHA1", 1},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", "P-256", 1, 2, "ECDSA+SHA256", "ECDSA+SHA256", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", "P-256", 1, 2, "ECDSA+SHA512", "ECDSA+SHA384", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA", "X25519:P-256", 1, 2, "ECDSA+SHA1", "ECDSA+SHA1", 1},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", 1, 2, "ECDSA+SHA384", "ECDSA+SHA512", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", "X25519:P-256", 1, 1, "ECDSA+SHA384", "rsa_pss_rsae_sha256", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0, 2, "rsa_pss_rsae_sha256", "ECDSA+SHA512", 0},
        {"TLS1.2", TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", "P-384", 2, 3, "ECDSA+SHA384", "ECDSA+SHA256", 0},
        {"TLS1.2", TLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256", NULL, 0, 2, "RSA+SHA512", "ECDSA+SHA256", 0},
        {"TLS1.2", TLS1_2_VERSION, "DHE-RSA-AES256-GCM-SHA384", NULL, 0, 1, "rsa_pss_rsae_sha384", "RSA+SHA384", 0},
        {"TLS1.2", TLS1_2_VERSION, "AES128-GCM-SHA256", NULL, 0, 1, NULL, "RSA+SHA256", 0},
        {"TLS1.2", TLS1_2_VERSION, "AES256-SHA256", NULL, 0, 3, NULL, "ECDSA+SHA384", 0},
        /* DTLS 1.2 */
        {"DTLS1.2", DTLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0, 1, "rsa_pss_rsae_sha256", "RSA+SHA384", 0},
        {"DTLS1.2", DTLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", "P-256", 1, 2, "ECDSA+SHA384", "ECDSA+SHA256", 0},
        {"DTLS1.2", DTLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256", NULL, 0, 1, NULL, "rsa_pss_rsae_sha512", 0},
        /* TLS 1.0, 1.1, DTLS 1.0 (security level 0): MD5 || SHA-1 for RSA, SHA-1 for ECDSA */
        {"TLS1.0", TLS1_VERSION, "ECDHE-RSA-AES128-SHA", "P-256", 0, 1, NULL, NULL, 1},
        {"TLS1.0", TLS1_VERSION, "ECDHE-ECDSA-AES128-SHA", "P-256", 1, 2, NULL, NULL, 1},
        {"TLS1.0", TLS1_VERSION, "DHE-RSA-AES256-SHA", NULL, 0, 2, NULL, NULL, 1},
        {"TLS1.0", TLS1_VERSION, "AES128-SHA", NULL, 0, 1, NULL, NULL, 1},
        {"TLS1.1", TLS1_1_VERSION, "ECDHE-RSA-AES256-SHA", "X25519", 0, 1, NULL, NULL, 1},
        {"TLS1.1", TLS1_1_VERSION, "ECDHE-ECDSA-AES256-SHA", "X25519:P-256", 1, 3, NULL, NULL, 1},
        {"TLS1.1", TLS1_1_VERSION, "DHE-RSA-AES128-SHA", NULL, 0, 1, NULL, NULL, 1},
        {"TLS1.1", TLS1_1_VERSION, "AES256-SHA", NULL, 0, 2, NULL, NULL, 1},
        {"DTLS1.0", DTLS1_VERSION, "ECDHE-RSA-AES128-SHA", "P-256", 0, 1, NULL, NULL, 1},
        {"DTLS1.0", DTLS1_VERSION, "ECDHE-ECDSA-AES128-SHA", "P-256", 1, 2, NULL, NULL, 1},
        {"DTLS1.0", DTLS1_VERSION, "DHE-RSA-AES128-SHA", NULL, 0, 2, NULL, NULL, 1},
    };
    static const struct case13 c13[] = {
        {"TLS_AES_128_GCM_SHA256", "SHA256", 0, 1, "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384"},
        {"TLS_AES_256_GCM_SHA384", "SHA384", 0, 2, "rsa_pss_rsae_sha512", "ecdsa_secp256r1_sha256"},
        {"TLS_AES_128_GCM_SHA256", "SHA256", 1, 1, "ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha512"},
        {"TLS_CHACHA20_POLY1305_SHA256", "SHA256", 2, 3, "ecdsa_secp384r1_sha384", "ecdsa_secp384r1_sha384"},
        {"TLS_AES_256_GCM_SHA384", "SHA384", 1, 1, "ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"},
        {"TLS_AES_128_CCM_SHA256", "SHA256", 2, 2, NULL, NULL},
    };

    under_valgrind = RUNNING_ON_VALGRIND != 0;
    if (under_valgrind) {
        /* RSA-2048 key generation takes 20-80 s there: the fixed keys of tests/support/cert.c */
        EVP_PKEY *s = cert_rsa_key(0), *c = cert_rsa_key(1);

        CHECK(peer_preset_key(0, s) && peer_preset_key(PEER_SLOT_CLIENT(1), c));
        EVP_PKEY_free(s);
        EVP_PKEY_free(c);
    }
    CHECK_ST(SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    for (size_t i = 0; i < sizeof(c12) / sizeof(c12[0]); i++)
        run12(&c12[i]);
    for (size_t i = 0; i < sizeof(c13) / sizeof(c13[0]); i++)
        run13(&c13[i]);
    printf("%u cases (%u failed): %u libssl signatures verified, %u sslprov signatures checked by libcrypto "
           "(%u byte-identical to libssl's), %u negative twins\n",
           n_cases, n_failed_cases, n_verified, n_signed, n_identical, n_twins);
    for (size_t i = 0; i < nkeys; i++) {
        SslFreeObject(keys[i].pub, 0);
        SslFreeObject(keys[i].priv, 0);
    }
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    peer_global_cleanup();
    return check_summary();
}
