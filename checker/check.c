/*
 * check.c - see check.h.
 */
#include "check.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../histories/read.h"
#include "../util/clock.h"
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
    int64_t deadline_ns;
    budget *mem;
} uv_run;

/* Decide a part without search if its written values are unique (unique.h);
 * a part it cannot decide is left to the search, but one a limit stopped
 * is not searched (the search needs more time and memory still). */
static void uv_task(void *ctx, size_t i, int w)
{
    (void)w;
    uv_run *r = ctx;
    task *t = &r->tasks[i];
    lin_part *p = t->part;
    p->path = LIN_PATH_SEARCH;
    lin_limits lim = {r->deadline_ns, NULL, NULL, r->stop, NULL, NULL};
    bhold hold;
    budget_join(&hold, r->mem, false);
    uv_check(&t->md, t->ops, p->nops, &lim, &hold, &p->uv);
    budget_leave(&hold);
    if (p->uv.kind == UV_STOPPED) {
        p->r = (lin_result){.verdict = LIN_UNKNOWN, .stop = p->uv.stop};
        return;
    }
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
    if (o->txn_workload != MODEL_TXN_AUTO)
        return true;
    if (o->model || !txn_detect(h, &wl))
        return false;
    return o->txn_model_given || wl == MODEL_TXN_LIST_APPEND;
}

/* See check_opts: does this history go to a Jepsen workload's check? */
static jw_kind jw_wanted(check_item *it, const check_opts *o)
{
    it->jw_how = NULL;
    it->jw_also = MODEL_JW_NONE;
    if (o->jw.kind != MODEL_JW_NONE)
        return o->jw.kind;
    if (o->model || o->txn_workload != MODEL_TXN_AUTO || txn_wanted(it->h, o))
        return MODEL_JW_NONE;
    return jw_infer(it->h, &it->jw_how, &it->jw_also);
}

/* A Jepsen workload's verdict on an item's history. */
static void check_jw(check_item *it, const check_opts *o, jw_kind kind)
{
    jw_opts jo = o->jw;
    jo.kind = kind;
    jo.init_json = o->init_json;
    it->jw_checked = true;
    if (jw_check(it->h, &jo, &it->jw, &it->why))
        it->rc = CHECK_EOP;
}

/* The txn checker's verdict on an item's history. */
static void check_txn(check_item *it, const check_opts *o)
{
    txn_opts t = {.workload = o->txn_workload,
                  .model = o->txn_model_given ? o->txn_model : TXN_DEFAULT_CM,
                  .assume = o->txn_assume};
    it->txn_checked = true;
    it->txn_workload_named = o->txn_workload != MODEL_TXN_AUTO;
    it->txn_model_named = o->txn_model_given;
    if (txn_check(it->h, &t, &it->txn, &it->why) != TXN_OK)
        it->rc = CHECK_EOP;
}

/* The model an item's history is checked with (named, or inferred from
 * its f names), at its initial value; false, with it->rc and it->why
 * set, when there is none. */
static bool choose_model(check_item *it, const check_opts *o)
{
    history *h = it->h;
    it->md.vt = hist_vtab(h);
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
            it->rc = CHECK_ENOMODEL;
            return false;
        }
    }
    if (o->init_json) {
        sbuf e = {0};
        if (hist_val_from_json(hist_vtab(h), o->init_json, &it->md.opts.init, &e)) {
            sbuf_printf(&it->why, "--init: %s", sbuf_str(&e));
            sbuf_free(&e);
            it->rc = CHECK_EINIT;
            return false;
        }
    }
    if (it->md.type->init_ok && !it->md.type->init_ok(&it->md, &it->why)) {
        sbuf msg = {0};
        sbuf_printf(&msg, "--init: %s", sbuf_str(&it->why));
        sbuf_free(&it->why);
        it->why = msg;
        it->rc = CHECK_EINIT;
        return false;
    }
    return true;
}

/* Compile an item's ops into *mo; false, with it->rc and it->why saying
 * which op does not fit the model, if one does not. */
static bool compile(check_item *it, model_ops *mo)
{
    history *h = it->h;
    uint32_t bad;
    sbuf why = {0};
    if (model_compile_ops(&it->md, hist_vtab(h), h, mo, &bad, &why) == MODEL_EOP) {
        const hist_pos *ce = &hist_positions(h)[hist_ops(h)[bad].call];
        sbuf_printf(&it->why, "%s:%u: %s", hist_name(h), ce->line, sbuf_str(&why));
        sbuf_free(&why);
        it->rc = CHECK_EOP;
        return false;
    }
    it->nsearch = mo->n;
    it->nskipped = mo->nskipped;
    it->nfail = mo->nfail;
    return true;
}

