/* sslprov_trace.so: the tracing provider as a module the router loads by name from its
 * configuration file (docs/provider.md). It forwards to the built-in provider of the
 * libsslprov it is linked with, whose table it takes through SslInitializeInterface (its own
 * GetSChannelInterface is the module's entry point). Not part of libsslprov. */
#include <pthread.h>
#include "trace.h"

static NCRYPT_SSL_FUNCTION_TABLE builtin = {.Version = NCRYPT_SSL_INTERFACE_VERSION_5};
static SECURITY_STATUS builtin_status;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static SslExpandNextGenTrafficKeyFn traced_next_gen;

static void builtin_load(void)
{
    builtin_status = SslInitializeInterface(MS_SCHANNEL_PROVIDER, &builtin, 0);
    traced_next_gen = trace_next_gen(SslExpandNextGenTrafficKey);
}

/* One module, one provider: it answers to whatever name it was registered under. */
NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName, NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
                                     DWORD dwFlags)
{
    if (ppFunctionTable == NULL)
        return STATUS_INVALID_PARAMETER;
    *ppFunctionTable = NULL;
    pthread_once(&once, builtin_load);
    if (builtin_status != SEC_E_OK)
        return STATUS_NOT_FOUND;
    *ppFunctionTable = (NCRYPT_SSL_FUNCTION_TABLE *)trace_table(&builtin);
    return 0;
}

/* The one function without a table slot, which the router looks up by this name. The built-in
 * provider's is the library's exported SslExpandNextGenTrafficKey: the handles this module
 * passes on are the built-in provider's own, which the router sends straight to it. */
SSLPROV_API __typeof__(SslExpandNextGenTrafficKey) SslProvExpandNextGenTrafficKey;
SECURITY_STATUS WINAPI SslProvExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hTrafficSecret, NCRYPT_KEY_HANDLE *phNextTrafficSecret, PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    pthread_once(&once, builtin_load);
    return traced_next_gen(hSslProvider, hTrafficSecret, phNextTrafficSecret, pParameterList, dwFlags);
}
