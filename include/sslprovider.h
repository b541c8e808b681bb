/*
 * sslprovider.h - the Windows CNG SSL Protocol Provider API (sslprovider.h of the Windows SDK,
 * exported by Ncrypt.dll on Windows) for Linux and other POSIX systems: sslprov.
 *
 * Code written for Windows against sslprovider.h compiles against this header unchanged, with
 * one spelling difference: where Windows writes L"text", write SSLP_WSTR("text") (a UTF-16
 * `const WCHAR *`; WCHAR is 16-bit here, never wchar_t). Names, signatures, structure layouts
 * (Windows x64), constants and status codes are Windows'. Additions that Windows lacks are
 * marked "sslprov addition".
 *
 * Rules shared by every function (details in docs/ and the project spec):
 *  - Success is SEC_E_OK / ERROR_SUCCESS (0); anything else is an NTE_* (or, where stated,
 *    STATUS_*) code.
 *  - Handles are values from a typed handle table, not pointers. A zero (where not optional),
 *    stale, freed, foreign or wrong-class handle gives NTE_INVALID_HANDLE; the right class in the
 *    wrong protocol or stage gives NTE_NOT_SUPPORTED. Every handle is released with
 *    SslFreeObject; every buffer the provider allocates with SslFreeBuffer.
 *  - On failure, output handles are set to 0, *pcbResult is left untouched and every object is
 *    left exactly as it was.
 *  - pbOutput/cbOutput/pcbResult functions (except records): pbOutput NULL -> SEC_E_OK and the
 *    required size in *pcbResult; cbOutput too small -> NTE_BUFFER_TOO_SMALL and the size.
 *  - Distinct objects may be used from different threads; one record key or hash object must
 *    not be used by two threads at once. SslFreeObject invalidates the handle at once; the
 *    object dies when the last call in flight on it returns.
 */
#ifndef SSLPROVIDER_H
#define SSLPROVIDER_H

#include "sslprov_wintypes.h"

/* Export macro: the library is built with -fvisibility=hidden; only SSLPROV_API symbols are
 * exported. */
#ifndef SSLPROV_API
#if defined(__GNUC__) || defined(__clang__)
#define SSLPROV_API __attribute__((visibility("default")))
#else
#define SSLPROV_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================================== */
/* Provider name and role flags                                                               */
/* ========================================================================================== */

/* The built-in provider answers to this name and to NULL. */
#define MS_SCHANNEL_PROVIDER            SSLP_WSTR("Microsoft SSL Protocol Provider")

#define NCRYPT_SSL_CLIENT_FLAG          0x00000001
#define NCRYPT_SSL_SERVER_FLAG          0x00000002

/* ========================================================================================== */
/* Protocol versions (all defined unconditionally). DTLS versions compare in reverse.         */
/* ========================================================================================== */

#define SSL2_PROTOCOL_VERSION           0x0002
#define SSL3_PROTOCOL_VERSION           0x0300
#define TLS1_PROTOCOL_VERSION           0x0301
#define TLS1_0_PROTOCOL_VERSION         TLS1_PROTOCOL_VERSION
#define TLS1_1_PROTOCOL_VERSION         0x0302
#define TLS1_2_PROTOCOL_VERSION         0x0303
#define TLS1_3_PROTOCOL_VERSION         0x0304
#define DTLS1_0_PROTOCOL_VERSION        0xFEFF
#define DTLS1_2_PROTOCOL_VERSION        0xFEFD

/* ========================================================================================== */
/* Cipher suite identifiers (IANA codes; SSL 2.0 24-bit codes)                                */
/* SSL 2.0 and export suites (0x0003, 0x0062-0x0064, SSL_CK_*) are reported by                */
/* SslLookupCipherSuiteInfo only: key operations return NTE_NOT_SUPPORTED.                    */
/* ========================================================================================== */

#define TLS_RSA_WITH_NULL_MD5                       0x0001
#define TLS_RSA_WITH_NULL_SHA                       0x0002
#define TLS_RSA_EXPORT_WITH_RC4_40_MD5              0x0003
#define TLS_RSA_WITH_RC4_128_MD5                    0x0004
#define TLS_RSA_WITH_RC4_128_SHA                    0x0005
#define TLS_RSA_WITH_DES_CBC_SHA                    0x0009
#define TLS_RSA_WITH_3DES_EDE_CBC_SHA               0x000A
#define TLS_DHE_DSS_WITH_DES_CBC_SHA                0x0012
#define TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA           0x0013
#define TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA           0x0016
#define TLS_RSA_WITH_AES_128_CBC_SHA                0x002F
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA            0x0032
#define TLS_DHE_RSA_WITH_AES_128_CBC_SHA            0x0033
#define TLS_RSA_WITH_AES_256_CBC_SHA                0x0035
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA            0x0038
#define TLS_DHE_RSA_WITH_AES_256_CBC_SHA            0x0039
#define TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA         0x0062
#define TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA     0x0063
#define TLS_RSA_EXPORT1024_WITH_RC4_56_SHA          0x0064
#define TLS_RSA_WITH_NULL_SHA256                    0x003B
#define TLS_RSA_WITH_AES_128_CBC_SHA256             0x003C
#define TLS_RSA_WITH_AES_256_CBC_SHA256             0x003D
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA256         0x0040
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA256         0x006A
#define TLS_RSA_WITH_AES_128_GCM_SHA256             0x009C
#define TLS_RSA_WITH_AES_256_GCM_SHA384             0x009D
#define TLS_DHE_RSA_WITH_AES_128_GCM_SHA256         0x009E
#define TLS_DHE_RSA_WITH_AES_256_GCM_SHA384         0x009F
#define TLS_PSK_WITH_AES_128_GCM_SHA256             0x00A8
#define TLS_PSK_WITH_AES_256_GCM_SHA384             0x00A9
#define TLS_PSK_WITH_AES_128_CBC_SHA256             0x00AE
#define TLS_PSK_WITH_AES_256_CBC_SHA384             0x00AF
#define TLS_PSK_WITH_NULL_SHA256                    0x00B0
#define TLS_PSK_WITH_NULL_SHA384                    0x00B1
#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA        0xC009
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA        0xC00A
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA          0xC013
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA          0xC014
#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256     0xC023
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384     0xC024
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256       0xC027
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384       0xC028
#define TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256     0xC02B
#define TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384     0xC02C
#define TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256       0xC02F
#define TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384       0xC030
#define TLS_AES_128_GCM_SHA256                      0x1301   /* TLS 1.3 */
#define TLS_AES_256_GCM_SHA384                      0x1302   /* TLS 1.3 */

/* sslprov addition: IANA suites that Windows' header does not define. */
#define TLS_CHACHA20_POLY1305_SHA256                    0x1303   /* TLS 1.3 */
#define TLS_AES_128_CCM_SHA256                          0x1304   /* TLS 1.3 */
#define TLS_AES_128_CCM_8_SHA256                        0x1305   /* TLS 1.3 */
#define TLS_DHE_RSA_WITH_AES_128_CBC_SHA256             0x0067
#define TLS_DHE_RSA_WITH_AES_256_CBC_SHA256             0x006B
#define TLS_ECDHE_ECDSA_WITH_AES_128_CCM                0xC0AC
#define TLS_ECDHE_ECDSA_WITH_AES_256_CCM                0xC0AD
#define TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8              0xC0AE
#define TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8              0xC0AF
#define TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256     0xCCA8
#define TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256   0xCCA9
#define TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256       0xCCAA

/* SSL 2.0 */
#define SSL_CK_RC4_128_WITH_MD5                     0x010080
#define SSL_CK_RC4_128_EXPORT40_WITH_MD5            0x020080
#define SSL_CK_RC2_128_CBC_WITH_MD5                 0x030080
#define SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5        0x040080
#define SSL_CK_IDEA_128_CBC_WITH_MD5                0x050080
#define SSL_CK_DES_64_CBC_WITH_MD5                  0x060040
#define SSL_CK_DES_192_EDE3_CBC_WITH_MD5            0x0700C0

/* ========================================================================================== */
/* Key types: IANA TLS NamedGroup values (dwKeyType; 0 = not curve-specific)                  */
/* ========================================================================================== */

#define TLS_ECC_P256_CURVE_KEY_TYPE     23
#define TLS_ECC_P384_CURVE_KEY_TYPE     24
#define TLS_ECC_P521_CURVE_KEY_TYPE     25
/* sslprov addition */
#define TLS_ECC_X25519_CURVE_KEY_TYPE   29
#define TLS_ECC_X448_CURVE_KEY_TYPE     30
/* sslprov addition: RFC 7919 groups for SslCreateEphemeralKey (pbParams NULL), TLS 1.3 and
 * TLS <= 1.2 DHE. Not listed by SslEnumEccCurves. */
