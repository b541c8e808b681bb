/* The tracing provider (trace.h). One line per call, written with one write(2) so lines of
 * concurrent calls never interleave:
 *
 *   SslEncryptPacket(hSslProvider=0x..., hKey=0x..., pbInput=<37 bytes, not shown>,
 *       pbOutput=[58], pcbResult=*58, SequenceNumber=1, dwContentType=0x17, dwFlags=0x0)
 *       = 0x00000000 SEC_E_OK
 *
 * Redaction: no output buffer's content is ever shown (derived keys, key blobs, plaintext,
 * MACs), nor record payloads or key blobs passed in; what is shown is what travels in clear on
 * the wire or names an algorithm — randoms, hash values, signatures, parameter lists, labels,
 * the first bytes of handshake messages. Handles are those of the provider traced (the
 * built-in one), which the router wraps before the caller sees them.
 *
 * Output: the file named by SSLPROV_TRACE (appended, created 0600), else standard error. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "table_slots.h"
#include "trace.h"

#define LINE_MAX_BYTES 8192
#define SHOW_BYTES 32

static const NCRYPT_SSL_FUNCTION_TABLE *next;
static pthread_once_t out_once = PTHREAD_ONCE_INIT;
static int out_fd = 2;

static void out_open(void)
{
    const char *path = getenv("SSLPROV_TRACE");
    int fd;

    if (path != NULL && path[0] != '\0' && strcmp(path, "-") != 0 &&
        (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0)
        out_fd = fd;
}

struct line {
    char buf[LINE_MAX_BYTES];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->len >= sizeof(l->buf))
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof(l->buf) - l->len ? (size_t)n : sizeof(l->buf) - l->len - 1;
}

static void put_hex(struct line *l, const void *p, size_t n)
{
    const unsigned char *b = p;

    if (p == NULL) {
        put(l, "NULL");
        return;
    }
    for (size_t i = 0; i < n && i < SHOW_BYTES; i++)
        put(l, "%02x", b[i]);
    if (n > SHOW_BYTES)
        put(l, "...(%zu bytes)", n);
    else if (n == 0)
        put(l, "(0 bytes)");
}

static void put_wstr(struct line *l, LPCWSTR w)
{
    if (w == NULL) {
        put(l, "NULL");
        return;
    }
    put(l, "\"");
    for (size_t i = 0; w[i] != 0 && i < 64; i++)
        put(l, w[i] >= 0x20 && w[i] < 0x7f && w[i] != '"' ? "%c" : "\\u%04x", (unsigned)w[i]);
    put(l, "\"");
}

static void put_params(struct line *l, const NCryptBufferDesc *d)
{
    if (d == NULL) {
        put(l, "NULL");
        return;
    }
    put(l, "{v%u", (unsigned)d->ulVersion);
    for (ULONG i = 0; d->pBuffers != NULL && i < d->cBuffers && i < 16; i++) {
        put(l, ", %u:", (unsigned)d->pBuffers[i].BufferType);
        put_hex(l, d->pBuffers[i].pvBuffer, d->pBuffers[i].cbBuffer);
    }
    put(l, "}");
}

static const char *status_name(SECURITY_STATUS st)
{
    static const struct { SECURITY_STATUS st; const char *name; } names[] = {
        {SEC_E_OK, "SEC_E_OK"}, {NTE_INVALID_PARAMETER, "NTE_INVALID_PARAMETER"},
        {NTE_INVALID_HANDLE, "NTE_INVALID_HANDLE"}, {NTE_NOT_SUPPORTED, "NTE_NOT_SUPPORTED"},
        {NTE_BAD_DATA, "NTE_BAD_DATA"}, {NTE_NO_MEMORY, "NTE_NO_MEMORY"},
        {NTE_INTERNAL_ERROR, "NTE_INTERNAL_ERROR"}, {NTE_BUFFER_TOO_SMALL, "NTE_BUFFER_TOO_SMALL"},
        {NTE_BAD_FLAGS, "NTE_BAD_FLAGS"}, {NTE_BAD_LEN, "NTE_BAD_LEN"}, {NTE_NO_KEY, "NTE_NO_KEY"},
        {NTE_NO_MORE_ITEMS, "NTE_NO_MORE_ITEMS"}, {NTE_DECRYPTION_FAILURE, "NTE_DECRYPTION_FAILURE"},
        {NTE_PROV_DLL_NOT_FOUND, "NTE_PROV_DLL_NOT_FOUND"}, {STATUS_NO_MEMORY, "STATUS_NO_MEMORY"},
        {NTE_PROVIDER_DLL_FAIL, "NTE_PROVIDER_DLL_FAIL"}, {NTE_BAD_SIGNATURE, "NTE_BAD_SIGNATURE"},
        {NTE_BAD_KEYSET, "NTE_BAD_KEYSET"}, {NTE_BAD_ALGID, "NTE_BAD_ALGID"},
        {STATUS_AUTH_TAG_MISMATCH, "STATUS_AUTH_TAG_MISMATCH"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].st == st)
            return names[i].name;
    return "?";
}

/* Log one call after it returned. spec: space-separated "name:kind", one per parameter or
 * (for the byte kinds) per pointer-and-length pair, in the parameter order of the varargs:
 *   P, K  handle (ULONG_PTR)            O  output handle (ULONG_PTR *), shown after the call
 *   x, u  DWORD (hex, decimal)          q  ULONGLONG
 *   B     public bytes (PBYTE, DWORD)   C  public bytes (PBYTE, WORD)
 *   S     redacted bytes (PBYTE, DWORD) o  output buffer (PBYTE, DWORD): its size only
 *   r     DWORD * result, shown after   w  LPCWSTR   a  PCHAR   L  parameter list   p  pointer */
