/* The engine's server (engine/engine.h, issue 14) in one process with libssl's client: whole
 * TLS 1.3 and TLS 1.2 handshakes over memory BIOs, the client stepped from inside our
 * transport's recv whenever it has nothing queued for us (test_engine_client.c's mirror). Every
 * case sends data both ways, compares it byte for byte, and asks libssl what was negotiated
 * (suite, version, group, the certificate and signature scheme we signed with, EMS,
 * resumption), and checks that tls_export_keying_material equals SSL_export_keying_material —
 * so the expected values come from the other side of the wire, not from the engine.
 *
 * Credentials: a CA (P-256) issues an RSA-2048, an ECDSA P-256 and an ECDSA P-384 leaf; each
 * reaches the engine as a CERT_CONTEXT (SslProvCreateCertificateContext) whose key was
 * associated with SslProvAssociateCertificateKeyBlob, so the server signs only through
 * SslOpenPrivateKey + SslSignHash. The certificate is chosen by the client's
 * signature_algorithms (SSL_CTX_set1_sigalgs_list).
 *
 * Cases: TLS 1.3 with every suite (CCM_8 through cfg.suites) and every group (X25519,
 * P-256/384/521, X448, ffdhe2048/3072); HelloRetryRequest (the client lists a group it sends no
 * share for, the only one the server takes); PSK resumption from libssl's SSL_SESSION;
 * KeyUpdate from the client and from us. TLS 1.2: ECDHE-RSA/ECDSA with GCM, ChaCha20-Poly1305,
 * CBC-SHA and CBC-SHA384, RSA and DHE key exchange, with and without EMS, rsa_pkcs1 and
 * rsa_pss_rsae signatures, resumption by session ID (with and without the client's
 * SessionTicket extension). Twins: suites we do not enable, no group in common, no signature
 * scheme in common, a TLS 1.1 client, TLS_FALLBACK_SCSV, the client's Finished record
 * corrupted. Then: ALPN (our preference, none in common, none asked); a client that rejects
 * our certificate (its unknown_ca reported by our handshake); a client's renegotiation refused
 * (no_renegotiation warning); PSK after HelloRetryRequest; a
 * ticket of another server context (a full handshake) and a flipped PSK binder
 * (decrypt_error); EMS across session-ID resumption (RFC 7627 §5.3: an EMS session offered
 * without EMS is aborted with handshake_failure, a non-EMS one offered with EMS gets a full
 * handshake).
 *
 * RSA key exchange robustness (issue 14): the ClientKeyExchange of a TLS_RSA_WITH_AES_128_GCM
 * client is replaced on the wire by RSA_NO_PADDING ciphertexts of bad PKCS#1 blocks (block type
 * 1, no separator, a short padding string, a non-zero first byte), wrong version bytes and wrong
 * pre-master lengths, and by a valid ciphertext of another pre-master (the control). Through
 * SslImportMasterKey's implicit rejection every one must fail at the same point — the client's
 * Finished — with the same alert, the same bytes sent by the server, the same record sequence
 * and the same trace of messages and provider calls. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "check.h"
#include "engine.h"
#include "sslprov_ext.h"

#define NAME "engine.test"
#define CLIENT_STEPS 8          /* client steps while our recv waits for one byte */
#define DATA_STEPS 16           /* client steps while it waits for our data */
#define READ_CALLS 64           /* tls_read calls while we wait for the client's data */
#define BIG 40000               /* spans three records each way */
#define STAGE (64 * 1024)       /* what the client wrote, held for the interceptor */
#define TRACE_LINES 96

enum { CERT_RSA, CERT_EC256, CERT_EC384, N_CERTS };
#define C_RSA (1u << CERT_RSA)
#define C_EC256 (1u << CERT_EC256)
#define C_EC384 (1u << CERT_EC384)
#define C_ALL (C_RSA | C_EC256 | C_EC384)

static EVP_PKEY *keys[N_CERTS], *ca_key;
static X509 *certs[N_CERTS], *ca;
static PCCERT_CONTEXT contexts[N_CERTS];
static STACK_OF(X509) *ca_chain;   /* sent after the P-384 leaf: the chain path */
static X509_STORE *trust;
static NCRYPT_PROV_HANDLE prov;

/* The leaf as the server takes it: a CERT_CONTEXT, its key associated by value (PKCS#8). */
static bool server_credential(int i)
{
    uint8_t *der = NULL, *kder = NULL;
    size_t der_len = 0;
    int klen;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(keys[i]);
    bool ok;

    der = cert_der(certs[i], &der_len);
    klen = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, &kder) : -1;
    ok = der != NULL && klen > 0 &&
         SslProvCreateCertificateContext(der, (DWORD)der_len, &contexts[i]) == SEC_E_OK &&
         SslProvAssociateCertificateKeyBlob(der, (DWORD)der_len, kder, (DWORD)klen, 0) == SEC_E_OK;
    if (kder != NULL)
        OPENSSL_clear_free(kder, (size_t)klen);
    OPENSSL_free(der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return ok;
}

static bool credentials(void)
{
    ca_key = cert_keygen("P-256");
    keys[CERT_RSA] = cert_rsa_key(0);
    keys[CERT_EC256] = cert_keygen("P-256");
    keys[CERT_EC384] = cert_keygen("P-384");
    if (ca_key == NULL || (ca = cert_issue(ca_key, "sslprov test CA", NULL, NULL)) == NULL)
        return false;
    for (int i = 0; i < N_CERTS; i++)
        if (keys[i] == NULL || (certs[i] = cert_issue(keys[i], NAME, ca_key, ca)) == NULL ||
            !server_credential(i))
            return false;
    trust = X509_STORE_new();
    ca_chain = sk_X509_new_null();
    return trust != NULL && X509_STORE_add_cert(trust, ca) == 1 && ca_chain != NULL &&
           sk_X509_push(ca_chain, ca) > 0;
}

/* ------------------------------------------------------------------------------------------ */
/* libssl's client, stepped in process, and the wire between                                  */
/* ------------------------------------------------------------------------------------------ */

/* What to do to the client's flight on its way to us (RSA key exchange robustness). */
enum tamper { T_NONE, T_CKE, T_FINISHED, T_BINDER };

struct client {
    SSL *ssl;
    BIO *in, *out;              /* in: what we sent it; out: what it wrote for us */
    bool failed;
    int alert_sent, alert_received;  /* the last alert each way, -1 none */
    unsigned ku_sent, ku_received, hellos, tickets, certificates;
    bool sh_key_share;          /* the last ServerHello had a key_share (psk_ke has none) */
    uint8_t got[2 * BIG];
    size_t got_n;
    /* the wire: the client's bytes staged (so whole records can be rewritten) */
    enum tamper tamper;
    const uint8_t *cke;         /* T_CKE: the encrypted pre-master that replaces the client's */
    size_t cke_len;
    bool tampered;
    uint8_t stage[STAGE];
    size_t stage_off, stage_n;
    /* what our server sent: bytes and the record sequence */
    size_t sent;
    char records[256];
    uint8_t hdr[5];
    size_t hdr_n, body_left;
};

/* libssl's message callback: alerts, KeyUpdates, ClientHellos and tickets, in the clear. */
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    struct client *cl = arg;
    const uint8_t *p = buf;

    (void)version, (void)ssl;
    if (content_type == SSL3_RT_ALERT && len == 2)
        *(write_p ? &cl->alert_sent : &cl->alert_received) = p[1];
    if (content_type != SSL3_RT_HANDSHAKE || len < 1)
        return;
    if (p[0] == SSL3_MT_KEY_UPDATE)
        (*(write_p ? &cl->ku_sent : &cl->ku_received))++;
    if (p[0] == SSL3_MT_CLIENT_HELLO && write_p)
        cl->hellos++;
    if (p[0] == SSL3_MT_NEWSESSION_TICKET && !write_p)
        cl->tickets++;
    if (p[0] == SSL3_MT_CERTIFICATE && !write_p)
        cl->certificates++;
    if (p[0] == SSL3_MT_SERVER_HELLO && !write_p && len > 4 + 2 + 32 + 1) {
        /* version, random, session ID, suite, compression, then the extensions */
        size_t at = 4 + 2 + 32 + 1 + p[4 + 2 + 32] + 2 + 1 + 2;

        cl->sh_key_share = false;
        while (at + 4 <= len) {
            size_t n = (size_t)p[at + 2] << 8 | p[at + 3];

            cl->sh_key_share |= (p[at] << 8 | p[at + 1]) == 51;
            at += 4 + n;
        }
    }
}

static bool client_new(struct client *cl, SSL_CTX *ctx)
{
    memset(cl, 0, sizeof(*cl));
    cl->alert_sent = cl->alert_received = -1;
    cl->ssl = SSL_new(ctx);
    cl->in = BIO_new(BIO_s_mem());
    cl->out = BIO_new(BIO_s_mem());
    if (cl->ssl == NULL || cl->in == NULL || cl->out == NULL) {
        BIO_free(cl->in);
        BIO_free(cl->out);
        SSL_free(cl->ssl);
        cl->ssl = NULL;
        return false;
    }
    /* an empty memory BIO means "nothing yet", not EOF */
    BIO_set_mem_eof_return(cl->in, -1);
    BIO_set_mem_eof_return(cl->out, -1);
    SSL_set_bio(cl->ssl, cl->in, cl->out);
    SSL_set_connect_state(cl->ssl);
    SSL_set_msg_callback(cl->ssl, on_message);
    SSL_set_msg_callback_arg(cl->ssl, cl);
    return SSL_set1_host(cl->ssl, NAME) == 1 && SSL_set_tlsext_host_name(cl->ssl, NAME) == 1;
}

