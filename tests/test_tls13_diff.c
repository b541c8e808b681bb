/* Differential against OpenSSL's libssl TLS 1.3 (issue 5): real TLS 1.3 connections between a
 * libssl client and a libssl server over an in-memory pipe (tests/support/libssl13_peer.h), checked
 * through our public API only, for every TLS 1.3 suite libssl 3.0 lets SSL_CTX_set_ciphersuites
 * enable (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
 * TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256):
 *
 * - (EC)DHE, groups X25519 and P-256: libssl's keylog secrets (CLIENT/SERVER_HANDSHAKE_TRAFFIC_
 *   SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET) enter as OpaqueKeyBlobs (stage 4,
 *   exporter 6); SslComputeFinishedHash over the transcript equals both Finished messages.
 * - HelloRetryRequest (client share X25519, server P-256 only): the same, over the transcript
 *   that starts with the synthetic message_hash (the caller builds it: RFC 8446 §4.4.1).
 * - psk_ke with an external PSK (SSL_OP_ALLOW_NO_DHE_KEX, no common group), with and without
 *   0-RTT: our whole schedule (SslExtractEarlyKey on the imported PSK, SslExtractHandshakeKey
 *   with both exchange handles 0, ...) equals every keylog line, early ones included; our
 *   "ext binder" equals the binder in libssl's ClientHello; our resumption master secret and
 *   SslExpandPreSharedKey with each NewSessionTicket's nonce equal the PSK libssl stored in the
 *   session of that ticket (SSL_SESSION_get_master_key).
 * - Resumption chain with those tickets: psk_ke, psk_ke + 0-RTT (CLIENT_EARLY_TRAFFIC_SECRET,
 *   EARLY_EXPORTER_SECRET) and psk_dhe_ke; our "res binder" equals libssl's; for psk_ke every
 *   secret equals the resumed connection's keylog. An external PSK in psk_dhe_ke: the binder.
 * - Records, every connection: every record libssl wrote in both directions — handshake,
 *   NewSessionTicket, KeyUpdate, 0-RTT, application data, close_notify — is decrypted by our
 *   write keys (SslExpandWriteKey of those secrets, sequence numbers from 0 per key), to the
 *   TLSInnerPlaintext (content ‖ type ‖ libssl's zero padding when block padding is on), and our
 *   encryption of that inner plaintext reproduces the record byte for byte. The handshake bytes
 *   recovered this way equal the messages libssl's message callback delivered. Our own records
 *   (data ‖ 23 [‖ zeros], outer type 23), put in place of libssl's record with the same sequence
 *   number, are read by libssl's SSL_read in both directions, up to 16384 bytes of data.
 * - KeyUpdate both ways (SSL_key_update(SSL_KEY_UPDATE_REQUESTED) on each side): our walker
 *   follows with SslExpandNextGenTrafficKey; records after the update interoperate both ways.
 *   libssl 3.0 logs no updated secrets (checked: would be compared if it did).
 * - Exporter: SslExportKeyingMaterial with EXPORTER_SECRET imported (and, for psk_ke, derived)
 *   equals SSL_export_keying_material with a context, with an empty one and without one (the
 *   same in TLS 1.3); with 0-RTT the early exporter equals SSL_export_keying_material_early.
 * - Negative twins: every byte of the first record under each key flipped (header bytes 3-4
 *   NTE_BAD_DATA, others STATUS_AUTH_TAG_MISMATCH), a wrong SequenceNumber on every record
 *   (STATUS_AUTH_TAG_MISMATCH), a truncated record (NTE_BAD_DATA), inner plaintexts of 0 and
 *   16386 bytes on encryption (NTE_INVALID_PARAMETER), and nonce reuse (NTE_INVALID_PARAMETER).
 *
 * In the P-256 runs libssl pads every record (SSL_CTX_set_block_padding 64). libssl 3.0 facts
 * this test relies on (see libssl13_peer.h): the message callback hands over each decrypted
 * handshake message with its 4-byte header; psk_ke needs SSL_OP_ALLOW_NO_DHE_KEX and no common
 * group; a KeyUpdate(update_requested) is answered with the receiver's next write; with 0-RTT
 * configured the server's tickets are stateful and single-use. All libssl objects are driven
 * from this thread; nothing here reaches into sslprov's internals.
 */
#include <openssl/evp.h>
#include "bytes.h"
#include "check.h"
#include "libssl13_peer.h"
#include "sslprovider.h"
#include "traced.h"

#define MAX_DATA 16384
#define TAMPER_ALL_MAX 4096 /* records up to this size get every byte flipped */

static NCRYPT_PROV_HANDLE prov;
static char where[200];
static struct {
    unsigned conns, ecdhe, hrr, psk_ke, psk_dhe, early, resumed;
    unsigned secrets, imported, finished, binders, ticket_psks, exporters;
    unsigned lib_records, exact, ours, padded, tampered_records, tampered_bytes, key_updates, logged_updates;
} n;

#define EXPECT_CTX where
#include "expect.h"

struct suite {
    const char *name;
    DWORD id;
    const char *md;
    size_t hash_len;
    int enabled;
};

static struct suite suites[] = {
    {"TLS_AES_128_GCM_SHA256", TLS_AES_128_GCM_SHA256, "SHA256", 32, 0},
    {"TLS_AES_256_GCM_SHA384", TLS_AES_256_GCM_SHA384, "SHA384", 48, 0},
    {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, "SHA256", 32, 0},
    {"TLS_AES_128_CCM_SHA256", 0x1304, "SHA256", 32, 0},
    {"TLS_AES_128_CCM_8_SHA256", 0x1305, "SHA256", 32, 0},
};

static const unsigned char ext_psk[] = "sslprov TLS 1.3 external PSK, 48 bytes long ...";
static const char exp_label[] = "EXPERIMENTAL sslprov tls13 diff";
static const unsigned char exp_context[] = "a context value";

/* ==== growing byte buffers ================================================================== */

struct buf {
    BYTE *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const BYTE *p, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2 + 64;
        BYTE *q = realloc(b->p, cap);

        if (q == NULL)
            abort();
        b->p = q, b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ==== secrets through OpaqueKeyBlobs ======================================================== */

/* An 'ssl3' OpaqueKeyBlob of a TLS 1.3 secret (conventions.md §7): 80-byte header (protocol at
 * 0x08, suite at 0x0C, 0x10 = 0, 0x14 = bytes after the header, 0x18 = 0, stage at 0x4C), then
 * KDBM {0x4D42444B, 1, cbKeyData} and the secret. */
static NCRYPT_KEY_HANDLE import_secret(DWORD suite, DWORD stage, const BYTE *secret, size_t len)
{
    BYTE blob[80 + 12 + 64] = {0}, again[sizeof(blob)];
    NCRYPT_KEY_HANDLE h = 0;
    DWORD cb = 0;

    put32(blob, (DWORD)(80 + 12 + len));
    put32(blob + 0x04, 0x73736C33); /* 'ssl3' */
    put32(blob + 0x08, TLS1_3_PROTOCOL_VERSION);
    put32(blob + 0x0C, suite);
    put32(blob + 0x14, (DWORD)(12 + len));
    put32(blob + 0x4C, stage);
    put32(blob + 80, 0x4D42444B);
    put32(blob + 84, 1);
    put32(blob + 88, (DWORD)len);
    memcpy(blob + 92, secret, len);
    EXPECT_ST(SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, (DWORD)(92 + len), 0), SEC_E_OK);
    /* it exports to the same blob */
    EXPECT_ST(SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, again, sizeof(again), &cb, 0), SEC_E_OK);
    EXPECT(cb == 92 + len && memcmp(again, blob, cb) == 0);
    n.imported++;
    return h;
}

