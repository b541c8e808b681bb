/* Group A: provider, router and memory (api.md §7 A1–A8). */
#include <string.h>
#include "buffer.h"
#include "handles.h"
#include "provider.h"
#include "wstr.h"

#define PROVIDER_COMMENT "sslprov: the CNG SSL Protocol Provider on OpenSSL 3"

SECURITY_STATUS WINAPI SslOpenProvider(NCRYPT_PROV_HANDLE *phSslProvider, LPCWSTR pszProviderName,
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
SECURITY_STATUS WINAPI SslFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags)
{
    struct object *obj;
    SECURITY_STATUS st;

    if ((st = handle_pin(hObject, CLASS_ANY, &obj)) != SEC_E_OK)
        return st;
    if (obj->cls == OBJ_PROVIDER)
        st = provider_release((struct provider *)obj);
    else
        st = handle_close(obj);
    handle_unpin(obj);
    return st;
}

SECURITY_STATUS WINAPI SslFreeBuffer(PVOID pvInput)
{
    return buffer_free(pvInput);
}

SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    struct provider *prov;
    SECURITY_STATUS st;

    if ((st = provider_pin(hSslProvider, &prov)) != SEC_E_OK)
        return st;
    st = provider_addref(prov);
    provider_unpin(prov);
    return st;
}

SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    struct provider *prov;
    SECURITY_STATUS st;

    if ((st = provider_pin(hSslProvider, &prov)) != SEC_E_OK)
        return st;
    st = provider_release(prov);
    provider_unpin(prov);
    return st;
}

SECURITY_STATUS WINAPI SslEnumProtocolProviders(DWORD *pdwProviderCount,
                                                NCryptProviderName **ppProviderList, DWORD dwFlags)
{
    static const char *const strings[2] = {SSLPROV_PROVIDER_NAME, PROVIDER_COMMENT};
    size_t name_units = strlen(strings[0]) + 1, comment_units = strlen(strings[1]) + 1;
    NCryptProviderName *list;
    WCHAR *text;

    if (pdwProviderCount == NULL || ppProviderList == NULL)
        return NTE_INVALID_PARAMETER;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    /* one block: the array, then both strings, so one SslFreeBuffer releases it all */
    list = buffer_alloc(BUF_PLAIN, sizeof(*list) + (name_units + comment_units) * sizeof(WCHAR));
    if (list == NULL)
        return NTE_NO_MEMORY;
    text = (WCHAR *)(list + 1);
    wstr_from_ascii(text, name_units, strings[0]);
    wstr_from_ascii(text + name_units, comment_units, strings[1]);
    list[0].pszName = text;
    list[0].pszComment = text + name_units;
    *pdwProviderCount = 1;
    *ppProviderList = list;
    return SEC_E_OK;
}

/* Windows publishes no provider property names (OQ-PROP-1): we answer NCRYPT_NAME_PROPERTY
 * and NCRYPT_VERSION_PROPERTY. With an enumeration state, the single value comes once and
 * the next call reports NTE_NO_MORE_ITEMS. */
SECURITY_STATUS WINAPI SslGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider, LPCWSTR pszProperty,
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

/* api.md A7: not implemented on Windows either; hEvent is never touched. */
SECURITY_STATUS WINAPI SslChangeNotify(HANDLE hEvent, DWORD dwFlags)
{
    return NTE_NOT_SUPPORTED;
}
