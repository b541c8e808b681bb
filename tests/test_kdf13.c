/* kdf13 and the TLS 1.3 key schedule (RFC 8446 §7.1, §7.3, §7.5, §4.4.4, §4.2.11.2, §4.6.1,
 * §5.2) against known answers from tests/vectors (issue 5): the ACVP TLS-v1.3 KDF sample set
 * (acvp_tls13_kdf.json, BoringSSL's answers) and the Mbed TLS unit vectors
 * (tls13_unit_vectors_mbedtls.json). Every case goes through the public API as far as its
 * inputs can enter it, and through the internal kdf13_* functions with the backend of a real
 * provider; the two must agree with the vector and with each other. Secrets made by the API
 * are read back from their OpaqueKeyBlob (80-byte header, stage at 0x4C, then KDBM
 * {0x4D42444B, 1, cbKeyData} + the bytes, conventions.md §7). Where a case gives a secret the
 * API cannot compute from the case's own inputs, the secret enters as an OpaqueKeyBlob of its
 * stage (the format SslExportKey writes), so the derivation *from* it is still the API's.
 *
 * What cannot enter the API, and therefore runs on kdf13_* only:
 *  - transcript hashes given as hash values (our hash objects take messages, and a digest
 *    cannot be turned back into the messages that produced it);
 *  - a raw (EC)DHE shared secret (SslExtractHandshakeKey computes it from a private-key handle
 *    and the peer's share; the vectors give only the shared value).
 *
 * Then the negative twins: a flipped input byte changes exactly the outputs that depend on it,
 * the wrong hash gives another value, unknown digests / wrong-length secrets / transcripts of
 * another hash are refused, Expand-Label lengths 0 and > 255 * Hash.length are refused (and
 * 255 * Hash.length matches an independent HKDF), record tags and sequence numbers matter. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include "acvp13.h"
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "json.h"
#include "kdf13.h"
#include "provider.h"
#include "sslprovider.h"
#include "sslprov_opaque.h"

#define P13 TLS1_3_PROTOCOL_VERSION
#define HMAX KDF13_MAX_HASH

/* Stage codes at OpaqueKeyBlob offset 0x4C (docs/tls13.md) */
enum {
    ST_EARLY = 1,
    ST_HANDSHAKE = 2,
    ST_MASTER = 3,
    ST_TRAFFIC = 4,
    ST_WRITE = 5,
    ST_EXPORTER = 6,
    ST_RESUMPTION = 7,
    ST_BINDER = 8,
    ST_PSK = 9
};

static NCRYPT_PROV_HANDLE hprov;
static const struct backend *be;

/* ---- helpers ------------------------------------------------------------------------------ */

static bool all_bytes(const uint8_t *b, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

static enum md_id md_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum md_id md;
    } map[] = {{"SHA2-256", MD_SHA256}, {"SHA_256", MD_SHA256}, {"SHA2-384", MD_SHA384}, {"SHA_384", MD_SHA384}};

    for (size_t i = 0; name != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].md;
    return MD_NONE;
}

/* A TLS 1.3 suite with this hash (and, when key_len != 0, this AEAD key length). */
static DWORD suite_for(enum md_id md, size_t key_len)
{
    if (md == MD_SHA256 && (key_len == 0 || key_len == 16))
        return TLS_AES_128_GCM_SHA256;
    if (md == MD_SHA256 && key_len == 32)
        return TLS_CHACHA20_POLY1305_SHA256;
    if (md == MD_SHA384 && (key_len == 0 || key_len == 32))
        return TLS_AES_256_GCM_SHA384;
    return 0;
}

static DWORD suite_from_name(const char *name)
{
    static const struct {
        const char *name;
        DWORD id;
    } map[] = {{"TLS_AES_128_GCM_SHA256", TLS_AES_128_GCM_SHA256},
               {"TLS_AES_256_GCM_SHA384", TLS_AES_256_GCM_SHA384},
               {"TLS_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305_SHA256},
               {"TLS_AES_128_CCM_SHA256", TLS_AES_128_CCM_SHA256},
               {"TLS_AES_128_CCM_8_SHA256", TLS_AES_128_CCM_8_SHA256}};

    for (size_t i = 0; name != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].id;
    return 0;
}

/* json_field() for a field that may be absent (NULL, length 0). */
static const uint8_t *opt(struct json_fields *f, const struct json *obj, const char *key, size_t *len)
{
    *len = 0;
    return json_get(obj, key) != NULL ? json_field(f, obj, key, 0, len) : NULL;
}

/* Compare a derived value with the expected one; name the case on a mismatch. */
static bool same(const char *what, const char *field, const uint8_t *got, const uint8_t *want, size_t len)
{
    bool ok = got != NULL && want != NULL && memcmp(got, want, len) == 0;

    if (!ok)
        fprintf(stderr, "%s: %s differs\n", what, field);
    CHECK(ok);
    return ok;
}

/* A status that must be SEC_E_OK; the call is named on failure. */
static bool ok_st(SECURITY_STATUS st, const char *what, const char *call)
{
    if (st != SEC_E_OK)
        fprintf(stderr, "%s: %s = 0x%08x\n", what, call, (unsigned)st);
    CHECK(st == SEC_E_OK);
    return st == SEC_E_OK;
}
#define EXPECT_OK(what, call) ok_st((call), (what), #call)

static struct json *load(const char *file)
{
    char path[512];
    struct json *root;

    snprintf(path, sizeof(path), "%s/%s", SSLPROV_TEST_VECTORS, file);
    root = json_load(path);
    CHECK(root != NULL);
    return root;
}

/* "tls13 xyz" -> "xyz" (kdf13_expand_label adds the prefix itself); NULL without the prefix. */
static const char *strip_prefix(const char *label)
{
    return label != NULL && strncmp(label, "tls13 ", 6) == 0 ? label + 6 : NULL;
}

/* ---- the public API's objects ------------------------------------------------------------- */

/* The bytes behind h, read back from its OpaqueKeyBlob: the header must say TLS 1.3, this
 * suite, this stage, no direction flag, a 12-byte IV exactly for write keys (copied to iv),
 * KDBM version 1, and the total must add up (+ 8-byte sequence mark for write keys). Returns
 * the number of bytes, 0 on any mismatch. */
static size_t blob_read(NCRYPT_KEY_HANDLE h, DWORD stage, DWORD suite, uint8_t *out, size_t cap, uint8_t *iv)
{
    uint8_t blob[80 + 12 + 256 + 8];
    DWORD cb = 0;
    size_t n, mark = stage == ST_WRITE ? 8 : 0;
    bool ok;

    if (h == 0 || SslExportKey(hprov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) != SEC_E_OK || cb < 92) {
        fprintf(stderr, "OpaqueKeyBlob of stage %u: export failed\n", (unsigned)stage);
        CHECK(!"export");
        return 0;
    }
    n = get32(blob + SSLPROV_OPAQUE_KDBM_KEYLEN);
    ok = get32(blob) == cb && get32(blob + SSLPROV_OPAQUE_MAGIC) == SSLPROV_OPAQUE_MAGIC_SSL3 && get32(blob + SSLPROV_OPAQUE_PROTOCOL) == P13 &&
         get32(blob + SSLPROV_OPAQUE_SUITE) == suite && get32(blob + SSLPROV_OPAQUE_FLAG) == 0 && get32(blob + SSLPROV_OPAQUE_PAYLOAD) == cb - 80 &&
         get32(blob + SSLPROV_OPAQUE_IVLEN) == (stage == ST_WRITE ? 12u : 0u) && get32(blob + SSLPROV_OPAQUE_KEYTYPE) == stage &&
         get32(blob + SSLPROV_OPAQUE_HEADER_LEN) == SSLPROV_KDBM_MAGIC && get32(blob + SSLPROV_OPAQUE_HEADER_LEN + 4) == 1 && cb == SSLPROV_OPAQUE_KDBM_KEY + n + mark && n <= cap;
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "OpaqueKeyBlob of stage %u: unexpected header (stage field %u)\n", (unsigned)stage,
                (unsigned)get32(blob + SSLPROV_OPAQUE_KEYTYPE));
        return 0;
    }
    memcpy(out, blob + SSLPROV_OPAQUE_KDBM_KEY, n);
    if (iv != NULL)
        memcpy(iv, blob + SSLPROV_OPAQUE_IV, 12);
    return n;
}

/* Hand a known secret (or write key) to the API as the OpaqueKeyBlob SslExportKey would write
 * for it. */
