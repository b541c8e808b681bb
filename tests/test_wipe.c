/* Secrets are wiped before their memory is released: every block freed through OpenSSL's
 * allocator (which the library uses for all objects and buffers) is scanned for a known
 * secret pattern at free time, and memory kept for reuse is scanned while it is kept
 * (tests/support/wipe_scan.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "buffer.h"
#include "cert.h"
#include "check.h"
#include "fake.h"
#include "kdf13.h"
#include "sslprov_ext.h"
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

/* ---- private keys: association, SslOpenPrivateKey, use and free (issue 10) ---- */

/* Scanning off: the test's own OpenSSL calls free what they like. */
#define QUIET(stmt)                                                                          \
    do {                                                                                     \
        bool was_ = wipe_scanning;                                                           \
        wipe_scanning = false;                                                               \
        stmt;                                                                                \
        wipe_scanning = was_;                                                                \
    } while (0)

struct enc {
    const char *what;
    unsigned char *p; /* libc memory: the scanner does not see it */
    size_t n;
};

/* 0 PKCS#8 PEM, 1 PKCS#8 DER, 2 traditional PEM, 3 traditional DER */
static struct enc encode(EVP_PKEY *key, int form)
{
    static const char *const names[] = {"PKCS#8 PEM", "PKCS#8 DER", "traditional PEM", "traditional DER"};
    struct enc e = {names[form], NULL, 0};
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    if (form == 0)
        PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    else if (form == 1)
        i2d_PKCS8PrivateKey_bio(b, key, NULL, NULL, 0, NULL, NULL);
    else if (form == 2)
        PEM_write_bio_PrivateKey_traditional(b, key, NULL, NULL, 0, NULL, NULL);
    else
        i2d_PrivateKey_bio(b, key);
    if ((n = BIO_get_mem_data(b, &data)) > 0 && (e.p = malloc((size_t)n)) != NULL) {
        memcpy(e.p, data, (size_t)n);
        e.n = (size_t)n;
    }
    BIO_free(b);
    return e;
}

/* 16 bytes from the middle of a private number, big-endian (DER) or reversed (a BIGNUM's
 * limbs on a little-endian machine). */
static bool secret_window(EVP_PKEY *key, const char *param, bool reversed, unsigned char out[16])
{
    BIGNUM *bn = NULL;
    unsigned char buf[512];
    int n;

    if (!EVP_PKEY_get_bn_param(key, param, &bn) || (n = BN_bn2bin(bn, buf)) < 16) {
        BN_clear_free(bn);
        return false;
    }
    for (int i = 0; i < 16; i++)
        out[i] = reversed ? buf[(n - 16) / 2 + 15 - i] : buf[(n - 16) / 2 + i];
    OPENSSL_cleanse(buf, sizeof(buf));
    BN_clear_free(bn);
    return true;
}

/* Associate, open, use and free the key in every encoding and from a file, scanning every
 * free for the window. */
static void key_round(NCRYPT_PROV_HANDLE prov, const unsigned char *cert, size_t cert_n, struct enc *encs,
                      const char *file)
{
    CERT_CONTEXT cc = {0};
    NCRYPT_KEY_HANDLE h;
    BYTE pub[2048];
    DWORD cb;

    cc.dwCertEncodingType = X509_ASN_ENCODING;
    cc.pbCertEncoded = (BYTE *)cert;
    cc.cbCertEncoded = (DWORD)cert_n;
    for (int f = 0; f < 5; f++) {
        SECURITY_STATUS st = f < 4 ? SslProvAssociateCertificateKeyBlob((BYTE *)cert, (DWORD)cert_n, encs[f].p,
                                                                        (DWORD)encs[f].n, 0)
                                   : SslProvAssociateCertificateKey((BYTE *)cert, (DWORD)cert_n, file, 0);
        CHECK_ST(st, SEC_E_OK);
        CHECK_ST(SslOpenPrivateKey(prov, &h, &cc, 0), SEC_E_OK);
        cb = 0;
        (void)SslExportKey(prov, h, BCRYPT_PUBLIC_KEY_BLOB, pub, sizeof(pub), &cb, 0);
        CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    }
}

static void test_private_keys(NCRYPT_PROV_HANDLE prov)
{
    static const struct {
        const char *alg;
        const char *params[2]; /* the private numbers to look for */
    } keys[] = {
        {"RSA", {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_D}},
        {"P-256", {OSSL_PKEY_PARAM_PRIV_KEY, NULL}},
        {"P-384", {OSSL_PKEY_PARAM_PRIV_KEY, NULL}},
        {"P-521", {OSSL_PKEY_PARAM_PRIV_KEY, NULL}},
        {"DSA", {OSSL_PKEY_PARAM_PRIV_KEY, NULL}},
    };
    const unsigned char *saved = wipe_pattern;
    size_t saved_len = wipe_pattern_len;

    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        EVP_PKEY *key = NULL;
        struct enc encs[4] = {{0}};
        unsigned char *cert = NULL, window[16];
        size_t cert_n = 0;
        char file[64] = "";
        FILE *fp;

        QUIET({
            X509 *x;

            key = cert_keygen(keys[k].alg);
            x = cert_self_signed(key, "wipe"); /* NULL if key is */
            cert = cert_der(x, &cert_n);
            X509_free(x);
            for (int f = 0; key != NULL && f < 4; f++)
                encs[f] = encode(key, f);
        });
        CHECK(key != NULL && cert != NULL && encs[0].p != NULL && encs[3].p != NULL);
        if (key == NULL || cert == NULL || encs[0].p == NULL || encs[3].p == NULL)
            goto next;
        snprintf(file, sizeof(file), "test_wipe_%s.pem", keys[k].alg);
        if ((fp = fopen(file, "wb")) != NULL) {
            fwrite(encs[0].p, 1, encs[0].n, fp);
            fclose(fp);
        }
        for (int p = 0; p < 2 && keys[k].params[p] != NULL; p++)
            for (int rev = 0; rev < 2; rev++) {
                unsigned before = wipe_found;
                bool ok;

                QUIET(ok = secret_window(key, keys[k].params[p], rev, window));
                CHECK(ok);
                wipe_pattern = window;
                wipe_pattern_len = sizeof(window);
                key_round(prov, cert, cert_n, encs, file);
                if (wipe_found != before)
                    fprintf(stderr, "%s: %s (%s) in %u freed blocks\n", keys[k].alg, keys[k].params[p],
                            rev ? "limb order" : "big-endian", wipe_found - before);
                CHECK(wipe_found == before);
                /* the detector sees this kind of leak: OpenSSL's own decoder of the same bytes */
                if (!rev) {
                    const unsigned char *q = encs[1].p;
                    EVP_PKEY *leaky = d2i_AutoPrivateKey(NULL, &q, (long)encs[1].n);

                    CHECK(leaky != NULL && wipe_found > before);
                    QUIET(EVP_PKEY_free(leaky));
                    wipe_found = before;
                }
            }
        remove(file);
    next:
        QUIET({
            EVP_PKEY_free(key);
            for (int f = 0; f < 4; f++)
                free(encs[f].p);
            OPENSSL_free(cert);
        });
    }
    wipe_pattern = saved;
    wipe_pattern_len = saved_len;
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
    test_private_keys(prov);

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
