/* Shared harness of the fuzz targets (docs/fuzzing.md). Header-only: every target is one
 * translation unit, built twice — with libFuzzer (clang, SSLPROV_FUZZ) and with replay_main.c
 * (any compiler, ctest).
 *
 * What it gives a target:
 *  - an input reader (struct fz_in) that never reads past the end (zeros instead);
 *  - fz_prng: bytes derived from a seed taken from the input, so secrets are high-entropy
 *    (never all-zero: cleansed memory must not match a secret pattern) yet reproducible;
 *  - the allocator: tests/support/wipe_scan.c's scanning allocator (the fuzz targets link
 *    sslprov_test_support for it) behind a counter of live OpenSSL blocks, installed in
 *    LLVMFuzzerInitialize before any OpenSSL allocation;
 *  - FZ_CALL: one API call with its invariants — status in the call's documented set, no
 *    object left behind by a failed call (the live-block count does not grow, retried to tell
 *    a leak from OpenSSL's one-time and error-queue allocations);
 *  - a handle tracker freeing what an input made;
 *  - FZ_FAIL: print what broke and abort (libFuzzer saves the input; replay fails the test);
 * Only the public API (sslprovider.h, sslprov_ext.h) is called on the provider; libcrypto is
 * used directly only for the allocator and to read the error queue. */
#ifndef SSLPROV_FUZZ_COMMON_H
#define SSLPROV_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "sslprovider.h"
#include "sslprov_ext.h"
#include "wipe_scan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define W(s) SSLP_WSTR(s)
#define FZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- failure ------------------------------------------------------------------------------ */

static const char *fz_target = "fuzz";

__attribute__((noreturn, format(printf, 1, 2))) static void FZ_FAIL(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n%s: INVARIANT BROKEN: ", fz_target);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* ---- input -------------------------------------------------------------------------------- */

struct fz_in {
    const uint8_t *p;
    size_t n;
};

static uint8_t fz_u8(struct fz_in *in)
{
    uint8_t v = 0;

    if (in->n > 0) {
        v = *in->p++;
        in->n--;
    }
    return v;
}

/* Little-endian; every read is its own statement, so the order of consumption is defined. */
static uint16_t fz_u16(struct fz_in *in)
{
    uint16_t lo = fz_u8(in);

    return (uint16_t)(lo | fz_u8(in) << 8);
}

static uint32_t fz_u32(struct fz_in *in)
{
    uint32_t lo = fz_u16(in);

    return lo | (uint32_t)fz_u16(in) << 16;
}

static uint64_t fz_u64(struct fz_in *in)
{
    uint64_t lo = fz_u32(in);

    return lo | (uint64_t)fz_u32(in) << 32;
}
static bool fz_bool(struct fz_in *in) { return fz_u8(in) & 1; }

/* Up to want bytes of the input, without copying; *got says how many. */
static const uint8_t *fz_take(struct fz_in *in, size_t want, size_t *got)
{
    const uint8_t *p = in->p;

    *got = want < in->n ? want : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

/* Exactly n bytes into out: the input's, then zeros. */
static void fz_bytes(struct fz_in *in, uint8_t *out, size_t n)
{
    size_t got;
    const uint8_t *p = fz_take(in, n, &got);

    memcpy(out, p, got);
    memset(out + got, 0, n - got);
}

/* A length-prefixed slice: u16 length (bounded by max), then that many bytes. */
static const uint8_t *fz_slice(struct fz_in *in, size_t max, size_t *got)
{
    size_t want = fz_u16(in);

    return fz_take(in, max ? want % (max + 1) : want, got);
}

/* Deterministic high-entropy bytes (splitmix64) from a seed. */
static void fz_prng(uint64_t seed, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            seed = z ^ (z >> 31);
        }
        out[i] = (uint8_t)(seed >> (8 * (i % 8)));
    }
}

static void fz_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t fz_get32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- allocator ---------------------------------------------------------------------------- */

static size_t fz_live_blocks;

static void *fz_malloc(size_t n, const char *file, int line)
{
    void *p = wipe_scan_malloc(n, file, line);

    fz_live_blocks += p != NULL;
    return p;
}

