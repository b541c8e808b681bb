/* Group B entry points: cipher-suite and curve information (api.md §7 B1-B6, conventions.md
 * §1 validation order and flags, §8 suites). Everything they report comes from suites.c. */
#include <string.h>
#include "api_common.h"
#include "buffer.h"
#include "cng_names.h"
#include "keys.h"
#include "sp_api.h"

/* What *ppEnumState points to: the next position in the default enumeration. */
struct enum_state {
    size_t pos;
};

/* dwProtocol/dwCipherSuite/dwKeyType of the lookup functions. An unknown protocol or suite,
 * or a suite that does not exist in that protocol -> NTE_NOT_SUPPORTED. dwKeyType is 0 or a
 * named curve, the latter only where an ECC group can apply: ECDHE exchange, ECDSA
 * certificate, or TLS 1.3 (whose exchange is over a named group) -> else
 * NTE_INVALID_PARAMETER (api.md B3). */
static SECURITY_STATUS suite_resolve(DWORD protocol, DWORD id, DWORD key_type,
                                     const struct suite **s, enum proto *p)
{
    bool ecc;

    if (!proto_from_dword(protocol, p) || (*s = suite_find(id)) == NULL ||
        !suite_has_proto(*s, *p))
        return NTE_NOT_SUPPORTED;
    if (key_type == 0)
        return SEC_E_OK;
    ecc = (*s)->kx == KX_ECDHE || (*s)->auth == AUTH_ECDSA || *p == PROTO_TLS13;
    /* one of the curves SslEnumEccCurves lists (23, 24, 25, 29, 30) */
    return ecc && group_by_id(key_type) != NULL && group_by_id(key_type)->enum_name != NULL
               ? SEC_E_OK
               : NTE_INVALID_PARAMETER;
}

/* The private-key filter of api.md B1: 0 = no filter; otherwise a key from SslOpenPrivateKey. */
static SECURITY_STATUS enum_filter(struct call *c, ULONG_PTR hkey, struct suite_filter *f)
{
    struct object *obj;
    SECURITY_STATUS st;

    f->cert = AUTH_NONE;
    f->rsa_decrypt = false;
    if ((st = call_pin_opt(c, hkey, CLASS_BIT(OBJ_PRIVATE), &obj)) != SEC_E_OK)
        return st;
    if (obj != NULL)
        pkey_suite_filter((const struct pkey_object *)obj, f);
    return SEC_E_OK;
}

/* One step of SslEnumCipherSuites(Ex), after the handles. A new state is handed to the caller
 * on SEC_E_OK and on NTE_NO_MORE_ITEMS (the caller frees it either way) and freed on any other
 * failure. Each record is its own buffer; *record is written only on SEC_E_OK. */
static SECURITY_STATUS enum_step(const struct suite_filter *filter, bool ex, void **record,
                                 void **state_io)
{
    enum buffer_kind kind = ex ? BUF_ENUM_STATE_EX : BUF_ENUM_STATE;
    struct enum_state *state = *state_io, *fresh = NULL;
    const struct suite *s;
    enum proto p;
    size_t pos;
    void *rec;
    SECURITY_STATUS st;

    /* a state of the other enumeration, or memory we never handed out */
    if (state != NULL && buffer_kind(state) != kind)
        return NTE_INVALID_PARAMETER;
    if (state == NULL && (state = fresh = buffer_alloc(kind, sizeof *state)) == NULL)
        return NTE_NO_MEMORY;
    pos = state->pos;
    if (!suites_enum_next(&pos, filter, &s, &p)) {
        st = NTE_NO_MORE_ITEMS;
        goto out;
    }
    rec = buffer_alloc(BUF_PLAIN, ex ? sizeof(NCRYPT_SSL_CIPHER_SUITE_EX)
                                     : sizeof(NCRYPT_SSL_CIPHER_SUITE));
    if (rec == NULL) {
        st = NTE_NO_MEMORY;
        goto out;
    }
    if (ex)
        suite_fill_info_ex(s, p, rec);
    else
        suite_fill_info(s, p, rec);
    state->pos = pos;
    *record = rec;
    st = SEC_E_OK;
out:
    if (fresh != NULL) {
        if (st == SEC_E_OK || st == NTE_NO_MORE_ITEMS)
            *state_io = fresh;
        else
            buffer_free(fresh);
    }
    return st;
}

/* B1 and B2 share everything but the record and state kinds. have_out says whether the
 * caller gave an output pointer; the record comes back in *rec (NULL on any failure,
 * NTE_NO_MORE_ITEMS included). dwFlags is reserved and ignored (conventions.md §1). */
static SECURITY_STATUS enum_suites(NCRYPT_PROV_HANDLE hprov, NCRYPT_KEY_HANDLE hkey, bool ex,
                                   bool have_out, void **rec, PVOID *state)
{
    struct call c;
    struct suite_filter filter;
    SECURITY_STATUS st;

    *rec = NULL;
    if ((st = call_begin(&c, hprov)) != SEC_E_OK)
        return call_end(&c, st);
    if (!have_out || state == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = enum_filter(&c, hkey, &filter)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, enum_step(&filter, ex, rec, state));
}

SECURITY_STATUS WINAPI SPSslEnumCipherSuites(NCRYPT_PROV_HANDLE hSslProvider,
                                           NCRYPT_KEY_HANDLE hPrivateKey,
                                           NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
                                           PVOID *ppEnumState, DWORD dwFlags)
{
    void *rec;
    SECURITY_STATUS st;

    st = enum_suites(hSslProvider, hPrivateKey, false, ppCipherSuite != NULL, &rec, ppEnumState);
    if (ppCipherSuite != NULL)
        *ppCipherSuite = rec;
    return st;
}

