/*
 * report_html_data.c - the data the HTML report draws, for one history
 * (report_html.h), as compact JSON: columns of numbers, values as strings
 * interned in one table.
 *
 * Timelines: the history's ops go in groups, one per part (a key's ops):
 * the ops a part's verdict rests on are placed by the part's op numbers,
 * the others (failed ops, ops that say nothing) by their key. The ops
 * worth seeing are marked: a counterexample's (minimal, maybe, the one
 * that cannot follow), the op the search could not place, session
 * violations' ops (linked in order), a transaction anomaly's. Groups with
 * marks are drawn first, as a window around the marks (WINDOW_OPS ops
 * each side, in invocation order), then other groups whole, invalid and
 * unknown before valid, while the budget of REPORT_HTML_DRAWN bars lasts.
 * Every group drawn also gets its density over its whole time (ops per
 * bucket, by outcome), so a window shows where it sits.
 *
 * Times are microseconds from the history's first time; a history without
 * times is drawn by event position ("position" axis).
 */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

#define WINDOW_OPS 300       /* ops drawn each side of the marked ones */
#define TIMELINES_MAX 40     /* timelines drawn */
#define DENSITY_BUCKETS 120
#define PREFIX_DRAWN 200     /* a search's prefix: its last ops drawn */

enum { M_MINIMAL = 1, M_MAYBE = 2, M_CANNOT = 4, M_FAIL = 8, M_LINKED = 16, M_ANOMALY = 32 };

typedef struct group {
    size_t part;           /* its lin part, or SIZE_MAX */
    VEC(uint32_t) ops;     /* history ops, ascending (invocation order) */
    size_t marked;         /* ops marked */
    int rank;              /* drawing order: lower first */
    size_t from, to;       /* the window drawn: ops[from..to) */
    bool drawn;
} group;

typedef struct builder {
    const check_item *it;
    const history *h;
    const hist_op *ops;
    size_t nops;
    bool timed;            /* every op has times: the axis is time */
    int64_t origin;
    uint8_t *mark;         /* by history op */
    uint32_t *group_of;    /* by history op */
    VEC(group) groups;
    valmap *strs;          /* val -> string index */
    VEC(char *) strings;
    sbuf *out;
} builder;

/* ---- small JSON writers ---- */

void report_html_jstr(sbuf *b, const char *s)
{
    sbuf_add_json_str(b, s, strlen(s));
}

/* "name": */
void report_html_jkey(sbuf *b, const char *name)
{
    report_html_jstr(b, name);
    sbuf_addc(b, ':');
}

void report_html_jints(sbuf *b, const char *name, const int64_t *v, size_t n)
{
    report_html_jkey(b, name);
    sbuf_addc(b, '[');
    for (size_t i = 0; i < n; i++)
        sbuf_printf(b, i ? ",%lld" : "%lld", (long long)v[i]);
    sbuf_adds(b, "],");
}

/* ---- times and values ---- */

/* When op i was invoked, and returned (-1: never), in the axis's unit. */
static int64_t t_call(const builder *b, size_t i)
{
    const hist_op *o = &b->ops[i];
    return b->timed ? (o->call_time - b->origin) / 1000 : (int64_t)o->call;
}

static int64_t t_ret(const builder *b, size_t i)
{
    const hist_op *o = &b->ops[i];
    if (o->ret == HIST_OPEN)
        return -1;
    if (!b->timed)
        return (int64_t)o->ret;
    return o->ret_time == HIST_NONE ? -1 : (o->ret_time - b->origin) / 1000;
}

/* The index of v's description in the string table. */
static int64_t str_of(builder *b, val v)
{
    uint32_t id;
    if (valmap_get(b->strs, v, &id))
        return id;
    sbuf d = {0};
    val_describe(hist_cvtab(b->h), v, &d);
    VEC_PUSH(b->strings, xstrdup(sbuf_str(&d)));
    sbuf_free(&d);
    id = (uint32_t)(b->strings.n - 1);
    valmap_put(b->strs, v, id);
    return id;
}

