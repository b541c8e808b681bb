/* The reference TLS engine's client (issue 13): a TLS 1.3 / 1.2 client whose every secret
 * stays behind the provider's handles. It calls only the public API (sslprovider.h) for key
 * exchange, key schedule, Finished, records and signature checks; libcrypto for X.509 and
 * randomness; never libssl. docs/engine.md maps each message to the calls behind it.
 *
 * Use: open a provider (SslOpenProvider: the caller decides when, e.g. after setting
 * SSLKEYLOGFILE), tls_client_new with a configuration and a transport, tls_handshake, then
 * tls_read / tls_write, tls_close, tls_free. A connection is single-threaded; connections on
 * one provider handle may run in parallel. */
#ifndef SSLPROV_ENGINE_H
#define SSLPROV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "sslprovider.h"

/* The transport: recv returns the bytes read (> 0), 0 at the peer's EOF, -1 on an error or a
 * timeout (the transport bounds every wait); send writes all n bytes or returns -1. */
struct tls_io {
    void *ctx;
    long (*recv)(void *ctx, uint8_t *buf, size_t n);
    long (*send)(void *ctx, const uint8_t *buf, size_t n);
};

/* A TCP connection to host:port with every connect, read and write bounded by timeout_ms.
 * Returns the socket (>= 0) or -1 with a message in err. */
int tls_tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t err_len);
/* A tls_io over a socket; ctx points at a struct tls_sock the caller keeps alive. */
struct tls_sock {
    int fd;
    int timeout_ms;
};
struct tls_io tls_sock_io(struct tls_sock *s);

/* A session to resume (TLS 1.3 ticket + PSK, TLS 1.2 session ID / ticket + master key), its
 * secret behind a handle of the provider it came from; from tls_get_session, freed with
 * tls_session_free before the provider is closed. */
struct tls_session;

/* A PSK identity and its key (client and server). The identity is at most 256 bytes, as
 * OpenSSL's (PSK_MAX_IDENTITY_LEN). */
#define TLS_MAX_PSK_IDENTITY 256
struct tls_psk {
    const char *identity;
    const uint8_t *key;
    size_t key_len;
};

/* The PSK key exchange modes a TLS 1.3 client offers (RFC 8446 §4.2.9): psk_dhe_ke (the
 * default), both, or psk_ke alone (a PSK without (EC)DHE, hence without forward secrecy). The
 * key share is sent either way, so that a server that takes no PSK can still do a full
 * handshake. */
enum tls_psk_modes { TLS_PSK_MODES_DHE, TLS_PSK_MODES_BOTH, TLS_PSK_MODES_KE };

struct tls_client_config {
    NCRYPT_PROV_HANDLE provider;        /* every secret lives behind its handles */
    uint16_t min_version, max_version;  /* 0x0303..0x0304; 0 = TLS 1.2..1.3 */
    const uint16_t *suites;             /* IANA values in preference order; NULL = defaults */
    size_t n_suites;
    const uint16_t *groups;             /* NamedGroup values; NULL = defaults. TLS 1.3: one
                                           key share, for the first */
    size_t n_groups;
    const char *server_name;            /* SNI and the name the certificate must carry; an
                                           IP literal is checked but not sent as SNI */
    const char *const *alpn;
    size_t n_alpn;
    X509_STORE *trust;                  /* trust anchors; NULL with insecure */
    bool insecure;                      /* no certificate verification */
    bool no_ems;                        /* TLS 1.2: no extended_master_secret */
    bool no_ticket;                     /* TLS 1.2: no SessionTicket extension */
    const struct tls_session *resume;   /* a session to resume (same provider), or NULL */
    PCCERT_CONTEXT cert;                /* our certificate for client authentication (its key
                                           associated as for a server credential), or NULL */
    STACK_OF(X509) *chain;              /* its intermediates, or NULL */
    const struct tls_psk *psk;          /* an external PSK, or NULL: TLS 1.2 then offers the
                                           RFC 4279 PSK suites, TLS 1.3 offers it (SHA-256,
                                           RFC 8446 §4.2.11) unless a ticket is resumed */
    enum tls_psk_modes psk_modes;       /* TLS 1.3 psk_key_exchange_modes offered */
    /* one line per handshake message and per provider call (--msg) */
    void (*trace)(void *arg, const char *line);
    void *trace_arg;
};