static SECURITY_STATUS import_st(DWORD stage, DWORD suite, const uint8_t *key, size_t len, const uint8_t *iv,
                                 NCRYPT_KEY_HANDLE *h)
{
    uint8_t blob[80 + 12 + HMAX + 8] = {0};
    size_t mark = stage == ST_WRITE ? 8 : 0, total = 92 + len + mark;

    *h = 0;
    if (len > HMAX)
        return NTE_INVALID_PARAMETER;
    put32(blob + 0x00, (uint32_t)total);
    put32(blob + SSLPROV_OPAQUE_MAGIC, SSLPROV_OPAQUE_MAGIC_SSL3);
    put32(blob + SSLPROV_OPAQUE_PROTOCOL, P13);
    put32(blob + SSLPROV_OPAQUE_SUITE, suite);
    put32(blob + SSLPROV_OPAQUE_PAYLOAD, (uint32_t)(total - 80));
    if (iv != NULL) {
        put32(blob + SSLPROV_OPAQUE_IVLEN, 12);
        memcpy(blob + SSLPROV_OPAQUE_IV, iv, 12);
    }
    put32(blob + SSLPROV_OPAQUE_KEYTYPE, stage);
    put32(blob + SSLPROV_OPAQUE_HEADER_LEN, SSLPROV_KDBM_MAGIC);
    put32(blob + SSLPROV_OPAQUE_HEADER_LEN + 4, 1);
    put32(blob + SSLPROV_OPAQUE_KDBM_KEYLEN, (uint32_t)len);
    memcpy(blob + SSLPROV_OPAQUE_KDBM_KEY, key, len);
    return SslImportKey(hprov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, (DWORD)total, 0);
}

static NCRYPT_KEY_HANDLE import_secret(DWORD stage, DWORD suite, const uint8_t *key, size_t len, const uint8_t *iv)
{
    NCRYPT_KEY_HANDLE h = 0;

    CHECK_ST(import_st(stage, suite, key, len, iv, &h), SEC_E_OK);
    return h;
}

static void free_keys(NCRYPT_KEY_HANDLE *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (k[i] != 0) {
            CHECK_ST(SslFreeObject(k[i], 0), SEC_E_OK);
            k[i] = 0;
        }
}

/* ---- an independent HKDF-Expand-Label (libcrypto's HKDF, HkdfLabel built here) ------------ */

static bool ref_expand_label(enum md_id md, const uint8_t *secret, const char *label, const uint8_t *ctx,
                             size_t cl, uint8_t *out, size_t ol)
{
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0, ll = strlen(label);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *k = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    bool ok;

    info[n++] = (uint8_t)(ol >> 8), info[n++] = (uint8_t)ol, info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6), n += 6;
    memcpy(info + n, label, ll), n += ll;
    info[n++] = (uint8_t)cl;
    if (cl != 0)
        memcpy(info + n, ctx, cl), n += cl;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_ossl_name(md), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, md_size(md)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    ok = k != NULL && EVP_KDF_derive(k, out, ol, p) > 0;
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    return ok;
}

/* ---- ACVP TLS-v1.3 KDF (acvp_tls13_kdf.json) --------------------------------------------- */

/* The file's layout: tests/support/acvp13.h. */
static const DWORD acvp_stage[ACVP_NOUT] = {ST_TRAFFIC, ST_EXPORTER, ST_TRAFFIC,  ST_TRAFFIC,
                                            ST_TRAFFIC, ST_TRAFFIC,  ST_EXPORTER, ST_RESUMPTION};

struct acvp_in {
    enum md_id md;
    const uint8_t *psk, *dhe, *r[4]; /* psk / dhe NULL when the mode has none */
    size_t psk_len, dhe_len, r_len[4];
};

struct acvp_out {
    uint8_t early[HMAX], hs[HMAX], ms[HMAX], s[ACVP_NOUT][HMAX];
};

/* The schedule on kdf13_* alone. */
static bool acvp_internal(const struct acvp_in *in, struct acvp_out *o)
{
    size_t h = md_size(in->md), total = 0, prefix[4];
    uint8_t th[4][HMAX], *cat;
    SECURITY_STATUS st = SEC_E_OK;

    for (int i = 0; i < 4; i++)
        prefix[i] = total += in->r_len[i];
    if ((cat = malloc(total + 1)) == NULL)
        return false;
    for (int i = 0, off = 0; i < 4; off += (int)in->r_len[i], i++)
        memcpy(cat + off, in->r[i], in->r_len[i]);
    for (int i = 0; i < 4 && st == SEC_E_OK; i++)
        st = kdf13_hash(be, in->md, cat, prefix[i], th[i]);
    free(cat);
    /* Early = Extract(0, PSK or 0); Handshake = Extract(Derive(Early, "derived"), DHE or 0);
     * Master = Extract(Derive(Handshake, "derived"), 0) */
    if (st == SEC_E_OK)
        st = kdf13_extract(be, in->md, NULL, in->psk, in->psk_len, o->early);
    if (st == SEC_E_OK)
        st = kdf13_extract(be, in->md, o->early, in->dhe, in->dhe_len, o->hs);
    if (st == SEC_E_OK)
        st = kdf13_extract(be, in->md, o->hs, NULL, 0, o->ms);
    for (int i = 0; i < ACVP_NOUT && st == SEC_E_OK; i++) {
        const uint8_t *base = i < CHTS ? o->early : i < CATS ? o->hs : o->ms;

        st = kdf13_expand_label(be, in->md, base, acvp_labels[i], th[acvp_transcript[i]], h, o->s[i], h);
    }
    return ok_st(st, "ACVP", "kdf13 schedule");
}

/* The schedule through the API. A PSK enters through SslImportKey(TLS_13_PRE_SHARED_KEY), no
 * PSK is SslExtractEarlyKey(.., 0, ..), psk_ke is SslExtractHandshakeKey(hProv, 0, 0, hEarly);
 * the random strings are the "messages" of one running transcript hash object. A DHE shared
 * secret has no API path (see the top of this file): the handshake secret is then
 * kdf13_extract(early secret read back from the API, dhe) and re-enters as an OpaqueKeyBlob of
 * stage 2, so everything from it on is the API's again. */
static bool acvp_api(const struct acvp_in *in, DWORD suite, struct acvp_out *o)
{
    const char *what = "ACVP API";
    size_t h = md_size(in->md);
    NCRYPT_KEY_HANDLE k[ACVP_NOUT + 4] = {0}, *psk = &k[ACVP_NOUT], *e = psk + 1, *hs = e + 1, *m = hs + 1;
    NCRYPT_HASH_HANDLE th = 0;
    bool ok = true;

    if (in->psk != NULL)
        ok &= EXPECT_OK(what, SslImportKey(hprov, psk, TLS_13_PRE_SHARED_KEY, (PBYTE)in->psk, (DWORD)in->psk_len, 0));
    ok &= EXPECT_OK(what, SslExtractEarlyKey(hprov, *psk, e, P13, suite, NULL, 0));
    ok &= EXPECT_OK(what, SslCreateHandshakeHash(hprov, &th, P13, suite, 0));
    ok &= EXPECT_OK(what, SslHashHandshake(hprov, th, (PBYTE)in->r[0], (DWORD)in->r_len[0], 0));
    ok &= EXPECT_OK(what, SslExpandTrafficKeys(hprov, *e, th, &k[CET], NULL, NULL, 0));
    ok &= EXPECT_OK(what, SslExpandExporterMasterKey(hprov, *e, th, &k[EEMS], NULL, 0));
    ok &= EXPECT_OK(what, SslHashHandshake(hprov, th, (PBYTE)in->r[1], (DWORD)in->r_len[1], 0));
    ok &= blob_read(*e, ST_EARLY, suite, o->early, HMAX, NULL) == h;
    if (in->dhe == NULL) {
        ok &= EXPECT_OK(what, SslExtractHandshakeKey(hprov, 0, 0, *e, hs, NULL, 0)); /* psk_ke */
    } else {
        uint8_t hsv[HMAX];

        ok &= EXPECT_OK(what, kdf13_extract(be, in->md, o->early, in->dhe, in->dhe_len, hsv));
        ok &= EXPECT_OK(what, import_st(ST_HANDSHAKE, suite, hsv, h, NULL, hs));
    }
    ok &= EXPECT_OK(what, SslExpandTrafficKeys(hprov, *hs, th, &k[CHTS], &k[SHTS], NULL, 0));
    ok &= EXPECT_OK(what, SslHashHandshake(hprov, th, (PBYTE)in->r[2], (DWORD)in->r_len[2], 0));
    ok &= EXPECT_OK(what, SslExtractMasterKey(hprov, *hs, m, NULL, 0));
    ok &= EXPECT_OK(what, SslExpandTrafficKeys(hprov, *m, th, &k[CATS], &k[SATS], NULL, 0));
    ok &= EXPECT_OK(what, SslExpandExporterMasterKey(hprov, *m, th, &k[EMS], NULL, 0));
    ok &= EXPECT_OK(what, SslHashHandshake(hprov, th, (PBYTE)in->r[3], (DWORD)in->r_len[3], 0));
    ok &= EXPECT_OK(what, SslExpandResumptionMasterKey(hprov, *m, th, &k[RMS], NULL, 0));
    ok &= ok && blob_read(*hs, ST_HANDSHAKE, suite, o->hs, HMAX, NULL) == h;
    ok &= ok && blob_read(*m, ST_MASTER, suite, o->ms, HMAX, NULL) == h;
    for (int i = 0; ok && i < ACVP_NOUT; i++)
        ok &= blob_read(k[i], acvp_stage[i], suite, o->s[i], HMAX, NULL) == h;
    free_keys(k, sizeof(k) / sizeof(k[0]));
    if (th != 0)
        CHECK_ST(SslFreeObject(th, 0), SEC_E_OK);
    return ok;
}

