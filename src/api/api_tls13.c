/* Group G: the TLS 1.3 key schedule (api.md G1–G9, behavior.md §5, conventions.md §6).
 * TLS 1.3 functions never read pParameterList (conventions.md §2) and ignore unknown flag
 * bits, except SslExpandBinderKey (1 or 2) and SslExpandNextGenTrafficKey (0). A secret of
 * the right class but another protocol or stage is NTE_NOT_SUPPORTED (conventions.md §1). */
#include "api_common.h"
#include "schedule13.h"
#include "sp_api.h"

#define CLS_KEY CLASS_BIT(OBJ_KEY)
#define CLS_HASH CLASS_BIT(OBJ_HASH)
#define MAX_TICKET_NONCE 255
#define STAGE(k) (1u << (k))

SECURITY_STATUS WINAPI SPSslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider,
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
    if (p != PROTO_TLS13 || (psk != NULL && ((struct secret_key *)psk)->kind != KEY_PSK))
        return call_end(&c, NTE_NOT_SUPPORTED);
    return call_end(&c, s13_early(c.prov, s, (struct secret_key *)psk, phEarlyKey));
}

SECURITY_STATUS WINAPI SPSslExtractHandshakeKey(NCRYPT_PROV_HANDLE hSslProvider,
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
        (st = call_pin(&c, hEarlyKey, CLS_KEY, &early)) != SEC_E_OK ||
        (st = s13_check(early, STAGE(KEY_EARLY))) != SEC_E_OK)
        return call_end(&c, st);
    st = s13_handshake((struct secret_key *)early, (struct pkey_object *)priv, (struct pkey_object *)pub,
                       phHandshakeKey);
    return call_end(&c, st);
}

/* What the secret-to-secret functions share: the output pointer, the base secret of the
 * stages in mask, and (when needs_hash) a transcript of the base's hash. */
static SECURITY_STATUS pin_base(struct call *c, NCRYPT_KEY_HANDLE hBase, unsigned mask,
                                NCRYPT_HASH_HANDLE hHash, bool needs_hash, struct secret_key **base,
                                struct transcript **t)
{
    struct object *b, *h = NULL;
    SECURITY_STATUS st;

    if ((st = call_pin(c, hBase, CLS_KEY, &b)) != SEC_E_OK ||
        (needs_hash && (st = call_pin(c, hHash, CLS_HASH, &h)) != SEC_E_OK) ||
        (st = s13_check(b, mask)) != SEC_E_OK ||
        (needs_hash && (st = s13_check_hash((struct secret_key *)b, h)) != SEC_E_OK))
        return st;
    *base = (struct secret_key *)b;
    if (t != NULL)
        *t = (struct transcript *)h;
    return SEC_E_OK;
}

SECURITY_STATUS WINAPI SPSslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                           NCRYPT_KEY_HANDLE hHandshakeKey,
                                           NCRYPT_KEY_HANDLE *phMasterKey,
                                           PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *hs;
    SECURITY_STATUS st;

    if (phMasterKey != NULL)
        *phMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phMasterKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hHandshakeKey, STAGE(KEY_HANDSHAKE), 0, false, &hs, NULL)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, s13_master(hs, phMasterKey));
}

SECURITY_STATUS WINAPI SPSslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider,
                                            NCRYPT_KEY_HANDLE hBaseKey,
                                            NCRYPT_HASH_HANDLE hHashValue,
                                            NCRYPT_KEY_HANDLE *phClientTrafficKey,
                                            NCRYPT_KEY_HANDLE *phServerTrafficKey,
                                            PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *base;
    struct transcript *t;
    SECURITY_STATUS st;

    if (phClientTrafficKey != NULL)
        *phClientTrafficKey = 0;
    if (phServerTrafficKey != NULL)
        *phServerTrafficKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phClientTrafficKey == NULL && phServerTrafficKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = pin_base(&c, hBaseKey, STAGE(KEY_EARLY) | STAGE(KEY_HANDSHAKE) | STAGE(KEY_MASTER13), hHashValue,
                  true, &base, &t);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, s13_traffic(base, t, phClientTrafficKey, phServerTrafficKey));
}

