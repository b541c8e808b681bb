/* bench_common.h — what bench_records (TLS 1.2) and bench_records13 (TLS 1.3) share: allocation
 * counting, options, timing loops, batches of record slots, the per-cell driver and the Markdown
 * output. Only those two benches include it: it defines __wrap_malloc/calloc/realloc, which
 * bench/CMakeLists.txt links with -Wl,--wrap for exactly those two targets.
 *
 * Contract with the includer (one translation unit each, so everything here is static):
 *   - define BENCH_NAME (the program name, for messages and the title) before including;
 *   - define suites[] (with .name) and NSUITES, sizes[] and NSIZES (the record sizes of the
 *     cells) before including;
 *   - include it after its own `struct suite_ctx`, which must have the members def (->name),
 *     cctx, sctx, client, server, cbio, sbio (libssl over a BIO pair), ours_ok, ours_status,
 *     cipher, ectx and dctx (raw EVP);
 *   - define ours_enc_batch, ours_dec_batch, evp_enc_batch, evp_dec_batch, run_cell,
 *     suite_setup and suite_free (declared below); main is `return bench_main(...);`.
 */
#ifndef SSLPROV_BENCH_COMMON_H
#define SSLPROV_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "libssl_peer.h" /* peer_global_cleanup */
#include "sslprovider.h"

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_common.h"
#endif
#include "bench_util.h" /* now, die, cpu_model */

/* ==== allocation counting ===================================================================== */

static unsigned long long g_allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    g_allocs++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    g_allocs++;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    g_allocs++;
    return __real_realloc(p, n);
}

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_allocs++;
    return __real_malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_allocs++;
    return __real_realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* ==== configuration =========================================================================== */

#define ROUNDS 3
#define MAX_BATCH 1024
#define RING_BYTES (256 * 1024)
/* Record overhead per slot, generous for both: TLS 1.2 header 5 + explicit IV/nonce <= 16 +
 * MAC 32 + padding <= 16 + tag 16; TLS 1.3 header 5 + inner content type 1 + tag 16. */
#define SLOT_EXTRA 128
#define CT_APP 23

static double g_time = 0.15;
static const char *g_suite_filter;
static size_t g_size_filter;
static int g_do_ours = 1, g_do_evp = 1, g_do_ssl = 1, g_do_floor = 1;
static NCRYPT_PROV_HANDLE g_prov;
static unsigned char g_plain[16384];

/* A batch of records: slots of `slot` bytes in one buffer. */
struct batch {
    unsigned char *buf;
    size_t slot, n;
    DWORD len[MAX_BATCH];
    uint64_t seq[MAX_BATCH];
};

static void batch_init(struct batch *b, size_t size, size_t n)
{
    b->slot = (size + SLOT_EXTRA + 63) & ~(size_t)63;
    b->n = n;
    b->buf = aligned_alloc(64, b->slot * n);
    if (b->buf == NULL)
        die("out of memory");
}

static unsigned char *slot_of(struct batch *b, size_t i) { return b->buf + i * b->slot; }

/* ==== libssl records through the BIO pair ===================================================== */

/* Moves what the client wrote out of the pair into rec. */
static size_t take_client_record(struct suite_ctx *s, unsigned char *rec, size_t cap)
{
    int n = BIO_read(s->sbio, rec, (int)cap);

    if (n <= 0 || BIO_ctrl_pending(s->sbio) != 0)
        die("expected exactly one libssl record");
    return (size_t)n;
}

static int server_reads(struct suite_ctx *s, const unsigned char *rec, size_t rl,
                        const unsigned char *want, size_t wl)
{
    unsigned char got[512];
    size_t gl = 0;

    if (BIO_write(s->cbio, rec, (int)rl) != (int)rl)
        die("BIO_write");
    return SSL_read_ex(s->server, got, sizeof(got), &gl) == 1 && gl == wl
           && memcmp(got, want, wl) == 0;
}

/* ==== timed batches =========================================================================== */

