#include <string.h>
#include <openssl/crypto.h>
#include "handles.h"
#include "transcript.h"
#include "wstr.h"

#define SSL3_PAD_MD5 48
#define SSL3_PAD_SHA1 40
#define TLS_FINISHED_LEN 12
#define TLS12_FINISHED_MAX 64
#define SSL3_FINISHED_LEN 36

static void transcript_destroy(struct object *obj)
{
    struct transcript *t = (struct transcript *)obj;

    EVP_MD_CTX_free(t->ctx[0]); /* frees (and clears) the digest state */
    EVP_MD_CTX_free(t->ctx[1]);
    pthread_mutex_destroy(&t->lock);
    OPENSSL_clear_free(t, sizeof(*t));
}

/* The PRF hash, except that SSL 3.0 (no PRF) hashes MD5 and SHA-1 side by side too. */
enum md_id transcript_md(enum proto p, const struct suite *s)
{
    return p == PROTO_SSL3 ? MD_MD5_SHA1 : suite_prf_md(s, p);
}

SECURITY_STATUS transcript_create(struct provider *prov, enum proto p, const struct suite *s,
                                  ULONG_PTR *out)
{
    return transcript_create_md(prov, p, s, transcript_md(p, s), out);
}

SECURITY_STATUS transcript_create_md(struct provider *prov, enum proto p, const struct suite *s,
                                     enum md_id md, ULONG_PTR *out)
{
    SECURITY_STATUS st = NTE_NO_MEMORY;
    struct transcript *t;

    *out = 0;
    if (md == MD_NONE)
        return NTE_NOT_SUPPORTED;
    if ((t = OPENSSL_zalloc(sizeof(*t))) == NULL)
        return NTE_NO_MEMORY;
    pthread_mutex_init(&t->lock, NULL);
    obj_init(&t->hdr, OBJ_HASH, prov, transcript_destroy);
    t->proto = p;
    t->suite = s;
    t->md = md;
    t->cr_state = p == PROTO_TLS13 && keylog_enabled(&prov->log) ? CR_PENDING : CR_NONE;
    if ((t->ctx[0] = EVP_MD_CTX_new()) == NULL)
        goto out;
    if (md == MD_MD5_SHA1) {
        if ((t->ctx[1] = EVP_MD_CTX_new()) == NULL ||
            !EVP_DigestInit_ex(t->ctx[0], prov->be.md[MD_MD5], NULL) ||
            !EVP_DigestInit_ex(t->ctx[1], prov->be.md[MD_SHA1], NULL))
            goto out;
    } else if (!EVP_DigestInit_ex(t->ctx[0], prov->be.md[md], NULL)) {
        goto out;
    }
    st = handle_create(&t->hdr, out);
out:
    if (st != SEC_E_OK)
        obj_unref(&t->hdr);
    return st;
}

#define HS_CLIENT_HELLO 1
#define HS_MESSAGE_HASH 254

/* RFC 8446 §4.1.2/§4.4.1: the stream starts with ClientHello, or with the message_hash that
 * replaces ClientHello1 after a HelloRetryRequest; the random follows the 4-byte header and
 * legacy_version. Anything else: no ClientHello, nothing to log. */
