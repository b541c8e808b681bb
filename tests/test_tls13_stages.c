/* TLS 1.3 schedule rules (behavior.md §5, conventions.md §1, §6): each function accepts
 * exactly the stages Windows accepts — another stage or a TLS <= 1.2 key of the same class is
 * NTE_NOT_SUPPORTED, another class NTE_INVALID_HANDLE; a transcript of another hash is
 * NTE_INVALID_PARAMETER; early secrets have no server traffic secret; PSK hash binding; flags,
 * nonce lengths, the KeyUpdate chain (RFC 8446 §7.2) and TLS 1.3 exporters (§7.5) against an
 * independent HKDF computation with libcrypto. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "master_blob.h"
#include "sslprovider.h"

static NCRYPT_PROV_HANDLE prov;
static const DWORD P13 = TLS1_3_PROTOCOL_VERSION, S = TLS_AES_128_GCM_SHA256;

static size_t secret_of(NCRYPT_KEY_HANDLE h, BYTE *out)
{
    BYTE blob[256];
    DWORD cb = 0;

    if (SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) != SEC_E_OK)
        return 0;
    memcpy(out, blob + 92, get32(blob + 88));
    return get32(blob + 88);
}

/* HKDF-Expand-Label with libcrypto's own HKDF (RFC 8446 §7.1 HkdfLabel built here). */
static void expand_label(const char *md, const BYTE *secret, size_t sl, const char *label, const BYTE *ctx,
                         size_t cl, BYTE *out, size_t ol)
{
    BYTE info[512];
    size_t n = 0, ll = 6 + strlen(label);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);

    info[n++] = (BYTE)(ol >> 8), info[n++] = (BYTE)ol, info[n++] = (BYTE)ll;
    memcpy(info + n, "tls13 ", 6), n += 6;
    memcpy(info + n, label, strlen(label)), n += strlen(label);
    info[n++] = (BYTE)cl;
    if (cl > 0) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(info + n, ctx, cl), n += cl;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, sl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    CHECK(EVP_KDF_derive(k, out, ol, p) > 0);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

