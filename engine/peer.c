/* The server's certificate: libcrypto parses it and checks the chain and the name (X.509 is
 * what the provider does not cover); its public key then enters the provider
 * (SslImportKey of a BCRYPT_RSAPUBLIC_BLOB or BCRYPT_ECCPUBLIC_BLOB), and every handshake
 * signature is checked there with SslVerifySignature (conventions.md §13). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "engine_int.h"
#include "tls_writer.h"

/* What we offer in signature_algorithms, in preference order (RFC 8446 §4.2.3). rsa_pkcs1_*
 * only for TLS 1.2 (RFC 8446 §4.4.3 forbids them in CertificateVerify). */
const uint16_t tls_sig_algs[] = {
    0x0403, 0x0503, 0x0603,         /* ecdsa_secp256r1_sha256, _secp384r1_sha384, _secp521r1_sha512 */
    0x0804, 0x0805, 0x0806,         /* rsa_pss_rsae_sha256, _sha384, _sha512 */
    0x0401, 0x0501, 0x0601,         /* rsa_pkcs1_sha256, _sha384, _sha512 */
};
const size_t tls_n_sig_algs = sizeof(tls_sig_algs) / sizeof(tls_sig_algs[0]);

#define SHA256_W (const WCHAR *)u"SHA256"
#define SHA384_W (const WCHAR *)u"SHA384"
#define SHA512_W (const WCHAR *)u"SHA512"

const WCHAR *scheme_hash(uint16_t scheme, uint32_t *len)
{
    switch (scheme & 0x00FF) {
    case 0x03: /* ecdsa */
    case 0x01: /* rsa_pkcs1 */
        break;
    default:
        if (scheme >> 8 != 0x08)
            return NULL;
    }
    switch (scheme) {
    case 0x0403: case 0x0401: case 0x0804: *len = 32; return SHA256_W;
    case 0x0503: case 0x0501: case 0x0805: *len = 48; return SHA384_W;
    case 0x0603: case 0x0601: case 0x0806: *len = 64; return SHA512_W;
    default: return NULL;
    }
}

static bool is_ecdsa(uint16_t s) { return (s & 0xFF) == 0x03; }
static bool is_pss(uint16_t s) { return s >> 8 == 0x08; }

/* Offered, fits the certificate's key and, in TLS 1.3, is allowed there and (ECDSA) names the
 * certificate's curve. */
bool scheme_allowed(struct tls_conn *c, uint16_t scheme, bool tls13)
{
    EVP_PKEY *pk = X509_get0_pubkey(c->peer);
    uint32_t len;
    bool offered = false;

    for (size_t i = 0; i < tls_n_sig_algs; i++)
        offered |= tls_sig_algs[i] == scheme;
    if (!offered || pk == NULL || scheme_hash(scheme, &len) == NULL)
        return false;
    if (tls13 && !is_ecdsa(scheme) && !is_pss(scheme))
        return false;
    if (is_ecdsa(scheme)) {
        if (!EVP_PKEY_is_a(pk, "EC"))
            return false;
        if (tls13) {
            int bits = EVP_PKEY_get_bits(pk);
            return (scheme == 0x0403 && bits == 256) || (scheme == 0x0503 && bits == 384) ||
                   (scheme == 0x0603 && bits == 521);
        }
        return true;
    }
    return EVP_PKEY_is_a(pk, "RSA");
}

static const char *cert_step(const struct tls_conn *c);

