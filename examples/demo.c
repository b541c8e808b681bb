/* sslprov demo: the provider at work, through the public API only — written the way a
 * program ported from Windows would use it. */
#include <stdio.h>
#include <string.h>
#include <sslprovider.h>

/* UTF-16 to ASCII for printing (our names are ASCII). */
static const char *narrow(const WCHAR *w, char *buf, size_t cap)
{
    size_t i = 0;

    for (; w != NULL && w[i] != 0 && i + 1 < cap; i++)
        buf[i] = w[i] < 0x80 ? (char)w[i] : '?';
    buf[i] = '\0';
    return buf;
}

static const char *proto_str(DWORD p)
{
    switch (p) {
    case SSL3_PROTOCOL_VERSION: return "SSL3";
    case TLS1_0_PROTOCOL_VERSION: return "TLS1.0";
    case TLS1_1_PROTOCOL_VERSION: return "TLS1.1";
    case TLS1_2_PROTOCOL_VERSION: return "TLS1.2";
    case TLS1_3_PROTOCOL_VERSION: return "TLS1.3";
    case DTLS1_0_PROTOCOL_VERSION: return "DTLS1.0";
    case DTLS1_2_PROTOCOL_VERSION: return "DTLS1.2";
    default: return "?";
    }
}

static int show_provider(NCRYPT_PROV_HANDLE prov)
{
    NCryptProviderName *list;
    DWORD n, cb, version;
    PBYTE value;
    char a[128], b[128];

    if (SslEnumProtocolProviders(&n, &list, 0) != 0)
        return -1;
    for (DWORD i = 0; i < n; i++)
        printf("provider: %s (%s)\n", narrow(list[i].pszName, a, sizeof(a)),
               narrow(list[i].pszComment, b, sizeof(b)));
    SslFreeBuffer(list);
    if (SslGetProviderProperty(prov, SSLP_WSTR("Version"), &value, &cb, NULL, 0) != 0)
        return -1;
    memcpy(&version, value, sizeof(version));
    SslFreeBuffer(value);
    printf("interface version: %u.%u\n\n", version >> 16, version & 0xffff);
    return 0;
}

static void show_suites(NCRYPT_PROV_HANDLE prov)
{
    NCRYPT_SSL_CIPHER_SUITE_EX *s;
    PVOID state = NULL;
    char name[80], cipher[32], mode[32], exch[16];
    unsigned count = 0;

    printf("cipher suites, in the provider's preference order (SslEnumCipherSuitesEx):\n");
    while (SslEnumCipherSuitesEx(prov, 0, &s, &state, 0) == 0) {
        printf("  0x%04X %-7s %-48s %-6s %3u-bit %-18s %s\n", s->dwCipherSuite, proto_str(s->dwProtocol),
               narrow(s->szCipherSuite, name, sizeof(name)), narrow(s->szCipher, cipher, sizeof(cipher)),
               s->dwCipherLen, narrow(s->szCipherMode, mode, sizeof(mode)),
               narrow(s->szExchange, exch, sizeof(exch)));
        SslFreeBuffer(s);
        count++;
    }
    SslFreeBuffer(state);
    printf("  (%u records)\n\n", count);
}

static void show_curves(NCRYPT_PROV_HANDLE prov)
{
    NCRYPT_SSL_ECC_CURVE *c;
    DWORD n;
    char name[64];

    if (SslEnumEccCurves(prov, &n, &c, 0) != 0)
        return;
    printf("named groups (SslEnumEccCurves):\n");
    for (DWORD i = 0; i < n; i++)
        printf("  %2u %-12s %-22s %u bits\n", c[i].dwCurveType, narrow(c[i].szCurveName, name, sizeof(name)),
               c[i].szOID, c[i].dwPublicKeyLength);
    SslFreeBuffer(c);
    printf("\n");
}

