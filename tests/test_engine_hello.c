/* The engine's ClientHello (engine/hs_build.h) judged by libssl's server over memory BIOs: a
 * TLS 1.3 offer gets a ServerHello with one of our suites and our X25519 group, our session
 * id echoed, and the server saw our SNI; an offer without key shares gets a HelloRetryRequest
 * for our group; a TLS 1.2 offer gets ECDHE-ECDSA with EMS, secure renegotiation and the ALPN
 * protocol the server chose. The answers are parsed with engine/hs_parse.h. Twins: a key share
 * for a group we do not list draws libssl's illegal_parameter alert; the builder refuses
 * fields out of their bounds. */
#include <string.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include "cert.h"
#include "check.h"
#include "hs_build.h"
#include "hs_parse.h"

static EVP_PKEY *key;
static X509 *cert;
static char seen_sni[64];

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    (void)s, (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, (const unsigned char *)"\x08http/1.1", 9,
                                 in, inlen) == OPENSSL_NPN_NEGOTIATED
               ? SSL_TLSEXT_ERR_OK
               : SSL_TLSEXT_ERR_NOACK;
}

/* libssl's server answers one ClientHello; the bytes it wrote (its first flight, or an
 * alert) go to out. */
static size_t serve(int version, const uint8_t *ch, size_t ch_len, uint8_t *out, size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *s;
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    uint8_t hdr[5] = {0x16, 0x03, 0x01, (uint8_t)(ch_len >> 8), (uint8_t)ch_len};
    const char *sni;
    int n;

    CHECK(ctx != NULL && rb != NULL && wb != NULL);
    CHECK(SSL_CTX_set_min_proto_version(ctx, version) && SSL_CTX_set_max_proto_version(ctx, version));
    CHECK(SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    s = SSL_new(ctx);
    SSL_set_bio(s, rb, wb);
    SSL_set_accept_state(s);
    BIO_write(rb, hdr, sizeof(hdr));
    BIO_write(rb, ch, (int)ch_len);
    SSL_do_handshake(s); /* waits for our next flight, or has failed: either way it has written */
    sni = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    snprintf(seen_sni, sizeof(seen_sni), "%s", sni != NULL ? sni : "");
    n = BIO_read(wb, out, (int)cap);
    SSL_free(s);
    SSL_CTX_free(ctx);
    return n > 0 ? (size_t)n : 0;
}

/* The ServerHello in the first record of the server's flight. */
static uint8_t first_server_hello(const uint8_t *flight, size_t len, struct server_hello *sh)
{
    struct tls_rd r = rd_of(flight, len), rec, hs, body;
    uint8_t type, ct;
    uint16_t version;

    if (!rd_u8(&r, &ct) || ct != 0x16 || !rd_u16(&r, &version) || !rd_vec(&r, 2, 1, 16384, &rec))
        return 0xFF;
    hs = rec;
    if (!hs_next(&hs, &type, &body) || type != HS_SERVER_HELLO)
        return 0xFE;
    return hs_parse_server_hello(body, sh);
}

static const uint16_t suites13[] = {0x1301, 0x1302, 0x1303};
static const uint16_t sig_algs[] = {0x0804, 0x0805, 0x0403, 0x0503, 0x0401, 0x0501};

static void tls13(void)
{
    uint8_t random[32], sid[32], share[32], ch[1024], flight[8192];
    const uint16_t groups[] = {0x001D, 0x0017};
    const char *alpn[] = {"h2", "http/1.1"};
    struct key_share_entry ks = {0x001D, share, 32};
    struct client_hello c = {
        .random = random, .session_id = sid, .session_id_len = 32, .suites = suites13, .n_suites = 3,
        .min_version = 0x0303, .max_version = 0x0304, .groups = groups, .n_groups = 2, .shares = &ks,
        .n_shares = 1, .sig_algs = sig_algs, .n_sig_algs = 6, .server_name = "engine.test",
        .alpn = alpn, .n_alpn = 2,
    };
    struct server_hello sh;
    size_t n, m;

    /* any 32 bytes are an X25519 public key; the server never learns the difference here */
    CHECK(RAND_bytes(random, 32) == 1 && RAND_bytes(sid, 32) == 1 && RAND_bytes(share, 32) == 1);
    CHECK((n = hs_build_client_hello(&c, ch, sizeof(ch))) > 0);
    m = serve(TLS1_3_VERSION, ch, n, flight, sizeof(flight));
    CHECK_EQ(first_server_hello(flight, m, &sh), HS_OK);
    CHECK(!sh.hrr && sh.version == 0x0304 && sh.legacy_version == 0x0303);
    CHECK(sh.cipher_suite == 0x1301 || sh.cipher_suite == 0x1302 || sh.cipher_suite == 0x1303);
    CHECK(sh.has_key_share && sh.group == 0x001D && sh.key_exchange.n == 32);
    CHECK(sh.session_id.n == 32 && memcmp(sh.session_id.p, sid, 32) == 0);
    CHECK(strcmp(seen_sni, "engine.test") == 0);

    /* no key share: the server asks for one, on a group we listed */
    c.n_shares = 0;
    CHECK((n = hs_build_client_hello(&c, ch, sizeof(ch))) > 0);
    m = serve(TLS1_3_VERSION, ch, n, flight, sizeof(flight));
    CHECK_EQ(first_server_hello(flight, m, &sh), HS_OK);
    CHECK(sh.hrr && sh.has_key_share && (sh.group == 0x001D || sh.group == 0x0017) && sh.version == 0x0304);

    /* twin: a share for P-384, which supported_groups does not list (RFC 8446 §4.2.8) */
    ks.group = 0x0018;
    c.n_shares = 1;
    CHECK((n = hs_build_client_hello(&c, ch, sizeof(ch))) > 0);
    m = serve(TLS1_3_VERSION, ch, n, flight, sizeof(flight));
    CHECK(m >= 7 && flight[0] == 0x15 && flight[5] == 2 && flight[6] == HS_ILLEGAL_PARAMETER);
}

static void tls12(void)
{
    uint8_t random[32], ch[1024], flight[8192];
    const uint16_t suites[] = {0xC02B, 0xC02F, 0xCCA9};
    const uint16_t groups[] = {0x0017, 0x001D};
    const char *alpn[] = {"http/1.1"};
    struct client_hello c = {
        .random = random, .suites = suites, .n_suites = 3, .min_version = 0x0303,
        .max_version = 0x0303, .groups = groups, .n_groups = 2, .sig_algs = sig_algs, .n_sig_algs = 6,
        .server_name = "engine.test", .alpn = alpn, .n_alpn = 1, .session_ticket = true,
    };
    struct server_hello sh;
    struct tls_rd proto;
    size_t n, m;

    CHECK(RAND_bytes(random, 32) == 1);
    CHECK((n = hs_build_client_hello(&c, ch, sizeof(ch))) > 0);
    m = serve(TLS1_2_VERSION, ch, n, flight, sizeof(flight));
    CHECK_EQ(first_server_hello(flight, m, &sh), HS_OK);
    /* the server's certificate is P-256: ECDHE-ECDSA, ours first */
    CHECK(sh.version == 0x0303 && !sh.has_supported_versions && sh.cipher_suite == 0xC02B);
    CHECK(hs_ext_find(&sh.exts, EXT_EXTENDED_MASTER_SECRET) != NULL);
    CHECK(hs_ext_find(&sh.exts, EXT_RENEGOTIATION_INFO) != NULL &&
          hs_ext_find(&sh.exts, EXT_RENEGOTIATION_INFO)->n == 1);
    CHECK(hs_ext_find(&sh.exts, EXT_ALPN) != NULL &&
          hs_parse_alpn(*hs_ext_find(&sh.exts, EXT_ALPN), &proto) == HS_OK && proto.n == 8 &&
          memcmp(proto.p, "http/1.1", 8) == 0);
    CHECK(sh.downgrade == 0);
}

static void bounds(void)
{
    uint8_t random[32] = {0}, ch[1024];
    char longname[257];
    const char *alpn[] = {longname};
    struct client_hello c = {.random = random, .suites = suites13, .n_suites = 1, .min_version = 0x0304,
                             .max_version = 0x0304, .sig_algs = sig_algs, .n_sig_algs = 1};

    CHECK(hs_build_client_hello(&c, ch, sizeof(ch)) > 0);
    c.session_id = random, c.session_id_len = 33;
    CHECK_EQ(hs_build_client_hello(&c, ch, sizeof(ch)), 0);
    c.session_id_len = 0;
    memset(longname, 'a', 256), longname[256] = 0;
    c.alpn = alpn, c.n_alpn = 1;
    CHECK_EQ(hs_build_client_hello(&c, ch, sizeof(ch)), 0);
    c.n_alpn = 0;
    CHECK_EQ(hs_build_client_hello(&c, ch, 40), 0); /* does not fit */
}

int main(void)
{
    CHECK((key = cert_keygen("P-256")) != NULL && (cert = cert_self_signed(key, "engine.test")) != NULL);
    tls13();
    tls12();
    bounds();
    X509_free(cert);
    EVP_PKEY_free(key);
    return check_summary();
}