#define TLS_FFDHE2048_KEY_TYPE          256
#define TLS_FFDHE3072_KEY_TYPE          257
#define TLS_FFDHE4096_KEY_TYPE          258
#define TLS_FFDHE6144_KEY_TYPE          259
#define TLS_FFDHE8192_KEY_TYPE          260

/* ========================================================================================== */
/* Algorithm and exchange names                                                               */
/* ========================================================================================== */

#define SSL_ECDSA_ALGORITHM             SSLP_WSTR("ECDSA")   /* prefer BCRYPT_ECDSA_ALGORITHM */
#define TLS_PSK_EXCHANGE                SSLP_WSTR("PSK")
#define TLS_RSA_PSK_EXCHANGE            SSLP_WSTR("RSA_PSK")

/* Record content types (SslEncryptPacket dwContentType) */
#define CT_CHANGE_CIPHER_SPEC           20
#define CT_ALERT                        21
#define CT_HANDSHAKE                    22
#define CT_APPLICATIONDATA              23

/* ========================================================================================== */
/* Sizes and structures                                                                       */
/* ========================================================================================== */

#define NCRYPT_SSL_MAX_NAME_SIZE            64    /* WCHARs, terminator included */
#define MSCRYPT_ECC_MAX_OID_LENGTH          255
#define MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH   255

/* One record per (protocol, suite). Lengths: cipher in bits, block in bytes, hash in bits
 * (0 and empty szHash for AEAD), exchange in bits. */
typedef struct _NCRYPT_SSL_CIPHER_SUITE {
    DWORD dwProtocol;
    DWORD dwCipherSuite;
    DWORD dwBaseCipherSuite;
    WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE];
    WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwCipherLen;
    DWORD dwCipherBlockLen;    /* in bytes */
    WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwHashLen;
    WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwMinExchangeLen;
    DWORD dwMaxExchangeLen;
    WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwKeyType;
} NCRYPT_SSL_CIPHER_SUITE;

#define NCRYPT_SSL_CIPHER_SUITE_EX_VERSION  1

typedef struct _NCRYPT_SSL_CIPHER_SUITE_EX {
    DWORD dwVersion;           /* NCRYPT_SSL_CIPHER_SUITE_EX_VERSION */
    DWORD dwProtocol;
    DWORD dwCipherSuite;
    DWORD dwBaseCipherSuite;
    WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE];
    WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwCipherLen;
    DWORD dwCipherBlockLen;    /* in bytes */
    WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwHashLen;
    WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwMinExchangeLen;
    DWORD dwMaxExchangeLen;
    WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwKeyType;
    WCHAR szCipherMode[NCRYPT_SSL_MAX_NAME_SIZE];   /* a BCRYPT_CHAIN_MODE_* string */
} NCRYPT_SSL_CIPHER_SUITE_EX;

/* Record overhead after the record header, as Windows reports it: SslEncryptPacket output =
 * 5 (DTLS: 13) + dwHeaderLen + plaintext + dwFixedTrailerLen (+ up to dwMaxVariableTrailerLen
 * of padding). dwHeaderLen = explicit nonce/IV (TLS 1.3: 0); TLS 1.3 fixed trailer = the tag
 * (the inner content type and padding are part of the caller's TLSInnerPlaintext). */
typedef struct _NCRYPT_SSL_CIPHER_LENGTHS {
    DWORD cbLength;            /* sizeof(NCRYPT_SSL_CIPHER_LENGTHS) */
    DWORD dwHeaderLen;
    DWORD dwFixedTrailerLen;
    DWORD dwMaxVariableTrailerLen;
    DWORD dwFlags;
} NCRYPT_SSL_CIPHER_LENGTHS;

#define NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING 0x00000001

typedef struct _NCRYPT_SSL_ECC_CURVE {
    WCHAR szCurveName[MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH];
    CHAR  szOID[MSCRYPT_ECC_MAX_OID_LENGTH];
    DWORD dwPublicKeyLength;   /* bits */
    DWORD dwCurveType;         /* IANA NamedCurve */
    DWORD dwFlags;
} NCRYPT_SSL_ECC_CURVE, *PNCRYPT_SSL_ECC_CURVE;

/* ========================================================================================== */
/* Blob types and property names                                                              */
/* ========================================================================================== */

/* Header of an SSL_ECCPUBLIC_BLOB, followed by cbKey bytes of the TLS wire encoding of the
 * share: 32 bytes X25519, 56 bytes X448, 0x04 || X || Y for the NIST curves. */
#define SSL_ECCPUBLIC_BLOB              SSLP_WSTR("SSLECCPUBLICBLOB")

typedef struct _SSL_ECCKEY_BLOB {
    ULONG dwCurveType;         /* IANA NamedGroup, e.g. TLS_ECC_X25519_CURVE_KEY_TYPE */
    ULONG cbKey;
} SSL_ECCKEY_BLOB, *PSSL_ECCKEY_BLOB;

/* A PSK: on import either a BCRYPT_KEY_DATA_BLOB_HEADER ('KDBM', version 1) + key bytes or
 * the raw PSK bytes (1..65535); export writes the raw bytes. */
#define TLS_13_PRE_SHARED_KEY           SSLP_WSTR("TLS13PRESHAREDKEY")

/* SslGetKeyProperty: DWORD, the key's IANA group, 0 for non-EC keys. */
#define SSL_KEY_TYPE_PROPERTY           SSLP_WSTR("KEYTYPE")

/* ========================================================================================== */
/* Function-specific flags                                                                    */
/* ========================================================================================== */

/* SslComputeEapKeyBlock: the low byte of dwFlags selects the PRF; higher bits are ignored. */
#define NCRYPT_SSL_EAP_PRF_FIELD            0x000000FF
#define NCRYPT_SSL_EAP_ID                   0x00000000
#define NCRYPT_SSL_EAP_TTLSV0_ID            0x00000001
#define NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID      0x00000002
#define NCRYPT_SSL_EAP_FAST_ID              0x00000003

/* SslSignHash / SslVerifySignature (RSA keys) */
#define NCRYPT_SSL_SIGN_INCLUDE_HASHOID     0x00000001
#define NCRYPT_SSL_SIGN_USE_PSS_PADDING     0x00000002

/* SslExpandBinderKey: exactly one of these */
#define NCRYPT_SSL_EXTERNAL_PSK_FLAG        0x00000001
#define NCRYPT_SSL_RESUMPTION_PSK_FLAG      0x00000002

/* ========================================================================================== */
/* Interface versions (BCRYPT_INTERFACE_VERSION initialisers). sslprov implements version 5.  */
/* ========================================================================================== */

#define NCRYPT_SSL_INTERFACE_VERSION_1  BCRYPT_MAKE_INTERFACE_VERSION(1, 0)
#define NCRYPT_SSL_INTERFACE_VERSION    NCRYPT_SSL_INTERFACE_VERSION_1
#define NCRYPT_SSL_INTERFACE_VERSION_2  BCRYPT_MAKE_INTERFACE_VERSION(2, 0)   /* Windows 7 */
#define NCRYPT_SSL_INTERFACE_VERSION_3  BCRYPT_MAKE_INTERFACE_VERSION(3, 0)   /* Windows 10 1507 */
#define NCRYPT_SSL_INTERFACE_VERSION_4  BCRYPT_MAKE_INTERFACE_VERSION(4, 0)   /* Windows 10 1809 */
#define NCRYPT_SSL_INTERFACE_VERSION_5  BCRYPT_MAKE_INTERFACE_VERSION(5, 0)   /* Windows 10 2004 */

/* ========================================================================================== */
/* Interface version 1 (Windows Vista)                                                        */
/* ========================================================================================== */

/* Router: configuration-change notification. Not implemented, as on Windows: always
 * NTE_NOT_SUPPORTED; hEvent is never touched. */
#ifndef IN
#define IN
#define SSLP_UNDEF_IN_
#endif
SSLPROV_API SECURITY_STATUS WINAPI SslChangeNotify(
    IN HANDLE hEvent,
    IN DWORD  dwFlags);

typedef SECURITY_STATUS (WINAPI *SslChangeNotifyFn)(
    IN HANDLE hEvent,
    IN DWORD  dwFlags);
#ifdef SSLP_UNDEF_IN_
#undef IN
#undef SSLP_UNDEF_IN_
#endif

/* The hash signed in CertificateVerify; the hash object keeps running. TLS <= 1.2 master key
 * (dwFlags 0): with an SslCreateHandshakeHash object of SSL 3.0/TLS 1.0/1.1/DTLS 1.0,
 * pszAlgId "RSA" gives 36 bytes (MD5 || SHA-1; SSL 3.0: its pads over the master secret),
 * "DSA", "ECDSA", "ECDSA_P256/384/521" 20 (SHA-1; SSL 3.0 "DSA" only) — exact names, else
 * NTE_NOT_SUPPORTED; with a single-hash object (TLS 1.2, SslCreateClientAuthHash) its hash,
 * pszAlgId not read. sslprov extension: hMasterKey a TLS 1.3 secret of the transcript's suite,
 * pszAlgId names H (SHA256/SHA384/SHA512); output = H(0x20 x 64 || "TLS 1.3, client
 * CertificateVerify" || 0x00 || transcript) ("server" with NCRYPT_SSL_SERVER_FLAG; both flags
 * or other bits -> NTE_BAD_FLAGS). pbOutput NULL: size query; pcbResult required. */
