/* fuzz_records: SslEncryptPacket / SslDecryptPacket on every (protocol, suite) row the
 * provider answers SslLookupCipherLengths for, in every buffer layout, with fuzzed sizes,
 * sequence numbers, content types, tampered and raw records.
 *
 * Keys come from the input through the API only: TLS <= 1.2 from a master secret imported
 * as an OpaqueKeyBlob twice (client and server), then SslGenerateSessionKeys, so the client's
 * write key and the server's read key are one key; TLS 1.3 from a PSK (SslImportKey),
 * SslExtractEarlyKey, psk_ke SslExtractHandshakeKey, SslExpandTrafficKeys and two
 * SslExpandWriteKey of the client secret. The secret is drawn from a seed in the input.
 *
 * Invariants (docs/fuzzing.md): statuses in the documented sets; a failed call leaves the
 * key's OpaqueKeyBlob byte for byte as it was and no object behind; on success
 * *pcbResult <= cbOutput, the record has the exact length, header type, version and length
 * field; a well-formed call with room succeeds; every record decrypts with the peer key to
 * the plaintext; a record with one body byte changed never decrypts; the secret never
 * stays in freed memory. */
#include "fuzz_common.h"

#define BUF 40000

static NCRYPT_PROV_HANDLE prov;
static struct fz_row rows[512];
static size_t nrows;
static uint8_t work[2 * BUF], rec[BUF], plain[BUF], tmp[BUF];
static uint8_t blob_a[512], blob_b[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_target = "fuzz_records";
    fz_install_allocator();
    prov = fz_open();
    nrows = fz_rows(prov, rows, FZ_ARRAY_LEN(rows));
    return 0;
}

static bool is_aead(const struct fz_row *r)
{
    switch (r->suite) {
    case 0x009C: case 0x009D: case 0x009E: case 0x009F: case 0x00A8: case 0x00A9:
    case 0xC02B: case 0xC02C: case 0xC02F: case 0xC030: case 0xC0AC: case 0xC0AD:
    case 0xC0AE: case 0xC0AF: case 0xCCA8: case 0xCCA9: case 0xCCAA:
        return true;
    default:
        return r->protocol == TLS1_3_PROTOCOL_VERSION;
    }
}

struct keys {
    const struct fz_row *row;
    NCRYPT_KEY_HANDLE wk, rk; /* one key: write (client) and read (server) */
    DWORD hdr;                /* record header: 5 or 13 */
    bool aead, tls13;
    uint64_t mark;            /* AEAD: lowest sequence number the write key still takes */
    bool dtls;
};

/* The number no record can follow (docs/records.md): TLS 2^64-1, DTLS a 48-bit part of
 * 2^48-1. Every write key refuses it. */
static bool seq_at_limit(const struct keys *k, uint64_t seq)
{
    return k->dtls ? (seq & 0xFFFFFFFFFFFFull) == 0xFFFFFFFFFFFFull : seq == UINT64_MAX;
}

/* TLS <= 1.2 keys from a master secret; false when the row cannot make them. */
static bool keys12(struct keys *k, const uint8_t ms[48], const uint8_t randoms[64])
{
    uint8_t blob[80];
    NCRYPT_KEY_HANDLE mc = 0, msv = 0, cr = 0, cw = 0, sr = 0, sw = 0;
    NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, (PVOID)randoms},
                         {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, (PVOID)(randoms + 32)}};
    NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
    SECURITY_STATUS st;

    fz_master_blob(blob, k->row->protocol, k->row->suite, true, ms);
    FZ_CALL(st, "SslImportKey(OpaqueKeyBlob ssl5)", SET_IMPORT,
            SslImportKey(prov, &mc, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0));
    fz_check_out("SslImportKey", st, mc);
    if (st != SEC_E_OK)
        return false;
    fz_track(mc);
    fz_master_blob(blob, k->row->protocol, k->row->suite, false, ms);
    FZ_CALL(st, "SslImportKey(OpaqueKeyBlob ssl5)", SET_IMPORT,
            SslImportKey(prov, &msv, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0));
    fz_check_out("SslImportKey", st, msv);
    if (st != SEC_E_OK)
        FZ_FAIL("the server master blob failed (%s) where the client one imported", fz_status_name(st));
    fz_track(msv);
    FZ_CALL(st, "SslGenerateSessionKeys", SET_SESSIONKEYS, SslGenerateSessionKeys(prov, mc, &cr, &cw, &d, 0));
    fz_check_out("SslGenerateSessionKeys", st, cr);
    fz_check_out("SslGenerateSessionKeys", st, cw);
    if (st != SEC_E_OK)
        return false;
    fz_track(cr), fz_track(cw);
    FZ_CALL(st, "SslGenerateSessionKeys", SET_SESSIONKEYS, SslGenerateSessionKeys(prov, msv, &sr, &sw, &d, 0));
    if (st != SEC_E_OK)
        FZ_FAIL("server session keys failed (%s) where the client's worked", fz_status_name(st));
    fz_track(sr), fz_track(sw);
    k->wk = cw;
    k->rk = sr;
    return true;
}

