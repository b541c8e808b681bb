/* fuzz_sign: SslSignHash and SslVerifySignature (docs/signatures.md) on the fixed RSA-1024 and
 * P-256 keys of fuzz_keys.h — as private keys (SslOpenPrivateKey) and as imported public keys.
 * The input chooses the key, the flags and the hash bytes: raw, or a UTF-16 name (one of the
 * table's, in any case, or fuzzed units) ‖ 0x0000 ‖ a digest of any length; and, to verify,
 * signatures that are our own (intact or with one byte changed) or fuzzed bytes (DER,
 * r ‖ s, RSA blocks). Signatures come from peers: this is the parser of untrusted input it
 * covers.
 * Invariants: statuses from each call's documented set; a size query and the signing agree on
 * the size, *pcbResult never exceeds cbSignature and is untouched by other failures; what the
 * private key signs, both its handle and the imported public key verify with the same flags
 * and hash bytes (ECDSA both as r ‖ s and converted to DER); a changed signature byte, or a
 * changed byte of raw hash bytes, never verifies. */
#include "fuzz_common.h"
#include "fuzz_keys.h"

static NCRYPT_PROV_HANDLE prov;
static NCRYPT_KEY_HANDLE priv[2], pub[2]; /* 0 RSA, 1 ECDSA P-256 */

