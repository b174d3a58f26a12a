/*
 * check.c - see check.h.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../histories/read.h"
#include "../util/mem.h"
#include "../util/pool.h"
#include "sched.h"

typedef struct task {
    check_item *item;
    lin_part *part;
    lin_op *ops;
    model md; /* the item's, starting at the part's initial value */
} task;

typedef VEC(task) task_vec;

/* The op an invalid part decided without search is reported at: the one
 * that completed too early, or that needs what cannot be. */
static uint32_t uv_culprit(const uv_result *u)
{
    switch (u->kind) {
    case UV_TWO_NEXT:
    case UV_ORDER:
    case UV_OVERLAP: return u->ops[1];
    default: return u->ops[0];
    }
}

typedef struct uv_run {
    task *tasks;
    _Atomic int *stop;
} uv_run;

/* Decide a part without search if its written values are unique (unique.h);
 * a part it cannot decide is left to the search. */
static void uv_task(void *ctx, size_t i, int w)
{
    (void)w;
    uv_run *r = ctx;
    task *t = &r->tasks[i];
    lin_part *p = t->part;
    p->path = LIN_PATH_SEARCH;
    if (r->stop && atomic_load(r->stop)) {
        p->uv = (uv_result){.verdict = LIN_UNKNOWN, .kind = UV_NONE};
        return;
    }
    uv_check(&t->md, t->ops, p->nops, &p->uv);
    if (p->uv.verdict == LIN_UNKNOWN)
        return;
    p->path = LIN_PATH_UNIQUE;
    p->r = (lin_result){.verdict = p->uv.verdict, .bytes = p->uv.bytes, .seconds = p->uv.seconds};
    if (p->uv.verdict == LIN_INVALID)
        p->r.fail = uv_culprit(&p->uv);
    p->attempts = 1;
    p->seconds = p->uv.seconds;
}

/* Leave out of a part the ops its model says cannot change its verdict. */
static void prune_part(check_item *it, lin_part *part, lin_op *ops)
{
    size_t n = part->nops;
    mop *ms = xmalloc((n ? n : 1) * sizeof *ms);
    bool *drop = xcalloc(n ? n : 1, sizeof *drop);
    for (size_t i = 0; i < n; i++)
        ms[i] = ops[i].m;
    it->md.type->prune(&it->md, ms, n, drop);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) {
            it->npruned++;
            continue;
        }
        ops[k] = ops[i];
        part->ids[k] = part->ids[i];
        k++;
    }
    part->nops = k;
    free(ms);
    free(drop);
}

/* See check_opts: does this history go to the txn checker? */
static bool txn_wanted(const history *h, const check_opts *o)
{
    txn_workload wl;
    if (o->txn_workload != TXN_AUTO)
        return true;
    if (o->model || !txn_detect(h, &wl))
        return false;
    return o->txn_model_given || wl == TXN_LIST_APPEND;
}

