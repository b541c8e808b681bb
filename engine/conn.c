/* The engine's record layer and connection plumbing: failures and alerts, tracing, records
 * through SslEncryptPacket / SslDecryptPacket, handshake message framing, application data,
 * TCP with bounded waits. Buffers live in the connection: no allocation per record. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static const struct {
    uint8_t alert;
    const char *name;
} alert_names[] = {
    {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
    {22, "record_overflow"}, {40, "handshake_failure"}, {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"}, {45, "certificate_expired"},
    {46, "certificate_unknown"}, {47, "illegal_parameter"}, {48, "unknown_ca"},
    {49, "access_denied"}, {50, "decode_error"}, {51, "decrypt_error"},
    {70, "protocol_version"}, {71, "insufficient_security"}, {80, "internal_error"},
    {86, "inappropriate_fallback"}, {90, "user_canceled"}, {100, "no_renegotiation"},
    {109, "missing_extension"}, {110, "unsupported_extension"}, {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"}, {115, "unknown_psk_identity"},
    {116, "certificate_required"}, {120, "no_application_protocol"},
};

const char *tls_alert_name(uint8_t alert)
{
    for (size_t i = 0; i < sizeof(alert_names) / sizeof(alert_names[0]); i++)
        if (alert_names[i].alert == alert)
            return alert_names[i].name;
    return "unknown";
}

static const struct {
    uint16_t group;
    const char *name;
    const char *alias;
} group_names[] = {
    {29, "x25519", "X25519"}, {23, "secp256r1", "P-256"}, {24, "secp384r1", "P-384"},
    {25, "secp521r1", "P-521"}, {30, "x448", "X448"}, {256, "ffdhe2048", NULL},
    {257, "ffdhe3072", NULL}, {258, "ffdhe4096", NULL}, {259, "ffdhe6144", NULL},
    {260, "ffdhe8192", NULL},
};

const char *tls_group_name(uint16_t group)
{
    for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++)
        if (group_names[i].group == group)
            return group_names[i].name;
    return NULL;
}

uint16_t tls_group_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++)
        if (strcasecmp(group_names[i].name, name) == 0 ||
            (group_names[i].alias != NULL && strcasecmp(group_names[i].alias, name) == 0))
            return group_names[i].group;
    return 0;
}

const char *tls_hs_name(uint8_t type)
{
    switch (type) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    case 254: return "message_hash";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Failures and tracing                                                                       */
/* ------------------------------------------------------------------------------------------ */

