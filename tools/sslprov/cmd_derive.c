/* sslprov derive: the master secret and the session keys of a TLS <= 1.2 connection, from
 * its master secret or RSA pre-master and the two Hello randoms (the analyst's tool).
 *
 * Everything goes through the public API, as a Windows program would do it:
 *  --master      an 'ssl5' OpaqueKeyBlob (conventions.md §7) -> SslImportKey;
 *  --pre-master  RSA key exchange, the API's one way in for a pre-master: a throwaway RSA key
 *                and certificate (libcrypto) -> SslProvAssociateCertificateKeyBlob ->
 *                SslOpenPrivateKey, the pre-master encrypted RSAES-PKCS1-v1_5 ->
 *                SslImportMasterKey (a server master key);
 * then SslExportKey of the master key ('ssl5': the master secret), SslGenerateSessionKeys and
 * SslExportKey of both session keys ('ssl3': IV in the header, KDBM cipher key, MAC key, the
 * AEAD sequence mark), read back into the RFC 5246 §6.3 key-block fields. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "cli.h"
#include "sslprov_ext.h"
#include "sslprov_opaque.h"

#define CMD "derive"
#define RANDOM_LEN 32
#define MASTER_LEN 48
#define RSA_PMS_LEN 48 /* RFC 5246 §7.4.7.1 */
#define MAX_HEX_BYTES 1024
/* the OpaqueKeyBlob layout: include/sslprov_opaque.h, the library's own */
#define OPAQUE_HDR SSLPROV_OPAQUE_HEADER_LEN
#define OPAQUE_MAX 512
#define KDBM_KEY (OPAQUE_HDR + SSLPROV_KDBM_HEADER_LEN) /* where the key starts */

static const struct {
    DWORD code;
    const char *opt;
} protos[] = {
    {SSL3_PROTOCOL_VERSION, "ssl3"},     {TLS1_0_PROTOCOL_VERSION, "tls1.0"},
    {TLS1_1_PROTOCOL_VERSION, "tls1.1"}, {TLS1_2_PROTOCOL_VERSION, "tls1.2"},
    {DTLS1_0_PROTOCOL_VERSION, "dtls1.0"}, {DTLS1_2_PROTOCOL_VERSION, "dtls1.2"},
};
#define N_PROTOS (sizeof protos / sizeof protos[0])

struct bytes {
    uint8_t b[MAX_HEX_BYTES];
    size_t n;
    bool set;
};

struct options {
    const char *protocol, *suite;
    struct bytes master, pre_master, session_hash, client_random, server_random;
    bool json, help;
    size_t proto; /* index into protos */
};

struct suite_sel {
    DWORD id;
    NCRYPT_SSL_CIPHER_SUITE info;
    char name[NCRYPT_SSL_MAX_NAME_SIZE];
};

/* One direction's keys, RFC 5246 §6.3 */
struct side {
    uint8_t mac[64], key[64], iv[48];
    size_t mac_len, key_len, iv_len;
};

struct derived {
    uint8_t master[MASTER_LEN];
    bool client_role; /* of the master key: decides which session key holds whose keys */
    struct side client, server;
};

static DWORD get32(const uint8_t *p)
{
    return p[0] | (DWORD)p[1] << 8 | (DWORD)p[2] << 16 | (DWORD)p[3] << 24;
}

