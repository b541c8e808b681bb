/* The engine's parsers of server handshake messages (engine/hs_parse.h) on RFC 8448 §3's
 * messages — every field against the RFC's own values — and their negative twins: every
 * truncation and every extension of each message is HS_DECODE_ERROR, a duplicate extension
 * and a compression method HS_ILLEGAL_PARAMETER, and a HelloRetryRequest and the downgrade
 * sentinels are recognised from the random alone. */
#include <stdlib.h>
#include <string.h>
#include <openssl/x509.h>
#include "check.h"
#include "hs_parse.h"
#include "json.h"

static const struct json *trace;
static struct json_fields fields = {.what = "RFC 8448 section 3"};

/* A handshake message of the trace, and its body as hs_next frames it. */
static struct tls_rd message(const char *name, uint8_t want_type, const uint8_t **whole, size_t *len)
{
    const struct json *msgs = json_get(trace, "handshake_messages");
    const uint8_t *m = json_field(&fields, msgs, name, 0, len);
    struct tls_rd buf = rd_of(m, *len), body = {0};
    uint8_t type = 0xFF;

    CHECK(m != NULL && hs_next(&buf, &type, &body) && rd_empty(&buf));
    CHECK_EQ(type, want_type);
    *whole = m;
    return body;
}

static bool rd_is(struct tls_rd r, const uint8_t *want, size_t n)
{
    return r.n == n && (n == 0 || memcmp(r.p, want, n) == 0);
}

/* Every proper prefix of a body (and the body with one byte more) must be refused with
 * HS_DECODE_ERROR; parse(body) itself must succeed. */
typedef uint8_t (*parse_fn)(struct tls_rd body);
static void truncations(const char *what, struct tls_rd body, parse_fn parse, bool prefixes_may_parse)
{
    uint8_t *longer = malloc(body.n + 1);
    size_t bad = 0;

    CHECK_EQ(parse(body), HS_OK);
    for (size_t n = 0; n < body.n; n++) {
        uint8_t st = parse(rd_of(body.p, n));

        /* a TLS 1.2-style ServerHello may end before its extensions: those cut exactly there parse */
        if (st != HS_DECODE_ERROR && !(prefixes_may_parse && st == HS_OK))
            bad++;
    }
    memcpy(longer, body.p, body.n);
    longer[body.n] = 0;
    if (parse(rd_of(longer, body.n + 1)) != HS_DECODE_ERROR)
        bad++;
    if (bad != 0)
        fprintf(stderr, "%s: %zu truncated or extended bodies not refused\n", what, bad);
    CHECK_EQ(bad, 0);
    free(longer);
}

static uint8_t p_sh(struct tls_rd b)
{
    struct server_hello sh;
    return hs_parse_server_hello(b, &sh);
}
static uint8_t p_ee(struct tls_rd b)
{
    struct hs_exts x;
    return hs_parse_encrypted_extensions(b, &x);
}
static uint8_t p_cert13(struct tls_rd b)
{
    struct hs_certs c;
    return hs_parse_certificate(b, true, &c);
}
static uint8_t p_cv(struct tls_rd b)
{
    struct hs_signature s;
    return hs_parse_certificate_verify(b, &s);
}
static uint8_t p_nst13(struct tls_rd b)
{
    struct hs_ticket13 t;
    return hs_parse_new_session_ticket13(b, &t);
}

