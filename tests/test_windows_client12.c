/*
 * test_windows_client12.c - a complete TLS 1.2 (and 1.1, 1.0) client written the way Windows
 * programs that drive ncrypt's SSL Protocol Provider directly are written (behavior.md §1.1,
 * §1.2 and §8, conventions.md §1 "Output sizes", §5, §12 and §13), handshaking with OpenSSL's
 * libssl server in the same process. It is documentation for people porting such code: read
 * it top to bottom.
 *
 *  - Every secret comes from Ssl* calls: the transcript (SslCreateHandshakeHash,
 *    SslHashHandshake), the key exchange (SslImportKey, SslCreateEphemeralKey, SslExportKey,
 *    SslGeneratePreMasterKey), SslGenerateMasterKey called as Windows clients call it (pbOutput
 *    NULL, cbOutput 0, pcbResult NULL, except for one-step RSA), SslComputeSessionHash (EMS),
 *    SslGenerateSessionKeys, SslComputeFinishedHash, and records through SslEncryptPacket /
 *    SslDecryptPacket in place at Windows' offsets, buffers sized only from
 *    SslLookupCipherLengths (its lengths exclude the 5-byte record header, conventions.md §12).
 *  - Signatures, as Windows' Schannel uses the provider (behavior.md §8.1-8.4, S-CV12):
 *    the ServerKeyExchange signature is checked with SslVerifySignature, the server
 *    certificate's key imported with SslImportKey (BCRYPT_RSAPUBLIC_BLOB or
 *    BCRYPT_ECCPUBLIC_BLOB; sslprov's superset of Windows, docs/signatures.md), over a hash
 *    of client_random || server_random || params: rsa_pkcs1_* as UTF-16 name || 0x0000 ||
 *    digest with NCRYPT_SSL_SIGN_INCLUDE_HASHOID, rsa_pss_rsae_* the same with
 *    NCRYPT_SSL_SIGN_USE_PSS_PADDING, ECDSA the digest with flags 0 and the wire's DER
 *    signature as it is; TLS 1.0/1.1: RSA MD5 || SHA-1 (36 bytes) and ECDSA SHA-1 (20), flags
 *    0. libcrypto checks the same signature next to it; both must agree.
 *  - Client authentication (the server asks with a CertificateRequest): the certificate is a
 *    CERT_CONTEXT (SslProvCreateCertificateContext) whose key main() associates once
 *    (SslProvAssociateCertificateKeyBlob), opened with SslOpenPrivateKey as on Windows
 *    (docs/private-keys.md). TLS 1.2: right after ServerHello, one SslCreateClientAuthHash
 *    object per hash of our signature_algorithms (SHA256, SHA384, SHA512), fed every message
 *    in parallel with the transcript object - ClientHello, ..., CertificateRequest, our
 *    Certificate, ClientKeyExchange; the scheme is the first of the CertificateRequest's list
 *    our key can make; CertificateVerify = SslComputeClientAuthHash on that scheme's object,
 *    then SslSignHash (INCLUDE_HASHOID / PSS prefix as above; ECDSA flags 0, its r || s
 *    DER-encoded for TLS). TLS 1.0/1.1: SslComputeClientAuthHash on the transcript object with
 *    pszAlgId "RSA" (36 bytes, signed with flags 0) or "ECDSA" (20 bytes).
 *  - libcrypto stands in for what a Windows client gets from crypt32 and bcrypt: parsing the
 *    server certificate, hashing the ServerKeyExchange, DER-encoding ECDSA signatures,
 *    making the certificates, random bytes.
 *  - The server is libssl (TLS_server_method pinned to the case's version, self-signed
 *    certificates from tests/support/cert.c; for client authentication SSL_VERIFY_PEER |
 *    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, the client's certificate its one trust anchor, its
 *    CertificateRequest schemes set with SSL_CTX_set1_client_sigalgs_list and, to reach
 *    every ServerKeyExchange scheme, its own with SSL_CTX_set1_sigalgs_list) behind a BIO
 *    pair. It is non-blocking and stepped whenever we have written to it, so nothing ever
 *    waits; every loop is bounded. TLS 1.0 and 1.1 need "ALL:@SECLEVEL=0" on this OpenSSL 3.0
 *    (MD5 || SHA-1 and SHA-1 signatures); with it libssl negotiates both.
 *
 * Cases (table at the end): ECDHE_RSA on P-256, P-384, P-521 and X25519 with AES-GCM, AES-CBC
 * and ChaCha20-Poly1305; ECDHE_ECDSA with AES-GCM, AES-CCM and AES-CCM_8 (8-byte tag); DHE_RSA;
 * static RSA in one step and in two steps with EMS; plain PSK (RFC 4279, RFC 5487) with
 * AES-GCM, AES-CBC and NULL, SHA-256 and SHA-384, the PSK imported as TLS13PRESHAREDKEY raw
 * bytes or as a BCRYPT_KEY_DATA_BLOB, the server with and without an identity hint (and so
 * with and without a ServerKeyExchange); each with and without the extended master secret
 * where it applies. Client authentication, TLS 1.2: an RSA-2048 client certificate with
 * rsa_pkcs1_sha256, rsa_pkcs1_sha384, rsa_pss_rsae_sha256/384/512 (chosen from a server list
 * that also names schemes our key cannot make), ECDSA P-256 with ecdsa_secp256r1_sha256 and
 * P-384 with ecdsa_secp384r1_sha384, over ECDHE_RSA, ECDHE_ECDSA, DHE_RSA and static RSA (one
 * and two steps, with EMS: CertificateVerify follows the ClientKeyExchange the session hash
 * ends with). TLS 1.1 and 1.0: RSA, P-256 and P-384 client certificates over ECDHE_RSA,
 * ECDHE_ECDSA, DHE_RSA (AES-CBC-SHA: TLS 1.0 has no explicit IV, header length 0) and static
 * RSA, and without client authentication. ServerKeyExchange schemes: rsa_pkcs1_sha256/384/512,
 * rsa_pss_rsae_sha256/384/512, ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, TLS 1.0/1.1's
 * MD5 || SHA-1 and SHA-1. Each case is a full handshake, two rounds of application data both
 * ways (the second at the 16384-byte maximum) and close_notify. Some cases pass the server's
 * handshake records through a "middlebox" that re-cuts them, so that messages arrive combined
 * in one record and split over several, as TLS allows.
 *
 * Not covered because sslprov does not implement them (src/suites/suites.c; for these ids
 * SslLookupCipherLengths returns NTE_INVALID_PARAMETER, SslCreateHandshakeHash and
 * SslGenerateMasterKey NTE_NOT_SUPPORTED): DHE_PSK, ECDHE_PSK and RSA_PSK key exchange, the
 * SHA-1 PSK suites (0x008C, 0x008D), PSK and DHE_RSA with AES-CCM (0xC0A4, 0xC0A8, 0xC09E...)
 * and PSK with ChaCha20-Poly1305 (0xCCAB), although libssl offers all of them. The other way
 * round: sslprov's RC4, DES and 3DES suites have no live peer here — Debian's libssl is built
 * without them ("no cipher match" even at @SECLEVEL=0) — so their records are checked
 * against libcrypto and vectors in test_records_diff and test_records_kat instead.
 *
 * Negative twins, each failing for its own reason:
 *  (a) our Finished computed with NCRYPT_SSL_SERVER_FLAG -> libssl: decrypt_error;
 *  (b) the server's Finished record with one ciphertext byte flipped -> SslDecryptPacket:
 *      NTE_DECRYPTION_FAILURE (then the untouched record still decrypts: the failed call left
 *      the key as it was);
 *  (c) EMS negotiated, but the master key derived from the randoms -> our keys differ from
 *      libssl's, which refuses our Finished record: bad_record_mac;
 *  (d) an application-data record sent with a skipped sequence number -> libssl:
 *      bad_record_mac, and we decrypt its alert;
 *  (e) PSK: the client's PSK differs from the server's (same identity) -> different master
 *      secrets, so libssl cannot even decrypt our Finished record: bad_record_mac (the AEAD tag,
 *      or for CBC the MAC, fails before the Finished message could be compared; libssl reports
 *      both as bad_record_mac, never as decrypt_error);
 *  (f) CertificateVerify hashed with the wrong object - TLS 1.2: the client-auth object of
 *      another hash (the SHA-384 object for rsa_pkcs1_sha256, rsa_pss_rsae_sha256 and
 *      ecdsa_secp256r1_sha256), the prefix naming that hash; TLS 1.0/1.1: the other key
 *      algorithm's pszAlgId (20 bytes for RSA, 36 for ECDSA) -> libssl: decrypt_error;
 *  (g) CertificateVerify with one byte of the signature flipped (RSA PKCS#1 and PSS, ECDSA
 *      P-256/P-384 before DER encoding; TLS 1.2, 1.1 and 1.0) -> libssl: decrypt_error;
 *  (h) the ServerKeyExchange with the last byte of its params flipped on the way ->
 *      SslVerifySignature: NTE_BAD_SIGNATURE (libcrypto refuses it too), and the client ends
 *      the handshake with decrypt_error, which libssl receives (rsa_pkcs1_sha256,
 *      rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256, DHE with PSS, TLS 1.0 MD5 || SHA-1,
 *      TLS 1.1 ECDSA SHA-1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sslprovider.h>
#include <sslprov_ext.h>     /* SslProv*: certificate private keys on Linux (private-keys.md) */

#include "cert.h"             /* tests/support/: test keys, self-signed certificates */
#include "winstyle.h"         /* tests/support/: the TLS byte writer and reader, parameter lists,
                                 key shares as blobs, libcrypto for bcrypt/crypt32 */

/* FAILED() and SUCCEEDED() come from the header, as from winerror.h on Windows */

/* RFC 5246 */
#define TLS_RECORD_HEADER_LENGTH     5
#define TLS_HANDSHAKE_HEADER_LENGTH  4
#define TLS_RANDOM_LENGTH            32
#define TLS_FINISHED_LENGTH          12
#define TLS_MAX_PLAINTEXT            16384
#define TLS_MAX_CIPHERTEXT           (TLS_MAX_PLAINTEXT + 2048)

#define HS_CLIENT_HELLO              1
#define HS_SERVER_HELLO              2
#define HS_CERTIFICATE               11
#define HS_SERVER_KEY_EXCHANGE       12
#define HS_CERTIFICATE_REQUEST       13
#define HS_SERVER_HELLO_DONE         14
#define HS_CERTIFICATE_VERIFY        15
#define HS_CLIENT_KEY_EXCHANGE       16
#define HS_FINISHED                  20

#define EXT_SUPPORTED_GROUPS         10
#define EXT_EC_POINT_FORMATS         11
#define EXT_SIGNATURE_ALGORITHMS     13
#define EXT_EXTENDED_MASTER_SECRET   23      /* RFC 7627 */
#define EXT_RENEGOTIATION_INFO       0xFF01  /* RFC 5746 */

#define CLIENT_CERTIFICATE_TYPE_RSA_SIGN    1    /* ClientCertificateType, RFC 5246 §7.4.4 */
#define CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN  64   /* RFC 4492 §5.5 */

/* SignatureScheme values (RFC 8446 §4.2.3; for TLS 1.2 the RFC 5246 hash and signature pair) */
#define SCHEME_RSA_PKCS1_SHA256      0x0401
#define SCHEME_RSA_PKCS1_SHA384      0x0501
#define SCHEME_RSA_PKCS1_SHA512      0x0601
#define SCHEME_ECDSA_P256_SHA256     0x0403
#define SCHEME_ECDSA_P384_SHA384     0x0503
#define SCHEME_RSA_PSS_RSAE_SHA256   0x0804
#define SCHEME_RSA_PSS_RSAE_SHA384   0x0805
#define SCHEME_RSA_PSS_RSAE_SHA512   0x0806
#define SCHEME_LEGACY                0       /* TLS 1.0/1.1: no scheme on the wire */

#define ALERT_WARNING                1
#define ALERT_FATAL                  2
#define ALERT_CLOSE_NOTIFY           0
#define ALERT_BAD_RECORD_MAC         20
#define ALERT_DECRYPT_ERROR          51

/* Buffers and bounds of this client */
#define NETWORK_BUFFER_SIZE          (4 * (TLS_RECORD_HEADER_LENGTH + TLS_MAX_CIPHERTEXT))
#define HANDSHAKE_BUFFER_SIZE        32768
#define CLIENT_HELLO_BUFFER_SIZE     512
#define MAX_WAIT_STEPS               16      /* server steps while waiting for one record */
#define MAX_RECORDS_PER_MESSAGE      64
#define REFRAME_FRAGMENT_LENGTH      600     /* the middlebox's record size */
#define BIO_PAIR_BUFFER_SIZE         65536

/* The libssl server's cipher string for TLS 1.0 and 1.1 (see StartServer) */
#define LEGACY_CIPHERS               "ALL:@SECLEVEL=0"

/* Plain PSK (RFC 4279): what both sides were given out of band */
#define PSK_LENGTH                   32      /* random per connection */
#define PSK_IDENTITY                 "sslprov-client"
#define PSK_IDENTITY_HINT            "sslprov.test PSK hint"

/* The server's credentials. Plain PSK suites use no certificate (RFC 4279 §2) and libssl needs
 * none loaded to choose them (checked with OpenSSL 3.0): the PSK cases load none. */
typedef enum _CERT_TYPE
{
    CERT_RSA,        /* RSA-2048 */
    CERT_ECDSA,      /* ECDSA P-256 */
    CERT_PSK,        /* no certificate, no identity hint: no ServerKeyExchange */
    CERT_PSK_HINT,   /* no certificate, an identity hint: a ServerKeyExchange carries it */
    CERT_TYPE_COUNT
} CERT_TYPE;

/* The client's credentials, for client authentication. */
typedef enum _CLIENT_CERT
{
    CLIENT_CERT_NONE,     /* the client has no certificate; the server asks for none */
    CLIENT_CERT_RSA,      /* RSA-2048 */
    CLIENT_CERT_P256,     /* ECDSA P-256 */
    CLIENT_CERT_P384,     /* ECDSA P-384 */
    CLIENT_CERT_COUNT
} CLIENT_CERT;

typedef enum _TWIST
{
    TWIST_NONE,
    TWIST_FINISHED_WITH_SERVER_FLAG,   /* (a) */
    TWIST_FLIP_SERVER_FINISHED,        /* (b) */
    TWIST_EMS_FROM_RANDOMS,            /* (c) */
    TWIST_SKIP_SEQUENCE_NUMBER,        /* (d) */
    TWIST_WRONG_PSK,                   /* (e) */
    TWIST_CV_WRONG_HASH,               /* (f) */
    TWIST_CV_FLIP_SIGNATURE,           /* (g) */
    TWIST_SKE_FLIP_PARAMS              /* (h) */
} TWIST;

typedef struct _CLIENT_CONNECTION CLIENT_CONNECTION, *PCLIENT_CONNECTION;
typedef BOOL (*KEY_EXCHANGE_FN)(PCLIENT_CONNECTION pConn);

typedef struct _TEST_CASE
{
    const char     *pszExchange;
    KEY_EXCHANGE_FN pfnKeyExchange;
    DWORD           dwProtocol;     /* the one version offered: TLS 1.2, 1.1 or 1.0; sslprov's
                                       calls take it as dwProtocol */
    DWORD           dwCipherSuite;
    DWORD           dwGroup;        /* ECDHE: the curve offered and used. RSA, DHE and PSK:
                                       only offered in supported_groups, and passed on as the
                                       "leftover" dwKeyType of SslLookupCipherLengths */
    CERT_TYPE       CertType;       /* the server's credentials */
    BOOL            fEms;           /* offer extended_master_secret (RFC 7627) */
    BOOL            fReframe;       /* the server's handshake records pass the middlebox */
    TWIST           Twist;
    /* Client authentication (0 / NULL in the rows without it): */
    CLIENT_CERT     ClientCert;     /* the client's credentials; not NONE: the server asks */
    const char     *pszClientSigalgs;   /* TLS 1.2: the server's CertificateRequest list
                                           (SSL_CTX_set1_client_sigalgs_list) */
    const char     *pszServerSigalgs;   /* TLS 1.2: what the server may sign its
                                           ServerKeyExchange with (SSL_CTX_set1_sigalgs_list);
                                           NULL: libssl picks from our ClientHello's list */
} TEST_CASE;

/* What the test knows about a suite: its name, the lengths conventions.md §12 documents and
 * the cipher string that lets libssl choose it. */
typedef struct _SUITE_INFO
{
    DWORD                     dwCipherSuite;
    const char               *pszName;
    NCRYPT_SSL_CIPHER_LENGTHS Lengths;
    const char               *pszServerCiphers;
} SUITE_INFO;

/* A named group and how its shares travel as blobs (docs/keys.md). */
typedef struct _GROUP_INFO
{
    DWORD       dwGroup;
    const char *pszName;
    LPCWSTR     pszBlobType;
    ULONG       dwMagic;       /* BCRYPT_ECCPUBLIC_BLOB magic, 0 for SSL_ECCPUBLIC_BLOB */
    ULONG       cbKey;         /* bytes per coordinate */
} GROUP_INFO;

typedef struct _SERVER_CREDENTIALS
{
    EVP_PKEY   *pKey;               /* NULL for plain PSK */
    X509       *pCert;              /* NULL for plain PSK */
    const char *pszIdentityHint;    /* plain PSK: the hint the server sends, or NULL */
} SERVER_CREDENTIALS;

/* The client's certificate as a Windows client holds it: a CERT_CONTEXT, whose private key
 * SslOpenPrivateKey finds. On Windows the certificate store links the two; on Linux main()
 * tells sslprov once with SslProvAssociateCertificateKeyBlob (docs/private-keys.md). pKey is
 * kept only to make the certificate and for the server's trust store. */
typedef struct _CLIENT_CREDENTIALS
{
    const char     *pszName;
    EVP_PKEY       *pKey;
    X509           *pCert;
    PCCERT_CONTEXT  pCertContext;
    BYTE            bCertificateType;   /* ClientCertificateType it needs in CertificateRequest */
    LPCWSTR         pszAlgId;           /* SslComputeClientAuthHash's pszAlgId: the key's
                                           algorithm ("RSA", "ECDSA"; S-CV12) */
    DWORD           cbOrder;            /* ECDSA: bytes of the group order; 0 for RSA */
    DWORD           dwCurve;            /* ECDSA: its TLS named group; 0 for RSA */
} CLIENT_CREDENTIALS;

/* A signature scheme: how its signatures are checked (ServerKeyExchange) and made
 * (CertificateVerify) with sslprov. TLS 1.0/1.1 use the two SCHEME_LEGACY rows: RSA signs
 * the 36-byte MD5 || SHA-1 without DigestInfo, ECDSA the 20-byte SHA-1 (RFC 4346 §7.4.8,
 * RFC 4492 §5.4 and §5.8). */
typedef enum _SIGNATURE_KIND
{
    SIGNATURE_RSA_PKCS1,     /* SslSignHash/SslVerifySignature: NCRYPT_SSL_SIGN_INCLUDE_HASHOID */
    SIGNATURE_RSA_PSS,       /* NCRYPT_SSL_SIGN_USE_PSS_PADDING */
    SIGNATURE_RSA_LEGACY,    /* flags 0: PKCS#1 v1.5 over MD5 || SHA-1, no DigestInfo */
    SIGNATURE_ECDSA          /* flags 0: the digest; r || s out, DER on the wire */
} SIGNATURE_KIND;

typedef struct _SCHEME_INFO
{
    DWORD           dwScheme;
    const char     *pszName;
    SIGNATURE_KIND  Kind;
    LPCWSTR         pszHashAlgId;   /* CNG name of the hash; NULL for MD5 || SHA-1 */
    const char     *pszDigest;      /* the same hash for libcrypto */
    DWORD           cbOrder;        /* ECDSA in TLS 1.2: the curve's order length; 0: any */
} SCHEME_INFO;

#define CLIENT_AUTH_HASH_COUNT       3       /* SHA256, SHA384, SHA512: the hashes of our list */

/* One connection: the client's state, the libssl server and the outcome. */
struct _CLIENT_CONNECTION
{
    const TEST_CASE          *pCase;
    const SUITE_INFO         *pSuite;
    const SERVER_CREDENTIALS *pCredentials;
    const CLIENT_CREDENTIALS *pClientCredentials; /* NULL: the client has no certificate */
    DWORD                     dwProtocol;

