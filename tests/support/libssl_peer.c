/* libssl_peer.h: the transport, the credentials, the recording callbacks and the handshake. */
#include "cert.h"
#include "libssl_peer.h"

/* ==== the transport ========================================================================= */

static BIO_METHOD *peer_bio_method_cache;
static EVP_PKEY *peer_key_cache[PEER_NSLOTS];
static X509 *peer_cert_cache[PEER_NSLOTS];

int peer_queue_push(struct peer_queue *q, const unsigned char *p, size_t n)
{
    struct peer_chunk *c = malloc(sizeof(*c) + n);

    if (c == NULL)
        return 0;
    c->next = NULL;
    c->len = n;
    c->off = 0;
    if (n != 0)
        memcpy(c->data, p, n);
    if (q->tail != NULL)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    q->bytes += n;
    return 1;
}

static void peer_queue_drop_head(struct peer_queue *q)
{
    struct peer_chunk *c = q->head;

    q->bytes -= c->len - c->off;
    q->head = c->next;
    if (q->head == NULL)
        q->tail = NULL;
    free(c);
}

void peer_queue_clear(struct peer_queue *q)
{
    while (q->head != NULL)
        peer_queue_drop_head(q);
}

int peer_queue_take_all(struct peer_queue *q, unsigned char **out, size_t *out_len)
{
    size_t n = 0;
    unsigned char *buf = malloc(q->bytes ? q->bytes : 1);

    if (buf == NULL)
        return 0;
    while (q->head != NULL) {
        struct peer_chunk *c = q->head;

        memcpy(buf + n, c->data + c->off, c->len - c->off);
        n += c->len - c->off;
        peer_queue_drop_head(q);
    }
    *out = buf;
    *out_len = n;
    return 1;
}

static int peer_bio_write(BIO *b, const char *in, int inl)
{
    struct peer_end *e = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (inl < 0 || e == NULL)
        return -1;
    if (inl == 0)
        return 0;
    if (!peer_queue_push(&e->pipe->q[!e->side], (const unsigned char *)in, (size_t)inl))
        return -1;
    return inl;
}

static int peer_bio_read(BIO *b, char *out, int outl)
{
    struct peer_end *e = BIO_get_data(b);
    struct peer_queue *q;
    size_t n = 0;

    BIO_clear_retry_flags(b);
    if (e == NULL || out == NULL || outl <= 0)
        return 0;
    q = &e->pipe->q[e->side];
    if (q->head == NULL) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (e->pipe->dgram) {
        /* One datagram per read; a too-small buffer truncates it, like recv() on UDP. */
        struct peer_chunk *c = q->head;

        n = c->len < (size_t)outl ? c->len : (size_t)outl;
        memcpy(out, c->data, n);
        peer_queue_drop_head(q);
        return (int)n;
    }
    while (n < (size_t)outl && q->head != NULL) {
        struct peer_chunk *c = q->head;
        size_t take = c->len - c->off;

        if (take > (size_t)outl - n)
            take = (size_t)outl - n;
        memcpy(out + n, c->data + c->off, take);
        c->off += take;
        q->bytes -= take;
        n += take;
        if (c->off == c->len)
            peer_queue_drop_head(q);
    }
    return (int)n;
}

static long peer_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct peer_end *e = BIO_get_data(b);

    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        if (e == NULL || e->pipe->q[e->side].head == NULL)
            return 0;
        return e->pipe->dgram ? (long)e->pipe->q[e->side].head->len
                              : (long)e->pipe->q[e->side].bytes;
    case BIO_CTRL_WPENDING:
        return 0;
    default:
        return 0; /* incl. the BIO_CTRL_DGRAM_* queries: MTU is set explicitly, no timeouts */
    }
}

static int peer_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int peer_bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL); /* the pipe belongs to the run */
    return 1;
}

