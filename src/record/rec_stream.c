/* RC4 and NULL suites: data || MAC, encrypted for RC4 (RFC 5246 §6.2.3.1). RC4 is one stream
 * for both directions of the key, so a decrypt that may fail runs on a copy of its state. */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "record_int.h"

static SECURITY_STATUS stream_init(struct rec *r, const struct secret_key *k)
{
    if (k->suite->cipher->mode == MODE_STREAM) {
        if ((r->enc = rec_cipher_ctx(k, r, 1)) == NULL)
            return NTE_INTERNAL_ERROR;
        if ((r->rc4_saved = EVP_CIPHER_CTX_new()) == NULL)
            return NTE_NO_MEMORY;
    }
    r->dec = r->enc;
    return rec_mac_init(r, k);
}

static SECURITY_STATUS stream_seal(struct secret_key *k, const uint8_t *in, size_t in_len,
                                   uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    uint8_t *dst = out + r->s.hdr_len;
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    int l;

    ERR_set_mark();
    if (dst != in)
        memmove(dst, in, in_len);
    rec_write_header(r, out, type, seq, total - r->s.hdr_len);
    if (!rec_mac(k, seq, type, dst, in_len, dst + in_len))
        goto out;
    if (r->enc != NULL) {
        if (!EVP_CipherUpdate(r->enc, dst, &l, dst, (int)(in_len + r->s.mac_len)))
            goto out;
        r->rc4_used = true;
    }
    st = SEC_E_OK;
out:
    ERR_pop_to_mark();
    return st;
}

static SECURITY_STATUS stream_decrypt(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                      size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec *r = k->rec;
    uint8_t *src = in + r->s.hdr_len, mac[REC_MAX_MAC], want[REC_MAX_MAC], type = in[0];
    size_t len;
    int l;

    if (body < r->s.mac_len)
        return NTE_BAD_DATA;
    len = body - r->s.mac_len;
    if (out_cap < len)
        return NTE_BUFFER_TOO_SMALL;
    memcpy(mac, src + len, r->s.mac_len);
    if (out != src)
        memmove(out, src, len);
    if (r->enc != NULL) {
        /* a failed call leaves the RC4 position as it was (conventions.md §5) */
        if (!EVP_CIPHER_CTX_copy(r->rc4_saved, r->enc) ||
            !EVP_CipherUpdate(r->enc, out, &l, out, (int)len) ||
            !EVP_CipherUpdate(r->enc, mac, &l, mac, (int)r->s.mac_len))
            return NTE_INTERNAL_ERROR;
    }
    /* the header may lie under the output now: the type was read before the move */
    if (!rec_mac(k, seq, type, out, len, want) || CRYPTO_memcmp(mac, want, r->s.mac_len) != 0) {
        if (r->enc != NULL)
            EVP_CIPHER_CTX_copy(r->enc, r->rc4_saved);
        OPENSSL_cleanse(out, len);
        return NTE_DECRYPTION_FAILURE;
    }
    if (r->enc != NULL)
        r->rc4_used = true;
    *out_len = len;
    return SEC_E_OK;
}

const struct rec_kind rec_kind_stream = {
    .name = "stream or NULL, MAC-then-encrypt",
    .init = stream_init,
    .seal = stream_seal,
    .open = stream_decrypt,
};
