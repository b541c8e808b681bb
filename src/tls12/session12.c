#include <string.h>
#include <openssl/crypto.h>
#include "handles.h"
#include "secrets.h"

/* One direction's material out of the key block: client MAC, server MAC, client key, server
 * key, client IV, server IV (RFC 5246 §6.3). */
static void side_init(const struct master_key *mk, const struct key_block_layout *l,
                      const uint8_t *kb, bool client_side, bool read, struct secret_init *out)
{
    size_t side = client_side ? 0 : 1;

    *out = (struct secret_init){
        .kind = KEY_SESSION,
        .has_proto = true,
        .proto = mk->proto,
        .suite = mk->suite,
        .read = read,
        .mac_key = kb + side * l->mac_key,
        .mac_key_len = l->mac_key,
        .key = kb + 2 * l->mac_key + side * l->enc_key,
        .key_len = l->enc_key,
        .iv = kb + 2 * (l->mac_key + l->enc_key) + side * l->iv,
        .iv_len = l->iv,
    };
}

SECURITY_STATUS session_keys_create(struct master_key *mk, const uint8_t *cr, const uint8_t *sr,
                                    ULONG_PTR *read, ULONG_PTR *write)
{
    struct provider *prov = mk->hdr.prov;
    const struct suite *s = mk->suite;
    struct key_block_layout l;
    struct secret_init init;
    uint8_t *kb;
    SECURITY_STATUS st;

    *read = *write = 0;
    kdf12_layout(s, mk->proto, &l);
    /* RC4 and DES need the legacy provider (conventions.md §8) */
    if (l.total == 0 || (s->cipher->id != CIPHER_NULL && prov->be.cipher[s->cipher->id] == NULL))
        return NTE_NOT_SUPPORTED;
    if ((kb = OPENSSL_malloc(l.total)) == NULL)
        return NTE_NO_MEMORY;
    st = kdf12_key_block(&prov->be, mk->proto, suite_prf_md(s, mk->proto), mk->ms, cr, sr, kb,
                         l.total);
    if (st == SEC_E_OK) {
        side_init(mk, &l, kb, mk->client, false, &init);
        st = secret_key_create(prov, &init, write);
    }
    if (st == SEC_E_OK) {
        side_init(mk, &l, kb, !mk->client, true, &init);
        st = secret_key_create(prov, &init, read);
    }
    if (st != SEC_E_OK) {
        handle_discard(*write);
        *read = *write = 0;
    }
    OPENSSL_clear_free(kb, l.total);
    /* SSLKEYLOGFILE: the one call that always has both randoms (conventions.md §10) */
    if (st == SEC_E_OK)
        keylog_client_random(&prov->log, mk->keylog_random, &mk->keylog_done, cr, mk->ms);
    return st;
}

/* The EAP selectors (conventions.md §13): label, whose random comes first in the seed, and
 * whether rgbIVs holds RFC 2716's IVs (else zeros). EAP-TLS is RFC 5216 §2.3 (RFC 2716 §3.5
 * for the IVs), EAP-TTLSv0 RFC 5281 §8 (client || server: what every TTLS server does, where
 * Microsoft's EapPrfInfo page says server || client), EAP-FAST RFC 4851 §5.1 (the key
 * expansion, whose start the caller reads session_key_seed from). */
static const struct {
    const char *label;
    bool server_first;
    bool ivs;
} eap_selectors[] = {
    {"client EAP encryption", false, true},
    {"ttls keying material", false, false},
    {"ttls challenge", false, false},
    {"key expansion", true, false},
};

SECURITY_STATUS eap_key_block(const struct master_key *mk, unsigned selector, const uint8_t randoms[64],
                              uint8_t out[EAP_KEY_BLOCK_LEN])
{
    const struct backend *be = &mk->hdr.prov->be;
    enum md_id md = suite_prf_md(mk->suite, mk->proto);
    const uint8_t *cr = randoms, *sr = randoms + 32;
    bool swap = eap_selectors[selector].server_first;
    const uint8_t *seed[2] = {swap ? sr : cr, swap ? cr : sr};
    const size_t seed_len[2] = {32, 32};
    SECURITY_STATUS st;

    memset(out + EAP_KEYS_LEN, 0, EAP_IVS_LEN);
    st = kdf12_prf(be, md, mk->ms, sizeof(mk->ms), eap_selectors[selector].label, seed, seed_len, 2,
                   out, EAP_KEYS_LEN);
    /* RFC 2716 §3.5: the IVs come from the PRF with an empty secret */
    if (st == SEC_E_OK && eap_selectors[selector].ivs)
        st = kdf12_prf(be, md, (const uint8_t *)"", 0, eap_selectors[selector].label, seed, seed_len, 2,
                       out + EAP_KEYS_LEN, EAP_IVS_LEN);
    if (st != SEC_E_OK)
        OPENSSL_cleanse(out, EAP_KEY_BLOCK_LEN);
    return st;
}

/* RFC 5705 §4: labels the handshake itself uses would hand out its secrets (conventions.md §4). */
static bool reserved_label(const char *label)
{
    static const char *const reserved[] = {"client finished", "server finished", "master secret",
                                           "extended master secret", "key expansion"};

    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcmp(label, reserved[i]) == 0)
            return true;
    return false;
}

SECURITY_STATUS export12(const struct master_key *mk, const char *label, const uint8_t randoms[64],
                         const uint8_t *context, uint16_t context_len, uint8_t *out, size_t out_len)
{
    uint8_t len16[2] = {(uint8_t)(context_len >> 8), (uint8_t)context_len};
    const uint8_t *seed[3] = {randoms, len16, context};
    size_t seed_len[3] = {64, 2, context_len};

    if (reserved_label(label))
        return NTE_INVALID_PARAMETER;
    if (mk->proto == PROTO_SSL3)
        return NTE_NOT_SUPPORTED;
    return kdf12_prf(&mk->hdr.prov->be, suite_prf_md(mk->suite, mk->proto), mk->ms, sizeof(mk->ms),
                     label, seed, seed_len, context != NULL ? 3 : 1, out, out_len);
}