static void server_hello(void)
{
    const uint8_t *m, *pub = json_field(&fields, json_get(trace, "server_ephemeral_x25519"), "public_key", 32, NULL);
    size_t len;
    struct tls_rd body = message("ServerHello", HS_SERVER_HELLO, &m, &len);
    struct server_hello sh;
    uint8_t copy[256];

    CHECK_EQ(hs_parse_server_hello(body, &sh), HS_OK);
    CHECK_EQ(sh.legacy_version, 0x0303);
    CHECK_EQ(sh.version, 0x0304);
    CHECK(sh.has_supported_versions && !sh.hrr && sh.downgrade == 0);
    CHECK_EQ(sh.cipher_suite, 0x1301);
    CHECK(sh.has_key_share && sh.group == 0x001D && rd_is(sh.key_exchange, pub, 32));
    CHECK(!sh.has_psk && !sh.has_cookie && sh.session_id.n == 0 && sh.exts.n == 2);
    CHECK(sh.random == body.p + 2);
    truncations("ServerHello", body, p_sh, true);

    /* twins, on a copy: compression 1; a HelloRetryRequest (its random, a key_share naming a
     * group only); the downgrade sentinels; a duplicated extension */
    CHECK(body.n <= sizeof(copy));
    memcpy(copy, body.p, body.n);
    copy[2 + 32 + 1 + 2] = 1;
    CHECK_EQ(hs_parse_server_hello(rd_of(copy, body.n), &sh), HS_ILLEGAL_PARAMETER);
    {
        /* legacy_version, HRR random, empty session id, suite, compression, extensions:
         * supported_versions 0x0304, key_share P-256, cookie 'ab' */
        static const uint8_t hrr[] = {
            0x03, 0x03, 0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02,
            0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E,
            0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C, 0x00, 0x13, 0x01, 0x00, 0x00, 0x14, 0x00, 0x2B,
            0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17, 0x00, 0x2C, 0x00, 0x04,
            0x00, 0x02, 'a', 'b'};

        CHECK_EQ(hs_parse_server_hello(rd_of(hrr, sizeof(hrr)), &sh), HS_OK);
        CHECK(sh.hrr && sh.has_key_share && sh.group == 0x0017 && sh.key_exchange.n == 0);
        CHECK(sh.has_cookie && rd_is(sh.cookie, (const uint8_t *)"ab", 2) && sh.version == 0x0304);
        truncations("HelloRetryRequest", rd_of(hrr, sizeof(hrr)), p_sh, true);
    }
    for (int v = 0; v <= 2; v++) {
        memcpy(copy, body.p, body.n);
        memcpy(copy + 2 + 24, "DOWNGRD", 7);
        copy[2 + 31] = (uint8_t)v;
        CHECK_EQ(hs_parse_server_hello(rd_of(copy, body.n), &sh), HS_OK);
        CHECK_EQ(sh.downgrade, v == 1 ? 12 : v == 0 ? 11 : 0);
    }
    {
        /* the same ServerHello with supported_versions twice */
        uint8_t dup[256];
        size_t ext_at = 2 + 32 + 1 + 2 + 1, n = 0;

        memcpy(dup, body.p, ext_at);
        n = ext_at;
        dup[n++] = 0x00, dup[n++] = 0x0C;
        memcpy(dup + n, "\x00\x2B\x00\x02\x03\x04\x00\x2B\x00\x02\x03\x04", 12);
        n += 12;
        CHECK_EQ(hs_parse_server_hello(rd_of(dup, n), &sh), HS_ILLEGAL_PARAMETER);
    }
}

static void encrypted_extensions(void)
{
    const uint8_t *m;
    size_t len;
    struct tls_rd body = message("EncryptedExtensions", HS_ENCRYPTED_EXTENSIONS, &m, &len);
    struct hs_exts x;
    const struct tls_rd *groups;

    CHECK_EQ(hs_parse_encrypted_extensions(body, &x), HS_OK);
    /* RFC 8448 §3: supported_groups, record_size_limit (0x4001), server_name (empty) */
    CHECK_EQ(x.n, 3);
    CHECK((groups = hs_ext_find(&x, EXT_SUPPORTED_GROUPS)) != NULL && groups->n == 0x14);
    CHECK(hs_ext_find(&x, EXT_RECORD_SIZE_LIMIT) != NULL &&
          rd_is(*hs_ext_find(&x, EXT_RECORD_SIZE_LIMIT), (const uint8_t *)"\x40\x01", 2));
    CHECK(hs_ext_find(&x, EXT_SERVER_NAME) != NULL && hs_ext_find(&x, EXT_SERVER_NAME)->n == 0);
    CHECK(hs_ext_find(&x, EXT_ALPN) == NULL);
    truncations("EncryptedExtensions", body, p_ee, false);
}

static void certificate(void)
{
    const uint8_t *m;
    size_t len;
    struct tls_rd body = message("Certificate", HS_CERTIFICATE, &m, &len), der, exts;
    struct hs_certs c;
    const unsigned char *p;
    X509 *x;

    CHECK_EQ(hs_parse_certificate(body, true, &c), HS_OK);
    CHECK(c.count == 1 && c.context.n == 0);
    CHECK(hs_cert_next(&c, &der, &exts) && exts.n == 0);
    p = der.p;
    CHECK((x = d2i_X509(NULL, &p, (long)der.n)) != NULL && p == der.p + der.n);
    X509_free(x);
    CHECK(!hs_cert_next(&c, &der, &exts));
    /* the TLS 1.2 form of the same list is not this body: its first length would be the
     * context's, which is 0 here, followed by bytes the list's length does not cover */
    CHECK_EQ(hs_parse_certificate(body, false, &c), HS_DECODE_ERROR);
    truncations("Certificate", body, p_cert13, false);
}

