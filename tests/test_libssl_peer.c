/* Proves the libssl reference harness (libssl_peer.h) against libssl itself, with libcrypto
 * only — no sslprov code: for TLS 1.0/1.1/1.2 and DTLS 1.0/1.2, ECDHE-RSA (P-256, X25519),
 * DHE-RSA, RSA, PSK and ECDHE-ECDSA key exchange, extended master secret on and off:
 *  - both Finished recomputed from the recorded transcript and master secret
 *    (TLS1-PRF over Hash(messages)) equal SSL_get_finished / SSL_get_peer_finished;
 *  - RSA: the recorded encrypted pre-master decrypts with the server key to a pre-master whose
 *    (extended) master secret is libssl's; PSK: the RFC 4279 pre-master gives libssl's master;
 *  - the keylog line carries the same randoms and master secret;
 *  - one record each way round-trips via peer_capture_record / peer_deliver_record, a
 *    tampered one is refused;
 *  - DTLS cookie exchange, fragmented DTLS handshake messages, TLS 1.0 empty fragments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "check.h"
#include "libssl_peer.h"

static const unsigned char psk_key[32] = {
    0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50, 0x61, 0x72, 0x83, 0x94, 0xa5, 0xb6, 0xc7, 0xd8, 0xe9, 0xfa,
    0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0,
};

enum kx { KX_ECDHE, KX_DHE, KX_RSA, KX_PSK };

/* One key exchange, with a suite for TLS 1.0/1.1/DTLS 1.0 and one for (D)TLS 1.2. */
struct row {
    const char *name;
    enum kx kx;
    const char *legacy;
    uint16_t legacy_id;
    const char *modern;
    uint16_t modern_id;
    const char *groups;
    int cert_type;
};

static const struct row rows[] = {
    {"ECDHE-RSA P-256", KX_ECDHE, "ECDHE-RSA-AES128-SHA", 0xC013, "ECDHE-RSA-AES128-GCM-SHA256",
     0xC02F, "P-256", 0},
    {"ECDHE-RSA X25519", KX_ECDHE, "ECDHE-RSA-AES256-SHA", 0xC014, "ECDHE-RSA-CHACHA20-POLY1305",
     0xCCA8, "X25519", 0},
    {"DHE-RSA", KX_DHE, "DHE-RSA-AES128-SHA", 0x0033, "DHE-RSA-AES256-GCM-SHA384", 0x009F, NULL,
     0},
    {"RSA SHA256", KX_RSA, "AES128-SHA", 0x002F, "AES128-GCM-SHA256", 0x009C, NULL, 0},
    {"RSA SHA384", KX_RSA, "AES256-SHA", 0x0035, "AES256-GCM-SHA384", 0x009D, NULL, 0},
    {"PSK SHA256", KX_PSK, "PSK-AES128-CBC-SHA", 0x008C, "PSK-AES128-CBC-SHA256", 0x00AE, NULL, 0},
    {"PSK SHA384", KX_PSK, "PSK-AES256-CBC-SHA", 0x008D, "PSK-AES256-GCM-SHA384", 0x00A9, NULL, 0},
    {"ECDHE-ECDSA", KX_ECDHE, "ECDHE-ECDSA-AES128-SHA", 0xC009, "ECDHE-ECDSA-AES256-GCM-SHA384",
     0xC02C, "P-256", 1},
};

static const struct {
    const char *name;
    int version;
} versions[] = {
    {"TLS 1.0", TLS1_VERSION},   {"TLS 1.1", TLS1_1_VERSION}, {"TLS 1.2", TLS1_2_VERSION},
    {"DTLS 1.0", DTLS1_VERSION}, {"DTLS 1.2", DTLS1_2_VERSION},
};

/* ---- independent checks ------------------------------------------------------------------- */

static bool is_modern(int version)
{
    return version == TLS1_2_VERSION || version == DTLS1_2_VERSION;
}

