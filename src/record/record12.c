#include <limits.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "provider.h"
#include "record12.h"

/* ct_declassify: tell valgrind's memcheck that a value derived from secrets is now public
 * (the MAC verdict, then the verified length), so the constant-time test (ctgrind) reports
 * only real secret-dependent branches. A few instructions outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ct_declassify(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#endif
#endif
#ifndef ct_declassify
#define ct_declassify(p, n) ((void)(p), (void)(n))
#endif

#define TLS_HDR 5
#define DTLS_HDR 13
#define MAC_HDR 13            /* seq64 || type || version || length (RFC 5246 §6.2.3.1) */
#define SSL3_MAC_HDR 11       /* seq64 || type || length (RFC 6101 §5.2.3.1) */
#define AEAD_NONCE 12
#define MAX_MAC 64
#define MAX_BLOCK 16
#define IV_POOL 256           /* random explicit IVs are drawn from a pool, as on Windows */
#define TAG 16
/* Records up to this size use OpenSSL's TLS-mode AEAD (one EVP_Cipher call, as libssl does),
 * which works in place: a small record is copied there; a large one takes the general EVP
 * path unless it already is in place, so it is never copied. */
#define TLS_MODE_MAX 2048

enum rec_kind { REC_NULL, REC_STREAM, REC_CBC, REC_AEAD };

/* The record shape of one key, chosen once (BoringSSL's SSLAEADContext is the model). */
struct rec12 {
    enum rec_kind kind;
    bool dtls;
    bool chained_iv;   /* SSL 3.0 / TLS 1.0 CBC: the IV carries over (k->iv is the residue) */
    bool ssl3;         /* SSL 3.0 MAC construction */
    bool ccm;          /* CCM wants the lengths and the tag before the data */
    bool xor_nonce;    /* ChaCha20-Poly1305: fixed IV XOR seq (RFC 7905 §2) */
    bool rc4_used;
    bool tls_aead;     /* GCM and ChaCha20-Poly1305: OpenSSL's TLS-mode AEAD for small records */
    bool stitched;     /* AES-CBC with HMAC-SHA1/SHA-256, TLS 1.0+: OpenSSL's stitched cipher */
    bool refix[2];     /* the general path moved the context's nonce base: set it again */
    uint8_t hdr_len;
    uint8_t version[2];
    size_t explicit_len; /* CBC TLS 1.1+: block; GCM/CCM: 8 */
    size_t block;
    size_t mac_len;
    size_t tag_len;
    enum md_id mac_md;
    EVP_CIPHER_CTX *enc, *dec; /* one per direction (CBC decryption keys differ, and OpenSSL
                                  3.0's CCM cannot switch direction); RC4 shares one stream */
    EVP_CIPHER_CTX *rc4_saved;  /* RC4: the state before a decrypt that may fail */
    EVP_MAC_CTX *hmac;          /* keyed once; none for stitched keys (the cipher MACs) */
    EVP_MD_CTX *md;             /* SSL 3.0 MAC */
    const struct backend *be;
    uint8_t *scratch;           /* CBC decrypt work area (OpenSSL's TLS mode works in place) */
    EVP_RAND_CTX *iv_drbg;      /* CBC TLS 1.1+: this key's explicit-IV generator */
    uint8_t iv_pool[IV_POOL];
    size_t pool_used;
};

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static bool overlaps(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return a < b + bn && b < a + an;
}

void rec12_free(struct rec12 *r)
{
    if (r == NULL)
        return;
    if (r->dec != r->enc)
        EVP_CIPHER_CTX_free(r->dec);
    EVP_CIPHER_CTX_free(r->enc);
    EVP_CIPHER_CTX_free(r->rc4_saved);
    EVP_MAC_CTX_free(r->hmac);
    EVP_MD_CTX_free(r->md);
    EVP_RAND_CTX_free(r->iv_drbg); /* uninstantiates: the DRBG state is wiped */
    OPENSSL_clear_free(r->scratch, REC_MAX_BODY);
    OPENSSL_clear_free(r, sizeof(*r));
}

/* One cipher context keyed for a direction. CCM's nonce and tag lengths must be set before
 * the key; CBC runs in OpenSSL's TLS mode, which pads on encryption and removes padding and
 * MAC in constant time on decryption (DESIGN.md "Constant-time CBC"). */
static EVP_CIPHER_CTX *cipher_ctx(const struct secret_key *k, const struct rec12 *r, int enc)
{
    const EVP_CIPHER *cipher = k->hdr.prov->be.cipher[k->suite->cipher];
    unsigned int version = (unsigned int)proto_to_dword(k->proto);

    /* OpenSSL zero-fills SSL 3.0 padding; Windows writes pad-1 in every byte (behavior.md
     * §2.1), which SSL 3.0 allows. Encrypt as TLS 1.0 does; decrypt still accepts both. */
    if (enc && k->proto == PROTO_SSL3)
        version = (unsigned int)proto_to_dword(PROTO_TLS10);
    size_t mac_len = r->mac_len;
    OSSL_PARAM tls[3] = {
        OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_TLS_VERSION, &version),
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_TLS_MAC_SIZE, &mac_len),
        OSSL_PARAM_construct_end(),
    };
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL || !EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc))
        goto fail;
    if (r->kind == REC_AEAD &&
        (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, AEAD_NONCE, NULL) <= 0 ||
         (r->ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)r->tag_len, NULL) <= 0)))
        goto fail;
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, k->key, NULL, enc))
        goto fail;
    if (r->kind == REC_CBC && !EVP_CIPHER_CTX_set_params(ctx, tls))
        goto fail;
    return ctx;
