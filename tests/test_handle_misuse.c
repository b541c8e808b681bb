/* Handle misuse on every entry point that takes a handle (issue 2, DESIGN.md "Handles"):
 * for each handle parameter in turn, with every other argument valid, the values zero (where
 * the parameter is not optional), random, stale (freed), foreign (another provider's object)
 * and wrong-class are refused with NTE_INVALID_HANDLE (conventions.md §1), and every output
 * handle the call has is left 0. */
#include <stdbool.h>
#include <string.h>
#include "check.h"
#include "fake.h"
#include "sslprovider.h"
#include "wide.h"

#define MAXH 5
#define DEAD ((ULONG_PTR)0xdeadbeefcafef00dull)

/* Scratch outputs every call writes into; checked to be 0 after a refused call. */
static NCRYPT_KEY_HANDLE out1, out2;
static BYTE buf[512];
static DWORD cb;
static BYTE randoms[64];
static NCryptBuffer prm_bufs[2] = {
    {32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, randoms},
    {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, randoms + 32},
};
static NCryptBufferDesc prm = {NCRYPTBUFFER_VERSION, 2, prm_bufs};
static CERT_CONTEXT cert = {X509_ASN_ENCODING, buf, 16, NULL, NULL};

#define T12 TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#define T13 TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256

typedef SECURITY_STATUS (*call_fn)(const ULONG_PTR *h);