static SECURITY_STATUS trace_call(const char *fn, SECURITY_STATUS st, const char *spec, ...)
{
    struct line l;
    va_list ap;

    pthread_once(&out_once, out_open);
    l.len = 0;
    put(&l, "%s(", fn);
    va_start(ap, spec);
    for (const char *s = spec; *s != '\0';) {
        const char *colon = strchr(s, ':');
        char kind = colon[1];

        put(&l, "%s%.*s=", s == spec ? "" : ", ", (int)(colon - s), s);
        switch (kind) {
        case 'P':
        case 'K':
            put(&l, "0x%jx", (uintmax_t)va_arg(ap, ULONG_PTR));
            break;
        case 'O': {
            ULONG_PTR *ph = va_arg(ap, ULONG_PTR *);
            if (ph == NULL)
                put(&l, "NULL");
            else
                put(&l, "&0x%jx", (uintmax_t)*ph);
            break;
        }
        case 'x':
            put(&l, "0x%x", va_arg(ap, unsigned));
            break;
        case 'u':
            put(&l, "%u", va_arg(ap, unsigned));
            break;
        case 'q':
            put(&l, "%llu", va_arg(ap, unsigned long long));
            break;
        case 'B': {
            const void *p = va_arg(ap, const void *);
            put_hex(&l, p, va_arg(ap, unsigned));
            break;
        }
        case 'C': {
            const void *p = va_arg(ap, const void *);
            put_hex(&l, p, (unsigned)va_arg(ap, int));
            break;
        }
        case 'S': {
            const void *p = va_arg(ap, const void *);
            unsigned n = va_arg(ap, unsigned);
            if (p == NULL)
                put(&l, "NULL");
            else
                put(&l, "<%u bytes, not shown>", n);
            break;
        }
        case 'o': {
            const void *p = va_arg(ap, const void *);
            unsigned n = va_arg(ap, unsigned);
            if (p == NULL)
                put(&l, "NULL[%u]", n);
            else
                put(&l, "[%u]", n);
            break;
        }
        case 'r': {
            const DWORD *r = va_arg(ap, const DWORD *);
            if (r == NULL)
                put(&l, "NULL");
            else
                put(&l, "*%u", (unsigned)*r);
            break;
        }
        case 'w':
            put_wstr(&l, va_arg(ap, LPCWSTR));
            break;
        case 'a': {
            const char *a = va_arg(ap, const char *);
            if (a == NULL)
                put(&l, "NULL");
            else
                put(&l, "\"%.64s\"", a);
            break;
        }
        case 'L':
            put_params(&l, va_arg(ap, const NCryptBufferDesc *));
            break;
        default:
            put(&l, "%p", va_arg(ap, void *));
            break;
        }
        s = colon + 2;
        while (*s == ' ')
            s++;
    }
    va_end(ap);
    put(&l, ") = 0x%08x %s\n", (unsigned)st, status_name(st));
    if (l.len == sizeof(l.buf) - 1)
        l.buf[l.len - 1] = '\n'; /* truncated: still one line */
    (void)!write(out_fd, l.buf, l.len);
    return st;
}

#define T(name, spec, ...) return trace_call("Ssl" #name, next->name(__VA_ARGS__), spec, __VA_ARGS__)

