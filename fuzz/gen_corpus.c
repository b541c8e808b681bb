/* Seed corpora for the fuzz targets, made through the API: `gen_corpus DIR` writes
 * DIR/<target>/<name> (run by `cmake --build B --target fuzz-corpus`, which writes
 * fuzz/corpus/). Each seed follows its target's input layout (the readers in the targets):
 * blobs exported by the provider itself (ECC, SSL ECC, DH, RSA, PSK, OpaqueKeyBlob master,
 * session and TLS 1.3 keys), DH parameters, the fixed certificates and keys of fuzz_keys.h
 * in DER and PEM; one record program for every few (protocol, suite) rows; a key exchange per
 * mode; and call programs that walk the TLS 1.3 schedule and the TLS 1.2 PSK path. Small on
 * purpose: a few KB per target. fuzz_engine's seeds are RFC 8448 §3's server messages (from
 * tests/vectors/rfc8448.json), each behind the byte that picks its parser. */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <errno.h>
#include <sys/stat.h>
#include "fuzz_common.h"
#include "fuzz_keys.h"
#include "json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc, (void)argv; return 0; }
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data, (void)size; return 0; }

static const char *root;
static NCRYPT_PROV_HANDLE prov;

struct w {
    uint8_t b[8192];
    size_t n;
};

static void p8(struct w *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }
static void p16(struct w *w, unsigned v) { p8(w, v & 0xFF), p8(w, v >> 8); }
static void p32(struct w *w, uint32_t v) { p16(w, v & 0xFFFF), p16(w, v >> 16); }
static void p64(struct w *w, uint64_t v) { p32(w, (uint32_t)v), p32(w, (uint32_t)(v >> 32)); }
static void pb(struct w *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n), w->n += n; }
static void pz(struct w *w, size_t n) { memset(w->b + w->n, 0, n), w->n += n; }
static void pslice(struct w *w, const void *p, size_t n) { p16(w, (unsigned)n), pb(w, p, n); }

static void save(const char *target, const char *name, const struct w *w)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        FZ_FAIL("mkdir %s", path);
    snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
    if ((f = fopen(path, "wb")) == NULL || fwrite(w->b, 1, w->n, f) != w->n || fclose(f) != 0)
        FZ_FAIL("cannot write %s", path);
}

static void must(SECURITY_STATUS st, const char *what)
{
    if (st != SEC_E_OK)
        FZ_FAIL("gen_corpus: %s: %s", what, fz_status_name(st));
}

static DWORD export(NCRYPT_KEY_HANDLE k, const WCHAR *type, uint8_t *out, DWORD cap)
{
    DWORD cb = 0;

    must(SslExportKey(prov, k, type, out, cap, &cb, 0), "SslExportKey");
    return cb;
}

/* ---- fuzz_blobs --------------------------------------------------------------------------- */

static void blob_seed(const char *name, int type_index, const uint8_t *b, DWORD n)
{
    struct w w = {{0}, 0};

    p8(&w, 0), p8(&w, type_index), p8(&w, 0), pslice(&w, b, n);
    save("fuzz_blobs", name, &w);
}

