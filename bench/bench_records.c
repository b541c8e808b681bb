/* bench_records — record protection throughput (issue 4), run by `make bench`, never by tests.
 *
 * For each TLS 1.2 suite (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, AES-128-CBC-SHA256) and
 * record size (64, 256, 1350, 16384 bytes), in the same run, on the same keys:
 *   ours    SslEncryptPacket / SslDecryptPacket (client write key / server read key from
 *           SslGenerateSessionKeys on libssl's master secret);
 *   EVP     the same per-record work straight on libcrypto, every context keyed once: AEAD =
 *           nonce from the fixed IV and the sequence number, 13-byte AAD, update, final, tag;
 *           CBC-SHA256 = HMAC (EVP_MAC, re-initialised per record) over the 13-byte pseudo
 *           header and the data, minimal padding, CBC with a fresh RAND_bytes explicit IV.
 *           Its decrypt is the same reversed and NOT constant-time (early exits on bad
 *           padding): a lower bound for a Lucky-13-safe implementation;
 *   libssl  SSL_write on the client and SSL_read on the server over a BIO pair (memory BIOs):
 *           a batch of SSL_writes is timed, then the SSL_reads of that batch are timed; so
 *           "encrypt" = SSL_write alone and "decrypt" = SSL_read alone, each including libssl's
 *           copy into / out of the BIO pair.
 * The handshake is libssl's own (TLS 1.2, ECDHE X25519, RSA-2048 server, EMS, no tickets,
 * encrypt-then-MAC OFF so CBC records have the MAC-then-encrypt layout ours writes). Before
 * timing, every suite is cross-checked: raw EVP and ours decrypt a libssl record; libssl
 * SSL_reads a record of ours; AEAD records of ours equal raw EVP's byte for byte.
 *
 * Timing: CLOCK_MONOTONIC; each cell runs whole batches of records for --time seconds
 * (default 0.15), three rounds interleaved across the six paths, best round kept. Encrypt
 * writes into a ring of preallocated slots (total <= 256 KiB); decrypt reads a batch encrypted
 * beforehand. Allocations: CRYPTO_set_mem_functions (libcrypto/libssl and our OPENSSL_*) plus
 * -Wl,--wrap=malloc,calloc,realloc (plain libc calls of this program and libsslprov.a), counted
 * over every timed round after a warm-up batch.
 *
 * Usage: bench_records [--time SEC] [--suite SUBSTR] [--size N] [--paths oel]
 *   --paths: o = ours, e = raw EVP, l = libssl (default all). Output is Markdown.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "libssl_peer.h" /* peer_credentials (server key + certificate), peer_tls_prf */
#include "master_blob.h" /* master_blob_import_st: libssl's master secret behind a handle */
#include "sslprovider.h"

/* ==== configuration ======================================================================== */

enum kind { K_GCM, K_CHACHA, K_CBC };

struct suite_def {
    const char *name;   /* table label */
    const char *ossl;   /* OpenSSL cipher list */
    uint16_t id;        /* IANA */
    enum kind kind;
    const char *cipher; /* EVP cipher name */
    size_t key_len, iv_len, mac_len;
};

