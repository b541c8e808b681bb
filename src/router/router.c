/* The exported functions (router.h): each sends its call to the provider that made the handle
 * it is given — the built-in provider's SPSsl* function directly, any other provider through
 * its table with its handles, buffers and enumeration states translated. The built-in path
 * costs one hint read of the handle table; argument checks are the provider's own, in
 * Windows' order. */
#include <string.h>
#include "buffer.h"
#include "router.h"
#include "wstr.h"

/* ---- provider, objects, memory (api.md group A) ------------------------------------------- */

SECURITY_STATUS WINAPI SslOpenProvider(NCRYPT_PROV_HANDLE *phSslProvider, LPCWSTR pszProviderName,
                                       DWORD dwFlags)
{
    const struct registered *rp;
    SECURITY_STATUS st;

    if (phSslProvider == NULL)
        return NTE_INVALID_PARAMETER;
    *phSslProvider = 0;
    if (pszProviderName == NULL || wstr_eq_ascii(pszProviderName, registry_builtin()->name)) {
        if (!registry_trace_builtin())
            return SPSslOpenProvider(phSslProvider, pszProviderName, dwFlags);
        rp = registry_trace(); /* SSLPROV_TRACE: the same provider, every call logged */
    } else if ((st = registry_open(pszProviderName, &rp)) != SEC_E_OK) {
        /* the built-in provider's order: flags before the name */
        return st == NTE_PROV_DLL_NOT_FOUND && dwFlags != 0 ? NTE_BAD_FLAGS : st;
    }
    return routed_open(rp, phSslProvider, pszProviderName, dwFlags);
}

SECURITY_STATUS WINAPI SslFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags)
{
    unsigned cls = routed_any() ? handle_class_hint(hObject) : 0;

    if (cls == OBJ_ROUTED || cls == OBJ_ROUTED_PROVIDER)
        return routed_free(hObject, dwFlags);
    return SPSslFreeObject(hObject, dwFlags);
}

/* A block a routed provider handed out goes back to it; anything else is the built-in
 * provider's to free or refuse. */
SECURITY_STATUS WINAPI SslFreeBuffer(PVOID pvInput)
{
    const struct registered *rp;

    if (buffer_kind(pvInput) == BUF_ROUTED_STATE)
        return routed_state_free(pvInput);
    if ((rp = buffer_disown(pvInput)) != NULL)
        return atomic_load(&rp->table)->FreeBuffer(pvInput);
    return SPSslFreeBuffer(pvInput);
}

SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    if (routed_provider(hSslProvider))
        return routed_addref(hSslProvider);
    return SPSslIncrementProviderReferenceCount(hSslProvider);
}

SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider)
{
    if (routed_provider(hSslProvider))
        return routed_release(hSslProvider);
    return SPSslDecrementProviderReferenceCount(hSslProvider);
}

/* Every provider the router can open: the two built in, then the configured ones. One block
 * (the array, then the strings) so one SslFreeBuffer releases it. */
SECURITY_STATUS WINAPI SslEnumProtocolProviders(DWORD *pdwProviderCount,
                                                NCryptProviderName **ppProviderList, DWORD dwFlags)
{
    size_t n = registry_count(), units = 0;
    NCryptProviderName *list;
    WCHAR *text;

    if (pdwProviderCount == NULL || ppProviderList == NULL)
        return NTE_INVALID_PARAMETER;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    for (size_t i = 0; i < n; i++)
        units += strlen(registry_at(i)->name) + 1 + strlen(registry_at(i)->comment) + 1;
    list = buffer_alloc(BUF_PLAIN, n * sizeof(*list) + units * sizeof(WCHAR));
    if (list == NULL)
        return NTE_NO_MEMORY;
    text = (WCHAR *)(list + n);
    for (size_t i = 0; i < n; i++) {
        const struct registered *rp = registry_at(i);
        size_t nu = strlen(rp->name) + 1, cu = strlen(rp->comment) + 1;

        wstr_from_ascii(text, nu, rp->name);
        list[i].pszName = text;
        text += nu;
        wstr_from_ascii(text, cu, rp->comment);
        list[i].pszComment = text;
        text += cu;
    }
    *pdwProviderCount = (DWORD)n;
    *ppProviderList = list;
    return SEC_E_OK;
}

