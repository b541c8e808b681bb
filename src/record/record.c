/* The record context: a key's record shape and cipher kind, decided once (rec_init), and the
 * checks every record call makes whatever its kind — input and output sizes, the sequence
 * number, the received header — before the kind seals or opens (record_int.h). */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include "record_int.h"

#define TLS_HDR 5
#define DTLS_HDR 13
#define TLS13_MAX_BODY (16384 + 256) /* behavior.md §2.3: records of 22..16640 bytes */

/* The shape of key k's records (behavior.md §2.1–2.4): the suite's shape under the key's
 * protocol (suite_shape_of), and what the protocol adds. TLS 1.3 write keys carry
 * PROTO_TLS13; the header's version is the legacy 0x0303 (RFC 8446 §5.1). */
static void shape_of(struct rec_shape *sh, const struct secret_key *k)
{
    const struct suite *s = k->suite;
    bool tls13 = k->kind == KEY_WRITE;
    DWORD v = tls13 ? 0x0303 : proto_to_dword(k->proto);
    struct suite_shape ss;

    suite_shape_of(s, tls13 ? PROTO_TLS13 : k->proto, &ss);
    sh->tls13 = tls13;
    sh->dtls = !tls13 && proto_is_dtls(k->proto);
    sh->hdr_len = sh->dtls ? DTLS_HDR : TLS_HDR;
    sh->version[0] = (uint8_t)(v >> 8);
    sh->version[1] = (uint8_t)v;
    sh->ssl3 = !tls13 && k->proto == PROTO_SSL3;
    sh->max_in = tls13 ? REC13_MAX_INNER : REC_MAX_PLAINTEXT;
    sh->max_body = tls13 ? TLS13_MAX_BODY : REC_MAX_BODY;
    sh->min_data = tls13 ? 1 : 0;
    sh->auth_failure = tls13 ? STATUS_AUTH_TAG_MISMATCH : NTE_DECRYPTION_FAILURE;
    sh->explicit_len = ss.explicit_len;
    sh->block = ss.pad_block;
    sh->chained_iv = ss.chained_iv;
    sh->mac_md = s->mac;
    sh->mac_len = ss.mac_len;
    sh->tag_len = ss.tag_len;
    sh->ccm = s->cipher->mode == MODE_CCM;
    sh->nonce = !ss.aead ? NONCE_NONE : ss.xor_nonce ? NONCE_XOR : NONCE_EXPLICIT;
    sh->aad = tls13 ? AAD_HEADER : AAD_PSEUDO;
}

/* SSL 3.0's MAC is not HMAC, and SHA-384 and 3DES have no stitched cipher: those CBC suites
 * take the general EVP calls. */
static const struct rec_kind *kind_of(const struct rec *r, const struct suite *s)
{
    switch (s->cipher->mode) {
    case MODE_NULL:
    case MODE_STREAM:
        return &rec_kind_stream;
    case MODE_CBC:
        return !r->s.ssl3 && backend_stitched(r->be, s->cipher->id, s->mac) != NULL ? &rec_kind_stitched
                                                                                : &rec_kind_cbc;
    default:
        return &rec_kind_aead;
    }
}

void rec_free(struct rec *r)
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

SECURITY_STATUS rec_init(struct secret_key *k)
{
    const struct suite *s = k->suite;
    struct rec *r;
    SECURITY_STATUS st;

    if (s->cipher->id != CIPHER_NULL && k->hdr.prov->be.cipher[s->cipher->id] == NULL)
        return NTE_NOT_SUPPORTED; /* RC4/DES without the legacy provider (conventions.md §8) */
    if ((r = OPENSSL_zalloc(sizeof(*r))) == NULL)
        return NTE_NO_MEMORY;
    r->be = &k->hdr.prov->be;
    shape_of(&r->s, k);
    r->kind = kind_of(r, s);
    if ((st = r->kind->init(r, k)) != SEC_E_OK) {
        rec_free(r);
        return st;
    }
    k->rec = r;
    return SEC_E_OK;
}

bool rec_exportable(const struct secret_key *k)
{
    return k->rec == NULL || !k->rec->rc4_used;
}

/* The body a record of in_len input bytes gets: CBC pads to the block with the minimum
 * padding (1..block bytes, each equal to the count - 1). */
static size_t body_len(const struct rec_shape *s, size_t in_len)
{
    if (s->block != 0)
        return s->explicit_len + (in_len + s->mac_len) / s->block * s->block + s->block;
    return s->explicit_len + in_len + s->mac_len + s->tag_len;
}

SECURITY_STATUS rec_seal(struct secret_key *k, const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *out_len, uint64_t seq, uint8_t type)
{
    struct rec *r = k->rec;
    size_t total;
    SECURITY_STATUS st;

    /* TLS 1.3: the inner plaintext has at least its type byte */
    if (in_len < r->s.min_data || in_len > r->s.max_in)
        return NTE_INVALID_PARAMETER;
    total = r->s.hdr_len + body_len(&r->s, in_len);
    if (out_cap < total)
        return NTE_BUFFER_TOO_SMALL;
    /* a sequence number at its maximum cannot be followed by another (RFC 5246 §6.1, RFC 6347
     * §4.1, RFC 8446 §5.3: rekey instead of wrapping); DTLS: the 48-bit part within its epoch.
     * No nonce reuse within one key object (conventions.md §5). */
    if (seq == (r->s.dtls ? seq | REC_DTLS_SEQ_MASK : UINT64_MAX) ||
        (r->s.tag_len != 0 && seq < k->seq_mark))
        return NTE_INVALID_PARAMETER;
    if ((st = r->kind->seal(k, in, in_len, out, total, seq, type)) == SEC_E_OK)
        *out_len = total;
    return st;
}

/* behavior.md §2.2: framing checks, all NTE_BAD_DATA. TLS 1.3: the outer type and version are
 * the caller's to check (§2.3). */
SECURITY_STATUS rec_open(struct secret_key *k, uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_cap, size_t *out_len, uint64_t seq)
{
    const struct rec *r = k->rec;
    unsigned v;
    size_t body;
    SECURITY_STATUS st;

    if (in_len < r->s.hdr_len || (in[1] == 0xFE) != r->s.dtls)
        return NTE_BAD_DATA;
    v = (unsigned)in[1] << 8 | in[2];
    if (!r->s.tls13 && !((v >= 0x0300 && v <= 0x0303) || v == 0xFEFF || v == 0xFEFD))
        return NTE_BAD_DATA;
    body = (size_t)in[r->s.hdr_len - 2] << 8 | in[r->s.hdr_len - 1];
    if (r->s.hdr_len + body != in_len || body > r->s.max_body)
        return NTE_BAD_DATA;
    if (r->kind->marks_errors)
        return r->kind->open(k, in, body, out, out_cap, out_len, seq);
    ERR_set_mark();
    st = r->kind->open(k, in, body, out, out_cap, out_len, seq);
    ERR_pop_to_mark();
    return st;
}