struct cell {
    size_t size, nb;
    unsigned char *inner;       /* TLS 1.3 only: data ‖ 0x17, size + 1 bytes, built once */
    struct batch ring;          /* encrypt targets (ours and EVP) */
    struct batch ours_d, evp_d; /* records to decrypt */
    unsigned char *out;         /* decrypt output */
};

/* The includer's four paths, one batch of c->nb records each; 0 on failure. */
static int ours_enc_batch(struct suite_ctx *s, struct cell *c);
static int ours_dec_batch(struct suite_ctx *s, struct cell *c);
static int evp_enc_batch(struct suite_ctx *s, struct cell *c);
static int evp_dec_batch(struct suite_ctx *s, struct cell *c);

typedef int (*batch_fn)(struct suite_ctx *, struct cell *);

/* Optional, set by an includer that has one: the floor, i.e. OpenSSL's TLS-mode cipher call
 * alone, the one call per record that ours and libssl both make (AAD parameter + EVP_Cipher),
 * with nothing around it. g_floor_has says for which suites. A target of "n× libssl" is out
 * of reach whatever the API does when the floor itself is below n× libssl. */
static batch_fn g_floor_enc, g_floor_dec;
static int (*g_floor_has)(const struct suite_ctx *s);

struct result {
    double best_rps;               /* records/s, best round */
    unsigned long long recs, allocs; /* over all timed rounds */
    int ok;
};

static void timed(struct suite_ctx *s, struct cell *c, batch_fn fn, struct result *r)
{
    double t0 = now(), t;
    unsigned long long recs = 0, a0 = g_allocs;

    do {
        if (!fn(s, c)) {
            r->ok = 0;
            return;
        }
        recs += c->nb;
        t = now() - t0;
    } while (t < g_time);
    r->allocs += g_allocs - a0;
    r->recs += recs;
    if (recs / t > r->best_rps)
        r->best_rps = recs / t;
}

/* libssl: SSL_write a batch (timed), then SSL_read it (timed), until --time of both. */
static void timed_libssl(struct suite_ctx *s, struct cell *c, struct result *w, struct result *rd)
{
    double tw = 0, tr = 0, t;
    unsigned long long recs = 0, aw = 0, ar = 0, a;
    size_t n;

    do {
        t = now();
        a = g_allocs;
        for (size_t i = 0; i < c->nb; i++)
            if (!SSL_write_ex(s->client, g_plain, c->size, &n) || n != c->size) {
                w->ok = rd->ok = 0;
                return;
            }
        tw += now() - t;
        aw += g_allocs - a;
        t = now();
        a = g_allocs;
        for (size_t i = 0; i < c->nb; i++)
            if (!SSL_read_ex(s->server, c->out, c->size, &n) || n != c->size) {
                w->ok = rd->ok = 0;
                return;
            }
        tr += now() - t;
        ar += g_allocs - a;
        recs += c->nb;
    } while (tw + tr < 2 * g_time);
    w->recs += recs;
    rd->recs += recs;
    w->allocs += aw;
    rd->allocs += ar;
    if (recs / tw > w->best_rps)
        w->best_rps = recs / tw;
    if (recs / tr > rd->best_rps)
        rd->best_rps = recs / tr;
}

/* ==== one (suite, size) cell ================================================================== */

enum { P_OURS_E, P_OURS_D, P_EVP_E, P_EVP_D, P_SSL_E, P_SSL_D, P_FLOOR_E, P_FLOOR_D, NPATHS };

struct row {
    const char *suite;
    size_t size;
    struct result r[NPATHS];
    int floor;   /* the floor was measured */
    int ours_ok;
    SECURITY_STATUS ours_status;
};


