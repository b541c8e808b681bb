#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include "buffer.h"
#include "handles.h"
#include "keys.h"
#include "wstr.h"

void pkey_suite_filter(const struct pkey_object *key, struct suite_filter *out)
{
    out->cert = AUTH_NONE;
    out->rsa_decrypt = false;
    if (EVP_PKEY_is_a(key->pkey, "RSA") || EVP_PKEY_is_a(key->pkey, "RSA-PSS")) {
        out->cert = AUTH_RSA;
        /* RSA-PSS keys cannot decrypt a PKCS#1 v1.5 pre-master */
        out->rsa_decrypt = EVP_PKEY_is_a(key->pkey, "RSA");
    } else if (EVP_PKEY_is_a(key->pkey, "DSA")) {
        out->cert = AUTH_DSS;
    } else if (EVP_PKEY_is_a(key->pkey, "EC")) {
        out->cert = AUTH_ECDSA;
    }
}

static void pkey_object_destroy(struct object *obj)
{
    struct pkey_object *k = (struct pkey_object *)obj;

    EVP_PKEY_free(k->pkey);
    OPENSSL_clear_free(k, sizeof(*k));
}

SECURITY_STATUS pkey_object_create(struct provider *prov, enum obj_class cls, EVP_PKEY *pkey,
                                   uint32_t group, bool has_private, ULONG_PTR *out)
{
    struct pkey_object *k = OPENSSL_zalloc(sizeof(*k));
    SECURITY_STATUS st;

    *out = 0;
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return NTE_NO_MEMORY;
    }
    obj_init(&k->hdr, cls, prov, pkey_object_destroy);
    k->pkey = pkey;
    k->group = group;
    k->has_private = has_private;
    if ((st = handle_create(&k->hdr, out)) != SEC_E_OK)
        obj_unref(&k->hdr);
    return st;
}

/* ---- Groups ---- */

#define ECK(n) (0x004B4345u | (uint32_t)(n) << 24) /* 'ECKn' little-endian */
#define ECS(n) (0x00534345u | (uint32_t)(n) << 24) /* 'ECSn' */

static const struct group_info groups[] = {
    {23, GROUP_NIST, "EC", "P-256", 256, 32, ECK('1'), ECS('1'), "nistP256"},
    {24, GROUP_NIST, "EC", "P-384", 384, 48, ECK('3'), ECS('3'), "nistP384"},
    {25, GROUP_NIST, "EC", "P-521", 521, 66, ECK('5'), ECS('5'), "nistP521"},
    {29, GROUP_XDH, "X25519", "X25519", 255, 32, 0, 0, "curve25519"},
    {30, GROUP_XDH, "X448", "X448", 448, 56, 0, 0, "curve448"},
    /* RFC 7919; the key types equal the IANA NamedGroup code points 0x0100..0x0104 */
    {256, GROUP_FFDHE, "DH", "ffdhe2048", 2048, 256, 0, 0, NULL},
    {257, GROUP_FFDHE, "DH", "ffdhe3072", 3072, 384, 0, 0, NULL},
    {258, GROUP_FFDHE, "DH", "ffdhe4096", 4096, 512, 0, 0, NULL},
    {259, GROUP_FFDHE, "DH", "ffdhe6144", 6144, 768, 0, 0, NULL},
    {260, GROUP_FFDHE, "DH", "ffdhe8192", 8192, 1024, 0, 0, NULL},
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

_Static_assert(BCRYPT_ECDH_PUBLIC_P256_MAGIC == ECK('1'), "ECK1");
_Static_assert(BCRYPT_ECDSA_PUBLIC_P521_MAGIC == ECS('5'), "ECS5");

const struct group_info *group_by_id(uint32_t id)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].id == id)
            return &groups[i];
    return NULL;
}

/* OpenSSL reports NIST curves by their SEC/X9.62 short names. */
static const char *const nist_aliases[][2] = {
    {"prime256v1", "P-256"}, {"secp256r1", "P-256"}, {"secp384r1", "P-384"},
    {"secp521r1", "P-521"},
};

const struct group_info *group_by_ossl_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(nist_aliases) / sizeof(nist_aliases[0]); i++)
        if (strcasecmp(name, nist_aliases[i][0]) == 0)
            name = nist_aliases[i][1];
    for (size_t i = 0; i < N_GROUPS; i++)
        if (strcasecmp(groups[i].ossl_group, name) == 0)
            return &groups[i];
    return NULL;
}

const struct group_info *group_ffdhe_by_bits(uint32_t bits)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].kind == GROUP_FFDHE && groups[i].bits == bits)
            return &groups[i];
    return NULL;
}

size_t group_wire_len(const struct group_info *g)
{
    /* NIST: uncompressed point 0x04 || X || Y (RFC 8446 §4.2.8.2) */
    return g->kind == GROUP_NIST ? 1 + 2 * g->elem_len : g->elem_len;
}

const struct group_info *pkey_group(EVP_PKEY *pkey)
{
    char name[64];
    size_t len;

    if (EVP_PKEY_is_a(pkey, "X25519"))
        return group_by_id(TLS_ECC_X25519_CURVE_KEY_TYPE);
    if (EVP_PKEY_is_a(pkey, "X448"))
        return group_by_id(TLS_ECC_X448_CURVE_KEY_TYPE);
    if (!EVP_PKEY_is_a(pkey, "EC") && !EVP_PKEY_is_a(pkey, "DH"))
        return NULL;
    /* DH: OpenSSL recognises the RFC 7919 groups from p and g (and then knows q) */
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                       &len) != 1)
        return NULL;
    return group_by_ossl_name(name);
}

