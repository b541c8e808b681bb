/* EXPECT / EXPECT_ST: CHECK and CHECK_ST for tests that loop over thousands of cases. Each
 * failure names the case under test — EXPECT_CTX, a string expression the test defines before
 * including this header — and after EXPECT_MAX_REPORTS messages failures are only counted
 * (SSLPROV_TEST_VERBOSE prints them all). */
#ifndef SSLPROV_TEST_EXPECT_H
#define SSLPROV_TEST_EXPECT_H

#include <stdlib.h>
#include "check.h"

#ifndef EXPECT_MAX_REPORTS
#define EXPECT_MAX_REPORTS 300
#endif

static unsigned expect_reports;

static inline void expect_report(const char *file, int line, const char *what)
{
    if (++expect_reports <= EXPECT_MAX_REPORTS || getenv("SSLPROV_TEST_VERBOSE"))
        fprintf(stderr, "%s:%d: [%s] %s\n", file, line, EXPECT_CTX, what);
    else if (expect_reports == EXPECT_MAX_REPORTS + 1)
        fprintf(stderr, "... further failures not printed\n");
}

#define EXPECT(cond)                                                                        \
    do {                                                                                    \
        if (cond)                                                                           \
            check_passed++;                                                                 \
        else {                                                                              \
            check_failed++;                                                                 \
            expect_report(__FILE__, __LINE__, #cond);                                       \
        }                                                                                   \
    } while (0)

#define EXPECT_ST(expr, want)                                                               \
    do {                                                                                    \
        uint32_t got_ = (uint32_t)(expr), want_ = (uint32_t)(want);                         \
        if (got_ == want_)                                                                  \
            check_passed++;                                                                 \
        else {                                                                              \
            char m_[200];                                                                   \
            check_failed++;                                                                 \
            snprintf(m_, sizeof m_, "%s = 0x%08x, want 0x%08x", #expr, got_, want_);        \
            expect_report(__FILE__, __LINE__, m_);                                          \
        }                                                                                   \
    } while (0)

#endif
