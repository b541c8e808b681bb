#include <stdbool.h>
#include <string.h>
#include <openssl/crypto.h>
#include "le32.h"
#include "opaque.h"
#include "secrets.h"
#include "kdf12.h"
#include "record.h"

/* Bytes after the header of a session key: KDBM(cipher key), MAC key, AEAD sequence mark. */
static size_t session_payload_len(const struct suite *s, size_t key_len, size_t mac_len)
{
    return SSLPROV_KDBM_HEADER_LEN + key_len + mac_len +
           (suite_is_aead(s) ? SSLPROV_OPAQUE_SEQ_MARK_LEN : 0);
}

/* Bytes after the header of a TLS 1.3 object: KDBM(key), and a write key's sequence mark. */
static size_t tls13_payload_len(enum key_kind kind, size_t key_len)
{
    return SSLPROV_KDBM_HEADER_LEN + key_len + (kind == KEY_WRITE ? SSLPROV_OPAQUE_SEQ_MARK_LEN : 0);
}

/* A 'KDBM' v1 block starts at p. */
static bool kdbm_ok(const uint8_t *p)
{
    return get32(p) == SSLPROV_KDBM_MAGIC && get32(p + 4) == SSLPROV_KDBM_VERSION;
}

SECURITY_STATUS opaque_size(const struct object *obj, size_t *len)
{
    const struct secret_key *k = (const struct secret_key *)obj;

    *len = 0;
    if (obj->cls == OBJ_MASTER) {
        *len = OPAQUE_HEADER_LEN;
        return SEC_E_OK;
    }
    if (obj->cls != OBJ_KEY || !rec_exportable(k))
        return NTE_NOT_SUPPORTED;
    if (k->kind != KEY_SESSION) /* TLS 1.3 secret, write key or PSK */
        *len = OPAQUE_HEADER_LEN + tls13_payload_len(k->kind, k->key_len);
    else
        *len = OPAQUE_HEADER_LEN + session_payload_len(k->suite, k->key_len, k->mac_key_len);
    return SEC_E_OK;
}

/* conventions.md §7: 0x10 = 1 read / 0 write, 0x14 = bytes after the header, 0x18 = fixed-IV
 * length with the IV (SSL 3.0/TLS 1.0 CBC: the current residue) at 0x1C, 0x4C = 0; then
 * KDBM(cipher key), the MAC key, and for AEAD keys the 8-byte little-endian sequence mark. */
static void export_session(const struct secret_key *k, uint8_t *out)
{
    size_t payload = session_payload_len(k->suite, k->key_len, k->mac_key_len);
    uint8_t *p = out + OPAQUE_HEADER_LEN;

    memset(out, 0, OPAQUE_HEADER_LEN);
    put32(out + SSLPROV_OPAQUE_TOTAL, (uint32_t)(OPAQUE_HEADER_LEN + payload));
    put32(out + SSLPROV_OPAQUE_MAGIC, OPAQUE_MAGIC_SSL3);
    put32(out + SSLPROV_OPAQUE_PROTOCOL, proto_to_dword(k->proto));
    put32(out + SSLPROV_OPAQUE_SUITE, k->suite->id);
    put32(out + SSLPROV_OPAQUE_FLAG, k->read ? 1 : 0);
    put32(out + SSLPROV_OPAQUE_PAYLOAD, (uint32_t)payload);
    put32(out + SSLPROV_OPAQUE_IVLEN, (uint32_t)k->iv_len);
    memcpy(out + SSLPROV_OPAQUE_IV, k->iv, k->iv_len);
    put32(p, SSLPROV_KDBM_MAGIC);
    put32(p + 4, SSLPROV_KDBM_VERSION);
    put32(p + SSLPROV_KDBM_OFF_KEYLEN, (uint32_t)k->key_len);
    memcpy(p + SSLPROV_KDBM_HEADER_LEN, k->key, k->key_len);
    p += SSLPROV_KDBM_HEADER_LEN + k->key_len;
    memcpy(p, k->mac_key, k->mac_key_len);
    p += k->mac_key_len;
    if (suite_is_aead(k->suite))
        for (int i = 0; i < SSLPROV_OPAQUE_SEQ_MARK_LEN; i++)
            p[i] = (uint8_t)(k->seq_mark >> (8 * i));
}

/* TLS 1.3 objects: their stage code at 0x4C, the fixed IV of write keys at 0x18/0x1C, then
 * KDBM(secret or key) and, for write keys, the sequence mark (conventions.md §7). A PSK that
 * has no protocol yet is written with suite 0. */
