/* SslGenerateSessionKeys for every suite the provider looks up, on every TLS/DTLS protocol
 * it exists for (issue 3: NULL, RC4, DES, 3DES, AES-CBC, AES-GCM, AES-CCM/CCM_8,
 * ChaCha20-Poly1305). Lengths follow api.md §8.3 / conventions.md §8 from the Windows record
 * fields (cipher bits, hash bits, block length); the key block comes from libcrypto's
 * TLS1-PRF; both keys' OpaqueKeyBlobs are read back and re-imported; the direction follows
 * the master key's side. Negative twins for the 'ssl3' blob import (conventions.md §7). */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdlib.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"
#include "wide.h"

static NCRYPT_PROV_HANDLE prov;
static BYTE ms[48], cr[32], sr[32];
static unsigned combos, families;

static int wcs_ends(const WCHAR *w, const char *suffix)
{
    size_t n = 0, m = strlen(suffix);
    while (w[n])
        n++;
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (w[n - m + i] != (WCHAR)suffix[i])
            return 0;
    return 1;
}

static void key_block(const char *md, BYTE *out, size_t len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, ms, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)"key expansion", 13),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, sr, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, cr, 32),
        OSSL_PARAM_construct_end(),
    };
    CHECK(EVP_KDF_derive(k, out, len, p) > 0);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

static NCRYPT_KEY_HANDLE import_master(DWORD proto, DWORD suite, DWORD client)
{
    NCRYPT_KEY_HANDLE h;

    CHECK_ST(master_blob_import_st(prov, proto, suite, client, ms, &h), SEC_E_OK);
    return h;
}

/* api.md §8.3 + conventions.md §5/§8, from what the Windows record says about the suite */
static void expected_layout(DWORD proto, const NCRYPT_SSL_CIPHER_SUITE *s, size_t *mac, size_t *enc, size_t *iv)
{
    int aead = s->dwHashLen == 0 && s->szCipher[0] != 0;
    int chacha = wide_is(s->szCipher, "CHACHA20_POLY1305");
    int cbc = !aead && s->dwCipherBlockLen > 1;

    *mac = s->dwHashLen / 8;
    *enc = wide_is(s->szCipher, "3DES") ? 24 : wide_is(s->szCipher, "DES") ? 8 : s->dwCipherLen / 8;
    if (aead)
        *iv = chacha ? 12 : 4;
    else if (cbc && (proto == SSL3_PROTOCOL_VERSION || proto == TLS1_0_PROTOCOL_VERSION))
        *iv = s->dwCipherBlockLen;
    else
        *iv = 0;
}

static int blob_of(NCRYPT_KEY_HANDLE k, BYTE *blob, DWORD *len)
{
    return SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, 512, len, 0) == SEC_E_OK;
}

/* One key's blob against the expected material: header fields, KDBM(key), MAC key, mark. */
static void check_blob(const BYTE *b, DWORD len, DWORD proto, DWORD suite, int read, int aead, const BYTE *mac,
                       size_t mac_len, const BYTE *key, size_t key_len, const BYTE *iv, size_t iv_len)
{
    size_t want = 80 + 12 + key_len + mac_len + (aead ? 8 : 0);

    CHECK(len == want && get32(b) == len && get32(b + 4) == 0x73736C33 && get32(b + 8) == proto &&
          get32(b + 12) == suite && get32(b + 16) == (DWORD)read && get32(b + 0x14) == len - 80 &&
          get32(b + 0x18) == iv_len && get32(b + 0x4C) == 0);
    if (len != want)
        return;
    CHECK_MEM(b + 0x1C, iv, iv_len);
    CHECK(get32(b + 80) == 0x4D42444B && get32(b + 84) == 1 && get32(b + 88) == key_len);
    CHECK_MEM(b + 92, key, key_len);
    CHECK_MEM(b + 92 + key_len, mac, mac_len);
}