/* ---- SslGetKeyProperty ---- */

enum key_alg { ALG_OTHER, ALG_RSA, ALG_DSA, ALG_EC, ALG_XDH, ALG_DH };

static enum key_alg pkey_alg(EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return ALG_RSA;
    if (EVP_PKEY_is_a(pkey, "DSA"))
        return ALG_DSA;
    if (EVP_PKEY_is_a(pkey, "EC"))
        return ALG_EC;
    if (EVP_PKEY_is_a(pkey, "X25519") || EVP_PKEY_is_a(pkey, "X448"))
        return ALG_XDH;
    if (EVP_PKEY_is_a(pkey, "DH"))
        return ALG_DH;
    return ALG_OTHER;
}

static SECURITY_STATUS prop_dword(uint32_t v, uint8_t **value, size_t *len)
{
    if ((*value = buffer_alloc(BUF_PLAIN, sizeof(v))) == NULL)
        return NTE_NO_MEMORY;
    memcpy(*value, &v, sizeof(v));
    *len = sizeof(v);
    return SEC_E_OK;
}

/* A UTF-16 string with its terminator, as NCryptGetProperty returns strings. */
static SECURITY_STATUS prop_string(const char *s, uint8_t **value, size_t *len)
{
    size_t n = strlen(s) + 1;
    WCHAR *w;

    if ((w = buffer_alloc(BUF_PLAIN, n * sizeof(WCHAR))) == NULL)
        return NTE_NO_MEMORY;
    wstr_from_ascii(w, n, s);
    *value = (uint8_t *)w;
    *len = n * sizeof(WCHAR);
    return SEC_E_OK;
}

static const char *prop_algorithm_group(const struct pkey_object *k, enum key_alg a)
{
    static const char *const names[] = {
        [ALG_RSA] = "RSA", [ALG_DSA] = "DSA", [ALG_XDH] = "ECDH", [ALG_DH] = "DH",
    };

    if (a == ALG_EC)
        return k->hdr.cls == OBJ_PRIVATE ? "ECDSA" : "ECDH";
    return names[a];
}

/* BCRYPT_*_ALGORITHM names: ECDSA_P256 for certificate keys, ECDH_P256 for shares. */
static const char *prop_algorithm_name(const struct pkey_object *k, enum key_alg a,
                                       const struct group_info *g, char *buf, size_t cap)
{
    if (a != ALG_EC)
        return prop_algorithm_group(k, a);
    if (g == NULL)
        return NULL;
    snprintf(buf, cap, "%s_P%u", prop_algorithm_group(k, a), (unsigned)g->bits);
    return buf;
}

/* NCRYPT_ALLOW_*: what the key may do in this API. */
static uint32_t prop_key_usage(EVP_PKEY *pkey, enum key_alg a)
{
    if (a == ALG_RSA && EVP_PKEY_is_a(pkey, "RSA"))
        return NCRYPT_ALLOW_DECRYPT_FLAG | NCRYPT_ALLOW_SIGNING_FLAG;
    return NCRYPT_ALLOW_SIGNING_FLAG;
}

static SECURITY_STATUS pkey_property(const struct pkey_object *k, LPCWSTR name,
                                     uint8_t **value, size_t *len)
{
    enum key_alg a = pkey_alg(k->pkey);
    const struct group_info *g = group_by_id(k->group);
    char buf[32];
    const char *s;

    if (a == ALG_OTHER)
        return NTE_NOT_SUPPORTED;
    if (wstr_eq_ascii(name, "Algorithm Group"))
        return prop_string(prop_algorithm_group(k, a), value, len);
    if (wstr_eq_ascii(name, "Algorithm Name")) {
        if ((s = prop_algorithm_name(k, a, g, buf, sizeof(buf))) == NULL)
            return NTE_NOT_SUPPORTED;
        return prop_string(s, value, len);
    }
    if (wstr_eq_ascii(name, "Length") || wstr_eq_ascii(name, "PublicKeyLength")) {
        /* curves by their CNG size (X25519: 255), everything else by its modulus */
        if (g != NULL && g->kind != GROUP_FFDHE)
            return prop_dword(g->bits, value, len);
        return prop_dword((uint32_t)EVP_PKEY_get_bits(k->pkey), value, len);
    }
    if (wstr_eq_ascii(name, "ECCCurveName")) {
        if (g == NULL || g->curve_name == NULL)
            return NTE_NOT_SUPPORTED;
        return prop_string(g->curve_name, value, len);
    }
    if (wstr_eq_ascii(name, "Key Usage") && k->hdr.cls == OBJ_PRIVATE)
        return prop_dword(prop_key_usage(k->pkey, a), value, len);
    if (wstr_eq_ascii(name, "Export Policy"))
        return prop_dword(0, value, len); /* the private half never leaves */
    return NTE_NOT_SUPPORTED;
}

SECURITY_STATUS key_property(const struct object *obj, LPCWSTR name, uint8_t **value,
                             size_t *len)
{
    bool pkey = obj->cls == OBJ_PRIVATE || obj->cls == OBJ_PUBLIC || obj->cls == OBJ_EPHEMERAL;

    *value = NULL;
    *len = 0;
    /* KEYTYPE applies to any key (api.md C5): the group, 0 for anything not on one */
    if (wstr_eq_ascii(name, "KEYTYPE"))
        return prop_dword(pkey ? ((const struct pkey_object *)obj)->group : 0, value, len);
    if (!pkey)
        return NTE_NOT_SUPPORTED;
    return pkey_property((const struct pkey_object *)obj, name, value, len);
}
