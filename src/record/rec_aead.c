/* AEAD records: GCM, CCM and ChaCha20-Poly1305 for TLS 1.2 and DTLS (nonce = fixed ||
 * explicit or fixed XOR seq, the MAC's pseudo-header as AAD) and for TLS 1.3 (nonce = iv XOR
 * seq, the record header as AAD); the shape says which. Records of TLS <= 1.2 GCM and
 * ChaCha20-Poly1305 up to TLS_MODE_MAX bytes, or already in place, go through OpenSSL's
 * TLS-mode AEAD (one EVP_Cipher call, as libssl does), which works in place: a small record
 * is copied there; a large one takes the general EVP calls unless it already is in place, so
 * it is never copied. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "record_int.h"

#define TLS_MODE_MAX 2048

/* TLS-mode AEAD for TLS <= 1.2 GCM and ChaCha20-Poly1305 (OpenSSL has none for CCM, and its
 * AAD is TLS 1.2's pseudo-header). The contexts are keyed on first use of a direction: a
 * record key is used one way (a session key reads or writes; a TLS 1.3 write key mostly
 * seals). */
static SECURITY_STATUS aead_init(struct rec *r, const struct secret_key *k)
{
    (void)k;
    r->tls_mode = !r->s.tls13 && !r->s.ccm;
    r->refix[0] = r->refix[1] = true;
    if (r->tls_mode && (r->scratch = OPENSSL_malloc(REC_MAX_BODY)) == NULL)
        return NTE_NO_MEMORY;
    return SEC_E_OK;
}

static EVP_CIPHER_CTX *ctx_for(const struct secret_key *k, int enc)
{
    struct rec *r = k->rec;
    EVP_CIPHER_CTX **slot = enc ? &r->enc : &r->dec;

    if (*slot == NULL)
        *slot = rec_cipher_ctx(k, r, enc);
    return *slot;
}

/* Take what OpenSSL raised off the caller's queue. With an empty queue there is no mark
 * (ERR_set_mark returns 0) and popping clears what we added; a success then costs one lookup. */
static void unmark(int marked, bool ok)
{
    if (!ok)
        ERR_pop_to_mark();
    else if (marked)
        ERR_clear_last_mark();
}

/* The nonce is not wiped after use: it is the fixed IV, which the key and OpenSSL's context
 * hold for the key's life, XOR a public number — or, for GCM/CCM, a salt and the explicit part
 * that goes out on the wire. */
static void aead_nonce(const struct secret_key *k, uint64_t seq, const uint8_t *explicit_nonce,
                       uint8_t nonce[REC_NONCE])
{
    if (k->rec->s.nonce == NONCE_XOR) {
        memcpy(nonce, k->iv, REC_NONCE);
        for (int i = 0; i < 8; i++)
            nonce[REC_NONCE - 1 - i] ^= (uint8_t)(seq >> (8 * i));
        return;
    }
    memcpy(nonce, k->iv, 4);
    memcpy(nonce + 4, explicit_nonce, 8);
}

/* ---- the general EVP calls ----------------------------------------------------------- */

static bool aead_run(struct rec *r, EVP_CIPHER_CTX *ctx, int enc, const uint8_t nonce[REC_NONCE],
                     const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t *out, uint8_t *tag)
{
    /* the tag as a provider parameter: EVP_CIPHER_CTX_ctrl would translate to this per record */
    OSSL_PARAM tag_param[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, r->s.tag_len),
                               OSSL_PARAM_construct_end()};
    int l;

    r->refix[enc ? 0 : 1] = true;
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, enc))
        return false;
    if (!enc && !EVP_CIPHER_CTX_set_params(ctx, tag_param))
        return false;
    if (r->s.ccm && !EVP_CipherUpdate(ctx, NULL, &l, NULL, (int)len))
        return false;
    if (!EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aad_len))
        return false;
    /* CCM authenticates inside this update on decryption and has nothing to finish */
    if ((len > 0 || r->s.ccm) && !EVP_CipherUpdate(ctx, out, &l, in, (int)len))
        return false;
    if (!(r->s.ccm && !enc) && !EVP_CipherFinal_ex(ctx, out + len, &l))
        return false;
    return !enc || EVP_CIPHER_CTX_get_params(ctx, tag_param);
}

