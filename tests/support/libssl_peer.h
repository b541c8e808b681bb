/* libssl_peer.h — a reference TLS/DTLS <= 1.2 handshake driven by OpenSSL's own libssl over an
 * in-memory transport, for differential tests (libssl_peer.c). No sslprov dependency: include
 * it from any test that needs expected values from libssl.
 *
 *   struct peer_config cfg = { .version = TLS1_2_VERSION, .ciphers = "ECDHE-RSA-AES128-GCM-SHA256",
 *                              .groups = "P-256", .ems = 1 };
 *   struct peer_run run;
 *   if (peer_handshake(&cfg, &run)) { ... run.master_secret, run.msgs[], run.client_finished ... }
 *   peer_free(&run);                        // always, also after a failed handshake
 *   peer_global_cleanup();                  // once at the end of main(): frees the cached keys
 *
 * Transport: a BIO of our own (one per side) that queues every BIO_write as one chunk for the
 * other side. TLS reads it as a byte stream; DTLS reads one whole chunk per BIO_read, i.e. real
 * datagram semantics (OpenSSL 3.0 has no BIO_s_dgram_pair, and a BIO_s_mem loses datagram
 * boundaries).
 *
 * Transcript: handshake messages are recorded by the client's message callback, both directions,
 * exactly as they enter the Finished hash (TLS: 4-byte header + body; DTLS: 12-byte header with
 * fragment_offset 0 and fragment_length = length). For DTLS the messages the client sends are
 * cross-checked against what the server's message callback received; OpenSSL 3.0 hands the
 * callback a damaged copy of an outgoing message that was fragmented (later fragment headers
 * overwrite the body in place), so on a mismatch the server's reassembled copy is used and
 * run->fixed_fragments counts it. A DTLS cookie exchange (cfg.dtls_cookie) is handled like
 * OpenSSL and RFC 6347 do: every ClientHello the client sends restarts the transcript, so the
 * HelloVerifyRequest and the first ClientHello are not in msgs[]. Retransmitted messages
 * (same message_seq) are recorded once.
 *
 * Client authentication (cfg.client_cert_type != 0): the server asks for a certificate
 * (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; the callback accepts the client's
 * self-signed one), the client presents a cached key and certificate of its own (never the
 * server's), and run->client_key / client_cert_der hold them. cfg.sigalgs and cfg.client_sigalgs
 * pin the signature schemes of the server's ServerKeyExchange and of the client's
 * CertificateVerify. peer_preset_key() puts a fixed key into a credentials slot before first use
 * (e.g. under valgrind, where RSA key generation is slow). */
#ifndef SSLPROV_TEST_LIBSSL_PEER_H
#define SSLPROV_TEST_LIBSSL_PEER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/dtls1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>

#define PEER_MAX_MSGS 32
#define PEER_NO_INDEX ((size_t)-1)
#define PEER_PSK_IDENTITY "sslprov"
#define PEER_DEFAULT_DTLS_MTU 4000 /* <= the 4096-byte flight buffer: no record is ever split */

/* One whole handshake message as it enters the Finished hash. */
struct peer_msg {
    int from_client;
    size_t len;
    unsigned char *data;
};

struct peer_config {
    int version;         /* TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, DTLS1_VERSION,
                            DTLS1_2_VERSION (pinned min = max); 0 means TLS1_2_VERSION */
    const char *ciphers; /* OpenSSL cipher list (<= TLS 1.2), e.g. "ECDHE-RSA-AES128-GCM-SHA256" */
    const char *groups;  /* "P-256", "X25519", ... or NULL for libssl's default */
    int ems;             /* 1: extended master secret, 0: SSL_OP_NO_EXTENDED_MASTER_SECRET */
    const unsigned char *psk; /* PSK suites: both sides use this key, identity "sslprov" */
    size_t psk_len;
    int seclevel0;       /* security level 0; forced anyway for TLS 1.0/1.1 and DTLS 1.0 */
    int cert_type;       /* server certificate: 0 RSA-2048, 1 ECDSA P-256 (for *-ECDSA-* suites),
                            2 ECDSA P-384 */
    int dtls_cookie;     /* DTLS: the server demands a cookie (HelloVerifyRequest round trip) */
    unsigned dtls_mtu;   /* DTLS: SSL_set_mtu on both sides; 0 = PEER_DEFAULT_DTLS_MTU. A small
                            value (e.g. 300) makes libssl fragment handshake messages. */
    int empty_fragments; /* 1: leave libssl's TLS 1.0 CBC empty-fragment insertion on (then one
                            SSL_write gives two records); default off: one write, one record */
    int no_ticket;       /* 1: SSL_OP_NO_TICKET — no NewSessionTicket before the server's
                            Finished (by default libssl sends one and it is in msgs[]) */
    int client_cert_type; /* client authentication: 0 none (default), 1 RSA-2048, 2 ECDSA P-256,
                             3 ECDSA P-384; the server requires the certificate */
    const char *sigalgs;  /* SSL_CTX_set1_sigalgs_list on both sides (the schemes the client
                             offers for the server's signature); NULL: libssl's default */
    const char *client_sigalgs; /* SSL_CTX_set1_client_sigalgs_list on both sides (the schemes
                             the server's CertificateRequest offers for the client's
                             CertificateVerify); NULL: libssl's default */
};

