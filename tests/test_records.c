/* Record protection contract (issue 4), without libssl: SslEncryptPacket / SslDecryptPacket for
 * every (protocol, suite) the provider looks up on SSL 3.0, TLS 1.0-1.2, DTLS 1.0/1.2 (the
 * enumeration of tests/test_session_keys.c, plus SSL 3.0), against conventions.md §5 and
 * behavior.md §2. Keys come from an imported master key (client and server side of the same
 * secret), so the client's write key talks to the server's read key.
 *
 * An independent oracle, built on libcrypto from the key material of each key's OpaqueKeyBlob,
 * checks every record we write: header bytes, MAC (HMAC or the SSL 3.0 MAC over seq64 || type
 * || key's version || length || plaintext), minimal CBC padding, explicit IV / chained residue,
 * and the exact bytes of every deterministic record (NULL, RC4, GCM/CCM with explicit nonce =
 * SequenceNumber, ChaCha20-Poly1305 with nonce = fixed IV XOR SequenceNumber). It also seals
 * CBC records with padding our encryptor never writes (long, corrupt) for the decrypt side.
 *
 * Covered: (i) SslLookupCipherLengths = what encrypt writes; (ii) round trips both directions;
 * (iii) header / nonce bytes; (iv) every byte of a record flipped, truncation, extension, wrong
 * SequenceNumber, TLS<->DTLS records, other record versions; (v) status rules and validation
 * order; (vi) in-place and overlapping buffers; (vii) OpaqueKeyBlob round trips mid-stream
 * (CBC residue, AEAD sequence mark, RC4 export refusal). Every failing call must leave the key
 * exactly as it was: each failure is followed by the call that must then succeed. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <stdlib.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"

#define SENTINEL 0xA5A5A5A5u
#define MAX_REC (16384 + 2048 + 64)

static NCRYPT_PROV_HANDLE prov;
static BYTE ms[48], cr[32], sr[32];
static unsigned combos, records, tampered, skipped;
static const char *ctx = "";        /* the combination under test, for messages */
#define EXPECT_CTX ctx
#define EXPECT_MAX_REPORTS 400
#include "expect.h"
#include "sslprov_opaque.h"

/* ==== small helpers ========================================================================= */

static void ascii_of(const WCHAR *w, char *out, size_t cap)
{
    size_t i = 0;
    for (; w[i] && i + 1 < cap; i++)
        out[i] = (char)w[i];
    out[i] = 0;
}

static void pattern(BYTE *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (BYTE)(i * 131 + seed * 17 + (i >> 8));
}

static const char *proto_name(DWORD p)
{
    switch (p) {
    case SSL3_PROTOCOL_VERSION: return "SSL3";
    case TLS1_0_PROTOCOL_VERSION: return "TLS1.0";
    case TLS1_1_PROTOCOL_VERSION: return "TLS1.1";
    case TLS1_2_PROTOCOL_VERSION: return "TLS1.2";
    case DTLS1_0_PROTOCOL_VERSION: return "DTLS1.0";
    case DTLS1_2_PROTOCOL_VERSION: return "DTLS1.2";
    default: return "?";
    }
}

/* ==== the (protocol, suite) under test ====================================================== */

enum kind { K_NULL, K_STREAM, K_CBC, K_GCM, K_CCM, K_CHACHA };

struct combo {
    DWORD proto, suite;
    char name[128];
    enum kind kind;
    int dtls, ssl3, chained; /* chained: SSL 3.0 / TLS 1.0 CBC, IV = previous record's residue */
    size_t hdr;              /* 5 or 13 */
    size_t expl;             /* explicit IV (CBC TLS 1.1+ / DTLS) or explicit nonce (GCM/CCM) */
    size_t mac, tag, block;  /* block: cipher block for CBC, else 1 */
    char evp[32];            /* libcrypto cipher name */
    NCRYPT_SSL_CIPHER_LENGTHS L;
};

static int aead(const struct combo *c) { return c->kind == K_GCM || c->kind == K_CCM || c->kind == K_CHACHA; }
/* Records whose bytes are a function of key, SequenceNumber and plaintext. */
static int deterministic(const struct combo *c) { return c->kind != K_CBC || c->chained; }

static size_t pad_len(const struct combo *c, size_t n)
{
    return c->kind == K_CBC ? c->block - (n + c->mac) % c->block : 0;
}

static size_t rec_len(const struct combo *c, size_t n)
{
    return c->hdr + c->expl + n + (aead(c) ? c->tag : c->mac) + pad_len(c, n);
}

/* conventions.md §5: the bound below which decrypt answers NTE_BUFFER_TOO_SMALL. */
static size_t max_plain(const struct combo *c, size_t len)
{
    size_t body = len - c->hdr;
    if (aead(c))
        return body - c->expl - c->tag;
    if (c->kind == K_CBC)
        return body - c->expl - c->mac - 1;
    return body - c->mac;
}

static ULONGLONG seq_base(const struct combo *c)
{
    /* crosses 32-bit boundaries inside the 64-bit (TLS) and 48-bit (DTLS) counters */
    return c->dtls ? (3ull << 48) | 0xFFFFFFF8ull : 0x00000001FFFFFFF8ull;
}

static int combo_init(struct combo *c, DWORD proto, const NCRYPT_SSL_CIPHER_SUITE *s)
{
    char cipher[64], suite[96];

    memset(c, 0, sizeof *c);
    ascii_of(s->szCipher, cipher, sizeof cipher);
    ascii_of(s->szCipherSuite, suite, sizeof suite);
    c->proto = proto;
    c->suite = s->dwCipherSuite;
    snprintf(c->name, sizeof c->name, "%s %s (0x%04X)", proto_name(proto), suite, (unsigned)c->suite);
    c->dtls = (proto >> 8) == 0xFE;
    c->ssl3 = proto == SSL3_PROTOCOL_VERSION;
    c->hdr = c->dtls ? 13 : 5;
    c->block = 1;
    if (cipher[0] == 0) {
        c->kind = K_NULL;
    } else if (strcmp(cipher, "RC4") == 0) {
        c->kind = K_STREAM;
        strcpy(c->evp, "RC4");
    } else if (strcmp(cipher, "CHACHA20_POLY1305") == 0) {
        c->kind = K_CHACHA;
        strcpy(c->evp, "ChaCha20-Poly1305");
    } else if (s->dwHashLen == 0) {
        c->kind = strstr(suite, "_GCM_") ? K_GCM : K_CCM;
        snprintf(c->evp, sizeof c->evp, "AES-%u-%s", (unsigned)s->dwCipherLen, c->kind == K_GCM ? "GCM" : "CCM");
    } else {
        c->kind = K_CBC;
        c->block = s->dwCipherBlockLen;
        if (strcmp(cipher, "3DES") == 0)
            strcpy(c->evp, "DES-EDE3-CBC");
        else if (strcmp(cipher, "DES") == 0)
            strcpy(c->evp, "DES-CBC");
        else
            snprintf(c->evp, sizeof c->evp, "AES-%u-CBC", (unsigned)s->dwCipherLen);
    }
    c->mac = aead(c) ? 0 : s->dwHashLen / 8;
    c->tag = aead(c) ? (strstr(suite, "_CCM_8") ? 8 : 16) : 0;
    c->chained = c->kind == K_CBC && (proto == SSL3_PROTOCOL_VERSION || proto == TLS1_0_PROTOCOL_VERSION);
    if (c->kind == K_CBC && !c->chained)
        c->expl = c->block;
    if (c->kind == K_GCM || c->kind == K_CCM)
        c->expl = 8;
    if (SslLookupCipherLengths(prov, proto, c->suite, 0, &c->L, sizeof c->L, 0) != SEC_E_OK)
        return 0;
    return 1;
}

/* ==== keys ================================================================================== */

struct keys {
    NCRYPT_KEY_HANDLE mc, ms, c_rd, c_wr, s_rd, s_wr;
};

static NCRYPT_KEY_HANDLE import_master(DWORD proto, DWORD suite, DWORD client)
{
    NCRYPT_KEY_HANDLE h;

    EXPECT_ST(master_blob_import_st(prov, proto, suite, client, ms, &h), SEC_E_OK);
    return h;
}

static int make_keys_for(DWORD proto, DWORD suite, struct keys *k)
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};

    memset(k, 0, sizeof *k);
    k->mc = import_master(proto, suite, 1);
    k->ms = import_master(proto, suite, 0);
    EXPECT_ST(SslGenerateSessionKeys(prov, k->mc, &k->c_rd, &k->c_wr, &d, 0), SEC_E_OK);
    EXPECT_ST(SslGenerateSessionKeys(prov, k->ms, &k->s_rd, &k->s_wr, &d, 0), SEC_E_OK);
    return k->c_rd && k->c_wr && k->s_rd && k->s_wr;
}

static int make_keys(const struct combo *c, struct keys *k) { return make_keys_for(c->proto, c->suite, k); }

static void free_keys(struct keys *k)
{
    NCRYPT_KEY_HANDLE *h[] = {&k->mc, &k->ms, &k->c_rd, &k->c_wr, &k->s_rd, &k->s_wr};
    for (size_t i = 0; i < 6; i++)
        if (*h[i])
            SslFreeObject(*h[i], 0), *h[i] = 0;
}

static int export_blob(NCRYPT_KEY_HANDLE k, BYTE *blob, DWORD *len)
{
    return SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, 512, len, 0) == SEC_E_OK;
}