void tls_trace(struct tls_conn *c, const char *fmt, ...)
{
    char line[256];
    va_list ap;

    if (c->cfg.trace == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->cfg.trace(c->cfg.trace_arg, line);
}

SECURITY_STATUS tls_called(struct tls_conn *c, const char *call, SECURITY_STATUS st)
{
    tls_trace(c, "    %s -> 0x%08X", call, (unsigned)st);
    return st;
}

/* The first failure is the one reported; the alert goes out under the current write key. */
int tls_fail(struct tls_conn *c, int alert, const char *step, const char *fmt, ...)
{
    char reason[200];
    va_list ap;

    if (c->failed)
        return -1;
    c->failed = true;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (alert != ALERT_NONE && rec_send_alert(c, 2, (uint8_t)alert) == 0)
        snprintf(c->err, sizeof(c->err), "%s: %s (sent alert %s)", step, reason,
                 tls_alert_name((uint8_t)alert));
    else
        snprintf(c->err, sizeof(c->err), "%s: %s", step, reason);
    return -1;
}

int tls_fail_status(struct tls_conn *c, const char *call, SECURITY_STATUS st)
{
    return tls_fail(c, ALERT_INTERNAL_ERROR, "provider", "%s returned 0x%08X", call, (unsigned)st);
}

const char *tls_error(const struct tls_conn *c)
{
    return c->err[0] != '\0' ? c->err : "no error";
}

void tls_free_handle(struct tls_conn *c, NCRYPT_HANDLE *h)
{
    if (*h != 0)
        SSLCALL(c, SslFreeObject, *h, 0);
    *h = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Records                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static int io_send(struct tls_conn *c, const uint8_t *b, size_t n)
{
    if (c->io.send(c->io.ctx, b, n) < 0) {
        c->failed = true;
        if (c->err[0] == '\0')
            snprintf(c->err, sizeof(c->err), "network: write failed (connection closed?)");
        return -1;
    }
    return 0;
}

int rec_send(struct tls_conn *c, uint8_t type, const uint8_t *data, size_t n)
{
    uint8_t *o = c->out;
    DWORD result = 0;
    size_t off;
    SECURITY_STATUS st;

    if (n > TLS_MAX_PLAIN)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "record", "a %zu-byte fragment", n);
    /* the plaintext lands here before it is encrypted in place: tls_free cleanses this much */
    if (TLS_HDR + 64 + n > c->out_used)
        c->out_used = TLS_HDR + 64 + n;
    if (c->wkey == 0) {
        /* RFC 8446 §5.1: the first ClientHello may say 0x0301 for old middleboxes */
        o[0] = type;
        o[1] = 3;
        o[2] = c->first_record_sent ? 3 : 1;
        o[3] = (uint8_t)(n >> 8);
        o[4] = (uint8_t)n;
        memmove(o + TLS_HDR, data, n);
        c->first_record_sent = true;
        return io_send(c, o, TLS_HDR + n);
    }
    if (c->version == 0x0304) {
        /* TLSInnerPlaintext = content || type, no padding; the outer type is 23 */
        memmove(o + TLS_HDR, data, n);
        o[TLS_HDR + n] = type;
        st = SslEncryptPacket(c->prov, c->wkey, o + TLS_HDR, (DWORD)n + 1, o, sizeof(c->out),
                              &result, c->wseq, REC_APPLICATION_DATA, 0);
    } else {
        off = TLS_HDR + c->wlen.dwHeaderLen;
        memmove(o + off, data, n);
        st = SslEncryptPacket(c->prov, c->wkey, o + off, (DWORD)n, o, sizeof(c->out), &result,
                              c->wseq, type, 0);
    }
    if (FAILED(st)) {
        /* no alert: the write key is what failed */
        tls_called(c, "SslEncryptPacket", st);
        return tls_fail(c, ALERT_NONE, "record", "SslEncryptPacket returned 0x%08X", (unsigned)st);
    }
    c->wseq++;
    return io_send(c, o, result);
}

int rec_send_alert(struct tls_conn *c, uint8_t level, uint8_t alert)
{
    const uint8_t a[2] = {level, alert};

    tls_trace(c, ">>> alert %s %s", level == 2 ? "fatal" : "warning", tls_alert_name(alert));
    return rec_send(c, REC_ALERT, a, sizeof(a));
}

int rec_set_key(struct tls_conn *c, bool write, NCRYPT_KEY_HANDLE key)
{
    NCRYPT_KEY_HANDLE *slot = write ? &c->wkey : &c->rkey;
    NCRYPT_SSL_CIPHER_LENGTHS *len = write ? &c->wlen : &c->rlen;
    SECURITY_STATUS st;

    /* RFC 8446 §5.1: a handshake message must not span a key change */
    if (!write && c->hs_n != 0) {
        SSLCALL(c, SslFreeObject, key, 0);
        return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                        "a handshake message spans a change of keys");
    }
    tls_free_handle(c, slot);
    *slot = key;
    if (write)
        c->wseq = 0;
    else
        c->rseq = 0;
    len->cbLength = sizeof(*len);
    st = SSLCALL(c, SslLookupCipherLengths, c->prov, c->version, c->suite->id, 0, len,
                 sizeof(*len), 0);
    return FAILED(st) ? tls_fail_status(c, "SslLookupCipherLengths", st) : 0;
}

/* Read until c->in holds n bytes at least. */
static int io_fill(struct tls_conn *c, size_t n)
{
    long got;

    while (c->in_n < n) {
        got = c->io.recv(c->io.ctx, c->in + c->in_n, sizeof(c->in) - c->in_n);
        if (got <= 0) {
            if (got == 0 && c->hs_done)
                return tls_fail(c, ALERT_NONE, "network", "the %s closed the connection "
                                "without close_notify", c->server ? "client" : "server");
            if (got == 0)
                return tls_fail(c, ALERT_NONE, "network", "the %s closed the connection",
                                c->server ? "client" : "server");
            return tls_fail(c, ALERT_NONE, "network", "read failed or timed out");
        }
        c->in_n += (size_t)got;
    }
    return 0;
}

