/* The router (issue 11, docs/provider.md "Providers and the router"), through the exported API
 * of the shared library only:
 * - providers registered by name in a configuration file ($SSLPROV_CONF) are listed by
 *   SslEnumProtocolProviders and opened by SslOpenProvider: the tracing provider as a module
 *   (sslprov_trace.so) answers exactly what the built-in provider answers, call for call;
 * - a module that is missing, has no GetSChannelInterface, refuses its name, or hands out a
 *   short or version-0 table fails the open with a clear status and nothing made; an older
 *   provider (a version-1 table) answers NTE_NOT_SUPPORTED for the slots it does not have;
 * - one provider's handles, buffers and enumeration states are refused by another (and by a
 *   second open of the same provider); stale routed handles never reach the provider;
 * - provider reference counts, SSLPROV_TRACE for the built-in provider, and the trace itself:
 *   one line per call with its status, no secret in it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "sslprovider.h"
#include "wide.h"

static char trace_path[] = "/tmp/sslprov-router-trace-XXXXXX";

static void write_conf(const char *path)
{
    FILE *f = fopen(path, "w");

    fprintf(f, "# test_router\n"
               "[provider]\nname = Traced\nmodule = %s\ncomment = the tracing module ; not this\n\n"
               "[provider]\nname = Missing\nmodule = /nonexistent/missing.so\n"
               "[provider]\nname = Refuses\nmodule = %s/test_provider_module1.so\n"
               "[provider]\nname = Short\nmodule = %s/test_provider_module2.so\n"
               "[provider]\nname = No Entry\nmodule = %s/test_provider_module3.so\n"
               "[provider]\nname = Zero\nmodule = %s/test_provider_module4.so\n"
               "[provider]\nname = Old\nmodule = %s/test_provider_module5.so\n"
               /* skipped: no module, a built-in name, a name already taken, another section */
               "[provider]\nname = Nameless Module\n"
               "[provider]\nname = microsoft ssl protocol provider\nmodule = /x.so\n"
               "[provider]\nname = traced\nmodule = /x.so\n"
               "[other]\nname = Elsewhere\nmodule = /x.so\n",
            SSLPROV_TRACE_MODULE, SSLPROV_TEST_MODULES, SSLPROV_TEST_MODULES, SSLPROV_TEST_MODULES,
            SSLPROV_TEST_MODULES, SSLPROV_TEST_MODULES);
    fclose(f);
}

static char *read_trace(void)
{
    FILE *f = fopen(trace_path, "r");
    char *text;
    long n;

    if (f == NULL)
        return strdup("");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)n + 1);
    if (fread(text, 1, (size_t)n, f) != (size_t)n)
        text[0] = '\0';
    fclose(f);
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_enumerate(void)
{
    static const char *const want[] = {"Microsoft SSL Protocol Provider", "sslprov Tracing Provider", "Traced",
                                       "Missing", "Refuses", "Short", "No Entry", "Zero", "Old"};
    NCryptProviderName *list = NULL;
    DWORD n = 0;

    CHECK_ST(SslEnumProtocolProviders(&n, &list, 0), SEC_E_OK);
    CHECK(n == sizeof(want) / sizeof(want[0]));
    for (DWORD i = 0; list != NULL && i < n && i < sizeof(want) / sizeof(want[0]); i++) {
        CHECK(wide_is(list[i].pszName, want[i]));
        CHECK(list[i].pszComment != NULL);
    }
    if (list != NULL && n > 2)
        CHECK(wide_is(list[2].pszComment, "the tracing module"));
    CHECK_ST(SslFreeBuffer(list), SEC_E_OK);
}

