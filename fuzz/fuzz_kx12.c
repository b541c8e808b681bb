/* fuzz_kx12: the TLS <= 1.2 key schedule with fuzzed NCryptBufferDesc parameter lists, flags,
 * RSA ciphertexts, labels and lengths: SslGeneratePreMasterKey, SslGenerateMasterKey (RSA
 * one- and two-step, X25519 ECDHE, PSK), SslImportMasterKey (RSA server), OpaqueKeyBlob master
 * keys, SslGenerateSessionKeys, SslComputeFinishedHash, SslComputeSessionHash,
 * SslExportKeyingMaterial.
 *
 * The RSA key pair is the fixed one of fuzz_keys.h, opened through sslprov_ext.h and
 * SslOpenPrivateKey; its public half goes through SslExportKey/SslImportKey.
 *
 * Invariants (docs/fuzzing.md): statuses in the documented sets; output handles 0 and no
 * object left by a failed call; *pcbResult untouched on failure (except the size answers);
 * deterministic derivations are deterministic (the same master key, Finished, exporter
 * output twice); RFC 5705 outputs of two lengths share their prefix; the reserved exporter
 * labels are refused; the PSK never stays in freed memory. */
#include "fuzz_common.h"
#include "fuzz_keys.h"

static NCRYPT_PROV_HANDLE prov;
static NCRYPT_KEY_HANDLE rsa_priv, rsa_pub;
static struct fz_row rows[512];
static size_t nrows;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    PCCERT_CONTEXT ctx = NULL;
    uint8_t pub[600];
    DWORD cb = 0;
    struct fz_row all[512];
    size_t n;

    (void)argc, (void)argv;
    fz_target = "fuzz_kx12";
    fz_install_allocator();
    prov = fz_open();
    n = fz_rows(prov, all, FZ_ARRAY_LEN(all));
    for (size_t i = 0; i < n; i++)
        if (all[i].protocol != TLS1_3_PROTOCOL_VERSION)
            rows[nrows++] = all[i];
    if (SslProvCreateCertificateContext((PBYTE)fk_rsa_der, sizeof(fk_rsa_der), &ctx) != SEC_E_OK ||
        SslProvAssociateCertificateKeyBlob((PBYTE)fk_rsa_der, sizeof(fk_rsa_der), (PBYTE)fk_rsa_kder,
                                           sizeof(fk_rsa_kder), 0) != SEC_E_OK ||
        SslOpenPrivateKey(prov, &rsa_priv, ctx, 0) != SEC_E_OK ||
        SslExportKey(prov, rsa_priv, BCRYPT_RSAPUBLIC_BLOB, pub, sizeof(pub), &cb, 0) != SEC_E_OK ||
        SslImportKey(prov, &rsa_pub, BCRYPT_RSAPUBLIC_BLOB, pub, cb, 0) != SEC_E_OK)
        FZ_FAIL("harness: the fixed RSA key does not load");
    SslProvFreeCertificateContext(ctx);
    ERR_clear_error();
    return 0;
}

/* A parameter list: a well-formed one for the call, then mutated by the input. */
struct params {
    NCryptBufferDesc desc;
    NCryptBuffer b[8];
    uint8_t store[8][80];
};

enum { P_RANDOMS = 1, P_VERSION = 2, P_HASH = 4 };

