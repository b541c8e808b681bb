/*
 * test_windows_server12.c - a TLS 1.2 (and 1.1, 1.0) *server* written the way Windows programs
 * that drive ncrypt's SSL Protocol Provider directly are written (behavior.md §1.1, §1.2 and
 * §8.1, conventions.md §1, §3, §12 and §13), handshaking with OpenSSL's libssl client in the
 * same process. It is the twin of test_windows_client12.c and proves issue 12: the
 * ServerKeyExchange signatures sslprov makes are accepted by libssl's client - a completed
 * handshake is libssl's word that it verified our signature.
 *
 *  - Every secret comes from Ssl* calls: the transcript (SslCreateHandshakeHash,
 *    SslHashHandshake), our ephemeral key (SslCreateEphemeralKey with NCRYPT_SSL_SERVER_FLAG,
 *    its public value from SslExportKey), the client's share (SslImportKey), the master key
 *    (SslGenerateMasterKey with NCRYPT_SSL_SERVER_FLAG after (EC)DHE, as Windows calls it:
 *    pbOutput NULL, cbOutput 0, pcbResult NULL; SslImportMasterKey with NCRYPT_SSL_SERVER_FLAG
 *    for static RSA), SslComputeSessionHash (EMS, after the ClientKeyExchange),
 *    SslGenerateSessionKeys, SslComputeFinishedHash (the client's Finished checked with
 *    NCRYPT_SSL_CLIENT_FLAG, ours made with NCRYPT_SSL_SERVER_FLAG) and records through
 *    SslEncryptPacket / SslDecryptPacket in place at Windows' offsets, buffers sized only from
 *    SslLookupCipherLengths (its lengths exclude the 5-byte record header, conventions.md §12).
 *  - The server's certificate is a CERT_CONTEXT (SslProvCreateCertificateContext) whose key
 *    main() associates once (SslProvAssociateCertificateKeyBlob); each connection opens it
 *    with SslOpenPrivateKey, as Schannel does (docs/private-keys.md).
 *  - ServerKeyExchange signature, as Schannel makes it (behavior.md §8.1, conventions.md §13):
 *    the hash of client_random || server_random || params is computed with libcrypto (Windows:
 *    BCryptHash) and signed with SslSignHash - TLS 1.2: rsa_pkcs1_* as UTF-16 hash name ||
 *    0x0000 || digest with NCRYPT_SSL_SIGN_INCLUDE_HASHOID, rsa_pss_rsae_* the same with
 *    NCRYPT_SSL_SIGN_USE_PSS_PADDING, ecdsa_* the digest with flags 0 and the r || s result
 *    DER-encoded; TLS 1.0/1.1: RSA the 36-byte MD5 || SHA-1 with flags 0, ECDSA the 20-byte
 *    SHA-1 with flags 0. The scheme is the first of the client's signature_algorithms our key
 *    can make; the cases force one with SSL_CTX_set1_sigalgs_list on the libssl client.
 *  - Client authentication (some cases send a CertificateRequest): TLS 1.2, one
 *    SslCreateClientAuthHash object per hash (SHA256, SHA384, SHA512), fed every message in
 *    parallel with the transcript; the CertificateVerify is checked with
 *    SslComputeClientAuthHash on the object of its scheme's hash, then SslVerifySignature
 *    with the client certificate's key imported by SslImportKey (BCRYPT_RSAPUBLIC_BLOB or
 *    BCRYPT_ECCPUBLIC_BLOB; sslprov's superset of Windows, docs/signatures.md), the hash laid
 *    out as for SslSignHash and an ECDSA signature converted from DER to r || s. TLS 1.0/1.1:
 *    SslComputeClientAuthHash on the transcript object with pszAlgId "RSA" (36 bytes) or
 *    "ECDSA" (20).
 *  - libcrypto stands in for what a Windows server gets from crypt32 and bcrypt: hashing the
 *    params, DER-encoding and -decoding ECDSA signatures, parsing and making the certificates,
 *    random bytes.
 *  - The client is libssl (TLS_client_method pinned to the case's version, "ALL" ciphers -
 *    "ALL:@SECLEVEL=0" for TLS 1.0 and 1.1, which sign with MD5 || SHA-1 and SHA-1 - groups
 *    X25519, P-256, P-384, P-521, extended_master_secret switched off with
 *    SSL_OP_NO_EXTENDED_MASTER_SECRET in the cases without it, no certificate verification:
 *    the certificate is self-signed, but libssl checks the ServerKeyExchange signature with
 *    its key whatever the verify mode; with client authentication an RSA-2048 or P-256
 *    certificate of its own) behind a BIO pair. It is non-blocking and stepped
 *    whenever we have written to it, so nothing ever waits; every loop is bounded.
 *
 * Cases (table at the end): ECDHE_RSA on P-256, P-384 and X25519 and ECDHE_ECDSA (P-256
 * certificate) on P-256, P-384 and X25519, with AES-GCM and AES-CBC; DHE_RSA on RFC 7919
 * ffdhe2048 (SslCreateEphemeralKey with TLS_FFDHE2048_KEY_TYPE; p, g and Ys from its
 * BCRYPT_DH_PUBLIC_BLOB); static RSA; each with and without the extended master secret.
 * ServerKeyExchange schemes: rsa_pkcs1_sha256/384/512, rsa_pss_rsae_sha256/384/512,
 * ecdsa_secp256r1_sha256, and TLS 1.0/1.1's MD5 || SHA-1 (RSA) and SHA-1 (ECDSA); after the
 * handshake libssl must report the suite, version, EMS and ServerKeyExchange scheme we used.
 * Client authentication with RSA and P-256 client certificates over ECDHE_RSA, ECDHE_ECDSA,
 * DHE_RSA and static RSA, TLS 1.2 (rsa_pss_rsae_sha256, rsa_pkcs1_sha256/384/512,
 * ecdsa_secp256r1_sha256), 1.1 and 1.0. Each case is a full handshake, two rounds of
 * application data both ways (the second at the 16384-byte maximum) and close_notify.
 *
 * Negative twins, each failing for its own reason:
 *  (a) the ServerKeyExchange signature with one byte flipped (RSA: the last byte; ECDSA: the
 *      last byte of s, before DER encoding) -> libssl's client: decrypt_error;
 *  (b) the params signed over server_random || client_random (the randoms swapped) ->
 *      libssl's client: decrypt_error;
 *  (c) our Finished computed with NCRYPT_SSL_CLIENT_FLAG -> libssl's client: decrypt_error,
 *      which we decrypt;
 *  (d) the client's Finished record with one ciphertext byte flipped on the way ->
 *      SslDecryptPacket: NTE_DECRYPTION_FAILURE; we answer bad_record_mac;
 *  (e) the ClientHello with its last byte flipped on the way to our transcript (after we
 *      parsed it; no EMS, so the keys do not depend on the transcript) -> the client's
 *      Finished decrypts but differs from SslComputeFinishedHash(NCRYPT_SSL_CLIENT_FLAG); we
 *      answer decrypt_error;
 *  (f) the client's CertificateVerify signature with its last byte flipped on the way (ECDSA:
 *      of s, after the DER decoding; TLS 1.2 PSS, PKCS#1 and ECDSA, TLS 1.1 ECDSA, TLS 1.0
 *      RSA) -> SslVerifySignature: NTE_BAD_SIGNATURE; we answer decrypt_error.
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
#include <openssl/objects.h>
#include <openssl/rand.h>
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

#define CURVE_TYPE_NAMED_CURVE       3       /* ECParameters.curve_type, RFC 8422 §5.4 */

#define CLIENT_CERTIFICATE_TYPE_RSA_SIGN    1    /* ClientCertificateType, RFC 5246 §7.4.4 */
#define CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN  64   /* RFC 4492 §5.5 */

/* SignatureScheme values (RFC 8446 §4.2.3; for TLS 1.2 the RFC 5246 hash and signature pair) */
#define SCHEME_RSA_PKCS1_SHA256      0x0401
#define SCHEME_RSA_PKCS1_SHA384      0x0501
#define SCHEME_RSA_PKCS1_SHA512      0x0601
#define SCHEME_ECDSA_P256_SHA256     0x0403
#define SCHEME_RSA_PSS_RSAE_SHA256   0x0804
#define SCHEME_RSA_PSS_RSAE_SHA384   0x0805
#define SCHEME_RSA_PSS_RSAE_SHA512   0x0806
#define SCHEME_LEGACY                0       /* TLS 1.0/1.1: no scheme on the wire */

#define ALERT_WARNING                1
#define ALERT_FATAL                  2
#define ALERT_CLOSE_NOTIFY           0
#define ALERT_BAD_RECORD_MAC         20
#define ALERT_DECRYPT_ERROR          51

/* Buffers and bounds of this server */
#define NETWORK_BUFFER_SIZE          (4 * (TLS_RECORD_HEADER_LENGTH + TLS_MAX_CIPHERTEXT))
#define HANDSHAKE_BUFFER_SIZE        32768
#define SERVER_FLIGHT_BUFFER_SIZE    4096    /* one of our messages, certificate included */
#define MAX_WAIT_STEPS               16      /* client steps while waiting for one record */
#define MAX_RECORDS_PER_MESSAGE      64
#define BIO_PAIR_BUFFER_SIZE         65536

/* The libssl client's cipher strings */
#define CLIENT_CIPHERS               "ALL"
#define LEGACY_CIPHERS               "ALL:@SECLEVEL=0"  /* TLS 1.0/1.1: MD5||SHA-1, SHA-1 */
#define CLIENT_GROUPS                "X25519:P-256:P-384:P-521"

/* The server's credentials */
typedef enum _CERT_TYPE
{
    CERT_RSA,        /* RSA-2048 */
    CERT_ECDSA,      /* ECDSA P-256 */
    CERT_TYPE_COUNT
} CERT_TYPE;

typedef enum _KEY_EXCHANGE
{
    KX_ECDHE,        /* ECDHE_RSA, ECDHE_ECDSA */
    KX_DHE,          /* DHE_RSA on ffdhe2048 */
    KX_RSA           /* static RSA: no ServerKeyExchange */
} KEY_EXCHANGE;

typedef enum _TWIST
{
    TWIST_NONE,
    TWIST_SKE_FLIP_SIGNATURE,          /* (a) */
    TWIST_SKE_SWAPPED_RANDOMS,         /* (b) */
    TWIST_FINISHED_WITH_CLIENT_FLAG,   /* (c) */
    TWIST_FLIP_CLIENT_FINISHED,        /* (d) */
    TWIST_FLIP_CLIENT_HELLO,           /* (e) */
    TWIST_FLIP_CERTIFICATE_VERIFY      /* (f) */
} TWIST;

/* The client's credentials, for client authentication. */
typedef enum _CLIENT_CERT
{
    CLIENT_CERT_NONE,     /* we ask for no certificate */
    CLIENT_CERT_RSA,      /* RSA-2048 */
    CLIENT_CERT_P256,     /* ECDSA P-256 */
    CLIENT_CERT_COUNT
} CLIENT_CERT;

typedef struct _TEST_CASE
{
    const char     *pszExchange;
    KEY_EXCHANGE    KeyExchange;
    DWORD           dwProtocol;     /* the one version the client offers */
    DWORD           dwCipherSuite;  /* the suite we choose from the client's list */
    DWORD           dwGroup;        /* ECDHE: the group we choose from the client's list */
    CERT_TYPE       CertType;
    BOOL            fEms;           /* the client offers extended_master_secret, we accept */
    TWIST           Twist;
    const char     *pszClientSigalgs;   /* TLS 1.2: the client's signature_algorithms
                                           (SSL_CTX_set1_sigalgs_list); NULL: its default */
    /* Client authentication (0 / NULL in the rows without it): */
    CLIENT_CERT     ClientCert;         /* not NONE: we send a CertificateRequest */
    const char     *pszRequestSchemes;  /* TLS 1.2: its supported_signature_algorithms */
} TEST_CASE;

