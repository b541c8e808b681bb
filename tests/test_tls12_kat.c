/* Known answers through the public API only (issue 3), from the vector files in
 * tests/vectors: the master secret enters as an OpaqueKeyBlob (the path Windows uses between
 * processes), SslGenerateSessionKeys expands it, and the key block is read back by exporting
 * both session keys as OpaqueKeyBlobs (conventions.md §7 layout). Vectors: NIST CAVP TLS
 * 1.0/1.1 and 1.2, ACVP TLS 1.2 EMS, Go's TLS 1.0 derivation, SSL 3.0. */
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "check.h"
#include "json.h"
#include "master_blob.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static unsigned cases_run, cases_skipped;

static NCRYPT_KEY_HANDLE import_master(DWORD protocol, DWORD suite, const BYTE ms[48])
{
    NCRYPT_KEY_HANDLE h;

    CHECK_ST(master_blob_import_st(prov, protocol, suite, 1, ms, &h), SEC_E_OK);
    return h;
}

/* One session key's material from its OpaqueKeyBlob. */
struct material {
    BYTE mac[64], key[64], iv[48];
    DWORD mac_len, key_len, iv_len;
    DWORD read;
};

static int export_material(NCRYPT_KEY_HANDLE k, DWORD mac_len, struct material *m)
{
    BYTE blob[512];
    DWORD cb = 0;

    if (SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) != SEC_E_OK)
        return 0;
    if (cb < 92 || get32(blob) != cb || get32(blob + 4) != 0x73736C33 || get32(blob + 0x14) != cb - 80 ||
        get32(blob + 80) != 0x4D42444B || get32(blob + 84) != 1)
        return 0;
    m->read = get32(blob + 0x10);
    m->iv_len = get32(blob + 0x18);
    memcpy(m->iv, blob + 0x1C, m->iv_len);
    m->key_len = get32(blob + 88);
    memcpy(m->key, blob + 92, m->key_len);
    m->mac_len = mac_len;
    memcpy(m->mac, blob + 92 + m->key_len, mac_len);
    return 1;
}

/* ms -> session keys -> key block: client MAC, server MAC, client key, server key, client IV,
 * server IV (RFC 5246 §6.3); compared with the first bytes of the expected key block. */
static void check_key_block(const char *what, DWORD protocol, DWORD suite, DWORD mac_len, const BYTE ms[48],
                            const BYTE *cr, const BYTE *sr, const BYTE *want, size_t want_len)
{
    NCRYPT_KEY_HANDLE mk = import_master(protocol, suite, ms), rd = 0, wr = 0;
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    struct material c, s;
    BYTE kb[512];
    size_t n = 0;

    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
    /* a client master key: the write key holds the client's material */
    if (!export_material(wr, mac_len, &c) || !export_material(rd, mac_len, &s)) {
        CHECK(!"export of session keys");
        goto out;
    }
    CHECK(c.read == 0 && s.read == 1);
    memcpy(kb + n, c.mac, c.mac_len), n += c.mac_len;
    memcpy(kb + n, s.mac, s.mac_len), n += s.mac_len;
    memcpy(kb + n, c.key, c.key_len), n += c.key_len;
    memcpy(kb + n, s.key, s.key_len), n += s.key_len;
    memcpy(kb + n, c.iv, c.iv_len), n += c.iv_len;
    memcpy(kb + n, s.iv, s.iv_len), n += s.iv_len;
    if (n > want_len)
        n = want_len;
    if (n == 0 || memcmp(kb, want, n) != 0)
        fprintf(stderr, "%s: key block differs\n", what);
    CHECK(n > 0 && memcmp(kb, want, n) == 0);
    cases_run++;
out:
    SslFreeObject(rd, 0);
    SslFreeObject(wr, 0);
    SslFreeObject(mk, 0);
}

static BYTE *hex(const struct json *j, const char *key, size_t want)
{
    size_t n = 0;
    BYTE *b = json_hex(j, key, &n);

    if (b == NULL || (want && n != want)) {
        free(b);
        return NULL;
    }
    return b;
}

/* NIST CAVP: the key block uses client_random/server_random (the master secret the Hello
 * randoms). TLS 1.0/1.1: TLS_RSA_WITH_AES_128_CBC_SHA (104 bytes under TLS 1.0 = the whole
 * 832-bit block); TLS 1.2: TLS_RSA_WITH_AES_256_CBC_SHA256 (128 bytes = 1024 bits). */
