/* The backend uses a private OSSL_LIB_CTX (DESIGN.md "OpenSSL 3 usage"): opening a provider
 * must not load the legacy provider into the application's default context, must not
 * leave errors on the caller's queue, and fetches its algorithms once. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include "check.h"
#include "provider.h"
#include "sslprovider.h"

int main(void)
{
    NCRYPT_PROV_HANDLE h1, h2;
    struct provider *p1, *p2;
    EVP_MD *sha256;
    EVP_CIPHER *rc4;

    CHECK(OSSL_PROVIDER_available(NULL, "legacy") == 0);
    ERR_clear_error();
    CHECK_ST(SslOpenProvider(&h1, NULL, 0), SEC_E_OK);
    CHECK_ST(SslOpenProvider(&h2, NULL, 0), SEC_E_OK);
    CHECK(ERR_peek_error() == 0);

    /* the application's default context is as it was: no legacy, no RC4 */
    CHECK(OSSL_PROVIDER_available(NULL, "legacy") == 0);
    rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
    CHECK(rc4 == NULL);
    EVP_CIPHER_free(rc4);
    ERR_clear_error();

    CHECK_ST(provider_pin(h1, &p1), SEC_E_OK);
    CHECK_ST(provider_pin(h2, &p2), SEC_E_OK);
    if (p1 != NULL && p2 != NULL) {
        /* each provider has its own context with legacy loaded in it */
        CHECK(p1->be.libctx != NULL && p1->be.libctx != p2->be.libctx);
        CHECK(OSSL_PROVIDER_available(p1->be.libctx, "legacy") == 1);
        CHECK(p1->be.cipher[CIPHER_RC4] != NULL && p1->be.cipher[CIPHER_DES_CBC] != NULL);
        for (int i = MD_NONE + 1; i < MD_COUNT; i++)
            CHECK(p1->be.md[i] != NULL);
        for (int i = CIPHER_NULL + 1; i < CIPHER_COUNT; i++)
            CHECK(p1->be.cipher[i] != NULL);
        CHECK(p1->be.hmac && p1->be.tls1_prf && p1->be.tls13_kdf && p1->be.hkdf);
        /* fetched objects belong to the private context, not the default one */
        sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
        CHECK(sha256 != NULL && sha256 != p1->be.md[MD_SHA256]);
        CHECK(EVP_MD_get0_provider(p1->be.md[MD_SHA256]) != EVP_MD_get0_provider(sha256));
        EVP_MD_free(sha256);
    }
    provider_unpin(p1);
    provider_unpin(p2);
    CHECK_ST(SslFreeObject(h1, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(h2, 0), SEC_E_OK);
    return check_summary();
}
