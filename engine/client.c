/* The engine's TLS client: ClientHello, the TLS 1.3 handshake (RFC 8446 §4, key schedule
 * through SslExtract... and SslExpand...), the TLS 1.2 handshake (RFC 5246 §7.4 with RFC 7627 EMS,
 * RFC 5077 tickets, RFC 5746 renegotiation_info; master key through SslGenerateMasterKey),
 * resumption and post-handshake messages. docs/engine.md maps every message to its calls. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "engine_int.h"
#include "hs_build.h"
#include "tls_writer.h"

#define HS_CLIENT_KEY_EXCHANGE 16
#define HS_MESSAGE_HASH 254
#define TLS12_FINISHED_LEN 12

static const uint16_t default_groups[] = {29, 23, 24, 25, 30, 256, 257};

static uint16_t client_scheme(struct tls_conn *c, struct tls_rd list, bool tls13);
static int send_certificate_verify(struct tls_conn *c, uint16_t scheme, bool tls13);

uint64_t tls_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool is_ffdhe(uint16_t group)
{
    return group >= 256 && group <= 260;
}

static void ascii(char *dst, size_t cap, const WCHAR *src)
{
    size_t i = 0;

    for (; i + 1 < cap && i < NCRYPT_SSL_MAX_NAME_SIZE && src[i] != 0; i++)
        dst[i] = src[i] < 0x80 ? (char)src[i] : '?';
    dst[i] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Suites: what the provider says of each, decided once per connection                        */
/* ------------------------------------------------------------------------------------------ */

static bool suite_describe(NCRYPT_PROV_HANDLE prov, uint16_t id, struct suite *s)
{
    NCRYPT_SSL_CIPHER_SUITE info;
    WCHAR prf[NCRYPT_SSL_MAX_NAME_SIZE];
    char kx[32], au[32], hash[32];
    DWORD proto = id >> 8 == 0x13 ? TLS1_3_PROTOCOL_VERSION : TLS1_2_PROTOCOL_VERSION;

    if (FAILED(SslLookupCipherSuiteInfo(prov, proto, id, 0, &info, 0)) ||
        FAILED(SslGetCipherSuitePRFHashAlgorithm(prov, proto, id, 0, prf, 0)))
        return false;
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->tls13 = proto == TLS1_3_PROTOCOL_VERSION;
    ascii(s->name, sizeof(s->name), info.szCipherSuite);
    ascii(kx, sizeof(kx), info.szExchange);
    ascii(au, sizeof(au), info.szCertificate);
    ascii(hash, sizeof(hash), prf);
    s->hash_len = strcmp(hash, "SHA384") == 0 ? 48 : strcmp(hash, "SHA256") == 0 ? 32 : 0;
    if (s->tls13)
        return s->hash_len != 0;
    s->kx = strcmp(kx, "ECDH") == 0 ? KX_ECDHE : strcmp(kx, "DH") == 0 ? KX_DHE
            : strcmp(kx, "RSA") == 0 ? KX_RSA : strcmp(kx, "PSK") == 0 ? KX_PSK : KX_ANY;
    s->auth = strcmp(au, "RSA") == 0 ? AUTH_RSA : strcmp(au, "ECDSA") == 0 ? AUTH_ECDSA : AUTH_ANY;
    /* what the engine implements: certificate-authenticated (EC)DHE and RSA exchanges, and
     * plain PSK with a cipher (no NULL suites) */
    if (s->kx == KX_PSK)
        return s->hash_len != 0 && strstr(s->name, "_NULL_") == NULL;
    return s->kx != KX_ANY && s->auth != AUTH_ANY && s->hash_len != 0;
}

uint16_t tls_suite_by_name(NCRYPT_PROV_HANDLE prov, const char *name)
{
    static const uint16_t ranges[][2] = {{0x0000, 0x00FF}, {0x1301, 0x1305}, {0xC000, 0xC0FF},
                                         {0xCCA8, 0xCCAE}};
    NCRYPT_SSL_CIPHER_SUITE info;
    char have[64];

    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
        for (uint32_t id = ranges[r][0]; id <= ranges[r][1]; id++) {
            DWORD proto = id >> 8 == 0x13 ? TLS1_3_PROTOCOL_VERSION : TLS1_2_PROTOCOL_VERSION;

            if (FAILED(SslLookupCipherSuiteInfo(prov, proto, id, 0, &info, 0)))
                continue;
            ascii(have, sizeof(have), info.szCipherSuite);
            if (strcasecmp(have, name) == 0)
                return (uint16_t)id;
        }
    return 0;
}

const struct suite *tls_suite_find(struct tls_conn *c, uint16_t id)
{
    for (size_t i = 0; i < c->ctx->n_suites; i++)
        if (c->ctx->suites[i].id == id)
            return &c->ctx->suites[i];
    return NULL;
}

static void suite_add(struct tls_client_ctx *x, uint16_t id)
{
    bool tls13 = id >> 8 == 0x13;
    uint16_t v = tls13 ? 0x0304 : 0x0303;

    for (size_t i = 0; i < x->n_suites; i++)
        if (x->suites[i].id == id)
            return;
    if (x->n_suites == MAX_SUITES || v < x->cfg.min_version || v > x->cfg.max_version)
        return;
    if (suite_describe(x->cfg.provider, id, &x->suites[x->n_suites]) &&
        (x->suites[x->n_suites].kx != KX_PSK || x->allow_psk))
        x->n_suites++;
}

/* The configured suites, or the provider's enabled TLS 1.3 and 1.2 suites in its order. */
int tls_suites_init(struct tls_client_ctx *x)
{
    NCRYPT_SSL_CIPHER_SUITE_EX *cx;
    PVOID state = NULL;

    if (x->cfg.suites != NULL) {
        for (size_t i = 0; i < x->cfg.n_suites; i++)
            suite_add(x, x->cfg.suites[i]);
    } else {
        while (SslEnumCipherSuitesEx(x->cfg.provider, 0, &cx, &state, 0) == SEC_E_OK) {
            if (cx->dwProtocol == TLS1_3_PROTOCOL_VERSION || cx->dwProtocol == TLS1_2_PROTOCOL_VERSION)
                suite_add(x, (uint16_t)cx->dwCipherSuite);
            SslFreeBuffer(cx);
        }
        if (state != NULL)
            SslFreeBuffer(state);
        /* the RFC 4279 / 5487 PSK suites are not enabled by default: a server given
         * identities offers them after the others */
        if (x->allow_psk) {
            static const uint16_t psk_suites[] = {0x00A8, 0x00A9, 0x00AE, 0x00AF};

            for (size_t i = 0; i < sizeof(psk_suites) / sizeof(psk_suites[0]); i++)
                suite_add(x, psk_suites[i]);
        }
    }
    return x->n_suites != 0 ? 0 : -1;
}

static const struct suite *first_tls13_suite(struct tls_conn *c)
{
    for (size_t i = 0; i < c->ctx->n_suites; i++)
        if (c->ctx->suites[i].tls13)
            return &c->ctx->suites[i];
    return NULL;
}

static bool ctx_has_group(const struct tls_client_ctx *x, uint16_t group)
{
    for (size_t i = 0; i < x->n_groups; i++)
        if (x->groups[i] == group)
            return true;
    return false;
}

static bool group_offered(struct tls_conn *c, uint16_t group)
{
    return ctx_has_group(c->ctx, group);
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */
/* ------------------------------------------------------------------------------------------ */

struct tls_session *tls_session_new(void)
{
    struct tls_session *s = calloc(1, sizeof(*s));

    if (s != NULL)
        s->refs = 1;
    return s;
}

void tls_session_free(struct tls_session *s)
{
    if (s == NULL || --s->refs != 0)
        return;
    if (s->secret != 0)
        SslFreeObject(s->secret, 0);
    free(s->ticket);
    free(s);
}

struct tls_session *tls_get_session(const struct tls_conn *c)
{
    struct tls_session *s = c->version == 0x0304 ? c->sess13 : c->sess;

    if (s == NULL || s->secret == 0)
        return NULL;
    s->refs++;
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Parameter lists                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* Key shares                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* A fresh ephemeral key of group and its public value on the wire: SSL_ECCPUBLIC_BLOB's
 * bytes after its 8-byte header (X25519/X448, uncompressed NIST points), or an FFDHE y from
 * the BCRYPT_DH_PUBLIC_BLOB {header, p, g, y} (left-padded to |p|, RFC 8446 §4.2.8.1). */
int tls_make_share(struct tls_conn *c, uint16_t version, uint16_t suite, uint16_t group,
                      const uint8_t *dh_params, size_t dh_params_len, unsigned dh_bits,
                      uint8_t *out, size_t cap, size_t *out_len)
{
    bool dh = is_ffdhe(group) || dh_params != NULL;
    LPCWSTR type = dh ? BCRYPT_DH_PUBLIC_BLOB : SSL_ECCPUBLIC_BLOB;
    DWORD len = 0;
    SECURITY_STATUS st;

    tls_free_handle(c, &c->eph);
    st = SSLCALL(c, SslCreateEphemeralKey, c->prov, &c->eph, version, suite,
                 dh_params != NULL ? 0 : group, dh_bits, (PBYTE)dh_params, (DWORD)dh_params_len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslCreateEphemeralKey", st);
    /* eph_blob holds the largest blob (FFDHE 8192): no size query needed */
    st = SSLCALL(c, SslExportKey, c->prov, c->eph, type, c->eph_blob, sizeof(c->eph_blob), &len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslExportKey", st);
    c->eph_blob_len = len;
    if (!dh) {
        SSL_ECCKEY_BLOB h;

        memcpy(&h, c->eph_blob, sizeof(h));
        if (len < sizeof(h) || h.cbKey != len - sizeof(h) || h.cbKey > cap)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "key share", "a malformed SSL_ECCPUBLIC_BLOB");
        memcpy(out, c->eph_blob + sizeof(h), h.cbKey);
        *out_len = h.cbKey;
    } else {
        BCRYPT_DH_KEY_BLOB h;

        memcpy(&h, c->eph_blob, sizeof(h));
        if (len != sizeof(h) + 3 * (size_t)h.cbKey || h.cbKey > cap)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "key share", "a malformed BCRYPT_DH_PUBLIC_BLOB");
        memcpy(out, c->eph_blob + sizeof(h) + 2 * h.cbKey, h.cbKey);
        *out_len = h.cbKey;
    }
    return 0;
}

/* The server's share of our ephemeral key's group as a public-only key. */
int tls_import_share(struct tls_conn *c, uint16_t group, struct tls_rd share, const char *step)
{
    uint8_t blob[sizeof(BCRYPT_DH_KEY_BLOB) + 3 * 1024];
    size_t len;
    LPCWSTR type;
    SECURITY_STATUS st;

    if (c->eph_blob_len >= sizeof(BCRYPT_DH_KEY_BLOB) &&
        (is_ffdhe(group) || group == 0)) {
        /* p and g from our own blob, then the server's y, which must be exactly |p| bytes */
        BCRYPT_DH_KEY_BLOB h;

        memcpy(&h, c->eph_blob, sizeof(h));
        if (share.n != h.cbKey)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step, "a DH share of %zu bytes, p has %u",
                            share.n, (unsigned)h.cbKey);
        memcpy(blob, c->eph_blob, sizeof(h) + 2 * (size_t)h.cbKey);
        memcpy(blob + sizeof(h) + 2 * (size_t)h.cbKey, share.p, share.n);
        len = sizeof(h) + 3 * (size_t)h.cbKey;
        type = BCRYPT_DH_PUBLIC_BLOB;
    } else {
        SSL_ECCKEY_BLOB h = {.dwCurveType = group, .cbKey = (ULONG)share.n};

        if (share.n > sizeof(blob) - sizeof(h))
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step, "an oversized key share");
        memcpy(blob, &h, sizeof(h));
        memcpy(blob + sizeof(h), share.p, share.n);
        len = sizeof(h) + share.n;
        type = SSL_ECCPUBLIC_BLOB;
    }
    tls_free_handle(c, &c->peer_share);
    st = SSLCALL(c, SslImportKey, c->prov, &c->peer_share, type, blob, (DWORD)len, 0);
    if (FAILED(st))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step,
                        "the server's key share is not a valid %s value (SslImportKey 0x%08X)",
                        group != 0 ? tls_group_name(group) : "DH", (unsigned)st);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* ClientHello                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* TLS 1.3 PSK binder (RFC 8446 §4.2.11.2): HMAC over the transcript up to the binders, with
 * the binder key ("res binder" for a ticket, "ext binder" for an external PSK) from the PSK's
 * early secret. The early secret is kept: it is the one the handshake continues from if the
 * server takes the PSK on the same suite. */
