/* cert.h's makers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#include "cert.h"

static const char *const fixed_rsa_pem[2] = {
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDIgCAC2TjnCoUK\n"
    "GysBMYfZBNFqZPs18etPzbfCd8vD1643oea+ByzyLfTh3Zg31uaHbofSD2XllRJR\n"
    "lBqiH9rymP6uDtDLtLZxmPxTrxjc4V5/l2kTny/XJpmCt9I7NgxkbTUGfpGg22Jt\n"
    "yymvxGkLtIL86hzBuaiyjEimSmoavwS5PjSlZFzEdaEK1hTNuDlj2rU8hT9z2OVR\n"
    "2N+Y2RXPpkTAotT9PgCO57cpwFyZbObRCkhuJDvfdIP6/T7Qo5+IcsivqFbVheJj\n"
    "S5vnQ0K6zgRLRiNaMEY7+HoFYhn2e3SnPuPcu4zmgsMPY8o4ca5EVfeYv0420tY6\n"
    "7tw7tDGDAgMBAAECggEAN90bDjAf3p/buZkgPlDinODuyEoihEFHYxDaZmCicYqi\n"
    "i/WcKM4vA7syQ8xOISDLUmjFhw2rQnBqjjhJw2pEwttF+pE+M8PCIZySkW5z6vcQ\n"
    "MVSqfkEYP0YN95HoDX9drI2Q/KI/SSZXImg80TBUZGKDLJy+LmvgSP81LsAFGDYq\n"
    "heiyJbgFE5ATxg36lvlFf0nn8TnNaq4gkW9QCrIVB/r2OhkkD9MurYi0k8W/mWrT\n"
    "/Q9KBuOw/5q54JRmIlUvkBUUeSFmUZaAHMbYlOjVL03nPEWt1tgIQETnPoSvdrBI\n"
    "Ux9yD5WXI6sjC4gc/vjNjJaua/As2wZm5T39M5tFwQKBgQDkZuPO4lFcODVn42sy\n"
    "oDIfqpa7voNSkEMeeQIeldZ8mZLTzOUufWUi5t5NlzTCUCogJGzIGOvl9y6KUC6M\n"
    "OlLYX/M8TSIXBSx2JexlKOzpymDyU+CDVThfkyzL5m3OWUNAz7GkXLv40K5H5cJw\n"
    "Ua7Rk/JGhv3N3LPEQtjKqGTAmwKBgQDguiqBYAIyA+gwUdg6br7YfwIJX+y/HzQK\n"
    "tWYSITT2DIWH354MNoGvKC+ENAUUC4pBxNn3lQOCx8Bf6KFnZzgFRpqDt7zvExJY\n"
    "2LmYCzOa8Sr5Qt3FwM5qVAtWJCusaj9WnoXUPBd8ZwASicLhAho5wqr7Vk3Mr8Oi\n"
    "fULXZjddOQKBgByCCyUjcmxER8YzyImFHTx+mlnMqa+AeiAvkmgm46KhuIXfKSvo\n"
    "UttMXarpmJg4UUm5wionkiod9B0nbOfrz7NaJo38QqkE6EvG5/6oYQm9TORyO6+o\n"
    "z2R+hjTdCg+bbJ2GTvHo8T1ZLqeiseY7C8r04GSVLNCpH3b7sPt6kTjJAoGBAKv4\n"
    "yx5GQmfT5ZNUjovow9MZHo3eAmYfksu/FWU6VDUWT/kyftgJviQ0NGiPBnPYgOzj\n"
    "n4l/Vzh1dBnxA9MFgjFHXmb97G9nwNqMvzpDGDKx65jkOqJicZOczTAWbfV7OQ0o\n"
    "MnG/qplgmQWWtrNJ0JfzCLVdzhudRbDK+qOrbSLBAoGBAOBUIrXzCamMsK9v3cIn\n"
    "KUxTCfogk4CdRJ5OiK3j4Wtsyb9Y2CvQVL8gDy+NqWa+tzaj4UjRayDtBYLqVi4w\n"
    "UZjkMtr9HtRZnOnnETQhT5bGez4B2q6GEy6plTTxGsF4JgfoQSgoWPAbpwtzDLe6\n"
    "hemf97bZx439A/KQcDzBw9u1\n"
    "-----END PRIVATE KEY-----\n",
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDMCP17A7G764Ov\n"
    "0MIjGUDJKWSsO4cAi0CRqxWBKp1WN/myh36rkHi8IUzrXWnP1MKF8B0nuTtpIdVx\n"
    "oAgyQhZ7jMZz6TAODir1Zv5G8Ngs7hsui2IZAsyATsgNz54JJ2F5aA0Gu4hPDiEq\n"
    "Nei5TlQEppXJ8WKZZLfjGC7OmPDPRSNT459/9WicWkjo8Ab0uHqvpRMGRCQ+atjX\n"
    "8uUUCu7wzfZwI22glFaRMlqCz5t3cNw6I3+ki3l06kJOPW13yG1bUA6tphl/Gy8h\n"
    "bOYXAqzPaLeBAnwgEFijWCtD9GKMwPJVyJu1eLMoBD2PDtHmnH3lPFrLGZbXAyG2\n"
    "rqx1YOixAgMBAAECggEAJlqkR50Mqo4dnY2pCM8E8iuRTJ0OBiinFRrrenHnzJ7O\n"
    "FeTJh3ercnXyDyZqrxJIFMRrvp1f0SX2iRrzn3rz3fq7DWvuyB2arrHTJ8O7Z0rF\n"
    "Gk1CPgBcL9xfV9VI2GCqPpe0JylWeMHnsxcaLcdPHOaxrpntFner54kSt2xhjByV\n"
    "ceX3XeNLhjhYhZvtb8/PAfD38gzMGhQtJFpuwVRWHHFKbuBHGudYk/NMwY3qE/m9\n"
    "fzq+yMo/k3srcK6JvE6OWUf1MQkLSeMaHQczGbwzDi+Fz1wjX6cBqSBfzpXSCyuk\n"
    "1k719aKATm7DxX7iXxszYwsIZm8aFKdNBY0qNit9bwKBgQDyeOGni0wa+zPWaMJ4\n"
    "L57A4CboJ03R1P2o8+yDMxsdME8U8wRqRp7Am01rdrFUNkQOrp10ZD8vmzvBfmGl\n"
    "zEUYob6JZHB6zo9P8+OYnrwoi7DbBqY+9woleC1Wh69xUmcpGubreCOIYPBHbOhB\n"
    "ILFYTXmI40nxFozsWhyTmD2wNwKBgQDXayEyDKYIPpp6ZecSHaD8rPJMmLsdyfRb\n"
    "V1pM5U8g2xidQ6uXMqJSCOPJXZ/hfzUQRTrh1fSRdstrlpQnHbQr1+6gVNS8iqf8\n"
    "uXPQOCb/ZjDSdDs0QqYF8sz4BVRRHiNM8gfoZU3P6w6jNIRZRQ9TOIRrKL+wJZx1\n"
    "/ZzAeAcqVwKBgDUvLJfaZwQYC4PBEL7Z+yFlSUNss5YN+OGhN0SD5jOd0ArRTyuc\n"
    "d9/ZcL7clwLYsE7kICdSgcWIcC/97581UgaYG7n5LO7S9f5ciZSFZNIj6dPw/nAb\n"
    "Mb+MP62WL3ZU08nhW7tUa77TPID+M2dtq1iqDbln2WUnRBvnnBMHtqg7AoGBALtL\n"
    "jNgsQSuH6t4ivY51rmQipqTMYlxbHBdS0tNqyKrDdBpAHO/f+VukGREaUwlHhcZ4\n"
    "uuJiGTtkcyc/C98ap207WGGUgEbRs487WyOdvuJuYmKI5nTgweMIIQg/8fh5YK3k\n"
    "/dUkR0xQjjB+V9gaAGIWEKPvEQNBIFFCSUja0zgPAoGBAIrCBIEbuUvVoHDHJxLW\n"
    "bxV50fJdyH9QuqfSvF4CD0d+ETJh9+QRJoGSOngZ535uATcpg/XyaongASl79Ktf\n"
    "MFLqsS4X6A/IfuQaqA5yR/jDabnOrEi3ys9nG1qGAQ1EcWYRVnL9WYbmSe/MXhbE\n"
    "0g/DamqkYyyxP8mXE1tLSe//\n"
    "-----END PRIVATE KEY-----\n",
};

/* DSA needs its domain parameters generated first. */
static EVP_PKEY *dsa_keygen(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *kc = NULL;
    EVP_PKEY *params = NULL, *key = NULL;

    if (pc != NULL && EVP_PKEY_paramgen_init(pc) > 0 && EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024) > 0 &&
        EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, 160) > 0 && EVP_PKEY_paramgen(pc, &params) > 0 &&
        (kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) != NULL && EVP_PKEY_keygen_init(kc) > 0)
        EVP_PKEY_keygen(kc, &key);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(params);
    return key;
}

