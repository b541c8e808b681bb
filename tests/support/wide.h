/* Windows' 16-bit strings in tests: W("...") for a literal (sslprovider.h's SSLP_WSTR), and
 * wide_is to compare one with an ASCII string. Tiny, so static inline. */
#ifndef SSLPROV_TEST_WIDE_H
#define SSLPROV_TEST_WIDE_H

#include <stdbool.h>
#include <stddef.h>
#include "sslprovider.h"

#define W(s) SSLP_WSTR(s)

/* w is the NUL-terminated UTF-16 form of a (false for NULL). */
static inline bool wide_is(LPCWSTR w, const char *a)
{
    size_t i;

    if (w == NULL)
        return false;
    for (i = 0; a[i] != '\0'; i++)
        if (w[i] != (WCHAR)(unsigned char)a[i])
            return false;
    return w[i] == 0;
}

#endif
