/* bench_threads — thread scaling of the API (issue 11), run by `make bench`, never by tests.
 *
 * Every cell runs one kind of op on 1, 2, ... N threads at once (N = CPUs online, or
 * --threads). Each thread has state of its own: its keys, and in the cells that say so its own
 * provider handle (own OpenSSL library context: backend_open). What keeps N threads from doing
 * N times the work of one is what they share: the provider handle and its library context,
 * the handle table's global mutex and live counter (src/core/handles.c), the machine.
 *   records    SslEncryptPacket, AES-128-GCM, 1 KiB and 16 KiB of data. TLS 1.2 (0xC02F) keys
 *              are made as bench_records makes them ('ssl5' master-secret blob imported per
 *              side, SslGenerateSessionKeys), TLS 1.3 (0x1301) keys as bench_records13 does
 *              ('ssl3' traffic-secret blob, stage 4, SslExpandWriteKey) and its input is
 *              data ‖ 0x17. Each with (a) one provider handle shared by all threads and (b) a
 *              provider handle per thread. The secrets are random, not libssl's: each
 *              thread's write key is checked once by a round trip through its read key;
 *   schedules  one per op, on the thread's own provider handle, every handle freed: TLS 1.2
 *              ECDHE (client: X25519 ephemeral key, the server's share imported,
 *              SslGenerateMasterKey, SslGenerateSessionKeys); TLS 1.2 from an imported master
 *              secret (no key exchange: the PRF and the handles alone); the TLS 1.3 schedule of
 *              bench_schedule13 (psk_ke, zero IKM: no (EC)DH);
 *   handles    creation and free only: SslOpenProvider + SslFreeObject; a 32-byte PSK imported
 *              and freed (shared / own provider); a bare handle (tests/fake.h: handle_create of
 *              a 48-byte object, then SslFreeObject) on the thread's own provider; and, as
 *              references without sslprov, what the table shares per create + free, apart:
 *              one global mutex taken twice, one global counter moved up and down.
 *
 * Timing: CLOCK_MONOTONIC. A round starts N threads, thread i pinned to CPU i (--no-pin: left
 * to the scheduler); each sets up, runs one warm-up batch, waits at a barrier, then runs
 * batches until the main thread, asleep for --time seconds (default 0.15), raises the stop
 * flag. A thread's rate is its ops over its own interval, the round's the sum over the
 * threads. Each thread also reads its CPU time (CLOCK_THREAD_CPUTIME_ID): the round's cores
 * (CPU time over interval, summed) say how much of the machine the threads really had, and
 * its ops per CPU second what an op costs while the others run, whatever that share was: on
 * a shared machine the second is the one that shows contention. Rounds (--rounds, default 5)
 * interleave the thread counts (1, 2, ..., N, 1, 2, ...), so a change of load elsewhere hits
 * every count alike; each value printed is the median of its rounds. Every status is checked,
 * and every record's length: a failure aborts the bench naming the call and the status. After
 * each round the number of live handles must be what it was before. Measured, never asserted.
 *
 * Usage: bench_threads [--time SEC] [--rounds N] [--threads N] [--cell SUBSTR] [--no-pin]
 *   Output is Markdown.
 */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "fake.h"    /* fake_new: a bare object in the real handle table (tests/) */
#include "handles.h" /* handle_live_count */
#include "sslprovider.h"

#define BENCH_NAME "bench_threads"
#include "bench_util.h" /* now, die, cpu_model */

/* ==== configuration ========================================================================= */

#define MAX_THREADS 32
#define MAX_ROUNDS 21
#define RING_BYTES (256 * 1024)
#define SLOT_EXTRA 64  /* header 5 + explicit nonce 8 (1.2) or inner type 1 (1.3) + tag 16 */
#define HANDLE_BATCH 64
#define STAGE_TRAFFIC 4 /* OpaqueKeyBlob stage of a traffic secret (conventions.md §7) */