/* The case's inputs; false when a field is missing, malformed or contradicts the mode. */
static bool acvp_read(struct json_fields *f, const struct json *t, enum md_id md, const char *mode, struct acvp_in *in,
                      const uint8_t *want[ACVP_NOUT])
{
    bool has_psk = mode != NULL && strstr(mode, "PSK") != NULL, has_dhe = mode != NULL && strstr(mode, "DHE") != NULL;

    memset(in, 0, sizeof(*in));
    in->md = md;
    in->psk = opt(f, t, "psk", &in->psk_len);
    in->dhe = opt(f, t, "dhe", &in->dhe_len);
    for (int i = 0; i < 4; i++)
        in->r[i] = json_field(f, t, acvp_random_names[i], 0, &in->r_len[i]);
    for (int i = 0; i < ACVP_NOUT; i++)
        want[i] = json_field(f, t, acvp_names[i], md_size(md), NULL);
    return !f->bad && md != MD_NONE && (in->psk != NULL) == has_psk && (in->dhe != NULL) == has_dhe &&
           (!has_psk || in->psk_len > 0) && (!has_dhe || in->dhe_len > 0);
}

static bool acvp_case(const struct json *t, enum md_id md, const char *mode, DWORD suite, bool *hybrid)
{
    char what[64];
    size_t tc = 0, h = md_size(md);
    struct json_fields f = {.what = "acvp_tls13_kdf"};
    struct acvp_in in;
    const uint8_t *want[ACVP_NOUT];
    struct acvp_out a, b;
    bool ok;

    json_uint(t, "tcId", &tc);
    snprintf(what, sizeof(what), "ACVP tcId %zu", tc);
    ok = acvp_read(&f, t, md, mode, &in, want);
    CHECK(ok);
    *hybrid = in.dhe != NULL;
    if (ok) {
        ok &= acvp_internal(&in, &a);
        for (int i = 0; ok && i < ACVP_NOUT; i++)
            ok &= same(what, acvp_names[i], a.s[i], want[i], h);
        ok &= acvp_api(&in, suite, &b);
        for (int i = 0; ok && i < ACVP_NOUT; i++)
            ok &= same(what, acvp_names[i], b.s[i], want[i], h);
        /* the file lists no early / handshake / master secret: API and kdf13 agree on them */
        ok &= ok && same(what, "early secret (API vs kdf13)", b.early, a.early, h);
        ok &= ok && same(what, "handshake secret (API vs kdf13)", b.hs, a.hs, h);
        ok &= ok && same(what, "master secret (API vs kdf13)", b.ms, a.ms, h);
    }
    json_fields_free(&f);
    return ok;
}

/* Flipped input bytes change exactly the outputs that depend on them: a PSK and the first
 * transcript message everything, the DHE and helloServerRandom everything from the handshake
 * secret on, finishedServerRandom the application secrets and both exporter/resumption
 * secrets derived after it, finishedClientRandom only the resumption master secret. */
static void acvp_flips(const struct json *t, enum md_id md, const char *mode, DWORD suite)
{
    struct json_fields f = {.what = "acvp flips"};
    struct acvp_in in, mod;
    const uint8_t *want[ACVP_NOUT];
    struct acvp_out base, got;
    size_t h = md_size(md);
    uint8_t buf[512];
    /* bit i: output i depends on the input (CET, EEMS, CHTS, SHTS, CATS, SATS, EMS, RMS) */
    static const unsigned dep_psk = 0xFF, dep_dhe = 0xFC, dep_r[4] = {0xFF, 0xFC, 0xF0, 0x80};

    if (!acvp_read(&f, t, md, mode, &in, want) || !acvp_internal(&in, &base)) {
        CHECK(!"acvp flips: case unreadable");
        json_fields_free(&f);
        return;
    }
    for (int which = -2; which < 4; which++) {
        const uint8_t *src = which == -2 ? in.psk : which == -1 ? in.dhe : in.r[which];
        size_t len = which == -2 ? in.psk_len : which == -1 ? in.dhe_len : in.r_len[which];
        unsigned dep = which == -2 ? dep_psk : which == -1 ? dep_dhe : dep_r[which];

        if (src == NULL || len == 0 || len > sizeof(buf))
            continue;
        for (int pos = 0; pos < 2; pos++) {
            mod = in;
            memcpy(buf, src, len);
            buf[pos == 0 ? 0 : len - 1] ^= pos == 0 ? 0x80 : 0x01;
            if (which == -2)
                mod.psk = buf;
            else if (which == -1)
                mod.dhe = buf;
            else
                mod.r[which] = buf;
            CHECK(acvp_internal(&mod, &got));
            for (int i = 0; i < ACVP_NOUT; i++) {
                bool changed = memcmp(got.s[i], base.s[i], h) != 0;

                if (changed != ((dep >> i) & 1))
                    fprintf(stderr, "ACVP flip of input %d: %s %s\n", which, acvp_names[i],
                            changed ? "changed" : "unchanged");
                CHECK(changed == ((dep >> i) & 1));
            }
            /* and through the API for the PSK and the last message */
            if (which == -2 || which == 3) {
                struct acvp_out api;

                CHECK(acvp_api(&mod, suite, &api));
                for (int i = 0; i < ACVP_NOUT; i++)
                    CHECK((memcmp(api.s[i], base.s[i], h) != 0) == ((dep >> i) & 1));
            }
        }
    }
    /* A shorter PSK / DHE is another input, not a prefix-equal one (HMAC keys are zero-padded,
     * so drop a non-zero last byte). */
    if (in.psk != NULL && in.psk[in.psk_len - 1] != 0) {
        mod = in, mod.psk_len--;
        CHECK(acvp_internal(&mod, &got) && memcmp(got.early, base.early, h) != 0);
    }
    if (in.dhe != NULL && in.dhe[in.dhe_len - 1] != 0) {
        mod = in, mod.dhe_len--;
        CHECK(acvp_internal(&mod, &got) && memcmp(got.hs, base.hs, h) != 0 && memcmp(got.early, base.early, h) == 0);
    }
    json_fields_free(&f);
}

/* The hash is part of every step: a case's inputs under the other hash give other secrets,
 * through kdf13 and through the API (the other suite's hash). */
static void acvp_wrong_hash(const struct json *t, enum md_id md, const char *mode)
{
    struct json_fields f = {.what = "acvp wrong hash"};
    struct acvp_in in;
    const uint8_t *want[ACVP_NOUT];
    struct acvp_out got;
    enum md_id other = md == MD_SHA256 ? MD_SHA384 : MD_SHA256;

    if (!acvp_read(&f, t, md, mode, &in, want)) {
        CHECK(!"acvp wrong hash: case unreadable");
        json_fields_free(&f);
        return;
    }
    in.md = other;
    CHECK(acvp_internal(&in, &got));
    for (int i = 0; i < ACVP_NOUT; i++)
        CHECK(memcmp(got.s[i], want[i], 32) != 0);
    CHECK(acvp_api(&in, suite_for(other, 0), &got));
    for (int i = 0; i < ACVP_NOUT; i++)
        CHECK(memcmp(got.s[i], want[i], 32) != 0);
    json_fields_free(&f);
}

