#include <string.h>
#include "hs_parse.h"

/* RFC 8446 §4.1.3: a HelloRetryRequest's random is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* RFC 8446 §4.1.3 downgrade sentinels: "DOWNGRD" followed by 01 (a TLS 1.2 answer from a
 * server that could do TLS 1.3) or 00 (TLS 1.1 or below from one that could do TLS 1.2). */
static const uint8_t downgrd[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};

uint8_t tls_record_next(struct tls_rd *buf, size_t max_fragment, bool *whole, uint8_t *type,
                        uint16_t *version, struct tls_rd *fragment)
{
    struct tls_rd r = *buf;
    uint16_t len;
    const uint8_t *p;

    *whole = false;
    if (!rd_u8(&r, type) || !rd_u16(&r, version) || !rd_u16(&r, &len))
        return HS_OK;
    if (*type < REC_CHANGE_CIPHER_SPEC || *type > REC_APPLICATION_DATA)
        return HS_DECODE_ERROR;
    if (len > max_fragment)
        return HS_RECORD_OVERFLOW;
    /* RFC 8446 §5.1: no zero-length handshake or alert fragments */
    if (len == 0 && (*type == REC_HANDSHAKE || *type == REC_ALERT))
        return HS_DECODE_ERROR;
    if (!rd_bytes(&r, len, &p))
        return HS_OK;
    *fragment = rd_of(p, len);
    *whole = true;
    *buf = r;
    return HS_OK;
}

uint8_t hs_parse_alert(struct tls_rd fragment, uint8_t *level, uint8_t *description)
{
    if (!rd_u8(&fragment, level) || !rd_u8(&fragment, description) || !rd_empty(&fragment))
        return HS_DECODE_ERROR;
    return HS_OK;
}

bool hs_next(struct tls_rd *buf, uint8_t *type, struct tls_rd *body)
{
    struct tls_rd r = *buf;

    if (!rd_u8(&r, type) || !rd_vec(&r, 3, 0, 0xFFFFFF, body))
        return false;
    *buf = r;
    return true;
}

uint8_t hs_parse_exts(struct tls_rd block, struct hs_exts *out)
{
    out->n = 0;
    while (!rd_empty(&block)) {
        struct hs_ext e;

        if (!rd_u16(&block, &e.type) || !rd_vec(&block, 2, 0, 0xFFFF, &e.body))
            return HS_DECODE_ERROR;
        if (hs_ext_find(out, e.type) != NULL)
            return HS_ILLEGAL_PARAMETER;
        if (out->n == HS_MAX_EXTS)
            return HS_DECODE_ERROR;
        out->e[out->n++] = e;
    }
    return HS_OK;
}

const struct tls_rd *hs_ext_find(const struct hs_exts *x, uint16_t type)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->e[i].type == type)
            return &x->e[i].body;
    return NULL;
}

/* The optional extensions vector that ends a message (RFC 5246 §7.4.1.4: absent in a TLS 1.2
 * ServerHello that has none), then nothing more. */
static uint8_t trailing_exts(struct tls_rd *r, bool optional, size_t min, struct hs_exts *out)
{
    struct tls_rd block;

    out->n = 0;
    if (optional && rd_empty(r))
        return HS_OK;
    if (!rd_vec(r, 2, min, 0xFFFF, &block) || !rd_empty(r))
        return HS_DECODE_ERROR;
    return hs_parse_exts(block, out);
}

/* One uint16 and nothing else (supported_versions, pre_shared_key, an HRR's key_share). */
static bool only_u16(struct tls_rd ext, uint16_t *v)
{
    return rd_u16(&ext, v) && rd_empty(&ext);
}

