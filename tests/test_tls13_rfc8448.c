/* RFC 8448 replayed through the public API (issue 5): §3 (1-RTT) and §4 (resumed 0-RTT).
 * The fixed X25519 key shares enter through SslProvImportEphemeralKey; every secret is read
 * back through its OpaqueKeyBlob (conventions.md §7) and compared with the trace; write keys
 * (key and IV), both Finished values, the PSK binder, the resumption PSK and the exporter
 * secrets too. Both sides derive the handshake secret from their own private key. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "json.h"
#include "sslprov_ext.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static const struct json *sec; /* the section being replayed */
static const DWORD P13 = TLS1_3_PROTOCOL_VERSION, S = TLS_AES_128_GCM_SHA256;

static BYTE *hx(const struct json *obj, const char *key, size_t *len)
{
    size_t n = 0;
    BYTE *b = json_hex(obj, key, &n);
    if (len)
        *len = n;
    CHECK(b != NULL);
    return b;
}

/* The secret (or key) an object holds, through its OpaqueKeyBlob; 0x4C is its stage. */
static void expect_blob(NCRYPT_KEY_HANDLE h, DWORD stage, const struct json *obj, const char *key, const char *what)
{
    BYTE blob[256];
    DWORD cb = 0;
    size_t n;
    BYTE *want = hx(obj, key, &n);

    CHECK_ST(SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    CHECK(get32(blob + 0x4C) == stage && get32(blob + 8) == P13);
    if (want == NULL || cb < 92 + n || get32(blob + 88) != n || memcmp(blob + 92, want, n) != 0) {
        fprintf(stderr, "%s differs\n", what);
        CHECK(!"secret");
    } else {
        CHECK(1);
    }
    /* the blob imports back to an object with the same blob */
    {
        NCRYPT_KEY_HANDLE again = 0;
        BYTE blob2[256];
        DWORD cb2 = 0;
        CHECK_ST(SslImportKey(prov, &again, BCRYPT_OPAQUE_KEY_BLOB, blob, cb, 0), SEC_E_OK);
        CHECK_ST(SslExportKey(prov, again, BCRYPT_OPAQUE_KEY_BLOB, blob2, sizeof(blob2), &cb2, 0), SEC_E_OK);
        CHECK(cb2 == cb && memcmp(blob, blob2, cb) == 0);
        SslFreeObject(again, 0);
    }
    free(want);
}

static unsigned records_checked;

/* Every record of the trace protected with this write key: it decrypts to the
 * TLSInnerPlaintext (content || type, no padding in these traces), our encryption of that
 * reproduces the record byte for byte, and every flipped byte is refused. */
static void check_records(NCRYPT_KEY_HANDLE wk, const char *which)
{
    const struct json *recs = json_get(sec, "records");

    for (size_t i = 0; json_at(recs, i) != NULL; i++) {
        const struct json *r = json_at(recs, i);
        const char *keys = json_str(r, "keys");
        size_t rl, pl, seq = 0, type = 0;
        BYTE *rec, *pt, inner[1024], out[1100];
        DWORD got = 0;

        if (keys == NULL || strcmp(keys, which) != 0)
            continue;
        rec = hx(r, "record", &rl), pt = hx(r, "plaintext", &pl);
        CHECK(json_uint(r, "seq", &seq) && json_uint(r, "inner_content_type", &type));
        if (rec == NULL || pt == NULL || pl + 1 > sizeof(inner)) {
            free(rec), free(pt);
            continue;
        }
        memcpy(inner, pt, pl);
        inner[pl] = (BYTE)type;
        CHECK_ST(SslDecryptPacket(prov, wk, rec, (DWORD)rl, out, sizeof(out), &got, seq, 0), SEC_E_OK);
        CHECK(got == pl + 1 && memcmp(out, inner, pl + 1) == 0);
        for (size_t b = 0; b < rl; b++) {
            SECURITY_STATUS st;
            rec[b] ^= 0x01;
            st = SslDecryptPacket(prov, wk, rec, (DWORD)rl, out, sizeof(out), &got, seq, 0);
            CHECK(st == (b == 3 || b == 4 ? NTE_BAD_DATA : STATUS_AUTH_TAG_MISMATCH));
            rec[b] ^= 0x01;
        }
        CHECK_ST(SslDecryptPacket(prov, wk, rec, (DWORD)rl, out, sizeof(out), &got, seq + 1, 0), STATUS_AUTH_TAG_MISMATCH);
        CHECK_ST(SslDecryptPacket(prov, wk, rec, (DWORD)rl - 1, out, sizeof(out), &got, seq, 0), NTE_BAD_DATA);
        /* in place (output at record + 5, and over the header) cbOutput binds too (issue 10):
         * one byte short or 0 -> NTE_BUFFER_TOO_SMALL, record and *pcbResult untouched; the
         * exact size works */
        if (rl <= sizeof(out)) {
            static const size_t offs[] = {5, 0};

            for (size_t o = 0; o < 2; o++) {
                BYTE *io = out;

                memcpy(io, rec, rl);
                got = 0xA5A5A5A5;
                CHECK_ST(SslDecryptPacket(prov, wk, io, (DWORD)rl, io + offs[o], 0, &got, seq, 0), NTE_BUFFER_TOO_SMALL);
                CHECK_ST(SslDecryptPacket(prov, wk, io, (DWORD)rl, io + offs[o], (DWORD)pl, &got, seq, 0),
                         NTE_BUFFER_TOO_SMALL);
                CHECK(got == 0xA5A5A5A5 && memcmp(io, rec, rl) == 0);
                CHECK_ST(SslDecryptPacket(prov, wk, io, (DWORD)rl, io + offs[o], (DWORD)pl + 1, &got, seq, 0), SEC_E_OK);
                CHECK(got == pl + 1 && memcmp(io + offs[o], inner, pl + 1) == 0);
            }
        }
        CHECK_ST(SslEncryptPacket(prov, wk, inner, (DWORD)pl + 1, out, sizeof(out), &got, seq, CT_APPLICATIONDATA, 0), SEC_E_OK);
        CHECK(got == rl && memcmp(out, rec, rl) == 0);
        /* no nonce reuse within one key object */
        CHECK_ST(SslEncryptPacket(prov, wk, inner, (DWORD)pl + 1, out, sizeof(out), &got, seq, CT_APPLICATIONDATA, 0),
                 NTE_INVALID_PARAMETER);
        /* 2^64-1 cannot be followed by another record: refused, *pcbResult untouched
         * (issue 10) */
        got = 0xA5A5A5A5;
        CHECK_ST(SslEncryptPacket(prov, wk, inner, (DWORD)pl + 1, out, sizeof(out), &got, UINT64_MAX,
                                  CT_APPLICATIONDATA, 0), NTE_INVALID_PARAMETER);
        CHECK(got == 0xA5A5A5A5);
        records_checked++;
        free(rec), free(pt);
    }
    /* the last number, 2^64-2, works and decrypts; after it nothing does */
    {
        static const BYTE inner[] = {'h', 'i', CT_APPLICATIONDATA};
        BYTE out[64], back[64];
        DWORD got = 0, bl = 0;

        CHECK_ST(SslEncryptPacket(prov, wk, (PBYTE)inner, sizeof(inner), out, sizeof(out), &got, UINT64_MAX - 1,
                                  CT_APPLICATIONDATA, 0), SEC_E_OK);
        CHECK_ST(SslDecryptPacket(prov, wk, out, got, back, sizeof(back), &bl, UINT64_MAX - 1, 0), SEC_E_OK);
        CHECK(bl == sizeof(inner) && memcmp(back, inner, sizeof(inner)) == 0);
        CHECK_ST(SslEncryptPacket(prov, wk, (PBYTE)inner, sizeof(inner), out, sizeof(out), &got, UINT64_MAX - 1,
                                  CT_APPLICATIONDATA, 0), NTE_INVALID_PARAMETER);
    }
}

/* A write key: KDBM(key) and the 12-byte IV at 0x1C. */
static void expect_write_key(NCRYPT_KEY_HANDLE traffic, const char *which)
{
    const struct json *tk = json_get(json_get(sec, "traffic_keys"), which);
    NCRYPT_KEY_HANDLE wk = 0;
    BYTE blob[256];
    DWORD cb = 0;
    BYTE *key = hx(tk, "key", NULL), *iv = hx(tk, "iv", NULL);

    CHECK_ST(SslExpandWriteKey(prov, traffic, &wk, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExportKey(prov, wk, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    CHECK(get32(blob + 0x4C) == 5 && get32(blob + 0x18) == 12);
    CHECK(key && memcmp(blob + 92, key, 16) == 0 && get32(blob + 88) == 16);
    CHECK(iv && memcmp(blob + 0x1C, iv, 12) == 0);
    if (!key || memcmp(blob + 92, key, 16) != 0)
        fprintf(stderr, "%s write key differs\n", which);
    check_records(wk, which);
    SslFreeObject(wk, 0);
    free(key), free(iv);
}

static NCRYPT_KEY_HANDLE import_priv(const char *who)
{
    const struct json *k = json_get(sec, who);
    size_t n;
    BYTE *priv = hx(k, "private_key", &n), *pub = hx(k, "public_key", NULL), blob[64];
    NCRYPT_KEY_HANDLE h = 0;
    DWORD cb = 0;

    CHECK_ST(SslProvImportEphemeralKey(prov, &h, 29, priv, (DWORD)n, 0), SEC_E_OK);
    /* its share is the trace's public key (SSL_ECCPUBLIC_BLOB: {29, 32} + the share) */
    CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), &cb, 0), SEC_E_OK);
    CHECK(cb == 40 && pub && memcmp(blob + 8, pub, 32) == 0);
    free(priv), free(pub);
    return h;
}

static NCRYPT_KEY_HANDLE import_share(const char *who)
{
    BYTE *pub = hx(json_get(sec, who), "public_key", NULL), blob[40] = {29, 0, 0, 0, 32, 0, 0, 0};
    NCRYPT_KEY_HANDLE h = 0;

    memcpy(blob + 8, pub, 32);
    CHECK_ST(SslImportKey(prov, &h, SSL_ECCPUBLIC_BLOB, blob, sizeof(blob), 0), SEC_E_OK);
    free(pub);
    return h;
}

static void hash_msg(NCRYPT_HASH_HANDLE h, const char *name)
{
    size_t n;
    BYTE *m = hx(json_get(sec, "handshake_messages"), name, &n);

    CHECK_ST(SslHashHandshake(prov, h, m, (DWORD)n, 0), SEC_E_OK);
    free(m);
}

static void expect_finished(NCRYPT_KEY_HANDLE key, NCRYPT_HASH_HANDLE h, const char *field)
{
    BYTE out[32], *want = hx(json_get(sec, "finished"), field, NULL);

    CHECK_ST(SslComputeFinishedHash(prov, key, h, out, 32, 0), SEC_E_OK);
    CHECK(want && memcmp(out, want, 32) == 0);
    if (!want || memcmp(out, want, 32) != 0)
        fprintf(stderr, "%s differs\n", field);
    /* a prefix is allowed, more than Hash.length is not (conventions.md §4) */
    CHECK_ST(SslComputeFinishedHash(prov, key, h, out, 12, NCRYPT_SSL_SERVER_FLAG), SEC_E_OK);
    CHECK(want && memcmp(out, want, 12) == 0);
    CHECK_ST(SslComputeFinishedHash(prov, key, h, out, 33, 0), NTE_BAD_LEN);
    CHECK_ST(SslComputeFinishedHash(prov, key, h, out, 0, 0), NTE_BAD_LEN);
    free(want);
}

/* The server side's handshake secret from its own private key and the client's share. */
static void server_side_handshake(NCRYPT_KEY_HANDLE early)
{
    NCRYPT_KEY_HANDLE spriv = import_priv("server_ephemeral_x25519"), cpub = import_share("client_ephemeral_x25519"), hs;
    const struct json *secrets = json_get(sec, "secrets");

    CHECK_ST(SslExtractHandshakeKey(prov, spriv, cpub, early, &hs, NULL, 0), SEC_E_OK);
    expect_blob(hs, 2, secrets, "handshake_secret", "server-side handshake secret");
    SslFreeObject(hs, 0), SslFreeObject(spriv, 0), SslFreeObject(cpub, 0);
}

/* The rest of a handshake from the handshake secret on, client side. */
static void from_handshake(NCRYPT_KEY_HANDLE early, NCRYPT_HASH_HANDLE h, const char *const *server_flight,
                           const char *const *client_flight, NCRYPT_KEY_HANDLE *master_out)
{
    const struct json *secrets = json_get(sec, "secrets");
    NCRYPT_KEY_HANDLE cpriv = import_priv("client_ephemeral_x25519"), spub = import_share("server_ephemeral_x25519");
    NCRYPT_KEY_HANDLE hs, chs, shs, master, cap, sap, exp;

    CHECK_ST(SslExtractHandshakeKey(prov, cpriv, spub, early, &hs, NULL, 0), SEC_E_OK);
    expect_blob(hs, 2, secrets, "handshake_secret", "handshake secret");
    server_side_handshake(early);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h, &chs, &shs, NULL, 0), SEC_E_OK);
    expect_blob(chs, 4, secrets, "client_handshake_traffic_secret", "c hs traffic");
    expect_blob(shs, 4, secrets, "server_handshake_traffic_secret", "s hs traffic");
    expect_write_key(chs, "client_handshake");
    expect_write_key(shs, "server_handshake");
    for (size_t i = 0; server_flight[i]; i++)
        hash_msg(h, server_flight[i]);
    expect_finished(shs, h, "server_verify_data");
    hash_msg(h, "server_Finished");
    CHECK_ST(SslExtractMasterKey(prov, hs, &master, NULL, 0), SEC_E_OK);
    expect_blob(master, 3, secrets, "master_secret", "master secret");
    CHECK_ST(SslExpandTrafficKeys(prov, master, h, &cap, &sap, NULL, 0), SEC_E_OK);
    expect_blob(cap, 4, secrets, "client_application_traffic_secret_0", "c ap traffic");
    expect_blob(sap, 4, secrets, "server_application_traffic_secret_0", "s ap traffic");
    expect_write_key(cap, "client_application");
    expect_write_key(sap, "server_application");
    CHECK_ST(SslExpandExporterMasterKey(prov, master, h, &exp, NULL, 0), SEC_E_OK);
    expect_blob(exp, 6, secrets, "exporter_master_secret", "exporter master");
    for (size_t i = 0; client_flight[i]; i++)
        hash_msg(h, client_flight[i]);
    expect_finished(chs, h, "client_verify_data");
    hash_msg(h, "client_Finished");
    *master_out = master;
    SslFreeObject(cpriv, 0), SslFreeObject(spub, 0), SslFreeObject(hs, 0), SslFreeObject(chs, 0);
    SslFreeObject(shs, 0), SslFreeObject(cap, 0), SslFreeObject(sap, 0), SslFreeObject(exp, 0);
}

