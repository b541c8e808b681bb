/* Parsers for the handshake messages a TLS server sends (RFC 8446 §4, RFC 5246 §7.4), the
 * first layer of the reference engine (issue 13). Each takes one message body as framed by
 * hs_next and either fills its structure — slices that point into the body, nothing copied —
 * or returns the alert the engine must send (RFC 8446 §6.2): HS_DECODE_ERROR for anything
 * malformed (a length that does not add up, a vector out of its bounds, bytes left over),
 * HS_ILLEGAL_PARAMETER for a well-formed value the protocol forbids. What a message may contain
 * given what we offered (unsolicited extensions, a group we did not offer, the negotiated
 * version) is the state machine's to check; the parsers only decode. */
#ifndef SSLPROV_ENGINE_HS_PARSE_H
#define SSLPROV_ENGINE_HS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tls_reader.h"

/* Alerts (RFC 8446 §6); 0 = parsed. */
enum {
    HS_OK = 0,
    HS_UNEXPECTED_MESSAGE = 10,
    HS_HANDSHAKE_FAILURE = 40,
    HS_ILLEGAL_PARAMETER = 47,
    HS_RECORD_OVERFLOW = 22,
    HS_DECODE_ERROR = 50,
    HS_PROTOCOL_VERSION = 70,
    HS_UNSUPPORTED_EXTENSION = 110,
};

/* Handshake types (RFC 8446 §4, RFC 5246 §7.4). */
enum {
    HS_HELLO_REQUEST = 0,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13,
    HS_SERVER_HELLO_DONE = 14,
    HS_CERTIFICATE_VERIFY = 15,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24,
};

/* Extension types the client understands (RFC 8446 §4.2 and the RFCs it cites). */
enum {
    EXT_SERVER_NAME = 0,
    EXT_MAX_FRAGMENT_LENGTH = 1,
    EXT_STATUS_REQUEST = 5,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_EC_POINT_FORMATS = 11,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_ALPN = 16,
    EXT_EXTENDED_MASTER_SECRET = 23,
    EXT_RECORD_SIZE_LIMIT = 28,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_COOKIE = 44,
    EXT_PSK_KEY_EXCHANGE_MODES = 45,
    EXT_CERTIFICATE_AUTHORITIES = 47,
    EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    EXT_KEY_SHARE = 51,
    EXT_RENEGOTIATION_INFO = 0xFF01,
};

/* Record content types (RFC 8446 §5.1). */
enum {
    REC_CHANGE_CIPHER_SPEC = 20,
    REC_ALERT = 21,
    REC_HANDSHAKE = 22,
    REC_APPLICATION_DATA = 23,
};

/* One record out of the bytes read from the peer (RFC 8446 §5.1, RFC 5246 §6.2): its type,
 * version and fragment. HS_OK with *whole false when buf does not yet hold a whole record
 * (buf unchanged); HS_RECORD_OVERFLOW for a fragment longer than max_fragment (2^14 + 256 for
 * protected TLS 1.3 records, 2^14 + 2048 for TLS <= 1.2 ones, 2^14 plaintext) — known from the
 * header alone, before the fragment arrives; HS_DECODE_ERROR for an unknown content type or an
 * empty handshake or alert fragment. */
uint8_t tls_record_next(struct tls_rd *buf, size_t max_fragment, bool *whole, uint8_t *type,
                        uint16_t *version, struct tls_rd *fragment);

/* An alert record's fragment: level and description (RFC 8446 §6). */
uint8_t hs_parse_alert(struct tls_rd fragment, uint8_t *level, uint8_t *description);

/* One message out of a handshake byte stream: type, uint24 length, body (RFC 8446 §4).
 * false when buf does not yet hold a whole message (buf unchanged); the caller bounds how
 * much it buffers. */
bool hs_next(struct tls_rd *buf, uint8_t *type, struct tls_rd *body);

