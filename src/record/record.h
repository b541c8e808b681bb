/* Record protection for SSL 3.0 – TLS 1.3 and DTLS (behavior.md §2, conventions.md §5): one
 * record context per key. Everything a record needs is decided once, when the key object is
 * made: the record's shape (header length, explicit IV or nonce, how the nonce and the AAD are
 * formed, MAC or tag, whether the caller's input carries the inner type) and one cipher kind —
 * AEAD, CBC, stitched AES-CBC-HMAC, stream/NULL — whose seal and open live in a file of their
 * own (record_int.h; BoringSSL's SSLAEADContext and s2n's per-kind record files are the
 * models). The per-record functions have no protocol switch beyond that shape and allocate
 * nothing themselves (OpenSSL 3.0's HMAC re-initialisation does; see docs/records.md). */
#ifndef SSLPROV_RECORD_H
#define SSLPROV_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "secrets.h"

#define REC_MAX_PLAINTEXT 16384          /* 2^14 (RFC 5246 §6.2.1) */
#define REC_MAX_BODY (16384 + 2048)      /* TLSCiphertext.length limit (RFC 5246 §6.2.3) */
#define REC13_MAX_INNER 16385            /* 2^14 + 1 (RFC 8446 §5.2) */

struct rec;

/* The record context of a TLS <= 1.2 session key or a TLS 1.3 write key, keyed here;
 * NTE_NOT_SUPPORTED when its cipher is not available (RC4/DES without OpenSSL's legacy
 * provider). */
SECURITY_STATUS rec_init(struct secret_key *k);
void rec_free(struct rec *r);

/* Whole record out: header || body. TLS 1.3: in is the whole TLSInnerPlaintext (content ||
 * type || zero padding) and type the outer type; the provider adds and strips nothing. */
SECURITY_STATUS rec_seal(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *out_len, uint64_t seq, uint8_t type);
/* Whole record in, plaintext out. in may be modified when out lies inside it (the in-place
 * layouts). */
SECURITY_STATUS rec_open(struct secret_key *k, uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *out_len, uint64_t seq);

/* An RC4 key that has processed data cannot be exported (conventions.md §7). */
bool rec_exportable(const struct secret_key *k);

#endif
