/*
 * helpers.h - what the unit tests share: reading a history from a string,
 * checking it as conch check would, and compiling one part's ops as
 * check.c gives them to the checkers.
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

/* One part's ops as check.c gives them to the checkers: fail ops dropped,
 * ops that say nothing left out, and (if prune) what the model prunes. */
typedef struct th_upart {
    model md;
    lin_op *ops;
    size_t n;
} th_upart;

static inline void th_part(history *h, const char *model_name, const char *init, nil_read nil,
                         bool prune, th_upart *p)
{
    vtab *vt = hist_vtab(h);
    p->md = (model){model_find(model_name), vt, {val_nil(), nil}};
    cr_assert(p->md.type, "%s", model_name);
    if (init) {
        sbuf why = {0};
        cr_assert_eq(hist_val_from_json(vt, init, &p->md.opts.init, &why), 0);
    }
    p->ops = xcalloc(hist_nops(h) + 1, sizeof *p->ops);
    p->n = 0;
    for (size_t i = 0; i < hist_nops(h); i++) {
        const hist_op *o = &hist_ops(h)[i];
        mop m;
        sbuf why = {0};
        if (o->status == OP_FAIL)
            continue;
        model_rc rc = model_compile(&p->md, vt, o, &m, &why);
        cr_assert_neq(rc, MODEL_EOP, "%s", sbuf_str(&why));
        sbuf_free(&why);
        if (rc == MODEL_OK)
            p->ops[p->n++] = (lin_op){m, o->call, o->status == OP_OK ? o->ret : LIN_NEVER,
                                      (uint32_t)i};
    }
    if (!prune || !p->md.type->prune)
        return;
    mop *ms = xcalloc(p->n + 1, sizeof *ms);
    bool *drop = xcalloc(p->n + 1, sizeof *drop);
    for (size_t i = 0; i < p->n; i++)
        ms[i] = p->ops[i].m;
    p->md.type->prune(&p->md, ms, p->n, drop);
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (!drop[i])
            p->ops[k++] = p->ops[i];
    p->n = k;
    free(ms);
    free(drop);
}

#endif
