#include <string.h>
#include <openssl/crypto.h>
#include "handles.h"
#include "record.h"
#include "secrets.h"

static void master_key_destroy(struct object *obj)
{
    OPENSSL_clear_free(obj, sizeof(struct master_key));
}

SECURITY_STATUS master_key_create(struct provider *prov, enum proto p, const struct suite *s,
                                  bool client, const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                  ULONG_PTR *out)
{
    struct master_key *mk = OPENSSL_zalloc(sizeof(*mk));
    SECURITY_STATUS st;

    *out = 0;
    if (mk == NULL)
        return NTE_NO_MEMORY;
    obj_init(&mk->hdr, OBJ_MASTER, prov, master_key_destroy);
    mk->proto = p;
    mk->suite = s;
    mk->client = client;
    memcpy(mk->ms, ms, sizeof(mk->ms));
    if ((st = handle_create(&mk->hdr, out)) != SEC_E_OK)
        obj_unref(&mk->hdr);
    return st;
}

static void secret_key_destroy(struct object *obj)
{
    struct secret_key *k = (struct secret_key *)obj;

    rec_free(k->rec);
    if (k->key != k->key_inline)
        OPENSSL_clear_free(k->key, k->key_len);
    OPENSSL_clear_free(k, sizeof(*k));
}

SECURITY_STATUS secret_key_create(struct provider *prov, const struct secret_init *init,
                                  ULONG_PTR *out)
{
    struct secret_key *k;
    SECURITY_STATUS st;

    *out = 0;
    if (init->mac_key_len > SECRET_MAX_MAC_KEY || init->iv_len > SECRET_MAX_IV)
        return NTE_INTERNAL_ERROR;
    if ((k = OPENSSL_zalloc(sizeof(*k))) == NULL)
        return NTE_NO_MEMORY;
    obj_init(&k->hdr, OBJ_KEY, prov, secret_key_destroy);
    /* a zero-length key (NULL ciphers) still gets a buffer, so key is never NULL */
    k->key = k->key_inline;
    if (init->key_len > sizeof(k->key_inline) && (k->key = OPENSSL_zalloc(init->key_len)) == NULL) {
        obj_unref(&k->hdr);
        return NTE_NO_MEMORY;
    }
    k->kind = init->kind;
    k->has_proto = init->has_proto;
    k->proto = init->proto;
    k->suite = init->suite;
    k->read = init->read;
    k->key_len = init->key_len;
    if (init->key_len)
        memcpy(k->key, init->key, init->key_len);
    k->mac_key_len = init->mac_key_len;
    if (init->mac_key_len)
        memcpy(k->mac_key, init->mac_key, init->mac_key_len);
    if (init->log != NULL)
        k->log = *init->log;
    k->iv_len = init->iv_len;
    if (init->iv_len)
        memcpy(k->iv, init->iv, init->iv_len);
    /* 2^64-1 is never encrypted, so a mark of 2^64-1 refuses everything */
    k->seq_mark = init->seq_mark;
    /* a record key gets its record context here (DESIGN.md "Decide once per key") */
    if (((k->kind != KEY_SESSION && k->kind != KEY_WRITE) || (st = rec_init(k)) == SEC_E_OK) &&
        (st = handle_create(&k->hdr, out)) == SEC_E_OK)
        return SEC_E_OK;
    obj_unref(&k->hdr);
    return st;
}
