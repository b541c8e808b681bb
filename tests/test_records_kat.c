/* Primitive known answers through the record path (issue 4): SslEncryptPacket /
 * SslDecryptPacket with a known key that enters as an 'ssl3' OpaqueKeyBlob built byte by byte
 * (conventions.md §7), checked against published vectors wherever the record layout lets the
 * vector's bytes show through (behavior.md §2, conventions.md §5):
 *   - Wycheproof AES-GCM, AES-CCM / CCM_8, ChaCha20-Poly1305 on TLS 1.2 and DTLS 1.2: the
 *     vector's IV is the record nonce (GCM/CCM: fixed IV = iv[0..4], SequenceNumber =
 *     iv[4..12]; ChaCha20: fixed IV = iv XOR (0^4 || seq)), so the record's ciphertext is the
 *     vector's ct (CTR keystream does not depend on the AAD); the tag is over our AAD
 *     (seq || type || version || length) and is checked with libcrypto; the record decrypts
 *     back; Wycheproof's invalid vectors become the same tampering of our record (the
 *     vector's ct/tag difference from the honest answer), which must be refused.
 *   - NIST CAVP TDES-CBC MMT (3DES_EDE_CBC_SHA): SSL 3.0 / TLS 1.0 chain the IV from the key
 *     block (the blob's 0x1C IV), so the record body starts with the vector's ciphertext
 *     (MAC and padding follow); the whole record, a chained second record and the exported
 *     residue are checked against an independent construction. TLS 1.1/1.2 and DTLS carry a
 *     random explicit IV: a record built with explicit IV = the vector's IV decrypts to the
 *     vector's plaintext, and our records decrypt under libcrypto to plaintext || MAC || pad.
 *   - RFC 6229 RC4 (128-bit keys, TLS_RSA_WITH_RC4_128_SHA on SSL 3.0 and TLS 1.0-1.2):
 *     encrypting zeros gives the keystream; the RFC's offsets are read from one 4112-byte
 *     record and from a three-record stream (the RC4 state carries over between records and
 *     is untouched by a refused call).
 * Encrypt buffers are exactly the record length, decrypt buffers exactly the largest possible
 * plaintext (conventions.md §5). Prints counts per family and "N passed, N failed". */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include "bytes.h"
#include "check.h"
#include "json.h"
#include "sslprovider.h"

#define MAX_REC (16384 + 13 + 16 + 48 + 256)
#define MAX_SHOWN 6 /* failure lines printed per family */

static NCRYPT_PROV_HANDLE prov;

/* ---- tallies ------------------------------------------------------------------------------ */

struct tally {
    const char *name;
    unsigned vectors, passed, failed, skipped, shown;
};

static struct tally *cur;
static char vid[256];        /* the vector being run, for failure lines */
static unsigned fail_mark;   /* check_failed when the vector began */

static void vec_begin(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(vid, sizeof(vid), fmt, ap);
    va_end(ap);
    fail_mark = check_failed;
    cur->vectors++;
}

static void vec_end(void)
{
    if (check_failed == fail_mark)
        cur->passed++;
    else
        cur->failed++;
}

static void vfail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    check_failed++;
    if (cur->shown++ >= MAX_SHOWN) {
        if (cur->shown == MAX_SHOWN + 1)
            fprintf(stderr, "%s: further failures not shown\n", cur->name);
        return;
    }
    fprintf(stderr, "%s:%d: %s [%s]: ", file, line, cur->name, vid);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define VCHECK(cond, ...)                                                                   \
    do {                                                                                    \
        if (cond)                                                                           \
            check_passed++;                                                                 \
        else                                                                                \
            vfail(__FILE__, __LINE__, __VA_ARGS__);                                         \
    } while (0)

#define VCHECK_ST(expr, want, what)                                                         \
    do {                                                                                    \
        SECURITY_STATUS got_ = (expr), want_ = (want);                                      \
        VCHECK(got_ == want_, "%s = 0x%08" PRIx32 ", want 0x%08" PRIx32, what,              \
               (uint32_t)got_, (uint32_t)want_);                                            \
    } while (0)

/* ---- bytes -------------------------------------------------------------------------------- */

/* First differing offset, or -1. */
static long diff_at(const BYTE *a, const BYTE *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (long)i;
    return -1;
}

static BYTE *hexf(const struct json *j, const char *key, size_t *len)
{
    size_t n = 0;
    BYTE *b = json_hex(j, key, &n);

    *len = n;
    return b;
}

static const char *proto_name(DWORD p)
{
    switch (p) {
    case SSL3_PROTOCOL_VERSION: return "SSL 3.0";
    case TLS1_0_PROTOCOL_VERSION: return "TLS 1.0";
    case TLS1_1_PROTOCOL_VERSION: return "TLS 1.1";
    case TLS1_2_PROTOCOL_VERSION: return "TLS 1.2";
    case DTLS1_0_PROTOCOL_VERSION: return "DTLS 1.0";
    case DTLS1_2_PROTOCOL_VERSION: return "DTLS 1.2";
    }
    return "?";
}

static int is_dtls(DWORD p) { return (p >> 8) == 0xFE; }
static size_t hdr_len(DWORD p) { return is_dtls(p) ? 13 : 5; }

/* behavior.md §2.1: type, the key's version, [DTLS: SequenceNumber BE], length. */
static size_t put_header(BYTE *out, DWORD proto, BYTE type, uint64_t seq, size_t body_len)
{
    out[0] = type;
    out[1] = (BYTE)(proto >> 8), out[2] = (BYTE)proto;
    if (is_dtls(proto)) {
        put64be(out + 3, seq);
        put16be(out + 11, body_len);
        return 13;
    }
    put16be(out + 3, body_len);
    return 5;
}

/* TLS <= 1.2 AAD / MAC header: seq64 || type || version || uint16(plaintext length). */
static void tls_aad(BYTE aad[13], uint64_t seq, BYTE type, DWORD proto, size_t len)
{
    put64be(aad, seq);
    aad[8] = type;
    aad[9] = (BYTE)(proto >> 8), aad[10] = (BYTE)proto;
    put16be(aad + 11, len);
}