static void section3(const struct json *root)
{
    static const char *const server_flight[] = {"EncryptedExtensions", "Certificate", "CertificateVerify", NULL};
    static const char *const client_flight[] = {NULL};
    NCRYPT_KEY_HANDLE early, master, res, psk;
    NCRYPT_HASH_HANDLE h;
    BYTE *nonce, out[64];
    size_t nonce_len;
    DWORD cb;

    sec = json_get(root, "section_3_simple_1rtt");
    CHECK_ST(SslExtractEarlyKey(prov, 0, &early, P13, S, NULL, 0), SEC_E_OK);
    expect_blob(early, 1, json_get(sec, "secrets"), "early_secret", "early secret");
    CHECK_ST(SslCreateHandshakeHash(prov, &h, P13, S, 0), SEC_E_OK);
    hash_msg(h, "ClientHello");
    hash_msg(h, "ServerHello");
    from_handshake(early, h, server_flight, client_flight, &master);
    CHECK_ST(SslExpandResumptionMasterKey(prov, master, h, &res, NULL, 0), SEC_E_OK);
    expect_blob(res, 7, json_get(sec, "secrets"), "resumption_master_secret", "resumption master");
    nonce = hx(json_get(sec, "new_session_ticket_fields"), "ticket_nonce", &nonce_len);
    CHECK_ST(SslExpandPreSharedKey(prov, res, nonce, (DWORD)nonce_len, &psk, NULL, 0), SEC_E_OK);
    expect_blob(psk, 9, json_get(sec, "secrets"), "resumption_psk_for_ticket", "resumption PSK");
    /* the PSK leaves raw through TLS_13_PRE_SHARED_KEY */
    {
        BYTE *want = hx(json_get(sec, "secrets"), "resumption_psk_for_ticket", NULL);
        CHECK_ST(SslExportKey(prov, psk, TLS_13_PRE_SHARED_KEY, out, sizeof(out), &cb, 0), SEC_E_OK);
        CHECK(cb == 32 && want && memcmp(out, want, 32) == 0);
        free(want);
    }
    free(nonce);
    SslFreeObject(psk, 0), SslFreeObject(res, 0), SslFreeObject(master, 0), SslFreeObject(early, 0);
    SslFreeObject(h, 0);
}

