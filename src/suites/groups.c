#include <string.h>
#include <strings.h>
#include <openssl/obj_mac.h>
#include "groups.h"
#include "sslprovider.h"

#define ECK(n) (0x004B4345u | (uint32_t)(n) << 24) /* 'ECKn' little-endian */
#define ECS(n) (0x00534345u | (uint32_t)(n) << 24) /* 'ECSn' */

_Static_assert(BCRYPT_ECDH_PUBLIC_P256_MAGIC == ECK('1'), "ECK1");
_Static_assert(BCRYPT_ECDSA_PUBLIC_P521_MAGIC == ECS('5'), "ECS5");

/* The listed curves come first, in SslEnumEccCurves order. Windows lists only the first
 * three by default; all five are implemented groups here (conventions.md §8), so all five are
 * listed. */
static const struct group_info groups[] = {
    {.id = 29, .kind = GROUP_XDH, .keytype = "X25519", .ossl_group = "X25519", .nid = NID_X25519,
     .bits = 255, .elem_len = 32, .curve_name = "curve25519", .enum_name = "curve25519",
     .oid = "1.3.101.110"},
    {.id = 23, .kind = GROUP_NIST, .keytype = "EC", .ossl_group = "P-256", .nid = NID_X9_62_prime256v1,
     .bits = 256, .elem_len = 32, .ecdh_magic = ECK('1'), .ecdsa_magic = ECS('1'),
     .curve_name = "nistP256", .enum_name = "NistP256", .oid = "1.2.840.10045.3.1.7",
     .oid_der = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07}, .oid_der_len = 8},
    {.id = 24, .kind = GROUP_NIST, .keytype = "EC", .ossl_group = "P-384", .nid = NID_secp384r1,
     .bits = 384, .elem_len = 48, .ecdh_magic = ECK('3'), .ecdsa_magic = ECS('3'),
     .curve_name = "nistP384", .enum_name = "NistP384", .oid = "1.3.132.0.34",
     .oid_der = {0x2B, 0x81, 0x04, 0x00, 0x22}, .oid_der_len = 5},
    {.id = 25, .kind = GROUP_NIST, .keytype = "EC", .ossl_group = "P-521", .nid = NID_secp521r1,
     .bits = 521, .elem_len = 66, .ecdh_magic = ECK('5'), .ecdsa_magic = ECS('5'),
     .curve_name = "nistP521", .enum_name = "NistP521", .oid = "1.3.132.0.35",
     .oid_der = {0x2B, 0x81, 0x04, 0x00, 0x23}, .oid_der_len = 5},
    {.id = 30, .kind = GROUP_XDH, .keytype = "X448", .ossl_group = "X448", .nid = NID_X448,
     .bits = 448, .elem_len = 56, .curve_name = "curve448", .enum_name = "curve448",
     .oid = "1.3.101.111"},
    /* RFC 7919; the key types equal the IANA NamedGroup code points 0x0100..0x0104 */
    {.id = 256, .kind = GROUP_FFDHE, .keytype = "DH", .ossl_group = "ffdhe2048", .bits = 2048, .elem_len = 256},
    {.id = 257, .kind = GROUP_FFDHE, .keytype = "DH", .ossl_group = "ffdhe3072", .bits = 3072, .elem_len = 384},
    {.id = 258, .kind = GROUP_FFDHE, .keytype = "DH", .ossl_group = "ffdhe4096", .bits = 4096, .elem_len = 512},
    {.id = 259, .kind = GROUP_FFDHE, .keytype = "DH", .ossl_group = "ffdhe6144", .bits = 6144, .elem_len = 768},
    {.id = 260, .kind = GROUP_FFDHE, .keytype = "DH", .ossl_group = "ffdhe8192", .bits = 8192, .elem_len = 1024},
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

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

const struct group_info *group_nist_by_nid(int nid)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].kind == GROUP_NIST && groups[i].nid == nid)
            return &groups[i];
    return NULL;
}

const struct group_info *group_nist_by_oid(const uint8_t *oid, size_t len)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].kind == GROUP_NIST && groups[i].oid_der_len == len &&
            memcmp(groups[i].oid_der, oid, len) == 0)
            return &groups[i];
    return NULL;
}

size_t group_wire_len(const struct group_info *g)
{
    /* NIST: uncompressed point 0x04 || X || Y (RFC 8446 §4.2.8.2) */
    return g->kind == GROUP_NIST ? 1 + 2 * g->elem_len : g->elem_len;
}

const struct group_info *group_listed_at(size_t i)
{
    return i < N_GROUPS && groups[i].enum_name != NULL ? &groups[i] : NULL;
}
