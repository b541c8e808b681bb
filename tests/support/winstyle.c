/* winstyle.h: the pieces, in the peers' own style (Windows names, Allman braces). */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include "cert.h"
#include "winstyle.h"

/* ========================================================================================== */
/* Bytes in and out                                                                           */
/* ========================================================================================== */

void
PutBytes(WRITER *w, const void *pv, DWORD cb)
{
    if (w->fOverflow || cb > w->cbMax - w->cb)
    {
        w->fOverflow = TRUE;
        return;
    }
    if (cb != 0)
    {
        memcpy(w->pb + w->cb, pv, cb);
    }
    w->cb += cb;
}

void
PutNumber(WRITER *w, DWORD dwValue, DWORD cbNumber)
{
    BYTE rgb[4];
    DWORD i;

    for (i = 0; i < cbNumber; i++)
    {
        rgb[i] = (BYTE)(dwValue >> (8 * (cbNumber - 1 - i)));
    }
    PutBytes(w, rgb, cbNumber);
}

DWORD
OpenVector(WRITER *w, DWORD cbLength)
{
    DWORD dwPosition = w->cb;

    PutNumber(w, 0, cbLength);
    return dwPosition;
}

void
CloseVector(WRITER *w, DWORD dwPosition, DWORD cbLength)
{
    DWORD cbVector = w->cb - dwPosition - cbLength;
    DWORD i;

    if (w->fOverflow)
    {
        return;
    }
    for (i = 0; i < cbLength; i++)
    {
        w->pb[dwPosition + i] = (BYTE)(cbVector >> (8 * (cbLength - 1 - i)));
    }
}

void
PutExtension(WRITER *w, DWORD dwType, const void *pvBody, DWORD cbBody)
{
    PutNumber(w, dwType, 2);
    PutNumber(w, cbBody, 2);
    PutBytes(w, pvBody, cbBody);
}

void
PutPadded(PBYTE pbField, DWORD cbField, const BYTE *pbNumber, DWORD cbNumber)
{
    memset(pbField, 0, cbField - cbNumber);
    memcpy(pbField + cbField - cbNumber, pbNumber, cbNumber);
}

const BYTE *
GetBytes(READER *r, DWORD cb)
{
    const BYTE *pb;

    if (r->fError || cb > r->cb - r->off)
    {
        r->fError = TRUE;
        return NULL;
    }
    pb = r->pb + r->off;
    r->off += cb;
    return pb;
}

DWORD
GetNumber(READER *r, DWORD cbNumber)
{
    const BYTE *pb = GetBytes(r, cbNumber);
    DWORD dwValue = 0;
    DWORD i;

    for (i = 0; pb != NULL && i < cbNumber; i++)
    {
        dwValue = (dwValue << 8) | pb[i];
    }
    return dwValue;
}

BOOL
ReaderDone(const READER *r)
{
    return !r->fError && r->off == r->cb;
}

/* ========================================================================================== */
/* Parameter lists                                                                            */
/* ========================================================================================== */

void
InitParameterList(NCryptBufferDesc *pParameterList, NCryptBuffer *rgBuffers)
{
    pParameterList->ulVersion = NCRYPTBUFFER_VERSION;
    pParameterList->cBuffers  = 0;
    pParameterList->pBuffers  = rgBuffers;
}

void
AddBuffer(NCryptBufferDesc *pParameterList, ULONG BufferType, PVOID pvBuffer, ULONG cbBuffer)
{
    NCryptBuffer *pBuffer = &pParameterList->pBuffers[pParameterList->cBuffers++];

    pBuffer->BufferType = BufferType;
    pBuffer->cbBuffer   = cbBuffer;
    pBuffer->pvBuffer   = pvBuffer;
}

/* ========================================================================================== */
/* Key shares as blobs                                                                        */
/* ========================================================================================== */

BOOL
EccBlobFromPoint(DWORD dwGroup, ULONG dwMagic, ULONG cbKey, const BYTE *pbPoint, DWORD cbPoint,
                 PBYTE pbBlob, DWORD *pcbBlob)
{
    if (dwMagic == 0)
    {
        SSL_ECCKEY_BLOB Header = { dwGroup, cbKey };

        if (cbPoint != cbKey)
        {
            return FALSE;
        }
        memcpy(pbBlob, &Header, sizeof(Header));
        memcpy(pbBlob + sizeof(Header), pbPoint, cbPoint);
        *pcbBlob = sizeof(Header) + cbPoint;
    }
    else
    {
        BCRYPT_ECCKEY_BLOB Header = { dwMagic, cbKey };

        if (cbPoint != 1 + 2 * cbKey || pbPoint[0] != 0x04)
        {
            return FALSE;
        }
        memcpy(pbBlob, &Header, sizeof(Header));
        memcpy(pbBlob + sizeof(Header), pbPoint + 1, 2 * cbKey);
        *pcbBlob = sizeof(Header) + 2 * cbKey;
    }
    return TRUE;
}