static void section4(const struct json *root)
{
    static const char *const server_flight[] = {"EncryptedExtensions", NULL};
    static const char *const client_flight[] = {"EndOfEarlyData", NULL};
    const struct json *secrets;
    NCRYPT_KEY_HANDLE psk, early, binder, cet, eexp, master;
    NCRYPT_HASH_HANDLE h, hb;
    BYTE *raw, out[32], *want;
    size_t n;

    sec = json_get(root, "section_4_resumed_0rtt");
    secrets = json_get(sec, "secrets");
    raw = hx(sec, "psk", &n);
    CHECK_ST(SslImportKey(prov, &psk, TLS_13_PRE_SHARED_KEY, raw, (DWORD)n, 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, psk, &early, P13, S, NULL, 0), SEC_E_OK);
    expect_blob(early, 1, secrets, "early_secret", "PSK early secret");
    CHECK_ST(SslExpandBinderKey(prov, early, &binder, NULL, NCRYPT_SSL_RESUMPTION_PSK_FLAG), SEC_E_OK);
    expect_blob(binder, 8, secrets, "binder_key", "binder key");
    /* binder = Finished(binder_key) over the truncated ClientHello (RFC 8446 §4.2.11.2) */
    CHECK_ST(SslCreateHandshakeHash(prov, &hb, P13, S, 0), SEC_E_OK);
    hash_msg(hb, "ClientHello_truncated_for_binder");
    CHECK_ST(SslComputeFinishedHash(prov, binder, hb, out, 32, 0), SEC_E_OK);
    want = hx(secrets, "psk_binder", NULL);
    CHECK(want && memcmp(out, want, 32) == 0);
    free(want);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, P13, S, 0), SEC_E_OK);
    hash_msg(h, "ClientHello");
    CHECK_ST(SslExpandTrafficKeys(prov, early, h, &cet, NULL, NULL, 0), SEC_E_OK);
    expect_blob(cet, 4, secrets, "client_early_traffic_secret", "c e traffic");
    expect_write_key(cet, "client_early");
    CHECK_ST(SslExpandExporterMasterKey(prov, early, h, &eexp, NULL, 0), SEC_E_OK);
    expect_blob(eexp, 6, secrets, "early_exporter_master_secret", "e exp master");
    hash_msg(h, "ServerHello");
    from_handshake(early, h, server_flight, client_flight, &master);
    free(raw);
    SslFreeObject(master, 0), SslFreeObject(eexp, 0), SslFreeObject(cet, 0), SslFreeObject(binder, 0);
    SslFreeObject(early, 0), SslFreeObject(psk, 0), SslFreeObject(h, 0), SslFreeObject(hb, 0);
}