/* Compile and split one history; append its parts' tasks. */
static void prepare(check_item *it, const check_opts *o, task_vec *tasks)
{
    history *h = it->h;
    if (txn_wanted(h, o)) {
        txn_opts t = {.workload = o->txn_workload,
                      .model = o->txn_model_given ? o->txn_model : TXN_DEFAULT_CM,
                      .assume = o->txn_assume};
        it->txn_checked = true;
        it->txn_workload_named = o->txn_workload != TXN_AUTO;
        it->txn_model_named = o->txn_model_given;
        if (txn_check(h, &t, &it->txn, &it->why))
            it->rc = 2;
        return;
    }
    vtab *vt = hist_vtab(h);
    const hist_op *hops = hist_ops(h);
    size_t n = hist_nops(h);
    const hist_event *ev = hist_events(h);
    it->md.vt = vt;
    it->md.opts.nil = o->nil;
    it->md.opts.init = val_nil();
    it->md.type = o->model;
    if (!it->md.type) {
        it->md.type = model_infer(h, &it->why);
        it->inferred = true;
        if (!it->md.type) {
            sbuf msg = {0};
            sbuf_printf(&msg, "%s: %s", hist_name(h), sbuf_str(&it->why));
            sbuf_free(&it->why);
            it->why = msg;
            it->rc = 2;
            return;
        }
    }
    if (o->init_json) {
        sbuf e = {0};
        if (hist_val_from_json(vt, o->init_json, &it->md.opts.init, &e)) {
            sbuf_printf(&it->why, "--init: %s", sbuf_str(&e));
            sbuf_free(&e);
            it->rc = 2;
            return;
        }
    }
    if (it->md.type->init_ok && !it->md.type->init_ok(&it->md, &it->why)) {
        sbuf msg = {0};
        sbuf_printf(&msg, "--init: %s", sbuf_str(&it->why));
        sbuf_free(&it->why);
        it->why = msg;
        it->rc = 2;
        return;
    }

    lin_op *ops = xmalloc((n ? n : 1) * sizeof *ops);
    uint32_t *ids = xmalloc((n ? n : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const hist_op *ho = &hops[i];
        if (ho->status == OP_FAIL) {
            it->nfail++;
            continue;
        }
        mop m;
        sbuf why = {0};
        model_rc rc = model_compile(&it->md, vt, ho, &m, &why);
        if (rc == MODEL_EOP) {
            const hist_event *ce = &ev[ho->call];
            sbuf_printf(&it->why, "%s:%u: %s", hist_name(h), ce->line, sbuf_str(&why));
            sbuf_free(&why);
            it->rc = 2;
            free(ops);
            free(ids);
            return;
        }
        sbuf_free(&why);
        if (rc == MODEL_SKIP) {
            it->nskipped++;
            continue;
        }
        ops[k] = (lin_op){m, ho->call, ho->status == OP_OK ? ho->ret : LIN_NEVER, 0};
        ids[k] = (uint32_t)i;
        k++;
    }
    it->nsearch = k;
    if (!(o->checks & CHECK_LIN)) {
        free(ops);
        free(ids);
        return;
    }
    it->lin_checked = true;

    mop *ms = xmalloc((k ? k : 1) * sizeof *ms);
    for (size_t i = 0; i < k; i++)
        ms[i] = ops[i].m;
    uint32_t *part = xmalloc((k ? k : 1) * sizeof *part);
    size_t np = model_split(&it->md, ms, k, part);
    free(ms);

    it->parts = xcalloc(np ? np : 1, sizeof *it->parts);
    it->nparts = np;
    size_t *fill = xcalloc(np ? np : 1, sizeof *fill);
    for (size_t i = 0; i < k; i++)
        it->parts[part[i]].nops++;
    lin_op **pops = xmalloc((np ? np : 1) * sizeof *pops);
    for (size_t p = 0; p < np; p++) {
        pops[p] = xmalloc((it->parts[p].nops ? it->parts[p].nops : 1) * sizeof **pops);
        it->parts[p].ids = xmalloc((it->parts[p].nops ? it->parts[p].nops : 1) * sizeof(uint32_t));
    }
    for (size_t i = 0; i < k; i++) {
        size_t p = part[i], j = fill[p]++;
        if (j == 0) {
            it->parts[p].key = ops[i].m.key;
            it->parts[p].keyed = hops[ids[i]].has_key;
        }
        pops[p][j] = ops[i];
        pops[p][j].id = ids[i];
        it->parts[p].ids[j] = ids[i];
    }
    if (it->md.type->prune)
        for (size_t p = 0; p < np; p++)
            prune_part(it, &it->parts[p], pops[p]);
    for (size_t p = 0; p < np; p++) {
        task t = {it, &it->parts[p], pops[p], it->md};
        if (it->parts[p].nops)
            t.md = model_for_part(&it->md, &pops[p][0].m);
        VEC_PUSH(*tasks, t);
    }
    free(pops);
    free(fill);
    free(part);
    free(ops);
    free(ids);
}

void check_run(check_item *items, size_t n, const check_opts *opts)
{
    check_opts oc = *opts;
    if (!oc.checks)
        oc.checks = CHECK_DEFAULT;
    const check_opts *o = &oc;
    budget *mem = budget_new(o->max_memory);
    sched_opts so = {o->jobs > 0 ? o->jobs : pool_cores(), 0, mem, o->stop, o->all_parts};
    if (o->timeout_s > 0)
        so.deadline_ns = sched_now_ns() + (int64_t)(o->timeout_s * 1e9);
    task_vec tasks = {0};
    for (size_t i = 0; i < n; i++)
        prepare(&items[i], o, &tasks);

    /* The session checks first: they take time linear in the history, and
     * so do not wait behind a search that may use all the time there is. */
    sess_limits sl = {so.deadline_ns, o->stop, mem};
    for (size_t i = 0; i < n; i++) {
        check_item *it = &items[i];
        if (it->rc || it->txn_checked || !(o->checks & SESS_ALL_CHECKS))
            continue;
        it->sess_checked = true;
        sess_check(it->h, &it->md, o->order, o->checks & SESS_ALL_CHECKS, o->jobs, &sl, &it->sess);
    }

    /* First without search, where the part's written values are unique:
     * linear-ish time, so every part gets it before any search begins. */
    if (!o->search_only && tasks.n) {
        uv_run ur = {tasks.v, o->stop};
        pool_run(tasks.n, so.threads, uv_task, &ur);
    }

    /* One flag per history: its parts stop once one of them is invalid
     * (already so when the path without search found one). */
    _Atomic int *cancel = xmalloc((n ? n : 1) * sizeof *cancel);
    for (size_t i = 0; i < n; i++)
        atomic_init(&cancel[i], 0);
    for (size_t i = 0; i < tasks.n && !o->all_parts; i++)
        if (tasks.v[i].part->path == LIN_PATH_UNIQUE && tasks.v[i].part->r.verdict == LIN_INVALID)
            atomic_store(&cancel[tasks.v[i].item - items], 1);
    sched_task *st = xcalloc(tasks.n ? tasks.n : 1, sizeof *st);
    size_t ns = 0;
    for (size_t i = 0; i < tasks.n; i++) {
        task *t = &tasks.v[i];
        if (t->part->path == LIN_PATH_UNIQUE)
            continue;
        if (o->search_only)
            t->part->uv = (uv_result){.verdict = LIN_UNKNOWN, .kind = UV_SEARCH_ASKED};
        st[ns].md = &t->md;
        st[ns].ops = t->ops;
        st[ns].nops = t->part->nops;
        st[ns].cancel = &cancel[t->item - items];
        ns++;
    }
    sched_run(st, ns, &so);
    for (size_t i = 0, k = 0; i < tasks.n; i++) {
        lin_part *p = tasks.v[i].part;
        if (p->path == LIN_PATH_SEARCH) {
            p->r = st[k].r;
            p->attempts = st[k].attempts;
            p->seconds = st[k].seconds;
            k++;
        }
        free(tasks.v[i].ops);
    }
    free(st);
    free(cancel);
    free(tasks.v);
    budget_free(mem);

    for (size_t i = 0; i < n; i++) {
        check_item *it = &items[i];
        if (it->txn_checked) {
            static const lin_verdict of[] = {[TXN_VALID] = LIN_VALID, [TXN_INVALID] = LIN_INVALID,
                                             [TXN_UNKNOWN] = LIN_UNKNOWN};
            it->verdict = of[it->txn.verdict];
            continue;
        }
        it->lin = LIN_VALID;
        for (size_t p = 0; p < it->nparts; p++) {
            lin_verdict v = it->parts[p].r.verdict;
            it->seconds += it->parts[p].seconds;
            it->nunsearched += it->parts[p].attempts == 0;
            if (v == LIN_INVALID)
                it->lin = LIN_INVALID;
            else if (v == LIN_UNKNOWN && it->lin == LIN_VALID)
                it->lin = LIN_UNKNOWN;
        }
        it->verdict = it->lin_checked ? it->lin : LIN_VALID;
        for (int g = 0; it->sess_checked && g < SG_COUNT; g++) {
            if (it->sess.g[g].status == SS_VIOLATED)
                it->verdict = LIN_INVALID;
            else if (it->sess.g[g].status == SS_UNKNOWN && it->verdict == LIN_VALID)
                it->verdict = LIN_UNKNOWN;
        }
    }
}

void check_item_free(check_item *it)
{
    txn_result_free(&it->txn);
    sess_result_free(&it->sess);
    for (size_t p = 0; p < it->nparts; p++) {
        lin_result_free(&it->parts[p].r);
        free(it->parts[p].ids);
    }
    free(it->parts);
    sbuf_free(&it->why);
    it->parts = NULL;
    it->nparts = 0;
}
