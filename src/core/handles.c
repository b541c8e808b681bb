/* Handle table. A slot's state word holds generation (high 32 bits), a LIVE bit and the
 * number of calls in flight that pinned it. Pinning is one CAS on that word, so a lookup
 * never takes a lock and never reads a recycled object: a slot is recycled only when it
 * is no longer LIVE and its last pin is gone. Slots live in chunks that are never freed. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/random.h>
#include <openssl/crypto.h>
#include "handles.h"
#include "realm.h"

#define CHUNK_BITS 10
#define CHUNK_SLOTS (1u << CHUNK_BITS)
#define MAX_CHUNKS REALM_HANDLE_CHUNKS
#define LIVE_BIT (1ull << 31)
#define PIN_MASK (LIVE_BIT - 1)
#define GEN(w) ((uint32_t)((w) >> 32))

struct handle_slot {
    _Atomic uint64_t state;
    struct object *_Atomic obj;
    _Atomic uint32_t next_free; /* free list: the next free slot's index + 1, 0 at the end */
    atomic_uint cls; /* the object's class, readable without a pin (handle_class_hint) */
};

/* The realm's table (realm.h): today the process's, at an address fixed at link time. */
static inline struct realm_handles *table(void)
{
    return &realm_current()->handles;
}

static void mask_init(void)
{
    uint64_t m = 0;

    if (getrandom(&m, sizeof(m), 0) != sizeof(m))
        m = 0x5a17c0de00000000ull;
    table()->mask = m & ~0xffffffffull; /* only the generation half is scrambled */
}

/* Handle layout: (generation ^ mask) << 32 | (index + 1). Never 0 for a valid slot. */
static ULONG_PTR handle_encode(uint32_t idx, uint32_t gen)
{
    return (ULONG_PTR)((((uint64_t)gen << 32) ^ table()->mask) | (uint64_t)(idx + 1));
}

static struct handle_slot *slot_get(uint32_t idx)
{
    struct handle_slot *chunk;

    if (idx >= (uint64_t)MAX_CHUNKS * CHUNK_SLOTS)
        return NULL;
    chunk = atomic_load_explicit(&table()->chunks[idx >> CHUNK_BITS], memory_order_acquire);
    return chunk == NULL ? NULL : &chunk[idx & (CHUNK_SLOTS - 1)];
}

/* The free list is a lock-free stack whose head carries a tag that every change bumps: a
 * slot popped, reused and pushed back between a thread's load of the head and its CAS changes
 * the tag, so that CAS fails (ABA). Slots are never freed, so reading a popped slot's link is
 * always safe; a stale link only makes the CAS fail. bench_threads showed the mutex this
 * replaces halving handle create+free throughput at 2 threads (docs/PERFORMANCE.md). */
static bool free_pop(uint32_t *idx)
{
    _Atomic uint64_t *top = &table()->free_top;
    uint64_t w = atomic_load_explicit(top, memory_order_acquire), next;

    do {
        if ((uint32_t)w == 0)
            return false;
        next = ((w >> 32) + 1) << 32 |
               atomic_load_explicit(&slot_get((uint32_t)w - 1)->next_free, memory_order_relaxed);
    } while (!atomic_compare_exchange_weak_explicit(top, &w, next, memory_order_acquire,
                                                    memory_order_acquire));
    *idx = (uint32_t)w - 1;
    return true;
}

static void free_push(struct handle_slot *s, uint32_t idx)
{
    _Atomic uint64_t *top = &table()->free_top;
    uint64_t w = atomic_load_explicit(top, memory_order_relaxed), next;

    do {
        atomic_store_explicit(&s->next_free, (uint32_t)w, memory_order_relaxed);
        next = ((w >> 32) + 1) << 32 | (idx + 1);
    } while (!atomic_compare_exchange_weak_explicit(top, &w, next, memory_order_release,
                                                    memory_order_relaxed));
}

/* A slot never used before, growing the table by a chunk when needed: the one place that
 * takes the table's lock. */
static bool slot_new(uint32_t *idx)
{
    struct handle_slot *chunk;
    uint32_t first;
    bool ok = false;

    pthread_mutex_lock(&table()->lock);
    first = table()->slots_made;
    if (first % CHUNK_SLOTS == 0) {
        if (first / CHUNK_SLOTS >= MAX_CHUNKS || (chunk = calloc(CHUNK_SLOTS, sizeof(*chunk))) == NULL)
            goto out;
        for (uint32_t i = 0; i < CHUNK_SLOTS; i++) {
            atomic_init(&chunk[i].state, (uint64_t)1 << 32); /* generation 1 */
            atomic_init(&chunk[i].next_free, 0);
        }
        atomic_store_explicit(&table()->chunks[first / CHUNK_SLOTS], chunk, memory_order_release);
    }
    *idx = table()->slots_made++;
    ok = true;
out:
    pthread_mutex_unlock(&table()->lock);
    return ok;
}

