/*
 * setfull.c - Jepsen's set-full check (jw.h; jepsen.checker/set-full),
 * per set (Jepsen's independent keys: one set per key).
 *
 * For each element, as Jepsen defines it (positions are the history's
 * event order, Jepsen's :index; "a read" is an ok read that completed after
 * the element's last add began, the reads Jepsen's fold lets update it):
 *   known    the earliest completion of an ok add of it, or of a read that
 *            saw it;
 *   present  the last read, by invocation, that saw it;
 *   absent   the last read, by invocation, that did not;
 *   stable   present, and no absent read began after it;
 *   lost     known, and the last absent read began after it was known and
 *            after every read that saw it: a set never loses an element;
 *   never read: neither (no read began after it was known);
 *   stale    stable, but an absent read began after it was known (a
 *            violation only when asked: Jepsen's :linearizable?).
 * Latencies (ms) are Jepsen's: stable, from known to just after the last
 * absent read began; lost, from known to just after the last present read
 * began; quantiles at 0, 0.5, 0.95, 0.99 and 1.
 * Also violations, which Jepsen's set-full does not look for: a read that
 * holds an element twice, and an unexpected element: never added, read
 * before any add of it began, or whose every add failed.
 *
 * Jepsen updates every element at every read, which is quadratic when
 * reads are short and elements many. Here, per element e with last add
 * invocation a, the reads that saw it (P) come from an index of the
 * reads' elements; present and known are over P. absent is the last read
 * by invocation among those completing after a, not in P: walking reads
 * from the last invoked down, those invoked after a all complete after
 * it, and each one skipped is in P; below a, only reads still open at a
 * qualify, found one at a time by a max-tree of completions (the rightmost
 * read before a given one that completes after a). So the cost is the
 * reads' sizes times a logarithm, like reading them.
 */
#include <stdlib.h>
#include <string.h>

#include "jw_int.h"

typedef struct selem {
    val v;
    uint32_t group;
    uint32_t first_add, last_add; /* invocation positions; JW_NO_OP: never added */
    uint32_t add_op, first_add_op;
    bool added_maybe;             /* some add of it did not fail */
    uint32_t known, known_op;     /* completion position and its op */
    uint32_t unexpected;          /* a read that shows it unexpectedly */
    uint32_t dup_times, dup_op;
} selem;

typedef struct sread {
    uint32_t op, group, call, ret;
} sread;

typedef struct occ {
    uint32_t elem, read;
} occ;

typedef struct sf_state {
    const history *h;
    const vtab *vt;
    jw_map groups, elems;
    VEC(val) gkey;
    VEC(selem) e;
    VEC(sread) r;   /* ok reads, by group, then by invocation */
    VEC(occ) occ;   /* (element, read) for each element a read holds */
    uint32_t *tree; /* max completion over reads, a segment tree */
    size_t leaves;
    size_t max;
} sf_state;

static uint32_t group_of(sf_state *s, const hist_op *o)
{
    val k = o->has_key ? o->key : val_nil();
    bool added;
    uint32_t g = jw_map_put(&s->groups, 0, k, (uint32_t)s->gkey.n, &added);
    if (added)
        VEC_PUSH(s->gkey, k);
    return g;
}

static uint32_t elem_of(sf_state *s, uint32_t g, val v)
{
    bool added;
    uint32_t id = jw_map_put(&s->elems, g, v, (uint32_t)s->e.n, &added);
    if (added)
        VEC_PUSH(s->e, ((selem){.v = v, .group = g, .first_add = JW_NO_OP, .last_add = JW_NO_OP,
                                .add_op = JW_NO_OP, .first_add_op = JW_NO_OP, .known = JW_NO_OP,
                                .known_op = JW_NO_OP, .unexpected = JW_NO_OP,
                                .dup_op = JW_NO_OP}));
    return id;
}