static SECURITY_STATUS WINAPI tComputeClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash, LPCWSTR pszAlgId, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
    DWORD dwFlags)
{
    T(ComputeClientAuthHash, "hSslProvider:P hMasterKey:K hHandshakeHash:K pszAlgId:w pbOutput:o pcbResult:r dwFlags:x",
      hSslProvider, hMasterKey, hHandshakeHash, pszAlgId, pbOutput, cbOutput, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms, DWORD cbRandoms, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, DWORD dwFlags)
{
    T(ComputeEapKeyBlock, "hSslProvider:P hMasterKey:K pbRandoms:B pbOutput:o pcbResult:r dwFlags:x",
      hSslProvider, hMasterKey, pbRandoms, cbRandoms, pbOutput, cbOutput, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbOutput, DWORD cbOutput, DWORD dwFlags)
{
    T(ComputeFinishedHash, "hSslProvider:P hMasterKey:K hHandshakeHash:K pbOutput:o dwFlags:x",
      hSslProvider, hMasterKey, hHandshakeHash, pbOutput, cbOutput, dwFlags);
}

static SECURITY_STATUS WINAPI tCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwKeyType, DWORD dwKeyBitLen, PBYTE pbParams, DWORD cbParams,
    DWORD dwFlags)
{
    T(CreateEphemeralKey,
      "hSslProvider:P phEphemeralKey:O dwProtocol:x dwCipherSuite:x dwKeyType:x dwKeyBitLen:u pbParams:B dwFlags:x",
      hSslProvider, phEphemeralKey, dwProtocol, dwCipherSuite, dwKeyType, dwKeyBitLen, pbParams, cbParams, dwFlags);
}

static SECURITY_STATUS WINAPI tCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash, DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwFlags)
{
    T(CreateHandshakeHash, "hSslProvider:P phHandshakeHash:O dwProtocol:x dwCipherSuite:x dwFlags:x",
      hSslProvider, phHandshakeHash, dwProtocol, dwCipherSuite, dwFlags);
}

static SECURITY_STATUS WINAPI tDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, PBYTE pbInput,
    DWORD cbInput, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, ULONGLONG SequenceNumber, DWORD dwFlags)
{
    T(DecryptPacket, "hSslProvider:P hKey:K pbInput:S pbOutput:o pcbResult:r SequenceNumber:q dwFlags:x",
      hSslProvider, hKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwFlags);
}

static SECURITY_STATUS WINAPI tEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, PBYTE pbInput,
    DWORD cbInput, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, ULONGLONG SequenceNumber, DWORD dwContentType,
    DWORD dwFlags)
{
    T(EncryptPacket,
      "hSslProvider:P hKey:K pbInput:S pbOutput:o pcbResult:r SequenceNumber:q dwContentType:x dwFlags:x",
      hSslProvider, hKey, pbInput, cbInput, pbOutput, cbOutput, pcbResult, SequenceNumber, dwContentType, dwFlags);
}

static SECURITY_STATUS WINAPI tEnumCipherSuites(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite, PVOID *ppEnumState, DWORD dwFlags)
{
    T(EnumCipherSuites, "hSslProvider:P hPrivateKey:K ppCipherSuite:p ppEnumState:p dwFlags:x",
      hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags);
}