/* One wrapper per entry point: h[0..n) are its handle parameters in order. */
static SECURITY_STATUS c_FreeObject(const ULONG_PTR *h) { return SslFreeObject(h[0], 0); }
static SECURITY_STATUS c_Inc(const ULONG_PTR *h) { return SslIncrementProviderReferenceCount(h[0]); }
static SECURITY_STATUS c_Dec(const ULONG_PTR *h) { return SslDecrementProviderReferenceCount(h[0]); }
static SECURITY_STATUS c_GetProviderProperty(const ULONG_PTR *h)
{ PBYTE p = NULL; return SslGetProviderProperty(h[0], W("Name"), &p, &cb, NULL, 0); }
static SECURITY_STATUS c_EnumCipherSuites(const ULONG_PTR *h)
{ NCRYPT_SSL_CIPHER_SUITE *s = NULL; PVOID st = NULL; return SslEnumCipherSuites(h[0], h[1], &s, &st, 0); }
static SECURITY_STATUS c_EnumCipherSuitesEx(const ULONG_PTR *h)
{ NCRYPT_SSL_CIPHER_SUITE_EX *s = NULL; PVOID st = NULL; return SslEnumCipherSuitesEx(h[0], h[1], &s, &st, 0); }
static SECURITY_STATUS c_LookupCipherSuiteInfo(const ULONG_PTR *h)
{ NCRYPT_SSL_CIPHER_SUITE s; return SslLookupCipherSuiteInfo(h[0], T12, 0, &s, 0); }
static SECURITY_STATUS c_LookupCipherLengths(const ULONG_PTR *h)
{ NCRYPT_SSL_CIPHER_LENGTHS l; return SslLookupCipherLengths(h[0], T12, 0, &l, sizeof(l), 0); }
static SECURITY_STATUS c_GetPRFHash(const ULONG_PTR *h)
{ WCHAR n[NCRYPT_SSL_MAX_NAME_SIZE]; return SslGetCipherSuitePRFHashAlgorithm(h[0], T12, 0, n, 0); }
static SECURITY_STATUS c_EnumEccCurves(const ULONG_PTR *h)
{ NCRYPT_SSL_ECC_CURVE *c = NULL; DWORD n; return SslEnumEccCurves(h[0], &n, &c, 0); }
static SECURITY_STATUS c_OpenPrivateKey(const ULONG_PTR *h) { return SslOpenPrivateKey(h[0], &out1, &cert, 0); }
static SECURITY_STATUS c_CreateEphemeralKey(const ULONG_PTR *h)
{ return SslCreateEphemeralKey(h[0], &out1, T12, TLS_ECC_P256_CURVE_KEY_TYPE, 256, NULL, 0, 0); }
static SECURITY_STATUS c_ImportKey(const ULONG_PTR *h)
{ return SslImportKey(h[0], &out1, BCRYPT_ECCPUBLIC_BLOB, buf, 72, 0); }
static SECURITY_STATUS c_ExportKey(const ULONG_PTR *h)
{ return SslExportKey(h[0], h[1], BCRYPT_OPAQUE_KEY_BLOB, buf, sizeof(buf), &cb, 0); }
static SECURITY_STATUS c_GetKeyProperty(const ULONG_PTR *h)
{ PBYTE p = NULL; DWORD n; return SslGetKeyProperty(h[0], SSL_KEY_TYPE_PROPERTY, &p, &n, 0); }
static SECURITY_STATUS c_SignHash(const ULONG_PTR *h)
{ return SslSignHash(h[0], h[1], buf, 32, buf + 64, 256, &cb, 0); }
static SECURITY_STATUS c_VerifySignature(const ULONG_PTR *h)
{ return SslVerifySignature(h[0], h[1], buf, 32, buf + 64, 256, 0); }
static SECURITY_STATUS c_CreateHandshakeHash(const ULONG_PTR *h) { return SslCreateHandshakeHash(h[0], &out1, T12, 0); }
static SECURITY_STATUS c_HashHandshake(const ULONG_PTR *h) { return SslHashHandshake(h[0], h[1], buf, 4, 0); }
static SECURITY_STATUS c_CreateClientAuthHash(const ULONG_PTR *h)
{ return SslCreateClientAuthHash(h[0], &out1, T12, BCRYPT_SHA256_ALGORITHM, 0); }
static SECURITY_STATUS c_ComputeFinishedHash(const ULONG_PTR *h)
{ return SslComputeFinishedHash(h[0], h[1], h[2], buf, 12, NCRYPT_SSL_CLIENT_FLAG); }
static SECURITY_STATUS c_ComputeClientAuthHash(const ULONG_PTR *h)
{ return SslComputeClientAuthHash(h[0], h[1], h[2], BCRYPT_SHA256_ALGORITHM, buf, 64, &cb, 0); }
static SECURITY_STATUS c_ComputeSessionHash(const ULONG_PTR *h)
{ return SslComputeSessionHash(h[0], h[1], TLS1_2_PROTOCOL_VERSION, buf, 64, &cb, 0); }
static SECURITY_STATUS c_DuplicateTranscriptHash(const ULONG_PTR *h)
{ return SslDuplicateTranscriptHash(h[0], h[1], &out1, 0); }
static SECURITY_STATUS c_GeneratePreMasterKey(const ULONG_PTR *h)
{ return SslGeneratePreMasterKey(h[0], h[1], &out1, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, &prm, buf, 256, &cb, NCRYPT_SSL_CLIENT_FLAG); }
static SECURITY_STATUS c_GenerateMasterKey(const ULONG_PTR *h)
{ return SslGenerateMasterKey(h[0], h[1], h[2], &out1, T12, &prm, NULL, 0, &cb, NCRYPT_SSL_CLIENT_FLAG); }
static SECURITY_STATUS c_ImportMasterKey(const ULONG_PTR *h)
{ return SslImportMasterKey(h[0], h[1], &out1, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, &prm, buf, 256, NCRYPT_SSL_SERVER_FLAG); }
static SECURITY_STATUS c_GenerateSessionKeys(const ULONG_PTR *h)
{ return SslGenerateSessionKeys(h[0], h[1], &out1, &out2, &prm, 0); }
static SECURITY_STATUS c_ComputeEapKeyBlock(const ULONG_PTR *h)
{ return SslComputeEapKeyBlock(h[0], h[1], randoms, 64, buf, 128, &cb, 0); }
static SECURITY_STATUS c_ExportKeyingMaterial(const ULONG_PTR *h)
{ return SslExportKeyingMaterial(h[0], h[1], "EXPORTER-test", randoms, 64, NULL, 0, buf, 32, 0); }
static SECURITY_STATUS c_EncryptPacket(const ULONG_PTR *h)
{ return SslEncryptPacket(h[0], h[1], buf, 16, buf + 64, 256, &cb, 0, CT_APPLICATIONDATA, 0); }
static SECURITY_STATUS c_DecryptPacket(const ULONG_PTR *h)
{ return SslDecryptPacket(h[0], h[1], buf, 64, buf + 64, 256, &cb, 0, 0); }
static SECURITY_STATUS c_ExtractEarlyKey(const ULONG_PTR *h) { return SslExtractEarlyKey(h[0], h[1], &out1, T13, NULL, 0); }
static SECURITY_STATUS c_ExtractHandshakeKey(const ULONG_PTR *h)
{ return SslExtractHandshakeKey(h[0], h[1], h[2], h[3], &out1, NULL, 0); }
static SECURITY_STATUS c_ExtractMasterKey(const ULONG_PTR *h) { return SslExtractMasterKey(h[0], h[1], &out1, NULL, 0); }
static SECURITY_STATUS c_ExpandTrafficKeys(const ULONG_PTR *h)
{ return SslExpandTrafficKeys(h[0], h[1], h[2], &out1, &out2, NULL, 0); }
static SECURITY_STATUS c_ExpandWriteKey(const ULONG_PTR *h) { return SslExpandWriteKey(h[0], h[1], &out1, NULL, 0); }
static SECURITY_STATUS c_ExpandExporterMasterKey(const ULONG_PTR *h)
{ return SslExpandExporterMasterKey(h[0], h[1], h[2], &out1, NULL, 0); }
static SECURITY_STATUS c_ExpandResumptionMasterKey(const ULONG_PTR *h)
{ return SslExpandResumptionMasterKey(h[0], h[1], h[2], &out1, NULL, 0); }
static SECURITY_STATUS c_ExpandBinderKey(const ULONG_PTR *h)
{ return SslExpandBinderKey(h[0], h[1], &out1, NULL, NCRYPT_SSL_EXTERNAL_PSK_FLAG); }
static SECURITY_STATUS c_ExpandPreSharedKey(const ULONG_PTR *h)
{ return SslExpandPreSharedKey(h[0], h[1], buf, 8, &out1, NULL, 0); }
static SECURITY_STATUS c_ExpandNextGenTrafficKey(const ULONG_PTR *h)
{ return SslExpandNextGenTrafficKey(h[0], h[1], &out1, NULL, 0); }

