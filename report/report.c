/*
 * report.c - what the reports share (report.h): how an op, a part and a
 * contradiction found without search are told, whatever the format.
 *
 * The text is meant to be read top to bottom by someone who has the history
 * open beside it: every op is named by its process, what it did, and the
 * lines of its invocation and completion in the file.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

const char *report_verdict_name(lin_verdict v)
{
    return v == LIN_VALID ? "valid" : v == LIN_INVALID ? "invalid" : "unknown";
}

const char *report_status_name(hist_status s)
{
    return s == OP_OK ? "ok" : s == OP_FAIL ? "fail" : "info";
}

/* "read -> 4", "write 4", "cas [0 3]" */
static void op_action(const history *h, const hist_op *o, sbuf *out)
{
    const vtab *vt = hist_cvtab(h);
    size_t n;
    const char *f = val_str_bytes(vt, o->f, &n);
    sbuf_add_printable(out, f, n);
    if (!val_is_nil(o->in)) {
        sbuf_addc(out, ' ');
        val_describe(vt, o->in, out);
    }
    if (o->status == OP_OK && (val_is_nil(o->in) || !val_eq(o->in, o->out)) &&
        !(val_is_nil(o->out) && !val_is_nil(o->in))) {
        sbuf_adds(out, " -> ");
        val_describe(vt, o->out, out);
    }
}

void report_op(const history *h, size_t i, sbuf *out)
{
    const hist_op *o = &hist_ops(h)[i];
    const hist_pos *ev = hist_positions(h);
    sbuf_adds(out, "process ");
    val_describe(hist_cvtab(h), o->process, out);
    sbuf_addc(out, ' ');
    op_action(h, o, out);
    if (o->ret == HIST_OPEN)
        sbuf_printf(out, " (line %u, never completed: info)", ev[o->call].line);
    else if (ev[o->call].implied)
        sbuf_printf(out, " (line %u, no invocation%s)", ev[o->ret].line,
                    o->status == OP_INFO ? ", info" : "");
    else
        sbuf_printf(out, " (lines %u-%u%s)", ev[o->call].line, ev[o->ret].line,
                    o->status == OP_INFO ? ", info" : "");
}

void report_paint(FILE *f, const report_opts *o, lin_verdict v, const char *text)
{
    if (!o->color) {
        fputs(text, f);
        return;
    }
    const char *c = v == LIN_VALID ? "\033[32m" : v == LIN_INVALID ? "\033[1;31m" : "\033[33m";
    fprintf(f, "%s%s\033[0m", c, text);
}

void report_part_name(const check_item *it, const lin_part *p, sbuf *out)
{
    if (!p->keyed) {
        if (it->nparts > 1)
            sbuf_printf(out, "part %zu", (size_t)(p - it->parts) + 1);
        return;
    }
    sbuf_adds(out, "key ");
    val_describe(hist_cvtab(it->h), p->key, out);
}

/* Why a part was not searched (attempts 0), for people. */
const char *report_unsearched_why(lin_stop s)
{
    switch (s) {
    case LIN_STOP_INVALID: return "the history is already invalid (--all-parts searches every part)";
    case LIN_STOP_TIME: return "the time limit had passed";
    case LIN_STOP_INTERRUPT: return "interrupted";
    case LIN_STOP_MEMORY: return "the memory limit was reached deciding it without search";
    default: return lin_stop_name(s);
    }
}

/* What stopped an unknown part, for people: "stopped by the time limit
 * after 0.512 s of search" or "not searched: ...". */
void report_part_unknown(const lin_part *p, sbuf *out)
{
    if (!p->attempts) {
        sbuf_printf(out, "not searched: %s", report_unsearched_why(p->r.stop));
        return;
    }
    sbuf_printf(out, "stopped by %s after %.3f s of search", lin_stop_name(p->r.stop), p->seconds);
    if (p->attempts > 1)
        sbuf_adds(out, " over two turns");
}

/* Does the initial value name each key's (model_key_init)? */
bool report_init_per_key(const check_item *it)
{
    return it->md.type->init_per_key && it->md.opts.init.kind == VAL_MAP;
}

/* ---- the unique-value path's contradictions (checker/unique.h) ---- */