static void show_lengths(NCRYPT_PROV_HANDLE prov)
{
    static const struct { DWORD proto, suite; } rows[] = {
        {TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256},
        {TLS1_3_PROTOCOL_VERSION, TLS_AES_128_CCM_8_SHA256},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
        {DTLS1_2_PROTOCOL_VERSION, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
        {TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA256},
        {TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA},
        {SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_RC4_128_SHA},
    };
    NCRYPT_SSL_CIPHER_SUITE info;
    NCRYPT_SSL_CIPHER_LENGTHS len;
    WCHAR prf[NCRYPT_SSL_MAX_NAME_SIZE];
    char name[80], prfa[16];

    printf("record overhead after the record header (TLS 5, DTLS 13 bytes; SslLookupCipherLengths) and PRF hash:\n");
    printf("  %-7s %-46s header fixed-trailer max-padding PRF\n", "", "");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (SslLookupCipherSuiteInfo(prov, rows[i].proto, rows[i].suite, 0, &info, 0) != 0 ||
            SslLookupCipherLengths(prov, rows[i].proto, rows[i].suite, 0, &len, sizeof(len), 0) != 0)
            continue;
        if (SslGetCipherSuitePRFHashAlgorithm(prov, rows[i].proto, rows[i].suite, 0, prf, 0) != 0)
            strcpy(prfa, "MD5+SHA1");
        else
            narrow(prf, prfa, sizeof(prfa));
        if (rows[i].proto == SSL3_PROTOCOL_VERSION)
            strcpy(prfa, "(SSL3 MD5/SHA1)");
        printf("  %-7s %-46s %6u %13u %11u %s\n", proto_str(rows[i].proto),
               narrow(info.szCipherSuite, name, sizeof(name)), len.dwHeaderLen, len.dwFixedTrailerLen,
               len.dwMaxVariableTrailerLen, prfa);
    }
}

/* ---- an in-process TLS 1.2 ECDHE exchange: a client and a server provider object ---- */

struct side {
    const char *name;
    NCRYPT_PROV_HANDLE prov;
    NCRYPT_KEY_HANDLE eph, peer, master, read, write;
    NCRYPT_HASH_HANDLE hash;
    BYTE share[128];
    DWORD share_len;
};

