/* The providers the router can open (docs/provider.md "Providers and the router"):
 *  - built into the library: the Microsoft SSL Protocol Provider (src/api, src/<group>) and
 *    the tracing provider (src/trace), which forwards to it;
 *  - configured: shared objects exporting GetSChannelInterface, registered by name in the
 *    configuration file — $SSLPROV_CONF if set, else /etc/sslprov.conf — and loaded at the
 *    first SslOpenProvider of their name, never unloaded.
 *
 * The configuration file has one section per provider:
 *
 *     [provider]
 *     name = Contoso SSL Provider           # printable ASCII, compared case-insensitively
 *     module = /usr/lib/contoso/ssl.so      # dlopen()ed as given
 *     comment = what SslEnumProtocolProviders shows
 *
 * '#' and ';' start comments; other sections and keys are ignored; an entry without a name or
 * a module, with a name longer than 127 characters, or with a built-in provider's name is
 * skipped. The file is read once, at the router's first use. */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "router.h"
#include "trace.h"
#include "wstr.h"

#define REGISTRY_MAX 32
#define CONF_DEFAULT "/etc/sslprov.conf"

/* Function pointers each interface version has (api.md §3.9: 23, 26, 30, 37, 41). */
static const size_t slots_per_version[] = {0, 23, 26, 30, 37, 41};
#define SLOTS_ALL 41

static struct registered entries[REGISTRY_MAX];
static size_t n_entries;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= ROUTER_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            return false;
    return true;
}

static const struct registered *find(const char *name, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (strcasecmp(entries[i].name, name) == 0)
            return &entries[i];
    return NULL;
}

/* Keep the entry being read if it is complete and its name is new. */
static void conf_commit(struct registered *e)
{
    if (e->name[0] != '\0' && e->module[0] != '\0' && find(e->name, n_entries) == NULL &&
        n_entries < REGISTRY_MAX)
        entries[n_entries++] = *e;
    memset(e, 0, sizeof(*e));
}

static void conf_set(char *dst, size_t cap, const char *value, bool *bad)
{
    size_t n = strlen(value);

    if (n >= cap) {
        *bad = true;
        return;
    }
    memcpy(dst, value, n + 1);
}

static void conf_read(const char *path)
{
    struct registered e = {0};
    bool in_provider = false, bad = false;
    char line[4608];
    FILE *f = fopen(path, "re");

    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *s = line, *eq;

        s[strcspn(s, "#;\r\n")] = '\0';
        s = trim(s);
        if (*s == '[') {
            if (in_provider && !bad)
                conf_commit(&e);
            memset(&e, 0, sizeof(e));
            bad = false;
            in_provider = strcmp(s, "[provider]") == 0;
            continue;
        }
        if (!in_provider || (eq = strchr(s, '=')) == NULL)
            continue;
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (strcmp(key, "name") == 0) {
            bad |= !name_ok(value);
            conf_set(e.name, sizeof(e.name), value, &bad);
        } else if (strcmp(key, "module") == 0) {
            conf_set(e.module, sizeof(e.module), value, &bad);
        } else if (strcmp(key, "comment") == 0) {
            conf_set(e.comment, sizeof(e.comment), value, &bad);
        }
    }
    if (in_provider && !bad)
        conf_commit(&e);
    fclose(f);
}

static void registry_init(void)
{
    const char *conf = getenv("SSLPROV_CONF");

    snprintf(entries[0].name, sizeof(entries[0].name), "%s", "Microsoft SSL Protocol Provider");
    snprintf(entries[0].comment, sizeof(entries[0].comment), "%s",
             "sslprov: the CNG SSL Protocol Provider on OpenSSL 3");
    atomic_store(&entries[0].table, sp_function_table());
    entries[0].slots = SLOTS_ALL;
    snprintf(entries[1].name, sizeof(entries[1].name), "%s", TRACE_PROVIDER_NAME);
    snprintf(entries[1].comment, sizeof(entries[1].comment), "%s",
             "sslprov: logs every call (SSLPROV_TRACE=FILE), then forwards it to the built-in provider");
    atomic_store(&entries[1].table, trace_table(sp_function_table()));
    entries[1].next_gen = trace_next_gen(SPSslExpandNextGenTrafficKey);
    entries[1].slots = SLOTS_ALL;
    n_entries = 2;
    conf_read(conf != NULL ? conf : CONF_DEFAULT);
}

const struct registered *registry_builtin(void)
{
    pthread_once(&once, registry_init);
    return &entries[0];
}

const struct registered *registry_trace(void)
{
    pthread_once(&once, registry_init);
    return &entries[1];
}

/* Read at every open, so a program may trace some of its providers and not others. */
bool registry_trace_builtin(void)
{
    const char *trace = getenv("SSLPROV_TRACE");

    return trace != NULL && trace[0] != '\0';
}

size_t registry_count(void)
{
    pthread_once(&once, registry_init);
    return n_entries;
}

const struct registered *registry_at(size_t i)
{
    pthread_once(&once, registry_init);
    return i < n_entries ? &entries[i] : NULL;
}

static const struct registered *find_w(LPCWSTR name, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (wstr_eq_ascii(name, entries[i].name))
            return &entries[i];
    return NULL;
}

const struct registered *registry_builtin_by_name(LPCWSTR name)
{
    pthread_once(&once, registry_init);
    return name == NULL ? &entries[0] : find_w(name, 2);
}

/* Under load_lock: dlopen the module, take its table, check it is whole. */
static SECURITY_STATUS load(struct registered *e)
{
    WCHAR wname[ROUTER_NAME_MAX];
    NCRYPT_SSL_FUNCTION_TABLE *t = NULL;
    GetSChannelInterfaceFn get;
    void *dl = dlopen(e->module, RTLD_NOW | RTLD_LOCAL);
    size_t slots;

    if (dl == NULL)
        return NTE_PROV_DLL_NOT_FOUND;
    wstr_from_ascii(wname, ROUTER_NAME_MAX, e->name);
    *(void **)&get = dlsym(dl, "GetSChannelInterface");
    if (get == NULL || get(wname, &t, 0) != 0 || t == NULL || t->Version.MajorVersion == 0)
        goto broken;
    slots = slots_per_version[t->Version.MajorVersion < 5 ? t->Version.MajorVersion : 5];
    for (size_t i = 0; i < slots; i++) {
        uintptr_t fn;

        memcpy(&fn, (const unsigned char *)t + offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash) +
               i * sizeof(fn), sizeof(fn));
        if (fn == 0)
            goto broken;
    }
    e->slots = slots;
    *(void **)&e->next_gen = dlsym(dl, "SslProvExpandNextGenTrafficKey");
    atomic_store(&e->table, t);
    return SEC_E_OK; /* dl stays open for the life of the process (router.h) */
broken:
    dlclose(dl);
    return NTE_PROVIDER_DLL_FAIL;
}

SECURITY_STATUS registry_open(LPCWSTR name, const struct registered **out)
{
    struct registered *e;
    SECURITY_STATUS st = SEC_E_OK;

    pthread_once(&once, registry_init);
    *out = NULL;
    if (name == NULL)
        e = &entries[0];
    else if ((e = (struct registered *)find_w(name, n_entries)) == NULL)
        return NTE_PROV_DLL_NOT_FOUND;
    if (atomic_load(&e->table) == NULL) {
        pthread_mutex_lock(&load_lock);
        if (atomic_load(&e->table) == NULL)
            st = load(e);
        pthread_mutex_unlock(&load_lock);
    }
    if (st == SEC_E_OK)
        *out = e;
    return st;
}