fail:
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
}

/* A stitched AES-CBC-HMAC context keyed for a direction, as libssl keys it: cipher key, then
 * the MAC key (OSSL_CIPHER_PARAM_AEAD_MAC_KEY) and the TLS version. Records then go through
 * its TLS mode: a 13-byte AAD per record and one in-place EVP_Cipher (encrypt_stitched,
 * decrypt_stitched). */
static EVP_CIPHER_CTX *stitched_ctx(const struct secret_key *k, const EVP_CIPHER *cipher, int enc)
{
    unsigned int version = (unsigned int)proto_to_dword(k->proto);
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_MAC_KEY, (void *)k->mac_key,
                                          k->mac_key_len),
        OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_TLS_VERSION, &version),
        OSSL_PARAM_construct_end(),
    };
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL || !EVP_CipherInit_ex2(ctx, cipher, k->key, NULL, enc, params)) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SECURITY_STATUS mac_init(const struct secret_key *k, struct rec12 *r)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_ossl_name(r->mac_md), 0),
        OSSL_PARAM_construct_end(),
    };

    if (r->ssl3)
        return (r->md = EVP_MD_CTX_new()) != NULL ? SEC_E_OK : NTE_NO_MEMORY;
    if ((r->hmac = EVP_MAC_CTX_new(k->hdr.prov->be.hmac)) == NULL)
        return NTE_NO_MEMORY;
    return EVP_MAC_init(r->hmac, k->mac_key, k->mac_key_len, params) ? SEC_E_OK : NTE_INTERNAL_ERROR;
}

/* The explicit IVs of a TLS 1.1+ CBC write key come from a CTR-DRBG of its own, seeded from
 * the library context's primary DRBG. Explicit IVs are public once sent and need only be
 * unpredictable; a per-key DRBG allowed up to 2^32 requests between reseeds (SP 800-90A
 * allows 2^48 for CTR_DRBG) keeps OpenSSL's reseed, which allocates, out of the record path:
 * the thread's shared DRBG reseeds every 2^16 requests. It still reseeds when the primary
 * does and after OpenSSL's time interval. Without CTR-DRBG the IVs come from RAND_bytes_ex. */
static SECURITY_STATUS iv_drbg_new(struct rec12 *r)
{
    static const char pers[] = "sslprov explicit IV";
    unsigned int requests = UINT_MAX;
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, (char *)"AES-256-CTR", 0),
        OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &requests),
        OSSL_PARAM_construct_end(),
    };
    EVP_RAND *parent_type = r->be->ctr_drbg;
    EVP_RAND_CTX *parent;

    if (parent_type == NULL)
        return SEC_E_OK;
    if ((parent = RAND_get0_primary(r->be->libctx)) == NULL ||
        (r->iv_drbg = EVP_RAND_CTX_new(parent_type, parent)) == NULL)
        return NTE_NO_MEMORY;
    if (!EVP_RAND_instantiate(r->iv_drbg, 256, 0, (const unsigned char *)pers, sizeof(pers) - 1,
                              params))
        return NTE_INTERNAL_ERROR;
    return SEC_E_OK;
}

SECURITY_STATUS rec12_init(struct secret_key *k)
{
    const struct suite *s = k->suite;
    DWORD v = proto_to_dword(k->proto);
    struct rec12 *r;
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;

    if (s->cipher != CIPHER_NULL && k->hdr.prov->be.cipher[s->cipher] == NULL)
        return NTE_NOT_SUPPORTED; /* RC4/DES without the legacy provider (conventions.md §8) */
    if ((r = OPENSSL_zalloc(sizeof(*r))) == NULL)
        return NTE_NO_MEMORY;
    r->be = &k->hdr.prov->be;
    r->dtls = proto_is_dtls(k->proto);
    r->hdr_len = r->dtls ? DTLS_HDR : TLS_HDR;
    r->version[0] = (uint8_t)(v >> 8);
    r->version[1] = (uint8_t)v;
    r->ssl3 = k->proto == PROTO_SSL3;
    r->mac_md = s->mac;
    r->mac_len = md_size(s->mac);
    r->block = s->block_len;
    switch (s->mode) {
    case MODE_NULL:
        r->kind = REC_NULL;
        break;
    case MODE_STREAM:
        r->kind = REC_STREAM;
        break;
    case MODE_CBC:
        r->kind = REC_CBC;
        r->chained_iv = k->proto == PROTO_SSL3 || k->proto == PROTO_TLS10;
        r->explicit_len = r->chained_iv ? 0 : r->block;
        /* SSL 3.0's MAC is not HMAC; SHA-384 and 3DES have no stitched cipher */
        r->stitched = !r->ssl3 && backend_stitched(r->be, s->cipher, s->mac) != NULL;
        break;
    default: /* GCM, CCM, ChaCha20-Poly1305 */
        r->kind = REC_AEAD;
        r->ccm = s->mode == MODE_CCM;
        r->xor_nonce = s->mode == MODE_CHACHA;
        r->explicit_len = s->explicit_nonce_len;
        r->tag_len = s->tag_len;
        r->mac_len = 0;
        break;
    }
    k->rec = r;
    if (r->stitched) {
        const EVP_CIPHER *c = backend_stitched(r->be, s->cipher, s->mac);

        if ((r->enc = stitched_ctx(k, c, 1)) == NULL || (r->dec = stitched_ctx(k, c, 0)) == NULL)
            goto out;
    } else {
        if (r->kind != REC_NULL && (r->enc = cipher_ctx(k, r, 1)) == NULL)
            goto out;
        r->dec = r->enc;
        if ((r->kind == REC_CBC || r->kind == REC_AEAD) && (r->dec = cipher_ctx(k, r, 0)) == NULL)
            goto out;
    }
    if (r->kind == REC_CBC && (r->scratch = OPENSSL_malloc(REC_MAX_BODY)) == NULL)
        goto out;
    if (r->kind == REC_CBC && !r->chained_iv && (st = iv_drbg_new(r)) != SEC_E_OK)
        goto out;
    st = NTE_INTERNAL_ERROR;
    r->tls_aead = r->kind == REC_AEAD && !r->ccm;
    r->refix[0] = r->refix[1] = true;
    if (r->tls_aead && (r->scratch = OPENSSL_malloc(REC_MAX_BODY)) == NULL)
        goto out;
    if (r->kind == REC_STREAM && (r->rc4_saved = EVP_CIPHER_CTX_new()) == NULL)
        goto out;
    if (r->kind != REC_AEAD && !r->stitched && (st = mac_init(k, r)) != SEC_E_OK)
        goto out;
    r->pool_used = IV_POOL;
    st = SEC_E_OK;
out:
    if (st != SEC_E_OK) {
        rec12_free(r);
        k->rec = NULL;
    }
    return st;
}

