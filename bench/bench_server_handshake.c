/* bench_server_handshake: server handshakes per second, the engine's server (engine/engine.h,
 * every secret behind the provider's handles, signatures through SslSignHash) against
 * libssl's own server, each answering the same in-process libssl client, in the same run
 * (issue 14); and the memory one idle connection holds on each server.
 *
 * Both servers talk through the same transport: the client's two memory BIOs, reached by our
 * tls_io callbacks and, for libssl, by a BIO method of no buffer of its own that reads and
 * writes those same memory BIOs — so neither server's figures include a transport buffer.
 *
 * One handshake is: a fresh server connection and client SSL, the handshake (the client
 * verifies the server's self-signed certificate as its own trust anchor and the host name),
 * 32 bytes each way, close_notify from both, both freed. Resumed handshakes resume the session
 * the previous connection of the same path left (a TLS 1.3 ticket, a TLS 1.2 session ID):
 * our server's cache is a ring of 64 tickets, so an always-the-same ticket would soon be gone,
 * and clients do take fresh ones. TLS 1.2 clients send no SessionTicket extension, so that
 * both servers do session-ID caching (our server does not issue RFC 5077 tickets yet). The
 * server pins the version, the suite and the group; the client offers its defaults.
 *
 * Every client call is timed, so the table also gives each server's own microseconds per
 * handshake (the total minus the client's). Rounds interleave the paths; the median counts.
 *
 * Memory: 24 connections are made and left idle after their data, the clients freed, and
 * glibc's live heap (mallinfo2 uordblks + hblkhd) measured; then the servers freed and
 * measured again. Per connection: what the idle connection holds, and what its handshake left
 * in the server context (session cache).
 *
 *   bench_server_handshake [--time SEC] [--rounds N] [--cell SUBSTR] [--paths ol] [--iters N]
 *     --time   seconds per path, cell and round (default 0.25)   --rounds (default 5)
 *     --paths  o ours, l libssl                                  --iters  a fixed count per
 *              round instead of a time (for callgrind)           --no-mem skip the memory part */
#define _GNU_SOURCE
#define BENCH_NAME "bench_server_handshake"
#include "bench_util.h"

#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include "cert.h"
#include "engine.h"
#include "sslprov_ext.h"

#define NAME "bench.test"
#define MSG 32
#define STEPS 64      /* bound on the steps of one handshake or one read */
#define MEM_CONNS 24  /* idle connections measured (2 tickets each stay within our cache) */

struct cell {
    const char *name;
    int version;
    const char *suite13, *ciphers, *group;
    uint16_t suite, group_id;
    int cert;      /* 0 ECDSA P-256, 1 RSA-2048 */
    bool resumed;
};

static const struct cell cells[] = {
    {"TLS 1.3 X25519, ECDSA P-256, full", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 29, 0, false},
    {"TLS 1.3 X25519, RSA-2048, full", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 29, 1, false},
    {"TLS 1.3 X25519, ECDSA P-256, resumed (ticket)", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0x1301, 29, 0, true},
    {"TLS 1.2 ECDHE P-256, RSA-2048, full", TLS1_2_VERSION, NULL, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0xC02F, 23, 1, false},
    {"TLS 1.2 ECDHE P-256, RSA-2048, resumed (session ID)", TLS1_2_VERSION, NULL, "ECDHE-RSA-AES128-GCM-SHA256", "P-256", 0xC02F, 23, 1, true},
};
#define N_CELLS (sizeof(cells) / sizeof(cells[0]))

enum path { P_OURS, P_LIBSSL, N_PATHS };
static const char path_keys[N_PATHS] = {'o', 'l'};

static EVP_PKEY *keys[2];
static X509 *certs[2];
static PCCERT_CONTEXT contexts[2];
static X509_STORE *stores[2];
static NCRYPT_PROV_HANDLE prov;
static SSL_CTX *cctx[2][2];     /* libssl's client: [cert][tls 1.2 (no ticket)] */
static double client_secs;      /* time inside the client's calls, this round */
static BIO_METHOD *wire_method;

