/* libssl13_peer.h: libssl's callbacks, the contexts and the connections. */
#include "libssl13_peer.h"

/* ==== callbacks ============================================================================= */

static void p13_msg_cb(int write_p, int version, int content_type, const void *buf,
                       size_t len, SSL *ssl, void *arg)
{
    struct p13_conn *c = arg;
    unsigned char *d;

    (void)version;
    (void)ssl;
    if (c == NULL || content_type != SSL3_RT_HANDSHAKE || len < SSL3_HM_HEADER_LENGTH)
        return;
    if (c->nmsgs >= P13_MAX_MSGS || (d = malloc(len)) == NULL) {
        c->overflow = 1;
        return;
    }
    memcpy(d, buf, len);
    c->msgs[c->nmsgs].from_client = write_p ? 1 : 0;
    c->msgs[c->nmsgs].len = len;
    c->msgs[c->nmsgs].data = d;
    c->nmsgs++;
}

static int p13_unhex(const char *s, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        int v = 0;

        for (int j = 0; j < 2; j++) {
            char ch = s[2 * i + j];
            int x = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                  : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

            if (x < 0)
                return 0;
            v = v << 4 | x;
        }
        out[i] = (unsigned char)v;
    }
    return 1;
}

int p13_parse_keylog(const char *line, struct p13_keylog *k)
{
    const char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    size_t hex;

    memset(k, 0, sizeof(*k));
    if (sp2 == NULL || (size_t)(sp1 - line) >= sizeof(k->label) || sp2 - sp1 - 1 != 64)
        return 0;
    hex = strlen(sp2 + 1);
    if (hex % 2 != 0 || hex / 2 > sizeof(k->secret) || hex == 0)
        return 0;
    memcpy(k->label, line, (size_t)(sp1 - line));
    k->len = hex / 2;
    return p13_unhex(sp1 + 1, 32, k->client_random) && p13_unhex(sp2 + 1, k->len, k->secret);
}

static void p13_keylog_cb(const SSL *ssl, const char *line)
{
    struct p13_conn *c = SSL_get_app_data(ssl);
    struct p13_keylog k;

    if (c == NULL)
        return;
    if (!p13_parse_keylog(line, &k)) {
        c->keylog_mismatch = 1;
        return;
    }
    if (SSL_is_server((SSL *)ssl)) {
        if (c->server_nkeylog >= P13_MAX_KEYLOG) {
            c->overflow = 1;
            return;
        }
        c->server_keylog[c->server_nkeylog++] = k;
        return;
    }
    if (c->nkeylog >= P13_MAX_KEYLOG) {
        c->overflow = 1;
        return;
    }
    c->keylog[c->nkeylog++] = k;
}

static int p13_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    struct p13_conn *c = SSL_get_app_data(ssl);

    if (c == NULL || c->nsessions >= P13_MAX_SESSIONS)
        return 0; /* libssl keeps (frees) its reference */
    c->sessions[c->nsessions++] = sess;
    return 1;     /* the reference is ours */
}

static SSL_SESSION *p13_psk_session(SSL *ssl, const struct p13_ctx *ctx)
{
    unsigned char id[2] = {(unsigned char)(ctx->suite_id >> 8), (unsigned char)ctx->suite_id};
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, id);
    SSL_SESSION *s = SSL_SESSION_new();

    if (s == NULL || cipher == NULL || !SSL_SESSION_set1_master_key(s, ctx->cfg.psk, ctx->cfg.psk_len)
        || !SSL_SESSION_set_cipher(s, cipher) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)
        || !SSL_SESSION_set_max_early_data(s, ctx->cfg.max_early_data)) {
        SSL_SESSION_free(s);
        return NULL;
    }
    return s;
}

static int p13_psk_use_cb(SSL *ssl, const EVP_MD *md, const unsigned char **id,
                          size_t *idlen, SSL_SESSION **sess)
{
    struct p13_conn *c = SSL_get_app_data(ssl);
    SSL_SESSION *s;

    *sess = NULL;
    if (c == NULL || !c->cfg.offer_ext_psk || c->ctx->cfg.psk == NULL)
        return 1; /* no external PSK on this connection */
    if ((s = p13_psk_session(ssl, c->ctx)) == NULL)
        return 0;
    /* after a HelloRetryRequest libssl asks again with the suite's digest: it must match */
    if (md != NULL && md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s))) {
        SSL_SESSION_free(s);
        return 1;
    }
    *id = (const unsigned char *)P13_PSK_IDENTITY;
    *idlen = sizeof(P13_PSK_IDENTITY) - 1;
    *sess = s;
    return 1;
}

