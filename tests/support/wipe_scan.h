/* An OpenSSL allocator (CRYPTO_set_mem_functions) that scans every block it frees for a known
 * secret pattern, to prove secrets are wiped before their memory is released. Each block
 * carries a 32-byte header (its size and its place in a list of live blocks), so free can
 * scan it and wipe_scan_live can scan every block still allocated, to prove a secret does not
 * linger in memory kept for reuse; blocks are zeroed at allocation so the scans read only
 * what was written. wipe_scan_install sets the pattern; free-time scanning runs while
 * wipe_scanning is true and counts hits in wipe_found. Single-threaded tests only: the list
 * has no lock. The state is the process's (wipe_scan.c): the fuzz targets (fuzz/fuzz_common.h)
 * put the same allocator behind a counter of their own. */
#ifndef SSLPROV_TEST_WIPE_SCAN_H
#define SSLPROV_TEST_WIPE_SCAN_H

#include <stdbool.h>
#include <stddef.h>

struct wipe_block {
    struct wipe_block *prev, *next;
    size_t n;
    size_t pad; /* keeps the block 16-byte aligned, as malloc's are */
};

extern const unsigned char *wipe_pattern;
extern size_t wipe_pattern_len;
extern bool wipe_scanning;
extern unsigned wipe_found;

/* CRYPTO_set_mem_functions' three */
void *wipe_scan_malloc(size_t n, const char *file, int line);
void wipe_scan_free(void *ptr, const char *file, int line);
void *wipe_scan_realloc(void *ptr, size_t n, const char *file, int line);

/* How many blocks allocated through OpenSSL, and not yet freed, hold the pattern now. */
unsigned wipe_scan_live(void);

/* Before the first OpenSSL allocation of the process; false if OpenSSL refused. */
bool wipe_scan_install(const unsigned char *pattern, size_t len);

#endif
