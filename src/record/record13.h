/* TLS 1.3 record protection with write keys (behavior.md §2.3, conventions.md §5): the caller
 * passes the whole TLSInnerPlaintext (content || type || zero padding) and the outer type 23;
 * the provider adds and strips nothing. Nonce = iv XOR seq, AAD = the 5-byte header. */
#ifndef SSLPROV_RECORD13_H
#define SSLPROV_RECORD13_H

#include <stddef.h>
#include <stdint.h>
#include "secrets.h"

#define REC13_MAX_INNER 16385  /* 2^14 + 1 (RFC 8446 §5.2) */

struct rec13;

SECURITY_STATUS rec13_init(struct secret_key *k);
void rec13_free(struct rec13 *r);
SECURITY_STATUS rec13_encrypt(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq, uint8_t type);
SECURITY_STATUS rec13_decrypt(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq);

#endif