    /* sslprov objects */
    NCRYPT_PROV_HANDLE        hProvider;
    NCRYPT_HASH_HANDLE        hHandshakeHash;
    NCRYPT_KEY_HANDLE         hServerPublicKey;   /* the certificate's key: static RSA's
                                                     encryption, ServerKeyExchange signature */
    NCRYPT_HASH_HANDLE        rghClientAuthHash[CLIENT_AUTH_HASH_COUNT];
                                                  /* TLS 1.2 with a client certificate: one
                                                     SslCreateClientAuthHash object per hash */
    NCRYPT_KEY_HANDLE         hClientKey;         /* SslOpenPrivateKey of our certificate */
    NCRYPT_KEY_HANDLE         hServerShare;       /* (EC)DHE: the server's public value */
    NCRYPT_KEY_HANDLE         hEphemeralKey;      /* (EC)DHE: ours */
    NCRYPT_KEY_HANDLE         hPreMasterKey;      /* static RSA, two steps */
    NCRYPT_KEY_HANDLE         hPsk;               /* plain PSK */
    NCRYPT_KEY_HANDLE         hMasterKey;
    NCRYPT_KEY_HANDLE         hReadKey;
    NCRYPT_KEY_HANDLE         hWriteKey;
    NCRYPT_SSL_CIPHER_LENGTHS CipherLengths;

    /* handshake */
    BYTE      rgbClientRandom[TLS_RANDOM_LENGTH];
    BYTE      rgbServerRandom[TLS_RANDOM_LENGTH];
    BYTE      rgbClientHello[CLIENT_HELLO_BUFFER_SIZE];
    DWORD     cbClientHello;
    EVP_PKEY *pServerCertKey;
    BYTE      rgbPsk[PSK_LENGTH];         /* plain PSK: the client's copy */
    BYTE      rgbServerPsk[PSK_LENGTH];   /* plain PSK: the server's copy (equal but for (e)) */
    const SCHEME_INFO *pServerScheme;     /* how the ServerKeyExchange was signed */
    BOOL      fCertificateRequested;
    const SCHEME_INFO *pClientScheme;     /* how our CertificateVerify is signed */

    /* record layer */
    BOOL      fWriteProtected;
    BOOL      fReadProtected;
    ULONGLONG WriteSequence;
    ULONGLONG ReadSequence;
    BYTE      rgbNetwork[NETWORK_BUFFER_SIZE];    /* received, not yet parsed */
    DWORD     cbNetwork;
    BYTE      rgbRecord[TLS_RECORD_HEADER_LENGTH + TLS_MAX_CIPHERTEXT];
    BYTE      rgbHandshake[HANDSHAKE_BUFFER_SIZE];  /* handshake bytes not yet a message */
    DWORD     cbHandshake;
    BYTE      rgbMessage[HANDSHAKE_BUFFER_SIZE];    /* the last whole message read */
    DWORD     cbMessage;

    /* the server and the wire */
    SSL      *pServer;
    BIO      *pNetwork;                              /* our end of the BIO pair */
    BYTE      rgbWire[NETWORK_BUFFER_SIZE];          /* middlebox: bytes not yet re-cut */
    DWORD     cbWire;
    BYTE      rgbReframe[HANDSHAKE_BUFFER_SIZE];     /* middlebox: handshake bytes */
    DWORD     cbReframe;
    BOOL      fReframeDone;

    /* outcome */
    BOOL            fHandshakeDone;
    BOOL            fServerFatal;       /* libssl failed the connection */
    int             iServerAlert;       /* the alert libssl sent, -1 none */
    int             iServerAlertReceived;   /* the alert libssl received from us, -1 none */
    BOOL            fLibcryptoRefusedSke;   /* twin (h): libcrypto's check refused it too */
    int             iAlertReceived;     /* the alert we received, -1 none */
    BOOL            fFlipNextProtectedRecord;
    SECURITY_STATUS FlipStatus;         /* twin (b): SslDecryptPacket of the flipped record */
    SECURITY_STATUS FailedStatus;       /* the Ssl* call that failed, or SEC_E_OK */
    char            szFailure[320];
};

/* ========================================================================================== */
/* Failures                                                                                   */
/* ========================================================================================== */

/* Record the first failure of a connection; returns FALSE so callers can "return Fail(...)". */
static BOOL
Fail(
    _Inout_ PCLIENT_CONNECTION pConn,
    _In_    SECURITY_STATUS    Status,
    _In_    const char        *pszFormat,
    ...)
{
    va_list args;

    if (pConn->szFailure[0] == '\0')
    {
        va_start(args, pszFormat);
        vsnprintf(pConn->szFailure, sizeof(pConn->szFailure), pszFormat, args);
        va_end(args);
        pConn->FailedStatus = Status;
    }
    return FALSE;
}

/* TRUE (and recorded) when an Ssl* call failed. */
static BOOL
SslCallFailed(
    _Inout_ PCLIENT_CONNECTION pConn,
    _In_    const char        *pszCall,
    _In_    SECURITY_STATUS    Status)
{
    if (SUCCEEDED(Status))
    {
        return FALSE;
    }
    Fail(pConn, Status, "%s returned 0x%08X", pszCall, (unsigned)Status);
    return TRUE;
}

/* ========================================================================================== */
/* The libssl server behind a BIO pair                                                        */
/* ========================================================================================== */

static void
ServerInfoCallback(const SSL *pSsl, int where, int ret)
{
    PCLIENT_CONNECTION pConn = SSL_get_app_data(pSsl);

    if ((where & SSL_CB_WRITE_ALERT) == SSL_CB_WRITE_ALERT && pConn != NULL)
    {
        pConn->iServerAlert = ret & 0xFF;
    }
    if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT && pConn != NULL)
    {
        pConn->iServerAlertReceived = ret & 0xFF;
    }
}

/* Plain PSK: libssl asks for the PSK of the identity in our ClientKeyExchange. An identity it
 * does not know would end the handshake with unknown_psk_identity. */
static unsigned int
ServerPskCallback(SSL *pSsl, const char *pszIdentity, unsigned char *pbPsk, unsigned int cbMaxPsk)
{
    PCLIENT_CONNECTION pConn = SSL_get_app_data(pSsl);

    if (pConn == NULL || pszIdentity == NULL || strcmp(pszIdentity, PSK_IDENTITY) != 0 ||
        cbMaxPsk < sizeof(pConn->rgbServerPsk))
    {
        return 0;
    }
    memcpy(pbPsk, pConn->rgbServerPsk, sizeof(pConn->rgbServerPsk));
    return sizeof(pConn->rgbServerPsk);
}

/* Plain PSK: the secret both sides were given out of band, random per connection. Twin (e):
 * the client was given another one (one bit differs), under the same identity. */
static BOOL
SharePsk(PCLIENT_CONNECTION pConn)
{
    if (RAND_bytes(pConn->rgbServerPsk, sizeof(pConn->rgbServerPsk)) != 1)
    {
        return Fail(pConn, SEC_E_OK, "RAND_bytes failed");
    }
    memcpy(pConn->rgbPsk, pConn->rgbServerPsk, sizeof(pConn->rgbPsk));
    if (pConn->pCase->Twist == TWIST_WRONG_PSK)
    {
        pConn->rgbPsk[sizeof(pConn->rgbPsk) - 1] ^= 0x01;
    }
    return TRUE;
}

static BOOL
StartServer(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE          *pCase = pConn->pCase;
    const SERVER_CREDENTIALS *pCredentials = pConn->pCredentials;
    SSL_CTX                  *pCtx = SSL_CTX_new(TLS_server_method());
    BIO                      *pServerEnd = NULL;
    const char               *pszCiphers = pConn->pSuite->pszServerCiphers;
    BOOL                      fOk;

    /* The suite's cipher string: "ALL" for most (it includes CCM and CCM_8 at OpenSSL 3.0's
     * default security level 1); the NULL suites need eNULL and @SECLEVEL=0. TLS 1.0 and 1.1
     * sign with MD5 || SHA-1 and SHA-1, which OpenSSL 3.0 allows only at @SECLEVEL=0. */
    if (pConn->dwProtocol != TLS1_2_PROTOCOL_VERSION)
    {
        pszCiphers = LEGACY_CIPHERS;
    }
    fOk = pCtx != NULL &&
          SSL_CTX_set_min_proto_version(pCtx, (int)pConn->dwProtocol) == 1 &&
          SSL_CTX_set_max_proto_version(pCtx, (int)pConn->dwProtocol) == 1 &&
          SSL_CTX_set_cipher_list(pCtx, pszCiphers) == 1 &&
          (pCase->pszServerSigalgs == NULL ||
           SSL_CTX_set1_sigalgs_list(pCtx, pCase->pszServerSigalgs) == 1) &&
          SSL_CTX_set1_groups_list(pCtx, "P-256:P-384:P-521:X25519") == 1 &&
          SSL_CTX_set_dh_auto(pCtx, 1) == 1 &&
          (pCredentials->pCert == NULL ||
           (SSL_CTX_use_certificate(pCtx, pCredentials->pCert) == 1 &&
            SSL_CTX_use_PrivateKey(pCtx, pCredentials->pKey) == 1));
    if (fOk && (pConn->pCase->CertType == CERT_PSK || pConn->pCase->CertType == CERT_PSK_HINT))
    {
        /* Without a hint libssl sends no ServerKeyExchange (RFC 4279 §2 allows both). */
        SSL_CTX_set_psk_server_callback(pCtx, ServerPskCallback);
        fOk = SharePsk(pConn) &&
              (pCredentials->pszIdentityHint == NULL ||
               SSL_CTX_use_psk_identity_hint(pCtx, pCredentials->pszIdentityHint) == 1);
    }
    if (fOk && pConn->pClientCredentials != NULL)
    {
        /* Client authentication: a CertificateRequest listing the case's schemes; the client's
         * self-signed certificate is the one trust anchor. */
        SSL_CTX_set_verify(pCtx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        fOk = X509_STORE_add_cert(SSL_CTX_get_cert_store(pCtx),
                                  pConn->pClientCredentials->pCert) == 1 &&
              (pCase->pszClientSigalgs == NULL ||
               SSL_CTX_set1_client_sigalgs_list(pCtx, pCase->pszClientSigalgs) == 1);
    }
    if (fOk)
    {
        SSL_CTX_set_options(pCtx, SSL_OP_NO_TICKET);
        pConn->pServer = SSL_new(pCtx);
        fOk = pConn->pServer != NULL &&
              BIO_new_bio_pair(&pServerEnd, BIO_PAIR_BUFFER_SIZE,
                               &pConn->pNetwork, BIO_PAIR_BUFFER_SIZE) == 1;
    }
    if (fOk)
    {
        SSL_set_bio(pConn->pServer, pServerEnd, pServerEnd);
        SSL_set_accept_state(pConn->pServer);
        SSL_set_app_data(pConn->pServer, pConn);
        SSL_set_info_callback(pConn->pServer, ServerInfoCallback);
    }
    SSL_CTX_free(pCtx);   /* the SSL object keeps its own reference */
    return fOk || Fail(pConn, SEC_E_OK, "could not set up the libssl server");
}

/* Let libssl process what we wrote, while it is still in its handshake. */
static void
StepServer(PCLIENT_CONNECTION pConn)
{
    int ret;
    int err;

    if (pConn->fServerFatal || SSL_is_init_finished(pConn->pServer))
    {
        return;
    }
    ret = SSL_do_handshake(pConn->pServer);
    if (ret <= 0)
    {
        err = SSL_get_error(pConn->pServer, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
        {
            pConn->fServerFatal = TRUE;
        }
    }
}

/* After the handshake: libssl's SSL_read must return exactly what we sent. */
static BOOL
ServerReadExactly(PCLIENT_CONNECTION pConn, const BYTE *pbExpected, DWORD cbExpected)
{
    PBYTE pbGot = malloc(cbExpected + 1);
    DWORD cbGot = 0;
    DWORD i;
    BOOL  fOk;
    int   n;

    if (pbGot == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    for (i = 0; i < MAX_RECORDS_PER_MESSAGE && cbGot < cbExpected; i++)
    {
        n = SSL_read(pConn->pServer, pbGot + cbGot, (int)(cbExpected - cbGot));
        if (n <= 0)
        {
            if (SSL_get_error(pConn->pServer, n) == SSL_ERROR_SSL)
            {
                pConn->fServerFatal = TRUE;
            }
            break;
        }
        cbGot += (DWORD)n;
    }
    fOk = cbGot == cbExpected && memcmp(pbGot, pbExpected, cbExpected) == 0;
    free(pbGot);
    return fOk;
}

/* ========================================================================================== */
/* The wire, with the optional middlebox                                                      */
/* ========================================================================================== */

static BOOL
AppendNetwork(PCLIENT_CONNECTION pConn, const BYTE *pb, DWORD cb)
{
    if (cb > sizeof(pConn->rgbNetwork) - pConn->cbNetwork)
    {
        return Fail(pConn, SEC_E_OK, "receive buffer overflow");
    }
    memcpy(pConn->rgbNetwork + pConn->cbNetwork, pb, cb);
    pConn->cbNetwork += cb;
    return TRUE;
}

/* The middlebox's output: the collected handshake bytes, re-cut into records of
 * REFRAME_FRAGMENT_LENGTH. */
static BOOL
FlushReframe(PCLIENT_CONNECTION pConn)
{
    BYTE  rgbHeader[TLS_RECORD_HEADER_LENGTH];
    DWORD off;
    DWORD cb;

    for (off = 0; off < pConn->cbReframe; off += cb)
    {
        cb = pConn->cbReframe - off;
        if (cb > REFRAME_FRAGMENT_LENGTH)
        {
            cb = REFRAME_FRAGMENT_LENGTH;
        }
        rgbHeader[0] = CT_HANDSHAKE;
        rgbHeader[1] = (BYTE)(pConn->dwProtocol >> 8);
        rgbHeader[2] = (BYTE)pConn->dwProtocol;
        rgbHeader[3] = (BYTE)(cb >> 8);
        rgbHeader[4] = (BYTE)cb;
        if (!AppendNetwork(pConn, rgbHeader, sizeof(rgbHeader)) ||
            !AppendNetwork(pConn, pConn->rgbReframe + off, cb))
        {
            return FALSE;
        }
    }
    pConn->cbReframe = 0;
    return TRUE;
}

/* A middlebox between libssl and us: until the server's ChangeCipherSpec it takes the payloads
 * of the handshake records apart and sends them on in records of its own size, so the client
 * sees several messages in one record and one message over several - both legal (RFC 5246
 * §6.2.1); every other record passes unchanged. */
static BOOL
Reframe(PCLIENT_CONNECTION pConn)
{
    DWORD off = 0;
    DWORD cbRecord;
    BYTE  bType;

    while (!pConn->fReframeDone && pConn->cbWire - off >= TLS_RECORD_HEADER_LENGTH)
    {
        bType = pConn->rgbWire[off];
        cbRecord = TLS_RECORD_HEADER_LENGTH +
                   ((DWORD)pConn->rgbWire[off + 3] << 8 | pConn->rgbWire[off + 4]);
        if (pConn->cbWire - off < cbRecord)
        {
            break;
        }
        if (bType == CT_HANDSHAKE)
        {
            if (cbRecord - TLS_RECORD_HEADER_LENGTH > sizeof(pConn->rgbReframe) - pConn->cbReframe)
            {
                return Fail(pConn, SEC_E_OK, "middlebox buffer overflow");
            }
            memcpy(pConn->rgbReframe + pConn->cbReframe,
                   pConn->rgbWire + off + TLS_RECORD_HEADER_LENGTH,
                   cbRecord - TLS_RECORD_HEADER_LENGTH);
            pConn->cbReframe += cbRecord - TLS_RECORD_HEADER_LENGTH;
        }
        else
        {
            if (!FlushReframe(pConn) || !AppendNetwork(pConn, pConn->rgbWire + off, cbRecord))
            {
                return FALSE;
            }
            pConn->fReframeDone = bType == CT_CHANGE_CIPHER_SPEC;
        }
        off += cbRecord;
    }
    if (!FlushReframe(pConn))
    {
        return FALSE;
    }
    if (pConn->fReframeDone)
    {
        if (!AppendNetwork(pConn, pConn->rgbWire + off, pConn->cbWire - off))
        {
            return FALSE;
        }
        off = pConn->cbWire;
    }
    memmove(pConn->rgbWire, pConn->rgbWire + off, pConn->cbWire - off);
    pConn->cbWire -= off;
    return TRUE;
}

/* Take what the server has written. Returns TRUE when there was something. */
static BOOL
PullNetwork(PCLIENT_CONNECTION pConn)
{
    BYTE rgb[4096];
    BOOL fAny = FALSE;
    int  n;

    while ((n = BIO_read(pConn->pNetwork, rgb, sizeof(rgb))) > 0)
    {
        fAny = TRUE;
        if (!pConn->pCase->fReframe || pConn->fReframeDone)
        {
            if (!AppendNetwork(pConn, rgb, (DWORD)n))
            {
                return FALSE;
            }
        }
        else
        {
            if ((DWORD)n > sizeof(pConn->rgbWire) - pConn->cbWire)
            {
                return Fail(pConn, SEC_E_OK, "middlebox buffer overflow");
            }
            memcpy(pConn->rgbWire + pConn->cbWire, rgb, (size_t)n);
            pConn->cbWire += (DWORD)n;
            if (!Reframe(pConn))
            {
                return FALSE;
            }
        }
    }
    return fAny;
}

static BOOL
WaitForNetwork(PCLIENT_CONNECTION pConn, DWORD cbNeeded)
{
    DWORD i;

    for (i = 0; i < MAX_WAIT_STEPS && pConn->cbNetwork < cbNeeded; i++)
    {
        if (!PullNetwork(pConn))
        {
            if (pConn->szFailure[0] != '\0')
            {
                return FALSE;
            }
            StepServer(pConn);
        }
    }
    return pConn->cbNetwork >= cbNeeded ||
           Fail(pConn, SEC_E_OK, "nothing more from the server after %u steps", MAX_WAIT_STEPS);
}

/* ========================================================================================== */
/* Record layer: SslEncryptPacket / SslDecryptPacket in place (conventions.md §5, §12)        */
/* ========================================================================================== */

/* One record. Once protected, the record buffer is sized only from SslLookupCipherLengths:
 * our 5-byte header + dwHeaderLen + data + dwFixedTrailerLen + dwMaxVariableTrailerLen. The
 * plaintext is placed where Windows places it, at record + 5 + dwHeaderLen, and encrypted in
 * place; SslEncryptPacket writes the whole record, header included. */
static BOOL
SendRecord(PCLIENT_CONNECTION pConn, BYTE bContentType, const BYTE *pbData, DWORD cbData)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    PBYTE           pbRecord;
    DWORD           cbRecord;
    DWORD           cbResult = 0;
    DWORD           cbMinimum;
    DWORD           dwOffset;
    SECURITY_STATUS Status;
    BOOL            fOk = FALSE;

    if (cbData > TLS_MAX_PLAINTEXT)
    {
        return Fail(pConn, SEC_E_OK, "record too long");
    }
    dwOffset = TLS_RECORD_HEADER_LENGTH;
    cbRecord = TLS_RECORD_HEADER_LENGTH + cbData;
    if (pConn->fWriteProtected)
    {
        dwOffset += pLengths->dwHeaderLen;
        cbRecord = dwOffset + cbData + pLengths->dwFixedTrailerLen +
                   pLengths->dwMaxVariableTrailerLen;
    }
    pbRecord = malloc(cbRecord);
    if (pbRecord == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    memcpy(pbRecord + dwOffset, pbData, cbData);

    if (!pConn->fWriteProtected)
    {
        pbRecord[0] = bContentType;
        pbRecord[1] = (BYTE)(pConn->dwProtocol >> 8);
        pbRecord[2] = (BYTE)pConn->dwProtocol;
        pbRecord[3] = (BYTE)(cbData >> 8);
        pbRecord[4] = (BYTE)cbData;
        cbResult = cbRecord;
    }
    else
    {
        Status = SslEncryptPacket(pConn->hProvider, pConn->hWriteKey,
                                  pbRecord + dwOffset, cbData,
                                  pbRecord, cbRecord, &cbResult,
                                  pConn->WriteSequence, bContentType, 0);
        if (SslCallFailed(pConn, "SslEncryptPacket", Status))
        {
            goto cleanup;
        }
        pConn->WriteSequence++;

        /* The record must have exactly the shape SslLookupCipherLengths announced. */
        cbMinimum = dwOffset + cbData + pLengths->dwFixedTrailerLen;
        if (cbResult < cbMinimum ||
            cbResult - cbMinimum > pLengths->dwMaxVariableTrailerLen ||
            ((pLengths->dwFlags & NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING) != 0 &&
             cbResult == cbMinimum) ||
            pbRecord[0] != bContentType || pbRecord[1] != (BYTE)(pConn->dwProtocol >> 8) ||
            pbRecord[2] != (BYTE)pConn->dwProtocol ||
            ((DWORD)pbRecord[3] << 8 | pbRecord[4]) != cbResult - TLS_RECORD_HEADER_LENGTH)
        {
            Fail(pConn, SEC_E_OK,
                 "SslEncryptPacket: a %u-byte record for %u bytes does not fit the lengths "
                 "{%u, %u, %u, flags %u} plus the 5-byte header",
                 (unsigned)cbResult, (unsigned)cbData, (unsigned)pLengths->dwHeaderLen,
                 (unsigned)pLengths->dwFixedTrailerLen,
                 (unsigned)pLengths->dwMaxVariableTrailerLen, (unsigned)pLengths->dwFlags);
            goto cleanup;
        }
    }

    if (BIO_write(pConn->pNetwork, pbRecord, (int)cbResult) != (int)cbResult)
    {
        Fail(pConn, SEC_E_OK, "BIO_write to the server failed");
        goto cleanup;
    }
    StepServer(pConn);
    fOk = TRUE;

cleanup:
    free(pbRecord);
    return fOk;
}

/* Twin (b): the network flips one ciphertext byte of this record; SslDecryptPacket must
 * refuse it. The network then delivers the real record after all, and it must decrypt with
 * the same sequence number: the failed call left the key as it was (conventions.md §5). */
static void
DecryptFlippedCopy(PCLIENT_CONNECTION pConn, DWORD cbRecord)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    DWORD dwOffset = TLS_RECORD_HEADER_LENGTH + pLengths->dwHeaderLen;
    PBYTE pbCopy = malloc(cbRecord);
    DWORD cbPlaintext = 0;

    pConn->fFlipNextProtectedRecord = FALSE;
    if (pbCopy == NULL || cbRecord <= dwOffset)
    {
        free(pbCopy);
        return;
    }
    memcpy(pbCopy, pConn->rgbRecord, cbRecord);
    pbCopy[dwOffset] ^= 0x01;    /* the first byte of the encrypted content */
    pConn->FlipStatus = SslDecryptPacket(pConn->hProvider, pConn->hReadKey,
                                         pbCopy, cbRecord,
                                         pbCopy + dwOffset, cbRecord - dwOffset, &cbPlaintext,
                                         pConn->ReadSequence, 0);
    free(pbCopy);
}

/* The next record. Protected records are decrypted in place: SslDecryptPacket takes the whole
 * record and writes the plaintext only, at record + 5 + dwHeaderLen. Alerts are remembered. */
static BOOL
RecvRecord(PCLIENT_CONNECTION pConn, BYTE *pbContentType, PBYTE *ppbFragment, DWORD *pcbFragment)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    DWORD           cbBody;
    DWORD           cbRecord;
    DWORD           dwOffset;
    DWORD           cbPlaintext = 0;
    SECURITY_STATUS Status;

    if (!WaitForNetwork(pConn, TLS_RECORD_HEADER_LENGTH))
    {
        return FALSE;
    }
    cbBody = (DWORD)pConn->rgbNetwork[3] << 8 | pConn->rgbNetwork[4];
    if (cbBody > TLS_MAX_CIPHERTEXT ||
        pConn->rgbNetwork[1] != (BYTE)(pConn->dwProtocol >> 8) ||
        pConn->rgbNetwork[2] != (BYTE)pConn->dwProtocol)
    {
        return Fail(pConn, SEC_E_OK, "malformed record header from the server");
    }
    cbRecord = TLS_RECORD_HEADER_LENGTH + cbBody;
    if (!WaitForNetwork(pConn, cbRecord))
    {
        return FALSE;
    }
    memcpy(pConn->rgbRecord, pConn->rgbNetwork, cbRecord);
    memmove(pConn->rgbNetwork, pConn->rgbNetwork + cbRecord, pConn->cbNetwork - cbRecord);
    pConn->cbNetwork -= cbRecord;
    *pbContentType = pConn->rgbRecord[0];

    if (!pConn->fReadProtected)
    {
        *ppbFragment = pConn->rgbRecord + TLS_RECORD_HEADER_LENGTH;
        *pcbFragment = cbBody;
    }
    else
    {
        dwOffset = TLS_RECORD_HEADER_LENGTH + pLengths->dwHeaderLen;
        if (cbRecord < dwOffset)
        {
            return Fail(pConn, SEC_E_OK, "protected record shorter than its explicit nonce");
        }
        if (pConn->fFlipNextProtectedRecord)
        {
            DecryptFlippedCopy(pConn, cbRecord);
        }
        Status = SslDecryptPacket(pConn->hProvider, pConn->hReadKey,
                                  pConn->rgbRecord, cbRecord,
                                  pConn->rgbRecord + dwOffset, cbRecord - dwOffset, &cbPlaintext,
                                  pConn->ReadSequence, 0);
        if (SslCallFailed(pConn, "SslDecryptPacket", Status))
        {
            return FALSE;
        }
        pConn->ReadSequence++;
        if (cbPlaintext > cbRecord - dwOffset - pLengths->dwFixedTrailerLen)
        {
            return Fail(pConn, SEC_E_OK, "SslDecryptPacket: %u bytes of plaintext from a %u-byte "
                        "record", (unsigned)cbPlaintext, (unsigned)cbRecord);
        }
        *ppbFragment = pConn->rgbRecord + dwOffset;
        *pcbFragment = cbPlaintext;
    }

    if (*pbContentType == CT_ALERT && *pcbFragment == 2)
    {
        pConn->iAlertReceived = (*ppbFragment)[1];
    }
    return TRUE;
}

static BOOL
UnexpectedRecord(PCLIENT_CONNECTION pConn, BYTE bContentType, const char *pszWaitingFor)
{
    if (bContentType == CT_ALERT && pConn->iAlertReceived >= 0)
    {
        return Fail(pConn, SEC_E_OK, "waiting for %s, the server sent alert %d", pszWaitingFor,
                    pConn->iAlertReceived);
    }
    return Fail(pConn, SEC_E_OK, "waiting for %s, got a record of type %u", pszWaitingFor,
                (unsigned)bContentType);
}

/* ========================================================================================== */
/* Handshake messages                                                                         */
/* ========================================================================================== */

/* The next handshake message, whatever the record boundaries: messages may share a record and
 * a message may span records (RFC 5246 §6.2.1). On success *pBody reads its body; the whole
 * message (4-byte header + body, its type in rgbMessage[0]) stays in rgbMessage until the
 * next call, for hashing. */
static BOOL
ReadNextHandshakeMessage(PCLIENT_CONNECTION pConn, READER *pBody)
{
    PBYTE pbFragment;
    DWORD cbFragment;
    DWORD cbMessage;
    DWORD i;
    BYTE  bContentType;

    for (i = 0; i < MAX_RECORDS_PER_MESSAGE; i++)
    {
        if (pConn->cbHandshake >= TLS_HANDSHAKE_HEADER_LENGTH)
        {
            cbMessage = TLS_HANDSHAKE_HEADER_LENGTH + ((DWORD)pConn->rgbHandshake[1] << 16 |
                                                       (DWORD)pConn->rgbHandshake[2] << 8 |
                                                       pConn->rgbHandshake[3]);
            if (cbMessage > sizeof(pConn->rgbMessage))
            {
                return Fail(pConn, SEC_E_OK, "handshake message too long");
            }
            if (pConn->cbHandshake >= cbMessage)
            {
                memcpy(pConn->rgbMessage, pConn->rgbHandshake, cbMessage);
                pConn->cbMessage = cbMessage;
                memmove(pConn->rgbHandshake, pConn->rgbHandshake + cbMessage,
                        pConn->cbHandshake - cbMessage);
                pConn->cbHandshake -= cbMessage;
                pBody->pb = pConn->rgbMessage + TLS_HANDSHAKE_HEADER_LENGTH;
                pBody->cb = cbMessage - TLS_HANDSHAKE_HEADER_LENGTH;
                pBody->off = 0;
                pBody->fError = FALSE;
                return TRUE;
            }
        }
        if (!RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment))
        {
            return FALSE;
        }
        if (bContentType != CT_HANDSHAKE)
        {
            return UnexpectedRecord(pConn, bContentType, "a handshake message");
        }
        if (cbFragment > sizeof(pConn->rgbHandshake) - pConn->cbHandshake)
        {
            return Fail(pConn, SEC_E_OK, "handshake buffer overflow");
        }
        memcpy(pConn->rgbHandshake + pConn->cbHandshake, pbFragment, cbFragment);
        pConn->cbHandshake += cbFragment;
    }
    return Fail(pConn, SEC_E_OK, "no complete handshake message after %u records",
                MAX_RECORDS_PER_MESSAGE);
}