static void test_acvp(void)
{
    struct json *root = load("acvp_tls13_kdf.json");
    const struct json *groups = json_get(root, "testGroups");
    static const char *const modes[3] = {"DHE", "PSK", "PSK-DHE"};
    size_t n[2][3] = {{0}}, ok[2][3] = {{0}}, total = 0, passed = 0, expected = 0, hybrid = 0, flips = 0;
    bool wrong_hash_done[2] = {false, false};

    CHECK(json_uint(root, "count", &expected));
    for (const struct json *g = groups != NULL ? groups->child : NULL; g != NULL; g = g->next) {
        enum md_id md = md_from_name(json_str(g, "hmacAlg"));
        const char *mode = json_str(g, "runningMode");
        int mi = -1, hi = md == MD_SHA384;

        for (int i = 0; mode != NULL && i < 3; i++)
            if (strcmp(mode, modes[i]) == 0)
                mi = i;
        CHECK(md != MD_NONE && mi >= 0);
        if (md == MD_NONE || mi < 0)
            continue;
        for (const struct json *t = json_get(g, "tests") != NULL ? json_get(g, "tests")->child : NULL; t != NULL;
             t = t->next) {
            bool hyb = false, good = acvp_case(t, md, mode, suite_for(md, 0), &hyb);

            n[hi][mi]++, total++;
            ok[hi][mi] += good, passed += good, hybrid += hyb;
            /* negative twins on the first case of every hash/mode */
            if (n[hi][mi] == 1)
                acvp_flips(t, md, mode, suite_for(md, 0)), flips++;
            if (!wrong_hash_done[hi])
                acvp_wrong_hash(t, md, mode), wrong_hash_done[hi] = true;
        }
    }
    for (int hi = 0; hi < 2; hi++)
        for (int mi = 0; mi < 3; mi++)
            if (n[hi][mi] != 0)
                printf("acvp_tls13_kdf.json %s %-7s: %zu/%zu cases pass (8 secrets each, API and kdf13%s)\n",
                       hi ? "SHA2-384" : "SHA2-256", modes[mi], ok[hi][mi], n[hi][mi],
                       mi == 1 ? "; all through the API" : "; handshake secret by kdf13_extract, then API");
    printf("acvp_tls13_kdf.json: %zu/%zu cases pass (%zu with a DHE secret the API cannot take; flips on %zu)\n",
           passed, total, hybrid, flips);
    CHECK(total == expected && total == 10 && passed == total && hybrid == 6);
    json_free(root);
}

/* ---- Mbed TLS unit vectors (tls13_unit_vectors_mbedtls.json) ------------------------------ */

/* How a case was checked, for the per-kind counts. */
struct how {
    bool api;      /* at least one output compared through the public API */
    bool internal; /* at least one output compared through kdf13_* */
};

/* Flip a byte of each input of an Expand-Label: the output changes; so does a longer length
 * (HkdfLabel carries the length, so outputs of different lengths are not prefixes). */
static void expand_label_twins(enum md_id md, const uint8_t *secret, const char *label, const uint8_t *ctx,
                               size_t cl, const uint8_t *base, size_t len)
{
    uint8_t s[HMAX], c[256], out[HMAX * 2 + 1];
    char l[256];
    size_t h = md_size(md), ll = strlen(label);

    if (len + 1 > sizeof(out) || cl + 1 > sizeof(c) || ll == 0 || ll + 1 > sizeof(l))
        return;
    memcpy(s, secret, h), s[h - 1] ^= 0x01;
    CHECK_ST(kdf13_expand_label(be, md, s, label, ctx, cl, out, len), SEC_E_OK);
    CHECK(memcmp(out, base, len) != 0);
    if (cl != 0)
        memcpy(c, ctx, cl);
    c[cl] = 0;
    if (cl != 0)
        c[0] ^= 0x80;
    CHECK_ST(kdf13_expand_label(be, md, secret, label, c, cl != 0 ? cl : 1, out, len), SEC_E_OK);
    CHECK(memcmp(out, base, len) != 0);
    memcpy(l, label, ll + 1), l[ll - 1] ^= 0x20;
    CHECK_ST(kdf13_expand_label(be, md, secret, l, ctx, cl, out, len), SEC_E_OK);
    CHECK(memcmp(out, base, len) != 0);
    CHECK_ST(kdf13_expand_label(be, md, secret, label, ctx, cl, out, len + 1), SEC_E_OK);
    CHECK(memcmp(out, base, len) != 0);
}

/* output = HKDF-Extract(salt = Derive-Secret(input_secret, "derived", "") or none, IKM = ikm
 * or zeros). API: no input and no ikm is SslExtractEarlyKey(.., 0, ..); no input with an ikm
 * is an imported PSK; an input without ikm is psk_ke from an early secret
 * (SslExtractHandshakeKey(hProv, 0, 0, hEarly)) and the master secret from a handshake
 * secret (SslExtractMasterKey) -- the same computation, both checked. An input with an ikm is a
 * DHE shared secret: no API path (top of file), kdf13_extract only. */
static bool mb_secret_evolution(struct json_fields *f, const struct json *v, enum md_id md, const char *what,
                                struct how *how)
{
    size_t h = md_size(md), in_len, ikm_len;
    const uint8_t *in = json_field(f, v, "input_secret", 0, &in_len), *ikm = json_field(f, v, "ikm", 0, &ikm_len);
    const uint8_t *want = json_field(f, v, "output", h, NULL);
    DWORD suite = suite_for(md, 0);
    uint8_t out[HMAX];
    NCRYPT_KEY_HANDLE k[3] = {0};
    bool ok = !f->bad && (in_len == 0 || in_len == h);

    CHECK(ok);
    if (!ok)
        return false;
    ok &= EXPECT_OK(what, kdf13_extract(be, md, in_len ? in : NULL, ikm_len ? ikm : NULL, ikm_len, out));
    ok &= same(what, "output (kdf13)", out, want, h);
    how->internal = true;
    if (in_len == 0) {
        if (ikm_len != 0)
            ok &= EXPECT_OK(what, SslImportKey(hprov, &k[0], TLS_13_PRE_SHARED_KEY, (PBYTE)ikm, (DWORD)ikm_len, 0));
        ok &= EXPECT_OK(what, SslExtractEarlyKey(hprov, k[0], &k[1], P13, suite, NULL, 0));
        ok &= blob_read(k[1], ST_EARLY, suite, out, HMAX, NULL) == h && same(what, "early secret (API)", out, want, h);
        how->api = true;
    } else if (ikm_len == 0) {
        k[0] = import_secret(ST_EARLY, suite, in, h, NULL);
        ok &= EXPECT_OK(what, SslExtractHandshakeKey(hprov, 0, 0, k[0], &k[1], NULL, 0));
        ok &= blob_read(k[1], ST_HANDSHAKE, suite, out, HMAX, NULL) == h &&
              same(what, "psk_ke handshake secret (API)", out, want, h);
        free_keys(k, 2);
        k[0] = import_secret(ST_HANDSHAKE, suite, in, h, NULL);
        ok &= EXPECT_OK(what, SslExtractMasterKey(hprov, k[0], &k[1], NULL, 0));
        ok &= blob_read(k[1], ST_MASTER, suite, out, HMAX, NULL) == h && same(what, "master secret (API)", out, want, h);
        how->api = true;
    }
    free_keys(k, 3);
    /* twins: a flipped input or ikm byte changes the output */
    {
        uint8_t x[HMAX], y[256];

        if (in_len != 0) {
            memcpy(x, in, h), x[0] ^= 1;
            CHECK_ST(kdf13_extract(be, md, x, ikm_len ? ikm : NULL, ikm_len, out), SEC_E_OK);
            CHECK(memcmp(out, want, h) != 0);
        }
        if (ikm_len != 0 && ikm_len <= sizeof(y)) {
            memcpy(y, ikm, ikm_len), y[ikm_len - 1] ^= 1;
            CHECK_ST(kdf13_extract(be, md, in_len ? in : NULL, y, ikm_len, out), SEC_E_OK);
            CHECK(memcmp(out, want, h) != 0);
        }
        /* an all-zero ikm of Hash.length equals an absent one (RFC 8446 §7.1 "0") */
        memset(y, 0, h);
        CHECK_ST(kdf13_extract(be, md, in_len ? in : NULL, y, h, out), SEC_E_OK);
        CHECK((memcmp(out, want, h) == 0) == (ikm_len == 0));
    }
    return ok;
}

/* The write key of a traffic secret through the API: key (KDBM) and the 12-byte IV at 0x1C. */
static bool api_write_key(const char *what, enum md_id md, size_t key_len, const uint8_t *secret, uint8_t *key,
                          uint8_t iv[12])
{
    DWORD suite = suite_for(md, key_len);
    NCRYPT_KEY_HANDLE k[2] = {0};
    bool ok = suite != 0;

    if (!ok) {
        fprintf(stderr, "%s: no TLS 1.3 suite with a %zu-byte key for this hash\n", what, key_len);
        CHECK(ok);
        return false;
    }
    k[0] = import_secret(ST_TRAFFIC, suite, secret, md_size(md), NULL);
    ok &= EXPECT_OK(what, SslExpandWriteKey(hprov, k[0], &k[1], NULL, 0));
    ok &= blob_read(k[1], ST_WRITE, suite, key, 64, iv) == key_len;
    free_keys(k, 2);
    return ok;
}

