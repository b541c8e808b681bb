/* Group E: pre-master and master secrets, session keys, EAP and exporters for SSL 3.0 –
 * TLS 1.2 and DTLS (api.md §7 E1–E6). Arguments are checked in the order of conventions.md
 * §1 and §2, or Windows' own where behavior.md §8 records it. */
#include <openssl/crypto.h>
#include "api_common.h"
#include <string.h>
#include "kx12.h"
#include "schedule13.h"
#include "params.h"
#include "sp_api.h"

/* SslGenerateMasterKey's role (conventions.md §1, behavior.md §3): bits other than CLIENT and
 * SERVER -> NTE_BAD_FLAGS; CLIENT decides when set, even together with SERVER (Windows tests
 * bit 0 first); neither -> NTE_BAD_FLAGS. */
static SECURITY_STATUS master_role(DWORD flags, bool *client)
{
    if ((flags & ~(DWORD)(NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG)) != 0 || flags == 0)
        return NTE_BAD_FLAGS;
    *client = (flags & NCRYPT_SSL_CLIENT_FLAG) != 0;
    return SEC_E_OK;
}

/* conventions.md §1 output sizes, rule 1 (§12): the RSA ciphertext is the modulus size.
 * pbOutput NULL is a size query: SEC_E_OK with the size and *done set, nothing created. A
 * buffer too small -> NTE_BUFFER_TOO_SMALL with the size. Otherwise *pcbResult is left for
 * the call's success. */
static SECURITY_STATUS rsa_output_size(const struct pkey_object *pub, PBYTE pbOutput,
                                       DWORD cbOutput, DWORD *pcbResult, bool *done)
{
    size_t need = kx12_rsa_size(pub);

    *done = false;
    if (need == 0)
        return NTE_NOT_SUPPORTED; /* not an RSA key */
    if (pbOutput != NULL && cbOutput >= need)
        return SEC_E_OK;
    *pcbResult = (DWORD)need;
    *done = true;
    return pbOutput == NULL ? SEC_E_OK : NTE_BUFFER_TOO_SMALL;
}

/* Reads only buffer 22 (conventions.md §12): with EMS the session hash covers the
 * ClientKeyExchange that carries this call's output, so it cannot exist yet; the randoms or
 * the session hash are the later SslGenerateMasterKey(hPreMaster)'s to check. */
SECURITY_STATUS WINAPI SPSslGeneratePreMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                               NCRYPT_KEY_HANDLE hPublicKey,
                                               NCRYPT_KEY_HANDLE *phPreMasterKey, DWORD dwProtocol,
                                               DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                               PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                               DWORD dwFlags)
{
    struct call c;
    struct object *pub;
    struct kx12_ctx kx = {.client = true};
    struct tls_params prm;
    bool size_query;
    SECURITY_STATUS st;

    if (phPreMasterKey != NULL)
        *phPreMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phPreMasterKey == NULL || pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hPublicKey, CLASS_BIT(OBJ_PUBLIC), &pub)) != SEC_E_OK ||
        (st = suite_for_key_op(dwProtocol, dwCipherSuite, &kx.proto, &kx.suite)) != SEC_E_OK)
        return call_end(&c, st);
    if (kx.suite->kx != KX_RSA)
        return call_end(&c, NTE_NOT_SUPPORTED);
    if ((st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    if (!prm.has_highest_version)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = rsa_output_size((struct pkey_object *)pub, pbOutput, cbOutput, pcbResult, &size_query);
    if (size_query || st != SEC_E_OK)
        return call_end(&c, st);
    kx.prov = c.prov;
    kx.params = &prm;
    if ((st = kx12_rsa_encrypt(&kx, (struct pkey_object *)pub, pbOutput, true, phPreMasterKey)) == SEC_E_OK)
        *pcbResult = (DWORD)kx12_rsa_size((struct pkey_object *)pub);
    return call_end(&c, st);
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

/* The one-step RSA client: the pre-master is made, encrypted into pbOutput and turned into
 * the master key in one call. Only here is pcbResult required, and a NULL pbOutput is a size
 * query that creates nothing (conventions.md §1 output sizes, rule 1). */
static SECURITY_STATUS rsa_one_step(const struct kx12_ctx *kx, const struct pkey_object *pub,
                                    PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                    ULONG_PTR *out)
{
    bool size_query;
    SECURITY_STATUS st;

    if (pcbResult == NULL || !kx->params->has_highest_version)
        return NTE_INVALID_PARAMETER;
    /* the master secret's inputs too, so that a size query promises a call that can work */
    if ((st = kx12_check_params(kx->proto, kx->suite, kx->params)) != SEC_E_OK)
        return st;
    st = rsa_output_size(pub, pbOutput, cbOutput, pcbResult, &size_query);
    if (st != SEC_E_OK || size_query)
        return st;
    if ((st = kx12_rsa_encrypt(kx, pub, pbOutput, false, out)) == SEC_E_OK)
        *pcbResult = (DWORD)kx12_rsa_size(pub);
    return st;
}

SECURITY_STATUS WINAPI SPSslGenerateMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                            NCRYPT_KEY_HANDLE hPrivateKey,
                                            NCRYPT_KEY_HANDLE hPublicKey,
                                            NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol,
                                            DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                            PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                            DWORD dwFlags)
{
    struct call c;
    struct object *priv, *pub;
    struct kx12_ctx kx;
    struct tls_params prm;
    SECURITY_STATUS st;

    if (phMasterKey != NULL)
        *phMasterKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    /* pcbResult is not a required output here: only the one-step RSA client reads it */
    if (phMasterKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    /* the suite's key exchange decides which handles are expected (conventions.md §1) */
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &kx.proto, &kx.suite)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = pin_exchange_keys(&c, kx.suite->kx, hPrivateKey, hPublicKey, &priv, &pub)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = master_role(dwFlags, &kx.client)) != SEC_E_OK)
        return call_end(&c, st);
    if (kx.suite->kx == KX_RSA && !kx.client)
        return call_end(&c, NTE_NOT_SUPPORTED); /* the RSA server uses SslImportMasterKey */
    if ((st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    kx.prov = c.prov;
    kx.params = &prm;
    if (kx.suite->kx == KX_RSA && priv == NULL)
        return call_end(&c, rsa_one_step(&kx, (struct pkey_object *)pub, pbOutput, cbOutput,
                                         pcbResult, phMasterKey));
    /* pre-master, (EC)DHE and PSK: pbOutput/cbOutput are never read; pcbResult, when given,
     * says no output bytes */
    if ((st = kx12_check_params(kx.proto, kx.suite, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = kx12_complete(&kx, priv, pub, phMasterKey)) == SEC_E_OK && pcbResult != NULL)
        *pcbResult = 0;
    return call_end(&c, st);
}

/* The RSA server (api.md E3): the ciphertext bare or with its 2-byte length prefix
 * (conventions.md §3). The client version for the rollback check is buffer 22, or dwProtocol
 * when Schannel leaves 22 out. */
SECURITY_STATUS WINAPI SPSslImportMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                          NCRYPT_KEY_HANDLE hPrivateKey,
                                          NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol,
                                          DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
                                          PBYTE pbEncryptedKey, DWORD cbEncryptedKey, DWORD dwFlags)
{
    struct call c;
    struct object *priv;
    struct kx12_ctx kx = {.client = false};
    struct tls_params prm;
    size_t modulus;
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
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &kx.proto, &kx.suite)) != SEC_E_OK)
        return call_end(&c, st);
    if (kx.suite->kx != KX_RSA || (modulus = kx12_rsa_size((struct pkey_object *)priv)) == 0)
        return call_end(&c, NTE_NOT_SUPPORTED);
    if ((st = params_read(pParameterList, PARAMS_DEFAULT, &prm)) != SEC_E_OK ||
        (st = kx12_check_params(kx.proto, kx.suite, &prm)) != SEC_E_OK)
        return call_end(&c, st);
    /* the client version is 16 bits (RFC 5246 §7.4.1.2); 0 is no version at all */
    if (prm.has_highest_version && (prm.highest_version == 0 || prm.highest_version > 0xFFFF))
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (pbEncryptedKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (cbEncryptedKey == modulus + 2 && (pbEncryptedKey[0] << 8 | pbEncryptedKey[1]) == (int)modulus) {
        pbEncryptedKey += 2;
        cbEncryptedKey -= 2;
    }
    if (cbEncryptedKey != modulus)
        return call_end(&c, NTE_BAD_LEN);
    kx.prov = c.prov;
    kx.params = &prm;
    return call_end(&c, kx12_import_master(&kx, (struct pkey_object *)priv,
                                           prm.has_highest_version ? prm.highest_version : dwProtocol,
                                           pbEncryptedKey, cbEncryptedKey, phMasterKey));
}

