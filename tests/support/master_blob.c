/* master_blob.h: the fields are written in the host's order, which is the blob's
 * (little-endian) on every platform sslprov builds for. */
#include <string.h>
#include "master_blob.h"
#include "sslprov_opaque.h"

#define MASTER_BLOB_MAGIC "5lss" /* 'ssl5' as it lies in memory */

void master_blob_make(BYTE blob[MASTER_BLOB_LEN], DWORD proto, DWORD suite, DWORD client,
                      const unsigned char ms[48])
{
    DWORD total = MASTER_BLOB_LEN;

    memset(blob, 0, MASTER_BLOB_LEN);
    memcpy(blob + SSLPROV_OPAQUE_TOTAL, &total, 4);
    memcpy(blob + SSLPROV_OPAQUE_MAGIC, MASTER_BLOB_MAGIC, 4);
    memcpy(blob + SSLPROV_OPAQUE_PROTOCOL, &proto, 4);
    memcpy(blob + SSLPROV_OPAQUE_SUITE, &suite, 4);
    memcpy(blob + SSLPROV_OPAQUE_FLAG, &client, 4);
    memcpy(blob + SSLPROV_OPAQUE_IV, ms, 48);
}

SECURITY_STATUS master_blob_import_st(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                      const unsigned char ms[48], NCRYPT_KEY_HANDLE *h)
{
    BYTE blob[MASTER_BLOB_LEN];

    master_blob_make(blob, proto, suite, client, ms);
    *h = 0;
    return SslImportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), 0);
}

NCRYPT_KEY_HANDLE master_blob_import(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                     const unsigned char ms[48])
{
    NCRYPT_KEY_HANDLE h;

    if (master_blob_import_st(prov, proto, suite, client, ms, &h) != SEC_E_OK)
        return 0;
    return h;
}

bool master_blob_export(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE mk, unsigned char ms[48])
{
    BYTE blob[MASTER_BLOB_LEN];
    DWORD cb = 0;

    if (SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) != SEC_E_OK ||
        cb != MASTER_BLOB_LEN || memcmp(blob + SSLPROV_OPAQUE_MAGIC, MASTER_BLOB_MAGIC, 4) != 0)
        return false;
    memcpy(ms, blob + SSLPROV_OPAQUE_IV, 48);
    return true;
}
