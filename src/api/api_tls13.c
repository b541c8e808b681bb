/* Group G: the TLS 1.3 key schedule (api.md §7 G1–G9, behavior.md §5, conventions.md §6).
 * TLS 1.3 functions never read pParameterList (conventions.md §2). Arguments are checked in
 * the order of conventions.md §1; the schedule arrives with issue 5 and answers
 * NTE_NOT_SUPPORTED until then (README status table). */
#include "api_common.h"

#define CLS_KEY CLASS_BIT(OBJ_KEY)
#define CLS_HASH CLASS_BIT(OBJ_HASH)
#define MAX_TICKET_NONCE 255

SECURITY_STATUS WINAPI SslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hPreSharedKey,
                                          NCRYPT_KEY_HANDLE *phEarlyKey, DWORD dwProtocol,
                                          DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                          DWORD dwFlags)
{
    struct call c;
    struct object *psk;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (phEarlyKey != NULL)
        *phEarlyKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phEarlyKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin_opt(&c, hPreSharedKey, CLS_KEY, &psk)) != SEC_E_OK ||
        (st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExtractHandshakeKey(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_KEY_HANDLE hPrivateKey,
                                              NCRYPT_KEY_HANDLE hPublicKey,
                                              NCRYPT_KEY_HANDLE hEarlyKey,
                                              NCRYPT_KEY_HANDLE *phHandshakeKey,
                                              PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *priv, *pub, *early;
    SECURITY_STATUS st;

    if (phHandshakeKey != NULL)
        *phHandshakeKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phHandshakeKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    /* psk_ke: both exchange handles 0 (conventions.md §1); exactly one 0 is an error */
    if ((hPrivateKey == 0) != (hPublicKey == 0))
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin_opt(&c, hPrivateKey, CLASS_BIT(OBJ_EPHEMERAL), &priv)) != SEC_E_OK ||
        (st = call_pin_opt(&c, hPublicKey, CLASS_BIT(OBJ_EPHEMERAL), &pub)) != SEC_E_OK ||
        (st = call_pin(&c, hEarlyKey, CLS_KEY, &early)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

/* The functions that take one base secret and make one new secret differ only in the
 * classes they accept; their argument checks are this one function. */
static SECURITY_STATUS derive_one(NCRYPT_PROV_HANDLE hProv, NCRYPT_KEY_HANDLE hBase,
                                  NCRYPT_HASH_HANDLE hHash, bool needs_hash, NCRYPT_KEY_HANDLE *phOut)
{
    struct call c;
    struct object *base, *hash;
    SECURITY_STATUS st;

    if (phOut != NULL)
        *phOut = 0;
    if ((st = call_begin(&c, hProv)) != SEC_E_OK)
        return call_end(&c, st);
    if (phOut == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hBase, CLS_KEY, &base)) != SEC_E_OK ||
        (needs_hash && (st = call_pin(&c, hHash, CLS_HASH, &hash)) != SEC_E_OK))
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                           NCRYPT_KEY_HANDLE hHandshakeKey,
                                           NCRYPT_KEY_HANDLE *phMasterKey,
                                           PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    return derive_one(hSslProvider, hHandshakeKey, 0, false, phMasterKey);
}

SECURITY_STATUS WINAPI SslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider,
                                            NCRYPT_KEY_HANDLE hBaseKey,
                                            NCRYPT_HASH_HANDLE hHashValue,
                                            NCRYPT_KEY_HANDLE *phClientTrafficKey,
                                            NCRYPT_KEY_HANDLE *phServerTrafficKey,
                                            PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *base, *hash;
    SECURITY_STATUS st;

    if (phClientTrafficKey != NULL)
        *phClientTrafficKey = 0;
    if (phServerTrafficKey != NULL)
        *phServerTrafficKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phClientTrafficKey == NULL && phServerTrafficKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hBaseKey, CLS_KEY, &base)) != SEC_E_OK ||
        (st = call_pin(&c, hHashValue, CLS_HASH, &hash)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider,
                                         NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                         NCRYPT_KEY_HANDLE *phWriteKey,
                                         PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    return derive_one(hSslProvider, hBaseTrafficKey, 0, false, phWriteKey);
}

SECURITY_STATUS WINAPI SslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_KEY_HANDLE hBaseKey,
                                                  NCRYPT_HASH_HANDLE hHashValue,
                                                  NCRYPT_KEY_HANDLE *phExporterMasterKey,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    return derive_one(hSslProvider, hBaseKey, hHashValue, true, phExporterMasterKey);
}

SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                    NCRYPT_KEY_HANDLE hMasterKey,
                                                    NCRYPT_HASH_HANDLE hHashValue,
                                                    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
                                                    PNCryptBufferDesc pParameterList,
                                                    DWORD dwFlags)
{
    return derive_one(hSslProvider, hMasterKey, hHashValue, true, phResumptionMasterKey);
}

SECURITY_STATUS WINAPI SslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hEarlyKey,
                                          NCRYPT_KEY_HANDLE *phBinderKey,
                                          PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *early;
    SECURITY_STATUS st;

    if (phBinderKey != NULL)
        *phBinderKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phBinderKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hEarlyKey, CLS_KEY, &early)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != NCRYPT_SSL_EXTERNAL_PSK_FLAG && dwFlags != NCRYPT_SSL_RESUMPTION_PSK_FLAG)
        return call_end(&c, NTE_BAD_FLAGS);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExpandPreSharedKey(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE hResumptionMasterKey,
                                             PBYTE pbTicketNonce, DWORD cbTicketNonce,
                                             NCRYPT_KEY_HANDLE *phPreSharedKey,
                                             PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *res;
    SECURITY_STATUS st;

    if (phPreSharedKey != NULL)
        *phPreSharedKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phPreSharedKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hResumptionMasterKey, CLS_KEY, &res)) != SEC_E_OK)
        return call_end(&c, st);
    if ((pbTicketNonce == NULL && cbTicketNonce != 0) || cbTicketNonce > MAX_TICKET_NONCE)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_KEY_HANDLE hTrafficSecret,
                                                  NCRYPT_KEY_HANDLE *phNextTrafficSecret,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *traffic;
    SECURITY_STATUS st;

    if (phNextTrafficSecret != NULL)
        *phNextTrafficSecret = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phNextTrafficSecret == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hTrafficSecret, CLS_KEY, &traffic)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    return call_end(&c, NTE_NOT_SUPPORTED);
}
