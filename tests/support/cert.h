/* Keys and certificates for tests (cert.c): a key of a named kind, a self-signed certificate
 * for it and its DER. One maker for every test, so a certificate's shape (version 3, serial 1,
 * valid from an hour ago for 30 days, signed with SHA-256, or without a digest for EdDSA) is
 * decided once. */
#ifndef SSLPROV_TEST_CERT_H
#define SSLPROV_TEST_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* alg: "RSA" (2048 bits) or "RSA-<bits>", "ED25519", "ED448", "DSA" (1024-bit p, 160-bit q),
 * or a curve name ("P-256", "P-384", "P-521", ...). NULL on failure. */
EVP_PKEY *cert_keygen(const char *alg);

/* An RSA-2048 key, fresh on every call - except under valgrind, where generating one takes
 * 20-80 s (prime search): there it is fixed key which (0 or 1; two callers that need two
 * different keys ask for both), made once with `openssl genpkey -algorithm RSA -pkeyopt
 * rsa_keygen_bits:2048` for these tests and used nowhere else. */
EVP_PKEY *cert_rsa_key(int which);

/* A self-signed certificate for key, subject and issuer CN=cn. NULL on failure. */
X509 *cert_self_signed(EVP_PKEY *key, const char *cn);

/* A CA's own certificate for key when issuer is NULL (basicConstraints CA, keyCertSign);
 * else a leaf for cn (subjectAltName DNS:cn) signed by issuer_key. Serials count up. NULL on
 * failure. */
X509 *cert_issue(EVP_PKEY *key, const char *cn, EVP_PKEY *issuer_key, X509 *issuer);

/* x's DER (OPENSSL_free it), its length in *len; NULL (and *len 0) on failure. */
uint8_t *cert_der(X509 *x, size_t *len);

#endif
