/* THE cipher-suite table: api.md §5 (catalogue), §8.3 (key material), §8.8 (record lengths),
 * conventions.md §5 (AEAD shapes) and §8 (added suites, default enumeration). */
#include <stddef.h>
#include <string.h>
#include "cng_names.h"
#include "suites.h"
#include "wstr.h"

/* ---- protocols (api.md §4.3) ------------------------------------------------------------- */

static const struct {
    DWORD code;
    const char *name; /* CLI spelling */
} protos[PROTO_COUNT] = {
    [PROTO_SSL2] = {0x0002, "ssl2"},     [PROTO_SSL3] = {0x0300, "ssl3"},
    [PROTO_TLS10] = {0x0301, "tls1.0"},  [PROTO_TLS11] = {0x0302, "tls1.1"},
    [PROTO_TLS12] = {0x0303, "tls1.2"},  [PROTO_TLS13] = {0x0304, "tls1.3"},
    [PROTO_DTLS10] = {0xFEFF, "dtls1.0"}, [PROTO_DTLS12] = {0xFEFD, "dtls1.2"},
};

bool proto_from_dword(DWORD v, enum proto *out)
{
    for (int p = 0; p < PROTO_COUNT; p++) {
        if (protos[p].code == v) {
            *out = (enum proto)p;
            return true;
        }
    }
    return false;
}

DWORD proto_to_dword(enum proto p)
{
    return (unsigned)p < PROTO_COUNT ? protos[p].code : 0;
}

const char *proto_name(enum proto p)
{
    return (unsigned)p < PROTO_COUNT ? protos[p].name : "";
}

bool proto_is_dtls(enum proto p)
{
    return p == PROTO_DTLS10 || p == PROTO_DTLS12;
}

/* ---- the table ---------------------------------------------------------------------------- */

/* Protocol sets, named as in api.md §5. */
#define S2 PB(PROTO_SSL2)
#define S3 PB(PROTO_SSL3)
#define T0 PB(PROTO_TLS10)
#define T1 PB(PROTO_TLS11)
#define T2 PB(PROTO_TLS12)
#define T3 PB(PROTO_TLS13)
#define D0 PB(PROTO_DTLS10)
#define D2 PB(PROTO_DTLS12)
#define ALL6 (S3 | T0 | T1 | T2 | D0 | D2) /* SSL 3.0 - TLS 1.2 and both DTLS */
#define ECC5 (T0 | T1 | T2 | D0 | D2)      /* RFC 4492 suites: TLS 1.0 and later */

/* cipher, mode, szCipher, dwCipherLen (bits), dwCipherBlockLen (bytes), key bytes (§8.3).
 * Lookup-only rows (export, SSL 2.0) carry CIPHER_NULL: they are never keyed. */
#define C_NULL CIPHER_NULL, MODE_NULL, "", 0, 0, 0
#define C_RC4 CIPHER_RC4, MODE_STREAM, "RC4", 128, 1, 16
#define C_DES CIPHER_DES_CBC, MODE_CBC, "DES", 56, 8, 8
#define C_3DES CIPHER_3DES_CBC, MODE_CBC, "3DES", 168, 8, 24
#define C_AES128_CBC CIPHER_AES128_CBC, MODE_CBC, "AES", 128, 16, 16
#define C_AES256_CBC CIPHER_AES256_CBC, MODE_CBC, "AES", 256, 16, 32
#define C_AES128_GCM CIPHER_AES128_GCM, MODE_GCM, "AES", 128, 16, 16
#define C_AES256_GCM CIPHER_AES256_GCM, MODE_GCM, "AES", 256, 16, 32
#define C_AES128_CCM CIPHER_AES128_CCM, MODE_CCM, "AES", 128, 16, 16
#define C_AES256_CCM CIPHER_AES256_CCM, MODE_CCM, "AES", 256, 16, 32
#define C_CHACHA CIPHER_CHACHA20_POLY1305, MODE_CHACHA, "CHACHA20_POLY1305", 256, 1, 32
#define X_RC4_40 CIPHER_NULL, MODE_STREAM, "RC4", 40, 1, 5 /* 5 -> 16 bytes (export) */
#define X_RC4_56 CIPHER_NULL, MODE_STREAM, "RC4", 56, 1, 7 /* 7 -> 16 bytes (export1024) */
#define X_DES CIPHER_NULL, MODE_CBC, "DES", 56, 8, 8
#define X_RC4_128 CIPHER_NULL, MODE_STREAM, "RC4", 128, 1, 16
#define X_RC2_128 CIPHER_NULL, MODE_CBC, "RC2", 128, 8, 16
#define X_RC2_40 CIPHER_NULL, MODE_CBC, "RC2", 40, 8, 16

