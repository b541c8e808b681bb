/* A user of the installed library: open the provider, look at one suite, import a master
 * key written with the installed OpaqueKeyBlob layout, close. */
#include <stdio.h>
#include <string.h>
#include <sslprovider.h>
#include <sslprov_opaque.h>

static void put32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov = 0;
    NCRYPT_SSL_CIPHER_SUITE info;
    NCRYPT_KEY_HANDLE master = 0;
    unsigned char blob[SSLPROV_OPAQUE_HEADER_LEN] = {0};

    if (SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0) != 0)
        return 1;
    if (SslLookupCipherSuiteInfo(prov, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                 0, &info, 0) != 0 || info.dwCipherLen != 128)
        return 2;
    put32(blob + SSLPROV_OPAQUE_TOTAL, SSLPROV_OPAQUE_HEADER_LEN);
    put32(blob + SSLPROV_OPAQUE_MAGIC, SSLPROV_OPAQUE_MAGIC_SSL5);
    put32(blob + SSLPROV_OPAQUE_PROTOCOL, TLS1_2_PROTOCOL_VERSION);
    put32(blob + SSLPROV_OPAQUE_SUITE, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    put32(blob + SSLPROV_OPAQUE_FLAG, 1);
    memset(blob + SSLPROV_OPAQUE_IV, 0x42, 48);
    if (SslImportKey(prov, &master, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof blob, 0) != 0 ||
        SslFreeObject(master, 0) != 0)
        return 4;
    /* its twin: a session-key magic on a header-only blob is refused */
    put32(blob + SSLPROV_OPAQUE_MAGIC, SSLPROV_OPAQUE_MAGIC_SSL3);
    if (SslImportKey(prov, &master, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof blob, 0) != NTE_BAD_DATA)
        return 5;
    if (SslFreeObject(prov, 0) != 0)
        return 3;
    puts("consumer: ok");
    return 0;
}