BIO_METHOD *peer_bio_method(void)
{
    /* One per process: BIO_get_new_index hands out at most 127 indices. */
    if (peer_bio_method_cache == NULL) {
        int idx = BIO_get_new_index();
        BIO_METHOD *m;

        if (idx == -1)
            return NULL;
        m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "sslprov libssl_peer");
        if (m == NULL)
            return NULL;
        if (!BIO_meth_set_write(m, peer_bio_write) || !BIO_meth_set_read(m, peer_bio_read)
            || !BIO_meth_set_ctrl(m, peer_bio_ctrl) || !BIO_meth_set_create(m, peer_bio_create)
            || !BIO_meth_set_destroy(m, peer_bio_destroy)) {
            BIO_meth_free(m);
            return NULL;
        }
        peer_bio_method_cache = m;
    }
    return peer_bio_method_cache;
}

/* ==== credentials (server and client) ======================================================= */

int peer_preset_key(int slot, EVP_PKEY *key)
{
    X509 *x;

    if (slot < 0 || slot >= PEER_NSLOTS || key == NULL || peer_key_cache[slot] != NULL
        || EVP_PKEY_get_base_id(key) != (slot % 3 == 0 ? EVP_PKEY_RSA : EVP_PKEY_EC))
        return 0;
    x = cert_self_signed(key, slot < 3 ? "sslprov libssl peer" : "sslprov libssl client");
    if (x == NULL || !EVP_PKEY_up_ref(key)) {
        X509_free(x);
        return 0;
    }
    peer_key_cache[slot] = key;
    peer_cert_cache[slot] = x;
    return 1;
}

/* The cached key and certificate of one slot, made on first use. */
static int peer_slot_credentials(int slot, EVP_PKEY **key, X509 **cert)
{
    if (slot < 0 || slot >= PEER_NSLOTS)
        return 0;
    if (peer_key_cache[slot] == NULL) {
        static const char *const alg[3] = {"RSA", "P-256", "P-384"};
        EVP_PKEY *k = cert_keygen(alg[slot % 3]);
        int ok = k != NULL && peer_preset_key(slot, k);

        EVP_PKEY_free(k);
        if (!ok)
            return 0;
    }
    *key = peer_key_cache[slot];
    *cert = peer_cert_cache[slot];
    return 1;
}

int peer_credentials(int type, EVP_PKEY **key, X509 **cert)
{
    if (type < 0 || type > 2)
        return 0;
    return peer_slot_credentials(type, key, cert);
}

int peer_client_credentials(int client_cert_type, EVP_PKEY **key, X509 **cert)
{
    if (client_cert_type < 1 || client_cert_type > 3)
        return 0;
    return peer_slot_credentials(PEER_SLOT_CLIENT(client_cert_type), key, cert);
}

void peer_global_cleanup(void)
{
    for (int i = 0; i < PEER_NSLOTS; i++) {
        EVP_PKEY_free(peer_key_cache[i]);
        X509_free(peer_cert_cache[i]);
        peer_key_cache[i] = NULL;
        peer_cert_cache[i] = NULL;
    }
    BIO_meth_free(peer_bio_method_cache);
    peer_bio_method_cache = NULL;
}

/* ==== message recording ===================================================================== */

static int peer_msg_add(struct peer_run *run, struct peer_msg *list, size_t *n,
                        int from_client, const unsigned char *p, size_t len)
{
    unsigned char *d;

    if (*n >= PEER_MAX_MSGS) {
        run->overflow = 1;
        return 0;
    }
    d = malloc(len ? len : 1);
    if (d == NULL) {
        run->overflow = 1;
        return 0;
    }
    memcpy(d, p, len);
    if (run->is_dtls && len >= DTLS1_HM_HEADER_LENGTH) {
        /* What the hash covers: fragment_offset 0, fragment_length = length. libssl already
         * hands us that form; make it explicit. */
        memset(d + 6, 0, 3);
        memcpy(d + 9, d + 1, 3);
    }
    list[*n].from_client = from_client;
    list[*n].len = len;
    list[*n].data = d;
    (*n)++;
    return 1;
}

