/* Ephemeral keys and key blobs (api.md C2–C5, §3.11, §4.12; conventions.md §1, §3, §6, §7):
 * SslCreateEphemeralKey for every group and every FFDHE path; every allowed export blob and
 * its import back (round trip); RFC 7748 §6.1/§6.2 shares imported and exported byte for
 * byte; shares checked with libcrypto; RFC 7919 primes; RSA public blobs of an OpenSSL key;
 * PSK blobs. Each validation rule has its negative twin. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include "buffer.h"
#include "bytes.h"
#include "check.h"
#include "keyprop.h"
#include "handles.h"
#include "sslprovider.h"
#include "wide.h"

#define T12 TLS1_2_PROTOCOL_VERSION
#define T13 TLS1_3_PROTOCOL_VERSION
#define ECDHE12 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#define DHE12 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
#define S13 TLS_AES_128_GCM_SHA256

static NCRYPT_PROV_HANDLE prov;

/* RFC 7919 Appendix A.1, ffdhe2048 */
static const char ffdhe2048_hex[] =
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF";

/* RFC 7748 §6.1 (X25519) and §6.2 (X448): Alice's and Bob's public keys */
static const char x25519_alice[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char x25519_bob[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char x448_alice[] =
    "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb"
    "c836647241d953d40c5b12da88120d53177f80e532c41fa0";

/* ---- helpers ---- */

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;

    for (size_t i = 0; i < n; i++)
        sscanf(h + 2 * i, "%2hhx", &out[i]);
    return n;
}

static SECURITY_STATUS export_blob(NCRYPT_KEY_HANDLE h, const WCHAR *type, uint8_t *out,
                                   size_t cap, size_t *len)
{
    DWORD cb = 0;
    SECURITY_STATUS st = SslExportKey(prov, h, type, out, (DWORD)cap, &cb, 0);

    *len = cb;
    return st;
}

static SECURITY_STATUS import_blob(const WCHAR *type, const uint8_t *b, size_t n,
                                   NCRYPT_KEY_HANDLE *h)
{
    *h = 0xdead;
    return SslImportKey(prov, h, type, (PBYTE)b, (DWORD)n, 0);
}

/* Import gives want; a failure leaves the output handle 0. */
static void import_expect(const WCHAR *type, const uint8_t *b, size_t n, SECURITY_STATUS want,
                         const char *what)
{
    NCRYPT_KEY_HANDLE h;
    SECURITY_STATUS st = import_blob(type, b, n, &h);

    if (st != want)
        fprintf(stderr, "  import (%s): 0x%08x, want 0x%08x\n", what, (unsigned)st, (unsigned)want);
    CHECK_ST(st, want);
    CHECK((h == 0) == (st != SEC_E_OK));
    if (st == SEC_E_OK)
        SslFreeObject(h, 0);
}

/* Export in type, import back, export again: the same bytes. */
static void round_trip(NCRYPT_KEY_HANDLE h, const WCHAR *type, DWORD keytype)
{
    uint8_t a[3200], b[3200];
    size_t na = 0, nb = 0;
    NCRYPT_KEY_HANDLE back;

    CHECK_ST(export_blob(h, type, a, sizeof(a), &na), SEC_E_OK);
    CHECK_ST(import_blob(type, a, na, &back), SEC_E_OK);
    CHECK(prop_dword(back, SSL_KEY_TYPE_PROPERTY, keytype));
    CHECK_ST(export_blob(back, type, b, sizeof(b), &nb), SEC_E_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    CHECK_ST(SslFreeObject(back, 0), SEC_E_OK);
}

/* ---- libcrypto's view of our shares ---- */

static const char *ossl_group(DWORD id)
{
    switch (id) {
    case 23: return "P-256";
    case 24: return "P-384";
    case 25: return "P-521";
    case 29: return "X25519";
    case 30: return "X448";
    case 256: return "ffdhe2048";
    case 257: return "ffdhe3072";
    case 258: return "ffdhe4096";
    case 259: return "ffdhe6144";
    case 260: return "ffdhe8192";
    }
    return NULL;
}

/* A TLS key_share value parses as a valid public key of the group. */
static bool share_parses(DWORD id, const uint8_t *pub, size_t len)
{
    EVP_PKEY_CTX *ctx;
    EVP_PKEY *pk = NULL;
    bool ok = false;

    if (id == 29 || id == 30) {
        pk = EVP_PKEY_new_raw_public_key(id == 29 ? EVP_PKEY_X25519 : EVP_PKEY_X448, NULL, pub, len);
        ok = pk != NULL;
    } else {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string("group", (char *)ossl_group(id), 0),
            OSSL_PARAM_construct_octet_string("pub", (void *)pub, len),
            OSSL_PARAM_END,
        };
        EVP_PKEY_CTX *chk = NULL;

        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) > 0 &&
            (chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) != NULL)
            ok = EVP_PKEY_public_check(chk) == 1;
        EVP_PKEY_CTX_free(chk);
        EVP_PKEY_CTX_free(ctx);
    }
    EVP_PKEY_free(pk);
    return ok;
}

/* OpenSSL's copy of an RFC 7919 prime, padded to its length. */
static size_t ffdhe_p(DWORD id, uint8_t *out)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("group", (char *)ossl_group(id), 0),
        OSSL_PARAM_END,
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *pk = NULL;
    BIGNUM *p = NULL;
    size_t n = 0;

    if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEY_PARAMETERS, params) > 0 &&
        EVP_PKEY_get_bn_param(pk, "p", &p) == 1) {
        n = (size_t)BN_num_bytes(p);
        BN_bn2bin(p, out);
    }
    BN_free(p);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    return n;
}

/* ---- named groups: ECDHE suites and TLS 1.3 ---- */

struct grp {
    DWORD id;
    size_t wire;       /* key_share length */
    size_t cb;         /* ECCPUBLIC coordinate bytes, 0: no ECCPUBLIC blob */
    uint32_t eck;      /* 'ECKn' */
    const char *alg;   /* Algorithm Name */
    DWORD bits;
    const char *curve;
};