static void fz_free(void *p, const char *file, int line)
{
    fz_live_blocks -= p != NULL;
    wipe_scan_free(p, file, line);
}

static void *fz_realloc(void *p, size_t n, const char *file, int line)
{
    void *q = fz_malloc(n, file, line);

    if (q != NULL && p != NULL) {
        size_t old = ((struct wipe_block *)p - 1)->n;

        memcpy(q, p, old < n ? old : n);
        fz_free(p, file, line);
    }
    return q;
}

static void fz_install_allocator(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    if (CRYPTO_set_mem_functions(fz_malloc, fz_realloc, fz_free) != 1)
        FZ_FAIL("CRYPTO_set_mem_functions refused: OpenSSL allocated before LLVMFuzzerInitialize");
}

/* Scan freed blocks for a secret (tests/support/wipe_scan.c) while a target's secret lives. */
static void fz_scan_begin(const uint8_t *secret, size_t len)
{
    wipe_pattern = secret;
    wipe_pattern_len = len;
    wipe_found = 0;
    wipe_scanning = true;
}

/* How often the secret stands in the fuzz input, as written or backwards. The fuzzer learns
 * values from the compares it watches and writes them anywhere: a secret that also stands in
 * public input (a peer's share, a random, a label, a certificate's modulus) is no secret, and
 * anyone may free a copy of it. Backwards too, because a BIGNUM keeps its value least
 * significant byte first: the scan finds a public number's bytes reversed in the BIGNUM that
 * holds it, and the fuzzer, watching that compare, copies them into the key. Callers scan
 * only when it stands there no more often than the secret's own encoding needs. */
static size_t fz_occurrences(const uint8_t *data, size_t size, const uint8_t *secret, size_t len)
{
    uint8_t rev[64];
    size_t hits = 0;

    if (len == 0 || len > sizeof(rev))
        return 0;
    for (size_t i = 0; i < len; i++)
        rev[i] = secret[len - 1 - i];
    for (size_t i = 0; i + len <= size; i++)
        hits += (memcmp(data + i, secret, len) == 0) + (memcmp(data + i, rev, len) == 0);
    return hits;
}

/* Scanning off; the number of freed blocks that still held the secret. */
static unsigned fz_scan_end(void)
{
    wipe_scanning = false;
    return wipe_found;
}

/* ---- statuses ----------------------------------------------------------------------------- */

enum {
    S_OK = 1u << 0, S_IH = 1u << 1, S_IP = 1u << 2, S_BF = 1u << 3, S_NS = 1u << 4,
    S_BD = 1u << 5, S_NM = 1u << 6, S_BTS = 1u << 7, S_BL = 1u << 8, S_DF = 1u << 9,
    S_TAG = 1u << 10, S_NK = 1u << 11, S_BKS = 1u << 12, S_NMI = 1u << 13, S_PNF = 1u << 14,
    S_BALG = 1u << 15, S_BSIG = 1u << 16,
};

static const struct {
    SECURITY_STATUS st;
    unsigned bit;
    const char *name;
} fz_statuses[] = {
    {SEC_E_OK, S_OK, "SEC_E_OK"},
    {NTE_INVALID_HANDLE, S_IH, "NTE_INVALID_HANDLE"},
    {NTE_INVALID_PARAMETER, S_IP, "NTE_INVALID_PARAMETER"},
    {NTE_BAD_FLAGS, S_BF, "NTE_BAD_FLAGS"},
    {NTE_NOT_SUPPORTED, S_NS, "NTE_NOT_SUPPORTED"},
    {NTE_BAD_DATA, S_BD, "NTE_BAD_DATA"},
    {NTE_NO_MEMORY, S_NM, "NTE_NO_MEMORY"},
    {NTE_BUFFER_TOO_SMALL, S_BTS, "NTE_BUFFER_TOO_SMALL"},
    {NTE_BAD_LEN, S_BL, "NTE_BAD_LEN"},
    {NTE_DECRYPTION_FAILURE, S_DF, "NTE_DECRYPTION_FAILURE"},
    {(SECURITY_STATUS)STATUS_AUTH_TAG_MISMATCH, S_TAG, "STATUS_AUTH_TAG_MISMATCH"},
    {NTE_NO_KEY, S_NK, "NTE_NO_KEY"},
    {NTE_BAD_KEYSET, S_BKS, "NTE_BAD_KEYSET"},
    {NTE_NO_MORE_ITEMS, S_NMI, "NTE_NO_MORE_ITEMS"},
    {NTE_PROV_DLL_NOT_FOUND, S_PNF, "NTE_PROV_DLL_NOT_FOUND"},
    {NTE_BAD_ALGID, S_BALG, "NTE_BAD_ALGID"},
    {NTE_BAD_SIGNATURE, S_BSIG, "NTE_BAD_SIGNATURE"},
};

