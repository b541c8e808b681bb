/* RSA key exchange on the server (issue 14, "RSA key exchange robustness"): SslImportMasterKey
 * must not tell a good ClientKeyExchange from a bad one, neither by its result nor by its time.
 *
 * What sslprov promises (include/sslprovider.h, src/tls12/kx12.c kx12_rsa_server): the
 * ciphertext is decrypted with OpenSSL's RSA_PKCS1_WITH_TLS_PADDING and the client version
 * (NCRYPTBUFFER_SSL_HIGHEST_VERSION, else dwProtocol); a bad PKCS#1 v1.5 block - header not
 * 00 02, no zero separator, a plaintext other than 48 bytes - or version bytes other than the
 * client version never fail: the call succeeds with a pre-master of 48 bytes OpenSSL draws
 * from its private DRBG on every call and selects in constant time (RFC 5246 §7.4.7.1, the
 * random form; not the deterministic implicit rejection of
 * draft-irtf-cfrg-rsa-guidance, which OpenSSL >= 3.2 does for plain RSA_PKCS1_PADDING only).
 * So a bad ciphertext gives a different master secret on every call, and the handshake fails
 * only at Finished. The only public errors are of public data: a ciphertext not of the
 * modulus' length (NTE_BAD_LEN) or not below the modulus (NTE_BAD_DATA); test_kx12.c has those.
 *
 * The key enters as the server's does: a self-signed certificate and its key through the
 * SslProv* extensions (SslProvAssociateCertificateKeyBlob, SslProvCreateCertificateContext),
 * then SslOpenPrivateKey. The encoded blocks are built by hand and encrypted by libcrypto with
 * RSA_NO_PADDING - the good ones too, so both classes are made the same way.
 *
 * 1. Functional, the negative twin of the timing test. For each class the Finished a client
 *    would send is computed through SslComputeFinishedHash (NCRYPT_SSL_CLIENT_FLAG, a running
 *    SslCreateHandshakeHash transcript) and compared with the one libcrypto derives (TLS1-PRF:
 *    master secret, then "client finished") from the block's last 48 bytes - the pre-master a
 *    client that built this block meant. Good: equal, and again equal on a second import.
 *    Bad: SEC_E_OK, not equal, and two imports of the same ciphertext differ (fresh random
 *    pre-master each time). libcrypto's own PKCS#1 decryption checks the classes are what
 *    they claim (good: exactly the 48 bytes; bad padding, separator, length: anything else).
 *
 * 2. Timing, the method of Reparaz, Balasch and Verbauwhede, "Dude, is my code constant
 *    time?" (DATE 2017; dudect). Classes: GOOD, a second good pool as a control (the noise
 *    floor: good against good), and four bad ones - header (byte 1 not 02), separator (the
 *    byte before the pre-master not 00, no other zero), version (not 03 03), length (the one
 *    zero elsewhere: a plaintext of 0..245 bytes other than 48, the last 48 bytes starting
 *    03 03 unless the zero lands there). Each class has a pool of 64 ciphertexts. The order
 *    of the calls is drawn before any is timed: blocks of one call per class in random
 *    order, each call a random pool entry, so whatever the machine does meanwhile falls on
 *    all classes alike. Each call is timed alone, by two clocks: CLOCK_MONOTONIC_RAW (the
 *    wall time dudect's cycle counter measures; a call is ~1 ms, nanoseconds are ample) and
 *    the thread's CPU time (leaves out other processes of this guest running in between);
 *    the master key is freed outside the timed region, the first 300 calls are dropped. As
 *    dudect does, the measurements are also cropped at upper percentiles of all of them
 *    (the noise is heavy-tailed to the right: interrupts, preemption, a neighbour's burst),
 *    and Welch's t of GOOD against each other class is computed at every crop. A second
 *    table per clock pairs GOOD with each class within its block (one-sample t of the
 *    differences): on this shared machine the load drifts over hundreds of calls (the lag-1
 *    correlation of the times is ~0.6, the times run from ~0.7 to ~1.1 ms with the load),
 *    and pairing cancels the drift that Welch's t counts as noise - about twice as sensitive
 *    here. Every table prints the mean difference that |t| = 10 stands for.
 *
 *    The limit is |t| < 10, dudect's own "test failed" threshold (t_threshold_moderate; it
 *    reports 4.5 and up as a suspicion, and "bananas" at 500). Without a leak each t is
 *    about N(0,1), but there are 2 clocks x 2 statistics x 5 classes x 7 crops = 140 cells,
 *    correlated, on a 2-core guest shared with a fuzzer and CI: at 4.5 the test would fail on
 *    a neighbour's burst sooner or later; at 10 it fails on a leak, not on noise. What it can
 *    see (18000 calls, ~19 s, under a load average of ~5): |t| = 10 is a mean difference of
 *    ~30-60 us uncropped and ~10-15 us (paired, cropped at 90%) - 1-6% of a call. Checked by
 *    hand (SSLPROV_RSA_TIMING_INJECT=NS busy-waits NS ns inside the timed region of every
 *    call of the last class): 20 us gives a paired |t| of ~20 and fails the test, 5 us ~4.
 *    So a bad-padding path that does 20 us more or less work fails it (a second or a skipped
 *    private-key operation is ~1000); a few us (a RAND call, a hash, an allocation) pass
 *    unseen and are not proven absent - that takes instruction counting (test_records_ct.c's
 *    method) or a quiet machine and many more calls, not this test on this machine.
 *    SSLPROV_RSA_TIMING=N runs about N calls instead (0: the functional part only);
 *    SSLPROV_RSA_TIMING_DUMP=FILE writes every measurement in call order.
 *
 * Under valgrind (RUNNING_ON_VALGRIND) only the functional part runs: there the time is that
 * of valgrind's CPU, a thousand calls would take minutes and their t would mean nothing. */
