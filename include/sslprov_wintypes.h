/*
 * sslprov_wintypes.h - the Windows base types, NCrypt/BCrypt structures, status codes and
 * blob definitions that sslprovider.h needs, for POSIX systems.
 *
 * Widths are the *Windows* ones, not the LP64 C ones: DWORD/ULONG are 32-bit, WCHAR is a 16-bit
 * UTF-16 code unit (not wchar_t), handles are pointer-sized integers. Every structure has the
 * natural (MSVC default) alignment and its Windows x64 size and field offsets, checked below
 * with static assertions.
 *
 * Wide string constants are UTF-16 u"" literals: use SSLP_WSTR("text") where Windows code writes
 * L"text". SSLP_WSTR yields a `const WCHAR *` expression; to initialise a WCHAR array use
 * SSLP_USTR("text") (a plain u"" literal).
 *
 * Part of sslprov, an implementation of the Windows CNG SSL Protocol Provider API.
 */
#ifndef SSLPROV_WINTYPES_H
#define SSLPROV_WINTYPES_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <uchar.h>
#endif

/* ------------------------------------------------------------------------------------------ */
/* Compile-time checks                                                                         */
/* ------------------------------------------------------------------------------------------ */

#ifndef SSLP_STATIC_ASSERT
#ifdef __cplusplus
#define SSLP_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SSLP_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#endif

/* 1 when pointers are 64-bit (the Windows x64 layouts); 0 on ILP32 (the Windows x86 layouts). */
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
#define SSLP_PTR64 1
#else
#define SSLP_PTR64 0
#endif

/* ------------------------------------------------------------------------------------------ */
/* Calling convention and SAL annotations                                                      */
/* ------------------------------------------------------------------------------------------ */

/* WINAPI: the System V ABI by default; -DSSLP_MS_ABI selects the Windows x64 calling
 * convention (for Wine / PE interop). Both the library and its callers must agree. */
#ifndef WINAPI
#ifdef SSLP_MS_ABI
#define WINAPI __attribute__((ms_abi))
#else
#define WINAPI
#endif
#endif

/* SAL annotations: documentation only, as in Microsoft's headers. */
#ifndef _In_
#define _In_
#endif
#ifndef _In_opt_
#define _In_opt_
#endif
#ifndef _In_z_
#define _In_z_
#endif
#ifndef _Out_
#define _Out_
#endif
#ifndef _Out_opt_
#define _Out_opt_
#endif
#ifndef _Inout_
#define _Inout_
#endif
#ifndef _Inout_opt_
#define _Inout_opt_
#endif
#ifndef _Outptr_
#define _Outptr_
#endif
#ifndef _Outptr_opt_
#define _Outptr_opt_
#endif
#ifndef _Outptr_result_bytebuffer_
#define _Outptr_result_bytebuffer_(size)
#endif
#ifndef _Outptr_result_buffer_all_
#define _Outptr_result_buffer_all_(size)
#endif
#ifndef _In_reads_
#define _In_reads_(size)
#endif
#ifndef _In_reads_bytes_
#define _In_reads_bytes_(size)
#endif
#ifndef _In_reads_bytes_opt_
#define _In_reads_bytes_opt_(size)
#endif
#ifndef _Out_writes_
#define _Out_writes_(size)
#endif
#ifndef _Out_writes_bytes_
#define _Out_writes_bytes_(size)
#endif
#ifndef _Out_writes_bytes_all_
#define _Out_writes_bytes_all_(size)
#endif
#ifndef _Out_writes_bytes_to_
#define _Out_writes_bytes_to_(size, count)
#endif
#ifndef _Out_writes_bytes_to_opt_
#define _Out_writes_bytes_to_opt_(size, count)
#endif
/* windows.h's old-style annotations. Note that they are ordinary identifiers: a program that
 * uses IN, OUT or OPTIONAL for something else can define SSLP_NO_IN_OUT_MACROS. */
#ifndef SSLP_NO_IN_OUT_MACROS
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#endif

/* ------------------------------------------------------------------------------------------ */
/* Base types (Windows widths)                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef uint8_t   BYTE;
typedef uint8_t   UCHAR;
typedef char      CHAR;
typedef uint16_t  WORD;
typedef uint16_t  USHORT;
typedef uint32_t  DWORD;   /* 32-bit, unlike Linux unsigned long */
typedef uint32_t  ULONG;   /* 32-bit, unlike Linux unsigned long */
typedef uint32_t  UINT;
typedef int32_t   LONG;
typedef int32_t   INT;
typedef uint64_t  ULONGLONG;
typedef uintptr_t ULONG_PTR;
typedef size_t    SIZE_T;
typedef int32_t   BOOL;
typedef void     *PVOID;
typedef void     *LPVOID;
typedef void     *HANDLE;
typedef BYTE     *PBYTE;
typedef UCHAR    *PUCHAR;
typedef CHAR     *PCHAR;
typedef DWORD    *PDWORD;
typedef ULONG    *PULONG;
typedef CHAR     *LPSTR;
typedef const CHAR *LPCSTR;

