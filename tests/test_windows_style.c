/*
 * test_windows_style.c - code written the way Windows code using sslprovider.h is written
 * (Windows types, NCryptBufferDesc parameter lists, ...Fn pointers, a positional
 * NCRYPT_SSL_FUNCTION_TABLE, WINAPI callbacks) must compile unchanged against sslprov with
 * -Wall -Wextra -Werror. The only spelling difference from Windows: SSLP_WSTR("...") for
 * L"...".
 *
 * Compile-time checks: every ...Fn variable below is initialised from the real function, and
 * the table is initialised positionally, so a wrong signature or slot order does not compile.
 * Run time: SslOpenProvider(MS_SCHANNEL_PROVIDER) and SslFreeObject succeed.
 */
#include <stdio.h>
#include <string.h>

#include "sslprovider.h"

#define SSL_RANDOM_LENGTH 32

typedef SECURITY_STATUS (WINAPI *PFN_PROVIDER_ROUTINE)(
    _In_ LPCWSTR pszProviderName,
    _In_ DWORD   dwFlags);

/* Signatures must match: each initialiser is the function itself. */
static SslOpenProviderFn            pfnOpenProvider          = SslOpenProvider;
static SslFreeObjectFn              pfnFreeObject            = SslFreeObject;
static SslFreeBufferFn              pfnFreeBuffer            = SslFreeBuffer;
static SslEnumCipherSuitesFn        pfnEnumCipherSuites      = SslEnumCipherSuites;
static SslGenerateMasterKeyFn       pfnGenerateMasterKey     = SslGenerateMasterKey;
static SslGenerateSessionKeysFn     pfnGenerateSessionKeys   = SslGenerateSessionKeys;
static SslEncryptPacketFn           pfnEncryptPacket         = SslEncryptPacket;
static SslDecryptPacketFn           pfnDecryptPacket         = SslDecryptPacket;
static SslExportKeyFn               pfnExportKey             = SslExportKey;
static SslCreateEphemeralKeyFn      pfnCreateEphemeralKey    = SslCreateEphemeralKey;
static SslExpandNextGenTrafficKeyFn pfnExpandNextGen         = SslExpandNextGenTrafficKey;
static SslInitializeInterfaceFn     pfnInitializeInterface   = SslInitializeInterface;
static GetSChannelInterfaceFn       pfnGetSChannelInterface  = GetSChannelInterface;
static SslEnumProtocolProvidersFn   pfnEnumProtocolProviders = SslEnumProtocolProviders;
static SslChangeNotifyFn            pfnChangeNotify          = SslChangeNotify;

/* A provider's table, as a provider DLL writes it: positional, in Windows' slot order. */
static NCRYPT_SSL_FUNCTION_TABLE SslTable = {
    NCRYPT_SSL_INTERFACE_VERSION_5,
    SslComputeClientAuthHash,
    SslComputeEapKeyBlock,
    SslComputeFinishedHash,
    SslCreateEphemeralKey,
    SslCreateHandshakeHash,
    SslDecryptPacket,
    SslEncryptPacket,
    SslEnumCipherSuites,
    SslExportKey,
    SslFreeBuffer,
    SslFreeObject,
    SslGenerateMasterKey,
    SslGenerateSessionKeys,
    SslGetKeyProperty,
    SslGetProviderProperty,
    SslHashHandshake,
    SslImportMasterKey,
    SslImportKey,
    SslLookupCipherSuiteInfo,
    SslOpenPrivateKey,
    SslOpenProvider,
    SslSignHash,
    SslVerifySignature,
    SslLookupCipherLengths,
    SslCreateClientAuthHash,
    SslGetCipherSuitePRFHashAlgorithm,
    SslComputeSessionHash,
    SslGeneratePreMasterKey,
    SslEnumEccCurves,
    SslExportKeyingMaterial,
    SslExtractEarlyKey,
    SslExtractHandshakeKey,
    SslExtractMasterKey,
    SslExpandTrafficKeys,
    SslExpandWriteKey,
    SslExpandExporterMasterKey,
    SslEnumCipherSuitesEx,
    SslExpandResumptionMasterKey,
    SslDuplicateTranscriptHash,
    SslExpandBinderKey,
    SslExpandPreSharedKey,
};

static DWORD
CountTableEntries(
    _In_ const NCRYPT_SSL_FUNCTION_TABLE *pTable)
{
    DWORD cEntries = 0;

    if (pTable->ComputeClientAuthHash != NULL) cEntries++;
    if (pTable->OpenProvider != NULL) cEntries++;
    if (pTable->FreeObject != NULL) cEntries++;
    if (pTable->VerifySignature != NULL) cEntries++;
    if (pTable->GetCipherSuitePRFHashAlgorithm != NULL) cEntries++;
    if (pTable->ExportKeyingMaterial != NULL) cEntries++;
    if (pTable->EnumCipherSuitesEx != NULL) cEntries++;
    if (pTable->ExpandPreSharedKey != NULL) cEntries++;
    return cEntries;
}