SSLPROV_API SECURITY_STATUS WINAPI SslComputeClientAuthHash(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_  LPCWSTR            pszAlgId,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslComputeClientAuthHashFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_  LPCWSTR            pszAlgId,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

/* EAP keying material from a TLS 1.0-1.2 master key, as Windows: always 192 bytes, the
 * SecPkgContext_EapKeyBlock layout rgbKeys[128] || rgbIVs[64]. pbRandoms = client random ||
 * server random (64 bytes). dwFlags = the selector NCRYPT_SSL_EAP_*_ID (0-3; any higher bit
 * or selector -> NTE_BAD_FLAGS): 0 EAP-TLS (RFC 5216 keys, RFC 2716 IVs), 1 EAP-TTLSv0 keying
 * material, 2 its challenge (RFC 5281, seed client || server), 3 EAP-FAST (the first 128
 * bytes of the key expansion; IVs zero for 1-3). SSL 3.0 -> NTE_INVALID_PARAMETER. pbOutput
 * NULL: size query (192); pbRandoms and pcbResult are required. */
SSLPROV_API SECURITY_STATUS WINAPI SslComputeEapKeyBlock(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_reads_bytes_(cbRandoms) PBYTE pbRandoms,
    _In_  DWORD              cbRandoms,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslComputeEapKeyBlockFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_reads_bytes_(cbRandoms) PBYTE pbRandoms,
    _In_  DWORD              cbRandoms,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

/* Finished verify_data. SSL 3.0 - TLS 1.2: hMasterKey is the master key and dwFlags exactly one
 * of NCRYPT_SSL_CLIENT_FLAG / NCRYPT_SSL_SERVER_FLAG, naming the *sender* of the Finished
 * message. TLS 1.3: hMasterKey is a traffic secret or a binder key (PSK binders), dwFlags 0,
 * output = HMAC(finished_key, transcript), cbOutput 1..Hash.length (first cbOutput bytes). The
 * caller's hash object keeps running. */
SSLPROV_API SECURITY_STATUS WINAPI SslComputeFinishedHash(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _Out_writes_bytes_all_(cbOutput) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslComputeFinishedHashFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hMasterKey,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _Out_writes_bytes_all_(cbOutput) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _In_  DWORD              dwFlags);

/* A fresh ephemeral key pair: (EC)DHE for TLS <= 1.2, a TLS 1.3 key share. dwKeyType is the
 * group (23, 24, 25, 29, 30; or sslprov's TLS_FFDHE*_KEY_TYPE 256..260 with pbParams NULL);
 * classic DHE passes BCRYPT_DH_PARAMETER_HEADER + p + g in pbParams. The public half leaves
 * through SslExportKey. RSA and PSK exchanges have no ephemeral key: NTE_NOT_SUPPORTED.
 * dwFlags: 0 or NCRYPT_SSL_SERVER_FLAG; any other bit -> NTE_INVALID_PARAMETER (Windows). */
SSLPROV_API SECURITY_STATUS WINAPI SslCreateEphemeralKey(
    _In_    NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_   NCRYPT_KEY_HANDLE  *phEphemeralKey,
    _In_    DWORD               dwProtocol,
    _In_    DWORD               dwCipherSuite,
    _In_    DWORD               dwKeyType,
    _In_    DWORD               dwKeyBitLen,
    _In_reads_bytes_opt_(cbParams) PBYTE pbParams,
    _In_    DWORD               cbParams,
    _In_    DWORD               dwFlags);

/* (Windows' typedef annotates pbParams without _opt; NULL is still accepted.) */
typedef SECURITY_STATUS (WINAPI *SslCreateEphemeralKeyFn)(
    _In_    NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_   NCRYPT_KEY_HANDLE  *phEphemeralKey,
    _In_    DWORD               dwProtocol,
    _In_    DWORD               dwCipherSuite,
    _In_    DWORD               dwKeyType,
    _In_    DWORD               dwKeyBitLen,
    _In_reads_bytes_(cbParams) PBYTE pbParams,
    _In_    DWORD               cbParams,
    _In_    DWORD               dwFlags);

/* A handshake (transcript) hash for a protocol and suite: create, feed with SslHashHandshake,
 * use with SslComputeFinishedHash and the TLS 1.3 key schedule. TLS 1.3 requires a TLS 1.3
 * suite; the HelloRetryRequest message_hash is the caller's to build. */
SSLPROV_API SECURITY_STATUS WINAPI SslCreateHandshakeHash(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_HASH_HANDLE *phHandshakeHash,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslCreateHandshakeHashFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_HASH_HANDLE *phHandshakeHash,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  DWORD               dwFlags);

/* Router: drop one reference on a provider handle; the provider is destroyed with its last
 * reference. A bad handle gives NTE_INVALID_HANDLE (not STATUS_INVALID_HANDLE). */
SSLPROV_API SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(
    _In_ NCRYPT_PROV_HANDLE hSslProvider);

typedef SECURITY_STATUS (WINAPI *SslDecrementProviderReferenceCountFn)(
    _In_ NCRYPT_PROV_HANDLE hSslProvider);

/* Verify and decrypt one record. pbInput = the whole record, header included; pbOutput
 * receives the plaintext only (TLS 1.3: the TLSInnerPlaintext, unchanged - content, type byte
 * and padding are the caller's to parse). No size query: NULL pbInput/pbOutput/pcbResult ->
 * NTE_INVALID_PARAMETER; cbOutput below the largest possible plaintext (AEAD, stream, NULL:
 * the plaintext; CBC: body - explicit IV - MAC - 1) -> NTE_BUFFER_TOO_SMALL before anything
 * is decrypted, in every layout, the in-place one (pbOutput == pbInput + header [+ explicit
 * IV]) included: *pcbResult never exceeds cbOutput. The caller passes SequenceNumber (DTLS: epoch << 48 | seq48); the provider
 * keeps no counter and does not check it on decrypt. Malformed record -> NTE_BAD_DATA; MAC,
 * padding or tag failure -> NTE_DECRYPTION_FAILURE (TLS <= 1.2) or STATUS_AUTH_TAG_MISMATCH
 * (TLS 1.3). A failed call leaves the key unchanged. SSL 3.0 CBC records use the SSL 3.0 MAC
 * and are NOT Lucky-13-safe (RFC 7568 forbids SSL 3.0). */
SSLPROV_API SECURITY_STATUS WINAPI SslDecryptPacket(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_KEY_HANDLE  hKey,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_    DWORD              cbOutput,
    _Out_   DWORD             *pcbResult,
    _In_    ULONGLONG          SequenceNumber,
    _In_    DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslDecryptPacketFn)(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_KEY_HANDLE  hKey,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_    DWORD              cbOutput,
    _Out_   DWORD             *pcbResult,
    _In_    ULONGLONG          SequenceNumber,
    _In_    DWORD              dwFlags);

/* Protect one fragment. pbInput = the plaintext (TLS <= 1.2: 0..16384 bytes); pbOutput
 * receives the whole record, header included. TLS 1.3: the caller passes the complete
 * TLSInnerPlaintext (content || type || zero padding, 1..16385 bytes) and dwContentType = 23
 * (the outer type); the provider adds and strips nothing. dwContentType is written as the low
 * byte (> 0xFF -> NTE_INVALID_PARAMETER). No size query: size buffers with
 * SslLookupCipherLengths; NULL pbInput/pbOutput/pcbResult -> NTE_INVALID_PARAMETER. AEAD keys
 * refuse a SequenceNumber not greater than the last one they encrypted successfully
 * (NTE_INVALID_PARAMETER): no nonce reuse within one key object (the mark travels in the
 * OpaqueKeyBlob). Every write key refuses the number no record can follow (TLS 2^64-1; DTLS
 * a 48-bit part of 2^48-1) with NTE_INVALID_PARAMETER, key unchanged. CBC explicit IVs are random (TLS 1.1+). SSL 3.0 CBC records are NOT
 * Lucky-13-safe. A failed call leaves the key unchanged. In-place use: pbInput == pbOutput +
 * header [+ explicit IV]; any other overlap also works. */
SSLPROV_API SECURITY_STATUS WINAPI SslEncryptPacket(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_KEY_HANDLE  hKey,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_    DWORD              cbOutput,
    _Out_   DWORD             *pcbResult,
    _In_    ULONGLONG          SequenceNumber,
    _In_    DWORD              dwContentType,
    _In_    DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslEncryptPacketFn)(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_KEY_HANDLE  hKey,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_    DWORD              cbOutput,
    _Out_   DWORD             *pcbResult,
    _In_    ULONGLONG          SequenceNumber,
    _In_    DWORD              dwContentType,
    _In_    DWORD              dwFlags);

/* Enumerate the enabled suites, one record per (protocol, suite), optionally only those usable
 * with hPrivateKey. Set *ppEnumState = NULL before the first call; loop until
 * NTE_NO_MORE_ITEMS. Every returned *ppCipherSuite record is a separate allocation: free each
 * one with SslFreeBuffer; free *ppEnumState with SslFreeBuffer when done. The default list holds
 * TLS 1.3, TLS 1.2 and DTLS 1.2 records only; every implemented suite works whether listed or
 * not. */
SSLPROV_API SECURITY_STATUS WINAPI SslEnumCipherSuites(
    _In_     NCRYPT_PROV_HANDLE        hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE         hPrivateKey,
    _Outptr_ NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    _Inout_  PVOID                    *ppEnumState,
    _In_     DWORD                     dwFlags);

typedef SECURITY_STATUS (WINAPI *SslEnumCipherSuitesFn)(
    _In_     NCRYPT_PROV_HANDLE        hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE         hPrivateKey,
    _Outptr_ NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    _Inout_  PVOID                    *ppEnumState,
    _In_     DWORD                     dwFlags);

/* Router: list the installed providers (one: MS_SCHANNEL_PROVIDER). The array and its strings
 * are one allocation, freed with one SslFreeBuffer. dwFlags must be 0. */
SSLPROV_API SECURITY_STATUS WINAPI SslEnumProtocolProviders(
    _Out_    DWORD               *pdwProviderCount,
    _Outptr_ NCryptProviderName **ppProviderList,
    _In_     DWORD                dwFlags);

typedef SECURITY_STATUS (WINAPI *SslEnumProtocolProvidersFn)(
    _Out_    DWORD               *pdwProviderCount,
    _Outptr_ NCryptProviderName **ppProviderList,
    _In_     DWORD                dwFlags);

/* Serialise a key. BCRYPT_ECCPUBLIC_BLOB / SSL_ECCPUBLIC_BLOB / BCRYPT_DH_PUBLIC_BLOB: the
 * public half of an ephemeral key (the value to put on the wire). BCRYPT_OPAQUE_KEY_BLOB:
 * session keys, master keys and TLS 1.3 secrets in Windows' 80-byte-header format (secret
 * material in the clear: protect it). TLS_13_PRE_SHARED_KEY: the raw bytes of a PSK. Blob type
 * not applicable -> NTE_NOT_SUPPORTED. pbOutput NULL: size query. dwFlags must be 0. */
SSLPROV_API SECURITY_STATUS WINAPI SslExportKey(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hKey,
    _In_  LPCWSTR            pszBlobType,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExportKeyFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hKey,
    _In_  LPCWSTR            pszBlobType,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

/* Free a buffer returned by the provider (enumeration records and states, property values,
 * provider and curve lists). The contents are wiped. */
SSLPROV_API SECURITY_STATUS WINAPI SslFreeBuffer(
    PVOID pvInput);

typedef SECURITY_STATUS (WINAPI *SslFreeBufferFn)(
    PVOID pvInput);

/* Free any handle: provider, key, secret or hash. The handle is invalid at once; secrets are
 * wiped. A bad, stale or already freed handle gives NTE_INVALID_HANDLE, never a crash.
 * Objects derived from others stay valid when their parents are freed. */
SSLPROV_API SECURITY_STATUS WINAPI SslFreeObject(
    _Inout_ NCRYPT_HANDLE hObject,
    _In_    DWORD         dwFlags);

typedef SECURITY_STATUS (WINAPI *SslFreeObjectFn)(
    _Inout_ NCRYPT_HANDLE hObject,
    _In_    DWORD         dwFlags);

/* Key exchange and master secret (SSL 3.0 - TLS 1.2, DTLS).
 *  - RSA client: hPrivateKey 0 (or a pre-master key from SslGeneratePreMasterKey), hPublicKey
 *    from SslImportKey(BCRYPT_RSAPUBLIC_BLOB); pbOutput receives the bare RSA ciphertext (no
 *    2-byte length prefix). With hPrivateKey 0, pcbResult is required; pbOutput NULL is a
 *    size query: SEC_E_OK, *pcbResult = modulus bytes, *phMasterKey 0 and nothing created;
 *    too small -> NTE_BUFFER_TOO_SMALL with the size. RSA with the server flag alone ->
 *    NTE_NOT_SUPPORTED (the server uses SslImportMasterKey).
 *  - (EC)DHE: hPrivateKey = our ephemeral key, hPublicKey = the peer's imported share.
 *  - PSK suites: hPrivateKey = a PSK from SslImportKey, hPublicKey = 0.
 * With a pre-master, ephemeral or PSK hPrivateKey, pbOutput, cbOutput and pcbResult are
 * optional and never read, as on Windows (pass NULL, 0, NULL); a given pcbResult is set to 0.
 * dwFlags: NCRYPT_SSL_CLIENT_FLAG (decides when set, even with SERVER) or
 * NCRYPT_SSL_SERVER_FLAG; neither or any other bit -> NTE_BAD_FLAGS.
 * pParameterList: NCRYPTBUFFER_SSL_CLIENT_RANDOM / _SERVER_RANDOM (32 bytes each), or
 * NCRYPTBUFFER_SSL_SESSION_HASH for the extended master secret; RSA clients also pass
 * NCRYPTBUFFER_SSL_HIGHEST_VERSION (a 4-byte DWORD). */
SSLPROV_API SECURITY_STATUS WINAPI SslGenerateMasterKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE   hPrivateKey,
    _In_     NCRYPT_KEY_HANDLE   hPublicKey,
    _Out_    NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_     DWORD               dwProtocol,
    _In_     DWORD               dwCipherSuite,
    _In_     PNCryptBufferDesc   pParameterList,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_     DWORD               cbOutput,
    _Out_    DWORD              *pcbResult,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGenerateMasterKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE   hPrivateKey,
    _In_     NCRYPT_KEY_HANDLE   hPublicKey,
    _Out_    NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_     DWORD               dwProtocol,
    _In_     DWORD               dwCipherSuite,
    _In_     PNCryptBufferDesc   pParameterList,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_     DWORD               cbOutput,
    _Out_    DWORD              *pcbResult,
    _In_     DWORD               dwFlags);

/* Record keys from a TLS <= 1.2 master key: *phWriteKey protects our records, *phReadKey
 * verifies the peer's (the side is the one stored in the master key). pParameterList must hold
 * both 32-byte randoms; dwFlags must be 0. */
SSLPROV_API SECURITY_STATUS WINAPI SslGenerateSessionKeys(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hMasterKey,
    _Out_ NCRYPT_KEY_HANDLE  *phReadKey,
    _Out_ NCRYPT_KEY_HANDLE  *phWriteKey,
    _In_  PNCryptBufferDesc   pParameterList,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGenerateSessionKeysFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hMasterKey,
    _Out_ NCRYPT_KEY_HANDLE  *phReadKey,
    _Out_ NCRYPT_KEY_HANDLE  *phWriteKey,
    _In_  PNCryptBufferDesc   pParameterList,
    _In_  DWORD               dwFlags);

/* A property of a key, in a buffer the caller frees with SslFreeBuffer: SSL_KEY_TYPE_PROPERTY
 * and, for private/public/ephemeral keys, the NCRYPT_*_PROPERTY names of sslprov_wintypes.h.
 * Unknown names -> NTE_NOT_SUPPORTED. (No provider handle, as on Windows.) */
SSLPROV_API SECURITY_STATUS WINAPI SslGetKeyProperty(
    _In_  NCRYPT_KEY_HANDLE hKey,
    _In_  LPCWSTR           pszProperty,
    _Outptr_result_bytebuffer_(*pcbOutput) PBYTE *ppbOutput,
    _Out_ DWORD            *pcbOutput,
    _In_  DWORD             dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGetKeyPropertyFn)(
    _In_  NCRYPT_KEY_HANDLE hKey,
    _In_  LPCWSTR           pszProperty,
    _Outptr_result_bytebuffer_(*pcbOutput) PBYTE *ppbOutput,
    _Out_ DWORD            *pcbOutput,
    _In_  DWORD             dwFlags);

/* A property of the provider, in a buffer freed with SslFreeBuffer: NCRYPT_NAME_PROPERTY
 * (UTF-16 name) and NCRYPT_VERSION_PROPERTY (DWORD major << 16 | minor); others ->
 * NTE_NOT_SUPPORTED. *ppEnumState, when used, is freed with SslFreeBuffer. */
SSLPROV_API SECURITY_STATUS WINAPI SslGetProviderProperty(
    _In_        NCRYPT_PROV_HANDLE hSslProvider,
    _In_        LPCWSTR            pszProperty,
    _Outptr_result_bytebuffer_(*pcbOutput) PBYTE *ppbOutput,
    _Out_       DWORD             *pcbOutput,
    _Inout_opt_ PVOID             *ppEnumState,
    _In_        DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGetProviderPropertyFn)(
    _In_        NCRYPT_PROV_HANDLE hSslProvider,
    _In_        LPCWSTR            pszProperty,
    _Outptr_result_bytebuffer_(*pcbOutput) PBYTE *ppbOutput,
    _Out_       DWORD             *pcbOutput,
    _Inout_opt_ PVOID             *ppEnumState,
    _In_        DWORD              dwFlags);

/* Append bytes to a hash object: whole handshake messages with their 4-byte headers, never
 * record headers. */
SSLPROV_API SECURITY_STATUS WINAPI SslHashHandshake(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _In_    DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslHashHandshakeFn)(
    _In_    NCRYPT_PROV_HANDLE hSslProvider,
    _Inout_ NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_reads_bytes_(cbInput) PBYTE pbInput,
    _In_    DWORD              cbInput,
    _In_    DWORD              dwFlags);

/* RSA key exchange, server side: decrypt the client's pre-master secret with hPrivateKey (from
 * SslOpenPrivateKey) and derive the master secret. pbEncryptedKey is the bare ciphertext (a
 * 2-byte length prefix equal to the modulus length is also accepted). Bad padding or version
 * never fails: a random pre-master is substituted in constant time (Bleichenbacher defence).
 * dwFlags must be NCRYPT_SSL_SERVER_FLAG. */
SSLPROV_API SECURITY_STATUS WINAPI SslImportMasterKey(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hPrivateKey,
    _Out_ NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  NCryptBufferDesc   *pParameterList,
    _In_reads_bytes_(cbEncryptedKey) PBYTE pbEncryptedKey,
    _In_  DWORD               cbEncryptedKey,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslImportMasterKeyFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hPrivateKey,
    _Out_ NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  NCryptBufferDesc   *pParameterList,
    _In_reads_bytes_(cbEncryptedKey) PBYTE pbEncryptedKey,
    _In_  DWORD               cbEncryptedKey,
    _In_  DWORD               dwFlags);

/* Load a key: BCRYPT_RSAPUBLIC_BLOB (a public key); BCRYPT_ECCPUBLIC_BLOB (NIST curves),
 * SSL_ECCPUBLIC_BLOB, BCRYPT_DH_PUBLIC_BLOB (a peer share: a public-only ephemeral key);
 * TLS_13_PRE_SHARED_KEY or BCRYPT_KEY_DATA_BLOB (a PSK); BCRYPT_OPAQUE_KEY_BLOB (an object
 * exported by SslExportKey, here or on Windows). Unknown blob type -> NTE_NOT_SUPPORTED;
 * malformed content -> NTE_BAD_DATA. */
SSLPROV_API SECURITY_STATUS WINAPI SslImportKey(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_KEY_HANDLE  *phKey,
    _In_  LPCWSTR             pszBlobType,
    _In_reads_bytes_(cbKeyBlob) PBYTE pbKeyBlob,
    _In_  DWORD               cbKeyBlob,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslImportKeyFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_KEY_HANDLE  *phKey,
    _In_  LPCWSTR             pszBlobType,
    _In_reads_bytes_(cbKeyBlob) PBYTE pbKeyBlob,
    _In_  DWORD               cbKeyBlob,
    _In_  DWORD               dwFlags);

/* Router: add one reference to a provider handle (balance with
 * SslDecrementProviderReferenceCount). */
SSLPROV_API SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(
    _In_ NCRYPT_PROV_HANDLE hSslProvider);

typedef SECURITY_STATUS (WINAPI *SslIncrementProviderReferenceCountFn)(
    _In_ NCRYPT_PROV_HANDLE hSslProvider);

/* Describe one (protocol, suite, key type) in a caller-supplied record. Answers for every
 * suite in this header, enabled or not (SSL 2.0 and export suites included). */
SSLPROV_API SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(
    _In_  NCRYPT_PROV_HANDLE       hSslProvider,
    _In_  DWORD                    dwProtocol,
    _In_  DWORD                    dwCipherSuite,
    _In_  DWORD                    dwKeyType,
    _Out_ NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    _In_  DWORD                    dwFlags);

typedef SECURITY_STATUS (WINAPI *SslLookupCipherSuiteInfoFn)(
    _In_  NCRYPT_PROV_HANDLE       hSslProvider,
    _In_  DWORD                    dwProtocol,
    _In_  DWORD                    dwCipherSuite,
    _In_  DWORD                    dwKeyType,
    _Out_ NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    _In_  DWORD                    dwFlags);

/* The private key of a certificate's key pair (no certificate validation). On Linux the key
 * must first be associated with the certificate through the SslProv* extensions of
 * sslprov_ext.h; no association -> NTE_NO_KEY, mismatching key -> NTE_BAD_KEYSET. Only the DER
 * bytes of pCertContext are read. */
SSLPROV_API SECURITY_STATUS WINAPI SslOpenPrivateKey(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_KEY_HANDLE  *phPrivateKey,
    _In_  PCCERT_CONTEXT      pCertContext,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslOpenPrivateKeyFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_KEY_HANDLE  *phPrivateKey,
    _In_  PCCERT_CONTEXT      pCertContext,
    _In_  DWORD               dwFlags);

/* Open the provider: pszProviderName NULL or MS_SCHANNEL_PROVIDER (else
 * NTE_PROV_DLL_NOT_FOUND); dwFlags must be 0. Release with SslFreeObject. SSLKEYLOGFILE
 * (opt-in debugging, off unless set) is read here. */
SSLPROV_API SECURITY_STATUS WINAPI SslOpenProvider(
    _Out_ NCRYPT_PROV_HANDLE *phSslProvider,
    _In_  LPCWSTR             pszProviderName,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslOpenProviderFn)(
    _Out_ NCRYPT_PROV_HANDLE *phSslProvider,
    _In_  LPCWSTR             pszProviderName,
    _In_  DWORD               dwFlags);

/* Sign a hash with a key from SslOpenPrivateKey (any other handle -> NTE_INVALID_HANDLE;
 * pcbResult NULL -> NTE_INVALID_PARAMETER). RSA: dwFlags 0 = PKCS#1 v1.5 over the bytes as
 * given (no DigestInfo; at most modulus - 11 bytes); NCRYPT_SSL_SIGN_INCLUDE_HASHOID = input is
 * the UTF-16LE hash name ("MD5", "SHA1", "SHA256", "SHA384", "SHA512", any case) || 0x0000 ||
 * digest, PKCS#1 v1.5 with DigestInfo; NCRYPT_SSL_SIGN_USE_PSS_PADDING = the same layout, RSA-PSS,
 * MGF1 with the hash, salt = digest length (sslprov also takes a bare 32/48/64-byte digest as
 * SHA-256/384/512). No 0x0000 unit in the first 128 bytes, both flags, or any other RSA bit ->
 * NTE_INVALID_PARAMETER; unknown name -> NTE_BAD_ALGID; digest length not the hash's ->
 * NTE_BAD_LEN; PKCS#1 with an RSASSA-PSS key -> NTE_NOT_SUPPORTED. DSA/ECDSA: the digest as
 * given, bit 0 or 1 -> NTE_INVALID_PARAMETER (higher bits ignored); the signature is r || s, each
 * half left-padded to the group order's length. pbSignature NULL: SEC_E_OK and the size; too
 * small: NTE_BUFFER_TOO_SMALL and the size. docs/signatures.md. */
SSLPROV_API SECURITY_STATUS WINAPI SslSignHash(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hPrivateKey,
    _In_reads_bytes_(cbHashValue) PBYTE pbHashValue,
    _In_  DWORD              cbHashValue,
    _Out_writes_bytes_to_opt_(cbSignature, *pcbResult) PBYTE pbSignature,
    _In_  DWORD              cbSignature,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslSignHashFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_KEY_HANDLE  hPrivateKey,
    _In_reads_bytes_(cbHashValue) PBYTE pbHashValue,
    _In_  DWORD              cbHashValue,
    _Out_writes_bytes_to_opt_(cbSignature, *pcbResult) PBYTE pbSignature,
    _In_  DWORD              cbSignature,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

/* Verify a signature over a hash. hPublicKey: a key from SslImportKey (RSA or ECC public blob),
 * an ephemeral key or a key from SslOpenPrivateKey (Windows: the last only); a DH/X25519/X448
 * key -> NTE_NOT_SUPPORTED. Hash formats, flag bits 0-1 and their refusals as SslSignHash;
 * other bits ignored. DSA/ECDSA signatures are r || s, or DER when the length is not
 * 2 x the order's length. A mismatch or a malformed signature -> NTE_BAD_SIGNATURE.
 * docs/signatures.md. */
SSLPROV_API SECURITY_STATUS WINAPI SslVerifySignature(
    _In_ NCRYPT_PROV_HANDLE hSslProvider,
    _In_ NCRYPT_KEY_HANDLE  hPublicKey,
    _In_reads_bytes_(cbHashValue) PBYTE pbHashValue,
    _In_ DWORD              cbHashValue,
    _In_reads_bytes_(cbSignature) PBYTE pbSignature,
    _In_ DWORD              cbSignature,
    _In_ DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslVerifySignatureFn)(
    _In_ NCRYPT_PROV_HANDLE hSslProvider,
    _In_ NCRYPT_KEY_HANDLE  hPublicKey,
    _In_reads_bytes_(cbHashValue) PBYTE pbHashValue,
    _In_ DWORD              cbHashValue,
    _In_reads_bytes_(cbSignature) PBYTE pbSignature,
    _In_ DWORD              cbSignature,
    _In_ DWORD              dwFlags);

/* ========================================================================================== */
/* Interface version 2 (Windows 7)                                                            */
/* ========================================================================================== */

/* Record overhead for a protocol/suite, to size SslEncryptPacket/SslDecryptPacket buffers
 * (records have no size query); the 5/13-byte record header is not counted (see
 * NCRYPT_SSL_CIPHER_LENGTHS). A protocol below SSL 3.0 -> NTE_NOT_SUPPORTED before anything
 * else; pCipherLengths NULL or cbCipherLengths < 20 -> NTE_INVALID_PARAMETER; dwFlags must be
 * 0; an unknown protocol/suite pair -> NTE_INVALID_PARAMETER. dwKeyType is not read. */
SSLPROV_API SECURITY_STATUS WINAPI SslLookupCipherLengths(
    _In_  NCRYPT_PROV_HANDLE         hSslProvider,
    _In_  DWORD                      dwProtocol,
    _In_  DWORD                      dwCipherSuite,
    _In_  DWORD                      dwKeyType,
    _Out_writes_bytes_(cbCipherLengths) NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    _In_  DWORD                      cbCipherLengths,
    _In_  DWORD                      dwFlags);

typedef SECURITY_STATUS (WINAPI *SslLookupCipherLengthsFn)(
    _In_  NCRYPT_PROV_HANDLE         hSslProvider,
    _In_  DWORD                      dwProtocol,
    _In_  DWORD                      dwCipherSuite,
    _In_  DWORD                      dwKeyType,
    _Out_writes_bytes_(cbCipherLengths) NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    _In_  DWORD                      cbCipherLengths,
    _In_  DWORD                      dwFlags);

/* TLS 1.2, DTLS 1.2, TLS 1.3: a handshake hash object of pszHashAlgId (MD5, SHA1, SHA256,
 * SHA384, SHA512, case-insensitive; else NTE_NOT_SUPPORTED), whatever the suite's PRF hash,
 * for the CertificateVerify signature. Checks in Windows' order: a protocol below TLS 1.2 (or
 * DTLS 1.0) first, then the name (NULL/empty), dwFlags (must be 0), the suite and the name's
 * hash, and only then the provider handle and phHandshakeHash. */
SSLPROV_API SECURITY_STATUS WINAPI SslCreateClientAuthHash(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_HASH_HANDLE *phHandshakeHash,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  LPCWSTR             pszHashAlgId,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslCreateClientAuthHashFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_HASH_HANDLE *phHandshakeHash,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  LPCWSTR             pszHashAlgId,
    _In_  DWORD               dwFlags);

/* The PRF (TLS 1.2) or HKDF (TLS 1.3) hash name of a suite, e.g. "SHA256", written into the
 * caller's szPRFHash. dwFlags must be 0. */
SSLPROV_API SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  DWORD              dwProtocol,
    _In_  DWORD              dwCipherSuite,
    _In_  DWORD              dwKeyType,
    _Out_writes_(NCRYPT_SSL_MAX_NAME_SIZE) WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGetCipherSuitePRFHashAlgorithmFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  DWORD              dwProtocol,
    _In_  DWORD              dwCipherSuite,
    _In_  DWORD              dwKeyType,
    _Out_writes_(NCRYPT_SSL_MAX_NAME_SIZE) WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    _In_  DWORD              dwFlags);

/* ========================================================================================== */
/* Interface version 3 (Windows 10 1507)                                                      */
/* ========================================================================================== */

/* The RFC 7627 session hash (the current transcript digest), to pass as
 * NCRYPTBUFFER_SSL_SESSION_HASH; for TLS 1.3 objects the transcript hash (what Windows'
 * Schannel builds the CertificateVerify content from). dwProtocol must be the object's. The
 * hash object keeps running. pbOutput NULL: size query. */
SSLPROV_API SECURITY_STATUS WINAPI SslComputeSessionHash(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_  DWORD              dwProtocol,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslComputeSessionHashFn)(
    _In_  NCRYPT_PROV_HANDLE hSslProvider,
    _In_  NCRYPT_HASH_HANDLE hHandshakeHash,
    _In_  DWORD              dwProtocol,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD              cbOutput,
    _Out_ DWORD             *pcbResult,
    _In_  DWORD              dwFlags);

/* RSA client, two-step form: create the pre-master secret and return it encrypted under
 * hPublicKey (bare ciphertext); pass *phPreMasterKey to SslGenerateMasterKey as hPrivateKey.
 * pbOutput NULL is a size query: SEC_E_OK, *pcbResult = modulus bytes, nothing created;
 * too small -> NTE_BUFFER_TOO_SMALL with the size. pParameterList: only
 * NCRYPTBUFFER_SSL_HIGHEST_VERSION is read (required); the randoms or the session hash go to
 * the SslGenerateMasterKey call that takes the pre-master (with EMS the session hash can only
 * be computed after this call's output was sent). */
SSLPROV_API SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hPublicKey,
    _Out_ NCRYPT_KEY_HANDLE  *phPreMasterKey,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  PNCryptBufferDesc   pParameterList,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD               cbOutput,
    _Out_ DWORD              *pcbResult,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslGeneratePreMasterKeyFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_KEY_HANDLE   hPublicKey,
    _Out_ NCRYPT_KEY_HANDLE  *phPreMasterKey,
    _In_  DWORD               dwProtocol,
    _In_  DWORD               dwCipherSuite,
    _In_  PNCryptBufferDesc   pParameterList,
    _Out_writes_bytes_to_opt_(cbOutput, *pcbResult) PBYTE pbOutput,
    _In_  DWORD               cbOutput,
    _Out_ DWORD              *pcbResult,
    _In_  DWORD               dwFlags);

/* The supported elliptic curves in preference order, as one array freed with SslFreeBuffer.
 * FFDHE groups are not listed. */
SSLPROV_API SECURITY_STATUS WINAPI SslEnumEccCurves(
    _In_  NCRYPT_PROV_HANDLE     hSslProvider,
    _Out_ DWORD                 *pEccCurveCount,
    _Outptr_result_buffer_all_(*pEccCurveCount) NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    _In_  DWORD                  dwFlags);

typedef SECURITY_STATUS (WINAPI *SslEnumEccCurvesFn)(
    _In_  NCRYPT_PROV_HANDLE     hSslProvider,
    _Out_ DWORD                 *pEccCurveCount,
    _Outptr_result_buffer_all_(*pEccCurveCount) NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    _In_  DWORD                  dwFlags);

/* Keying-material exporter. TLS <= 1.2 (RFC 5705): hMasterKey is the master key, pbRandoms =
 * client random || server random (64 bytes); the labels "client finished", "server finished",
 * "master secret", "extended master secret" and "key expansion" are refused
 * (NTE_INVALID_PARAMETER). TLS 1.3 (RFC 8446 7.5): hMasterKey is the exporter master secret
 * from SslExpandExporterMasterKey, no randoms, label <= 249 bytes. Fills exactly cbOutput
 * bytes. dwFlags must be 0. */
SSLPROV_API SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    _In_ NCRYPT_PROV_HANDLE hSslProvider,
    _In_ NCRYPT_KEY_HANDLE  hMasterKey,
    _In_ PCHAR              sLabel,
    _In_reads_bytes_opt_(cbRandoms) PBYTE pbRandoms,
    _In_ DWORD              cbRandoms,
    _In_reads_bytes_opt_(cbContextValue) PBYTE pbContextValue,
    _In_ WORD               cbContextValue,
    _Out_writes_bytes_(cbOutput) PBYTE pbOutput,
    _In_ DWORD              cbOutput,
    _In_ DWORD              dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExportKeyingMaterialFn)(
    _In_ NCRYPT_PROV_HANDLE hSslProvider,
    _In_ NCRYPT_KEY_HANDLE  hMasterKey,
    _In_ PCHAR              sLabel,
    _In_reads_bytes_opt_(cbRandoms) PBYTE pbRandoms,
    _In_ DWORD              cbRandoms,
    _In_reads_bytes_opt_(cbContextValue) PBYTE pbContextValue,
    _In_ WORD               cbContextValue,
    _Out_writes_bytes_(cbOutput) PBYTE pbOutput,
    _In_ DWORD              cbOutput,
    _In_ DWORD              dwFlags);

