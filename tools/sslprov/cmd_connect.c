/* sslprov connect HOST:PORT — a TLS client on the reference engine (engine/, issue 13): every
 * secret of the connection stays behind the provider's handles. After the handshake it
 * reports what was negotiated (stderr), then copies stdin to the connection and the
 * connection to stdout. docs/engine.md and docs/cli.md describe it. */
#define _GNU_SOURCE /* strtok_r, setenv */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "engine.h"
#include "sslprov_ext.h"

#define MAX_LIST 32
#define MAX_STDIN (1024 * 1024) /* --resume reads stdin whole first */

struct options {
    const char *host, *port;
    uint16_t min_version, max_version;
    const char *suites, *groups, *sni, *alpn, *cafile, *keylog, *cert, *key, *psk;
    bool insecure, resume, no_ticket, no_ems, key_update, msg, quiet;
    enum tls_psk_modes psk_modes;
    int timeout_ms, idle_ms;
};

struct lists {
    uint16_t suites[MAX_LIST], groups[MAX_LIST];
    size_t n_suites, n_groups;
    char alpn_buf[512];
    const char *alpn[MAX_LIST];
    size_t n_alpn;
};

#define fail(...) cli_fail("connect", __VA_ARGS__)

/* Split a comma list into items; each item goes through take(). */
static int split(char *list, int (*take)(void *ctx, const char *item), void *ctx)
{
    char *save = NULL;

    for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        if (take(ctx, t) != 0)
            return -1;
    return 0;
}

struct take_ctx {
    struct lists *l;
    NCRYPT_PROV_HANDLE prov;
};

static int take_suite(void *ctx, const char *name)
{
    struct take_ctx *t = ctx;
    uint16_t id = tls_suite_by_name(t->prov, name);

    if (id == 0 || t->l->n_suites == MAX_LIST) {
        cli_usage_error("connect", "unknown cipher suite %s (see `sslprov suites --all`)", name);
        return -1;
    }
    t->l->suites[t->l->n_suites++] = id;
    return 0;
}

static int take_group(void *ctx, const char *name)
{
    struct take_ctx *t = ctx;
    uint16_t g = tls_group_by_name(name);

    if (g == 0 || t->l->n_groups == MAX_LIST) {
        cli_usage_error("connect", "unknown group %s", name);
        return -1;
    }
    t->l->groups[t->l->n_groups++] = g;
    return 0;
}

