/*
 * test_windows_client13.c - a complete TLS 1.3 client written the way Windows programs that
 * drive ncrypt's SSL Protocol Provider directly are written (behavior.md §1.3 and §5,
 * conventions.md §5, §6 and §13), handshaking with OpenSSL's libssl server in the same
 * process. It is the TLS 1.3 companion of test_windows_client12.c and, like it, documentation
 * for people porting such code: read it top to bottom.
 *
 *  - Key shares: SslCreateEphemeralKey with the TLS group as dwKeyType, its share out with
 *    SslExportKey(SSL_ECCPUBLIC_BLOB) (the TLS wire bytes after an 8-byte {group, cbKey}
 *    header, for X25519 and the NIST curves alike); the server's share in with
 *    SslImportKey(SSL_ECCPUBLIC_BLOB).
 *  - The key schedule as Schannel calls it (behavior.md §1.3): SslExtractEarlyKey(no PSK),
 *    SslExtractHandshakeKey, SslExpandTrafficKeys + SslExpandWriteKey for both directions;
 *    after the server Finished SslExtractMasterKey and the application traffic secrets. The
 *    transcript is one SslCreateHandshakeHash(TLS 1.3, suite) object fed every handshake
 *    message with SslHashHandshake (4-byte header + body, never record headers).
 *  - Records (conventions.md §5): the caller builds TLSInnerPlaintext (content || type) and
 *    passes the outer type 23 to SslEncryptPacket; SslDecryptPacket returns the
 *    TLSInnerPlaintext, whose trailing zeros and inner type the caller strips. Buffers come from
 *    SslLookupCipherLengths (header 0, tag T, plus our 5-byte record header and 1 type byte).
 *  - CertificateVerify content (RFC 8446 §4.4.3, conventions.md §13), computed two ways that must
 *    agree: (a) Windows' Schannel way - the transcript hash from SslComputeSessionHash(TLS 1.3),
 *    then 64 spaces || context string || 0x00 || transcript hash hashed with the scheme's hash
 *    (libcrypto standing in for BCryptHash); (b) sslprov's extension - SslComputeClientAuthHash
 *    with a TLS 1.3 secret as hMasterKey, the scheme's hash as pszAlgId and
 *    NCRYPT_SSL_SERVER_FLAG for the server's content. The server's signature is checked with
 *    SslVerifySignature on its certificate's key imported by SslImportKey
 *    (BCRYPT_RSAPUBLIC_BLOB / BCRYPT_ECCPUBLIC_BLOB): rsa_pss_rsae_* as UTF-16 hash name ||
 *    0x0000 || digest with NCRYPT_SSL_SIGN_USE_PSS_PADDING, ecdsa_* the digest with flags 0 and
 *    the DER signature as it came. The server Finished is SslComputeFinishedHash on the server
 *    handshake traffic secret (dwFlags 0: the secret decides the side).
 *  - Client authentication (libssl: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, our
 *    self-signed certificate its one trust anchor, its CertificateRequest schemes set with
 *    SSL_CTX_set1_client_sigalgs_list): the certificate is a CERT_CONTEXT
 *    (SslProvCreateCertificateContext) whose key main() associates once
 *    (SslProvAssociateCertificateKeyBlob) and each connection opens with SslOpenPrivateKey
 *    (docs/private-keys.md). Certificate, CertificateVerify (content by way (a) or (b), as the
 *    case says; SslSignHash: RSA-PSS with the name prefix and the PSS flag, ECDSA flags 0 and
 *    its r || s DER-encoded) and Finished (SslComputeFinishedHash on the client handshake
 *    traffic secret) go out under the client handshake write key.
 *  - The server is libssl pinned to TLS 1.3 and the case's suite and group, behind a BIO pair,
 *    non-blocking and stepped whenever we have written, so nothing ever waits; every loop is
 *    bounded. It sends no session tickets (SSL_CTX_set_num_tickets 0); its middlebox
 *    ChangeCipherSpec (RFC 8446 Appendix D.4) is skipped.
 *
 * Cases (table at the end): TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
 * TLS_CHACHA20_POLY1305_SHA256 over X25519, P-256 and P-384; the server's certificate RSA-2048
 * (rsa_pss_rsae_sha256, and sha384/sha512 where the case restricts the server) or ECDSA P-256
 * (ecdsa_secp256r1_sha256); the client's none, RSA-2048 (rsa_pss_rsae_sha256 or _sha384,
 * forced by the server's CertificateRequest), ECDSA P-256 or P-384; three cases where the
 * server answers our first key share with a HelloRetryRequest for the other group we listed
 * (the transcript restarts with the synthetic message_hash, built by the caller from
 * SslComputeSessionHash: conventions.md §6). Each case is a full handshake, two rounds of
 * application data both ways (the second at the 16384-byte maximum) and close_notify.
 *
 * Negative twins, each failing for its own reason:
 *  (a) our CertificateVerify with one byte of the signature flipped -> libssl: decrypt_error;
 *  (b) our CertificateVerify content built with the server's context string ("TLS 1.3, server
 *      CertificateVerify": way (a) in our own bytes, way (b) with NCRYPT_SSL_SERVER_FLAG) ->
 *      libssl: decrypt_error;
 *  (c) the server's CertificateVerify with one signature byte flipped on the way ->
 *      SslVerifySignature: NTE_BAD_SIGNATURE; we end the handshake with decrypt_error, which
 *      libssl receives;
 *  (d) our Finished computed with the server's handshake traffic secret -> libssl:
 *      decrypt_error.
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

/* RFC 8446 */
#define TLS_RECORD_HEADER_LENGTH     5
#define TLS_HANDSHAKE_HEADER_LENGTH  4
#define TLS_RANDOM_LENGTH            32
#define TLS_MAX_PLAINTEXT            16384
#define TLS_MAX_CIPHERTEXT           (TLS_MAX_PLAINTEXT + 256)
#define TLS_LEGACY_VERSION           0x0303  /* legacy_version, legacy_record_version */
#define TLS_MAX_HASH_LENGTH          64

#define HS_CLIENT_HELLO              1
#define HS_SERVER_HELLO              2
#define HS_NEW_SESSION_TICKET        4
#define HS_ENCRYPTED_EXTENSIONS      8
#define HS_CERTIFICATE               11
#define HS_CERTIFICATE_REQUEST       13
#define HS_CERTIFICATE_VERIFY        15
#define HS_FINISHED                  20
#define HS_MESSAGE_HASH              254     /* RFC 8446 §4.4.1, after a HelloRetryRequest */

#define EXT_SUPPORTED_GROUPS         10
#define EXT_SIGNATURE_ALGORITHMS     13
#define EXT_SUPPORTED_VERSIONS       43
#define EXT_COOKIE                   44
#define EXT_KEY_SHARE                51

/* SignatureScheme values (RFC 8446 §4.2.3) */
#define SCHEME_ECDSA_P256_SHA256     0x0403
#define SCHEME_ECDSA_P384_SHA384     0x0503
#define SCHEME_RSA_PSS_RSAE_SHA256   0x0804
#define SCHEME_RSA_PSS_RSAE_SHA384   0x0805
#define SCHEME_RSA_PSS_RSAE_SHA512   0x0806

#define ALERT_WARNING                1
#define ALERT_FATAL                  2
#define ALERT_CLOSE_NOTIFY           0
#define ALERT_DECRYPT_ERROR          51

/* RFC 8446 §4.4.3: the CertificateVerify content is 64 spaces, the context string, 0x00 and
 * the transcript hash. */
#define CV_PAD_LENGTH                64
#define CV_CLIENT_CONTEXT            "TLS 1.3, client CertificateVerify"
#define CV_SERVER_CONTEXT            "TLS 1.3, server CertificateVerify"

/* Buffers and bounds of this client */
#define NETWORK_BUFFER_SIZE          (4 * (TLS_RECORD_HEADER_LENGTH + TLS_MAX_CIPHERTEXT))
#define HANDSHAKE_BUFFER_SIZE        32768
#define CLIENT_HELLO_BUFFER_SIZE     1024
#define MAX_COOKIE_LENGTH            256
#define MAX_WAIT_STEPS               16      /* server steps while waiting for one record */
#define MAX_RECORDS_PER_MESSAGE      64
#define BIO_PAIR_BUFFER_SIZE         65536

typedef enum _CERT_TYPE
{
    CERT_RSA,        /* RSA-2048 */
    CERT_ECDSA,      /* ECDSA P-256 */
    CERT_TYPE_COUNT
} CERT_TYPE;

typedef enum _CLIENT_CERT
{
    CLIENT_CERT_NONE,     /* the server asks for no certificate */
    CLIENT_CERT_RSA,      /* RSA-2048 */
    CLIENT_CERT_P256,     /* ECDSA P-256 */
    CLIENT_CERT_P384,     /* ECDSA P-384 */
    CLIENT_CERT_COUNT
} CLIENT_CERT;

/* How our CertificateVerify content hash is made (the server's is always made both ways). */
typedef enum _CV_WAY
{
    CV_WAY_SESSION_HASH,     /* (a) SslComputeSessionHash + our own RFC 8446 §4.4.3 content */
    CV_WAY_CLIENT_AUTH_HASH  /* (b) SslComputeClientAuthHash with a TLS 1.3 secret */
} CV_WAY;

typedef enum _TWIST
{
    TWIST_NONE,
    TWIST_CV_FLIP_SIGNATURE,         /* (a) */
    TWIST_CV_SERVER_CONTEXT,         /* (b) */
    TWIST_SERVER_CV_FLIP_SIGNATURE,  /* (c) */
    TWIST_WRONG_FINISHED             /* (d) */
} TWIST;

typedef struct _TEST_CASE
{
    DWORD       dwCipherSuite;
    DWORD       dwGroup;            /* the one group offered, with its key share */
    CERT_TYPE   CertType;           /* the server's credentials */
    const char *pszServerSigalgs;   /* what the server may sign with (SSL_CTX_set1_sigalgs_list);
                                       NULL: libssl picks from our signature_algorithms */
    CLIENT_CERT ClientCert;         /* not NONE: the server asks for a certificate */
    const char *pszClientSigalgs;   /* the server's CertificateRequest schemes */
    CV_WAY      CvWay;
    TWIST       Twist;
    DWORD       dwRetryGroup;       /* not 0: the server takes only this group, which we list
                                       in supported_groups but send no share for, so it answers
                                       with a HelloRetryRequest */
} TEST_CASE;