static const struct suite_def suites[] = {
    {"AES-128-GCM", "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, K_GCM, "AES-128-GCM", 16, 4, 0},
    {"AES-256-GCM", "ECDHE-RSA-AES256-GCM-SHA384", 0xC030, K_GCM, "AES-256-GCM", 32, 4, 0},
    {"ChaCha20-Poly1305", "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, K_CHACHA, "ChaCha20-Poly1305",
     32, 12, 0},
    {"AES-128-CBC-SHA256", "ECDHE-RSA-AES128-SHA256", 0xC027, K_CBC, "AES-128-CBC", 16, 16, 32},
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static const size_t sizes[] = {64, 256, 1350, 16384};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/* ==== per-suite state ====================================================================== */

struct suite_ctx {
    const struct suite_def *def;
    /* libssl */
    SSL_CTX *cctx, *sctx;
    SSL *client, *server;
    BIO *cbio, *sbio; /* BIO pair: the client's end, the server's end */
    /* ours */
    int ours_ok;      /* 1 usable; 0 not implemented yet (NTE_NOT_SUPPORTED); -1 wrong */
    SECURITY_STATUS ours_status;
    NCRYPT_KEY_HANDLE mk_c, mk_s, c_rd, c_wr, s_rd, s_wr;
    uint64_t ours_seq; /* next SequenceNumber for the client write key (AEAD mark) */
    /* raw EVP: the client's write direction */
    unsigned char key[32], iv[16], mac_key[32];
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ectx, *dctx;
    EVP_MAC *mac;
    EVP_MAC_CTX *emac, *dmac;
    uint64_t evp_seq;
    /* the floor: OpenSSL's TLS-mode cipher alone (ChaCha20-Poly1305, stitched AES-CBC-HMAC) */
    EVP_CIPHER *tls_cipher;
    EVP_CIPHER_CTX *tls_e, *tls_d;
    uint64_t floor_seq;
};

#define BENCH_NAME "bench_records"
#include "bench_common.h"

/* ==== libssl: handshake over a BIO pair ==================================================== */

static void libssl_setup(struct suite_ctx *s, unsigned char master[48], unsigned char cr[32],
                         unsigned char sr[32])
{
    EVP_PKEY *key;
    X509 *cert;
    int cdone = 0, sdone = 0;

    if (!peer_credentials(0, &key, &cert))
        die("server credentials");
    s->cctx = SSL_CTX_new(TLS_client_method());
    s->sctx = SSL_CTX_new(TLS_server_method());
    if (s->cctx == NULL || s->sctx == NULL)
        die("SSL_CTX_new");
    for (int i = 0; i < 2; i++) {
        SSL_CTX *c = i ? s->sctx : s->cctx;

        if (!SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION)
            || !SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION)
            || !SSL_CTX_set_cipher_list(c, s->def->ossl) || !SSL_CTX_set1_groups_list(c, "X25519"))
            die("SSL_CTX configuration");
        /* MAC-then-encrypt like ours (RFC 7366 off); no tickets; libssl's defaults otherwise
         * (no read-ahead, buffers kept). */
        SSL_CTX_set_options(c, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET);
    }
    if (!SSL_CTX_use_certificate(s->sctx, cert) || !SSL_CTX_use_PrivateKey(s->sctx, key))
        die("server certificate");
    s->client = SSL_new(s->cctx);
    s->server = SSL_new(s->sctx);
    if (s->client == NULL || s->server == NULL
        || !BIO_new_bio_pair(&s->cbio, 1u << 20, &s->sbio, 1u << 20))
        die("SSL_new / BIO pair");
    SSL_set_bio(s->client, s->cbio, s->cbio);
    SSL_set_bio(s->server, s->sbio, s->sbio);
    SSL_set_connect_state(s->client);
    SSL_set_accept_state(s->server);
    for (int i = 0; i < 32 && !(cdone && sdone); i++) {
        if (!cdone)
            cdone = peer_step(s->client, "client");
        if (!sdone)
            sdone = peer_step(s->server, "server");
        if (cdone < 0 || sdone < 0)
            die("libssl handshake");
    }
    if (!(cdone && sdone))
        die("libssl handshake did not finish");
    if (SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(s->client)) != s->def->id
        || SSL_get_client_random(s->client, cr, 32) != 32
        || SSL_get_server_random(s->client, sr, 32) != 32
        || SSL_SESSION_get_master_key(SSL_get_session(s->client), master, 48) != 48)
        die("negotiated suite / master secret");
}

/* ==== ours: keys from libssl's master secret =============================================== */

static NCRYPT_KEY_HANDLE import_master(const struct suite_ctx *s, const unsigned char ms[48],
                                       DWORD client)
{
    NCRYPT_KEY_HANDLE h;

    if (master_blob_import_st(g_prov, TLS1_2_PROTOCOL_VERSION, s->def->id, client, ms, &h) != SEC_E_OK)
        die("SslImportKey (master secret)");
    return h;
}

static void ours_setup(struct suite_ctx *s, const unsigned char ms[48], unsigned char cr[32],
                       unsigned char sr[32])
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};

    s->mk_c = import_master(s, ms, 1);
    s->mk_s = import_master(s, ms, 0);
    if (SslGenerateSessionKeys(g_prov, s->mk_c, &s->c_rd, &s->c_wr, &d, 0) != SEC_E_OK
        || SslGenerateSessionKeys(g_prov, s->mk_s, &s->s_rd, &s->s_wr, &d, 0) != SEC_E_OK)
        die("SslGenerateSessionKeys");
    s->ours_seq = 1;
}