static const struct grp grps[] = {
    {23, 65, 32, 0x314B4345, "ECDH_P256", 256, "nistP256"},
    {24, 97, 48, 0x334B4345, "ECDH_P384", 384, "nistP384"},
    {25, 133, 66, 0x354B4345, "ECDH_P521", 521, "nistP521"},
    {29, 32, 0, 0, "ECDH", 255, "curve25519"},
    {30, 56, 0, 0, "ECDH", 448, "curve448"},
};

static void test_named_group(const struct grp *g, DWORD proto, DWORD suite)
{
    NCRYPT_KEY_HANDLE h = 0xdead;
    uint8_t out[300];
    size_t n = 0;

    CHECK_ST(SslCreateEphemeralKey(prov, &h, proto, suite, g->id, 0, NULL, 0, 0), SEC_E_OK);
    CHECK(h != 0 && h != 0xdead);
    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, g->id));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_GROUP_PROPERTY, "ECDH"));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_PROPERTY, g->alg));
    CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, g->bits));
    CHECK(prop_string(h, NCRYPT_ECC_CURVE_NAME_PROPERTY, g->curve));
    CHECK(prop_dword(h, NCRYPT_EXPORT_POLICY_PROPERTY, 0));
    CHECK_ST(prop_status(h, NCRYPT_KEY_USAGE_PROPERTY), NTE_NOT_SUPPORTED);

    /* SSL_ECCPUBLIC_BLOB: {dwCurveType, cbKey} + the TLS encoding */
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, NULL, 0, (DWORD *)&n, 0), SEC_E_OK);
    CHECK(n == 8 + g->wire);
    CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &n), SEC_E_OK);
    CHECK(n == 8 + g->wire && get32(out) == g->id && get32(out + 4) == g->wire);
    CHECK(g->cb == 0 || out[8] == 0x04);
    CHECK(share_parses(g->id, out + 8, g->wire));
    round_trip(h, SSL_ECCPUBLIC_BLOB, g->id);

    if (g->cb != 0) {
        uint8_t ssl[300];

        /* BCRYPT_ECCPUBLIC_BLOB with the ECDH magic: the same X and Y */
        memcpy(ssl, out, n);
        CHECK_ST(export_blob(h, BCRYPT_ECCPUBLIC_BLOB, out, sizeof(out), &n), SEC_E_OK);
        CHECK(n == 8 + 2 * g->cb && get32(out) == g->eck && get32(out + 4) == g->cb);
        CHECK(memcmp(out + 8, ssl + 9, 2 * g->cb) == 0);
        round_trip(h, BCRYPT_ECCPUBLIC_BLOB, g->id);
        round_trip(h, BCRYPT_PUBLIC_KEY_BLOB, g->id);
    } else {
        CHECK_ST(export_blob(h, BCRYPT_ECCPUBLIC_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
        CHECK_ST(export_blob(h, BCRYPT_PUBLIC_KEY_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    }
    CHECK_ST(export_blob(h, BCRYPT_DH_PUBLIC_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_RSAPUBLIC_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
}

static void test_groups(void)
{
    static const DWORD ecdhe[][2] = {
        {T12, ECDHE12},
        {TLS1_0_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
        {DTLS1_2_PROTOCOL_VERSION, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
        {T13, S13},
    };
    NCRYPT_KEY_HANDLE h;

    fprintf(stderr, "named groups\n");
    for (size_t i = 0; i < sizeof(grps) / sizeof(grps[0]); i++)
        for (size_t j = 0; j < sizeof(ecdhe) / sizeof(ecdhe[0]); j++)
            test_named_group(&grps[i], ecdhe[j][0], ecdhe[j][1]);
    /* dwKeyType 0: the NIST curve of dwKeyBitLen (api.md C2) */
    for (DWORD k = 0; k < 3; k++) {
        static const DWORD bits[] = {256, 384, 521};

        CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 0, bits[k], NULL, 0, 0), SEC_E_OK);
        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 23 + k));
        SslFreeObject(h, 0);
        CHECK_ST(SslCreateEphemeralKey(prov, &h, T13, S13, 0, bits[k], NULL, 0, 0), SEC_E_OK);
        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 23 + k));
        SslFreeObject(h, 0);
    }
    /* with a named group, dwKeyBitLen is not consulted; dwFlags 0 or SERVER only, any other
     * bit (CLIENT included) NTE_INVALID_PARAMETER as Windows (conventions.md §1) */
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 29, 1234, NULL, 0, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 29));
    SslFreeObject(h, 0);
    {
        static const DWORD bad[] = {NCRYPT_SSL_CLIENT_FLAG, NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG, 4,
                                    0x80000000u, 0xFFFFFFFFu};
        size_t live = handle_live_count();

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            h = 7;
            CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 29, 0, NULL, 0, bad[i]), NTE_INVALID_PARAMETER);
            CHECK(h == 0 && handle_live_count() == live);
        }
        /* flags come before the protocol and suite (conventions.md §1 validation order) */
        CHECK_ST(SslCreateEphemeralKey(prov, &h, 0x9999, 0x9999, 29, 0, NULL, 0, 1), NTE_INVALID_PARAMETER);
        CHECK_ST(SslCreateEphemeralKey(prov, NULL, T12, ECDHE12, 29, 0, NULL, 0, 1), NTE_INVALID_PARAMETER);
        CHECK_ST(SslCreateEphemeralKey(0, &h, T12, ECDHE12, 29, 0, NULL, 0, 1), NTE_INVALID_HANDLE);
    }
}

/* ---- FFDHE and DHE ---- */

static size_t dh_blob(uint8_t *out, const BIGNUM *p, const BIGNUM *g, const BIGNUM *y, size_t cb)
{
    put32(out, 0x42504844); /* 'DHPB' */
    put32(out + 4, (uint32_t)cb);
    BN_bn2binpad(p, out + 8, (int)cb);
    BN_bn2binpad(g, out + 8 + cb, (int)cb);
    BN_bn2binpad(y, out + 8 + 2 * cb, (int)cb);
    return 8 + 3 * cb;
}