/* The next handshake message, which must be of type bType. */
static BOOL
ReadHandshakeMessage(PCLIENT_CONNECTION pConn, BYTE bType, READER *pBody)
{
    if (!ReadNextHandshakeMessage(pConn, pBody))
    {
        return FALSE;
    }
    if (pConn->rgbMessage[0] != bType)
    {
        return Fail(pConn, SEC_E_OK, "expected handshake message %u, got %u",
                    (unsigned)bType, (unsigned)pConn->rgbMessage[0]);
    }
    return TRUE;
}

/* SslHashHandshake takes whole messages, 4-byte header included, never record headers. Every
 * message goes to the transcript object and, in parallel, to each client-auth hash object
 * (TLS 1.2 with a client certificate), as Schannel feeds them: one of them will hash the
 * CertificateVerify, and the scheme is only known once CertificateRequest has come. */
static BOOL
HashHandshakeMessage(PCLIENT_CONNECTION pConn, const BYTE *pbMessage, DWORD cbMessage)
{
    SECURITY_STATUS Status;
    DWORD           i;

    Status = SslHashHandshake(pConn->hProvider, pConn->hHandshakeHash,
                              (PBYTE)pbMessage, cbMessage, 0);
    if (SslCallFailed(pConn, "SslHashHandshake", Status))
    {
        return FALSE;
    }
    for (i = 0; i < CLIENT_AUTH_HASH_COUNT; i++)
    {
        if (pConn->rghClientAuthHash[i] == 0)
        {
            continue;
        }
        Status = SslHashHandshake(pConn->hProvider, pConn->rghClientAuthHash[i],
                                  (PBYTE)pbMessage, cbMessage, 0);
        if (SslCallFailed(pConn, "SslHashHandshake (client-auth hash)", Status))
        {
            return FALSE;
        }
    }
    return TRUE;
}

static BOOL
HashLastMessage(PCLIENT_CONNECTION pConn)
{
    return HashHandshakeMessage(pConn, pConn->rgbMessage, pConn->cbMessage);
}

/* Frame, hash and send one of our messages (all after ClientHello). */
static BOOL
SendHandshakeMessage(PCLIENT_CONNECTION pConn, BYTE bType, const BYTE *pbBody, DWORD cbBody)
{
    PBYTE pbMessage = malloc(TLS_HANDSHAKE_HEADER_LENGTH + cbBody);
    BOOL  fOk;

    if (pbMessage == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    pbMessage[0] = bType;
    pbMessage[1] = (BYTE)(cbBody >> 16);
    pbMessage[2] = (BYTE)(cbBody >> 8);
    pbMessage[3] = (BYTE)cbBody;
    memcpy(pbMessage + TLS_HANDSHAKE_HEADER_LENGTH, pbBody, cbBody);
    fOk = HashHandshakeMessage(pConn, pbMessage, TLS_HANDSHAKE_HEADER_LENGTH + cbBody) &&
          SendRecord(pConn, CT_HANDSHAKE, pbMessage, TLS_HANDSHAKE_HEADER_LENGTH + cbBody);
    free(pbMessage);
    return fOk;
}

/* ========================================================================================== */
/* Tables                                                                                     */
/* ========================================================================================== */

#define AEAD_GCM_LENGTHS        { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 8, 16, 0, 0 }
#define AEAD_CCM_LENGTHS        { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 8, 16, 0, 0 }
#define AEAD_CCM_8_LENGTHS      { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 8, 8, 0, 0 }
#define AEAD_CHACHA_LENGTHS     { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 0, 16, 0, 0 }
#define CBC_LENGTHS(cbMac)      { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 16, cbMac, 16, \
                                  NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING }
#define NULL_LENGTHS(cbMac)     { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 0, cbMac, 0, 0 }

#define ALL_CIPHERS             "ALL"
#define NULL_CIPHERS            "ALL:eNULL:@SECLEVEL=0"