/* verify_data = PRF(master, label, Hash(msgs[0 .. end))) */
static bool finished_ok(const struct peer_run *run, const char *label, size_t end,
                        const unsigned char *want)
{
    unsigned char h[64], vd[12];
    size_t hlen;

    if (run->finished_len != 12 || !peer_transcript_hash(run, 0, end, h, &hlen)
        || !peer_tls_prf(run->prf_digest, run->master_secret, 48, label, h, hlen, vd, 12))
        return false;
    return memcmp(vd, want, 12) == 0;
}

/* master = PRF(pms, "master secret", CR||SR) or, with EMS, PRF(pms, "extended master secret",
 * Hash(ClientHello .. ClientKeyExchange)). */
static bool master_from_pms_ok(const struct peer_run *run, const unsigned char *pms,
                               size_t pms_len)
{
    unsigned char seed[64], ms[48];
    size_t seed_len;

    if (run->ems_used) {
        if (!peer_transcript_hash(run, 0, run->ckx_index + 1, seed, &seed_len))
            return false;
        if (!peer_tls_prf(run->prf_digest, pms, pms_len, "extended master secret", seed,
                          seed_len, ms, 48))
            return false;
    } else {
        memcpy(seed, run->client_random, 32);
        memcpy(seed + 32, run->server_random, 32);
        if (!peer_tls_prf(run->prf_digest, pms, pms_len, "master secret", seed, 64, ms, 48))
            return false;
    }
    return memcmp(ms, run->master_secret, 48) == 0;
}

static bool rsa_master_ok(const struct peer_run *run, int version)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(run->server_key, NULL);
    unsigned char pms[512];
    size_t pms_len = sizeof(pms);
    bool ok = ctx != NULL && run->rsa_ckx != NULL && run->rsa_ckx_len == 256
              && EVP_PKEY_decrypt_init(ctx) > 0
              && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0
              && EVP_PKEY_decrypt(ctx, pms, &pms_len, run->rsa_ckx, run->rsa_ckx_len) > 0;

    EVP_PKEY_CTX_free(ctx);
    /* 48 bytes, led by the ClientHello's version (the pinned one). */
    ok = ok && pms_len == 48 && pms[0] == (unsigned)(version >> 8)
         && pms[1] == (unsigned)(version & 0xff);
    return ok && master_from_pms_ok(run, pms, 48);
}

static bool psk_master_ok(const struct peer_run *run)
{
    size_t n = sizeof(psk_key);
    unsigned char pms[2 + sizeof(psk_key) + 2 + sizeof(psk_key)] = {0};

    pms[0] = (unsigned char)(n >> 8);
    pms[1] = (unsigned char)n;
    pms[2 + n] = (unsigned char)(n >> 8);
    pms[3 + n] = (unsigned char)n;
    memcpy(pms + 4 + n, psk_key, n);
    return master_from_pms_ok(run, pms, sizeof(pms));
}

static void hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
}

/* "CLIENT_RANDOM <64 hex> <96 hex>" */
static bool keylog_ok(const struct peer_run *run)
{
    char want[14 + 64 + 1 + 96 + 1];

    memcpy(want, "CLIENT_RANDOM ", 14);
    hex(want + 14, run->client_random, 32);
    want[14 + 64] = ' ';
    hex(want + 14 + 64 + 1, run->master_secret, 48);
    want[sizeof(want) - 1] = 0;
    return strcasecmp(want, run->keylog) == 0;
}

/* The message list is well formed: lengths match headers, DTLS headers are unfragmented,
 * ClientHello first, server Finished last, the Finished bodies are libssl's verify_data. */
static bool transcript_shape_ok(const struct peer_run *run)
{
    if (run->nmsgs < 6 || run->msgs[0].data[0] != SSL3_MT_CLIENT_HELLO || !run->msgs[0].from_client)
        return false;
    for (size_t i = 0; i < run->nmsgs; i++) {
        const unsigned char *d = run->msgs[i].data;
        size_t body = ((size_t)d[1] << 16) | ((size_t)d[2] << 8) | d[3];

        if (run->msgs[i].len != run->hdr_len + body)
            return false;
        if (run->is_dtls && (memcmp(d + 6, "\0\0\0", 3) != 0 || memcmp(d + 9, d + 1, 3) != 0))
            return false;
        if (d[0] == DTLS1_MT_HELLO_VERIFY_REQUEST)
            return false;
    }
    if (run->server_finished_index != run->nmsgs - 1
        || run->client_finished_index >= run->server_finished_index
        || run->ckx_index >= run->client_finished_index)
        return false;
    return run->msgs[run->client_finished_index].len == run->hdr_len + 12
           && memcmp(run->msgs[run->client_finished_index].data + run->hdr_len,
                     run->client_finished, 12) == 0
           && run->msgs[run->server_finished_index].len == run->hdr_len + 12
           && memcmp(run->msgs[run->server_finished_index].data + run->hdr_len,
                     run->server_finished, 12) == 0;
}

