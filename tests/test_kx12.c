/* Key exchange for TLS <= 1.2 through the public API (issue 3):
 * - known answers: every NIST CAVP and ACVP-EMS pre-master enters the only way Windows has,
 *   RSA key exchange: encrypted here to a test key, decrypted by SslImportMasterKey with
 *   NCRYPTBUFFER_SSL_HIGHEST_VERSION = its first two bytes; the master secret read back
 *   from its OpaqueKeyBlob equals the vector's;
 * - RSA client one-step and two-step: our ciphertext decrypts (libcrypto) to a pre-master
 *   whose PRF gives the master secret we made;
 * - Bleichenbacher: valid, bad-padding and bad-version ciphertexts all succeed and give
 *   unrelated master secrets (implicit rejection, RFC 5246 §7.4.7.1);
 * - negative twins of every argument rule of E1–E4 (conventions.md §1–§3). */
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include "cert.h"
#include "check.h"
#include "handles.h"
#include "json.h"
#include "master_blob.h"
#include "sslprov_ext.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static EVP_PKEY *rsa;
static NCRYPT_KEY_HANDLE hpriv, hpub;
static BYTE cr[32], sr[32];

/* A test RSA key with a self-signed certificate, opened through the SslProv extension; its
 * public half imported as a BCRYPT_RSAPUBLIC_BLOB (api.md §3.11). */
static void make_keys(void)
{
    X509 *x;
    unsigned char *cert, *key = NULL;
    size_t cert_len;
    int key_len;
    PCCERT_CONTEXT ctx = NULL;
    BIGNUM *n = NULL, *e = NULL;
    BYTE blob[24 + 3 + 256] = {0};
    DWORD nl, el;

    rsa = cert_keygen("RSA");
    x = cert_self_signed(rsa, "kx12");
    cert = cert_der(x, &cert_len);
    key_len = i2d_PrivateKey(rsa, &key);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(cert, (DWORD)cert_len, key, (DWORD)key_len, 0), SEC_E_OK);
    CHECK_ST(SslProvCreateCertificateContext(cert, (DWORD)cert_len, &ctx), SEC_E_OK);
    CHECK_ST(SslOpenPrivateKey(prov, &hpriv, ctx, 0), SEC_E_OK);
    SslProvFreeCertificateContext(ctx);
    OPENSSL_free(cert);
    OPENSSL_clear_free(key, (size_t)key_len);
    X509_free(x);

    EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e);
    nl = (DWORD)BN_num_bytes(n), el = (DWORD)BN_num_bytes(e);
    memcpy(blob, "RSA1", 4);
    blob[4] = 0x00, blob[5] = 0x08; /* 2048 bits */
    memcpy(blob + 8, &el, 4);
    memcpy(blob + 12, &nl, 4);
    BN_bn2bin(e, blob + 24);
    BN_bn2bin(n, blob + 24 + el);
    CHECK_ST(SslImportKey(prov, &hpub, BCRYPT_RSAPUBLIC_BLOB, blob, 24 + el + nl, 0), SEC_E_OK);
    BN_free(n), BN_free(e);
}

static size_t rsa_encrypt(const BYTE *pms, size_t len, BYTE *out)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);
    size_t out_len = 256;

    EVP_PKEY_encrypt_init(c);
    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
    EVP_PKEY_encrypt(c, out, &out_len, pms, len);
    EVP_PKEY_CTX_free(c);
    return out_len;
}

/* The server side of RSA key exchange with the given parameters; the master secret out. */
static SECURITY_STATUS import_ms(DWORD proto, DWORD suite, const BYTE *ct, DWORD ct_len, DWORD version,
                                 const BYTE *c_r, const BYTE *s_r, const BYTE *sh, DWORD sh_len, BYTE ms[48])
{
    NCryptBuffer b[4];
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 0, b};
    NCRYPT_KEY_HANDLE mk = 0;
    SECURITY_STATUS st;

    b[d.cBuffers++] = (NCryptBuffer){4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version};
    if (c_r)
        b[d.cBuffers++] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)c_r};
    if (s_r)
        b[d.cBuffers++] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)s_r};
    if (sh)
        b[d.cBuffers++] = (NCryptBuffer){sh_len, NCRYPTBUFFER_SSL_SESSION_HASH, (PVOID)sh};
    st = SslImportMasterKey(prov, hpriv, &mk, proto, suite, &d, (PBYTE)ct, ct_len, NCRYPT_SSL_SERVER_FLAG);
    if (st == SEC_E_OK && !master_blob_export(prov, mk, ms))
        st = NTE_INTERNAL_ERROR;
    SslFreeObject(mk, 0);
    return st;
}