/* TLS 1.3 write keys from a PSK through the schedule (psk_ke). */
static bool keys13(struct keys *k, const uint8_t *psk, size_t psk_len, const uint8_t *th, size_t th_len)
{
    NCRYPT_KEY_HANDLE hpsk = 0, early = 0, hs = 0, c = 0, s = 0, w1 = 0, w2 = 0;
    NCRYPT_HASH_HANDLE hash = 0;
    SECURITY_STATUS st;

    FZ_CALL(st, "SslImportKey(TLS13PRESHAREDKEY)", SET_IMPORT,
            SslImportKey(prov, &hpsk, TLS_13_PRE_SHARED_KEY, (PBYTE)psk, (DWORD)psk_len, 0));
    fz_check_out("SslImportKey", st, hpsk);
    if (st != SEC_E_OK)
        FZ_FAIL("a 48-byte raw PSK was refused: %s", fz_status_name(st));
    fz_track(hpsk);
    FZ_CALL(st, "SslExtractEarlyKey", SET_TLS13,
            SslExtractEarlyKey(prov, hpsk, &early, TLS1_3_PROTOCOL_VERSION, k->row->suite, NULL, 0));
    fz_check_out("SslExtractEarlyKey", st, early);
    if (st != SEC_E_OK)
        return false;
    fz_track(early);
    FZ_CALL(st, "SslExtractHandshakeKey", SET_TLS13, SslExtractHandshakeKey(prov, 0, 0, early, &hs, NULL, 0));
    fz_check_out("SslExtractHandshakeKey", st, hs);
    if (st != SEC_E_OK)
        FZ_FAIL("psk_ke SslExtractHandshakeKey failed: %s", fz_status_name(st));
    fz_track(hs);
    FZ_CALL(st, "SslCreateHandshakeHash", SET_HASH,
            SslCreateHandshakeHash(prov, &hash, TLS1_3_PROTOCOL_VERSION, k->row->suite, 0));
    if (st != SEC_E_OK)
        FZ_FAIL("SslCreateHandshakeHash(TLS 1.3) failed: %s", fz_status_name(st));
    fz_track(hash);
    if (th_len > 0) {
        FZ_CALL(st, "SslHashHandshake", SET_HASH, SslHashHandshake(prov, hash, (PBYTE)th, (DWORD)th_len, 0));
        if (st != SEC_E_OK)
            FZ_FAIL("SslHashHandshake failed: %s", fz_status_name(st));
    }
    FZ_CALL(st, "SslExpandTrafficKeys", SET_TLS13, SslExpandTrafficKeys(prov, hs, hash, &c, &s, NULL, 0));
    if (st != SEC_E_OK)
        FZ_FAIL("SslExpandTrafficKeys failed: %s", fz_status_name(st));
    fz_track(c), fz_track(s);
    FZ_CALL(st, "SslExpandWriteKey", SET_TLS13, SslExpandWriteKey(prov, c, &w1, NULL, 0));
    fz_check_out("SslExpandWriteKey", st, w1);
    if (st != SEC_E_OK)
        FZ_FAIL("SslExpandWriteKey failed: %s", fz_status_name(st));
    fz_track(w1);
    FZ_CALL(st, "SslExpandWriteKey", SET_TLS13, SslExpandWriteKey(prov, c, &w2, NULL, 0));
    if (st != SEC_E_OK)
        FZ_FAIL("second SslExpandWriteKey failed: %s", fz_status_name(st));
    fz_track(w2);
    k->wk = w1;
    k->rk = w2;
    return true;
}

/* The exact record length for n plaintext bytes (conventions.md §5, §12). */
static DWORD record_len(const struct keys *k, DWORD n)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *l = &k->row->len;

    if (l->dwFlags & NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING) {
        DWORD body = n + l->dwFixedTrailerLen, b = l->dwMaxVariableTrailerLen;
        return k->hdr + l->dwHeaderLen + (body / b + 1) * b;
    }
    return k->hdr + l->dwHeaderLen + n + l->dwFixedTrailerLen;
}