static PNCryptBufferDesc params(struct fz_in *in, struct params *p, unsigned want, DWORD version,
                                const uint8_t randoms[64], const uint8_t *hash, DWORD hash_len)
{
    uint8_t ctl = fz_u8(in);
    ULONG n = 0;

    /* every entry's bytes live in its own 80-byte store, so that a length the mutations below
     * make up (< 80) never points past real memory: the harness may lie about contents, not
     * about the size of what it hands over */
    memset(p, 0, sizeof(*p));
    if (want & P_RANDOMS) {
        memcpy(p->store[n], randoms, 32);
        p->b[n] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, p->store[n]};
        n++;
        memcpy(p->store[n], randoms + 32, 32);
        p->b[n] = (NCryptBuffer){32, NCRYPTBUFFER_SSL_SERVER_RANDOM, p->store[n]};
        n++;
    }
    if (want & P_VERSION) {
        fz_put32(p->store[n], version);
        p->b[n] = (NCryptBuffer){4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, p->store[n]};
        n++;
    }
    if ((want & P_HASH) && hash_len > 0 && hash_len <= sizeof(p->store[0])) {
        memcpy(p->store[n], hash, hash_len);
        p->b[n] = (NCryptBuffer){hash_len, NCRYPTBUFFER_SSL_SESSION_HASH, p->store[n]};
        n++;
    }
    p->desc = (NCryptBufferDesc){NCRYPTBUFFER_VERSION, n, p->b};
    if ((ctl & 3) != 3) /* three in four: the well-formed list */
        return &p->desc;
    for (int e = fz_u8(in) % 4; e > 0; e--) {
        uint8_t op = fz_u8(in);
        ULONG i = n > 0 ? fz_u8(in) % n : 0;

        switch (op % 7) {
        case 0: if (n > 0) p->b[i].cbBuffer = fz_u8(in) % 80; break;
        case 1: if (n > 0) p->b[i].pvBuffer = NULL; break;
        case 2: if (n > 0) p->b[i] = p->b[--n]; break;       /* drop one */
        case 3: if (n < 8) {                                   /* add one, maybe a duplicate */
                    ULONG cb = fz_u8(in) % 80;
                    fz_bytes(in, p->store[n], cb);
                    p->b[n] = (NCryptBuffer){cb, fz_u8(in) % 28, p->store[n]};
                    n++;
                }
                break;
        case 4: if (n > 0) p->b[i].BufferType = fz_u8(in); break;
        case 5: p->desc.ulVersion = fz_u8(in); break;
        default: if (n > 0 && p->b[i].pvBuffer != NULL) /* change a few leading bytes */
                     fz_bytes(in, p->b[i].pvBuffer, p->b[i].cbBuffer % 5);
                 break;
        }
    }
    p->desc.cBuffers = n;
    if (fz_u8(in) == 0xFF)
        return fz_bool(in) ? NULL : (p->desc.cBuffers = 3, p->desc.pBuffers = NULL, &p->desc);
    return &p->desc;
}

static DWORD flags_of(struct fz_in *in, DWORD usual)
{
    uint32_t f;

    if (fz_u8(in) < 0xF0)
        return usual;
    f = fz_u32(in);
    return fz_bool(in) ? f & 3 : f;
}

