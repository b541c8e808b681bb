/* What the Windows-style peers (test_windows_client12.c, test_windows_client13.c,
 * test_windows_server12.c) share, written as they are: the TLS byte writer and reader,
 * NCryptBufferDesc parameter lists, key shares as CNG blobs, and libcrypto standing in for
 * what a Windows program gets from bcrypt and crypt32 (winstyle.c). Only the public API
 * (sslprovider.h, sslprov_ext.h): those tests link the shared library. */
#ifndef SSLPROV_TEST_WINSTYLE_H
#define SSLPROV_TEST_WINSTYLE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "sslprov_ext.h"
#include "sslprovider.h"

/* ==== Bytes in and out (big-endian, RFC 5246 §4) ============================================ */

/* A writer stops at cbMax and says so in fOverflow; a reader past its end sets fError and
 * returns NULL / 0 from then on, so a message is checked once, at its end (ReaderDone). */
typedef struct _WRITER
{
    PBYTE pb;
    DWORD cb;
    DWORD cbMax;
    BOOL  fOverflow;
} WRITER;

typedef struct _READER
{
    const BYTE *pb;
    DWORD       cb;
    DWORD       off;
    BOOL        fError;
} READER;

void        PutBytes(WRITER *w, const void *pv, DWORD cb);
void        PutNumber(WRITER *w, DWORD dwValue, DWORD cbNumber);
/* A vector<..> whose cbLength-byte length is filled in by CloseVector. */
DWORD       OpenVector(WRITER *w, DWORD cbLength);
void        CloseVector(WRITER *w, DWORD dwPosition, DWORD cbLength);
void        PutExtension(WRITER *w, DWORD dwType, const void *pvBody, DWORD cbBody);
/* Copy a big-endian number into cbField bytes, left-padded with zeros. */
void        PutPadded(PBYTE pbField, DWORD cbField, const BYTE *pbNumber, DWORD cbNumber);
const BYTE *GetBytes(READER *r, DWORD cb);
DWORD       GetNumber(READER *r, DWORD cbNumber);
BOOL        ReaderDone(const READER *r);

/* ==== Parameter lists ======================================================================= */

void InitParameterList(NCryptBufferDesc *pParameterList, NCryptBuffer *rgBuffers);
void AddBuffer(NCryptBufferDesc *pParameterList, ULONG BufferType, PVOID pvBuffer, ULONG cbBuffer);

/* ==== Key shares as blobs (docs/keys.md) ===================================================== */

/* ECPoint (RFC 8422 §5.4) -> import blob: BCRYPT_ECCPUBLIC_BLOB {dwMagic, cbKey} + X + Y for
 * the NIST curves, SSL_ECCPUBLIC_BLOB {dwGroup, cbKey} + the key for X25519 (dwMagic 0). */
BOOL EccBlobFromPoint(DWORD dwGroup, ULONG dwMagic, ULONG cbKey, const BYTE *pbPoint, DWORD cbPoint,
                      PBYTE pbBlob, DWORD *pcbBlob);

/* Export blob -> ECPoint, the inverse. */
BOOL EccPointFromBlob(DWORD dwGroup, ULONG dwMagic, ULONG cbKey, const BYTE *pbBlob, DWORD cbBlob,
                      PBYTE pbPoint, DWORD *pcbPoint);

/* ==== libcrypto, standing in for bcrypt and crypt32 ========================================= */

/* A digest computed with libcrypto, which stands in for BCryptHash. */
BOOL ComputeDigest(const char *pszDigest, const BYTE *pb, DWORD cb, PBYTE pbDigest, DWORD *pcbDigest);

/* P1363 r || s (SslSignHash's ECDSA output) -> the DER ECDSA-Sig-Value TLS sends (RFC 4492
 * §5.4). Windows: CryptEncodeObject(X509_ECC_SIGNATURE) after reversing the halves; here
 * libcrypto. */
BOOL EcdsaSignatureToDer(const BYTE *pbRs, DWORD cbRs, PBYTE pbDer, DWORD cbDerMax, DWORD *pcbDer);

/* A certificate as a Windows program holds it: a self-signed certificate for pKey (*ppCert,
 * cert.c) as a CERT_CONTEXT (SslProvCreateCertificateContext, *ppCertContext), its private key
 * made known to sslprov once (SslProvAssociateCertificateKeyBlob, process-wide; on Windows
 * the certificate store links the two), so that SslOpenPrivateKey finds it. The caller frees
 * both, also after a failure. */
SECURITY_STATUS MakeCertificateContext(EVP_PKEY *pKey, const char *pszCommonName, X509 **ppCert,
                                       PCCERT_CONTEXT *ppCertContext);

/* ==== The test itself ======================================================================= */

/* Application data of a connection: bytes that differ per seed and per position. */
void        FillPattern(PBYTE pb, DWORD cb, BYTE bSeed);
/* "TLS1.0", "TLS1.1", "TLS1.2" or "?", for the result lines. */
const char *ProtocolName(DWORD dwProtocol);

#endif
