/* CertificateVerify hashes (conventions.md §13, behavior.md §8.3, §8.4):
 * SslCreateClientAuthHash, SslComputeClientAuthHash for SSL 3.0, TLS 1.0/1.1/DTLS 1.0,
 * TLS 1.2/DTLS 1.2 and sslprov's TLS 1.3 extension, and SslComputeSessionHash on TLS 1.3
 * objects. Expected values are computed here with libcrypto from the definitions: the hash of
 * the messages (RFC 5246 §7.4.8, RFC 4346 §7.4.8), RFC 6101 §5.6.8's pads over the master
 * secret, RFC 8446 §4.4.3's content. Every status of §13 has its twin. */
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"
#include <openssl/evp.h>

static NCRYPT_PROV_HANDLE prov;
static const BYTE msg1[] = {1, 0, 0, 3, 'a', 'b', 'c'}, msg2[] = {11, 0, 0, 2, 'x', 'y'};
static const BYTE ms[48] = {0x42, 0x17, 0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static NCRYPT_KEY_HANDLE import_master(DWORD proto, DWORD suite)
{
    NCRYPT_KEY_HANDLE h = master_blob_import(prov, proto, suite, 1, ms);

    CHECK(h != 0);
    return h;
}

static void feed(NCRYPT_HASH_HANDLE h, const BYTE *m, size_t n)
{
    CHECK_ST(SslHashHandshake(prov, h, (PBYTE)m, (DWORD)n, 0), SEC_E_OK);
}

/* libcrypto's hash of the parts */
static size_t hash_of(const char *md, const BYTE *const parts[], const size_t lens[], size_t n, BYTE *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int len = 0;

    EVP_DigestInit_ex(c, EVP_get_digestbyname(md), NULL);
    for (size_t i = 0; i < n; i++)
        EVP_DigestUpdate(c, parts[i], lens[i]);
    EVP_DigestFinal_ex(c, out, &len);
    EVP_MD_CTX_free(c);
    return len;
}

static size_t hash_msgs(const char *md, bool both, BYTE *out)
{
    const BYTE *p[2] = {msg1, msg2};
    const size_t l[2] = {sizeof(msg1), sizeof(msg2)};

    return hash_of(md, p, l, both ? 2 : 1, out);
}

/* RFC 6101 §5.6.8: hash(ms || pad2 || hash(handshake_messages || ms || pad1)) */
static size_t ssl3_half(const char *md, size_t pad, BYTE *out)
{
    BYTE pad1[48], pad2[48], inner[20];
    const BYTE *pi[4] = {msg1, msg2, ms, pad1}, *po[3] = {ms, pad2, inner};
    const size_t li[4] = {sizeof(msg1), sizeof(msg2), 48, pad};
    size_t lo[3] = {48, pad, 0};

    memset(pad1, 0x36, sizeof(pad1));
    memset(pad2, 0x5C, sizeof(pad2));
    lo[2] = hash_of(md, pi, li, 4, inner);
    return hash_of(md, po, lo, 3, out);
}

static void check_out(NCRYPT_KEY_HANDLE mk, NCRYPT_HASH_HANDLE h, const char *alg, const BYTE *want, size_t n)
{
    WCHAR walg[32] = {0};
    BYTE out[80];
    DWORD cb = 0;

    for (size_t i = 0; alg[i] != '\0'; i++)
        walg[i] = (WCHAR)alg[i];
    /* a size query, a buffer one short, the value; twice: the hash object keeps running */
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, walg, NULL, 0, &cb, 0), SEC_E_OK);
    CHECK(cb == n);
    cb = 0;
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, walg, out, (DWORD)n - 1, &cb, 0), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == n);
    for (int i = 0; i < 2; i++) {
        memset(out, 0xEE, sizeof(out));
        CHECK_ST(SslComputeClientAuthHash(prov, mk, h, walg, out, sizeof(out), &cb, 0), SEC_E_OK);
        CHECK(cb == n && out[n] == 0xEE);
        CHECK_MEM(out, want, n);
    }
}

/* TLS 1.2: the SslCreateHandshakeHash object (the suite's hash) and SslCreateClientAuthHash
 * objects of every name; pszAlgId is not read for them. */
