/* The typed handle table (DESIGN.md "Handles"). A handle encodes slot index and generation,
 * never a pointer: zero, random, stale, double-freed and wrong-class handles are refused
 * without touching freed memory. Lookups are lock-free; a pinned object stays alive until
 * the matching unpin even if another thread frees its handle meanwhile. */
#ifndef SSLPROV_HANDLES_H
#define SSLPROV_HANDLES_H

#include <stdbool.h>
#include "object.h"

/* Register obj (its refs == 1 belongs to the table). On failure the caller still owns obj. */
SECURITY_STATUS handle_create(struct object *obj, ULONG_PTR *out);

/* Resolve h to a live object whose class is in class_mask and pin it for the call.
 * NTE_INVALID_HANDLE for anything else. */
SECURITY_STATUS handle_pin(ULONG_PTR h, unsigned class_mask, struct object **out);
void handle_unpin(struct object *obj);

/* Whether h is, at this moment, a live handle of obj, without pinning it or reading obj: for
 * an object the caller keeps alive otherwise (a pinned child's provider). */
bool handle_names(ULONG_PTR h, const struct object *obj);

/* The class of the object behind h (0 if h names no live object), without pinning it: the
 * router's choice of provider. A handle closed and reused meanwhile may answer its new
 * object's class, so whoever acts on the hint still pins h, which then refuses it. */
unsigned handle_class_hint(ULONG_PTR h);

/* Invalidate h at once (it must be pinned by the caller through pinned); the object is
 * released when the last pin goes. NTE_INVALID_HANDLE if another thread closed it first. */
SECURITY_STATUS handle_close(struct object *pinned);

/* Close a handle this module just made, on a failure path of the call that made it. */
void handle_discard(ULONG_PTR h);

/* Number of live handles (tests, leak checks). */
size_t handle_live_count(void);

#endif
