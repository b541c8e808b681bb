/* The engine's TLS server (issue 14): TLS 1.3 (RFC 8446: HelloRetryRequest, PSK resumption
 * with binders checked, tickets, KeyUpdate) and TLS 1.2 (RFC 5246 with RFC 7627 EMS, session
 * ID resumption; ECDHE, DHE and RSA key exchange). The certificate's private key is reached
 * only through SslOpenPrivateKey and SslSignHash; RSA key exchange through
 * SslImportMasterKey's implicit rejection. Records, handshake framing and post-handshake
 * messages are conn.c's and client.c's, shared with the client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "engine_int.h"
#include "tls_writer.h"

#define HS_CLIENT_HELLO 1
#define HS_CLIENT_KEY_EXCHANGE 16
#define HS_MESSAGE_HASH 254
#define TICKET_LIFETIME 7200 /* seconds */
#define TICKET_KEY_ROTATE_MS (3600 * 1000)
#define TICKET_MAX 1024      /* a sealed RFC 5077 ticket: name, iv, opaque master blob, tag */
#define TICKETS_PER_HANDSHAKE 2

static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

static int transcript_feed_first(struct tls_conn *c, struct tls_rd chmsg);

/* ------------------------------------------------------------------------------------------ */
/* Context                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static const uint16_t default_groups[] = {29, 23, 24, 25, 30, 256, 257};

static int open_key(struct tls_server_ctx *x, const struct tls_server_cred *cr, char *err,
                    size_t err_len)
{
    struct server_key *k = &x->keys[x->n_keys];
    const unsigned char *p = cr->cert->pbCertEncoded;
    EVP_PKEY *pk;
    SECURITY_STATUS st;

    k->x509 = d2i_X509(NULL, &p, (long)cr->cert->cbCertEncoded);
    pk = k->x509 != NULL ? X509_get0_pubkey(k->x509) : NULL;
    if (pk == NULL || !(EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "EC"))) {
        X509_free(k->x509);
        snprintf(err, err_len, "credentials: a certificate without an RSA or ECDSA key");
        return -1;
    }
    k->auth = EVP_PKEY_is_a(pk, "RSA") ? AUTH_RSA : AUTH_ECDSA;
    k->bits = EVP_PKEY_get_bits(pk);
    st = SslOpenPrivateKey(x->base.cfg.provider, &k->key, cr->cert, 0);
    if (FAILED(st)) {
        X509_free(k->x509);
        snprintf(err, err_len, "credentials: SslOpenPrivateKey returned 0x%08X (%s)", (unsigned)st,
                 st == NTE_NO_KEY ? "no key associated with the certificate"
                 : st == NTE_BAD_KEYSET ? "the key does not match the certificate" : "?");
        return -1;
    }
    k->cert = cr->cert;
    k->chain = cr->chain;
    x->n_keys++;
    return 0;
}

struct tls_server_ctx *tls_server_ctx_new(const struct tls_server_config *cfg, char *err,
                                          size_t err_len)
{
    struct tls_server_ctx *x = calloc(1, sizeof(*x));
    struct tls_client_ctx *b;

    if (x == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    b = &x->base;
    b->cfg = (struct tls_client_config){
        .provider = cfg->provider, .min_version = cfg->min_version != 0 ? cfg->min_version : 0x0303,
        .max_version = cfg->max_version != 0 ? cfg->max_version : 0x0304, .suites = cfg->suites,
        .n_suites = cfg->n_suites, .trace = cfg->trace, .trace_arg = cfg->trace_arg, .insecure = true,
    };
    x->alpn = cfg->alpn;
    x->n_alpn = cfg->n_alpn;
    x->client_ca = cfg->verify_client;
    if (cfg->groups != NULL) {
        for (size_t i = 0; i < cfg->n_groups && b->n_groups < MAX_GROUPS; i++)
            if (tls_group_name(cfg->groups[i]) != NULL)
                b->groups[b->n_groups++] = cfg->groups[i];
    } else {
        memcpy(b->groups, default_groups, sizeof(default_groups));
        b->n_groups = sizeof(default_groups) / sizeof(default_groups[0]);
    }
    if (b->cfg.min_version < 0x0303 || b->cfg.max_version > 0x0304 ||
        b->cfg.min_version > b->cfg.max_version) {
        snprintf(err, err_len, "configuration: TLS 1.2 and 1.3 only");
        goto fail;
    }
    b->allow_psk = cfg->n_psks != 0;
    if ((unsigned)cfg->psk_ke > TLS_PSK_KE_NEVER) {
        snprintf(err, err_len, "configuration: psk_ke is ALLOW, PREFER or NEVER");
        goto fail;
    }
    x->psk_ke = cfg->psk_ke;
    if (cfg->n_psks > sizeof(x->psk_keys) / sizeof(x->psk_keys[0])) {
        snprintf(err, err_len, "configuration: at most 8 PSK identities");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_psks; i++) {
        size_t id_len = cfg->psks[i].identity != NULL ? strlen(cfg->psks[i].identity) : 0;
        SECURITY_STATUS st = id_len == 0 || id_len > TLS_MAX_PSK_IDENTITY
                                 ? NTE_INVALID_PARAMETER
                                 : SslImportKey(cfg->provider, &x->psk_keys[i], TLS_13_PRE_SHARED_KEY,
                                                (PBYTE)cfg->psks[i].key, (DWORD)cfg->psks[i].key_len, 0);

        if (FAILED(st) || (x->psk_ids[i] = strdup(cfg->psks[i].identity)) == NULL) {
            if (SUCCEEDED(st))
                SslFreeObject(x->psk_keys[i], 0);
            snprintf(err, err_len, "configuration: PSK %s refused (0x%08X)",
                     id_len != 0 ? cfg->psks[i].identity : "(no identity)", (unsigned)st);
            goto fail;
        }
        x->n_psks++;
    }
    if (tls_suites_init(b) != 0 || b->n_groups == 0) {
        snprintf(err, err_len, "configuration: no cipher suite or group this server can use");
        goto fail;
    }
    if ((cfg->n_creds == 0 && cfg->n_psks == 0) || cfg->n_creds > sizeof(x->keys) / sizeof(x->keys[0])) {
        snprintf(err, err_len, "configuration: 1 to 4 certificates (or PSK identities alone)");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_creds; i++)
        if (open_key(x, &cfg->creds[i], err, err_len) != 0)
            goto fail;
    return x;
fail:
    tls_server_ctx_free(x);
    return NULL;
}

void tls_server_ctx_free(struct tls_server_ctx *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->n_keys; i++) {
        SslFreeObject(x->keys[i].key, 0);
        X509_free(x->keys[i].x509);
    }
    for (size_t i = 0; i < SERVER_CACHE; i++)
        tls_session_free(x->cache[i]);
    for (size_t i = 0; i < x->n_psks; i++) {
        SslFreeObject(x->psk_keys[i], 0);
        free(x->psk_ids[i]);
    }
    OPENSSL_cleanse(x->ticket_keys, sizeof(x->ticket_keys));
    free(x);
}

/* ------------------------------------------------------------------------------------------ */
/* RFC 5077 tickets (TLS 1.2)                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The current ticket key, made or rotated as needed: the previous one is kept to open the
 * tickets it sealed, the one before that is wiped. */
static struct ticket_key *ticket_key_current(struct tls_server_ctx *x)
{
    struct ticket_key *k = &x->ticket_keys[0];