static int fill_binder(struct tls_conn *c, uint8_t *msg, size_t len)
{
    size_t blen = tls_suite_find(c, c->offer_suite)->hash_len;
    NCRYPT_KEY_HANDLE binder_key = 0;
    NCRYPT_HASH_HANDLE h = 0;
    SECURITY_STATUS st;
    int rc = -1;

    tls_free_handle(c, &c->early);
    st = SSLCALL(c, SslExtractEarlyKey, c->prov, c->offer_psk, &c->early, TLS1_3_PROTOCOL_VERSION,
                 c->offer_suite, NULL, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslExtractEarlyKey (PSK)", st);
    st = SSLCALL(c, SslExpandBinderKey, c->prov, c->early, &binder_key, NULL,
                 c->offer_external ? NCRYPT_SSL_EXTERNAL_PSK_FLAG : NCRYPT_SSL_RESUMPTION_PSK_FLAG);
    if (FAILED(st))
        return tls_fail_status(c, "SslExpandBinderKey", st);
    /* after a HelloRetryRequest the binder covers message_hash || HRR || the truncated CH2 */
    if (c->th != 0)
        st = SSLCALL(c, SslDuplicateTranscriptHash, c->prov, c->th, &h, 0);
    else
        st = SSLCALL(c, SslCreateHandshakeHash, c->prov, &h, TLS1_3_PROTOCOL_VERSION,
                     c->offer_suite, 0);
    if (FAILED(st)) {
        tls_fail_status(c, "SslCreateHandshakeHash (binder)", st);
        goto out;
    }
    st = SSLCALL(c, SslHashHandshake, c->prov, h, msg, (DWORD)(len - 3 - blen), 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslComputeFinishedHash, c->prov, binder_key, h, msg + len - blen,
                     (DWORD)blen, 0);
    if (FAILED(st)) {
        tls_fail_status(c, "SslComputeFinishedHash (binder)", st);
        goto out;
    }
    rc = 0;
out:
    tls_free_handle(c, &binder_key);
    tls_free_handle(c, &h);
    return rc;
}

static int send_client_hello(struct tls_conn *c, const uint8_t *cookie, size_t cookie_len)
{
    const struct tls_session *s = c->cfg.resume;
    struct key_share_entry share = {0};
    uint16_t suites[MAX_SUITES];
    uint8_t share_buf[1024];
    size_t share_len = 0, len;
    struct client_hello ch = {0};
    uint8_t *msg;
    bool host = c->cfg.server_name != NULL;
    const struct suite *s13 = first_tls13_suite(c);
    int rc;

    for (size_t i = 0; i < c->ctx->n_suites; i++)
        suites[i] = c->ctx->suites[i].id;
    if (c->cfg.max_version >= 0x0304 && s13 != NULL) {
        if (tls_make_share(c, TLS1_3_PROTOCOL_VERSION, s13->id, c->group, NULL, 0, 0, share_buf,
                       sizeof(share_buf), &share_len) != 0)
            return -1;
        share = (struct key_share_entry){.group = c->group, .key = share_buf, .key_len = share_len};
    }
    host = host && !tls_is_ip(c->cfg.server_name); /* RFC 6066 §3: no IP literals */
    c->sni_sent = host;
    ch = (struct client_hello){
        .random = c->crandom, .session_id = c->session_id, .session_id_len = c->session_id_len,
        .suites = suites, .n_suites = c->ctx->n_suites,
        .min_version = c->cfg.min_version, .max_version = c->cfg.max_version,
        .groups = c->ctx->groups, .n_groups = c->ctx->n_groups,
        .shares = &share, .n_shares = share_len != 0,
        .sig_algs = tls_sig_algs, .n_sig_algs = tls_n_sig_algs,
        .server_name = host ? c->cfg.server_name : NULL,
        .alpn = c->cfg.alpn, .n_alpn = c->cfg.n_alpn,
        .cookie = cookie, .cookie_len = cookie_len,
        .session_ticket = c->cfg.min_version <= 0x0303 && !c->cfg.no_ticket,
        .no_ems = c->cfg.no_ems,
        /* RFC 8449: full-size records are fine; the extension lets the server tell us its
         * limit, which we honour */
        .record_size_limit = c->cfg.max_version >= 0x0304 ? TLS_MAX_PLAIN + 1 : TLS_MAX_PLAIN,
    };
    if (s != NULL && s->version == 0x0303 && s->ticket != NULL && ch.session_ticket) {
        ch.ticket = s->ticket;
        ch.ticket_len = s->ticket_len;
        c->offered_ticket12 = true;
    }
    /* TLS 1.3: the ticket to resume, else the external PSK (on our first SHA-256 suite);
     * after a HelloRetryRequest only if the suite it chose has the PSK's hash (§4.1.4) */
    c->offered_psk = false;
    if (c->cfg.max_version >= 0x0304) {
        if (s != NULL && s->version == 0x0304 && tls_suite_find(c, s->suite) != NULL) {
            ch.psk_identity = s->ticket;
            ch.psk_identity_len = s->ticket_len;
            ch.obfuscated_ticket_age = (uint32_t)(tls_now_ms() - s->received_ms) + s->age_add;
            c->offer_psk = s->secret;
            c->offer_suite = s->suite;
            c->offer_external = false;
        } else if (c->ctx->psk_key != 0) {
            for (size_t i = 0; i < c->ctx->n_suites && c->offer_suite == 0; i++)
                if (c->ctx->suites[i].tls13 && c->ctx->suites[i].hash_len == 32)
                    c->offer_suite = c->ctx->suites[i].id;
            ch.psk_identity = (const uint8_t *)c->cfg.psk->identity;
            ch.psk_identity_len = strlen(c->cfg.psk->identity);
            c->offer_psk = c->ctx->psk_key;
            c->offer_external = true;
        }
        if (c->offer_suite != 0 && ch.psk_identity != NULL &&
            (!c->hrr || tls_suite_find(c, c->offer_suite)->hash_len == c->suite->hash_len)) {
            if (c->hrr)
                c->offer_suite = c->suite->id;
            ch.binder_len = tls_suite_find(c, c->offer_suite)->hash_len;
            ch.psk_ke = c->cfg.psk_modes != TLS_PSK_MODES_DHE;
            ch.no_psk_dhe_ke = c->cfg.psk_modes == TLS_PSK_MODES_KE;
            c->offered_psk = true;
        } else {
            ch.psk_identity = NULL;
        }
    }
    msg = malloc(16384);
    if (msg == NULL)
        return tls_fail(c, ALERT_NONE, "handshake", "out of memory");
    len = hs_build_client_hello(&ch, msg, 16384);
    rc = len == 0 ? tls_fail(c, ALERT_NONE, "handshake", "the ClientHello does not fit") : 0;
    if (rc == 0 && c->offered_psk)
        rc = fill_binder(c, msg, len);
    if (rc == 0) {
        tls_trace(c, ">>> ClientHello (%zu bytes)", len);
        rc = hs_hash(c, msg, len);
        for (size_t off = 0; rc == 0 && off < len; off += TLS_MAX_PLAIN)
            rc = rec_send(c, REC_HANDSHAKE, msg + off, len - off < TLS_MAX_PLAIN ? len - off
                                                                                  : TLS_MAX_PLAIN);
    }
    free(msg);
    return rc;
}

/* The transcript from the negotiated suite on, fed what was kept so far. */
static int transcript_start(struct tls_conn *c)
{
    SECURITY_STATUS st;
    int rc;

    st = SSLCALL(c, SslCreateHandshakeHash, c->prov, &c->th, c->version, c->suite->id, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslCreateHandshakeHash", st);
    rc = hs_hash(c, c->ch, c->ch_len);
    free(c->ch);
    c->ch = NULL;
    c->ch_len = 0;
    return rc;
}

/* Extensions in a server message must be ones we offered (RFC 8446 §4.2, RFC 5246 §7.4.1.4). */
int tls_check_solicited(struct tls_conn *c, const struct hs_exts *x, const uint16_t *allowed,
                           size_t n, const char *step)
{
    for (size_t i = 0; i < x->n; i++) {
        bool ok = false;

        for (size_t j = 0; j < n; j++)
            ok |= x->e[i].type == allowed[j];
        if (!ok)
            return tls_fail(c, ALERT_UNSUPPORTED_EXTENSION, step,
                            "extension %u, which we did not offer", x->e[i].type);
    }
    return 0;
}

static int take_alpn(struct tls_conn *c, const struct hs_exts *x, const char *step)
{
    const struct tls_rd *e = hs_ext_find(x, EXT_ALPN);
    struct tls_rd proto;
    bool ours = false;

    if (e == NULL)
        return 0;
    if (c->cfg.n_alpn == 0)
        return tls_fail(c, ALERT_UNSUPPORTED_EXTENSION, step, "ALPN we did not offer");
    if (hs_parse_alpn(*e, &proto) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, step, "a malformed ALPN extension");
    for (size_t i = 0; i < c->cfg.n_alpn; i++)
        ours |= strlen(c->cfg.alpn[i]) == proto.n && memcmp(c->cfg.alpn[i], proto.p, proto.n) == 0;
    if (!ours)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step, "ALPN chose a protocol we did not offer");
    memcpy(c->alpn, proto.p, proto.n);
    c->alpn[proto.n] = '\0';
    return 0;
}

static int take_record_limit(struct tls_conn *c, const struct hs_exts *x, const char *step)
{
    const struct tls_rd *e = hs_ext_find(x, EXT_RECORD_SIZE_LIMIT);
    struct tls_rd r;
    uint16_t v;

    if (e == NULL)
        return 0;
    r = *e;
    if (!rd_u16(&r, &v) || !rd_empty(&r))
        return tls_fail(c, ALERT_DECODE_ERROR, step, "a malformed record_size_limit");
    if (v < 64)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step, "record_size_limit %u (below 64)", v);
    /* RFC 8449 §4: TLS 1.3 counts the inner content type */
    v = c->version == 0x0304 ? v - 1 : v;
    c->peer_record_limit = v < TLS_MAX_PLAIN ? v : TLS_MAX_PLAIN;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* TLS 1.3                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* RFC 8446 §4.1.4: the transcript restarts as message_hash(ClientHello1); a new key share for
 * the group asked for; the second ClientHello echoes the cookie. */
static int hello_retry(struct tls_conn *c, const struct server_hello *sh, struct tls_rd msg)
{
    uint8_t mh[4 + TLS_MAX_HASH];
    uint8_t cookie[1024];
    size_t cookie_len = 0;
    DWORD hl = 0;
    SECURITY_STATUS st;
    static const uint16_t hrr_exts[] = {EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE, EXT_COOKIE};

    if (tls_check_solicited(c, &sh->exts, hrr_exts, 3, "handshake") != 0)
        return -1;
    if (!sh->has_key_share && !sh->has_cookie)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "a HelloRetryRequest that changes nothing");
    if (sh->has_key_share && (!group_offered(c, sh->group) || sh->group == c->group))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake", "the HelloRetryRequest asks "
                        "for a group we did not offer or already sent");
    if (sh->has_cookie) {
        if (sh->cookie.n > sizeof(cookie) || sh->cookie.n == 0)
            return tls_fail(c, ALERT_DECODE_ERROR, "handshake", "a cookie of %zu bytes", sh->cookie.n);
        memcpy(cookie, sh->cookie.p, sh->cookie.n);
        cookie_len = sh->cookie.n;
    }
    c->hrr = true;
    if (sh->has_key_share)
        c->group = sh->group;
    if (transcript_start(c) != 0)
        return -1;
    mh[0] = HS_MESSAGE_HASH;
    mh[1] = mh[2] = 0;
    st = SSLCALL(c, SslComputeSessionHash, c->prov, c->th, TLS1_3_PROTOCOL_VERSION, mh + 4,
                 TLS_MAX_HASH, &hl, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeSessionHash (ClientHello1)", st);
    mh[3] = (uint8_t)hl;
    tls_free_handle(c, &c->th);
    st = SSLCALL(c, SslCreateHandshakeHash, c->prov, &c->th, TLS1_3_PROTOCOL_VERSION, c->suite->id, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslCreateHandshakeHash (after HelloRetryRequest)", st);
    if (hs_hash(c, mh, 4 + hl) != 0 || hs_hash(c, msg.p, msg.n) != 0)
        return -1;
    return send_client_hello(c, cookie_len != 0 ? cookie : NULL, cookie_len);
}

int tls_set_traffic_key(struct tls_conn *c, bool write, NCRYPT_KEY_HANDLE secret)
{
    NCRYPT_KEY_HANDLE k = 0;
    SECURITY_STATUS st = SSLCALL(c, SslExpandWriteKey, c->prov, secret, &k, NULL, 0);

    return FAILED(st) ? tls_fail_status(c, "SslExpandWriteKey", st) : rec_set_key(c, write, k);
}

/* ServerHello in TLS 1.3 (RFC 8446 §4.1.3): then the early and handshake secrets, the
 * handshake traffic secrets and their record keys. */
static int server_hello13(struct tls_conn *c, const struct server_hello *sh)
{
    static const uint16_t sh_exts[] = {EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE, EXT_PRE_SHARED_KEY};
    SECURITY_STATUS st;

    if (tls_check_solicited(c, &sh->exts, sh_exts, 3, "handshake") != 0)
        return -1;
    /* no key_share: psk_ke, if we offered it and the server takes our PSK; a key_share with
     * our PSK only if we offered psk_dhe_ke (RFC 8446 §4.2.9: a mode the client listed) */
    if (!sh->has_key_share && !(sh->has_psk && c->cfg.psk_modes != TLS_PSK_MODES_DHE))
        return tls_fail(c, ALERT_MISSING_EXTENSION, "handshake",
                        c->cfg.psk_modes == TLS_PSK_MODES_DHE ? "no key_share (psk_ke was not offered)"
                                                              : "no key_share, and our PSK not taken");
    if (sh->has_key_share && sh->has_psk && c->cfg.psk_modes == TLS_PSK_MODES_KE)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "the server took our PSK with psk_dhe_ke, which we did not offer");
    if (sh->has_key_share && sh->group != c->group)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "server chose a group we did not offer a key share for");
    if (sh->has_psk) {
        if (!c->offered_psk || sh->psk_identity != 0)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the server selected a PSK we did not offer");
        if (tls_suite_find(c, c->offer_suite)->hash_len != c->suite->hash_len)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the server took the PSK with a suite of another hash");
        c->psk_used = true;
        c->resumed = !c->offer_external;
        /* the same hash, maybe another suite (RFC 8446 §4.2.11): the early secret, which every
         * later secret inherits its suite from, is the chosen suite's */
        if (c->suite->id != c->offer_suite) {
            tls_free_handle(c, &c->early);
            st = SSLCALL(c, SslExtractEarlyKey, c->prov, c->offer_psk, &c->early,
                         TLS1_3_PROTOCOL_VERSION, c->suite->id, NULL, 0);
            if (FAILED(st))
                return tls_fail_status(c, "SslExtractEarlyKey (PSK)", st);
        }
    } else {
        tls_free_handle(c, &c->early);
        st = SSLCALL(c, SslExtractEarlyKey, c->prov, 0, &c->early, TLS1_3_PROTOCOL_VERSION,
                     c->suite->id, NULL, 0);
        if (FAILED(st))
            return tls_fail_status(c, "SslExtractEarlyKey", st);
    }
    if (!sh->has_key_share) {
        /* psk_ke: both exchange handles 0 */
        c->group = 0;
        tls_free_handle(c, &c->eph);
    } else if (tls_import_share(c, c->group, sh->key_exchange, "handshake") != 0) {
        return -1;
    }
    st = SSLCALL(c, SslExtractHandshakeKey, c->prov, c->eph, c->peer_share, c->early,
                 &c->hs_secret, NULL, 0);
    if (FAILED(st))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "no shared secret with the server's share (SslExtractHandshakeKey 0x%08X)",
                        (unsigned)st);
    /* as Schannel: the early secret, our key share and the server's go once used */
    tls_free_handle(c, &c->early);
    tls_free_handle(c, &c->eph);
    tls_free_handle(c, &c->peer_share);
    st = SSLCALL(c, SslExpandTrafficKeys, c->prov, c->hs_secret, c->th, &c->c_hs, &c->s_hs, NULL, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslExpandTrafficKeys (handshake)", st);
    return tls_set_traffic_key(c, false, c->s_hs) != 0 ? -1 : 0;
}

