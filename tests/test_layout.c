/*
 * test_layout.c - the public headers against the spec (api.md §2-§4, conventions.md §6, §8):
 * type widths, every structure size and field offset (Windows x64 = LP64 values), the
 * function-table slot offsets, a sample of constants and wide strings, and that every ...Fn
 * typedef matches its function. Header-only: calls no sslprov function.
 *
 * The header already asserts the layouts at compile time; these run-time checks repeat them on
 * purpose so that a failure is visible in ctest. Expected values are literals from the spec.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sslprovider.h"
#include "wide.h"

#define SIZE(T, n)           CHECK_EQ(sizeof(T), n)
#define OFF(T, f, n)         CHECK_EQ(offsetof(T, f), n)

#define WSTR_IS(w, a) check_eq(wide_is((w), (a)), 1, #w " == u\"" a "\"", __FILE__, __LINE__)

static void test_type_widths(void)
{
    SIZE(BYTE, 1);
    SIZE(UCHAR, 1);
    SIZE(CHAR, 1);
    SIZE(WORD, 2);
    SIZE(USHORT, 2);
    SIZE(WCHAR, 2);
    SIZE(DWORD, 4);
    SIZE(ULONG, 4);
    SIZE(UINT, 4);
    SIZE(LONG, 4);
    SIZE(BOOL, 4);
    SIZE(ULONGLONG, 8);
    SIZE(ULONG_PTR, 8);
    SIZE(SIZE_T, 8);
    SIZE(PVOID, 8);
    SIZE(HANDLE, 8);
    SIZE(SECURITY_STATUS, 4);
    SIZE(NTSTATUS, 4);
    SIZE(HRESULT, 4);
    SIZE(NCRYPT_HANDLE, 8);
    SIZE(NCRYPT_PROV_HANDLE, 8);
    SIZE(NCRYPT_KEY_HANDLE, 8);
    SIZE(NCRYPT_HASH_HANDLE, 8);
    SIZE(NCRYPT_SECRET_HANDLE, 8);
    /* signedness: DWORD/ULONG unsigned, LONG/SECURITY_STATUS signed */
    CHECK((DWORD)-1 > 0);
    CHECK((ULONG)-1 > 0);
    CHECK((SECURITY_STATUS)-1 < 0);
    CHECK((NTSTATUS)-1 < 0);
    CHECK((WCHAR)-1 == 0xFFFF);
}

