/*
 * helpers.h - what the unit tests share: reading a history from a string,
 * and checking it as conch check would.
 */
#ifndef CONCH_TEST_HELPERS_H
#define CONCH_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <string.h>

#include "../../checker/check.h"
#include "../../histories/read.h"

/* Read text as a history; fails the test on an error. */
static inline history *th_read(const char *text)
{
    history *h = NULL;
    hist_error err = {0};
    hist_rc rc = hist_read_mem("t", text, strlen(text), NULL, &h, NULL, &err);
    cr_assert_eq(rc, HIST_OK, "read failed: %u:%u: %s", err.line, err.col, err.msg);
    return h;
}

/* Check h's linearizability with the named model (NULL: inferred). */
static inline lin_verdict th_check(history *h, const char *model_name, const char *init,
                                   nil_read nil)
{
    check_opts o = {0};
    o.model = model_name ? model_find(model_name) : NULL;
    o.init_json = init;
    o.nil = nil;
    o.jobs = 1;
    o.checks = CHECK_LIN;
    check_item it = {0};
    it.h = h;
    check_run(&it, 1, &o);
    cr_assert_eq(it.rc, 0, "check failed: %s", sbuf_str(&it.why));
    lin_verdict v = it.verdict;
    check_item_free(&it);
    return v;
}

/* Read and check in one go, and free the history. */
static inline lin_verdict th_verdict(const char *text, const char *model_name, const char *init,
                                     nil_read nil)
{
    history *h = th_read(text);
    lin_verdict v = th_check(h, model_name, init, nil);
    hist_free(h);
    return v;
}

#endif