static const DWORD P12 = TLS1_2_PROTOCOL_VERSION, S12 = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
static const DWORD P13 = TLS1_3_PROTOCOL_VERSION, S13 = TLS_AES_128_GCM_SHA256;

static double g_time = 0.15;
static int g_rounds = 5, g_max_threads, g_pin = 1;
static const char *g_cell_filter;
static NCRYPT_PROV_HANDLE g_prov; /* the provider handle of the "shared provider" cells */
static unsigned char g_plain[16384];
static BYTE g_msg[512]; /* the TLS 1.3 transcript's stand-in, as bench_schedule13's */

static atomic_int g_stop;
static pthread_barrier_t g_ready;

/* ==== per thread ============================================================================ */

struct cell_def;

struct worker {
    const struct cell_def *def;
    int index;
    pthread_t tid;
    NCRYPT_PROV_HANDLE prov; /* g_prov, or the thread's own */
    /* records */
    NCRYPT_KEY_HANDLE key;   /* the write key */
    uint64_t seq;            /* its next SequenceNumber */
    unsigned char *in;       /* what SslEncryptPacket gets: data (1.2), data ‖ 0x17 (1.3) */
    size_t in_len;
    unsigned char *ring;     /* nslots output slots of slot bytes */
    size_t slot, nslots;
    DWORD rec_len;           /* every record's length, from the round trip */
    /* TLS 1.2 secrets and the server's X25519 share */
    BYTE ms[48], cr[32], sr[32], share[64];
    DWORD share_len;
    /* the timed interval */
    unsigned long long ops;
    double wall, cpu;        /* seconds: elapsed, and this thread's CPU time */
};

struct cell_def {
    int group;                           /* index in groups[] */
    const char *name;
    int own_prov;                        /* each thread opens a provider handle of its own */
    size_t size;                         /* records: bytes of data */
    void (*setup)(struct worker *w);     /* NULL: nothing to set up */
    size_t (*batch)(struct worker *w);   /* some ops, each checked; returns how many */
    void (*teardown)(struct worker *w);  /* NULL: nothing to free */
};

/* A failed call inside a thread: the message, then _exit, not exit: the other threads are
 * still inside OpenSSL, whose atexit cleanup would pull their state away under them. */
static void fail(const struct worker *w, const char *what, SECURITY_STATUS st)
{
    fprintf(stderr, BENCH_NAME ": %s, thread %d: %s (status 0x%08X)\n", w->def->name, w->index,
            what, (unsigned)st);
    ERR_print_errors_fp(stderr);
    fflush(NULL);
    _exit(2);
}

#define CALL(w, call)                                                                          \
    do {                                                                                       \
        SECURITY_STATUS st_ = (call);                                                          \
        if (st_ != SEC_E_OK)                                                                   \
            fail((w), #call, st_);                                                             \
    } while (0)

static void free_handles(const struct worker *w, const NCRYPT_HANDLE *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CALL(w, SslFreeObject(h[i], 0));
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static void random_bytes(const struct worker *w, unsigned char *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1)
        fail(w, "RAND_bytes", 0);
}

/* The master secret as an 'ssl5' OpaqueKeyBlob, as bench_records imports libssl's. */
static NCRYPT_KEY_HANDLE import_master(const struct worker *w, DWORD client)
{
    BYTE blob[80] = {80, 0, 0, 0, '5', 'l', 's', 's'};
    NCRYPT_KEY_HANDLE h = 0;

    memcpy(blob + 8, &P12, 4);
    memcpy(blob + 12, &S12, 4);
    memcpy(blob + 16, &client, 4);
    memcpy(blob + 0x1C, w->ms, 48);
    CALL(w, SslImportKey(w->prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), 0));
    OPENSSL_cleanse(blob, sizeof(blob));
    return h;
}

/* ==== records ================================================================================ */

