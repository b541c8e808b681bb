/* The TLS 1.3 key schedule (RFC 8446 §7.1) over a backend: HKDF-Extract with the "derived"
 * step and HKDF-Expand-Label, both through OpenSSL's TLS13-KDF (fetched once), on contexts
 * the backend keeps with their digest set; none keeps a secret after a call returns. */
#ifndef SSLPROV_KDF13_H
#define SSLPROV_KDF13_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"

#define KDF13_MAX_HASH 64

/* secret = HKDF-Extract(salt = Derive-Secret(prev, "derived", "") or 0 when prev is NULL,
 * IKM = ikm or Hash.length zeros when ikm is NULL). out has md_size(md) bytes. */
SECURITY_STATUS kdf13_extract(const struct backend *be, enum md_id md, const uint8_t *prev,
                              const uint8_t *ikm, size_t ikm_len, uint8_t *out);

/* HKDF-Expand-Label(secret, label, context, out_len); label without the "tls13 " prefix. */
SECURITY_STATUS kdf13_expand_label(const struct backend *be, enum md_id md, const uint8_t *secret,
                                   const char *label, const uint8_t *context, size_t context_len,
                                   uint8_t *out, size_t out_len);

/* Several Expand-Labels of one secret at once (a write key and its IV, both traffic secrets of
 * a stage), on one KDF context. No output may overlap the secret; on failure all are
 * cleansed. */
#define KDF13_MAX_EXPANSIONS 2
struct kdf13_expansion {
    const char *label;
    const uint8_t *context; /* NULL: empty */
    size_t context_len;
    uint8_t *out;
    size_t out_len;
};
SECURITY_STATUS kdf13_expand_labels(const struct backend *be, enum md_id md, const uint8_t *secret,
                                    const struct kdf13_expansion *x, size_t n);

/* Hash(data) with the schedule's hash (e.g. Hash("") for Derive-Secret on no messages). */
SECURITY_STATUS kdf13_hash(const struct backend *be, enum md_id md, const uint8_t *data,
                           size_t len, uint8_t *out);

/* HMAC(key, data) with the schedule's hash: Finished and binders (RFC 8446 §4.4.4). */
SECURITY_STATUS kdf13_hmac(const struct backend *be, enum md_id md, const uint8_t *key,
                           const uint8_t *data, size_t len, uint8_t *out);

#endif