static SECURITY_STATUS WINAPI tExportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey, LPCWSTR pszBlobType,
    PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, DWORD dwFlags)
{
    T(ExportKey, "hSslProvider:P hKey:K pszBlobType:w pbOutput:o pcbResult:r dwFlags:x",
      hSslProvider, hKey, pszBlobType, pbOutput, cbOutput, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tFreeBuffer(PVOID pvInput)
{
    T(FreeBuffer, "pvInput:p", pvInput);
}

static SECURITY_STATUS WINAPI tFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags)
{
    T(FreeObject, "hObject:K dwFlags:x", hObject, dwFlags);
}

static SECURITY_STATUS WINAPI tGenerateMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey, NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol, DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, DWORD dwFlags)
{
    T(GenerateMasterKey,
      "hSslProvider:P hPrivateKey:K hPublicKey:K phMasterKey:O dwProtocol:x dwCipherSuite:x pParameterList:L "
      "pbOutput:o pcbResult:r dwFlags:x",
      hSslProvider, hPrivateKey, hPublicKey, phMasterKey, dwProtocol, dwCipherSuite, pParameterList, pbOutput,
      cbOutput, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey, NCRYPT_KEY_HANDLE *phWriteKey, PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(GenerateSessionKeys, "hSslProvider:P hMasterKey:K phReadKey:O phWriteKey:O pParameterList:L dwFlags:x",
      hSslProvider, hMasterKey, phReadKey, phWriteKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tGetKeyProperty(NCRYPT_KEY_HANDLE hKey, LPCWSTR pszProperty, PBYTE *ppbOutput,
    DWORD *pcbOutput, DWORD dwFlags)
{
    T(GetKeyProperty, "hKey:K pszProperty:w ppbOutput:p pcbOutput:r dwFlags:x",
      hKey, pszProperty, ppbOutput, pcbOutput, dwFlags);
}

static SECURITY_STATUS WINAPI tGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider, LPCWSTR pszProperty,
    PBYTE *ppbOutput, DWORD *pcbOutput, PVOID *ppEnumState, DWORD dwFlags)
{
    T(GetProviderProperty, "hSslProvider:P pszProperty:w ppbOutput:p pcbOutput:r ppEnumState:p dwFlags:x",
      hSslProvider, pszProperty, ppbOutput, pcbOutput, ppEnumState, dwFlags);
}

static SECURITY_STATUS WINAPI tHashHandshake(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput, DWORD cbInput, DWORD dwFlags)
{
    T(HashHandshake, "hSslProvider:P hHandshakeHash:K pbInput:B dwFlags:x",
      hSslProvider, hHandshakeHash, pbInput, cbInput, dwFlags);
}

static SECURITY_STATUS WINAPI tImportMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey, DWORD dwProtocol, DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
    PBYTE pbEncryptedKey, DWORD cbEncryptedKey, DWORD dwFlags)
{
    T(ImportMasterKey,
      "hSslProvider:P hPrivateKey:K phMasterKey:O dwProtocol:x dwCipherSuite:x pParameterList:L pbEncryptedKey:B "
      "dwFlags:x",
      hSslProvider, hPrivateKey, phMasterKey, dwProtocol, dwCipherSuite, pParameterList, pbEncryptedKey,
      cbEncryptedKey, dwFlags);
}

static SECURITY_STATUS WINAPI tImportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType, PBYTE pbKeyBlob, DWORD cbKeyBlob, DWORD dwFlags)
{
    T(ImportKey, "hSslProvider:P phKey:O pszBlobType:w pbKeyBlob:S dwFlags:x",
      hSslProvider, phKey, pszBlobType, pbKeyBlob, cbKeyBlob, dwFlags);
}

static SECURITY_STATUS WINAPI tLookupCipherSuiteInfo(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
    DWORD dwCipherSuite, DWORD dwKeyType, NCRYPT_SSL_CIPHER_SUITE *pCipherSuite, DWORD dwFlags)
{
    T(LookupCipherSuiteInfo, "hSslProvider:P dwProtocol:x dwCipherSuite:x dwKeyType:x pCipherSuite:p dwFlags:x",
      hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, pCipherSuite, dwFlags);
}

static SECURITY_STATUS WINAPI tOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext, DWORD dwFlags)
{
    T(OpenPrivateKey, "hSslProvider:P phPrivateKey:O pCertContext:p dwFlags:x",
      hSslProvider, phPrivateKey, pCertContext, dwFlags);
}

/* The provider traced is always opened as itself: its own name is NULL to it. */
static SECURITY_STATUS WINAPI tOpenProvider(NCRYPT_PROV_HANDLE *phSslProvider, LPCWSTR pszProviderName, DWORD dwFlags)
{
    return trace_call("SslOpenProvider", next->OpenProvider(phSslProvider, NULL, dwFlags),
                      "phSslProvider:O pszProviderName:w dwFlags:x", phSslProvider, pszProviderName, dwFlags);
}

