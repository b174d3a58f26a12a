/*
 * shrink.c - the smallest counterexample of an invalid part (shrink.h).
 *
 * What is shown: a set S of the part's ops, as recorded, beside a set R of
 * ops counted optional (each may or may not have taken effect, at any time
 * after its invocation: what Jepsen says of a crashed op), such that
 *   - S and R have no linearization;
 *   - with any op of S optional too, they have one (each op of S matters);
 *   - every value an op of S (or R) needs (a read's, a cas's old one) is
 *     there at the start or written by an op of S or R in time, unless no
 *     op of the whole part could have written it in time (shrink_need.c).
 * Simply dropping ops would not do: drop the write a read saw, and the
 * read alone is "not linearizable", which explains nothing. Making an op
 * optional never makes a valid set invalid, so it tells the ops that
 * matter from those that do not.
 *
 * How: delta debugging (Zeller & Hildebrandt 2002, "Simplifying and
 * isolating failure-inducing input"): a set that fails (with the others of
 * its universe optional) is cut into g chunks; if it still fails with one
 * chunk made optional, that is the new set (and g shrinks by one); if none
 * can go, g doubles, until the chunks are single ops. Only complements are
 * tried: with g = 2 that is trying each half. It starts from the ops the
 * verdict named (the anchors: the op that cannot be placed, the ops the
 * unique-value path found contradicting each other, the end of the longest
 * prefix the search found) with their neighbours, 0, 4, 16, ... on each
 * side, the first such window that fails; a part of a million ops is never
 * checked whole. The universe of optional ops is the whole part where
 * that is cheap (the unique-value path on up to 4096 ops), else the ops
 * near the window and those naming its values; for the search, at most 8
 * (a search must try every subset of the optional ops before it can say
 * no order fits), those the set may need first, then the nearest. Where
 * values repeat, every write of a value may stand in for another, so none
 * of them is optional alone: a last pass (drop_pass) drops ops outright,
 * keeping only the optional ones the rest need, while S fails and each of
 * its ops matters (settle). Every set kept was checked to fail; leaving an
 * optional op out never makes a set fit, so that is all that needs it.
 *
 * Each set is checked the way the part was decided: uv_check where its
 * written values are unique (a subset's are too), else the search, which
 * gets a sixteenth of the time left per check; a check stopped counts as
 * not failing, and the result says it may not be the smallest (complete).
 * shrink_explain.c then explores every order of the few ops left.
 */
#include "shrink_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "unique.h"

#define CHECK_MIN_NS 5000000 /* the least time a check by search gets */

static bool stopped(shrinker *s)
{
    if (s->stop)
        return true;
    if (s->lim && s->lim->stop && atomic_load(s->lim->stop))
        s->stop = SHRINK_STOP_INTERRUPT;
    else if (s->lim && s->lim->deadline_ns && clock_now_ns() > s->lim->deadline_ns)
        s->stop = SHRINK_STOP_TIME;
    return s->stop != SHRINK_DONE;
}

/* The check the shrinker makes: are the ops set[0..k) not linearizable as
 * recorded, even if every other op of the universe u[0..nu) (a superset of
 * set) may or may not have taken effect, at any time after its invocation?
 * 1 they are not, 0 they are, -1 unknown (the search was stopped). */
static int fails(shrinker *s, const uint32_t *set, size_t k, const uint32_t *u, size_t nu)
{
    if (stopped(s))
        return -1;
    s->tests++;
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = true;
    /* An optional read changes nothing and may be left out: it is left
     * out (the unique-value path takes no crashed read, as compiling drops
     * them). */
    size_t m = 0;
    for (size_t i = 0; i < nu; i++) {
        const lin_op *o = &s->ops[u[i]];
        if (s->keep[u[i]]) {
            s->buf[m++] = *o;
        } else if (!s->md->type->vop || s->md->type->vop(s->md, &o->m) != MV_READ) {
            s->buf[m] = *o;
            s->buf[m++].ret = LIN_NEVER;
        }
    }
    nu = m;
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = false;
    if (s->unique) {
        uv_result r;
        lin_limits ul = {0};
        if (s->lim) {
            ul.deadline_ns = s->lim->deadline_ns;
            ul.stop = s->lim->stop;
        }
        uv_check(s->md, s->buf, nu, &ul, NULL, &r);
        if (r.verdict != LIN_UNKNOWN)
            return r.verdict == LIN_INVALID;
    }
    /* A search with many optional ops can take long to show that no order
     * fits: each check gets a sixteenth of the time left (a check stopped
     * counts as not failing, and finer chunks, with fewer optional ops,
     * come next). */
    lin_limits lim = {0};
    if (s->lim) {
        lim.deadline_ns = s->lim->deadline_ns;
        lim.stop = s->lim->stop;
        if (lim.deadline_ns) {
            int64_t now = clock_now_ns(), share = (lim.deadline_ns - now) / 16;
            if (share < CHECK_MIN_NS)
                share = CHECK_MIN_NS;
            if (now + share < lim.deadline_ns)
                lim.deadline_ns = now + share;
        }
    }
    lin_result r;
    lin_check(s->md, s->buf, nu, &lim, s->ws, &r);
    int v = r.verdict == LIN_INVALID ? 1 : r.verdict == LIN_VALID ? 0 : -1;
    lin_result_free(&r);
    if (v < 0)
        stopped(s);
    return v;
}

