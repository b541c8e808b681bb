/* Creation, lookup and free from several threads at once (run under TSan by make check):
 * threads share one array of handles and race to use and free each other's objects, while
 * others open and close providers and move reference counts. Every operation must either
 * succeed or report NTE_INVALID_HANDLE; at the end nothing is left alive. */
#include <pthread.h>
#include <stdatomic.h>
#include "check.h"
#include "fake.h"
#include "sslprovider.h"

#define THREADS 4
#define ROUNDS 20000
#define SHARED 64

static NCRYPT_PROV_HANDLE prov;
static _Atomic ULONG_PTR shared[SHARED];
static atomic_uint bad_status;

static void expect(SECURITY_STATUS st)
{
    if (st != SEC_E_OK && st != NTE_INVALID_HANDLE)
        atomic_fetch_add(&bad_status, 1);
}

static void *churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
    struct object *obj;

    for (int i = 0; i < ROUNDS; i++) {
        unsigned slot = (seed = seed * 1103515245u + 12345u) >> 8 & (SHARED - 1);
        ULONG_PTR h = atomic_load(&shared[slot]);

        switch (seed >> 24 & 3) {
        case 0: /* replace: make a new object, free whatever was there */
            h = atomic_exchange(&shared[slot], fake_new(prov, (enum obj_class)(OBJ_HASH + (seed & 3))));
            if (h != 0)
                expect(SslFreeObject(h, 0));
            break;
        case 1: /* free without replacing: others now hold a stale handle */
            expect(SslFreeObject(h, 0));
            break;
        default: /* use */
            if (handle_pin(h, CLASS_ANY, &obj) == SEC_E_OK) {
                if (obj->prov == NULL || obj->cls < OBJ_HASH)
                    atomic_fetch_add(&bad_status, 1);
                handle_unpin(obj);
            }
            break;
        }
    }
    return NULL;
}

static void *providers(void *arg)
{
    for (int i = 0; i < 50; i++) {
        NCRYPT_PROV_HANDLE p;

        if (SslOpenProvider(&p, NULL, 0) != SEC_E_OK) {
            atomic_fetch_add(&bad_status, 1);
            continue;
        }
        expect(SslIncrementProviderReferenceCount(p));
        expect(SslDecrementProviderReferenceCount(p));
        expect(SslIncrementProviderReferenceCount(prov));
        expect(SslFreeObject(p, 0));
        expect(SslDecrementProviderReferenceCount(prov));
        if (SslFreeObject(p, 0) != NTE_INVALID_HANDLE)
            atomic_fetch_add(&bad_status, 1);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS + 1];

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, churn, (void *)(i + 1)) == 0);
    CHECK(pthread_create(&t[THREADS], NULL, providers, NULL) == 0);
    for (int i = 0; i <= THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(atomic_load(&bad_status) == 0);
    for (int i = 0; i < SHARED; i++) {
        ULONG_PTR h = atomic_load(&shared[i]);
        if (h != 0)
            SslFreeObject(h, 0); /* some were already freed: either status is fine */
    }
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