static int take_alpn(void *ctx, const char *name)
{
    struct take_ctx *t = ctx;

    if (t->l->n_alpn == MAX_LIST || strlen(name) > 255) {
        cli_usage_error("connect", "bad ALPN protocol %s", name);
        return -1;
    }
    t->l->alpn[t->l->n_alpn++] = name;
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    static char target[512];
    char *colon;

    *o = (struct options){.timeout_ms = 10000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;

        if (strcmp(a, "--tls1.2") == 0)
            o->min_version = o->max_version = 0x0303, takes = false;
        else if (strcmp(a, "--tls1.3") == 0)
            o->min_version = o->max_version = 0x0304, takes = false;
        else if (strcmp(a, "--insecure") == 0)
            o->insecure = true, takes = false;
        else if (strcmp(a, "--resume") == 0)
            o->resume = true, takes = false;
        else if (strcmp(a, "--no-ticket") == 0)
            o->no_ticket = true, takes = false;
        else if (strcmp(a, "--no-ems") == 0)
            o->no_ems = true, takes = false;
        else if (strcmp(a, "--key-update") == 0)
            o->key_update = true, takes = false;
        else if (strcmp(a, "--msg") == 0 || strcmp(a, "-v") == 0)
            o->msg = true, takes = false;
        else if (strcmp(a, "--quiet") == 0)
            o->quiet = true, takes = false;
        else if (strcmp(a, "--help") == 0)
            return cli_command_help("connect") == CLI_OK ? 1 : -1;
        else if (v == NULL && a[0] == '-')
            return cli_usage_error("connect", "%s needs a value", a), -1;
        else if (strcmp(a, "--suite") == 0)
            o->suites = v;
        else if (strcmp(a, "--group") == 0)
            o->groups = v;
        else if (strcmp(a, "--sni") == 0)
            o->sni = v;
        else if (strcmp(a, "--alpn") == 0)
            o->alpn = v;
        else if (strcmp(a, "--cafile") == 0)
            o->cafile = v;
        else if (strcmp(a, "--keylog") == 0)
            o->keylog = v;
        else if (strcmp(a, "--cert") == 0)
            o->cert = v;
        else if (strcmp(a, "--key") == 0)
            o->key = v;
        else if (strcmp(a, "--psk") == 0)
            o->psk = v;
        else if (strcmp(a, "--psk-modes") == 0) {
            /* in enum tls_psk_modes' order */
            static const char *const modes[] = {"dhe", "both", "ke", NULL};
            int m = cli_choice(v, modes);

            if (m < 0)
                return cli_usage_error("connect", "--psk-modes dhe|both|ke"), -1;
            o->psk_modes = (enum tls_psk_modes)m;
        }
        else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--idle") == 0) {
            char *end;
            long n = strtol(v, &end, 10);

            if (*end != '\0' || n < 0 || n > 3600000)
                return cli_usage_error("connect", "bad number %s", v), -1;
            if (a[2] == 't')
                o->timeout_ms = n == 0 ? 10000 : (int)(n * 1000);
            else
                o->idle_ms = (int)n;
        } else if (a[0] != '-' && o->host == NULL) {
            takes = false;
            snprintf(target, sizeof(target), "%s", a);
            colon = strrchr(target, ':');
            if (colon == NULL || colon[1] == '\0')
                return cli_usage_error("connect", "HOST:PORT expected, got %s", a), -1;
            *colon = '\0';
            o->host = target;
            o->port = colon + 1;
            /* [v6]:port */
            if (o->host[0] == '[' && colon[-1] == ']') {
                colon[-1] = '\0';
                o->host++;
            }
        } else
            return cli_usage_error("connect", "unknown option %s", a), -1;
        if (takes)
            i++;
    }
    if (o->host == NULL)
        return cli_usage_error("connect", "HOST:PORT expected"), -1;
    if ((o->cert == NULL) != (o->key == NULL))
        return cli_usage_error("connect", "--cert and --key go together"), -1;

    return 0;
}

static void name_line(const char *key, X509_NAME *name)
{
    char buf[512];

    if (name == NULL) {
        fprintf(stderr, "%-9s -\n", key);
        return;
    }
    X509_NAME_oneline(name, buf, sizeof(buf));
    fprintf(stderr, "%-9s %s\n", key, buf);
}

static void report(const struct tls_info *in)
{
    char group[32];

    if (in->group != 0)
        snprintf(group, sizeof(group), "%s", tls_group_name(in->group));
    else if (in->dh_bits != 0)
        snprintf(group, sizeof(group), "dh%u", in->dh_bits);
    else
        snprintf(group, sizeof(group), "-");
    fprintf(stderr, "protocol  %s\n", in->version == 0x0304 ? "TLSv1.3" : "TLSv1.2");
    fprintf(stderr, "suite     %s\n", in->suite_name);
    fprintf(stderr, "group     %s\n", group);
    fprintf(stderr, "hrr       %s\n", in->hrr ? "yes" : "no");
    fprintf(stderr, "alpn      %s\n", in->alpn[0] != '\0' ? in->alpn : "-");
    fprintf(stderr, "resumed   %s\n", in->resumed ? "yes" : "no");
    fprintf(stderr, "ems       %s\n", in->version == 0x0304 ? "n/a" : in->ems ? "yes" : "no");
    name_line("subject", in->peer != NULL ? X509_get_subject_name(in->peer) : NULL);
    name_line("issuer", in->peer != NULL ? X509_get_issuer_name(in->peer) : NULL);
}

/* Copy data (or stdin when data is NULL) to the connection and the connection to stdout until
 * the server closes, or, after our input ended, it stays silent for idle_ms (when set). */
