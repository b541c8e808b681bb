/* A TLS <= 1.2 master key from a known master secret, through the 80-byte 'ssl5'
 * OpaqueKeyBlob of behavior.md §4.4: total length, magic, protocol, suite, client flag, then
 * the secret at 0x1C. How tests put libssl's (or a vector's) master secret behind a handle.
 * Returns 0 if SslImportKey refuses it. */
#ifndef SSLPROV_TEST_MASTER_BLOB_H
#define SSLPROV_TEST_MASTER_BLOB_H

#include <string.h>
#include "sslprovider.h"

static inline NCRYPT_KEY_HANDLE master_blob_import(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite,
                                                   DWORD client, const unsigned char ms[48])
{
    BYTE blob[80] = {80, 0, 0, 0, '5', 'l', 's', 's'};
    NCRYPT_KEY_HANDLE h = 0;

    memcpy(blob + 8, &proto, 4);
    memcpy(blob + 12, &suite, 4);
    memcpy(blob + 16, &client, 4);
    memcpy(blob + 0x1C, ms, 48);
    if (SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), 0) != SEC_E_OK)
        return 0;
    return h;
}

#endif