static const SUITE_INFO Suites[] =
{
    { TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,       "ECDHE_RSA_WITH_AES_128_GCM_SHA256",       AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,       "ECDHE_RSA_WITH_AES_256_GCM_SHA384",       AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,     "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",     AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,          "ECDHE_RSA_WITH_AES_128_CBC_SHA",          CBC_LENGTHS(20),      ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,          "ECDHE_RSA_WITH_AES_256_CBC_SHA",          CBC_LENGTHS(20),      ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,       "ECDHE_RSA_WITH_AES_128_CBC_SHA256",       CBC_LENGTHS(32),      ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,       "ECDHE_RSA_WITH_AES_256_CBC_SHA384",       CBC_LENGTHS(48),      ALL_CIPHERS },
    { TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", AEAD_CHACHA_LENGTHS,  ALL_CIPHERS },
    { TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,         "DHE_RSA_WITH_AES_128_GCM_SHA256",         AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,        "ECDHE_ECDSA_WITH_AES_128_CBC_SHA",        CBC_LENGTHS(20),      ALL_CIPHERS },
    { TLS_DHE_RSA_WITH_AES_128_CBC_SHA,            "DHE_RSA_WITH_AES_128_CBC_SHA",            CBC_LENGTHS(20),      ALL_CIPHERS },
    { TLS_RSA_WITH_AES_128_GCM_SHA256,             "RSA_WITH_AES_128_GCM_SHA256",             AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_RSA_WITH_AES_128_CBC_SHA,                "RSA_WITH_AES_128_CBC_SHA",                CBC_LENGTHS(20),      ALL_CIPHERS },
    { TLS_RSA_WITH_AES_128_CBC_SHA256,             "RSA_WITH_AES_128_CBC_SHA256",             CBC_LENGTHS(32),      ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_128_CCM,            "ECDHE_ECDSA_WITH_AES_128_CCM",            AEAD_CCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_256_CCM,            "ECDHE_ECDSA_WITH_AES_256_CCM",            AEAD_CCM_LENGTHS,     ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,          "ECDHE_ECDSA_WITH_AES_128_CCM_8",          AEAD_CCM_8_LENGTHS,   ALL_CIPHERS },
    { TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,          "ECDHE_ECDSA_WITH_AES_256_CCM_8",          AEAD_CCM_8_LENGTHS,   ALL_CIPHERS },
    { TLS_PSK_WITH_AES_128_GCM_SHA256,             "PSK_WITH_AES_128_GCM_SHA256",             AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_PSK_WITH_AES_256_GCM_SHA384,             "PSK_WITH_AES_256_GCM_SHA384",             AEAD_GCM_LENGTHS,     ALL_CIPHERS },
    { TLS_PSK_WITH_AES_128_CBC_SHA256,             "PSK_WITH_AES_128_CBC_SHA256",             CBC_LENGTHS(32),      ALL_CIPHERS },
    { TLS_PSK_WITH_AES_256_CBC_SHA384,             "PSK_WITH_AES_256_CBC_SHA384",             CBC_LENGTHS(48),      ALL_CIPHERS },
    { TLS_PSK_WITH_NULL_SHA256,                    "PSK_WITH_NULL_SHA256",                    NULL_LENGTHS(32),     NULL_CIPHERS },
    { TLS_PSK_WITH_NULL_SHA384,                    "PSK_WITH_NULL_SHA384",                    NULL_LENGTHS(48),     NULL_CIPHERS },
};

static const GROUP_INFO Groups[] =
{
    { TLS_ECC_P256_CURVE_KEY_TYPE,   "P-256",  BCRYPT_ECCPUBLIC_BLOB, BCRYPT_ECDH_PUBLIC_P256_MAGIC, 32 },
    { TLS_ECC_P384_CURVE_KEY_TYPE,   "P-384",  BCRYPT_ECCPUBLIC_BLOB, BCRYPT_ECDH_PUBLIC_P384_MAGIC, 48 },
    { TLS_ECC_P521_CURVE_KEY_TYPE,   "P-521",  BCRYPT_ECCPUBLIC_BLOB, BCRYPT_ECDH_PUBLIC_P521_MAGIC, 66 },
    { TLS_ECC_X25519_CURVE_KEY_TYPE, "X25519", SSL_ECCPUBLIC_BLOB,    0,                             32 },
};

/* The signature schemes this client checks and makes; the TLS 1.2 rows are the
 * signature_algorithms of our ClientHello. */
static const SCHEME_INFO Schemes[] =
{
    { SCHEME_RSA_PKCS1_SHA256,    "rsa_pkcs1_sha256",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA256_ALGORITHM, "SHA256",   0  },
    { SCHEME_RSA_PKCS1_SHA384,    "rsa_pkcs1_sha384",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA384_ALGORITHM, "SHA384",   0  },
    { SCHEME_RSA_PKCS1_SHA512,    "rsa_pkcs1_sha512",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA512_ALGORITHM, "SHA512",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256",    SIGNATURE_RSA_PSS,    BCRYPT_SHA256_ALGORITHM, "SHA256",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384",    SIGNATURE_RSA_PSS,    BCRYPT_SHA384_ALGORITHM, "SHA384",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512",    SIGNATURE_RSA_PSS,    BCRYPT_SHA512_ALGORITHM, "SHA512",   0  },
    { SCHEME_ECDSA_P256_SHA256,   "ecdsa_secp256r1_sha256", SIGNATURE_ECDSA,      BCRYPT_SHA256_ALGORITHM, "SHA256",   32 },
    { SCHEME_ECDSA_P384_SHA384,   "ecdsa_secp384r1_sha384", SIGNATURE_ECDSA,      BCRYPT_SHA384_ALGORITHM, "SHA384",   48 },
};

/* TLS 1.0 and 1.1 (no scheme on the wire: the key decides) */
static const SCHEME_INFO LegacyRsaScheme =
    { SCHEME_LEGACY,              "rsa MD5||SHA-1",         SIGNATURE_RSA_LEGACY, NULL,                    "MD5-SHA1", 0  };
static const SCHEME_INFO LegacyEcdsaScheme =
    { SCHEME_LEGACY,              "ecdsa SHA-1",            SIGNATURE_ECDSA,      BCRYPT_SHA1_ALGORITHM,   "SHA1",     0  };

/* The hashes of our signature_algorithms: one SslCreateClientAuthHash object each. */
static const struct
{
    LPCWSTR     pszAlgId;
    const char *pszDigest;
} ClientAuthHashes[CLIENT_AUTH_HASH_COUNT] =
{
    { BCRYPT_SHA256_ALGORITHM, "SHA256" },
    { BCRYPT_SHA384_ALGORITHM, "SHA384" },
    { BCRYPT_SHA512_ALGORITHM, "SHA512" },
};

static const SCHEME_INFO *
FindScheme(DWORD dwScheme)
{
    size_t i;

    for (i = 0; i < sizeof(Schemes) / sizeof(Schemes[0]); i++)
    {
        if (Schemes[i].dwScheme == dwScheme)
        {
            return &Schemes[i];
        }
    }
    return NULL;
}

static const SUITE_INFO *
FindSuite(DWORD dwCipherSuite)
{
    size_t i;

    for (i = 0; i < sizeof(Suites) / sizeof(Suites[0]); i++)
    {
        if (Suites[i].dwCipherSuite == dwCipherSuite)
        {
            return &Suites[i];
        }
    }
    return NULL;
}

static const GROUP_INFO *
FindGroup(DWORD dwGroup)
{
    size_t i;

    for (i = 0; i < sizeof(Groups) / sizeof(Groups[0]); i++)
    {
        if (Groups[i].dwGroup == dwGroup)
        {
            return &Groups[i];
        }
    }
    return NULL;
}

/* ========================================================================================== */
/* Parameter lists                                                                            */
/* ========================================================================================== */

/* RFC 7627: the session hash covers the transcript through ClientKeyExchange. */
static BOOL
ComputeSessionHash(PCLIENT_CONNECTION pConn, PBYTE pbSessionHash, DWORD cbSessionHash,
                   DWORD *pcbResult)
{
    SECURITY_STATUS Status;

    Status = SslComputeSessionHash(pConn->hProvider, pConn->hHandshakeHash,
                                   pConn->dwProtocol, pbSessionHash, cbSessionHash,
                                   pcbResult, 0);
    return !SslCallFailed(pConn, "SslComputeSessionHash", Status);
}

/* ========================================================================================== */
/* ClientHello .. ServerHelloDone                                                             */
/* ========================================================================================== */

static BOOL
SendClientHello(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    WRITER w = { pConn->rgbClientHello, 0, sizeof(pConn->rgbClientHello), FALSE };
    static const BYTE rgbPointFormats[] = { 1, 0 };          /* uncompressed */
    static const BYTE rgbRenegotiationInfo[] = { 0 };        /* initial handshake */
    static const BYTE rgbSignatureAlgorithms[] =
    {
        0, 16,
        0x08, 0x04, 0x08, 0x05, 0x08, 0x06,    /* rsa_pss_rsae_sha256/384/512 */
        0x04, 0x01, 0x05, 0x01, 0x06, 0x01,    /* rsa_pkcs1_sha256/384/512 */
        0x04, 0x03, 0x05, 0x03                 /* ecdsa_secp256r1_sha256, secp384r1_sha384 */
    };
    BYTE  rgbGroups[8];
    DWORD cbGroups = 4;
    DWORD dwClientCurve = 0;
    DWORD dwBody;
    DWORD dwExtensions;

    if (RAND_bytes(pConn->rgbClientRandom, TLS_RANDOM_LENGTH) != 1)
    {
        return Fail(pConn, SEC_E_OK, "RAND_bytes failed");
    }
    rgbGroups[0] = 0;
    rgbGroups[2] = (BYTE)(pCase->dwGroup >> 8);
    rgbGroups[3] = (BYTE)pCase->dwGroup;
    /* TLS 1.2 libssl uses an ECDSA certificate only when its curve is among our supported
     * groups (RFC 4492 §5.1): with the P-256 certificate we offer P-256 too, after the group
     * under test, which libssl then picks as our first choice. */
    if (pCase->CertType == CERT_ECDSA && pCase->dwGroup != TLS_ECC_P256_CURVE_KEY_TYPE)
    {
        rgbGroups[cbGroups] = (BYTE)(TLS_ECC_P256_CURVE_KEY_TYPE >> 8);
        rgbGroups[cbGroups + 1] = (BYTE)TLS_ECC_P256_CURVE_KEY_TYPE;
        cbGroups += 2;
    }
    /* The same holds for our own ECDSA certificate: a TLS 1.2 libssl server refuses a
     * CertificateVerify from a key on a curve missing from our supported_groups
     * (illegal_parameter, SSL_R_WRONG_CURVE), so the client offers its certificate's curve. */
    if (pConn->pClientCredentials != NULL)
    {
        dwClientCurve = pConn->pClientCredentials->dwCurve;
    }
    if (dwClientCurve != 0 && dwClientCurve != pCase->dwGroup &&
        !(pCase->CertType == CERT_ECDSA && dwClientCurve == TLS_ECC_P256_CURVE_KEY_TYPE))
    {
        rgbGroups[cbGroups] = (BYTE)(dwClientCurve >> 8);
        rgbGroups[cbGroups + 1] = (BYTE)dwClientCurve;
        cbGroups += 2;
    }
    rgbGroups[1] = (BYTE)(cbGroups - 2);

    PutNumber(&w, HS_CLIENT_HELLO, 1);
    dwBody = OpenVector(&w, 3);
    PutNumber(&w, pConn->dwProtocol, 2);
    PutBytes(&w, pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
    PutNumber(&w, 0, 1);                              /* no session_id */
    PutNumber(&w, 2, 2);                              /* cipher_suites: the one under test */
    PutNumber(&w, pCase->dwCipherSuite, 2);
    PutNumber(&w, 1, 1);                              /* compression_methods: null */
    PutNumber(&w, 0, 1);
    dwExtensions = OpenVector(&w, 2);
    PutExtension(&w, EXT_SUPPORTED_GROUPS, rgbGroups, cbGroups);
    PutExtension(&w, EXT_EC_POINT_FORMATS, rgbPointFormats, sizeof(rgbPointFormats));
    if (pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION)
    {
        /* TLS 1.0/1.1 have no signature_algorithms (RFC 5246 §7.4.1.4.1) */
        PutExtension(&w, EXT_SIGNATURE_ALGORITHMS, rgbSignatureAlgorithms,
                     sizeof(rgbSignatureAlgorithms));
    }
    if (pCase->fEms)
    {
        PutExtension(&w, EXT_EXTENDED_MASTER_SECRET, NULL, 0);
    }
    PutExtension(&w, EXT_RENEGOTIATION_INFO, rgbRenegotiationInfo, sizeof(rgbRenegotiationInfo));
    CloseVector(&w, dwExtensions, 2);
    CloseVector(&w, dwBody, 3);
    if (w.fOverflow)
    {
        return Fail(pConn, SEC_E_OK, "ClientHello too long");
    }
    pConn->cbClientHello = w.cb;

    /* Sent now, hashed once ServerHello has named the suite (and with it the PRF hash). */
    return SendRecord(pConn, CT_HANDSHAKE, pConn->rgbClientHello, pConn->cbClientHello);
}

static BOOL
CheckCipherLengths(PCLIENT_CONNECTION pConn)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pGot = &pConn->CipherLengths;
    NCRYPT_SSL_CIPHER_LENGTHS        Want = pConn->pSuite->Lengths;
    const NCRYPT_SSL_CIPHER_LENGTHS *pWant = &Want;

    /* TLS 1.0 CBC has no explicit IV (the IV chains from the previous record): header 0 */
    if (pConn->dwProtocol == TLS1_0_PROTOCOL_VERSION &&
        (Want.dwFlags & NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING) != 0)
    {
        Want.dwHeaderLen = 0;
    }
    if (memcmp(pGot, pWant, sizeof(*pGot)) == 0)
    {
        return TRUE;
    }
    return Fail(pConn, SEC_E_OK,
                "SslLookupCipherLengths(0x%04X) = {%u, %u, %u, %u, %u}; conventions.md §12: "
                "{%u, %u, %u, %u, %u}", (unsigned)pConn->pCase->dwCipherSuite,
                (unsigned)pGot->cbLength, (unsigned)pGot->dwHeaderLen,
                (unsigned)pGot->dwFixedTrailerLen, (unsigned)pGot->dwMaxVariableTrailerLen,
                (unsigned)pGot->dwFlags, (unsigned)pWant->cbLength, (unsigned)pWant->dwHeaderLen,
                (unsigned)pWant->dwFixedTrailerLen, (unsigned)pWant->dwMaxVariableTrailerLen,
                (unsigned)pWant->dwFlags);
}

static BOOL
ReceiveServerHello(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    READER          r;
    READER          Extensions;
    const BYTE     *pbRandom;
    DWORD           dwVersion, dwCipherSuite, dwCompression, dwType, cbExtension;
    BOOL            fEmsEchoed = FALSE;
    DWORD           i;
    SECURITY_STATUS Status;

    if (!ReadHandshakeMessage(pConn, HS_SERVER_HELLO, &r))
    {
        return FALSE;
    }
    dwVersion = GetNumber(&r, 2);
    pbRandom = GetBytes(&r, TLS_RANDOM_LENGTH);
    GetBytes(&r, GetNumber(&r, 1));                   /* session_id */
    dwCipherSuite = GetNumber(&r, 2);
    dwCompression = GetNumber(&r, 1);
    Extensions.cb = r.off < r.cb ? GetNumber(&r, 2) : 0;
    Extensions.pb = GetBytes(&r, Extensions.cb);
    Extensions.off = 0;
    Extensions.fError = FALSE;
    while (Extensions.pb != NULL && Extensions.off < Extensions.cb)
    {
        dwType = GetNumber(&Extensions, 2);
        cbExtension = GetNumber(&Extensions, 2);
        GetBytes(&Extensions, cbExtension);
        if (dwType == EXT_EXTENDED_MASTER_SECRET && cbExtension == 0)
        {
            fEmsEchoed = TRUE;
        }
    }
    if (!ReaderDone(&r) || Extensions.fError || pbRandom == NULL)
    {
        return Fail(pConn, SEC_E_OK, "malformed ServerHello");
    }
    if (dwVersion != pConn->dwProtocol || dwCipherSuite != pCase->dwCipherSuite ||
        dwCompression != 0)
    {
        return Fail(pConn, SEC_E_OK, "ServerHello: version 0x%04X, suite 0x%04X",
                    (unsigned)dwVersion, (unsigned)dwCipherSuite);
    }
    if (fEmsEchoed != pCase->fEms)
    {
        return Fail(pConn, SEC_E_OK, "ServerHello: extended_master_secret %s",
                    fEmsEchoed ? "echoed without being offered" : "not echoed");
    }
    memcpy(pConn->rgbServerRandom, pbRandom, TLS_RANDOM_LENGTH);

    /* The suite is known: the transcript hash and the record lengths follow from it. */
    Status = SslCreateHandshakeHash(pConn->hProvider, &pConn->hHandshakeHash,
                                    pConn->dwProtocol, dwCipherSuite, 0);
    if (SslCallFailed(pConn, "SslCreateHandshakeHash", Status))
    {
        return FALSE;
    }
    /* A TLS 1.2 client with a certificate: one client-auth hash object per hash of the
     * signature_algorithms we offered, made now and fed every message from ClientHello on, in
     * parallel with the transcript, as Schannel does (behavior.md §8.3.4): whichever scheme
     * the CertificateRequest will allow, its hash is ready. TLS 1.0/1.1 sign a hash of the
     * transcript object itself (SslCreateClientAuthHash refuses them: NTE_NOT_SUPPORTED). */
    for (i = 0; i < CLIENT_AUTH_HASH_COUNT && pConn->pClientCredentials != NULL &&
                pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION; i++)
    {
        Status = SslCreateClientAuthHash(pConn->hProvider, &pConn->rghClientAuthHash[i],
                                         pConn->dwProtocol, dwCipherSuite,
                                         ClientAuthHashes[i].pszAlgId, 0);
        if (SslCallFailed(pConn, "SslCreateClientAuthHash", Status))
        {
            return FALSE;
        }
    }
    if (!HashHandshakeMessage(pConn, pConn->rgbClientHello, pConn->cbClientHello) ||
        !HashLastMessage(pConn))
    {
        return FALSE;
    }
    /* dwKeyType: what real callers have at hand, here the group of our ClientHello, also for
     * RSA and DHE suites; the provider never reads it (conventions.md §12). */
    Status = SslLookupCipherLengths(pConn->hProvider, pConn->dwProtocol, dwCipherSuite,
                                    pCase->dwGroup, &pConn->CipherLengths,
                                    sizeof(pConn->CipherLengths), 0);
    if (SslCallFailed(pConn, "SslLookupCipherLengths", Status))
    {
        return FALSE;
    }
    return CheckCipherLengths(pConn);
}

/* The leaf certificate's public key. No chain validation: the certificate is ours. */
static BOOL
ReceiveCertificate(PCLIENT_CONNECTION pConn)
{
    READER      r;
    const BYTE *pbDer;
    DWORD       cbDer;
    X509       *pCert;
    const char *pszWantType = pConn->pCase->CertType == CERT_RSA ? "RSA" : "EC";

    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE, &r))
    {
        return FALSE;
    }
    GetNumber(&r, 3);                                 /* certificate_list length */
    cbDer = GetNumber(&r, 3);
    pbDer = GetBytes(&r, cbDer);
    if (pbDer == NULL)
    {
        return Fail(pConn, SEC_E_OK, "malformed Certificate");
    }
    pCert = d2i_X509(NULL, &pbDer, (long)cbDer);
    if (pCert == NULL)
    {
        return Fail(pConn, SEC_E_OK, "the server certificate does not parse");
    }
    pConn->pServerCertKey = X509_get_pubkey(pCert);
    X509_free(pCert);
    if (pConn->pServerCertKey == NULL || !EVP_PKEY_is_a(pConn->pServerCertKey, pszWantType))
    {
        return Fail(pConn, SEC_E_OK, "the server certificate does not hold an %s key",
                    pszWantType);
    }
    return HashLastMessage(pConn);
}

static BOOL ImportServerRsaKey(PCLIENT_CONNECTION pConn);

/* A fatal alert of ours, in plaintext (before ChangeCipherSpec). */
static void
SendFatalAlert(PCLIENT_CONNECTION pConn, BYTE bAlert)
{
    BYTE rgbAlert[2];

    rgbAlert[0] = ALERT_FATAL;
    rgbAlert[1] = bAlert;
    SendRecord(pConn, CT_ALERT, rgbAlert, sizeof(rgbAlert));
}

/* What SslSignHash and SslVerifySignature take for a scheme (conventions.md §13): RSA PKCS#1
 * and RSA-PSS: the UTF-16 hash name || 0x0000 || digest (the NCRYPT_SSL_SIGN_INCLUDE_HASHOID
 * layout of the SDK header); RSA in TLS 1.0/1.1 and ECDSA: the digest alone. Returns the
 * length and the dwFlags that go with it. */
static DWORD
BuildHashValue(const SCHEME_INFO *pScheme, const BYTE *pbDigest, DWORD cbDigest,
               PBYTE pbHashValue, DWORD *pdwFlags)
{
    DWORD cbName = 0;

    *pdwFlags = 0;
    if (pScheme->Kind == SIGNATURE_RSA_PKCS1 || pScheme->Kind == SIGNATURE_RSA_PSS)
    {
        while (pScheme->pszHashAlgId[cbName / sizeof(WCHAR)] != 0)
        {
            cbName += sizeof(WCHAR);
        }
        cbName += sizeof(WCHAR);                              /* the 0x0000 terminator */
        memcpy(pbHashValue, pScheme->pszHashAlgId, cbName);   /* UTF-16LE, as on Windows */
        *pdwFlags = pScheme->Kind == SIGNATURE_RSA_PSS ? NCRYPT_SSL_SIGN_USE_PSS_PADDING
                                                       : NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
    }
    memcpy(pbHashValue + cbName, pbDigest, cbDigest);
    return cbName + cbDigest;
}

/* The certificate's ECDSA key as a BCRYPT_ECCPUBLIC_BLOB {ECS1/ECS3/ECS5, cbKey} + X + Y. */
static BOOL
ImportServerEccKey(PCLIENT_CONNECTION pConn)
{
    BCRYPT_ECCKEY_BLOB Header;
    BYTE               rgbPoint[1 + 2 * 66];
    BYTE               rgbBlob[sizeof(BCRYPT_ECCKEY_BLOB) + 2 * 66];
    size_t             cbPoint = 0;
    SECURITY_STATUS    Status;

    switch (EVP_PKEY_get_bits(pConn->pServerCertKey))
    {
    case 256: Header.dwMagic = BCRYPT_ECDSA_PUBLIC_P256_MAGIC; Header.cbKey = 32; break;
    case 384: Header.dwMagic = BCRYPT_ECDSA_PUBLIC_P384_MAGIC; Header.cbKey = 48; break;
    case 521: Header.dwMagic = BCRYPT_ECDSA_PUBLIC_P521_MAGIC; Header.cbKey = 66; break;
    default:
        return Fail(pConn, SEC_E_OK, "the certificate's EC key is on no curve we know");
    }
    if (EVP_PKEY_get_octet_string_param(pConn->pServerCertKey, OSSL_PKEY_PARAM_PUB_KEY,
                                        rgbPoint, sizeof(rgbPoint), &cbPoint) != 1 ||
        cbPoint != 1 + 2 * Header.cbKey || rgbPoint[0] != 0x04)
    {
        return Fail(pConn, SEC_E_OK, "the certificate's EC point is not uncompressed");
    }
    memcpy(rgbBlob, &Header, sizeof(Header));
    memcpy(rgbBlob + sizeof(Header), rgbPoint + 1, 2 * Header.cbKey);
    Status = SslImportKey(pConn->hProvider, &pConn->hServerPublicKey, BCRYPT_ECCPUBLIC_BLOB,
                          rgbBlob, sizeof(Header) + 2 * Header.cbKey, 0);
    return !SslCallFailed(pConn, "SslImportKey (BCRYPT_ECCPUBLIC_BLOB)", Status);
}

/* libcrypto's check, standing in for the BCryptVerifySignature a Windows client would call
 * (kept from before sslprov could verify): EVP_DigestVerify over the signed bytes. */
