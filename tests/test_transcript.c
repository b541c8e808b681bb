/* Handshake hashes (api.md D1, D2, D4, D6, D7): the running hash, session hash and
 * duplicates against libcrypto digests of the same bytes; SSL 3.0 Finished against RFC 6101
 * §5.6.9 computed here with libcrypto; the digest a hash object keeps between updates, read
 * by TLS 1.3 Finished and Derive-Secret, against HMAC and HKDF over libcrypto digests; every
 * argument rule's negative twin. (TLS Finished values are checked against libssl in
 * test_tls12_diff.) */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static BYTE msg1[300], msg2[77];

static void digest(const char *md, const BYTE *a, size_t al, const BYTE *b, size_t bl, BYTE *out, unsigned *len)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_get_digestbyname(md), NULL);
    EVP_DigestUpdate(c, a, al);
    if (b)
        EVP_DigestUpdate(c, b, bl);
    EVP_DigestFinal_ex(c, out, len);
    EVP_MD_CTX_free(c);
}

static NCRYPT_KEY_HANDLE import_master(DWORD protocol, DWORD suite, const BYTE ms[48])
{
    NCRYPT_KEY_HANDLE h;

    CHECK_ST(master_blob_import_st(prov, protocol, suite, 1, ms, &h), SEC_E_OK);
    return h;
}

/* session hash = Hash(handshake so far): MD5 || SHA-1 before TLS 1.2, the PRF hash after */
static void test_session_hash(DWORD protocol, DWORD suite, const char *md_a, const char *md_b, DWORD want_len)
{
    NCRYPT_HASH_HANDLE h, dup;
    BYTE out[64], want[64];
    unsigned la = 0, lb = 0;
    DWORD cb = 0;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, protocol, suite, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, msg1, sizeof(msg1), 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, NULL, 0, 0), SEC_E_OK);
    CHECK_ST(SslComputeSessionHash(prov, h, protocol, NULL, 0, &cb, 0), SEC_E_OK);
    CHECK(cb == want_len);
    cb = 0;
    CHECK_ST(SslComputeSessionHash(prov, h, protocol, out, want_len - 1, &cb, 0), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == want_len);
    CHECK_ST(SslComputeSessionHash(prov, h, protocol, out, sizeof(out), &cb, 0), SEC_E_OK);
    digest(md_a, msg1, sizeof(msg1), NULL, 0, want, &la);
    if (md_b)
        digest(md_b, msg1, sizeof(msg1), NULL, 0, want + la, &lb);
    CHECK(cb == la + lb);
    CHECK_MEM(out, want, la + lb);

    /* the hash keeps running after an output; a duplicate goes its own way */
    CHECK_ST(SslDuplicateTranscriptHash(prov, h, &dup, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, msg2, sizeof(msg2), 0), SEC_E_OK);
    CHECK_ST(SslComputeSessionHash(prov, h, protocol, out, sizeof(out), &cb, 0), SEC_E_OK);
    digest(md_a, msg1, sizeof(msg1), msg2, sizeof(msg2), want, &la);
    if (md_b)
        digest(md_b, msg1, sizeof(msg1), msg2, sizeof(msg2), want + la, &lb);
    CHECK_MEM(out, want, la + lb);
    CHECK_ST(SslComputeSessionHash(prov, dup, protocol, out, sizeof(out), &cb, 0), SEC_E_OK);
    digest(md_a, msg1, sizeof(msg1), NULL, 0, want, &la);
    CHECK_MEM(out, want, la);

    /* negative twins */
    CHECK_ST(SslComputeSessionHash(prov, h, protocol, out, sizeof(out), NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeSessionHash(prov, h, SSL3_PROTOCOL_VERSION, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    /* TLS 1.3 objects answer TLS 1.3 only (conventions.md §13), others not TLS 1.3 */
    CHECK_ST(SslComputeSessionHash(prov, h, TLS1_3_PROTOCOL_VERSION, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeSessionHash(prov, h, 0x1234, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeSessionHash(prov, h, protocol == TLS1_2_PROTOCOL_VERSION ? TLS1_1_PROTOCOL_VERSION
                                                                              : TLS1_2_PROTOCOL_VERSION,
                                   out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslHashHandshake(prov, h, NULL, 5, 0), NTE_INVALID_PARAMETER);
    SslFreeObject(dup, 0);
    SslFreeObject(h, 0);
}

/* RFC 6101 §5.6.9: md5(ms + pad2 + md5(handshake + sender + ms + pad1)) || sha(...) */
static void ssl3_finished_ref(const BYTE ms[48], const char *sender, BYTE out[36])
{
    BYTE pad1[48], pad2[48], inner[20];
    unsigned n;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    const char *mds[2] = {"MD5", "SHA1"};
    size_t padlen[2] = {48, 40};

    memset(pad1, 0x36, 48);
    memset(pad2, 0x5c, 48);
    for (int i = 0; i < 2; i++) {
        EVP_DigestInit_ex(c, EVP_get_digestbyname(mds[i]), NULL);
        EVP_DigestUpdate(c, msg1, sizeof(msg1));
        EVP_DigestUpdate(c, sender, 4);
        EVP_DigestUpdate(c, ms, 48);
        EVP_DigestUpdate(c, pad1, padlen[i]);
        EVP_DigestFinal_ex(c, inner, &n);
        EVP_DigestInit_ex(c, EVP_get_digestbyname(mds[i]), NULL);
        EVP_DigestUpdate(c, ms, 48);
        EVP_DigestUpdate(c, pad2, padlen[i]);
        EVP_DigestUpdate(c, inner, n);
        EVP_DigestFinal_ex(c, out + (i ? 16 : 0), NULL);
    }
    EVP_MD_CTX_free(c);
}

static void test_ssl3_finished(void)
{
    BYTE ms[48], out[40], want[36];
    NCRYPT_HASH_HANDLE h;
    NCRYPT_KEY_HANDLE mk;

    for (int i = 0; i < 48; i++)
        ms[i] = (BYTE)(i * 7 + 1);
    mk = import_master(SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_3DES_EDE_CBC_SHA, ms);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_3DES_EDE_CBC_SHA, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, msg1, sizeof(msg1), 0), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, 36, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    ssl3_finished_ref(ms, "CLNT", want);
    CHECK_MEM(out, want, 36);
    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, 36, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    ssl3_finished_ref(ms, "SRVR", want);
    CHECK_MEM(out, want, 36);
    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, 12, NCRYPT_SSL_SERVER_FLAG), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, mk, h, out, 37, NCRYPT_SSL_SERVER_FLAG), NTE_BAD_LEN);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

/* Finished argument rules (api.md D4, conventions.md §1, §4) */
static void test_finished_rules(void)
{
    BYTE ms[48] = {1}, out[80];
    NCRYPT_HASH_HANDLE h10, h12, h384;
    NCRYPT_KEY_HANDLE mk10 = import_master(TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, ms);
    NCRYPT_KEY_HANDLE mk12 = import_master(TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ms);

    CHECK_ST(SslCreateHandshakeHash(prov, &h10, TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h12, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h384, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, mk10, h10, out, 12, NCRYPT_SSL_CLIENT_FLAG), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, mk10, h10, out, 11, NCRYPT_SSL_CLIENT_FLAG), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, mk10, h10, out, 13, NCRYPT_SSL_CLIENT_FLAG), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 12, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 64, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 11, NCRYPT_SSL_SERVER_FLAG), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 65, NCRYPT_SSL_SERVER_FLAG), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, NULL, 12, NCRYPT_SSL_SERVER_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 12, 0), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 12, 3), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h12, out, 12, 4), NTE_BAD_FLAGS);
    /* a hash that does not fit the master key's protocol/suite */
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h384, out, 12, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, h10, out, 12, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeFinishedHash(prov, mk10, h12, out, 12, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_PARAMETER);
    /* wrong classes */
    CHECK_ST(SslComputeFinishedHash(prov, h12, h12, out, 12, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeFinishedHash(prov, mk12, mk12, out, 12, NCRYPT_SSL_CLIENT_FLAG), NTE_INVALID_HANDLE);
    SslFreeObject(h10, 0), SslFreeObject(h12, 0), SslFreeObject(h384, 0);
    SslFreeObject(mk10, 0), SslFreeObject(mk12, 0);
}