static void peer_msg_list_free(struct peer_msg *list, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free(list[i].data);
        list[i].data = NULL;
        list[i].len = 0;
    }
    *n = 0;
}

unsigned peer_dtls_seq(const unsigned char *p)
{
    return ((unsigned)p[4] << 8) | p[5];
}

/* Shared by both message callbacks: is this a DTLS retransmission already in the list? */
static int peer_is_retransmission(const struct peer_msg *list, size_t n, int from_client,
                                  const unsigned char *p, size_t len)
{
    if (len < DTLS1_HM_HEADER_LENGTH)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (list[i].from_client == from_client && list[i].len >= DTLS1_HM_HEADER_LENGTH
            && peer_dtls_seq(list[i].data) == peer_dtls_seq(p) && list[i].data[0] == p[0])
            return 1;
    return 0;
}

static void peer_client_msg_cb(int write_p, int version, int content_type,
                               const void *buf, size_t len, SSL *ssl, void *arg)
{
    struct peer_run *run = arg;
    const unsigned char *p = buf;

    (void)version;
    (void)ssl;
    /* Only real handshake messages: not SSL3_RT_HEADER, SSL3_RT_INNER_CONTENT_TYPE, CCS, alerts. */
    if (content_type != SSL3_RT_HANDSHAKE || run == NULL || len < run->hdr_len)
        return;
    if (run->is_dtls) {
        if (write_p && p[0] == SSL3_MT_CLIENT_HELLO) {
            /* libssl: "every DTLS ClientHello resets Finished MAC" (after a HelloVerifyRequest
             * the second ClientHello starts the transcript; RFC 6347 §4.2.1). */
            peer_msg_list_free(run->msgs, &run->nmsgs);
        } else if (peer_is_retransmission(run->msgs, run->nmsgs, write_p, p, len)) {
            return;
        }
    }
    peer_msg_add(run, run->msgs, &run->nmsgs, write_p ? 1 : 0, p, len);
}

static void peer_server_msg_cb(int write_p, int version, int content_type,
                               const void *buf, size_t len, SSL *ssl, void *arg)
{
    struct peer_run *run = arg;
    const unsigned char *p = buf;

    (void)version;
    (void)ssl;
    if (write_p || content_type != SSL3_RT_HANDSHAKE || run == NULL || len < run->hdr_len)
        return;
    if (p[0] == SSL3_MT_CLIENT_HELLO)
        peer_msg_list_free(run->srv_rx, &run->srv_nrx); /* the server's MAC restarts as well */
    else if (run->is_dtls && peer_is_retransmission(run->srv_rx, run->srv_nrx, 1, p, len))
        return;
    peer_msg_add(run, run->srv_rx, &run->srv_nrx, 1, p, len);
}

static void peer_keylog_cb(const SSL *ssl, const char *line)
{
    struct peer_run *run = SSL_get_app_data(ssl);

    if (run != NULL && strncmp(line, "CLIENT_RANDOM ", 14) == 0)
        snprintf(run->keylog, sizeof(run->keylog), "%s", line);
}

/* ==== PSK and cookies ======================================================================= */

static unsigned int peer_psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                       unsigned int max_identity_len, unsigned char *psk,
                                       unsigned int max_psk_len)
{
    struct peer_run *run = SSL_get_app_data(ssl);

    (void)hint;
    if (run == NULL || run->cfg.psk == NULL || run->cfg.psk_len > max_psk_len
        || sizeof(PEER_PSK_IDENTITY) > max_identity_len)
        return 0;
    memcpy(identity, PEER_PSK_IDENTITY, sizeof(PEER_PSK_IDENTITY));
    memcpy(psk, run->cfg.psk, run->cfg.psk_len);
    return (unsigned int)run->cfg.psk_len;
}

