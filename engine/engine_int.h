/* The engine's insides, shared by its record layer (conn.c), handshake (client.c) and
 * certificate checks (peer.c). */
#ifndef SSLPROV_ENGINE_INT_H
#define SSLPROV_ENGINE_INT_H

#include <stdarg.h>
#include "engine.h"
#include "hs_parse.h"

#define TLS_MAX_PLAIN 16384
#define TLS_HDR 5
#define TLS_MAX_RECORD (TLS_HDR + TLS_MAX_PLAIN + 2048) /* TLS <= 1.2 protected bound */
/* A handshake message larger than this is refused from its header (a certificate chain of a
 * few certificates fits many times over; RFC 8446 allows 2^24 - 1, no server sends that). */
#define TLS_MAX_HS_MESSAGE (64 * 1024)
#define TLS_MAX_HASH 64

enum {
    ALERT_CLOSE_NOTIFY = 0,
    ALERT_UNEXPECTED_MESSAGE = 10,
    ALERT_BAD_RECORD_MAC = 20,
    ALERT_RECORD_OVERFLOW = 22,
    ALERT_HANDSHAKE_FAILURE = 40,
    ALERT_BAD_CERTIFICATE = 42,
    ALERT_UNSUPPORTED_CERTIFICATE = 43,
    ALERT_CERTIFICATE_EXPIRED = 45,
    ALERT_CERTIFICATE_UNKNOWN = 46,
    ALERT_ILLEGAL_PARAMETER = 47,
    ALERT_UNKNOWN_CA = 48,
    ALERT_DECODE_ERROR = 50,
    ALERT_DECRYPT_ERROR = 51,
    ALERT_PROTOCOL_VERSION = 70,
    ALERT_INSUFFICIENT_SECURITY = 71,
    ALERT_INTERNAL_ERROR = 80,
    ALERT_USER_CANCELED = 90,
    ALERT_NO_RENEGOTIATION = 100,
    ALERT_MISSING_EXTENSION = 109,
    ALERT_UNSUPPORTED_EXTENSION = 110,
    ALERT_UNRECOGNIZED_NAME = 112,
    ALERT_NO_APPLICATION_PROTOCOL = 120,
    ALERT_NONE = 256, /* fail without sending an alert */
};

/* A suite as the provider describes it (SslLookupCipherSuiteInfo), decided once. */
enum kx { KX_ANY, KX_ECDHE, KX_DHE, KX_RSA, KX_PSK };
enum auth { AUTH_ANY, AUTH_RSA, AUTH_ECDSA };
struct suite {
    uint16_t id;
    bool tls13;
    enum kx kx;
    enum auth auth;
    uint32_t hash_len;       /* the PRF / HKDF hash */
    char name[64];
};

/* A session, shared by reference between the connection that made it and the caller. */
struct tls_session {
    unsigned refs;
    uint16_t version;
    uint16_t suite;
    NCRYPT_KEY_HANDLE secret;  /* TLS 1.3: the ticket's PSK; TLS 1.2: the master key */
    bool ems;
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t *ticket;           /* TLS 1.3 identity / RFC 5077 ticket */
    size_t ticket_len;
    uint32_t age_add;          /* TLS 1.3 */
    uint64_t received_ms;      /* when the ticket came, for obfuscated_ticket_age */
    uint32_t lifetime;
    char alpn[256];
};

#define MAX_SUITES 64
#define MAX_GROUPS 16

/* What connections share: the configuration and what the provider said of its suites,
 * decided once (SSL_CTX's, or a credentials handle's, role). */
struct tls_client_ctx {
    struct tls_client_config cfg;
    bool allow_psk;                     /* plain PSK suites (a server with identities, a
                                           client with a PSK) */
    NCRYPT_KEY_HANDLE psk_key;          /* the client's cfg.psk, imported once */
    NCRYPT_KEY_HANDLE client_key;       /* SslOpenPrivateKey of cfg.cert, once */
    enum auth client_auth;
    int client_bits;
    struct suite suites[MAX_SUITES];    /* what we offer, as the provider describes it */
    size_t n_suites;
    uint16_t groups[MAX_GROUPS];
    size_t n_groups;
};

