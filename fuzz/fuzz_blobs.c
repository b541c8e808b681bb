/* fuzz_blobs: every blob the provider parses.
 *  - SslImportKey of each blob type (RSAPUBLIC, ECCPUBLIC, SSLECCPUBLIC, DHPUBLIC, PUBLICBLOB,
 *    TLS13PRESHAREDKEY, KeyDataBlob, OpaqueKeyBlob, and names it must refuse);
 *  - SslCreateEphemeralKey with a fuzzed BCRYPT_DH_PARAMETER_HEADER blob, and
 *    SslProvImportEphemeralKey with fuzzed private bytes;
 *  - a certificate and a private key through SslProvCreateCertificateContext,
 *    SslProvAssociateCertificateKeyBlob and SslOpenPrivateKey.
 *
 * Invariants (docs/fuzzing.md): statuses in the documented sets; output handle 0 and no
 * object left on failure; SslExportKey's size query and NTE_BUFFER_TOO_SMALL report the size
 * the export then writes; what imports exports, and what it exports imports back and exports
 * to the same bytes (a fixed point), for every blob type the key has; a share our own
 * ephemeral key exports imports as a peer share; the private value of a key given to the
 * association calls never stays in freed memory. */
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "fuzz_common.h"

static NCRYPT_PROV_HANDLE prov;
static uint8_t ex1[70000], ex2[70000];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_target = "fuzz_blobs";
    fz_install_allocator();
    prov = fz_open();
    return 0;
}

static const WCHAR *const blob_types[] = {
    BCRYPT_RSAPUBLIC_BLOB, BCRYPT_ECCPUBLIC_BLOB, SSL_ECCPUBLIC_BLOB, BCRYPT_DH_PUBLIC_BLOB,
    BCRYPT_PUBLIC_KEY_BLOB, TLS_13_PRE_SHARED_KEY, BCRYPT_KEY_DATA_BLOB, BCRYPT_OPAQUE_KEY_BLOB,
    BCRYPT_PRIVATE_KEY_BLOB, BCRYPT_ECCFULLPUBLIC_BLOB,
};
static const char *const blob_names[] = {
    "RSAPUBLICBLOB", "ECCPUBLICBLOB", "SSLECCPUBLICBLOB", "DHPUBLICBLOB", "PUBLICBLOB",
    "TLS13PRESHAREDKEY", "KeyDataBlob", "OpaqueKeyBlob", "PRIVATEBLOB", "ECCFULLPUBLICBLOB",
};
#define NIMPORTABLE 8

/* Export k as type t into out: the size query, a too-small buffer and the export agree. */
static SECURITY_STATUS export_checked(NCRYPT_KEY_HANDLE k, int t, uint8_t *out, DWORD *cb)
{
    DWORD q = FZ_SENTINEL, small = FZ_SENTINEL, n = FZ_SENTINEL;
    SECURITY_STATUS st, st2;
    char name[64];

    snprintf(name, sizeof(name), "SslExportKey(%s)", blob_names[t]);
    FZ_CALL(st, name, SET_EXPORT, SslExportKey(prov, k, blob_types[t], NULL, 0, &q, 0));
    fz_check_cb(name, st, NULL, 0, q);
    if (st != SEC_E_OK)
        return st;
    if (q == 0 || q > sizeof(ex1))
        FZ_FAIL("%s size query answered %u", name, q);
    FZ_CALL(st2, name, SET_EXPORT, SslExportKey(prov, k, blob_types[t], out, q - 1, &small, 0));
    if (st2 != NTE_BUFFER_TOO_SMALL || small != q)
        FZ_FAIL("%s into %u bytes: %s, *pcbResult %u (size query said %u)", name, q - 1,
                fz_status_name(st2), small, q);
    FZ_CALL(st, name, SET_EXPORT, SslExportKey(prov, k, blob_types[t], out, q, &n, 0));
    fz_check_cb(name, st, out, q, n);
    if (st != SEC_E_OK)
        FZ_FAIL("%s failed (%s) after its size query succeeded", name, fz_status_name(st));
    if (n != q)
        FZ_FAIL("%s wrote %u bytes, the size query said %u", name, n, q);
    *cb = n;
    return SEC_E_OK;
}

static NCRYPT_KEY_HANDLE import(int t, const uint8_t *b, size_t n, DWORD flags, SECURITY_STATUS *pst)
{
    NCRYPT_KEY_HANDLE h = 0;
    SECURITY_STATUS st;
    char name[64];

    snprintf(name, sizeof(name), "SslImportKey(%s)", blob_names[t]);
    FZ_CALL(st, name, SET_IMPORT, SslImportKey(prov, &h, blob_types[t], (PBYTE)b, (DWORD)n, flags));
    fz_check_out(name, st, h);
    if (t >= NIMPORTABLE && st == SEC_E_OK)
        FZ_FAIL("%s succeeded: that blob type is never imported", name);
    if (st == SEC_E_OK)
        fz_track(h);
    *pst = st;
    return h;
}

