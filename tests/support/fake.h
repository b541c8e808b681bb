/* Test objects of any class, registered in the real handle table of a real provider. They
 * let the handle tests reach every parameter of every entry point before the key classes
 * have creators of their own; entry points validate every handle before using any. */
#ifndef SSLPROV_TEST_FAKE_H
#define SSLPROV_TEST_FAKE_H

#include <openssl/crypto.h>
#include "handles.h"
#include "provider.h"

struct fake {
    struct object hdr;
    unsigned char secret[48];
};

static void fake_destroy(struct object *obj)
{
    OPENSSL_clear_free(obj, sizeof(struct fake));
}

/* A handle of class cls made by the provider behind hprov (0 on failure). */
static inline ULONG_PTR fake_new(NCRYPT_PROV_HANDLE hprov, enum obj_class cls)
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

#endif
