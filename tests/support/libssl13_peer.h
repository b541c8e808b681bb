/* libssl13_peer.h — TLS 1.3 handshakes driven by OpenSSL's own libssl over the in-memory
 * transport of libssl_peer.h (its BIO, queues and server credentials are reused; that header
 * is included unchanged), for differential tests (libssl13_peer.c). No sslprov dependency.
 *
 *   struct p13_ctx_config cc = {.suite = "TLS_AES_128_GCM_SHA256"};
 *   struct p13_ctx ctx;
 *   struct p13_conn_config k = {.client_groups = "X25519", .server_groups = "X25519"};
 *   struct p13_conn c;
 *   if (p13_ctx_new(&cc, &ctx) && p13_connect(&ctx, &k, &c)) { ... c.msgs[], c.keylog[], c.wire[] ... }
 *   p13_conn_free(&c);     // always, also after a failed handshake
 *   p13_ctx_free(&ctx);
 *   peer_global_cleanup(); // once at the end of main() (libssl_peer.h)
 *
 * A context pair (client SSL_CTX, server SSL_CTX) outlives its connections, so a later
 * connection can resume a ticket the server issued earlier (ticket keys live in the server
 * SSL_CTX). Exactly one TLS 1.3 suite is configured (SSL_CTX_set_ciphersuites) and TLS 1.3 is
 * pinned (min = max).
 *
 * External PSK (cfg.psk): the client offers it through SSL_CTX_set_psk_use_session_callback
 * (identity P13_PSK_IDENTITY) when the connection asks for it (conn cfg.offer_ext_psk); the
 * server finds it through SSL_CTX_set_psk_find_session_callback. Both build an SSL_SESSION with
 * the key as master key, the suite and TLS 1.3 (and cfg.max_early_data). psk_ke: libssl 3.0's
 * client always offers psk_dhe_ke (and psk_ke too with SSL_OP_ALLOW_NO_DHE_KEX), and its server
 * takes psk_dhe_ke whenever the client's key share or a HelloRetryRequest can give it a group;
 * so a psk_ke handshake needs SSL_OP_ALLOW_NO_DHE_KEX on both sides and no group in common
 * (e.g. client "X25519", server "P-256"). OpenSSL 3.0 has no SSL_OP_PREFER_NO_DHE_KEX.
 *
 * Tickets: with max_early_data > 0 (and anti-replay on, the default) libssl 3.0's server issues
 * stateful tickets (the ticket is a session id in its cache) and accepts each once. A client
 * session becomes not resumable when its SSL is freed without sending close_notify: shut
 * connections down both ways before resuming their tickets.
 *
 * Transcript: the client's message callback records every handshake message, both
 * directions, in the order the client wrote or read it, with its 4-byte header, exactly as it
 * enters the transcript hash (libssl 3.0 hands the callback the decrypted message for
 * encrypted records: content type SSL3_RT_HANDSHAKE, plus SSL3_RT_HEADER and
 * SSL3_RT_INNER_CONTENT_TYPE calls, which are skipped). Post-handshake messages
 * (NewSessionTicket, KeyUpdate) follow the client Finished in msgs[]. After a
 * HelloRetryRequest msgs[] holds ClientHello1 as sent: the caller replaces it with the
 * synthetic message_hash (RFC 8446 §4.4.1).
 *
 * Wire: every byte each side writes is kept, in order, in wire[1] (client) / wire[0] (server);
 * during p13_connect it is delivered unchanged. What a side writes never reaches the other side
 * by itself (each side has its own pipe: see p13_outbox): after the handshake the caller moves
 * bytes, p13_take() moves what one side has written into its wire log (and returns how much),
 * p13_give() hands bytes (the same or others) to the other side, SSL_read/SSL_write on
 * conn.client / conn.server as usual.
 *
 * Keylog: both SSL_CTXs log through SSL_CTX_set_keylog_callback; keylog[] holds the client's
 * lines, parsed, server_keylog[] the server's; after the handshake keylog_mismatch says whether
 * the two sides logged different sets of lines. Sessions: the client's new-session callback keeps every session it is given
 * (one per NewSessionTicket, in order) in sessions[] (references owned by the conn).
 *
 * Certificates: cfg.cert_type picks the server's (libssl_peer.h's slots: 0 RSA-2048, the
 * default, 1 ECDSA P-256, 2 ECDSA P-384); cfg.client_cert_type != 0 turns on client
 * authentication as in libssl_peer.h (1 RSA-2048, 2 P-256, 3 P-384; the server requires the
 * certificate), the client's Certificate and CertificateVerify then follow the server's
 * Finished in msgs[]. cfg.sigalgs / cfg.client_sigalgs pin the schemes of the server's and the
 * client's CertificateVerify. ctx.server_key/server_cert and client_key/client_cert point into
 * libssl_peer.h's credential cache (not owned). */
#ifndef SSLPROV_TEST_LIBSSL13_PEER_H
#define SSLPROV_TEST_LIBSSL13_PEER_H

#include "libssl_peer.h"

#define P13_MAX_MSGS 64
#define P13_MAX_KEYLOG 16
#define P13_MAX_SESSIONS 8
#define P13_MAX_EARLY 1024
#define P13_PSK_IDENTITY "sslprov13 external PSK"

