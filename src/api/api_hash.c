/* Group D: handshake hashes (api.md §7 D1–D7). Arguments are checked in the order of
 * conventions.md §1, or Windows' own where behavior.md §8 records it. */
#include <string.h>
#include "api_common.h"
#include "cng_names.h"
#include "schedule13.h"
#include "transcript.h"
#include "sp_api.h"

#define CLS_SECRET (CLASS_BIT(OBJ_MASTER) | CLASS_BIT(OBJ_KEY))

SECURITY_STATUS WINAPI SPSslCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_HASH_HANDLE *phHandshakeHash,
                                              DWORD dwProtocol, DWORD dwCipherSuite, DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    SECURITY_STATUS st;

    if (phHandshakeHash != NULL)
        *phHandshakeHash = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phHandshakeHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, transcript_create(c.prov, p, s, phHandshakeHash));
}

/* Whole handshake messages, 4-byte header included (DTLS: the 12-byte header as RFC 6347
 * §4.2.6 hashes it); the provider does not reformat them (api.md D2). */
SECURITY_STATUS WINAPI SPSslHashHandshake(NCRYPT_PROV_HANDLE hSslProvider,
                                        NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbInput,
                                        DWORD cbInput, DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if ((st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbInput == NULL && cbInput > 0)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if (cbInput == 0)
        return call_end(&c, SEC_E_OK);
    return call_end(&c, transcript_update((struct transcript *)hash, pbInput, cbInput));
}

/* In the order of Windows' SPSslCreateClientAuthHash (behavior.md §8.3, conventions.md §13):
 * the protocol first (below TLS 1.2, and DTLS 1.0, have no single-hash CertificateVerify),
 * the name, flags, the protocol/suite pair and the name's hash, and only then the provider
 * and the output. The object hashes with the named hash, whatever the suite's PRF. */
SECURITY_STATUS WINAPI SPSslCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
                                               NCRYPT_HASH_HANDLE *phHandshakeHash,
                                               DWORD dwProtocol, DWORD dwCipherSuite,
                                               LPCWSTR pszHashAlgId, DWORD dwFlags)
{
    struct call c;
    const struct suite *s;
    enum proto p;
    enum md_id md;
    SECURITY_STATUS st;

    if (phHandshakeHash != NULL)
        *phHandshakeHash = 0;
    if (dwProtocol < TLS1_2_PROTOCOL_VERSION || dwProtocol == DTLS1_0_PROTOCOL_VERSION)
        return NTE_NOT_SUPPORTED;
    if (pszHashAlgId == NULL || pszHashAlgId[0] == 0)
        return NTE_INVALID_PARAMETER;
    if (dwFlags != 0)
        return NTE_BAD_FLAGS;
    if ((st = suite_for_key_op(dwProtocol, dwCipherSuite, &p, &s)) != SEC_E_OK)
        return st;
    if ((md = md_by_cng_name(pszHashAlgId)) == MD_NONE)
        return NTE_NOT_SUPPORTED;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phHandshakeHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    return call_end(&c, transcript_create_md(c.prov, p, s, md, phHandshakeHash));
}

/* conventions.md §4: for SSL 3.0 – TLS 1.2 the flag names the sender of the Finished message;
 * TLS 1.3 takes the sender's traffic secret, or a binder key for a PSK binder, and ignores
 * the flags (behavior.md §5). */
SECURITY_STATUS WINAPI SPSslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider,
                                              NCRYPT_KEY_HANDLE hMasterKey,
                                              NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbOutput,
                                              DWORD cbOutput, DWORD dwFlags)
{
    struct call c;
    struct object *key, *hash;
    struct master_key *mk;
    struct transcript *t;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pbOutput == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLS_SECRET, &key)) != SEC_E_OK ||
        (st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    if (key->cls == OBJ_KEY) {
        if ((st = s13_check(key, 1u << KEY_TRAFFIC | 1u << KEY_BINDER)) != SEC_E_OK ||
            (st = s13_check_hash((struct secret_key *)key, hash)) != SEC_E_OK)
            return call_end(&c, st);
        return call_end(&c, s13_finished((struct secret_key *)key, (struct transcript *)hash, pbOutput, cbOutput));
    }
    if (dwFlags != NCRYPT_SSL_CLIENT_FLAG && dwFlags != NCRYPT_SSL_SERVER_FLAG)
        return call_end(&c, NTE_BAD_FLAGS);
    mk = (struct master_key *)key;
    t = (struct transcript *)hash;
    /* the hash object must hash what this master key's protocol and suite need */
    if (t->md != transcript_md(mk->proto, mk->suite))
        return call_end(&c, NTE_INVALID_PARAMETER);
    st = transcript_finished12(t, mk, dwFlags == NCRYPT_SSL_CLIENT_FLAG, pbOutput, cbOutput);
    return call_end(&c, st);
}