static void tls12(void)
{
    static const struct {
        const char *cng, *ossl;
    } names[] = {{"SHA256", "SHA256"}, {"sha384", "SHA384"}, {"Sha512", "SHA512"}, {"SHA1", "SHA1"}, {"MD5", "MD5"}};
    NCRYPT_KEY_HANDLE mk = import_master(TLS1_2_PROTOCOL_VERSION, 0xC02F);
    NCRYPT_HASH_HANDLE h;
    BYTE want[64];
    size_t n;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_2_PROTOCOL_VERSION, 0xC02F, 0), SEC_E_OK);
    feed(h, msg1, sizeof(msg1));
    n = hash_msgs("SHA256", false, want);
    check_out(mk, h, "RSA", want, n);
    feed(h, msg2, sizeof(msg2));
    n = hash_msgs("SHA256", true, want);
    check_out(mk, h, "anything", want, n);
    SslFreeObject(h, 0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        WCHAR w[16] = {0};

        for (size_t j = 0; names[i].cng[j] != '\0'; j++)
            w[j] = (WCHAR)names[i].cng[j];
        h = 7;
        CHECK_ST(SslCreateClientAuthHash(prov, &h, TLS1_2_PROTOCOL_VERSION, 0xC030, w, 0), SEC_E_OK);
        feed(h, msg1, sizeof(msg1));
        feed(h, msg2, sizeof(msg2));
        n = hash_msgs(names[i].ossl, true, want);
        check_out(mk, h, "ECDSA", want, n);
        SslFreeObject(h, 0);
    }
    /* DTLS 1.2 and TLS 1.3 create them too */
    CHECK_ST(SslCreateClientAuthHash(prov, &h, DTLS1_2_PROTOCOL_VERSION, 0xC02F, SSLP_WSTR("SHA384"), 0), SEC_E_OK);
    SslFreeObject(h, 0);
    CHECK_ST(SslCreateClientAuthHash(prov, &h, TLS1_3_PROTOCOL_VERSION, 0x1301, SSLP_WSTR("SHA256"), 0), SEC_E_OK);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

/* TLS 1.0/1.1/DTLS 1.0: MD5 || SHA-1 for "RSA", SHA-1 for the DSA/ECDSA names (exact). */
static void tls10(DWORD proto, DWORD suite)
{
    static const char *const sha1_names[] = {"DSA", "ECDSA", "ECDSA_P256", "ECDSA_P384", "ECDSA_P521"};
    static const char *const refused[] = {"rsa", "Dsa", "ECDSA_P255", "ECDSA_P2560", "RSA ", "SHA1", ""};
    NCRYPT_KEY_HANDLE mk = import_master(proto, suite);
    NCRYPT_HASH_HANDLE h;
    BYTE want[36], out[36];
    DWORD cb = 9;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, proto, suite, 0), SEC_E_OK);
    feed(h, msg1, sizeof(msg1));
    feed(h, msg2, sizeof(msg2));
    hash_msgs("MD5", true, want);
    hash_msgs("SHA1", true, want + 16);
    check_out(mk, h, "RSA", want, 36);
    for (size_t i = 0; i < sizeof(sha1_names) / sizeof(sha1_names[0]); i++)
        check_out(mk, h, sha1_names[i], want + 16, 20);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        WCHAR w[16] = {0};

        for (size_t j = 0; refused[i][j] != '\0'; j++)
            w[j] = (WCHAR)refused[i][j];
        CHECK_ST(SslComputeClientAuthHash(prov, mk, h, w, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
        CHECK(cb == 9);
    }
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, NULL, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

/* SSL 3.0: the pads over the master secret; "DSA" the SHA-1 half; no ECDSA. */
static void ssl3(void)
{
    NCRYPT_KEY_HANDLE mk = import_master(SSL3_PROTOCOL_VERSION, 0x002F);
    NCRYPT_HASH_HANDLE h, single;
    BYTE want[36], out[36];
    DWORD cb = 9;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, SSL3_PROTOCOL_VERSION, 0x002F, 0), SEC_E_OK);
    feed(h, msg1, sizeof(msg1));
    feed(h, msg2, sizeof(msg2));
    ssl3_half("MD5", 48, want);
    ssl3_half("SHA1", 40, want + 16);
    check_out(mk, h, "RSA", want, 36);
    check_out(mk, h, "DSA", want + 16, 20);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("ECDSA"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("ECDSA_P256"), out, sizeof(out), &cb, 0),
             NTE_NOT_SUPPORTED);
    /* the pads need MD5 and SHA-1 of the messages: a single-hash object does not fit */
    CHECK_ST(SslCreateHandshakeHash(prov, &single, TLS1_2_PROTOCOL_VERSION, 0x002F, 0), SEC_E_OK);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, single, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0),
             NTE_INVALID_PARAMETER);
    CHECK(cb == 9);
    SslFreeObject(single, 0);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