static SECURITY_STATUS WINAPI tSignHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue, DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature, DWORD *pcbResult, DWORD dwFlags)
{
    T(SignHash, "hSslProvider:P hPrivateKey:K pbHashValue:B pbSignature:o pcbResult:r dwFlags:x",
      hSslProvider, hPrivateKey, pbHashValue, cbHashValue, pbSignature, cbSignature, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tVerifySignature(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue, DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature, DWORD dwFlags)
{
    T(VerifySignature, "hSslProvider:P hPublicKey:K pbHashValue:B pbSignature:B dwFlags:x",
      hSslProvider, hPublicKey, pbHashValue, cbHashValue, pbSignature, cbSignature, dwFlags);
}

static SECURITY_STATUS WINAPI tLookupCipherLengths(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
    DWORD dwCipherSuite, DWORD dwKeyType, NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths, DWORD cbCipherLengths,
    DWORD dwFlags)
{
    T(LookupCipherLengths,
      "hSslProvider:P dwProtocol:x dwCipherSuite:x dwKeyType:x pCipherLengths:p cbCipherLengths:u dwFlags:x",
      hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, pCipherLengths, cbCipherLengths, dwFlags);
}

static SECURITY_STATUS WINAPI tCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash, DWORD dwProtocol, DWORD dwCipherSuite, LPCWSTR pszHashAlgId, DWORD dwFlags)
{
    T(CreateClientAuthHash,
      "hSslProvider:P phHandshakeHash:O dwProtocol:x dwCipherSuite:x pszHashAlgId:w dwFlags:x",
      hSslProvider, phHandshakeHash, dwProtocol, dwCipherSuite, pszHashAlgId, dwFlags);
}

static SECURITY_STATUS WINAPI tGetCipherSuitePRFHashAlgorithm(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol,
    DWORD dwCipherSuite, DWORD dwKeyType, WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE], DWORD dwFlags)
{
    T(GetCipherSuitePRFHashAlgorithm,
      "hSslProvider:P dwProtocol:x dwCipherSuite:x dwKeyType:x szPRFHash:p dwFlags:x",
      hSslProvider, dwProtocol, dwCipherSuite, dwKeyType, szPRFHash, dwFlags);
}