static size_t dh_params(uint8_t *out, const BIGNUM *p, const BIGNUM *g, size_t cb)
{
    put32(out, (uint32_t)(12 + 2 * cb));
    put32(out + 4, 0x4D504844); /* 'DHPM' */
    put32(out + 8, (uint32_t)cb);
    BN_bn2binpad(p, out + 12, (int)cb);
    BN_bn2binpad(g, out + 12 + cb, (int)cb);
    return 12 + 2 * cb;
}

/* An ephemeral DH key: its DH_PUBLIC blob is RFC 7919's p (OpenSSL's copy), g = 2 and a y in
 * range, each padded to |p|; it imports back on the same group. */
static void check_ffdhe_key(NCRYPT_KEY_HANDLE h, DWORD id)
{
    static uint8_t out[8 + 3 * 1024], p[1024];
    size_t n = 0, cb = ffdhe_p(id, p);
    BIGNUM *y, *pm1;

    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, id));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_GROUP_PROPERTY, "DH"));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_PROPERTY, "DH"));
    CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, cb * 8));
    CHECK_ST(prop_status(h, NCRYPT_ECC_CURVE_NAME_PROPERTY), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_DH_PUBLIC_BLOB, out, sizeof(out), &n), SEC_E_OK);
    CHECK(cb > 0 && n == 8 + 3 * cb && get32(out) == 0x42504844 && get32(out + 4) == cb);
    CHECK(memcmp(out + 8, p, cb) == 0);
    CHECK(out[8 + 2 * cb - 1] == 2);
    /* 1 < y < p - 1 */
    y = BN_bin2bn(out + 8 + 2 * cb, (int)cb, NULL);
    pm1 = BN_bin2bn(p, (int)cb, NULL);
    BN_sub_word(pm1, 1);
    CHECK(y != NULL && BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0);
    BN_free(y);
    BN_free(pm1);
    round_trip(h, BCRYPT_DH_PUBLIC_BLOB, id);
    CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_ECCPUBLIC_BLOB, out, sizeof(out), &n), NTE_NOT_SUPPORTED);
}

static void test_ffdhe(void)
{
    static uint8_t p[1024], params[12 + 2 * 1024];
    NCRYPT_KEY_HANDLE h;
    BIGNUM *bp, *g;
    size_t n;

    fprintf(stderr, "ffdhe\n");
    /* RFC 7919's ffdhe2048, as printed in the RFC, is OpenSSL's */
    n = ffdhe_p(256, p);
    {
        uint8_t rfc[256];

        CHECK(unhex(ffdhe2048_hex, rfc) == 256 && n == 256 && memcmp(rfc, p, 256) == 0);
    }
    /* TLS 1.3 and DHE suites, key types 256..260 (conventions.md §6) */
    for (DWORD id = 256; id <= 260; id++) {
        CHECK_ST(SslCreateEphemeralKey(prov, &h, T13, S13, id, 0, NULL, 0, 0), SEC_E_OK);
        check_ffdhe_key(h, id);
        SslFreeObject(h, 0);
        CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, id, 0, NULL, 0, 0), SEC_E_OK);
        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, id));
        SslFreeObject(h, 0);
    }
    /* DHE without parameters: dwKeyBitLen picks the group, 0 means 2048 (api.md C2) */
    {
        static const DWORD bits[][2] = {{2048, 256}, {3072, 257}, {4096, 258}, {0, 256}};

        for (size_t i = 0; i < 4; i++) {
            CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 0, bits[i][0], NULL, 0, 0), SEC_E_OK);
            CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, bits[i][1]));
            SslFreeObject(h, 0);
        }
        CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 0, 1024, NULL, 0, 0), NTE_NOT_SUPPORTED);
        CHECK(h == 0);
        CHECK_ST(SslCreateEphemeralKey(prov, &h, DTLS1_2_PROTOCOL_VERSION, DHE12, 0, 3072, NULL, 0, 0),
                 SEC_E_OK);
        SslFreeObject(h, 0);
    }
    /* DHE with the server's p and g: RFC 7919's are recognised (key type 256); g = 5 on the
     * same p makes a group of our own (key type 0) */
    bp = BN_bin2bn(p, 256, NULL);
    g = BN_new();
    BN_set_word(g, 2);
    n = dh_params(params, bp, g, 256);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 0, 2048, params, (DWORD)n, 0), SEC_E_OK);
    check_ffdhe_key(h, 256);
    SslFreeObject(h, 0);
    BN_set_word(g, 5);
    n = dh_params(params, bp, g, 256);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, TLS_DHE_DSS_WITH_AES_128_CBC_SHA, 0, 2048, params,
                                   (DWORD)n, 0), SEC_E_OK);
    {
        static uint8_t out[8 + 3 * 256];
        size_t m = 0;

        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 0));
        CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, 2048));
        CHECK_ST(export_blob(h, BCRYPT_DH_PUBLIC_BLOB, out, sizeof(out), &m), SEC_E_OK);
        CHECK(m == 8 + 3 * 256 && memcmp(out + 8, p, 256) == 0 && out[8 + 511] == 5);
        round_trip(h, BCRYPT_DH_PUBLIC_BLOB, 0);
    }
    SslFreeObject(h, 0);
    BN_free(bp);
    BN_free(g);
}