/* The largest plaintext a record of cb bytes can hold, as the provider sizes its output. */
static DWORD max_plain(const struct keys *k, DWORD cb)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *l = &k->row->len;
    DWORD over = k->hdr + l->dwHeaderLen + l->dwFixedTrailerLen +
                 ((l->dwFlags & NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING) ? 1 : 0);

    return cb > over ? cb - over : 0;
}

static void blob_of(const struct keys *k, NCRYPT_KEY_HANDLE h, uint8_t *out, DWORD *cb)
{
    *cb = fz_opaque(prov, h, out, 512);
}

static void same_blob(const char *call, SECURITY_STATUS st, const uint8_t *a, DWORD ca,
                      const uint8_t *b, DWORD cbb)
{
    if (ca != 0 && cbb != 0 && (ca != cbb || memcmp(a, b, ca) != 0))
        FZ_FAIL("%s failed with %s and changed the key (its OpaqueKeyBlob differs)", call,
                fz_status_name(st));
}

/* Place len bytes of src in work at a layout chosen by the input, for an output of cb_out
 * bytes: returns the input pointer, sets *out. */
static uint8_t *layout(struct fz_in *in, int kind, DWORD inplace_off, const uint8_t *src,
                       DWORD len, DWORD cb_out, uint8_t **out, bool encrypt)
{
    uint8_t *ip;
    DWORD k;

    switch (kind) {
    case 0: /* separate buffers */
        *out = work;
        ip = work + BUF;
        break;
    case 1: /* the Windows in-place layout */
        if (encrypt) {
            *out = work;
            ip = work + inplace_off;
        } else {
            ip = work;
            *out = work + inplace_off;
        }
        break;
    case 2: /* the same address */
        ip = *out = work;
        break;
    default: /* any other overlap, either way round */
        k = fz_u16(in) % (len + cb_out + 1);
        if (fz_bool(in)) {
            *out = work;
            ip = work + k;
        } else {
            ip = work;
            *out = work + k;
        }
        break;
    }
    memmove(ip, src, len);
    return ip;
}

static void check_header(const struct keys *k, const uint8_t *r, DWORD cb, DWORD type)
{
    DWORD ver = k->tls13 ? 0x0303 : k->row->protocol;
    DWORD body = cb - k->hdr;

    if (r[0] != (uint8_t)type || r[1] != (uint8_t)(ver >> 8) || r[2] != (uint8_t)ver ||
        r[k->hdr - 2] != (uint8_t)(body >> 8) || r[k->hdr - 1] != (uint8_t)body)
        FZ_FAIL("SslEncryptPacket wrote header %02x %02x%02x len %02x%02x for type %u, "
                "protocol 0x%04x, body %u", r[0], r[1], r[2], r[k->hdr - 2], r[k->hdr - 1],
                type, ver, body);
}

/* Decrypt rec[0..cb) (a genuine record of the plaintext p[0..n), or raw bytes when p is NULL)
 * in an input-chosen layout; genuine records must come back. */