static NCRYPT_KEY_HANDLE import_blob(const BYTE *blob, DWORD len)
{
    NCRYPT_KEY_HANDLE h = 0;
    EXPECT_ST(SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, (PBYTE)blob, len, 0), SEC_E_OK);
    return h;
}

static SECURITY_STATUS enc(NCRYPT_KEY_HANDLE k, const BYTE *in, size_t n, BYTE *out, size_t cap, DWORD *cb,
                           ULONGLONG seq, DWORD type)
{
    return SslEncryptPacket(prov, k, (PBYTE)in, (DWORD)n, out, (DWORD)cap, cb, seq, type, 0);
}

static SECURITY_STATUS dec(NCRYPT_KEY_HANDLE k, const BYTE *in, size_t n, BYTE *out, size_t cap, DWORD *cb,
                           ULONGLONG seq)
{
    return SslDecryptPacket(prov, k, (PBYTE)in, (DWORD)n, out, (DWORD)cap, cb, seq, 0);
}

/* Decrypt must fail with `want`, leave *pcbResult alone, and leave the key able to decrypt the
 * good record afterwards (called on a throw-away copy of the key when the good record has
 * already been consumed). */
static void expect_dec_fail(NCRYPT_KEY_HANDLE k, const BYTE *bad, size_t bad_len, ULONGLONG bad_seq,
                            SECURITY_STATUS want, const BYTE *good, size_t good_len, ULONGLONG seq,
                            const BYTE *pt, size_t n)
{
    static BYTE out[MAX_REC];
    DWORD cb = SENTINEL;

    EXPECT_ST(dec(k, bad, bad_len, out, sizeof out, &cb, bad_seq), want);
    EXPECT(cb == SENTINEL);
    if (good == NULL)
        return;
    cb = SENTINEL;
    EXPECT_ST(dec(k, good, good_len, out, sizeof out, &cb, seq), SEC_E_OK);
    EXPECT(cb == n && memcmp(out, pt, n) == 0);
}

/* ==== the oracle ============================================================================ */

struct oracle {
    const struct combo *c;
    BYTE key[64], mac_key[64], iv[48];
    size_t key_len, iv_len;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *stream; /* RC4 keystream position */
};

static EVP_MAC *hmac;

static void oracle_free(struct oracle *o)
{
    EVP_CIPHER_free(o->cipher);
    EVP_CIPHER_CTX_free(o->stream);
    memset(o, 0, sizeof *o);
}

/* From an unused (or CBC/AEAD mid-stream) key's OpaqueKeyBlob (conventions.md §7). */
static int oracle_init(struct oracle *o, const struct combo *c, NCRYPT_KEY_HANDLE k)
{
    BYTE b[512];
    DWORD len = 0;

    memset(o, 0, sizeof *o);
    o->c = c;
    if (!export_blob(k, b, &len) || len < 92 || get32(b + 4) != SSLPROV_OPAQUE_MAGIC_SSL3) {
        EXPECT(!"OpaqueKeyBlob export for the oracle");
        return 0;
    }
    o->iv_len = get32(b + SSLPROV_OPAQUE_IVLEN);
    o->key_len = get32(b + SSLPROV_OPAQUE_KDBM_KEYLEN);
    if (o->iv_len > 48 || o->key_len > 64 || 92 + o->key_len + c->mac > len) {
        EXPECT(!"OpaqueKeyBlob layout");
        return 0;
    }
    memcpy(o->iv, b + SSLPROV_OPAQUE_IV, o->iv_len);
    memcpy(o->key, b + SSLPROV_OPAQUE_KDBM_KEY, o->key_len);
    memcpy(o->mac_key, b + SSLPROV_OPAQUE_KDBM_KEY + o->key_len, c->mac);
    if (c->kind != K_NULL) {
        o->cipher = EVP_CIPHER_fetch(NULL, c->evp, NULL);
        if (o->cipher == NULL) {
            fprintf(stderr, "libcrypto has no %s\n", c->evp);
            EXPECT(!"oracle cipher");
            return 0;
        }
    }
    if (c->kind == K_STREAM) {
        o->stream = EVP_CIPHER_CTX_new();
        if (!EVP_EncryptInit_ex2(o->stream, o->cipher, o->key, NULL, NULL)) {
            EXPECT(!"RC4 init");
            return 0;
        }
    }
    return 1;
}

static const char *mac_md(size_t mac)
{
    return mac == 16 ? "MD5" : mac == 20 ? "SHA1" : mac == 32 ? "SHA256" : "SHA384";
}

static void oracle_mac(const struct oracle *o, ULONGLONG seq, BYTE type, const BYTE *pt, size_t n, BYTE *out)
{
    const struct combo *c = o->c;
    BYTE h[13];

    put64be(h, seq);
    h[8] = type;
    if (c->ssl3) {
        /* H(key || pad2 || H(key || pad1 || seq || type || length || data)) */
        EVP_MD *md = EVP_MD_fetch(NULL, mac_md(c->mac), NULL);
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        BYTE pad[48], inner[64];
        size_t npad = c->mac == 16 ? 48 : 40;
        unsigned il = 0, ol = 0;

        h[9] = (BYTE)(n >> 8), h[10] = (BYTE)n;
        memset(pad, 0x36, npad);
        EVP_DigestInit_ex(m, md, NULL);
        EVP_DigestUpdate(m, o->mac_key, c->mac);
        EVP_DigestUpdate(m, pad, npad);
        EVP_DigestUpdate(m, h, 11);
        EVP_DigestUpdate(m, pt, n);
        EVP_DigestFinal_ex(m, inner, &il);
        memset(pad, 0x5C, npad);
        EVP_DigestInit_ex(m, md, NULL);
        EVP_DigestUpdate(m, o->mac_key, c->mac);
        EVP_DigestUpdate(m, pad, npad);
        EVP_DigestUpdate(m, inner, il);
        EVP_DigestFinal_ex(m, out, &ol);
        EVP_MD_CTX_free(m);
        EVP_MD_free(md);
    } else {
        EVP_MAC_CTX *m = EVP_MAC_CTX_new(hmac);
        OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mac_md(c->mac), 0),
                          OSSL_PARAM_construct_end()};
        size_t ol = 0;

        h[9] = (BYTE)(c->proto >> 8), h[10] = (BYTE)c->proto;
        h[11] = (BYTE)(n >> 8), h[12] = (BYTE)n;
        EVP_MAC_init(m, o->mac_key, c->mac, p);
        EVP_MAC_update(m, h, 13);
        EVP_MAC_update(m, pt, n);
        EVP_MAC_final(m, out, &ol, 64);
        EVP_MAC_CTX_free(m);
    }
}

static void put_header(const struct combo *c, BYTE *rec, ULONGLONG seq, BYTE type, size_t body)
{
    rec[0] = type;
    rec[1] = (BYTE)(c->proto >> 8), rec[2] = (BYTE)c->proto;
    if (c->dtls)
        put64be(rec + 3, seq);
    rec[c->hdr - 2] = (BYTE)(body >> 8), rec[c->hdr - 1] = (BYTE)body;
}

/* The exact record an AEAD suite writes (conventions.md §5). */
static size_t oracle_seal_aead(const struct oracle *o, ULONGLONG seq, BYTE type, const BYTE *pt, size_t n, BYTE *rec)
{
    const struct combo *c = o->c;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    BYTE nonce[12], aad[13], *body = rec + c->hdr + c->expl, dummy = 0;
    int l = 0;

    if (c->kind == K_CHACHA) {
        memcpy(nonce, o->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (BYTE)(seq >> (56 - 8 * i));
    } else {
        memcpy(nonce, o->iv, 4);
        put64be(nonce + 4, seq);
        put64be(rec + c->hdr, seq);
    }
    put64be(aad, seq);
    aad[8] = type, aad[9] = (BYTE)(c->proto >> 8), aad[10] = (BYTE)c->proto;
    aad[11] = (BYTE)(n >> 8), aad[12] = (BYTE)n;
    EVP_EncryptInit_ex(x, o->cipher, NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
    if (c->kind == K_CCM)
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)c->tag, NULL);
    EVP_EncryptInit_ex(x, NULL, NULL, o->key, nonce);
    if (c->kind == K_CCM)
        EVP_EncryptUpdate(x, NULL, &l, NULL, (int)n);
    EVP_EncryptUpdate(x, NULL, &l, aad, 13);
    if (n != 0 || c->kind == K_CCM)
        EVP_EncryptUpdate(x, body, &l, n ? pt : &dummy, (int)n);
    EVP_EncryptFinal_ex(x, body + n, &l);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)c->tag, body + n);
    EVP_CIPHER_CTX_free(x);
    put_header(c, rec, seq, type, c->expl + n + c->tag);
    return c->hdr + c->expl + n + c->tag;
}

/* A CBC record with `pad` padding bytes (1..256); corrupt != 0 flips one padding byte that is
 * not the length byte. Uses and advances the residue for chained suites. */