/* Malformed DH parameters (api.md C2) -> NTE_BAD_DATA; sizes beyond 8192 bits unsupported. */
static void test_dh_params_bad(void)
{
    static uint8_t p[1024], params[12 + 2 * 1040], bad[sizeof(params)];
    BIGNUM *bp, *g = BN_new(), *x = BN_new();
    NCRYPT_KEY_HANDLE h;
    size_t n;

    fprintf(stderr, "bad DH parameters\n");
    ffdhe_p(256, p);
    bp = BN_bin2bn(p, 256, NULL);
    BN_set_word(g, 2);
    n = dh_params(params, bp, g, 256);

#define EPH_PARAMS(buf, len, bits, want)                                                      \
    do {                                                                                      \
        h = 0xdead;                                                                           \
        CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 0, bits, buf, (DWORD)(len), 0), want); \
        CHECK(h == 0 || (want) == SEC_E_OK);                                                  \
        if (h != 0)                                                                           \
            SslFreeObject(h, 0);                                                              \
    } while (0)

    EPH_PARAMS(params, n, 2048, SEC_E_OK);
    memcpy(bad, params, n);
    put32(bad + 4, 0x4D505344); /* 'DSPM' */
    EPH_PARAMS(bad, n, 2048, NTE_BAD_DATA);
    memcpy(bad, params, n);
    put32(bad, (uint32_t)n + 1); /* cbLength says more than there is */
    EPH_PARAMS(bad, n, 2048, NTE_BAD_DATA);
    EPH_PARAMS(params, n - 1, 2048, NTE_BAD_DATA); /* truncated */
    EPH_PARAMS(params, 11, 2048, NTE_BAD_DATA);    /* not even a header */
    memcpy(bad, params, n);
    bad[n] = 0;
    EPH_PARAMS(bad, n + 1, 2048, NTE_BAD_DATA);    /* extended */
    memcpy(bad, params, n);
    put32(bad + 8, 255); /* cbKeyLength inconsistent with cbLength */
    EPH_PARAMS(bad, n, 2048, NTE_BAD_DATA);
    EPH_PARAMS(params, n, 3072, NTE_BAD_DATA);     /* cbKeyLength != (dwKeyBitLen + 7) / 8 */
    EPH_PARAMS(params, n, 0, NTE_BAD_DATA);
    /* p even */
    BN_copy(x, bp);
    BN_sub_word(x, 1);
    n = dh_params(bad, x, g, 256);
    EPH_PARAMS(bad, n, 2048, NTE_BAD_DATA);
    /* p with a leading zero byte (257 bytes for a 2048-bit p) */
    n = dh_params(bad, bp, g, 257);
    EPH_PARAMS(bad, n, 2049, NTE_BAD_DATA);
    /* p below 1024 bits (policy): the low 512 bits of ffdhe2048, odd */
    BN_copy(x, bp);
    BN_mask_bits(x, 512);
    BN_set_bit(x, 511);
    n = dh_params(bad, x, g, 64);
    EPH_PARAMS(bad, n, 512, NTE_BAD_DATA);
    /* p above 8192 bits: not supported */
    BN_copy(x, bp);
    BN_lshift(x, x, 8256 - 2048);
    BN_set_bit(x, 0);
    n = dh_params(bad, x, g, 1032);
    EPH_PARAMS(bad, n, 8256, NTE_NOT_SUPPORTED);
    /* g = 0, 1, p - 1, p */
    for (int i = 0; i < 4; i++) {
        BIGNUM *bg = BN_new();

        if (i == 1)
            BN_one(bg);
        if (i >= 2) {
            BN_copy(bg, bp);
            BN_sub_word(bg, (BN_ULONG)(3 - i));
        }
        n = dh_params(bad, bp, bg, 256);
        EPH_PARAMS(bad, n, 2048, NTE_BAD_DATA);
        BN_free(bg);
    }
    /* pbParams NULL with a length; parameters together with a group; ECDHE with parameters */
    n = dh_params(params, bp, g, 256);
    h = 0xdead;
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 0, 2048, NULL, 5, 0), NTE_INVALID_PARAMETER);
    CHECK(h == 0);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, DHE12, 256, 2048, params, (DWORD)n, 0),
             NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 23, 256, params, (DWORD)n, 0),
             NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T13, S13, 256, 0, params, (DWORD)n, 0),
             NTE_INVALID_PARAMETER);
    CHECK(h == 0);
    /* a pointer with cbParams 0 is no parameters */
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 23, 256, params, 0, 0), SEC_E_OK);
    SslFreeObject(h, 0);
#undef EPH_PARAMS
    BN_free(bp);
    BN_free(g);
    BN_free(x);
}

/* Suite, protocol and key type combinations (api.md C2, conventions.md §3). */
static void test_combinations(void)
{
    static const struct {
        DWORD proto, suite, type, bits;
        SECURITY_STATUS want;
    } cases[] = {
        {T12, ECDHE12, 256, 0, NTE_NOT_SUPPORTED},      /* ECDHE suite, DH key type */
        {T12, ECDHE12, 0, 2048, NTE_NOT_SUPPORTED},
        {T12, ECDHE12, 26, 0, NTE_NOT_SUPPORTED},       /* brainpool: not ours */
        {T12, ECDHE12, 0, 255, NTE_NOT_SUPPORTED},
        {T12, ECDHE12, 0, 0, NTE_NOT_SUPPORTED},
        {T12, DHE12, 23, 256, NTE_NOT_SUPPORTED},       /* DHE suite, EC key type */
        {T12, DHE12, 29, 0, NTE_NOT_SUPPORTED},
        {T12, DHE12, 261, 0, NTE_NOT_SUPPORTED},
        {T13, S13, 261, 0, NTE_NOT_SUPPORTED},
        {T13, S13, 0, 2048, NTE_NOT_SUPPORTED},
        {T12, TLS_RSA_WITH_AES_128_CBC_SHA, 23, 256, NTE_NOT_SUPPORTED}, /* RSA exchange */
        {T12, TLS_PSK_WITH_AES_128_GCM_SHA256, 23, 256, NTE_NOT_SUPPORTED},
        {TLS1_0_PROTOCOL_VERSION, TLS_RSA_EXPORT_WITH_RC4_40_MD5, 0, 512, NTE_NOT_SUPPORTED},
        {SSL2_PROTOCOL_VERSION, SSL_CK_RC4_128_WITH_MD5, 0, 512, NTE_NOT_SUPPORTED},
        {T13, ECDHE12, 23, 0, NTE_NOT_SUPPORTED},       /* suite not in the protocol */
        {T12, S13, 23, 0, NTE_NOT_SUPPORTED},
        {0x0305, ECDHE12, 23, 0, NTE_NOT_SUPPORTED},    /* unknown protocol */
        {T12, 0xFFFF, 23, 0, NTE_NOT_SUPPORTED},        /* unknown suite */
        {SSL3_PROTOCOL_VERSION, TLS_DHE_RSA_WITH_AES_128_CBC_SHA, 0, 2048, SEC_E_OK},
        {TLS1_1_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 24, 0, SEC_E_OK},
    };
    NCRYPT_KEY_HANDLE h;

    fprintf(stderr, "combinations\n");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SECURITY_STATUS st;

        h = 0xdead;
        st = SslCreateEphemeralKey(prov, &h, cases[i].proto, cases[i].suite, cases[i].type,
                                   cases[i].bits, NULL, 0, 0);
        if (st != cases[i].want)
            fprintf(stderr, "  case %zu: 0x%08x\n", i, (unsigned)st);
        CHECK_ST(st, cases[i].want);
        CHECK((st == SEC_E_OK) == (h != 0));
        if (st == SEC_E_OK)
            SslFreeObject(h, 0);
    }
    /* arguments and handles */
    CHECK_ST(SslCreateEphemeralKey(prov, NULL, T12, ECDHE12, 23, 0, NULL, 0, 0), NTE_INVALID_PARAMETER);
    h = 0xdead;
    CHECK_ST(SslCreateEphemeralKey(0, &h, T12, ECDHE12, 23, 0, NULL, 0, 0), NTE_INVALID_HANDLE);
    CHECK(h == 0);
}

