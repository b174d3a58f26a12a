/*
 * session_graph.c - the session guarantees in an inferred order.
 *
 * Values written to a key are unique, so a read names the write it saw and
 * each value is a version. Build a graph per key whose nodes are versions
 * and whose edges are orderings: facts (the initial value is first; a cas
 * replaced old with new) and the guarantee's demands ("a <= b": the
 * session wrote a and then read b). An order exists iff the graph has no
 * cycle through two different versions; such a cycle, found as a strongly
 * connected component (Tarjan 1972, util/graph.h) holding two versions, is
 * the explanation, and no cycle means no violation: nothing is reported
 * that some order would allow. Demands between every earlier write and
 * every later read of a session would be quadratic; a chain of helper
 * nodes per session and key (write, helper, helper, ..., read) gives the
 * same paths with one sess_edge per op.
 *
 * realtime: inferred, plus the fact that a write that completed before
 * another began is older (what a single-leader store promises), again
 * through a chain of helper nodes, one per completion.
 *
 * Keys are searched in parallel (util/pool.h), each by one worker in
 * arrays it reuses from key to key.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/graph.h"
#include "../util/pool.h"
#include "session_int.h"

/* Strict orderings (<); the others are <= (a session may read its own
 * write, or the same version twice). */
static bool strict(int kind)
{
    return kind == E_INIT || kind == E_CAS || kind == E_RT_OUT || kind == E_MW ||
           kind == E_WFR_OUT;
}

#define M_FACT 0x3f
#define M_RYW (BIT(SG_RYW) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_MR (BIT(SG_MR) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_MW (BIT(SG_MW) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_WFR (BIT(SG_WFR) | BIT(SG_ALL))

static uint32_t new_node(sess_graph *gr, int kind)
{
    uint32_t id = (uint32_t)gr->nkind.n;
    VEC_PUSH(gr->nkind, (uint8_t)kind);
    return id;
}

static inline void add_edge(sess_graph *gr, uint32_t from, uint32_t to, int kind, unsigned mask,
                            uint32_t a, uint32_t b)
{
    if (from == to)
        return;
    graph_edge l = {from, to, (uint8_t)mask};
    sess_edge e = {a, b, (uint8_t)kind};
    VEC_PUSH(gr->links, l);
    VEC_PUSH(gr->edges, e);
}

/* A session's walk through one key, by kind of op (OB_READ, OB_WRITE). */
typedef struct inf_state {
    uint32_t chain[2];    /* the last helper of the chain ops of a kind make (+1; 0 none):
                           * writes' carry RYW, reads' WFR */
    uint32_t last[2];     /* the version of the last op of a kind (ok writes only) (+1) */
    uint32_t last_obs[2];
} inf_state;

/* How an op of a kind meets its session's demands: it ends the chain of
 * the other kind's ops (RYW: a read after writes; WFR: a write after
 * reads), follows the last op of its own kind (MR, MW), and starts or
 * extends a chain of its own kind for the ops to come. */
typedef struct side {
    int end_g, end_kind, last_g, last_kind, start_kind;
    unsigned end_mask, last_mask, start_mask;
} side;

static const side sides[2] = {
    [OB_READ] = {SG_RYW, E_RYW_OUT, SG_MR, E_MR, E_WFR_IN, M_RYW, M_MR, M_WFR},
    [OB_WRITE] = {SG_WFR, E_WFR_OUT, SG_MW, E_MW, E_RYW_IN, M_WFR, M_MW, M_RYW},
};

/* What one worker reuses from key to key: the key's graph, its maps, and
 * the search's arrays, grown to the largest key seen. Keys are searched
 * one at a time in these small arrays, which keeps the work in cache, and
 * keys go to workers in parallel. */
typedef struct found {
    uint32_t key;
    int g;
    char *text;
    uint32_t *ops;
    size_t nops;
} found;