static bool all_timed(const history *h)
{
    const hist_op *o = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h); i++)
        if (o[i].call_time == HIST_NONE || (o[i].ret != HIST_OPEN && o[i].ret_time == HIST_NONE))
            return false;
    return hist_nops(h) > 0;
}

/* ---- groups ---- */

static size_t new_group(builder *b, size_t part)
{
    group g = {.part = part, .rank = 4};
    VEC_PUSH(b->groups, g);
    return b->groups.n - 1;
}

/* One group per lin part; ops outside every part join their key's. */
static void make_groups(builder *b)
{
    const check_item *it = b->it;
    valmap *by_key = valmap_new();
    for (size_t i = 0; i < b->nops; i++)
        b->group_of[i] = UINT32_MAX;
    for (size_t p = 0; it->lin_checked && p < it->nparts; p++) {
        size_t g = new_group(b, p);
        const lin_part *lp = &it->parts[p];
        for (size_t k = 0; k < lp->nops; k++)
            b->group_of[lp->ids[k]] = (uint32_t)g;
        if (lp->nops)
            valmap_put(by_key, b->ops[lp->ids[0]].key, (uint32_t)g);
    }
    size_t rest = SIZE_MAX;
    for (size_t i = 0; i < b->nops; i++) {
        if (b->group_of[i] != UINT32_MAX)
            continue;
        uint32_t g;
        if (!valmap_get(by_key, b->ops[i].key, &g)) {
            if (!b->ops[i].has_key && rest != SIZE_MAX) {
                g = (uint32_t)rest;
            } else {
                g = (uint32_t)new_group(b, SIZE_MAX);
                valmap_put(by_key, b->ops[i].key, g);
                if (!b->ops[i].has_key)
                    rest = g;
            }
        }
        b->group_of[i] = g;
    }
    for (size_t i = 0; i < b->nops; i++)
        VEC_PUSH(b->groups.v[b->group_of[i]].ops, (uint32_t)i);
    valmap_free(by_key);
}

static void mark(builder *b, uint32_t op, uint8_t m)
{
    if (op >= b->nops)
        return;
    if (!b->mark[op])
        b->groups.v[b->group_of[op]].marked++;
    b->mark[op] |= m;
}

/* What the checks point at. */
static void mark_all(builder *b)
{
    const check_item *it = b->it;
    for (size_t p = 0; it->lin_checked && p < it->nparts; p++) {
        const lin_part *lp = &it->parts[p];
        if (lp->r.verdict != LIN_INVALID)
            continue;
        mark(b, lp->ids[lp->r.fail], M_FAIL);
        const shrink_result *s = &lp->shrunk;
        for (size_t k = 0; k < s->nops; k++)
            mark(b, lp->ids[s->ops[k]], M_MINIMAL);
        for (size_t k = 0; k < s->nmaybe; k++)
            mark(b, lp->ids[s->maybe[k]], M_MAYBE);
        for (size_t k = 0; s->nends && k < s->ends[0].nnext; k++)
            mark(b, lp->ids[s->ends[0].next[k]], M_CANNOT);
    }
    for (int g = 0; it->sess_checked && g < SG_COUNT; g++)
        for (size_t v = 0; v < it->sess.g[g].nshown; v++) {
            const sess_violation *sv = &it->sess.g[g].shown[v];
            for (size_t k = 0; k < sv->nops; k++)
                mark(b, sv->ops[k], M_LINKED);
        }
    for (int a = 0; it->txn_checked && a < TA_COUNT; a++)
        for (size_t c = 0; c < it->txn.found[a].nshown; c++)
            for (size_t k = 0; k < it->txn.found[a].shown[c].nops; k++)
                mark(b, it->txn.found[a].shown[c].ops[k], M_ANOMALY);
}

static lin_verdict group_verdict(const builder *b, const group *g)
{
    return g->part == SIZE_MAX ? b->it->verdict : b->it->parts[g->part].r.verdict;
}