static void test_struct_layouts(void)
{
    /* §3.3 */
    SIZE(BCryptBuffer, 16);
    OFF(BCryptBuffer, cbBuffer, 0);
    OFF(BCryptBuffer, BufferType, 4);
    OFF(BCryptBuffer, pvBuffer, 8);
    SIZE(BCryptBufferDesc, 16);
    OFF(BCryptBufferDesc, ulVersion, 0);
    OFF(BCryptBufferDesc, cBuffers, 4);
    OFF(BCryptBufferDesc, pBuffers, 8);
    SIZE(NCryptBuffer, 16);
    SIZE(NCryptBufferDesc, 16);

    /* §3.4 */
    SIZE(NCryptProviderName, 16);
    OFF(NCryptProviderName, pszName, 0);
    OFF(NCryptProviderName, pszComment, 8);

    /* §3.5 */
    SIZE(NCRYPT_SSL_CIPHER_SUITE, 676);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwProtocol, 0);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherSuite, 4);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwBaseCipherSuite, 8);
    OFF(NCRYPT_SSL_CIPHER_SUITE, szCipherSuite, 12);
    OFF(NCRYPT_SSL_CIPHER_SUITE, szCipher, 140);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherLen, 268);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherBlockLen, 272);
    OFF(NCRYPT_SSL_CIPHER_SUITE, szHash, 276);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwHashLen, 404);
    OFF(NCRYPT_SSL_CIPHER_SUITE, szExchange, 408);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwMinExchangeLen, 536);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwMaxExchangeLen, 540);
    OFF(NCRYPT_SSL_CIPHER_SUITE, szCertificate, 544);
    OFF(NCRYPT_SSL_CIPHER_SUITE, dwKeyType, 672);

    /* §3.6 */
    SIZE(NCRYPT_SSL_CIPHER_SUITE_EX, 808);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwVersion, 0);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol, 4);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherSuite, 8);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwBaseCipherSuite, 12);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherSuite, 16);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipher, 144);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherLen, 272);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherBlockLen, 276);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szHash, 280);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwHashLen, 408);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szExchange, 412);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwMinExchangeLen, 540);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwMaxExchangeLen, 544);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCertificate, 548);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwKeyType, 676);
    OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode, 680);

    /* §3.7 */
    SIZE(NCRYPT_SSL_CIPHER_LENGTHS, 20);
    OFF(NCRYPT_SSL_CIPHER_LENGTHS, cbLength, 0);
    OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwHeaderLen, 4);
    OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwFixedTrailerLen, 8);
    OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwMaxVariableTrailerLen, 12);
    OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwFlags, 16);

    /* §3.8 */
    SIZE(NCRYPT_SSL_ECC_CURVE, 780);
    OFF(NCRYPT_SSL_ECC_CURVE, szCurveName, 0);
    OFF(NCRYPT_SSL_ECC_CURVE, szOID, 510);
    OFF(NCRYPT_SSL_ECC_CURVE, dwPublicKeyLength, 768);
    OFF(NCRYPT_SSL_ECC_CURVE, dwCurveType, 772);
    OFF(NCRYPT_SSL_ECC_CURVE, dwFlags, 776);
    SIZE(PNCRYPT_SSL_ECC_CURVE, 8);

    /* §3.9 */
    SIZE(BCRYPT_INTERFACE_VERSION, 4);
    OFF(BCRYPT_INTERFACE_VERSION, MajorVersion, 0);
    OFF(BCRYPT_INTERFACE_VERSION, MinorVersion, 2);

    /* §3.10 */
    SIZE(CERT_CONTEXT, 40);
    OFF(CERT_CONTEXT, dwCertEncodingType, 0);
    OFF(CERT_CONTEXT, pbCertEncoded, 8);
    OFF(CERT_CONTEXT, cbCertEncoded, 16);
    OFF(CERT_CONTEXT, pCertInfo, 24);
    OFF(CERT_CONTEXT, hCertStore, 32);

    /* §3.11 */
    SIZE(BCRYPT_RSAKEY_BLOB, 24);
    OFF(BCRYPT_RSAKEY_BLOB, Magic, 0);
    OFF(BCRYPT_RSAKEY_BLOB, BitLength, 4);
    OFF(BCRYPT_RSAKEY_BLOB, cbPublicExp, 8);
    OFF(BCRYPT_RSAKEY_BLOB, cbModulus, 12);
    OFF(BCRYPT_RSAKEY_BLOB, cbPrime1, 16);
    OFF(BCRYPT_RSAKEY_BLOB, cbPrime2, 20);
    SIZE(BCRYPT_ECCKEY_BLOB, 8);
    OFF(BCRYPT_ECCKEY_BLOB, dwMagic, 0);
    OFF(BCRYPT_ECCKEY_BLOB, cbKey, 4);
    SIZE(BCRYPT_DH_KEY_BLOB, 8);
    OFF(BCRYPT_DH_KEY_BLOB, dwMagic, 0);
    OFF(BCRYPT_DH_KEY_BLOB, cbKey, 4);
    SIZE(BCRYPT_DH_PARAMETER_HEADER, 12);
    OFF(BCRYPT_DH_PARAMETER_HEADER, cbLength, 0);
    OFF(BCRYPT_DH_PARAMETER_HEADER, dwMagic, 4);
    OFF(BCRYPT_DH_PARAMETER_HEADER, cbKeyLength, 8);
    SIZE(SSL_ECCKEY_BLOB, 8);
    OFF(SSL_ECCKEY_BLOB, dwCurveType, 0);
    OFF(SSL_ECCKEY_BLOB, cbKey, 4);
    SIZE(BCRYPT_DSA_KEY_BLOB, 52);
    OFF(BCRYPT_DSA_KEY_BLOB, dwMagic, 0);
    OFF(BCRYPT_DSA_KEY_BLOB, cbKey, 4);
    OFF(BCRYPT_DSA_KEY_BLOB, Count, 8);
    OFF(BCRYPT_DSA_KEY_BLOB, Seed, 12);
    OFF(BCRYPT_DSA_KEY_BLOB, q, 32);
    SIZE(BCRYPT_KEY_DATA_BLOB_HEADER, 12);
    OFF(BCRYPT_KEY_DATA_BLOB_HEADER, dwMagic, 0);
    OFF(BCRYPT_KEY_DATA_BLOB_HEADER, dwVersion, 4);
    OFF(BCRYPT_KEY_DATA_BLOB_HEADER, cbKeyData, 8);
}