struct peer_pipe; /* the transport; internal */

struct peer_run {
    uint16_t cipher_id;              /* negotiated IANA suite id */
    int version;                     /* negotiated wire version (0x0301 ... 0x0303, 0xFEFF, 0xFEFD) */
    int is_dtls;
    int ems_used;                    /* SSL_get_extms_support on the client */
    const char *prf_digest;          /* "MD5-SHA1" (TLS 1.0/1.1, DTLS 1.0), "SHA256" or "SHA384" */
    unsigned char client_random[32], server_random[32];
    unsigned char master_secret[48]; /* SSL_SESSION_get_master_key */
    unsigned char client_finished[64], server_finished[64]; /* SSL_get_(peer_)finished, client */
    size_t finished_len;
    char keylog[256];                /* the client's "CLIENT_RANDOM <cr> <master>" keylog line */
    struct peer_msg msgs[PEER_MAX_MSGS]; /* handshake messages in transcript order, incl. both
                                            Finished */
    size_t nmsgs;
    size_t hdr_len;                  /* handshake header length in msgs[]: 4 TLS, 12 DTLS */
    size_t ckx_index;                /* the ClientKeyExchange in msgs[] (PEER_NO_INDEX if none) */
    size_t client_finished_index, server_finished_index;
    unsigned char *rsa_ckx;          /* RSA key exchange: the encrypted pre-master, no length */
    size_t rsa_ckx_len;
    EVP_PKEY *server_key;            /* the server's private key (a reference; peer_free drops it) */
    unsigned char *server_cert_der;  /* the server's certificate (also set for PSK suites, where it
                                        is configured but not sent) */
    size_t server_cert_der_len;
    EVP_PKEY *client_key;            /* cfg.client_cert_type != 0: the client's private key (a
                                        reference; peer_free drops it), else NULL */
    unsigned char *client_cert_der;  /* ... and its certificate, as the client sent it */
    size_t client_cert_der_len;
    unsigned fixed_fragments;        /* DTLS: client messages replaced by the server's copy */
    SSL *client, *server;            /* kept open so tests can move records afterwards */
    SSL_CTX *cctx, *sctx;
    /* internal */
    struct peer_pipe *pipe;
    struct peer_msg srv_rx[PEER_MAX_MSGS]; /* what the server received (DTLS cross-check) */
    size_t srv_nrx;
    struct peer_config cfg;
    int overflow;
};

/* ==== the transport ========================================================================= */

struct peer_chunk {
    struct peer_chunk *next;
    size_t len, off;
    unsigned char data[];
};

struct peer_queue {
    struct peer_chunk *head, *tail;
    size_t bytes;
};

struct peer_end {
    struct peer_pipe *pipe;
    int side; /* 0 client, 1 server: reads q[side], writes q[!side] */
};

struct peer_pipe {
    int dgram;
    struct peer_queue q[2]; /* q[0]: towards the client, q[1]: towards the server */
    struct peer_end end[2];
};

/* ==== the handshake ========================================================================= */

/* Runs one full handshake. 1 on success; on failure prints why and returns 0. Always call
 * peer_free(run) afterwards. The run must stay at its address until peer_handshake returns;
 * afterwards it may be copied (no callback refers to it any more). */