/* ---- keys through OpaqueKeyBlobs -------------------------------------------------------- */

struct rkey {
    DWORD proto, suite;
    const BYTE *key;
    size_t key_len;
    const BYTE *mac;
    size_t mac_len;
    const BYTE *iv;
    size_t iv_len;
    int aead;
};

/* conventions.md §7: the 80-byte header, KDBM(key), the MAC key, [AEAD: mark 0]. */
static NCRYPT_KEY_HANDLE import_rkey(const struct rkey *k, DWORD read)
{
    BYTE blob[80 + 12 + 64 + 64 + 8] = {0};
    size_t n;
    NCRYPT_KEY_HANDLE h = 0;
    SECURITY_STATUS st;

    put32(blob + 4, 0x73736C33); /* 'ssl3' */
    put32(blob + 8, k->proto);
    put32(blob + 12, k->suite);
    put32(blob + 16, read);
    put32(blob + 0x18, (DWORD)k->iv_len);
    if (k->iv_len)
        memcpy(blob + 0x1C, k->iv, k->iv_len);
    put32(blob + 80, 0x4D42444B); /* 'KDBM' */
    put32(blob + 84, 1);
    put32(blob + 88, (DWORD)k->key_len);
    memcpy(blob + 92, k->key, k->key_len);
    n = 92 + k->key_len;
    if (k->mac_len)
        memcpy(blob + n, k->mac, k->mac_len);
    n += k->mac_len;
    if (k->aead)
        n += 8; /* sequence mark 0: unused */
    put32(blob, (DWORD)n);
    put32(blob + 0x14, (DWORD)(n - 80));
    st = SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, (DWORD)n, 0);
    VCHECK_ST(st, SEC_E_OK, "SslImportKey('ssl3')");
    return st == SEC_E_OK ? h : 0;
}

static int export_blob(NCRYPT_KEY_HANDLE k, BYTE *blob, DWORD cap, DWORD *len)
{
    SECURITY_STATUS st = SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, cap, len, 0);

    VCHECK_ST(st, SEC_E_OK, "SslExportKey");
    return st == SEC_E_OK && *len >= 92 && *len <= cap && get32(blob) == *len;
}

static SECURITY_STATUS enc(NCRYPT_KEY_HANDLE k, const BYTE *in, size_t n, BYTE *out, size_t cb, DWORD *res,
                           uint64_t seq, BYTE type)
{
    static BYTE dummy[1];

    return SslEncryptPacket(prov, k, (PBYTE)(n ? in : dummy), (DWORD)n, out, (DWORD)cb, res, seq, type, 0);
}

static SECURITY_STATUS dec(NCRYPT_KEY_HANDLE k, const BYTE *in, size_t n, BYTE *out, size_t cb, DWORD *res,
                           uint64_t seq)
{
    return SslDecryptPacket(prov, k, (PBYTE)in, (DWORD)n, out, (DWORD)cb, res, seq, 0);
}

/* ---- independent constructions (libcrypto, the RFCs) ------------------------------------- */

static int aead_oracle(const char *alg, int ccm, const BYTE *key, const BYTE *nonce, const BYTE *aad,
                       size_t aad_len, const BYTE *pt, size_t n, size_t tag_len, BYTE *ct, BYTE *tag)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, alg, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    BYTE scratch[1];
    int ok = 0, l = 0, l2 = 0;

    if (c == NULL || x == NULL || !EVP_EncryptInit_ex2(x, c, NULL, NULL, NULL) ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0 ||
        (ccm && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, NULL) <= 0) ||
        !EVP_EncryptInit_ex2(x, NULL, key, nonce, NULL) ||
        (ccm && !EVP_EncryptUpdate(x, NULL, &l, NULL, (int)n)) ||
        (aad_len && !EVP_EncryptUpdate(x, NULL, &l, aad, (int)aad_len)) ||
        !EVP_EncryptUpdate(x, n ? ct : scratch, &l, n ? pt : scratch, (int)n) ||
        !EVP_EncryptFinal_ex(x, (n ? ct : scratch) + l, &l2) ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag) <= 0)
        goto out;
    ok = (size_t)(l + l2) == n;
out:
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok;
}

static int cbc_oracle(const char *alg, int encrypt, const BYTE *key, const BYTE *iv, const BYTE *in, size_t n,
                      BYTE *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, alg, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int ok = 0, l = 0, l2 = 0;

    if (c == NULL || x == NULL || !EVP_CipherInit_ex2(x, c, key, iv, encrypt, NULL) ||
        !EVP_CIPHER_CTX_set_padding(x, 0) || !EVP_CipherUpdate(x, out, &l, in, (int)n) ||
        !EVP_CipherFinal_ex(x, out + l, &l2))
        goto out;
    ok = (size_t)(l + l2) == n;
out:
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok;
}

/* The record MAC with SHA-1: SSL 3.0's construction (RFC 6101 §5.2.3.1: no version, pads of
 * 40 bytes) or TLS HMAC over seq || type || version || length || fragment. */
static void record_mac_sha1(DWORD proto, const BYTE key[20], uint64_t seq, BYTE type, const BYTE *pt, size_t n,
                            BYTE out[20])
{
    BYTE hdr[13];

    tls_aad(hdr, seq, type, proto, n);
    if (proto == SSL3_PROTOCOL_VERSION) {
        static const BYTE pad1[40] = {0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
                                      0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
                                      0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36};
        BYTE pad2[40], sslhdr[11], inner[20];
        EVP_MD_CTX *m = EVP_MD_CTX_new();

        memset(pad2, 0x5c, sizeof(pad2));
        memcpy(sslhdr, hdr, 9); /* seq || type */
        memcpy(sslhdr + 9, hdr + 11, 2); /* length */
        EVP_DigestInit_ex(m, EVP_sha1(), NULL);
        EVP_DigestUpdate(m, key, 20);
        EVP_DigestUpdate(m, pad1, 40);
        EVP_DigestUpdate(m, sslhdr, 11);
        EVP_DigestUpdate(m, pt, n);
        EVP_DigestFinal_ex(m, inner, NULL);
        EVP_DigestInit_ex(m, EVP_sha1(), NULL);
        EVP_DigestUpdate(m, key, 20);
        EVP_DigestUpdate(m, pad2, 40);
        EVP_DigestUpdate(m, inner, 20);
        EVP_DigestFinal_ex(m, out, NULL);
        EVP_MD_CTX_free(m);
    } else {
        BYTE *buf = malloc(13 + n + 1);
        unsigned int ml = 0;

        memcpy(buf, hdr, 13);
        if (n)
            memcpy(buf + 13, pt, n);
        HMAC(EVP_sha1(), key, 20, buf, 13 + n, out, &ml);
        free(buf);
    }
}