bool rec12_exportable(const struct secret_key *k)
{
    return k->rec == NULL || !k->rec->rc4_used;
}

/* ---- MACs ---------------------------------------------------------------------------- */

/* The TLS MAC's pseudo-header: seq64 || type || version || length (RFC 5246 §6.2.3.1). */
static void mac_header(const struct rec12 *r, uint64_t seq, uint8_t type, size_t len,
                       uint8_t h[MAC_HDR])
{
    put64(h, seq);
    h[8] = type;
    h[9] = r->version[0];
    h[10] = r->version[1];
    put16(h + 11, len);
}

/* SSL 3.0 (RFC 6101 §5.2.3.1): hash(key || pad2 || hash(key || pad1 || seq || type || length
 * || data)). The one hand-built construction allowed; not constant-time (conventions.md §5). */
static bool ssl3_mac(struct rec12 *r, const uint8_t *key, uint64_t seq, uint8_t type,
                     const uint8_t *data, size_t len, uint8_t *out)
{
    uint8_t pad[48], h[SSL3_MAC_HDR], inner[MAX_MAC];
    size_t pad_len = r->mac_md == MD_MD5 ? 48 : 40;
    const EVP_MD *md = r->be->md[r->mac_md];
    bool ok;

    put64(h, seq);
    h[8] = type;
    put16(h + 9, len);
    memset(pad, 0x36, sizeof(pad));
    ok = EVP_DigestInit_ex(r->md, md, NULL) && EVP_DigestUpdate(r->md, key, r->mac_len) &&
         EVP_DigestUpdate(r->md, pad, pad_len) && EVP_DigestUpdate(r->md, h, sizeof(h)) &&
         EVP_DigestUpdate(r->md, data, len) && EVP_DigestFinal_ex(r->md, inner, NULL);
    memset(pad, 0x5c, sizeof(pad));
    ok = ok && EVP_DigestInit_ex(r->md, md, NULL) && EVP_DigestUpdate(r->md, key, r->mac_len) &&
         EVP_DigestUpdate(r->md, pad, pad_len) && EVP_DigestUpdate(r->md, inner, r->mac_len) &&
         EVP_DigestFinal_ex(r->md, out, NULL);
    OPENSSL_cleanse(inner, sizeof(inner));
    return ok;
}

static bool record_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data,
                       size_t len, uint8_t *out)
{
    struct rec12 *r = k->rec;
    uint8_t h[MAC_HDR];
    size_t out_len;

    if (r->ssl3)
        return ssl3_mac(r, k->mac_key, seq, type, data, len, out);
    mac_header(r, seq, type, len, h);
    return EVP_MAC_init(r->hmac, NULL, 0, NULL) && EVP_MAC_update(r->hmac, h, sizeof(h)) &&
           EVP_MAC_update(r->hmac, data, len) && EVP_MAC_final(r->hmac, out, &out_len, MAX_MAC);
}

/* The MAC of a decrypted CBC record whose padding length is secret: OpenSSL's HMAC in TLS
 * mode (OSSL_MAC_PARAM_TLS_DATA_SIZE) digests the maximum possible length in constant time.
 * A fresh context per record: OpenSSL 3.0 keeps the TLS header state across inits. */
