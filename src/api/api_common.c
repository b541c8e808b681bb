#include "api_common.h"

SECURITY_STATUS call_begin(struct call *c, NCRYPT_PROV_HANDLE h)
{
    c->n = 0;
    return provider_pin(h, &c->prov);
}

SECURITY_STATUS call_pin(struct call *c, ULONG_PTR h, unsigned mask, struct object **out)
{
    SECURITY_STATUS st;

    *out = NULL;
    if (c->n == CALL_MAX_PINS)
        return NTE_INTERNAL_ERROR;
    if ((st = provider_obj_pin(c->prov, h, mask, out)) == SEC_E_OK)
        c->pins[c->n++] = *out;
    return st;
}

SECURITY_STATUS call_pin_opt(struct call *c, ULONG_PTR h, unsigned mask, struct object **out)
{
    *out = NULL;
    return h == 0 ? SEC_E_OK : call_pin(c, h, mask, out);
}

SECURITY_STATUS call_end(struct call *c, SECURITY_STATUS st)
{
    while (c->n > 0)
        handle_unpin(c->pins[--c->n]);
    provider_unpin(c->prov);
    c->prov = NULL;
    return st;
}

SECURITY_STATUS suite_for_key_op(DWORD protocol, DWORD cipher_suite, enum proto *p,
                                 const struct suite **s)
{
    if (!proto_from_dword(protocol, p) || (*s = suite_find(cipher_suite)) == NULL ||
        !suite_has_proto(*s, *p) || ((*s)->flags & (SUITE_EXPORT | SUITE_SSL2)))
        return NTE_NOT_SUPPORTED;
    return SEC_E_OK;
}
