/* sslprov serve — a TLS server on the reference engine (engine/, issue 14): the certificate's
 * private key is reached only through SslOpenPrivateKey and SslSignHash, every secret of a
 * connection stays behind the provider's handles. Connections are served one after another.
 * --www answers an HTTP GET with what was negotiated; --echo echoes. docs/cli.md. */
#define _GNU_SOURCE /* strtok_r, setenv */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "cli.h"
#include "engine.h"
#include "sslprov_ext.h"

#define MAX_LIST 32
#define MAX_CREDS 2

struct options {
    const char *host, *port;
    uint16_t min_version, max_version;
    const char *suites, *groups, *alpn, *keylog, *verify_client;
    const char *psk[8];
    size_t n_psk;
    const char *cert[MAX_CREDS], *key[MAX_CREDS];
    bool www, echo, msg, quiet;
    enum tls_psk_ke psk_ke;
    long max_connections;
    int timeout_ms;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

#define fail(...) cli_fail("serve", __VA_ARGS__)

static int parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){.host = "127.0.0.1", .port = "0", .timeout_ms = 10000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;

        if (strcmp(a, "--tls1.2") == 0)
            o->min_version = o->max_version = 0x0303, takes = false;
        else if (strcmp(a, "--tls1.3") == 0)
            o->min_version = o->max_version = 0x0304, takes = false;
        else if (strcmp(a, "--www") == 0)
            o->www = true, takes = false;
        else if (strcmp(a, "--echo") == 0)
            o->echo = true, takes = false;
        else if (strcmp(a, "--msg") == 0 || strcmp(a, "-v") == 0)
            o->msg = true, takes = false;
        else if (strcmp(a, "--quiet") == 0)
            o->quiet = true, takes = false;
        else if (strcmp(a, "--help") == 0)
            return cli_command_help("serve") == CLI_OK ? 1 : -1;
        else if (v == NULL)
            return cli_usage_error("serve", "%s needs a value or is unknown", a), -1;
        else if (strcmp(a, "--host") == 0)
            o->host = v;
        else if (strcmp(a, "--port") == 0)
            o->port = v;
        else if (strcmp(a, "--cert") == 0)
            o->cert[0] = v;
        else if (strcmp(a, "--key") == 0)
            o->key[0] = v;
        else if (strcmp(a, "--cert2") == 0)
            o->cert[1] = v;
        else if (strcmp(a, "--key2") == 0)
            o->key[1] = v;
        else if (strcmp(a, "--suites") == 0 || strcmp(a, "--suite") == 0)
            o->suites = v;
        else if (strcmp(a, "--groups") == 0 || strcmp(a, "--group") == 0)
            o->groups = v;
        else if (strcmp(a, "--alpn") == 0)
            o->alpn = v;
        else if (strcmp(a, "--keylog") == 0)
            o->keylog = v;
        else if (strcmp(a, "--verify-client") == 0)
            o->verify_client = v;
        else if (strcmp(a, "--psk") == 0) {
            if (o->n_psk == 8)
                return cli_usage_error("serve", "at most 8 --psk"), -1;
            o->psk[o->n_psk++] = v;
        }
        else if (strcmp(a, "--psk-ke") == 0) {
            /* in enum tls_psk_ke's order */
            static const char *const policies[] = {"allow", "prefer", "never", NULL};
            int m = cli_choice(v, policies);

            if (m < 0)
                return cli_usage_error("serve", "--psk-ke allow|prefer|never"), -1;
            o->psk_ke = (enum tls_psk_ke)m;
        } else if (strcmp(a, "--max-connections") == 0 || strcmp(a, "--timeout") == 0) {
            char *end;
            long n = strtol(v, &end, 10);

            if (*end != '\0' || n < 0 || n > 1000000000)
                return cli_usage_error("serve", "bad number %s", v), -1;
            if (a[2] == 'm')
                o->max_connections = n;
            else
                o->timeout_ms = n == 0 ? 10000 : (int)(n * 1000);
        } else
            return cli_usage_error("serve", "unknown option %s", a), -1;
        if (takes)
            i++;
    }
    if (o->key[0] == NULL && o->n_psk == 0)
        return cli_usage_error("serve", "--key FILE|URI is required (with --cert, unless PKCS#12), or --psk"), -1;
    if (o->www && o->echo)
        return cli_usage_error("serve", "--www or --echo, not both"), -1;
    return 0;
}