static bool cbc_record_mac(struct secret_key *k, uint64_t seq, uint8_t type, const uint8_t *data,
                           size_t len, size_t orig_len, uint8_t *out)
{
    struct rec12 *r = k->rec;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_TLS_DATA_SIZE, &orig_len),
        OSSL_PARAM_construct_end(),
    };
    uint8_t h[MAC_HDR];
    size_t out_len;
    EVP_MAC_CTX *m;
    bool ok;

    if (r->ssl3)
        return ssl3_mac(r, k->mac_key, seq, type, data, len, out);
    if ((m = EVP_MAC_CTX_dup(r->hmac)) == NULL)
        return false;
    mac_header(r, seq, type, len, h);
    ok = EVP_MAC_init(m, NULL, 0, params) && EVP_MAC_update(m, h, sizeof(h)) &&
         EVP_MAC_update(m, data, len) && EVP_MAC_final(m, out, &out_len, MAX_MAC);
    EVP_MAC_CTX_free(m);
    return ok;
}

/* ---- AEAD ---------------------------------------------------------------------------- */

/* TLS 1.2 GCM/CCM: fixed IV(4) || explicit(8) with explicit = seq (RFC 5288 §3, behavior.md
 * §2.1); ChaCha20-Poly1305: fixed IV(12) XOR (0^32 || seq64) (RFC 7905 §2). */
static void aead_nonce(const struct secret_key *k, uint64_t seq, const uint8_t *explicit_nonce,
                       uint8_t nonce[AEAD_NONCE])
{
    if (k->rec->xor_nonce) {
        uint8_t s[8];

        put64(s, seq);
        memcpy(nonce, k->iv, AEAD_NONCE);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= s[i];
        return;
    }
    memcpy(nonce, k->iv, 4);
    memcpy(nonce + 4, explicit_nonce, 8);
}

static bool aead_run(struct rec12 *r, int enc, const uint8_t nonce[AEAD_NONCE], const uint8_t aad[MAC_HDR],
                     const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = enc ? r->enc : r->dec;
    /* the tag as a provider parameter: EVP_CIPHER_CTX_ctrl would translate to this per record */
    OSSL_PARAM tag_param[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, r->tag_len),
                               OSSL_PARAM_construct_end()};
    int l;

    r->refix[enc ? 0 : 1] = true;
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, enc))
        return false;
    if (!enc && !EVP_CIPHER_CTX_set_params(ctx, tag_param))
        return false;
    if (r->ccm && !EVP_CipherUpdate(ctx, NULL, &l, NULL, (int)len))
        return false;
    if (!EVP_CipherUpdate(ctx, NULL, &l, aad, MAC_HDR))
        return false;
    /* CCM authenticates inside this update on decryption and has nothing to finish */
    if ((len > 0 || r->ccm) && !EVP_CipherUpdate(ctx, out, &l, in, (int)len))
        return false;
    if (!(r->ccm && !enc) && !EVP_CipherFinal_ex(ctx, out + len, &l))
        return false;
    return !enc || EVP_CIPHER_CTX_get_params(ctx, tag_param);
}

/* OpenSSL's TLS-mode AEAD on body = explicit || data || tag, from src: GCM works in place only
 * (src == body); ChaCha20-Poly1305 also from a separate src, which it reads only up to the
 * data's end when encrypting and which, when decrypting, it reads data || tag of (writing the
 * data alone to body). GCM's nonce comes from
 * its fixed part and, when encrypting, an invocation field we set to the sequence number
 * (SET_IV_FIXED with the whole nonce), when decrypting, the record's explicit bytes;
 * ChaCha20-Poly1305 XORs the AAD's sequence number into its fixed IV (RFC 7905). The AAD
 * length field counts what the record carries: GCM subtracts its explicit nonce (and on
 * decryption, like ChaCha20, the tag). Returns the data length, or -1. */
static int aead_tls(struct secret_key *k, int enc, uint64_t seq, uint8_t type, uint8_t *body,
                    const uint8_t *src, size_t body_len, size_t aad_len)
{
    struct rec12 *r = k->rec;
    EVP_CIPHER_CTX *ctx = enc ? r->enc : r->dec;
    uint8_t aad[MAC_HDR], nonce[AEAD_NONCE];
    /* parameters straight to the provider: EVP_CIPHER_CTX_ctrl would translate per call */
    OSSL_PARAM params[3], *p = params;

    if (enc && !r->xor_nonce) {
        memcpy(nonce, k->iv, 4);
        put64(nonce + 4, seq);
        /* the whole nonce: its invocation field becomes the explicit nonce = seq */
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, nonce, (size_t)-1);
    } else if (r->refix[enc ? 0 : 1]) {
        /* its own call: ChaCha20-Poly1305 folds the AAD's sequence number into the fixed IV
         * as it reads the AAD, whatever the order of one parameter array */
        OSSL_PARAM fixed[2] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, k->iv,
                                              r->xor_nonce ? AEAD_NONCE : 4),
            OSSL_PARAM_construct_end(),
        };
        if (!EVP_CIPHER_CTX_set_params(ctx, fixed))
            return -1;
        r->refix[enc ? 0 : 1] = false;
    }
    mac_header(r, seq, type, aad_len, aad);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, MAC_HDR);
    *p = OSSL_PARAM_construct_end();
    if (!EVP_CIPHER_CTX_set_params(ctx, params))
        return -1;
    return EVP_Cipher(ctx, body, src, (unsigned int)body_len);
}

/* ---- encrypt ------------------------------------------------------------------------- */