/* The certificate's key into the provider. */
static int import_key(struct tls_conn *c)
{
    EVP_PKEY *pk = X509_get0_pubkey(c->peer);
    uint8_t blob[sizeof(BCRYPT_RSAKEY_BLOB) + 8 + 2048];
    size_t blob_len = 0;
    SECURITY_STATUS st;
    LPCWSTR type;

    if (pk != NULL && EVP_PKEY_is_a(pk, "RSA")) {
        BIGNUM *n = NULL, *e = NULL;
        BCRYPT_RSAKEY_BLOB h = {.Magic = BCRYPT_RSAPUBLIC_MAGIC};

        if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
            EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
            BN_num_bytes(e) <= 8 && BN_num_bytes(n) <= 2048) {
            h.BitLength = (ULONG)BN_num_bits(n);
            h.cbPublicExp = (ULONG)BN_num_bytes(e);
            h.cbModulus = (ULONG)BN_num_bytes(n);
            memcpy(blob, &h, sizeof(h));
            BN_bn2bin(e, blob + sizeof(h));
            BN_bn2bin(n, blob + sizeof(h) + h.cbPublicExp);
            blob_len = sizeof(h) + h.cbPublicExp + h.cbModulus;
        }
        BN_free(n);
        BN_free(e);
        type = BCRYPT_RSAPUBLIC_BLOB;
    } else if (pk != NULL && EVP_PKEY_is_a(pk, "EC")) {
        uint8_t point[1 + 2 * 66];
        size_t point_len = 0;
        BCRYPT_ECCKEY_BLOB h = {0};

        switch (EVP_PKEY_get_bits(pk)) {
        case 256: h.dwMagic = BCRYPT_ECDSA_PUBLIC_P256_MAGIC; h.cbKey = 32; break;
        case 384: h.dwMagic = BCRYPT_ECDSA_PUBLIC_P384_MAGIC; h.cbKey = 48; break;
        case 521: h.dwMagic = BCRYPT_ECDSA_PUBLIC_P521_MAGIC; h.cbKey = 66; break;
        default: break;
        }
        if (h.cbKey != 0 &&
            EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                            &point_len) == 1 &&
            point_len == 1 + 2 * h.cbKey && point[0] == 0x04) {
            memcpy(blob, &h, sizeof(h));
            memcpy(blob + sizeof(h), point + 1, 2 * h.cbKey);
            blob_len = sizeof(h) + 2 * h.cbKey;
        }
        type = BCRYPT_ECCPUBLIC_BLOB;
    } else {
        type = NULL;
    }
    if (blob_len == 0)
        return tls_fail(c, ALERT_UNSUPPORTED_CERTIFICATE, cert_step(c),
                        "a key we cannot use (RSA up to 16384 bits, ECDSA P-256/384/521)");
    st = SSLCALL(c, SslImportKey, c->prov, &c->peer_key, type, blob, (DWORD)blob_len, 0);
    return FAILED(st) ? tls_fail(c, ALERT_BAD_CERTIFICATE, cert_step(c),
                                 "SslImportKey refused its key (0x%08X)", (unsigned)st)
                      : 0;
}

bool tls_is_ip(const char *name)
{
    unsigned char ip[16];

    return inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
}

static int verify_alert(int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return ALERT_CERTIFICATE_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return ALERT_UNKNOWN_CA;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return ALERT_DECRYPT_ERROR;
    default:
        return ALERT_BAD_CERTIFICATE;
    }
}

/* Chain and name against the trust store (RFC 5280 path validation by X509_verify_cert;
 * RFC 6125 name check by X509_check_host / X509_check_ip_asc through the verify params). */
static const char *cert_step(const struct tls_conn *c)
{
    return c->server ? "client certificate" : "server certificate";
}

static int verify_chain(struct tls_conn *c)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    const char *name = c->server ? NULL : c->cfg.server_name;
    int ok = 0, err;

    if (ctx == NULL || X509_STORE_CTX_init(ctx, c->cfg.trust, c->peer, c->chain) != 1) {
        X509_STORE_CTX_free(ctx);
        return tls_fail(c, ALERT_INTERNAL_ERROR, "server certificate", "out of memory");
    }
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_purpose(param, c->server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
    if (name != NULL) {
        if (tls_is_ip(name))
            X509_VERIFY_PARAM_set1_ip_asc(param, name);
        else
            X509_VERIFY_PARAM_set1_host(param, name, 0);
    }
    ok = X509_verify_cert(ctx);
    err = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    if (ok == 1)
        return 0;
    if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return tls_fail(c, ALERT_BAD_CERTIFICATE, "server certificate",
                        "it is not valid for %s (use --sni NAME or --insecure)", name);
    return tls_fail(c, verify_alert(err), cert_step(c), "%s%s", X509_verify_cert_error_string(err),
                    c->server ? "" : " (use --cafile or --insecure)");
}