static int encrypted_extensions(struct tls_conn *c)
{
    static const uint16_t ee_exts[] = {EXT_SERVER_NAME, EXT_SUPPORTED_GROUPS, EXT_ALPN,
                                       EXT_RECORD_SIZE_LIMIT};
    struct tls_rd body, msg;
    struct hs_exts x;
    uint8_t type, alert;

    if (hs_read(c, &type, &body, &msg) != 0)
        return -1;
    if (type != HS_ENCRYPTED_EXTENSIONS)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                        "a %s where EncryptedExtensions belongs", tls_hs_name(type));
    alert = hs_parse_encrypted_extensions(body, &x);
    if (alert != HS_OK)
        return tls_fail(c, alert, "handshake", "a malformed EncryptedExtensions");
    if (tls_check_solicited(c, &x, ee_exts, 4, "handshake") != 0 ||
        take_alpn(c, &x, "handshake") != 0 || take_record_limit(c, &x, "handshake") != 0)
        return -1;
    if (hs_ext_find(&x, EXT_SERVER_NAME) != NULL && !c->sni_sent)
        return tls_fail(c, ALERT_UNSUPPORTED_EXTENSION, "handshake", "server_name we did not send");
    return hs_hash(c, msg.p, msg.n);
}

/* CertificateVerify (RFC 8446 §4.4.3): the content hash from SslComputeClientAuthHash with
 * the handshake secret (sslprov's extension: H(64 spaces || context || 0 || transcript)),
 * checked with SslVerifySignature on the certificate's key. */