/* Master key per mode; *again says whether a second identical call must give the same key. */
static NCRYPT_KEY_HANDLE master(struct fz_in *in, const struct fz_row *r, int mode,
                                const uint8_t *secret, const uint8_t randoms[64], bool *again)
{
    uint8_t hash[64], out[300], blob[80], peer[40];
    DWORD hash_len = fz_bool(in) ? (fz_bool(in) ? 36 : 32 + 16 * (fz_u8(in) % 3)) : 0;
    struct params p;
    PNCryptBufferDesc d;
    NCRYPT_KEY_HANDLE mk = 0, mk2 = 0, priv = 0, pub = 0, pm = 0;
    DWORD cb = FZ_SENTINEL, cb_out, flags;
    SECURITY_STATUS st, st2;
    size_t n;
    const uint8_t *ct;

    fz_bytes(in, hash, sizeof(hash));
    *again = false;
    switch (mode) {
    case 0: /* PSK */
        FZ_CALL(st, "SslImportKey(TLS13PRESHAREDKEY)", SET_IMPORT,
                SslImportKey(prov, &priv, TLS_13_PRE_SHARED_KEY, (PBYTE)secret, 32, 0));
        if (st != SEC_E_OK)
            FZ_FAIL("a 32-byte PSK was refused: %s", fz_status_name(st));
        fz_track(priv);
        break;
    case 1: /* X25519: our key from the secret, the peer's share from the input */
        FZ_CALL(st, "SslProvImportEphemeralKey", SET_EPHEMERAL | S_BF,
                SslProvImportEphemeralKey(prov, &priv, 29, (PBYTE)secret, 32, 0));
        if (st != SEC_E_OK)
            FZ_FAIL("SslProvImportEphemeralKey(X25519) refused 32 bytes: %s", fz_status_name(st));
        fz_track(priv);
        fz_put32(peer, 29), fz_put32(peer + 4, 32);
        fz_bytes(in, peer + 8, 32);
        FZ_CALL(st, "SslImportKey(SSLECCPUBLICBLOB)", SET_IMPORT,
                SslImportKey(prov, &pub, SSL_ECCPUBLIC_BLOB, peer, 40, 0));
        fz_check_out("SslImportKey", st, pub);
        if (st != SEC_E_OK)
            return 0;
        fz_track(pub);
        break;
    case 2: /* RSA client, one step */
        pub = rsa_pub;
        break;
    case 3: /* RSA client, two steps */
        d = params(in, &p, P_VERSION, r->protocol, randoms, NULL, 0);
        cb_out = fz_bool(in) ? fz_u16(in) % 300 : 128;
        flags = flags_of(in, NCRYPT_SSL_CLIENT_FLAG);
        {
            BYTE *o = fz_bool(in) ? NULL : out;

            FZ_CALL(st, "SslGeneratePreMasterKey", SET_PREMASTER,
                    SslGeneratePreMasterKey(prov, rsa_pub, &pm, r->protocol, r->suite, d, o, cb_out, &cb, flags));
            fz_check_cb("SslGeneratePreMasterKey", st, o, cb_out, cb);
            if (st == SEC_E_OK && o == NULL && pm != 0)
                FZ_FAIL("SslGeneratePreMasterKey size query created a pre-master key");
        }
        if (st != SEC_E_OK || pm == 0) /* a size query may succeed without a key */
            return 0;
        fz_track(pm);
        priv = pm;
        pub = rsa_pub;
        break;
    case 4: { /* RSA server */
        ct = fz_slice(in, 300, &n);
        d = params(in, &p, P_RANDOMS | P_VERSION | (hash_len ? P_HASH : 0), r->protocol, randoms, hash, hash_len);
        flags = flags_of(in, NCRYPT_SSL_SERVER_FLAG);
        FZ_CALL(st, "SslImportMasterKey", SET_IMPORTMASTER,
                SslImportMasterKey(prov, rsa_priv, &mk, r->protocol, r->suite, d, (PBYTE)ct, (DWORD)n, flags));
        fz_check_out("SslImportMasterKey", st, mk);
        if (st == SEC_E_OK)
            fz_track(mk);
        return mk;
    }
    default: /* OpaqueKeyBlob */
        fz_master_blob(blob, r->protocol, r->suite, fz_bool(in), secret);
        if (fz_u8(in) >= 0xE0) {
            size_t at = fz_u8(in) % 80;
            blob[at] ^= fz_u8(in);
        }
        FZ_CALL(st, "SslImportKey(OpaqueKeyBlob)", SET_IMPORT,
                SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0));
        fz_check_out("SslImportKey", st, mk);
        if (st == SEC_E_OK)
            fz_track(mk);
        *again = false;
        return mk;
    }

    d = params(in, &p, P_RANDOMS | (mode >= 2 ? P_VERSION : 0) | (hash_len ? P_HASH : 0),
               r->protocol, randoms, hash, hash_len);
    flags = flags_of(in, fz_u8(in) % 8 == 7 ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG);
    cb_out = mode == 2 ? (fz_bool(in) ? fz_u16(in) % 300 : 128) : 0;
    {
        BYTE *o = mode == 2 && !fz_bool(in) ? out : NULL;
        DWORD *pcb = mode == 2 || fz_bool(in) ? &cb : NULL;

        FZ_CALL(st, "SslGenerateMasterKey", SET_MASTER,
                SslGenerateMasterKey(prov, priv, pub, &mk, r->protocol, r->suite, d, o, cb_out, pcb, flags));
        if (mode == 2 && o == NULL && st == SEC_E_OK && mk == 0)
            return 0; /* the RSA size query (conventions.md §1) */
        fz_check_out("SslGenerateMasterKey", st, mk);
        if (pcb != NULL && mode != 2) {
            if (st == SEC_E_OK && cb != 0)
                FZ_FAIL("SslGenerateMasterKey with a key hPrivateKey set *pcbResult to %u, not 0", cb);
        } else if (pcb != NULL) {
            fz_check_cb("SslGenerateMasterKey", st, o, cb_out, cb);
        }
        if (st != SEC_E_OK)
            return 0;
        fz_track(mk);
        if (mode == 0 || mode == 1) { /* deterministic: the same call, the same master key */
            FZ_CALL(st2, "SslGenerateMasterKey", SET_MASTER,
                    SslGenerateMasterKey(prov, priv, pub, &mk2, r->protocol, r->suite, d, NULL, 0, NULL, flags));
            if (st2 != SEC_E_OK)
                FZ_FAIL("SslGenerateMasterKey succeeded, then failed with %s on the same arguments",
                        fz_status_name(st2));
            fz_track(mk2);
            *again = true;
            {
                static uint8_t b1[200], b2[200];
                DWORD c1 = fz_opaque(prov, mk, b1, sizeof(b1)), c2 = fz_opaque(prov, mk2, b2, sizeof(b2));

                if (c1 != c2 || memcmp(b1, b2, c1) != 0)
                    FZ_FAIL("SslGenerateMasterKey: two identical calls gave different master keys");
            }
            fz_release(mk2);
        }
    }
    return mk;
}