static int p13_psk_find_cb(SSL *ssl, const unsigned char *id, size_t idlen,
                           SSL_SESSION **sess)
{
    struct p13_conn *c = SSL_get_app_data(ssl);

    *sess = NULL;
    /* any other identity is a ticket: libssl then tries to decrypt it */
    if (c == NULL || c->ctx->cfg.psk == NULL || idlen != sizeof(P13_PSK_IDENTITY) - 1
        || memcmp(id, P13_PSK_IDENTITY, idlen) != 0)
        return 1;
    *sess = p13_psk_session(ssl, c->ctx);
    return *sess != NULL;
}

/* ==== contexts ============================================================================== */

void p13_ctx_free(struct p13_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->cctx);
    SSL_CTX_free(ctx->sctx);
    memset(ctx, 0, sizeof(*ctx));
}

int p13_ctx_new(const struct p13_ctx_config *cfg, struct p13_ctx *ctx)
{
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(SSL_CIPHER) *list;

    memset(ctx, 0, sizeof(*ctx));
    ctx->cfg = *cfg;
    ctx->cctx = SSL_CTX_new(TLS_client_method());
    ctx->sctx = SSL_CTX_new(TLS_server_method());
    if (ctx->cctx == NULL || ctx->sctx == NULL || !peer_credentials(cfg->cert_type, &key, &cert))
        return peer_fail("SSL_CTX_new or credentials");
    ctx->server_key = key;
    ctx->server_cert = cert;
    if (cfg->client_cert_type != 0) {
        if (!peer_client_credentials(cfg->client_cert_type, &ctx->client_key, &ctx->client_cert)
            || !SSL_CTX_use_certificate(ctx->cctx, ctx->client_cert)
            || !SSL_CTX_use_PrivateKey(ctx->cctx, ctx->client_key))
            return peer_fail("client certificate");
    }
    for (int server = 0; server <= 1; server++) {
        SSL_CTX *x = server ? ctx->sctx : ctx->cctx;

        if (!SSL_CTX_set_min_proto_version(x, TLS1_3_VERSION)
            || !SSL_CTX_set_max_proto_version(x, TLS1_3_VERSION)
            || !SSL_CTX_set_ciphersuites(x, cfg->suite))
            return peer_fail("TLS 1.3 suite refused by SSL_CTX_set_ciphersuites");
        SSL_CTX_set_keylog_callback(x, p13_keylog_cb);
        SSL_CTX_set_verify(x, SSL_VERIFY_NONE, NULL);
        if (cfg->allow_no_dhe)
            SSL_CTX_set_options(x, SSL_OP_ALLOW_NO_DHE_KEX);
        if (cfg->block_padding && !SSL_CTX_set_block_padding(x, cfg->block_padding))
            return peer_fail("SSL_CTX_set_block_padding");
        if (cfg->sigalgs != NULL && !SSL_CTX_set1_sigalgs_list(x, cfg->sigalgs))
            return peer_fail("SSL_CTX_set1_sigalgs_list");
        if (cfg->client_sigalgs != NULL && !SSL_CTX_set1_client_sigalgs_list(x, cfg->client_sigalgs))
            return peer_fail("SSL_CTX_set1_client_sigalgs_list");
    }
    if (cfg->client_cert_type != 0)
        SSL_CTX_set_verify(ctx->sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           peer_verify_accept_cb);
    if (!SSL_CTX_use_certificate(ctx->sctx, cert) || !SSL_CTX_use_PrivateKey(ctx->sctx, key))
        return peer_fail("server certificate");
    if (cfg->num_tickets >= 0 && !SSL_CTX_set_num_tickets(ctx->sctx, (size_t)cfg->num_tickets))
        return peer_fail("SSL_CTX_set_num_tickets");
    if (cfg->max_early_data && (!SSL_CTX_set_max_early_data(ctx->sctx, cfg->max_early_data)
                                || !SSL_CTX_set_recv_max_early_data(ctx->sctx, cfg->max_early_data)))
        return peer_fail("SSL_CTX_set_max_early_data");
    SSL_CTX_set_session_cache_mode(ctx->cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx->cctx, p13_new_session_cb);
    if (cfg->psk != NULL) {
        SSL_CTX_set_psk_use_session_callback(ctx->cctx, p13_psk_use_cb);
        SSL_CTX_set_psk_find_session_callback(ctx->sctx, p13_psk_find_cb);
    }
    /* the suite id, from libssl's own list */
    list = SSL_CTX_get_ciphers(ctx->cctx);
    for (int i = 0; list != NULL && i < sk_SSL_CIPHER_num(list); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);

        if (strcmp(SSL_CIPHER_get_name(c), cfg->suite) == 0)
            ctx->suite_id = SSL_CIPHER_get_protocol_id(c);
    }
    if (ctx->suite_id == 0)
        return peer_fail("suite not in libssl's list");
    return 1;
}