/* SSLKEYLOGFILE (conventions.md §10): the lines the replay wrote are the trace's secrets,
 * labelled as NSS/libssl label them, with each section's ClientHello random. */
static void append_line(char *out, size_t cap, const struct json *section, const char *label, const char *key)
{
    const struct json *msgs = json_get(section, "handshake_messages");
    const char *ch = json_str(msgs, "ClientHello"), *secret = json_str(json_get(section, "secrets"), key);
    size_t n = strlen(out);

    CHECK(ch != NULL && secret != NULL && strlen(ch) >= 76);
    if (ch != NULL && secret != NULL && strlen(ch) >= 76)
        snprintf(out + n, cap - n, "%s %.64s %s\n", label, ch + 12, secret); /* random: bytes 6..37 */
}

static void check_keylog(const struct json *root, const char *path)
{
    static const char *const one_rtt[][2] = {
        {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "client_handshake_traffic_secret"},
        {"SERVER_HANDSHAKE_TRAFFIC_SECRET", "server_handshake_traffic_secret"},
        {"CLIENT_TRAFFIC_SECRET_0", "client_application_traffic_secret_0"},
        {"SERVER_TRAFFIC_SECRET_0", "server_application_traffic_secret_0"},
        {"EXPORTER_SECRET", "exporter_master_secret"},
    };
    const struct json *s3 = json_get(root, "section_3_simple_1rtt"), *s4 = json_get(root, "section_4_resumed_0rtt");
    static char want[4096], got[4096];
    FILE *f = fopen(path, "r");
    size_t n = 0;

    CHECK(f != NULL);
    if (f != NULL) {
        n = fread(got, 1, sizeof(got) - 1, f);
        fclose(f);
    }
    got[n] = 0;
    for (size_t i = 0; i < 5; i++)
        append_line(want, sizeof(want), s3, one_rtt[i][0], one_rtt[i][1]);
    append_line(want, sizeof(want), s4, "CLIENT_EARLY_TRAFFIC_SECRET", "client_early_traffic_secret");
    append_line(want, sizeof(want), s4, "EARLY_EXPORTER_SECRET", "early_exporter_master_secret");
    for (size_t i = 0; i < 5; i++)
        append_line(want, sizeof(want), s4, one_rtt[i][0], one_rtt[i][1]);
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "keylog:\n%s\nwanted:\n%s", got, want);
}

int main(void)
{
    struct json *root = json_load(SSLPROV_TEST_VECTORS "/rfc8448.json");
    char dir[] = "/tmp/sslprov-rfc8448-XXXXXX", path[64];

    CHECK(root != NULL);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/keylog", dir);
    setenv("SSLKEYLOGFILE", path, 1);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    if (root != NULL) {
        section3(root);
        section4(root);
        check_keylog(root, path);
    }
    unlink(path);
    rmdir(dir);
    json_free(root);
    printf("%u protected records of the traces decrypted and re-encrypted\n", records_checked);
    CHECK(records_checked == 15); /* 7 in §3, 8 in §4 */
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