/* api.md A7: not implemented on Windows either; hEvent is never touched. */
SECURITY_STATUS WINAPI SslChangeNotify(HANDLE hEvent, DWORD dwFlags)
{
    return NTE_NOT_SUPPORTED;
}

/* ---- the library as a provider module (api.md A9, A10) ------------------------------------ */

/* The table of a provider built into this library: the Microsoft SSL Protocol Provider (NULL
 * or its name) or the tracing provider. Static, read-only, never freed. */
NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName,
                                     NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable, DWORD dwFlags)
{
    const struct registered *rp;

    if (ppFunctionTable == NULL)
        return STATUS_INVALID_PARAMETER;
    if ((rp = registry_builtin_by_name(pszProviderName)) == NULL)
        return STATUS_NOT_FOUND;
    /* the header's type is not const (Windows' ABI) */
    *ppFunctionTable = (NCRYPT_SSL_FUNCTION_TABLE *)atomic_load(&rp->table);
    return 0;
}

/* The caller owns the table and states in Version how many slots it has room for
 * (OQ-IFACE-2): we never write more, so an older caller's smaller table is safe. */
SECURITY_STATUS WINAPI SslInitializeInterface(LPCWSTR pszProviderName,
                                              NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
                                              DWORD dwFlags)
{
    static const size_t slots_per_version[] = {0, 23, 26, 30, 37, 41};
    const struct registered *rp;
    unsigned version;

    if (pFunctionTable == NULL)
        return NTE_INVALID_PARAMETER;
    if ((rp = registry_builtin_by_name(pszProviderName)) == NULL)
        return NTE_PROV_DLL_NOT_FOUND;
    version = pFunctionTable->Version.MajorVersion;
    if (version == 0)
        version = 1;
    if (version > 5)
        version = 5;
    memcpy((unsigned char *)pFunctionTable + offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash),
           (const unsigned char *)atomic_load(&rp->table) +
               offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash),
           slots_per_version[version] * sizeof(void (*)(void)));
    pFunctionTable->Version.MajorVersion = (USHORT)version;
    pFunctionTable->Version.MinorVersion = 0;
    return SEC_E_OK;
}

/* ---- built-in only: functions without a table slot ----------------------------------------- */

/* Undocumented on Windows and without a table slot: a routed provider answers it only if its
 * module exports SslProvExpandNextGenTrafficKey (router.h). */
SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_KEY_HANDLE hTrafficSecret,
                                                  NCRYPT_KEY_HANDLE *phNextTrafficSecret,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kTrafficSecret, oNextTrafficSecret = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandNextGenTrafficKey(hSslProvider, hTrafficSecret, phNextTrafficSecret,
                                            pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, 0)) == SEC_E_OK &&
        (st = r.prov->rp->next_gen != NULL ? SEC_E_OK : NTE_NOT_SUPPORTED) == SEC_E_OK &&
        (st = route_in(&r, hTrafficSecret, &kTrafficSecret)) == SEC_E_OK)
        st = r.prov->rp->next_gen(r.inner, kTrafficSecret,
                                  phNextTrafficSecret != NULL ? &oNextTrafficSecret : NULL,
                                  pParameterList, dwFlags);
    st = route_out(&r, st, phNextTrafficSecret, oNextTrafficSecret);
    return route_end(&r, st);
}

/* An sslprov extension of the built-in provider (sslprov_ext.h). */
SECURITY_STATUS WINAPI SslProvImportEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                 NCRYPT_KEY_HANDLE *phEphemeralKey, DWORD dwKeyType,
                                                 PBYTE pbPrivateKey, DWORD cbPrivateKey, DWORD dwFlags)
{
    if (routed_provider(hSslProvider)) {
        if (phEphemeralKey != NULL)
            *phEphemeralKey = 0;
        return NTE_NOT_SUPPORTED;
    }
    return SPSslProvImportEphemeralKey(hSslProvider, phEphemeralKey, dwKeyType, pbPrivateKey,
                                       cbPrivateKey, dwFlags);
}