static const char *fz_status_name(SECURITY_STATUS st)
{
    static char buf[32];

    for (size_t i = 0; i < FZ_ARRAY_LEN(fz_statuses); i++)
        if (fz_statuses[i].st == st)
            return fz_statuses[i].name;
    snprintf(buf, sizeof(buf), "0x%08X", (unsigned)st);
    return buf;
}

static unsigned fz_status_bit(SECURITY_STATUS st)
{
    for (size_t i = 0; i < FZ_ARRAY_LEN(fz_statuses); i++)
        if (fz_statuses[i].st == st)
            return fz_statuses[i].bit;
    return 0;
}

static void fz_check_status(const char *call, SECURITY_STATUS st, unsigned allowed)
{
    if ((fz_status_bit(st) & allowed) == 0)
        FZ_FAIL("%s returned %s, not in its documented set", call, fz_status_name(st));
}

/* The documented status set of each call (conventions.md §1-§7, the header, docs/). Every
 * call may run out of memory. */
#define SET_COMMON (S_OK | S_IH | S_IP | S_NS | S_NM)
#define SET_IMPORT (SET_COMMON | S_BD)
#define SET_EXPORT (SET_COMMON | S_BF | S_BTS)
#define SET_EPHEMERAL (SET_COMMON | S_BD)
#define SET_ASSOC (S_OK | S_IP | S_BF | S_BD | S_NM)
#define SET_CERTCTX (S_OK | S_IP | S_BD | S_NM)
#define SET_OPENPRIV (SET_COMMON | S_BD | S_NK | S_BKS)
#define SET_ENCRYPT (SET_COMMON | S_BF | S_BTS)
#define SET_DECRYPT (SET_COMMON | S_BF | S_BD | S_BTS | S_DF | S_TAG)
#define SET_MASTER (SET_COMMON | S_BF | S_BD | S_BTS)
#define SET_PREMASTER (SET_COMMON | S_BF | S_BTS)
/* NTE_BAD_DATA: a ciphertext not below the modulus, which anyone can see (docs/tls12.md) */
#define SET_IMPORTMASTER (SET_COMMON | S_BF | S_BL | S_BD)
#define SET_SESSIONKEYS (SET_COMMON | S_BF)
#define SET_FINISHED (SET_COMMON | S_BF | S_BL)
#define SET_SESSIONHASH (SET_COMMON | S_BF | S_BTS)
#define SET_EKM (SET_COMMON | S_BF)
#define SET_TLS13 (SET_COMMON | S_BD)
#define SET_TLS13_FLAGS (SET_COMMON | S_BF)
#define SET_HASH (SET_COMMON | S_BF)
#define SET_FREE (S_OK | S_IH)
#define SET_PROPERTY (SET_COMMON)
/* docs/signatures.md */
#define SET_SIGN (SET_COMMON | S_BALG | S_BL | S_BTS)
#define SET_VERIFY (SET_COMMON | S_BALG | S_BL | S_BSIG)

/* ---- calls -------------------------------------------------------------------------------- */

/* A failed call must leave no object behind. OpenSSL allocates once per thread (error queue,
 * lazily fetched algorithms) and keeps up to 16 error-data buffers, so growth on the first
 * failure is retried: only growth that repeats on every retry is a leak. */