    if (!k->set || tls_now_ms() - k->created_ms > TICKET_KEY_ROTATE_MS) {
        OPENSSL_cleanse(&x->ticket_keys[1], sizeof(x->ticket_keys[1]));
        x->ticket_keys[1] = *k;
        if (RAND_bytes(k->name, sizeof(k->name)) != 1 || RAND_bytes(k->key, sizeof(k->key)) != 1)
            return NULL;
        k->created_ms = tls_now_ms();
        k->set = true;
    }
    return k;
}

/* AES-256-GCM with libcrypto (the engine's protection of its own tickets; RFC 5077 §4's
 * layout: key_name || iv || encrypted_state || tag, the key name authenticated). */
static bool ticket_aead(bool seal, const struct ticket_key *k, const uint8_t *iv,
                        const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = ctx != NULL &&
              EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->key, iv, seal ? 1 : 0) == 1 &&
              EVP_CipherUpdate(ctx, NULL, &len, k->name, sizeof(k->name)) == 1 &&
              EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
              (seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1) &&
              EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 &&
              (!seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);

    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* The session's master key as an OpaqueKeyBlob (SslExportKey: the secret in the clear,
 * which is why it is sealed at once and the buffer wiped), with suite and EMS. */
static int ticket_seal(struct tls_conn *c, uint8_t *out, size_t cap, size_t *out_len)
{
    struct ticket_key *k = ticket_key_current(c->sctx);
    uint8_t state[TICKET_MAX];
    DWORD blob_len = 0;
    size_t n;
    SECURITY_STATUS st;
    int rc = -1;

    if (k == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "ticket", "no randomness");
    state[0] = (uint8_t)(c->suite->id >> 8);
    state[1] = (uint8_t)c->suite->id;
    state[2] = c->ems;
    st = SSLCALL(c, SslExportKey, c->prov, c->sess->secret, BCRYPT_OPAQUE_KEY_BLOB, state + 3,
                 sizeof(state) - 3, &blob_len, 0);
    n = 3 + blob_len;
    if (FAILED(st)) {
        tls_fail_status(c, "SslExportKey (ticket)", st);
    } else if (cap < 16 + 12 + n + 16 || RAND_bytes(out + 16, 12) != 1) {
        tls_fail(c, ALERT_INTERNAL_ERROR, "ticket", "no room or no randomness");
    } else {
        memcpy(out, k->name, 16);
        if (ticket_aead(true, k, out + 16, state, n, out + 28, out + 28 + n)) {
            *out_len = 28 + n + 16;
            rc = 0;
        } else {
            tls_fail(c, ALERT_INTERNAL_ERROR, "ticket", "AES-GCM");
        }
    }
    OPENSSL_cleanse(state, sizeof(state));
    return rc;
}

/* A session from a ticket we sealed, or NULL (unknown key, forged, expired key: a full
 * handshake follows, RFC 5077 §3.4). */
static struct tls_session *ticket_open(struct tls_conn *c, struct tls_rd t)
{
    struct tls_server_ctx *x = c->sctx;
    const struct ticket_key *k = NULL;
    uint8_t state[TICKET_MAX], tag[16];
    struct tls_session *s = NULL;
    size_t n;

    if (t.n < 16 + 12 + 3 + 16 || t.n > TICKET_MAX)
        return NULL;
    for (int i = 0; i < 2 && k == NULL; i++)
        if (x->ticket_keys[i].set && CRYPTO_memcmp(x->ticket_keys[i].name, t.p, 16) == 0)
            k = &x->ticket_keys[i];
    n = t.n - 28 - 16;
    memcpy(tag, t.p + t.n - 16, 16);
    if (k != NULL && tls_now_ms() - k->created_ms < 2 * TICKET_KEY_ROTATE_MS &&
        ticket_aead(false, k, t.p + 16, t.p + 28, n, state, tag) && (s = tls_session_new()) != NULL) {
        if (FAILED(SSLCALL(c, SslImportKey, c->prov, &s->secret, BCRYPT_OPAQUE_KEY_BLOB,
                           state + 3, (DWORD)(n - 3), 0))) {
            tls_session_free(s);
            s = NULL;
        } else {
            s->version = 0x0303;
            s->suite = (uint16_t)(state[0] << 8 | state[1]);
            s->ems = state[2] != 0;
        }
    }
    OPENSSL_cleanse(state, sizeof(state));
    return s;
}

static int send_ticket12(struct tls_conn *c)
{
    uint8_t body[4 + 2 + TICKET_MAX];
    size_t len = 0;

    if (ticket_seal(c, body + 6, sizeof(body) - 6, &len) != 0)
        return -1;
    body[0] = 0, body[1] = 0, body[2] = TICKET_LIFETIME >> 8, body[3] = TICKET_LIFETIME & 0xFF;
    body[4] = (uint8_t)(len >> 8);
    body[5] = (uint8_t)len;
    return hs_send(c, HS_NEW_SESSION_TICKET, body, 6 + len);
}

struct tls_conn *tls_server_accept(struct tls_server_ctx *x, struct tls_io io, char *err,
                                   size_t err_len)
{
    struct tls_conn *c = malloc(sizeof(*c));

    if (c == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    memset(c, 0, offsetof(struct tls_conn, in));
    c->ctx = &x->base;
    c->cfg = x->base.cfg;
    c->prov = x->base.cfg.provider;
    c->io = io;
    c->server = true;
    c->sctx = x;
    c->first_record_sent = true; /* the 0x0301 record version is the first ClientHello's only */
    /* client certificates are checked against client_ca (peer.c, purpose sslclient) */
    c->cfg.trust = x->client_ca;
    c->cfg.insecure = x->client_ca == NULL;
    return c;
}

/* A cached session by its identity (a TLS 1.3 ticket, a TLS 1.2 session ID). */
static struct tls_session *cache_find(struct tls_server_ctx *x, struct tls_rd id, uint16_t version)
{
    for (size_t i = 0; i < SERVER_CACHE; i++) {
        struct tls_session *s = x->cache[i];

        if (s != NULL && s->version == version && s->session_id_len == id.n &&
            CRYPTO_memcmp(s->session_id, id.p, id.n) == 0 &&
            tls_now_ms() - s->received_ms < (uint64_t)s->lifetime * 1000)
            return s;
    }
    return NULL;
}

static void cache_add(struct tls_server_ctx *x, struct tls_session *s)
{
    s->refs++;
    tls_session_free(x->cache[x->cache_next]);
    x->cache[x->cache_next] = s;
    x->cache_next = (x->cache_next + 1) % SERVER_CACHE;
}

/* ------------------------------------------------------------------------------------------ */
/* Negotiation                                                                                */
/* ------------------------------------------------------------------------------------------ */

static bool list_has16(struct tls_rd list, uint16_t v)
{
    uint16_t x;

    while (rd_u16(&list, &x))
        if (x == v)
            return true;
    return false;
}

static bool list_has8(struct tls_rd list, uint8_t v)
{
    for (size_t i = 0; i < list.n; i++)
        if (list.p[i] == v)
            return true;
    return false;
}

/* The key share the client sent for group, if any. */
static bool find_share(const struct client_hello_msg *ch, uint16_t group, struct tls_rd *key)
{
    struct tls_rd walk = ch->key_shares;
    uint16_t g;

    while (rd_u16(&walk, &g) && rd_vec(&walk, 2, 1, 0xFFFF, key))
        if (g == group)
            return true;
    return false;
}


/* The first of the client's schemes (its preference) one of our keys of auth can make; the
 * key's index goes to *key. TLS 1.2 without signature_algorithms: SHA-1 defaults are not
 * offered here, so such a client gets rsa_pkcs1_sha256 / ecdsa_secp256r1_sha256 (RFC 5246
 * §7.4.1.4.1 would have SHA-1). */
static uint16_t choose_scheme(struct tls_conn *c, const struct client_hello_msg *ch, bool tls13,
                              enum auth auth, unsigned *key)
{
    struct tls_server_ctx *x = c->sctx;
    struct tls_rd walk = ch->sig_algs;
    uint16_t s;

    if (!ch->has_sig_algs && !tls13) {
        for (unsigned i = 0; i < x->n_keys; i++)
            if ((auth == AUTH_ANY || x->keys[i].auth == auth) && (c->key_mask >> i & 1)) {
                *key = i;
                return x->keys[i].auth == AUTH_RSA ? 0x0401 : 0x0403;
            }
        return 0;
    }
    while (rd_u16(&walk, &s)) {
        uint32_t len;

        if (scheme_hash(s, &len) == NULL)
            continue;
        for (unsigned i = 0; i < x->n_keys; i++)
            if ((auth == AUTH_ANY || x->keys[i].auth == auth) && (c->key_mask >> i & 1) &&
                tls_key_can(x->keys[i].auth, x->keys[i].bits, s, tls13)) {
                *key = i;
                return s;
            }
    }
    return 0;
}

static int sign(struct tls_conn *c, uint16_t scheme, const uint8_t *digest, size_t dlen,
                uint8_t *out, size_t cap, size_t *out_len)
{
    const struct server_key *k = &c->sctx->keys[c->key_index];

    return tls_sign(c, k->key, k->auth, scheme, digest, dlen, out, cap, out_len);
}

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Frame (type, uint24 length) the body in w and send it as one handshake message. */
static int send_built(struct tls_conn *c, uint8_t type, struct tls_wr *w)
{
    if (w->err || w->depth != 0)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "a message does not fit");
    return hs_send(c, type, w->p, w->n);
}