/* §3.9: Version at 0, slot k at 8 + 8k, 41 slots, sizeof 336. */
static void test_function_table(void)
{
#define SLOT(member, k) OFF(NCRYPT_SSL_FUNCTION_TABLE, member, 8 + 8 * (k))
    SIZE(NCRYPT_SSL_FUNCTION_TABLE, 336);
    OFF(NCRYPT_SSL_FUNCTION_TABLE, Version, 0);
    SLOT(ComputeClientAuthHash, 0);
    SLOT(ComputeEapKeyBlock, 1);
    SLOT(ComputeFinishedHash, 2);
    SLOT(CreateEphemeralKey, 3);
    SLOT(CreateHandshakeHash, 4);
    SLOT(DecryptPacket, 5);
    SLOT(EncryptPacket, 6);
    SLOT(EnumCipherSuites, 7);
    SLOT(ExportKey, 8);
    SLOT(FreeBuffer, 9);
    SLOT(FreeObject, 10);
    SLOT(GenerateMasterKey, 11);
    SLOT(GenerateSessionKeys, 12);
    SLOT(GetKeyProperty, 13);
    SLOT(GetProviderProperty, 14);
    SLOT(HashHandshake, 15);
    SLOT(ImportMasterKey, 16);
    SLOT(ImportKey, 17);
    SLOT(LookupCipherSuiteInfo, 18);
    SLOT(OpenPrivateKey, 19);
    SLOT(OpenProvider, 20);
    SLOT(SignHash, 21);
    SLOT(VerifySignature, 22);
    SLOT(LookupCipherLengths, 23);
    SLOT(CreateClientAuthHash, 24);
    SLOT(GetCipherSuitePRFHashAlgorithm, 25);
    SLOT(ComputeSessionHash, 26);
    SLOT(GeneratePreMasterKey, 27);
    SLOT(EnumEccCurves, 28);
    SLOT(ExportKeyingMaterial, 29);
    SLOT(ExtractEarlyKey, 30);
    SLOT(ExtractHandshakeKey, 31);
    SLOT(ExtractMasterKey, 32);
    SLOT(ExpandTrafficKeys, 33);
    SLOT(ExpandWriteKey, 34);
    SLOT(ExpandExporterMasterKey, 35);
    SLOT(EnumCipherSuitesEx, 36);
    SLOT(ExpandResumptionMasterKey, 37);
    SLOT(DuplicateTranscriptHash, 38);
    SLOT(ExpandBinderKey, 39);
    SLOT(ExpandPreSharedKey, 40);
#undef SLOT
}

