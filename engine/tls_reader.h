/* A bounded reader over bytes a peer sent (BoringSSL's CBS is the model): every read checks
 * what is left first, a failed read consumes nothing, and a length-prefixed vector becomes a
 * reader of its own, so a parser can never look past what its length field promised. */
#ifndef SSLPROV_ENGINE_TLS_READER_H
#define SSLPROV_ENGINE_TLS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_rd {
    const uint8_t *p;
    size_t n;
};

static inline struct tls_rd rd_of(const uint8_t *p, size_t n)
{
    return (struct tls_rd){p, n};
}

static inline bool rd_empty(const struct tls_rd *r)
{
    return r->n == 0;
}

/* The next n bytes, in place. */
static inline bool rd_bytes(struct tls_rd *r, size_t n, const uint8_t **out)
{
    if (r->n < n)
        return false;
    *out = r->p;
    r->p += n;
    r->n -= n;
    return true;
}

/* A big-endian unsigned integer of width bytes (1..4). */
static inline bool rd_uint(struct tls_rd *r, size_t width, uint32_t *out)
{
    const uint8_t *b;
    uint32_t v = 0;

    if (!rd_bytes(r, width, &b))
        return false;
    for (size_t i = 0; i < width; i++)
        v = v << 8 | b[i];
    *out = v;
    return true;
}

static inline bool rd_u8(struct tls_rd *r, uint8_t *out)
{
    uint32_t v;

    if (!rd_uint(r, 1, &v))
        return false;
    *out = (uint8_t)v;
    return true;
}

static inline bool rd_u16(struct tls_rd *r, uint16_t *out)
{
    uint32_t v;

    if (!rd_uint(r, 2, &v))
        return false;
    *out = (uint16_t)v;
    return true;
}

static inline bool rd_u24(struct tls_rd *r, uint32_t *out)
{
    return rd_uint(r, 3, out);
}

static inline bool rd_u32(struct tls_rd *r, uint32_t *out)
{
    return rd_uint(r, 4, out);
}

/* A vector with a width-byte length prefix (RFC 8446 §3.4) of min..max bytes, as a reader of
 * its own. On failure r is unchanged. */
static inline bool rd_vec(struct tls_rd *r, size_t width, size_t min, size_t max, struct tls_rd *out)
{
    struct tls_rd save = *r;
    uint32_t len;
    const uint8_t *b;

    if (!rd_uint(r, width, &len) || len < min || len > max || !rd_bytes(r, len, &b)) {
        *r = save;
        return false;
    }
    *out = rd_of(b, len);
    return true;
}

#endif
