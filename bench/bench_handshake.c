/* bench_handshake: client handshakes per second, the engine's client (engine/engine.h, every
 * secret behind the provider's handles) against libssl's own client, each talking to the same
 * in-process libssl server over a BIO pair, in the same run (issue 13).
 *
 * One handshake is: a fresh server SSL and client, the handshake (the client verifies the
 * server's self-signed certificate as its own trust anchor and the host name), 32 bytes each
 * way, the client's close_notify, both freed. Resumed handshakes resume the session of one
 * earlier connection of the same client kind (a TLS 1.3 ticket, a TLS 1.2 RFC 5077 ticket),
 * again and again. Both clients run with their default offers (every suite and group they
 * enable); the server pins the version, the suite and the group.
 *
 * Three paths per cell: ours (default suites: the engine builds its suite table from
 * SslEnumCipherSuitesEx per connection), ours with cfg.suites naming three suites (close to
 * what a table built once would cost), libssl. The time the server spends is measured apart (every call
 * on the server SSL is timed), so the table also gives the client's own microseconds per
 * handshake. Rounds interleave the paths; the median round counts.
 *
 *   bench_handshake [--time SEC] [--rounds N] [--cell SUBSTR] [--paths osl] [--iters N]
 *     --time   seconds per path, cell and round (default 0.25)   --rounds (default 5)
 *     --paths  o ours, s ours with three suites, l libssl           --iters  a fixed count per
 *              round instead of a time (for callgrind) */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_handshake"
#include "bench_util.h"

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>

#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include "cert.h"
#include "engine.h"

#define NAME "bench.test"
#define MSG 32
#define STEPS 64 /* bound on the steps of one handshake or one read */

struct cell {
    const char *name;
    int version;
    const char *suite13, *ciphers, *group;
    uint16_t suite;
    int cert;      /* 0 ECDSA P-256, 1 RSA-2048 */
    bool resumed;
};

static const struct cell cells[] = {
    {"TLS 1.3 X25519, ECDSA P-256, full", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 0, false},
    {"TLS 1.3 X25519, ECDSA P-256, resumed", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 0, true},
    {"TLS 1.3 X25519, RSA-2048, full", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 1, false},
    {"TLS 1.3 X25519, RSA-2048, resumed", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 1, true},
    {"TLS 1.2 ECDHE P-256, ECDSA P-256, full", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", "P-256", 0xC02B, 0, false},
    {"TLS 1.2 ECDHE P-256, ECDSA P-256, resumed", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", "P-256", 0xC02B, 0, true},
    {"TLS 1.2 ECDHE P-256, RSA-2048, full", TLS1_2_VERSION, NULL, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0xC02F, 1, false},
    {"TLS 1.2 ECDHE P-256, RSA-2048, resumed", TLS1_2_VERSION, NULL, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0xC02F, 1, true},
};
#define N_CELLS (sizeof(cells) / sizeof(cells[0]))

enum path { P_OURS, P_OURS3, P_LIBSSL, N_PATHS };
static const char path_keys[N_PATHS] = {'o', 's', 'l'};

static EVP_PKEY *keys[2];
static X509 *certs[2];
static X509_STORE *stores[2];
static NCRYPT_PROV_HANDLE prov;
static SSL_CTX *cctx;           /* libssl's client */
static double server_secs;      /* time inside the server's calls, this round */

/* ------------------------------------------------------------------------------------------ */
/* The server and the wire                                                                    */
/* ------------------------------------------------------------------------------------------ */

struct wire {
    SSL *srv;
    BIO *cbio;                  /* the client's end of the pair; the server owns the other */
    uint8_t got[MSG];
    size_t got_n;
};

static SSL_CTX *server_ctx(const struct cell *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, c->version) ||
        !SSL_CTX_set_max_proto_version(ctx, c->version) ||
        SSL_CTX_use_certificate(ctx, certs[c->cert]) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, keys[c->cert]) != 1 ||
        (c->suite13 != NULL && SSL_CTX_set_ciphersuites(ctx, c->suite13) != 1) ||
        (c->ciphers != NULL && SSL_CTX_set_cipher_list(ctx, c->ciphers) != 1) ||
        SSL_CTX_set1_groups_list(ctx, c->group) != 1)
        die("server context");
    return ctx;
}