static BYTE *hexv(const struct json *j, const char *k, size_t want)
{
    size_t n = 0;
    BYTE *b = json_hex(j, k, &n);
    if (b && want && n != want) {
        free(b);
        return NULL;
    }
    return b;
}

static unsigned kat_cavp(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/nist_cavp_tls_kdf.json");
    const struct json *secs = json_get(root, "sections");
    unsigned n = 0;

    for (size_t i = 0; json_at(secs, i); i++) {
        const struct json *sec = json_at(secs, i), *tests = json_get(sec, "tests");
        int tls12 = strcmp(json_str(sec, "version"), "TLS 1.2") == 0;
        for (size_t t = 0; json_at(tests, t); t++) {
            const struct json *v = json_at(tests, t);
            BYTE *pms = hexv(v, "pre_master_secret", 48), *ms = hexv(v, "master_secret", 48);
            BYTE *c_r = hexv(v, "clientHello_random", 32), *s_r = hexv(v, "serverHello_random", 32);
            BYTE ct[256], got[48];
            size_t ct_len;

            CHECK(pms && ms && c_r && s_r);
            if (pms && ms && c_r && s_r) {
                ct_len = rsa_encrypt(pms, 48, ct);
                CHECK_ST(import_ms(tls12 ? TLS1_2_PROTOCOL_VERSION : TLS1_0_PROTOCOL_VERSION,
                                   tls12 ? TLS_RSA_WITH_AES_128_GCM_SHA256 : TLS_RSA_WITH_AES_128_CBC_SHA, ct,
                                   (DWORD)ct_len, (DWORD)(pms[0] << 8 | pms[1]), c_r, s_r, NULL, 0, got), SEC_E_OK);
                CHECK_MEM(got, ms, 48);
                n++;
            }
            free(pms), free(ms), free(c_r), free(s_r);
        }
    }
    json_free(root);
    return n;
}

static unsigned kat_ems(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/acvp_tls12_ems_kdf.json");
    const struct json *groups = json_get(root, "testGroups");
    unsigned n = 0;

    for (size_t g = 0; json_at(groups, g); g++) {
        const struct json *grp = json_at(groups, g), *tests = json_get(grp, "tests");
        const char *alg = json_str(grp, "hashAlg");
        DWORD suite = strcmp(alg, "SHA2-256") == 0 ? TLS_RSA_WITH_AES_128_GCM_SHA256
                    : strcmp(alg, "SHA2-384") == 0 ? TLS_RSA_WITH_AES_256_GCM_SHA384 : 0;
        for (size_t t = 0; suite && json_at(tests, t); t++) {
            const struct json *v = json_at(tests, t);
            size_t sh_len = 0;
            BYTE *pms = hexv(v, "preMasterSecret", 48), *ms = hexv(v, "masterSecret", 48);
            BYTE *sh = json_hex(v, "sessionHash", &sh_len), ct[256], got[48];

            CHECK(pms && ms && sh);
            if (pms && ms && sh) {
                size_t ct_len = rsa_encrypt(pms, 48, ct);
                /* EMS: only buffers 22 and 25, no randoms, as Schannel sends them */
                CHECK_ST(import_ms(TLS1_2_PROTOCOL_VERSION, suite, ct, (DWORD)ct_len, (DWORD)(pms[0] << 8 | pms[1]),
                                   NULL, NULL, sh, (DWORD)sh_len, got), SEC_E_OK);
                CHECK_MEM(got, ms, 48);
                n++;
            }
            free(pms), free(ms), free(sh);
        }
    }
    json_free(root);
    return n;
}

/* Go's TLS 1.0 vectors whose pre-master has the RSA shape (48 bytes); the others (a DHE
 * secret, SSL 3.0's 64-byte secret) have no path into the Windows API but the master-key
 * blob, which test_tls12_kat covers. */