typedef struct _SUITE_INFO
{
    DWORD       dwCipherSuite;
    const char *pszName;            /* also libssl's name (SSL_CTX_set_ciphersuites) */
    const char *pszDigest;          /* the suite's hash for libcrypto */
    DWORD       cbHash;
} SUITE_INFO;

typedef struct _GROUP_INFO
{
    DWORD       dwGroup;
    const char *pszName;            /* also libssl's name (SSL_CTX_set1_groups_list) */
} GROUP_INFO;

typedef struct _SERVER_CREDENTIALS
{
    EVP_PKEY *pKey;
    X509     *pCert;
} SERVER_CREDENTIALS;

/* The client's certificate as a Windows client holds it: a CERT_CONTEXT, whose private key
 * SslOpenPrivateKey finds (see test_windows_client12.c). pKey is kept only to make the
 * certificate and for the server's trust store. */
typedef struct _CLIENT_CREDENTIALS
{
    const char     *pszName;
    EVP_PKEY       *pKey;
    X509           *pCert;
    PCCERT_CONTEXT  pCertContext;
    DWORD           cbOrder;            /* ECDSA: bytes of the group order; 0 for RSA */
} CLIENT_CREDENTIALS;

typedef enum _SIGNATURE_KIND
{
    SIGNATURE_RSA_PSS,       /* SslSignHash/SslVerifySignature: NCRYPT_SSL_SIGN_USE_PSS_PADDING */
    SIGNATURE_ECDSA          /* flags 0: the digest; r || s out, DER on the wire */
} SIGNATURE_KIND;

typedef struct _SCHEME_INFO
{
    DWORD           dwScheme;
    const char     *pszName;
    SIGNATURE_KIND  Kind;
    LPCWSTR         pszHashAlgId;   /* CNG name of the hash (SslComputeClientAuthHash, prefix) */
    const char     *pszDigest;      /* the same hash for libcrypto */
    DWORD           cbOrder;        /* ECDSA: the curve's order length (TLS 1.3 binds it) */
} SCHEME_INFO;

/* One connection: the client's state, the libssl server and the outcome. */
typedef struct _CLIENT_CONNECTION
{
    const TEST_CASE          *pCase;
    const SUITE_INFO         *pSuite;
    const GROUP_INFO         *pGroup;
    const SERVER_CREDENTIALS *pCredentials;
    const CLIENT_CREDENTIALS *pClientCredentials; /* NULL: the client has no certificate */

    /* sslprov objects */
    NCRYPT_PROV_HANDLE        hProvider;
    NCRYPT_HASH_HANDLE        hHandshakeHash;     /* the transcript */
    NCRYPT_KEY_HANDLE         hEphemeralKey;      /* our key share */
    NCRYPT_KEY_HANDLE         hServerShare;       /* the server's key share */
    NCRYPT_KEY_HANDLE         hEarlyKey;
    NCRYPT_KEY_HANDLE         hHandshakeKey;      /* the handshake secret */
    NCRYPT_KEY_HANDLE         hMasterKey;         /* the master secret */
    NCRYPT_KEY_HANDLE         hClientHsTraffic;   /* client_handshake_traffic_secret */
    NCRYPT_KEY_HANDLE         hServerHsTraffic;   /* server_handshake_traffic_secret */
    NCRYPT_KEY_HANDLE         hClientApTraffic;   /* client_application_traffic_secret_0 */
    NCRYPT_KEY_HANDLE         hServerApTraffic;   /* server_application_traffic_secret_0 */
    NCRYPT_KEY_HANDLE         hWriteKey;          /* SslExpandWriteKey of our current secret */
    NCRYPT_KEY_HANDLE         hReadKey;           /* ... of the server's */
    NCRYPT_KEY_HANDLE         hServerPublicKey;   /* the server certificate's key */
    NCRYPT_KEY_HANDLE         hClientKey;         /* SslOpenPrivateKey of our certificate */
    NCRYPT_SSL_CIPHER_LENGTHS CipherLengths;

    /* handshake */
    DWORD     dwGroup;                    /* the group of our current key share */
    BOOL      fHelloRetried;              /* a HelloRetryRequest came */
    BYTE      rgbCookie[MAX_COOKIE_LENGTH];   /* its cookie, echoed (RFC 8446 §4.2.2) */
    DWORD     cbCookie;
    BYTE      rgbClientRandom[TLS_RANDOM_LENGTH];
    EVP_PKEY *pServerCertKey;
    const SCHEME_INFO *pServerScheme;     /* how the server's CertificateVerify was signed */
    BOOL      fCertificateRequested;
    BYTE      rgbRequestContext[255];     /* certificate_request_context, echoed */
    DWORD     cbRequestContext;
    const SCHEME_INFO *pClientScheme;     /* how our CertificateVerify is signed */

    /* record layer */
    BOOL      fWriteProtected;
    BOOL      fReadProtected;
    BOOL      fClientHelloSent;
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

    /* outcome */
    BOOL            fHandshakeDone;
    BOOL            fServerFatal;       /* libssl failed the connection */
    int             iServerAlert;       /* the alert libssl sent, -1 none */
    int             iServerAlertReceived;   /* the alert libssl received from us, -1 none */
    int             iAlertReceived;     /* the alert we received, -1 none */
    SECURITY_STATUS FailedStatus;       /* the Ssl* call that failed, or SEC_E_OK */
    char            szFailure[320];
} CLIENT_CONNECTION, *PCLIENT_CONNECTION;

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
/* Handles, digests, keys and signatures (as in test_windows_client12.c)                      */
/* ========================================================================================== */

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


/* What SslSignHash and SslVerifySignature take for a scheme (conventions.md §13): RSA-PSS:
 * the UTF-16 hash name || 0x0000 || digest with NCRYPT_SSL_SIGN_USE_PSS_PADDING (Schannel's
 * TLS 1.3 layout, behavior.md §8.1.8); ECDSA: the digest alone, flags 0. Returns the length
 * and the dwFlags that go with it. */
