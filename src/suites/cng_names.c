#include "cng_names.h"
#include "wstr.h"

const char *md_cng_name(enum md_id md)
{
    static const char *const names[MD_COUNT] = {
        [MD_MD5] = "MD5",       /* BCRYPT_MD5_ALGORITHM */
        [MD_SHA1] = "SHA1",     /* BCRYPT_SHA1_ALGORITHM */
        [MD_SHA256] = "SHA256", /* BCRYPT_SHA256_ALGORITHM */
        [MD_SHA384] = "SHA384", /* BCRYPT_SHA384_ALGORITHM */
        [MD_SHA512] = "SHA512", /* BCRYPT_SHA512_ALGORITHM */
    };

    if ((unsigned)md >= MD_COUNT || names[md] == NULL)
        return "";
    return names[md];
}

enum md_id md_by_cng_name(LPCWSTR name)
{
    for (enum md_id md = MD_MD5; md <= MD_SHA512; md++)
        if (wstr_eq_ascii(name, md_cng_name(md)))
            return md;
    return MD_NONE;
}