/* HKDF-Expand-Label(secret, label, context, length) on kdf13, and through the API where the
 * label is one the API derives from a secret it can be handed: "key"/"iv" (SslExpandWriteKey
 * of a traffic secret), "finished" (SslComputeFinishedHash of a traffic secret: its HMAC must
 * be the one keyed with the vector's finished_key -- the finished key itself never leaves the
 * provider), "resumption" (SslExpandPreSharedKey of a resumption master secret, the PSK read
 * back raw) and "traffic upd" (SslExpandNextGenTrafficKey). */
static bool mb_expand_label(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how)
{
    size_t h = md_size(md), cl = 0, len = 0;
    const char *label = strip_prefix(json_str(v, "label"));
    const uint8_t *secret = json_field(f, v, "secret", h, NULL), *ctx = json_field(f, v, "context", 0, &cl);
    const uint8_t *want = json_uint(v, "length", &len) ? json_field(f, v, "output", len, NULL) : NULL;
    uint8_t out[256], iv[12];
    bool ok = !f->bad && label != NULL && want != NULL && len <= sizeof(out);

    CHECK(ok);
    if (!ok)
        return false;
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, secret, label, ctx, cl, out, len));
    ok &= same(what, "output (kdf13)", out, want, len);
    how->internal = true;
    expand_label_twins(md, secret, label, ctx, cl, want, len);
    if (cl == 0 && (strcmp(label, "key") == 0 || strcmp(label, "iv") == 0)) {
        bool is_key = strcmp(label, "key") == 0;
        size_t key_len = is_key ? len : md == MD_SHA384 ? 32 : 16; /* an IV: any suite of this hash */
        ok &= (is_key || len == 12) && api_write_key(what, md, key_len, secret, out, iv);
        ok &= same(what, is_key ? "write key (API)" : "write IV (API)", is_key ? out : iv, want, len);
        how->api = true;
    } else if (cl == 0 && strcmp(label, "finished") == 0 && len == h) {
        static const uint8_t msg[] = {0x14, 0x00, 0x00, 0x03, 'k', 'a', 't'};
        uint8_t mh[HMAX], mac[HMAX];
        DWORD suite = suite_for(md, 0);
        NCRYPT_KEY_HANDLE t = import_secret(ST_TRAFFIC, suite, secret, h, NULL);
        NCRYPT_HASH_HANDLE th = 0;

        ok &= EXPECT_OK(what, kdf13_hash(be, md, msg, sizeof(msg), mh));
        ok &= EXPECT_OK(what, kdf13_hmac(be, md, want, mh, h, mac));
        ok &= EXPECT_OK(what, SslCreateHandshakeHash(hprov, &th, P13, suite, 0));
        ok &= EXPECT_OK(what, SslHashHandshake(hprov, th, (PBYTE)msg, sizeof(msg), 0));
        ok &= EXPECT_OK(what, SslComputeFinishedHash(hprov, t, th, out, (DWORD)h, 0));
        ok &= same(what, "Finished under the vector's finished_key (API)", out, mac, h);
        free_keys(&t, 1);
        SslFreeObject(th, 0);
        how->api = true;
    } else if (strcmp(label, "resumption") == 0 && len == h) {
        DWORD suite = suite_for(md, 0), cb = 0;
        NCRYPT_KEY_HANDLE k[2] = {import_secret(ST_RESUMPTION, suite, secret, h, NULL), 0};

        ok &= EXPECT_OK(what, SslExpandPreSharedKey(hprov, k[0], cl ? (PBYTE)ctx : NULL, (DWORD)cl, &k[1], NULL, 0));
        ok &= EXPECT_OK(what, SslExportKey(hprov, k[1], TLS_13_PRE_SHARED_KEY, out, sizeof(out), &cb, 0));
        ok &= cb == h && same(what, "resumption PSK (API, raw)", out, want, h);
        ok &= blob_read(k[1], ST_PSK, suite, out, sizeof(out), NULL) == h &&
              same(what, "resumption PSK (API, blob)", out, want, h);
        free_keys(k, 2);
        how->api = true;
    } else if (cl == 0 && strcmp(label, "traffic upd") == 0 && len == h) {
        DWORD suite = suite_for(md, 0);
        NCRYPT_KEY_HANDLE k[2] = {import_secret(ST_TRAFFIC, suite, secret, h, NULL), 0};

        ok &= EXPECT_OK(what, SslExpandNextGenTrafficKey(hprov, k[0], &k[1], NULL, 0));
        ok &= blob_read(k[1], ST_TRAFFIC, suite, out, sizeof(out), NULL) == h &&
              same(what, "next traffic secret (API)", out, want, h);
        free_keys(k, 2);
        how->api = true;
    }
    return ok;
}

/* RFC 8446 §7.3 for both directions: kdf13 and SslExpandWriteKey. */
static bool mb_traffic_keys(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how)
{
    static const char *const side[2][4] = {{"server_secret", "server_key", "server_iv", "server"},
                                           {"client_secret", "client_key", "client_iv", "client"}};
    size_t h = md_size(md), kl = 0, il = 0;
    bool ok = json_uint(v, "key_length", &kl) && json_uint(v, "iv_length", &il) && il == 12 && kl <= 32;

    for (int s = 0; s < 2; s++) {
        const uint8_t *secret = json_field(f, v, side[s][0], h, NULL), *key = json_field(f, v, side[s][1], kl, NULL),
                      *iv = json_field(f, v, side[s][2], il, NULL);
        uint8_t out[64], oiv[12];

        if (f->bad || !ok) {
            CHECK(!"traffic key case unreadable");
            return false;
        }
        ok &= EXPECT_OK(what, kdf13_expand_label(be, md, secret, "key", NULL, 0, out, kl));
        ok &= same(what, side[s][1], out, key, kl);
        ok &= EXPECT_OK(what, kdf13_expand_label(be, md, secret, "iv", NULL, 0, out, il));
        ok &= same(what, side[s][2], out, iv, il);
        ok &= api_write_key(what, md, kl, secret, out, oiv);
        ok &= same(what, "write key (API)", out, key, kl) && same(what, "write IV (API)", oiv, iv, il);
    }
    how->api = how->internal = true;
    return ok;
}

/* Derive-Secret(secret, label, transcript_hash): the transcript is given as a hash, which
 * cannot enter the API (top of file): kdf13_expand_label only. "derived" over no messages
 * also checks that the given hash is kdf13_hash(""). */
static bool mb_derive_secret(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how)
{
    size_t h = md_size(md), len = 0;
    const char *label = strip_prefix(json_str(v, "label"));
    const uint8_t *secret = json_field(f, v, "secret", h, NULL), *th = json_field(f, v, "transcript_hash", h, NULL);
    const uint8_t *want = json_uint(v, "length", &len) ? json_field(f, v, "output", len, NULL) : NULL;
    uint8_t out[HMAX];
    bool ok = !f->bad && label != NULL && want != NULL && len == h;

    CHECK(ok);
    if (!ok)
        return false;
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, secret, label, th, h, out, h));
    ok &= same(what, "output (kdf13)", out, want, h);
    if (strcmp(label, "derived") == 0) {
        ok &= EXPECT_OK(what, kdf13_hash(be, md, NULL, 0, out));
        ok &= same(what, "Hash(\"\")", out, th, h);
    }
    expand_label_twins(md, secret, label, th, h, want, h);
    how->internal = true;
    return ok;
}

/* RFC 8446 §7.5: kdf13 (Derive-Secret(ems, label, "") then Expand-Label(.., "exporter",
 * Hash(context), L)) and SslExportKeyingMaterial on the exporter master secret as a stage-6
 * OpaqueKeyBlob. The label comes from label_hex (it must equal "label"). */