static void decrypt(struct fz_in *in, struct keys *k, DWORD cb, uint64_t seq, const uint8_t *p,
                    DWORD n)
{
    DWORD inplace = k->hdr + k->row->len.dwHeaderLen, cb_out, res, ca, cbb;
    int kind = fz_u8(in) % 4;
    int32_t delta = (int8_t)fz_u8(in);
    bool tamper = p != NULL && fz_u8(in) % 4 == 0;
    DWORD flags = fz_u8(in) == 0xFF ? fz_u32(in) : 0;
    uint8_t *ip, *out;
    SECURITY_STATUS st;

    if (kind == 1)
        cb_out = fz_bool(in) || cb < inplace ? 0 : cb - inplace + delta;
    else
        cb_out = max_plain(k, cb) + delta;
    if ((int32_t)cb_out < 0)
        cb_out = 0;
    if (cb_out > BUF)
        cb_out = BUF;

    if (tamper) { /* one body byte changed: never decrypts (an authenticated record) */
        size_t at = k->hdr + fz_u16(in) % (cb - k->hdr);
        uint8_t x = fz_u8(in) | 1;

        memcpy(tmp, rec, cb);
        tmp[at] ^= x;
        blob_of(k, k->rk, blob_a, &ca);
        ip = layout(in, 0, inplace, tmp, cb, cb_out, &out, false);
        res = FZ_SENTINEL;
        FZ_CALL(st, "SslDecryptPacket", SET_DECRYPT,
                SslDecryptPacket(prov, k->rk, ip, cb, out, BUF, &res, seq, 0));
        if (st == SEC_E_OK)
            FZ_FAIL("SslDecryptPacket accepted a record with byte %zu changed (protocol 0x%04x, "
                    "suite 0x%04x)", at, k->row->protocol, k->row->suite);
        blob_of(k, k->rk, blob_b, &cbb);
        same_blob("SslDecryptPacket (tampered)", st, blob_a, ca, blob_b, cbb);
    }

    blob_of(k, k->rk, blob_a, &ca);
    ip = layout(in, kind, inplace, rec, cb, cb_out, &out, false);
    res = FZ_SENTINEL;
    FZ_CALL(st, "SslDecryptPacket", SET_DECRYPT,
            SslDecryptPacket(prov, k->rk, ip, cb, out, cb_out, &res, seq, flags));
    if (st == SEC_E_OK && res > cb_out)
        FZ_FAIL("SslDecryptPacket succeeded with *pcbResult %u > cbOutput %u (layout %d, protocol "
                "0x%04x, suite 0x%04x)", res, cb_out, kind, k->row->protocol, k->row->suite);
    if (st != SEC_E_OK) {
        if (res != FZ_SENTINEL && st != NTE_BUFFER_TOO_SMALL)
            FZ_FAIL("SslDecryptPacket failed with %s but set *pcbResult", fz_status_name(st));
        blob_of(k, k->rk, blob_b, &cbb);
        same_blob("SslDecryptPacket", st, blob_a, ca, blob_b, cbb);
    }
    if (p == NULL)
        return;
    if (st == SEC_E_OK) {
        if (res != n || memcmp(out, p, n) != 0)
            FZ_FAIL("SslDecryptPacket returned %u bytes, not the %u-byte plaintext (layout %d)", res, n, kind);
        return;
    }
    if (flags == 0 && ((kind != 1 && cb_out >= max_plain(k, cb)) || (kind == 1 && cb_out >= cb - inplace)))
        FZ_FAIL("SslDecryptPacket refused a genuine record with room (%s, layout %d, cbOutput %u, "
                "protocol 0x%04x, suite 0x%04x)", fz_status_name(st), kind, cb_out,
                k->row->protocol, k->row->suite);
    /* keep the read key in step with the write key: the same record, separately, with room */
    res = FZ_SENTINEL;
    FZ_CALL(st, "SslDecryptPacket", SET_DECRYPT,
            SslDecryptPacket(prov, k->rk, rec, cb, work, BUF, &res, seq, 0));
    if (st != SEC_E_OK || res != n || memcmp(work, p, n) != 0)
        FZ_FAIL("SslDecryptPacket of a genuine record into a separate buffer: %s, %u bytes",
                fz_status_name(st), res);
}