static void gen_blobs(void)
{
    static const struct { DWORD proto, suite, type; const char *name; } eph[] = {
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, "p256"},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 24, "p384"},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 25, "p521"},
        {TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 29, "x25519"},
        {TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 30, "x448"},
        {TLS1_2_PROTOCOL_VERSION, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 256, "ffdhe2048"},
    };
    uint8_t b[4096], ms[48], psk[32];
    char name[64];
    DWORD n;
    NCRYPT_KEY_HANDLE k, mk, rk, wk, early;
    PCCERT_CONTEXT ctx;
    struct w w;

    for (size_t i = 0; i < FZ_ARRAY_LEN(eph); i++) {
        must(SslCreateEphemeralKey(prov, &k, eph[i].proto, eph[i].suite, eph[i].type, 0, NULL, 0, 0), "ephemeral");
        if (eph[i].type < 26) {
            n = export(k, BCRYPT_ECCPUBLIC_BLOB, b, sizeof(b));
            snprintf(name, sizeof(name), "ecc-%s", eph[i].name), blob_seed(name, 1, b, n);
            snprintf(name, sizeof(name), "public-ecc-%s", eph[i].name), blob_seed(name, 4, b, n);
        }
        if (eph[i].type < 256) {
            n = export(k, SSL_ECCPUBLIC_BLOB, b, sizeof(b));
            snprintf(name, sizeof(name), "sslecc-%s", eph[i].name), blob_seed(name, 2, b, n);
        } else {
            n = export(k, BCRYPT_DH_PUBLIC_BLOB, b, sizeof(b));
            snprintf(name, sizeof(name), "dh-%s", eph[i].name), blob_seed(name, 3, b, n);
            /* DH parameters: the header, then p and g of the same blob */
            {
                DWORD cbk = fz_get32(b + 4);

                w.n = 0;
                p8(&w, 1), p8(&w, 0), p8(&w, 0), p16(&w, cbk * 8), p8(&w, 0);
                p16(&w, 12 + 2 * cbk);
                p32(&w, 12 + 2 * cbk), p32(&w, BCRYPT_DH_PARAMETERS_MAGIC), p32(&w, cbk);
                pb(&w, b + 8, 2 * cbk);
                p8(&w, 0);
                save("fuzz_blobs", "dhparams-ffdhe2048", &w);
            }
        }
        SslFreeObject(k, 0);
    }
    /* the fixed private keys: their public blobs, and certificate + key in DER and PEM */
    must(SslProvCreateCertificateContext((PBYTE)fk_rsa_der, sizeof(fk_rsa_der), &ctx), "cert");
    must(SslProvAssociateCertificateKeyBlob((PBYTE)fk_rsa_der, sizeof(fk_rsa_der), (PBYTE)fk_rsa_kder,
                                            sizeof(fk_rsa_kder), 0), "associate");
    must(SslOpenPrivateKey(prov, &k, ctx, 0), "SslOpenPrivateKey");
    n = export(k, BCRYPT_RSAPUBLIC_BLOB, b, sizeof(b));
    blob_seed("rsa-1024", 0, b, n);
    blob_seed("public-rsa-1024", 4, b, n);
    SslFreeObject(k, 0);
    SslProvFreeCertificateContext(ctx);
    w.n = 0;
    p8(&w, 3), pslice(&w, fk_rsa_der, sizeof(fk_rsa_der)), pslice(&w, fk_rsa_kder, sizeof(fk_rsa_kder)), p8(&w, 0);
    save("fuzz_blobs", "certkey-rsa-der", &w);
    w.n = 0;
    p8(&w, 3), pslice(&w, fk_ec_der, sizeof(fk_ec_der)), pslice(&w, fk_ec_kder, sizeof(fk_ec_kder)), p8(&w, 0);
    save("fuzz_blobs", "certkey-ec-der", &w);
    { /* PEM forms, converted with libcrypto */
        const unsigned char *cp = fk_ec_der, *kp = fk_ec_kder;
        X509 *x = d2i_X509(NULL, &cp, sizeof(fk_ec_der));
        EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &kp, sizeof(fk_ec_kder));
        BIO *bc = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
        char *pc, *pkb;
        long nc, nk;

        if (x == NULL || pk == NULL || !PEM_write_bio_X509(bc, x) ||
            !PEM_write_bio_PrivateKey(bk, pk, NULL, NULL, 0, NULL, NULL))
            FZ_FAIL("gen_corpus: PEM");
        nc = BIO_get_mem_data(bc, &pc), nk = BIO_get_mem_data(bk, &pkb);
        w.n = 0;
        p8(&w, 3), pslice(&w, pc, (size_t)nc), pslice(&w, pkb, (size_t)nk), p8(&w, 0);
        save("fuzz_blobs", "certkey-ec-pem", &w);
        X509_free(x), EVP_PKEY_free(pk), BIO_free(bc), BIO_free(bk);
    }
    /* PSKs */
    fz_prng(1, psk, sizeof(psk));
    blob_seed("psk-raw", 5, psk, sizeof(psk));
    must(SslImportKey(prov, &k, TLS_13_PRE_SHARED_KEY, psk, sizeof(psk), 0), "psk");
    n = export(k, BCRYPT_KEY_DATA_BLOB, b, sizeof(b));
    blob_seed("psk-kdbm", 6, b, n);
    /* OpaqueKeyBlobs: a TLS 1.3 early secret, TLS 1.2 master and session keys */
    if (SslExtractEarlyKey(prov, k, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_256_GCM_SHA384, NULL, 0) == SEC_E_OK) {
        if (SslExportKey(prov, early, BCRYPT_OPAQUE_KEY_BLOB, b, sizeof(b), &n, 0) == SEC_E_OK)
            blob_seed("opaque-tls13-early", 7, b, n);
        SslFreeObject(early, 0);
    }
    SslFreeObject(k, 0);
    {
        static const DWORD ss[][2] = {
            {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
            {TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA},
            {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
            {DTLS1_2_PROTOCOL_VERSION, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8},
            {TLS1_1_PROTOCOL_VERSION, TLS_RSA_WITH_RC4_128_SHA},
        };
        uint8_t r[64];
        NCryptBuffer bb[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, r}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, r + 32}};
        NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, bb};

        fz_prng(2, ms, sizeof(ms)), fz_prng(3, r, sizeof(r));
        for (size_t i = 0; i < FZ_ARRAY_LEN(ss); i++) {
            fz_master_blob(b, ss[i][0], ss[i][1], i % 2 == 0, ms);
            snprintf(name, sizeof(name), "opaque-master-%04x-%04x", ss[i][0], ss[i][1]);
            blob_seed(name, 7, b, 80);
            must(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, b, 80, 0), "master blob");
            if (SslGenerateSessionKeys(prov, mk, &rk, &wk, &d, 0) == SEC_E_OK) {
                n = export(wk, BCRYPT_OPAQUE_KEY_BLOB, b, sizeof(b));
                snprintf(name, sizeof(name), "opaque-session-%04x-%04x", ss[i][0], ss[i][1]);
                blob_seed(name, 7, b, n);
                SslFreeObject(rk, 0), SslFreeObject(wk, 0);
            }
            SslFreeObject(mk, 0);
        }
    }
    /* SslProvImportEphemeralKey */
    w.n = 0;
    fz_prng(4, b, 32);
    p8(&w, 2), p8(&w, 1), p8(&w, 0), pslice(&w, b, 32), p8(&w, 0);
    save("fuzz_blobs", "import-ephemeral-x25519", &w);
}