/* HKDF-Expand-Label (RFC 8446 §7.1) with libcrypto's plain HKDF, the HkdfLabel built here. */
static void expand_label(const BYTE secret[32], const char *label, const BYTE *ctx, size_t cl, BYTE *out, size_t len)
{
    BYTE info[2 + 1 + 6 + 32 + 1 + 32];
    size_t n = 0, ll = strlen(label);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *k = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;

    info[n++] = 0, info[n++] = (BYTE)len, info[n++] = (BYTE)(6 + ll);
    memcpy(info + n, "tls13 ", 6), n += 6;
    memcpy(info + n, label, ll), n += ll;
    info[n++] = (BYTE)cl;
    if (cl != 0)
        memcpy(info + n, ctx, cl), n += cl;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    CHECK(k != NULL && EVP_KDF_derive(k, out, len, p) > 0);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

/* The 32 bytes of a TLS 1.3 secret, from its OpaqueKeyBlob (length at 88, bytes at 92). */
static void secret_of(NCRYPT_KEY_HANDLE k, BYTE out[32])
{
    BYTE blob[256];
    DWORD cb = 0;

    memset(out, 0, 32);
    CHECK_ST(SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    CHECK(cb >= 92 + 32 && blob[88] == 32);
    if (cb >= 92 + 32)
        memcpy(out, blob + 92, 32);
}

/* What TLS 1.3 reads at one point of the transcript, given the bytes hashed so far: the
 * client early traffic secret from the early secret, and Finished keyed by cet (RFC 8446
 * §7.1, §4.4.4). */
static void tls13_expect(const BYTE early[32], const BYTE cet_secret[32], const BYTE *b, size_t bl, BYTE cet[32],
                         BYTE fin[32])
{
    BYTE th[32], fk[32];
    unsigned tl = 0;
    size_t fl = 0;

    digest("SHA256", msg1, sizeof(msg1), b, bl, th, &tl);
    expand_label(early, "c e traffic", th, 32, cet, 32);
    expand_label(cet_secret, "finished", NULL, 0, fk, 32);
    CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, fk, 32, th, 32, fin, 32, &fl) != NULL && fl == 32);
}