static bool mb_exporter(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how)
{
    size_t h = md_size(md), ll = 0, cl = 0, len = 0;
    const char *slabel = json_str(v, "label"), *sctx = json_str(v, "context");
    const uint8_t *ems = json_field(f, v, "exporter_master_secret", h, NULL), *lb = json_field(f, v, "label_hex", 0, &ll);
    const uint8_t *ctx = json_field(f, v, "context_hex", 0, &cl);
    const uint8_t *want = json_uint(v, "length", &len) ? json_field(f, v, "output", len, NULL) : NULL;
    DWORD suite = suite_for(md, 0);
    char label[256];
    uint8_t eh[HMAX], ch[HMAX], derived[HMAX], out[256];
    NCRYPT_KEY_HANDLE k = 0;
    bool ok = !f->bad && want != NULL && slabel != NULL && sctx != NULL && ll < sizeof(label) &&
              ll == strlen(slabel) && memcmp(lb, slabel, ll) == 0 && cl == strlen(sctx) &&
              memcmp(ctx, sctx, cl) == 0 && len <= sizeof(out);

    CHECK(ok);
    if (!ok)
        return false;
    memcpy(label, lb, ll), label[ll] = 0;
    ok &= EXPECT_OK(what, kdf13_hash(be, md, NULL, 0, eh));
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, ems, label, eh, h, derived, h));
    ok &= EXPECT_OK(what, kdf13_hash(be, md, ctx, cl, ch));
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, derived, "exporter", ch, h, out, len));
    ok &= same(what, "output (kdf13)", out, want, len);
    k = import_secret(ST_EXPORTER, suite, ems, h, NULL);
    memset(out, 0, sizeof(out));
    ok &= EXPECT_OK(what, SslExportKeyingMaterial(hprov, k, label, NULL, 0, (PBYTE)ctx, (WORD)cl, out, (DWORD)len, 0));
    ok &= same(what, "output (API)", out, want, len);
    if (cl == 0) { /* NULL context = empty context */
        ok &= EXPECT_OK(what, SslExportKeyingMaterial(hprov, k, label, NULL, 0, NULL, 0, out, (DWORD)len, 0));
        ok &= same(what, "output (API, NULL context)", out, want, len);
    }
    /* twins through the API: one more context byte, one label character changed */
    {
        uint8_t c2[256];

        if (cl != 0)
            memcpy(c2, ctx, cl);
        c2[cl] = 0;
        CHECK_ST(SslExportKeyingMaterial(hprov, k, label, NULL, 0, c2, (WORD)(cl + 1), out, (DWORD)len, 0), SEC_E_OK);
        CHECK(memcmp(out, want, len) != 0);
        if (ll != 0) {
            label[0] ^= 0x01;
            CHECK_ST(SslExportKeyingMaterial(hprov, k, label, NULL, 0, (PBYTE)ctx, (WORD)cl, out, (DWORD)len, 0),
                     SEC_E_OK);
            CHECK(memcmp(out, want, len) != 0);
            label[0] ^= 0x01;
        }
    }
    free_keys(&k, 1);
    how->api = how->internal = true;
    return ok;
}

/* The derivation helpers: several Derive-Secret from one secret and one transcript hash
 * (given as a hash: kdf13 only). */
static bool mb_derive_many(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how,
                           const char *secret_name, const char *const (*outs)[2], size_t nouts)
{
    size_t h = md_size(md);
    const uint8_t *secret = json_field(f, v, secret_name, h, NULL), *th = json_field(f, v, "transcript_hash", h, NULL);
    uint8_t out[HMAX];
    bool ok = !f->bad;

    for (size_t i = 0; ok && i < nouts; i++) {
        const uint8_t *want = json_field(f, v, outs[i][1], h, NULL);

        ok &= want != NULL && EXPECT_OK(what, kdf13_expand_label(be, md, secret, outs[i][0], th, h, out, h));
        ok &= same(what, outs[i][1], out, want, h);
    }
    CHECK(!f->bad);
    how->internal = true;
    return ok;
}

/* RFC 8446 §4.2.11.2: binder = HMAC(finished_key(binder_key), Hash(truncated ClientHello)),
 * binder_key = Derive-Secret(Early(PSK), "res binder" | "ext binder", ""). API: PSK import,
 * SslExtractEarlyKey, SslExpandBinderKey (read back, equal to kdf13's), and
 * SslComputeFinishedHash keyed by it must equal kdf13_hmac under kdf13's finished key. The
 * binder value itself: the transcript is given as a hash, so kdf13_hmac. */
static bool mb_psk_binder(struct json_fields *f, const struct json *v, enum md_id md, const char *what, struct how *how)
{
    static const uint8_t msg[] = {0x01, 0x00, 0x00, 0x02, 'c', 'h'};
    size_t h = md_size(md), pl = 0;
    const char *type = json_str(v, "psk_type");
    const uint8_t *psk = json_field(f, v, "psk", 0, &pl), *th = json_field(f, v, "transcript_hash_truncated_client_hello", h, NULL);
    const uint8_t *want = json_field(f, v, "binder", h, NULL);
    bool res = type != NULL && strncmp(type, "resumption", 10) == 0;
    DWORD suite = suite_for(md, 0);
    uint8_t early[HMAX], eh[HMAX], bk[HMAX], fk[HMAX], out[HMAX], mh[HMAX], mac[HMAX];
    NCRYPT_KEY_HANDLE k[3] = {0};
    NCRYPT_HASH_HANDLE hh = 0;
    bool ok = !f->bad && type != NULL && (res || strncmp(type, "external", 8) == 0);

    CHECK(ok);
    if (!ok)
        return false;
    ok &= EXPECT_OK(what, kdf13_extract(be, md, NULL, psk, pl, early));
    ok &= EXPECT_OK(what, kdf13_hash(be, md, NULL, 0, eh));
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, early, res ? "res binder" : "ext binder", eh, h, bk, h));
    ok &= EXPECT_OK(what, kdf13_expand_label(be, md, bk, "finished", NULL, 0, fk, h));
    ok &= EXPECT_OK(what, kdf13_hmac(be, md, fk, th, h, out));
    ok &= same(what, "binder (kdf13)", out, want, h);
    /* the wrong binder label gives another binder */
    CHECK_ST(kdf13_expand_label(be, md, early, res ? "ext binder" : "res binder", eh, h, out, h), SEC_E_OK);
    CHECK_ST(kdf13_expand_label(be, md, out, "finished", NULL, 0, out, h), SEC_E_OK);
    CHECK_ST(kdf13_hmac(be, md, out, th, h, out), SEC_E_OK);
    CHECK(memcmp(out, want, h) != 0);

    ok &= EXPECT_OK(what, SslImportKey(hprov, &k[0], TLS_13_PRE_SHARED_KEY, (PBYTE)psk, (DWORD)pl, 0));
    ok &= EXPECT_OK(what, SslExtractEarlyKey(hprov, k[0], &k[1], P13, suite, NULL, 0));
    ok &= blob_read(k[1], ST_EARLY, suite, out, HMAX, NULL) == h && same(what, "early secret (API vs kdf13)", out, early, h);
    ok &= EXPECT_OK(what, SslExpandBinderKey(hprov, k[1], &k[2], NULL,
                                      res ? NCRYPT_SSL_RESUMPTION_PSK_FLAG : NCRYPT_SSL_EXTERNAL_PSK_FLAG));
    ok &= blob_read(k[2], ST_BINDER, suite, out, HMAX, NULL) == h && same(what, "binder key (API vs kdf13)", out, bk, h);
    ok &= EXPECT_OK(what, SslCreateHandshakeHash(hprov, &hh, P13, suite, 0));
    ok &= EXPECT_OK(what, SslHashHandshake(hprov, hh, (PBYTE)msg, sizeof(msg), 0));
    ok &= EXPECT_OK(what, kdf13_hash(be, md, msg, sizeof(msg), mh)) && EXPECT_OK(what, kdf13_hmac(be, md, fk, mh, h, mac));
    ok &= EXPECT_OK(what, SslComputeFinishedHash(hprov, k[2], hh, out, (DWORD)h, 0));
    ok &= same(what, "binder over a message (API vs kdf13)", out, mac, h);
    free_keys(k, 3);
    SslFreeObject(hh, 0);
    how->api = how->internal = true;
    return ok;
}

/* A TLS 1.3 record (RFC 8446 §5.2) through the API: the write key enters as a stage-5
 * OpaqueKeyBlob; SslEncryptPacket of plaintext || inner type reproduces header ||
 * encrypted_record, SslDecryptPacket returns it; a flipped tag byte, the wrong sequence number
 * and the other direction's key are STATUS_AUTH_TAG_MISMATCH. (No kdf13 involvement.) */
