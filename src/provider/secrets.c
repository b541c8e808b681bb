#include <string.h>
#include <openssl/crypto.h>
#include "handles.h"
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