static void certificate_verify_and_finished(void)
{
    const uint8_t *m;
    size_t len;
    struct tls_rd body = message("CertificateVerify", HS_CERTIFICATE_VERIFY, &m, &len);
    struct tls_rd fin = message("server_Finished", HS_FINISHED, &m, &len);
    const uint8_t *verify = json_field(&fields, json_get(trace, "finished"), "server_verify_data", 32, NULL);
    struct hs_signature sig;

    CHECK_EQ(hs_parse_certificate_verify(body, &sig), HS_OK);
    CHECK(sig.scheme == 0x0804 && sig.signature.n == 128); /* rsa_pss_rsae_sha256, RSA-1024 */
    truncations("CertificateVerify", body, p_cv, false);
    /* Finished is its verify_data, whole */
    CHECK(rd_is(fin, verify, 32));
}

static void new_session_ticket(void)
{
    const uint8_t *m;
    size_t len, want_len;
    struct tls_rd body = message("NewSessionTicket", HS_NEW_SESSION_TICKET, &m, &len);
    const struct json *f = json_get(trace, "new_session_ticket_fields");
    const uint8_t *ticket = json_field(&fields, f, "ticket", 0, &want_len);
    struct hs_ticket13 t;
    size_t lifetime = 0, age_add = 0;

    CHECK(json_uint(f, "ticket_lifetime", &lifetime) && json_uint(f, "ticket_age_add", &age_add));
    CHECK_EQ(hs_parse_new_session_ticket13(body, &t), HS_OK);
    CHECK(t.lifetime == lifetime && t.age_add == age_add);
    CHECK(rd_is(t.nonce, (const uint8_t *)"\x00\x00", 2) && rd_is(t.ticket, ticket, want_len));
    /* early_data with max_early_data_size 0x400 */
    CHECK(t.exts.n == 1 && hs_ext_find(&t.exts, EXT_EARLY_DATA) != NULL);
    truncations("NewSessionTicket", body, p_nst13, false);
}

/* TLS 1.2 messages, laid out by hand from RFC 8422 §5.4 / RFC 5246 §7.4 (no RFC trace). */
static void tls12_messages(void)
{
    static const uint8_t ske[] = {0x03, 0x00, 0x17, 0x03, 0x04, 0x05, 0x06, /* P-256, 3-byte point */
                                  0x04, 0x01, 0x00, 0x02, 0xAA, 0xBB};     /* rsa_pkcs1_sha256 */
    static const uint8_t nst[] = {0x00, 0x00, 0x1C, 0x20, 0x00, 0x03, 1, 2, 3};
    static const uint8_t cr[] = {0x01, 0x01, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00};
    struct hs_ske s;
    struct hs_ticket12 t;
    struct hs_cert_request r;
    uint8_t copy[sizeof(ske)];

    CHECK_EQ(hs_parse_server_key_exchange(rd_of(ske, sizeof(ske)), true, true, &s), HS_OK);
    CHECK(s.group == 0x0017 && rd_is(s.point, ske + 4, 3) && rd_is(s.params, ske, 7));
    CHECK(s.sig.scheme == 0x0401 && rd_is(s.sig.signature, ske + 11, 2));
    /* without the algorithm field (TLS 1.0/1.1) the same bytes leave two over */
    CHECK_EQ(hs_parse_server_key_exchange(rd_of(ske, sizeof(ske)), true, false, &s), HS_DECODE_ERROR);
    memcpy(copy, ske, sizeof(ske));
    copy[0] = 1; /* explicit_prime */
    CHECK_EQ(hs_parse_server_key_exchange(rd_of(copy, sizeof(copy)), true, true, &s), HS_ILLEGAL_PARAMETER);
    for (size_t n = 0; n < sizeof(ske); n++)
        CHECK_EQ(hs_parse_server_key_exchange(rd_of(ske, n), true, true, &s), HS_DECODE_ERROR);
    CHECK_EQ(hs_parse_new_session_ticket12(rd_of(nst, sizeof(nst)), &t), HS_OK);
    CHECK(t.lifetime_hint == 7200 && rd_is(t.ticket, nst + 6, 3));
    CHECK_EQ(hs_parse_new_session_ticket12(rd_of(nst, sizeof(nst) - 1), &t), HS_DECODE_ERROR);
    CHECK_EQ(hs_parse_certificate_request(rd_of(cr, sizeof(cr)), false, true, &r), HS_OK);
    CHECK(rd_is(r.cert_types, cr + 1, 1) && rd_is(r.sig_algs, cr + 4, 2) && r.authorities.n == 0);
    CHECK_EQ(hs_parse_certificate_request(rd_of(cr, sizeof(cr)), false, false, &r), HS_DECODE_ERROR);
    CHECK_EQ(hs_parse_empty(rd_of(cr, 0)), HS_OK);
    CHECK_EQ(hs_parse_empty(rd_of(cr, 1)), HS_DECODE_ERROR);
}