/* The cell's buffers and its row, before the includer encrypts the records to decrypt. */
static void cell_init(struct suite_ctx *s, size_t size, struct row *row, struct cell *c)
{
    size_t nb = RING_BYTES / size;

    memset(c, 0, sizeof(*c));
    memset(row, 0, sizeof(*row));
    row->suite = s->def->name;
    row->size = size;
    for (int p = 0; p < NPATHS; p++)
        row->r[p].ok = 1;
    c->size = size;
    c->nb = nb < 16 ? 16 : nb > MAX_BATCH ? MAX_BATCH : nb;
    batch_init(&c->ring, size, c->nb);
    batch_init(&c->ours_d, size, c->nb);
    batch_init(&c->evp_d, size, c->nb);
    c->out = aligned_alloc(64, c->ring.slot);
    if (c->out == NULL)
        die("out of memory");
}

/* Warm-up of raw EVP and libssl, the timed rounds, the row's status; frees the cell. */
static void cell_run(struct suite_ctx *s, struct cell *c, struct row *row)
{
    size_t size = c->size;

    if (g_do_evp && !(evp_enc_batch(s, c) && evp_dec_batch(s, c)))
        die("raw EVP warm-up");
    row->floor = g_do_floor && g_floor_has != NULL && g_floor_has(s);
    if (row->floor && !(g_floor_enc(s, c) && g_floor_dec(s, c)))
        die("floor warm-up");
    if (g_do_ssl) {
        struct result w = {0, 0, 0, 1}, r = {0, 0, 0, 1};
        double keep = g_time;

        g_time = 0; /* one batch */
        timed_libssl(s, c, &w, &r);
        g_time = keep;
        if (!w.ok)
            die("libssl warm-up");
    }

    for (int round = 0; round < ROUNDS; round++) {
        if (g_do_ours && s->ours_ok == 1) {
            timed(s, c, ours_enc_batch, &row->r[P_OURS_E]);
            timed(s, c, ours_dec_batch, &row->r[P_OURS_D]);
            if (!row->r[P_OURS_E].ok || !row->r[P_OURS_D].ok) {
                fprintf(stderr, "%s/%zu: our path failed mid-run (0x%08X)\n", s->def->name, size,
                        (unsigned)s->ours_status);
                s->ours_ok = -1;
            }
        }
        if (g_do_evp) {
            timed(s, c, evp_enc_batch, &row->r[P_EVP_E]);
            timed(s, c, evp_dec_batch, &row->r[P_EVP_D]);
        }
        if (g_do_ssl) {
            timed_libssl(s, c, &row->r[P_SSL_E], &row->r[P_SSL_D]);
            if (!row->r[P_SSL_E].ok)
                die("libssl failed mid-run");
        }
        if (row->floor) {
            timed(s, c, g_floor_enc, &row->r[P_FLOOR_E]);
            timed(s, c, g_floor_dec, &row->r[P_FLOOR_D]);
            if (!row->r[P_FLOOR_E].ok || !row->r[P_FLOOR_D].ok)
                die("floor failed mid-run");
        }
    }
    row->ours_ok = s->ours_ok;
    row->ours_status = s->ours_status;
    free(c->ring.buf);
    free(c->ours_d.buf);
    free(c->evp_d.buf);
    free(c->out);
    free(c->inner);
}

/* ==== per suite =============================================================================== */

/* The includer's cell: records to decrypt prepared, then cell_init ... cell_run. */
static void run_cell(struct suite_ctx *s, size_t size, struct row *row);

/* After a suite's setup and cross-checks: says when ours is left out, then runs the cells of the
 * includer's sizes[] that --size keeps, one row each. */
static void run_suite_cells(struct suite_ctx *s, struct row *rows, size_t *nrows)
{
    if (s->ours_ok != 1)
        fprintf(stderr, "%s: our record path is %s (status 0x%08X): ours is left out\n",
                s->def->name, s->ours_ok == 0 ? "not implemented yet" : "WRONG",
                (unsigned)s->ours_status);
    for (size_t j = 0; j < NSIZES; j++) {
        if (g_size_filter != 0 && sizes[j] != g_size_filter)
            continue;
        run_cell(s, sizes[j], &rows[(*nrows)++]);
    }
}

