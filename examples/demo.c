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

    printf("record overhead (SslLookupCipherLengths) and PRF hash:\n");
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
    return 0;
}