/* ------------------------------------------------------------------------------------------ */
/* The client and the wire                                                                    */
/* ------------------------------------------------------------------------------------------ */

struct wire {
    SSL *cl;
    BIO *cin, *cout;            /* the client's: what the server wrote, what the client wrote */
    uint8_t got[MSG];
    size_t got_n;
};

static void client_fail(const char *what)
{
    fprintf(stderr, BENCH_NAME ": the client failed (%s)\n", what);
    die("client");
}

/* One step of the client: its handshake, then reads (tickets, data, close_notify). */
static void client_step(struct wire *w)
{
    double t0 = now();
    int rc;

    if (!SSL_is_init_finished(w->cl)) {
        rc = SSL_do_handshake(w->cl);
    } else {
        rc = SSL_read(w->cl, w->got + w->got_n, (int)(sizeof(w->got) - w->got_n));
        if (rc > 0)
            w->got_n += (size_t)rc;
    }
    if (rc <= 0 && SSL_get_error(w->cl, rc) != SSL_ERROR_WANT_READ &&
        SSL_get_error(w->cl, rc) != SSL_ERROR_ZERO_RETURN)
        client_fail("step");
    client_secs += now() - t0;
}

static void wire_new(struct wire *w, const struct cell *c, SSL_SESSION *resume)
{
    memset(w, 0, sizeof(*w));
    w->cl = SSL_new(cctx[c->cert][c->version == TLS1_2_VERSION]);
    w->cin = BIO_new(BIO_s_mem());
    w->cout = BIO_new(BIO_s_mem());
    if (w->cl == NULL || w->cin == NULL || w->cout == NULL || SSL_set1_host(w->cl, NAME) != 1 ||
        SSL_set_tlsext_host_name(w->cl, NAME) != 1 ||
        (resume != NULL && SSL_set_session(w->cl, resume) != 1))
        die("client SSL");
    BIO_set_mem_eof_return(w->cin, -1);
    BIO_set_mem_eof_return(w->cout, -1);
    SSL_set_bio(w->cl, w->cin, w->cout);
    SSL_set_connect_state(w->cl);
}

/* The client's view of a finished handshake: the suite pinned, resumed when it should be. */
static void client_check(struct wire *w, const struct cell *c, bool resumed)
{
    if (!SSL_is_init_finished(w->cl) || SSL_session_reused(w->cl) != resumed ||
        SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(w->cl)) != c->suite)
        client_fail("no handshake, another suite or no resumption");
}

static long io_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct wire *w = ctx;
    int got;

    for (unsigned i = 0; i < STEPS && BIO_pending(w->cout) == 0; i++)
        client_step(w);
    got = BIO_read(w->cout, buf, n > INT_MAX ? INT_MAX : (int)n);
    return got > 0 ? got : -1;
}

static long io_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct wire *w = ctx;

    return n <= INT_MAX && BIO_write(w->cin, buf, (int)n) == (int)n ? (long)n : -1;
}

/* libssl's server side of the same wire: a BIO with no buffer of its own. */
static int wire_bwrite(BIO *b, const char *buf, int n)
{
    struct wire *w = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    return BIO_write(w->cin, buf, n);
}

