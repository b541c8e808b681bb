/* Group A: provider, router and memory (api.md §7 A1–A8). */
#include <string.h>
#include "buffer.h"
#include "handles.h"
#include "provider.h"
#include "wstr.h"
#include "sp_api.h"

SECURITY_STATUS WINAPI SPSslOpenProvider(NCRYPT_PROV_HANDLE *phSslProvider, LPCWSTR pszProviderName,
                                       DWORD dwFlags)
{
    if (phSslProvider == NULL)
        return NTE_INVALID_PARAMETER;
    *phSslProvider = 0;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    if (!provider_name_matches(pszProviderName))
        return NTE_PROV_DLL_NOT_FOUND;
    /* api.md A2: this is the one place Windows documents STATUS_NO_MEMORY */
    SECURITY_STATUS st = provider_open(phSslProvider);
    return st == NTE_NO_MEMORY ? STATUS_NO_MEMORY : st;
}

/* conventions.md §1: every bad, stale or double-freed handle is NTE_INVALID_HANDLE. Freeing
 * a provider is one reference less (api.md OQ-FREE-2); its objects keep it alive. */
SECURITY_STATUS WINAPI SPSslFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags)
{
    struct object *obj;
    SECURITY_STATUS st;

    if ((st = handle_pin(hObject, CLASS_BUILTIN, &obj)) != SEC_E_OK)
        return st;
    if (obj->cls == OBJ_PROVIDER)
        st = provider_release((struct provider *)obj);
    else
        st = handle_close(obj);
    handle_unpin(obj);
    return st;
}

SECURITY_STATUS WINAPI SPSslFreeBuffer(PVOID pvInput)
{
    return buffer_free(pvInput);
}

SECURITY_STATUS WINAPI SPSslIncrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    struct provider *prov;
    SECURITY_STATUS st;

    if ((st = provider_pin(hSslProvider, &prov)) != SEC_E_OK)
        return st;
    st = provider_addref(prov);
    provider_unpin(prov);
    return st;
}

SECURITY_STATUS WINAPI SPSslDecrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    struct provider *prov;
    SECURITY_STATUS st;

    if ((st = provider_pin(hSslProvider, &prov)) != SEC_E_OK)
        return st;
    st = provider_release(prov);
    provider_unpin(prov);
    return st;
}

/* Windows publishes no provider property names (OQ-PROP-1): we answer NCRYPT_NAME_PROPERTY
 * and NCRYPT_VERSION_PROPERTY. With an enumeration state, the single value comes once and
 * the next call reports NTE_NO_MORE_ITEMS. */
SECURITY_STATUS WINAPI SPSslGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider, LPCWSTR pszProperty,
                                              PBYTE *ppbOutput, DWORD *pcbOutput,
                                              PVOID *ppEnumState, DWORD dwFlags)
{
    struct provider *prov;
    SECURITY_STATUS st;
    size_t len;
    PBYTE out;
    bool is_name;

    if ((st = provider_pin(hSslProvider, &prov)) != SEC_E_OK)
        return st;
    st = NTE_INVALID_PARAMETER;
    if (pszProperty == NULL || ppbOutput == NULL || pcbOutput == NULL)
        goto out;
    if (ppEnumState != NULL && *ppEnumState != NULL && buffer_kind(*ppEnumState) != BUF_PROP_STATE)
        goto out;
    is_name = wstr_eq_ascii(pszProperty, "Name");
    if (!is_name && !wstr_eq_ascii(pszProperty, "Version")) {
        st = NTE_NOT_SUPPORTED;
        goto out;
    }
    if (ppEnumState != NULL && *ppEnumState != NULL) {
        st = NTE_NO_MORE_ITEMS;
        goto out;
    }
    len = is_name ? (strlen(SSLPROV_PROVIDER_NAME) + 1) * sizeof(WCHAR) : sizeof(DWORD);
    st = NTE_NO_MEMORY;
    if ((out = buffer_alloc(BUF_PLAIN, len)) == NULL)
        goto out;
    if (ppEnumState != NULL && (*ppEnumState = buffer_alloc(BUF_PROP_STATE, 1)) == NULL) {
        buffer_free(out);
        goto out;
    }
    if (is_name) {
        wstr_from_ascii((WCHAR *)out, len / sizeof(WCHAR), SSLPROV_PROVIDER_NAME);
    } else {
        DWORD v = (DWORD)SSLPROV_INTERFACE_MAJOR << 16;
        memcpy(out, &v, sizeof(v));
    }
    *ppbOutput = out;
    *pcbOutput = (DWORD)len;
    st = SEC_E_OK;
out:
    provider_unpin(prov);
    return st;
}