/* The ops marked in in[], ascending, into out; returns how many. */
static size_t marked(const bool *in, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (in[j])
            out[k++] = (uint32_t)j;
    return k;
}

/* Mark the anchors and d neighbours each side of each (in the given
 * order). */
static void mark_around(bool *in, size_t n, const uint32_t *anchors, size_t na, size_t d)
{
    for (size_t i = 0; i < na; i++) {
        size_t a = anchors[i], lo = a > d ? a - d : 0, hi = a + d < n ? a + d : n - 1;
        for (size_t j = lo; j <= hi; j++)
            in[j] = true;
    }
}

/* The most optional ops a check by search has (a search must try every
 * subset of them before it can say the rest cannot fit). */
#define OPTIONAL_SEARCH 8

static int cmp_distance(const void *a, const void *b)
{
    const shrink_rank *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->d != y->d ? (x->d < y->d ? -1 : 1) : (x->op < y->op ? -1 : x->op > y->op);
}

/* Leave out of the universe u[0..*nu) optional ops that cannot matter to
 * set[0..k): those invoked after every op of the set returned (they can
 * only go after all of it). For the search, keep only OPTIONAL_SEARCH of
 * them: the updates the set may need first (rank_needed), the nearest in
 * time first. Leaving optional ops out never makes the set fit: it still
 * fails. u stays ascending. */
static void prune_universe(shrinker *s, const uint32_t *set, size_t k, uint32_t *u, size_t *nu)
{
    uint32_t last = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t r = s->ops[set[i]].ret;
        if (r != LIN_NEVER && r > last)
            last = r;
    }
    size_t n = *nu, total = n ? n : 1;
    shrink_rank *opt = xmalloc(total * sizeof *opt);
    uint32_t *w = xmalloc(total * sizeof *w);
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = true;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const lin_op *o = &s->ops[u[i]];
        if (s->keep[u[i]] || o->call > last)
            continue;
        uint32_t d = UINT32_MAX;
        for (size_t j = 0; j < k && !s->unique; j++) {
            uint32_t c = s->ops[set[j]].call, x = o->call > c ? o->call - c : c - o->call;
            d = x < d ? x : d;
        }
        opt[m++] = (shrink_rank){u[i], 1, d};
    }
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = false;
    if (!s->unique && m > OPTIONAL_SEARCH) {
        shrink_rank_needed(s, set, k, opt, m);
        qsort(opt, m, sizeof *opt, cmp_distance);
    }
    /* Keep the first cap of them; more if the set could not get what it
     * needs with only those (shrink_supported), up to all. */
    for (size_t cap = s->unique ? m : OPTIONAL_SEARCH;; cap *= 2) {
        size_t keep = cap < m ? cap : m, nw = 0;
        for (size_t i = 0; i < k; i++)
            s->keep[set[i]] = true;
        for (size_t i = 0; i < keep; i++)
            s->keep[opt[i].op] = true;
        for (size_t i = 0; i < n; i++)
            if (s->keep[u[i]])
                w[nw++] = u[i];
        for (size_t i = 0; i < nw; i++)
            s->keep[w[i]] = false;
        if (keep == m || shrink_supported(s, set, k, w, nw)) {
            memcpy(u, w, nw * sizeof *u);
            *nu = nw;
            break;
        }
    }
    free(w);
    free(opt);
}

/* In parts this small every op not in the set being shrunk is optional in
 * each check; in larger ones, only those near the set or that it may need
 * (mark_mates, rank_needed). */
#define WHOLE_UNIQUE 4096
#define WHOLE_SEARCH 64

