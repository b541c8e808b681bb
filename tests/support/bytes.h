/* Integers in and out of byte strings. The API's blob headers are little-endian (behavior.md
 * §4: get32/put32, get64le); TLS's wire fields are big-endian (RFC 5246 §4.4: the *be ones).
 * Tiny, so static inline: every test used to carry its own copy. */
#ifndef SSLPROV_TEST_BYTES_H
#define SSLPROV_TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t get64le(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static inline size_t get16be(const uint8_t *p)
{
    return (size_t)p[0] << 8 | p[1];
}

static inline size_t get24be(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static inline void put16be(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static inline uint64_t get64be(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static inline void put64be(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

#endif