/* The input and the output ring (at most 256 KiB, at least 16 slots, as bench_common's). */
static void ring_init(struct worker *w, size_t in_len)
{
    size_t n = RING_BYTES / w->def->size;

    w->in_len = in_len;
    w->in = malloc(in_len);
    w->slot = (in_len + SLOT_EXTRA + 63) & ~(size_t)63;
    w->nslots = n < 16 ? 16 : n;
    w->ring = aligned_alloc(64, w->slot * w->nslots);
    if (w->in == NULL || w->ring == NULL)
        fail(w, "out of memory", 0);
    memcpy(w->in, g_plain, w->def->size);
    if (in_len > w->def->size)
        w->in[w->def->size] = CT_APPLICATIONDATA; /* TLSInnerPlaintext: data ‖ type */
}

/* The write key encrypts at seq, rd decrypts: the input must come back. Fixes the length every
 * record of the cell must have. */
static void round_trip(struct worker *w, NCRYPT_KEY_HANDLE rd, uint64_t seq)
{
    unsigned char *rec = w->ring, *out = w->ring + w->slot;
    DWORD cb = 0, ol = 0;

    CALL(w, SslEncryptPacket(w->prov, w->key, w->in, (DWORD)w->in_len, rec, (DWORD)w->slot, &cb,
                             seq, CT_APPLICATIONDATA, 0));
    CALL(w, SslDecryptPacket(w->prov, rd, rec, cb, out, (DWORD)w->slot, &ol, seq, 0));
    if (ol != w->in_len || memcmp(out, w->in, ol) != 0)
        fail(w, "round trip: the read key does not give the write key's input back", 0);
    w->rec_len = cb;
    w->seq = seq + 1;
}

static void rec12_setup(struct worker *w)
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, w->cr},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, w->sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE mk_c, mk_s, c_rd = 0, s_rd = 0, s_wr = 0;

    random_bytes(w, w->ms, sizeof(w->ms));
    random_bytes(w, w->cr, sizeof(w->cr));
    random_bytes(w, w->sr, sizeof(w->sr));
    ring_init(w, w->def->size);
    mk_c = import_master(w, 1);
    mk_s = import_master(w, 0);
    CALL(w, SslGenerateSessionKeys(w->prov, mk_c, &c_rd, &w->key, &d, 0));
    CALL(w, SslGenerateSessionKeys(w->prov, mk_s, &s_rd, &s_wr, &d, 0));
    round_trip(w, s_rd, 0);
    free_handles(w, (NCRYPT_HANDLE[]){mk_c, mk_s, c_rd, s_rd, s_wr}, 5);
}

/* A random CLIENT_TRAFFIC_SECRET_0 as an 'ssl3' OpaqueKeyBlob (bench_records13's layout: 80-byte
 * header, KDBM {magic, 1, length}, the secret); two write keys of it, one to encrypt, one to
 * read the round trip back. */
static void rec13_setup(struct worker *w)
{
    BYTE blob[80 + 12 + 32] = {0};
    NCRYPT_KEY_HANDLE secret = 0, rd = 0;

    put_le32(blob, sizeof(blob));
    put_le32(blob + 0x04, 0x73736C33); /* 'ssl3' */
    put_le32(blob + 0x08, P13);
    put_le32(blob + 0x0C, S13);
    put_le32(blob + 0x14, 12 + 32);
    put_le32(blob + 0x4C, STAGE_TRAFFIC);
    put_le32(blob + 80, 0x4D42444B);
    put_le32(blob + 84, 1);
    put_le32(blob + 88, 32);
    random_bytes(w, blob + 92, 32);
    ring_init(w, w->def->size + 1);
    CALL(w, SslImportKey(w->prov, &secret, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), 0));
    OPENSSL_cleanse(blob, sizeof(blob));
    CALL(w, SslExpandWriteKey(w->prov, secret, &w->key, NULL, 0));
    CALL(w, SslExpandWriteKey(w->prov, secret, &rd, NULL, 0));
    round_trip(w, rd, 0);
    free_handles(w, (NCRYPT_HANDLE[]){secret, rd}, 2);
}