/* A UTF-16 code unit. Never wchar_t (32-bit on Linux). */
typedef uint16_t       WCHAR;
typedef WCHAR         *PWCHAR;
typedef WCHAR         *LPWSTR;
typedef WCHAR         *PWSTR;
typedef const WCHAR   *LPCWSTR;
typedef const WCHAR   *PCWSTR;

typedef int32_t SECURITY_STATUS;   /* HRESULT-style: 0 success, NTE_* failure */
typedef int32_t NTSTATUS;          /* success iff >= 0 */
typedef int32_t HRESULT;

/* winerror.h: what Windows callers test every status with */
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* UTF-16 string literals: SSLP_WSTR("abc") is a `const WCHAR *`, SSLP_USTR("abc") the
 * u"abc" literal itself (for WCHAR array initialisers). */
#ifndef SSLP_USTR
#define SSLP_USTR(s) u"" s
#endif
#ifndef SSLP_WSTR
#define SSLP_WSTR(s) ((const WCHAR *)(u"" s))
#endif

#ifndef __cplusplus
SSLP_STATIC_ASSERT(sizeof(char16_t) == 2, "char16_t must be a 16-bit code unit");
SSLP_STATIC_ASSERT(_Generic((char16_t)0, WCHAR: 1, default: 0),
                   "char16_t and WCHAR must be the same type");
#endif
SSLP_STATIC_ASSERT(sizeof(WCHAR) == 2, "WCHAR is 16-bit");
SSLP_STATIC_ASSERT(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4,
                   "DWORD/ULONG/LONG are 32-bit");
SSLP_STATIC_ASSERT(sizeof(ULONGLONG) == 8, "ULONGLONG is 64-bit");
SSLP_STATIC_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR is pointer-sized");

/* ------------------------------------------------------------------------------------------ */
/* Handles (ncrypt.h)                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef ULONG_PTR NCRYPT_HANDLE;
typedef ULONG_PTR NCRYPT_PROV_HANDLE;
typedef ULONG_PTR NCRYPT_KEY_HANDLE;
typedef ULONG_PTR NCRYPT_HASH_HANDLE;
typedef ULONG_PTR NCRYPT_SECRET_HANDLE;   /* not used by the SSL API */

/* ------------------------------------------------------------------------------------------ */
/* Status codes. SECURITY_STATUS values are cast so they compare equal to an int32_t status.   */
/* ------------------------------------------------------------------------------------------ */

#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0L
#endif

#ifndef BCRYPT_SUCCESS
#define BCRYPT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#endif

