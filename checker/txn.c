/*
 * txn.c - checking a history of transactions: read the txns, let the
 * workload's analysis draw the dependency graph and find the anomalies of
 * single reads, add the order edges the model needs, find the cycles, and
 * tell what was found (txn.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txn_int.h"

#define DEFAULT_SHOWN 8

void txn_cases_add(txn_cases *c, const txn_nc *x)
{
    size_t before = c->count[x->type]++;
    if (before < c->max)
        VEC_PUSH(c->shown, *x);
}

void txn_cases_not_unique(txn_cases *c, const txn_db *db, uint32_t key, val v, uint32_t t1,
                          uint32_t t2)
{
    c->keys_not_unique++;
    if (c->not_unique_example)
        return;
    sbuf b = {0};
    txn_tell_key(db, key, &b);
    sbuf_adds(&b, " = ");
    txn_describe(db, v, &b);
    sbuf_adds(&b, db->wl == MODEL_TXN_RW_REGISTER ? " written at " : " appended at ");
    txn_tell_line(db, t1, &b);
    sbuf_adds(&b, " and ");
    txn_tell_line(db, t2, &b);
    c->not_unique_example = b.p;
}

void txn_cases_free(txn_cases *c)
{
    free(c->shown.v);
    free(c->not_unique_example);
    memset(c, 0, sizeof *c);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_shown(txn_found *f, txn_case *c)
{
    f->shown = xrealloc(f->shown, (f->nshown + 1) * sizeof *f->shown);
    f->shown[f->nshown++] = *c;
}

txn_rc txn_check(const history *h, const txn_opts *o, txn_result *r, sbuf *why)
{
    memset(r, 0, sizeof *r);
    double t0 = now();
    txn_db db;
    if (txn_db_load(&db, h, o->workload, why))
        return TXN_EFIT;
    size_t max = o->max_shown ? o->max_shown : DEFAULT_SHOWN;
    r->workload = db.wl;
    r->model = o->model;
    r->orders = o->orders | txn_cm_orders(o->model);
    r->ntxn = db.nt;
    r->nmops = db.nm;
    r->nkeys = db.nkeys;
    for (size_t i = 0; i < db.nt; i++) {
        r->nok += db.t[i].st == OP_OK;
        r->ninfo += db.t[i].st == OP_INFO;
        r->nfail += db.t[i].st == OP_FAIL;
    }
    txn_graph g;
    txn_graph_init(&g, (uint32_t)db.nt);
    txn_cases cases = {.max = max};
    txn_teller tl = {.db = &db};
    txn_la *la = NULL;
    txn_rw *rw = NULL;
    /* Linearizable keys are sequential too (a process's ok txn completes
     * before its next begins): the real-time orders include the process's. */
    r->assumed = db.wl != MODEL_TXN_RW_REGISTER          ? 0
                 : o->assume & TXN_ORDER_REALTIME ? TXN_ORDER_REALTIME
                                                   : o->assume & TXN_ORDER_PROCESS;
    g.assumed = r->assumed == TXN_ORDER_REALTIME ? TE_RT : r->assumed ? TE_PROC : 0;
    if (db.wl == MODEL_TXN_RW_REGISTER)
        tl.rw = rw = txn_rw_analyze(&db, &g, &cases, r->assumed);
    else
        tl.la = la = txn_la_analyze(&db, &g, &cases);
    txn_graph_orders(&g, &db, r->orders);
    txn_graph_finish(&g);
    r->nedges = g.nreal_edges;
    txn_cycles cy;
    txn_cycles_find(&g, o->search_budget, max, &cy);
    txn_graph_free(&g);
    r->nsccs = cy.nsccs;
    r->largest_scc = cy.largest;
    r->cut_short = cy.cut_short;
    for (int t = 0; t < TA_COUNT; t++) {
        r->found[t].count = t < TA_NCYCLE ? cy.count[t] : cases.count[t];
        if (r->found[t].count)
            r->anomalies |= 1ull << t;
    }
    for (size_t i = 0; i < cy.shown.n; i++) {
        txn_case c = {0};
        txn_tell_cycle(&tl, &cy.shown.v[i], &c);
        add_shown(&r->found[cy.shown.v[i].type], &c);
    }
    for (size_t i = 0; i < cases.shown.n; i++) {
        txn_case c = {0};
        txn_tell_case(&tl, &cases.shown.v[i], &c);
        add_shown(&r->found[cases.shown.v[i].type], &c);
    }
    r->ruled_out = txn_cm_ruled_out(r->anomalies, &r->weakest);
    r->keys_not_unique = cases.keys_not_unique;
    r->not_unique_example = cases.not_unique_example;
    cases.not_unique_example = NULL;
    uint64_t bad = txn_cm_forbids(o->model);
    if (r->anomalies & bad) {
        r->verdict = TXN_INVALID;
    } else if (r->keys_not_unique) {
        r->verdict = TXN_UNKNOWN;
        sbuf b = {0};
        sbuf_printf(&b, "%zu key%s left out: a value %s twice (%s)", r->keys_not_unique,
                    r->keys_not_unique == 1 ? "" : "s",
                    db.wl == MODEL_TXN_RW_REGISTER ? "written" : "appended", r->not_unique_example);
        r->why_unknown = b.p;
    } else if (r->cut_short & bad) {
        r->verdict = TXN_UNKNOWN;
        sbuf b = {0};
        sbuf_adds(&b, "the search for ");
        bool first = true;
        for (int t = 0; t < TA_NCYCLE; t++) {
            if (!(r->cut_short & bad & (1ull << t)))
                continue;
            sbuf_printf(&b, "%s%s", first ? "" : ", ", txn_anomaly_name((txn_anomaly)t));
            first = false;
        }
        sbuf_adds(&b, " cycles ran out of its budget in a large component");
        r->why_unknown = b.p;
    }
    txn_cycles_free(&cy);
    txn_cases_free(&cases);
    txn_la_free(la);
    txn_rw_free(rw);
    txn_db_free(&db);
    r->seconds = now() - t0;
    return TXN_OK;
}

