/* Group A (api.md §7 A1–A10): provider open/close and reference counts, provider list,
 * properties, change notification, the function table, SslFreeBuffer. Expected statuses
 * come from api.md A1–A10 as amended by conventions.md §1. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "table_slots.h"
#include "sslprovider.h"

static const WCHAR *W(const char16_t *s) { return (const WCHAR *)s; }

static int wcs_eq(const WCHAR *a, const char *b)
{
    size_t i = 0;
    for (; b[i]; i++)
        if (a[i] != (WCHAR)b[i])
            return 0;
    return a[i] == 0;
}

static void test_open(void)
{
    NCRYPT_PROV_HANDLE h = 1234;

    CHECK_ST(SslOpenProvider(NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslOpenProvider(&h, NULL, 1), NTE_BAD_FLAGS);
    CHECK(h == 0);
    CHECK_ST(SslOpenProvider(&h, W(u"Microsoft Software Key Storage Provider"), 0), NTE_PROV_DLL_NOT_FOUND);
    CHECK_ST(SslOpenProvider(&h, W(u"Microsoft SSL Protocol Provider2"), 0), NTE_PROV_DLL_NOT_FOUND);
    CHECK_ST(SslOpenProvider(&h, W(u"Microsoft SSL Protocol Provide"), 0), NTE_PROV_DLL_NOT_FOUND);
    CHECK_ST(SslOpenProvider(&h, W(u""), 0), NTE_PROV_DLL_NOT_FOUND);
    CHECK_ST(SslOpenProvider(&h, MS_SCHANNEL_PROVIDER, 0), SEC_E_OK);
    CHECK(h != 0);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    /* CNG names compare case-insensitively */
    CHECK_ST(SslOpenProvider(&h, W(u"microsoft ssl PROTOCOL provider"), 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), NTE_INVALID_HANDLE);
}