static void write_header(const struct rec12 *r, uint8_t *out, uint8_t type, uint64_t seq, size_t body)
{
    out[0] = type;
    out[1] = r->version[0];
    out[2] = r->version[1];
    if (r->dtls)
        put64(out + 3, seq); /* epoch << 48 | seq48 (behavior.md §2.4) */
    put16(out + r->hdr_len - 2, body);
}

/* The next explicit IV from the pool; it is used up (iv_taken) only when the record is
 * written, so a failed call leaves the pool as it was. */
static bool next_explicit_iv(struct rec12 *r, uint8_t *iv)
{
    if (r->pool_used + r->block > IV_POOL) {
        if (r->iv_drbg != NULL ? EVP_RAND_generate(r->iv_drbg, r->iv_pool, IV_POOL, 0, 0, NULL, 0) != 1
                               : RAND_bytes_ex(r->be->libctx, r->iv_pool, IV_POOL, 0) != 1)
            return false;
        r->pool_used = 0;
    }
    memcpy(iv, r->iv_pool + r->pool_used, r->block);
    return true;
}

static void iv_taken(struct rec12 *r)
{
    OPENSSL_cleanse(r->iv_pool + r->pool_used, r->block);
    r->pool_used += r->block;
}

static size_t body_len(const struct rec12 *r, size_t in_len)
{
    switch (r->kind) {
    case REC_CBC: /* minimum padding: 1..block bytes, each equal to the count - 1 */
        return r->explicit_len + (in_len + r->mac_len) / r->block * r->block + r->block;
    case REC_AEAD:
        return r->explicit_len + in_len + r->tag_len;
    default:
        return in_len + r->mac_len;
    }
}

#define DTLS_SEQ_MASK 0x0000FFFFFFFFFFFFull /* SequenceNumber = epoch << 48 | seq48 */

/* The AEAD mark moves past seq (conventions.md §5); seq is below 2^64-1 (rec12_encrypt). */
static void aead_advance(struct secret_key *k, uint64_t seq)
{
    k->seq_mark = seq + 1;
}

/* MAC-then-encrypt records and large AEAD records: the general EVP calls. Errors OpenSSL
 * raises on the way are taken off the caller's queue again. */
static SECURITY_STATUS encrypt_general(struct secret_key *k, const uint8_t *in, size_t in_len,
                                       uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec12 *r = k->rec;
    uint8_t *dst = out + r->hdr_len + r->explicit_len, aad[MAC_HDR], nonce[AEAD_NONCE];
    uint8_t iv[MAX_BLOCK];
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    int l;

    ERR_set_mark();
    /* the Windows in-place layout (input at its place in the record) needs no copy; any other
     * overlap is resolved by moving the input first */
    if (dst != in && (r->kind != REC_AEAD || overlaps(in, in_len, out, total)))
        memmove(dst, in, in_len), in = dst;
    write_header(r, out, type, seq, total - r->hdr_len);
    switch (r->kind) {
    case REC_AEAD:
        mac_header(r, seq, type, in_len, aad);
        if (r->explicit_len == 8)
            put64(out + r->hdr_len, seq); /* GCM/CCM explicit nonce = seq (behavior.md §2.1) */
        aead_nonce(k, seq, out + r->hdr_len, nonce);
        if (!aead_run(r, 1, nonce, aad, in, in_len, dst, dst + in_len))
            goto out;
        aead_advance(k, seq);
        break;
    case REC_CBC:
        if (!record_mac(k, seq, type, dst, in_len, dst + in_len))
            goto out;
        if (r->chained_iv)
            memcpy(iv, k->iv, r->block);
        else if (!next_explicit_iv(r, iv))
            goto out;
        memcpy(out + r->hdr_len, iv, r->explicit_len);
        /* TLS mode appends the padding itself (in place) */
        if (!EVP_CipherInit_ex(r->enc, NULL, NULL, NULL, iv, 1) ||
            !EVP_CipherUpdate(r->enc, dst, &l, dst, (int)(in_len + r->mac_len)))
            goto out;
        if (r->chained_iv)
            memcpy(k->iv, out + total - r->block, r->block);
        else
            iv_taken(r);
        break;
    default: /* stream and NULL: data || MAC, encrypted for RC4 */
        if (!record_mac(k, seq, type, dst, in_len, dst + in_len))
            goto out;
        if (r->kind == REC_STREAM) {
            if (!EVP_CipherUpdate(r->enc, dst, &l, dst, (int)(in_len + r->mac_len)))
                goto out;
            r->rc4_used = true;
        }
        break;
    }
    st = SEC_E_OK;
out:
    ERR_pop_to_mark();
    OPENSSL_cleanse(nonce, sizeof(nonce));
    return st;
}

/* AES-CBC-HMAC through OpenSSL's stitched cipher in TLS mode, as libssl does: in place on the
 * body = [explicit IV] || data || room for MAC and padding, which the cipher computes, appends
 * and encrypts in one pass. The AAD's length field counts the explicit IV too (the cipher
 * takes it off again, libssl's tls1_enc). The padding is the minimum, so body_len() is the
 * length the cipher insists on; no AEAD_TLS1_AAD_PAD query is needed.
 * TLS 1.1+: the cipher encrypts the explicit-IV block as well, under the context's IV (the
 * previous record's last ciphertext block). The IV on the wire is E_k(ctx IV XOR R) for the
 * pool's random block R, and the rest of the record is CBC under that IV: Windows' layout
 * with an IV as unpredictable as R (docs/records.md). TLS 1.0: the chained IV is the key's
 * residue, set per record and moved on success. Failures are internal (a keyed context and
 * the exact length cannot fail), like the TLS-mode AEAD path's. */
