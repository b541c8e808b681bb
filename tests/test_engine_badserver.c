/* test_engine_badserver.c - `sslprov connect` against a TLS server that misbehaves on purpose
 * (issue 13, "negative cases against a misbehaving server you script").
 *
 * The server is a script on a raw loopback socket: it reads the ClientHello, then answers with
 * a TLS 1.3 handshake for one suite (TLS_AES_128_GCM_SHA256), one group (X25519) and an ECDSA
 * P-256 certificate for "localhost" issued by a test CA - with one twist per case. Its secrets
 * are sslprov's own, through the public API as a Windows server would drive it (the call
 * patterns of test_windows_client13.c, seen from the other side): SslCreateEphemeralKey,
 * SslImportKey(SSL_ECCPUBLIC_BLOB), SslExtractEarlyKey/HandshakeKey/MasterKey,
 * SslExpandTrafficKeys + SslExpandWriteKey, SslEncryptPacket/SslDecryptPacket on
 * TLSInnerPlaintext (conventions.md §5), SslComputeFinishedHash, SslComputeClientAuthHash with
 * NCRYPT_SSL_SERVER_FLAG for the CertificateVerify content and SslSignHash on the key
 * SslOpenPrivateKey finds for the certificate's CERT_CONTEXT. Because the server holds the
 * client handshake traffic secret too, it reads the client's encrypted alerts and Finished.
 *
 * Each case spawns the client (argv[1], default the CLI this build made; BADSERVER_CLIENT=openssl
 * runs `openssl s_client` instead, to debug the script against a reference client) as
 *     sslprov connect 127.0.0.1:PORT --cafile CA --sni localhost --timeout 5 [--tls1.3]
 * and checks: the alert the client sends (in plaintext when the client cannot have keys yet;
 * after ServerHello either, see "Judging"), that it comes before the client's own timeout,
 * exit status 1 and the one line on stderr "sslprov connect: <step>: <reason> (sent alert
 * <name>)" (notes/cli-contract.md).
 * The positive twin completes the handshake, the bytes fed to the client's stdin arrive at the
 * server decrypted byte for byte, the server's reply comes out of the client's stdout, both
 * close_notify, exit 0. Under the ASan build the CLI is ASan-built: a sanitizer report on its
 * stderr breaks the one-line rule and fails the case.
 *
 * Cases (RFC 8446 unless said otherwise; the table is at the end):
 *  - ServerHello whose extensions<2> length promises 8 bytes more than the message holds
 *    -> decode_error (§6.2: "the length of the message was incorrect");
 *  - a 2^14+256+1-byte record: as the first record (plaintext), and after ServerHello
 *    (protected) -> record_overflow (§5.1, §5.2);
 *  - a record with 2^14+1 bytes of content, plaintext and protected (its ciphertext within
 *    §5.2's bound: only the decrypted length tells) -> record_overflow (§5.1);
 *  - a Certificate that claims 16 MiB, sent header first -> refused without waiting for the
 *    rest: decode_error or illegal_parameter (RFC 8446 names no bound; OpenSSL's and
 *    BoringSSL's "excessive message size" is illegal_parameter, the engine's parser speaks
 *    decode_error), within the client's timeout;
 *  - ServerHello with a key_share for secp256r1, which the client sent no share for
 *    -> illegal_parameter (§4.2.8);
 *  - ServerHello with a cipher suite the client did not offer -> illegal_parameter (§4.1.3);
 *  - ServerHello whose legacy_session_id_echo is not the client's -> illegal_parameter (§4.1.3);
 *  - ServerHello whose supported_versions selects TLS 1.2 -> illegal_parameter (§4.2.1);
 *  - a TLS 1.2 ServerHello whose random ends in "DOWNGRD\x01", to a client offering 1.3 and 1.2
 *    -> illegal_parameter (§4.1.3);
 *  - Certificate before EncryptedExtensions, and Finished where CertificateVerify belongs
 *    -> unexpected_message (§4, §6.2);
 *  - CertificateVerify with the signature's last byte flipped -> decrypt_error (§4.4.3);
 *  - Finished with one byte of verify_data flipped -> decrypt_error (§4.4.4).
 *
 * Every wait is bounded: accept, each read (poll with a deadline), the child's exit (SIGKILL
 * after a deadline, always reaped).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <sslprovider.h>
#include <sslprov_ext.h>
#include <sslprov_opaque.h>

#include "bytes.h"
#include "cert.h"
#include "check.h"
#include "winstyle.h"

extern char **environ;

/* RFC 8446 */
#define RECORD_HEADER       5
#define HANDSHAKE_HEADER    4
#define MAX_PLAINTEXT       16384
#define MAX_CIPHERTEXT      (MAX_PLAINTEXT + 256)
#define RANDOM_LEN          32
#define TLS12               0x0303
#define TLS13               0x0304
#define SUITE               TLS_AES_128_GCM_SHA256
#define HASH_LEN            32          /* SHA-256, the suite's hash */
#define TAG_LEN             16          /* AES-128-GCM (RFC 5116 §5.1) */
#define X25519_LEN          32
#define SCHEME_ECDSA_P256   0x0403      /* ecdsa_secp256r1_sha256 */

#define HS_SERVER_HELLO     2
#define HS_ENCRYPTED_EXT    8
#define HS_CERTIFICATE      11
#define HS_CERTIFICATE_VFY  15
#define HS_FINISHED         20

#define EXT_EMS             23          /* RFC 7627 */
#define EXT_SUPPORTED_VERS  43
#define EXT_KEY_SHARE       51
#define EXT_RENEGOTIATION   0xFF01      /* RFC 5746 */
#define SCSV_RENEGOTIATION  0x00FF

#define ALERT_WARNING       1
#define ALERT_CLOSE_NOTIFY  0

/* Bounds of this test. The client's own bound is --timeout 5: an alert later than PROMPT_MS
 * came from giving up, not from the check the case is about; ALERT_MS is longer than the
 * client's timeout so that such a client is seen and named rather than cut off. */
#define CLIENT_TIMEOUT      "5"
#define ACCEPT_MS           10000
#define ALERT_MS            8000
#define PROMPT_MS           4000
#define EXIT_MS             5000
#define MAX_RECORDS_AWAITED 16
#define HELLO_MAX           (4 * MAX_PLAINTEXT)
#define OUTPUT_MAX          65536
#define REQUEST_LEN         20000       /* two records' worth: the client must split it */
#define REPLY_LEN           5000
#define HUGE_MESSAGE_LEN    0xFFFFFF    /* the largest uint24: 16 MiB - 1 */
#define HUGE_PREFIX_LEN     1000        /* what is sent of it before waiting for the alert */

enum twist {
    TW_NONE,
    TW_SH_TRUNCATED,        /* ServerHello extensions<2> length 8 bytes too long */
    TW_PLAIN_OVERFLOW,      /* first record 2^14+256+1 bytes, plaintext */
    TW_CIPHER_OVERFLOW,     /* after ServerHello, an application_data record of that length */
    TW_PLAIN_OVER_BY_ONE,   /* first record 2^14+1 bytes of plaintext */
    TW_CONTENT_OVER_BY_ONE, /* after ServerHello, a protected record with 2^14+1 content bytes */
    TW_SESSION_ID,          /* ServerHello legacy_session_id_echo not the client's */
    TW_VERSION,             /* ServerHello supported_versions selecting TLS 1.2 */
    TW_HUGE_CERTIFICATE,    /* Certificate claiming 16 MiB */
    TW_GROUP,               /* ServerHello key_share for secp256r1 */
    TW_SUITE,               /* ServerHello cipher_suite not offered */
    TW_DOWNGRADE,           /* TLS 1.2 ServerHello with the TLS 1.3 downgrade sentinel */
    TW_CERT_BEFORE_EE,      /* Certificate where EncryptedExtensions belongs */
    TW_FINISHED_FOR_CV,     /* Finished where CertificateVerify belongs */
    TW_BAD_CV,              /* CertificateVerify signature, last byte flipped */
    TW_BAD_FINISHED         /* server Finished, one byte flipped */
};

struct bad_case {
    const char *name;
    enum twist twist;
    const char *version;    /* "--tls1.3", or NULL: the client's default offer (1.3 and 1.2) */
    int alert;              /* what the client must send; -1: nothing, the handshake completes */
    int other_alert;        /* also right (the RFC leaves the choice open); -1 none */
    bool keys;              /* the client has the handshake keys when it fails: its alert may
                               come encrypted (see alert_protection_fits) */
    const char *steps;      /* the <step>s of the error line that fit, '|'-separated */
};