static bool is_p12(const char *path)
{
    size_t n = strlen(path);

    return (n > 4 && (strcasecmp(path + n - 4, ".p12") == 0 || strcasecmp(path + n - 4, ".pfx") == 0));
}

/* One credential: the certificate chain (PEM) and the key (a file or OSSL_STORE URI, given to
 * SslProvAssociateCertificateKey), or both from a PKCS#12 file (its key handed over as a
 * PKCS#8 blob, then wiped here). */
static int load_cred(const char *cert_path, const char *key, struct tls_server_cred *cr)
{
    X509 *leaf = NULL, *x;
    EVP_PKEY *pk = NULL;
    STACK_OF(X509) *ca = NULL;
    unsigned char *der = NULL, *kder = NULL;
    int der_len, kder_len = 0, rc = CLI_FAIL;
    SECURITY_STATUS st;

    cr->chain = sk_X509_new_null();
    if (cr->chain == NULL)
        return fail("out of memory");
    if (is_p12(key)) {
        BIO *b = BIO_new_file(key, "rb");
        PKCS12 *p12 = b != NULL ? d2i_PKCS12_bio(b, NULL) : NULL;
        const char *pass = getenv("SSLPROV_P12_PASS");

        BIO_free(b);
        if (p12 == NULL || PKCS12_parse(p12, pass != NULL ? pass : "", &pk, &leaf, &ca) != 1) {
            PKCS12_free(p12);
            rc = fail("%s: not a PKCS#12 file, or the password (SSLPROV_P12_PASS) is wrong", key);
            goto out;
        }
        PKCS12_free(p12);
        while (ca != NULL && sk_X509_num(ca) > 0)
            sk_X509_push(cr->chain, sk_X509_shift(ca));
    } else {
        BIO *b = cert_path != NULL ? BIO_new_file(cert_path, "r") : NULL;

        if (b == NULL) {
            rc = fail("%s: cannot read the certificate (--cert FILE)", cert_path != NULL ? cert_path : "-");
            goto out;
        }
        leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
        while (leaf != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
            sk_X509_push(cr->chain, x);
        BIO_free(b);
        if (leaf == NULL) {
            rc = fail("%s: no PEM certificate", cert_path);
            goto out;
        }
    }
    der_len = i2d_X509(leaf, &der);
    st = der_len > 0 ? SslProvCreateCertificateContext(der, (DWORD)der_len, &cr->cert) : NTE_BAD_DATA;
    if (st != SEC_E_OK) {
        rc = cli_api_error("SslProvCreateCertificateContext", st);
        goto out;
    }
    if (pk != NULL) {
        kder_len = i2d_PrivateKey(pk, &kder);
        st = kder_len > 0 ? SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder,
                                                               (DWORD)kder_len, 0)
                          : NTE_BAD_DATA;
    } else {
        st = SslProvAssociateCertificateKey(der, (DWORD)der_len, key, 0);
    }
    if (st != SEC_E_OK) {
        rc = cli_api_error("SslProvAssociateCertificateKey", st);
        goto out;
    }
    rc = CLI_OK;
out:
    if (kder != NULL)
        OPENSSL_clear_free(kder, (size_t)kder_len);
    OPENSSL_free(der);
    X509_free(leaf);
    EVP_PKEY_free(pk);
    sk_X509_pop_free(ca, X509_free);
    return rc;
}