static void finished(struct fz_in *in, const struct fz_row *r, NCRYPT_KEY_HANDLE mk)
{
    NCRYPT_HASH_HANDLE h = 0;
    DWORD proto = fz_u8(in) < 0xF0 ? r->protocol : fz_u16(in);
    DWORD suite = fz_u8(in) < 0xF0 ? r->suite : fz_u16(in);
    size_t n;
    const uint8_t *msg = fz_slice(in, 300, &n);
    uint8_t o1[128], o2[128], sh[128];
    DWORD cb = (12 + fz_u8(in)) % 80, flags = flags_of(in, 1 + fz_bool(in)), shlen = (32 + fz_u8(in)) % 70;
    DWORD res = FZ_SENTINEL;
    SECURITY_STATUS st, st2;

    FZ_CALL(st, "SslCreateHandshakeHash", SET_HASH, SslCreateHandshakeHash(prov, &h, proto, suite, 0));
    fz_check_out("SslCreateHandshakeHash", st, h);
    if (st != SEC_E_OK)
        return;
    fz_track(h);
    FZ_CALL(st, "SslHashHandshake", SET_HASH, SslHashHandshake(prov, h, (PBYTE)msg, (DWORD)n, 0));
    FZ_CALL(st, "SslComputeFinishedHash", SET_FINISHED, SslComputeFinishedHash(prov, mk, h, o1, cb, flags));
    if (st == SEC_E_OK) {
        FZ_CALL(st2, "SslComputeFinishedHash", SET_FINISHED, SslComputeFinishedHash(prov, mk, h, o2, cb, flags));
        if (st2 != SEC_E_OK || memcmp(o1, o2, cb) != 0)
            FZ_FAIL("SslComputeFinishedHash is not repeatable on one transcript (%s)", fz_status_name(st2));
    }
    {
        BYTE *o = fz_bool(in) ? sh : NULL;
        DWORD f = flags_of(in, 0);

        FZ_CALL(st, "SslComputeSessionHash", SET_SESSIONHASH,
                SslComputeSessionHash(prov, h, proto, o, shlen, &res, f));
        fz_check_cb("SslComputeSessionHash", st, o, shlen, res);
    }
    fz_release(h);
}

static const char *const reserved[] = {"client finished", "server finished", "master secret",
                                       "extended master secret", "key expansion"};

