/* test_engine_hostile: the engine's server against 1000 hostile connections (issue 14: "a
 * client that sends garbage, stalls or disconnects mid-handshake costs nothing lasting"),
 * then a good one. The hostile clients are transports that feed the server, in turn:
 * random bytes; a real ClientHello (captured from openssl s_client, fuzz/corpus/fuzz_server)
 * cut at a random point, then EOF; the same cut, then a stall (the transport's read times
 * out, as tls_sock_io's poll does); the ClientHello with random bytes flipped; a ClientHello
 * followed by garbage records. Each must fail with a message naming its step, send at most
 * one alert, leave the context serving; ASan (make check) and valgrind see no leak. Then a
 * real client (the engine's, over a socketpair, the server in a thread) must still complete
 * TLS 1.3 and TLS 1.2 handshakes and resume a session cached before the storm. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cert.h"
#include "check.h"
#include "engine.h"
#include "sslprov_ext.h"

#define HOSTILE 1000

static NCRYPT_PROV_HANDLE prov;
static struct tls_server_ctx *sctx;
static struct tls_server_cred cred;
static X509 *cert;
static uint8_t hello[4096];
static size_t hello_len;

struct feed {
    const uint8_t *p;
    size_t n;
    bool stall;      /* after the bytes: a timeout (-1) instead of EOF (0) */
    unsigned alerts;
};

static long feed_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct feed *f = ctx;
    size_t take = n < f->n ? n : f->n;

    if (f->n == 0)
        return f->stall ? -1 : 0;
    memcpy(buf, f->p, take);
    f->p += take;
    f->n -= take;
    return (long)take;
}

static long feed_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct feed *f = ctx;

    f->alerts += n >= 1 && buf[0] == 21;
    return (long)n;
}

static bool load_hello(void)
{
    FILE *f = fopen(SSLPROV_TEST_FUZZ_CORPUS "/fuzz_server/tls13-x25519", "rb");
    size_t n;

    if (f == NULL)
        return false;
    n = fread(hello, 1, sizeof(hello), f);
    fclose(f);
    /* the corpus file's first byte is the fuzz target's own (its offer pick) */
    if (n < 10)
        return false;
    memmove(hello, hello + 1, n - 1);
    hello_len = n - 1;
    return true;
}

/* One hostile connection of kind k; it must fail and say where. */
static void hostile(unsigned i)
{
    uint8_t buf[4096 + 64];
    struct feed f = {.p = buf};
    struct tls_conn *c;
    char err[256];
    uint32_t r = 0;

    RAND_bytes((uint8_t *)&r, sizeof(r));
    switch (i % 5) {
    case 0: /* noise */
        f.n = 1 + r % sizeof(buf);
        RAND_bytes(buf, (int)f.n);
        break;
    case 1: /* a ClientHello cut short, then the client goes away */
    case 2: /* ... or stalls */
        f.n = r % hello_len;
        memcpy(buf, hello, f.n);
        f.stall = i % 5 == 2;
        break;
    case 3: /* a ClientHello with a few bytes flipped */
        memcpy(buf, hello, hello_len);
        f.n = hello_len;
        for (int k = 0; k < 4; k++)
            buf[5 + (r >> (8 * k)) % (hello_len - 5)] ^= (uint8_t)(1 + k);
        break;
    default: /* a ClientHello, then garbage where its next flight belongs */
        memcpy(buf, hello, hello_len);
        f.n = hello_len + 64;
        RAND_bytes(buf + hello_len, 64);
        break;
    }
    c = tls_server_accept(sctx, (struct tls_io){.ctx = &f, .recv = feed_recv, .send = feed_send},
                          err, sizeof(err));
    CHECK(c != NULL);
    if (c == NULL)
        return;
    if (tls_handshake(c) == 0) {
        /* (a flipped byte can fall where nothing checks it: then the next read fails) */
        CHECK(i % 5 == 3);
        CHECK(tls_read(c, buf, sizeof(buf)) < 0);
    } else {
        CHECK(strchr(tls_error(c), ':') != NULL);
    }
    CHECK(f.alerts <= 1);
    tls_free(c);
}

/* The server side of one real connection, in a thread. */
struct served {
    int fd;
    int rc;
    bool resumed;
};

static void *serve(void *arg)
{
    struct served *s = arg;
    struct tls_sock sock = {.fd = s->fd, .timeout_ms = 5000};
    struct tls_conn *c;
    struct tls_info in;
    char err[256], buf[64];
    long n;

    c = tls_server_accept(sctx, tls_sock_io(&sock), err, sizeof(err));
    s->rc = c != NULL ? tls_handshake(c) : -1;
    if (s->rc == 0) {
        tls_get_info(c, &in);
        s->resumed = in.resumed;
        while ((n = tls_read(c, buf, sizeof(buf))) == TLS_AGAIN)
            ;
        s->rc = n == 5 && memcmp(buf, "hello", 5) == 0 && tls_write(c, "world", 5) == 0 ? 0 : -1;
        tls_close(c);
    }
    tls_free(c);
    close(s->fd);
    return NULL;
}

