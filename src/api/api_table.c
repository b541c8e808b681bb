/* The built-in provider's NCRYPT_SSL_FUNCTION_TABLE (api.md §3.9): its slots are the SPSsl*
 * functions. The router hands it out through GetSChannelInterface / SslInitializeInterface
 * (src/router/registry.c) and calls its functions for the built-in provider's handles. */
#include "sp_api.h"

#define SP_SLOT(name, version) .name = SPSsl##name,
static const NCRYPT_SSL_FUNCTION_TABLE function_table = {
    .Version = NCRYPT_SSL_INTERFACE_VERSION_5,
    SSLPROV_TABLE_SLOTS(SP_SLOT)
};
#undef SP_SLOT

const NCRYPT_SSL_FUNCTION_TABLE *sp_function_table(void)
{
    return &function_table;
}