static unsigned int peer_psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                       unsigned int max_psk_len)
{
    struct peer_run *run = SSL_get_app_data(ssl);

    if (run == NULL || run->cfg.psk == NULL || run->cfg.psk_len > max_psk_len
        || identity == NULL || strcmp(identity, PEER_PSK_IDENTITY) != 0)
        return 0;
    memcpy(psk, run->cfg.psk, run->cfg.psk_len);
    return (unsigned int)run->cfg.psk_len;
}

int peer_verify_accept_cb(int preverify_ok, X509_STORE_CTX *x509_ctx)
{
    int err = X509_STORE_CTX_get_error(x509_ctx);

    return preverify_ok || err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
           || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
}

const unsigned char peer_cookie[sizeof(PEER_COOKIE)] = PEER_COOKIE;

static int peer_cookie_gen_cb(SSL *ssl, unsigned char *cookie, unsigned int *cookie_len)
{
    (void)ssl;
    memcpy(cookie, peer_cookie, sizeof(peer_cookie) - 1);
    *cookie_len = sizeof(peer_cookie) - 1;
    return 1;
}

static int peer_cookie_verify_cb(SSL *ssl, const unsigned char *cookie,
                                 unsigned int cookie_len)
{
    (void)ssl;
    return cookie_len == sizeof(peer_cookie) - 1
           && memcmp(cookie, peer_cookie, cookie_len) == 0;
}

/* ==== the handshake ========================================================================= */

int peer_fail(const char *what)
{
    fprintf(stderr, "libssl_peer: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 0;
}

static int peer_is_dtls_version(int v)
{
    return v == DTLS1_VERSION || v == DTLS1_2_VERSION || v == DTLS1_BAD_VER;
}

static SSL_CTX *peer_ctx(const struct peer_config *cfg, int server, int dtls, int version)
{
    const SSL_METHOD *m = dtls ? (server ? DTLS_server_method() : DTLS_client_method())
                               : (server ? TLS_server_method() : TLS_client_method());
    SSL_CTX *ctx = SSL_CTX_new(m);
    uint64_t opts = 0;

    if (ctx == NULL)
        return NULL;
    if (!SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version))
        goto err;
    if (cfg->seclevel0 || version == TLS1_VERSION || version == TLS1_1_VERSION
        || version == DTLS1_VERSION)
        SSL_CTX_set_security_level(ctx, 0);
    if (cfg->ciphers != NULL && !SSL_CTX_set_cipher_list(ctx, cfg->ciphers))
        goto err;
    if (cfg->groups != NULL && !SSL_CTX_set1_groups_list(ctx, cfg->groups))
        goto err;
    if (!cfg->ems)
        opts |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
    if (!cfg->empty_fragments)
        opts |= SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
    if (cfg->no_ticket)
        opts |= SSL_OP_NO_TICKET;
    if (dtls)
        opts |= SSL_OP_NO_QUERY_MTU;
    SSL_CTX_set_options(ctx, opts);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (cfg->sigalgs != NULL && !SSL_CTX_set1_sigalgs_list(ctx, cfg->sigalgs))
        goto err;
    if (cfg->client_sigalgs != NULL && !SSL_CTX_set1_client_sigalgs_list(ctx, cfg->client_sigalgs))
        goto err;
    if (cfg->client_cert_type != 0) {
        EVP_PKEY *key;
        X509 *cert;

        if (server) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                               peer_verify_accept_cb);
        } else if (!peer_client_credentials(cfg->client_cert_type, &key, &cert)
                   || !SSL_CTX_use_certificate(ctx, cert) || !SSL_CTX_use_PrivateKey(ctx, key)) {
            goto err;
        }
    }
    if (server) {
        EVP_PKEY *key;
        X509 *cert;

        if (!peer_credentials(cfg->cert_type, &key, &cert) || !SSL_CTX_use_certificate(ctx, cert)
            || !SSL_CTX_use_PrivateKey(ctx, key) || !SSL_CTX_set_dh_auto(ctx, 1))
            goto err;
        if (cfg->psk != NULL)
            SSL_CTX_set_psk_server_callback(ctx, peer_psk_server_cb);
        if (dtls && cfg->dtls_cookie) {
            SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
            SSL_CTX_set_cookie_generate_cb(ctx, peer_cookie_gen_cb);
            SSL_CTX_set_cookie_verify_cb(ctx, peer_cookie_verify_cb);
        }
    } else {
        if (cfg->psk != NULL)
            SSL_CTX_set_psk_client_callback(ctx, peer_psk_client_cb);
        SSL_CTX_set_keylog_callback(ctx, peer_keylog_cb);
    }
    return ctx;
