/* Memory handed to callers and released with SslFreeBuffer (api.md §6.4). Every block is
 * registered, so SslFreeBuffer refuses pointers we never handed out without reading them,
 * and wipes each block before freeing it. */
#ifndef SSLPROV_BUFFER_H
#define SSLPROV_BUFFER_H

#include <stddef.h>
#include "sslprovider.h"

enum buffer_kind {
    BUF_PLAIN = 1,     /* records, arrays, property values */
    BUF_ENUM_STATE,    /* SslEnumCipherSuites cursor */
    BUF_ENUM_STATE_EX, /* SslEnumCipherSuitesEx cursor (not interchangeable) */
    BUF_PROP_STATE     /* SslGetProviderProperty cursor */
};

/* Zeroed, registered block; NULL on allocation failure. */
void *buffer_alloc(enum buffer_kind kind, size_t size);
/* Kind of a registered block, 0 if p is not one of ours. */
enum buffer_kind buffer_kind(const void *p);
/* Unregister, wipe and free; NTE_INVALID_PARAMETER if p is not ours. */
SECURITY_STATUS buffer_free(void *p);
size_t buffer_live_count(void);

#endif
