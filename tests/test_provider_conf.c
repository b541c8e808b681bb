/* conventions.md §9: providers named in an [sslprov] section of OPENSSL_CONF are loaded into
 * the provider's private library context at SslOpenProvider — and not into the default one;
 * one that cannot be loaded fails the open. */
#include <stdlib.h>
#include <unistd.h>
#include <openssl/provider.h>
#include "check.h"
#include "provider.h"
#include "sslprovider.h"

static void write_conf(const char *path, const char *providers)
{
    FILE *f = fopen(path, "w");

    fprintf(f, "# test configuration\n[sslprov]\nproviders = %s\n", providers);
    fclose(f);
}

int main(void)
{
    char path[] = "/tmp/sslprov-conf-XXXXXX";
    int fd = mkstemp(path);
    NCRYPT_PROV_HANDLE h = 0;
    struct provider *prov;

    CHECK(fd >= 0);
    close(fd);
    write_conf(path, "base");
    setenv("OPENSSL_CONF", path, 1);

    CHECK_ST(SslOpenProvider(&h, NULL, 0), SEC_E_OK);
    CHECK_ST(provider_pin(h, &prov), SEC_E_OK);
    if (prov != NULL) {
        CHECK(OSSL_PROVIDER_available(prov->be.libctx, "base") == 1);
        CHECK(prov->be.n_extra == 1);
        provider_unpin(prov);
    }
    CHECK(OSSL_PROVIDER_available(NULL, "base") == 0);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);

    /* an administrator's provider that is not there: the open fails, nothing is left */
    write_conf(path, "base, no-such-provider-sslprov");
    h = 99;
    CHECK_ST(SslOpenProvider(&h, NULL, 0), NTE_PROVIDER_DLL_FAIL);
    CHECK(h == 0);

    /* no section: nothing extra */
    {
        FILE *f = fopen(path, "w");
        fputs("[other]\nx = 1\n", f);
        fclose(f);
    }
    CHECK_ST(SslOpenProvider(&h, NULL, 0), SEC_E_OK);
    CHECK_ST(provider_pin(h, &prov), SEC_E_OK);
    if (prov != NULL) {
        CHECK(prov->be.n_extra == 0);
        provider_unpin(prov);
    }
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    unlink(path);
    return check_summary();
}
