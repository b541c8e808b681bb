/* Secrets are wiped before their memory is released: every block freed through OpenSSL's
 * allocator (which the library uses for all objects and buffers) is scanned for a known
 * secret pattern at free time (tests/wipe_scan.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "buffer.h"
#include "check.h"
#include "fake.h"
#include "sslprovider.h"
#include "wipe_scan.h"

static const unsigned char pattern[16] = "S3CR3T-PATTERN!";
int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    ULONG_PTR key;
    struct object *obj;
    void *buf;

    wipe_scanning = true;
    CHECK(wipe_scan_install(pattern, sizeof(pattern)));
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);

    /* an object holding secret bytes, freed through its handle */
    key = fake_new(prov, OBJ_MASTER);
    CHECK_ST(handle_pin(key, CLASS_ANY, &obj), SEC_E_OK);
    memcpy(((struct fake *)obj)->secret, pattern, sizeof(pattern));
    handle_unpin(obj);
    CHECK_ST(SslFreeObject(key, 0), SEC_E_OK);

    /* a caller buffer holding secret bytes, freed with SslFreeBuffer */
    CHECK((buf = buffer_alloc(BUF_PLAIN, 64)) != NULL);
    memcpy((unsigned char *)buf + 7, pattern, sizeof(pattern));
    CHECK_ST(SslFreeBuffer(buf), SEC_E_OK);

    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(wipe_found == 0);

    /* the detector itself works: a plain free of a secret is seen */
    {
        unsigned char *p = OPENSSL_malloc(32);
        memcpy(p, pattern, sizeof(pattern));
        OPENSSL_free(p);
        CHECK(wipe_found == 1);
    }
    return check_summary();
}