static bool mb_record(struct json_fields *f, const struct json *v, const char *what, struct how *how)
{
    const char *sender = json_str(v, "sender");
    DWORD suite = suite_from_name(json_str(v, "cipher_suite"));
    bool client = sender != NULL && strcmp(sender, "client") == 0;
    size_t seq = 0, type = 0, pl = 0, el = 0, kl = 0;
    const uint8_t *key = json_field(f, v, client ? "client_write_key" : "server_write_key", 0, &kl);
    const uint8_t *iv = json_field(f, v, client ? "client_write_iv" : "server_write_iv", 12, NULL);
    const uint8_t *okey = json_field(f, v, client ? "server_write_key" : "client_write_key", 0, NULL);
    const uint8_t *oiv = json_field(f, v, client ? "server_write_iv" : "client_write_iv", 12, NULL);
    const uint8_t *pt = json_field(f, v, "plaintext", 0, &pl), *hdr = json_field(f, v, "record_header", 5, NULL);
    const uint8_t *enc = json_field(f, v, "encrypted_record", 0, &el);
    uint8_t inner[1024], rec[1100], out[1100];
    NCRYPT_KEY_HANDLE k[3] = {0};
    DWORD got = 0;
    bool ok = !f->bad && suite != 0 && sender != NULL && (client || strcmp(sender, "server") == 0) &&
              json_uint(v, "sequence_number", &seq) && json_uint(v, "inner_content_type", &type) && type < 256 &&
              pl + 1 < sizeof(inner) && 5 + el <= sizeof(rec) && el >= 17;

    CHECK(ok);
    if (!ok)
        return false;
    memcpy(inner, pt, pl), inner[pl] = (uint8_t)type;
    memcpy(rec, hdr, 5), memcpy(rec + 5, enc, el);
    ok &= EXPECT_OK(what, import_st(ST_WRITE, suite, key, kl, iv, &k[0]));
    ok &= EXPECT_OK(what, import_st(ST_WRITE, suite, key, kl, iv, &k[1]));
    ok &= EXPECT_OK(what, import_st(ST_WRITE, suite, okey, kl, oiv, &k[2]));
    ok &= EXPECT_OK(what, SslEncryptPacket(hprov, k[0], inner, (DWORD)pl + 1, out, sizeof(out), &got, seq, hdr[0], 0));
    ok &= got == 5 + el && same(what, "record (API encrypt)", out, rec, 5 + el);
    ok &= EXPECT_OK(what, SslDecryptPacket(hprov, k[1], rec, (DWORD)(5 + el), out, sizeof(out), &got, seq, 0));
    ok &= got == pl + 1 && same(what, "TLSInnerPlaintext (API decrypt)", out, inner, pl + 1);
    rec[4 + el] ^= 0x01;
    CHECK_ST(SslDecryptPacket(hprov, k[1], rec, (DWORD)(5 + el), out, sizeof(out), &got, seq, 0), STATUS_AUTH_TAG_MISMATCH);
    rec[4 + el] ^= 0x01;
    CHECK_ST(SslDecryptPacket(hprov, k[1], rec, (DWORD)(5 + el), out, sizeof(out), &got, seq + 1, 0),
             STATUS_AUTH_TAG_MISMATCH);
    CHECK_ST(SslDecryptPacket(hprov, k[2], rec, (DWORD)(5 + el), out, sizeof(out), &got, seq, 0), STATUS_AUTH_TAG_MISMATCH);
    free_keys(k, 3);
    how->api = true;
    return ok;
}

static const char *const early_outs[][2] = {{"c e traffic", "client_early_traffic_secret"},
                                            {"e exp master", "early_exporter_master_secret"}};
static const char *const hs_outs[][2] = {{"c hs traffic", "client_handshake_traffic_secret"},
                                         {"s hs traffic", "server_handshake_traffic_secret"}};
static const char *const app_outs[][2] = {{"c ap traffic", "client_application_traffic_secret"},
                                          {"s ap traffic", "server_application_traffic_secret"},
                                          {"exp master", "exporter_master_secret"}};
static const char *const res_outs[][2] = {{"res master", "resumption_master_secret"}};

static const char *const mb_kinds[] = {"secret_evolution",         "hkdf_expand_label",        "traffic_key_generation",
                                       "derive_secret",            "tls13_exporter",           "derive_early_secrets",
                                       "derive_handshake_secrets", "derive_application_secrets",
                                       "derive_resumption_secrets", "psk_binder",              "record_protection"};
#define MB_NKINDS (sizeof(mb_kinds) / sizeof(mb_kinds[0]))

static bool mb_case(const struct json *v, size_t kind, struct how *how)
{
    const char *title = json_str(v, "title");
    const char *what = title != NULL ? title : "Mbed TLS vector";
    enum md_id md = md_from_name(json_str(v, "hash"));
    struct json_fields f = {.what = what};
    bool ok;

    if (kind != 10 && md == MD_NONE) {
        fprintf(stderr, "%s: unknown hash\n", what);
        CHECK(!"hash");
        return false;
    }
    switch (kind) {
    case 0: ok = mb_secret_evolution(&f, v, md, what, how); break;
    case 1: ok = mb_expand_label(&f, v, md, what, how); break;
    case 2: ok = mb_traffic_keys(&f, v, md, what, how); break;
    case 3: ok = mb_derive_secret(&f, v, md, what, how); break;
    case 4: ok = mb_exporter(&f, v, md, what, how); break;
    case 5: ok = mb_derive_many(&f, v, md, what, how, "early_secret", early_outs, 2); break;
    case 6: ok = mb_derive_many(&f, v, md, what, how, "handshake_secret", hs_outs, 2); break;
    case 7: ok = mb_derive_many(&f, v, md, what, how, "master_secret", app_outs, 3); break;
    case 8: ok = mb_derive_many(&f, v, md, what, how, "master_secret", res_outs, 1); break;
    case 9: ok = mb_psk_binder(&f, v, md, what, how); break;
    default: ok = mb_record(&f, v, what, how); break;
    }
    json_fields_free(&f);
    return ok;
}

static void test_mbedtls(void)
{
    struct json *root = load("tls13_unit_vectors_mbedtls.json");
    const struct json *vs = json_get(root, "vectors");
    size_t n[MB_NKINDS] = {0}, ok[MB_NKINDS] = {0}, api[MB_NKINDS] = {0}, in[MB_NKINDS] = {0};
    size_t total = 0, passed = 0, expected = 0, unknown = 0;

    CHECK(json_uint(root, "count", &expected));
    for (const struct json *v = vs != NULL ? vs->child : NULL; v != NULL; v = v->next, total++) {
        const char *kind = json_str(v, "kind");
        size_t k = MB_NKINDS;
        struct how how = {false, false};
        bool good;

        for (size_t i = 0; kind != NULL && i < MB_NKINDS; i++)
            if (strcmp(kind, mb_kinds[i]) == 0)
                k = i;
        if (k == MB_NKINDS) {
            fprintf(stderr, "Mbed TLS vector of unknown kind %s\n", kind != NULL ? kind : "?");
            unknown++;
            continue;
        }
        good = mb_case(v, k, &how);
        n[k]++, ok[k] += good, passed += good, api[k] += how.api, in[k] += how.internal;
    }
    for (size_t k = 0; k < MB_NKINDS; k++)
        printf("tls13_unit_vectors_mbedtls.json %-26s: %zu/%zu cases pass (%zu through the API, %zu through kdf13)\n",
               mb_kinds[k], ok[k], n[k], api[k], in[k]);
    printf("tls13_unit_vectors_mbedtls.json: %zu/%zu cases pass\n", passed, total);
    CHECK(unknown == 0 && total == expected && total == 37 && passed == total);
    json_free(root);
}

/* ---- argument twins of the internal functions -------------------------------------------- */

/* Unknown digests: kdf13_extract and kdf13_expand_label refuse a hash without a size
 * (NTE_INVALID_PARAMETER) and leave the output alone; kdf13_hash and kdf13_hmac fail on
 * MD_NONE. (kdf13_hash/kdf13_hmac index be->md[md] without a range check, so an md outside
 * the enum is not tried on them.) */
static void test_unknown_digest(void)
{
    static const enum md_id bad[] = {MD_NONE, MD_COUNT, (enum md_id)-1, (enum md_id)1000};
    uint8_t secret[HMAX] = {1, 2, 3}, out[HMAX];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(out, 0xAA, sizeof(out));
        CHECK_ST(kdf13_extract(be, bad[i], NULL, NULL, 0, out), NTE_INVALID_PARAMETER);
        CHECK_ST(kdf13_extract(be, bad[i], secret, secret, 32, out), NTE_INVALID_PARAMETER);
        CHECK_ST(kdf13_expand_label(be, bad[i], secret, "key", NULL, 0, out, 16), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(out, sizeof(out), 0xAA));
    }
    ERR_clear_error();
    CHECK(kdf13_hash(be, MD_NONE, secret, 3, out) != SEC_E_OK);
    if (ERR_peek_error() != 0)
        printf("note: kdf13_hash(MD_NONE) leaves an error on the OpenSSL error queue (no ERR mark)\n");
    ERR_clear_error();
    CHECK(kdf13_hmac(be, MD_NONE, secret, secret, 3, out) != SEC_E_OK);
    CHECK(ERR_peek_error() == 0);
}

/* Hash lengths. The internal functions have no length argument for secrets: a secret is
 * md_size(md) bytes, so the only "wrong hash length" kdf13 can see is an md without one (above).
 * A transcript hash is an opaque HkdfLabel context: a 32-byte hash under SHA-384 derives (no
 * error) but differs from the 48-byte one. The public API refuses both mismatches: a secret
 * blob whose length is not its suite's hash length (NTE_BAD_DATA) and a transcript of another
 * hash (NTE_INVALID_PARAMETER). */