static int listen_on(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    int fd = -1, one = 1, rc = getaddrinfo(host, port, &hints, &res);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char h[NI_MAXHOST], p[NI_MAXSERV];

    if (rc != 0) {
        fail("%s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        getnameinfo((struct sockaddr *)&ss, len, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        fail("%s:%s: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    /* the line scripts wait for, as `openssl s_server -accept HOST:0` prints it */
    printf("ACCEPT %s:%s\n", h, p);
    fflush(stdout);
    return fd;
}

/* The group as the report and the page give it: its name, dhN for TLS 1.2 DHE, - for none. */
static void group_of(const struct tls_info *in, char *buf, size_t n)
{
    if (in->group != 0)
        snprintf(buf, n, "%s", tls_group_name(in->group));
    else if (in->dh_bits != 0)
        snprintf(buf, n, "dh%u", in->dh_bits);
    else
        snprintf(buf, n, "-");
}

static void name_of(X509 *x, char *buf, size_t n)
{
    if (x == NULL)
        snprintf(buf, n, "-");
    else
        X509_NAME_oneline(X509_get_subject_name(x), buf, (int)n);
}

/* --www: the request's head, then the status page and close_notify. */
static int www(struct tls_conn *c)
{
    char req[8192], page[2048], group[32], client[300];
    size_t have = 0;
    struct tls_info in;
    long n;

    req[0] = '\0';
    while (have < sizeof(req) - 1 && strstr(req, "\r\n\r\n") == NULL) {
        n = tls_read(c, req + have, sizeof(req) - 1 - have);
        if (n == TLS_AGAIN)
            continue;
        if (n == 0 && have == 0)
            return 0; /* a client that only handshakes (e.g. to get a session) and closes */
        if (n <= 0)
            return -1;
        have += (size_t)n;
        req[have] = '\0';
    }
    tls_get_info(c, &in);
    group_of(&in, group, sizeof(group));
    name_of(in.peer, client, sizeof(client));
    n = snprintf(page, sizeof(page),
                 "HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n"
                 "protocol  %s\nsuite     %s\ngroup     %s\nhrr       %s\nresumed   %s\n"
                 "ems       %s\nalpn      %s\nsni       %s\nclient    %s\nkeyupdate received %u\n",
                 in.version == 0x0304 ? "TLSv1.3" : "TLSv1.2", in.suite_name, group,
                 in.hrr ? "yes" : "no", in.resumed ? "yes" : "no",
                 in.version == 0x0304 ? "n/a" : in.ems ? "yes" : "no",
                 in.alpn[0] != '\0' ? in.alpn : "-", in.sni[0] != '\0' ? in.sni : "-", client,
                 in.key_updates_received);
    return tls_write(c, page, (size_t)n);
}

static int echo(struct tls_conn *c)
{
    uint8_t buf[16384];
    long n;

    for (;;) {
        n = tls_read(c, buf, sizeof(buf));
        if (n == TLS_AGAIN)
            continue;
        if (n == 0)
            return 0;
        if (n < 0 || tls_write(c, buf, (size_t)n) != 0)
            return -1;
    }
}

static void serve_one(struct tls_server_ctx *ctx, int fd, const struct options *o)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char peer[NI_MAXHOST + NI_MAXSERV + 2], h[NI_MAXHOST], p[NI_MAXSERV], err[320];
    struct tls_sock s = {.timeout_ms = o->timeout_ms};
    struct tls_conn *c;
    struct tls_info in;
    int rc;

    s.fd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
    if (s.fd < 0)
        return;
    if (getnameinfo((struct sockaddr *)&ss, len, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(h, sizeof(h), "?"), snprintf(p, sizeof(p), "?");
    snprintf(peer, sizeof(peer), "%s:%s", h, p);
    c = tls_server_accept(ctx, tls_sock_io(&s), err, sizeof(err));
    if (c == NULL) {
        fail("%s: %s", peer, err);
        close(s.fd);
        return;
    }
    rc = tls_handshake(c);
    if (rc == 0) {
        char client[300], group[32];

        tls_get_info(c, &in);
        name_of(in.peer, client, sizeof(client));
        group_of(&in, group, sizeof(group));
        if (!o->quiet)
            fprintf(stderr, "sslprov serve: %s: %s %s %s resumed=%s client=%s\n", peer,
                    in.version == 0x0304 ? "TLSv1.3" : "TLSv1.2", in.suite_name, group,
                    in.resumed ? "yes" : "no", client);
        rc = o->www ? www(c) : o->echo ? echo(c) : 0;
        tls_close(c);
    }
    if (rc != 0 && !o->quiet)
        fail("%s: %s", peer, tls_error(c));
    tls_free(c);
    close(s.fd);
}

int cmd_serve(int argc, char **argv)
{
    struct options o;
    struct tls_server_cred creds[MAX_CREDS] = {0};
    uint16_t suites[MAX_LIST], groups[MAX_LIST];
    size_t n_suites = 0, n_groups = 0, n_creds = 0, n_alpn = 0;
    const char *alpn[MAX_LIST];
    char list[1024], alpn_buf[512], err[320], *save = NULL;
    struct tls_server_ctx *ctx = NULL;
    NCRYPT_PROV_HANDLE prov = 0;
    X509_STORE *client_ca = NULL;
    struct tls_psk psks[8] = {0};
    char psk_ids[8][TLS_MAX_PSK_IDENTITY + 1];
    uint8_t psk_keys[8][64];
    size_t n_psks = 0;
    struct sigaction sa = {.sa_handler = on_signal};
    SECURITY_STATUS st;
    int rc, fd = -1;

    rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (o.keylog != NULL && setenv("SSLKEYLOGFILE", o.keylog, 1) != 0)
        return fail("cannot set SSLKEYLOGFILE");
    st = SslOpenProvider(&prov, NULL, 0);
    if (st != SEC_E_OK)
        return cli_api_error("SslOpenProvider", st);
    rc = CLI_USAGE;
    if (o.suites != NULL) {
        snprintf(list, sizeof(list), "%s", o.suites);
        for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
            uint16_t id = tls_suite_by_name(prov, t);

            if (id == 0 || n_suites == MAX_LIST) {
                cli_usage_error("serve", "unknown cipher suite %s", t);
                goto out;
            }
            suites[n_suites++] = id;
        }
    }
    if (o.groups != NULL) {
        snprintf(list, sizeof(list), "%s", o.groups);
        for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
            uint16_t g = tls_group_by_name(t);

            if (g == 0 || n_groups == MAX_LIST) {
                cli_usage_error("serve", "unknown group %s", t);
                goto out;
            }
            groups[n_groups++] = g;
        }
    }
    if (o.alpn != NULL) {
        snprintf(alpn_buf, sizeof(alpn_buf), "%s", o.alpn);
        for (char *t = strtok_r(alpn_buf, ",", &save); t != NULL && n_alpn < MAX_LIST;
             t = strtok_r(NULL, ",", &save))
            alpn[n_alpn++] = t;
    }
    for (size_t i = 0; i < o.n_psk; i++) {
        size_t key_len = 0;

        if (cli_parse_psk("serve", o.psk[i], psk_ids[i], sizeof(psk_ids[i]), psk_keys[i],
                          sizeof(psk_keys[i]), &key_len) != CLI_OK)
            goto out;
        psks[i] = (struct tls_psk){psk_ids[i], psk_keys[i], key_len};
        n_psks++;
    }
    rc = CLI_FAIL;
    if (o.verify_client != NULL &&
        ((client_ca = X509_STORE_new()) == NULL || X509_STORE_load_file(client_ca, o.verify_client) != 1)) {
        fail("--verify-client %s: cannot load the CA certificates", o.verify_client);
        goto out;
    }
    for (int i = 0; i < MAX_CREDS; i++) {
        if (o.key[i] == NULL)
            continue;
        if (load_cred(o.cert[i], o.key[i], &creds[n_creds]) != CLI_OK)
            goto out;
        n_creds++;
    }
    {
        struct tls_server_config cfg = {
            .provider = prov, .min_version = o.min_version, .max_version = o.max_version,
            .suites = n_suites != 0 ? suites : NULL, .n_suites = n_suites,
            .groups = n_groups != 0 ? groups : NULL, .n_groups = n_groups,
            .alpn = alpn, .n_alpn = n_alpn, .creds = creds, .n_creds = n_creds,
            .verify_client = client_ca, .psks = psks, .n_psks = n_psks, .psk_ke = o.psk_ke,
            .trace = o.msg ? cli_trace_line : NULL,
        };

        ctx = tls_server_ctx_new(&cfg, err, sizeof(err));
    }
    if (ctx == NULL) {
        fail("%s", err);
        goto out;
    }
    /* Ctrl-C and SIGTERM end the accept loop (no SA_RESTART: accept returns EINTR) */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fd = listen_on(o.host, o.port);
    if (fd < 0)
        goto out;
    for (long n = 0; !stop && (o.max_connections == 0 || n < o.max_connections); n++)
        serve_one(ctx, fd, &o);
    rc = CLI_OK;
out:
    if (fd >= 0)
        close(fd);
    tls_server_ctx_free(ctx); /* closes the keys: the provider wipes them */
    for (size_t i = 0; i < MAX_CREDS; i++) {
        SslProvFreeCertificateContext(creds[i].cert);
        sk_X509_pop_free(creds[i].chain, X509_free);
    }
    X509_STORE_free(client_ca);
    OPENSSL_cleanse(psk_keys, sizeof(psk_keys));
    SslFreeObject(prov, 0);
    return rc;
}