#define FZ_RETRIES 20

#define FZ_CALL(st, name, allowed, expr)                                                    \
    do {                                                                                    \
        size_t fz_b_;                                                                       \
        ERR_clear_error();                                                                  \
        fz_b_ = fz_live_blocks;                                                             \
        (st) = (expr);                                                                      \
        fz_check_status((name), (st), (allowed));                                           \
        ERR_clear_error();                                                                  \
        if ((st) != SEC_E_OK && fz_live_blocks > fz_b_) {                                   \
            bool fz_grew_ = true;                                                           \
            for (int fz_i_ = 0; fz_i_ < FZ_RETRIES && fz_grew_; fz_i_++) {                  \
                SECURITY_STATUS fz_s2_;                                                     \
                fz_b_ = fz_live_blocks;                                                     \
                fz_s2_ = (expr);                                                            \
                ERR_clear_error();                                                          \
                if (fz_s2_ == SEC_E_OK)                                                     \
                    FZ_FAIL("%s: failed with %s, then succeeded when repeated", (name),     \
                            fz_status_name(st));                                            \
                fz_grew_ = fz_live_blocks > fz_b_;                                          \
            }                                                                               \
            if (fz_grew_)                                                                   \
                FZ_FAIL("%s failed with %s and left memory allocated (an object or buffer " \
                        "per failed call)", (name), fz_status_name(st));                    \
        }                                                                                   \
    } while (0)

/* An output handle after a call: non-zero on success, zero on failure. */
static void fz_check_out(const char *name, SECURITY_STATUS st, ULONG_PTR h)
{
    if (st == SEC_E_OK && h == 0)
        FZ_FAIL("%s succeeded with a zero output handle", name);
    if (st != SEC_E_OK && h != 0)
        FZ_FAIL("%s failed with %s but left output handle 0x%llx", name, fz_status_name(st),
                (unsigned long long)h);
}

#define FZ_SENTINEL 0xA5A5A5A5u

/* *pcbResult after a pbOutput/cbOutput/pcbResult call (conventions.md §1 "Output sizes"). */
static void fz_check_cb(const char *name, SECURITY_STATUS st, const BYTE *out, DWORD cbOutput,
                        DWORD cb)
{
    if (st == SEC_E_OK && out != NULL && cb > cbOutput)
        FZ_FAIL("%s succeeded with *pcbResult %u > cbOutput %u", name, cb, cbOutput);
    if (st != SEC_E_OK && st != NTE_BUFFER_TOO_SMALL && cb != FZ_SENTINEL)
        FZ_FAIL("%s failed with %s but changed *pcbResult to %u", name, fz_status_name(st), cb);
    if (st == NTE_BUFFER_TOO_SMALL && out != NULL && cb != FZ_SENTINEL && cb <= cbOutput)
        FZ_FAIL("%s: NTE_BUFFER_TOO_SMALL with *pcbResult %u <= cbOutput %u", name, cb, cbOutput);
}

/* ---- handles an input made ---------------------------------------------------------------- */

#define FZ_MAX_TRACKED 256

static ULONG_PTR fz_tracked[FZ_MAX_TRACKED];
static size_t fz_ntracked;

static void fz_track(ULONG_PTR h)
{
    if (h == 0)
        return;
    if (fz_ntracked == FZ_MAX_TRACKED)
        FZ_FAIL("harness: more than %d handles in one input", FZ_MAX_TRACKED);
    fz_tracked[fz_ntracked++] = h;
}

/* Free one handle the input made; SslFreeObject of a live handle must succeed. */
static void fz_release(ULONG_PTR h)
{
    SECURITY_STATUS st;

    for (size_t i = 0; i < fz_ntracked; i++) {
        if (fz_tracked[i] == h) {
            fz_tracked[i] = fz_tracked[--fz_ntracked];
            st = SslFreeObject(h, 0);
            if (st != SEC_E_OK)
                FZ_FAIL("SslFreeObject of a live handle returned %s", fz_status_name(st));
            st = SslFreeObject(h, 0);
            if (st != NTE_INVALID_HANDLE)
                FZ_FAIL("second SslFreeObject of a handle returned %s, not NTE_INVALID_HANDLE",
                        fz_status_name(st));
            return;
        }
    }
    FZ_FAIL("harness: release of an untracked handle");
}