/* One op = one record, the ring filled once per batch. */
static size_t rec_batch(struct worker *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        DWORD cb = 0;

        CALL(w, SslEncryptPacket(w->prov, w->key, w->in, (DWORD)w->in_len, w->ring + i * w->slot,
                                 (DWORD)w->slot, &cb, w->seq++, CT_APPLICATIONDATA, 0));
        if (cb != w->rec_len)
            fail(w, "SslEncryptPacket: a record of another length than the first", 0);
    }
    return w->nslots;
}

static void rec_teardown(struct worker *w)
{
    CALL(w, SslFreeObject(w->key, 0));
    free(w->in);
    free(w->ring);
}

/* ==== key schedules ========================================================================== */

/* The server's X25519 share, made once: the client's side is the op. */
static void sched12_setup(struct worker *w)
{
    NCRYPT_KEY_HANDLE server = 0;

    random_bytes(w, w->ms, sizeof(w->ms));
    random_bytes(w, w->cr, sizeof(w->cr));
    random_bytes(w, w->sr, sizeof(w->sr));
    CALL(w, SslCreateEphemeralKey(w->prov, &server, P12, S12, TLS_ECC_X25519_CURVE_KEY_TYPE, 0,
                                  NULL, 0, 0));
    CALL(w, SslExportKey(w->prov, server, SSL_ECCPUBLIC_BLOB, w->share, sizeof(w->share),
                         &w->share_len, 0));
    CALL(w, SslFreeObject(server, 0));
}

/* The client's TLS 1.2 ECDHE key schedule, as examples/demo.c runs it. */
static size_t sched12_ecdhe(struct worker *w)
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, w->cr},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, w->sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE eph = 0, peer = 0, mk = 0, rd = 0, wr = 0;

    CALL(w, SslCreateEphemeralKey(w->prov, &eph, P12, S12, TLS_ECC_X25519_CURVE_KEY_TYPE, 0, NULL,
                                  0, 0));
    CALL(w, SslImportKey(w->prov, &peer, SSL_ECCPUBLIC_BLOB, w->share, w->share_len, 0));
    CALL(w, SslGenerateMasterKey(w->prov, eph, peer, &mk, P12, S12, &d, NULL, 0, NULL,
                                 NCRYPT_SSL_CLIENT_FLAG));
    CALL(w, SslGenerateSessionKeys(w->prov, mk, &rd, &wr, &d, 0));
    free_handles(w, (NCRYPT_HANDLE[]){wr, rd, mk, peer, eph}, 5);
    return 1;
}

static size_t sched12_imported(struct worker *w)
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, w->cr},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, w->sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE mk = import_master(w, 1), rd = 0, wr = 0;

    CALL(w, SslGenerateSessionKeys(w->prov, mk, &rd, &wr, &d, 0));
    free_handles(w, (NCRYPT_HANDLE[]){wr, rd, mk}, 3);
    return 1;
}

