/* Handles and buffers of the providers the router reaches through their tables (router.h). */
#include <openssl/crypto.h>
#include "buffer.h"
#include "router.h"

atomic_size_t routed_live;

/* A provider wrapper goes when its last user reference and its last object are gone: only
 * then is the provider's own handle freed, so the provider sees its objects go first. */
static void routed_destroy(struct object *obj)
{
    struct routed *r = (struct routed *)obj;
    struct routed *prov = r->prov;

    if (obj->cls == OBJ_ROUTED_PROVIDER)
        atomic_load(&r->rp->table)->FreeObject(r->inner, 0);
    OPENSSL_free(r);
    atomic_fetch_sub_explicit(&routed_live, 1, memory_order_relaxed);
    if (prov != NULL)
        obj_unref(&prov->hdr);
}

/* A wrapper around inner, registered in the handle table. On failure nothing is left. */
static SECURITY_STATUS routed_new(const struct registered *rp, enum obj_class cls,
                                  struct routed *prov, ULONG_PTR inner, ULONG_PTR *out)
{
    struct routed *r = OPENSSL_zalloc(sizeof(*r));
    SECURITY_STATUS st;

    *out = 0;
    if (r == NULL)
        return NTE_NO_MEMORY;
    obj_init(&r->hdr, cls, NULL, routed_destroy);
    r->rp = rp;
    r->inner = inner;
    r->prov = prov;
    atomic_init(&r->user_refs, 1);
    if (prov != NULL)
        obj_ref(&prov->hdr);
    /* counted before its handle exists: whoever is given the handle sees the count */
    atomic_fetch_add_explicit(&routed_live, 1, memory_order_relaxed);
    if ((st = handle_create(&r->hdr, out)) != SEC_E_OK) {
        OPENSSL_free(r);
        atomic_fetch_sub_explicit(&routed_live, 1, memory_order_relaxed);
        if (prov != NULL)
            obj_unref(&prov->hdr);
        return st;
    }
    return SEC_E_OK;
}

SECURITY_STATUS routed_open(const struct registered *rp, NCRYPT_PROV_HANDLE *ph, LPCWSTR name,
                            DWORD flags)
{
    const NCRYPT_SSL_FUNCTION_TABLE *t = atomic_load(&rp->table);
    NCRYPT_PROV_HANDLE inner = 0;
    SECURITY_STATUS st;

    /* the provider checks its own arguments (ph is known non-NULL here) */
    if ((st = t->OpenProvider(&inner, name, flags)) != SEC_E_OK)
        return st;
    if ((st = routed_new(rp, OBJ_ROUTED_PROVIDER, NULL, inner, ph)) != SEC_E_OK) {
        t->FreeObject(inner, 0);
        return STATUS_NO_MEMORY; /* api.md A2, as the built-in provider answers */
    }
    return SEC_E_OK;
}

static SECURITY_STATUS pin(ULONG_PTR h, enum obj_class cls, struct routed **out)
{
    struct object *obj;
    SECURITY_STATUS st = handle_pin(h, CLASS_BIT(cls), &obj);

    *out = st == SEC_E_OK ? (struct routed *)obj : NULL;
    return st;
}

SECURITY_STATUS route_begin(struct route *r, NCRYPT_PROV_HANDLE h, size_t slot)
{
    SECURITY_STATUS st;

    *r = (struct route){0};
    if ((st = pin(h, OBJ_ROUTED_PROVIDER, &r->prov)) != SEC_E_OK)
        return st;
    r->t = atomic_load(&r->prov->rp->table);
    r->inner = r->prov->inner;
    return slot < r->prov->rp->slots ? SEC_E_OK : NTE_NOT_SUPPORTED;
}

SECURITY_STATUS route_begin_object(struct route *r, ULONG_PTR h, size_t slot, ULONG_PTR *inner)
{
    struct routed *obj;
    SECURITY_STATUS st;

    *r = (struct route){0};
    *inner = 0;
    if ((st = pin(h, OBJ_ROUTED, &obj)) != SEC_E_OK)
        return st;
    r->pins[r->n++] = obj;
    r->t = atomic_load(&obj->rp->table);
    *inner = obj->inner;
    return slot < obj->rp->slots ? SEC_E_OK : NTE_NOT_SUPPORTED;
}

SECURITY_STATUS route_in(struct route *r, ULONG_PTR h, ULONG_PTR *inner)
{
    struct routed *obj;
    SECURITY_STATUS st;

    *inner = 0;
    if (h == 0)
        return SEC_E_OK; /* whether 0 is acceptable is the provider's call */
    if (r->n == ROUTE_MAX_PINS)
        return NTE_INTERNAL_ERROR;
    if ((st = pin(h, OBJ_ROUTED, &obj)) != SEC_E_OK)
        return st;
    r->pins[r->n++] = obj;
    /* another provider's handle, or one of another open of this provider: refused here, as
     * the built-in provider refuses a handle of another provider handle */
    if (obj->prov != r->prov)
        return NTE_INVALID_HANDLE;
    *inner = obj->inner;
    return SEC_E_OK;
}

SECURITY_STATUS route_out(struct route *r, SECURITY_STATUS st, ULONG_PTR *ph, ULONG_PTR inner)
{
    if (ph == NULL)
        return st;
    if (st != SEC_E_OK) {
        /* the provider's answer was an error, or an earlier output could not be wrapped:
         * whatever it made for this output goes back to it */
        if (inner != 0 && r->t != NULL)
            r->t->FreeObject(inner, 0);
        *ph = 0;
        return st;
    }
    if (routed_new(r->prov->rp, OBJ_ROUTED, r->prov, inner, ph) != SEC_E_OK) {
        r->t->FreeObject(inner, 0);
        return NTE_NO_MEMORY;
    }
    return SEC_E_OK;
}