static void ext_open(struct tls_wr *w, uint16_t type)
{
    wr_u16(w, type);
    wr_open(w, 2);
}

/* Certificate (RFC 8446 §4.4.2 / RFC 5246 §7.4.2): the leaf, then the chain; TLS 1.3 with the
 * certificate_request_context (a client echoes the server's, a server sends an empty one).
 * cert NULL: an empty list (a client without a certificate). */
int tls_send_certificate(struct tls_conn *c, PCCERT_CONTEXT cert, STACK_OF(X509) *chain,
                         bool tls13)
{
    size_t cap = 16 + c->cr_context_len + (cert != NULL ? cert->cbCertEncoded : 0);
    uint8_t *buf;
    struct tls_wr w;
    int rc;

    for (int i = 0; cert != NULL && chain != NULL && i < sk_X509_num(chain); i++)
        cap += 8 + (size_t)i2d_X509(sk_X509_value(chain, i), NULL);
    if ((buf = malloc(cap)) == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    wr_init(&w, buf, cap);
    if (tls13) {
        wr_open(&w, 1);
        wr_bytes(&w, c->cr_context, c->cr_context_len);
        wr_close(&w);
    }
    wr_open(&w, 3);
    if (cert != NULL) {
        wr_open(&w, 3);
        wr_bytes(&w, cert->pbCertEncoded, cert->cbCertEncoded);
        wr_close(&w);
        if (tls13)
            wr_u16(&w, 0);
    }
    for (int i = 0; cert != NULL && chain != NULL && i < sk_X509_num(chain); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(sk_X509_value(chain, i), &der);

        wr_open(&w, 3);
        if (n > 0)
            wr_bytes(&w, der, (size_t)n);
        wr_close(&w);
        OPENSSL_free(der);
        if (tls13)
            wr_u16(&w, 0);
    }
    wr_close(&w);
    rc = send_built(c, HS_CERTIFICATE, &w);
    free(buf);
    return rc;
}

static int send_certificate(struct tls_conn *c, bool tls13)
{
    const struct server_key *k = &c->sctx->keys[c->key_index];

    return tls_send_certificate(c, k->cert, k->chain, tls13);
}

/* The ALPN protocol we pick: our preference among the client's (RFC 7301 §3.2). */
static int choose_alpn(struct tls_conn *c, const struct client_hello_msg *ch)
{
    struct tls_server_ctx *x = c->sctx;

    if (!ch->has_alpn || x->n_alpn == 0)
        return 0;
    for (size_t i = 0; i < x->n_alpn; i++) {
        struct tls_rd walk = ch->alpn, name;
        size_t n = strlen(x->alpn[i]);

        while (rd_vec(&walk, 1, 1, 255, &name))
            if (name.n == n && memcmp(name.p, x->alpn[i], n) == 0) {
                memcpy(c->alpn, x->alpn[i], n);
                c->alpn[n] = '\0';
                return 0;
            }
    }
    return tls_fail(c, ALERT_NO_APPLICATION_PROTOCOL, "handshake",
                    "no protocol in common with the client's ALPN list");
}

static void write_alpn(struct tls_wr *w, const struct tls_conn *c)
{
    if (c->alpn[0] == '\0')
        return;
    ext_open(w, EXT_ALPN);
    wr_open(w, 2);
    wr_open(w, 1);
    wr_bytes(w, c->alpn, strlen(c->alpn));
    wr_close(w);
    wr_close(w);
    wr_close(w);
}

/* Our first suite the client offers that we can serve; hash_len != 0: only suites of that hash
 * (a TLS 1.3 PSK's). */
static const struct suite *choose_suite(struct tls_conn *c, const struct client_hello_msg *ch,
                                        bool tls13, uint32_t hash_len)
{
    for (size_t i = 0; i < c->ctx->n_suites; i++) {
        const struct suite *s = &c->ctx->suites[i];
        unsigned key;

        if (s->tls13 != tls13 || !list_has16(ch->suites, s->id))
            continue;
        if (hash_len != 0 && s->hash_len != hash_len)
            continue;
        /* RSA key exchange signs nothing: any RSA certificate will do */
        if (!tls13 && s->kx == KX_RSA) {
            bool have = false;

            for (unsigned k = 0; k < c->sctx->n_keys && !have; k++)
                have = c->sctx->keys[k].auth == AUTH_RSA && (c->key_mask >> k & 1);
            if (!have)
                continue;
        } else if (!tls13 && s->kx != KX_PSK && choose_scheme(c, ch, false, s->auth, &key) == 0) {
            continue;
        }
        if (!tls13 && s->kx == KX_ECDHE) {
            bool common = false;

            for (size_t g = 0; g < c->ctx->n_groups && !common; g++)
                common = c->ctx->groups[g] < 256 &&
                         (!ch->has_groups || list_has16(ch->groups, c->ctx->groups[g]));
            if (!common)
                continue;
        }
        return s;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* TLS 1.3                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The client's first PSK identity (RFC 8446 §4.2.11), if it offers it for key exchange mode
 * `mode` (0 psk_ke, 1 psk_dhe_ke): one of our external PSKs (SHA-256, RFC 8446 §4.2.11) or
 * a ticket we issued (its suite's hash). The suite is chosen here, among those of the PSK's
 * hash (after an HRR it is already chosen and must have it); the early secret is extracted for
 * that suite, which every later secret inherits. The binder is SslComputeFinishedHash with the
 * binder key over the transcript up to the binders. An identity we do not know, or whose hash
 * no suite in common has, is not an error (a full handshake follows); a wrong binder is
 * (decrypt_error). *found says whether the PSK is accepted. */
static int check_psk(struct tls_conn *c, const struct client_hello_msg *ch, struct tls_rd chmsg,
                     uint8_t mode, bool *found)
{
    struct tls_rd ids = ch->psk_identities, id, binders = ch->psk_binders, binder;
    uint32_t age, hash_len = 32;
    const struct suite *suite;
    struct tls_session *s = NULL;
    NCRYPT_KEY_HANDLE psk = 0, bk = 0;
    NCRYPT_HASH_HANDLE h = 0;
    uint8_t want[TLS_MAX_HASH];
    SECURITY_STATUS st;
    int rc = -1;

    *found = false;
    if (!ch->has_psk || !ch->has_psk_modes || !list_has8(ch->psk_modes, mode))
        return 0;
    if (!rd_vec(&ids, 2, 1, 0xFFFF, &id) || !rd_u32(&ids, &age) ||
        !rd_vec(&binders, 1, 32, 255, &binder))
        return tls_fail(c, ALERT_DECODE_ERROR, "handshake", "a malformed pre_shared_key");
    for (size_t i = 0; i < c->sctx->n_psks && psk == 0; i++)
        if (strlen(c->sctx->psk_ids[i]) == id.n && memcmp(c->sctx->psk_ids[i], id.p, id.n) == 0)
            psk = c->sctx->psk_keys[i];
    if (psk == 0 && (s = cache_find(c->sctx, id, 0x0304)) != NULL &&
        tls_suite_find(c, s->suite) != NULL) {
        psk = s->secret;
        hash_len = tls_suite_find(c, s->suite)->hash_len;
    }
    suite = c->th != 0 ? c->suite : choose_suite(c, ch, true, hash_len);
    if (psk == 0 || suite == NULL || suite->hash_len != hash_len || binder.n != hash_len)
        return 0;
    tls_free_handle(c, &c->early);
    st = SSLCALL(c, SslExtractEarlyKey, c->prov, psk, &c->early, TLS1_3_PROTOCOL_VERSION,
                 suite->id, NULL, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslExpandBinderKey, c->prov, c->early, &bk, NULL,
                     s != NULL ? NCRYPT_SSL_RESUMPTION_PSK_FLAG : NCRYPT_SSL_EXTERNAL_PSK_FLAG);
    if (SUCCEEDED(st))
        st = c->th != 0 ? SSLCALL(c, SslDuplicateTranscriptHash, c->prov, c->th, &h, 0)
                        : SSLCALL(c, SslCreateHandshakeHash, c->prov, &h, TLS1_3_PROTOCOL_VERSION,
                                  suite->id, 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslHashHandshake, c->prov, h, (PBYTE)chmsg.p,
                     (DWORD)(4 + ch->binders_offset), 0);
    if (SUCCEEDED(st))
        st = SSLCALL(c, SslComputeFinishedHash, c->prov, bk, h, want, (DWORD)binder.n, 0);
    if (FAILED(st)) {
        tls_fail_status(c, "PSK binder", st);
        goto out;
    }
    if (CRYPTO_memcmp(want, binder.p, binder.n) != 0) {
        tls_fail(c, ALERT_DECRYPT_ERROR, "handshake", "the PSK binder does not verify");
        goto out;
    }
    c->suite = suite;
    c->resumed = s != NULL;
    *found = true;
    rc = 0;
out:
    tls_free_handle(c, &bk);
    tls_free_handle(c, &h);
    return rc;
}

/* The client's Certificate (its context must be our empty one) and CertificateVerify over
 * the transcript through it: SslComputeClientAuthHash with the handshake secret and the
 * client's context string (dwFlags 0), SslVerifySignature on the certificate's key. */
static int client_certificate13(struct tls_conn *c)
{
    struct tls_rd body, msg;
    struct hs_signature sig;
    uint8_t digest[TLS_MAX_HASH];
    DWORD dlen = 0;
    uint32_t hlen;
    SECURITY_STATUS st;

    if (tls_expect(c, HS_CERTIFICATE, "the client's Certificate", &body, &msg) != 0 ||
        peer_certificate(c, body, true) != 0 || hs_hash(c, msg.p, msg.n) != 0 ||
        tls_expect(c, HS_CERTIFICATE_VERIFY, "the client's CertificateVerify", &body, &msg) != 0)
        return -1;
    if (hs_parse_certificate_verify(body, &sig) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "client CertificateVerify", "malformed");
    if (!scheme_allowed(c, sig.scheme, true))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "client CertificateVerify",
                        "scheme 0x%04X, which we did not ask for with this key", sig.scheme);
    st = SSLCALL(c, SslComputeClientAuthHash, c->prov, c->hs_secret, c->th,
                 scheme_hash(sig.scheme, &hlen), digest, sizeof(digest), &dlen, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeClientAuthHash", st);
    if (peer_verify(c, "client CertificateVerify", sig.scheme, digest, dlen, sig.signature) != 0)
        return -1;
    return hs_hash(c, msg.p, msg.n);
}

static int send_server_hello13(struct tls_conn *c, const struct client_hello_msg *ch,
                               const uint8_t *share, size_t share_len, bool psk, bool hrr)
{
    uint8_t buf[1200];
    struct tls_wr w;
    static const uint8_t ccs[1] = {1};

    wr_init(&w, buf, sizeof(buf));
    wr_u16(&w, 0x0303);
    wr_bytes(&w, hrr ? hrr_random : c->srandom, 32);
    wr_open(&w, 1);
    wr_bytes(&w, ch->session_id.p, ch->session_id.n);
    wr_close(&w);
    wr_u16(&w, c->suite->id);
    wr_u8(&w, 0);
    wr_open(&w, 2);
    ext_open(&w, EXT_SUPPORTED_VERSIONS);
    wr_u16(&w, 0x0304);
    wr_close(&w);
    if (c->group != 0) { /* (none under psk_ke) */
        ext_open(&w, EXT_KEY_SHARE);
        wr_u16(&w, c->group);
        if (!hrr) {
            wr_open(&w, 2);
            wr_bytes(&w, share, share_len);
            wr_close(&w);
        }
        wr_close(&w);
    }
    if (psk) {
        ext_open(&w, EXT_PRE_SHARED_KEY);
        wr_u16(&w, 0);
        wr_close(&w);
    }
    wr_close(&w);
    if (send_built(c, HS_SERVER_HELLO, &w) != 0)
        return -1;
    /* RFC 8446 D.4: after the first ServerHello or HRR, for a client in compatibility mode */
    if (ch->session_id.n != 0 && !c->ccs_sent) {
        c->ccs_sent = true;
        return rec_send(c, REC_CHANGE_CIPHER_SPEC, ccs, 1);
    }
    return 0;
}

/* message_hash(ClientHello1) replaces ClientHello1 in a new transcript (RFC 8446 §4.4.1). */
static int restart_transcript(struct tls_conn *c)
{
    uint8_t mh[4 + TLS_MAX_HASH];
    DWORD hl = 0;
    SECURITY_STATUS st;

    st = SSLCALL(c, SslComputeSessionHash, c->prov, c->th, TLS1_3_PROTOCOL_VERSION, mh + 4,
                 TLS_MAX_HASH, &hl, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeSessionHash", st);
    mh[0] = HS_MESSAGE_HASH;
    mh[1] = mh[2] = 0;
    mh[3] = (uint8_t)hl;
    tls_free_handle(c, &c->th);
    st = SSLCALL(c, SslCreateHandshakeHash, c->prov, &c->th, TLS1_3_PROTOCOL_VERSION,
                 c->suite->id, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslCreateHandshakeHash", st);
    return hs_hash(c, mh, 4 + hl);
}

static int tickets13(struct tls_conn *c)
{
    for (int i = 0; i < TICKETS_PER_HANDSHAKE; i++) {
        struct tls_session *s = tls_session_new();
        uint8_t nonce = (uint8_t)i, body[64];
        struct tls_wr w;
        SECURITY_STATUS st;

        if (s == NULL)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "ticket", "out of memory");
        st = SSLCALL(c, SslExpandPreSharedKey, c->prov, c->rms, &nonce, 1, &s->secret, NULL, 0);
        if (FAILED(st) || RAND_bytes(s->session_id, 32) != 1 ||
            RAND_bytes((uint8_t *)&s->age_add, sizeof(s->age_add)) != 1) {
            tls_session_free(s);
            return tls_fail_status(c, "SslExpandPreSharedKey", st);
        }
        s->session_id_len = 32;
        s->version = 0x0304;
        s->suite = c->suite->id;
        s->lifetime = TICKET_LIFETIME;
        s->received_ms = tls_now_ms();
        memcpy(s->alpn, c->alpn, sizeof(s->alpn));
        wr_init(&w, body, sizeof(body));
        wr_uint(&w, 4, TICKET_LIFETIME);
        wr_uint(&w, 4, s->age_add);
        wr_open(&w, 1);
        wr_u8(&w, nonce);
        wr_close(&w);
        wr_open(&w, 2);
        wr_bytes(&w, s->session_id, 32); /* the ticket is the cache key (stateful) */
        wr_close(&w);
        wr_u16(&w, 0);
        cache_add(c->sctx, s);
        tls_session_free(s);
        if (send_built(c, HS_NEW_SESSION_TICKET, &w) != 0)
            return -1;
    }
    return 0;
}

static int server13(struct tls_conn *c, struct client_hello_msg *ch, struct tls_rd chmsg)
{
    struct tls_rd share = {0}, body, msg;
    uint8_t our_share[1024], sig[600], digest[TLS_MAX_HASH], verify[TLS_MAX_HASH];
    size_t our_len = 0, sig_len = 0;
    DWORD dlen = 0;
    uint16_t scheme = 0;
    uint32_t hlen;
    bool found = false, psk = false, no_dhe = false;
    SECURITY_STATUS st;

    /* psk_ke (RFC 8446 §4.2.9): a PSK with no key exchange, when it is all the client offers
     * or, if we prefer it, when it offers psk_dhe_ke too; no key_share, no HRR */
    if (c->sctx->psk_ke != TLS_PSK_KE_NEVER && ch->has_psk_modes && list_has8(ch->psk_modes, 0) &&
        (c->sctx->psk_ke == TLS_PSK_KE_PREFER || !list_has8(ch->psk_modes, 1))) {
        if (check_psk(c, ch, chmsg, 0, &no_dhe) != 0)
            return -1;
        psk = no_dhe;
    }
    if (!no_dhe && !ch->has_key_share)
        return tls_fail(c, ALERT_MISSING_EXTENSION, "handshake", "TLS 1.3 without key_share");
    /* a key share for the first of our groups the client sent one for; else ask (HRR) for the
     * first of ours it supports */
    for (size_t g = 0; g < c->ctx->n_groups && !found && !no_dhe; g++)
        if ((found = find_share(ch, c->ctx->groups[g], &share)))
            c->group = c->ctx->groups[g];
    if (!found && !no_dhe) {
        for (size_t g = 0; g < c->ctx->n_groups && c->group == 0; g++)
            if (ch->has_groups && list_has16(ch->groups, c->ctx->groups[g]))
                c->group = c->ctx->groups[g];
        if (c->group == 0)
            return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake", "no group in common");
        c->hrr = true;
        if ((c->suite = choose_suite(c, ch, true, 0)) == NULL)
            return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake", "no TLS 1.3 suite in common");
        if (transcript_feed_first(c, chmsg) != 0 || restart_transcript(c) != 0 ||
            send_server_hello13(c, ch, NULL, 0, false, true) != 0)
            return -1;
        /* the second ClientHello */
        if (tls_expect(c, 1, "the second ClientHello", &body, &msg) != 0)
            return -1;
        if (hs_parse_client_hello(body, ch) != HS_OK || !ch->has_key_share)
            return tls_fail(c, ALERT_DECODE_ERROR, "handshake", "a malformed second ClientHello");
        if (!find_share(ch, c->group, &share))
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the second ClientHello has no share of the group asked for");
        if (!list_has16(ch->suites, c->suite->id))
            return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                            "the second ClientHello dropped the suite chosen");
        chmsg = msg;
    }
    if (!no_dhe && check_psk(c, ch, chmsg, 1, &psk) != 0)
        return -1;
    if (!c->hrr) {
        if (!psk && (c->suite = choose_suite(c, ch, true, 0)) == NULL)
            return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake", "no TLS 1.3 suite in common");
        if (transcript_feed_first(c, chmsg) != 0)
            return -1;
    } else if (hs_hash(c, chmsg.p, chmsg.n) != 0) {
        return -1;
    }
    if (!psk) {
        if ((scheme = choose_scheme(c, ch, true, AUTH_ANY, &c->key_index)) == 0)
            return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake",
                            "no signature scheme in common for our certificates");
        tls_free_handle(c, &c->early);
        st = SSLCALL(c, SslExtractEarlyKey, c->prov, 0, &c->early, TLS1_3_PROTOCOL_VERSION,
                     c->suite->id, NULL, 0);
        if (FAILED(st))
            return tls_fail_status(c, "SslExtractEarlyKey", st);
    }
    if (choose_alpn(c, ch) != 0)
        return -1;

    /* our share, theirs, the handshake secret, ServerHello */
    if (RAND_bytes(c->srandom, 32) != 1)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "no randomness");
    /* (psk_ke: both exchange handles 0) */
    if (!no_dhe &&
        (tls_make_share(c, TLS1_3_PROTOCOL_VERSION, c->suite->id, c->group, NULL, 0, 0, our_share,
                        sizeof(our_share), &our_len) != 0 ||
         tls_import_share(c, c->group, share, "handshake") != 0))
        return -1;
    st = SSLCALL(c, SslExtractHandshakeKey, c->prov, c->eph, c->peer_share, c->early,
                 &c->hs_secret, NULL, 0);
    if (FAILED(st))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake",
                        "no shared secret with the client's share (0x%08X)", (unsigned)st);
    tls_free_handle(c, &c->early);
    tls_free_handle(c, &c->eph);
    tls_free_handle(c, &c->peer_share);
    if (send_server_hello13(c, ch, our_share, our_len, psk, false) != 0)
        return -1;
    st = SSLCALL(c, SslExpandTrafficKeys, c->prov, c->hs_secret, c->th, &c->c_hs, &c->s_hs, NULL, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslExpandTrafficKeys (handshake)", st);
    if (tls_set_traffic_key(c, true, c->s_hs) != 0 || tls_set_traffic_key(c, false, c->c_hs) != 0)
        return -1;
    /* 0-RTT is declined (no early_data in EncryptedExtensions; our tickets never invite it):
     * what a client sent anyway is skipped, at most 2^14 + 256 bytes per record times 4 */
    if (ch->has_early_data)
        c->skip_early = 4 * (TLS_MAX_PLAIN + 256);

    /* EncryptedExtensions, Certificate, CertificateVerify, Finished */
    {
        uint8_t ee[300];
        struct tls_wr w;

        wr_init(&w, ee, sizeof(ee));
        wr_open(&w, 2);
        write_alpn(&w, c);
        if (ch->server_name.n != 0) { /* RFC 6066 §3: acknowledged, empty */
            ext_open(&w, EXT_SERVER_NAME);
            wr_close(&w);
        }
        wr_close(&w);
        if (send_built(c, HS_ENCRYPTED_EXTENSIONS, &w) != 0)
            return -1;
    }
    if (!psk && c->sctx->client_ca != NULL) {
        /* CertificateRequest (RFC 8446 §4.3.2): an empty context, our signature schemes */
        uint8_t cr[64];
        struct tls_wr w;

        wr_init(&w, cr, sizeof(cr));
        wr_u8(&w, 0);
        wr_open(&w, 2);
        ext_open(&w, EXT_SIGNATURE_ALGORITHMS);
        wr_open(&w, 2);
        for (size_t i = 0; i < tls_n_sig_algs; i++)
            if (tls_sig_algs[i] >> 8 == 0x08 || (tls_sig_algs[i] & 0xFF) == 0x03)
                wr_u16(&w, tls_sig_algs[i]);
        wr_close(&w);
        wr_close(&w);
        wr_close(&w);
        if (send_built(c, HS_CERTIFICATE_REQUEST, &w) != 0)
            return -1;
        c->cert_requested = true;
    }
    if (!psk) {
        if (send_certificate(c, true) != 0)
            return -1;
        st = SSLCALL(c, SslComputeClientAuthHash, c->prov, c->hs_secret, c->th,
                     scheme_hash(scheme, &hlen), digest, sizeof(digest), &dlen,
                     NCRYPT_SSL_SERVER_FLAG);
        if (FAILED(st))
            return tls_fail_status(c, "SslComputeClientAuthHash", st);
        sig[0] = (uint8_t)(scheme >> 8);
        sig[1] = (uint8_t)scheme;
        if (sign(c, scheme, digest, dlen, sig + 4, sizeof(sig) - 4, &sig_len) != 0)
            return -1;
        sig[2] = (uint8_t)(sig_len >> 8);
        sig[3] = (uint8_t)sig_len;
        if (hs_send(c, HS_CERTIFICATE_VERIFY, sig, 4 + sig_len) != 0)
            return -1;
    }
    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->s_hs, c->th, verify, c->suite->hash_len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (server)", st);
    if (hs_send(c, HS_FINISHED, verify, c->suite->hash_len) != 0)
        return -1;
    if (tls13_app_secrets(c) != 0 || tls_set_traffic_key(c, true, c->s_ap) != 0)
        return -1;

    /* [the client's Certificate and CertificateVerify], its Finished (its CCS is skipped by
     * the record layer) */
    if (c->cert_requested && client_certificate13(c) != 0)
        return -1;
    if (tls_expect(c, HS_FINISHED, "the client's Finished", &body, &msg) != 0)
        return -1;
    st = SSLCALL(c, SslComputeFinishedHash, c->prov, c->c_hs, c->th, verify, c->suite->hash_len, 0);
    if (FAILED(st))
        return tls_fail_status(c, "SslComputeFinishedHash (client)", st);
    if (body.n != c->suite->hash_len || CRYPTO_memcmp(verify, body.p, body.n) != 0)
        return tls_fail(c, ALERT_DECRYPT_ERROR, "client Finished", "it does not verify");
    if (hs_hash(c, msg.p, msg.n) != 0 || tls_set_traffic_key(c, false, c->c_ap) != 0)
        return -1;
    if (tls13_resumption_secret(c) != 0)
        return -1;
    c->hs_done = true; /* tickets go out under the application key */
    return tickets13(c);
}

/* ------------------------------------------------------------------------------------------ */
/* TLS 1.2                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static int send_server_hello12(struct tls_conn *c, const struct client_hello_msg *ch)
{
    uint8_t buf[600];
    struct tls_wr w;

    wr_init(&w, buf, sizeof(buf));
    wr_u16(&w, 0x0303);
    wr_bytes(&w, c->srandom, 32);
    wr_open(&w, 1);
    wr_bytes(&w, c->session_id, c->session_id_len);
    wr_close(&w);
    wr_u16(&w, c->suite->id);
    wr_u8(&w, 0);
    wr_open(&w, 2);
    if (ch->has_reneg_info || ch->reneg_scsv) { /* RFC 5746 §3.6 */
        ext_open(&w, EXT_RENEGOTIATION_INFO);
        wr_u8(&w, 0);
        wr_close(&w);
    }
    if (c->ems) {
        ext_open(&w, EXT_EXTENDED_MASTER_SECRET);
        wr_close(&w);
    }
    if (c->ticket_expected) { /* a NewSessionTicket will follow (RFC 5077 §3.2) */
        ext_open(&w, EXT_SESSION_TICKET);
        wr_close(&w);
    }
    if (c->suite->kx == KX_ECDHE && hs_ext_find(&ch->exts, EXT_EC_POINT_FORMATS) != NULL) {
        ext_open(&w, EXT_EC_POINT_FORMATS);
        wr_u8(&w, 1), wr_u8(&w, 0);
        wr_close(&w);
    }
    write_alpn(&w, c);
    wr_close(&w);
    return send_built(c, HS_SERVER_HELLO, &w);
}

/* ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3): our ECDHE point or DHE p, g, Ys, signed
 * over client_random || server_random || params. */
static int send_server_key_exchange(struct tls_conn *c, uint16_t scheme)
{
    uint8_t *buf = malloc(3 * 1024 + 1200), share[1024], digest[TLS_MAX_HASH];
    size_t share_len = 0, sig_len = 0, params_len;
    DWORD dlen = 0;
    uint32_t hlen;
    struct tls_wr w;
    uint8_t *signed_data;
    int rc = -1;

    if (buf == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    wr_init(&w, buf, 3 * 1024 + 1200);
    if (c->suite->kx == KX_ECDHE) {
        if (tls_make_share(c, TLS1_2_PROTOCOL_VERSION, c->suite->id, c->group, NULL, 0, 0, share,
                           sizeof(share), &share_len) != 0)
            goto out;
        wr_u8(&w, 3); /* named_curve */
        wr_u16(&w, c->group);
        wr_open(&w, 1);
        wr_bytes(&w, share, share_len);
        wr_close(&w);
    } else {
        /* DHE on ffdhe2048 (RFC 7919): p and g from our key's blob */
        BCRYPT_DH_KEY_BLOB h;

        if (tls_make_share(c, TLS1_2_PROTOCOL_VERSION, c->suite->id, 256, NULL, 0, 0, share,
                           sizeof(share), &share_len) != 0)
            goto out;
        memcpy(&h, c->eph_blob, sizeof(h));
        c->dh_bits = 8 * h.cbKey;
        for (int i = 0; i < 3; i++) {
            const uint8_t *v = c->eph_blob + sizeof(h) + (size_t)i * h.cbKey;
            size_t n = h.cbKey;

            while (n > 1 && v[0] == 0) /* RFC 5246 §8.1.2 is for Z; dh_p/g/Ys are minimal */
                v++, n--;
            wr_open(&w, 2);
            wr_bytes(&w, v, n);
            wr_close(&w);
        }
    }
    params_len = w.n;
    if (w.err || (signed_data = malloc(64 + params_len)) == NULL) {
        tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "ServerKeyExchange");
        goto out;
    }
    memcpy(signed_data, c->crandom, 32);
    memcpy(signed_data + 32, c->srandom, 32);
    memcpy(signed_data + 64, buf, params_len);
    rc = tls_digest12(c, scheme_hash(scheme, &hlen), signed_data, 64 + params_len, digest, &dlen);
    free(signed_data);
    if (rc != 0)
        goto out;
    rc = -1;
    wr_u16(&w, scheme);
    if (w.err || w.cap - w.n < 2 + 600 ||
        sign(c, scheme, digest, dlen, buf + w.n + 2, 600, &sig_len) != 0)
        goto out;
    wr_u16(&w, (uint16_t)sig_len);
    w.n += sig_len;
    rc = send_built(c, HS_SERVER_KEY_EXCHANGE, &w);
out:
    free(buf);
    return rc;
}