/* The digest a hash object keeps is the digest of everything hashed so far: read, read again,
 * hash more, read again (it must change); a duplicate keeps the old messages only. */
static void test_tls13_cached_digest(void)
{
    static const DWORD P13 = TLS1_3_PROTOCOL_VERSION, S = TLS_AES_128_GCM_SHA256;
    BYTE psk[32], early[32], got[32], cet1[32], fin1[32], want_cet[32], want_fin[32], fin[32];
    NCRYPT_KEY_HANDLE hpsk = 0, he = 0, hcet = 0, hcet2 = 0;
    NCRYPT_HASH_HANDLE h = 0, dup = 0;

    memset(psk, 0x11, sizeof(psk));
    CHECK_ST(SslImportKey(prov, &hpsk, TLS_13_PRE_SHARED_KEY, psk, sizeof(psk), 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, hpsk, &he, P13, S, NULL, 0), SEC_E_OK);
    secret_of(he, early);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, P13, S, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, msg1, sizeof(msg1), 0), SEC_E_OK);

    /* after msg1: the secret, then Finished twice (the second read is the kept digest) */
    CHECK_ST(SslExpandTrafficKeys(prov, he, h, &hcet, NULL, NULL, 0), SEC_E_OK);
    secret_of(hcet, cet1);
    tls13_expect(early, cet1, NULL, 0, want_cet, want_fin);
    CHECK_MEM(cet1, want_cet, 32);
    CHECK_ST(SslComputeFinishedHash(prov, hcet, h, fin1, 32, 0), SEC_E_OK);
    CHECK_MEM(fin1, want_fin, 32);
    CHECK_ST(SslComputeFinishedHash(prov, hcet, h, fin, 32, 0), SEC_E_OK);
    CHECK_MEM(fin, want_fin, 32);
    CHECK_ST(SslDuplicateTranscriptHash(prov, h, &dup, 0), SEC_E_OK);

    /* an empty update changes nothing; msg2 changes both */
    CHECK_ST(SslHashHandshake(prov, h, msg2, 0, 0), SEC_E_OK);
    CHECK_ST(SslComputeFinishedHash(prov, hcet, h, fin, 32, 0), SEC_E_OK);
    CHECK_MEM(fin, fin1, 32);
    CHECK_ST(SslHashHandshake(prov, h, msg2, sizeof(msg2), 0), SEC_E_OK);
    tls13_expect(early, cet1, msg2, sizeof(msg2), want_cet, want_fin);
    CHECK_ST(SslComputeFinishedHash(prov, hcet, h, fin, 32, 0), SEC_E_OK);
    CHECK_MEM(fin, want_fin, 32);
    CHECK(memcmp(fin, fin1, 32) != 0);
    CHECK_ST(SslExpandTrafficKeys(prov, he, h, &hcet2, NULL, NULL, 0), SEC_E_OK);
    secret_of(hcet2, got);
    CHECK_MEM(got, want_cet, 32);
    CHECK(memcmp(got, cet1, 32) != 0);

    /* the duplicate, made before msg2, still reads msg1 only */
    CHECK_ST(SslComputeFinishedHash(prov, hcet, dup, fin, 32, 0), SEC_E_OK);
    CHECK_MEM(fin, fin1, 32);

    SslFreeObject(hcet2, 0), SslFreeObject(hcet, 0), SslFreeObject(he, 0), SslFreeObject(hpsk, 0);
    SslFreeObject(dup, 0), SslFreeObject(h, 0);
}

static void test_create_rules(void)
{
    NCRYPT_HASH_HANDLE h = 5;

    CHECK_ST(SslCreateHandshakeHash(prov, NULL, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, SSL2_PROTOCOL_VERSION, SSL_CK_RC4_128_WITH_MD5, 0), NTE_NOT_SUPPORTED);
    CHECK(h == 0);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_2_PROTOCOL_VERSION, 0, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_2_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_0_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_0_PROTOCOL_VERSION, TLS_RSA_EXPORT_WITH_RC4_40_MD5, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, 0x0305, TLS_RSA_WITH_AES_128_CBC_SHA, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateHandshakeHash(0, &h, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0), NTE_INVALID_HANDLE);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(msg1); i++)
        msg1[i] = (BYTE)(i * 31 + 3);
    for (size_t i = 0; i < sizeof(msg2); i++)
        msg2[i] = (BYTE)(i ^ 0x5a);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    test_session_hash(TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "SHA256", NULL, 32);
    test_session_hash(TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "SHA384", NULL, 48);
    test_session_hash(DTLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "SHA384", NULL, 48);
    test_session_hash(TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, "MD5", "SHA1", 36);
    test_session_hash(TLS1_1_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, "MD5", "SHA1", 36);
    test_session_hash(DTLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, "MD5", "SHA1", 36);
    test_ssl3_finished();
    test_finished_rules();
    test_tls13_cached_digest();
    test_create_rules();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