/* ==== connections =========================================================================== */

/* Two pipes keep what a side wrote apart from what it is given to read: the client's BIO is
 * end 0 of pipe[0] (reads pipe[0]->q[0], writes pipe[0]->q[1]), the server's is end 1 of
 * pipe[1] (reads pipe[1]->q[1], writes pipe[1]->q[0]); nobody reads the queues written to, so
 * bytes move from one side to the other only through p13_give. */
static struct peer_queue *p13_outbox(struct p13_conn *c, int from_client)
{
    return from_client ? &c->pipe[0]->q[1] : &c->pipe[1]->q[0];
}

static struct peer_queue *p13_inbox(struct p13_conn *c, int to_client)
{
    return to_client ? &c->pipe[0]->q[0] : &c->pipe[1]->q[1];
}

size_t p13_take(struct p13_conn *c, int from_client)
{
    struct peer_queue *q = p13_outbox(c, from_client);
    unsigned char *buf;
    size_t n;
    int w = from_client ? 1 : 0;

    if (q->bytes == 0 || !peer_queue_take_all(q, &buf, &n)) {
        peer_queue_clear(q);
        return 0;
    }
    if (c->wire_len[w] + n > c->wire_cap[w]) {
        size_t cap = (c->wire_len[w] + n) * 2;
        unsigned char *p = realloc(c->wire[w], cap);

        if (p == NULL) {
            free(buf);
            c->overflow = 1;
            return 0;
        }
        c->wire[w] = p;
        c->wire_cap[w] = cap;
    }
    memcpy(c->wire[w] + c->wire_len[w], buf, n);
    c->wire_len[w] += n;
    free(buf);
    return n;
}

int p13_give(struct p13_conn *c, int from_client, const unsigned char *p, size_t n)
{
    return n == 0 || peer_queue_push(p13_inbox(c, !from_client), p, n);
}

int p13_forward(struct p13_conn *c, int from_client)
{
    size_t n = p13_take(c, from_client);
    int w = from_client ? 1 : 0;

    return p13_give(c, from_client, c->wire[w] + c->wire_len[w] - n, n);
}

static SSL *p13_ssl(struct p13_conn *c, SSL_CTX *x, int server, const char *groups)
{
    SSL *s = SSL_new(x);
    BIO *b = s ? BIO_new(peer_bio_method()) : NULL;

    if (b == NULL) {
        SSL_free(s);
        return NULL;
    }
    BIO_set_data(b, &c->pipe[server]->end[server]);
    SSL_set_bio(s, b, b);
    SSL_set_app_data(s, c);
    if (groups != NULL && !SSL_set1_groups_list(s, groups)) {
        SSL_free(s);
        return NULL;
    }
    if (!server) {
        SSL_set_msg_callback(s, p13_msg_cb);
        SSL_set_msg_callback_arg(s, c);
        SSL_set_connect_state(s);
    } else {
        SSL_set_accept_state(s);
    }
    return s;
}

void p13_conn_free(struct p13_conn *c)
{
    if (c == NULL)
        return;
    SSL_free(c->client);
    SSL_free(c->server);
    for (int i = 0; i < 2; i++) {
        if (c->pipe[i] != NULL) {
            peer_queue_clear(&c->pipe[i]->q[0]);
            peer_queue_clear(&c->pipe[i]->q[1]);
            free(c->pipe[i]);
        }
    }
    for (size_t i = 0; i < c->nmsgs; i++)
        free(c->msgs[i].data);
    for (size_t i = 0; i < c->nsessions; i++)
        SSL_SESSION_free(c->sessions[i]);
    free(c->wire[0]);
    free(c->wire[1]);
    OPENSSL_cleanse(c->keylog, sizeof(c->keylog));
    OPENSSL_cleanse(c->server_keylog, sizeof(c->server_keylog));
    memset(c, 0, sizeof(*c));
}

