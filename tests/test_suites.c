/* Group B through the public API: SslLookupCipherSuiteInfo against the rows of api.md §5 and
 * conventions.md §8, SslLookupCipherLengths against api.md §8.8 / conventions.md §5,
 * SslGetCipherSuitePRFHashAlgorithm against api.md B5, the default enumeration against
 * conventions.md §8, SslEnumEccCurves against api.md §3.8; every function's negative twins
 * (conventions.md §1 validation order). Expected values are typed in from the spec text. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "sslprovider.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A fixed WCHAR field equals the ASCII string and is zero-filled after it. */
static bool wfield_is(const WCHAR *w, size_t cap, const char *a)
{
    size_t n = strlen(a);

    if (n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (w[i] != (WCHAR)(unsigned char)a[i])
            return false;
    for (size_t i = n; i < cap; i++)
        if (w[i] != 0)
            return false;
    return true;
}

#define WIS(field, str) wfield_is((field), NCRYPT_SSL_MAX_NAME_SIZE, (str))

/* One row of the catalogue (api.md §5 / conventions.md §8). */
struct row {
    const char *spec; /* where the expected values come from */
    DWORD id;
    const char *name, *cipher;
    DWORD bits, blk;
    const char *hash;
    DWORD hash_bits;
    const char *exch;
    DWORD min, max;
    const char *cert;
};

static void check_row(const NCRYPT_SSL_CIPHER_SUITE *cs, DWORD proto, const struct row *r)
{
    bool ok = cs->dwProtocol == proto && cs->dwCipherSuite == r->id &&
              cs->dwBaseCipherSuite == r->id && WIS(cs->szCipherSuite, r->name) &&
              WIS(cs->szCipher, r->cipher) && cs->dwCipherLen == r->bits &&
              cs->dwCipherBlockLen == r->blk && WIS(cs->szHash, r->hash) &&
              cs->dwHashLen == r->hash_bits && WIS(cs->szExchange, r->exch) &&
              cs->dwMinExchangeLen == r->min && cs->dwMaxExchangeLen == r->max &&
              WIS(cs->szCertificate, r->cert) && cs->dwKeyType == 0;

    if (!ok)
        fprintf(stderr, "row %s 0x%04x under 0x%04x differs\n", r->spec, (unsigned)r->id,
                (unsigned)proto);
    CHECK(ok);
}

static void lookup_row(NCRYPT_PROV_HANDLE prov, DWORD proto, const struct row *r)
{
    NCRYPT_SSL_CIPHER_SUITE cs;

    memset(&cs, 0xAA, sizeof cs); /* the whole record must be written */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, proto, r->id, 0, &cs, 0), SEC_E_OK);
    check_row(&cs, proto, r);
}

#define SSL2 SSL2_PROTOCOL_VERSION
#define SSL3 SSL3_PROTOCOL_VERSION
#define TLS10 TLS1_0_PROTOCOL_VERSION
#define TLS11 TLS1_1_PROTOCOL_VERSION
#define TLS12 TLS1_2_PROTOCOL_VERSION
#define TLS13 TLS1_3_PROTOCOL_VERSION
#define DTLS10 DTLS1_0_PROTOCOL_VERSION
#define DTLS12 DTLS1_2_PROTOCOL_VERSION

static const DWORD all_protos[] = {SSL2, SSL3, TLS10, TLS11, TLS12, TLS13, DTLS10, DTLS12};
#define N_PROTOS (sizeof all_protos / sizeof all_protos[0])

/* ---- SslLookupCipherSuiteInfo ------------------------------------------------------------- */

static const struct row row_002f = {"api.md §5 0x002F", 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA",
    "AES", 128, 16, "SHA1", 160, "RSA", 512, 16384, "RSA"};