/* Adds, then the ok reads (their groups), or JW_EFIT with why. */
static jw_rc load(sf_state *s, sbuf *why)
{
    const hist_op *ops = hist_ops(s->h);
    size_t n = hist_nops(s->h);
    for (size_t i = 0; i < n; i++) {
        const hist_op *o = &ops[i];
        uint32_t g = group_of(s, o);
        if (jw_op(s->h, o) == MODEL_JW_OP_ADD) {
            uint32_t id = elem_of(s, g, o->in); /* before s->e.v: it may move */
            selem *e = &s->e.v[id];
            if (e->first_add == JW_NO_OP) {
                e->first_add = o->call;
                e->first_add_op = (uint32_t)i;
            }
            e->last_add = o->call; /* ops come in order of invocation */
            e->add_op = (uint32_t)i;
            e->added_maybe |= o->status != OP_FAIL;
        } else if (jw_op(s->h, o) == MODEL_JW_OP_READ) {
            if (o->status != OP_OK)
                continue;
            if (o->out.kind != VAL_LIST && !val_is_nil(o->out)) {
                jw_where(s->h, o, why);
                sbuf_printf(why, "a %s read's value must be a list of elements, got ",
                            model_jw_name(MODEL_JW_SET_FULL));
                val_describe(s->vt, o->out, why);
                return JW_EFIT;
            }
            VEC_PUSH(s->r, ((sread){(uint32_t)i, g, o->call, o->ret}));
        } else {
            jw_where(s->h, o, why);
            sbuf_adds(why, "unknown operation ");
            val_describe(s->vt, o->f, why);
            sbuf_printf(why, " for %s (it knows: %s)", model_jw_name(MODEL_JW_SET_FULL),
                        model_jw_ops(MODEL_JW_SET_FULL));
            return JW_EFIT;
        }
    }
    /* An add is known at its completion, once its element's last add began
     * (Jepsen's element state starts over at each add). */
    for (size_t i = 0; i < n; i++) {
        const hist_op *o = &ops[i];
        if (o->status != OP_OK || jw_op(s->h, o) != MODEL_JW_OP_ADD)
            continue;
        selem *e = &s->e.v[jw_map_get(&s->elems, group_of(s, o), o->in)];
        if (o->ret > e->last_add && (e->known == JW_NO_OP || o->ret < e->known)) {
            e->known = o->ret;
            e->known_op = (uint32_t)i;
        }
    }
    return JW_OK;
}

static int by_group(const void *a, const void *b)
{
    const sread *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return x->call < y->call ? -1 : x->call > y->call;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int by_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->elem != y->elem)
        return x->elem < y->elem ? -1 : 1;
    return x->read < y->read ? -1 : x->read > y->read;
}

static void flag_unexpected(selem *e, uint32_t op)
{
    if (e->unexpected == JW_NO_OP)
        e->unexpected = op;
}

/* Each read's elements: duplicates, unexpected ones, and the (element,
 * read) pairs of the reads that may update the element. */
static void index_reads(sf_state *s)
{
    const hist_op *ops = hist_ops(s->h);
    VEC(uint32_t) ids = {0};
    for (size_t ri = 0; ri < s->r.n; ri++) {
        const sread *rd = &s->r.v[ri];
        size_t n;
        const val *it = val_items(s->vt, ops[rd->op].out, &n);
        ids.n = 0;
        for (size_t j = 0; j < n; j++) {
            uint32_t id = elem_of(s, rd->group, it[j]);
            VEC_PUSH(ids, id);
        }
        if (ids.n > 1)
            qsort(ids.v, ids.n, sizeof *ids.v, by_u32);
        for (size_t j = 0, k; j < ids.n; j = k) {
            for (k = j + 1; k < ids.n && ids.v[k] == ids.v[j]; k++)
                ;
            selem *e = &s->e.v[ids.v[j]];
            if (k - j > 1 && k - j > e->dup_times) {
                e->dup_times = (uint32_t)(k - j);
                e->dup_op = rd->op;
            }
            if (e->first_add == JW_NO_OP || rd->ret < e->first_add)
                flag_unexpected(e, rd->op); /* never added, or read before it was */
            else if (rd->ret > e->last_add) {
                if (!e->added_maybe)
                    flag_unexpected(e, rd->op); /* every add of it failed */
                VEC_PUSH(s->occ, ((occ){ids.v[j], (uint32_t)ri}));
            }
        }
    }
    free(ids.v);
    qsort(s->occ.v, s->occ.n, sizeof *s->occ.v, by_occ);
}

/* ---- the last read by invocation, completing after a, not in P ---- */

static void tree_build(sf_state *s)
{
    s->leaves = 1;
    while (s->leaves < s->r.n)
        s->leaves *= 2;
    s->tree = xcalloc(2 * s->leaves, sizeof *s->tree);
    for (size_t i = 0; i < s->r.n; i++)
        s->tree[s->leaves + i] = s->r.v[i].ret + 1; /* 0: no read */
    for (size_t i = s->leaves - 1; i >= 1; i--)
        s->tree[i] = s->tree[2 * i] > s->tree[2 * i + 1] ? s->tree[2 * i] : s->tree[2 * i + 1];
}

/* The rightmost read in [lo, hi) completing after a, or SIZE_MAX. */
static size_t rightmost(const sf_state *s, size_t node, size_t nlo, size_t nhi, size_t lo,
                        size_t hi, uint32_t a)
{
    if (nhi <= lo || hi <= nlo || s->tree[node] <= (uint64_t)a + 1)
        return SIZE_MAX;
    if (nhi - nlo == 1)
        return nlo;
    size_t mid = (nlo + nhi) / 2;
    size_t r = rightmost(s, 2 * node + 1, mid, nhi, lo, hi, a);
    return r != SIZE_MAX ? r : rightmost(s, 2 * node, nlo, mid, lo, hi, a);
}