struct tls_conn;
struct tls_client_ctx;

/* A client context: the configuration (copied; the pointers it holds must outlive the
 * context) with what the provider says of each suite, decided once for all the connections
 * made from it (SSL_CTX's role, or a Schannel credentials handle's). NULL with a message in
 * err when the configuration leaves nothing to offer. */
struct tls_client_ctx *tls_client_ctx_new(const struct tls_client_config *cfg, char *err,
                                          size_t err_len);
void tls_client_ctx_free(struct tls_client_ctx *ctx); /* after its connections */

/* A connection over io from ctx, resuming resume (or NULL). */
struct tls_conn *tls_client_connect(const struct tls_client_ctx *ctx, struct tls_io io,
                                    const struct tls_session *resume, char *err, size_t err_len);

/* Both in one: a connection with a private context (cfg->resume is the session). */
struct tls_conn *tls_client_new(const struct tls_client_config *cfg, struct tls_io io,
                                char *err, size_t err_len);

/* Runs the handshake: 0, or -1 with tls_error() set ("<step>: <reason> (sent alert x)"). */
int tls_handshake(struct tls_conn *c);

/* Application data. tls_write: 0 or -1. tls_read: bytes read; 0 at the peer's close_notify;
 * TLS_AGAIN when the records it read held no application data (a NewSessionTicket, a
 * KeyUpdate, a HelloRequest, handled inside) and nothing more is buffered — call again, after
 * waiting for the transport if you multiplex (OpenSSL's SSL_read without AUTO_RETRY); -1 on
 * an error (tls_error; the peer's EOF without close_notify is one). */
#define TLS_AGAIN (-2)
int tls_write(struct tls_conn *c, const void *buf, size_t n);
long tls_read(struct tls_conn *c, void *buf, size_t n);

/* RFC 5705 / RFC 8446 §7.5 keying material: SslExportKeyingMaterial with the TLS 1.3
 * exporter master secret or the TLS 1.2 master key. context NULL: no context (TLS 1.2 then
 * differs from an empty one). 0 or -1. */
int tls_export_keying_material(struct tls_conn *c, const char *label, const uint8_t *context,
                               size_t context_len, uint8_t *out, size_t out_len);

/* Whether tls_read has something without waiting for the network (data already decrypted
 * or bytes of a record already read). */
bool tls_pending(const struct tls_conn *c);

/* TLS 1.3: send KeyUpdate(update_requested) and switch our write key: 0 or -1. */
int tls_key_update(struct tls_conn *c);

/* Send close_notify: 0 or -1. */
int tls_close(struct tls_conn *c);

/* Frees every handle (secrets wiped by the provider) and the connection. */
void tls_free(struct tls_conn *c);

const char *tls_error(const struct tls_conn *c);

/* What was negotiated (valid after tls_handshake succeeded). */
struct tls_info {
    uint16_t version;          /* 0x0303, 0x0304 */
    uint16_t suite;
    char suite_name[64];
    uint16_t group;            /* 0 for RSA and DHE key exchange */
    unsigned dh_bits;          /* TLS 1.2 DHE: the server's p */
    bool hrr;
    bool resumed;
    bool ems;                  /* TLS 1.2 */
    char alpn[256];            /* "" when none */
    unsigned key_updates_sent, key_updates_received;
    unsigned tickets;          /* NewSessionTickets received */
    X509 *peer;                /* the peer's certificate (the connection owns it); NULL when
                                  resumed or (server) when the client sent none */
    char sni[256];             /* server: the host name the client asked for, "" none */
};
void tls_get_info(const struct tls_conn *c, struct tls_info *info);

