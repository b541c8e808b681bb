#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include "provider.h"
#include "record13.h"

#define HDR 5
#define NONCE 12
#define MIN_RECORD (HDR + 1 + 16) /* behavior.md §2.3: 22..16640 */
#define MAX_RECORD (HDR + 16384 + 256)

struct rec13 {
    EVP_CIPHER_CTX *enc, *dec; /* keyed once, on first use of each direction (a write key is
                                  mostly used one way); OpenSSL 3.0's CCM cannot switch */
    const struct secret_key *k;
    size_t tag_len;
    bool ccm;
};

void rec13_free(struct rec13 *r)
{
    if (r == NULL)
        return;
    EVP_CIPHER_CTX_free(r->enc);
    EVP_CIPHER_CTX_free(r->dec);
    OPENSSL_clear_free(r, sizeof(*r));
}

static EVP_CIPHER_CTX *keyed(const struct secret_key *k, const struct rec13 *r, int enc)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx != NULL && EVP_CipherInit_ex(ctx, k->hdr.prov->be.cipher[k->suite->cipher], NULL, NULL, NULL, enc) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE, NULL) > 0 &&
        (!r->ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)r->tag_len, NULL) > 0) &&
        EVP_CipherInit_ex(ctx, NULL, NULL, k->key, NULL, enc))
        return ctx;
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
}

SECURITY_STATUS rec13_init(struct secret_key *k)
{
    struct rec13 *r = OPENSSL_zalloc(sizeof(*r));

    if (r == NULL)
        return NTE_NO_MEMORY;
    r->tag_len = k->suite->tag_len;
    r->ccm = k->suite->mode == MODE_CCM;
    r->k = k;
    k->rec13 = r;
    return SEC_E_OK;
}

/* The context of one direction, keyed the first time it is needed. */
static EVP_CIPHER_CTX *ctx_for(struct rec13 *r, int enc)
{
    EVP_CIPHER_CTX **slot = enc ? &r->enc : &r->dec;

    if (*slot == NULL)
        *slot = keyed(r->k, r, enc);
    return *slot;
}

/* RFC 8446 §5.3: the write IV XOR the 64-bit sequence number, left-padded to 12 bytes. */
static void nonce_of(const struct secret_key *k, uint64_t seq, uint8_t nonce[NONCE])
{
    memcpy(nonce, k->iv, NONCE);
    for (int i = 0; i < 8; i++)
        nonce[NONCE - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static bool aead(struct rec13 *r, int enc, const uint8_t nonce[NONCE], const uint8_t aad[HDR],
                 const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = ctx_for(r, enc);
    /* the tag as a provider parameter: EVP_CIPHER_CTX_ctrl would translate to this per record */
    OSSL_PARAM tag_param[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, r->tag_len),
                               OSSL_PARAM_construct_end()};
    int l;

    if (ctx == NULL || !EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, enc) ||
        (!enc && !EVP_CIPHER_CTX_set_params(ctx, tag_param)) ||
        (r->ccm && !EVP_CipherUpdate(ctx, NULL, &l, NULL, (int)len)) ||
        !EVP_CipherUpdate(ctx, NULL, &l, aad, HDR) || !EVP_CipherUpdate(ctx, out, &l, in, (int)len))
        return false;
    if (!(r->ccm && !enc) && !EVP_CipherFinal_ex(ctx, out + len, &l))
        return false;
    return !enc || EVP_CIPHER_CTX_get_params(ctx, tag_param);
}

/* Take what OpenSSL raised off the caller's queue. With an empty queue there is no mark
 * (ERR_set_mark returns 0) and popping clears what we added; a success then costs one lookup. */
static void unmark(int marked, SECURITY_STATUS st)
{
    if (st != SEC_E_OK)
        ERR_pop_to_mark();
    else if (marked)
        ERR_clear_last_mark();
}

static bool overlaps(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return a < b + bn && b < a + an;
}

SECURITY_STATUS rec13_encrypt(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq, uint8_t type)
{
    struct rec13 *r = k->rec13;
    size_t body = in_len + r->tag_len, total = HDR + body;
    uint8_t nonce[NONCE];
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    int marked;

    if (in_len == 0 || in_len > REC13_MAX_INNER)
        return NTE_INVALID_PARAMETER;
    if (out_cap < total)
        return NTE_BUFFER_TOO_SMALL;
    /* no nonce reuse within one key object (conventions.md §5); 2^64-1 cannot be followed by
     * another record (RFC 8446 §5.3: rekey first), so it is refused */
    if (seq == UINT64_MAX || seq < k->seq_mark)
        return NTE_INVALID_PARAMETER;
    if (in != out + HDR && overlaps(in, in_len, out, total))
        memmove(out + HDR, in, in_len), in = out + HDR;
    out[0] = type; /* the outer type, as given (23) */
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = (uint8_t)(body >> 8);
    out[4] = (uint8_t)body;
    nonce_of(k, seq, nonce);
    marked = ERR_set_mark();
    if (aead(r, 1, nonce, out, in, in_len, out + HDR, out + HDR + in_len)) {
        k->seq_mark = seq + 1;
        *out_len = total;
        st = SEC_E_OK;
    }
    unmark(marked, st);
    return st;
}

/* behavior.md §2.3: the outer type and version are the caller's to check. */
SECURITY_STATUS rec13_decrypt(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec13 *r = k->rec13;
    uint8_t nonce[NONCE], tag[16], aad[HDR];
    const uint8_t *ct = in + HDR;
    size_t len;
    SECURITY_STATUS st = STATUS_AUTH_TAG_MISMATCH;
    int marked;

    if (in_len < HDR + 1 + r->tag_len || in_len > MAX_RECORD || in[1] == 0xFE ||
        ((size_t)in[3] << 8 | in[4]) + HDR != in_len)
        return NTE_BAD_DATA;
    len = in_len - HDR - r->tag_len;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    memcpy(aad, in, HDR);
    memcpy(tag, ct + len, r->tag_len);
    if (out != ct && overlaps(ct, len, out, len))
        memmove(out, ct, len), ct = out;
    nonce_of(k, seq, nonce);
    marked = ERR_set_mark();
    if (aead(r, 0, nonce, aad, ct, len, out, tag)) {
        *out_len = len;
        st = SEC_E_OK;
    } else {
        OPENSSL_cleanse(out, len); /* never hand out unauthenticated plaintext */
    }
    unmark(marked, st);
    return st;
}