/* bench_schedule13's `ours`: one handshake's whole TLS 1.3 schedule, every status checked. */
static size_t sched13(struct worker *w)
{
    NCRYPT_PROV_HANDLE p = w->prov;
    NCRYPT_KEY_HANDLE early = 0, hs = 0, chs = 0, shs = 0, master = 0, cap = 0, sap = 0, exp = 0,
                      res = 0, wk[4] = {0};
    NCRYPT_HASH_HANDLE h = 0;
    BYTE fin[32];

    CALL(w, SslCreateHandshakeHash(p, &h, P13, S13, 0));
    CALL(w, SslHashHandshake(p, h, g_msg, 200, 0));
    CALL(w, SslExtractEarlyKey(p, 0, &early, P13, S13, NULL, 0));
    CALL(w, SslExtractHandshakeKey(p, 0, 0, early, &hs, NULL, 0));
    CALL(w, SslExpandTrafficKeys(p, hs, h, &chs, &shs, NULL, 0));
    CALL(w, SslExpandWriteKey(p, chs, &wk[0], NULL, 0));
    CALL(w, SslExpandWriteKey(p, shs, &wk[1], NULL, 0));
    CALL(w, SslHashHandshake(p, h, g_msg + 200, 200, 0));
    CALL(w, SslComputeFinishedHash(p, shs, h, fin, 32, 0));
    CALL(w, SslExtractMasterKey(p, hs, &master, NULL, 0));
    CALL(w, SslExpandTrafficKeys(p, master, h, &cap, &sap, NULL, 0));
    CALL(w, SslExpandExporterMasterKey(p, master, h, &exp, NULL, 0));
    CALL(w, SslExpandWriteKey(p, cap, &wk[2], NULL, 0));
    CALL(w, SslExpandWriteKey(p, sap, &wk[3], NULL, 0));
    CALL(w, SslComputeFinishedHash(p, chs, h, fin, 32, 0));
    CALL(w, SslHashHandshake(p, h, g_msg + 400, 52, 0));
    CALL(w, SslExpandResumptionMasterKey(p, master, h, &res, NULL, 0));
    free_handles(w, (NCRYPT_HANDLE[]){early, hs, chs, shs, master, cap, sap, wk[0], wk[1], wk[2],
                                      wk[3], exp, res, h},
                 14);
    return 1;
}

/* ==== handles ================================================================================ */

static size_t open_free(struct worker *w)
{
    NCRYPT_PROV_HANDLE p = 0;

    CALL(w, SslOpenProvider(&p, NULL, 0));
    CALL(w, SslFreeObject(p, 0));
    return 1;
}

static size_t psk_import_free(struct worker *w)
{
    for (int i = 0; i < HANDLE_BATCH; i++) {
        NCRYPT_KEY_HANDLE h = 0;

        CALL(w, SslImportKey(w->prov, &h, TLS_13_PRE_SHARED_KEY, w->ms, 32, 0));
        CALL(w, SslFreeObject(h, 0));
    }
    return HANDLE_BATCH;
}

static size_t bare_handle(struct worker *w)
{
    for (int i = 0; i < HANDLE_BATCH; i++) {
        NCRYPT_HANDLE h = fake_new(w->prov, OBJ_HASH);

        if (h == 0)
            fail(w, "handle_create (tests/fake.h fake_new)", 0);
        CALL(w, SslFreeObject(h, 0));
    }
    return HANDLE_BATCH;
}

static void psk_setup(struct worker *w)
{
    random_bytes(w, w->ms, 32);
}

/* The two things handle_create and the last unpin of a freed handle do to state every thread
 * shares, apart: table_lock taken twice (slot_take; slot_retire's free list) and live_count
 * moved up and down. No sslprov: what those alone cost at 1 and at N threads. */
static pthread_mutex_t ref_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t ref_free_head;
static atomic_size_t ref_live;

static size_t mutex_reference(struct worker *w)
{
    (void)w;
    for (int i = 0; i < HANDLE_BATCH; i++) {
        pthread_mutex_lock(&ref_lock);
        ref_free_head++;
        pthread_mutex_unlock(&ref_lock);
        pthread_mutex_lock(&ref_lock);
        ref_free_head--;
        pthread_mutex_unlock(&ref_lock);
    }
    return HANDLE_BATCH;
}

static size_t counter_reference(struct worker *w)
{
    (void)w;
    for (int i = 0; i < HANDLE_BATCH; i++) {
        atomic_fetch_add(&ref_live, 1);
        atomic_fetch_sub(&ref_live, 1);
    }
    return HANDLE_BATCH;
}

/* ==== the cells ============================================================================== */

enum { G_RECORDS, G_SCHEDULES, G_HANDLES, NGROUPS };

static const char *const groups[NGROUPS] = {
    "Records: SslEncryptPacket, AES-128-GCM, one op = one record, each thread its own key",
    "Key schedules: one op = one schedule, each thread its own provider handle, every handle "
    "freed",
    "Handle creation and free: one op = one handle made and freed",
};