typedef struct kwork {
    sess_graph gr;
    graph_rows rows;   /* gr's edges in rows */
    graph g;
    sess_vnmap vm;          /* value -> node, for the key at hand (key number 0) */
    sess_pairmap pm;        /* session -> state */
    VEC(inf_state) st;
    sess_u32vec done;       /* ok writes by completion (realtime) */
    sess_u32vec helper;
    graph_ws gws;
    uint32_t *comp, *first_v, *second_v, *strict_e;
    size_t cap;        /* of the arrays above, in nodes */
    size_t pairs[4];
    VEC(found) found;
    sess_u32vec dup;        /* keys left out: a value written twice (obs pairs) */
    bhold hold;        /* what this worker's tables are charged to */
    size_t charged;
} kwork;

/* What a worker's tables hold. */
static size_t kwork_bytes(const kwork *w)
{
    return w->gr.nkind.cap + w->gr.links.cap * sizeof(graph_edge) +
           w->gr.edges.cap * sizeof(sess_edge) + graph_rows_bytes(&w->rows) +
           graph_ws_bytes(&w->gws) +
           w->vm.cap * sizeof *w->vm.s + w->pm.cap * 12 + w->st.cap * sizeof(inf_state) +
           (w->done.cap + w->helper.cap) * 4 + w->cap * 4 * 4;
}

static void kwork_free(kwork *w)
{
    budget_leave(&w->hold);
    free(w->gr.nkind.v);
    free(w->gr.links.v);
    free(w->gr.edges.v);
    graph_rows_free(&w->rows);
    graph_ws_free(&w->gws);
    free(w->vm.s);
    sess_pairmap_free(&w->pm);
    free(w->st.v);
    free(w->done.v);
    free(w->helper.v);
    free(w->comp);
    free(w->first_v);
    free(w->second_v);
    free(w->strict_e);
    free(w->found.v);
    free(w->dup.v);
}

static void kwork_reserve(kwork *w, size_t n)
{
    if (n <= w->cap)
        return;
    size_t c = w->cap ? w->cap : 256;
    while (c < n)
        c *= 2;
    uint32_t **arrs[] = {&w->comp, &w->first_v, &w->second_v, &w->strict_e};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++)
        *arrs[i] = xrealloc(*arrs[i], c * sizeof(uint32_t));
    w->cap = c;
    graph_ws_reserve(&w->gws, (uint32_t)c);
}

/* Order obs indices by when their op completed. */
static int by_completion(const void *a, const void *b, void *cv)
{
    sess_ctx *c = cv;
    const sess_obs *x = &c->obs.v[*(const uint32_t *)a], *y = &c->obs.v[*(const uint32_t *)b];
    uint32_t rx = hist_ops(c->h)[x->op].ret, ry = hist_ops(c->h)[y->op].ret;
    return rx < ry ? -1 : rx > ry;
}

static void reset_key(kwork *w)
{
    w->gr.nkind.n = w->gr.links.n = w->gr.edges.n = 0;
    if (w->vm.cap)
        memset(w->vm.s, 0, w->vm.cap * sizeof *w->vm.s);
    w->vm.n = 0;
    if (w->pm.cap)
        memset(w->pm.k, 0, w->pm.cap * sizeof *w->pm.k);
    w->pm.n = 0;
    w->st.n = 0;
    w->done.n = 0;
    w->helper.n = 0;
}

/* The initial value first, then a node per version named (by the obs,
 * and by the old values of cas), and the facts: the initial value comes
 * first, and a cas replaced its old value with its new. */
static void add_versions(sess_ctx *c, kwork *w, const uint32_t *ko, size_t n)
{
    sess_graph *gr = &w->gr;
    const sess_obs *ob = c->obs.v;
    uint32_t init = new_node(gr, N_VERSION);
    *sess_vn_slot(&w->vm, 0, c->keys.v[ob[ko[0]].key].init) = init + 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t *slot = sess_vn_slot(&w->vm, 0, ob[ko[i]].value);
        if (!*slot) {
            *slot = new_node(gr, N_VERSION) + 1;
            add_edge(gr, init, *slot - 1, E_INIT, M_FACT, UINT32_MAX, UINT32_MAX);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const sess_obs *o = &ob[ko[i]];
        if (o->kind != OB_WRITE || !o->has_old)
            continue;
        uint32_t *slot = sess_vn_slot(&w->vm, 0, sess_old_of(c, ko[i]));
        if (!*slot) { /* a value nobody else names: a version all the same */
            *slot = new_node(gr, N_VERSION) + 1;
            add_edge(gr, init, *slot - 1, E_INIT, M_FACT, UINT32_MAX, UINT32_MAX);
        }
        uint32_t from = *slot - 1;
        add_edge(gr, from, *sess_vn_slot(&w->vm, 0, o->value) - 1, E_CAS, M_FACT, ko[i], ko[i]);
    }
}