static int cmp_rank(const void *x, const void *y, void *ctx)
{
    const group *v = ((const builder *)ctx)->groups.v;
    const group *a = &v[*(const size_t *)x], *c = &v[*(const size_t *)y];
    if (a->rank != c->rank)
        return a->rank < c->rank ? -1 : 1;
    if (a->rank <= 1) /* with marks: in the parts' order */
        return a < c ? -1 : a > c;
    return a->ops.n < c->ops.n ? -1 : a->ops.n > c->ops.n;
}

/* Choose what each group draws, within the budget. */
static void plan(builder *b, size_t **order_out)
{
    size_t n = b->groups.n, left = REPORT_HTML_DRAWN, timelines = 0;
    size_t *order = xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        group *g = &b->groups.v[i];
        lin_verdict v = group_verdict(b, g);
        g->rank = g->marked ? (v == LIN_INVALID ? 0 : 1) : v == LIN_INVALID ? 2
                                                                            : v == LIN_UNKNOWN ? 3 : 4;
        order[i] = i;
    }
    qsort_r(order, n, sizeof *order, cmp_rank, b);
    for (size_t k = 0; k < n && left && timelines < TIMELINES_MAX; k++) {
        group *g = &b->groups.v[order[k]];
        size_t lo = 0, hi = g->ops.n;
        if (g->marked && g->ops.n > left) {
            lo = SIZE_MAX;
            hi = 0;
            for (size_t j = 0; j < g->ops.n; j++)
                if (b->mark[g->ops.v[j]]) {
                    lo = j < lo ? j : lo;
                    hi = j + 1;
                }
            lo = lo > WINDOW_OPS ? lo - WINDOW_OPS : 0;
            hi = hi + WINDOW_OPS < g->ops.n ? hi + WINDOW_OPS : g->ops.n;
        }
        if (hi - lo > left) { /* what the budget allows, around the first mark */
            if (!g->marked && k > 0)
                continue;
            hi = lo + left;
        }
        g->from = lo;
        g->to = hi;
        g->drawn = true;
        left -= hi - lo;
        timelines++;
    }
    *order_out = order;
}

/* ---- one timeline ---- */

static int64_t lin_point(const builder *b, uint32_t op, int64_t after)
{
    int64_t c = t_call(b, op);
    return c > after ? c : after;
}

/* The linearization points of ops[0..n) (history ops, in order): each at
 * the latest of its invocation and the point before it (real-time order
 * makes that within the op). */
static void points(builder *b, const uint32_t *ops, size_t n, const char *name)
{
    report_html_jkey(b->out, name);
    sbuf_addc(b->out, '[');
    int64_t t = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        t = lin_point(b, ops[i], t);
        sbuf_printf(b->out, "%s[%u,%lld]", i ? "," : "", ops[i], (long long)t);
    }
    sbuf_adds(b->out, "],");
}

/* The search's prefix and the counterexample's furthest order, for part p. */
static void part_paths(builder *b, const lin_part *p)
{
    if (p->r.verdict != LIN_INVALID)
        return;
    uint32_t *v = xmalloc((p->r.nprefix + SHRINK_EXPLAIN_MAX + 2) * sizeof *v);
    size_t n = 0;
    if (p->path == LIN_PATH_SEARCH && p->r.nprefix) {
        for (size_t i = p->r.nprefix > PREFIX_DRAWN ? p->r.nprefix - PREFIX_DRAWN : 0;
             i < p->r.nprefix; i++)
            v[n++] = p->ids[p->r.prefix[i]];
        points(b, v, n, "lin");
    }
    const shrink_result *s = &p->shrunk;
    if (s->nends) {
        n = 0;
        for (size_t i = 0; i < s->ends[0].norder; i++)
            v[n++] = p->ids[s->ends[0].order[i]];
        points(b, v, n, "cx");
        report_html_jkey(b->out, "cx_state");
        report_html_jstr(b->out, s->ends[0].state);
        sbuf_addc(b->out, ',');
    }
    free(v);
}

