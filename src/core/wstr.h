/* UTF-16 (WCHAR) string helpers for the names callers pass: provider, property, blob type
 * and algorithm names. CNG compares these case-insensitively (api.md §4.6). */
#ifndef SSLPROV_WSTR_H
#define SSLPROV_WSTR_H

#include <stdbool.h>
#include <stddef.h>
#include "sslprovider.h"

/* Case-insensitive (ASCII letters) equality of a NUL-terminated UTF-16 string and an ASCII
 * string. NULL never matches. */
bool wstr_eq_ascii(LPCWSTR w, const char *a);
/* The same, case-sensitive: for the names Windows compares exactly (client-auth key
 * algorithms, behavior.md §8.4). */
bool wstr_is_ascii(LPCWSTR w, const char *a);
/* Code units before the terminator, reading at most max units (max if none found). */
size_t wstr_len(LPCWSTR w, size_t max);
/* Fill dst (cap units, cap > 0) with the ASCII string a, terminated and zero-padded. */
void wstr_from_ascii(WCHAR *dst, size_t cap, const char *a);

#endif