static void find_client_random(struct transcript *t, const uint8_t *in, size_t len)
{
    const uint8_t *p = t->prefix;
    size_t take = sizeof(t->prefix) - t->prefix_len, off = 0;

    memcpy(t->prefix + t->prefix_len, in, len < take ? len : take);
    t->prefix_len += len < take ? len : take;
    if (p[0] == HS_MESSAGE_HASH) {
        if (t->prefix_len < 4)
            return;
        off = 4 + ((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
        if (off > 4 + TRANSCRIPT_MAX_DIGEST) {
            t->cr_state = CR_NONE;
            return;
        }
    }
    if (t->prefix_len <= off)
        return;
    if (p[off] != HS_CLIENT_HELLO)
        t->cr_state = CR_NONE;
    else if (t->prefix_len >= off + 6 + KEYLOG_RANDOM_LEN)
        t->cr_state = CR_KNOWN;
}

bool transcript_client_random(const struct transcript *t, uint8_t random[KEYLOG_RANDOM_LEN])
{
    size_t off = 0;

    if (t == NULL || t->cr_state != CR_KNOWN)
        return false;
    if (t->prefix[0] == HS_MESSAGE_HASH)
        off = 4 + ((size_t)t->prefix[1] << 16 | (size_t)t->prefix[2] << 8 | t->prefix[3]);
    memcpy(random, t->prefix + off + 6, KEYLOG_RANDOM_LEN);
    return true;
}

SECURITY_STATUS transcript_update(struct transcript *t, const uint8_t *in, size_t len)
{
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&t->lock);
    t->have_digest = false;
    if (t->cr_state == CR_PENDING && len > 0)
        find_client_random(t, in, len);
    for (int i = 0; i < 2 && t->ctx[i] != NULL && st == SEC_E_OK; i++)
        if (!EVP_DigestUpdate(t->ctx[i], in, len))
            st = NTE_INTERNAL_ERROR;
    pthread_mutex_unlock(&t->lock);
    return st;
}

/* Finish a copy of ctx after feeding it the extra parts: the running hash goes on. */
static SECURITY_STATUS digest_copy(const EVP_MD_CTX *ctx, const uint8_t *const parts[],
                                   const size_t lens[], size_t n, uint8_t *out)
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    EVP_MD_CTX *dup = EVP_MD_CTX_new();

    if (dup == NULL)
        return NTE_NO_MEMORY;
    if (!EVP_MD_CTX_copy_ex(dup, ctx))
        goto out;
    for (size_t i = 0; i < n; i++)
        if (!EVP_DigestUpdate(dup, parts[i], lens[i]))
            goto out;
    if (EVP_DigestFinal_ex(dup, out, NULL))
        st = SEC_E_OK;
out:
    EVP_MD_CTX_free(dup);
    return st;
}

/* The running hash (both halves of the dual hash) finished on copies, now. */
static SECURITY_STATUS finish_running(const struct transcript *t, uint8_t *out, size_t *out_len)
{
    SECURITY_STATUS st;

    if ((st = digest_copy(t->ctx[0], NULL, NULL, 0, out)) != SEC_E_OK)
        return st;
    *out_len = (size_t)EVP_MD_CTX_get_size(t->ctx[0]);
    if (t->ctx[1] != NULL) {
        if ((st = digest_copy(t->ctx[1], NULL, NULL, 0, out + *out_len)) != SEC_E_OK)
            return st;
        *out_len += (size_t)EVP_MD_CTX_get_size(t->ctx[1]);
    }
    return SEC_E_OK;
}

SECURITY_STATUS transcript_digest(struct transcript *t, uint8_t *out, size_t *out_len)
{
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&t->lock);
    if (!t->have_digest && (st = finish_running(t, t->digest, &t->digest_len)) == SEC_E_OK)
        t->have_digest = true;
    if (st == SEC_E_OK) {
        memcpy(out, t->digest, t->digest_len);
        *out_len = t->digest_len;
    }
    pthread_mutex_unlock(&t->lock);
    return st;
}

/* RFC 6101 §5.6.9: hash(ms || pad2 || hash(handshake || sender || ms || pad1)), for MD5 and
 * SHA-1 with their own pad lengths; §5.6.8 (CertificateVerify) is the same without a sender. */
static SECURITY_STATUS ssl3_finished_half(const struct backend *be, const EVP_MD_CTX *running,
                                          enum md_id md, size_t pad_len, const uint8_t *sender,
                                          size_t sender_len, const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                          uint8_t *out)
{
    uint8_t pad1[SSL3_PAD_MD5], pad2[SSL3_PAD_MD5], inner[EVP_MAX_MD_SIZE];
    const uint8_t *p_inner[3] = {sender, ms, pad1}, *p_outer[3] = {pad2, inner, NULL};
    size_t l_inner[3] = {sender_len, KDF12_MASTER_SECRET_LEN, pad_len};
    size_t l_outer[3] = {pad_len, md_size(md), 0};
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    EVP_MD_CTX *outer = EVP_MD_CTX_new();

    memset(pad1, 0x36, sizeof(pad1));
    memset(pad2, 0x5c, sizeof(pad2));
    if (outer == NULL)
        return NTE_NO_MEMORY;
    if ((st = digest_copy(running, p_inner, l_inner, 3, inner)) != SEC_E_OK)
        goto out;
    st = NTE_INTERNAL_ERROR;
    if (EVP_DigestInit_ex(outer, be->md[md], NULL) &&
        EVP_DigestUpdate(outer, ms, KDF12_MASTER_SECRET_LEN) &&
        EVP_DigestUpdate(outer, p_outer[0], l_outer[0]) &&
        EVP_DigestUpdate(outer, p_outer[1], l_outer[1]) && EVP_DigestFinal_ex(outer, out, NULL))
        st = SEC_E_OK;
out:
    OPENSSL_cleanse(inner, sizeof(inner));
    EVP_MD_CTX_free(outer);
    return st;
}