static void wire_new(struct wire *w, SSL_CTX *sctx)
{
    BIO *sbio = NULL;

    memset(w, 0, sizeof(*w));
    w->srv = SSL_new(sctx);
    if (w->srv == NULL || BIO_new_bio_pair(&w->cbio, 64 * 1024, &sbio, 64 * 1024) != 1)
        die("server SSL / BIO pair");
    SSL_set_bio(w->srv, sbio, sbio);
    SSL_set_accept_state(w->srv);
}

static void wire_free(struct wire *w)
{
    SSL_free(w->srv);
    BIO_free(w->cbio);
}

/* One step of the server: its handshake, then reads (tickets go out when the handshake ends). */
static void server_step(struct wire *w)
{
    double t0 = now();
    int rc;

    if (!SSL_is_init_finished(w->srv)) {
        rc = SSL_do_handshake(w->srv);
    } else {
        rc = SSL_read(w->srv, w->got + w->got_n, (int)(sizeof(w->got) - w->got_n));
        if (rc > 0)
            w->got_n += (size_t)rc;
    }
    if (rc <= 0 && SSL_get_error(w->srv, rc) != SSL_ERROR_WANT_READ)
        die("the server failed");
    server_secs += now() - t0;
}

static void server_write(struct wire *w, const uint8_t *buf, size_t n)
{
    double t0 = now();

    if (SSL_write(w->srv, buf, (int)n) != (int)n)
        die("the server's write");
    server_secs += now() - t0;
}

/* The server reads our MSG bytes and answers with its own. */
static void server_echo(struct wire *w)
{
    static const uint8_t reply[MSG] = "the server's 32 bytes of reply.";

    for (unsigned i = 0; i < STEPS && w->got_n < MSG; i++)
        server_step(w);
    if (w->got_n != MSG)
        die("the server did not read the client's data");
    server_write(w, reply, MSG);
}

static long io_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct wire *w = ctx;
    int got;

    for (unsigned i = 0; i < STEPS && BIO_ctrl_pending(w->cbio) == 0; i++)
        server_step(w);
    got = BIO_read(w->cbio, buf, n > INT_MAX ? INT_MAX : (int)n);
    return got > 0 ? got : -1;
}

static long io_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct wire *w = ctx;

    return n <= INT_MAX && BIO_write(w->cbio, buf, (int)n) == (int)n ? (long)n : -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The two clients                                                                            */
/* ------------------------------------------------------------------------------------------ */

static const uint8_t request[MSG] = "the client's 32 bytes of data..";

/* The few suites path 's' names: one TLS 1.3 suite (so that the ClientHello still carries a
 * key share, as the default offer's and libssl's do) and the TLS 1.2 suites of the cells. */
static const uint16_t few_suites[] = {0x1301, 0xC02B, 0xC02F};

/* One connection of ours; the session it leaves when asked. */
/* Our client contexts, one per trust store and offer, made once (as an SSL_CTX is: the
 * suite table is decided there, not per connection). */
static struct tls_client_ctx *client_ctxs[2][2];

static struct tls_client_ctx *client_ctx(const struct cell *c, bool few)
{
    struct tls_client_ctx **x = &client_ctxs[c->cert][few];
    struct tls_client_config cfg = {
        .provider = prov, .server_name = NAME, .trust = stores[c->cert],
        .suites = few ? few_suites : NULL, .n_suites = sizeof(few_suites) / sizeof(few_suites[0]),
    };
    char err[256];

    if (*x == NULL && (*x = tls_client_ctx_new(&cfg, err, sizeof(err))) == NULL)
        die(err);
    return *x;
}