/* The extensions of a ServerHello the client acts on. */
static uint8_t server_hello_exts(struct server_hello *sh)
{
    const struct tls_rd *e;

    if ((e = hs_ext_find(&sh->exts, EXT_SUPPORTED_VERSIONS)) != NULL) {
        if (!only_u16(*e, &sh->version))
            return HS_DECODE_ERROR;
        sh->has_supported_versions = true;
    }
    if ((e = hs_ext_find(&sh->exts, EXT_KEY_SHARE)) != NULL) {
        struct tls_rd ks = *e;

        /* an HRR names the group alone (RFC 8446 §4.2.8); a ServerHello a KeyShareEntry */
        if (sh->hrr ? !only_u16(ks, &sh->group)
                    : !rd_u16(&ks, &sh->group) || !rd_vec(&ks, 2, 1, 0xFFFF, &sh->key_exchange) ||
                          !rd_empty(&ks))
            return HS_DECODE_ERROR;
        sh->has_key_share = true;
    }
    if ((e = hs_ext_find(&sh->exts, EXT_PRE_SHARED_KEY)) != NULL) {
        if (!only_u16(*e, &sh->psk_identity))
            return HS_DECODE_ERROR;
        sh->has_psk = true;
    }
    if ((e = hs_ext_find(&sh->exts, EXT_COOKIE)) != NULL) {
        struct tls_rd c = *e;

        if (!rd_vec(&c, 2, 1, 0xFFFF, &sh->cookie) || !rd_empty(&c))
            return HS_DECODE_ERROR;
        sh->has_cookie = true;
    }
    return HS_OK;
}

uint8_t hs_parse_server_hello(struct tls_rd body, struct server_hello *out)
{
    uint8_t compression, st;

    memset(out, 0, sizeof(*out));
    if (!rd_u16(&body, &out->legacy_version) || !rd_bytes(&body, 32, &out->random) ||
        !rd_vec(&body, 1, 0, 32, &out->session_id) || !rd_u16(&body, &out->cipher_suite) ||
        !rd_u8(&body, &compression))
        return HS_DECODE_ERROR;
    out->hrr = memcmp(out->random, hrr_random, sizeof(hrr_random)) == 0;
    if (memcmp(out->random + 24, downgrd, sizeof(downgrd)) == 0 && out->random[31] <= 1)
        out->downgrade = out->random[31] == 1 ? 12 : 11;
    out->version = out->legacy_version;
    /* TLS <= 1.2 may omit the extensions; TLS 1.3 (and an HRR) always has supported_versions */
    if ((st = trailing_exts(&body, true, 0, &out->exts)) != HS_OK)
        return st;
    /* the client offers no compression (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3) */
    if (compression != 0)
        return HS_ILLEGAL_PARAMETER;
    return server_hello_exts(out);
}

uint8_t hs_parse_alpn(struct tls_rd ext, struct tls_rd *protocol)
{
    struct tls_rd list;

    /* the server's list holds exactly one name of 1..255 bytes */
    if (!rd_vec(&ext, 2, 2, 0xFFFF, &list) || !rd_empty(&ext) ||
        !rd_vec(&list, 1, 1, 255, protocol) || !rd_empty(&list))
        return HS_DECODE_ERROR;
    return HS_OK;
}

uint8_t hs_parse_encrypted_extensions(struct tls_rd body, struct hs_exts *out)
{
    return trailing_exts(&body, false, 0, out);
}

uint8_t hs_parse_certificate(struct tls_rd body, bool tls13, struct hs_certs *out)
{
    struct tls_rd walk;

    memset(out, 0, sizeof(*out));
    out->tls13 = tls13;
    if ((tls13 && !rd_vec(&body, 1, 0, 255, &out->context)) ||
        !rd_vec(&body, 3, 0, 0xFFFFFF, &out->list) || !rd_empty(&body))
        return HS_DECODE_ERROR;
    walk = out->list;
    while (!rd_empty(&walk)) {
        struct tls_rd der, exts;
        struct hs_exts x;

        /* each entry's extensions are decoded here too, so the walk cannot fail later */
        if (!rd_vec(&walk, 3, 1, 0xFFFFFF, &der) ||
            (tls13 && (!rd_vec(&walk, 2, 0, 0xFFFF, &exts) || hs_parse_exts(exts, &x) != HS_OK)))
            return HS_DECODE_ERROR;
        out->count++;
    }
    return HS_OK;
}

