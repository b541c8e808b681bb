/* fuzz_client: the whole engine client (engine/engine.h) against a server whose bytes are the
 * input — record framing, the state machine, every server message in the clear (TLS 1.3
 * ServerHello and HelloRetryRequest; TLS 1.2 ServerHello, Certificate with real X.509
 * parsing, ServerKeyExchange with its signature check through SslVerifySignature,
 * CertificateRequest, ServerHelloDone) and the provider calls they lead to. The first input
 * byte picks the offer (TLS 1.3 and 1.2, 1.3 only, 1.2 only) and how the transport cuts the
 * rest into reads (1..256 bytes at a time or all at once); what the client sends is dropped.
 * The encrypted messages cannot be reached with random bytes (the client's randomness keys
 * them): their parsers are fuzz_engine's.
 * Invariants: the handshake ends (success or a failure with a message naming a step), never a
 * crash, a hang or a leak (ASan, and valgrind in the replay); a failure sends at most one
 * alert; after a failure every call refuses. */
#include "engine.h"
#include "fuzz_common.h"

static NCRYPT_PROV_HANDLE prov;
static struct tls_client_ctx *ctxs[3]; /* one per offer, made once (as a server's SSL_CTX is) */

struct feed {
    const uint8_t *p;
    size_t n;
    size_t chunk;   /* 0: all that is asked for */
    unsigned alerts; /* alert records we sent */
};

static long feed_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct feed *f = ctx;
    size_t take = f->chunk != 0 && f->chunk < n ? f->chunk : n;

    if (f->n == 0)
        return 0; /* the server closed */
    if (take > f->n)
        take = f->n;
    memcpy(buf, f->p, take);
    f->p += take;
    f->n -= take;
    return (long)take;
}

static long feed_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct feed *f = ctx;

    if (n >= 1 && buf[0] == 21)
        f->alerts++;
    return (long)n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const uint16_t versions[3][2] = {{0x0303, 0x0304}, {0x0304, 0x0304}, {0x0303, 0x0303}};
    char err[320];

    fz_target = "fuzz_client";
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK)
        FZ_FAIL("SslOpenProvider failed");
    for (int i = 0; i < 3; i++) {
        struct tls_client_config cfg = {.provider = prov, .min_version = versions[i][0],
                                        .max_version = versions[i][1],
                                        .server_name = "localhost", .insecure = true};

        if ((ctxs[i] = tls_client_ctx_new(&cfg, err, sizeof(err))) == NULL)
            FZ_FAIL("tls_client_ctx_new: %s", err);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int offer[4] = {0, 1, 2, 0};
    struct feed f;
    struct tls_conn *c;
    char err[320];
    uint8_t buf[512];
    uint8_t pick;

    if (size == 0)
        return 0;
    pick = data[0];
    f = (struct feed){.p = data + 1, .n = size - 1,
                      .chunk = (pick >> 2) == 0 ? 0 : (size_t)(pick >> 2) * 4};
    c = tls_client_connect(ctxs[offer[pick & 3]],
                           (struct tls_io){.ctx = &f, .recv = feed_recv, .send = feed_send}, NULL,
                           err, sizeof(err));
    if (c == NULL)
        FZ_FAIL("tls_client_connect: %s", err);
    if (tls_handshake(c) == 0) {
        /* (only reachable if the input is a real server's answer to these exact bytes) */
        while (tls_read(c, buf, sizeof(buf)) > 0)
            ;
    } else {
        const char *e = tls_error(c);

        if (strchr(e, ':') == NULL)
            FZ_FAIL("a failure without a step: %s", e);
        if (f.alerts > 1)
            FZ_FAIL("%u alerts sent for one failure", f.alerts);
        if (tls_handshake(c) == 0 || tls_write(c, "x", 1) == 0 || tls_read(c, buf, 1) >= 0)
            FZ_FAIL("a failed connection still works");
    }
    tls_free(c);
    return 0;
}
