/* CBC MAC-then-encrypt through the general EVP calls: the suites OpenSSL has no stitched
 * cipher for (SSL 3.0, whose MAC is not HMAC; SHA-384; 3DES, DES). The cipher runs in
 * OpenSSL's TLS mode: it pads on encryption and removes padding and MAC in constant time on
 * decryption (DESIGN.md "Constant-time CBC"). */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "record_int.h"

static SECURITY_STATUS cbc_init(struct rec *r, const struct secret_key *k)
{
    SECURITY_STATUS st;

    if ((r->enc = rec_cipher_ctx(k, r, 1)) == NULL || (r->dec = rec_cipher_ctx(k, r, 0)) == NULL)
        return NTE_INTERNAL_ERROR;
    if ((r->scratch = OPENSSL_malloc(REC_MAX_BODY)) == NULL)
        return NTE_NO_MEMORY;
    if ((st = rec_iv_init(r)) != SEC_E_OK)
        return st;
    return rec_mac_init(r, k);
}

/* The Windows in-place layout (input at its place in the record) needs no copy; any other
 * is moved there first, and the MAC, padding and encryption run in place. Errors OpenSSL
 * raises on the way are taken off the caller's queue again. */
static SECURITY_STATUS cbc_seal(struct secret_key *k, const uint8_t *in, size_t in_len,
                                uint8_t *out, size_t total, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    uint8_t *dst = out + r->s.hdr_len + r->s.explicit_len, iv[REC_MAX_BLOCK];
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    int l;

    ERR_set_mark();
    if (dst != in)
        memmove(dst, in, in_len);
    rec_write_header(r, out, type, seq, total - r->s.hdr_len);
    if (!rec_mac(k, seq, type, dst, in_len, dst + in_len))
        goto out;
    if (r->s.chained_iv)
        memcpy(iv, k->iv, r->s.block);
    else if (!rec_next_iv(r, iv))
        goto out;
    memcpy(out + r->s.hdr_len, iv, r->s.explicit_len);
    /* TLS mode appends the padding itself (in place) */
    if (!EVP_CipherInit_ex(r->enc, NULL, NULL, NULL, iv, 1) ||
        !EVP_CipherUpdate(r->enc, dst, &l, dst, (int)(in_len + r->s.mac_len)))
        goto out;
    if (r->s.chained_iv)
        memcpy(k->iv, out + total - r->s.block, r->s.block);
    else
        rec_iv_taken(r);
    st = SEC_E_OK;
out:
    ERR_pop_to_mark();
    return st;
}

/* OpenSSL's TLS mode decrypts in place, strips the explicit IV, padding and MAC, and hands
 * back the MAC (a random one on bad padding) in constant time; the MAC is then computed over
 * the maximum length in constant time too. One status for every failure. */
static SECURITY_STATUS cbc_decrypt(struct secret_key *k, uint8_t *in, size_t body, uint8_t *out,
                                   size_t out_cap, size_t *out_len, uint64_t seq)
{
    struct rec *r = k->rec;
    uint8_t *src = in + r->s.hdr_len, *work, *got_mac = NULL, want[REC_MAX_MAC], residue[REC_MAX_BLOCK];
    size_t max_plain, len;
    bool in_place;
    int mac_ok;
    OSSL_PARAM get[2] = {
        OSSL_PARAM_construct_octet_ptr(OSSL_CIPHER_PARAM_TLS_MAC, (void **)&got_mac, r->s.mac_len),
        OSSL_PARAM_construct_end(),
    };
    SECURITY_STATUS st = NTE_DECRYPTION_FAILURE;
    int l;

    if (body < r->s.explicit_len + r->s.block || (body - r->s.explicit_len) % r->s.block != 0 ||
        body - r->s.explicit_len < r->s.mac_len + 1)
        return NTE_BAD_DATA;
    max_plain = body - r->s.explicit_len - r->s.mac_len - 1;
    in_place = out == src + r->s.explicit_len || out == src;
    if (out_cap < max_plain)
        return NTE_BUFFER_TOO_SMALL;
    work = in_place ? src : r->scratch;
    if (work != src)
        memcpy(work, src, body);
    if (r->s.chained_iv)
        memcpy(residue, src + body - r->s.block, r->s.block);
    if (!EVP_CipherInit_ex(r->dec, NULL, NULL, NULL, r->s.chained_iv ? k->iv : NULL, 0) ||
        !EVP_CipherUpdate(r->dec, work, &l, work, (int)body) ||
        !EVP_CIPHER_CTX_get_params(r->dec, get) || got_mac == NULL)
        goto out;
    len = (size_t)l;
    if (!rec_cbc_mac(k, seq, in[0], work + r->s.explicit_len, len, body - r->s.explicit_len, want))
        goto out;
    /* the verdict is public; so is the length, once the MAC has vouched for it */
    mac_ok = CRYPTO_memcmp(got_mac, want, r->s.mac_len) == 0;
    ct_declassify(&mac_ok, sizeof(mac_ok));
    if (!mac_ok)
        goto out;
    ct_declassify(&len, sizeof(len));
    if (out != work + r->s.explicit_len)
        memmove(out, work + r->s.explicit_len, len);
    if (r->s.chained_iv)
        memcpy(k->iv, residue, r->s.block);
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

const struct rec_kind rec_kind_cbc = {
    .name = "CBC, MAC-then-encrypt",
    .init = cbc_init,
    .seal = cbc_seal,
    .open = cbc_decrypt,
};