/* Every ...Fn typedef has the type of its function (unevaluated: no library call or symbol). */
static void test_fn_typedefs(void)
{
#define FN_IS(fn, T) check_eq(_Generic((&fn), T: 1, default: 0), 1, #T " matches " #fn, __FILE__, __LINE__)
    FN_IS(SslChangeNotify, SslChangeNotifyFn);
    FN_IS(SslComputeClientAuthHash, SslComputeClientAuthHashFn);
    FN_IS(SslComputeEapKeyBlock, SslComputeEapKeyBlockFn);
    FN_IS(SslComputeFinishedHash, SslComputeFinishedHashFn);
    FN_IS(SslCreateEphemeralKey, SslCreateEphemeralKeyFn);
    FN_IS(SslCreateHandshakeHash, SslCreateHandshakeHashFn);
    FN_IS(SslDecrementProviderReferenceCount, SslDecrementProviderReferenceCountFn);
    FN_IS(SslDecryptPacket, SslDecryptPacketFn);
    FN_IS(SslEncryptPacket, SslEncryptPacketFn);
    FN_IS(SslEnumCipherSuites, SslEnumCipherSuitesFn);
    FN_IS(SslEnumProtocolProviders, SslEnumProtocolProvidersFn);
    FN_IS(SslExportKey, SslExportKeyFn);
    FN_IS(SslFreeBuffer, SslFreeBufferFn);
    FN_IS(SslFreeObject, SslFreeObjectFn);
    FN_IS(SslGenerateMasterKey, SslGenerateMasterKeyFn);
    FN_IS(SslGenerateSessionKeys, SslGenerateSessionKeysFn);
    FN_IS(SslGetKeyProperty, SslGetKeyPropertyFn);
    FN_IS(SslGetProviderProperty, SslGetProviderPropertyFn);
    FN_IS(SslHashHandshake, SslHashHandshakeFn);
    FN_IS(SslImportMasterKey, SslImportMasterKeyFn);
    FN_IS(SslImportKey, SslImportKeyFn);
    FN_IS(SslIncrementProviderReferenceCount, SslIncrementProviderReferenceCountFn);
    FN_IS(SslLookupCipherSuiteInfo, SslLookupCipherSuiteInfoFn);
    FN_IS(SslOpenPrivateKey, SslOpenPrivateKeyFn);
    FN_IS(SslOpenProvider, SslOpenProviderFn);
    FN_IS(SslSignHash, SslSignHashFn);
    FN_IS(SslVerifySignature, SslVerifySignatureFn);
    FN_IS(SslLookupCipherLengths, SslLookupCipherLengthsFn);
    FN_IS(SslCreateClientAuthHash, SslCreateClientAuthHashFn);
    FN_IS(SslGetCipherSuitePRFHashAlgorithm, SslGetCipherSuitePRFHashAlgorithmFn);
    FN_IS(SslComputeSessionHash, SslComputeSessionHashFn);
    FN_IS(SslGeneratePreMasterKey, SslGeneratePreMasterKeyFn);
    FN_IS(SslEnumEccCurves, SslEnumEccCurvesFn);
    FN_IS(SslExportKeyingMaterial, SslExportKeyingMaterialFn);
    FN_IS(SslExtractEarlyKey, SslExtractEarlyKeyFn);
    FN_IS(SslExtractHandshakeKey, SslExtractHandshakeKeyFn);
    FN_IS(SslExtractMasterKey, SslExtractMasterKeyFn);
    FN_IS(SslExpandTrafficKeys, SslExpandTrafficKeysFn);
    FN_IS(SslExpandWriteKey, SslExpandWriteKeyFn);
    FN_IS(SslExpandExporterMasterKey, SslExpandExporterMasterKeyFn);
    FN_IS(SslEnumCipherSuitesEx, SslEnumCipherSuitesExFn);
    FN_IS(SslExpandResumptionMasterKey, SslExpandResumptionMasterKeyFn);
    FN_IS(SslDuplicateTranscriptHash, SslDuplicateTranscriptHashFn);
    FN_IS(SslExpandBinderKey, SslExpandBinderKeyFn);
    FN_IS(SslExpandPreSharedKey, SslExpandPreSharedKeyFn);
    FN_IS(SslExpandNextGenTrafficKey, SslExpandNextGenTrafficKeyFn);
    FN_IS(SslInitializeInterface, SslInitializeInterfaceFn);
    FN_IS(GetSChannelInterface, GetSChannelInterfaceFn);
#undef FN_IS
}