static int certificate_verify13(struct tls_conn *c, struct tls_rd body)
{
    struct hs_signature sig;
    uint8_t digest[TLS_MAX_HASH];
    DWORD dlen = 0;
    uint32_t hlen;
    const WCHAR *hname;
    SECURITY_STATUS st;

    if (hs_parse_certificate_verify(body, &sig) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "server CertificateVerify", "malformed");
    if (!scheme_allowed(c, sig.scheme, true))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "server CertificateVerify",
                        "scheme 0x%04X, which we did not offer for this key", sig.scheme);
    hname = scheme_hash(sig.scheme, &hlen);
    st = SSLCALL(c, SslComputeClientAuthHash, c->prov, c->hs_secret, c->th, hname, digest,
                 sizeof(digest), &dlen, NCRYPT_SSL_SERVER_FLAG);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeClientAuthHash", st);
    return peer_verify(c, "server CertificateVerify", sig.scheme, digest, dlen, sig.signature);
}

/* Finished (RFC 8446 §4.4.4): SslComputeFinishedHash with the server handshake traffic secret
 * over the transcript through CertificateVerify. */
static int server_finished13(struct tls_conn *c, struct tls_rd body)
{
    uint8_t want[TLS_MAX_HASH];
    SECURITY_STATUS st;

    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->s_hs, c->th, want, c->suite->hash_len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (server)", st);
    if (body.n != c->suite->hash_len || CRYPTO_memcmp(want, body.p, body.n) != 0)
        return tls_fail(c, ALERT_DECRYPT_ERROR, "server Finished", "it does not verify");
    return 0;
}

/* Read the next message of the server's flight, which must be of type want. */
int tls_expect(struct tls_conn *c, uint8_t want, const char *what, struct tls_rd *body,
                  struct tls_rd *msg)
{
    uint8_t type;

    if (hs_read(c, &type, body, msg) != 0)
        return -1;
    if (type != want)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake", "a %s where %s belongs",
                        tls_hs_name(type), what);
    return 0;
}

static int handshake13(struct tls_conn *c)
{
    struct tls_rd body, msg;
    uint8_t type, alert, verify[TLS_MAX_HASH];
    struct hs_cert_request cr;
    SECURITY_STATUS st;
    static const uint8_t ccs[1] = {1};

    if (encrypted_extensions(c) != 0)
        return -1;
    if (!c->psk_used) {
        /* [CertificateRequest], Certificate, CertificateVerify (RFC 8446 §2, Figure 1) */
        if (hs_read(c, &type, &body, &msg) != 0)
            return -1;
        if (type == HS_CERTIFICATE_REQUEST) {
            alert = hs_parse_certificate_request(body, true, true, &cr);
            if (alert != HS_OK)
                return tls_fail(c, alert, "server CertificateRequest", "malformed");
            c->cert_requested = true;
            c->cr_context_len = cr.context.n;
            memcpy(c->cr_context, cr.context.p, cr.context.n);
            if (c->cfg.cert != NULL) {
                const struct tls_rd *e = hs_ext_find(&cr.exts, EXT_SIGNATURE_ALGORITHMS);
                struct tls_rd list, x;

                if (e == NULL || (x = *e, !rd_vec(&x, 2, 2, 0xFFFE, &list)))
                    return tls_fail(c, ALERT_MISSING_EXTENSION, "server CertificateRequest",
                                    "no signature_algorithms");
                c->client_scheme = client_scheme(c, list, true);
            }
            if (hs_hash(c, msg.p, msg.n) != 0 || hs_read(c, &type, &body, &msg) != 0)
                return -1;
        }
        if (type != HS_CERTIFICATE)
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                            "a %s where the server's Certificate belongs", tls_hs_name(type));
        if (peer_certificate(c, body, true) != 0 || hs_hash(c, msg.p, msg.n) != 0 ||
            tls_expect(c, HS_CERTIFICATE_VERIFY, "CertificateVerify", &body, &msg) != 0 ||
            certificate_verify13(c, body) != 0 || hs_hash(c, msg.p, msg.n) != 0)
            return -1;
    }
    if (tls_expect(c, HS_FINISHED, "the server's Finished", &body, &msg) != 0)
        return -1;
    if (server_finished13(c, body) != 0 || hs_hash(c, msg.p, msg.n) != 0)
        return -1;

    /* the server's application secret becomes our read key at once */
    if (tls13_app_secrets(c) != 0 || tls_set_traffic_key(c, false, c->s_ap) != 0)
        return -1;

    /* our flight: the middlebox-compatibility ChangeCipherSpec (we sent a session id, RFC 8446
     * D.4), an empty Certificate if one was asked for (this client has none), Finished */
    if (rec_send(c, REC_CHANGE_CIPHER_SPEC, ccs, 1) != 0 || tls_set_traffic_key(c, true, c->c_hs) != 0)
        return -1;
    if (c->cert_requested) {
        /* ours when the server asked for a scheme our key can make; else an empty list, and
         * the server decides (RFC 8446 §4.4.2.4) */
        bool ours = c->cfg.cert != NULL && c->client_scheme != 0;

        if (tls_send_certificate(c, ours ? c->cfg.cert : NULL, c->cfg.chain, true) != 0 ||
            (ours && send_certificate_verify(c, c->client_scheme, true) != 0))
            return -1;
    }
    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->c_hs, c->th, verify, c->suite->hash_len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (client)", st);
    if (hs_send(c, HS_FINISHED, verify, c->suite->hash_len) != 0 ||
        tls_set_traffic_key(c, true, c->c_ap) != 0)
        return -1;
    return tls13_resumption_secret(c);
}

/* The master secret, and from it over the transcript through the server's Finished the
 * application traffic secrets and the exporter master secret (RFC 8446 §7.1); both sides. */
int tls13_app_secrets(struct tls_conn *c)
{
    SECURITY_STATUS st = SSLCALL(c, SslExtractMasterKey, c->prov, c->hs_secret, &c->master, NULL, 0);

    if (SUCCEEDED(st))
        st = SSLCALL(c, SslExpandTrafficKeys, c->prov, c->master, c->th, &c->c_ap, &c->s_ap, NULL, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslExpandExporterMasterKey, c->prov, c->master, c->th, &c->exporter, NULL, 0);
    return FAILED(st) ? tls_fail_status(c, "the application secrets", st) : 0;
}

/* The resumption master secret over the transcript through the client's Finished (tickets
 * derive their PSKs from it); the handshake secrets go, as Schannel drops them. Both sides. */
int tls13_resumption_secret(struct tls_conn *c)
{
    SECURITY_STATUS st = SSLCALL(c, SslExpandResumptionMasterKey, c->prov, c->master, c->th,
                                 &c->rms, NULL, 0);

    if (FAILED(st))
        return tls_fail_status(c, "SslExpandResumptionMasterKey", st);
    tls_free_handle(c, &c->hs_secret);
    tls_free_handle(c, &c->c_hs);
    tls_free_handle(c, &c->s_hs);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* TLS 1.2                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A digest of public bytes (the ServerKeyExchange's randoms and parameters) through the
 * provider: a client-auth hash object of the scheme's hash fed the bytes, read with
 * SslComputeSessionHash. */
int tls_digest12(struct tls_conn *c, const WCHAR *hname, const uint8_t *data, size_t n,
                    uint8_t *out, DWORD *out_len)
{
    NCRYPT_HASH_HANDLE h = 0;
    SECURITY_STATUS st;

    st = SSLCALL(c, SslCreateClientAuthHash, c->prov, &h, TLS1_2_PROTOCOL_VERSION, c->suite->id,
                 hname, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslHashHandshake, c->prov, h, (PBYTE)data, (DWORD)n, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslComputeSessionHash, c->prov, h, TLS1_2_PROTOCOL_VERSION, out,
                     TLS_MAX_HASH, out_len, 0);
    tls_free_handle(c, &h);
    return FAILED(st) ? tls_fail_status(c, "digest of the ServerKeyExchange", st) : 0;
}

/* ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3): the signature over client_random ||
 * server_random || params, then our key on the server's group or DH parameters. The
 * ClientKeyExchange body goes to cke. */
static int server_key_exchange(struct tls_conn *c, struct tls_rd body, uint8_t *cke,
                               size_t *cke_len)
{
    struct hs_ske ske;
    uint8_t *signed_data, digest[TLS_MAX_HASH], share[1024];
    size_t share_len = 0;
    DWORD dlen = 0;
    uint32_t hlen;
    uint8_t alert;
    int rc;

    alert = hs_parse_server_key_exchange(body, c->suite->kx == KX_ECDHE, true, &ske);
    if (alert != HS_OK)
        return tls_fail(c, alert, "server key exchange", "malformed");
    if (!scheme_allowed(c, ske.sig.scheme, false))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "server key exchange",
                        "signature scheme 0x%04X, which we did not offer for this key",
                        ske.sig.scheme);
    signed_data = malloc(64 + ske.params.n);
    if (signed_data == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "server key exchange", "out of memory");
    memcpy(signed_data, c->crandom, 32);
    memcpy(signed_data + 32, c->srandom, 32);
    memcpy(signed_data + 64, ske.params.p, ske.params.n);
    rc = tls_digest12(c, scheme_hash(ske.sig.scheme, &hlen), signed_data, 64 + ske.params.n, digest,
                  &dlen);
    free(signed_data);
    if (rc != 0 || peer_verify(c, "server key exchange", ske.sig.scheme, digest, dlen,
                               ske.sig.signature) != 0)
        return -1;

    if (c->suite->kx == KX_ECDHE) {
        if (!group_offered(c, ske.group) || is_ffdhe(ske.group))
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "server key exchange",
                            "server chose a group we did not offer");
        c->group = ske.group;
        if (tls_make_share(c, TLS1_2_PROTOCOL_VERSION, c->suite->id, ske.group, NULL, 0, 0, share,
                       sizeof(share), &share_len) != 0 ||
            tls_import_share(c, ske.group, ske.point, "server key exchange") != 0)
            return -1;
        cke[0] = (uint8_t)share_len;
        memcpy(cke + 1, share, share_len);
        *cke_len = 1 + share_len;
        return 0;
    }
    /* DHE: our key on the server's p and g (BCRYPT_DH_PARAMETER_HEADER + p + g, padded) */
    {
        size_t plen = ske.p.n;
        uint8_t params[sizeof(BCRYPT_DH_PARAMETER_HEADER) + 2 * 1024];
        BCRYPT_DH_PARAMETER_HEADER h;
        unsigned bits;

        if (plen == 0 || ske.p.p[0] == 0 || plen > 1024 || ske.g.n > plen || ske.ys.n > plen ||
            plen < 256)
            return tls_fail(c, plen < 256 ? ALERT_INSUFFICIENT_SECURITY : ALERT_ILLEGAL_PARAMETER,
                            "server key exchange", "DH parameters of %zu bits", 8 * plen);
        bits = (unsigned)(8 * plen);
        for (uint8_t top = ske.p.p[0]; (top & 0x80) == 0; top <<= 1)
            bits--;
        h.cbLength = (ULONG)(sizeof(h) + 2 * plen);
        h.dwMagic = BCRYPT_DH_PARAMETERS_MAGIC;
        h.cbKeyLength = (ULONG)plen;
        memcpy(params, &h, sizeof(h));
        memcpy(params + sizeof(h), ske.p.p, plen);
        memset(params + sizeof(h) + plen, 0, plen - ske.g.n);
        memcpy(params + sizeof(h) + 2 * plen - ske.g.n, ske.g.p, ske.g.n);
        if (tls_make_share(c, TLS1_2_PROTOCOL_VERSION, c->suite->id, 0, params, sizeof(h) + 2 * plen,
                       bits, share, sizeof(share), &share_len) != 0)
            return -1;
        c->dh_bits = bits;
        /* Ys left-padded to |p| for the blob */
        {
            uint8_t ys[1024];

            memset(ys, 0, plen - ske.ys.n);
            memcpy(ys + plen - ske.ys.n, ske.ys.p, ske.ys.n);
            if (tls_import_share(c, 0, rd_of(ys, plen), "server key exchange") != 0)
                return -1;
        }
        cke[0] = (uint8_t)(share_len >> 8);
        cke[1] = (uint8_t)share_len;
        memcpy(cke + 2, share, share_len);
        *cke_len = 2 + share_len;
        return 0;
    }
}

