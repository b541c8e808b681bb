/* test_engine_sni: the engine's server picks its certificate by the client's server_name
 * (RFC 6066 §3) among those that can sign a scheme the client offers; with a name none of them
 * carries it falls back to the first that can sign. Two credentials: RSA-2048 for
 * rsa.test and ECDSA P-256 for ec.test. Our client (over a socketpair, the server in a
 * thread) checks the chain and the name, so a wrong choice fails its verification; the
 * subject it reports is checked too. TLS 1.3 and 1.2. Twin: a name neither carries gets a
 * default certificate (the handshake completes when the client does not check the name) and,
 * checked against that name, fails the client's verification. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cert.h"
#include "check.h"
#include "engine.h"
#include "sslprov_ext.h"

static NCRYPT_PROV_HANDLE prov;
static struct tls_server_ctx *sctx;
static X509 *certs[2];
static X509_STORE *store;

static void *serve(void *arg)
{
    int fd = *(int *)arg;
    struct tls_sock s = {.fd = fd, .timeout_ms = 5000};
    struct tls_conn *c;
    char err[256];

    c = tls_server_accept(sctx, tls_sock_io(&s), err, sizeof(err));
    if (c != NULL && tls_handshake(c) == 0)
        tls_close(c);
    tls_free(c);
    close(fd);
    return NULL;
}

/* One handshake with server_name name; the subject CN the client saw ("" on failure). */
static void connect_as(uint16_t version, const char *name, bool insecure, char *cn, size_t cn_len)
{
    struct tls_client_config cfg = {.provider = prov, .min_version = version,
                                    .max_version = version, .server_name = name,
                                    .trust = insecure ? NULL : store, .insecure = insecure};
    int sv[2];
    pthread_t t;
    struct tls_sock s = {.timeout_ms = 5000};
    struct tls_conn *c;
    struct tls_info in;
    char err[256];

    cn[0] = '\0';
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    s.fd = sv[0];
    if (pthread_create(&t, NULL, serve, &sv[1]) != 0) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    c = tls_client_new(&cfg, tls_sock_io(&s), err, sizeof(err));
    if (c != NULL && tls_handshake(c) == 0) {
        tls_get_info(c, &in);
        X509_NAME_get_text_by_NID(X509_get_subject_name(in.peer), NID_commonName, cn, (int)cn_len);
        tls_close(c);
    }
    tls_free(c);
    close(sv[0]);
    pthread_join(t, NULL);
}

static bool make_cred(EVP_PKEY *key, const char *name, int i, struct tls_server_cred *cr)
{
    uint8_t *der;
    unsigned char *kder = NULL;
    size_t der_len = 0;
    int klen = key != NULL ? i2d_PrivateKey(key, &kder) : 0;
    bool ok;

    certs[i] = key != NULL ? cert_self_signed(key, name) : NULL;
    der = certs[i] != NULL ? cert_der(certs[i], &der_len) : NULL;
    ok = der != NULL && klen > 0 &&
         SslProvCreateCertificateContext(der, (DWORD)der_len, &cr->cert) == SEC_E_OK &&
         SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder, (DWORD)klen, 0) == SEC_E_OK &&
         X509_STORE_add_cert(store, certs[i]) == 1;
    OPENSSL_clear_free(kder, klen > 0 ? (size_t)klen : 0);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    return ok;
}

int main(void)
{
    struct tls_server_cred creds[2] = {0};
    struct tls_server_config cfg;
    char cn[64], err[256];

    store = X509_STORE_new();
    CHECK(SslOpenProvider(&prov, NULL, 0) == SEC_E_OK && store != NULL);
    CHECK(make_cred(cert_rsa_key(0), "rsa.test", 0, &creds[0]));
    CHECK(make_cred(cert_keygen("P-256"), "ec.test", 1, &creds[1]));
    cfg = (struct tls_server_config){.provider = prov, .creds = creds, .n_creds = 2};
    sctx = tls_server_ctx_new(&cfg, err, sizeof(err));
    CHECK(sctx != NULL);
    for (uint16_t v = 0x0303; sctx != NULL && v <= 0x0304; v++) {
        connect_as(v, "ec.test", false, cn, sizeof(cn));
        CHECK(strcmp(cn, "ec.test") == 0);
        connect_as(v, "rsa.test", false, cn, sizeof(cn));
        CHECK(strcmp(cn, "rsa.test") == 0);
        /* a name neither carries: a default certificate, which the name check refuses */
        connect_as(v, "other.test", true, cn, sizeof(cn));
        CHECK(cn[0] != '\0');
        connect_as(v, "other.test", false, cn, sizeof(cn));
        CHECK(cn[0] == '\0');
    }
    tls_server_ctx_free(sctx);
    for (int i = 0; i < 2; i++) {
        SslProvFreeCertificateContext(creds[i].cert);
        X509_free(certs[i]);
    }
    X509_STORE_free(store);
    SslFreeObject(prov, 0);
    return check_summary();
}
