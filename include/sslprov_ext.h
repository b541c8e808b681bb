/*
 * sslprov_ext.h - sslprov extensions to the CNG SSL Protocol Provider API (no Windows
 * equivalent; every name starts with SslProv).
 *
 * Why: on Windows, SslOpenPrivateKey finds a certificate's private key through the
 * certificate store (the key-provider properties of the CERT_CONTEXT). Linux has no
 * certificate store, so the application tells sslprov once which key belongs to which
 * certificate, and then calls SslOpenPrivateKey exactly as Windows code does:
 *
 *     PCCERT_CONTEXT cert;
 *     SslProvCreateCertificateContext(pem, pem_len, &cert);             // DER or PEM
 *     SslProvAssociateCertificateKey(cert->pbCertEncoded, cert->cbCertEncoded,
 *                                    "/etc/ssl/private/server.key", 0);  // or "pkcs11:..."
 *     SslOpenPrivateKey(hProv, &hKey, cert, 0);
 *     ...
 *     SslFreeObject(hKey, 0);
 *     SslProvFreeCertificateContext(cert);
 *
 * Associations are process-wide (all providers, all threads), keyed by the SHA-256 of the
 * certificate's DER; associating the same certificate again replaces the earlier key (last
 * one wins). The table keeps a copy of the URI or of the key bytes (wiped when replaced and
 * at exit); the key is loaded and checked against the certificate at SslOpenPrivateKey, in
 * the provider's own OpenSSL library context. See docs/private-keys.md.
 *
 * Part of sslprov, an implementation of the Windows CNG SSL Protocol Provider API.
 */
#ifndef SSLPROV_EXT_H
#define SSLPROV_EXT_H

#include "sslprovider.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Associate the private key at pszKeyUri with a certificate. pbCert: the certificate, DER or
 * PEM. pszKeyUri: a file path or any OSSL_STORE URI ("file:/path/key.pem", a PKCS#11 URI
 * served by a provider loaded through the "sslprov" section of OPENSSL_CONF); the key must
 * not need a passphrase. The URI is only stored here: it is opened by SslOpenPrivateKey,
 * which returns NTE_NO_KEY if it then yields no private key. dwFlags must be 0.
 * Returns SEC_E_OK; NTE_INVALID_PARAMETER (NULL or empty argument), NTE_BAD_FLAGS,
 * NTE_BAD_DATA (unparsable certificate), NTE_NO_MEMORY. */
SSLPROV_API SECURITY_STATUS WINAPI SslProvAssociateCertificateKey(
    _In_reads_bytes_(cbCert) PBYTE pbCert,
    _In_  DWORD       cbCert,
    _In_z_ const char *pszKeyUri,
    _In_  DWORD       dwFlags);

/* The same with the key itself: PKCS#8 or traditional (PKCS#1, SEC1, DSA), DER or PEM,
 * unencrypted. The bytes are copied. dwFlags must be 0. NTE_BAD_DATA if the certificate or
 * the key cannot be decoded (or the key has no private part). */
SSLPROV_API SECURITY_STATUS WINAPI SslProvAssociateCertificateKeyBlob(
    _In_reads_bytes_(cbCert) PBYTE pbCert,
    _In_  DWORD       cbCert,
    _In_reads_bytes_(cbKey) PBYTE pbKey,
    _In_  DWORD       cbKey,
    _In_  DWORD       dwFlags);

/* A CERT_CONTEXT for a certificate given as DER or PEM (the first certificate of a PEM
 * file): dwCertEncodingType X509_ASN_ENCODING, its own copy of the DER in pbCertEncoded,
 * pCertInfo and hCertStore NULL. Free it with SslProvFreeCertificateContext. NTE_BAD_DATA if
 * the bytes are not a certificate. */
SSLPROV_API SECURITY_STATUS WINAPI SslProvCreateCertificateContext(
    _In_reads_bytes_(cb) PBYTE pb,
    _In_  DWORD           cb,
    _Out_ PCCERT_CONTEXT *ppCert);

/* Free a context from SslProvCreateCertificateContext (NULL: nothing to do). A pointer the
 * library did not hand out is refused with NTE_INVALID_PARAMETER, without being read. */
SSLPROV_API SECURITY_STATUS WINAPI SslProvFreeCertificateContext(
    _In_opt_ PCCERT_CONTEXT pCert);

/* An ephemeral key pair from a known private key, for deterministic tests and trace replay
 * (RFC 8448's fixed key shares): dwKeyType 29 (X25519, 32 bytes) or 30 (X448, 56 bytes), the
 * raw private key. The result is an ordinary ephemeral key (SslExportKey of its share,
 * SslGenerateMasterKey, SslExtractHandshakeKey). Other groups: NTE_NOT_SUPPORTED; a wrong
 * length: NTE_BAD_DATA; dwFlags must be 0. Never use a fixed key in production. */
SSLPROV_API SECURITY_STATUS WINAPI SslProvImportEphemeralKey(
    _In_  NCRYPT_PROV_HANDLE  hSslProvider,
    _Out_ NCRYPT_KEY_HANDLE  *phEphemeralKey,
    _In_  DWORD               dwKeyType,
    _In_reads_bytes_(cbPrivateKey) PBYTE pbPrivateKey,
    _In_  DWORD               cbPrivateKey,
    _In_  DWORD               dwFlags);

#ifdef __cplusplus
}
#endif

#endif
