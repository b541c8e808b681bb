#include <string.h>
#include <openssl/crypto.h>
#include "handles.h"
#include "kdf13.h"
#include "kx12.h"
#include "schedule13.h"
#include "cng_names.h"

#define T13_IV_LEN 12

static enum md_id hash_of(const struct secret_key *k)
{
    return k->suite->prf;
}

static size_t hash_len(const struct secret_key *k)
{
    return md_size(hash_of(k));
}

SECURITY_STATUS s13_check(const struct object *obj, unsigned stage_mask)
{
    const struct secret_key *k = (const struct secret_key *)obj;

    if (obj->cls != OBJ_KEY || !k->has_proto || k->proto != PROTO_TLS13 ||
        !(stage_mask & (1u << k->kind)))
        return NTE_NOT_SUPPORTED;
    return SEC_E_OK;
}

SECURITY_STATUS s13_check_hash(const struct secret_key *k, const struct object *hash)
{
    const struct transcript *t = (const struct transcript *)hash;

    return t->proto == PROTO_TLS13 && t->md == hash_of(k) ? SEC_E_OK : NTE_INVALID_PARAMETER;
}

/* A new TLS 1.3 secret object of stage kind holding secret (the schedule's hash length). */
static SECURITY_STATUS new_secret(struct provider *prov, const struct suite *s, enum key_kind kind,
                                  const uint8_t *secret, const struct keylog_tag *tag, ULONG_PTR *out)
{
    struct secret_init init = {
        .kind = kind, .has_proto = true, .proto = PROTO_TLS13, .suite = s,
        .key = secret, .key_len = md_size(s->prf), .log = tag,
    };

    return secret_key_create(prov, &init, out);
}

/* What SSLKEYLOGFILE writes for a derived secret: its label, and for application traffic
 * secrets the side whose generations SslExpandNextGenTrafficKey numbers. */
struct log_as {
    const char *label; /* NULL: never logged */
    char side;
};

/* Transcript-Hash(t), once for every secret derived at the same point; a NULL t means no
 * messages: Hash(""). */
struct th {
    uint8_t hash[KDF13_MAX_HASH];
    size_t len;
    const struct transcript *t; /* for SSLKEYLOGFILE's client random */
};

static SECURITY_STATUS transcript_hash(const struct secret_key *base, struct transcript *t, struct th *th)
{
    th->t = t;
    th->len = hash_len(base);
    if (t != NULL)
        return transcript_digest(t, th->hash, &th->len);
    memcpy(th->hash, base->hdr.prov->be.empty_hash[hash_of(base)], th->len);
    return SEC_E_OK;
}

/* A derived secret as a new object of stage kind, logged when the transcript saw a
 * ClientHello. */
static SECURITY_STATUS secret_object(const struct secret_key *base, const uint8_t *secret, const struct th *th,
                                     enum key_kind kind, struct log_as as, ULONG_PTR *out)
{
    struct provider *prov = base->hdr.prov;
    struct keylog_tag tag = {.side = as.side};

    if (as.label != NULL && keylog_enabled(&prov->log) && transcript_client_random(th->t, tag.random)) {
        tag.on = true;
        keylog_line(&prov->log, as.label, tag.random, secret, hash_len(base));
    }
    return new_secret(prov, base->suite, kind, secret, tag.on && as.side ? &tag : NULL, out);
}

/* Derive-Secret(base, label, Transcript-Hash) as a new object (RFC 8446 §7.1). */
static SECURITY_STATUS derive(const struct secret_key *base, const char *label, const struct th *th,
                              enum key_kind kind, struct log_as as, ULONG_PTR *out)
{
    uint8_t secret[KDF13_MAX_HASH];
    SECURITY_STATUS st;

