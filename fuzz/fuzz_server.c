/* fuzz_server: the whole engine server (engine/server.c) against a client whose bytes are
 * the input — record framing as the server reads it, the ClientHello parser and every
 * extension the server acts on (supported_versions, supported_groups, key_share,
 * signature_algorithms, server_name, ALPN, psk_key_exchange_modes, pre_shared_key with its
 * binders, cookie, EMS, SessionTicket, renegotiation_info, record_size_limit), the
 * negotiation (version, suite, group, certificate and scheme, HelloRetryRequest and the
 * second ClientHello), the signing through SslSignHash, and the ClientKeyExchange of TLS 1.2
 * (ECDHE, DHE, RSA through SslImportMasterKey). The server has an RSA-2048 and an ECDSA P-256
 * certificate and an external PSK "fuzz" (TLS 1.3 external PSK, psk_ke, TLS 1.2 PSK suites).
 * The first input byte picks the server — TLS 1.2 and 1.3; 1.3 alone preferring psk_ke; 1.2
 * alone; both requiring a client certificate (TLS 1.2's comes in the clear) — and how the
 * transport cuts the rest into reads; what the server sends is dropped. Client messages after the key exchange
 * are out of reach of random bytes (the server's randomness keys them).
 * Invariants: the handshake ends (a failure names its step, at most one alert per failure,
 * a failed connection refuses every later call), never a crash, a hang or a leak. */
#include "cert.h"
#include "engine_feed.h"

static NCRYPT_PROV_HANDLE prov;
static struct tls_server_ctx *ctxs[4];
static X509_STORE *client_ca;
static struct tls_server_cred creds[2];

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
    for (int i = 0; i < 4; i++)
        tls_server_ctx_free(ctxs[i]);
    X509_STORE_free(client_ca);
    for (int i = 0; i < 2; i++)
        SslProvFreeCertificateContext(creds[i].cert);
    SslFreeObject(prov, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint16_t versions[4][2] = {{0x0303, 0x0304}, {0x0304, 0x0304}, {0x0303, 0x0303},
                                            {0x0303, 0x0304}};
    static const struct tls_psk psk = {"fuzz", (const uint8_t *)"sslprov fuzz_server PSK 32 bytes", 32};
    char err[320];

    (void)argc, (void)argv;
    fz_target = "fuzz_server";
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK)
        FZ_FAIL("SslOpenProvider failed");
    make_cred(cert_rsa_key(0), &creds[0]);
    make_cred(cert_keygen("P-256"), &creds[1]);
    /* (any anchor: a client certificate the fuzzer sends is parsed and checked against it) */
    if ((client_ca = X509_STORE_new()) == NULL)
        FZ_FAIL("X509_STORE_new");
    for (int i = 0; i < 4; i++) {
        static const char *const alpn[] = {"h2", "http/1.1"};
        struct tls_server_config cfg = {.provider = prov, .min_version = versions[i][0],
                                        .max_version = versions[i][1], .alpn = alpn,
                                        .n_alpn = 2, .creds = creds, .n_creds = 2,
                                        .psks = &psk, .n_psks = 1,
                                        .psk_ke = i == 1 ? TLS_PSK_KE_PREFER : TLS_PSK_KE_ALLOW,
                                        .verify_client = i == 3 ? client_ca : NULL};

        if ((ctxs[i] = tls_server_ctx_new(&cfg, err, sizeof(err))) == NULL)
            FZ_FAIL("tls_server_ctx_new: %s", err);
    }
    atexit(release);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed f;
    struct tls_conn *c;
    char err[320];

    if (size == 0)
        return 0;
    f = feed_of(data, size);
    c = tls_server_accept(ctxs[data[0] & 3], feed_io(&f), err, sizeof(err));
    if (c == NULL)
        FZ_FAIL("tls_server_accept: %s", err);
    feed_run(c, &f);
    return 0;
}