BOOL
EccPointFromBlob(DWORD dwGroup, ULONG dwMagic, ULONG cbKey, const BYTE *pbBlob, DWORD cbBlob,
                 PBYTE pbPoint, DWORD *pcbPoint)
{
    ULONG rgHeader[2];

    if (cbBlob < sizeof(rgHeader))
    {
        return FALSE;
    }
    memcpy(rgHeader, pbBlob, sizeof(rgHeader));
    if (dwMagic == 0)
    {
        if (rgHeader[0] != dwGroup || rgHeader[1] != cbKey ||
            cbBlob != sizeof(rgHeader) + cbKey)
        {
            return FALSE;
        }
        memcpy(pbPoint, pbBlob + sizeof(rgHeader), cbKey);
        *pcbPoint = cbKey;
    }
    else
    {
        if (rgHeader[0] != dwMagic || rgHeader[1] != cbKey ||
            cbBlob != sizeof(rgHeader) + 2 * cbKey)
        {
            return FALSE;
        }
        pbPoint[0] = 0x04;
        memcpy(pbPoint + 1, pbBlob + sizeof(rgHeader), 2 * cbKey);
        *pcbPoint = 1 + 2 * cbKey;
    }
    return TRUE;
}

/* ========================================================================================== */
/* libcrypto, standing in for bcrypt and crypt32                                              */
/* ========================================================================================== */

BOOL
ComputeDigest(const char *pszDigest, const BYTE *pb, DWORD cb, PBYTE pbDigest, DWORD *pcbDigest)
{
    unsigned int cbDigest = 0;

    if (EVP_Digest(pb, cb, pbDigest, &cbDigest, EVP_get_digestbyname(pszDigest), NULL) != 1)
    {
        return FALSE;
    }
    *pcbDigest = cbDigest;
    return TRUE;
}

BOOL
EcdsaSignatureToDer(const BYTE *pbRs, DWORD cbRs, PBYTE pbDer, DWORD cbDerMax, DWORD *pcbDer)
{
    ECDSA_SIG *pSig = ECDSA_SIG_new();
    BIGNUM    *pR = BN_bin2bn(pbRs, (int)(cbRs / 2), NULL);
    BIGNUM    *pS = BN_bin2bn(pbRs + cbRs / 2, (int)(cbRs / 2), NULL);
    PBYTE      pbOut = pbDer;
    int        cbDer = 0;

    if (pSig != NULL && pR != NULL && pS != NULL && ECDSA_SIG_set0(pSig, pR, pS) == 1)
    {
        pR = pS = NULL;                               /* owned by pSig now */
        cbDer = i2d_ECDSA_SIG(pSig, NULL);
        if (cbDer > 0 && (DWORD)cbDer <= cbDerMax)
        {
            cbDer = i2d_ECDSA_SIG(pSig, &pbOut);
        }
        else
        {
            cbDer = 0;
        }
    }
    BN_free(pR);
    BN_free(pS);
    ECDSA_SIG_free(pSig);
    *pcbDer = cbDer > 0 ? (DWORD)cbDer : 0;
    return cbDer > 0;
}

SECURITY_STATUS
MakeCertificateContext(EVP_PKEY *pKey, const char *pszCommonName, X509 **ppCert,
                       PCCERT_CONTEXT *ppCertContext)
{
    PBYTE           pbCert = NULL;
    PBYTE           pbKey = NULL;
    int             cbCert = 0, cbKey = 0;
    SECURITY_STATUS Status = NTE_INTERNAL_ERROR;

    if (pKey != NULL && (*ppCert = cert_self_signed(pKey, pszCommonName)) != NULL)
    {
        cbCert = i2d_X509(*ppCert, &pbCert);
        cbKey = i2d_PrivateKey(pKey, &pbKey);           /* PKCS#1 or SEC 1 DER */
    }
    if (cbCert > 0 && cbKey > 0)
    {
        Status = SslProvCreateCertificateContext(pbCert, (DWORD)cbCert, ppCertContext);
    }
    if (SUCCEEDED(Status))
    {
        Status = SslProvAssociateCertificateKeyBlob((*ppCertContext)->pbCertEncoded,
                                                    (*ppCertContext)->cbCertEncoded,
                                                    pbKey, (DWORD)cbKey, 0);
    }
    OPENSSL_free(pbCert);
    OPENSSL_clear_free(pbKey, cbKey > 0 ? (size_t)cbKey : 0);
    return Status;
}

/* ========================================================================================== */
/* The test itself                                                                            */
/* ========================================================================================== */

void
FillPattern(PBYTE pb, DWORD cb, BYTE bSeed)
{
    DWORD i;

    for (i = 0; i < cb; i++)
    {
        pb[i] = (BYTE)(bSeed + 31 * i + (i >> 8));
    }
}

const char *
ProtocolName(DWORD dwProtocol)
{
    switch (dwProtocol)
    {
    case TLS1_0_PROTOCOL_VERSION: return "TLS1.0";
    case TLS1_1_PROTOCOL_VERSION: return "TLS1.1";
    case TLS1_2_PROTOCOL_VERSION: return "TLS1.2";
    default:                      return "?";
    }
}