static void test_status_codes(void)
{
    CHECK_EQ(NTE_INVALID_HANDLE, (int32_t)0x80090026);
    CHECK_EQ(NTE_INVALID_PARAMETER, (int32_t)0x80090027);
    CHECK_EQ(NTE_BUFFER_TOO_SMALL, (int32_t)0x80090028);
    CHECK_EQ(NTE_NOT_SUPPORTED, (int32_t)0x80090029);
    CHECK_EQ(NTE_NO_MORE_ITEMS, (int32_t)0x8009002A);
    CHECK_EQ(NTE_BUFFERS_OVERLAP, (int32_t)0x8009002B);
    CHECK_EQ(NTE_DECRYPTION_FAILURE, (int32_t)0x8009002C);
    CHECK_EQ(NTE_INTERNAL_ERROR, (int32_t)0x8009002D);
    CHECK_EQ(NTE_DEVICE_NOT_FOUND, (int32_t)0x80090035);
    CHECK_EQ(NTE_BAD_UID, (int32_t)0x80090001);
    CHECK_EQ(NTE_BAD_LEN, (int32_t)0x80090004);
    CHECK_EQ(NTE_BAD_DATA, (int32_t)0x80090005);
    CHECK_EQ(NTE_BAD_SIGNATURE, (int32_t)0x80090006);
    CHECK_EQ(NTE_BAD_ALGID, (int32_t)0x80090008);
    CHECK_EQ(NTE_BAD_FLAGS, (int32_t)0x80090009);
    CHECK_EQ(NTE_BAD_KEY_STATE, (int32_t)0x8009000B);
    CHECK_EQ(NTE_NO_KEY, (int32_t)0x8009000D);
    CHECK_EQ(NTE_NO_MEMORY, (int32_t)0x8009000E);
    CHECK_EQ(NTE_BAD_KEYSET, (int32_t)0x80090016);
    CHECK_EQ(NTE_PROV_DLL_NOT_FOUND, (int32_t)0x8009001E);
    CHECK_EQ(NTE_FAIL, (int32_t)0x80090020);
    CHECK_EQ(STATUS_SUCCESS, 0);
    CHECK_EQ(STATUS_INVALID_HANDLE, (int32_t)0xC0000008);
    CHECK_EQ(STATUS_INVALID_PARAMETER, (int32_t)0xC000000D);
    CHECK_EQ(STATUS_NO_MEMORY, (int32_t)0xC0000017);
    CHECK_EQ(STATUS_NOT_FOUND, (int32_t)0xC0000225);
    CHECK_EQ(STATUS_AUTH_TAG_MISMATCH, (int32_t)0xC000A002);
    CHECK_EQ(SEC_E_OK, 0);
    CHECK_EQ(ERROR_SUCCESS, 0);
    CHECK_EQ(SEC_E_INVALID_HANDLE, (int32_t)0x80090301);
    CHECK_EQ(SEC_E_DECRYPT_FAILURE, (int32_t)0x80090330);
    CHECK_EQ(SEC_E_ALGORITHM_MISMATCH, (int32_t)0x80090331);
    CHECK(NTE_INVALID_HANDLE < 0);
    CHECK(!BCRYPT_SUCCESS(STATUS_AUTH_TAG_MISMATCH));
    CHECK(BCRYPT_SUCCESS(STATUS_SUCCESS));
    {
        SECURITY_STATUS st = NTE_INVALID_HANDLE;
        int32_t raw = (int32_t)0x80090026;

        CHECK(st == raw);
    }
}