static void load(int i, const unsigned char *cert, size_t cert_len, const unsigned char *key,
                 size_t key_len, LPCWSTR blob)
{
    PCCERT_CONTEXT ctx = NULL;
    uint8_t b[600];
    DWORD cb = 0;

    if (SslProvCreateCertificateContext((PBYTE)cert, (DWORD)cert_len, &ctx) != SEC_E_OK ||
        SslProvAssociateCertificateKeyBlob((PBYTE)cert, (DWORD)cert_len, (PBYTE)key, (DWORD)key_len, 0) != SEC_E_OK ||
        SslOpenPrivateKey(prov, &priv[i], ctx, 0) != SEC_E_OK ||
        SslExportKey(prov, priv[i], blob, b, sizeof(b), &cb, 0) != SEC_E_OK ||
        SslImportKey(prov, &pub[i], blob, b, cb, 0) != SEC_E_OK)
        FZ_FAIL("harness: a fixed key does not load");
    SslProvFreeCertificateContext(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_target = "fuzz_sign";
    fz_install_allocator();
    prov = fz_open();
    load(0, fk_rsa_der, sizeof(fk_rsa_der), fk_rsa_kder, sizeof(fk_rsa_kder), BCRYPT_RSAPUBLIC_BLOB);
    load(1, fk_ec_der, sizeof(fk_ec_der), fk_ec_kder, sizeof(fk_ec_kder), BCRYPT_ECCPUBLIC_BLOB);
    ERR_clear_error();
    return 0;
}

/* The hash bytes: raw, or name ‖ 0x0000 ‖ digest (UTF-16LE, as Windows callers lay it out). */
static size_t hash_bytes(struct fz_in *in, uint8_t *out, size_t cap)
{
    static const char *const names[] = {"SHA256", "sha384", "SHA512", "Sha1", "MD5", "SHA224", ""};
    static const size_t digest_len[] = {32, 48, 64, 20, 16, 28, 0};
    uint8_t ctl = fz_u8(in);
    size_t n = 0, k;

    if (ctl % 3 == 0) { /* raw bytes */
        const uint8_t *p = fz_slice(in, cap, &n);

        memcpy(out, p, n);
        return n;
    }
    k = fz_u8(in) % 7;
    if (ctl % 3 == 1) { /* a name of the table */
        for (const char *c = names[k]; *c != '\0'; c++, n += 2)
            out[n] = (uint8_t)*c, out[n + 1] = 0;
    } else { /* fuzzed units */
        size_t units = fz_u8(in) % 70;

        fz_bytes(in, out, 2 * units < cap ? 2 * units : cap);
        n = 2 * units < cap ? 2 * units : cap;
    }
    if (n + 2 <= cap && fz_u8(in) != 0xFF) /* the terminator, mostly */
        out[n] = out[n + 1] = 0, n += 2;
    {
        size_t d = fz_bool(in) ? digest_len[k] : fz_u8(in) % 80;

        d = n + d <= cap ? d : cap - n;
        fz_bytes(in, out + n, d);
        return n + d;
    }
}

/* r ‖ s (2 x 32 bytes) as DER: SEQUENCE { INTEGER r, INTEGER s }, minimal. */
static size_t der_of(const uint8_t *rs, uint8_t *out)
{
    size_t n = 2;

    for (int h = 0; h < 2; h++) {
        const uint8_t *v = rs + 32 * h;
        size_t skip = 0, len;

        while (skip < 31 && v[skip] == 0)
            skip++;
        len = 32 - skip + (v[skip] & 0x80 ? 1 : 0);
        out[n++] = 0x02, out[n++] = (uint8_t)len;
        if (v[skip] & 0x80)
            out[n++] = 0;
        memcpy(out + n, v + skip, 32 - skip), n += 32 - skip;
    }
    out[0] = 0x30, out[1] = (uint8_t)(n - 2);
    return n;
}

static void verify_all(int key, const uint8_t *h, size_t hn, uint8_t *sig, size_t sn, DWORD flags,
                       bool want_ok)
{
    NCRYPT_KEY_HANDLE ks[2] = {priv[key], pub[key]};

    for (int i = 0; i < 2; i++) {
        SECURITY_STATUS st;

        FZ_CALL(st, "SslVerifySignature", SET_VERIFY,
                SslVerifySignature(prov, ks[i], (PBYTE)h, (DWORD)hn, sig, (DWORD)sn, flags));
        if (want_ok && st != SEC_E_OK)
            FZ_FAIL("SslVerifySignature refused our own signature (%s key, %s): %s", key ? "ECDSA" : "RSA",
                    i ? "imported public" : "private", fz_status_name(st));
        if (!want_ok && st == SEC_E_OK)
            FZ_FAIL("SslVerifySignature accepted a changed signature or hash (%s key)", key ? "ECDSA" : "RSA");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    uint8_t h[300], sig[600], der[80];
    int key = fz_u8(&in) % 2;
    DWORD flags = fz_u8(&in) >= 0xF0 ? fz_u32(&in) : fz_u8(&in) % 4;
    size_t hn = hash_bytes(&in, h, sizeof(h));
    DWORD cb = FZ_SENTINEL, cap = fz_bool(&in) ? sizeof(sig) : fz_u16(&in) % 300, need;
    SECURITY_STATUS st, q;

    /* the size query first: it must agree with the signing */
    FZ_CALL(q, "SslSignHash", SET_SIGN, SslSignHash(prov, priv[key], h, (DWORD)hn, NULL, 0, &cb, flags));
    fz_check_cb("SslSignHash", q, NULL, 0, cb);
    need = cb;
    cb = FZ_SENTINEL;
    FZ_CALL(st, "SslSignHash", SET_SIGN, SslSignHash(prov, priv[key], h, (DWORD)hn, sig, cap, &cb, flags));
    fz_check_cb("SslSignHash", st, sig, cap, cb);
    if ((q == SEC_E_OK) != (st == SEC_E_OK || st == NTE_BUFFER_TOO_SMALL))
        FZ_FAIL("SslSignHash: the size query said %s, the call %s", fz_status_name(q), fz_status_name(st));
    if (st == SEC_E_OK || st == NTE_BUFFER_TOO_SMALL) {
        if ((st == SEC_E_OK && cb > need) || (st == NTE_BUFFER_TOO_SMALL && cb != need))
            FZ_FAIL("SslSignHash: %u bytes after a size query of %u", cb, need);
    }
    if (st == SEC_E_OK) {
        size_t at = fz_u16(&in) % cb;

        verify_all(key, h, hn, sig, cb, flags, true);
        if (key == 1 && cb == 64) { /* ECDSA: the DER form verifies too */
            size_t dn = der_of(sig, der);

            verify_all(key, h, hn, der, dn, flags, true);
        }
        {
            uint8_t bit = (uint8_t)(1u << (fz_u8(&in) % 8));

            sig[at] ^= bit;
            verify_all(key, h, hn, sig, cb, flags, false);
            sig[at] ^= bit;
        }
        /* a changed byte of raw hash bytes (flags 0) never verifies: for ECDSA within the
         * order's length, the part of a longer digest ECDSA reads (FIPS 186-4 §6.4) */
        if ((flags & 3) == 0 && hn > 0) {
            size_t hat = fz_u16(&in) % (key == 1 && hn > 32 ? 32 : hn);
            uint8_t bit = (uint8_t)(1u << (fz_u8(&in) % 8));

            h[hat] ^= bit;
            verify_all(key, h, hn, sig, cb, flags, false);
            h[hat] ^= bit;
        }
    }
    /* fuzzed signatures against fuzzed hash bytes: any status of the set, never a crash */
    {
        size_t sn;
        const uint8_t *s = fz_slice(&in, sizeof(sig), &sn);
        NCRYPT_KEY_HANDLE k = fz_bool(&in) ? priv[key] : pub[key];

        memcpy(sig, s, sn);
        FZ_CALL(st, "SslVerifySignature", SET_VERIFY,
                SslVerifySignature(prov, k, h, (DWORD)hn, sn ? sig : NULL, (DWORD)sn, flags));
    }
    return 0;
}