struct rc4 {
    BYTE s[256];
    BYTE i, j;
};

static void rc4_init(struct rc4 *r, const BYTE *key, size_t len)
{
    BYTE j = 0;

    for (int i = 0; i < 256; i++)
        r->s[i] = (BYTE)i;
    for (int i = 0; i < 256; i++) {
        BYTE t = r->s[i];

        j = (BYTE)(j + t + key[i % len]);
        r->s[i] = r->s[j], r->s[j] = t;
    }
    r->i = r->j = 0;
}

static void rc4_xor(struct rc4 *r, BYTE *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        BYTE t;

        r->i++;
        t = r->s[r->i];
        r->j = (BYTE)(r->j + t);
        r->s[r->i] = r->s[r->j], r->s[r->j] = t;
        p[k] ^= r->s[(BYTE)(r->s[r->i] + r->s[r->j])];
    }
}

/* ---- AEAD: Wycheproof AES-GCM, AES-CCM, CCM_8, ChaCha20-Poly1305 ------------------------ */

struct aead_fam {
    const char *file;
    int ccm, chacha;
    size_t fixed, expl, tag; /* conventions.md §5: F, E, T */
    DWORD suite128, suite256;
    const char *alg128, *alg256;
    struct tally t;
    unsigned invalid_refused, refused_max_seq, oracle_bad;
};

static void aead_vector(struct aead_fam *f, DWORD proto, const struct json *tc, const BYTE *key, size_t key_len,
                        const BYTE *iv, const BYTE *vaad, size_t vaad_len, const BYTE *msg, size_t n, const BYTE *vct,
                        const BYTE *vtag, int valid)
{
    size_t tcid = 0, T = f->tag, E = f->expl, hl = hdr_len(proto), body = E + n + T, reclen = hl + body;
    const char *alg = key_len == 16 ? f->alg128 : f->alg256;
    DWORD suite = key_len == 16 ? f->suite128 : f->suite256, res = 0;
    BYTE fixed[12], aad[13], tag0[16], tag1[16], *ct0 = malloc(n + 1), *ct1 = malloc(n + 1);
    BYTE *rec = malloc(reclen), *out = malloc(reclen + 1), blob[256];
    BYTE type;
    uint64_t seq;
    NCRYPT_KEY_HANDLE w = 0, r = 0;
    DWORD blen = 0;
    SECURITY_STATUS st;

    json_uint(tc, "tcId", &tcid);
    type = (tcid & 1) ? 23 : 22;
    vec_begin("tcId %zu, %zu-bit key, %s", tcid, key_len * 8, proto_name(proto));
    if (E) { /* GCM/CCM: nonce = fixed(4) || explicit(8) with explicit = SequenceNumber */
        memcpy(fixed, iv, 4);
        seq = get64be(iv + 4);
    } else { /* ChaCha20: nonce = fixed(12) XOR (0^4 || seq64) -> fixed = iv XOR (0^4 || seq) */
        seq = tcid % 7 == 0 ? 0 : (uint64_t)tcid * 0x9E3779B97F4A7C15ULL;
        memcpy(fixed, iv, 12);
        for (int i = 0; i < 8; i++)
            fixed[4 + i] ^= (BYTE)(seq >> (56 - 8 * i));
    }
    tls_aad(aad, seq, type, proto, n);

    /* the oracle against the vector itself (its AAD), then with our AAD */
    if (!aead_oracle(alg, f->ccm, key, iv, vaad, vaad_len, msg, n, T, ct0, tag0) ||
        !aead_oracle(alg, f->ccm, key, iv, aad, 13, msg, n, T, ct1, tag1)) {
        VCHECK(0, "libcrypto %s failed", alg);
        f->oracle_bad++;
        goto done;
    }
    if (valid && (memcmp(ct0, vct, n) != 0 || memcmp(tag0, vtag, T) != 0)) {
        VCHECK(0, "libcrypto %s disagrees with the vector", alg);
        f->oracle_bad++;
        goto done;
    }
    VCHECK(memcmp(ct0, ct1, n) == 0, "CTR keystream depends on the AAD?");

    /* the record we expect: header || [explicit = seq BE] || vector ct || tag over our AAD */
    put_header(rec, proto, type, seq, body);
    if (E)
        put64be(rec + hl, seq);
    memcpy(rec + hl + E, valid ? vct : ct0, n);
    memcpy(rec + hl + E + n, tag1, T);

    {
        struct rkey k = {proto, suite, key, key_len, NULL, 0, fixed, f->fixed, 1};

        w = import_rkey(&k, 0);
        r = import_rkey(&k, 1);
    }
    if (valid) {
        memset(out, 0xEE, reclen + 1);
        st = enc(w, msg, n, out, reclen, &res, seq, type);
        if (seq == UINT64_MAX && st == NTE_INVALID_PARAMETER) {
            f->refused_max_seq++; /* reported: the mark cannot move past 2^64-1 */
        } else {
            long d;

            VCHECK_ST(st, SEC_E_OK, "SslEncryptPacket");
            VCHECK(res == reclen, "record length %u, want %zu", (unsigned)res, reclen);
            d = diff_at(out, rec, reclen);
            VCHECK(d < 0, "record differs at byte %ld (%s)", d,
                   d < (long)hl ? "header" : d < (long)(hl + E) ? "explicit nonce"
                   : d < (long)(hl + E + n) ? "ciphertext (vector ct)" : "tag (libcrypto, our AAD)");
            VCHECK(out[reclen] == 0xEE, "wrote past the record");
            /* §5/§7: the mark moves to seq + 1 and travels in the blob */
            if (st == SEC_E_OK && seq != UINT64_MAX && export_blob(w, blob, sizeof(blob), &blen))
                VCHECK(blen == 92 + key_len + 8 && get64le(blob + blen - 8) == seq + 1,
                       "exported mark %" PRIu64 ", want %" PRIu64, blen >= 8 ? get64le(blob + blen - 8) : 0, seq + 1);
        }
        memset(out, 0xEE, reclen);
        VCHECK_ST(dec(r, rec, reclen, out, n, &res, seq), SEC_E_OK, "SslDecryptPacket");
        VCHECK(res == n && memcmp(out, msg, n) == 0, "decrypted plaintext differs (len %u, want %zu)", (unsigned)res, n);
        rec[reclen - 1] ^= 0x80;
        VCHECK_ST(dec(r, rec, reclen, out, n, &res, seq), NTE_DECRYPTION_FAILURE, "SslDecryptPacket(flipped tag)");
    } else {
        /* the vector's tampering, transplanted: our record XOR (vector - honest answer) */
        int any = 0;

        for (size_t i = 0; i < n; i++)
            any |= vct[i] ^ ct0[i], rec[hl + E + i] ^= vct[i] ^ ct0[i];
        for (size_t i = 0; i < T; i++)
            any |= vtag[i] ^ tag0[i], rec[hl + E + n + i] ^= vtag[i] ^ tag0[i];
        if (!any) {
            cur->vectors--, cur->skipped++;
            goto out;
        }
        VCHECK_ST(dec(r, rec, reclen, out, n, &res, seq), NTE_DECRYPTION_FAILURE, "SslDecryptPacket(invalid vector)");
        f->invalid_refused++;
    }
done:
    vec_end();
out:
    if (w)
        SslFreeObject(w, 0);
    if (r)
        SslFreeObject(r, 0);
    free(ct0), free(ct1), free(rec), free(out);
}

