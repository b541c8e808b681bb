/* Record protection for SSL 3.0 – TLS 1.2 and DTLS (behavior.md §2, conventions.md §5).
 * Everything a record needs is decided once, when the key object is made: the record shape
 * (header length, explicit IV or nonce, MAC or tag) and the keyed OpenSSL contexts. The
 * per-record functions have no protocol switch beyond that descriptor and allocate nothing
 * themselves (OpenSSL 3.0's HMAC re-initialisation does; see docs/records.md). */
#ifndef SSLPROV_RECORD12_H
#define SSLPROV_RECORD12_H

#include <stddef.h>
#include <stdint.h>
#include "secrets.h"

#define REC_MAX_PLAINTEXT 16384          /* 2^14 (RFC 5246 §6.2.1) */
#define REC_MAX_BODY (16384 + 2048)      /* TLSCiphertext.length limit (RFC 5246 §6.2.3) */

struct rec12;

/* Key the contexts of a TLS <= 1.2 session key; NTE_NOT_SUPPORTED when its cipher is not
 * available (RC4/DES without OpenSSL's legacy provider). */
SECURITY_STATUS rec12_init(struct secret_key *k);
void rec12_free(struct rec12 *r);

/* Whole record out: header || body. */
SECURITY_STATUS rec12_encrypt(struct secret_key *k, const uint8_t *in, size_t in_len,
                              uint8_t *out, size_t out_cap, size_t *out_len, uint64_t seq,
                              uint8_t type);
/* Whole record in, plaintext out. in may be modified when out lies inside it (the in-place
 * layouts). */
SECURITY_STATUS rec12_decrypt(struct secret_key *k, uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq);

/* An RC4 key that has processed data cannot be exported (conventions.md §7). */
bool rec12_exportable(const struct secret_key *k);

#endif