/* ---- fuzz_records ------------------------------------------------------------------------- */

/* One encrypt op and the decrypt of its record (the reader order of fuzz_records.c). */
static void rec_op(struct w *w, bool tls13, unsigned n, int enc_layout, int dec_layout, bool tamper)
{
    p8(w, 1);                            /* encrypt */
    p8(w, 1), p16(w, n);                 /* small, n */
    p8(w, 0);                            /* content type: the usual */
    if (!tls13)
        p8(w, 3);                        /* 23 */
    p8(w, 0), p8(w, 0);                  /* sequence number: the mark */
    p8(w, enc_layout), p8(w, 0), p8(w, 0), p8(w, 0); /* layout, delta +0, flags 0 */
    p8(w, 0);                            /* plaintext from the seed */
    if (enc_layout == 3)
        p16(w, 7), p8(w, 1);
    p8(w, dec_layout), p8(w, 0), p8(w, tamper ? 0 : 1), p8(w, 0);
    if (dec_layout == 1)
        p8(w, 0);
    if (tamper)
        p16(w, 9), p8(w, 0x41);
    if (dec_layout == 3)
        p16(w, 5), p8(w, 0);
}

static void gen_records(void)
{
    struct fz_row rows[512];
    size_t nrows = fz_rows(prov, rows, FZ_ARRAY_LEN(rows));
    char name[64];

    for (size_t i = 0; i < nrows; i += 3) {
        struct w w = {{0}, 0};
        bool t13 = rows[i].protocol == TLS1_3_PROTOCOL_VERSION;

        p16(&w, (unsigned)i), p64(&w, 0x5eed0000 + i);
        for (int j = 0; j < 64; j++)
            p8(&w, j);
        p16(&w, 4), p32(&w, 0x01000000);  /* transcript bytes (TLS 1.3) */
        rec_op(&w, t13, 16, (int)(i / 3) % 4, (int)(i / 3 + 1) % 4, i % 2 == 0);
        rec_op(&w, t13, 33, 1, 0, false);
        snprintf(name, sizeof(name), "row-%04x-%04x", rows[i].protocol, rows[i].suite);
        save("fuzz_records", name, &w);
    }
}