static BOOL
VerifyServerKeyExchangeLibcrypto(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme,
                                 const BYTE *pbSigned, DWORD cbSigned,
                                 const BYTE *pbSignature, DWORD cbSignature)
{
    const EVP_MD *pMd = EVP_get_digestbyname(pScheme->pszDigest);
    EVP_MD_CTX   *pMdCtx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pPkeyCtx = NULL;
    BOOL          fPss = pScheme->Kind == SIGNATURE_RSA_PSS;
    BOOL          fOk;

    /* TLS 1.0/1.1 RSA: "MD5-SHA1" makes OpenSSL sign the 36 bytes without DigestInfo. */
    fOk = pMd != NULL && pMdCtx != NULL &&
          EVP_DigestVerifyInit(pMdCtx, &pPkeyCtx, pMd, NULL, pConn->pServerCertKey) == 1 &&
          (!fPss ||
           (EVP_PKEY_CTX_set_rsa_padding(pPkeyCtx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pPkeyCtx, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
          EVP_DigestVerify(pMdCtx, pbSignature, cbSignature, pbSigned, cbSigned) == 1;
    EVP_MD_CTX_free(pMdCtx);
    ERR_clear_error();
    return fOk;
}

/* sslprov's check: SslVerifySignature with the certificate's key imported by SslImportKey
 * (sslprov's superset of Windows, docs/signatures.md). The hash is computed here (Windows:
 * BCryptHash) and laid out as for SslSignHash; an ECDSA signature goes in as the DER of the
 * wire, which SslVerifySignature reads whenever its length is not 2 x the order's - a DER
 * signature of exactly that length (very short r and s) is converted to r || s first. */
static SECURITY_STATUS
VerifyServerKeyExchangeSslprov(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme,
                               const BYTE *pbSigned, DWORD cbSigned,
                               const BYTE *pbSignature, DWORD cbSignature)
{
    BYTE            rgbDigest[EVP_MAX_MD_SIZE];
    DWORD           cbDigest = 0;
    BYTE            rgbHashValue[2 * sizeof("SHA512") + EVP_MAX_MD_SIZE];
    DWORD           cbHashValue;
    BYTE            rgbRs[2 * 66];
    DWORD           cbOrder = 0;
    ECDSA_SIG      *pSig = NULL;
    const BIGNUM   *pR, *pS;
    const BYTE     *pbDer = pbSignature;
    DWORD           dwFlags = 0;

    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        cbOrder = (DWORD)(EVP_PKEY_get_bits(pConn->pServerCertKey) + 7) / 8;
    }
    if (cbOrder != 0 && cbSignature == 2 * cbOrder)
    {
        pSig = d2i_ECDSA_SIG(NULL, &pbDer, (long)cbSignature);
        if (pSig != NULL)
        {
            ECDSA_SIG_get0(pSig, &pR, &pS);
            if (BN_bn2binpad(pR, rgbRs, (int)cbOrder) > 0 &&
                BN_bn2binpad(pS, rgbRs + cbOrder, (int)cbOrder) > 0)
            {
                pbSignature = rgbRs;
            }
            ECDSA_SIG_free(pSig);
        }
    }
    if (!ComputeDigest(pScheme->pszDigest, pbSigned, cbSigned, rgbDigest, &cbDigest))
    {
        Fail(pConn, SEC_E_OK, "EVP_Digest(%s) failed", pScheme->pszDigest);
        return SEC_E_OK;
    }
    cbHashValue = BuildHashValue(pScheme, rgbDigest, cbDigest, rgbHashValue, &dwFlags);
    return SslVerifySignature(pConn->hProvider, pConn->hServerPublicKey,
                              rgbHashValue, cbHashValue,
                              (PBYTE)pbSignature, cbSignature, dwFlags);
}

/* RFC 5246 §7.4.3 (RFC 4346 §7.4.3, RFC 4492 §5.4): the signature covers client_random ||
 * server_random || params. TLS 1.2 names its scheme; TLS 1.0/1.1 sign MD5 || SHA-1 (RSA) or
 * SHA-1 (ECDSA) by the key's type. The signature is checked twice, by libcrypto and by
 * SslVerifySignature, and both must agree. A failed check ends the handshake with a
 * decrypt_error alert (RFC 5246 §7.2.2). */
static BOOL
VerifyServerKeyExchange(PCLIENT_CONNECTION pConn, const BYTE *pbParams, DWORD cbParams,
                        READER *r)
{
    BOOL               fTls12 = pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION;
    BOOL               fRsaKey = EVP_PKEY_is_a(pConn->pServerCertKey, "RSA");
    DWORD              dwScheme = fTls12 ? GetNumber(r, 2) : SCHEME_LEGACY;
    DWORD              cbSignature = GetNumber(r, 2);
    const BYTE        *pbSignature = GetBytes(r, cbSignature);
    const SCHEME_INFO *pScheme;
    PBYTE              pbSigned = NULL;
    DWORD              cbSigned = 2 * TLS_RANDOM_LENGTH + cbParams;
    BOOL               fLibcryptoOk;
    SECURITY_STATUS    Status;

    if (fTls12)
    {
        pScheme = FindScheme(dwScheme);
    }
    else
    {
        pScheme = fRsaKey ? &LegacyRsaScheme : &LegacyEcdsaScheme;
    }
    if (pScheme == NULL || (pScheme->Kind == SIGNATURE_ECDSA) == fRsaKey)
    {
        return Fail(pConn, SEC_E_OK, "ServerKeyExchange: signature scheme 0x%04X not offered "
                    "or not for the certificate's key", (unsigned)dwScheme);
    }
    if (!ReaderDone(r))
    {
        return Fail(pConn, SEC_E_OK, "malformed ServerKeyExchange");
    }
    pConn->pServerScheme = pScheme;
    if (pConn->hServerPublicKey == 0 &&
        !(fRsaKey ? ImportServerRsaKey(pConn) : ImportServerEccKey(pConn)))
    {
        return FALSE;
    }
    if (pConn->pCase->Twist == TWIST_SKE_FLIP_PARAMS)
    {
        /* twin (h): the network flipped the last byte of the params (in the message buffer,
         * where pbParams points) */
        pConn->rgbMessage[TLS_HANDSHAKE_HEADER_LENGTH + cbParams - 1] ^= 0x01;
    }
    pbSigned = malloc(cbSigned);
    if (pbSigned == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    memcpy(pbSigned, pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
    memcpy(pbSigned + TLS_RANDOM_LENGTH, pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    memcpy(pbSigned + 2 * TLS_RANDOM_LENGTH, pbParams, cbParams);

    fLibcryptoOk = VerifyServerKeyExchangeLibcrypto(pConn, pScheme, pbSigned, cbSigned,
                                                    pbSignature, cbSignature);
    Status = VerifyServerKeyExchangeSslprov(pConn, pScheme, pbSigned, cbSigned,
                                            pbSignature, cbSignature);
    free(pbSigned);
    if (pConn->szFailure[0] != '\0')
    {
        return FALSE;
    }
    if (FAILED(Status))
    {
        pConn->fLibcryptoRefusedSke = !fLibcryptoOk;
        Fail(pConn, Status, "SslVerifySignature (ServerKeyExchange, %s) returned 0x%08X; "
             "libcrypto %s it", pScheme->pszName, (unsigned)Status,
             fLibcryptoOk ? "accepts" : "refuses");
        SendFatalAlert(pConn, ALERT_DECRYPT_ERROR);
        return FALSE;
    }
    if (!fLibcryptoOk)
    {
        return Fail(pConn, SEC_E_OK, "ServerKeyExchange (%s): SslVerifySignature accepts what "
                    "libcrypto refuses", pScheme->pszName);
    }
    return TRUE;
}

/* ========================================================================================== */
/* Client authentication: CertificateRequest, Certificate, CertificateVerify                  */
/* ========================================================================================== */

/* The client-auth hash object of a scheme's hash (TLS 1.2), 0 if we made none. */
static NCRYPT_HASH_HANDLE
ClientAuthHashOf(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme)
{
    DWORD i;

    for (i = 0; i < CLIENT_AUTH_HASH_COUNT; i++)
    {
        if (strcmp(ClientAuthHashes[i].pszDigest, pScheme->pszDigest) == 0)
        {
            return pConn->rghClientAuthHash[i];
        }
    }
    return 0;
}

/* Can our key make this scheme, and do we hold a client-auth hash object for its hash? */
static BOOL
ClientCanSign(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme)
{
    const CLIENT_CREDENTIALS *pCredentials = pConn->pClientCredentials;

    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        if (pCredentials->cbOrder == 0 || pScheme->cbOrder != pCredentials->cbOrder)
        {
            return FALSE;
        }
    }
    else if (pCredentials->cbOrder != 0)
    {
        return FALSE;
    }
    return ClientAuthHashOf(pConn, pScheme) != 0;
}

/* RFC 5246 §7.4.4: certificate_types, (TLS 1.2) supported_signature_algorithms, and
 * certificate_authorities. The scheme of our CertificateVerify is chosen here: the first of
 * the server's list that our key can make, in the server's order. TLS 1.0/1.1 have no list:
 * the key's type decides (RSA: MD5 || SHA-1, ECDSA: SHA-1). */
static BOOL
ReceiveCertificateRequest(PCLIENT_CONNECTION pConn, READER *r)
{
    const CLIENT_CREDENTIALS *pCredentials = pConn->pClientCredentials;
    BOOL                      fTls12 = pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION;
    const BYTE               *pbTypes;
    const BYTE               *pbSchemes = NULL;
    const SCHEME_INFO        *pScheme;
    DWORD                     cbTypes, cbSchemes = 0, cbAuthorities, i;

    cbTypes = GetNumber(r, 1);
    pbTypes = GetBytes(r, cbTypes);
    if (fTls12)
    {
        cbSchemes = GetNumber(r, 2);
        pbSchemes = GetBytes(r, cbSchemes);
    }
    cbAuthorities = GetNumber(r, 2);
    GetBytes(r, cbAuthorities);
    if (!ReaderDone(r) || cbTypes == 0 ||
        (fTls12 && (cbSchemes == 0 || cbSchemes % 2 != 0)))
    {
        return Fail(pConn, SEC_E_OK, "malformed CertificateRequest");
    }
    if (pCredentials == NULL)
    {
        /* A real client would answer with an empty Certificate; no case of ours does. */
        return Fail(pConn, SEC_E_OK, "a CertificateRequest, but the client has no certificate");
    }
    if (memchr(pbTypes, pCredentials->bCertificateType, cbTypes) == NULL)
    {
        return Fail(pConn, SEC_E_OK, "CertificateRequest: certificate type %u not asked for",
                    (unsigned)pCredentials->bCertificateType);
    }
    if (fTls12)
    {
        for (i = 0; i < cbSchemes && pConn->pClientScheme == NULL; i += 2)
        {
            pScheme = FindScheme((DWORD)pbSchemes[i] << 8 | pbSchemes[i + 1]);
            if (pScheme != NULL && ClientCanSign(pConn, pScheme))
            {
                pConn->pClientScheme = pScheme;
            }
        }
        if (pConn->pClientScheme == NULL)
        {
            return Fail(pConn, SEC_E_OK, "CertificateRequest: no scheme for our %s key",
                        pCredentials->pszName);
        }
    }
    else
    {
        pConn->pClientScheme = pCredentials->cbOrder == 0 ? &LegacyRsaScheme
                                                          : &LegacyEcdsaScheme;
    }
    pConn->fCertificateRequested = TRUE;
    return HashLastMessage(pConn);
}

/* Our Certificate (RFC 5246 §7.4.6), the first message of our flight: certificate_list with
 * the one DER certificate of our CERT_CONTEXT. Its private key is opened first, as Schannel
 * does before it offers a credential: SslOpenPrivateKey finds it by the certificate. */
static BOOL
SendClientCertificate(PCLIENT_CONNECTION pConn)
{
    PCCERT_CONTEXT  pCertContext = pConn->pClientCredentials->pCertContext;
    DWORD           cbCert = pCertContext->cbCertEncoded;
    PBYTE           pbBody = malloc(6 + cbCert);
    SECURITY_STATUS Status;
    BOOL            fOk;

    if (pbBody == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    Status = SslOpenPrivateKey(pConn->hProvider, &pConn->hClientKey, pCertContext, 0);
    fOk = !SslCallFailed(pConn, "SslOpenPrivateKey", Status);
    if (fOk)
    {
        pbBody[0] = (BYTE)((cbCert + 3) >> 16);       /* certificate_list<0..2^24-1> */
        pbBody[1] = (BYTE)((cbCert + 3) >> 8);
        pbBody[2] = (BYTE)(cbCert + 3);
        pbBody[3] = (BYTE)(cbCert >> 16);             /* ASN.1Cert<1..2^24-1> */
        pbBody[4] = (BYTE)(cbCert >> 8);
        pbBody[5] = (BYTE)cbCert;
        memcpy(pbBody + 6, pCertContext->pbCertEncoded, cbCert);
        fOk = SendHandshakeMessage(pConn, HS_CERTIFICATE, pbBody, 6 + cbCert);
    }
    free(pbBody);
    return fOk;
}

/* CertificateVerify (RFC 5246 §7.4.8), Schannel's sequence (behavior.md §8.4.7, S-CV12):
 *  1. the hash: SslComputeClientAuthHash(master key, hash object, pszAlgId = the key's
 *     algorithm, 64-byte buffer, flags 0) - TLS 1.2: the SslCreateClientAuthHash object of the
 *     scheme's hash (its digest of every message so far); TLS 1.0/1.1: the SslCreateHandshakeHash
 *     object, "RSA" giving MD5 || SHA-1 (36 bytes), "ECDSA" SHA-1 (20);
 *  2. SslSignHash with the key from SslOpenPrivateKey: rsa_pkcs1_* = UTF-16 name || 0x0000 ||
 *     digest with NCRYPT_SSL_SIGN_INCLUDE_HASHOID, rsa_pss_rsae_* the same with
 *     NCRYPT_SSL_SIGN_USE_PSS_PADDING, TLS 1.0/1.1 RSA the 36 bytes with flags 0, ECDSA the
 *     digest with flags 0 (size query first);
 *  3. ECDSA's r || s DER-encoded; the message: (TLS 1.2) the scheme, then signature<2>.
 * Twins: (f) the hash from the wrong object (TLS 1.2: another hash's client-auth object, the
 * name of that hash in the prefix; TLS 1.0/1.1: the other key algorithm's pszAlgId); (g) one
 * byte of the signature flipped. */
static BOOL
SendCertificateVerify(PCLIENT_CONNECTION pConn)
{
    const CLIENT_CREDENTIALS *pCredentials = pConn->pClientCredentials;
    const SCHEME_INFO        *pScheme = pConn->pClientScheme;
    const SCHEME_INFO        *pHashScheme = pScheme;      /* whose hash is signed */
    BOOL                      fTls12 = pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION;
    NCRYPT_HASH_HANDLE        hHash = pConn->hHandshakeHash;
    LPCWSTR                   pszAlgId;
    BOOL                      fRsaAlgId;             /* pszAlgId "RSA" (else "ECDSA") */
    BYTE                      rgbDigest[64];
    DWORD                     cbDigest = 0;
    DWORD                     cbWantDigest;
    BYTE                      rgbHashValue[2 * sizeof("SHA512") + 64];
    DWORD                     cbHashValue;
    BYTE                      rgbSignature[512];
    DWORD                     cbSignature = 0;
    BYTE                      rgbBody[4 + 512];
    DWORD                     cbBody = 0;
    DWORD                     dwFlags = 0;
    DWORD                     i;
    SECURITY_STATUS           Status;

    if (!pConn->fCertificateRequested)
    {
        return TRUE;
    }
    pszAlgId = pCredentials->pszAlgId;
    fRsaAlgId = pCredentials->cbOrder == 0;
    if (pConn->pCase->Twist == TWIST_CV_WRONG_HASH)
    {
        if (fTls12)
        {
            /* twin (f): the object of another hash of our list, e.g. SHA-384 for a SHA-256
             * scheme (the prefix names the object's hash: SslSignHash would refuse a SHA-384
             * digest under the name SHA256 with NTE_BAD_LEN) */
            for (i = 0; i < sizeof(Schemes) / sizeof(Schemes[0]); i++)
            {
                if (Schemes[i].Kind == pScheme->Kind &&
                    strcmp(Schemes[i].pszDigest, pScheme->pszDigest) != 0)
                {
                    pHashScheme = &Schemes[i];
                    break;
                }
            }
        }
        else
        {
            /* twin (f): the other key algorithm's hash (36 <-> 20 bytes) */
            fRsaAlgId = !fRsaAlgId;
            pszAlgId = fRsaAlgId ? BCRYPT_RSA_ALGORITHM : BCRYPT_ECDSA_ALGORITHM;
        }
    }
    if (fTls12)
    {
        hHash = ClientAuthHashOf(pConn, pHashScheme);
        cbWantDigest = (DWORD)EVP_MD_get_size(EVP_get_digestbyname(pHashScheme->pszDigest));
    }
    else
    {
        cbWantDigest = fRsaAlgId ? 36 : 20;       /* MD5 || SHA-1, or SHA-1 */
    }

    /* 1. The hash of the handshake so far */
    Status = SslComputeClientAuthHash(pConn->hProvider, pConn->hMasterKey, hHash, pszAlgId,
                                      rgbDigest, sizeof(rgbDigest), &cbDigest, 0);
    if (SslCallFailed(pConn, "SslComputeClientAuthHash", Status))
    {
        return FALSE;
    }
    if (cbDigest != cbWantDigest)
    {
        return Fail(pConn, SEC_E_OK, "SslComputeClientAuthHash: %u bytes, want %u",
                    (unsigned)cbDigest, (unsigned)cbWantDigest);
    }

    /* 2. Sign: how big, then the signature */
    cbHashValue = BuildHashValue(pHashScheme, rgbDigest, cbDigest, rgbHashValue, &dwFlags);
    Status = SslSignHash(pConn->hProvider, pConn->hClientKey, rgbHashValue, cbHashValue,
                         NULL, 0, &cbSignature, dwFlags);
    if (SslCallFailed(pConn, "SslSignHash (size)", Status))
    {
        return FALSE;
    }
    if (cbSignature > sizeof(rgbSignature))
    {
        return Fail(pConn, SEC_E_OK, "SslSignHash: a %u-byte signature", (unsigned)cbSignature);
    }
    Status = SslSignHash(pConn->hProvider, pConn->hClientKey, rgbHashValue, cbHashValue,
                         rgbSignature, sizeof(rgbSignature), &cbSignature, dwFlags);
    if (SslCallFailed(pConn, "SslSignHash", Status))
    {
        return FALSE;
    }
    if (pConn->pCase->Twist == TWIST_CV_FLIP_SIGNATURE)
    {
        rgbSignature[cbSignature - 1] ^= 0x01;          /* twin (g): RSA's last byte, ECDSA's s */
    }

    /* 3. The message */
    if (fTls12)
    {
        rgbBody[0] = (BYTE)(pScheme->dwScheme >> 8);
        rgbBody[1] = (BYTE)pScheme->dwScheme;
        cbBody = 2;
    }
    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        if (cbSignature != 2 * pCredentials->cbOrder)
        {
            return Fail(pConn, SEC_E_OK, "SslSignHash: a %u-byte ECDSA signature, r || s is %u",
                        (unsigned)cbSignature, (unsigned)(2 * pCredentials->cbOrder));
        }
        if (!EcdsaSignatureToDer(rgbSignature, cbSignature, rgbSignature, sizeof(rgbSignature),
                                 &cbSignature))
        {
            return Fail(pConn, SEC_E_OK, "could not DER-encode the ECDSA signature");
        }
    }
    rgbBody[cbBody] = (BYTE)(cbSignature >> 8);
    rgbBody[cbBody + 1] = (BYTE)cbSignature;
    memcpy(rgbBody + cbBody + 2, rgbSignature, cbSignature);
    return SendHandshakeMessage(pConn, HS_CERTIFICATE_VERIFY, rgbBody, cbBody + 2 + cbSignature);
}

/* After the handshake: libssl holds our certificate and saw the signature we meant. */
static BOOL
CheckClientAuthenticated(PCLIENT_CONNECTION pConn)
{
    const SCHEME_INFO *pScheme = pConn->pClientScheme;
    X509              *pPeer;
    int                nidDigest = NID_undef;
    int                nidType = NID_undef;
    int                nidWantType;

    if (pConn->pClientCredentials == NULL)
    {
        return TRUE;
    }
    pPeer = SSL_get0_peer_certificate(pConn->pServer);
    if (pPeer == NULL || X509_cmp(pPeer, pConn->pClientCredentials->pCert) != 0)
    {
        return Fail(pConn, SEC_E_OK, "libssl did not take our certificate");
    }
    nidWantType = pScheme->Kind == SIGNATURE_RSA_PSS ? EVP_PKEY_RSA_PSS :
                  pScheme->Kind == SIGNATURE_ECDSA ? EVP_PKEY_EC : EVP_PKEY_RSA;
    if (SSL_get_peer_signature_nid(pConn->pServer, &nidDigest) != 1 ||
        SSL_get_peer_signature_type_nid(pConn->pServer, &nidType) != 1 ||
        nidDigest != EVP_MD_get_type(EVP_get_digestbyname(pScheme->pszDigest)) ||
        nidType != nidWantType)
    {
        return Fail(pConn, SEC_E_OK, "libssl saw CertificateVerify as %s/%s, we sent %s",
                    OBJ_nid2sn(nidType), OBJ_nid2sn(nidDigest), pScheme->pszName);
    }
    return TRUE;
}

/* ServerHelloDone, after an optional CertificateRequest. Asked for a certificate, the client
 * starts its flight with Certificate (RFC 5246 §7.4.6); CertificateVerify follows its
 * ClientKeyExchange (SendCertificateVerify, called once the master key exists). */
static BOOL
ReceiveServerHelloDone(PCLIENT_CONNECTION pConn)
{
    READER r;

    if (!ReadNextHandshakeMessage(pConn, &r))
    {
        return FALSE;
    }
    if (pConn->rgbMessage[0] == HS_CERTIFICATE_REQUEST &&
        (!ReceiveCertificateRequest(pConn, &r) || !ReadNextHandshakeMessage(pConn, &r)))
    {
        return FALSE;
    }
    if (pConn->rgbMessage[0] != HS_SERVER_HELLO_DONE)
    {
        return Fail(pConn, SEC_E_OK, "expected handshake message %u, got %u",
                    (unsigned)HS_SERVER_HELLO_DONE, (unsigned)pConn->rgbMessage[0]);
    }
    if (!ReaderDone(&r))
    {
        return Fail(pConn, SEC_E_OK, "malformed ServerHelloDone");
    }
    if (pConn->pClientCredentials != NULL && !pConn->fCertificateRequested)
    {
        return Fail(pConn, SEC_E_OK, "the server asked for no certificate");
    }
    return HashLastMessage(pConn) &&
           (!pConn->fCertificateRequested || SendClientCertificate(pConn));
}

/* ========================================================================================== */
/* Key exchange: one function per kind, chosen by the case table                              */
/* ========================================================================================== */

/* SslGenerateMasterKey after (EC)DHE (our ephemeral key, the server's share) or plain PSK (the
 * PSK, hPublicKey 0; conventions.md §1, §3), as Windows clients call it: pbOutput NULL,
 * cbOutput 0, pcbResult NULL (conventions.md §1 Output sizes 1). Parameters: the randoms, or
 * with EMS only HIGHEST_VERSION and SESSION_HASH (behavior.md §1.1 step 4). */
static BOOL
GenerateMasterKey(PCLIENT_CONNECTION pConn, NCRYPT_KEY_HANDLE hPrivateKey,
                  NCRYPT_KEY_HANDLE hPublicKey)
{
    const TEST_CASE *pCase = pConn->pCase;
    NCryptBuffer     rgBuffers[2];
    NCryptBufferDesc ParameterList;
    BYTE             rgbSessionHash[64];
    DWORD            cbSessionHash = 0;
    DWORD            dwHighestVersion = pConn->dwProtocol;
    SECURITY_STATUS  Status;

    InitParameterList(&ParameterList, rgBuffers);
    if (pCase->fEms && pCase->Twist != TWIST_EMS_FROM_RANDOMS)
    {
        if (!ComputeSessionHash(pConn, rgbSessionHash, sizeof(rgbSessionHash), &cbSessionHash))
        {
            return FALSE;
        }
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_HIGHEST_VERSION,
                  &dwHighestVersion, sizeof(dwHighestVersion));
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_SESSION_HASH, rgbSessionHash, cbSessionHash);
    }
    else
    {
        /* Without EMS; or twin (c): EMS negotiated, the randoms used anyway. */
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_CLIENT_RANDOM,
                  pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_SERVER_RANDOM,
                  pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    }
    Status = SslGenerateMasterKey(pConn->hProvider, hPrivateKey, hPublicKey,
                                  &pConn->hMasterKey, pConn->dwProtocol,
                                  pCase->dwCipherSuite, &ParameterList,
                                  NULL, 0, NULL, NCRYPT_SSL_CLIENT_FLAG);
    return !SslCallFailed(pConn, "SslGenerateMasterKey", Status);
}

/* Our public value from an export blob: size query, then the blob (conventions.md §1 Output
 * sizes 3). The caller frees *ppbBlob. */
static BOOL
ExportEphemeralKey(PCLIENT_CONNECTION pConn, LPCWSTR pszBlobType, PBYTE *ppbBlob, DWORD *pcbBlob)
{
    SECURITY_STATUS Status;
    DWORD           cbBlob = 0;

    *ppbBlob = NULL;
    Status = SslExportKey(pConn->hProvider, pConn->hEphemeralKey, pszBlobType, NULL, 0, &cbBlob, 0);
    if (SslCallFailed(pConn, "SslExportKey (size)", Status))
    {
        return FALSE;
    }
    *ppbBlob = malloc(cbBlob);
    if (*ppbBlob == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    Status = SslExportKey(pConn->hProvider, pConn->hEphemeralKey, pszBlobType,
                          *ppbBlob, cbBlob, pcbBlob, 0);
    return !SslCallFailed(pConn, "SslExportKey", Status);
}

/* ECDHE_RSA and ECDHE_ECDSA (behavior.md §1.1). */
static BOOL
KeyExchangeEcdhe(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE  *pCase = pConn->pCase;
    const GROUP_INFO *pGroup;
    READER            r;
    const BYTE       *pbParams;
    const BYTE       *pbPoint;
    DWORD             dwCurveType, dwGroup, cbPoint;
    BYTE              rgbBlob[sizeof(BCRYPT_ECCKEY_BLOB) + 2 * 66];
    DWORD             cbBlob = 0;
    PBYTE             pbExport = NULL;
    DWORD             cbExport = 0;
    BYTE              rgbKeyExchange[1 + 1 + 2 * 66];
    DWORD             cbOurPoint = 0;
    SECURITY_STATUS   Status;
    BOOL              fOk = FALSE;

    /* ServerKeyExchange: ECParameters (named_curve) and the server's ECPoint, signed. */
    if (!ReadHandshakeMessage(pConn, HS_SERVER_KEY_EXCHANGE, &r))
    {
        return FALSE;
    }
    pbParams = r.pb;
    dwCurveType = GetNumber(&r, 1);
    dwGroup = GetNumber(&r, 2);
    cbPoint = GetNumber(&r, 1);
    pbPoint = GetBytes(&r, cbPoint);
    if (pbPoint == NULL || dwCurveType != 3 /* named_curve */ || dwGroup != pCase->dwGroup ||
        (pGroup = FindGroup(dwGroup)) == NULL)
    {
        return Fail(pConn, SEC_E_OK, "ServerKeyExchange: not the named curve %u we offered",
                    (unsigned)pCase->dwGroup);
    }
    if (!VerifyServerKeyExchange(pConn, pbParams, r.off, &r))
    {
        return FALSE;
    }
    if (!EccBlobFromPoint(pGroup->dwGroup, pGroup->dwMagic, pGroup->cbKey, pbPoint, cbPoint,
                          rgbBlob, &cbBlob))
    {
        return Fail(pConn, SEC_E_OK, "ServerKeyExchange: malformed %s point", pGroup->pszName);
    }
    if (!HashLastMessage(pConn) || !ReceiveServerHelloDone(pConn))
    {
        return FALSE;
    }

    /* The server's share: a public-only ephemeral key. Ours: dwKeyType = the TLS group. */
    Status = SslImportKey(pConn->hProvider, &pConn->hServerShare, pGroup->pszBlobType,
                          rgbBlob, cbBlob, 0);
    if (SslCallFailed(pConn, "SslImportKey (server share)", Status))
    {
        return FALSE;
    }
    Status = SslCreateEphemeralKey(pConn->hProvider, &pConn->hEphemeralKey,
                                   pConn->dwProtocol, pCase->dwCipherSuite,
                                   pCase->dwGroup, 0, NULL, 0, 0);
    if (SslCallFailed(pConn, "SslCreateEphemeralKey", Status))
    {
        return FALSE;
    }

    /* ClientKeyExchange: our ECPoint, from the export blob. */
    if (!ExportEphemeralKey(pConn, pGroup->pszBlobType, &pbExport, &cbExport))
    {
        goto cleanup;
    }
    if (!EccPointFromBlob(pGroup->dwGroup, pGroup->dwMagic, pGroup->cbKey, pbExport, cbExport,
                          rgbKeyExchange + 1, &cbOurPoint))
    {
        Fail(pConn, SEC_E_OK, "SslExportKey: malformed %s blob", pGroup->pszName);
        goto cleanup;
    }
    rgbKeyExchange[0] = (BYTE)cbOurPoint;
    fOk = SendHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, rgbKeyExchange, 1 + cbOurPoint) &&
          GenerateMasterKey(pConn, pConn->hEphemeralKey, pConn->hServerShare);

cleanup:
    free(pbExport);
    return fOk;
}

/* DHE_RSA: the server's p, g and Ys as a BCRYPT_DH_PUBLIC_BLOB; our key on the same p and g,
 * passed as BCRYPT_DH_PARAMETER_HEADER + p + g (docs/keys.md). */
static BOOL
KeyExchangeDhe(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    READER           r;
    const BYTE      *pbParams;
    const BYTE      *pbP, *pbG, *pbYs;
    DWORD            cbP, cbG, cbYs, cbKey, dwKeyBitLen;
    PBYTE            pbPeerBlob = NULL, pbDhParameters = NULL, pbExport = NULL, pbKeyExchange = NULL;
    DWORD            cbPeerBlob, cbDhParameters, cbExport = 0;
    BCRYPT_DH_KEY_BLOB         DhHeader;
    BCRYPT_DH_PARAMETER_HEADER ParameterHeader;
    SECURITY_STATUS  Status;
    BOOL             fOk = FALSE;

    /* ServerKeyExchange: ServerDHParams {dh_p, dh_g, dh_Ys}, signed (RFC 5246 §7.4.3). */
    if (!ReadHandshakeMessage(pConn, HS_SERVER_KEY_EXCHANGE, &r))
    {
        return FALSE;
    }
    pbParams = r.pb;
    cbP = GetNumber(&r, 2);
    pbP = GetBytes(&r, cbP);
    cbG = GetNumber(&r, 2);
    pbG = GetBytes(&r, cbG);
    cbYs = GetNumber(&r, 2);
    pbYs = GetBytes(&r, cbYs);
    if (pbP == NULL || pbG == NULL || pbYs == NULL || cbP == 0 || pbP[0] == 0 ||
        cbG > cbP || cbYs > cbP)
    {
        return Fail(pConn, SEC_E_OK, "malformed ServerDHParams");
    }
    if (!VerifyServerKeyExchange(pConn, pbParams, r.off, &r) || !HashLastMessage(pConn))
    {
        return FALSE;
    }
    cbKey = cbP;
    dwKeyBitLen = 8 * cbP;
    for (BYTE bTop = pbP[0]; (bTop & 0x80) == 0; bTop <<= 1)
    {
        dwKeyBitLen--;
    }

    cbPeerBlob = sizeof(DhHeader) + 3 * cbKey;
    cbDhParameters = sizeof(ParameterHeader) + 2 * cbKey;
    pbPeerBlob = malloc(cbPeerBlob);
    pbDhParameters = malloc(cbDhParameters);
    pbKeyExchange = malloc(2 + cbKey);
    if (pbPeerBlob == NULL || pbDhParameters == NULL || pbKeyExchange == NULL)
    {
        Fail(pConn, SEC_E_OK, "out of memory");
        goto cleanup;
    }
    DhHeader.dwMagic = BCRYPT_DH_PUBLIC_MAGIC;
    DhHeader.cbKey = cbKey;
    memcpy(pbPeerBlob, &DhHeader, sizeof(DhHeader));
    PutPadded(pbPeerBlob + sizeof(DhHeader), cbKey, pbP, cbP);
    PutPadded(pbPeerBlob + sizeof(DhHeader) + cbKey, cbKey, pbG, cbG);
    PutPadded(pbPeerBlob + sizeof(DhHeader) + 2 * cbKey, cbKey, pbYs, cbYs);

    ParameterHeader.cbLength = cbDhParameters;
    ParameterHeader.dwMagic = BCRYPT_DH_PARAMETERS_MAGIC;
    ParameterHeader.cbKeyLength = cbKey;
    memcpy(pbDhParameters, &ParameterHeader, sizeof(ParameterHeader));
    PutPadded(pbDhParameters + sizeof(ParameterHeader), cbKey, pbP, cbP);
    PutPadded(pbDhParameters + sizeof(ParameterHeader) + cbKey, cbKey, pbG, cbG);

    /* p, g and Ys are copied: the next message replaces the one they point into. */
    if (!ReceiveServerHelloDone(pConn))
    {
        goto cleanup;
    }
    Status = SslImportKey(pConn->hProvider, &pConn->hServerShare, BCRYPT_DH_PUBLIC_BLOB,
                          pbPeerBlob, cbPeerBlob, 0);
    if (SslCallFailed(pConn, "SslImportKey (BCRYPT_DH_PUBLIC_BLOB)", Status))
    {
        goto cleanup;
    }
    Status = SslCreateEphemeralKey(pConn->hProvider, &pConn->hEphemeralKey,
                                   pConn->dwProtocol, pCase->dwCipherSuite,
                                   0, dwKeyBitLen, pbDhParameters, cbDhParameters, 0);
    if (SslCallFailed(pConn, "SslCreateEphemeralKey (DH parameters)", Status))
    {
        goto cleanup;
    }

    /* ClientKeyExchange: dh_Yc, the y of our BCRYPT_DH_PUBLIC_BLOB {header, p, g, y}. */
    if (!ExportEphemeralKey(pConn, BCRYPT_DH_PUBLIC_BLOB, &pbExport, &cbExport))
    {
        goto cleanup;
    }
    if (cbExport == sizeof(DhHeader) + 3 * cbKey)
    {
        memcpy(&DhHeader, pbExport, sizeof(DhHeader));
    }
    if (cbExport != sizeof(DhHeader) + 3 * cbKey || DhHeader.dwMagic != BCRYPT_DH_PUBLIC_MAGIC ||
        DhHeader.cbKey != cbKey)
    {
        Fail(pConn, SEC_E_OK, "SslExportKey: malformed BCRYPT_DH_PUBLIC_BLOB");
        goto cleanup;
    }
    pbKeyExchange[0] = (BYTE)(cbKey >> 8);
    pbKeyExchange[1] = (BYTE)cbKey;
    memcpy(pbKeyExchange + 2, pbExport + sizeof(DhHeader) + 2 * cbKey, cbKey);
    fOk = SendHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, pbKeyExchange, 2 + cbKey) &&
          GenerateMasterKey(pConn, pConn->hEphemeralKey, pConn->hServerShare);

cleanup:
    free(pbPeerBlob);
    free(pbDhParameters);
    free(pbExport);
    free(pbKeyExchange);
    return fOk;
}

/* The certificate's RSA key as a BCRYPT_RSAPUBLIC_BLOB {header, exponent, modulus}. Windows
 * code often imports it with NCryptImportKey and passes that key-storage handle; sslprov has
 * no key storage, so the same blob goes to SslImportKey (conventions.md §12). */
static BOOL
ImportServerRsaKey(PCLIENT_CONNECTION pConn)
{
    BIGNUM            *pN = NULL, *pE = NULL;
    BCRYPT_RSAKEY_BLOB Header;
    PBYTE              pbBlob = NULL;
    DWORD              cbBlob = 0;
    SECURITY_STATUS    Status;
    BOOL               fOk = FALSE;

    if (EVP_PKEY_get_bn_param(pConn->pServerCertKey, OSSL_PKEY_PARAM_RSA_N, &pN) != 1 ||
        EVP_PKEY_get_bn_param(pConn->pServerCertKey, OSSL_PKEY_PARAM_RSA_E, &pE) != 1)
    {
        Fail(pConn, SEC_E_OK, "the certificate's RSA key has no n or e");
        goto cleanup;
    }
    Header.Magic = BCRYPT_RSAPUBLIC_MAGIC;
    Header.BitLength = (ULONG)BN_num_bits(pN);
    Header.cbPublicExp = (ULONG)BN_num_bytes(pE);
    Header.cbModulus = (ULONG)BN_num_bytes(pN);
    Header.cbPrime1 = 0;
    Header.cbPrime2 = 0;
    cbBlob = sizeof(Header) + Header.cbPublicExp + Header.cbModulus;
    pbBlob = malloc(cbBlob);
    if (pbBlob == NULL)
    {
        Fail(pConn, SEC_E_OK, "out of memory");
        goto cleanup;
    }
    memcpy(pbBlob, &Header, sizeof(Header));
    BN_bn2bin(pE, pbBlob + sizeof(Header));
    BN_bn2bin(pN, pbBlob + sizeof(Header) + Header.cbPublicExp);
    Status = SslImportKey(pConn->hProvider, &pConn->hServerPublicKey, BCRYPT_RSAPUBLIC_BLOB,
                          pbBlob, cbBlob, 0);
    fOk = !SslCallFailed(pConn, "SslImportKey (BCRYPT_RSAPUBLIC_BLOB)", Status);

cleanup:
    BN_free(pN);
    BN_free(pE);
    free(pbBlob);
    return fOk;
}

/* Size query of the RSA paths: SEC_E_OK, the modulus length, and no object created
 * (conventions.md §1 Output sizes 1). */
static BOOL
CheckRsaSizeQuery(PCLIENT_CONNECTION pConn, const char *pszCall, SECURITY_STATUS Status,
                  DWORD cbResult, NCRYPT_KEY_HANDLE hCreated)
{
    DWORD cbModulus = (DWORD)EVP_PKEY_get_size(pConn->pServerCertKey);

    if (Status != SEC_E_OK)
    {
        return Fail(pConn, Status, "%s size query returned 0x%08X, conventions.md §1: SEC_E_OK",
                    pszCall, (unsigned)Status);
    }
    if (hCreated != 0)
    {
        return Fail(pConn, SEC_E_OK, "%s size query created an object", pszCall);
    }
    if (cbResult != cbModulus)
    {
        return Fail(pConn, SEC_E_OK, "%s size query: %u bytes, the modulus has %u", pszCall,
                    (unsigned)cbResult, (unsigned)cbModulus);
    }
    return TRUE;
}

/* Static RSA, one step (behavior.md §1.2, the old style): SslGenerateMasterKey makes the
 * pre-master secret, encrypts it for the ClientKeyExchange and derives the master key. */
static BOOL
KeyExchangeRsaOneStep(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    NCryptBuffer     rgBuffers[3];
    NCryptBufferDesc ParameterList;
    DWORD            dwHighestVersion = pConn->dwProtocol;
    PBYTE            pbKeyExchange = NULL;
    DWORD            cbEncrypted = 0;
    SECURITY_STATUS  Status;
    BOOL             fOk = FALSE;

    if (!ReceiveServerHelloDone(pConn) || !ImportServerRsaKey(pConn))
    {
        return FALSE;
    }
    InitParameterList(&ParameterList, rgBuffers);
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_SERVER_RANDOM,
              pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_HIGHEST_VERSION,
              &dwHighestVersion, sizeof(dwHighestVersion));
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_CLIENT_RANDOM,
              pConn->rgbClientRandom, TLS_RANDOM_LENGTH);

    /* How big is the encrypted pre-master secret? */
    Status = SslGenerateMasterKey(pConn->hProvider, 0, pConn->hServerPublicKey,
                                  &pConn->hMasterKey, pConn->dwProtocol,
                                  pCase->dwCipherSuite, &ParameterList,
                                  NULL, 0, &cbEncrypted, NCRYPT_SSL_CLIENT_FLAG);
    if (!CheckRsaSizeQuery(pConn, "SslGenerateMasterKey", Status, cbEncrypted, pConn->hMasterKey))
    {
        return FALSE;
    }

    /* ClientKeyExchange body: uint16 length + the ciphertext. */
    pbKeyExchange = malloc(2 + cbEncrypted);
    if (pbKeyExchange == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    Status = SslGenerateMasterKey(pConn->hProvider, 0, pConn->hServerPublicKey,
                                  &pConn->hMasterKey, pConn->dwProtocol,
                                  pCase->dwCipherSuite, &ParameterList,
                                  pbKeyExchange + 2, cbEncrypted, &cbEncrypted,
                                  NCRYPT_SSL_CLIENT_FLAG);
    if (SslCallFailed(pConn, "SslGenerateMasterKey", Status))
    {
        goto cleanup;
    }
    pbKeyExchange[0] = (BYTE)(cbEncrypted >> 8);
    pbKeyExchange[1] = (BYTE)cbEncrypted;
    fOk = SendHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, pbKeyExchange, 2 + cbEncrypted);