int peer_certificate(struct tls_conn *c, struct tls_rd body, bool tls13)
{
    struct hs_certs certs;
    struct tls_rd der, exts;
    const uint8_t *p;
    uint8_t alert;
    X509 *x;
    const char *step = cert_step(c);

    alert = hs_parse_certificate(body, tls13, &certs);
    if (alert != HS_OK)
        return tls_fail(c, alert, step, "a malformed Certificate message");
    /* a client that has none sends an empty list: certificate_required (RFC 8446 §4.4.2.4)
     * or handshake_failure (RFC 5246 §7.4.6) when we require one */
    if (certs.count == 0)
        return tls_fail(c, c->server ? (tls13 ? 116 : ALERT_HANDSHAKE_FAILURE)
                                     : (tls13 ? ALERT_DECODE_ERROR : ALERT_HANDSHAKE_FAILURE),
                        step, c->server ? "the client sent none" : "the server sent none");
    if (tls13 && certs.context.n != 0)
        return tls_fail(c, ALERT_ILLEGAL_PARAMETER, step,
                        "a certificate_request_context that is not ours");
    c->chain = sk_X509_new_null();
    if (c->chain == NULL)
        return tls_fail(c, ALERT_INTERNAL_ERROR, step, "out of memory");
    while (hs_cert_next(&certs, &der, &exts)) {
        p = der.p;
        x = d2i_X509(NULL, &p, (long)der.n);
        if (x == NULL || p != der.p + der.n) {
            X509_free(x);
            return tls_fail(c, ALERT_BAD_CERTIFICATE, step,
                            "a certificate that does not parse");
        }
        if (c->peer == NULL)
            c->peer = x;
        else if (sk_X509_push(c->chain, x) == 0) {
            X509_free(x);
            return tls_fail(c, ALERT_INTERNAL_ERROR, step, "out of memory");
        }
    }
    if (!c->cfg.insecure && verify_chain(c) != 0)
        return -1;
    return import_key(c);
}

/* SslVerifySignature takes, as Windows' Schannel passes it: RSA (PKCS#1 and PSS) the UTF-16
 * hash name || 0x0000 || digest with NCRYPT_SSL_SIGN_INCLUDE_HASHOID or _USE_PSS_PADDING;
 * ECDSA the digest alone and the DER signature as it came (conventions.md §13). */
int peer_verify(struct tls_conn *c, const char *step, uint16_t scheme, const uint8_t *digest,
                size_t digest_len, struct tls_rd sig)
{
    uint8_t value[2 * 8 + TLS_MAX_HASH];
    size_t value_len = 0;
    DWORD flags = 0;
    uint32_t hlen;
    const WCHAR *name = scheme_hash(scheme, &hlen);
    SECURITY_STATUS st;

    if (name == NULL || digest_len != hlen)
        return tls_fail(c, ALERT_INTERNAL_ERROR, step, "scheme 0x%04X", scheme);
    if (!is_ecdsa(scheme)) {
        size_t units = 0;

        while (name[units] != 0)
            units++;
        memcpy(value, name, (units + 1) * sizeof(WCHAR));
        value_len = (units + 1) * sizeof(WCHAR);
        flags = is_pss(scheme) ? NCRYPT_SSL_SIGN_USE_PSS_PADDING : NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
    }
    memcpy(value + value_len, digest, digest_len);
    value_len += digest_len;
    st = SSLCALL(c, SslVerifySignature, c->prov, c->peer_key, value, (DWORD)value_len,
                 (PBYTE)sig.p, (DWORD)sig.n, flags);
    if (FAILED(st))
        return tls_fail(c, ALERT_DECRYPT_ERROR, step, "the signature does not verify "
                        "(SslVerifySignature 0x%08X)", (unsigned)st);
    return 0;
}

