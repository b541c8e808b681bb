/* Inside the record context: the shape of a key's records, decided once (record.c), and the
 * cipher kinds, each a seal/open pair in its own file:
 *   rec_aead.c      GCM, CCM, ChaCha20-Poly1305 — TLS 1.2 and DTLS (explicit nonce or XOR,
 *                   pseudo-header AAD) and TLS 1.3 (XOR nonce, record-header AAD)
 *   rec_cbc.c       CBC MAC-then-encrypt through the general EVP calls (SSL 3.0's MAC, SHA-384,
 *                   3DES: what has no stitched cipher)
 *   rec_stitched.c  AES-CBC with HMAC-SHA1/SHA-256 through OpenSSL's stitched cipher
 *   rec_stream.c    RC4 and NULL: data || MAC, encrypted for RC4
 *   rec_mte.c       what the MAC-then-encrypt kinds share: the record MAC, explicit IVs
 * A kind's seal gets a checked call (output room, sequence number) and writes the whole
 * record; its open gets a parsed header (the body's length) and checks the body's own
 * framing. */
#ifndef SSLPROV_RECORD_INT_H
#define SSLPROV_RECORD_INT_H

#include <string.h>
#include <openssl/evp.h>
#include "provider.h"
#include "record.h"

/* ct_declassify: tell valgrind's memcheck that a value derived from secrets is now public
 * (the MAC verdict, then the verified length), so the constant-time test (ctgrind) reports
 * only real secret-dependent branches. A few instructions outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ct_declassify(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#endif
#endif
#ifndef ct_declassify
#define ct_declassify(p, n) ((void)(p), (void)(n))
#endif

#define REC_PSEUDO_HDR 13  /* seq64 || type || version || length (RFC 5246 §6.2.3.1) */
#define REC_NONCE 12
#define REC_MAX_MAC 64
#define REC_MAX_BLOCK 16
#define REC_IV_POOL 256    /* random explicit IVs are drawn from a pool, as on Windows */
#define REC_TAG 16
#define REC_DTLS_SEQ_MASK 0x0000FFFFFFFFFFFFull /* SequenceNumber = epoch << 48 | seq48 */

/* How an AEAD nonce is formed: fixed IV(4) || explicit(8) with explicit = seq (RFC 5288 §3,
 * behavior.md §2.1), or fixed IV(12) XOR (0^32 || seq64) (RFC 7905 §2, RFC 8446 §5.3). */
enum rec_nonce { NONCE_NONE, NONCE_EXPLICIT, NONCE_XOR };
/* What an AEAD authenticates besides the data: the TLS MAC's pseudo-header (RFC 5246
 * §6.2.3.3) or the record's own header (RFC 8446 §5.2). */
enum rec_aad { AAD_PSEUDO, AAD_HEADER };

struct rec_shape {
    size_t hdr_len;       /* 5, DTLS 13 */
    uint8_t version[2];    /* on the wire (TLS 1.3: 0x0303, the legacy version) */
    size_t explicit_len;  /* CBC TLS 1.1+: the block; TLS <= 1.2 GCM/CCM: 8 */
    size_t block;
    size_t mac_len;       /* MAC-then-encrypt */
    size_t tag_len;       /* AEAD */
    size_t min_data;      /* TLS 1.3: the inner type byte every record carries */
    enum rec_nonce nonce;
    enum rec_aad aad;
    bool dtls;
    bool tls13;            /* the caller passes and receives TLSInnerPlaintext; the caller
                              checks the outer type and version (behavior.md §2.3) */
    bool chained_iv;       /* SSL 3.0 / TLS 1.0 CBC: the IV carries over (k->iv is the residue) */
    bool ssl3;             /* SSL 3.0 MAC construction */
    bool ccm;              /* CCM wants the lengths and the tag before the data */
    enum md_id mac_md;
    size_t max_in;         /* most input one record takes */
    size_t max_body;       /* most body a received record may have */
    SECURITY_STATUS auth_failure; /* TLS 1.3: STATUS_AUTH_TAG_MISMATCH (behavior.md §2.3) */
};

struct rec;