/* NTE_* (winerror.h, facility 9) */
#define NTE_BAD_UID                    ((SECURITY_STATUS)0x80090001L)
#define NTE_BAD_HASH                   ((SECURITY_STATUS)0x80090002L)
#define NTE_BAD_KEY                    ((SECURITY_STATUS)0x80090003L)
#define NTE_BAD_LEN                    ((SECURITY_STATUS)0x80090004L)
#define NTE_BAD_DATA                   ((SECURITY_STATUS)0x80090005L)
#define NTE_BAD_SIGNATURE              ((SECURITY_STATUS)0x80090006L)
#define NTE_BAD_VER                    ((SECURITY_STATUS)0x80090007L)
#define NTE_BAD_ALGID                  ((SECURITY_STATUS)0x80090008L)
#define NTE_BAD_FLAGS                  ((SECURITY_STATUS)0x80090009L)
#define NTE_BAD_TYPE                   ((SECURITY_STATUS)0x8009000AL)
#define NTE_BAD_KEY_STATE              ((SECURITY_STATUS)0x8009000BL)
#define NTE_BAD_HASH_STATE             ((SECURITY_STATUS)0x8009000CL)
#define NTE_NO_KEY                     ((SECURITY_STATUS)0x8009000DL)
#define NTE_NO_MEMORY                  ((SECURITY_STATUS)0x8009000EL)
#define NTE_EXISTS                     ((SECURITY_STATUS)0x8009000FL)
#define NTE_PERM                       ((SECURITY_STATUS)0x80090010L)
#define NTE_NOT_FOUND                  ((SECURITY_STATUS)0x80090011L)
#define NTE_DOUBLE_ENCRYPT             ((SECURITY_STATUS)0x80090012L)
#define NTE_BAD_PROVIDER               ((SECURITY_STATUS)0x80090013L)
#define NTE_BAD_PROV_TYPE              ((SECURITY_STATUS)0x80090014L)
#define NTE_BAD_PUBLIC_KEY             ((SECURITY_STATUS)0x80090015L)
#define NTE_BAD_KEYSET                 ((SECURITY_STATUS)0x80090016L)
#define NTE_PROV_TYPE_NOT_DEF          ((SECURITY_STATUS)0x80090017L)
#define NTE_PROV_TYPE_ENTRY_BAD        ((SECURITY_STATUS)0x80090018L)
#define NTE_KEYSET_NOT_DEF             ((SECURITY_STATUS)0x80090019L)
#define NTE_KEYSET_ENTRY_BAD           ((SECURITY_STATUS)0x8009001AL)
#define NTE_PROV_TYPE_NO_MATCH         ((SECURITY_STATUS)0x8009001BL)
#define NTE_SIGNATURE_FILE_BAD         ((SECURITY_STATUS)0x8009001CL)
#define NTE_PROVIDER_DLL_FAIL          ((SECURITY_STATUS)0x8009001DL)
#define NTE_PROV_DLL_NOT_FOUND         ((SECURITY_STATUS)0x8009001EL)
#define NTE_BAD_KEYSET_PARAM           ((SECURITY_STATUS)0x8009001FL)
#define NTE_FAIL                       ((SECURITY_STATUS)0x80090020L)
#define NTE_SYS_ERR                    ((SECURITY_STATUS)0x80090021L)
#define NTE_SILENT_CONTEXT             ((SECURITY_STATUS)0x80090022L)
#define NTE_TOKEN_KEYSET_STORAGE_FULL  ((SECURITY_STATUS)0x80090023L)
#define NTE_TEMPORARY_PROFILE          ((SECURITY_STATUS)0x80090024L)
#define NTE_FIXEDPARAMETER             ((SECURITY_STATUS)0x80090025L)
#define NTE_INVALID_HANDLE             ((SECURITY_STATUS)0x80090026L)
#define NTE_INVALID_PARAMETER          ((SECURITY_STATUS)0x80090027L)
#define NTE_BUFFER_TOO_SMALL           ((SECURITY_STATUS)0x80090028L)
#define NTE_NOT_SUPPORTED              ((SECURITY_STATUS)0x80090029L)
#define NTE_NO_MORE_ITEMS              ((SECURITY_STATUS)0x8009002AL)
#define NTE_BUFFERS_OVERLAP            ((SECURITY_STATUS)0x8009002BL)
#define NTE_DECRYPTION_FAILURE         ((SECURITY_STATUS)0x8009002CL)
#define NTE_INTERNAL_ERROR             ((SECURITY_STATUS)0x8009002DL)
#define NTE_UI_REQUIRED                ((SECURITY_STATUS)0x8009002EL)
#define NTE_HMAC_NOT_SUPPORTED         ((SECURITY_STATUS)0x8009002FL)
#define NTE_DEVICE_NOT_READY           ((SECURITY_STATUS)0x80090030L)
#define NTE_AUTHENTICATION_IGNORED     ((SECURITY_STATUS)0x80090031L)
#define NTE_VALIDATION_FAILED          ((SECURITY_STATUS)0x80090032L)
#define NTE_INCORRECT_PASSWORD         ((SECURITY_STATUS)0x80090033L)
#define NTE_ENCRYPTION_FAILURE         ((SECURITY_STATUS)0x80090034L)
#define NTE_DEVICE_NOT_FOUND           ((SECURITY_STATUS)0x80090035L)

/* STATUS_* (ntstatus.h) */
#define STATUS_SUCCESS                 ((NTSTATUS)0x00000000L)
#define STATUS_INVALID_HANDLE          ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_PARAMETER       ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY               ((NTSTATUS)0xC0000017L)
#define STATUS_BUFFER_TOO_SMALL        ((NTSTATUS)0xC0000023L)
#define STATUS_NOT_SUPPORTED           ((NTSTATUS)0xC00000BBL)
#define STATUS_NOT_FOUND               ((NTSTATUS)0xC0000225L)
#define STATUS_INVALID_SIGNATURE       ((NTSTATUS)0xC000A000L)
#define STATUS_AUTH_TAG_MISMATCH       ((NTSTATUS)0xC000A002L)

/* SEC_E_* (winerror.h): what Schannel maps provider errors to; not returned by the provider. */
#define SEC_E_OK                       ((SECURITY_STATUS)0x00000000L)
#define SEC_E_INSUFFICIENT_MEMORY      ((SECURITY_STATUS)0x80090300L)
#define SEC_E_INVALID_HANDLE           ((SECURITY_STATUS)0x80090301L)
#define SEC_E_UNSUPPORTED_FUNCTION     ((SECURITY_STATUS)0x80090302L)
#define SEC_E_INTERNAL_ERROR           ((SECURITY_STATUS)0x80090304L)
#define SEC_E_INVALID_TOKEN            ((SECURITY_STATUS)0x80090308L)
#define SEC_E_MESSAGE_ALTERED          ((SECURITY_STATUS)0x8009030FL)
#define SEC_E_BUFFER_TOO_SMALL         ((SECURITY_STATUS)0x80090321L)
#define SEC_E_DECRYPT_FAILURE          ((SECURITY_STATUS)0x80090330L)
#define SEC_E_ALGORITHM_MISMATCH       ((SECURITY_STATUS)0x80090331L)

/* ------------------------------------------------------------------------------------------ */
/* NCryptBuffer / NCryptBufferDesc (bcrypt.h, ncrypt.h)                                        */
/* ------------------------------------------------------------------------------------------ */

