/* fake.h's objects: freed as every object is, through the handle table's last reference. */
#include <openssl/crypto.h>
#include "fake.h"

static void fake_destroy(struct object *obj)
{
    OPENSSL_clear_free(obj, sizeof(struct fake));
}

ULONG_PTR fake_new(NCRYPT_PROV_HANDLE hprov, enum obj_class cls)
{
    struct provider *prov;
    struct fake *f;
    ULONG_PTR h = 0;

    if (provider_pin(hprov, &prov) != SEC_E_OK)
        return 0;
    if ((f = OPENSSL_zalloc(sizeof(*f))) != NULL) {
        obj_init(&f->hdr, cls, prov, fake_destroy);
        if (handle_create(&f->hdr, &h) != SEC_E_OK)
            obj_unref(&f->hdr);
    }
    provider_unpin(prov);
    return h;
}
