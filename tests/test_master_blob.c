/* OpaqueKeyBlob master keys ('ssl5'), the path by which Windows moves a master secret between
 * processes (behavior.md §4.4, conventions.md §7): a blob laid out byte by byte from that
 * table imports, exports back to the same bytes, and every malformed variant is refused
 * with NTE_BAD_DATA, leaving no object behind. */
#include <string.h>
#include "bytes.h"
#include "check.h"
#include "handles.h"
#include "sslprov_opaque.h"
#include "sslprovider.h"

/* The installed layout header, which the library, the CLI and the other tests use, against
 * the table of behavior.md §4.4 and conventions.md §7 spelled out here. */
_Static_assert(SSLPROV_OPAQUE_TOTAL == 0x00 && SSLPROV_OPAQUE_MAGIC == 0x04 &&
                   SSLPROV_OPAQUE_PROTOCOL == 0x08 && SSLPROV_OPAQUE_SUITE == 0x0C &&
                   SSLPROV_OPAQUE_FLAG == 0x10 && SSLPROV_OPAQUE_PAYLOAD == 0x14 &&
                   SSLPROV_OPAQUE_IVLEN == 0x18 && SSLPROV_OPAQUE_IV == 0x1C &&
                   SSLPROV_OPAQUE_KEYTYPE == 0x4C && SSLPROV_OPAQUE_HEADER_LEN == 80,
               "OpaqueKeyBlob header offsets (behavior.md 4.4)");
_Static_assert(SSLPROV_OPAQUE_MAGIC_SSL5 == 0x73736C35u && SSLPROV_OPAQUE_MAGIC_SSL3 == 0x73736C33u &&
                   SSLPROV_KDBM_MAGIC == 0x4D42444Bu && SSLPROV_KDBM_VERSION == 1 &&
                   SSLPROV_OPAQUE_KDBM_KEYLEN == 88 && SSLPROV_OPAQUE_KDBM_KEY == 92 &&
                   SSLPROV_OPAQUE_SEQ_MARK_LEN == 8,
               "OpaqueKeyBlob magics and the KDBM block (conventions.md 7)");

/* behavior.md §4.4: total, 'ssl5', protocol, suite, client flag, cbKeyBlob 0, 0x18, the
 * 48-byte master secret at 0x1C, 0x4C. */
static void make_blob(BYTE blob[80], DWORD protocol, DWORD suite, DWORD client, const BYTE ms[48])
{
    memset(blob, 0, 80);
    put32(blob + 0x00, 80);
    memcpy(blob + 0x04, "5lss", 4); /* 0x73736C35 little-endian, as it appears in memory */
    put32(blob + 0x08, protocol);
    put32(blob + 0x0C, suite);
    put32(blob + 0x10, client);
    memcpy(blob + 0x1C, ms, 48);
}

static void expect_bad(NCRYPT_PROV_HANDLE prov, const BYTE *blob, DWORD len, const char *what)
{
    NCRYPT_KEY_HANDLE h = 77;
    size_t live = handle_live_count();
    SECURITY_STATUS st = SslImportKey(prov, &h, BCRYPT_OPAQUE_KEY_BLOB, (PBYTE)blob, len, 0);

    if (st != NTE_BAD_DATA)
        fprintf(stderr, "%s: ", what);
    CHECK_ST(st, NTE_BAD_DATA);
    CHECK(h == 0);
    CHECK(handle_live_count() == live);
}

