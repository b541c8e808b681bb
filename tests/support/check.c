/* The counters behind CHECK (check.h). */
#include "check.h"

unsigned check_passed, check_failed;

void check_eq(long long got, long long want, const char *expr, const char *file, int line)
{
    if (got == want) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "%s:%d: %s = %lld (0x%llx), want %lld (0x%llx)\n", file, line, expr, got,
            (unsigned long long)got, want, (unsigned long long)want);
}

int check_summary(void)
{
    printf("%u passed, %u failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}