static const struct row row_009c = {"api.md §5 0x009C", 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES", 128, 16, "", 0, "RSA", 512, 16384, "RSA"};
static const struct row row_c02b = {"api.md §5 0xC02B", 0xC02B,
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "AES", 128, 16, "", 0, "ECDH", 0, 65536, "ECDSA"};
static const struct row row_c02c = {"api.md §5 0xC02C (O)", 0xC02C,
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "AES", 256, 16, "", 0, "ECDH", 0, 65536, "ECDSA"};
static const struct row row_c02f = {"api.md §5 0xC02F (O)", 0xC02F,
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "AES", 128, 16, "", 0, "ECDH", 0, 65536, "RSA"};
static const struct row row_c030 = {"api.md §5 0xC030 (O)", 0xC030,
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "AES", 256, 16, "", 0, "ECDH", 0, 65536, "RSA"};
static const struct row row_c028 = {"api.md §5 0xC028", 0xC028,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "AES", 256, 16, "SHA384", 384, "ECDH", 0, 65536, "RSA"};
static const struct row row_1301 = {"api.md §5 0x1301", 0x1301, "TLS_AES_128_GCM_SHA256",
    "AES", 128, 16, "", 0, "", 0, 0, ""};
static const struct row row_1302 = {"api.md §5 0x1302", 0x1302, "TLS_AES_256_GCM_SHA384",
    "AES", 256, 16, "", 0, "", 0, 0, ""};
static const struct row row_1303 = {"conventions.md §8 0x1303", 0x1303,
    "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, 1, "", 0, "", 0, 0, ""};
static const struct row row_1304 = {"conventions.md §8 0x1304", 0x1304, "TLS_AES_128_CCM_SHA256",
    "AES", 128, 16, "", 0, "", 0, 0, ""};
static const struct row row_cca8 = {"conventions.md §8 0xCCA8", 0xCCA8,
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, 1, "", 0, "ECDH",
    0, 65536, "RSA"};
static const struct row row_c0ad = {"conventions.md §8 0xC0AD", 0xC0AD,
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "AES", 256, 16, "", 0, "ECDH", 0, 65536, "ECDSA"};
static const struct row row_0067 = {"conventions.md §8 0x0067 (DH lengths: our 1024-8192)",
    0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "AES", 128, 16, "SHA256", 256, "DH", 1024,
    8192, "RSA"};
static const struct row row_009f = {"api.md §5 0x009F (DH lengths: our 1024-8192)", 0x009F,
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "AES", 256, 16, "", 0, "DH", 1024, 8192, "RSA"};
static const struct row row_0032 = {"api.md §5 0x0032", 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "AES", 128, 16, "SHA1", 160, "DH", 1024, 8192, "DSA"};
static const struct row row_0001 = {"api.md §5 0x0001", 0x0001, "TLS_RSA_WITH_NULL_MD5", "", 0, 0,
    "MD5", 128, "RSA", 512, 16384, "RSA"};
static const struct row row_0004 = {"api.md §5 0x0004", 0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4",
    128, 1, "MD5", 128, "RSA", 512, 16384, "RSA"};
static const struct row row_000a = {"api.md §5 0x000A", 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "3DES", 168, 8, "SHA1", 160, "RSA", 512, 16384, "RSA"};
static const struct row row_0003 = {"api.md §5 0x0003 (export)", 0x0003,
    "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "RC4", 40, 1, "MD5", 128, "RSA", 512, 512, "RSA"};
static const struct row row_0062 = {"api.md §5 0x0062 (export)", 0x0062,
    "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "DES", 56, 8, "SHA1", 160, "RSA", 512, 1024, "RSA"};
static const struct row row_00a9 = {"api.md §5 0x00A9 (PSK)", 0x00A9,
    "TLS_PSK_WITH_AES_256_GCM_SHA384", "AES", 256, 16, "", 0, "PSK", 0, 0, ""};
static const struct row row_00b0 = {"api.md §5 0x00B0 (PSK NULL)", 0x00B0, "TLS_PSK_WITH_NULL_SHA256",
    "", 0, 0, "SHA256", 256, "PSK", 0, 0, ""};
static const struct row row_010080 = {"api.md §5 0x010080 (O)", 0x010080, "SSL_CK_RC4_128_WITH_MD5",
    "RC4", 128, 1, "MD5", 128, "RSA", 512, 16384, "RSA"};
static const struct row row_060040 = {"api.md §5 0x060040", 0x060040, "SSL_CK_DES_64_CBC_WITH_MD5",
    "DES", 56, 8, "MD5", 128, "RSA", 512, 16384, "RSA"};

/* The protocol set of a row: lookup answers exactly for these protocols. */
static void lookup_protocols(NCRYPT_PROV_HANDLE prov, const struct row *r, const DWORD *ok,
                             size_t n_ok)
{
    for (size_t i = 0; i < N_PROTOS; i++) {
        bool want = false;
        NCRYPT_SSL_CIPHER_SUITE cs;

        for (size_t j = 0; j < n_ok; j++)
            want |= ok[j] == all_protos[i];
        if (want) {
            lookup_row(prov, all_protos[i], r);
        } else {
            CHECK_ST(SslLookupCipherSuiteInfo(prov, all_protos[i], r->id, 0, &cs, 0),
                     NTE_NOT_SUPPORTED);
        }
    }
}

#define PROTOS(...) (const DWORD[]){__VA_ARGS__}, sizeof((const DWORD[]){__VA_ARGS__}) / sizeof(DWORD)

static void test_lookup(NCRYPT_PROV_HANDLE prov)
{
    /* api.md §5 protocol sets */
    lookup_protocols(prov, &row_002f, PROTOS(SSL3, TLS10, TLS11, TLS12, DTLS10, DTLS12));
    lookup_protocols(prov, &row_009c, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c02b, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c02c, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c02f, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c030, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c028, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_1301, PROTOS(TLS13));
    lookup_protocols(prov, &row_1302, PROTOS(TLS13));
    lookup_protocols(prov, &row_0032, PROTOS(SSL3, TLS10, TLS11, TLS12, DTLS10, DTLS12));
    lookup_protocols(prov, &row_0001, PROTOS(SSL3, TLS10, TLS11, TLS12));
    lookup_protocols(prov, &row_0004, PROTOS(SSL3, TLS10, TLS11, TLS12));
    lookup_protocols(prov, &row_000a, PROTOS(SSL3, TLS10, TLS11, TLS12, DTLS10, DTLS12));
    lookup_protocols(prov, &row_0003, PROTOS(SSL3, TLS10));
    lookup_protocols(prov, &row_0062, PROTOS(SSL3, TLS10));
    lookup_protocols(prov, &row_00a9, PROTOS(TLS12));
    lookup_protocols(prov, &row_00b0, PROTOS(TLS12));
    lookup_protocols(prov, &row_010080, PROTOS(SSL2));
    lookup_protocols(prov, &row_060040, PROTOS(SSL2));
    lookup_protocols(prov, &row_009f, PROTOS(TLS12, DTLS12));
    /* conventions.md §8: TLS 1.2 rows apply to DTLS 1.2 too */
    lookup_protocols(prov, &row_1303, PROTOS(TLS13));
    lookup_protocols(prov, &row_1304, PROTOS(TLS13));
    lookup_protocols(prov, &row_cca8, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_c0ad, PROTOS(TLS12, DTLS12));
    lookup_protocols(prov, &row_0067, PROTOS(TLS12, DTLS12));

    /* api.md §4.4: every header suite and every conventions.md §8 suite is known */
    static const DWORD tls_ids[] = {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0009, 0x000A,
        0x0012, 0x0013, 0x0016, 0x002F, 0x0032, 0x0033, 0x0035, 0x0038, 0x0039, 0x0062, 0x0063,
        0x0064, 0x003B, 0x003C, 0x003D, 0x0040, 0x006A, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A8,
        0x00A9, 0x00AE, 0x00AF, 0x00B0, 0x00B1, 0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024,
        0xC027, 0xC028, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0x1301, 0x1302, 0x1303, 0x1304, 0x1305,
        0xCCA8, 0xCCA9, 0xCCAA, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF, 0x0067, 0x006B};
    for (size_t i = 0; i < sizeof tls_ids / sizeof tls_ids[0]; i++) {
        unsigned found = 0;
        NCRYPT_SSL_CIPHER_SUITE cs;

        for (size_t j = 0; j < N_PROTOS; j++)
            found += SslLookupCipherSuiteInfo(prov, all_protos[j], tls_ids[i], 0, &cs, 0) ==
                     SEC_E_OK;
        if (found == 0)
            fprintf(stderr, "suite 0x%04x unknown\n", (unsigned)tls_ids[i]);
        CHECK(found > 0);
    }
    /* SSL_CK_IDEA and SSL_CK_DES_192_EDE3: no protocol (api.md §5) */
    for (size_t j = 0; j < N_PROTOS; j++) {
        NCRYPT_SSL_CIPHER_SUITE cs;

        CHECK_ST(SslLookupCipherSuiteInfo(prov, all_protos[j], SSL_CK_IDEA_128_CBC_WITH_MD5, 0,
                                          &cs, 0), NTE_NOT_SUPPORTED);
        CHECK_ST(SslLookupCipherSuiteInfo(prov, all_protos[j], SSL_CK_DES_192_EDE3_CBC_WITH_MD5,
                                          0, &cs, 0), NTE_NOT_SUPPORTED);
    }
}

static void test_lookup_key_type(NCRYPT_PROV_HANDLE prov)
{
    NCRYPT_SSL_CIPHER_SUITE cs;

    /* api.md B3: a curve for ECDHE/ECDSA suites; dwKeyType is not echoed (Windows 10+ 0) */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0xC02F, TLS_ECC_P256_CURVE_KEY_TYPE, &cs, 0),
             SEC_E_OK);
    check_row(&cs, TLS12, &row_c02f);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0xC02B, TLS_ECC_X25519_CURVE_KEY_TYPE, &cs, 0),
             SEC_E_OK);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0xC02B, TLS_ECC_X448_CURVE_KEY_TYPE, &cs, 0),
             SEC_E_OK);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS13, 0x1301, TLS_ECC_P384_CURVE_KEY_TYPE, &cs, 0),
             SEC_E_OK);
    /* negative twins: unknown group, non-ECC suite */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0xC02F, 22, &cs, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0xC02F, TLS_FFDHE2048_KEY_TYPE, &cs, 0),
             NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x002F, TLS_ECC_P256_CURVE_KEY_TYPE, &cs, 0),
             NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x009E, TLS_ECC_P256_CURVE_KEY_TYPE, &cs, 0),
             NTE_INVALID_PARAMETER);
    /* the suite is checked before the key type (conventions.md §1) */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS10, 0x009C, 22, &cs, 0), NTE_NOT_SUPPORTED);
}