/* A server credential with its key opened once. */
struct server_key {
    PCCERT_CONTEXT cert;
    X509 *x509;
    STACK_OF(X509) *chain;
    NCRYPT_KEY_HANDLE key;
    enum auth auth;
    int bits;                  /* ECDSA: the curve's */
};

#define SERVER_CACHE 64

struct tls_server_ctx {
    struct tls_client_ctx base;         /* suites, groups, provider, trace */
    struct server_key keys[4];
    size_t n_keys;
    const char *const *alpn;
    size_t n_alpn;
    /* TLS 1.3 tickets and TLS 1.2 sessions, found by their 32-byte identity; oldest out */
    struct tls_session *cache[SERVER_CACHE];
    size_t cache_next;
    X509_STORE *client_ca;              /* request and require a client certificate */
    /* PSK identities (RFC 4279, RFC 8446 external) and their keys, imported once (SslImportKey) */
    char *psk_ids[8];
    NCRYPT_KEY_HANDLE psk_keys[8];
    size_t n_psks;
    enum tls_psk_ke psk_ke;
    /* RFC 5077 ticket keys, the engine's own (not the provider's): AES-256-GCM, the current
     * one and the one before it (tickets it sealed still open); rotated every hour, wiped */
    struct ticket_key {
        uint8_t name[16];
        uint8_t key[32];
        uint64_t created_ms;
        bool set;
    } ticket_keys[2];
};

struct tls_conn {
    struct tls_client_config cfg;       /* the context's, with this connection's session */
    const struct tls_client_ctx *ctx;
    struct tls_client_ctx *own_ctx;     /* tls_client_new's private context */
    bool server;                        /* the server side (issue 14) */
    bool ccs_sent;                      /* server: the compatibility ChangeCipherSpec */
    size_t skip_early;                  /* server: bytes of declined 0-RTT records to skip */
    uint16_t client_scheme;             /* client: how our CertificateVerify is signed */
    bool log_on;                        /* TLS 1.2 client auth: keep the handshake messages */
    uint8_t *log;
    size_t log_n, log_cap;
    struct tls_server_ctx *sctx;
    char sni[256];
    unsigned key_index;                 /* server: the credential chosen */
    unsigned key_mask;                  /* server: the credentials for the client's SNI */
    NCRYPT_PROV_HANDLE prov;
    struct tls_io io;
    char err[320];
    bool failed;
    bool closed;             /* close_notify received */
    bool hs_done;

    /* negotiated */
    uint16_t version;
    const struct suite *suite;
    uint16_t group;          /* the group of our key share / ECDHE curve */
    unsigned dh_bits;        /* TLS 1.2 DHE: |p| */
    bool sni_sent;
    bool ku_requested;       /* our KeyUpdate(update_requested) is unanswered */
    bool hrr, resumed, ems;
    char alpn[256];
    unsigned ku_sent, ku_received, tickets;
    uint16_t peer_record_limit; /* record_size_limit the server sent (plaintext bytes), 0 none */

    /* record layer */
    NCRYPT_KEY_HANDLE wkey, rkey;
    NCRYPT_SSL_CIPHER_LENGTHS wlen, rlen;
    uint64_t wseq, rseq;
    bool first_record_sent;
    size_t in_n;
    uint8_t *app;                       /* application data left in rec */
    size_t app_n;
    size_t rec_used, out_used;          /* high-water marks: what tls_free cleanses */
    uint8_t *hs;                        /* handshake bytes not yet consumed; grown on demand
                                           up to TLS_HS_BUFFER */
    size_t hs_cap, hs_off, hs_n;