/* One whole record out of c->in: its type, header and fragment. */
static int rec_take(struct tls_conn *c, uint8_t *type, size_t *rec_len, struct tls_rd *frag)
{
    size_t max = c->rkey == 0 ? TLS_MAX_PLAIN
                 : c->version == 0x0304 ? TLS_MAX_PLAIN + 256 : TLS_MAX_PLAIN + 2048;
    uint16_t version;
    bool whole = false;
    struct tls_rd buf;
    uint8_t alert;

    for (;;) {
        buf = rd_of(c->in, c->in_n);
        alert = tls_record_next(&buf, max, &whole, type, &version, frag);
        if (alert != HS_OK)
            return tls_fail(c, alert, "record", alert == HS_RECORD_OVERFLOW
                            ? "a record longer than the protocol allows"
                            : "a malformed record header");
        if (whole)
            break;
        if (io_fill(c, c->in_n + 1) != 0)
            return -1;
    }
    if (version >> 8 != 3)
        return tls_fail(c, ALERT_PROTOCOL_VERSION, "record", "record version 0x%04X", version);
    *rec_len = c->in_n - buf.n;
    return 0;
}

static void in_consume(struct tls_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_n - n);
    c->in_n -= n;
}

/* An alert the server sent: close_notify marks the connection closed; warnings other than
 * that (TLS <= 1.2 only) are skipped by the caller; anything else ends the connection. */
static int alert_received(struct tls_conn *c, struct tls_rd frag, bool *skip)
{
    uint8_t level, desc;

    *skip = false;
    if (hs_parse_alert(frag, &level, &desc) != HS_OK)
        return tls_fail(c, ALERT_DECODE_ERROR, "record", "a malformed alert");
    tls_trace(c, "<<< alert %s %s", level == 2 ? "fatal" : "warning", tls_alert_name(desc));
    if (desc == ALERT_CLOSE_NOTIFY) {
        c->closed = true;
        return 0;
    }
    if (level == 1 && c->version != 0x0304 && desc != ALERT_USER_CANCELED) {
        *skip = true;
        return 0;
    }
    c->failed = true;
    snprintf(c->err, sizeof(c->err), "%s: %s sent alert %s",
             c->hs_done ? "connection" : "handshake", c->server ? "client" : "server",
             tls_alert_name(desc));
    return -1;
}

