/* THE cipher-suite table (conventions.md §8, api.md §5, §8.3, §8.8). One row per suite;
 * enumeration, lookup, lengths, key derivation and records all read it. Code never switches
 * on suite ids: adding a suite is adding a row. */
#ifndef SSLPROV_SUITES_H
#define SSLPROV_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "groups.h"
#include "sslprovider.h"

enum proto {
    PROTO_SSL2 = 0,
    PROTO_SSL3,
    PROTO_TLS10,
    PROTO_TLS11,
    PROTO_TLS12,
    PROTO_TLS13,
    PROTO_DTLS10,
    PROTO_DTLS12,
    PROTO_COUNT
};
#define PB(p) (1u << (p))

bool proto_from_dword(DWORD v, enum proto *out); /* false for unknown values */
DWORD proto_to_dword(enum proto p);
const char *proto_name(enum proto p);            /* "tls1.2", "dtls1.0", ... (CLI names) */
bool proto_is_dtls(enum proto p);

enum kx { KX_NONE = 0, KX_RSA, KX_DHE, KX_ECDHE, KX_PSK };
enum auth { AUTH_NONE = 0, AUTH_RSA, AUTH_DSS, AUTH_ECDSA };
enum cipher_mode { MODE_NULL = 0, MODE_STREAM, MODE_CBC, MODE_GCM, MODE_CCM, MODE_CHACHA };

enum suite_flags {
    SUITE_EXPORT = 1u << 0, /* export grade: lookup only, key operations NTE_NOT_SUPPORTED */
    SUITE_SSL2 = 1u << 1,   /* SSL 2.0 cipher kind: lookup only */
    SUITE_LEGACY = 1u << 2, /* cipher lives in OpenSSL's legacy provider (RC4, DES) */
    SUITE_NO_ENUM = 1u << 3 /* never in the default enumeration (conventions.md §8) */
};

/* A cipher as the suite table names it; rows point at one (picotls' cipher-suite records are
 * the model), so what a cipher is lives once. */
struct cipher_desc {
    enum cipher_id id;         /* OpenSSL cipher; CIPHER_NULL for NULL and lookup-only rows */
    enum cipher_mode mode;
    const char *name;          /* szCipher: "AES", "3DES", "DES", "RC4", "RC2", "CHACHA20_POLY1305", "" */
    uint16_t bits;             /* dwCipherLen */
    uint8_t block_len;         /* dwCipherBlockLen (bytes) */
    uint8_t key_len;           /* encryption key bytes from the key block / TLS 1.3 "key" */
    uint8_t tag_len;           /* AEAD tag: 16, 8 for CCM_8; 0 otherwise */
};

struct suite {
    uint32_t id;               /* IANA code (24-bit SSL_CK_* for SSL 2.0) */
    const char *name;          /* IANA name, ASCII */
    uint32_t protocols;        /* PB() set of protocols the suite exists for */
    enum kx kx;
    enum auth auth;
    const struct cipher_desc *cipher;
    enum md_id mac;            /* record MAC hash (its key is as long as the hash), MD_NONE for AEAD */
    enum md_id prf;            /* TLS 1.2 PRF hash / TLS 1.3 HKDF hash; MD_NONE if no TLS 1.2+ */
    struct {
        uint32_t min, max;     /* dwMin/MaxExchangeLen (bits) */
    } exch;
    uint32_t flags;            /* enum suite_flags */
};

/* What a suite's keys and records look like under one protocol (api.md §8.3 key block, §8.8
 * lengths, conventions.md §5 AEAD shapes), computed from the row by suite_shape_of and read by
 * SslLookupCipherLengths, the TLS <= 1.2 key-block layout, the TLS 1.3 write keys, record
 * setup and the OpaqueKeyBlob codec. */
struct suite_shape {
    bool aead;
    size_t key_len;            /* cipher key */
    size_t mac_key_len;        /* MAC-then-encrypt: the HMAC key, as long as the hash */
    size_t fixed_iv_len;       /* the IV the keys carry: AEAD salt (4) or IV (12); the first CBC
                                  IV of SSL 3.0 / TLS 1.0 */
    size_t explicit_len;       /* what each record carries after its header: the CBC IV (TLS
                                  1.1+, DTLS), the GCM/CCM nonce (TLS <= 1.2) */
    size_t mac_len;            /* record MAC */
    size_t tag_len;            /* AEAD tag */
    size_t pad_block;          /* CBC: records are padded to this block; 0 otherwise */
    bool chained_iv;           /* SSL 3.0 / TLS 1.0 CBC: each record's IV is the last block */
    bool xor_nonce;            /* nonce = fixed IV XOR seq (ChaCha20-Poly1305, TLS 1.3) */
};
void suite_shape_of(const struct suite *s, enum proto p, struct suite_shape *out);
bool suite_is_aead(const struct suite *s);

const struct suite *suite_find(uint32_t id);
bool suite_has_proto(const struct suite *s, enum proto p);
size_t suite_count(void);
const struct suite *suite_at(size_t i);

/* The private key's properties that restrict SslEnumCipherSuites (api.md B1). */
struct suite_filter {
    enum auth cert;     /* AUTH_NONE: no key given, everything enumerable */
    bool rsa_decrypt;   /* RSA key may decrypt (RSA key exchange suites) */
};

/* Default enumeration, strongest first (conventions.md §8): one (suite, protocol) record per
 * position. Returns false past the end. *pos advances to the next matching record. */
bool suites_enum_next(size_t *pos, const struct suite_filter *filter,
                      const struct suite **s, enum proto *p);

/* Windows records (api.md §3.5/§3.6, values of §5 and conventions.md §8). */
void suite_fill_info(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_SUITE *out);
void suite_fill_info_ex(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_SUITE_EX *out);
/* api.md §8.8 with conventions.md §5 AEAD shapes. */
void suite_lengths(const struct suite *s, enum proto p, NCRYPT_SSL_CIPHER_LENGTHS *out);

/* TLS 1.0/1.1/DTLS 1.0: MD5-SHA1; TLS 1.2/DTLS 1.2/TLS 1.3: s->prf; SSL 3.0/2.0: MD_NONE. */
enum md_id suite_prf_md(const struct suite *s, enum proto p);

/* Copy an ASCII string into a fixed WCHAR array, NUL-terminated, zero-filled. */
void wcs_from_ascii(WCHAR *dst, size_t cap, const char *src);

#endif
