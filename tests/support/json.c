/* json.h: the parser (a recursive descent over RFC 8259's grammar) and the accessors. */
#include "json.h"

#define JSON_MAX_DEPTH 64

struct json_parser {
    const char *p, *end, *start;
    int depth;
    const char *err;
};

void json_free(struct json *j)
{
    while (j != NULL) {
        struct json *next = j->next;

        json_free(j->child);
        free(j->key);
        free(j->str);
        free(j);
        j = next;
    }
}

static void json_ws(struct json_parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool json_fail(struct json_parser *ps, const char *msg)
{
    if (ps->err == NULL)
        ps->err = msg;
    return false;
}

static int json_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u". */
static bool json_u16(struct json_parser *ps, unsigned *out)
{
    unsigned v = 0;

    if (ps->end - ps->p < 4)
        return json_fail(ps, "short \\u escape");
    for (int i = 0; i < 4; i++) {
        int h = json_hexval(ps->p[i]);

        if (h < 0)
            return json_fail(ps, "bad \\u escape");
        v = v << 4 | (unsigned)h;
    }
    ps->p += 4;
    *out = v;
    return true;
}

static size_t json_utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash; writes its UTF-8 bytes to o and returns how many (0 on
 * error). A decoded escape is never longer than its source text, so o cannot overflow. */
static size_t json_escape(struct json_parser *ps, char *o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    unsigned cp, lo;
    const char *e;

    if (ps->p >= ps->end)
        return json_fail(ps, "unterminated escape"), 0;
    if (*ps->p != 'u') {
        if (*ps->p == '\0' || (e = strchr(from, *ps->p)) == NULL)
            return json_fail(ps, "bad escape"), 0;
        ps->p++;
        o[0] = to[e - from];
        return 1;
    }
    ps->p++;
    if (!json_u16(ps, &cp))
        return 0;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return json_fail(ps, "lone low surrogate"), 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return json_fail(ps, "lone high surrogate"), 0;
        ps->p += 2;
        if (!json_u16(ps, &lo))
            return 0;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return json_fail(ps, "bad surrogate pair"), 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return json_utf8(cp, o);
}

/* A string starting at the opening quote. */
static bool json_string_raw(struct json_parser *ps, char **out, size_t *out_len)
{
    const char *q = ps->p + 1;
    size_t n = 0;
    char *buf;

    /* Find the closing quote first, so the buffer is this string's size, not the file's. */
    while (q < ps->end && *q != '"')
        q += *q == '\\' ? 2 : 1;
    if (q >= ps->end)
        return json_fail(ps, "unterminated string");
    if ((buf = malloc((size_t)(q - ps->p))) == NULL)
        return json_fail(ps, "out of memory");
    ps->p++;
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;

        if (c < 0x20) {
            free(buf);
            return json_fail(ps, "control character in string");
        }
        if (c == '\\') {
            size_t k;

            ps->p++;
            if ((k = json_escape(ps, buf + n)) == 0) {
                free(buf);
                return false;
            }
            n += k;
        } else {
            buf[n++] = (char)c;
            ps->p++;
        }
    }
    ps->p++;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return true;
}