static void test_lookup_negative(NCRYPT_PROV_HANDLE prov, NCRYPT_PROV_HANDLE freed)
{
    NCRYPT_SSL_CIPHER_SUITE cs;
    static const NCRYPT_PROV_HANDLE bad[] = {0, 1, 0x12345678u, UINTPTR_MAX};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ST(SslLookupCipherSuiteInfo(bad[i], TLS12, 0x002F, 0, &cs, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslLookupCipherSuiteInfo(freed, TLS12, 0x002F, 0, &cs, 0), NTE_INVALID_HANDLE);
    /* provider before the output pointer */
    CHECK_ST(SslLookupCipherSuiteInfo(0, TLS12, 0x002F, 0, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x002F, 0, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x9999, 0, NULL, 0), NTE_INVALID_PARAMETER);
    /* unknown suite, unknown protocol, suite/protocol mismatch, SSL 2.0 suite under TLS */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x9999, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, 0x0305, 0x1301, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, 0x0100, 0x002F, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x1301, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS13, 0xC02F, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x0009, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x010080, 0, &cs, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherSuiteInfo(prov, SSL2, 0x002F, 0, &cs, 0), NTE_NOT_SUPPORTED);
    /* dwFlags is reserved and ignored (conventions.md §1) */
    CHECK_ST(SslLookupCipherSuiteInfo(prov, TLS12, 0x002F, 0, &cs, 0xFFFFFFFFu), SEC_E_OK);
    check_row(&cs, TLS12, &row_002f);
}

/* ---- SslLookupCipherLengths --------------------------------------------------------------- */

struct len_case {
    const char *spec;
    DWORD proto, id;
    DWORD header, fixed, variable, flags;
};

/* conventions.md §12 (Windows' SPSslLookupCipherLengths): the 5-byte TLS / 13-byte DTLS
 * record header is the caller's and not counted. */
