/* Group C: keys and signatures (api.md §7 C1–C7). Arguments are checked in the order of
 * conventions.md §1. Import/export: OpaqueKeyBlob master keys ('ssl5'); the other blob
 * types, private and ephemeral keys and signatures answer NTE_NOT_SUPPORTED until their
 * issues (README status table). */
#include "api_common.h"
#include "opaque.h"
#include "wstr.h"

SECURITY_STATUS WINAPI SslOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider,
                                         NCRYPT_KEY_HANDLE *phPrivateKey,
                                         PCCERT_CONTEXT pCertContext, DWORD dwFlags)
{
    struct call c;
    SECURITY_STATUS st;

    if (phPrivateKey != NULL)
        *phPrivateKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phPrivateKey == NULL || pCertContext == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (pCertContext->pbCertEncoded == NULL || pCertContext->cbCertEncoded == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE *phEphemeralKey, DWORD dwProtocol,
                                             DWORD dwCipherSuite, DWORD dwKeyType,
                                             DWORD dwKeyBitLen, PBYTE pbParams, DWORD cbParams,
                                             DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (phEphemeralKey != NULL)
        *phEphemeralKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phEphemeralKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbParams == NULL && cbParams != 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslImportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE *phKey,
                                    LPCWSTR pszBlobType, PBYTE pbKeyBlob, DWORD cbKeyBlob,
                                    DWORD dwFlags)
{
    struct call c;
    SECURITY_STATUS st;

    if (phKey != NULL)
        *phKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (pszBlobType == NULL || pbKeyBlob == NULL || cbKeyBlob == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (wstr_eq_ascii(pszBlobType, "OpaqueKeyBlob"))
        return call_end(&c, opaque_import(c.prov, pbKeyBlob, cbKeyBlob, phKey));
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                    LPCWSTR pszBlobType, PBYTE pbOutput, DWORD cbOutput,
                                    DWORD *pcbResult, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    size_t len;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hKey, CLS_ANY_KEY, &key)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pszBlobType == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (!wstr_eq_ascii(pszBlobType, "OpaqueKeyBlob") || (st = opaque_size(key, &len)) != SEC_E_OK)
        return call_end(&c, NTE_NOT_SUPPORTED);
    /* conventions.md §1 output sizes, rule 3 */
    *pcbResult = (DWORD)len;
    if (pbOutput == NULL)
        return call_end(&c, SEC_E_OK);
    if (cbOutput < len)
        return call_end(&c, NTE_BUFFER_TOO_SMALL);
    return call_end(&c, opaque_export(key, pbOutput));
}

/* No provider parameter (api.md C5): the key handle alone identifies everything. */
SECURITY_STATUS WINAPI SslGetKeyProperty(NCRYPT_KEY_HANDLE hKey, LPCWSTR pszProperty,
                                         PBYTE *ppbOutput, DWORD *pcbOutput, DWORD dwFlags)
{
    struct object *key;
    SECURITY_STATUS st;

    if (ppbOutput == NULL || pcbOutput == NULL)
        return NTE_INVALID_PARAMETER;
    if ((st = handle_pin(hKey, CLS_ANY_KEY, &key)) != SEC_E_OK)
        return st;
    st = pszProperty == NULL ? NTE_INVALID_PARAMETER : NTE_NOT_SUPPORTED;
    handle_unpin(key);
    return st;
}

#define SIGN_FLAGS (NCRYPT_SSL_SIGN_INCLUDE_HASHOID | NCRYPT_SSL_SIGN_USE_PSS_PADDING)

SECURITY_STATUS WINAPI SslSignHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                   PBYTE pbHashValue, DWORD cbHashValue, PBYTE pbSignature,
                                   DWORD cbSignature, DWORD *pcbResult, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hPrivateKey, CLASS_BIT(OBJ_PRIVATE), &key)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags & ~SIGN_FLAGS)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbHashValue == NULL || cbHashValue == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslVerifySignature(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hPublicKey, PBYTE pbHashValue,
                                          DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature,
                                          DWORD dwFlags)
{
    struct call c;
    struct object *key;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    st = call_pin(&c, hPublicKey, CLASS_BIT(OBJ_PUBLIC) | CLASS_BIT(OBJ_PRIVATE), &key);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags & ~SIGN_FLAGS)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbHashValue == NULL || cbHashValue == 0 || pbSignature == NULL || cbSignature == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}