bool hs_cert_next(struct hs_certs *c, struct tls_rd *der, struct tls_rd *exts)
{
    *exts = rd_of(NULL, 0);
    if (rd_empty(&c->list) || !rd_vec(&c->list, 3, 1, 0xFFFFFF, der))
        return false;
    return !c->tls13 || rd_vec(&c->list, 2, 0, 0xFFFF, exts);
}

uint8_t hs_parse_certificate_verify(struct tls_rd body, struct hs_signature *out)
{
    if (!rd_u16(&body, &out->scheme) || !rd_vec(&body, 2, 0, 0xFFFF, &out->signature) ||
        !rd_empty(&body))
        return HS_DECODE_ERROR;
    return HS_OK;
}

uint8_t hs_parse_new_session_ticket13(struct tls_rd body, struct hs_ticket13 *out)
{
    if (!rd_u32(&body, &out->lifetime) || !rd_u32(&body, &out->age_add) ||
        !rd_vec(&body, 1, 0, 255, &out->nonce) || !rd_vec(&body, 2, 1, 0xFFFF, &out->ticket))
        return HS_DECODE_ERROR;
    return trailing_exts(&body, false, 0, &out->exts);
}

uint8_t hs_parse_new_session_ticket12(struct tls_rd body, struct hs_ticket12 *out)
{
    if (!rd_u32(&body, &out->lifetime_hint) || !rd_vec(&body, 2, 0, 0xFFFF, &out->ticket) ||
        !rd_empty(&body))
        return HS_DECODE_ERROR;
    return HS_OK;
}

#define NAMED_CURVE 3 /* ECCurveType (RFC 8422 §5.4) */

uint8_t hs_parse_server_key_exchange(struct tls_rd body, bool ecdhe, bool sig_alg, struct hs_ske *out)
{
    const uint8_t *start = body.p;
    uint8_t curve_type;

    memset(out, 0, sizeof(*out));
    out->ecdhe = ecdhe;
    if (ecdhe) {
        if (!rd_u8(&body, &curve_type) || !rd_u16(&body, &out->group) ||
            !rd_vec(&body, 1, 1, 255, &out->point))
            return HS_DECODE_ERROR;
        /* explicit curves were deprecated by RFC 8422 §5.4; the client offers named ones */
        if (curve_type != NAMED_CURVE)
            return HS_ILLEGAL_PARAMETER;
    } else if (!rd_vec(&body, 2, 1, 0xFFFF, &out->p) || !rd_vec(&body, 2, 1, 0xFFFF, &out->g) ||
               !rd_vec(&body, 2, 1, 0xFFFF, &out->ys)) {
        return HS_DECODE_ERROR;
    }
    out->params = rd_of(start, (size_t)(body.p - start));
    if ((sig_alg && !rd_u16(&body, &out->sig.scheme)) ||
        !rd_vec(&body, 2, 0, 0xFFFF, &out->sig.signature) || !rd_empty(&body))
        return HS_DECODE_ERROR;
    return HS_OK;
}

uint8_t hs_parse_certificate_request(struct tls_rd body, bool tls13, bool sig_algs,
                                     struct hs_cert_request *out)
{
    memset(out, 0, sizeof(*out));
    if (tls13) {
        if (!rd_vec(&body, 1, 0, 255, &out->context))
            return HS_DECODE_ERROR;
        /* signature_algorithms is required, so the block is never empty (RFC 8446 §4.3.2) */
        return trailing_exts(&body, false, 2, &out->exts);
    }
    if (!rd_vec(&body, 1, 1, 255, &out->cert_types) ||
        (sig_algs && !rd_vec(&body, 2, 2, 0xFFFE, &out->sig_algs)) ||
        !rd_vec(&body, 2, 0, 0xFFFF, &out->authorities) || !rd_empty(&body))
        return HS_DECODE_ERROR;
    return HS_OK;
}

uint8_t hs_parse_empty(struct tls_rd body)
{
    return rd_empty(&body) ? HS_OK : HS_DECODE_ERROR;
}

