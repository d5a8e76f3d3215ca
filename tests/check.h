/* check.h -- the tests' assertion macros.
 *
 * Each failed check prints file:line and what differed, and the test goes
 * on; check_done() prints "N passed, N failed" and returns the exit code. */
#ifndef EDGESIM_CHECK_H
#define EDGESIM_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (cond) {                                                           \
            check_passed++;                                                   \
        } else {                                                              \
            check_failed++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                     \
    } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                 \
    do {                                                                      \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);              \
        if (fabs(check_a_ - check_b_) <= check_t_) {                          \
            check_passed++;                                                   \
        } else {                                                              \
            check_failed++;                                                   \
            fprintf(stderr, "%s:%d: %s = %.17g, expected %s = %.17g (tol %g)\n", \
                    __FILE__, __LINE__, #a, check_a_, #b, check_b_, check_t_); \
        }                                                                     \
    } while (0)

#define CHECK_INT(a, b)                                                       \
    do {                                                                      \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);       \
        if (check_a_ == check_b_) {                                           \
            check_passed++;                                                   \
        } else {                                                              \
            check_failed++;                                                   \
            fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__,     \
                    __LINE__, #a, check_a_, check_b_);                        \
        }                                                                     \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