static void test_constants(void)
{
    /* §4.2, §4.3 */
    CHECK_EQ(NCRYPT_SSL_CLIENT_FLAG, 1);
    CHECK_EQ(NCRYPT_SSL_SERVER_FLAG, 2);
    CHECK_EQ(SSL2_PROTOCOL_VERSION, 2);
    CHECK_EQ(SSL3_PROTOCOL_VERSION, 768);
    CHECK_EQ(TLS1_PROTOCOL_VERSION, 769);
    CHECK_EQ(TLS1_0_PROTOCOL_VERSION, 769);
    CHECK_EQ(TLS1_1_PROTOCOL_VERSION, 770);
    CHECK_EQ(TLS1_2_PROTOCOL_VERSION, 771);
    CHECK_EQ(TLS1_3_PROTOCOL_VERSION, 772);
    CHECK_EQ(DTLS1_0_PROTOCOL_VERSION, 65279);
    CHECK_EQ(DTLS1_2_PROTOCOL_VERSION, 65277);

    /* §4.4 and conventions.md §8 */
    CHECK_EQ(TLS_RSA_WITH_NULL_MD5, 1);
    CHECK_EQ(TLS_RSA_WITH_3DES_EDE_CBC_SHA, 10);
    CHECK_EQ(TLS_RSA_WITH_AES_128_CBC_SHA, 47);
    CHECK_EQ(TLS_DHE_DSS_WITH_AES_256_CBC_SHA256, 106);
    CHECK_EQ(TLS_RSA_EXPORT1024_WITH_RC4_56_SHA, 100);
    CHECK_EQ(TLS_PSK_WITH_NULL_SHA384, 177);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, 49161);
    CHECK_EQ(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 49200);
    CHECK_EQ(TLS_AES_128_GCM_SHA256, 4865);
    CHECK_EQ(TLS_AES_256_GCM_SHA384, 4866);
    CHECK_EQ(SSL_CK_RC4_128_WITH_MD5, 65664);
    CHECK_EQ(SSL_CK_DES_64_CBC_WITH_MD5, 393280);
    CHECK_EQ(SSL_CK_DES_192_EDE3_CBC_WITH_MD5, 458944);
    CHECK_EQ(TLS_CHACHA20_POLY1305_SHA256, 0x1303);
    CHECK_EQ(TLS_AES_128_CCM_SHA256, 0x1304);
    CHECK_EQ(TLS_AES_128_CCM_8_SHA256, 0x1305);
    CHECK_EQ(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCA8);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCA9);
    CHECK_EQ(TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCAA);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_AES_128_CCM, 0xC0AC);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_AES_256_CCM, 0xC0AD);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 0xC0AE);
    CHECK_EQ(TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, 0xC0AF);
    CHECK_EQ(TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, 0x0067);
    CHECK_EQ(TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, 0x006B);

    /* §4.5, conventions.md §6 */
    CHECK_EQ(TLS_ECC_P256_CURVE_KEY_TYPE, 23);
    CHECK_EQ(TLS_ECC_P384_CURVE_KEY_TYPE, 24);
    CHECK_EQ(TLS_ECC_P521_CURVE_KEY_TYPE, 25);
    CHECK_EQ(TLS_ECC_X25519_CURVE_KEY_TYPE, 29);
    CHECK_EQ(TLS_ECC_X448_CURVE_KEY_TYPE, 30);
    CHECK_EQ(TLS_FFDHE2048_KEY_TYPE, 256);
    CHECK_EQ(TLS_FFDHE3072_KEY_TYPE, 257);
    CHECK_EQ(TLS_FFDHE4096_KEY_TYPE, 258);
    CHECK_EQ(TLS_FFDHE6144_KEY_TYPE, 259);
    CHECK_EQ(TLS_FFDHE8192_KEY_TYPE, 260);

    /* §4.7, §4.8, §4.9 */
    CHECK_EQ(NCRYPTBUFFER_VERSION, 0);
    CHECK_EQ(BCRYPTBUFFER_VERSION, 0);
    CHECK_EQ(NCRYPTBUFFER_SSL_CLIENT_RANDOM, 20);
    CHECK_EQ(NCRYPTBUFFER_SSL_SERVER_RANDOM, 21);
    CHECK_EQ(NCRYPTBUFFER_SSL_HIGHEST_VERSION, 22);
    CHECK_EQ(NCRYPTBUFFER_SSL_CLEAR_KEY, 23);
    CHECK_EQ(NCRYPTBUFFER_SSL_KEY_ARG_DATA, 24);
    CHECK_EQ(NCRYPTBUFFER_SSL_SESSION_HASH, 25);
    CHECK_EQ(NCRYPTBUFFER_EMPTY, 0);
    CHECK_EQ(NCRYPTBUFFER_PKCS_OID, 40);
    CHECK_EQ(NCRYPTBUFFER_ECC_CURVE_NAME, 60);
    CHECK_EQ(NCRYPTBUFFER_PKCS_PADDING_LABEL, 98);
    CHECK_EQ(KDF_TLS_PRF_SEED, 5);
    CHECK_EQ(KDF_HKDF_INFO, 0x14);
    CHECK_EQ(CT_CHANGE_CIPHER_SPEC, 20);
    CHECK_EQ(CT_ALERT, 21);
    CHECK_EQ(CT_HANDSHAKE, 22);
    CHECK_EQ(CT_APPLICATIONDATA, 23);

    /* §4.10, §4.14 */
    CHECK_EQ(NCRYPT_SSL_EAP_PRF_FIELD, 0xFF);
    CHECK_EQ(NCRYPT_SSL_EAP_ID, 0);
    CHECK_EQ(NCRYPT_SSL_EAP_TTLSV0_ID, 1);
    CHECK_EQ(NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID, 2);
    CHECK_EQ(NCRYPT_SSL_EAP_FAST_ID, 3);
    CHECK_EQ(NCRYPT_SSL_SIGN_INCLUDE_HASHOID, 1);
    CHECK_EQ(NCRYPT_SSL_SIGN_USE_PSS_PADDING, 2);
    CHECK_EQ(NCRYPT_SSL_EXTERNAL_PSK_FLAG, 1);
    CHECK_EQ(NCRYPT_SSL_RESUMPTION_PSK_FLAG, 2);
    CHECK_EQ(NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING, 1);
    CHECK_EQ(NCRYPT_SSL_CIPHER_SUITE_EX_VERSION, 1);
    CHECK_EQ(NCRYPT_SSL_MAX_NAME_SIZE, 64);
    CHECK_EQ(MSCRYPT_ECC_MAX_OID_LENGTH, 255);
    CHECK_EQ(MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH, 255);
    CHECK_EQ(NCRYPT_ALLOW_DECRYPT_FLAG, 1);
    CHECK_EQ(NCRYPT_ALLOW_SIGNING_FLAG, 2);
    CHECK_EQ(NCRYPT_ALLOW_KEY_AGREEMENT_FLAG, 4);
    CHECK_EQ(X509_ASN_ENCODING, 1);
    CHECK_EQ(PKCS_7_ASN_ENCODING, 0x10000);

    /* §4.12 magics: little-endian DWORDs spelling the ASCII tag in memory */
    CHECK_EQ(BCRYPT_RSAPUBLIC_MAGIC, 0x31415352);
    CHECK_EQ(BCRYPT_RSAPRIVATE_MAGIC, 0x32415352);
    CHECK_EQ(BCRYPT_RSAFULLPRIVATE_MAGIC, 0x33415352);
    CHECK_EQ(BCRYPT_ECDH_PUBLIC_P256_MAGIC, 0x314B4345);
    CHECK_EQ(BCRYPT_ECDH_PUBLIC_P384_MAGIC, 0x334B4345);
    CHECK_EQ(BCRYPT_ECDH_PUBLIC_P521_MAGIC, 0x354B4345);
    CHECK_EQ(BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC, 0x504B4345);
    CHECK_EQ(BCRYPT_ECDSA_PUBLIC_P256_MAGIC, 0x31534345);
    CHECK_EQ(BCRYPT_ECDSA_PRIVATE_P521_MAGIC, 0x36534345);
    CHECK_EQ(BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC, 0x50444345);
    CHECK_EQ(BCRYPT_DH_PUBLIC_MAGIC, 0x42504844);
    CHECK_EQ(BCRYPT_DH_PRIVATE_MAGIC, 0x56504844);
    CHECK_EQ(BCRYPT_DH_PARAMETERS_MAGIC, 0x4D504844);
    CHECK_EQ(BCRYPT_DSA_PUBLIC_MAGIC, 0x42505344);
    CHECK_EQ(BCRYPT_DSA_PARAMETERS_MAGIC, 0x4D505344);
    CHECK_EQ(BCRYPT_KEY_DATA_BLOB_MAGIC, 0x4D42444B);
    CHECK_EQ(BCRYPT_KEY_DATA_BLOB_VERSION1, 1);
    {
        DWORD magic = BCRYPT_RSAPUBLIC_MAGIC;
        BYTE le[4] = { (BYTE)magic, (BYTE)(magic >> 8), (BYTE)(magic >> 16), (BYTE)(magic >> 24) };

        CHECK(memcmp(le, "RSA1", 4) == 0);
        magic = BCRYPT_KEY_DATA_BLOB_MAGIC;
        le[0] = (BYTE)magic;
        le[1] = (BYTE)(magic >> 8);
        le[2] = (BYTE)(magic >> 16);
        le[3] = (BYTE)(magic >> 24);
        CHECK(memcmp(le, "KDBM", 4) == 0);
    }

    /* §3.9, §4.11 */
    {
        BCRYPT_INTERFACE_VERSION v1 = NCRYPT_SSL_INTERFACE_VERSION;
        BCRYPT_INTERFACE_VERSION v5 = NCRYPT_SSL_INTERFACE_VERSION_5;
        BCRYPT_INTERFACE_VERSION v3 = NCRYPT_SSL_INTERFACE_VERSION_3;

        CHECK_EQ(v1.MajorVersion, 1);
        CHECK_EQ(v1.MinorVersion, 0);
        CHECK_EQ(v3.MajorVersion, 3);
        CHECK_EQ(v5.MajorVersion, 5);
        CHECK_EQ(v5.MinorVersion, 0);
        CHECK(BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(v3, v5));
        CHECK(!BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(v5, v3));
    }
}

