/* Key exchange for SSL 3.0 – TLS 1.2 and DTLS (api.md E1–E3, conventions.md §3): the
 * pre-master secret of each exchange, turned into a master key. */
#ifndef SSLPROV_KX12_H
#define SSLPROV_KX12_H

#include <stdbool.h>
#include <stdint.h>
#include "keys.h"
#include "params.h"
#include "secrets.h"

#define KX12_RSA_PMS_LEN 48

/* RSA pre-master objects ('ssl7'): made by SslGeneratePreMasterKey. */
struct premaster {
    struct object hdr; /* OBJ_PREMASTER */
    enum proto proto;
    const struct suite *suite;
    uint8_t pms[KX12_RSA_PMS_LEN];
};

/* What the master-secret derivation needs besides the pre-master. */
struct kx12_ctx {
    struct provider *prov;
    enum proto proto;
    const struct suite *suite;
    const struct tls_params *params;
    bool client;
};

/* RSA modulus bytes of an RSA key, 0 if it is not one. */
size_t kx12_rsa_size(const struct pkey_object *key);

/* client_version(2, big-endian) || 46 random bytes (RFC 5246 §7.4.7.1), its RSAES-PKCS1-v1_5
 * encryption under pub into ct (kx12_rsa_size bytes), and a pre-master object. */
SECURITY_STATUS kx12_rsa_client(struct provider *prov, enum proto p, const struct suite *s,
                                const struct pkey_object *pub, uint32_t client_version,
                                uint8_t *ct, uint8_t pms[KX12_RSA_PMS_LEN]);
SECURITY_STATUS kx12_premaster_create(struct provider *prov, enum proto p, const struct suite *s,
                                      const uint8_t pms[KX12_RSA_PMS_LEN], ULONG_PTR *out);

/* Server side: decrypt in constant time with implicit rejection — a bad padding, length or
 * version yields a random pre-master, never an error (RFC 5246 §7.4.7.1). */
SECURITY_STATUS kx12_rsa_server(struct provider *prov, const struct pkey_object *priv,
                                uint32_t client_version, const uint8_t *ct, size_t ct_len,
                                uint8_t pms[KX12_RSA_PMS_LEN]);

/* (EC)DH shared secret of own (with private half) and peer: NIST x-coordinate, X25519/X448
 * output, finite-field DH with leading zeros stripped (TLS <= 1.2) or, with pad_dh, padded to
 * the size of p (TLS 1.3, RFC 8446 §7.4.1). out holds 1024 bytes. */
#define KX12_MAX_SHARED 1024
SECURITY_STATUS kx12_dh(struct provider *prov, const struct pkey_object *own,
                        const struct pkey_object *peer, bool pad_dh, uint8_t *out, size_t *out_len);

/* The parameter-list rules of the master-secret derivation, checked before any key
 * operation (conventions.md §1 order, §2): a session hash of the PRF hash's length (EMS, not
 * for SSL 3.0) or both randoms. */
SECURITY_STATUS kx12_check_params(enum proto p, const struct suite *s, const struct tls_params *prm);

/* Derive the master secret from pms (randoms or session hash from ctx->params) and make the
 * master key. */
SECURITY_STATUS kx12_master_key(const struct kx12_ctx *ctx, const uint8_t *pms, size_t pms_len,
                                ULONG_PTR *out);

/* exchange12.c: completing an exchange whose arguments are checked. */

/* RSA client: a pre-master, its encryption into ct (kx12_rsa_size bytes), and (make_premaster)
 * a pre-master object or (else) directly the master key. */
SECURITY_STATUS kx12_rsa_encrypt(const struct kx12_ctx *kx, const struct pkey_object *pub,
                                 uint8_t *ct, bool make_premaster, ULONG_PTR *out);
/* SslGenerateMasterKey from the suite's exchange: an RSA pre-master object (priv), (EC)DHE
 * ephemeral keys (priv with its private half, pub the peer's share), or a PSK (priv). */
SECURITY_STATUS kx12_complete(const struct kx12_ctx *kx, const struct object *priv,
                              const struct object *pub, ULONG_PTR *out);
/* The RSA server: the pre-master decrypted from ct (kx12_rsa_server) into the master key. */
SECURITY_STATUS kx12_import_master(const struct kx12_ctx *kx, const struct pkey_object *priv,
                                   uint32_t client_version, const uint8_t *ct, size_t ct_len,
                                   ULONG_PTR *out);

/* RFC 4279 §2: uint16(N) || N zeros || uint16(N) || psk, into a fresh buffer the caller
 * wipes and frees with OPENSSL_clear_free. */
SECURITY_STATUS kx12_psk_premaster(const uint8_t *psk, size_t psk_len, uint8_t **pms,
                                   size_t *pms_len);

#endif
