/* (EC)DHE master secrets through the public API against libcrypto (issue 3): the peer is a
 * libcrypto key; its share enters through SslImportKey, ours leaves through SslExportKey, the
 * test derives the shared secret with libcrypto and the master secret with libcrypto's
 * TLS1-PRF; SslGenerateMasterKey must give the same. Groups: X25519, X448, P-256, P-384,
 * P-521, ffdhe2048 (TLS <= 1.2 strips the DH secret's leading zeros, RFC 5246 §8.1.2).
 * Negative twins: mixed groups, public-only own key, wrong kind of key, bad flags. */
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static BYTE cr[32], sr[32];

static void prf(const char *md, const BYTE *secret, size_t sl, BYTE out[48])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, sl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)"master secret", 13),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, cr, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, sr, 32),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF_derive(k, out, 48, p);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

/* libcrypto's share of peer as the blob type our API takes for that group. */
static DWORD peer_share(EVP_PKEY *peer, DWORD group, BYTE *blob)
{
    BYTE pub[1200];
    size_t n = 0;

    if (group >= 256) { /* BCRYPT_DH_PUBLIC_BLOB: p, g, y padded to cbKey */
        BIGNUM *p = NULL, *g = NULL, *y = NULL;
        int len;
        EVP_PKEY_get_bn_param(peer, OSSL_PKEY_PARAM_FFC_P, &p);
        EVP_PKEY_get_bn_param(peer, OSSL_PKEY_PARAM_FFC_G, &g);
        EVP_PKEY_get_bn_param(peer, OSSL_PKEY_PARAM_PUB_KEY, &y);
        len = BN_num_bytes(p);
        memcpy(blob, "DHPB", 4);
        memcpy(blob + 4, &len, 4);
        BN_bn2binpad(p, blob + 8, len);
        BN_bn2binpad(g, blob + 8 + len, len);
        BN_bn2binpad(y, blob + 8 + 2 * len, len);
        BN_free(p), BN_free(g), BN_free(y);
        return 8 + 3 * (DWORD)len;
    }
    /* SSL_ECCPUBLIC_BLOB: {dwCurveType, cbKey} + the TLS wire encoding */
    EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, sizeof(pub), &n);
    memcpy(blob, &group, 4);
    memcpy(blob + 4, &n, 4);
    memcpy(blob + 8, pub, n);
    return 8 + (DWORD)n;
}