/* CertificateRequest (RFC 5246 §7.4.4): RSA and ECDSA certificates, our schemes, no CA names. */
static int send_certificate_request12(struct tls_conn *c)
{
    uint8_t cr[64];
    struct tls_wr w;

    wr_init(&w, cr, sizeof(cr));
    wr_open(&w, 1);
    wr_u8(&w, 1);   /* rsa_sign */
    wr_u8(&w, 64);  /* ecdsa_sign */
    wr_close(&w);
    wr_open(&w, 2);
    for (size_t i = 0; i < tls_n_sig_algs; i++)
        wr_u16(&w, tls_sig_algs[i]);
    wr_close(&w);
    wr_u16(&w, 0);
    return send_built(c, HS_CERTIFICATE_REQUEST, &w);
}

static int client_certificate12(struct tls_conn *c)
{
    struct tls_rd body, msg;

    if (tls_expect(c, HS_CERTIFICATE, "the client's Certificate", &body, &msg) != 0 ||
        peer_certificate(c, body, false) != 0)
        return -1;
    return hs_hash(c, msg.p, msg.n);
}

/* CertificateVerify (RFC 5246 §7.4.8): over every handshake message before it. */
static int client_certificate_verify12(struct tls_conn *c)
{
    struct tls_rd body, msg;
    struct hs_signature sig;
    uint8_t digest[TLS_MAX_HASH];
    DWORD dlen = 0;

    if (tls_expect(c, HS_CERTIFICATE_VERIFY, "the client's CertificateVerify", &body, &msg) != 0)
        return -1;
    if (hs_parse_certificate_verify(body, &sig) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "client CertificateVerify", "malformed");
    if (!scheme_allowed(c, sig.scheme, false))
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "client CertificateVerify",
                        "scheme 0x%04X, which we did not ask for with this key", sig.scheme);
    if (tls_cv12_digest(c, sig.scheme, digest, &dlen) != 0 ||
        peer_verify(c, "client CertificateVerify", sig.scheme, digest, dlen, sig.signature) != 0)
        return -1;
    return hs_hash(c, msg.p, msg.n);
}