cleanup:
    free(pbKeyExchange);
    return fOk;
}

/* Static RSA, two steps (behavior.md §1.2, Windows 10+): SslGeneratePreMasterKey, then the
 * ClientKeyExchange is sent and hashed, so that the EMS session hash can cover it, then
 * SslGenerateMasterKey from the pre-master key. */
static BOOL
KeyExchangeRsaTwoStep(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    NCryptBuffer     rgBuffers[3];
    NCryptBufferDesc ParameterList;
    DWORD            dwHighestVersion = pConn->dwProtocol;
    PBYTE            pbKeyExchange = NULL;
    DWORD            cbEncrypted = 0;
    SECURITY_STATUS  Status;
    BOOL             fOk = FALSE;

    if (!ReceiveServerHelloDone(pConn) || !ImportServerRsaKey(pConn))
    {
        return FALSE;
    }

    /* The pre-master secret needs only the version we offered. */
    InitParameterList(&ParameterList, rgBuffers);
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_HIGHEST_VERSION,
              &dwHighestVersion, sizeof(dwHighestVersion));
    Status = SslGeneratePreMasterKey(pConn->hProvider, pConn->hServerPublicKey,
                                     &pConn->hPreMasterKey, pConn->dwProtocol,
                                     pCase->dwCipherSuite, &ParameterList,
                                     NULL, 0, &cbEncrypted, NCRYPT_SSL_CLIENT_FLAG);
    if (!CheckRsaSizeQuery(pConn, "SslGeneratePreMasterKey", Status, cbEncrypted,
                           pConn->hPreMasterKey))
    {
        return FALSE;
    }
    pbKeyExchange = malloc(2 + cbEncrypted);
    if (pbKeyExchange == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    Status = SslGeneratePreMasterKey(pConn->hProvider, pConn->hServerPublicKey,
                                     &pConn->hPreMasterKey, pConn->dwProtocol,
                                     pCase->dwCipherSuite, &ParameterList,
                                     pbKeyExchange + 2, cbEncrypted, &cbEncrypted,
                                     NCRYPT_SSL_CLIENT_FLAG);
    if (SslCallFailed(pConn, "SslGeneratePreMasterKey", Status))
    {
        goto cleanup;
    }
    pbKeyExchange[0] = (BYTE)(cbEncrypted >> 8);
    pbKeyExchange[1] = (BYTE)cbEncrypted;
    if (!SendHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, pbKeyExchange, 2 + cbEncrypted))
    {
        goto cleanup;
    }

    /* the session hash now covers the ClientKeyExchange: the master key from the pre-master */
    fOk = GenerateMasterKey(pConn, pConn->hPreMasterKey, pConn->hServerPublicKey);