/* The secret a TLS 1.3 object holds, read back through its OpaqueKeyBlob. */
static int secret_of(NCRYPT_KEY_HANDLE h, DWORD stage, DWORD suite, BYTE *out, size_t *len)
{
    BYTE blob[80 + 12 + 64];
    DWORD cb = 0;

    *len = 0;
    if (SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) != SEC_E_OK || cb < 92
        || get32(blob) != cb || get32(blob + 4) != 0x73736C33 || get32(blob + 8) != TLS1_3_PROTOCOL_VERSION
        || get32(blob + 0x0C) != suite || get32(blob + 0x18) != 0 || get32(blob + 0x4C) != stage
        || get32(blob + 80) != 0x4D42444B || get32(blob + 84) != 1 || get32(blob + 88) != cb - 92)
        return 0;
    *len = cb - 92;
    memcpy(out, blob + 92, *len);
    return 1;
}

/* ==== one connection ======================================================================== */

enum phase { PH_PLAIN, PH_EARLY, PH_HS, PH_AP };

/* Our record layer for what one libssl side wrote, driven by the content like a receiver's:
 * plaintext until the first encrypted record, then the early key (0-RTT) until
 * EndOfEarlyData, the handshake key until Finished, the application key, and the next
 * generation after each KeyUpdate. */
struct dir {
    int from_client;
    size_t off;                     /* next byte of the wire log to walk */
    enum phase phase;
    NCRYPT_KEY_HANDLE early, hs, ap; /* traffic secrets (the run's) */
    NCRYPT_KEY_HANDLE secret;       /* the current one */
    int owns_secret;                /* a next-generation secret of ours */
    NCRYPT_KEY_HANDLE wk;           /* its write key */
    ULONGLONG seq;
    ULONGLONG prev_count;           /* records under the previous key */
    int fresh;                      /* the next record is the first under wk */
    unsigned gen;                   /* KeyUpdates followed */
    struct buf hs_bytes;            /* handshake bytes recovered (plaintext and decrypted) */
    size_t hs_scan;
    struct buf app;                 /* application data recovered */
};

struct run {
    struct p13_conn *c;
    const struct suite *s;
    DWORD tag;                      /* AEAD tag length: SslLookupCipherLengths' trailer */
    int hrr;
    size_t i_ch, i_sh, i_sfin, i_cfin;
    NCRYPT_KEY_HANDLE cet, chs, shs, cap, sap, exp, eexp; /* traffic / exporter secrets */
    NCRYPT_KEY_HANDLE ticket_psk[P13_MAX_SESSIONS];      /* ours, per NewSessionTicket */
    size_t ntickets;
    struct dir d[2];                /* d[1]: what the client wrote, d[0]: the server */
};

static void run_free(struct run *r)
{
    NCRYPT_KEY_HANDLE *hs[] = {&r->cet, &r->chs, &r->shs, &r->cap, &r->sap, &r->exp, &r->eexp};

    for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
        if (*hs[i])
            SslFreeObject(*hs[i], 0), *hs[i] = 0;
    for (size_t i = 0; i < r->ntickets; i++)
        if (r->ticket_psk[i])
            SslFreeObject(r->ticket_psk[i], 0);
    for (int i = 0; i < 2; i++) {
        struct dir *d = &r->d[i];

        if (d->wk)
            SslFreeObject(d->wk, 0);
        if (d->owns_secret)
            SslFreeObject(d->secret, 0);
        buf_free(&d->hs_bytes);
        buf_free(&d->app);
    }
    memset(r, 0, sizeof(*r));
}

/* Finds the messages that matter; 0 if the transcript is not a complete TLS 1.3 handshake. */
static int run_index(struct run *r)
{
    struct p13_conn *c = r->c;
    size_t sh0 = p13_find_msg(c, SSL3_MT_SERVER_HELLO, 0, 0);

    r->hrr = sh0 != PEER_NO_INDEX && p13_is_hrr(&c->msgs[sh0]);
    r->i_ch = p13_find_msg(c, SSL3_MT_CLIENT_HELLO, 1, r->hrr ? 1 : 0);
    r->i_sh = p13_find_msg(c, SSL3_MT_SERVER_HELLO, 0, r->hrr ? 1 : 0);
    r->i_sfin = p13_find_msg(c, SSL3_MT_FINISHED, 0, 0);
    r->i_cfin = p13_find_msg(c, SSL3_MT_FINISHED, 1, 0);
    EXPECT(sh0 == 1 && c->msgs[0].data[0] == SSL3_MT_CLIENT_HELLO);
    EXPECT(r->i_ch != PEER_NO_INDEX && r->i_sh != PEER_NO_INDEX && r->i_sfin != PEER_NO_INDEX
           && r->i_cfin != PEER_NO_INDEX && r->i_ch < r->i_sh && r->i_sh < r->i_sfin && r->i_sfin < r->i_cfin);
    EXPECT(r->c->cipher_id == r->s->id);
    return sh0 == 1 && r->i_ch != PEER_NO_INDEX && r->i_sh != PEER_NO_INDEX && r->i_sfin != PEER_NO_INDEX
           && r->i_cfin != PEER_NO_INDEX && r->i_sh < r->i_sfin && r->i_sfin < r->i_cfin;
}

/* Transcript messages [from, to) into h; after a HelloRetryRequest ClientHello1 is replaced by
 * the synthetic message_hash = 0xFE 00 00 Hash.length ‖ Hash(ClientHello1), which the caller
 * builds (conventions.md §6; computed with libcrypto: our API has no digest output for TLS 1.3). */
static void feed(struct run *r, NCRYPT_HASH_HANDLE h, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct peer_msg *m = &r->c->msgs[i];

        if (i == 0 && r->hrr) {
            BYTE mh[4 + EVP_MAX_MD_SIZE] = {0xFE, 0, 0, (BYTE)r->s->hash_len};
            unsigned int len = 0;
            EVP_MD *md = EVP_MD_fetch(NULL, r->s->md, NULL);

            EXPECT(md != NULL && EVP_Digest(m->data, m->len, mh + 4, &len, md, NULL) && len == r->s->hash_len);
            EVP_MD_free(md);
            EXPECT_ST(SslHashHandshake(prov, h, mh, 4 + (DWORD)r->s->hash_len, 0), SEC_E_OK);
        } else {
            EXPECT_ST(SslHashHandshake(prov, h, m->data, (DWORD)m->len, 0), SEC_E_OK);
        }
    }
}

static NCRYPT_HASH_HANDLE transcript(struct run *r, size_t to)
{
    NCRYPT_HASH_HANDLE h = 0;

    EXPECT_ST(SslCreateHandshakeHash(prov, &h, TLS1_3_PROTOCOL_VERSION, r->s->id, 0), SEC_E_OK);
    feed(r, h, 0, to);
    return h;
}

/* Our object's secret equals libssl's keylog line; the line names this connection. */
static void expect_secret(struct run *r, NCRYPT_KEY_HANDLE h, DWORD stage, const char *label)
{
    const struct p13_keylog *k = p13_keylog_find(r->c, label);
    BYTE s[64];
    size_t len = 0;

    EXPECT(k != NULL);
    EXPECT(secret_of(h, stage, r->s->id, s, &len));
    if (k == NULL)
        return;
    test_secret(k->secret, k->len);
    EXPECT(memcmp(k->client_random, r->c->msgs[0].data + 6, 32) == 0);
    if (len != k->len || memcmp(s, k->secret, len) != 0) {
        fprintf(stderr, "[%s] %s differs from libssl's keylog\n", where, label);
        EXPECT(!"secret");
    } else {
        EXPECT(1);
        n.secrets++;
    }
}

