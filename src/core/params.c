#include <string.h>
#include "params.h"

/* conventions.md §2: shape first (version, buffer array, NULL data), then the lengths of
 * the types we read. Unknown types are ignored; the last duplicate wins. */
SECURITY_STATUS params_read(const NCryptBufferDesc *desc, enum params_mode mode,
                            struct tls_params *out)
{
    memset(out, 0, sizeof(*out));
    if (desc == NULL || desc->ulVersion != NCRYPTBUFFER_VERSION)
        return NTE_INVALID_PARAMETER;
    if (desc->cBuffers > 0 && desc->pBuffers == NULL)
        return NTE_INVALID_PARAMETER;
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        const NCryptBuffer *b = &desc->pBuffers[i];

        if (b->cbBuffer > 0 && b->pvBuffer == NULL)
            return NTE_INVALID_PARAMETER;
        if (mode == PARAMS_NO_EMPTY && (b->cbBuffer == 0 || b->pvBuffer == NULL))
            return NTE_INVALID_PARAMETER;
    }
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        const NCryptBuffer *b = &desc->pBuffers[i];

        switch (b->BufferType) {
        case NCRYPTBUFFER_SSL_CLIENT_RANDOM:
        case NCRYPTBUFFER_SSL_SERVER_RANDOM:
            if (b->cbBuffer != PARAM_RANDOM_LEN)
                return NTE_INVALID_PARAMETER;
            if (b->BufferType == NCRYPTBUFFER_SSL_CLIENT_RANDOM)
                out->client_random = b->pvBuffer;
            else
                out->server_random = b->pvBuffer;
            break;
        case NCRYPTBUFFER_SSL_HIGHEST_VERSION:
            if (b->cbBuffer != sizeof(DWORD))
                return NTE_INVALID_PARAMETER;
            memcpy(&out->highest_version, b->pvBuffer, sizeof(DWORD));
            out->has_highest_version = true;
            break;
        case NCRYPTBUFFER_SSL_SESSION_HASH:
            out->has_session_hash = true;
            out->session_hash = b->pvBuffer;
            out->session_hash_len = b->cbBuffer;
            break;
        default:
            break;
        }
    }
    return SEC_E_OK;
}