/* ---- shares from outside ---- */

static void ssl_ecc_blob(uint8_t *out, DWORD curve, const uint8_t *key, size_t n)
{
    put32(out, curve);
    put32(out + 4, (uint32_t)n);
    memcpy(out + 8, key, n);
}

static void test_rfc7748(void)
{
    const char *vec[][2] = {{"29", x25519_alice}, {"29", x25519_bob}, {"30", x448_alice}};
    uint8_t key[56], blob[8 + 56 + 1], out[8 + 56];
    NCRYPT_KEY_HANDLE h;
    size_t n, m;

    fprintf(stderr, "RFC 7748 shares\n");
    for (int i = 0; i < 3; i++) {
        DWORD curve = (DWORD)atoi(vec[i][0]);

        n = unhex(vec[i][1], key);
        ssl_ecc_blob(blob, curve, key, n);
        CHECK_ST(import_blob(SSL_ECCPUBLIC_BLOB, blob, 8 + n, &h), SEC_E_OK);
        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, curve));
        CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, (curve == 29 ? 255u : 448u)));
        CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &m), SEC_E_OK);
        CHECK(m == 8 + n && memcmp(out, blob, m) == 0);
        CHECK_ST(export_blob(h, BCRYPT_ECCPUBLIC_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
        SslFreeObject(h, 0);
        /* cbKey must be exact; blob length must match it */
        put32(blob + 4, (uint32_t)n + 1);
        import_expect(SSL_ECCPUBLIC_BLOB, blob, 8 + n, NTE_BAD_DATA, "x cbKey + 1");
        blob[8 + n] = 0;
        import_expect(SSL_ECCPUBLIC_BLOB, blob, 9 + n, NTE_BAD_DATA, "x cbKey and blob + 1");
        put32(blob + 4, (uint32_t)n);
        import_expect(SSL_ECCPUBLIC_BLOB, blob, 9 + n, NTE_BAD_DATA, "x extended");
        import_expect(SSL_ECCPUBLIC_BLOB, blob, 7 + n, NTE_BAD_DATA, "x truncated");
        /* the other curve's length */
        put32(blob, curve == 29 ? 30 : 29);
        import_expect(SSL_ECCPUBLIC_BLOB, blob, 8 + n, NTE_BAD_DATA, "x other curve");
    }
}

