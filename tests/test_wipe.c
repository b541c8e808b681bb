/* Secrets are wiped before their memory is released: every block freed through OpenSSL's
 * allocator (which the library uses for all objects and buffers) is scanned for a known
 * secret pattern at free time. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "buffer.h"
#include "check.h"
#include "fake.h"
#include "sslprovider.h"

static const unsigned char pattern[16] = "S3CR3T-PATTERN!";
static unsigned leaked_secrets;

/* Each block carries its size in a 16-byte prefix, so free can scan it. */
static void *hook_malloc(size_t n, const char *file, int line)
{
    size_t *p = calloc(1, n + 16); /* zeroed: the scan at free reads every byte */

    if (p == NULL)
        return NULL;
    *p = n;
    return (char *)p + 16;
}

static void hook_free(void *ptr, const char *file, int line)
{
    unsigned char *b = ptr;
    size_t n;

    if (ptr == NULL)
        return;
    n = *(size_t *)(b - 16);
    for (size_t j = 0; j + sizeof(pattern) <= n; j++)
        if (memcmp(b + j, pattern, sizeof(pattern)) == 0)
            leaked_secrets++;
    free(b - 16);
}

static void *hook_realloc(void *ptr, size_t n, const char *file, int line)
{
    void *q = hook_malloc(n, file, line);

    if (q != NULL && ptr != NULL) {
        size_t old = *(size_t *)((unsigned char *)ptr - 16);
        memcpy(q, ptr, old < n ? old : n);
        hook_free(ptr, file, line);
    }
    return q;
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    ULONG_PTR key;
    struct object *obj;
    void *buf;

    CHECK(CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) == 1);
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
    CHECK(leaked_secrets == 0);

    /* the detector itself works: a plain free of a secret is seen */
    {
        unsigned char *p = OPENSSL_malloc(32);
        memcpy(p, pattern, sizeof(pattern));
        OPENSSL_free(p);
        CHECK(leaked_secrets == 1);
    }
    return check_summary();
}
