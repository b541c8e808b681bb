/* master_blob.h: the blob is written field by field in the host's order, which is the blob's
 * (little-endian) on every platform sslprov builds for. */
#include <string.h>
#include "master_blob.h"

NCRYPT_KEY_HANDLE master_blob_import(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                     const unsigned char ms[48])
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