int main(void)
{
    NCRYPT_PROV_HANDLE prov;
    NCRYPT_KEY_HANDLE mk;
    BYTE ms[48], blob[80], bad[96], out[128];
    DWORD cb = 0;

    for (int i = 0; i < 48; i++)
        ms[i] = (BYTE)(0xA0 + i);
    CHECK_ST(SslOpenProvider(&prov, NULL, 0), SEC_E_OK);

    /* round trip, both sides, several protocols */
    static const DWORD cases[][3] = {
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1},
        {TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0},
        {TLS1_0_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_CBC_SHA, 1},
        {SSL3_PROTOCOL_VERSION, TLS_RSA_WITH_3DES_EDE_CBC_SHA, 0},
        {DTLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_blob(blob, cases[i][0], cases[i][1], cases[i][2], ms);
        CHECK_ST(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0), SEC_E_OK);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, NULL, 0, &cb, 0), SEC_E_OK);
        CHECK(cb == 80);
        cb = 0;
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, 79, &cb, 0), NTE_BUFFER_TOO_SMALL);
        CHECK(cb == 80);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), &cb, 0), SEC_E_OK);
        CHECK(cb == 80);
        CHECK_MEM(out, blob, 80);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), &cb, 1), NTE_BAD_FLAGS);
        CHECK_ST(SslExportKey(prov, mk, NULL, out, sizeof(out), &cb, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), NULL, 0), NTE_INVALID_PARAMETER);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_RSAPUBLIC_BLOB, out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
        CHECK_ST(SslExportKey(prov, mk, SSLP_WSTR("NoSuchBlob"), out, sizeof(out), &cb, 0), NTE_NOT_SUPPORTED);
        CHECK_ST(SslFreeObject(mk, 0), SEC_E_OK);
        CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), &cb, 0), NTE_INVALID_HANDLE);
    }

    /* Windows leaves its own DWORDs at 0x18 and 0x4C: accepted, exported as 0 */
    make_blob(blob, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, 0, ms);
    put32(blob + 0x18, 0x1234);
    put32(blob + 0x4C, 7);
    CHECK_ST(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0), SEC_E_OK);
    CHECK_ST(SslExportKey(prov, mk, BCRYPT_OPAQUE_KEY_BLOB, out, sizeof(out), &cb, 0), SEC_E_OK);
    CHECK(out[0x18] == 0 && out[0x4C] == 0 && memcmp(out + 0x1C, ms, 48) == 0);
    CHECK_ST(SslFreeObject(mk, 0), SEC_E_OK);

    /* negative twins */
    make_blob(blob, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1, ms);
    expect_bad(prov, blob, 79, "truncated");
    memcpy(bad, blob, 80);
    memset(bad + 80, 0, 16);
    expect_bad(prov, bad, 81, "extended");
    for (int off = 0; off < 0x18; off++) {
        if (off >= 0x10 && off < 0x11)
            continue; /* the client flag: 0/1 both valid, checked below */
        memcpy(bad, blob, 80);
        bad[off] ^= 0x40;
        expect_bad(prov, bad, 80, "flipped header byte");
    }
    memcpy(bad, blob, 80);
    put32(bad + 0x10, 2);
    expect_bad(prov, bad, 80, "flag 2");
    make_blob(bad, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 1, ms);
    expect_bad(prov, bad, 80, "TLS 1.3 master key");
    make_blob(bad, TLS1_0_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1, ms);
    expect_bad(prov, bad, 80, "suite not in protocol");
    /* known, lookup-only suites: no key operations (conventions.md §3) */
    make_blob(bad, TLS1_0_PROTOCOL_VERSION, TLS_RSA_EXPORT_WITH_RC4_40_MD5, 1, ms);
    CHECK_ST(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, bad, 80, 0), NTE_NOT_SUPPORTED);
    CHECK(mk == 0);
    make_blob(bad, SSL2_PROTOCOL_VERSION, SSL_CK_RC4_128_WITH_MD5, 1, ms);
    CHECK_ST(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, bad, 80, 0), NTE_NOT_SUPPORTED);
    make_blob(bad, 0x0305, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1, ms);
    expect_bad(prov, bad, 80, "unknown protocol");

    /* argument checks */
    CHECK_ST(SslImportKey(prov, NULL, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslImportKey(prov, &mk, NULL, blob, 80, 0), NTE_INVALID_PARAMETER);
    CHECK(mk == 0);
    CHECK_ST(SslImportKey(prov, &mk, BCRYPT_OPAQUE_KEY_BLOB, NULL, 80, 0), NTE_INVALID_PARAMETER);
    CHECK_ST(SslImportKey(prov, &mk, SSLP_WSTR("NoSuchBlob"), blob, 80, 0), NTE_NOT_SUPPORTED);
    CHECK_ST(SslImportKey(0, &mk, BCRYPT_OPAQUE_KEY_BLOB, blob, 80, 0), NTE_INVALID_HANDLE);

    CHECK_ST(SslFreeObject(prov, 0), SEC_E_OK);
    CHECK(handle_live_count() == 0);
    return check_summary();
}