/* Op k of a unique-value result, for people. */
static void uv_op(const check_item *it, const lin_part *p, size_t k, sbuf *out)
{
    if (p->uv.ops[k] == UV_OP_INIT)
        sbuf_adds(out, "the initial value");
    else
        report_op(it->h, p->ids[p->uv.ops[k]], out);
}

/* ops[from..nops) one a line, and how many more there were of total. */
static void uv_list(const check_item *it, const lin_part *p, size_t from, size_t total,
                    const char *indent, sbuf *out)
{
    for (size_t k = from; k < p->uv.nops; k++) {
        sbuf_printf(out, "%s  ", indent);
        uv_op(it, p, k, out);
        sbuf_addc(out, '\n');
    }
    if (total > p->uv.nops - from)
        sbuf_printf(out, "%s  ... (%zu in all)\n", indent, total);
}

/* Why a part decided without search cannot be linearized, after the
 * "cannot linearize: <op>" line (that op is the culprit check.c chose). */
void report_uv_explain(const check_item *it, const lin_part *p, const char *indent, sbuf *out)
{
    const uv_result *u = &p->uv;
    bool a_reads = u->reads & 1, b_reads = u->reads & 2, grows = u->form != UV_VALUES;
    const char *thing = u->form == UV_LIST ? "list" : "set";
    const char *did = u->form == UV_LIST ? "appended" : "added";
    sbuf a = {0}, b = {0}, c = {0}, d = {0};
    if (u->nops > 0)
        uv_op(it, p, 0, &a);
    if (u->nops > 1)
        uv_op(it, p, 1, &b);
    if (u->nops > 2)
        uv_op(it, p, 2, &c);
    if (u->nops > 3)
        uv_op(it, p, 3, &d);
    switch (u->kind) {
    case UV_UNWRITTEN:
        if (u->form == UV_LIST)
            sbuf_printf(out, "%sno list it could read ever exists: the list starts at nil and grows\n"
                        "%sby one appended item at a time, each appended once\n", indent, indent);
        else if (u->form == UV_SET)
            sbuf_printf(out, "%sno set it could read ever exists: the set starts with its initial\n"
                        "%smembers and grows only by the members added\n", indent, indent);
        else
            sbuf_printf(out, "%sthe value it needs never exists: no op writes it, and it is not the\n"
                        "%sinitial value\n", indent, indent);
        break;
    case UV_TWO_NEXT:
        sbuf_printf(out, "%sit and %s\n%sboth replace %s%s, which is written once: only one of "
                    "them can\n", indent, sbuf_str(&a), indent,
                    u->ops[2] == UV_OP_INIT ? "" : "the value of ", sbuf_str(&c));
        break;
    case UV_CYCLE:
        sbuf_printf(out, "%seach of these updates needs the value the next one writes, round a "
                    "cycle,\n%sso none of them can go first:\n", indent, indent);
        uv_list(it, p, 0, u->nlinks, indent, out);
        break;
    case UV_ORDER:
        sbuf_printf(out, "%sit completed before %s\n%swas invoked, yet must take effect after it: ",
                    indent, sbuf_str(&a), indent);
        if (grows && a_reads && b_reads)
            sbuf_printf(out, "it shows items that op does not,\n%sand a %s only grows\n", indent,
                        thing);
        else if (grows && a_reads)
            sbuf_printf(out, "that op does not show the item it %s,\n%sand a %s only grows\n",
                        did, indent, thing);
        else if (grows && b_reads)
            sbuf_printf(out, "it shows the item that op %s\n", did);
        else if (grows)
            sbuf_printf(out, "the reads put that op's item first\n");
        else if (u->nlinks == 0 && !a_reads)
            sbuf_printf(out, "it %s the value that op writes\n", b_reads ? "read" : "replaced");
        else if (u->nlinks == 0)
            sbuf_printf(out, "it replaced the value that op read,\n%sand a value written once "
                        "never comes back\n", indent);
        else {
            sbuf_printf(out, "after that op, the value changed\n%sby these, in this order, "
                        "and a value written once never comes back%s\n", indent,
                        b_reads ? " (it read the last)" : " (it changed the last)");
            uv_list(it, p, 2, u->nlinks, indent, out);
        }
        break;
    case UV_OVERLAP:
        if (grows) { /* an item no read shows, against the reads' stretch */
            sbuf_printf(out, "%s%s\n%scompleted before it was invoked, yet ", indent, sbuf_str(&a),
                        indent);
            if (b_reads)
                sbuf_printf(out, "its %s lacks the item that op %s,\n%sand a %s only grows\n",
                            thing, did, indent, thing);
            else
                sbuf_printf(out, "reads show the item it %s, never the one\n%sthat op %s, and a %s "
                            "only grows\n", did, indent, did, thing);
            break;
        }
        sbuf_printf(out, "%sthe ops of a value (its write, its reads, and the cas or appends that\n"
                    "%sfollow from it) stand together in time, as it is written once and never\n"
                    "%scomes back; yet each of these two groups must come before the other:\n",
                    indent, indent, indent);
        sbuf_printf(out, "%s  A: %s completed before\n%s  B: %s was invoked, and\n", indent,
                    sbuf_str(&a), indent, sbuf_str(&b));
        if (u->ops[2] == UV_OP_INIT)
            sbuf_printf(out, "%s  B: the initial value, there from the start, comes before\n",
                        indent);
        else
            sbuf_printf(out, "%s  B: %s completed before\n", indent, sbuf_str(&c));
        sbuf_printf(out, "%s  A: %s was invoked\n", indent, sbuf_str(&d));
        break;
    case UV_DIVERGE:
        sbuf_printf(out, "%sit and %s\n%sreturn %ss neither of which %s the other, but a %s only "
                    "grows\n", indent, sbuf_str(&b), indent, thing,
                    u->form == UV_LIST ? "extends" : "holds", thing);
        break;
    default:
        sbuf_printf(out, "%s%s\n", indent, uv_kind_text(u->kind));
    }
    sbuf_free(&a);
    sbuf_free(&b);
    sbuf_free(&c);
    sbuf_free(&d);
}

