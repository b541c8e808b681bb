/* Group E: pre-master and master secrets, session keys, EAP and exporters for SSL 3.0 –
 * TLS 1.2 and DTLS (api.md §7 E1–E6). Arguments are checked in the order of conventions.md
 * §1 and §2; the derivations arrive with issue 3 and answer NTE_NOT_SUPPORTED until then
 * (README status table). */
#include "api_common.h"
#include "params.h"


static bool one_role(DWORD flags)
{
    return flags == NCRYPT_SSL_CLIENT_FLAG || flags == NCRYPT_SSL_SERVER_FLAG;
}

/* conventions.md §1: RSA takes 0 or a pre-master and an RSA public key; (EC)DHE an
 * ephemeral key with its private half and the peer's share; PSK a PSK and no public key. */
static SECURITY_STATUS pin_exchange_keys(struct call *c, enum kx kx, NCRYPT_KEY_HANDLE hPrivateKey,
                                         NCRYPT_KEY_HANDLE hPublicKey, struct object **priv,
                                         struct object **pub)
{
    SECURITY_STATUS st;

    *priv = *pub = NULL;
    switch (kx) {
    case KX_RSA:
        if ((st = call_pin_opt(c, hPrivateKey, CLASS_BIT(OBJ_PREMASTER), priv)) != SEC_E_OK)
            return st;
        return call_pin(c, hPublicKey, CLASS_BIT(OBJ_PUBLIC), pub);
    case KX_DHE:
    case KX_ECDHE:
        if ((st = call_pin(c, hPrivateKey, CLASS_BIT(OBJ_EPHEMERAL), priv)) != SEC_E_OK)
            return st;
        return call_pin(c, hPublicKey, CLASS_BIT(OBJ_EPHEMERAL), pub);
    case KX_PSK:
        if ((st = call_pin(c, hPrivateKey, CLASS_BIT(OBJ_KEY), priv)) != SEC_E_OK)
            return st;
        return hPublicKey == 0 ? SEC_E_OK : NTE_INVALID_PARAMETER;
    default:
        return NTE_NOT_SUPPORTED;
    }
}

SECURITY_STATUS WINAPI SslGeneratePreMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                               NCRYPT_KEY_HANDLE hPublicKey,
                                               NCRYPT_KEY_HANDLE *phPreMasterKey, DWORD dwProtocol,
                                               DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                               PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                               DWORD dwFlags)
{
    struct call c;
    struct object *pub;
    const struct suite *s;
    struct tls_params prm;
    enum proto p;
    SECURITY_STATUS st;

    if (phPreMasterKey != NULL)
        *phPreMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phPreMasterKey == NULL || pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hPublicKey, CLASS_BIT(OBJ_PUBLIC), &pub)) != SEC_E_OK ||
        (st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK ||
        (st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslGenerateMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                            NCRYPT_KEY_HANDLE hPrivateKey,
                                            NCRYPT_KEY_HANDLE hPublicKey,
                                            NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol,
                                            DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                            PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                            DWORD dwFlags)
{
    struct call c;
    struct object *priv, *pub;
    const struct suite *s;
    struct tls_params prm;
    enum proto p;
    SECURITY_STATUS st;

    if (phMasterKey != NULL)
        *phMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phMasterKey == NULL || pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    /* the suite's key exchange decides which handles are expected (conventions.md §1) */
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = pin_exchange_keys(&c, s->kx, hPrivateKey, hPublicKey, &priv, &pub)) != SEC_E_OK)
        return call_end(&c, st);
    if (!one_role(dwFlags))
        return call_end(&c, NTE_BAD_FLAGS);
    if ((st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslImportMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hPrivateKey,
                                          NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol,
                                          DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                          PBYTE pbEncryptedKey, DWORD cbEncryptedKey, DWORD dwFlags)
{
    struct call c;
    struct object *priv;
    const struct suite *s;
    struct tls_params prm;
    enum proto p;
    SECURITY_STATUS st;

    if (phMasterKey != NULL)
        *phMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phMasterKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hPrivateKey, CLASS_BIT(OBJ_PRIVATE), &priv)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != NCRYPT_SSL_SERVER_FLAG)
        return call_end(&c, NTE_BAD_FLAGS);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK ||
        (st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbEncryptedKey == NULL || cbEncryptedKey == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_KEY_HANDLE hMasterKey,
                                              NCRYPT_KEY_HANDLE *phReadKey,
                                              NCRYPT_KEY_HANDLE *phWriteKey,
                                              PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    struct call c;
    struct object *mk;
    struct tls_params prm;
    SECURITY_STATUS st;

    if (phReadKey != NULL)
        *phReadKey = 0;
    if (phWriteKey != NULL)
        *phWriteKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phReadKey == NULL || phWriteKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLASS_BIT(OBJ_MASTER), &mk)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if ((st = params_read(pParameterList, PARAMS_NO_EMPTY, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    if (prm.client_random == NULL || prm.server_random == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE hMasterKey, PBYTE pbRandoms,
                                             DWORD cbRandoms, PBYTE pbOutput, DWORD cbOutput,
                                             DWORD *pcbResult, DWORD dwFlags)
{
    struct call c;
    struct object *mk;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLASS_BIT(OBJ_MASTER), &mk)) != SEC_E_OK)
        return call_end(&c, st);
    if ((dwFlags & NCRYPT_SSL_EAP_PRF_FIELD) > NCRYPT_SSL_EAP_FAST_ID)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbRandoms == NULL || cbRandoms != 2 * PARAM_RANDOM_LEN)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslExportKeyingMaterial(NCRYPT_PROV_HANDLE hSslProvider,
                                               NCRYPT_KEY_HANDLE hMasterKey, PCHAR sLabel,
                                               PBYTE pbRandoms, DWORD cbRandoms,
                                               PBYTE pbContextValue, WORD cbContextValue,
                                               PBYTE pbOutput, DWORD cbOutput, DWORD dwFlags)
{
    struct call c;
    struct object *mk;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbOutput == NULL || cbOutput == 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = call_pin(&c, hMasterKey, CLASS_BIT(OBJ_MASTER) | CLASS_BIT(OBJ_KEY), &mk);
    if (st != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if (sLabel == NULL || (pbRandoms == NULL && cbRandoms != 0) ||
        (pbContextValue == NULL && cbContextValue != 0))
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}