/* ---- what a client sends ---------------------------------------------------------------- */

/* A list extension: a vector of width-byte length holding min..max bytes, nothing after. */
static bool only_vec(struct tls_rd ext, size_t width, size_t min, size_t max, struct tls_rd *out)
{
    return rd_vec(&ext, width, min, max, out) && rd_empty(&ext);
}

/* Every element of a list of n-byte items: the list's length must be a multiple of n. */
static bool whole_items(struct tls_rd list, size_t n)
{
    return list.n % n == 0;
}

static uint8_t client_hello_exts(struct client_hello_msg *ch, struct tls_rd body_start,
                                 struct tls_rd block)
{
    const struct tls_rd *e;

    if ((e = hs_ext_find(&ch->exts, EXT_SUPPORTED_VERSIONS)) != NULL) {
        if (!only_vec(*e, 1, 2, 254, &ch->versions) || !whole_items(ch->versions, 2))
            return HS_DECODE_ERROR;
        ch->has_versions = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_SUPPORTED_GROUPS)) != NULL) {
        if (!only_vec(*e, 2, 2, 0xFFFF, &ch->groups) || !whole_items(ch->groups, 2))
            return HS_DECODE_ERROR;
        ch->has_groups = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_KEY_SHARE)) != NULL) {
        struct tls_rd walk;

        if (!only_vec(*e, 2, 0, 0xFFFF, &ch->key_shares))
            return HS_DECODE_ERROR;
        for (walk = ch->key_shares; !rd_empty(&walk);) {
            uint16_t group;
            struct tls_rd key;

            if (!rd_u16(&walk, &group) || !rd_vec(&walk, 2, 1, 0xFFFF, &key))
                return HS_DECODE_ERROR;
        }
        ch->has_key_share = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_SIGNATURE_ALGORITHMS)) != NULL) {
        if (!only_vec(*e, 2, 2, 0xFFFE, &ch->sig_algs) || !whole_items(ch->sig_algs, 2))
            return HS_DECODE_ERROR;
        ch->has_sig_algs = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_SERVER_NAME)) != NULL) {
        struct tls_rd list, walk;
        uint8_t type;

        /* ServerNameList: at most one host_name (RFC 6066 §3) */
        if (!only_vec(*e, 2, 1, 0xFFFF, &list))
            return HS_DECODE_ERROR;
        for (walk = list; !rd_empty(&walk);) {
            struct tls_rd name;

            if (!rd_u8(&walk, &type) || !rd_vec(&walk, 2, 1, 0xFFFF, &name))
                return HS_DECODE_ERROR;
            if (type == 0) {
                if (ch->server_name.n != 0)
                    return HS_ILLEGAL_PARAMETER;
                ch->server_name = name;
            }
        }
    }
    if ((e = hs_ext_find(&ch->exts, EXT_ALPN)) != NULL) {
        struct tls_rd walk, name;

        if (!only_vec(*e, 2, 2, 0xFFFF, &ch->alpn))
            return HS_DECODE_ERROR;
        for (walk = ch->alpn; !rd_empty(&walk);)
            if (!rd_vec(&walk, 1, 1, 255, &name))
                return HS_DECODE_ERROR;
        ch->has_alpn = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_PSK_KEY_EXCHANGE_MODES)) != NULL) {
        if (!only_vec(*e, 1, 1, 255, &ch->psk_modes))
            return HS_DECODE_ERROR;
        ch->has_psk_modes = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_COOKIE)) != NULL) {
        if (!only_vec(*e, 2, 1, 0xFFFF, &ch->cookie))
            return HS_DECODE_ERROR;
        ch->has_cookie = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_EXTENDED_MASTER_SECRET)) != NULL) {
        if (!rd_empty(e))
            return HS_DECODE_ERROR;
        ch->ems = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_SESSION_TICKET)) != NULL) {
        ch->ticket = *e;
        ch->has_ticket = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_RENEGOTIATION_INFO)) != NULL) {
        struct tls_rd info;

        if (!only_vec(*e, 1, 0, 255, &info))
            return HS_DECODE_ERROR;
        if (info.n != 0) /* RFC 5746 §3.6: an initial handshake's is empty */
            return HS_HANDSHAKE_FAILURE;
        ch->has_reneg_info = true;
    }
    if ((e = hs_ext_find(&ch->exts, EXT_RECORD_SIZE_LIMIT)) != NULL) {
        if (!only_u16(*e, &ch->record_size_limit))
            return HS_DECODE_ERROR;
        if (ch->record_size_limit < 64)
            return HS_ILLEGAL_PARAMETER;
    }
    ch->has_early_data = hs_ext_find(&ch->exts, EXT_EARLY_DATA) != NULL;
    if ((e = hs_ext_find(&ch->exts, EXT_PRE_SHARED_KEY)) != NULL) {
        struct tls_rd x = *e, walk;
        size_t ids = 0, binders = 0;

        /* the last extension: its body ends where the block does */
        if (e->p + e->n != block.p + block.n)
            return HS_ILLEGAL_PARAMETER;
        if (!rd_vec(&x, 2, 7, 0xFFFF, &ch->psk_identities))
            return HS_DECODE_ERROR;
        ch->binders_offset = (size_t)(x.p - body_start.p);
        if (!rd_vec(&x, 2, 33, 0xFFFF, &ch->psk_binders) || !rd_empty(&x))
            return HS_DECODE_ERROR;
        for (walk = ch->psk_identities; !rd_empty(&walk); ids++) {
            struct tls_rd id;
            uint32_t age;

            if (!rd_vec(&walk, 2, 1, 0xFFFF, &id) || !rd_u32(&walk, &age))
                return HS_DECODE_ERROR;
        }
        for (walk = ch->psk_binders; !rd_empty(&walk); binders++) {
            struct tls_rd b;

            if (!rd_vec(&walk, 1, 32, 255, &b))
                return HS_DECODE_ERROR;
        }
        if (ids != binders)
            return HS_ILLEGAL_PARAMETER;
        ch->has_psk = true;
    }
    return HS_OK;
}