void route_undo(struct route *r, SECURITY_STATUS st, ULONG_PTR *ph)
{
    if (st != SEC_E_OK && ph != NULL && *ph != 0) {
        routed_free(*ph, 0);
        *ph = 0;
    }
}

SECURITY_STATUS route_buffer(struct route *r, SECURITY_STATUS st, void **pp)
{
    const struct registered *rp = r->prov != NULL ? r->prov->rp : r->pins[0]->rp;

    if (st != SEC_E_OK || pp == NULL || *pp == NULL)
        return st;
    if (!buffer_adopt(*pp, rp)) {
        r->t->FreeBuffer(*pp);
        *pp = NULL;
        return NTE_NO_MEMORY;
    }
    return SEC_E_OK;
}

struct state_wrap {
    const struct registered *rp;
    void *inner;
};

SECURITY_STATUS route_state_in(struct route *r, void *const *pp, void **inner)
{
    const struct state_wrap *w;

    *inner = NULL;
    if (pp == NULL || *pp == NULL)
        return SEC_E_OK;
    if (buffer_kind(*pp) != BUF_ROUTED_STATE)
        return NTE_INVALID_PARAMETER;
    w = *pp;
    if (w->rp != r->prov->rp)
        return NTE_INVALID_PARAMETER;
    *inner = w->inner;
    return SEC_E_OK;
}

SECURITY_STATUS route_state_out(struct route *r, SECURITY_STATUS st, void **pp, void *inner)
{
    struct state_wrap *w;

    if (pp == NULL || r->prov == NULL)
        return st;
    if (*pp != NULL) {
        w = *pp;
        /* the provider may have replaced its state; a block refused by route_state_in is
         * left alone */
        if (buffer_kind(w) == BUF_ROUTED_STATE && w->rp == r->prov->rp)
            w->inner = inner;
        return st;
    }
    if (inner == NULL)
        return st;
    if ((w = buffer_alloc(BUF_ROUTED_STATE, sizeof(*w))) == NULL) {
        r->t->FreeBuffer(inner);
        return NTE_NO_MEMORY;
    }
    w->rp = r->prov->rp;
    w->inner = inner;
    *pp = w;
    return st;
}

SECURITY_STATUS routed_state_free(void *p)
{
    struct state_wrap w;
    SECURITY_STATUS st;

    /* taken out of the block set before the provider's state is released: of two threads
     * freeing one wrapper, one frees the state, the other gets NTE_INVALID_PARAMETER */
    if ((st = buffer_take(p, BUF_ROUTED_STATE, &w, sizeof(w))) == SEC_E_OK && w.inner != NULL)
        atomic_load(&w.rp->table)->FreeBuffer(w.inner);
    return st;
}

SECURITY_STATUS route_end(struct route *r, SECURITY_STATUS st)
{
    while (r->n > 0)
        handle_unpin(&r->pins[--r->n]->hdr);
    if (r->prov != NULL)
        handle_unpin(&r->prov->hdr);
    r->prov = NULL;
    return st;
}

/* SslFreeObject: a key's handle goes once its provider has freed it (the provider's status is
 * the answer); a provider handle loses one user reference, as the built-in one does. */
SECURITY_STATUS routed_free(ULONG_PTR h, DWORD flags)
{
    struct object *obj;
    struct routed *r;
    SECURITY_STATUS st;

    if ((st = handle_pin(h, CLASS_BIT(OBJ_ROUTED) | CLASS_BIT(OBJ_ROUTED_PROVIDER), &obj)) != SEC_E_OK)
        return st;
    r = (struct routed *)obj;
    if (obj->cls == OBJ_ROUTED_PROVIDER) {
        handle_unpin(obj);
        return routed_release(h);
    }
    if ((st = atomic_load(&r->rp->table)->FreeObject(r->inner, flags)) == SEC_E_OK)
        st = handle_close(obj);
    handle_unpin(obj);
    return st;
}

SECURITY_STATUS routed_addref(NCRYPT_PROV_HANDLE h)
{
    struct routed *r;
    SECURITY_STATUS st;
    int cur;

    if ((st = pin(h, OBJ_ROUTED_PROVIDER, &r)) != SEC_E_OK)
        return st;
    cur = atomic_load(&r->user_refs);
    do {
        if (cur <= 0 || cur == INT32_MAX) { /* as provider_addref answers */
            st = NTE_INVALID_HANDLE;
            break;
        }
    } while (!atomic_compare_exchange_weak(&r->user_refs, &cur, cur + 1));
    handle_unpin(&r->hdr);
    return st;
}

SECURITY_STATUS routed_release(NCRYPT_PROV_HANDLE h)
{
    struct routed *r;
    SECURITY_STATUS st;
    int cur;

    if ((st = pin(h, OBJ_ROUTED_PROVIDER, &r)) != SEC_E_OK)
        return st;
    cur = atomic_load(&r->user_refs);
    do {
        if (cur <= 0) {
            handle_unpin(&r->hdr);
            return NTE_INVALID_HANDLE;
        }
    } while (!atomic_compare_exchange_weak(&r->user_refs, &cur, cur - 1));
    if (cur == 1)
        st = handle_close(&r->hdr);
    handle_unpin(&r->hdr);
    return st;
}
