/* TLS <= 1.2 master keys ('ssl5', behavior.md §4.1): the 48-byte master secret, the protocol
 * and suite it was made for, and the side (client or server) that decides which half of the
 * key block is read and which is written. */
#ifndef SSLPROV_SECRETS_H
#define SSLPROV_SECRETS_H

#include <stdbool.h>
#include <stdint.h>
#include "kdf12.h"
#include "keylog.h"
#include "object.h"
#include "provider.h"
#include "suites.h"

struct master_key {
    struct object hdr; /* OBJ_MASTER */
    enum proto proto;
    const struct suite *suite;
    bool client;
    uint8_t ms[KDF12_MASTER_SECRET_LEN];
    bool keylog_done; /* SSLKEYLOGFILE: keylog_random was logged with ms */
    uint8_t keylog_random[KEYLOG_RANDOM_LEN];
};

/* Objects of Windows' 'ssl3' class (OBJ_KEY): TLS <= 1.2 session keys, TLS 1.3 secrets and
 * write keys, PSKs. kind is the stage code exported at 0x4C of an OpaqueKeyBlob
 * (behavior.md §4.1, conventions.md §6); TLS <= 1.2 session keys have 0. */
enum key_kind {
    KEY_SESSION = 0,
    KEY_EARLY = 1,
    KEY_HANDSHAKE = 2,
    KEY_MASTER13 = 3,
    KEY_TRAFFIC = 4,
    KEY_WRITE = 5,
    KEY_EXPORTER = 6,
    KEY_RESUMPTION = 7,
    KEY_BINDER = 8,
    KEY_PSK = 9
};

#define SECRET_MAX_MAC_KEY 64
#define SECRET_MAX_IV 48
#define SECRET_INLINE_KEY 64

struct secret_key {
    struct object hdr; /* OBJ_KEY */
    enum key_kind kind;
    bool has_proto;    /* false for a PSK before its first use (conventions.md §1) */
    enum proto proto;
    const struct suite *suite;
    bool read;         /* session keys: 1 read (peer's material) / 0 write (ours) */
    uint8_t *key;      /* cipher key, or the secret / PSK bytes: key_inline when it fits */
    size_t key_len;
    uint8_t key_inline[SECRET_INLINE_KEY]; /* one allocation per object for every TLS secret */
    uint8_t mac_key[SECRET_MAX_MAC_KEY];
    size_t mac_key_len;
    uint8_t iv[SECRET_MAX_IV]; /* fixed IV (AEAD), or the CBC IV / residue (SSL 3.0, TLS 1.0) */
    size_t iv_len;
    uint64_t seq_mark; /* AEAD write keys: lowest SequenceNumber still allowed */
    struct rec *rec;   /* record context of TLS <= 1.2 session keys and TLS 1.3 write keys
                          (src/record/) */
    struct keylog_tag log; /* TLS 1.3 application traffic secrets: what their next generation logs */
};

/* A new OBJ_KEY handle; key/mac/iv are copied (either may be empty). For KEY_PSK pass
 * s = NULL and has_proto = false. */
struct secret_init {
    enum key_kind kind;
    bool has_proto;
    enum proto proto;
    const struct suite *suite;
    bool read;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *mac_key;
    size_t mac_key_len;
    const uint8_t *iv;
    size_t iv_len;
    uint64_t seq_mark;
    const struct keylog_tag *log; /* NULL: none */
};
SECURITY_STATUS secret_key_create(struct provider *prov, const struct secret_init *init,
                                  ULONG_PTR *out);

/* A new master-key handle holding a copy of ms. */
SECURITY_STATUS master_key_create(struct provider *prov, enum proto p, const struct suite *s,
                                  bool client, const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                  ULONG_PTR *out);

/* SslGenerateSessionKeys (api.md E4, conventions.md §4): key_block = PRF(ms, "key
 * expansion", SR || CR) split per kdf12_layout; write = the master key's own side, read = the
 * peer's. Both handles or neither. */
SECURITY_STATUS session_keys_create(struct master_key *mk, const uint8_t *cr, const uint8_t *sr,
                                    ULONG_PTR *read, ULONG_PTR *write);

/* SslComputeEapKeyBlock (conventions.md §13, behavior.md §8.5): Windows'
 * SecPkgContext_EapKeyBlock, rgbKeys[128] || rgbIVs[64]. selector 0-3 (NCRYPT_SSL_EAP_*_ID);
 * randoms = client_random || server_random. TLS 1.0 and later master keys. */
#define EAP_KEYS_LEN 128
#define EAP_IVS_LEN 64
#define EAP_KEY_BLOCK_LEN (EAP_KEYS_LEN + EAP_IVS_LEN)
SECURITY_STATUS eap_key_block(const struct master_key *mk, unsigned selector, const uint8_t randoms[64],
                              uint8_t out[EAP_KEY_BLOCK_LEN]);

/* SslExportKeyingMaterial for TLS <= 1.2 (RFC 5705 §4): PRF(ms, label, CR || SR [||
 * uint16(len) || context]); a NULL context omits the length, an empty one does not. A label
 * the handshake itself uses is NTE_INVALID_PARAMETER; SSL 3.0 has no PRF (NTE_NOT_SUPPORTED).
 * randoms = client_random || server_random. */
SECURITY_STATUS export12(const struct master_key *mk, const char *label, const uint8_t randoms[64],
                         const uint8_t *context, uint16_t context_len, uint8_t *out, size_t out_len);

#endif