static void ours_once(const struct cell *c, SSL_CTX *sctx, bool few,
                      const struct tls_session *resume, struct tls_session **keep)
{
    struct wire w;
    struct tls_conn *conn;
    struct tls_info info;
    uint8_t back[MSG];
    size_t have = 0;
    long got;
    char err[256];

    wire_new(&w, sctx);
    conn = tls_client_connect(client_ctx(c, few),
                              (struct tls_io){.ctx = &w, .recv = io_recv, .send = io_send},
                              resume, err, sizeof(err));
    if (conn == NULL)
        die(err);
    if (tls_handshake(conn) != 0 || tls_write(conn, request, MSG) != 0) {
        fprintf(stderr, BENCH_NAME ": %s: %s\n", c->name, tls_error(conn));
        exit(2);
    }
    server_echo(&w);
    for (unsigned i = 0; i < STEPS && have < MSG; i++) {
        got = tls_read(conn, back + have, MSG - have);
        if (got == TLS_AGAIN)
            continue; /* a ticket or a KeyUpdate, no data yet */
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    tls_get_info(conn, &info);
    if (have != MSG || info.suite != c->suite || info.resumed != (resume != NULL) ||
        tls_close(conn) != 0)
        die("ours: a short read, another suite or no resumption");
    if (keep != NULL && (*keep = tls_get_session(conn)) == NULL)
        die("ours: no session to resume");
    tls_free(conn);
    wire_free(&w);
}

/* Both libssl ends step in turn until the client's handshake and the server's are done. */
static void libssl_once(const struct cell *c, SSL_CTX *sctx, SSL_SESSION *resume, SSL_SESSION **keep)
{
    struct wire w;
    SSL *cl = SSL_new(cctx);
    uint8_t back[MSG];
    int rc = 0, have = 0;

    wire_new(&w, sctx);
    if (cl == NULL || SSL_set1_host(cl, NAME) != 1 || SSL_set_tlsext_host_name(cl, NAME) != 1 ||
        (resume != NULL && SSL_set_session(cl, resume) != 1))
        die("libssl client");
    SSL_set_bio(cl, w.cbio, w.cbio);
    w.cbio = NULL; /* the client owns its end now */
    SSL_set_connect_state(cl);
    for (unsigned i = 0; i < STEPS && rc != 1; i++) {
        rc = SSL_do_handshake(cl);
        if (rc != 1 && SSL_get_error(cl, rc) != SSL_ERROR_WANT_READ)
            die("libssl client handshake");
        if (rc != 1)
            server_step(&w);
    }
    if (rc != 1 || SSL_write(cl, request, MSG) != MSG)
        die("libssl client: no handshake or no write");
    server_echo(&w);
    for (unsigned i = 0; i < STEPS && have < MSG; i++) {
        rc = SSL_read(cl, back + have, MSG - have);
        if (rc > 0)
            have += rc;
        else if (SSL_get_error(cl, rc) != SSL_ERROR_WANT_READ)
            break;
    }
    if (have != MSG || SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(cl)) != c->suite ||
        SSL_session_reused(cl) != (resume != NULL))
        die("libssl client: a short read, another suite or no resumption");
    /* close_notify, as ours sends; libssl also keeps a session resumable only after it */
    SSL_shutdown(cl);
    if (keep != NULL && (*keep = SSL_get1_session(cl)) == NULL)
        die("libssl: no session to resume");
    SSL_free(cl);
    wire_free(&w);
}

/* ------------------------------------------------------------------------------------------ */
/* Timing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

struct rate {
    double hs_per_s;
    double client_us;           /* per handshake, the server's time taken out */
};

static struct rate run_path(enum path p, const struct cell *c, SSL_CTX *sctx,
                            const struct tls_session *ours_sess, SSL_SESSION *libssl_sess,
                            double secs, long iters)
{
    long n = 0;
    double t0 = now(), t = 0;

    server_secs = 0;
    while (iters > 0 ? n < iters : t < secs) {
        /* batches of 8 between clock reads */
        for (int i = 0; i < 8 && (iters <= 0 || n < iters); i++, n++) {
            if (p == P_LIBSSL)
                libssl_once(c, sctx, c->resumed ? libssl_sess : NULL, NULL);
            else
                ours_once(c, sctx, p == P_OURS3, c->resumed ? ours_sess : NULL, NULL);
        }
        t = now() - t0;
    }
    return (struct rate){n / t, 1e6 * (t - server_secs) / n};
}

static int by_rate(const void *a, const void *b)
{
    double x = ((const struct rate *)a)->hs_per_s, y = ((const struct rate *)b)->hs_per_s;

    return (x > y) - (x < y);
}

static void credentials(void)
{
    keys[0] = cert_keygen("P-256");
    keys[1] = cert_rsa_key(0);
    for (int i = 0; i < 2; i++) {
        if (keys[i] == NULL || (certs[i] = cert_self_signed(keys[i], NAME)) == NULL ||
            (stores[i] = X509_STORE_new()) == NULL || X509_STORE_add_cert(stores[i], certs[i]) != 1)
            die("credentials");
    }
}

