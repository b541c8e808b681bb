/* Provider modules for test_router, one per way a module can be unusable, and one that is
 * usable but old. Built once per TEST_MODULE_KIND:
 *   1 refuses   GetSChannelInterface answers STATUS_NOT_FOUND
 *   2 short     a version-2 table with a NULL slot
 *   3 no entry  no GetSChannelInterface at all
 *   4 zero      a table whose Version is 0
 *   5 old       a whole version-1 table: the built-in provider's first 23 functions */
#include <pthread.h>
#include "sslprovider.h"

#if TEST_MODULE_KIND == 3
int sslprov_test_module_without_entry_point = 1;
#else
static NCRYPT_SSL_FUNCTION_TABLE table;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if TEST_MODULE_KIND == 5
static SslOpenProviderFn builtin_open;

/* The router passes the name the caller used; the built-in provider answers to its own. */
static SECURITY_STATUS WINAPI open_as_builtin(NCRYPT_PROV_HANDLE *ph, LPCWSTR name, DWORD flags)
{
    return builtin_open(ph, NULL, flags);
}
#endif

static void fill(void)
{
#if TEST_MODULE_KIND == 2
    table.Version.MajorVersion = 2;
    SslInitializeInterface(NULL, &table, 0);
    table.CreateClientAuthHash = NULL;
#elif TEST_MODULE_KIND == 4
    SslInitializeInterface(NULL, &table, 0);
    table.Version.MajorVersion = 0;
#elif TEST_MODULE_KIND == 5
    table.Version.MajorVersion = 1;
    SslInitializeInterface(NULL, &table, 0);
    builtin_open = table.OpenProvider;
    table.OpenProvider = open_as_builtin;
#endif
}

NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName, NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
                                     DWORD dwFlags)
{
    *ppFunctionTable = NULL;
#if TEST_MODULE_KIND == 1
    return STATUS_NOT_FOUND;
#else
    pthread_once(&once, fill);
    *ppFunctionTable = &table;
    return 0;
#endif
}
#endif