err:
    SSL_CTX_free(ctx);
    return NULL;
}

/* DTLS retransmits a flight when its timer (1 s at first) runs out. In memory nothing is ever
 * lost, but a handshake step can take longer than that under valgrind on a loaded machine, and
 * a retransmitted flight would enter the captured transcript twice: the timer never runs out. */
static unsigned int peer_dtls_timer(SSL *s, unsigned int previous_us)
{
    (void)s, (void)previous_us;
    return 3600u * 1000000u;
}

static SSL *peer_ssl(struct peer_run *run, SSL_CTX *ctx, int server)
{
    SSL *s = SSL_new(ctx);
    BIO *b;

    if (s == NULL)
        return NULL;
    b = BIO_new(peer_bio_method());
    if (b == NULL) {
        SSL_free(s);
        return NULL;
    }
    BIO_set_data(b, &run->pipe->end[server]);
    SSL_set_bio(s, b, b);
    SSL_set_app_data(s, run);
    SSL_set_msg_callback(s, server ? peer_server_msg_cb : peer_client_msg_cb);
    SSL_set_msg_callback_arg(s, run);
    if (run->is_dtls) {
        unsigned mtu = run->cfg.dtls_mtu ? run->cfg.dtls_mtu : PEER_DEFAULT_DTLS_MTU;

        if (!SSL_set_mtu(s, mtu)) {
            SSL_free(s);
            return NULL;
        }
        DTLS_set_timer_cb(s, peer_dtls_timer);
    }
    if (server)
        SSL_set_accept_state(s);
    else
        SSL_set_connect_state(s);
    return s;
}