/* For every blob type the key exports: export, import, export again — same bytes. */
static void round_trips(NCRYPT_KEY_HANDLE k, const char *what)
{
    for (int t = 0; t < NIMPORTABLE; t++) {
        DWORD c1, c2;
        NCRYPT_KEY_HANDLE k2;
        SECURITY_STATUS st;

        if (export_checked(k, t, ex1, &c1) != SEC_E_OK)
            continue;
        k2 = import(t, ex1, c1, 0, &st);
        if (st != SEC_E_OK)
            FZ_FAIL("%s: its %s export does not import back: %s", what, blob_names[t], fz_status_name(st));
        if (export_checked(k2, t, ex2, &c2) != SEC_E_OK)
            FZ_FAIL("%s: the re-imported key does not export %s", what, blob_names[t]);
        if (c1 != c2)
            FZ_FAIL("%s: %s export -> import -> export changed the length (%u -> %u)", what,
                    blob_names[t], c1, c2);
        /* the first export may carry the class of the key (an ECDSA magic for a private key,
         * docs/keys.md); from the imported copy on, export and import are a fixed point */
        if (memcmp(ex1, ex2, c1) != 0) {
            NCRYPT_KEY_HANDLE k3 = import(t, ex2, c2, 0, &st);

            if (st != SEC_E_OK || export_checked(k3, t, ex1, &c1) != SEC_E_OK || c1 != c2 ||
                memcmp(ex1, ex2, c1) != 0)
                FZ_FAIL("%s: %s export -> import -> export is not a fixed point", what, blob_names[t]);
            fz_release(k3);
        }
        fz_release(k2);
    }
}

static void fuzz_import(struct fz_in *in)
{
    int t = fz_u8(in) % FZ_ARRAY_LEN(blob_types);
    DWORD flags = fz_u8(in) == 0xFF ? fz_u32(in) : 0;
    size_t n;
    const uint8_t *b = fz_slice(in, 0, &n);
    SECURITY_STATUS st;
    NCRYPT_KEY_HANDLE k = import(t, b, n, flags, &st);

    if (st == SEC_E_OK)
        round_trips(k, "an imported key");
}

/* A DHE ephemeral key on fuzzed parameters (docs/keys.md): its share imports back. */
static void fuzz_dh_params(struct fz_in *in)
{
    static const DWORD suites[][2] = {
        {TLS1_2_PROTOCOL_VERSION, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256},
        {TLS1_0_PROTOCOL_VERSION, TLS_DHE_RSA_WITH_AES_128_CBC_SHA},
        {DTLS1_2_PROTOCOL_VERSION, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
        {TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256},
    };
    const DWORD *s = suites[fz_u8(in) % FZ_ARRAY_LEN(suites)];
    DWORD type = fz_bool(in) ? fz_u16(in) : 0, bits = fz_u16(in), flags = fz_bool(in) ? 2 : 0;
    size_t n;
    const uint8_t *p = fz_slice(in, 1100, &n);
    NCRYPT_KEY_HANDLE k = 0;
    SECURITY_STATUS st;

    if (fz_u8(in) == 0xFF)
        flags = fz_u32(in);
    FZ_CALL(st, "SslCreateEphemeralKey", SET_EPHEMERAL,
            SslCreateEphemeralKey(prov, &k, s[0], s[1], type, bits, (PBYTE)p, (DWORD)n, flags));
    fz_check_out("SslCreateEphemeralKey", st, k);
    if (st != SEC_E_OK)
        return;
    fz_track(k);
    if (flags & ~2u)
        FZ_FAIL("SslCreateEphemeralKey succeeded with flags 0x%x", flags);
    round_trips(k, "an ephemeral key");
}

static void fuzz_import_ephemeral(struct fz_in *in)
{
    DWORD type = fz_bool(in) ? 29 : 30, flags = fz_u8(in) == 0xFF ? fz_u32(in) : 0;
    size_t n;
    const uint8_t *p = fz_slice(in, 80, &n);
    NCRYPT_KEY_HANDLE k = 0;
    SECURITY_STATUS st;

    if (fz_u8(in) == 0xFF)
        type = fz_u32(in);
    FZ_CALL(st, "SslProvImportEphemeralKey", SET_EPHEMERAL | S_BF,
            SslProvImportEphemeralKey(prov, &k, type, (PBYTE)p, (DWORD)n, flags));
    fz_check_out("SslProvImportEphemeralKey", st, k);
    if (st != SEC_E_OK)
        return;
    fz_track(k);
    round_trips(k, "an imported ephemeral key");
}

/* The last bytes of the key's private value as it appears in its encoding (big-endian): the
 * secret to look for in freed memory. Decoded here with libcrypto, before scanning starts. */
static size_t private_pattern(const uint8_t *key, size_t n, uint8_t pat[16])
{
    const unsigned char *p = key;
    EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)n);
    BIGNUM *bn = NULL;
    uint8_t v[1100];
    int len = 0;

    if (pk == NULL) {
        BIO *bio = BIO_new_mem_buf(key, (int)n);

        pk = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
        BIO_free(bio);
    }
    if (pk != NULL && (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 ||
                       EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR1, &bn) == 1) &&
        BN_num_bytes(bn) <= (int)sizeof(v))
        len = BN_bn2bin(bn, v);
    BN_clear_free(bn);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    if (len < 16)
        return 0;
    memcpy(pat, v + len - 16, 16);
    OPENSSL_cleanse(v, sizeof(v));
    /* a value the fuzzer wrote from its dictionary of strings it saw compared (an OpenSSL
     * function or file name) is also in OpenSSL's own public strings, freed as they please: no
     * secret to look for. 10 or more printable bytes: about 1 random value in 60. */
    /* Nor is a value of few distinct bytes (zeros, say: every wiped block is zeros). A random
     * 16-byte value has about 15.5 distinct bytes; fewer than 8, about one in 10^9. */
    {
        int printable = 0, distinct = 0;
        bool seen[256] = {false};

        for (int i = 0; i < 16; i++) {
            printable += pat[i] >= 0x20 && pat[i] <= 0x7E;
            distinct += !seen[pat[i]];
            seen[pat[i]] = true;
        }
        return printable >= 10 || distinct < 8 ? 0 : 16;
    }
}