static size_t oracle_seal_cbc(struct oracle *o, ULONGLONG seq, BYTE type, const BYTE *pt, size_t n, size_t pad,
                              int corrupt, BYTE *rec)
{
    const struct combo *c = o->c;
    static BYTE plain[MAX_REC];
    BYTE iv[16], *body = rec + c->hdr;
    size_t len = n + c->mac + pad;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;

    memcpy(plain, pt, n);
    oracle_mac(o, seq, type, pt, n, plain + n);
    memset(plain + n + c->mac, (int)(pad - 1), pad);
    if (corrupt)
        plain[n + c->mac] ^= 0x01;
    if (c->chained) {
        memcpy(iv, o->iv, c->block);
    } else {
        for (size_t i = 0; i < c->block; i++)
            iv[i] = (BYTE)(0xC3 ^ (i * 29) ^ seq);
        memcpy(body, iv, c->block);
        body += c->block;
    }
    EVP_EncryptInit_ex2(x, o->cipher, o->key, iv, NULL);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, body, &l, plain, (int)len);
    EVP_CIPHER_CTX_free(x);
    if (c->chained)
        memcpy(o->iv, body + len - c->block, c->block);
    put_header(c, rec, seq, type, c->expl + len);
    return c->hdr + c->expl + len;
}

/* Checks one record we wrote. Advances the oracle (residue, RC4 stream) as the peer would. */
static void oracle_check(struct oracle *o, const BYTE *rec, size_t len, ULONGLONG seq, BYTE type, const BYTE *pt,
                         size_t n)
{
    const struct combo *c = o->c;
    static BYTE want[MAX_REC], plain[MAX_REC];
    BYTE mac[64];
    size_t body = len - c->hdr;

    /* header: type, the key's version, DTLS epoch||seq, length (behavior.md §2.1) */
    EXPECT(len == rec_len(c, n));
    EXPECT(rec[0] == type);
    EXPECT(rec[1] == (BYTE)(c->proto >> 8) && rec[2] == (BYTE)c->proto);
    if (c->dtls)
        EXPECT(get64be(rec + 3) == seq);
    EXPECT(((size_t)rec[c->hdr - 2] << 8 | rec[c->hdr - 1]) == body);
    if (len != rec_len(c, n))
        return;
    if (aead(c)) {
        if (c->kind != K_CHACHA)
            EXPECT(get64be(rec + c->hdr) == seq); /* explicit nonce = SequenceNumber */
        oracle_seal_aead(o, seq, type, pt, n, want);
        EXPECT(memcmp(rec, want, len) == 0);
    } else if (c->kind == K_NULL || c->kind == K_STREAM) {
        int l = 0;

        memcpy(plain, pt, n);
        oracle_mac(o, seq, type, pt, n, plain + n);
        if (c->kind == K_STREAM)
            EVP_EncryptUpdate(o->stream, plain, &l, plain, (int)(n + c->mac));
        EXPECT(memcmp(rec + c->hdr, plain, n + c->mac) == 0);
    } else {
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        const BYTE *iv = c->chained ? o->iv : rec + c->hdr, *ct = rec + c->hdr + c->expl;
        size_t ct_len = body - c->expl, pad;
        int l = 0;

        EXPECT(ct_len % c->block == 0);
        EVP_DecryptInit_ex2(x, o->cipher, o->key, iv, NULL);
        EVP_CIPHER_CTX_set_padding(x, 0);
        EVP_DecryptUpdate(x, plain, &l, ct, (int)ct_len);
        EVP_CIPHER_CTX_free(x);
        if (c->chained)
            memcpy(o->iv, ct + ct_len - c->block, c->block);
        pad = (size_t)plain[ct_len - 1] + 1;
        EXPECT(pad == pad_len(c, n)); /* minimum padding (behavior.md §2.1) */
        if (pad != pad_len(c, n))
            return;
        /* TLS: every padding byte = pad - 1; SSL 3.0 only defines the length byte */
        if (!c->ssl3)
            for (size_t i = 0; i < pad; i++)
                EXPECT(plain[n + c->mac + i] == pad - 1);
        EXPECT(memcmp(plain, pt, n) == 0);
        oracle_mac(o, seq, type, pt, n, mac);
        EXPECT(memcmp(plain + n, mac, c->mac) == 0);
    }
}

/* ==== (i)-(iii) the main stream: lengths, oracle, round trips, failures in between ========== */

static void check_lengths(const struct combo *c)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *L = &c->L;

    /* conventions.md §12 with the AEAD shapes of §5: the record header is the caller's */
    EXPECT(L->cbLength == sizeof *L);
    EXPECT(L->dwHeaderLen == c->expl);
    EXPECT(L->dwFixedTrailerLen == (aead(c) ? c->tag : c->mac));
    EXPECT(L->dwMaxVariableTrailerLen == (c->kind == K_CBC ? c->block : 0));
    EXPECT(L->dwFlags == (c->kind == K_CBC ? NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING : 0));
}

/* One record one way: short output, exact output, oracle, wrong sequence, short plaintext
 * buffer, then the decrypt that must work. */
static void one_record(const struct combo *c, NCRYPT_KEY_HANDLE w, NCRYPT_KEY_HANDLE r, struct oracle *o,
                       ULONGLONG seq, BYTE type, const BYTE *pt, size_t n, BYTE *ivs, size_t *nivs)
{
    static BYTE rec[MAX_REC], out[MAX_REC];
    size_t want = c->hdr + c->L.dwHeaderLen + n + c->L.dwFixedTrailerLen + pad_len(c, n), mp;
    DWORD cb = SENTINEL;

    EXPECT(want == rec_len(c, n));
    EXPECT(pad_len(c, n) <= c->L.dwMaxVariableTrailerLen);
    EXPECT_ST(enc(w, pt, n, rec, want - 1, &cb, seq, type), NTE_BUFFER_TOO_SMALL);
    EXPECT(cb == SENTINEL);
    EXPECT_ST(enc(w, pt, n, rec, want, &cb, seq, type), SEC_E_OK);
    EXPECT(cb == want);
    if (cb != want)
        return;
    records++;
    oracle_check(o, rec, cb, seq, type, pt, n);
    if (c->kind == K_CBC && !c->chained && ivs != NULL)
        memcpy(ivs + (*nivs)++ * c->block, rec + c->hdr, c->block);

    cb = SENTINEL;
    EXPECT_ST(dec(r, rec, want, out, sizeof out, &cb, seq + 1), NTE_DECRYPTION_FAILURE);
    EXPECT(cb == SENTINEL);
    mp = max_plain(c, want);
    if (mp > 0) {
        EXPECT_ST(dec(r, rec, want, out, mp - 1, &cb, seq), NTE_BUFFER_TOO_SMALL);
        EXPECT(cb == SENTINEL);
    }
    EXPECT_ST(dec(r, rec, want, out, mp, &cb, seq), SEC_E_OK);
    EXPECT(cb == n && memcmp(out, pt, n) == 0);
}

/* Two key objects with the same key material (an exported and re-imported copy) draw
 * unrelated explicit IVs: each key's IV generator is seeded on its own, not from the key. */
static void twin_key_ivs(const struct combo *c, NCRYPT_KEY_HANDLE wr, const BYTE *ivs, size_t nivs)
{
    static BYTE pt[16], rec[MAX_REC];
    BYTE blob[512];
    DWORD blen = 0, cb = 0;
    NCRYPT_KEY_HANDLE twin;

    if (!export_blob(wr, blob, &blen) || (twin = import_blob(blob, blen)) == 0) {
        EXPECT(!"a copy of the write key");
        return;
    }
    EXPECT_ST(enc(twin, pt, sizeof pt, rec, sizeof rec, &cb, seq_base(c), 23), SEC_E_OK);
    for (size_t i = 0; i < nivs; i++)
        EXPECT(memcmp(rec + c->hdr, ivs + i * c->block, c->block) != 0);
    SslFreeObject(twin, 0);
}

static void stream_test(const struct combo *c)
{
    static BYTE pt[16385], ivs[64 * 16];
    static const BYTE types[] = {23, 22, 21, 20};
    size_t sizes[64], nsizes = 0, nivs = 0, blk = c->kind == K_CBC ? c->block : 1;
    struct keys k;
    struct oracle oc, os;
    ULONGLONG seq = seq_base(c);

    for (size_t n = 0; n <= 2 * blk; n++)
        sizes[nsizes++] = n;
    sizes[nsizes++] = 15, sizes[nsizes++] = 16, sizes[nsizes++] = 17, sizes[nsizes++] = 1000;
    sizes[nsizes++] = 16383, sizes[nsizes++] = 16384, sizes[nsizes++] = 3;
    if (!make_keys(c, &k) || !oracle_init(&oc, c, k.c_wr) || !oracle_init(&os, c, k.s_wr)) {
        free_keys(&k);
        return;
    }
    for (size_t i = 0; i < nsizes; i++, seq++) {
        pattern(pt, sizes[i], (unsigned)i);
        one_record(c, k.c_wr, k.s_rd, &oc, seq, types[i % 4], pt, sizes[i], ivs, &nivs);
        one_record(c, k.s_wr, k.c_rd, &os, seq, types[(i + 1) % 4], pt, sizes[i], NULL, NULL);
    }
    /* TLS 1.1+ CBC: a fresh random explicit IV per record */
    for (size_t i = 0; i < nivs; i++)
        for (size_t j = i + 1; j < nivs; j++)
            EXPECT(memcmp(ivs + i * c->block, ivs + j * c->block, c->block) != 0);
    if (nivs > 0)
        twin_key_ivs(c, k.c_wr, ivs, nivs);
    oracle_free(&oc);
    oracle_free(&os);
    free_keys(&k);
}

/* ==== (iv) tampering ======================================================================== */