typedef struct _BCryptBuffer {
    ULONG cbBuffer;     /* length of pvBuffer in bytes */
    ULONG BufferType;   /* NCRYPTBUFFER_* / KDF_* */
    PVOID pvBuffer;
} BCryptBuffer, *PBCryptBuffer;

typedef struct _BCryptBufferDesc {
    ULONG         ulVersion;   /* NCRYPTBUFFER_VERSION */
    ULONG         cBuffers;
    PBCryptBuffer pBuffers;
} BCryptBufferDesc, *PBCryptBufferDesc;

typedef BCryptBuffer      NCryptBuffer;
typedef BCryptBuffer     *PNCryptBuffer;
typedef BCryptBufferDesc  NCryptBufferDesc;
typedef BCryptBufferDesc *PNCryptBufferDesc;

#define NCRYPTBUFFER_VERSION 0
#define BCRYPTBUFFER_VERSION 0

/* NCryptBuffer.BufferType values (ncrypt.h). The SSL API reads only the NCRYPTBUFFER_SSL_*
 * ones; the others are listed so they can be ignored knowingly. */
#define NCRYPTBUFFER_EMPTY                                   0
#define NCRYPTBUFFER_DATA                                    1
#define NCRYPTBUFFER_PROTECTION_DESCRIPTOR_STRING            3
#define NCRYPTBUFFER_PROTECTION_FLAGS                        4
#define NCRYPTBUFFER_SSL_CLIENT_RANDOM                       20  /* 32 bytes */
#define NCRYPTBUFFER_SSL_SERVER_RANDOM                       21  /* 32 bytes */
#define NCRYPTBUFFER_SSL_HIGHEST_VERSION                     22  /* DWORD, host order, e.g. 0x0303 */
#define NCRYPTBUFFER_SSL_CLEAR_KEY                           23  /* SSL 2.0 only */
#define NCRYPTBUFFER_SSL_KEY_ARG_DATA                        24  /* SSL 2.0 only */
#define NCRYPTBUFFER_SSL_SESSION_HASH                        25  /* RFC 7627: selects EMS */
#define NCRYPTBUFFER_PKCS_OID                                40
#define NCRYPTBUFFER_PKCS_ALG_OID                            41
#define NCRYPTBUFFER_PKCS_ALG_PARAM                          42
#define NCRYPTBUFFER_PKCS_ALG_ID                             43
#define NCRYPTBUFFER_PKCS_ATTRS                              44
#define NCRYPTBUFFER_PKCS_KEY_NAME                           45
#define NCRYPTBUFFER_PKCS_SECRET                             46
#define NCRYPTBUFFER_CERT_BLOB                               47
#define NCRYPTBUFFER_CLAIM_IDBINDING_NONCE                   48
#define NCRYPTBUFFER_CLAIM_KEYATTESTATION_NONCE              49
#define NCRYPTBUFFER_KEY_PROPERTY_FLAGS                      50
#define NCRYPTBUFFER_ATTESTATIONSTATEMENT_BLOB               51
#define NCRYPTBUFFER_ATTESTATION_CLAIM_TYPE                  52
#define NCRYPTBUFFER_ATTESTATION_CLAIM_CHALLENGE_REQUIRED    53
#define NCRYPTBUFFER_VSM_KEY_ATTESTATION_CLAIM_RESTRICTIONS  54
#define NCRYPTBUFFER_ECC_CURVE_NAME                          60
#define NCRYPTBUFFER_ECC_PARAMETERS                          61
#define NCRYPTBUFFER_TPM_SEAL_PASSWORD                       70
#define NCRYPTBUFFER_TPM_SEAL_POLICYINFO                     71
#define NCRYPTBUFFER_TPM_SEAL_TICKET                         72
#define NCRYPTBUFFER_TPM_SEAL_NO_DA_PROTECTION               73
#define NCRYPTBUFFER_TPM_PLATFORM_CLAIM_PCR_MASK             80
#define NCRYPTBUFFER_TPM_PLATFORM_CLAIM_NONCE                81
#define NCRYPTBUFFER_TPM_PLATFORM_CLAIM_STATIC_CREATE        82
/* 90..95: attestation-statement types (not used; names not reproduced) */
#define NCRYPTBUFFER_PKCS_AES_KEY_BITS                       96
#define NCRYPTBUFFER_PKCS_PADDING_ALGO                       97
#define NCRYPTBUFFER_PKCS_PADDING_LABEL                      98

/* KDF buffer types (bcrypt.h). Not read by the SSL API; the same number space as above. */
#define KDF_HASH_ALGORITHM          0x0
#define KDF_SECRET_PREPEND          0x1
#define KDF_SECRET_APPEND           0x2
#define KDF_HMAC_KEY                0x3
#define KDF_TLS_PRF_LABEL           0x4
#define KDF_TLS_PRF_SEED            0x5
#define KDF_SECRET_HANDLE           0x6
#define KDF_TLS_PRF_PROTOCOL        0x7
#define KDF_ALGORITHMID             0x8
#define KDF_PARTYUINFO              0x9
#define KDF_PARTYVINFO              0xA
#define KDF_SUPPPUBINFO             0xB
#define KDF_SUPPPRIVINFO            0xC
#define KDF_LABEL                   0xD
#define KDF_CONTEXT                 0xE
#define KDF_SALT                    0xF
#define KDF_ITERATION_COUNT         0x10
#define KDF_GENERIC_PARAMETER       0x11
#define KDF_KEYBITLENGTH            0x12
#define KDF_HKDF_SALT               0x13
#define KDF_HKDF_INFO               0x14
#define KDF_USE_SECRET_AS_HMAC_KEY_FLAG 0x1

