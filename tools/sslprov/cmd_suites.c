/* sslprov suites [--all] [--protocol P]: one line per cipher suite with the protocols it is
 * listed for, in the style of `openssl ciphers -V`. Everything shown comes through the public
 * API: the default list is SslEnumCipherSuitesEx; --all asks SslLookupCipherSuiteInfo about
 * every 16-bit suite code and the SSL 2.0 codes of the header; --protocol keeps the suites that
 * exist for that protocol (by lookup). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct {
    DWORD code;
    const char *opt, *label;
} protos[] = {
    {SSL2_PROTOCOL_VERSION, "ssl2", "SSL2"},       {SSL3_PROTOCOL_VERSION, "ssl3", "SSL3"},
    {TLS1_0_PROTOCOL_VERSION, "tls1.0", "TLS1.0"}, {TLS1_1_PROTOCOL_VERSION, "tls1.1", "TLS1.1"},
    {TLS1_2_PROTOCOL_VERSION, "tls1.2", "TLS1.2"}, {TLS1_3_PROTOCOL_VERSION, "tls1.3", "TLS1.3"},
    {DTLS1_0_PROTOCOL_VERSION, "dtls1.0", "DTLS1.0"},
    {DTLS1_2_PROTOCOL_VERSION, "dtls1.2", "DTLS1.2"},
};
#define N_PROTOS (sizeof protos / sizeof protos[0])
#define PROTO_BIT(i) (1u << (i))

static const DWORD ssl2_codes[] = {
    SSL_CK_RC4_128_WITH_MD5, SSL_CK_RC4_128_EXPORT40_WITH_MD5, SSL_CK_RC2_128_CBC_WITH_MD5,
    SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5, SSL_CK_IDEA_128_CBC_WITH_MD5,
    SSL_CK_DES_64_CBC_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5,
};

#define MAX_ROWS 512

struct row {
    DWORD id;
    unsigned protos;                     /* PROTO_BIT(i) for protos[i] */
    NCRYPT_SSL_CIPHER_SUITE info;        /* as reported for the first protocol seen */
    char mode[NCRYPT_SSL_MAX_NAME_SIZE]; /* szCipherMode of the Ex record, "" if none */
};

struct table {
    struct row rows[MAX_ROWS];
    size_t n;
};

struct options {
    bool all, help;
    int proto; /* index into protos, -1 for every protocol */
};

/* Index of the row of id, or t->n if there is none. */
static size_t table_index(const struct table *t, DWORD id)
{
    size_t i = 0;

    while (i < t->n && t->rows[i].id != id)
        i++;
    return i;
}

/* The row of id, appended if new (NULL when the table is full). */
static struct row *table_row(struct table *t, DWORD id, bool *added)
{
    size_t i = table_index(t, id);
    struct row *r;

    *added = false;
    if (i < t->n)
        return &t->rows[i];
    if (t->n == MAX_ROWS)
        return NULL;
    r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    r->id = id;
    *added = true;
    return r;
}

static int proto_index(DWORD code)
{
    for (size_t i = 0; i < N_PROTOS; i++)
        if (protos[i].code == code)
            return (int)i;
    return -1;
}

/* The provider's default enumeration, grouped by suite in first-appearance order. */
static SECURITY_STATUS collect_enumeration(NCRYPT_PROV_HANDLE prov, struct table *t)
{
    NCRYPT_SSL_CIPHER_SUITE_EX *cx;
    PVOID state = NULL;
    SECURITY_STATUS st;

    while ((st = SslEnumCipherSuitesEx(prov, 0, &cx, &state, 0)) == SEC_E_OK) {
        bool added;
        struct row *r = table_row(t, cx->dwCipherSuite, &added);
        int pi = proto_index(cx->dwProtocol);

        if (r != NULL && added) {
            memcpy(&r->info, &cx->dwProtocol, sizeof r->info); /* EX = dwVersion + base */
            cli_ascii(r->mode, sizeof r->mode, cx->szCipherMode, NCRYPT_SSL_MAX_NAME_SIZE);
        }
        if (r != NULL && pi >= 0)
            r->protos |= PROTO_BIT(pi);
        SslFreeBuffer(cx);
    }
    if (state != NULL)
        SslFreeBuffer(state);
    return st == NTE_NO_MORE_ITEMS ? SEC_E_OK : st;
}