static void aead_family(struct aead_fam *f)
{
    char path[512];
    struct json *root;
    const struct json *groups;

    cur = &f->t;
    snprintf(path, sizeof(path), "%s/wycheproof/%s", SSLPROV_TEST_VECTORS, f->file);
    root = json_load(path);
    groups = json_get(root, "testGroups");
    CHECK(root != NULL && groups != NULL);
    for (size_t g = 0; json_at(groups, g) != NULL; g++) {
        const struct json *grp = json_at(groups, g), *tests = json_get(grp, "tests");
        size_t ks = 0, ivs = 0, ts = 0;

        json_uint(grp, "keySize", &ks), json_uint(grp, "ivSize", &ivs), json_uint(grp, "tagSize", &ts);
        for (size_t i = 0; json_at(tests, i) != NULL; i++) {
            const struct json *tc = json_at(tests, i);
            const char *result = json_str(tc, "result");
            size_t kl, ivl, al, ml, cl, tl;
            BYTE *key, *iv, *aad, *msg, *ct, *tag;

            /* the record shapes: 96-bit nonce, a suite's key size and tag length */
            if (ivs != 96 || ts != f->tag * 8 || (ks == 128 ? f->suite128 : ks == 256 ? f->suite256 : 0) == 0 ||
                result == NULL || strcmp(result, "acceptable") == 0) {
                f->t.skipped++;
                continue;
            }
            key = hexf(tc, "key", &kl), iv = hexf(tc, "iv", &ivl), aad = hexf(tc, "aad", &al);
            msg = hexf(tc, "msg", &ml), ct = hexf(tc, "ct", &cl), tag = hexf(tc, "tag", &tl);
            if (key && iv && aad && msg && ct && tag && ivl == 12 && kl * 8 == ks && cl == ml && tl == f->tag &&
                ml <= 16384) {
                aead_vector(f, TLS1_2_PROTOCOL_VERSION, tc, key, kl, iv, aad, al, msg, ml, ct, tag,
                            strcmp(result, "valid") == 0);
                aead_vector(f, DTLS1_2_PROTOCOL_VERSION, tc, key, kl, iv, aad, al, msg, ml, ct, tag,
                            strcmp(result, "valid") == 0);
            } else {
                f->t.skipped++;
            }
            free(key), free(iv), free(aad), free(msg), free(ct), free(tag);
        }
    }
    json_free(root);
}

/* The same record shapes beyond the vectors' sizes (Wycheproof messages stop at 513 bytes): up
 * to 16384 bytes, across any size threshold an implementation may switch paths at, and the
 * Windows in-place layouts (encrypt: pbInput == pbOutput + header + E; decrypt: pbOutput ==
 * pbInput + header + E). The answer is libcrypto's. */
static struct tally sizes_t = {"AEAD sizes / in place (libcrypto oracle)"};

