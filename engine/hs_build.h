/* Builders of what a TLS client sends (issue 13), over tls_writer.h. */
#ifndef SSLPROV_ENGINE_HS_BUILD_H
#define SSLPROV_ENGINE_HS_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct key_share_entry {
    uint16_t group;
    const uint8_t *key; /* the client's public share, as SslExportKey(SSL_ECCPUBLIC_BLOB) or a
                           DH blob's y gives it, in the wire form of RFC 8446 §4.2.8.2 */
    size_t key_len;
};

/* What a ClientHello offers (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2). */
struct client_hello {
    const uint8_t *random;          /* 32 bytes */
    const uint8_t *session_id;      /* 0..32 bytes (TLS 1.3: 32 random bytes, RFC 8446 D.4) */
    size_t session_id_len;
    const uint16_t *suites;
    size_t n_suites;
    uint16_t min_version, max_version; /* 0x0301..0x0304 */
    const uint16_t *groups;         /* supported_groups, in preference order */
    size_t n_groups;
    const struct key_share_entry *shares; /* TLS 1.3 key_share (may be none: the server asks) */
    size_t n_shares;
    const uint16_t *sig_algs;
    size_t n_sig_algs;
    const char *server_name;        /* SNI host name; NULL for none (never an IP literal) */
    const char *const *alpn;
    size_t n_alpn;
    const uint8_t *cookie;          /* echoed from a HelloRetryRequest */
    size_t cookie_len;
    bool session_ticket;            /* TLS <= 1.2: SessionTicket (RFC 5077), with ticket */
    const uint8_t *ticket;          /* a ticket to resume with; NULL: an empty extension */
    size_t ticket_len;
    bool no_ems;                    /* TLS <= 1.2 offer without extended_master_secret */
    uint16_t record_size_limit;     /* RFC 8449; 0: not sent */
    /* TLS 1.3 pre_shared_key (RFC 8446 §4.2.11), always the last extension: one identity and
     * a binder of binder_len zero bytes, which the caller fills in over the truncated
     * message (the binder list is the last 3 + binder_len bytes) */
    const uint8_t *psk_identity;
    size_t psk_identity_len;
    uint32_t obfuscated_ticket_age;
    size_t binder_len;
    bool psk_ke, no_psk_dhe_ke;     /* psk_key_exchange_modes: psk_ke too; psk_dhe_ke not */
};

/* The whole handshake message (type, uint24 length, body) into out; its length, or 0 when it
 * does not fit or a field is out of its bounds (e.g. a 256-byte ALPN name). */
size_t hs_build_client_hello(const struct client_hello *ch, uint8_t *out, size_t cap);

#endif