static SECURITY_STATUS seal_general(struct secret_key *k, const uint8_t *in, size_t in_len,
                                    uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    uint8_t *dst = out + r->s.hdr_len + r->s.explicit_len, pseudo[REC_PSEUDO_HDR], nonce[REC_NONCE];
    EVP_CIPHER_CTX *ctx = ctx_for(k, 1);
    bool ok;
    int marked;

    if (ctx == NULL)
        return NTE_INTERNAL_ERROR;
    /* the Windows in-place layout (input at its place in the record) needs no copy; any other
     * overlap is resolved by moving the input first */
    if (dst != in && rec_overlaps(in, in_len, out, total))
        memmove(dst, in, in_len), in = dst;
    rec_write_header(r, out, type, seq, total - r->s.hdr_len);
    if (r->s.aad == AAD_PSEUDO)
        rec_pseudo_header(r, seq, type, in_len, pseudo);
    if (r->s.explicit_len == 8)
        rec_put64(out + r->s.hdr_len, seq); /* GCM/CCM explicit nonce = seq (behavior.md §2.1) */
    aead_nonce(k, seq, out + r->s.hdr_len, nonce);
    marked = ERR_set_mark();
    ok = r->s.aad == AAD_PSEUDO
             ? aead_run(r, ctx, 1, nonce, pseudo, sizeof(pseudo), in, in_len, dst, dst + in_len)
             : aead_run(r, ctx, 1, nonce, out, r->s.hdr_len, in, in_len, dst, dst + in_len);
    unmark(marked, ok);
    if (!ok)
        return NTE_INTERNAL_ERROR;
    k->seq_mark = seq + 1;
    return SEC_E_OK;
}

static SECURITY_STATUS open_general(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                    size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec *r = k->rec;
    uint8_t *ct = in + r->s.hdr_len + r->s.explicit_len, aad[REC_PSEUDO_HDR], nonce[REC_NONCE], tag[REC_TAG];
    size_t len, aad_len = r->s.aad == AAD_PSEUDO ? REC_PSEUDO_HDR : r->s.hdr_len;
    EVP_CIPHER_CTX *ctx;
    bool ok;
    int marked;

    if (body < r->s.explicit_len + r->s.min_data + r->s.tag_len)
        return NTE_BAD_DATA;
    len = body - r->s.explicit_len - r->s.tag_len;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    if ((ctx = ctx_for(k, 0)) == NULL)
        return NTE_INTERNAL_ERROR;
    memcpy(tag, ct + len, r->s.tag_len);
    aead_nonce(k, seq, in + r->s.hdr_len, nonce);
    /* the AAD before an overlapping output can move over the header */
    if (r->s.aad == AAD_PSEUDO)
        rec_pseudo_header(r, seq, in[0], len, aad);
    else
        memcpy(aad, in, aad_len);
    if (out != ct && rec_overlaps(ct, len, out, len))
        memmove(out, ct, len), ct = out;
    marked = ERR_set_mark();
    ok = aead_run(r, ctx, 0, nonce, aad, aad_len, ct, len, out, tag);
    unmark(marked, ok);
    if (!ok) {
        OPENSSL_cleanse(out, len); /* never hand out unauthenticated plaintext */
        return r->s.auth_failure;
    }
    *out_len = len;
    return SEC_E_OK;
}

/* ---- OpenSSL's TLS-mode AEAD --------------------------------------------------------- */

/* On body = explicit || data || tag, from src: GCM works in place only (src == body);
 * ChaCha20-Poly1305 also from a separate src, which it reads only up to the data's end when
 * encrypting and which, when decrypting, it reads data || tag of (writing the data alone to
 * body). GCM's nonce comes from its fixed part and, when encrypting, an invocation field we
 * set to the sequence number (SET_IV_FIXED with the whole nonce), when decrypting, the
 * record's explicit bytes; ChaCha20-Poly1305 XORs the AAD's sequence number into its fixed IV
 * (RFC 7905). The AAD length field counts what the record carries: GCM subtracts its explicit
 * nonce (and on decryption, like ChaCha20, the tag). Returns the data length, or -1. */