static void fz_release_all(void)
{
    while (fz_ntracked > 0)
        fz_release(fz_tracked[fz_ntracked - 1]);
}

/* Export a key's OpaqueKeyBlob (size 0 when it has none). */
static DWORD fz_opaque(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE k, BYTE *out, DWORD cap)
{
    DWORD cb = 0;

    if (SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, out, cap, &cb, 0) != SEC_E_OK)
        return 0;
    return cb;
}

static NCRYPT_PROV_HANDLE fz_open(void)
{
    NCRYPT_PROV_HANDLE h = 0;
    SECURITY_STATUS st = SslOpenProvider(&h, MS_SCHANNEL_PROVIDER, 0);

    if (st != SEC_E_OK || h == 0)
        FZ_FAIL("SslOpenProvider returned %s", fz_status_name(st));
    return h;
}

/* An 80-byte 'ssl5' OpaqueKeyBlob (behavior.md §4.4): the master secret in clear. */
static void fz_master_blob(uint8_t blob[80], DWORD protocol, DWORD suite, bool client,
                           const uint8_t ms[48])
{
    memset(blob, 0, 80);
    fz_put32(blob, 80);
    fz_put32(blob + 4, 0x73736C35);
    fz_put32(blob + 8, protocol);
    fz_put32(blob + 12, suite);
    fz_put32(blob + 16, client ? 1 : 0);
    memcpy(blob + 0x1C, ms, 48);
}

/* Every protocol and suite the header names, for the tables the targets build through
 * SslLookupCipherLengths. */
static const DWORD fz_protocols[] = {
    SSL3_PROTOCOL_VERSION, TLS1_0_PROTOCOL_VERSION, TLS1_1_PROTOCOL_VERSION,
    TLS1_2_PROTOCOL_VERSION, TLS1_3_PROTOCOL_VERSION, DTLS1_0_PROTOCOL_VERSION,
    DTLS1_2_PROTOCOL_VERSION,
};

static const DWORD fz_suites[] = {
    0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0009, 0x000A, 0x0012, 0x0013, 0x0016, 0x002F,
    0x0032, 0x0033, 0x0035, 0x0038, 0x0039, 0x0062, 0x0063, 0x0064, 0x003B, 0x003C, 0x003D,
    0x0040, 0x006A, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A8, 0x00A9, 0x00AE, 0x00AF, 0x00B0,
    0x00B1, 0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028, 0xC02B, 0xC02C,
    0xC02F, 0xC030, 0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0x0067, 0x006B, 0xC0AC, 0xC0AD,
    0xC0AE, 0xC0AF, 0xCCA8, 0xCCA9, 0xCCAA,
};

struct fz_row {
    DWORD protocol, suite;
    NCRYPT_SSL_CIPHER_LENGTHS len;
};

/* Every (protocol, suite) the provider answers SslLookupCipherLengths for. */
static size_t fz_rows(NCRYPT_PROV_HANDLE prov, struct fz_row *rows, size_t cap)
{
    size_t n = 0;

    for (size_t p = 0; p < FZ_ARRAY_LEN(fz_protocols); p++)
        for (size_t s = 0; s < FZ_ARRAY_LEN(fz_suites) && n < cap; s++) {
            rows[n].protocol = fz_protocols[p];
            rows[n].suite = fz_suites[s];
            if (SslLookupCipherLengths(prov, fz_protocols[p], fz_suites[s], 0, &rows[n].len,
                                       sizeof(rows[n].len), 0) == SEC_E_OK)
                n++;
        }
    ERR_clear_error();
    return n;
}

static bool fz_is_dtls(DWORD protocol)
{
    return protocol == DTLS1_0_PROTOCOL_VERSION || protocol == DTLS1_2_PROTOCOL_VERSION;
}

#endif