int peer_handshake(const struct peer_config *cfg, struct peer_run *run);
void peer_free(struct peer_run *run);

/* One handshake step of one side: 1 done, 0 wants more, -1 failed. */
int peer_step(SSL *s, const char *who);

/* ==== records after the handshake =========================================================== */

/* One side SSL_writes data; returns (malloc'd, caller frees) the raw bytes that write put on
 * the wire for the other side — exactly one record unless cfg.empty_fragments (TLS 1.0 CBC: an
 * empty record first) or len > 16384. They are NOT delivered: pass them to peer_deliver_record
 * (or to the code under test). libssl's receiver expects its records in order (TLS: implicit
 * sequence numbers), so deliver every captured record, in order, or none after a skipped one
 * (DTLS tolerates gaps). */
int peer_capture_record(struct peer_run *run, int from_client, const unsigned char *data, size_t len,
                        unsigned char **rec, size_t *rec_len);

/* Feeds raw record bytes to one side and SSL_reads the plaintext. 1 on success; 0 if libssl
 * rejects them (a TLS peer then sends a fatal alert and is dead; DTLS drops bad records). */
int peer_deliver_record(struct peer_run *run, int to_client, const unsigned char *rec, size_t rec_len,
                        unsigned char *out, size_t out_cap, size_t *out_len);

/* Queues bytes for one side of a pipe, as a write of the other side would (1, or 0: no memory). */
int peer_queue_push(struct peer_queue *q, const unsigned char *p, size_t n);

/* ==== helpers for expected values =========================================================== */

/* The TLS 1.0-1.2 PRF via EVP_KDF "TLS1-PRF": digest "MD5-SHA1", "SHA256" or "SHA384". */
int peer_tls_prf(const char *digest, const unsigned char *secret, size_t secret_len, const char *label,
                 const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len);

/* Hash(msgs[from .. to)) with the run's PRF digest ("MD5-SHA1" gives MD5 || SHA1, 36 bytes). */
int peer_transcript_hash(const struct peer_run *run, size_t from, size_t to, unsigned char *out,
                         size_t *out_len);

/* message_seq of a DTLS handshake message (its header's bytes 4-5). */
unsigned peer_dtls_seq(const unsigned char *p);

/* The cookie the server demands with cfg.dtls_cookie. */
#define PEER_COOKIE "sslprov-cookie"
extern const unsigned char peer_cookie[sizeof(PEER_COOKIE)];

/* ==== credentials (server and client) ======================================================= */

/* Credential slots: 0-2 the server's (cfg.cert_type), 3-5 the client's (2 + client_cert_type);
 * slot % 3 is the key type: 0 RSA-2048, 1 ECDSA P-256, 2 ECDSA P-384. Made on first use and
 * kept for the process. */
#define PEER_NSLOTS 6
#define PEER_SLOT_CLIENT(client_cert_type) (2 + (client_cert_type))

/* The cached server key and certificate of one type (0 RSA-2048, 1 ECDSA P-256, 2 P-384). */
int peer_credentials(int type, EVP_PKEY **key, X509 **cert);

/* The cached client key and certificate (client_cert_type 1 RSA-2048, 2 P-256, 3 P-384). */
int peer_client_credentials(int client_cert_type, EVP_PKEY **key, X509 **cert);

/* Puts a key (a new reference is taken) and a self-signed certificate for it into an empty
 * credentials slot. 1 on success; 0 if the slot is out of range, taken, or the key does not fit. */
int peer_preset_key(int slot, EVP_PKEY *key);

/* Frees the process-wide caches (keys, certificates, BIO method). Call once at the end. */
void peer_global_cleanup(void);

/* ==== for libssl13_peer.c =================================================================== */

void peer_queue_clear(struct peer_queue *q);

/* Take everything queued, concatenated, into a malloc'd buffer. */
int peer_queue_take_all(struct peer_queue *q, unsigned char **out, size_t *out_len);

/* The BIO of the transport (BIO_set_data: a struct peer_end). */
BIO_METHOD *peer_bio_method(void);

/* Prints what failed (and libssl's error queue); returns 0. */
int peer_fail(const char *what);

/* Client authentication: the client's certificate is self-signed; accept it (and only the
 * "self-signed" verdict besides success). */
int peer_verify_accept_cb(int preverify_ok, X509_STORE_CTX *x509_ctx);

#endif
