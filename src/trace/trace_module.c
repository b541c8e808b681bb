/* sslprov_trace.so: the tracing provider as a module the router loads by name from its
 * configuration file (docs/provider.md). It forwards to the built-in provider of the
 * libsslprov it is linked with, whose table it takes through SslInitializeInterface (its own
 * GetSChannelInterface is the module's entry point). Not part of libsslprov. */
#include <pthread.h>
#include "trace.h"

static NCRYPT_SSL_FUNCTION_TABLE builtin = {.Version = NCRYPT_SSL_INTERFACE_VERSION_5};
static SECURITY_STATUS builtin_status;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void builtin_load(void)
{
    builtin_status = SslInitializeInterface(MS_SCHANNEL_PROVIDER, &builtin, 0);
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