static bool json_number(struct json_parser *ps, double *out)
{
    const char *s = ps->p;
    char tmp[64], *endp;
    size_t n;

#define JSON_DIGITS(min)                                                                    \
    do {                                                                                    \
        const char *d_ = ps->p;                                                             \
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')                           \
            ps->p++;                                                                        \
        if (ps->p - d_ < (min))                                                             \
            return json_fail(ps, "bad number");                                             \
    } while (0)

    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++; /* no leading zeros */
    else
        JSON_DIGITS(1);
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        JSON_DIGITS(1);
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        JSON_DIGITS(1);
    }
#undef JSON_DIGITS
    if ((n = (size_t)(ps->p - s)) >= sizeof(tmp))
        return json_fail(ps, "number too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, &endp);
    return endp == tmp + n ? true : json_fail(ps, "bad number");
}

static bool json_literal(struct json_parser *ps, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return json_fail(ps, "unexpected character");
    ps->p += n;
    return true;
}

static struct json *json_value(struct json_parser *ps);

/* The elements of an array or the members of an object, after the opening bracket. */
static bool json_children(struct json_parser *ps, struct json *parent, bool object)
{
    char close = object ? '}' : ']';
    struct json **tail = &parent->child;

    json_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        struct json *v;

        json_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return json_fail(ps, "expected member name");
            if (!json_string_raw(ps, &key, &key_len))
                return false;
            json_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return json_fail(ps, "expected ':'");
            }
            ps->p++;
        }
        if ((v = json_value(ps)) == NULL) {
            free(key);
            return false;
        }
        v->key = key;
        v->key_len = key_len;
        *tail = v;
        tail = &v->next;
        parent->len++;
        json_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        return json_fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static struct json *json_value(struct json_parser *ps)
{
    struct json *j;
    bool ok;

    json_ws(ps);
    if (ps->p >= ps->end)
        return json_fail(ps, "unexpected end"), NULL;
    if ((j = calloc(1, sizeof(*j))) == NULL)
        return json_fail(ps, "out of memory"), NULL;
    switch (*ps->p) {
    case '{':
    case '[':
        j->type = *ps->p == '{' ? JSON_OBJECT : JSON_ARRAY;
        if (++ps->depth > JSON_MAX_DEPTH) {
            ok = json_fail(ps, "nested too deeply");
            break;
        }
        ps->p++;
        ok = json_children(ps, j, j->type == JSON_OBJECT);
        ps->depth--;
        break;
    case '"':
        j->type = JSON_STRING;
        ok = json_string_raw(ps, &j->str, &j->len);
        break;
    case 't':
        j->type = JSON_TRUE;
        ok = json_literal(ps, "true");
        break;
    case 'f':
        j->type = JSON_FALSE;
        ok = json_literal(ps, "false");
        break;
    case 'n':
        j->type = JSON_NULL;
        ok = json_literal(ps, "null");
        break;
    default:
        j->type = JSON_NUMBER;
        ok = (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
                 ? json_number(ps, &j->num)
                 : json_fail(ps, "unexpected character");
        break;
    }
    if (!ok) {
        json_free(j);
        return NULL;
    }
    return j;
}

struct json *json_parse(const char *text, size_t len, const char **err, size_t *err_off)
{
    struct json_parser ps = {text, text + len, text, 0, NULL};
    struct json *j = json_value(&ps);

    if (j != NULL) {
        json_ws(&ps);
        if (ps.p != ps.end) {
            json_fail(&ps, "trailing characters");
            json_free(j);
            j = NULL;
        }
    }
    if (j == NULL && err != NULL) {
        *err = ps.err != NULL ? ps.err : "parse error";
        if (err_off != NULL)
            *err_off = (size_t)(ps.p - ps.start);
    }
    return j;
}

struct json *json_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct json *j = NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    const char *err = NULL;
    size_t off = 0;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open\n", path);
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

            if (nb == NULL)
                goto out;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);

        if (got == 0)
            break;
        n += got;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        goto out;
    }
    if ((j = json_parse(buf, n, &err, &off)) == NULL)
        fprintf(stderr, "%s: %s at byte %zu\n", path, err, off);
out:
    free(buf);
    fclose(f);
    return j;
}

/* ---- access ----------------------------------------------------------------------------- */

const struct json *json_get(const struct json *j, const char *key)
{
    size_t n = strlen(key);

    if (j == NULL || j->type != JSON_OBJECT)
        return NULL;
    for (const struct json *c = j->child; c != NULL; c = c->next)
        if (c->key_len == n && memcmp(c->key, key, n) == 0)
            return c;
    return NULL;
}

const struct json *json_at(const struct json *j, size_t i)
{
    if (j == NULL || j->type != JSON_ARRAY)
        return NULL;
    for (const struct json *c = j->child; c != NULL; c = c->next, i--)
        if (i == 0)
            return c;
    return NULL;
}

const char *json_str(const struct json *j, const char *key)
{
    const struct json *v = json_get(j, key);

    return v != NULL && v->type == JSON_STRING ? v->str : NULL;
}

bool json_uint(const struct json *j, const char *key, size_t *out)
{
    const struct json *v = json_get(j, key);

    if (v == NULL || v->type != JSON_NUMBER || v->num < 0 || v->num > 9007199254740992.0 ||
        v->num != (double)(uint64_t)v->num)
        return false;
    *out = (size_t)v->num;
    return true;
}

uint8_t *hex_decode(const char *hex, size_t hex_len, size_t *len)
{
    uint8_t *out;

    if (hex == NULL || hex_len % 2 != 0 || (out = malloc(hex_len / 2 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = json_hexval(hex[2 * i]), lo = json_hexval(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = hex_len / 2;
    return out;
}

uint8_t *json_hex(const struct json *j, const char *key, size_t *len)
{
    const struct json *v = json_get(j, key);

    return v != NULL && v->type == JSON_STRING ? hex_decode(v->str, v->len, len) : NULL;
}

const uint8_t *json_field(struct json_fields *f, const struct json *obj, const char *key, size_t want,
                          size_t *len)
{
    size_t l = 0;
    uint8_t *b = json_hex(obj, key, &l);

    if (b == NULL || (want != 0 && l != want) || f->n == sizeof(f->buf) / sizeof(f->buf[0])) {
        fprintf(stderr, "%s: field %s missing or malformed\n", f->what, key);
        free(b);
        f->bad = true;
        return NULL;
    }
    f->buf[f->n++] = b;
    if (len != NULL)
        *len = l;
    return b;
}

void json_fields_free(struct json_fields *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->buf[i]);
    f->n = 0;
}