static void cavp(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/nist_cavp_tls_kdf.json");
    const struct json *sections = json_get(root, "sections");

    CHECK(root != NULL);
    for (size_t i = 0; json_at(sections, i) != NULL; i++) {
        const struct json *sec = json_at(sections, i), *tests = json_get(sec, "tests");
        int tls12 = strcmp(json_str(sec, "version"), "TLS 1.2") == 0;
        size_t kb_len = 0;

        json_uint(sec, "key_block_bits", &kb_len);
        for (size_t t = 0; json_at(tests, t) != NULL; t++) {
            const struct json *v = json_at(tests, t);
            BYTE *ms = hex(v, "master_secret", 48), *cr = hex(v, "client_random", 32),
                 *sr = hex(v, "server_random", 32), *kb = hex(v, "key_block", kb_len / 8);

            CHECK(ms && cr && sr && kb);
            if (ms && cr && sr && kb) {
                if (tls12) {
                    check_key_block("CAVP TLS 1.2", TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_256_CBC_SHA256, 32, ms, cr, sr, kb, kb_len / 8);
                    check_key_block("CAVP DTLS 1.2", DTLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_256_CBC_SHA256, 32, ms, cr, sr, kb, kb_len / 8);
                } else {
                    check_key_block("CAVP TLS 1.0", TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, 20, ms, cr, sr, kb, kb_len / 8);
                    check_key_block("CAVP TLS 1.1", TLS1_1_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, 20, ms, cr, sr, kb, kb_len / 8);
                }
            }
            free(ms), free(cr), free(sr), free(kb);
        }
    }
    json_free(root);
}

/* ACVP TLS 1.2 KDF with EMS: the key block half (the master secret needs a pre-master, which
 * enters through RSA key exchange in test_tls12_rsa). SHA-512 has no suite: skipped. */
static void acvp_ems(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/acvp_tls12_ems_kdf.json");
    const struct json *groups = json_get(root, "testGroups");

    CHECK(root != NULL);
    for (size_t g = 0; json_at(groups, g) != NULL; g++) {
        const struct json *grp = json_at(groups, g), *tests = json_get(grp, "tests");
        const char *alg = json_str(grp, "hashAlg");
        DWORD suite = 0, mac = 0;
        size_t kb_bits = 0;

        json_uint(grp, "keyBlockLength", &kb_bits);
        if (strcmp(alg, "SHA2-256") == 0)
            suite = TLS_RSA_WITH_AES_256_CBC_SHA256, mac = 32;
        else if (strcmp(alg, "SHA2-384") == 0)
            suite = TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, mac = 48;
        for (size_t t = 0; json_at(tests, t) != NULL; t++) {
            const struct json *v = json_at(tests, t);
            BYTE *ms, *cr, *sr, *kb;

            if (suite == 0) {
                cases_skipped++;
                continue;
            }
            ms = hex(v, "masterSecret", 48), cr = hex(v, "clientRandom", 32), sr = hex(v, "serverRandom", 32),
            kb = hex(v, "keyBlock", kb_bits / 8);
            CHECK(ms && cr && sr && kb);
            if (ms && cr && sr && kb)
                check_key_block("ACVP EMS", TLS1_2_PROTOCOL_VERSION, suite, mac, ms, cr, sr, kb, kb_bits / 8);
            free(ms), free(cr), free(sr), free(kb);
        }
    }
    json_free(root);
}

/* "NAME (0x0005)" -> 0x0005 */
static DWORD suite_of(const char *label)
{
    const char *p = label ? strstr(label, "(0x") : NULL;
    return p ? (DWORD)strtoul(p + 1, NULL, 16) : 0;
}

static DWORD protocol_of(const char *v)
{
    return strcmp(v, "SSL3.0") == 0 ? SSL3_PROTOCOL_VERSION : strcmp(v, "TLS1.0") == 0 ? TLS1_0_PROTOCOL_VERSION
         : strcmp(v, "TLS1.1") == 0 ? TLS1_1_PROTOCOL_VERSION : strcmp(v, "TLS1.2") == 0 ? TLS1_2_PROTOCOL_VERSION : 0;
}

/* Go's TLS 1.0 vectors and the SSL 3.0 ones: a named suite, master secret, randoms and the
 * key-block prefix. */
static void named_suite_vectors(const char *file, const char *array)
{
    char path[512];
    struct json *root;
    const struct json *vs;

    snprintf(path, sizeof(path), "%s/%s", SSLPROV_TEST_VECTORS, file);
    root = json_load(path);
    vs = json_get(root, array);
    CHECK(root != NULL && vs != NULL);
    for (size_t i = 0; json_at(vs, i) != NULL; i++) {
        const struct json *v = json_at(vs, i);
        DWORD proto = protocol_of(json_str(v, "version")), suite = suite_of(json_str(v, "cipher_suite"));
        size_t mac = 0, kb_len = 0;
        BYTE *ms = hex(v, "master_secret", 48), *cr = hex(v, "client_random", 32), *sr = hex(v, "server_random", 32);
        BYTE *kb = json_hex(v, "key_block_prefix", &kb_len);

        if (kb == NULL)
            kb = json_hex(v, "key_block", &kb_len);
        json_uint(v, "mac_key_length", &mac);
        CHECK(proto && suite && ms && cr && sr && kb);
        if (proto && suite && ms && cr && sr && kb)
            check_key_block(file, proto, suite, (DWORD)mac, ms, cr, sr, kb, kb_len);
        free(ms), free(cr), free(sr), free(kb);
    }
    json_free(root);
}

int main(void)
{
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    cavp();
    acvp_ems();
    named_suite_vectors("tls10_key_derivation_go.json", "vectors");
    named_suite_vectors("ssl3_kdf.json", "key_derivation");
    printf("%u key blocks checked, %u skipped (no suite for the hash)\n", cases_run, cases_skipped);
    CHECK(cases_run >= 400);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    return check_summary();
}
