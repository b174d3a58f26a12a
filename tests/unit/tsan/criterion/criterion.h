/*
 * criterion.h - a stand-in for Criterion's header, used only by the
 * ThreadSanitizer build of the unit tests (make SAN=thread).
 *
 * Why: Criterion runs each test in a sandbox (BoxFort) whose shared arena
 * is mapped at fixed addresses from 0x200000000000 up, exactly where
 * ThreadSanitizer reserves its shadow and meta memory, so a TSan build of
 * Criterion's runner cannot start. This header gives the tests the subset
 * of Criterion's API they use (Test, cr_assert*, cr_expect*); runner.c runs
 * each test in a child process, as Criterion does, and reports like it.
 * Test options (.timeout = N) are accepted and ignored.
 */
#ifndef CONCH_TSAN_CRITERION_H
#define CONCH_TSAN_CRITERION_H

/* Criterion's header brings these in, and the tests count on it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tshim_register(const char *suite, const char *name, void (*fn)(void));
/* Record a failed assertion (fatal: the test ends here). */
void tshim_fail(bool fatal, const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define Test(suite, name, ...)                                                              \
    static void suite##_##name(void);                                                       \
    __attribute__((constructor)) static void tshim_reg_##suite##_##name(void)               \
    {                                                                                       \
        tshim_register(#suite, #name, suite##_##name);                                      \
    }                                                                                       \
    static void suite##_##name(void)

/* The message, when given, is a format and its arguments; the literal
 * ": " pasted before it stands alone when there is none. */
#define TSHIM_CHECK(fatal, cond, expr, ...)                                                 \
    do {                                                                                    \
        if (!(cond))                                                                        \
            tshim_fail(fatal, __FILE__, __LINE__, expr, ": " __VA_ARGS__);                  \
    } while (0)

#define cr_assert(c, ...) TSHIM_CHECK(true, c, #c, __VA_ARGS__)
#define cr_expect(c, ...) TSHIM_CHECK(false, c, #c, __VA_ARGS__)
#define cr_assert_not(c, ...) TSHIM_CHECK(true, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) TSHIM_CHECK(true, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) TSHIM_CHECK(false, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) TSHIM_CHECK(true, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) TSHIM_CHECK(false, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_fail(...) TSHIM_CHECK(true, false, "fail", __VA_ARGS__)
#define cr_assert_gt(a, b, ...) TSHIM_CHECK(true, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) TSHIM_CHECK(false, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) TSHIM_CHECK(true, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) TSHIM_CHECK(true, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) TSHIM_CHECK(true, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) TSHIM_CHECK(true, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) TSHIM_CHECK(false, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) TSHIM_CHECK(true, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...)                                                         \
    TSHIM_CHECK(true, !strcmp((a), (b)), "strcmp(" #a ", " #b ") == 0", __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...)                                                         \
    TSHIM_CHECK(false, !strcmp((a), (b)), "strcmp(" #a ", " #b ") == 0", __VA_ARGS__)

#endif
