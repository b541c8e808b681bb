/* Records against OpenSSL's libssl (issue 4): for every (protocol, suite) libssl negotiates among
 * ours on TLS 1.0-1.2 and DTLS 1.0/1.2, a real handshake (tests/support/libssl_peer.h, no tickets),
 * libssl's master secret imported as the client's (and, separately, the server's) master key,
 * SslGenerateSessionKeys with the handshake's randoms; then, for plaintexts of 1, block-1,
 * block, 16383, 16384 and 0 bytes:
 * (a) server -> client: libssl's server writes a record; our client read key decrypts it with
 *     the SequenceNumber the record had, and our *server* write key, given the same plaintext
 *     and SequenceNumber, writes a record of the same length (the same bytes where the record
 *     is deterministic);
 * (b) client -> server: our client write key encrypts; libssl's server SSL_reads the plaintext.
 *     libssl's client writes the same plaintext first (captured, never delivered, so libssl's
 *     client sequence keeps pace with ours) and our record must have its length, and its bytes
 *     where the record is deterministic.
 * Deterministic records: NULL, RC4, CCM/CCM_8 (libssl's explicit nonce is the sequence number,
 * as ours), ChaCha20-Poly1305, TLS 1.0 CBC (chained IV, minimal padding on both sides). libssl's
 * GCM explicit nonce is a counter from a random start, and TLS 1.1+ CBC IVs are random, so
 * those compare lengths and acceptance only.
 *
 * Sequence numbers, verified here: the Finished of each direction is record 0 under the new
 * keys (TLS: sequence 0; DTLS: epoch 1, sequence 0), so the first application record is 1 in
 * TLS and (1 << 48) | 1 in DTLS. DTLS records carry it in header bytes 3..10; for TLS the
 * first record decrypts with 1 and not with 0 or 2.
 *
 * Empty records: libssl never writes one except TLS 1.0 CBC's empty-fragment countermeasure,
 * which a second handshake per TLS 1.0 CBC suite turns on to get empty records from both of
 * libssl's sides (compared byte for byte). Our empty record, delivered to libssl, reads as
 * nothing; in TLS its acceptance is proven by the next record (implicit sequence number, IV
 * chain, no alert). libssl 3.0's DTLS silently ignores empty records: it does not even enter
 * them in its replay window (checked with a hand-made NULL-SHA record), so DTLS empty records
 * are only checked for length and for not disturbing the connection here; test_records.c's
 * oracle checks their bytes.
 *
 * Encrypt-then-MAC is switched off in libssl (see no_encrypt_then_mac). Debian's libssl has no
 * RC4, DES or 3DES suites at all (not even at security level 0 with the legacy provider): those
 * rows are tried, reported as missing and covered by test_records.c only. DHE-DSS suites need a
 * DSA server certificate, which libssl_peer.h does not offer.  */
#include <openssl/provider.h>
#include <unistd.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "libssl_peer.h"
#include "master_blob.h"
#include "sslprovider.h"

#define MAX_REC (16384 + 2048 + 64)

static NCRYPT_PROV_HANDLE prov;
static const unsigned char psk_key[] = "sslprov differential PSK, 32 b!";
static unsigned runs, skipped_empty, exact, lengths_only, seq_checked;
static char ctx[160];
#define EXPECT_CTX ctx
#include "expect.h"

enum { T10 = 1, T11 = 2, T12 = 4, D10 = 8, D12 = 16, ALL5 = 31, V12 = T12 | D12 };
enum kind { K_CBC, K_GCM, K_CCM, K_CHACHA, K_NULL, K_STREAM };

struct suite_case {
    const char *ossl;   /* libssl's name */
    uint16_t id;
    unsigned protos;
    enum kind kind;
    unsigned block;     /* CBC block; 1 otherwise */
    int cert;           /* 1: ECDSA server certificate */
    int psk;
    int legacy;         /* may be missing from libssl (weak ciphers compiled out) */
};

