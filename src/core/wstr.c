#include <string.h>
#include "wstr.h"

static WCHAR fold(WCHAR c)
{
    return c >= 'A' && c <= 'Z' ? (WCHAR)(c - 'A' + 'a') : c;
}

static bool eq(LPCWSTR w, const char *a, bool fold_case)
{
    size_t i = 0;

    if (w == NULL || a == NULL)
        return false;
    for (; a[i] != '\0'; i++) {
        WCHAR c = (WCHAR)(unsigned char)a[i];

        if (w[i] == 0 || (fold_case ? fold(w[i]) != fold(c) : w[i] != c))
            return false;
    }
    return w[i] == 0;
}

bool wstr_eq_ascii(LPCWSTR w, const char *a)
{
    return eq(w, a, true);
}

bool wstr_is_ascii(LPCWSTR w, const char *a)
{
    return eq(w, a, false);
}

size_t wstr_len(LPCWSTR w, size_t max)
{
    size_t n = 0;

    while (n < max && w[n] != 0)
        n++;
    return n;
}

void wstr_from_ascii(WCHAR *dst, size_t cap, const char *a)
{
    size_t i = 0;

    memset(dst, 0, cap * sizeof(*dst));
    for (; a[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (WCHAR)(unsigned char)a[i];
}