/* Every byte of one record flipped, each on a fresh copy of the unused read key. */
static void tamper_test(const struct combo *c, size_t n)
{
    static BYTE pt[64], rec[MAX_REC], bad[MAX_REC];
    struct keys k;
    BYTE blob[512];
    DWORD blen = 0, cb = 0;
    ULONGLONG seq = seq_base(c) + 7;
    size_t len;

    if (!make_keys(c, &k) || !export_blob(k.s_rd, blob, &blen)) {
        EXPECT(!"keys / read-key blob");
        free_keys(&k);
        return;
    }
    pattern(pt, n, 99);
    if (enc(k.c_wr, pt, n, rec, sizeof rec, &cb, seq, 23) != SEC_E_OK) {
        EXPECT(!"encrypt for the tamper test");
        free_keys(&k);
        return;
    }
    len = cb;
    for (size_t i = 0; i < len; i++) {
        NCRYPT_KEY_HANDLE r = import_blob(blob, blen);
        ULONGLONG bad_seq = seq;
        SECURITY_STATUS want;

        memcpy(bad, rec, len);
        if (i == 1 || i == 2) { /* version: to a value outside behavior.md §2.2's list */
            bad[i] ^= 0x40;
            want = NTE_BAD_DATA;
        } else if (i == c->hdr - 2 || i == c->hdr - 1) { /* length field */
            bad[i] ^= 0x01;
            want = NTE_BAD_DATA;
        } else if (c->dtls && i >= 3 && i <= 10) {
            /* epoch/seq: the caller passes what the header says */
            bad[i] ^= 0x01;
            bad_seq = get64be(bad + 3);
            want = NTE_DECRYPTION_FAILURE;
        } else { /* type, explicit IV/nonce, ciphertext, MAC, padding, tag */
            bad[i] ^= 0x01;
            want = NTE_DECRYPTION_FAILURE;
        }
        expect_dec_fail(r, bad, len, bad_seq, want, rec, len, seq, pt, n);
        SslFreeObject(r, 0);
        tampered++;
    }
    free_keys(&k);
}

/* Truncated, extended, wrong sequence, other record versions, TLS<->DTLS, short input. */
static void malformed_test(const struct combo *c)
{
    static BYTE pt[64], rec[MAX_REC], bad[MAX_REC + 64];
    struct keys k, twin;
    BYTE blob[512];
    DWORD blen = 0, cb = 0, twin_proto = 0;
    ULONGLONG seq = seq_base(c) + 11;
    size_t n = 33, len, body;
    NCRYPT_KEY_HANDLE r;

    if (!make_keys(c, &k) || !export_blob(k.s_rd, blob, &blen)) {
        free_keys(&k);
        return;
    }
    pattern(pt, n, 5);
    if (enc(k.c_wr, pt, n, rec, sizeof rec, &cb, seq, 23) != SEC_E_OK) {
        EXPECT(!"encrypt for the malformed test");
        free_keys(&k);
        return;
    }
    len = cb;
    body = len - c->hdr;
#define FRESH() (r = import_blob(blob, blen))
#define TRY(blen_, bseq_, want_)                                                             \
    do {                                                                                    \
        FRESH();                                                                            \
        expect_dec_fail(r, bad, (blen_), (bseq_), (want_), rec, len, seq, pt, n);          \
        SslFreeObject(r, 0);                                                                \
    } while (0)
#define TRY2(blen_, want_a, want_b)                                                          \
    do {                                                                                    \
        DWORD cb_ = SENTINEL;                                                               \
        static BYTE o_[MAX_REC + 64];                                                       \
        SECURITY_STATUS st_;                                                                \
        FRESH();                                                                            \
        st_ = dec(r, bad, (blen_), o_, sizeof o_, &cb_, seq);                               \
        EXPECT(st_ == (want_a) || st_ == (want_b));                                         \
        EXPECT(cb_ == SENTINEL);                                                            \
        EXPECT_ST(dec(r, rec, len, o_, sizeof o_, &cb_, seq), SEC_E_OK);                    \
        SslFreeObject(r, 0);                                                                \
    } while (0)

    /* wrong SequenceNumber: authentication failure */
    memcpy(bad, rec, len);
    TRY(len, seq - 1, NTE_DECRYPTION_FAILURE);
    TRY(len, seq ^ (1ull << 40), NTE_DECRYPTION_FAILURE);
    /* header and input length disagree */
    TRY(len - 1, seq, NTE_BAD_DATA);
    bad[len] = 0;
    TRY(len + 1, seq, NTE_BAD_DATA);
    TRY(c->hdr, seq, NTE_BAD_DATA);
    TRY(c->hdr - 1, seq, NTE_BAD_DATA);
    TRY(0, seq, NTE_BAD_DATA);
    /* length field fixed up: one byte shorter / longer body */
    memcpy(bad, rec, len);
    bad[c->hdr - 2] = (BYTE)((body - 1) >> 8), bad[c->hdr - 1] = (BYTE)(body - 1);
    if (c->kind == K_CBC) /* not a whole number of blocks: malformed or undecryptable */
        TRY2(len - 1, NTE_BAD_DATA, NTE_DECRYPTION_FAILURE);
    else
        TRY(len - 1, seq, NTE_DECRYPTION_FAILURE);
    memcpy(bad, rec, len);
    bad[len] = 0x5A;
    bad[c->hdr - 2] = (BYTE)((body + 1) >> 8), bad[c->hdr - 1] = (BYTE)(body + 1);
    if (c->kind == K_CBC)
        TRY2(len + 1, NTE_BAD_DATA, NTE_DECRYPTION_FAILURE);
    else
        TRY(len + 1, seq, NTE_DECRYPTION_FAILURE);
    if (c->kind == K_CBC) { /* a whole block less / more */
        memcpy(bad, rec, len);
        bad[c->hdr - 2] = (BYTE)((body - c->block) >> 8), bad[c->hdr - 1] = (BYTE)(body - c->block);
        if (body - c->block < c->expl + c->mac)
            TRY(len - c->block, seq, NTE_BAD_DATA);
        else if (body - c->block == c->expl + c->mac) /* no room for the padding byte */
            TRY2(len - c->block, NTE_BAD_DATA, NTE_DECRYPTION_FAILURE);
        else
            TRY(len - c->block, seq, NTE_DECRYPTION_FAILURE);
        memcpy(bad, rec, len);
        memset(bad + len, 0x77, c->block);
        bad[c->hdr - 2] = (BYTE)((body + c->block) >> 8), bad[c->hdr - 1] = (BYTE)(body + c->block);
        TRY(len + c->block, seq, NTE_DECRYPTION_FAILURE);
    }
    /* a body below the minimum (behavior.md §2.2: length >= MAC + explicit IV; AEAD E + T) */
    {
        size_t min = aead(c) ? c->expl + c->tag : c->expl + c->mac;
        memcpy(bad, rec, c->hdr);
        memcpy(bad + c->hdr, rec + c->hdr, min - 1);
        bad[c->hdr - 2] = (BYTE)((min - 1) >> 8), bad[c->hdr - 1] = (BYTE)(min - 1);
        if (min >= 1)
            TRY(c->hdr + min - 1, seq, NTE_BAD_DATA);
        if (c->kind != K_CBC && min >= 1) {
            memcpy(bad + c->hdr, rec + c->hdr, min);
            bad[c->hdr - 2] = (BYTE)(min >> 8), bad[c->hdr - 1] = (BYTE)min;
            TRY(c->hdr + min, seq, NTE_DECRYPTION_FAILURE); /* well-formed empty record, wrong MAC/tag */
        }
    }
    /* record versions (behavior.md §2.2): any of 0x0300-0x0303 / 0xFEFF, 0xFEFD of the key's
     * family is accepted (the MAC/AAD use the key's version); others are malformed */
    {
        static const DWORD tls_ok[] = {0x0300, 0x0301, 0x0302, 0x0303}, dtls_ok[] = {0xFEFF, 0xFEFD};
        static const DWORD tls_bad[] = {0x0304, 0x0200, 0x0000, 0xFEFD, 0xFEFF, 0x0103},
                           dtls_bad[] = {0x0303, 0x0301, 0xFDFD, 0x0000, 0xFFFD};
        const DWORD *ok = c->dtls ? dtls_ok : tls_ok, *no = c->dtls ? dtls_bad : tls_bad;
        size_t nok = c->dtls ? 2 : 4, nno = c->dtls ? 5 : 6;

        for (size_t i = 0; i < nok; i++) {
            static BYTE o_[MAX_REC];
            DWORD cb2 = SENTINEL;

            memcpy(bad, rec, len);
            bad[1] = (BYTE)(ok[i] >> 8), bad[2] = (BYTE)ok[i];
            FRESH();
            EXPECT_ST(dec(r, bad, len, o_, sizeof o_, &cb2, seq), SEC_E_OK);
            EXPECT(cb2 == n && memcmp(o_, pt, n) == 0);
            SslFreeObject(r, 0);
        }
        for (size_t i = 0; i < nno; i++) {
            memcpy(bad, rec, len);
            bad[1] = (BYTE)(no[i] >> 8), bad[2] = (BYTE)no[i];
            TRY(len, seq, NTE_BAD_DATA);
        }
    }
    /* a record of the other family (TLS <-> DTLS) of the same suite */
    switch (c->proto) {
    case DTLS1_2_PROTOCOL_VERSION: twin_proto = TLS1_2_PROTOCOL_VERSION; break;
    case DTLS1_0_PROTOCOL_VERSION: twin_proto = TLS1_1_PROTOCOL_VERSION; break;
    case TLS1_2_PROTOCOL_VERSION: twin_proto = DTLS1_2_PROTOCOL_VERSION; break;
    default: twin_proto = DTLS1_0_PROTOCOL_VERSION; break;
    }
    {
        NCRYPT_SSL_CIPHER_SUITE info;
        if (SslLookupCipherSuiteInfo(prov, twin_proto, c->suite, 0, &info, 0) == SEC_E_OK &&
            make_keys_for(twin_proto, c->suite, &twin)) {
            static BYTE trec[MAX_REC], o_[MAX_REC];
            DWORD tl = 0, cb2 = SENTINEL;

            /* ours given to the twin's read key, and the twin's record given to ours */
            EXPECT_ST(dec(twin.s_rd, rec, len, o_, sizeof o_, &cb2, seq), NTE_BAD_DATA);
            EXPECT(cb2 == SENTINEL);
            EXPECT_ST(enc(twin.c_wr, pt, n, trec, sizeof trec, &tl, seq, 23), SEC_E_OK);
            FRESH();
            EXPECT_ST(dec(r, trec, tl, o_, sizeof o_, &cb2, seq), NTE_BAD_DATA);
            EXPECT(cb2 == SENTINEL);
            EXPECT_ST(dec(r, rec, len, o_, sizeof o_, &cb2, seq), SEC_E_OK);
            SslFreeObject(r, 0);
            free_keys(&twin);
        }
    }
    /* DTLS: the header's epoch/seq are the caller's business; only SequenceNumber counts.
     * Not asserted (behavior.md is silent); printed once for the report. */
    if (c->dtls && c->proto == DTLS1_2_PROTOCOL_VERSION && c->suite == 0xC02F) {
        static BYTE o_[MAX_REC];
        DWORD cb2 = SENTINEL;
        memcpy(bad, rec, len);
        bad[10] ^= 0x01;
        FRESH();
        printf("note: DTLS header seq differing from SequenceNumber (tag over SequenceNumber): 0x%08x\n",
               (unsigned)dec(r, bad, len, o_, sizeof o_, &cb2, seq));
        SslFreeObject(r, 0);
    }
#undef TRY
#undef TRY2
#undef FRESH
    free_keys(&k);
}