static void export_tls13(const struct secret_key *k, uint8_t *out)
{
    size_t payload = tls13_payload_len(k->kind, k->key_len);
    uint8_t *p = out + OPAQUE_HEADER_LEN;

    memset(out, 0, OPAQUE_HEADER_LEN);
    put32(out + SSLPROV_OPAQUE_TOTAL, (uint32_t)(OPAQUE_HEADER_LEN + payload));
    put32(out + SSLPROV_OPAQUE_MAGIC, OPAQUE_MAGIC_SSL3);
    put32(out + SSLPROV_OPAQUE_PROTOCOL, proto_to_dword(PROTO_TLS13));
    put32(out + SSLPROV_OPAQUE_SUITE, k->has_proto ? k->suite->id : 0);
    put32(out + SSLPROV_OPAQUE_PAYLOAD, (uint32_t)payload);
    put32(out + SSLPROV_OPAQUE_IVLEN, (uint32_t)k->iv_len);
    memcpy(out + SSLPROV_OPAQUE_IV, k->iv, k->iv_len);
    put32(out + SSLPROV_OPAQUE_KEYTYPE, k->kind);
    put32(p, SSLPROV_KDBM_MAGIC);
    put32(p + 4, SSLPROV_KDBM_VERSION);
    put32(p + SSLPROV_KDBM_OFF_KEYLEN, (uint32_t)k->key_len);
    memcpy(p + SSLPROV_KDBM_HEADER_LEN, k->key, k->key_len);
    if (k->kind == KEY_WRITE)
        for (int i = 0; i < SSLPROV_OPAQUE_SEQ_MARK_LEN; i++)
            p[SSLPROV_KDBM_HEADER_LEN + k->key_len + i] = (uint8_t)(k->seq_mark >> (8 * i));
}

SECURITY_STATUS opaque_export(const struct object *obj, uint8_t *out)
{
    if (obj->cls == OBJ_KEY && ((const struct secret_key *)obj)->kind != KEY_SESSION) {
        export_tls13((const struct secret_key *)obj, out);
        return SEC_E_OK;
    }
    const struct master_key *mk = (const struct master_key *)obj;

    if (obj->cls == OBJ_KEY && ((const struct secret_key *)obj)->kind == KEY_SESSION) {
        export_session((const struct secret_key *)obj, out);
        return SEC_E_OK;
    }
    if (obj->cls != OBJ_MASTER)
        return NTE_NOT_SUPPORTED;
    /* conventions.md §7: ssl5 writes 0x14 = 0, 0x18 = 0, 0x4C = 0, total 80 */
    memset(out, 0, OPAQUE_HEADER_LEN);
    put32(out + SSLPROV_OPAQUE_TOTAL, OPAQUE_HEADER_LEN);
    put32(out + SSLPROV_OPAQUE_MAGIC, OPAQUE_MAGIC_SSL5);
    put32(out + SSLPROV_OPAQUE_PROTOCOL, proto_to_dword(mk->proto));
    put32(out + SSLPROV_OPAQUE_SUITE, mk->suite->id);
    put32(out + SSLPROV_OPAQUE_FLAG, mk->client ? 1 : 0);
    memcpy(out + SSLPROV_OPAQUE_IV, mk->ms, sizeof(mk->ms));
    return SEC_E_OK;
}

/* A TLS <= 1.2 master key: total 80, nothing after the header, a protocol with a master
 * secret and a suite that exists there and is not lookup-only; 0x18 and 0x4C are ignored
 * (Windows leaves a DWORD of its own there). */
static SECURITY_STATUS import_ssl5(struct provider *prov, const uint8_t *blob, size_t len,
                                   ULONG_PTR *out)
{
    const struct suite *s;
    enum proto p;
    uint32_t flag = get32(blob + SSLPROV_OPAQUE_FLAG);

    if (len != OPAQUE_HEADER_LEN || get32(blob + SSLPROV_OPAQUE_TOTAL) != OPAQUE_HEADER_LEN ||
        get32(blob + SSLPROV_OPAQUE_PAYLOAD) != 0 || flag > 1)
        return NTE_BAD_DATA;
    if (!proto_from_dword(get32(blob + SSLPROV_OPAQUE_PROTOCOL), &p) || p == PROTO_TLS13)
        return NTE_BAD_DATA;
    if ((s = suite_find(get32(blob + SSLPROV_OPAQUE_SUITE))) == NULL || !suite_has_proto(s, p))
        return NTE_BAD_DATA;
    /* known but lookup-only (SSL 2.0, export): like every key operation (conventions.md §3) */
    if (p == PROTO_SSL2 || (s->flags & (SUITE_EXPORT | SUITE_SSL2)))
        return NTE_NOT_SUPPORTED;
    return master_key_create(prov, p, s, flag == 1, blob + SSLPROV_OPAQUE_IV, out);
}

/* The layout export_tls13 writes: secrets of the suite's hash length, write keys of its key
 * length with a 12-byte IV and a mark, PSKs of 1..65535 bytes (suite 0: no protocol yet). */