/* Build the usual TLS <= 1.2 parameter list: client and server randoms. */
static void
BuildRandomsParameterList(
    _Out_ NCryptBufferDesc *pParameterList,
    _Out_writes_(2) NCryptBuffer *rgbBuffers,
    _In_reads_bytes_(SSL_RANDOM_LENGTH) PBYTE pbClientRandom,
    _In_reads_bytes_(SSL_RANDOM_LENGTH) PBYTE pbServerRandom)
{
    rgbBuffers[0].cbBuffer   = SSL_RANDOM_LENGTH;
    rgbBuffers[0].BufferType = NCRYPTBUFFER_SSL_CLIENT_RANDOM;
    rgbBuffers[0].pvBuffer   = pbClientRandom;

    rgbBuffers[1].cbBuffer   = SSL_RANDOM_LENGTH;
    rgbBuffers[1].BufferType = NCRYPTBUFFER_SSL_SERVER_RANDOM;
    rgbBuffers[1].pvBuffer   = pbServerRandom;

    pParameterList->ulVersion = NCRYPTBUFFER_VERSION;
    pParameterList->cBuffers  = 2;
    pParameterList->pBuffers  = rgbBuffers;
}

/* Serialise a session key as Schannel hands it to another process; size query first. */
static SECURITY_STATUS WINAPI
ExportSessionKey(
    _In_ NCRYPT_PROV_HANDLE hProvider,
    _In_ NCRYPT_KEY_HANDLE  hKey,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_ DWORD              cbOutput,
    _Out_ DWORD            *pcbResult)
{
    LPCWSTR pszBlobType = BCRYPT_OPAQUE_KEY_BLOB;

    if (hKey == 0)
    {
        return NTE_INVALID_HANDLE;
    }
    return pfnExportKey(hProvider, hKey, pszBlobType, pbOutput, cbOutput, pcbResult, 0);
}

/* A callback-style routine: open the named provider, then release it. */
static SECURITY_STATUS WINAPI
OpenAndReleaseProvider(
    _In_ LPCWSTR pszProviderName,
    _In_ DWORD   dwFlags)
{
    NCRYPT_PROV_HANDLE hProvider = 0;
    SECURITY_STATUS    Status;

    Status = SslOpenProvider(&hProvider, pszProviderName, dwFlags);
    if (Status != ERROR_SUCCESS)
    {
        fprintf(stderr, "SslOpenProvider failed: 0x%08x\n", (unsigned)Status);
        return Status;
    }

    Status = SslFreeObject(hProvider, 0);
    if (Status != ERROR_SUCCESS)
    {
        fprintf(stderr, "SslFreeObject failed: 0x%08x\n", (unsigned)Status);
    }
    return Status;
}

int main(void)
{
    BCRYPT_INTERFACE_VERSION   v = NCRYPT_SSL_INTERFACE_VERSION_5;
    BCRYPT_INTERFACE_VERSION   vLoader = NCRYPT_SSL_INTERFACE_VERSION_2;
    NCRYPT_SSL_FUNCTION_TABLE *pTable = &SslTable;
    PFN_PROVIDER_ROUTINE       pfnRoutine = OpenAndReleaseProvider;
    NCryptBuffer               rgbBuffers[2];
    NCryptBufferDesc           ParameterList;
    BYTE                       rgbClientRandom[SSL_RANDOM_LENGTH];
    BYTE                       rgbServerRandom[SSL_RANDOM_LENGTH];
    NCRYPT_KEY_HANDLE          hMasterKey = 0;
    NCRYPT_PROV_HANDLE         hProvider = 0;
    DWORD                      cbResult = 0;
    PBYTE                      pbOutput = NULL;
    SECURITY_STATUS            Status;
    CERT_CONTEXT               CertContext;
    PCCERT_CONTEXT             pCertContext = &CertContext;
    int                        fPassed;

    memset(rgbClientRandom, 0x11, sizeof(rgbClientRandom));
    memset(rgbServerRandom, 0x22, sizeof(rgbServerRandom));
    BuildRandomsParameterList(&ParameterList, rgbBuffers, rgbClientRandom, rgbServerRandom);

    memset(&CertContext, 0, sizeof(CertContext));
    CertContext.dwCertEncodingType = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

    /* No key yet: refused before the library is asked. */
    Status = ExportSessionKey(hProvider, hMasterKey, pbOutput, 0, &cbResult);

    fPassed = Status == NTE_INVALID_HANDLE &&
              cbResult == 0 &&
              ParameterList.cBuffers == 2 &&
              ParameterList.pBuffers[1].BufferType == NCRYPTBUFFER_SSL_SERVER_RANDOM &&
              pCertContext->pbCertEncoded == NULL &&
              BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(vLoader, v) &&
              pTable->Version.MajorVersion == 5 &&
              CountTableEntries(pTable) == 8 &&
              pfnOpenProvider != NULL && pfnFreeObject != NULL && pfnFreeBuffer != NULL &&
              pfnEnumCipherSuites != NULL && pfnGenerateMasterKey != NULL &&
              pfnGenerateSessionKeys != NULL && pfnEncryptPacket != NULL &&
              pfnDecryptPacket != NULL && pfnCreateEphemeralKey != NULL &&
              pfnExpandNextGen != NULL && pfnInitializeInterface != NULL &&
              pfnGetSChannelInterface != NULL && pfnEnumProtocolProviders != NULL &&
              pfnChangeNotify != NULL;

    /* The one library round trip: open MS_SCHANNEL_PROVIDER, free it. */
    if (pfnRoutine(MS_SCHANNEL_PROVIDER, 0) != ERROR_SUCCESS)
    {
        fPassed = 0;
    }

    printf("%d passed, %d failed\n", fPassed ? 1 : 0, fPassed ? 0 : 1);
    return fPassed ? 0 : 1;
}
