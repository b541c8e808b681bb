/* The SSL 3.0 / TLS 1.0-1.2 / DTLS key schedule as pure functions over a backend: the PRF,
 * the master secret (with and without RFC 7627 EMS), the key block and its split. No handles,
 * no objects: callers own every buffer, and this module wipes only its own intermediates.
 * All functions return SEC_E_OK, NTE_INVALID_PARAMETER (bad arguments), NTE_NOT_SUPPORTED
 * (a protocol without this schedule) or NTE_NO_MEMORY / NTE_INTERNAL_ERROR (OpenSSL). An
 * argument error returns before any output is touched; a later failure wipes the output, so
 * a caller never sees partial secret bytes. Nothing is left on OpenSSL's error queue. */
#ifndef SSLPROV_KDF12_H
#define SSLPROV_KDF12_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "suites.h"

#define KDF12_RANDOM_LEN 32        /* api.md §8.2 */
#define KDF12_MASTER_SECRET_LEN 48 /* RFC 5246 §8.1, RFC 6101 §6.1 */
#define KDF12_MAX_SEED_PARTS 4
#define KDF12_SSL3_MAX_OUT (26 * 16) /* SSL 3.0 labels run "A" .. "ZZ...Z": 26 MD5 blocks */

/* The TLS PRF (RFC 5246 §5, RFC 2246 §5) through EVP_KDF "TLS1-PRF":
 * PRF(secret, label, seed[0] || ... || seed[nseed-1]). md is MD_MD5_SHA1 (TLS 1.0/1.1,
 * DTLS 1.0) or the TLS 1.2 hash (MD_SHA256, MD_SHA384, MD_SHA512); anything else ->
 * NTE_INVALID_PARAMETER. label is ASCII, non-empty; nseed <= KDF12_MAX_SEED_PARTS; a part
 * may be empty (its pointer may then be NULL); out_len > 0. */
/* Some OpenSSL 3 releases (3.0 and 3.2 among them) hold the PRF's label || seed in a
 * 1024-byte buffer; a longer seed there gives NTE_NOT_SUPPORTED (newer releases have no
 * limit, and the call then succeeds). */
#define KDF12_OSSL_SEED_CAP 1024
SECURITY_STATUS kdf12_prf(const struct backend *be, enum md_id md, const uint8_t *secret,
                          size_t secret_len, const char *label, const uint8_t *const seed[],
                          const size_t seed_len[], size_t nseed, uint8_t *out, size_t out_len);

/* The 48-byte master secret (api.md E2). prf_md must be suite_prf_md(s, p): MD_NONE for
 * SSL 3.0, MD_MD5_SHA1 for TLS 1.0/1.1/DTLS 1.0, SHA-256/384/512 for TLS 1.2/DTLS 1.2;
 * a mismatch -> NTE_INVALID_PARAMETER.
 * - session_hash == NULL: SSL 3.0 construction (RFC 6101 §6.1) or
 *   PRF(pms, "master secret", CR || SR) (RFC 5246 §8.1); cr and sr are required.
 * - session_hash != NULL: PRF(pms, "extended master secret", session_hash) (RFC 7627 §4);
 *   session_hash_len must be md_size(prf_md); cr and sr are ignored (may be NULL).
 *   SSL 3.0 + EMS -> NTE_NOT_SUPPORTED (conventions.md §2).
 * SSL 2.0 and TLS 1.3 -> NTE_NOT_SUPPORTED. */
SECURITY_STATUS kdf12_master_secret(const struct backend *be, enum proto p, enum md_id prf_md,
                                    const uint8_t *pms, size_t pms_len,
                                    const uint8_t cr[KDF12_RANDOM_LEN],
                                    const uint8_t sr[KDF12_RANDOM_LEN],
                                    const uint8_t *session_hash, size_t session_hash_len,
                                    uint8_t ms[KDF12_MASTER_SECRET_LEN]);

/* out_len bytes of key block (api.md E4): PRF(ms, "key expansion", SR || CR) (RFC 5246 §6.3)
 * or the SSL 3.0 construction over ms and SR || CR (RFC 6101 §6.2.2; at most
 * KDF12_SSL3_MAX_OUT bytes). prf_md as for kdf12_master_secret. */
SECURITY_STATUS kdf12_key_block(const struct backend *be, enum proto p, enum md_id prf_md,
                                const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                const uint8_t cr[KDF12_RANDOM_LEN],
                                const uint8_t sr[KDF12_RANDOM_LEN], uint8_t *out,
                                size_t out_len);

/* The split of a key block, each length per side (api.md §8.3, conventions.md §5, §8). The
 * block is client MAC, server MAC, client key, server key, client IV, server IV; total is
 * 2 * (mac_key + enc_key + iv). All zero when the suite has no key block under p (TLS 1.3,
 * SSL 2.0, a protocol the suite does not exist for, export and SSL 2.0 rows). */
struct key_block_layout {
    size_t mac_key, enc_key, iv, total;
};
void kdf12_layout(const struct suite *s, enum proto p, struct key_block_layout *out);

#endif
