#include "object.h"
#include "provider.h"

void obj_init(struct object *obj, enum obj_class cls, struct provider *prov,
              void (*destroy)(struct object *))
{
    obj->cls = cls;
    atomic_init(&obj->refs, 1);
    obj->slot = UINT32_MAX;
    obj->prov = prov;
    obj->destroy = destroy;
    if (prov != NULL)
        obj_ref(&prov->hdr);
}

void obj_ref(struct object *obj)
{
    atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

/* The last reference destroys the object, then releases the provider it was made by: a
 * provider outlives every object derived from it (api.md §6.4). */
void obj_unref(struct object *obj)
{
    struct provider *prov;

    if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) != 1)
        return;
    prov = obj->prov;
    obj->destroy(obj);
    if (prov != NULL)
        obj_unref(&prov->hdr);
}