/* CBC padding the encryptor never writes: long (TLS: up to 256 bytes, api.md §8.8), corrupt
 * padding bytes (TLS), SSL 3.0 padding longer than a block. On fresh key copies. */
static void padding_test(const struct combo *c)
{
    static BYTE pt[64], rec[MAX_REC], out[MAX_REC];
    struct keys k;
    struct oracle o, saved;
    BYTE blob[512];
    DWORD blen = 0, cb;
    ULONGLONG seq = seq_base(c) + 21;
    size_t n = 10, minpad = pad_len(c, n), len;
    NCRYPT_KEY_HANDLE r;

    if (c->kind != K_CBC)
        return;
    if (!make_keys(c, &k) || !export_blob(k.c_rd, blob, &blen) || !oracle_init(&saved, c, k.s_wr)) {
        free_keys(&k);
        return;
    }
    pattern(pt, n, 77);
    /* 0: the minimal padding; 1: the longest legal TLS padding; 2: one block more than the
     * minimum; 3: that with a corrupt padding byte; 4: a corrupt padding byte in the minimal
     * padding (needs >= 2 bytes). SSL 3.0: padding at most one block, bytes undefined. */
    for (int t = 0; t < 5; t++) {
        size_t pad = t == 0 || t == 4 ? minpad
                   : t == 1 ? minpad + c->block * ((256 - minpad) / c->block) : minpad + c->block;
        int corrupt = t >= 3;
        SECURITY_STATUS want;

        if (t == 4 && minpad < 2)
            continue;
        if (c->ssl3) {
            if (t == 3)
                continue;
            want = t == 1 || t == 2 ? NTE_DECRYPTION_FAILURE : SEC_E_OK;
        } else {
            want = t >= 3 ? NTE_DECRYPTION_FAILURE : SEC_E_OK;
        }
        o = saved;
        len = oracle_seal_cbc(&o, seq, 23, pt, n, pad, corrupt, rec);
        r = import_blob(blob, blen);
        cb = SENTINEL;
        EXPECT_ST(dec(r, rec, len, out, sizeof out, &cb, seq), want);
        if (want == SEC_E_OK)
            EXPECT(cb == n && memcmp(out, pt, n) == 0);
        else
            EXPECT(cb == SENTINEL);
        SslFreeObject(r, 0);
    }
    oracle_free(&saved);
    free_keys(&k);
}

/* api.md F2: fragment length at most 2^14 + 2048 (TLS <= 1.2). NULL suites, where a record of
 * any length with a valid MAC is easy to build. */
static void oversize_test(const struct combo *c)
{
    static BYTE pt[18500], rec[18600], out[18600];
    struct keys k;
    struct oracle o;
    DWORD cb = SENTINEL;
    ULONGLONG seq = seq_base(c) + 3;
    size_t n = 16384 + 2048 - c->mac + 1;

    if (c->kind != K_NULL || !make_keys(c, &k))
        return;
    if (oracle_init(&o, c, k.c_wr)) {
        pattern(pt, n, 1);
        memcpy(rec + c->hdr, pt, n);
        oracle_mac(&o, seq, 23, pt, n, rec + c->hdr + n);
        put_header(c, rec, seq, 23, n + c->mac);
        EXPECT_ST(dec(k.s_rd, rec, c->hdr + n + c->mac, out, sizeof out, &cb, seq), NTE_BAD_DATA);
        EXPECT(cb == SENTINEL);
        /* the same construction at 16384 bytes is an ordinary record */
        n = 16384;
        memcpy(rec + c->hdr, pt, n);
        oracle_mac(&o, seq, 23, pt, n, rec + c->hdr + n);
        put_header(c, rec, seq, 23, n + c->mac);
        EXPECT_ST(dec(k.s_rd, rec, c->hdr + n + c->mac, out, sizeof out, &cb, seq), SEC_E_OK);
        EXPECT(cb == n);
        oracle_free(&o);
    }
    free_keys(&k);
}

/* ==== (v) status rules ====================================================================== */