static DWORD
BuildHashValue(const SCHEME_INFO *pScheme, const BYTE *pbDigest, DWORD cbDigest,
               PBYTE pbHashValue, DWORD *pdwFlags)
{
    DWORD cbName = 0;

    *pdwFlags = 0;
    if (pScheme->Kind == SIGNATURE_RSA_PSS)
    {
        while (pScheme->pszHashAlgId[cbName / sizeof(WCHAR)] != 0)
        {
            cbName += sizeof(WCHAR);
        }
        cbName += sizeof(WCHAR);                              /* the 0x0000 terminator */
        memcpy(pbHashValue, pScheme->pszHashAlgId, cbName);   /* UTF-16LE, as on Windows */
        *pdwFlags = NCRYPT_SSL_SIGN_USE_PSS_PADDING;
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
    nidWantType = pScheme->Kind == SIGNATURE_RSA_PSS ? EVP_PKEY_RSA_PSS : EVP_PKEY_EC;
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


/* ========================================================================================== */
/* Tables                                                                                     */
/* ========================================================================================== */

static const SUITE_INFO Suites[] =
{
    { TLS_AES_128_GCM_SHA256,       "TLS_AES_128_GCM_SHA256",       "SHA256", 32 },
    { TLS_AES_256_GCM_SHA384,       "TLS_AES_256_GCM_SHA384",       "SHA384", 48 },
    { TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", "SHA256", 32 },
};

static const GROUP_INFO Groups[] =
{
    { TLS_ECC_X25519_CURVE_KEY_TYPE, "X25519" },
    { TLS_ECC_P256_CURVE_KEY_TYPE,   "P-256"  },
    { TLS_ECC_P384_CURVE_KEY_TYPE,   "P-384"  },
};

/* The schemes this client checks and makes, in the order of our signature_algorithms. */
static const SCHEME_INFO Schemes[] =
{
    { SCHEME_ECDSA_P256_SHA256,   "ecdsa_secp256r1_sha256", SIGNATURE_ECDSA,   BCRYPT_SHA256_ALGORITHM, "SHA256", 32 },
    { SCHEME_ECDSA_P384_SHA384,   "ecdsa_secp384r1_sha384", SIGNATURE_ECDSA,   BCRYPT_SHA384_ALGORITHM, "SHA384", 48 },
    { SCHEME_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256",    SIGNATURE_RSA_PSS, BCRYPT_SHA256_ALGORITHM, "SHA256", 0  },
    { SCHEME_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384",    SIGNATURE_RSA_PSS, BCRYPT_SHA384_ALGORITHM, "SHA384", 0  },
    { SCHEME_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512",    SIGNATURE_RSA_PSS, BCRYPT_SHA512_ALGORITHM, "SHA512", 0  },
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

static BOOL
StartServer(PCLIENT_CONNECTION pConn)
{
    const TEST_CASE          *pCase = pConn->pCase;
    const SERVER_CREDENTIALS *pCredentials = pConn->pCredentials;
    SSL_CTX                  *pCtx = SSL_CTX_new(TLS_server_method());
    BIO                      *pServerEnd = NULL;
    BOOL                      fOk;

    fOk = pCtx != NULL &&
          SSL_CTX_set_min_proto_version(pCtx, TLS1_3_VERSION) == 1 &&
          SSL_CTX_set_max_proto_version(pCtx, TLS1_3_VERSION) == 1 &&
          SSL_CTX_set_ciphersuites(pCtx, pConn->pSuite->pszName) == 1 &&
          SSL_CTX_set1_groups_list(pCtx, pCase->dwRetryGroup != 0 ?
                                         FindGroup(pCase->dwRetryGroup)->pszName :
                                         pConn->pGroup->pszName) == 1 &&
          (pCase->pszServerSigalgs == NULL ||
           SSL_CTX_set1_sigalgs_list(pCtx, pCase->pszServerSigalgs) == 1) &&
          SSL_CTX_set_num_tickets(pCtx, 0) == 1 &&
          SSL_CTX_use_certificate(pCtx, pCredentials->pCert) == 1 &&
          SSL_CTX_use_PrivateKey(pCtx, pCredentials->pKey) == 1;
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
/* The wire                                                                                   */
/* ========================================================================================== */

/* Take what the server has written. Returns TRUE when there was something. */
static BOOL
PullNetwork(PCLIENT_CONNECTION pConn)
{
    BOOL fAny = FALSE;
    int  n;

    while (pConn->cbNetwork < sizeof(pConn->rgbNetwork) &&
           (n = BIO_read(pConn->pNetwork, pConn->rgbNetwork + pConn->cbNetwork,
                         (int)(sizeof(pConn->rgbNetwork) - pConn->cbNetwork))) > 0)
    {
        fAny = TRUE;
        pConn->cbNetwork += (DWORD)n;
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
            StepServer(pConn);
        }
    }
    return pConn->cbNetwork >= cbNeeded ||
           Fail(pConn, SEC_E_OK, "nothing more from the server after %u steps", MAX_WAIT_STEPS);
}

/* ========================================================================================== */
/* Record layer: TLSInnerPlaintext through SslEncryptPacket / SslDecryptPacket               */
/* ========================================================================================== */

/* One record. Unprotected (ClientHello, an alert before the keys): header + fragment.
 * Protected: TLSInnerPlaintext = fragment || content type (no padding) placed at record + 5,
 * encrypted in place with the outer type 23 (conventions.md §5); the record buffer is sized
 * from SslLookupCipherLengths: 5 + dwHeaderLen (0) + inner + dwFixedTrailerLen (the tag). */
static BOOL
SendRecord(PCLIENT_CONNECTION pConn, BYTE bContentType, const BYTE *pbData, DWORD cbData)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    PBYTE           pbRecord;
    DWORD           cbRecord;
    DWORD           cbInner;
    DWORD           cbResult = 0;
    DWORD           dwOffset = TLS_RECORD_HEADER_LENGTH;
    SECURITY_STATUS Status;
    BOOL            fOk = FALSE;

    if (cbData > TLS_MAX_PLAINTEXT)
    {
        return Fail(pConn, SEC_E_OK, "record too long");
    }
    cbInner = pConn->fWriteProtected ? cbData + 1 : cbData;
    if (pConn->fWriteProtected)
    {
        dwOffset += pLengths->dwHeaderLen;
    }
    cbRecord = dwOffset + cbInner +
               (pConn->fWriteProtected ? pLengths->dwFixedTrailerLen : 0);
    pbRecord = malloc(cbRecord);
    if (pbRecord == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    memcpy(pbRecord + dwOffset, pbData, cbData);

    if (!pConn->fWriteProtected)
    {
        /* RFC 8446 §5.1: the first ClientHello may carry 0x0301 as legacy_record_version */
        pbRecord[0] = bContentType;
        pbRecord[1] = 0x03;
        pbRecord[2] = pConn->fClientHelloSent ? 0x03 : 0x01;
        pbRecord[3] = (BYTE)(cbData >> 8);
        pbRecord[4] = (BYTE)cbData;
        cbResult = cbRecord;
    }
    else
    {
        pbRecord[dwOffset + cbData] = bContentType;      /* TLSInnerPlaintext.type */
        Status = SslEncryptPacket(pConn->hProvider, pConn->hWriteKey,
                                  pbRecord + dwOffset, cbInner,
                                  pbRecord, cbRecord, &cbResult,
                                  pConn->WriteSequence, CT_APPLICATIONDATA, 0);
        if (SslCallFailed(pConn, "SslEncryptPacket", Status))
        {
            goto cleanup;
        }
        pConn->WriteSequence++;
        if (cbResult != cbRecord || pbRecord[0] != CT_APPLICATIONDATA ||
            ((DWORD)pbRecord[1] << 8 | pbRecord[2]) != TLS_LEGACY_VERSION ||
            ((DWORD)pbRecord[3] << 8 | pbRecord[4]) != cbRecord - TLS_RECORD_HEADER_LENGTH)
        {
            Fail(pConn, SEC_E_OK, "SslEncryptPacket: a %u-byte record for %u inner bytes, "
                 "want %u", (unsigned)cbResult, (unsigned)cbInner, (unsigned)cbRecord);
            goto cleanup;
        }
    }
    pConn->fClientHelloSent = TRUE;

    if (BIO_write(pConn->pNetwork, pbRecord, (int)cbResult) != (int)cbResult)
    {
        Fail(pConn, SEC_E_OK, "BIO_write to the server failed");
        goto cleanup;
    }
    StepServer(pConn);
    fOk = TRUE;

cleanup:
    OPENSSL_cleanse(pbRecord, cbRecord);
    free(pbRecord);
    return fOk;
}

/* The next record, its real content type and fragment. The server's compatibility
 * ChangeCipherSpec (RFC 8446 Appendix D.4) is dropped. Protected records are decrypted in
 * place: SslDecryptPacket takes the whole record and writes the TLSInnerPlaintext at
 * record + 5; its last non-zero byte is the content type, zeros after it are padding. */
static BOOL
RecvRecord(PCLIENT_CONNECTION pConn, BYTE *pbContentType, PBYTE *ppbFragment, DWORD *pcbFragment)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    DWORD           cbBody = 0;
    DWORD           cbRecord = 0;
    DWORD           dwOffset;
    DWORD           cbInner = 0;
    DWORD           i;
    SECURITY_STATUS Status;

    for (i = 0; i < 2; i++)                       /* at most one ChangeCipherSpec to skip */
    {
        if (!WaitForNetwork(pConn, TLS_RECORD_HEADER_LENGTH))
        {
            return FALSE;
        }
        cbBody = (DWORD)pConn->rgbNetwork[3] << 8 | pConn->rgbNetwork[4];
        if (cbBody > TLS_MAX_CIPHERTEXT ||
            ((DWORD)pConn->rgbNetwork[1] << 8 | pConn->rgbNetwork[2]) != TLS_LEGACY_VERSION)
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
        if (!(pConn->rgbRecord[0] == CT_CHANGE_CIPHER_SPEC && cbBody == 1 &&
              pConn->rgbRecord[TLS_RECORD_HEADER_LENGTH] == 1 && !pConn->fHandshakeDone))
        {
            break;
        }
    }
    *pbContentType = pConn->rgbRecord[0];

    if (!pConn->fReadProtected || *pbContentType != CT_APPLICATIONDATA)
    {
        /* before the keys, or a plaintext alert */
        if (pConn->fReadProtected && *pbContentType != CT_ALERT)
        {
            return Fail(pConn, SEC_E_OK, "unprotected record of type %u after ServerHello",
                        (unsigned)*pbContentType);
        }
        *ppbFragment = pConn->rgbRecord + TLS_RECORD_HEADER_LENGTH;
        *pcbFragment = cbBody;
    }
    else
    {
        dwOffset = TLS_RECORD_HEADER_LENGTH + pLengths->dwHeaderLen;
        Status = SslDecryptPacket(pConn->hProvider, pConn->hReadKey,
                                  pConn->rgbRecord, cbRecord,
                                  pConn->rgbRecord + dwOffset, cbRecord - dwOffset, &cbInner,
                                  pConn->ReadSequence, 0);
        if (SslCallFailed(pConn, "SslDecryptPacket", Status))
        {
            return FALSE;
        }
        pConn->ReadSequence++;
        if (cbInner + pLengths->dwFixedTrailerLen != cbRecord - dwOffset)
        {
            return Fail(pConn, SEC_E_OK, "SslDecryptPacket: %u bytes from a %u-byte record",
                        (unsigned)cbInner, (unsigned)cbRecord);
        }
        while (cbInner > 0 && pConn->rgbRecord[dwOffset + cbInner - 1] == 0)
        {
            cbInner--;                            /* zero padding */
        }
        if (cbInner == 0)
        {
            return Fail(pConn, SEC_E_OK, "a protected record without a content type");
        }
        *pbContentType = pConn->rgbRecord[dwOffset + cbInner - 1];
        *ppbFragment = pConn->rgbRecord + dwOffset;
        *pcbFragment = cbInner - 1;
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

/* A fatal alert of ours, under whatever write key is current. */
static void
SendFatalAlert(PCLIENT_CONNECTION pConn, BYTE bAlert)
{
    BYTE rgbAlert[2];

    rgbAlert[0] = ALERT_FATAL;
    rgbAlert[1] = bAlert;
    SendRecord(pConn, CT_ALERT, rgbAlert, sizeof(rgbAlert));
}

/* ========================================================================================== */
/* Handshake messages                                                                         */
/* ========================================================================================== */

/* The next handshake message, whatever the record boundaries. On success *pBody reads its
 * body; the whole message (4-byte header + body) stays in rgbMessage until the next call. */
static BOOL
ReadHandshakeMessage(PCLIENT_CONNECTION pConn, BYTE bType, READER *pBody)
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
                if (pConn->rgbMessage[0] != bType)
                {
                    return Fail(pConn, SEC_E_OK, "expected handshake message %u, got %u",
                                (unsigned)bType, (unsigned)pConn->rgbMessage[0]);
                }
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

/* SslHashHandshake takes whole messages, 4-byte header included, never record headers. */
static BOOL
HashHandshakeMessage(PCLIENT_CONNECTION pConn, const BYTE *pbMessage, DWORD cbMessage)
{
    SECURITY_STATUS Status;

    Status = SslHashHandshake(pConn->hProvider, pConn->hHandshakeHash,
                              (PBYTE)pbMessage, cbMessage, 0);
    return !SslCallFailed(pConn, "SslHashHandshake", Status);
}

static BOOL
HashLastMessage(PCLIENT_CONNECTION pConn)
{
    return HashHandshakeMessage(pConn, pConn->rgbMessage, pConn->cbMessage);
}

/* Frame, hash and send one of our messages. */
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

/* Read one extensions<2> block; *pExtension (when not NULL) reads the body of the one of type
 * dwWant. FALSE when it is not there or the block is malformed (r->fError). */
static BOOL
FindExtension(READER *r, DWORD dwWant, READER *pExtension)
{
    DWORD cbExtensions = GetNumber(r, 2);
    DWORD dwEnd;
    DWORD dwType;
    DWORD cbBody;
    BOOL  fFound = FALSE;

    if (r->fError || cbExtensions > r->cb - r->off)
    {
        r->fError = TRUE;
        return FALSE;
    }
    dwEnd = r->off + cbExtensions;
    while (!r->fError && r->off < dwEnd)        /* each pass consumes >= 4 bytes: bounded */
    {
        dwType = GetNumber(r, 2);
        cbBody = GetNumber(r, 2);
        if (dwType == dwWant && !fFound && pExtension != NULL)
        {
            pExtension->pb = GetBytes(r, cbBody);
            pExtension->cb = cbBody;
            pExtension->off = 0;
            pExtension->fError = pExtension->pb == NULL;
            fFound = !pExtension->fError;
        }
        else
        {
            GetBytes(r, cbBody);
        }
    }
    if (r->off != dwEnd)
    {
        r->fError = TRUE;
    }
    return fFound && !r->fError;
}

/* ========================================================================================== */
/* ClientHello, ServerHello and the handshake keys                                            */
/* ========================================================================================== */

static void
PutSignatureAlgorithms(WRITER *w)
{
    DWORD dwList = OpenVector(w, 2);
    size_t i;

    for (i = 0; i < sizeof(Schemes) / sizeof(Schemes[0]); i++)
    {
        PutNumber(w, Schemes[i].dwScheme, 2);
    }
    CloseVector(w, dwList, 2);
}

/* behavior.md §1.3 step 1-2: the transcript object and our key share, exported as the bytes
 * of its KeyShareEntry. One suite is offered, and one group - or two, the second without a
 * share, in the cases that make the server ask for it with a HelloRetryRequest. The second
 * ClientHello (after it) keeps the random and the transcript object, and echoes the cookie. */
static BOOL
SendClientHello(PCLIENT_CONNECTION pConn)
{
    BYTE            rgbHello[CLIENT_HELLO_BUFFER_SIZE];
    BYTE            rgbExtension[256];
    BYTE            rgbShare[sizeof(SSL_ECCKEY_BLOB) + 1 + 2 * 48];
    DWORD           cbShare = 0;
    SSL_ECCKEY_BLOB ShareHeader;
    WRITER          w = { rgbHello, 0, sizeof(rgbHello), FALSE };
    WRITER          e;
    DWORD           dwBody, dwExtensions, dwVector, dwInner;
    SECURITY_STATUS Status;

    if (!pConn->fHelloRetried)
    {
        Status = SslCreateHandshakeHash(pConn->hProvider, &pConn->hHandshakeHash,
                                        TLS1_3_PROTOCOL_VERSION, pConn->pCase->dwCipherSuite, 0);
        if (SslCallFailed(pConn, "SslCreateHandshakeHash", Status))
        {
            return FALSE;
        }
        if (RAND_bytes(pConn->rgbClientRandom, sizeof(pConn->rgbClientRandom)) != 1)
        {
            return Fail(pConn, SEC_E_OK, "RAND_bytes failed");
        }
    }
    Status = SslCreateEphemeralKey(pConn->hProvider, &pConn->hEphemeralKey,
                                   TLS1_3_PROTOCOL_VERSION, pConn->pCase->dwCipherSuite,
                                   pConn->dwGroup, 0, NULL, 0, 0);
    if (SslCallFailed(pConn, "SslCreateEphemeralKey", Status))
    {
        return FALSE;
    }
    Status = SslExportKey(pConn->hProvider, pConn->hEphemeralKey, SSL_ECCPUBLIC_BLOB,
                          rgbShare, sizeof(rgbShare), &cbShare, 0);
    if (SslCallFailed(pConn, "SslExportKey (SSL_ECCPUBLIC_BLOB)", Status))
    {
        return FALSE;
    }
    memcpy(&ShareHeader, rgbShare, sizeof(ShareHeader));
    if (cbShare < sizeof(ShareHeader) || ShareHeader.dwCurveType != pConn->dwGroup ||
        ShareHeader.cbKey != cbShare - sizeof(ShareHeader))
    {
        return Fail(pConn, SEC_E_OK, "SslExportKey: a malformed SSL_ECCPUBLIC_BLOB");
    }

    PutNumber(&w, HS_CLIENT_HELLO, 1);
    dwBody = OpenVector(&w, 3);
    PutNumber(&w, TLS_LEGACY_VERSION, 2);
    PutBytes(&w, pConn->rgbClientRandom, sizeof(pConn->rgbClientRandom));
    PutNumber(&w, 0, 1);                                  /* legacy_session_id: empty */
    PutNumber(&w, 2, 2);                                  /* cipher_suites: ours */
    PutNumber(&w, pConn->pCase->dwCipherSuite, 2);
    PutNumber(&w, 1, 1);                                  /* legacy_compression_methods */
    PutNumber(&w, 0, 1);
    dwExtensions = OpenVector(&w, 2);

    e = (WRITER){ rgbExtension, 0, sizeof(rgbExtension), FALSE };
    PutNumber(&e, 2, 1);                                  /* supported_versions: TLS 1.3 */
    PutNumber(&e, TLS1_3_PROTOCOL_VERSION, 2);
    PutExtension(&w, EXT_SUPPORTED_VERSIONS, rgbExtension, e.cb);

    e = (WRITER){ rgbExtension, 0, sizeof(rgbExtension), FALSE };
    dwVector = OpenVector(&e, 2);                         /* supported_groups */
    PutNumber(&e, pConn->pCase->dwGroup, 2);
    if (pConn->pCase->dwRetryGroup != 0)
    {
        PutNumber(&e, pConn->pCase->dwRetryGroup, 2);
    }
    CloseVector(&e, dwVector, 2);
    PutExtension(&w, EXT_SUPPORTED_GROUPS, rgbExtension, e.cb);

    if (pConn->cbCookie != 0)
    {
        PutNumber(&w, EXT_COOKIE, 2);                     /* cookie: the server's, echoed */
        PutNumber(&w, 2 + pConn->cbCookie, 2);
        PutNumber(&w, pConn->cbCookie, 2);
        PutBytes(&w, pConn->rgbCookie, pConn->cbCookie);
    }

    e = (WRITER){ rgbExtension, 0, sizeof(rgbExtension), FALSE };
    PutSignatureAlgorithms(&e);
    PutExtension(&w, EXT_SIGNATURE_ALGORITHMS, rgbExtension, e.cb);

    PutNumber(&w, EXT_KEY_SHARE, 2);                      /* key_share: one KeyShareEntry */
    dwVector = OpenVector(&w, 2);
    dwInner = OpenVector(&w, 2);
    PutNumber(&w, pConn->dwGroup, 2);
    PutNumber(&w, ShareHeader.cbKey, 2);
    PutBytes(&w, rgbShare + sizeof(ShareHeader), ShareHeader.cbKey);
    CloseVector(&w, dwInner, 2);
    CloseVector(&w, dwVector, 2);

    CloseVector(&w, dwExtensions, 2);
    CloseVector(&w, dwBody, 3);
    if (w.fOverflow || e.fOverflow)
    {
        return Fail(pConn, SEC_E_OK, "ClientHello buffer too small");
    }
    return HashHandshakeMessage(pConn, rgbHello, w.cb) &&
           SendRecord(pConn, CT_HANDSHAKE, rgbHello, w.cb);
}

/* Our key for a traffic secret: SslExpandWriteKey, replacing the previous one. */
static BOOL
SwitchKey(PCLIENT_CONNECTION pConn, NCRYPT_KEY_HANDLE hTrafficSecret, BOOL fWrite)
{
    NCRYPT_KEY_HANDLE *phKey = fWrite ? &pConn->hWriteKey : &pConn->hReadKey;
    NCRYPT_KEY_HANDLE  hKey = 0;
    SECURITY_STATUS    Status;

    Status = SslExpandWriteKey(pConn->hProvider, hTrafficSecret, &hKey, NULL, 0);
    if (SslCallFailed(pConn, "SslExpandWriteKey", Status))
    {
        return FALSE;
    }
    if (!FreeHandle(pConn, phKey, fWrite ? "previous write key" : "previous read key"))
    {
        SslFreeObject(hKey, 0);
        return Fail(pConn, SEC_E_OK, "SslFreeObject failed");
    }
    *phKey = hKey;
    if (fWrite)
    {
        pConn->WriteSequence = 0;                     /* RFC 8446 §5.3: per key */
        pConn->fWriteProtected = TRUE;
    }
    else
    {
        pConn->ReadSequence = 0;
        pConn->fReadProtected = TRUE;
    }
    return TRUE;
}

/* A HelloRetryRequest (RFC 8446 §4.1.4), whose extensions r reads: the group it asks for
 * (which we listed) and an optional cookie. The transcript restarts (§4.4.1) as
 * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1) || HelloRetryRequest || ...:
 * Hash(ClientHello1) comes from SslComputeSessionHash on the transcript object, which is then
 * replaced by a new one fed the synthetic message (conventions.md §6: it is the caller's to
 * build). Our first key share goes, the second ClientHello carries one of the asked group. */
static BOOL
HandleHelloRetryRequest(PCLIENT_CONNECTION pConn, READER *r)
{
    READER          Extensions = *r;
    READER          Extension;
    const BYTE     *pbCookie;
    BYTE            rgbMessageHash[TLS_HANDSHAKE_HEADER_LENGTH + TLS_MAX_HASH_LENGTH];
    DWORD           cbHash = 0;
    DWORD           dwGroup;
    SECURITY_STATUS Status;

    if (!FindExtension(&Extensions, EXT_KEY_SHARE, &Extension) ||
        (dwGroup = GetNumber(&Extension, 2)) != pConn->pCase->dwRetryGroup ||
        !ReaderDone(&Extension))
    {
        return Fail(pConn, SEC_E_OK, "HelloRetryRequest: not the group we expected");
    }
    Extensions = *r;
    if (FindExtension(&Extensions, EXT_COOKIE, &Extension))
    {
        pConn->cbCookie = GetNumber(&Extension, 2);
        pbCookie = GetBytes(&Extension, pConn->cbCookie);
        if (pbCookie == NULL || !ReaderDone(&Extension) || pConn->cbCookie > MAX_COOKIE_LENGTH)
        {
            return Fail(pConn, SEC_E_OK, "HelloRetryRequest: malformed cookie");
        }
        memcpy(pConn->rgbCookie, pbCookie, pConn->cbCookie);
    }

    Status = SslComputeSessionHash(pConn->hProvider, pConn->hHandshakeHash,
                                   TLS1_3_PROTOCOL_VERSION,
                                   rgbMessageHash + TLS_HANDSHAKE_HEADER_LENGTH,
                                   TLS_MAX_HASH_LENGTH, &cbHash, 0);
    if (SslCallFailed(pConn, "SslComputeSessionHash (ClientHello1)", Status))
    {
        return FALSE;
    }
    rgbMessageHash[0] = HS_MESSAGE_HASH;
    rgbMessageHash[1] = 0;
    rgbMessageHash[2] = 0;
    rgbMessageHash[3] = (BYTE)cbHash;
    if (!FreeHandle(pConn, &pConn->hHandshakeHash, "ClientHello1 transcript") ||
        !FreeHandle(pConn, &pConn->hEphemeralKey, "first key share"))
    {
        return Fail(pConn, SEC_E_OK, "SslFreeObject failed");
    }
    Status = SslCreateHandshakeHash(pConn->hProvider, &pConn->hHandshakeHash,
                                    TLS1_3_PROTOCOL_VERSION, pConn->pCase->dwCipherSuite, 0);
    if (SslCallFailed(pConn, "SslCreateHandshakeHash (after HelloRetryRequest)", Status))
    {
        return FALSE;
    }
    pConn->fHelloRetried = TRUE;
    pConn->dwGroup = dwGroup;
    return HashHandshakeMessage(pConn, rgbMessageHash, TLS_HANDSHAKE_HEADER_LENGTH + cbHash) &&
           HashLastMessage(pConn) &&
           SendClientHello(pConn);
}

/* ServerHello (after at most one HelloRetryRequest), then behavior.md §1.3 step 3: early
 * secret without a PSK, handshake secret from our key and the server's share, the handshake
 * traffic secrets over ClientHello..ServerHello and a write key for each direction. */
static BOOL
ReceiveServerHello(PCLIENT_CONNECTION pConn)
{
    /* RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello with this random */
    static const BYTE rgbHelloRetryRandom[TLS_RANDOM_LENGTH] =
    {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C
    };
    BOOL            fHelloRetryRequest = TRUE;
    DWORD           i;
    READER          r;
    READER          Extension;
    READER          Extensions;
    const BYTE     *pbRandom;
    const BYTE     *pbShare;
    BYTE            rgbBlob[sizeof(SSL_ECCKEY_BLOB) + 1 + 2 * 48];
    SSL_ECCKEY_BLOB Header;
    DWORD           cbShare;
    SECURITY_STATUS Status;

    for (i = 0; i < 2 && fHelloRetryRequest; i++)
    {
        if (!ReadHandshakeMessage(pConn, HS_SERVER_HELLO, &r))
        {
            return FALSE;
        }
        GetNumber(&r, 2);                             /* legacy_version */
        pbRandom = GetBytes(&r, TLS_RANDOM_LENGTH);
        GetBytes(&r, GetNumber(&r, 1));               /* legacy_session_id_echo */
        if (GetNumber(&r, 2) != pConn->pCase->dwCipherSuite || GetNumber(&r, 1) != 0 ||
            pbRandom == NULL)
        {
            return Fail(pConn, SEC_E_OK, "ServerHello: not our suite, or malformed");
        }
        fHelloRetryRequest = memcmp(pbRandom, rgbHelloRetryRandom, TLS_RANDOM_LENGTH) == 0;
        if (fHelloRetryRequest &&
            (pConn->fHelloRetried || pConn->pCase->dwRetryGroup == 0 ||
             !HandleHelloRetryRequest(pConn, &r)))
        {
            return Fail(pConn, SEC_E_OK, "unexpected HelloRetryRequest");
        }
    }
    Extensions = r;
    if (!FindExtension(&Extensions, EXT_SUPPORTED_VERSIONS, &Extension) ||
        GetNumber(&Extension, 2) != TLS1_3_PROTOCOL_VERSION || !ReaderDone(&Extension))
    {
        return Fail(pConn, SEC_E_OK, "ServerHello: no TLS 1.3 supported_versions");
    }
    if (!FindExtension(&r, EXT_KEY_SHARE, &Extension) || !ReaderDone(&r) ||
        GetNumber(&Extension, 2) != pConn->dwGroup)
    {
        return Fail(pConn, SEC_E_OK, "ServerHello: no key_share of our group");
    }
    cbShare = GetNumber(&Extension, 2);
    pbShare = GetBytes(&Extension, cbShare);
    if (pbShare == NULL || !ReaderDone(&Extension) ||
        cbShare > sizeof(rgbBlob) - sizeof(Header))
    {
        return Fail(pConn, SEC_E_OK, "ServerHello: malformed key_share");
    }
    if (!HashLastMessage(pConn))
    {
        return FALSE;
    }

    /* The server's share: SSL_ECCPUBLIC_BLOB {group, length} + the KeyShareEntry bytes */
    Header.dwCurveType = pConn->dwGroup;
    Header.cbKey = cbShare;
    memcpy(rgbBlob, &Header, sizeof(Header));
    memcpy(rgbBlob + sizeof(Header), pbShare, cbShare);
    Status = SslImportKey(pConn->hProvider, &pConn->hServerShare, SSL_ECCPUBLIC_BLOB,
                          rgbBlob, sizeof(Header) + cbShare, 0);
    if (SslCallFailed(pConn, "SslImportKey (SSL_ECCPUBLIC_BLOB)", Status))
    {
        return FALSE;
    }

    Status = SslExtractEarlyKey(pConn->hProvider, 0, &pConn->hEarlyKey,
                                TLS1_3_PROTOCOL_VERSION, pConn->pCase->dwCipherSuite, NULL, 0);
    if (SslCallFailed(pConn, "SslExtractEarlyKey", Status))
    {
        return FALSE;
    }
    Status = SslExtractHandshakeKey(pConn->hProvider, pConn->hEphemeralKey, pConn->hServerShare,
                                    pConn->hEarlyKey, &pConn->hHandshakeKey, NULL, 0);
    if (SslCallFailed(pConn, "SslExtractHandshakeKey", Status))
    {
        return FALSE;
    }
    /* Schannel frees the early secret and the peer's share here */
    if (!FreeHandle(pConn, &pConn->hEarlyKey, "early secret") ||
        !FreeHandle(pConn, &pConn->hServerShare, "server share"))
    {
        return Fail(pConn, SEC_E_OK, "SslFreeObject failed");
    }
    Status = SslExpandTrafficKeys(pConn->hProvider, pConn->hHandshakeKey, pConn->hHandshakeHash,
                                  &pConn->hClientHsTraffic, &pConn->hServerHsTraffic, NULL, 0);
    if (SslCallFailed(pConn, "SslExpandTrafficKeys (handshake)", Status))
    {
        return FALSE;
    }
    Status = SslLookupCipherLengths(pConn->hProvider, TLS1_3_PROTOCOL_VERSION,
                                    pConn->pCase->dwCipherSuite, pConn->dwGroup,
                                    &pConn->CipherLengths, sizeof(pConn->CipherLengths), 0);
    if (SslCallFailed(pConn, "SslLookupCipherLengths", Status))
    {
        return FALSE;
    }
    if (pConn->CipherLengths.dwHeaderLen != 0 || pConn->CipherLengths.dwFixedTrailerLen != 16 ||
        pConn->CipherLengths.dwMaxVariableTrailerLen != 0)
    {
        return Fail(pConn, SEC_E_OK, "SslLookupCipherLengths: {%u, %u, %u} for a TLS 1.3 suite",
                    (unsigned)pConn->CipherLengths.dwHeaderLen,
                    (unsigned)pConn->CipherLengths.dwFixedTrailerLen,
                    (unsigned)pConn->CipherLengths.dwMaxVariableTrailerLen);
    }
    return SwitchKey(pConn, pConn->hClientHsTraffic, TRUE) &&
           SwitchKey(pConn, pConn->hServerHsTraffic, FALSE);
}

/* ========================================================================================== */
/* The server's encrypted flight                                                              */
/* ========================================================================================== */

static BOOL
ReceiveEncryptedExtensions(PCLIENT_CONNECTION pConn)
{
    READER r;

    if (!ReadHandshakeMessage(pConn, HS_ENCRYPTED_EXTENSIONS, &r))
    {
        return FALSE;
    }
    FindExtension(&r, 0xFFFF, NULL);                  /* none we need; just well-formed */
    if (!ReaderDone(&r))
    {
        return Fail(pConn, SEC_E_OK, "malformed EncryptedExtensions");
    }
    return HashLastMessage(pConn);
}

/* Can our key make this scheme? TLS 1.3 binds ECDSA schemes to their curve. */
static BOOL
ClientCanSign(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme)
{
    const CLIENT_CREDENTIALS *pCredentials = pConn->pClientCredentials;

    if (pCredentials->cbOrder == 0)
    {
        return pScheme->Kind == SIGNATURE_RSA_PSS;
    }
    return pScheme->Kind == SIGNATURE_ECDSA && pScheme->cbOrder == pCredentials->cbOrder;
}

/* CertificateRequest (RFC 8446 §4.3.2): the context, to echo, and the first scheme of its
 * signature_algorithms our key can make. */
static BOOL
ReceiveCertificateRequest(PCLIENT_CONNECTION pConn)
{
    READER             r;
    READER             Extension;
    const BYTE        *pbContext;
    const SCHEME_INFO *pScheme;
    DWORD              cbList;
    DWORD              i;

    if (pConn->pClientCredentials == NULL)
    {
        return TRUE;
    }
    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE_REQUEST, &r))
    {
        return FALSE;
    }
    pConn->fCertificateRequested = TRUE;
    pConn->cbRequestContext = GetNumber(&r, 1);
    pbContext = GetBytes(&r, pConn->cbRequestContext);
    if (pbContext != NULL)
    {
        memcpy(pConn->rgbRequestContext, pbContext, pConn->cbRequestContext);
    }
    if (!FindExtension(&r, EXT_SIGNATURE_ALGORITHMS, &Extension) || !ReaderDone(&r))
    {
        return Fail(pConn, SEC_E_OK, "CertificateRequest without signature_algorithms");
    }
    cbList = GetNumber(&Extension, 2);
    for (i = 0; i < cbList / 2 && pConn->pClientScheme == NULL; i++)
    {
        pScheme = FindScheme(GetNumber(&Extension, 2));
        if (pScheme != NULL && ClientCanSign(pConn, pScheme))
        {
            pConn->pClientScheme = pScheme;
        }
    }
    if (pConn->pClientScheme == NULL)
    {
        return Fail(pConn, SEC_E_OK, "CertificateRequest: no scheme our %s key can make",
                    pConn->pClientCredentials->pszName);
    }
    return HashLastMessage(pConn);
}

/* Certificate (RFC 8446 §4.4.2): the end-entity certificate's key, imported for
 * SslVerifySignature. */
static BOOL
ReceiveCertificate(PCLIENT_CONNECTION pConn)
{
    READER      r;
    const BYTE *pbDer;
    DWORD       cbDer;
    X509       *pCert;
    BOOL        fRsa = pConn->pCase->CertType == CERT_RSA;

    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE, &r))
    {
        return FALSE;
    }
    GetBytes(&r, GetNumber(&r, 1));                   /* certificate_request_context: empty */
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
    if (pConn->pServerCertKey == NULL ||
        !EVP_PKEY_is_a(pConn->pServerCertKey, fRsa ? "RSA" : "EC"))
    {
        return Fail(pConn, SEC_E_OK, "the server certificate does not hold the key we expect");
    }
    return (fRsa ? ImportServerRsaKey(pConn) : ImportServerEccKey(pConn)) &&
           HashLastMessage(pConn);
}

/* The CertificateVerify content hash (RFC 8446 §4.4.3) for the transcript so far, both ways:
 *  (a) Windows' Schannel: SslComputeSessionHash(TLS 1.3) gives the transcript hash; the caller
 *      builds 0x20 x 64 || context string || 0x00 || transcript hash and hashes it with the
 *      scheme's hash (BCryptHash on Windows, libcrypto here);
 *  (b) sslprov's extension: SslComputeClientAuthHash with a TLS 1.3 secret of the suite,
 *      pszAlgId the scheme's hash, NCRYPT_SSL_SERVER_FLAG for the server's content.
 * fBoth: compute both and insist they agree (*pbDigest gets (a)); else only the case's way.
 * fServerContext chooses the context string. */
static BOOL
ComputeCertificateVerifyHash(PCLIENT_CONNECTION pConn, const SCHEME_INFO *pScheme,
                             NCRYPT_KEY_HANDLE hSecret, BOOL fServerContext, BOOL fBoth,
                             CV_WAY Way, PBYTE pbDigest, DWORD *pcbDigest)
{
    const char     *pszContext = fServerContext ? CV_SERVER_CONTEXT : CV_CLIENT_CONTEXT;
    BYTE            rgbContent[CV_PAD_LENGTH + sizeof(CV_SERVER_CONTEXT) + TLS_MAX_HASH_LENGTH];
    BYTE            rgbTranscript[TLS_MAX_HASH_LENGTH];
    BYTE            rgbOther[TLS_MAX_HASH_LENGTH];
    DWORD           cbTranscript = 0;
    DWORD           cbContent;
    DWORD           cbDigest = 0;
    DWORD           cbOther = 0;
    SECURITY_STATUS Status;

    if (fBoth || Way == CV_WAY_SESSION_HASH)
    {
        Status = SslComputeSessionHash(pConn->hProvider, pConn->hHandshakeHash,
                                       TLS1_3_PROTOCOL_VERSION, rgbTranscript,
                                       sizeof(rgbTranscript), &cbTranscript, 0);
        if (SslCallFailed(pConn, "SslComputeSessionHash", Status))
        {
            return FALSE;
        }
        if (cbTranscript != pConn->pSuite->cbHash)
        {
            return Fail(pConn, SEC_E_OK, "SslComputeSessionHash: %u bytes, the suite's hash "
                        "has %u", (unsigned)cbTranscript, (unsigned)pConn->pSuite->cbHash);
        }
        memset(rgbContent, 0x20, CV_PAD_LENGTH);
        memcpy(rgbContent + CV_PAD_LENGTH, pszContext, sizeof(CV_SERVER_CONTEXT));  /* + 0x00 */
        cbContent = CV_PAD_LENGTH + sizeof(CV_SERVER_CONTEXT);
        memcpy(rgbContent + cbContent, rgbTranscript, cbTranscript);
        cbContent += cbTranscript;
        if (!ComputeDigest(pScheme->pszDigest, rgbContent, cbContent, pbDigest, &cbDigest))
        {
            return Fail(pConn, SEC_E_OK, "EVP_Digest failed");
        }
    }
    if (fBoth || Way == CV_WAY_CLIENT_AUTH_HASH)
    {
        Status = SslComputeClientAuthHash(pConn->hProvider, hSecret, pConn->hHandshakeHash,
                                          pScheme->pszHashAlgId, rgbOther, sizeof(rgbOther),
                                          &cbOther,
                                          fServerContext ? NCRYPT_SSL_SERVER_FLAG : 0);
        if (SslCallFailed(pConn, "SslComputeClientAuthHash (TLS 1.3)", Status))
        {
            return FALSE;
        }
        if (!fBoth)
        {
            memcpy(pbDigest, rgbOther, cbOther);
            cbDigest = cbOther;
        }
        else if (cbOther != cbDigest || memcmp(rgbOther, pbDigest, cbDigest) != 0)
        {
            return Fail(pConn, SEC_E_OK, "SslComputeClientAuthHash (%s) differs from the content "
                        "hash over SslComputeSessionHash", pScheme->pszName);
        }
    }
    if (cbDigest != (DWORD)EVP_MD_get_size(EVP_get_digestbyname(pScheme->pszDigest)))
    {
        return Fail(pConn, SEC_E_OK, "a %u-byte CertificateVerify hash for %s",
                    (unsigned)cbDigest, pScheme->pszName);
    }
    *pcbDigest = cbDigest;
    return TRUE;
}

/* The server's CertificateVerify: its content hash both ways (with the handshake secret for
 * way (b)), then SslVerifySignature on the certificate's key: rsa_pss_rsae_* with the
 * UTF-16 name prefix and NCRYPT_SSL_SIGN_USE_PSS_PADDING, ecdsa_* the digest with flags 0 and
 * the DER signature as it came. Twin (c): one signature byte flipped on the way; we then end
 * the handshake with decrypt_error (RFC 8446 §4.4.3). */
static BOOL
ReceiveServerCertificateVerify(PCLIENT_CONNECTION pConn)
{
    READER          r;
    const BYTE     *pbSignature;
    DWORD           cbSignature;
    BYTE            rgbDigest[TLS_MAX_HASH_LENGTH];
    DWORD           cbDigest = 0;
    BYTE            rgbHashValue[2 * sizeof("SHA512") + TLS_MAX_HASH_LENGTH];
    DWORD           cbHashValue;
    DWORD           dwFlags = 0;
    SECURITY_STATUS Status;

    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE_VERIFY, &r))
    {
        return FALSE;
    }
    pConn->pServerScheme = FindScheme(GetNumber(&r, 2));
    cbSignature = GetNumber(&r, 2);
    pbSignature = GetBytes(&r, cbSignature);
    if (pConn->pServerScheme == NULL || pbSignature == NULL || !ReaderDone(&r) ||
        cbSignature == 0)
    {
        return Fail(pConn, SEC_E_OK, "CertificateVerify: a scheme we did not offer, or malformed");
    }
    if (pConn->pCase->Twist == TWIST_SERVER_CV_FLIP_SIGNATURE)
    {
        pConn->rgbMessage[pConn->cbMessage - 1] ^= 0x01;   /* twin (c): the last byte */
    }

    /* The content hash covers the transcript through Certificate: compute it before hashing
     * this message. */
    if (!ComputeCertificateVerifyHash(pConn, pConn->pServerScheme, pConn->hHandshakeKey, TRUE,
                                      TRUE, CV_WAY_SESSION_HASH, rgbDigest, &cbDigest))
    {
        return FALSE;
    }
    cbHashValue = BuildHashValue(pConn->pServerScheme, rgbDigest, cbDigest, rgbHashValue,
                                 &dwFlags);
    Status = SslVerifySignature(pConn->hProvider, pConn->hServerPublicKey,
                                rgbHashValue, cbHashValue,
                                (PBYTE)pbSignature, cbSignature, dwFlags);
    if (SslCallFailed(pConn, "SslVerifySignature", Status))
    {
        SendFatalAlert(pConn, ALERT_DECRYPT_ERROR);
        return FALSE;
    }
    return HashLastMessage(pConn);
}

/* The server's Finished: SslComputeFinishedHash on the server handshake traffic secret over
 * the transcript through CertificateVerify (dwFlags 0: the secret decides the side). Then
 * behavior.md §1.3 step 5: with the transcript through this Finished, the master secret and
 * the application traffic secrets; the server's becomes our read key. */
static BOOL
ReceiveServerFinished(PCLIENT_CONNECTION pConn)
{
    READER          r;
    const BYTE     *pbVerifyData;
    BYTE            rgbExpected[TLS_MAX_HASH_LENGTH];
    DWORD           cbHash = pConn->pSuite->cbHash;
    SECURITY_STATUS Status;

    if (!ReadHandshakeMessage(pConn, HS_FINISHED, &r))
    {
        return FALSE;
    }
    pbVerifyData = GetBytes(&r, cbHash);
    if (pbVerifyData == NULL || !ReaderDone(&r))
    {
        return Fail(pConn, SEC_E_OK, "Finished: not %u bytes", (unsigned)cbHash);
    }
    Status = SslComputeFinishedHash(pConn->hProvider, pConn->hServerHsTraffic,
                                    pConn->hHandshakeHash, rgbExpected, cbHash, 0);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (server)", Status))
    {
        return FALSE;
    }
    if (CRYPTO_memcmp(rgbExpected, pbVerifyData, cbHash) != 0)
    {
        SendFatalAlert(pConn, ALERT_DECRYPT_ERROR);
        return Fail(pConn, SEC_E_OK, "the server's Finished is not ours");
    }
    if (!HashLastMessage(pConn))
    {
        return FALSE;
    }

    Status = SslExtractMasterKey(pConn->hProvider, pConn->hHandshakeKey, &pConn->hMasterKey,
                                 NULL, 0);
    if (SslCallFailed(pConn, "SslExtractMasterKey", Status))
    {
        return FALSE;
    }
    Status = SslExpandTrafficKeys(pConn->hProvider, pConn->hMasterKey, pConn->hHandshakeHash,
                                  &pConn->hClientApTraffic, &pConn->hServerApTraffic, NULL, 0);
    if (SslCallFailed(pConn, "SslExpandTrafficKeys (application)", Status))
    {
        return FALSE;
    }
    /* Schannel frees the handshake secret once the master secret exists */
    if (!FreeHandle(pConn, &pConn->hHandshakeKey, "handshake secret"))
    {
        return Fail(pConn, SEC_E_OK, "SslFreeObject failed");
    }
    return SwitchKey(pConn, pConn->hServerApTraffic, FALSE);
}

/* ========================================================================================== */
/* Our flight: Certificate, CertificateVerify, Finished                                       */
/* ========================================================================================== */

static BOOL
SendClientCertificate(PCLIENT_CONNECTION pConn)
{
    PCCERT_CONTEXT  pCertContext = pConn->pClientCredentials->pCertContext;
    PBYTE           pbBody;
    WRITER          w;
    DWORD           dwList, dwEntry;
    BOOL            fOk;
    SECURITY_STATUS Status;

    /* The key, as on Windows: from the certificate context */
    Status = SslOpenPrivateKey(pConn->hProvider, &pConn->hClientKey, pCertContext, 0);
    if (SslCallFailed(pConn, "SslOpenPrivateKey", Status))
    {
        return FALSE;
    }
    pbBody = malloc(pCertContext->cbCertEncoded + 16 + pConn->cbRequestContext);
    if (pbBody == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    w = (WRITER){ pbBody, 0, pCertContext->cbCertEncoded + 16 + pConn->cbRequestContext, FALSE };
    PutNumber(&w, pConn->cbRequestContext, 1);           /* the request's context, echoed */
    PutBytes(&w, pConn->rgbRequestContext, pConn->cbRequestContext);
    dwList = OpenVector(&w, 3);                          /* certificate_list */
    dwEntry = OpenVector(&w, 3);                         /* cert_data */
    PutBytes(&w, pCertContext->pbCertEncoded, pCertContext->cbCertEncoded);
    CloseVector(&w, dwEntry, 3);
    PutNumber(&w, 0, 2);                                 /* extensions: none */
    CloseVector(&w, dwList, 3);
    fOk = !w.fOverflow && SendHandshakeMessage(pConn, HS_CERTIFICATE, pbBody, w.cb);
    free(pbBody);
    return fOk || Fail(pConn, SEC_E_OK, "Certificate buffer too small");
}

/* Our CertificateVerify over the transcript through our Certificate: the content hash the
 * case's way ((a) SslComputeSessionHash + our content, or (b) SslComputeClientAuthHash with
 * the client handshake traffic secret), SslSignHash (size query first), ECDSA's r || s
 * DER-encoded. Twins: (a) one signature byte flipped; (b) the server's context string. */
static BOOL
SendCertificateVerify(PCLIENT_CONNECTION pConn)
{
    const SCHEME_INFO *pScheme = pConn->pClientScheme;
    BYTE               rgbDigest[TLS_MAX_HASH_LENGTH];
    DWORD              cbDigest = 0;
    BYTE               rgbHashValue[2 * sizeof("SHA512") + TLS_MAX_HASH_LENGTH];
    DWORD              cbHashValue;
    BYTE               rgbSignature[512];
    DWORD              cbSignature = 0;
    BYTE               rgbBody[4 + 512];
    DWORD              dwFlags = 0;
    SECURITY_STATUS    Status;

    if (!ComputeCertificateVerifyHash(pConn, pScheme, pConn->hClientHsTraffic,
                                      pConn->pCase->Twist == TWIST_CV_SERVER_CONTEXT, FALSE,
                                      pConn->pCase->CvWay, rgbDigest, &cbDigest))
    {
        return FALSE;
    }
    cbHashValue = BuildHashValue(pScheme, rgbDigest, cbDigest, rgbHashValue, &dwFlags);
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
        rgbSignature[cbSignature - 1] ^= 0x01;          /* twin (a): RSA's last byte, ECDSA's s */
    }
    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        if (cbSignature != 2 * pConn->pClientCredentials->cbOrder)
        {
            return Fail(pConn, SEC_E_OK, "SslSignHash: a %u-byte ECDSA signature, r || s is %u",
                        (unsigned)cbSignature,
                        (unsigned)(2 * pConn->pClientCredentials->cbOrder));
        }
        if (!EcdsaSignatureToDer(rgbSignature, cbSignature, rgbSignature, sizeof(rgbSignature),
                                 &cbSignature))
        {
            return Fail(pConn, SEC_E_OK, "could not DER-encode the ECDSA signature");
        }
    }
    rgbBody[0] = (BYTE)(pScheme->dwScheme >> 8);
    rgbBody[1] = (BYTE)pScheme->dwScheme;
    rgbBody[2] = (BYTE)(cbSignature >> 8);
    rgbBody[3] = (BYTE)cbSignature;
    memcpy(rgbBody + 4, rgbSignature, cbSignature);
    return SendHandshakeMessage(pConn, HS_CERTIFICATE_VERIFY, rgbBody, 4 + cbSignature);
}

/* Our Finished: SslComputeFinishedHash on the client handshake traffic secret (twin (d): the
 * server's), then our write key becomes the client application traffic secret's. */
static BOOL
SendClientFinished(PCLIENT_CONNECTION pConn)
{
    BYTE              rgbVerifyData[TLS_MAX_HASH_LENGTH];
    NCRYPT_KEY_HANDLE hSecret = pConn->hClientHsTraffic;
    SECURITY_STATUS   Status;

    if (pConn->pCase->Twist == TWIST_WRONG_FINISHED)
    {
        hSecret = pConn->hServerHsTraffic;
    }
    Status = SslComputeFinishedHash(pConn->hProvider, hSecret, pConn->hHandshakeHash,
                                    rgbVerifyData, pConn->pSuite->cbHash, 0);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (client)", Status))
    {
        return FALSE;
    }
    return SendHandshakeMessage(pConn, HS_FINISHED, rgbVerifyData, pConn->pSuite->cbHash) &&
           SwitchKey(pConn, pConn->hClientApTraffic, TRUE);
}

static BOOL
SendClientFlight(PCLIENT_CONNECTION pConn)
{
    if (pConn->fCertificateRequested &&
        (!SendClientCertificate(pConn) || !SendCertificateVerify(pConn)))
    {
        return FALSE;
    }
    return SendClientFinished(pConn);
}

/* libssl has our Finished: its handshake must be complete now. If it refused our flight, its
 * alert (under its application key, which we read with) is what we report. */
static BOOL
WaitForServerHandshake(PCLIENT_CONNECTION pConn)
{
    PBYTE pbFragment;
    DWORD cbFragment;
    BYTE  bContentType;
    DWORD i;

    for (i = 0; i < MAX_WAIT_STEPS && !SSL_is_init_finished(pConn->pServer) &&
                !pConn->fServerFatal; i++)
    {
        StepServer(pConn);
    }
    if (!SSL_is_init_finished(pConn->pServer))
    {
        if (RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment))
        {
            UnexpectedRecord(pConn, bContentType, "the end of libssl's handshake");
        }
        return Fail(pConn, SEC_E_OK, "libssl did not finish its handshake");
    }
    pConn->fHandshakeDone = TRUE;
    return TRUE;
}

