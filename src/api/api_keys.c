/* Group C: keys and signatures (api.md §7 C1–C7). Arguments are checked in the order of
 * conventions.md §1; each function then calls one internal module: keystore (private keys),
 * ephemeral, pubblob (public and PSK blobs), opaque (OpaqueKeyBlob), keys (properties),
 * sign (signatures). */
#include "api_common.h"
#include "keys.h"
#include "opaque.h"
#include "sign.h"
#include "sp_api.h"

SECURITY_STATUS WINAPI SPSslOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider,
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
    /* dwFlags reserved: ignored (conventions.md §1); only the DER is read */
    st = keystore_open(c.prov, pCertContext->pbCertEncoded, pCertContext->cbCertEncoded,
                       phPrivateKey);
    return call_end(&c, st);
}

SECURITY_STATUS WINAPI SPSslCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE *phEphemeralKey, DWORD dwProtocol,
                                             DWORD dwCipherSuite, DWORD dwKeyType,
                                             DWORD dwKeyBitLen, PBYTE pbParams, DWORD cbParams,
                                             DWORD dwFlags)
{
    struct call c;
    struct ephemeral_req req;
    SECURITY_STATUS st;

    if (phEphemeralKey != NULL)
        *phEphemeralKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phEphemeralKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    /* 0 or SERVER only: Windows refuses any other bit with NTE_INVALID_PARAMETER, CLIENT
     * included (conventions.md §1) */
    if ((dwFlags & ~(DWORD)NCRYPT_SSL_SERVER_FLAG) != 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &req.proto, &req.suite)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbParams == NULL && cbParams != 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    req.key_type = dwKeyType;
    req.key_bits = dwKeyBitLen;
    /* parameters are present when they have bytes; a pointer with cbParams 0 is none */
    req.params = cbParams != 0 ? pbParams : NULL;
    req.params_len = cbParams;
    return call_end(&c, ephemeral_create(c.prov, &req, phEphemeralKey));
}

SECURITY_STATUS WINAPI SPSslImportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE *phKey,
                                    LPCWSTR pszBlobType, PBYTE pbKeyBlob, DWORD cbKeyBlob,
                                    DWORD dwFlags)
{
    struct call c;
    enum blob_type t;
    SECURITY_STATUS st;

    if (phKey != NULL)
        *phKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    /* dwFlags reserved: ignored (conventions.md §1). An empty blob is malformed content
     * (NTE_BAD_DATA, e.g. a zero-length PSK), not a missing argument. */
    if (pszBlobType == NULL || pbKeyBlob == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    t = blob_type_from_name(pszBlobType);
    if (t == BLOB_OPAQUE)
        st = opaque_import(c.prov, pbKeyBlob, cbKeyBlob, phKey);
    else if (t == BLOB_UNKNOWN)
        st = NTE_NOT_SUPPORTED;
    else
        st = blob_import(c.prov, t, pbKeyBlob, cbKeyBlob, phKey);
    return call_end(&c, st);
}

SECURITY_STATUS WINAPI SPSslExportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                    LPCWSTR pszBlobType, PBYTE pbOutput, DWORD cbOutput,
                                    DWORD *pcbResult, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    enum blob_type t;
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
    t = blob_type_from_name(pszBlobType);
    if (t == BLOB_OPAQUE)
        st = opaque_size(key, &len) == SEC_E_OK ? SEC_E_OK : NTE_NOT_SUPPORTED;
    else if (t == BLOB_UNKNOWN)
        st = NTE_NOT_SUPPORTED;
    else
        st = blob_size(key, t, &len);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    /* conventions.md §1 output sizes, rule 3: the size goes out with SEC_E_OK (also for a
     * query) and NTE_BUFFER_TOO_SMALL, nothing else */
    if (pbOutput == NULL)
        st = SEC_E_OK;
    else if (cbOutput < len)
        st = NTE_BUFFER_TOO_SMALL;
    else
        st = t == BLOB_OPAQUE ? opaque_export(key, pbOutput) : blob_export(key, t, pbOutput);
    if (st == SEC_E_OK || st == NTE_BUFFER_TOO_SMALL)
        *pcbResult = (DWORD)len;
    return call_end(&c, st);
}

/* No provider parameter (api.md C5): the key handle alone identifies everything. */
SECURITY_STATUS WINAPI SPSslGetKeyProperty(NCRYPT_KEY_HANDLE hKey, LPCWSTR pszProperty,
                                         PBYTE *ppbOutput, DWORD *pcbOutput, DWORD dwFlags)
{
    struct object *key;
    uint8_t *value;
    size_t len;
    SECURITY_STATUS st;

    if (ppbOutput == NULL || pcbOutput == NULL)
        return NTE_INVALID_PARAMETER;
    *ppbOutput = NULL;
    if ((st = handle_pin(hKey, CLS_ANY_KEY, &key)) != SEC_E_OK)
        return st;
    /* dwFlags reserved: ignored (conventions.md §1) */
    if (pszProperty == NULL) {
        st = NTE_INVALID_PARAMETER;
    } else if ((st = key_property(key, pszProperty, &value, &len)) == SEC_E_OK) {
        *ppbOutput = value;
        *pcbOutput = (DWORD)len;
    }
    handle_unpin(key);
    return st;
}

/* behavior.md §8.1 order: provider, key-pair class, pcbResult; the key type then decides
 * what the flags and the hash bytes mean (sign.c). pbHashValue is ours to check (Windows
 * hands it on unread): NULL or empty is NTE_INVALID_PARAMETER. */
SECURITY_STATUS WINAPI SPSslSignHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
                                   PBYTE pbHashValue, DWORD cbHashValue, PBYTE pbSignature,
                                   DWORD cbSignature, DWORD *pcbResult, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    size_t len = 0;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = call_pin(&c, hPrivateKey, CLASS_BIT(OBJ_PRIVATE), &key)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (pbHashValue == NULL || cbHashValue == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = sign_hash((const struct pkey_object *)key, pbHashValue, cbHashValue, dwFlags,
                   pbSignature, pbSignature != NULL ? cbSignature : 0, &len);
    /* conventions.md §1 output sizes, rule 3 */
    if (st == SEC_E_OK || st == NTE_BUFFER_TOO_SMALL)
        *pcbResult = (DWORD)len;
    return call_end(&c, st);
}

/* Ours (conventions.md §13; Windows accepts only SslOpenPrivateKey handles and reads no
 * flags): imported public keys, ephemeral keys and private keys; bits 0-1 as SslSignHash,
 * others ignored. NULL or empty hash, NULL signature -> NTE_INVALID_PARAMETER; an empty
 * signature is a mismatch. */
SECURITY_STATUS WINAPI SPSslVerifySignature(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hPublicKey, PBYTE pbHashValue,
                                          DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature,
                                          DWORD dwFlags)
{
    struct call c;
    struct object *key;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    st = call_pin(&c, hPublicKey,
                  CLASS_BIT(OBJ_PUBLIC) | CLASS_BIT(OBJ_EPHEMERAL) | CLASS_BIT(OBJ_PRIVATE), &key);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    if (pbHashValue == NULL || cbHashValue == 0 || pbSignature == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = sign_verify((const struct pkey_object *)key, pbHashValue, cbHashValue, dwFlags,
                     pbSignature, cbSignature);
    return call_end(&c, st);
}
