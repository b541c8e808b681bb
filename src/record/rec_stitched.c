/* AES-CBC with HMAC-SHA1 or HMAC-SHA256, TLS 1.0+: OpenSSL's stitched cipher in TLS mode, as
 * libssl uses it. Keyed as libssl keys it: cipher key, then the MAC key
 * (OSSL_CIPHER_PARAM_AEAD_MAC_KEY) and the TLS version; each record is a 13-byte AAD and one
 * in-place EVP_Cipher. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "record_int.h"

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

static SECURITY_STATUS stitched_init(struct rec *r, const struct secret_key *k)
{
    const EVP_CIPHER *c = backend_stitched(r->be, k->suite->cipher->id, k->suite->mac);

    if ((r->enc = stitched_ctx(k, c, 1)) == NULL || (r->dec = stitched_ctx(k, c, 0)) == NULL)
        return NTE_INTERNAL_ERROR;
    if ((r->scratch = OPENSSL_malloc(REC_MAX_BODY)) == NULL)
        return NTE_NO_MEMORY;
    return rec_iv_init(r);
}

/* In place on the body = [explicit IV] || data || room for MAC and padding, which the cipher
 * computes, appends and encrypts in one pass. The AAD's length field counts the explicit IV
 * too (the cipher takes it off again, libssl's tls1_enc). The padding is the minimum, so the
 * body length is the one the cipher insists on; no AEAD_TLS1_AAD_PAD query is needed.
 * TLS 1.1+: the cipher encrypts the explicit-IV block as well, under the context's IV (the
 * previous record's last ciphertext block). The IV on the wire is E_k(ctx IV XOR R) for the
 * pool's random block R, and the rest of the record is CBC under that IV: Windows' layout
 * with an IV as unpredictable as R (docs/records.md). TLS 1.0: the chained IV is the key's
 * residue, set per record and moved on success. Failures are internal (a keyed context and
 * the exact length cannot fail), like the TLS-mode AEAD path's. */
static SECURITY_STATUS stitched_seal(struct secret_key *k, const uint8_t *in, size_t in_len,
                                     uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    uint8_t *body = out + r->s.hdr_len, *dst = body + r->s.explicit_len, aad[REC_PSEUDO_HDR];
    size_t blen = total - r->s.hdr_len;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, REC_PSEUDO_HDR),
        OSSL_PARAM_construct_end(),
    };

    if (dst != in)
        memmove(dst, in, in_len);
    if (!r->s.chained_iv && !rec_next_iv(r, body))
        return NTE_INTERNAL_ERROR;
    rec_write_header(r, out, type, seq, blen);
    rec_pseudo_header(r, seq, type, r->s.explicit_len + in_len, aad);
    if (r->s.chained_iv && !EVP_CipherInit_ex(r->enc, NULL, NULL, NULL, k->iv, 1))
        return NTE_INTERNAL_ERROR;
    if (!EVP_CIPHER_CTX_set_params(r->enc, params) ||
        EVP_Cipher(r->enc, body, body, (unsigned int)blen) <= 0)
        return NTE_INTERNAL_ERROR;
    if (r->s.chained_iv)
        memcpy(k->iv, out + total - r->s.block, r->s.block);
    else
        rec_iv_taken(r);
    return SEC_E_OK;
}

/* One EVP_Cipher over the whole body (for TLS 1.1+ the explicit IV's block is skipped or
 * decrypts to garbage), then in constant time (OpenSSL's Lucky-13 code) the padding is
 * checked, the HMAC computed as if over the maximum length and both verified; the only output
 * is the verdict. The AAD's length field is the body length (the cipher puts the data length
 * there itself). The decrypted body goes where the plaintext is wanted when it can: the
 * caller's record for the in-place layouts, the caller's output when it holds the whole body
 * and does not overlap the record (the bytes after the plaintext are zeroed then), else the
 * key's scratch area. The framing checks and statuses are rec_cbc.c's; the plaintext length
 * is read from the padding byte only once the verdict is public. TLS 1.0: the IV is the key's
 * residue, moved on success only. */
static SECURITY_STATUS stitched_open(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                     size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec *r = k->rec;
    uint8_t *src = in + r->s.hdr_len, *work, aad[REC_PSEUDO_HDR], residue[REC_MAX_BLOCK];
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, REC_PSEUDO_HDR),
        OSSL_PARAM_construct_end(),
    };
    size_t len;
    int n, ok, marked;
    bool in_place = out == src + r->s.explicit_len || out == src;

    if (body < r->s.explicit_len + r->s.block || (body - r->s.explicit_len) % r->s.block != 0 ||
        body - r->s.explicit_len < r->s.mac_len + 1)
        return NTE_BAD_DATA;
    if (out_cap < body - r->s.explicit_len - r->s.mac_len - 1)
        return NTE_BUFFER_TOO_SMALL;
    if (in_place)
        work = src;
    else if (out_cap >= body && !rec_overlaps(src, body, out, body))
        work = out;
    else
        work = r->scratch;
    /* the type from the received header, read before an overlapping output can move over it */
    rec_pseudo_header(r, seq, in[0], body, aad);
    if (r->s.chained_iv)
        memcpy(residue, src + body - r->s.block, r->s.block);
    /* a bad record makes OpenSSL raise an error: take it off the caller's queue again. With
     * an empty queue there is no mark (ERR_set_mark returns 0), and popping clears what we
     * added; the success path then costs one lookup instead of two. */
    marked = ERR_set_mark();
    n = (r->s.chained_iv && !EVP_CipherInit_ex(r->dec, NULL, NULL, NULL, k->iv, 0)) ||
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
    len = body - r->s.explicit_len - r->s.mac_len - 1 - work[body - 1];
    ct_declassify(&len, sizeof(len));
    if (out != work + r->s.explicit_len)
        memmove(out, work + r->s.explicit_len, len);
    if (work == r->scratch)
        OPENSSL_cleanse(work, body);
    else if (work == out)
        memset(out + len, 0, body - len); /* MAC, padding (and the moved data's old tail) */
    if (r->s.chained_iv)
        memcpy(k->iv, residue, r->s.block);
    *out_len = len;
    return SEC_E_OK;
}

const struct rec_kind rec_kind_stitched = {
    .name = "AES-CBC-HMAC, stitched",
    .marks_errors = true,
    .init = stitched_init,
    .seal = stitched_seal,
    .open = stitched_open,
};