/* The universe of set[0..k) (into u, *nu: the set and the ops beside it as
 * optional), drawn from the whole part, so that an op it needs that a
 * check left out comes back: where values are unique, every op in small
 * parts, else the ops near the set and those naming its values; where
 * they repeat, the updates it may need and the nearest ops
 * (prune_universe). */
static void support(shrinker *s, const uint32_t *set, size_t k, uint32_t *u, size_t *nu)
{
    if (s->mt) {
        bool *in = s->keep;
        mark_around(in, s->n, set, k, 8);
        shrink_mark_mates(s, s->mt, in);
        *nu = marked(in, s->n, u);
        for (size_t i = 0; i < *nu; i++)
            in[u[i]] = false;
    } else {
        for (size_t i = 0; i < s->n; i++)
            u[i] = (uint32_t)i;
        *nu = s->n;
    }
    prune_universe(s, set, k, u, nu);
}

/* The first set to shrink (cur, *k) and its universe (u, *nu): the anchors
 * with their neighbours, 0, 4, 16, 64, ... on each side, the first of them
 * found to fail; the whole part if none does. */
static void start_set(shrinker *s, const uint32_t *anchors, size_t na, uint32_t *cur, size_t *k,
                      uint32_t *u, size_t *nu)
{
    bool *in = xcalloc(s->n ? s->n : 1, sizeof *in);
    for (size_t d = 0; na; d = d ? d * 4 : 4) {
        memset(in, 0, s->n * sizeof *in);
        mark_around(in, s->n, anchors, na, d);
        *k = marked(in, s->n, cur);
        if (*k == s->n)
            break; /* the whole part, known to fail */
        support(s, cur, *k, u, nu);
        if (shrink_supported(s, cur, *k, u, *nu) && fails(s, cur, *k, u, *nu) == 1)
            goto out;
        if (s->stop)
            break;
    }
    for (size_t i = 0; i < s->n; i++)
        cur[i] = (uint32_t)i;
    *k = s->n;
    support(s, cur, *k, u, nu);
out:
    free(in);
}

/* Delta debugging over cur[0..*k) (which fails, with the other ops of the
 * universe optional), in place; returns true when it ended 1-minimal.
 * *dropped: whether it dropped any op. */
static bool ddmin(shrinker *s, uint32_t *cur, size_t *k, uint32_t *u, size_t *nup,
                  bool *dropped_any)
{
    size_t n = *k, g = 2, from = 0, nu = *nup;
    uint32_t *test = xmalloc((n ? n : 1) * sizeof *test);
    bool minimal = false;
    *dropped_any = false;
    prune_universe(s, cur, n, u, &nu);
    while (n >= 2) {
        if (g > n)
            g = n;
        bool dropped = false, unsure = false;
        for (size_t c = 0; c < g; c++) {
            size_t i = (from + c) % g;
            size_t lo = n * i / g, hi = n * (i + 1) / g, m = 0;
            for (size_t j = 0; j < n; j++)
                if (j < lo || j >= hi)
                    test[m++] = cur[j];
            int v = shrink_supported(s, test, m, u, nu) ? fails(s, test, m, u, nu) : 0;
            if (v < 0) {
                unsure = true;
                if (s->stop)
                    goto out;
                continue;
            }
            if (v) {
                memcpy(cur, test, m * sizeof *cur);
                n = m;
                prune_universe(s, cur, n, u, &nu);
                g = g > 2 ? g - 1 : 2;
                from = i; /* go on where it succeeded */
                dropped = *dropped_any = true;
                break;
            }
        }
        if (dropped)
            continue;
        if (g == n) {
            minimal = !unsure;
            break;
        }
        g = g * 2 < n ? g * 2 : n;
        from = 0;
    }
    if (n < 2)
        minimal = true; /* one op fails alone, and none is linearizable */
out:
    *k = n;
    *nup = nu;
    free(test);
    return minimal;
}

/* Given set[0..*k) that fails beside opt[0..*no) (with what it needs
 * there), make every op of it matter: an op the rest fail without, with
 * it optional too, becomes optional, and the optional ops are cut to what
 * the rest need. Both stay ascending. 1 done, 0 the set does not fail or
 * an op it needs is missing, -1 unknown (a check was stopped). */