/* ========================================================================================== */
/* Interface version 4 (Windows 10 1809): the TLS 1.3 key schedule (RFC 8446 7.1).            */
/* The TLS 1.3 functions never read pParameterList (NULL is fine). Labels follow from the     */
/* base key's stage; transcript hashes are read, never finalised.                             */
/* ========================================================================================== */

/* Early secret = HKDF-Extract(0, PSK or 0). hPreSharedKey 0 = no PSK. dwProtocol must be
 * TLS1_3_PROTOCOL_VERSION; dwCipherSuite a TLS 1.3 suite (fixes the hash). */
SSLPROV_API SECURITY_STATUS WINAPI SslExtractEarlyKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE   hPreSharedKey,
    _Out_    NCRYPT_KEY_HANDLE  *phEarlyKey,
    _In_     DWORD               dwProtocol,
    _In_     DWORD               dwCipherSuite,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExtractEarlyKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE   hPreSharedKey,
    _Out_    NCRYPT_KEY_HANDLE  *phEarlyKey,
    _In_     DWORD               dwProtocol,
    _In_     DWORD               dwCipherSuite,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* Handshake secret from the (EC)DHE shared secret of hPrivateKey (our ephemeral key) and
 * hPublicKey (the peer's imported share, same group). psk_ke: both key handles 0 (zero IKM);
 * exactly one 0 -> NTE_INVALID_PARAMETER. */
SSLPROV_API SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hPrivateKey,
    _In_     NCRYPT_KEY_HANDLE   hPublicKey,
    _In_     NCRYPT_KEY_HANDLE   hEarlyKey,
    _Out_    NCRYPT_KEY_HANDLE  *phHandshakeKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExtractHandshakeKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hPrivateKey,
    _In_     NCRYPT_KEY_HANDLE   hPublicKey,
    _In_     NCRYPT_KEY_HANDLE   hEarlyKey,
    _Out_    NCRYPT_KEY_HANDLE  *phHandshakeKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* Master secret from the handshake secret. */
SSLPROV_API SECURITY_STATUS WINAPI SslExtractMasterKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hHandshakeKey,
    _Out_    NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExtractMasterKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hHandshakeKey,
    _Out_    NCRYPT_KEY_HANDLE  *phMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* Traffic *secrets* (not record keys) from an early ("c e traffic", client only), handshake
 * ("c/s hs traffic") or master ("c/s ap traffic") secret and the transcript in hHashValue.
 * Either output may be NULL, not both. Key update is SslExpandNextGenTrafficKey; a traffic
 * secret as hBaseKey -> NTE_NOT_SUPPORTED. */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandTrafficKeys(
    _In_      NCRYPT_PROV_HANDLE  hSslProvider,
    _In_      NCRYPT_KEY_HANDLE   hBaseKey,
    _In_      NCRYPT_HASH_HANDLE  hHashValue,
    _Out_opt_ NCRYPT_KEY_HANDLE  *phClientTrafficKey,
    _Out_opt_ NCRYPT_KEY_HANDLE  *phServerTrafficKey,
    _In_opt_  PNCryptBufferDesc   pParameterList,
    _In_      DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandTrafficKeysFn)(
    _In_      NCRYPT_PROV_HANDLE  hSslProvider,
    _In_      NCRYPT_KEY_HANDLE   hBaseKey,
    _In_      NCRYPT_HASH_HANDLE  hHashValue,
    _Out_opt_ NCRYPT_KEY_HANDLE  *phClientTrafficKey,
    _Out_opt_ NCRYPT_KEY_HANDLE  *phServerTrafficKey,
    _In_opt_  PNCryptBufferDesc   pParameterList,
    _In_      DWORD               dwFlags);

/* The record key ("key" and "iv") of a traffic secret, usable with SslEncryptPacket (our own
 * secret) or SslDecryptPacket (the peer's). */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandWriteKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hBaseTrafficKey,
    _Out_    NCRYPT_KEY_HANDLE  *phWriteKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandWriteKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hBaseTrafficKey,
    _Out_    NCRYPT_KEY_HANDLE  *phWriteKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* Exporter master secret: from the early secret ("e exp master", transcript ClientHello) or the
 * master secret ("exp master", transcript through server Finished). Input of
 * SslExportKeyingMaterial for TLS 1.3. */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandExporterMasterKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hBaseKey,
    _In_     NCRYPT_HASH_HANDLE  hHashValue,
    _Out_    NCRYPT_KEY_HANDLE  *phExporterMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandExporterMasterKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hBaseKey,
    _In_     NCRYPT_HASH_HANDLE  hHashValue,
    _Out_    NCRYPT_KEY_HANDLE  *phExporterMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* As SslEnumCipherSuites, with the extended record (dwVersion, szCipherMode). Free each record
 * and the enumeration state with SslFreeBuffer. */
SSLPROV_API SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(
    _In_     NCRYPT_PROV_HANDLE           hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE            hPrivateKey,
    _Outptr_ NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    _Inout_  PVOID                       *ppEnumState,
    _In_     DWORD                        dwFlags);

typedef SECURITY_STATUS (WINAPI *SslEnumCipherSuitesExFn)(
    _In_     NCRYPT_PROV_HANDLE           hSslProvider,
    _In_opt_ NCRYPT_KEY_HANDLE            hPrivateKey,
    _Outptr_ NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    _Inout_  PVOID                       *ppEnumState,
    _In_     DWORD                        dwFlags);

/* ========================================================================================== */
/* Interface version 5 (Windows 10 2004)                                                      */
/* ========================================================================================== */

/* Resumption master secret ("res master", transcript through client Finished). */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hMasterKey,
    _In_     NCRYPT_HASH_HANDLE  hHashValue,
    _Out_    NCRYPT_KEY_HANDLE  *phResumptionMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandResumptionMasterKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hMasterKey,
    _In_     NCRYPT_HASH_HANDLE  hHashValue,
    _Out_    NCRYPT_KEY_HANDLE  *phResumptionMasterKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* An independent copy of a transcript hash (e.g. for post-handshake authentication). */
SSLPROV_API SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_HASH_HANDLE  hTranscriptHash,
    _Out_ NCRYPT_HASH_HANDLE *phTranscriptHash,
    _In_  DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslDuplicateTranscriptHashFn)(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _In_  NCRYPT_HASH_HANDLE  hTranscriptHash,
    _Out_ NCRYPT_HASH_HANDLE *phDuplicateTranscriptHash,
    _In_  DWORD               dwFlags);

