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

/* The test's function is tshim_test_SUITE_NAME: a plain SUITE_NAME would
 * clash with the code under test (Test(jw, infer) is jw_infer's test). */
#define Test(suite, name, ...)                                                              \
    static void tshim_test_##suite##_##name(void);                                          \
    __attribute__((constructor)) static void tshim_reg_##suite##_##name(void)               \
    {                                                                                       \
        tshim_register(#suite, #name, tshim_test_##suite##_##name);                         \
    }                                                                                       \
    static void tshim_test_##suite##_##name(void)

/* The message, when given, is a format and its arguments; the literal
 * ": " pasted before it stands alone when there is none. */
#define TSHIM_CHECK(fatal, cond, expr, ...)                                                 \
    do {                                                                                    \
        if (!(cond))                                                                        \
            tshim_fail(fatal, __FILE__, __LINE__, expr, ": " __VA_ARGS__);                  \
    } while (0)

/* Every assertion comes as cr_assert_X (fatal) and cr_expect_X (the test
 * goes on), as in Criterion; all of its comparison families are here, so a
 * test that uses one compiles under TSan too. */
#define cr_assert(c, ...) TSHIM_CHECK(true, c, #c, __VA_ARGS__)
#define cr_expect(c, ...) TSHIM_CHECK(false, c, #c, __VA_ARGS__)
#define cr_assert_not(c, ...) TSHIM_CHECK(true, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_expect_not(c, ...) TSHIM_CHECK(false, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_assert_fail(...) TSHIM_CHECK(true, false, "fail", __VA_ARGS__)
#define cr_expect_fail(...) TSHIM_CHECK(false, false, "fail", __VA_ARGS__)
#define TSHIM_CMP(fatal, a, op, b, ...) TSHIM_CHECK(fatal, (a) op (b), #a " " #op " " #b, __VA_ARGS__)
#define cr_assert_eq(a, b, ...) TSHIM_CMP(true, a, ==, b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) TSHIM_CMP(false, a, ==, b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) TSHIM_CMP(true, a, !=, b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) TSHIM_CMP(false, a, !=, b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) TSHIM_CMP(true, a, <, b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) TSHIM_CMP(false, a, <, b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) TSHIM_CMP(true, a, <=, b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) TSHIM_CMP(false, a, <=, b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) TSHIM_CMP(true, a, >, b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) TSHIM_CMP(false, a, >, b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) TSHIM_CMP(true, a, >=, b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) TSHIM_CMP(false, a, >=, b, __VA_ARGS__)
#define cr_assert_null(p, ...) TSHIM_CHECK(true, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) TSHIM_CHECK(false, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) TSHIM_CHECK(true, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) TSHIM_CHECK(false, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define TSHIM_STR(fatal, a, op, b, ...)                                                     \
    TSHIM_CHECK(fatal, strcmp((a), (b)) op 0, "strcmp(" #a ", " #b ") " #op " 0", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) TSHIM_STR(true, a, ==, b, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) TSHIM_STR(false, a, ==, b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) TSHIM_STR(true, a, !=, b, __VA_ARGS__)
#define cr_expect_str_neq(a, b, ...) TSHIM_STR(false, a, !=, b, __VA_ARGS__)
#define cr_assert_str_empty(a, ...) TSHIM_CHECK(true, !*(a), #a " is empty", __VA_ARGS__)
#define cr_expect_str_empty(a, ...) TSHIM_CHECK(false, !*(a), #a " is empty", __VA_ARGS__)
#define cr_assert_str_not_empty(a, ...) TSHIM_CHECK(true, *(a), #a " is not empty", __VA_ARGS__)
#define cr_expect_str_not_empty(a, ...) TSHIM_CHECK(false, *(a), #a " is not empty", __VA_ARGS__)
/* |a - b| <= eps, as Criterion's float comparisons */
#define TSHIM_FEQ(fatal, a, b, eps, ...)                                                    \
    TSHIM_CHECK(fatal, ((a) - (b) <= (eps)) && ((b) - (a) <= (eps)),                        \
                "|" #a " - " #b "| <= " #eps, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...) TSHIM_FEQ(true, a, b, eps, __VA_ARGS__)
#define cr_expect_float_eq(a, b, eps, ...) TSHIM_FEQ(false, a, b, eps, __VA_ARGS__)
#define cr_assert_float_neq(a, b, eps, ...) TSHIM_CHECK(true, !(((a) - (b) <= (eps)) && ((b) - (a) <= (eps))), "|" #a " - " #b "| > " #eps, __VA_ARGS__)
#define cr_expect_float_neq(a, b, eps, ...) TSHIM_CHECK(false, !(((a) - (b) <= (eps)) && ((b) - (a) <= (eps))), "|" #a " - " #b "| > " #eps, __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) TSHIM_CHECK(true, !memcmp((a), (b), (n)), "memcmp(" #a ", " #b ", " #n ") == 0", __VA_ARGS__)
#define cr_expect_arr_eq(a, b, n, ...) TSHIM_CHECK(false, !memcmp((a), (b), (n)), "memcmp(" #a ", " #b ", " #n ") == 0", __VA_ARGS__)

#endif
