/* Key properties through SslGetKeyProperty, each buffer released with SslFreeBuffer:
 * prop_dword / prop_string compare with the expected value (and say what differs),
 * prop_status returns the status alone. */
#ifndef SSLPROV_TEST_KEYPROP_H
#define SSLPROV_TEST_KEYPROP_H

#include <stdbool.h>
#include "sslprovider.h"

bool prop_dword(NCRYPT_KEY_HANDLE h, const WCHAR *name, DWORD want);
bool prop_string(NCRYPT_KEY_HANDLE h, const WCHAR *name, const char *want);
SECURITY_STATUS prop_status(NCRYPT_KEY_HANDLE h, const WCHAR *name);

#endif
