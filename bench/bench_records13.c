/* bench_records13 — TLS 1.3 record protection throughput (issue 5), run by `make bench`, never
 * by tests. The TLS 1.3 counterpart of bench_records (same timing, counting and output).
 *
 * For each TLS 1.3 suite (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256) and application-data size (64, 256, 1350, 16384 bytes), in the
 * same run, on the same keys (the client's application traffic secret of one libssl handshake):
 *   ours    SslEncryptPacket / SslDecryptPacket with write keys from SslExpandWriteKey of
 *           CLIENT_TRAFFIC_SECRET_0 (imported as an 'ssl3' OpaqueKeyBlob, stage 4). Input is the
 *           caller-built TLSInnerPlaintext data ‖ 0x17, outer content type 23; decryption
 *           returns the TLSInnerPlaintext (docs/tls13.md, "Records");
 *   EVP     the same per-record AEAD straight on libcrypto, the cipher context keyed once
 *           (key and iv by HKDF-Expand-Label through TLS13-KDF): nonce = iv XOR seq, AAD = the
 *           5-byte header 17 03 03 len, update, final, tag. Same inner plaintext;
 *   libssl  SSL_write on the client and SSL_read on the server over a BIO pair (memory BIOs):
 *           a batch of SSL_writes is timed, then the SSL_reads of that batch are timed; so
 *           "encrypt" = SSL_write alone and "decrypt" = SSL_read alone, each including libssl's
 *           copy into / out of the BIO pair and its own inner-plaintext framing.
 * The handshake is libssl's own (TLS 1.3 pinned, X25519, RSA-2048 server, num_tickets 0 so no
 * NewSessionTicket, no KeyUpdate); the keylog callback captures CLIENT_TRAFFIC_SECRET_0. Before
 * timing, every suite is cross-checked: ours and raw EVP decrypt a libssl record; libssl
 * SSL_reads a record of ours; ours equals raw EVP's record byte for byte.
 *
 * Timing: CLOCK_MONOTONIC; each cell runs whole batches of records for --time seconds
 * (default 0.15), three rounds interleaved across the six paths, best round kept. Encrypt
 * writes into a ring of preallocated slots (total <= 256 KiB); decrypt reads a batch encrypted
 * beforehand. The inner plaintext (data ‖ 0x17) is built once per cell, outside the timing, for
 * ours and EVP alike. Allocations: CRYPTO_set_mem_functions (libcrypto/libssl and our
 * OPENSSL_*) plus -Wl,--wrap=malloc,calloc,realloc (plain libc calls of this program and
 * libsslprov.a), counted over every timed round after a warm-up batch.
 *
 * Usage: bench_records13 [--time SEC] [--suite SUBSTR] [--size N] [--paths oel]
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
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "libssl13_peer.h" /* p13_parse_keylog; through libssl_peer.h: peer_credentials, peer_step */
#include "sslprovider.h"

/* ==== configuration ======================================================================== */

struct suite_def {
    const char *name;   /* table label and OpenSSL's TLS 1.3 suite name */
    uint16_t id;        /* IANA */
    const char *cipher; /* EVP cipher name */
    const char *digest; /* the suite's hash, for HKDF-Expand-Label */
    size_t key_len;
};