/* ---- the smallest counterexample (checker/shrink.h) ---- */

int64_t report_time_origin(const history *h)
{
    int64_t t = hist_first_time(h);
    return t == HIST_NONE ? 0 : t;
}

/* "0.000010-0.000020 s  ", or nothing when the op has no times. */
static void op_times(const history *h, int64_t origin, size_t i, sbuf *out)
{
    const hist_op *o = &hist_ops(h)[i];
    if (o->call_time == HIST_NONE)
        return;
    sbuf_printf(out, "%.6f", (double)(o->call_time - origin) / 1e9);
    if (o->ret_time != HIST_NONE)
        sbuf_printf(out, "-%.6f", (double)(o->ret_time - origin) / 1e9);
    else
        sbuf_adds(out, "-");
    sbuf_adds(out, " s  ");
}

static int cmp_call(const void *a, const void *b, void *ctx)
{
    const lin_part *p = ((const void **)ctx)[0];
    const hist_op *ops = ((const void **)ctx)[1];
    uint32_t x = ops[p->ids[*(const uint32_t *)a]].call, y = ops[p->ids[*(const uint32_t *)b]].call;
    return x < y ? -1 : x > y;
}

size_t report_minimal_order(const check_item *it, const lin_part *p, uint32_t *out)
{
    const shrink_result *s = &p->shrunk;
    memcpy(out, s->ops, s->nops * sizeof *out);
    memcpy(out + s->nops, s->maybe, s->nmaybe * sizeof *out);
    const void *ctx[] = {p, hist_ops(it->h)};
    qsort_r(out, s->nops + s->nmaybe, sizeof *out, cmp_call, ctx);
    return s->nops + s->nmaybe;
}

bool report_minimal_maybe(const lin_part *p, uint32_t k)
{
    for (size_t i = 0; i < p->shrunk.nmaybe; i++)
        if (p->shrunk.maybe[i] == k)
            return true;
    return false;
}

/* "[3]" for part op k of the ops in order[0..n) */
static void label(const uint32_t *order, size_t n, uint32_t k, sbuf *out)
{
    for (size_t i = 0; i < n; i++)
        if (order[i] == k) {
            sbuf_printf(out, "[%zu]", i + 1);
            return;
        }
    sbuf_adds(out, "[?]");
}