static const struct suite_case cases[] = {
    {"AES128-SHA", 0x002F, ALL5, K_CBC, 16, 0, 0, 0},
    {"AES256-SHA", 0x0035, ALL5, K_CBC, 16, 0, 0, 0},
    {"DHE-RSA-AES128-SHA", 0x0033, ALL5, K_CBC, 16, 0, 0, 0},
    {"DHE-RSA-AES256-SHA", 0x0039, ALL5, K_CBC, 16, 0, 0, 0},
    {"ECDHE-RSA-AES128-SHA", 0xC013, ALL5, K_CBC, 16, 0, 0, 0},
    {"ECDHE-RSA-AES256-SHA", 0xC014, ALL5, K_CBC, 16, 0, 0, 0},
    {"ECDHE-ECDSA-AES128-SHA", 0xC009, ALL5, K_CBC, 16, 1, 0, 0},
    {"ECDHE-ECDSA-AES256-SHA", 0xC00A, ALL5, K_CBC, 16, 1, 0, 0},
    {"AES128-SHA256", 0x003C, V12, K_CBC, 16, 0, 0, 0},
    {"AES256-SHA256", 0x003D, V12, K_CBC, 16, 0, 0, 0},
    {"DHE-RSA-AES128-SHA256", 0x0067, V12, K_CBC, 16, 0, 0, 0},
    {"DHE-RSA-AES256-SHA256", 0x006B, V12, K_CBC, 16, 0, 0, 0},
    {"ECDHE-RSA-AES128-SHA256", 0xC027, V12, K_CBC, 16, 0, 0, 0},
    {"ECDHE-RSA-AES256-SHA384", 0xC028, V12, K_CBC, 16, 0, 0, 0},
    {"ECDHE-ECDSA-AES128-SHA256", 0xC023, V12, K_CBC, 16, 1, 0, 0},
    {"ECDHE-ECDSA-AES256-SHA384", 0xC024, V12, K_CBC, 16, 1, 0, 0},
    {"AES128-GCM-SHA256", 0x009C, V12, K_GCM, 1, 0, 0, 0},
    {"AES256-GCM-SHA384", 0x009D, V12, K_GCM, 1, 0, 0, 0},
    {"DHE-RSA-AES128-GCM-SHA256", 0x009E, V12, K_GCM, 1, 0, 0, 0},
    {"DHE-RSA-AES256-GCM-SHA384", 0x009F, V12, K_GCM, 1, 0, 0, 0},
    {"ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, V12, K_GCM, 1, 0, 0, 0},
    {"ECDHE-RSA-AES256-GCM-SHA384", 0xC030, V12, K_GCM, 1, 0, 0, 0},
    {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, V12, K_GCM, 1, 1, 0, 0},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, V12, K_GCM, 1, 1, 0, 0},
    {"ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, V12, K_CHACHA, 1, 0, 0, 0},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, V12, K_CHACHA, 1, 1, 0, 0},
    {"DHE-RSA-CHACHA20-POLY1305", 0xCCAA, V12, K_CHACHA, 1, 0, 0, 0},
    {"ECDHE-ECDSA-AES128-CCM", 0xC0AC, V12, K_CCM, 1, 1, 0, 0},
    {"ECDHE-ECDSA-AES256-CCM", 0xC0AD, V12, K_CCM, 1, 1, 0, 0},
    {"ECDHE-ECDSA-AES128-CCM8", 0xC0AE, V12, K_CCM, 1, 1, 0, 0},
    {"ECDHE-ECDSA-AES256-CCM8", 0xC0AF, V12, K_CCM, 1, 1, 0, 0},
    {"NULL-MD5", 0x0001, T10 | T11 | T12, K_NULL, 1, 0, 0, 0},
    {"NULL-SHA", 0x0002, ALL5, K_NULL, 1, 0, 0, 0},
    {"NULL-SHA256", 0x003B, V12, K_NULL, 1, 0, 0, 0},
    {"PSK-AES128-GCM-SHA256", 0x00A8, T12, K_GCM, 1, 0, 1, 0},
    {"PSK-AES256-GCM-SHA384", 0x00A9, T12, K_GCM, 1, 0, 1, 0},
    {"PSK-AES128-CBC-SHA256", 0x00AE, T12, K_CBC, 16, 0, 1, 0},
    {"PSK-AES256-CBC-SHA384", 0x00AF, T12, K_CBC, 16, 0, 1, 0},
    {"PSK-NULL-SHA256", 0x00B0, T12, K_NULL, 1, 0, 1, 0},
    {"PSK-NULL-SHA384", 0x00B1, T12, K_NULL, 1, 0, 1, 0},
    /* weak ciphers: Debian's OpenSSL 3.0 builds libssl without them (checked, then skipped) */
    {"DES-CBC3-SHA", 0x000A, ALL5, K_CBC, 8, 0, 0, 1},
    {"DHE-RSA-DES-CBC3-SHA", 0x0016, ALL5, K_CBC, 8, 0, 0, 1},
    {"RC4-MD5", 0x0004, T10 | T11 | T12, K_STREAM, 1, 0, 0, 1},
    {"RC4-SHA", 0x0005, T10 | T11 | T12, K_STREAM, 1, 0, 0, 1},
    {"DES-CBC-SHA", 0x0009, T10 | T11 | D10, K_CBC, 8, 0, 0, 1},
};

static const struct {
    int v;
    unsigned bit;
    const char *name;
} versions[] = {
    {TLS1_VERSION, T10, "TLS1.0"}, {TLS1_1_VERSION, T11, "TLS1.1"}, {TLS1_2_VERSION, T12, "TLS1.2"},
    {DTLS1_VERSION, D10, "DTLS1.0"}, {DTLS1_2_VERSION, D12, "DTLS1.2"},
};

static char missing[1024];

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 151 + seed * 29 + (i >> 9));
}