/* Binder key from the early secret: dwFlags exactly one of NCRYPT_SSL_EXTERNAL_PSK_FLAG
 * ("ext binder") / NCRYPT_SSL_RESUMPTION_PSK_FLAG ("res binder"). The binder value is then
 * SslComputeFinishedHash(binder key, hash of the truncated ClientHello). */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandBinderKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hEarlyKey,
    _Out_    NCRYPT_KEY_HANDLE  *phBinderKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandBinderKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hEarlyKey,
    _Out_    NCRYPT_KEY_HANDLE  *phBinderKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* A resumption PSK = HKDF-Expand-Label(resumption master, "resumption", ticket_nonce).
 * pbTicketNonce NULL requires cbTicketNonce 0; nonce <= 255 bytes. */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hResumptionMasterKey,
    _In_reads_bytes_opt_(cbTicketNonce) PBYTE pbTicketNonce,
    _In_     DWORD               cbTicketNonce,
    _Out_    NCRYPT_KEY_HANDLE  *phPreSharedKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandPreSharedKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hResumptionMasterKey,
    _In_reads_bytes_opt_(cbTicketNonce) PBYTE pbTicketNonce,
    _In_     DWORD               cbTicketNonce,
    _Out_    NCRYPT_KEY_HANDLE  *phPreSharedKey,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* ========================================================================================== */