static void put32(uint8_t *p, DWORD v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static const char *status_name(SECURITY_STATUS st)
{
    static const struct {
        SECURITY_STATUS st;
        const char *name;
    } names[] = {
        {NTE_BAD_LEN, "NTE_BAD_LEN"},
        {NTE_BAD_DATA, "NTE_BAD_DATA"},
        {NTE_BAD_FLAGS, "NTE_BAD_FLAGS"},
        {NTE_BAD_TYPE, "NTE_BAD_TYPE"},
        {NTE_BAD_KEY_STATE, "NTE_BAD_KEY_STATE"},
        {NTE_NO_KEY, "NTE_NO_KEY"},
        {NTE_NO_MEMORY, "NTE_NO_MEMORY"},
        {NTE_BAD_KEYSET, "NTE_BAD_KEYSET"},
        {NTE_INVALID_HANDLE, "NTE_INVALID_HANDLE"},
        {NTE_INVALID_PARAMETER, "NTE_INVALID_PARAMETER"},
        {NTE_BUFFER_TOO_SMALL, "NTE_BUFFER_TOO_SMALL"},
        {NTE_NOT_SUPPORTED, "NTE_NOT_SUPPORTED"},
        {NTE_DECRYPTION_FAILURE, "NTE_DECRYPTION_FAILURE"},
        {NTE_INTERNAL_ERROR, "NTE_INTERNAL_ERROR"},
        {NTE_FAIL, "NTE_FAIL"},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].st == st)
            return names[i].name;
    return "unknown status";
}

/* "sslprov: <what> failed: 0x80090029 (NTE_NOT_SUPPORTED)"; returns CLI_FAIL. */
static int api_error(const char *what, SECURITY_STATUS st)
{
    fprintf(stderr, "sslprov: %s failed: 0x%08x (%s)\n", what, (unsigned)st, status_name(st));
    return CLI_FAIL;
}

static int fail(const char *what)
{
    fprintf(stderr, "sslprov: %s\n", what);
    return CLI_FAIL;
}

/* ---- command line ------------------------------------------------------------------------ */