/* ------------------------------------------------------------------------------------------ */
/* NCryptProviderName (ncrypt.h)                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct NCryptProviderName {
    LPWSTR pszName;
    LPWSTR pszComment;   /* may be NULL */
} NCryptProviderName;

/* ------------------------------------------------------------------------------------------ */
/* BCrypt algorithm and chaining-mode names (bcrypt.h)                                         */
/* ------------------------------------------------------------------------------------------ */

#define BCRYPT_RSA_ALGORITHM         SSLP_WSTR("RSA")
#define BCRYPT_RSA_SIGN_ALGORITHM    SSLP_WSTR("RSA_SIGN")
#define BCRYPT_DH_ALGORITHM          SSLP_WSTR("DH")
#define BCRYPT_DSA_ALGORITHM         SSLP_WSTR("DSA")
#define BCRYPT_ECDSA_ALGORITHM       SSLP_WSTR("ECDSA")
#define BCRYPT_ECDH_ALGORITHM        SSLP_WSTR("ECDH")
#define BCRYPT_ECDSA_P256_ALGORITHM  SSLP_WSTR("ECDSA_P256")
#define BCRYPT_ECDSA_P384_ALGORITHM  SSLP_WSTR("ECDSA_P384")
#define BCRYPT_ECDSA_P521_ALGORITHM  SSLP_WSTR("ECDSA_P521")
#define BCRYPT_ECDH_P256_ALGORITHM   SSLP_WSTR("ECDH_P256")
#define BCRYPT_ECDH_P384_ALGORITHM   SSLP_WSTR("ECDH_P384")
#define BCRYPT_ECDH_P521_ALGORITHM   SSLP_WSTR("ECDH_P521")
#define BCRYPT_AES_ALGORITHM         SSLP_WSTR("AES")
#define BCRYPT_3DES_ALGORITHM        SSLP_WSTR("3DES")
#define BCRYPT_3DES_112_ALGORITHM    SSLP_WSTR("3DES_112")
#define BCRYPT_DES_ALGORITHM         SSLP_WSTR("DES")
#define BCRYPT_DESX_ALGORITHM        SSLP_WSTR("DESX")
#define BCRYPT_RC2_ALGORITHM         SSLP_WSTR("RC2")
#define BCRYPT_RC4_ALGORITHM         SSLP_WSTR("RC4")
#define BCRYPT_MD2_ALGORITHM         SSLP_WSTR("MD2")
#define BCRYPT_MD4_ALGORITHM         SSLP_WSTR("MD4")
#define BCRYPT_MD5_ALGORITHM         SSLP_WSTR("MD5")
#define BCRYPT_SHA1_ALGORITHM        SSLP_WSTR("SHA1")
#define BCRYPT_SHA256_ALGORITHM      SSLP_WSTR("SHA256")
#define BCRYPT_SHA384_ALGORITHM      SSLP_WSTR("SHA384")
#define BCRYPT_SHA512_ALGORITHM      SSLP_WSTR("SHA512")
#define BCRYPT_KDF_TLS_PRF           SSLP_WSTR("TLS_PRF")   /* reference only */
#define BCRYPT_KDF_HKDF              SSLP_WSTR("HKDF")      /* reference only */

#define BCRYPT_CHAIN_MODE_NA         SSLP_WSTR("ChainingModeN/A")
#define BCRYPT_CHAIN_MODE_CBC        SSLP_WSTR("ChainingModeCBC")
#define BCRYPT_CHAIN_MODE_ECB        SSLP_WSTR("ChainingModeECB")
#define BCRYPT_CHAIN_MODE_CFB        SSLP_WSTR("ChainingModeCFB")
#define BCRYPT_CHAIN_MODE_CCM        SSLP_WSTR("ChainingModeCCM")
#define BCRYPT_CHAIN_MODE_GCM        SSLP_WSTR("ChainingModeGCM")

/* ------------------------------------------------------------------------------------------ */
/* Key blobs (bcrypt.h): type names, magics, headers. Header DWORDs are little-endian; the     */
/* big numbers that follow a header are big-endian byte strings.                               */
/* ------------------------------------------------------------------------------------------ */