static void aead_sizes(const struct aead_fam *f)
{
    static const size_t lens[] = {0, 1, 255, 2047, 2048, 2049, 4096, 16383, 16384};
    static const DWORD protos[] = {TLS1_2_PROTOCOL_VERSION, DTLS1_2_PROTOCOL_VERSION};
    BYTE key[32], fixed[12], *msg = malloc(16384), *rec = malloc(MAX_REC), *out = malloc(MAX_REC), *buf = malloc(MAX_REC);

    cur = &sizes_t;
    for (size_t i = 0; i < 32; i++)
        key[i] = (BYTE)(0x40 + 5 * i);
    for (size_t i = 0; i < 12; i++)
        fixed[i] = (BYTE)(0xf0 - 7 * i);
    for (size_t i = 0; i < 16384; i++)
        msg[i] = (BYTE)(i * 131 + 17);
    for (size_t kl = 16; kl <= 32; kl += 16) {
        DWORD suite = kl == 16 ? f->suite128 : f->suite256;
        const char *alg = kl == 16 ? f->alg128 : f->alg256;

        if (suite == 0)
            continue;
        for (size_t p = 0; p < 2; p++)
            for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
                size_t n = lens[li], T = f->tag, E = f->expl, hl = hdr_len(protos[p]), reclen = hl + E + n + T;
                uint64_t seq = 0x0102030405060708ULL + li;
                BYTE nonce[12], aad[13];
                struct rkey k = {protos[p], suite, key, kl, NULL, 0, fixed, f->fixed, 1};
                NCRYPT_KEY_HANDLE w = 0, w2 = 0, r = 0;
                DWORD res = 0;
                BYTE type = 23;

                vec_begin("%s, %zu-bit key, %s, %zu bytes", f->t.name, kl * 8, proto_name(protos[p]), n);
                memcpy(nonce, fixed, 12);
                if (E)
                    put64be(nonce + 4, seq);
                else
                    for (int i = 0; i < 8; i++)
                        nonce[4 + i] ^= (BYTE)(seq >> (56 - 8 * i));
                tls_aad(aad, seq, type, protos[p], n);
                put_header(rec, protos[p], type, seq, E + n + T);
                if (E)
                    put64be(rec + hl, seq);
                if (!aead_oracle(alg, f->ccm, key, nonce, aad, 13, msg, n, T, rec + hl + E, rec + hl + E + n)) {
                    VCHECK(0, "libcrypto %s failed", alg);
                    vec_end();
                    continue;
                }
                w = import_rkey(&k, 0), w2 = import_rkey(&k, 0), r = import_rkey(&k, 1);
                memset(out, 0xEE, reclen + 1);
                VCHECK_ST(enc(w, msg, n, out, reclen, &res, seq, type), SEC_E_OK, "SslEncryptPacket");
                VCHECK(res == reclen && memcmp(out, rec, reclen) == 0 && out[reclen] == 0xEE,
                       "record differs at byte %ld", diff_at(out, rec, reclen));
                /* in place, the Windows layout */
                memset(buf, 0xEE, reclen);
                memcpy(buf + hl + E, msg, n);
                VCHECK_ST(SslEncryptPacket(prov, w2, buf + hl + E, (DWORD)n, buf, (DWORD)reclen, &res, seq, type, 0),
                          SEC_E_OK, "SslEncryptPacket(in place)");
                VCHECK(res == reclen && memcmp(buf, rec, reclen) == 0, "in-place record differs at byte %ld",
                       diff_at(buf, rec, reclen));
                memset(out, 0xEE, n + 1);
                VCHECK_ST(dec(r, rec, reclen, out, n, &res, seq), SEC_E_OK, "SslDecryptPacket");
                VCHECK(res == n && memcmp(out, msg, n) == 0 && out[n] == 0xEE, "plaintext differs");
                memcpy(buf, rec, reclen);
                VCHECK_ST(SslDecryptPacket(prov, r, buf, (DWORD)reclen, buf + hl + E, (DWORD)n, &res, seq, 0), SEC_E_OK,
                          "SslDecryptPacket(in place)");
                VCHECK(res == n && memcmp(buf + hl + E, msg, n) == 0, "in-place plaintext differs");
                memcpy(buf, rec, reclen);
                buf[hl + E + n / 2] ^= 0x04; /* ciphertext (or, when empty, the tag) */
                VCHECK_ST(dec(r, buf, reclen, out, n, &res, seq), NTE_DECRYPTION_FAILURE, "SslDecryptPacket(flipped bit)");
                vec_end();
                SslFreeObject(w, 0), SslFreeObject(w2, 0), SslFreeObject(r, 0);
            }
    }
    free(msg), free(rec), free(out), free(buf);
}

/* ---- 3DES-CBC: NIST CAVP TDES MMT --------------------------------------------------------- */

static const BYTE mac_key20[20] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
                                   0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3};

/* pt || MAC || minimum padding (each byte pad-1), block 8; returns its length. */
static size_t cbc_plain(DWORD proto, uint64_t seq, BYTE type, const BYTE *pt, size_t n, BYTE *out)
{
    size_t len = n + 20, pad = 8 - len % 8;

    if (n)
        memcpy(out, pt, n);
    record_mac_sha1(proto, mac_key20, seq, type, pt, n, out + n);
    memset(out + len, (int)(pad - 1), pad);
    return len + pad;
}

static struct tally tdes_t = {"3DES-CBC (NIST CAVP TDES MMT)"};
static unsigned tdes_chained, tdes_explicit;

