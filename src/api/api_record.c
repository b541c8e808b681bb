/* Group F: record protection (api.md §7 F1–F2, behavior.md §2, conventions.md §5).
 * Arguments are checked as behavior.md §2 records them. */
#include "api_common.h"
#include "record.h"
#include "sp_api.h"

/* A record key: a TLS <= 1.2 session key or a TLS 1.3 write key; other secrets are the right
 * class but the wrong stage (conventions.md §1). */
static SECURITY_STATUS record_key(const struct object *obj)
{
    const struct secret_key *k = (const struct secret_key *)obj;

    return (k->kind == KEY_SESSION || k->kind == KEY_WRITE) && k->rec != NULL ? SEC_E_OK
                                                                              : NTE_NOT_SUPPORTED;
}

#define MAX_CONTENT_TYPE 0xFF

/* The record calls' fast path, for well-formed calls: only the key is pinned. A pinned key
 * holds a reference on its provider, so the provider needs no pin of its own (two atomic
 * read-modify-writes less per record); hSslProvider must still be a live handle of that very
 * provider. NULL on any doubt: the general path then finds the exact status. */
static struct secret_key *record_fast_pin(NCRYPT_PROV_HANDLE hp, NCRYPT_KEY_HANDLE hk)
{
    struct object *key;

    if (handle_pin(hk, CLASS_BIT(OBJ_KEY), &key) != SEC_E_OK)
        return NULL;
    /* both handles are checked before the key is read (the handle tests rely on that) */
    if (handle_names(hp, &key->prov->hdr) && record_key(key) == SEC_E_OK)
        return (struct secret_key *)key;
    handle_unpin(key);
    return NULL;
}

static SECURITY_STATUS record_encrypt(struct secret_key *k, PBYTE in, DWORD in_len, PBYTE out,
                                      DWORD out_cap, DWORD *result, ULONGLONG seq, DWORD type)
{
    size_t len;
    SECURITY_STATUS st = rec_seal(k, in, in_len, out, out_cap, &len, seq, (uint8_t)type);

    if (st == SEC_E_OK)
        *result = (DWORD)len;
    return st;
}

static SECURITY_STATUS record_decrypt(struct secret_key *k, PBYTE in, DWORD in_len, PBYTE out,
                                      DWORD out_cap, DWORD *result, ULONGLONG seq)
{
    size_t len;
    SECURITY_STATUS st = rec_open(k, in, in_len, out, out_cap, &len, seq);

    if (st == SEC_E_OK)
        *result = (DWORD)len;
    return st;
}

SECURITY_STATUS WINAPI SPSslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwContentType,
                                        DWORD dwFlags)
{
    struct call c;
    struct object *key;
    struct secret_key *k;
    SECURITY_STATUS st;

    if (pbOutput != NULL && pcbResult != NULL && dwFlags == 0 && pbInput != NULL &&
        dwContentType <= MAX_CONTENT_TYPE && (k = record_fast_pin(hSslProvider, hKey)) != NULL) {
        st = record_encrypt(k, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber,
                            dwContentType);
        handle_unpin(&k->hdr);
        return st;
    }
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
    return call_end(&c, record_encrypt((struct secret_key *)key, pbInput, cbInput, pbOutput,
                                       cbOutput, pcbResult, SequenceNumber, dwContentType));
}

SECURITY_STATUS WINAPI SPSslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                        PBYTE pbInput, DWORD cbInput, PBYTE pbOutput,
                                        DWORD cbOutput, DWORD *pcbResult,
                                        ULONGLONG SequenceNumber, DWORD dwFlags)
{
    struct call c;
    struct object *key;
    struct secret_key *k;
    SECURITY_STATUS st;

    if (pbOutput != NULL && pcbResult != NULL && dwFlags == 0 && pbInput != NULL &&
        (k = record_fast_pin(hSslProvider, hKey)) != NULL) {
        st = record_decrypt(k, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber);
        handle_unpin(&k->hdr);
        return st;
    }
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
    return call_end(&c, record_decrypt((struct secret_key *)key, pbInput, cbInput, pbOutput,
                                       cbOutput, pcbResult, SequenceNumber));
}
