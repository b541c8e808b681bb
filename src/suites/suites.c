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

/* The ciphers (api.md §5, §8.3): OpenSSL cipher, mode, szCipher, dwCipherLen (bits),
 * dwCipherBlockLen (bytes), key bytes, AEAD tag. Lookup-only ciphers (export, SSL 2.0) carry
 * CIPHER_NULL: they are never keyed. */
static const struct cipher_desc cipher_null = {
    .id = CIPHER_NULL, .mode = MODE_NULL, .name = "", .bits = 0, .block_len = 0, .key_len = 0};
static const struct cipher_desc cipher_rc4 = {
    .id = CIPHER_RC4, .mode = MODE_STREAM, .name = "RC4", .bits = 128, .block_len = 1, .key_len = 16};
static const struct cipher_desc cipher_des = {
    .id = CIPHER_DES_CBC, .mode = MODE_CBC, .name = "DES", .bits = 56, .block_len = 8, .key_len = 8};
static const struct cipher_desc cipher_3des = {
    .id = CIPHER_3DES_CBC, .mode = MODE_CBC, .name = "3DES", .bits = 168, .block_len = 8, .key_len = 24};
static const struct cipher_desc cipher_aes128_cbc = {
    .id = CIPHER_AES128_CBC, .mode = MODE_CBC, .name = "AES", .bits = 128, .block_len = 16, .key_len = 16};
static const struct cipher_desc cipher_aes256_cbc = {
    .id = CIPHER_AES256_CBC, .mode = MODE_CBC, .name = "AES", .bits = 256, .block_len = 16, .key_len = 32};
static const struct cipher_desc cipher_aes128_gcm = {
    .id = CIPHER_AES128_GCM, .mode = MODE_GCM, .name = "AES", .bits = 128, .block_len = 16, .key_len = 16, .tag_len = 16};
static const struct cipher_desc cipher_aes256_gcm = {
    .id = CIPHER_AES256_GCM, .mode = MODE_GCM, .name = "AES", .bits = 256, .block_len = 16, .key_len = 32, .tag_len = 16};
static const struct cipher_desc cipher_aes128_ccm = {
    .id = CIPHER_AES128_CCM, .mode = MODE_CCM, .name = "AES", .bits = 128, .block_len = 16, .key_len = 16, .tag_len = 16};
static const struct cipher_desc cipher_aes256_ccm = {
    .id = CIPHER_AES256_CCM, .mode = MODE_CCM, .name = "AES", .bits = 256, .block_len = 16, .key_len = 32, .tag_len = 16};
static const struct cipher_desc cipher_aes128_ccm_8 = {
    .id = CIPHER_AES128_CCM, .mode = MODE_CCM, .name = "AES", .bits = 128, .block_len = 16, .key_len = 16, .tag_len = 8};
static const struct cipher_desc cipher_aes256_ccm_8 = {
    .id = CIPHER_AES256_CCM, .mode = MODE_CCM, .name = "AES", .bits = 256, .block_len = 16, .key_len = 32, .tag_len = 8};
static const struct cipher_desc cipher_chacha20_poly1305 = {
    .id = CIPHER_CHACHA20_POLY1305, .mode = MODE_CHACHA, .name = "CHACHA20_POLY1305", .bits = 256, .block_len = 1, .key_len = 32, .tag_len = 16};
static const struct cipher_desc cipher_rc4_40 = {
    .id = CIPHER_NULL, .mode = MODE_STREAM, .name = "RC4", .bits = 40, .block_len = 1, .key_len = 5};  /* 5 -> 16 bytes (export) */
static const struct cipher_desc cipher_rc4_56 = {
    .id = CIPHER_NULL, .mode = MODE_STREAM, .name = "RC4", .bits = 56, .block_len = 1, .key_len = 7};  /* 7 -> 16 bytes (export1024) */
