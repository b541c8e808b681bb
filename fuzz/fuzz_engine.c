/* fuzz_engine: the reference engine's parsers of what a server sends (engine/hs_parse.h) —
 * handshake framing and every server message, TLS 1.3 and TLS <= 1.2 forms. The first input
 * byte picks the parser and its flags, the rest is the message body (or, for framing, a
 * handshake or record byte stream).
 * Invariants: a parser answers HS_OK, HS_DECODE_ERROR or HS_ILLEGAL_PARAMETER and nothing
 * else, the same twice; what it returns points inside the input; an extension block holds
 * each type once; a parsed certificate list walks exactly its count of non-empty entries;
 * framing consumes whole messages only. ASan and UBSan (and valgrind in the replay) catch a
 * read past the input. */
#include "fuzz_common.h"
#include "hs_parse.h"

static const uint8_t *lo, *hi;

static void inside(struct tls_rd r, const char *what)
{
    if (r.n != 0 && (r.p < lo || r.p > hi || r.n > (size_t)(hi - r.p)))
        FZ_FAIL("%s points outside the input", what);
}

static void status(uint8_t st, uint8_t again, const char *what)
{
    if (st != HS_OK && st != HS_DECODE_ERROR && st != HS_ILLEGAL_PARAMETER)
        FZ_FAIL("%s answered alert %u", what, st);
    if (st != again)
        FZ_FAIL("%s answered %u, then %u for the same bytes", what, st, again);
}

static void exts_ok(const struct hs_exts *x, const char *what)
{
    if (x->n > HS_MAX_EXTS)
        FZ_FAIL("%s: %zu extensions", what, x->n);
    for (size_t i = 0; i < x->n; i++) {
        inside(x->e[i].body, what);
        for (size_t j = 0; j < i; j++)
            if (x->e[i].type == x->e[j].type)
                FZ_FAIL("%s: extension %u twice", what, x->e[i].type);
    }
}

static void framing(struct tls_rd buf)
{
    size_t total = buf.n, used = 0;
    uint8_t type;
    struct tls_rd body;

    while (hs_next(&buf, &type, &body)) {
        inside(body, "hs_next");
        used += 4 + body.n;
    }
    if (used + buf.n != total)
        FZ_FAIL("hs_next consumed %zu of %zu bytes and left %zu", used, total, buf.n);
    /* what is left is an incomplete message: fewer than 4 bytes, or a body not all there */
    if (buf.n >= 4 && (size_t)(buf.p[1] << 16 | buf.p[2] << 8 | buf.p[3]) <= buf.n - 4)
        FZ_FAIL("hs_next stopped before a whole message");
}

/* Records out of a byte stream: whole ones consumed, the rest left; an alert fragment read. */
static void records(struct tls_rd buf, size_t max)
{
    size_t total = buf.n, used = 0;
    struct tls_rd frag;
    uint8_t type, st, level, desc;
    uint16_t version;
    bool whole;

    while ((st = tls_record_next(&buf, max, &whole, &type, &version, &frag)) == HS_OK && whole) {
        inside(frag, "record fragment");
        if (frag.n > max)
            FZ_FAIL("a %zu-byte fragment passed a %zu-byte limit", frag.n, max);
        used += 5 + frag.n;
        if (type == REC_ALERT && hs_parse_alert(frag, &level, &desc) == HS_OK && frag.n != 2)
            FZ_FAIL("an alert of %zu bytes parsed", frag.n);
    }
    if (st != HS_OK && st != HS_DECODE_ERROR && st != HS_RECORD_OVERFLOW)
        FZ_FAIL("tls_record_next answered alert %u", st);
    if (used + buf.n != total)
        FZ_FAIL("tls_record_next consumed %zu of %zu bytes and left %zu", used, total, buf.n);
}

static void server_hello(struct tls_rd b)
{
    struct server_hello sh, again;
    uint8_t st = hs_parse_server_hello(b, &sh);

    status(st, hs_parse_server_hello(b, &again), "ServerHello");
    if (st != HS_OK)
        return;
    inside(rd_of(sh.random, 32), "ServerHello random");
    inside(sh.session_id, "ServerHello session_id");
    inside(sh.key_exchange, "ServerHello key_share");
    inside(sh.cookie, "ServerHello cookie");
    exts_ok(&sh.exts, "ServerHello");
    if (sh.session_id.n > 32 || (sh.has_key_share && !sh.hrr && sh.key_exchange.n == 0))
        FZ_FAIL("ServerHello: a field out of its bounds was accepted");
}

