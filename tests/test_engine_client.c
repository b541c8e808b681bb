/* The engine's client (engine/engine.h) in one process with libssl's server: whole TLS 1.3 and
 * TLS 1.2 handshakes over memory BIOs, the server stepped from inside our transport's recv
 * whenever it has nothing queued for us. Every case sends data both ways, compares it byte for
 * byte, and asks libssl what it negotiated (suite, version, group, EMS, resumption), so the
 * expected values come from the other side of the wire and not from the engine.
 *
 * Cases: TLS 1.3 with every suite the provider enables (and CCM_8 asked for through
 * cfg.suites) and every group we offer (X25519, P-256/384/521, X448, ffdhe2048), on RSA-2048
 * and ECDSA P-256 certificates from a CA of our own and on a self-signed certificate as its own
 * trust anchor; HelloRetryRequest; PSK resumption with a ticket; KeyUpdate from us and from the
 * server (update_requested, which we must answer). TLS 1.2: ECDHE-RSA/ECDSA with GCM,
 * ChaCha20-Poly1305, CBC-SHA and CBC-SHA384, RSA and DHE key exchange, with and without EMS,
 * resumption by RFC 5077 ticket and by session ID. Twins: a name the certificate does not
 * carry, a CA we do not trust, a server whose only suite we do not offer, a server whose only
 * group we did not list. */
#include <stdbool.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "check.h"
#include "engine.h"

#define NAME "engine.test"
#define SERVER_STEPS 8          /* server steps while our recv waits for one byte */
#define DATA_STEPS 16           /* server steps while it waits for our data */
#define READ_CALLS 64           /* tls_read calls while we wait for the server's data */
#define BIG 40000               /* spans three records each way */

enum { CERT_RSA, CERT_ECDSA, CERT_ECDSA_SELF, N_CERTS };

/* Credentials: a CA (P-256, basicConstraints CA:TRUE) that issues an RSA-2048 and an ECDSA
 * P-256 leaf for NAME; a self-signed P-256 certificate for NAME; another CA nobody uses to
 * issue, the trust store of the untrusted twin. */
static EVP_PKEY *keys[N_CERTS], *ca_key, *other_ca_key;
static X509 *certs[N_CERTS], *ca, *other_ca;
static X509_STORE *trust, *self_trust, *other_trust;
static NCRYPT_PROV_HANDLE prov;

static X509_STORE *store_of(X509 *anchor)
{
    X509_STORE *s = X509_STORE_new();

    if (s != NULL && X509_STORE_add_cert(s, anchor) != 1) {
        X509_STORE_free(s);
        s = NULL;
    }
    return s;
}

static bool credentials(void)
{
    ca_key = cert_keygen("P-256");
    other_ca_key = cert_keygen("P-256");
    keys[CERT_RSA] = cert_rsa_key(0);
    keys[CERT_ECDSA] = cert_keygen("P-256");
    keys[CERT_ECDSA_SELF] = cert_keygen("P-256");
    ca = cert_issue(ca_key, "sslprov test CA", NULL, NULL);
    other_ca = cert_issue(other_ca_key, "sslprov other CA", NULL, NULL);
    if (ca == NULL || other_ca == NULL || keys[CERT_RSA] == NULL)
        return false;
    certs[CERT_RSA] = cert_issue(keys[CERT_RSA], NAME, ca_key, ca);
    certs[CERT_ECDSA] = cert_issue(keys[CERT_ECDSA], NAME, ca_key, ca);
    certs[CERT_ECDSA_SELF] = cert_self_signed(keys[CERT_ECDSA_SELF], NAME);
    trust = store_of(ca);
    other_trust = store_of(other_ca);
    self_trust = certs[CERT_ECDSA_SELF] != NULL ? store_of(certs[CERT_ECDSA_SELF]) : NULL;
    return certs[CERT_RSA] != NULL && certs[CERT_ECDSA] != NULL && trust != NULL &&
           other_trust != NULL && self_trust != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* libssl's server, stepped in process                                                        */
/* ------------------------------------------------------------------------------------------ */

struct server {
    SSL *ssl;
    BIO *in, *out;              /* in: what we sent it; out: what it wrote for us */
    bool failed;
    int alert_sent, alert_received;  /* the last fatal or warning alert each way, -1 none */
    unsigned ku_sent, ku_received, certificates;
    bool sh_key_share;          /* its last ServerHello had a key_share (psk_ke has none) */
    uint8_t got[2 * BIG];
    size_t got_n;
};

/* libssl's message callback: the alerts and KeyUpdates it wrote and read, in the clear. */
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    struct server *s = arg;
    const uint8_t *p = buf;

    (void)version, (void)ssl;
    if (content_type == SSL3_RT_ALERT && len == 2)
        *(write_p ? &s->alert_sent : &s->alert_received) = p[1];
    if (content_type == SSL3_RT_HANDSHAKE && len >= 1 && p[0] == SSL3_MT_KEY_UPDATE)
        (*(write_p ? &s->ku_sent : &s->ku_received))++;
    if (content_type == SSL3_RT_HANDSHAKE && len >= 1 && p[0] == SSL3_MT_CERTIFICATE && write_p)
        s->certificates++;
    if (content_type == SSL3_RT_HANDSHAKE && write_p && p[0] == SSL3_MT_SERVER_HELLO &&
        len > 4 + 2 + 32 + 1) {
        /* version, random, session ID, suite, compression, then the extensions */
        size_t at = 4 + 2 + 32 + 1 + p[4 + 2 + 32] + 2 + 1 + 2;

        s->sh_key_share = false;
        for (; at + 4 <= len; at += 4 + ((size_t)p[at + 2] << 8 | p[at + 3]))
            s->sh_key_share |= (p[at] << 8 | p[at + 1]) == 51;
    }
}