/* record MAC hash and MAC key bytes (= hash size, §8.3) */
#define M_AEAD MD_NONE, 0 /* AEAD: no record MAC */
#define M_NONE MD_NONE, 0
#define M_MD5 MD_MD5, 16
#define M_SHA1 MD_SHA1, 20
#define M_SHA256 MD_SHA256, 32
#define M_SHA384 MD_SHA384, 48

/* AEAD shape (conventions.md §5): fixed IV, explicit nonce, tag. CBC ciphers take their IV
 * from the block length and the protocol, so they carry no shape here. */
#define N_NONE 0, 0, 0
#define N_AEAD12 4, 8, 16    /* TLS 1.2 GCM / CCM: salt 4 || explicit 8 */
#define N_CCM8_12 4, 8, 8
#define N_CHACHA12 12, 0, 16 /* RFC 7905: 12-byte IV XOR sequence number */
#define N_TLS13 12, 0, 16
#define N_CCM8_13 12, 0, 8

/* dwMin/MaxExchangeLen in bits. RSA and ECDH as observed (api.md §3.5). DH is "?" in §5:
 * our choice is 1024-8192 - below 1024 is Logjam territory, 8192 is the largest RFC 7919
 * group (ffdhe8192, conventions.md §6) and stays under OpenSSL's DH modulus limit. */
#define E_RSA 512, 16384
#define E_DH 1024, 8192
#define E_ECDH 0, 65536
#define E_NONE 0, 0
#define E_EXP 512, 512
#define E_EXP1024 512, 1024

#define NE SUITE_NO_ENUM
#define LEG (SUITE_LEGACY | SUITE_NO_ENUM)
#define EXP (SUITE_EXPORT | SUITE_LEGACY | SUITE_NO_ENUM)
#define SSL2 (SUITE_SSL2 | SUITE_LEGACY | SUITE_NO_ENUM)