int main(int argc, char **argv)
{
    double secs = 0.25;
    long iters = 0;
    int rounds = 5;
    const char *only = NULL, *paths = "osl";
    char cpu[128];
    struct rate r[N_PATHS][16];

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--time") == 0)
            secs = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--cell") == 0)
            only = argv[i + 1];
        else if (strcmp(argv[i], "--paths") == 0)
            paths = argv[i + 1];
        else if (strcmp(argv[i], "--iters") == 0)
            iters = atol(argv[i + 1]);
        else
            die("usage: bench_handshake [--time SEC] [--rounds N] [--cell SUBSTR] [--paths osl] [--iters N]");
    }
    if (rounds < 1 || rounds > 16)
        die("--rounds: 1 to 16");
    credentials();
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK || (cctx = SSL_CTX_new(TLS_client_method())) == NULL)
        die("provider / client context");
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);

    cpu_model(cpu, sizeof(cpu));
    printf("# bench_handshake: client handshakes/s against libssl's server in process (%s, %s)\n\n",
           cpu, OpenSSL_version(OPENSSL_VERSION));
    printf("median of %d rounds × %s per path; one handshake = connect + 32 B each way + close_notify\n\n",
           rounds, iters > 0 ? "a fixed count" : "--time");
    printf("| cell | ours hs/s | ours, 3 suites hs/s | libssl hs/s | ours ÷ libssl | ours client µs | "
           "ours 3-suite client µs | libssl client µs | client-side ours ÷ libssl |\n"
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (size_t ci = 0; ci < N_CELLS; ci++) {
        const struct cell *c = &cells[ci];
        SSL_CTX *sctx;
        struct tls_session *ours_sess = NULL;
        SSL_SESSION *libssl_sess = NULL;
        struct rate med[N_PATHS] = {0};

        if (only != NULL && strstr(c->name, only) == NULL)
            continue;
        sctx = server_ctx(c);
        if (SSL_CTX_set1_verify_cert_store(cctx, stores[c->cert]) != 1)
            die("client store");
        /* the sessions every resumed handshake of the cell resumes (and a warm-up), for the
         * paths that run: a profile of one path then holds that path's calls alone */
        if (strchr(paths, 'o') != NULL || strchr(paths, 's') != NULL)
            ours_once(c, sctx, strchr(paths, 'o') == NULL, NULL, &ours_sess);
        if (strchr(paths, 'l') != NULL)
            libssl_once(c, sctx, NULL, &libssl_sess);
        for (int k = 0; k < rounds; k++)
            for (int p = 0; p < N_PATHS; p++)
                if (strchr(paths, path_keys[p]) != NULL)
                    r[p][k] = run_path((enum path)p, c, sctx, ours_sess, libssl_sess, secs, iters);
        for (int p = 0; p < N_PATHS; p++)
            if (strchr(paths, path_keys[p]) != NULL) {
                qsort(r[p], (size_t)rounds, sizeof(r[p][0]), by_rate);
                med[p] = r[p][rounds / 2];
            }
        printf("| %s | %.0f | %.0f | %.0f | %.2f× | %.1f | %.1f | %.1f | %.2f× |\n", c->name,
               med[P_OURS].hs_per_s, med[P_OURS3].hs_per_s, med[P_LIBSSL].hs_per_s,
               med[P_LIBSSL].hs_per_s > 0 ? med[P_OURS].hs_per_s / med[P_LIBSSL].hs_per_s : 0,
               med[P_OURS].client_us, med[P_OURS3].client_us, med[P_LIBSSL].client_us,
               med[P_OURS].client_us > 0 ? med[P_LIBSSL].client_us / med[P_OURS].client_us : 0);
        fflush(stdout);
        tls_session_free(ours_sess);
        SSL_SESSION_free(libssl_sess);
        SSL_CTX_free(sctx);
    }
    SSL_CTX_free(cctx);
    SslFreeObject(prov, 0);
    for (int i = 0; i < 2; i++) {
        X509_STORE_free(stores[i]);
        tls_client_ctx_free(client_ctxs[i][0]);
        tls_client_ctx_free(client_ctxs[i][1]);
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
    return 0;
}