/* ==== raw EVP ============================================================================== */

/* ==== the floor: OpenSSL's TLS-mode cipher call alone ======================================= */

static void pseudo_header(unsigned char aad[13], uint64_t seq, unsigned type, size_t len);

/* Contexts keyed as ours and libssl key theirs: ChaCha20-Poly1305 with the fixed IV (RFC 7905),
 * the stitched AES-128-CBC-HMAC-SHA256 with the MAC key and TLS 1.2. AES-GCM has none: its
 * targets are met, and its TLS mode works in place only. No stitched cipher (no AES-NI): no
 * floor for CBC. */
static void floor_setup(struct suite_ctx *s)
{
    const struct suite_def *d = s->def;
    unsigned int version = 0x0303;
    OSSL_PARAM cbc[3] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_MAC_KEY, s->mac_key, d->mac_len),
        OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_TLS_VERSION, &version),
        OSSL_PARAM_construct_end(),
    };
    OSSL_PARAM chacha[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, s->iv, d->iv_len),
        OSSL_PARAM_construct_end(),
    };

    if (d->kind == K_GCM)
        return;
    s->tls_cipher = EVP_CIPHER_fetch(NULL, d->kind == K_CBC ? "AES-128-CBC-HMAC-SHA256" : d->cipher,
                                     NULL);
    if (s->tls_cipher == NULL) {
        ERR_clear_error();
        return;
    }
    s->tls_e = EVP_CIPHER_CTX_new();
    s->tls_d = EVP_CIPHER_CTX_new();
    if (s->tls_e == NULL || s->tls_d == NULL
        || !EVP_CipherInit_ex2(s->tls_e, s->tls_cipher, s->key, NULL, 1, d->kind == K_CBC ? cbc : NULL)
        || !EVP_CipherInit_ex2(s->tls_d, s->tls_cipher, s->key, NULL, 0, d->kind == K_CBC ? cbc : NULL)
        || (d->kind == K_CHACHA && (!EVP_CIPHER_CTX_set_params(s->tls_e, chacha)
                                    || !EVP_CIPHER_CTX_set_params(s->tls_d, chacha))))
        die("floor cipher setup");
    s->floor_seq = 1;
}

static int floor_has(const struct suite_ctx *s)
{
    return s->tls_e != NULL;
}

/* One TLS-mode call: the 13-byte AAD (its length field as the cipher wants it) as a parameter,
 * then EVP_Cipher over the body. */
static int floor_call(EVP_CIPHER_CTX *ctx, uint64_t seq, size_t aad_len, unsigned char *out,
                      const unsigned char *in, size_t len)
{
    unsigned char aad[13];
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, sizeof(aad)),
        OSSL_PARAM_construct_end(),
    };

    pseudo_header(aad, seq, CT_APP, aad_len);
    return EVP_CIPHER_CTX_set_params(ctx, p) && EVP_Cipher(ctx, out, in, (unsigned int)len) > 0;
}

/* Encrypt in place in the ring: ChaCha20-Poly1305 data || tag; CBC explicit IV || data || MAC
 * and padding (the AAD counts the explicit IV and the data). The ring's bytes are whatever the
 * last call left: the cost does not depend on them. */
static int floor_enc_batch(struct suite_ctx *s, struct cell *c)
{
    int cbc = s->def->kind == K_CBC;
    size_t aad_len = cbc ? 16 + c->size : c->size;
    size_t body = cbc ? 16 + (c->size + 32 + 16) / 16 * 16 : c->size + 16;

    for (size_t i = 0; i < c->nb; i++) {
        unsigned char *b = slot_of(&c->ring, i) + 5;

        if (!floor_call(s->tls_e, s->floor_seq++, aad_len, b, b, body))
            return 0;
    }
    return 1;
}

/* Decrypt raw EVP's records (the same key and layout) out of place into c->out, as ours does
 * for a separate output; the AAD's length field is the body length. */