static void test_hash_length(void)
{
    uint8_t s[HMAX], th[HMAX], a[HMAX], b[HMAX];
    NCRYPT_KEY_HANDLE k = 0, t = 0;
    NCRYPT_HASH_HANDLE h256 = 0;

    memset(s, 0x5a, sizeof(s)), memset(th, 0xc3, sizeof(th));
    CHECK_ST(kdf13_expand_label(be, MD_SHA384, s, "c hs traffic", th, 48, a, 48), SEC_E_OK);
    CHECK_ST(kdf13_expand_label(be, MD_SHA384, s, "c hs traffic", th, 32, b, 48), SEC_E_OK);
    CHECK(memcmp(a, b, 48) != 0);
    /* the same bytes under SHA-256 read 32 bytes of secret and give another value */
    CHECK_ST(kdf13_expand_label(be, MD_SHA256, s, "c hs traffic", th, 48, b, 32), SEC_E_OK);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK_ST(kdf13_extract(be, MD_SHA256, s, NULL, 0, a), SEC_E_OK);
    CHECK_ST(kdf13_extract(be, MD_SHA384, s, NULL, 0, b), SEC_E_OK);
    CHECK(memcmp(a, b, 32) != 0);

    CHECK_ST(import_st(ST_HANDSHAKE, TLS_AES_256_GCM_SHA384, s, 32, NULL, &k), NTE_BAD_DATA);
    CHECK(k == 0);
    CHECK_ST(import_st(ST_TRAFFIC, TLS_AES_128_GCM_SHA256, s, 48, NULL, &k), NTE_BAD_DATA);
    CHECK_ST(import_st(ST_EXPORTER, TLS_AES_128_GCM_SHA256, s, 31, NULL, &k), NTE_BAD_DATA);
    CHECK(k == 0);
    k = import_secret(ST_HANDSHAKE, TLS_AES_256_GCM_SHA384, s, 48, NULL);
    CHECK_ST(SslCreateHandshakeHash(hprov, &h256, P13, TLS_AES_128_GCM_SHA256, 0), SEC_E_OK);
    CHECK_ST(SslExpandTrafficKeys(hprov, k, h256, &t, NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK(t == 0);
    free_keys(&k, 1);
    SslFreeObject(h256, 0);
}

/* Expand-Label lengths: 0 and > 255 * Hash.length are refused before anything is written;
 * 255 * Hash.length is allowed and equals libcrypto's HKDF-Expand over a hand-built HkdfLabel
 * (the uint16 length then is 8160 / 12240). Through the API the same limits hold for
 * SslExportKeyingMaterial. Labels over 249 bytes and contexts over 255 bytes do not fit
 * HkdfLabel and fail, with the output wiped. */
static void test_expand_lengths(void)
{
    static const enum md_id mds[] = {MD_SHA256, MD_SHA384};
    uint8_t secret[HMAX], ctx[300], *a = malloc(255 * 48 + 1), *b = malloc(255 * 48 + 1);
    char label[300];

    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) {
        free(a), free(b);
        return;
    }
    memset(secret, 0x3c, sizeof(secret)), memset(ctx, 0x77, sizeof(ctx));
    for (size_t i = 0; i < 2; i++) {
        enum md_id md = mds[i];
        size_t h = md_size(md), max = 255 * h;
        NCRYPT_KEY_HANDLE k = import_secret(ST_EXPORTER, suite_for(md, 0), secret, h, NULL);

        memset(a, 0xAA, max + 1);
        CHECK_ST(kdf13_expand_label(be, md, secret, "exporter", ctx, h, a, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(kdf13_expand_label(be, md, secret, "exporter", ctx, h, a, max + 1), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(a, max + 1, 0xAA));
        CHECK_ST(kdf13_expand_label(be, md, secret, "exporter", ctx, h, a, max), SEC_E_OK);
        CHECK(ref_expand_label(md, secret, "exporter", ctx, h, b, max));
        CHECK_MEM(a, b, max);
        CHECK(a[max] == 0xAA); /* nothing past out_len */
        /* the API: cbOutput 0 and > 255 * Hash.length refused, the maximum allowed */
        CHECK_ST(SslExportKeyingMaterial(hprov, k, "EXPORTER-max", NULL, 0, NULL, 0, a, 0, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(hprov, k, "EXPORTER-max", NULL, 0, NULL, 0, a, (DWORD)max + 1, 0),
                 NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(hprov, k, "EXPORTER-max", NULL, 0, NULL, 0, a, (DWORD)max, 0), SEC_E_OK);
        {
            uint8_t eh[HMAX], derived[HMAX];

            CHECK_ST(kdf13_hash(be, md, NULL, 0, eh), SEC_E_OK);
            CHECK_ST(kdf13_expand_label(be, md, secret, "EXPORTER-max", eh, h, derived, h), SEC_E_OK);
            CHECK(ref_expand_label(md, derived, "exporter", eh, h, b, max)); /* Hash("") = Hash(empty ctx) */
            CHECK_MEM(a, b, max);
        }
        free_keys(&k, 1);

        /* 249-byte label and 255-byte context fit; one more byte of either does not */
        memset(label, 'L', 250), label[249] = 0;
        CHECK_ST(kdf13_expand_label(be, md, secret, label, ctx, 255, a, h), SEC_E_OK);
        CHECK(ref_expand_label(md, secret, label, ctx, 255, b, h));
        CHECK_MEM(a, b, h);
        /* refused as arguments, before the output is touched */
        label[249] = 'L', label[250] = 0;
        memset(a, 0xAA, h);
        CHECK_ST(kdf13_expand_label(be, md, secret, label, ctx, 0, a, h), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(a, h, 0xAA));
        label[249] = 0;
        memset(a, 0xAA, h);
        CHECK_ST(kdf13_expand_label(be, md, secret, label, ctx, 256, a, h), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(a, h, 0xAA));
    }
    free(a), free(b);
}

/* Several Expand-Labels of one secret on one KDF context (a write key and its IV, both
 * traffic secrets of a stage) give libcrypto's HKDF-Expand of each, as one call each does; one
 * argument out of range refuses the whole call before any output is written. */
static void test_expand_labels(void)
{
    static const enum md_id mds[] = {MD_SHA256, MD_SHA384};
    uint8_t secret[HMAX], th[HMAX], key[32], iv[12], c[HMAX], s[HMAX], want[HMAX];

    memset(secret, 0x6b, sizeof(secret)), memset(th, 0x19, sizeof(th));
    for (size_t i = 0; i < 2; i++) {
        enum md_id md = mds[i];
        size_t h = md_size(md);
        struct kdf13_expansion kiv[2] = {{"key", NULL, 0, key, 32}, {"iv", NULL, 0, iv, 12}};
        struct kdf13_expansion cs[2] = {{"c hs traffic", th, h, c, h}, {"s hs traffic", th, h, s, h}};

        CHECK_ST(kdf13_expand_labels(be, md, secret, kiv, 2), SEC_E_OK);
        CHECK(ref_expand_label(md, secret, "key", NULL, 0, want, 32));
        CHECK_MEM(key, want, 32);
        CHECK(ref_expand_label(md, secret, "iv", NULL, 0, want, 12));
        CHECK_MEM(iv, want, 12);
        CHECK_ST(kdf13_expand_labels(be, md, secret, cs, 2), SEC_E_OK);
        CHECK(ref_expand_label(md, secret, "c hs traffic", th, h, want, h));
        CHECK_MEM(c, want, h);
        CHECK(ref_expand_label(md, secret, "s hs traffic", th, h, want, h));
        CHECK_MEM(s, want, h);
        CHECK_ST(kdf13_expand_label(be, md, secret, "s hs traffic", th, h, want, h), SEC_E_OK);
        CHECK_MEM(s, want, h);

        memset(c, 0xAA, h), memset(s, 0xAA, h);
        cs[1].out_len = 0;
        CHECK_ST(kdf13_expand_labels(be, md, secret, cs, 2), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(c, h, 0xAA) && all_bytes(s, h, 0xAA));
        CHECK_ST(kdf13_expand_labels(be, md, secret, cs, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(kdf13_expand_labels(be, md, secret, cs, KDF13_MAX_EXPANSIONS + 1), NTE_INVALID_PARAMETER);
        CHECK(all_bytes(c, h, 0xAA));
    }
}

int main(void)
{
    struct provider *prov = NULL;

    CHECK_ST(SslOpenProvider(&hprov, NULL, 0), SEC_E_OK);
    CHECK_ST(provider_pin(hprov, &prov), SEC_E_OK);
    if (prov == NULL)
        return check_summary();
    be = &prov->be;

    test_acvp();
    test_mbedtls();
    test_unknown_digest();
    test_hash_length();
    test_expand_lengths();
    test_expand_labels();
    CHECK(ERR_peek_error() == 0); /* nothing left on the error queue */

    provider_unpin(prov);
    CHECK_ST(SslFreeObject(hprov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