/* B2: its state is not interchangeable with B1's (api.md B2). */
SECURITY_STATUS WINAPI SPSslEnumCipherSuitesEx(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_KEY_HANDLE hPrivateKey,
                                             NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
                                             PVOID *ppEnumState, DWORD dwFlags)
{
    void *rec;
    SECURITY_STATUS st;

    st = enum_suites(hSslProvider, hPrivateKey, true, ppCipherSuite != NULL, &rec, ppEnumState);
    if (ppCipherSuite != NULL)
        *ppCipherSuite = rec;
    return st;
}

/* B3. Every suite of the table, enabled or not; SSL 2.0 and export suites are reported.
 * dwFlags is reserved and ignored. */
SECURITY_STATUS WINAPI SPSslLookupCipherSuiteInfo(NCRYPT_PROV_HANDLE hSslProvider,
                                                DWORD dwProtocol, DWORD dwCipherSuite,
                                                DWORD dwKeyType,
                                                NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
                                                DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pCipherSuite == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = suite_resolve(dwProtocol, dwCipherSuite, dwKeyType, &s, &p)) != SEC_E_OK)
        return call_end(&c, st);
    suite_fill_info(s, p, pCipherSuite);
    return call_end(&c, SEC_E_OK);
}

/* B4, in the order of Windows' SPSslLookupCipherLengths (conventions.md §12): a protocol
 * below SSL 3.0 first (Windows refuses everything below TLS 1.1 there; sslprov answers SSL 3.0
 * and TLS 1.0 too, docs/suites.md), then the provider, the output, the flags, and the
 * protocol/suite pair. dwKeyType is never read: real callers pass a TLS group id or
 * leftovers. */
SECURITY_STATUS WINAPI SPSslLookupCipherLengths(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
                                              DWORD dwCipherSuite, DWORD dwKeyType,
                                              NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
                                              DWORD cbCipherLengths, DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (dwProtocol < SSL3_PROTOCOL_VERSION)
        return NTE_NOT_SUPPORTED;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pCipherLengths == NULL || cbCipherLengths < sizeof(NCRYPT_SSL_CIPHER_LENGTHS))
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if (!proto_from_dword(dwProtocol, &p) || p == PROTO_SSL2 || (s = suite_find(dwCipherSuite)) == NULL ||
        !suite_has_proto(s, p))
        return call_end(&c, NTE_INVALID_PARAMETER);
    suite_lengths(s, p, pCipherLengths);
    return call_end(&c, SEC_E_OK);
}

/* B5. TLS 1.2 / DTLS 1.2: the PRF hash; TLS 1.3: the HKDF hash. Earlier protocols have no
 * single-hash PRF (MD5+SHA1, SSL 3.0's own construction) -> NTE_NOT_SUPPORTED (OQ-PRF-1). */
SECURITY_STATUS WINAPI SPSslGetCipherSuitePRFHashAlgorithm(NCRYPT_PROV_HANDLE hSslProvider,
                                                         DWORD dwProtocol, DWORD dwCipherSuite,
                                                         DWORD dwKeyType,
                                                         WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
                                                         DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    const char *name;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (szPRFHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    /* dwKeyType is not read: the PRF hash cannot depend on it, and Windows callers pass the
     * exchange's group there, also for static-RSA suites (as with SslLookupCipherLengths,
     * conventions.md §12) */
    if ((st = suite_resolve(dwProtocol, dwCipherSuite, 0, &s, &p)) != SEC_E_OK)
        return call_end(&c, st);
    name = md_cng_name(suite_prf_md(s, p));
    if (name[0] == '\0')
        return call_end(&c, NTE_NOT_SUPPORTED);
    wcs_from_ascii(szPRFHash, NCRYPT_SSL_MAX_NAME_SIZE, name);
    return call_end(&c, SEC_E_OK);
}

/* The curves SslEnumEccCurves lists, as one caller-freed array. */
static SECURITY_STATUS curves_list(NCRYPT_SSL_ECC_CURVE **out, DWORD *count)
{
    NCRYPT_SSL_ECC_CURVE *arr;
    const struct group_info *g;
    size_t n = 0;

    while (group_listed_at(n) != NULL)
        n++;
    if ((arr = buffer_alloc(BUF_PLAIN, n * sizeof *arr)) == NULL)
        return NTE_NO_MEMORY;
    for (n = 0; (g = group_listed_at(n)) != NULL; n++) {
        wcs_from_ascii(arr[n].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH, g->enum_name);
        /* buffer_alloc zeroed the block, so the copy is NUL-terminated */
        memcpy(arr[n].szOID, g->oid, strnlen(g->oid, MSCRYPT_ECC_MAX_OID_LENGTH - 1));
        arr[n].dwPublicKeyLength = g->bits;
        arr[n].dwCurveType = g->id;
        arr[n].dwFlags = 0; /* no flag values are defined (OQ-ECC-2) */
    }
    *out = arr;
    *count = (DWORD)n;
    return SEC_E_OK;
}

/* B6. dwFlags is reserved and ignored. On failure *ppEccCurve is NULL and the count 0. */
SECURITY_STATUS WINAPI SPSslEnumEccCurves(NCRYPT_PROV_HANDLE hSslProvider, DWORD *pEccCurveCount,
                                        NCRYPT_SSL_ECC_CURVE **ppEccCurve, DWORD dwFlags)
{
    struct call c;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pEccCurveCount == NULL || ppEccCurve == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    *ppEccCurve = NULL;
    *pEccCurveCount = 0;
    return call_end(&c, curves_list(ppEccCurve, pEccCurveCount));
}