/* Completions of ok writes in real-time order: helper nodes chained in
 * that order; a write that began after a completion hangs off the last
 * completion before its call. */
static void add_realtime(sess_ctx *c, kwork *w, const uint32_t *ko, size_t n)
{
    sess_graph *gr = &w->gr;
    const sess_obs *ob = c->obs.v;
    for (size_t i = 0; i < n; i++)
        if (ob[ko[i]].kind == OB_WRITE && ob[ko[i]].ok)
            VEC_PUSH(w->done, ko[i]);
    if (w->done.n > 1)
        qsort_r(w->done.v, w->done.n, sizeof *w->done.v, by_completion, c);
    const hist_op *hops = hist_ops(c->h);
    for (size_t i = 0; i < w->done.n; i++) {
        const sess_obs *o = &ob[w->done.v[i]];
        uint32_t hl = new_node(gr, N_HELPER);
        VEC_PUSH(w->helper, hl);
        add_edge(gr, *sess_vn_slot(&w->vm, 0, o->value) - 1, hl, E_RT_IN, M_FACT, w->done.v[i],
                 UINT32_MAX);
        if (i)
            add_edge(gr, w->helper.v[i - 1], hl, E_CHAIN, M_FACT, UINT32_MAX, UINT32_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        const sess_obs *o = &ob[ko[i]];
        if (o->kind != OB_WRITE)
            continue;
        uint32_t call = hops[o->op].call;
        size_t lo = 0, hi = w->done.n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (hops[ob[w->done.v[mid]].op].ret < call)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0)
            add_edge(gr, w->helper.v[lo - 1], *sess_vn_slot(&w->vm, 0, o->value) - 1, E_RT_OUT,
                     M_FACT, UINT32_MAX, ko[i]);
    }
}

/* The demands of obs oi, of the kind given, at version node, on its
 * session's state s (see side). */
static void add_demands(kwork *w, inf_state *s, int kind, uint32_t node, uint32_t oi)
{
    sess_graph *gr = &w->gr;
    const side *d = &sides[kind];
    int other = kind == OB_READ ? OB_WRITE : OB_READ;
    if (s->chain[other]) {
        w->pairs[d->end_g]++;
        add_edge(gr, s->chain[other] - 1, node, d->end_kind, d->end_mask, UINT32_MAX, oi);
    }
    if (s->last[kind]) {
        w->pairs[d->last_g]++;
        add_edge(gr, s->last[kind] - 1, node, d->last_kind, d->last_mask, s->last_obs[kind], oi);
    }
    uint32_t hlp = new_node(gr, N_HELPER);
    add_edge(gr, node, hlp, d->start_kind, d->start_mask, oi, UINT32_MAX);
    if (s->chain[kind])
        add_edge(gr, s->chain[kind] - 1, hlp, E_CHAIN, d->start_mask, UINT32_MAX, UINT32_MAX);
    s->chain[kind] = hlp + 1;
    s->last[kind] = node + 1;
    s->last_obs[kind] = oi;
}

/* Build the graph of one key from its obs (indices, in op order). */
static void build_key(sess_ctx *c, kwork *w, const uint32_t *ko, size_t n, bool realtime)
{
    const sess_obs *ob = c->obs.v;
    add_versions(c, w, ko, n);
    if (realtime)
        add_realtime(c, w, ko, n);
    /* Demands, walking each session in order. */
    for (size_t i = 0; i < n; i++) {
        const sess_obs *o = &ob[ko[i]];
        uint32_t p = sess_pair_id(&w->pm, o->sess, 0);
        if (p == w->st.n) {
            inf_state s0 = {0};
            VEC_PUSH(w->st, s0);
        }
        if (o->kind == OB_READ || o->ok)
            add_demands(w, &w->st.v[p], o->kind, *sess_vn_slot(&w->vm, 0, o->value) - 1, ko[i]);
    }
}