/* A real client against the context: the handshake, five bytes each way. */
static bool good_client(uint16_t version, const struct tls_session *resume,
                        struct tls_session **keep, bool *resumed)
{
    X509_STORE *store = X509_STORE_new();
    struct tls_client_config cfg = {.provider = prov, .min_version = version,
                                    .max_version = version, .server_name = "localhost",
                                    .trust = store, .resume = resume};
    int sv[2];
    struct served s = {0};
    pthread_t t;
    struct tls_sock sock = {.timeout_ms = 5000};
    struct tls_conn *c = NULL;
    char err[256], buf[8];
    long n = -1;
    bool ok;

    ok = store != NULL && X509_STORE_add_cert(store, cert) == 1 &&
         socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0;
    if (ok) {
        s.fd = sv[1];
        sock.fd = sv[0];
        ok = pthread_create(&t, NULL, serve, &s) == 0;
        if (ok) {
            c = tls_client_new(&cfg, tls_sock_io(&sock), err, sizeof(err));
            ok = c != NULL && tls_handshake(c) == 0 && tls_write(c, "hello", 5) == 0;
            while (ok && (n = tls_read(c, buf, sizeof(buf))) == TLS_AGAIN)
                ;
            ok = ok && n == 5 && memcmp(buf, "world", 5) == 0;
            if (!ok && c != NULL)
                fprintf(stderr, "  client: %s\n", tls_error(c));
            if (ok && keep != NULL) {
                while ((n = tls_read(c, buf, sizeof(buf))) == TLS_AGAIN)
                    ;
                *keep = tls_get_session(c);
            }
            if (c != NULL)
                tls_close(c);
            close(sv[0]);
            pthread_join(t, NULL);
            ok = ok && s.rc == 0;
            *resumed = s.resumed;
        } else {
            close(sv[0]);
            close(sv[1]);
        }
    }
    tls_free(c);
    X509_STORE_free(store);
    return ok;
}

int main(void)
{
    EVP_PKEY *key = cert_keygen("P-256");
    uint8_t *der = NULL;
    unsigned char *kder = NULL;
    size_t der_len = 0;
    int klen;
    struct tls_server_config cfg = {0};
    struct tls_session *s12 = NULL, *s13 = NULL;
    char err[256];
    bool resumed = false;

    CHECK(SslOpenProvider(&prov, NULL, 0) == SEC_E_OK);
    CHECK(load_hello());
    cert = key != NULL ? cert_self_signed(key, "localhost") : NULL;
    der = cert != NULL ? cert_der(cert, &der_len) : NULL;
    klen = key != NULL ? i2d_PrivateKey(key, &kder) : 0;
    CHECK(der != NULL && klen > 0);
    CHECK(SslProvCreateCertificateContext(der, (DWORD)der_len, &cred.cert) == SEC_E_OK);
    CHECK(SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder, (DWORD)klen, 0) == SEC_E_OK);
    cfg = (struct tls_server_config){.provider = prov, .creds = &cred, .n_creds = 1};
    sctx = tls_server_ctx_new(&cfg, err, sizeof(err));
    CHECK(sctx != NULL);
    if (sctx != NULL && hello_len != 0) {
        /* sessions made before the storm must survive it */
        CHECK(good_client(0x0304, NULL, &s13, &resumed));
        CHECK(good_client(0x0303, NULL, &s12, &resumed));
        for (unsigned i = 0; i < HOSTILE; i++)
            hostile(i);
        CHECK(good_client(0x0304, NULL, NULL, &resumed) && !resumed);
        CHECK(good_client(0x0303, NULL, NULL, &resumed) && !resumed);
        CHECK(s13 != NULL && good_client(0x0304, s13, NULL, &resumed) && resumed);
        CHECK(s12 != NULL && good_client(0x0303, s12, NULL, &resumed) && resumed);
    }
    tls_session_free(s12);
    tls_session_free(s13);
    tls_server_ctx_free(sctx);
    SslProvFreeCertificateContext(cred.cert);
    OPENSSL_clear_free(kder, klen > 0 ? (size_t)klen : 0);
    OPENSSL_free(der);
    X509_free(cert);
    EVP_PKEY_free(key);
    SslFreeObject(prov, 0);
    return check_summary();
}