static int wire_bread(BIO *b, char *buf, int n)
{
    struct wire *w = BIO_get_data(b);
    int got;

    BIO_clear_retry_flags(b);
    got = BIO_read(w->cout, buf, n);
    if (got <= 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    return got;
}

static long wire_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int wire_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The two servers                                                                            */
/* ------------------------------------------------------------------------------------------ */

static const uint8_t request[MSG] = "the client's 32 bytes of data..";
static const uint8_t reply[MSG] = "the server's 32 bytes of reply.";

static void client_write(struct wire *w)
{
    double t0 = now();

    if (SSL_write(w->cl, request, MSG) != MSG)
        client_fail("write");
    client_secs += now() - t0;
}

static void client_read_and_close(struct wire *w)
{
    double t0;

    w->got_n = 0;
    for (unsigned i = 0; i < STEPS && w->got_n < MSG; i++)
        client_step(w);
    if (w->got_n != MSG || memcmp(w->got, reply, MSG) != 0)
        client_fail("the server's reply");
    t0 = now();
    SSL_shutdown(w->cl); /* close_notify; libssl keeps a session resumable only after it */
    client_secs += now() - t0;
}

static struct tls_server_ctx *ours_ctx(const struct cell *c)
{
    struct tls_server_cred cr = {contexts[c->cert], NULL};
    uint16_t v = c->version == TLS1_3_VERSION ? 0x0304 : 0x0303;
    char err[256];
    struct tls_server_ctx *x = tls_server_ctx_new(
        &(struct tls_server_config){.provider = prov, .min_version = v, .max_version = v,
                                    .suites = &c->suite, .n_suites = 1, .groups = &c->group_id,
                                    .n_groups = 1, .creds = &cr, .n_creds = 1},
        err, sizeof(err));

    if (x == NULL)
        die(err);
    return x;
}

static SSL_CTX *libssl_ctx(const struct cell *c, bool release_buffers)
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
    if (release_buffers)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

/* Our server through its handshake and the data, the connection left open. */
static struct tls_conn *ours_up(struct tls_server_ctx *x, struct wire *w, const struct cell *c,
                                SSL_SESSION *resume)
{
    struct tls_conn *conn;
    uint8_t back[MSG];
    size_t have = 0;
    long got;
    char err[256];

    wire_new(w, c, resume);
    conn = tls_server_accept(x, (struct tls_io){.ctx = w, .recv = io_recv, .send = io_send}, err,
                             sizeof(err));
    if (conn == NULL)
        die(err);
    if (tls_handshake(conn) != 0) {
        fprintf(stderr, BENCH_NAME ": %s: %s\n", c->name, tls_error(conn));
        exit(2);
    }
    for (unsigned i = 0; i < STEPS && !SSL_is_init_finished(w->cl); i++)
        client_step(w);
    client_check(w, c, resume != NULL);
    client_write(w);
    for (unsigned i = 0; i < STEPS && have < MSG; i++) {
        got = tls_read(conn, back + have, MSG - have);
        if (got == TLS_AGAIN)
            continue;
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    if (have != MSG || tls_write(conn, reply, MSG) != 0)
        die("ours: the data");
    client_read_and_close(w);
    return conn;
}

/* libssl's server the same way: both ends stepped in turn. */
static SSL *libssl_up(SSL_CTX *sctx, struct wire *w, const struct cell *c, SSL_SESSION *resume)
{
    SSL *srv = SSL_new(sctx);
    BIO *b = BIO_new(wire_method);
    uint8_t back[MSG];
    int rc = 0, have = 0;

    wire_new(w, c, resume);
    if (srv == NULL || b == NULL)
        die("server SSL");
    BIO_set_data(b, w);
    SSL_set_bio(srv, b, b);
    SSL_set_accept_state(srv);
    for (unsigned i = 0; i < STEPS && rc != 1; i++) {
        client_step(w);
        rc = SSL_do_handshake(srv);
        if (rc != 1 && SSL_get_error(srv, rc) != SSL_ERROR_WANT_READ)
            die("libssl server handshake");
    }
    for (unsigned i = 0; i < STEPS && !SSL_is_init_finished(w->cl); i++)
        client_step(w);
    client_check(w, c, resume != NULL);
    client_write(w);
    for (unsigned i = 0; i < STEPS && have < MSG; i++) {
        rc = SSL_read(srv, back + have, MSG - have);
        if (rc > 0)
            have += rc;
        else if (SSL_get_error(srv, rc) != SSL_ERROR_WANT_READ)
            break;
    }
    if (have != MSG || SSL_write(srv, reply, MSG) != MSG)
        die("libssl: the data");
    client_read_and_close(w);
    return srv;
}

static SSL_SESSION *take_session(struct wire *w)
{
    SSL_SESSION *s = SSL_get1_session(w->cl);

    if (s == NULL || !SSL_SESSION_is_resumable(s))
        die("no session to resume");
    return s;
}

/* One whole connection of a path; *sess: in, the session to resume (or NULL), out, the
 * session the connection leaves (when sess is not NULL). */
static void once(enum path p, const struct cell *c, struct tls_server_ctx *x, SSL_CTX *sctx,
                 SSL_SESSION **sess)
{
    struct wire w;
    SSL_SESSION *resume = sess != NULL ? *sess : NULL;

    if (p == P_OURS) {
        struct tls_conn *conn = ours_up(x, &w, c, resume);

        if (tls_close(conn) != 0)
            die("ours: close");
        tls_free(conn);
    } else {
        SSL *srv = libssl_up(sctx, &w, c, resume);

        SSL_shutdown(srv); /* close_notify; its session stays in its cache */
        SSL_free(srv);
    }
    if (sess != NULL) {
        *sess = take_session(&w);
        SSL_SESSION_free(resume);
    }
    SSL_free(w.cl);
}

/* ------------------------------------------------------------------------------------------ */
/* Timing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

struct rate {
    double hs_per_s;
    double server_us;           /* per handshake, the client's time taken out */
};

static struct rate run_path(enum path p, const struct cell *c, struct tls_server_ctx *x,
                            SSL_CTX *sctx, SSL_SESSION **sess, double secs, long iters)
{
    long n = 0;
    double t0 = now(), t = 0;

    client_secs = 0;
    while (iters > 0 ? n < iters : t < secs) {
        for (int i = 0; i < 8 && (iters <= 0 || n < iters); i++, n++)
            once(p, c, x, sctx, c->resumed ? sess : NULL);
        t = now() - t0;
    }
    return (struct rate){n / t, 1e6 * (t - client_secs) / n};
}

static int by_rate(const void *a, const void *b)
{
    double x = ((const struct rate *)a)->hs_per_s, y = ((const struct rate *)b)->hs_per_s;

    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------------------------ */
/* Memory                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static long long live_heap(void)
{
    struct mallinfo2 m = mallinfo2();

    return (long long)(m.uordblks + m.hblkhd);
}

enum mem_path { M_OURS, M_LIBSSL, M_LIBSSL_RELEASE, N_MEM };

struct mem { long long conn, cache; };

/* MEM_CONNS idle connections of a path: what each holds, and what each handshake left in the
 * server context. A fresh context, warmed by two connections first. */
static struct mem measure(enum mem_path mp, const struct cell *c)
{
    static struct wire w[MEM_CONNS];
    static struct tls_conn *ours[MEM_CONNS];
    static SSL *theirs[MEM_CONNS];
    struct tls_server_ctx *x = mp == M_OURS ? ours_ctx(c) : NULL;
    SSL_CTX *sctx = mp == M_OURS ? NULL : libssl_ctx(c, mp == M_LIBSSL_RELEASE);
    SSL_SESSION *sess = NULL;
    long long b0, b1, b2;

    for (int i = 0; i < 2; i++)
        once(mp == M_OURS ? P_OURS : P_LIBSSL, c, x, sctx, c->resumed ? &sess : NULL);
    b0 = live_heap();
    for (int i = 0; i < MEM_CONNS; i++) {
        if (mp == M_OURS)
            ours[i] = ours_up(x, &w[i], c, sess);
        else
            theirs[i] = libssl_up(sctx, &w[i], c, sess);
    }
    for (int i = 0; i < MEM_CONNS; i++)
        SSL_free(w[i].cl);
    b1 = live_heap();
    for (int i = 0; i < MEM_CONNS; i++) {
        if (mp == M_OURS) {
            tls_free(ours[i]);
        } else {
            /* as if closed cleanly: libssl drops the sessions of connections freed mid-way */
            SSL_set_shutdown(theirs[i], SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            SSL_free(theirs[i]);
        }
    }
    b2 = live_heap();
    SSL_SESSION_free(sess);
    tls_server_ctx_free(x);
    SSL_CTX_free(sctx);
    return (struct mem){(b1 - b2) / MEM_CONNS, (b2 - b0) / MEM_CONNS};
}

/* ------------------------------------------------------------------------------------------ */

/* A self-signed certificate as both servers take it: libssl the X509 and EVP_PKEY, ours a
 * CERT_CONTEXT whose key was associated (PKCS#8) for SslOpenPrivateKey. */
static void credentials(void)
{
    keys[0] = cert_keygen("P-256");
    keys[1] = cert_rsa_key(0);
    for (int i = 0; i < 2; i++) {
        uint8_t *der = NULL, *kder = NULL;
        size_t der_len = 0;
        PKCS8_PRIV_KEY_INFO *p8;
        int klen;

        if (keys[i] == NULL || (certs[i] = cert_self_signed(keys[i], NAME)) == NULL ||
            (stores[i] = X509_STORE_new()) == NULL || X509_STORE_add_cert(stores[i], certs[i]) != 1 ||
            (der = cert_der(certs[i], &der_len)) == NULL || (p8 = EVP_PKEY2PKCS8(keys[i])) == NULL)
            die("credentials");
        klen = i2d_PKCS8_PRIV_KEY_INFO(p8, &kder);
        if (klen <= 0 || SslProvCreateCertificateContext(der, (DWORD)der_len, &contexts[i]) != SEC_E_OK ||
            SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder, (DWORD)klen, 0) != SEC_E_OK)
            die("credentials for the engine");
        OPENSSL_clear_free(kder, (size_t)klen);
        OPENSSL_free(der);
        PKCS8_PRIV_KEY_INFO_free(p8);
        for (int v = 0; v < 2; v++) {
            SSL_CTX *ctx = cctx[i][v] = SSL_CTX_new(TLS_client_method());

            if (ctx == NULL || SSL_CTX_set1_verify_cert_store(ctx, stores[i]) != 1)
                die("client context");
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
            if (v == 1)
                SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        }
    }
    if ((wire_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wire")) == NULL ||
        BIO_meth_set_write(wire_method, wire_bwrite) != 1 ||
        BIO_meth_set_read(wire_method, wire_bread) != 1 ||
        BIO_meth_set_ctrl(wire_method, wire_ctrl) != 1 ||
        BIO_meth_set_create(wire_method, wire_create) != 1)
        die("BIO method");
}

int main(int argc, char **argv)
{
    double secs = 0.25;
    long iters = 0;
    int rounds = 5;
    bool mem = true;
    const char *only = NULL, *paths = "ol";
    char cpu[128];
    struct rate r[N_PATHS][16];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-mem") == 0)
            mem = false;
        else if (i + 1 >= argc)
            die("usage: bench_server_handshake [--time SEC] [--rounds N] [--cell SUBSTR] [--paths ol] [--iters N] [--no-mem]");
        else if (strcmp(argv[i], "--time") == 0)
            secs = atof(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--cell") == 0)
            only = argv[++i];
        else if (strcmp(argv[i], "--paths") == 0)
            paths = argv[++i];
        else if (strcmp(argv[i], "--iters") == 0)
            iters = atol(argv[++i]);
        else
            die("usage: bench_server_handshake [--time SEC] [--rounds N] [--cell SUBSTR] [--paths ol] [--iters N] [--no-mem]");
    }
    if (rounds < 1 || rounds > 16)
        die("--rounds: 1 to 16");
    credentials();
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK)
        die("provider");

    cpu_model(cpu, sizeof(cpu));
    printf("# bench_server_handshake: server handshakes/s against libssl's client in process (%s, %s)\n\n",
           cpu, OpenSSL_version(OPENSSL_VERSION));
    printf("median of %d rounds × %s per path; one handshake = accept + 32 B each way + close_notify "
           "both ways\n\n", rounds, iters > 0 ? "a fixed count" : "--time");
    printf("| cell | ours hs/s | libssl hs/s | ours ÷ libssl | ours server µs | libssl server µs | "
           "server-side ours ÷ libssl |\n|---|--:|--:|--:|--:|--:|--:|\n");
    for (size_t ci = 0; ci < N_CELLS; ci++) {
        const struct cell *c = &cells[ci];
        struct tls_server_ctx *x;
        SSL_CTX *sctx;
        SSL_SESSION *sess[N_PATHS] = {0};
        struct rate med[N_PATHS] = {0};

        if (only != NULL && strstr(c->name, only) == NULL)
            continue;
        x = ours_ctx(c);
        sctx = libssl_ctx(c, false);
        /* a warm-up, and the first session each resumed path resumes */
        for (int p = 0; p < N_PATHS; p++)
            if (strchr(paths, path_keys[p]) != NULL)
                once((enum path)p, c, x, sctx, c->resumed ? &sess[p] : NULL);
        for (int k = 0; k < rounds; k++)
            for (int p = 0; p < N_PATHS; p++)
                if (strchr(paths, path_keys[p]) != NULL)
                    r[p][k] = run_path((enum path)p, c, x, sctx, &sess[p], secs, iters);
        for (int p = 0; p < N_PATHS; p++)
            if (strchr(paths, path_keys[p]) != NULL) {
                qsort(r[p], (size_t)rounds, sizeof(r[p][0]), by_rate);
                med[p] = r[p][rounds / 2];
            }
        printf("| %s | %.0f | %.0f | %.2f× | %.1f | %.1f | %.2f× |\n", c->name,
               med[P_OURS].hs_per_s, med[P_LIBSSL].hs_per_s,
               med[P_LIBSSL].hs_per_s > 0 ? med[P_OURS].hs_per_s / med[P_LIBSSL].hs_per_s : 0,
               med[P_OURS].server_us, med[P_LIBSSL].server_us,
               med[P_OURS].server_us > 0 ? med[P_LIBSSL].server_us / med[P_OURS].server_us : 0);
        fflush(stdout);
        for (int p = 0; p < N_PATHS; p++)
            SSL_SESSION_free(sess[p]);
        SSL_CTX_free(sctx);
        tls_server_ctx_free(x);
    }
    if (mem) {
        printf("\nmemory per idle connection (glibc live heap, %d connections after their data, "
               "clients freed): bytes the connection holds / bytes its handshake left in the "
               "server context\n\n| cell | ours | libssl | libssl, SSL_MODE_RELEASE_BUFFERS |\n"
               "|---|--:|--:|--:|\n", MEM_CONNS);
        for (size_t ci = 0; ci < N_CELLS; ci++) {
            const struct cell *c = &cells[ci];
            struct mem m[N_MEM];

            if (only != NULL && strstr(c->name, only) == NULL)
                continue;
            for (int k = 0; k < N_MEM; k++)
                m[k] = measure((enum mem_path)k, c);
            printf("| %s | %lld / %lld | %lld / %lld | %lld / %lld |\n", c->name, m[0].conn,
                   m[0].cache, m[1].conn, m[1].cache, m[2].conn, m[2].cache);
            fflush(stdout);
        }
    }
    for (int i = 0; i < 2; i++) {
        SSL_CTX_free(cctx[i][0]);
        SSL_CTX_free(cctx[i][1]);
        X509_STORE_free(stores[i]);
        SslProvFreeCertificateContext(contexts[i]);
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
    BIO_meth_free(wire_method);
    SslFreeObject(prov, 0);
    return 0;
}