static void test_strings(void)
{
    WSTR_IS(MS_SCHANNEL_PROVIDER, "Microsoft SSL Protocol Provider");
    WSTR_IS(BCRYPT_OPAQUE_KEY_BLOB, "OpaqueKeyBlob");
    WSTR_IS(BCRYPT_RSAPUBLIC_BLOB, "RSAPUBLICBLOB");
    WSTR_IS(BCRYPT_ECCPUBLIC_BLOB, "ECCPUBLICBLOB");
    WSTR_IS(BCRYPT_DH_PUBLIC_BLOB, "DHPUBLICBLOB");
    WSTR_IS(BCRYPT_KEY_DATA_BLOB, "KeyDataBlob");
    WSTR_IS(BCRYPT_PUBLIC_KEY_BLOB, "PUBLICBLOB");
    WSTR_IS(LEGACY_DH_PUBLIC_BLOB, "CAPIDHPUBLICBLOB");
    WSTR_IS(SSL_ECCPUBLIC_BLOB, "SSLECCPUBLICBLOB");
    WSTR_IS(TLS_13_PRE_SHARED_KEY, "TLS13PRESHAREDKEY");
    WSTR_IS(SSL_KEY_TYPE_PROPERTY, "KEYTYPE");
    WSTR_IS(SSL_ECDSA_ALGORITHM, "ECDSA");
    WSTR_IS(TLS_PSK_EXCHANGE, "PSK");
    WSTR_IS(TLS_RSA_PSK_EXCHANGE, "RSA_PSK");
    WSTR_IS(BCRYPT_SHA256_ALGORITHM, "SHA256");
    WSTR_IS(BCRYPT_ECDH_P384_ALGORITHM, "ECDH_P384");
    WSTR_IS(BCRYPT_3DES_112_ALGORITHM, "3DES_112");
    WSTR_IS(BCRYPT_CHAIN_MODE_NA, "ChainingModeN/A");
    WSTR_IS(BCRYPT_CHAIN_MODE_GCM, "ChainingModeGCM");
    WSTR_IS(NCRYPT_ALGORITHM_GROUP_PROPERTY, "Algorithm Group");
    WSTR_IS(NCRYPT_PUBLIC_LENGTH_PROPERTY, "PublicKeyLength");
    WSTR_IS(NCRYPT_ECC_CURVE_NAME_PROPERTY, "ECCCurveName");
    {
        /* the code units are 16-bit: 'M' is 0x004D, little-endian 4D 00 in memory */
        LPCWSTR w = MS_SCHANNEL_PROVIDER;
        const BYTE *b = (const BYTE *)w;

        CHECK_EQ(w[0], 0x004D);
        CHECK_EQ(b[0], 0x4D);
        CHECK_EQ(b[1], 0x00);
    }
    {
        static const WCHAR name[] = SSLP_USTR("Microsoft SSL Protocol Provider");

        CHECK_EQ(sizeof(name), 2 * 32);
        CHECK(memcmp(name, MS_SCHANNEL_PROVIDER, sizeof(name)) == 0);
    }
}

int main(void)
{
    test_type_widths();
    test_struct_layouts();
    test_function_table();
    test_fn_typedefs();
    test_status_codes();
    test_constants();
    test_strings();
    return check_summary();
}