/* The certificate matches the key, and (non-PSK) is the one in the Certificate message. */
static bool cert_ok(const struct peer_run *run, bool sent)
{
    const unsigned char *p = run->server_cert_der;
    X509 *x = d2i_X509(NULL, &p, (long)run->server_cert_der_len);
    bool ok = x != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), run->server_key) == 1;
    bool found = false;

    X509_free(x);
    for (size_t i = 0; i < run->nmsgs; i++) {
        const struct peer_msg *m = &run->msgs[i];

        if (m->from_client || m->data[0] != SSL3_MT_CERTIFICATE)
            continue;
        for (size_t o = 0; o + run->server_cert_der_len <= m->len; o++)
            if (memcmp(m->data + o, run->server_cert_der, run->server_cert_der_len) == 0)
                found = true;
    }
    return ok && found == sent;
}

/* Number of records in a captured buffer (TLS 5-byte, DTLS 13-byte headers); -1 if ragged. */
static int count_records(const struct peer_run *run, const unsigned char *rec, size_t len)
{
    size_t hl = run->is_dtls ? 13 : 5, off = 0;
    int n = 0;

    while (off < len) {
        if (len - off < hl || rec[off] != SSL3_RT_APPLICATION_DATA)
            return -1;
        off += hl + (((size_t)rec[off + hl - 2] << 8) | rec[off + hl - 1]);
        n++;
    }
    return off == len ? n : -1;
}

/* One record each way, then a tampered one that must be refused. */
static void records_ok(struct peer_run *run, int want_records)
{
    static const char c2s[] = "GET / HTTP/1.0 from the libssl client";
    static const char s2c[] = "200 OK from the libssl server, a little longer than that";
    unsigned char *rec = NULL, out[256];
    size_t rec_len = 0, out_len = 0;

    CHECK(peer_capture_record(run, 1, (const unsigned char *)c2s, sizeof(c2s), &rec, &rec_len));
    CHECK(count_records(run, rec, rec_len) == want_records);
    CHECK(rec_len > sizeof(c2s) && memmem(rec, rec_len, c2s, sizeof(c2s)) == NULL);
    CHECK(peer_deliver_record(run, 0, rec, rec_len, out, sizeof(out), &out_len));
    CHECK(out_len == sizeof(c2s) && memcmp(out, c2s, sizeof(c2s)) == 0);
    free(rec);
    rec = NULL;

    CHECK(peer_capture_record(run, 0, (const unsigned char *)s2c, sizeof(s2c), &rec, &rec_len));
    CHECK(count_records(run, rec, rec_len) == want_records);
    CHECK(peer_deliver_record(run, 1, rec, rec_len, out, sizeof(out), &out_len));
    CHECK(out_len == sizeof(s2c) && memcmp(out, s2c, sizeof(s2c)) == 0);
    free(rec);
    rec = NULL;

    /* Last: a TLS peer is dead after refusing a record. */
    CHECK(peer_capture_record(run, 1, (const unsigned char *)c2s, sizeof(c2s), &rec, &rec_len));
    if (rec != NULL) {
        rec[rec_len - 1] ^= 0x01;
        CHECK(!peer_deliver_record(run, 0, rec, rec_len, out, sizeof(out), &out_len));
        CHECK(out_len == 0);
    }
    free(rec);
    ERR_clear_error();
}