static bool server_new(struct server *s, SSL_CTX *ctx)
{
    memset(s, 0, sizeof(*s));
    s->alert_sent = s->alert_received = -1;
    s->ssl = SSL_new(ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (s->ssl == NULL || s->in == NULL || s->out == NULL) {
        BIO_free(s->in);
        BIO_free(s->out);
        SSL_free(s->ssl);
        s->ssl = NULL;
        return false;
    }
    /* an empty memory BIO means "nothing yet", not EOF */
    BIO_set_mem_eof_return(s->in, -1);
    BIO_set_mem_eof_return(s->out, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_accept_state(s->ssl);
    SSL_set_msg_callback(s->ssl, on_message);
    SSL_set_msg_callback_arg(s->ssl, s);
    return true;
}

/* One step: the handshake while it runs, then a read (which also handles KeyUpdate and
 * close_notify). A failure is final, as for a real server. */
static void server_step(struct server *s)
{
    int rc, err;

    if (s->failed)
        return;
    if (!SSL_is_init_finished(s->ssl)) {
        rc = SSL_do_handshake(s->ssl);
    } else {
        rc = SSL_read(s->ssl, s->got + s->got_n, (int)(sizeof(s->got) - s->got_n));
        if (rc > 0)
            s->got_n += (size_t)rc;
    }
    err = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, rc);
    if (err != SSL_ERROR_NONE && err != SSL_ERROR_WANT_READ && err != SSL_ERROR_ZERO_RETURN)
        s->failed = true;
    ERR_clear_error();
}

static long io_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct server *s = ctx;
    int got;

    for (unsigned i = 0; i < SERVER_STEPS && BIO_pending(s->out) == 0; i++)
        server_step(s);
    if (BIO_pending(s->out) == 0)
        return s->failed ? 0 : -1; /* a dead server's EOF, or a live one with nothing to say */
    got = BIO_read(s->out, buf, n > INT_MAX ? INT_MAX : (int)n);
    return got > 0 ? got : -1;
}

static long io_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct server *s = ctx;

    return n <= INT_MAX && BIO_write(s->in, buf, (int)n) == (int)n ? (long)n : -1;
}

/* ------------------------------------------------------------------------------------------ */
/* One connection                                                                             */
/* ------------------------------------------------------------------------------------------ */

struct pair {
    struct server srv;
    struct tls_conn *c;
    struct tls_info info;
    int rc;                     /* tls_handshake's */
};