static SECURITY_STATUS WINAPI tComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol, PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, DWORD dwFlags)
{
    T(ComputeSessionHash, "hSslProvider:P hHandshakeHash:K dwProtocol:x pbOutput:o pcbResult:r dwFlags:x",
      hSslProvider, hHandshakeHash, dwProtocol, pbOutput, cbOutput, pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tGeneratePreMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPremasterKey, DWORD dwProtocol, DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
    PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult, DWORD dwFlags)
{
    T(GeneratePreMasterKey,
      "hSslProvider:P hPublicKey:K phPremasterKey:O dwProtocol:x dwCipherSuite:x pParameterList:L pbOutput:o "
      "pcbResult:r dwFlags:x",
      hSslProvider, hPublicKey, phPremasterKey, dwProtocol, dwCipherSuite, pParameterList, pbOutput, cbOutput,
      pcbResult, dwFlags);
}

static SECURITY_STATUS WINAPI tEnumEccCurves(NCRYPT_PROV_HANDLE hSslProvider, DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE **ppEccCurve, DWORD dwFlags)
{
    T(EnumEccCurves, "hSslProvider:P pEccCurveCount:r ppEccCurve:p dwFlags:x",
      hSslProvider, pEccCurveCount, ppEccCurve, dwFlags);
}

static SECURITY_STATUS WINAPI tExportKeyingMaterial(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel, PBYTE pbRandoms, DWORD cbRandoms, PBYTE pbContextValue, WORD cbContextValue, PBYTE pbOutput,
    DWORD cbOutput, DWORD dwFlags)
{
    T(ExportKeyingMaterial,
      "hSslProvider:P hMasterKey:K sLabel:a pbRandoms:B pbContextValue:C pbOutput:o dwFlags:x",
      hSslProvider, hMasterKey, sLabel, pbRandoms, cbRandoms, pbContextValue, cbContextValue, pbOutput, cbOutput,
      dwFlags);
}

static SECURITY_STATUS WINAPI tExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPreSharedKey,
    NCRYPT_KEY_HANDLE *phEarlyKey, DWORD dwProtocol, DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    T(ExtractEarlyKey,
      "hSslProvider:P hPreSharedKey:K phEarlyKey:O dwProtocol:x dwCipherSuite:x pParameterList:L dwFlags:x",
      hSslProvider, hPreSharedKey, phEarlyKey, dwProtocol, dwCipherSuite, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExtractHandshakeKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey, NCRYPT_KEY_HANDLE hEarlyKey, NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExtractHandshakeKey,
      "hSslProvider:P hPrivateKey:K hPublicKey:K hEarlyKey:K phHandshakeKey:O pParameterList:L dwFlags:x",
      hSslProvider, hPrivateKey, hPublicKey, hEarlyKey, phHandshakeKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey, PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExtractMasterKey, "hSslProvider:P hHandshakeKey:K phMasterKey:O pParameterList:L dwFlags:x",
      hSslProvider, hHandshakeKey, phMasterKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue, NCRYPT_KEY_HANDLE *phClientTrafficKey, NCRYPT_KEY_HANDLE *phServerTrafficKey,
    PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExpandTrafficKeys,
      "hSslProvider:P hBaseKey:K hHashValue:K phClientTrafficKey:O phServerTrafficKey:O pParameterList:L dwFlags:x",
      hSslProvider, hBaseKey, hHashValue, phClientTrafficKey, phServerTrafficKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey, PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExpandWriteKey, "hSslProvider:P hBaseTrafficKey:K phWriteKey:O pParameterList:L dwFlags:x",
      hSslProvider, hBaseTrafficKey, phWriteKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue, NCRYPT_KEY_HANDLE *phExporterMasterKey, PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    T(ExpandExporterMasterKey,
      "hSslProvider:P hBaseKey:K hHashValue:K phExporterMasterKey:O pParameterList:L dwFlags:x",
      hSslProvider, hBaseKey, hHashValue, phExporterMasterKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tEnumCipherSuitesEx(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite, PVOID *ppEnumState, DWORD dwFlags)
{
    T(EnumCipherSuitesEx, "hSslProvider:P hPrivateKey:K ppCipherSuite:p ppEnumState:p dwFlags:x",
      hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandResumptionMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey, NCRYPT_HASH_HANDLE hHashValue, NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExpandResumptionMasterKey,
      "hSslProvider:P hMasterKey:K hHashValue:K phResumptionMasterKey:O pParameterList:L dwFlags:x",
      hSslProvider, hMasterKey, hHashValue, phResumptionMasterKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash, NCRYPT_HASH_HANDLE *phTranscriptHash, DWORD dwFlags)
{
    T(DuplicateTranscriptHash, "hSslProvider:P hTranscriptHash:K phTranscriptHash:O dwFlags:x",
      hSslProvider, hTranscriptHash, phTranscriptHash, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey, PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExpandBinderKey, "hSslProvider:P hEarlyKey:K phBinderKey:O pParameterList:L dwFlags:x",
      hSslProvider, hEarlyKey, phBinderKey, pParameterList, dwFlags);
}

static SECURITY_STATUS WINAPI tExpandPreSharedKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey, PBYTE pbTicketNonce, DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey, PNCryptBufferDesc pParameterList, DWORD dwFlags)
{
    T(ExpandPreSharedKey,
      "hSslProvider:P hResumptionMasterKey:K pbTicketNonce:B phPreSharedKey:O pParameterList:L dwFlags:x",
      hSslProvider, hResumptionMasterKey, pbTicketNonce, cbTicketNonce, phPreSharedKey, pParameterList, dwFlags);
}

static SslExpandNextGenTrafficKeyFn next_gen;

static SECURITY_STATUS WINAPI tExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hTrafficSecret, NCRYPT_KEY_HANDLE *phNextTrafficSecret, PNCryptBufferDesc pParameterList,
    DWORD dwFlags)
{
    return trace_call("SslExpandNextGenTrafficKey",
                      next_gen(hSslProvider, hTrafficSecret, phNextTrafficSecret, pParameterList, dwFlags),
                      "hSslProvider:P hTrafficSecret:K phNextTrafficSecret:O pParameterList:L dwFlags:x",
                      hSslProvider, hTrafficSecret, phNextTrafficSecret, pParameterList, dwFlags);
}

#undef T

#define TRACE_SLOT(name, version) .name = t##name,
static const NCRYPT_SSL_FUNCTION_TABLE table = {
    .Version = NCRYPT_SSL_INTERFACE_VERSION_5,
    SSLPROV_TABLE_SLOTS(TRACE_SLOT)
};

static pthread_mutex_t next_lock = PTHREAD_MUTEX_INITIALIZER;

SslExpandNextGenTrafficKeyFn trace_next_gen(SslExpandNextGenTrafficKeyFn n)
{
    pthread_mutex_lock(&next_lock);
    if (next_gen == NULL)
        next_gen = n;
    pthread_mutex_unlock(&next_lock);
    return tExpandNextGenTrafficKey;
}

const NCRYPT_SSL_FUNCTION_TABLE *trace_table(const NCRYPT_SSL_FUNCTION_TABLE *n)
{
    pthread_mutex_lock(&next_lock);
    if (next == NULL)
        next = n;
    pthread_mutex_unlock(&next_lock);
    return &table;
}