SECURITY_STATUS handle_create(struct object *obj, ULONG_PTR *out)
{
    struct handle_slot *s;
    uint32_t idx;
    uint64_t w;

    pthread_once(&table()->mask_once, mask_init);
    if (!free_pop(&idx) && !slot_new(&idx))
        return NTE_NO_MEMORY;
    s = slot_get(idx);
    obj->slot = idx;
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    atomic_store_explicit(&s->cls, (unsigned)obj->cls, memory_order_relaxed);
    w = atomic_load_explicit(&s->state, memory_order_relaxed);
    atomic_store_explicit(&s->state, (w & ~(LIVE_BIT | PIN_MASK)) | LIVE_BIT, memory_order_release);
    atomic_fetch_add(&table()->live, 1);
    *out = handle_encode(idx, GEN(w));
    return SEC_E_OK;
}

SECURITY_STATUS handle_pin(ULONG_PTR h, unsigned class_mask, struct object **out)
{
    uint64_t raw = (uint64_t)h ^ table()->mask;
    uint32_t low = (uint32_t)raw, gen = GEN(raw);
    struct handle_slot *s;
    struct object *obj;
    uint64_t w;

    *out = NULL;
    if (h == 0 || low == 0 || (s = slot_get(low - 1)) == NULL)
        return NTE_INVALID_HANDLE;
    w = atomic_load_explicit(&s->state, memory_order_acquire);
    do {
        if (GEN(w) != gen || !(w & LIVE_BIT) || (w & PIN_MASK) == PIN_MASK)
            return NTE_INVALID_HANDLE;
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &w, w + 1, memory_order_acquire,
                                                    memory_order_acquire));
    obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
    if (!(class_mask & CLASS_BIT(obj->cls))) {
        handle_unpin(obj);
        return NTE_INVALID_HANDLE;
    }
    *out = obj;
    return SEC_E_OK;
}

bool handle_names(ULONG_PTR h, const struct object *obj)
{
    uint64_t raw = (uint64_t)h ^ table()->mask;
    uint32_t low = (uint32_t)raw;
    struct handle_slot *s;
    uint64_t w;

    if (h == 0 || low == 0 || (s = slot_get(low - 1)) == NULL)
        return false;
    w = atomic_load_explicit(&s->state, memory_order_acquire);
    /* obj cannot be freed and its address reused meanwhile (the caller keeps it alive), so
     * seeing it in a slot whose state matched is seeing this handle's object; a close racing
     * with the check answers either way, as it would for a pin. */
    return GEN(w) == GEN(raw) && (w & LIVE_BIT) &&
           atomic_load_explicit(&s->obj, memory_order_acquire) == obj;
}

unsigned handle_class_hint(ULONG_PTR h)
{
    uint64_t raw = (uint64_t)h ^ table()->mask;
    uint32_t low = (uint32_t)raw;
    struct handle_slot *s;
    uint64_t w;

    if (h == 0 || low == 0 || (s = slot_get(low - 1)) == NULL)
        return 0;
    w = atomic_load_explicit(&s->state, memory_order_acquire);
    if (GEN(w) != GEN(raw) || !(w & LIVE_BIT))
        return 0;
    /* may already belong to the slot's next life: a hint, which the pin that follows it
     * confirms or refuses */
    return atomic_load_explicit(&s->cls, memory_order_relaxed);
}

/* The last pin of a closed slot: drop the table's reference and recycle the slot under a
 * new generation, so every old handle to it stays invalid. A slot whose generation would
 * wrap is never reused: after 2^32 - 1 lives an old handle would otherwise name a new
 * object (generation 0 is never issued, so the retired slot answers to no handle). */
static void slot_retire(struct handle_slot *s, uint32_t idx, uint64_t w)
{
    struct object *obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
    uint32_t next_gen = GEN(w) + 1;

    atomic_store_explicit(&s->obj, NULL, memory_order_relaxed);
    atomic_store_explicit(&s->state, (uint64_t)next_gen << 32, memory_order_release);
    if (next_gen != 0)
        free_push(s, idx);
    atomic_fetch_sub(&table()->live, 1);
    obj_unref(obj);
}

void handle_unpin(struct object *obj)
{
    struct handle_slot *s = slot_get(obj->slot);
    uint64_t w = atomic_fetch_sub_explicit(&s->state, 1, memory_order_acq_rel) - 1;

    if (!(w & LIVE_BIT) && (w & PIN_MASK) == 0)
        slot_retire(s, obj->slot, w);
}

SECURITY_STATUS handle_close(struct object *pinned)
{
    struct handle_slot *s = slot_get(pinned->slot);
    uint64_t w = atomic_load_explicit(&s->state, memory_order_acquire);

    do {
        if (!(w & LIVE_BIT))
            return NTE_INVALID_HANDLE; /* another thread freed it first */
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &w, w & ~LIVE_BIT,
                                                    memory_order_acq_rel, memory_order_acquire));
    return SEC_E_OK;
}

size_t handle_live_count(void)
{
    return atomic_load(&table()->live);
}

void handle_discard(ULONG_PTR h)
{
    struct object *obj;

    if (h != 0 && handle_pin(h, CLASS_ANY, &obj) == SEC_E_OK) {
        handle_close(obj);
        handle_unpin(obj);
    }
}