#include <math.h>
#include <stdbool.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include "cert.h"
#include "check.h"
#include "sslprov_ext.h"
#include "sslprovider.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define MODULUS_LEN 256 /* RSA-2048 */
#define PMS_LEN 48      /* RFC 5246 §7.4.7.1 */
#define SEP_AT (MODULUS_LEN - PMS_LEN - 1)
#define MIN_PS 8        /* RFC 8017 §7.2.1: at least 8 padding bytes */
#define POOL 64         /* ciphertexts per class */
#define MEASUREMENTS 18000
#define WARMUP_BLOCKS 50 /* 300 calls */
#define T_LIMIT 10.0

static const DWORD P = TLS1_2_PROTOCOL_VERSION, S = TLS_RSA_WITH_AES_128_GCM_SHA256;

enum cls { GOOD, CONTROL, BAD_HEADER, BAD_SEPARATOR, BAD_VERSION, BAD_LENGTH, N_CLASSES };
static const char *const cls_name[N_CLASSES] = {
    "good", "good (control)", "header not 00 02", "no zero separator", "version not 03 03",
    "plaintext not 48 bytes",
};

static NCRYPT_PROV_HANDLE prov;
static NCRYPT_KEY_HANDLE hpriv;
static EVP_PKEY *rsa;
static BYTE cr[32], sr[32];
static DWORD client_version = TLS1_2_PROTOCOL_VERSION;
static NCryptBuffer prm_buf[3] = {
    {32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr},
    {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr},
    {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &client_version},
};
static NCryptBufferDesc prm = {NCRYPTBUFFER_VERSION, 3, prm_buf};

/* ---- the key, as the server gets it ------------------------------------------------------ */

static bool open_server_key(void)
{
    X509 *x = NULL;
    unsigned char *key = NULL;
    uint8_t *cert = NULL;
    size_t cert_len = 0;
    int key_len = 0;
    PCCERT_CONTEXT ctx = NULL;
    bool ok = false;

    rsa = cert_rsa_key(0);
    if (rsa == NULL || (x = cert_self_signed(rsa, "rsa-timing.sslprov.test")) == NULL ||
        (cert = cert_der(x, &cert_len)) == NULL || (key_len = i2d_PrivateKey(rsa, &key)) <= 0)
        goto out;
    ok = SslProvAssociateCertificateKeyBlob(cert, (DWORD)cert_len, key, (DWORD)key_len, 0) == SEC_E_OK &&
         SslProvCreateCertificateContext(cert, (DWORD)cert_len, &ctx) == SEC_E_OK &&
         SslOpenPrivateKey(prov, &hpriv, ctx, 0) == SEC_E_OK;
out:
    SslProvFreeCertificateContext(ctx);
    OPENSSL_free(cert);
    if (key != NULL)
        OPENSSL_clear_free(key, (size_t)key_len);
    X509_free(x);
    return ok && EVP_PKEY_get_size(rsa) == MODULUS_LEN;
}

