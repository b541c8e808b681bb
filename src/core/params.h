/* The one reader of NCryptBufferDesc parameter lists (conventions.md §2). */
#ifndef SSLPROV_PARAMS_H
#define SSLPROV_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include "sslprovider.h"

#define PARAM_RANDOM_LEN 32

struct tls_params {
    const uint8_t *client_random; /* 32 bytes or NULL */
    const uint8_t *server_random; /* 32 bytes or NULL */
    bool has_highest_version;
    uint32_t highest_version;     /* host-order DWORD, e.g. 0x0303 */
    bool has_session_hash;        /* buffer 25 present (selects the extended master secret) */
    const uint8_t *session_hash;  /* length checked by the caller against the PRF hash */
    size_t session_hash_len;
};

enum params_mode {
    PARAMS_DEFAULT = 0,
    PARAMS_NO_EMPTY = 1 /* SslGenerateSessionKeys: any empty entry is refused, as on Windows */
};

/* Shape and known-type lengths: NTE_INVALID_PARAMETER on any violation; unknown types are
 * ignored and the last duplicate wins. desc NULL is refused. */
SECURITY_STATUS params_read(const NCryptBufferDesc *desc, enum params_mode mode,
                            struct tls_params *out);

#endif
