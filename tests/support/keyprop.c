/* keyprop.h: one SslGetKeyProperty call each, its buffer always released. */
#include <stdio.h>
#include <string.h>
#include "keyprop.h"

bool prop_dword(NCRYPT_KEY_HANDLE h, const WCHAR *name, DWORD want)
{
    PBYTE p = NULL;
    DWORD cb = 0, v = 0;
    bool ok = SslGetKeyProperty(h, name, &p, &cb, 0) == SEC_E_OK && cb == 4;

    if (ok)
        memcpy(&v, p, 4);
    if (p != NULL)
        SslFreeBuffer(p);
    if (!ok || v != want)
        fprintf(stderr, "  property dword: got %u (cb %u), want %u\n", (unsigned)v, (unsigned)cb,
                (unsigned)want);
    return ok && v == want;
}

bool prop_string(NCRYPT_KEY_HANDLE h, const WCHAR *name, const char *want)
{
    PBYTE p = NULL;
    DWORD cb = 0;
    bool ok = SslGetKeyProperty(h, name, &p, &cb, 0) == SEC_E_OK &&
              cb == 2 * (strlen(want) + 1);

    for (size_t i = 0; ok && i <= strlen(want); i++) {
        WCHAR c;

        memcpy(&c, p + 2 * i, 2);
        ok = c == (WCHAR)(unsigned char)want[i];
    }
    if (p != NULL)
        SslFreeBuffer(p);
    if (!ok)
        fprintf(stderr, "  property string: want %s\n", want);
    return ok;
}

SECURITY_STATUS prop_status(NCRYPT_KEY_HANDLE h, const WCHAR *name)
{
    PBYTE p = NULL;
    DWORD cb = 0;
    SECURITY_STATUS st = SslGetKeyProperty(h, name, &p, &cb, 0);

    if (p != NULL)
        SslFreeBuffer(p);
    return st;
}
