/* tests/check.h — the smallest test harness: CHECK records a failure with
 * its place and goes on; check_done() prints "N passed, N failed" and
 * gives the exit status meson reads. */
#ifndef PAR_TEST_CHECK_H
#define PAR_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                         \
        do {                                                                \
                if (cond) {                                                 \
                        check_passed++;                                     \
                } else {                                                    \
                        check_failed++;                                     \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n",        \
                                __FILE__, __LINE__, #cond);                 \
                }                                                           \
        } while (0)

#define CHECK_MSG(cond, ...)                                                \
        do {                                                                \
                if (cond) {                                                 \
                        check_passed++;                                     \
                } else {                                                    \
                        check_failed++;                                     \
                        fprintf(stderr, "%s:%d: CHECK failed: %s: ",        \
                                __FILE__, __LINE__, #cond);                 \
                        fprintf(stderr, __VA_ARGS__);                       \
                        fputc('\n', stderr);                                \
                }                                                           \
        } while (0)

#define CHECK_OK(expr, errp)                                                \
        do {                                                                \
                int check_rc_ = (expr);                                     \
                CHECK_MSG(check_rc_ == 0, "%s returned %d: %s", #expr,      \
                          check_rc_, (errp)->message);                      \
        } while (0)

static inline int check_done(const char *name)
{
        printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
        return check_failed ? 1 : 0;
}

#endif