    /* handshake */
    NCRYPT_HASH_HANDLE th;              /* the transcript, from the ServerHello's suite on */
    uint8_t crandom[32], srandom[32];
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t *ch;                        /* our ClientHello(s) until the transcript exists */
    size_t ch_len;
    NCRYPT_KEY_HANDLE eph;              /* our key share / ECDHE key */
    uint8_t eph_blob[sizeof(BCRYPT_DH_KEY_BLOB) + 3 * 1024]; /* its public blob (DH: p, g) */
    size_t eph_blob_len;
    NCRYPT_KEY_HANDLE peer_share;
    NCRYPT_KEY_HANDLE peer_key;         /* the certificate's public key */
    X509 *peer;
    STACK_OF(X509) *chain;
    bool cert_requested;
    uint8_t cr_context[255];
    size_t cr_context_len;
    bool offered_psk, offered_ticket12;
    /* TLS 1.3: the PSK offered (a ticket's or the external one; not owned), the suite its
     * binder's early secret was extracted for, and whether the server took it (no
     * certificate then; a ticket's is a resumption) */
    NCRYPT_KEY_HANDLE offer_psk;
    uint16_t offer_suite;
    bool offer_external, psk_used;

    /* TLS 1.3 secrets */
    NCRYPT_KEY_HANDLE early, hs_secret, master, c_hs, s_hs, c_ap, s_ap, rms, exporter;
    struct tls_session *sess13;         /* the newest ticket */
    /* TLS 1.2 */
    struct tls_session *sess;           /* its master key; ours or the resumed one */
    bool ticket_expected;               /* the server acknowledged SessionTicket */
    NCRYPT_KEY_HANDLE pending_read, pending_write; /* keys waiting for ChangeCipherSpec */

    /* The record buffers come last: tls_client_connect zeroes only what is above them. */
    uint8_t in[TLS_MAX_RECORD + TLS_HDR]; /* bytes read, not yet a whole record */
    uint8_t rec[TLS_MAX_RECORD];        /* the current record, decrypted in place */
    uint8_t out[TLS_MAX_RECORD];        /* one record being sent */
};

#define TLS_HS_BUFFER (TLS_MAX_HS_MESSAGE + 4 + TLS_MAX_PLAIN)
/* Room for n more handshake bytes in c->hs (compacting it first). */
int hs_reserve(struct tls_conn *c, size_t n);

/* client.c, both sides: the TLS 1.3 schedule after the server's Finished and the client's */
int tls13_app_secrets(struct tls_conn *c);
int tls13_resumption_secret(struct tls_conn *c);

