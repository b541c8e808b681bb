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
};

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
static void feed_run(struct tls_conn *c, const struct feed *f)
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
}

#endif