struct entry {
    const char *name;
    call_fn call;
    int n;
    enum obj_class cls[MAXH]; /* a valid class for each handle parameter */
    unsigned optional;        /* bit i: 0 is not refused as a handle for parameter i */
    bool any_class;           /* the function takes a handle of any class */
};

#define P OBJ_PROVIDER
static const struct entry entries[] = {
    {"SslFreeObject", c_FreeObject, 1, {P}, 0, true},
    {"SslIncrementProviderReferenceCount", c_Inc, 1, {P}, 0},
    {"SslDecrementProviderReferenceCount", c_Dec, 1, {P}, 0},
    {"SslGetProviderProperty", c_GetProviderProperty, 1, {P}, 0},
    {"SslEnumCipherSuites", c_EnumCipherSuites, 2, {P, OBJ_PRIVATE}, 1u << 1},
    {"SslEnumCipherSuitesEx", c_EnumCipherSuitesEx, 2, {P, OBJ_PRIVATE}, 1u << 1},
    {"SslLookupCipherSuiteInfo", c_LookupCipherSuiteInfo, 1, {P}, 0},
    {"SslLookupCipherLengths", c_LookupCipherLengths, 1, {P}, 0},
    {"SslGetCipherSuitePRFHashAlgorithm", c_GetPRFHash, 1, {P}, 0},
    {"SslEnumEccCurves", c_EnumEccCurves, 1, {P}, 0},
    {"SslOpenPrivateKey", c_OpenPrivateKey, 1, {P}, 0},
    {"SslCreateEphemeralKey", c_CreateEphemeralKey, 1, {P}, 0},
    {"SslImportKey", c_ImportKey, 1, {P}, 0},
    {"SslExportKey", c_ExportKey, 2, {P, OBJ_KEY}, 0},
    {"SslGetKeyProperty", c_GetKeyProperty, 1, {OBJ_PRIVATE}, 0},
    {"SslSignHash", c_SignHash, 2, {P, OBJ_PRIVATE}, 0},
    {"SslVerifySignature", c_VerifySignature, 2, {P, OBJ_PUBLIC}, 0}, /* also private, ephemeral keys */
    {"SslCreateHandshakeHash", c_CreateHandshakeHash, 1, {P}, 0},
    {"SslHashHandshake", c_HashHandshake, 2, {P, OBJ_HASH}, 0},
    {"SslCreateClientAuthHash", c_CreateClientAuthHash, 1, {P}, 0},
    {"SslComputeFinishedHash", c_ComputeFinishedHash, 3, {P, OBJ_MASTER, OBJ_HASH}, 0},
    {"SslComputeClientAuthHash", c_ComputeClientAuthHash, 3, {P, OBJ_MASTER, OBJ_HASH}, 0},
    {"SslComputeSessionHash", c_ComputeSessionHash, 2, {P, OBJ_HASH}, 0},
    {"SslDuplicateTranscriptHash", c_DuplicateTranscriptHash, 2, {P, OBJ_HASH}, 0},
    {"SslGeneratePreMasterKey", c_GeneratePreMasterKey, 2, {P, OBJ_PUBLIC}, 0},
    {"SslGenerateMasterKey", c_GenerateMasterKey, 3, {P, OBJ_EPHEMERAL, OBJ_EPHEMERAL}, 0},
    {"SslImportMasterKey", c_ImportMasterKey, 2, {P, OBJ_PRIVATE}, 0},
    {"SslGenerateSessionKeys", c_GenerateSessionKeys, 2, {P, OBJ_MASTER}, 0},
    {"SslComputeEapKeyBlock", c_ComputeEapKeyBlock, 2, {P, OBJ_MASTER}, 0},
    {"SslExportKeyingMaterial", c_ExportKeyingMaterial, 2, {P, OBJ_MASTER}, 0},
    {"SslEncryptPacket", c_EncryptPacket, 2, {P, OBJ_KEY}, 0},
    {"SslDecryptPacket", c_DecryptPacket, 2, {P, OBJ_KEY}, 0},
    {"SslExtractEarlyKey", c_ExtractEarlyKey, 2, {P, OBJ_KEY}, 1u << 1},
    /* exactly one exchange handle 0 is NTE_INVALID_PARAMETER (conventions.md §1), not a handle error */
    {"SslExtractHandshakeKey", c_ExtractHandshakeKey, 4, {P, OBJ_EPHEMERAL, OBJ_EPHEMERAL, OBJ_KEY}, 3u << 1},
    {"SslExtractMasterKey", c_ExtractMasterKey, 2, {P, OBJ_KEY}, 0},
    {"SslExpandTrafficKeys", c_ExpandTrafficKeys, 3, {P, OBJ_KEY, OBJ_HASH}, 0},
    {"SslExpandWriteKey", c_ExpandWriteKey, 2, {P, OBJ_KEY}, 0},
    {"SslExpandExporterMasterKey", c_ExpandExporterMasterKey, 3, {P, OBJ_KEY, OBJ_HASH}, 0},
    {"SslExpandResumptionMasterKey", c_ExpandResumptionMasterKey, 3, {P, OBJ_KEY, OBJ_HASH}, 0},
    {"SslExpandBinderKey", c_ExpandBinderKey, 2, {P, OBJ_KEY}, 0},
    {"SslExpandPreSharedKey", c_ExpandPreSharedKey, 2, {P, OBJ_KEY}, 0},
    {"SslExpandNextGenTrafficKey", c_ExpandNextGenTrafficKey, 2, {P, OBJ_KEY}, 0},
};