/* ---- the encoded blocks (RFC 8017 §7.2.1 EME-PKCS1-v1_5 with a TLS pre-master) ------------ */

static BYTE rand_byte(void)
{
    BYTE b = 0;
    RAND_bytes(&b, 1);
    return b;
}

static BYTE nonzero_byte(void)
{
    BYTE b;
    while ((b = rand_byte()) == 0)
        ;
    return b;
}

/* 00 02 PS 00 || client_version || 46 random bytes, then the class' defect. */
static void encode(enum cls c, BYTE em[MODULUS_LEN])
{
    size_t len;

    em[0] = 0x00, em[1] = 0x02;
    for (size_t i = 2; i < SEP_AT; i++)
        em[i] = nonzero_byte();
    em[SEP_AT] = 0x00;
    em[SEP_AT + 1] = (BYTE)(client_version >> 8), em[SEP_AT + 2] = (BYTE)client_version;
    RAND_bytes(em + SEP_AT + 3, PMS_LEN - 2);
    switch (c) {
    case BAD_HEADER: /* byte 0 stays 00: the block stays below the modulus */
        while ((em[1] = rand_byte()) == 0x02)
            ;
        break;
    case BAD_SEPARATOR:
        em[SEP_AT] = nonzero_byte();
        break;
    case BAD_VERSION:
        while (em[SEP_AT + 1] == (BYTE)(client_version >> 8) && em[SEP_AT + 2] == (BYTE)client_version)
            em[SEP_AT + 1] = rand_byte(), em[SEP_AT + 2] = rand_byte();
        break;
    case BAD_LENGTH: /* the one zero before a plaintext of len != 48 bytes (0..245: at least
                      * 8 padding bytes); the last 48 bytes keep the version unless the zero
                      * lands on it */
        do
            len = rand_byte() % (MODULUS_LEN - 2 - MIN_PS);
        while (len == PMS_LEN);
        em[SEP_AT] = nonzero_byte();
        em[MODULUS_LEN - len - 1] = 0x00;
        break;
    default:
        break;
    }
}

static bool rsa_raw_encrypt(const BYTE em[MODULUS_LEN], BYTE ct[MODULUS_LEN])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);
    size_t len = MODULUS_LEN;
    bool ok = c != NULL && EVP_PKEY_encrypt_init(c) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) > 0 &&
              EVP_PKEY_encrypt(c, ct, &len, em, MODULUS_LEN) > 0 && len == MODULUS_LEN;

    EVP_PKEY_CTX_free(c);
    return ok;
}

/* libcrypto's PKCS#1 v1.5 decryption is exactly the 48 bytes the block was built to carry. */
static bool libcrypto_sees_pms(const BYTE ct[MODULUS_LEN], const BYTE pms[PMS_LEN])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);
    BYTE out[MODULUS_LEN];
    size_t len = sizeof(out);
    bool ok = c != NULL && EVP_PKEY_decrypt_init(c) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_decrypt(c, out, &len, ct, MODULUS_LEN) > 0 && len == PMS_LEN &&
              memcmp(out, pms, PMS_LEN) == 0;

    EVP_PKEY_CTX_free(c);
    return ok;
}

/* ---- Finished: ours through the API, and libcrypto's from a known pre-master ------------- */

static bool prf_sha256(const BYTE *secret, size_t secret_len, const char *label, const BYTE *s1,
                       size_t s1_len, const BYTE *s2, size_t s2_len, BYTE *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *k = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)s1, s1_len),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, (void *)s2, s2_len),
        OSSL_PARAM_END,
    };
    bool ok = k != NULL && EVP_KDF_derive(k, out, out_len, p) > 0;

    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    return ok;
}

static const BYTE transcript[] = "ClientHello ServerHello Certificate ServerHelloDone ClientKeyExchange";