/* An extension block, each type at most once (RFC 8446 §4.2: a duplicate is
 * HS_ILLEGAL_PARAMETER). More than HS_MAX_EXTS extensions is HS_DECODE_ERROR: no server sends
 * that many. */
#define HS_MAX_EXTS 32
struct hs_ext {
    uint16_t type;
    struct tls_rd body;
};
struct hs_exts {
    size_t n;
    struct hs_ext e[HS_MAX_EXTS];
};
uint8_t hs_parse_exts(struct tls_rd block, struct hs_exts *out);
/* The body of extension type, or NULL if absent. */
const struct tls_rd *hs_ext_find(const struct hs_exts *x, uint16_t type);

/* ServerHello, or HelloRetryRequest when its random is RFC 8446 §4.1.3's value. The
 * extensions the client acts on are decoded: supported_versions (version), key_share (a group
 * and share; in an HRR the group alone), pre_shared_key, cookie (HRR). */
struct server_hello {
    uint16_t legacy_version;
    const uint8_t *random; /* 32 bytes */
    struct tls_rd session_id;
    uint16_t cipher_suite;
    bool hrr;
    /* RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.2 (or 1.1 and below) server's random when
     * it could have done TLS 1.3 (or 1.2): 12, 11; 0 if neither */
    int downgrade;
    uint16_t version;      /* supported_versions when present, else legacy_version */
    bool has_supported_versions;
    bool has_key_share;
    uint16_t group;
    struct tls_rd key_exchange; /* empty in an HRR */
    bool has_psk;
    uint16_t psk_identity;
    bool has_cookie;
    struct tls_rd cookie;
    struct hs_exts exts;
};
uint8_t hs_parse_server_hello(struct tls_rd body, struct server_hello *out);

/* The single protocol of a server's ALPN extension (RFC 7301 §3.1). */
uint8_t hs_parse_alpn(struct tls_rd ext, struct tls_rd *protocol);

/* EncryptedExtensions (RFC 8446 §4.3.1). */
uint8_t hs_parse_encrypted_extensions(struct tls_rd body, struct hs_exts *out);

/* Certificate (RFC 8446 §4.4.2 with tls13; RFC 5246 §7.4.2 without). Every entry is checked
 * here, so hs_cert_next cannot fail afterwards. */
struct hs_certs {
    bool tls13;
    struct tls_rd context; /* TLS 1.3: certificate_request_context */
    struct tls_rd list;    /* what hs_cert_next walks */
    size_t count;
};
uint8_t hs_parse_certificate(struct tls_rd body, bool tls13, struct hs_certs *out);
/* The next certificate's DER (and, TLS 1.3, its entry's extensions); false at the end. */
bool hs_cert_next(struct hs_certs *c, struct tls_rd *der, struct tls_rd *exts);

/* CertificateVerify (RFC 8446 §4.4.3), and a TLS 1.2 digitally-signed struct. */
struct hs_signature {
    uint16_t scheme; /* SignatureScheme; 0 before TLS 1.2 (no algorithm field) */
    struct tls_rd signature;
};
uint8_t hs_parse_certificate_verify(struct tls_rd body, struct hs_signature *out);

/* TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1). */
struct hs_ticket13 {
    uint32_t lifetime;
    uint32_t age_add;
    struct tls_rd nonce;
    struct tls_rd ticket;
    struct hs_exts exts;
};
uint8_t hs_parse_new_session_ticket13(struct tls_rd body, struct hs_ticket13 *out);

/* TLS 1.2 NewSessionTicket (RFC 5077 §3.3). */
struct hs_ticket12 {
    uint32_t lifetime_hint;
    struct tls_rd ticket;
};
uint8_t hs_parse_new_session_ticket12(struct tls_rd body, struct hs_ticket12 *out);

/* TLS <= 1.2 ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3): the parameters (what the
 * signature covers after the randoms) and the signature; sig_alg says whether the
 * signature carries its algorithm (TLS 1.2). */
