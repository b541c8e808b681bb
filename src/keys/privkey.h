/* Private keys from PEM or DER bytes, decoded so that no copy of a private value is ever freed
 * uncleansed (issue 10: OpenSSL 3.0's decoders free their intermediate DER copies with
 * OPENSSL_free). */
#ifndef SSLPROV_PRIVKEY_H
#define SSLPROV_PRIVKEY_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "sslprov_wintypes.h"

/* PKCS#8 PrivateKeyInfo, PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey or OpenSSL's traditional DSA
 * key, as DER or PEM (the first private-key block of a PEM text), unencrypted. RSA (also
 * RSASSA-PSS), EC on P-256/384/521 and DSA give SEC_E_OK and *out (with out NULL the bytes are
 * only checked). A well-formed PKCS#8 key of another algorithm or an EC key on another curve:
 * NTE_NOT_SUPPORTED. Anything else: NTE_BAD_DATA. Leaves nothing on the error queue. */
SECURITY_STATUS privkey_decode(OSSL_LIB_CTX *libctx, const uint8_t *in, size_t len, EVP_PKEY **out);

#endif