bool tls_key_can(enum auth auth, int bits, uint16_t scheme, bool tls13)
{
    if (auth == AUTH_RSA)
        return is_pss(scheme) || (!tls13 && (scheme == 0x0401 || scheme == 0x0501 || scheme == 0x0601));
    if (!is_ecdsa(scheme))
        return false;
    if (!tls13)
        return scheme == 0x0403 || scheme == 0x0503 || scheme == 0x0603;
    return (scheme == 0x0403 && bits == 256) || (scheme == 0x0503 && bits == 384) ||
           (scheme == 0x0603 && bits == 521);
}

/* SslSignHash of digest for scheme (conventions.md §13: RSA takes the UTF-16 hash name ||
 * 0x0000 || digest with the PSS or HASHOID flag; ECDSA the digest, and gives r || s, which
 * the wire carries DER-encoded, RFC 3279 §2.2.3). */
int tls_sign(struct tls_conn *c, NCRYPT_KEY_HANDLE key, enum auth auth, uint16_t scheme,
             const uint8_t *digest, size_t dlen, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t value[2 * 8 + TLS_MAX_HASH], rs[2 * 66];
    size_t vlen = 0;
    DWORD flags = 0, sig_len = 0;
    uint32_t hlen;
    const WCHAR *name = scheme_hash(scheme, &hlen);
    struct tls_wr w;
    SECURITY_STATUS st;

    if (name == NULL || dlen != hlen)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "signature", "scheme 0x%04X", scheme);
    if (auth == AUTH_RSA) {
        size_t units = 0;

        while (name[units] != 0)
            units++;
        memcpy(value, name, (units + 1) * sizeof(WCHAR));
        vlen = (units + 1) * sizeof(WCHAR);
        flags = is_pss(scheme) ? NCRYPT_SSL_SIGN_USE_PSS_PADDING : NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
    }
    memcpy(value + vlen, digest, dlen);
    vlen += dlen;
    st = SSLCALL(c, SslSignHash, c->prov, key, value, (DWORD)vlen, auth == AUTH_RSA ? out : rs,
                 auth == AUTH_RSA ? (DWORD)cap : (DWORD)sizeof(rs), &sig_len, flags);
    if (FAILED(st))
        return tls_fail_status(c, "SslSignHash", st);
    if (auth == AUTH_RSA) {
        *out_len = sig_len;
        return 0;
    }
    /* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }: the content first, at out + 3,
     * then the header in front of it (one or two length bytes) */
    wr_init(&w, out + 3, cap > 3 ? cap - 3 : 0);
    for (int i = 0; i < 2; i++) {
        const uint8_t *v = rs + i * (sig_len / 2);
        size_t n = sig_len / 2;

        while (n > 1 && v[0] == 0)
            v++, n--;
        wr_u8(&w, 0x02);
        wr_u8(&w, (uint8_t)(n + (v[0] & 0x80 ? 1 : 0)));
        if (v[0] & 0x80)
            wr_u8(&w, 0);
        wr_bytes(&w, v, n);
    }
    if (w.err || w.n > 0xFF)
        return tls_fail(c, ALERT_INTERNAL_ERROR, "signature", "the DER encoding does not fit");
    if (w.n < 0x80) {
        out[1] = 0x30;
        out[2] = (uint8_t)w.n;
        memmove(out, out + 1, 2 + w.n);
        *out_len = 2 + w.n;
    } else {
        out[0] = 0x30;
        out[1] = 0x81;
        out[2] = (uint8_t)w.n;
        *out_len = 3 + w.n;
    }
    return 0;
}
