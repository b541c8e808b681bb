/* SSLKEYLOGFILE (conventions.md §10), beyond the RFC 8448 replay (test_tls13_rfc8448):
 * - TLS 1.2: libssl's own keylog line ("CLIENT_RANDOM <cr> <ms>", SSL_CTX_set_keylog_callback)
 *   is written by SslGenerateSessionKeys on libssl's master secret, once per (master key,
 *   client random) however often the call is repeated;
 * - TLS 1.3: a transcript that starts with a HelloRetryRequest's message_hash, fed in odd
 *   pieces, logs the random of the ClientHello after it (RFC 8448 §3's); the generations of
 *   SslExpandNextGenTrafficKey are numbered _1, _2; a transcript without a ClientHello, binder
 *   keys, resumption secrets and imported secrets log nothing;
 * - the file: mode 0600, appended to, never followed through a symlink; no variable, no file. */
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "json.h"
#include "libssl_peer.h"
#include "master_blob.h"
#include "sslprovider.h"
#include "sslprov_opaque.h"

static NCRYPT_PROV_HANDLE prov;
static char dir[] = "/tmp/sslprov-keylog-XXXXXX", path[96];
static const DWORD P13 = TLS1_3_PROTOCOL_VERSION, S13 = TLS_AES_128_GCM_SHA256;

static size_t read_log(char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(out, 1, cap - 1, f);
        fclose(f);
    }
    out[n] = 0;
    return n;
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void tls12(void)
{
    struct peer_config cfg = {.version = TLS1_2_VERSION, .ciphers = "ECDHE-RSA-AES128-GCM-SHA256", .groups = "X25519",
                              .no_ticket = 1};
    struct peer_run r;
    BYTE other[32];
    NCRYPT_KEY_HANDLE mk = 0, rd, wr;
    static char log[8192];

    memset(&r, 0, sizeof(r));
    CHECK(peer_handshake(&cfg, &r));
    CHECK_ST(master_blob_import_st(prov, (DWORD)r.version, r.cipher_id, 1, r.master_secret, &mk), SEC_E_OK);
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client_random},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server_random}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    for (int i = 0; i < 3; i++) {
        CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
        SslFreeObject(rd, 0), SslFreeObject(wr, 0);
    }
    read_log(log, sizeof(log));
    CHECK(r.keylog[0] != 0 && count(log, r.keylog) == 1); /* libssl's line, once */
    CHECK(count(log, "CLIENT_RANDOM") == 1);
    /* a failed call logs nothing; another client random is another line */
    b[0].cbBuffer = 31;
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), NTE_INVALID_PARAMETER);
    memcpy(other, r.client_random, 32), other[0] ^= 1;
    b[0] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, other};
    CHECK_ST(SslGenerateSessionKeys(prov, mk, &rd, &wr, &d, 0), SEC_E_OK);
    SslFreeObject(rd, 0), SslFreeObject(wr, 0);
    read_log(log, sizeof(log));
    CHECK(count(log, "CLIENT_RANDOM") == 2 && count(log, r.keylog) == 1);
    SslFreeObject(mk, 0);
    peer_free(&r);
}

