/* bench_util.h — what the benches that print a header of their machine share: the clock, the
 * fatal exit and the CPU's name. bench_common.h (bench_records, bench_records13) and
 * bench_threads include it; one translation unit each, so everything here is static.
 * Define BENCH_NAME (the program name, for messages) before including. */
#ifndef SSLPROV_BENCH_UTIL_H
#define SSLPROV_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_util.h"
#endif

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

/* The "model name" of /proc/cpuinfo, for the header: results are only comparable on one CPU. */
static void cpu_model(char *model, size_t n)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");

    snprintf(model, n, "unknown CPU");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');

            if (p != NULL) {
                snprintf(model, n, "%s", p + 2);
                model[strcspn(model, "\n")] = 0;
            }
            break;
        }
    fclose(f);
}

#endif /* SSLPROV_BENCH_UTIL_H */
