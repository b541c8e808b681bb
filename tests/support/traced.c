/* traced.h: the run through the tracing module, and the trace's check afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "traced.h"

#define TRACED_SECRETS_MAX 8192
#define TRACED_SECRET_BYTES 16 /* as hex, 32 characters: no accidental match */

static char traced_conf[] = "/tmp/sslprov-traced-conf-XXXXXX";
static char traced_log[] = "/tmp/sslprov-traced-log-XXXXXX";
static unsigned char traced_secrets[TRACED_SECRETS_MAX][TRACED_SECRET_BYTES];
static size_t traced_n_secrets;

LPCWSTR traced_setup(const char *module)
{
    int a = mkstemp(traced_conf), b = mkstemp(traced_log);
    FILE *f;

    CHECK(a >= 0 && b >= 0);
    close(a);
    close(b);
    f = fopen(traced_conf, "w");
    fprintf(f, "[provider]\nname = Traced Differential\nmodule = %s\n", module);
    fclose(f);
    setenv("SSLPROV_CONF", traced_conf, 1);
    setenv("SSLPROV_TRACE", traced_log, 1);
    return SSLP_WSTR("Traced Differential");
}

void traced_secret(const void *p, size_t n)
{
    if (n >= TRACED_SECRET_BYTES && traced_n_secrets < TRACED_SECRETS_MAX)
        memcpy(traced_secrets[traced_n_secrets++], p, TRACED_SECRET_BYTES);
}

/* Handle values the provider made ("=&0x..." in a successful call) and freed (SslFreeObject
 * answered SEC_E_OK): equal as multisets. The values are the provider's own (generation and
 * slot), so a value names one object. */
static int traced_cmp(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

    return x < y ? -1 : x > y;
}

bool traced_check(void)
{
    FILE *f = fopen(traced_log, "r");
    size_t cap = 1 << 16, nm = 0, nf = 0, lines = 0, bad = 0, secrets = 0;
    unsigned long long *made = malloc(cap * sizeof(*made)), *freed = malloc(cap * sizeof(*freed));
    static char line[16384], hex[TRACED_SECRETS_MAX][2 * TRACED_SECRET_BYTES + 1];
    bool ok;

    if (f == NULL || made == NULL || freed == NULL)
        return false;
    for (size_t i = 0; i < traced_n_secrets; i++)
        for (size_t j = 0; j < TRACED_SECRET_BYTES; j++)
            snprintf(hex[i] + 2 * j, 3, "%02x", traced_secrets[i][j]);
    while (fgets(line, sizeof(line), f) != NULL) {
        bool success = strstr(line, ") = 0x00000000 SEC_E_OK\n") != NULL;
        const char *p;

        lines++;
        bad += strstr(line, ") = 0x") == NULL || line[strlen(line) - 1] != '\n';
        if (success && strncmp(line, "SslFreeObject(hObject=0x", 24) == 0 && nf < cap)
            freed[nf++] = strtoull(line + 24, NULL, 16);
        for (p = line; success && (p = strstr(p, "=&0x")) != NULL; p += 4) {
            unsigned long long h = strtoull(p + 4, NULL, 16);
            if (h != 0 && nm < cap)
                made[nm++] = h;
        }
        for (size_t i = 0; i < traced_n_secrets; i++)
            secrets += strstr(line, hex[i]) != NULL;
    }
    fclose(f);
    qsort(made, nm, sizeof(*made), traced_cmp);
    qsort(freed, nf, sizeof(*freed), traced_cmp);
    ok = lines > 100 && bad == 0 && secrets == 0 && nm == nf && nm > 0 && nm < cap &&
         memcmp(made, freed, nm * sizeof(*made)) == 0;
    printf("trace: %zu calls, %zu handles made and %zu freed, %zu malformed lines, %zu secrets checked, "
           "%zu found\n", lines, nm, nf, bad, traced_n_secrets, secrets);
    free(made);
    free(freed);
    if (ok) {
        unlink(traced_log);
        unlink(traced_conf);
    }
    return ok;
}