uint8_t hs_parse_client_hello(struct tls_rd body, struct client_hello_msg *out)
{
    struct tls_rd start = body, compression, block, walk;
    uint8_t st;

    memset(out, 0, sizeof(*out));
    if (!rd_u16(&body, &out->legacy_version) || !rd_bytes(&body, 32, &out->random) ||
        !rd_vec(&body, 1, 0, 32, &out->session_id) ||
        !rd_vec(&body, 2, 2, 0xFFFE, &out->suites) || !whole_items(out->suites, 2) ||
        !rd_vec(&body, 1, 1, 255, &compression))
        return HS_DECODE_ERROR;
    for (walk = out->suites; !rd_empty(&walk);) {
        uint16_t s = 0;

        rd_u16(&walk, &s);
        out->reneg_scsv |= s == 0x00FF;
        out->fallback_scsv |= s == 0x5600;
    }
    for (size_t i = 0; i < compression.n; i++)
        out->null_compression |= compression.p[i] == 0;
    /* an SSL 3.0-style hello without extensions is allowed below TLS 1.3 */
    block = rd_of(body.p, 0);
    if (!rd_empty(&body)) {
        if (!rd_vec(&body, 2, 0, 0xFFFF, &block) || !rd_empty(&body))
            return HS_DECODE_ERROR;
        if ((st = hs_parse_exts(block, &out->exts)) != HS_OK)
            return st;
    }
    return client_hello_exts(out, start, block);
}

uint8_t hs_parse_client_key_exchange(struct tls_rd body, int kind, struct tls_rd *value)
{
    bool ok = kind == CKE_ECDHE ? rd_vec(&body, 1, 1, 255, value)
              : kind == CKE_DHE ? rd_vec(&body, 2, 1, 0xFFFF, value)
                                : rd_vec(&body, 2, 0, 0xFFFF, value);

    return ok && rd_empty(&body) ? HS_OK : HS_DECODE_ERROR;
}