static const struct suite_def suites[] = {
    {"TLS_AES_128_GCM_SHA256", 0x1301, "AES-128-GCM", "SHA256", 16},
    {"TLS_AES_256_GCM_SHA384", 0x1302, "AES-256-GCM", "SHA384", 32},
    {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, "ChaCha20-Poly1305", "SHA256", 32},
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static const size_t sizes[] = {64, 256, 1350, 16384};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

#define TAG_LEN 16
#define IV_LEN 12
#define STAGE_TRAFFIC 4 /* OpaqueKeyBlob stage of a traffic secret (conventions.md §7) */

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

/* ==== per-suite state ====================================================================== */

struct suite_ctx {
    const struct suite_def *def;
    /* libssl */
    SSL_CTX *cctx, *sctx;
    SSL *client, *server;
    BIO *cbio, *sbio;   /* BIO pair: the client's end, the server's end */
    unsigned char secret[48]; /* CLIENT_TRAFFIC_SECRET_0 from the client's keylog */
    size_t secret_len;
    /* ours: two write keys of the same secret, one to encrypt (the client's), one to decrypt
     * (the server's view), so decryption never touches the encrypting key's sequence mark */
    int ours_ok;        /* 1 usable; 0 not implemented yet (NTE_NOT_SUPPORTED); -1 wrong */
    SECURITY_STATUS ours_status;
    NCRYPT_KEY_HANDLE secret_h, c_wr, s_rd;
    uint64_t ours_seq;  /* next SequenceNumber for c_wr */
    /* raw EVP */
    unsigned char key[32], iv[IV_LEN];
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ectx, *dctx;
    uint64_t evp_seq;
};

#define BENCH_NAME "bench_records13"
#include "bench_common.h"

/* ==== libssl: TLS 1.3 handshake over a BIO pair ============================================ */

/* Keeps the client's CLIENT_TRAFFIC_SECRET_0; the server logs the same line (ignored). */
static void keylog_cb(const SSL *ssl, const char *line)
{
    struct suite_ctx *s = SSL_get_app_data(ssl);
    struct p13_keylog k;

    if (s == NULL || SSL_is_server((SSL *)ssl) || !p13_parse_keylog(line, &k))
        return;
    if (strcmp(k.label, "CLIENT_TRAFFIC_SECRET_0") == 0 && k.len <= sizeof(s->secret)) {
        memcpy(s->secret, k.secret, k.len);
        s->secret_len = k.len;
    }
    OPENSSL_cleanse(&k, sizeof(k));
}

static SSL_CTX *tls13_ctx(const struct suite_def *d, int server)
{
    SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

    if (c == NULL || !SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION)
        || !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION)
        || !SSL_CTX_set_ciphersuites(c, d->name) || !SSL_CTX_set1_groups_list(c, "X25519"))
        die("SSL_CTX configuration");
    /* No NewSessionTicket after the handshake (num_tickets 0): the server's first records
     * would otherwise sit in the pair; libssl 3.0 never starts a KeyUpdate by itself. */
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    if (server && !SSL_CTX_set_num_tickets(c, 0))
        die("SSL_CTX_set_num_tickets");
    SSL_CTX_set_keylog_callback(c, keylog_cb);
    return c;
}

static void libssl_setup(struct suite_ctx *s)
{
    EVP_PKEY *key;
    X509 *cert;
    int cdone = 0, sdone = 0;

    if (!peer_credentials(0, &key, &cert))
        die("server credentials");
    s->cctx = tls13_ctx(s->def, 0);
    s->sctx = tls13_ctx(s->def, 1);
    if (!SSL_CTX_use_certificate(s->sctx, cert) || !SSL_CTX_use_PrivateKey(s->sctx, key))
        die("server certificate");
    s->client = SSL_new(s->cctx);
    s->server = SSL_new(s->sctx);
    if (s->client == NULL || s->server == NULL
        || !BIO_new_bio_pair(&s->cbio, 1u << 20, &s->sbio, 1u << 20))
        die("SSL_new / BIO pair");
    SSL_set_app_data(s->client, s);
    SSL_set_app_data(s->server, s);
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
    if (SSL_version(s->client) != TLS1_3_VERSION
        || SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(s->client)) != s->def->id
        || s->secret_len != (size_t)EVP_MD_get_size(EVP_get_digestbyname(s->def->digest)))
        die("negotiated version / suite / CLIENT_TRAFFIC_SECRET_0");
    if (BIO_ctrl_pending(s->sbio) != 0 || BIO_ctrl_pending(s->cbio) != 0)
        die("records left in the BIO pair after the handshake");
}

/* ==== ours: write keys from libssl's traffic secret ======================================== */

