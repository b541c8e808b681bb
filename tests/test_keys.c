/* Private keys (api.md C1, C4, C5; conventions.md §9): keys and self-signed certificates are
 * made here with libcrypto (RSA-2048, P-256/384/521, DSA), associated through the SslProv
 * extensions by path, by file: URI and by blob (PEM, traditional DER, PKCS#8 DER), opened
 * with SslOpenPrivateKey, and their properties and exported public halves compared with what
 * libcrypto reads from the certificate. Negative twins: unknown certificate, mismatching
 * key, garbage, unsupported key types, NULL arguments, re-association (last one wins). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "buffer.h"
#include "bytes.h"
#include "cert.h"
#include "check.h"
#include "keyprop.h"
#include "handles.h"
#include "sslprov_ext.h"
#include "sslprovider.h"
#include "wide.h"

static NCRYPT_PROV_HANDLE prov;
static char dir[] = "/tmp/sslprov-test-keys-XXXXXX";

struct blob {
    uint8_t *p;
    size_t n;
};

static void blob_free(struct blob *b)
{
    OPENSSL_free(b->p);
    b->p = NULL;
    b->n = 0;
}

/* ---- libcrypto: keys, certificates, encodings ---- */

static struct blob der_blob(X509 *x)
{
    struct blob b;

    b.p = cert_der(x, &b.n);
    return b;
}

static struct blob bio_blob(BIO *bio)
{
    struct blob b = {NULL, 0};
    char *data;
    long n = BIO_get_mem_data(bio, &data);

    if (n > 0 && (b.p = OPENSSL_memdup(data, (size_t)n)) != NULL)
        b.n = (size_t)n;
    BIO_free(bio);
    return b;
}

static struct blob cert_pem(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());

    PEM_write_bio_X509(bio, x);
    return bio_blob(bio);
}

enum key_enc { KEY_PKCS8_PEM, KEY_TRAD_DER, KEY_PKCS8_DER };

static struct blob key_bytes(EVP_PKEY *key, enum key_enc enc)
{
    struct blob b = {NULL, 0};
    BIO *bio;

    if (enc == KEY_TRAD_DER) {
        unsigned char *p = NULL;
        int n = i2d_PrivateKey(key, &p);

        if (n > 0) {
            b.p = p;
            b.n = (size_t)n;
        }
        return b;
    }
    bio = BIO_new(BIO_s_mem());
    if (enc == KEY_PKCS8_PEM)
        PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    else
        i2d_PKCS8PrivateKey_bio(bio, key, NULL, NULL, 0, NULL, NULL);
    return bio_blob(bio);
}

static struct blob pubkey_der(EVP_PKEY *key)
{
    struct blob b = {NULL, 0};
    unsigned char *p = NULL;
    int n = i2d_PUBKEY(key, &p);

    if (n > 0) {
        b.p = p;
        b.n = (size_t)n;
    }
    return b;
}

static char *write_file(const char *name, const struct blob *b)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "wb")) != NULL) {
        fwrite(b->p, 1, b->n, f);
        fclose(f);
    }
    return path;
}

/* ---- expected values, from the certificate ---- */

/* BCRYPT_RSAPUBLIC_BLOB of the certificate's key, built by hand per api.md §3.11. */
static size_t expect_rsa_blob(EVP_PKEY *pub, uint8_t *out)
{
    BIGNUM *n = NULL, *e = NULL;
    size_t cn, ce;

    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e);
    cn = (size_t)BN_num_bytes(n);
    ce = (size_t)BN_num_bytes(e);
    memset(out, 0, 24);
    put32(out, 0x31415352); /* 'RSA1' */
    put32(out + 4, (uint32_t)BN_num_bits(n));
    put32(out + 8, (uint32_t)ce);
    put32(out + 12, (uint32_t)cn);
    BN_bn2bin(e, out + 24);
    BN_bn2bin(n, out + 24 + ce);
    BN_free(n);
    BN_free(e);
    return 24 + ce + cn;
}

