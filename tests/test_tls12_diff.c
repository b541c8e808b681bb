/* Differential against OpenSSL's TLS stack (issue 3): real TLS 1.0/1.1/1.2 and DTLS 1.0/1.2
 * handshakes over an in-memory pipe (tests/support/libssl_peer.h), then, through our public API
 * only:
 * - every case: libssl's master secret imported as an OpaqueKeyBlob gives, over the same
 *   handshake messages, the verify_data of both Finished messages;
 * - RSA key exchange: the ClientKeyExchange ciphertext fed to SslImportMasterKey with the
 *   server's key (SslOpenPrivateKey) gives libssl's master secret, EMS on and off;
 * - PSK: SslGenerateMasterKey with the same PSK gives libssl's master secret;
 * - EMS: SslComputeSessionHash after the ClientKeyExchange is the session hash libssl used
 *   (checked through the master secret it yields: RSA and PSK, whose pre-master is known). */
#include <openssl/x509.h>
#include "check.h"
#include "libssl_peer.h"
#include "master_blob.h"
#include "traced.h"
#include "sslprov_ext.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static const unsigned char psk_key[] = "sslprov differential PSK, 32 b!";
static unsigned runs;

static NCRYPT_KEY_HANDLE import_master(const struct peer_run *r)
{
    NCRYPT_KEY_HANDLE h = master_blob_import(prov, (DWORD)r->version, r->cipher_id, 1, r->master_secret);

    test_secret(r->master_secret, sizeof(r->master_secret));

    CHECK(h != 0);
    return h;
}

/* The master secret of a master-key handle, read back through its OpaqueKeyBlob. */
static NCRYPT_HASH_HANDLE hash_messages(const struct peer_run *r, size_t upto)
{
    NCRYPT_HASH_HANDLE h = 0;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, (DWORD)r->version, r->cipher_id, 0), SEC_E_OK);
    for (size_t i = 0; i < upto; i++)
        CHECK_ST(SslHashHandshake(prov, h, r->msgs[i].data, (DWORD)r->msgs[i].len, 0), SEC_E_OK);
    return h;
}

static void check_finished(const struct peer_run *r, const char *name)
{
    NCRYPT_KEY_HANDLE mk = import_master(r);
    NCRYPT_HASH_HANDLE h = hash_messages(r, r->client_finished_index);
    BYTE out[64];

    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, (DWORD)r->finished_len, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    if (memcmp(out, r->client_finished, r->finished_len) != 0)
        fprintf(stderr, "%s: client Finished differs\n", name);
    CHECK_MEM(out, r->client_finished, r->finished_len);
    /* the running hash goes on: feed up to the server's Finished */
    for (size_t i = r->client_finished_index; i < r->server_finished_index; i++)
        SslHashHandshake(prov, h, r->msgs[i].data, (DWORD)r->msgs[i].len, 0);
    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, (DWORD)r->finished_len, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    if (memcmp(out, r->server_finished, r->finished_len) != 0)
        fprintf(stderr, "%s: server Finished differs\n", name);
    CHECK_MEM(out, r->server_finished, r->finished_len);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

/* Our session hash after the ClientKeyExchange, through the parameter list of a master-key
 * call; NULL-free: params has room for 4 buffers. */
static void session_params(const struct peer_run *r, BYTE *sh, DWORD *sh_len, DWORD *version,
                           NCryptBuffer b[4], NCryptBufferDesc *d)
{
    NCRYPT_HASH_HANDLE h = hash_messages(r, r->ckx_index + 1);

    *sh_len = 0;
    CHECK_ST(SslComputeSessionHash(prov, h, (DWORD)r->version, sh, 64, sh_len, 0), SEC_E_OK);
    SslFreeObject(h, 0);
    b[0] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)r->client_random};
    b[1] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)r->server_random};
    b[2] = (NCryptBuffer){4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, version};
    b[3] = (NCryptBuffer){*sh_len, NCRYPTBUFFER_SSL_SESSION_HASH, sh};
    *d = (NCryptBufferDesc){NCRYPTBUFFER_VERSION, r->ems_used ? 4 : 3, b};
}

static NCRYPT_KEY_HANDLE open_server_key(const struct peer_run *r)
{
    unsigned char *der = NULL;
    int der_len = i2d_PrivateKey(r->server_key, &der);
    PCCERT_CONTEXT cert = NULL;
    NCRYPT_KEY_HANDLE key = 0;

    CHECK(der_len > 0);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(r->server_cert_der, (DWORD)r->server_cert_der_len, der,
                                                (DWORD)der_len, 0), SEC_E_OK);
    CHECK_ST(SslProvCreateCertificateContext(r->server_cert_der, (DWORD)r->server_cert_der_len, &cert), SEC_E_OK);
    if (cert != NULL) {
        CHECK_ST(SslOpenPrivateKey(prov, &key, cert, 0), SEC_E_OK);
        SslProvFreeCertificateContext(cert);
    }
    OPENSSL_clear_free(der, (size_t)der_len);
    return key;
}