static void fuzz_cert_key(struct fz_in *in)
{
    size_t cn, kn;
    const uint8_t *cert = fz_slice(in, 4000, &cn), *key = fz_slice(in, 4000, &kn);
    DWORD flags = fz_u8(in) == 0xFF ? fz_u32(in) : 0;
    PCCERT_CONTEXT ctx = NULL;
    NCRYPT_KEY_HANDLE k = 0;
    SECURITY_STATUS st;
    uint8_t pat[16];
    size_t plen = private_pattern(key, kn, pat);

    /* a value that is also public — in the certificate, or elsewhere in the key (its public
     * half, say) — may be freed by anyone: the fuzzer copies bytes between the two */
    if (plen > 0 && (fz_occurrences(cert, cn, pat, 16) != 0 || fz_occurrences(key, kn, pat, 16) > 1))
        plen = 0;

    FZ_CALL(st, "SslProvCreateCertificateContext", SET_CERTCTX,
            SslProvCreateCertificateContext((PBYTE)cert, (DWORD)cn, &ctx));
    if (st == SEC_E_OK && (ctx == NULL || ctx->pbCertEncoded == NULL || ctx->cbCertEncoded == 0))
        FZ_FAIL("SslProvCreateCertificateContext succeeded without a context");
    if (plen > 0)
        fz_scan_begin(pat, plen);
    FZ_CALL(st, "SslProvAssociateCertificateKeyBlob", SET_ASSOC,
            SslProvAssociateCertificateKeyBlob((PBYTE)cert, (DWORD)cn, (PBYTE)key, (DWORD)kn, flags));
    if (st == SEC_E_OK && ctx != NULL) {
        FZ_CALL(st, "SslOpenPrivateKey", SET_OPENPRIV, SslOpenPrivateKey(prov, &k, ctx, 0));
        fz_check_out("SslOpenPrivateKey", st, k);
        if (st == SEC_E_OK) {
            fz_track(k);
            round_trips(k, "a private key");
            fz_release(k);
        }
    }
    if (plen > 0 && fz_scan_end() != 0)
        FZ_FAIL("a block holding the private key's secret value was freed without being wiped "
                "(SslProvAssociateCertificateKeyBlob / SslOpenPrivateKey, %zu-byte key)", kn);
    if (ctx != NULL) {
        st = SslProvFreeCertificateContext(ctx);
        if (st != SEC_E_OK)
            FZ_FAIL("SslProvFreeCertificateContext returned %s", fz_status_name(st));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};

    switch (fz_u8(&in) % 4) {
    case 0: fuzz_import(&in); break;
    case 1: fuzz_dh_params(&in); break;
    case 2: fuzz_import_ephemeral(&in); break;
    default: fuzz_cert_key(&in); break;
    }
    fz_release_all();
    wipe_scanning = false;
    return 0;
}