SECURITY_STATUS transcript_finished12(struct transcript *t, const struct master_key *mk,
                                      bool sender_client, uint8_t *out, size_t out_len)
{
    const struct backend *be = &mk->hdr.prov->be;
    uint8_t hash[TRANSCRIPT_MAX_DIGEST];
    const uint8_t *seed[1] = {hash};
    size_t hash_len;
    SECURITY_STATUS st;

    if (mk->proto == PROTO_SSL3) {
        static const uint8_t client[4] = {'C', 'L', 'N', 'T'}, server[4] = {'S', 'R', 'V', 'R'};
        const uint8_t *sender = sender_client ? client : server;

        if (out_len != SSL3_FINISHED_LEN)
            return NTE_BAD_LEN;
        st = ssl3_finished_half(be, t->ctx[0], MD_MD5, SSL3_PAD_MD5, sender, 4, mk->ms, out);
        if (st == SEC_E_OK)
            st = ssl3_finished_half(be, t->ctx[1], MD_SHA1, SSL3_PAD_SHA1, sender, 4, mk->ms, out + 16);
        if (st != SEC_E_OK)
            OPENSSL_cleanse(out, out_len);
        return st;
    }
    if (mk->proto == PROTO_TLS12 || mk->proto == PROTO_DTLS12) {
        if (out_len < TLS_FINISHED_LEN || out_len > TLS12_FINISHED_MAX)
            return NTE_BAD_LEN;
    } else if (out_len != TLS_FINISHED_LEN) {
        return NTE_BAD_LEN;
    }
    if ((st = transcript_digest(t, hash, &hash_len)) != SEC_E_OK)
        return st;
    /* RFC 5246 §7.4.9 (RFC 2246 §7.4.9: the same with MD5 || SHA-1 as hash and PRF) */
    return kdf12_prf(be, t->md, mk->ms, sizeof(mk->ms),
                     sender_client ? "client finished" : "server finished", seed, &hash_len, 1,
                     out, out_len);
}

/* ---- CertificateVerify hashes ---- */

#define MD5_LEN 16
#define SHA1_LEN 20

/* What SslComputeClientAuthHash computes from a TLS <= 1.2 master key and a hash object
 * (behavior.md §8.4): the object's kind decides, the master key only for SSL 3.0. */
enum client_auth {
    CA_SSL3_RSA,  /* SSL 3.0 pads over the master secret, MD5 || SHA-1 (36) */
    CA_SSL3_DSA,  /* the SHA-1 half (20) */
    CA_DUAL_RSA,  /* TLS 1.0/1.1/DTLS 1.0: MD5 || SHA-1 of the messages (36) */
    CA_DUAL_SHA1, /* their SHA-1 (20) */
    CA_SINGLE,    /* TLS 1.2 / SslCreateClientAuthHash objects: the object's hash */
};

static SECURITY_STATUS client_auth_kind(const struct transcript *t, const struct master_key *mk,
                                        LPCWSTR alg, enum client_auth *kind, size_t *len)
{
    /* names Windows compares exactly; SSL 3.0 has no ECDSA (behavior.md §8.4.3, §8.4.6) */
    static const char *const sha1_names[] = {"DSA", "ECDSA", "ECDSA_P256", "ECDSA_P384", "ECDSA_P521"};
    bool ssl3 = mk->proto == PROTO_SSL3;

    if (t->md != MD_MD5_SHA1) {
        if (ssl3)
            return NTE_INVALID_PARAMETER; /* the SSL 3.0 pads need MD5 and SHA-1 of the messages */
        *kind = CA_SINGLE;
        *len = md_size(t->md);
        return SEC_E_OK;
    }
    if (alg == NULL)
        return NTE_INVALID_PARAMETER;
    if (wstr_is_ascii(alg, "RSA")) {
        *kind = ssl3 ? CA_SSL3_RSA : CA_DUAL_RSA;
        *len = MD5_LEN + SHA1_LEN;
        return SEC_E_OK;
    }
    for (size_t i = 0; i < (ssl3 ? 1 : sizeof(sha1_names) / sizeof(sha1_names[0])); i++)
        if (wstr_is_ascii(alg, sha1_names[i])) {
            *kind = ssl3 ? CA_SSL3_DSA : CA_DUAL_SHA1;
            *len = SHA1_LEN;
            return SEC_E_OK;
        }
    return NTE_NOT_SUPPORTED;
}

