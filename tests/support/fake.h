/* Test objects of any class, registered in the real handle table of a real provider. They
 * let the handle tests reach every parameter of every entry point before the key classes
 * have creators of their own; entry points validate every handle before using any.
 * White-box (fake.c reaches the handle table): only for tests linked to the static library. */
#ifndef SSLPROV_TEST_FAKE_H
#define SSLPROV_TEST_FAKE_H

#include "handles.h"
#include "provider.h"

/* What a fake object holds: test_wipe writes a pattern into secret and watches it wiped. */
struct fake {
    struct object hdr;
    unsigned char secret[48];
};

/* A handle of class cls made by the provider behind hprov (0 on failure). */
ULONG_PTR fake_new(NCRYPT_PROV_HANDLE hprov, enum obj_class cls);

#endif