static const struct len_case len_cases[] = {
    /* CBC: header = explicit IV (TLS 1.1+, DTLS), trailer = MAC, variable = block, flags 1;
     * SSL 3.0 and TLS 1.0 are answered by sslprov (Windows: NTE_NOT_SUPPORTED) */
    {"§12 SSL3 CBC", SSL3, 0x002F, 0, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.0 CBC", TLS10, 0x002F, 0, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.1 CBC", TLS11, 0x002F, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.2 CBC", TLS12, 0x002F, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 DTLS1.0 CBC", DTLS10, 0x002F, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 DTLS1.2 CBC", DTLS12, 0x002F, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.2 CBC SHA256", TLS12, 0x003C, 16, 32, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.2 CBC SHA384", TLS12, 0xC028, 16, 48, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.2 ECDHE CBC SHA", TLS12, 0xC013, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.2 3DES", TLS12, 0x000A, 8, 20, 8, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    {"§12 TLS1.0 3DES", TLS10, 0x000A, 0, 20, 8, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
    /* stream / NULL: header 0, trailer MAC */
    {"§12 TLS1.2 RC4", TLS12, 0x0005, 0, 20, 0, 0},
    {"§12 SSL3 RC4 MD5", SSL3, 0x0004, 0, 16, 0, 0},
    {"§12 TLS1.2 NULL SHA256", TLS12, 0x003B, 0, 32, 0, 0},
    {"§12 DTLS1.2 NULL", DTLS12, 0x0002, 0, 20, 0, 0},
    /* AEAD TLS <= 1.2 and DTLS: header = explicit nonce E, trailer T */
    {"§12 TLS1.2 GCM", TLS12, 0x009C, 8, 16, 0, 0},
    {"§12 TLS1.2 ECDHE GCM", TLS12, 0xC02F, 8, 16, 0, 0},
    {"§12 DTLS1.2 GCM", DTLS12, 0xC030, 8, 16, 0, 0},
    {"§12 TLS1.2 CCM", TLS12, 0xC0AC, 8, 16, 0, 0},
    {"§12 TLS1.2 CCM_8", TLS12, 0xC0AE, 8, 8, 0, 0},
    {"§12 DTLS1.2 CCM_8", DTLS12, 0xC0AF, 8, 8, 0, 0},
    {"§12 TLS1.2 ChaCha", TLS12, 0xCCA8, 0, 16, 0, 0},
    {"§12 DTLS1.2 ChaCha", DTLS12, 0xCCAA, 0, 16, 0, 0},
    /* TLS 1.3: header 0, trailer T; the inner type and padding are the caller's */
    {"§12 TLS1.3 GCM", TLS13, 0x1301, 0, 16, 0, 0},
    {"§12 TLS1.3 GCM-256", TLS13, 0x1302, 0, 16, 0, 0},
    {"§12 TLS1.3 ChaCha", TLS13, 0x1303, 0, 16, 0, 0},
    {"§12 TLS1.3 CCM", TLS13, 0x1304, 0, 16, 0, 0},
    {"§12 TLS1.3 CCM_8", TLS13, 0x1305, 0, 8, 0, 0},
    /* export suites are answered too (api.md B4: every protocol but SSL 2.0) */
    {"§12 SSL3 export DES", SSL3, 0x0062, 0, 20, 8, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
};

static void test_lengths(NCRYPT_PROV_HANDLE prov)
{
    for (size_t i = 0; i < sizeof len_cases / sizeof len_cases[0]; i++) {
        const struct len_case *c = &len_cases[i];
        NCRYPT_SSL_CIPHER_LENGTHS l;
        bool ok;

        memset(&l, 0xAA, sizeof l);
        CHECK_ST(SslLookupCipherLengths(prov, c->proto, c->id, 0, &l, sizeof l, 0), SEC_E_OK);
        ok = l.cbLength == 20 && l.dwHeaderLen == c->header && l.dwFixedTrailerLen == c->fixed &&
             l.dwMaxVariableTrailerLen == c->variable && l.dwFlags == c->flags;
        if (!ok)
            fprintf(stderr, "%s: got %u/%u/%u/%u/%u\n", c->spec, (unsigned)l.cbLength,
                    (unsigned)l.dwHeaderLen, (unsigned)l.dwFixedTrailerLen,
                    (unsigned)l.dwMaxVariableTrailerLen, (unsigned)l.dwFlags);
        CHECK(ok);
    }
}

static void test_lengths_negative(NCRYPT_PROV_HANDLE prov, NCRYPT_PROV_HANDLE freed)
{
    NCRYPT_SSL_CIPHER_LENGTHS l;
    uint8_t big[64];

    CHECK_ST(SslLookupCipherLengths(0, TLS12, 0x002F, 0, &l, sizeof l, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslLookupCipherLengths(0x7777, TLS12, 0x002F, 0, &l, sizeof l, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslLookupCipherLengths(freed, TLS12, 0x002F, 0, &l, sizeof l, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslLookupCipherLengths(0, TLS12, 0x002F, 0, NULL, 0, 1), NTE_INVALID_HANDLE);
    /* conventions.md §12 order: a protocol below SSL 3.0 first (before the provider handle),
     * then provider, output (NULL or cbLength < 20), flags, protocol/suite pair */
    CHECK_ST(SslLookupCipherLengths(0, SSL2, 0x010080, 0, &l, sizeof l, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherLengths(0, 0, 0x002F, 0, NULL, 0, 1), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherLengths(prov, SSL2, 0x010080, 0, &l, sizeof l, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherLengths(prov, 0x0200, 0x002F, 0, &l, sizeof l, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x002F, 0, NULL, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x002F, 0, NULL, 0, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x9999, 0, &l, 19, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x002F, 0, &l, sizeof l, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x9999, 0, &l, sizeof l, 1), NTE_BAD_FLAGS);
    /* an unknown pair is a bad parameter here (Windows), not an unsupported suite */
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x9999, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS13, 0x002F, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x1301, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x010080, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, 0x0305, 0x1301, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, 0xFEFE, 0x002F, 0, &l, sizeof l, 0), NTE_INVALID_PARAMETER);
    /* dwKeyType is never read: a group id, a curve on a static-RSA suite, leftovers */
    {
        static const DWORD key_types[] = {0, 23, 29, 0x1234, 0xFFFFFFFFu};
        NCRYPT_SSL_CIPHER_LENGTHS want;

        CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x002F, 0, &want, sizeof want, 0), SEC_E_OK);
        for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++) {
            memset(&l, 0xAA, sizeof l);
            CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0x002F, key_types[i], &l, sizeof l, 0), SEC_E_OK);
            CHECK(memcmp(&l, &want, sizeof l) == 0);
        }
        CHECK_ST(SslLookupCipherLengths(prov, TLS13, 0x1301, 0xFFFFFFFFu, &l, sizeof l, 0), SEC_E_OK);
    }
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0xC02F, 23, &l, 19, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0xC02F, 0, &l, 0, 0), NTE_INVALID_PARAMETER);
    /* a larger buffer is fine; only 20 bytes are written */
    memset(big, 0x55, sizeof big);
    CHECK_ST(SslLookupCipherLengths(prov, TLS12, 0xC02F, 0, (NCRYPT_SSL_CIPHER_LENGTHS *)big,
                                    sizeof big, 0), SEC_E_OK);
    CHECK(big[0] == 20 && big[20] == 0x55 && big[63] == 0x55);
}