EVP_PKEY *cert_keygen(const char *alg)
{
    if (strcmp(alg, "RSA") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (strncmp(alg, "RSA-", 4) == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)strtoul(alg + 4, NULL, 10));
    if (strcmp(alg, "ED25519") == 0 || strcmp(alg, "ED448") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, alg);
    if (strcmp(alg, "DSA") == 0)
        return dsa_keygen();
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", alg);
}

EVP_PKEY *cert_rsa_key(int which)
{
    BIO *bio;
    EVP_PKEY *key;

    if (RUNNING_ON_VALGRIND == 0)
        return cert_keygen("RSA");
    if (which < 0 || which > 1)
        return NULL;
    bio = BIO_new_mem_buf(fixed_rsa_pem[which], -1);
    key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

X509 *cert_self_signed(EVP_PKEY *key, const char *cn)
{
    const EVP_MD *md = EVP_sha256();
    X509 *x;
    X509_NAME *name;

    if (key == NULL || (x = X509_new()) == NULL)
        return NULL;
    /* EdDSA signs the certificate as it is: no separate digest */
    if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
        md = NULL;
    if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) == NULL ||
        (name = X509_get_subject_name(x)) == NULL ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) || X509_sign(x, key, md) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

uint8_t *cert_der(X509 *x, size_t *len)
{
    unsigned char *der = NULL;
    int n = x != NULL ? i2d_X509(x, &der) : 0;

    *len = n > 0 ? (size_t)n : 0;
    return n > 0 ? der : NULL;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;
    bool ok;

    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

X509 *cert_issue(EVP_PKEY *key, const char *cn, EVP_PKEY *issuer_key, X509 *issuer)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name;
    bool ok;
    char san[300];

    snprintf(san, sizeof(san), "DNS:%s", cn);
    ok = x != NULL && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
         X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != NULL &&
         (name = X509_get_subject_name(x)) != NULL &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
         X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) &&
         X509_set_pubkey(x, key);
    if (ok && issuer == NULL)
        ok = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    else if (ok)
        ok = add_ext(x, issuer, NID_subject_alt_name, san);
    ok = ok && X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}