/* Record framing (RFC 8446 §5.1): whole records consumed one by one, a partial one left for
 * later, limits and types from the header alone. */
static void records(void)
{
    static const uint8_t two[] = {22, 3, 3, 0, 2, 0xAA, 0xBB, 21, 3, 3, 0, 2, 2, 40, 23, 3, 3, 0};
    struct tls_rd buf = rd_of(two, sizeof(two)), frag;
    uint8_t type, level, desc, hdr[5] = {23, 3, 3, 0x41, 0x01}; /* 16641 bytes */
    uint16_t version;
    bool whole;

    CHECK_EQ(tls_record_next(&buf, 16384, &whole, &type, &version, &frag), HS_OK);
    CHECK(whole && type == REC_HANDSHAKE && version == 0x0303 && rd_is(frag, two + 5, 2));
    CHECK_EQ(tls_record_next(&buf, 16384, &whole, &type, &version, &frag), HS_OK);
    CHECK(whole && type == REC_ALERT && hs_parse_alert(frag, &level, &desc) == HS_OK && level == 2 &&
          desc == HS_HANDSHAKE_FAILURE);
    /* four bytes of the next header: not whole yet, and nothing consumed */
    CHECK_EQ(tls_record_next(&buf, 16384, &whole, &type, &version, &frag), HS_OK);
    CHECK(!whole && buf.n == 4);
    /* twins: one byte over the limit, an unknown type, an empty handshake record, a long alert */
    buf = rd_of(hdr, sizeof(hdr));
    CHECK_EQ(tls_record_next(&buf, 16384 + 256, &whole, &type, &version, &frag), HS_RECORD_OVERFLOW);
    hdr[3] = 0x41, hdr[4] = 0x00;
    buf = rd_of(hdr, sizeof(hdr));
    CHECK_EQ(tls_record_next(&buf, 16384 + 256, &whole, &type, &version, &frag), HS_OK);
    CHECK(!whole && buf.n == 5);
    hdr[0] = 24;
    buf = rd_of(hdr, sizeof(hdr));
    CHECK_EQ(tls_record_next(&buf, 16384 + 256, &whole, &type, &version, &frag), HS_DECODE_ERROR);
    hdr[0] = 22, hdr[3] = 0, hdr[4] = 0;
    buf = rd_of(hdr, sizeof(hdr));
    CHECK_EQ(tls_record_next(&buf, 16384, &whole, &type, &version, &frag), HS_DECODE_ERROR);
    CHECK_EQ(hs_parse_alert(rd_of(two + 12, 3), &level, &desc), HS_DECODE_ERROR);
    CHECK_EQ(hs_parse_alert(rd_of(two + 12, 1), &level, &desc), HS_DECODE_ERROR);
}

int main(void)
{
    struct json *v = json_load(SSLPROV_TEST_VECTORS "/rfc8448.json");

    CHECK(v != NULL);
    if (v == NULL)
        return check_summary();
    trace = json_get(v, "section_3_simple_1rtt");
    server_hello();
    encrypted_extensions();
    certificate();
    certificate_verify_and_finished();
    new_session_ticket();
    tls12_messages();
    records();
    json_fields_free(&fields);
    json_free(v);
    return check_summary();
}