SECURITY_STATUS WINAPI SPSslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider,
                                         NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                         NCRYPT_KEY_HANDLE *phWriteKey,
                                         PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *traffic;
    SECURITY_STATUS st;

    if (phWriteKey != NULL)
        *phWriteKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phWriteKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hBaseTrafficKey, STAGE(KEY_TRAFFIC), 0, false, &traffic, NULL)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, s13_write_key(traffic, phWriteKey));
}

SECURITY_STATUS WINAPI SPSslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_KEY_HANDLE hBaseKey,
                                                  NCRYPT_HASH_HANDLE hHashValue,
                                                  NCRYPT_KEY_HANDLE *phExporterMasterKey,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *base;
    struct transcript *t;
    SECURITY_STATUS st;

    if (phExporterMasterKey != NULL)
        *phExporterMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phExporterMasterKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = pin_base(&c, hBaseKey, STAGE(KEY_EARLY) | STAGE(KEY_MASTER13), hHashValue, true, &base, &t);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, s13_exporter(base, t, phExporterMasterKey));
}

SECURITY_STATUS WINAPI SPSslExpandResumptionMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                    NCRYPT_KEY_HANDLE hMasterKey,
                                                    NCRYPT_HASH_HANDLE hHashValue,
                                                    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
                                                    PNCryptBufferDesc pParameterList,
                                                    DWORD dwFlags)
{
    struct call c;
    struct secret_key *master;
    struct transcript *t;
    SECURITY_STATUS st;

    if (phResumptionMasterKey != NULL)
        *phResumptionMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phResumptionMasterKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hMasterKey, STAGE(KEY_MASTER13), hHashValue, true, &master, &t)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, s13_resumption(master, t, phResumptionMasterKey));
}

SECURITY_STATUS WINAPI SPSslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hEarlyKey,
                                          NCRYPT_KEY_HANDLE *phBinderKey,
                                          PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *early;
    SECURITY_STATUS st;

    if (phBinderKey != NULL)
        *phBinderKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phBinderKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hEarlyKey, STAGE(KEY_EARLY), 0, false, &early, NULL)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != NCRYPT_SSL_EXTERNAL_PSK_FLAG && dwFlags != NCRYPT_SSL_RESUMPTION_PSK_FLAG)
        return call_end(&c, NTE_BAD_FLAGS);
    return call_end(&c, s13_binder(early, dwFlags == NCRYPT_SSL_EXTERNAL_PSK_FLAG, phBinderKey));
}

SECURITY_STATUS WINAPI SPSslExpandPreSharedKey(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE hResumptionMasterKey,
                                             PBYTE pbTicketNonce, DWORD cbTicketNonce,
                                             NCRYPT_KEY_HANDLE *phPreSharedKey,
                                             PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *res;
    SECURITY_STATUS st;

    if (phPreSharedKey != NULL)
        *phPreSharedKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phPreSharedKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hResumptionMasterKey, STAGE(KEY_RESUMPTION), 0, false, &res, NULL)) != SEC_E_OK)
        return call_end(&c, st);
    if ((pbTicketNonce == NULL && cbTicketNonce != 0) || cbTicketNonce > MAX_TICKET_NONCE)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, s13_psk(res, pbTicketNonce, cbTicketNonce, phPreSharedKey));
}

SECURITY_STATUS WINAPI SPSslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_KEY_HANDLE hTrafficSecret,
                                                  NCRYPT_KEY_HANDLE *phNextTrafficSecret,
                                                  PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct secret_key *traffic;
    SECURITY_STATUS st;

    if (phNextTrafficSecret != NULL)
        *phNextTrafficSecret = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phNextTrafficSecret == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = pin_base(&c, hTrafficSecret, STAGE(KEY_TRAFFIC), 0, false, &traffic, NULL)) != SEC_E_OK)
        return call_end(&c, st);
    /* behavior.md §5: flags are checked here, after the handle */
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    return call_end(&c, s13_next_traffic(traffic, phNextTrafficSecret));
}