/* ==== output ================================================================================== */

static void fmt_rate(char *buf, size_t n, const struct result *r, int have)
{
    if (!have || !r->ok || r->best_rps <= 0)
        snprintf(buf, n, "—");
    else if (r->best_rps >= 1e6)
        snprintf(buf, n, "%.2fM", r->best_rps / 1e6);
    else
        snprintf(buf, n, "%.0fk", r->best_rps / 1e3);
}

static void fmt_mbs(char *buf, size_t n, const struct result *r, int have, size_t size)
{
    if (!have || !r->ok || r->best_rps <= 0)
        snprintf(buf, n, "—");
    else
        snprintf(buf, n, "%.0f", r->best_rps * (double)size / 1e6);
}

static void fmt_ratio(char *buf, size_t n, const struct result *a, const struct result *b,
                      int have)
{
    if (!have || !a->ok || !b->ok || a->best_rps <= 0 || b->best_rps <= 0)
        snprintf(buf, n, "—");
    else
        snprintf(buf, n, "%.2f×", a->best_rps / b->best_rps);
}

static void fmt_allocs(char *buf, size_t n, const struct result *r, int have)
{
    if (!have || r->recs == 0)
        snprintf(buf, n, "—");
    else if (r->allocs == 0)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%.3f", (double)r->allocs / (double)r->recs);
}

static void print_table(const struct row *rows, size_t nrows, int dec)
{
    int o = dec ? P_OURS_D : P_OURS_E, e = dec ? P_EVP_D : P_EVP_E, l = dec ? P_SSL_D : P_SSL_E;

    printf("\n%s\n\n", dec ? "Decrypt (SslDecryptPacket / raw EVP / SSL_read)"
                           : "Encrypt (SslEncryptPacket / raw EVP / SSL_write)");
    printf("| suite | size | ours rec/s | ours MB/s | EVP rec/s | EVP MB/s | ours/EVP "
           "| libssl rec/s | libssl MB/s | ours/libssl | allocs/rec ours·EVP·libssl |\n");
    printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (size_t i = 0; i < nrows; i++) {
        const struct row *w = &rows[i];
        int ho = w->ours_ok == 1 && g_do_ours;
        char a[16], b[16], c[16], d[16], f[16], g[16], h[16], k[16], x[16], y[16], z[16];

        fmt_rate(a, sizeof(a), &w->r[o], ho);
        fmt_mbs(b, sizeof(b), &w->r[o], ho, w->size);
        fmt_rate(c, sizeof(c), &w->r[e], g_do_evp);
        fmt_mbs(d, sizeof(d), &w->r[e], g_do_evp, w->size);
        fmt_ratio(f, sizeof(f), &w->r[o], &w->r[e], ho && g_do_evp);
        fmt_rate(g, sizeof(g), &w->r[l], g_do_ssl);
        fmt_mbs(h, sizeof(h), &w->r[l], g_do_ssl, w->size);
        fmt_ratio(k, sizeof(k), &w->r[o], &w->r[l], ho && g_do_ssl);
        fmt_allocs(x, sizeof(x), &w->r[o], ho);
        fmt_allocs(y, sizeof(y), &w->r[e], g_do_evp);
        fmt_allocs(z, sizeof(z), &w->r[l], g_do_ssl);
        printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s · %s · %s |\n", w->suite,
               w->size, a, b, c, d, f, g, h, k, x, y, z);
    }
}

/* title: the section heading; evp_target: the label of the raw EVP target. The raw EVP target
 * is evaluated at 16 KiB for the AEADs only (no CBC suite name), as in issue 4. */