/* SSL 3.0 / TLS 1.0: the IV chains from the key block, so the vector's ciphertext shows. */
static void tdes_chained_run(DWORD proto, const char *id, const BYTE *key, const BYTE *iv, const BYTE *pt,
                             const BYTE *ct, size_t n)
{
    static const BYTE pt2[] = "second record, chained IV";
    const size_t n2 = sizeof(pt2) - 1;
    struct rkey k = {proto, TLS_RSA_WITH_3DES_EDE_CBC_SHA, key, 24, mac_key20, 20, iv, 8, 0};
    BYTE plain[128], rec1[160], rec2[160], out[160], blob[256];
    size_t pl, len1, len2;
    uint64_t seq = 0x0000000100000000ULL + n;
    NCRYPT_KEY_HANDLE w = 0, r = 0, r2 = 0;
    DWORD res = 0, blen = 0;

    vec_begin("%s, %s", id, proto_name(proto));
    pl = cbc_plain(proto, seq, 23, pt, n, plain);
    len1 = 5 + pl;
    put_header(rec1, proto, 23, seq, pl);
    VCHECK(cbc_oracle("DES-EDE3-CBC", 1, key, iv, plain, pl, rec1 + 5), "libcrypto DES-EDE3-CBC");
    VCHECK(memcmp(rec1 + 5, ct, n) == 0, "libcrypto disagrees with the vector");
    pl = cbc_plain(proto, seq + 1, 23, pt2, n2, plain);
    len2 = 5 + pl;
    put_header(rec2, proto, 23, seq + 1, pl);
    VCHECK(cbc_oracle("DES-EDE3-CBC", 1, key, rec1 + len1 - 8, plain, pl, rec2 + 5), "libcrypto DES-EDE3-CBC");

    w = import_rkey(&k, 0), r = import_rkey(&k, 1), r2 = import_rkey(&k, 1);
    memset(out, 0xEE, sizeof(out));
    VCHECK_ST(enc(w, pt, n, out, len1, &res, seq, 23), SEC_E_OK, "SslEncryptPacket");
    VCHECK(res == len1, "record length %u, want %zu", (unsigned)res, len1);
    VCHECK(memcmp(out, rec1, 5) == 0, "header differs");
    VCHECK(memcmp(out + 5, ct, n) == 0, "body does not start with the vector's ciphertext");
    VCHECK(memcmp(out + 5 + n, rec1 + 5 + n, len1 - 5 - n) == 0, "encrypted MAC/padding differ");
    VCHECK(out[len1] == 0xEE, "wrote past the record");
    /* §7: SSL 3.0 / TLS 1.0 CBC blobs carry the current residue at 0x1C */
    if (export_blob(w, blob, sizeof(blob), &blen))
        VCHECK(get32(blob + 0x18) == 8 && memcmp(blob + 0x1C, rec1 + len1 - 8, 8) == 0, "exported IV is not the residue");
    memset(out, 0xEE, sizeof(out));
    VCHECK_ST(enc(w, pt2, n2, out, len2, &res, seq + 1, 23), SEC_E_OK, "SslEncryptPacket(second record)");
    VCHECK(res == len2 && memcmp(out, rec2, len2) == 0, "second record (IV = last ciphertext block) differs");

    VCHECK_ST(dec(r, rec1, len1, out, len1 - 5 - 20 - 1, &res, seq), SEC_E_OK, "SslDecryptPacket");
    VCHECK(res == n && memcmp(out, pt, n) == 0, "decrypted plaintext differs from the vector's");
    VCHECK_ST(dec(r, rec2, len2, out, len2 - 5 - 20 - 1, &res, seq + 1), SEC_E_OK, "SslDecryptPacket(second record)");
    VCHECK(res == n2 && memcmp(out, pt2, n2) == 0, "second plaintext differs");
    /* a refused record leaves the residue: the honest record still decrypts afterwards */
    rec1[len1 - 1] ^= 0x01;
    VCHECK_ST(dec(r2, rec1, len1, out, len1 - 5 - 20 - 1, &res, seq), NTE_DECRYPTION_FAILURE,
              "SslDecryptPacket(flipped last byte)");
    rec1[len1 - 1] ^= 0x01;
    VCHECK_ST(dec(r2, rec1, len1, out, len1 - 5 - 20 - 1, &res, seq), SEC_E_OK, "SslDecryptPacket after a refusal");
    VCHECK(res == n && memcmp(out, pt, n) == 0, "plaintext after a refusal differs");
    vec_end();
    tdes_chained++;
    SslFreeObject(w, 0), SslFreeObject(r, 0), SslFreeObject(r2, 0);
}

/* TLS 1.1+ / DTLS: explicit IV. A record with explicit IV = the vector's IV decrypts to the
 * vector's plaintext; ours (random IV) decrypts under libcrypto to pt || MAC || padding. */
static void tdes_explicit_run(DWORD proto, const char *id, const BYTE *key, const BYTE *iv, const BYTE *pt,
                              const BYTE *ct, size_t n)
{
    struct rkey k = {proto, TLS_RSA_WITH_3DES_EDE_CBC_SHA, key, 24, mac_key20, 20, NULL, 0, 0};
    size_t hl = hdr_len(proto), pl, len;
    BYTE plain[128], rec[176], out[176], out2[176], mine[128];
    uint64_t seq = is_dtls(proto) ? (3ULL << 48 | (0x10000 + n)) : 0x10000 + n;
    NCRYPT_KEY_HANDLE w = 0, r = 0;
    DWORD res = 0, res2 = 0;

    vec_begin("%s, %s", id, proto_name(proto));
    pl = cbc_plain(proto, seq, 23, pt, n, plain);
    len = hl + 8 + pl;
    put_header(rec, proto, 23, seq, 8 + pl);
    memcpy(rec + hl, iv, 8);
    VCHECK(cbc_oracle("DES-EDE3-CBC", 1, key, iv, plain, pl, rec + hl + 8), "libcrypto DES-EDE3-CBC");
    VCHECK(memcmp(rec + hl + 8, ct, n) == 0, "libcrypto disagrees with the vector");

    w = import_rkey(&k, 0), r = import_rkey(&k, 1);
    VCHECK_ST(dec(r, rec, len, out, len - hl - 8 - 20 - 1, &res, seq), SEC_E_OK, "SslDecryptPacket");
    VCHECK(res == n && memcmp(out, pt, n) == 0, "decrypted plaintext differs from the vector's");

    memset(out, 0xEE, sizeof(out));
    VCHECK_ST(enc(w, pt, n, out, len, &res, seq, 23), SEC_E_OK, "SslEncryptPacket");
    VCHECK(res == len && memcmp(out, rec, hl) == 0, "record length %u / header differ (want %zu)", (unsigned)res, len);
    VCHECK(out[len] == 0xEE, "wrote past the record");
    VCHECK(cbc_oracle("DES-EDE3-CBC", 0, key, out + hl, out + hl + 8, pl, mine) && memcmp(mine, plain, pl) == 0,
           "libcrypto does not find pt || MAC || padding under the explicit IV");
    VCHECK_ST(enc(w, pt, n, out2, len, &res2, seq + 1, 23), SEC_E_OK, "SslEncryptPacket(again)");
    VCHECK(memcmp(out + hl, out2 + hl, 8) != 0, "explicit IV repeated");
    VCHECK_ST(dec(r, out, len, mine, len - hl - 8 - 20 - 1, &res, seq), SEC_E_OK, "SslDecryptPacket(own record)");
    VCHECK(res == n && memcmp(mine, pt, n) == 0, "own record decrypts to another plaintext");
    vec_end();
    tdes_explicit++;
    SslFreeObject(w, 0), SslFreeObject(r, 0);
}