int rec_recv(struct tls_conn *c, uint8_t *type, struct tls_rd *frag)
{
    size_t rec_len = 0, n;
    DWORD result = 0;
    SECURITY_STATUS st;
    bool skip;

    for (unsigned skipped = 0; skipped < 16; skipped++) {
        if (c->failed)
            return -1;
        if (rec_take(c, type, &rec_len, frag) != 0)
            return -1;
        if (c->rkey == 0 || *type == REC_CHANGE_CIPHER_SPEC ||
            (c->version == 0x0304 && *type == REC_ALERT && !c->hs_done)) {
            /* plaintext: before the keys; TLS 1.3's compatibility ChangeCipherSpec; an alert
             * from a server that failed before reading our keys */
            memcpy(c->rec, frag->p, frag->n);
            *frag = rd_of(c->rec, frag->n);
            if (frag->n > c->rec_used)
                c->rec_used = frag->n;
            in_consume(c, rec_len);
            if (*type == REC_CHANGE_CIPHER_SPEC && c->version == 0x0304) {
                if (c->hs_done || frag->n != 1 || frag->p[0] != 1)
                    return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "record",
                                    "a ChangeCipherSpec record in TLS 1.3");
                continue;
            }
        } else {
            if (c->version == 0x0304 && *type != REC_APPLICATION_DATA)
                return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "record",
                                "an unprotected record of type %u", *type);
            st = SslDecryptPacket(c->prov, c->rkey, c->in, (DWORD)rec_len, c->rec,
                                  sizeof(c->rec), &result, c->rseq, 0);
            in_consume(c, rec_len);
            if (FAILED(st) && c->skip_early != 0 && rec_len - TLS_HDR <= c->skip_early) {
                /* RFC 8446 §4.2.10: 0-RTT data we declined, under keys we do not have: skip
                 * it, up to the bound, until the client's handshake records begin */
                c->skip_early -= rec_len - TLS_HDR;
                continue;
            }
            if (FAILED(st)) {
                tls_called(c, "SslDecryptPacket", st);
                return tls_fail(c, ALERT_BAD_RECORD_MAC, "record",
                                "SslDecryptPacket returned 0x%08X", (unsigned)st);
            }
            c->rseq++;
            c->skip_early = 0; /* the first record that opens ends the early data */
            n = result;
            if (n > c->rec_used)
                c->rec_used = n;
            if (c->version == 0x0304) {
                while (n > 0 && c->rec[n - 1] == 0)
                    n--; /* padding */
                if (n == 0)
                    return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "record",
                                    "a protected record without a content type");
                *type = c->rec[--n];
            }
            if (n > TLS_MAX_PLAIN)
                return tls_fail(c, ALERT_RECORD_OVERFLOW, "record", "%zu bytes of plaintext", n);
            *frag = rd_of(c->rec, n);
            if ((*type == REC_HANDSHAKE || *type == REC_ALERT) && n == 0)
                return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "record",
                                "an empty handshake or alert record");
        }
        if (*type != REC_ALERT)
            return 0;
        if (alert_received(c, *frag, &skip) != 0)
            return -1;
        if (!skip)
            return 0;
    }
    return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "record", "too many warning alerts");
}

/* ------------------------------------------------------------------------------------------ */
/* Handshake messages                                                                         */
/* ------------------------------------------------------------------------------------------ */

int hs_read(struct tls_conn *c, uint8_t *type, struct tls_rd *body, struct tls_rd *msg)
{
    struct tls_rd buf, frag;
    uint8_t rtype;
    uint32_t len;

    for (;;) {
        /* (no buffer until the first handshake record) */
        buf = c->hs != NULL ? rd_of(c->hs + c->hs_off, c->hs_n) : rd_of(NULL, 0);
        if (buf.n >= 4) {
            len = (uint32_t)buf.p[1] << 16 | (uint32_t)buf.p[2] << 8 | buf.p[3];
            if (len > TLS_MAX_HS_MESSAGE)
                return tls_fail(c, ALERT_DECODE_ERROR, "handshake",
                                "a %s of %u bytes is more than we accept",
                                tls_hs_name(buf.p[0]), (unsigned)len);
        }
        if (hs_next(&buf, type, body)) {
            *msg = rd_of(c->hs + c->hs_off, 4 + body->n);
            c->hs_off += msg->n;
            c->hs_n -= msg->n;
            tls_trace(c, "<<< %s (%zu bytes)", tls_hs_name(*type), msg->n);
            return 0;
        }
        if (rec_recv(c, &rtype, &frag) != 0)
            return -1;
        if (rtype == REC_ALERT) /* close_notify */
            return tls_fail(c, ALERT_NONE, "handshake", "the %s closed the connection",
                            c->server ? "client" : "server");
        if (rtype != REC_HANDSHAKE)
            return tls_fail(c, ALERT_UNEXPECTED_MESSAGE, "handshake",
                            "a record of type %u where a handshake message belongs", rtype);
        if (hs_reserve(c, frag.n) != 0)
            return -1;
        memcpy(c->hs + c->hs_n, frag.p, frag.n);
        c->hs_n += frag.n;
    }
}