static const struct suite suites[] = {
    /* id, name, protocols, kx, auth, cipher..., mac..., shape..., prf, exchange, flags */
    {0x0001, "TLS_RSA_WITH_NULL_MD5", S3 | T0 | T1 | T2, KX_RSA, AUTH_RSA, C_NULL, M_MD5, N_NONE, MD_SHA256, E_RSA, NE},
    {0x0002, "TLS_RSA_WITH_NULL_SHA", ALL6, KX_RSA, AUTH_RSA, C_NULL, M_SHA1, N_NONE, MD_SHA256, E_RSA, NE},
    {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", S3 | T0, KX_RSA, AUTH_RSA, X_RC4_40, M_MD5, N_NONE, MD_NONE, E_EXP, EXP},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5", S3 | T0 | T1 | T2, KX_RSA, AUTH_RSA, C_RC4, M_MD5, N_NONE, MD_SHA256, E_RSA, LEG},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA", S3 | T0 | T1 | T2, KX_RSA, AUTH_RSA, C_RC4, M_SHA1, N_NONE, MD_SHA256, E_RSA, LEG},
    {0x0009, "TLS_RSA_WITH_DES_CBC_SHA", S3 | T0 | T1 | D0, KX_RSA, AUTH_RSA, C_DES, M_SHA1, N_NONE, MD_NONE, E_RSA, LEG},
    {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ALL6, KX_RSA, AUTH_RSA, C_3DES, M_SHA1, N_NONE, MD_SHA256, E_RSA, NE},
    {0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", S3 | T0 | T1 | D0, KX_DHE, AUTH_DSS, C_DES, M_SHA1, N_NONE, MD_NONE, E_DH, LEG},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", ALL6, KX_DHE, AUTH_DSS, C_3DES, M_SHA1, N_NONE, MD_SHA256, E_DH, NE},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", ALL6, KX_DHE, AUTH_RSA, C_3DES, M_SHA1, N_NONE, MD_SHA256, E_DH, NE},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", ALL6, KX_RSA, AUTH_RSA, C_AES128_CBC, M_SHA1, N_NONE, MD_SHA256, E_RSA, 0},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", ALL6, KX_DHE, AUTH_DSS, C_AES128_CBC, M_SHA1, N_NONE, MD_SHA256, E_DH, NE},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", ALL6, KX_DHE, AUTH_RSA, C_AES128_CBC, M_SHA1, N_NONE, MD_SHA256, E_DH, 0},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", ALL6, KX_RSA, AUTH_RSA, C_AES256_CBC, M_SHA1, N_NONE, MD_SHA256, E_RSA, 0},
    {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", ALL6, KX_DHE, AUTH_DSS, C_AES256_CBC, M_SHA1, N_NONE, MD_SHA256, E_DH, NE},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", ALL6, KX_DHE, AUTH_RSA, C_AES256_CBC, M_SHA1, N_NONE, MD_SHA256, E_DH, 0},
    {0x003B, "TLS_RSA_WITH_NULL_SHA256", T2 | D2, KX_RSA, AUTH_RSA, C_NULL, M_SHA256, N_NONE, MD_SHA256, E_RSA, NE},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", T2 | D2, KX_RSA, AUTH_RSA, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_RSA, 0},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", T2 | D2, KX_RSA, AUTH_RSA, C_AES256_CBC, M_SHA256, N_NONE, MD_SHA256, E_RSA, 0},
    {0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", T2 | D2, KX_DHE, AUTH_DSS, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_DH, NE},
    {0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", S3 | T0, KX_RSA, AUTH_RSA, X_DES, M_SHA1, N_NONE, MD_NONE, E_EXP1024, EXP},
    {0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", S3 | T0, KX_DHE, AUTH_DSS, X_DES, M_SHA1, N_NONE, MD_NONE, E_EXP1024, EXP},
    {0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", S3 | T0, KX_RSA, AUTH_RSA, X_RC4_56, M_SHA1, N_NONE, MD_NONE, E_EXP1024, EXP},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", T2 | D2, KX_DHE, AUTH_RSA, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_DH, 0},
    {0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", T2 | D2, KX_DHE, AUTH_DSS, C_AES256_CBC, M_SHA256, N_NONE, MD_SHA256, E_DH, NE},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", T2 | D2, KX_DHE, AUTH_RSA, C_AES256_CBC, M_SHA256, N_NONE, MD_SHA256, E_DH, 0},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", T2 | D2, KX_RSA, AUTH_RSA, C_AES128_GCM, M_AEAD, N_AEAD12, MD_SHA256, E_RSA, 0},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", T2 | D2, KX_RSA, AUTH_RSA, C_AES256_GCM, M_AEAD, N_AEAD12, MD_SHA384, E_RSA, 0},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", T2 | D2, KX_DHE, AUTH_RSA, C_AES128_GCM, M_AEAD, N_AEAD12, MD_SHA256, E_DH, 0},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", T2 | D2, KX_DHE, AUTH_RSA, C_AES256_GCM, M_AEAD, N_AEAD12, MD_SHA384, E_DH, 0},
    {0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256", T2, KX_PSK, AUTH_NONE, C_AES128_GCM, M_AEAD, N_AEAD12, MD_SHA256, E_NONE, NE},
    {0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384", T2, KX_PSK, AUTH_NONE, C_AES256_GCM, M_AEAD, N_AEAD12, MD_SHA384, E_NONE, NE},
    {0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256", T2, KX_PSK, AUTH_NONE, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_NONE, NE},
    {0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384", T2, KX_PSK, AUTH_NONE, C_AES256_CBC, M_SHA384, N_NONE, MD_SHA384, E_NONE, NE},
    {0x00B0, "TLS_PSK_WITH_NULL_SHA256", T2, KX_PSK, AUTH_NONE, C_NULL, M_SHA256, N_NONE, MD_SHA256, E_NONE, NE},
    {0x00B1, "TLS_PSK_WITH_NULL_SHA384", T2, KX_PSK, AUTH_NONE, C_NULL, M_SHA384, N_NONE, MD_SHA384, E_NONE, NE},
    /* TLS 1.3 (RFC 8446 §B.4): no exchange, no certificate, the hash is the HKDF hash */
    {0x1301, "TLS_AES_128_GCM_SHA256", T3, KX_NONE, AUTH_NONE, C_AES128_GCM, M_AEAD, N_TLS13, MD_SHA256, E_NONE, 0},
    {0x1302, "TLS_AES_256_GCM_SHA384", T3, KX_NONE, AUTH_NONE, C_AES256_GCM, M_AEAD, N_TLS13, MD_SHA384, E_NONE, 0},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", T3, KX_NONE, AUTH_NONE, C_CHACHA, M_AEAD, N_TLS13, MD_SHA256, E_NONE, 0},
    {0x1304, "TLS_AES_128_CCM_SHA256", T3, KX_NONE, AUTH_NONE, C_AES128_CCM, M_AEAD, N_TLS13, MD_SHA256, E_NONE, 0},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", T3, KX_NONE, AUTH_NONE, C_AES128_CCM, M_AEAD, N_CCM8_13, MD_SHA256, E_NONE, NE},
    /* RFC 4492 / 5289 */
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", ECC5, KX_ECDHE, AUTH_ECDSA, C_AES128_CBC, M_SHA1, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", ECC5, KX_ECDHE, AUTH_ECDSA, C_AES256_CBC, M_SHA1, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", ECC5, KX_ECDHE, AUTH_RSA, C_AES128_CBC, M_SHA1, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", ECC5, KX_ECDHE, AUTH_RSA, C_AES256_CBC, M_SHA1, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES256_CBC, M_SHA384, N_NONE, MD_SHA384, E_ECDH, 0},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", T2 | D2, KX_ECDHE, AUTH_RSA, C_AES128_CBC, M_SHA256, N_NONE, MD_SHA256, E_ECDH, 0},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", T2 | D2, KX_ECDHE, AUTH_RSA, C_AES256_CBC, M_SHA384, N_NONE, MD_SHA384, E_ECDH, 0},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES128_GCM, M_AEAD, N_AEAD12, MD_SHA256, E_ECDH, 0},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES256_GCM, M_AEAD, N_AEAD12, MD_SHA384, E_ECDH, 0},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", T2 | D2, KX_ECDHE, AUTH_RSA, C_AES128_GCM, M_AEAD, N_AEAD12, MD_SHA256, E_ECDH, 0},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", T2 | D2, KX_ECDHE, AUTH_RSA, C_AES256_GCM, M_AEAD, N_AEAD12, MD_SHA384, E_ECDH, 0},
    /* RFC 7251 (conventions.md §8: PRF SHA-256 for all added suites) */
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES128_CCM, M_AEAD, N_AEAD12, MD_SHA256, E_ECDH, 0},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES256_CCM, M_AEAD, N_AEAD12, MD_SHA256, E_ECDH, 0},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES128_CCM, M_AEAD, N_CCM8_12, MD_SHA256, E_ECDH, NE},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_AES256_CCM, M_AEAD, N_CCM8_12, MD_SHA256, E_ECDH, NE},
    /* RFC 7905 */
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", T2 | D2, KX_ECDHE, AUTH_RSA, C_CHACHA, M_AEAD, N_CHACHA12, MD_SHA256, E_ECDH, 0},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", T2 | D2, KX_ECDHE, AUTH_ECDSA, C_CHACHA, M_AEAD, N_CHACHA12, MD_SHA256, E_ECDH, 0},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", T2 | D2, KX_DHE, AUTH_RSA, C_CHACHA, M_AEAD, N_CHACHA12, MD_SHA256, E_DH, 0},
    /* SSL 2.0 cipher kinds: lookup only. IDEA and DES-EDE3 have no protocol (observed on
     * Windows with every field empty), so looking them up is NTE_NOT_SUPPORTED. */
    {0x010080, "SSL_CK_RC4_128_WITH_MD5", S2, KX_RSA, AUTH_RSA, X_RC4_128, M_MD5, N_NONE, MD_NONE, E_RSA, SSL2},
    {0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", S2, KX_RSA, AUTH_RSA, X_RC4_40, M_MD5, N_NONE, MD_NONE, E_EXP, SSL2 | SUITE_EXPORT},
    {0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5", S2, KX_RSA, AUTH_RSA, X_RC2_128, M_MD5, N_NONE, MD_NONE, E_RSA, SSL2},
    {0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", S2, KX_RSA, AUTH_RSA, X_RC2_40, M_MD5, N_NONE, MD_NONE, E_EXP, SSL2 | SUITE_EXPORT},
    {0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5", 0, KX_NONE, AUTH_NONE, C_NULL, M_NONE, N_NONE, MD_NONE, E_NONE, SSL2},
    {0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", S2, KX_RSA, AUTH_RSA, X_DES, M_MD5, N_NONE, MD_NONE, E_RSA, SSL2},
    {0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", 0, KX_NONE, AUTH_NONE, C_NULL, M_NONE, N_NONE, MD_NONE, E_NONE, SSL2},
};

#define N_SUITES (sizeof suites / sizeof suites[0])

const struct suite *suite_find(uint32_t id)
{
    for (size_t i = 0; i < N_SUITES; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

bool suite_has_proto(const struct suite *s, enum proto p)
{
    return (unsigned)p < PROTO_COUNT && (s->protocols & PB(p)) != 0;
}

size_t suite_count(void)
{
    return N_SUITES;
}

const struct suite *suite_at(size_t i)
{
    return i < N_SUITES ? &suites[i] : NULL;
}

/* ---- default enumeration (conventions.md §8) ---------------------------------------------- */

/* api.md B1's preference order, with the additions placed as conventions.md §8 says. Each id
 * yields its TLS 1.3, TLS 1.2 and DTLS 1.2 records in that order (TLS right before DTLS). */
static const uint32_t enum_order[] = {
    0x1302, 0x1301, 0x1303, 0x1304,                 /* TLS 1.3 */
    0xC02C, 0xC02B, 0xCCA9, 0xC030, 0xC02F, 0xCCA8, /* ECDHE AES-GCM 256, 128, then ChaCha */
    0x009F, 0x009E, 0xCCAA,                         /* DHE-RSA AES-GCM, ChaCha */
    0x009D, 0x009C,                                 /* RSA AES-GCM */
    0xC024, 0xC023, 0xC028, 0xC027,                 /* ECDHE AES-CBC-SHA384/SHA256 */
    0xC00A, 0xC009,                                 /* ECDHE-ECDSA AES-CBC-SHA */
    0xC0AD, 0xC0AC,                                 /*   then CCM (never CCM_8) */
    0xC014, 0xC013,                                 /* ECDHE-RSA AES-CBC-SHA */
    0x006B, 0x0067, 0x0039, 0x0033,                 /* DHE-RSA AES-CBC */
    0x003D, 0x003C,                                 /* RSA AES-CBC-SHA256 */
    0x0035, 0x002F,                                 /* RSA AES-CBC-SHA */
};

static const enum proto enum_protos[] = {PROTO_TLS13, PROTO_TLS12, PROTO_DTLS12};
#define N_ENUM_PROTOS (sizeof enum_protos / sizeof enum_protos[0])
#define N_ENUM_POS (sizeof enum_order / sizeof enum_order[0] * N_ENUM_PROTOS)

/* api.md B1 with conventions.md §8: an RSA key lists RSA-certificate suites (RSA key exchange
 * only when it can decrypt) and TLS 1.3; ECDSA likewise; DSA only DSS suites. */
static bool filter_allows(const struct suite_filter *f, const struct suite *s)
{
    bool tls13 = suite_has_proto(s, PROTO_TLS13);

    switch (f->cert) {
    case AUTH_NONE:
        return true;
    case AUTH_RSA:
        return tls13 || (s->auth == AUTH_RSA && (s->kx != KX_RSA || f->rsa_decrypt));
    case AUTH_ECDSA:
        return tls13 || s->auth == AUTH_ECDSA;
    case AUTH_DSS:
        return s->auth == AUTH_DSS;
    }
    return false;
}

bool suites_enum_next(size_t *pos, const struct suite_filter *filter,
                      const struct suite **s, enum proto *p)
{
    for (size_t i = *pos; i < N_ENUM_POS; i++) {
        const struct suite *cand = suite_find(enum_order[i / N_ENUM_PROTOS]);
        enum proto cp = enum_protos[i % N_ENUM_PROTOS];

        /* SUITE_NO_ENUM rows stay out even if the order list names them by mistake */
        if (cand == NULL || (cand->flags & SUITE_NO_ENUM) || !suite_has_proto(cand, cp))
            continue;
        if (filter != NULL && !filter_allows(filter, cand))
            continue;
        *s = cand;
        *p = cp;
        *pos = i + 1;
        return true;
    }
    *pos = N_ENUM_POS;
    return false;
}

/* ---- Windows records --------------------------------------------------------------------- */

static bool suite_is_aead(const struct suite *s)
{
    return s->mode == MODE_GCM || s->mode == MODE_CCM || s->mode == MODE_CHACHA;
}

static const char *kx_name(enum kx kx)
{
    switch (kx) {
    case KX_RSA:
        return "RSA"; /* BCRYPT_RSA_ALGORITHM */
    case KX_DHE:
        return "DH"; /* BCRYPT_DH_ALGORITHM */
    case KX_ECDHE:
        return "ECDH"; /* BCRYPT_ECDH_ALGORITHM, as observed */
    case KX_PSK:
        return "PSK"; /* TLS_PSK_EXCHANGE */
    case KX_NONE:
        break;
    }
    return "";
}

static const char *auth_name(enum auth a)
{
    switch (a) {
    case AUTH_RSA:
        return "RSA";
    case AUTH_DSS:
        return "DSA";
    case AUTH_ECDSA:
        return "ECDSA";
    case AUTH_NONE:
        break;
    }
    return "";
}

/* BCRYPT_CHAIN_MODE_* (api.md §4.6); ChaCha20-Poly1305 has no CNG chaining mode. */
static const char *mode_name(enum cipher_mode m)
{
    switch (m) {
    case MODE_CBC:
        return "ChainingModeCBC";
    case MODE_GCM:
        return "ChainingModeGCM";
    case MODE_CCM:
        return "ChainingModeCCM";
    case MODE_NULL:
    case MODE_STREAM:
    case MODE_CHACHA:
        break;
    }
    return "ChainingModeN/A";
}

void suite_fill_info(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_SUITE *out)
{
    memset(out, 0, sizeof *out);
    out->dwProtocol = proto_to_dword(p);
    out->dwCipherSuite = s->id;
    out->dwBaseCipherSuite = s->id;
    wcs_from_ascii(out->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE, s->name);
    wcs_from_ascii(out->szCipher, NCRYPT_SSL_MAX_NAME_SIZE, s->cipher_name);
    out->dwCipherLen = s->cipher_bits;
    out->dwCipherBlockLen = s->block_len;
    if (!suite_is_aead(s)) { /* AEAD: szHash empty, dwHashLen 0 (observed) */
        wcs_from_ascii(out->szHash, NCRYPT_SSL_MAX_NAME_SIZE, md_cng_name(s->mac));
        out->dwHashLen = (DWORD)(md_size(s->mac) * 8);
    }
    wcs_from_ascii(out->szExchange, NCRYPT_SSL_MAX_NAME_SIZE, kx_name(s->kx));
    out->dwMinExchangeLen = s->min_exch;
    out->dwMaxExchangeLen = s->max_exch;
    wcs_from_ascii(out->szCertificate, NCRYPT_SSL_MAX_NAME_SIZE, auth_name(s->auth));
    out->dwKeyType = 0; /* Windows 10+ reports 0 for every suite (api.md §3.5) */
}

/* The EX record is dwVersion, then exactly the NCRYPT_SSL_CIPHER_SUITE layout, then
 * szCipherMode (api.md §3.5/§3.6), so the common part is filled once. */
_Static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol) == 4, "EX layout");
_Static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode) ==
                   4 + sizeof(NCRYPT_SSL_CIPHER_SUITE), "EX layout");
_Static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwKeyType) - 4 ==
                   offsetof(NCRYPT_SSL_CIPHER_SUITE, dwKeyType), "EX layout");

void suite_fill_info_ex(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_SUITE_EX *out)
{
    NCRYPT_SSL_CIPHER_SUITE base;

    suite_fill_info(s, p, &base);
    memset(out, 0, sizeof *out);
    out->dwVersion = NCRYPT_SSL_CIPHER_SUITE_EX_VERSION;
    memcpy(&out->dwProtocol, &base, sizeof base);
    wcs_from_ascii(out->szCipherMode, NCRYPT_SSL_MAX_NAME_SIZE, mode_name(s->mode));
}

/* api.md §8.8 with conventions.md §5: header = record header + explicit IV/nonce; fixed
 * trailer = MAC or tag (TLS 1.3: + the inner content type byte the caller appends). */
void suite_lengths(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_LENGTHS *out)
{
    /* conventions.md §12, from Windows' SPSslLookupCipherLengths: the 5-byte TLS / 13-byte
     * DTLS record header is the caller's and not counted; dwHeaderLen is what the record
     * carries after it (explicit nonce or IV). TLS 1.3's inner content type and padding are
     * the caller's too. */
    memset(out, 0, sizeof *out);
    out->cbLength = sizeof *out;
    if (p == PROTO_TLS13) {
        out->dwFixedTrailerLen = s->tag_len;
    } else if (suite_is_aead(s)) {
        out->dwHeaderLen = s->explicit_nonce_len;
        out->dwFixedTrailerLen = s->tag_len;
    } else if (s->mode == MODE_CBC) {
        /* explicit IV of one block from TLS 1.1 on and in DTLS (RFC 4346 §6.2.3.2) */
        bool explicit_iv = p != PROTO_SSL3 && p != PROTO_TLS10;

        out->dwHeaderLen = explicit_iv ? s->block_len : 0u;
        out->dwFixedTrailerLen = (DWORD)md_size(s->mac);
        out->dwMaxVariableTrailerLen = s->block_len;
        out->dwFlags = NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING;
    } else { /* stream and NULL */
        out->dwFixedTrailerLen = (DWORD)md_size(s->mac);
    }
}

enum md_id suite_prf_md(const struct suite *s, enum proto p)
{
    switch (p) {
    case PROTO_TLS10:
    case PROTO_TLS11:
    case PROTO_DTLS10:
        return MD_MD5_SHA1;
    case PROTO_TLS12:
    case PROTO_DTLS12:
    case PROTO_TLS13:
        return s->prf;
    default:
        return MD_NONE;
    }
}

/* ---- named groups (api.md §3.8, conventions.md §8) --------------------------------------- */

/* SslEnumEccCurves order. Windows lists only the first three by default; all five are
 * implemented groups here (conventions.md §8), so all five are listed. curve25519's 255 bits
 * is api.md OQ-ECC-1's v1 answer. */
static const struct curve curves[] = {
    {29, "curve25519", "1.3.101.110", 255, "X25519", true},
    {23, "NistP256", "1.2.840.10045.3.1.7", 256, "P-256", true},
    {24, "NistP384", "1.3.132.0.34", 384, "P-384", true},
    {25, "NistP521", "1.3.132.0.35", 521, "P-521", true},
    {30, "curve448", "1.3.101.111", 448, "X448", true},
};

#define N_CURVES (sizeof curves / sizeof curves[0])

const struct curve *curve_find(uint32_t iana)
{
    for (size_t i = 0; i < N_CURVES; i++)
        if (curves[i].iana == iana)
            return &curves[i];
    return NULL;
}

size_t curve_count(void)
{
    return N_CURVES;
}

const struct curve *curve_at(size_t i)
{
    return i < N_CURVES ? &curves[i] : NULL;
}

/* One implementation of the conversion: wstr.c's. */
void wcs_from_ascii(WCHAR *dst, size_t cap, const char *src)
{
    if (cap > 0)
        wstr_from_ascii(dst, cap, src != NULL ? src : "");
}