/* Everything we can check about one completed handshake. */
static void check_run(struct peer_run *run, const struct peer_config *cfg, enum kx kx,
                      uint16_t want_id)
{
    CHECK(run->cipher_id == want_id);
    CHECK(run->version == cfg->version);
    CHECK(run->is_dtls == (cfg->version == DTLS1_VERSION || cfg->version == DTLS1_2_VERSION));
    CHECK(run->ems_used == cfg->ems);
    CHECK(transcript_shape_ok(run));
    CHECK(keylog_ok(run));
    CHECK(finished_ok(run, "client finished", run->client_finished_index, run->client_finished));
    CHECK(finished_ok(run, "server finished", run->server_finished_index, run->server_finished));
    CHECK(cert_ok(run, kx != KX_PSK));
    if (kx == KX_RSA)
        CHECK(rsa_master_ok(run, cfg->version));
    else
        CHECK(run->rsa_ckx == NULL && run->rsa_ckx_len == 0);
    if (kx == KX_PSK)
        CHECK(psk_master_ok(run));
    if (!strcmp(run->prf_digest, "MD5-SHA1"))
        CHECK(!is_modern(cfg->version));
}

static void matrix(void)
{
    for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
            for (int ems = 1; ems >= 0; ems--) {
                const struct row *row = &rows[r];
                int version = versions[v].version;
                struct peer_config cfg = {
                    .version = version,
                    .ciphers = is_modern(version) ? row->modern : row->legacy,
                    .groups = row->groups,
                    .ems = ems,
                    .psk = row->kx == KX_PSK ? psk_key : NULL,
                    .psk_len = row->kx == KX_PSK ? sizeof(psk_key) : 0,
                    .cert_type = row->cert_type,
                };
                struct peer_run run;
                unsigned before = check_failed;
                int ok = peer_handshake(&cfg, &run);

                CHECK(ok);
                if (ok) {
                    check_run(&run, &cfg, row->kx, is_modern(version) ? row->modern_id
                                                                       : row->legacy_id);
                    CHECK(run.fixed_fragments == 0); /* the default MTU never fragments */
                    records_ok(&run, 1);
                }
                if (check_failed != before)
                    fprintf(stderr, "  ^ in %s %s (%s) EMS %s\n", versions[v].name, row->name,
                            cfg.ciphers, ems ? "on" : "off");
                peer_free(&run);
            }
        }
    }
}

/* DTLS with a HelloVerifyRequest round trip: the transcript starts at the second ClientHello. */
static void dtls_cookie(void)
{
    static const int vs[] = {DTLS1_VERSION, DTLS1_2_VERSION};

    for (size_t i = 0; i < 2; i++) {
        struct peer_config cfg = {
            .version = vs[i],
            .ciphers = vs[i] == DTLS1_VERSION ? "AES128-SHA" : "AES256-GCM-SHA384",
            .ems = 1,
            .dtls_cookie = 1,
        };
        struct peer_run run;
        int ok = peer_handshake(&cfg, &run);

        CHECK(ok);
        if (ok) {
            check_run(&run, &cfg, KX_RSA, vs[i] == DTLS1_VERSION ? 0x002F : 0x009D);
            CHECK(peer_dtls_seq(run.msgs[0].data) == 1); /* the ClientHello with the cookie */
            CHECK(memmem(run.msgs[0].data, run.msgs[0].len, peer_cookie,
                         sizeof(peer_cookie) - 1) != NULL);
            records_ok(&run, 1);
        }
        peer_free(&run);
    }
}

/* A small MTU: libssl fragments the server's Certificate and ServerKeyExchange (and its own
 * message-callback copy of what it sent is damaged); the harness still yields the transcript. */