int hs_reserve(struct tls_conn *c, size_t n)
{
    size_t cap = c->hs_cap != 0 ? c->hs_cap : 4096;
    uint8_t *p;

    if (c->hs_off != 0) {
        memmove(c->hs, c->hs + c->hs_off, c->hs_n);
        c->hs_off = 0;
    }
    if (n > TLS_HS_BUFFER - c->hs_n)
        return tls_fail(c, ALERT_DECODE_ERROR, "handshake", "handshake buffer full");
    while (cap < c->hs_n + n)
        cap *= 2;
    if (cap > TLS_HS_BUFFER)
        cap = TLS_HS_BUFFER;
    if (cap != c->hs_cap) {
        if ((p = realloc(c->hs, cap)) == NULL)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
        c->hs = p;
        c->hs_cap = cap;
    }
    return 0;
}

int hs_hash(struct tls_conn *c, const uint8_t *msg, size_t n)
{
    SECURITY_STATUS st;

    if (c->log_on && c->th != 0) {
        /* what a TLS 1.2 CertificateVerify will sign, whatever its hash */
        if (c->log_n + n > c->log_cap) {
            size_t cap = c->log_cap != 0 ? c->log_cap : 8192;
            uint8_t *p;

            while (cap < c->log_n + n)
                cap *= 2;
            if ((p = realloc(c->log, cap)) == NULL)
                return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
            c->log = p;
            c->log_cap = cap;
        }
        memcpy(c->log + c->log_n, msg, n);
        c->log_n += n;
    }

    if (c->th == 0) {
        /* before the ServerHello names the suite (and so the hash): kept for later */
        uint8_t *p = realloc(c->ch, c->ch_len + n);

        if (p == NULL)
            return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
        memcpy(p + c->ch_len, msg, n);
        c->ch = p;
        c->ch_len += n;
        return 0;
    }
    st = SSLCALL(c, SslHashHandshake, c->prov, c->th, (PBYTE)msg, (DWORD)n, 0);
    return FAILED(st) ? tls_fail_status(c, "SslHashHandshake", st) : 0;
}

int hs_send(struct tls_conn *c, uint8_t type, const uint8_t *body, size_t n)
{
    uint8_t *m = malloc(4 + n);
    size_t limit = TLS_MAX_PLAIN;
    int rc = 0;

    if (m == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "handshake", "out of memory");
    m[0] = type;
    m[1] = (uint8_t)(n >> 16);
    m[2] = (uint8_t)(n >> 8);
    m[3] = (uint8_t)n;
    if (n != 0)
        memcpy(m + 4, body, n);
    tls_trace(c, ">>> %s (%zu bytes)", tls_hs_name(type), 4 + n);
    if (c->peer_record_limit != 0 && c->wkey != 0 && c->peer_record_limit < limit)
        limit = c->peer_record_limit;
    rc = hs_hash(c, m, 4 + n);
    for (size_t off = 0; rc == 0 && off < 4 + n; off += limit)
        rc = rec_send(c, REC_HANDSHAKE, m + off, 4 + n - off < limit ? 4 + n - off : limit);
    free(m);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* TCP                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static bool wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;

    do
        rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    return rc == 1;
}

int tls_tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t err_len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
    int fd = -1, rc, soerr = 0;
    socklen_t len = sizeof(soerr);

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_len, "connect: %s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    snprintf(err, err_len, "connect: %s:%s: no address", host, port);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, timeout_ms))
                errno = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
                rc = 0;
            else
                errno = soerr;
        }
        if (rc == 0)
            break;
        snprintf(err, err_len, "connect: %s:%s: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static long sock_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct tls_sock *s = ctx;
    ssize_t got;

    for (;;) {
        got = recv(s->fd, buf, n, 0);
        if (got >= 0)
            return (long)got;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        if (!wait_fd(s->fd, POLLIN, s->timeout_ms))
            return -1;
    }
}

static long sock_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct tls_sock *s = ctx;
    size_t done = 0;
    ssize_t put;

    while (done < n) {
        put = send(s->fd, buf + done, n - done, MSG_NOSIGNAL);
        if (put > 0) {
            done += (size_t)put;
            continue;
        }
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            wait_fd(s->fd, POLLOUT, s->timeout_ms))
            continue;
        return -1;
    }
    return (long)n;
}

struct tls_io tls_sock_io(struct tls_sock *s)
{
    return (struct tls_io){.ctx = s, .recv = sock_recv, .send = sock_send};
}