/* Our share as a libcrypto key on the same group/domain as peer. */
static EVP_PKEY *our_share(NCRYPT_KEY_HANDLE eph, EVP_PKEY *peer, DWORD group)
{
    BYTE blob[2048];
    DWORD cb = 0;
    EVP_PKEY *k = NULL;

    if (group >= 256) {
        CHECK_ST(SslExportKey(prov, eph, BCRYPT_DH_PUBLIC_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
        DWORD len;
        memcpy(&len, blob + 4, 4);
        BIGNUM *y = BN_bin2bn(blob + 8 + 2 * len, (int)len, NULL);
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y);
        params = OSSL_PARAM_BLD_to_param(bld);
        EVP_PKEY_fromdata_init(c);
        CHECK(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) > 0);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        EVP_PKEY_CTX_free(c);
        BN_free(y);
        return k;
    }
    CHECK_ST(SslExportKey(prov, eph, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    k = EVP_PKEY_new();
    EVP_PKEY_copy_parameters(k, peer);
    if (EVP_PKEY_get_base_id(peer) != EVP_PKEY_EC) {
        EVP_PKEY_free(k);
        k = EVP_PKEY_new_raw_public_key_ex(NULL, EVP_PKEY_get0_type_name(peer), NULL, blob + 8, cb - 8);
    } else {
        EVP_PKEY_set1_encoded_public_key(k, blob + 8, cb - 8);
    }
    return k;
}

static size_t libcrypto_derive(EVP_PKEY *priv, EVP_PKEY *pub, BYTE *out)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(priv, NULL);
    size_t n = 1200;

    EVP_PKEY_derive_init(c);
    if (EVP_PKEY_is_a(priv, "DH"))
        EVP_PKEY_CTX_set_dh_pad(c, 0);
    EVP_PKEY_derive_set_peer(c, pub);
    CHECK(EVP_PKEY_derive(c, out, &n) > 0);
    EVP_PKEY_CTX_free(c);
    return n;
}

static void check_group(const char *ossl_type, const char *group_name, DWORD group, DWORD suite)
{
    const DWORD P = TLS1_2_PROTOCOL_VERSION;
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    EVP_PKEY *peer = group_name ? EVP_PKEY_Q_keygen(NULL, NULL, ossl_type, group_name) : EVP_PKEY_Q_keygen(NULL, NULL, ossl_type);
    NCRYPT_KEY_HANDLE eph = 0, pub = 0, mk = 0;
    BYTE blob[2048], shared[1200], want[48], got[48];
    DWORD cb = 0, blen;
    EVP_PKEY *ours;
    size_t sl;

    if (group >= 256) { /* the ffdhe group by name */
        EVP_PKEY_free(peer);
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
        EVP_PKEY_keygen_init(c);
        OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group_name, 0),
                          OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX_set_params(c, p);
        peer = NULL;
        EVP_PKEY_generate(c, &peer);
        EVP_PKEY_CTX_free(c);
    }
    CHECK(peer != NULL);
    CHECK_ST(SslCreateEphemeralKey(prov, &eph, P, suite, group, 0, NULL, 0, 0), SEC_E_OK);
    blen = peer_share(peer, group, blob);
    CHECK_ST(SslImportKey(prov, &pub, group >= 256 ? BCRYPT_DH_PUBLIC_BLOB : SSL_ECCPUBLIC_BLOB, blob, blen, 0), SEC_E_OK);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, suite, &d, NULL, 0, &cb, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK(cb == 0);
    ours = our_share(eph, peer, group);
    sl = libcrypto_derive(peer, ours, shared);
    prf(suite == TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ? "SHA384" : "SHA256", shared, sl, want);
    CHECK(master_blob_export(prov, mk, got));
    if (memcmp(got, want, 48) != 0)
        fprintf(stderr, "%s: master secret differs\n", group_name ? group_name : ossl_type);
    CHECK_MEM(got, want, 48);
    SslFreeObject(mk, 0);

    /* negative twins */
    CHECK_ST(SslGenerateMasterKey(prov, pub, eph, &mk, P, suite, &d, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG),
             NTE_NOT_SUPPORTED); /* a public-only share cannot be our private half */
    CHECK(mk == 0);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, suite, &d, NULL, 0, &cb, 0), NTE_BAD_FLAGS);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, suite, &d, NULL, 0, &cb, 4 | NCRYPT_SSL_CLIENT_FLAG),
             NTE_BAD_FLAGS);
    CHECK(mk == 0);
    /* as Windows' callers do it: pbOutput, cbOutput and pcbResult are not read on this path
     * (conventions.md §1 output sizes 1), and CLIENT|SERVER is a client */
    {
        BYTE junk[4] = {1, 2, 3, 4};

        CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, suite, &d, junk, 0, NULL, 3), SEC_E_OK);
        CHECK(master_blob_export(prov, mk, got) && junk[0] == 1 && junk[3] == 4);
        CHECK_MEM(got, want, 48);
        SslFreeObject(mk, 0);
    }
    CHECK_ST(SslGenerateMasterKey(prov, eph, 0, &mk, P, suite, &d, NULL, 0, &cb, 1), NTE_INVALID_HANDLE);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, suite, NULL, NULL, 0, &cb, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, NULL, P, suite, &d, NULL, 0, &cb, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGenerateMasterKey(prov, eph, pub, &mk, P, TLS_RSA_WITH_AES_128_GCM_SHA256, &d, NULL, 0, &cb, 1),
             NTE_INVALID_HANDLE); /* RSA wants an RSA public key, not an ephemeral one */
    SslFreeObject(pub, 0);
    SslFreeObject(eph, 0);
    EVP_PKEY_free(ours);
    EVP_PKEY_free(peer);
}

/* Two of our keys on different groups, and a DH key under an ECDHE suite. */
static void mixed(void)
{
    const DWORD P = TLS1_2_PROTOCOL_VERSION, S = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE x, p256, dh, mk = 3;
    DWORD cb;

    CHECK_ST(SslCreateEphemeralKey(prov, &x, P, S, 29, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslCreateEphemeralKey(prov, &p256, P, S, 23, 0, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslCreateEphemeralKey(prov, &dh, P, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0, 2048, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslGenerateMasterKey(prov, x, p256, &mk, P, S, &d, NULL, 0, &cb, 1), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    CHECK_ST(SslGenerateMasterKey(prov, dh, dh, &mk, P, S, &d, NULL, 0, &cb, 1), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGenerateMasterKey(prov, x, x, &mk, P, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, &d, NULL, 0, &cb, 1),
             NTE_NOT_SUPPORTED);
    /* our own key as its own peer: agreement works and both sides are the same object */
    CHECK_ST(SslGenerateMasterKey(prov, x, x, &mk, P, S, &d, NULL, 0, &cb, 1), SEC_E_OK);
    SslFreeObject(mk, 0);
    /* two finite-field groups: a group mismatch, not bad data */
    {
        NCRYPT_KEY_HANDLE dh3;
        CHECK_ST(SslCreateEphemeralKey(prov, &dh3, P, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 257, 0, NULL, 0, 0), SEC_E_OK);
        CHECK_ST(SslGenerateMasterKey(prov, dh, dh3, &mk, P, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, &d, NULL, 0, &cb, 1),
                 NTE_INVALID_PARAMETER);
        SslFreeObject(dh3, 0);
    }
    SslFreeObject(x, 0), SslFreeObject(p256, 0), SslFreeObject(dh, 0);
}

int main(void)
{
    for (int i = 0; i < 32; i++)
        cr[i] = (BYTE)(i + 1), sr[i] = (BYTE)(0x80 + i);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    check_group("X25519", NULL, 29, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    check_group("X448", NULL, 30, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    check_group("EC", "P-256", 23, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    check_group("EC", "P-384", 24, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
    check_group("EC", "P-521", 25, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    check_group("DH", "ffdhe2048", 256, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
    mixed();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
