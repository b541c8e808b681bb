/* A minimal test harness: CHECK records a failure and goes on; check_summary prints the
 * "N passed, N failed" line ctest logs show and returns the exit status. The two counters are
 * the process's (check.c), so a test and the helpers of this library it calls count together. */
#ifndef SSLPROV_TEST_CHECK_H
#define SSLPROV_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern unsigned check_passed, check_failed;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (cond) {                                                                         \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                                   \
    } while (0)

/* Status comparison with both values printed on failure. */
#define CHECK_ST(expr, want)                                                                \
    do {                                                                                    \
        long long got_ = (long long)(int32_t)(expr);                                        \
        long long want_ = (long long)(int32_t)(want);                                       \
        if (got_ == want_) {                                                                \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s = 0x%08" PRIx32 ", want 0x%08" PRIx32 "\n",         \
                    __FILE__, __LINE__, #expr, (uint32_t)got_, (uint32_t)want_);            \
        }                                                                                   \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Integer comparison with both values printed, in decimal and hex, on failure: for sizes,
 * offsets and constants. */
#define CHECK_EQ(expr, want) check_eq((long long)(expr), (long long)(want), #expr, __FILE__, __LINE__)

void check_eq(long long got, long long want, const char *expr, const char *file, int line);
int check_summary(void);

#endif