/* ---- SslGetCipherSuitePRFHashAlgorithm ---------------------------------------------------- */

static void check_prf(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD id, const char *want)
{
    WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE];

    memset(name, 0xAA, sizeof name);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, proto, id, 0, name, 0), SEC_E_OK);
    if (!WIS(name, want))
        fprintf(stderr, "PRF of 0x%04x under 0x%04x is not %s\n", (unsigned)id, (unsigned)proto,
                want);
    CHECK(WIS(name, want));
}

static void test_prf(NCRYPT_PROV_HANDLE prov, NCRYPT_PROV_HANDLE freed)
{
    /* api.md B5: SHA384 for the *_SHA384 suites, SHA256 otherwise */
    static const DWORD sha384[] = {0x009D, 0x009F, 0x00A9, 0x00AF, 0x00B1, 0xC024, 0xC028,
                                   0xC02C, 0xC030};
    WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE];

    for (size_t i = 0; i < sizeof sha384 / sizeof sha384[0]; i++)
        check_prf(prov, TLS12, sha384[i], "SHA384");
    check_prf(prov, DTLS12, 0xC030, "SHA384");
    check_prf(prov, TLS12, 0x002F, "SHA256");
    check_prf(prov, DTLS12, 0x002F, "SHA256");
    check_prf(prov, TLS12, 0x009C, "SHA256");
    check_prf(prov, TLS12, 0xC02F, "SHA256");
    check_prf(prov, TLS12, 0x000A, "SHA256");
    check_prf(prov, TLS12, 0x00A8, "SHA256");
    /* conventions.md §8: SHA-256 for every added suite */
    check_prf(prov, TLS12, 0xCCA8, "SHA256");
    check_prf(prov, TLS12, 0xC0AD, "SHA256");
    check_prf(prov, TLS12, 0x006B, "SHA256");
    /* TLS 1.3: the suite hash */
    check_prf(prov, TLS13, 0x1301, "SHA256");
    check_prf(prov, TLS13, 0x1302, "SHA384");
    check_prf(prov, TLS13, 0x1303, "SHA256");
    check_prf(prov, TLS13, 0x1305, "SHA256");
    /* MD5+SHA1 and SSL 3.0 PRFs have no CNG name (OQ-PRF-1) */
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS10, 0x002F, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS11, 0x002F, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, DTLS10, 0x002F, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, SSL3, 0x002F, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, SSL2, 0x010080, 0, name, 0), NTE_NOT_SUPPORTED);
    /* negative twins */
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(0, TLS12, 0x002F, 0, name, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(0xdead, TLS12, 0x002F, 0, name, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(freed, TLS12, 0x002F, 0, name, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x002F, 0, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x002F, 0, NULL, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x002F, 0, name, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x9999, 0, name, 2), NTE_BAD_FLAGS);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x9999, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x1301, 0, name, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x010080, 0, name, 0), NTE_NOT_SUPPORTED);
    /* dwKeyType is not read (docs/suites.md): a group id on a static-RSA suite, leftovers */
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x009C, 23, name, 0), SEC_E_OK);
    CHECK(WIS(name, "SHA256"));
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x009D, 0xFFFFFFFFu, name, 0), SEC_E_OK);
    CHECK(WIS(name, "SHA384"));
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0xC02F, 23, name, 0), SEC_E_OK);
    CHECK_ST(SslGetCipherSuitePRFHashAlgorithm(prov, TLS12, 0x9999, 23, name, 0), NTE_NOT_SUPPORTED);
}

/* ---- enumeration -------------------------------------------------------------------------- */

#define MAX_RECORDS 256

struct rec {
    DWORD proto, id;
};

/* Every record of one enumeration (Ex or not), each checked against the lookup and freed. */
static size_t enumerate(NCRYPT_PROV_HANDLE prov, bool ex, struct rec *out)
{
    PVOID state = NULL;
    size_t n = 0;
    SECURITY_STATUS st;

    for (;;) {
        NCRYPT_SSL_CIPHER_SUITE *cs = (void *)1;
        NCRYPT_SSL_CIPHER_SUITE_EX *cx = (void *)1;
        NCRYPT_SSL_CIPHER_SUITE look;
        const NCRYPT_SSL_CIPHER_SUITE *common;

        st = ex ? SslEnumCipherSuitesEx(prov, 0, &cx, &state, 0)
                : SslEnumCipherSuites(prov, 0, &cs, &state, 0);
        if (st != SEC_E_OK)
            break;
        CHECK(state != NULL);
        if (ex) {
            CHECK(cx->dwVersion == NCRYPT_SSL_CIPHER_SUITE_EX_VERSION);
            common = (const NCRYPT_SSL_CIPHER_SUITE *)&cx->dwProtocol;
        } else {
            common = cs;
        }
        /* the record is what the lookup says about the same (protocol, suite) */
        CHECK_ST(SslLookupCipherSuiteInfo(prov, common->dwProtocol, common->dwCipherSuite, 0,
                                          &look, 0), SEC_E_OK);
        CHECK(memcmp(&look, common, sizeof look) == 0);
        if (n < MAX_RECORDS)
            out[n++] = (struct rec){common->dwProtocol, common->dwCipherSuite};
        CHECK_ST(SslFreeBuffer(ex ? (void *)cx : (void *)cs), SEC_E_OK);
    }
    CHECK_ST(st, NTE_NO_MORE_ITEMS);
    /* our choice: NULL on NTE_NO_MORE_ITEMS; the state stays valid and is the caller's */
    {
        NCRYPT_SSL_CIPHER_SUITE *cs = (void *)1;

        if (!ex) {
            CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &state, 0), NTE_NO_MORE_ITEMS);
            CHECK(cs == NULL);
        }
    }
    CHECK_ST(SslFreeBuffer(state), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(state), NTE_INVALID_PARAMETER); /* double free */
    return n;
}

