/* Handshake hashes (api.md D1, D2, D4, D6, D7): the running hash, session hash and
 * duplicates against libcrypto digests of the same bytes; SSL 3.0 Finished against RFC 6101
 * §5.6.9 computed here with libcrypto; every argument rule's negative twin. (TLS Finished
 * values are checked against libssl in test_tls12_diff.) */
#include <string.h>
#include <openssl/evp.h>
#include "check.h"
#include "handles.h"
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
    BYTE blob[80] = {80, 0, 0, 0, '5', 'l', 's', 's'};
    NCRYPT_KEY_HANDLE h = 0;

    memcpy(blob + 8, &protocol, 4); /* little-endian host, as the blob is */
    memcpy(blob + 12, &suite, 4);
    blob[16] = 1;
    memcpy(blob + 0x1C, ms, 48);
    CHECK_ST(SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0), SEC_E_OK);
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
    CHECK_ST(SslComputeSessionHash(prov, h, TLS1_3_PROTOCOL_VERSION, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
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
    test_create_rules();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