/* Session violations' ops, linked in the order the explanation names them. */
static void links(builder *b, const group *g)
{
    const check_item *it = b->it;
    report_html_jkey(b->out, "links");
    sbuf_addc(b->out, '[');
    bool first = true;
    for (int q = 0; it->sess_checked && q < SG_COUNT; q++)
        for (size_t v = 0; v < it->sess.g[q].nshown; v++) {
            const sess_violation *sv = &it->sess.g[q].shown[v];
            if (sv->derived)
                continue;
            for (size_t k = 1; k < sv->nops; k++) {
                uint32_t a = sv->ops[k - 1], c = sv->ops[k];
                if (&b->groups.v[b->group_of[a]] != g || &b->groups.v[b->group_of[c]] != g)
                    continue;
                sbuf_printf(b->out, "%s[%u,%u,%d]", first ? "" : ",", a, c, q);
                first = false;
            }
        }
    sbuf_adds(b->out, "],");
}

/* Ops per bucket of the group's whole time, by outcome, by invocation. */
static void density(builder *b, const group *g)
{
    int64_t lo = t_call(b, g->ops.v[0]), hi = lo;
    for (size_t j = 0; j < g->ops.n; j++) {
        int64_t r = t_ret(b, g->ops.v[j]), c = t_call(b, g->ops.v[j]);
        hi = r > hi ? r : c > hi ? c : hi;
    }
    int64_t width = (hi - lo) / DENSITY_BUCKETS + 1, n[3][DENSITY_BUCKETS] = {{0}};
    for (size_t j = 0; j < g->ops.n; j++) {
        const hist_op *o = &b->ops[g->ops.v[j]];
        int64_t k = (t_call(b, g->ops.v[j]) - lo) / width;
        n[o->status == OP_OK ? 0 : o->status == OP_INFO ? 1 : 2][k < DENSITY_BUCKETS ? k : DENSITY_BUCKETS - 1]++;
    }
    sbuf_printf(b->out, "\"density\":{\"t0\":%lld,\"b\":%lld,", (long long)lo, (long long)width);
    report_html_jints(b->out, "ok", n[0], DENSITY_BUCKETS);
    report_html_jints(b->out, "info", n[1], DENSITY_BUCKETS);
    report_html_jints(b->out, "fail", n[2], DENSITY_BUCKETS);
    b->out->len--; /* the last comma */
    sbuf_adds(b->out, "},");
}

static void timeline(builder *b, size_t gi, size_t *fidx_n, valmap *fidx)
{
    group *g = &b->groups.v[gi];
    sbuf *o = b->out;
    size_t n = g->to - g->from;
    const uint32_t *ids = g->ops.v + g->from;
    sbuf_addc(o, '{');
    report_html_jkey(o, "name");
    sbuf name = {0};
    if (g->part != SIZE_MAX)
        report_part_name(b->it, &b->it->parts[g->part], &name);
    else if (b->ops[g->ops.v[0]].has_key) {
        sbuf_adds(&name, "key ");
        val_describe(hist_cvtab(b->h), b->ops[g->ops.v[0]].key, &name);
    }
    report_html_jstr(o, sbuf_str(&name));
    sbuf_free(&name);
    sbuf_printf(o, ",\"verdict\":\"%s\",\"part\":%lld,\"total\":%zu,\"from\":%zu,",
                report_verdict_name(group_verdict(b, g)),
                g->part == SIZE_MAX ? -1LL : (long long)g->part, g->ops.n, g->from);
    /* Rows: the processes, in order of first appearance. */
    valmap *rows = valmap_new();
    int64_t *col = xmalloc((n ? n : 1) * sizeof *col);
    report_html_jkey(o, "procs");
    sbuf_addc(o, '[');
    for (size_t j = 0; j < n; j++) {
        uint32_t r;
        if (!valmap_get(rows, b->ops[ids[j]].process, &r)) {
            r = (uint32_t)valmap_size(rows);
            valmap_put(rows, b->ops[ids[j]].process, r);
            sbuf d = {0};
            val_describe(hist_cvtab(b->h), b->ops[ids[j]].process, &d);
            if (r)
                sbuf_addc(o, ',');
            report_html_jstr(o, sbuf_str(&d));
            sbuf_free(&d);
        }
        col[j] = r;
    }
    sbuf_adds(o, "],\"op\":{");
    report_html_jints(o, "p", col, n);
#define COLUMN(key, expr)                                                                     \
    do {                                                                                      \
        for (size_t j = 0; j < n; j++) {                                                      \
            size_t i = ids[j];                                                                \
            (void)i;                                                                          \
            col[j] = (expr);                                                                  \
        }                                                                                     \
        report_html_jints(o, key, col, n);                                                            \
    } while (0)
    COLUMN("id", (int64_t)i);
    COLUMN("s", t_call(b, i));
    COLUMN("e", t_ret(b, i));
    COLUMN("y", b->ops[i].status == OP_OK ? 0 : b->ops[i].status == OP_INFO ? 1 : 2);
    COLUMN("f", report_html_fname(b->ops[i].f, fidx, fidx_n));
    COLUMN("v", str_of(b, b->ops[i].in));
    COLUMN("r", b->ops[i].status == OP_OK ? str_of(b, b->ops[i].out) : -1);
    COLUMN("l", hist_positions(b->h)[b->ops[i].call].line);
    COLUMN("m", b->ops[i].ret == HIST_OPEN ? 0 : hist_positions(b->h)[b->ops[i].ret].line);
    COLUMN("ver", b->ops[i].version == HIST_NONE ? -1 : b->ops[i].version);
    COLUMN("nd", val_is_nil(hist_op_node(b->h, i)) ? -1 : str_of(b, hist_op_node(b->h, i)));
    COLUMN("k", b->mark[i]);
#undef COLUMN
    o->len--;
    sbuf_adds(o, "},");
    if (g->part != SIZE_MAX)
        part_paths(b, &b->it->parts[g->part]);
    links(b, g);
    density(b, g);
    o->len--;
    sbuf_addc(o, '}');
    free(col);
    valmap_free(rows);
}