/* ECCPUBLIC / SSL_ECCPUBLIC validation (api.md C3, §4.12). */
static void test_ecc_blobs_bad(void)
{
    uint8_t ecc[8 + 132], ssl[8 + 133], bad[8 + 200];
    NCRYPT_KEY_HANDLE h;
    size_t n, m;

    fprintf(stderr, "bad EC blobs\n");
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T12, ECDHE12, 23, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(export_blob(h, BCRYPT_ECCPUBLIC_BLOB, ecc, sizeof(ecc), &n), SEC_E_OK);
    CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, ssl, sizeof(ssl), &m), SEC_E_OK);
    SslFreeObject(h, 0);

    /* magics: ECDSA 'ECS1' is accepted, the rest refused */
    memcpy(bad, ecc, n);
    put32(bad, 0x31534345);
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n, SEC_E_OK, "ECS1");
    {
        static const uint32_t magics[] = {
            0x324B4345 /* ECK2 private */, 0x504B4345 /* ECKP */, 0x50444345 /* ECDP */,
            0x334B4345 /* ECK3 with cbKey 32 */, 0x33534345 /* ECS3 */, 0x31415352 /* RSA1 */, 0,
        };

        for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
            memcpy(bad, ecc, n);
            put32(bad, magics[i]);
            import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n, NTE_BAD_DATA, "magic");
        }
    }
    /* cbKey mismatch: 48 on a P-256 magic, with a blob of that size */
    memset(bad, 0, sizeof(bad));
    memcpy(bad, ecc, n);
    put32(bad + 4, 48);
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, 8 + 96, NTE_BAD_DATA, "cbKey 48 on ECK1");
    /* truncated / extended / header only */
    import_expect(BCRYPT_ECCPUBLIC_BLOB, ecc, n - 1, NTE_BAD_DATA, "truncated");
    memcpy(bad, ecc, n);
    bad[n] = 0;
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n + 1, NTE_BAD_DATA, "extended");
    import_expect(BCRYPT_ECCPUBLIC_BLOB, ecc, 8, NTE_BAD_DATA, "header only");
    import_expect(BCRYPT_ECCPUBLIC_BLOB, ecc, 7, NTE_BAD_DATA, "short header");
    import_expect(BCRYPT_ECCPUBLIC_BLOB, ecc, 0, NTE_BAD_DATA, "empty");
    /* off the curve: Y changed */
    memcpy(bad, ecc, n);
    bad[n - 1] ^= 1;
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n, NTE_BAD_DATA, "off curve");
    memcpy(bad, ssl, m);
    bad[m - 1] ^= 1;
    import_expect(SSL_ECCPUBLIC_BLOB, bad, m, NTE_BAD_DATA, "ssl off curve");
    /* all zero (no point on P-256 has x = y = 0), all 0xFF (coordinates >= p) */
    memcpy(bad, ecc, 8);
    memset(bad + 8, 0, 64);
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n, NTE_BAD_DATA, "zero point");
    memset(bad + 8, 0xFF, 64);
    import_expect(BCRYPT_ECCPUBLIC_BLOB, bad, n, NTE_BAD_DATA, "coordinates >= p");
    /* SSL_ECCPUBLIC: compressed or infinity encodings, wrong cbKey, unknown curves */
    memcpy(bad, ssl, m);
    bad[8] = 0x02;
    import_expect(SSL_ECCPUBLIC_BLOB, bad, m, NTE_BAD_DATA, "prefix 02");
    put32(bad + 4, 33);
    import_expect(SSL_ECCPUBLIC_BLOB, bad, 8 + 33, NTE_BAD_DATA, "compressed length");
    bad[8] = 0x00;
    put32(bad + 4, 1);
    import_expect(SSL_ECCPUBLIC_BLOB, bad, 9, NTE_BAD_DATA, "infinity");
    memcpy(bad, ssl, m);
    put32(bad, 26);
    import_expect(SSL_ECCPUBLIC_BLOB, bad, m, NTE_NOT_SUPPORTED, "curve 26");
    put32(bad, 256);
    import_expect(SSL_ECCPUBLIC_BLOB, bad, m, NTE_NOT_SUPPORTED, "ffdhe in SSL_ECC");
    put32(bad, 24);
    import_expect(SSL_ECCPUBLIC_BLOB, bad, m, NTE_BAD_DATA, "P-256 share as P-384");
    import_expect(SSL_ECCPUBLIC_BLOB, ssl, 7, NTE_BAD_DATA, "ssl short");
    /* blob types the API does not take */
    import_expect(BCRYPT_ECCFULLPUBLIC_BLOB, ecc, n, NTE_NOT_SUPPORTED, "ECCFULLPUBLIC");
    import_expect(BCRYPT_PRIVATE_KEY_BLOB, ecc, n, NTE_NOT_SUPPORTED, "PRIVATEBLOB");
    import_expect(LEGACY_RSAPUBLIC_BLOB, ecc, n, NTE_NOT_SUPPORTED, "CAPI");
    import_expect(W("NoSuchBlob"), ecc, n, NTE_NOT_SUPPORTED, "unknown");
    /* names compare case-insensitively; PUBLICBLOB dispatches on the magic */
    import_expect(W("eccPublicBlob"), ecc, n, SEC_E_OK, "case");
    import_expect(BCRYPT_PUBLIC_KEY_BLOB, ecc, n, SEC_E_OK, "PUBLICBLOB ECK1");
    memcpy(bad, ecc, n);
    put32(bad, 0x12345678);
    import_expect(BCRYPT_PUBLIC_KEY_BLOB, bad, n, NTE_BAD_DATA, "PUBLICBLOB unknown magic");
    import_expect(BCRYPT_PUBLIC_KEY_BLOB, bad, 3, NTE_BAD_DATA, "PUBLICBLOB 3 bytes");
}

/* DH_PUBLIC validation: 1 < y < p - 1, y^q = 1 on RFC 7919 groups, p and g. */
static void test_dh_blobs_bad(void)
{
    static uint8_t p[256], blob[8 + 3 * 260], bad[sizeof(blob)];
    BIGNUM *bp, *g = BN_new(), *y = BN_new(), *x = BN_new();
    NCRYPT_KEY_HANDLE h;
    size_t n;

    fprintf(stderr, "bad DH blobs\n");
    ffdhe_p(256, p);
    bp = BN_bin2bn(p, 256, NULL);
    BN_set_word(g, 2);
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T13, S13, 256, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(export_blob(h, BCRYPT_DH_PUBLIC_BLOB, blob, sizeof(blob), &n), SEC_E_OK);
    SslFreeObject(h, 0);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, blob, n, SEC_E_OK, "valid");
    import_expect(BCRYPT_PUBLIC_KEY_BLOB, blob, n, SEC_E_OK, "PUBLICBLOB DHPB");

    /* y = 0, 1, p - 1, p; p - 2 is not in the order-q subgroup (-1 is a non-residue) */
    {
        SECURITY_STATUS want[] = {NTE_BAD_DATA, NTE_BAD_DATA, NTE_BAD_DATA, NTE_BAD_DATA, NTE_BAD_DATA};
        int sub[] = {-1, -2, 1, 0, 2};

        for (int i = 0; i < 5; i++) {
            if (sub[i] == -1)
                BN_zero(y);
            else if (sub[i] == -2)
                BN_one(y);
            else {
                BN_copy(y, bp);
                BN_sub_word(y, (BN_ULONG)sub[i]);
            }
            n = dh_blob(bad, bp, g, y, 256);
            import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, want[i], "y");
        }
    }
    /* the same y = p - 2 on a group of our own (g = 5, q unknown): only the range is checked */
    BN_set_word(x, 5);
    n = dh_blob(bad, bp, x, y, 256);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, SEC_E_OK, "p - 2, custom g");
    /* g = 1, g = p - 1 */
    BN_set_word(y, 4);
    BN_one(x);
    n = dh_blob(bad, bp, x, y, 256);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "g = 1");
    BN_copy(x, bp);
    BN_sub_word(x, 1);
    n = dh_blob(bad, bp, x, y, 256);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "g = p - 1");
    /* p even; p with a leading zero byte; p too small */
    BN_copy(x, bp);
    BN_sub_word(x, 1);
    n = dh_blob(bad, x, g, y, 256);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "p even");
    n = dh_blob(bad, bp, g, y, 257);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "cbKey 257");
    BN_copy(x, bp);
    BN_mask_bits(x, 512);
    BN_set_bit(x, 511);
    n = dh_blob(bad, x, g, y, 64);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "512-bit p");
    /* magic, lengths */
    n = dh_blob(bad, bp, g, y, 256);
    put32(bad, 0x56504844); /* 'DHPV' */
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "DHPV");
    put32(bad, 0x42504844);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n - 1, NTE_BAD_DATA, "truncated");
    bad[n] = 0;
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n + 1, NTE_BAD_DATA, "extended");
    put32(bad + 4, 0);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, 8, NTE_BAD_DATA, "cbKey 0");
    put32(bad + 4, 0x80000000u);
    import_expect(BCRYPT_DH_PUBLIC_BLOB, bad, n, NTE_BAD_DATA, "cbKey huge");
    BN_free(bp);
    BN_free(g);
    BN_free(y);
    BN_free(x);
}