/* ========================================================================================== */
/* Application data and close_notify                                                          */
/* ========================================================================================== */

/* libssl's reply out of our SslDecryptPacket, exactly. Post-handshake handshake messages
 * (NewSessionTicket, RFC 8446 §4.6.1; this server sends none) would be skipped. */
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
        if (bContentType == CT_HANDSHAKE)
        {
            continue;
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
    if (!SendRecord(pConn, CT_APPLICATIONDATA, pbRequest, cbRequest))
    {
        return FALSE;
    }
    if (!ServerReadExactly(pConn, pbRequest, cbRequest))
    {
        return Fail(pConn, SEC_E_OK, "libssl did not read our %u-byte request (server alert %d)",
                    (unsigned)cbRequest, pConn->iServerAlert);
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
    return SendClientHello(pConn) &&
           ReceiveServerHello(pConn) &&
           ReceiveEncryptedExtensions(pConn) &&
           ReceiveCertificateRequest(pConn) &&
           ReceiveCertificate(pConn) &&
           ReceiveServerCertificateVerify(pConn) &&
           ReceiveServerFinished(pConn) &&
           SendClientFlight(pConn) &&
           WaitForServerHandshake(pConn) &&
           CheckClientAuthenticated(pConn) &&
           ExchangeApplicationData(pConn, (const BYTE *)szRequest, sizeof(szRequest) - 1,
                                   (const BYTE *)szReply, sizeof(szReply) - 1) &&
           ExchangeApplicationData(pConn, rgbBigRequest, sizeof(rgbBigRequest),
                                   rgbBigReply, sizeof(rgbBigReply)) &&
           SendCloseNotify(pConn);
}

/* Every handle of the connection, the provider last; then the server. */
static BOOL
CloseConnection(PCLIENT_CONNECTION pConn)
{
    BOOL fOk = TRUE;

    fOk &= FreeHandle(pConn, &pConn->hClientKey, "client private key");
    fOk &= FreeHandle(pConn, &pConn->hReadKey, "read key");
    fOk &= FreeHandle(pConn, &pConn->hWriteKey, "write key");
    fOk &= FreeHandle(pConn, &pConn->hClientApTraffic, "client application traffic secret");
    fOk &= FreeHandle(pConn, &pConn->hServerApTraffic, "server application traffic secret");
    fOk &= FreeHandle(pConn, &pConn->hClientHsTraffic, "client handshake traffic secret");
    fOk &= FreeHandle(pConn, &pConn->hServerHsTraffic, "server handshake traffic secret");
    fOk &= FreeHandle(pConn, &pConn->hMasterKey, "master secret");
    fOk &= FreeHandle(pConn, &pConn->hHandshakeKey, "handshake secret");
    fOk &= FreeHandle(pConn, &pConn->hEarlyKey, "early secret");
    fOk &= FreeHandle(pConn, &pConn->hServerShare, "server share");
    fOk &= FreeHandle(pConn, &pConn->hEphemeralKey, "ephemeral key");
    fOk &= FreeHandle(pConn, &pConn->hServerPublicKey, "server certificate key");
    fOk &= FreeHandle(pConn, &pConn->hHandshakeHash, "handshake hash");
    fOk &= FreeHandle(pConn, &pConn->hProvider, "provider");
    EVP_PKEY_free(pConn->pServerCertKey);
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
#define X25519  TLS_ECC_X25519_CURVE_KEY_TYPE
#define AES128  TLS_AES_128_GCM_SHA256
#define AES256  TLS_AES_256_GCM_SHA384
#define CHACHA  TLS_CHACHA20_POLY1305_SHA256
#define WAY_A   CV_WAY_SESSION_HASH
#define WAY_B   CV_WAY_CLIENT_AUTH_HASH
#define PSS256  "rsa_pss_rsae_sha256"
#define PSS384  "rsa_pss_rsae_sha384"
#define PSS512  "rsa_pss_rsae_sha512"
#define ECDSA   "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384"

static const TEST_CASE Cases[] =
{
    /* suite  group   server cert  server signs  client cert        CertificateRequest  CV way  twist */
    { AES128, X25519, CERT_RSA,    NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { AES128, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { AES128, P384,   CERT_RSA,    PSS384,       CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { AES256, X25519, CERT_ECDSA,  NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { AES256, P256,   CERT_RSA,    PSS512,       CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { AES256, P384,   CERT_ECDSA,  NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { CHACHA, X25519, CERT_RSA,    NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { CHACHA, P256,   CERT_RSA,    PSS384,       CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },
    { CHACHA, P384,   CERT_ECDSA,  NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE },

    /* client authentication: every client key, both ways of the content hash */
    { AES128, X25519, CERT_RSA,    NULL,         CLIENT_CERT_RSA,   PSS256,             WAY_A,  TWIST_NONE },
    { AES128, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_RSA,   PSS384,             WAY_B,  TWIST_NONE },
    { AES256, P384,   CERT_RSA,    PSS384,       CLIENT_CERT_RSA,   PSS256,             WAY_B,  TWIST_NONE },
    { CHACHA, X25519, CERT_ECDSA,  NULL,         CLIENT_CERT_RSA,   PSS384,             WAY_A,  TWIST_NONE },
    { AES128, P384,   CERT_RSA,    NULL,         CLIENT_CERT_P256,  ECDSA,              WAY_A,  TWIST_NONE },
    { AES256, X25519, CERT_ECDSA,  NULL,         CLIENT_CERT_P256,  ECDSA,              WAY_B,  TWIST_NONE },
    { CHACHA, P256,   CERT_RSA,    PSS512,       CLIENT_CERT_P256,  ECDSA,              WAY_B,  TWIST_NONE },
    { AES128, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_B,  TWIST_NONE },
    { AES256, P256,   CERT_RSA,    NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_A,  TWIST_NONE },
    { CHACHA, P384,   CERT_ECDSA,  NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_A,  TWIST_NONE },

    /* Negative twins */
    { AES128, X25519, CERT_RSA,    NULL,         CLIENT_CERT_RSA,   PSS256,             WAY_A,  TWIST_CV_FLIP_SIGNATURE },
    { AES256, P384,   CERT_ECDSA,  NULL,         CLIENT_CERT_P256,  ECDSA,              WAY_B,  TWIST_CV_FLIP_SIGNATURE },
    { CHACHA, P256,   CERT_RSA,    NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_A,  TWIST_CV_FLIP_SIGNATURE },
    { AES128, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_RSA,   PSS384,             WAY_A,  TWIST_CV_SERVER_CONTEXT },
    { AES256, X25519, CERT_RSA,    NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_B,  TWIST_CV_SERVER_CONTEXT },
    { CHACHA, X25519, CERT_ECDSA,  NULL,         CLIENT_CERT_RSA,   PSS256,             WAY_B,  TWIST_CV_SERVER_CONTEXT },
    { AES128, X25519, CERT_RSA,    NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_SERVER_CV_FLIP_SIGNATURE },
    { AES256, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_SERVER_CV_FLIP_SIGNATURE },
    { CHACHA, P384,   CERT_RSA,    PSS384,       CLIENT_CERT_P256,  ECDSA,              WAY_A,  TWIST_SERVER_CV_FLIP_SIGNATURE },
    { AES128, P256,   CERT_RSA,    NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_WRONG_FINISHED },
    { AES256, X25519, CERT_ECDSA,  NULL,         CLIENT_CERT_RSA,   PSS384,             WAY_B,  TWIST_WRONG_FINISHED },

    /* HelloRetryRequest: the server takes only the last column's group (listed, no share) */
    /* suite  group   server cert  server signs  client cert        CertificateRequest  CV way  twist       retry group */
    { AES128, X25519, CERT_RSA,    NULL,         CLIENT_CERT_NONE,  NULL,               WAY_A,  TWIST_NONE, P256 },
    { AES256, P256,   CERT_ECDSA,  NULL,         CLIENT_CERT_P384,  ECDSA,              WAY_B,  TWIST_NONE, P384 },
    { CHACHA, P384,   CERT_RSA,    NULL,         CLIENT_CERT_RSA,   PSS256,             WAY_A,  TWIST_NONE, X25519 },
};

static const char *
TwistName(TWIST Twist)
{
    switch (Twist)
    {
    case TWIST_NONE:                     return "";
    case TWIST_CV_FLIP_SIGNATURE:        return "[twin a: our CertificateVerify, one byte flipped]";
    case TWIST_CV_SERVER_CONTEXT:        return "[twin b: our CertificateVerify, server context]";
    case TWIST_SERVER_CV_FLIP_SIGNATURE: return "[twin c: server CertificateVerify, one byte flipped]";
    case TWIST_WRONG_FINISHED:           return "[twin d: our Finished from the server secret]";
    }
    return "?";
}

/* TRUE when the connection ended as the case says it must. */
static BOOL
CheckOutcome(const CLIENT_CONNECTION *pConn, BOOL fCompleted, char *pszWhy, size_t cbWhy)
{
    switch (pConn->pCase->Twist)
    {
    case TWIST_NONE:
        snprintf(pszWhy, cbWhy, "%s (status 0x%08X, libssl %s, alert sent %d, received %d)",
                 pConn->szFailure, (unsigned)pConn->FailedStatus,
                 pConn->fServerFatal ? "failed" : "ok", pConn->iServerAlert,
                 pConn->iServerAlertReceived);
        return fCompleted;
    case TWIST_SERVER_CV_FLIP_SIGNATURE:
        /* SslVerifySignature refuses; libssl receives our decrypt_error */
        snprintf(pszWhy, cbWhy, "status 0x%08X (want NTE_BAD_SIGNATURE from SslVerifySignature), "
                 "alert libssl received %d (want %d); %s", (unsigned)pConn->FailedStatus,
                 pConn->iServerAlertReceived, ALERT_DECRYPT_ERROR, pConn->szFailure);
        return !fCompleted &&
               pConn->FailedStatus == NTE_BAD_SIGNATURE &&
               strncmp(pConn->szFailure, "SslVerifySignature", 18) == 0 &&
               pConn->fServerFatal &&
               pConn->iServerAlertReceived == ALERT_DECRYPT_ERROR;
    default:
        /* libssl refuses our CertificateVerify or Finished (RFC 8446 §4.4.3, §4.4.4) */
        snprintf(pszWhy, cbWhy, "libssl %s, alert sent %d, received %d (want %d), no Ssl* "
                 "failure: %s; %s", pConn->fServerFatal ? "failed" : "did not fail",
                 pConn->iServerAlert, pConn->iAlertReceived, ALERT_DECRYPT_ERROR,
                 pConn->FailedStatus == SEC_E_OK ? "yes" : "no", pConn->szFailure);
        return !fCompleted &&
               pConn->FailedStatus == SEC_E_OK &&
               pConn->fServerFatal &&
               pConn->iServerAlert == ALERT_DECRYPT_ERROR &&
               pConn->iAlertReceived == ALERT_DECRYPT_ERROR &&
               !pConn->fHandshakeDone;
    }
}

static BOOL
RunCase(const TEST_CASE *pCase, const SERVER_CREDENTIALS *pCredentials,
        const CLIENT_CREDENTIALS *pClientCredentials)
{
    PCLIENT_CONNECTION pConn = calloc(1, sizeof(*pConn));
    char               szWhy[512];
    char               szClient[64] = "";
    char               szGroup[32] = "?";
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
    pConn->pGroup = FindGroup(pCase->dwGroup);
    pConn->dwGroup = pCase->dwGroup;
    pConn->pCredentials = &pCredentials[pCase->CertType];
    pConn->pClientCredentials = pCase->ClientCert != CLIENT_CERT_NONE ?
                                &pClientCredentials[pCase->ClientCert] : NULL;
    pConn->iServerAlert = -1;
    pConn->iServerAlertReceived = -1;
    pConn->iAlertReceived = -1;

    fCompleted = pConn->pSuite != NULL && pConn->pGroup != NULL && RunConnection(pConn);
    fPassed = CheckOutcome(pConn, fCompleted, szWhy, sizeof(szWhy));
    fFreed = CloseConnection(pConn);

    if (pConn->pGroup != NULL)
    {
        snprintf(szGroup, sizeof(szGroup), "%s%s%s", pConn->pGroup->pszName,
                 pCase->dwRetryGroup != 0 ? ">" : "",
                 pCase->dwRetryGroup != 0 ? FindGroup(pCase->dwRetryGroup)->pszName : "");
    }
    if (pConn->pClientCredentials != NULL)
    {
        snprintf(szClient, sizeof(szClient), " client %s %s (%s)",
                 pConn->pClientCredentials->pszName,
                 pConn->pClientScheme != NULL ? pConn->pClientScheme->pszName : "-",
                 pCase->CvWay == CV_WAY_SESSION_HASH ? "a" : "b");
    }
    printf("%-4s %-28s %-12s server %-5s %-22s%s %s\n",
           fPassed && fFreed ? "ok" : "FAIL",
           pConn->pSuite != NULL ? pConn->pSuite->pszName : "?",
           szGroup,
           pCase->CertType == CERT_RSA ? "RSA" : "P-256",
           pConn->pServerScheme != NULL ? pConn->pServerScheme->pszName : "-",
           szClient, TwistName(pCase->Twist));
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
    SERVER_CREDENTIALS Credentials[CERT_TYPE_COUNT] = { { NULL, NULL }, { NULL, NULL } };
    CLIENT_CREDENTIALS ClientCredentials[CLIENT_CERT_COUNT] =
    {
        /* name      key   cert  context  order */
        { "-",       NULL, NULL, NULL,    0  },
        { "RSA",     NULL, NULL, NULL,    0  },
        { "P-256",   NULL, NULL, NULL,    32 },
        { "P-384",   NULL, NULL, NULL,    48 },
    };
    size_t             i;
    unsigned           cPassed = 0;
    unsigned           cFailed = 0;
    BOOL               fCredentials = TRUE;

    Credentials[CERT_RSA].pKey = cert_rsa_key(0);
    Credentials[CERT_ECDSA].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    for (i = 0; i < CERT_TYPE_COUNT; i++)
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