/* Where every order of the minimal ops gets stuck. */
static void minimal_ends(const check_item *it, const shrink_result *s, const uint32_t *order,
                         size_t n, const char *indent, sbuf *out)
{
    if (n == 1)
        sbuf_printf(out, "%sit gets stuck:\n", indent);
    else
        sbuf_printf(out, "%severy order of them gets stuck, in %zu way%s%s:\n", indent,
                    s->ends_total, s->ends_total == 1 ? "" : "s",
                    s->ends_total > s->nends ? "; the furthest" : "");
    for (size_t e = 0; e < s->nends; e++) {
        const shrink_end *d = &s->ends[e];
        sbuf_printf(out, "%s  ", indent);
        if (!d->norder)
            sbuf_adds(out, "at the start");
        for (size_t i = 0; i < d->norder; i++) {
            sbuf_adds(out, i ? " " : "after ");
            label(order, n, d->order[i], out);
        }
        sbuf_printf(out, " the %s is %s: ", it->md.type->name, d->state);
        if (d->nnext > 1)
            sbuf_adds(out, "none of ");
        for (size_t i = 0; i < d->nnext; i++) {
            sbuf_adds(out, i == 0 ? "" : i + 1 == d->nnext ? " and " : ", ");
            label(order, n, d->next[i], out);
        }
        sbuf_printf(out, " can%s take effect there\n", d->nnext > 1 ? "" : "not");
    }
    if (!s->explained)
        sbuf_printf(out, "%s  (not every order was explored: too many)\n", indent);
}

void report_minimal(const check_item *it, const lin_part *p, const char *indent, size_t max_ops,
                    sbuf *out)
{
    const shrink_result *s = &p->shrunk;
    if (!s->tried || !s->nops)
        return;
    size_t n = s->nops + s->nmaybe;
    if (!s->minimal && s->nops >= p->nops) {
        sbuf_printf(out, "%sno smaller counterexample found%s%s (%.3f s, %zu checks)\n", indent,
                    s->stop ? " before " : "", s->stop ? shrink_stop_name(s->stop) : "",
                    s->seconds, s->tests);
        return;
    }
    sbuf_printf(out, "%ssmallest counterexample%s (%.3f s, %zu checks", indent,
                s->complete ? "" : " found", s->seconds, s->tests);
    if (!s->complete)
        sbuf_printf(out, "; %s: fewer may do", s->stop ? shrink_stop_name(s->stop)
                                                        : "some checks ran out of their time");
    if (n == 1) {
        /* One op, which no state the model starts from allows (never a
         * maybe: leaving it out would leave nothing to fail). */
        sbuf_printf(out, "):\n%sthis op cannot be linearized:\n", indent);
    } else {
        sbuf_printf(out, "):\n%sthese %zu ops cannot be linearized", indent, n);
        if (s->nmaybe)
            sbuf_printf(out, ", even with the %zu marked maybe taking effect\n%sor not (at any "
                        "time after %s invocation)", s->nmaybe, indent,
                        s->nmaybe == 1 ? "its" : "their");
        if (s->minimal)
            sbuf_printf(out, s->nmaybe ? ",\n%syet could be if any other one had crashed too:\n"
                                       : ", yet could be if any one of them\n%shad crashed "
                                         "(taking effect or not):\n", indent);
        else
            sbuf_adds(out, ":\n");
    }
    uint32_t *order = xmalloc((n ? n : 1) * sizeof *order);
    report_minimal_order(it, p, order);
    int64_t origin = report_time_origin(it->h);
    size_t shown = n < max_ops ? n : max_ops;
    for (size_t i = 0; i < shown; i++) {
        sbuf_printf(out, "%s  [%zu] %s", indent, i + 1,
                    s->nmaybe ? report_minimal_maybe(p, order[i]) ? "maybe " : "      " : "");
        op_times(it->h, origin, p->ids[order[i]], out);
        report_op(it->h, p->ids[order[i]], out);
        sbuf_addc(out, '\n');
    }
    if (shown < n)
        sbuf_printf(out, "%s  ... (%zu in all; --format json lists them)\n", indent, n);
    if (s->nends)
        minimal_ends(it, s, order, n, indent, out);
    free(order);
}