static int settle(shrinker *s, uint32_t *set, size_t *k, uint32_t *opt, size_t *no, uint32_t *u,
                  uint32_t *scratch)
{
    memcpy(u, set, *k * sizeof *u);
    memcpy(u + *k, opt, *no * sizeof *u);
    qsort(u, *k + *no, sizeof *u, shrink_cmp_u32);
    if (!shrink_supported(s, set, *k, u, *k + *no))
        return 0;
    int v = fails(s, set, *k, u, *k + *no);
    if (v != 1)
        return v;
    for (size_t y = 0; y < *k;) {
        size_t m = 0;
        for (size_t i = 0; i < *k; i++)
            if (i != y)
                scratch[m++] = set[i];
        v = fails(s, scratch, m, u, *k + *no);
        if (v < 0)
            return -1;
        if (!v) {
            y++;
            continue;
        }
        /* It does not matter: optional with the rest, then only what they
         * need of the optional ones, if they can still get it all. */
        opt[(*no)++] = set[y];
        memcpy(set, scratch, m * sizeof *set);
        *k = m;
        size_t nn = shrink_needed_support(s, set, *k, opt, *no, scratch);
        memcpy(u, set, *k * sizeof *u);
        memcpy(u + *k, scratch, nn * sizeof *u);
        qsort(u, *k + nn, sizeof *u, shrink_cmp_u32);
        if (shrink_supported(s, set, *k, u, *k + nn)) {
            memcpy(opt, scratch, nn * sizeof *opt);
            *no = nn;
        } else {
            memcpy(u, set, *k * sizeof *u);
            memcpy(u + *k, opt, *no * sizeof *u);
            qsort(u, *k + *no, sizeof *u, shrink_cmp_u32);
            if (!shrink_supported(s, set, *k, u, *k + *no))
                return 0; /* the rest fail only for want of what it gave */
        }
        y = 0;
    }
    return 1;
}

/* The last pass: drop ops outright, ok ones (cur[0..*k)) and optional
 * ones (maybe[0..*nm)), keeping of the optional ones only what the ok ones
 * need (needed_support), while the ok ones still fail and each still
 * matters. This takes out what being optional could not: where values
 * repeat, every write of a value may stand in for another, so none of
 * them can be optional alone; dropped, all but one go. Delta debugging
 * over both lists as one, in place. */
static bool drop_pass(shrinker *s, uint32_t *cur, size_t *k, uint32_t *maybe, size_t *nm)
{
    bool settled = false;
    size_t nk = *k, n = *k + *nm, g = 2, from = 0, total = n ? n : 1;
    uint32_t *all = xmalloc(total * sizeof *all), *ok = xmalloc(total * sizeof *ok);
    uint32_t *pool = xmalloc(total * sizeof *pool), *opt = xmalloc(total * sizeof *opt);
    uint32_t *u = xmalloc(total * sizeof *u), *scratch = xmalloc(total * sizeof *scratch);
    memcpy(all, cur, nk * sizeof *all); /* ok ones first, then optional */
    memcpy(all + nk, maybe, *nm * sizeof *all);
    size_t no = shrink_needed_support(s, cur, nk, maybe, *nm, opt);
    memcpy(ok, cur, nk * sizeof *ok);
    size_t kept = nk;
    if (settle(s, ok, &kept, opt, &no, u, scratch) == 1) {
        settled = true;
        memcpy(all, ok, kept * sizeof *all);
        memcpy(all + kept, opt, no * sizeof *all);
        nk = kept;
        n = kept + no;
    }
    while (n >= 2 && !s->stop) {
        if (g > n)
            g = n;
        bool dropped = false;
        for (size_t c = 0; c < g && !s->stop; c++) {
            size_t i = (from + c) % g, lo = n * i / g, hi = n * (i + 1) / g, m = 0, np = 0;
            for (size_t j = 0; j < n; j++) {
                if (j >= lo && j < hi)
                    continue;
                if (j < nk)
                    ok[m++] = all[j];
                else
                    pool[np++] = all[j];
            }
            if (!m)
                continue;
            no = shrink_needed_support(s, ok, m, pool, np, opt);
            if (settle(s, ok, &m, opt, &no, u, scratch) != 1)
                continue;
            settled = true;
            memcpy(all, ok, m * sizeof *all);
            memcpy(all + m, opt, no * sizeof *all);
            nk = m;
            n = m + no;
            g = g > 2 ? g - 1 : 2;
            from = i;
            dropped = true;
            break;
        }
        if (dropped)
            continue;
        if (g >= n)
            break;
        g = g * 2 < n ? g * 2 : n;
        from = 0;
    }
    memcpy(cur, all, nk * sizeof *cur);
    memcpy(maybe, all + nk, (n - nk) * sizeof *maybe);
    qsort(cur, nk, sizeof *cur, shrink_cmp_u32);
    qsort(maybe, n - nk, sizeof *maybe, shrink_cmp_u32);
    *k = nk;
    *nm = n - nk;
    free(all);
    free(ok);
    free(pool);
    free(opt);
    free(u);
    free(scratch);
    return settled;
}