/* ==== our side ============================================================================== */

struct ours {
    NCRYPT_KEY_HANDLE mc, ms, c_rd, c_wr, s_rd, s_wr;
};

static NCRYPT_KEY_HANDLE import_master(const struct peer_run *r, DWORD client)
{
    NCRYPT_KEY_HANDLE h;

    EXPECT_ST(master_blob_import_st(prov, (DWORD)r->version, r->cipher_id, client, r->master_secret, &h),
              SEC_E_OK);
    return h;
}

static int session_keys(const struct peer_run *r, NCRYPT_KEY_HANDLE mk, NCRYPT_KEY_HANDLE *rd, NCRYPT_KEY_HANDLE *wr)
{
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)r->client_random},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)r->server_random}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};

    *rd = *wr = 0;
    EXPECT_ST(SslGenerateSessionKeys(prov, mk, rd, wr, &d, 0), SEC_E_OK);
    return *rd != 0 && *wr != 0;
}

static void finished_records(struct peer_run *r, struct ours *o);

static int ours_init(struct peer_run *r, struct ours *o)
{
    memset(o, 0, sizeof *o);
    o->mc = import_master(r, 1);
    o->ms = import_master(r, 0);
    if (!session_keys(r, o->mc, &o->c_rd, &o->c_wr) || !session_keys(r, o->ms, &o->s_rd, &o->s_wr))
        return 0;
    finished_records(r, o);
    return 1;
}

static void ours_free(struct ours *o)
{
    NCRYPT_KEY_HANDLE h[] = {o->mc, o->ms, o->c_rd, o->c_wr, o->s_rd, o->s_wr};
    for (size_t i = 0; i < 6; i++)
        if (h[i])
            SslFreeObject(h[i], 0);
    memset(o, 0, sizeof *o);
}

static int deterministic(const struct suite_case *sc, int version)
{
    return sc->kind != K_GCM && (sc->kind != K_CBC || version == TLS1_VERSION);
}

/* ==== (a) server -> client ================================================================== */

/* libssl's server record `lib` with sequence `seq`: our client read key decrypts it, our server
 * write key reproduces it. */
static void check_server_record(const struct suite_case *sc, struct peer_run *r, struct ours *o,
                                const unsigned char *lib, size_t lib_len, uint64_t seq,
                                const unsigned char *pt, size_t n, int probe)
{
    static BYTE out[MAX_REC], mine[MAX_REC];
    DWORD cb = 0xA5A5A5A5u;

    if (r->is_dtls)
        EXPECT(lib_len >= 13 && get64be(lib + 3) == seq); /* epoch << 48 | seq48 */
    if (probe) {
        seq_checked++;
        /* the first application record is sequence 1: not 0, not 2 */
        EXPECT_ST(SslDecryptPacket(prov, o->c_rd, (PBYTE)lib, (DWORD)lib_len, out, sizeof out, &cb, seq - 1, 0),
                  NTE_DECRYPTION_FAILURE);
        EXPECT_ST(SslDecryptPacket(prov, o->c_rd, (PBYTE)lib, (DWORD)lib_len, out, sizeof out, &cb, seq + 1, 0),
                  NTE_DECRYPTION_FAILURE);
        EXPECT(cb == 0xA5A5A5A5u);
    }
    EXPECT_ST(SslDecryptPacket(prov, o->c_rd, (PBYTE)lib, (DWORD)lib_len, out, sizeof out, &cb, seq, 0), SEC_E_OK);
    EXPECT(cb == n && memcmp(out, pt, n) == 0);
    cb = 0;
    EXPECT_ST(SslEncryptPacket(prov, o->s_wr, (PBYTE)pt, (DWORD)n, mine, sizeof mine, &cb, seq, lib[0], 0), SEC_E_OK);
    EXPECT(cb == lib_len);
    if (cb == lib_len && deterministic(sc, r->version)) {
        EXPECT(memcmp(mine, lib, lib_len) == 0);
        exact++;
    } else {
        lengths_only++;
    }
}