static int pump(struct tls_conn *c, struct tls_sock *s, const struct options *o,
                const uint8_t *data, size_t data_len)
{
    uint8_t buf[16384];
    bool in_open = data == NULL;
    long n;

    if (data != NULL && data_len != 0 && tls_write(c, data, data_len) != 0)
        return -1;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
        int wait = in_open ? -1 : o->idle_ms != 0 ? o->idle_ms : o->timeout_ms;
        int rc;

        if (!tls_pending(c)) {
            rc = poll(p, in_open ? 2 : 1, wait);
            if (rc < 0 && errno == EINTR)
                continue;
            if (rc == 0) {
                if (o->idle_ms != 0)
                    return 0;
                fprintf(stderr, "sslprov connect: network: the server sent nothing for %d s "
                        "and did not close (use --idle MS for servers that stay open)\n",
                        o->timeout_ms / 1000);
                return -2;
            }
        } else {
            p[0].revents = POLLIN;
            p[1].revents = 0;
        }
        if (p[0].revents != 0) {
            n = tls_read(c, buf, sizeof(buf));
            if (n == TLS_AGAIN)
                continue; /* a ticket or a KeyUpdate: back to waiting on both */
            if (n < 0)
                return -1;
            if (n == 0)
                return 0; /* close_notify */
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
                return -1;
        }
        if (in_open && p[1].revents != 0) {
            ssize_t got = read(0, buf, sizeof(buf));

            if (got <= 0)
                in_open = false;
            else if (tls_write(c, buf, (size_t)got) != 0)
                return -1;
        }
    }
}

static int one_connection(const struct tls_client_ctx *ctx, const struct options *o,
                          const struct tls_session *resume, const uint8_t *data, size_t data_len,
                          struct tls_session **session)
{
    char err[320];
    struct tls_sock s = {.timeout_ms = o->timeout_ms};
    struct tls_conn *c = NULL;
    struct tls_info info;
    int rc = CLI_FAIL;

    s.fd = tls_tcp_connect(o->host, o->port, o->timeout_ms, err, sizeof(err));
    if (s.fd < 0)
        return fail("%s", err);
    c = tls_client_connect(ctx, tls_sock_io(&s), resume, err, sizeof(err));
    if (c == NULL) {
        fail("%s", err);
        goto out;
    }
    if (tls_handshake(c) != 0) {
        fail("%s", tls_error(c));
        goto out;
    }
    tls_get_info(c, &info);
    if (!o->quiet)
        report(&info);
    if (o->key_update && tls_key_update(c) != 0) {
        fail("%s", tls_error(c));
        goto out;
    }
    switch (pump(c, &s, o, data, data_len)) {
    case 0:
        rc = CLI_OK;
        break;
    case -1:
        fail("%s", tls_error(c));
        break;
    default:
        break;
    }
    tls_get_info(c, &info);
    if (!o->quiet && o->key_update)
        fprintf(stderr, "keyupdate sent %u received %u\n", info.key_updates_sent,
                info.key_updates_received);
    if (o->key_update && rc == CLI_OK && info.key_updates_received == 0)
        rc = fail("%s", "key update: the server never answered our KeyUpdate");
    tls_close(c);
    if (session != NULL)
        *session = tls_get_session(c);
out:
    tls_free(c);
    close(s.fd);
    return rc;
}

