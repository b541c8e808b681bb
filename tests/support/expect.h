/* EXPECT / EXPECT_ST: CHECK and CHECK_ST for tests that loop over thousands of cases. Each
 * failure names the case under test — EXPECT_CTX, a string expression the test defines before
 * its first EXPECT — and after the first 300 messages failures are only counted
 * (SSLPROV_TEST_VERBOSE prints them all; expect.c). */
#ifndef SSLPROV_TEST_EXPECT_H
#define SSLPROV_TEST_EXPECT_H

#include <stdint.h>
#include <stdio.h>
#include "check.h"

void expect_report(const char *file, int line, const char *ctx, const char *what);

#define EXPECT(cond)                                                                        \
    do {                                                                                    \
        if (cond)                                                                           \
            check_passed++;                                                                 \
        else {                                                                              \
            check_failed++;                                                                 \
            expect_report(__FILE__, __LINE__, EXPECT_CTX, #cond);                           \
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
            expect_report(__FILE__, __LINE__, EXPECT_CTX, m_);                              \
        }                                                                                   \
    } while (0)

#endif