static void hex(char *out, const BYTE *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

/* The secret bytes of a TLS 1.3 object, through its OpaqueKeyBlob. */
static void secret_hex(NCRYPT_KEY_HANDLE h, char out[129])
{
    BYTE blob[256];
    DWORD cb = 0;

    CHECK_ST(SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    hex(out, blob + SSLPROV_OPAQUE_KDBM_KEY, 32);
}

static void tls13(const struct json *root)
{
    const struct json *s3 = json_get(root, "section_3_simple_1rtt");
    size_t ch_len = 0;
    BYTE *ch = json_hex(json_get(s3, "handshake_messages"), "ClientHello", &ch_len), mh[36] = {254, 0, 0, 32};
    NCRYPT_KEY_HANDLE early, hs, master, cap, sap, next, next2, res, binder, again;
    NCRYPT_HASH_HANDLE h, sh_only;
    static char log[8192], line[512], rnd[65], sec[129];
    size_t before;

    CHECK(ch != NULL && ch_len > 38);
    if (ch == NULL)
        return;
    hex(rnd, ch + 6, 32);
    memset(mh + 4, 0xA5, 32);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, P13, S13, 0), SEC_E_OK);
    /* message_hash, then ClientHello split inside its header and inside its random */
    CHECK_ST(SslHashHandshake(prov, h, mh, 3, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, mh + 3, 33, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, ch, 2, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, ch + 2, 20, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, h, ch + 22, (DWORD)ch_len - 22, 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, 0, &early, P13, S13, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractHandshakeKey(prov, 0, 0, early, &hs, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractMasterKey(prov, hs, &master, NULL, 0), SEC_E_OK);
    before = read_log(log, sizeof(log));
    CHECK_ST(SslExpandTrafficKeys(prov, master, h, &cap, &sap, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandNextGenTrafficKey(prov, cap, &next, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandNextGenTrafficKey(prov, next, &next2, NULL, 0), SEC_E_OK);
    read_log(log, sizeof(log));
    {
        static const char *const labels[] = {"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
                                             "CLIENT_TRAFFIC_SECRET_1", "CLIENT_TRAFFIC_SECRET_2"};
        const NCRYPT_KEY_HANDLE keys[] = {cap, sap, next, next2};

        for (size_t i = 0; i < 4; i++) {
            secret_hex(keys[i], sec);
            snprintf(line, sizeof(line), "%s %s %s\n", labels[i], rnd, sec);
            CHECK(count(log + before, line) == 1);
        }
    }
    CHECK(count(log + before, "\n") == 4);
    /* logged nothing: resumption, binder, a secret imported from its blob and its next
     * generation, a transcript that does not start with ClientHello */
    before = read_log(log, sizeof(log));
    CHECK_ST(SslExpandResumptionMasterKey(prov, master, h, &res, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandBinderKey(prov, early, &binder, NULL, NCRYPT_SSL_RESUMPTION_PSK_FLAG), SEC_E_OK);
    {
        BYTE blob[256];
        DWORD cb = 0;
        NCRYPT_KEY_HANDLE n3;
        CHECK_ST(SslExportKey(prov, cap, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
        CHECK_ST(SslImportKey(prov, &again, BCRYPT_OPAQUE_KEY_BLOB, blob, cb, 0), SEC_E_OK);
        CHECK_ST(SslExpandNextGenTrafficKey(prov, again, &n3, NULL, 0), SEC_E_OK);
        SslFreeObject(n3, 0);
    }
    CHECK_ST(SslCreateHandshakeHash(prov, &sh_only, P13, S13, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, sh_only, (PBYTE) "\x02\x00\x00\x26", 4, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(prov, sh_only, ch, (DWORD)ch_len, 0), SEC_E_OK); /* a ClientHello later */
    SslFreeObject(sap, 0), SslFreeObject(cap, 0);
    CHECK_ST(SslExpandTrafficKeys(prov, master, sh_only, &cap, &sap, NULL, 0), SEC_E_OK);
    CHECK(read_log(log, sizeof(log)) == before);
    SslFreeObject(cap, 0), SslFreeObject(sap, 0), SslFreeObject(next, 0), SslFreeObject(next2, 0);
    SslFreeObject(res, 0), SslFreeObject(binder, 0), SslFreeObject(again, 0), SslFreeObject(early, 0);
    SslFreeObject(hs, 0), SslFreeObject(master, 0), SslFreeObject(h, 0), SslFreeObject(sh_only, 0);
    free(ch);
}

/* A TLS 1.3 schedule up to the application traffic secrets, over a transcript that starts with
 * a ClientHello: two lines when p logs. */
static void app_secrets(NCRYPT_PROV_HANDLE p)
{
    BYTE hello[38] = {1, 0, 0, 34, 3, 3};
    NCRYPT_HASH_HANDLE h;
    NCRYPT_KEY_HANDLE early, hs, master, cap, sap;

    memset(hello + 6, 0x5A, 32);
    CHECK_ST(SslCreateHandshakeHash(p, &h, P13, S13, 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(p, h, hello, sizeof(hello), 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(p, 0, &early, P13, S13, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractHandshakeKey(p, 0, 0, early, &hs, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractMasterKey(p, hs, &master, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandTrafficKeys(p, master, h, &cap, &sap, NULL, 0), SEC_E_OK);
    SslFreeObject(cap, 0), SslFreeObject(sap, 0), SslFreeObject(master, 0), SslFreeObject(hs, 0);
    SslFreeObject(early, 0), SslFreeObject(h, 0);
}

/* Mode 0600. No variable: no logging. A symlink at the path: not followed, logging off, the
 * provider works. */
static void file_rules(void)
{
    NCRYPT_PROV_HANDLE p2;
    char target[128], link_path[128];
    static char log[8192];
    struct stat st;
    size_t before;

    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    before = read_log(log, sizeof(log));
    app_secrets(prov); /* the positive control: prov logs */
    CHECK(read_log(log, sizeof(log)) > before && count(log + before, "_TRAFFIC_SECRET_0 5a5a") == 2);
    unsetenv("SSLKEYLOGFILE");
    before = read_log(log, sizeof(log));
    CHECK_ST(SslOpenProvider(&p2, NULL, 0), SEC_E_OK);
    app_secrets(p2);
    SslFreeObject(p2, 0);
    CHECK(read_log(log, sizeof(log)) == before);
    snprintf(target, sizeof(target), "%s/target", dir);
    snprintf(link_path, sizeof(link_path), "%s/link", dir);
    CHECK(symlink(target, link_path) == 0);
    setenv("SSLKEYLOGFILE", link_path, 1);
    CHECK_ST(SslOpenProvider(&p2, NULL, 0), SEC_E_OK);
    app_secrets(p2);
    SslFreeObject(p2, 0);
    CHECK(lstat(target, &st) != 0); /* nothing created through the link */
    unlink(link_path);
}

int main(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/rfc8448.json");

    CHECK(root != NULL && mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/keys.log", dir);
    setenv("SSLKEYLOGFILE", path, 1);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    tls12();
    if (root != NULL)
        tls13(root);
    file_rules();
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    json_free(root);
    peer_global_cleanup();
    unlink(path);
    rmdir(dir);
    return check_summary();
}