SECURITY_STATUS transcript_client_auth12(struct transcript *t, const struct master_key *mk, LPCWSTR alg,
                                         uint8_t *out, size_t out_cap, size_t *len)
{
    const struct backend *be = &mk->hdr.prov->be;
    uint8_t both[TRANSCRIPT_MAX_DIGEST];
    size_t both_len;
    enum client_auth kind;
    SECURITY_STATUS st;

    if ((st = client_auth_kind(t, mk, alg, &kind, len)) != SEC_E_OK || out == NULL)
        return st;
    if (out_cap < *len)
        return NTE_BUFFER_TOO_SMALL;
    switch (kind) {
    case CA_SSL3_RSA:
        st = ssl3_finished_half(be, t->ctx[0], MD_MD5, SSL3_PAD_MD5, NULL, 0, mk->ms, out);
        if (st == SEC_E_OK)
            st = ssl3_finished_half(be, t->ctx[1], MD_SHA1, SSL3_PAD_SHA1, NULL, 0, mk->ms, out + MD5_LEN);
        break;
    case CA_SSL3_DSA:
        st = ssl3_finished_half(be, t->ctx[1], MD_SHA1, SSL3_PAD_SHA1, NULL, 0, mk->ms, out);
        break;
    default:
        /* MD5 || SHA-1, or the single hash, of everything so far; the hash goes on */
        if ((st = transcript_digest(t, both, &both_len)) == SEC_E_OK)
            memcpy(out, kind == CA_DUAL_SHA1 ? both + MD5_LEN : both, *len);
        OPENSSL_cleanse(both, sizeof(both));
        break;
    }
    if (st != SEC_E_OK)
        OPENSSL_cleanse(out, *len);
    return st;
}

SECURITY_STATUS transcript_cert_verify13(struct transcript *t, enum md_id h, bool server, uint8_t *out)
{
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify",
                      server_ctx[] = "TLS 1.3, server CertificateVerify";
    /* 64 spaces, the context string and its 0 byte, the transcript hash (RFC 8446 §4.4.3) */
    uint8_t content[64 + sizeof(client_ctx) + TRANSCRIPT_MAX_DIGEST];
    size_t hash_len;
    SECURITY_STATUS st;

    memset(content, 0x20, 64);
    memcpy(content + 64, server ? server_ctx : client_ctx, sizeof(client_ctx));
    if ((st = transcript_digest(t, content + 64 + sizeof(client_ctx), &hash_len)) != SEC_E_OK)
        return st;
    return EVP_Digest(content, 64 + sizeof(client_ctx) + hash_len, out, NULL, t->hdr.prov->be.md[h], NULL)
               ? SEC_E_OK
               : NTE_INTERNAL_ERROR;
}

SECURITY_STATUS transcript_duplicate(const struct transcript *t, ULONG_PTR *out)
{
    SECURITY_STATUS st = NTE_NO_MEMORY;
    struct transcript *d;

    *out = 0;
    if ((d = OPENSSL_zalloc(sizeof(*d))) == NULL)
        return NTE_NO_MEMORY;
    pthread_mutex_init(&d->lock, NULL);
    obj_init(&d->hdr, OBJ_HASH, t->hdr.prov, transcript_destroy);
    d->proto = t->proto;
    d->suite = t->suite;
    d->md = t->md;
    d->cr_state = t->cr_state;
    d->prefix_len = t->prefix_len;
    memcpy(d->prefix, t->prefix, sizeof(d->prefix));
    for (int i = 0; i < 2 && t->ctx[i] != NULL; i++)
        if ((d->ctx[i] = EVP_MD_CTX_new()) == NULL || !EVP_MD_CTX_copy_ex(d->ctx[i], t->ctx[i]))
            goto out;
    st = handle_create(&d->hdr, out);
out:
    if (st != SEC_E_OK)
        obj_unref(&d->hdr);
    return st;
}