/* Undocumented on Windows (exported by ncrypt.dll, used by Schannel for KeyUpdate); declared */
/* here by sslprov. No table slot.                                                            */
/* ========================================================================================== */

/* TLS 1.3 KeyUpdate: the next application traffic secret =
 * HKDF-Expand-Label(hTrafficSecret, "traffic upd", "", Hash.length). hTrafficSecret must be a
 * TLS 1.3 traffic secret; pParameterList is ignored; dwFlags must be 0. Derive the new record
 * key with SslExpandWriteKey. */
SSLPROV_API SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hTrafficSecret,
    _Out_    NCRYPT_KEY_HANDLE  *phNextTrafficSecret,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

typedef SECURITY_STATUS (WINAPI *SslExpandNextGenTrafficKeyFn)(
    _In_     NCRYPT_PROV_HANDLE  hSslProvider,
    _In_     NCRYPT_KEY_HANDLE   hTrafficSecret,
    _Out_    NCRYPT_KEY_HANDLE  *phNextTrafficSecret,
    _In_opt_ PNCryptBufferDesc   pParameterList,
    _In_     DWORD               dwFlags);

/* ========================================================================================== */
/* The provider's dispatch table. Slot order is ABI (Windows'); each interface version        */
/* appends slots: v1 0..22, v2 ..25, v3 ..29, v4 ..36, v5 ..40.                               */
/* ========================================================================================== */