/* ==== (b) client -> server ================================================================== */

/* Our client record for `pt`, compared with the record libssl's client wrote for it (`lib`,
 * NULL if none), then delivered to libssl's server. Returns the length written. */
static size_t send_client_record(const struct suite_case *sc, struct peer_run *r, NCRYPT_KEY_HANDLE wr,
                                 const unsigned char *lib, size_t lib_len, uint64_t seq,
                                 const unsigned char *pt, size_t n, int want_read)
{
    static BYTE mine[MAX_REC];
    static unsigned char got[MAX_REC];
    DWORD cb = 0;
    size_t got_len = 0;
    int ok;

    EXPECT_ST(SslEncryptPacket(prov, wr, (PBYTE)pt, (DWORD)n, mine, sizeof mine, &cb, seq, 23, 0), SEC_E_OK);
    if (cb == 0)
        return 0;
    if (lib != NULL) {
        EXPECT(cb == lib_len);
        if (r->is_dtls)
            EXPECT(lib_len >= 13 && get64be(lib + 3) == seq);
        if (cb == lib_len && deterministic(sc, r->version)) {
            EXPECT(memcmp(mine, lib, lib_len) == 0);
            exact++;
        } else {
            lengths_only++;
        }
    }
    ok = peer_deliver_record(r, 0, mine, cb, got, sizeof got, &got_len);
    if (want_read) {
        EXPECT(ok && got_len == n && memcmp(got, pt, n) == 0);
    } else {
        /* nothing to read: TLS says WANT_READ; libssl's DTLS may return success with 0 bytes */
        EXPECT(got_len == 0 && (r->is_dtls || !ok));
    }
    return cb;
}

/* The Finished of each direction is record 0 under the new keys (DTLS: epoch 1, sequence 0).
 * Our keys process them first: for SSL 3.0/TLS 1.0 CBC the IV chain runs through them (the
 * first application record's IV is the last ciphertext block of the Finished record). The
 * client's Finished is encrypted by our client write key exactly as libssl's client did (the
 * following records prove it byte for byte); the server's, written by our server write key,
 * is what our client read key decrypts. */
static void finished_records(struct peer_run *r, struct ours *o)
{
    static BYTE rec[512], out[512];
    const struct peer_msg *fc = &r->msgs[r->client_finished_index], *fs = &r->msgs[r->server_finished_index];
    uint64_t seq0 = r->is_dtls ? 1ull << 48 : 0;
    DWORD cb = 0, got = 0;

    EXPECT_ST(SslEncryptPacket(prov, o->c_wr, fc->data, (DWORD)fc->len, rec, sizeof rec, &cb, seq0, 22, 0), SEC_E_OK);
    EXPECT_ST(SslDecryptPacket(prov, o->s_rd, rec, cb, out, sizeof out, &got, seq0, 0), SEC_E_OK);
    EXPECT(got == fc->len && memcmp(out, fc->data, got) == 0);
    EXPECT_ST(SslEncryptPacket(prov, o->s_wr, fs->data, (DWORD)fs->len, rec, sizeof rec, &cb, seq0, 22, 0), SEC_E_OK);
    got = 0;
    EXPECT_ST(SslDecryptPacket(prov, o->c_rd, rec, cb, out, sizeof out, &got, seq0, 0), SEC_E_OK);
    EXPECT(got == fs->len && memcmp(out, fs->data, got) == 0);
}

/* ==== one handshake ========================================================================= */

static int handshake(const struct suite_case *sc, int version, int empty_fragments, struct peer_run *r)
{
    struct peer_config cfg = {.version = version, .ciphers = sc->ossl, .ems = 1, .cert_type = sc->cert,
                              .no_ticket = 1, .seclevel0 = 1, .empty_fragments = empty_fragments};

    if (strncmp(sc->ossl, "ECDHE-", 6) == 0)
        cfg.groups = sc->cert ? "P-256" : "X25519";
    if (sc->psk) {
        cfg.psk = psk_key;
        cfg.psk_len = sizeof(psk_key) - 1;
    }
    memset(r, 0, sizeof *r);
    return peer_handshake(&cfg, r);
}