/* The secret as an 'ssl3' OpaqueKeyBlob (conventions.md §7): 80-byte header (protocol at 0x08,
 * suite at 0x0C, bytes after the header at 0x14, stage at 0x4C), then KDBM {magic, 1, length}
 * and the secret. */
static NCRYPT_KEY_HANDLE import_secret(const struct suite_ctx *s)
{
    BYTE blob[80 + 12 + 64] = {0};
    size_t len = s->secret_len;
    NCRYPT_KEY_HANDLE h = 0;

    put_le32(blob, (uint32_t)(80 + 12 + len));
    put_le32(blob + 0x04, 0x73736C33); /* 'ssl3' */
    put_le32(blob + 0x08, TLS1_3_PROTOCOL_VERSION);
    put_le32(blob + 0x0C, s->def->id);
    put_le32(blob + 0x14, (uint32_t)(12 + len));
    put_le32(blob + 0x4C, STAGE_TRAFFIC);
    put_le32(blob + 80, 0x4D42444B);
    put_le32(blob + 84, 1);
    put_le32(blob + 88, (uint32_t)len);
    memcpy(blob + 92, s->secret, len);
    if (SslImportKey(g_prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, (DWORD)(92 + len), 0) != SEC_E_OK)
        die("SslImportKey (CLIENT_TRAFFIC_SECRET_0)");
    OPENSSL_cleanse(blob, sizeof(blob));
    return h;
}

static void ours_setup(struct suite_ctx *s)
{
    s->secret_h = import_secret(s);
    if (SslExpandWriteKey(g_prov, s->secret_h, &s->c_wr, NULL, 0) != SEC_E_OK
        || SslExpandWriteKey(g_prov, s->secret_h, &s->s_rd, NULL, 0) != SEC_E_OK)
        die("SslExpandWriteKey");
    s->ours_seq = 0;
}

/* ==== raw EVP ============================================================================== */

/* HKDF-Expand-Label(secret, label, "", n) through OpenSSL's TLS13-KDF. */
static void expand_label(const struct suite_ctx *s, const char *label, unsigned char *out,
                         size_t n)
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS13-KDF", NULL);
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->def->digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)s->secret, s->secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)"tls13 ", 6),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA, (void *)"", 0),
        OSSL_PARAM_construct_end()};
    int ok = c != NULL && EVP_KDF_derive(c, out, n, p) > 0;

    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    if (!ok)
        die("HKDF-Expand-Label (TLS13-KDF)");
}

static void evp_setup(struct suite_ctx *s)
{
    expand_label(s, "key", s->key, s->def->key_len);
    expand_label(s, "iv", s->iv, IV_LEN);
    s->cipher = EVP_CIPHER_fetch(NULL, s->def->cipher, NULL);
    s->ectx = EVP_CIPHER_CTX_new();
    s->dctx = EVP_CIPHER_CTX_new();
    if (s->cipher == NULL || s->ectx == NULL || s->dctx == NULL
        || !EVP_EncryptInit_ex(s->ectx, s->cipher, NULL, s->key, NULL)
        || !EVP_DecryptInit_ex(s->dctx, s->cipher, NULL, s->key, NULL))
        die("EVP cipher setup");
    s->evp_seq = 0;
}

/* RFC 8446 §5.3: the 64-bit sequence number, big-endian, XORed into the right end of the iv. */
static void tls13_nonce(const struct suite_ctx *s, uint64_t seq, unsigned char nonce[IV_LEN])
{
    memcpy(nonce, s->iv, IV_LEN);
    for (int i = IV_LEN - 1; i >= IV_LEN - 8; i--, seq >>= 8)
        nonce[i] ^= (unsigned char)seq;
}

static void record_header(unsigned char h[5], size_t body)
{
    h[0] = CT_APP;
    h[1] = 3;
    h[2] = 3;
    h[3] = (unsigned char)(body >> 8);
    h[4] = (unsigned char)body;
}

/* One record of an inner plaintext of n bytes: header || ciphertext || tag. Returns the record
 * length, 0 on failure. */
