/* A user of the installed library: open the provider, look at one suite, close. */
#include <stdio.h>
#include <sslprovider.h>

int main(void)
{
    NCRYPT_PROV_HANDLE prov = 0;
    NCRYPT_SSL_CIPHER_SUITE info;

    if (SslOpenProvider(&prov, MS_SCHANNEL_PROVIDER, 0) != 0)
        return 1;
    if (SslLookupCipherSuiteInfo(prov, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                 0, &info, 0) != 0 || info.dwCipherLen != 128)
        return 2;
    if (SslFreeObject(prov, 0) != 0)
        return 3;
    puts("consumer: ok");
    return 0;
}