static void dtls_fragments(void)
{
    static const int vs[] = {DTLS1_VERSION, DTLS1_2_VERSION};

    for (size_t i = 0; i < 2; i++) {
        struct peer_config cfg = {
            .version = vs[i],
            .ciphers = vs[i] == DTLS1_VERSION ? "DHE-RSA-AES128-SHA" : "DHE-RSA-AES256-GCM-SHA384",
            .ems = 1,
            .dtls_mtu = 300,
        };
        struct peer_run run;
        int ok = peer_handshake(&cfg, &run);

        CHECK(ok);
        if (ok) {
            check_run(&run, &cfg, KX_DHE, vs[i] == DTLS1_VERSION ? 0x0033 : 0x009F);
            records_ok(&run, 1);
        }
        peer_free(&run);
    }
    /* The client's messages fragment too when its ClientKeyExchange exceeds the MTU (RSA: 256
     * bytes of ciphertext + headers), which exercises the server-side copy. */
    struct peer_config cfg = {
        .version = DTLS1_2_VERSION, .ciphers = "AES128-GCM-SHA256", .ems = 1, .dtls_mtu = 256,
    };
    struct peer_run run;
    int ok = peer_handshake(&cfg, &run);

    CHECK(ok);
    if (ok) {
        check_run(&run, &cfg, KX_RSA, 0x009C);
        CHECK(run.fixed_fragments > 0);
        records_ok(&run, 1);
    }
    peer_free(&run);
}

/* TLS 1.0 CBC with libssl's empty-fragment countermeasure left on: two records per write. */
static void tls10_empty_fragments(void)
{
    struct peer_config cfg = {
        .version = TLS1_VERSION, .ciphers = "AES128-SHA", .ems = 0, .empty_fragments = 1,
    };
    struct peer_run run;
    int ok = peer_handshake(&cfg, &run);

    CHECK(ok);
    if (ok) {
        check_run(&run, &cfg, KX_RSA, 0x002F);
        records_ok(&run, 2);
    }
    peer_free(&run);
}

/* SSL_OP_NO_TICKET: no NewSessionTicket; by default there is one, right before the server's
 * Finished. A record is captured while an unrelated byte string is still queued. */
static void tickets(void)
{
    for (int no_ticket = 0; no_ticket <= 1; no_ticket++) {
        struct peer_config cfg = {
            .version = TLS1_2_VERSION, .ciphers = "ECDHE-RSA-AES128-GCM-SHA256", .ems = 1,
            .no_ticket = no_ticket,
        };
        struct peer_run run;
        int ok = peer_handshake(&cfg, &run);

        CHECK(ok);
        if (ok) {
            size_t sf = run.server_finished_index;
            bool has_nst = false;

            check_run(&run, &cfg, KX_ECDHE, 0xC02F);
            for (size_t i = 0; i < run.nmsgs; i++)
                if (run.msgs[i].data[0] == SSL3_MT_NEWSESSION_TICKET)
                    has_nst = true;
            CHECK(has_nst == !no_ticket);
            CHECK(no_ticket || (sf > 0 && run.msgs[sf - 1].data[0] == SSL3_MT_NEWSESSION_TICKET
                                && !run.msgs[sf - 1].from_client));
            /* Something already queued for the server stays queued and is not captured. */
            CHECK(peer_queue_push(&run.pipe->q[1], (const unsigned char *)"xyz", 3));
            unsigned char *rec = NULL;
            size_t rec_len = 0;
            CHECK(peer_capture_record(&run, 1, (const unsigned char *)"abc", 3, &rec, &rec_len));
            CHECK(count_records(&run, rec, rec_len) == 1);
            CHECK(run.pipe->q[1].bytes == 3);
            free(rec);
        }
        peer_free(&run);
    }
}

/* Failures come back as 0 and peer_free cleans up whatever was built. */
static void failures(void)
{
    struct peer_config bad_cipher = {.version = TLS1_2_VERSION, .ciphers = "NO-SUCH-SUITE"};
    struct peer_config no_psk = {.version = TLS1_2_VERSION, .ciphers = "PSK-AES128-CBC-SHA256"};
    struct peer_run run;

    fprintf(stderr, "(two expected harness failures follow)\n");
    CHECK(!peer_handshake(&bad_cipher, &run));
    peer_free(&run);
    CHECK(!peer_handshake(&no_psk, &run));
    peer_free(&run);
    peer_free(&run); /* idempotent */
    ERR_clear_error();
}

int main(void)
{
    matrix();
    dtls_cookie();
    dtls_fragments();
    tls10_empty_fragments();
    tickets();
    failures();
    peer_global_cleanup();
    return check_summary();
}
