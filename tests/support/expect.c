/* The failure messages of EXPECT (expect.h): a loop over thousands of cases that all fail for
 * one reason would otherwise bury the first, telling messages in the log. */
#include <stdlib.h>
#include "expect.h"

#define EXPECT_MAX_REPORTS 300

static unsigned expect_reports;

void expect_report(const char *file, int line, const char *ctx, const char *what)
{
    if (++expect_reports <= EXPECT_MAX_REPORTS || getenv("SSLPROV_TEST_VERBOSE"))
        fprintf(stderr, "%s:%d: [%s] %s\n", file, line, ctx, what);
    else if (expect_reports == EXPECT_MAX_REPORTS + 1)
        fprintf(stderr, "... further failures not printed\n");
}