cleanup:
    free(pbKeyExchange);
    return fOk;
}

/* Plain PSK (RFC 4279 §2): no Certificate; a ServerKeyExchange only when the server has an
 * identity hint, so after ServerHello comes either ServerKeyExchange {psk_identity_hint} or
 * ServerHelloDone, and the client must take both. ClientKeyExchange = {psk_identity}. The
 * PSK enters sslprov through SslImportKey (TLS13PRESHAREDKEY raw bytes, or with fKeyDataBlob
 * a BCRYPT_KEY_DATA_BLOB) and is hPrivateKey of SslGenerateMasterKey, with hPublicKey 0
 * (conventions.md §3). */
static BOOL
KeyExchangePskAs(PCLIENT_CONNECTION pConn, BOOL fKeyDataBlob)
{
    const char     *pszWantHint = pConn->pCredentials->pszIdentityHint;
    LPCWSTR         pszBlobType = fKeyDataBlob ? BCRYPT_KEY_DATA_BLOB : TLS_13_PRE_SHARED_KEY;
    READER          r;
    const BYTE     *pbHint;
    DWORD           cbHint;
    BYTE            rgbBlob[sizeof(BCRYPT_KEY_DATA_BLOB_HEADER) + PSK_LENGTH];
    DWORD           cbBlob;
    BYTE            rgbKeyExchange[2 + sizeof(PSK_IDENTITY) - 1];
    SECURITY_STATUS Status;

    if (!ReadNextHandshakeMessage(pConn, &r))
    {
        return FALSE;
    }
    if (pConn->rgbMessage[0] == HS_SERVER_KEY_EXCHANGE)
    {
        cbHint = GetNumber(&r, 2);
        pbHint = GetBytes(&r, cbHint);
        if (!ReaderDone(&r))
        {
            return Fail(pConn, SEC_E_OK, "malformed ServerKeyExchange (psk_identity_hint)");
        }
        /* A real client may pick its identity by the hint; ours has one identity. */
        if (pszWantHint == NULL || cbHint != strlen(pszWantHint) ||
            memcmp(pbHint, pszWantHint, cbHint) != 0)
        {
            return Fail(pConn, SEC_E_OK, "ServerKeyExchange: a %u-byte psk_identity_hint, "
                        "want %s", (unsigned)cbHint, pszWantHint != NULL ? pszWantHint : "none");
        }
        if (!HashLastMessage(pConn) || !ReceiveServerHelloDone(pConn))
        {
            return FALSE;
        }
    }
    else if (pConn->rgbMessage[0] == HS_SERVER_HELLO_DONE)
    {
        if (!ReaderDone(&r))
        {
            return Fail(pConn, SEC_E_OK, "malformed ServerHelloDone");
        }
        if (pszWantHint != NULL)
        {
            return Fail(pConn, SEC_E_OK, "no ServerKeyExchange, but the server has a hint");
        }
        if (!HashLastMessage(pConn))
        {
            return FALSE;
        }
    }
    else
    {
        return Fail(pConn, SEC_E_OK, "expected ServerKeyExchange or ServerHelloDone, got %u",
                    (unsigned)pConn->rgbMessage[0]);
    }

    /* The PSK: raw bytes (TLS13PRESHAREDKEY), or a BCRYPT_KEY_DATA_BLOB {KDBM, 1, cb} + bytes. */
    if (fKeyDataBlob)
    {
        BCRYPT_KEY_DATA_BLOB_HEADER Header = { BCRYPT_KEY_DATA_BLOB_MAGIC,
                                               BCRYPT_KEY_DATA_BLOB_VERSION1, PSK_LENGTH };

        memcpy(rgbBlob, &Header, sizeof(Header));
        memcpy(rgbBlob + sizeof(Header), pConn->rgbPsk, PSK_LENGTH);
        cbBlob = sizeof(Header) + PSK_LENGTH;
    }
    else
    {
        memcpy(rgbBlob, pConn->rgbPsk, PSK_LENGTH);
        cbBlob = PSK_LENGTH;
    }
    Status = SslImportKey(pConn->hProvider, &pConn->hPsk, pszBlobType, rgbBlob, cbBlob, 0);
    OPENSSL_cleanse(rgbBlob, sizeof(rgbBlob));
    if (SslCallFailed(pConn, "SslImportKey (PSK)", Status))
    {
        return FALSE;
    }

    /* ClientKeyExchange: psk_identity<0..2^16-1>, then the master key from the PSK. */
    rgbKeyExchange[0] = 0;
    rgbKeyExchange[1] = (BYTE)(sizeof(PSK_IDENTITY) - 1);
    memcpy(rgbKeyExchange + 2, PSK_IDENTITY, sizeof(PSK_IDENTITY) - 1);
    return SendHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, rgbKeyExchange,
                                sizeof(rgbKeyExchange)) &&
           GenerateMasterKey(pConn, pConn->hPsk, 0);
}

/* Plain PSK, the PSK imported as raw bytes. */
static BOOL
KeyExchangePsk(PCLIENT_CONNECTION pConn)
{
    return KeyExchangePskAs(pConn, FALSE);
}

/* Plain PSK, the PSK imported as a BCRYPT_KEY_DATA_BLOB. */
static BOOL
KeyExchangePskKeyData(PCLIENT_CONNECTION pConn)
{
    return KeyExchangePskAs(pConn, TRUE);
}

/* ========================================================================================== */
/* Session keys, ChangeCipherSpec and Finished                                                */
/* ========================================================================================== */

/* Both randoms, always - also with EMS (behavior.md §1.1 step 5). */
static BOOL
MakeSessionKeys(PCLIENT_CONNECTION pConn)
{
    NCryptBuffer     rgBuffers[2];
    NCryptBufferDesc ParameterList;
    SECURITY_STATUS  Status;

    InitParameterList(&ParameterList, rgBuffers);
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_CLIENT_RANDOM,
              pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
    AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_SERVER_RANDOM,
              pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    Status = SslGenerateSessionKeys(pConn->hProvider, pConn->hMasterKey,
                                    &pConn->hReadKey, &pConn->hWriteKey, &ParameterList, 0);
    return !SslCallFailed(pConn, "SslGenerateSessionKeys", Status);
}

static BOOL
SendChangeCipherSpecAndFinished(PCLIENT_CONNECTION pConn)
{
    static const BYTE rgbChangeCipherSpec[] = { 1 };
    BYTE              rgbVerifyData[TLS_FINISHED_LENGTH];
    DWORD             dwSender = NCRYPT_SSL_CLIENT_FLAG;    /* the flag names the sender */
    SECURITY_STATUS   Status;

    if (pConn->pCase->Twist == TWIST_FINISHED_WITH_SERVER_FLAG)
    {
        dwSender = NCRYPT_SSL_SERVER_FLAG;                   /* twin (a): the wrong label */
    }
    Status = SslComputeFinishedHash(pConn->hProvider, pConn->hMasterKey, pConn->hHandshakeHash,
                                    rgbVerifyData, sizeof(rgbVerifyData), dwSender);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (client)", Status) ||
        !SendRecord(pConn, CT_CHANGE_CIPHER_SPEC, rgbChangeCipherSpec,
                    sizeof(rgbChangeCipherSpec)))
    {
        return FALSE;
    }
    pConn->fWriteProtected = TRUE;
    pConn->WriteSequence = 0;
    return SendHandshakeMessage(pConn, HS_FINISHED, rgbVerifyData, sizeof(rgbVerifyData));
}

static BOOL
ReceiveChangeCipherSpecAndFinished(PCLIENT_CONNECTION pConn)
{
    BYTE            rgbExpected[TLS_FINISHED_LENGTH];
    PBYTE           pbFragment;
    DWORD           cbFragment;
    BYTE            bContentType;
    READER          r;
    SECURITY_STATUS Status;

    if (!RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment))
    {
        return FALSE;
    }
    if (bContentType != CT_CHANGE_CIPHER_SPEC)
    {
        return UnexpectedRecord(pConn, bContentType, "ChangeCipherSpec");
    }
    if (cbFragment != 1 || pbFragment[0] != 1 || pConn->cbHandshake != 0)
    {
        return Fail(pConn, SEC_E_OK, "malformed or misplaced ChangeCipherSpec");
    }
    pConn->fReadProtected = TRUE;
    pConn->ReadSequence = 0;
    pConn->fFlipNextProtectedRecord = pConn->pCase->Twist == TWIST_FLIP_SERVER_FINISHED;

    /* The server's verify_data covers the transcript through our Finished. */
    Status = SslComputeFinishedHash(pConn->hProvider, pConn->hMasterKey, pConn->hHandshakeHash,
                                    rgbExpected, sizeof(rgbExpected), NCRYPT_SSL_SERVER_FLAG);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (server)", Status) ||
        !ReadHandshakeMessage(pConn, HS_FINISHED, &r))
    {
        return FALSE;
    }
    if (r.cb != TLS_FINISHED_LENGTH || CRYPTO_memcmp(r.pb, rgbExpected, TLS_FINISHED_LENGTH) != 0)
    {
        return Fail(pConn, SEC_E_OK, "the server's Finished does not verify");
    }
    /* Schannel keeps the transcript running to the end. */
    if (!HashLastMessage(pConn))
    {
        return FALSE;
    }
    pConn->fHandshakeDone = TRUE;
    return TRUE;
}

/* ========================================================================================== */
/* Application data and close_notify                                                          */
/* ========================================================================================== */

static BOOL
ReceiveApplicationData(PCLIENT_CONNECTION pConn, const BYTE *pbExpected, DWORD cbExpected)
{
    PBYTE pbGot = malloc(cbExpected + 1);
    PBYTE pbFragment;
    DWORD cbFragment;
    DWORD cbGot = 0;
    DWORD i;
    BYTE  bContentType;
    BOOL  fOk = FALSE;

    if (pbGot == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    for (i = 0; i < MAX_RECORDS_PER_MESSAGE && cbGot < cbExpected; i++)
    {
        if (!RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment))
        {
            goto cleanup;
        }
        if (bContentType != CT_APPLICATIONDATA)
        {
            UnexpectedRecord(pConn, bContentType, "application data");
            goto cleanup;
        }
        if (cbFragment > cbExpected - cbGot)
        {
            Fail(pConn, SEC_E_OK, "more application data than libssl wrote");
            goto cleanup;
        }
        memcpy(pbGot + cbGot, pbFragment, cbFragment);
        cbGot += cbFragment;
    }
    fOk = cbGot == cbExpected && memcmp(pbGot, pbExpected, cbExpected) == 0;
    if (!fOk)
    {
        Fail(pConn, SEC_E_OK, "decrypted application data differs from what libssl wrote");
    }

cleanup:
    free(pbGot);
    return fOk;
}

/* One round trip: our request must come out of SSL_read exactly, libssl's reply out of our
 * SslDecryptPacket exactly. */
static BOOL
ExchangeApplicationData(PCLIENT_CONNECTION pConn, const BYTE *pbRequest, DWORD cbRequest,
                        const BYTE *pbReply, DWORD cbReply)
{
    PBYTE pbFragment;
    DWORD cbFragment;
    BYTE  bContentType;

    if (pConn->pCase->Twist == TWIST_SKIP_SEQUENCE_NUMBER)
    {
        pConn->WriteSequence++;          /* twin (d): one sequence number never used */
    }
    if (!SendRecord(pConn, CT_APPLICATIONDATA, pbRequest, cbRequest))
    {
        return FALSE;
    }
    if (!ServerReadExactly(pConn, pbRequest, cbRequest))
    {
        Fail(pConn, SEC_E_OK, "libssl did not read our %u-byte request (server alert %d)",
             (unsigned)cbRequest, pConn->iServerAlert);
        RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment);    /* its alert, if any */
        return FALSE;
    }
    if (SSL_write(pConn->pServer, pbReply, (int)cbReply) != (int)cbReply)
    {
        return Fail(pConn, SEC_E_OK, "SSL_write of the reply failed");
    }
    return ReceiveApplicationData(pConn, pbReply, cbReply);
}

static BOOL
SendCloseNotify(PCLIENT_CONNECTION pConn)
{
    static const BYTE rgbCloseNotify[] = { ALERT_WARNING, ALERT_CLOSE_NOTIFY };
    BYTE              b;
    int               n;

    if (!SendRecord(pConn, CT_ALERT, rgbCloseNotify, sizeof(rgbCloseNotify)))
    {
        return FALSE;
    }
    n = SSL_read(pConn->pServer, &b, 1);
    if (n != 0 || SSL_get_error(pConn->pServer, n) != SSL_ERROR_ZERO_RETURN)
    {
        return Fail(pConn, SEC_E_OK, "libssl did not see our close_notify");
    }
    return TRUE;
}

/* ========================================================================================== */
/* One connection                                                                             */
/* ========================================================================================== */

