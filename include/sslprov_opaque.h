/*
 * sslprov_opaque.h - the layout of an OpaqueKeyBlob (BCRYPT_OPAQUE_KEY_BLOB, what
 * SslExportKey writes and SslImportKey reads): Windows' 80-byte header and the payload sslprov
 * writes after it. One definition, used by the library's codec, the sslprov CLI, the tests,
 * and anyone who reads or writes these blobs themselves (to decrypt a capture, say). Every
 * field is a little-endian DWORD. See docs/keys.md "OpaqueKeyBlob".
 *
 *   'ssl5' (TLS <= 1.2 master key): the header alone; the master secret at IV, 48 bytes;
 *          FLAG 1 client / 0 server.
 *   'ssl3' (session key, TLS 1.3 secret, write key or PSK): the header, then 'KDBM' v1 (magic,
 *          version, key length) and the key; for session keys the MAC key after it and for
 *          AEAD session keys and TLS 1.3 write keys the 8-byte little-endian sequence mark
 *          (the lowest sequence number still allowed). FLAG 1 read / 0 write; IVLEN and IV the
 *          fixed IV (SSL 3.0 / TLS 1.0 CBC: the current residue); KEYTYPE the TLS 1.3 stage.
 *
 * Part of sslprov, an implementation of the Windows CNG SSL Protocol Provider API.
 */
#ifndef SSLPROV_OPAQUE_H_PUBLIC
#define SSLPROV_OPAQUE_H_PUBLIC

/* The header's fields, in order: name, offset, what it holds. */
#define SSLPROV_OPAQUE_FIELDS(X)                                                             \
    X(TOTAL, 0x00, "bytes in the whole blob ('ssl5': 80)")                                   \
    X(MAGIC, 0x04, "'ssl5' or 'ssl3'")                                                       \
    X(PROTOCOL, 0x08, "protocol (SSL2_PROTOCOL_VERSION ... TLS1_3_PROTOCOL_VERSION, DTLS)")   \
    X(SUITE, 0x0C, "cipher suite (0 for a TLS 1.3 PSK not yet used)")                        \
    X(FLAG, 0x10, "'ssl5': 1 client / 0 server; 'ssl3': 1 read / 0 write")                   \
    X(PAYLOAD, 0x14, "bytes after the header")                                               \
    X(IVLEN, 0x18, "bytes of IV used")                                                       \
    X(IV, 0x1C, "48 bytes: the master secret ('ssl5') or the fixed IV ('ssl3')")             \
    X(KEYTYPE, 0x4C, "TLS 1.3 stage of an 'ssl3' secret; 0 otherwise")

enum sslprov_opaque_offset {
#define SSLPROV_OPAQUE_OFFSET_(name, offset, what) SSLPROV_OPAQUE_##name = offset,
    SSLPROV_OPAQUE_FIELDS(SSLPROV_OPAQUE_OFFSET_)
#undef SSLPROV_OPAQUE_OFFSET_
};

#define SSLPROV_OPAQUE_HEADER_LEN 80
#define SSLPROV_OPAQUE_IV_MAX 48
#define SSLPROV_OPAQUE_MAGIC_SSL5 0x73736C35u /* 'ssl5' */
#define SSLPROV_OPAQUE_MAGIC_SSL3 0x73736C33u /* 'ssl3' */

/* The 'KDBM' block after an 'ssl3' header. */
#define SSLPROV_KDBM_MAGIC 0x4D42444Bu         /* 'KDBM' */
#define SSLPROV_KDBM_VERSION 1
#define SSLPROV_KDBM_OFF_KEYLEN 8              /* from the block's start */
#define SSLPROV_KDBM_HEADER_LEN 12             /* magic, version, key length; the key follows */
#define SSLPROV_OPAQUE_SEQ_MARK_LEN 8
/* In an 'ssl3' blob: where the key's length and the key itself are. */
#define SSLPROV_OPAQUE_KDBM_KEYLEN (SSLPROV_OPAQUE_HEADER_LEN + SSLPROV_KDBM_OFF_KEYLEN)
#define SSLPROV_OPAQUE_KDBM_KEY (SSLPROV_OPAQUE_HEADER_LEN + SSLPROV_KDBM_HEADER_LEN)

#endif
