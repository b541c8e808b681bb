/* The router (docs/ARCHITECTURE.md, docs/provider.md "Providers and the router"): the exported
 * Ssl* functions send each call to the provider that made its handle, as ncrypt does on
 * Windows through each provider's NCRYPT_SSL_FUNCTION_TABLE.
 *
 *  - The built-in provider's handles go straight to its SPSsl* function (one hint read, no
 *    extra pin: the fast path every record takes).
 *  - Any other provider — the tracing provider, or a shared object registered by name in the
 *    configuration file — is reached through its table. Its handles are wrapped in router
 *    objects of the realm's handle table (OBJ_ROUTED_PROVIDER, OBJ_ROUTED), so one provider's
 *    handle is refused by another, a stale one is refused before the provider sees it, and
 *    buffers it hands out go back to it through SslFreeBuffer. */
#ifndef SSLPROV_ROUTER_H
#define SSLPROV_ROUTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "handles.h"
#include "sp_api.h"

#define ROUTER_NAME_MAX 128

/* A provider the router knows: built in (table set from the start) or configured (module
 * loaded at its first SslOpenProvider). Entries live as long as the process: routed objects
 * point at them, and a loaded module is never unloaded. */
struct registered {
    char name[ROUTER_NAME_MAX];
    char comment[256];
    char module[4096];                        /* "" for a provider built into the library */
    const NCRYPT_SSL_FUNCTION_TABLE *_Atomic table; /* NULL until loaded */
    size_t slots;                             /* function pointers its Version gives it */
    /* SslExpandNextGenTrafficKey has no table slot (exported by ncrypt, undocumented): a
     * module may export it as SslProvExpandNextGenTrafficKey; NULL: NTE_NOT_SUPPORTED */
    SslExpandNextGenTrafficKeyFn next_gen;
};

/* The registry (registry.c). */
const struct registered *registry_builtin(void); /* MS_SCHANNEL_PROVIDER */
const struct registered *registry_trace(void);   /* the tracing provider (src/trace) */
/* Find a provider by name (case-insensitive; NULL is the built-in one), loading its module
 * on first use: NTE_PROV_DLL_NOT_FOUND for an unknown name or a module that cannot be
 * loaded, NTE_PROVIDER_DLL_FAIL for one without GetSChannelInterface, one that refuses the
 * name, or a table that is short (Version 0, or a NULL slot within its Version). */
SECURITY_STATUS registry_open(LPCWSTR name, const struct registered **out);
/* Whether SSLPROV_TRACE asks for the built-in provider to be opened through the tracer. */
bool registry_trace_builtin(void);
/* Number of providers and the i-th one, in SslEnumProtocolProviders order. */
size_t registry_count(void);
const struct registered *registry_at(size_t i);
/* The table and the number of its slots for GetSChannelInterface / SslInitializeInterface:
 * the providers built into this library (NULL: not one of them). */
const struct registered *registry_builtin_by_name(LPCWSTR name);

/* Slot index of a table member, for the version check. */
#define ROUTER_SLOT(member)                                                                        \
    ((offsetof(NCRYPT_SSL_FUNCTION_TABLE, member) -                                              \
      offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash)) / sizeof(void (*)(void)))

/* Routed objects (routed.c). */
struct routed {
    struct object hdr;          /* OBJ_ROUTED_PROVIDER or OBJ_ROUTED */
    const struct registered *rp;
    ULONG_PTR inner;            /* the provider's own handle */
    struct routed *prov;        /* OBJ_ROUTED: its provider (referenced); else NULL */
    atomic_int user_refs;       /* OBJ_ROUTED_PROVIDER: SslOpen/Increment/Decrement */
};

/* Routed objects alive (routed.c). While there are none — a process that uses the built-in
 * provider only — no handle can be one, and the router sends every call straight to the
 * built-in provider without looking at the handle (callgrind: the hint was ~30 of the ~66
 * instructions the router added to a record call). */