static int tls_mode_run(struct secret_key *k, int enc, uint64_t seq, uint8_t type, uint8_t *body,
                        const uint8_t *src, size_t body_len, size_t aad_len)
{
    struct rec *r = k->rec;
    EVP_CIPHER_CTX *ctx = ctx_for(k, enc);
    uint8_t aad[REC_PSEUDO_HDR], nonce[REC_NONCE];
    /* parameters straight to the provider: EVP_CIPHER_CTX_ctrl would translate per call */
    OSSL_PARAM params[3], *p = params;
    bool xor_nonce = r->s.nonce == NONCE_XOR;

    if (ctx == NULL)
        return -1;
    if (enc && !xor_nonce) {
        memcpy(nonce, k->iv, 4);
        rec_put64(nonce + 4, seq);
        /* the whole nonce: its invocation field becomes the explicit nonce = seq */
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, nonce, (size_t)-1);
    } else if (r->refix[enc ? 0 : 1]) {
        /* its own call: ChaCha20-Poly1305 folds the AAD's sequence number into the fixed IV
         * as it reads the AAD, whatever the order of one parameter array */
        OSSL_PARAM fixed[2] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, k->iv,
                                              xor_nonce ? REC_NONCE : 4),
            OSSL_PARAM_construct_end(),
        };
        if (!EVP_CIPHER_CTX_set_params(ctx, fixed))
            return -1;
        r->refix[enc ? 0 : 1] = false;
    }
    rec_pseudo_header(r, seq, type, aad_len, aad);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad, REC_PSEUDO_HDR);
    *p = OSSL_PARAM_construct_end();
    if (!EVP_CIPHER_CTX_set_params(ctx, params))
        return -1;
    return EVP_Cipher(ctx, body, src, (unsigned int)body_len);
}

/* ChaCha20-Poly1305 reads a separate plaintext where it is, whatever its size; GCM needs it in
 * place, so only a small record is copied there. */
static SECURITY_STATUS aead_seal(struct secret_key *k, const uint8_t *in, size_t in_len,
                                 uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    size_t body = total - r->s.hdr_len;
    uint8_t *dst = out + r->s.hdr_len + r->s.explicit_len;
    bool apart = r->s.nonce == NONCE_XOR && !rec_overlaps(in, in_len, out, total);
    const uint8_t *src = apart ? in : out + r->s.hdr_len;

    if (!r->tls_mode || !(in == dst || apart || in_len <= TLS_MODE_MAX))
        return seal_general(k, in, in_len, out, total, seq, type);
    if (ctx_for(k, 1) == NULL)
        return NTE_INTERNAL_ERROR;
    if (!apart && in != dst)
        memmove(dst, in, in_len);
    rec_write_header(r, out, type, seq, body);
    if (tls_mode_run(k, 1, seq, type, out + r->s.hdr_len, src, body, r->s.explicit_len + in_len) < 0)
        return NTE_INTERNAL_ERROR;
    k->seq_mark = seq + 1;
    return SEC_E_OK;
}

/* Where TLS-mode decryption writes: the caller's record for the in-place layout; for
 * ChaCha20-Poly1305, which reads its input elsewhere, straight into a separate output that
 * holds the data; else, for a small record, the key's scratch area (GCM works in place only).
 * NULL when none applies. */
static uint8_t *tls_mode_work(struct rec *r, uint8_t *in, size_t body, uint8_t *out, size_t out_cap)
{
    uint8_t *src = in + r->s.hdr_len;

    if (!r->tls_mode)
        return NULL;
    if (out == src + r->s.explicit_len)
        return src;
    if (r->s.nonce == NONCE_XOR && body >= REC_TAG && out_cap >= body - REC_TAG &&
        !rec_overlaps(src, body, out, body - REC_TAG))
        return out;
    return body <= TLS_MODE_MAX + r->s.explicit_len + REC_TAG ? r->scratch : NULL;
}

static SECURITY_STATUS aead_open(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                 size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec *r = k->rec;
    uint8_t *work = tls_mode_work(r, in, body, out, out_cap);
    size_t len;

    if (work == NULL)
        return open_general(k, in, body, out, out_cap, out_len, seq);
    if (body < r->s.explicit_len + REC_TAG)
        return NTE_BAD_DATA;
    len = body - r->s.explicit_len - REC_TAG;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    if (ctx_for(k, 0) == NULL)
        return NTE_INTERNAL_ERROR;
    if (work == r->scratch)
        memcpy(work, in + r->s.hdr_len, body);
    /* OpenSSL's GCM returns the body length here, ChaCha20-Poly1305 the data length */
    if (tls_mode_run(k, 0, seq, in[0], work, work == out ? in + r->s.hdr_len : work, body, body) < 0) {
        /* never hand out unauthenticated plaintext; a separate output holds only the data */
        OPENSSL_cleanse(work, work == out ? len : body);
        return NTE_DECRYPTION_FAILURE;
    }
    if (out != work + r->s.explicit_len)
        memcpy(out, work + r->s.explicit_len, len);
    if (work == r->scratch)
        OPENSSL_cleanse(work, body);
    *out_len = len;
    return SEC_E_OK;
}

const struct rec_kind rec_kind_aead = {
    .name = "AEAD",
    .marks_errors = true,
    .init = aead_init,
    .seal = aead_seal,
    .open = aead_open,
};