void txn_result_free(txn_result *r)
{
    for (int t = 0; t < TA_COUNT; t++) {
        for (size_t i = 0; i < r->found[t].nshown; i++) {
            free(r->found[t].shown[i].text);
            free(r->found[t].shown[i].ops);
        }
        free(r->found[t].shown);
    }
    free(r->not_unique_example);
    free(r->why_unknown);
    memset(r, 0, sizeof *r);
}

bool txn_detect(const history *h, txn_workload *wl)
{
    const vtab *vt = hist_cvtab(h);
    const hist_op *ops = hist_ops(h);
    size_t n = hist_nops(h);
    bool any = false;
    int say = MODEL_TXN_AUTO, read_says = MODEL_TXN_AUTO;
    for (size_t i = 0; i < n && say == MODEL_TXN_AUTO; i++) {
        if (!model_is_txn(vt, ops[i].f))
            continue;
        any = true;
        val v = ops[i].status == OP_OK && !val_is_nil(ops[i].out) ? ops[i].out : ops[i].in;
        size_t k = 0;
        const val *it = v.kind == VAL_LIST ? val_items(vt, v, &k) : NULL;
        for (size_t j = 0; j < k && say == MODEL_TXN_AUTO; j++) {
            size_t m = 0;
            const val *x = it[j].kind == VAL_LIST ? val_items(vt, it[j], &m) : NULL;
            if (m < 2)
                continue;
            model_vop f = model_micro_vop(vt, x[0]);
            if (f == MV_APPEND)
                say = MODEL_TXN_LIST_APPEND;
            else if (f == MV_WRITE)
                say = MODEL_TXN_RW_REGISTER;
            else if (m == 3 && read_says == MODEL_TXN_AUTO && ops[i].status == OP_OK &&
                     !val_is_nil(x[2]))
                read_says = x[2].kind == VAL_LIST ? MODEL_TXN_LIST_APPEND : MODEL_TXN_RW_REGISTER;
        }
    }
    if (wl)
        *wl = say != MODEL_TXN_AUTO ? (txn_workload)say : (txn_workload)read_says;
    return any;
}