struct hs_ske {
    bool ecdhe;
    uint16_t group;        /* ECDHE: named_curve */
    struct tls_rd point;   /* ECDHE: the server's share */
    struct tls_rd p, g, ys; /* DHE */
    struct tls_rd params;  /* the signed parameters, as sent */
    struct hs_signature sig;
};
uint8_t hs_parse_server_key_exchange(struct tls_rd body, bool ecdhe, bool sig_alg, struct hs_ske *out);

/* CertificateRequest: TLS 1.3 (RFC 8446 §4.3.2: context and extensions) or TLS <= 1.2 (RFC
 * 5246 §7.4.4; sig_algs from TLS 1.2 on). */
struct hs_cert_request {
    struct tls_rd context;       /* TLS 1.3 */
    struct hs_exts exts;         /* TLS 1.3 */
    struct tls_rd cert_types;    /* TLS <= 1.2 */
    struct tls_rd sig_algs;      /* TLS 1.2 (TLS 1.3: in the extensions) */
    struct tls_rd authorities;   /* TLS <= 1.2 */
};
uint8_t hs_parse_certificate_request(struct tls_rd body, bool tls13, bool sig_algs,
                                     struct hs_cert_request *out);

/* ServerHelloDone and other empty bodies. */
uint8_t hs_parse_empty(struct tls_rd body);

/* ---- what a client sends (the server side, issue 14) ---- */

/* ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): the fields, the extension block, and the
 * extensions a server acts on, each decoded and bounds-checked here (lists as readers to
 * walk with rd_u16 and friends). pre_shared_key must be the last extension (RFC 8446
 * §4.2.11, illegal_parameter otherwise); binders_offset is where its binders list starts,
 * counted from the start of the body (the truncated ClientHello ends there). */
struct client_hello_msg {
    uint16_t legacy_version;
    const uint8_t *random;           /* 32 bytes */
    struct tls_rd session_id;
    struct tls_rd suites;            /* uint16 list */
    bool null_compression;           /* the list holds null (0) */
    struct hs_exts exts;
    bool has_versions;
    struct tls_rd versions;          /* supported_versions: uint16 list */
    bool has_groups;
    struct tls_rd groups;            /* supported_groups */
    bool has_key_share;
    struct tls_rd key_shares;        /* KeyShareEntry list: group, key_exchange<1..2^16-1> */
    bool has_sig_algs;
    struct tls_rd sig_algs;
    struct tls_rd server_name;       /* the host_name, empty when none */
    bool has_alpn;
    struct tls_rd alpn;              /* ProtocolName list (each 1..255 bytes) */
    bool has_psk_modes;
    struct tls_rd psk_modes;         /* uint8 list */
    bool has_psk;
    struct tls_rd psk_identities;    /* PskIdentity list: identity<1..2^16-1>, uint32 age */
    struct tls_rd psk_binders;       /* PskBinderEntry list: <32..255> each */
    size_t binders_offset;
    bool has_cookie;
    struct tls_rd cookie;
    bool ems;                        /* extended_master_secret (empty) */
    bool has_ticket;                 /* SessionTicket (RFC 5077) */
    struct tls_rd ticket;
    bool has_reneg_info;             /* renegotiation_info; must be empty in a first handshake */
    bool reneg_scsv;                 /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV in the suites */
    bool fallback_scsv;              /* TLS_FALLBACK_SCSV (RFC 7507) */
    bool has_early_data;
    uint16_t record_size_limit;      /* 0 when absent */
};
uint8_t hs_parse_client_hello(struct tls_rd body, struct client_hello_msg *out);

/* ClientKeyExchange bodies (RFC 8422 §5.7, RFC 5246 §7.4.7): ECDHE point<1..255>, DHE
 * dh_Yc<1..2^16-1>, RSA EncryptedPreMasterSecret<0..2^16-1> (TLS 1.0+ form). */
uint8_t hs_parse_client_key_exchange(struct tls_rd body, int kind, struct tls_rd *value);
enum { CKE_ECDHE, CKE_DHE, CKE_RSA };

#endif
