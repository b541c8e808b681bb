/* fuzz_server: the whole engine server (engine/server.c) against a client whose bytes are
 * the input — record framing as the server reads it, the ClientHello parser and every
 * extension the server acts on (supported_versions, supported_groups, key_share,
 * signature_algorithms, server_name, ALPN, psk_key_exchange_modes, pre_shared_key with its
 * binders, cookie, EMS, SessionTicket, renegotiation_info, record_size_limit), the
 * negotiation (version, suite, group, certificate and scheme, HelloRetryRequest and the
 * second ClientHello), the signing through SslSignHash, and the ClientKeyExchange of TLS 1.2
 * (ECDHE, DHE, RSA through SslImportMasterKey). The server has an RSA-2048 and an ECDSA P-256
 * certificate. The first input byte picks the versions served and how the transport cuts the
 * rest into reads; what the server sends is dropped. Client messages after the key exchange
 * are out of reach of random bytes (the server's randomness keys them).
 * Invariants: the handshake ends (a failure names its step, at most one alert per failure,
 * a failed connection refuses every later call), never a crash, a hang or a leak. */
#include "cert.h"
#include "engine.h"
#include "fuzz_common.h"

static NCRYPT_PROV_HANDLE prov;
static struct tls_server_ctx *ctxs[3];
static struct tls_server_cred creds[2];

struct feed {
    const uint8_t *p;
    size_t n;
    size_t chunk;
    unsigned alerts;
};

static long feed_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct feed *f = ctx;
    size_t take = f->chunk != 0 && f->chunk < n ? f->chunk : n;

    if (f->n == 0)
        return 0;
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

/* A self-signed certificate for key, its key associated for SslOpenPrivateKey. */
static void make_cred(EVP_PKEY *key, struct tls_server_cred *cr)
{
    X509 *x = cert_self_signed(key, "localhost");
    size_t der_len = 0;
    uint8_t *der = x != NULL ? cert_der(x, &der_len) : NULL;
    unsigned char *kder = NULL;
    int klen = i2d_PrivateKey(key, &kder);

    if (der == NULL || klen <= 0 ||
        SslProvCreateCertificateContext(der, (DWORD)der_len, &cr->cert) != SEC_E_OK ||
        SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder, (DWORD)klen, 0) != SEC_E_OK)
        FZ_FAIL("server credentials");
    OPENSSL_clear_free(kder, (size_t)klen);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* (at exit, so that valgrind's replay sees every block returned) */
static void release(void)
{
    for (int i = 0; i < 3; i++)
        tls_server_ctx_free(ctxs[i]);
    for (int i = 0; i < 2; i++)
        SslProvFreeCertificateContext(creds[i].cert);
    SslFreeObject(prov, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint16_t versions[3][2] = {{0x0303, 0x0304}, {0x0304, 0x0304}, {0x0303, 0x0303}};
    char err[320];

    (void)argc, (void)argv;
    fz_target = "fuzz_server";
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK)
        FZ_FAIL("SslOpenProvider failed");
    make_cred(cert_rsa_key(0), &creds[0]);
    make_cred(cert_keygen("P-256"), &creds[1]);
    for (int i = 0; i < 3; i++) {
        static const char *const alpn[] = {"h2", "http/1.1"};
        struct tls_server_config cfg = {.provider = prov, .min_version = versions[i][0],
                                        .max_version = versions[i][1], .alpn = alpn,
                                        .n_alpn = 2, .creds = creds, .n_creds = 2};

        if ((ctxs[i] = tls_server_ctx_new(&cfg, err, sizeof(err))) == NULL)
            FZ_FAIL("tls_server_ctx_new: %s", err);
    }
    atexit(release);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int offer[4] = {0, 1, 2, 0};
    struct feed f;
    struct tls_conn *c;
    char err[320];
    uint8_t buf[512], pick;

    if (size == 0)
        return 0;
    pick = data[0];
    f = (struct feed){.p = data + 1, .n = size - 1,
                      .chunk = (pick >> 2) == 0 ? 0 : (size_t)(pick >> 2) * 4};
    c = tls_server_accept(ctxs[offer[pick & 3]],
                          (struct tls_io){.ctx = &f, .recv = feed_recv, .send = feed_send}, err,
                          sizeof(err));
    if (c == NULL)
        FZ_FAIL("tls_server_accept: %s", err);
    if (tls_handshake(c) == 0) {
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
