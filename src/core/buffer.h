/* Memory handed to callers and released with SslFreeBuffer (api.md §6.4). Every block is
 * registered, so SslFreeBuffer refuses pointers we never handed out without reading them,
 * and wipes each block before freeing it. */
#ifndef SSLPROV_BUFFER_H
#define SSLPROV_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include "sslprovider.h"

enum buffer_kind {
    BUF_PLAIN = 1,     /* records, arrays, property values */
    BUF_ENUM_STATE,    /* SslEnumCipherSuites cursor */
    BUF_ENUM_STATE_EX, /* SslEnumCipherSuitesEx cursor (not interchangeable) */
    BUF_PROP_STATE,    /* SslGetProviderProperty cursor */
    BUF_ROUTED_STATE   /* router: a routed provider's cursor, wrapped (src/router/routed.c) */
};

/* Zeroed, registered block; NULL on allocation failure. */
void *buffer_alloc(enum buffer_kind kind, size_t size);
/* Kind of a registered block, 0 if p is not one of ours. */
enum buffer_kind buffer_kind(const void *p);
/* Unregister, wipe and free; NTE_INVALID_PARAMETER if p is not ours. */
SECURITY_STATUS buffer_free(void *p);
size_t buffer_live_count(void);
/* buffer_free of a block of this kind, copying its first n bytes out first, all under the
 * set's lock: exactly one of two concurrent callers gets the block. */
SECURITY_STATUS buffer_take(void *p, enum buffer_kind kind, void *copy, size_t n);

/* Blocks a loaded provider handed out (router): recorded with their owner so SslFreeBuffer
 * gives each back to the provider that made it. buffer_adopt fails on allocation failure or
 * if p is recorded already; buffer_disown forgets p and returns its owner (NULL: not one). */
bool buffer_adopt(void *p, const void *owner);
const void *buffer_adopted_owner(const void *p);
const void *buffer_disown(void *p);

#endif
