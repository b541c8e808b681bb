/* Group D: handshake hashes (api.md §7 D1–D7). Arguments are checked in the order of
 * conventions.md §1; the hash operations arrive with issue 3 (TLS 1.3 ones with issue 5)
 * and answer NTE_NOT_SUPPORTED until then (README status table). */
#include "api_common.h"

#define CLS_SECRET (CLASS_BIT(OBJ_MASTER) | CLASS_BIT(OBJ_KEY))

SECURITY_STATUS WINAPI SslCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_HASH_HANDLE *phHandshakeHash,
                                              DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (phHandshakeHash != NULL)
        *phHandshakeHash = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phHandshakeHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslHashHandshake(NCRYPT_PROV_HANDLE hSslProvider,
                                        NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbInput,
                                        DWORD cbInput, DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbInput == NULL && cbInput > 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
                                               NCRYPT_HASH_HANDLE *phHandshakeHash,
                                               DWORD dwProtocol, DWORD dwCipherSuite,
                                               LPCWSTR pszHashAlgId, DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (phHandshakeHash != NULL)
        *phHandshakeHash = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phHandshakeHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    if (pszHashAlgId == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_KEY_HANDLE hMasterKey,
                                              NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbOutput,
                                              DWORD cbOutput, DWORD dwFlags)
{
    struct call c;
    struct object *key, *hash;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbOutput == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLS_SECRET, &key)) != SEC_E_OK ||
        (st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslComputeClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                NCRYPT_KEY_HANDLE hMasterKey,
                                                NCRYPT_HASH_HANDLE hHandshakeHash, LPCWSTR pszAlgId,
                                                PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                                DWORD dwFlags)
{
    struct call c;
    struct object *key, *hash;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLS_SECRET, &key)) != SEC_E_OK ||
        (st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    if (pszAlgId == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_HASH_HANDLE hHandshakeHash, DWORD dwProtocol,
                                             PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                             DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_HASH_HANDLE hTranscriptHash,
                                                  NCRYPT_HASH_HANDLE *phTranscriptHash,
                                                  DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    SECURITY_STATUS st;

    if (phTranscriptHash != NULL)
        *phTranscriptHash = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phTranscriptHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hTranscriptHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}