static void print_targets(const struct row *rows, size_t nrows, const char *title,
                          const char *evp_target)
{
    int any = 0, miss_evp = 0, miss_ssl = 0, miss_alloc = 0, n_evp = 0, n_ssl = 0, n_alloc = 0;

    printf("\n%s\n\n", title);
    for (size_t i = 0; i < nrows; i++) {
        const struct row *w = &rows[i];

        if (w->ours_ok != 1 || !g_do_ours)
            continue;
        any = 1;
        for (int dec = 0; dec <= 1; dec++) {
            const struct result *o = &w->r[dec ? P_OURS_D : P_OURS_E];
            const struct result *e = &w->r[dec ? P_EVP_D : P_EVP_E];
            const struct result *l = &w->r[dec ? P_SSL_D : P_SSL_E];
            const char *dir = dec ? "decrypt" : "encrypt";

            if (g_do_evp && w->size == 16384 && strstr(w->suite, "CBC") == NULL) {
                double q = o->best_rps / e->best_rps;

                n_evp++;
                if (q < 0.97) {
                    miss_evp++;
                    printf("- MISSED ≥ 0.97× raw EVP: %s %zu %s: %.3f×\n", w->suite, w->size, dir,
                           q);
                }
            }
            if (g_do_ssl && w->size <= 256) {
                double q = o->best_rps / l->best_rps;

                n_ssl++;
                if (q < 1.5) {
                    const struct result *f = &w->r[dec ? P_FLOOR_D : P_FLOOR_E];

                    miss_ssl++;
                    printf("- MISSED ≥ 1.5× libssl: %s %zu %s: %.2f×", w->suite, w->size, dir, q);
                    if (w->floor && f->best_rps < 1.5 * l->best_rps)
                        printf(" — out of reach: OpenSSL's cipher call alone is %.2f× libssl",
                               f->best_rps / l->best_rps);
                    else if (w->floor)
                        printf(" (OpenSSL's cipher call alone: %.2f× libssl)",
                               f->best_rps / l->best_rps);
                    printf("\n");
                }
            }
            n_alloc++;
            if (o->allocs != 0) {
                miss_alloc++;
                printf("- MISSED zero allocations: %s %zu %s: %llu in %llu records\n", w->suite,
                       w->size, dir, o->allocs, o->recs);
            }
        }
    }
    if (!any) {
        printf("- our record path is not available yet: no target evaluated\n");
        return;
    }
    printf("- %s: %s (%d of %d cells)\n", evp_target,
           n_evp == 0 ? "not measured" : miss_evp ? "MISSED" : "met", n_evp - miss_evp, n_evp);
    printf("- ≥ 1.5× libssl records/s at 64–256 B: %s (%d of %d cells)\n",
           n_ssl == 0 ? "not measured" : miss_ssl ? "MISSED" : "met", n_ssl - miss_ssl, n_ssl);
    printf("- zero allocations per record: %s (%d of %d cells)\n", miss_alloc ? "MISSED" : "met",
           n_alloc - miss_alloc, n_alloc);
}

/* The floor next to ours and libssl, for the rows that have it. */
static void print_floor(const struct row *rows, size_t nrows)
{
    int any = 0;

    for (size_t i = 0; i < nrows; i++)
        any |= rows[i].floor;
    if (!any || !g_do_ssl)
        return;
    printf("\nFloor: OpenSSL's TLS-mode cipher call alone (AAD parameter + EVP_Cipher, the call "
           "ours and libssl make per record)\n\n");
    printf("| suite | size | direction | floor rec/s | ours/floor | floor/libssl | ours/libssl |\n");
    printf("|---|--:|---|--:|--:|--:|--:|\n");
    for (size_t i = 0; i < nrows; i++) {
        const struct row *w = &rows[i];
        int ho = w->ours_ok == 1 && g_do_ours;

        if (!w->floor)
            continue;
        for (int dec = 0; dec <= 1; dec++) {
            const struct result *f = &w->r[dec ? P_FLOOR_D : P_FLOOR_E];
            const struct result *o = &w->r[dec ? P_OURS_D : P_OURS_E];
            const struct result *l = &w->r[dec ? P_SSL_D : P_SSL_E];
            char a[16], b[16], c[16], d[16];

            fmt_rate(a, sizeof(a), f, 1);
            fmt_ratio(b, sizeof(b), o, f, ho);
            fmt_ratio(c, sizeof(c), f, l, 1);
            fmt_ratio(d, sizeof(d), o, l, ho);
            printf("| %s | %zu | %s | %s | %s | %s | %s |\n", w->suite, w->size,
                   dec ? "decrypt" : "encrypt", a, b, c, d);
        }
    }
}