#define BCRYPT_RSAPUBLIC_BLOB        SSLP_WSTR("RSAPUBLICBLOB")
#define BCRYPT_ECCPUBLIC_BLOB        SSLP_WSTR("ECCPUBLICBLOB")
#define BCRYPT_DH_PUBLIC_BLOB        SSLP_WSTR("DHPUBLICBLOB")
#define BCRYPT_OPAQUE_KEY_BLOB       SSLP_WSTR("OpaqueKeyBlob")
#define BCRYPT_PUBLIC_KEY_BLOB       SSLP_WSTR("PUBLICBLOB")
#define BCRYPT_PRIVATE_KEY_BLOB      SSLP_WSTR("PRIVATEBLOB")
#define BCRYPT_ECCFULLPUBLIC_BLOB    SSLP_WSTR("ECCFULLPUBLICBLOB")
#define BCRYPT_KEY_DATA_BLOB         SSLP_WSTR("KeyDataBlob")
#define LEGACY_RSAPUBLIC_BLOB        SSLP_WSTR("CAPIPUBLICBLOB")
#define LEGACY_DH_PUBLIC_BLOB        SSLP_WSTR("CAPIDHPUBLICBLOB")

#define BCRYPT_RSAPUBLIC_MAGIC                0x31415352  /* RSA1 */
#define BCRYPT_RSAPRIVATE_MAGIC               0x32415352  /* RSA2 */
#define BCRYPT_RSAFULLPRIVATE_MAGIC           0x33415352  /* RSA3 */
#define BCRYPT_ECDH_PUBLIC_P256_MAGIC         0x314B4345  /* ECK1 */
#define BCRYPT_ECDH_PRIVATE_P256_MAGIC        0x324B4345  /* ECK2 */
#define BCRYPT_ECDH_PUBLIC_P384_MAGIC         0x334B4345  /* ECK3 */
#define BCRYPT_ECDH_PRIVATE_P384_MAGIC        0x344B4345  /* ECK4 */
#define BCRYPT_ECDH_PUBLIC_P521_MAGIC         0x354B4345  /* ECK5 */
#define BCRYPT_ECDH_PRIVATE_P521_MAGIC        0x364B4345  /* ECK6 */
#define BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC      0x504B4345  /* ECKP */
#define BCRYPT_ECDH_PRIVATE_GENERIC_MAGIC     0x564B4345  /* ECKV */
#define BCRYPT_ECDSA_PUBLIC_P256_MAGIC        0x31534345  /* ECS1 */
#define BCRYPT_ECDSA_PRIVATE_P256_MAGIC       0x32534345  /* ECS2 */
#define BCRYPT_ECDSA_PUBLIC_P384_MAGIC        0x33534345  /* ECS3 */
#define BCRYPT_ECDSA_PRIVATE_P384_MAGIC       0x34534345  /* ECS4 */
#define BCRYPT_ECDSA_PUBLIC_P521_MAGIC        0x35534345  /* ECS5 */
#define BCRYPT_ECDSA_PRIVATE_P521_MAGIC       0x36534345  /* ECS6 */
#define BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC     0x50444345  /* ECDP */
#define BCRYPT_ECDSA_PRIVATE_GENERIC_MAGIC    0x56444345  /* ECDV */
#define BCRYPT_DH_PUBLIC_MAGIC                0x42504844  /* DHPB */
#define BCRYPT_DH_PRIVATE_MAGIC               0x56504844  /* DHPV */
#define BCRYPT_DH_PARAMETERS_MAGIC            0x4D504844  /* DHPM */
#define BCRYPT_DSA_PUBLIC_MAGIC               0x42505344  /* DSPB */
#define BCRYPT_DSA_PRIVATE_MAGIC              0x56505344  /* DSPV */
#define BCRYPT_DSA_PARAMETERS_MAGIC           0x4D505344  /* DSPM */
#define BCRYPT_KEY_DATA_BLOB_MAGIC            0x4D42444B  /* KDBM */

#define BCRYPT_KEY_DATA_BLOB_VERSION1         0x1

/* BCRYPT_RSAPUBLIC_BLOB: header, then PublicExponent[cbPublicExp] Modulus[cbModulus]. */
typedef struct _BCRYPT_RSAKEY_BLOB {
    ULONG Magic;
    ULONG BitLength;
    ULONG cbPublicExp;
    ULONG cbModulus;
    ULONG cbPrime1;      /* 0 in a public blob */
    ULONG cbPrime2;      /* 0 in a public blob */
} BCRYPT_RSAKEY_BLOB;

/* BCRYPT_ECCPUBLIC_BLOB: header, then X[cbKey] Y[cbKey]. */
typedef struct _BCRYPT_ECCKEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey;         /* bytes per coordinate: 32, 48, 66 */
} BCRYPT_ECCKEY_BLOB, *PBCRYPT_ECCKEY_BLOB;

/* BCRYPT_DH_PUBLIC_BLOB: header, then p[cbKey] g[cbKey] y[cbKey], each left-padded. */
typedef struct _BCRYPT_DH_KEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey;         /* modulus length in bytes */
} BCRYPT_DH_KEY_BLOB, *PBCRYPT_DH_KEY_BLOB;

/* DH domain parameters (SslCreateEphemeralKey pbParams): header, then p[cbKeyLength]
 * g[cbKeyLength]; cbLength = 12 + 2 * cbKeyLength. */
