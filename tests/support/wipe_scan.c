/* wipe_scan.h: the allocator. Blocks come from calloc, so a scan reads only what was written. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif
#include "wipe_scan.h"

const unsigned char *wipe_pattern;
size_t wipe_pattern_len;
bool wipe_scanning;
unsigned wipe_found;
static struct wipe_block wipe_live = {&wipe_live, &wipe_live, 0, 0};

static unsigned wipe_count_pattern(const unsigned char *b, size_t n)
{
    unsigned hits = 0;

    /* OpenSSL copies structs with uninitialised padding (OSSL_PARAM) into heap blocks; the
     * scan reads them byte by byte, which under valgrind is not a finding of the code under
     * test */
    VALGRIND_MAKE_MEM_DEFINED(b, n);
    if (wipe_pattern_len == 0 || n < wipe_pattern_len)
        return 0;
    /* memchr finds the candidates: one memcmp per offset made the fuzz targets spend most of
     * their time in the scan (and in libFuzzer's memcmp hook) */
    const unsigned char *end = b + n - wipe_pattern_len + 1;
    for (const unsigned char *p = b; p < end; p++) {
        p = memchr(p, wipe_pattern[0], (size_t)(end - p));
        if (p == NULL)
            break;
        hits += memcmp(p, wipe_pattern, wipe_pattern_len) == 0;
    }
    return hits;
}

void *wipe_scan_malloc(size_t n, const char *file, int line)
{
    struct wipe_block *h = calloc(1, n + sizeof(*h));

    (void)file, (void)line;
    if (h == NULL)
        return NULL;
    h->n = n;
    h->prev = &wipe_live;
    h->next = wipe_live.next;
    wipe_live.next->prev = h;
    wipe_live.next = h;
    return h + 1;
}

void wipe_scan_free(void *ptr, const char *file, int line)
{
    struct wipe_block *h;

    (void)file, (void)line;
    if (ptr == NULL)
        return;
    h = (struct wipe_block *)ptr - 1;
    h->prev->next = h->next;
    h->next->prev = h->prev;
    if (wipe_scanning)
        wipe_found += wipe_count_pattern(ptr, h->n);
    free(h);
}

void *wipe_scan_realloc(void *ptr, size_t n, const char *file, int line)
{
    void *q = wipe_scan_malloc(n, file, line);

    if (q != NULL && ptr != NULL) {
        size_t old = ((struct wipe_block *)ptr - 1)->n;

        memcpy(q, ptr, old < n ? old : n);
        wipe_scan_free(ptr, file, line);
    }
    return q;
}

unsigned wipe_scan_live(void)
{
    unsigned hits = 0;

    for (const struct wipe_block *h = wipe_live.next; h != &wipe_live; h = h->next)
        hits += wipe_count_pattern((const unsigned char *)(h + 1), h->n) > 0;
    return hits;
}

bool wipe_scan_install(const unsigned char *pattern, size_t len)
{
    wipe_pattern = pattern;
    wipe_pattern_len = len;
    return CRYPTO_set_mem_functions(wipe_scan_malloc, wipe_scan_realloc, wipe_scan_free) == 1;
}