static size_t evp_encrypt(struct suite_ctx *s, const unsigned char *inner, size_t n, uint64_t seq,
                          unsigned char *out)
{
    unsigned char nonce[IV_LEN];
    int l1, l2;

    record_header(out, n + TAG_LEN);
    tls13_nonce(s, seq, nonce);
    if (!EVP_EncryptInit_ex(s->ectx, NULL, NULL, NULL, nonce)
        || !EVP_EncryptUpdate(s->ectx, NULL, &l1, out, 5)
        || !EVP_EncryptUpdate(s->ectx, out + 5, &l1, inner, (int)n)
        || !EVP_EncryptFinal_ex(s->ectx, out + 5 + l1, &l2)
        || !EVP_CIPHER_CTX_ctrl(s->ectx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + 5 + n))
        return 0;
    return 5 + n + TAG_LEN;
}

/* The inner plaintext's length, or (size_t)-1 on failure. */
static size_t evp_decrypt(struct suite_ctx *s, const unsigned char *rec, size_t rl, uint64_t seq,
                          unsigned char *out)
{
    unsigned char nonce[IV_LEN];
    size_t n;
    int l1, l2;

    if (rl < 5 + TAG_LEN + 1 || (size_t)((rec[3] << 8) | rec[4]) != rl - 5)
        return (size_t)-1;
    n = rl - 5 - TAG_LEN;
    tls13_nonce(s, seq, nonce);
    if (!EVP_DecryptInit_ex(s->dctx, NULL, NULL, NULL, nonce)
        || !EVP_CIPHER_CTX_ctrl(s->dctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(rec + 5 + n))
        || !EVP_DecryptUpdate(s->dctx, NULL, &l1, rec, 5)
        || !EVP_DecryptUpdate(s->dctx, out, &l1, rec + 5, (int)n)
        || EVP_DecryptFinal_ex(s->dctx, out + l1, &l2) <= 0)
        return (size_t)-1;
    return n;
}

/* ==== correctness cross-checks (before any timing) ========================================= */

/* Is inner (n bytes) exactly want (wl bytes) ‖ application_data? */
static int is_inner_of(const unsigned char *inner, size_t n, const unsigned char *want, size_t wl)
{
    return n == wl + 1 && memcmp(inner, want, wl) == 0 && inner[wl] == CT_APP;
}

/* Sequence 0: libssl writes, ours and EVP decrypt, libssl reads it back. Sets s->ours_ok. */
static void check_libssl_record(struct suite_ctx *s, const unsigned char *msg, size_t ml)
{
    unsigned char rec[512], out[512];
    size_t rl, wr = 0, n;
    DWORD cb = 0;
    SECURITY_STATUS st;

    /* libssl's first application record is sequence 0 of the client's application key. */
    if (!SSL_write_ex(s->client, msg, ml, &wr) || wr != ml)
        die("SSL_write");
    rl = take_client_record(s, rec, sizeof(rec));
    n = evp_decrypt(s, rec, rl, 0, out);
    if (n == (size_t)-1 || !is_inner_of(out, n, msg, ml))
        die("raw EVP cannot decrypt libssl's record: baseline keys are wrong");
    st = SslDecryptPacket(g_prov, s->s_rd, rec, (DWORD)rl, out, sizeof(out), &cb, 0, 0);
    s->ours_status = st;
    if (st == NTE_NOT_SUPPORTED) {
        s->ours_ok = 0;
    } else if (st != SEC_E_OK || !is_inner_of(out, cb, msg, ml)) {
        fprintf(stderr, "%s: SslDecryptPacket of libssl's record: status 0x%08X, %u bytes%s\n",
                s->def->name, (unsigned)st, (unsigned)cb,
                st == SEC_E_OK ? ", wrong inner plaintext" : "");
        s->ours_ok = -1;
    } else {
        s->ours_ok = 1;
    }
    if (!server_reads(s, rec, rl, msg, ml))
        die("libssl cannot read its own record back");
}