static int master_key12(struct tls_conn *c, NCRYPT_KEY_HANDLE priv, NCRYPT_KEY_HANDLE pub)
{
    struct params p;
    PNCryptBufferDesc d = params_init(&p);
    uint8_t session_hash[TLS_MAX_HASH];
    DWORD hl = 0, highest = c->cfg.max_version > 0x0303 ? 0x0303 : c->cfg.max_version;
    SECURITY_STATUS st;

    if (c->ems) {
        st = SSLCALL(c, SslComputeSessionHash, c->prov, c->th, c->version, session_hash,
                     sizeof(session_hash), &hl, 0);
        if (FAILED(st))
            return tls_fail_status(c, "SslComputeSessionHash", st);
        params_add(&p, NCRYPTBUFFER_SSL_SESSION_HASH, session_hash, hl);
    } else {
        params_add(&p, NCRYPTBUFFER_SSL_CLIENT_RANDOM, c->crandom, 32);
        params_add(&p, NCRYPTBUFFER_SSL_SERVER_RANDOM, c->srandom, 32);
    }
    params_add(&p, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &highest, sizeof(highest));
    st = SSLCALL(c, SslGenerateMasterKey, c->prov, priv, pub, &c->sess->secret, c->version,
                 c->suite->id, d, NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG);
    return FAILED(st) ? tls_fail_status(c, "SslGenerateMasterKey", st) : 0;
}

/* Record keys from the master key and both randoms (the side is the master key's);
 * they take effect at each direction's ChangeCipherSpec. */
int tls12_session_keys(struct tls_conn *c)
{
    struct params p;
    PNCryptBufferDesc d = params_init(&p);
    SECURITY_STATUS st;

    params_add(&p, NCRYPTBUFFER_SSL_CLIENT_RANDOM, c->crandom, 32);
    params_add(&p, NCRYPTBUFFER_SSL_SERVER_RANDOM, c->srandom, 32);
    st = SSLCALL(c, SslGenerateSessionKeys, c->prov, c->sess->secret, &c->pending_read,
                 &c->pending_write, d, 0);
    return FAILED(st) ? tls_fail_status(c, "SslGenerateSessionKeys", st) : 0;
}

/* Our ChangeCipherSpec and Finished: SslComputeFinishedHash with the flag naming the sender. */
int tls12_send_finished(struct tls_conn *c)
{
    static const uint8_t ccs[1] = {1};
    uint8_t verify[TLS12_FINISHED_LEN];
    SECURITY_STATUS st;

    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->sess->secret, c->th, verify,
                 sizeof(verify), c->server ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (ours)", st);
    if (rec_send(c, REC_CHANGE_CIPHER_SPEC, ccs, 1) != 0 || rec_set_key(c, true, c->pending_write) != 0)
        return -1;
    c->pending_write = 0;
    return hs_send(c, HS_FINISHED, verify, sizeof(verify));
}

/* A client's NewSessionTicket (RFC 5077 §3.3), kept in the session for the next connection. */
static int new_session_ticket12(struct tls_conn *c)
{
    struct tls_rd body, msg;
    struct hs_ticket12 t;

    if (tls_expect(c, HS_NEW_SESSION_TICKET, "NewSessionTicket", &body, &msg) != 0)
        return -1;
    if (hs_parse_new_session_ticket12(body, &t) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "handshake", "a malformed NewSessionTicket");
    if (t.ticket.n != 0) {
        uint8_t *copy = malloc(t.ticket.n);

        if (copy == NULL)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
        memcpy(copy, t.ticket.p, t.ticket.n);
        free(c->sess->ticket);
        c->sess->ticket = copy;
        c->sess->ticket_len = t.ticket.n;
        c->tickets++;
    }
    return hs_hash(c, msg.p, msg.n);
}

/* The peer's [NewSessionTicket (a client's, when announced)], ChangeCipherSpec and Finished. */
int tls12_receive_finished(struct tls_conn *c)
{
    const char *peer = c->server ? "client Finished" : "server Finished";
    uint8_t type, want[TLS12_FINISHED_LEN];
    struct tls_rd body, msg, frag;
    SECURITY_STATUS st;

    if (!c->server && c->ticket_expected && new_session_ticket12(c) != 0)
        return -1;
    if (c->hs_n != 0)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake", "ChangeCipherSpec expected");
    if (rec_recv(c, &type, &frag) != 0)
        return -1;
    if (type != REC_CHANGE_CIPHER_SPEC || frag.n != 1 || frag.p[0] != 1)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                        "a record of type %u where ChangeCipherSpec belongs", type);
    tls_trace(c, "<<< ChangeCipherSpec");
    if (rec_set_key(c, false, c->pending_read) != 0)
        return -1;
    c->pending_read = 0;
    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->sess->secret, c->th, want, sizeof(want),
                 c->server ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (peer)", st);
    if (tls_expect(c, HS_FINISHED, "the peer's Finished", &body, &msg) != 0)
        return -1;
    if (body.n != sizeof(want) || CRYPTO_memcmp(want, body.p, body.n) != 0)
        return tls_fail(c, ALERT_DECRYPT_ERROR, peer, "it does not verify");
    return hs_hash(c, msg.p, msg.n);
}

/* The message that must be the (empty) ServerHelloDone, hashed. */
static int server_hello_done(struct tls_conn *c, uint8_t type, struct tls_rd body, struct tls_rd msg)
{
    if (type != HS_SERVER_HELLO_DONE || hs_parse_empty(body) != HS_OK)
        return tls_fail(c, type != HS_SERVER_HELLO_DONE ? ALERT_UNEXPECTED_MESSAGE : ALERT_DECODE_ERROR,
                        "handshake", "a %s where ServerHelloDone belongs", tls_hs_name(type));
    return hs_hash(c, msg.p, msg.n);
}

/* Plain PSK (RFC 4279 §2): no certificates; a ServerKeyExchange carries only an identity
 * hint (read and ignored: we have one PSK); the ClientKeyExchange is our identity and the
 * master key SslGenerateMasterKey's from the PSK handle. */