/* ---- fuzz_kx12 ---------------------------------------------------------------------------- */

static void gen_kx12(void)
{
    struct fz_row all[512];
    size_t nall = fz_rows(prov, all, FZ_ARRAY_LEN(all)), n12 = 0;
    static const DWORD want[][2] = {
        {TLS1_2_PROTOCOL_VERSION, TLS_PSK_WITH_AES_128_GCM_SHA256},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
        {TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_256_GCM_SHA384},
        {TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA},
        {SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_3DES_EDE_CBC_SHA},
        {DTLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256},
    };
    uint8_t share[64], priv[32], ct[300];
    char name[64];
    NCRYPT_KEY_HANDLE k, pub = 0, mk = 0;
    DWORD n;

    fz_prng(7, priv, sizeof(priv));
    must(SslProvImportEphemeralKey(prov, &k, 29, priv, 32, 0), "x25519");
    n = export(k, SSL_ECCPUBLIC_BLOB, share, sizeof(share));
    SslFreeObject(k, 0);
    for (size_t i = 0; i < nall; i++) {
        if (all[i].protocol == TLS1_3_PROTOCOL_VERSION)
            continue;
        for (size_t j = 0; j < FZ_ARRAY_LEN(want); j++) {
            if (all[i].protocol != want[j][0] || all[i].suite != want[j][1])
                continue;
            for (int mode = 0; mode < 6; mode++) {
                struct w w = {{0}, 0};

                if ((mode == 0) != (want[j][1] == TLS_PSK_WITH_AES_128_GCM_SHA256))
                    continue;
                p16(&w, (unsigned)n12), p8(&w, mode), p64(&w, 0x4b58 + mode + 16 * j);
                for (int b = 0; b < 64; b++)
                    p8(&w, 0x40 + b);
                p8(&w, 0), pz(&w, 64);             /* no EMS; the session hash bytes */
                if (mode == 1)
                    pb(&w, share + 8, 32);
                if (mode == 4) {                   /* a real ciphertext for the fixed key */
                    NCryptBuffer bb[3] = {{32, 20, w.b + 11}, {32, 21, w.b + 43}, {4, 22, (PVOID) "\x03\x03\0\0"}};
                    NCryptBufferDesc d = {0, 3, bb};
                    PCCERT_CONTEXT ctx;
                    NCRYPT_KEY_HANDLE rk;
                    uint8_t rb[600];
                    DWORD rn;

                    if (pub == 0) {
                        must(SslProvCreateCertificateContext((PBYTE)fk_rsa_der, sizeof(fk_rsa_der), &ctx), "cert");
                        must(SslProvAssociateCertificateKeyBlob((PBYTE)fk_rsa_der, sizeof(fk_rsa_der),
                                                                (PBYTE)fk_rsa_kder, sizeof(fk_rsa_kder), 0), "assoc");
                        must(SslOpenPrivateKey(prov, &rk, ctx, 0), "open");
                        rn = export(rk, BCRYPT_RSAPUBLIC_BLOB, rb, sizeof(rb));
                        must(SslImportKey(prov, &pub, BCRYPT_RSAPUBLIC_BLOB, rb, rn, 0), "rsa pub");
                        SslFreeObject(rk, 0), SslProvFreeCertificateContext(ctx);
                    }
                    must(SslGenerateMasterKey(prov, 0, pub, &mk, all[i].protocol, TLS_RSA_WITH_3DES_EDE_CBC_SHA, &d, ct,
                                              sizeof(ct), &n, NCRYPT_SSL_CLIENT_FLAG), "rsa client");
                    SslFreeObject(mk, 0);
                    pslice(&w, ct, n);
                }
                pz(&w, 8);                         /* well-formed lists, usual flags */
                p8(&w, 1), pz(&w, 24);             /* a Finished */
                p8(&w, 0), pz(&w, 24);             /* an exporter */
                snprintf(name, sizeof(name), "mode%d-%04x-%04x", mode, all[i].protocol, all[i].suite);
                save("fuzz_kx12", name, &w);
            }
        }
        n12++;
    }
    if (pub != 0)
        SslFreeObject(pub, 0);
}

/* ---- fuzz_calls --------------------------------------------------------------------------- */