/* Whether this libssl knows a cipher suite at all (security level 0, legacy provider loaded). */
static int libssl_has(const char *name)
{
    SSL_CTX *c = SSL_CTX_new(TLS_method());
    int ok;

    if (c == NULL)
        return 0;
    SSL_CTX_set_security_level(c, 0);
    ok = SSL_CTX_set_cipher_list(c, name);
    SSL_CTX_free(c);
    ERR_clear_error();
    return ok;
}

static void run_case(const struct suite_case *sc, int version, const char *vname)
{
    static unsigned char pt[16384];
    struct peer_run r;
    struct ours o = {0};
    NCRYPT_SSL_CIPHER_SUITE info;
    size_t sizes[8], nsizes = 0, lib_len = 0, len1 = 0;
    unsigned char *lib = NULL;
    int dtls = version == DTLS1_VERSION || version == DTLS1_2_VERSION;
    uint64_t first = dtls ? (1ull << 48) | 1 : 1, seq;

    snprintf(ctx, sizeof ctx, "%s %s", vname, sc->ossl);
    if (sc->legacy && !libssl_has(sc->ossl)) {
        size_t l = strlen(missing);
        snprintf(missing + l, sizeof missing - l, "%s%s/%s", l ? ", " : "", vname, sc->ossl);
        return;
    }
    if (!handshake(sc, version, 0, &r)) {
        EXPECT(!"libssl handshake");
        peer_free(&r);
        return;
    }
    EXPECT(r.cipher_id == sc->id);
    EXPECT_ST(SslLookupCipherSuiteInfo(prov, (DWORD)r.version, sc->id, 0, &info, 0), SEC_E_OK);
    if (r.cipher_id != sc->id || !ours_init(&r, &o)) {
        ours_free(&o);
        peer_free(&r);
        return;
    }
    runs++;
    sizes[nsizes++] = 1;
    if (sc->block > 1) {
        sizes[nsizes++] = sc->block - 1;
        sizes[nsizes++] = sc->block;
    }
    sizes[nsizes++] = 16383;
    sizes[nsizes++] = 16384;

    /* (a) */
    seq = first;
    for (size_t i = 0; i < nsizes; i++, seq++) {
        pattern(pt, sizes[i], (unsigned)i);
        if (!peer_capture_record(&r, 0, pt, sizes[i], &lib, &lib_len)) {
            EXPECT(!"libssl server record");
            break;
        }
        check_server_record(sc, &r, &o, lib, lib_len, seq, pt, sizes[i], i == 0);
        free(lib);
        lib = NULL;
    }

    /* (b) */
    seq = first;
    for (size_t i = 0; i < nsizes; i++, seq++) {
        pattern(pt, sizes[i], (unsigned)i + 100);
        if (!peer_capture_record(&r, 1, pt, sizes[i], &lib, &lib_len)) {
            EXPECT(!"libssl client record");
            break;
        }
        if (sizes[i] == 1)
            len1 = lib_len;
        send_client_record(sc, &r, o.c_wr, lib, lib_len, seq, pt, sizes[i], 1);
        free(lib);
        lib = NULL;
    }
    /* an empty record last (libssl's client cannot write one to compare with) */
    {
        size_t l0 = send_client_record(sc, &r, o.c_wr, NULL, 0, seq, pt, 0, 0);
        seq++;

        if (sc->kind != K_CBC)
            EXPECT(l0 + 1 == len1);
        EXPECT(r.pipe->q[0].head == NULL); /* no alert from the server */
        /* and the connection goes on */
        pattern(pt, 5, 9);
        send_client_record(sc, &r, o.c_wr, NULL, 0, seq, pt, 5, 1);
    }
    ours_free(&o);
    peer_free(&r);

    /* TLS 1.0 CBC: libssl's empty-fragment countermeasure writes empty records on both sides */
    if (version == TLS1_VERSION && sc->kind == K_CBC) {
        unsigned char *recs;
        size_t total = 0;

        if (!handshake(sc, version, 1, &r) || !ours_init(&r, &o)) {
            EXPECT(!"TLS 1.0 handshake with empty fragments");
            ours_free(&o);
            peer_free(&r);
            return;
        }
        pattern(pt, 1, 55);
        for (int from_client = 0; from_client <= 1; from_client++) {
            if (!peer_capture_record(&r, from_client, pt, 1, &recs, &total) || total < 10) {
                EXPECT(!"libssl empty fragment + record");
                free(recs);
                continue;
            }
            size_t l0 = 5 + ((size_t)recs[3] << 8 | recs[4]);
            EXPECT(l0 < total && total - l0 == 5 + ((size_t)recs[l0 + 3] << 8 | recs[l0 + 4]));
            if (l0 < total) {
                if (!from_client) {
                    check_server_record(sc, &r, &o, recs, l0, 1, pt, 0, 1);
                    check_server_record(sc, &r, &o, recs + l0, total - l0, 2, pt, 1, 0);
                } else {
                    send_client_record(sc, &r, o.c_wr, recs, l0, 1, pt, 0, 0);
                    send_client_record(sc, &r, o.c_wr, recs + l0, total - l0, 2, pt, 1, 1);
                }
            }
            free(recs);
        }
        ours_free(&o);
        peer_free(&r);
    } else {
        skipped_empty++;
    }
}