int peer_step(SSL *s, const char *who)
{
    int r = SSL_do_handshake(s);
    int e;

    if (r == 1)
        return 1;
    e = SSL_get_error(s, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    fprintf(stderr, "libssl_peer: %s handshake failed (SSL_get_error %d)\n", who, e);
    ERR_print_errors_fp(stderr);
    return -1;
}

/* After the handshake: check the DTLS client-sent copies against what the server received. */
static int peer_fix_dtls_sent(struct peer_run *run)
{
    size_t j = 0;

    for (size_t i = 0; i < run->nmsgs; i++) {
        struct peer_msg *m = &run->msgs[i];

        if (!m->from_client)
            continue;
        if (j >= run->srv_nrx)
            return peer_fail("DTLS: the server received fewer messages than the client sent");
        if (m->len != run->srv_rx[j].len || memcmp(m->data, run->srv_rx[j].data, m->len) != 0) {
            if (m->len != run->srv_rx[j].len || m->data[0] != run->srv_rx[j].data[0]
                || peer_dtls_seq(m->data) != peer_dtls_seq(run->srv_rx[j].data))
                return peer_fail("DTLS: client-sent and server-received messages disagree");
            /* A fragmented outgoing message: libssl's callback copy is damaged. */
            memcpy(m->data, run->srv_rx[j].data, m->len);
            run->fixed_fragments++;
        }
        j++;
    }
    if (j != run->srv_nrx)
        return peer_fail("DTLS: the server received more messages than the client sent");
    return 1;
}

static int peer_collect(struct peer_run *run)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(run->client);
    SSL_SESSION *sess = SSL_get_session(run->client);
    EVP_PKEY *key;
    X509 *cert;
    int len;

    if (c == NULL || sess == NULL)
        return peer_fail("no cipher or session after the handshake");
    run->cipher_id = SSL_CIPHER_get_protocol_id(c);
    run->version = SSL_version(run->client);
    run->ems_used = SSL_get_extms_support(run->client) == 1;
    if (run->version == TLS1_VERSION || run->version == TLS1_1_VERSION
        || run->version == DTLS1_VERSION || run->version == DTLS1_BAD_VER) {
        run->prf_digest = "MD5-SHA1";
    } else {
        const EVP_MD *md = SSL_CIPHER_get_handshake_digest(c);

        if (md == NULL)
            return peer_fail("no handshake digest for the suite");
        /* Suites with SSL_HANDSHAKE_MAC_DEFAULT (e.g. PSK-AES128-CBC-SHA256) report MD5-SHA1
         * here; in TLS 1.2 that means the default PRF hash, SHA-256. */
        if (EVP_MD_get_type(md) == NID_sha256 || EVP_MD_get_type(md) == NID_md5_sha1)
            run->prf_digest = "SHA256";
        else if (EVP_MD_get_type(md) == NID_sha384)
            run->prf_digest = "SHA384";
        else
            return peer_fail("unexpected handshake digest");
    }
    if (SSL_get_client_random(run->client, run->client_random, 32) != 32
        || SSL_get_server_random(run->client, run->server_random, 32) != 32
        || SSL_SESSION_get_master_key(sess, run->master_secret, 48) != 48)
        return peer_fail("randoms or master secret unavailable");
    run->finished_len = SSL_get_finished(run->client, run->client_finished, 64);
    if (SSL_get_peer_finished(run->client, run->server_finished, 64) != run->finished_len
        || run->finished_len == 0 || run->finished_len > 64)
        return peer_fail("Finished unavailable");
    if (run->overflow)
        return peer_fail("more than PEER_MAX_MSGS handshake messages");
    if (run->is_dtls && !peer_fix_dtls_sent(run))
        return 0;

    run->ckx_index = run->client_finished_index = run->server_finished_index = PEER_NO_INDEX;
    for (size_t i = 0; i < run->nmsgs; i++) {
        unsigned t = run->msgs[i].data[0];

        if (t == SSL3_MT_CLIENT_KEY_EXCHANGE && run->msgs[i].from_client
            && run->ckx_index == PEER_NO_INDEX)
            run->ckx_index = i;
        if (t == SSL3_MT_FINISHED)
            *(run->msgs[i].from_client ? &run->client_finished_index
                                       : &run->server_finished_index) = i;
    }
    if (run->ckx_index == PEER_NO_INDEX || run->client_finished_index == PEER_NO_INDEX
        || run->server_finished_index == PEER_NO_INDEX)
        return peer_fail("ClientKeyExchange or a Finished missing from the transcript");

    if (SSL_CIPHER_get_kx_nid(c) == NID_kx_rsa) {
        const struct peer_msg *m = &run->msgs[run->ckx_index];
        const unsigned char *b = m->data + run->hdr_len;
        size_t n;

        if (m->len < run->hdr_len + 2)
            return peer_fail("short ClientKeyExchange");
        n = ((size_t)b[0] << 8) | b[1];
        if (n != m->len - run->hdr_len - 2)
            return peer_fail("RSA ClientKeyExchange length prefix mismatch");
        run->rsa_ckx = malloc(n);
        if (run->rsa_ckx == NULL)
            return peer_fail("out of memory");
        memcpy(run->rsa_ckx, b + 2, n);
        run->rsa_ckx_len = n;
    }

    if (!peer_credentials(run->cfg.cert_type, &key, &cert) || !EVP_PKEY_up_ref(key))
        return peer_fail("server credentials");
    run->server_key = key;
    len = i2d_X509(cert, &run->server_cert_der);
    if (len <= 0)
        return peer_fail("i2d_X509");
    run->server_cert_der_len = (size_t)len;
    if (run->cfg.client_cert_type != 0) {
        X509 *got = SSL_get0_peer_certificate(run->server);

        if (!peer_client_credentials(run->cfg.client_cert_type, &key, &cert))
            return peer_fail("client credentials");
        if (got == NULL || X509_cmp(got, cert) != 0)
            return peer_fail("the server did not receive the client's certificate");
        if (!EVP_PKEY_up_ref(key))
            return peer_fail("client credentials");
        run->client_key = key;
        len = i2d_X509(cert, &run->client_cert_der);
        if (len <= 0)
            return peer_fail("i2d_X509");
        run->client_cert_der_len = (size_t)len;
    }
    return 1;
}