/* The master key from the ClientKeyExchange: ECDHE/DHE through SslGenerateMasterKey with our
 * key and the client's share; RSA through SslImportMasterKey, whose implicit rejection makes a
 * bad pre-master fail only at Finished (RFC 5246 §7.4.7.1). */
static int client_key_exchange(struct tls_conn *c, uint16_t client_version)
{
    struct tls_rd body, msg, value;
    struct params p;
    PNCryptBufferDesc d = params_init(&p);
    uint8_t session_hash[TLS_MAX_HASH];
    DWORD hl = 0, highest = client_version;
    SECURITY_STATUS st;
    /* (a PSK identity has the RSA form: a uint16-prefixed vector) */
    int kind = c->suite->kx == KX_ECDHE ? CKE_ECDHE : c->suite->kx == KX_DHE ? CKE_DHE : CKE_RSA;
    NCRYPT_KEY_HANDLE psk = 0;

    if (tls_expect(c, HS_CLIENT_KEY_EXCHANGE, "ClientKeyExchange", &body, &msg) != 0)
        return -1;
    if (hs_parse_client_key_exchange(body, kind, &value) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "client key exchange", "malformed");
    if (c->suite->kx == KX_PSK) {
        /* psk_identity (RFC 4279 §2), found in our table */
        psk = 0;
        for (size_t i = 0; i < c->sctx->n_psks && psk == 0; i++)
            if (strlen(c->sctx->psk_ids[i]) == value.n &&
                memcmp(c->sctx->psk_ids[i], value.p, value.n) == 0)
                psk = c->sctx->psk_keys[i];
        if (psk == 0)
            return tls_fail(c, 115 /* unknown_psk_identity */, "client key exchange",
                            "an unknown PSK identity");
    } else if (kind != CKE_RSA) {
        uint8_t ys[1024];
        struct tls_rd share = value;

        if (kind == CKE_DHE) {
            /* Yc left-padded to |p| for the blob */
            size_t plen = c->dh_bits / 8;

            if (value.n > plen)
                return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "client key exchange", "a DH value over |p|");
            memset(ys, 0, plen - value.n);
            memcpy(ys + plen - value.n, value.p, value.n);
            share = rd_of(ys, plen);
        }
        if (tls_import_share(c, kind == CKE_DHE ? 0 : c->group, share, "client key exchange") != 0)
            return -1;
    }
    if (hs_hash(c, msg.p, msg.n) != 0)
        return -1;
    if (c->ems) {
        st = SSLCALL(c, SslComputeSessionHash, c->prov, c->th, TLS1_2_PROTOCOL_VERSION,
                     session_hash, sizeof(session_hash), &hl, 0);
        if (FAILED(st))
            return tls_fail_status(c, "SslComputeSessionHash", st);
        params_add(&p, NCRYPTBUFFER_SSL_SESSION_HASH, session_hash, hl);
    } else {
        params_add(&p, NCRYPTBUFFER_SSL_CLIENT_RANDOM, c->crandom, 32);
        params_add(&p, NCRYPTBUFFER_SSL_SERVER_RANDOM, c->srandom, 32);
    }
    params_add(&p, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &highest, sizeof(highest));
    if (psk != 0)
        st = SSLCALL(c, SslGenerateMasterKey, c->prov, psk, 0, &c->sess->secret,
                     TLS1_2_PROTOCOL_VERSION, c->suite->id, d, NULL, 0, NULL, NCRYPT_SSL_SERVER_FLAG);
    else if (kind == CKE_RSA)
        st = SSLCALL(c, SslImportMasterKey, c->prov, c->sctx->keys[c->key_index].key,
                     &c->sess->secret, TLS1_2_PROTOCOL_VERSION, c->suite->id, d, (PBYTE)value.p,
                     (DWORD)value.n, NCRYPT_SSL_SERVER_FLAG);
    else
        st = SSLCALL(c, SslGenerateMasterKey, c->prov, c->eph, c->peer_share, &c->sess->secret,
                     TLS1_2_PROTOCOL_VERSION, c->suite->id, d, NULL, 0, NULL, NCRYPT_SSL_SERVER_FLAG);
    tls_free_handle(c, &c->eph);
    tls_free_handle(c, &c->peer_share);
    if (FAILED(st))
        return tls_fail(c, kind == CKE_RSA ? ALERT_DECODE_ERROR : ALERT_ILLEGAL_PARAMETER,
                        "client key exchange", "no master key (0x%08X)", (unsigned)st);
    return 0;
}