static int handshake12_psk(struct tls_conn *c)
{
    uint8_t type, cke[2 + TLS_MAX_PSK_IDENTITY];
    size_t id_len = strlen(c->cfg.psk->identity);
    struct tls_rd body, msg, hint;

    if (hs_read(c, &type, &body, &msg) != 0)
        return -1;
    if (type == HS_SERVER_KEY_EXCHANGE) {
        if (!rd_vec(&body, 2, 0, 0xFFFF, &hint) || body.n != 0)
            return tls_fail(c, ALERT_DECODE_ERROR, "server key exchange", "a malformed PSK identity hint");
        if (hs_hash(c, msg.p, msg.n) != 0 || hs_read(c, &type, &body, &msg) != 0)
            return -1;
    }
    if (server_hello_done(c, type, body, msg) != 0)
        return -1;
    if ((c->sess = tls_session_new()) == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    cke[0] = (uint8_t)(id_len >> 8);
    cke[1] = (uint8_t)id_len;
    memcpy(cke + 2, c->cfg.psk->identity, id_len);
    if (hs_send(c, HS_CLIENT_KEY_EXCHANGE, cke, 2 + id_len) != 0 ||
        master_key12(c, c->ctx->psk_key, 0) != 0 || tls12_session_keys(c) != 0 ||
        tls12_send_finished(c) != 0)
        return -1;
    return tls12_receive_finished(c);
}

static int handshake12_full(struct tls_conn *c)
{
    uint8_t type, cke[2 + 1024];
    size_t cke_len = 0;
    struct tls_rd body, msg;
    struct hs_cert_request cr;
    DWORD enc_len = 0;
    SECURITY_STATUS st;
    NCRYPT_KEY_HANDLE premaster = 0;
    int rc;

    if (c->suite->kx == KX_PSK)
        return handshake12_psk(c);
    /* Certificate */
    if (hs_read(c, &type, &body, &msg) != 0)
        return -1;
    if (type != HS_CERTIFICATE)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                        "a %s where the server's Certificate belongs", tls_hs_name(type));
    if (peer_certificate(c, body, false) != 0 || hs_hash(c, msg.p, msg.n) != 0)
        return -1;
    if ((c->suite->auth == AUTH_RSA) != EVP_PKEY_is_a(X509_get0_pubkey(c->peer), "RSA"))
        return tls_fail(c, ALERT_UNSUPPORTED_CERTIFICATE, "server certificate",
                        "its key does not fit %s", c->suite->name);
    if (hs_read(c, &type, &body, &msg) != 0)
        return -1;
    if (c->suite->kx != KX_RSA) {
        if (type != HS_SERVER_KEY_EXCHANGE)
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                            "a %s where ServerKeyExchange belongs", tls_hs_name(type));
        if (server_key_exchange(c, body, cke, &cke_len) != 0 || hs_hash(c, msg.p, msg.n) != 0)
            return -1;
        if (hs_read(c, &type, &body, &msg) != 0)
            return -1;
    }
    if (type == HS_CERTIFICATE_REQUEST) {
        if (hs_parse_certificate_request(body, false, true, &cr) != HS_OK)
            return tls_fail(c, ALERT_DECODE_ERROR, "server CertificateRequest", "malformed");
        c->cert_requested = true;
        if (c->cfg.cert != NULL)
            c->client_scheme = client_scheme(c, cr.sig_algs, false);
        if (hs_hash(c, msg.p, msg.n) != 0 || hs_read(c, &type, &body, &msg) != 0)
            return -1;
    }
    if (server_hello_done(c, type, body, msg) != 0)
        return -1;

    /* our flight: [an empty Certificate], ClientKeyExchange, ChangeCipherSpec, Finished */
    if (c->cert_requested &&
        tls_send_certificate(c, c->client_scheme != 0 ? c->cfg.cert : NULL, c->cfg.chain,
                             false) != 0)
        return -1;
    c->sess = tls_session_new();
    if (c->sess == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    if (c->suite->kx == KX_RSA) {
        /* two steps (Windows 10's way): the pre-master encrypted first, so that the EMS
         * session hash can cover the ClientKeyExchange that carries it */
        struct params p;
        PNCryptBufferDesc d = params_init(&p);
        DWORD highest = c->cfg.max_version > 0x0303 ? 0x0303 : c->cfg.max_version;

        params_add(&p, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &highest, sizeof(highest));
        st = SSLCALL(c, SslGeneratePreMasterKey, c->prov, c->peer_key, &premaster, c->version,
                     c->suite->id, d, NULL, 0, &enc_len, NCRYPT_SSL_CLIENT_FLAG);
        if (FAILED(st) || enc_len > sizeof(cke) - 2)
            return tls_fail_status(c, "SslGeneratePreMasterKey (size)", st);
        st = SSLCALL(c, SslGeneratePreMasterKey, c->prov, c->peer_key, &premaster, c->version,
                     c->suite->id, d, cke + 2, (DWORD)sizeof(cke) - 2, &enc_len,
                     NCRYPT_SSL_CLIENT_FLAG);
        if (FAILED(st))
            return tls_fail_status(c, "SslGeneratePreMasterKey", st);
        cke[0] = (uint8_t)(enc_len >> 8);
        cke[1] = (uint8_t)enc_len;
        cke_len = 2 + enc_len;
    }
    rc = hs_send(c, HS_CLIENT_KEY_EXCHANGE, cke, cke_len);
    if (rc == 0)
        rc = c->suite->kx == KX_RSA ? master_key12(c, premaster, c->peer_key)
                                    : master_key12(c, c->eph, c->peer_share);
    tls_free_handle(c, &premaster);
    tls_free_handle(c, &c->eph);
    tls_free_handle(c, &c->peer_share);
    /* CertificateVerify after the ClientKeyExchange (RFC 5246 §7.3), over all before it */
    if (rc == 0 && c->cert_requested && c->client_scheme != 0)
        rc = send_certificate_verify(c, c->client_scheme, false);
    if (rc != 0 || tls12_session_keys(c) != 0 || tls12_send_finished(c) != 0)
        return -1;
    return tls12_receive_finished(c);
}

static int handshake12(struct tls_conn *c, const struct server_hello *sh)
{
    static const uint16_t sh12_exts[] = {EXT_SERVER_NAME, EXT_EC_POINT_FORMATS, EXT_ALPN,
                                         EXT_EXTENDED_MASTER_SECRET, EXT_SESSION_TICKET,
                                         EXT_RENEGOTIATION_INFO, EXT_RECORD_SIZE_LIMIT};
    const struct tls_rd *ri = hs_ext_find(&sh->exts, EXT_RENEGOTIATION_INFO);
    const struct tls_session *s = c->cfg.resume;
    bool ems = hs_ext_find(&sh->exts, EXT_EXTENDED_MASTER_SECRET) != NULL;
    uint8_t sid[32];
    size_t sid_len;

    if (tls_check_solicited(c, &sh->exts, sh12_exts, 7, "handshake") != 0)
        return -1;
    if ((ems && c->cfg.no_ems) ||
        (hs_ext_find(&sh->exts, EXT_SESSION_TICKET) != NULL && !(c->cfg.min_version <= 0x0303 && !c->cfg.no_ticket)))
        return tls_fail(c, ALERT_UNSUPPORTED_EXTENSION, "handshake", "an extension we did not offer");
    /* RFC 5746 §3.4: we sent an empty renegotiation_info; the answer must be empty too */
    if (ri != NULL && (ri->n != 1 || ri->p[0] != 0))
        return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake", "a non-empty renegotiation_info");
    if (take_alpn(c, &sh->exts, "handshake") != 0 || take_record_limit(c, &sh->exts, "handshake") != 0)
        return -1;
    c->ems = ems;
    c->ticket_expected = hs_ext_find(&sh->exts, EXT_SESSION_TICKET) != NULL;
    memcpy(c->srandom, sh->random, 32);

    /* resumption: the server echoed the session id we sent with the old session (RFC 5246
     * §7.4.1.3) or with its ticket (RFC 5077 §3.4) */
    if (s != NULL && s->version == 0x0303 && c->session_id_len != 0 &&
        sh->session_id.n == c->session_id_len &&
        memcmp(sh->session_id.p, c->session_id, c->session_id_len) == 0) {
        if (sh->cipher_suite != s->suite || ems != s->ems)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the server resumed with another suite or EMS setting");
        c->resumed = true;
        c->sess = (struct tls_session *)s;
        c->sess->refs++;
        if (c->alpn[0] == '\0')
            memcpy(c->alpn, s->alpn, sizeof(c->alpn));
        if (tls12_session_keys(c) != 0 || tls12_receive_finished(c) != 0 || tls12_send_finished(c) != 0)
            return -1;
        return 0;
    }
    /* sh points into the handshake buffer, which the next messages overwrite */
    memcpy(sid, sh->session_id.p, sh->session_id.n);
    sid_len = sh->session_id.n;
    if (handshake12_full(c) != 0)
        return -1;
    c->sess->version = 0x0303;
    c->sess->suite = c->suite->id;
    c->sess->ems = c->ems;
    memcpy(c->sess->session_id, sid, sid_len);
    c->sess->session_id_len = sid_len;
    memcpy(c->sess->alpn, c->alpn, sizeof(c->alpn));
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The handshake                                                                              */
/* ------------------------------------------------------------------------------------------ */

static int server_hello(struct tls_conn *c, struct server_hello *sh, struct tls_rd *msg)
{
    struct tls_rd body;
    uint8_t type, alert;

    if (hs_read(c, &type, &body, msg) != 0)
        return -1;
    if (type != HS_SERVER_HELLO)
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                        "a %s where ServerHello belongs", tls_hs_name(type));
    alert = hs_parse_server_hello(body, sh);
    if (alert != HS_OK)
        return tls_fail(c, alert, "handshake", "a malformed ServerHello");
    /* RFC 8446 §4.2.1: supported_versions naming a version we did not offer or one below
     * TLS 1.3 is illegal_parameter; a legacy_version we cannot do is protocol_version */
    if (sh->has_supported_versions && (sh->version < 0x0304 || sh->version > c->cfg.max_version))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "supported_versions chose 0x%04X, which we did not offer", sh->version);
    if (sh->version < c->cfg.min_version || sh->version > c->cfg.max_version ||
        (!sh->has_supported_versions && sh->legacy_version > 0x0303))
        return tls_fail(c, ALERT_PROTOCOL_VERSION, "handshake",
                        "the server chose version 0x%04X, which we did not offer", sh->version);
    /* RFC 8446 §4.1.3: a downgrade below what both could do */
    if ((sh->downgrade == 12 && c->cfg.max_version >= 0x0304) ||
        (sh->downgrade == 11 && c->cfg.max_version >= 0x0303))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "the server's random carries the downgrade sentinel");
    c->suite = tls_suite_find(c, sh->cipher_suite);
    if (c->suite == NULL || c->suite->tls13 != (sh->version == 0x0304))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "server chose cipher suite 0x%04X, which we did not offer", sh->cipher_suite);
    if (sh->version == 0x0304 && (sh->session_id.n != c->session_id_len ||
                                  memcmp(sh->session_id.p, c->session_id, c->session_id_len) != 0))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake", "the session id is not ours");
    c->version = sh->version;
    return 0;
}