int peer_handshake(const struct peer_config *cfg, struct peer_run *run)
{
    int cdone = 0, sdone = 0, version;

    memset(run, 0, sizeof(*run));
    run->ckx_index = run->client_finished_index = run->server_finished_index = PEER_NO_INDEX;
    if (cfg == NULL)
        return peer_fail("no config");
    run->cfg = *cfg;
    version = cfg->version ? cfg->version : TLS1_2_VERSION;
    run->is_dtls = peer_is_dtls_version(version);
    run->hdr_len = run->is_dtls ? DTLS1_HM_HEADER_LENGTH : SSL3_HM_HEADER_LENGTH;
    if (peer_bio_method() == NULL)
        return peer_fail("BIO method");
    run->pipe = calloc(1, sizeof(*run->pipe));
    if (run->pipe == NULL)
        return peer_fail("out of memory");
    run->pipe->dgram = run->is_dtls;
    for (int i = 0; i < 2; i++) {
        run->pipe->end[i].pipe = run->pipe;
        run->pipe->end[i].side = i;
    }
    run->cctx = peer_ctx(cfg, 0, run->is_dtls, version);
    run->sctx = run->cctx ? peer_ctx(cfg, 1, run->is_dtls, version) : NULL;
    if (run->sctx == NULL)
        return peer_fail("SSL_CTX setup (version, cipher list, groups or key)");
    run->client = peer_ssl(run, run->cctx, 0);
    run->server = run->client ? peer_ssl(run, run->sctx, 1) : NULL;
    if (run->server == NULL)
        return peer_fail("SSL setup");

    for (int i = 0; i < 64 && !(cdone && sdone); i++) {
        if (!cdone && (cdone = peer_step(run->client, "client")) < 0)
            return 0;
        if (!sdone && (sdone = peer_step(run->server, "server")) < 0)
            return 0;
        if (!(cdone && sdone) && run->pipe->q[0].head == NULL && run->pipe->q[1].head == NULL)
            return peer_fail("handshake stalled: both sides wait and nothing is in flight");
    }
    if (!(cdone && sdone))
        return peer_fail("handshake did not finish");

    /* Nothing refers to *run from here on. */
    SSL_set_msg_callback(run->client, NULL);
    SSL_set_msg_callback(run->server, NULL);
    SSL_set_msg_callback_arg(run->client, NULL);
    SSL_set_msg_callback_arg(run->server, NULL);
    SSL_set_app_data(run->client, NULL);
    SSL_set_app_data(run->server, NULL);
    return peer_collect(run);
}

void peer_free(struct peer_run *run)
{
    if (run == NULL)
        return;
    SSL_free(run->client);
    SSL_free(run->server);
    SSL_CTX_free(run->cctx);
    SSL_CTX_free(run->sctx);
    if (run->pipe != NULL) {
        peer_queue_clear(&run->pipe->q[0]);
        peer_queue_clear(&run->pipe->q[1]);
        free(run->pipe);
    }
    peer_msg_list_free(run->msgs, &run->nmsgs);
    peer_msg_list_free(run->srv_rx, &run->srv_nrx);
    free(run->rsa_ckx);
    EVP_PKEY_free(run->server_key);
    OPENSSL_free(run->server_cert_der);
    EVP_PKEY_free(run->client_key);
    OPENSSL_free(run->client_cert_der);
    memset(run, 0, sizeof(*run));
}