/* The hash CertificateVerify signs (behavior.md §8.4, conventions.md §13). A TLS <= 1.2
 * master key: dwFlags 0, then the hash object decides (transcript_client_auth12). A TLS 1.3
 * secret (sslprov's extension): the RFC 8446 §4.4.3 content hash, the client's context string
 * with 0 or CLIENT, the server's with SERVER. pcbResult is required (safer than Windows). */
SECURITY_STATUS WINAPI SPSslComputeClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                NCRYPT_KEY_HANDLE hMasterKey,
                                                NCRYPT_HASH_HANDLE hHandshakeHash, LPCWSTR pszAlgId,
                                                PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                                DWORD dwFlags)
{
    struct call c;
    struct object *key, *hash;
    size_t len = 0;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hMasterKey, CLS_SECRET, &key)) != SEC_E_OK ||
        (st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    if (key->cls == OBJ_MASTER) {
        if (dwFlags != 0)
            return call_end(&c, NTE_BAD_FLAGS);
        st = transcript_client_auth12((struct transcript *)hash, (const struct master_key *)key, pszAlgId,
                                      pbOutput, cbOutput, &len);
    } else {
        if ((st = s13_check(key, ~(1u << KEY_WRITE | 1u << KEY_PSK))) != SEC_E_OK)
            return call_end(&c, st);
        if ((dwFlags & ~(DWORD)(NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG)) != 0 ||
            dwFlags == (NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG))
            return call_end(&c, NTE_BAD_FLAGS);
        st = s13_client_auth((const struct secret_key *)key, (struct transcript *)hash, pszAlgId,
                             dwFlags == NCRYPT_SSL_SERVER_FLAG, pbOutput, cbOutput, &len);
    }
    /* conventions.md §1 output sizes 3: the size with SEC_E_OK (also a query) and too small */
    if (st == SEC_E_OK || st == NTE_BUFFER_TOO_SMALL)
        *pcbResult = (DWORD)len;
    return call_end(&c, st);
}

/* RFC 7627 §3: the hash of the handshake so far, for NCRYPTBUFFER_SSL_SESSION_HASH; for TLS
 * 1.3 the transcript hash, from which Windows' Schannel builds the CertificateVerify content
 * (conventions.md §13). Not defined for SSL 3.0 (NTE_NOT_SUPPORTED); dwProtocol must be the
 * hash object's. */
SECURITY_STATUS WINAPI SPSslComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider,
                                             NCRYPT_HASH_HANDLE hHandshakeHash, DWORD dwProtocol,
                                             PBYTE pbOutput, DWORD cbOutput, DWORD *pcbResult,
                                             DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    struct transcript *t;
    uint8_t digest[TRANSCRIPT_MAX_DIGEST];
    size_t len;
    enum proto p;
    SECURITY_STATUS st;

    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (pcbResult == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hHandshakeHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    t = (struct transcript *)hash;
    if (!proto_from_dword(dwProtocol, &p) || p == PROTO_SSL2 || p == PROTO_SSL3)
        return call_end(&c, NTE_NOT_SUPPORTED);
    if (p != t->proto)
        return call_end(&c, NTE_INVALID_PARAMETER);
    len = md_size(t->md);
    if (pbOutput == NULL || cbOutput < len) {
        *pcbResult = (DWORD)len;
        return call_end(&c, pbOutput == NULL ? SEC_E_OK : NTE_BUFFER_TOO_SMALL);
    }
    if ((st = transcript_digest(t, digest, &len)) == SEC_E_OK) {
        memcpy(pbOutput, digest, len);
        *pcbResult = (DWORD)len;
    }
    return call_end(&c, st);
}

SECURITY_STATUS WINAPI SPSslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                  NCRYPT_HASH_HANDLE hTranscriptHash,
                                                  NCRYPT_HASH_HANDLE *phTranscriptHash,
                                                  DWORD dwFlags)
{
    struct call c;
    struct object *hash;
    SECURITY_STATUS st;

    if (phTranscriptHash != NULL)
        *phTranscriptHash = 0;
    if ((st = call_begin(&c, hSslProvider)) != SEC_E_OK)
        return call_end(&c, st);
    if (phTranscriptHash == NULL)
        return call_end(&c, NTE_INVALID_PARAMETER);
    if ((st = call_pin(&c, hTranscriptHash, CLASS_BIT(OBJ_HASH), &hash)) != SEC_E_OK)
        return call_end(&c, st);
    return call_end(&c, transcript_duplicate((const struct transcript *)hash, phTranscriptHash));
}
