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

/* ---- Groups (the table: src/suites/groups.c) ---- */

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