/* Every way a provider can fail to open leaves *ph 0 and fails again the same way. */
static void test_open_failures(void)
{
    static const struct { LPCWSTR name; DWORD flags; SECURITY_STATUS want; } cases[] = {
        {W("Missing"), 0, NTE_PROV_DLL_NOT_FOUND},    {W("Refuses"), 0, NTE_PROVIDER_DLL_FAIL},
        {W("Short"), 0, NTE_PROVIDER_DLL_FAIL},       {W("No Entry"), 0, NTE_PROVIDER_DLL_FAIL},
        {W("Zero"), 0, NTE_PROVIDER_DLL_FAIL},        {W("Nobody"), 0, NTE_PROV_DLL_NOT_FOUND},
        {W("Nobody"), 1, NTE_BAD_FLAGS},              {W("Nameless Module"), 0, NTE_PROV_DLL_NOT_FOUND},
        {W("Elsewhere"), 0, NTE_PROV_DLL_NOT_FOUND},  {W("Microsoft SSL Protocol Provider"), 2, NTE_BAD_FLAGS},
        {W("Traced"), 2, NTE_BAD_FLAGS},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (int again = 0; again < 2; again++) {
            NCRYPT_PROV_HANDLE h = 0x1234;

            CHECK_ST(SslOpenProvider(&h, cases[i].name, cases[i].flags), cases[i].want);
            CHECK(h == 0);
        }
    CHECK_ST(SslOpenProvider(NULL, W("Traced"), 0), NTE_INVALID_PARAMETER);
}

/* The same TLS 1.3 early secret and binder key from a PSK through both providers: the
 * router forwards every argument and output unchanged. */
static void derive13(NCRYPT_PROV_HANDLE prov, unsigned char *blob, DWORD *cb)
{
    static const unsigned char psk[32] = "router test external psk .......";
    NCRYPT_KEY_HANDLE k = 0, early = 0, binder = 0;

    CHECK_ST(SslImportKey(prov, &k, TLS_13_PRE_SHARED_KEY, (PBYTE)psk, sizeof(psk), 0), SEC_E_OK);
    CHECK_ST(SslExtractEarlyKey(prov, k, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, NULL, 0),
             SEC_E_OK);
    CHECK_ST(SslExpandBinderKey(prov, early, &binder, NULL, NCRYPT_SSL_EXTERNAL_PSK_FLAG), SEC_E_OK);
    *cb = 0;
    CHECK_ST(SslExportKey(prov, binder, BCRYPT_OPAQUE_KEY_BLOB, blob, 256, cb, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(binder, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(early, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(k, 0), SEC_E_OK);
}

static void test_traced_equals_builtin(NCRYPT_PROV_HANDLE traced, NCRYPT_PROV_HANDLE builtin)
{
    unsigned char a[256], b[256];
    DWORD ca = 0, cb = 0, n = 0;
    NCRYPT_SSL_CIPHER_SUITE *cs;
    NCRYPT_SSL_ECC_CURVE *curves = NULL;
    NCRYPT_SSL_CIPHER_LENGTHS la, lb;
    void *state = NULL;
    unsigned suites[2] = {0, 0};

    derive13(traced, a, &ca);
    derive13(builtin, b, &cb);
    CHECK(ca == cb && ca > 0 && memcmp(a, b, ca) == 0);

    /* buffers and enumeration states of the routed provider, freed through the router */
    for (int p = 0; p < 2; p++) {
        NCRYPT_PROV_HANDLE h = p ? builtin : traced;
        SECURITY_STATUS st;

        state = NULL;
        while ((st = SslEnumCipherSuites(h, 0, &cs, &state, 0)) == SEC_E_OK) {
            suites[p]++;
            CHECK_ST(SslFreeBuffer(cs), SEC_E_OK);
        }
        CHECK_ST(st, NTE_NO_MORE_ITEMS);
        CHECK_ST(SslFreeBuffer(state), SEC_E_OK);
        CHECK_ST(SslFreeBuffer(state), NTE_INVALID_PARAMETER);
    }
    CHECK(suites[0] == suites[1] && suites[0] > 10);
    CHECK_ST(SslEnumEccCurves(traced, &n, &curves, 0), SEC_E_OK);
    CHECK(n >= 3 && curves != NULL);
    CHECK_ST(SslFreeBuffer(curves), SEC_E_OK);
    CHECK_ST(SslLookupCipherLengths(traced, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &la,
                                    sizeof(la), 0), SEC_E_OK);
    CHECK_ST(SslLookupCipherLengths(builtin, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &lb,
                                    sizeof(lb), 0), SEC_E_OK);
    CHECK(memcmp(&la, &lb, sizeof(la)) == 0);
    /* an error is the provider's own, in its own order */
    CHECK_ST(SslLookupCipherLengths(traced, TLS1_2_PROTOCOL_VERSION, 0xFFFF, 0, &la, sizeof(la), 0),
             NTE_INVALID_PARAMETER);
}

/* One provider's handles, buffers and states are not another's. */
static void test_isolation(NCRYPT_PROV_HANDLE traced, NCRYPT_PROV_HANDLE traced2, NCRYPT_PROV_HANDLE builtin)
{
    NCRYPT_HASH_HANDLE ht = 0, hb = 0, h2 = 0, out = 7;
    NCRYPT_SSL_CIPHER_SUITE *cs = NULL;
    void *bstate = NULL, *tstate = NULL;
    unsigned char data[4] = {1, 2, 3, 4};

    CHECK_ST(SslCreateHandshakeHash(traced, &ht, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0),
             SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(builtin, &hb, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0),
             SEC_E_OK);
    CHECK_ST(SslHashHandshake(traced, ht, data, sizeof(data), 0), SEC_E_OK);
    CHECK_ST(SslHashHandshake(builtin, ht, data, sizeof(data), 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslHashHandshake(traced, hb, data, sizeof(data), 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslHashHandshake(traced2, ht, data, sizeof(data), 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslDuplicateTranscriptHash(traced2, ht, &out, 0), NTE_INVALID_HANDLE);
    CHECK(out == 0);
    CHECK_ST(SslDuplicateTranscriptHash(traced, ht, &h2, 0), SEC_E_OK);
    CHECK(h2 != 0 && h2 != ht);
    /* a provider handle is not a key, a key is not a provider */
    CHECK_ST(SslHashHandshake(ht, ht, data, sizeof(data), 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslHashHandshake(traced, traced, data, sizeof(data), 0), NTE_INVALID_HANDLE);

    /* enumeration states: each provider's own */
    CHECK_ST(SslEnumCipherSuites(builtin, 0, &cs, &bstate, 0), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(cs), SEC_E_OK);
    CHECK_ST(SslEnumCipherSuites(traced, 0, &cs, &bstate, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumCipherSuites(traced, 0, &cs, &tstate, 0), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(cs), SEC_E_OK);
    CHECK_ST(SslEnumCipherSuites(builtin, 0, &cs, &tstate, 0), NTE_INVALID_PARAMETER);
    /* another open of the same provider: the provider's call, as for the built-in one */
    CHECK_ST(SslEnumCipherSuites(traced2, 0, &cs, &tstate, 0), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(cs), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(tstate), SEC_E_OK);
    CHECK_ST(SslFreeBuffer(bstate), SEC_E_OK);

    /* freeing: each handle once, by whoever holds it */
    CHECK_ST(SslFreeObject(h2, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(h2, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(ht, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(hb, 0), SEC_E_OK);
}

/* A stale routed handle is refused by the router: the provider never sees the call. */
static void test_stale(NCRYPT_PROV_HANDLE traced)
{
    NCRYPT_HASH_HANDLE h = 0;
    unsigned char data[1] = {0};
    char *before, *after;

    CHECK_ST(SslCreateHandshakeHash(traced, &h, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0),
             SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    before = read_trace();
    CHECK_ST(SslHashHandshake(traced, h, data, 1, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(h, 0), NTE_INVALID_HANDLE);
    after = read_trace();
    CHECK(strlen(before) == strlen(after));
    free(before);
    free(after);
}

/* A version-1 provider: what it has works, the rest is NTE_NOT_SUPPORTED with nothing made. */
static void test_old_provider(void)
{
    NCRYPT_PROV_HANDLE old = 0;
    NCRYPT_HASH_HANDLE h = 5;
    NCRYPT_SSL_CIPHER_LENGTHS len;
    NCRYPT_SSL_CIPHER_SUITE info;

    CHECK_ST(SslOpenProvider(&old, W("old"), 0), SEC_E_OK); /* names compare case-insensitively */
    CHECK(old != 0);
    CHECK_ST(SslLookupCipherSuiteInfo(old, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0),
             SEC_E_OK);
    CHECK_ST(SslLookupCipherLengths(old, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0, &len,
                                    sizeof(len), 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslCreateClientAuthHash(old, &h, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256,
                                     BCRYPT_SHA256_ALGORITHM, 0), NTE_NOT_SUPPORTED);
    CHECK(h == 0);
    CHECK_ST(SslFreeObject(old, 0), SEC_E_OK);
}

/* SslIncrement/DecrementProviderReferenceCount on a routed provider, as on the built-in one. */
static void test_refcount(void)
{
    NCRYPT_PROV_HANDLE p = 0;
    NCRYPT_SSL_CIPHER_SUITE info;

    CHECK_ST(SslOpenProvider(&p, W("Traced"), 0), SEC_E_OK);
    CHECK_ST(SslIncrementProviderReferenceCount(p), SEC_E_OK);
    CHECK_ST(SslFreeObject(p, 0), SEC_E_OK);
    CHECK_ST(SslLookupCipherSuiteInfo(p, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0),
             SEC_E_OK);
    CHECK_ST(SslDecrementProviderReferenceCount(p), SEC_E_OK);
    CHECK_ST(SslLookupCipherSuiteInfo(p, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0),
             NTE_INVALID_HANDLE);
    CHECK_ST(SslDecrementProviderReferenceCount(p), NTE_INVALID_HANDLE);
    CHECK_ST(SslIncrementProviderReferenceCount(p), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(p, 0), NTE_INVALID_HANDLE);
}

/* The trace: one well-formed line per call, statuses shown, secrets never. */
static void test_trace_content(void)
{
    static const char psk_hex[] = "726f75746572207465737420657874"; /* "router test ext" */
    char *text = read_trace();
    size_t lines = count(text, "\n");

    CHECK(lines > 40);
    CHECK(count(text, ") = 0x") == lines);
    CHECK(count(text, "SslOpenProvider(") >= 4);
    CHECK(count(text, "SslImportKey(") == 1);
    CHECK(count(text, "pbKeyBlob=<32 bytes, not shown>") == 1);
    CHECK(count(text, "SslEnumCipherSuites(") > 10);
    CHECK(count(text, "= 0x8009002a NTE_NO_MORE_ITEMS") >= 1);
    CHECK(count(text, "SslLookupCipherLengths(") >= 2);
    CHECK(count(text, "= 0x80090027 NTE_INVALID_PARAMETER") >= 1);
    CHECK(count(text, psk_hex) == 0);
    CHECK(count(text, "pbInput=01020304,") >= 1); /* what is public is shown: the scan above sees bytes */
    free(text);
}

/* SSLPROV_TRACE: the built-in provider, opened by name, traced while it is set. */
static void test_trace_builtin(void)
{
    NCRYPT_PROV_HANDLE p = 0;
    size_t before, after;
    char *text = read_trace();

    before = count(text, "SslOpenProvider(");
    free(text);
    CHECK_ST(SslOpenProvider(&p, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(p, 0), SEC_E_OK);
    text = read_trace();
    after = count(text, "SslOpenProvider(");
    free(text);
    CHECK(after == before + 1);
    unsetenv("SSLPROV_TRACE");
    CHECK_ST(SslOpenProvider(&p, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(p, 0), SEC_E_OK);
    text = read_trace();
    CHECK(count(text, "SslOpenProvider(") == after);
    free(text);
}

int main(void)
{
    char conf[] = "/tmp/sslprov-router-conf-XXXXXX";
    NCRYPT_PROV_HANDLE traced = 0, traced2 = 0, builtin = 0;
    int fd = mkstemp(conf), tfd = mkstemp(trace_path);

    CHECK(fd >= 0 && tfd >= 0);
    close(fd);
    close(tfd);
    write_conf(conf);
    setenv("SSLPROV_CONF", conf, 1);
    setenv("SSLPROV_TRACE", trace_path, 1);

    test_enumerate();
    test_open_failures();
    CHECK_ST(SslOpenProvider(&traced, W("Traced"), 0), SEC_E_OK);
    CHECK_ST(SslOpenProvider(&traced2, W("TRACED"), 0), SEC_E_OK);
    unsetenv("SSLPROV_TRACE");
    CHECK_ST(SslOpenProvider(&builtin, NULL, 0), SEC_E_OK); /* not traced */
    setenv("SSLPROV_TRACE", trace_path, 1);
    CHECK(traced != 0 && traced2 != 0 && builtin != 0 && traced != traced2);
    test_traced_equals_builtin(traced, builtin);
    test_isolation(traced, traced2, builtin);
    test_stale(traced);
    test_old_provider();
    test_refcount();
    CHECK_ST(SslFreeObject(traced2, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(traced, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(traced, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(builtin, 0), SEC_E_OK);
    test_trace_content();
    test_trace_builtin();
    unlink(conf);
    unlink(trace_path);
    return check_summary();
}