/* conn.c */
const char *tls_hs_name(uint8_t type); /* "ServerHello", ... */
int tls_fail(struct tls_conn *c, int alert, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tls_fail_status(struct tls_conn *c, const char *call, SECURITY_STATUS st);
void tls_trace(struct tls_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The trace line of an Ssl* call and its status; returns st. */
SECURITY_STATUS tls_called(struct tls_conn *c, const char *call, SECURITY_STATUS st);
#define SSLCALL(c, fn, ...) tls_called((c), #fn, fn(__VA_ARGS__))
void tls_free_handle(struct tls_conn *c, NCRYPT_HANDLE *h);

int rec_send(struct tls_conn *c, uint8_t type, const uint8_t *data, size_t n);
int rec_send_alert(struct tls_conn *c, uint8_t level, uint8_t alert);
/* The next record's type and fragment (decrypted; TLS 1.3 inner type); the compatibility
 * ChangeCipherSpec of TLS 1.3 is skipped; alerts end the connection here except
 * close_notify (type REC_ALERT returned with closed set). */
int rec_recv(struct tls_conn *c, uint8_t *type, struct tls_rd *frag);
/* Switch a direction to a new record key (the old one is freed). */
int rec_set_key(struct tls_conn *c, bool write, NCRYPT_KEY_HANDLE key);

/* The next handshake message (header included in *msg), reading records as needed. */
int hs_read(struct tls_conn *c, uint8_t *type, struct tls_rd *body, struct tls_rd *msg);
/* A message with its header into the transcript (or the saved ClientHello bytes). */
int hs_hash(struct tls_conn *c, const uint8_t *msg, size_t n);
/* Frame, hash and send one handshake message. */
int hs_send(struct tls_conn *c, uint8_t type, const uint8_t *body, size_t n);

const struct suite *tls_suite_find(struct tls_conn *c, uint16_t id);

/* peer.c */
bool tls_is_ip(const char *name);
int peer_certificate(struct tls_conn *c, struct tls_rd body, bool tls13);
/* SslVerifySignature of digest made with scheme by the certificate's key. */
int peer_verify(struct tls_conn *c, const char *step, uint16_t scheme, const uint8_t *digest,
                size_t digest_len, struct tls_rd sig);
/* The hash a signature scheme uses (its CNG name, its length), and whether we offer it in
 * TLS 1.3 / TLS 1.2 for this certificate's key. */
const WCHAR *scheme_hash(uint16_t scheme, uint32_t *len);
bool scheme_allowed(struct tls_conn *c, uint16_t scheme, bool tls13);
bool tls_key_can(enum auth auth, int bits, uint16_t scheme, bool tls13);
int tls_sign(struct tls_conn *c, NCRYPT_KEY_HANDLE key, enum auth auth, uint16_t scheme,
             const uint8_t *digest, size_t dlen, uint8_t *out, size_t cap, size_t *out_len);
/* The TLS 1.2 CertificateVerify hash: a client-auth hash of scheme's hash fed the handshake
 * messages logged so far, through SslComputeClientAuthHash with the master key. */
int tls_cv12_digest(struct tls_conn *c, uint16_t scheme, uint8_t *out, DWORD *out_len);
extern const uint16_t tls_sig_algs[];
extern const size_t tls_n_sig_algs;

/* client.c, shared with server.c */
uint64_t tls_now_ms(void);
int tls_suites_init(struct tls_client_ctx *x);
struct tls_session *tls_session_new(void);
int tls_make_share(struct tls_conn *c, uint16_t version, uint16_t suite, uint16_t group,
                   const uint8_t *dh_params, size_t dh_params_len, unsigned dh_bits,
                   uint8_t *out, size_t cap, size_t *out_len);
int tls_import_share(struct tls_conn *c, uint16_t group, struct tls_rd share, const char *step);
int tls_set_traffic_key(struct tls_conn *c, bool write, NCRYPT_KEY_HANDLE secret);
int tls_digest12(struct tls_conn *c, const WCHAR *hname, const uint8_t *data, size_t n,
                 uint8_t *out, DWORD *out_len);
int tls_expect(struct tls_conn *c, uint8_t want, const char *what, struct tls_rd *body,
               struct tls_rd *msg);
int tls12_session_keys(struct tls_conn *c);
int tls12_send_finished(struct tls_conn *c);
int tls12_receive_finished(struct tls_conn *c);
int tls_check_solicited(struct tls_conn *c, const struct hs_exts *x, const uint16_t *allowed,
                        size_t n, const char *step);

/* server.c */
int tls_server_handshake(struct tls_conn *c);
int tls_send_certificate(struct tls_conn *c, PCCERT_CONTEXT cert, STACK_OF(X509) *chain,
                         bool tls13);

/* NCryptBufferDesc parameter lists */
struct params {
    NCryptBuffer b[4];
    NCryptBufferDesc d;
};

static inline PNCryptBufferDesc params_init(struct params *p)
{
    p->d.ulVersion = NCRYPTBUFFER_VERSION;
    p->d.cBuffers = 0;
    p->d.pBuffers = p->b;
    return &p->d;
}

static inline void params_add(struct params *p, ULONG type, const void *data, ULONG len)
{
    p->b[p->d.cBuffers].BufferType = type;
    p->b[p->d.cBuffers].cbBuffer = len;
    p->b[p->d.cBuffers].pvBuffer = (PVOID)data;
    p->d.cBuffers++;
}



#endif