static void encrypt(struct fz_in *in, struct keys *k)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *l = &k->row->len;
    DWORD max_n = k->tls13 ? 16385 : 16384;
    bool small = fz_bool(in);
    DWORD n = fz_u16(in) % (small ? 64 : max_n + 2);
    DWORD type = fz_u8(in) == 0xFF ? fz_u32(in) : (DWORD)(k->tls13 ? 23 : 20 + fz_u8(in) % 4);
    uint64_t seq = fz_bool(in) ? fz_u64(in) : k->mark + fz_u8(in) % 3;
    int kind = fz_u8(in) % 4;
    int32_t delta = fz_bool(in) ? -(int32_t)(fz_u8(in) % 40) : (int32_t)(fz_u8(in) % 40);
    DWORD flags = fz_u8(in) == 0xFF ? fz_u32(in) : 0;
    DWORD inplace = k->hdr + l->dwHeaderLen, exact, cb_out, res, ca, cbb;
    uint8_t *ip, *out;
    SECURITY_STATUS st;
    bool valid;

    if (fz_bool(in))
        fz_bytes(in, plain, n);
    else
        fz_prng(n, plain, n);
    if (k->tls13 && n > 0)
        plain[n - 1] = 0x17; /* a TLSInnerPlaintext that ends in its type: the caller's business */
    exact = record_len(k, n);
    cb_out = (int32_t)exact + delta < 0 ? 0 : exact + delta;
    if (cb_out > BUF)
        cb_out = BUF;
    valid = flags == 0 && type <= 0xFF && n <= max_n && !(k->tls13 && n == 0) &&
            !(k->aead && seq < k->mark) && !seq_at_limit(k, seq) &&
            cb_out >= exact;

    blob_of(k, k->wk, blob_a, &ca);
    ip = layout(in, kind, inplace, plain, n, cb_out, &out, true);
    res = FZ_SENTINEL;
    FZ_CALL(st, "SslEncryptPacket", SET_ENCRYPT,
            SslEncryptPacket(prov, k->wk, ip, n, out, cb_out, &res, seq, type, flags));
    if (st != SEC_E_OK) {
        if (res != FZ_SENTINEL && st != NTE_BUFFER_TOO_SMALL)
            FZ_FAIL("SslEncryptPacket failed with %s but set *pcbResult", fz_status_name(st));
        blob_of(k, k->wk, blob_b, &cbb);
        same_blob("SslEncryptPacket", st, blob_a, ca, blob_b, cbb);
        if (valid)
            FZ_FAIL("SslEncryptPacket refused a well-formed call: %s (n %u, cbOutput %u >= %u, "
                    "seq %llu, mark %llu, layout %d, protocol 0x%04x, suite 0x%04x)",
                    fz_status_name(st), n, cb_out, exact, (unsigned long long)seq,
                    (unsigned long long)k->mark, kind, k->row->protocol, k->row->suite);
        return;
    }
    if (res > cb_out)
        FZ_FAIL("SslEncryptPacket succeeded with *pcbResult %u > cbOutput %u", res, cb_out);
    if (res != exact)
        FZ_FAIL("SslEncryptPacket wrote %u bytes, expected %u (n %u, protocol 0x%04x, suite 0x%04x)",
                res, exact, n, k->row->protocol, k->row->suite);
    if (seq_at_limit(k, seq))
        FZ_FAIL("SslEncryptPacket took sequence number 0x%llx, which no record can follow",
                (unsigned long long)seq);
    if (k->aead && seq < k->mark)
        FZ_FAIL("SslEncryptPacket took sequence number %llu below the mark %llu (nonce reuse)",
                (unsigned long long)seq, (unsigned long long)k->mark);
    if (flags != 0 || type > 0xFF)
        FZ_FAIL("SslEncryptPacket succeeded with flags 0x%x / content type 0x%x", flags, type);
    check_header(k, out, res, type);
    if (k->aead)
        k->mark = seq + 1;
    memcpy(rec, out, res);
    decrypt(in, k, res, seq, plain, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    struct keys k = {0};
    uint8_t secret[48], randoms[64];
    size_t th_len;
    const uint8_t *th;
    bool ok;

    if (nrows == 0)
        FZ_FAIL("no (protocol, suite) row answers SslLookupCipherLengths");
    k.row = &rows[fz_u16(&in) % nrows];
    k.tls13 = k.row->protocol == TLS1_3_PROTOCOL_VERSION;
    k.dtls = fz_is_dtls(k.row->protocol);
    k.hdr = k.dtls ? 13 : 5;
    k.aead = is_aead(k.row);
    fz_prng(fz_u64(&in), secret, sizeof(secret));
    fz_bytes(&in, randoms, sizeof(randoms));
    th = fz_slice(&in, 64, &th_len);

    if (fz_occurrences(data, size, secret, 16) == 0)
        fz_scan_begin(secret, 16);
    ok = k.tls13 ? keys13(&k, secret, 48, th, th_len) : keys12(&k, secret, randoms);
    for (int i = 0; ok && i < 6 && in.n > 0; i++) {
        if (fz_u8(&in) % 4 != 0) {
            encrypt(&in, &k);
        } else { /* raw bytes as a record, with a plausible header or not */
            size_t got;
            const uint8_t *raw = fz_take(&in, fz_u16(&in) % 600, &got);

            if (got < 1)
                break;
            memcpy(rec, raw, got);
            if (fz_bool(&in) && got > k.hdr) {
                rec[0] = 23;
                rec[1] = k.tls13 ? 3 : (uint8_t)(k.row->protocol >> 8);
                rec[2] = k.tls13 ? 3 : (uint8_t)k.row->protocol;
                rec[k.hdr - 2] = (uint8_t)((got - k.hdr) >> 8);
                rec[k.hdr - 1] = (uint8_t)(got - k.hdr);
            }
            decrypt(&in, &k, (DWORD)got, fz_u64(&in), NULL, 0);
        }
    }
    fz_release_all();
    if (fz_scan_end() != 0)
        FZ_FAIL("a block holding the %s was freed without being wiped (protocol 0x%04x, suite 0x%04x)",
                k.tls13 ? "PSK" : "master secret", k.row->protocol, k.row->suite);
    return 0;
}
