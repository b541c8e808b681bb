/* The built-in provider's functions. Windows' own provider names them SPSsl* behind ncrypt's
 * exported Ssl* router functions; so do we: src/router/ exports Ssl*, and for a handle of the
 * built-in provider calls the SPSsl* function of the same name, which checks its arguments in
 * Windows' order and makes one call (src/api/). The same functions fill the built-in
 * provider's NCRYPT_SSL_FUNCTION_TABLE (GetSChannelInterface). */
#ifndef SSLPROV_SP_API_H
#define SSLPROV_SP_API_H

#include "sslprovider.h"
#include "sslprov_ext.h"
#include "table_slots.h"

/* SPSslX has SslX's type (declared in sslprovider.h); the functions stay internal. */
#define SP_DECLARE(name, version) __typeof__(Ssl##name) SPSsl##name;
SSLPROV_TABLE_SLOTS(SP_DECLARE)
#undef SP_DECLARE

/* The built-in provider's functions that have no table slot. */
__typeof__(SslIncrementProviderReferenceCount) SPSslIncrementProviderReferenceCount;
__typeof__(SslDecrementProviderReferenceCount) SPSslDecrementProviderReferenceCount;
__typeof__(SslExpandNextGenTrafficKey) SPSslExpandNextGenTrafficKey;
__typeof__(SslProvImportEphemeralKey) SPSslProvImportEphemeralKey;

/* The built-in provider's table (static, Version {5,0}). */
const NCRYPT_SSL_FUNCTION_TABLE *sp_function_table(void);

#endif