#define REC(proto, setup, size, own, label)                                                    \
    {G_RECORDS, proto ", " #size " B, " label, own, size, setup, rec_batch, rec_teardown}

static const struct cell_def cells[] = {
    REC("TLS 1.2", rec12_setup, 1024, 0, "shared provider"),
    REC("TLS 1.2", rec12_setup, 1024, 1, "provider per thread"),
    REC("TLS 1.2", rec12_setup, 16384, 0, "shared provider"),
    REC("TLS 1.2", rec12_setup, 16384, 1, "provider per thread"),
    REC("TLS 1.3", rec13_setup, 1024, 0, "shared provider"),
    REC("TLS 1.3", rec13_setup, 1024, 1, "provider per thread"),
    REC("TLS 1.3", rec13_setup, 16384, 0, "shared provider"),
    REC("TLS 1.3", rec13_setup, 16384, 1, "provider per thread"),
    {G_SCHEDULES, "TLS 1.2 ECDHE X25519: ephemeral key, master key, session keys", 1, 0,
     sched12_setup, sched12_ecdhe, NULL},
    {G_SCHEDULES, "TLS 1.2 imported master secret ('ssl5' blob), session keys", 1, 0,
     sched12_setup, sched12_imported, NULL},
    {G_SCHEDULES, "TLS 1.3 psk_ke schedule (as bench_schedule13)", 1, 0, NULL, sched13, NULL},
    {G_HANDLES, "SslOpenProvider + SslFreeObject", 0, 0, NULL, open_free, NULL},
    {G_HANDLES, "SslImportKey (32-byte PSK) + SslFreeObject, shared provider", 0, 0, psk_setup,
     psk_import_free, NULL},
    {G_HANDLES, "SslImportKey (32-byte PSK) + SslFreeObject, provider per thread", 1, 0,
     psk_setup, psk_import_free, NULL},
    {G_HANDLES, "bare handle (tests/fake.h) + SslFreeObject, provider per thread", 1, 0, NULL,
     bare_handle, NULL},
    {G_HANDLES, "reference, no sslprov: one global mutex taken twice (table_lock)", 0, 0, NULL,
     mutex_reference, NULL},
    {G_HANDLES, "reference, no sslprov: one global counter +1 −1 (live_count)", 0, 0, NULL,
     counter_reference, NULL},
};
#define NCELLS (sizeof(cells) / sizeof(cells[0]))

/* ==== rounds ================================================================================= */

/* This thread's CPU time: with it, a round says how many cores its threads really had. */
static double thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A round: ops/s of all threads together (each thread's ops over its own interval, summed);
 * the cores they ran on (each thread's CPU time over its interval, summed); ops per CPU
 * second (all ops over all CPU time), which does not depend on how many cores the machine
 * gave the round, only on what an op costs while the others run. */
struct round {
    double rate, cores, per_cpu;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const struct cell_def *d = w->def;
    unsigned long long ops = 0;
    double t0, c0;

    /* Thread i on CPU i: left to itself, the scheduler of a shared machine may stack all
     * threads on the one CPU nothing else runs on, and then they never run together. */
    if (g_pin) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(w->index % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
            fail(w, "pthread_setaffinity_np", 0);
    }
    w->prov = g_prov;
    if (d->own_prov)
        CALL(w, SslOpenProvider(&w->prov, NULL, 0));
    if (d->setup != NULL)
        d->setup(w);
    d->batch(w); /* warm-up */
    pthread_barrier_wait(&g_ready);
    t0 = now();
    c0 = thread_cpu();
    do
        ops += d->batch(w);
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed));
    w->cpu = thread_cpu() - c0;
    w->wall = now() - t0;
    w->ops = ops;
    if (d->teardown != NULL)
        d->teardown(w);
    if (d->own_prov)
        CALL(w, SslFreeObject(w->prov, 0));
    OPENSSL_cleanse(w->ms, sizeof(w->ms));
    return NULL;
}

/* One round of a cell on n threads. */
static struct round run_round(const struct cell_def *d, int n)
{
    struct worker w[MAX_THREADS];
    struct timespec nap = {(time_t)g_time, (long)((g_time - (double)(time_t)g_time) * 1e9)};
    size_t live = handle_live_count();
    struct round r = {0, 0, 0};
    double ops = 0, cpu = 0;

    memset(w, 0, sizeof(w));
    atomic_store(&g_stop, 0);
    if (pthread_barrier_init(&g_ready, NULL, (unsigned)n + 1) != 0)
        die("pthread_barrier_init");
    for (int i = 0; i < n; i++) {
        w[i].def = d;
        w[i].index = i;
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
            die("pthread_create");
    }
    pthread_barrier_wait(&g_ready);
    nanosleep(&nap, NULL);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].tid, NULL);
        r.rate += (double)w[i].ops / w[i].wall;
        r.cores += w[i].cpu / w[i].wall;
        ops += (double)w[i].ops;
        cpu += w[i].cpu;
    }
    r.per_cpu = ops / cpu;
    pthread_barrier_destroy(&g_ready);
    if (handle_live_count() != live)
        die("a round left handles alive");
    return r;
}