static int floor_dec_batch(struct suite_ctx *s, struct cell *c)
{
    for (size_t i = 0; i < c->nb; i++) {
        const unsigned char *rec = slot_of(&c->evp_d, i);
        size_t body = c->evp_d.len[i] - 5;

        if (!floor_call(s->tls_d, c->evp_d.seq[i], body, c->out, rec + 5, body))
            return 0;
    }
    return 1;
}

static void evp_setup(struct suite_ctx *s, const unsigned char ms[48], const unsigned char cr[32],
                      const unsigned char sr[32])
{
    const struct suite_def *d = s->def;
    unsigned char seed[64], kb[160];
    size_t m = d->mac_len, k = d->key_len;

    /* key_block = PRF(master, "key expansion", server_random || client_random): client MAC,
     * server MAC, client key, server key, client IV, server IV. */
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    if (!peer_tls_prf(d->id == 0xC030 ? "SHA384" : "SHA256", ms, 48, "key expansion", seed, 64,
                      kb, 2 * (m + k + d->iv_len)))
        die("key expansion");
    memcpy(s->mac_key, kb, m);
    memcpy(s->key, kb + 2 * m, k);
    memcpy(s->iv, kb + 2 * (m + k), d->iv_len);
    OPENSSL_cleanse(kb, sizeof(kb));

    s->cipher = EVP_CIPHER_fetch(NULL, d->cipher, NULL);
    s->ectx = EVP_CIPHER_CTX_new();
    s->dctx = EVP_CIPHER_CTX_new();
    if (s->cipher == NULL || s->ectx == NULL || s->dctx == NULL
        || !EVP_EncryptInit_ex(s->ectx, s->cipher, NULL, s->key, NULL)
        || !EVP_DecryptInit_ex(s->dctx, s->cipher, NULL, s->key, NULL))
        die("EVP cipher setup");
    if (d->kind == K_CBC) {
        OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};

        EVP_CIPHER_CTX_set_padding(s->ectx, 0);
        EVP_CIPHER_CTX_set_padding(s->dctx, 0);
        s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        s->emac = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
        s->dmac = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
        if (s->dmac == NULL || !EVP_MAC_init(s->emac, s->mac_key, m, p)
            || !EVP_MAC_init(s->dmac, s->mac_key, m, p))
            die("EVP HMAC setup");
    }
    s->evp_seq = 1;
    floor_setup(s);
}