    *out = 0;
    st = kdf13_expand_label(&base->hdr.prov->be, hash_of(base), base->key, label, th->hash, th->len, secret,
                            hash_len(base));
    if (st == SEC_E_OK)
        st = secret_object(base, secret, th, kind, as, out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

SECURITY_STATUS s13_early(struct provider *prov, const struct suite *s, const struct secret_key *psk,
                          ULONG_PTR *out)
{
    uint8_t secret[KDF13_MAX_HASH];
    SECURITY_STATUS st;

    *out = 0;
    /* a resumption PSK is bound to its suite's hash (RFC 8446 §4.2.11) */
    if (psk != NULL && psk->has_proto && psk->suite->prf != s->prf)
        return NTE_INVALID_PARAMETER;
    st = kdf13_extract(&prov->be, s->prf, NULL, psk ? psk->key : NULL, psk ? psk->key_len : 0, secret);
    if (st == SEC_E_OK)
        st = new_secret(prov, s, KEY_EARLY, secret, NULL, out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

/* psk_ke (both keys NULL): a zero IKM (conventions.md §6). FFDHE secrets are padded to |p|. */
SECURITY_STATUS s13_handshake(const struct secret_key *early, const struct pkey_object *own,
                              const struct pkey_object *peer, ULONG_PTR *out)
{
    uint8_t *shared = NULL, secret[KDF13_MAX_HASH];
    size_t shared_len = 0;
    SECURITY_STATUS st;

    *out = 0;
    if (own != NULL) {
        if (!own->has_private)
            return NTE_NOT_SUPPORTED;
        if (own->group != peer->group || own->group == 0)
            return NTE_INVALID_PARAMETER;
        if ((shared = OPENSSL_malloc(KX12_MAX_SHARED)) == NULL)
            return NTE_NO_MEMORY;
        if ((st = kx12_dh(early->hdr.prov, own, peer, true, shared, &shared_len)) != SEC_E_OK)
            goto out;
    }
    st = kdf13_extract(&early->hdr.prov->be, hash_of(early), early->key, shared, shared_len, secret);
    if (st == SEC_E_OK)
        st = new_secret(early->hdr.prov, early->suite, KEY_HANDSHAKE, secret, NULL, out);
out:
    OPENSSL_clear_free(shared, KX12_MAX_SHARED);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

SECURITY_STATUS s13_master(const struct secret_key *hs, ULONG_PTR *out)
{
    uint8_t secret[KDF13_MAX_HASH];
    SECURITY_STATUS st;

    *out = 0;
    st = kdf13_extract(&hs->hdr.prov->be, hash_of(hs), hs->key, NULL, 0, secret);
    if (st == SEC_E_OK)
        st = new_secret(hs->hdr.prov, hs->suite, KEY_MASTER13, secret, NULL, out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

/* behavior.md §5: the labels come from the base key's stage. */
SECURITY_STATUS s13_traffic(const struct secret_key *base, struct transcript *t,
                            ULONG_PTR *client, ULONG_PTR *server)
{
    static const char *const labels[][2] = {
        [KEY_EARLY] = {"c e traffic", NULL},
        [KEY_HANDSHAKE] = {"c hs traffic", "s hs traffic"},
        [KEY_MASTER13] = {"c ap traffic", "s ap traffic"},
    };
    static const struct log_as log_as[][2] = {
        [KEY_EARLY] = {{"CLIENT_EARLY_TRAFFIC_SECRET", 0}, {NULL, 0}},
        [KEY_HANDSHAKE] = {{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", 0}, {"SERVER_HANDSHAKE_TRAFFIC_SECRET", 0}},
        [KEY_MASTER13] = {{"CLIENT_TRAFFIC_SECRET_0", 'C'}, {"SERVER_TRAFFIC_SECRET_0", 'S'}},
    };
    ULONG_PTR *outs[2] = {client, server};
    uint8_t secrets[2][KDF13_MAX_HASH];
    struct kdf13_expansion x[2];
    size_t n = 0;
    struct th th;
    SECURITY_STATUS st;

    if (server != NULL && labels[base->kind][1] == NULL)
        return NTE_INVALID_PARAMETER; /* early data flows from the client only */
    st = transcript_hash(base, t, &th);
    /* both sides from one KDF context */
    for (int i = 0; i < 2; i++)
        if (outs[i] != NULL) {
            *outs[i] = 0;
            x[n++] = (struct kdf13_expansion){labels[base->kind][i], th.hash, th.len, secrets[i], hash_len(base)};
        }
    if (st == SEC_E_OK)
        st = kdf13_expand_labels(&base->hdr.prov->be, hash_of(base), base->key, x, n);
    for (int i = 0; i < 2 && st == SEC_E_OK; i++)
        if (outs[i] != NULL)
            st = secret_object(base, secrets[i], &th, KEY_TRAFFIC, log_as[base->kind][i], outs[i]);
    if (st != SEC_E_OK && client != NULL && *client != 0) {
        handle_discard(*client);
        *client = 0;
    }
    OPENSSL_cleanse(secrets, sizeof(secrets));
    return st;
}

/* RFC 8446 §7.3: key = Expand-Label(secret, "key", "", key_length), iv = Expand-Label(secret,
 * "iv", "", 12). */
SECURITY_STATUS s13_write_key(const struct secret_key *traffic, ULONG_PTR *out)
{
    const struct backend *be = &traffic->hdr.prov->be;
    uint8_t key[32], iv[T13_IV_LEN];
    struct secret_init init = {
        .kind = KEY_WRITE, .has_proto = true, .proto = PROTO_TLS13, .suite = traffic->suite,
        .key = key, .key_len = traffic->suite->cipher->key_len, .iv = iv, .iv_len = T13_IV_LEN,
    };
    struct kdf13_expansion x[2] = {{"key", NULL, 0, key, init.key_len}, {"iv", NULL, 0, iv, T13_IV_LEN}};
    SECURITY_STATUS st;

    *out = 0;
    st = kdf13_expand_labels(be, hash_of(traffic), traffic->key, x, 2);
    if (st == SEC_E_OK)
        st = secret_key_create(traffic->hdr.prov, &init, out);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(iv, sizeof(iv));
    return st;
}

SECURITY_STATUS s13_exporter(const struct secret_key *base, struct transcript *t, ULONG_PTR *out)
{
    bool early = base->kind == KEY_EARLY;
    struct log_as as = {early ? "EARLY_EXPORTER_SECRET" : "EXPORTER_SECRET", 0};
    struct th th;
    SECURITY_STATUS st = transcript_hash(base, t, &th);

    *out = 0;
    return st == SEC_E_OK ? derive(base, early ? "e exp master" : "exp master", &th, KEY_EXPORTER, as, out) : st;
}

SECURITY_STATUS s13_resumption(const struct secret_key *master, struct transcript *t, ULONG_PTR *out)
{
    struct th th;
    SECURITY_STATUS st = transcript_hash(master, t, &th);

    *out = 0;
    return st == SEC_E_OK ? derive(master, "res master", &th, KEY_RESUMPTION, (struct log_as){NULL, 0}, out) : st;
}

SECURITY_STATUS s13_binder(const struct secret_key *early, bool external, ULONG_PTR *out)
{
    struct th th;
    SECURITY_STATUS st = transcript_hash(early, NULL, &th);

    *out = 0;
    return st == SEC_E_OK ? derive(early, external ? "ext binder" : "res binder", &th, KEY_BINDER,
                                   (struct log_as){NULL, 0}, out)
                          : st;
}

/* RFC 8446 §4.6.1: Expand-Label(resumption_master_secret, "resumption", ticket_nonce, L); the
 * PSK keeps the suite (its hash binds the next handshake). */
SECURITY_STATUS s13_psk(const struct secret_key *res, const uint8_t *nonce, size_t nonce_len, ULONG_PTR *out)
{
    uint8_t secret[KDF13_MAX_HASH];
    struct secret_init init = {
        .kind = KEY_PSK, .has_proto = true, .proto = PROTO_TLS13, .suite = res->suite,
        .key = secret, .key_len = hash_len(res),
    };
    SECURITY_STATUS st;

    *out = 0;
    st = kdf13_expand_label(&res->hdr.prov->be, hash_of(res), res->key, "resumption", nonce, nonce_len,
                            secret, hash_len(res));
    if (st == SEC_E_OK)
        st = secret_key_create(res->hdr.prov, &init, out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

/* RFC 8446 §7.2: application_traffic_secret_N+1 = Expand-Label(secret_N, "traffic upd", "", L) */
SECURITY_STATUS s13_next_traffic(const struct secret_key *traffic, ULONG_PTR *out)
{
    uint8_t secret[KDF13_MAX_HASH];
    struct keylog_tag tag = traffic->log;
    SECURITY_STATUS st;

    *out = 0;
    tag.gen++;
    st = kdf13_expand_label(&traffic->hdr.prov->be, hash_of(traffic), traffic->key, "traffic upd", NULL, 0,
                            secret, hash_len(traffic));
    if (st == SEC_E_OK)
        keylog_traffic(&traffic->hdr.prov->log, &tag, secret, hash_len(traffic));
    if (st == SEC_E_OK)
        st = new_secret(traffic->hdr.prov, traffic->suite, KEY_TRAFFIC, secret, tag.on ? &tag : NULL, out);
    OPENSSL_cleanse(secret, sizeof(secret));
    return st;
}

SECURITY_STATUS s13_finished(const struct secret_key *key, struct transcript *t, uint8_t *out,
                             size_t out_len)
{
    const struct backend *be = &key->hdr.prov->be;
    uint8_t fk[KDF13_MAX_HASH], hash[KDF13_MAX_HASH], mac[KDF13_MAX_HASH];
    size_t hlen = hash_len(key), tlen;
    SECURITY_STATUS st;

    if (out_len == 0 || out_len > hlen)
        return NTE_BAD_LEN; /* conventions.md §4 */
    st = kdf13_expand_label(be, hash_of(key), key->key, "finished", NULL, 0, fk, hlen);
    if (st == SEC_E_OK)
        st = transcript_digest(t, hash, &tlen);
    if (st == SEC_E_OK)
        st = kdf13_hmac(be, hash_of(key), fk, hash, tlen, mac);
    if (st == SEC_E_OK)
        memcpy(out, mac, out_len);
    OPENSSL_cleanse(fk, sizeof(fk));
    OPENSSL_cleanse(mac, sizeof(mac));
    return st;
}

SECURITY_STATUS s13_export(const struct secret_key *exporter, const char *label, const uint8_t *context,
                           size_t context_len, uint8_t *out, size_t out_len)
{
    const struct backend *be = &exporter->hdr.prov->be;
    uint8_t derived[KDF13_MAX_HASH], ctx_hash[KDF13_MAX_HASH];
    size_t hlen = hash_len(exporter);
    SECURITY_STATUS st;

    st = kdf13_expand_label(be, hash_of(exporter), exporter->key, label, be->empty_hash[hash_of(exporter)], hlen,
                            derived, hlen);
    if (st == SEC_E_OK)
        st = kdf13_hash(be, hash_of(exporter), context, context_len, ctx_hash);
    if (st == SEC_E_OK)
        st = kdf13_expand_label(be, hash_of(exporter), derived, "exporter", ctx_hash, hlen, out, out_len);
    OPENSSL_cleanse(derived, sizeof(derived));
    return st;
}

SECURITY_STATUS s13_client_auth(const struct secret_key *k, struct transcript *t, LPCWSTR alg,
                                bool server, uint8_t *out, size_t out_cap, size_t *len)
{
    enum md_id h;
    SECURITY_STATUS st;

    if ((st = s13_check_hash(k, &t->hdr)) != SEC_E_OK)
        return st;
    if (alg == NULL)
        return NTE_INVALID_PARAMETER;
    /* the signature schemes of RFC 8446 §4.2.3 hash with SHA-256/384/512 */
    h = md_by_cng_name(alg);
    if (h != MD_SHA256 && h != MD_SHA384 && h != MD_SHA512)
        return NTE_NOT_SUPPORTED;
    *len = md_size(h);
    if (out == NULL)
        return SEC_E_OK;
    if (out_cap < *len)
        return NTE_BUFFER_TOO_SMALL;
    return transcript_cert_verify13(t, h, server, out);
}