/* What the ClientHello offered. */
struct offer {
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t x25519[X25519_LEN];
    bool has_x25519;
    bool offers_tls13;
    bool offers_suite;          /* TLS_AES_128_GCM_SHA256 */
    uint16_t unoffered13;       /* a TLS 1.3 suite it did not offer, 0 none */
    uint16_t suite12;           /* the first TLS 1.2 suite it offered, 0 none */
    bool ems;
    bool renegotiation;         /* renegotiation_info or its SCSV */
};

/* The server's credentials and the client to run, for every case. */
struct setup {
    NCRYPT_PROV_HANDLE prov;
    PCCERT_CONTEXT cert;        /* the leaf, its key associated (SslOpenPrivateKey finds it) */
    char dir[64];               /* temporary: ca.pem, the client's stdout and stderr */
    char ca_path[96];
    const char *cli;            /* NULL: openssl s_client */
};

struct conn {
    const struct setup *s;
    const struct bad_case *bc;
    int fd;
    long long deadline;         /* of the current wait, CLOCK_MONOTONIC ms */
    long long twist_ms;         /* when the case's last server record went out */
    struct offer offer;

    NCRYPT_HASH_HANDLE transcript;
    NCRYPT_KEY_HANDLE eph, peer_share, early, hs, master;
    NCRYPT_KEY_HANDLE c_hs, s_hs, c_ap, s_ap;   /* traffic secrets */
    NCRYPT_KEY_HANDLE write_key, read_key, sign_key;
    uint64_t write_seq, read_seq;

    uint8_t rec[RECORD_HEADER + MAX_CIPHERTEXT];
    bool last_protected;        /* the last record read was decrypted */
    bool eof;
    uint8_t hs_buf[HELLO_MAX];  /* handshake bytes not yet a whole message */
    size_t hs_len;

    /* outcome */
    int alert;                  /* the client's fatal/closing alert, -1 none */
    int alert_level;
    bool alert_protected;
    long long alert_ms;
    char seen[128];             /* what else came while an alert was awaited */
    bool data_ok;               /* positive twin: request in, reply and close_notify out */
    char failure[256];          /* the script's own trouble */
};

struct outcome {
    int status;                 /* waitpid status */
    bool killed;                /* had to be killed at the deadline */
    char out[OUTPUT_MAX];
    size_t out_len;
    bool out_ok;                /* stdout is the server's reply, byte for byte */
    char err[OUTPUT_MAX];
    size_t err_len;
};