static void hexline(const char *label, const BYTE *b, size_t n)
{
    printf("  %-34s ", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

#define TRY(call)                                                                            \
    do {                                                                                     \
        SECURITY_STATUS st_ = (call);                                                        \
        if (st_ != 0) {                                                                      \
            fprintf(stderr, "%s failed: 0x%08x\n", #call, (unsigned)st_);                     \
            return -1;                                                                       \
        }                                                                                    \
    } while (0)

/* The key material of a session key, from its OpaqueKeyBlob: the bytes after the 12-byte
 * KDBM header that follows the 80-byte header (cipher key), and the 4-byte fixed IV. */
static int session_key_bytes(struct side *s, NCRYPT_KEY_HANDLE k, BYTE *out, DWORD *len)
{
    BYTE blob[256];
    DWORD cb = 0;

    TRY(SslExportKey(s->prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0));
    memcpy(out, blob + 92, 16);      /* AES-128 key */
    memcpy(out + 16, blob + 0x1C, 4); /* GCM implicit IV */
    *len = 20;
    return 0;
}

static int ecdhe_demo(void)
{
    static const BYTE client_random[32] = "client random, 32 bytes........";
    static const BYTE server_random[32] = "server random, 32 bytes........";
    /* stand-ins for the handshake messages both sides hash (4-byte headers included) */
    static const BYTE hello[] = {1, 0, 0, 4, 3, 3, 0, 0}, server_hello[] = {2, 0, 0, 2, 3, 3};
    const DWORD P = TLS1_2_PROTOCOL_VERSION, S = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    NCryptBuffer rnd[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)client_random},
                           {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)server_random}};
    NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 2, rnd};
    struct side c = {.name = "client"}, sv = {.name = "server"};
    struct side *sides[2] = {&c, &sv};
    BYTE fin[2][2][12], key[2][2][20];
    DWORD cb, n;

    printf("\nTLS 1.2 ECDHE (X25519) between two provider objects, %s:\n",
           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    for (int i = 0; i < 2; i++) {
        struct side *s = sides[i];
        TRY(SslOpenProvider(&s->prov, MS_SCHANNEL_PROVIDER, 0));
        TRY(SslCreateEphemeralKey(s->prov, &s->eph, P, S, 29 /* x25519 */, 0, NULL, 0, 0));
        TRY(SslExportKey(s->prov, s->eph, SSL_ECCPUBLIC_BLOB, s->share, sizeof(s->share), &s->share_len, 0));
        hexline(i ? "server key share (SSLECCPUBLICBLOB)" : "client key share (SSLECCPUBLICBLOB)", s->share + 8,
                s->share_len - 8);
    }
    for (int i = 0; i < 2; i++) {
        struct side *s = sides[i], *o = sides[1 - i];
        TRY(SslImportKey(s->prov, &s->peer, SSL_ECCPUBLIC_BLOB, o->share, o->share_len, 0));
        TRY(SslGenerateMasterKey(s->prov, s->eph, s->peer, &s->master, P, S, &params, NULL, 0, &cb,
                                 i ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG));
        TRY(SslGenerateSessionKeys(s->prov, s->master, &s->read, &s->write, &params, 0));
        TRY(SslCreateHandshakeHash(s->prov, &s->hash, P, S, 0));
        TRY(SslHashHandshake(s->prov, s->hash, (PBYTE)hello, sizeof(hello), 0));
        TRY(SslHashHandshake(s->prov, s->hash, (PBYTE)server_hello, sizeof(server_hello), 0));
        TRY(SslComputeFinishedHash(s->prov, s->master, s->hash, fin[i][0], 12, NCRYPT_SSL_CLIENT_FLAG));
        TRY(SslComputeFinishedHash(s->prov, s->master, s->hash, fin[i][1], 12, NCRYPT_SSL_SERVER_FLAG));
        if (session_key_bytes(s, s->write, key[i][0], &n) || session_key_bytes(s, s->read, key[i][1], &n))
            return -1;
    }
    hexline("client write key+IV (client's view)", key[0][0], 20);
    hexline("client write key+IV (server's read)", key[1][1], 20);
    hexline("server write key+IV (server's view)", key[1][0], 20);
    hexline("server write key+IV (client's read)", key[0][1], 20);
    hexline("client Finished (client / server)", fin[0][0], 12);
    hexline("", fin[1][0], 12);
    hexline("server Finished (client / server)", fin[0][1], 12);
    hexline("", fin[1][1], 12);
    printf("  session keys %s, Finished values %s\n",
           memcmp(key[0][0], key[1][1], 20) == 0 && memcmp(key[0][1], key[1][0], 20) == 0 ? "match" : "DIFFER",
           memcmp(fin[0], fin[1], sizeof(fin[0])) == 0 ? "match" : "DIFFER");
    for (int i = 0; i < 2; i++) {
        struct side *s = sides[i];
        SslFreeObject(s->hash, 0), SslFreeObject(s->read, 0), SslFreeObject(s->write, 0);
        SslFreeObject(s->master, 0), SslFreeObject(s->peer, 0), SslFreeObject(s->eph, 0);
        SslFreeObject(s->prov, 0);
    }
    return memcmp(key[0][0], key[1][1], 20) == 0 && memcmp(fin[0], fin[1], sizeof(fin[0])) == 0 ? 0 : -1;
}

/* ---- an in-process TLS 1.3 exchange: key shares, schedule, Finished, a record each way ---- */

struct side13 {
    NCRYPT_PROV_HANDLE prov;
    NCRYPT_KEY_HANDLE eph, peer, early, hs, chs, shs, master, cap, sap, cw, sw;
    NCRYPT_HASH_HANDLE hash;
    BYTE share[64];
    DWORD share_len;
};

