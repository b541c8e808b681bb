/* A bounded writer for what the engine sends (BoringSSL's CBB is the model, over a buffer the
 * caller owns): length-prefixed vectors are opened and closed around their contents, and any
 * overflow or oversized vector sets a sticky error that wr_finish reports, so a builder writes
 * straight through and checks once. */
#ifndef SSLPROV_ENGINE_TLS_WRITER_H
#define SSLPROV_ENGINE_TLS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TLS_WR_DEPTH 6 /* ClientHello: extensions > extension > key_share list > entry > key */

struct tls_wr {
    uint8_t *p;
    size_t cap, n;
    bool err;
    int depth;
    size_t at[TLS_WR_DEPTH];    /* where each open vector's length field is */
    uint8_t width[TLS_WR_DEPTH];
};

static inline void wr_init(struct tls_wr *w, uint8_t *buf, size_t cap)
{
    *w = (struct tls_wr){.p = buf, .cap = cap};
}

static inline void wr_bytes(struct tls_wr *w, const void *b, size_t n)
{
    if (w->err || w->cap - w->n < n) {
        w->err = true;
        return;
    }
    if (n != 0)
        memcpy(w->p + w->n, b, n);
    w->n += n;
}

static inline void wr_uint(struct tls_wr *w, size_t width, uint32_t v)
{
    uint8_t b[4];

    for (size_t i = 0; i < width; i++)
        b[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    wr_bytes(w, b, width);
}

static inline void wr_u8(struct tls_wr *w, uint8_t v) { wr_uint(w, 1, v); }
static inline void wr_u16(struct tls_wr *w, uint16_t v) { wr_uint(w, 2, v); }

/* A vector with a width-byte length prefix; wr_close fills the length in. */
static inline void wr_open(struct tls_wr *w, size_t width)
{
    if (w->err || w->depth == TLS_WR_DEPTH) {
        w->err = true;
        return;
    }
    w->at[w->depth] = w->n;
    w->width[w->depth++] = (uint8_t)width;
    wr_uint(w, width, 0);
}

static inline void wr_close(struct tls_wr *w)
{
    size_t at, width, len;

    if (w->err || w->depth == 0) {
        w->err = true;
        return;
    }
    at = w->at[--w->depth];
    width = w->width[w->depth];
    len = w->n - at - width;
    if (width < 4 && len >> (8 * width) != 0) {
        w->err = true;
        return;
    }
    for (size_t i = 0; i < width; i++)
        w->p[at + i] = (uint8_t)(len >> (8 * (width - 1 - i)));
}

/* The bytes written, or 0 on any error or an open vector left. */
static inline size_t wr_finish(const struct tls_wr *w)
{
    return w->err || w->depth != 0 ? 0 : w->n;
}

#endif