typedef struct _BCRYPT_DH_PARAMETER_HEADER {
    ULONG cbLength;
    ULONG dwMagic;       /* BCRYPT_DH_PARAMETERS_MAGIC */
    ULONG cbKeyLength;
} BCRYPT_DH_PARAMETER_HEADER;

/* DSA: header, then p[cbKey] g[cbKey] y[cbKey]. */
typedef struct _BCRYPT_DSA_KEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey;
    UCHAR Count[4];
    UCHAR Seed[20];
    UCHAR q[20];
} BCRYPT_DSA_KEY_BLOB, *PBCRYPT_DSA_KEY_BLOB;

/* BCRYPT_KEY_DATA_BLOB: header, then the key bytes[cbKeyData]. */
typedef struct _BCRYPT_KEY_DATA_BLOB_HEADER {
    ULONG dwMagic;       /* BCRYPT_KEY_DATA_BLOB_MAGIC */
    ULONG dwVersion;     /* BCRYPT_KEY_DATA_BLOB_VERSION1 */
    ULONG cbKeyData;
} BCRYPT_KEY_DATA_BLOB_HEADER, *PBCRYPT_KEY_DATA_BLOB_HEADER;

/* ------------------------------------------------------------------------------------------ */
/* Interface versions (bcrypt.h)                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct _BCRYPT_INTERFACE_VERSION {
    USHORT MajorVersion;
    USHORT MinorVersion;
} BCRYPT_INTERFACE_VERSION, *PBCRYPT_INTERFACE_VERSION;

/* A brace initialiser: it initialises a BCRYPT_INTERFACE_VERSION, it cannot be compared. */
#define BCRYPT_MAKE_INTERFACE_VERSION(major, minor) {(USHORT)(major), (USHORT)(minor)}
#define BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(loader, provider) \
    ((loader).MajorVersion <= (provider).MajorVersion)

/* ------------------------------------------------------------------------------------------ */
/* NCrypt key-storage property names and key-usage flags (ncrypt.h)                            */
/* ------------------------------------------------------------------------------------------ */

#define NCRYPT_NAME_PROPERTY             SSLP_WSTR("Name")
#define NCRYPT_VERSION_PROPERTY          SSLP_WSTR("Version")
#define NCRYPT_ALGORITHM_GROUP_PROPERTY  SSLP_WSTR("Algorithm Group")
#define NCRYPT_ALGORITHM_PROPERTY        SSLP_WSTR("Algorithm Name")
#define NCRYPT_LENGTH_PROPERTY           SSLP_WSTR("Length")
#define NCRYPT_PUBLIC_LENGTH_PROPERTY    SSLP_WSTR("PublicKeyLength")
#define NCRYPT_KEY_USAGE_PROPERTY        SSLP_WSTR("Key Usage")
#define NCRYPT_EXPORT_POLICY_PROPERTY    SSLP_WSTR("Export Policy")
#define NCRYPT_ECC_CURVE_NAME_PROPERTY   SSLP_WSTR("ECCCurveName")

#define NCRYPT_ALLOW_DECRYPT_FLAG        0x00000001
#define NCRYPT_ALLOW_SIGNING_FLAG        0x00000002
#define NCRYPT_ALLOW_KEY_AGREEMENT_FLAG  0x00000004

/* ------------------------------------------------------------------------------------------ */
/* Minimal CERT_CONTEXT (wincrypt.h), for SslOpenPrivateKey                                    */
/* ------------------------------------------------------------------------------------------ */

#define X509_ASN_ENCODING    0x00000001
#define PKCS_7_ASN_ENCODING  0x00010000

typedef void *HCERTSTORE;
typedef struct _CERT_INFO CERT_INFO, *PCERT_INFO;   /* opaque: never decoded here */

typedef struct _CERT_CONTEXT {
    DWORD      dwCertEncodingType;   /* X509_ASN_ENCODING | PKCS_7_ASN_ENCODING */
    BYTE      *pbCertEncoded;        /* DER certificate */
    DWORD      cbCertEncoded;
    PCERT_INFO pCertInfo;            /* may be NULL: sslprov reads only the DER */
    HCERTSTORE hCertStore;
} CERT_CONTEXT, *PCERT_CONTEXT;
typedef const CERT_CONTEXT *PCCERT_CONTEXT;

/* ------------------------------------------------------------------------------------------ */
/* Layout checks: Windows x64 (LP64 here) sizes and offsets; Windows x86 on ILP32              */
/* ------------------------------------------------------------------------------------------ */

#define SSLP_CHECK_SIZE(T, n)      SSLP_STATIC_ASSERT(sizeof(T) == (n), "sizeof " #T)
#define SSLP_CHECK_OFF(T, f, n)    SSLP_STATIC_ASSERT(offsetof(T, f) == (n), "offsetof " #T "." #f)