/* Split an item's compiled ops into independent parts (model_split), and
 * append a task per part. Each op is compiled a second time, straight into
 * its part's array, once mo's array is freed: a copy from it would hold the
 * compiled ops twice at once, which was the peak of a whole check's memory
 * (56 bytes an op, beside the parts' 72). A compile is a few dozen
 * nanoseconds and gives the same mop again. */
static void add_parts(check_item *it, model_ops *mo, task_vec *tasks)
{
    const hist_op *hops = hist_ops(it->h);
    size_t k = mo->n;
    uint32_t *part = xmalloc((k ? k : 1) * sizeof *part);
    size_t np = model_split(&it->md, mo->m, k, part);
    free(mo->m);
    mo->m = NULL;
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
    vtab *vt = hist_vtab(it->h);
    for (size_t i = 0; i < k; i++) {
        size_t p = part[i], j = fill[p]++;
        const hist_op *ho = &hops[mo->id[i]];
        lin_op *lo = &pops[p][j];
        sbuf why = {0};
        model_rc rc = model_compile(&it->md, vt, ho, &lo->m, &why);
        sbuf_free(&why);
        assert(rc == MODEL_OK); /* as the first time (compile) */
        (void)rc;
        lo->call = ho->call;
        lo->ret = ho->status == OP_OK ? ho->ret : LIN_NEVER;
        lo->id = mo->id[i];
        if (j == 0) {
            it->parts[p].key = lo->m.key;
            it->parts[p].keyed = ho->has_key;
        }
        it->parts[p].ids[j] = mo->id[i];
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
}

/* Everything of an item that comes before the searches: the txn checker,
 * or the model, compiling its ops, the session checks (they take time
 * linear in the history, and so do not wait behind a search that may use
 * all the time there is), and its parts' tasks. */
static void prepare(check_item *it, const check_opts *o, const sess_limits *sl, task_vec *tasks)
{
    jw_kind jw = jw_wanted(it, o);
    if (jw != MODEL_JW_NONE) {
        check_jw(it, o, jw);
        return;
    }
    if (txn_wanted(it->h, o)) {
        progress_phase(o->progress, PHASE_TXN);
        check_txn(it, o);
        return;
    }
    progress_phase(o->progress, PHASE_PREPARE);
    model_ops mo;
    if (!choose_model(it, o) || !compile(it, &mo))
        return;
    if (o->checks & SESS_ALL_CHECKS) {
        progress_phase(o->progress, PHASE_SESSIONS);
        it->sess_checked = true;
        sess_check(it->h, &it->md, &mo, o->order, o->checks & SESS_ALL_CHECKS, o->jobs, sl,
                   &it->sess);
    }
    if (o->checks & CHECK_LIN) {
        progress_phase(o->progress, PHASE_PREPARE);
        it->lin_checked = true;
        add_parts(it, &mo, tasks);
    }
    model_ops_free(&mo);
}

/* ---- the smallest counterexample of each invalid part (shrink.h) ---- */

typedef struct shrink_run {
    task **parts;          /* the invalid parts */
    size_t n;
    _Atomic size_t started;
    int64_t deadline_ns;
    int threads;
    _Atomic int *stop;
    budget *mem;
} shrink_run;

/* The ops the verdict named, where the shrinker looks first. */
static size_t anchors_of(const lin_part *p, uint32_t *a)
{
    size_t k = 0;
    a[k++] = p->r.fail;
    if (p->path == LIN_PATH_UNIQUE) {
        for (size_t i = 0; i < p->uv.nops; i++)
            if (p->uv.ops[i] != UV_OP_INIT)
                a[k++] = p->uv.ops[i];
        return k;
    }
    for (size_t i = p->r.nprefix > 8 ? p->r.nprefix - 8 : 0; i < p->r.nprefix; i++)
        a[k++] = p->r.prefix[i];
    for (size_t i = 0; i < p->r.npending; i++)
        a[k++] = p->r.pending[i];
    return k;
}

/* Shrink invalid part i. Each part that starts gets a share of the time
 * left: that time over the rounds the parts still waiting make on the
 * workers (as sched.c shares the search's). */
static void shrink_task(void *ctx, size_t i, int w)
{
    (void)w;
    shrink_run *r = ctx;
    task *t = r->parts[i];
    size_t waiting = r->n - atomic_fetch_add(&r->started, 1);
    int64_t now = clock_now_ns(), left = r->deadline_ns - now;
    size_t rounds = (waiting + (size_t)r->threads - 1) / (size_t)r->threads;
    shrink_limits lim = {now + (left > 0 ? left : 0) / (int64_t)(rounds ? rounds : 1), r->stop};
    bhold h;
    budget_join(&h, r->mem, true);
    lin_ws *ws = lin_ws_new(&h);
    uint32_t a[1 + UV_MAX_OPS + 8 + LIN_MAX_PENDING];
    size_t na = anchors_of(t->part, a);
    shrink_part(&t->md, t->ops, t->part->nops, t->part->path == LIN_PATH_UNIQUE, a, na, &lim, ws,
                &t->part->shrunk);
    lin_ws_free(ws);
    budget_leave(&h);
}

static void shrink_parts(task_vec *tasks, const check_opts *o, int threads, budget *mem)
{
    shrink_run r = {.deadline_ns = clock_now_ns() + (int64_t)(o->minimize_s * 1e9),
                    .threads = threads, .stop = o->stop, .mem = mem};
    r.parts = xmalloc((tasks->n ? tasks->n : 1) * sizeof *r.parts);
    for (size_t i = 0; i < tasks->n; i++)
        if (tasks->v[i].part->r.verdict == LIN_INVALID)
            r.parts[r.n++] = &tasks->v[i];
    atomic_init(&r.started, 0);
    if (r.n)
        pool_run(r.n, threads, shrink_task, &r);
    free(r.parts);
}

void check_run(check_item *items, size_t n, const check_opts *opts)
{
    check_opts oc = *opts;
    if (!oc.checks)
        oc.checks = CHECK_DEFAULT;
    const check_opts *o = &oc;
    budget *mem = budget_new(o->max_memory);
    sched_opts so = {o->jobs > 0 ? o->jobs : pool_cores(), 0, mem, o->stop, o->all_parts,
                     o->progress};
    if (o->timeout_s > 0)
        so.deadline_ns = clock_now_ns() + (int64_t)(o->timeout_s * 1e9);
    task_vec tasks = {0};
    sess_limits sl = {so.deadline_ns, o->stop, mem};
    for (size_t i = 0; i < n; i++)
        prepare(&items[i], o, &sl, &tasks);
    progress_parts(o->progress, tasks.n);

    /* First without search, where the part's written values are unique:
     * linear-ish time, so every part gets it before any search begins. */
    if (!o->search_only && tasks.n) {
        progress_phase(o->progress, PHASE_UNIQUE);
        uv_run ur = {tasks.v, o->stop, so.deadline_ns, mem};
        pool_run(tasks.n, so.threads, uv_task, &ur);
        size_t decided = 0;
        for (size_t i = 0; i < tasks.n; i++)
            decided += tasks.v[i].part->path == LIN_PATH_UNIQUE;
        progress_done(o->progress, decided);
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
        if (t->part->path == LIN_PATH_UNIQUE || t->part->uv.kind == UV_STOPPED)
            continue;
        if (o->search_only)
            t->part->uv = (uv_result){.verdict = LIN_UNKNOWN, .kind = UV_SEARCH_ASKED};
        st[ns].md = &t->md;
        st[ns].ops = t->ops;
        st[ns].nops = t->part->nops;
        st[ns].cancel = &cancel[t->item - items];
        st[ns].item = (size_t)(t->item - items);
        st[ns].part = (size_t)(t->part - t->item->parts);
        ns++;
    }
    progress_phase(o->progress, PHASE_SEARCH);
    sched_run(st, ns, &so);
    for (size_t i = 0, k = 0; i < tasks.n; i++) {
        lin_part *p = tasks.v[i].part;
        if (p->path == LIN_PATH_SEARCH && p->uv.kind != UV_STOPPED) {
            p->r = st[k].r;
            p->attempts = st[k].attempts;
            p->seconds = st[k].seconds;
            k++;
        }
    }
    if (o->minimize_s > 0) {
        progress_phase(o->progress, PHASE_SHRINK);
        shrink_parts(&tasks, o, so.threads, mem);
    }
    progress_phase(o->progress, PHASE_DONE);
    for (size_t i = 0; i < tasks.n; i++)
        free(tasks.v[i].ops);
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
        if (it->jw_checked) {
            static const lin_verdict of[] = {[JW_VALID] = LIN_VALID, [JW_INVALID] = LIN_INVALID,
                                             [JW_UNKNOWN] = LIN_UNKNOWN};
            it->verdict = of[it->jw.verdict];
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
    jw_result_free(&it->jw);
    sess_result_free(&it->sess);
    for (size_t p = 0; p < it->nparts; p++) {
        lin_result_free(&it->parts[p].r);
        shrink_result_free(&it->parts[p].shrunk);
        free(it->parts[p].ids);
    }
    free(it->parts);
    sbuf_free(&it->why);
    it->parts = NULL;
    it->nparts = 0;
}