SECURITY_STATUS WINAPI SPSslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider,
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
    return call_end(&c, session_keys_create((struct master_key *)mk, prm.client_random,
                                            prm.server_random, phReadKey, phWriteKey));
}

/* In the order of Windows' SPSslComputeEapKeyBlock (conventions.md §13, behavior.md §8.5):
 * the master key (a TLS 1.3 secret is another class), the flags (selector in the low byte),
 * the randoms, SSL 3.0 (no PRF), then the size: always 192 bytes. pbRandoms and pcbResult
 * NULL are refused (Windows reads through them). */
SECURITY_STATUS WINAPI SPSslComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider,
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
    if ((dwFlags & ~(DWORD)NCRYPT_SSL_EAP_PRF_FIELD) != 0 || dwFlags > NCRYPT_SSL_EAP_FAST_ID)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbRandoms == NULL || cbRandoms != 2 * PARAM_RANDOM_LEN ||
        ((struct master_key *)mk)->proto == PROTO_SSL3)
        return call_end(&c, NTE_INVALID_PARAMETER);
    *pcbResult = EAP_KEY_BLOCK_LEN;
    if (pbOutput == NULL)
        return call_end(&c, SEC_E_OK);
    if (cbOutput < EAP_KEY_BLOCK_LEN)
        return call_end(&c, NTE_BUFFER_TOO_SMALL);
    return call_end(&c, eap_key_block((struct master_key *)mk, dwFlags, pbRandoms, pbOutput));
}

#define TLS13_MAX_EXPORT_LABEL 249 /* 255 - "tls13 " (conventions.md §4) */

SECURITY_STATUS WINAPI SPSslExportKeyingMaterial(NCRYPT_PROV_HANDLE hSslProvider,
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
    if (mk->cls == OBJ_KEY) {
        /* TLS 1.3: the exporter master secret; no randoms (api.md E6) */
        if ((st = s13_check(mk, 1u << KEY_EXPORTER)) != SEC_E_OK)
            return call_end(&c, st);
        if (pbRandoms != NULL || strlen(sLabel) > TLS13_MAX_EXPORT_LABEL)
            return call_end(&c, NTE_INVALID_PARAMETER);
        st = s13_export((struct secret_key *)mk, sLabel, pbContextValue, cbContextValue, pbOutput, cbOutput);
        return call_end(&c, st);
    }
    if (pbRandoms == NULL || cbRandoms != 2 * PARAM_RANDOM_LEN)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, export12((struct master_key *)mk, sLabel, pbRandoms, pbContextValue,
                                 cbContextValue, pbOutput, cbOutput));
}