static const struct cipher_desc cipher_des_export = {
    .id = CIPHER_NULL, .mode = MODE_CBC, .name = "DES", .bits = 56, .block_len = 8, .key_len = 8};
static const struct cipher_desc cipher_rc4_128_ssl2 = {
    .id = CIPHER_NULL, .mode = MODE_STREAM, .name = "RC4", .bits = 128, .block_len = 1, .key_len = 16};
static const struct cipher_desc cipher_rc2_128 = {
    .id = CIPHER_NULL, .mode = MODE_CBC, .name = "RC2", .bits = 128, .block_len = 8, .key_len = 16};
static const struct cipher_desc cipher_rc2_40 = {
    .id = CIPHER_NULL, .mode = MODE_CBC, .name = "RC2", .bits = 40, .block_len = 8, .key_len = 16};

/* dwMin/MaxExchangeLen in bits. RSA and ECDH as observed (api.md §3.5). DH is "?" in §5:
 * our choice is 1024-8192 - below 1024 is Logjam territory, 8192 is the largest RFC 7919
 * group (ffdhe8192, conventions.md §6) and stays under OpenSSL's DH modulus limit. */
#define E_RSA {512, 16384}
#define E_DH {1024, 8192}
#define E_ECDH {0, 65536}
#define E_NONE {0, 0}
#define E_EXP {512, 512}
#define E_EXP1024 {512, 1024}

#define NE SUITE_NO_ENUM
#define LEG (SUITE_LEGACY | SUITE_NO_ENUM)
#define EXP (SUITE_EXPORT | SUITE_LEGACY | SUITE_NO_ENUM)
#define SSL2 (SUITE_SSL2 | SUITE_LEGACY | SUITE_NO_ENUM)

/* The record MAC's key is as long as its hash (§8.3); an AEAD suite has no MAC (MD_NONE).
 * TLS <= 1.2 AEAD nonces: GCM/CCM salt 4 || explicit 8, ChaCha20-Poly1305 a 12-byte IV (the
 * shape, suite_shape_of, says so from the cipher and protocol). */