/* The most ops the last pass takes on (it checks each of them with the
 * rest, again and again). */
#define DROP_PASS_MAX 256

void shrink_part(const model *md, const lin_op *ops, size_t n, bool unique,
                 const uint32_t *anchors, size_t nanchors, const shrink_limits *lim,
                 lin_ws *ws, shrink_result *out)
{
    int64_t t0 = clock_now_ns();
    memset(out, 0, sizeof *out);
    out->tried = true;
    size_t nn = n ? n : 1;
    shrinker s = {md, ops, n, unique, lim, ws, xmalloc(nn * sizeof(lin_op)),
                  xcalloc(nn, sizeof(bool)), 0, SHRINK_DONE, false, NULL, NULL, NULL};
    s.whole = n <= (unique ? WHOLE_UNIQUE : WHOLE_SEARCH);
    if (unique && !s.whole) /* where values repeat, naming one says little */
        s.mt = shrink_mates_new(&s);
    if (md->type->vop)
        shrink_need_init(&s);
    uint32_t *cur = xmalloc(nn * sizeof *cur), *u = xmalloc(nn * sizeof *u);
    uint32_t *maybe = xmalloc(nn * sizeof *maybe), *scratch = xmalloc(nn * sizeof *scratch);
    uint32_t *a = xmalloc((nanchors ? nanchors : 1) * sizeof *a);
    size_t na = 0, k, nu, nm = 0;
    for (size_t i = 0; i < nanchors; i++)
        if (anchors[i] < n)
            a[na++] = anchors[i];
    qsort(a, na, sizeof *a, shrink_cmp_u32);
    start_set(&s, a, na, cur, &k, u, &nu);
    bool dropped, complete = ddmin(&s, cur, &k, u, &nu, &dropped);
    /* The optional ops beside it: the universe it was last seen to fail
     * in (a fresh one might hold an op that lets it fit). */
    for (size_t i = 0; i < k; i++)
        s.keep[cur[i]] = true;
    for (size_t i = 0; i < nu; i++)
        if (!s.keep[u[i]])
            maybe[nm++] = u[i];
    for (size_t i = 0; i < k; i++)
        s.keep[cur[i]] = false;
    /* Only what the set needs of them, if it can still get it all (fewer
     * optional ops: it still fails). */
    size_t need = shrink_needed_support(&s, cur, k, maybe, nm, scratch);
    memcpy(u, cur, k * sizeof *u);
    memcpy(u + k, scratch, need * sizeof *u);
    qsort(u, k + need, sizeof *u, shrink_cmp_u32);
    if (need < nm && shrink_supported(&s, cur, k, u, k + need)) {
        memcpy(maybe, scratch, need * sizeof *maybe);
        nm = need;
    }
    if (!s.stop && k + nm <= DROP_PASS_MAX)
        out->minimal = drop_pass(&s, cur, &k, maybe, &nm);
    out->complete = complete && !s.stop;
    out->stop = s.stop;
    out->ops = cur;
    out->nops = k;
    out->maybe = maybe;
    out->nmaybe = nm;
    if (k + nm <= SHRINK_EXPLAIN_MAX)
        shrink_explain(md, ops, cur, k, maybe, nm, out);
    out->tests = s.tests;
    out->seconds = (double)(clock_now_ns() - t0) / 1e9;
    shrink_mates_free(s.mt);
    shrink_need_free(&s);
    free(a);
    free(u);
    free(scratch);
    free(s.buf);
    free(s.keep);
}

void shrink_result_free(shrink_result *r)
{
    for (size_t e = 0; e < r->nends; e++) {
        free(r->ends[e].order);
        free(r->ends[e].state);
        free(r->ends[e].next);
    }
    free(r->ops);
    free(r->maybe);
    memset(r, 0, sizeof *r);
}

const char *shrink_stop_name(shrink_stop s)
{
    switch (s) {
    case SHRINK_STOP_TIME: return "its time limit (--minimize-time)";
    case SHRINK_STOP_INTERRUPT: return "an interrupt";
    default: return "nothing";
    }
}
