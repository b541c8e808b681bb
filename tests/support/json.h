/* A small JSON reader for the test vectors (RFC 8259): objects, arrays, strings (all escapes,
 * surrogate pairs to UTF-8), numbers, true/false/null, with a nesting limit and strict
 * grammar; plus a hex decoder (json.c). Not for untrusted input at scale: it builds a tree of
 * small nodes. */
#ifndef SSLPROV_TEST_JSON_H
#define SSLPROV_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    char *key;          /* member name when the parent is an object, else NULL */
    size_t key_len;
    char *str;          /* JSON_STRING: decoded UTF-8, NUL-terminated (may hold NULs: see len) */
    size_t len;         /* JSON_STRING: bytes in str; JSON_ARRAY/OBJECT: number of children */
    double num;         /* JSON_NUMBER */
    struct json *child; /* first element or member */
    struct json *next;  /* next sibling */
};

/* Parse one JSON text (a value with optional surrounding whitespace). On error returns NULL
 * and, if err is not NULL, sets *err to a message and *err_off to the byte offset. */
struct json *json_parse(const char *text, size_t len, const char **err, size_t *err_off);

/* Read and parse a file; prints the reason to stderr on failure. */
struct json *json_load(const char *path);

void json_free(struct json *j);

/* The first member named key of an object (NULL if j is not an object or has none). */
const struct json *json_get(const struct json *j, const char *key);

/* Element i of an array (NULL if out of range or not an array). */
const struct json *json_at(const struct json *j, size_t i);

/* Member key as a string (NULL if absent or not a string). */
const char *json_str(const struct json *j, const char *key);

/* Member key as a non-negative integer that a double holds exactly. */
bool json_uint(const struct json *j, const char *key, size_t *out);

/* Decode hex (either case, even length) into a fresh buffer of at least one byte, so an empty
 * string gives a non-NULL pointer and *len 0. NULL on bad hex. Free with free(). */
uint8_t *hex_decode(const char *hex, size_t hex_len, size_t *len);

/* Member key, a hex string, decoded (NULL if absent, not a string or not hex). */
uint8_t *json_hex(const struct json *j, const char *key, size_t *len);

/* Hex fields of one vector, freed together: json_field returns NULL (and sets bad, naming the
 * vector set in what) when a field is missing, malformed or not want bytes long (want 0: any). */
struct json_fields {
    const char *what;
    uint8_t *buf[24];
    size_t n;
    bool bad;
};

const uint8_t *json_field(struct json_fields *f, const struct json *obj, const char *key, size_t want,
                          size_t *len);
void json_fields_free(struct json_fields *f);

#endif