static const struct suite suites[] = {
    {.id = 0x0001, .name = "TLS_RSA_WITH_NULL_MD5", .protocols = S3 | T0 | T1 | T2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_null, .mac = MD_MD5, .prf = MD_SHA256, .exch = E_RSA, .flags = NE},
    {.id = 0x0002, .name = "TLS_RSA_WITH_NULL_SHA", .protocols = ALL6, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_null, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_RSA, .flags = NE},
    {.id = 0x0003, .name = "TLS_RSA_EXPORT_WITH_RC4_40_MD5", .protocols = S3 | T0, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4_40, .mac = MD_MD5, .prf = MD_NONE, .exch = E_EXP, .flags = EXP},
    {.id = 0x0004, .name = "TLS_RSA_WITH_RC4_128_MD5", .protocols = S3 | T0 | T1 | T2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4, .mac = MD_MD5, .prf = MD_SHA256, .exch = E_RSA, .flags = LEG},
    {.id = 0x0005, .name = "TLS_RSA_WITH_RC4_128_SHA", .protocols = S3 | T0 | T1 | T2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_RSA, .flags = LEG},
    {.id = 0x0009, .name = "TLS_RSA_WITH_DES_CBC_SHA", .protocols = S3 | T0 | T1 | D0, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_des, .mac = MD_SHA1, .prf = MD_NONE, .exch = E_RSA, .flags = LEG},
    {.id = 0x000A, .name = "TLS_RSA_WITH_3DES_EDE_CBC_SHA", .protocols = ALL6, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_3des, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_RSA, .flags = NE},
    {.id = 0x0012, .name = "TLS_DHE_DSS_WITH_DES_CBC_SHA", .protocols = S3 | T0 | T1 | D0, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_des, .mac = MD_SHA1, .prf = MD_NONE, .exch = E_DH, .flags = LEG},
    {.id = 0x0013, .name = "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_3des, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x0016, .name = "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_3des, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x002F, .name = "TLS_RSA_WITH_AES_128_CBC_SHA", .protocols = ALL6, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_RSA},
    {.id = 0x0032, .name = "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x0033, .name = "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH},
    {.id = 0x0035, .name = "TLS_RSA_WITH_AES_256_CBC_SHA", .protocols = ALL6, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_RSA},
    {.id = 0x0038, .name = "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x0039, .name = "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", .protocols = ALL6, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_DH},
    {.id = 0x003B, .name = "TLS_RSA_WITH_NULL_SHA256", .protocols = T2 | D2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_null, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_RSA, .flags = NE},
    {.id = 0x003C, .name = "TLS_RSA_WITH_AES_128_CBC_SHA256", .protocols = T2 | D2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_RSA},
    {.id = 0x003D, .name = "TLS_RSA_WITH_AES_256_CBC_SHA256", .protocols = T2 | D2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_RSA},
    {.id = 0x0040, .name = "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x0062, .name = "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", .protocols = S3 | T0, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_des_export, .mac = MD_SHA1, .prf = MD_NONE, .exch = E_EXP1024, .flags = EXP},
    {.id = 0x0063, .name = "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", .protocols = S3 | T0, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_des_export, .mac = MD_SHA1, .prf = MD_NONE, .exch = E_EXP1024, .flags = EXP},
    {.id = 0x0064, .name = "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", .protocols = S3 | T0, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4_56, .mac = MD_SHA1, .prf = MD_NONE, .exch = E_EXP1024, .flags = EXP},
    {.id = 0x0067, .name = "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_DH},
    {.id = 0x006A, .name = "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_DSS,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_DH, .flags = NE},
    {.id = 0x006B, .name = "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_DH},
    {.id = 0x009C, .name = "TLS_RSA_WITH_AES_128_GCM_SHA256", .protocols = T2 | D2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_RSA},
    {.id = 0x009D, .name = "TLS_RSA_WITH_AES_256_GCM_SHA384", .protocols = T2 | D2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_RSA},
    {.id = 0x009E, .name = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_DH},
    {.id = 0x009F, .name = "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_DH},
    {.id = 0x00A8, .name = "TLS_PSK_WITH_AES_128_GCM_SHA256", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_NONE, .flags = NE},
    {.id = 0x00A9, .name = "TLS_PSK_WITH_AES_256_GCM_SHA384", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_NONE, .flags = NE},
    {.id = 0x00AE, .name = "TLS_PSK_WITH_AES_128_CBC_SHA256", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_NONE, .flags = NE},
    {.id = 0x00AF, .name = "TLS_PSK_WITH_AES_256_CBC_SHA384", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA384, .prf = MD_SHA384, .exch = E_NONE, .flags = NE},
    {.id = 0x00B0, .name = "TLS_PSK_WITH_NULL_SHA256", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_null, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_NONE, .flags = NE},
    {.id = 0x00B1, .name = "TLS_PSK_WITH_NULL_SHA384", .protocols = T2, .kx = KX_PSK, .auth = AUTH_NONE,
     .cipher = &cipher_null, .mac = MD_SHA384, .prf = MD_SHA384, .exch = E_NONE, .flags = NE},
    /* TLS 1.3 (RFC 8446 §B.4): no exchange, no certificate, the hash is the HKDF hash */
    {.id = 0x1301, .name = "TLS_AES_128_GCM_SHA256", .protocols = T3, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_NONE},
    {.id = 0x1302, .name = "TLS_AES_256_GCM_SHA384", .protocols = T3, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_NONE},
    {.id = 0x1303, .name = "TLS_CHACHA20_POLY1305_SHA256", .protocols = T3, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_chacha20_poly1305, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_NONE},
    {.id = 0x1304, .name = "TLS_AES_128_CCM_SHA256", .protocols = T3, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_aes128_ccm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_NONE},
    {.id = 0x1305, .name = "TLS_AES_128_CCM_8_SHA256", .protocols = T3, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_aes128_ccm_8, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_NONE, .flags = NE},
    /* RFC 4492 / 5289 */
    {.id = 0xC009, .name = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", .protocols = ECC5, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC00A, .name = "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", .protocols = ECC5, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC013, .name = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", .protocols = ECC5, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC014, .name = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", .protocols = ECC5, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA1, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC023, .name = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC024, .name = "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA384, .prf = MD_SHA384, .exch = E_ECDH},
    {.id = 0xC027, .name = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_cbc, .mac = MD_SHA256, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC028, .name = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_cbc, .mac = MD_SHA384, .prf = MD_SHA384, .exch = E_ECDH},
    {.id = 0xC02B, .name = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC02C, .name = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_ECDH},
    {.id = 0xC02F, .name = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes128_gcm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC030, .name = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_aes256_gcm, .mac = MD_NONE, .prf = MD_SHA384, .exch = E_ECDH},
    /* RFC 7251 (conventions.md §8: PRF SHA-256 for all added suites) */
    {.id = 0xC0AC, .name = "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes128_ccm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC0AD, .name = "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes256_ccm, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xC0AE, .name = "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes128_ccm_8, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH, .flags = NE},
    {.id = 0xC0AF, .name = "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_aes256_ccm_8, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH, .flags = NE},
    /* RFC 7905 */
    {.id = 0xCCA8, .name = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_RSA,
     .cipher = &cipher_chacha20_poly1305, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xCCA9, .name = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", .protocols = T2 | D2, .kx = KX_ECDHE, .auth = AUTH_ECDSA,
     .cipher = &cipher_chacha20_poly1305, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_ECDH},
    {.id = 0xCCAA, .name = "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .protocols = T2 | D2, .kx = KX_DHE, .auth = AUTH_RSA,
     .cipher = &cipher_chacha20_poly1305, .mac = MD_NONE, .prf = MD_SHA256, .exch = E_DH},
    /* SSL 2.0 cipher kinds: lookup only. IDEA and DES-EDE3 have no protocol (observed on
     * Windows with every field empty), so looking them up is NTE_NOT_SUPPORTED. */
    {.id = 0x010080, .name = "SSL_CK_RC4_128_WITH_MD5", .protocols = S2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4_128_ssl2, .mac = MD_MD5, .prf = MD_NONE, .exch = E_RSA, .flags = SSL2},
    {.id = 0x020080, .name = "SSL_CK_RC4_128_EXPORT40_WITH_MD5", .protocols = S2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc4_40, .mac = MD_MD5, .prf = MD_NONE, .exch = E_EXP, .flags = SSL2 | SUITE_EXPORT},
    {.id = 0x030080, .name = "SSL_CK_RC2_128_CBC_WITH_MD5", .protocols = S2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc2_128, .mac = MD_MD5, .prf = MD_NONE, .exch = E_RSA, .flags = SSL2},
    {.id = 0x040080, .name = "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", .protocols = S2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_rc2_40, .mac = MD_MD5, .prf = MD_NONE, .exch = E_EXP, .flags = SSL2 | SUITE_EXPORT},
    {.id = 0x050080, .name = "SSL_CK_IDEA_128_CBC_WITH_MD5", .protocols = 0, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_null, .mac = MD_NONE, .prf = MD_NONE, .exch = E_NONE, .flags = SSL2},
    {.id = 0x060040, .name = "SSL_CK_DES_64_CBC_WITH_MD5", .protocols = S2, .kx = KX_RSA, .auth = AUTH_RSA,
     .cipher = &cipher_des_export, .mac = MD_MD5, .prf = MD_NONE, .exch = E_RSA, .flags = SSL2},
    {.id = 0x0700C0, .name = "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", .protocols = 0, .kx = KX_NONE, .auth = AUTH_NONE,
     .cipher = &cipher_null, .mac = MD_NONE, .prf = MD_NONE, .exch = E_NONE, .flags = SSL2},
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

bool suite_is_aead(const struct suite *s)
{
    return s->cipher->tag_len != 0;
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
    wcs_from_ascii(out->szCipher, NCRYPT_SSL_MAX_NAME_SIZE, s->cipher->name);
    out->dwCipherLen = s->cipher->bits;
    out->dwCipherBlockLen = s->cipher->block_len;
    if (!suite_is_aead(s)) { /* AEAD: szHash empty, dwHashLen 0 (observed) */
        wcs_from_ascii(out->szHash, NCRYPT_SSL_MAX_NAME_SIZE, md_cng_name(s->mac));
        out->dwHashLen = (DWORD)(md_size(s->mac) * 8);
    }
    wcs_from_ascii(out->szExchange, NCRYPT_SSL_MAX_NAME_SIZE, kx_name(s->kx));
    out->dwMinExchangeLen = s->exch.min;
    out->dwMaxExchangeLen = s->exch.max;
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
    wcs_from_ascii(out->szCipherMode, NCRYPT_SSL_MAX_NAME_SIZE, mode_name(s->cipher->mode));
}

void suite_shape_of(const struct suite *s, enum proto p, struct suite_shape *out)
{
    const struct cipher_desc *c = s->cipher;

    memset(out, 0, sizeof(*out));
    out->key_len = c->key_len;
    out->aead = c->tag_len != 0;
    if (out->aead) {
        /* TLS 1.3 (RFC 8446 §5.3) and ChaCha20-Poly1305 (RFC 7905 §2): a 12-byte IV XOR the
         * sequence number; TLS <= 1.2 GCM/CCM: a 4-byte salt || an 8-byte explicit nonce per
         * record (RFC 5288 §3, RFC 6655 §3) */
        out->tag_len = c->tag_len;
        out->xor_nonce = p == PROTO_TLS13 || c->mode == MODE_CHACHA;
        out->fixed_iv_len = out->xor_nonce ? 12 : 4;
        out->explicit_len = out->xor_nonce ? 0 : 8;
        return;
    }
    out->mac_key_len = out->mac_len = md_size(s->mac);
    if (c->mode == MODE_CBC) {
        /* SSL 3.0 and TLS 1.0 take the first CBC IV from the key block and chain the rest
         * (RFC 6101 §6.2.2, RFC 2246 §6.3); TLS 1.1+ and DTLS send an explicit IV per record
         * (RFC 4346 §6.2.3.2, RFC 6347 §4.1.2.1) */
        out->pad_block = c->block_len;
        out->chained_iv = p == PROTO_SSL3 || p == PROTO_TLS10;
        out->fixed_iv_len = out->chained_iv ? c->block_len : 0;
        out->explicit_len = out->chained_iv ? 0 : c->block_len;
    }
}

/* api.md §8.8 with conventions.md §5 and §12, from Windows' SPSslLookupCipherLengths: the
 * 5-byte TLS / 13-byte DTLS record header is the caller's and not counted; dwHeaderLen is what
 * the record carries after it (explicit nonce or IV); the fixed trailer is the MAC or tag.
 * TLS 1.3's inner content type and padding are the caller's too. */
void suite_lengths(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_LENGTHS *out)
{
    struct suite_shape sh;

    suite_shape_of(s, p, &sh);
    memset(out, 0, sizeof *out);
    out->cbLength = sizeof *out;
    out->dwHeaderLen = (DWORD)sh.explicit_len;
    out->dwFixedTrailerLen = (DWORD)(sh.mac_len + sh.tag_len);
    out->dwMaxVariableTrailerLen = (DWORD)sh.pad_block;
    if (sh.pad_block != 0)
        out->dwFlags = NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING;
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

/* One implementation of the conversion: wstr.c's. */
void wcs_from_ascii(WCHAR *dst, size_t cap, const char *src)
{
    if (cap > 0)
        wstr_from_ascii(dst, cap, src != NULL ? src : "");
}