struct p13_ctx_config {
    const char *suite;            /* exactly one TLS 1.3 suite, e.g. "TLS_AES_128_GCM_SHA256" */
    const unsigned char *psk;     /* external PSK known to both sides (NULL: none) */
    size_t psk_len;
    int allow_no_dhe;             /* SSL_OP_ALLOW_NO_DHE_KEX on both sides (psk_ke allowed) */
    int num_tickets;              /* server's SSL_CTX_set_num_tickets; < 0: libssl's default */
    size_t block_padding;         /* SSL_CTX_set_block_padding on both sides; 0: no padding */
    uint32_t max_early_data;      /* server's max_early_data and the external PSK session's */
    int cert_type;                /* server certificate: 0 RSA-2048 (default), 1 P-256, 2 P-384 */
    int client_cert_type;         /* client authentication: 0 none (default), 1 RSA-2048,
                                     2 ECDSA P-256, 3 ECDSA P-384 */
    const char *sigalgs;          /* SSL_CTX_set1_sigalgs_list on both sides; NULL: default */
    const char *client_sigalgs;   /* SSL_CTX_set1_client_sigalgs_list on both sides (the
                                     CertificateRequest's schemes); NULL: default */
};

struct p13_ctx {
    SSL_CTX *cctx, *sctx;
    struct p13_ctx_config cfg;
    uint16_t suite_id;            /* IANA id of cfg.suite */
    EVP_PKEY *server_key, *client_key; /* libssl_peer.h's cached credentials (not owned); */
    X509 *server_cert, *client_cert;   /* client_key/client_cert NULL without client auth */
};

struct p13_conn_config {
    const char *client_groups;    /* SSL_set1_groups_list per side; NULL: libssl's default */
    const char *server_groups;
    int offer_ext_psk;            /* the client offers the context's external PSK */
    SSL_SESSION *resume;          /* the client resumes this session (a ticket); not owned */
    const unsigned char *early_data; /* sent as 0-RTT data (SSL_write_early_data) if non-NULL */
    size_t early_len;
};

struct p13_keylog {
    char label[40];
    unsigned char client_random[32];
    unsigned char secret[64];
    size_t len;
};

struct p13_conn {
    struct p13_ctx *ctx;
    struct p13_conn_config cfg;
    struct peer_pipe *pipe[2];    /* [0]: the client's BIO end, [1]: the server's (see p13_take) */
    SSL *client, *server;
    struct peer_msg msgs[P13_MAX_MSGS]; /* the client's view, both directions */
    size_t nmsgs;
    struct p13_keylog keylog[P13_MAX_KEYLOG]; /* the client's lines */
    size_t nkeylog;
    struct p13_keylog server_keylog[P13_MAX_KEYLOG]; /* the server's */
    size_t server_nkeylog;
    int keylog_mismatch;          /* the two sides logged different lines */
    unsigned char *wire[2];       /* [1]: every byte the client wrote, [0]: the server */
    size_t wire_len[2], wire_cap[2];
    SSL_SESSION *sessions[P13_MAX_SESSIONS];
    size_t nsessions;
    unsigned char early_received[P13_MAX_EARLY]; /* what the server read as 0-RTT data */
    size_t early_received_len;
    int early_status;             /* SSL_get_early_data_status(client) */
    int resumed;                  /* SSL_session_reused(client) */
    uint16_t cipher_id;
    int group_nid;                /* SSL_get_negotiated_group(client); 0 for psk_ke */
    int overflow;
};

/* 0 (and a message) if libssl refuses the configuration, e.g. a suite it does not offer. */
int p13_ctx_new(const struct p13_ctx_config *cfg, struct p13_ctx *ctx);
void p13_ctx_free(struct p13_ctx *ctx);

/* One TLS 1.3 handshake (with 0-RTT data if cfg.early_data). 1 on success; on failure prints
 * why and returns 0. Always call p13_conn_free. The conn must stay at its address until it is
 * freed (libssl's callbacks refer to it). */
int p13_connect(struct p13_ctx *ctx, const struct p13_conn_config *cfg, struct p13_conn *c);
void p13_conn_free(struct p13_conn *c);

/* Moves everything one side has written (and not yet taken) into its wire log; returns the
 * number of new bytes (they end the log: conn->wire[from_client] + wire_len[..] - n). */
size_t p13_take(struct p13_conn *c, int from_client);

/* Hands bytes to the side that reads what from_client's side writes. */
int p13_give(struct p13_conn *c, int from_client, const unsigned char *p, size_t n);

/* Takes and delivers unchanged what one side wrote. */
int p13_forward(struct p13_conn *c, int from_client);

/* The client's keylog line of a label (NULL if none). */
const struct p13_keylog *p13_keylog_find(const struct p13_conn *c, const char *label);

/* Index in msgs[] of the nth (0-based) message of a type from one side; PEER_NO_INDEX if none. */
size_t p13_find_msg(const struct p13_conn *c, unsigned type, int from_client, unsigned nth);

/* Is this ServerHello a HelloRetryRequest (RFC 8446 §4.1.3 special random)? */
int p13_is_hrr(const struct peer_msg *m);

/* Parses a keylog line, "LABEL <client_random hex> <secret hex>" (1; 0 if malformed). */
int p13_parse_keylog(const char *line, struct p13_keylog *k);

#endif