extern atomic_size_t routed_live;

static inline bool routed_any(void)
{
    return atomic_load_explicit(&routed_live, memory_order_relaxed) != 0;
}

/* Whether h is a provider handle (or another handle) the router wraps: the slow path. */
static inline bool routed_provider(NCRYPT_PROV_HANDLE h)
{
    return routed_any() && handle_class_hint(h) == OBJ_ROUTED_PROVIDER;
}
static inline bool routed_object(ULONG_PTR h)
{
    return routed_any() && handle_class_hint(h) == OBJ_ROUTED;
}

/* One call through a provider's table: the pinned provider and key wrappers it uses. */
#define ROUTE_MAX_PINS 3
struct route {
    struct routed *prov;
    const NCRYPT_SSL_FUNCTION_TABLE *t;
    ULONG_PTR inner;            /* the provider's own provider handle */
    struct routed *pins[ROUTE_MAX_PINS];
    unsigned n;
};

/* Pin provider handle h and check the provider has the slot: NTE_INVALID_HANDLE,
 * NTE_NOT_SUPPORTED (a provider of an older interface version). End with route_end. */
SECURITY_STATUS route_begin(struct route *r, NCRYPT_PROV_HANDLE h, size_t slot);
/* The same from a key or hash handle (SslGetKeyProperty has no provider parameter). */
SECURITY_STATUS route_begin_object(struct route *r, ULONG_PTR h, size_t slot, ULONG_PTR *inner);
/* An input handle of the call's provider (0 stays 0): its inner handle. */
SECURITY_STATUS route_in(struct route *r, ULONG_PTR h, ULONG_PTR *inner);
/* An output handle: with st SEC_E_OK wrap inner into *ph (on failure inner is freed and the
 * status is NTE_NO_MEMORY); otherwise *ph = 0. ph NULL: nothing to do. */
SECURITY_STATUS route_out(struct route *r, SECURITY_STATUS st, ULONG_PTR *ph, ULONG_PTR inner);
/* With two outputs: when the second failed (st), the first one made is freed and zeroed. */
void route_undo(struct route *r, SECURITY_STATUS st, ULONG_PTR *ph);
/* A block the provider handed out: recorded for SslFreeBuffer (or given back at once and
 * NTE_NO_MEMORY). pp NULL or *pp NULL: nothing to do. */
SECURITY_STATUS route_buffer(struct route *r, SECURITY_STATUS st, void **pp);
/* Enumeration states: the caller holds a router block (BUF_ROUTED_STATE) wrapping the
 * provider's own state, so a state goes only to the provider that made it, and the built-in
 * provider refuses a routed one as any foreign block. route_state_in unwraps *pp (NULL, or a
 * wrapper of this provider's: else NTE_INVALID_PARAMETER); route_state_out records what the
 * provider left in *inner, wrapping a new state on the first call. */
SECURITY_STATUS route_state_in(struct route *r, void *const *pp, void **inner);
SECURITY_STATUS route_state_out(struct route *r, SECURITY_STATUS st, void **pp, void *inner);
/* SslFreeBuffer of a wrapper: the provider's state goes back to it, then the wrapper. */
SECURITY_STATUS routed_state_free(void *p);
SECURITY_STATUS route_end(struct route *r, SECURITY_STATUS st);

/* SslOpenProvider of a table-reached provider; SslFreeObject, Increment/Decrement and
 * SslFreeBuffer of routed handles and blocks. */
SECURITY_STATUS routed_open(const struct registered *rp, NCRYPT_PROV_HANDLE *ph, LPCWSTR name,
                            DWORD flags);
SECURITY_STATUS routed_free(ULONG_PTR h, DWORD flags);
SECURITY_STATUS routed_addref(NCRYPT_PROV_HANDLE h);
SECURITY_STATUS routed_release(NCRYPT_PROV_HANDLE h);

#endif