static NCRYPT_PROV_HANDLE prov, other_prov;
static ULONG_PTR valid[OBJ_CLASS_MAX], foreign[OBJ_CLASS_MAX], stale[OBJ_CLASS_MAX];

static void make_objects(void)
{
    NCRYPT_PROV_HANDLE gone;

    SslOpenProvider(&prov, NULL, 0);
    SslOpenProvider(&other_prov, NULL, 0);
    valid[OBJ_PROVIDER] = prov;
    foreign[OBJ_PROVIDER] = 0; /* any provider is a valid provider argument */
    SslOpenProvider(&gone, NULL, 0);
    SslFreeObject(gone, 0);
    stale[OBJ_PROVIDER] = gone;
    for (int c = OBJ_HASH; c < OBJ_ROUTED_PROVIDER; c++) { /* the built-in provider's classes */
        valid[c] = fake_new(prov, (enum obj_class)c);
        foreign[c] = fake_new(other_prov, (enum obj_class)c);
        stale[c] = fake_new(prov, (enum obj_class)c);
        SslFreeObject(stale[c], 0);
    }
}

/* A class no parameter of that kind accepts: hashes for everything else, a key for a hash
 * parameter, the provider itself for any object parameter. */
static void wrong_classes(enum obj_class cls, ULONG_PTR out[2])
{
    out[0] = cls == OBJ_PROVIDER ? valid[OBJ_KEY] : prov;
    out[1] = cls == OBJ_HASH ? valid[OBJ_KEY] : cls == OBJ_PROVIDER ? valid[OBJ_MASTER] : valid[OBJ_HASH];
}