static void status_test(const struct combo *c)
{
    static BYTE pt[16400], rec[MAX_REC], out[MAX_REC];
    struct keys k;
    DWORD cb = SENTINEL, len = 0;
    ULONGLONG seq = seq_base(c) + 40;
    size_t n = 20;

    if (!make_keys(c, &k))
        return;
    pattern(pt, sizeof pt, 3);
    /* NULL pointers, flags, content type, plaintext limit: nothing written, key untouched */
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, NULL, (DWORD)n, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, NULL, 0, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, NULL, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, NULL, 0, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, rec, sizeof rec, NULL, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 23, 1), NTE_BAD_FLAGS);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 23, 0x80000000u), NTE_BAD_FLAGS);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 0x100, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 0x117, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, 16385, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, 0x8001, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, pt, 0xFFFFFFFFu, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_PARAMETER);
    EXPECT(cb == SENTINEL);
    /* validation order (conventions.md §1): provider, output pointers, key, flags, the rest */
    EXPECT_ST(SslEncryptPacket(0, k.c_wr, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 23, 0), NTE_INVALID_HANDLE);
    EXPECT_ST(SslEncryptPacket(0, k.c_wr, pt, (DWORD)n, rec, sizeof rec, NULL, seq, 23, 1), NTE_INVALID_HANDLE);
    EXPECT_ST(SslEncryptPacket(prov, 0, pt, (DWORD)n, rec, sizeof rec, NULL, seq, 23, 1), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslEncryptPacket(prov, 0, pt, (DWORD)n, rec, sizeof rec, &cb, seq, 23, 1), NTE_INVALID_HANDLE);
    EXPECT_ST(SslEncryptPacket(prov, k.c_wr, NULL, (DWORD)n, rec, sizeof rec, &cb, seq, 0x100, 1), NTE_BAD_FLAGS);
    EXPECT_ST(SslDecryptPacket(0, k.s_rd, rec, 30, out, sizeof out, &cb, seq, 0), NTE_INVALID_HANDLE);
    EXPECT_ST(SslDecryptPacket(prov, 0, rec, 30, out, sizeof out, NULL, seq, 1), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslDecryptPacket(prov, 0, rec, 30, out, sizeof out, &cb, seq, 1), NTE_INVALID_HANDLE);
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, NULL, 30, out, sizeof out, &cb, seq, 1), NTE_BAD_FLAGS);

    /* the content type is the low byte; 0 and 0xFF are legal */
    for (DWORD type = 0; type <= 0xFF; type += 0xFF) {
        EXPECT_ST(enc(k.c_wr, pt, n, rec, sizeof rec, &len, seq, type), SEC_E_OK);
        EXPECT(rec[0] == type);
        cb = SENTINEL;
        EXPECT_ST(dec(k.s_rd, rec, len, out, sizeof out, &cb, seq), SEC_E_OK);
        EXPECT(cb == n && memcmp(out, pt, n) == 0);
        seq++;
    }
    /* a record that has been encrypted: decrypt's own NULL / flags rules */
    EXPECT_ST(enc(k.c_wr, pt, n, rec, sizeof rec, &len, seq, 23), SEC_E_OK);
    cb = SENTINEL;
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, NULL, len, out, sizeof out, &cb, seq, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, rec, len, NULL, sizeof out, &cb, seq, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, rec, len, out, sizeof out, NULL, seq, 0), NTE_INVALID_PARAMETER);
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, rec, len, out, sizeof out, &cb, seq, 1), NTE_BAD_FLAGS);
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, rec, len, out, sizeof out, &cb, seq, 0x100), NTE_BAD_FLAGS);
    EXPECT(cb == SENTINEL);
    /* handles of other classes or stale ones */
    {
        NCRYPT_HASH_HANDLE hh = 0;
        NCRYPT_KEY_HANDLE eph = 0, gone = 0, dummy = 0;
        struct keys k2;

        EXPECT_ST(SslCreateHandshakeHash(prov, &hh, c->proto, c->suite, 0), SEC_E_OK);
        SslCreateEphemeralKey(prov, &eph, TLS1_2_PROTOCOL_VERSION, 0xC02F, 23, 0, NULL, 0, 0);
        if (make_keys(c, &k2)) {
            gone = k2.c_wr;
            dummy = k2.s_rd;
            SslFreeObject(gone, 0);
            SslFreeObject(dummy, 0);
            k2.c_wr = k2.s_rd = 0;
            free_keys(&k2);
        }
        NCRYPT_HANDLE wrong[] = {k.mc, k.ms, hh, prov, eph, gone, dummy, 0, (NCRYPT_HANDLE)0xDEADBEEF};
        for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
            if (wrong[i] == 0 && i < 5)
                continue;
            EXPECT_ST(enc(wrong[i], pt, n, out, sizeof out, &cb, seq + 1, 23), NTE_INVALID_HANDLE);
            EXPECT_ST(dec(wrong[i], rec, len, out, sizeof out, &cb, seq), NTE_INVALID_HANDLE);
        }
        EXPECT(cb == SENTINEL);
        SslFreeObject(hh, 0);
        if (eph)
            SslFreeObject(eph, 0);
    }
    cb = SENTINEL;
    EXPECT_ST(dec(k.s_rd, rec, len, out, sizeof out, &cb, seq), SEC_E_OK);
    EXPECT(cb == n && memcmp(out, pt, n) == 0);
    seq++;

    /* one byte short on a used key, then the next record still interoperates */
    len = (DWORD)rec_len(c, n);
    cb = SENTINEL;
    EXPECT_ST(enc(k.c_wr, pt, n, rec, len - 1, &cb, seq, 23), NTE_BUFFER_TOO_SMALL);
    EXPECT_ST(enc(k.c_wr, pt, n, rec, 0, &cb, seq, 23), NTE_BUFFER_TOO_SMALL);
    EXPECT(cb == SENTINEL);
    EXPECT_ST(enc(k.c_wr, pt, n, rec, len, &cb, seq, 23), SEC_E_OK);
    EXPECT_ST(dec(k.s_rd, rec, cb, out, sizeof out, &cb, seq), SEC_E_OK);
    EXPECT(cb == n && memcmp(out, pt, n) == 0);
    seq++;

    /* AEAD: the write key's sequence mark (conventions.md §5); others keep no mark */
    {
        struct keys a;
        static BYTE r5[MAX_REC], r0[MAX_REC], r6[MAX_REC];
        DWORD l5 = 0, l0 = 0, l6 = 0;
        int is_aead = aead(c);
        SECURITY_STATUS again = is_aead ? NTE_INVALID_PARAMETER : SEC_E_OK;

        if (make_keys(c, &a)) {
            EXPECT_ST(enc(a.c_wr, pt, n, r0, sizeof r0, &l0, 0, 23), SEC_E_OK); /* unused key: 0 allowed */
            EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, 0, 23), again);
            EXPECT_ST(enc(a.c_wr, pt, n, r5, sizeof r5, &l5, 5, 23), SEC_E_OK);
            EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, 5, 23), again);
            EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, 3, 23), again);
            cb = SENTINEL;
            EXPECT_ST(enc(a.c_wr, pt, n, rec, rec_len(c, n) - 1, &cb, 9, 23), NTE_BUFFER_TOO_SMALL);
            EXPECT(cb == SENTINEL);
            EXPECT_ST(enc(a.c_wr, pt, n, r6, sizeof r6, &l6, 6, 23), SEC_E_OK); /* the failure did not move it */
            if (is_aead) {
                /* the read side does not care about order or repeats */
                EXPECT_ST(dec(a.s_rd, r5, l5, out, sizeof out, &cb, 5), SEC_E_OK);
                EXPECT_ST(dec(a.s_rd, r0, l0, out, sizeof out, &cb, 0), SEC_E_OK);
                EXPECT_ST(dec(a.s_rd, r6, l6, out, sizeof out, &cb, 6), SEC_E_OK);
                EXPECT_ST(dec(a.s_rd, r5, l5, out, sizeof out, &cb, 5), SEC_E_OK);
                EXPECT(cb == n && memcmp(out, pt, n) == 0);
                /* decrypting does not move a key's mark: the server write key decrypts the
                 * client's seq 9 (same material as the client's read key... here the server's
                 * read key) and still encrypts seq 1 */
                EXPECT_ST(enc(a.c_rd, pt, n, rec, sizeof rec, &cb, 9, 23), SEC_E_OK);
                EXPECT_ST(dec(a.s_wr, rec, cb, out, sizeof out, &cb, 9), SEC_E_OK);
                EXPECT_ST(enc(a.s_wr, pt, n, rec, sizeof rec, &cb, 1, 23), SEC_E_OK);
                EXPECT_ST(dec(a.c_rd, rec, cb, out, sizeof out, &cb, 1), SEC_E_OK);
                EXPECT(cb == n && memcmp(out, pt, n) == 0);
                /* the top of the range (2^64-2: 2^64-1 is never encrypted, seq_edge_test; for
                 * DTLS epoch 0xFFFF, seq48 2^48-2): once used, nothing is greater */
                EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, ~1ull, 23), SEC_E_OK);
                EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, ~1ull, 23), NTE_INVALID_PARAMETER);
                EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, ~0ull, 23), NTE_INVALID_PARAMETER);
                EXPECT_ST(enc(a.c_wr, pt, n, rec, sizeof rec, &cb, 0, 23), NTE_INVALID_PARAMETER);
            }
            free_keys(&a);
        }
    }
    /* session keys are not restricted by direction (conventions.md §5): the client's read key
     * encrypts what the server's write key decrypts */
    {
        struct keys d;
        if (make_keys(c, &d)) {
            EXPECT_ST(enc(d.c_rd, pt, n, rec, sizeof rec, &len, seq, 22), SEC_E_OK);
            cb = SENTINEL;
            EXPECT_ST(dec(d.s_wr, rec, len, out, sizeof out, &cb, seq), SEC_E_OK);
            EXPECT(cb == n && memcmp(out, pt, n) == 0);
            free_keys(&d);
        }
    }
    free_keys(&k);
}

/* ==== (vi) in place and overlapping buffers ================================================= */

static BYTE arena[2 * MAX_REC + 256];