static void tdes_family(void)
{
    static const DWORD chained[] = {SSL3_PROTOCOL_VERSION, TLS1_0_PROTOCOL_VERSION};
    static const DWORD explicit_iv[] = {TLS1_1_PROTOCOL_VERSION, TLS1_2_PROTOCOL_VERSION, DTLS1_0_PROTOCOL_VERSION,
                                        DTLS1_2_PROTOCOL_VERSION};
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/tdes_cbc_nist_mmt.json");
    const struct json *vs = json_get(root, "vectors");

    cur = &tdes_t;
    CHECK(root != NULL && vs != NULL);
    for (size_t i = 0; json_at(vs, i) != NULL; i++) {
        const struct json *v = json_at(vs, i);
        size_t kl, ivl, pl, cl, count = 0;
        BYTE *key = hexf(v, "key", &kl), *iv = hexf(v, "iv", &ivl), *pt = hexf(v, "plaintext", &pl),
             *ct = hexf(v, "ciphertext", &cl);
        const char *file = json_str(v, "file"), *dir = json_str(v, "direction");
        char id[96];

        json_uint(v, "count", &count);
        /* A CBC known answer holds both ways, so "decrypt" vectors run like "encrypt" ones. */
        snprintf(id, sizeof(id), "%s %s count %zu", file ? file : "?", dir ? dir : "?", count);
        if (key && iv && pt && ct && kl == 24 && ivl == 8 && pl == cl && pl % 8 == 0 && pl > 0 && pl <= 96) {
            for (size_t p = 0; p < sizeof(chained) / sizeof(chained[0]); p++)
                tdes_chained_run(chained[p], id, key, iv, pt, ct, pl);
            for (size_t p = 0; p < sizeof(explicit_iv) / sizeof(explicit_iv[0]); p++)
                tdes_explicit_run(explicit_iv[p], id, key, iv, pt, ct, pl);
        } else {
            tdes_t.skipped++;
        }
        free(key), free(iv), free(pt), free(ct);
    }
    json_free(root);
}

/* ---- RC4: RFC 6229 ------------------------------------------------------------------------ */

static struct tally rc4_t = {"RC4 (RFC 6229, 128-bit keys)"};

struct ks_vec {
    size_t offset;
    BYTE ks[16];
};

/* Three records of zeros: stream offsets p_i .. p_i + n_i (+ 20 MAC bytes each). */
static const size_t stream_lens[3] = {1500, 1000, 2000};

static void rc4_key_run(DWORD proto, const BYTE key[16], const struct ks_vec *vs, size_t nv, const char *keyhex)
{
    const size_t big = 4112; /* 4096 + 16: the last RFC offset */
    struct rkey k = {proto, TLS_RSA_WITH_RC4_128_SHA, key, 16, mac_key20, 20, NULL, 0, 0};
    BYTE *zeros = calloc(1, big), *rec = malloc(5 + big + 20 + 1), *want = malloc(5 + big + 20);
    BYTE *stream = malloc(8192), *srec[3], *out = malloc(5 + big + 20);
    size_t slen[3], pos = 0;
    struct rc4 oracle;
    NCRYPT_KEY_HANDLE w1, w2, r1;
    DWORD res = 0;
    uint64_t seq0 = 7;

    /* setup is not a vector; its failures show up in every block below */
    snprintf(vid, sizeof(vid), "key %.32s, %s, setup", keyhex, proto_name(proto));
    w1 = import_rkey(&k, 0), w2 = import_rkey(&k, 0), r1 = import_rkey(&k, 1);

    /* one record of 4112 zero bytes: body = keystream[0..4112) || MAC ^ keystream */
    rc4_init(&oracle, key, 16);
    put_header(want, proto, 23, seq0, big + 20);
    memset(want + 5, 0, big);
    record_mac_sha1(proto, mac_key20, seq0, 23, zeros, big, want + 5 + big);
    rc4_xor(&oracle, want + 5, big + 20);
    memset(rec, 0xEE, 5 + big + 20 + 1);
    VCHECK_ST(enc(w1, zeros, big, rec, 5 + big + 20, &res, seq0, 23), SEC_E_OK, "SslEncryptPacket(4112 zeros)");
    VCHECK(res == 5 + big + 20 && memcmp(rec, want, 5 + big + 20) == 0 && rec[5 + big + 20] == 0xEE,
           "4112-byte record differs from RC4(zeros || HMAC) at byte %ld", diff_at(rec, want, 5 + big + 20));

    /* three records on another key object; one refused call (buffer one byte short) between */
    for (int i = 0; i < 3; i++) {
        size_t n = stream_lens[i];

        slen[i] = 5 + n + 20;
        srec[i] = malloc(slen[i]);
        if (i == 1)
            VCHECK_ST(enc(w2, zeros, n, srec[i], slen[i] - 1, &res, seq0 + i, 23), NTE_BUFFER_TOO_SMALL,
                      "SslEncryptPacket(cbOutput one short)");
        memset(srec[i], 0xEE, slen[i]);
        VCHECK_ST(enc(w2, zeros, n, srec[i], slen[i], &res, seq0 + i, 23), SEC_E_OK, "SslEncryptPacket(stream)");
        /* keystream = body ^ (zeros || expected MAC) */
        memcpy(stream + pos, srec[i] + 5, n + 20);
        {
            BYTE mac[20];

            record_mac_sha1(proto, mac_key20, seq0 + i, 23, zeros, n, mac);
            for (int b = 0; b < 20; b++)
                stream[pos + n + b] ^= mac[b];
        }
        pos += n + 20;
    }
    {   /* the whole stream against the oracle's keystream */
        BYTE *ks = calloc(1, pos);

        rc4_init(&oracle, key, 16);
        rc4_xor(&oracle, ks, pos);
        VCHECK(memcmp(ks, stream, pos) == 0, "three-record keystream differs at stream byte %ld (MAC included)",
               diff_at(ks, stream, pos));
        free(ks);
    }

    /* the RFC's blocks, read from both */
    for (size_t i = 0; i < nv; i++) {
        vec_begin("key %.32s, offset %zu, %s", keyhex, vs[i].offset, proto_name(proto));
        VCHECK(memcmp(rec + 5 + vs[i].offset, vs[i].ks, 16) == 0, "keystream block of the 4112-byte record differs");
        VCHECK(vs[i].offset + 16 <= pos && memcmp(stream + vs[i].offset, vs[i].ks, 16) == 0,
               "keystream block of the three-record stream differs");
        vec_end();
    }

    /* decrypt: in order; a tampered record is refused and leaves the RC4 state untouched */
    snprintf(vid, sizeof(vid), "key %.32s, %s, decrypt", keyhex, proto_name(proto));
    fail_mark = check_failed;
    for (int i = 0; i < 3; i++) {
        size_t n = stream_lens[i];

        if (i == 1) {
            srec[i][5 + n / 2] ^= 0x01;
            VCHECK_ST(dec(r1, srec[i], slen[i], out, n, &res, seq0 + i), NTE_DECRYPTION_FAILURE,
                      "SslDecryptPacket(flipped bit)");
            srec[i][5 + n / 2] ^= 0x01;
        }
        memset(out, 0xEE, n);
        VCHECK_ST(dec(r1, srec[i], slen[i], out, n, &res, seq0 + i), SEC_E_OK, "SslDecryptPacket(stream)");
        VCHECK(res == n && memcmp(out, zeros, n) == 0, "record %d does not decrypt to zeros", i);
    }
    if (check_failed != fail_mark)
        rc4_t.failed++; /* the decrypt side counts as one more unit */
    else
        rc4_t.passed++;
    rc4_t.vectors++;
    for (int i = 0; i < 3; i++)
        free(srec[i]);
    SslFreeObject(w1, 0), SslFreeObject(w2, 0), SslFreeObject(r1, 0);
    free(zeros), free(rec), free(want), free(stream), free(out);
}

