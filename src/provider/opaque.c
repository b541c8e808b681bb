#include <string.h>
#include <openssl/crypto.h>
#include "opaque.h"
#include "secrets.h"

/* Header fields (behavior.md §4.4), little-endian DWORDs. */
enum {
    OFF_TOTAL = 0x00,
    OFF_MAGIC = 0x04,
    OFF_PROTOCOL = 0x08,
    OFF_SUITE = 0x0C,
    OFF_FLAG = 0x10,    /* ssl5: 1 client / 0 server; ssl3: 1 read / 0 write */
    OFF_KEYBLOB = 0x14, /* bytes after the header */
    OFF_IVLEN = 0x18,
    OFF_IV = 0x1C,      /* 48 bytes: the master secret for ssl5, the fixed IV for ssl3 */
    OFF_KEYTYPE = 0x4C  /* TLS 1.3 stage code */
};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

SECURITY_STATUS opaque_size(const struct object *obj, size_t *len)
{
    *len = 0;
    if (obj->cls != OBJ_MASTER)
        return NTE_NOT_SUPPORTED;
    *len = OPAQUE_HEADER_LEN;
    return SEC_E_OK;
}

SECURITY_STATUS opaque_export(const struct object *obj, uint8_t *out)
{
    const struct master_key *mk = (const struct master_key *)obj;

    if (obj->cls != OBJ_MASTER)
        return NTE_NOT_SUPPORTED;
    /* conventions.md §7: ssl5 writes 0x14 = 0, 0x18 = 0, 0x4C = 0, total 80 */
    memset(out, 0, OPAQUE_HEADER_LEN);
    put32(out + OFF_TOTAL, OPAQUE_HEADER_LEN);
    put32(out + OFF_MAGIC, OPAQUE_MAGIC_SSL5);
    put32(out + OFF_PROTOCOL, proto_to_dword(mk->proto));
    put32(out + OFF_SUITE, mk->suite->id);
    put32(out + OFF_FLAG, mk->client ? 1 : 0);
    memcpy(out + OFF_IV, mk->ms, sizeof(mk->ms));
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
    uint32_t flag = get32(blob + OFF_FLAG);

    if (len != OPAQUE_HEADER_LEN || get32(blob + OFF_TOTAL) != OPAQUE_HEADER_LEN ||
        get32(blob + OFF_KEYBLOB) != 0 || flag > 1)
        return NTE_BAD_DATA;
    if (!proto_from_dword(get32(blob + OFF_PROTOCOL), &p) || p == PROTO_SSL2 || p == PROTO_TLS13)
        return NTE_BAD_DATA;
    if ((s = suite_find(get32(blob + OFF_SUITE))) == NULL || !suite_has_proto(s, p) ||
        (s->flags & (SUITE_EXPORT | SUITE_SSL2)))
        return NTE_BAD_DATA;
    return master_key_create(prov, p, s, flag == 1, blob + OFF_IV, out);
}

SECURITY_STATUS opaque_import(struct provider *prov, const uint8_t *blob, size_t len,
                              ULONG_PTR *out)
{
    *out = 0;
    if (len < OPAQUE_HEADER_LEN)
        return NTE_BAD_DATA;
    switch (get32(blob + OFF_MAGIC)) {
    case OPAQUE_MAGIC_SSL5:
        return import_ssl5(prov, blob, len, out);
    case OPAQUE_MAGIC_SSL3:
        /* session keys and TLS 1.3 secrets come with the record and TLS 1.3 issues */
        return NTE_NOT_SUPPORTED;
    default:
        return NTE_BAD_DATA;
    }
}