static void inplace_test(const struct combo *c, size_t n)
{
    static BYTE pt[16384], ref[MAX_REC], out[MAX_REC];
    struct keys k;
    BYTE bw[512], br[512];
    DWORD lw = 0, lr = 0, cb = 0, rl = 0;
    ULONGLONG seq = seq_base(c) + 50;
    NCRYPT_KEY_HANDLE w, r;
    const size_t base = 128;
    long hdr = (long)c->hdr, full = hdr + (long)c->L.dwHeaderLen;

    if (!make_keys(c, &k) || !export_blob(k.c_wr, bw, &lw) || !export_blob(k.s_rd, br, &lr)) {
        free_keys(&k);
        return;
    }
    pattern(pt, n, 31);
    w = import_blob(bw, lw);
    EXPECT_ST(enc(w, pt, n, ref, sizeof ref, &rl, seq, 23), SEC_E_OK);
    SslFreeObject(w, 0);
    if (rl != rec_len(c, n)) {
        free_keys(&k);
        return;
    }
    /* encrypt: input at output + d (Windows: d = header [+ explicit IV]; TLS <= 1.2 also
     * d = header alone) and arbitrary overlaps */
    {
        const long ds[] = {full, hdr, 0, 1, 3, -1, -7, -hdr, full + 5, (long)rl - (long)n, -(long)n / 2};
        for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
            BYTE *o = arena + base + (ds[i] < 0 ? (size_t)(-ds[i]) : 0), *in = o + ds[i];
            DWORD got = SENTINEL;

            char where[200];
            const char *outer = ctx;

            snprintf(where, sizeof where, "%s, n %zu, encrypt input at output %+ld", outer, n, ds[i]);
            ctx = where;
            memset(arena, 0xEE, sizeof arena);
            memcpy(in, pt, n);
            w = import_blob(bw, lw);
            EXPECT_ST(enc(w, in, n, o, rl, &got, seq, 23), SEC_E_OK);
            EXPECT(got == rl);
            SslFreeObject(w, 0);
            if (got != rl) {
                ctx = outer;
                continue;
            }
            if (deterministic(c)) {
                EXPECT(memcmp(o, ref, rl) == 0);
            } else {
                EXPECT(memcmp(o, ref, c->hdr) == 0);
                r = import_blob(br, lr);
                cb = SENTINEL;
                EXPECT_ST(dec(r, o, rl, out, sizeof out, &cb, seq), SEC_E_OK);
                EXPECT(cb == n && memcmp(out, pt, n) == 0);
                SslFreeObject(r, 0);
            }
            ctx = outer;
        }
    }
    /* decrypt: output at input + e (Windows: e = header [+ explicit IV]) and other overlaps */
    {
        const long es[] = {full, hdr, 0, 1, -1, -5, full + 3, (long)rl, -(long)rl};
        for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
            BYTE *in = arena + base + (es[i] < 0 ? (size_t)(-es[i]) : 0), *o = in + es[i];
            DWORD got = SENTINEL;

            char where[200];
            const char *outer = ctx;

            snprintf(where, sizeof where, "%s, n %zu, decrypt output at input %+ld", outer, n, es[i]);
            ctx = where;
            memset(arena, 0xEE, sizeof arena);
            memcpy(in, ref, rl);
            r = import_blob(br, lr);
            EXPECT_ST(dec(r, in, rl, o, (size_t)(arena + sizeof arena - o), &got, seq), SEC_E_OK);
            EXPECT(got == n && memcmp(o, pt, n) == 0);
            SslFreeObject(r, 0);
            ctx = outer;
        }
        /* Windows' in-place decrypt may size cbOutput to the space left in the record */
        memcpy(arena, ref, rl);
        r = import_blob(br, lr);
        cb = SENTINEL;
        EXPECT_ST(dec(r, arena, rl, arena + full, rl - (size_t)full, &cb, seq), SEC_E_OK);
        EXPECT(cb == n && memcmp(arena + full, pt, n) == 0);
        SslFreeObject(r, 0);
    }
    /* ... but cbOutput binds in place too (issue 10): below the largest possible plaintext
     * (AEAD, stream, NULL: the plaintext; CBC: body - IV - MAC - 1) -> NTE_BUFFER_TOO_SMALL
     * before anything is decrypted: record, *pcbResult and key unchanged */
    {
        const size_t need = c->kind == K_CBC ? rl - (size_t)full - c->mac - 1 : n;
        const long es[] = {full, hdr};
        const size_t caps[] = {0, need - 1};
        BYTE after[512];
        DWORD la = 0;

        for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
            for (size_t j = 0; j < (need > 0 ? 2u : 0u); j++) {
                memcpy(arena, ref, rl);
                r = import_blob(br, lr);
                cb = SENTINEL;
                EXPECT_ST(dec(r, arena, rl, arena + es[i], caps[j], &cb, seq), NTE_BUFFER_TOO_SMALL);
                EXPECT(cb == SENTINEL && memcmp(arena, ref, rl) == 0);
                EXPECT(export_blob(r, after, &la) && la == lr && memcmp(after, br, lr) == 0);
                EXPECT_ST(dec(r, arena, rl, arena + es[i], need, &cb, seq), SEC_E_OK);
                EXPECT(cb == n && memcmp(arena + es[i], pt, n) == 0);
                SslFreeObject(r, 0);
            }
    }
    free_keys(&k);
}

/* ==== sequence-number edges (issue 10) ======================================================== */

/* A sequence number at its maximum cannot be followed by another, so a write key refuses it:
 * TLS 2^64-1, DTLS a 48-bit part of 2^48-1 in any epoch -> NTE_INVALID_PARAMETER with the key
 * (its OpaqueKeyBlob) unchanged; the number below it works and is read back by the peer key. */
static void seq_edge_test(const struct combo *c)
{
    static const BYTE pt[20] = {9, 8, 7};
    static BYTE rec[MAX_REC], out[MAX_REC];
    const ULONGLONG max48 = 0x0000FFFFFFFFFFFFull;
    const ULONGLONG refused_tls[] = {UINT64_MAX}, refused_dtls[] = {max48, 7ull << 48 | max48, UINT64_MAX};
    const ULONGLONG *refused = c->dtls ? refused_dtls : refused_tls;
    const size_t nrefused = c->dtls ? 3 : 1;
    const ULONGLONG last = c->dtls ? (0xFFFFull << 48 | (max48 - 1)) : UINT64_MAX - 1;
    BYTE before[512], after[512];
    DWORD lb = 0, la = 0, cb, rl = 0;
    struct keys k;

    if (!make_keys(c, &k))
        return;
    /* RC4 exports only before first use: compare blobs before anything is encrypted */
    EXPECT(export_blob(k.c_wr, before, &lb));
    for (size_t i = 0; i < nrefused; i++) {
        cb = SENTINEL;
        EXPECT_ST(enc(k.c_wr, pt, sizeof pt, rec, sizeof rec, &cb, refused[i], 23), NTE_INVALID_PARAMETER);
        EXPECT(cb == SENTINEL);
    }
    EXPECT(export_blob(k.c_wr, after, &la) && la == lb && memcmp(before, after, lb) == 0);
    EXPECT_ST(enc(k.c_wr, pt, sizeof pt, rec, sizeof rec, &rl, last, 23), SEC_E_OK);
    cb = 0;
    EXPECT_ST(dec(k.s_rd, rec, rl, out, sizeof out, &cb, last), SEC_E_OK);
    EXPECT(cb == sizeof pt && memcmp(out, pt, sizeof pt) == 0);
    free_keys(&k);
}

/* ==== (vii) OpaqueKeyBlob round trips mid-stream ============================================ */

static void blob_test(const struct combo *c)
{
    static BYTE pt[300], rec[MAX_REC], rec2[MAX_REC], out[MAX_REC];
    struct keys k;
    BYTE bw[512], br[512];
    DWORD lw = 0, lr = 0, cb = 0, l2 = 0;
    ULONGLONG seq = seq_base(c) + 60;
    NCRYPT_KEY_HANDLE w2, r2;

    if (!make_keys(c, &k))
        return;
    pattern(pt, sizeof pt, 8);
    if (c->kind == K_STREAM) {
        /* RC4: exportable before use, NTE_NOT_SUPPORTED once it has processed data */
        DWORD sz = 0;
        EXPECT(export_blob(k.c_wr, bw, &lw));
        EXPECT(export_blob(k.s_rd, br, &lr));
        EXPECT_ST(enc(k.c_wr, pt, 100, rec, sizeof rec, &cb, seq, 23), SEC_E_OK);
        EXPECT_ST(SslExportKey(prov, k.c_wr, BCRYPT_OPAQUE_KEY_BLOB, bw, sizeof bw, &lw, 0), NTE_NOT_SUPPORTED);
        EXPECT_ST(SslExportKey(prov, k.c_wr, BCRYPT_OPAQUE_KEY_BLOB, NULL, 0, &sz, 0), NTE_NOT_SUPPORTED);
        /* a failed decrypt leaves the read key unused, hence exportable */
        rec[cb - 1] ^= 1;
        EXPECT_ST(dec(k.s_rd, rec, cb, out, sizeof out, &l2, seq), NTE_DECRYPTION_FAILURE);
        EXPECT(export_blob(k.s_rd, br, &lr));
        rec[cb - 1] ^= 1;
        EXPECT_ST(dec(k.s_rd, rec, cb, out, sizeof out, &l2, seq), SEC_E_OK);
        EXPECT_ST(SslExportKey(prov, k.s_rd, BCRYPT_OPAQUE_KEY_BLOB, br, sizeof br, &lr, 0), NTE_NOT_SUPPORTED);
        /* the unused write key's blob, imported twice, gives the same stream */
        free_keys(&k);
        return;
    }
    /* three records, then both keys travel through their blobs */
    for (int i = 0; i < 3; i++, seq++) {
        EXPECT_ST(enc(k.c_wr, pt, 100 + (size_t)i, rec, sizeof rec, &cb, seq, 23), SEC_E_OK);
        EXPECT_ST(dec(k.s_rd, rec, cb, out, sizeof out, &l2, seq), SEC_E_OK);
    }
    EXPECT(export_blob(k.c_wr, bw, &lw));
    EXPECT(export_blob(k.s_rd, br, &lr));
    if (c->chained) {
        /* the residue: the last ciphertext block of the last record, on both sides */
        EXPECT(get32(bw + SSLPROV_OPAQUE_IVLEN) == c->block && get32(br + SSLPROV_OPAQUE_IVLEN) == c->block);
        EXPECT(memcmp(bw + SSLPROV_OPAQUE_IV, rec + cb - c->block, c->block) == 0);
        EXPECT(memcmp(br + SSLPROV_OPAQUE_IV, rec + cb - c->block, c->block) == 0);
    }
    if (aead(c)) {
        /* mark = lowest SequenceNumber still allowed; decrypt does not move it */
        EXPECT(lw >= 8 && get64le(bw + lw - 8) == seq);
        EXPECT(lr >= 8 && get64le(br + lr - 8) == 0);
    }
    w2 = import_blob(bw, lw);
    r2 = import_blob(br, lr);
    if (aead(c)) {
        EXPECT_ST(enc(w2, pt, 10, rec, sizeof rec, &cb, seq - 1, 23), NTE_INVALID_PARAMETER);
        EXPECT_ST(enc(w2, pt, 10, rec, sizeof rec, &cb, 0, 23), NTE_INVALID_PARAMETER);
    }
    /* the copy and the original continue identically */
    EXPECT_ST(enc(w2, pt, 200, rec, sizeof rec, &cb, seq, 23), SEC_E_OK);
    EXPECT_ST(enc(k.c_wr, pt, 200, rec2, sizeof rec2, &l2, seq, 23), SEC_E_OK);
    EXPECT(cb == l2);
    if (deterministic(c))
        EXPECT(memcmp(rec, rec2, cb) == 0);
    EXPECT_ST(dec(r2, rec, cb, out, sizeof out, &l2, seq), SEC_E_OK);
    EXPECT(l2 == 200 && memcmp(out, pt, 200) == 0);
    EXPECT_ST(dec(k.s_rd, rec, cb, out, sizeof out, &l2, seq), SEC_E_OK);
    EXPECT(l2 == 200 && memcmp(out, pt, 200) == 0);
    seq++;
    /* and the copy goes on for two more records */
    for (int i = 0; i < 2; i++, seq++) {
        EXPECT_ST(enc(w2, pt, 31, rec, sizeof rec, &cb, seq, 21), SEC_E_OK);
        EXPECT_ST(dec(r2, rec, cb, out, sizeof out, &l2, seq), SEC_E_OK);
        EXPECT(l2 == 31 && memcmp(out, pt, 31) == 0);
    }
    if (aead(c)) {
        /* a key that used the last number (2^64-2) refuses everything, and so does its copy */
        NCRYPT_KEY_HANDLE w3;
        EXPECT_ST(enc(w2, pt, 5, rec, sizeof rec, &cb, ~1ull, 23), SEC_E_OK);
        EXPECT(export_blob(w2, bw, &lw) && get64le(bw + lw - 8) == ~0ull);
        w3 = import_blob(bw, lw);
        EXPECT_ST(enc(w3, pt, 5, rec, sizeof rec, &cb, ~1ull, 23), NTE_INVALID_PARAMETER);
        EXPECT_ST(enc(w3, pt, 5, rec, sizeof rec, &cb, ~0ull, 23), NTE_INVALID_PARAMETER);
        EXPECT_ST(enc(w3, pt, 5, rec, sizeof rec, &cb, 0, 23), NTE_INVALID_PARAMETER);
        EXPECT_ST(enc(w3, pt, 5, rec, sizeof rec, &cb, seq, 23), NTE_INVALID_PARAMETER);
        SslFreeObject(w3, 0);
    }
    if (aead(c)) { /* a fresh key's mark is 0 */
        struct keys f;
        if (make_keys(c, &f)) {
            EXPECT(export_blob(f.c_wr, bw, &lw) && get64le(bw + lw - 8) == 0);
            free_keys(&f);
        }
    }
    SslFreeObject(w2, 0);
    SslFreeObject(r2, 0);
    free_keys(&k);
}