static int hex_nibble(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* Hex digits, even count, not empty. The value is not echoed: it may be a secret. */
static int hex_arg(const char *opt, const char *s, struct bytes *out)
{
    size_t len = strlen(s);

    if (len == 0 || len % 2 != 0)
        return cli_usage_error(CMD, "%s: bad hex (%s)", opt,
                               len == 0 ? "empty" : "odd number of digits");
    if (len / 2 > sizeof out->b)
        return cli_usage_error(CMD, "%s: longer than %d bytes", opt, MAX_HEX_BYTES);
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_nibble((unsigned char)s[i]), lo = hex_nibble((unsigned char)s[i + 1]);

        if (hi < 0 || lo < 0)
            return cli_usage_error(CMD, "%s: bad hex (non-hex character at offset %zu)", opt,
                                   hi < 0 ? i : i + 1);
        out->b[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    out->n = len / 2;
    out->set = true;
    return CLI_OK;
}

/* argv[*i] is "name value" or "name=value": 1 and *value set; 0 not this option; -1 error. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);

    if (strcmp(argv[*i], name) == 0) {
        if (*i + 1 >= argc) {
            cli_usage_error(CMD, "option '%s' needs a value", name);
            return -1;
        }
        *value = argv[++*i];
        return 1;
    }
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    const struct {
        const char *name;
        struct bytes *hex;
        const char **text;
    } opts[] = {
        {"--protocol", NULL, &o->protocol},
        {"--suite", NULL, &o->suite},
        {"--master", &o->master, NULL},
        {"--pre-master", &o->pre_master, NULL},
        {"--session-hash", &o->session_hash, NULL},
        {"--client-random", &o->client_random, NULL},
        {"--server-random", &o->server_random, NULL},
    };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = NULL;
        size_t k = 0;
        int m = 0;

        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        for (; k < sizeof opts / sizeof opts[0]; k++)
            if ((m = option_value(argc, argv, &i, opts[k].name, &value)) != 0)
                break;
        if (m < 0)
            return CLI_USAGE;
        if (m == 0)
            return cli_usage_error(CMD, a[0] == '-' ? "unknown option '%s'"
                                                    : "unexpected argument '%s'", a);
        if (opts[k].text != NULL)
            *opts[k].text = value;
        else if (hex_arg(opts[k].name, value, opts[k].hex) != CLI_OK)
            return CLI_USAGE;
    }
    return CLI_OK;
}

/* Presence, combinations and the lengths the command line alone can judge. */
static int check_args(struct options *o)
{
    if (o->protocol == NULL)
        return cli_usage_error(CMD, "missing --protocol");
    for (o->proto = 0; o->proto < N_PROTOS; o->proto++)
        if (strcmp(o->protocol, protos[o->proto].opt) == 0)
            break;
    if (o->proto == N_PROTOS)
        return cli_usage_error(CMD, "unknown protocol '%s' for --protocol (derive takes ssl3, "
                               "tls1.0, tls1.1, tls1.2, dtls1.0, dtls1.2)", o->protocol);
    if (o->suite == NULL)
        return cli_usage_error(CMD, "missing --suite");
    if (o->master.set == o->pre_master.set)
        return cli_usage_error(CMD, o->master.set ? "--master and --pre-master exclude each other"
                                                  : "missing --master or --pre-master");
    if (o->session_hash.set && !o->pre_master.set)
        return cli_usage_error(CMD, "--session-hash goes with --pre-master (it selects the "
                               "extended master secret, RFC 7627)");
    for (int i = 0; i < 2; i++) {
        const struct bytes *r = i == 0 ? &o->client_random : &o->server_random;
        const char *side = i == 0 ? "client" : "server";

        if (!r->set)
            return cli_usage_error(CMD, "missing --%s-random", side);
        if (r->n != RANDOM_LEN)
            return cli_usage_error(CMD, "--%s-random must be %d bytes, got %zu", side,
                                   RANDOM_LEN, r->n);
    }
    if (o->master.set && o->master.n != MASTER_LEN)
        return cli_usage_error(CMD, "--master must be %d bytes, got %zu", MASTER_LEN,
                               o->master.n);
    if (o->pre_master.set && o->pre_master.n != RSA_PMS_LEN)
        return cli_usage_error(CMD, "--pre-master must be %d bytes, got %zu: a pre-master "
                               "enters the API only through RSA key exchange "
                               "(SslImportMasterKey), whose pre-master is 48 bytes; for other "
                               "exchanges give the master secret with --master (e.g. from an "
                               "SSLKEYLOGFILE CLIENT_RANDOM line)", RSA_PMS_LEN,
                               o->pre_master.n);
    return CLI_OK;
}

/* ---- suites ------------------------------------------------------------------------------- */

/* "0xC02F" or "0xC0,0x2F" (as `sslprov suites` prints it) */
static bool suite_id_parse(const char *s, DWORD *id)
{
    unsigned hi, lo;
    int used = 0;

    if (sscanf(s, "0x%2x,0x%2x%n", &hi, &lo, &used) == 2 && s[used] == '\0' && used == 9) {
        *id = hi << 8 | lo;
        return true;
    }
    if ((s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) || s[2] == '\0' || strlen(s) > 6)
        return false;
    for (const char *p = s + 2; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    if (sscanf(s + 2, "%x", &hi) != 1)
        return false;
    *id = hi;
    return true;
}

/* The suite named by arg (id or IANA name) under protocol proto. */
static bool suite_lookup(NCRYPT_PROV_HANDLE prov, DWORD proto, const char *arg,
                         struct suite_sel *s)
{
    if (suite_id_parse(arg, &s->id)) {
        if (SslLookupCipherSuiteInfo(prov, proto, s->id, 0, &s->info, 0) != SEC_E_OK)
            return false;
        cli_ascii(s->name, sizeof s->name, s->info.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
        return true;
    }
    for (DWORD id = 0; id <= 0xFFFF; id++) {
        if (SslLookupCipherSuiteInfo(prov, proto, id, 0, &s->info, 0) != SEC_E_OK)
            continue;
        cli_ascii(s->name, sizeof s->name, s->info.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
        if (strcasecmp(s->name, arg) == 0) {
            s->id = id;
            return true;
        }
    }
    return false;
}

static int suite_resolve(NCRYPT_PROV_HANDLE prov, const struct options *o, struct suite_sel *s)
{
    if (suite_lookup(prov, protos[o->proto].code, o->suite, s))
        return CLI_OK;
    for (size_t p = 0; p <= N_PROTOS; p++)
        if (suite_lookup(prov, p < N_PROTOS ? protos[p].code : TLS1_3_PROTOCOL_VERSION,
                         o->suite, s))
            return cli_usage_error(CMD, "suite '%s' is not valid for %s", o->suite,
                                   o->protocol);
    return cli_usage_error(CMD, "unknown suite '%s' (an id such as 0xC02F or an IANA name)",
                           o->suite);
}

static bool is_rsa_exchange(const NCRYPT_SSL_CIPHER_SUITE *info)
{
    char kx[NCRYPT_SSL_MAX_NAME_SIZE];

    cli_ascii(kx, sizeof kx, info->szExchange, NCRYPT_SSL_MAX_NAME_SIZE);
    return strcmp(kx, "RSA") == 0;
}

static bool is_aes(const NCRYPT_SSL_CIPHER_SUITE *info)
{
    char cipher[NCRYPT_SSL_MAX_NAME_SIZE];

    cli_ascii(cipher, sizeof cipher, info->szCipher, NCRYPT_SSL_MAX_NAME_SIZE);
    return strcmp(cipher, "AES") == 0;
}

/* SslGetCipherSuitePRFHashAlgorithm's answer; "" where the protocol has a fixed PRF. */
static void prf_name(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD id, char *out, size_t len)
{
    WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE] = {0};

    if (SslGetCipherSuitePRFHashAlgorithm(prov, proto, id, 0, name, 0) != SEC_E_OK)
        name[0] = 0;
    cli_ascii(out, len, name, NCRYPT_SSL_MAX_NAME_SIZE);
}

/* SslImportMasterKey takes RSA suites only, but the master secret depends on the protocol and
 * the PRF alone (RFC 5246 §8.1, RFC 7627 §4): a pre-master for any other suite enters through
 * an RSA suite of the same protocol and PRF, and the master key is then re-imported under the
 * requested suite. Carriers are AES suites: never export-grade, and no legacy-provider cipher. */
static bool carrier_suite(NCRYPT_PROV_HANDLE prov, DWORD proto, const struct suite_sel *s,
                          DWORD *carrier)
{
    char want[NCRYPT_SSL_MAX_NAME_SIZE], have[NCRYPT_SSL_MAX_NAME_SIZE];

    *carrier = s->id;
    if (is_rsa_exchange(&s->info))
        return true;
    prf_name(prov, proto, s->id, want, sizeof want);
    for (DWORD id = 0; id <= 0xFFFF; id++) {
        NCRYPT_SSL_CIPHER_SUITE info;

        if (SslLookupCipherSuiteInfo(prov, proto, id, 0, &info, 0) != SEC_E_OK ||
            !is_rsa_exchange(&info) || !is_aes(&info))
            continue;
        prf_name(prov, proto, id, have, sizeof have);
        if (strcmp(want, have) == 0) {
            *carrier = id;
            return true;
        }
    }
    return false;
}

/* RFC 7627 §3: the session hash has the PRF hash's length (MD5||SHA-1 = 36 before TLS 1.2).
 * SSL 3.0 has no EMS: left to the API to refuse. */
static int check_session_hash(NCRYPT_PROV_HANDLE prov, const struct options *o,
                              const struct suite_sel *s)
{
    static const struct {
        const char *prf;
        size_t len;
    } lens[] = {{"", 36}, {"SHA256", 32}, {"SHA384", 48}};
    char prf[NCRYPT_SSL_MAX_NAME_SIZE];

    if (!o->session_hash.set || protos[o->proto].code == SSL3_PROTOCOL_VERSION)
        return CLI_OK;
    prf_name(prov, protos[o->proto].code, s->id, prf, sizeof prf);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        if (strcmp(prf, lens[i].prf) == 0 && o->session_hash.n != lens[i].len)
            return cli_usage_error(CMD, "--session-hash must be %zu bytes for %s %s, got %zu",
                                   lens[i].len, o->protocol, s->name, o->session_hash.n);
    return CLI_OK;
}

/* ---- the master key ----------------------------------------------------------------------- */

/* --master: the 80-byte 'ssl5' OpaqueKeyBlob (behavior.md §4.4), client side. */
static int master_from_secret(NCRYPT_PROV_HANDLE prov, const struct options *o,
                              const struct suite_sel *s, NCRYPT_KEY_HANDLE *mk)
{
    uint8_t blob[OPAQUE_HDR] = {0};
    SECURITY_STATUS st;

    put32(blob, OPAQUE_HDR);
    put32(blob + SSLPROV_OPAQUE_MAGIC, SSLPROV_OPAQUE_MAGIC_SSL5);
    put32(blob + SSLPROV_OPAQUE_PROTOCOL, protos[o->proto].code);
    put32(blob + SSLPROV_OPAQUE_SUITE, s->id);
    put32(blob + SSLPROV_OPAQUE_FLAG, 1); /* client */
    memcpy(blob + SSLPROV_OPAQUE_IV, o->master.b, MASTER_LEN);
    st = SslImportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof blob, 0);
    OPENSSL_cleanse(blob, sizeof blob);
    return st == SEC_E_OK ? CLI_OK : api_error("SslImportKey(OpaqueKeyBlob)", st);
}

static X509 *self_signed(EVP_PKEY *pkey)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    bool ok = x != NULL && name != NULL;

    ok = ok && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
         X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"sslprov derive", -1, -1, 0) &&
         X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
         X509_set_pubkey(x, pkey) && X509_sign(x, pkey, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The server side of RSA key exchange on Linux: a key tied to a certificate
 * (sslprov_ext.h), then SslOpenPrivateKey as on Windows. */
static int rsa_server_key(NCRYPT_PROV_HANDLE prov, EVP_PKEY *pkey, NCRYPT_KEY_HANDLE *key)
{
    X509 *x = self_signed(pkey);
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
    unsigned char *cert = NULL, *der = NULL;
    int cert_len = x != NULL ? i2d_X509(x, &cert) : -1;
    int der_len = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
    PCCERT_CONTEXT cc = NULL;
    SECURITY_STATUS st;
    int rc;

    if (cert_len <= 0 || der_len <= 0) {
        rc = fail("libcrypto: could not make the throwaway certificate");
        goto out;
    }
    st = SslProvAssociateCertificateKeyBlob(cert, (DWORD)cert_len, der, (DWORD)der_len, 0);
    if (st != SEC_E_OK) {
        rc = api_error("SslProvAssociateCertificateKeyBlob", st);
        goto out;
    }
    if ((st = SslProvCreateCertificateContext(cert, (DWORD)cert_len, &cc)) != SEC_E_OK) {
        rc = api_error("SslProvCreateCertificateContext", st);
        goto out;
    }
    st = SslOpenPrivateKey(prov, key, cc, 0);
    rc = st == SEC_E_OK ? CLI_OK : api_error("SslOpenPrivateKey", st);
out:
    SslProvFreeCertificateContext(cc);
    if (der_len > 0)
        OPENSSL_clear_free(der, (size_t)der_len);
    OPENSSL_free(cert);
    PKCS8_PRIV_KEY_INFO_free(p8);
    X509_free(x);
    return rc;
}

/* What a client sends in ClientKeyExchange: RSAES-PKCS1-v1_5 (RFC 5246 §7.4.7.1). */
static bool rsa_encrypt(EVP_PKEY *pkey, const struct bytes *pms, uint8_t *ct, size_t *ct_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    bool ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_encrypt(ctx, ct, ct_len, pms->b, pms->n) > 0;

    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* The exported 'ssl5' blob of a master key (80 bytes, checked). */
static int master_export(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE mk, uint8_t blob[OPAQUE_HDR])
{
    DWORD cb = 0;
    SECURITY_STATUS st = SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, blob, OPAQUE_HDR, &cb, 0);

    if (st != SEC_E_OK)
        return api_error("SslExportKey(master key)", st);
    if (cb != OPAQUE_HDR || get32(blob) != OPAQUE_HDR ||
        get32(blob + SSLPROV_OPAQUE_MAGIC) != SSLPROV_OPAQUE_MAGIC_SSL5)
        return fail("the exported master key blob has an unexpected layout");
    return CLI_OK;
}

/* A master key made under the carrier suite, re-imported under the requested one. */
static int master_rebind(NCRYPT_PROV_HANDLE prov, DWORD suite, NCRYPT_KEY_HANDLE *mk)
{
    uint8_t blob[OPAQUE_HDR];
    NCRYPT_KEY_HANDLE moved = 0;
    SECURITY_STATUS st;
    int rc;

    if ((rc = master_export(prov, *mk, blob)) != CLI_OK)
        return rc;
    put32(blob + SSLPROV_OPAQUE_SUITE, suite);
    st = SslImportKey(prov, &moved, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof blob, 0);
    OPENSSL_cleanse(blob, sizeof blob);
    if (st != SEC_E_OK)
        return api_error("SslImportKey(OpaqueKeyBlob)", st);
    SslFreeObject(*mk, 0);
    *mk = moved;
    return CLI_OK;
}

/* --pre-master: RSA key exchange, server side (api.md E3). Buffer 22 carries the pre-master's
 * own version bytes so that the rollback check passes; with --session-hash, 25 replaces the
 * randoms (EMS, as Schannel calls it). */
static int master_from_pre_master(NCRYPT_PROV_HANDLE prov, const struct options *o,
                                  const struct suite_sel *s, NCRYPT_KEY_HANDLE *mk)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    NCRYPT_KEY_HANDLE key = 0;
    uint8_t ct[512];
    size_t ct_len = sizeof ct;
    DWORD version = (DWORD)o->pre_master.b[0] << 8 | o->pre_master.b[1], carrier;
    NCryptBuffer b[3] = {{sizeof version, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}};
    NCryptBufferDesc desc = {NCRYPTBUFFER_VERSION, 1, b};
    SECURITY_STATUS st;
    int rc;

    if (!carrier_suite(prov, protos[o->proto].code, s, &carrier)) {
        rc = fail("no RSA suite with the same PRF to carry the pre-master; use --master");
        goto out;
    }
    if (pkey == NULL) {
        rc = fail("libcrypto: RSA key generation failed");
        goto out;
    }
    if ((rc = rsa_server_key(prov, pkey, &key)) != CLI_OK)
        goto out;
    if (!rsa_encrypt(pkey, &o->pre_master, ct, &ct_len)) {
        rc = fail("libcrypto: RSA encryption of the pre-master failed");
        goto out;
    }
    if (o->session_hash.set) {
        b[desc.cBuffers++] = (NCryptBuffer){(ULONG)o->session_hash.n,
                                            NCRYPTBUFFER_SSL_SESSION_HASH,
                                            (PVOID)o->session_hash.b};
    } else {
        b[desc.cBuffers++] = (NCryptBuffer){RANDOM_LEN, NCRYPTBUFFER_SSL_CLIENT_RANDOM,
                                            (PVOID)o->client_random.b};
        b[desc.cBuffers++] = (NCryptBuffer){RANDOM_LEN, NCRYPTBUFFER_SSL_SERVER_RANDOM,
                                            (PVOID)o->server_random.b};
    }
    st = SslImportMasterKey(prov, key, mk, protos[o->proto].code, carrier, &desc, ct,
                            (DWORD)ct_len, NCRYPT_SSL_SERVER_FLAG);
    rc = st == SEC_E_OK ? CLI_OK : api_error("SslImportMasterKey", st);
    if (rc == CLI_OK && carrier != s->id)
        rc = master_rebind(prov, s->id, mk);
out:
    SslFreeObject(key, 0);
    EVP_PKEY_free(pkey);
    return rc;
}

/* ---- session keys ------------------------------------------------------------------------- */

/* An 'ssl3' OpaqueKeyBlob (conventions.md §7): header with the fixed IV at 0x1C (length at
 * 0x18), 'KDBM' v1 with the cipher key, the MAC key, then for AEAD the 8-byte sequence mark.
 * *read: the flag at 0x10 (1 read key, 0 write key). */
static bool session_key_parse(const uint8_t *blob, DWORD cb, const NCRYPT_SSL_CIPHER_SUITE *info,
                              struct side *out, bool *read)
{
    bool aead = info->szHash[0] == 0;
    size_t key_len, rest, mark = aead ? SSLPROV_OPAQUE_SEQ_MARK_LEN : 0;

    if (cb < KDBM_KEY || get32(blob) != cb ||
        get32(blob + SSLPROV_OPAQUE_MAGIC) != SSLPROV_OPAQUE_MAGIC_SSL3 ||
        get32(blob + SSLPROV_OPAQUE_PAYLOAD) != cb - OPAQUE_HDR ||
        get32(blob + SSLPROV_OPAQUE_IVLEN) > sizeof out->iv ||
        get32(blob + OPAQUE_HDR) != SSLPROV_KDBM_MAGIC || get32(blob + OPAQUE_HDR + 4) != SSLPROV_KDBM_VERSION)
        return false;
    key_len = get32(blob + OPAQUE_HDR + SSLPROV_KDBM_OFF_KEYLEN);
    if (key_len > sizeof out->key || key_len > cb - KDBM_KEY)
        return false;
    rest = cb - KDBM_KEY - key_len;
    /* what remains is the MAC key (+ the mark); its length must be the suite's */
    if (rest < mark || rest - mark != (aead ? 0 : info->dwHashLen / 8))
        return false;
    *read = get32(blob + SSLPROV_OPAQUE_FLAG) == 1;
    out->iv_len = get32(blob + SSLPROV_OPAQUE_IVLEN);
    memcpy(out->iv, blob + SSLPROV_OPAQUE_IV, out->iv_len);
    out->key_len = key_len;
    memcpy(out->key, blob + KDBM_KEY, key_len);
    out->mac_len = rest - mark;
    memcpy(out->mac, blob + KDBM_KEY + key_len, out->mac_len);
    return true;
}

/* Export one session key; want_read: which flag the key must carry. */
static int session_key_read(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE k, bool want_read,
                            const struct suite_sel *s, struct side *out)
{
    uint8_t blob[OPAQUE_HDR + OPAQUE_MAX];
    DWORD cb = 0;
    bool read = false;
    SECURITY_STATUS st = SslExportKey(prov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof blob, &cb, 0);
    int rc = CLI_OK;

    if (st != SEC_E_OK)
        rc = api_error("SslExportKey(session key)", st);
    else if (!session_key_parse(blob, cb, &s->info, out, &read) || read != want_read)
        rc = fail("the exported session key blob has an unexpected layout");
    OPENSSL_cleanse(blob, sizeof blob);
    return rc;
}

/* RFC 5246 §6.3 through SslGenerateSessionKeys: write = own side, read = the peer's. */
static int session_keys(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE mk, const struct options *o,
                        const struct suite_sel *s, struct derived *d)
{
    NCryptBuffer b[2] = {
        {RANDOM_LEN, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)o->client_random.b},
        {RANDOM_LEN, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)o->server_random.b},
    };
    NCryptBufferDesc desc = {NCRYPTBUFFER_VERSION, 2, b};
    NCRYPT_KEY_HANDLE rd = 0, wr = 0;
    struct side *own = d->client_role ? &d->client : &d->server;
    struct side *peer = d->client_role ? &d->server : &d->client;
    SECURITY_STATUS st = SslGenerateSessionKeys(prov, mk, &rd, &wr, &desc, 0);
    int rc;

    if (st != SEC_E_OK)
        return api_error("SslGenerateSessionKeys", st);
    rc = session_key_read(prov, wr, false, s, own);
    if (rc == CLI_OK)
        rc = session_key_read(prov, rd, true, s, peer);
    SslFreeObject(rd, 0);
    SslFreeObject(wr, 0);
    return rc;
}

