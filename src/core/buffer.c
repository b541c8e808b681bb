/* Caller-owned memory (SslFreeBuffer). Blocks are recorded in a pointer set, so a pointer
 * we never handed out is refused without being dereferenced. */
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "buffer.h"
#include "realm.h"

struct buf_hdr {
    size_t size;
    enum buffer_kind kind;
    uint32_t pad;
}; /* 16 bytes: keeps the caller's block 16-byte aligned */

_Static_assert(sizeof(struct buf_hdr) == 16, "buffer header keeps 16-byte alignment");

/* A pointer set: open addressing, linear probing, backward-shift deletion; capacity a power of
 * two. Each entry carries a tag: NULL for our blocks, the owning provider for blocks a loaded
 * provider handed out (kept in a set of their own, see buffer_adopt). */
struct buffer_entry {
    void *p;
    const void *tag;
};

/* The sets live in the realm (realm.h): our blocks, and those loaded providers handed out. */
static inline struct realm_ptrset *ours(void)
{
    return &realm_current()->buffers;
}

static inline struct realm_ptrset *adopted(void)
{
    return &realm_current()->adopted;
}

static size_t ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static bool set_grow(struct realm_ptrset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct buffer_entry *n = calloc(cap, sizeof(*n));

    if (n == NULL)
        return false;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->e[i].p != NULL) {
            size_t j = ptr_hash(s->e[i].p, cap);
            while (n[j].p != NULL)
                j = (j + 1) & (cap - 1);
            n[j] = s->e[i];
        }
    }
    free(s->e);
    s->e = n;
    s->cap = cap;
    return true;
}

static bool set_add(struct realm_ptrset *s, void *p, const void *tag)
{
    size_t i;

    if ((s->len + 1) * 2 > s->cap && !set_grow(s))
        return false;
    i = ptr_hash(p, s->cap);
    while (s->e[i].p != NULL)
        i = (i + 1) & (s->cap - 1);
    s->e[i] = (struct buffer_entry){p, tag};
    s->len++;
    return true;
}

static ssize_t set_find(const struct realm_ptrset *s, const void *p)
{
    if (s->cap == 0)
        return -1;
    for (size_t i = ptr_hash(p, s->cap); s->e[i].p != NULL; i = (i + 1) & (s->cap - 1))
        if (s->e[i].p == p)
            return (ssize_t)i;
    return -1;
}

static void set_remove_at(struct realm_ptrset *s, size_t i)
{
    size_t j = i;

    s->e[i].p = NULL;
    s->len--;
    for (;;) {
        size_t home;

        j = (j + 1) & (s->cap - 1);
        if (s->e[j].p == NULL)
            return;
        home = ptr_hash(s->e[j].p, s->cap);
        /* move entry j back into the hole when its probe sequence passes through i */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            s->e[i] = s->e[j];
            s->e[j].p = NULL;
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
    pthread_mutex_lock(&ours()->lock);
    if (!set_add(ours(), p, NULL)) {
        pthread_mutex_unlock(&ours()->lock);
        OPENSSL_free(h);
        return NULL;
    }
    pthread_mutex_unlock(&ours()->lock);
    return p;
}

enum buffer_kind buffer_kind(const void *p)
{
    enum buffer_kind k = 0;

    if (p == NULL)
        return 0;
    pthread_mutex_lock(&ours()->lock);
    if (set_find(ours(), p) >= 0)
        k = ((const struct buf_hdr *)p - 1)->kind;
    pthread_mutex_unlock(&ours()->lock);
    return k;
}

SECURITY_STATUS buffer_free(void *p)
{
    struct buf_hdr *h;
    ssize_t i;

    if (p == NULL)
        return NTE_INVALID_PARAMETER;
    pthread_mutex_lock(&ours()->lock);
    if ((i = set_find(ours(), p)) < 0) {
        pthread_mutex_unlock(&ours()->lock);
        return NTE_INVALID_PARAMETER;
    }
    set_remove_at(ours(), (size_t)i);
    pthread_mutex_unlock(&ours()->lock);
    h = (struct buf_hdr *)p - 1;
    OPENSSL_clear_free(h, sizeof(*h) + h->size);
    return SEC_E_OK;
}

SECURITY_STATUS buffer_take(void *p, enum buffer_kind kind, void *copy, size_t n)
{
    struct buf_hdr *h;
    ssize_t i;

    if (p == NULL)
        return NTE_INVALID_PARAMETER;
    pthread_mutex_lock(&ours()->lock);
    h = (struct buf_hdr *)p - 1;
    if ((i = set_find(ours(), p)) < 0 || h->kind != kind || h->size < n) {
        pthread_mutex_unlock(&ours()->lock);
        return NTE_INVALID_PARAMETER;
    }
    memcpy(copy, p, n);
    set_remove_at(ours(), (size_t)i);
    pthread_mutex_unlock(&ours()->lock);
    OPENSSL_clear_free(h, sizeof(*h) + h->size);
    return SEC_E_OK;
}

size_t buffer_live_count(void)
{
    size_t n;

    pthread_mutex_lock(&ours()->lock);
    n = ours()->len;
    pthread_mutex_unlock(&ours()->lock);
    return n;
}

bool buffer_adopt(void *p, const void *owner)
{
    bool ok;

    pthread_mutex_lock(&adopted()->lock);
    ok = set_find(adopted(), p) < 0 && set_add(adopted(), p, owner);
    pthread_mutex_unlock(&adopted()->lock);
    return ok;
}

const void *buffer_adopted_owner(const void *p)
{
    const void *owner = NULL;
    ssize_t i;

    pthread_mutex_lock(&adopted()->lock);
    if (p != NULL && (i = set_find(adopted(), p)) >= 0)
        owner = adopted()->e[i].tag;
    pthread_mutex_unlock(&adopted()->lock);
    return owner;
}

const void *buffer_disown(void *p)
{
    const void *owner = NULL;
    ssize_t i;

    pthread_mutex_lock(&adopted()->lock);
    if (p != NULL && (i = set_find(adopted(), p)) >= 0) {
        owner = adopted()->e[i].tag;
        set_remove_at(adopted(), (size_t)i);
    }
    pthread_mutex_unlock(&adopted()->lock);
    return owner;
}