static void aead_nonce(const struct suite_ctx *s, uint64_t seq, const unsigned char *explicit_,
                       unsigned char nonce[12])
{
    if (s->def->kind == K_GCM) {
        memcpy(nonce, s->iv, 4);
        memcpy(nonce + 4, explicit_, 8);
    } else {
        unsigned char sb[8];

        put_be64(sb, seq);
        memcpy(nonce, s->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= sb[i];
    }
}

static void pseudo_header(unsigned char aad[13], uint64_t seq, unsigned type, size_t len)
{
    put_be64(aad, seq);
    aad[8] = (unsigned char)type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (unsigned char)(len >> 8);
    aad[12] = (unsigned char)len;
}

/* One record: header || body. Returns the record length, 0 on failure. */
static size_t evp_encrypt(struct suite_ctx *s, const unsigned char *in, size_t n, uint64_t seq,
                          unsigned char *out)
{
    unsigned char aad[13], nonce[12];
    int l1, l2;
    size_t body;

    out[0] = CT_APP;
    out[1] = 3;
    out[2] = 3;
    pseudo_header(aad, seq, CT_APP, n);
    if (s->def->kind != K_CBC) {
        size_t e = s->def->kind == K_GCM ? 8 : 0;
        unsigned char *ct = out + 5 + e;

        if (e)
            put_be64(out + 5, seq);
        aead_nonce(s, seq, out + 5, nonce);
        if (!EVP_EncryptInit_ex(s->ectx, NULL, NULL, NULL, nonce)
            || !EVP_EncryptUpdate(s->ectx, NULL, &l1, aad, 13)
            || !EVP_EncryptUpdate(s->ectx, ct, &l1, in, (int)n)
            || !EVP_EncryptFinal_ex(s->ectx, ct + l1, &l2)
            || !EVP_CIPHER_CTX_ctrl(s->ectx, EVP_CTRL_AEAD_GET_TAG, 16, ct + n))
            return 0;
        body = e + n + 16;
    } else {
        unsigned char *iv = out + 5, *p = out + 21;
        size_t macl = 0, pad = 16 - ((n + 32) % 16), len = n + 32 + pad;

        if (RAND_bytes(iv, 16) != 1)
            return 0;
        memcpy(p, in, n);
        if (!EVP_MAC_init(s->emac, NULL, 0, NULL) || !EVP_MAC_update(s->emac, aad, 13)
            || !EVP_MAC_update(s->emac, in, n) || !EVP_MAC_final(s->emac, p + n, &macl, 32))
            return 0;
        memset(p + n + 32, (int)(pad - 1), pad);
        if (!EVP_EncryptInit_ex(s->ectx, NULL, NULL, NULL, iv)
            || !EVP_EncryptUpdate(s->ectx, p, &l1, p, (int)len) || (size_t)l1 != len)
            return 0;
        body = 16 + len;
    }
    out[3] = (unsigned char)(body >> 8);
    out[4] = (unsigned char)body;
    return 5 + body;
}

/* Plaintext length, or (size_t)-1 on failure. NOT constant-time for CBC (see the top). */
static size_t evp_decrypt(struct suite_ctx *s, const unsigned char *rec, size_t rl, uint64_t seq,
                          unsigned char *out)
{
    unsigned char aad[13], nonce[12], mac[32];
    size_t body, n;
    int l1, l2;

    if (rl < 5 || (size_t)((rec[3] << 8) | rec[4]) != rl - 5)
        return (size_t)-1;
    body = rl - 5;
    if (s->def->kind != K_CBC) {
        size_t e = s->def->kind == K_GCM ? 8 : 0;
        const unsigned char *ct = rec + 5 + e;

        if (body < e + 16)
            return (size_t)-1;
        n = body - e - 16;
        pseudo_header(aad, seq, rec[0], n);
        aead_nonce(s, seq, rec + 5, nonce);
        if (!EVP_DecryptInit_ex(s->dctx, NULL, NULL, NULL, nonce)
            || !EVP_CIPHER_CTX_ctrl(s->dctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(ct + n))
            || !EVP_DecryptUpdate(s->dctx, NULL, &l1, aad, 13)
            || !EVP_DecryptUpdate(s->dctx, out, &l1, ct, (int)n)
            || EVP_DecryptFinal_ex(s->dctx, out + l1, &l2) <= 0)
            return (size_t)-1;
        return n;
    } else {
        size_t len, pad, macl = 0;

        if (body < 16 + 48 || (body - 16) % 16 != 0)
            return (size_t)-1;
        len = body - 16;
        if (!EVP_DecryptInit_ex(s->dctx, NULL, NULL, NULL, rec + 5)
            || !EVP_DecryptUpdate(s->dctx, out, &l1, rec + 21, (int)len) || (size_t)l1 != len)
            return (size_t)-1;
        pad = (size_t)out[len - 1] + 1;
        if (pad + 32 > len)
            return (size_t)-1;
        for (size_t i = 0; i < pad; i++)
            if (out[len - 1 - i] != pad - 1)
                return (size_t)-1;
        n = len - pad - 32;
        pseudo_header(aad, seq, rec[0], n);
        if (!EVP_MAC_init(s->dmac, NULL, 0, NULL) || !EVP_MAC_update(s->dmac, aad, 13)
            || !EVP_MAC_update(s->dmac, out, n) || !EVP_MAC_final(s->dmac, mac, &macl, 32)
            || CRYPTO_memcmp(mac, out + n, 32) != 0)
            return (size_t)-1;
        return n;
    }
}

/* ==== correctness cross-checks (before any timing) ========================================= */

static void cross_check(struct suite_ctx *s)
{
    static const unsigned char msg[] = "sslprov bench: one record, three implementations";
    unsigned char rec[512], rec2[512], out[512];
    size_t rl, wr = 0, n;
    DWORD cb = 0;
    SECURITY_STATUS st;

    /* libssl's first application record is client write sequence 1 (Finished was 0). */
    if (!SSL_write_ex(s->client, msg, sizeof(msg), &wr) || wr != sizeof(msg))
        die("SSL_write");
    rl = take_client_record(s, rec, sizeof(rec));
    n = evp_decrypt(s, rec, rl, 1, out);
    if (n != sizeof(msg) || memcmp(out, msg, n) != 0)
        die("raw EVP cannot decrypt libssl's record: baseline keys are wrong");
    st = SslDecryptPacket(g_prov, s->s_rd, rec, (DWORD)rl, out, sizeof(out), &cb, 1, 0);
    s->ours_status = st;
    if (st == NTE_NOT_SUPPORTED) {
        s->ours_ok = 0;
    } else if (st != SEC_E_OK || cb != sizeof(msg) || memcmp(out, msg, cb) != 0) {
        fprintf(stderr, "%s: SslDecryptPacket of libssl's record: status 0x%08X, %u bytes%s\n",
                s->def->name, (unsigned)st, (unsigned)cb,
                st == SEC_E_OK ? ", wrong plaintext" : "");
        s->ours_ok = -1;
    } else {
        s->ours_ok = 1;
    }
    if (!server_reads(s, rec, rl, msg, sizeof(msg)))
        die("libssl cannot read its own record back");

    /* Sequence 2: ours encrypts, libssl reads; AEAD: raw EVP gives the same bytes. */
    if (s->ours_ok == 1) {
        st = SslEncryptPacket(g_prov, s->c_wr, (PBYTE)msg, sizeof(msg), rec, sizeof(rec), &cb, 2,
                              CT_APP, 0);
        s->ours_status = st;
        if (st != SEC_E_OK) {
            fprintf(stderr, "%s: SslEncryptPacket: status 0x%08X\n", s->def->name, (unsigned)st);
            s->ours_ok = st == NTE_NOT_SUPPORTED ? 0 : -1;
        } else {
            if (s->def->kind != K_CBC) {
                size_t el = evp_encrypt(s, msg, sizeof(msg), 2, rec2);

                if (el != cb || memcmp(rec, rec2, el) != 0) {
                    fprintf(stderr, "%s: our record differs from raw EVP's\n", s->def->name);
                    s->ours_ok = -1;
                }
            }
            if (!server_reads(s, rec, cb, msg, sizeof(msg))) {
                fprintf(stderr, "%s: libssl rejects our record\n", s->def->name);
                s->ours_ok = -1;
                ERR_clear_error();
                die("the libssl connection is dead after a rejected record");
            }
            /* The client's own sequence 2 is spent: write it and drop it. */
            if (!SSL_write_ex(s->client, msg, sizeof(msg), &wr))
                die("SSL_write");
            take_client_record(s, rec, sizeof(rec));
        }
        s->ours_seq = 3;
    }
}

/* ==== timed batches ======================================================================== */

static int ours_enc_batch(struct suite_ctx *s, struct cell *c)
{
    DWORD cb;

    for (size_t i = 0; i < c->nb; i++) {
        SECURITY_STATUS st = SslEncryptPacket(g_prov, s->c_wr, g_plain, (DWORD)c->size,
                                              slot_of(&c->ring, i), (DWORD)c->ring.slot, &cb,
                                              s->ours_seq++, CT_APP, 0);
        if (st != SEC_E_OK) {
            s->ours_status = st;
            return 0;
        }
    }
    return 1;
}

static int ours_dec_batch(struct suite_ctx *s, struct cell *c)
{
    DWORD cb;

    for (size_t i = 0; i < c->nb; i++) {
        SECURITY_STATUS st = SslDecryptPacket(g_prov, s->s_rd, slot_of(&c->ours_d, i),
                                              c->ours_d.len[i], c->out, (DWORD)c->ring.slot, &cb,
                                              c->ours_d.seq[i], 0);
        if (st != SEC_E_OK || cb != c->size) {
            s->ours_status = st;
            return 0;
        }
    }
    return 1;
}

static int evp_enc_batch(struct suite_ctx *s, struct cell *c)
{
    for (size_t i = 0; i < c->nb; i++)
        if (evp_encrypt(s, g_plain, c->size, s->evp_seq++, slot_of(&c->ring, i)) == 0)
            return 0;
    return 1;
}

static int evp_dec_batch(struct suite_ctx *s, struct cell *c)
{
    for (size_t i = 0; i < c->nb; i++)
        if (evp_decrypt(s, slot_of(&c->evp_d, i), c->evp_d.len[i], c->evp_d.seq[i], c->out)
            != c->size)
            return 0;
    return 1;
}

/* ==== one (suite, size) cell =============================================================== */

static void run_cell(struct suite_ctx *s, size_t size, struct row *row)
{
    struct cell c;

    cell_init(s, size, row, &c);

    /* The records to decrypt; warm-up of the encrypt paths at the same time. */
    for (size_t i = 0; i < c.nb; i++) {
        c.evp_d.seq[i] = s->evp_seq++;
        c.evp_d.len[i] = (DWORD)evp_encrypt(s, g_plain, size, c.evp_d.seq[i], slot_of(&c.evp_d, i));
        if (c.evp_d.len[i] == 0)
            die("raw EVP encrypt");
    }
    if (evp_decrypt(s, slot_of(&c.evp_d, 0), c.evp_d.len[0], c.evp_d.seq[0], c.out) != size
        || memcmp(c.out, g_plain, size) != 0)
        die("raw EVP round trip");
    if (s->ours_ok == 1 && g_do_ours) {
        DWORD cb = 0;

        for (size_t i = 0; i < c.nb && s->ours_ok == 1; i++) {
            SECURITY_STATUS st;

            c.ours_d.seq[i] = s->ours_seq++;
            st = SslEncryptPacket(g_prov, s->c_wr, g_plain, (DWORD)size, slot_of(&c.ours_d, i),
                                  (DWORD)c.ours_d.slot, &c.ours_d.len[i], c.ours_d.seq[i],
                                  CT_APP, 0);
            if (st != SEC_E_OK) {
                s->ours_status = st;
                s->ours_ok = -1;
            }
        }
        if (s->ours_ok == 1
            && (SslDecryptPacket(g_prov, s->s_rd, slot_of(&c.ours_d, c.nb - 1),
                                 c.ours_d.len[c.nb - 1], c.out, (DWORD)c.ring.slot, &cb,
                                 c.ours_d.seq[c.nb - 1], 0) != SEC_E_OK
                || cb != size || memcmp(c.out, g_plain, size) != 0)) {
            fprintf(stderr, "%s/%zu: our round trip failed\n", s->def->name, size);
            s->ours_ok = -1;
        }
        if (s->ours_ok == 1 && !(ours_enc_batch(s, &c) && ours_dec_batch(s, &c))) /* warm-up */
            s->ours_ok = -1;
    }
    cell_run(s, &c, row);
}

/* ==== main ================================================================================= */

static void suite_free(struct suite_ctx *s)
{
    NCRYPT_KEY_HANDLE *h[] = {&s->mk_c, &s->mk_s, &s->c_rd, &s->c_wr, &s->s_rd, &s->s_wr};

    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
        if (*h[i] != 0)
            SslFreeObject(*h[i], 0);
    suite_free_ssl_evp(s);
    EVP_MAC_CTX_free(s->emac);
    EVP_MAC_CTX_free(s->dmac);
    EVP_MAC_free(s->mac);
    EVP_CIPHER_CTX_free(s->tls_e);
    EVP_CIPHER_CTX_free(s->tls_d);
    EVP_CIPHER_free(s->tls_cipher);
    OPENSSL_cleanse(s, sizeof(*s));
}

/* Handshake; our keys and raw EVP's from libssl's master secret; the cross-checks. */
static void suite_setup(struct suite_ctx *s)
{
    unsigned char ms[48], cr[32], sr[32];

    libssl_setup(s, ms, cr, sr);
    ours_setup(s, ms, cr, sr);
    evp_setup(s, ms, cr, sr);
    OPENSSL_cleanse(ms, sizeof(ms));
    cross_check(s);
}

int main(int argc, char **argv)
{
    g_floor_enc = floor_enc_batch;
    g_floor_dec = floor_dec_batch;
    g_floor_has = floor_has;
    return bench_main(argc, argv, "TLS 1.2 record protection", "plaintext", "Targets (issue 4)",
                      "≥ 0.97× raw EVP at 16 KiB (AEADs)");
}