static int derive(NCRYPT_PROV_HANDLE prov, const struct options *o, const struct suite_sel *s,
                  struct derived *d)
{
    NCRYPT_KEY_HANDLE mk = 0;
    uint8_t blob[OPAQUE_HDR];
    int rc = o->pre_master.set ? master_from_pre_master(prov, o, s, &mk)
                               : master_from_secret(prov, o, s, &mk);

    if (rc == CLI_OK)
        rc = master_export(prov, mk, blob);
    if (rc == CLI_OK) {
        memcpy(d->master, blob + SSLPROV_OPAQUE_IV, MASTER_LEN);
        d->client_role = get32(blob + SSLPROV_OPAQUE_FLAG) == 1;
        rc = session_keys(prov, mk, o, s, d);
    }
    OPENSSL_cleanse(blob, sizeof blob);
    SslFreeObject(mk, 0);
    return rc;
}

/* ---- output ------------------------------------------------------------------------------- */

struct field {
    const char *name;
    const uint8_t *p;
    size_t n;
};

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static void print_result(const struct options *o, const struct suite_sel *s,
                         const struct derived *d)
{
    const struct field f[] = {
        {"master_secret", d->master, MASTER_LEN},
        {"client_write_MAC_key", d->client.mac, d->client.mac_len},
        {"server_write_MAC_key", d->server.mac, d->server.mac_len},
        {"client_write_key", d->client.key, d->client.key_len},
        {"server_write_key", d->server.key, d->server.key_len},
        {"client_write_IV", d->client.iv, d->client.iv_len},
        {"server_write_IV", d->server.iv, d->server.iv_len},
    };
    unsigned version = (unsigned)protos[o->proto].code, id = (unsigned)s->id;

    if (o->json)
        printf("{\"protocol\": \"%s\", \"protocol_version\": \"0x%04X\", \"suite\": \"%s\", "
               "\"suite_id\": \"0x%04X\"", protos[o->proto].opt, version, s->name, id);
    else
        printf("%-22s%s (0x%04X)\n%-22s%s (0x%04X)\n", "protocol:", protos[o->proto].opt,
               version, "suite:", s->name, id);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (o->json)
            printf(", \"%s\": \"", f[i].name);
        else
            printf(f[i].n ? "%s:%*s" : "%s:", f[i].name, 21 - (int)strlen(f[i].name), "");
        print_hex(f[i].p, f[i].n);
        fputs(o->json ? "\"" : "\n", stdout);
    }
    if (o->json)
        puts("}");
}

/* ---- command ------------------------------------------------------------------------------ */

int cmd_derive(int argc, char **argv)
{
    static struct options o;
    static struct derived d;
    struct suite_sel s;
    NCRYPT_PROV_HANDLE prov = 0;
    SECURITY_STATUS st;
    int rc;

    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    if ((rc = parse_args(argc, argv, &o)) != CLI_OK)
        goto out;
    if (o.help) {
        rc = cli_command_help(CMD);
        goto out;
    }
    if ((rc = check_args(&o)) != CLI_OK)
        goto out;
    if ((st = SslOpenProvider(&prov, NULL, 0)) != SEC_E_OK) {
        rc = api_error("SslOpenProvider", st);
        goto out;
    }
    if ((rc = suite_resolve(prov, &o, &s)) == CLI_OK &&
        (rc = check_session_hash(prov, &o, &s)) == CLI_OK &&
        (rc = derive(prov, &o, &s, &d)) == CLI_OK)
        print_result(&o, &s, &d);
    SslFreeObject(prov, 0);
out:
    OPENSSL_cleanse(&o, sizeof o);
    OPENSSL_cleanse(&d, sizeof d);
    return rc;
}
