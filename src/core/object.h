/* Every object behind a handle starts with struct object. Classes follow conventions.md §1:
 * a handle of another class than a parameter expects is NTE_INVALID_HANDLE. */
#ifndef SSLPROV_OBJECT_H
#define SSLPROV_OBJECT_H

#include <stdatomic.h>
#include <stdint.h>
#include "sslprovider.h"

enum obj_class {
    OBJ_PROVIDER = 1,
    OBJ_HASH,      /* handshake / transcript / client-auth hash ('ssl2') */
    OBJ_MASTER,    /* TLS <= 1.2 master key ('ssl5') */
    OBJ_KEY,       /* session keys, TLS 1.3 secrets, write keys, PSKs ('ssl3') */
    OBJ_EPHEMERAL, /* ephemeral key pair or public-only share ('ssl6') */
    OBJ_PREMASTER, /* RSA pre-master ('ssl7') */
    OBJ_PUBLIC,    /* RSA public key from SslImportKey */
    OBJ_PRIVATE,   /* key from SslOpenPrivateKey */
    OBJ_ROUTED_PROVIDER, /* router: a provider handle of a loaded provider (src/router) */
    OBJ_ROUTED,          /* router: any other handle of a loaded provider */
    OBJ_CLASS_MAX
};

#define CLASS_BIT(c) (1u << (c))
#define CLASS_ANY (~0u)
/* Every class of the built-in provider's own objects (not the router's wrappers). */
#define CLASS_BUILTIN (CLASS_ANY & ~(CLASS_BIT(OBJ_ROUTED_PROVIDER) | CLASS_BIT(OBJ_ROUTED)))

struct provider;

struct object {
    enum obj_class cls;
    atomic_int refs;            /* 1 for the handle slot, +1 per child referencing it */
    uint32_t slot;              /* handle-table slot, for unpinning */
    struct provider *prov;      /* referenced; NULL for a provider itself */
    void (*destroy)(struct object *obj); /* wipes secrets, frees; called at refs == 0 */
};

/* Initialise the header of a freshly allocated object; takes a reference on prov. */
void obj_init(struct object *obj, enum obj_class cls, struct provider *prov,
              void (*destroy)(struct object *));
void obj_ref(struct object *obj);
void obj_unref(struct object *obj);

#endif
