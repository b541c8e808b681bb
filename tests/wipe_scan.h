/* An OpenSSL allocator (CRYPTO_set_mem_functions) that scans every block it frees for a known
 * secret pattern, to prove secrets are wiped before their memory is released. Each block
 * carries its size in a 16-byte prefix, so free can scan it; blocks are zeroed at allocation
 * so the scan reads only what was written. wipe_scan_install sets the pattern; scanning runs
 * while wipe_scanning is true and counts hits in wipe_found. */
#ifndef SSLPROV_TEST_WIPE_SCAN_H
#define SSLPROV_TEST_WIPE_SCAN_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

static const unsigned char *wipe_pattern;
static size_t wipe_pattern_len;
static bool wipe_scanning;
static unsigned wipe_found;

static void *wipe_scan_malloc(size_t n, const char *file, int line)
{
    size_t *p = calloc(1, n + 16);

    (void)file, (void)line;
    if (p == NULL)
        return NULL;
    *p = n;
    return (char *)p + 16;
}

static void wipe_scan_free(void *ptr, const char *file, int line)
{
    unsigned char *b = ptr;
    size_t n;

    (void)file, (void)line;
    if (ptr == NULL)
        return;
    n = *(size_t *)(b - 16);
    for (size_t j = 0; wipe_scanning && j + wipe_pattern_len <= n; j++)
        if (memcmp(b + j, wipe_pattern, wipe_pattern_len) == 0)
            wipe_found++;
    free(b - 16);
}

static void *wipe_scan_realloc(void *ptr, size_t n, const char *file, int line)
{
    void *q = wipe_scan_malloc(n, file, line);

    if (q != NULL && ptr != NULL) {
        size_t old = *(size_t *)((unsigned char *)ptr - 16);

        memcpy(q, ptr, old < n ? old : n);
        wipe_scan_free(ptr, file, line);
    }
    return q;
}

/* Before the first OpenSSL allocation of the process; false if OpenSSL refused. */
static inline bool wipe_scan_install(const unsigned char *pattern, size_t len)
{
    wipe_pattern = pattern;
    wipe_pattern_len = len;
    return CRYPTO_set_mem_functions(wipe_scan_malloc, wipe_scan_realloc, wipe_scan_free) == 1;
}

#endif
