/* CNG algorithm-name strings (api.md §4.6) for our internal ids. suites.h has no hash-name
 * helper and backend.h's md_ossl_name() gives OpenSSL's names, so the few CNG spellings the
 * API hands out (szHash, szPRFHash) live here, once. */
#ifndef SSLPROV_CNG_NAMES_H
#define SSLPROV_CNG_NAMES_H

#include "backend.h"
#include "sslprovider.h"

/* "MD5", "SHA1", "SHA256", "SHA384", "SHA512"; "" for MD_NONE and MD_MD5_SHA1 (which has no
 * single CNG name, api.md OQ-PRF-1). */
const char *md_cng_name(enum md_id md);
/* The hash a CNG name names (case-insensitive, as CNG compares): MD5, SHA1, SHA256, SHA384,
 * SHA512; MD_NONE for anything else, NULL included. */
enum md_id md_by_cng_name(LPCWSTR name);

#endif