int main(void)
{
    NCRYPT_KEY_HANDLE early, hs, master, chs, shs, cap, wk, exp, res, psk, binder, next, t, mk12, rd, wr;
    NCRYPT_HASH_HANDLE h, h384, h12;
    BYTE a[64], b[64], want[64], ms[48] = {1};
    BYTE cr[32] = {1}, sr[32] = {2}, out[64], hash[32];
    NCryptBuffer nb[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, nb};
    size_t n;

    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h, P13, S, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h384, P13, TLS_AES_256_GCM_SHA384, 0), SEC_E_OK);
    CHECK_ST(SslCreateHandshakeHash(prov, &h12, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), SEC_E_OK);
    SslHashHandshake(prov, h, (PBYTE) "\x01\x00\x00\x00", 4, 0);

    /* psk_ke: both exchange keys 0 → zero IKM */
    CHECK_ST(SslExtractEarlyKey(prov, 0, &early, P13, S, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractHandshakeKey(prov, 0, 0, early, &hs, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExtractMasterKey(prov, hs, &master, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h, &chs, &shs, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandTrafficKeys(prov, master, h, &cap, NULL, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandWriteKey(prov, cap, &wk, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandExporterMasterKey(prov, master, h, &exp, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandResumptionMasterKey(prov, master, h, &res, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandPreSharedKey(prov, res, NULL, 0, &psk, NULL, 0), SEC_E_OK);
    CHECK_ST(SslExpandBinderKey(prov, early, &binder, NULL, NCRYPT_SSL_EXTERNAL_PSK_FLAG), SEC_E_OK);
    CHECK_ST(master_blob_import_st(prov, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1,
                                   ms, &mk12), SEC_E_OK);
    CHECK_ST(SslGenerateSessionKeys(prov, mk12, &rd, &wr, &d, 0), SEC_E_OK);

    /* wrong stage (same class) → NTE_NOT_SUPPORTED; TLS <= 1.2 session key likewise */
    NCRYPT_KEY_HANDLE not_early[] = {hs, master, chs, wk, exp, res, psk, binder, wr};
    for (size_t i = 0; i < sizeof(not_early) / sizeof(not_early[0]); i++) {
        CHECK_ST(SslExtractHandshakeKey(prov, 0, 0, not_early[i], &t, NULL, 0), NTE_NOT_SUPPORTED);
        CHECK(t == 0);
        CHECK_ST(SslExpandBinderKey(prov, not_early[i], &t, NULL, 1), NTE_NOT_SUPPORTED);
    }
    NCRYPT_KEY_HANDLE not_hs[] = {early, master, chs, wk, wr};
    for (size_t i = 0; i < 5; i++)
        CHECK_ST(SslExtractMasterKey(prov, not_hs[i], &t, NULL, 0), NTE_NOT_SUPPORTED);
    NCRYPT_KEY_HANDLE not_base[] = {chs, wk, exp, res, psk, binder, wr};
    for (size_t i = 0; i < 7; i++)
        CHECK_ST(SslExpandTrafficKeys(prov, not_base[i], h, &t, NULL, NULL, 0), NTE_NOT_SUPPORTED);
    NCRYPT_KEY_HANDLE not_traffic[] = {early, hs, master, wk, exp, binder, wr};
    for (size_t i = 0; i < 7; i++) {
        CHECK_ST(SslExpandWriteKey(prov, not_traffic[i], &t, NULL, 0), NTE_NOT_SUPPORTED);
        CHECK_ST(SslExpandNextGenTrafficKey(prov, not_traffic[i], &t, NULL, 0), NTE_NOT_SUPPORTED);
    }
    CHECK_ST(SslExpandExporterMasterKey(prov, hs, h, &t, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExpandResumptionMasterKey(prov, early, h, &t, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExpandPreSharedKey(prov, master, NULL, 0, &t, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeFinishedHash(prov, master, h, out, 32, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslComputeFinishedHash(prov, wk, h, out, 32, 0), NTE_NOT_SUPPORTED);
    {
        DWORD rl;
        /* a traffic secret is not a record key (conventions.md §1) */
        CHECK_ST(SslEncryptPacket(prov, chs, out, 1, b, sizeof(b), &rl, 0, 23, 0), NTE_NOT_SUPPORTED);
    }
    /* other classes → NTE_INVALID_HANDLE */
    CHECK_ST(SslExtractMasterKey(prov, mk12, &t, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslExpandWriteKey(prov, h, &t, NULL, 0), NTE_INVALID_HANDLE);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, chs, &t, NULL, NULL, 0), NTE_INVALID_HANDLE);
    /* a transcript of another hash or protocol → NTE_INVALID_PARAMETER */
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h384, &t, NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h12, &t, NULL, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslComputeFinishedHash(prov, chs, h384, out, 32, 0), NTE_INVALID_PARAMETER);
    /* early secrets have no server traffic secret; neither output → invalid */
    CHECK_ST(SslExpandTrafficKeys(prov, early, h, &t, &t, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h, NULL, NULL, NULL, 0), NTE_INVALID_PARAMETER);
    /* exactly one exchange key 0 */
    CHECK_ST(SslExtractHandshakeKey(prov, early, 0, early, &t, NULL, 0), NTE_INVALID_PARAMETER);
    /* flags */
    CHECK_ST(SslExpandBinderKey(prov, early, &t, NULL, 0), NTE_BAD_FLAGS);
    CHECK_ST(SslExpandBinderKey(prov, early, &t, NULL, 3), NTE_BAD_FLAGS);
    CHECK_ST(SslExpandNextGenTrafficKey(prov, cap, &t, NULL, 1), NTE_BAD_FLAGS);
    CHECK_ST(SslExpandTrafficKeys(prov, hs, h, &t, NULL, NULL, 0xFFFF0000), SEC_E_OK); /* ignored */
    SslFreeObject(t, 0);
    /* nonce rules */
    CHECK_ST(SslExpandPreSharedKey(prov, res, NULL, 3, &t, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExpandPreSharedKey(prov, res, out, 256, &t, NULL, 0), NTE_INVALID_PARAMETER);
    /* protocol/suite of SslExtractEarlyKey */
    CHECK_ST(SslExtractEarlyKey(prov, 0, &t, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExtractEarlyKey(prov, 0, &t, P13, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, NULL, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExtractEarlyKey(prov, chs, &t, P13, S, NULL, 0), NTE_NOT_SUPPORTED); /* not a PSK */
    /* a resumption PSK is bound to SHA-256: a SHA-384 suite refuses it */
    CHECK_ST(SslExtractEarlyKey(prov, psk, &t, P13, TLS_AES_256_GCM_SHA384, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslExtractEarlyKey(prov, psk, &t, P13, TLS_CHACHA20_POLY1305_SHA256, NULL, 0), SEC_E_OK);
    SslFreeObject(t, 0);

    /* KeyUpdate chain: traffic_1 = Expand-Label(traffic_0, "traffic upd", "", 32) (libcrypto HKDF) */
    CHECK_ST(SslExpandNextGenTrafficKey(prov, cap, &next, NULL, 0), SEC_E_OK);
    n = secret_of(cap, a);
    CHECK(n == 32);
    expand_label("SHA256", a, 32, "traffic upd", NULL, 0, want, 32);
    CHECK(secret_of(next, b) == 32 && memcmp(b, want, 32) == 0);
    /* TLS 1.3 exporter: Expand-Label(Derive-Secret(exp, label, ""), "exporter", Hash(ctx), L) */
    {
        BYTE empty_hash[32], ctx_hash[32], derived[32];
        unsigned int l;
        EVP_Digest("", 0, empty_hash, &l, EVP_sha256(), NULL);
        EVP_Digest("ctx", 3, ctx_hash, &l, EVP_sha256(), NULL);
        n = secret_of(exp, a);
        expand_label("SHA256", a, 32, "EXPORTER-test", empty_hash, 32, derived, 32);
        expand_label("SHA256", derived, 32, "exporter", ctx_hash, 32, want, 40);
        CHECK_ST(SslExportKeyingMaterial(prov, exp, "EXPORTER-test", NULL, 0, (PBYTE) "ctx", 3, out, 40, 0), SEC_E_OK);
        CHECK_MEM(out, want, 40);
        /* NULL context = empty context (TLS 1.3, unlike RFC 5705) */
        BYTE o1[32], o2[32];
        CHECK_ST(SslExportKeyingMaterial(prov, exp, "L", NULL, 0, NULL, 0, o1, 32, 0), SEC_E_OK);
        CHECK_ST(SslExportKeyingMaterial(prov, exp, "L", NULL, 0, (PBYTE) "", 0, o2, 32, 0), SEC_E_OK);
        CHECK_MEM(o1, o2, 32);
        CHECK_ST(SslExportKeyingMaterial(prov, exp, "L", cr, 64, NULL, 0, o1, 32, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(prov, master, "L", NULL, 0, NULL, 0, o1, 32, 0), NTE_NOT_SUPPORTED);
        CHECK_ST(SslExportKeyingMaterial(prov, exp, "L", NULL, 0, NULL, 0, o1, 32, 1), NTE_BAD_FLAGS);
        (void)hash;
    }
    /* TLS <= 1.2 exporter (RFC 5705): reserved labels refused; NULL context differs from empty */
    {
        BYTE o1[20], o2[20], randoms[64] = {0};
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "EXPORTER-x", randoms, 64, NULL, 0, o1, 20, 0), SEC_E_OK);
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "EXPORTER-x", randoms, 64, (PBYTE) "", 0, o2, 20, 0), SEC_E_OK);
        CHECK(memcmp(o1, o2, 20) != 0);
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "key expansion", randoms, 64, NULL, 0, o1, 20, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "master secret", randoms, 64, NULL, 0, o1, 20, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "EXPORTER-x", randoms, 63, NULL, 0, o1, 20, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKeyingMaterial(prov, mk12, "EXPORTER-x", NULL, 0, NULL, 0, o1, 20, 0), NTE_INVALID_PARAMETER);
    }

    NCRYPT_KEY_HANDLE all[] = {early, hs, master, chs, shs, cap, wk, exp, res, psk, binder, next, mk12, rd, wr};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        CHECK_ST(SslFreeObject(all[i], 0), SEC_E_OK);
    SslFreeObject(h, 0), SslFreeObject(h384, 0), SslFreeObject(h12, 0);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