/* The first read of group g, and the first after it; s->r is sorted. */
static void group_range(const sf_state *s, uint32_t g, size_t *lo, size_t *hi)
{
    size_t l = 0, h = s->r.n;
    while (l < h) {
        size_t m = (l + h) / 2;
        if (s->r.v[m].group < g)
            l = m + 1;
        else
            h = m;
    }
    *lo = l;
    h = s->r.n;
    while (l < h) {
        size_t m = (l + h) / 2;
        if (s->r.v[m].group <= g)
            l = m + 1;
        else
            h = m;
    }
    *hi = l;
}

/* The reads in stamp marked e are P: present is the last of them (reads
 * are by invocation), and absent as above. */
static size_t last_absent(const sf_state *s, const uint32_t *stamp, uint32_t mark, size_t lo,
                          size_t hi, uint32_t a)
{
    size_t i = hi;
    while (i > lo && s->r.v[i - 1].call > a) {
        i--;
        if (stamp[i] != mark)
            return i;
    }
    for (size_t j = rightmost(s, 1, 0, s->leaves, lo, i, a); j != SIZE_MAX;
         j = rightmost(s, 1, 0, s->leaves, lo, j, a))
        if (stamp[j] != mark)
            return j;
    return SIZE_MAX;
}

/* ---- the outcomes ---- */

static double ms(int64_t from, int64_t to)
{
    if (from == HIST_NONE || to == HIST_NONE)
        return -1;
    return to > from ? (double)(to - from) / 1e6 : 0;
}

static void keep(sf_result *r, sf_outcome k, size_t max, const sf_elem *x)
{
    if (r->count[k]++ >= max)
        return;
    r->shown[k] = xrealloc(r->shown[k], r->count[k] * sizeof *r->shown[k]);
    r->shown[k][r->nshown[k]++] = *x;
}

/* Stale elements: the worst (longest latency) are kept. */
static void keep_worst(sf_result *r, size_t max, const sf_elem *x)
{
    if (r->count[SF_STALE]++ < max) {
        r->shown[SF_STALE] = xrealloc(r->shown[SF_STALE], r->count[SF_STALE] * sizeof *x);
        r->shown[SF_STALE][r->nshown[SF_STALE]++] = *x;
        return;
    }
    size_t least = 0;
    for (size_t i = 1; i < r->nshown[SF_STALE]; i++)
        if (r->shown[SF_STALE][i].latency_ms < r->shown[SF_STALE][least].latency_ms)
            least = i;
    if (r->nshown[SF_STALE] && x->latency_ms > r->shown[SF_STALE][least].latency_ms)
        r->shown[SF_STALE][least] = *x;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

const double jw_sf_points[SF_NQUANTILES] = {0, 0.5, 0.95, 0.99, 1};

/* Jepsen's frequency-distribution: the sorted value at floor(n * p). */
static size_t quantiles(double *v, size_t n, double *q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, by_double);
    for (int i = 0; i < SF_NQUANTILES; i++) {
        size_t k = (size_t)(jw_sf_points[i] * (double)n);
        q[i] = v[k < n ? k : n - 1];
    }
    return n;
}

static int by_latency(const void *a, const void *b)
{
    double x = ((const sf_elem *)a)->latency_ms, y = ((const sf_elem *)b)->latency_ms;
    return x > y ? -1 : x < y;
}