/* The session for a later resumption (TLS 1.3: the newest ticket; TLS 1.2: the session), or
 * NULL if there is none. It holds its own copy of the secret's handle. */
struct tls_session *tls_get_session(const struct tls_conn *c);
void tls_session_free(struct tls_session *s);

/* ---- The server (issue 14) ------------------------------------------------------------ */

/* A certificate the server can present: the leaf as a CERT_CONTEXT whose private key was
 * associated with sslprov_ext.h's SslProvAssociateCertificateKey (a file, a PKCS#8 blob or
 * any OSSL_STORE URI) — the key is reached only through SslOpenPrivateKey and SslSignHash —
 * and the intermediates to send after it. */
struct tls_server_cred {
    PCCERT_CONTEXT cert;
    STACK_OF(X509) *chain;     /* or NULL */
};

/* When a TLS 1.3 server resumes (or uses an external PSK) without a key exchange: psk_ke
 * gives up forward secrecy for the connection, so by default only a client that offers nothing
 * else gets it (RFC 8446 §4.2.9); PREFER also picks it over psk_dhe_ke (as OpenSSL 3.3's
 * SSL_OP_PREFER_NO_DHE_KEX), NEVER answers such a client with a full handshake. */
enum tls_psk_ke { TLS_PSK_KE_ALLOW, TLS_PSK_KE_PREFER, TLS_PSK_KE_NEVER };

struct tls_server_config {
    NCRYPT_PROV_HANDLE provider;
    uint16_t min_version, max_version;  /* 0x0303..0x0304; 0 = TLS 1.2..1.3 */
    const uint16_t *suites;             /* preference order; NULL = the provider's */
    size_t n_suites;
    const uint16_t *groups;             /* preference order; NULL = defaults */
    size_t n_groups;
    const char *const *alpn;            /* protocols we speak, preference order */
    size_t n_alpn;
    const struct tls_server_cred *creds; /* one per key type (RSA, ECDSA), chosen per handshake
                                            from the client's signature_algorithms */
    size_t n_creds;
    X509_STORE *verify_client;          /* non-NULL: request, require and check a client
                                           certificate chaining to these anchors */
    const struct tls_psk *psks;         /* PSK identities: TLS 1.2 RFC 4279 plain PSK suites
                                           (offered when there are some) and TLS 1.3 external
                                           PSKs (SHA-256 suites, RFC 8446 §4.2.11) */
    size_t n_psks;
    enum tls_psk_ke psk_ke;             /* TLS 1.3 psk_ke (a PSK without (EC)DHE) */
    void (*trace)(void *arg, const char *line);
    void *trace_arg;
};

struct tls_server_ctx;

/* The context opens each credential's private key once (SslOpenPrivateKey) and keeps the
 * session cache (TLS 1.3 ticket identities and TLS 1.2 session IDs: stateful, the secrets
 * stay behind the provider's handles). NULL with a message in err. */
struct tls_server_ctx *tls_server_ctx_new(const struct tls_server_config *cfg, char *err,
                                          size_t err_len);
void tls_server_ctx_free(struct tls_server_ctx *ctx); /* after its connections */

/* A server connection over io; tls_handshake runs the server's side. */
struct tls_conn *tls_server_accept(struct tls_server_ctx *ctx, struct tls_io io, char *err,
                                   size_t err_len);

/* Names: IANA suite name of a value and back (over the provider's catalogue), and groups. */
const char *tls_group_name(uint16_t group);
uint16_t tls_group_by_name(const char *name);
uint16_t tls_suite_by_name(NCRYPT_PROV_HANDLE prov, const char *name); /* 0 if unknown */
const char *tls_alert_name(uint8_t alert);

#endif