/* ---- RSA public keys ---- */

static size_t rsa_blob(uint8_t *out, const BIGNUM *e, const BIGNUM *n)
{
    size_t ce = (size_t)BN_num_bytes(e), cn = (size_t)BN_num_bytes(n);

    memset(out, 0, 24);
    put32(out, 0x31415352); /* 'RSA1' */
    put32(out + 4, (uint32_t)BN_num_bits(n));
    put32(out + 8, (uint32_t)ce);
    put32(out + 12, (uint32_t)cn);
    BN_bn2bin(e, out + 24);
    BN_bn2bin(n, out + 24 + ce);
    return 24 + ce + cn;
}

static void test_rsa_blobs(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIGNUM *n = NULL, *e = NULL, *x = BN_new();
    uint8_t blob[600], bad[600], out[600];
    NCRYPT_KEY_HANDLE h;
    size_t len, m;

    fprintf(stderr, "RSA blobs\n");
    EVP_PKEY_get_bn_param(k, "n", &n);
    EVP_PKEY_get_bn_param(k, "e", &e);
    len = rsa_blob(blob, e, n);
    CHECK_ST(import_blob(BCRYPT_RSAPUBLIC_BLOB, blob, len, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, BCRYPT_RSAPUBLIC_BLOB, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == len && memcmp(out, blob, len) == 0);
    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 0));
    CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, 2048));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_GROUP_PROPERTY, "RSA"));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_PROPERTY, "RSA"));
    CHECK_ST(prop_status(h, NCRYPT_KEY_USAGE_PROPERTY), NTE_NOT_SUPPORTED);
    CHECK_ST(prop_status(h, NCRYPT_ECC_CURVE_NAME_PROPERTY), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_DH_PUBLIC_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    round_trip(h, BCRYPT_PUBLIC_KEY_BLOB, 0);
    SslFreeObject(h, 0);
    import_expect(BCRYPT_PUBLIC_KEY_BLOB, blob, len, SEC_E_OK, "PUBLICBLOB RSA1");

    /* modulus even; exponent even, 1, >= n; modulus of 256 bits; BitLength wrong */
    BN_copy(x, n);
    BN_sub_word(x, 1);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, e, x), NTE_BAD_DATA, "n even");
    BN_set_word(x, 65536);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, x, n), NTE_BAD_DATA, "e even");
    BN_set_word(x, 1);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, x, n), NTE_BAD_DATA, "e = 1");
    BN_copy(x, n);
    BN_add_word(x, 2);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, x, n), NTE_BAD_DATA, "e > n");
    BN_copy(x, n);
    BN_mask_bits(x, 256);
    BN_set_bit(x, 255);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, e, x), NTE_BAD_DATA, "256-bit n");
    BN_copy(x, n);
    BN_mask_bits(x, 512);
    BN_set_bit(x, 511);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, rsa_blob(bad, e, x), SEC_E_OK, "512-bit n");
    memcpy(bad, blob, len);
    put32(bad + 4, 2047);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "BitLength");
    /* magics and prime lengths of private blobs */
    memcpy(bad, blob, len);
    put32(bad, 0x32415352); /* 'RSA2' */
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "RSA2");
    memcpy(bad, blob, len);
    put32(bad + 16, 128);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "cbPrime1");
    memcpy(bad, blob, len);
    put32(bad + 20, 1);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "cbPrime2");
    /* length fields against the blob size */
    import_expect(BCRYPT_RSAPUBLIC_BLOB, blob, len - 1, NTE_BAD_DATA, "truncated");
    memcpy(bad, blob, len);
    bad[len] = 0;
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len + 1, NTE_BAD_DATA, "extended");
    memcpy(bad, blob, len);
    put32(bad + 8, 0);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "cbPublicExp 0");
    put32(bad + 8, 0xFFFFFFF0u);
    import_expect(BCRYPT_RSAPUBLIC_BLOB, bad, len, NTE_BAD_DATA, "cbPublicExp huge");
    import_expect(BCRYPT_RSAPUBLIC_BLOB, blob, 23, NTE_BAD_DATA, "short header");
    import_expect(BCRYPT_ECCPUBLIC_BLOB, blob, len, NTE_BAD_DATA, "RSA blob as ECC");
    BN_free(n);
    BN_free(e);
    BN_free(x);
    EVP_PKEY_free(k);
}

/* ---- PSKs (conventions.md §7) ---- */