/* ---- the file ---- */

void report_html_file_data(const report_html_file *f, sbuf *out)
{
    const check_item *it = f->it;
    builder b = {.it = it, .h = it->h, .ops = hist_ops(it->h), .nops = hist_nops(it->h),
                 .out = out};
    b.timed = all_timed(b.h);
    b.origin = report_time_origin(b.h);
    b.mark = xcalloc(b.nops ? b.nops : 1, 1);
    b.group_of = xmalloc((b.nops ? b.nops : 1) * sizeof *b.group_of);
    b.strs = valmap_new();
    valmap *fidx = valmap_new();
    size_t nf = 0;
    make_groups(&b);
    mark_all(&b);
    size_t *order = NULL;
    plan(&b, &order);
    sbuf_printf(out, "\"axis\":\"%s\",", b.timed ? "time" : "position");
    report_html_jkey(out, "timelines");
    sbuf_addc(out, '[');
    bool first = true;
    for (size_t k = 0; k < b.groups.n; k++) {
        if (!b.groups.v[order[k]].drawn || !b.groups.v[order[k]].ops.n)
            continue;
        if (!first)
            sbuf_addc(out, ',');
        first = false;
        timeline(&b, order[k], &nf, fidx);
    }
    sbuf_adds(out, "],");
    sbuf_printf(out, "\"groups\":%zu,", b.groups.n);
    report_html_faults(b.h, b.timed, b.origin, out);
    report_html_perf(b.h, b.timed, b.origin, fidx, &nf, out);
    /* The tables last: timelines and perf fill them. */
    report_html_jkey(out, "strings");
    sbuf_addc(out, '[');
    for (size_t i = 0; i < b.strings.n; i++) {
        if (i)
            sbuf_addc(out, ',');
        report_html_jstr(out, b.strings.v[i]);
        free(b.strings.v[i]);
    }
    sbuf_adds(out, "],");
    report_html_fnames(b.h, fidx, nf, out);
    free(b.strings.v);
    for (size_t i = 0; i < b.groups.n; i++)
        free(b.groups.v[i].ops.v);
    free(b.groups.v);
    free(order);
    free(b.mark);
    free(b.group_of);
    valmap_free(b.strs);
    valmap_free(fidx);
}