/* BCRYPT_ECCPUBLIC_BLOB with the ECDSA magic 'ECSn' of the curve. */
static size_t expect_ecc_blob(EVP_PKEY *pub, uint32_t magic, size_t cb, uint8_t *out)
{
    BIGNUM *x = NULL, *y = NULL;

    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    put32(out, magic);
    put32(out + 4, (uint32_t)cb);
    BN_bn2binpad(x, out + 8, (int)cb);
    BN_bn2binpad(y, out + 8 + cb, (int)cb);
    BN_free(x);
    BN_free(y);
    return 8 + 2 * cb;
}

/* ---- helpers around the API ---- */

static CERT_CONTEXT ctx_of(const struct blob *der)
{
    CERT_CONTEXT c = {X509_ASN_ENCODING, der->p, (DWORD)der->n, NULL, NULL};
    return c;
}

static SECURITY_STATUS open_key(const struct blob *der, NCRYPT_KEY_HANDLE *h)
{
    CERT_CONTEXT c = ctx_of(der);

    *h = 0xdead;
    return SslOpenPrivateKey(prov, h, &c, 0);
}

/* ---- one key type, all the ways of associating it ---- */

struct kind {
    const char *alg;
    const char *group;   /* Algorithm Group */
    const char *name;    /* Algorithm Name */
    DWORD bits;
    DWORD keytype;       /* KEYTYPE */
    const char *curve;   /* ECCCurveName, NULL: not applicable */
    DWORD usage;         /* Key Usage */
    uint32_t ecs_magic;  /* ECCPUBLIC magic, 0 for RSA/DSA */
    size_t cb;           /* coordinate bytes */
};

static const struct kind kinds[] = {
    {"RSA-2048", "RSA", "RSA", 2048, 0, NULL, 3, 0, 0},
    {"P-256", "ECDSA", "ECDSA_P256", 256, 23, "nistP256", 2, 0x31534345, 32},
    {"P-384", "ECDSA", "ECDSA_P384", 384, 24, "nistP384", 2, 0x33534345, 48},
    {"P-521", "ECDSA", "ECDSA_P521", 521, 25, "nistP521", 2, 0x35534345, 66},
    {"DSA", "DSA", "DSA", 1024, 0, NULL, 2, 0, 0},
};

static void check_properties(NCRYPT_KEY_HANDLE h, const struct kind *k)
{
    CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, k->keytype));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_GROUP_PROPERTY, k->group));
    CHECK(prop_string(h, NCRYPT_ALGORITHM_PROPERTY, k->name));
    CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, k->bits));
    CHECK(prop_dword(h, NCRYPT_PUBLIC_LENGTH_PROPERTY, k->bits));
    CHECK(prop_dword(h, NCRYPT_KEY_USAGE_PROPERTY, k->usage));
    CHECK(prop_dword(h, NCRYPT_EXPORT_POLICY_PROPERTY, 0));
    CHECK(prop_dword(h, W("length"), k->bits)); /* names compare case-insensitively */
    if (k->curve != NULL)
        CHECK(prop_string(h, NCRYPT_ECC_CURVE_NAME_PROPERTY, k->curve));
    else
        CHECK_ST(prop_status(h, NCRYPT_ECC_CURVE_NAME_PROPERTY), NTE_NOT_SUPPORTED);
    CHECK_ST(prop_status(h, W("Name")), NTE_NOT_SUPPORTED);
    CHECK_ST(prop_status(h, W("NoSuchProperty")), NTE_NOT_SUPPORTED);
}