static void certificate(struct tls_rd b, bool tls13)
{
    struct hs_certs c, again;
    struct tls_rd der, exts;
    uint8_t st = hs_parse_certificate(b, tls13, &c);
    size_t n = 0;

    status(st, hs_parse_certificate(b, tls13, &again), "Certificate");
    if (st != HS_OK)
        return;
    inside(c.context, "Certificate context");
    while (hs_cert_next(&c, &der, &exts)) {
        inside(der, "Certificate entry");
        inside(exts, "Certificate entry extensions");
        if (der.n == 0)
            FZ_FAIL("Certificate: an empty entry");
        n++;
    }
    if (n != again.count || !rd_empty(&c.list))
        FZ_FAIL("Certificate: walked %zu of %zu entries", n, again.count);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_target = "fuzz_engine";
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tls_rd b;
    uint8_t pick;

    if (size == 0)
        return 0;
    pick = data[0];
    b = rd_of(data + 1, size - 1);
    lo = b.p;
    hi = b.p + b.n;
    switch (pick % 13) {
    case 0:
        framing(b);
        break;
    case 12:
        records(b, pick & 0x80 ? 16384 + 256 : 16384);
        break;
    case 1:
        server_hello(b);
        break;
    case 2: {
        struct hs_exts x, y;
        uint8_t st = hs_parse_encrypted_extensions(b, &x);
        struct tls_rd proto;
        const struct tls_rd *alpn;

        status(st, hs_parse_encrypted_extensions(b, &y), "EncryptedExtensions");
        if (st == HS_OK) {
            exts_ok(&x, "EncryptedExtensions");
            if ((alpn = hs_ext_find(&x, EXT_ALPN)) != NULL && hs_parse_alpn(*alpn, &proto) == HS_OK)
                inside(proto, "ALPN");
        }
        break;
    }
    case 3:
    case 4:
        certificate(b, pick % 13 == 3);
        break;
    case 5: {
        struct hs_signature s, t;
        uint8_t st = hs_parse_certificate_verify(b, &s);

        status(st, hs_parse_certificate_verify(b, &t), "CertificateVerify");
        if (st == HS_OK)
            inside(s.signature, "CertificateVerify signature");
        break;
    }
    case 6: {
        struct hs_ticket13 t, u;
        uint8_t st = hs_parse_new_session_ticket13(b, &t);

        status(st, hs_parse_new_session_ticket13(b, &u), "NewSessionTicket");
        if (st == HS_OK) {
            inside(t.nonce, "ticket nonce");
            inside(t.ticket, "ticket");
            exts_ok(&t.exts, "NewSessionTicket");
            if (t.ticket.n == 0)
                FZ_FAIL("NewSessionTicket: an empty ticket was accepted");
        }
        break;
    }
    case 7: {
        struct hs_ticket12 t, u;
        uint8_t st = hs_parse_new_session_ticket12(b, &t);

        status(st, hs_parse_new_session_ticket12(b, &u), "NewSessionTicket (TLS 1.2)");
        if (st == HS_OK)
            inside(t.ticket, "ticket");
        break;
    }
    case 8:
    case 9: {
        bool ecdhe = pick & 0x40, sig_alg = pick & 0x80;
        struct hs_ske s, t;
        uint8_t st = hs_parse_server_key_exchange(b, ecdhe, sig_alg, &s);

        status(st, hs_parse_server_key_exchange(b, ecdhe, sig_alg, &t), "ServerKeyExchange");
        if (st == HS_OK) {
            inside(s.point, "SKE point");
            inside(s.p, "SKE p");
            inside(s.g, "SKE g");
            inside(s.ys, "SKE Ys");
            inside(s.params, "SKE params");
            inside(s.sig.signature, "SKE signature");
            if (s.params.p != lo)
                FZ_FAIL("ServerKeyExchange: the signed parameters do not start the body");
        }
        break;
    }
    case 10: {
        bool tls13 = pick & 0x40, sig_algs = pick & 0x80;
        struct hs_cert_request r, s;
        uint8_t st = hs_parse_certificate_request(b, tls13, sig_algs, &r);

        status(st, hs_parse_certificate_request(b, tls13, sig_algs, &s), "CertificateRequest");
        if (st == HS_OK) {
            inside(r.context, "CR context");
            inside(r.cert_types, "CR types");
            inside(r.sig_algs, "CR sig_algs");
            inside(r.authorities, "CR authorities");
            exts_ok(&r.exts, "CertificateRequest");
        }
        break;
    }
    case 11:
        status(hs_parse_empty(b), hs_parse_empty(b), "ServerHelloDone");
        break;
    }
    return 0;
}