/* What the test knows about a suite: its name and the lengths conventions.md §12 documents. */
typedef struct _SUITE_INFO
{
    DWORD                     dwCipherSuite;
    const char               *pszName;
    NCRYPT_SSL_CIPHER_LENGTHS Lengths;
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

/* The server's certificate as a Windows server holds it: a CERT_CONTEXT, whose private key
 * SslOpenPrivateKey finds (main() tells sslprov once, SslProvAssociateCertificateKeyBlob).
 * pKey is kept only to make the certificate. */
typedef struct _SERVER_CREDENTIALS
{
    EVP_PKEY       *pKey;
    X509           *pCert;
    PCCERT_CONTEXT  pCertContext;
    DWORD           cbOrder;          /* ECDSA: bytes of the group order; 0 for RSA */
} SERVER_CREDENTIALS;

/* The libssl client's certificate and key (libcrypto objects: the client is libssl), and
 * what we need to check its CertificateVerify. */
typedef struct _CLIENT_CREDENTIALS
{
    const char *pszName;
    EVP_PKEY   *pKey;
    X509       *pCert;
    LPCWSTR     pszAlgId;           /* SslComputeClientAuthHash's pszAlgId: the key's algorithm
                                       ("RSA", "ECDSA"; S-CV12) */
    DWORD       cbOrder;            /* ECDSA: bytes of the group order; 0 for RSA */
} CLIENT_CREDENTIALS;

/* A signature scheme and how SslSignHash makes it (and SslVerifySignature checks it). */
typedef enum _SIGNATURE_KIND
{
    SIGNATURE_RSA_PKCS1,     /* NCRYPT_SSL_SIGN_INCLUDE_HASHOID */
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
    DWORD           cbOrder;        /* ECDSA in TLS 1.2: the curve's order length */
} SCHEME_INFO;

#define CLIENT_AUTH_HASH_COUNT       3       /* SHA256, SHA384, SHA512 */

/* One connection: the server's state, the libssl client and the outcome. */
typedef struct _SERVER_CONNECTION
{
    const TEST_CASE          *pCase;
    const SUITE_INFO         *pSuite;
    const GROUP_INFO         *pGroup;           /* ECDHE only */
    const SERVER_CREDENTIALS *pCredentials;
    const CLIENT_CREDENTIALS *pClientCredentials; /* NULL: no client authentication */
    DWORD                     dwProtocol;

    /* sslprov objects */
    NCRYPT_PROV_HANDLE        hProvider;
    NCRYPT_HASH_HANDLE        hHandshakeHash;
    NCRYPT_KEY_HANDLE         hServerKey;       /* SslOpenPrivateKey of our certificate */
    NCRYPT_KEY_HANDLE         hEphemeralKey;    /* (EC)DHE: ours */
    NCRYPT_KEY_HANDLE         hClientShare;     /* (EC)DHE: the client's public value */
    NCRYPT_HASH_HANDLE        rghClientAuthHash[CLIENT_AUTH_HASH_COUNT];
                                                /* TLS 1.2 client authentication: one
                                                   SslCreateClientAuthHash object per hash */
    NCRYPT_KEY_HANDLE         hClientPublicKey; /* the client certificate's key (SslImportKey) */
    NCRYPT_KEY_HANDLE         hMasterKey;
    NCRYPT_KEY_HANDLE         hReadKey;
    NCRYPT_KEY_HANDLE         hWriteKey;
    NCRYPT_SSL_CIPHER_LENGTHS CipherLengths;

    /* handshake */
    BYTE      rgbClientRandom[TLS_RANDOM_LENGTH];
    BYTE      rgbServerRandom[TLS_RANDOM_LENGTH];
    DWORD     dwClientVersion;                  /* ClientHello.client_version */
    BOOL      fClientOfferedEms;
    const SCHEME_INFO *pScheme;                 /* how our ServerKeyExchange is signed */
    const SCHEME_INFO *pClientScheme;           /* how the client's CertificateVerify was */
    PBYTE     pbDhPublicBlob;                   /* DHE: our BCRYPT_DH_PUBLIC_BLOB (p, g, y) */
    DWORD     cbDhPublicBlob;

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

    /* the client and the wire */
    SSL      *pClient;
    BIO      *pNetwork;                              /* our end of the BIO pair */

    /* outcome */
    BOOL            fHandshakeDone;     /* the client's Finished verified, ours sent */
    BOOL            fClientFatal;       /* libssl failed the connection */
    int             iClientAlert;       /* the alert libssl sent, -1 none */
    int             iClientAlertReceived;   /* the alert libssl received from us, -1 none */
    int             iAlertReceived;     /* the alert we received, -1 none */
    BOOL            fFlipNextProtectedRecord;   /* twin (d) */
    SECURITY_STATUS FailedStatus;       /* the Ssl* call that failed, or SEC_E_OK */
    char            szFailure[320];
} SERVER_CONNECTION, *PSERVER_CONNECTION;

/* ========================================================================================== */
/* Failures                                                                                   */
/* ========================================================================================== */

/* Record the first failure of a connection; returns FALSE so callers can "return Fail(...)". */
static BOOL
Fail(
    _Inout_ PSERVER_CONNECTION pConn,
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
    _Inout_ PSERVER_CONNECTION pConn,
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
/* The libssl client behind a BIO pair                                                        */
/* ========================================================================================== */

static void
ClientInfoCallback(const SSL *pSsl, int where, int ret)
{
    PSERVER_CONNECTION pConn = SSL_get_app_data(pSsl);

    if ((where & SSL_CB_WRITE_ALERT) == SSL_CB_WRITE_ALERT && pConn != NULL)
    {
        pConn->iClientAlert = ret & 0xFF;
    }
    if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT && pConn != NULL)
    {
        pConn->iClientAlertReceived = ret & 0xFF;
    }
}

static BOOL
StartClient(PSERVER_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    SSL_CTX         *pCtx = SSL_CTX_new(TLS_client_method());
    BIO             *pClientEnd = NULL;
    BOOL             fOk;

    fOk = pCtx != NULL &&
          SSL_CTX_set_min_proto_version(pCtx, (int)pConn->dwProtocol) == 1 &&
          SSL_CTX_set_max_proto_version(pCtx, (int)pConn->dwProtocol) == 1 &&
          SSL_CTX_set_cipher_list(pCtx, pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION ?
                                        CLIENT_CIPHERS : LEGACY_CIPHERS) == 1 &&
          SSL_CTX_set1_groups_list(pCtx, CLIENT_GROUPS) == 1 &&
          (pCase->pszClientSigalgs == NULL ||
           SSL_CTX_set1_sigalgs_list(pCtx, pCase->pszClientSigalgs) == 1);
    if (fOk && pConn->pClientCredentials != NULL)
    {
        fOk = SSL_CTX_use_certificate(pCtx, pConn->pClientCredentials->pCert) == 1 &&
              SSL_CTX_use_PrivateKey(pCtx, pConn->pClientCredentials->pKey) == 1;
    }
    if (fOk)
    {
        /* The certificate is self-signed: no chain check. libssl still verifies the
         * ServerKeyExchange signature with the certificate's key. */
        SSL_CTX_set_verify(pCtx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_options(pCtx, SSL_OP_NO_TICKET |
                                  (pCase->fEms ? 0 : SSL_OP_NO_EXTENDED_MASTER_SECRET));
        pConn->pClient = SSL_new(pCtx);
        fOk = pConn->pClient != NULL &&
              BIO_new_bio_pair(&pClientEnd, BIO_PAIR_BUFFER_SIZE,
                               &pConn->pNetwork, BIO_PAIR_BUFFER_SIZE) == 1;
    }
    if (fOk)
    {
        SSL_set_bio(pConn->pClient, pClientEnd, pClientEnd);
        SSL_set_connect_state(pConn->pClient);
        SSL_set_app_data(pConn->pClient, pConn);
        SSL_set_info_callback(pConn->pClient, ClientInfoCallback);
    }
    SSL_CTX_free(pCtx);   /* the SSL object keeps its own reference */
    return fOk || Fail(pConn, SEC_E_OK, "could not set up the libssl client");
}

/* Let libssl process what we wrote, while it is still in its handshake. */
static void
StepClient(PSERVER_CONNECTION pConn)
{
    int ret;
    int err;

    if (pConn->fClientFatal || SSL_is_init_finished(pConn->pClient))
    {
        return;
    }
    ret = SSL_do_handshake(pConn->pClient);
    if (ret <= 0)
    {
        err = SSL_get_error(pConn->pClient, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
        {
            pConn->fClientFatal = TRUE;
        }
    }
}

/* After the handshake: libssl's SSL_read must return exactly what we sent. */
static BOOL
ClientReadExactly(PSERVER_CONNECTION pConn, const BYTE *pbExpected, DWORD cbExpected)
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
        n = SSL_read(pConn->pClient, pbGot + cbGot, (int)(cbExpected - cbGot));
        if (n <= 0)
        {
            if (SSL_get_error(pConn->pClient, n) == SSL_ERROR_SSL)
            {
                pConn->fClientFatal = TRUE;
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

/* Take what the client has written. Returns TRUE when there was something. */
static BOOL
PullNetwork(PSERVER_CONNECTION pConn)
{
    BYTE rgb[4096];
    BOOL fAny = FALSE;
    int  n;

    while ((n = BIO_read(pConn->pNetwork, rgb, sizeof(rgb))) > 0)
    {
        if ((DWORD)n > sizeof(pConn->rgbNetwork) - pConn->cbNetwork)
        {
            return Fail(pConn, SEC_E_OK, "receive buffer overflow");
        }
        memcpy(pConn->rgbNetwork + pConn->cbNetwork, rgb, (size_t)n);
        pConn->cbNetwork += (DWORD)n;
        fAny = TRUE;
    }
    return fAny;
}

static BOOL
WaitForNetwork(PSERVER_CONNECTION pConn, DWORD cbNeeded)
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
            StepClient(pConn);
        }
    }
    return pConn->cbNetwork >= cbNeeded ||
           Fail(pConn, SEC_E_OK, "nothing more from the client after %u steps", MAX_WAIT_STEPS);
}

/* ========================================================================================== */
/* Record layer: SslEncryptPacket / SslDecryptPacket in place (conventions.md §5, §12)        */
/* ========================================================================================== */

/* One record. Once protected, the record buffer is sized only from SslLookupCipherLengths:
 * our 5-byte header + dwHeaderLen + data + dwFixedTrailerLen + dwMaxVariableTrailerLen. The
 * plaintext is placed where Windows places it, at record + 5 + dwHeaderLen, and encrypted in
 * place; SslEncryptPacket writes the whole record, header included. */
static BOOL
SendRecord(PSERVER_CONNECTION pConn, BYTE bContentType, const BYTE *pbData, DWORD cbData)
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
        Fail(pConn, SEC_E_OK, "BIO_write to the client failed");
        goto cleanup;
    }
    StepClient(pConn);
    fOk = TRUE;

cleanup:
    free(pbRecord);
    return fOk;
}

/* The next record. Protected records are decrypted in place: SslDecryptPacket takes the whole
 * record and writes the plaintext only, at record + 5 + dwHeaderLen. Until ServerHello the
 * record version may be any TLS one (libssl sends its ClientHello in a TLS 1.0 record);
 * after it, the negotiated one. Alerts are remembered. Twin (d): the network flips the first
 * encrypted byte of the record. */
