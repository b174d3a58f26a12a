/*
 * helpers.h - what the unit tests share: reading a history from a string,
 * and checking it as conch check would.
 */
#ifndef CONCH_TEST_HELPERS_H
#define CONCH_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/check.h"
#include "../../histories/read.h"
#include "../../util/mem.h"

/* Read text as a history; fails the test on an error. */
static inline history *th_read(const char *text)
{
    history *h = NULL;
    hist_error err = {0};
    hist_rc rc = hist_read_mem("t", text, strlen(text), NULL, &h, NULL, &err);
    cr_assert_eq(rc, HIST_OK, "read failed: %u:%u: %s", err.line, err.col, err.msg);
    return h;
}

/* A history from "p:type:f:value" events separated by spaces (value in
 * JSON, no spaces), every op on key (NULL: no key). */
static inline history *th_events(const char *spec, const char *key)
{
    sbuf b = {0};
    char *s = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char p[16], t[16], f[16], v[256];
        cr_assert_eq(sscanf(tok, "%15[^:]:%15[^:]:%15[^:]:%255s", p, t, f, v), 4, "%s", tok);
        sbuf_printf(&b, "{\"process\":%s,\"type\":\"%s\",\"f\":\"%s\",\"value\":%s%s%s%s}\n", p,
                    t, f, v, key ? ",\"key\":\"" : "", key ? key : "", key ? "\"" : "");
    }
    free(s);
    history *h = th_read(sbuf_str(&b));
    sbuf_free(&b);
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