/* Position of the first record of id, or -1. */
static long pos_of(const struct rec *r, size_t n, DWORD id)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].id == id)
            return (long)i;
    return -1;
}

/* Suites in first-appearance order (the "suite order" the rules talk about). */
static size_t suite_order(const struct rec *r, size_t n, DWORD *ids)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (pos_of(r, n, r[i].id) == (long)i)
            ids[k++] = r[i].id;
    return k;
}

static long idx(const DWORD *ids, size_t k, DWORD id)
{
    for (size_t i = 0; i < k; i++)
        if (ids[i] == id)
            return (long)i;
    return -1;
}

/* api.md B1 groups in order; conventions.md §8 places the additions within them. */
static const DWORD grp_tls13[] = {0x1302, 0x1301, 0x1303, 0x1304};
static const DWORD grp_ecdhe_gcm[] = {0xC02C, 0xC02B, 0xC030, 0xC02F, 0xCCA9, 0xCCA8};
static const DWORD grp_dhe_gcm[] = {0x009F, 0x009E, 0xCCAA};
static const DWORD grp_rsa_gcm[] = {0x009D, 0x009C};
static const DWORD grp_ecdhe_cbc2[] = {0xC024, 0xC023, 0xC028, 0xC027};
static const DWORD grp_ecdhe_cbc1[] = {0xC00A, 0xC009, 0xC014, 0xC013, 0xC0AC, 0xC0AD};
static const DWORD grp_dhe_cbc[] = {0x006B, 0x0067, 0x0039, 0x0033};
static const DWORD grp_rsa_cbc2[] = {0x003D, 0x003C};
static const DWORD grp_rsa_cbc1[] = {0x0035, 0x002F};

struct group {
    const DWORD *ids;
    size_t n;
};
#define GRP(a) {a, sizeof a / sizeof a[0]}

static void check_order_rules(const struct rec *r, size_t n)
{
    DWORD ids[MAX_RECORDS];
    size_t k = suite_order(r, n, ids);
    static const struct group groups[] = {GRP(grp_tls13), GRP(grp_ecdhe_gcm), GRP(grp_dhe_gcm),
        GRP(grp_rsa_gcm), GRP(grp_ecdhe_cbc2), GRP(grp_ecdhe_cbc1), GRP(grp_dhe_cbc),
        GRP(grp_rsa_cbc2), GRP(grp_rsa_cbc1)};
    size_t total = 0;
    long prev_max = -1;

    /* exactly these suites, groups in api.md B1 order */
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        long lo = LONG_MAX, hi = -1;

        for (size_t i = 0; i < groups[g].n; i++) {
            long at = idx(ids, k, groups[g].ids[i]);

            if (at < 0)
                fprintf(stderr, "suite 0x%04x not enumerated\n", (unsigned)groups[g].ids[i]);
            CHECK(at >= 0);
            lo = at >= 0 && at < lo ? at : lo;
            hi = at > hi ? at : hi;
        }
        CHECK(lo > prev_max);
        prev_max = hi;
        total += groups[g].n;
    }
    CHECK(k == total);
    /* TLS 1.3: 0x1302, 0x1301, then 0x1303, then 0x1304 — the first four records */
    CHECK(n >= 4 && r[0].id == 0x1302 && r[1].id == 0x1301 && r[2].id == 0x1303 &&
          r[3].id == 0x1304);
    for (size_t i = 0; i < 4 && i < n; i++)
        CHECK(r[i].proto == TLS13);
    /* 256 before 128 */
    CHECK(idx(ids, k, 0xC02C) < idx(ids, k, 0xC02B));
    CHECK(idx(ids, k, 0xC030) < idx(ids, k, 0xC02F));
    CHECK(idx(ids, k, 0x009F) < idx(ids, k, 0x009E));
    CHECK(idx(ids, k, 0x009D) < idx(ids, k, 0x009C));
    /* each ChaCha20 suite right after the AES-128-GCM suite of the same exchange/auth */
    CHECK(idx(ids, k, 0xCCA9) == idx(ids, k, 0xC02B) + 1);
    CHECK(idx(ids, k, 0xCCA8) == idx(ids, k, 0xC02F) + 1);
    CHECK(idx(ids, k, 0xCCAA) == idx(ids, k, 0x009E) + 1);
    /* CCM right after the ECDHE-ECDSA CBC-SHA suites */
    {
        long ecdsa_sha = idx(ids, k, 0xC009) > idx(ids, k, 0xC00A) ? idx(ids, k, 0xC009)
                                                                   : idx(ids, k, 0xC00A);
        long c1 = idx(ids, k, 0xC0AC), c2 = idx(ids, k, 0xC0AD);

        CHECK((c1 < c2 ? c1 : c2) == ecdsa_sha + 1);
        CHECK((c1 > c2 ? c1 : c2) == ecdsa_sha + 2);
    }
    /* DHE-RSA CBC after every ECDHE CBC-SHA suite */
    CHECK(idx(ids, k, 0x006B) > idx(ids, k, 0xC013) && idx(ids, k, 0x006B) > idx(ids, k, 0xC009));
}

