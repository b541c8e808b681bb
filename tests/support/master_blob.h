/* A TLS <= 1.2 master key from a known master secret, through the 80-byte 'ssl5'
 * OpaqueKeyBlob of behavior.md §4.4: total length, magic, protocol, suite, client flag, then
 * the secret at 0x1C. How tests put libssl's (or a vector's) master secret behind a handle.
 * Returns 0 if SslImportKey refuses it. */
#ifndef SSLPROV_TEST_MASTER_BLOB_H
#define SSLPROV_TEST_MASTER_BLOB_H

#include "sslprovider.h"

NCRYPT_KEY_HANDLE master_blob_import(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                     const unsigned char ms[48]);

#endif