static SECURITY_STATUS encrypt_stitched(struct secret_key *k, const uint8_t *in, size_t in_len,
                                        uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec12 *r = k->rec;
    uint8_t *body = out + r->hdr_len, *dst = body + r->explicit_len, aad[MAC_HDR];
    size_t blen = total - r->hdr_len;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, MAC_HDR),
        OSSL_PARAM_construct_end(),
    };

    if (dst != in)
        memmove(dst, in, in_len);
    if (!r->chained_iv && !next_explicit_iv(r, body))
        return NTE_INTERNAL_ERROR;
    write_header(r, out, type, seq, blen);
    mac_header(r, seq, type, r->explicit_len + in_len, aad);
    if (r->chained_iv && !EVP_CipherInit_ex(r->enc, NULL, NULL, NULL, k->iv, 1))
        return NTE_INTERNAL_ERROR;
    if (!EVP_CIPHER_CTX_set_params(r->enc, params) ||
        EVP_Cipher(r->enc, body, body, (unsigned int)blen) <= 0)
        return NTE_INTERNAL_ERROR;
    if (r->chained_iv)
        memcpy(k->iv, out + total - r->block, r->block);
    else
        iv_taken(r);
    return SEC_E_OK;
}

SECURITY_STATUS rec12_encrypt(struct secret_key *k, const uint8_t *in, size_t in_len,
                              uint8_t *out, size_t out_cap, size_t *out_len, uint64_t seq,
                              uint8_t type)
{
    struct rec12 *r = k->rec;
    size_t body = body_len(r, in_len), total = r->hdr_len + body;
    uint8_t *dst = out + r->hdr_len + r->explicit_len;
    /* ChaCha20-Poly1305 reads a separate plaintext where it is, whatever its size; GCM needs
     * it in place, so only a small record is copied there */
    bool apart = r->xor_nonce && !overlaps(in, in_len, out, total);
    SECURITY_STATUS st;

    if (out_cap < total)
        return NTE_BUFFER_TOO_SMALL;
    /* a sequence number at its maximum cannot be followed by another (RFC 5246 §6.1, RFC 6347
     * §4.1: renegotiate or rekey instead of wrapping); DTLS: the 48-bit part within its epoch.
     * No nonce reuse within one key object (conventions.md §5). */
    if (seq == (r->dtls ? seq | DTLS_SEQ_MASK : UINT64_MAX) ||
        (r->kind == REC_AEAD && seq < k->seq_mark))
        return NTE_INVALID_PARAMETER;
    if (r->tls_aead && (in == dst || apart || in_len <= TLS_MODE_MAX)) {
        const uint8_t *src = apart ? in : out + r->hdr_len;

        if (!apart && in != dst)
            memmove(dst, in, in_len);
        write_header(r, out, type, seq, body);
        if (aead_tls(k, 1, seq, type, out + r->hdr_len, src, body, r->explicit_len + in_len) < 0)
            return NTE_INTERNAL_ERROR;
        aead_advance(k, seq);
        *out_len = total;
        return SEC_E_OK;
    }
    if (r->stitched)
        st = encrypt_stitched(k, in, in_len, out, total, seq, type);
    else
        st = encrypt_general(k, in, in_len, out, total, seq, type);
    if (st == SEC_E_OK)
        *out_len = total;
    return st;
}

/* ---- decrypt ------------------------------------------------------------------------- */

/* behavior.md §2.2: framing checks, all NTE_BAD_DATA. */
static SECURITY_STATUS parse_header(const struct rec12 *r, const uint8_t *in, size_t in_len,
                                    size_t *body)
{
    unsigned v;

    if (in_len < r->hdr_len || (in[1] == 0xFE) != r->dtls)
        return NTE_BAD_DATA;
    v = (unsigned)in[1] << 8 | in[2];
    if (!((v >= 0x0300 && v <= 0x0303) || v == 0xFEFF || v == 0xFEFD))
        return NTE_BAD_DATA;
    *body = (size_t)in[r->hdr_len - 2] << 8 | in[r->hdr_len - 1];
    if (r->hdr_len + *body != in_len || *body > REC_MAX_BODY)
        return NTE_BAD_DATA;
    return SEC_E_OK;
}

static SECURITY_STATUS decrypt_aead(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                    size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec12 *r = k->rec;
    uint8_t *ct = in + r->hdr_len + r->explicit_len, aad[MAC_HDR], nonce[AEAD_NONCE], tag[16];
    size_t len;

    if (body < r->explicit_len + r->tag_len)
        return NTE_BAD_DATA;
    len = body - r->explicit_len - r->tag_len;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    memcpy(tag, ct + len, r->tag_len);
    aead_nonce(k, seq, in + r->hdr_len, nonce);
    mac_header(r, seq, in[0], len, aad);
    if (out != ct && overlaps(ct, len, out, len))
        memmove(out, ct, len), ct = out;
    if (!aead_run(r, 0, nonce, aad, ct, len, out, tag)) {
        OPENSSL_cleanse(out, len); /* never hand out unauthenticated plaintext */
        return NTE_DECRYPTION_FAILURE;
    }
    *out_len = len;
    return SEC_E_OK;
}