/* The exported public half equals the certificate's key; the other blob types refuse. */
static void check_export(NCRYPT_KEY_HANDLE h, const struct kind *k, EVP_PKEY *cert_pub)
{
    uint8_t want[1024], got[1024];
    size_t want_len;
    const WCHAR *type;
    DWORD cb = 0;

    if (EVP_PKEY_is_a(cert_pub, "DSA")) {
        CHECK_ST(SslExportKey(prov, h, BCRYPT_PUBLIC_KEY_BLOB, got, sizeof(got), &cb, 0),
                 NTE_NOT_SUPPORTED);
        CHECK_ST(SslExportKey(prov, h, BCRYPT_RSAPUBLIC_BLOB, got, sizeof(got), &cb, 0),
                 NTE_NOT_SUPPORTED);
        return;
    }
    if (k->ecs_magic == 0) {
        type = BCRYPT_RSAPUBLIC_BLOB;
        want_len = expect_rsa_blob(cert_pub, want);
        CHECK_ST(SslExportKey(prov, h, BCRYPT_ECCPUBLIC_BLOB, got, sizeof(got), &cb, 0),
                 NTE_NOT_SUPPORTED);
    } else {
        type = BCRYPT_ECCPUBLIC_BLOB;
        want_len = expect_ecc_blob(cert_pub, k->ecs_magic, k->cb, want);
        CHECK_ST(SslExportKey(prov, h, BCRYPT_RSAPUBLIC_BLOB, got, sizeof(got), &cb, 0),
                 NTE_NOT_SUPPORTED);
        /* api.md C4: a certificate key's public part is an ECCPUBLIC blob only */
        CHECK_ST(SslExportKey(prov, h, SSL_ECCPUBLIC_BLOB, got, sizeof(got), &cb, 0),
                 NTE_NOT_SUPPORTED);
    }
    /* size query, too small, exact */
    cb = 0;
    CHECK_ST(SslExportKey(prov, h, type, NULL, 0, &cb, 0), SEC_E_OK);
    CHECK(cb == want_len);
    cb = 0;
    CHECK_ST(SslExportKey(prov, h, type, got, (DWORD)want_len - 1, &cb, 0), NTE_BUFFER_TOO_SMALL);
    CHECK(cb == want_len);
    cb = 0;
    memset(got, 0, sizeof(got));
    CHECK_ST(SslExportKey(prov, h, type, got, sizeof(got), &cb, 0), SEC_E_OK);
    CHECK(cb == want_len && memcmp(got, want, want_len) == 0);
    /* PUBLICBLOB names the same blob */
    cb = 0;
    CHECK_ST(SslExportKey(prov, h, BCRYPT_PUBLIC_KEY_BLOB, got, sizeof(got), &cb, 0), SEC_E_OK);
    CHECK(cb == want_len && memcmp(got, want, want_len) == 0);
    /* never the private part, never a secret's blob */
    CHECK_ST(SslExportKey(prov, h, BCRYPT_PRIVATE_KEY_BLOB, got, sizeof(got), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExportKey(prov, h, BCRYPT_DH_PUBLIC_BLOB, got, sizeof(got), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExportKey(prov, h, TLS_13_PRE_SHARED_KEY, got, sizeof(got), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExportKey(prov, h, BCRYPT_OPAQUE_KEY_BLOB, got, sizeof(got), &cb, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslExportKey(prov, h, type, got, sizeof(got), &cb, 1), NTE_BAD_FLAGS);

    /* and the blob imports as the peer's view of the key: a public key (RSA) or share (EC) */
    {
        NCRYPT_KEY_HANDLE pub = 0;
        uint8_t again[1024];
        DWORD cb2 = 0;

        CHECK_ST(SslImportKey(prov, &pub, type, want, (DWORD)want_len, 0), SEC_E_OK);
        CHECK(prop_dword(pub, SSL_KEY_TYPE_PROPERTY, k->keytype));
        CHECK_ST(SslExportKey(prov, pub, type, again, sizeof(again), &cb2, 0), SEC_E_OK);
        if (k->ecs_magic == 0) {
            CHECK(cb2 == want_len && memcmp(again, want, want_len) == 0);
            CHECK_ST(prop_status(pub, NCRYPT_KEY_USAGE_PROPERTY), NTE_NOT_SUPPORTED);
        } else {
            /* a share exports with the ECDH magic 'ECKn' (api.md §4.12) */
            CHECK(cb2 == want_len && memcmp(again + 4, want + 4, want_len - 4) == 0);
            CHECK(again[0] == 'E' && again[1] == 'C' && again[2] == 'K' && again[3] == want[3]);
        }
        CHECK_ST(SslFreeObject(pub, 0), SEC_E_OK);
    }
}

static void test_kind(const struct kind *k)
{
    EVP_PKEY *key = cert_keygen(k->alg);
    X509 *x = key != NULL ? cert_self_signed(key, k->alg) : NULL;
    struct blob der, pem, kpem, kder, kp8;
    NCRYPT_KEY_HANDLE h;
    PCCERT_CONTEXT cc = NULL;
    char uri[300], fname[64];

    fprintf(stderr, "key type %s\n", k->alg);
    CHECK(x != NULL);
    if (x == NULL) {
        EVP_PKEY_free(key);
        return;
    }
    der = der_blob(x);
    pem = cert_pem(x);
    kpem = key_bytes(key, KEY_PKCS8_PEM);
    kder = key_bytes(key, KEY_TRAD_DER);
    kp8 = key_bytes(key, KEY_PKCS8_DER);

    /* not associated yet */
    CHECK_ST(open_key(&der, &h), NTE_NO_KEY);
    CHECK(h == 0);

    /* by path (PEM file) */
    snprintf(fname, sizeof(fname), "%s.pem", k->alg);
    CHECK_ST(SslProvAssociateCertificateKey(der.p, (DWORD)der.n, write_file(fname, &kpem), 0),
             SEC_E_OK);
    CHECK_ST(open_key(&der, &h), SEC_E_OK);
    CHECK(h != 0);
    check_properties(h, k);
    check_export(h, k, X509_get0_pubkey(x));
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);

    /* by file: URI (traditional DER file), the certificate given as PEM */
    snprintf(fname, sizeof(fname), "%s.der", k->alg);
    snprintf(uri, sizeof(uri), "file:%s", write_file(fname, &kder));
    CHECK_ST(SslProvAssociateCertificateKey(pem.p, (DWORD)pem.n, uri, 0), SEC_E_OK);
    CHECK_ST(open_key(&der, &h), SEC_E_OK);
    CHECK(prop_dword(h, NCRYPT_LENGTH_PROPERTY, k->bits));
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);

    /* by blob: PEM, traditional DER, PKCS#8 DER; opened through a CERT_CONTEXT of ours */
    CHECK_ST(SslProvCreateCertificateContext(pem.p, (DWORD)pem.n, &cc), SEC_E_OK);
    CHECK(cc != NULL && cc->dwCertEncodingType == X509_ASN_ENCODING &&
          cc->cbCertEncoded == der.n && memcmp(cc->pbCertEncoded, der.p, der.n) == 0 &&
          cc->pbCertEncoded != der.p && cc->pCertInfo == NULL && cc->hCertStore == NULL);
    {
        const struct blob *encs[] = {&kpem, &kder, &kp8};

        for (int i = 0; i < 3; i++) {
            h = 0xdead;
            CHECK_ST(SslProvAssociateCertificateKeyBlob(der.p, (DWORD)der.n, encs[i]->p,
                                                        (DWORD)encs[i]->n, 0), SEC_E_OK);
            CHECK_ST(SslOpenPrivateKey(prov, &h, cc, 0), SEC_E_OK);
            CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, k->keytype));
            CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
        }
    }
    /* dwFlags of SslOpenPrivateKey are reserved: ignored */
    CHECK_ST(SslOpenPrivateKey(prov, &h, cc, 0x80000000u), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    CHECK_ST(SslProvFreeCertificateContext(cc), SEC_E_OK);

    /* a PEM certificate is not what a CERT_CONTEXT carries */
    CHECK_ST(open_key(&pem, &h), NTE_BAD_DATA);
    CHECK(h == 0);

    blob_free(&der);
    blob_free(&pem);
    blob_free(&kpem);
    blob_free(&kder);
    blob_free(&kp8);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* ---- negatives ---- */

static void test_negative(void)
{
    EVP_PKEY *a = cert_keygen("P-256"), *b = cert_keygen("P-256"), *r = cert_keygen("RSA-2048");
    X509 *xa = cert_self_signed(a, "a"), *xb = cert_self_signed(b, "b");
    struct blob da = der_blob(xa), db = der_blob(xb), ka = key_bytes(a, KEY_PKCS8_PEM),
                kb = key_bytes(b, KEY_PKCS8_PEM), kr = key_bytes(r, KEY_PKCS8_PEM),
                spki = pubkey_der(a), trailing = {NULL, 0};
    uint8_t garbage[64];
    NCRYPT_KEY_HANDLE h;
    CERT_CONTEXT c;
    PCCERT_CONTEXT cc;
    NCRYPT_PROV_HANDLE gone;

    fprintf(stderr, "negatives\n");
    memset(garbage, 0x30, sizeof(garbage));

    /* mismatching key -> NTE_BAD_KEYSET; re-association: last one wins, both ways */
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, kb.p, (DWORD)kb.n, 0), SEC_E_OK);
    CHECK_ST(open_key(&da, &h), NTE_BAD_KEYSET);
    CHECK(h == 0);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, kr.p, (DWORD)kr.n, 0), SEC_E_OK);
    CHECK_ST(open_key(&da, &h), NTE_BAD_KEYSET); /* another algorithm altogether */
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, ka.p, (DWORD)ka.n, 0), SEC_E_OK);
    CHECK_ST(open_key(&da, &h), SEC_E_OK);
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);
    CHECK_ST(SslProvAssociateCertificateKey(da.p, (DWORD)da.n, write_file("b.pem", &kb), 0), SEC_E_OK);
    CHECK_ST(open_key(&da, &h), NTE_BAD_KEYSET);

    /* certificate b was never associated; a URI that is gone yields no key */
    CHECK_ST(open_key(&db, &h), NTE_NO_KEY);
    CHECK(h == 0);
    snprintf((char *)garbage, sizeof(garbage), "%s/none.pem", dir);
    CHECK_ST(SslProvAssociateCertificateKey(db.p, (DWORD)db.n, (const char *)garbage, 0), SEC_E_OK);
    CHECK_ST(open_key(&db, &h), NTE_NO_KEY);
    CHECK_ST(SslProvAssociateCertificateKey(db.p, (DWORD)db.n, "file:/nonexistent/dir/key.pem", 0),
             SEC_E_OK);
    CHECK_ST(open_key(&db, &h), NTE_NO_KEY);
    memset(garbage, 0x30, sizeof(garbage));

    /* garbage certificates */
    c = (CERT_CONTEXT){X509_ASN_ENCODING, garbage, sizeof(garbage), NULL, NULL};
    h = 0xdead;
    CHECK_ST(SslOpenPrivateKey(prov, &h, &c, 0), NTE_BAD_DATA);
    CHECK(h == 0);
    c.cbCertEncoded = (DWORD)da.n - 1; /* truncated */
    c.pbCertEncoded = da.p;
    CHECK_ST(SslOpenPrivateKey(prov, &h, &c, 0), NTE_BAD_DATA);
    trailing.n = da.n + 1; /* a byte after the DER */
    trailing.p = OPENSSL_zalloc(trailing.n);
    memcpy(trailing.p, da.p, da.n);
    CHECK_ST(open_key(&trailing, &h), NTE_BAD_DATA);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(garbage, sizeof(garbage), ka.p, (DWORD)ka.n, 0),
             NTE_BAD_DATA);
    CHECK_ST(SslProvAssociateCertificateKey(garbage, sizeof(garbage), "/x", 0), NTE_BAD_DATA);
    cc = (PCCERT_CONTEXT)garbage;
    CHECK_ST(SslProvCreateCertificateContext(garbage, sizeof(garbage), (PCCERT_CONTEXT *)&cc),
             NTE_BAD_DATA);
    CHECK(cc == NULL);
    /* garbage keys, a public key where a private key belongs */
    CHECK_ST(SslProvAssociateCertificateKeyBlob(db.p, (DWORD)db.n, garbage, sizeof(garbage), 0),
             NTE_BAD_DATA);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(db.p, (DWORD)db.n, spki.p, (DWORD)spki.n, 0),
             NTE_BAD_DATA);
    CHECK_ST(open_key(&db, &h), NTE_NO_KEY); /* the failed calls left the old entry */

    /* NULL and empty arguments; flags of the extensions must be 0 */
    c = ctx_of(&da);
    CHECK_ST(SslOpenPrivateKey(prov, NULL, &c, 0), NTE_INVALID_PARAMETER);
    h = 0xdead;
    CHECK_ST(SslOpenPrivateKey(prov, &h, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK(h == 0);
    c.pbCertEncoded = NULL;
    CHECK_ST(SslOpenPrivateKey(prov, &h, &c, 0), NTE_INVALID_PARAMETER);
    c = ctx_of(&da);
    c.cbCertEncoded = 0;
    CHECK_ST(SslOpenPrivateKey(prov, &h, &c, 0), NTE_INVALID_PARAMETER);
    c = ctx_of(&da);
    h = 0xdead;
    CHECK_ST(SslOpenPrivateKey(0, &h, &c, 0), NTE_INVALID_HANDLE);
    CHECK(h == 0);
    SslOpenProvider(&gone, NULL, 0);
    SslFreeObject(gone, 0);
    h = 0xdead;
    CHECK_ST(SslOpenPrivateKey(gone, &h, &c, 0), NTE_INVALID_HANDLE);
    CHECK(h == 0);
    CHECK_ST(SslProvAssociateCertificateKey(NULL, 10, "/x", 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKey(da.p, 0, "/x", 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKey(da.p, (DWORD)da.n, NULL, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKey(da.p, (DWORD)da.n, "", 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKey(da.p, (DWORD)da.n, "/x", 1), NTE_BAD_FLAGS);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(NULL, 10, ka.p, (DWORD)ka.n, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, NULL, 5, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, ka.p, 0, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, ka.p, (DWORD)ka.n, 2), NTE_BAD_FLAGS);
    CHECK_ST(SslProvCreateCertificateContext(da.p, (DWORD)da.n, NULL), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvCreateCertificateContext(NULL, 10, &cc), NTE_INVALID_PARAMETER);
    CHECK_ST(SslProvFreeCertificateContext(NULL), SEC_E_OK);
    c = ctx_of(&da);
    CHECK_ST(SslProvFreeCertificateContext(&c), NTE_INVALID_PARAMETER); /* not ours */
    CHECK_ST(SslProvCreateCertificateContext(da.p, (DWORD)da.n, &cc), SEC_E_OK); /* DER in */
    CHECK(cc != NULL && cc->cbCertEncoded == da.n && memcmp(cc->pbCertEncoded, da.p, da.n) == 0);
    CHECK_ST(SslProvFreeCertificateContext(cc), SEC_E_OK);
    CHECK_ST(SslProvFreeCertificateContext(cc), NTE_INVALID_PARAMETER); /* twice */

    /* property and export argument checks on a real private key */
    CHECK_ST(SslProvAssociateCertificateKeyBlob(da.p, (DWORD)da.n, ka.p, (DWORD)ka.n, 0), SEC_E_OK);
    CHECK_ST(open_key(&da, &h), SEC_E_OK);
    {
        PBYTE p = (PBYTE)garbage;
        DWORD cb = 77;

        CHECK_ST(SslGetKeyProperty(h, NULL, &p, &cb, 0), NTE_INVALID_PARAMETER);
        CHECK(p == NULL && cb == 77);
        CHECK_ST(SslGetKeyProperty(h, SSL_KEY_TYPE_PROPERTY, NULL, &cb, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslGetKeyProperty(h, SSL_KEY_TYPE_PROPERTY, &p, NULL, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslGetKeyProperty(0, SSL_KEY_TYPE_PROPERTY, &p, &cb, 0), NTE_INVALID_HANDLE);
        CHECK_ST(SslGetKeyProperty(prov, SSL_KEY_TYPE_PROPERTY, &p, &cb, 0), NTE_INVALID_HANDLE);
        CHECK(prop_dword(h, SSL_KEY_TYPE_PROPERTY, 23));
        cb = 77;
        CHECK_ST(SslExportKey(prov, h, NULL, garbage, sizeof(garbage), &cb, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKey(prov, h, W("NoSuchBlob"), garbage, sizeof(garbage), &cb, 0), NTE_NOT_SUPPORTED);
        CHECK(cb == 77); /* untouched on failure */
        CHECK_ST(SslExportKey(prov, h, BCRYPT_ECCPUBLIC_BLOB, garbage, sizeof(garbage), NULL, 0),
                 NTE_INVALID_PARAMETER);
    }
    /* the key filters SslEnumCipherSuites to ECDSA suites (pkey_suite_filter) */
    {
        NCRYPT_SSL_CIPHER_SUITE *s = NULL;
        PVOID state = NULL;
        bool all_ecdsa = true;
        int n = 0;

        while (SslEnumCipherSuites(prov, h, &s, &state, 0) == SEC_E_OK) {
            if (s->dwProtocol != TLS1_3_PROTOCOL_VERSION &&
                memcmp(s->szCertificate, u"ECDSA", 12) != 0)
                all_ecdsa = false;
            SslFreeBuffer(s);
            n++;
        }
        if (state != NULL)
            SslFreeBuffer(state);
        CHECK(n > 0 && all_ecdsa);
    }
    CHECK_ST(SslFreeObject(h, 0), SEC_E_OK);

    blob_free(&da);
    blob_free(&db);
    blob_free(&ka);
    blob_free(&kb);
    blob_free(&kr);
    blob_free(&spki);
    blob_free(&trailing);
    X509_free(xa);
    X509_free(xb);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    EVP_PKEY_free(r);
}

/* Keys this API cannot use (api.md C1): Ed25519, RSA below 1024 bits -> NTE_NOT_SUPPORTED. */
static void test_unsupported(void)
{
    const char *algs[] = {"ED25519", "RSA-512"};

    fprintf(stderr, "unsupported key types\n");
    for (int i = 0; i < 2; i++) {
        EVP_PKEY *key = cert_keygen(algs[i]);
        X509 *x = cert_self_signed(key, algs[i]);
        struct blob der = der_blob(x), k = key_bytes(key, KEY_PKCS8_PEM);
        NCRYPT_KEY_HANDLE h;

        CHECK_ST(SslProvAssociateCertificateKeyBlob(der.p, (DWORD)der.n, k.p, (DWORD)k.n, 0), SEC_E_OK);
        CHECK_ST(open_key(&der, &h), NTE_NOT_SUPPORTED);
        CHECK(h == 0);
        blob_free(&der);
        blob_free(&k);
        X509_free(x);
        EVP_PKEY_free(key);
    }
}

/* The table is process-wide: associations and opens from several threads at once. */
struct worker {
    const struct blob *cert, *key;
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < 20; i++) {
        NCRYPT_KEY_HANDLE h;

        if (SslProvAssociateCertificateKeyBlob(w->cert->p, (DWORD)w->cert->n, w->key->p,
                                               (DWORD)w->key->n, 0) != SEC_E_OK ||
            open_key(w->cert, &h) != SEC_E_OK || SslFreeObject(h, 0) != SEC_E_OK)
            w->failures++;
    }
    return NULL;
}

static void test_threads(void)
{
    EVP_PKEY *k[4];
    X509 *x[4];
    struct blob der[4], key[4];
    struct worker w[4];
    pthread_t t[4];

    fprintf(stderr, "threads\n");
    for (int i = 0; i < 4; i++) {
        k[i] = cert_keygen("P-256");
        x[i] = cert_self_signed(k[i], "thread");
        der[i] = der_blob(x[i]);
        key[i] = key_bytes(k[i], KEY_PKCS8_PEM);
        w[i] = (struct worker){&der[i], &key[i], 0};
    }
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].failures == 0);
        blob_free(&der[i]);
        blob_free(&key[i]);
        X509_free(x[i]);
        EVP_PKEY_free(k[i]);
    }
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);
    ERR_clear_error();
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        test_kind(&kinds[i]);
    test_negative();
    test_unsupported();
    test_threads();
    /* our failures leave nothing on the caller's OpenSSL error queue */
    CHECK(ERR_peek_error() == 0);
    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    CHECK(buffer_live_count() == 0);
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return check_summary();
}