static void rc4_family(void)
{
    static const DWORD protos[] = {SSL3_PROTOCOL_VERSION, TLS1_0_PROTOCOL_VERSION, TLS1_1_PROTOCOL_VERSION,
                                   TLS1_2_PROTOCOL_VERSION};
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/rc4_rfc6229.json");
    const struct json *vs = json_get(root, "vectors");
    char keys[4][40] = {{0}};
    struct ks_vec blocks[4][32];
    size_t nkeys = 0, nblocks[4] = {0};

    cur = &rc4_t;
    CHECK(root != NULL && vs != NULL);
    for (size_t i = 0; json_at(vs, i) != NULL; i++) {
        const struct json *v = json_at(vs, i);
        const char *key = json_str(v, "key");
        size_t bits = 0, off = 0, kl = 0, kk;
        BYTE *ks;

        json_uint(v, "key_bits", &bits), json_uint(v, "offset", &off);
        if (bits != 128 || key == NULL || strlen(key) != 32) { /* no suite carries other RC4 key sizes raw */
            rc4_t.skipped++;
            continue;
        }
        for (kk = 0; kk < nkeys && strcmp(keys[kk], key) != 0; kk++)
            ;
        if (kk == nkeys) {
            if (nkeys == 4)
                continue;
            snprintf(keys[nkeys++], sizeof(keys[0]), "%s", key);
        }
        ks = hexf(v, "keystream", &kl);
        if (ks && kl == 16 && off + 16 <= 4112 && nblocks[kk] < 32) {
            blocks[kk][nblocks[kk]].offset = off;
            memcpy(blocks[kk][nblocks[kk]++].ks, ks, 16);
        } else {
            rc4_t.skipped++;
        }
        free(ks);
    }
    CHECK(nkeys == 2 && nblocks[0] == 18 && nblocks[1] == 18);
    for (size_t p = 0; p < sizeof(protos) / sizeof(protos[0]); p++)
        for (size_t kk = 0; kk < nkeys; kk++) {
            size_t kl = 0;
            BYTE *key = hex_decode(keys[kk], 32, &kl);

            rc4_key_run(protos[p], key, blocks[kk], nblocks[kk], keys[kk]);
            free(key);
        }
    json_free(root);
}

/* ---- main --------------------------------------------------------------------------------- */

static void report(const struct tally *t, const char *extra)
{
    printf("%-44s %4u run, %4u passed, %4u failed, %4u skipped%s%s\n", t->name, t->vectors, t->passed, t->failed,
           t->skipped, extra ? "  " : "", extra ? extra : "");
}

int main(void)
{
    static struct aead_fam fams[] = {
        {"aes_gcm_test.json", 0, 0, 4, 8, 16, TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384,
         "AES-128-GCM", "AES-256-GCM", {"AES-GCM (Wycheproof)"}},
        {"aes_ccm_test.json", 1, 0, 4, 8, 16, TLS_ECDHE_ECDSA_WITH_AES_128_CCM, TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
         "AES-128-CCM", "AES-256-CCM", {"AES-CCM (Wycheproof)"}},
        {"aes_ccm_test.json", 1, 0, 4, 8, 8, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
         "AES-128-CCM", "AES-256-CCM", {"AES-CCM_8 (Wycheproof)"}},
        {"chacha20_poly1305_test.json", 0, 1, 12, 0, 16, 0, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, NULL,
         "ChaCha20-Poly1305", {"ChaCha20-Poly1305 (Wycheproof)"}},
    };
    char extra[256];

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
        aead_family(&fams[i]);
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
        aead_sizes(&fams[i]);
    tdes_family();
    rc4_family();

    printf("records through SslEncryptPacket/SslDecryptPacket (each AEAD vector on TLS 1.2 and DTLS 1.2):\n");
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        snprintf(extra, sizeof(extra), "(%u invalid refused; %u libcrypto oracle problems%s)", fams[i].invalid_refused,
                 fams[i].oracle_bad, fams[i].refused_max_seq ? "; SequenceNumber 2^64-1 refused on encrypt" : "");
        report(&fams[i].t, extra);
        CHECK(fams[i].t.vectors > 0 && fams[i].oracle_bad == 0);
    }
    report(&sizes_t, "(GCM, CCM, CCM_8, ChaCha20; 0..16384 bytes; TLS 1.2 and DTLS 1.2)");
    CHECK(sizes_t.vectors == 7 * 2 * 9);
    snprintf(extra, sizeof(extra), "(%u SSL 3.0/TLS 1.0 chained-IV runs, %u TLS 1.1+/DTLS explicit-IV runs)",
             tdes_chained, tdes_explicit);
    report(&tdes_t, extra);
    report(&rc4_t, "(18 offsets x 2 keys x 4 protocols + 1 decrypt unit per key/protocol; other key sizes skipped)");
    CHECK(tdes_chained == 80 && tdes_explicit == 160);
    CHECK(rc4_t.vectors == 4 * 2 * 19);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    return check_summary();
}