static void slot(struct w *w, unsigned i) { p8(w, 0), p8(w, i); }

static void gen_calls(void)
{
    struct w w = {{0}, 0};
    uint8_t psk[32];

    fz_prng(9, psk, sizeof(psk));
    /* TLS 1.3: PSK, hash, early, handshake (psk_ke), traffic, write key, record, master,
     * application traffic, exporter, resumption, PSK, binder, Finished, KeyUpdate, frees */
    p8(&w, 0), p8(&w, 0), pslice(&w, psk, 32);                     /* 0 psk */
    p8(&w, 11), p8(&w, 0), p8(&w, 1), p8(&w, 0);                   /* 1 hash13 */
    p8(&w, 1), p8(&w, 0), slot(&w, 0), p8(&w, 0), p8(&w, 0);       /* 2 early */
    p8(&w, 2), p8(&w, 0), slot(&w, 0), slot(&w, 0), slot(&w, 2), p8(&w, 1); /* 3 hs */
    p8(&w, 12), p8(&w, 0), slot(&w, 1), pslice(&w, "\x01\0\0\0", 4);
    p8(&w, 4), p8(&w, 0), p8(&w, 1), slot(&w, 3), slot(&w, 1);     /* 4, 5 traffic */
    p8(&w, 5), p8(&w, 0), slot(&w, 4);                             /* 6 write */
    p8(&w, 18), p8(&w, 0), p8(&w, 15), slot(&w, 6), pz(&w, 16), p64(&w, 0);
    p8(&w, 3), p8(&w, 0), slot(&w, 3);                             /* 7 master */
    p8(&w, 4), p8(&w, 0), p8(&w, 1), slot(&w, 7), slot(&w, 1);     /* 8, 9 */
    p8(&w, 6), p8(&w, 0), slot(&w, 7), slot(&w, 1);                /* 10 exporter */
    p8(&w, 7), p8(&w, 0), slot(&w, 7), slot(&w, 1);                /* 11 resumption */
    p8(&w, 9), p8(&w, 0), slot(&w, 11), pslice(&w, "\0\1", 2);     /* 12 psk */
    p8(&w, 8), p8(&w, 0), p8(&w, 0), p8(&w, 1), slot(&w, 2);       /* 13 binder */
    p8(&w, 14), p8(&w, 0), p8(&w, 32), p8(&w, 0), slot(&w, 13), slot(&w, 1);
    p8(&w, 10), p8(&w, 0), slot(&w, 8);                            /* 14 next traffic */
    p8(&w, 23), p8(&w, 0), p8(&w, 0), slot(&w, 10), pz(&w, 64), p8(&w, 31);
    p8(&w, 17), p8(&w, 0), slot(&w, 2);                                       /* free early */
    p8(&w, 3), p8(&w, 0), slot(&w, 2);                             /* stale */
    p8(&w, 16), p8(&w, 0), p8(&w, 0), slot(&w, 6), p8(&w, 0);      /* export + import write */
    p8(&w, 20), p8(&w, 0), slot(&w, 6);
    p8(&w, 15), p8(&w, 0), p8(&w, 0);                              /* ephemeral */
    p8(&w, 24), p8(&w, 0), p64(&w, 5);                                        /* a freed provider */
    p8(&w, 17), p8(&w, 0), slot(&w, 4);
    save("fuzz_calls", "tls13-schedule", &w);

    /* TLS 1.2 PSK: master, session keys, exporter, records; foreign provider; refcounts */
    w.n = 0;
    p8(&w, 0), p8(&w, 0), pslice(&w, psk, 32);                     /* 0 psk */
    p8(&w, 21), p8(&w, 0), slot(&w, 0), p8(&w, 11), pz(&w, 64);    /* 1 master12 */
    p8(&w, 22), p8(&w, 0), slot(&w, 1), pz(&w, 64);                /* 2, 3 session */
    p8(&w, 23), p8(&w, 0), p8(&w, 1), slot(&w, 1), pz(&w, 64), p8(&w, 31);
    p8(&w, 18), p8(&w, 0), p8(&w, 15), slot(&w, 3), pz(&w, 16), p64(&w, 1);
    p8(&w, 19), p8(&w, 0), slot(&w, 2), pslice(&w, "\x17\x03\x03\0\x20", 5), p64(&w, 1);
    p8(&w, 22), p8(&w, 11), slot(&w, 1), pz(&w, 64);               /* foreign provider */
    p8(&w, 25), p8(&w, 0), p8(&w, 13);                                        /* refcount on A */
    p8(&w, 17), p8(&w, 0), p8(&w, 14);                                        /* free B +1/-1 */
    p8(&w, 17), p8(&w, 0), slot(&w, 1), p8(&w, 17), p8(&w, 0), slot(&w, 1);              /* double free */
    p8(&w, 14), p8(&w, 0), p8(&w, 12), p8(&w, 1), slot(&w, 1), slot(&w, 1);
    save("fuzz_calls", "tls12-psk", &w);

    /* out of order: master before handshake, write key of a secret, traffic of a PSK */
    w.n = 0;
    p8(&w, 0), p8(&w, 0), pslice(&w, psk, 16);
    p8(&w, 3), p8(&w, 0), slot(&w, 0);
    p8(&w, 5), p8(&w, 0), slot(&w, 0);
    p8(&w, 1), p8(&w, 0), slot(&w, 0), p8(&w, 1), p8(&w, 0);
    p8(&w, 5), p8(&w, 0), slot(&w, 1);
    p8(&w, 11), p8(&w, 0), p8(&w, 1), p8(&w, 1);
    p8(&w, 4), p8(&w, 0), p8(&w, 1), slot(&w, 1), slot(&w, 2);
    p8(&w, 6), p8(&w, 0), slot(&w, 1), slot(&w, 2);
    p8(&w, 2), p8(&w, 0), slot(&w, 0), slot(&w, 1), slot(&w, 1), p8(&w, 0);
    save("fuzz_calls", "out-of-order", &w);
}