typedef struct _NCRYPT_SSL_FUNCTION_TABLE {
    BCRYPT_INTERFACE_VERSION            Version;

    /* version 1 */
    SslComputeClientAuthHashFn          ComputeClientAuthHash;          /*  0 */
    SslComputeEapKeyBlockFn             ComputeEapKeyBlock;             /*  1 */
    SslComputeFinishedHashFn            ComputeFinishedHash;            /*  2 */
    SslCreateEphemeralKeyFn             CreateEphemeralKey;             /*  3 */
    SslCreateHandshakeHashFn            CreateHandshakeHash;            /*  4 */
    SslDecryptPacketFn                  DecryptPacket;                  /*  5 */
    SslEncryptPacketFn                  EncryptPacket;                  /*  6 */
    SslEnumCipherSuitesFn               EnumCipherSuites;               /*  7 */
    SslExportKeyFn                      ExportKey;                      /*  8 */
    SslFreeBufferFn                     FreeBuffer;                     /*  9 */
    SslFreeObjectFn                     FreeObject;                     /* 10 */
    SslGenerateMasterKeyFn              GenerateMasterKey;              /* 11 */
    SslGenerateSessionKeysFn            GenerateSessionKeys;            /* 12 */
    SslGetKeyPropertyFn                 GetKeyProperty;                 /* 13 */
    SslGetProviderPropertyFn            GetProviderProperty;            /* 14 */
    SslHashHandshakeFn                  HashHandshake;                  /* 15 */
    SslImportMasterKeyFn                ImportMasterKey;                /* 16 */
    SslImportKeyFn                      ImportKey;                      /* 17 */
    SslLookupCipherSuiteInfoFn          LookupCipherSuiteInfo;          /* 18 */
    SslOpenPrivateKeyFn                 OpenPrivateKey;                 /* 19 */
    SslOpenProviderFn                   OpenProvider;                   /* 20 */
    SslSignHashFn                       SignHash;                       /* 21 */
    SslVerifySignatureFn                VerifySignature;                /* 22 */

    /* version 2 */
    SslLookupCipherLengthsFn            LookupCipherLengths;            /* 23 */
    SslCreateClientAuthHashFn           CreateClientAuthHash;           /* 24 */
    SslGetCipherSuitePRFHashAlgorithmFn GetCipherSuitePRFHashAlgorithm; /* 25 */

    /* version 3 */
    SslComputeSessionHashFn             ComputeSessionHash;             /* 26 */
    SslGeneratePreMasterKeyFn           GeneratePreMasterKey;           /* 27 */
    SslEnumEccCurvesFn                  EnumEccCurves;                  /* 28 */
    SslExportKeyingMaterialFn           ExportKeyingMaterial;           /* 29 */

    /* version 4 */
    SslExtractEarlyKeyFn                ExtractEarlyKey;                /* 30 */
    SslExtractHandshakeKeyFn            ExtractHandshakeKey;            /* 31 */
    SslExtractMasterKeyFn               ExtractMasterKey;               /* 32 */
    SslExpandTrafficKeysFn              ExpandTrafficKeys;              /* 33 */
    SslExpandWriteKeyFn                 ExpandWriteKey;                 /* 34 */
    SslExpandExporterMasterKeyFn        ExpandExporterMasterKey;        /* 35 */
    SslEnumCipherSuitesExFn             EnumCipherSuitesEx;             /* 36 */

    /* version 5 */
    SslExpandResumptionMasterKeyFn      ExpandResumptionMasterKey;      /* 37 */
    SslDuplicateTranscriptHashFn        DuplicateTranscriptHash;        /* 38 */
    SslExpandBinderKeyFn                ExpandBinderKey;                /* 39 */
    SslExpandPreSharedKeyFn             ExpandPreSharedKey;             /* 40 */
} NCRYPT_SSL_FUNCTION_TABLE;

