/* tap.h: a minimal TAP producer for the C unit tests (tests/unit/).
 * Each test program prints "ok N - name" / "not ok N - name" lines and a
 * closing plan "1..N"; tests/run counts them. Header-only on purpose: each
 * unit test is one small program.
 */
#ifndef ENG_TAP_H
#define ENG_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *name, const char *file, int line)
{
    ++tap_n;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
    if (!cond) {
        ++tap_failed;
        printf("#   failed at %s:%d\n", file, line);
    }
    return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name), __FILE__, __LINE__)

#define is_int(got, want, name) do { \
    long long g_ = (long long)(got), w_ = (long long)(want); \
    if (!tap_ok(g_ == w_, (name), __FILE__, __LINE__)) \
        printf("#   got: %lld\n#   expected: %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, name) do { \
    const char *g_ = (got), *w_ = (want); \
    int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
    if (!tap_ok(same_, (name), __FILE__, __LINE__)) \
        printf("#   got: '%s'\n#   expected: '%s'\n", g_ ? g_ : "(null)", \
               w_ ? w_ : "(null)"); \
} while (0)

/* Prints the plan; returns the exit status for main(). */
static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