int p13_connect(struct p13_ctx *ctx, const struct p13_conn_config *cfg,
                struct p13_conn *c)
{
    int cdone = 0, sdone = 0, early_sent = 0, early_done = cfg->early_data == NULL;
    const SSL_CIPHER *cipher;

    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
    c->cfg = *cfg;
    for (int p = 0; p < 2; p++) {
        if (peer_bio_method() == NULL || (c->pipe[p] = calloc(1, sizeof(*c->pipe[p]))) == NULL)
            return peer_fail("transport");
        for (int i = 0; i < 2; i++) {
            c->pipe[p]->end[i].pipe = c->pipe[p];
            c->pipe[p]->end[i].side = i;
        }
    }
    c->client = p13_ssl(c, ctx->cctx, 0, cfg->client_groups);
    c->server = c->client ? p13_ssl(c, ctx->sctx, 1, cfg->server_groups) : NULL;
    if (c->server == NULL)
        return peer_fail("SSL setup (groups?)");
    if (cfg->resume != NULL && !SSL_set_session(c->client, cfg->resume))
        return peer_fail("SSL_set_session");

    for (int i = 0; i < 64 && !(cdone && sdone && early_done); i++) {
        if (!early_sent && cfg->early_data != NULL) {
            size_t w = 0;

            if (!SSL_write_early_data(c->client, cfg->early_data, cfg->early_len, &w)) {
                int e = SSL_get_error(c->client, 0);

                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return peer_fail("SSL_write_early_data");
            } else {
                early_sent = w == cfg->early_len;
            }
        } else if (!cdone && (cdone = peer_step(c->client, "client")) < 0) {
            return 0;
        }
        p13_forward(c, 1);
        if (!early_done) {
            size_t n = 0;
            int r = SSL_read_early_data(c->server, c->early_received + c->early_received_len,
                                        sizeof(c->early_received) - c->early_received_len, &n);

            if (r == SSL_READ_EARLY_DATA_SUCCESS)
                c->early_received_len += n;
            else if (r == SSL_READ_EARLY_DATA_FINISH)
                early_done = 1;
            else if (SSL_get_error(c->server, 0) != SSL_ERROR_WANT_READ)
                return peer_fail("SSL_read_early_data");
        } else if (!sdone && (sdone = peer_step(c->server, "server")) < 0) {
            return 0;
        }
        p13_forward(c, 0);
    }
    if (!(cdone && sdone && early_done))
        return peer_fail("handshake did not finish");
    if ((cipher = SSL_get_current_cipher(c->client)) == NULL)
        return peer_fail("no cipher");
    c->cipher_id = SSL_CIPHER_get_protocol_id(cipher);
    c->early_status = SSL_get_early_data_status(c->client);
    c->resumed = SSL_session_reused(c->client);
    c->group_nid = SSL_get_negotiated_group(c->client);
    /* both sides logged the same lines (in their own order) */
    c->keylog_mismatch = c->nkeylog != c->server_nkeylog;
    for (size_t i = 0; i < c->server_nkeylog; i++) {
        const struct p13_keylog *s = &c->server_keylog[i], *k = NULL;

        for (size_t j = 0; j < c->nkeylog; j++)
            if (strcmp(c->keylog[j].label, s->label) == 0)
                k = &c->keylog[j];
        if (k == NULL || k->len != s->len || memcmp(k->secret, s->secret, s->len) != 0
            || memcmp(k->client_random, s->client_random, 32) != 0)
            c->keylog_mismatch = 1;
    }
    if (c->overflow)
        return peer_fail("too many messages, keylog lines or sessions");
    return 1;
}

const struct p13_keylog *p13_keylog_find(const struct p13_conn *c, const char *label)
{
    for (size_t i = 0; i < c->nkeylog; i++)
        if (strcmp(c->keylog[i].label, label) == 0)
            return &c->keylog[i];
    return NULL;
}

size_t p13_find_msg(const struct p13_conn *c, unsigned type, int from_client, unsigned nth)
{
    for (size_t i = 0; i < c->nmsgs; i++)
        if (c->msgs[i].data[0] == type && c->msgs[i].from_client == from_client && nth-- == 0)
            return i;
    return PEER_NO_INDEX;
}

int p13_is_hrr(const struct peer_msg *m)
{
    static const unsigned char hrr_random[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

    return m->data[0] == SSL3_MT_SERVER_HELLO && m->len >= 4 + 2 + 32
           && memcmp(m->data + 6, hrr_random, 32) == 0;
}
