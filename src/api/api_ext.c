/* The SslProv extensions of sslprov_ext.h (conventions.md §9): certificate contexts and
 * certificate -> private key associations, the Linux stand-in for Windows' certificate
 * store. They take no provider: associations are process-wide. */
#include <string.h>
#include <openssl/crypto.h>
#include "api_common.h"
#include "buffer.h"
#include "keys.h"
#include "sslprov_ext.h"
#include "sp_api.h"

SECURITY_STATUS WINAPI SslProvAssociateCertificateKey(PBYTE pbCert, DWORD cbCert,
                                                      const char *pszKeyUri, DWORD dwFlags)
{
    if (pbCert == NULL || cbCert == 0 || pszKeyUri == NULL || pszKeyUri[0] == '\0')
        return NTE_INVALID_PARAMETER;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    return keystore_associate_uri(pbCert, cbCert, pszKeyUri);
}

SECURITY_STATUS WINAPI SslProvAssociateCertificateKeyBlob(PBYTE pbCert, DWORD cbCert,
                                                          PBYTE pbKey, DWORD cbKey,
                                                          DWORD dwFlags)
{
    if (pbCert == NULL || cbCert == 0 || pbKey == NULL || cbKey == 0)
        return NTE_INVALID_PARAMETER;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    return keystore_associate_blob(pbCert, cbCert, pbKey, cbKey);
}

/* One SslFreeBuffer-style block: the CERT_CONTEXT, then its DER. */
SECURITY_STATUS WINAPI SslProvCreateCertificateContext(PBYTE pb, DWORD cb,
                                                       PCCERT_CONTEXT *ppCert)
{
    CERT_CONTEXT *ctx;
    uint8_t *der;
    size_t der_len;
    SECURITY_STATUS st;

    if (ppCert == NULL)
        return NTE_INVALID_PARAMETER;
    *ppCert = NULL;
    if (pb == NULL || cb == 0)
        return NTE_INVALID_PARAMETER;
    if ((st = keystore_cert_der(pb, cb, &der, &der_len)) != SEC_E_OK)
        return st;
    if (der_len > UINT32_MAX || (ctx = buffer_alloc(BUF_PLAIN, sizeof(*ctx) + der_len)) == NULL) {
        OPENSSL_free(der);
        return NTE_NO_MEMORY;
    }
    ctx->dwCertEncodingType = X509_ASN_ENCODING;
    ctx->pbCertEncoded = (BYTE *)(ctx + 1);
    ctx->cbCertEncoded = (DWORD)der_len;
    ctx->pCertInfo = NULL;
    ctx->hCertStore = NULL;
    memcpy(ctx->pbCertEncoded, der, der_len);
    OPENSSL_free(der);
    *ppCert = ctx;
    return SEC_E_OK;
}

SECURITY_STATUS WINAPI SslProvFreeCertificateContext(PCCERT_CONTEXT pCert)
{
    if (pCert == NULL)
        return SEC_E_OK;
    return buffer_free((void *)pCert);
}

SECURITY_STATUS WINAPI SPSslProvImportEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                 NCRYPT_KEY_HANDLE *phEphemeralKey, DWORD dwKeyType,
                                                 PBYTE pbPrivateKey, DWORD cbPrivateKey, DWORD dwFlags)
{
    struct call c;
    const struct group_info *g;
    EVP_PKEY *pkey;
    SECURITY_STATUS st;

    if (phEphemeralKey != NULL)
        *phEphemeralKey = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phEphemeralKey == NULL || pbPrivateKey == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (dwFlags != 0)
        return call_end(&c, NTE_BAD_FLAGS);
    if ((g = group_by_id(dwKeyType)) == NULL || (dwKeyType != 29 && dwKeyType != 30))
        return call_end(&c, NTE_NOT_SUPPORTED);
    if (cbPrivateKey != g->elem_len)
        return call_end(&c, NTE_BAD_DATA);
    pkey = EVP_PKEY_new_raw_private_key_ex(c.prov->be.libctx, g->keytype, NULL, pbPrivateKey, cbPrivateKey);
    if (pkey == NULL)
        return call_end(&c, NTE_BAD_DATA);
    return call_end(&c, pkey_object_create(c.prov, OBJ_EPHEMERAL, pkey, g->id, true, phEphemeralKey));
}