/* ==== output ================================================================================= */

struct cell_result {
    struct round median[MAX_THREADS + 1]; /* by thread count, each member the median of its own */
    double spread; /* the largest (max - min) / median of ops/s over the thread counts */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof(v[0]), cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

static void summarize(struct round rounds[][MAX_ROUNDS], struct cell_result *r)
{
    double v[MAX_ROUNDS];
    int k = g_rounds;

    r->spread = 0;
    for (int n = 1; n <= g_max_threads; n++) {
        struct round *m = &r->median[n];
        double s;

        for (int i = 0; i < k; i++)
            v[i] = rounds[n][i].cores;
        m->cores = median(v, k);
        for (int i = 0; i < k; i++)
            v[i] = rounds[n][i].per_cpu;
        m->per_cpu = median(v, k);
        for (int i = 0; i < k; i++)
            v[i] = rounds[n][i].rate;
        m->rate = median(v, k); /* sorts v: min and max at the ends */
        s = (v[k - 1] - v[0]) / m->rate;
        if (s > r->spread)
            r->spread = s;
    }
}

static void fmt_rate(char *buf, size_t n, double r)
{
    if (r >= 1e6)
        snprintf(buf, n, "%.2fM", r / 1e6);
    else if (r >= 1e5)
        snprintf(buf, n, "%.0fk", r / 1e3);
    else if (r >= 1e3)
        snprintf(buf, n, "%.1fk", r / 1e3);
    else
        snprintf(buf, n, "%.0f", r);
}

static void print_table_head(int group)
{
    printf("\n%s\n\n| cell | 1 thr ops/s | 1 thr CPU µs/op | 1 thr cores |", groups[group]);
    for (int n = 2; n <= g_max_threads; n++)
        printf(" %d thr ops/s | %d thr × 1 thr | %d thr cores | %d thr per CPU × 1 thr |", n, n, n,
               n);
    printf(" spread |\n|---|--:|--:|--:|");
    for (int n = 2; n <= g_max_threads; n++)
        printf("--:|--:|--:|--:|");
    printf("--:|\n");
}

static void print_row(const struct cell_def *d, const struct cell_result *r)
{
    const struct round *one = &r->median[1];
    double us = 1e6 / one->per_cpu;
    char a[16];

    fmt_rate(a, sizeof(a), one->rate);
    printf("| %s | %s | %.*f | %.2f |", d->name, a, us < 1 ? 3 : us < 10 ? 2 : 1, us, one->cores);
    for (int n = 2; n <= g_max_threads; n++) {
        const struct round *m = &r->median[n];

        fmt_rate(a, sizeof(a), m->rate);
        printf(" %s | %.2f× | %.2f | %.2f× |", a, m->rate / one->rate, m->cores,
               m->per_cpu / one->per_cpu);
    }
    printf(" %.0f %% |\n", r->spread * 100);
    fflush(stdout);
}

static void print_header(void)
{
    char model[128];
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f != NULL) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    cpu_model(model, sizeof(model));
    printf("# " BENCH_NAME ": thread scaling (issue 11)\n\n");
    printf("%s; %s; %ld CPUs online; 1 to %d threads, %s; **median of %d rounds** × %.2f s "
           "per cell and thread count, the rounds interleaved across the thread counts; load "
           "average %.2f at start\n\n",
           model, OpenSSL_version(OPENSSL_VERSION), sysconf(_SC_NPROCESSORS_ONLN), g_max_threads,
           g_pin ? "thread i pinned to CPU i" : "not pinned", g_rounds, g_time, load);
    printf("Each cell runs one kind of op on 1, 2, ... threads at once, every thread with keys of "
           "its own (and, where the cell says so, its own provider handle). Every value is the "
           "median of its rounds.\n\n"
           "- **N thr ops/s**: ops per second of the N threads together (each thread's ops over "
           "its own timed interval, summed)\n"
           "- **N thr × 1 thr**: N thr ops/s over 1 thr ops/s: N.00× is perfect scaling, 1.00× "
           "means N threads get no more done than one, below 1.00× less\n"
           "- **N thr cores**: the threads' CPU time over the interval: how many cores the "
           "machine really gave them (N.00 = all N ran all the time; less = other processes or "
           "waiting on a lock)\n"
           "- **N thr per CPU × 1 thr**: ops per CPU second at N threads over that at 1 thread: "
           "below 1.00× every op costs more CPU while the others run (contention: shared "
           "cache lines, a lock's system calls), whatever share of the machine the round got\n"
           "- **1 thr CPU µs/op**: one op's CPU time on one thread\n"
           "- **spread**: how far apart the rounds were: the largest (max − min) / median of "
           "ops/s over the cell's thread counts\n");
}

