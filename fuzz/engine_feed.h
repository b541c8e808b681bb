/* What fuzz_client and fuzz_server share: a transport that feeds the engine the input (cut
 * into reads of a chosen size; EOF at its end) and drops what the engine sends, counting its
 * alert records; and the run of one connection with the invariants both targets check. */
#ifndef SSLPROV_FUZZ_ENGINE_FEED_H
#define SSLPROV_FUZZ_ENGINE_FEED_H

#include "engine.h"
#include "fuzz_common.h"

struct feed {
    const uint8_t *p;
    size_t n;
    size_t chunk;    /* 0: all that is asked for */
    unsigned alerts; /* alert records sent */
    uint8_t *own;    /* feed_echo_session_id: the input's copy, patched */
    bool echo_sid;
};

/* A TLS 1.3 client refuses a ServerHello that does not echo its random legacy_session_id
 * (RFC 8446 §4.1.3), which random bytes never do: so for fuzz_client the feed writes the
 * client's session id, once its ClientHello is out, into every plaintext record of the input
 * that starts with a ServerHello (or HelloRetryRequest) carrying a 32-byte session id —
 * everything after that check becomes reachable. */
static void feed_echo_session_id(struct feed *f)
{
    if (f->n == 0 || (f->own = malloc(f->n)) == NULL)
        return;
    memcpy(f->own, f->p, f->n);
    f->p = f->own;
    f->echo_sid = true;
}

static void feed_patch_session_id(struct feed *f, const uint8_t *ch, size_t n)
{
    /* record header 5, handshake header 4, version 2, random 32, then the session id */
    enum { SID = 5 + 4 + 2 + 32 };
    uint8_t *p = (uint8_t *)f->p;

    f->echo_sid = false;
    if (n < SID + 1 + 32 || ch[0] != 22 || ch[5] != 1 || ch[SID] != 32)
        return;
    for (size_t i = 0, len; i + 5 <= f->n; i += 5 + len) {
        len = (size_t)p[i + 3] << 8 | p[i + 4];
        if (p[i] == 22 && i + SID + 1 + 32 <= f->n && p[i + 5] == 2 && p[i + SID] == 32)
            memcpy(p + i + SID + 1, ch + SID + 1, 32);
    }
}

static long feed_recv(void *ctx, uint8_t *buf, size_t n)
{
    struct feed *f = ctx;
    size_t take = f->chunk != 0 && f->chunk < n ? f->chunk : n;

    if (f->n == 0)
        return 0; /* the peer closed */
    if (take > f->n)
        take = f->n;
    memcpy(buf, f->p, take);
    f->p += take;
    f->n -= take;
    return (long)take;
}

static long feed_send(void *ctx, const uint8_t *buf, size_t n)
{
    struct feed *f = ctx;

    if (n >= 1 && buf[0] == 21)
        f->alerts++;
    if (f->echo_sid)
        feed_patch_session_id(f, buf, n);
    return (long)n;
}

/* The input after its first byte, read in pieces of 4 * (pick >> 2) bytes (0: whole). */
static struct feed feed_of(const uint8_t *data, size_t size)
{
    uint8_t pick = data[0];

    return (struct feed){.p = data + 1, .n = size - 1,
                         .chunk = (pick >> 2) == 0 ? 0 : (size_t)(pick >> 2) * 4};
}

static struct tls_io feed_io(struct feed *f)
{
    return (struct tls_io){.ctx = f, .recv = feed_recv, .send = feed_send};
}

/* The handshake, then reads to the end; a failure must name its step, send at most one
 * alert, and leave a connection that refuses everything. */
static void feed_run(struct tls_conn *c, struct feed *f)
{
    uint8_t buf[512];

    if (tls_handshake(c) == 0) {
        /* (reachable only with a real peer's answer to these exact bytes) */
        while (tls_read(c, buf, sizeof(buf)) > 0)
            ;
    } else {
        const char *e = tls_error(c);

        if (strchr(e, ':') == NULL)
            FZ_FAIL("a failure without a step: %s", e);
        if (f->alerts > 1)
            FZ_FAIL("%u alerts sent for one failure", f->alerts);
        if (tls_handshake(c) == 0 || tls_write(c, "x", 1) == 0 || tls_read(c, buf, 1) >= 0)
            FZ_FAIL("a failed connection still works");
    }
    tls_free(c);
    free(f->own);
}

#endif