/* ========================================================================================== */
/* Provider entry points                                                                      */
/* ========================================================================================== */

/* Fill a caller-owned table. The caller sets pFunctionTable->Version to the interface version
 * it understands ({0,0} counts as {1,0}); only the slots of min(that, 5) are written and Version
 * is set to the version filled. pszProviderName NULL or MS_SCHANNEL_PROVIDER, else
 * NTE_PROV_DLL_NOT_FOUND. */
SSLPROV_API SECURITY_STATUS WINAPI SslInitializeInterface(
    _In_  LPCWSTR                    pszProviderName,
    _Out_ NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
    _In_  DWORD                      dwFlags);

typedef SECURITY_STATUS (WINAPI *SslInitializeInterfaceFn)(
    _In_  LPCWSTR                    pszProviderName,
    _Out_ NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
    _In_  DWORD                      dwFlags);

/* A pointer to the provider's static, read-only, fully populated table (Version {5,0}); never
 * freed. Returns NTSTATUS: STATUS_SUCCESS, STATUS_NOT_FOUND for an unknown provider name,
 * STATUS_INVALID_PARAMETER for NULL ppFunctionTable. */
SSLPROV_API NTSTATUS WINAPI GetSChannelInterface(
    _In_  LPCWSTR                     pszProviderName,
    _Out_ NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
    _In_  DWORD                       dwFlags);

/* (Windows' typedef declares dwFlags as ULONG; same width as DWORD.) */
typedef NTSTATUS (WINAPI *GetSChannelInterfaceFn)(
    _In_  LPCWSTR                     pszProviderName,
    _Out_ NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
    _In_  ULONG                       dwFlags);

/* ========================================================================================== */
/* Layout checks (Windows x64 on LP64, Windows x86 on ILP32)                                  */
/* ========================================================================================== */

SSLP_CHECK_SIZE(NCRYPT_SSL_CIPHER_SUITE, 676);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwProtocol, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherSuite, 4);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwBaseCipherSuite, 8);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, szCipherSuite, 12);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, szCipher, 140);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherLen, 268);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwCipherBlockLen, 272);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, szHash, 276);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwHashLen, 404);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, szExchange, 408);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwMinExchangeLen, 536);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwMaxExchangeLen, 540);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, szCertificate, 544);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE, dwKeyType, 672);

SSLP_CHECK_SIZE(NCRYPT_SSL_CIPHER_SUITE_EX, 808);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwVersion, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol, 4);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherSuite, 8);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwBaseCipherSuite, 12);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherSuite, 16);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipher, 144);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherLen, 272);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherBlockLen, 276);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szHash, 280);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwHashLen, 408);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szExchange, 412);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwMinExchangeLen, 540);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwMaxExchangeLen, 544);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCertificate, 548);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, dwKeyType, 676);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode, 680);

SSLP_CHECK_SIZE(NCRYPT_SSL_CIPHER_LENGTHS, 20);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_LENGTHS, cbLength, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwHeaderLen, 4);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwFixedTrailerLen, 8);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwMaxVariableTrailerLen, 12);
SSLP_CHECK_OFF(NCRYPT_SSL_CIPHER_LENGTHS, dwFlags, 16);

SSLP_CHECK_SIZE(NCRYPT_SSL_ECC_CURVE, 780);
SSLP_CHECK_OFF(NCRYPT_SSL_ECC_CURVE, szCurveName, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_ECC_CURVE, szOID, 510);
SSLP_CHECK_OFF(NCRYPT_SSL_ECC_CURVE, dwPublicKeyLength, 768);
SSLP_CHECK_OFF(NCRYPT_SSL_ECC_CURVE, dwCurveType, 772);
SSLP_CHECK_OFF(NCRYPT_SSL_ECC_CURVE, dwFlags, 776);

SSLP_CHECK_SIZE(SSL_ECCKEY_BLOB, 8);
SSLP_CHECK_OFF(SSL_ECCKEY_BLOB, dwCurveType, 0);
SSLP_CHECK_OFF(SSL_ECCKEY_BLOB, cbKey, 4);

#if SSLP_PTR64
SSLP_CHECK_SIZE(NCRYPT_SSL_FUNCTION_TABLE, 336);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, Version, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash, 8);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, VerifySignature, 184);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, LookupCipherLengths, 192);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey, 328);
#else
SSLP_CHECK_SIZE(NCRYPT_SSL_FUNCTION_TABLE, 168);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, Version, 0);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash, 4);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, VerifySignature, 92);
SSLP_CHECK_OFF(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey, 164);
#endif

#ifdef __cplusplus
}
#endif

#endif /* SSLPROVIDER_H */