static int server12(struct tls_conn *c, const struct client_hello_msg *ch, struct tls_rd chmsg)
{
    struct tls_session *s = NULL;
    uint16_t scheme = 0;
    c->ems = ch->ems;
    if (RAND_bytes(c->srandom, 32) != 1)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "no randomness");
    /* RFC 8446 §4.1.3: a server that could do TLS 1.3 says so in a TLS 1.2 random */
    if (c->ctx->cfg.max_version >= 0x0304)
        memcpy(c->srandom + 24, "DOWNGRD\x01", 8);
    /* a ticket (RFC 5077 §3.4: accepted only with a session id to echo), else the cache */
    if (ch->has_ticket && ch->ticket.n != 0 && ch->session_id.n != 0)
        s = ticket_open(c, ch->ticket);
    else if (ch->session_id.n == 32)
        s = cache_find(c->sctx, ch->session_id, 0x0303), s != NULL ? (void)s->refs++ : (void)0;
    /* RFC 7627 §5.3: a session made with EMS offered without it is an attack or a broken
     * client: abort; one made without EMS is not resumed by a client that now offers it */
    if (s != NULL && s->ems && !ch->ems) {
        tls_session_free(s);
        return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake",
                        "an extended-master-secret session offered without the extension");
    }
    if (s != NULL && !(list_has16(ch->suites, s->suite) && tls_suite_find(c, s->suite) != NULL &&
                       s->ems == ch->ems)) {
        tls_session_free(s);
        s = NULL;
    }
    if (s != NULL) {
        /* resumption by session ID (RFC 5246 §7.3): ServerHello, CCS, Finished first */
        c->suite = tls_suite_find(c, s->suite);
        c->resumed = true;
        c->sess = s; /* (our reference) */
        memcpy(c->session_id, ch->session_id.p, ch->session_id.n);
        c->session_id_len = ch->session_id.n;
        if (choose_alpn(c, ch) != 0 || transcript_feed_first(c, chmsg) != 0 ||
            send_server_hello12(c, ch) != 0 || tls12_session_keys(c) != 0 ||
            tls12_send_finished(c) != 0 || tls12_receive_finished(c) != 0)
            return -1;
        return 0;
    }
    if ((c->suite = choose_suite(c, ch, false, 0)) == NULL)
        return tls_fail(c, ALERT_HANDSHAKE_FAILURE, "handshake", "no TLS 1.2 suite in common");
    scheme = choose_scheme(c, ch, false, c->suite->auth, &c->key_index);
    if (c->suite->kx == KX_RSA) /* (the certificate must hold the RSA key we decrypt with) */
        for (unsigned i = 0; i < c->sctx->n_keys; i++)
            if (c->sctx->keys[i].auth == AUTH_RSA && (c->key_mask >> i & 1)) {
                c->key_index = i;
                break;
            }
    if (c->suite->kx == KX_ECDHE)
        for (size_t g = 0; g < c->ctx->n_groups && c->group == 0; g++)
            if (c->ctx->groups[g] < 256 && (!ch->has_groups || list_has16(ch->groups, c->ctx->groups[g])))
                c->group = c->ctx->groups[g];
    /* a TLS 1.2 CertificateVerify signs every message so far, with a hash of the client's
     * choosing: keep them */
    c->log_on = c->sctx->client_ca != NULL;
    if (choose_alpn(c, ch) != 0 || transcript_feed_first(c, chmsg) != 0)
        return -1;
    if (RAND_bytes(c->session_id, 32) != 1)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "no randomness");
    c->session_id_len = 32;
    if ((c->sess = tls_session_new()) == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    /* (RFC 4279 §2: no certificates with plain PSK) */
    c->cert_requested = c->sctx->client_ca != NULL && c->suite->kx != KX_PSK;
    c->log_on = c->cert_requested;
    c->ticket_expected = ch->has_ticket;
    if (send_server_hello12(c, ch) != 0 ||
        (c->suite->kx != KX_PSK && send_certificate(c, false) != 0) ||
        (c->suite->kx != KX_RSA && c->suite->kx != KX_PSK &&
         send_server_key_exchange(c, scheme) != 0) ||
        (c->cert_requested && send_certificate_request12(c) != 0) ||
        hs_send(c, HS_SERVER_HELLO_DONE, NULL, 0) != 0 ||
        (c->cert_requested && client_certificate12(c) != 0) ||
        client_key_exchange(c, ch->legacy_version) != 0 ||
        (c->cert_requested && client_certificate_verify12(c) != 0) || tls12_session_keys(c) != 0 ||
        tls12_receive_finished(c) != 0 || (c->ticket_expected && send_ticket12(c) != 0) ||
        tls12_send_finished(c) != 0)
        return -1;
    c->sess->version = 0x0303;
    c->sess->suite = c->suite->id;
    c->sess->ems = c->ems;
    c->sess->lifetime = TICKET_LIFETIME;
    c->sess->received_ms = tls_now_ms();
    memcpy(c->sess->session_id, c->session_id, 32);
    c->sess->session_id_len = 32;
    cache_add(c->sctx, c->sess);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The handshake                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* The transcript from the chosen suite on, fed the first ClientHello. */
static int transcript_feed_first(struct tls_conn *c, struct tls_rd chmsg)
{
    SECURITY_STATUS st = SSLCALL(c, SslCreateHandshakeHash, c->prov, &c->th, c->version,
                                 c->suite->id, 0);

    if (FAILED(st))
        return tls_fail_status(c, "SslCreateHandshakeHash", st);
    return hs_hash(c, chmsg.p, chmsg.n);
}

int tls_server_handshake(struct tls_conn *c)
{
    struct client_hello_msg ch;
    struct tls_rd body, msg;
    uint8_t alert;
    bool v13 = false, v12 = false;
    int rc;

    if (tls_expect(c, HS_CLIENT_HELLO, "ClientHello", &body, &msg) != 0)
        return -1;
    alert = hs_parse_client_hello(body, &ch);
    if (alert != HS_OK)
        return tls_fail(c, alert, "handshake", "a malformed ClientHello");
    if (!ch.null_compression)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, "handshake", "no null compression offered");
    memcpy(c->crandom, ch.random, 32);
    if (ch.server_name.n != 0 && ch.server_name.n < sizeof(c->sni)) {
        memcpy(c->sni, ch.server_name.p, ch.server_name.n);
        c->sni[ch.server_name.n] = '\0';
    }
    /* the certificates for the name the client asked for (RFC 6066 §3), if any match; else
     * all of them (a default certificate, as most servers do) */
    for (unsigned i = 0; i < c->sctx->n_keys; i++)
        if (c->sni[0] != '\0' && X509_check_host(c->sctx->keys[i].x509, c->sni, 0, 0, NULL) == 1)
            c->key_mask |= 1u << i;
    if (c->key_mask == 0)
        c->key_mask = (1u << c->sctx->n_keys) - 1;
    /* RFC 8446 §4.2.1: supported_versions decides; without it, legacy_version */
    if (ch.has_versions) {
        v13 = list_has16(ch.versions, 0x0304);
        v12 = list_has16(ch.versions, 0x0303);
    } else {
        v12 = ch.legacy_version >= 0x0303;
    }
    v13 &= c->ctx->cfg.max_version >= 0x0304;
    v12 &= c->ctx->cfg.min_version <= 0x0303;
    if (!v13 && !v12)
        return tls_fail(c, ALERT_PROTOCOL_VERSION, "handshake", "no protocol version in common");
    /* RFC 7507: a fallback retry below what we could do */
    if (!v13 && ch.fallback_scsv && c->ctx->cfg.max_version >= 0x0304)
        return tls_fail(c, 86 /* inappropriate_fallback */, "handshake", "TLS_FALLBACK_SCSV");
    c->version = v13 ? 0x0304 : 0x0303;
    rc = v13 ? server13(c, &ch, msg) : server12(c, &ch, msg);
    if (rc != 0)
        return -1;
    c->hs_done = true;
    tls_trace(c, "handshake done: %s %s%s", v13 ? "TLSv1.3" : "TLSv1.2", c->suite->name,
              c->resumed ? " (resumed)" : "");
    return 0;
}