static BOOL
RecvRecord(PSERVER_CONNECTION pConn, BYTE *pbContentType, PBYTE *ppbFragment, DWORD *pcbFragment)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pLengths = &pConn->CipherLengths;
    DWORD           cbBody;
    DWORD           cbRecord;
    DWORD           dwOffset;
    DWORD           cbPlaintext = 0;
    DWORD           dwVersion;
    SECURITY_STATUS Status;

    if (!WaitForNetwork(pConn, TLS_RECORD_HEADER_LENGTH))
    {
        return FALSE;
    }
    cbBody = (DWORD)pConn->rgbNetwork[3] << 8 | pConn->rgbNetwork[4];
    dwVersion = (DWORD)pConn->rgbNetwork[1] << 8 | pConn->rgbNetwork[2];
    if (cbBody > TLS_MAX_CIPHERTEXT ||
        (pConn->hHandshakeHash == 0 ? (dwVersion < TLS1_0_PROTOCOL_VERSION ||
                                       dwVersion > TLS1_2_PROTOCOL_VERSION)
                                    : dwVersion != pConn->dwProtocol))
    {
        return Fail(pConn, SEC_E_OK, "malformed record header from the client");
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
        if (cbRecord <= dwOffset)
        {
            return Fail(pConn, SEC_E_OK, "protected record shorter than its explicit nonce");
        }
        if (pConn->fFlipNextProtectedRecord)
        {
            pConn->rgbRecord[dwOffset] ^= 0x01;     /* twin (d) */
            pConn->fFlipNextProtectedRecord = FALSE;
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
UnexpectedRecord(PSERVER_CONNECTION pConn, BYTE bContentType, const char *pszWaitingFor)
{
    if (bContentType == CT_ALERT && pConn->iAlertReceived >= 0)
    {
        return Fail(pConn, SEC_E_OK, "waiting for %s, the client sent alert %d", pszWaitingFor,
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
ReadNextHandshakeMessage(PSERVER_CONNECTION pConn, READER *pBody)
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
ReadHandshakeMessage(PSERVER_CONNECTION pConn, BYTE bType, READER *pBody)
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
 * (TLS 1.2 with client authentication): the CertificateVerify's scheme is the client's
 * choice from our list, so each hash of the list must be ready. */
static BOOL
HashHandshakeMessage(PSERVER_CONNECTION pConn, const BYTE *pbMessage, DWORD cbMessage)
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
HashLastMessage(PSERVER_CONNECTION pConn)
{
    return HashHandshakeMessage(pConn, pConn->rgbMessage, pConn->cbMessage);
}

/* Frame, hash and send one of our messages. */
static BOOL
SendHandshakeMessage(PSERVER_CONNECTION pConn, BYTE bType, const BYTE *pbBody, DWORD cbBody)
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
#define CBC_LENGTHS(cbMac)      { sizeof(NCRYPT_SSL_CIPHER_LENGTHS), 16, cbMac, 16, \
                                  NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING }

static const SUITE_INFO Suites[] =
{
    { TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,   "ECDHE_RSA_WITH_AES_128_GCM_SHA256",   AEAD_GCM_LENGTHS },
    { TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,   "ECDHE_RSA_WITH_AES_256_GCM_SHA384",   AEAD_GCM_LENGTHS },
    { TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", AEAD_GCM_LENGTHS },
    { TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,      "ECDHE_RSA_WITH_AES_128_CBC_SHA",      CBC_LENGTHS(20)  },
    { TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,      "ECDHE_RSA_WITH_AES_256_CBC_SHA",      CBC_LENGTHS(20)  },
    { TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,   "ECDHE_RSA_WITH_AES_128_CBC_SHA256",   CBC_LENGTHS(32)  },
    { TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,    "ECDHE_ECDSA_WITH_AES_128_CBC_SHA",    CBC_LENGTHS(20)  },
    { TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,     "DHE_RSA_WITH_AES_128_GCM_SHA256",     AEAD_GCM_LENGTHS },
    { TLS_DHE_RSA_WITH_AES_128_CBC_SHA,        "DHE_RSA_WITH_AES_128_CBC_SHA",        CBC_LENGTHS(20)  },
    { TLS_RSA_WITH_AES_128_GCM_SHA256,         "RSA_WITH_AES_128_GCM_SHA256",         AEAD_GCM_LENGTHS },
    { TLS_RSA_WITH_AES_128_CBC_SHA,            "RSA_WITH_AES_128_CBC_SHA",            CBC_LENGTHS(20)  },
    { TLS_RSA_WITH_AES_128_CBC_SHA256,         "RSA_WITH_AES_128_CBC_SHA256",         CBC_LENGTHS(32)  },
};

static const GROUP_INFO Groups[] =
{
    { TLS_ECC_P256_CURVE_KEY_TYPE,   "P-256",  BCRYPT_ECCPUBLIC_BLOB, BCRYPT_ECDH_PUBLIC_P256_MAGIC, 32 },
    { TLS_ECC_P384_CURVE_KEY_TYPE,   "P-384",  BCRYPT_ECCPUBLIC_BLOB, BCRYPT_ECDH_PUBLIC_P384_MAGIC, 48 },
    { TLS_ECC_X25519_CURVE_KEY_TYPE, "X25519", SSL_ECCPUBLIC_BLOB,    0,                             32 },
};

/* The TLS 1.2 schemes this server can sign its ServerKeyExchange with. */
static const SCHEME_INFO Schemes[] =
{
    { SCHEME_RSA_PKCS1_SHA256,    "rsa_pkcs1_sha256",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA256_ALGORITHM, "SHA256",   0  },
    { SCHEME_RSA_PKCS1_SHA384,    "rsa_pkcs1_sha384",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA384_ALGORITHM, "SHA384",   0  },
    { SCHEME_RSA_PKCS1_SHA512,    "rsa_pkcs1_sha512",       SIGNATURE_RSA_PKCS1,  BCRYPT_SHA512_ALGORITHM, "SHA512",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256",    SIGNATURE_RSA_PSS,    BCRYPT_SHA256_ALGORITHM, "SHA256",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384",    SIGNATURE_RSA_PSS,    BCRYPT_SHA384_ALGORITHM, "SHA384",   0  },
    { SCHEME_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512",    SIGNATURE_RSA_PSS,    BCRYPT_SHA512_ALGORITHM, "SHA512",   0  },
    { SCHEME_ECDSA_P256_SHA256,   "ecdsa_secp256r1_sha256", SIGNATURE_ECDSA,      BCRYPT_SHA256_ALGORITHM, "SHA256",   32 },
};

/* TLS 1.0 and 1.1 (no scheme on the wire: the key decides; RFC 4346 §7.4.3, RFC 4492 §5.4) */
static const SCHEME_INFO LegacyRsaScheme =
    { SCHEME_LEGACY,              "rsa MD5||SHA-1",         SIGNATURE_RSA_LEGACY, NULL,                    "MD5-SHA1", 0  };
static const SCHEME_INFO LegacyEcdsaScheme =
    { SCHEME_LEGACY,              "ecdsa SHA-1",            SIGNATURE_ECDSA,      BCRYPT_SHA1_ALGORITHM,   "SHA1",     0  };

/* The hashes of the schemes we may request: one SslCreateClientAuthHash object each. */
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
ComputeSessionHash(PSERVER_CONNECTION pConn, PBYTE pbSessionHash, DWORD cbSessionHash,
                   DWORD *pcbResult)
{
    SECURITY_STATUS Status;

    Status = SslComputeSessionHash(pConn->hProvider, pConn->hHandshakeHash,
                                   pConn->dwProtocol, pbSessionHash, cbSessionHash,
                                   pcbResult, 0);
    return !SslCallFailed(pConn, "SslComputeSessionHash", Status);
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

/* Our public value from an export blob: size query, then the blob (conventions.md §1 Output
 * sizes 3). The caller frees *ppbBlob. */
static BOOL
ExportEphemeralKey(PSERVER_CONNECTION pConn, LPCWSTR pszBlobType, PBYTE *ppbBlob, DWORD *pcbBlob)
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
/* ========================================================================================== */
/* ClientHello .. ServerHelloDone                                                             */
/* ========================================================================================== */

static BOOL
CheckCipherLengths(PSERVER_CONNECTION pConn)
{
    const NCRYPT_SSL_CIPHER_LENGTHS *pGot = &pConn->CipherLengths;
    NCRYPT_SSL_CIPHER_LENGTHS        Want = pConn->pSuite->Lengths;

    /* TLS 1.0 CBC has no explicit IV (the IV chains from the previous record): header 0 */
    if (pConn->dwProtocol == TLS1_0_PROTOCOL_VERSION &&
        (Want.dwFlags & NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING) != 0)
    {
        Want.dwHeaderLen = 0;
    }
    if (memcmp(pGot, &Want, sizeof(*pGot)) == 0)
    {
        return TRUE;
    }
    return Fail(pConn, SEC_E_OK,
                "SslLookupCipherLengths(0x%04X) = {%u, %u, %u, %u, %u}; conventions.md §12: "
                "{%u, %u, %u, %u, %u}", (unsigned)pConn->pCase->dwCipherSuite,
                (unsigned)pGot->cbLength, (unsigned)pGot->dwHeaderLen,
                (unsigned)pGot->dwFixedTrailerLen, (unsigned)pGot->dwMaxVariableTrailerLen,
                (unsigned)pGot->dwFlags, (unsigned)Want.cbLength, (unsigned)Want.dwHeaderLen,
                (unsigned)Want.dwFixedTrailerLen, (unsigned)Want.dwMaxVariableTrailerLen,
                (unsigned)Want.dwFlags);
}

/* Can our key make this scheme? RSA keys: PKCS#1 and PSS; our ECDSA key: its curve's. */
static BOOL
ServerCanSign(PSERVER_CONNECTION pConn, const SCHEME_INFO *pScheme)
{
    if (pConn->pCredentials->cbOrder != 0)
    {
        return pScheme->Kind == SIGNATURE_ECDSA && pScheme->cbOrder == pConn->pCredentials->cbOrder;
    }
    return pScheme->Kind == SIGNATURE_RSA_PKCS1 || pScheme->Kind == SIGNATURE_RSA_PSS;
}

/* The ServerKeyExchange's scheme: TLS 1.2, the first of the client's signature_algorithms our
 * key can make, in the client's order; TLS 1.0/1.1, the key's type decides. */
static BOOL
ChooseScheme(PSERVER_CONNECTION pConn, const BYTE *pbSchemes, DWORD cbSchemes)
{
    const SCHEME_INFO *pScheme;
    DWORD              i;

    if (pConn->dwProtocol != TLS1_2_PROTOCOL_VERSION)
    {
        pConn->pScheme = pConn->pCredentials->cbOrder == 0 ? &LegacyRsaScheme : &LegacyEcdsaScheme;
        return TRUE;
    }
    for (i = 0; pbSchemes != NULL && i + 1 < cbSchemes && pConn->pScheme == NULL; i += 2)
    {
        pScheme = FindScheme((DWORD)pbSchemes[i] << 8 | pbSchemes[i + 1]);
        if (pScheme != NULL && ServerCanSign(pConn, pScheme))
        {
            pConn->pScheme = pScheme;
        }
    }
    return pConn->pScheme != NULL ||
           Fail(pConn, SEC_E_OK, "ClientHello: no signature_algorithms entry our key can make");
}

/* ClientHello (RFC 5246 §7.4.1.2): the version, the random, the suites (the case's must be
 * among them), and the extensions we act on - supported_groups (ECDHE: the case's group must
 * be offered), signature_algorithms and extended_master_secret. The suite is now known, so the
 * transcript object can be made and the ClientHello hashed. */
static BOOL
ReceiveClientHello(PSERVER_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    READER           r;
    READER           Extensions;
    READER           Body;
    const BYTE      *pbRandom;
    const BYTE      *pbSuites;
    const BYTE      *pbSchemes = NULL;
    DWORD            cbSuites, cbSchemes = 0, dwType, cbExtension, cbGroups, i;
    BOOL             fSuiteOffered = FALSE;
    BOOL             fGroupOffered = FALSE;
    SECURITY_STATUS  Status;

    if (!ReadHandshakeMessage(pConn, HS_CLIENT_HELLO, &r))
    {
        return FALSE;
    }
    pConn->dwClientVersion = GetNumber(&r, 2);
    pbRandom = GetBytes(&r, TLS_RANDOM_LENGTH);
    GetBytes(&r, GetNumber(&r, 1));                   /* session_id: no resumption here */
    cbSuites = GetNumber(&r, 2);
    pbSuites = GetBytes(&r, cbSuites);
    GetBytes(&r, GetNumber(&r, 1));                   /* compression_methods */
    Extensions.cb = r.off < r.cb ? GetNumber(&r, 2) : 0;
    Extensions.pb = GetBytes(&r, Extensions.cb);
    Extensions.off = 0;
    Extensions.fError = FALSE;
    while (Extensions.pb != NULL && !Extensions.fError && Extensions.off < Extensions.cb)
    {
        dwType = GetNumber(&Extensions, 2);
        cbExtension = GetNumber(&Extensions, 2);
        Body.pb = GetBytes(&Extensions, cbExtension);
        Body.cb = cbExtension;
        Body.off = 0;
        Body.fError = Body.pb == NULL;
        switch (dwType)
        {
        case EXT_SUPPORTED_GROUPS:
            cbGroups = GetNumber(&Body, 2);
            for (i = 0; i + 1 < cbGroups && !Body.fError; i += 2)
            {
                fGroupOffered |= GetNumber(&Body, 2) == pCase->dwGroup;
            }
            break;
        case EXT_SIGNATURE_ALGORITHMS:
            cbSchemes = GetNumber(&Body, 2);
            pbSchemes = GetBytes(&Body, cbSchemes);
            break;
        case EXT_EXTENDED_MASTER_SECRET:
            pConn->fClientOfferedEms = cbExtension == 0;
            break;
        default:
            break;
        }
    }
    if (!ReaderDone(&r) || Extensions.fError || pbRandom == NULL || pbSuites == NULL ||
        cbSuites % 2 != 0)
    {
        return Fail(pConn, SEC_E_OK, "malformed ClientHello");
    }
    for (i = 0; i < cbSuites; i += 2)
    {
        fSuiteOffered |= ((DWORD)pbSuites[i] << 8 | pbSuites[i + 1]) == pCase->dwCipherSuite;
    }
    if (pConn->dwClientVersion != pConn->dwProtocol || !fSuiteOffered ||
        (pCase->KeyExchange == KX_ECDHE && !fGroupOffered) ||
        pConn->fClientOfferedEms != pCase->fEms)
    {
        return Fail(pConn, SEC_E_OK, "ClientHello: version 0x%04X, suite 0x%04X %s, group %u "
                    "%s, extended_master_secret %s", (unsigned)pConn->dwClientVersion,
                    (unsigned)pCase->dwCipherSuite, fSuiteOffered ? "offered" : "not offered",
                    (unsigned)pCase->dwGroup, fGroupOffered ? "offered" : "not offered",
                    pConn->fClientOfferedEms ? "offered" : "not offered");
    }
    if (!ChooseScheme(pConn, pbSchemes, cbSchemes))
    {
        return FALSE;
    }
    memcpy(pConn->rgbClientRandom, pbRandom, TLS_RANDOM_LENGTH);

    if (pCase->Twist == TWIST_FLIP_CLIENT_HELLO)
    {
        /* twin (e): what reaches our transcript is not what the client sent */
        pConn->rgbMessage[pConn->cbMessage - 1] ^= 0x01;
    }

    /* The suite is chosen: the transcript hash and the record lengths follow from it. */
    Status = SslCreateHandshakeHash(pConn->hProvider, &pConn->hHandshakeHash,
                                    pConn->dwProtocol, pCase->dwCipherSuite, 0);
    if (SslCallFailed(pConn, "SslCreateHandshakeHash", Status))
    {
        return FALSE;
    }
    /* TLS 1.2 with client authentication: one client-auth hash object per hash, made now and
     * fed every message from ClientHello on, in parallel with the transcript (behavior.md
     * §8.3). TLS 1.0/1.1 use the transcript object itself. */
    for (i = 0; i < CLIENT_AUTH_HASH_COUNT && pConn->pClientCredentials != NULL &&
                pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION; i++)
    {
        Status = SslCreateClientAuthHash(pConn->hProvider, &pConn->rghClientAuthHash[i],
                                         pConn->dwProtocol, pCase->dwCipherSuite,
                                         ClientAuthHashes[i].pszAlgId, 0);
        if (SslCallFailed(pConn, "SslCreateClientAuthHash", Status))
        {
            return FALSE;
        }
    }
    if (!HashLastMessage(pConn))
    {
        return FALSE;
    }
    /* dwKeyType: the ECDHE group, 0 otherwise; the provider never reads it (conventions.md
     * §12). */
    Status = SslLookupCipherLengths(pConn->hProvider, pConn->dwProtocol, pCase->dwCipherSuite,
                                    pCase->KeyExchange == KX_ECDHE ? pCase->dwGroup : 0,
                                    &pConn->CipherLengths, sizeof(pConn->CipherLengths), 0);
    if (SslCallFailed(pConn, "SslLookupCipherLengths", Status))
    {
        return FALSE;
    }
    return CheckCipherLengths(pConn);
}

/* ServerHello: our random, no session_id (nothing to resume), the suite, no compression;
 * renegotiation_info (RFC 5746, libssl's client insists), extended_master_secret when the
 * client offered it, ec_point_formats (uncompressed) for ECDHE. */
static BOOL
SendServerHello(PSERVER_CONNECTION pConn)
{
    static const BYTE rgbPointFormats[] = { 1, 0 };          /* uncompressed */
    static const BYTE rgbRenegotiationInfo[] = { 0 };        /* initial handshake */
    BYTE              rgbBody[256];
    WRITER            w = { rgbBody, 0, sizeof(rgbBody), FALSE };
    DWORD             dwExtensions;

    if (RAND_bytes(pConn->rgbServerRandom, TLS_RANDOM_LENGTH) != 1)
    {
        return Fail(pConn, SEC_E_OK, "RAND_bytes failed");
    }
    PutNumber(&w, pConn->dwProtocol, 2);
    PutBytes(&w, pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    PutNumber(&w, 0, 1);                              /* session_id: empty */
    PutNumber(&w, pConn->pCase->dwCipherSuite, 2);
    PutNumber(&w, 0, 1);                              /* compression: null */
    dwExtensions = OpenVector(&w, 2);
    PutExtension(&w, EXT_RENEGOTIATION_INFO, rgbRenegotiationInfo, sizeof(rgbRenegotiationInfo));
    if (pConn->fClientOfferedEms)
    {
        PutExtension(&w, EXT_EXTENDED_MASTER_SECRET, NULL, 0);
    }
    if (pConn->pCase->KeyExchange == KX_ECDHE)
    {
        PutExtension(&w, EXT_EC_POINT_FORMATS, rgbPointFormats, sizeof(rgbPointFormats));
    }
    CloseVector(&w, dwExtensions, 2);
    if (w.fOverflow)
    {
        return Fail(pConn, SEC_E_OK, "ServerHello too long");
    }
    return SendHandshakeMessage(pConn, HS_SERVER_HELLO, rgbBody, w.cb);
}

/* Certificate (RFC 5246 §7.4.2): our CERT_CONTEXT's DER. Its private key is opened first, as
 * Schannel does when it acquires the credential: SslOpenPrivateKey finds it by the
 * certificate. */
static BOOL
SendCertificate(PSERVER_CONNECTION pConn)
{
    PCCERT_CONTEXT  pCertContext = pConn->pCredentials->pCertContext;
    DWORD           cbCert = pCertContext->cbCertEncoded;
    PBYTE           pbBody = malloc(6 + cbCert);
    SECURITY_STATUS Status;
    BOOL            fOk;

    if (pbBody == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    Status = SslOpenPrivateKey(pConn->hProvider, &pConn->hServerKey, pCertContext, 0);
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

/* The ServerKeyExchange signature (RFC 5246 §7.4.3, RFC 4346 §7.4.3, RFC 4492 §5.4), as
 * Schannel makes it (behavior.md §8.1): the hash of client_random || server_random || params
 * (libcrypto, for BCryptHash), laid out for SslSignHash by BuildHashValue, signed with the key
 * from SslOpenPrivateKey (size query first); ECDSA's r || s DER-encoded. Appends (TLS 1.2) the
 * scheme and the signature<2> to *w. Twins: (a) one byte of the signature flipped, (b) the
 * randoms swapped. */
static BOOL
SignServerParams(PSERVER_CONNECTION pConn, const BYTE *pbParams, DWORD cbParams, WRITER *w)
{
    const SCHEME_INFO *pScheme = pConn->pScheme;
    TWIST              Twist = pConn->pCase->Twist;
    DWORD              cbSigned = 2 * TLS_RANDOM_LENGTH + cbParams;
    PBYTE              pbSigned = malloc(cbSigned);
    BYTE               rgbDigest[EVP_MAX_MD_SIZE];
    DWORD              cbDigest = 0;
    BYTE               rgbHashValue[2 * sizeof("SHA512") + EVP_MAX_MD_SIZE];
    DWORD              cbHashValue;
    BYTE               rgbSignature[1024];
    DWORD              cbSignature = 0;
    DWORD              dwFlags = 0;
    SECURITY_STATUS    Status;
    BOOL               fDigestOk;

    if (pbSigned == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    memcpy(pbSigned, Twist == TWIST_SKE_SWAPPED_RANDOMS ? pConn->rgbServerRandom
                                                        : pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
    memcpy(pbSigned + TLS_RANDOM_LENGTH, Twist == TWIST_SKE_SWAPPED_RANDOMS ?
           pConn->rgbClientRandom : pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
    memcpy(pbSigned + 2 * TLS_RANDOM_LENGTH, pbParams, cbParams);
    fDigestOk = ComputeDigest(pScheme->pszDigest, pbSigned, cbSigned, rgbDigest, &cbDigest);
    free(pbSigned);
    if (!fDigestOk)
    {
        return Fail(pConn, SEC_E_OK, "EVP_Digest(%s) failed", pScheme->pszDigest);
    }

    /* Sign: how big, then the signature */
    cbHashValue = BuildHashValue(pScheme, rgbDigest, cbDigest, rgbHashValue, &dwFlags);
    Status = SslSignHash(pConn->hProvider, pConn->hServerKey, rgbHashValue, cbHashValue,
                         NULL, 0, &cbSignature, dwFlags);
    if (SslCallFailed(pConn, "SslSignHash (size)", Status))
    {
        return FALSE;
    }
    if (cbSignature > sizeof(rgbSignature))
    {
        return Fail(pConn, SEC_E_OK, "SslSignHash: a %u-byte signature", (unsigned)cbSignature);
    }
    Status = SslSignHash(pConn->hProvider, pConn->hServerKey, rgbHashValue, cbHashValue,
                         rgbSignature, sizeof(rgbSignature), &cbSignature, dwFlags);
    if (SslCallFailed(pConn, "SslSignHash", Status))
    {
        return FALSE;
    }
    if (Twist == TWIST_SKE_FLIP_SIGNATURE)
    {
        rgbSignature[cbSignature - 1] ^= 0x01;          /* twin (a): RSA's last byte, ECDSA's s */
    }
    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        if (cbSignature != 2 * pConn->pCredentials->cbOrder)
        {
            return Fail(pConn, SEC_E_OK, "SslSignHash: a %u-byte ECDSA signature, r || s is %u",
                        (unsigned)cbSignature, (unsigned)(2 * pConn->pCredentials->cbOrder));
        }
        if (!EcdsaSignatureToDer(rgbSignature, cbSignature, rgbSignature, sizeof(rgbSignature),
                                 &cbSignature))
        {
            return Fail(pConn, SEC_E_OK, "could not DER-encode the ECDSA signature");
        }
    }
    if (pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION)
    {
        PutNumber(w, pScheme->dwScheme, 2);
    }
    PutNumber(w, cbSignature, 2);
    PutBytes(w, rgbSignature, cbSignature);
    return TRUE;
}

/* A big-endian number as an opaque<1..2^16-1> without its leading zero bytes. */
static void
PutMinimalNumber(WRITER *w, const BYTE *pbNumber, DWORD cbNumber)
{
    while (cbNumber > 1 && pbNumber[0] == 0)
    {
        pbNumber++;
        cbNumber--;
    }
    PutNumber(w, cbNumber, 2);
    PutBytes(w, pbNumber, cbNumber);
}

/* ECDHE params (RFC 8422 §5.4): named_curve, the group, our ECPoint - from the export blob of
 * our ephemeral key (SslCreateEphemeralKey with NCRYPT_SSL_SERVER_FLAG). */
static BOOL
PutEcdheParams(PSERVER_CONNECTION pConn, WRITER *w)
{
    const GROUP_INFO *pGroup = pConn->pGroup;
    PBYTE             pbExport = NULL;
    DWORD             cbExport = 0;
    BYTE              rgbPoint[1 + 2 * 66];
    DWORD             cbPoint = 0;
    SECURITY_STATUS   Status;
    BOOL              fOk = FALSE;

    Status = SslCreateEphemeralKey(pConn->hProvider, &pConn->hEphemeralKey, pConn->dwProtocol,
                                   pConn->pCase->dwCipherSuite, pGroup->dwGroup, 0, NULL, 0,
                                   NCRYPT_SSL_SERVER_FLAG);
    if (SslCallFailed(pConn, "SslCreateEphemeralKey", Status) ||
        !ExportEphemeralKey(pConn, pGroup->pszBlobType, &pbExport, &cbExport))
    {
        goto cleanup;
    }
    if (!EccPointFromBlob(pGroup->dwGroup, pGroup->dwMagic, pGroup->cbKey, pbExport, cbExport,
                          rgbPoint, &cbPoint))
    {
        Fail(pConn, SEC_E_OK, "SslExportKey: malformed %s blob", pGroup->pszName);
        goto cleanup;
    }
    PutNumber(w, CURVE_TYPE_NAMED_CURVE, 1);
    PutNumber(w, pGroup->dwGroup, 2);
    PutNumber(w, cbPoint, 1);
    PutBytes(w, rgbPoint, cbPoint);
    fOk = TRUE;

cleanup:
    free(pbExport);
    return fOk;
}

/* DHE params (RFC 5246 §7.4.3): dh_p, dh_g, dh_Ys of our ephemeral key on RFC 7919
 * ffdhe2048 (SslCreateEphemeralKey with TLS_FFDHE2048_KEY_TYPE and no parameters, docs/keys.md),
 * all three from its BCRYPT_DH_PUBLIC_BLOB {DHPB, cbKey} + p + g + y, each cbKey bytes. The
 * blob is kept: p and g frame the client's dh_Yc for SslImportKey. */
static BOOL
PutDheParams(PSERVER_CONNECTION pConn, WRITER *w)
{
    BCRYPT_DH_KEY_BLOB Header;
    const BYTE        *pbNumbers;
    SECURITY_STATUS    Status;

    Status = SslCreateEphemeralKey(pConn->hProvider, &pConn->hEphemeralKey, pConn->dwProtocol,
                                   pConn->pCase->dwCipherSuite, TLS_FFDHE2048_KEY_TYPE, 0,
                                   NULL, 0, NCRYPT_SSL_SERVER_FLAG);
    if (SslCallFailed(pConn, "SslCreateEphemeralKey (ffdhe2048)", Status) ||
        !ExportEphemeralKey(pConn, BCRYPT_DH_PUBLIC_BLOB, &pConn->pbDhPublicBlob,
                            &pConn->cbDhPublicBlob))
    {
        return FALSE;
    }
    if (pConn->cbDhPublicBlob >= sizeof(Header))
    {
        memcpy(&Header, pConn->pbDhPublicBlob, sizeof(Header));
    }
    if (pConn->cbDhPublicBlob < sizeof(Header) || Header.dwMagic != BCRYPT_DH_PUBLIC_MAGIC ||
        Header.cbKey != 256 || pConn->cbDhPublicBlob != sizeof(Header) + 3 * Header.cbKey)
    {
        return Fail(pConn, SEC_E_OK, "SslExportKey: malformed ffdhe2048 BCRYPT_DH_PUBLIC_BLOB");
    }
    pbNumbers = pConn->pbDhPublicBlob + sizeof(Header);
    PutMinimalNumber(w, pbNumbers, Header.cbKey);                         /* dh_p */
    PutMinimalNumber(w, pbNumbers + Header.cbKey, Header.cbKey);          /* dh_g */
    PutMinimalNumber(w, pbNumbers + 2 * Header.cbKey, Header.cbKey);      /* dh_Ys */
    return TRUE;
}

/* ServerKeyExchange = params || signature, for ECDHE and DHE. */
static BOOL
SendServerKeyExchange(PSERVER_CONNECTION pConn)
{
    BYTE   rgbBody[SERVER_FLIGHT_BUFFER_SIZE];
    WRITER w = { rgbBody, 0, sizeof(rgbBody), FALSE };
    BOOL   fParams;

    fParams = pConn->pCase->KeyExchange == KX_ECDHE ? PutEcdheParams(pConn, &w)
                                                     : PutDheParams(pConn, &w);
    if (!fParams || (!w.fOverflow && !SignServerParams(pConn, rgbBody, w.cb, &w)))
    {
        return FALSE;
    }
    if (w.fOverflow)
    {
        return Fail(pConn, SEC_E_OK, "ServerKeyExchange too long");
    }
    return SendHandshakeMessage(pConn, HS_SERVER_KEY_EXCHANGE, rgbBody, w.cb);
}

static BOOL
SendServerHelloDone(PSERVER_CONNECTION pConn)
{
    static const BYTE rgbEmpty[1] = { 0 };

    return SendHandshakeMessage(pConn, HS_SERVER_HELLO_DONE, rgbEmpty, 0);
}

/* ========================================================================================== */
/* ClientKeyExchange and the master key                                                       */
/* ========================================================================================== */

/* The client's (EC)DHE share as a public-only key: ECDHE's ECPoint<1> as the group's blob;
 * DHE's dh_Yc<2> as a BCRYPT_DH_PUBLIC_BLOB on our p and g. */
static BOOL
ImportClientShare(PSERVER_CONNECTION pConn, READER *r)
{
    const GROUP_INFO  *pGroup = pConn->pGroup;
    BYTE               rgbBlob[sizeof(BCRYPT_ECCKEY_BLOB) + 2 * 66];
    DWORD              cbBlob = 0;
    PBYTE              pbDhBlob;
    BCRYPT_DH_KEY_BLOB Header;
    const BYTE        *pbShare;
    DWORD              cbShare;
    SECURITY_STATUS    Status;

    if (pConn->pCase->KeyExchange == KX_ECDHE)
    {
        cbShare = GetNumber(r, 1);
        pbShare = GetBytes(r, cbShare);
        if (!ReaderDone(r) ||
            !EccBlobFromPoint(pGroup->dwGroup, pGroup->dwMagic, pGroup->cbKey, pbShare, cbShare,
                              rgbBlob, &cbBlob))
        {
            return Fail(pConn, SEC_E_OK, "ClientKeyExchange: malformed %s point", pGroup->pszName);
        }
        Status = SslImportKey(pConn->hProvider, &pConn->hClientShare, pGroup->pszBlobType,
                              rgbBlob, cbBlob, 0);
        return !SslCallFailed(pConn, "SslImportKey (client share)", Status);
    }

    memcpy(&Header, pConn->pbDhPublicBlob, sizeof(Header));
    cbShare = GetNumber(r, 2);
    pbShare = GetBytes(r, cbShare);
    if (!ReaderDone(r) || cbShare == 0 || cbShare > Header.cbKey)
    {
        return Fail(pConn, SEC_E_OK, "ClientKeyExchange: malformed dh_Yc");
    }
    pbDhBlob = malloc(pConn->cbDhPublicBlob);
    if (pbDhBlob == NULL)
    {
        return Fail(pConn, SEC_E_OK, "out of memory");
    }
    memcpy(pbDhBlob, pConn->pbDhPublicBlob, sizeof(Header) + 2 * Header.cbKey);   /* p, g */
    PutPadded(pbDhBlob + sizeof(Header) + 2 * Header.cbKey, Header.cbKey, pbShare, cbShare);
    Status = SslImportKey(pConn->hProvider, &pConn->hClientShare, BCRYPT_DH_PUBLIC_BLOB,
                          pbDhBlob, pConn->cbDhPublicBlob, 0);
    free(pbDhBlob);
    return !SslCallFailed(pConn, "SslImportKey (BCRYPT_DH_PUBLIC_BLOB)", Status);
}

/* ClientKeyExchange, then the master key (behavior.md §1.1 server side, §1.2):
 *  - (EC)DHE: SslGenerateMasterKey(our ephemeral key, the client's share, ...,
 *    NULL, 0, NULL, NCRYPT_SSL_SERVER_FLAG);
 *  - static RSA: SslImportMasterKey(our certificate's key, ..., the bare ciphertext,
 *    NCRYPT_SSL_SERVER_FLAG), with the ClientHello's version as HIGHEST_VERSION for the
 *    RFC 5246 §7.4.7.1 check;
 * parameters: the randoms, or with EMS HIGHEST_VERSION and the SslComputeSessionHash of the
 * transcript through this ClientKeyExchange (RFC 7627). */
static BOOL
ReceiveClientKeyExchange(PSERVER_CONNECTION pConn)
{
    const TEST_CASE *pCase = pConn->pCase;
    READER           r;
    const BYTE      *pbEncrypted = NULL;
    DWORD            cbEncrypted = 0;
    NCryptBuffer     rgBuffers[3];
    NCryptBufferDesc ParameterList;
    BYTE             rgbSessionHash[64];
    DWORD            cbSessionHash = 0;
    DWORD            dwHighestVersion = pConn->dwClientVersion;
    SECURITY_STATUS  Status;

    if (!ReadHandshakeMessage(pConn, HS_CLIENT_KEY_EXCHANGE, &r))
    {
        return FALSE;
    }
    if (pCase->KeyExchange == KX_RSA)
    {
        cbEncrypted = GetNumber(&r, 2);              /* EncryptedPreMasterSecret<2> */
        pbEncrypted = GetBytes(&r, cbEncrypted);
        if (!ReaderDone(&r) || cbEncrypted == 0)
        {
            return Fail(pConn, SEC_E_OK, "ClientKeyExchange: malformed EncryptedPreMasterSecret");
        }
    }
    else if (!ImportClientShare(pConn, &r))
    {
        return FALSE;
    }
    if (!HashLastMessage(pConn))
    {
        return FALSE;
    }

    InitParameterList(&ParameterList, rgBuffers);
    if (pConn->fClientOfferedEms)
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
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_CLIENT_RANDOM,
                  pConn->rgbClientRandom, TLS_RANDOM_LENGTH);
        AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_SERVER_RANDOM,
                  pConn->rgbServerRandom, TLS_RANDOM_LENGTH);
        if (pCase->KeyExchange == KX_RSA)
        {
            AddBuffer(&ParameterList, NCRYPTBUFFER_SSL_HIGHEST_VERSION,
                      &dwHighestVersion, sizeof(dwHighestVersion));
        }
    }

    if (pCase->KeyExchange == KX_RSA)
    {
        /* pbEncrypted points into rgbMessage, which stays until the next message is read */
        Status = SslImportMasterKey(pConn->hProvider, pConn->hServerKey, &pConn->hMasterKey,
                                    pConn->dwProtocol, pCase->dwCipherSuite, &ParameterList,
                                    (PBYTE)pbEncrypted, cbEncrypted, NCRYPT_SSL_SERVER_FLAG);
        return !SslCallFailed(pConn, "SslImportMasterKey", Status);
    }
    Status = SslGenerateMasterKey(pConn->hProvider, pConn->hEphemeralKey, pConn->hClientShare,
                                  &pConn->hMasterKey, pConn->dwProtocol, pCase->dwCipherSuite,
                                  &ParameterList, NULL, 0, NULL, NCRYPT_SSL_SERVER_FLAG);
    return !SslCallFailed(pConn, "SslGenerateMasterKey", Status);
}

/* ========================================================================================== */
/* Session keys, ChangeCipherSpec and Finished                                                */
/* ========================================================================================== */

/* Both randoms, always - also with EMS (behavior.md §1.1 step 5). The server's master key
 * makes the server's keys: write = ours, read = the client's (docs/tls12.md). */
static BOOL
MakeSessionKeys(PSERVER_CONNECTION pConn)
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

/* A fatal alert of ours (protected once our ChangeCipherSpec is out). */
static void
SendFatalAlert(PSERVER_CONNECTION pConn, BYTE bAlert)
{
    BYTE rgbAlert[2];

    rgbAlert[0] = ALERT_FATAL;
    rgbAlert[1] = bAlert;
    SendRecord(pConn, CT_ALERT, rgbAlert, sizeof(rgbAlert));
}

/* The client's ChangeCipherSpec and Finished: its verify_data must equal
 * SslComputeFinishedHash(NCRYPT_SSL_CLIENT_FLAG) over the transcript through its
 * ClientKeyExchange (the flag names the sender, docs/tls12.md). Failures end the handshake
 * as RFC 5246 §7.2.2 says: a record that does not decrypt with bad_record_mac, a wrong
 * verify_data with decrypt_error. */
static BOOL
ReceiveClientChangeCipherSpecAndFinished(PSERVER_CONNECTION pConn)
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
    pConn->fFlipNextProtectedRecord = pConn->pCase->Twist == TWIST_FLIP_CLIENT_FINISHED;

    Status = SslComputeFinishedHash(pConn->hProvider, pConn->hMasterKey, pConn->hHandshakeHash,
                                    rgbExpected, sizeof(rgbExpected), NCRYPT_SSL_CLIENT_FLAG);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (client)", Status))
    {
        return FALSE;
    }
    if (!ReadHandshakeMessage(pConn, HS_FINISHED, &r))
    {
        if (pConn->FailedStatus == NTE_DECRYPTION_FAILURE)
        {
            SendFatalAlert(pConn, ALERT_BAD_RECORD_MAC);
        }
        return FALSE;
    }
    if (r.cb != TLS_FINISHED_LENGTH || CRYPTO_memcmp(r.pb, rgbExpected, TLS_FINISHED_LENGTH) != 0)
    {
        SendFatalAlert(pConn, ALERT_DECRYPT_ERROR);
        return Fail(pConn, SEC_E_OK, "the client's Finished does not verify");
    }
    return HashLastMessage(pConn);      /* our Finished covers the client's */
}

/* Our ChangeCipherSpec and Finished (NCRYPT_SSL_SERVER_FLAG); libssl must then be done.
 * Twin (c): computed with NCRYPT_SSL_CLIENT_FLAG - libssl answers with an alert, protected
 * with its keys, which we decrypt. */
static BOOL
SendChangeCipherSpecAndFinished(PSERVER_CONNECTION pConn)
{
    static const BYTE rgbChangeCipherSpec[] = { 1 };
    BYTE              rgbVerifyData[TLS_FINISHED_LENGTH];
    DWORD             dwSender = NCRYPT_SSL_SERVER_FLAG;    /* the flag names the sender */
    PBYTE             pbFragment;
    DWORD             cbFragment;
    BYTE              bContentType;
    SECURITY_STATUS   Status;

    if (pConn->pCase->Twist == TWIST_FINISHED_WITH_CLIENT_FLAG)
    {
        dwSender = NCRYPT_SSL_CLIENT_FLAG;                   /* twin (c): the wrong label */
    }
    Status = SslComputeFinishedHash(pConn->hProvider, pConn->hMasterKey, pConn->hHandshakeHash,
                                    rgbVerifyData, sizeof(rgbVerifyData), dwSender);
    if (SslCallFailed(pConn, "SslComputeFinishedHash (server)", Status) ||
        !SendRecord(pConn, CT_CHANGE_CIPHER_SPEC, rgbChangeCipherSpec,
                    sizeof(rgbChangeCipherSpec)))
    {
        return FALSE;
    }
    pConn->fWriteProtected = TRUE;
    pConn->WriteSequence = 0;
    if (!SendHandshakeMessage(pConn, HS_FINISHED, rgbVerifyData, sizeof(rgbVerifyData)))
    {
        return FALSE;
    }
    if (!SSL_is_init_finished(pConn->pClient))
    {
        Fail(pConn, SEC_E_OK, "libssl's client did not finish the handshake (alert %d)",
             pConn->iClientAlert);
        RecvRecord(pConn, &bContentType, &pbFragment, &cbFragment);    /* its alert, if any */
        return FALSE;
    }
    pConn->fHandshakeDone = TRUE;
    return TRUE;
}

/* ========================================================================================== */
/* Client authentication: CertificateRequest, Certificate, CertificateVerify                  */
/* ========================================================================================== */

/* The scheme of one of the names in a ':'-separated list, NULL when the table has none. */
static const SCHEME_INFO *
FindSchemeByName(const char *pszName, size_t cchName)
{
    size_t i;

    for (i = 0; i < sizeof(Schemes) / sizeof(Schemes[0]); i++)
    {
        if (strlen(Schemes[i].pszName) == cchName &&
            strncmp(Schemes[i].pszName, pszName, cchName) == 0)
        {
            return &Schemes[i];
        }
    }
    return NULL;
}

/* Is this scheme in the case's CertificateRequest list? */
static BOOL
SchemeRequested(PSERVER_CONNECTION pConn, const SCHEME_INFO *pScheme)
{
    const char *psz = pConn->pCase->pszRequestSchemes;
    const char *pszEnd;
    DWORD       i;

    for (i = 0; psz != NULL && *psz != '\0' && i < 16; i++)
    {
        pszEnd = strchr(psz, ':');
        if (pszEnd == NULL)
        {
            pszEnd = psz + strlen(psz);
        }
        if (FindSchemeByName(psz, (size_t)(pszEnd - psz)) == pScheme)
        {
            return TRUE;
        }
        psz = *pszEnd == ':' ? pszEnd + 1 : pszEnd;
    }
    return FALSE;
}

/* CertificateRequest (RFC 5246 §7.4.4): rsa_sign and ecdsa_sign, (TLS 1.2) the case's
 * schemes, no certificate_authorities. */
static BOOL
SendCertificateRequest(PSERVER_CONNECTION pConn)
{
    BYTE              rgbBody[256];
    WRITER            w = { rgbBody, 0, sizeof(rgbBody), FALSE };
    const SCHEME_INFO *pScheme;
    DWORD             dwList;
    size_t            i;

    PutNumber(&w, 2, 1);
    PutNumber(&w, CLIENT_CERTIFICATE_TYPE_RSA_SIGN, 1);
    PutNumber(&w, CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN, 1);
    if (pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION)
    {
        dwList = OpenVector(&w, 2);
        for (i = 0; i < sizeof(Schemes) / sizeof(Schemes[0]); i++)
        {
            pScheme = &Schemes[i];
            if (SchemeRequested(pConn, pScheme))
            {
                PutNumber(&w, pScheme->dwScheme, 2);
            }
        }
        CloseVector(&w, dwList, 2);
        if (w.cb == 3 + 2)
        {
            return Fail(pConn, SEC_E_OK, "the case requests no scheme of the test's table");
        }
    }
    PutNumber(&w, 0, 2);                              /* certificate_authorities: none */
    if (w.fOverflow)
    {
        return Fail(pConn, SEC_E_OK, "CertificateRequest too long");
    }
    return SendHandshakeMessage(pConn, HS_CERTIFICATE_REQUEST, rgbBody, w.cb);
}

/* The client certificate's key for SslVerifySignature: BCRYPT_RSAPUBLIC_BLOB {header,
 * exponent, modulus} or BCRYPT_ECCPUBLIC_BLOB {ECS1, 32} + X + Y, imported with SslImportKey
 * (sslprov's superset of Windows, docs/signatures.md; Windows servers use an NCrypt key). */
static BOOL
ImportClientPublicKey(PSERVER_CONNECTION pConn, EVP_PKEY *pKey)
{
    BIGNUM            *pN = NULL, *pE = NULL;
    BCRYPT_RSAKEY_BLOB RsaHeader;
    BCRYPT_ECCKEY_BLOB EccHeader;
    BYTE               rgbBlob[sizeof(BCRYPT_RSAKEY_BLOB) + 8 + 1024];
    DWORD              cbBlob = 0;
    BYTE               rgbPoint[1 + 2 * 32];
    size_t             cbPoint = 0;
    LPCWSTR            pszBlobType = BCRYPT_RSAPUBLIC_BLOB;
    SECURITY_STATUS    Status;

    if (EVP_PKEY_is_a(pKey, "RSA"))
    {
        if (EVP_PKEY_get_bn_param(pKey, OSSL_PKEY_PARAM_RSA_N, &pN) == 1 &&
            EVP_PKEY_get_bn_param(pKey, OSSL_PKEY_PARAM_RSA_E, &pE) == 1 &&
            BN_num_bytes(pE) <= 8 && BN_num_bytes(pN) <= 1024)
        {
            RsaHeader.Magic = BCRYPT_RSAPUBLIC_MAGIC;
            RsaHeader.BitLength = (ULONG)BN_num_bits(pN);
            RsaHeader.cbPublicExp = (ULONG)BN_num_bytes(pE);
            RsaHeader.cbModulus = (ULONG)BN_num_bytes(pN);
            RsaHeader.cbPrime1 = 0;
            RsaHeader.cbPrime2 = 0;
            memcpy(rgbBlob, &RsaHeader, sizeof(RsaHeader));
            BN_bn2bin(pE, rgbBlob + sizeof(RsaHeader));
            BN_bn2bin(pN, rgbBlob + sizeof(RsaHeader) + RsaHeader.cbPublicExp);
            cbBlob = sizeof(RsaHeader) + RsaHeader.cbPublicExp + RsaHeader.cbModulus;
        }
        BN_free(pN);
        BN_free(pE);
    }
    else if (EVP_PKEY_is_a(pKey, "EC") && EVP_PKEY_get_bits(pKey) == 256 &&
             EVP_PKEY_get_octet_string_param(pKey, OSSL_PKEY_PARAM_PUB_KEY, rgbPoint,
                                             sizeof(rgbPoint), &cbPoint) == 1 &&
             cbPoint == sizeof(rgbPoint) && rgbPoint[0] == 0x04)
    {
        EccHeader.dwMagic = BCRYPT_ECDSA_PUBLIC_P256_MAGIC;
        EccHeader.cbKey = 32;
        memcpy(rgbBlob, &EccHeader, sizeof(EccHeader));
        memcpy(rgbBlob + sizeof(EccHeader), rgbPoint + 1, 2 * 32);
        cbBlob = sizeof(EccHeader) + 2 * 32;
        pszBlobType = BCRYPT_ECCPUBLIC_BLOB;
    }
    if (cbBlob == 0)
    {
        return Fail(pConn, SEC_E_OK, "the client certificate's key is neither RSA nor P-256");
    }
    Status = SslImportKey(pConn->hProvider, &pConn->hClientPublicKey, pszBlobType,
                          rgbBlob, cbBlob, 0);
    return !SslCallFailed(pConn, "SslImportKey (client certificate key)", Status);
}

/* The client's Certificate (RFC 5246 §7.4.6): one certificate, the one we gave libssl (no
 * chain validation: the test made it). */
static BOOL
ReceiveClientCertificate(PSERVER_CONNECTION pConn)
{
    READER      r;
    const BYTE *pbDer;
    DWORD       cbList, cbDer;
    X509       *pCert;
    EVP_PKEY   *pKey;
    BOOL        fOk;

    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE, &r))
    {
        return FALSE;
    }
    cbList = GetNumber(&r, 3);
    cbDer = GetNumber(&r, 3);
    pbDer = GetBytes(&r, cbDer);
    if (!ReaderDone(&r) || cbList != cbDer + 3)
    {
        return Fail(pConn, SEC_E_OK, "malformed client Certificate");
    }
    pCert = d2i_X509(NULL, &pbDer, (long)cbDer);
    if (pCert == NULL || X509_cmp(pCert, pConn->pClientCredentials->pCert) != 0)
    {
        X509_free(pCert);
        return Fail(pConn, SEC_E_OK, "the client sent another certificate");
    }
    pKey = X509_get_pubkey(pCert);
    fOk = pKey != NULL && ImportClientPublicKey(pConn, pKey);
    EVP_PKEY_free(pKey);
    X509_free(pCert);
    return (fOk || Fail(pConn, SEC_E_OK, "the client certificate has no key")) &&
           HashLastMessage(pConn);
}

/* The client-auth hash object of a scheme's hash (TLS 1.2), 0 if we made none. */
static NCRYPT_HASH_HANDLE
ClientAuthHashOf(PSERVER_CONNECTION pConn, const SCHEME_INFO *pScheme)
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

/* The DER ECDSA-Sig-Value of the wire -> the P1363 r || s CNG verifies (Windows:
 * CryptDecodeObject(X509_ECC_SIGNATURE) and reversing the halves; here libcrypto). */
static BOOL
EcdsaSignatureFromDer(const BYTE *pbDer, DWORD cbDer, DWORD cbOrder, PBYTE pbRs)
{
    ECDSA_SIG    *pSig = d2i_ECDSA_SIG(NULL, &pbDer, (long)cbDer);
    const BIGNUM *pR, *pS;
    BOOL          fOk = FALSE;

    if (pSig != NULL)
    {
        ECDSA_SIG_get0(pSig, &pR, &pS);
        fOk = BN_bn2binpad(pR, pbRs, (int)cbOrder) > 0 &&
              BN_bn2binpad(pS, pbRs + cbOrder, (int)cbOrder) > 0;
    }
    ECDSA_SIG_free(pSig);
    return fOk;
}

/* CertificateVerify (RFC 5246 §7.4.8), checked as Schannel's CertificateVerify is made
 * (behavior.md §8.4, S-CV12), the other way round:
 *  1. SslComputeClientAuthHash(master key, hash object, pszAlgId = the key's algorithm) -
 *     TLS 1.2: the SslCreateClientAuthHash object of the scheme's hash; TLS 1.0/1.1: the
 *     transcript object, "RSA" giving MD5 || SHA-1 (36 bytes), "ECDSA" SHA-1 (20);
 *  2. SslVerifySignature with the certificate's key, the hash laid out as for SslSignHash
 *     (BuildHashValue), an ECDSA signature converted from DER to r || s.
 * The transcript so far ends with the ClientKeyExchange; the CertificateVerify is hashed after
 * the check, for the Finished messages. A signature that does not verify ends the handshake
 * with decrypt_error (RFC 5246 §7.2.2). Twin (f): the network flips its last byte. */
static BOOL
ReceiveCertificateVerify(PSERVER_CONNECTION pConn)
{
    const CLIENT_CREDENTIALS *pCredentials = pConn->pClientCredentials;
    BOOL                      fTls12 = pConn->dwProtocol == TLS1_2_PROTOCOL_VERSION;
    NCRYPT_HASH_HANDLE        hHash = pConn->hHandshakeHash;
    const SCHEME_INFO        *pScheme;
    READER                    r;
    DWORD                     dwScheme = SCHEME_LEGACY;
    const BYTE               *pbWire;
    DWORD                     cbWire;
    BYTE                      rgbSignature[1024];
    DWORD                     cbSignature;
    BYTE                      rgbDigest[64];
    DWORD                     cbDigest = 0;
    BYTE                      rgbHashValue[2 * sizeof("SHA512") + 64];
    DWORD                     cbHashValue;
    DWORD                     dwFlags = 0;
    SECURITY_STATUS           Status;

    if (!ReadHandshakeMessage(pConn, HS_CERTIFICATE_VERIFY, &r))
    {
        return FALSE;
    }
    if (fTls12)
    {
        dwScheme = GetNumber(&r, 2);
    }
    cbWire = GetNumber(&r, 2);
    pbWire = GetBytes(&r, cbWire);
    if (!ReaderDone(&r) || cbWire == 0 || cbWire > sizeof(rgbSignature))
    {
        return Fail(pConn, SEC_E_OK, "malformed CertificateVerify");
    }
    if (fTls12)
    {
        pScheme = FindScheme(dwScheme);
        if (pScheme == NULL || !SchemeRequested(pConn, pScheme) ||
            (pScheme->Kind == SIGNATURE_ECDSA) != (pCredentials->cbOrder != 0) ||
            (hHash = ClientAuthHashOf(pConn, pScheme)) == 0)
        {
            return Fail(pConn, SEC_E_OK, "CertificateVerify: scheme 0x%04X not requested or "
                        "not for the certificate's key", (unsigned)dwScheme);
        }
    }
    else
    {
        pScheme = pCredentials->cbOrder == 0 ? &LegacyRsaScheme : &LegacyEcdsaScheme;
    }
    pConn->pClientScheme = pScheme;
    if (pScheme->Kind == SIGNATURE_ECDSA)
    {
        if (!EcdsaSignatureFromDer(pbWire, cbWire, pCredentials->cbOrder, rgbSignature))
        {
            return Fail(pConn, SEC_E_OK, "CertificateVerify: malformed ECDSA signature");
        }
        cbSignature = 2 * pCredentials->cbOrder;
    }
    else
    {
        memcpy(rgbSignature, pbWire, cbWire);
        cbSignature = cbWire;
    }
    if (pConn->pCase->Twist == TWIST_FLIP_CERTIFICATE_VERIFY)
    {
        rgbSignature[cbSignature - 1] ^= 0x01;        /* twin (f): RSA's last byte, ECDSA's s */
    }

    Status = SslComputeClientAuthHash(pConn->hProvider, pConn->hMasterKey, hHash,
                                      pCredentials->pszAlgId, rgbDigest, sizeof(rgbDigest),
                                      &cbDigest, 0);
    if (SslCallFailed(pConn, "SslComputeClientAuthHash", Status))
    {
        return FALSE;
    }
    cbHashValue = BuildHashValue(pScheme, rgbDigest, cbDigest, rgbHashValue, &dwFlags);
    Status = SslVerifySignature(pConn->hProvider, pConn->hClientPublicKey,
                                rgbHashValue, cbHashValue, rgbSignature, cbSignature, dwFlags);
    if (FAILED(Status))
    {
        Fail(pConn, Status, "SslVerifySignature (CertificateVerify, %s) returned 0x%08X",
             pScheme->pszName, (unsigned)Status);
        SendFatalAlert(pConn, ALERT_DECRYPT_ERROR);
        return FALSE;
    }
    return HashLastMessage(pConn);
}

/* What libssl's client saw: our suite and version, the extended master secret as the case
 * has it and, for (EC)DHE, the scheme we signed the ServerKeyExchange with. */
static BOOL
CheckClientView(PSERVER_CONNECTION pConn)
{
    const TEST_CASE   *pCase = pConn->pCase;
    const SSL_CIPHER  *pCipher = SSL_get_current_cipher(pConn->pClient);
    const SCHEME_INFO *pScheme = pConn->pScheme;
    int                nidDigest = NID_undef;
    int                nidType = NID_undef;
    int                nidWantType;

    if (pCipher == NULL || SSL_CIPHER_get_protocol_id(pCipher) != pCase->dwCipherSuite ||
        SSL_version(pConn->pClient) != (int)pConn->dwProtocol ||
        (SSL_get_extms_support(pConn->pClient) == 1) != pCase->fEms)
    {
        return Fail(pConn, SEC_E_OK, "libssl's client negotiated something else: version 0x%04X, "
                    "suite 0x%04X, extended master secret %d", SSL_version(pConn->pClient),
                    pCipher != NULL ? (unsigned)SSL_CIPHER_get_protocol_id(pCipher) : 0,
                    SSL_get_extms_support(pConn->pClient));
    }
    if (pCase->KeyExchange == KX_RSA)
    {
        return TRUE;
    }
    nidWantType = pScheme->Kind == SIGNATURE_RSA_PSS ? EVP_PKEY_RSA_PSS :
                  pScheme->Kind == SIGNATURE_ECDSA ? EVP_PKEY_EC : EVP_PKEY_RSA;
    if (SSL_get_peer_signature_nid(pConn->pClient, &nidDigest) != 1 ||
        SSL_get_peer_signature_type_nid(pConn->pClient, &nidType) != 1 ||
        nidDigest != EVP_MD_get_type(EVP_get_digestbyname(pScheme->pszDigest)) ||
        nidType != nidWantType)
    {
        return Fail(pConn, SEC_E_OK, "libssl saw the ServerKeyExchange as %s/%s, we sent %s",
                    OBJ_nid2sn(nidType), OBJ_nid2sn(nidDigest), pScheme->pszName);
    }
    return TRUE;
}

/* ========================================================================================== */
/* Application data and close_notify                                                          */
/* ========================================================================================== */

static BOOL
ReceiveApplicationData(PSERVER_CONNECTION pConn, const BYTE *pbExpected, DWORD cbExpected)
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

/* One round trip: libssl's request must come out of our SslDecryptPacket exactly, our reply
 * out of its SSL_read exactly. */
static BOOL
ExchangeApplicationData(PSERVER_CONNECTION pConn, const BYTE *pbRequest, DWORD cbRequest,
                        const BYTE *pbReply, DWORD cbReply)
{
    if (SSL_write(pConn->pClient, pbRequest, (int)cbRequest) != (int)cbRequest)
    {
        return Fail(pConn, SEC_E_OK, "SSL_write of the request failed");
    }
    if (!ReceiveApplicationData(pConn, pbRequest, cbRequest) ||
        !SendRecord(pConn, CT_APPLICATIONDATA, pbReply, cbReply))
    {
        return FALSE;
    }
    if (!ClientReadExactly(pConn, pbReply, cbReply))
    {
        return Fail(pConn, SEC_E_OK, "libssl did not read our %u-byte reply (client alert %d)",
                    (unsigned)cbReply, pConn->iClientAlert);
    }
    return TRUE;
}

static BOOL
SendCloseNotify(PSERVER_CONNECTION pConn)
{
    static const BYTE rgbCloseNotify[] = { ALERT_WARNING, ALERT_CLOSE_NOTIFY };
    BYTE              b;
    int               n;

    if (!SendRecord(pConn, CT_ALERT, rgbCloseNotify, sizeof(rgbCloseNotify)))
    {
        return FALSE;
    }
    n = SSL_read(pConn->pClient, &b, 1);
    if (n != 0 || SSL_get_error(pConn->pClient, n) != SSL_ERROR_ZERO_RETURN)
    {
        return Fail(pConn, SEC_E_OK, "libssl did not see our close_notify");
    }
    return TRUE;
}

/* ========================================================================================== */
/* One connection                                                                             */
/* ========================================================================================== */

static BOOL
RunConnection(PSERVER_CONNECTION pConn)
{
    static const char szRequest[] = "GET /sslprov HTTP/1.1\r\nHost: sslprov.test\r\n\r\n";
    static const char szReply[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    static BYTE       rgbBigRequest[TLS_MAX_PLAINTEXT];
    static BYTE       rgbBigReply[TLS_MAX_PLAINTEXT];
    SECURITY_STATUS   Status;

    FillPattern(rgbBigRequest, sizeof(rgbBigRequest), 0x11);
    FillPattern(rgbBigReply, sizeof(rgbBigReply), 0x77);

    Status = SslOpenProvider(&pConn->hProvider, MS_SCHANNEL_PROVIDER, 0);
    if (SslCallFailed(pConn, "SslOpenProvider", Status) || !StartClient(pConn))
    {
        return FALSE;
    }
    StepClient(pConn);                      /* libssl writes its ClientHello */
    return ReceiveClientHello(pConn) &&
           SendServerHello(pConn) &&
           SendCertificate(pConn) &&
           (pConn->pCase->KeyExchange == KX_RSA || SendServerKeyExchange(pConn)) &&
           (pConn->pClientCredentials == NULL || SendCertificateRequest(pConn)) &&
           SendServerHelloDone(pConn) &&
           (pConn->pClientCredentials == NULL || ReceiveClientCertificate(pConn)) &&
           ReceiveClientKeyExchange(pConn) &&
           (pConn->pClientCredentials == NULL || ReceiveCertificateVerify(pConn)) &&
           MakeSessionKeys(pConn) &&
           ReceiveClientChangeCipherSpecAndFinished(pConn) &&
           SendChangeCipherSpecAndFinished(pConn) &&
           CheckClientView(pConn) &&
           ExchangeApplicationData(pConn, (const BYTE *)szRequest, sizeof(szRequest) - 1,
                                   (const BYTE *)szReply, sizeof(szReply) - 1) &&
           ExchangeApplicationData(pConn, rgbBigRequest, sizeof(rgbBigRequest),
                                   rgbBigReply, sizeof(rgbBigReply)) &&
           SendCloseNotify(pConn);
}


static BOOL
FreeHandle(PSERVER_CONNECTION pConn, NCRYPT_HANDLE *phObject, const char *pszName)
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

/* Every handle of the connection, the provider last; then the client. */
static BOOL
CloseConnection(PSERVER_CONNECTION pConn)
{
    BOOL  fOk = TRUE;
    DWORD i;

    for (i = 0; i < CLIENT_AUTH_HASH_COUNT; i++)
    {
        fOk &= FreeHandle(pConn, &pConn->rghClientAuthHash[i], "client-auth hash");
    }
    fOk &= FreeHandle(pConn, &pConn->hClientPublicKey, "client certificate key");
    fOk &= FreeHandle(pConn, &pConn->hReadKey, "read key");
    fOk &= FreeHandle(pConn, &pConn->hWriteKey, "write key");
    fOk &= FreeHandle(pConn, &pConn->hMasterKey, "master key");
    fOk &= FreeHandle(pConn, &pConn->hEphemeralKey, "ephemeral key");
    fOk &= FreeHandle(pConn, &pConn->hClientShare, "client share");
    fOk &= FreeHandle(pConn, &pConn->hServerKey, "server private key");
    fOk &= FreeHandle(pConn, &pConn->hHandshakeHash, "handshake hash");
    fOk &= FreeHandle(pConn, &pConn->hProvider, "provider");
    free(pConn->pbDhPublicBlob);
    SSL_free(pConn->pClient);              /* frees the client's end of the BIO pair */
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
#define TLS10   TLS1_0_PROTOCOL_VERSION
#define TLS11   TLS1_1_PROTOCOL_VERSION
#define TLS12   TLS1_2_PROTOCOL_VERSION

static const TEST_CASE Cases[] =
{
    /* exchange      kx        proto  suite   group   cert        EMS    twist       client signature_algorithms */
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pkcs1_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, X25519, CERT_RSA,   FALSE, TWIST_NONE, "rsa_pss_rsae_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC030, P384,   CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pkcs1_sha384" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC030, P384,   CERT_RSA,   FALSE, TWIST_NONE, "rsa_pss_rsae_sha384" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, X25519, CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pkcs1_sha512" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC013, P256,   CERT_RSA,   FALSE, TWIST_NONE, "rsa_pss_rsae_sha512" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC014, P384,   CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC027, X25519, CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pkcs1_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, P256,   CERT_ECDSA, TRUE,  TWIST_NONE, "ecdsa_secp256r1_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, X25519, CERT_ECDSA, FALSE, TWIST_NONE, NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC009, P384,   CERT_ECDSA, TRUE,  TWIST_NONE, "ecdsa_secp256r1_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC009, P256,   CERT_ECDSA, FALSE, TWIST_NONE, NULL },
    { "DHE_RSA",     KX_DHE,   TLS12, 0x009E, P256,   CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pss_rsae_sha256" },
    { "DHE_RSA",     KX_DHE,   TLS12, 0x009E, P256,   CERT_RSA,   FALSE, TWIST_NONE, "rsa_pkcs1_sha256" },
    { "DHE_RSA",     KX_DHE,   TLS12, 0x0033, P256,   CERT_RSA,   TRUE,  TWIST_NONE, "rsa_pkcs1_sha384" },
    { "RSA",         KX_RSA,   TLS12, 0x009C, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "RSA",         KX_RSA,   TLS12, 0x009C, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL },
    { "RSA",         KX_RSA,   TLS12, 0x002F, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL },
    { "RSA",         KX_RSA,   TLS12, 0x003C, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS11, 0xC013, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS11, 0xC014, X25519, CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS11, 0xC009, P256,   CERT_ECDSA, TRUE,  TWIST_NONE, NULL },
    { "DHE_RSA",     KX_DHE,   TLS11, 0x0033, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL },
    { "RSA",         KX_RSA,   TLS11, 0x002F, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS10, 0xC014, X25519, CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS10, 0xC013, P384,   CERT_RSA,   FALSE, TWIST_NONE, NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS10, 0xC009, P384,   CERT_ECDSA, FALSE, TWIST_NONE, NULL },
    { "DHE_RSA",     KX_DHE,   TLS10, 0x0033, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL },
    { "RSA",         KX_RSA,   TLS10, 0x002F, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL },

    /* Client authentication: a CertificateRequest; TLS 1.2: with the schemes of the last column */
    /* exchange      kx        proto  suite   group   cert        EMS    twist       client sigalgs  client cert       CertificateRequest schemes */
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL,           CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC030, P384,   CERT_RSA,   FALSE, TWIST_NONE, NULL,           CLIENT_CERT_RSA,  "rsa_pkcs1_sha384" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, P256,   CERT_ECDSA, TRUE,  TWIST_NONE, NULL,           CLIENT_CERT_P256, "ecdsa_secp256r1_sha256" },
    { "DHE_RSA",     KX_DHE,   TLS12, 0x009E, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL,           CLIENT_CERT_RSA,  "rsa_pkcs1_sha512" },
    { "RSA",         KX_RSA,   TLS12, 0x009C, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL,           CLIENT_CERT_P256, "rsa_pkcs1_sha256:ecdsa_secp256r1_sha256" },
    { "RSA",         KX_RSA,   TLS12, 0x002F, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL,           CLIENT_CERT_RSA,  "rsa_pss_rsae_sha384:rsa_pkcs1_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS11, 0xC013, P256,   CERT_RSA,   FALSE, TWIST_NONE, NULL,           CLIENT_CERT_RSA,  NULL },
    { "DHE_RSA",     KX_DHE,   TLS11, 0x0033, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL,           CLIENT_CERT_P256, NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS10, 0xC009, P256,   CERT_ECDSA, FALSE, TWIST_NONE, NULL,           CLIENT_CERT_P256, NULL },
    { "RSA",         KX_RSA,   TLS10, 0x002F, P256,   CERT_RSA,   TRUE,  TWIST_NONE, NULL,           CLIENT_CERT_RSA,  NULL },

    /* Negative twins */
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   TRUE,  TWIST_SKE_FLIP_SIGNATURE,  "rsa_pkcs1_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, X25519, CERT_RSA,   FALSE, TWIST_SKE_FLIP_SIGNATURE,  "rsa_pss_rsae_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, P256,   CERT_ECDSA, FALSE, TWIST_SKE_FLIP_SIGNATURE,  "ecdsa_secp256r1_sha256" },
    { "DHE_RSA",     KX_DHE,   TLS12, 0x009E, P256,   CERT_RSA,   FALSE, TWIST_SKE_FLIP_SIGNATURE,  "rsa_pss_rsae_sha384" },
    { "ECDHE_RSA",   KX_ECDHE, TLS10, 0xC013, P256,   CERT_RSA,   FALSE, TWIST_SKE_FLIP_SIGNATURE,  NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS11, 0xC009, P256,   CERT_ECDSA, FALSE, TWIST_SKE_FLIP_SIGNATURE,  NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC030, P384,   CERT_RSA,   TRUE,  TWIST_SKE_SWAPPED_RANDOMS, "rsa_pss_rsae_sha384" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   FALSE, TWIST_SKE_SWAPPED_RANDOMS, "rsa_pkcs1_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, P256,   CERT_ECDSA, TRUE,  TWIST_SKE_SWAPPED_RANDOMS, "ecdsa_secp256r1_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS10, 0xC014, X25519, CERT_RSA,   FALSE, TWIST_SKE_SWAPPED_RANDOMS, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   TRUE,  TWIST_FINISHED_WITH_CLIENT_FLAG, NULL },
    { "RSA",         KX_RSA,   TLS12, 0x002F, P256,   CERT_RSA,   FALSE, TWIST_FINISHED_WITH_CLIENT_FLAG, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, X25519, CERT_RSA,   FALSE, TWIST_FLIP_CLIENT_FINISHED, NULL },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC009, P256,   CERT_ECDSA, TRUE,  TWIST_FLIP_CLIENT_FINISHED, NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   FALSE, TWIST_FLIP_CLIENT_HELLO,    NULL },
    { "RSA",         KX_RSA,   TLS12, 0x009C, P256,   CERT_RSA,   FALSE, TWIST_FLIP_CLIENT_HELLO,    NULL },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, P256,   CERT_RSA,   TRUE,  TWIST_FLIP_CERTIFICATE_VERIFY, NULL, CLIENT_CERT_RSA,  "rsa_pss_rsae_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS12, 0xC02F, X25519, CERT_RSA,   FALSE, TWIST_FLIP_CERTIFICATE_VERIFY, NULL, CLIENT_CERT_RSA,  "rsa_pkcs1_sha256" },
    { "ECDHE_ECDSA", KX_ECDHE, TLS12, 0xC02B, P256,   CERT_ECDSA, FALSE, TWIST_FLIP_CERTIFICATE_VERIFY, NULL, CLIENT_CERT_P256, "ecdsa_secp256r1_sha256" },
    { "ECDHE_RSA",   KX_ECDHE, TLS10, 0xC013, P256,   CERT_RSA,   FALSE, TWIST_FLIP_CERTIFICATE_VERIFY, NULL, CLIENT_CERT_RSA,  NULL },
    { "RSA",         KX_RSA,   TLS11, 0x002F, P256,   CERT_RSA,   FALSE, TWIST_FLIP_CERTIFICATE_VERIFY, NULL, CLIENT_CERT_P256, NULL },
};

static const char *
TwistName(TWIST Twist)
{
    switch (Twist)
    {
    case TWIST_SKE_FLIP_SIGNATURE:        return "twin (a) SKE signature byte flipped";
    case TWIST_SKE_SWAPPED_RANDOMS:       return "twin (b) SKE signed over swapped randoms";
    case TWIST_FINISHED_WITH_CLIENT_FLAG: return "twin (c) server Finished with CLIENT flag";
    case TWIST_FLIP_CLIENT_FINISHED:      return "twin (d) client Finished record byte flipped";
    case TWIST_FLIP_CLIENT_HELLO:         return "twin (e) ClientHello byte flipped in transcript";
    case TWIST_FLIP_CERTIFICATE_VERIFY:   return "twin (f) CertificateVerify byte flipped";
    default:                              return "";
    }
}

/* Did the connection end the way this case says it must? */
static BOOL
CheckOutcome(const SERVER_CONNECTION *pConn, BOOL fCompleted, char *pszWhy, size_t cbWhy)
{
    switch (pConn->pCase->Twist)
    {
    case TWIST_NONE:
        snprintf(pszWhy, cbWhy, "%s", pConn->szFailure);
        return fCompleted;
    case TWIST_SKE_FLIP_SIGNATURE:
    case TWIST_SKE_SWAPPED_RANDOMS:
    case TWIST_FINISHED_WITH_CLIENT_FLAG:
        /* libssl's signature or Finished check fails (RFC 5246 §7.2.2): decrypt_error, which
         * reaches us (protected in (c): we decrypt it) */
        snprintf(pszWhy, cbWhy, "libssl %s, alert it sent %d, we received %d (want %d); %s",
                 pConn->fClientFatal ? "failed" : "did not fail", pConn->iClientAlert,
                 pConn->iAlertReceived, ALERT_DECRYPT_ERROR, pConn->szFailure);
        return !fCompleted && pConn->FailedStatus == SEC_E_OK && pConn->fClientFatal &&
               !pConn->fHandshakeDone &&
               pConn->iClientAlert == ALERT_DECRYPT_ERROR &&
               pConn->iAlertReceived == ALERT_DECRYPT_ERROR;
    case TWIST_FLIP_CLIENT_FINISHED:
        snprintf(pszWhy, cbWhy, "status 0x%08X (want NTE_DECRYPTION_FAILURE from "
                 "SslDecryptPacket), libssl %s, alert it received %d (want %d); %s",
                 (unsigned)pConn->FailedStatus, pConn->fClientFatal ? "failed" : "did not fail",
                 pConn->iClientAlertReceived, ALERT_BAD_RECORD_MAC, pConn->szFailure);
        return !fCompleted && pConn->FailedStatus == NTE_DECRYPTION_FAILURE &&
               strncmp(pConn->szFailure, "SslDecryptPacket", 16) == 0 &&
               pConn->fClientFatal && pConn->iClientAlertReceived == ALERT_BAD_RECORD_MAC;
    case TWIST_FLIP_CLIENT_HELLO:
        snprintf(pszWhy, cbWhy, "libssl %s, alert it received %d (want %d); %s",
                 pConn->fClientFatal ? "failed" : "did not fail", pConn->iClientAlertReceived,
                 ALERT_DECRYPT_ERROR, pConn->szFailure);
        return !fCompleted && pConn->FailedStatus == SEC_E_OK &&
               strcmp(pConn->szFailure, "the client's Finished does not verify") == 0 &&
               pConn->fClientFatal && pConn->iClientAlertReceived == ALERT_DECRYPT_ERROR;
    case TWIST_FLIP_CERTIFICATE_VERIFY:
        snprintf(pszWhy, cbWhy, "status 0x%08X (want NTE_BAD_SIGNATURE from "
                 "SslVerifySignature), libssl %s, alert it received %d (want %d); %s",
                 (unsigned)pConn->FailedStatus, pConn->fClientFatal ? "failed" : "did not fail",
                 pConn->iClientAlertReceived, ALERT_DECRYPT_ERROR, pConn->szFailure);
        return !fCompleted && pConn->FailedStatus == NTE_BAD_SIGNATURE &&
               strncmp(pConn->szFailure, "SslVerifySignature", 18) == 0 &&
               pConn->fClientFatal && pConn->iClientAlertReceived == ALERT_DECRYPT_ERROR;
    }
    return FALSE;
}

static BOOL
RunCase(const TEST_CASE *pCase, const SERVER_CREDENTIALS *pCredentials,
        const CLIENT_CREDENTIALS *pClientCredentials)
{
    PSERVER_CONNECTION pConn = calloc(1, sizeof(*pConn));
    char               szWhy[512];
    char               szAuth[64] = "";
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
    pConn->pCredentials = &pCredentials[pCase->CertType];
    pConn->pClientCredentials = pCase->ClientCert != CLIENT_CERT_NONE ?
                                &pClientCredentials[pCase->ClientCert] : NULL;
    pConn->dwProtocol = pCase->dwProtocol;
    pConn->iClientAlert = -1;
    pConn->iClientAlertReceived = -1;
    pConn->iAlertReceived = -1;

    fCompleted = pConn->pSuite != NULL && pConn->pGroup != NULL && RunConnection(pConn);
    fPassed = CheckOutcome(pConn, fCompleted, szWhy, sizeof(szWhy));
    fFreed = CloseConnection(pConn);

    if (pConn->pClientCredentials != NULL)
    {
        snprintf(szAuth, sizeof(szAuth), " client %s %s", pConn->pClientCredentials->pszName,
                 pConn->pClientScheme != NULL ? pConn->pClientScheme->pszName : "-");
    }
    printf("%-4s %s %-11s %-9s 0x%04X %-36s %-6s SKE %-22s%s %s\n",
           fPassed && fFreed ? "ok" : "FAIL", ProtocolName(pCase->dwProtocol), pCase->pszExchange,
           pCase->KeyExchange == KX_ECDHE && pConn->pGroup != NULL ? pConn->pGroup->pszName :
           pCase->KeyExchange == KX_DHE ? "ffdhe2048" : "-",
           (unsigned)pCase->dwCipherSuite,
           pConn->pSuite != NULL ? pConn->pSuite->pszName : "(suite not in the test's table)",
           pCase->fEms ? "EMS" : "no EMS",
           pCase->KeyExchange == KX_RSA ? "-" :
           pConn->pScheme != NULL ? pConn->pScheme->pszName : "?", szAuth,
           TwistName(pCase->Twist));
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

/* The server's credentials, made once: a self-signed certificate as a CERT_CONTEXT
 * (SslProvCreateCertificateContext) and, as an application tells sslprov once at start-up,
 * which private key belongs to it (SslProvAssociateCertificateKeyBlob, process-wide). The
 * connections then open the key with SslOpenPrivateKey as on Windows. */
static BOOL
MakeServerCredentials(SERVER_CREDENTIALS *pCredentials)
{
    SECURITY_STATUS Status = MakeCertificateContext(pCredentials->pKey, "sslprov.test",
                                                    &pCredentials->pCert,
                                                    &pCredentials->pCertContext);

    if (FAILED(Status))
    {
        printf("FAIL server credentials: 0x%08X\n", (unsigned)Status);
    }
    return SUCCEEDED(Status);
}

int main(void)
{
    SERVER_CREDENTIALS Credentials[CERT_TYPE_COUNT] =
    {
        /* key   cert  context  order */
        { NULL,  NULL, NULL,    0  },          /* CERT_RSA */
        { NULL,  NULL, NULL,    32 },          /* CERT_ECDSA (P-256) */
    };
    CLIENT_CREDENTIALS ClientCredentials[CLIENT_CERT_COUNT] =
    {
        /* name     key   cert  pszAlgId                order */
        { "-",      NULL, NULL, NULL,                   0  },
        { "RSA",    NULL, NULL, BCRYPT_RSA_ALGORITHM,   0  },
        { "P-256",  NULL, NULL, BCRYPT_ECDSA_ALGORITHM, 32 },
    };
    size_t             i;
    unsigned           cPassed = 0;
    unsigned           cFailed = 0;
    BOOL               fCredentials = TRUE;

    Credentials[CERT_RSA].pKey = cert_rsa_key(0);
    Credentials[CERT_ECDSA].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    for (i = 0; fCredentials && i < CERT_TYPE_COUNT; i++)
    {
        fCredentials = MakeServerCredentials(&Credentials[i]);
    }
    ClientCredentials[CLIENT_CERT_RSA].pKey = cert_rsa_key(1);
    ClientCredentials[CLIENT_CERT_P256].pKey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    for (i = CLIENT_CERT_RSA; fCredentials && i < CLIENT_CERT_COUNT; i++)
    {
        fCredentials = ClientCredentials[i].pKey != NULL &&
                       (ClientCredentials[i].pCert = cert_self_signed(ClientCredentials[i].pKey,
                                                                      "client.sslprov.test")) != NULL;
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
        SslProvFreeCertificateContext(Credentials[i].pCertContext);
        X509_free(Credentials[i].pCert);
        EVP_PKEY_free(Credentials[i].pKey);
    }
    for (i = 0; i < CLIENT_CERT_COUNT; i++)
    {
        X509_free(ClientCredentials[i].pCert);
        EVP_PKEY_free(ClientCredentials[i].pKey);
    }
    printf("%u passed, %u failed\n", cPassed, cFailed);
    return cFailed == 0 ? 0 : 1;
}