static void exporter(struct fz_in *in, NCRYPT_KEY_HANDLE mk, const uint8_t randoms[64])
{
    char label[64];
    uint8_t ctx[40], o1[300], o2[300];
    size_t ln = fz_u8(in) % 40;
    DWORD cbr = fz_u8(in) < 0xF0 ? 64 : fz_u8(in), cb = 1 + fz_u16(in) % 256, flags = flags_of(in, 0);
    WORD cbc = fz_u8(in) % 40;
    bool has_ctx = fz_bool(in), res_label = fz_u8(in) % 8 == 7;
    SECURITY_STATUS st, st2;

    if (res_label) {
        snprintf(label, sizeof(label), "%s", reserved[fz_u8(in) % 5]);
    } else {
        fz_bytes(in, (uint8_t *)label, ln);
        label[ln] = '\0';
    }
    fz_bytes(in, ctx, sizeof(ctx));
    FZ_CALL(st, "SslExportKeyingMaterial", SET_EKM,
            SslExportKeyingMaterial(prov, mk, label, cbr == 64 ? (PBYTE)randoms : (cbr ? ctx : NULL), cbr,
                                    has_ctx ? ctx : NULL, has_ctx ? cbc : 0, o1, cb, flags));
    if (st == SEC_E_OK && res_label)
        FZ_FAIL("SslExportKeyingMaterial accepted the reserved label \"%s\"", label);
    if (st != SEC_E_OK)
        return;
    /* RFC 5705 is a PRF: a shorter output is the prefix of a longer one; and repeatable */
    FZ_CALL(st2, "SslExportKeyingMaterial", SET_EKM,
            SslExportKeyingMaterial(prov, mk, label, cbr == 64 ? (PBYTE)randoms : (cbr ? ctx : NULL), cbr,
                                    has_ctx ? ctx : NULL, has_ctx ? cbc : 0, o2, cb + 17, flags));
    if (st2 != SEC_E_OK || memcmp(o1, o2, cb) != 0)
        FZ_FAIL("SslExportKeyingMaterial: %u bytes are not the prefix of %u bytes (%s)", cb, cb + 17,
                fz_status_name(st2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    const struct fz_row *r;
    uint8_t secret[48], randoms[64];
    int mode;
    bool again;
    NCRYPT_KEY_HANDLE mk, rk = 0, wk = 0;
    struct params p;
    SECURITY_STATUS st;

    if (nrows == 0)
        FZ_FAIL("no TLS <= 1.2 row answers SslLookupCipherLengths");
    r = &rows[fz_u16(&in) % nrows];
    mode = fz_u8(&in) % 6;
    fz_prng(fz_u64(&in), secret, sizeof(secret));
    fz_bytes(&in, randoms, sizeof(randoms));
    if (fz_occurrences(data, size, secret, 16) == 0)
        fz_scan_begin(secret, 16);

    mk = master(&in, r, mode, secret, randoms, &again);
    if (mk != 0) {
        PNCryptBufferDesc d = params(&in, &p, P_RANDOMS, r->protocol, randoms, NULL, 0);
        DWORD flags = flags_of(&in, 0);

        FZ_CALL(st, "SslGenerateSessionKeys", SET_SESSIONKEYS,
                SslGenerateSessionKeys(prov, mk, &rk, &wk, d, flags));
        fz_check_out("SslGenerateSessionKeys", st, rk);
        fz_check_out("SslGenerateSessionKeys", st, wk);
        if (st == SEC_E_OK) {
            if (flags != 0)
                FZ_FAIL("SslGenerateSessionKeys succeeded with flags 0x%x", flags);
            fz_track(rk), fz_track(wk);
        }
        for (int i = 0; i < 3 && in.n > 0; i++) {
            if (fz_bool(&in))
                finished(&in, r, mk);
            else
                exporter(&in, mk, randoms);
        }
    }
    fz_release_all();
    if (fz_scan_end() != 0)
        FZ_FAIL("a block holding the %s was freed without being wiped (mode %d, protocol 0x%04x, "
                "suite 0x%04x)", mode == 0 ? "PSK" : mode == 1 ? "X25519 private key" : "master secret",
                mode, r->protocol, r->suite);
    return 0;
}