/* One step: the handshake while it runs, then a read (which also handles tickets, KeyUpdate
 * and close_notify). A failure is final, as for a real client. */
static void client_step(struct client *cl)
{
    int rc, err;

    if (cl->failed)
        return;
    if (!SSL_is_init_finished(cl->ssl)) {
        rc = SSL_do_handshake(cl->ssl);
    } else {
        rc = SSL_read(cl->ssl, cl->got + cl->got_n, (int)(sizeof(cl->got) - cl->got_n));
        if (rc > 0)
            cl->got_n += (size_t)rc;
    }
    err = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(cl->ssl, rc);
    if (err != SSL_ERROR_NONE && err != SSL_ERROR_WANT_READ && err != SSL_ERROR_ZERO_RETURN)
        cl->failed = true;
    ERR_clear_error();
}

/* The interceptor: over the whole records staged, replace the encrypted pre-master of a
 * plaintext ClientKeyExchange (RFC 5246 §7.4.7.1: uint16 length, then the ciphertext), or flip
 * the last byte of the first encrypted handshake record after ChangeCipherSpec (the client's
 * Finished). A flight arrives whole from a memory BIO, so whole records are all there is. */
static void tamper(struct client *cl)
{
    uint8_t *p = cl->stage + cl->stage_off;
    size_t n = cl->stage_n - cl->stage_off, len;
    bool ccs = false;

    for (; n >= 5 && n >= 5 + (len = (size_t)p[3] << 8 | p[4]) && !cl->tampered;
         p += 5 + len, n -= 5 + len) {
        uint8_t *frag = p + 5;

        if (p[0] == SSL3_RT_CHANGE_CIPHER_SPEC)
            ccs = true;
        /* the last byte of a ClientHello is the last byte of its last PSK binder (RFC 8446
         * §4.2.11: pre_shared_key comes last) */
        if (cl->tamper == T_BINDER && p[0] == SSL3_RT_HANDSHAKE && len >= 4 &&
            frag[0] == SSL3_MT_CLIENT_HELLO &&
            ((size_t)frag[1] << 16 | (size_t)frag[2] << 8 | frag[3]) == len - 4) {
            frag[len - 1] ^= 0x01;
            cl->tampered = true;
        }
        if (cl->tamper == T_CKE && p[0] == SSL3_RT_HANDSHAKE && len == 4 + 2 + cl->cke_len &&
            frag[0] == SSL3_MT_CLIENT_KEY_EXCHANGE &&
            ((size_t)frag[4] << 8 | frag[5]) == cl->cke_len) {
            memcpy(frag + 6, cl->cke, cl->cke_len);
            cl->tampered = true;
        } else if (cl->tamper == T_FINISHED && ccs && len > 0 &&
                   (p[0] == SSL3_RT_HANDSHAKE || p[0] == SSL3_RT_APPLICATION_DATA)) {
            /* TLS 1.2: a handshake record; TLS 1.3: its outer type is application_data */
            frag[len - 1] ^= 0x01;
            cl->tampered = true;
        }
    }
}

static long io_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct client *cl = ctx;
    size_t take;
    int got;

    if (cl->stage_off == cl->stage_n) {
        cl->stage_off = cl->stage_n = 0;
        for (unsigned i = 0; i < CLIENT_STEPS && BIO_pending(cl->out) == 0; i++)
            client_step(cl);
        if (BIO_pending(cl->out) == 0)
            return cl->failed ? 0 : -1; /* a dead client's EOF, or a live one with nothing to say */
        got = BIO_read(cl->out, cl->stage, STAGE);
        if (got <= 0)
            return -1;
        cl->stage_n = (size_t)got;
        if (cl->tamper != T_NONE && !cl->tampered)
            tamper(cl);
    }
    take = cl->stage_n - cl->stage_off < n ? cl->stage_n - cl->stage_off : n;
    memcpy(buf, cl->stage + cl->stage_off, take);
    cl->stage_off += take;
    return (long)take;
}

/* Our bytes for the client, counted, with the type of each record noted in order (the
 * message sequence the RSA cases compare). */
static void note_records(struct client *cl, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (cl->body_left > 0) {
            size_t k = n < cl->body_left ? n : cl->body_left;

            p += k, n -= k, cl->body_left -= k;
            continue;
        }
        cl->hdr[cl->hdr_n++] = *p++, n--;
        if (cl->hdr_n == 5) {
            size_t used = strlen(cl->records);

            snprintf(cl->records + used, sizeof(cl->records) - used, "%u/%u ", cl->hdr[0],
                     (unsigned)(cl->hdr[3] << 8 | cl->hdr[4]));
            cl->body_left = (size_t)cl->hdr[3] << 8 | cl->hdr[4];
            cl->hdr_n = 0;
        }
    }
}

static long io_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct client *cl = ctx;

    if (n > INT_MAX || BIO_write(cl->in, buf, (int)n) != (int)n)
        return -1;
    cl->sent += n;
    note_records(cl, buf, n);
    return (long)n;
}

/* ------------------------------------------------------------------------------------------ */
/* One connection                                                                             */
/* ------------------------------------------------------------------------------------------ */

struct trace {
    char lines[TRACE_LINES][160];
    size_t n;
};

static void on_trace(void *arg, const char *line)
{
    struct trace *t = arg;

    if (t->n < TRACE_LINES)
        snprintf(t->lines[t->n++], sizeof(t->lines[0]), "%s", line);
}

struct pair {
    struct client cl;
    struct tls_conn *c;
    struct tls_info info;
    int rc;                     /* tls_handshake's */
};

struct copt {
    int min, max;               /* 0: TLS 1.2, TLS 1.3 */
    const char *suites13, *ciphers, *groups, *sigalgs;
    uint64_t options;
    long mode;
};