/* A shortest path from a to b inside their component, over edges in
 * mask: appends its edges to path; false if there is none. */
static bool find_path(kwork *w, unsigned mask, uint32_t a, uint32_t b, sess_u32vec *path)
{
    VEC_RESERVE(*path, path->n + w->g.n);
    size_t k = graph_path(&w->g, mask, w->comp, a, b, &w->gws, path->v + path->n);
    for (size_t i = 0; i < k; i++)
        path->v[path->n + i] = w->rows.edge[path->v[path->n + i]];
    path->n += k;
    return k > 0;
}

/* Search one key's graph (w->g, built) for each guarantee; explanations
 * go to w->found. */
static void search_key(sess_ctx *c, kwork *w, uint32_t key)
{
    sess_graph *gr = &w->gr;
    size_t n = gr->nkind.n;
    /* Any cycle of a guarantee's edges is a cycle of the union of all
     * edges: the union is searched first, and only if it has a cycle that
     * no order allows is each guarantee searched on its own. */
    static const int passes[] = {SG_ALL, SG_RYW, SG_MR, SG_MW, SG_WFR, SG_PRAM};
    for (size_t pi = 0; pi < sizeof passes / sizeof *passes; pi++) {
        int g = passes[pi];
        bool union_pass = g == SG_ALL;
        if (sess_halted(c))
            return;
        unsigned mask = union_pass ? M_FACT : BIT(g);
        if (!union_pass && !(c->checks & BIT(g)))
            continue;
        graph_scc(&w->g, mask, w->comp, &w->gws);
        uint32_t *comp = w->comp, *first = w->first_v, *second = w->second_v;
        uint32_t *se = w->strict_e;
        for (size_t i = 0; i < n; i++)
            first[i] = second[i] = se[i] = UINT32_MAX;
        for (size_t v = 0; v < n; v++) {
            if (gr->nkind.v[v] != N_VERSION)
                continue;
            if (first[comp[v]] == UINT32_MAX)
                first[comp[v]] = (uint32_t)v;
            else if (second[comp[v]] == UINT32_MAX)
                second[comp[v]] = (uint32_t)v;
        }
        for (size_t e = 0; e < gr->edges.n; e++) {
            const graph_edge *l = &gr->links.v[e];
            if ((l->label & mask) && strict(gr->edges.v[e].kind) &&
                comp[l->from] == comp[l->to] && se[comp[l->from]] == UINT32_MAX)
                se[comp[l->from]] = (uint32_t)e;
        }
        /* A component with two versions, or a strict sess_edge inside, is a
         * cycle no order of versions allows: explain the first. */
        bool bad = false;
        for (size_t cc = 0; cc < n && !bad; cc++) {
            uint32_t a = first[cc], b = second[cc], s = se[cc];
            if (b == UINT32_MAX && s == UINT32_MAX)
                continue;
            bad = true;
            if (union_pass && !(c->checks & BIT(SG_ALL)))
                break;
            sess_u32vec cyc = {0};
            bool ok;
            if (b != UINT32_MAX) {
                ok = find_path(w, mask, a, b, &cyc) && find_path(w, mask, b, a, &cyc);
            } else { /* from the strict sess_edge's head (a version) back to its tail */
                ok = find_path(w, mask, gr->links.v[s].to, gr->links.v[s].from, &cyc);
                VEC_PUSH(cyc, s);
            }
            if (ok) {
                sbuf t = {0};
                sess_u32vec ops = {0};
                sess_explain_cycle(c, gr, (sess_guarantee)g, key, cyc.v, cyc.n, &t, &ops);
                found f = {key, g, t.p, ops.v, ops.n};
                VEC_PUSH(w->found, f);
            }
            free(cyc.v);
        }
        if (union_pass && !bad)
            return;
    }
}

typedef struct inf_job {
    sess_ctx *c;
    bool realtime;
    const uint32_t *kstart; /* obs of key k: korder[kstart[k] .. kstart[k+1]) */
    const uint32_t *korder;
    const bool *skip;
    kwork *work;
} inf_job;