int tls_handshake(struct tls_conn *c)
{
    struct server_hello sh;
    struct tls_rd msg;
    const struct tls_session *s = c->cfg.resume;

    if (c->hs_done || c->failed)
        return c->failed ? -1 : 0;
    if (c->server)
        return tls_server_handshake(c);
    /* a TLS 1.2 CertificateVerify signs all messages with a hash the server picks: keep them */
    c->log_on = c->cfg.cert != NULL;
    if (RAND_bytes(c->crandom, 32) != 1)
        return tls_fail(c, ALERT_NONE, "handshake", "no randomness");
    /* a session id: TLS 1.3's compatibility mode (RFC 8446 D.4); TLS 1.2 resumption by ID
     * sends the old one, by ticket a fresh one whose echo means "resumed" (RFC 5077 §3.4) */
    if (s != NULL && s->version == 0x0303 && s->ticket == NULL && s->session_id_len != 0) {
        memcpy(c->session_id, s->session_id, s->session_id_len);
        c->session_id_len = s->session_id_len;
    } else if (c->cfg.max_version >= 0x0304 || (s != NULL && s->ticket != NULL)) {
        if (RAND_bytes(c->session_id, 32) != 1)
            return tls_fail(c, ALERT_NONE, "handshake", "no randomness");
        c->session_id_len = 32;
    }
    if (send_client_hello(c, NULL, 0) != 0 || server_hello(c, &sh, &msg) != 0)
        return -1;
    if (sh.hrr) {
        if (c->version != 0x0304)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake", "a HelloRetryRequest below TLS 1.3");
        uint16_t hrr_suite = sh.cipher_suite;

        if (hello_retry(c, &sh, msg) != 0 || server_hello(c, &sh, &msg) != 0)
            return -1;
        if (sh.cipher_suite != hrr_suite)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the ServerHello's suite is not the HelloRetryRequest's");
        if (sh.hrr)
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake", "a second HelloRetryRequest");
        if (c->version != 0x0304)
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "TLS 1.2 after a HelloRetryRequest");
    } else if (transcript_start(c) != 0) {
        return -1;
    }
    if (hs_hash(c, msg.p, msg.n) != 0)
        return -1;
    if (c->version == 0x0304) {
        if (server_hello13(c, &sh) != 0 || handshake13(c) != 0)
            return -1;
    } else {
        c->group = 0;
        if (handshake12(c, &sh) != 0)
            return -1;
    }
    c->hs_done = true;
    tls_trace(c, "handshake done: %s %s", c->version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
              c->suite->name);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* After the handshake                                                                        */
/* ------------------------------------------------------------------------------------------ */

static int next_secret(struct tls_conn *c, NCRYPT_KEY_HANDLE *secret, bool write)
{
    NCRYPT_KEY_HANDLE next = 0;
    SECURITY_STATUS st = SSLCALL(c, SslExpandNextGenTrafficKey, c->prov, *secret, &next, NULL, 0);

    if (FAILED(st))
        return tls_fail_status(c, "SslExpandNextGenTrafficKey", st);
    tls_free_handle(c, secret);
    *secret = next;
    return tls_set_traffic_key(c, write, next);
}

static int send_key_update(struct tls_conn *c, bool request)
{
    uint8_t b = request ? 1 : 0;

    /* our own application traffic secret: the client's or the server's */
    if (hs_send(c, HS_KEY_UPDATE, &b, 1) != 0 ||
        next_secret(c, c->server ? &c->s_ap : &c->c_ap, true) != 0)
        return -1;
    c->ku_sent++;
    return 0;
}

int tls_key_update(struct tls_conn *c)
{
    if (!c->hs_done || c->failed || c->version != 0x0304)
        return c->failed ? -1 : tls_fail(c, ALERT_NONE, "key update", "TLS 1.3 only, after the handshake");
    c->ku_requested = true;
    return send_key_update(c, true);
}

/* NewSessionTicket (RFC 8446 §4.6.1): the newest becomes the session, its PSK from the
 * resumption master secret and the ticket's nonce. */
static int new_session_ticket13(struct tls_conn *c, struct tls_rd body)
{
    struct hs_ticket13 t;
    struct tls_session *s;
    SECURITY_STATUS st;

    if (hs_parse_new_session_ticket13(body, &t) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "connection", "a malformed NewSessionTicket");
    if (t.lifetime > 604800)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "connection", "a ticket lifetime over 7 days");
    s = tls_session_new();
    if (s == NULL || (s->ticket = malloc(t.ticket.n)) == NULL) {
        tls_session_free(s);
        return tls_fail(c, ALERT_INTERNAL_ERROR, "connection", "out of memory");
    }
    st = SSLCALL(c, SslExpandPreSharedKey, c->prov, c->rms, (PBYTE)t.nonce.p, (DWORD)t.nonce.n,
                 &s->secret, NULL, 0);
    if (FAILED(st)) {
        tls_session_free(s);
        return tls_fail_status(c, "SslExpandPreSharedKey", st);
    }
    memcpy(s->ticket, t.ticket.p, t.ticket.n);
    s->ticket_len = t.ticket.n;
    s->version = 0x0304;
    s->suite = c->suite->id;
    s->age_add = t.age_add;
    s->lifetime = t.lifetime;
    s->received_ms = tls_now_ms();
    memcpy(s->alpn, c->alpn, sizeof(s->alpn));
    tls_session_free(c->sess13);
    c->sess13 = s;
    c->tickets++;
    return 0;
}

/* Handshake messages after the handshake: tickets, KeyUpdate, and a TLS 1.2 HelloRequest,
 * which we decline (no renegotiation: a warning alert, RFC 5246 §7.2.2). */
static int post_handshake(struct tls_conn *c, struct tls_rd frag)
{
    struct tls_rd buf, body;
    uint8_t type;

    if (hs_reserve(c, frag.n) != 0)
        return -1;
    memcpy(c->hs + c->hs_n, frag.p, frag.n);
    c->hs_n += frag.n;
    for (;;) {
        buf = rd_of(c->hs + c->hs_off, c->hs_n);
        if (buf.n >= 4 && ((uint32_t)buf.p[1] << 16 | (uint32_t)buf.p[2] << 8 | buf.p[3]) >
                              TLS_MAX_HS_MESSAGE)
            return tls_fail(c, ALERT_DECODE_ERROR, "connection", "an oversized handshake message");
        if (!hs_next(&buf, &type, &body))
            return 0;
        c->hs_off += 4 + body.n;
        c->hs_n -= 4 + body.n;
        tls_trace(c, "<<< post-handshake message %u (%zu bytes)", type, 4 + body.n);
        if (c->version == 0x0304 && type == HS_NEW_SESSION_TICKET && !c->server) {
            if (new_session_ticket13(c, body) != 0)
                return -1;
        } else if (c->version == 0x0304 && type == HS_KEY_UPDATE) {
            uint8_t req;

            if (body.n != 1 || (req = body.p[0]) > 1)
                return tls_fail(c, body.n != 1 ? ALERT_DECODE_ERROR : ALERT_ILLEGAL_PARAMETER,
                                "connection", "a malformed KeyUpdate");
            if (c->hs_n != 0)
                return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "connection",
                                "a message after KeyUpdate in the same record");
            if (next_secret(c, c->server ? &c->c_ap : &c->s_ap, false) != 0)
                return -1;
            c->ku_received++;
            /* RFC 8446 §4.6.3: answer a request unless ours is still unanswered */
            if (req == 1 && !c->ku_requested && send_key_update(c, false) != 0)
                return -1;
            c->ku_requested = false;
        } else if (c->version != 0x0304 && ((type == HS_HELLO_REQUEST && body.n == 0 && !c->server) ||
                                             (type == 1 /* ClientHello */ && c->server))) {
            if (rec_send_alert(c, 1, ALERT_NO_RENEGOTIATION) != 0)
                return -1;
        } else {
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "connection",
                            "handshake message %u after the handshake", type);
        }
    }
}

int tls_write(struct tls_conn *c, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    size_t limit = c->peer_record_limit != 0 ? c->peer_record_limit : TLS_MAX_PLAIN;

    if (!c->hs_done || c->failed)
        return -1;
    for (size_t off = 0; off < n; off += limit)
        if (rec_send(c, REC_APPLICATION_DATA, p + off, n - off < limit ? n - off : limit) != 0)
            return -1;
    return 0;
}

long tls_read(struct tls_conn *c, void *buf, size_t n)
{
    struct tls_rd frag;
    uint8_t type;
    size_t take;

    if (!c->hs_done || c->failed)
        return -1;
    while (c->app_n == 0) {
        if (c->closed)
            return 0;
        if (rec_recv(c, &type, &frag) != 0)
            return -1;
        if (type == REC_APPLICATION_DATA) {
            c->app = (uint8_t *)frag.p;
            c->app_n = frag.n;
        } else if (type == REC_HANDSHAKE) {
            if (post_handshake(c, frag) != 0)
                return -1;
            /* no data came: let a multiplexing caller go back to waiting */
            if (c->in_n == 0)
                return TLS_AGAIN;
        } else if (type != REC_ALERT) {
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "connection", "a record of type %u", type);
        }
    }
    take = n < c->app_n ? n : c->app_n;
    memcpy(buf, c->app, take);
    c->app += take;
    c->app_n -= take;
    return (long)take;
}

int tls_export_keying_material(struct tls_conn *c, const char *label, const uint8_t *context,
                               size_t context_len, uint8_t *out, size_t out_len)
{
    uint8_t randoms[64];
    bool tls13 = c->version == 0x0304;
    SECURITY_STATUS st;

    if (!c->hs_done || c->failed || context_len > 0xFFFF || out_len > 0xFFFFFFFFu)
        return -1;
    memcpy(randoms, c->crandom, 32);
    memcpy(randoms + 32, c->srandom, 32);
    st = SSLCALL(c, SslExportKeyingMaterial, c->prov, tls13 ? c->exporter : c->sess->secret,
                 (PCHAR)label, tls13 ? NULL : randoms, tls13 ? 0 : 64, (PBYTE)context,
                 (WORD)context_len, out, (DWORD)out_len, 0);
    return FAILED(st) ? -1 : 0;
}