struct rec_kind {
    const char *name;
    /* open takes what OpenSSL raised off the caller's error queue itself (AEAD, stitched: at
     * the cost of one lookup on success); else record.c does it around open */
    bool marks_errors;
    /* the kind's contexts for key k; the shape is set. Freed by rec_free whatever happens. */
    SECURITY_STATUS (*init)(struct rec *r, const struct secret_key *k);
    /* out has room for the whole record (total bytes) */
    SECURITY_STATUS (*seal)(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                            size_t total, uint64_t seq, uint8_t type);
    /* in's header is well formed and announces body bytes, which follow it */
    SECURITY_STATUS (*open)(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                            size_t out_cap, size_t *out_len, uint64_t seq);
};

extern const struct rec_kind rec_kind_aead, rec_kind_cbc, rec_kind_stitched, rec_kind_stream;

/* One key's record context. The contexts a kind does not use stay NULL. */
struct rec {
    struct rec_shape s;
    const struct rec_kind *kind;
    const struct backend *be;
    EVP_CIPHER_CTX *enc, *dec; /* one per direction (CBC decryption keys differ, and OpenSSL
                                  3.0's CCM cannot switch direction); RC4 shares one stream */
    /* AEAD */
    bool tls_mode;             /* TLS <= 1.2 GCM and ChaCha20-Poly1305: OpenSSL's TLS-mode AEAD
                                  for small records */
    bool refix[2];             /* the general path moved the context's nonce base: set it again */
    /* MAC-then-encrypt */
    bool rc4_used;
    EVP_CIPHER_CTX *rc4_saved; /* RC4: the state before a decrypt that may fail */
    EVP_MAC_CTX *hmac;         /* keyed once; none for stitched keys (the cipher MACs) */
    EVP_MD_CTX *md;            /* SSL 3.0 MAC */
    uint8_t *scratch;          /* CBC and TLS-mode AEAD decrypt work area (OpenSSL's TLS mode
                                  works in place) */
    EVP_RAND_CTX *iv_drbg;     /* CBC TLS 1.1+: this key's explicit-IV generator */
    uint8_t iv_pool[REC_IV_POOL];
    size_t pool_used;
};

static inline void rec_put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void rec_put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline bool rec_overlaps(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return a < b + bn && b < a + an;
}

/* The TLS MAC's pseudo-header, also TLS <= 1.2's AEAD AAD: seq64 || type || version ||
 * length (RFC 5246 §6.2.3.1). */
static inline void rec_pseudo_header(const struct rec *r, uint64_t seq, uint8_t type, size_t len,
                                     uint8_t h[REC_PSEUDO_HDR])
{
    rec_put64(h, seq);
    h[8] = type;
    h[9] = r->s.version[0];
    h[10] = r->s.version[1];
    rec_put16(h + 11, len);
}

static inline void rec_write_header(const struct rec *r, uint8_t *out, uint8_t type, uint64_t seq,
                                    size_t body)
{
    out[0] = type;
    out[1] = r->s.version[0];
    out[2] = r->s.version[1];
    if (r->s.dtls)
        rec_put64(out + 3, seq); /* epoch << 48 | seq48 (behavior.md §2.4) */
    rec_put16(out + r->s.hdr_len - 2, body);
}

/* A cipher context keyed for one direction (rec_mte.c): AEAD with a 12-byte nonce (and CCM's
 * tag length), CBC in OpenSSL's TLS mode, RC4 plain. */
EVP_CIPHER_CTX *rec_cipher_ctx(const struct secret_key *k, const struct rec *r, int enc);

/* rec_mte.c: the record MAC, keyed once; the MAC of a record; the constant-time MAC of a
 * decrypted CBC record; explicit IVs for TLS 1.1+ CBC. */
SECURITY_STATUS rec_mac_init(struct rec *r, const struct secret_key *k);
bool rec_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data, size_t len,
             uint8_t *out);
bool rec_cbc_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data, size_t len,
                 size_t orig_len, uint8_t *out);
SECURITY_STATUS rec_iv_init(struct rec *r);
bool rec_next_iv(struct rec *r, uint8_t *iv);
void rec_iv_taken(struct rec *r);

#endif