static void outcomes(sf_state *s, sf_result *r)
{
    const hist_op *ops = hist_ops(s->h);
    uint32_t *stamp = xcalloc(s->r.n ? s->r.n : 1, sizeof *stamp);
    double *stable_lat = xmalloc((s->e.n ? s->e.n : 1) * sizeof(double));
    double *lost_lat = xmalloc((s->e.n ? s->e.n : 1) * sizeof(double));
    size_t ns = 0, nl = 0;
    size_t o = 0; /* s->occ, by element */
    for (uint32_t id = 0; id < s->e.n; id++) {
        selem *e = &s->e.v[id];
        size_t o0 = o;
        while (o < s->occ.n && s->occ.v[o].elem == id)
            o++;
        /* an element never added was made by a read that showed it */
        uint32_t some_op = e->add_op != JW_NO_OP ? e->add_op : e->unexpected;
        sf_elem x = {.key = s->gkey.v[e->group], .keyed = ops[some_op].has_key,
                     .elem = e->v, .add = e->add_op, .known = e->known_op, .present = JW_NO_OP,
                     .absent = JW_NO_OP, .latency_ms = -1, .times = e->dup_times};
        if (e->dup_times > 1) {
            x.present = e->dup_op;
            keep(r, SF_DUPLICATED, s->max, &x);
            x.present = JW_NO_OP;
        }
        if (e->unexpected != JW_NO_OP) {
            x.present = e->unexpected;
            x.add = e->first_add == JW_NO_OP ? JW_NO_OP
                    : ops[e->unexpected].ret < e->first_add ? e->first_add_op
                                                            : e->add_op;
            keep(r, SF_UNEXPECTED, s->max, &x);
            x.present = JW_NO_OP;
            x.add = e->add_op;
        }
        if (e->first_add == JW_NO_OP)
            continue;
        r->attempts++;
        uint32_t known = e->known;
        size_t present = SIZE_MAX;
        for (size_t k = o0; k < o; k++) {
            const sread *rd = &s->r.v[s->occ.v[k].read];
            stamp[s->occ.v[k].read] = id + 1;
            present = s->occ.v[k].read; /* the last, by invocation */
            if (known == JW_NO_OP || rd->ret < known) {
                known = rd->ret;
                x.known = rd->op;
            }
        }
        size_t lo, hi;
        group_range(s, e->group, &lo, &hi);
        size_t absent = last_absent(s, stamp, id + 1, lo, hi, e->last_add);
        x.present = present == SIZE_MAX ? JW_NO_OP : s->r.v[present].op;
        x.absent = absent == SIZE_MAX ? JW_NO_OP : s->r.v[absent].op;
        int64_t known_time = x.known == JW_NO_OP ? HIST_NONE
                             : ops[x.known].ret_time;
        bool stable = present != SIZE_MAX && (absent == SIZE_MAX || absent < present);
        bool lost = known != JW_NO_OP && absent != SIZE_MAX &&
                    (present == SIZE_MAX || present < absent) && known < s->r.v[absent].call;
        if (stable) {
            r->stable++;
            int64_t t = absent == SIZE_MAX ? 0 : ops[x.absent].call_time;
            x.latency_ms = t == HIST_NONE ? -1 : ms(known_time, absent == SIZE_MAX ? 0 : t + 1);
            if (x.latency_ms >= 0)
                stable_lat[ns++] = x.latency_ms;
            if (absent != SIZE_MAX && s->r.v[absent].call > known)
                keep_worst(r, s->max, &x);
        } else if (lost) {
            int64_t t = present == SIZE_MAX ? 0 : ops[x.present].call_time;
            x.latency_ms = t == HIST_NONE ? -1 : ms(known_time, present == SIZE_MAX ? 0 : t + 1);
            if (x.latency_ms >= 0)
                lost_lat[nl++] = x.latency_ms;
            keep(r, SF_LOST, s->max, &x);
        } else {
            keep(r, SF_NEVER_READ, s->max, &x);
        }
    }
    if (r->nshown[SF_STALE] > 1)
        qsort(r->shown[SF_STALE], r->nshown[SF_STALE], sizeof(sf_elem), by_latency);
    r->nstable_lat = quantiles(stable_lat, ns, r->stable_q);
    r->nlost_lat = quantiles(lost_lat, nl, r->lost_q);
    free(stable_lat);
    free(lost_lat);
    free(stamp);
}

jw_rc jw_set_full(const history *h, const jw_opts *o, jw_result *res, sbuf *why)
{
    sf_result *r = &res->sf;
    sf_state s = {.h = h, .vt = hist_cvtab(h), .max = o->max_shown ? o->max_shown : JW_DEFAULT_SHOWN};
    jw_rc rc = load(&s, why);
    if (rc)
        goto out;
    if (s.r.n > 1)
        qsort(s.r.v, s.r.n, sizeof *s.r.v, by_group);
    index_reads(&s);
    tree_build(&s);
    outcomes(&s, r);
    r->nsets = s.gkey.n;
    r->nreads = s.r.n;
    r->stale_forbidden = o->forbid_stale;
    if (r->count[SF_LOST] || r->count[SF_DUPLICATED] || r->count[SF_UNEXPECTED] ||
        (o->forbid_stale && r->count[SF_STALE])) {
        res->verdict = JW_INVALID;
    } else if (!r->stable) {
        res->verdict = JW_UNKNOWN;
        res->why_unknown = xstrdup(r->attempts ? "no element was ever seen stable: no read saw "
                                                 "one after it was added"
                                               : "nothing was added");
    }
out:
    jw_map_free(&s.groups);
    jw_map_free(&s.elems);
    free(s.gkey.v);
    free(s.e.v);
    free(s.r.v);
    free(s.occ.v);
    free(s.tree);
    return rc;
}

const char *jw_sf_outcome_name(sf_outcome o)
{
    static const char *const names[] = {"lost", "stale", "duplicated", "unexpected",
                                        "never-read"};
    return names[o];
}