/* Sequence 1: ours encrypts data ‖ 0x17; raw EVP gives the same bytes; libssl reads it. */
static void check_our_record(struct suite_ctx *s, const unsigned char *msg, size_t ml)
{
    unsigned char inner[512], rec[512], rec2[512];
    size_t el, wr = 0;
    DWORD cb = 0;
    SECURITY_STATUS st;

    memcpy(inner, msg, ml);
    inner[ml] = CT_APP;
    st = SslEncryptPacket(g_prov, s->c_wr, inner, (DWORD)(ml + 1), rec, sizeof(rec), &cb, 1,
                          CT_APP, 0);
    s->ours_status = st;
    if (st != SEC_E_OK) {
        fprintf(stderr, "%s: SslEncryptPacket: status 0x%08X\n", s->def->name, (unsigned)st);
        s->ours_ok = st == NTE_NOT_SUPPORTED ? 0 : -1;
        return;
    }
    el = evp_encrypt(s, inner, ml + 1, 1, rec2);
    if (el != cb || memcmp(rec, rec2, el) != 0) {
        fprintf(stderr, "%s: our record differs from raw EVP's\n", s->def->name);
        s->ours_ok = -1;
    }
    if (!server_reads(s, rec, cb, msg, ml)) {
        fprintf(stderr, "%s: libssl rejects our record\n", s->def->name);
        s->ours_ok = -1;
        ERR_clear_error();
        die("the libssl connection is dead after a rejected record");
    }
    /* The client's own sequence 1 is spent: write it and drop it. */
    if (!SSL_write_ex(s->client, msg, ml, &wr))
        die("SSL_write");
    take_client_record(s, rec, sizeof(rec));
    s->ours_seq = 2;
}

static void cross_check(struct suite_ctx *s)
{
    static const unsigned char msg[] = "sslprov bench: one TLS 1.3 record, three implementations";

    check_libssl_record(s, msg, sizeof(msg));
    if (s->ours_ok == 1)
        check_our_record(s, msg, sizeof(msg));
    s->evp_seq = 2; /* its records 0 and 1 were the checks' */
    if (s->ours_ok == 1)
        fprintf(stderr, "%s: cross-checks passed (ours decrypts libssl's record, libssl reads "
                        "ours, ours == raw EVP byte for byte)\n", s->def->name);
}

/* ==== timed batches ======================================================================== */

static int ours_enc_batch(struct suite_ctx *s, struct cell *c)
{
    DWORD cb;

    for (size_t i = 0; i < c->nb; i++) {
        SECURITY_STATUS st = SslEncryptPacket(g_prov, s->c_wr, c->inner, (DWORD)(c->size + 1),
                                              slot_of(&c->ring, i), (DWORD)c->ring.slot, &cb,
                                              s->ours_seq++, CT_APP, 0);
        if (st != SEC_E_OK) {
            s->ours_status = st;
            return 0;
        }
    }
    return 1;
}

/* The caller still has to find the content type at the end of the inner plaintext: with no
 * padding that is the last byte, checked here as a TLS 1.3 reader would. */
static int ours_dec_batch(struct suite_ctx *s, struct cell *c)
{
    DWORD cb;

    for (size_t i = 0; i < c->nb; i++) {
        SECURITY_STATUS st = SslDecryptPacket(g_prov, s->s_rd, slot_of(&c->ours_d, i),
                                              c->ours_d.len[i], c->out, (DWORD)c->ring.slot, &cb,
                                              c->ours_d.seq[i], 0);
        if (st != SEC_E_OK || cb != c->size + 1 || c->out[c->size] != CT_APP) {
            s->ours_status = st;
            return 0;
        }
    }
    return 1;
}

static int evp_enc_batch(struct suite_ctx *s, struct cell *c)
{
    for (size_t i = 0; i < c->nb; i++)
        if (evp_encrypt(s, c->inner, c->size + 1, s->evp_seq++, slot_of(&c->ring, i)) == 0)
            return 0;
    return 1;
}