static unsigned kat_go(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/tls10_key_derivation_go.json");
    const struct json *vs = json_get(root, "vectors");
    unsigned n = 0;

    for (size_t i = 0; json_at(vs, i); i++) {
        const struct json *v = json_at(vs, i);
        size_t pl = 0;
        BYTE *pms = json_hex(v, "pre_master_secret", &pl), *ms = hexv(v, "master_secret", 48);
        BYTE *c_r = hexv(v, "client_random", 32), *s_r = hexv(v, "server_random", 32), ct[256], got[48];

        CHECK(pms && ms && c_r && s_r);
        if (pms && ms && c_r && s_r && pl == 48) {
            size_t ct_len = rsa_encrypt(pms, 48, ct);
            CHECK_ST(import_ms(TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_RC4_128_SHA, ct, (DWORD)ct_len,
                               (DWORD)(pms[0] << 8 | pms[1]), c_r, s_r, NULL, 0, got), SEC_E_OK);
            CHECK_MEM(got, ms, 48);
            n++;
        }
        free(pms), free(ms), free(c_r), free(s_r);
    }
    json_free(root);
    return n;
}

/* TLS 1.2 PRF with libcrypto's KDF, for checking what the client side produced. */
static void prf_sha256(const BYTE *secret, size_t sl, const char *label, BYTE out[48])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    BYTE seed[64];
    OSSL_PARAM p[5];

    memcpy(seed, cr, 32), memcpy(seed + 32, sr, 32);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, sl);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, 64);
    p[4] = OSSL_PARAM_construct_end();
    EVP_KDF_derive(k, out, 48, p);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

static void decrypt_pms(const BYTE *ct, size_t ct_len, BYTE pms[48])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);
    BYTE buf[256];
    size_t n = sizeof(buf);

    EVP_PKEY_decrypt_init(c);
    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
    CHECK(EVP_PKEY_decrypt(c, buf, &n, ct, ct_len) > 0 && n == 48);
    memcpy(pms, buf, 48);
    OPENSSL_cleanse(buf, sizeof(buf));
    EVP_PKEY_CTX_free(c);
}

