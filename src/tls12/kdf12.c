/* SSL 3.0 / TLS 1.0-1.2 / DTLS key schedule (api.md E2, E4, §8.1-§8.3). The TLS PRF is one
 * EVP_KDF "TLS1-PRF" call with a hash parameter for every version; SSL 3.0, which has no PRF,
 * is the one construction built by hand from the backend's MD5 and SHA-1. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/md5.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>
#include "kdf12.h"

/* The hashes a TLS PRF is defined for: MD5||SHA-1 (RFC 2246 §5) and the TLS 1.2 P_hash
 * hashes (RFC 5246 §5). NULL for anything else. */
static const char *prf_md_name(enum md_id md)
{
    switch (md) {
    case MD_MD5_SHA1:
    case MD_SHA256:
    case MD_SHA384:
    case MD_SHA512:
        return md_ossl_name(md);
    default:
        return NULL;
    }
}

/* Does protocol p have this key schedule, and is md its PRF hash (suite_prf_md)? */
static SECURITY_STATUS check_proto_md(enum proto p, enum md_id md)
{
    switch (p) {
    case PROTO_SSL3:
        return md == MD_NONE ? SEC_E_OK : NTE_INVALID_PARAMETER;
    case PROTO_TLS10:
    case PROTO_TLS11:
    case PROTO_DTLS10:
        return md == MD_MD5_SHA1 ? SEC_E_OK : NTE_INVALID_PARAMETER;
    case PROTO_TLS12:
    case PROTO_DTLS12:
        return md != MD_MD5_SHA1 && prf_md_name(md) != NULL ? SEC_E_OK : NTE_INVALID_PARAMETER;
    default: /* SSL 2.0 has no derived master secret; TLS 1.3 uses HKDF (kdf13) */
        return NTE_NOT_SUPPORTED;
    }
}

/* label || seed parts, in bytes, saturating. */
static size_t seed_total(const char *label, const size_t seed_len[], size_t nseed)
{
    size_t n = strlen(label);

    for (size_t i = 0; i < nseed; i++)
        n = seed_len[i] > SIZE_MAX - n ? SIZE_MAX : n + seed_len[i];
    return n;
}

SECURITY_STATUS kdf12_prf(const struct backend *be, enum md_id md, const uint8_t *secret,
                          size_t secret_len, const char *label, const uint8_t *const seed[],
                          const size_t seed_len[], size_t nseed, uint8_t *out, size_t out_len)
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    OSSL_PARAM params[3 + KDF12_MAX_SEED_PARTS + 1], *pp = params;
    const char *mdname = prf_md_name(md);
    EVP_KDF_CTX *kctx = NULL;

    /* an empty secret is a secret too (RFC 2716 §3.5's IVs); a missing one is not */
    if (be == NULL || be->tls1_prf == NULL || mdname == NULL || secret == NULL || label == NULL || label[0] == '\0' || nseed > KDF12_MAX_SEED_PARTS ||
        (nseed > 0 && (seed == NULL || seed_len == NULL)) || out == NULL || out_len == 0)
        return NTE_INVALID_PARAMETER;
    for (size_t i = 0; i < nseed; i++)
        if (seed[i] == NULL && seed_len[i] != 0)
            return NTE_INVALID_PARAMETER;

    ERR_set_mark();
    if ((kctx = EVP_KDF_CTX_new(be->tls1_prf)) == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    /* RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed). The SEED
     * parameters concatenate in order, so the label is simply the first part. */
    *pp++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)mdname, 0);
    *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    for (size_t i = 0; i < nseed; i++)
        if (seed_len[i] > 0)
            *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed[i],
                                                      seed_len[i]);
    *pp = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, out, out_len, params) <= 0) {
        /* Some OpenSSL 3 releases (3.0 and 3.2 among them) keep the seed in a fixed
         * 1024-byte buffer: say so rather than report an internal error (RFC 5705 §4
         * contexts may be up to 65535 bytes). */
        if (seed_total(label, seed_len, nseed) > KDF12_OSSL_SEED_CAP)
            st = NTE_NOT_SUPPORTED;
        goto out;
    }
    st = SEC_E_OK;
out:
    if (st != SEC_E_OK)
        OPENSSL_cleanse(out, out_len);
    EVP_KDF_CTX_free(kctx); /* the KDF wipes its copy of the secret */
    ERR_pop_to_mark();
    return st;
}

/* RFC 6101 §6.1 (master_secret) and §6.2.2 (key_block): block i (from 1) is
 * MD5(secret || SHA1(L_i || secret || r1 || r2)) with L_i the letter 'A' + i - 1 repeated
 * i times, concatenated until out_len bytes exist. */
