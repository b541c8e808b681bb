/* The handle table (DESIGN.md "Handles"): zero, random, stale, double-freed and wrong-class
 * handles are refused; generations make recycled slots safe; providers outlive objects. */
#include <stdint.h>
#include "check.h"
#include "fake.h"
#include "sslprovider.h"

static void test_pin_and_class(NCRYPT_PROV_HANDLE prov)
{
    ULONG_PTR h = fake_new(prov, OBJ_HASH);
    struct object *obj;

    CHECK(h != 0);
    CHECK_ST(handle_pin(h, CLASS_BIT(OBJ_HASH), &obj), SEC_E_OK);
    CHECK(obj != NULL && obj->cls == OBJ_HASH);
    if (obj != NULL)
        handle_unpin(obj);
    /* the right handle asked for as another class */
    CHECK_ST(handle_pin(h, CLASS_BIT(OBJ_KEY), &obj), NTE_INVALID_HANDLE);
    CHECK(obj == NULL);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    /* stale and double free */
    CHECK_ST(handle_pin(h, CLASS_ANY, &obj), NTE_INVALID_HANDLE);
    CHECK_ST(SslFreeObject(h, 0), NTE_INVALID_HANDLE);
}

static void test_bad_values(void)
{
    static const ULONG_PTR bad[] = {0, 1, 2, 0xffffffffu, UINTPTR_MAX, 0x0123456789abcdefull,
                                    0x7fffffff00000001ull, (ULONG_PTR)&bad};
    struct object *obj;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_ST(handle_pin(bad[i], CLASS_ANY, &obj), NTE_INVALID_HANDLE);
        CHECK_ST(SslFreeObject(bad[i], 0), NTE_INVALID_HANDLE);
        CHECK_ST(SslIncrementProviderReferenceCount(bad[i]), NTE_INVALID_HANDLE);
        CHECK_ST(SslDecrementProviderReferenceCount(bad[i]), NTE_INVALID_HANDLE);
    }
}

/* A slot reused by a new object: the old handle must not reach the new object. */
static void test_generations(NCRYPT_PROV_HANDLE prov)
{
    ULONG_PTR old = fake_new(prov, OBJ_KEY), fresh;
    struct object *obj;
    int reused = 0;

    CHECK_ST(SslFreeObject(old, 0), SEC_E_OK);
    for (int i = 0; i < 64; i++) {
        fresh = fake_new(prov, OBJ_KEY);
        if ((uint32_t)fresh == (uint32_t)old)
            reused++;
        CHECK(fresh != old);
        CHECK_ST(handle_pin(old, CLASS_ANY, &obj), NTE_INVALID_HANDLE);
        CHECK_ST(SslFreeObject(fresh, 0), SEC_E_OK);
    }
    CHECK(reused > 0); /* the slot really was recycled */
}

/* A handle freed while a call has it pinned: the handle dies at once, the object when the
 * call ends (conventions.md §1 "Threads"). */
static void test_free_while_pinned(NCRYPT_PROV_HANDLE prov)
{
    ULONG_PTR h = fake_new(prov, OBJ_MASTER);
    struct object *obj, *again;

    CHECK_ST(handle_pin(h, CLASS_ANY, &obj), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    CHECK_ST(handle_pin(h, CLASS_ANY, &again), NTE_INVALID_HANDLE);
    CHECK(obj->cls == OBJ_MASTER); /* still readable: ASan/valgrind would catch otherwise */
    handle_unpin(obj);
}

/* Objects keep their provider alive after its last user reference is gone. */
static void test_provider_outlives_children(void)
{
    NCRYPT_PROV_HANDLE prov;
    ULONG_PTR key;
    struct object *obj;

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    key = fake_new(prov, OBJ_KEY);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(prov, 0), NTE_INVALID_HANDLE);
    CHECK_ST(handle_pin(key, CLASS_ANY, &obj), SEC_E_OK);
    if (obj != NULL) {
        CHECK(obj->prov != NULL && obj->prov->be.libctx != NULL);
        handle_unpin(obj);
    }
    CHECK_ST(SslFreeObject(key, 0), SEC_E_OK);
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    size_t live;

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    live = handle_live_count();
    test_pin_and_class(prov);
    test_bad_values();
    test_generations(prov);
    test_free_while_pinned(prov);
    test_provider_outlives_children();
    CHECK(handle_live_count() == live);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