static SSL_CTX *server_ctx(int version, const char *suites13, const char *ciphers,
                           const char *groups, int cert)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    bool ok = ctx != NULL;

    ok = ok && SSL_CTX_set_min_proto_version(ctx, version != 0 ? version : TLS1_2_VERSION) &&
         SSL_CTX_set_max_proto_version(ctx, version != 0 ? version : TLS1_3_VERSION) &&
         SSL_CTX_use_certificate(ctx, certs[cert]) == 1 &&
         SSL_CTX_use_PrivateKey(ctx, keys[cert]) == 1 &&
         (suites13 == NULL || SSL_CTX_set_ciphersuites(ctx, suites13) == 1) &&
         (ciphers == NULL || SSL_CTX_set_cipher_list(ctx, ciphers) == 1) &&
         (groups == NULL || SSL_CTX_set1_groups_list(ctx, groups) == 1) &&
         SSL_CTX_set_dh_auto(ctx, 1) == 1;
    if (!ok) {
        fprintf(stderr, "server context (%s %s %s) refused\n", suites13 ? suites13 : "-",
                ciphers ? ciphers : "-", groups ? groups : "-");
        ERR_print_errors_fp(stderr);
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static bool pair_connect(struct pair *p, SSL_CTX *sctx, const struct tls_client_config *cfg)
{
    char err[256] = "";

    memset(p, 0, sizeof(*p));
    p->rc = -1;
    if (sctx == NULL || !server_new(&p->srv, sctx))
        return false;
    p->c = tls_client_new(cfg, (struct tls_io){.ctx = &p->srv, .recv = io_recv, .send = io_send},
                          err, sizeof(err));
    if (p->c == NULL) {
        fprintf(stderr, "tls_client_new: %s\n", err);
        return false;
    }
    p->rc = tls_handshake(p->c);
    tls_get_info(p->c, &p->info);
    return p->rc == 0;
}

static void pair_free(struct pair *p)
{
    tls_free(p->c);
    SSL_free(p->srv.ssl);
    p->c = NULL;
    p->srv.ssl = NULL;
}

/* n bytes from us, n other bytes back, each compared with what was sent. */
static bool exchange(struct pair *p, size_t n)
{
    static uint8_t up[BIG], down[BIG], back[BIG];
    size_t have = 0;
    long got;
    unsigned i;
    int w;

    if (n > BIG || RAND_bytes(up, (int)n) != 1 || RAND_bytes(down, (int)n) != 1)
        return false;
    p->srv.got_n = 0;
    if (tls_write(p->c, up, n) != 0) {
        fprintf(stderr, "tls_write: %s\n", tls_error(p->c));
        return false;
    }
    for (i = 0; i < DATA_STEPS && p->srv.got_n < n && !p->srv.failed; i++)
        server_step(&p->srv);
    if (p->srv.got_n != n || memcmp(p->srv.got, up, n) != 0) {
        fprintf(stderr, "the server read %zu of %zu bytes (or other bytes)\n", p->srv.got_n, n);
        return false;
    }
    w = SSL_write(p->srv.ssl, down, (int)n);
    for (i = 0; i < READ_CALLS && have < n; i++) {
        got = tls_read(p->c, back + have, n - have);
        if (got == TLS_AGAIN)
            continue; /* a ticket or a KeyUpdate, no data yet */
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    if (w != (int)n || have != n || memcmp(back, down, n) != 0) {
        fprintf(stderr, "we read %zu of %zu bytes (or other bytes): %s\n", have, n, tls_error(p->c));
        return false;
    }
    return true;
}

/* close_notify both ways: libssl reads ours, we read its answer as the end of the data. A
 * server that sent close_notify also keeps a TLS 1.2 session in its cache (SSL_free drops
 * the sessions of connections that did not shut down). */
static bool pair_close(struct pair *p)
{
    uint8_t b;
    long got = -1;

    if (tls_close(p->c) != 0)
        return false;
    for (unsigned i = 0; i < DATA_STEPS && !(SSL_get_shutdown(p->srv.ssl) & SSL_RECEIVED_SHUTDOWN); i++)
        server_step(&p->srv);
    if (SSL_shutdown(p->srv.ssl) < 0)
        return false;
    got = tls_read(p->c, &b, 1);
    return got == 0 && (SSL_get_shutdown(p->srv.ssl) & SSL_RECEIVED_SHUTDOWN);
}

static int nid_of(uint16_t group)
{
    switch (group) {
    case 29: return NID_X25519;
    case 23: return NID_X9_62_prime256v1;
    case 24: return NID_secp384r1;
    case 25: return NID_secp521r1;
    case 30: return NID_X448;
    case 256: return NID_ffdhe2048;
    default: return NID_undef;
    }
}

/* What both sides say was negotiated. */
static void check_agree(const struct pair *p, uint16_t version, uint16_t suite, uint16_t group)
{
    const SSL_CIPHER *sc = SSL_get_current_cipher(p->srv.ssl);

    CHECK_EQ(p->info.version, version);
    CHECK_EQ(SSL_version(p->srv.ssl), version);
    CHECK_EQ(p->info.suite, suite);
    CHECK(sc != NULL && SSL_CIPHER_get_protocol_id(sc) == suite);
    CHECK(sc != NULL && strcmp(SSL_CIPHER_standard_name(sc), p->info.suite_name) == 0);
    if (group != 0) {
        CHECK_EQ(p->info.group, group);
        CHECK_EQ(SSL_get_negotiated_group(p->srv.ssl), nid_of(group));
    }
}

/* RFC 5705 / RFC 8446 §7.5 keying material equals libssl's, with a context, with an empty
 * one and without (which differ in TLS 1.2, and must not be confused); a label the RFC
 * reserves is refused. */
static void check_exporter(struct pair *p)
{
    static const uint8_t context[] = "sslprov exporter context";
    uint8_t ours[3][48], theirs[3][48];

    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", context, sizeof(context) - 1,
                                     ours[0], sizeof(ours[0])) == 0);
    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", context, 0, ours[1],
                                     sizeof(ours[1])) == 0);
    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", NULL, 0, ours[2],
                                     sizeof(ours[2])) == 0);
    CHECK(SSL_export_keying_material(p->srv.ssl, theirs[0], sizeof(theirs[0]),
                                     "EXPERIMENTAL sslprov", 20, context, sizeof(context) - 1, 1) == 1);
    CHECK(SSL_export_keying_material(p->srv.ssl, theirs[1], sizeof(theirs[1]),
                                     "EXPERIMENTAL sslprov", 20, context, 0, 1) == 1);
    CHECK(SSL_export_keying_material(p->srv.ssl, theirs[2], sizeof(theirs[2]),
                                     "EXPERIMENTAL sslprov", 20, NULL, 0, 0) == 1);
    CHECK(memcmp(ours, theirs, sizeof(ours)) == 0);
    if (p->info.version == 0x0303) {
        CHECK(memcmp(ours[1], ours[2], sizeof(ours[1])) != 0);
        CHECK(tls_export_keying_material(p->c, "master secret", NULL, 0, ours[0], 48) != 0);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                  */
/* ------------------------------------------------------------------------------------------ */

enum ks { KS_NONE, KS_PSK, KS_TICKET12, KS_ID12, KS_KU_OURS, KS_KU_SERVER, KS_HRR, KS_BIG,
          KS_RENEG };

struct tcase {
    const char *name;
    uint16_t version;           /* the server is pinned to it */
    const char *server_suites;  /* SSL_CTX_set_ciphersuites (TLS 1.3) or _set_cipher_list */
    uint16_t suite;             /* what must be negotiated */
    const char *server_groups;
    uint16_t groups[2];         /* ours, in order (0: the engine's default list) */
    uint16_t group;             /* what must be negotiated (0: no named group, RSA or DHE) */
    int cert;
    bool no_ems;
    enum ks kind;
};

static const uint16_t with_ccm8[] = {0x1305, 0x1301, 0x1302, 0x1303, 0x1304};

static const struct tcase cases[] = {
    /* TLS 1.3: every suite and every group at least once, both certificate kinds */
    {"1.3 AES-128-GCM X25519 RSA", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {29}, 29, CERT_RSA},
    {"1.3 AES-256-GCM P-256 ECDSA", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "P-256", {23}, 23, CERT_ECDSA},
    {"1.3 CHACHA20 P-384 RSA", 0x0304, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, "P-384", {24}, 24, CERT_RSA},
    {"1.3 AES-128-CCM P-521 ECDSA", 0x0304, "TLS_AES_128_CCM_SHA256", 0x1304, "P-521", {25}, 25, CERT_ECDSA},
    {"1.3 AES-128-CCM-8 X448 RSA", 0x0304, "TLS_AES_128_CCM_8_SHA256", 0x1305, "X448", {30}, 30, CERT_RSA},
    {"1.3 AES-256-GCM ffdhe2048 ECDSA", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "ffdhe2048", {256}, 256, CERT_ECDSA},
    {"1.3 CHACHA20 X25519 self-signed", 0x0304, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, "X25519", {29}, 29, CERT_ECDSA_SELF},
    {"1.3 default offer, 40 KB each way", 0x0304, NULL, 0x1302, NULL, {0}, 29, CERT_RSA, false, KS_BIG},
    {"1.3 HRR to P-256", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "P-256", {29, 23}, 23, CERT_ECDSA, false, KS_HRR},
    {"1.3 PSK resumption", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {29}, 29, CERT_RSA, false, KS_PSK},
    {"1.3 PSK resumption SHA384", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "P-256", {23}, 23, CERT_ECDSA, false, KS_PSK},
    {"1.3 KeyUpdate from us", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {29}, 29, CERT_ECDSA, false, KS_KU_OURS},
    {"1.3 KeyUpdate from the server", 0x0304, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, "X25519", {29}, 29, CERT_ECDSA, false, KS_KU_SERVER},
    /* TLS 1.2 */
    {"1.2 ECDHE-RSA AES-128-GCM P-256", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "P-256", {23}, 23, CERT_RSA},
    {"1.2 ECDHE-RSA AES-128-GCM P-256 no EMS", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "P-256", {23}, 23, CERT_RSA, true},
    /* TLS 1.2 (RFC 8422 §5.1.1 as libssl reads it): supported_groups also names the curve of
     * an ECDSA certificate, so its P-256 is listed second where the exchange is on another */
    {"1.2 ECDHE-ECDSA AES-256-GCM X25519", 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, "X25519", {29, 23}, 29, CERT_ECDSA},
    {"1.2 ECDHE-RSA CHACHA20 X25519", 0x0303, "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, "X25519", {29}, 29, CERT_RSA},
    {"1.2 ECDHE-ECDSA CHACHA20 P-384", 0x0303, "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, "P-384", {24, 23}, 24, CERT_ECDSA},
    {"1.2 ECDHE-RSA AES-128-CBC-SHA", 0x0303, "ECDHE-RSA-AES128-SHA", 0xC013, "P-256", {23}, 23, CERT_RSA},
    {"1.2 ECDHE-ECDSA AES-256-CBC-SHA", 0x0303, "ECDHE-ECDSA-AES256-SHA", 0xC00A, "P-256", {23}, 23, CERT_ECDSA, true},
    {"1.2 ECDHE-RSA AES-256-CBC-SHA384", 0x0303, "ECDHE-RSA-AES256-SHA384", 0xC028, "P-521", {25}, 25, CERT_RSA},
    {"1.2 ECDHE-ECDSA AES-256-CBC-SHA384", 0x0303, "ECDHE-ECDSA-AES256-SHA384", 0xC024, "X25519", {29, 23}, 29, CERT_ECDSA},
    {"1.2 RSA AES-128-GCM", 0x0303, "AES128-GCM-SHA256", 0x009C, NULL, {0}, 0, CERT_RSA},
    {"1.2 RSA AES-256-CBC-SHA no EMS", 0x0303, "AES256-SHA", 0x0035, NULL, {0}, 0, CERT_RSA, true},
    {"1.2 DHE-RSA AES-128-GCM", 0x0303, "DHE-RSA-AES128-GCM-SHA256", 0x009E, NULL, {0}, 0, CERT_RSA},
    {"1.2 DHE-RSA AES-256-CBC-SHA no EMS", 0x0303, "DHE-RSA-AES256-SHA", 0x0039, NULL, {0}, 0, CERT_RSA, true},
    {"1.2 ticket resumption", 0x0303, "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, "P-256", {23}, 23, CERT_ECDSA, false, KS_TICKET12},
    {"1.2 ticket resumption no EMS", 0x0303, "ECDHE-RSA-AES256-GCM-SHA384", 0xC030, "X25519", {29}, 29, CERT_RSA, true, KS_TICKET12},
    {"1.2 renegotiation refused", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "X25519", {29}, 29, CERT_RSA, false, KS_RENEG},
    {"1.2 session ID resumption", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "X25519", {29}, 29, CERT_RSA, false, KS_ID12},
};

static struct tls_client_config client_config(const struct tcase *t)
{
    struct tls_client_config cfg = {
        .provider = prov, .server_name = NAME, .no_ems = t->no_ems,
        .trust = t->cert == CERT_ECDSA_SELF ? self_trust : trust,
        .groups = t->groups[0] != 0 ? t->groups : NULL, .n_groups = t->groups[1] != 0 ? 2 : 1,
        .no_ticket = t->kind == KS_ID12,
    };

    if (t->suite == 0x1305) {
        /* CCM_8 is in the catalogue but not enabled by default: asked for by value */
        cfg.suites = with_ccm8;
        cfg.n_suites = sizeof(with_ccm8) / sizeof(with_ccm8[0]);
    }
    return cfg;
}

/* The resumed connection of a resumption case, on the session the first one left. */
static void resume(const struct tcase *t, SSL_CTX *sctx, const struct pair *first)
{
    struct tls_client_config cfg = client_config(t);
    struct tls_session *s = tls_get_session(first->c);
    struct pair p;

    CHECK(s != NULL);
    if (s == NULL)
        return;
    cfg.resume = s;
    CHECK(pair_connect(&p, sctx, &cfg));
    if (p.rc == 0) {
        CHECK(p.info.resumed);
        CHECK(SSL_session_reused(p.srv.ssl) == 1);
        check_agree(&p, t->version, t->suite, t->version == 0x0304 ? t->group : 0);
        CHECK(exchange(&p, 100));
        if (t->version == 0x0303)
            CHECK_EQ(p.info.ems, !t->no_ems);
        CHECK(pair_close(&p));
    } else {
        fprintf(stderr, "  resumption: %s\n", tls_error(p.c));
    }
    pair_free(&p);
    tls_session_free(s);
}

static void run_case(const struct tcase *t)
{
    bool tls13 = t->version == 0x0304;
    SSL_CTX *sctx = server_ctx(t->version, tls13 ? t->server_suites : NULL,
                               tls13 ? NULL : t->server_suites, t->server_groups, t->cert);
    struct tls_client_config cfg = client_config(t);
    struct pair p;
    unsigned before = check_failed;

    CHECK(sctx != NULL);
    CHECK(pair_connect(&p, sctx, &cfg));
    if (p.rc == 0) {
        check_agree(&p, t->version, t->suite, t->group);
        CHECK(p.info.peer != NULL && X509_cmp(p.info.peer, certs[t->cert]) == 0);
        CHECK_EQ(p.info.hrr, t->kind == KS_HRR);
        CHECK(!p.info.resumed && !SSL_session_reused(p.srv.ssl));
        CHECK(exchange(&p, t->kind == KS_BIG ? BIG : 100));
        check_exporter(&p);
        tls_get_info(p.c, &p.info); /* what came after the handshake: tickets */
        if (!tls13) {
            CHECK_EQ(p.info.ems, !t->no_ems);
            CHECK_EQ(SSL_get_extms_support(p.srv.ssl), !t->no_ems);
            /* an RFC 5077 ticket unless the client left the extension out (resumption by ID) */
            CHECK_EQ(p.info.tickets, t->kind == KS_ID12 ? 0 : 1);
            if (t->group == 0 && strncmp(t->server_suites, "DHE", 3) == 0)
                CHECK_EQ(p.info.dh_bits, 2048);
        } else {
            /* libssl's server issues two tickets after a full handshake */
            CHECK_EQ(p.info.tickets, 2);
        }
        if (t->kind == KS_KU_OURS) {
            CHECK(tls_key_update(p.c) == 0);
            CHECK(exchange(&p, 100));
            CHECK_EQ(p.srv.ku_received, 1);   /* ours, update_requested */
            CHECK_EQ(p.srv.ku_sent, 1);       /* its answer */
            tls_get_info(p.c, &p.info);
            CHECK(p.info.key_updates_sent == 1 && p.info.key_updates_received == 1);
            CHECK(exchange(&p, 100));
        } else if (t->kind == KS_RENEG) {
            /* A HelloRequest (RFC 5246 §7.4.1.1): we never renegotiate and say so with a
             * no_renegotiation warning (§7.2.2). libssl, having asked, takes that as the end
             * (handshake_failure), which our next read reports. */
            uint8_t b;

            CHECK(SSL_renegotiate(p.srv.ssl) == 1);
            CHECK(SSL_do_handshake(p.srv.ssl) == 1); /* the HelloRequest goes out */
            CHECK(exchange(&p, 100));
            for (unsigned i = 0; i < DATA_STEPS && !p.srv.failed; i++)
                server_step(&p.srv);
            CHECK_EQ(p.srv.alert_received, 100);
            CHECK_EQ(p.srv.alert_sent, 40);
            CHECK(tls_read(p.c, &b, 1) == -1);
            CHECK(strstr(tls_error(p.c), "server sent alert handshake_failure") != NULL);
        } else if (t->kind == KS_KU_SERVER) {
            CHECK(SSL_key_update(p.srv.ssl, SSL_KEY_UPDATE_REQUESTED) == 1);
            CHECK(exchange(&p, 100)); /* its KeyUpdate goes out ahead of its data */
            CHECK_EQ(p.srv.ku_sent, 1);
            tls_get_info(p.c, &p.info);
            CHECK(p.info.key_updates_sent == 1 && p.info.key_updates_received == 1);
            CHECK(exchange(&p, 100)); /* the server reads our answer ahead of our data */
            CHECK_EQ(p.srv.ku_received, 1);
            CHECK_EQ(p.srv.ku_sent, 1); /* an answer is not answered */
        }
        if (t->kind != KS_RENEG) /* (that connection has ended) */
            CHECK(pair_close(&p));
        if (t->kind == KS_PSK || t->kind == KS_TICKET12 || t->kind == KS_ID12)
            resume(t, sctx, &p);
    } else {
        fprintf(stderr, "  handshake: %s\n", tls_error(p.c));
    }
    pair_free(&p);
    SSL_CTX_free(sctx);
    printf("%-44s %s\n", t->name, check_failed == before ? "pass" : "FAIL");
}

/* ------------------------------------------------------------------------------------------ */
/* Twins                                                                                      */
/* ------------------------------------------------------------------------------------------ */

struct twin {
    const char *name;
    int version;
    const char *server_suites13, *server_groups;
    const char *server_name;
    bool untrusted;
    uint16_t suite, group;      /* what we offer alone (0: the defaults) */
    const char *want_error;     /* in tls_error */
    int want_alert_sent;        /* by libssl (-1: none) */
    int want_alert_received;    /* from us (-1: none) */
};

static const struct twin twins[] = {
    {"wrong server name", 0, NULL, NULL, "wrong.test", false, 0, 0,
     "server certificate: it is not valid for wrong.test", -1, 42 /* bad_certificate */},
    {"untrusted CA", 0, NULL, NULL, NAME, true, 0, 0,
     "server certificate: unable to get local issuer certificate", -1, 48 /* unknown_ca */},
    {"server suite we do not offer", TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", NULL, NAME,
     false, 0x1301, 0, "handshake: server sent alert handshake_failure", 40, -1},
    {"server group we did not list", TLS1_3_VERSION, NULL, "P-384", NAME, false, 0, 29,
     "handshake: server sent alert handshake_failure", 40, -1},
};

static void run_twin(const struct twin *w)
{
    SSL_CTX *sctx = server_ctx(w->version, w->server_suites13, NULL, w->server_groups, CERT_RSA);
    struct tls_client_config cfg = {
        .provider = prov, .server_name = w->server_name, .trust = w->untrusted ? other_trust : trust,
        .suites = w->suite != 0 ? &w->suite : NULL, .n_suites = 1,
        .groups = w->group != 0 ? &w->group : NULL, .n_groups = 1,
    };
    struct pair p;
    unsigned before = check_failed;

    CHECK(sctx != NULL);
    CHECK(!pair_connect(&p, sctx, &cfg));
    CHECK(p.c != NULL && p.rc == -1);
    if (p.c != NULL) {
        CHECK(strstr(tls_error(p.c), w->want_error) != NULL);
        if (strstr(tls_error(p.c), w->want_error) == NULL)
            fprintf(stderr, "  error: %s\n", tls_error(p.c));
        /* the server reads our alert, if we sent one */
        for (unsigned i = 0; i < DATA_STEPS && !p.srv.failed; i++)
            server_step(&p.srv);
        CHECK(p.srv.failed);
        CHECK_EQ(p.srv.alert_sent, w->want_alert_sent);
        CHECK_EQ(p.srv.alert_received, w->want_alert_received);
        CHECK(!SSL_is_init_finished(p.srv.ssl));
    }
    pair_free(&p);
    SSL_CTX_free(sctx);
    printf("%-44s %s\n", w->name, check_failed == before ? "pass" : "FAIL");
}

/* ------------------------------------------------------------------------------------------ */
/* PSKs: external (TLS 1.3 and RFC 4279 TLS 1.2) and psk_ke                                    */
/* ------------------------------------------------------------------------------------------ */

static const uint8_t psk_key[32] = "sslprov external PSK, 32 bytes.";
static const uint8_t psk_wrong[32] = "another key of 32 bytes, wrong!";
static const char psk_identity[] = "sslprov-test";

/* libssl's server side of an external PSK: TLS 1.3 (a session on TLS_AES_128_GCM_SHA256,
 * SHA-256 as RFC 8446 §4.2.11 defaults) and TLS 1.2 (the key by identity). */
static int find_psk(SSL *ssl, const unsigned char *id, size_t id_len, SSL_SESSION **sess)
{
    static const unsigned char aes128gcm[2] = {0x13, 0x01};
    const SSL_CIPHER *c = SSL_CIPHER_find(ssl, aes128gcm);
    SSL_SESSION *s;

    *sess = NULL;
    if (id_len != strlen(psk_identity) || memcmp(id, psk_identity, id_len) != 0 || c == NULL)
        return 1; /* unknown: no PSK */
    if ((s = SSL_SESSION_new()) == NULL || !SSL_SESSION_set1_master_key(s, psk_key, sizeof(psk_key)) ||
        !SSL_SESSION_set_cipher(s, c) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
        SSL_SESSION_free(s);
        return 0;
    }
    *sess = s;
    return 1;
}

static unsigned int psk12(SSL *ssl, const char *id, unsigned char *psk, unsigned int max)
{
    (void)ssl;
    if (strcmp(id, psk_identity) != 0 || max < sizeof(psk_key))
        return 0;
    memcpy(psk, psk_key, sizeof(psk_key));
    return sizeof(psk_key);
}

struct psk_case {
    const char *name;
    uint16_t version;
    const char *server_suites;  /* TLS 1.3 ciphersuites or the TLS 1.2 cipher list */
    bool allow_no_dhe;          /* the server: SSL_OP_ALLOW_NO_DHE_KEX */
    const uint8_t *key;         /* ours (NULL: no external PSK, a ticket is resumed) */
    const char *identity;
    enum tls_psk_modes modes;
    uint16_t offer[2];          /* our suites (0: the defaults) */
    uint16_t suite, group;      /* what must be negotiated (group 0: psk_ke or TLS 1.2 PSK) */
    bool full;                  /* the PSK is not taken: a certificate handshake */
    const char *want_error;     /* a failure, in tls_error */
};

static const struct psk_case psk_cases[] = {
    {"1.3 external PSK psk_dhe_ke", 0x0304, "TLS_AES_128_GCM_SHA256", false, psk_key, psk_identity, TLS_PSK_MODES_DHE, {0}, 0x1301, 29},
    {"1.3 external PSK psk_ke alone", 0x0304, "TLS_AES_128_GCM_SHA256", true, psk_key, psk_identity, TLS_PSK_MODES_KE, {0}, 0x1301, 0},
    {"1.3 external PSK both modes: libssl takes dhe", 0x0304, "TLS_AES_128_GCM_SHA256", true, psk_key, psk_identity, TLS_PSK_MODES_BOTH, {0}, 0x1301, 29},
    {"1.3 external PSK on another SHA-256 suite", 0x0304, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", false, psk_key, psk_identity, TLS_PSK_MODES_DHE, {0x1301, 0x1303}, 0x1303, 29},
    {"1.3 psk_ke alone, server without it: full", 0x0304, "TLS_AES_128_GCM_SHA256", false, psk_key, psk_identity, TLS_PSK_MODES_KE, {0}, 0x1301, 29, true},
    {"1.3 unknown PSK identity: full", 0x0304, "TLS_AES_128_GCM_SHA256", false, psk_key, "someone-else", TLS_PSK_MODES_DHE, {0}, 0x1301, 29, true},
    {"1.3 server on a SHA-384 suite: full", 0x0304, "TLS_AES_256_GCM_SHA384", false, psk_key, psk_identity, TLS_PSK_MODES_DHE, {0}, 0x1302, 29, true},
    /* OpenSSL 3.0 answers a bad binder with illegal_parameter (RFC 8446 §6.2 says decrypt_error) */
    {"1.3 external PSK wrong key: refused", 0x0304, "TLS_AES_128_GCM_SHA256", false, psk_wrong, psk_identity, TLS_PSK_MODES_DHE, {0}, 0, 0, false, "server sent alert illegal_parameter"},
    {"1.3 resumption psk_ke alone", 0x0304, "TLS_AES_128_GCM_SHA256", true, NULL, NULL, TLS_PSK_MODES_KE, {0}, 0x1301, 0},
    {"1.3 resumption on another SHA-256 suite", 0x0304, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", false, NULL, NULL, TLS_PSK_MODES_DHE, {0x1301, 0x1303}, 0x1303, 29},
    {"1.2 PSK AES-128-GCM", 0x0303, "PSK-AES128-GCM-SHA256", false, psk_key, psk_identity, TLS_PSK_MODES_DHE, {0x00A8}, 0x00A8, 0},
    {"1.2 PSK AES-256-GCM", 0x0303, "PSK-AES256-GCM-SHA384", false, psk_key, psk_identity, TLS_PSK_MODES_DHE, {0x00A9}, 0x00A9, 0},
    {"1.2 PSK wrong key: refused at Finished", 0x0303, "PSK-AES128-GCM-SHA256", false, psk_wrong, psk_identity, TLS_PSK_MODES_DHE, {0x00A8}, 0, 0, false, "server sent alert"},
};

static void run_psk_case(const struct psk_case *t)
{
    SSL_CTX *sctx = server_ctx(t->version, t->version == 0x0304 ? t->server_suites : NULL,
                               t->version == 0x0303 ? t->server_suites : NULL, NULL, CERT_RSA);
    struct tls_psk psk = {t->identity, t->key, 32};
    uint16_t first = 0x1301;
    struct tls_client_config cfg = {
        .provider = prov, .server_name = NAME, .trust = trust, .psk_modes = t->modes,
        .psk = t->key != NULL ? &psk : NULL,
        .suites = t->offer[0] != 0 ? t->offer : NULL, .n_suites = t->offer[1] != 0 ? 2 : 1,
    };
    struct tls_session *sess = NULL;
    struct pair p;
    unsigned before = check_failed;

    CHECK(sctx != NULL);
    if (sctx == NULL)
        goto out;
    SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
                              (t->allow_no_dhe ? SSL_OP_ALLOW_NO_DHE_KEX : 0));
    SSL_CTX_set_psk_find_session_callback(sctx, find_psk);
    SSL_CTX_set_psk_server_callback(sctx, psk12);
    if (t->key == NULL) {
        /* the ticket: a full handshake on TLS_AES_128_GCM_SHA256 first */
        struct tls_client_config full = cfg;

        full.suites = &first, full.n_suites = 1;
        CHECK(pair_connect(&p, sctx, &full) && exchange(&p, 100) && pair_close(&p));
        sess = p.c != NULL ? tls_get_session(p.c) : NULL;
        pair_free(&p);
        CHECK(sess != NULL);
        cfg.resume = sess;
    }
    if (t->want_error != NULL) {
        CHECK(!pair_connect(&p, sctx, &cfg));
        CHECK(p.c != NULL && strstr(tls_error(p.c), t->want_error) != NULL);
        if (p.c != NULL && strstr(tls_error(p.c), t->want_error) == NULL)
            fprintf(stderr, "  error: %s\n", tls_error(p.c));
    } else if (pair_connect(&p, sctx, &cfg)) {
        bool psk_taken = !t->full;

        check_agree(&p, t->version, t->suite, t->group);
        CHECK_EQ(p.info.group, t->group);
        if (t->version == 0x0304)
            CHECK_EQ(p.srv.sh_key_share, t->group != 0);
        /* a PSK handshake has no certificate; a full one is verified */
        CHECK_EQ(p.srv.certificates, psk_taken ? 0 : 1);
        CHECK_EQ(p.info.peer == NULL, psk_taken);
        CHECK_EQ(p.info.resumed, psk_taken && t->key == NULL);
        if (t->version == 0x0304)
            CHECK_EQ(SSL_session_reused(p.srv.ssl), psk_taken); /* (libssl: an external PSK too) */
        CHECK(exchange(&p, 100));
        check_exporter(&p);
        CHECK(pair_close(&p));
    } else {
        CHECK(!"handshake");
        fprintf(stderr, "  handshake: %s\n", p.c != NULL ? tls_error(p.c) : "-");
    }
    pair_free(&p);
out:
    tls_session_free(sess);
    SSL_CTX_free(sctx);
    printf("%-44s %s\n", t->name, check_failed == before ? "pass" : "FAIL");
}

int main(void)
{
    CHECK(credentials());
    CHECK(SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0) == SEC_E_OK);
    if (check_failed == 0) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            run_case(&cases[i]);
        for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
            run_twin(&twins[i]);
        for (size_t i = 0; i < sizeof(psk_cases) / sizeof(psk_cases[0]); i++)
            run_psk_case(&psk_cases[i]);
    }
    if (prov != 0)
        SslFreeObject(prov, 0);
    X509_STORE_free(trust);
    X509_STORE_free(self_trust);
    X509_STORE_free(other_trust);
    for (int i = 0; i < N_CERTS; i++) {
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
    X509_free(ca);
    X509_free(other_ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_ca_key);
    return check_summary();
}