static void test_rsa_client(void)
{
    DWORD version = TLS1_2_PROTOCOL_VERSION, cb = 0;
    NCryptBuffer b[3] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr},
                         {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 3, b}, d2 = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE mk = 5, pm = 5;
    BYTE ct[256], pms[48], want[48], got[48];
    const DWORD S = TLS_RSA_WITH_AES_128_GCM_SHA256, P = TLS1_2_PROTOCOL_VERSION;

    NCryptBufferDesc d22 = {NCRYPTBUFFER_VERSION, 1, b + 2}; /* HIGHEST_VERSION alone */
    size_t live = handle_live_count();

    /* one step: a size query (SEC_E_OK, nothing created: conventions.md §1 output sizes 1),
     * too small, then the real call */
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK(cb == 256 && mk == 0 && handle_live_count() == live);
    cb = 0;
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, ct, 255, &cb, NCRYPT_SSL_CLIENT_FLAG), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == 256 && mk == 0 && handle_live_count() == live);
    /* pcbResult stays required here, for the size query and for the real call */
    mk = 5;
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, ct, sizeof(ct), NULL, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK(mk == 0 && handle_live_count() == live);
    /* CLIENT|SERVER is a client (conventions.md §1) */
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, ct, sizeof(ct), &cb, 3), SEC_E_OK);
    CHECK(cb == 256);
    decrypt_pms(ct, cb, pms);
    CHECK(pms[0] == 3 && pms[1] == 3);
    prf_sha256(pms, 48, "master secret", want);
    CHECK(master_blob_export(prov, mk, got) && memcmp(got, want, 48) == 0);
    /* the server side agrees */
    CHECK_ST(import_ms(P, S, ct, cb, version, cr, sr, NULL, 0, got), SEC_E_OK);
    CHECK_MEM(got, want, 48);
    SslFreeObject(mk, 0);
    /* buffer 22 is required on the client */
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d2, ct, sizeof(ct), &cb, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d2, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    /* the RSA server side of SslGenerateMasterKey does not exist (behavior.md §1.2) */
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, ct, sizeof(ct), &cb, NCRYPT_SSL_SERVER_FLAG), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d, ct, sizeof(ct), &cb, 4 | NCRYPT_SSL_CLIENT_FLAG), NTE_BAD_FLAGS);

    /* two steps: pre-master, then master key; the session hash comes in between. The
     * pre-master reads buffer 22 only (conventions.md §12). */
    cb = 7;
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d22, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK(cb == 256 && pm == 0 && handle_live_count() == live);
    cb = 7;
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d22, ct, 255, &cb, NCRYPT_SSL_CLIENT_FLAG), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == 256 && pm == 0 && handle_live_count() == live);
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d22, NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d2, ct, sizeof(ct), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d2, NULL, 0, &cb, 0), NTE_INVALID_PARAMETER);
    CHECK(pm == 0 && handle_live_count() == live);
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &pm, P, S, &d22, ct, sizeof(ct), &cb, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK(cb == 256 && pm != 0);
    /* the master key from a pre-master needs the randoms or the session hash */
    CHECK_ST(SslGenerateMasterKey(prov, pm, hpub, &mk, P, S, &d22, NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    /* pbOutput, cbOutput and pcbResult are never read on this path; pcbResult, given, says 0 */
    cb = 99;
    CHECK_ST(SslGenerateMasterKey(prov, pm, hpub, &mk, P, S, &d, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK(cb == 0);
    {
        NCRYPT_KEY_HANDLE mk2 = 5;
        BYTE got2[48];

        CHECK_ST(SslGenerateMasterKey(prov, pm, hpub, &mk2, P, S, &d, NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
        CHECK(master_blob_export(prov, mk, got) && master_blob_export(prov, mk2, got2));
        CHECK_MEM(got, got2, 48);
        SslFreeObject(mk2, 0);
    }
    decrypt_pms(ct, 256, pms);
    prf_sha256(pms, 48, "master secret", want);
    CHECK(master_blob_export(prov, mk, got) && memcmp(got, want, 48) == 0);
    SslFreeObject(mk, 0);
    /* a pre-master made for another suite disagrees with the call */
    CHECK_ST(SslGenerateMasterKey(prov, pm, hpub, &mk, P, TLS_RSA_WITH_AES_256_GCM_SHA384, &d, NULL, 0, &cb,
                                  NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    /* not an RSA suite */
    CHECK_ST(SslGeneratePreMasterKey(prov, hpub, &mk, P, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, &d, ct, sizeof(ct), &cb, 0),
             NTE_NOT_SUPPORTED);
    SslFreeObject(pm, 0);
    OPENSSL_cleanse(pms, sizeof(pms));
}

/* RFC 5246 §7.4.7.1: bad padding or a wrong version is not an error; the master secret is
 * then derived from a random pre-master — unrelated to anything an attacker chose, and
 * different on every call. */
static void test_implicit_rejection(void)
{
    const DWORD P = TLS1_2_PROTOCOL_VERSION, S = TLS_RSA_WITH_AES_128_GCM_SHA256;
    BYTE pms[48], ct[256], raw[256], ms_ok[48], ms_bad[48], ms_bad2[48], ms_ver[48], ms_ver2[48], want[48];
    size_t ct_len;

    memset(pms, 0x42, sizeof(pms));
    pms[0] = 3, pms[1] = 3;
    prf_sha256(pms, 48, "master secret", want);
    ct_len = rsa_encrypt(pms, 48, ct);
    CHECK_ST(import_ms(P, S, ct, (DWORD)ct_len, P, cr, sr, NULL, 0, ms_ok), SEC_E_OK);
    CHECK_MEM(ms_ok, want, 48);

    /* bad padding: a raw RSA "encryption" of bytes without PKCS#1 structure */
    {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);
        size_t n = sizeof(ct);
        memset(raw, 0x11, sizeof(raw));
        raw[0] = 0;
        EVP_PKEY_encrypt_init(c);
        EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING);
        CHECK(EVP_PKEY_encrypt(c, ct, &n, raw, sizeof(raw)) > 0);
        EVP_PKEY_CTX_free(c);
    }
    CHECK_ST(import_ms(P, S, ct, 256, P, cr, sr, NULL, 0, ms_bad), SEC_E_OK);
    CHECK_ST(import_ms(P, S, ct, 256, P, cr, sr, NULL, 0, ms_bad2), SEC_E_OK);
    CHECK(memcmp(ms_bad, ms_bad2, 48) != 0 && memcmp(ms_bad, want, 48) != 0);

    /* good padding, wrong client version (a rollback) */
    ct_len = rsa_encrypt(pms, 48, ct);
    CHECK_ST(import_ms(P, S, ct, (DWORD)ct_len, TLS1_1_PROTOCOL_VERSION, cr, sr, NULL, 0, ms_ver), SEC_E_OK);
    CHECK_ST(import_ms(P, S, ct, (DWORD)ct_len, TLS1_1_PROTOCOL_VERSION, cr, sr, NULL, 0, ms_ver2), SEC_E_OK);
    CHECK(memcmp(ms_ver, want, 48) != 0 && memcmp(ms_ver, ms_ver2, 48) != 0);

    /* a 47-byte pre-master: wrong length, same treatment */
    ct_len = rsa_encrypt(pms, 47, ct);
    CHECK_ST(import_ms(P, S, ct, (DWORD)ct_len, P, cr, sr, NULL, 0, ms_bad), SEC_E_OK);
    CHECK(memcmp(ms_bad, want, 48) != 0);

    /* a ciphertext of the wrong length is a format error, not an oracle (api.md E3) */
    CHECK_ST(import_ms(P, S, ct, 255, P, cr, sr, NULL, 0, ms_bad), NTE_BAD_LEN);
    CHECK_ST(import_ms(P, S, ct, 257, P, cr, sr, NULL, 0, ms_bad), NTE_BAD_LEN);
}

/* NCryptBufferDesc rules (conventions.md §2) and the other argument checks of E2–E4. */
static void test_negative(void)
{
    const DWORD P = TLS1_2_PROTOCOL_VERSION, S = TLS_RSA_WITH_AES_128_GCM_SHA256;
    DWORD version = P, cb;
    BYTE ct[256], sh[32] = {0}, big[33] = {0};
    size_t ct_len;
    BYTE pms[48] = {3, 3};
    NCRYPT_KEY_HANDLE mk = 9, rd = 9, wr = 9;
    NCryptBuffer b[4] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr},
                         {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}, {0, 1000, NULL}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 4, b};

    ct_len = rsa_encrypt(pms, 48, ct);
#define IMPORT(desc, flags) SslImportMasterKey(prov, hpriv, &mk, P, S, desc, ct, (DWORD)ct_len, flags)
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK); /* unknown empty buffer type ignored */
    SslFreeObject(mk, 0);
    CHECK_ST(IMPORT(NULL, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_CLIENT_FLAG), NTE_BAD_FLAGS);
    CHECK_ST(IMPORT(&d, 0), NTE_BAD_FLAGS);
    CHECK_ST(IMPORT(&d, 3), NTE_BAD_FLAGS);
    d.ulVersion = 1;
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    d.ulVersion = 0;
    d.pBuffers = NULL;
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    d.pBuffers = b;
    b[3] = (NCryptBuffer){5, 1000, NULL};
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    b[3] = (NCryptBuffer){31, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}; /* last duplicate wins: 31 bytes */
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    b[3] = (NCryptBuffer){3, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version};
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    b[3] = (NCryptBuffer){31, NCRYPTBUFFER_SSL_SESSION_HASH, sh}; /* EMS hash of the wrong length */
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    b[3] = (NCryptBuffer){33, NCRYPTBUFFER_SSL_SESSION_HASH, big};
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    d.cBuffers = 1; /* client random only, no session hash */
    CHECK_ST(IMPORT(&d, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    d.cBuffers = 4;
    b[3] = (NCryptBuffer){0, 1000, NULL};
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, S, &d, NULL, 256, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslImportMasterKey(prov, hpriv, NULL, P, S, &d, ct, 256, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, &d, ct, 256,
                                NCRYPT_SSL_SERVER_FLAG), NTE_NOT_SUPPORTED);
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, &d, ct, 256,
                                NCRYPT_SSL_SERVER_FLAG), NTE_NOT_SUPPORTED);
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, TLS1_0_PROTOCOL_VERSION, TLS_RSA_EXPORT_WITH_RC4_40_MD5, &d, ct, 256,
                                NCRYPT_SSL_SERVER_FLAG), NTE_NOT_SUPPORTED);
    CHECK_ST(SslImportMasterKey(prov, hpub, &mk, P, S, &d, ct, 256, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_HANDLE);
    /* review findings: public-data errors, reported before any private-key operation */
    {
        BYTE big[256];
        DWORD zero = 0;
        NCryptBuffer bz[3] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr},
                              {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &zero}};
        NCryptBufferDesc dz = {NCRYPTBUFFER_VERSION, 3, bz}, d22 = {NCRYPTBUFFER_VERSION, 1, bz + 2};
        memset(big, 0xFF, sizeof(big)); /* not below the modulus */
        b[3] = (NCryptBuffer){0, 1000, NULL};
        CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, S, &d, big, 256, NCRYPT_SSL_SERVER_FLAG), NTE_BAD_DATA);
        CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, S, &dz, ct, (DWORD)ct_len, NCRYPT_SSL_SERVER_FLAG),
                 NTE_INVALID_PARAMETER); /* client version 0 */
        zero = P;
        /* no randoms and no session hash: refused before the length check */
        CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, S, &d22, ct, 100, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
        /* one-step RSA client: a size query with an unusable parameter list is refused too */
        CHECK_ST(SslGenerateMasterKey(prov, 0, hpub, &mk, P, S, &d22, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG),
                 NTE_INVALID_PARAMETER);
        CHECK(mk == 0);
    }
    /* SSL 3.0 has no extended master secret */
    b[3] = (NCryptBuffer){36, NCRYPTBUFFER_SSL_SESSION_HASH, big};
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, &d, ct,
                                (DWORD)ct_len, NCRYPT_SSL_SERVER_FLAG), NTE_NOT_SUPPORTED);