static SECURITY_STATUS decrypt_stream(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                      size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec12 *r = k->rec;
    uint8_t *src = in + r->hdr_len, mac[MAX_MAC], want[MAX_MAC], type = in[0];
    size_t len;
    int l;

    if (body < r->mac_len)
        return NTE_BAD_DATA;
    len = body - r->mac_len;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    memcpy(mac, src + len, r->mac_len);
    if (out != src)
        memmove(out, src, len);
    if (r->kind == REC_STREAM) {
        /* a failed call leaves the RC4 position as it was (conventions.md §5) */
        if (!EVP_CIPHER_CTX_copy(r->rc4_saved, r->enc) ||
            !EVP_CipherUpdate(r->enc, out, &l, out, (int)len) ||
            !EVP_CipherUpdate(r->enc, mac, &l, mac, (int)r->mac_len))
            return NTE_INTERNAL_ERROR;
    }
    /* the header may lie under the output now: the type was read before the move */
    if (!record_mac(k, seq, type, out, len, want) || CRYPTO_memcmp(mac, want, r->mac_len) != 0) {
        if (r->kind == REC_STREAM)
            EVP_CIPHER_CTX_copy(r->enc, r->rc4_saved);
        OPENSSL_cleanse(out, len);
        return NTE_DECRYPTION_FAILURE;
    }
    if (r->kind == REC_STREAM)
        r->rc4_used = true;
    *out_len = len;
    return SEC_E_OK;
}

/* CBC: OpenSSL's TLS mode decrypts in place, strips the explicit IV, padding and MAC, and
 * hands back the MAC (a random one on bad padding) in constant time; the MAC is then
 * computed over the maximum length in constant time too. One status for every failure. */
static SECURITY_STATUS decrypt_cbc(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                   size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec12 *r = k->rec;
    uint8_t *src = in + r->hdr_len, *work, *got_mac = NULL, want[MAX_MAC], residue[MAX_BLOCK];
    size_t max_plain, len;
    bool in_place;
    int mac_ok;
    OSSL_PARAM get[2] = {
        OSSL_PARAM_construct_octet_ptr(OSSL_CIPHER_PARAM_TLS_MAC, (void **)&got_mac, r->mac_len),
        OSSL_PARAM_construct_end(),
    };
    SECURITY_STATUS st = NTE_DECRYPTION_FAILURE;
    int l;

    if (body < r->explicit_len + r->block || (body - r->explicit_len) % r->block != 0 ||
        body - r->explicit_len < r->mac_len + 1)
        return NTE_BAD_DATA;
    max_plain = body - r->explicit_len - r->mac_len - 1;
    in_place = out == src + r->explicit_len || out == src;
    if (out_cap < max_plain)
        return NTE_BUFFER_TOO_SMALL;
    work = in_place ? src : r->scratch;
    if (work != src)
        memcpy(work, src, body);
    if (r->chained_iv)
        memcpy(residue, src + body - r->block, r->block);
    if (!EVP_CipherInit_ex(r->dec, NULL, NULL, NULL, r->chained_iv ? k->iv : NULL, 0) ||
        !EVP_CipherUpdate(r->dec, work, &l, work, (int)body) ||
        !EVP_CIPHER_CTX_get_params(r->dec, get) || got_mac == NULL)
        goto out;
    len = (size_t)l;
    if (!cbc_record_mac(k, seq, in[0], work + r->explicit_len, len, body - r->explicit_len, want))
        goto out;
    /* the verdict is public; so is the length, once the MAC has vouched for it */
    mac_ok = CRYPTO_memcmp(got_mac, want, r->mac_len) == 0;
    ct_declassify(&mac_ok, sizeof(mac_ok));
    if (!mac_ok)
        goto out;
    ct_declassify(&len, sizeof(len));
    if (out != work + r->explicit_len)
        memmove(out, work + r->explicit_len, len);
    if (r->chained_iv)
        memcpy(k->iv, residue, r->block);
    *out_len = len;
    st = SEC_E_OK;
out:
    /* the scratch copy always; the caller's record (in place) when it holds unauthenticated
     * plaintext */
    if (work == r->scratch || st != SEC_E_OK)
        OPENSSL_cleanse(work, body);
    OPENSSL_cleanse(want, sizeof(want));
    return st;
}

/* The stitched cipher's TLS-mode decryption, libssl's for these suites: one EVP_Cipher over the
 * whole body (for TLS 1.1+ the explicit IV's block is skipped or decrypts to garbage), then in
 * constant time (OpenSSL's Lucky-13 code) the padding is checked, the HMAC computed as if over
 * the maximum length and both verified; the only output is the verdict. The AAD's length field
 * is the body length (the cipher puts the data length there itself). The decrypted body goes
 * where the plaintext is wanted when it can: the caller's record for the in-place layouts, the
 * caller's output when it holds the whole body and does not overlap the record (the bytes
 * after the plaintext are zeroed then), else the key's scratch area. The framing checks and
 * statuses are decrypt_cbc's; the plaintext length is read from the padding byte only once
 * the verdict is public. TLS 1.0: the IV is the key's residue, moved on success only. */