static NCRYPT_KEY_HANDLE keylog_secret(struct run *r, const char *label, DWORD stage)
{
    const struct p13_keylog *k = p13_keylog_find(r->c, label);

    EXPECT(k != NULL && k->len == r->s->hash_len);
    if (k != NULL)
        test_secret(k->secret, k->len);
    return k != NULL ? import_secret(r->s->id, stage, k->secret, k->len) : 0;
}

/* Both Finished messages: SslComputeFinishedHash with the handshake traffic secrets. */
static void check_finished(struct run *r)
{
    NCRYPT_HASH_HANDLE h = transcript(r, r->i_sfin);
    const struct peer_msg *sf = &r->c->msgs[r->i_sfin], *cf = &r->c->msgs[r->i_cfin];
    BYTE out[64];

    EXPECT(sf->len == 4 + r->s->hash_len && cf->len == 4 + r->s->hash_len);
    EXPECT_ST(SslComputeFinishedHash(prov, r->shs, h, out, (DWORD)r->s->hash_len, 0), SEC_E_OK);
    EXPECT(memcmp(out, sf->data + 4, r->s->hash_len) == 0);
    feed(r, h, r->i_sfin, r->i_cfin);
    EXPECT_ST(SslComputeFinishedHash(prov, r->chs, h, out, (DWORD)r->s->hash_len, 0), SEC_E_OK);
    EXPECT(memcmp(out, cf->data + 4, r->s->hash_len) == 0);
    /* the side is the secret's, not the flags' */
    EXPECT_ST(SslComputeFinishedHash(prov, r->shs, h, out, (DWORD)r->s->hash_len, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    EXPECT(memcmp(out, cf->data + 4, r->s->hash_len) != 0);
    n.finished += 2;
    SslFreeObject(h, 0);
}

/* An extension of a ClientHello or ServerHello: its data, length and offset in the message. */
static const BYTE *find_ext(const struct peer_msg *m, unsigned type, size_t *len, size_t *at)
{
    const BYTE *p = m->data, *end = m->data + m->len;
    size_t o = 4 + 2 + 32;

    if (m->len < o + 1)
        return NULL;
    o += 1 + p[o];                                  /* legacy_session_id */
    if (p[0] == SSL3_MT_CLIENT_HELLO) {
        if (o + 2 > m->len)
            return NULL;
        o += 2 + get16be(p + o);                      /* cipher_suites */
        if (o + 1 > m->len)
            return NULL;
        o += 1 + p[o];                              /* legacy_compression_methods */
    } else {
        o += 2 + 1;                                 /* cipher_suite, compression */
    }
    if (o + 2 > m->len)
        return NULL;
    o += 2;
    while (p + o + 4 <= end) {
        size_t t = get16be(p + o), l = get16be(p + o + 2);

        if (p + o + 4 + l > end)
            return NULL;
        if (t == type) {
            *len = l;
            if (at)
                *at = o + 4;
            return p + o + 4;
        }
        o += 4 + l;
    }
    return NULL;
}

/* The first binder of the ClientHello's pre_shared_key extension (the last extension) equals
 * SslComputeFinishedHash(SslExpandBinderKey(early, flag)) over the ClientHello truncated
 * before the binders list (RFC 8446 §4.2.11.2). */
static void check_binder(struct run *r, NCRYPT_KEY_HANDLE early, DWORD flag)
{
    const struct peer_msg *ch = &r->c->msgs[r->i_ch];
    size_t len = 0, at = 0, o;
    const BYTE *psk = find_ext(ch, 41, &len, &at);
    NCRYPT_KEY_HANDLE bk = 0, other = 0;
    NCRYPT_HASH_HANDLE h = 0;
    BYTE out[64];

    EXPECT(psk != NULL && at + len == ch->len);
    if (psk == NULL || len < 2)
        return;
    o = 2 + get16be(psk);                                 /* identities */
    EXPECT(o + 2 + 1 + r->s->hash_len <= len && psk[o + 2] == r->s->hash_len);
    if (o + 2 + 1 + r->s->hash_len > len)
        return;
    EXPECT_ST(SslExpandBinderKey(prov, early, &bk, NULL, flag), SEC_E_OK);
    EXPECT_ST(SslCreateHandshakeHash(prov, &h, TLS1_3_PROTOCOL_VERSION, r->s->id, 0), SEC_E_OK);
    EXPECT_ST(SslHashHandshake(prov, h, ch->data, (DWORD)(at + o), 0), SEC_E_OK);
    EXPECT_ST(SslComputeFinishedHash(prov, bk, h, out, (DWORD)r->s->hash_len, 0), SEC_E_OK);
    if (memcmp(out, psk + o + 3, r->s->hash_len) != 0) {
        fprintf(stderr, "[%s] binder differs from libssl's ClientHello\n", where);
        EXPECT(!"binder");
    } else {
        EXPECT(1);
        n.binders++;
    }
    /* the other kind of binder key gives another binder */
    EXPECT_ST(SslExpandBinderKey(prov, early, &other, NULL, flag ^ 3), SEC_E_OK);
    EXPECT_ST(SslComputeFinishedHash(prov, other, h, out, (DWORD)r->s->hash_len, 0), SEC_E_OK);
    EXPECT(memcmp(out, psk + o + 3, r->s->hash_len) != 0);
    SslFreeObject(other, 0), SslFreeObject(bk, 0), SslFreeObject(h, 0);
}

/* Our PSK for each NewSessionTicket (SslExpandPreSharedKey with its nonce) equals the master
 * key libssl's client stored in the session of that ticket. */
static void ticket_psks(struct run *r, NCRYPT_KEY_HANDLE res)
{
    unsigned k = 0;

    for (size_t i = r->i_cfin + 1; i < r->c->nmsgs; i++) {
        const struct peer_msg *m = &r->c->msgs[i];
        BYTE ours[64], theirs[64];
        DWORD cb = 0;
        size_t tl;

        if (m->from_client || m->data[0] != SSL3_MT_NEWSESSION_TICKET)
            continue;
        EXPECT(m->len >= 4 + 9 && m->len >= 4 + 9 + (size_t)m->data[12] && k < P13_MAX_SESSIONS);
        if (m->len < 4 + 9 || m->len < 4 + 9 + (size_t)m->data[12] || k >= P13_MAX_SESSIONS)
            return;
        EXPECT_ST(SslExpandPreSharedKey(prov, res, m->data + 13, m->data[12], &r->ticket_psk[k], NULL, 0), SEC_E_OK);
        r->ntickets = ++k;
        EXPECT_ST(SslExportKey(prov, r->ticket_psk[k - 1], TLS_13_PRE_SHARED_KEY, ours, sizeof(ours), &cb, 0), SEC_E_OK);
        EXPECT(k <= r->c->nsessions);
        if (k > r->c->nsessions)
            return;
        tl = SSL_SESSION_get_master_key(r->c->sessions[k - 1], theirs, sizeof(theirs));
        if (cb != r->s->hash_len || tl != cb || memcmp(ours, theirs, cb) != 0) {
            fprintf(stderr, "[%s] resumption PSK of ticket %u differs from libssl's session\n", where, k);
            EXPECT(!"ticket PSK");
        } else {
            EXPECT(1);
            n.ticket_psks++;
        }
    }
    EXPECT(k == r->c->nsessions && k > 0);
}

/* psk_ke: the whole schedule is ours, from the PSK and the transcript; every secret must equal
 * libssl's keylog. Leaves our traffic secrets in r and our PSK of each ticket in ticket_psk[]. */
static void psk_ke_schedule(struct run *r, NCRYPT_KEY_HANDLE psk, DWORD binder_flag)
{
    NCRYPT_KEY_HANDLE early = 0, hs = 0, master = 0, res = 0;
    NCRYPT_HASH_HANDLE h = 0;
    size_t len = 0;

    /* psk_ke: the ServerHello has no key_share */
    EXPECT(find_ext(&r->c->msgs[r->i_sh], 51, &len, NULL) == NULL);
    EXPECT(find_ext(&r->c->msgs[r->i_sh], 41, &len, NULL) != NULL);
    EXPECT_ST(SslExtractEarlyKey(prov, psk, &early, TLS1_3_PROTOCOL_VERSION, r->s->id, NULL, 0), SEC_E_OK);
    check_binder(r, early, binder_flag);
    h = transcript(r, r->i_ch + 1);
    if (r->c->early_status == SSL_EARLY_DATA_ACCEPTED) {
        EXPECT_ST(SslExpandTrafficKeys(prov, early, h, &r->cet, NULL, NULL, 0), SEC_E_OK);
        expect_secret(r, r->cet, 4, "CLIENT_EARLY_TRAFFIC_SECRET");
        EXPECT_ST(SslExpandExporterMasterKey(prov, early, h, &r->eexp, NULL, 0), SEC_E_OK);
        expect_secret(r, r->eexp, 6, "EARLY_EXPORTER_SECRET");
    } else {
        EXPECT(p13_keylog_find(r->c, "CLIENT_EARLY_TRAFFIC_SECRET") == NULL);
    }
    feed(r, h, r->i_ch + 1, r->i_sh + 1);
    EXPECT_ST(SslExtractHandshakeKey(prov, 0, 0, early, &hs, NULL, 0), SEC_E_OK);
    EXPECT_ST(SslExpandTrafficKeys(prov, hs, h, &r->chs, &r->shs, NULL, 0), SEC_E_OK);
    expect_secret(r, r->chs, 4, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    expect_secret(r, r->shs, 4, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    feed(r, h, r->i_sh + 1, r->i_sfin + 1);
    EXPECT_ST(SslExtractMasterKey(prov, hs, &master, NULL, 0), SEC_E_OK);
    EXPECT_ST(SslExpandExporterMasterKey(prov, master, h, &r->exp, NULL, 0), SEC_E_OK);
    expect_secret(r, r->exp, 6, "EXPORTER_SECRET");
    EXPECT_ST(SslExpandTrafficKeys(prov, master, h, &r->cap, &r->sap, NULL, 0), SEC_E_OK);
    expect_secret(r, r->cap, 4, "CLIENT_TRAFFIC_SECRET_0");
    expect_secret(r, r->sap, 4, "SERVER_TRAFFIC_SECRET_0");
    feed(r, h, r->i_sfin + 1, r->i_cfin + 1);
    EXPECT_ST(SslExpandResumptionMasterKey(prov, master, h, &res, NULL, 0), SEC_E_OK);
    ticket_psks(r, res);
    SslFreeObject(res, 0), SslFreeObject(master, 0), SslFreeObject(hs, 0), SslFreeObject(early, 0);
    SslFreeObject(h, 0);
}

/* (EC)DHE (also psk_dhe_ke): the secrets are libssl's, imported from its keylog. */
static void import_keylog(struct run *r)
{
    r->chs = keylog_secret(r, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 4);
    r->shs = keylog_secret(r, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 4);
    r->cap = keylog_secret(r, "CLIENT_TRAFFIC_SECRET_0", 4);
    r->sap = keylog_secret(r, "SERVER_TRAFFIC_SECRET_0", 4);
    r->exp = keylog_secret(r, "EXPORTER_SECRET", 6);
    EXPECT(p13_keylog_find(r->c, "CLIENT_EARLY_TRAFFIC_SECRET") == NULL);
}

/* SslExportKeyingMaterial against SSL_export_keying_material (both libssl sides): with a
 * context, with an empty one and without one (RFC 8446 §7.5: the same in TLS 1.3). */
static void check_exporter(struct run *r, NCRYPT_KEY_HANDLE exp, int early)
{
    static const size_t lens[] = {1, 32, 100};
    BYTE ours[100], lib[100], lib2[100], none[100];

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t L = lens[i];

        for (int with = 0; with <= 1; with++) {
            const BYTE *cv = with ? exp_context : NULL;
            WORD cl = with ? (WORD)(sizeof(exp_context) - 1) : 0;
            int ok, ok2 = 1;

            EXPECT_ST(SslExportKeyingMaterial(prov, exp, (PCHAR)exp_label, NULL, 0, (PBYTE)cv, cl, ours, (DWORD)L, 0),
                      SEC_E_OK);
            if (early) {
                ok = SSL_export_keying_material_early(r->c->client, lib, L, exp_label, sizeof(exp_label) - 1,
                                                      with ? exp_context : (const BYTE *)"", cl);
            } else {
                ok = SSL_export_keying_material(r->c->client, lib, L, exp_label, sizeof(exp_label) - 1, cv, cl, with);
                ok2 = SSL_export_keying_material(r->c->server, lib2, L, exp_label, sizeof(exp_label) - 1, cv, cl, with)
                      && memcmp(lib, lib2, L) == 0;
            }
            EXPECT(ok == 1 && ok2 == 1);
            EXPECT(memcmp(ours, lib, L) == 0);
            if (!with) {
                /* an empty context given as a pointer and length 0, and libssl's use_context=1 */
                EXPECT_ST(SslExportKeyingMaterial(prov, exp, (PCHAR)exp_label, NULL, 0, (PBYTE)exp_context, 0, none,
                                                  (DWORD)L, 0), SEC_E_OK);
                EXPECT(memcmp(none, ours, L) == 0);
                if (!early) {
                    EXPECT(SSL_export_keying_material(r->c->client, lib2, L, exp_label, sizeof(exp_label) - 1,
                                                      exp_context, 0, 1) == 1);
                    EXPECT(memcmp(ours, lib2, L) == 0);
                }
            }
            n.exporters++;
        }
    }
}

/* ==== our record layer over libssl's wire =================================================== */

static void dir_set_key(struct dir *d, NCRYPT_KEY_HANDLE secret, int owned, enum phase ph)
{
    if (d->wk)
        SslFreeObject(d->wk, 0), d->wk = 0;
    if (d->owns_secret)
        SslFreeObject(d->secret, 0);
    d->prev_count = d->seq;
    d->secret = secret;
    d->owns_secret = owned;
    d->phase = ph;
    d->seq = 0;
    d->fresh = 1;
    EXPECT(secret != 0);
    EXPECT_ST(SslExpandWriteKey(prov, secret, &d->wk, NULL, 0), SEC_E_OK);
}

/* A newly decrypted handshake message in PH_EARLY/PH_HS/PH_AP may end the key: returns the
 * phase to switch to after this record (PH_PLAIN: none; PH_AP from PH_AP: KeyUpdate). */
static enum phase scan_messages(struct dir *d, const BYTE *p, size_t len)
{
    enum phase next = PH_PLAIN;

    buf_add(&d->hs_bytes, p, len);
    while (d->hs_bytes.len - d->hs_scan >= 4) {
        const BYTE *m = d->hs_bytes.p + d->hs_scan;
        size_t ml = 4 + get24be(m + 1);

        if (d->hs_bytes.len - d->hs_scan < ml)
            break;
        d->hs_scan += ml;
        if (d->phase == PH_EARLY && m[0] == SSL3_MT_END_OF_EARLY_DATA)
            next = PH_HS;
        else if (d->phase == PH_HS && m[0] == SSL3_MT_FINISHED)
            next = PH_AP;
        else if (d->phase == PH_AP && m[0] == SSL3_MT_KEY_UPDATE)
            next = PH_AP;
    }
    return next;
}

/* Negative twins on one of libssl's records (rec, rl) at its sequence number. */
static void tamper(struct dir *d, const BYTE *rec, size_t rl)
{
    BYTE *copy = malloc(rl), *out = malloc(rl);
    DWORD got = 0;
    size_t step = rl <= TAMPER_ALL_MAX ? 1 : 37;

    memcpy(copy, rec, rl);
    for (size_t b = 0; b < rl; b += (b < 16 || b + 16 >= rl) ? 1 : step) {
        copy[b] ^= 0x01;
        EXPECT_ST(SslDecryptPacket(prov, d->wk, copy, (DWORD)rl, out, (DWORD)rl, &got, d->seq, 0),
                  b == 3 || b == 4 ? NTE_BAD_DATA : STATUS_AUTH_TAG_MISMATCH);
        copy[b] ^= 0x01;
        n.tampered_bytes++;
    }
    EXPECT_ST(SslDecryptPacket(prov, d->wk, copy, (DWORD)rl - 1, out, (DWORD)rl, &got, d->seq, 0), NTE_BAD_DATA);
    /* sequence numbers restart at 0 under each key: the running count of the last key fails */
    if (d->prev_count != 0)
        EXPECT_ST(SslDecryptPacket(prov, d->wk, copy, (DWORD)rl, out, (DWORD)rl, &got, d->prev_count, 0),
                  STATUS_AUTH_TAG_MISMATCH);
    n.tampered_records++;
    free(copy), free(out);
}

/* Our own record in place of libssl's: sub ‖ 23 ‖ pad zeros at the same sequence number. */
static void our_record(struct run *r, struct dir *d, const BYTE *sub, size_t sub_len, size_t pad, struct buf *out)
{
    size_t il = sub_len + 1 + pad;
    BYTE *inner = calloc(1, il + 1), *rec = malloc(il + 5 + r->tag + 1);
    DWORD got = 0;

    memcpy(inner, sub, sub_len);
    inner[sub_len] = SSL3_RT_APPLICATION_DATA;
    /* the provider refuses inner plaintexts of 0 and 16386 bytes, and leaves the key as it was */
    EXPECT_ST(SslEncryptPacket(prov, d->wk, inner, 0, rec, (DWORD)(il + 5 + r->tag), &got, d->seq, 23, 0),
              NTE_INVALID_PARAMETER);
    {
        BYTE *big = calloc(1, MAX_DATA + 2), *bigrec = malloc(MAX_DATA + 2 + 5 + 16);

        EXPECT_ST(SslEncryptPacket(prov, d->wk, big, MAX_DATA + 2, bigrec, MAX_DATA + 2 + 5 + 16, &got, d->seq, 23, 0),
                  NTE_INVALID_PARAMETER);
        free(big), free(bigrec);
    }
    EXPECT_ST(SslEncryptPacket(prov, d->wk, inner, (DWORD)il, rec, (DWORD)(il + 5 + r->tag), &got, d->seq, 23, 0),
              SEC_E_OK);
    EXPECT(got == il + 5 + r->tag && rec[0] == 23 && rec[1] == 3 && rec[2] == 3 && get16be(rec + 3) == il + r->tag);
    /* no nonce reuse within one key object */
    EXPECT_ST(SslEncryptPacket(prov, d->wk, inner, (DWORD)il, rec, (DWORD)(il + 5 + r->tag), &got, d->seq, 23, 0),
              NTE_INVALID_PARAMETER);
    buf_add(out, rec, il + 5 + r->tag);
    n.ours++;
    free(inner), free(rec);
}

/* Walks the bytes one libssl side wrote since the last walk. out (may be NULL) receives what
 * to deliver: libssl's records unchanged, except that with sub the (one) application-data
 * record is replaced by ours. */
static void walk(struct run *r, struct dir *d, const BYTE *sub, size_t sub_len, size_t pad, struct buf *out)
{
    const BYTE *w = r->c->wire[d->from_client];
    size_t end = r->c->wire_len[d->from_client];
    struct buf scratch = {0};

    if (out == NULL)
        out = &scratch;
    while (d->off < end) {
        const BYTE *rec = w + d->off;
        size_t rl, il, k;
        BYTE *inner, *again;
        DWORD got = 0;
        enum phase next;

        if (end - d->off < 5 || end - d->off < 5 + get16be(rec + 3)) {
            EXPECT(!"partial record on the wire");
            break;
        }
        rl = 5 + get16be(rec + 3);
        d->off += rl;
        EXPECT(rec[1] == 3 && (rec[2] == 3 || (rec[2] == 1 && rec[0] == 22)));
        if (rec[0] == SSL3_RT_CHANGE_CIPHER_SPEC) {        /* middlebox compatibility */
            EXPECT(rl == 6 && rec[5] == 1);
            buf_add(out, rec, rl);
            continue;
        }
        if (rec[0] == SSL3_RT_HANDSHAKE) {
            EXPECT(d->phase == PH_PLAIN);
            EXPECT(scan_messages(d, rec + 5, rl - 5) == PH_PLAIN);
            buf_add(out, rec, rl);
            continue;
        }
        EXPECT(rec[0] == SSL3_RT_APPLICATION_DATA);
        if (d->phase == PH_PLAIN)
            dir_set_key(d, d->early ? d->early : d->hs, 0, d->early ? PH_EARLY : PH_HS);
        inner = malloc(rl);
        EXPECT_ST(SslDecryptPacket(prov, d->wk, (PBYTE)rec, (DWORD)rl, inner, (DWORD)rl, &got, d->seq, 0), SEC_E_OK);
        EXPECT(got == rl - 5 - r->tag);
        n.lib_records++;
        /* a wrong SequenceNumber fails on every record */
        {
            DWORD g2 = 0;
            BYTE *o2 = malloc(rl);

            EXPECT_ST(SslDecryptPacket(prov, d->wk, (PBYTE)rec, (DWORD)rl, o2, (DWORD)rl, &g2, d->seq + 1, 0),
                      STATUS_AUTH_TAG_MISMATCH);
            if (d->seq)
                EXPECT_ST(SslDecryptPacket(prov, d->wk, (PBYTE)rec, (DWORD)rl, o2, (DWORD)rl, &g2, d->seq - 1, 0),
                          STATUS_AUTH_TAG_MISMATCH);
            free(o2);
        }
        if (d->fresh)
            tamper(d, rec, rl);
        d->fresh = 0;
        il = got <= rl ? got : 0;
        for (k = il; k > 0 && inner[k - 1] == 0; k--)
            ;                                           /* libssl's zero padding, if any */
        EXPECT(k > 0);
        n.padded += k < il;
        if (k == 0) {
            free(inner);
            d->seq++;
            continue;
        }
        if (sub != NULL && inner[k - 1] == SSL3_RT_APPLICATION_DATA) {
            our_record(r, d, sub, sub_len, pad, out);
            sub = NULL;
        } else {
            /* our encryption of libssl's inner plaintext is libssl's record, byte for byte */
            again = malloc(rl + 1);
            EXPECT_ST(SslEncryptPacket(prov, d->wk, inner, (DWORD)il, again, (DWORD)rl, &got, d->seq, 23, 0), SEC_E_OK);
            if (got == rl && memcmp(again, rec, rl) == 0)
                n.exact++;
            else
                EXPECT(!"our record differs from libssl's");
            buf_add(out, rec, rl);
            free(again);
        }
        d->seq++;
        next = PH_PLAIN;
        switch (inner[k - 1]) {
        case SSL3_RT_HANDSHAKE:
            next = scan_messages(d, inner, k - 1);
            break;
        case SSL3_RT_APPLICATION_DATA:
            EXPECT(d->phase == PH_EARLY || d->phase == PH_AP);
            buf_add(&d->app, inner, k - 1);
            break;
        case SSL3_RT_ALERT:                             /* close_notify only */
            EXPECT(k - 1 == 2 && inner[0] == 1 && inner[1] == 0);
            break;
        default:
            EXPECT(!"unexpected inner content type");
        }
        free(inner);
        if (next == PH_HS) {
            dir_set_key(d, d->hs, 0, PH_HS);
        } else if (next == PH_AP && d->phase == PH_HS) {
            dir_set_key(d, d->ap, 0, PH_AP);
        } else if (next == PH_AP) {
            /* KeyUpdate: the next generation of this direction's secret */
            NCRYPT_KEY_HANDLE nx = 0;
            BYTE s[64];
            size_t sl = 0;
            char label[64];
            const struct p13_keylog *kl;

            EXPECT_ST(SslExpandNextGenTrafficKey(prov, d->secret, &nx, NULL, 0), SEC_E_OK);
            EXPECT(secret_of(nx, 4, r->s->id, s, &sl) && sl == r->s->hash_len);
            dir_set_key(d, nx, 1, PH_AP);
            d->gen++;
            n.key_updates++;
            /* libssl 3.0 does not log updated secrets; compare if a later one does */
            snprintf(label, sizeof(label), "%s_TRAFFIC_SECRET_%u", d->from_client ? "CLIENT" : "SERVER", d->gen);
            if ((kl = p13_keylog_find(r->c, label)) != NULL) {
                EXPECT(kl->len == sl && memcmp(kl->secret, s, sl) == 0);
                n.logged_updates++;
            }
        }
    }
    buf_free(&scratch);
}

/* What one side wrote: walked and handed to the other side (with sub: our record instead of
 * libssl's application-data record). */
static void relay(struct run *r, int from_client, const BYTE *sub, size_t sub_len, size_t pad)
{
    struct buf out = {0};

    p13_take(r->c, from_client);
    walk(r, &r->d[from_client], sub, sub_len, pad, &out);
    EXPECT(p13_give(r->c, from_client, out.p, out.len));
    buf_free(&out);
}

/* SSL_read everything available: 1 with data, 0 nothing (handshake messages only), -1 closed
 * or failed. */
static int lib_read(SSL *s, BYTE *buf, size_t cap, size_t *len)
{
    size_t got = 0;

    *len = 0;
    while (*len < cap && SSL_read_ex(s, buf + *len, cap - *len, &got))
        *len += got;
    if (*len)
        return 1;
    return SSL_get_error(s, 0) == SSL_ERROR_WANT_READ ? 0 : -1;
}

/* One SSL_write of `from_client`'s libssl side, walked (its record decrypts to data under our
 * key) and delivered as is or, with sub, replaced by our record; the other side's SSL_read
 * returns what it was given. Whatever the reader writes in turn (a KeyUpdate) is relayed. */
static void xfer(struct run *r, int from_client, const BYTE *data, size_t len, const BYTE *sub, size_t sub_len,
                 size_t pad)
{
    SSL *w = from_client ? r->c->client : r->c->server, *rd = from_client ? r->c->server : r->c->client;
    struct dir *d = &r->d[from_client];
    size_t wrote = 0, app0 = d->app.len, got = 0;
    BYTE *buf = malloc(MAX_DATA + 1);

    EXPECT(SSL_write_ex(w, data, len, &wrote) == 1 && wrote == len);
    relay(r, from_client, sub, sub_len, pad);
    EXPECT(d->app.len - app0 == len && memcmp(d->app.p + app0, data, len) == 0);
    EXPECT(lib_read(rd, buf, MAX_DATA + 1, &got) == 1);
    if (sub != NULL)
        EXPECT(got == sub_len && memcmp(buf, sub, sub_len) == 0);
    else
        EXPECT(got == len && memcmp(buf, data, len) == 0);
    relay(r, !from_client, NULL, 0, 0);
    free(buf);
}

/* Each side in turn: SSL_key_update(SSL_KEY_UPDATE_REQUESTED); our walker follows both
 * directions (the peer answers with its own KeyUpdate), then records interoperate both ways. */
static void key_update(struct run *r, int from_client)
{
    SSL *s = from_client ? r->c->client : r->c->server;
    unsigned g0 = r->d[from_client].gen, g1 = r->d[!from_client].gen;
    static const BYTE after[] = "after the KeyUpdate", ours[] = "ours after the KeyUpdate";

    EXPECT(SSL_key_update(s, SSL_KEY_UPDATE_REQUESTED) == 1);
    EXPECT(SSL_do_handshake(s) == 1);
    xfer(r, from_client, after, sizeof(after) - 1, NULL, 0, 0);
    EXPECT(r->d[from_client].gen == g0 + 1);
    /* the peer's KeyUpdate goes out with its next write (libssl 3.0) */
    xfer(r, !from_client, after, sizeof(after) - 1, ours, sizeof(ours) - 1, 0);
    EXPECT(r->d[!from_client].gen == g1 + 1);
    xfer(r, from_client, after, sizeof(after) - 1, ours, sizeof(ours) - 1, 0);
}

/* Everything after the secrets are known: the handshake records, application data both ways
 * (libssl's and ours), the largest records, padding, KeyUpdates, close_notify; then the
 * recovered handshake bytes against libssl's message callback. */
static void exercise(struct run *r)
{
    static const BYTE lib_s[] = "from libssl's server", lib_c[] = "from libssl's client";
    static const BYTE our_s[] = "sslprov speaking as the server", our_c[] = "sslprov speaking as the client";
    BYTE *big = malloc(MAX_DATA), *big2 = malloc(MAX_DATA), buf[64];
    size_t got = 0;

    for (size_t i = 0; i < MAX_DATA; i++)
        big[i] = (BYTE)(i * 7 + 1), big2[i] = (BYTE)(i * 13 + 5);
    r->d[1].from_client = 1;
    r->d[1].early = r->c->early_status == SSL_EARLY_DATA_ACCEPTED ? r->cet : 0;
    r->d[1].hs = r->chs, r->d[1].ap = r->cap;
    r->d[0].hs = r->shs, r->d[0].ap = r->sap;
    /* the handshake (and the tickets) went through unchanged; walk them */
    walk(r, &r->d[0], NULL, 0, 0, NULL);
    walk(r, &r->d[1], NULL, 0, 0, NULL);
    EXPECT(r->d[0].phase == PH_AP && r->d[1].phase == PH_AP);
    if (r->c->cfg.early_data != NULL)
        EXPECT(r->d[1].app.len == r->c->cfg.early_len && memcmp(r->d[1].app.p, r->c->cfg.early_data, r->d[1].app.len) == 0
               && r->c->early_received_len == r->c->cfg.early_len);
    buf_free(&r->d[1].app);

    xfer(r, 0, lib_s, sizeof(lib_s) - 1, NULL, 0, 0);
    xfer(r, 1, lib_c, sizeof(lib_c) - 1, NULL, 0, 0);
    xfer(r, 0, lib_s, sizeof(lib_s) - 1, our_s, sizeof(our_s) - 1, 0);
    xfer(r, 1, lib_c, sizeof(lib_c) - 1, our_c, sizeof(our_c) - 1, 0);
    /* the largest records: 16384 bytes of data, inner plaintext 16385 */
    xfer(r, 0, big, MAX_DATA, NULL, 0, 0);
    xfer(r, 1, big, MAX_DATA, NULL, 0, 0);
    xfer(r, 0, big, MAX_DATA, big2, MAX_DATA, 0);
    xfer(r, 1, big, MAX_DATA, big2, MAX_DATA, 0);
    /* our zero padding, which libssl strips */
    xfer(r, 0, lib_s, sizeof(lib_s) - 1, our_s, sizeof(our_s) - 1, 200);
    xfer(r, 1, lib_c, sizeof(lib_c) - 1, our_c, sizeof(our_c) - 1, 1);
    key_update(r, 0);
    key_update(r, 1);
    /* close_notify both ways: encrypted alerts under the updated keys */
    EXPECT(SSL_shutdown(r->c->server) == 0);
    relay(r, 0, NULL, 0, 0);
    EXPECT(lib_read(r->c->client, buf, sizeof(buf), &got) == -1 && SSL_get_error(r->c->client, 0) == SSL_ERROR_ZERO_RETURN);
    /* and the client's (without it libssl marks the client's session not resumable) */
    EXPECT(SSL_shutdown(r->c->client) == 1);
    relay(r, 1, NULL, 0, 0);
    EXPECT(SSL_shutdown(r->c->server) == 1);
    EXPECT(r->d[0].gen == 2 && r->d[1].gen == 2);

    /* every handshake byte libssl wrote, recovered by our keys, is what its message callback
     * delivered, in both directions */
    for (int side = 0; side <= 1; side++) {
        struct buf want = {0};

        for (size_t i = 0; i < r->c->nmsgs; i++)
            if (r->c->msgs[i].from_client == side)
                buf_add(&want, r->c->msgs[i].data, r->c->msgs[i].len);
        EXPECT(want.len == r->d[side].hs_bytes.len && memcmp(want.p, r->d[side].hs_bytes.p, want.len) == 0);
        buf_free(&want);
    }
    free(big), free(big2);
}

/* ==== connection kinds ====================================================================== */

enum kind { K_ECDHE, K_HRR, K_PSK_KE, K_PSK_DHE };

/* One connection on ctx and everything about it. psk: our PSK object for binder and (psk_ke)
 * schedule (0 for (EC)DHE). Returns our PSK of the connection's first ticket (caller frees)
 * when one was issued and derived (psk_ke), else 0, and then (session non-NULL) libssl's
 * session of that ticket (caller frees). */
static NCRYPT_KEY_HANDLE connection(const struct suite *s, struct p13_ctx *ctx, const struct p13_conn_config *cfg,
                                    enum kind kind, NCRYPT_KEY_HANDLE psk, DWORD binder_flag, const char *name,
                                    SSL_SESSION **session)
{
    struct p13_conn c;
    struct run r;
    NCRYPT_SSL_CIPHER_LENGTHS cl = {0};
    NCRYPT_KEY_HANDLE next = 0;

    snprintf(where, sizeof(where), "%s %s", s->name, name);
    memset(&r, 0, sizeof(r));
    r.s = s;
    r.c = &c;
    if (!p13_connect(ctx, cfg, &c)) {
        fprintf(stderr, "[%s] libssl handshake failed\n", where);
        EXPECT(!"libssl handshake");
        p13_conn_free(&c);
        return 0;
    }
    n.conns++;
    EXPECT(!c.keylog_mismatch);
    EXPECT_ST(SslLookupCipherLengths(prov, TLS1_3_PROTOCOL_VERSION, s->id, 0, &cl, sizeof(cl), 0), SEC_E_OK);
    /* conventions.md §12: no record header, no inner type, just the tag */
    EXPECT(cl.dwHeaderLen == 0 && cl.dwFixedTrailerLen >= 8);
    r.tag = cl.dwFixedTrailerLen;
    if (!run_index(&r)) {
        p13_conn_free(&c);
        return 0;
    }
    /* the client reads the tickets now (the sessions are needed by the schedule) */
    {
        BYTE buf[16];
        size_t got = 0;

        EXPECT(lib_read(c.client, buf, sizeof(buf), &got) == 0);
        p13_forward(&c, 1);
    }
    EXPECT(r.hrr == (kind == K_HRR));
    if (kind == K_ECDHE)
        EXPECT(c.group_nid == (strcmp(cfg->client_groups, "X25519") == 0 ? NID_X25519 : NID_X9_62_prime256v1));
    EXPECT(c.resumed == (kind == K_PSK_KE || kind == K_PSK_DHE));
    EXPECT((c.early_status == SSL_EARLY_DATA_ACCEPTED) == (cfg->early_data != NULL));
    if (cfg->early_data != NULL)
        n.early++;
    if (cfg->resume != NULL)
        n.resumed++;
    switch (kind) {
    case K_HRR: {
        size_t len = 0;
        const BYTE *ks = find_ext(&c.msgs[1], 51, &len, NULL);

        /* the HelloRetryRequest selects P-256; ClientHello2 differs from ClientHello1 */
        EXPECT(ks != NULL && len == 2 && get16be(ks) == 23);
        EXPECT(c.msgs[0].len != c.msgs[2].len || memcmp(c.msgs[0].data, c.msgs[2].data, c.msgs[0].len) != 0);
        EXPECT(c.group_nid == NID_X9_62_prime256v1);
        n.hrr++;
    }
        /* fall through */
    case K_ECDHE:
        import_keylog(&r);
        n.ecdhe += kind == K_ECDHE;
        break;
    case K_PSK_KE:
        psk_ke_schedule(&r, psk, binder_flag);
        if (r.ntickets > 0 && c.nsessions > 0) {
            next = r.ticket_psk[0], r.ticket_psk[0] = 0;
            if (session != NULL && SSL_SESSION_up_ref(c.sessions[0]))
                *session = c.sessions[0];
        }
        n.psk_ke++;
        break;
    case K_PSK_DHE: {
        NCRYPT_KEY_HANDLE early = 0;
        size_t len = 0;

        EXPECT(find_ext(&c.msgs[r.i_sh], 51, &len, NULL) != NULL && find_ext(&c.msgs[r.i_sh], 41, &len, NULL) != NULL);
        EXPECT_ST(SslExtractEarlyKey(prov, psk, &early, TLS1_3_PROTOCOL_VERSION, s->id, NULL, 0), SEC_E_OK);
        check_binder(&r, early, binder_flag);
        SslFreeObject(early, 0);
        import_keylog(&r);
        n.psk_dhe++;
        break;
    }
    }
    check_finished(&r);
    check_exporter(&r, r.exp, 0);
    if (r.eexp)
        check_exporter(&r, r.eexp, 1);
    exercise(&r);
    run_free(&r);
    p13_conn_free(&c);
    return next;
}

static void ecdhe_runs(struct suite *s)
{
    static const char *const groups[] = {"X25519", "P-256"};

    for (int g = 0; g < 2; g++) {
        /* libssl pads its records in the P-256 runs (block padding 64) */
        struct p13_ctx_config cc = {.suite = s->name, .num_tickets = -1, .block_padding = g == 1 ? 64 : 0};
        struct p13_conn_config k = {.client_groups = groups[g], .server_groups = groups[g]};
        struct p13_ctx ctx;
        char name[64];

        if (!p13_ctx_new(&cc, &ctx)) {
            EXPECT(!"libssl context");
            p13_ctx_free(&ctx);
            continue;
        }
        snprintf(name, sizeof(name), "ECDHE %s%s", groups[g], g == 1 ? " padded" : "");
        connection(s, &ctx, &k, K_ECDHE, 0, 0, name, NULL);
        p13_ctx_free(&ctx);
    }
    {
        struct p13_ctx_config cc = {.suite = s->name, .num_tickets = 1};
        struct p13_conn_config k = {.client_groups = "X25519:P-256", .server_groups = "P-256"};
        struct p13_ctx ctx;

        if (p13_ctx_new(&cc, &ctx))
            connection(s, &ctx, &k, K_HRR, 0, 0, "HelloRetryRequest X25519 -> P-256", NULL);
        else
            EXPECT(!"libssl context");
        p13_ctx_free(&ctx);
    }
}

/* External PSK and resumption: psk_ke (no common group), psk_ke + 0-RTT, psk_dhe_ke; the
 * resumption chain uses each connection's first ticket for the next one. */
static void psk_runs(struct suite *s)
{
    static const BYTE early[] = "0-RTT data from libssl's client";
    struct p13_ctx_config cc = {.suite = s->name, .psk = ext_psk, .psk_len = sizeof(ext_psk) - 1, .allow_no_dhe = 1,
                                .num_tickets = -1, .max_early_data = 16384};
    struct p13_conn_config ke = {.client_groups = "X25519", .server_groups = "P-256", .offer_ext_psk = 1};
    struct p13_conn_config dhe = {.client_groups = "X25519", .server_groups = "X25519:P-256", .offer_ext_psk = 1};
    struct p13_ctx ctx;
    NCRYPT_KEY_HANDLE psk = 0, t[3] = {0};
    SSL_SESSION *sess[3] = {NULL};

    if (!p13_ctx_new(&cc, &ctx)) {
        EXPECT(!"libssl context");
        p13_ctx_free(&ctx);
        return;
    }
    EXPECT_ST(SslImportKey(prov, &psk, TLS_13_PRE_SHARED_KEY, (PBYTE)ext_psk, sizeof(ext_psk) - 1, 0), SEC_E_OK);
    /* external PSK, psk_dhe_ke: the binder; secrets from the keylog */
    connection(s, &ctx, &dhe, K_PSK_DHE, psk, NCRYPT_SSL_EXTERNAL_PSK_FLAG, "external PSK psk_dhe_ke", NULL);
    /* external PSK, psk_ke, 0-RTT */
    ke.early_data = early, ke.early_len = sizeof(early) - 1;
    t[0] = connection(s, &ctx, &ke, K_PSK_KE, psk, NCRYPT_SSL_EXTERNAL_PSK_FLAG, "external PSK psk_ke 0-RTT", NULL);
    EXPECT(t[0] != 0);
    if (t[0])
        SslFreeObject(t[0], 0), t[0] = 0;
    /* external PSK, psk_ke: the start of the resumption chain; then resumed psk_ke with its
     * ticket, resumed psk_ke + 0-RTT with that connection's ticket, resumed psk_dhe_ke */
    ke.early_data = NULL, ke.early_len = 0;
    t[0] = connection(s, &ctx, &ke, K_PSK_KE, psk, NCRYPT_SSL_EXTERNAL_PSK_FLAG, "external PSK psk_ke", &sess[0]);
    EXPECT(t[0] != 0 && sess[0] != NULL);
    if (t[0] && sess[0]) {
        struct p13_conn_config k = ke;

        k.offer_ext_psk = 0;
        k.resume = sess[0];
        t[1] = connection(s, &ctx, &k, K_PSK_KE, t[0], NCRYPT_SSL_RESUMPTION_PSK_FLAG, "resumed psk_ke", &sess[1]);
        EXPECT(t[1] != 0 && sess[1] != NULL);
    }
    if (t[1] && sess[1]) {
        struct p13_conn_config k = ke;

        k.offer_ext_psk = 0;
        k.resume = sess[1];
        k.early_data = early, k.early_len = sizeof(early) - 1;
        EXPECT(SSL_SESSION_get_max_early_data(sess[1]) == 16384);
        t[2] = connection(s, &ctx, &k, K_PSK_KE, t[1], NCRYPT_SSL_RESUMPTION_PSK_FLAG, "resumed psk_ke 0-RTT",
                          &sess[2]);
        EXPECT(t[2] != 0 && sess[2] != NULL);
    }
    if (t[2] && sess[2]) {
        struct p13_conn_config k = dhe;

        k.offer_ext_psk = 0;
        k.resume = sess[2];
        connection(s, &ctx, &k, K_PSK_DHE, t[2], NCRYPT_SSL_RESUMPTION_PSK_FLAG, "resumed psk_dhe_ke", NULL);
    }
    for (int i = 0; i < 3; i++) {
        if (t[i])
            SslFreeObject(t[i], 0);
        SSL_SESSION_free(sess[i]);
    }
    SslFreeObject(psk, 0);
    p13_ctx_free(&ctx);
}

int main(void)
{
    unsigned enabled = 0;

    CHECK_ST(SslOpenProvider(&prov, TEST_PROVIDER_NAME, 0), SEC_E_OK);
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        struct p13_ctx_config cc = {.suite = suites[i].name, .num_tickets = -1};
        struct p13_ctx ctx;

        /* which suites does libssl offer? (all five in 3.0, CCM ones only when asked for) */
        suites[i].enabled = p13_ctx_new(&cc, &ctx) && ctx.suite_id == suites[i].id;
        p13_ctx_free(&ctx);
        ERR_clear_error();
        printf("libssl %s: %s\n", suites[i].name, suites[i].enabled ? "enabled" : "NOT enabled");
        if (!suites[i].enabled)
            continue;
        enabled++;
        ecdhe_runs(&suites[i]);
        psk_runs(&suites[i]);
    }
    CHECK(enabled == 5);
    printf("%u connections (%u ECDHE, %u HelloRetryRequest, %u psk_ke, %u psk_dhe_ke; %u resumed, %u with 0-RTT)\n",
           n.conns, n.ecdhe, n.hrr, n.psk_ke, n.psk_dhe, n.resumed, n.early);
    printf("%u secrets equal to libssl's keylog, %u imported from it, %u Finished, %u binders, %u ticket PSKs, "
           "%u exporter values\n", n.secrets, n.imported, n.finished, n.binders, n.ticket_psks, n.exporters);
    printf("%u libssl records decrypted (%u reproduced byte for byte, %u padded by libssl), %u of ours read by "
           "libssl, %u records tampered (%u flips), %u key updates followed (%u logged by libssl)\n",
           n.lib_records, n.exact, n.padded, n.ours, n.tampered_records, n.tampered_bytes, n.key_updates,
           n.logged_updates);
    CHECK(n.conns == 9 * enabled);
    CHECK(n.exact + n.ours == n.lib_records); /* each of libssl's records reproduced or replaced by ours */
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(TEST_HANDLES_RELEASED());
    peer_global_cleanup();
    return check_summary();
}
