/* THE named-group table (conventions.md §8, api.md §3.8, C1, C5): every group sslprov knows —
 * the five curves SslEnumEccCurves lists, and the RFC 7919 finite-field groups — with what
 * each part of the provider needs of it: the IANA id, OpenSSL's names, sizes, the CNG blob
 * magics and names, the OID. Key exchange, blobs, key properties, enumeration, suite lookup
 * and private-key parsing all read this one table. */
#ifndef SSLPROV_GROUPS_H
#define SSLPROV_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum group_kind { GROUP_NIST, GROUP_XDH, GROUP_FFDHE };

struct group_info {
    uint32_t id;            /* IANA NamedGroup = dwCurveType (FFDHE: 256..260 =
                               TLS_FFDHE*_KEY_TYPE) */
    enum group_kind kind;
    const char *keytype;    /* OpenSSL key type: "EC", "X25519", "X448", "DH" */
    const char *ossl_group; /* OpenSSL group name: "P-256", "X25519", "ffdhe2048", ... */
    int nid;                /* OpenSSL NID (NIST curves: certificates' keys, api.md C1) */
    uint32_t bits;          /* Length property and dwPublicKeyLength: 256/384/521, 255/448,
                               2048.. (255 for curve25519 is api.md OQ-ECC-1's answer) */
    size_t elem_len;        /* NIST: coordinate bytes; XDH: key bytes; FFDHE: |p| bytes */
    uint32_t ecdh_magic;    /* BCRYPT_ECCPUBLIC_BLOB magics (NIST only) */
    uint32_t ecdsa_magic;
    const char *curve_name; /* ECCCurveName property: "nistP256", "curve25519"; NULL for FFDHE */
    const char *enum_name;  /* SslEnumEccCurves szCurveName: "NistP256", ...; NULL: not listed */
    const char *oid;        /* szOID, dotted; NULL for FFDHE */
    uint8_t oid_der[8];     /* the OBJECT IDENTIFIER's contents (NIST curves), as keys carry it */
    uint8_t oid_der_len;
};

const struct group_info *group_by_id(uint32_t id);
/* By OpenSSL group name (case-insensitive), e.g. from OSSL_PKEY_PARAM_GROUP_NAME. */
const struct group_info *group_by_ossl_name(const char *name);
/* The RFC 7919 group of a DH modulus size in bits (2048..8192), NULL if none. */
const struct group_info *group_ffdhe_by_bits(uint32_t bits);
/* NIST curves by NID or by their OID's DER contents (private keys, certificates). */
const struct group_info *group_nist_by_nid(int nid);
const struct group_info *group_nist_by_oid(const uint8_t *oid, size_t len);
/* The TLS key_share / SSL_ECCPUBLIC_BLOB length of a group's public value. */
size_t group_wire_len(const struct group_info *g);
/* The i-th group SslEnumEccCurves lists, in its order; NULL past the end. */
const struct group_info *group_listed_at(size_t i);

#endif
