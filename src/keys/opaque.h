/* BCRYPT_OPAQUE_KEY_BLOB (L"OpaqueKeyBlob"): Windows' 80-byte header (behavior.md §4.4) with
 * our payload (conventions.md §7), so a master-key blob exported on Windows imports here. */
#ifndef SSLPROV_OPAQUE_H
#define SSLPROV_OPAQUE_H

#include <stddef.h>
#include <stdint.h>
#include "object.h"
#include "provider.h"
#include "sslprov_opaque.h"

/* the layout: include/sslprov_opaque.h, shared with the CLI and the tests */
#define OPAQUE_HEADER_LEN SSLPROV_OPAQUE_HEADER_LEN
#define OPAQUE_MAGIC_SSL3 SSLPROV_OPAQUE_MAGIC_SSL3 /* session keys, TLS 1.3 secrets and write keys */
#define OPAQUE_MAGIC_SSL5 SSLPROV_OPAQUE_MAGIC_SSL5 /* TLS <= 1.2 master keys */

/* Bytes the blob of obj takes; 0 with NTE_NOT_SUPPORTED for objects without one. */
SECURITY_STATUS opaque_size(const struct object *obj, size_t *len);
/* Write the blob (out has at least opaque_size bytes). */
SECURITY_STATUS opaque_export(const struct object *obj, uint8_t *out);
/* A new object of the blob's class; NTE_BAD_DATA for anything malformed. */
SECURITY_STATUS opaque_import(struct provider *prov, const uint8_t *blob, size_t len,
                              ULONG_PTR *out);

#endif