static void check_rsa(const struct peer_run *r, const char *name)
{
    NCRYPT_KEY_HANDLE key = open_server_key(r), mk = 0;
    NCryptBuffer b[4];
    NCryptBufferDesc d;
    BYTE sh[64], ms[48], prefixed[1024];
    DWORD sh_len, version = (DWORD)r->version;

    session_params(r, sh, &sh_len, &version, b, &d);
    CHECK_ST(SslImportMasterKey(prov, key, &mk, (DWORD)r->version, r->cipher_id, &d, r->rsa_ckx,
                                (DWORD)r->rsa_ckx_len, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK(master_blob_export(prov, mk, ms) && memcmp(ms, r->master_secret, 48) == 0);
    if (memcmp(ms, r->master_secret, 48) != 0)
        fprintf(stderr, "%s: RSA master secret differs\n", name);
    SslFreeObject(mk, 0);
    /* the same ciphertext with its 2-byte TLS length prefix (conventions.md §3) */
    prefixed[0] = (BYTE)(r->rsa_ckx_len >> 8);
    prefixed[1] = (BYTE)r->rsa_ckx_len;
    memcpy(prefixed + 2, r->rsa_ckx, r->rsa_ckx_len);
    CHECK_ST(SslImportMasterKey(prov, key, &mk, (DWORD)r->version, r->cipher_id, &d, prefixed,
                                (DWORD)r->rsa_ckx_len + 2, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK(master_blob_export(prov, mk, ms) && memcmp(ms, r->master_secret, 48) == 0);
    SslFreeObject(mk, 0);
    SslFreeObject(key, 0);
}

static void check_psk(const struct peer_run *r, const char *name)
{
    NCRYPT_KEY_HANDLE psk = 0, mk = 0;
    NCryptBuffer b[4];
    NCryptBufferDesc d;
    BYTE sh[64], ms[48], out[8];
    DWORD sh_len, version = (DWORD)r->version, cb = 99;

    CHECK_ST(SslImportKey(prov, &psk, TLS_13_PRE_SHARED_KEY, (PBYTE)psk_key, sizeof(psk_key) - 1, 0), SEC_E_OK);
    session_params(r, sh, &sh_len, &version, b, &d);
    CHECK_ST(SslGenerateMasterKey(prov, psk, 0, &mk, (DWORD)r->version, r->cipher_id, &d, out, sizeof(out), &cb,
                                  NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK(cb == 0);
    CHECK(master_blob_export(prov, mk, ms) && memcmp(ms, r->master_secret, 48) == 0);
    if (memcmp(ms, r->master_secret, 48) != 0)
        fprintf(stderr, "%s: PSK master secret differs\n", name);
    SslFreeObject(mk, 0);
    /* PSK takes no public key (conventions.md §1) */
    CHECK_ST(SslGenerateMasterKey(prov, psk, psk, &mk, (DWORD)r->version, r->cipher_id, &d, NULL, 0, &cb,
                                  NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    SslFreeObject(psk, 0);
}

static void run(const char *name, int version, const char *ciphers, const char *groups, int ems, int cert_type,
                int psk)
{
    struct peer_config cfg = {.version = version, .ciphers = ciphers, .groups = groups, .ems = ems,
                              .cert_type = cert_type, .no_ticket = 1};
    struct peer_run r;

    if (psk) {
        cfg.psk = psk_key;
        cfg.psk_len = sizeof(psk_key) - 1;
    }
    memset(&r, 0, sizeof(r));
    if (!peer_handshake(&cfg, &r)) {
        CHECK(!"libssl handshake");
        fprintf(stderr, "%s: handshake failed\n", name);
        peer_free(&r);
        return;
    }
    CHECK(r.ems_used == ems);
    check_finished(&r, name);
    if (r.rsa_ckx != NULL)
        check_rsa(&r, name);
    if (psk)
        check_psk(&r, name);
    runs++;
    peer_free(&r);
}

int main(void)
{
    static const struct { int v; const char *name; } versions[] = {
        {TLS1_VERSION, "TLS1.0"}, {TLS1_1_VERSION, "TLS1.1"}, {TLS1_2_VERSION, "TLS1.2"},
        {DTLS1_VERSION, "DTLS1.0"}, {DTLS1_2_VERSION, "DTLS1.2"},
    };
    char name[128];

    CHECK_ST(SslOpenProvider(&prov, TEST_PROVIDER_NAME, 0), SEC_E_OK);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        int v = versions[i].v, v12 = v == TLS1_2_VERSION || v == DTLS1_2_VERSION;

        for (int ems = 0; ems <= 1; ems++) {
#define RUN(ciphers, groups, cert, psk)                                                          \
    snprintf(name, sizeof(name), "%s %s %s ems=%d", versions[i].name, ciphers, groups ? groups : "", ems); \
    run(name, v, ciphers, groups, ems, cert, psk)
            RUN("ECDHE-RSA-AES128-SHA", "P-256", 0, 0);
            RUN("ECDHE-RSA-AES256-SHA", "X25519", 0, 0);
            RUN("DHE-RSA-AES128-SHA", NULL, 0, 0);
            RUN("AES128-SHA", NULL, 0, 0);
            RUN("ECDHE-ECDSA-AES128-SHA", "P-256", 1, 0);
            /* PSK suites exist for TLS 1.2 only (api.md §5: the header has no PSK-AES-CBC-SHA) */
            if (v == TLS1_2_VERSION) {
                RUN("PSK-AES128-CBC-SHA256", NULL, 0, 1);
                RUN("PSK-AES256-GCM-SHA384", NULL, 0, 1);
            }
            if (v12) {
                RUN("ECDHE-RSA-AES128-GCM-SHA256", "X25519", 0, 0);
                RUN("ECDHE-RSA-AES256-GCM-SHA384", "P-256", 0, 0);
                RUN("AES256-GCM-SHA384", NULL, 0, 0);
                RUN("AES128-SHA256", NULL, 0, 0);
                RUN("DHE-RSA-AES256-GCM-SHA384", NULL, 0, 0);
                RUN("ECDHE-RSA-CHACHA20-POLY1305", "X25519", 0, 0);
                RUN("ECDHE-ECDSA-AES256-GCM-SHA384", "P-256", 1, 0);
            }
#undef RUN
        }
    }
    printf("%u handshakes compared\n", runs);
    CHECK(runs >= 80);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(TEST_HANDLES_RELEASED());
    peer_global_cleanup();
    return check_summary();
}