static void print_header(const char *title, const char *unit)
{
    char model[128];

    cpu_model(model, sizeof(model));
    printf("# " BENCH_NAME ": %s\n\n", title);
    printf("%s; %s; best of %d rounds × %.2f s per cell; single thread; rec/s and MB/s of "
           "%s; %ld CPUs online\n",
           model, OpenSSL_version(OPENSSL_VERSION), ROUNDS, g_time, unit,
           sysconf(_SC_NPROCESSORS_ONLN));
}

static void usage(void)
{
    fprintf(stderr, "usage: " BENCH_NAME " [--time SEC] [--suite SUBSTR] [--size N] "
                    "[--paths oelf]\n");
    exit(2);
}

/* The includer's suite: set up (libssl handshake, our keys, raw EVP's) and cross-checked; freed. */
static void suite_setup(struct suite_ctx *s);
static void suite_free(struct suite_ctx *s);

/* What both suite_free's release after their own key handles: libssl and the EVP cipher. */
static void suite_free_ssl_evp(struct suite_ctx *s)
{
    SSL_free(s->client);
    SSL_free(s->server);
    SSL_CTX_free(s->cctx);
    SSL_CTX_free(s->sctx);
    EVP_CIPHER_CTX_free(s->ectx);
    EVP_CIPHER_CTX_free(s->dctx);
    EVP_CIPHER_free(s->cipher);
}

/* The whole program: allocation counting, options, the plaintext, the provider, the header (title
 * and the unit of the rates); every suite of the includer's suites[] that --suite keeps; both
 * tables, the targets (targets_title, the raw EVP target's label evp_target), the run time. */
static int bench_main(int argc, char **argv, const char *title, const char *unit,
                      const char *targets_title, const char *evp_target)
{
    struct row rows[NSUITES * NSIZES];
    size_t nrows = 0;
    double t0;

    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
        die("CRYPTO_set_mem_functions: too late");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
            g_time = atof(argv[++i]);
        } else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
            g_suite_filter = argv[++i];
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            g_size_filter = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--paths") == 0 && i + 1 < argc) {
            const char *p = argv[++i];

            g_do_ours = strchr(p, 'o') != NULL;
            g_do_evp = strchr(p, 'e') != NULL;
            g_do_ssl = strchr(p, 'l') != NULL;
            g_do_floor = strchr(p, 'f') != NULL;
        } else {
            usage();
        }
    }
    if (g_time < 0 || g_time > 10)
        usage();
    if (RAND_bytes(g_plain, sizeof(g_plain)) != 1)
        die("RAND_bytes");
    if (SslOpenProvider(&g_prov, NULL, 0) != SEC_E_OK)
        die("SslOpenProvider");
    print_header(title, unit);
    t0 = now();

    for (size_t i = 0; i < NSUITES; i++) {
        struct suite_ctx s;

        if (g_suite_filter != NULL && strstr(suites[i].name, g_suite_filter) == NULL)
            continue;
        memset(&s, 0, sizeof(s));
        s.def = &suites[i];
        suite_setup(&s);
        run_suite_cells(&s, rows, &nrows);
        suite_free(&s);
    }

    print_table(rows, nrows, 0);
    print_table(rows, nrows, 1);
    print_floor(rows, nrows);
    print_targets(rows, nrows, targets_title, evp_target);
    printf("\n(run time %.1f s)\n", now() - t0);
    SslFreeObject(g_prov, 0);
    peer_global_cleanup();
    return 0;
}

#endif /* SSLPROV_BENCH_COMMON_H */