/* RFC 5246 §8.1 master secret from pms and the randoms, §7.4.9 the client's verify_data. */
static bool expected_finished(const BYTE pms[PMS_LEN], BYTE out[12])
{
    BYTE ms[48], th[32];
    bool ok = EVP_Digest(transcript, sizeof(transcript), th, NULL, EVP_sha256(), NULL) &&
              prf_sha256(pms, PMS_LEN, "master secret", cr, 32, sr, 32, ms, sizeof(ms)) &&
              prf_sha256(ms, sizeof(ms), "client finished", th, sizeof(th), NULL, 0, out, 12);

    OPENSSL_cleanse(ms, sizeof(ms));
    return ok;
}

static SECURITY_STATUS import(const BYTE ct[MODULUS_LEN], NCRYPT_KEY_HANDLE *mk)
{
    return SslImportMasterKey(prov, hpriv, mk, P, S, &prm, (PBYTE)ct, MODULUS_LEN, NCRYPT_SSL_SERVER_FLAG);
}

/* The client Finished our master key of ct gives over the transcript hash hh. */
static bool our_finished(NCRYPT_HASH_HANDLE hh, const BYTE ct[MODULUS_LEN], BYTE out[12])
{
    NCRYPT_KEY_HANDLE mk = 0;
    SECURITY_STATUS st = import(ct, &mk);

    CHECK_ST(st, SEC_E_OK);
    if (st == SEC_E_OK)
        CHECK_ST(st = SslComputeFinishedHash(prov, mk, hh, out, 12, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    SslFreeObject(mk, 0);
    return st == SEC_E_OK;
}

static void functional(void)
{
    NCRYPT_HASH_HANDLE hh = 0;
    BYTE em[MODULUS_LEN], ct[MODULUS_LEN], want[12], got[12], again[12];
    const unsigned rounds = 4;

    CHECK_ST(SslCreateHandshakeHash(prov, &hh, P, S, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, hh, (PBYTE)transcript, sizeof(transcript), 0), SEC_E_OK);
    for (int c = 0; c < N_CLASSES; c++) {
        unsigned ok = 0;
        for (unsigned r = 0; r < rounds; r++) {
            encode((enum cls)c, em);
            CHECK(rsa_raw_encrypt(em, ct));
            CHECK(expected_finished(em + MODULUS_LEN - PMS_LEN, want));
            if (!our_finished(hh, ct, got) || !our_finished(hh, ct, again))
                continue;
            if (c == GOOD || c == CONTROL) {
                CHECK(libcrypto_sees_pms(ct, em + MODULUS_LEN - PMS_LEN));
                CHECK_MEM(got, want, 12);
                CHECK_MEM(again, want, 12);
                ok += memcmp(got, want, 12) == 0 && memcmp(again, want, 12) == 0;
            } else {
                /* the padding is good exactly when only the version is wrong (libcrypto's
                 * PKCS#1 decryption does not read the version) */
                CHECK(libcrypto_sees_pms(ct, em + MODULUS_LEN - PMS_LEN) == (c == BAD_VERSION));
                CHECK(memcmp(got, want, 12) != 0);
                CHECK(memcmp(again, want, 12) != 0);
                CHECK(memcmp(got, again, 12) != 0); /* a fresh random pre-master per call */
                ok += memcmp(got, want, 12) != 0 && memcmp(again, want, 12) != 0 && memcmp(got, again, 12) != 0;
            }
        }
        printf("functional %-24s %u/%u %s\n", cls_name[c], ok, rounds,
               c <= CONTROL ? "Finished = libcrypto's from the pre-master, twice"
                            : "SEC_E_OK, Finished unlike the block's pre-master, new on every import");
    }
    SslFreeObject(hh, 0);
    OPENSSL_cleanse(em, sizeof(em));
}

/* ---- timing ------------------------------------------------------------------------------ */
/* ---- timing ------------------------------------------------------------------------------ */

/* Two clocks per call: the wall clock dudect uses, and the thread's CPU time, which leaves out
 * the time other processes of this guest ran in between (not what the hypervisor takes). */
enum clk { WALL, CPU, N_CLOCKS };
static const char *const clk_name[N_CLOCKS] = {
    "wall clock (CLOCK_MONOTONIC_RAW)", "thread CPU time (CLOCK_THREAD_CPUTIME_ID)",
};

struct sample {
    uint8_t cls;
    uint64_t ns[N_CLOCKS];
};

/* A statistic of class c against GOOD on clock k, over the samples below limit; the standard
 * error of the difference of the means in *se. */
typedef double stat_fn(const struct sample *s, size_t n, int k, int c, uint64_t limit, double *se);

static uint64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Mean and unbiased variance of the values accumulated as count, sum and sum of squares of
 * the deviations from a first estimate (shift): no cancellation at ~1e6 ns. */
struct acc {
    size_t n;
    double shift, sum, sum2;
};

static void acc_add(struct acc *a, double x)
{
    if (a->n++ == 0)
        a->shift = x;
    a->sum += x - a->shift, a->sum2 += (x - a->shift) * (x - a->shift);
}

static double acc_mean(const struct acc *a)
{
    return a->shift + a->sum / (double)a->n;
}

static double acc_var(const struct acc *a)
{
    return (a->sum2 - a->sum * a->sum / (double)a->n) / (double)(a->n - 1);
}

/* dudect's statistic: Welch's t, GOOD's samples against c's. */
static double welch_t(const struct sample *s, size_t n, int k, int c, uint64_t limit, double *se)
{
    struct acc a[2] = {{0}};

    for (size_t i = 0; i < n; i++)
        if (s[i].ns[k] < limit && (s[i].cls == GOOD || s[i].cls == c))
            acc_add(&a[s[i].cls == c], (double)s[i].ns[k]);
    *se = 0.0;
    if (a[0].n < 2 || a[1].n < 2)
        return 0.0;
    *se = sqrt(acc_var(&a[0]) / (double)a[0].n + acc_var(&a[1]) / (double)a[1].n);
    return *se > 0.0 ? (acc_mean(&a[0]) - acc_mean(&a[1])) / *se : 0.0;
}

/* The same difference, paired: each block of N_CLASSES consecutive calls has every class
 * once in random order, so GOOD minus c within a block cancels whatever the machine did on a
 * scale longer than a block (load here drifts over hundreds of calls: the lag-1 correlation
 * of the times is ~0.6). One-sample t of the differences; a pair with either call above the
 * crop is left out. */
static double paired_t(const struct sample *s, size_t n, int k, int c, uint64_t limit, double *se)
{
    struct acc d = {0};

    for (size_t b = 0; b + N_CLASSES <= n; b += N_CLASSES) {
        uint64_t x[N_CLASSES];
        for (size_t j = 0; j < N_CLASSES; j++)
            x[s[b + j].cls] = s[b + j].ns[k];
        if (x[GOOD] < limit && x[c] < limit)
            acc_add(&d, (double)x[GOOD] - (double)x[c]);
    }
    *se = 0.0;
    if (d.n < 2)
        return 0.0;
    *se = sqrt(acc_var(&d) / (double)d.n);
    return *se > 0.0 ? acc_mean(&d) / *se : 0.0;
}

/* Clock k's values of class c (all of them: c < 0), sorted into tmp; their number. */
static size_t sorted_values(const struct sample *s, size_t n, int k, int c, uint64_t *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c < 0 || s[i].cls == c)
            tmp[m++] = s[i].ns[k];
    qsort(tmp, m, sizeof(*tmp), cmp_u64);
    return m;
}

static uint64_t percentile(const uint64_t *sorted, size_t m, double pct)
{
    size_t i = (size_t)(pct / 100.0 * (double)m);
    return m == 0 ? 0 : sorted[i >= m ? m - 1 : i];
}

/* Crops as dudect's: keep the measurements below this percentile of all of them. */
static const double crops[] = {100.0, 99.9, 99.0, 95.0, 90.0, 75.0, 50.0};
#define N_CROPS (sizeof(crops) / sizeof(crops[0]))

/* One table: each class against GOOD at every crop; CHECKs |t| < T_LIMIT. */
static void table(const struct sample *s, size_t n, int k, const char *what, stat_fn *stat,
                  const uint64_t limit[N_CROPS])
{
    double se[N_CROPS] = {0};

    printf("%-24s", what);
    for (size_t p = 0; p < N_CROPS; p++)
        printf(p == 0 ? "     all" : " %6.1f%%", crops[p]);
    printf("   max|t|\n");
    for (int c = CONTROL; c < N_CLASSES; c++) {
        double max_t = 0.0;

        printf("  %-22s", cls_name[c]);
        for (size_t p = 0; p < N_CROPS; p++) {
            double t = stat(s, n, k, c, limit[p], &se[p]);
            printf(" %+7.2f", t);
            if (fabs(t) > max_t)
                max_t = fabs(t);
            if (!(fabs(t) < T_LIMIT))
                fprintf(stderr, "%s, %s, %s: |t| = %.2f at the %.1f%% crop\n", clk_name[k], what,
                        cls_name[c], fabs(t), crops[p]);
            CHECK(fabs(t) < T_LIMIT);
        }
        printf("  %7.2f\n", max_t);
    }
    /* what the limit can see: se[] is the last row's, the others' are about the same */
    printf("  |t| = %.0f is a mean difference of %.1f us (all), %.1f us (%.0f%%), %.1f us (%.0f%%)\n",
           T_LIMIT, T_LIMIT * se[0] / 1e3, T_LIMIT * se[N_CROPS - 3] / 1e3, crops[N_CROPS - 3],
           T_LIMIT * se[N_CROPS - 1] / 1e3, crops[N_CROPS - 1]);
}

static void report(const struct sample *s, size_t n, int k, uint64_t *tmp)
{
    uint64_t limit[N_CROPS];
    size_t m = sorted_values(s, n, k, -1, tmp);

    for (size_t p = 0; p < N_CROPS; p++)
        limit[p] = crops[p] >= 100.0 ? UINT64_MAX : percentile(tmp, m, crops[p]);
    printf("\n%s, us: min %.1f, 10%% %.1f, median %.1f, 90%% %.1f, 99%% %.1f, max %.1f; medians",
           clk_name[k], percentile(tmp, m, 0) / 1e3, percentile(tmp, m, 10) / 1e3,
           percentile(tmp, m, 50) / 1e3, percentile(tmp, m, 90) / 1e3, percentile(tmp, m, 99) / 1e3,
           percentile(tmp, m, 100) / 1e3);
    for (int c = 0; c < N_CLASSES; c++) {
        size_t mc = sorted_values(s, n, k, c, tmp);
        printf(" %.1f", percentile(tmp, mc, 50) / 1e3);
    }
    printf(" (class order below, good first)\n");
    table(s, n, k, "Welch's t (dudect)", welch_t, limit);
    table(s, n, k, "paired t (blocks)", paired_t, limit);
}

/* SSLPROV_RSA_TIMING_DUMP=FILE: the measurements in call order, "class,wall_ns,cpu_ns" lines,
 * to look at a suspicious table more closely. */
static void dump(const struct sample *s, size_t n)
{
    const char *path = getenv("SSLPROV_RSA_TIMING_DUMP");
    FILE *f = path != NULL && *path ? fopen(path, "w") : NULL;

    if (f == NULL)
        return;
    fprintf(f, "class,wall_ns,cpu_ns\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%d,%" PRIu64 ",%" PRIu64 "\n", s[i].cls, s[i].ns[WALL], s[i].ns[CPU]);
    fclose(f);
    printf("measurements written to %s\n", path);
}

static uint32_t draw32(const BYTE **d)
{
    const BYTE *p = *d;
    *d += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The order of the calls, fixed before any is timed: blocks of N_CLASSES calls, each a
 * random permutation of the classes (Fisher-Yates), each call a random entry of its pool. */
static bool draw_sequence(uint8_t *cls, uint8_t *idx, size_t total)
{
    size_t need = total * 8;
    BYTE *rnd = malloc(need);
    const BYTE *d = rnd;
    bool ok = rnd != NULL && RAND_bytes(rnd, (int)need) == 1;

    for (size_t b = 0; ok && b < total; b += N_CLASSES) {
        for (int j = 0; j < N_CLASSES; j++)
            cls[b + j] = (uint8_t)j;
        for (int j = N_CLASSES - 1; j > 0; j--) {
            uint32_t r = draw32(&d) % (uint32_t)(j + 1);
            uint8_t t = cls[b + j];
            cls[b + j] = cls[b + r], cls[b + r] = t;
        }
    }
    for (size_t i = 0; ok && i < total; i++)
        idx[i] = (uint8_t)(draw32(&d) % POOL);
    free(rnd);
    return ok;
}

/* inject_ns: the positive control, by hand (SSLPROV_RSA_TIMING_INJECT, see the top). */
static void timing(size_t measurements, uint64_t inject_ns)
{
    static BYTE pool[N_CLASSES][POOL][MODULUS_LEN];
    BYTE em[MODULUS_LEN];
    uint8_t *cls = NULL, *idx = NULL;
    struct sample *s = NULL;
    uint64_t *tmp = NULL;
    size_t blocks = (measurements + N_CLASSES - 1) / N_CLASSES;
    size_t total = (WARMUP_BLOCKS + blocks) * N_CLASSES, n = 0;
    unsigned failures = 0;
    double loadavg[3] = {0};
    uint64_t t_start = now_ns(CLOCK_MONOTONIC_RAW);

    for (int c = 0; c < N_CLASSES; c++)
        for (int i = 0; i < POOL; i++) {
            encode((enum cls)c, em);
            CHECK(rsa_raw_encrypt(em, pool[c][i]));
        }
    OPENSSL_cleanse(em, sizeof(em));
    s = calloc(total, sizeof(*s));
    tmp = calloc(total, sizeof(*tmp));
    cls = malloc(total);
    idx = malloc(total);
    if (s == NULL || tmp == NULL || cls == NULL || idx == NULL || !draw_sequence(cls, idx, total)) {
        CHECK(!"memory or randomness for the measurements");
        goto out;
    }
    getloadavg(loadavg, 3);
    for (size_t i = 0; i < total; i++) {
        NCRYPT_KEY_HANDLE mk = 0;
        uint64_t w0, c0, w1, c1;
        SECURITY_STATUS st;

        w0 = now_ns(CLOCK_MONOTONIC_RAW);
        c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
        st = import(pool[cls[i]][idx[i]], &mk);
        if (inject_ns != 0 && cls[i] == BAD_LENGTH)
            for (uint64_t end = now_ns(CLOCK_MONOTONIC_RAW) + inject_ns; now_ns(CLOCK_MONOTONIC_RAW) < end;)
                ;
        c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
        w1 = now_ns(CLOCK_MONOTONIC_RAW);
        SslFreeObject(mk, 0);
        failures += st != SEC_E_OK;
        if (i >= WARMUP_BLOCKS * N_CLASSES)
            s[n++] = (struct sample){cls[i], {w1 - w0, c1 - c0}};
    }
    CHECK_EQ(failures, 0); /* no class ever fails: implicit rejection */
    if (inject_ns != 0)
        printf("\nINJECTED: %" PRIu64 " ns of busy waiting in every '%s' call\n", inject_ns, cls_name[BAD_LENGTH]);
    printf("\ntiming: %zu calls of SslImportMasterKey (RSA-2048, TLS 1.2), %zu of each class, in "
           "blocks of one per class in random order, after %d warm-up; %.1f s, load average %.2f "
           "at the start; |t| < %.0f required\n", n, blocks, WARMUP_BLOCKS * N_CLASSES,
           (double)(now_ns(CLOCK_MONOTONIC_RAW) - t_start) / 1e9, loadavg[0], T_LIMIT);
    for (int k = 0; k < N_CLOCKS; k++)
        report(s, n, k, tmp);
    dump(s, n);
out:
    free(s);
    free(tmp);
    free(cls);
    free(idx);
}

int main(void)
{
    const char *env = getenv("SSLPROV_RSA_TIMING"), *inject = getenv("SSLPROV_RSA_TIMING_INJECT");
    size_t measurements = env != NULL && *env ? (size_t)strtoul(env, NULL, 10) : MEASUREMENTS;

    RAND_bytes(cr, sizeof(cr));
    RAND_bytes(sr, sizeof(sr));
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK || !open_server_key()) {
        fprintf(stderr, "could not open the provider or the server's RSA key\n");
        return 1;
    }
    functional();
    if (RUNNING_ON_VALGRIND)
        printf("timing: SKIPPED (under valgrind its times are valgrind's, not the code's)\n");
    else if (measurements == 0)
        printf("timing: SKIPPED (SSLPROV_RSA_TIMING=0)\n");
    else
        timing(measurements, inject != NULL ? strtoull(inject, NULL, 10) : 0);
    SslFreeObject(hpriv, 0);
    SslFreeObject(prov, 0);
    EVP_PKEY_free(rsa);
    return check_summary();
}