#if SSLP_PTR64
SSLP_CHECK_SIZE(BCryptBuffer, 16);
SSLP_CHECK_OFF(BCryptBuffer, cbBuffer, 0);
SSLP_CHECK_OFF(BCryptBuffer, BufferType, 4);
SSLP_CHECK_OFF(BCryptBuffer, pvBuffer, 8);
SSLP_CHECK_SIZE(BCryptBufferDesc, 16);
SSLP_CHECK_OFF(BCryptBufferDesc, ulVersion, 0);
SSLP_CHECK_OFF(BCryptBufferDesc, cBuffers, 4);
SSLP_CHECK_OFF(BCryptBufferDesc, pBuffers, 8);
SSLP_CHECK_SIZE(NCryptProviderName, 16);
SSLP_CHECK_OFF(NCryptProviderName, pszName, 0);
SSLP_CHECK_OFF(NCryptProviderName, pszComment, 8);
SSLP_CHECK_SIZE(CERT_CONTEXT, 40);
SSLP_CHECK_OFF(CERT_CONTEXT, dwCertEncodingType, 0);
SSLP_CHECK_OFF(CERT_CONTEXT, pbCertEncoded, 8);
SSLP_CHECK_OFF(CERT_CONTEXT, cbCertEncoded, 16);
SSLP_CHECK_OFF(CERT_CONTEXT, pCertInfo, 24);
SSLP_CHECK_OFF(CERT_CONTEXT, hCertStore, 32);
#else
SSLP_CHECK_SIZE(BCryptBuffer, 12);
SSLP_CHECK_OFF(BCryptBuffer, pvBuffer, 8);
SSLP_CHECK_SIZE(BCryptBufferDesc, 12);
SSLP_CHECK_OFF(BCryptBufferDesc, pBuffers, 8);
SSLP_CHECK_SIZE(NCryptProviderName, 8);
SSLP_CHECK_OFF(NCryptProviderName, pszComment, 4);
SSLP_CHECK_SIZE(CERT_CONTEXT, 20);
SSLP_CHECK_OFF(CERT_CONTEXT, pbCertEncoded, 4);
SSLP_CHECK_OFF(CERT_CONTEXT, cbCertEncoded, 8);
SSLP_CHECK_OFF(CERT_CONTEXT, pCertInfo, 12);
SSLP_CHECK_OFF(CERT_CONTEXT, hCertStore, 16);
#endif

SSLP_CHECK_SIZE(BCRYPT_RSAKEY_BLOB, 24);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, Magic, 0);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, BitLength, 4);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, cbPublicExp, 8);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, cbModulus, 12);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, cbPrime1, 16);
SSLP_CHECK_OFF(BCRYPT_RSAKEY_BLOB, cbPrime2, 20);
SSLP_CHECK_SIZE(BCRYPT_ECCKEY_BLOB, 8);
SSLP_CHECK_OFF(BCRYPT_ECCKEY_BLOB, dwMagic, 0);
SSLP_CHECK_OFF(BCRYPT_ECCKEY_BLOB, cbKey, 4);
SSLP_CHECK_SIZE(BCRYPT_DH_KEY_BLOB, 8);
SSLP_CHECK_OFF(BCRYPT_DH_KEY_BLOB, dwMagic, 0);
SSLP_CHECK_OFF(BCRYPT_DH_KEY_BLOB, cbKey, 4);
SSLP_CHECK_SIZE(BCRYPT_DH_PARAMETER_HEADER, 12);
SSLP_CHECK_OFF(BCRYPT_DH_PARAMETER_HEADER, cbLength, 0);
SSLP_CHECK_OFF(BCRYPT_DH_PARAMETER_HEADER, dwMagic, 4);
SSLP_CHECK_OFF(BCRYPT_DH_PARAMETER_HEADER, cbKeyLength, 8);
SSLP_CHECK_SIZE(BCRYPT_DSA_KEY_BLOB, 52);
SSLP_CHECK_OFF(BCRYPT_DSA_KEY_BLOB, dwMagic, 0);
SSLP_CHECK_OFF(BCRYPT_DSA_KEY_BLOB, cbKey, 4);
SSLP_CHECK_OFF(BCRYPT_DSA_KEY_BLOB, Count, 8);
SSLP_CHECK_OFF(BCRYPT_DSA_KEY_BLOB, Seed, 12);
SSLP_CHECK_OFF(BCRYPT_DSA_KEY_BLOB, q, 32);
SSLP_CHECK_SIZE(BCRYPT_KEY_DATA_BLOB_HEADER, 12);
SSLP_CHECK_OFF(BCRYPT_KEY_DATA_BLOB_HEADER, dwMagic, 0);
SSLP_CHECK_OFF(BCRYPT_KEY_DATA_BLOB_HEADER, dwVersion, 4);
SSLP_CHECK_OFF(BCRYPT_KEY_DATA_BLOB_HEADER, cbKeyData, 8);
SSLP_CHECK_SIZE(BCRYPT_INTERFACE_VERSION, 4);
SSLP_CHECK_OFF(BCRYPT_INTERFACE_VERSION, MajorVersion, 0);
SSLP_CHECK_OFF(BCRYPT_INTERFACE_VERSION, MinorVersion, 2);

#endif /* SSLPROV_WINTYPES_H */