static SECURITY_STATUS ssl3_derive(const struct backend *be, const uint8_t *secret,
                                   size_t secret_len, const uint8_t r1[KDF12_RANDOM_LEN],
                                   const uint8_t r2[KDF12_RANDOM_LEN], uint8_t *out,
                                   size_t out_len)
{
    SECURITY_STATUS st = NTE_INTERNAL_ERROR;
    uint8_t letters[KDF12_SSL3_MAX_OUT / MD5_DIGEST_LENGTH];
    uint8_t sha[SHA_DIGEST_LENGTH], md5[MD5_DIGEST_LENGTH];
    EVP_MD_CTX *ctx = NULL;
    size_t done = 0;

    if (out_len > KDF12_SSL3_MAX_OUT)
        return NTE_INVALID_PARAMETER;
    ERR_set_mark();
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    for (size_t i = 1; done < out_len; i++) {
        size_t n = out_len - done < sizeof(md5) ? out_len - done : sizeof(md5);

        memset(letters, 'A' + (int)(i - 1), i);
        if (!EVP_DigestInit_ex2(ctx, be->md[MD_SHA1], NULL) ||
            !EVP_DigestUpdate(ctx, letters, i) || !EVP_DigestUpdate(ctx, secret, secret_len) ||
            !EVP_DigestUpdate(ctx, r1, KDF12_RANDOM_LEN) ||
            !EVP_DigestUpdate(ctx, r2, KDF12_RANDOM_LEN) || !EVP_DigestFinal_ex(ctx, sha, NULL) ||
            !EVP_DigestInit_ex2(ctx, be->md[MD_MD5], NULL) ||
            !EVP_DigestUpdate(ctx, secret, secret_len) || !EVP_DigestUpdate(ctx, sha, sizeof(sha)) ||
            !EVP_DigestFinal_ex(ctx, md5, NULL))
            goto out;
        memcpy(out + done, md5, n);
        done += n;
    }
    st = SEC_E_OK;
out:
    OPENSSL_cleanse(sha, sizeof(sha));
    OPENSSL_cleanse(md5, sizeof(md5));
    if (st != SEC_E_OK)
        OPENSSL_cleanse(out, out_len);
    EVP_MD_CTX_free(ctx); /* the digest implementations wipe their state on free */
    ERR_pop_to_mark();
    return st;
}

SECURITY_STATUS kdf12_master_secret(const struct backend *be, enum proto p, enum md_id prf_md,
                                    const uint8_t *pms, size_t pms_len,
                                    const uint8_t cr[KDF12_RANDOM_LEN],
                                    const uint8_t sr[KDF12_RANDOM_LEN],
                                    const uint8_t *session_hash, size_t session_hash_len,
                                    uint8_t ms[KDF12_MASTER_SECRET_LEN])
{
    SECURITY_STATUS st;

    if (be == NULL || pms == NULL || pms_len == 0 || ms == NULL)
        return NTE_INVALID_PARAMETER;
    /* RFC 7627 defines EMS for TLS only; SSL 3.0 has no session hash (conventions.md §2). */
    if (p == PROTO_SSL3 && session_hash != NULL)
        return NTE_NOT_SUPPORTED;
    if ((st = check_proto_md(p, prf_md)) != SEC_E_OK)
        return st;

    if (session_hash != NULL) {
        /* RFC 7627 §4: the session hash replaces the randoms and has the PRF hash's length. */
        const uint8_t *seed[1] = {session_hash};
        const size_t seed_len[1] = {session_hash_len};

        if (session_hash_len != md_size(prf_md))
            return NTE_INVALID_PARAMETER;
        return kdf12_prf(be, prf_md, pms, pms_len, "extended master secret", seed, seed_len, 1,
                         ms, KDF12_MASTER_SECRET_LEN);
    }
    if (cr == NULL || sr == NULL)
        return NTE_INVALID_PARAMETER;
    if (p == PROTO_SSL3) /* RFC 6101 §6.1 */
        return ssl3_derive(be, pms, pms_len, cr, sr, ms, KDF12_MASTER_SECRET_LEN);
    /* RFC 5246 §8.1, RFC 2246 §8.1 */
    const uint8_t *seed[2] = {cr, sr};
    const size_t seed_len[2] = {KDF12_RANDOM_LEN, KDF12_RANDOM_LEN};
    return kdf12_prf(be, prf_md, pms, pms_len, "master secret", seed, seed_len, 2, ms,
                     KDF12_MASTER_SECRET_LEN);
}

SECURITY_STATUS kdf12_key_block(const struct backend *be, enum proto p, enum md_id prf_md,
                                const uint8_t ms[KDF12_MASTER_SECRET_LEN],
                                const uint8_t cr[KDF12_RANDOM_LEN],
                                const uint8_t sr[KDF12_RANDOM_LEN], uint8_t *out, size_t out_len)
{
    SECURITY_STATUS st;

    if (be == NULL || ms == NULL || cr == NULL || sr == NULL || out == NULL || out_len == 0)
        return NTE_INVALID_PARAMETER;
    if ((st = check_proto_md(p, prf_md)) != SEC_E_OK)
        return st;
    /* Both constructions take the server random first here, unlike the master secret. */
    if (p == PROTO_SSL3) /* RFC 6101 §6.2.2 */
        return ssl3_derive(be, ms, KDF12_MASTER_SECRET_LEN, sr, cr, out, out_len);
    /* RFC 5246 §6.3, RFC 2246 §6.3 */
    const uint8_t *seed[2] = {sr, cr};
    const size_t seed_len[2] = {KDF12_RANDOM_LEN, KDF12_RANDOM_LEN};
    return kdf12_prf(be, prf_md, ms, KDF12_MASTER_SECRET_LEN, "key expansion", seed, seed_len, 2,
                     out, out_len);
}

void kdf12_layout(const struct suite *s, enum proto p, struct key_block_layout *out)
{
    struct suite_shape sh;

    memset(out, 0, sizeof(*out));
    if (s == NULL || p == PROTO_SSL2 || p == PROTO_TLS13 || !suite_has_proto(s, p) ||
        (s->flags & (SUITE_EXPORT | SUITE_SSL2)) != 0)
        return;
    /* the IV is the AEAD nonce's implicit part or the first CBC IV of SSL 3.0 / TLS 1.0;
     * stream and NULL ciphers and TLS 1.1+ CBC have none (suite_shape_of) */
    suite_shape_of(s, p, &sh);
    out->mac_key = sh.mac_key_len;
    out->enc_key = sh.key_len;
    out->iv = sh.fixed_iv_len;
    out->total = 2 * (out->mac_key + out->enc_key + out->iv);
}