static BOOL
RunConnection(PCLIENT_CONNECTION pConn)
{
    static const char szRequest[] = "GET /sslprov HTTP/1.1\r\nHost: sslprov.test\r\n\r\n";
    static const char szReply[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    static BYTE       rgbBigRequest[TLS_MAX_PLAINTEXT];
    static BYTE       rgbBigReply[TLS_MAX_PLAINTEXT];
    SECURITY_STATUS   Status;

    FillPattern(rgbBigRequest, sizeof(rgbBigRequest), 0x11);
    FillPattern(rgbBigReply, sizeof(rgbBigReply), 0x77);

    Status = SslOpenProvider(&pConn->hProvider, MS_SCHANNEL_PROVIDER, 0);
    if (SslCallFailed(pConn, "SslOpenProvider", Status) || !StartServer(pConn))
    {
        return FALSE;
    }
    /* Plain PSK suites have no Certificate message (RFC 4279 §2). With client authentication
     * the key exchange (through ReceiveServerHelloDone) also takes the CertificateRequest and
     * sends our Certificate before the ClientKeyExchange; CertificateVerify follows it. */
    return SendClientHello(pConn) &&
           ReceiveServerHello(pConn) &&
           (pConn->pCase->pfnKeyExchange == KeyExchangePsk ||
            pConn->pCase->pfnKeyExchange == KeyExchangePskKeyData ||
            ReceiveCertificate(pConn)) &&
           pConn->pCase->pfnKeyExchange(pConn) &&
           SendCertificateVerify(pConn) &&
           MakeSessionKeys(pConn) &&
           SendChangeCipherSpecAndFinished(pConn) &&
           ReceiveChangeCipherSpecAndFinished(pConn) &&
           CheckClientAuthenticated(pConn) &&
           ExchangeApplicationData(pConn, (const BYTE *)szRequest, sizeof(szRequest) - 1,
                                   (const BYTE *)szReply, sizeof(szReply) - 1) &&
           ExchangeApplicationData(pConn, rgbBigRequest, sizeof(rgbBigRequest),
                                   rgbBigReply, sizeof(rgbBigReply)) &&
           SendCloseNotify(pConn);
}

static BOOL
FreeHandle(PCLIENT_CONNECTION pConn, NCRYPT_HANDLE *phObject, const char *pszName)
{
    SECURITY_STATUS Status;

    if (*phObject == 0)
    {
        return TRUE;
    }
    Status = SslFreeObject(*phObject, 0);
    *phObject = 0;
    if (FAILED(Status))
    {
        fprintf(stderr, "    SslFreeObject(%s) returned 0x%08X\n", pszName, (unsigned)Status);
        return FALSE;
    }
    return TRUE;
}

/* Every handle of the connection, the provider last; then the server. */
static BOOL
CloseConnection(PCLIENT_CONNECTION pConn)
{
    BOOL  fOk = TRUE;
    DWORD i;

    for (i = 0; i < CLIENT_AUTH_HASH_COUNT; i++)
    {
        fOk &= FreeHandle(pConn, &pConn->rghClientAuthHash[i], "client-auth hash");
    }
    fOk &= FreeHandle(pConn, &pConn->hClientKey, "client private key");
    fOk &= FreeHandle(pConn, &pConn->hReadKey, "read key");
    fOk &= FreeHandle(pConn, &pConn->hWriteKey, "write key");
    fOk &= FreeHandle(pConn, &pConn->hMasterKey, "master key");
    fOk &= FreeHandle(pConn, &pConn->hPreMasterKey, "pre-master key");
    fOk &= FreeHandle(pConn, &pConn->hPsk, "PSK");
    fOk &= FreeHandle(pConn, &pConn->hEphemeralKey, "ephemeral key");
    fOk &= FreeHandle(pConn, &pConn->hServerShare, "server share");
    fOk &= FreeHandle(pConn, &pConn->hServerPublicKey, "server certificate key");
    fOk &= FreeHandle(pConn, &pConn->hHandshakeHash, "handshake hash");
    fOk &= FreeHandle(pConn, &pConn->hProvider, "provider");
    EVP_PKEY_free(pConn->pServerCertKey);
    OPENSSL_cleanse(pConn->rgbPsk, sizeof(pConn->rgbPsk));
    OPENSSL_cleanse(pConn->rgbServerPsk, sizeof(pConn->rgbServerPsk));
    SSL_free(pConn->pServer);              /* frees the server's end of the BIO pair */
    BIO_free(pConn->pNetwork);
    ERR_clear_error();
    return fOk;
}

/* ========================================================================================== */
/* Cases                                                                                      */
/* ========================================================================================== */

#define P256    TLS_ECC_P256_CURVE_KEY_TYPE
#define P384    TLS_ECC_P384_CURVE_KEY_TYPE
#define P521    TLS_ECC_P521_CURVE_KEY_TYPE
#define X25519  TLS_ECC_X25519_CURVE_KEY_TYPE
#define TLS10   TLS1_0_PROTOCOL_VERSION
#define TLS11   TLS1_1_PROTOCOL_VERSION
#define TLS12   TLS1_2_PROTOCOL_VERSION

static const TEST_CASE Cases[] =
{
    /* exchange      key exchange            proto  suite   group   cert           EMS    reframe twist */
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, P384,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, P384,   CERT_RSA,      TRUE,  TRUE,  TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P521,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P521,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, X25519, CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC013, P256,   CERT_RSA,      TRUE,  TRUE,  TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC014, P521,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC027, X25519, CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC027, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC028, P384,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xCCA8, X25519, CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xCCA8, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xCCA8, P256,   CERT_RSA,      TRUE,  TRUE,  TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AC, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AC, X25519, CERT_ECDSA,    TRUE,  TRUE,  TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AD, P384,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AE, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AE, P256,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AF, X25519, CERT_ECDSA,    FALSE, TRUE,  TWIST_NONE },
    { "DHE_RSA",     KeyExchangeDhe,         TLS12, 0x009E, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "DHE_RSA",     KeyExchangeDhe,         TLS12, 0x009E, P256,   CERT_RSA,      TRUE,  TRUE,  TWIST_NONE },
    { "RSA 1-step",  KeyExchangeRsaOneStep,  TLS12, 0x009C, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE },
    { "RSA 1-step",  KeyExchangeRsaOneStep,  TLS12, 0x002F, P256,   CERT_RSA,      FALSE, TRUE,  TWIST_NONE },
    { "RSA 2-step",  KeyExchangeRsaTwoStep,  TLS12, 0x009C, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE },
    { "RSA 2-step",  KeyExchangeRsaTwoStep,  TLS12, 0x003C, X25519, CERT_RSA,      TRUE,  TRUE,  TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00A8, P256,   CERT_PSK,      FALSE, FALSE, TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00A8, P256,   CERT_PSK_HINT, TRUE,  FALSE, TWIST_NONE },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00A8, P256,   CERT_PSK,      TRUE,  FALSE, TWIST_NONE },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00A9, P384,   CERT_PSK_HINT, FALSE, TRUE,  TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00A9, X25519, CERT_PSK,      TRUE,  FALSE, TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00AE, P256,   CERT_PSK_HINT, FALSE, FALSE, TWIST_NONE },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00AE, P256,   CERT_PSK,      TRUE,  TRUE,  TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00AF, P256,   CERT_PSK,      FALSE, FALSE, TWIST_NONE },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00AF, P256,   CERT_PSK_HINT, TRUE,  FALSE, TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00B0, P256,   CERT_PSK_HINT, FALSE, FALSE, TWIST_NONE },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00B0, P256,   CERT_PSK,      TRUE,  FALSE, TWIST_NONE },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00B1, P256,   CERT_PSK,      TRUE,  TRUE,  TWIST_NONE },

    /* Client authentication and ServerKeyExchange schemes. Extra columns: the client's
     * certificate, the server's CertificateRequest schemes (TLS 1.2) and the schemes the server
     * may sign its ServerKeyExchange with (TLS 1.2; NULL: libssl picks from our ClientHello). */
    /* exchange      key exchange            proto  suite   group   cert           EMS    reframe twist       client cert       CertificateRequest schemes                                        ServerKeyExchange */
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pkcs1_sha256",                                               "rsa_pkcs1_sha256" },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, P384,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pkcs1_sha384",                                               "rsa_pkcs1_sha384" },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, X25519, CERT_RSA,      TRUE,  TRUE,  TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256",                                            NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_RSA,  "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384:rsa_pkcs1_sha256",    "rsa_pss_rsae_sha384" },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P384,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_P256, "rsa_pkcs1_sha256:ecdsa_secp256r1_sha256",                        "rsa_pkcs1_sha512" },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_P256, "ecdsa_secp256r1_sha256",                                         NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, X25519, CERT_ECDSA,    FALSE, TRUE,  TWIST_NONE, CLIENT_CERT_P384, "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384",                  "ecdsa_secp384r1_sha384" },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AD, P384,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pss_rsae_sha512:rsa_pkcs1_sha256",                           NULL },
    { "DHE_RSA",     KeyExchangeDhe,         TLS12, 0x009E, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256",                                            "rsa_pss_rsae_sha512" },
    { "DHE_RSA",     KeyExchangeDhe,         TLS12, 0x009E, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_NONE, NULL,                                                             "rsa_pkcs1_sha384" },
    { "RSA 2-step",  KeyExchangeRsaTwoStep,  TLS12, 0x009C, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_P384, "ecdsa_secp384r1_sha384",                                         NULL },
    { "RSA 1-step",  KeyExchangeRsaOneStep,  TLS12, 0x002F, P256,   CERT_RSA,      FALSE, TRUE,  TWIST_NONE, CLIENT_CERT_RSA,  "rsa_pkcs1_sha384",                                               NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS11, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_RSA,  NULL,                                                             NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS11, 0xC014, X25519, CERT_RSA,      TRUE,  TRUE,  TWIST_NONE, CLIENT_CERT_NONE, NULL,                                                             NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS11, 0xC009, P256,   CERT_ECDSA,    TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_P256, NULL,                                                             NULL },
    { "DHE_RSA",     KeyExchangeDhe,         TLS11, 0x0033, P256,   CERT_RSA,      FALSE, TRUE,  TWIST_NONE, CLIENT_CERT_P384, NULL,                                                             NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS10, 0xC013, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_RSA,  NULL,                                                             NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS10, 0xC014, P384,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_NONE, NULL,                                                             NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS10, 0xC009, P256,   CERT_ECDSA,    FALSE, TRUE,  TWIST_NONE, CLIENT_CERT_P384, NULL,                                                             NULL },
    { "DHE_RSA",     KeyExchangeDhe,         TLS10, 0x0033, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_NONE, CLIENT_CERT_P256, NULL,                                                             NULL },
    { "RSA 1-step",  KeyExchangeRsaOneStep,  TLS10, 0x002F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_NONE, CLIENT_CERT_RSA,  NULL,                                                             NULL },

    /* Negative twins */
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_FINISHED_WITH_SERVER_FLAG },
    { "RSA 1-step",  KeyExchangeRsaOneStep,  TLS12, 0x002F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_FINISHED_WITH_SERVER_FLAG },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_FLIP_SERVER_FINISHED },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_FLIP_SERVER_FINISHED },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xCCA8, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_FLIP_SERVER_FINISHED },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AE, P256,   CERT_ECDSA,    TRUE,  FALSE, TWIST_FLIP_SERVER_FINISHED },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00AE, P256,   CERT_PSK,      FALSE, FALSE, TWIST_FLIP_SERVER_FINISHED },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_EMS_FROM_RANDOMS },
    { "RSA 2-step",  KeyExchangeRsaTwoStep,  TLS12, 0x009C, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_EMS_FROM_RANDOMS },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_SKIP_SEQUENCE_NUMBER },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC027, X25519, CERT_RSA,      TRUE,  FALSE, TWIST_SKIP_SEQUENCE_NUMBER },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xCCA8, X25519, CERT_RSA,      FALSE, FALSE, TWIST_SKIP_SEQUENCE_NUMBER },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC0AC, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_SKIP_SEQUENCE_NUMBER },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00A8, P256,   CERT_PSK,      TRUE,  FALSE, TWIST_WRONG_PSK },
    { "PSK",         KeyExchangePsk,         TLS12, 0x00AE, P256,   CERT_PSK_HINT, FALSE, FALSE, TWIST_WRONG_PSK },
    { "PSK KDBM",    KeyExchangePskKeyData,  TLS12, 0x00B0, P256,   CERT_PSK,      FALSE, FALSE, TWIST_WRONG_PSK },
    /* exchange      key exchange            proto  suite   group   cert           EMS    reframe twist                    client cert       CertificateRequest      ServerKeyExchange */
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_CV_WRONG_HASH,     CLIENT_CERT_RSA,  "rsa_pkcs1_sha256",     NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      TRUE,  FALSE, TWIST_CV_WRONG_HASH,     CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256",  NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_CV_WRONG_HASH,     CLIENT_CERT_P256, "ecdsa_secp256r1_sha256", NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS11, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_CV_WRONG_HASH,     CLIENT_CERT_RSA,  NULL,                   NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS10, 0xC009, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_CV_WRONG_HASH,     CLIENT_CERT_P256, NULL,                   NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC030, P384,   CERT_RSA,      TRUE,  FALSE, TWIST_CV_FLIP_SIGNATURE, CLIENT_CERT_RSA,  "rsa_pkcs1_sha384",     NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, X25519, CERT_RSA,      FALSE, FALSE, TWIST_CV_FLIP_SIGNATURE, CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256",  NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_CV_FLIP_SIGNATURE, CLIENT_CERT_P384, "ecdsa_secp384r1_sha384", NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS10, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_CV_FLIP_SIGNATURE, CLIENT_CERT_RSA,  NULL,                   NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS11, 0xC009, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_CV_FLIP_SIGNATURE, CLIENT_CERT_P256, NULL,                   NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, P256,   CERT_RSA,      FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_NONE, NULL,                   "rsa_pkcs1_sha256" },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS12, 0xC02F, X25519, CERT_RSA,      FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_NONE, NULL,                   NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS12, 0xC02B, P256,   CERT_ECDSA,    FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_NONE, NULL,                   NULL },
    { "DHE_RSA",     KeyExchangeDhe,         TLS12, 0x009E, P256,   CERT_RSA,      FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_RSA,  "rsa_pkcs1_sha256",     NULL },
    { "ECDHE_RSA",   KeyExchangeEcdhe,       TLS10, 0xC013, P256,   CERT_RSA,      FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_NONE, NULL,                   NULL },
    { "ECDHE_ECDSA", KeyExchangeEcdhe,       TLS11, 0xC009, P384,   CERT_ECDSA,    FALSE, FALSE, TWIST_SKE_FLIP_PARAMS,   CLIENT_CERT_NONE, NULL,                   NULL },
};

static const char *
TwistName(TWIST Twist)
{
    switch (Twist)
    {
    case TWIST_FINISHED_WITH_SERVER_FLAG: return "twin (a) client Finished with SERVER flag";
    case TWIST_FLIP_SERVER_FINISHED:      return "twin (b) server Finished byte flipped";
    case TWIST_EMS_FROM_RANDOMS:          return "twin (c) EMS master key from randoms";
    case TWIST_SKIP_SEQUENCE_NUMBER:      return "twin (d) sequence number skipped";
    case TWIST_WRONG_PSK:                 return "twin (e) client PSK differs";
    case TWIST_CV_WRONG_HASH:             return "twin (f) CertificateVerify: wrong hash object";
    case TWIST_CV_FLIP_SIGNATURE:         return "twin (g) CertificateVerify: signature byte flipped";
    case TWIST_SKE_FLIP_PARAMS:           return "twin (h) ServerKeyExchange: params byte flipped";
    default:                              return "";
    }
}

/* Did the connection end the way this case says it must? */
static BOOL
CheckOutcome(const CLIENT_CONNECTION *pConn, BOOL fCompleted, char *pszWhy, size_t cbWhy)
{
    const TEST_CASE *pCase = pConn->pCase;
    int  iWantAlert = -1;
    BOOL fWantHandshakeDone = FALSE;

    switch (pCase->Twist)
    {
    case TWIST_NONE:
        snprintf(pszWhy, cbWhy, "%s", pConn->szFailure);
        return fCompleted;
    case TWIST_FLIP_SERVER_FINISHED:
        snprintf(pszWhy, cbWhy, "flipped record: SslDecryptPacket returned 0x%08X, want "
                 "NTE_DECRYPTION_FAILURE%s%s", (unsigned)pConn->FlipStatus,
                 fCompleted ? "" : "; then: ", pConn->szFailure);
        return fCompleted && pConn->FlipStatus == NTE_DECRYPTION_FAILURE;
    case TWIST_FINISHED_WITH_SERVER_FLAG:
        iWantAlert = ALERT_DECRYPT_ERROR;       /* keys right, verify_data wrong */
        break;
    case TWIST_EMS_FROM_RANDOMS:
        iWantAlert = ALERT_BAD_RECORD_MAC;      /* wrong master key, so wrong record keys */
        break;
    case TWIST_SKIP_SEQUENCE_NUMBER:
        iWantAlert = ALERT_BAD_RECORD_MAC;
        fWantHandshakeDone = TRUE;
        break;
    case TWIST_WRONG_PSK:
        /* Another PSK, another master secret, other record keys: libssl's decryption of our
         * Finished record fails (GCM tag, CBC or NULL MAC) before it could compare
         * verify_data, so bad_record_mac, not decrypt_error; it is sent in plaintext, libssl
         * has not switched its write side yet. */
        iWantAlert = ALERT_BAD_RECORD_MAC;
        break;
    case TWIST_CV_WRONG_HASH:
    case TWIST_CV_FLIP_SIGNATURE:
        /* The signature does not verify: libssl's CertificateVerify check (RFC 5246 §7.2.2) */
        iWantAlert = ALERT_DECRYPT_ERROR;
        break;
    case TWIST_SKE_FLIP_PARAMS:
        /* Our SslVerifySignature refuses (and so does libcrypto); we end the handshake with
         * decrypt_error, which libssl receives. */
        snprintf(pszWhy, cbWhy, "status 0x%08X (want NTE_BAD_SIGNATURE from SslVerifySignature), "
                 "libcrypto %s, libssl %s, alert it received %d (want %d); %s",
                 (unsigned)pConn->FailedStatus,
                 pConn->fLibcryptoRefusedSke ? "refused" : "did not refuse",
                 pConn->fServerFatal ? "failed" : "did not fail", pConn->iServerAlertReceived,
                 ALERT_DECRYPT_ERROR, pConn->szFailure);
        return !fCompleted &&
               pConn->FailedStatus == NTE_BAD_SIGNATURE &&
               strncmp(pConn->szFailure, "SslVerifySignature", 18) == 0 &&
               pConn->fLibcryptoRefusedSke &&
               pConn->fServerFatal &&
               pConn->iServerAlertReceived == ALERT_DECRYPT_ERROR;
    }
    snprintf(pszWhy, cbWhy, "libssl %s, alert sent %d, received %d (want %d), handshake %s; %s",
             pConn->fServerFatal ? "failed" : "did not fail", pConn->iServerAlert,
             pConn->iAlertReceived, iWantAlert, pConn->fHandshakeDone ? "done" : "not done",
             pConn->szFailure);
    return !fCompleted &&
           pConn->FailedStatus == SEC_E_OK &&          /* no Ssl* call failed */
           pConn->fServerFatal &&
           pConn->iServerAlert == iWantAlert &&
           pConn->iAlertReceived == iWantAlert &&
           pConn->fHandshakeDone == fWantHandshakeDone;
}

static BOOL
RunCase(const TEST_CASE *pCase, const SERVER_CREDENTIALS *pCredentials,
        const CLIENT_CREDENTIALS *pClientCredentials)
{
    PCLIENT_CONNECTION pConn = calloc(1, sizeof(*pConn));
    const GROUP_INFO  *pGroup = FindGroup(pCase->dwGroup);
    char               szWhy[512];
    char               szAuth[96] = "";
    BOOL               fCompleted;
    BOOL               fPassed;
    BOOL               fFreed;

    if (pConn == NULL)
    {
        printf("FAIL out of memory\n");
        return FALSE;
    }
    pConn->pCase = pCase;
    pConn->pSuite = FindSuite(pCase->dwCipherSuite);
    pConn->pCredentials = &pCredentials[pCase->CertType];
    pConn->pClientCredentials = pCase->ClientCert != CLIENT_CERT_NONE ?
                                &pClientCredentials[pCase->ClientCert] : NULL;
    pConn->dwProtocol = pCase->dwProtocol;
    pConn->iServerAlert = -1;
    pConn->iServerAlertReceived = -1;
    pConn->iAlertReceived = -1;

    fCompleted = pConn->pSuite != NULL && RunConnection(pConn);
    fPassed = CheckOutcome(pConn, fCompleted, szWhy, sizeof(szWhy));
    fFreed = CloseConnection(pConn);

    /* what was signed: the ServerKeyExchange's scheme, our certificate and CertificateVerify's */
    if (pConn->pServerScheme != NULL)
    {
        snprintf(szAuth, sizeof(szAuth), " SKE %s", pConn->pServerScheme->pszName);
    }
    if (pConn->pClientCredentials != NULL)
    {
        snprintf(szAuth + strlen(szAuth), sizeof(szAuth) - strlen(szAuth), " client %s %s",
                 pConn->pClientCredentials->pszName,
                 pConn->pClientScheme != NULL ? pConn->pClientScheme->pszName : "-");
    }
    printf("%-4s %s %-11s %-6s 0x%04X %-40s %-6s%s%s%s %s\n",
           fPassed && fFreed ? "ok" : "FAIL", ProtocolName(pCase->dwProtocol), pCase->pszExchange,
           pCase->pfnKeyExchange == KeyExchangeEcdhe && pGroup != NULL ? pGroup->pszName : "-",
           (unsigned)pCase->dwCipherSuite,
           pConn->pSuite != NULL ? pConn->pSuite->pszName : "(suite not in the test's table)",
           pCase->fEms ? "EMS" : "no EMS", pCase->fReframe ? " reframed" : "",
           pCase->CertType == CERT_PSK_HINT ? " hint" : "", szAuth, TwistName(pCase->Twist));
    if (!fPassed)
    {
        printf("     %s\n", szWhy);
    }
    if (!fFreed)
    {
        printf("     SslFreeObject failed on a handle of this connection\n");
    }
    free(pConn);
    return fPassed && fFreed;
}

/* ========================================================================================== */
/* Credentials and main                                                                       */
/* ========================================================================================== */

/* The client's credentials, made once: a self-signed certificate as a CERT_CONTEXT
 * (SslProvCreateCertificateContext) and, as an application tells sslprov once at start-up,
 * which private key belongs to it (SslProvAssociateCertificateKeyBlob, process-wide). The
 * connections then open the key with SslOpenPrivateKey as on Windows. */
static BOOL
MakeClientCredentials(CLIENT_CREDENTIALS *pCredentials)
{
    SECURITY_STATUS Status = MakeCertificateContext(pCredentials->pKey, "client.sslprov.test",
                                                    &pCredentials->pCert,
                                                    &pCredentials->pCertContext);

    if (FAILED(Status))
    {
        printf("FAIL client credentials (%s): 0x%08X\n", pCredentials->pszName, (unsigned)Status);
    }
    return SUCCEEDED(Status);
}

int main(void)
{
    SERVER_CREDENTIALS Credentials[CERT_TYPE_COUNT] =
    {
        { NULL, NULL, NULL },                   /* CERT_RSA: made below */
        { NULL, NULL, NULL },                   /* CERT_ECDSA: made below */
        { NULL, NULL, NULL },                   /* CERT_PSK */
        { NULL, NULL, PSK_IDENTITY_HINT }       /* CERT_PSK_HINT */
    };
    CLIENT_CREDENTIALS ClientCredentials[CLIENT_CERT_COUNT] =
    {
        /* name      key   cert  context  certificate type                     pszAlgId                order  curve */
        { "-",       NULL, NULL, NULL,    0,                                   NULL,                   0,     0    },
        { "RSA",     NULL, NULL, NULL,    CLIENT_CERTIFICATE_TYPE_RSA_SIGN,    BCRYPT_RSA_ALGORITHM,   0,     0    },
        { "P-256",   NULL, NULL, NULL,    CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN,  BCRYPT_ECDSA_ALGORITHM, 32,    P256 },
        { "P-384",   NULL, NULL, NULL,    CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN,  BCRYPT_ECDSA_ALGORITHM, 48,    P384 },
    };
    size_t             i;
    unsigned           cPassed = 0;
    unsigned           cFailed = 0;
    BOOL               fCredentials = TRUE;

    Credentials[CERT_RSA].pKey = cert_rsa_key(0);
    Credentials[CERT_ECDSA].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    for (i = CERT_RSA; i <= CERT_ECDSA; i++)
    {
        if (Credentials[i].pKey != NULL)
        {
            Credentials[i].pCert = cert_self_signed(Credentials[i].pKey, "sslprov.test");
        }
        if (Credentials[i].pCert == NULL)
        {
            fCredentials = FALSE;
        }
    }
    ClientCredentials[CLIENT_CERT_RSA].pKey = cert_rsa_key(1);
    ClientCredentials[CLIENT_CERT_P256].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ClientCredentials[CLIENT_CERT_P384].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    for (i = CLIENT_CERT_RSA; fCredentials && i < CLIENT_CERT_COUNT; i++)
    {
        fCredentials = MakeClientCredentials(&ClientCredentials[i]);
    }

    for (i = 0; fCredentials && i < sizeof(Cases) / sizeof(Cases[0]); i++)
    {
        if (RunCase(&Cases[i], Credentials, ClientCredentials))
        {
            cPassed++;
        }
        else
        {
            cFailed++;
        }
    }

    if (!fCredentials)
    {
        printf("FAIL could not make the credentials\n");
        cFailed++;
    }
    for (i = 0; i < CERT_TYPE_COUNT; i++)
    {
        X509_free(Credentials[i].pCert);
        EVP_PKEY_free(Credentials[i].pKey);
    }
    for (i = 0; i < CLIENT_CERT_COUNT; i++)
    {
        SslProvFreeCertificateContext(ClientCredentials[i].pCertContext);
        X509_free(ClientCredentials[i].pCert);
        EVP_PKEY_free(ClientCredentials[i].pKey);
    }
    printf("%u passed, %u failed\n", cPassed, cFailed);
    return cFailed == 0 ? 0 : 1;
}