/* fuzz_engine: selector byte (fuzz_engine.c) || a server message's body; and the whole
 * server flight as a byte stream for the framing. */
static void gen_engine(void)
{
    static const struct {
        const char *msg;
        uint8_t pick;
    } seeds[] = {
        {"ServerHello", 1}, {"EncryptedExtensions", 2}, {"Certificate", 3},
        {"CertificateVerify", 5}, {"NewSessionTicket", 6}, {"server_Finished", 11},
    };
    struct json *v = json_load(SSLPROV_TEST_VECTORS "/rfc8448.json");
    const struct json *msgs = v != NULL ? json_get(json_get(v, "section_3_simple_1rtt"), "handshake_messages") : NULL;
    struct w flight = {.n = 0};

    if (msgs == NULL)
        FZ_FAIL("gen_corpus: %s/rfc8448.json unreadable", SSLPROV_TEST_VECTORS);
    p8(&flight, 0);
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        size_t len = 0;
        uint8_t *m = json_hex(msgs, seeds[i].msg, &len);
        struct w w = {.n = 0};

        if (m == NULL || len < 4 || len - 4 + 1 > sizeof(w.b) || flight.n + len > sizeof(flight.b))
            FZ_FAIL("gen_corpus: RFC 8448 %s", seeds[i].msg);
        p8(&w, seeds[i].pick);
        pb(&w, m + 4, len - 4);
        save("fuzz_engine", seeds[i].msg, &w);
        pb(&flight, m, len);
        free(m);
    }
    save("fuzz_engine", "flight", &flight);
    {
        /* records: the flight's first 200 bytes as a handshake record, then a close_notify */
        struct w rec = {.n = 0};

        p8(&rec, 12);
        p8(&rec, 22), p8(&rec, 3), p8(&rec, 3), p8(&rec, 0), p8(&rec, 200);
        pb(&rec, flight.b + 1, 200);
        p8(&rec, 21), p8(&rec, 3), p8(&rec, 3), p8(&rec, 0), p8(&rec, 2), p8(&rec, 1), p8(&rec, 0);
        save("fuzz_engine", "records", &rec);
    }
    json_free(v);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR\n");
        return 2;
    }
    root = argv[1];
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        FZ_FAIL("mkdir %s", root);
    prov = fz_open();
    gen_blobs();
    gen_records();
    gen_kx12();
    gen_calls();
    gen_engine();
    SslFreeObject(prov, 0);
    printf("gen_corpus: seeds written to %s\n", root);
    return 0;
}
