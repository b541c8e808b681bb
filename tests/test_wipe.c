/* Secrets are wiped before their memory is released: every block freed through OpenSSL's
 * allocator (which the library uses for all objects and buffers) is scanned for a known
 * secret pattern at free time, and memory kept for reuse is scanned while it is kept
 * (tests/wipe_scan.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include "buffer.h"
#include "check.h"
#include "fake.h"
#include "kdf13.h"
#include "sslprovider.h"
#include "wipe_scan.h"

static const unsigned char pattern[16] = "S3CR3T-PATTERN!";

/* The live scan sees a secret left in a TLS13-KDF context: one kept after deriving with it. */
static void kept_context_is_seen(const struct backend *be, const uint8_t secret[32])
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    uint8_t out[32];
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)"tls13 ", 6),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)"key", 3),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF_CTX *kept = EVP_KDF_CTX_new(be->tls13_kdf);

    CHECK(kept != NULL && EVP_KDF_derive(kept, out, sizeof(out), params) > 0);
    CHECK(wipe_scan_live() == 1);
    EVP_KDF_CTX_free(kept);
    CHECK(wipe_scan_live() == 0);
}

/* kdf13 keeps TLS13-KDF contexts for reuse (backend.c). Once a derivation returns, no block
 * still allocated holds its secret: not the key of an Expand-Label or an extract, nor the
 * previous secret of an extract with the "derived" step; and no block was freed holding it
 * (OpenSSL 3.0 frees a TLS13-KDF salt uncleansed, so that secret must never be a salt).
 * Twice, so the second round runs on contexts that come out of the pools. */
static void test_kdf13_pool(NCRYPT_PROV_HANDLE hprov)
{
    static const uint8_t th[32] = {0x7e};
    uint8_t secret[32], out[48];
    struct provider *prov;
    unsigned before;

    memset(secret, 0x5a, sizeof(secret));
    memcpy(secret + 8, pattern, sizeof(pattern));
    CHECK_ST(provider_pin(hprov, &prov), SEC_E_OK);
    if (prov == NULL)
        return;
    CHECK(wipe_scan_live() == 0);
    for (int round = 0; round < 2; round++) {
        CHECK_ST(kdf13_expand_label(&prov->be, MD_SHA256, secret, "c hs traffic", th, 32, out, 32), SEC_E_OK);
        CHECK(wipe_scan_live() == 0);
        CHECK_ST(kdf13_extract(&prov->be, MD_SHA256, NULL, secret, 32, out), SEC_E_OK); /* IKM */
        CHECK(wipe_scan_live() == 0);
        before = wipe_found;
        CHECK_ST(kdf13_extract(&prov->be, MD_SHA256, secret, NULL, 0, out), SEC_E_OK); /* prev */
        CHECK(wipe_scan_live() == 0);
        CHECK(wipe_found == before);
        CHECK_ST(kdf13_expand_label(&prov->be, MD_SHA384, out, "key", NULL, 0, out, 32), SEC_E_OK);
    }
    kept_context_is_seen(&prov->be, secret);
    provider_unpin(prov);
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    ULONG_PTR key;
    struct object *obj;
    void *buf;

    wipe_scanning = true;
    CHECK(wipe_scan_install(pattern, sizeof(pattern)));
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);

    /* an object holding secret bytes, freed through its handle */
    key = fake_new(prov, OBJ_MASTER);
    CHECK_ST(handle_pin(key, CLASS_ANY, &obj), SEC_E_OK);
    memcpy(((struct fake *)obj)->secret, pattern, sizeof(pattern));
    handle_unpin(obj);
    CHECK_ST(SslFreeObject(key, 0), SEC_E_OK);

    /* a caller buffer holding secret bytes, freed with SslFreeBuffer */
    CHECK((buf = buffer_alloc(BUF_PLAIN, 64)) != NULL);
    memcpy((unsigned char *)buf + 7, pattern, sizeof(pattern));
    CHECK_ST(SslFreeBuffer(buf), SEC_E_OK);

    test_kdf13_pool(prov);

    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(wipe_found == 0);

    /* the detector itself works: a plain free of a secret is seen */
    {
        unsigned char *p = OPENSSL_malloc(32);
        memcpy(p, pattern, sizeof(pattern));
        OPENSSL_free(p);
        CHECK(wipe_found == 1);
    }
    return check_summary();
}