/* Look one suite code up under the selected protocols. */
static void collect_id(NCRYPT_PROV_HANDLE prov, const struct options *o,
                       const struct table *enumerated, struct table *t, DWORD id)
{
    for (size_t i = 0; i < N_PROTOS; i++) {
        NCRYPT_SSL_CIPHER_SUITE info;
        size_t e;
        struct row *r;
        bool added;

        if (o->proto >= 0 && (size_t)o->proto != i)
            continue;
        if (SslLookupCipherSuiteInfo(prov, protos[i].code, id, 0, &info, 0) != SEC_E_OK)
            continue;
        if ((r = table_row(t, id, &added)) == NULL)
            return;
        if (added) {
            r->info = info;
            if ((e = table_index(enumerated, id)) < enumerated->n)
                memcpy(r->mode, enumerated->rows[e].mode, sizeof r->mode);
        }
        r->protos |= PROTO_BIT(i);
    }
}

/* --all: every 16-bit code and the SSL 2.0 codes; otherwise the enumerated suites. */
static void collect_lookup(NCRYPT_PROV_HANDLE prov, const struct options *o,
                           const struct table *enumerated, struct table *t)
{
    if (!o->all) {
        for (size_t i = 0; i < enumerated->n; i++)
            collect_id(prov, o, enumerated, t, enumerated->rows[i].id);
        return;
    }
    for (DWORD id = 0; id <= 0xFFFF; id++)
        collect_id(prov, o, enumerated, t, id);
    for (size_t i = 0; i < sizeof ssl2_codes / sizeof ssl2_codes[0]; i++)
        collect_id(prov, o, enumerated, t, ssl2_codes[i]);
}

/* ---- output ------------------------------------------------------------------------------ */

#define ASCII(buf, field) cli_ascii((buf), sizeof(buf), (field), NCRYPT_SSL_MAX_NAME_SIZE)

static void id_text(char *buf, size_t len, DWORD id)
{
    if (id > 0xFFFF)
        snprintf(buf, len, "0x%02X,0x%02X,0x%02X", (unsigned)(id >> 16) & 0xFF,
                 (unsigned)(id >> 8) & 0xFF, (unsigned)id & 0xFF);
    else
        snprintf(buf, len, "0x%02X,0x%02X", (unsigned)(id >> 8) & 0xFF, (unsigned)id & 0xFF);
}

static void protos_text(char *buf, size_t len, unsigned set)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < N_PROTOS; i++)
        if (set & PROTO_BIT(i))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? "," : "", protos[i].label);
}

/* The chaining mode: from the Ex record when the suite was enumerated, else from the name
 * (lookup records carry no mode). */
static const char *mode_of(const struct row *r, const char *name, const char *hash)
{
    if (r->mode[0] != '\0')
        return r->mode;
    if (hash[0] != '\0')
        return r->info.dwCipherBlockLen > 1 ? "ChainingModeCBC" : "ChainingModeN/A";
    if (strstr(name, "_GCM") != NULL)
        return "ChainingModeGCM";
    if (strstr(name, "_CCM") != NULL)
        return "ChainingModeCCM";
    return "ChainingModeN/A";
}

static void enc_text(char *buf, size_t len, const struct row *r, const char *name,
                     const char *hash)
{
    char cipher[NCRYPT_SSL_MAX_NAME_SIZE];
    const char *mode = mode_of(r, name, hash);
    unsigned bits = (unsigned)r->info.dwCipherLen;

    ASCII(cipher, r->info.szCipher);
    if (cipher[0] == '\0')
        snprintf(buf, len, "None");
    else if (strcmp(cipher, "CHACHA20_POLY1305") == 0)
        snprintf(buf, len, "CHACHA20/POLY1305(%u)", bits);
    else if (strcmp(mode, "ChainingModeGCM") == 0)
        snprintf(buf, len, "%sGCM(%u)", cipher, bits);
    else if (strcmp(mode, "ChainingModeCCM") == 0)
        snprintf(buf, len, "%sCCM%s(%u)", cipher, strstr(name, "CCM_8") ? "8" : "", bits);
    else
        snprintf(buf, len, "%s(%u)", cipher, bits);
}

/* PRF of the newest protocol the row lists: SslGetCipherSuitePRFHashAlgorithm for TLS 1.3,
 * TLS 1.2 and DTLS 1.2; the fixed MD5+SHA1 PRF for TLS 1.0/1.1/DTLS 1.0. */
static void prf_text(char *buf, size_t len, NCRYPT_PROV_HANDLE prov, const struct row *r)
{
    static const DWORD modern[] = {TLS1_3_PROTOCOL_VERSION, TLS1_2_PROTOCOL_VERSION,
                                   DTLS1_2_PROTOCOL_VERSION};
    unsigned older = PROTO_BIT(proto_index(TLS1_0_PROTOCOL_VERSION)) |
                     PROTO_BIT(proto_index(TLS1_1_PROTOCOL_VERSION)) |
                     PROTO_BIT(proto_index(DTLS1_0_PROTOCOL_VERSION));

    for (size_t i = 0; i < sizeof modern / sizeof modern[0]; i++) {
        WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE];

        if (!(r->protos & PROTO_BIT(proto_index(modern[i]))))
            continue;
        if (SslGetCipherSuitePRFHashAlgorithm(prov, modern[i], r->id, 0, name, 0) == SEC_E_OK)
            cli_ascii(buf, len, name, NCRYPT_SSL_MAX_NAME_SIZE);
        else
            snprintf(buf, len, "?");
        return;
    }
    if (r->protos & older)
        snprintf(buf, len, "MD5+SHA1");
    else if (r->protos & PROTO_BIT(proto_index(SSL3_PROTOCOL_VERSION)))
        snprintf(buf, len, "SSL3");
    else
        snprintf(buf, len, "-");
}

