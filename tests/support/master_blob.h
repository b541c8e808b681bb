/* A TLS <= 1.2 master key from a known master secret, through the 80-byte 'ssl5'
 * OpaqueKeyBlob of behavior.md §4.4: total length, magic, protocol, suite, client flag, then
 * the secret at 0x1C (master_blob.c). How tests put libssl's (or a vector's) master secret
 * behind a handle, and read one back. test_master_blob.c spells the layout out on its own:
 * it is the format's test, not a user of it. */
#ifndef SSLPROV_TEST_MASTER_BLOB_H
#define SSLPROV_TEST_MASTER_BLOB_H

#include <stdbool.h>
#include "sslprovider.h"
#include "sslprov_opaque.h"

#define MASTER_BLOB_LEN SSLPROV_OPAQUE_HEADER_LEN

void master_blob_make(BYTE blob[MASTER_BLOB_LEN], DWORD proto, DWORD suite, DWORD client,
                      const unsigned char ms[48]);

/* SslImportKey of the blob: its status, the handle in *h (0 on failure). */
SECURITY_STATUS master_blob_import_st(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                      const unsigned char ms[48], NCRYPT_KEY_HANDLE *h);

/* The same, the handle alone: 0 if SslImportKey refuses the blob. */
NCRYPT_KEY_HANDLE master_blob_import(NCRYPT_PROV_HANDLE prov, DWORD proto, DWORD suite, DWORD client,
                                     const unsigned char ms[48]);

/* The master secret behind mk, from its exported blob: false unless SslExportKey succeeds with
 * 80 bytes and the 'ssl5' magic. */
bool master_blob_export(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE mk, unsigned char ms[48]);

#endif
