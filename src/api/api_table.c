/* The provider entry points (api.md A9, A10): the NCRYPT_SSL_FUNCTION_TABLE whose slots are
 * the same functions the library exports. */
#include <string.h>
#include "provider.h"

static const NCRYPT_SSL_FUNCTION_TABLE function_table = {
    .Version = NCRYPT_SSL_INTERFACE_VERSION_5,
    .ComputeClientAuthHash = SslComputeClientAuthHash,
    .ComputeEapKeyBlock = SslComputeEapKeyBlock,
    .ComputeFinishedHash = SslComputeFinishedHash,
    .CreateEphemeralKey = SslCreateEphemeralKey,
    .CreateHandshakeHash = SslCreateHandshakeHash,
    .DecryptPacket = SslDecryptPacket,
    .EncryptPacket = SslEncryptPacket,
    .EnumCipherSuites = SslEnumCipherSuites,
    .ExportKey = SslExportKey,
    .FreeBuffer = SslFreeBuffer,
    .FreeObject = SslFreeObject,
    .GenerateMasterKey = SslGenerateMasterKey,
    .GenerateSessionKeys = SslGenerateSessionKeys,
    .GetKeyProperty = SslGetKeyProperty,
    .GetProviderProperty = SslGetProviderProperty,
    .HashHandshake = SslHashHandshake,
    .ImportMasterKey = SslImportMasterKey,
    .ImportKey = SslImportKey,
    .LookupCipherSuiteInfo = SslLookupCipherSuiteInfo,
    .OpenPrivateKey = SslOpenPrivateKey,
    .OpenProvider = SslOpenProvider,
    .SignHash = SslSignHash,
    .VerifySignature = SslVerifySignature,
    .LookupCipherLengths = SslLookupCipherLengths,
    .CreateClientAuthHash = SslCreateClientAuthHash,
    .GetCipherSuitePRFHashAlgorithm = SslGetCipherSuitePRFHashAlgorithm,
    .ComputeSessionHash = SslComputeSessionHash,
    .GeneratePreMasterKey = SslGeneratePreMasterKey,
    .EnumEccCurves = SslEnumEccCurves,
    .ExportKeyingMaterial = SslExportKeyingMaterial,
    .ExtractEarlyKey = SslExtractEarlyKey,
    .ExtractHandshakeKey = SslExtractHandshakeKey,
    .ExtractMasterKey = SslExtractMasterKey,
    .ExpandTrafficKeys = SslExpandTrafficKeys,
    .ExpandWriteKey = SslExpandWriteKey,
    .ExpandExporterMasterKey = SslExpandExporterMasterKey,
    .EnumCipherSuitesEx = SslEnumCipherSuitesEx,
    .ExpandResumptionMasterKey = SslExpandResumptionMasterKey,
    .DuplicateTranscriptHash = SslDuplicateTranscriptHash,
    .ExpandBinderKey = SslExpandBinderKey,
    .ExpandPreSharedKey = SslExpandPreSharedKey,
};

/* Function pointers each interface version has (api.md §3.9: 23, 26, 30, 37, 41). */
static const size_t slots_per_version[] = {0, 23, 26, 30, 37, 41};

NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName,
                                     NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable, DWORD dwFlags)
{
    if (ppFunctionTable == NULL)
        return STATUS_INVALID_PARAMETER;
    if (!provider_name_matches(pszProviderName))
        return STATUS_NOT_FOUND;
    /* the table is static and read-only; the header's type is not const (Windows' ABI) */
    *ppFunctionTable = (NCRYPT_SSL_FUNCTION_TABLE *)&function_table;
    return 0;
}

/* The caller owns the table and states in Version how many slots it has room for
 * (OQ-IFACE-2): we never write more, so an older caller's smaller table is safe. */
SECURITY_STATUS WINAPI SslInitializeInterface(LPCWSTR pszProviderName,
                                              NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
                                              DWORD dwFlags)
{
    unsigned version;
    size_t slots;

    if (pFunctionTable == NULL)
        return NTE_INVALID_PARAMETER;
    if (!provider_name_matches(pszProviderName))
        return NTE_PROV_DLL_NOT_FOUND;
    version = pFunctionTable->Version.MajorVersion;
    if (version == 0)
        version = 1;
    if (version > SSLPROV_INTERFACE_MAJOR)
        version = SSLPROV_INTERFACE_MAJOR;
    slots = slots_per_version[version];
    memcpy((unsigned char *)pFunctionTable + offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash),
           (const unsigned char *)&function_table + offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash),
           slots * sizeof(void (*)(void)));
    pFunctionTable->Version.MajorVersion = (USHORT)version;
    pFunctionTable->Version.MinorVersion = 0;
    return SEC_E_OK;
}
