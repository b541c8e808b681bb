/* TLS <= 1.2 master keys ('ssl5', behavior.md §4.1): the 48-byte master secret, the protocol
 * and suite it was made for, and the side (client or server) that decides which half of the
 * key block is read and which is written. */
#ifndef SSLPROV_SECRETS_H
#define SSLPROV_SECRETS_H

#include <stdbool.h>
#include <stdint.h>
#include "kdf12.h"
#include "object.h"
#include "provider.h"
#include "suites.h"

struct master_key {
    struct object hdr; /* OBJ_MASTER */
    enum proto proto;
    const struct suite *suite;
    bool client;
    uint8_t ms[KDF12_MASTER_SECRET_LEN];
};

/* A new master-key handle holding a copy of ms. */
SECURITY_STATUS master_key_create(struct provider *prov, enum proto p, const struct suite *s,
                                  bool client, const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                  ULONG_PTR *out);

#endif
