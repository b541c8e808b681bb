/* A realm: the state the handles, the SslFreeBuffer blocks and the certificate–key
 * associations live in. One per process today (realm_current), so that a key-isolation daemon
 * can later keep one per client: each module reads its part through realm_current() and no
 * other global holds that state. The parts' element types stay private to their modules
 * (handles.c, buffer.c, keystore.c). */
#ifndef SSLPROV_REALM_H
#define SSLPROV_REALM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define REALM_HANDLE_CHUNKS 4096u /* of 1024 slots: 4M handles at once */

struct handle_slot;  /* handles.c */
struct buffer_entry; /* buffer.c */
struct assoc;        /* keystore.c */

/* The typed handle table (handles.c). */
struct realm_handles {
    struct handle_slot *_Atomic chunks[REALM_HANDLE_CHUNKS]; /* never freed */
    pthread_mutex_t lock;      /* growing the table (slots_made, chunks) */
    uint32_t slots_made;
    _Atomic uint64_t free_top; /* the free list, lock-free: ABA tag << 32 | (index + 1);
                                  0 = empty */
    atomic_size_t live;
    uint64_t mask;             /* scrambles generations, so handles are not small numbers */
    pthread_once_t mask_once;
};

/* A pointer set of caller-owned blocks (buffer.c). */
struct realm_ptrset {
    struct buffer_entry *e;
    size_t cap, len;
    pthread_mutex_t lock;
};

struct realm {
    struct realm_handles handles;
    struct realm_ptrset buffers;  /* ours */
    struct realm_ptrset adopted;  /* handed out by loaded providers (buffer_adopt) */
    struct realm_assocs {
        pthread_mutex_t lock;
        struct assoc *table;      /* certificate -> key (conventions.md §9) */
        size_t len, cap;
    } assocs;
};

extern struct realm sp_process_realm;

/* The realm of the calling client: the process's. */
static inline struct realm *realm_current(void)
{
    return &sp_process_realm;
}

#endif