static void print_table(NCRYPT_PROV_HANDLE prov, const struct table *t)
{
    int id_w = 0, name_w = 0, protos_w = 0;

    for (size_t i = 0; i < t->n; i++) {
        char id[32], name[NCRYPT_SSL_MAX_NAME_SIZE], list[128];

        id_text(id, sizeof id, t->rows[i].id);
        ASCII(name, t->rows[i].info.szCipherSuite);
        protos_text(list, sizeof list, t->rows[i].protos);
        id_w = (int)strlen(id) > id_w ? (int)strlen(id) : id_w;
        name_w = (int)strlen(name) > name_w ? (int)strlen(name) : name_w;
        protos_w = (int)strlen(list) > protos_w ? (int)strlen(list) : protos_w;
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        char id[32], name[NCRYPT_SSL_MAX_NAME_SIZE], list[128], kx[NCRYPT_SSL_MAX_NAME_SIZE];
        char au[NCRYPT_SSL_MAX_NAME_SIZE], hash[NCRYPT_SSL_MAX_NAME_SIZE], enc[96], prf[80];

        id_text(id, sizeof id, r->id);
        ASCII(name, r->info.szCipherSuite);
        protos_text(list, sizeof list, r->protos);
        ASCII(kx, r->info.szExchange);
        ASCII(au, r->info.szCertificate);
        ASCII(hash, r->info.szHash);
        enc_text(enc, sizeof enc, r, name, hash);
        prf_text(prf, sizeof prf, prov, r);
        /* TLS 1.3 suites name no exchange or certificate; PSK suites no certificate */
        if (au[0] == '\0')
            snprintf(au, sizeof au, "%s", strcmp(kx, "PSK") == 0 ? "PSK" : "any");
        if (kx[0] == '\0')
            snprintf(kx, sizeof kx, "any");
        printf("%*s - %-*s %-*s Kx=%-5s Au=%-5s Enc=%-22s Mac=%-6s PRF=%s\n", id_w, id, name_w,
               name, protos_w, list, kx, au, enc, hash[0] ? hash : "AEAD", prf);
    }
}

/* ---- command ------------------------------------------------------------------------------ */

static int parse(int argc, char **argv, struct options *o)
{
    o->all = o->help = false;
    o->proto = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = NULL;

        if (strcmp(a, "--all") == 0) {
            o->all = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(a, "--protocol") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("suites", "option '--protocol' needs a value");
            value = argv[++i];
        } else if (strncmp(a, "--protocol=", 11) == 0) {
            value = a + 11;
        } else if (a[0] == '-') {
            return cli_usage_error("suites", "unknown option '%s'", a);
        } else {
            return cli_usage_error("suites", "unexpected argument '%s'", a);
        }
        o->proto = -1;
        for (size_t p = 0; p < N_PROTOS; p++)
            if (strcmp(value, protos[p].opt) == 0)
                o->proto = (int)p;
        if (o->proto < 0)
            return cli_usage_error("suites", "unknown protocol '%s' for --protocol", value);
    }
    return CLI_OK;
}

int cmd_suites(int argc, char **argv)
{
    static struct table enumerated, shown;
    struct options o;
    NCRYPT_PROV_HANDLE prov = 0;
    SECURITY_STATUS st;
    int rc;

    if ((rc = parse(argc, argv, &o)) != CLI_OK)
        return rc;
    if (o.help)
        return cli_command_help("suites");
    if ((st = SslOpenProvider(&prov, NULL, 0)) != SEC_E_OK)
        return cli_api_error("SslOpenProvider", st);
    enumerated.n = shown.n = 0;
    if ((st = collect_enumeration(prov, &enumerated)) != SEC_E_OK) {
        rc = cli_api_error("SslEnumCipherSuitesEx", st);
        goto out;
    }
    if (o.all || o.proto >= 0) {
        collect_lookup(prov, &o, &enumerated, &shown);
        print_table(prov, &shown);
    } else {
        print_table(prov, &enumerated);
    }
    rc = CLI_OK;
out:
    SslFreeObject(prov, 0);
    return rc;
}