bool tls_pending(const struct tls_conn *c)
{
    return c->app_n != 0 || c->in_n != 0;
}

int tls_close(struct tls_conn *c)
{
    if (c->failed || c->wkey == 0)
        return -1;
    return rec_send_alert(c, 1, ALERT_CLOSE_NOTIFY);
}

/* ------------------------------------------------------------------------------------------ */
/* Life cycle                                                                                 */
/* ------------------------------------------------------------------------------------------ */

struct tls_client_ctx *tls_client_ctx_new(const struct tls_client_config *cfg, char *err,
                                          size_t err_len)
{
    struct tls_client_ctx *x = calloc(1, sizeof(*x));
    const char *why = NULL;

    if (x == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    x->cfg = *cfg;
    x->cfg.resume = NULL; /* per connection */
    x->allow_psk = cfg->psk != NULL;
    if (x->cfg.min_version == 0)
        x->cfg.min_version = 0x0303;
    if (x->cfg.max_version == 0)
        x->cfg.max_version = 0x0304;
    if (cfg->groups != NULL) {
        for (size_t i = 0; i < cfg->n_groups && x->n_groups < MAX_GROUPS; i++)
            if (tls_group_name(cfg->groups[i]) != NULL && !ctx_has_group(x, cfg->groups[i]))
                x->groups[x->n_groups++] = cfg->groups[i];
    } else {
        memcpy(x->groups, default_groups, sizeof(default_groups));
        x->n_groups = sizeof(default_groups) / sizeof(default_groups[0]);
    }
    if (x->cfg.min_version > x->cfg.max_version || x->cfg.max_version > 0x0304)
        why = "no protocol version to offer";
    else if (x->cfg.min_version < 0x0303)
        why = "TLS 1.0 and 1.1 are not implemented by this client (RFC 8996 deprecates them)";
    else if (cfg->trust == NULL && !cfg->insecure)
        why = "no trust store (and not insecure)";
    else if (tls_suites_init(x) != 0)
        why = "no cipher suite this client can use";
    else if (x->n_groups == 0)
        why = "no group";
    if ((unsigned)cfg->psk_modes > TLS_PSK_MODES_KE)
        why = "psk_modes is DHE, BOTH or KE";
    if (why == NULL && cfg->psk != NULL &&
        (cfg->psk->identity == NULL || cfg->psk->identity[0] == '\0' ||
         strlen(cfg->psk->identity) > TLS_MAX_PSK_IDENTITY ||
         FAILED(SslImportKey(cfg->provider, &x->psk_key, TLS_13_PRE_SHARED_KEY,
                             (PBYTE)cfg->psk->key, (DWORD)cfg->psk->key_len, 0))))
        why = "the PSK: an identity of 1 to 256 bytes and a key SslImportKey takes";
    if (why == NULL && cfg->cert != NULL) {
        /* our certificate's key, opened once, reached only through SslSignHash */
        const unsigned char *p = cfg->cert->pbCertEncoded;
        X509 *cert = d2i_X509(NULL, &p, (long)cfg->cert->cbCertEncoded);
        EVP_PKEY *pk = cert != NULL ? X509_get0_pubkey(cert) : NULL;

        if (pk == NULL || !(EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "EC")))
            why = "the client certificate has no RSA or ECDSA key";
        else if (FAILED(SslOpenPrivateKey(cfg->provider, &x->client_key, cfg->cert, 0)))
            why = "SslOpenPrivateKey: no usable key associated with the client certificate";
        else {
            x->client_auth = EVP_PKEY_is_a(pk, "RSA") ? AUTH_RSA : AUTH_ECDSA;
            x->client_bits = EVP_PKEY_get_bits(pk);
        }
        X509_free(cert);
    }
    if (why != NULL) {
        snprintf(err, err_len, "configuration: %s", why);
        tls_client_ctx_free(x);
        return NULL;
    }
    return x;
}

void tls_client_ctx_free(struct tls_client_ctx *x)
{
    if (x != NULL && x->client_key != 0)
        SslFreeObject(x->client_key, 0);
    if (x != NULL && x->psk_key != 0)
        SslFreeObject(x->psk_key, 0);
    free(x);
}

/* The first scheme of a CertificateRequest's list our key can make (0: none). */
static uint16_t client_scheme(struct tls_conn *c, struct tls_rd list, bool tls13)
{
    uint16_t s;
    uint32_t len;

    while (rd_u16(&list, &s))
        if (scheme_hash(s, &len) != NULL &&
            tls_key_can(c->ctx->client_auth, c->ctx->client_bits, s, tls13))
            return s;
    return 0;
}

/* Our CertificateVerify: TLS 1.3 over the transcript (SslComputeClientAuthHash with a TLS 1.3
 * secret and the client's context string), TLS 1.2 over the logged messages; signed by
 * SslSignHash. */
static int send_certificate_verify(struct tls_conn *c, uint16_t scheme, bool tls13)
{
    uint8_t digest[TLS_MAX_HASH], body[4 + 600];
    DWORD dlen = 0;
    size_t sig_len = 0;
    uint32_t hlen;
    SECURITY_STATUS st;

    if (tls13) {
        st = SSLCALL(c, SslComputeClientAuthHash, c->prov, c->hs_secret, c->th,
                     scheme_hash(scheme, &hlen), digest, sizeof(digest), &dlen, 0);
        if (FAILED(st))
            return tls_fail_status(c, "SslComputeClientAuthHash", st);
    } else if (tls_cv12_digest(c, scheme, digest, &dlen) != 0) {
        return -1;
    }
    if (tls_sign(c, c->ctx->client_key, c->ctx->client_auth, scheme, digest, dlen, body + 4,
                 sizeof(body) - 4, &sig_len) != 0)
        return -1;
    body[0] = (uint8_t)(scheme >> 8);
    body[1] = (uint8_t)scheme;
    body[2] = (uint8_t)(sig_len >> 8);
    body[3] = (uint8_t)sig_len;
    return hs_send(c, HS_CERTIFICATE_VERIFY, body, 4 + sig_len);
}

int tls_cv12_digest(struct tls_conn *c, uint16_t scheme, uint8_t *out, DWORD *out_len)
{
    NCRYPT_HASH_HANDLE h = 0;
    uint32_t hlen;
    const WCHAR *name = scheme_hash(scheme, &hlen);
    SECURITY_STATUS st;

    st = SSLCALL(c, SslCreateClientAuthHash, c->prov, &h, TLS1_2_PROTOCOL_VERSION, c->suite->id,
                 name, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslHashHandshake, c->prov, h, c->log, (DWORD)c->log_n, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslComputeClientAuthHash, c->prov, c->sess->secret, h, name, out,
                     TLS_MAX_HASH, out_len, 0);
    tls_free_handle(c, &h);
    return FAILED(st) ? tls_fail_status(c, "the CertificateVerify hash", st) : 0;
}

struct tls_conn *tls_client_connect(const struct tls_client_ctx *x, struct tls_io io,
                                    const struct tls_session *resume, char *err, size_t err_len)
{
    /* the three record buffers at the end need no zeroing: only what is above them */
    struct tls_conn *c = malloc(sizeof(*c));

    if (c == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    memset(c, 0, offsetof(struct tls_conn, in));
    c->ctx = x;
    c->cfg = x->cfg;
    c->cfg.resume = resume;
    c->prov = x->cfg.provider;
    c->io = io;
    c->group = x->groups[0];
    return c;
}

struct tls_conn *tls_client_new(const struct tls_client_config *cfg, struct tls_io io,
                                char *err, size_t err_len)
{
    struct tls_client_ctx *x = tls_client_ctx_new(cfg, err, err_len);
    struct tls_conn *c = x != NULL ? tls_client_connect(x, io, cfg->resume, err, err_len) : NULL;

    if (c == NULL)
        tls_client_ctx_free(x);
    else
        c->own_ctx = x;
    return c;
}

void tls_get_info(const struct tls_conn *c, struct tls_info *info)
{
    memset(info, 0, sizeof(*info));
    info->version = c->version;
    if (c->suite != NULL) {
        info->suite = c->suite->id;
        snprintf(info->suite_name, sizeof(info->suite_name), "%s", c->suite->name);
    }
    info->group = c->group;
    info->dh_bits = c->dh_bits;
    info->hrr = c->hrr;
    info->resumed = c->resumed;
    info->ems = c->ems;
    memcpy(info->alpn, c->alpn, sizeof(info->alpn));
    info->key_updates_sent = c->ku_sent;
    info->key_updates_received = c->ku_received;
    info->tickets = c->tickets;
    info->peer = c->peer;
    memcpy(info->sni, c->sni, sizeof(info->sni));
}

void tls_free(struct tls_conn *c)
{
    if (c == NULL)
        return;
    NCRYPT_HANDLE *handles[] = {&c->wkey, &c->rkey, &c->th, &c->eph, &c->peer_share,
                                &c->peer_key, &c->early, &c->hs_secret, &c->master, &c->c_hs,
                                &c->s_hs, &c->c_ap, &c->s_ap, &c->rms, &c->exporter,
                                &c->pending_read,
                                &c->pending_write};

    for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++)
        tls_free_handle(c, handles[i]);
    tls_session_free(c->sess);
    tls_session_free(c->sess13);
    X509_free(c->peer);
    sk_X509_pop_free(c->chain, X509_free);
    free(c->ch);
    free(c->log);
    tls_client_ctx_free(c->own_ctx);
    /* plaintext passed through rec (decrypted records) and out (before in-place
     * encryption), and the handshake buffer */
    if (c->hs != NULL)
        OPENSSL_cleanse(c->hs, c->hs_cap);
    free(c->hs);
    OPENSSL_cleanse(c->rec, c->rec_used);
    OPENSSL_cleanse(c->out, c->out_used);
    OPENSSL_cleanse(c, offsetof(struct tls_conn, in));
    free(c);
}
