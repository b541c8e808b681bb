/* Group F: record protection (api.md §7 F1–F2, behavior.md §2, conventions.md §5).
 * Arguments are checked as behavior.md §2 records them. */
#include "api_common.h"
#include "record12.h"
#include "record13.h"

/* A record key: a TLS <= 1.2 session key or a TLS 1.3 write key; other secrets are the right
 * class but the wrong stage (conventions.md §1). */
static SECURITY_STATUS record_key(const struct object *obj)
{
    const struct secret_key *k = (const struct secret_key *)obj;

    return (k->kind == KEY_SESSION && k->rec != NULL) || (k->kind == KEY_WRITE && k->rec13 != NULL)
               ? SEC_E_OK
               : NTE_NOT_SUPPORTED;
}

#define MAX_CONTENT_TYPE 0xFF

SECURITY_STATUS WINAPI SslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwContentType,
                                        DWORD dwFlags)
{
    struct call c;
    struct object *key;
    size_t len;
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
    if ((st = record_key(key)) != SEC_E_OK)
        return call_end(&c, st);
    if (((struct secret_key *)key)->kind == KEY_WRITE) {
        st = rec13_encrypt((struct secret_key *)key, pbInput, cbInput, pbOutput, cbOutput, &len,
                           SequenceNumber, (uint8_t)dwContentType);
        if (st == SEC_E_OK)
            *pcbResult = (DWORD)len;
        return call_end(&c, st);
    }
    if (cbInput > REC_MAX_PLAINTEXT)
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = rec12_encrypt((struct secret_key *)key, pbInput, cbInput, pbOutput, cbOutput, &len,
                       SequenceNumber, (uint8_t)dwContentType);
    if (st == SEC_E_OK)
        *pcbResult = (DWORD)len;
    return call_end(&c, st);
}

SECURITY_STATUS WINAPI SslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    size_t len;
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
    if ((st = record_key(key)) != SEC_E_OK)
        return call_end(&c, st);
    if (((struct secret_key *)key)->kind == KEY_WRITE)
        st = rec13_decrypt((struct secret_key *)key, pbInput, cbInput, pbOutput, cbOutput, &len,
                           SequenceNumber);
    else
        st = rec12_decrypt((struct secret_key *)key, pbInput, cbInput, pbOutput, cbOutput, &len,
                           SequenceNumber);
    if (st == SEC_E_OK)
        *pcbResult = (DWORD)len;
    return call_end(&c, st);
}