static SECURITY_STATUS import_tls13(struct provider *prov, const uint8_t *blob, size_t len,
                                    uint32_t kind, ULONG_PTR *out)
{
    const uint8_t *p = blob + OPAQUE_HEADER_LEN;
    uint32_t suite_id = get32(blob + SSLPROV_OPAQUE_SUITE);
    struct secret_init init = {.kind = (enum key_kind)kind, .proto = PROTO_TLS13};
    size_t want_key, want_iv = kind == KEY_WRITE ? 12 : 0;

    if (suite_id == 0 && kind == KEY_PSK) {
        init.has_proto = false;
    } else if ((init.suite = suite_find(suite_id)) == NULL || !suite_has_proto(init.suite, PROTO_TLS13)) {
        return NTE_BAD_DATA;
    } else {
        init.has_proto = true;
    }
    if (len < OPAQUE_HEADER_LEN + SSLPROV_KDBM_HEADER_LEN || !kdbm_ok(p) ||
        get32(blob + SSLPROV_OPAQUE_IVLEN) != want_iv || get32(blob + SSLPROV_OPAQUE_FLAG) != 0)
        return NTE_BAD_DATA;
    init.key_len = get32(p + SSLPROV_KDBM_OFF_KEYLEN);
    want_key = kind == KEY_WRITE ? init.suite->cipher->key_len
               : kind == KEY_PSK ? init.key_len
                                 : md_size(init.suite->prf);
    if (init.key_len != want_key || init.key_len == 0 || init.key_len > 0xFFFF ||
        len != OPAQUE_HEADER_LEN + tls13_payload_len((enum key_kind)kind, init.key_len))
        return NTE_BAD_DATA;
    init.key = p + SSLPROV_KDBM_HEADER_LEN;
    init.iv = blob + SSLPROV_OPAQUE_IV;
    init.iv_len = want_iv;
    if (kind == KEY_WRITE)
        for (int i = SSLPROV_OPAQUE_SEQ_MARK_LEN - 1; i >= 0; i--)
            init.seq_mark = init.seq_mark << 8 | init.key[init.key_len + (size_t)i];
    return secret_key_create(prov, &init, out);
}

/* A TLS <= 1.2 session key in exactly the layout export_session writes; 0x18 must be the
 * suite's fixed-IV length under that protocol. TLS 1.3 objects (0x4C = 1..9) come with the
 * TLS 1.3 issue. */
static SECURITY_STATUS import_ssl3(struct provider *prov, const uint8_t *blob, size_t len,
                                   ULONG_PTR *out)
{
    struct key_block_layout l;
    struct secret_init init = {.kind = KEY_SESSION, .has_proto = true};
    const uint8_t *p = blob + OPAQUE_HEADER_LEN;
    uint32_t kind = get32(blob + SSLPROV_OPAQUE_KEYTYPE), flag = get32(blob + SSLPROV_OPAQUE_FLAG);

    if (get32(blob + SSLPROV_OPAQUE_TOTAL) != len || get32(blob + SSLPROV_OPAQUE_PAYLOAD) != len - OPAQUE_HEADER_LEN ||
        flag > 1 || kind > KEY_PSK)
        return NTE_BAD_DATA;
    if (!proto_from_dword(get32(blob + SSLPROV_OPAQUE_PROTOCOL), &init.proto))
        return NTE_BAD_DATA;
    if ((init.proto == PROTO_TLS13) != (kind != KEY_SESSION))
        return NTE_BAD_DATA;
    if (kind != KEY_SESSION)
        return import_tls13(prov, blob, len, kind, out);
    if ((init.suite = suite_find(get32(blob + SSLPROV_OPAQUE_SUITE))) == NULL ||
        !suite_has_proto(init.suite, init.proto))
        return NTE_BAD_DATA;
    if (init.proto == PROTO_SSL2 || (init.suite->flags & (SUITE_EXPORT | SUITE_SSL2)))
        return NTE_NOT_SUPPORTED;
    kdf12_layout(init.suite, init.proto, &l);
    if (get32(blob + SSLPROV_OPAQUE_IVLEN) != l.iv ||
        len != OPAQUE_HEADER_LEN + session_payload_len(init.suite, l.enc_key, l.mac_key) ||
        !kdbm_ok(p) || get32(p + SSLPROV_KDBM_OFF_KEYLEN) != l.enc_key)
        return NTE_BAD_DATA;
    init.read = flag == 1;
    init.iv = blob + SSLPROV_OPAQUE_IV;
    init.iv_len = l.iv;
    init.key = p + SSLPROV_KDBM_HEADER_LEN;
    init.key_len = l.enc_key;
    init.mac_key = init.key + l.enc_key;
    init.mac_key_len = l.mac_key;
    if (suite_is_aead(init.suite))
        for (int i = SSLPROV_OPAQUE_SEQ_MARK_LEN - 1; i >= 0; i--)
            init.seq_mark = init.seq_mark << 8 | init.mac_key[l.mac_key + (size_t)i];
    return secret_key_create(prov, &init, out);
}

SECURITY_STATUS opaque_import(struct provider *prov, const uint8_t *blob, size_t len,
                              ULONG_PTR *out)
{
    *out = 0;
    if (len < OPAQUE_HEADER_LEN)
        return NTE_BAD_DATA;
    switch (get32(blob + SSLPROV_OPAQUE_MAGIC)) {
    case OPAQUE_MAGIC_SSL5:
        return import_ssl5(prov, blob, len, out);
    case OPAQUE_MAGIC_SSL3:
        return import_ssl3(prov, blob, len, out);
    default:
        return NTE_BAD_DATA;
    }
}
