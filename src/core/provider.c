#include <openssl/crypto.h>
#include "handles.h"
#include "provider.h"
#include "wstr.h"

static void provider_destroy(struct object *obj)
{
    struct provider *prov = (struct provider *)obj;

    backend_close(&prov->be);
    keylog_close(&prov->log);
    OPENSSL_clear_free(prov, sizeof(*prov));
}

SECURITY_STATUS provider_open(ULONG_PTR *out)
{
    struct provider *prov = OPENSSL_zalloc(sizeof(*prov));
    SECURITY_STATUS st;

    *out = 0;
    if (prov == NULL)
        return NTE_NO_MEMORY;
    obj_init(&prov->hdr, OBJ_PROVIDER, NULL, provider_destroy);
    atomic_init(&prov->user_refs, 1);
    keylog_open(&prov->log);
    if ((st = backend_open(&prov->be)) != SEC_E_OK || (st = handle_create(&prov->hdr, out)) != SEC_E_OK)
        obj_unref(&prov->hdr);
    return st;
}

SECURITY_STATUS provider_pin(NCRYPT_PROV_HANDLE h, struct provider **out)
{
    struct object *obj;
    SECURITY_STATUS st = handle_pin(h, CLASS_BIT(OBJ_PROVIDER), &obj);

    *out = (struct provider *)obj;
    return st;
}

void provider_unpin(struct provider *prov)
{
    if (prov != NULL)
        handle_unpin(&prov->hdr);
}

SECURITY_STATUS provider_obj_pin(struct provider *prov, ULONG_PTR h, unsigned class_mask,
                                 struct object **out)
{
    SECURITY_STATUS st = handle_pin(h, class_mask, out);

    if (st == SEC_E_OK && (*out)->prov != prov) {
        handle_unpin(*out);
        *out = NULL;
        st = NTE_INVALID_HANDLE;
    }
    return st;
}

SECURITY_STATUS provider_addref(struct provider *prov)
{
    int cur = atomic_load(&prov->user_refs);

    do {
        if (cur <= 0 || cur == INT32_MAX)
            return NTE_INVALID_HANDLE;
    } while (!atomic_compare_exchange_weak(&prov->user_refs, &cur, cur + 1));
    return SEC_E_OK;
}

SECURITY_STATUS provider_release(struct provider *prov)
{
    int cur = atomic_load(&prov->user_refs);

    do {
        if (cur <= 0)
            return NTE_INVALID_HANDLE;
    } while (!atomic_compare_exchange_weak(&prov->user_refs, &cur, cur - 1));
    return cur == 1 ? handle_close(&prov->hdr) : SEC_E_OK;
}

bool provider_name_matches(LPCWSTR name)
{
    return name == NULL || wstr_eq_ascii(name, SSLPROV_PROVIDER_NAME);
}