static SSL_CTX *client_ctx(const struct copt *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    bool ok = ctx != NULL;

    ok = ok && SSL_CTX_set_min_proto_version(ctx, o->min != 0 ? o->min : TLS1_2_VERSION) &&
         SSL_CTX_set_max_proto_version(ctx, o->max != 0 ? o->max : TLS1_3_VERSION) &&
         (o->suites13 == NULL || SSL_CTX_set_ciphersuites(ctx, o->suites13) == 1) &&
         (o->ciphers == NULL || SSL_CTX_set_cipher_list(ctx, o->ciphers) == 1) &&
         (o->groups == NULL || SSL_CTX_set1_groups_list(ctx, o->groups) == 1) &&
         (o->sigalgs == NULL || SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs) == 1) &&
         SSL_CTX_set1_verify_cert_store(ctx, trust) == 1;
    if (ok) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_options(ctx, o->options);
        SSL_CTX_set_mode(ctx, o->mode);
    }
    if (ok && o->min != 0 && o->min < TLS1_2_VERSION) {
        /* TLS 1.1 signs with MD5-SHA1, which only security level 0 allows */
        SSL_CTX_set_security_level(ctx, 0);
        ok = SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1;
    }
    if (!ok) {
        fprintf(stderr, "client context (%s %s %s %s) refused\n", o->suites13 ? o->suites13 : "-",
                o->ciphers ? o->ciphers : "-", o->groups ? o->groups : "-",
                o->sigalgs ? o->sigalgs : "-");
        ERR_print_errors_fp(stderr);
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static const uint16_t with_ccm8[] = {0x1305, 0x1301, 0x1302, 0x1303, 0x1304};

/* Our server's context: the credentials in mask (in the enum's order), the groups (0: the
 * defaults), CCM_8 enabled by value when asked. */
static const char *const *server_alpn; /* the next server_ctx's ALPN list (NULL-terminated) */
static const struct tls_psk *server_psk; /* and its one PSK identity, and psk_ke */
static enum tls_psk_ke server_psk_ke;

static struct tls_server_ctx *server_ctx(unsigned creds, const uint16_t *groups, bool ccm8,
                                         struct trace *trace)
{
    size_t na = 0;

    struct tls_server_cred cr[N_CERTS];
    size_t n = 0, ng = 0;
    char err[256] = "";
    struct tls_server_ctx *x;

    for (int i = 0; i < N_CERTS; i++)
        if (creds & (1u << i))
            cr[n++] = (struct tls_server_cred){contexts[i], i == CERT_EC384 ? ca_chain : NULL};
    while (groups != NULL && ng < 2 && groups[ng] != 0)
        ng++;
    while (server_alpn != NULL && server_alpn[na] != NULL)
        na++;
    x = tls_server_ctx_new(&(struct tls_server_config){
                               .provider = prov, .creds = cr, .n_creds = n,
                               .alpn = server_alpn, .n_alpn = na,
                               .groups = ng != 0 ? groups : NULL, .n_groups = ng,
                               .psks = server_psk, .n_psks = server_psk != NULL,
                               .psk_ke = server_psk_ke,
                               .suites = ccm8 ? with_ccm8 : NULL,
                               .n_suites = ccm8 ? sizeof(with_ccm8) / sizeof(with_ccm8[0]) : 0,
                               .trace = trace != NULL ? on_trace : NULL, .trace_arg = trace},
                           err, sizeof(err));
    if (x == NULL)
        fprintf(stderr, "tls_server_ctx_new: %s\n", err);
    return x;
}

/* The handshake from both ends: ours returns when its side is done; the client then reads
 * the rest of the flight (TLS 1.2: our ChangeCipherSpec and Finished). */
static bool pair_connect(struct pair *p, struct tls_server_ctx *x, SSL_CTX *cctx,
                         SSL_SESSION *resume)
{
    char err[256] = "";

    memset(p, 0, sizeof(*p));
    p->rc = -1;
    if (x == NULL || cctx == NULL || !client_new(&p->cl, cctx) ||
        (resume != NULL && SSL_set_session(p->cl.ssl, resume) != 1))
        return false;
    p->c = tls_server_accept(x, (struct tls_io){.ctx = &p->cl, .recv = io_recv, .send = io_send},
                             err, sizeof(err));
    if (p->c == NULL) {
        fprintf(stderr, "tls_server_accept: %s\n", err);
        return false;
    }
    p->rc = tls_handshake(p->c);
    tls_get_info(p->c, &p->info);
    for (unsigned i = 0; i < DATA_STEPS && !SSL_is_init_finished(p->cl.ssl) && !p->cl.failed; i++)
        client_step(&p->cl);
    return p->rc == 0 && SSL_is_init_finished(p->cl.ssl);
}

static void pair_free(struct pair *p)
{
    tls_free(p->c);
    SSL_free(p->cl.ssl);
    p->c = NULL;
    p->cl.ssl = NULL;
}

/* n bytes from us, n other bytes back, each compared with what was sent. */
static bool exchange(struct pair *p, size_t n)
{
    static uint8_t up[BIG], down[BIG], back[BIG];
    size_t have = 0;
    long got;
    unsigned i;
    int w;

    if (n > BIG || RAND_bytes(up, (int)n) != 1 || RAND_bytes(down, (int)n) != 1)
        return false;
    p->cl.got_n = 0;
    if (tls_write(p->c, down, n) != 0) {
        fprintf(stderr, "tls_write: %s\n", tls_error(p->c));
        return false;
    }
    for (i = 0; i < DATA_STEPS && p->cl.got_n < n && !p->cl.failed; i++)
        client_step(&p->cl);
    if (p->cl.got_n != n || memcmp(p->cl.got, down, n) != 0) {
        fprintf(stderr, "the client read %zu of %zu bytes (or other bytes)\n", p->cl.got_n, n);
        return false;
    }
    w = SSL_write(p->cl.ssl, up, (int)n);
    for (i = 0; i < READ_CALLS && have < n; i++) {
        got = tls_read(p->c, back + have, n - have);
        if (got == TLS_AGAIN)
            continue; /* a KeyUpdate, no data yet */
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    if (w != (int)n || have != n || memcmp(back, up, n) != 0) {
        fprintf(stderr, "we read %zu of %zu bytes (or other bytes): %s\n", have, n, tls_error(p->c));
        return false;
    }
    return true;
}

/* close_notify both ways: libssl reads ours and answers, we read its answer as the end. */
static bool pair_close(struct pair *p)
{
    uint8_t b;
    long got;

    if (tls_close(p->c) != 0)
        return false;
    for (unsigned i = 0; i < DATA_STEPS && !(SSL_get_shutdown(p->cl.ssl) & SSL_RECEIVED_SHUTDOWN); i++)
        client_step(&p->cl);
    if (SSL_shutdown(p->cl.ssl) < 0)
        return false;
    got = tls_read(p->c, &b, 1);
    return got == 0 && (SSL_get_shutdown(p->cl.ssl) & SSL_RECEIVED_SHUTDOWN);
}

static int nid_of(uint16_t group)
{
    switch (group) {
    case 29: return NID_X25519;
    case 23: return NID_X9_62_prime256v1;
    case 24: return NID_secp384r1;
    case 25: return NID_secp521r1;
    case 30: return NID_X448;
    case 256: return NID_ffdhe2048;
    case 257: return NID_ffdhe3072;
    default: return NID_undef;
    }
}

/* A SignatureScheme as libssl names what it verified: key type and hash. */
static void scheme_nids(uint16_t scheme, int *type, int *hash)
{
    *type = (scheme & 0xFF) == 0x03 ? EVP_PKEY_EC
            : (scheme & 0xFF) == 0x01 ? EVP_PKEY_RSA : EVP_PKEY_RSA_PSS;
    switch (scheme) {
    case 0x0401: case 0x0403: case 0x0804: *hash = NID_sha256; break;
    case 0x0501: case 0x0503: case 0x0805: *hash = NID_sha384; break;
    default: *hash = NID_sha512; break;
    }
}

/* What both sides say was negotiated, and what libssl verified we signed with. */
static void check_agree(const struct pair *p, uint16_t version, uint16_t suite, uint16_t group,
                        uint16_t scheme)
{
    const SSL_CIPHER *sc = SSL_get_current_cipher(p->cl.ssl);
    int type = 0, hash = 0, want_type, want_hash;

    CHECK_EQ(p->info.version, version);
    CHECK_EQ(SSL_version(p->cl.ssl), version);
    CHECK_EQ(p->info.suite, suite);
    CHECK(sc != NULL && SSL_CIPHER_get_protocol_id(sc) == suite);
    CHECK(sc != NULL && strcmp(SSL_CIPHER_standard_name(sc), p->info.suite_name) == 0);
    CHECK_EQ(p->info.group, group);
    if (group != 0)
        CHECK_EQ(SSL_get_negotiated_group(p->cl.ssl), nid_of(group));
    CHECK(strcmp(p->info.sni, NAME) == 0);
    CHECK(p->info.peer == NULL); /* no client certificate */
    if (scheme == 0) {
        /* resumed, or RSA key exchange: nothing signed */
        CHECK(SSL_get_peer_signature_type_nid(p->cl.ssl, &type) == 0);
        return;
    }
    scheme_nids(scheme, &want_type, &want_hash);
    CHECK(SSL_get_peer_signature_type_nid(p->cl.ssl, &type) == 1);
    CHECK(SSL_get_peer_signature_nid(p->cl.ssl, &hash) == 1);
    CHECK_EQ(type, want_type);
    CHECK_EQ(hash, want_hash);
}

/* RFC 5705 / RFC 8446 §7.5 keying material equals libssl's, with a context, an empty one and
 * none (which differ in TLS 1.2). */
static void check_exporter(struct pair *p)
{
    static const uint8_t context[] = "sslprov exporter context";
    uint8_t ours[3][48], theirs[3][48];

    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", context, sizeof(context) - 1,
                                     ours[0], sizeof(ours[0])) == 0);
    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", context, 0, ours[1],
                                     sizeof(ours[1])) == 0);
    CHECK(tls_export_keying_material(p->c, "EXPERIMENTAL sslprov", NULL, 0, ours[2],
                                     sizeof(ours[2])) == 0);
    CHECK(SSL_export_keying_material(p->cl.ssl, theirs[0], sizeof(theirs[0]),
                                     "EXPERIMENTAL sslprov", 20, context, sizeof(context) - 1, 1) == 1);
    CHECK(SSL_export_keying_material(p->cl.ssl, theirs[1], sizeof(theirs[1]),
                                     "EXPERIMENTAL sslprov", 20, context, 0, 1) == 1);
    CHECK(SSL_export_keying_material(p->cl.ssl, theirs[2], sizeof(theirs[2]),
                                     "EXPERIMENTAL sslprov", 20, NULL, 0, 0) == 1);
    CHECK(memcmp(ours, theirs, sizeof(ours)) == 0);
    if (p->info.version == 0x0303)
        CHECK(memcmp(ours[1], ours[2], sizeof(ours[1])) != 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                  */
/* ------------------------------------------------------------------------------------------ */

enum ks { KS_NONE, KS_PSK, KS_ID12, KS_KU_OURS, KS_KU_CLIENT, KS_HRR, KS_BIG, KS_PSK_HRR };

struct tcase {
    const char *name;
    uint16_t version;           /* the client is pinned to it */
    const char *client_suites;  /* SSL_CTX_set_ciphersuites (TLS 1.3) or _set_cipher_list */
    uint16_t suite;             /* what must be negotiated */
    const char *client_groups;
    uint16_t server_groups[2];  /* ours (0: the engine's defaults) */
    uint16_t group;             /* what must be negotiated (0: RSA or DHE key exchange) */
    const char *client_sigalgs;
    unsigned creds;             /* the certificates our server holds */
    int cert;                   /* the one it must present */
    uint16_t scheme;            /* and sign with (0: no signature, RSA key exchange) */
    bool no_ems, ticket_ext;    /* TLS 1.2 client: SSL_OP_NO_EXTENDED_MASTER_SECRET; KS_ID12
                                   with the SessionTicket extension still offered */
    enum ks kind;
};

static const struct tcase cases[] = {
    /* TLS 1.3: every suite and every group at least once; the certificate by the client's
     * signature_algorithms out of all three */
    {"1.3 AES-128-GCM X25519, default sigalgs", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403},
    {"1.3 AES-256-GCM P-256, rsa_pss_rsae_sha256", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "P-256", {0}, 23, "rsa_pss_rsae_sha256", C_ALL, CERT_RSA, 0x0804},
    {"1.3 CHACHA20 P-384, ecdsa_secp384r1", 0x0304, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, "P-384", {0}, 24, "ecdsa_secp384r1_sha384", C_ALL, CERT_EC384, 0x0503},
    {"1.3 AES-128-CCM P-521, rsa_pss_rsae_sha384", 0x0304, "TLS_AES_128_CCM_SHA256", 0x1304, "P-521", {0}, 25, "rsa_pss_rsae_sha384", C_ALL, CERT_RSA, 0x0805},
    {"1.3 AES-128-CCM-8 X448, RSA only", 0x0304, "TLS_AES_128_CCM_8_SHA256", 0x1305, "X448", {0}, 30, NULL, C_RSA, CERT_RSA, 0x0804},
    {"1.3 AES-256-GCM ffdhe2048, ecdsa_secp256r1", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "ffdhe2048", {0}, 256, "ecdsa_secp256r1_sha256", C_ALL, CERT_EC256, 0x0403},
    {"1.3 AES-128-GCM ffdhe3072, ECDSA P-256 only", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "ffdhe3072", {0}, 257, NULL, C_EC256, CERT_EC256, 0x0403},
    {"1.3 P-384 cert alone, default sigalgs", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "X25519", {0}, 29, NULL, C_EC384, CERT_EC384, 0x0503},
    {"1.3 default offer, 40 KB each way", 0x0304, NULL, 0x1302, NULL, {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_BIG},
    {"1.3 HRR to P-256", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519:P-256", {23}, 23, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_HRR},
    {"1.3 HRR to ffdhe2048, RSA", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "P-256:ffdhe2048", {256}, 256, "rsa_pss_rsae_sha512", C_ALL, CERT_RSA, 0x0806, false, false, KS_HRR},
    {"1.3 PSK resumption", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_PSK},
    {"1.3 PSK resumption SHA384", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "P-256", {0}, 23, "rsa_pss_rsae_sha256", C_ALL, CERT_RSA, 0x0804, false, false, KS_PSK},
    {"1.3 PSK resumption after HRR both times", 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302, "X25519:P-384", {24}, 24, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_PSK_HRR},
    {"1.3 KeyUpdate from us", 0x0304, "TLS_AES_128_GCM_SHA256", 0x1301, "X25519", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_KU_OURS},
    {"1.3 KeyUpdate from the client", 0x0304, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, "X25519", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403, false, false, KS_KU_CLIENT},
    /* TLS 1.2 */
    {"1.2 ECDHE-RSA AES-128-GCM P-256", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "P-256", {0}, 23, NULL, C_ALL, CERT_RSA, 0x0804},
    {"1.2 ECDHE-RSA AES-128-GCM P-256 no EMS", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "P-256", {0}, 23, NULL, C_ALL, CERT_RSA, 0x0804, true},
    {"1.2 ECDHE-ECDSA AES-256-GCM X25519", 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, "X25519:P-256", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403},
    {"1.2 ECDHE-RSA CHACHA20 X25519", 0x0303, "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, "X25519", {0}, 29, NULL, C_ALL, CERT_RSA, 0x0804},
    {"1.2 ECDHE-ECDSA CHACHA20 P-384 cert", 0x0303, "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, "P-384", {0}, 24, "ecdsa_secp384r1_sha384", C_EC384, CERT_EC384, 0x0503},
    {"1.2 ECDHE-RSA AES-128-CBC-SHA", 0x0303, "ECDHE-RSA-AES128-SHA", 0xC013, "P-256", {0}, 23, NULL, C_ALL, CERT_RSA, 0x0804},
    {"1.2 ECDHE-ECDSA AES-256-CBC-SHA no EMS", 0x0303, "ECDHE-ECDSA-AES256-SHA", 0xC00A, "P-256", {0}, 23, NULL, C_ALL, CERT_EC256, 0x0403, true},
    {"1.2 ECDHE-RSA AES-256-CBC-SHA384 P-521", 0x0303, "ECDHE-RSA-AES256-SHA384", 0xC028, "P-521", {0}, 25, NULL, C_ALL, CERT_RSA, 0x0804},
    {"1.2 ECDHE-ECDSA AES-256-CBC-SHA384", 0x0303, "ECDHE-ECDSA-AES256-SHA384", 0xC024, "X25519:P-256", {0}, 29, NULL, C_ALL, CERT_EC256, 0x0403},
    {"1.2 ECDHE-RSA rsa_pkcs1_sha256", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "X25519", {0}, 29, "rsa_pkcs1_sha256", C_ALL, CERT_RSA, 0x0401},
    {"1.2 ECDHE-RSA rsa_pkcs1_sha384, ecdsa listed", 0x0303, "ECDHE-RSA-AES256-GCM-SHA384", 0xC030, "P-256", {0}, 23, "ecdsa_secp256r1_sha256:rsa_pkcs1_sha384", C_ALL, CERT_RSA, 0x0501},
    {"1.2 RSA AES-128-GCM", 0x0303, "AES128-GCM-SHA256", 0x009C, NULL, {0}, 0, NULL, C_ALL, CERT_RSA, 0},
    {"1.2 RSA AES-256-CBC-SHA no EMS", 0x0303, "AES256-SHA", 0x0035, NULL, {0}, 0, NULL, C_ALL, CERT_RSA, 0, true},
    {"1.2 DHE-RSA AES-128-GCM", 0x0303, "DHE-RSA-AES128-GCM-SHA256", 0x009E, NULL, {0}, 0, NULL, C_ALL, CERT_RSA, 0x0804},
    {"1.2 DHE-RSA AES-256-CBC-SHA no EMS, pkcs1", 0x0303, "DHE-RSA-AES256-SHA", 0x0039, NULL, {0}, 0, "rsa_pkcs1_sha512", C_ALL, CERT_RSA, 0x0601, true},
    {"1.2 session ID resumption", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, "X25519", {0}, 29, NULL, C_ALL, CERT_RSA, 0x0804, false, false, KS_ID12},
    {"1.2 session ID resumption no EMS", 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, "P-256", {0}, 23, NULL, C_ALL, CERT_EC256, 0x0403, true, false, KS_ID12},
    {"1.2 session ID resumption, ticket offered", 0x0303, "AES128-GCM-SHA256", 0x009C, NULL, {0}, 0, NULL, C_ALL, CERT_RSA, 0, false, true, KS_ID12},
};

static SSL_CTX *case_client_ctx(const struct tcase *t)
{
    bool tls13 = t->version == 0x0304;

    return client_ctx(&(struct copt){
        .min = t->version, .max = t->version, .suites13 = tls13 ? t->client_suites : NULL,
        .ciphers = tls13 ? NULL : t->client_suites, .groups = t->client_groups,
        .sigalgs = t->client_sigalgs,
        .options = (t->no_ems ? SSL_OP_NO_EXTENDED_MASTER_SECRET : 0) |
                   (t->kind == KS_ID12 && !t->ticket_ext ? SSL_OP_NO_TICKET : 0)});
}

/* The resumed connection of a resumption case, on the SSL_SESSION the first one left. */
static void resume(const struct tcase *t, struct tls_server_ctx *x, SSL_CTX *cctx,
                   SSL_SESSION *sess)
{
    struct pair p;

    CHECK(sess != NULL && SSL_SESSION_is_resumable(sess));
    if (sess == NULL)
        return;
    CHECK(pair_connect(&p, x, cctx, sess));
    if (p.rc == 0) {
        CHECK(p.info.resumed);
        CHECK(SSL_session_reused(p.cl.ssl) == 1);
        CHECK_EQ(p.info.hrr, t->kind == KS_PSK_HRR);
        CHECK_EQ(p.cl.hellos, t->kind == KS_PSK_HRR ? 2 : 1);
        /* TLS 1.3 psk_dhe_ke keeps the group; TLS 1.2 resumption has no key exchange */
        check_agree(&p, t->version, t->suite, t->version == 0x0304 ? t->group : 0, 0);
        CHECK(exchange(&p, 100));
        check_exporter(&p);
        if (t->version == 0x0303) {
            CHECK_EQ(p.info.ems, !t->no_ems);
            CHECK_EQ(SSL_get_extms_support(p.cl.ssl), !t->no_ems);
        } else {
            CHECK_EQ(p.cl.tickets, 2); /* fresh tickets after a resumption too */
        }
        CHECK(pair_close(&p));
    } else {
        fprintf(stderr, "  resumption: %s\n", tls_error(p.c));
    }
    pair_free(&p);
}

static void key_updates(struct pair *p, enum ks kind)
{
    if (kind == KS_KU_OURS) {
        CHECK(tls_key_update(p->c) == 0);
        CHECK(exchange(p, 100));         /* ours goes out ahead of our data */
        CHECK_EQ(p->cl.ku_received, 1);  /* ours, update_requested */
        CHECK_EQ(p->cl.ku_sent, 1);      /* its answer, read ahead of its data */
    } else {
        CHECK(SSL_key_update(p->cl.ssl, SSL_KEY_UPDATE_REQUESTED) == 1);
        CHECK(exchange(p, 100));         /* its KeyUpdate goes out ahead of its data */
        CHECK_EQ(p->cl.ku_sent, 1);
        CHECK(exchange(p, 100));         /* the client reads our answer ahead of our data */
        CHECK_EQ(p->cl.ku_received, 1);
    }
    tls_get_info(p->c, &p->info);
    CHECK(p->info.key_updates_sent == 1 && p->info.key_updates_received == 1);
    CHECK(exchange(p, 100));
    CHECK(p->cl.ku_sent == 1 && p->cl.ku_received == 1); /* an answer is not answered */
}

static void run_case(const struct tcase *t)
{
    bool tls13 = t->version == 0x0304;
    struct tls_server_ctx *x = server_ctx(t->creds, t->server_groups, t->suite == 0x1305, NULL);
    SSL_CTX *cctx = case_client_ctx(t);
    SSL_SESSION *sess = NULL;
    struct pair p;
    unsigned before = check_failed;

    CHECK(x != NULL && cctx != NULL);
    CHECK(pair_connect(&p, x, cctx, NULL));
    if (p.rc == 0) {
        check_agree(&p, t->version, t->suite, t->group, t->scheme);
        CHECK(X509_cmp(SSL_get0_peer_certificate(p.cl.ssl), certs[t->cert]) == 0);
        CHECK_EQ(SSL_get_verify_result(p.cl.ssl), X509_V_OK);
        CHECK_EQ(p.info.hrr, t->kind == KS_HRR || t->kind == KS_PSK_HRR);
        CHECK_EQ(p.cl.hellos, t->kind == KS_HRR || t->kind == KS_PSK_HRR ? 2 : 1);
        CHECK(!p.info.resumed && !SSL_session_reused(p.cl.ssl));
        CHECK(exchange(&p, t->kind == KS_BIG ? BIG : 100));
        check_exporter(&p);
        if (!tls13) {
            CHECK_EQ(p.info.ems, !t->no_ems);
            CHECK_EQ(SSL_get_extms_support(p.cl.ssl), !t->no_ems);
            if (t->group == 0 && strncmp(t->client_suites, "DHE", 3) == 0) {
                EVP_PKEY *tmp = NULL;

                CHECK_EQ(p.info.dh_bits, 2048);
                CHECK(SSL_get_peer_tmp_key(p.cl.ssl, &tmp) == 1 && EVP_PKEY_get_bits(tmp) == 2048);
                EVP_PKEY_free(tmp);
            }
        } else {
            CHECK_EQ(p.cl.tickets, 2); /* our server issues two */
        }
        if (t->kind == KS_KU_OURS || t->kind == KS_KU_CLIENT)
            key_updates(&p, t->kind);
        CHECK(pair_close(&p));
        if (t->kind == KS_PSK || t->kind == KS_PSK_HRR || t->kind == KS_ID12)
            sess = SSL_get1_session(p.cl.ssl);
    } else {
        fprintf(stderr, "  handshake: %s\n", p.c != NULL ? tls_error(p.c) : "-");
    }
    pair_free(&p);
    if (t->kind == KS_PSK || t->kind == KS_PSK_HRR || t->kind == KS_ID12)
        resume(t, x, cctx, sess);
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", t->name, check_failed == before ? "pass" : "FAIL");
}

/* ------------------------------------------------------------------------------------------ */
/* Twins: a client we must refuse, with the alert libssl must read                            */
/* ------------------------------------------------------------------------------------------ */

struct twin {
    const char *name;
    struct copt client;
    uint16_t server_groups[2];
    const char *want_error;     /* in tls_error */
    int want_alert;             /* ours, as libssl read it */
    enum tamper tamper;
};

static const struct twin twins[] = {
    {"1.3 suite we do not enable (CCM_8)",
     {TLS1_3_VERSION, TLS1_3_VERSION, "TLS_AES_128_CCM_8_SHA256"}, {0},
     "no TLS 1.3 suite in common", SSL3_AD_HANDSHAKE_FAILURE},
    {"1.2 suite we do not enable (ECDHE-ECDSA-CCM8)",
     {TLS1_2_VERSION, TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES128-CCM8"}, {0},
     "no TLS 1.2 suite in common", SSL3_AD_HANDSHAKE_FAILURE},
    {"1.3 no group in common",
     {TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, "P-384:X448"}, {29},
     "no group in common", SSL3_AD_HANDSHAKE_FAILURE},
    {"1.2 ECDHE only, no group in common",
     {TLS1_2_VERSION, TLS1_2_VERSION, NULL, "ECDHE-RSA-AES128-GCM-SHA256", "P-384"}, {29},
     "no TLS 1.2 suite in common", SSL3_AD_HANDSHAKE_FAILURE},
    {"1.3 no signature scheme in common (ed25519)",
     {TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, "ed25519"}, {0},
     "no signature scheme in common", SSL3_AD_HANDSHAKE_FAILURE},
    {"TLS 1.1 only", {TLS1_1_VERSION, TLS1_1_VERSION}, {0},
     "no protocol version in common", SSL_AD_PROTOCOL_VERSION},
    {"FALLBACK_SCSV at TLS 1.2", {TLS1_2_VERSION, TLS1_2_VERSION, .mode = SSL_MODE_SEND_FALLBACK_SCSV},
     {0}, "TLS_FALLBACK_SCSV", SSL_AD_INAPPROPRIATE_FALLBACK},
    {"1.2 client Finished record corrupted", {TLS1_2_VERSION, TLS1_2_VERSION, NULL,
     "ECDHE-RSA-AES128-GCM-SHA256"}, {0}, "record", SSL_AD_BAD_RECORD_MAC, T_FINISHED},
    {"1.3 client Finished record corrupted", {TLS1_3_VERSION, TLS1_3_VERSION}, {0}, "record",
     SSL_AD_BAD_RECORD_MAC, T_FINISHED},
};

static void run_twin(const struct twin *w)
{
    struct tls_server_ctx *x = server_ctx(C_ALL, w->server_groups, false, NULL);
    SSL_CTX *cctx = client_ctx(&w->client);
    struct pair p;
    unsigned before = check_failed;

    CHECK(x != NULL && cctx != NULL);
    if (x != NULL && cctx != NULL && client_new(&p.cl, cctx)) {
        char err[256];

        p.cl.tamper = w->tamper;
        p.c = tls_server_accept(x, (struct tls_io){.ctx = &p.cl, .recv = io_recv, .send = io_send},
                                err, sizeof(err));
        CHECK(p.c != NULL);
        CHECK(p.c != NULL && tls_handshake(p.c) == -1);
        if (p.c != NULL && strstr(tls_error(p.c), w->want_error) == NULL) {
            CHECK(!"the error names the reason");
            fprintf(stderr, "  error: %s\n", tls_error(p.c));
        }
        /* the client reads our alert */
        for (unsigned i = 0; i < DATA_STEPS && !p.cl.failed; i++)
            client_step(&p.cl);
        CHECK(p.cl.failed);
        CHECK_EQ(p.cl.alert_received, w->want_alert);
        CHECK(w->tamper == T_NONE || p.cl.tampered);
        /* TLS 1.3: a client that sent Finished considers itself done; the alert still ends it */
        if (w->tamper == T_NONE)
            CHECK(!SSL_is_init_finished(p.cl.ssl));
        pair_free(&p);
    }
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", w->name, check_failed == before ? "pass" : "FAIL");
}

/* ------------------------------------------------------------------------------------------ */
/* ALPN, an alert from the client, EMS across resumption                                      */
/* ------------------------------------------------------------------------------------------ */

/* RFC 7301 §3.2: our preference among the client's protocols; none in common is
 * no_application_protocol; a client without the extension gets none. */
static void run_alpn(void)
{
    static const char *const ours[] = {"h2", "http/1.1", NULL};
    static const struct {
        const char *name;
        int version;
        const char *client;     /* wire format, length-prefixed; NULL no extension */
        const char *want;       /* NULL: a failure with no_application_protocol */
    } t[] = {
        {"1.3 ALPN: ours first of the client's", TLS1_3_VERSION, "\x08http/1.1\x02h2", "h2"},
        {"1.2 ALPN: the one in common", TLS1_2_VERSION, "\x08http/1.1", "http/1.1"},
        {"1.3 ALPN: none in common", TLS1_3_VERSION, "\x06spdy/3", NULL},
        {"1.2 ALPN: client without the extension", TLS1_2_VERSION, NULL, ""},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct tls_server_ctx *x;
        SSL_CTX *cctx = client_ctx(&(struct copt){t[i].version, t[i].version});
        struct pair p;
        unsigned before = check_failed;

        server_alpn = ours;
        x = server_ctx(C_ALL, NULL, false, NULL);
        server_alpn = NULL;
        CHECK(x != NULL && cctx != NULL);
        if (cctx != NULL && t[i].client != NULL)
            CHECK(SSL_CTX_set_alpn_protos(cctx, (const uint8_t *)t[i].client,
                                          (unsigned)strlen(t[i].client)) == 0);
        if (t[i].want != NULL) {
            const uint8_t *sel = NULL;
            unsigned sel_len = 0;

            CHECK(pair_connect(&p, x, cctx, NULL));
            SSL_get0_alpn_selected(p.cl.ssl, &sel, &sel_len);
            CHECK(sel_len == strlen(t[i].want) && (sel_len == 0 || memcmp(sel, t[i].want, sel_len) == 0));
            CHECK(strcmp(p.info.alpn, t[i].want) == 0);
            CHECK(p.rc == 0 && exchange(&p, 100) && pair_close(&p));
        } else {
            CHECK(!pair_connect(&p, x, cctx, NULL) && p.c != NULL);
            CHECK(p.c != NULL && strstr(tls_error(p.c), "no_application_protocol") != NULL);
            for (unsigned k = 0; k < DATA_STEPS && !p.cl.failed; k++)
                client_step(&p.cl);
            CHECK_EQ(p.cl.alert_received, SSL_AD_NO_APPLICATION_PROTOCOL);
        }
        pair_free(&p);
        SSL_CTX_free(cctx);
        tls_server_ctx_free(x);
        printf("%-48s %s\n", t[i].name, check_failed == before ? "pass" : "FAIL");
    }
}

/* A client that does not trust our certificate says so (unknown_ca); our handshake reports
 * the client's alert and sends none of its own. */
static void run_client_alert(int version)
{
    struct tls_server_ctx *x = server_ctx(C_ALL, NULL, false, NULL);
    SSL_CTX *cctx = client_ctx(&(struct copt){version, version});
    X509_STORE *empty = X509_STORE_new();
    struct pair p;
    unsigned before = check_failed;

    CHECK(x != NULL && cctx != NULL && empty != NULL);
    if (cctx != NULL && empty != NULL)
        CHECK(SSL_CTX_set1_verify_cert_store(cctx, empty) == 1);
    CHECK(!pair_connect(&p, x, cctx, NULL));
    CHECK(p.rc == -1 && p.c != NULL);
    CHECK_EQ(p.cl.alert_sent, SSL_AD_UNKNOWN_CA);
    CHECK_EQ(p.cl.alert_received, -1);
    if (p.c != NULL && getenv("SSLPROV_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  error: %s\n", tls_error(p.c));
    if (p.c != NULL && strstr(tls_error(p.c), "alert unknown_ca") == NULL) {
        CHECK(!"our error names the client's alert");
        fprintf(stderr, "  error: %s\n", tls_error(p.c));
    }
    pair_free(&p);
    X509_STORE_free(empty);
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", version == TLS1_3_VERSION ? "1.3 client rejects our certificate"
                                                   : "1.2 client rejects our certificate",
           check_failed == before ? "pass" : "FAIL");
}

/* RFC 7627 §5.3 across session-ID resumption: a session made without EMS offered by a client
 * that now sends it is not resumed (a full handshake, with EMS); a session made with EMS
 * offered without it must not be resumed either, and the server "MUST abort the abbreviated
 * handshake" — libssl's server aborts with handshake_failure. */
static void run_ems_resumption(bool first_ems)
{
    struct tls_server_ctx *x = server_ctx(C_ALL, NULL, false, NULL);
    struct copt with = {TLS1_2_VERSION, TLS1_2_VERSION, .options = SSL_OP_NO_TICKET};
    struct copt without = with;
    SSL_CTX *c1, *c2;
    SSL_SESSION *sess = NULL;
    struct pair p;
    unsigned before = check_failed;
    const char *name = first_ems ? "1.2 EMS session resumed without EMS"
                                 : "1.2 non-EMS session resumed with EMS";

    without.options |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
    c1 = client_ctx(first_ems ? &with : &without);
    c2 = client_ctx(first_ems ? &without : &with);
    CHECK(x != NULL && c1 != NULL && c2 != NULL);
    CHECK(pair_connect(&p, x, c1, NULL) && p.info.ems == first_ems && pair_close(&p));
    if (p.rc == 0)
        sess = SSL_get1_session(p.cl.ssl);
    pair_free(&p);
    CHECK(sess != NULL);
    if (sess != NULL) {
        bool ok = pair_connect(&p, x, c2, sess);

        /* never resumed either way: a master secret made one way is not to be used the other */
        CHECK(!p.info.resumed && !SSL_session_reused(p.cl.ssl));
        if (!first_ems) {
            CHECK(ok && p.info.ems && SSL_get_extms_support(p.cl.ssl) == 1);
            CHECK(ok && exchange(&p, 100));
        } else {
            CHECK(!ok && p.rc == -1 && strstr(tls_error(p.c), "handshake_failure") != NULL);
        }
        pair_free(&p);
    }
    SSL_SESSION_free(sess);
    SSL_CTX_free(c1);
    SSL_CTX_free(c2);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", name, check_failed != before ? "FAIL" : "pass");
}

/* A TLS 1.2 client that asks to renegotiate (a ClientHello after the handshake): we never
 * renegotiate and say so with a no_renegotiation warning (RFC 5246 §7.2.2, §7.4.1.2); libssl,
 * having asked, answers with handshake_failure, which our next read reports. */
static void run_client_reneg(void)
{
    struct tls_server_ctx *x = server_ctx(C_ALL, NULL, false, NULL);
    SSL_CTX *cctx = client_ctx(&(struct copt){TLS1_2_VERSION, TLS1_2_VERSION});
    struct pair p;
    uint8_t b;
    long got = TLS_AGAIN;
    unsigned before = check_failed;

    CHECK(x != NULL && cctx != NULL);
    CHECK(pair_connect(&p, x, cctx, NULL) && exchange(&p, 100));
    if (p.rc == 0) {
        CHECK(SSL_renegotiate(p.cl.ssl) == 1);
        CHECK(SSL_do_handshake(p.cl.ssl) <= 0); /* its ClientHello goes out */
        ERR_clear_error();
        for (unsigned i = 0; i < READ_CALLS && got == TLS_AGAIN; i++)
            got = tls_read(p.c, &b, 1);
        CHECK_EQ(got, -1);
        CHECK_EQ(p.cl.alert_received, SSL_AD_NO_RENEGOTIATION);
        CHECK_EQ(p.cl.alert_sent, SSL_AD_HANDSHAKE_FAILURE);
        CHECK(strstr(tls_error(p.c), "alert handshake_failure") != NULL);
        if (getenv("SSLPROV_TEST_VERBOSE") != NULL)
            fprintf(stderr, "  error: %s\n", tls_error(p.c));
    }
    pair_free(&p);
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", "1.2 client renegotiation refused", check_failed == before ? "pass" : "FAIL");
}

/* A TLS 1.3 ticket our server does not know (another context's) gives a full handshake; one
 * whose binder was flipped on the wire is refused with decrypt_error (RFC 8446 §4.2.11, §6.2). */
static void run_psk_twins(void)
{
    struct tls_server_ctx *x = server_ctx(C_ALL, NULL, false, NULL);
    struct tls_server_ctx *y = server_ctx(C_ALL, NULL, false, NULL);
    SSL_CTX *cctx = client_ctx(&(struct copt){TLS1_3_VERSION, TLS1_3_VERSION});
    SSL_SESSION *sess = NULL;
    struct pair p;
    unsigned before = check_failed;
    char err[256];

    CHECK(x != NULL && y != NULL && cctx != NULL);
    CHECK(pair_connect(&p, x, cctx, NULL) && exchange(&p, 100) && pair_close(&p));
    if (p.rc == 0)
        sess = SSL_get1_session(p.cl.ssl);
    pair_free(&p);
    CHECK(sess != NULL);
    if (sess == NULL)
        goto out;
    CHECK(pair_connect(&p, y, cctx, sess));
    CHECK(p.rc == 0 && !p.info.resumed && !SSL_session_reused(p.cl.ssl));
    CHECK(p.rc == 0 && exchange(&p, 100));
    pair_free(&p);
    printf("%-48s %s\n", "1.3 ticket of another server: full handshake", check_failed == before ? "pass" : "FAIL");

    before = check_failed;
    if (client_new(&p.cl, cctx) && SSL_set_session(p.cl.ssl, sess) == 1) {
        p.cl.tamper = T_BINDER;
        p.c = tls_server_accept(x, (struct tls_io){.ctx = &p.cl, .recv = io_recv, .send = io_send},
                                err, sizeof(err));
        CHECK(p.c != NULL && tls_handshake(p.c) == -1);
        CHECK(p.cl.tampered);
        CHECK(p.c != NULL && strstr(tls_error(p.c), "binder") != NULL);
        for (unsigned i = 0; i < DATA_STEPS && !p.cl.failed; i++)
            client_step(&p.cl);
        CHECK_EQ(p.cl.alert_received, SSL_AD_DECRYPT_ERROR);
        pair_free(&p);
    } else {
        CHECK(!"client with the session");
    }
    printf("%-48s %s\n", "1.3 PSK binder flipped: decrypt_error", check_failed == before ? "pass" : "FAIL");
out:
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
    tls_server_ctx_free(y);
}

/* ------------------------------------------------------------------------------------------ */
/* TLS 1.3 psk_ke and external PSKs (RFC 8446 §4.2.9, §4.2.11)                                */
/* ------------------------------------------------------------------------------------------ */

static const uint8_t ext_psk_key[32] = "sslprov external PSK, 32 bytes.";

/* libssl's external PSK (SSL_CTX_set_psk_use_session_callback): a session of the identity's
 * key on TLS_AES_128_GCM_SHA256, the SHA-256 every external PSK of ours has; the identity and
 * key are the client context's app data. */
struct ext_psk {
    const char *identity;
    const uint8_t *key;
    size_t len;
};

static int use_ext_psk(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                       SSL_SESSION **sess)
{
    const struct ext_psk *e = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    static const unsigned char aes128gcm[2] = {0x13, 0x01};
    const SSL_CIPHER *c = SSL_CIPHER_find(ssl, aes128gcm);
    SSL_SESSION *s;

    *sess = NULL;
    if (c == NULL || (md != NULL && SSL_CIPHER_get_handshake_digest(c) != md))
        return 1; /* (after an HRR, another hash: no PSK) */
    if ((s = SSL_SESSION_new()) == NULL || !SSL_SESSION_set1_master_key(s, e->key, e->len) ||
        !SSL_SESSION_set_cipher(s, c) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
        SSL_SESSION_free(s);
        return 0;
    }
    *sess = s;
    *id = (const unsigned char *)e->identity;
    *idlen = strlen(e->identity);
    return 1;
}

static SSL_CTX *psk_client_ctx(const struct ext_psk *e, bool allow_no_dhe)
{
    SSL_CTX *ctx = client_ctx(&(struct copt){TLS1_3_VERSION, TLS1_3_VERSION,
                                             .suites13 = "TLS_AES_128_GCM_SHA256", .groups = "X25519",
                                             .options = allow_no_dhe ? SSL_OP_ALLOW_NO_DHE_KEX : 0});

    if (ctx != NULL && e != NULL) {
        SSL_CTX_set_app_data(ctx, (void *)e);
        SSL_CTX_set_psk_use_session_callback(ctx, use_ext_psk);
    }
    return ctx;
}

/* A TLS 1.3 connection from a client of cctx (resuming sess if any) to a server with our one
 * PSK identity (creds: its certificates, maybe none) and psk_ke policy: what the handshake must
 * give — psk (resumed or external), the group (0: psk_ke, and then no key_share in the
 * ServerHello), whether the certificate was sent; or, want_alert >= 0, the alert the client
 * must read and a word of our error. */
struct psk_case {
    const char *name;
    unsigned creds;
    enum tls_psk_ke policy;
    bool allow_no_dhe;          /* the client offers psk_ke too (SSL_OP_ALLOW_NO_DHE_KEX) */
    bool external;              /* the client uses an external PSK ... */
    const struct ext_psk *psk;  /* ... this one (the server always has ext_good) */
    bool resume;                /* a ticket of the first connection */
    uint16_t group;             /* 0: psk_ke */
    bool full;                  /* the PSK is not taken: a full handshake */
    int want_alert;
    const char *want_error;
    bool resume_chacha;         /* the resumption offers TLS_CHACHA20_POLY1305_SHA256 alone */
};

static const struct ext_psk ext_good = {"sslprov-test", ext_psk_key, sizeof(ext_psk_key)};
static const struct ext_psk ext_wrong_key = {"sslprov-test", (const uint8_t *)"another key of 32 bytes, wrong!", 32};
static const struct ext_psk ext_unknown = {"someone-else", ext_psk_key, sizeof(ext_psk_key)};

static const struct psk_case psk_cases[] = {
    {"1.3 resumption psk_ke (server prefers)", C_ALL, TLS_PSK_KE_PREFER, true, false, NULL, true, 0, false, -1, NULL},
    {"1.3 resumption psk_dhe_ke when both (allow)", C_ALL, TLS_PSK_KE_ALLOW, true, false, NULL, true, 29, false, -1, NULL},
    {"1.3 resumption psk_dhe_ke offered alone", C_ALL, TLS_PSK_KE_PREFER, false, false, NULL, true, 29, false, -1, NULL},
    {"1.3 resumption psk_dhe_ke when both (never)", C_ALL, TLS_PSK_KE_NEVER, true, false, NULL, true, 29, false, -1, NULL},
    /* a ticket of an AES-128-GCM session resumes CHACHA20 (same hash, RFC 8446 §4.2.11):
     * every secret from the early one on is the new suite's */
    {"1.3 resumption on another suite, same hash", C_ALL, TLS_PSK_KE_ALLOW, false, false, NULL, true, 29, false, -1, NULL, true},
    {"1.3 external PSK psk_dhe_ke", C_ALL, TLS_PSK_KE_ALLOW, false, true, &ext_good, false, 29, false, -1, NULL},
    {"1.3 external PSK psk_ke (server prefers)", C_ALL, TLS_PSK_KE_PREFER, true, true, &ext_good, false, 0, false, -1, NULL},
    {"1.3 external PSK, server of PSKs alone", 0, TLS_PSK_KE_PREFER, true, true, &ext_good, false, 0, false, -1, NULL},
    {"1.3 external PSK wrong key: decrypt_error", C_ALL, TLS_PSK_KE_PREFER, true, true, &ext_wrong_key, false, 0, false, SSL_AD_DECRYPT_ERROR, "binder"},
    {"1.3 external PSK unknown identity: full", C_ALL, TLS_PSK_KE_PREFER, true, true, &ext_unknown, false, 29, true, -1, NULL},
    {"1.3 no PSK, server of PSKs alone: refused", 0, TLS_PSK_KE_PREFER, true, true, &ext_unknown, false, 0, true, SSL_AD_HANDSHAKE_FAILURE, "signature scheme"},
};

static void run_psk_case(const struct psk_case *t)
{
    static const struct tls_psk ours = {"sslprov-test", ext_psk_key, sizeof(ext_psk_key)};
    struct tls_server_ctx *x;
    SSL_CTX *cctx = psk_client_ctx(t->external ? t->psk : NULL, t->allow_no_dhe);
    SSL_CTX *rctx = NULL;
    SSL_SESSION *sess = NULL;
    struct pair p;
    unsigned before = check_failed;

    server_psk = &ours;
    server_psk_ke = t->policy;
    x = server_ctx(t->creds, NULL, false, NULL);
    server_psk = NULL;
    server_psk_ke = TLS_PSK_KE_ALLOW;
    CHECK(x != NULL && cctx != NULL);
    if (t->resume) {
        /* the ticket: a full handshake first */
        CHECK(pair_connect(&p, x, cctx, NULL) && exchange(&p, 100) && pair_close(&p));
        if (p.rc == 0)
            sess = SSL_get1_session(p.cl.ssl);
        pair_free(&p);
        CHECK(sess != NULL);
        if (t->resume_chacha && cctx != NULL) {
            rctx = cctx;
            cctx = client_ctx(&(struct copt){TLS1_3_VERSION, TLS1_3_VERSION,
                                             .suites13 = "TLS_CHACHA20_POLY1305_SHA256",
                                             .groups = "X25519"});
            CHECK(cctx != NULL);
        }
    }
    if (t->want_alert >= 0) {
        CHECK(!pair_connect(&p, x, cctx, sess));
        CHECK(p.rc == -1 && p.c != NULL && strstr(tls_error(p.c), t->want_error) != NULL);
        for (unsigned i = 0; i < DATA_STEPS && !p.cl.failed; i++)
            client_step(&p.cl);
        CHECK_EQ(p.cl.alert_received, t->want_alert);
    } else if (pair_connect(&p, x, cctx, sess)) {
        bool psk = !t->full;

        CHECK_EQ(p.info.group, t->group);
        CHECK_EQ(p.cl.sh_key_share, t->group != 0);
        if (t->group != 0)
            CHECK_EQ(SSL_get_negotiated_group(p.cl.ssl), nid_of(t->group));
        CHECK_EQ(p.info.suite, t->resume_chacha ? 0x1303 : 0x1301);
        CHECK_EQ(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.cl.ssl)), p.info.suite);
        CHECK_EQ(p.info.resumed, t->resume);
        CHECK_EQ(SSL_session_reused(p.cl.ssl), psk); /* (libssl: an external PSK too) */
        /* a PSK handshake sends no certificate; a full one is verified */
        CHECK_EQ(p.cl.certificates, psk ? 0 : 1);
        if (!psk)
            CHECK_EQ(SSL_get_verify_result(p.cl.ssl), X509_V_OK);
        CHECK(exchange(&p, 100));
        check_exporter(&p);
        CHECK_EQ(p.cl.tickets, 2);
        CHECK(pair_close(&p));
    } else {
        CHECK(!"handshake");
        fprintf(stderr, "  handshake: %s\n", p.c != NULL ? tls_error(p.c) : "-");
    }
    pair_free(&p);
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    SSL_CTX_free(rctx);
    tls_server_ctx_free(x);
    printf("%-48s %s\n", t->name, check_failed == before ? "pass" : "FAIL");
}

/* ------------------------------------------------------------------------------------------ */
/* RSA key exchange robustness (RFC 5246 §7.4.7.1)                                            */
/* ------------------------------------------------------------------------------------------ */

enum pms_kind { PMS_OTHER, PMS_BT1, PMS_NO_SEP, PMS_SHORT_PS, PMS_FIRST_BYTE, PMS_VERSION,
                PMS_LEN47, PMS_LEN49, PMS_ZERO_LEN, N_PMS };

static const char *const pms_names[N_PMS] = {
    "valid ciphertext, another pre-master (control)", "bad padding: block type 01",
    "bad padding: no zero separator", "bad padding: padding string of 4",
    "bad padding: first byte 01", "wrong version bytes (0x0301)", "wrong length (47 bytes)",
    "wrong length (49 bytes)", "wrong length (0 bytes)",
};

/* An encrypted "pre-master" of the kind asked for: the 256-byte block built by hand, raised
 * to e under the RSA certificate's key with RSA_NO_PADDING. */
static bool make_cke(enum pms_kind kind, uint8_t out[256])
{
    uint8_t em[256];
    size_t k = sizeof(em), mlen = kind == PMS_LEN47 ? 47 : kind == PMS_LEN49 ? 49
                                  : kind == PMS_ZERO_LEN ? 0 : 48;
    size_t ps = k - 3 - mlen, outlen = 256;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(keys[CERT_RSA], NULL);
    bool ok;

    if (RAND_bytes(em, (int)k) != 1)
        return false;
    em[0] = kind == PMS_FIRST_BYTE ? 0x01 : 0x00;
    em[1] = kind == PMS_BT1 ? 0x01 : 0x02;
    /* the padding string non-zero (without a separator: everything after the block type) */
    for (size_t i = 2; i < (kind == PMS_NO_SEP ? k : 2 + ps); i++)
        if (em[i] == 0)
            em[i] = (uint8_t)(1 + i % 255);
    if (kind == PMS_SHORT_PS)
        em[2 + 4] = 0x00; /* a separator after 4 bytes of padding: 8 is the least (§8.1) */
    if (kind != PMS_NO_SEP)
        em[2 + ps] = 0x00;
    if (mlen >= 2 && kind != PMS_NO_SEP) {
        em[k - mlen] = 0x03;
        em[k - mlen + 1] = kind == PMS_VERSION ? 0x01 : 0x03;
    }
    ok = pc != NULL && EVP_PKEY_encrypt_init(pc) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) == 1 &&
         EVP_PKEY_encrypt(pc, out, &outlen, em, k) == 1 && outlen == 256;
    EVP_PKEY_CTX_free(pc);
    OPENSSL_cleanse(em, sizeof(em));
    return ok;
}

/* What one RSA connection looked like from outside and inside. */
struct rsa_outcome {
    int rc, alert_received, alert_sent;
    bool client_failed, tampered;
    size_t sent;
    char records[256], error[320];
    struct trace trace;
};

static void rsa_once(struct tls_server_ctx *x, struct trace *trace, SSL_CTX *cctx,
                     enum tamper tamper, const uint8_t *cke, struct rsa_outcome *o)
{
    struct pair p;
    char err[256];

    memset(o, 0, sizeof(*o));
    memset(trace, 0, sizeof(*trace));
    o->rc = -2;
    if (!client_new(&p.cl, cctx))
        return;
    p.cl.tamper = tamper;
    p.cl.cke = cke;
    p.cl.cke_len = 256;
    p.c = tls_server_accept(x, (struct tls_io){.ctx = &p.cl, .recv = io_recv, .send = io_send},
                            err, sizeof(err));
    if (p.c != NULL) {
        o->rc = tls_handshake(p.c);
        snprintf(o->error, sizeof(o->error), "%s", tls_error(p.c));
        for (unsigned i = 0; i < DATA_STEPS && !p.cl.failed && !SSL_is_init_finished(p.cl.ssl); i++)
            client_step(&p.cl);
        if (o->rc == 0)
            CHECK(SSL_is_init_finished(p.cl.ssl) && exchange(&p, 100));
    }
    o->alert_received = p.cl.alert_received;
    o->alert_sent = p.cl.alert_sent;
    o->client_failed = p.cl.failed;
    o->tampered = p.cl.tampered;
    o->sent = p.cl.sent;
    memcpy(o->records, p.cl.records, sizeof(o->records));
    o->trace = *trace;
    pair_free(&p);
}

static bool same_trace(const struct trace *a, const struct trace *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->lines[i], b->lines[i]) != 0) {
            fprintf(stderr, "  trace line %zu: \"%s\" vs \"%s\"\n", i, a->lines[i], b->lines[i]);
            return false;
        }
    return true;
}

static void run_rsa_robustness(void)
{
    static struct trace trace;
    static struct rsa_outcome good, first, o;
    static const struct copt copt = {TLS1_2_VERSION, TLS1_2_VERSION, NULL, "AES128-GCM-SHA256"};
    struct tls_server_ctx *x = server_ctx(C_RSA, NULL, false, &trace);
    SSL_CTX *cctx = client_ctx(&copt);
    uint8_t cke[256];
    unsigned before = check_failed;

    CHECK(x != NULL && cctx != NULL);
    if (x == NULL || cctx == NULL)
        goto out;
    /* the untouched exchange first: the interceptor must not be what fails */
    rsa_once(x, &trace, cctx, T_NONE, NULL, &good);
    CHECK_EQ(good.rc, 0);
    if (getenv("SSLPROV_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "  untouched: server sent %zu bytes: %s\n", good.sent, good.records);
        for (size_t i = 0; i < good.trace.n; i++)
            fprintf(stderr, "    %s\n", good.trace.lines[i]);
    }
    printf("%-48s %s\n", "1.2 RSA kx: untouched ClientKeyExchange", check_failed == before ? "pass" : "FAIL");

    for (int k = 0; k < N_PMS; k++) {
        unsigned b = check_failed;

        CHECK(make_cke((enum pms_kind)k, cke));
        rsa_once(x, &trace, cctx, T_CKE, cke, k == 0 ? &first : &o);
        {
            const struct rsa_outcome *r = k == 0 ? &first : &o;

            CHECK(r->tampered);
            CHECK_EQ(r->rc, -1);
            /* no failure at ClientKeyExchange: the master key was made (implicit rejection)
             * and the first thing to fail is the client's Finished, which does not decrypt */
            CHECK(strstr(r->error, "record") == r->error);
            CHECK(strstr(r->error, "(sent alert bad_record_mac)") != NULL);
            CHECK_EQ(r->alert_received, SSL_AD_BAD_RECORD_MAC);
            CHECK(r->client_failed);
            /* the server's messages up to the alert are the untouched run's */
            CHECK(r->sent > 7 && strncmp(r->records, good.records, strlen(r->records) - 5) == 0);
            if (k > 0) {
                /* indistinguishable from the control */
                CHECK(strcmp(r->error, first.error) == 0);
                CHECK_EQ(r->alert_received, first.alert_received);
                CHECK_EQ(r->sent, first.sent);
                CHECK(strcmp(r->records, first.records) == 0);
                CHECK(same_trace(&r->trace, &first.trace));
            }
            if (check_failed != b || getenv("SSLPROV_TEST_VERBOSE") != NULL)
                fprintf(stderr, "  %s: %s; server sent %zu bytes: %s\n", pms_names[k], r->error,
                        r->sent, r->records);
        }
        printf("1.2 RSA kx: %-36s %s\n", pms_names[k], check_failed == b ? "pass" : "FAIL");
    }
    /* a good ciphertext, then the client's Finished corrupted: the same again */
    {
        unsigned b = check_failed;

        rsa_once(x, &trace, cctx, T_FINISHED, NULL, &o);
        CHECK(o.tampered);
        CHECK(strcmp(o.error, first.error) == 0);
        CHECK_EQ(o.alert_received, first.alert_received);
        CHECK_EQ(o.sent, first.sent);
        CHECK(strcmp(o.records, first.records) == 0);
        CHECK(same_trace(&o.trace, &first.trace));
        if (check_failed != b)
            fprintf(stderr, "  Finished flipped: %s; %zu bytes: %s\n", o.error, o.sent, o.records);
        printf("1.2 RSA kx: %-36s %s\n", "good pre-master, Finished corrupted", check_failed == b ? "pass" : "FAIL");
    }
out:
    SSL_CTX_free(cctx);
    tls_server_ctx_free(x);
}

int main(void)
{
    CHECK(credentials());
    CHECK(SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0) == SEC_E_OK);
    if (check_failed == 0) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            run_case(&cases[i]);
        for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
            run_twin(&twins[i]);
        run_alpn();
        run_client_alert(TLS1_3_VERSION);
        run_client_alert(TLS1_2_VERSION);
        run_client_reneg();
        run_psk_twins();
        for (size_t i = 0; i < sizeof(psk_cases) / sizeof(psk_cases[0]); i++)
            run_psk_case(&psk_cases[i]);
        run_ems_resumption(false);
        run_ems_resumption(true);
        run_rsa_robustness();
    }
    if (prov != 0)
        SslFreeObject(prov, 0);
    X509_STORE_free(trust);
    sk_X509_free(ca_chain);
    for (int i = 0; i < N_CERTS; i++) {
        SslProvFreeCertificateContext(contexts[i]);
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return check_summary();
}
