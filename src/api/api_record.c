/* Group F: record protection (api.md §7 F1–F2, behavior.md §2, conventions.md §5).
 * Arguments are checked as behavior.md §2 records; record protection arrives with issue 4
 * (TLS 1.3 keys with issue 5) and answers NTE_NOT_SUPPORTED until then. */
#include "api_common.h"

#define MAX_CONTENT_TYPE 0xFF

SECURITY_STATUS WINAPI SslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwContentType,
                                        DWORD dwFlags)
{
    struct call c;
    struct object *key;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbOutput == NULL || pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hKey, CLASS_BIT(OBJ_KEY), &key)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbInput == NULL || dwContentType > MAX_CONTENT_TYPE)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}

SECURITY_STATUS WINAPI SslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbOutput == NULL || pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hKey, CLASS_BIT(OBJ_KEY), &key)) != SEC_E_OK)
        return call_end(&c, st);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if (pbInput == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, NTE_NOT_SUPPORTED);
}
