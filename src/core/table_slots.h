/* The shape of NCRYPT_SSL_FUNCTION_TABLE as one list (api.md §3.9). */
#ifndef SSLPROV_TABLE_SLOTS_H
#define SSLPROV_TABLE_SLOTS_H

/* Every slot of NCRYPT_SSL_FUNCTION_TABLE in ABI order, with the interface version that
 * added it (api.md §3.9). The one list the tables, the router and the tracing provider use. */
#define SSLPROV_TABLE_SLOTS(X)                                                                     \
    X(ComputeClientAuthHash, 1) X(ComputeEapKeyBlock, 1) X(ComputeFinishedHash, 1)                 \
    X(CreateEphemeralKey, 1) X(CreateHandshakeHash, 1) X(DecryptPacket, 1) X(EncryptPacket, 1)     \
    X(EnumCipherSuites, 1) X(ExportKey, 1) X(FreeBuffer, 1) X(FreeObject, 1)                       \
    X(GenerateMasterKey, 1) X(GenerateSessionKeys, 1) X(GetKeyProperty, 1)                         \
    X(GetProviderProperty, 1) X(HashHandshake, 1) X(ImportMasterKey, 1) X(ImportKey, 1)            \
    X(LookupCipherSuiteInfo, 1) X(OpenPrivateKey, 1) X(OpenProvider, 1) X(SignHash, 1)             \
    X(VerifySignature, 1)                                                                          \
    X(LookupCipherLengths, 2) X(CreateClientAuthHash, 2) X(GetCipherSuitePRFHashAlgorithm, 2)      \
    X(ComputeSessionHash, 3) X(GeneratePreMasterKey, 3) X(EnumEccCurves, 3)                        \
    X(ExportKeyingMaterial, 3)                                                                     \
    X(ExtractEarlyKey, 4) X(ExtractHandshakeKey, 4) X(ExtractMasterKey, 4)                         \
    X(ExpandTrafficKeys, 4) X(ExpandWriteKey, 4) X(ExpandExporterMasterKey, 4)                     \
    X(EnumCipherSuitesEx, 4)                                                                       \
    X(ExpandResumptionMasterKey, 5) X(DuplicateTranscriptHash, 5) X(ExpandBinderKey, 5)            \
    X(ExpandPreSharedKey, 5)

#endif