/* ==== main ================================================================================== */

static void run_combo(DWORD proto, const NCRYPT_SSL_CIPHER_SUITE *info)
{
    struct combo c;
    struct keys k;
    BYTE pt[4] = {1, 2, 3, 4}, rec[256];
    DWORD cb = 0;
    SECURITY_STATUS st;

    if (!combo_init(&c, proto, info)) {
        ctx = "lookup";
        EXPECT(!"SslLookupCipherLengths");
        return;
    }
    ctx = c.name;
    combos++;
    check_lengths(&c);
    /* gate: until records work, one failure per combination instead of thousands */
    if (!make_keys(&c, &k)) {
        free_keys(&k);
        return;
    }
    st = enc(k.c_wr, pt, 4, rec, sizeof rec, &cb, 1, 23);
    free_keys(&k);
    if (st != SEC_E_OK) {
        EXPECT_ST(st, SEC_E_OK);
        skipped++;
        return;
    }
    stream_test(&c);
    tamper_test(&c, 0);
    tamper_test(&c, 17);
    malformed_test(&c);
    padding_test(&c);
    oversize_test(&c);
    status_test(&c);
    inplace_test(&c, 0);
    inplace_test(&c, 37);
    inplace_test(&c, 16384);
    seq_edge_test(&c);
    blob_test(&c);
}

/* The provider argument of a record call with a working key (the calls' fast path pins only
 * the key): another provider, a stale provider, zero, a random value and the key itself are
 * NTE_INVALID_HANDLE with *pcbResult untouched, before and after the key's own provider
 * handle is freed while the key lives on. Each case has its positive control. */
static void provider_argument_test(DWORD suite)
{
    static const BYTE pt[32] = {1, 2, 3};
    static BYTE rec[MAX_REC], out[MAX_REC];
    NCRYPT_PROV_HANDLE mine = prov, other = 0, gone = 0;
    struct keys k;
    DWORD cb = 0, rl;

    ctx = "provider argument";
    CHECK_ST(SslOpenProvider(&other, NULL, 0), SEC_E_OK);
    CHECK_ST(SslOpenProvider(&gone, NULL, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(gone, 0), SEC_E_OK);
    /* the keys belong to a provider of their own, freed in the middle */
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    if (!make_keys_for(TLS1_2_PROTOCOL_VERSION, suite, &k)) {
        EXPECT(!"keys");
        goto out;
    }
    for (int freed = 0; freed <= 1; freed++) {
        /* last: the test's main provider (foreign to these keys); once freed, the keys' own */
        const NCRYPT_PROV_HANDLE bad[] = {other, gone, 0, (NCRYPT_PROV_HANDLE)0x123456789abcdef0ull,
                                          (NCRYPT_PROV_HANDLE)k.c_wr, freed ? prov : mine};

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cb = SENTINEL;
            EXPECT_ST(SslEncryptPacket(bad[i], k.c_wr, (PBYTE)pt, sizeof pt, rec, sizeof rec, &cb,
                                       (ULONGLONG)(i + 10 * freed), 23, 0), NTE_INVALID_HANDLE);
            EXPECT(cb == SENTINEL);
        }
        if (freed)
            break;
        /* positive control: the key's own provider */
        EXPECT_ST(enc(k.c_wr, pt, sizeof pt, rec, sizeof rec, &cb, 0, 23), SEC_E_OK);
        rl = cb;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cb = SENTINEL;
            EXPECT_ST(SslDecryptPacket(bad[i], k.s_rd, rec, rl, out, sizeof out, &cb, 0, 0),
                      NTE_INVALID_HANDLE);
            EXPECT(cb == SENTINEL);
        }
        EXPECT_ST(dec(k.s_rd, rec, rl, out, sizeof out, &cb, 0), SEC_E_OK);
        EXPECT(cb == sizeof pt && memcmp(out, pt, sizeof pt) == 0);
        /* the provider's handle goes; its keys live on, but no handle names their provider */
        CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    }
    cb = SENTINEL;
    EXPECT_ST(SslDecryptPacket(prov, k.s_rd, rec, rl, out, sizeof out, &cb, 0, 0), NTE_INVALID_HANDLE);
    EXPECT(cb == SENTINEL);
out:
    free_keys(&k);
    prov = mine;
    CHECK_ST(SslFreeObject(other, 0), SEC_E_OK);
}

int main(void)
{
    static const DWORD protos[] = {SSL3_PROTOCOL_VERSION, TLS1_0_PROTOCOL_VERSION, TLS1_1_PROTOCOL_VERSION,
                                   TLS1_2_PROTOCOL_VERSION, DTLS1_0_PROTOCOL_VERSION, DTLS1_2_PROTOCOL_VERSION};
    OSSL_PROVIDER *legacy, *deflt;
    unsigned per_proto[6] = {0};

    /* the oracle's RC4/DES come from libcrypto's legacy provider (the library has its own
     * private context, so this touches only the test's) */
    deflt = OSSL_PROVIDER_load(NULL, "default");
    legacy = OSSL_PROVIDER_load(NULL, "legacy");
    if (legacy == NULL)
        fprintf(stderr, "note: no legacy provider, RC4/DES combinations will fail in the oracle\n");
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    for (int i = 0; i < 48; i++)
        ms[i] = (BYTE)(i * 7 + 3);
    for (int i = 0; i < 32; i++)
        cr[i] = (BYTE)(0x21 * i + 1), sr[i] = (BYTE)(0x5A ^ (i * 3));
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    for (DWORD id = 0; id <= 0xFFFF; id++) {
        for (size_t p = 0; p < sizeof protos / sizeof protos[0]; p++) {
            NCRYPT_SSL_CIPHER_SUITE info;
            if (SslLookupCipherSuiteInfo(prov, protos[p], id, 0, &info, 0) != SEC_E_OK)
                continue;
            if (id == 0x0003 || (id >= 0x0062 && id <= 0x0064)) /* export: lookup only */
                continue;
            run_combo(protos[p], &info);
            per_proto[p]++;
        }
    }
    ctx = "end";
    printf("%u (protocol, suite) combinations (SSL3 %u, TLS1.0 %u, TLS1.1 %u, TLS1.2 %u, DTLS1.0 %u, "
           "DTLS1.2 %u), %u records checked by the oracle, %u tampered records, %u combinations not run\n",
           combos, per_proto[0], per_proto[1], per_proto[2], per_proto[3], per_proto[4], per_proto[5], records,
           tampered, skipped);
    EXPECT(combos >= 150 && per_proto[0] > 0);
    provider_argument_test(0xC02F); /* AES-128-GCM */
    provider_argument_test(0xCCA8); /* ChaCha20-Poly1305 */
    provider_argument_test(0xC027); /* AES-128-CBC-SHA256 */
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    EVP_MAC_free(hmac);
    OSSL_PROVIDER_unload(legacy);
    OSSL_PROVIDER_unload(deflt);
    return check_summary();
}