static int evp_dec_batch(struct suite_ctx *s, struct cell *c)
{
    for (size_t i = 0; i < c->nb; i++)
        if (evp_decrypt(s, slot_of(&c->evp_d, i), c->evp_d.len[i], c->evp_d.seq[i], c->out)
                != c->size + 1
            || c->out[c->size] != CT_APP)
            return 0;
    return 1;
}

/* ==== one (suite, size) cell =============================================================== */

/* The records the decrypt paths read, one batch each (ours, EVP), encrypted before timing;
 * ours' batch also checks a round trip, so a wrong path is left out rather than timed. */
static void prepare_decrypt_batches(struct suite_ctx *s, struct cell *c)
{
    DWORD cb = 0;

    for (size_t i = 0; i < c->nb; i++) {
        c->evp_d.seq[i] = s->evp_seq++;
        c->evp_d.len[i] = (DWORD)evp_encrypt(s, c->inner, c->size + 1, c->evp_d.seq[i],
                                             slot_of(&c->evp_d, i));
        if (c->evp_d.len[i] == 0)
            die("raw EVP encrypt");
    }
    if (evp_decrypt(s, slot_of(&c->evp_d, 0), c->evp_d.len[0], c->evp_d.seq[0], c->out)
            != c->size + 1
        || memcmp(c->out, c->inner, c->size + 1) != 0)
        die("raw EVP round trip");
    if (s->ours_ok != 1 || !g_do_ours)
        return;
    for (size_t i = 0; i < c->nb && s->ours_ok == 1; i++) {
        SECURITY_STATUS st;

        c->ours_d.seq[i] = s->ours_seq++;
        st = SslEncryptPacket(g_prov, s->c_wr, c->inner, (DWORD)(c->size + 1),
                              slot_of(&c->ours_d, i), (DWORD)c->ours_d.slot, &c->ours_d.len[i],
                              c->ours_d.seq[i], CT_APP, 0);
        if (st != SEC_E_OK) {
            s->ours_status = st;
            s->ours_ok = -1;
        }
    }
    if (s->ours_ok == 1
        && (SslDecryptPacket(g_prov, s->s_rd, slot_of(&c->ours_d, c->nb - 1),
                             c->ours_d.len[c->nb - 1], c->out, (DWORD)c->ring.slot, &cb,
                             c->ours_d.seq[c->nb - 1], 0) != SEC_E_OK
            || cb != c->size + 1 || memcmp(c->out, c->inner, cb) != 0)) {
        fprintf(stderr, "%s/%zu: our round trip failed\n", s->def->name, c->size);
        s->ours_ok = -1;
    }
    if (s->ours_ok == 1 && !(ours_enc_batch(s, c) && ours_dec_batch(s, c))) /* warm-up */
        s->ours_ok = -1;
}

static void run_cell(struct suite_ctx *s, size_t size, struct row *row)
{
    struct cell c;

    cell_init(s, size, row, &c);

    c.inner = malloc(size + 1);
    if (c.inner == NULL)
        die("out of memory");
    memcpy(c.inner, g_plain, size);
    c.inner[size] = CT_APP;
    prepare_decrypt_batches(s, &c);
    cell_run(s, &c, row);
}

/* ==== main ================================================================================= */

static void suite_free(struct suite_ctx *s)
{
    NCRYPT_KEY_HANDLE *h[] = {&s->secret_h, &s->c_wr, &s->s_rd};

    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
        if (*h[i] != 0)
            SslFreeObject(*h[i], 0);
    suite_free_ssl_evp(s);
    OPENSSL_cleanse(s, sizeof(*s));
}

/* Handshake; our keys and raw EVP's from CLIENT_TRAFFIC_SECRET_0; the cross-checks. */
static void suite_setup(struct suite_ctx *s)
{
    libssl_setup(s);
    ours_setup(s);
    evp_setup(s);
    cross_check(s);
}

int main(int argc, char **argv)
{
    return bench_main(argc, argv, "TLS 1.3 record protection", "application data",
                      "Targets (issue 4's record targets, applied to TLS 1.3)",
                      "≥ 0.97× raw EVP at 16 KiB");
}