static void check_record_rules(NCRYPT_PROV_HANDLE prov, const struct rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        NCRYPT_SSL_CIPHER_SUITE cs;
        char name[NCRYPT_SSL_MAX_NAME_SIZE];
        bool legacy;

        /* only TLS 1.3, TLS 1.2 and DTLS 1.2 records */
        CHECK(r[i].proto == TLS13 || r[i].proto == TLS12 || r[i].proto == DTLS12);
        if (SslLookupCipherSuiteInfo(prov, r[i].proto, r[i].id, 0, &cs, 0) != SEC_E_OK) {
            CHECK(0);
            continue;
        }
        /* never: RC4, DES, 3DES, NULL, PSK, DHE-DSS, CCM_8, export, SSL 2.0 */
        legacy = WIS(cs.szCipher, "RC4") || WIS(cs.szCipher, "DES") ||
                 WIS(cs.szCipher, "3DES") || WIS(cs.szCipher, "RC2") || WIS(cs.szCipher, "") ||
                 WIS(cs.szExchange, "PSK") || WIS(cs.szCertificate, "DSA") || r[i].id > 0xFFFF;
        for (size_t j = 0; j < NCRYPT_SSL_MAX_NAME_SIZE; j++)
            name[j] = (char)cs.szCipherSuite[j];
        name[NCRYPT_SSL_MAX_NAME_SIZE - 1] = '\0';
        legacy |= strstr(name, "CCM_8") != NULL || strstr(name, "EXPORT") != NULL;
        if (legacy)
            fprintf(stderr, "legacy suite 0x%04x enumerated\n", (unsigned)r[i].id);
        CHECK(!legacy);
        /* no duplicates */
        for (size_t j = 0; j < i; j++)
            CHECK(!(r[j].id == r[i].id && r[j].proto == r[i].proto));
        /* the TLS 1.2 record comes right before the DTLS 1.2 record of the same suite */
        if (r[i].proto == DTLS12)
            CHECK(i > 0 && r[i - 1].id == r[i].id && r[i - 1].proto == TLS12);
        if (r[i].proto == TLS12) {
            bool in_dtls =
                SslLookupCipherSuiteInfo(prov, DTLS12, r[i].id, 0, &cs, 0) == SEC_E_OK;

            CHECK(!in_dtls || (i + 1 < n && r[i + 1].id == r[i].id && r[i + 1].proto == DTLS12));
        }
    }
}

static void check_modes(NCRYPT_PROV_HANDLE prov)
{
    static const struct {
        DWORD id;
        const char *mode;
    } modes[] = {{0x1301, "ChainingModeGCM"}, {0x1303, "ChainingModeN/A"},
                 {0x1304, "ChainingModeCCM"}, {0xC02F, "ChainingModeGCM"},
                 {0xC0AC, "ChainingModeCCM"}, {0x002F, "ChainingModeCBC"},
                 {0xCCA8, "ChainingModeN/A"}, {0x006B, "ChainingModeCBC"}};
    unsigned seen[sizeof modes / sizeof modes[0]] = {0};
    NCRYPT_SSL_CIPHER_SUITE_EX *cx;
    PVOID state = NULL;

    while (SslEnumCipherSuitesEx(prov, 0, &cx, &state, 0) == SEC_E_OK) {
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            if (cx->dwCipherSuite != modes[i].id)
                continue;
            seen[i]++;
            CHECK(WIS(cx->szCipherMode, modes[i].mode));
        }
        SslFreeBuffer(cx);
    }
    CHECK_ST(SslFreeBuffer(state), SEC_E_OK);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        CHECK(seen[i] > 0);
}

static void test_enum(NCRYPT_PROV_HANDLE prov)
{
    static struct rec plain[MAX_RECORDS], ex[MAX_RECORDS];
    size_t n = enumerate(prov, false, plain), nx = enumerate(prov, true, ex);

    CHECK(n > 0 && n < MAX_RECORDS);
    /* 4 TLS 1.3 records + 29 suites in TLS 1.2 and DTLS 1.2 */
    CHECK(n == 4 + 29 * 2);
    /* Ex enumerates the same records in the same order */
    CHECK(nx == n && memcmp(plain, ex, n * sizeof plain[0]) == 0);
    check_order_rules(plain, n);
    check_record_rules(prov, plain, n);
    check_modes(prov);
}

