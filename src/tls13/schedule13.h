/* TLS 1.3 secrets as objects (RFC 8446 §7.1, behavior.md §5, conventions.md §6): each
 * function takes a secret of the stage Windows accepts and makes the next one; the suite and
 * its hash travel with every secret from SslExtractEarlyKey on. */
#ifndef SSLPROV_SCHEDULE13_H
#define SSLPROV_SCHEDULE13_H

#include "keys.h"
#include "secrets.h"
#include "transcript.h"

/* A TLS 1.3 secret of one of the stages in mask (1u << KEY_*): else NTE_NOT_SUPPORTED
 * (right class, wrong protocol or stage: conventions.md §1). */
SECURITY_STATUS s13_check(const struct object *obj, unsigned stage_mask);
/* A transcript hash this secret can use: TLS 1.3 with the suite's hash, else
 * NTE_INVALID_PARAMETER. */
SECURITY_STATUS s13_check_hash(const struct secret_key *k, const struct object *hash);

SECURITY_STATUS s13_early(struct provider *prov, const struct suite *s, const struct secret_key *psk,
                          ULONG_PTR *out);
SECURITY_STATUS s13_handshake(const struct secret_key *early, const struct pkey_object *own,
                              const struct pkey_object *peer, ULONG_PTR *out);
SECURITY_STATUS s13_master(const struct secret_key *hs, ULONG_PTR *out);
/* "c e traffic" (early, client only), "c/s hs traffic", "c/s ap traffic"; either output may be
 * NULL. */
SECURITY_STATUS s13_traffic(const struct secret_key *base, struct transcript *t,
                            ULONG_PTR *client, ULONG_PTR *server);
SECURITY_STATUS s13_write_key(const struct secret_key *traffic, ULONG_PTR *out);
SECURITY_STATUS s13_exporter(const struct secret_key *base, struct transcript *t, ULONG_PTR *out);
SECURITY_STATUS s13_resumption(const struct secret_key *master, struct transcript *t, ULONG_PTR *out);
SECURITY_STATUS s13_binder(const struct secret_key *early, bool external, ULONG_PTR *out);
SECURITY_STATUS s13_psk(const struct secret_key *res, const uint8_t *nonce, size_t nonce_len, ULONG_PTR *out);
SECURITY_STATUS s13_next_traffic(const struct secret_key *traffic, ULONG_PTR *out);
/* HMAC(Expand-Label(key, "finished", "", L), Transcript-Hash) truncated to out_len (1..L). */
SECURITY_STATUS s13_finished(const struct secret_key *key, struct transcript *t, uint8_t *out,
                             size_t out_len);
/* The CertificateVerify content hash, sslprov's extension of SslComputeClientAuthHash
 * (conventions.md §13): any TLS 1.3 secret of the transcript's suite, H named by alg
 * (SHA256/SHA384/SHA512; NULL NTE_INVALID_PARAMETER, other names NTE_NOT_SUPPORTED), the
 * server's context string with server. Sizes as transcript_client_auth12. */
SECURITY_STATUS s13_client_auth(const struct secret_key *k, struct transcript *t, LPCWSTR alg,
                                bool server, uint8_t *out, size_t out_cap, size_t *len);

/* RFC 8446 §7.5: Expand-Label(Derive-Secret(secret, label, ""), "exporter", Hash(context), L);
 * a NULL context is an empty one. */
SECURITY_STATUS s13_export(const struct secret_key *exporter, const char *label, const uint8_t *context,
                           size_t context_len, uint8_t *out, size_t out_len);

#endif