/* libssl negotiates encrypt-then-MAC (RFC 7366) for CBC suites by default; Windows and we
 * only do MAC-then-encrypt. libssl_peer.h has no switch for SSL_OP_NO_ENCRYPT_THEN_MAC, so
 * every SSL_CTX of this process gets it from a system_default section ("Options =
 * -EncryptThenMac"), loaded before anything else initialises OpenSSL. */
static int no_encrypt_then_mac(void)
{
    static const char conf[] = "sslprov_records_diff = app\n[app]\nssl_conf = ssl_sect\n"
                               "[ssl_sect]\nsystem_default = sys\n[sys]\nOptions = -EncryptThenMac\n";
    char path[] = "/tmp/sslprov_records_diff_XXXXXX";
    int fd = mkstemp(path), ok = 0;
    OPENSSL_INIT_SETTINGS *set = OPENSSL_INIT_new();

    if (fd >= 0 && set != NULL && write(fd, conf, sizeof conf - 1) == (ssize_t)(sizeof conf - 1)) {
        OPENSSL_INIT_set_config_filename(set, path);
        OPENSSL_INIT_set_config_appname(set, "sslprov_records_diff");
        OPENSSL_INIT_set_config_file_flags(set, 0);
        ok = OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, set);
    }
    if (fd >= 0)
        close(fd), unlink(path);
    OPENSSL_INIT_free(set);
    return ok;
}

/* A CBC handshake's first record must be MAC-then-encrypt: 1 byte of AES-128-CBC-SHA on
 * TLS 1.2 is header 5 + IV 16 + 32 (1 + MAC 20 + padding 11) = 53, not 5 + 16 + 16 + 20. */
static int etm_is_off(void)
{
    static const struct suite_case probe = {"AES128-SHA", 0x002F, T12, K_CBC, 16, 0, 0, 0};
    struct peer_run r;
    unsigned char *rec = NULL, b = 1;
    size_t len = 0;
    int ok = handshake(&probe, TLS1_2_VERSION, 0, &r) && peer_capture_record(&r, 0, &b, 1, &rec, &len) && len == 53;

    free(rec);
    peer_free(&r);
    return ok;
}

int main(void)
{
    OSSL_PROVIDER *deflt, *legacy;

    CHECK(no_encrypt_then_mac());

    /* let libssl use the weak ciphers if it was built with them */
    deflt = OSSL_PROVIDER_load(NULL, "default");
    legacy = OSSL_PROVIDER_load(NULL, "legacy");
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    CHECK(etm_is_off());
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t v = 0; v < sizeof versions / sizeof versions[0]; v++)
            if (cases[c].protos & versions[v].bit)
                run_case(&cases[c], versions[v].v, versions[v].name);
    snprintf(ctx, sizeof ctx, "end");
    printf("%u (protocol, suite) runs compared with libssl; libssl cannot negotiate: %s\n", runs,
           missing[0] ? missing : "(none)");
    printf("%u records byte-identical to libssl's, %u compared by length and acceptance (GCM, TLS 1.1+ CBC); "
           "first-record sequence number checked in %u runs\n", exact, lengths_only, seq_checked);
    printf("libssl wrote no empty record to compare for %u runs (only TLS 1.0 CBC does)\n", skipped_empty);
    EXPECT(runs >= 100);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    peer_global_cleanup();
    OSSL_PROVIDER_unload(legacy);
    OSSL_PROVIDER_unload(deflt);
    return check_summary();
}
