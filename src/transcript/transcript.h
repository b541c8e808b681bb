/* Handshake hash objects ('ssl2'): the running hash of the handshake messages (api.md D1, D2)
 * and what is computed from it without finishing it — Finished (D4), the RFC 7627 session
 * hash (D6). SSL 3.0, TLS 1.0/1.1 and DTLS 1.0 keep MD5 and SHA-1 side by side (SSL 3.0's
 * Finished feeds them different pads); TLS 1.2, DTLS 1.2 and TLS 1.3 keep the suite hash. */
#ifndef SSLPROV_TRANSCRIPT_H
#define SSLPROV_TRANSCRIPT_H

#include <pthread.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include "object.h"
#include "provider.h"
#include "secrets.h"
#include "suites.h"

#define TRANSCRIPT_MAX_DIGEST 64
/* message_hash (4 + up to 64) then ClientHello's header, legacy_version and random (4 + 2 + 32) */
#define TRANSCRIPT_PREFIX_MAX (4 + TRANSCRIPT_MAX_DIGEST + 4 + 2 + KEYLOG_RANDOM_LEN)

struct transcript {
    struct object hdr; /* OBJ_HASH */
    enum proto proto;
    const struct suite *suite;
    enum md_id md;       /* MD_MD5_SHA1 for the dual hash, else the suite hash */
    EVP_MD_CTX *ctx[2];  /* MD5 and SHA-1, or the suite hash and NULL */
    /* SSLKEYLOGFILE, TLS 1.3 (conventions.md §10): the first bytes of the stream, until the
     * random of the first ClientHello (after an optional leading message_hash) is known. */
    enum { CR_NONE, CR_PENDING, CR_KNOWN } cr_state;
    size_t prefix_len;
    uint8_t prefix[TRANSCRIPT_PREFIX_MAX];
    /* The hash of everything so far, kept until the next update: TLS 1.3 asks for
     * Transcript-Hash at one point for several secrets and both Finished (RFC 8446 §7.1,
     * §4.4.4). Calls that only read a hash object may run at once, and the first of them
     * fills the cache: lock guards it, and updates take it too. */
    pthread_mutex_t lock;
    bool have_digest;
    size_t digest_len;
    uint8_t digest[TRANSCRIPT_MAX_DIGEST];
};

/* The ClientHello random of a TLS 1.3 transcript, if it has one and SSLKEYLOGFILE is on. */
bool transcript_client_random(const struct transcript *t, uint8_t random[KEYLOG_RANDOM_LEN]);

/* The hash a protocol/suite keeps: MD_MD5_SHA1 before TLS 1.2, the suite PRF hash after. */
enum md_id transcript_md(enum proto p, const struct suite *s);

SECURITY_STATUS transcript_create(struct provider *prov, enum proto p, const struct suite *s,
                                  ULONG_PTR *out);
/* The same keeping the hash md whatever the suite's (SslCreateClientAuthHash). */
SECURITY_STATUS transcript_create_md(struct provider *prov, enum proto p, const struct suite *s,
                                     enum md_id md, ULONG_PTR *out);
SECURITY_STATUS transcript_update(struct transcript *t, const uint8_t *in, size_t len);
/* Hash of everything so far (MD5 || SHA-1 for the dual hash); the running hash goes on.
 * Computed once per point of the transcript, then served from the object. */
SECURITY_STATUS transcript_digest(struct transcript *t, uint8_t *out, size_t *out_len);

/* An independent copy: same protocol, suite and state (api.md D7). */
SECURITY_STATUS transcript_duplicate(const struct transcript *t, ULONG_PTR *out);

/* verify_data of the Finished message sent by the client (sender_client) or the server:
 * SSL 3.0 (RFC 6101 §5.6.9, 36 bytes) or PRF(ms, "client/server finished", Hash(hs))
 * (RFC 5246 §7.4.9). out_len: 36 for SSL 3.0, 12 for TLS 1.0/1.1/DTLS 1.0, 12..64 for
 * TLS 1.2/DTLS 1.2, else NTE_BAD_LEN. */
SECURITY_STATUS transcript_finished12(struct transcript *t, const struct master_key *mk,
                                      bool sender_client, uint8_t *out, size_t out_len);

/* SslComputeClientAuthHash for a TLS <= 1.2 master key (behavior.md §8.4, conventions.md
 * §13). With an MD5 + SHA-1 object: SSL 3.0 "RSA" MD5 || SHA-1 of its pads over the master
 * secret (36), "DSA" the SHA-1 half (20); TLS 1.0/1.1/DTLS 1.0 "RSA" MD5 || SHA-1 of the
 * messages, "DSA"/"ECDSA"/"ECDSA_P256/384/521" their SHA-1 (case-sensitive; else
 * NTE_NOT_SUPPORTED; NULL alg NTE_INVALID_PARAMETER). With a single-hash object: its hash,
 * alg not read (SSL 3.0 master key: NTE_INVALID_PARAMETER). *len = the length; out NULL: only
 * that; out_cap < *len: NTE_BUFFER_TOO_SMALL. The hash object keeps running. */
SECURITY_STATUS transcript_client_auth12(struct transcript *t, const struct master_key *mk, LPCWSTR alg,
                                         uint8_t *out, size_t out_cap, size_t *len);

/* RFC 8446 §4.4.3: H(0x20 x 64 || "TLS 1.3, client|server CertificateVerify" || 0 ||
 * Transcript-Hash), H = h (md_size(h) bytes into out). */
SECURITY_STATUS transcript_cert_verify13(struct transcript *t, enum md_id h, bool server, uint8_t *out);

#endif