static void test_psk(void)
{
    static uint8_t blob[100 + 65536], out[12 + 65536];
    NCRYPT_KEY_HANDLE h;
    size_t m;

    fprintf(stderr, "PSK blobs\n");
    for (size_t i = 0; i < sizeof(blob); i++)
        blob[i] = (uint8_t)(i * 7 + 1);
    /* raw bytes */
    CHECK_ST(import_blob(TLS_13_PRE_SHARED_KEY, blob, 32, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 32 && memcmp(out, blob, 32) == 0);
    CHECK_ST(export_blob(h, BCRYPT_KEY_DATA_BLOB, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 44 && get32(out) == 0x4D42444B && get32(out + 4) == 1 && get32(out + 8) == 32 &&
          memcmp(out + 12, blob, 32) == 0);
    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 0));
    CHECK_ST(prop_status(h, NCRYPT_LENGTH_PROPERTY), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_RSAPUBLIC_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    {
        DWORD cb = 0;

        CHECK_ST(SslExportKey(prov, h, TLS_13_PRE_SHARED_KEY, out, 31, &cb, 0), NTE_BUFFER_TOO_SMALL);
        CHECK(cb == 32);
    }
    SslFreeObject(h, 0);

    /* 'KDBM' header, through either blob type: the payload is the PSK */
    put32(blob, 0x4D42444B);
    put32(blob + 4, 1);
    put32(blob + 8, 20);
    CHECK_ST(import_blob(TLS_13_PRE_SHARED_KEY, blob, 32, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 20 && memcmp(out, blob + 12, 20) == 0);
    SslFreeObject(h, 0);
    CHECK_ST(import_blob(BCRYPT_KEY_DATA_BLOB, blob, 32, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, BCRYPT_KEY_DATA_BLOB, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 32 && memcmp(out, blob, 32) == 0);
    SslFreeObject(h, 0);
    /* 'KDBM' with version 2, or a length that disagrees: raw bytes, header included */
    put32(blob + 4, 2);
    CHECK_ST(import_blob(TLS_13_PRE_SHARED_KEY, blob, 32, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 32 && memcmp(out, blob, 32) == 0);
    SslFreeObject(h, 0);
    put32(blob + 4, 1);
    put32(blob + 8, 21);
    CHECK_ST(import_blob(TLS_13_PRE_SHARED_KEY, blob, 32, &h), SEC_E_OK);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &m), SEC_E_OK);
    CHECK(m == 32);
    SslFreeObject(h, 0);

    /* lengths 1..65535 */
    put32(blob + 8, 0);
    import_expect(TLS_13_PRE_SHARED_KEY, blob, 12, NTE_BAD_DATA, "KDBM length 0");
    import_expect(TLS_13_PRE_SHARED_KEY, blob, 0, NTE_BAD_DATA, "raw length 0");
    import_expect(BCRYPT_KEY_DATA_BLOB, blob, 0, NTE_BAD_DATA, "keydata length 0");
    import_expect(TLS_13_PRE_SHARED_KEY, blob + 100, 1, SEC_E_OK, "raw length 1");
    import_expect(TLS_13_PRE_SHARED_KEY, blob + 100, 65535, SEC_E_OK, "raw 65535");
    import_expect(TLS_13_PRE_SHARED_KEY, blob + 100, 65536, NTE_BAD_DATA, "raw 65536");
    put32(blob + 8, 65535);
    import_expect(TLS_13_PRE_SHARED_KEY, blob, 12 + 65535, SEC_E_OK, "KDBM 65535");
    put32(blob + 8, 65536);
    import_expect(TLS_13_PRE_SHARED_KEY, blob, 12 + 65536, NTE_BAD_DATA, "KDBM 65536");
    CHECK_ST(SslImportKey(prov, &h, TLS_13_PRE_SHARED_KEY, NULL, 0, 0), NTE_INVALID_PARAMETER);

    /* a secret that is not a PSK has no PSK blob; others: not applicable */
    CHECK_ST(SslCreateEphemeralKey(prov, &h, T13, S13, 29, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(export_blob(h, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    CHECK_ST(export_blob(h, BCRYPT_KEY_DATA_BLOB, out, sizeof(out), &m), NTE_NOT_SUPPORTED);
    SslFreeObject(h, 0);
}

/* ---- SslImportKey / SslExportKey arguments (conventions.md §1, §7) ---- */

static void test_arguments(void)
{
    uint8_t out[300], blob[8 + 32];
    NCRYPT_KEY_HANDLE h, k;
    DWORD cb;

    fprintf(stderr, "arguments\n");
    ssl_ecc_blob(blob, 29, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    CHECK_ST(SslImportKey(prov, NULL, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), 0), NTE_INVALID_PARAMETER);
    h = 0xdead;
    CHECK_ST(SslImportKey(prov, &h, NULL, blob, sizeof(blob), 0), NTE_INVALID_PARAMETER);
    CHECK(h == 0);
    h = 0xdead;
    CHECK_ST(SslImportKey(prov, &h, SSL_ECCPUBLIC_BLOB, NULL, sizeof(blob), 0), NTE_INVALID_PARAMETER);
    CHECK(h == 0);
    h = 0xdead;
    CHECK_ST(SslImportKey(0, &h, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), 0), NTE_INVALID_HANDLE);
    CHECK(h == 0);
    /* dwFlags reserved: ignored */
    CHECK_ST(SslImportKey(prov, &h, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), 0xFFFFFFFF), SEC_E_OK);

    /* export: flags must be 0, type required, pcbResult required, untouched on failure */
    cb = 99;
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslExportKey(prov, h, NULL, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExportKey(prov, h, W("NoSuchBlob"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExportKey(prov, h, BCRYPT_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK(cb == 99);
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExportKey(prov, 0, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslExportKey(prov, prov, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    /* size query and too small */
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, NULL, 0, &cb, 0), SEC_E_OK);
    CHECK(cb == 40);
    cb = 0;
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, out, 39, &cb, 0), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == 40);
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, out, 40, &cb, 0), SEC_E_OK);
    CHECK(cb == 40 && memcmp(out, blob, 40) == 0);
    /* a peer share (public only) has no private properties; a handle of another provider */
    CHECK_ST(prop_status(h, NCRYPT_KEY_USAGE_PROPERTY), NTE_NOT_SUPPORTED);
    {
        NCRYPT_PROV_HANDLE other;

        CHECK_ST(SslOpenProvider(&other, NULL, 0), SEC_E_OK);
        cb = 0;
        CHECK_ST(SslExportKey(other, h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
        CHECK_ST(SslCreateEphemeralKey(other, &k, T12, ECDHE12, 23, 0, NULL, 0, 0), SEC_E_OK);
        CHECK_ST(SslExportKey(prov, k, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
        /* SslGetKeyProperty has no provider: any live key answers */
        CHECK(prop_dword(k, SSL_KEY_TYPE_PROPERTY, 23));
        SslFreeObject(k, 0);
        SslFreeObject(other, 0);
    }
    SslFreeObject(h, 0);
    /* stale */
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(prop_status(h, SSL_KEY_TYPE_PROPERTY), NTE_INVALID_HANDLE);
}

int main(void)
{
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    ERR_clear_error();
    test_groups();
    test_ffdhe();
    test_dh_params_bad();
    test_combinations();
    test_rfc7748();
    test_ecc_blobs_bad();
    test_dh_blobs_bad();
    test_rsa_blobs();
    test_psk();
    test_arguments();
    /* failures leave nothing on the caller's OpenSSL error queue */
    CHECK(ERR_peek_error() == 0);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    CHECK(buffer_live_count() == 0);
    return check_summary();
}
