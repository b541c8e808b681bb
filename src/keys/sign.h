/* SslSignHash and SslVerifySignature over key objects (api.md C6/C7; the contract is
 * conventions.md §13, Windows' code behavior.md §8.1–8.2; our superset docs/signatures.md).
 *
 * What the hash bytes mean is decided once per call, from the key type and two flag bits:
 *   RSA, flags 0                 PKCS#1 v1.5 over the bytes as given (no DigestInfo)
 *   RSA, INCLUDE_HASHOID (bit 0) UTF-16 name || 0x0000 || digest, PKCS#1 v1.5 with DigestInfo
 *   RSA, USE_PSS_PADDING (bit 1) the same layout, RSA-PSS, salt = digest length, MGF1(hash);
 *                                ours: a bare 32/48/64-byte digest as SHA-256/384/512
 *   DSA, ECDSA                   the digest as given; signatures IEEE P1363 r || s, each half
 *                                left-padded to the order's length (verify: DER as well)
 * Statuses: both bits, an RSA bit above 1 (signing), bit 0 or 1 on DSA/ECDSA ->
 * NTE_INVALID_PARAMETER; no 0x0000 unit in the first 128 bytes -> NTE_INVALID_PARAMETER;
 * unknown name -> NTE_BAD_ALGID; digest length not the hash's, or a hash the modulus cannot
 * hold -> NTE_BAD_LEN; a key type that cannot do the operation (RSA-PSS key with PKCS#1, a
 * DH/X25519 key) -> NTE_NOT_SUPPORTED; verify mismatch, malformed signature included ->
 * NTE_BAD_SIGNATURE. Every check comes before any output is written; nothing is left on
 * OpenSSL's error queue. */
#ifndef SSLPROV_SIGN_H
#define SSLPROV_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "keys.h"

/* Sign in[0..in_len) (in_len > 0) with a private key object. sig NULL: size query, SEC_E_OK
 * with *sig_len; sig_cap too small: NTE_BUFFER_TOO_SMALL with *sig_len. *sig_len means
 * something after those two results and success only. */
SECURITY_STATUS sign_hash(const struct pkey_object *key, const uint8_t *in, size_t in_len,
                          uint32_t flags, uint8_t *sig, size_t sig_cap, size_t *sig_len);

/* Verify sig over in (in_len > 0) with any pkey object; flag bits above 1 are ignored. */
SECURITY_STATUS sign_verify(const struct pkey_object *key, const uint8_t *in, size_t in_len,
                            uint32_t flags, const uint8_t *sig, size_t sig_len);

#endif