static int tls13_demo(void)
{
    /* stand-ins for ClientHello / ServerHello and the server's flight (4-byte headers) */
    static const BYTE ch[] = {1, 0, 0, 2, 3, 3}, sh[] = {2, 0, 0, 2, 3, 3}, ee[] = {8, 0, 0, 2, 0, 0};
    const DWORD P = TLS1_3_PROTOCOL_VERSION, S = TLS_AES_128_GCM_SHA256;
    struct side13 c = {0}, sv = {0}, *sides[2] = {&c, &sv};
    BYTE fin[2][2][32], rec[128], out[128], inner[] = "hello, TLS 1.3\x17"; /* content || type 23 */
    DWORD rl, ol;

    printf("\nTLS 1.3 (X25519, %s) between two provider objects:\n", "TLS_AES_128_GCM_SHA256");
    for (int i = 0; i < 2; i++) {
        struct side13 *s = sides[i];
        TRY(SslOpenProvider(&s->prov, MS_SCHANNEL_PROVIDER, 0));
        TRY(SslCreateEphemeralKey(s->prov, &s->eph, P, S, 29, 0, NULL, 0, 0));
        TRY(SslExportKey(s->prov, s->eph, SSL_ECCPUBLIC_BLOB, s->share, sizeof(s->share), &s->share_len, 0));
    }
    for (int i = 0; i < 2; i++) {
        struct side13 *s = sides[i], *o = sides[1 - i];
        TRY(SslImportKey(s->prov, &s->peer, SSL_ECCPUBLIC_BLOB, o->share, o->share_len, 0));
        TRY(SslCreateHandshakeHash(s->prov, &s->hash, P, S, 0));
        TRY(SslHashHandshake(s->prov, s->hash, (PBYTE)ch, sizeof(ch), 0));
        TRY(SslHashHandshake(s->prov, s->hash, (PBYTE)sh, sizeof(sh), 0));
        TRY(SslExtractEarlyKey(s->prov, 0, &s->early, P, S, NULL, 0));
        TRY(SslExtractHandshakeKey(s->prov, s->eph, s->peer, s->early, &s->hs, NULL, 0));
        TRY(SslExpandTrafficKeys(s->prov, s->hs, s->hash, &s->chs, &s->shs, NULL, 0));
        TRY(SslHashHandshake(s->prov, s->hash, (PBYTE)ee, sizeof(ee), 0));
        TRY(SslComputeFinishedHash(s->prov, s->shs, s->hash, fin[i][1], 32, 0));
        TRY(SslExtractMasterKey(s->prov, s->hs, &s->master, NULL, 0));
        TRY(SslExpandTrafficKeys(s->prov, s->master, s->hash, &s->cap, &s->sap, NULL, 0));
        TRY(SslComputeFinishedHash(s->prov, s->chs, s->hash, fin[i][0], 32, 0));
        TRY(SslExpandWriteKey(s->prov, s->cap, &s->cw, NULL, 0));
        TRY(SslExpandWriteKey(s->prov, s->sap, &s->sw, NULL, 0));
    }
    hexline("server Finished (client / server)", fin[0][1], 32);
    hexline("", fin[1][1], 32);
    hexline("client Finished (client / server)", fin[0][0], 32);
    hexline("", fin[1][0], 32);
    /* client -> server and server -> client, sequence 0 of the application keys */
    TRY(SslEncryptPacket(c.prov, c.cw, inner, sizeof(inner) - 1, rec, sizeof(rec), &rl, 0, CT_APPLICATIONDATA, 0));
    hexline("client record", rec, rl);
    TRY(SslDecryptPacket(sv.prov, sv.cw, rec, rl, out, sizeof(out), &ol, 0, 0));
    printf("  server read %u bytes: \"%.*s\" + inner type %u\n", ol - 1, (int)ol - 1, out, out[ol - 1]);
    TRY(SslEncryptPacket(sv.prov, sv.sw, inner, sizeof(inner) - 1, rec, sizeof(rec), &rl, 0, CT_APPLICATIONDATA, 0));
    TRY(SslDecryptPacket(c.prov, c.sw, rec, rl, out, sizeof(out), &ol, 0, 0));
    printf("  client read %u bytes back; Finished values %s\n", ol,
           memcmp(fin[0], fin[1], sizeof(fin[0])) == 0 ? "match" : "DIFFER");
    for (int i = 0; i < 2; i++) {
        struct side13 *s = sides[i];
        NCRYPT_KEY_HANDLE hs[] = {s->eph, s->peer, s->early, s->hs, s->chs, s->shs, s->master, s->cap, s->sap, s->cw, s->sw};
        for (size_t j = 0; j < sizeof(hs) / sizeof(hs[0]); j++)
            SslFreeObject(hs[j], 0);
        SslFreeObject(s->hash, 0);
        SslFreeObject(s->prov, 0);
    }
    return memcmp(fin[0], fin[1], sizeof(fin[0])) == 0 ? 0 : -1;
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    SECURITY_STATUS st;

    if ((st = SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0)) != 0) {
        fprintf(stderr, "SslOpenProvider: 0x%08x\n", (unsigned)st);
        return 1;
    }
    if (show_provider(prov) != 0) {
        SslFreeObject(prov, 0);
        return 1;
    }
    show_suites(prov);
    show_curves(prov);
    show_lengths(prov);
    SslFreeObject(prov, 0);
    return ecdhe_demo() == 0 && tls13_demo() == 0 ? 0 : 1;
}