/* ==== Small things ========================================================================== */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first trouble of the script wins; false so callers can return it. */
static bool fail(struct conn *c, const char *fmt, ...)
{
    va_list ap;

    if (c->failure[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(c->failure, sizeof(c->failure), fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool api(struct conn *c, const char *call, SECURITY_STATUS st)
{
    return SUCCEEDED(st) || fail(c, "%s returned 0x%08x", call, (unsigned)st);
}

static void free_handle(NCRYPT_HANDLE *h)
{
    if (*h != 0)
        SslFreeObject(*h, 0);
    *h = 0;
}

static const char *alert_name(int alert)
{
    static const struct { int code; const char *name; } names[] = {
        {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
        {22, "record_overflow"}, {40, "handshake_failure"}, {42, "bad_certificate"},
        {43, "unsupported_certificate"}, {46, "certificate_unknown"}, {47, "illegal_parameter"},
        {48, "unknown_ca"}, {50, "decode_error"}, {51, "decrypt_error"},
        {70, "protocol_version"}, {71, "insufficient_security"}, {80, "internal_error"},
        {86, "inappropriate_fallback"}, {90, "user_canceled"}, {109, "missing_extension"},
        {110, "unsupported_extension"}, {112, "unrecognized_name"},
    };
    const char *name = alert < 0 ? "none" : "unknown";

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].code == alert)
            name = names[i].name;
    return name;
}

/* ==== The socket, every wait bounded by c->deadline ========================================== */

static bool wait_fd(int fd, short events, long long deadline)
{
    struct pollfd p = {fd, events, 0};
    long long left;
    int n;

    do {
        left = deadline - now_ms();
        n = poll(&p, 1, left > 0 ? (int)left : 0);
    } while (n < 0 && errno == EINTR);
    return n > 0;
}

/* Exactly len bytes, or false (EOF, reset or the deadline: c->eof says which is which). */
static bool net_read(struct conn *c, uint8_t *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;

    while (got < len) {
        if (!wait_fd(c->fd, POLLIN, c->deadline))
            return false;
        n = recv(c->fd, buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            c->eof = n == 0 || errno == ECONNRESET;
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

/* A write the client may have stopped reading: MSG_NOSIGNAL, and a failure is only noted, as
 * the client's alert (already on its way) is what the case judges. */
static bool net_write(struct conn *c, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    ssize_t n;

    while (done < len && wait_fd(c->fd, POLLOUT, c->deadline)) {
        n = send(c->fd, buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR)
            break;
        done += n > 0 ? (size_t)n : 0;
    }
    c->twist_ms = now_ms();
    return done == len;
}

/* ==== Records (conventions.md §5: TLSInnerPlaintext in, the whole record out) =============== */

/* SslEncryptPacket rightly refuses to seal more than 2^14+1 bytes of TLSInnerPlaintext, so the
 * one over-long record this script needs (send_content_over_by_one) is sealed here by hand,
 * RFC 8446 §5.2-5.3, with the key and fixed IV of the write key exported as an OpaqueKeyBlob
 * ('ssl3': the key after the KDBM header, the IV in the header; sslprov_opaque.h). rec holds the
 * TLSInnerPlaintext at RECORD_HEADER and room for the tag after it. */
static bool seal_by_hand(struct conn *c, uint8_t *rec, size_t inner)
{
    uint8_t blob[256], nonce[12];
    DWORD blob_len = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = false;

    if (ctx == NULL || !api(c, "SslExportKey (BCRYPT_OPAQUE_KEY_BLOB)",
                            SslExportKey(c->s->prov, c->write_key, BCRYPT_OPAQUE_KEY_BLOB, blob,
                                         sizeof(blob), &blob_len, 0)))
        goto out;
    if (blob_len < SSLPROV_OPAQUE_KDBM_KEY + 16 || get32(blob + SSLPROV_OPAQUE_KDBM_KEYLEN) != 16 ||
        get32(blob + SSLPROV_OPAQUE_IVLEN) != sizeof(nonce)) {
        fail(c, "the write key's OpaqueKeyBlob is not an AES-128-GCM key with a 12-byte IV");
        goto out;
    }
    memcpy(nonce, blob + SSLPROV_OPAQUE_IV, sizeof(nonce));
    for (int i = 0; i < 8; i++)                      /* §5.3: the IV xor the sequence number */
        nonce[sizeof(nonce) - 1 - i] ^= (uint8_t)(c->write_seq >> (8 * i));
    rec[0] = CT_APPLICATIONDATA;
    put16be(rec + 1, TLS12);
    put16be(rec + 3, inner + TAG_LEN);
    ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, blob + SSLPROV_OPAQUE_KDBM_KEY,
                            nonce) == 1 &&
         EVP_EncryptUpdate(ctx, NULL, &n, rec, RECORD_HEADER) == 1 &&     /* §5.2: the AAD */
         EVP_EncryptUpdate(ctx, rec + RECORD_HEADER, &n, rec + RECORD_HEADER, (int)inner) == 1 &&
         EVP_EncryptFinal_ex(ctx, rec + RECORD_HEADER + inner, &n) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, rec + RECORD_HEADER + inner) == 1;
    c->write_seq++;
out:
    OPENSSL_cleanse(blob, sizeof(blob));
    EVP_CIPHER_CTX_free(ctx);
    return ok || fail(c, "could not seal the over-long record");
}

static bool record_write(struct conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    size_t inner = c->write_key != 0 ? len + 1 : len;
    size_t total = RECORD_HEADER + inner + (c->write_key != 0 ? TAG_LEN : 0);
    uint8_t *rec = malloc(total);
    DWORD result = 0;
    bool ok = false;

    if (rec == NULL || len > MAX_PLAINTEXT + 1)       /* + 1: send_content_over_by_one */
        goto out;
    memcpy(rec + RECORD_HEADER, data, len);
    if (c->write_key == 0) {
        rec[0] = type;
        put16be(rec + 1, TLS12);
        put16be(rec + 3, len);
        ok = true;
    } else if (inner > MAX_PLAINTEXT + 1) {
        rec[RECORD_HEADER + len] = type;
        ok = seal_by_hand(c, rec, inner);
    } else {
        rec[RECORD_HEADER + len] = type;    /* TLSInnerPlaintext.type, no padding */
        ok = api(c, "SslEncryptPacket",
                 SslEncryptPacket(c->s->prov, c->write_key, rec + RECORD_HEADER, (DWORD)inner,
                                  rec, (DWORD)total, &result, c->write_seq++,
                                  CT_APPLICATIONDATA, 0)) &&
             (result == total || fail(c, "SslEncryptPacket: %u bytes, want %zu",
                                      (unsigned)result, total));
    }
    if (ok)
        net_write(c, rec, total);
out:
    if (rec != NULL)
        OPENSSL_cleanse(rec, total);
    free(rec);
    return ok || fail(c, "could not build a record");
}

/* The client's next record; protected ones (outer type 23 once the script holds the client's
 * key) decrypted in place, the inner type in *type. */
static bool record_read(struct conn *c, uint8_t *type, uint8_t **frag, size_t *len)
{
    size_t body;
    DWORD inner = 0;

    if (!net_read(c, c->rec, RECORD_HEADER))
        return false;
    body = get16be(c->rec + 3);
    if (body > MAX_CIPHERTEXT)
        return fail(c, "the client sent a %zu-byte record", body);
    if (!net_read(c, c->rec + RECORD_HEADER, body))
        return false;
    *type = c->rec[0];
    *frag = c->rec + RECORD_HEADER;
    *len = body;
    c->last_protected = *type == CT_APPLICATIONDATA && c->read_key != 0;
    if (!c->last_protected)
        return true;
    if (!api(c, "SslDecryptPacket (a record of the client)",
             SslDecryptPacket(c->s->prov, c->read_key, c->rec, (DWORD)(RECORD_HEADER + body),
                              c->rec + RECORD_HEADER, (DWORD)body, &inner, c->read_seq++, 0)))
        return false;
    while (inner > 0 && c->rec[RECORD_HEADER + inner - 1] == 0)
        inner--;                                    /* zero padding (RFC 8446 §5.4) */
    if (inner == 0)
        return fail(c, "a protected record of the client without a content type");
    *type = c->rec[RECORD_HEADER + inner - 1];
    *len = inner - 1;
    return true;
}

/* The client's next handshake message, whatever the record boundaries (the compatibility
 * ChangeCipherSpec of RFC 8446 Appendix D.4 skipped). An alert instead is recorded. */
static bool handshake_read(struct conn *c, uint8_t *msg, size_t cap, size_t *msg_len)
{
    uint8_t type;
    uint8_t *frag;
    size_t len, need;

    for (int i = 0; i < MAX_RECORDS_AWAITED; i++) {
        need = c->hs_len >= HANDSHAKE_HEADER ? HANDSHAKE_HEADER + get24be(c->hs_buf + 1) : 0;
        if (need > cap)
            return fail(c, "a %zu-byte handshake message from the client", need);
        if (need != 0 && c->hs_len >= need) {
            memcpy(msg, c->hs_buf, need);
            memmove(c->hs_buf, c->hs_buf + need, c->hs_len - need);
            c->hs_len -= need;
            *msg_len = need;
            return true;
        }
        if (!record_read(c, &type, &frag, &len))
            return fail(c, "the client sent no handshake message (%s)",
                        c->eof ? "connection closed" : "timeout");
        if (type == CT_ALERT && len == 2) {
            c->alert_level = frag[0];
            c->alert = frag[1];
            c->alert_protected = c->last_protected;
            return fail(c, "the client sent alert %s", alert_name(c->alert));
        }
        if (type == CT_CHANGE_CIPHER_SPEC)
            continue;
        if (type != CT_HANDSHAKE || len > sizeof(c->hs_buf) - c->hs_len)
            return fail(c, "a record of type %u (%zu bytes) from the client", type, len);
        memcpy(c->hs_buf + c->hs_len, frag, len);
        c->hs_len += len;
    }
    return fail(c, "no whole handshake message in %d records", MAX_RECORDS_AWAITED);
}

static bool transcript_add(struct conn *c, const uint8_t *msg, size_t len)
{
    return api(c, "SslHashHandshake",
               SslHashHandshake(c->s->prov, c->transcript, (PBYTE)msg, (DWORD)len, 0));
}

/* Frame, hash and send one message of ours, in a record of its own. */
static bool handshake_write(struct conn *c, uint8_t type, const uint8_t *body, size_t len)
{
    uint8_t *msg = malloc(HANDSHAKE_HEADER + len);
    bool ok = false;

    if (msg != NULL) {
        msg[0] = type;
        msg[1] = (uint8_t)(len >> 16);
        put16be(msg + 2, len);
        memcpy(msg + HANDSHAKE_HEADER, body, len);
        ok = transcript_add(c, msg, HANDSHAKE_HEADER + len) &&
             record_write(c, CT_HANDSHAKE, msg, HANDSHAKE_HEADER + len);
    }
    free(msg);
    return ok;
}

/* ==== ClientHello =========================================================================== */

static void offer_suites(struct offer *o, READER *r)
{
    static const uint16_t others13[] = {0x1302, 0x1303, 0x1304, 0x1305};
    bool seen13[sizeof(others13) / sizeof(others13[0])] = {false};
    DWORD n = GetNumber(r, 2) / 2;
    uint16_t suite;

    for (DWORD i = 0; i < n && !r->fError; i++) {
        suite = (uint16_t)GetNumber(r, 2);
        o->offers_suite |= suite == SUITE;
        o->renegotiation |= suite == SCSV_RENEGOTIATION;
        for (size_t k = 0; k < sizeof(others13) / sizeof(others13[0]); k++)
            seen13[k] |= suite == others13[k];
        if (o->suite12 == 0 && (suite >> 8) != 0x13 && suite != SCSV_RENEGOTIATION &&
            suite != 0x5600)                        /* TLS_FALLBACK_SCSV (RFC 7507) */
            o->suite12 = suite;
    }
    for (size_t k = 0; k < sizeof(others13) / sizeof(others13[0]) && o->unoffered13 == 0; k++)
        if (!seen13[k])
            o->unoffered13 = others13[k];
}

static void offer_extension(struct offer *o, DWORD type, READER *e)
{
    DWORD n, group, len;
    const BYTE *key;

    if (type == EXT_SUPPORTED_VERS) {
        n = GetNumber(e, 1) / 2;
        for (DWORD i = 0; i < n && !e->fError; i++)
            o->offers_tls13 |= GetNumber(e, 2) == TLS13;
    } else if (type == EXT_KEY_SHARE) {
        GetNumber(e, 2);
        while (!e->fError && e->off < e->cb) {
            group = GetNumber(e, 2);
            len = GetNumber(e, 2);
            key = GetBytes(e, len);
            if (key != NULL && group == TLS_ECC_X25519_CURVE_KEY_TYPE && len == X25519_LEN) {
                memcpy(o->x25519, key, X25519_LEN);
                o->has_x25519 = true;
            }
        }
    } else if (type == EXT_EMS) {
        o->ems = true;
    } else if (type == EXT_RENEGOTIATION) {
        o->renegotiation = true;
    }
}

/* RFC 8446 §4.1.2. The message goes into the transcript as it came. */
static bool read_client_hello(struct conn *c)
{
    struct offer *o = &c->offer;
    uint8_t *msg = malloc(HELLO_MAX);
    READER r, e;
    const BYTE *sid;
    size_t len = 0;
    DWORD ext_end, type, ext_len;
    bool ok;

    if (msg == NULL || !handshake_read(c, msg, HELLO_MAX, &len)) {
        free(msg);
        return fail(c, "no ClientHello");
    }
    r = (READER){msg + HANDSHAKE_HEADER, (DWORD)(len - HANDSHAKE_HEADER), 0, FALSE};
    GetNumber(&r, 2);
    GetBytes(&r, RANDOM_LEN);
    o->session_id_len = GetNumber(&r, 1);
    sid = GetBytes(&r, (DWORD)o->session_id_len);
    if (sid != NULL && o->session_id_len <= sizeof(o->session_id))
        memcpy(o->session_id, sid, o->session_id_len);
    offer_suites(o, &r);
    GetBytes(&r, GetNumber(&r, 1));                  /* legacy_compression_methods */
    ext_end = GetNumber(&r, 2) + r.off;
    while (!r.fError && r.off < ext_end) {
        type = GetNumber(&r, 2);
        ext_len = GetNumber(&r, 2);
        e = (READER){GetBytes(&r, ext_len), ext_len, 0, FALSE};
        if (e.pb != NULL)
            offer_extension(o, type, &e);
    }
    if (msg[0] != 1 || !ReaderDone(&r) || o->session_id_len > sizeof(o->session_id))
        ok = fail(c, "the ClientHello does not parse");
    else if (!o->offers_suite || !o->has_x25519)
        ok = fail(c, "the ClientHello has no TLS_AES_128_GCM_SHA256 or no X25519 key share: "
                  "this script serves only those");
    else
        ok = api(c, "SslCreateHandshakeHash",
                 SslCreateHandshakeHash(c->s->prov, &c->transcript, TLS1_3_PROTOCOL_VERSION,
                                        SUITE, 0)) &&
             transcript_add(c, msg, len);
    free(msg);
    return ok;
}

/* ==== ServerHello and the handshake keys ==================================================== */

/* Our key share for group: SslCreateEphemeralKey, its wire bytes by SslExportKey after the
 * 8-byte SSL_ECCKEY_BLOB header. */
static bool make_share(struct conn *c, DWORD group, uint8_t *share, size_t cap, size_t *len)
{
    uint8_t blob[sizeof(SSL_ECCKEY_BLOB) + 133];
    DWORD blob_len = 0;

    if (!api(c, "SslCreateEphemeralKey",
             SslCreateEphemeralKey(c->s->prov, &c->eph, TLS1_3_PROTOCOL_VERSION, SUITE, group, 0,
                                   NULL, 0, NCRYPT_SSL_SERVER_FLAG)) ||
        !api(c, "SslExportKey (SSL_ECCPUBLIC_BLOB)",
             SslExportKey(c->s->prov, c->eph, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), &blob_len, 0)))
        return false;
    if (blob_len < sizeof(SSL_ECCKEY_BLOB) || blob_len - sizeof(SSL_ECCKEY_BLOB) > cap)
        return fail(c, "SslExportKey: a %u-byte share", (unsigned)blob_len);
    *len = blob_len - sizeof(SSL_ECCKEY_BLOB);
    memcpy(share, blob + sizeof(SSL_ECCKEY_BLOB), *len);
    return true;
}

/* A record key for a traffic secret, replacing the previous one of that direction. */
static bool switch_key(struct conn *c, NCRYPT_KEY_HANDLE secret, bool write)
{
    NCRYPT_KEY_HANDLE *key = write ? &c->write_key : &c->read_key;

    free_handle(key);
    if (write)
        c->write_seq = 0;                            /* RFC 8446 §5.3: per key */
    else
        c->read_seq = 0;
    return api(c, "SslExpandWriteKey", SslExpandWriteKey(c->s->prov, secret, key, NULL, 0));
}

/* RFC 8446 §7.1 through the API: the client's X25519 share in, the handshake secret, both
 * handshake traffic secrets over ClientHello..ServerHello, their record keys. */
static bool handshake_keys(struct conn *c)
{
    uint8_t blob[sizeof(SSL_ECCKEY_BLOB) + X25519_LEN];
    SSL_ECCKEY_BLOB header = {TLS_ECC_X25519_CURVE_KEY_TYPE, X25519_LEN};
    const struct setup *s = c->s;

    memcpy(blob, &header, sizeof(header));
    memcpy(blob + sizeof(header), c->offer.x25519, X25519_LEN);
    return api(c, "SslImportKey (SSL_ECCPUBLIC_BLOB)",
               SslImportKey(s->prov, &c->peer_share, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), 0)) &&
           api(c, "SslExtractEarlyKey",
               SslExtractEarlyKey(s->prov, 0, &c->early, TLS1_3_PROTOCOL_VERSION, SUITE, NULL, 0)) &&
           api(c, "SslExtractHandshakeKey",
               SslExtractHandshakeKey(s->prov, c->eph, c->peer_share, c->early, &c->hs, NULL, 0)) &&
           api(c, "SslExpandTrafficKeys (handshake)",
               SslExpandTrafficKeys(s->prov, c->hs, c->transcript, &c->c_hs, &c->s_hs, NULL, 0)) &&
           switch_key(c, c->s_hs, true) && switch_key(c, c->c_hs, false);
}

/* The twists that make the ServerHello itself unacceptable: the client gets no keys. */
static bool hello_refused(enum twist tw)
{
    return tw == TW_SH_TRUNCATED || tw == TW_GROUP || tw == TW_SUITE || tw == TW_SESSION_ID ||
           tw == TW_VERSION;
}

/* RFC 8446 §4.1.3, with the case's twist: another group, another suite, or an extensions
 * length that promises more than the message holds. */
static bool send_server_hello13(struct conn *c)
{
    enum twist tw = c->bc->twist;
    uint8_t msg[512], random[RANDOM_LEN], share[133], sid[32];
    WRITER w = {msg, 0, sizeof(msg), FALSE};
    DWORD body, exts, entry;
    size_t share_len = 0, sid_len = c->offer.session_id_len;
    DWORD group = tw == TW_GROUP ? TLS_ECC_P256_CURVE_KEY_TYPE : TLS_ECC_X25519_CURVE_KEY_TYPE;

    if (tw == TW_SUITE && c->offer.unoffered13 == 0)
        return fail(c, "the client offered every TLS 1.3 suite: none is left to twist with");
    if (!make_share(c, group, share, sizeof(share), &share_len) ||
        RAND_bytes(random, sizeof(random)) != 1 || RAND_bytes(sid, sizeof(sid)) != 1)
        return fail(c, "no server share or random");
    if (tw != TW_SESSION_ID)
        memcpy(sid, c->offer.session_id, sid_len);
    else if (sid_len == 0)
        sid_len = sizeof(sid);                       /* an echo of nothing, with 32 bytes */
    else
        sid[0] = c->offer.session_id[0] ^ 0x01;      /* the rest random: surely not the echo */
    PutNumber(&w, HS_SERVER_HELLO, 1);
    body = OpenVector(&w, 3);
    PutNumber(&w, TLS12, 2);                         /* legacy_version */
    PutBytes(&w, random, sizeof(random));
    PutNumber(&w, (DWORD)sid_len, 1);
    PutBytes(&w, sid, (DWORD)sid_len);
    PutNumber(&w, tw == TW_SUITE ? c->offer.unoffered13 : SUITE, 2);
    PutNumber(&w, 0, 1);                             /* legacy_compression_method */
    exts = OpenVector(&w, 2);
    PutNumber(&w, EXT_SUPPORTED_VERS, 2);
    PutNumber(&w, 2, 2);
    PutNumber(&w, tw == TW_VERSION ? TLS12 : TLS13, 2);
    PutNumber(&w, EXT_KEY_SHARE, 2);
    entry = OpenVector(&w, 2);
    PutNumber(&w, group, 2);
    PutNumber(&w, (DWORD)share_len, 2);
    PutBytes(&w, share, (DWORD)share_len);
    CloseVector(&w, entry, 2);
    CloseVector(&w, exts, 2);
    CloseVector(&w, body, 3);
    if (tw == TW_SH_TRUNCATED)
        put16be(msg + exts, get16be(msg + exts) + 8);
    /* The handshake keys come after it is sent (in plaintext); a ServerHello the client must
     * refuse leads to no keys, and its alert comes in plaintext. */
    return (!w.fOverflow || fail(c, "ServerHello buffer")) &&
           transcript_add(c, msg, w.cb) && record_write(c, CT_HANDSHAKE, msg, w.cb) &&
           (hello_refused(tw) || handshake_keys(c));
}

/* A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) for the first TLS 1.2 suite offered, with the
 * extensions a 1.2 client that offered them wants back, a fresh session id (so it is no
 * resumption), and the random's last 8 bytes "DOWNGRD\x01" (RFC 8446 §4.1.3): a client that
 * offered TLS 1.3 must refuse it with illegal_parameter. */
static bool send_server_hello12_downgrade(struct conn *c)
{
    static const uint8_t sentinel[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01};
    uint8_t msg[256], random[RANDOM_LEN], sid[32];
    WRITER w = {msg, 0, sizeof(msg), FALSE};
    DWORD body, exts;

    if (!c->offer.offers_tls13 || c->offer.suite12 == 0)
        return fail(c, "the client did not offer both TLS 1.3 and a TLS 1.2 suite");
    if (RAND_bytes(random, sizeof(random)) != 1 || RAND_bytes(sid, sizeof(sid)) != 1)
        return fail(c, "RAND_bytes");
    memcpy(random + RANDOM_LEN - sizeof(sentinel), sentinel, sizeof(sentinel));
    PutNumber(&w, HS_SERVER_HELLO, 1);
    body = OpenVector(&w, 3);
    PutNumber(&w, TLS12, 2);
    PutBytes(&w, random, sizeof(random));
    PutNumber(&w, sizeof(sid), 1);
    PutBytes(&w, sid, sizeof(sid));
    PutNumber(&w, c->offer.suite12, 2);
    PutNumber(&w, 0, 1);
    exts = OpenVector(&w, 2);
    if (c->offer.renegotiation) {
        PutNumber(&w, EXT_RENEGOTIATION, 2);         /* RFC 5746 §3.6: empty, initial handshake */
        PutNumber(&w, 1, 2);
        PutNumber(&w, 0, 1);
    }
    if (c->offer.ems) {
        PutNumber(&w, EXT_EMS, 2);
        PutNumber(&w, 0, 2);
    }
    CloseVector(&w, exts, 2);
    CloseVector(&w, body, 3);
    return (!w.fOverflow || fail(c, "ServerHello buffer")) &&
           record_write(c, CT_HANDSHAKE, msg, w.cb);
}

/* ==== The server's encrypted flight ========================================================= */

static bool send_encrypted_extensions(struct conn *c)
{
    static const uint8_t none[2] = {0, 0};

    return handshake_write(c, HS_ENCRYPTED_EXT, none, sizeof(none));
}

/* RFC 8446 §4.4.2: empty context, one CertificateEntry (the leaf; the CA is the client's
 * trust anchor), no extensions. The huge twist sends the header of a 16 MiB message and the
 * first bytes of its body, and nothing more: a client that waits for the rest misses its
 * deadline. */
static bool send_certificate(struct conn *c)
{
    const CERT_CONTEXT *cert = c->s->cert;
    size_t len = 1 + 3 + 3 + cert->cbCertEncoded + 2;
    uint8_t *body = calloc(1, len > HUGE_PREFIX_LEN ? len : HUGE_PREFIX_LEN);
    uint8_t huge[HANDSHAKE_HEADER + HUGE_PREFIX_LEN];
    bool ok = false;

    if (body == NULL)
        return fail(c, "out of memory");
    body[0] = 0;
    body[1] = (uint8_t)((len - 4) >> 16);
    put16be(body + 2, len - 4);
    body[4] = (uint8_t)(cert->cbCertEncoded >> 16);
    put16be(body + 5, cert->cbCertEncoded);
    memcpy(body + 7, cert->pbCertEncoded, cert->cbCertEncoded);
    put16be(body + 7 + cert->cbCertEncoded, 0);
    if (c->bc->twist != TW_HUGE_CERTIFICATE) {
        ok = handshake_write(c, HS_CERTIFICATE, body, len);
    } else {
        huge[0] = HS_CERTIFICATE;
        huge[1] = (uint8_t)(HUGE_MESSAGE_LEN >> 16);
        put16be(huge + 2, HUGE_MESSAGE_LEN & 0xFFFF);
        memcpy(huge + HANDSHAKE_HEADER, body, HUGE_PREFIX_LEN);
        huge[HANDSHAKE_HEADER + 1] = 0xFF;           /* certificate_list: as long as it can be */
        put16be(huge + HANDSHAKE_HEADER + 2, 0xFFFB);
        ok = record_write(c, CT_HANDSHAKE, huge, sizeof(huge));
    }
    free(body);
    return ok;
}

/* RFC 8446 §4.4.3: the content hash by SslComputeClientAuthHash with NCRYPT_SSL_SERVER_FLAG
 * (the server's context string), signed by SslSignHash (ECDSA: the digest, flags 0, r || s
 * out), sent DER-encoded. The bad-signature twist flips the last byte: s changes, the DER
 * stays well-formed, so only the signature check can catch it. */
static bool send_certificate_verify(struct conn *c)
{
    uint8_t digest[HASH_LEN], rs[64], body[4 + 80];
    DWORD digest_len = 0, rs_len = 0, der_len = 0;

    if (!api(c, "SslComputeClientAuthHash",
             SslComputeClientAuthHash(c->s->prov, c->hs, c->transcript, BCRYPT_SHA256_ALGORITHM,
                                      digest, sizeof(digest), &digest_len,
                                      NCRYPT_SSL_SERVER_FLAG)) ||
        !api(c, "SslOpenPrivateKey", SslOpenPrivateKey(c->s->prov, &c->sign_key, c->s->cert, 0)) ||
        !api(c, "SslSignHash", SslSignHash(c->s->prov, c->sign_key, digest, digest_len, rs,
                                           sizeof(rs), &rs_len, 0)))
        return false;
    if (!EcdsaSignatureToDer(rs, rs_len, body + 4, sizeof(body) - 4, &der_len))
        return fail(c, "EcdsaSignatureToDer");
    if (c->bc->twist == TW_BAD_CV)
        body[4 + der_len - 1] ^= 0x01;
    put16be(body, SCHEME_ECDSA_P256);
    put16be(body + 2, der_len);
    return handshake_write(c, HS_CERTIFICATE_VFY, body, 4 + der_len);
}

/* RFC 8446 §4.4.4 over the transcript so far, from the server handshake traffic secret. */
static bool send_finished(struct conn *c)
{
    uint8_t verify[HASH_LEN];

    if (!api(c, "SslComputeFinishedHash (server)",
             SslComputeFinishedHash(c->s->prov, c->s_hs, c->transcript, verify, HASH_LEN, 0)))
        return false;
    if (c->bc->twist == TW_BAD_FINISHED)
        verify[HASH_LEN / 2] ^= 0x80;
    return handshake_write(c, HS_FINISHED, verify, HASH_LEN);
}

/* A record one byte longer than RFC 8446 §5.2 allows even a protected record, body and all:
 * the header is enough to refuse it (the engine does), but a client that reads the whole
 * record before checking (OpenSSL does) is right too, and must not be left waiting. */
static bool send_oversized_record(struct conn *c, uint8_t type)
{
    uint8_t *rec = calloc(1, RECORD_HEADER + MAX_CIPHERTEXT + 1);
    bool ok = rec != NULL;

    if (ok) {
        rec[0] = type;
        put16be(rec + 1, TLS12);
        put16be(rec + 3, MAX_CIPHERTEXT + 1);
        net_write(c, rec, RECORD_HEADER + MAX_CIPHERTEXT + 1);
    }
    free(rec);
    return ok || fail(c, "out of memory");
}

/* A record whose content is 2^14+1 bytes, one more than RFC 8446 §5.1 allows - plaintext as
 * the first record, or protected (the ciphertext, 2^14+18 bytes, is within §5.2's bound, so
 * only a check of the decrypted length catches it). The content is a handshake message the
 * length fits exactly (a ServerHello, or EncryptedExtensions, of zeros): a client that does not
 * check the length fails on the message instead, with another alert. */
static bool send_content_over_by_one(struct conn *c)
{
    uint8_t *msg = calloc(1, MAX_PLAINTEXT + 1);
    bool ok = msg != NULL;

    if (ok) {
        msg[0] = c->write_key != 0 ? HS_ENCRYPTED_EXT : HS_SERVER_HELLO;
        msg[1] = (uint8_t)((MAX_PLAINTEXT + 1 - HANDSHAKE_HEADER) >> 16);
        put16be(msg + 2, MAX_PLAINTEXT + 1 - HANDSHAKE_HEADER);
        ok = record_write(c, CT_HANDSHAKE, msg, MAX_PLAINTEXT + 1);
    }
    free(msg);
    return ok || fail(c, "could not send the 2^14+1-byte record");
}

/* The server's side of the handshake up to its Finished, the twist in its place. */
static bool server_flight(struct conn *c)
{
    enum twist tw = c->bc->twist;

    if (tw == TW_PLAIN_OVERFLOW)
        return send_oversized_record(c, CT_HANDSHAKE);
    if (tw == TW_DOWNGRADE)
        return send_server_hello12_downgrade(c);
    if (tw == TW_PLAIN_OVER_BY_ONE)
        return send_content_over_by_one(c);
    if (!send_server_hello13(c) || hello_refused(tw))
        return c->failure[0] == '\0';
    if (tw == TW_CIPHER_OVERFLOW)
        return send_oversized_record(c, CT_APPLICATIONDATA);
    if (tw == TW_CONTENT_OVER_BY_ONE)
        return send_content_over_by_one(c);
    if (tw == TW_CERT_BEFORE_EE)
        return send_certificate(c);
    if (!send_encrypted_extensions(c) || !send_certificate(c) || tw == TW_HUGE_CERTIFICATE)
        return c->failure[0] == '\0';
    if (tw == TW_FINISHED_FOR_CV)
        return send_finished(c);
    return send_certificate_verify(c) && send_finished(c);
}

/* ==== What the client does next ============================================================= */

static void note_seen(struct conn *c, const char *what)
{
    size_t used = strlen(c->seen);

    snprintf(c->seen + used, sizeof(c->seen) - used, "%s%s", used > 0 ? ", " : "", what);
}

/* Records until the client's alert, its EOF or the deadline; whatever else it sends first is
 * noted (a client that answers a broken flight with its own Finished did not notice). */
static void await_alert(struct conn *c)
{
    uint8_t type;
    uint8_t *frag;
    size_t len;

    c->deadline = now_ms() + ALERT_MS;
    for (int i = 0; i < MAX_RECORDS_AWAITED && c->alert < 0; i++) {
        if (!record_read(c, &type, &frag, &len)) {
            note_seen(c, c->failure[0] != '\0' ? c->failure : c->eof ? "EOF" : "nothing (timeout)");
            break;
        }
        if (type == CT_ALERT && len == 2) {
            c->alert_level = frag[0];
            c->alert = frag[1];
            c->alert_protected = c->last_protected;
            c->alert_ms = now_ms() - c->twist_ms;
        } else {
            note_seen(c, type == CT_CHANGE_CIPHER_SPEC ? "ChangeCipherSpec" :
                         type == CT_HANDSHAKE ? "a handshake record" : "another record");
        }
    }
}

/* RFC 8446 §4.4.4: the client's Finished over ClientHello..server Finished; then both
 * application traffic secrets (the master secret over the same transcript, §7.1). */
static bool read_client_finished(struct conn *c)
{
    uint8_t msg[64], expected[HASH_LEN];
    size_t len = 0;

    c->deadline = now_ms() + ALERT_MS;
    if (!api(c, "SslExtractMasterKey", SslExtractMasterKey(c->s->prov, c->hs, &c->master, NULL, 0)) ||
        !api(c, "SslExpandTrafficKeys (application)",
             SslExpandTrafficKeys(c->s->prov, c->master, c->transcript, &c->c_ap, &c->s_ap, NULL,
                                  0)) ||
        !api(c, "SslComputeFinishedHash (client)",
             SslComputeFinishedHash(c->s->prov, c->c_hs, c->transcript, expected, HASH_LEN, 0)) ||
        !handshake_read(c, msg, sizeof(msg), &len))
        return false;
    if (msg[0] != HS_FINISHED || len != HANDSHAKE_HEADER + HASH_LEN ||
        CRYPTO_memcmp(msg + HANDSHAKE_HEADER, expected, HASH_LEN) != 0)
        return fail(c, "the client's Finished is not the one RFC 8446 §4.4.4 gives");
    return switch_key(c, c->s_ap, true) && switch_key(c, c->c_ap, false);
}

/* The positive twin after the handshake: the request the client copied from its stdin, whole
 * and exact; our reply; close_notify both ways (RFC 8446 §6.1). */
static bool exchange_data(struct conn *c, const uint8_t *request, const uint8_t *reply)
{
    static const uint8_t close_notify[2] = {ALERT_WARNING, ALERT_CLOSE_NOTIFY};
    uint8_t got[REQUEST_LEN];
    size_t got_len = 0, len;
    uint8_t type;
    uint8_t *frag;

    for (int i = 0; i < 4 * MAX_RECORDS_AWAITED && got_len < REQUEST_LEN; i++) {
        if (!record_read(c, &type, &frag, &len))
            return fail(c, "the request stopped after %zu of %d bytes", got_len, REQUEST_LEN);
        if (type == CT_ALERT && len == 2) {
            c->alert = frag[1];
            return fail(c, "alert %s after %zu request bytes", alert_name(frag[1]), got_len);
        }
        if (type != CT_APPLICATIONDATA || len > REQUEST_LEN - got_len)
            return fail(c, "a record of type %u (%zu bytes) in the request", type, len);
        memcpy(got + got_len, frag, len);
        got_len += len;
    }
    if (got_len != REQUEST_LEN || memcmp(got, request, REQUEST_LEN) != 0)
        return fail(c, "the request arrived changed");
    if (!record_write(c, CT_APPLICATIONDATA, reply, REPLY_LEN) ||
        !record_write(c, CT_ALERT, close_notify, sizeof(close_notify)))
        return false;
    c->deadline = now_ms() + ALERT_MS;
    if (!record_read(c, &type, &frag, &len) || type != CT_ALERT || len != 2 ||
        frag[0] != ALERT_WARNING || frag[1] != ALERT_CLOSE_NOTIFY)
        return fail(c, "no close_notify from the client after ours");
    return true;
}

static void conn_free(struct conn *c)
{
    NCRYPT_HANDLE *handles[] = {&c->transcript, &c->eph, &c->peer_share, &c->early, &c->hs,
                                &c->master, &c->c_hs, &c->s_hs, &c->c_ap, &c->s_ap,
                                &c->write_key, &c->read_key, &c->sign_key};

    for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++)
        free_handle(handles[i]);
    if (c->fd >= 0)
        close(c->fd);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

/* ==== The client process ==================================================================== */

static int listen_loopback(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sa_len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0 ||
                    getsockname(fd, (struct sockaddr *)&sa, &sa_len) != 0)) {
        close(fd);
        fd = -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* The client, its stdin from in_fd, stdout and stderr into files, SIGPIPE back to default
 * (this process ignores it). */
static bool spawn_client(const struct setup *s, const struct bad_case *bc, int port, int in_fd,
                         int out_fd, int err_fd, pid_t *pid)
{
    char target[32];
    const char *argv[24];
    size_t n = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t sigs;
    int rc;

    snprintf(target, sizeof(target), "127.0.0.1:%d", port);
    if (s->cli != NULL) {
        const char *args[] = {s->cli, "connect", target, "--cafile", s->ca_path, "--sni",
                              "localhost", "--timeout", CLIENT_TIMEOUT};
        for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
            argv[n++] = args[i];
        if (bc->version != NULL)
            argv[n++] = bc->version;
    } else {
        const char *args[] = {"openssl", "s_client", "-connect", target, "-CAfile", s->ca_path,
                              "-servername", "localhost", "-verify_hostname", "localhost",
                              "-verify_return_error", "-quiet"};
        for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
            argv[n++] = args[i];
        if (bc->version != NULL)
            argv[n++] = strcmp(bc->version, "--tls1.3") == 0 ? "-tls1_3" : "-tls1_2";
    }
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    posix_spawnattr_init(&attr);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &sigs);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    rc = (s->cli != NULL ? posix_spawn : posix_spawnp)(pid, argv[0], &fa, &attr,
                                                       (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        fprintf(stderr, "posix_spawn %s: %s\n", argv[0], strerror(rc));
    return rc == 0;
}

/* Reap the child within EXIT_MS, or kill it then (and still reap it). */
static void reap_client(pid_t pid, struct outcome *o)
{
    long long deadline = now_ms() + EXIT_MS;
    struct timespec tick = {0, 10 * 1000000};

    while (waitpid(pid, &o->status, WNOHANG) == 0) {
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &o->status, 0);
            o->killed = true;
            break;
        }
        nanosleep(&tick, NULL);
    }
}

static size_t slurp(int fd, char *buf, size_t cap)
{
    ssize_t n;
    size_t len = 0;

    lseek(fd, 0, SEEK_SET);
    while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    return len;
}

static int open_output(const struct setup *s, const char *name)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    return open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* The server's side of one case on an accepted connection. */
static void serve(struct conn *c, const uint8_t *request, const uint8_t *reply)
{
    c->deadline = now_ms() + ALERT_MS;
    if (!read_client_hello(c) || !server_flight(c))
        return;
    if (c->bc->alert < 0)
        c->data_ok = read_client_finished(c) && exchange_data(c, request, reply);
    else
        await_alert(c);
}

/* One case: listen, spawn, accept, serve, reap. */
static void run_case(const struct setup *s, const struct bad_case *bc, struct conn *c,
                     struct outcome *o)
{
    static uint8_t request[REQUEST_LEN], reply[REPLY_LEN];
    int port = 0, lfd = listen_loopback(&port);
    int in[2] = {-1, -1};
    int out_fd = open_output(s, "stdout"), err_fd = open_output(s, "stderr");
    pid_t pid = -1;

    FillPattern(request, sizeof(request), 0x5A);
    FillPattern(reply, sizeof(reply), 0xA5);
    if (lfd < 0 || out_fd < 0 || err_fd < 0 || pipe2(in, O_CLOEXEC) != 0 ||
        !spawn_client(s, bc, port, in[0], out_fd, err_fd, &pid)) {
        fail(c, "could not start the client");
        goto out;
    }
    close(in[0]);
    in[0] = -1;
    /* The positive twin's request fits the pipe (64 KiB): written whole, then EOF. */
    if (bc->alert < 0 && write(in[1], request, sizeof(request)) != (ssize_t)sizeof(request))
        fail(c, "could not feed the client's stdin");
    close(in[1]);
    in[1] = -1;
    if (!wait_fd(lfd, POLLIN, now_ms() + ACCEPT_MS) ||
        (c->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
        fail(c, "the client did not connect within %d ms", ACCEPT_MS);
    else
        serve(c, request, reply);
    if (c->fd >= 0)
        close(c->fd);                                /* the client sees EOF, not a hang */
    c->fd = -1;
out:
    if (pid > 0)
        reap_client(pid, o);
    if (out_fd >= 0)
        o->out_len = slurp(out_fd, o->out, sizeof(o->out));
    if (err_fd >= 0)
        o->err_len = slurp(err_fd, o->err, sizeof(o->err));
    o->out_ok = o->out_len == REPLY_LEN && memcmp(o->out, reply, REPLY_LEN) == 0;
    for (int i = 0; i < 2; i++)
        if (in[i] >= 0)
            close(in[i]);
    if (lfd >= 0)
        close(lfd);
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);
}

/* ==== Judging =============================================================================== */

/* Whether the client's alert is encrypted is checked only where it cannot be: before the
 * client holds the handshake keys (a ServerHello it refuses). After a valid ServerHello both are
 * right. RFC 8446 Appendix A.1 sets the client's K_send = handshake only on its way to send its
 * second flight, after the server Finished, so an alert about the server's flight goes out under
 * the old (null) write key - OpenSSL does that; BoringSSL, Go and rustls switch K_send right
 * after ServerHello "so that alerts are encrypted". An encrypted alert must decrypt under the
 * client handshake traffic key (record_read), or the case fails. */

static bool expect(bool cond, const struct bad_case *bc, const char *fmt, ...)
{
    va_list ap;

    if (cond) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "  FAIL %s: ", bc->name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return cond;
}

/* notes/cli-contract.md: one line, "sslprov connect: <step>: <reason> (sent alert <name>)",
 * <step> one of the case's. */
static bool error_line_fits(const struct bad_case *bc, const struct outcome *o, int alert)
{
    static const char prefix[] = "sslprov connect: ";
    char suffix[64], step[64];
    const char *colon, *p;
    size_t step_len, suffix_len;
    bool step_ok = false;

    snprintf(suffix, sizeof(suffix), " (sent alert %s)\n", alert_name(alert));
    suffix_len = strlen(suffix);
    if (o->err_len == 0 || strchr(o->err, '\n') != o->err + o->err_len - 1 ||
        strncmp(o->err, prefix, sizeof(prefix) - 1) != 0 || o->err_len < suffix_len ||
        strcmp(o->err + o->err_len - suffix_len, suffix) != 0 ||
        (colon = strstr(o->err + sizeof(prefix) - 1, ": ")) == NULL)
        return false;
    step_len = (size_t)(colon - (o->err + sizeof(prefix) - 1));
    for (p = bc->steps; *p != '\0' && !step_ok; p += strcspn(p, "|") + (p[strcspn(p, "|")] != 0)) {
        snprintf(step, sizeof(step), "%.*s", (int)strcspn(p, "|"), p);
        step_ok = strlen(step) == step_len &&
                  strncmp(step, o->err + sizeof(prefix) - 1, step_len) == 0;
    }
    return step_ok;
}

static void judge(const struct setup *s, const struct bad_case *bc, const struct conn *c,
                  const struct outcome *o)
{
    bool exited = WIFEXITED(o->status) && !o->killed;
    int status = exited ? WEXITSTATUS(o->status) : -1;
    bool sanitizer = strstr(o->err, "Sanitizer") != NULL || strstr(o->err, "runtime error:") != NULL;
    bool ok = true;

    ok &= expect(!sanitizer, bc, "a sanitizer report from the client:\n%s", o->err);
    ok &= expect(!o->killed && exited, bc, "the client %s", o->killed ? "hung and was killed" :
                 "died of a signal");
    if (bc->alert < 0) {
        ok &= expect(c->data_ok, bc, "the exchange failed: %s", c->failure);
        ok &= expect(o->out_ok, bc, "the client's stdout (%zu bytes) is not the server's "
                     "%d-byte reply", o->out_len, REPLY_LEN);
        ok &= expect(status == 0, bc, "exit status %d, want 0", status);
    } else {
        ok &= expect(c->failure[0] == '\0', bc, "the script failed: %s", c->failure);
        ok &= expect(c->alert == bc->alert || (bc->other_alert >= 0 && c->alert == bc->other_alert),
                     bc, "alert %s (%d), want %s%s%s; the client sent instead: %s",
                     alert_name(c->alert), c->alert, alert_name(bc->alert),
                     bc->other_alert >= 0 ? " or " : "",
                     bc->other_alert >= 0 ? alert_name(bc->other_alert) : "",
                     c->seen[0] != '\0' ? c->seen : "-");
        ok &= expect(c->alert < 0 || c->alert_level == 2, bc, "alert level %d, want fatal (2)",
                     c->alert_level);
        ok &= expect(c->alert < 0 || !c->alert_protected || bc->keys, bc,
                     "the alert came encrypted, before the client could have had keys");
        ok &= expect(c->alert < 0 || c->alert_ms < PROMPT_MS, bc,
                     "the alert came after %lld ms: the client waited for its timeout", c->alert_ms);
        ok &= expect(status == 1, bc, "exit status %d, want 1", status);
        if (s->cli != NULL)
            ok &= expect(error_line_fits(bc, o, bc->alert) ||
                             (bc->other_alert >= 0 && error_line_fits(bc, o, bc->other_alert)),
                         bc, "stderr is not one line \"sslprov connect: %s: ... (sent alert %s)\"",
                         bc->steps, alert_name(bc->alert));
    }
    printf("%s %-40s alert %-18s %-9s %5lld ms  exit %d  | %.*s\n", ok ? "PASS" : "FAIL", bc->name,
           alert_name(c->alert), c->alert < 0 ? "" : c->alert_protected ? "encrypted" : "plain",
           c->alert < 0 ? 0 : c->alert_ms, status,
           (int)strcspn(o->err, "\n"), bc->alert < 0 ? "" : o->err);
}

/* ==== Credentials =========================================================================== */

static bool add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok;
}

/* A version 3 certificate for key: the CA self-signed, or the leaf for "localhost" (SAN
 * DNS:localhost, serverAuth) signed by the CA - what a chain check with hostname verification
 * accepts, strict mode included (key identifiers). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    bool ok = x != NULL && name != NULL &&
              X509_set_version(x, X509_VERSION_3) == 1 &&
              ASN1_INTEGER_set(X509_get_serialNumber(x), ca == NULL ? 1 : 2) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
              X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != NULL &&
              X509_set_pubkey(x, key) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                         -1, 0) == 1 &&
              X509_set_subject_name(x, name) == 1 &&
              X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) : name) == 1;

    if (ok) {
        X509V3_set_ctx(&v3, ca != NULL ? ca : x, x, NULL, NULL, 0);
        ok = add_ext(x, &v3, NID_subject_key_identifier, "hash") &&
             (ca == NULL
                  ? add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE") &&
                        add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign")
                  : add_ext(x, &v3, NID_authority_key_identifier, "keyid:always") &&
                        add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") &&
                        add_ext(x, &v3, NID_key_usage, "critical,digitalSignature") &&
                        add_ext(x, &v3, NID_ext_key_usage, "serverAuth") &&
                        add_ext(x, &v3, NID_subject_alt_name, "DNS:localhost")) &&
             X509_sign(x, ca_key != NULL ? ca_key : key, EVP_sha256()) > 0;
    }
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* The CA in ca.pem for the client; the leaf as a CERT_CONTEXT whose key SslOpenPrivateKey
 * finds (SslProvAssociateCertificateKeyBlob, docs/private-keys.md). */
static bool make_credentials(struct setup *s)
{
    EVP_PKEY *ca_key = cert_keygen("P-256"), *key = cert_keygen("P-256");
    X509 *ca = ca_key != NULL ? make_cert(ca_key, "sslprov badserver CA", NULL, NULL) : NULL;
    X509 *leaf = ca != NULL && key != NULL ? make_cert(key, "localhost", ca, ca_key) : NULL;
    uint8_t *der = NULL, *key_der = NULL;
    int der_len = leaf != NULL ? i2d_X509(leaf, &der) : 0;
    int key_len = key != NULL ? i2d_PrivateKey(key, &key_der) : 0;
    FILE *f = fopen(s->ca_path, "w");
    bool ok = f != NULL && ca != NULL && PEM_write_X509(f, ca) == 1 && der_len > 0 && key_len > 0;

    if (f != NULL)
        ok &= fclose(f) == 0;
    ok = ok && SUCCEEDED(SslProvCreateCertificateContext(der, (DWORD)der_len, &s->cert)) &&
         SUCCEEDED(SslProvAssociateCertificateKeyBlob(s->cert->pbCertEncoded,
                                                      s->cert->cbCertEncoded, key_der,
                                                      (DWORD)key_len, 0));
    OPENSSL_free(der);
    OPENSSL_clear_free(key_der, key_len > 0 ? (size_t)key_len : 0);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return ok;
}

/* Does this CLI have `connect` yet? Its --help lists the commands. */
static bool cli_has_connect(struct setup *s)
{
    struct outcome *o = calloc(1, sizeof(*o));
    int out_fd = open_output(s, "help"), null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const char *argv[] = {s->cli, "--help", NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    bool found = false;

    if (o != NULL && out_fd >= 0 && null_fd >= 0) {
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, null_fd, 0);
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
        if (posix_spawn(&pid, s->cli, &fa, NULL, (char *const *)argv, environ) == 0) {
            reap_client(pid, o);
            slurp(out_fd, o->out, sizeof(o->out));
            found = strstr(o->out, "\n  connect ") != NULL;
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    if (out_fd >= 0)
        close(out_fd);
    if (null_fd >= 0)
        close(null_fd);
    free(o);
    return found;
}

/* ==== The cases ============================================================================= */

#define NO_ALERT        -1
#define UNEXPECTED_MSG  10
#define RECORD_OVERFLOW 22
#define ILLEGAL_PARAM   47
#define DECODE_ERROR    50
#define DECRYPT_ERROR   51

/* notes/cli-contract.md names no list of steps: the generic "handshake" fits every case, and
 * so does the step of the message or layer at fault (the engine's "record", "server
 * CertificateVerify", "server Finished"). */
#define RECORD_STEPS    "record|handshake"

static const struct bad_case cases[] = {
    /* name                                       twist                version     alert            other          keys       steps */
    {"positive twin: full handshake and data",   TW_NONE,             "--tls1.3", NO_ALERT,        NO_ALERT,      false,     ""},
    {"truncated ServerHello",                    TW_SH_TRUNCATED,     "--tls1.3", DECODE_ERROR,    NO_ALERT,      false,     "handshake"},
    {"oversized record (plaintext)",             TW_PLAIN_OVERFLOW,   "--tls1.3", RECORD_OVERFLOW, NO_ALERT,      false,     RECORD_STEPS},
    {"oversized record (protected)",             TW_CIPHER_OVERFLOW,  "--tls1.3", RECORD_OVERFLOW, NO_ALERT,      true,      RECORD_STEPS},
    {"plaintext record of 2^14+1 bytes",         TW_PLAIN_OVER_BY_ONE, "--tls1.3", RECORD_OVERFLOW, NO_ALERT,     false,     RECORD_STEPS},
    {"protected record, 2^14+1 content bytes",   TW_CONTENT_OVER_BY_ONE, "--tls1.3", RECORD_OVERFLOW, NO_ALERT,   true,      RECORD_STEPS},
    {"Certificate claiming 16 MiB",              TW_HUGE_CERTIFICATE, "--tls1.3", DECODE_ERROR,    ILLEGAL_PARAM, true,      "handshake|server certificate"},
    {"ServerHello: group without our share",     TW_GROUP,            "--tls1.3", ILLEGAL_PARAM,   NO_ALERT,      false,     "handshake"},
    {"ServerHello: suite not offered",           TW_SUITE,            "--tls1.3", ILLEGAL_PARAM,   NO_ALERT,      false,     "handshake"},
    {"ServerHello: session id not echoed",       TW_SESSION_ID,       "--tls1.3", ILLEGAL_PARAM,   NO_ALERT,      false,     "handshake"},
    {"ServerHello: supported_versions TLS 1.2",  TW_VERSION,          "--tls1.3", ILLEGAL_PARAM,   NO_ALERT,      false,     "handshake"},
    {"TLS 1.2 ServerHello with DOWNGRD\\x01",    TW_DOWNGRADE,        NULL,       ILLEGAL_PARAM,   NO_ALERT,      false,     "handshake"},
    {"Certificate before EncryptedExtensions",   TW_CERT_BEFORE_EE,   "--tls1.3", UNEXPECTED_MSG,  NO_ALERT,      true,      "handshake"},
    {"Finished where CertificateVerify belongs", TW_FINISHED_FOR_CV,  "--tls1.3", UNEXPECTED_MSG,  NO_ALERT,      true,      "handshake|server CertificateVerify"},
    {"CertificateVerify: signature byte flipped", TW_BAD_CV,          "--tls1.3", DECRYPT_ERROR,   NO_ALERT,      true,      "server CertificateVerify|handshake"},
    {"server Finished: one byte flipped",        TW_BAD_FINISHED,     "--tls1.3", DECRYPT_ERROR,   NO_ALERT,      true,      "server Finished|handshake"},
};

static bool setup_open(struct setup *s, int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    const char *client = getenv("BADSERVER_CLIENT");

    snprintf(s->dir, sizeof(s->dir), "%s/badserver.XXXXXX",
             tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(s->dir) == NULL)
        return false;
    snprintf(s->ca_path, sizeof(s->ca_path), "%s/ca.pem", s->dir);
#ifdef SSLPROV_CLI
    s->cli = argc > 1 ? argv[1] : SSLPROV_CLI;
#else
    s->cli = argc > 1 ? argv[1] : NULL;
#endif
    if (client != NULL && strcmp(client, "openssl") == 0)
        s->cli = NULL;
    return SUCCEEDED(SslOpenProvider(&s->prov, MS_SCHANNEL_PROVIDER, 0)) && make_credentials(s);
}

static void setup_close(struct setup *s)
{
    static const char *const files[] = {"ca.pem", "stdout", "stderr", "help"};
    char path[160];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", s->dir, files[i]);
        unlink(path);
    }
    rmdir(s->dir);
    SslProvFreeCertificateContext(s->cert);
    if (s->prov != 0)
        SslFreeObject(s->prov, 0);
}

int main(int argc, char **argv)
{
    struct setup s = {0};
    struct outcome *o = malloc(sizeof(*o));
    struct conn *c;
    int rc = 77;

    signal(SIGPIPE, SIG_IGN);
    CHECK(o != NULL && setup_open(&s, argc, argv));
    if (o == NULL || check_failed != 0) {
        rc = check_summary();
    } else if (s.cli != NULL && !cli_has_connect(&s)) {
        printf("SKIP: %s has no connect command yet (issue 13)\n", s.cli);
    } else {
        printf("client: %s\n", s.cli != NULL ? s.cli : "openssl s_client (BADSERVER_CLIENT=openssl)");
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            c = calloc(1, sizeof(*c));
            if (c == NULL)
                break;
            c->s = &s;
            c->bc = &cases[i];
            c->fd = -1;
            c->alert = c->alert_level = -1;
            memset(o, 0, sizeof(*o));
            run_case(&s, &cases[i], c, o);
            judge(&s, &cases[i], c, o);
            conn_free(c);
        }
        rc = check_summary();
    }
    setup_close(&s);
    free(o);
    return rc;
}