static void check_combo(DWORD proto, const NCRYPT_SSL_CIPHER_SUITE *s)
{
    DWORD suite = s->dwCipherSuite;
    const char *md = proto == TLS1_2_PROTOCOL_VERSION || proto == DTLS1_2_PROTOCOL_VERSION
                         ? (wcs_ends(s->szCipherSuite, "_SHA384") ? "SHA384" : "SHA256")
                         : "MD5-SHA1";
    size_t mac, enc, iv, total;
    int aead = s->dwHashLen == 0 && s->szCipher[0] != 0;
    BYTE kb[256], blob_w[512], blob_r[512], again[512];
    DWORD lw, lr, la;

    expected_layout(proto, s, &mac, &enc, &iv);
    total = 2 * (mac + enc + iv);
    key_block(md, kb, total);
    for (DWORD client = 0; client <= 1; client++) {
        NCRYPT_KEY_HANDLE mk = import_master(proto, suite, client), rd = 0, wr = 0, imp = 0;
        NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
        NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
        /* side c's material: c = 0 client, 1 server */
        const BYTE *m[2] = {kb, kb + mac}, *k[2] = {kb + 2 * mac, kb + 2 * mac + enc},
                   *v[2] = {kb + 2 * (mac + enc), kb + 2 * (mac + enc) + iv};
        int own = client ? 0 : 1, peer = 1 - own;

        CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
        CHECK(blob_of(wr, blob_w, &lw) && blob_of(rd, blob_r, &lr));
        check_blob(blob_w, lw, proto, suite, 0, aead, m[own], mac, k[own], enc, v[own], iv);
        check_blob(blob_r, lr, proto, suite, 1, aead, m[peer], mac, k[peer], enc, v[peer], iv);
        /* the blob imports back to an equal key */
        CHECK_ST(SslImportKey(prov, &imp, BCRYPT_OPAQUE_KEY_BLOB, blob_w, lw, 0), SEC_E_OK);
        CHECK(blob_of(imp, again, &la) && la == lw && memcmp(again, blob_w, lw) == 0);
        SslFreeObject(imp, 0), SslFreeObject(rd, 0), SslFreeObject(wr, 0), SslFreeObject(mk, 0);
    }
    combos++;
}

/* conventions.md §7: exactly the layout, or NTE_BAD_DATA. */
static void blob_negatives(void)
{
    NCRYPT_KEY_HANDLE mk = import_master(TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1), rd, wr, h;
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    BYTE blob[512], bad[520];
    DWORD len;
    size_t live;

    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
    CHECK(blob_of(wr, blob, &len));
    live = handle_live_count();
#define BAD(n, what) do { h = 1; CHECK_ST(SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, bad, n, 0), NTE_BAD_DATA); \
                          CHECK(h == 0); if (h) fprintf(stderr, "%s\n", what); } while (0)
    for (DWORD off = 0; off < len; off++) {
        /* every header field and the KDBM header; key bytes, IV and mark are free values */
        if ((off >= 0x1C && off < 0x4C) || off >= 92 || (off >= 0x10 && off < 0x14 && off != 0x10))
            continue;
        memcpy(bad, blob, len);
        bad[off] ^= off == 0x10 ? 0x02 : 0x01;
        BAD(len, "flipped");
    }
    memcpy(bad, blob, len);
    BAD(len - 1, "truncated");
    memcpy(bad, blob, len);
    bad[len] = 0;
    BAD(len + 1, "extended");
    memcpy(bad, blob, len), put32(bad + 0x18, 12); /* GCM's fixed IV is 4 */
    BAD(len, "iv length");
    memcpy(bad, blob, len), put32(bad + 0x4C, 3); /* a TLS 1.3 stage on a TLS 1.2 key */
    BAD(len, "stage");
    memcpy(bad, blob, len), put32(bad + 12, TLS_AES_128_GCM_SHA256);
    BAD(len, "TLS 1.3 suite under TLS 1.2");
    CHECK(handle_live_count() == live);
#undef BAD
    SslFreeObject(rd, 0), SslFreeObject(wr, 0), SslFreeObject(mk, 0);
}

int main(void)
{
    static const DWORD protos[] = {TLS1_0_PROTOCOL_VERSION, TLS1_1_PROTOCOL_VERSION, TLS1_2_PROTOCOL_VERSION,
                                   DTLS1_0_PROTOCOL_VERSION, DTLS1_2_PROTOCOL_VERSION};
    int seen[8] = {0};

    for (int i = 0; i < 48; i++)
        ms[i] = (BYTE)(i * 5 + 11);
    for (int i = 0; i < 32; i++)
        cr[i] = (BYTE)(0x11 * i), sr[i] = (BYTE)(0xAB ^ i);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    for (DWORD id = 0; id <= 0xFFFF; id++) {
        for (size_t p = 0; p < sizeof(protos) / sizeof(protos[0]); p++) {
            NCRYPT_SSL_CIPHER_SUITE_EX s;
            NCRYPT_SSL_CIPHER_SUITE info;
            if (SslLookupCipherSuiteInfo(prov, protos[p], id, 0, &info, 0) != SEC_E_OK)
                continue;
            /* export rows are lookup-only: key operations refuse them (conventions.md §3) */
            if (id == 0x0003 || (id >= 0x0062 && id <= 0x0064))
                continue;
            check_combo(protos[p], &info);
            (void)s;
            seen[wide_is(info.szCipher, "") ? 0 : wide_is(info.szCipher, "RC4") ? 1 : wide_is(info.szCipher, "DES") ? 2
                 : wide_is(info.szCipher, "3DES") ? 3 : wide_is(info.szCipher, "CHACHA20_POLY1305") ? 4
                 : info.dwHashLen ? 5 : 6] = 1;
        }
    }
    for (int i = 0; i < 7; i++)
        families += (unsigned)seen[i];
    printf("%u (protocol, suite) combinations, %u cipher families\n", combos, families);
    CHECK(families == 7 && combos >= 140);
    blob_negatives();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