/* ==== records after the handshake =========================================================== */

int peer_capture_record(struct peer_run *run, int from_client,
                        const unsigned char *data, size_t len, unsigned char **rec,
                        size_t *rec_len)
{
    SSL *s = from_client ? run->client : run->server;
    struct peer_queue *q, saved;
    size_t written = 0;
    int ok = 1;

    *rec = NULL;
    *rec_len = 0;
    if (s == NULL || run->pipe == NULL)
        return peer_fail("no connection");
    q = &run->pipe->q[from_client ? 1 : 0];
    /* Set aside whatever is already queued (e.g. an alert) so only this write is captured. */
    saved = *q;
    memset(q, 0, sizeof(*q));
    if (!SSL_write_ex(s, data, len, &written) || written != len)
        ok = peer_fail("SSL_write failed");
    else if (q->head == NULL)
        ok = peer_fail("SSL_write produced no record");
    else if (!peer_queue_take_all(q, rec, rec_len))
        ok = peer_fail("out of memory");
    peer_queue_clear(q);
    *q = saved;
    return ok;
}

int peer_deliver_record(struct peer_run *run, int to_client,
                        const unsigned char *rec, size_t rec_len,
                        unsigned char *out, size_t out_cap, size_t *out_len)
{
    SSL *s = to_client ? run->client : run->server;
    size_t got = 0;

    *out_len = 0;
    if (s == NULL || run->pipe == NULL)
        return peer_fail("no connection");
    if (!peer_queue_push(&run->pipe->q[to_client ? 0 : 1], rec, rec_len))
        return peer_fail("out of memory");
    if (!SSL_read_ex(s, out, out_cap, &got)) {
        /* Refusal is an expected outcome in negative tests: no output, error queue cleared.
         * Leave nothing half-read behind so it cannot poison the next delivery. */
        peer_queue_clear(&run->pipe->q[to_client ? 0 : 1]);
        ERR_clear_error();
        return 0;
    }
    *out_len = got;
    return 1;
}

/* ==== helpers for expected values =========================================================== */

int peer_tls_prf(const char *digest, const unsigned char *secret, size_t secret_len,
                 const char *label, const unsigned char *seed, size_t seed_len,
                 unsigned char *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    size_t label_len = strlen(label);
    unsigned char *ls = malloc(label_len + seed_len + 1);
    OSSL_PARAM params[4];
    int ok = 0;

    if (kctx != NULL && ls != NULL) {
        memcpy(ls, label, label_len);
        if (seed_len != 0)
            memcpy(ls + label_len, seed, seed_len);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                                      (void *)secret, secret_len);
        params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, ls,
                                                      label_len + seed_len);
        params[3] = OSSL_PARAM_construct_end();
        ok = EVP_KDF_derive(kctx, out, out_len, params) > 0;
    }
    free(ls);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok;
}

int peer_transcript_hash(const struct peer_run *run, size_t from, size_t to,
                         unsigned char *out, size_t *out_len)
{
    EVP_MD *md = EVP_MD_fetch(NULL, run->prf_digest, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md != NULL && ctx != NULL && to <= run->nmsgs && EVP_DigestInit_ex(ctx, md, NULL);

    for (size_t i = from; ok && i < to; i++)
        ok = EVP_DigestUpdate(ctx, run->msgs[i].data, run->msgs[i].len);
    ok = ok && EVP_DigestFinal_ex(ctx, out, &n);
    *out_len = ok ? n : 0;
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return ok;
}