static void usage(void)
{
    fprintf(stderr, "usage: " BENCH_NAME " [--time SEC] [--rounds N] [--threads N] "
                    "[--cell SUBSTR] [--no-pin]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    g_max_threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--time") == 0 && i + 1 < argc)
            g_time = atof(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            g_rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            g_max_threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-pin") == 0)
            g_pin = 0;
        else if (strcmp(argv[i], "--cell") == 0 && i + 1 < argc)
            g_cell_filter = argv[++i];
        else
            usage();
    }
    if (g_time <= 0 || g_time > 10 || g_rounds < 1 || g_rounds > MAX_ROUNDS
        || g_max_threads < 1 || g_max_threads > MAX_THREADS)
        usage();
}

int main(int argc, char **argv)
{
    static struct round rounds[MAX_THREADS + 1][MAX_ROUNDS];
    double t0;

    parse_args(argc, argv);
    if (RAND_bytes(g_plain, sizeof(g_plain)) != 1)
        die("RAND_bytes");
    if (SslOpenProvider(&g_prov, NULL, 0) != SEC_E_OK)
        die("SslOpenProvider");
    print_header();
    t0 = now();
    for (int g = 0; g < NGROUPS; g++) {
        int head = 0;

        for (size_t i = 0; i < NCELLS; i++) {
            const struct cell_def *d = &cells[i];
            struct cell_result r;

            if (d->group != g || (g_cell_filter != NULL && strstr(d->name, g_cell_filter) == NULL))
                continue;
            for (int k = 0; k < g_rounds; k++)
                for (int n = 1; n <= g_max_threads; n++)
                    rounds[n][k] = run_round(d, n);
            summarize(rounds, &r);
            if (!head++)
                print_table_head(g);
            print_row(d, &r);
        }
    }
    printf("\n(run time %.1f s)\n", now() - t0);
    SslFreeObject(g_prov, 0);
    return 0;
}