static void inf_key(void *arg, size_t k, int worker)
{
    inf_job *j = arg;
    size_t n = j->kstart[k + 1] - j->kstart[k];
    if (j->skip[k] || n == 0 || sess_halted(j->c))
        return;
    kwork *w = &j->work[worker];
    const uint32_t *ko = j->korder + j->kstart[k];
    const sess_obs *ob = j->c->obs.v;
    /* Each written value must be unique (and not the initial value, nor
     * a cas from the same value), or a read cannot name its write. */
    reset_key(w);
    for (size_t i = 0; i < n; i++) {
        const sess_obs *o = &ob[ko[i]];
        if (o->kind != OB_WRITE)
            continue;
        uint32_t *slot = sess_vn_slot(&w->vm, 0, o->value);
        if (!*slot && !val_eq(o->value, j->c->keys.v[o->key].init) &&
            !(o->has_old && val_eq(sess_old_of(j->c, ko[i]), o->value))) {
            *slot = ko[i] + 1;
            continue;
        }
        VEC_PUSH(w->dup, *slot ? *slot - 1 : ko[i]);
        VEC_PUSH(w->dup, ko[i]);
        return;
    }
    reset_key(w);
    build_key(j->c, w, ko, n, j->realtime);
    sess_graph *gr = &w->gr;
    w->g = graph_build(&w->rows, (uint32_t)gr->nkind.n, gr->links.v, gr->links.n);
    kwork_reserve(w, gr->nkind.n);
    if (!sess_meter(j->c, &w->hold, &w->charged, kwork_bytes(w)))
        return;
    search_key(j->c, w, (uint32_t)k);
}

static int by_key_then_guarantee(const void *a, const void *b)
{
    const found *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->g - y->g;
}

void sess_check_graph(sess_ctx *c, bool realtime, bool *violated, const bool *skip_key)
{
    /* The obs of each key, in op order: a counting sort by key. */
    size_t nk = c->keys.n;
    uint32_t *kstart = xcalloc(nk + 2, sizeof *kstart);
    uint32_t *korder = xmalloc((c->obs.n ? c->obs.n : 1) * sizeof *korder);
    for (size_t i = 0; i < c->obs.n; i++)
        kstart[c->obs.v[i].key + 2]++;
    for (size_t k = 0; k < nk; k++)
        kstart[k + 2] += kstart[k + 1];
    for (size_t i = 0; i < c->obs.n; i++)
        korder[kstart[c->obs.v[i].key + 1]++] = (uint32_t)i;
    int threads = c->jobs > 0 ? c->jobs : pool_cores();
    kwork *work = xcalloc((size_t)threads, sizeof *work);
    for (int t = 0; t < threads; t++)
        budget_join(&work[t].hold, c->lim ? c->lim->mem : NULL, false);
    inf_job job = {c, realtime, kstart, korder, skip_key, work};
    pool_run(nk, threads, inf_key, &job);
    /* Record what was found, in key order, so the report does not depend
     * on which worker finished first. */
    VEC(found) all = {0};
    sess_u32vec dups = {0};
    for (int t = 0; t < threads; t++) {
        for (size_t i = 0; i < work[t].found.n; i++)
            VEC_PUSH(all, work[t].found.v[i]);
        for (size_t i = 0; i < work[t].dup.n; i++)
            VEC_PUSH(dups, work[t].dup.v[i]);
        for (int g = 0; g < 4; g++)
            c->pairs[g] += work[t].pairs[g];
        kwork_free(&work[t]);
    }
    sess_not_unique(c, dups.v, dups.n);
    free(dups.v);
    if (all.n > 1)
        qsort(all.v, all.n, sizeof *all.v, by_key_then_guarantee);
    for (size_t i = 0; i < all.n; i++) {
        found *f = &all.v[i];
        violated[f->key * SG_COUNT + f->g] = true;
        sbuf t = {f->text, f->text ? strlen(f->text) : 0, 0};
        sess_record(c, (sess_guarantee)f->g, f->key, &t, f->ops, f->nops);
        free(f->ops);
    }
    free(all.v);
    free(work);
    free(kstart);
    free(korder);
}