#undef IMPORT

    /* SslGenerateSessionKeys: randoms required and exactly 32 bytes; no empty entry; flags 0 */
    d.cBuffers = 2;
    CHECK_ST(SslImportMasterKey(prov, hpriv, &mk, P, S, &d, ct, (DWORD)ct_len, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 1), NTE_BAD_FLAGS);
    CHECK(rd == 0 && wr == 0);
    CHECK_ST(SslGenerateSessionKeys(prov, mk, NULL, &wr, &d, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, NULL, 0), NTE_INVALID_PARAMETER);
    d.cBuffers = 1;
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), NTE_INVALID_PARAMETER);
    d.cBuffers = 4;
    b[3] = (NCryptBuffer){0, 1000, NULL}; /* Windows refuses any empty entry here (behavior.md §3) */
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), NTE_INVALID_PARAMETER);
    b[3] = (NCryptBuffer){33, NCRYPTBUFFER_SSL_SERVER_RANDOM, big};
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGenerateSessionKeys(prov, hpriv, &rd, &wr, &d, 0), NTE_INVALID_HANDLE);
    d.cBuffers = 3; /* version buffer too: ignored */
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
    CHECK(rd != 0 && wr != 0 && rd != wr);
    SslFreeObject(rd, 0), SslFreeObject(wr, 0), SslFreeObject(mk, 0);
    cb = 0;
    (void)cb;
}

int main(void)
{
    unsigned cavp, ems, go;

    for (int i = 0; i < 32; i++)
        cr[i] = (BYTE)i, sr[i] = (BYTE)(0xF0 - i);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    make_keys();
    cavp = kat_cavp();
    ems = kat_ems();
    go = kat_go();
    printf("master secrets through RSA key exchange: %u CAVP, %u ACVP EMS, %u Go TLS 1.0\n", cavp, ems, go);
    CHECK(cavp == 200 && ems >= 13 && go == 2);
    test_rsa_client();
    test_implicit_rejection();
    test_negative();
    SslFreeObject(hpriv, 0);
    SslFreeObject(hpub, 0);
    EVP_PKEY_free(rsa);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
