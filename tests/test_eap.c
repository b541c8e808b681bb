/* SslComputeEapKeyBlock (conventions.md §13, behavior.md §8.5) against libssl: real TLS 1.0,
 * 1.1 and 1.2 handshakes (tests/support/libssl_peer.h), libssl's master secret imported as an
 * OpaqueKeyBlob, then the 192-byte SecPkgContext_EapKeyBlock compared with
 * - rgbKeys, selectors 0/1/2: libssl's SSL_export_keying_material with the label and no
 *   context — RFC 5216 §2.3 ("client EAP encryption") and RFC 5281 §8 ("ttls keying
 *   material", "ttls challenge") define them as exactly that;
 * - rgbKeys, selector 3 (EAP-FAST): the start of the TLS key block, PRF(ms, "key expansion",
 *   server_random || client_random), computed with libcrypto's TLS1-PRF;
 * - rgbIVs: selector 0 PRF("", "client EAP encryption", client || server) (RFC 2716 §3.5),
 *   libcrypto's TLS1-PRF; zeros for the other selectors.
 * Negative twins for every status of the order Windows checks in. */
#include "check.h"
#include "libssl_peer.h"
#include "master_blob.h"
#include "sslprovider.h"

#define EAP_BLOCK 192

static NCRYPT_PROV_HANDLE prov;

static NCRYPT_KEY_HANDLE import_master(DWORD proto, DWORD suite, const unsigned char ms[48])
{
    NCRYPT_KEY_HANDLE h = master_blob_import(prov, proto, suite, 1, ms);

    CHECK(h != 0);
    return h;
}

static void one_session(int version, const char *ciphers, const char *name)
{
    static const char *const labels[3] = {"client EAP encryption", "ttls keying material", "ttls challenge"};
    struct peer_config cfg = {.version = version, .ciphers = ciphers, .ems = 1, .no_ticket = 1};
    struct peer_run r;
    unsigned char randoms[64], sr_cr[64], want[128], ivs[64], zeros[64] = {0};
    BYTE out[EAP_BLOCK + 1];
    DWORD cb;
    NCRYPT_KEY_HANDLE mk;

    if (!peer_handshake(&cfg, &r)) {
        CHECK(!"libssl handshake");
        peer_free(&r);
        return;
    }
    memcpy(randoms, r.client_random, 32);
    memcpy(randoms + 32, r.server_random, 32);
    memcpy(sr_cr, r.server_random, 32);
    memcpy(sr_cr + 32, r.client_random, 32);
    mk = import_master((DWORD)r.version, r.cipher_id, r.master_secret);
    for (DWORD sel = 0; sel < 4; sel++) {
        memset(out, 0xEE, sizeof(out));
        cb = 0;
        CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, EAP_BLOCK, &cb, sel), SEC_E_OK);
        CHECK(cb == EAP_BLOCK && out[EAP_BLOCK] == 0xEE);
        if (sel < 3)
            CHECK(SSL_export_keying_material(r.client, want, sizeof(want), labels[sel], strlen(labels[sel]),
                                             NULL, 0, 0) == 1);
        else
            CHECK(peer_tls_prf(r.prf_digest, r.master_secret, 48, "key expansion", sr_cr, 64, want, 128));
        if (memcmp(out, want, 128) != 0)
            fprintf(stderr, "%s selector %u: rgbKeys differ\n", name, (unsigned)sel);
        CHECK_MEM(out, want, 128);
        if (sel == 0) {
            CHECK(peer_tls_prf(r.prf_digest, (const unsigned char *)"", 0, labels[0], randoms, 64, ivs, 64));
            CHECK_MEM(out + 128, ivs, 64);
        } else {
            CHECK_MEM(out + 128, zeros, 64);
        }
    }
    /* the flags' higher bits and the swapped randoms are not the same thing: a negative twin
     * for the seed order */
    memcpy(randoms, sr_cr, 64);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, EAP_BLOCK, &cb, 0), SEC_E_OK);
    CHECK(SSL_export_keying_material(r.client, want, sizeof(want), labels[0], strlen(labels[0]), NULL, 0, 0) == 1);
    CHECK(memcmp(out, want, 128) != 0);
    SslFreeObject(mk, 0);
    fprintf(stderr, "%-8s %-28s EMS %d: EAP-TLS, TTLS keys and challenge, FAST: libssl's values\n", name, ciphers,
            r.ems_used);
    peer_free(&r);
}

/* Every status, in Windows' order (conventions.md §13). */
static void negatives(void)
{
    static const unsigned char ms[48] = {1, 2, 3};
    BYTE randoms[64] = {7}, out[EAP_BLOCK];
    DWORD cb;
    NCRYPT_KEY_HANDLE mk = import_master(TLS1_2_PROTOCOL_VERSION, 0xC02F, ms);
    NCRYPT_KEY_HANDLE ssl3 = import_master(SSL3_PROTOCOL_VERSION, 0x002F, ms);
    NCRYPT_KEY_HANDLE psk = 0, early = 0, freed = import_master(TLS1_2_PROTOCOL_VERSION, 0xC02F, ms);

    CHECK_ST(SslFreeObject(freed, 0), SEC_E_OK);
    /* a TLS 1.3 secret is not a master key: another class */
    CHECK_ST(SslImportKey(prov, &psk, TLS_13_PRE_SHARED_KEY, randoms, 32, 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, psk, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, NULL, 0), SEC_E_OK);

    CHECK_ST(SslComputeEapKeyBlock(0, mk, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, sizeof(out), NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeEapKeyBlock(prov, 0, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeEapKeyBlock(prov, freed, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeEapKeyBlock(prov, early, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeEapKeyBlock(prov, prov, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    /* flags: higher bits, then a selector beyond EAP-FAST; before the randoms are looked at */
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, NULL, 0, out, sizeof(out), &cb, 0x100), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, sizeof(out), &cb, 0x80000000u), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, NULL, 0, out, sizeof(out), &cb, 4), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, sizeof(out), &cb, 0xFF), NTE_BAD_FLAGS);
    /* the randoms: exactly 64 bytes, a pointer */
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 63, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 65, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, NULL, 64, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    /* SSL 3.0 has no PRF: NTE_INVALID_PARAMETER, as Windows */
    CHECK_ST(SslComputeEapKeyBlock(prov, ssl3, randoms, 64, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    /* sizes: always 192; a query, and a buffer one short */
    cb = 0;
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, NULL, 0, &cb, 3), SEC_E_OK);
    CHECK(cb == EAP_BLOCK);
    cb = 0;
    memset(out, 0xEE, sizeof(out));
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 64, out, EAP_BLOCK - 1, &cb, 1), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == EAP_BLOCK && out[0] == 0xEE);
    /* a failure before the size leaves *pcbResult alone */
    cb = 5;
    CHECK_ST(SslComputeEapKeyBlock(prov, mk, randoms, 63, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK(cb == 5);
    SslFreeObject(mk, 0);
    SslFreeObject(ssl3, 0);
    SslFreeObject(early, 0);
    SslFreeObject(psk, 0);
}

int main(void)
{
    CHECK_ST(SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    one_session(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", "TLS1.2");
    one_session(TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", "TLS1.2");
    one_session(TLS1_2_VERSION, "AES128-SHA256", "TLS1.2");
    one_session(TLS1_1_VERSION, "ECDHE-RSA-AES128-SHA", "TLS1.1");
    one_session(TLS1_VERSION, "AES128-SHA", "TLS1.0");
    negatives();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    peer_global_cleanup();
    return check_summary();
}