static SECURITY_STATUS decrypt_stitched(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                        size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec12 *r = k->rec;
    uint8_t *src = in + r->hdr_len, *work, aad[MAC_HDR], residue[MAX_BLOCK];
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, MAC_HDR),
        OSSL_PARAM_construct_end(),
    };
    size_t len;
    int n, ok, marked;
    bool in_place = out == src + r->explicit_len || out == src;

    if (body < r->explicit_len + r->block || (body - r->explicit_len) % r->block != 0 ||
        body - r->explicit_len < r->mac_len + 1)
        return NTE_BAD_DATA;
    if (out_cap < body - r->explicit_len - r->mac_len - 1)
        return NTE_BUFFER_TOO_SMALL;
    if (in_place)
        work = src;
    else if (out_cap >= body && !overlaps(src, body, out, body))
        work = out;
    else
        work = r->scratch;
    /* the type from the received header, read before an overlapping output can move over it */
    mac_header(r, seq, in[0], body, aad);
    if (r->chained_iv)
        memcpy(residue, src + body - r->block, r->block);
    /* a bad record makes OpenSSL raise an error: take it off the caller's queue again. With
     * an empty queue there is no mark (ERR_set_mark returns 0), and popping clears what we
     * added; the success path then costs one lookup instead of two. */
    marked = ERR_set_mark();
    n = (r->chained_iv && !EVP_CipherInit_ex(r->dec, NULL, NULL, NULL, k->iv, 0)) ||
                !EVP_CIPHER_CTX_set_params(r->dec, params)
            ? -1
            : EVP_Cipher(r->dec, work, src, (unsigned int)body);
    /* the verdict is public; so is the length, once the MAC has vouched for it */
    ok = n > 0;
    ct_declassify(&ok, sizeof(ok));
    if (!ok) {
        ERR_pop_to_mark();
        OPENSSL_cleanse(work, body); /* never hand out unauthenticated plaintext */
        return NTE_DECRYPTION_FAILURE;
    }
    if (marked)
        ERR_clear_last_mark();
    len = body - r->explicit_len - r->mac_len - 1 - work[body - 1];
    ct_declassify(&len, sizeof(len));
    if (out != work + r->explicit_len)
        memmove(out, work + r->explicit_len, len);
    if (work == r->scratch)
        OPENSSL_cleanse(work, body);
    else if (work == out)
        memset(out + len, 0, body - len); /* MAC, padding (and the moved data's old tail) */
    if (r->chained_iv)
        memcpy(k->iv, residue, r->block);
    *out_len = len;
    return SEC_E_OK;
}

/* Where TLS-mode AEAD decryption writes: the caller's record for the in-place layout; for
 * ChaCha20-Poly1305, which reads its input elsewhere, straight into a separate output that
 * holds the data; else, for a small record, the key's scratch area (GCM works in place only).
 * NULL when none applies. */
static uint8_t *aead_tls_work(struct rec12 *r, uint8_t *in, size_t body, uint8_t *out, size_t out_cap)
{
    uint8_t *src = in + r->hdr_len;

    if (!r->tls_aead)
        return NULL;
    if (out == src + r->explicit_len)
        return src;
    if (r->xor_nonce && body >= TAG && out_cap >= body - TAG && !overlaps(src, body, out, body - TAG))
        return out;
    return body <= TLS_MODE_MAX + r->explicit_len + TAG ? r->scratch : NULL;
}

static SECURITY_STATUS decrypt_aead_tls(struct secret_key *k, uint8_t *in, size_t body, uint8_t *work,
                                        uint8_t *out, size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec12 *r = k->rec;
    size_t len;
    int n;

    if (body < r->explicit_len + TAG)
        return NTE_BAD_DATA;
    len = body - r->explicit_len - TAG;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    if (work == r->scratch)
        memcpy(work, in + r->hdr_len, body);
    /* OpenSSL's GCM returns the body length here, ChaCha20-Poly1305 the data length */
    n = aead_tls(k, 0, seq, in[0], work, work == out ? in + r->hdr_len : work, body, body);
    if (n < 0) {
        /* never hand out unauthenticated plaintext; a separate output holds only the data */
        OPENSSL_cleanse(work, work == out ? len : body);
        return NTE_DECRYPTION_FAILURE;
    }
    if (out != work + r->explicit_len)
        memcpy(out, work + r->explicit_len, len);
    if (work == r->scratch)
        OPENSSL_cleanse(work, body);
    *out_len = len;
    return SEC_E_OK;
}

SECURITY_STATUS rec12_decrypt(struct secret_key *k, uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq)
{
    uint8_t *work;
    size_t body;
    SECURITY_STATUS st;

    if ((st = parse_header(k->rec, in, in_len, &body)) != SEC_E_OK)
        return st;
    if ((work = aead_tls_work(k->rec, in, body, out, out_cap)) != NULL)
        return decrypt_aead_tls(k, in, body, work, out, out_cap, out_len, seq);
    if (k->rec->stitched)
        return decrypt_stitched(k, in, body, out, out_cap, out_len, seq);
    ERR_set_mark();
    switch (k->rec->kind) {
    case REC_AEAD:
        st = decrypt_aead(k, in, body, out, out_cap, out_len, seq);
        break;
    case REC_CBC:
        st = decrypt_cbc(k, in, body, out, out_cap, out_len, seq);
        break;
    default:
        st = decrypt_stream(k, in, body, out, out_cap, out_len, seq);
        break;
    }
    ERR_pop_to_mark();
    return st;
}