static void try_one(const struct entry *e, int k, ULONG_PTR bad, const char *what)
{
    ULONG_PTR h[MAXH];
    SECURITY_STATUS st;

    for (int i = 0; i < e->n; i++)
        h[i] = valid[e->cls[i]];
    h[k] = bad;
    out1 = out2 = DEAD;
    st = e->call(h);
    if (st != NTE_INVALID_HANDLE)
        fprintf(stderr, "%s param %d (%s): 0x%08x\n", e->name, k, what, (unsigned)st);
    CHECK_ST(st, NTE_INVALID_HANDLE);
    /* a call with an output handle pointer sets it to 0 on failure */
    CHECK(out1 == DEAD || out1 == 0);
    CHECK(out2 == DEAD || out2 == 0);
}

int main(void)
{
    static const ULONG_PTR randoms_h[] = {1, 0x41, 0xffffffffu, 0x123456789abcdef0ull, UINTPTR_MAX,
                                          (ULONG_PTR)&prm};
    size_t ne = sizeof(entries) / sizeof(entries[0]);

    make_objects();
    for (size_t i = 0; i < ne; i++) {
        const struct entry *e = &entries[i];

        for (int k = 0; k < e->n; k++) {
            enum obj_class cls = e->cls[k];
            ULONG_PTR wrong[2];

            if (!(e->optional & (1u << k)))
                try_one(e, k, 0, "zero");
            for (size_t r = 0; r < sizeof(randoms_h) / sizeof(randoms_h[0]); r++)
                try_one(e, k, randoms_h[r], "random");
            try_one(e, k, stale[cls], "stale");
            if (foreign[cls] != 0 && strcmp(e->name, "SslGetKeyProperty") != 0)
                try_one(e, k, foreign[cls], "foreign");
            if (e->any_class)
                continue;
            wrong_classes(cls, wrong);
            try_one(e, k, wrong[0], "wrong class");
            try_one(e, k, wrong[1], "wrong class");
        }
    }
    for (int c = OBJ_HASH; c < OBJ_ROUTED_PROVIDER; c++) { /* the built-in provider's classes */
        CHECK_ST(SslFreeObject(valid[c], 0), SEC_E_OK);
        CHECK_ST(SslFreeObject(foreign[c], 0), SEC_E_OK);
    }
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK_ST(SslFreeObject(other_prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    printf("%zu entry points covered\n", ne);
    return check_summary();
}