/* ---- the table's functions, in its order --------------------------------------------------- */

SECURITY_STATUS WINAPI SslComputeClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    LPCWSTR pszAlgId,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    ULONG_PTR kHandshakeHash;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslComputeClientAuthHash(hSslProvider, hMasterKey, hHandshakeHash, pszAlgId, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ComputeClientAuthHash))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK &&
        (st = route_in(&r, hHandshakeHash, &kHandshakeHash)) == SEC_E_OK)
        st = r.t->ComputeClientAuthHash(r.inner, kMasterKey, kHandshakeHash, pszAlgId, pbOutput, cbOutput, pcbResult, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslComputeEapKeyBlock(hSslProvider, hMasterKey, pbRandoms, cbRandoms, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ComputeEapKeyBlock))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK)
        st = r.t->ComputeEapKeyBlock(r.inner, kMasterKey, pbRandoms, cbRandoms, pbOutput, cbOutput, pcbResult, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    ULONG_PTR kHandshakeHash;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslComputeFinishedHash(hSslProvider, hMasterKey, hHandshakeHash, pbOutput, cbOutput, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ComputeFinishedHash))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK &&
        (st = route_in(&r, hHandshakeHash, &kHandshakeHash)) == SEC_E_OK)
        st = r.t->ComputeFinishedHash(r.inner, kMasterKey, kHandshakeHash, pbOutput, cbOutput, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    DWORD dwKeyBitLen,
    PBYTE pbParams,
    DWORD cbParams,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR oEphemeralKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslCreateEphemeralKey(hSslProvider, phEphemeralKey, dwProtocol, dwCipherSuite, dwKeyType, dwKeyBitLen, pbParams, cbParams, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(CreateEphemeralKey))) == SEC_E_OK)
        st = r.t->CreateEphemeralKey(r.inner, phEphemeralKey != NULL ? &oEphemeralKey : NULL, dwProtocol, dwCipherSuite, dwKeyType, dwKeyBitLen, pbParams, cbParams, dwFlags);
    st = route_out(&r, st, phEphemeralKey, oEphemeralKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR oHandshakeHash = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslCreateHandshakeHash(hSslProvider, phHandshakeHash, dwProtocol, dwCipherSuite, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(CreateHandshakeHash))) == SEC_E_OK)
        st = r.t->CreateHandshakeHash(r.inner, phHandshakeHash != NULL ? &oHandshakeHash : NULL, dwProtocol, dwCipherSuite, dwFlags);
    st = route_out(&r, st, phHandshakeHash, oHandshakeHash);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslDecryptPacket(hSslProvider, hKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(DecryptPacket))) == SEC_E_OK &&
        (st = route_in(&r, hKey, &kKey)) == SEC_E_OK)
        st = r.t->DecryptPacket(r.inner, kKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwContentType,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslEncryptPacket(hSslProvider, hKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwContentType, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(EncryptPacket))) == SEC_E_OK &&
        (st = route_in(&r, hKey, &kKey)) == SEC_E_OK)
        st = r.t->EncryptPacket(r.inner, kKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwContentType, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslEnumCipherSuites(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE * * ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    void *state = NULL;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslEnumCipherSuites(hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(EnumCipherSuites))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK &&
        (st = route_state_in(&r, ppEnumState, &state)) == SEC_E_OK)
        st = r.t->EnumCipherSuites(r.inner, kPrivateKey, ppCipherSuite, ppEnumState != NULL ? &state : NULL, dwFlags);
    st = route_buffer(&r, st, (void **)ppCipherSuite);
    st = route_state_out(&r, st, ppEnumState, state);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExportKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszBlobType,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExportKey(hSslProvider, hKey, pszBlobType, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExportKey))) == SEC_E_OK &&
        (st = route_in(&r, hKey, &kKey)) == SEC_E_OK)
        st = r.t->ExportKey(r.inner, kKey, pszBlobType, pbOutput, cbOutput, pcbResult, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGenerateMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    ULONG_PTR kPublicKey;
    ULONG_PTR oMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslGenerateMasterKey(hSslProvider, hPrivateKey, hPublicKey, phMasterKey, dwProtocol, dwCipherSuite, pParameterList, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(GenerateMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK &&
        (st = route_in(&r, hPublicKey, &kPublicKey)) == SEC_E_OK)
        st = r.t->GenerateMasterKey(r.inner, kPrivateKey, kPublicKey, phMasterKey != NULL ? &oMasterKey : NULL, dwProtocol, dwCipherSuite, pParameterList, pbOutput, cbOutput, pcbResult, dwFlags);
    st = route_out(&r, st, phMasterKey, oMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    ULONG_PTR oReadKey = 0;
    ULONG_PTR oWriteKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslGenerateSessionKeys(hSslProvider, hMasterKey, phReadKey, phWriteKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(GenerateSessionKeys))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK)
        st = r.t->GenerateSessionKeys(r.inner, kMasterKey, phReadKey != NULL ? &oReadKey : NULL, phWriteKey != NULL ? &oWriteKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phReadKey, oReadKey);
    st = route_out(&r, st, phWriteKey, oWriteKey);
    route_undo(&r, st, phReadKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGetKeyProperty(NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kobj;
    SECURITY_STATUS st;

    if (!routed_object(hKey))
        return SPSslGetKeyProperty(hKey, pszProperty, ppbOutput, pcbOutput, dwFlags);
    if ((st = route_begin_object(&r, hKey, ROUTER_SLOT(GetKeyProperty), &kobj)) == SEC_E_OK)
        st = r.t->GetKeyProperty(kobj, pszProperty, ppbOutput, pcbOutput, dwFlags);
    st = route_buffer(&r, st, (void **)ppbOutput);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    PVOID *ppEnumState,
    DWORD dwFlags)
{
    struct route r;
    void *state = NULL;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslGetProviderProperty(hSslProvider, pszProperty, ppbOutput, pcbOutput, ppEnumState, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(GetProviderProperty))) == SEC_E_OK &&
        (st = route_state_in(&r, ppEnumState, &state)) == SEC_E_OK)
        st = r.t->GetProviderProperty(r.inner, pszProperty, ppbOutput, pcbOutput, ppEnumState != NULL ? &state : NULL, dwFlags);
    st = route_buffer(&r, st, (void **)ppbOutput);
    st = route_state_out(&r, st, ppEnumState, state);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslHashHandshake(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput,
    DWORD cbInput,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kHandshakeHash;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslHashHandshake(hSslProvider, hHandshakeHash, pbInput, cbInput, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(HashHandshake))) == SEC_E_OK &&
        (st = route_in(&r, hHandshakeHash, &kHandshakeHash)) == SEC_E_OK)
        st = r.t->HashHandshake(r.inner, kHandshakeHash, pbInput, cbInput, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslImportMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    NCryptBufferDesc * pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    ULONG_PTR oMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslImportMasterKey(hSslProvider, hPrivateKey, phMasterKey, dwProtocol, dwCipherSuite, pParameterList, pbEncryptedKey, cbEncryptedKey, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ImportMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK)
        st = r.t->ImportMasterKey(r.inner, kPrivateKey, phMasterKey != NULL ? &oMasterKey : NULL, dwProtocol, dwCipherSuite, pParameterList, pbEncryptedKey, cbEncryptedKey, dwFlags);
    st = route_out(&r, st, phMasterKey, oMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslImportKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType,
    PBYTE pbKeyBlob,
    DWORD cbKeyBlob,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR oKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslImportKey(hSslProvider, phKey, pszBlobType, pbKeyBlob, cbKeyBlob, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ImportKey))) == SEC_E_OK)
        st = r.t->ImportKey(r.inner, phKey != NULL ? &oKey : NULL, pszBlobType, pbKeyBlob, cbKeyBlob, dwFlags);
    st = route_out(&r, st, phKey, oKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_SUITE * pCipherSuite,
    DWORD dwFlags)
{
    struct route r;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslLookupCipherSuiteInfo(hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, pCipherSuite, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(LookupCipherSuiteInfo))) == SEC_E_OK)
        st = r.t->LookupCipherSuiteInfo(r.inner, dwProtocol, dwCipherSuite, dwKeyType, pCipherSuite, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR oPrivateKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslOpenPrivateKey(hSslProvider, phPrivateKey, pCertContext, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(OpenPrivateKey))) == SEC_E_OK)
        st = r.t->OpenPrivateKey(r.inner, phPrivateKey != NULL ? &oPrivateKey : NULL, pCertContext, dwFlags);
    st = route_out(&r, st, phPrivateKey, oPrivateKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslSignHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslSignHash(hSslProvider, hPrivateKey, pbHashValue, cbHashValue, pbSignature, cbSignature, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(SignHash))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK)
        st = r.t->SignHash(r.inner, kPrivateKey, pbHashValue, cbHashValue, pbSignature, cbSignature, pcbResult, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslVerifySignature(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPublicKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslVerifySignature(hSslProvider, hPublicKey, pbHashValue, cbHashValue, pbSignature, cbSignature, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(VerifySignature))) == SEC_E_OK &&
        (st = route_in(&r, hPublicKey, &kPublicKey)) == SEC_E_OK)
        st = r.t->VerifySignature(r.inner, kPublicKey, pbHashValue, cbHashValue, pbSignature, cbSignature, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslLookupCipherLengths(NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_LENGTHS * pCipherLengths,
    DWORD cbCipherLengths,
    DWORD dwFlags)
{
    struct route r;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslLookupCipherLengths(hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, pCipherLengths, cbCipherLengths, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(LookupCipherLengths))) == SEC_E_OK)
        st = r.t->LookupCipherLengths(r.inner, dwProtocol, dwCipherSuite, dwKeyType, pCipherLengths, cbCipherLengths, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    LPCWSTR pszHashAlgId,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR oHandshakeHash = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslCreateClientAuthHash(hSslProvider, phHandshakeHash, dwProtocol, dwCipherSuite, pszHashAlgId, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(CreateClientAuthHash))) == SEC_E_OK)
        st = r.t->CreateClientAuthHash(r.inner, phHandshakeHash != NULL ? &oHandshakeHash : NULL, dwProtocol, dwCipherSuite, pszHashAlgId, dwFlags);
    st = route_out(&r, st, phHandshakeHash, oHandshakeHash);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    DWORD dwFlags)
{
    struct route r;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslGetCipherSuitePRFHashAlgorithm(hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, szPRFHash, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(GetCipherSuitePRFHashAlgorithm))) == SEC_E_OK)
        st = r.t->GetCipherSuitePRFHashAlgorithm(r.inner, dwProtocol, dwCipherSuite, dwKeyType, szPRFHash, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kHandshakeHash;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslComputeSessionHash(hSslProvider, hHandshakeHash, dwProtocol, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ComputeSessionHash))) == SEC_E_OK &&
        (st = route_in(&r, hHandshakeHash, &kHandshakeHash)) == SEC_E_OK)
        st = r.t->ComputeSessionHash(r.inner, kHandshakeHash, dwProtocol, pbOutput, cbOutput, pcbResult, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslGeneratePreMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPublicKey;
    ULONG_PTR oPreMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslGeneratePreMasterKey(hSslProvider, hPublicKey, phPreMasterKey, dwProtocol, dwCipherSuite, pParameterList, pbOutput, cbOutput, pcbResult, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(GeneratePreMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hPublicKey, &kPublicKey)) == SEC_E_OK)
        st = r.t->GeneratePreMasterKey(r.inner, kPublicKey, phPreMasterKey != NULL ? &oPreMasterKey : NULL, dwProtocol, dwCipherSuite, pParameterList, pbOutput, cbOutput, pcbResult, dwFlags);
    st = route_out(&r, st, phPreMasterKey, oPreMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslEnumEccCurves(NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE * * ppEccCurve,
    DWORD dwFlags)
{
    struct route r;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslEnumEccCurves(hSslProvider, pEccCurveCount, ppEccCurve, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(EnumEccCurves))) == SEC_E_OK)
        st = r.t->EnumEccCurves(r.inner, pEccCurveCount, ppEccCurve, dwFlags);
    st = route_buffer(&r, st, (void **)ppEccCurve);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExportKeyingMaterial(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbContextValue,
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExportKeyingMaterial(hSslProvider, hMasterKey, sLabel, pbRandoms, cbRandoms, pbContextValue, cbContextValue, pbOutput, cbOutput, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExportKeyingMaterial))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK)
        st = r.t->ExportKeyingMaterial(r.inner, kMasterKey, sLabel, pbRandoms, cbRandoms, pbContextValue, cbContextValue, pbOutput, cbOutput, dwFlags);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPreSharedKey,
    NCRYPT_KEY_HANDLE *phEarlyKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPreSharedKey;
    ULONG_PTR oEarlyKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExtractEarlyKey(hSslProvider, hPreSharedKey, phEarlyKey, dwProtocol, dwCipherSuite, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExtractEarlyKey))) == SEC_E_OK &&
        (st = route_in(&r, hPreSharedKey, &kPreSharedKey)) == SEC_E_OK)
        st = r.t->ExtractEarlyKey(r.inner, kPreSharedKey, phEarlyKey != NULL ? &oEarlyKey : NULL, dwProtocol, dwCipherSuite, pParameterList, dwFlags);
    st = route_out(&r, st, phEarlyKey, oEarlyKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExtractHandshakeKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    ULONG_PTR kPublicKey;
    ULONG_PTR kEarlyKey;
    ULONG_PTR oHandshakeKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExtractHandshakeKey(hSslProvider, hPrivateKey, hPublicKey, hEarlyKey, phHandshakeKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExtractHandshakeKey))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK &&
        (st = route_in(&r, hPublicKey, &kPublicKey)) == SEC_E_OK &&
        (st = route_in(&r, hEarlyKey, &kEarlyKey)) == SEC_E_OK)
        st = r.t->ExtractHandshakeKey(r.inner, kPrivateKey, kPublicKey, kEarlyKey, phHandshakeKey != NULL ? &oHandshakeKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phHandshakeKey, oHandshakeKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kHandshakeKey;
    ULONG_PTR oMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExtractMasterKey(hSslProvider, hHandshakeKey, phMasterKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExtractMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hHandshakeKey, &kHandshakeKey)) == SEC_E_OK)
        st = r.t->ExtractMasterKey(r.inner, kHandshakeKey, phMasterKey != NULL ? &oMasterKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phMasterKey, oMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phClientTrafficKey,
    NCRYPT_KEY_HANDLE *phServerTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kBaseKey;
    ULONG_PTR kHashValue;
    ULONG_PTR oClientTrafficKey = 0;
    ULONG_PTR oServerTrafficKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandTrafficKeys(hSslProvider, hBaseKey, hHashValue, phClientTrafficKey, phServerTrafficKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandTrafficKeys))) == SEC_E_OK &&
        (st = route_in(&r, hBaseKey, &kBaseKey)) == SEC_E_OK &&
        (st = route_in(&r, hHashValue, &kHashValue)) == SEC_E_OK)
        st = r.t->ExpandTrafficKeys(r.inner, kBaseKey, kHashValue, phClientTrafficKey != NULL ? &oClientTrafficKey : NULL, phServerTrafficKey != NULL ? &oServerTrafficKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phClientTrafficKey, oClientTrafficKey);
    st = route_out(&r, st, phServerTrafficKey, oServerTrafficKey);
    route_undo(&r, st, phClientTrafficKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kBaseTrafficKey;
    ULONG_PTR oWriteKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandWriteKey(hSslProvider, hBaseTrafficKey, phWriteKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandWriteKey))) == SEC_E_OK &&
        (st = route_in(&r, hBaseTrafficKey, &kBaseTrafficKey)) == SEC_E_OK)
        st = r.t->ExpandWriteKey(r.inner, kBaseTrafficKey, phWriteKey != NULL ? &oWriteKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phWriteKey, oWriteKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phExporterMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kBaseKey;
    ULONG_PTR kHashValue;
    ULONG_PTR oExporterMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandExporterMasterKey(hSslProvider, hBaseKey, hHashValue, phExporterMasterKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandExporterMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hBaseKey, &kBaseKey)) == SEC_E_OK &&
        (st = route_in(&r, hHashValue, &kHashValue)) == SEC_E_OK)
        st = r.t->ExpandExporterMasterKey(r.inner, kBaseKey, kHashValue, phExporterMasterKey != NULL ? &oExporterMasterKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phExporterMasterKey, oExporterMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX * * ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kPrivateKey;
    void *state = NULL;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslEnumCipherSuitesEx(hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(EnumCipherSuitesEx))) == SEC_E_OK &&
        (st = route_in(&r, hPrivateKey, &kPrivateKey)) == SEC_E_OK &&
        (st = route_state_in(&r, ppEnumState, &state)) == SEC_E_OK)
        st = r.t->EnumCipherSuitesEx(r.inner, kPrivateKey, ppCipherSuite, ppEnumState != NULL ? &state : NULL, dwFlags);
    st = route_buffer(&r, st, (void **)ppCipherSuite);
    st = route_state_out(&r, st, ppEnumState, state);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kMasterKey;
    ULONG_PTR kHashValue;
    ULONG_PTR oResumptionMasterKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandResumptionMasterKey(hSslProvider, hMasterKey, hHashValue, phResumptionMasterKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandResumptionMasterKey))) == SEC_E_OK &&
        (st = route_in(&r, hMasterKey, &kMasterKey)) == SEC_E_OK &&
        (st = route_in(&r, hHashValue, &kHashValue)) == SEC_E_OK)
        st = r.t->ExpandResumptionMasterKey(r.inner, kMasterKey, kHashValue, phResumptionMasterKey != NULL ? &oResumptionMasterKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phResumptionMasterKey, oResumptionMasterKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash,
    NCRYPT_HASH_HANDLE *phTranscriptHash,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kTranscriptHash;
    ULONG_PTR oTranscriptHash = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslDuplicateTranscriptHash(hSslProvider, hTranscriptHash, phTranscriptHash, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(DuplicateTranscriptHash))) == SEC_E_OK &&
        (st = route_in(&r, hTranscriptHash, &kTranscriptHash)) == SEC_E_OK)
        st = r.t->DuplicateTranscriptHash(r.inner, kTranscriptHash, phTranscriptHash != NULL ? &oTranscriptHash : NULL, dwFlags);
    st = route_out(&r, st, phTranscriptHash, oTranscriptHash);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kEarlyKey;
    ULONG_PTR oBinderKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandBinderKey(hSslProvider, hEarlyKey, phBinderKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandBinderKey))) == SEC_E_OK &&
        (st = route_in(&r, hEarlyKey, &kEarlyKey)) == SEC_E_OK)
        st = r.t->ExpandBinderKey(r.inner, kEarlyKey, phBinderKey != NULL ? &oBinderKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phBinderKey, oBinderKey);
    return route_end(&r, st);
}

SECURITY_STATUS WINAPI SslExpandPreSharedKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey,
    PBYTE pbTicketNonce,
    DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    struct route r;
    ULONG_PTR kResumptionMasterKey;
    ULONG_PTR oPreSharedKey = 0;
    SECURITY_STATUS st;

    if (!routed_provider(hSslProvider))
        return SPSslExpandPreSharedKey(hSslProvider, hResumptionMasterKey, pbTicketNonce, cbTicketNonce, phPreSharedKey, pParameterList, dwFlags);
    if ((st = route_begin(&r, hSslProvider, ROUTER_SLOT(ExpandPreSharedKey))) == SEC_E_OK &&
        (st = route_in(&r, hResumptionMasterKey, &kResumptionMasterKey)) == SEC_E_OK)
        st = r.t->ExpandPreSharedKey(r.inner, kResumptionMasterKey, pbTicketNonce, cbTicketNonce, phPreSharedKey != NULL ? &oPreSharedKey : NULL, pParameterList, dwFlags);
    st = route_out(&r, st, phPreSharedKey, oPreSharedKey);
    return route_end(&r, st);
}