/* api.md A5/A6 and OQ-FREE-2: SslFreeObject on a provider is one decrement. */
static void test_refcount(void)
{
    NCRYPT_PROV_HANDLE h;

    CHECK_ST(SslOpenProvider(&h, NULL, 0), SEC_E_OK);
    CHECK_ST(SslIncrementProviderReferenceCount(h), SEC_E_OK);
    CHECK_ST(SslIncrementProviderReferenceCount(h), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    CHECK_ST(SslDecrementProviderReferenceCount(h), SEC_E_OK);
    CHECK_ST(SslIncrementProviderReferenceCount(h), SEC_E_OK); /* still alive: one ref left */
    CHECK_ST(SslDecrementProviderReferenceCount(h), SEC_E_OK);
    CHECK_ST(SslDecrementProviderReferenceCount(h), SEC_E_OK); /* last reference */
    CHECK_ST(SslDecrementProviderReferenceCount(h), NTE_INVALID_HANDLE);
    CHECK_ST(SslIncrementProviderReferenceCount(h), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(h, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslIncrementProviderReferenceCount(0), NTE_INVALID_HANDLE);
    CHECK_ST(SslDecrementProviderReferenceCount(0), NTE_INVALID_HANDLE);
}

static void test_enum_providers(void)
{
    DWORD n = 0;
    NCryptProviderName *list = NULL;

    CHECK_ST(SslEnumProtocolProviders(NULL, &list, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumProtocolProviders(&n, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslEnumProtocolProviders(&n, &list, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslEnumProtocolProviders(&n, &list, 0), SEC_E_OK);
    /* the built-in provider, then the tracing provider (src/trace), then the configured ones:
     * this test runs with none configured */
    CHECK(n == 2 && list != NULL);
    if (list != NULL) {
        CHECK(wcs_eq(list[0].pszName, "Microsoft SSL Protocol Provider"));
        CHECK(n < 2 || wcs_eq(list[1].pszName, "sslprov Tracing Provider"));
        CHECK(memcmp(list[0].pszName, MS_SCHANNEL_PROVIDER, 32 * sizeof(WCHAR)) == 0);
        CHECK(list[0].pszComment != NULL);
        CHECK_ST(SslFreeBuffer(list), SEC_E_OK);
        CHECK_ST(SslFreeBuffer(list), NTE_INVALID_PARAMETER);
    }
}

static void test_properties(NCRYPT_PROV_HANDLE h)
{
    PBYTE out = NULL;
    DWORD cb = 0, v;
    PVOID state = NULL;

    CHECK_ST(SslGetProviderProperty(0, W(u"Name"), &out, &cb, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslGetProviderProperty(h, NULL, &out, &cb, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGetProviderProperty(h, W(u"Name"), NULL, &cb, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGetProviderProperty(h, W(u"Name"), &out, NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslGetProviderProperty(h, W(u"Nonsense"), &out, &cb, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslGetProviderProperty(h, W(u"Name"), &out, &cb, NULL, 0), SEC_E_OK);
    CHECK(cb == 32 * sizeof(WCHAR) && out != NULL && wcs_eq((WCHAR *)out, "Microsoft SSL Protocol Provider"));
    CHECK_ST(SslFreeBuffer(out), SEC_E_OK);
    CHECK_ST(SslGetProviderProperty(h, W(u"Version"), &out, &cb, NULL, 0), SEC_E_OK);
    CHECK(cb == 4);
    if (out != NULL) {
        memcpy(&v, out, 4);
        CHECK(v == 0x00050000);
        CHECK_ST(SslFreeBuffer(out), SEC_E_OK);
    }
    /* with an enumeration state: the value once, then NTE_NO_MORE_ITEMS */
    CHECK_ST(SslGetProviderProperty(h, W(u"Version"), &out, &cb, &state, 0), SEC_E_OK);
    CHECK(state != NULL);
    CHECK_ST(SslFreeBuffer(out), SEC_E_OK);
    CHECK_ST(SslGetProviderProperty(h, W(u"Version"), &out, &cb, &state, 0), NTE_NO_MORE_ITEMS);
    CHECK_ST(SslFreeBuffer(state), SEC_E_OK);
    v = 0;
    state = &v; /* not a state we handed out */
    CHECK_ST(SslGetProviderProperty(h, W(u"Version"), &out, &cb, &state, 0), NTE_INVALID_PARAMETER);
}

static void test_free_buffer(void)
{
    static char not_ours[64];
    char *heap = malloc(16);

    CHECK_ST(SslFreeBuffer(NULL), NTE_INVALID_PARAMETER);
    CHECK_ST(SslFreeBuffer(not_ours + 16), NTE_INVALID_PARAMETER);
    CHECK_ST(SslFreeBuffer(heap), NTE_INVALID_PARAMETER);
    free(heap);
}

/* api.md A7: never implemented; hEvent untouched. */
static void test_change_notify(void)
{
    CHECK_ST(SslChangeNotify(NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslChangeNotify((HANDLE)&test_change_notify, 0xffffffff), NTE_NOT_SUPPORTED);
}

/* api.md §3.9 / A9: every slot is the exported function of the same name. */
static void test_get_interface(void)
{
    NCRYPT_SSL_FUNCTION_TABLE *t = NULL;

    CHECK_ST(GetSChannelInterface(NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    CHECK_ST(GetSChannelInterface(W(u"Other Provider"), &t, 0), STATUS_NOT_FOUND);
    CHECK_ST(GetSChannelInterface(NULL, &t, 0), 0);
    CHECK_ST(GetSChannelInterface(MS_SCHANNEL_PROVIDER, &t, 0), 0);
    if (t == NULL)
        return;
    CHECK(t->Version.MajorVersion == 5 && t->Version.MinorVersion == 0);
    /* the provider's own functions, as on Windows (SPSsl* behind ncrypt's Ssl*): a router
     * calling through the table never re-enters the router */
#define SLOT_IS_PROVIDERS(name, version)                                                          \
    CHECK(t->name != NULL && (void (*)(void))t->name != (void (*)(void))Ssl##name);
    SSLPROV_TABLE_SLOTS(SLOT_IS_PROVIDERS)
#undef SLOT_IS_PROVIDERS

    /* a router calling through the table gets a working provider */
    NCRYPT_PROV_HANDLE h;
    CHECK_ST(t->OpenProvider(&h, NULL, 0), SEC_E_OK);
    CHECK_ST(t->FreeObject(h, 0), SEC_E_OK);
}

/* api.md A10 / OQ-IFACE-2: only the slots of the caller's version are written. */
static void test_initialize_interface(void)
{
    static const unsigned slots[] = {23, 23, 26, 30, 37, 41, 41};
    union {
        NCRYPT_SSL_FUNCTION_TABLE t;
        unsigned char bytes[sizeof(NCRYPT_SSL_FUNCTION_TABLE) + 16];
    } u;

    NCRYPT_SSL_FUNCTION_TABLE *full = NULL;

    CHECK_ST(GetSChannelInterface(NULL, &full, 0), 0);
    if (full == NULL)
        return;
    CHECK_ST(SslInitializeInterface(NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslInitializeInterface(W(u"Other"), &u.t, 0), NTE_PROV_DLL_NOT_FOUND);
    for (unsigned v = 0; v <= 6; v++) {
        unsigned filled = slots[v], i;
        void **fn, **want = (void **)((unsigned char *)full + 8);

        memset(&u, 0xA5, sizeof(u));
        u.t.Version.MajorVersion = (USHORT)v;
        u.t.Version.MinorVersion = 0;
        CHECK_ST(SslInitializeInterface(MS_SCHANNEL_PROVIDER, &u.t, 0), SEC_E_OK);
        CHECK(u.t.Version.MajorVersion == (v == 0 ? 1 : v > 5 ? 5 : v));
        fn = (void **)(u.bytes + 8);
        for (i = 0; i < filled; i++)
            CHECK(fn[i] == want[i]);
        for (unsigned char *b = (unsigned char *)&fn[filled]; b < u.bytes + sizeof(u); b++)
            if (*b != 0xA5) {
                CHECK(!"slot beyond the caller's version written");
                break;
            }
    }
    memset(&u, 0, sizeof(u));
    u.t.Version.MajorVersion = 5;
    CHECK_ST(SslInitializeInterface(NULL, &u.t, 0), SEC_E_OK);
    CHECK(u.t.ExpandPreSharedKey == full->ExpandPreSharedKey && u.t.VerifySignature == full->VerifySignature);
    CHECK(u.t.ExpandPreSharedKey != SslExpandPreSharedKey);
}

int main(void)
{
    NCRYPT_PROV_HANDLE h;

    setenv("SSLPROV_CONF", "/nonexistent/sslprov.conf", 1); /* whatever this machine configures */

    test_open();
    test_refcount();
    test_enum_providers();
    CHECK_ST(SslOpenProvider(&h, NULL, 0), SEC_E_OK);
    test_properties(h);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    test_free_buffer();
    test_change_notify();
    test_get_interface();
    test_initialize_interface();
    return check_summary();
}