int cmd_connect(int argc, char **argv)
{
    struct options o;
    struct lists l = {0};
    struct take_ctx t = {.l = &l};
    struct tls_client_config cfg = {0};
    struct tls_psk psk = {0};
    char psk_id[TLS_MAX_PSK_IDENTITY + 1];
    uint8_t psk_key[64];
    struct tls_client_ctx *ctx = NULL;
    struct tls_session *session = NULL;
    PCCERT_CONTEXT client_cert = NULL;
    STACK_OF(X509) *chain = NULL;
    char err[320];
    NCRYPT_PROV_HANDLE prov = 0;
    X509_STORE *store = NULL;
    uint8_t *data = NULL;
    size_t data_len = 0;
    char list[1024];
    SECURITY_STATUS st;
    int rc;

    rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    /* the provider reads SSLKEYLOGFILE when it opens (docs/keylog.md) */
    if (o.keylog != NULL && setenv("SSLKEYLOGFILE", o.keylog, 1) != 0)
        return fail("%s", "cannot set SSLKEYLOGFILE");
    st = SslOpenProvider(&prov, NULL, 0);
    if (st != SEC_E_OK)
        return cli_api_error("SslOpenProvider", st);
    t.prov = prov;
    rc = CLI_USAGE;
    if (o.suites != NULL && (snprintf(list, sizeof(list), "%s", o.suites), split(list, take_suite, &t) != 0))
        goto out;
    if (o.groups != NULL && (snprintf(list, sizeof(list), "%s", o.groups), split(list, take_group, &t) != 0))
        goto out;
    if (o.alpn != NULL && (snprintf(l.alpn_buf, sizeof(l.alpn_buf), "%s", o.alpn),
                           split(l.alpn_buf, take_alpn, &t) != 0))
        goto out;
    if (o.psk != NULL) {
        if (cli_parse_psk("connect", o.psk, psk_id, sizeof(psk_id), psk_key, sizeof(psk_key),
                          &psk.key_len) != CLI_OK)
            goto out;
        psk.identity = psk_id;
        psk.key = psk_key;
    }
    rc = CLI_FAIL;
    if (!o.insecure) {
        store = X509_STORE_new();
        if (store == NULL || (o.cafile != NULL ? X509_STORE_load_file(store, o.cafile)
                                               : X509_STORE_set_default_paths(store)) != 1) {
            fail("server certificate: cannot load the trust store %s", o.cafile != NULL ? o.cafile : "(system)");
            goto out;
        }
    }
    if (o.cert != NULL) {
        /* our certificate: a CERT_CONTEXT whose key sslprov opens (SslOpenPrivateKey), as a
         * Windows client's would come from its certificate store */
        BIO *b = BIO_new_file(o.cert, "r");
        X509 *leaf = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        X509 *x;
        unsigned char *der = NULL;
        int der_len = leaf != NULL ? i2d_X509(leaf, &der) : 0;

        chain = sk_X509_new_null();
        while (b != NULL && chain != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
            sk_X509_push(chain, x);
        BIO_free(b);
        X509_free(leaf);
        st = der_len > 0 ? SslProvCreateCertificateContext(der, (DWORD)der_len, &client_cert)
                         : NTE_BAD_DATA;
        if (st == SEC_E_OK)
            st = SslProvAssociateCertificateKey(der, (DWORD)der_len, o.key, 0);
        OPENSSL_free(der);
        ERR_clear_error();
        if (st != SEC_E_OK) {
            fail("client certificate: cannot use %s with %s (0x%08X)", o.cert, o.key, (unsigned)st);
            goto out;
        }
    }
    cfg = (struct tls_client_config){
        .provider = prov, .min_version = o.min_version, .max_version = o.max_version,
        .suites = l.n_suites != 0 ? l.suites : NULL, .n_suites = l.n_suites,
        .groups = l.n_groups != 0 ? l.groups : NULL, .n_groups = l.n_groups,
        .server_name = o.sni != NULL ? o.sni : o.host,
        .alpn = l.alpn, .n_alpn = l.n_alpn, .trust = store, .insecure = o.insecure,
        .no_ems = o.no_ems, .no_ticket = o.no_ticket,
        .trace = o.msg ? cli_trace_line : NULL, .cert = client_cert, .chain = chain,
        .psk = o.psk != NULL ? &psk : NULL, .psk_modes = o.psk_modes,
    };
    ctx = tls_client_ctx_new(&cfg, err, sizeof(err));
    if (ctx == NULL) {
        fail("%s", err);
        goto out;
    }
    if (o.resume) {
        /* the same input goes over both connections */
        data = malloc(MAX_STDIN);
        if (data == NULL)
            goto out;
        for (ssize_t got; data_len < MAX_STDIN && (got = read(0, data + data_len, MAX_STDIN - data_len)) > 0;)
            data_len += (size_t)got;
        rc = one_connection(ctx, &o, NULL, data, data_len, &session);
        if (rc == CLI_OK && session == NULL)
            rc = fail("%s", "resume: the first connection left no session to resume");
        if (rc == CLI_OK)
            rc = one_connection(ctx, &o, session, data, data_len, NULL);
    } else {
        rc = one_connection(ctx, &o, NULL, NULL, 0, NULL);
    }
out:
    tls_session_free(session);
    tls_client_ctx_free(ctx);
    SslProvFreeCertificateContext(client_cert);
    sk_X509_pop_free(chain, X509_free);
    free(data);
    X509_STORE_free(store);
    OPENSSL_cleanse(psk_key, sizeof(psk_key));
    SslFreeObject(prov, 0);
    return rc;
}