static void test_enum_states(NCRYPT_PROV_HANDLE prov, NCRYPT_PROV_HANDLE freed)
{
    NCRYPT_SSL_CIPHER_SUITE *cs = (void *)1, *cs2;
    NCRYPT_SSL_CIPHER_SUITE_EX *cx = (void *)1;
    PVOID state = NULL, state_ex = NULL, state2 = NULL, foreign;
    uint64_t local = 0;

    /* two enumerations are independent */
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &state, 0), SEC_E_OK);
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs2, &state2, 0), SEC_E_OK);
    CHECK(state != state2 && cs->dwCipherSuite == cs2->dwCipherSuite);
    SslFreeBuffer(cs);
    SslFreeBuffer(cs2);
    /* dwFlags is ignored */
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &state2, 0xFFFFFFFFu), SEC_E_OK);
    CHECK(cs != NULL && cs->dwCipherSuite == 0x1301);
    SslFreeBuffer(cs);
    CHECK_ST(SslEnumCipherSuitesEx(prov, 0, &cx, &state_ex, 0), SEC_E_OK);
    SslFreeBuffer(cx);

    /* B2: the states are not interchangeable */
    cs = (void *)1;
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &state_ex, 0), NTE_INVALID_PARAMETER);
    CHECK(cs == NULL);
    cx = (void *)1;
    CHECK_ST(SslEnumCipherSuitesEx(prov, 0, &cx, &state, 0), NTE_INVALID_PARAMETER);
    CHECK(cx == NULL);
    /* memory we never handed out, and a record instead of a state */
    foreign = &local;
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &foreign, 0), NTE_INVALID_PARAMETER);
    CHECK(foreign == &local && local == 0);
    foreign = malloc(64);
    CHECK_ST(SslEnumCipherSuitesEx(prov, 0, &cx, &foreign, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslFreeBuffer(foreign), NTE_INVALID_PARAMETER);
    free(foreign);
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs2, &state2, 0), SEC_E_OK);
    foreign = cs2;
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &foreign, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslFreeBuffer(cs2), SEC_E_OK);
    foreign = cs2; /* freed state */
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &foreign, 0), NTE_INVALID_PARAMETER);

    /* handles: provider first, then the outputs, then hPrivateKey */
    CHECK_ST(SslEnumCipherSuites(0, 0, &cs, &state, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuites(0x4242, 0, &cs, &state, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuites(freed, 0, &cs, &state, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuitesEx(freed, 0, &cx, &state_ex, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuites(0, 0, NULL, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuites(prov, 0, NULL, &state, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumCipherSuitesEx(prov, 0, NULL, &state_ex, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumCipherSuitesEx(prov, 0, &cx, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumCipherSuites(prov, 0x4242, NULL, &state, 0), NTE_INVALID_PARAMETER);
    /* hPrivateKey: random, the provider itself (wrong class), a freed handle */
    cs = (void *)1;
    CHECK_ST(SslEnumCipherSuites(prov, 0x4242, &cs, &state, 0), NTE_INVALID_HANDLE);
    CHECK(cs == NULL);
    CHECK_ST(SslEnumCipherSuites(prov, prov, &cs, &state, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumCipherSuitesEx(prov, freed, &cx, &state_ex, 0), NTE_INVALID_HANDLE);
    /* a bad key on the first call hands out no state */
    {
        PVOID fresh = NULL;

        CHECK_ST(SslEnumCipherSuites(prov, 0x4242, &cs, &fresh, 0), NTE_INVALID_HANDLE);
        CHECK(fresh == NULL);
    }
    /* the failed calls left the enumeration where it was: record 2 is 0x1301 */
    CHECK_ST(SslEnumCipherSuites(prov, 0, &cs, &state, 0), SEC_E_OK);
    CHECK(cs != NULL && cs->dwCipherSuite == 0x1301);
    SslFreeBuffer(cs);

    CHECK_ST(SslFreeBuffer(state), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(state2), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(state_ex), SEC_E_OK);
    /* SslFreeBuffer of NULL and of non-library memory (api.md A4) */
    CHECK_ST(SslFreeBuffer(NULL), NTE_INVALID_PARAMETER);
    CHECK_ST(SslFreeBuffer(&local), NTE_INVALID_PARAMETER);
}

/* ---- SslEnumEccCurves --------------------------------------------------------------------- */

static void test_curves(NCRYPT_PROV_HANDLE prov, NCRYPT_PROV_HANDLE freed)
{
    /* api.md §3.8 values; all five groups of conventions.md §8, curve448 last */
    static const struct {
        const char *name, *oid;
        DWORD bits, type;
    } want[] = {{"curve25519", "1.3.101.110", 255, 29},
                {"NistP256", "1.2.840.10045.3.1.7", 256, 23},
                {"NistP384", "1.3.132.0.34", 384, 24},
                {"NistP521", "1.3.132.0.35", 521, 25},
                {"curve448", "1.3.101.111", 448, 30}};
    NCRYPT_SSL_ECC_CURVE *c = (void *)1;
    DWORD n = 99;

    CHECK_ST(SslEnumEccCurves(prov, &n, &c, 0), SEC_E_OK);
    CHECK(n == sizeof want / sizeof want[0]);
    for (DWORD i = 0; c != NULL && i < n && i < sizeof want / sizeof want[0]; i++) {
        CHECK(wfield_is(c[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH, want[i].name));
        CHECK(strcmp(c[i].szOID, want[i].oid) == 0);
        CHECK(c[i].dwPublicKeyLength == want[i].bits);
        CHECK(c[i].dwCurveType == want[i].type);
        CHECK(c[i].dwFlags == 0);
    }
    CHECK_ST(SslFreeBuffer(c), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(c), NTE_INVALID_PARAMETER);
    /* dwFlags ignored */
    CHECK_ST(SslEnumEccCurves(prov, &n, &c, 0x80000000u), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(c), SEC_E_OK);
    /* negative twins */
    c = (void *)1;
    CHECK_ST(SslEnumEccCurves(0, &n, &c, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumEccCurves(0x31337, &n, &c, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumEccCurves(freed, &n, &c, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumEccCurves(0, NULL, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslEnumEccCurves(prov, NULL, &c, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumEccCurves(prov, &n, NULL, 0), NTE_INVALID_PARAMETER);
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov = 0, freed = 0;

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    CHECK_ST(SslOpenProvider(&freed, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(freed, 0), SEC_E_OK);

    test_lookup(prov);
    test_lookup_key_type(prov);
    test_lookup_negative(prov, freed);
    test_lengths(prov);
    test_lengths_negative(prov, freed);
    test_prf(prov, freed);
    test_enum(prov);
    test_enum_states(prov, freed);
    test_curves(prov, freed);

    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    return check_summary();
}