/* sslprov's extension: a TLS 1.3 secret gives RFC 8446 §4.4.3's content hash. */
static void tls13(void)
{
    static const char client_ctx[] = "TLS 1.3, client CertificateVerify",
                      server_ctx[] = "TLS 1.3, server CertificateVerify";
    BYTE psk[32] = {9}, th[32], content[64 + sizeof(client_ctx) + 32], want[64], out[64];
    const BYTE *p[1] = {content};
    size_t l[1] = {sizeof(content)};
    NCRYPT_KEY_HANDLE k, early, mk;
    NCRYPT_HASH_HANDLE h, h384;
    DWORD cb = 9;

    CHECK_ST(SslImportKey(prov, &k, TLS_13_PRE_SHARED_KEY, psk, sizeof(psk), 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, k, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, NULL, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0), SEC_E_OK);
    feed(h, msg1, sizeof(msg1));
    feed(h, msg2, sizeof(msg2));
    hash_msgs("SHA256", true, th);
    /* SslComputeSessionHash answers TLS 1.3 objects: the transcript hash (Windows' Schannel
     * builds the content from it) */
    CHECK_ST(SslComputeSessionHash(prov, h, TLS1_3_PROTOCOL_VERSION, out, sizeof(out), &cb, 0), SEC_E_OK);
    CHECK(cb == 32);
    CHECK_MEM(out, th, 32);
    CHECK_ST(SslComputeSessionHash(prov, h, TLS1_2_PROTOCOL_VERSION, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    memset(content, 0x20, 64);
    memcpy(content + 64 + sizeof(client_ctx), th, 32);
    for (int side = 0; side < 2; side++) {
        static const DWORD flags[2][2] = {{0, NCRYPT_SSL_CLIENT_FLAG}, {NCRYPT_SSL_SERVER_FLAG, NCRYPT_SSL_SERVER_FLAG}};
        static const struct {
            const char *cng, *ossl;
        } hs[] = {{"SHA256", "SHA256"}, {"sha384", "SHA384"}, {"SHA512", "SHA512"}};

        memcpy(content + 64, side ? server_ctx : client_ctx, sizeof(client_ctx));
        for (size_t i = 0; i < 3; i++) {
            WCHAR w[8] = {0};
            size_t n = hash_of(hs[i].ossl, p, l, 1, want);

            for (size_t j = 0; hs[i].cng[j] != '\0'; j++)
                w[j] = (WCHAR)hs[i].cng[j];
            for (int f = 0; f < 2; f++) {
                memset(out, 0xEE, sizeof(out));
                cb = 0;
                CHECK_ST(SslComputeClientAuthHash(prov, early, h, w, out, sizeof(out), &cb, flags[side][f]), SEC_E_OK);
                CHECK(cb == n);
                CHECK_MEM(out, want, n);
            }
            cb = 0;
            CHECK_ST(SslComputeClientAuthHash(prov, early, h, w, NULL, 0, &cb, flags[side][0]), SEC_E_OK);
            CHECK(cb == n);
            CHECK_ST(SslComputeClientAuthHash(prov, early, h, w, out, (DWORD)n - 1, &cb, flags[side][0]),
                     NTE_BUFFER_TOO_SMALL);
        }
    }
    /* twins: both role flags or any other bit; a name that is no TLS 1.3 hash; no name; a
     * transcript of another hash; a TLS 1.2 master key with a flag; a write key */
    cb = 9;
    CHECK_ST(SslComputeClientAuthHash(prov, early, h, SSLP_WSTR("SHA256"), out, sizeof(out), &cb, 3), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeClientAuthHash(prov, early, h, SSLP_WSTR("SHA256"), out, sizeof(out), &cb, 4), NTE_BAD_FLAGS);
    CHECK_ST(SslComputeClientAuthHash(prov, early, h, SSLP_WSTR("SHA1"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeClientAuthHash(prov, early, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeClientAuthHash(prov, early, h, NULL, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateHandshakeHash(prov, &h384, TLS1_3_PROTOCOL_VERSION, TLS_AES_256_GCM_SHA384, 0), SEC_E_OK);
    CHECK_ST(SslComputeClientAuthHash(prov, early, h384, SSLP_WSTR("SHA256"), out, sizeof(out), &cb, 0),
             NTE_INVALID_PARAMETER);
    CHECK(cb == 9);
    mk = import_master(TLS1_2_PROTOCOL_VERSION, 0xC02F);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, NCRYPT_SSL_CLIENT_FLAG),
             NTE_BAD_FLAGS);
    /* a PSK is the right class but no TLS 1.3 secret yet */
    CHECK_ST(SslComputeClientAuthHash(prov, k, h, SSLP_WSTR("SHA256"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
    SslFreeObject(mk, 0);
    SslFreeObject(h384, 0);
    SslFreeObject(h, 0);
    SslFreeObject(early, 0);
    SslFreeObject(k, 0);
}

/* SslCreateClientAuthHash checks in Windows' order (behavior.md §8.3): the protocol before
 * everything, then the name, flags, protocol/suite, the name's hash, and only then the
 * provider and the output pointer. */
static void create_order(NCRYPT_PROV_HANDLE freed)
{
    NCRYPT_HASH_HANDLE h = 5;
    const WCHAR *sha = SSLP_WSTR("SHA256");
    size_t live = handle_live_count();

    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_1_PROTOCOL_VERSION, 0xC02F, NULL, 1), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(prov, &h, TLS1_0_PROTOCOL_VERSION, 0x002F, sha, 0), NTE_NOT_SUPPORTED);
    CHECK(h == 0);
    CHECK_ST(SslCreateClientAuthHash(prov, &h, SSL3_PROTOCOL_VERSION, 0x002F, sha, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(prov, &h, DTLS1_0_PROTOCOL_VERSION, 0x002F, sha, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0x9999, NULL, 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0x9999, SSLP_WSTR(""), 1), NTE_INVALID_PARAMETER);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0x9999, sha, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0x9999, sha, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0x1301, sha, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0xC02F, SSLP_WSTR("SHA3-256"), 0),
             NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0xC02F, SSLP_WSTR("MD5SHA1"), 0),
             NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(0, NULL, TLS1_2_PROTOCOL_VERSION, 0xC02F, sha, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslCreateClientAuthHash(freed, &h, TLS1_2_PROTOCOL_VERSION, 0xC02F, sha, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslCreateClientAuthHash(prov, NULL, TLS1_2_PROTOCOL_VERSION, 0xC02F, sha, 0), NTE_INVALID_PARAMETER);
    CHECK(h == 0 && handle_live_count() == live);
}

/* SslComputeClientAuthHash: pcbResult, classes, flags for a TLS <= 1.2 master key. */
static void compute_order(NCRYPT_PROV_HANDLE freed)
{
    NCRYPT_KEY_HANDLE mk = import_master(TLS1_2_PROTOCOL_VERSION, 0xC02F);
    NCRYPT_HASH_HANDLE h;
    BYTE out[64];
    DWORD cb = 9;

    CHECK_ST(SslCreateHandshakeHash(prov, &h, TLS1_2_PROTOCOL_VERSION, 0xC02F, 0), SEC_E_OK);
    CHECK_ST(SslComputeClientAuthHash(freed, mk, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("RSA"), out, sizeof(out), NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeClientAuthHash(prov, h, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeClientAuthHash(prov, 0, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, mk, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, 0, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    /* TLS <= 1.2: any flag, SERVER included (behavior.md §8.4.1) */
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, NCRYPT_SSL_SERVER_FLAG),
             NTE_BAD_FLAGS);
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, SSLP_WSTR("RSA"), out, sizeof(out), &cb, 0x100), NTE_BAD_FLAGS);
    CHECK(cb == 9);
    /* the single-hash object does not read the name, NULL included */
    CHECK_ST(SslComputeClientAuthHash(prov, mk, h, NULL, out, sizeof(out), &cb, 0), SEC_E_OK);
    CHECK(cb == 32);
    SslFreeObject(h, 0);
    SslFreeObject(mk, 0);
}

int main(void)
{
    NCRYPT_PROV_HANDLE freed;

    CHECK_ST(SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK_ST(SslOpenProvider(&freed, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(freed, 0), SEC_E_OK);
    tls12();
    tls10(TLS1_0_PROTOCOL_VERSION, 0x002F);
    tls10(TLS1_1_PROTOCOL_VERSION, 0xC013);
    tls10(DTLS1_0_PROTOCOL_VERSION, 0x002F);
    ssl3();
    tls13();
    create_order(freed);
    compute_order(freed);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
