#include <string.h>
#include "hs_build.h"
#include "hs_parse.h"
#include "tls_writer.h"

#define HS_CLIENT_HELLO 1
#define PSK_KE 0              /* PskKeyExchangeMode (RFC 8446 §4.2.9) */
#define PSK_DHE_KE 1
#define HOST_NAME 0           /* NameType (RFC 6066 §3) */
#define POINT_UNCOMPRESSED 0  /* ECPointFormat (RFC 8422 §5.1.2) */

static void ext_begin(struct tls_wr *w, uint16_t type)
{
    wr_u16(w, type);
    wr_open(w, 2);
}

static void u16_list(struct tls_wr *w, size_t width, const uint16_t *v, size_t n)
{
    wr_open(w, width);
    for (size_t i = 0; i < n; i++)
        wr_u16(w, v[i]);
    wr_close(w);
}

/* What only a TLS <= 1.2 offer carries: point formats for ECDHE, EMS, the secure-renegotiation
 * signal (an empty renegotiation_info, RFC 5746 §3.4; the engine refuses renegotiation), a
 * ticket request. */
static void tls12_extensions(struct tls_wr *w, const struct client_hello *ch)
{
    ext_begin(w, EXT_EC_POINT_FORMATS);
    wr_u8(w, 1), wr_u8(w, POINT_UNCOMPRESSED);
    wr_close(w);
    if (!ch->no_ems) {
        ext_begin(w, EXT_EXTENDED_MASTER_SECRET);
        wr_close(w);
    }
    ext_begin(w, EXT_RENEGOTIATION_INFO);
    wr_u8(w, 0);
    wr_close(w);
    if (ch->session_ticket) {
        ext_begin(w, EXT_SESSION_TICKET);
        if (ch->ticket != NULL)
            wr_bytes(w, ch->ticket, ch->ticket_len);
        wr_close(w);
    }
}

static void tls13_extensions(struct tls_wr *w, const struct client_hello *ch)
{
    ext_begin(w, EXT_SUPPORTED_VERSIONS);
    wr_open(w, 1);
    for (uint16_t v = ch->max_version; v >= ch->min_version && v >= 0x0301; v--)
        wr_u16(w, v);
    wr_close(w);
    wr_close(w);
    ext_begin(w, EXT_PSK_KEY_EXCHANGE_MODES);
    wr_open(w, 1);
    if (ch->psk_ke)
        wr_u8(w, PSK_KE);
    if (!ch->no_psk_dhe_ke)
        wr_u8(w, PSK_DHE_KE);
    wr_close(w);
    wr_close(w);
    ext_begin(w, EXT_KEY_SHARE);
    wr_open(w, 2);
    for (size_t i = 0; i < ch->n_shares; i++) {
        wr_u16(w, ch->shares[i].group);
        wr_open(w, 2);
        wr_bytes(w, ch->shares[i].key, ch->shares[i].key_len);
        wr_close(w);
    }
    wr_close(w);
    wr_close(w);
    if (ch->cookie != NULL) {
        ext_begin(w, EXT_COOKIE);
        wr_open(w, 2);
        wr_bytes(w, ch->cookie, ch->cookie_len);
        wr_close(w);
        wr_close(w);
    }
}

static void extensions(struct tls_wr *w, const struct client_hello *ch)
{
    if (ch->server_name != NULL) {
        ext_begin(w, EXT_SERVER_NAME);
        wr_open(w, 2);
        wr_u8(w, HOST_NAME);
        wr_open(w, 2);
        wr_bytes(w, ch->server_name, strlen(ch->server_name));
        wr_close(w);
        wr_close(w);
        wr_close(w);
    }
    ext_begin(w, EXT_SUPPORTED_GROUPS);
    u16_list(w, 2, ch->groups, ch->n_groups);
    wr_close(w);
    ext_begin(w, EXT_SIGNATURE_ALGORITHMS);
    u16_list(w, 2, ch->sig_algs, ch->n_sig_algs);
    wr_close(w);
    if (ch->n_alpn != 0) {
        ext_begin(w, EXT_ALPN);
        wr_open(w, 2);
        for (size_t i = 0; i < ch->n_alpn; i++) {
            wr_open(w, 1);
            wr_bytes(w, ch->alpn[i], strlen(ch->alpn[i]));
            wr_close(w);
        }
        wr_close(w);
        wr_close(w);
    }
    if (ch->record_size_limit != 0) {
        ext_begin(w, EXT_RECORD_SIZE_LIMIT);
        wr_u16(w, ch->record_size_limit);
        wr_close(w);
    }
    if (ch->min_version <= 0x0303)
        tls12_extensions(w, ch);
    if (ch->max_version >= 0x0304)
        tls13_extensions(w, ch);
    if (ch->psk_identity != NULL && ch->max_version >= 0x0304) {
        static const uint8_t zeros[64];

        ext_begin(w, EXT_PRE_SHARED_KEY);
        wr_open(w, 2);                  /* identities */
        wr_open(w, 2);
        wr_bytes(w, ch->psk_identity, ch->psk_identity_len);
        wr_close(w);
        wr_uint(w, 4, ch->obfuscated_ticket_age);
        wr_close(w);
        wr_open(w, 2);                  /* binders */
        wr_open(w, 1);
        if (ch->binder_len > sizeof(zeros))
            w->err = true;
        else
            wr_bytes(w, zeros, ch->binder_len);
        wr_close(w);
        wr_close(w);
        wr_close(w);
    }
}

size_t hs_build_client_hello(const struct client_hello *ch, uint8_t *out, size_t cap)
{
    struct tls_wr w;

    if (ch->session_id_len > 32 || ch->min_version > ch->max_version)
        return 0;
    wr_init(&w, out, cap);
    wr_u8(&w, HS_CLIENT_HELLO);
    wr_open(&w, 3);
    /* legacy_version: TLS 1.2 at most; the real offer is in supported_versions (RFC 8446 §4.1.2) */
    wr_u16(&w, ch->max_version > 0x0303 ? 0x0303 : ch->max_version);
    wr_bytes(&w, ch->random, 32);
    wr_open(&w, 1);
    wr_bytes(&w, ch->session_id, ch->session_id_len);
    wr_close(&w);
    u16_list(&w, 2, ch->suites, ch->n_suites);
    wr_u8(&w, 1), wr_u8(&w, 0); /* legacy_compression_methods: null only */
    wr_open(&w, 2);
    extensions(&w, ch);
    wr_close(&w);
    wr_close(&w);
    return wr_finish(&w);
}
