/* fuzz_client: the whole engine client (engine/engine.h) against a server whose bytes are the
 * input — record framing, the state machine, every server message in the clear (TLS 1.3
 * ServerHello and HelloRetryRequest; TLS 1.2 ServerHello, Certificate with real X.509
 * parsing, ServerKeyExchange with its signature check through SslVerifySignature,
 * CertificateRequest, ServerHelloDone; with a PSK: a ServerHello taking it, with or without a
 * key_share, and TLS 1.2's PSK identity hint) and the provider calls they lead to. The first
 * input byte picks the offer (TLS 1.3 and 1.2, 1.3 only, 1.2 only, both with an external PSK
 * and psk_ke offered too) and how the transport cuts the rest into reads (1..256 bytes at a
 * time or all at once); what the client sends is dropped.
 * The ServerHello's legacy_session_id is made to echo ours (engine_feed.h). The encrypted
 * messages cannot be reached with random bytes (the client's randomness keys them): their
 * parsers are fuzz_engine's.
 * Invariants: the handshake ends (success or a failure with a message naming a step), never a
 * crash, a hang or a leak (ASan, and valgrind in the replay); a failure sends at most one
 * alert; after a failure every call refuses. */
#include "engine_feed.h"

static NCRYPT_PROV_HANDLE prov;
static struct tls_client_ctx *ctxs[4]; /* one per offer, made once (as a server's SSL_CTX is) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint16_t versions[4][2] = {{0x0303, 0x0304}, {0x0304, 0x0304}, {0x0303, 0x0303},
                                            {0x0303, 0x0304}};
    static const struct tls_psk psk = {"fuzz", (const uint8_t *)"sslprov fuzz_client PSK 32 bytes", 32};
    char err[320];

    (void)argc, (void)argv;
    fz_target = "fuzz_client";
    if (SslOpenProvider(&prov, NULL, 0) != SEC_E_OK)
        FZ_FAIL("SslOpenProvider failed");
    for (int i = 0; i < 4; i++) {
        struct tls_client_config cfg = {.provider = prov, .min_version = versions[i][0],
                                        .max_version = versions[i][1],
                                        .server_name = "localhost", .insecure = true,
                                        .psk = i == 3 ? &psk : NULL,
                                        .psk_modes = i == 3 ? TLS_PSK_MODES_BOTH : TLS_PSK_MODES_DHE};

        if ((ctxs[i] = tls_client_ctx_new(&cfg, err, sizeof(err))) == NULL)
            FZ_FAIL("tls_client_ctx_new: %s", err);
    }
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
    feed_echo_session_id(&f);
    c = tls_client_connect(ctxs[data[0] & 3], feed_io(&f), NULL, err, sizeof(err));
    if (c == NULL)
        FZ_FAIL("tls_client_connect: %s", err);
    feed_run(c, &f);
    return 0;
}
