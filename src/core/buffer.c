/* Caller-owned memory (SslFreeBuffer). Blocks are recorded in a pointer set, so a pointer
 * we never handed out is refused without being dereferenced. */
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include "buffer.h"

struct buf_hdr {
    size_t size;
    enum buffer_kind kind;
    uint32_t pad;
}; /* 16 bytes: keeps the caller's block 16-byte aligned */

_Static_assert(sizeof(struct buf_hdr) == 16, "buffer header keeps 16-byte alignment");

/* Open addressing, linear probing, backward-shift deletion; capacity a power of two. */
static void **set;
static size_t set_cap, set_len;
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static bool set_grow(void)
{
    size_t cap = set_cap ? set_cap * 2 : 64;
    void **n = calloc(cap, sizeof(*n));

    if (n == NULL)
        return false;
    for (size_t i = 0; i < set_cap; i++) {
        if (set[i] != NULL) {
            size_t j = ptr_hash(set[i], cap);
            while (n[j] != NULL)
                j = (j + 1) & (cap - 1);
            n[j] = set[i];
        }
    }
    free(set);
    set = n;
    set_cap = cap;
    return true;
}

static bool set_add(void *p)
{
    size_t i;

    if ((set_len + 1) * 2 > set_cap && !set_grow())
        return false;
    i = ptr_hash(p, set_cap);
    while (set[i] != NULL)
        i = (i + 1) & (set_cap - 1);
    set[i] = p;
    set_len++;
    return true;
}

static ssize_t set_find(const void *p)
{
    if (set_cap == 0)
        return -1;
    for (size_t i = ptr_hash(p, set_cap); set[i] != NULL; i = (i + 1) & (set_cap - 1))
        if (set[i] == p)
            return (ssize_t)i;
    return -1;
}

static void set_remove_at(size_t i)
{
    size_t j = i;

    set[i] = NULL;
    set_len--;
    for (;;) {
        size_t home;

        j = (j + 1) & (set_cap - 1);
        if (set[j] == NULL)
            return;
        home = ptr_hash(set[j], set_cap);
        /* move set[j] back into the hole when its probe sequence passes through i */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            set[i] = set[j];
            set[j] = NULL;
            i = j;
        }
    }
}

void *buffer_alloc(enum buffer_kind kind, size_t size)
{
    struct buf_hdr *h;
    void *p;

    if (size > SIZE_MAX - sizeof(*h) || (h = OPENSSL_zalloc(sizeof(*h) + size)) == NULL)
        return NULL;
    h->size = size;
    h->kind = kind;
    p = h + 1;
    pthread_mutex_lock(&set_lock);
    if (!set_add(p)) {
        pthread_mutex_unlock(&set_lock);
        OPENSSL_free(h);
        return NULL;
    }
    pthread_mutex_unlock(&set_lock);
    return p;
}

enum buffer_kind buffer_kind(const void *p)
{
    enum buffer_kind k = 0;

    if (p == NULL)
        return 0;
    pthread_mutex_lock(&set_lock);
    if (set_find(p) >= 0)
        k = ((const struct buf_hdr *)p - 1)->kind;
    pthread_mutex_unlock(&set_lock);
    return k;
}

SECURITY_STATUS buffer_free(void *p)
{
    struct buf_hdr *h;
    ssize_t i;

    if (p == NULL)
        return NTE_INVALID_PARAMETER;
    pthread_mutex_lock(&set_lock);
    if ((i = set_find(p)) < 0) {
        pthread_mutex_unlock(&set_lock);
        return NTE_INVALID_PARAMETER;
    }
    set_remove_at((size_t)i);
    pthread_mutex_unlock(&set_lock);
    h = (struct buf_hdr *)p - 1;
    OPENSSL_clear_free(h, sizeof(*h) + h->size);
    return SEC_E_OK;
}

size_t buffer_live_count(void)
{
    size_t n;

    pthread_mutex_lock(&set_lock);
    n = set_len;
    pthread_mutex_unlock(&set_lock);
    return n;
}
