/* Completing a TLS <= 1.2 key exchange into a master key (api.md E1–E3, conventions.md §1,
 * §3): what SslGeneratePreMasterKey, SslGenerateMasterKey and SslImportMasterKey do once
 * their arguments are checked. Each exchange's pre-master is made, used and wiped here. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "kx12.h"

SECURITY_STATUS kx12_rsa_encrypt(const struct kx12_ctx *kx, const struct pkey_object *pub,
                                 uint8_t *ct, bool make_premaster, ULONG_PTR *out)
{
    uint8_t pms[KX12_RSA_PMS_LEN];
    SECURITY_STATUS st;

    st = kx12_rsa_client(kx->prov, kx->proto, kx->suite, pub, kx->params->highest_version, ct, pms);
    if (st == SEC_E_OK)
        st = make_premaster ? kx12_premaster_create(kx->prov, kx->proto, kx->suite, pms, out)
                            : kx12_master_key(kx, pms, sizeof(pms), out);
    OPENSSL_cleanse(pms, sizeof(pms));
    return st;
}

/* (EC)DHE: both keys on the suite's kind of group and on the same group; ours has its
 * private half (conventions.md §1). */
static SECURITY_STATUS dh_exchange(const struct kx12_ctx *kx, const struct pkey_object *own,
                                   const struct pkey_object *peer, ULONG_PTR *out)
{
    bool ec_suite = kx->suite->kx == KX_ECDHE;
    bool own_dh = EVP_PKEY_is_a(own->pkey, "DH"), peer_dh = EVP_PKEY_is_a(peer->pkey, "DH");
    uint8_t *shared;
    size_t len;
    SECURITY_STATUS st;

    if (!own->has_private || own_dh == ec_suite)
        return NTE_NOT_SUPPORTED;
    /* the same group: named groups by id, finite-field DH by its domain parameters */
    if (peer_dh != own_dh || (own_dh ? EVP_PKEY_parameters_eq(own->pkey, peer->pkey) != 1
                                     : own->group != peer->group))
        return NTE_INVALID_PARAMETER;
    if ((shared = OPENSSL_malloc(KX12_MAX_SHARED)) == NULL)
        return NTE_NO_MEMORY;
    if ((st = kx12_dh(kx->prov, own, peer, false, shared, &len)) == SEC_E_OK)
        st = kx12_master_key(kx, shared, len, out);
    OPENSSL_clear_free(shared, KX12_MAX_SHARED);
    return st;
}

static SECURITY_STATUS psk_exchange(const struct kx12_ctx *kx, const struct secret_key *psk,
                                    ULONG_PTR *out)
{
    uint8_t *pms;
    size_t len;
    SECURITY_STATUS st;

    if (psk->kind != KEY_PSK)
        return NTE_NOT_SUPPORTED;
    if ((st = kx12_psk_premaster(psk->key, psk->key_len, &pms, &len)) != SEC_E_OK)
        return st;
    st = kx12_master_key(kx, pms, len, out);
    OPENSSL_clear_free(pms, len);
    return st;
}

/* A pre-master from SslGeneratePreMasterKey: it must have been made for this protocol and
 * suite (conventions.md §1). */
static SECURITY_STATUS rsa_from_premaster(const struct kx12_ctx *kx, const struct premaster *pm,
                                          ULONG_PTR *out)
{
    if (pm->proto != kx->proto || pm->suite != kx->suite)
        return NTE_INVALID_PARAMETER;
    return kx12_master_key(kx, pm->pms, sizeof(pm->pms), out);
}

SECURITY_STATUS kx12_complete(const struct kx12_ctx *kx, const struct object *priv,
                              const struct object *pub, ULONG_PTR *out)
{
    switch (kx->suite->kx) {
    case KX_RSA:
        return rsa_from_premaster(kx, (const struct premaster *)priv, out);
    case KX_PSK:
        return psk_exchange(kx, (const struct secret_key *)priv, out);
    default:
        return dh_exchange(kx, (const struct pkey_object *)priv, (const struct pkey_object *)pub, out);
    }
}

SECURITY_STATUS kx12_import_master(const struct kx12_ctx *kx, const struct pkey_object *priv,
                                   uint32_t client_version, const uint8_t *ct, size_t ct_len,
                                   ULONG_PTR *out)
{
    uint8_t pms[KX12_RSA_PMS_LEN];
    SECURITY_STATUS st;

    st = kx12_rsa_server(kx->prov, priv, client_version, ct, ct_len, pms);
    if (st == SEC_E_OK)
        st = kx12_master_key(kx, pms, sizeof(pms), out);
    OPENSSL_cleanse(pms, sizeof(pms));
    return st;
}
