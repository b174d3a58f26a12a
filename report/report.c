/*
 * report.c - text and JSON reports of checked histories (report.h).
 *
 * The text is meant to be read top to bottom by someone who has the history
 * open beside it: every op is named by its process, what it did, and the
 * lines of its invocation and completion in the file.
 */
#include "report.h"

#include <string.h>

#include "../util/mem.h"
#include "report_jw.h"
#include "report_txn.h"
#include "../util/utf8.h"

#define MAX_PARTS_SHOWN 20
#define PREFIX_TAIL 6

const char *report_verdict_name(lin_verdict v)
{
    return v == LIN_VALID ? "valid" : v == LIN_INVALID ? "invalid" : "unknown";
}

static const char *status_name(hist_status s)
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

static void paint(FILE *f, const report_opts *o, lin_verdict v, const char *text)
{
    if (!o->color) {
        fputs(text, f);
        return;
    }
    const char *c = v == LIN_VALID ? "\033[32m" : v == LIN_INVALID ? "\033[1;31m" : "\033[33m";
    fprintf(f, "%s%s\033[0m", c, text);
}

static void part_name(const check_item *it, const lin_part *p, sbuf *out)
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
static const char *unsearched_why(lin_stop s)
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
static void part_unknown(const lin_part *p, sbuf *out)
{
    if (!p->attempts) {
        sbuf_printf(out, "not searched: %s", unsearched_why(p->r.stop));
        return;
    }
    sbuf_printf(out, "stopped by %s after %.3f s of search", lin_stop_name(p->r.stop), p->seconds);
    if (p->attempts > 1)
        sbuf_adds(out, " over two turns");
}

static void text_lin(FILE *f, const check_item *it, const report_opts *o);
static void uv_explain(const check_item *it, const lin_part *p, const char *indent, sbuf *out);
static void text_sessions(FILE *f, const check_item *it, const report_opts *o);

static void text_invalid(FILE *f, const check_item *it, const lin_part *p)
{
    const lin_result *r = &p->r;
    sbuf b = {0};
    report_op(it->h, p->ids[r->fail], &b);
    fprintf(f, "      cannot linearize: %s\n", sbuf_str(&b));
    sbuf_reset(&b);
    if (p->path == LIN_PATH_UNIQUE) {
        uv_explain(it, p, "      ", &b);
        fputs(sbuf_str(&b), f);
        sbuf_free(&b);
        return;
    }
    fprintf(f, "      no order of the ops before its completion, consistent with real time,\n"
               "      lets it take effect. The longest linearizable prefix found has %zu op%s",
            r->nprefix, r->nprefix == 1 ? "" : "s");
    if (r->nprefix) {
        fprintf(f, "%s:\n", r->nprefix > PREFIX_TAIL ? ", ending" : "");
        size_t from = r->nprefix > PREFIX_TAIL ? r->nprefix - PREFIX_TAIL : 0;
        for (size_t i = from; i < r->nprefix; i++) {
            sbuf_reset(&b);
            report_op(it->h, p->ids[r->prefix[i]], &b);
            fprintf(f, "        %s\n", sbuf_str(&b));
        }
    } else {
        fprintf(f, ".\n");
    }
    fprintf(f, "      the %s could then be: ", it->md.type->name);
    for (size_t i = 0; i < r->nstates; i++)
        fprintf(f, "%s%s", i ? ", " : "", r->states[i]);
    fprintf(f, "%s\n", r->more_states ? ", ..." : "");
    if (r->npending) {
        fprintf(f, "      ops invoked and not yet placed there:\n");
        for (size_t i = 0; i < r->npending; i++) {
            sbuf_reset(&b);
            report_op(it->h, p->ids[r->pending[i]], &b);
            fprintf(f, "        %s\n", sbuf_str(&b));
        }
        if (r->more_pending)
            fprintf(f, "        ...\n");
    }
    sbuf_free(&b);
}

/* Does the initial value name each key's (model_key_init)? */
static bool init_per_key(const check_item *it)
{
    return it->md.type->init_per_key && it->md.opts.init.kind == VAL_MAP;
}

void report_text(FILE *f, const check_item *it, const report_opts *o)
{
    hist_counts c = hist_count(it->h);
    sbuf name = {0};
    sbuf_add_printable(&name, hist_name(it->h), strlen(hist_name(it->h)));
    size_t nev = hist_nevents(it->h) - c.implied;
    fprintf(f, "%s: %zu event%s, %zu op%s (%zu ok, %zu info, %zu fail)", sbuf_str(&name),
            nev, nev == 1 ? "" : "s", hist_nops(it->h),
            hist_nops(it->h) == 1 ? "" : "s", c.ok, c.info, c.fail);
    if (c.implied)
        fprintf(f, ", completions only: each op taken as invoked at the start");
    if (c.open)
        fprintf(f, ", %zu never completed", c.open);
    if (c.annotations)
        fprintf(f, ", %zu nemesis events", c.annotations);
    fprintf(f, "\n");
    sbuf_free(&name);
    if (it->txn_checked) {
        report_txn_text(f, it, o);
        return;
    }
    if (it->jw_checked) {
        report_jw_text(f, it, o);
        return;
    }
    sbuf init = {0};
    val_describe(hist_cvtab(it->h), it->md.opts.init, &init);
    fprintf(f, "  model %s (%s%s%s), initial value %s%s, nil reads %s",
            it->md.type->name, it->inferred ? "inferred from the ops' names" : "--model",
            it->inferred && it->jw_also ? "; " : "", it->inferred && it->jw_also ? it->jw_also : "",
            sbuf_str(&init), init_per_key(it) ? " (per key)" : "",
            it->md.opts.nil == NIL_ABSENT ? "absent" : "unknown");
    if (it->lin_checked) {
        fprintf(f, "; %zu part%s, %zu op%s checked", it->nparts, it->nparts == 1 ? "" : "s",
                it->nsearch, it->nsearch == 1 ? "" : "s");
        if (it->nskipped)
            fprintf(f, ", %zu that say nothing left out", it->nskipped);
        if (it->npruned)
            fprintf(f, ", %zu crashed write%s no op could see left out", it->npruned,
                    it->npruned == 1 ? "" : "s");
    }
    fprintf(f, "\n");
    sbuf_free(&init);
    if (it->lin_checked)
        text_lin(f, it, o);
    if (it->sess_checked)
        text_sessions(f, it, o);
}

#define UNSEARCHED_NAMED 10

/* How the parts were decided: " (0.001 s; ...)" */
static void text_paths(FILE *f, const check_item *it)
{
    size_t fast = 0, searched = 0, why[UV_NKINDS] = {0};
    for (size_t i = 0; i < it->nparts; i++) {
        if (it->parts[i].path == LIN_PATH_UNIQUE) {
            fast++;
        } else {
            searched++;
            why[it->parts[i].uv.kind]++;
        }
    }
    int most = 0;
    for (int k = 1; k < UV_NKINDS; k++)
        if (why[k] > why[most])
            most = k;
    fprintf(f, " (%.3f s", it->seconds);
    if (fast)
        fprintf(f, "; %zu part%s decided without search, as written values are unique", fast,
                fast == 1 ? "" : "s");
    if (searched) {
        fprintf(f, fast ? "; %zu searched" : " of search", searched);
        if (it->md.type->vop) /* the model has a unique-value form: say why not */
            fprintf(f, ", %s%s", searched > why[most] ? "mostly as " : "as ",
                    uv_kind_text((uv_kind)most));
    }
    fprintf(f, ")\n");
}

static void text_lin(FILE *f, const check_item *it, const report_opts *o)
{
    fprintf(f, "  linearizability: ");
    paint(f, o, it->lin, it->lin == LIN_VALID ? "VALID" : it->lin == LIN_INVALID ? "INVALID" : "UNKNOWN");
    text_paths(f, it);
    size_t shown = 0, hidden = 0;
    for (size_t i = 0; i < it->nparts; i++) {
        const lin_part *p = &it->parts[i];
        if (!p->attempts && p->r.verdict == LIN_UNKNOWN)
            continue; /* listed below, by reason */
        bool notable = p->r.verdict != LIN_VALID;
        if (!notable && !o->verbose && (it->nparts == 1 || shown >= MAX_PARTS_SHOWN)) {
            hidden++;
            continue;
        }
        shown++;
        sbuf name = {0};
        part_name(it, p, &name);
        fprintf(f, "    %s%s", sbuf_str(&name), name.len ? ": " : "");
        paint(f, o, p->r.verdict, report_verdict_name(p->r.verdict));
        fprintf(f, ", %zu op%s", p->nops, p->nops == 1 ? "" : "s");
        if (p->path == LIN_PATH_UNIQUE)
            fprintf(f, ", without search");
        else if (it->md.type->vop && p->uv.kind != UV_SEARCH_ASKED)
            fprintf(f, ", searched as %s", uv_kind_text(p->uv.kind));
        if (p->r.verdict == LIN_UNKNOWN) {
            sbuf why = {0};
            part_unknown(p, &why);
            fprintf(f, ", %s", sbuf_str(&why));
            if (!o->verbose)
                fprintf(f, " (%zu configurations)", p->r.configs);
            sbuf_free(&why);
        }
        if (o->verbose && p->path == LIN_PATH_UNIQUE)
            fprintf(f, " (%zu chains of values, %zu crashed updates left out, %.3f s)",
                    p->uv.chains, p->uv.dropped, p->seconds);
        else if (o->verbose)
            fprintf(f, " (%zu configurations, %zu states, %.3f s, %.1f MB held at most)",
                    p->r.configs, p->r.nmstates, p->seconds, (double)p->r.bytes / 1e6);
        fprintf(f, "\n");
        sbuf_free(&name);
        if (p->r.verdict == LIN_INVALID)
            text_invalid(f, it, p);
    }
    if (hidden && it->nparts > 1)
        fprintf(f, "    ... and %zu more part%s, all valid\n", hidden, hidden == 1 ? "" : "s");
    /* Parts not searched at all, one line per reason, naming them. */
    static const lin_stop reasons[] = {LIN_STOP_INVALID, LIN_STOP_TIME, LIN_STOP_INTERRUPT,
                                       LIN_STOP_MEMORY};
    for (size_t k = 0; k < sizeof reasons / sizeof *reasons; k++) {
        size_t count = 0;
        sbuf names = {0};
        for (size_t i = 0; i < it->nparts; i++) {
            const lin_part *p = &it->parts[i];
            if (p->attempts || p->r.stop != reasons[k])
                continue;
            if (count++ < UNSEARCHED_NAMED) {
                sbuf_adds(&names, count > 1 ? ", " : "");
                part_name(it, p, &names);
            }
        }
        if (!count)
            continue;
        if (count > UNSEARCHED_NAMED)
            sbuf_printf(&names, " and %zu more", count - UNSEARCHED_NAMED);
        fprintf(f, "    %zu part%s not searched, as %s%s%s\n", count, count == 1 ? "" : "s",
                unsearched_why(reasons[k]), names.len ? ": " : "", sbuf_str(&names));
        sbuf_free(&names);
    }
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
static void uv_explain(const check_item *it, const lin_part *p, const char *indent, sbuf *out)
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

#define SHOWN_PER_GUARANTEE 3

static void text_sessions(FILE *f, const check_item *it, const report_opts *o)
{
    const sess_result *s = &it->sess;
    if (!s->applicable) {
        fprintf(f, "  session guarantees: not applicable (%s)\n", s->why_na);
        return;
    }
    fprintf(f, "  session guarantees (version order: %s; %zu session%s, %zu key%s, %.3f s):\n",
            sess_order_name(s->order), s->sessions, s->sessions == 1 ? "" : "s", s->keys,
            s->keys == 1 ? "" : "s", s->seconds);
    if (s->keys_not_unique)
        fprintf(f, "    %zu key%s not checked: a read cannot tell which write it saw, as "
                   "written values are not unique or appends mix with overwrites (e.g. %s)\n",
                s->keys_not_unique, s->keys_not_unique == 1 ? "" : "s", s->not_unique_example);
    if (s->stopped)
        fprintf(f, "    stopped by %s: what was not found violated by then is unknown\n",
                sess_stop_name(s->stopped));
    if (s->reads_without_version)
        fprintf(f, "    %zu read%s without a version could not be compared\n",
                s->reads_without_version, s->reads_without_version == 1 ? "" : "s");
    for (int g = 0; g < SG_COUNT; g++) {
        const sess_outcome *oc = &s->g[g];
        fprintf(f, "    %s: ", sess_guarantee_name((sess_guarantee)g));
        if (oc->status == SS_NA) {
            fprintf(f, "n/a (%s)\n", oc->why_na);
            continue;
        }
        if (oc->status == SS_UNKNOWN) {
            paint(f, o, LIN_UNKNOWN, "unknown");
            fprintf(f, " (stopped by %s)\n", oc->why_na);
            continue;
        }
        if (oc->status == SS_HOLDS) {
            paint(f, o, LIN_VALID, "holds");
            fprintf(f, " (%zu key%s)\n", oc->keys, oc->keys == 1 ? "" : "s");
            continue;
        }
        paint(f, o, LIN_INVALID, "VIOLATED");
        fprintf(f, " on %zu of %zu key%s", oc->keys_violated, oc->keys, oc->keys == 1 ? "" : "s");
        size_t own = 0;
        for (size_t i = 0; i < oc->nshown; i++)
            own += !oc->shown[i].derived;
        if (g >= SG_PRAM && own == 0) { /* each one is a part's, shown above */
            fprintf(f, ", where a part is violated (above)\n");
            continue;
        }
        fprintf(f, "\n");
        size_t limit = o->verbose ? SESS_MAX_SHOWN : SHOWN_PER_GUARANTEE, shown = 0;
        for (size_t i = 0; i < oc->nshown && shown < limit; i++) {
            if (g >= SG_PRAM && oc->shown[i].derived)
                continue;
            fprintf(f, "      %s\n", oc->shown[i].text);
            shown++;
        }
        if (oc->violations > shown)
            fprintf(f, "      ... %zu more (-v shows up to %d; --format json has them)\n",
                    oc->violations - shown, SESS_MAX_SHOWN);
    }
    if (s->g[SG_ALL].status == SS_HOLDS && o->verbose)
        fprintf(f, "    (causal consistency needs these four and causality across keys;\n"
                   "     conch checks them per key, not the order between keys)\n");
}

/* A JSON string of s, valid whatever bytes s holds (file names, and texts
 * that quote values, may hold any): json_string refuses invalid UTF-8, and
 * a member set to its NULL would vanish from the report. */
json_t *report_json_text(const char *s)
{
    sbuf b = {0};
    sbuf_add_utf8(&b, s, strlen(s));
    json_t *j = json_string(sbuf_str(&b));
    sbuf_free(&b);
    return j;
}

json_t *report_json_val(const vtab *vt, val v)
{
    sbuf b = {0};
    val_to_json(vt, v, &b);
    json_t *j = json_loadb(sbuf_str(&b), b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!j) /* not expected (val_to_json writes what jansson reads): say it, not null */
        j = report_json_text(sbuf_str(&b));
    sbuf_free(&b);
    return j;
}

static json_t *json_op(const history *h, size_t i)
{
    const hist_op *o = &hist_ops(h)[i];
    const hist_pos *ev = hist_positions(h);
    const vtab *vt = hist_cvtab(h);
    json_t *j = json_object();
    json_object_set_new(j, "process", report_json_val(vt, o->process));
    json_object_set_new(j, "f", report_json_val(vt, o->f));
    if (o->has_key)
        json_object_set_new(j, "key", report_json_val(vt, o->key));
    json_object_set_new(j, "value", report_json_val(vt, o->in));
    if (o->status == OP_OK)
        json_object_set_new(j, "result", report_json_val(vt, o->out));
    json_object_set_new(j, "type", json_string(status_name(o->status)));
    if (!ev[o->call].implied)
        json_object_set_new(j, "invoke_line", json_integer(ev[o->call].line));
    if (o->ret != HIST_OPEN)
        json_object_set_new(j, "complete_line", json_integer(ev[o->ret].line));
    if (o->call_time != HIST_NONE)
        json_object_set_new(j, "invoke_time", json_integer(o->call_time));
    if (o->ret_time != HIST_NONE)
        json_object_set_new(j, "complete_time", json_integer(o->ret_time));
    return j;
}

static json_t *json_sessions(const check_item *it)
{
    const sess_result *s = &it->sess;
    const vtab *vt = hist_cvtab(it->h);
    json_t *j = json_object();
    json_object_set_new(j, "applicable", json_boolean(s->applicable));
    if (!s->applicable) {
        json_object_set_new(j, "reason", report_json_text(s->why_na));
        return j;
    }
    json_object_set_new(j, "version_order", json_string(sess_order_name(s->order)));
    json_object_set_new(j, "sessions", json_integer((json_int_t)s->sessions));
    json_object_set_new(j, "keys", json_integer((json_int_t)s->keys));
    json_object_set_new(j, "keys_not_unique", json_integer((json_int_t)s->keys_not_unique));
    if (s->not_unique_example)
        json_object_set_new(j, "not_unique_example", report_json_text(s->not_unique_example));
    json_object_set_new(j, "reads_without_version",
                        json_integer((json_int_t)s->reads_without_version));
    json_object_set_new(j, "seconds", json_real(s->seconds));
    if (s->stopped)
        json_object_set_new(j, "stopped_by", json_string(sess_stop_name(s->stopped)));
    for (int g = 0; g < SG_COUNT; g++) {
        const sess_outcome *oc = &s->g[g];
        json_t *gj = json_object();
        json_object_set_new(gj, "name", json_string(sess_guarantee_name((sess_guarantee)g)));
        static const char *const status[] = {"holds", "violated", "n/a", "unknown"};
        json_object_set_new(gj, "status", json_string(status[oc->status]));
        if (oc->status == SS_NA)
            json_object_set_new(gj, "reason", report_json_text(oc->why_na));
        if (oc->status == SS_UNKNOWN) {
            sbuf why = {0};
            sbuf_printf(&why, "stopped by %s", oc->why_na);
            json_object_set_new(gj, "reason", report_json_text(sbuf_str(&why)));
            sbuf_free(&why);
        }
        json_object_set_new(gj, "keys", json_integer((json_int_t)oc->keys));
        json_object_set_new(gj, "keys_violated", json_integer((json_int_t)oc->keys_violated));
        json_object_set_new(gj, "violations", json_integer((json_int_t)oc->violations));
        json_t *vs = json_array();
        for (size_t i = 0; i < oc->nshown; i++) {
            const sess_violation *v = &oc->shown[i];
            json_t *vj = json_object();
            if (v->keyed)
                json_object_set_new(vj, "key", report_json_val(vt, v->key));
            json_object_set_new(vj, "explanation", report_json_text(v->text));
            if (v->derived)
                json_object_set_new(vj, "from_part", json_true());
            json_t *ops = json_array();
            for (size_t k = 0; k < v->nops; k++)
                json_array_append_new(ops, json_op(it->h, v->ops[k]));
            json_object_set_new(vj, "ops", ops);
            json_array_append_new(vs, vj);
        }
        json_object_set_new(gj, "shown", vs);
        json_object_set_new(j, sess_guarantee_short((sess_guarantee)g), gj);
    }
    return j;
}

json_t *report_json(const check_item *it, const report_opts *o)
{
    const history *h = it->h;
    hist_counts c = hist_count(h);
    json_t *j = json_object();
    json_object_set_new(j, "file", report_json_text(hist_name(h)));
    json_object_set_new(j, "format", json_string(hist_format_name(o->format)));
    json_object_set_new(j, "events", json_integer((json_int_t)(hist_nevents(h) - c.implied)));
    if (c.implied)
        json_object_set_new(j, "completions_only", json_true());
    json_object_set_new(j, "ops", json_pack("{s:I,s:I,s:I,s:I,s:I}", "ok", (json_int_t)c.ok,
                                            "info", (json_int_t)c.info, "fail", (json_int_t)c.fail,
                                            "never_completed", (json_int_t)c.open, "nemesis",
                                            (json_int_t)c.annotations));
    json_t *warn = json_array();
    for (size_t i = 0; i < hist_nwarnings(h); i++)
        json_array_append_new(warn, report_json_text(hist_warning(h, i)));
    json_object_set_new(j, "warnings", warn);
    if (it->txn_checked) {
        json_object_set_new(j, "model", json_string(txn_workload_name(it->txn.workload)));
        json_object_set_new(j, "model_inferred", json_boolean(!it->txn_workload_named));
        json_object_set_new(j, "checks", json_pack("{s:o}", "transactions", report_txn_json(it)));
        json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
        return j;
    }
    if (it->jw_checked) {
        json_object_set_new(j, "model", json_string(jw_kind_name(it->jw.kind)));
        json_object_set_new(j, "model_inferred", json_boolean(it->jw_how != NULL));
        json_object_set_new(j, "checks", json_pack("{s:o}", jw_kind_name(it->jw.kind),
                                                   report_jw_json(it)));
        json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
        return j;
    }
    json_object_set_new(j, "model", json_string(it->md.type->name));
    json_object_set_new(j, "model_inferred", json_boolean(it->inferred));
    json_object_set_new(j, "init", report_json_val(hist_cvtab(h), it->md.opts.init));
    json_object_set_new(j, "init_per_key", json_boolean(init_per_key(it)));
    json_object_set_new(j, "nil_read", json_string(it->md.opts.nil == NIL_ABSENT ? "absent" : "unknown"));
    json_t *lin = json_object();
    json_object_set_new(lin, "verdict", json_string(it->lin_checked ? report_verdict_name(it->lin) : "not checked"));
    json_object_set_new(lin, "ops_searched", json_integer((json_int_t)it->nsearch));
    json_object_set_new(lin, "ops_left_out", json_integer((json_int_t)it->nskipped));
    json_object_set_new(lin, "unseen_crashed_writes_left_out", json_integer((json_int_t)it->npruned));
    json_object_set_new(lin, "seconds", json_real(it->seconds));
    json_object_set_new(lin, "parts_not_searched", json_integer((json_int_t)it->nunsearched));
    json_t *parts = json_array();
    for (size_t i = 0; i < it->nparts; i++) {
        const lin_part *p = &it->parts[i];
        const lin_result *r = &p->r;
        json_t *pj = json_object();
        if (p->keyed)
            json_object_set_new(pj, "key", report_json_val(hist_cvtab(h), p->key));
        json_object_set_new(pj, "ops", json_integer((json_int_t)p->nops));
        json_object_set_new(pj, "verdict", json_string(report_verdict_name(r->verdict)));
        /* "searched": checked at all, by either path; "path" says which */
        json_object_set_new(pj, "searched", json_boolean(p->attempts > 0));
        json_object_set_new(pj, "path", json_string(p->path == LIN_PATH_UNIQUE ? "unique-values"
                                                                                : "search"));
        json_object_set_new(pj, "searches", json_integer((json_int_t)(
                                                p->path == LIN_PATH_SEARCH ? p->attempts : 0)));
        if (p->path == LIN_PATH_SEARCH && it->md.type->vop)
            json_object_set_new(pj, "searched_because", json_string(uv_kind_name(p->uv.kind)));
        if (r->verdict == LIN_UNKNOWN) {
            static const char *const codes[] = {"", "time-limit", "time-share", "memory-limit",
                                                "memory-share", "interrupt", "invalid-elsewhere"};
            sbuf why = {0};
            part_unknown(p, &why);
            json_object_set_new(pj, "stopped_by", json_string(codes[r->stop]));
            json_object_set_new(pj, "reason", report_json_text(sbuf_str(&why)));
            sbuf_free(&why);
        }
        json_object_set_new(pj, "configurations", json_integer((json_int_t)r->configs));
        json_object_set_new(pj, "states", json_integer((json_int_t)r->nmstates));
        json_object_set_new(pj, "seconds", json_real(p->seconds));
        json_object_set_new(pj, "bytes", json_integer((json_int_t)r->bytes));
        if (r->verdict == LIN_INVALID && p->path == LIN_PATH_UNIQUE) {
            json_object_set_new(pj, "op", json_op(h, p->ids[r->fail]));
            json_t *v = json_object(), *ops = json_array();
            sbuf e = {0};
            uv_explain(it, p, "", &e);
            json_object_set_new(v, "kind", json_string(uv_kind_name(p->uv.kind)));
            json_object_set_new(v, "explanation", report_json_text(sbuf_str(&e)));
            for (size_t k = 0; k < p->uv.nops; k++)
                json_array_append_new(ops, p->uv.ops[k] == UV_OP_INIT
                                               ? json_string("initial value")
                                               : json_op(h, p->ids[p->uv.ops[k]]));
            json_object_set_new(v, "ops", ops);
            json_object_set_new(pj, "violation", v);
            sbuf_free(&e);
        } else if (r->verdict == LIN_INVALID) {
            json_object_set_new(pj, "op", json_op(h, p->ids[r->fail]));
            json_t *pre = json_array();
            for (size_t k = 0; k < r->nprefix; k++)
                json_array_append_new(pre, json_op(h, p->ids[r->prefix[k]]));
            json_object_set_new(pj, "linearizable_prefix", pre);
            json_t *st = json_array();
            for (size_t k = 0; k < r->nstates; k++)
                json_array_append_new(st, report_json_text(r->states[k]));
            json_object_set_new(pj, "states_then", st);
            json_t *pend = json_array();
            for (size_t k = 0; k < r->npending; k++)
                json_array_append_new(pend, json_op(h, p->ids[r->pending[k]]));
            json_object_set_new(pj, "pending_then", pend);
        }
        json_array_append_new(parts, pj);
    }
    json_object_set_new(lin, "parts", parts);
    json_t *checks = json_object();
    if (it->lin_checked)
        json_object_set_new(checks, "linearizability", lin);
    else
        json_decref(lin);
    if (it->sess_checked)
        json_object_set_new(checks, "sessions", json_sessions(it));
    json_object_set_new(j, "checks", checks);
    json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
    return j;
}

json_t *report_json_error(const char *file, const char *error)
{
    json_t *j = json_object();
    json_object_set_new(j, "file", report_json_text(file));
    json_object_set_new(j, "verdict", json_string("error"));
    json_object_set_new(j, "error", report_json_text(error));
    return j;
}

/* ---- JUnit XML ---- */

/* Text for an XML 1.0 attribute or element, escaped, and valid whatever
 * bytes s holds: a byte that is not UTF-8, and a character XML 1.0 does not
 * allow (controls but tab, newline and return; U+FFFE, U+FFFF), become
 * U+FFFD; '\r' is written as a reference, which XML keeps. Markup
 * characters are always escaped, so "]]>" cannot end anything. */
static void xml_text(FILE *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t at = i;
        uint32_t cp = utf8_next(s, n, &i);
        switch (cp) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\r': fputs("&#xd;", f); break;
        default:
            if (cp == UTF8_INVALID || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xfffe ||
                cp == 0xffff)
                fputs(UTF8_REPLACEMENT, f);
            else
                fwrite(s + at, 1, i - at, f);
        }
    }
}

void report_junit_open(FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conch\">\n", f);
}

void report_junit_close(FILE *f) { fputs("</testsuites>\n", f); }

void report_junit_error(FILE *f, const char *file, const char *error)
{
    fputs("  <testsuite name=\"", f);
    xml_text(f, file);
    fputs("\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"read\" "
          "classname=\"", f);
    xml_text(f, file);
    fputs("\">\n      <error message=\"", f);
    xml_text(f, error);
    fputs("\"/>\n    </testcase>\n  </testsuite>\n", f);
}

static void junit_case(FILE *f, const char *file, const char *name, double seconds,
                       const char *failure, const char *detail, const char *skipped)
{
    fputs("    <testcase name=\"", f);
    xml_text(f, name);
    fputs("\" classname=\"", f);
    xml_text(f, file);
    fprintf(f, "\" time=\"%.6f\"", seconds);
    if (!failure && !skipped) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    if (skipped) {
        fputs("      <skipped message=\"", f);
        xml_text(f, skipped);
        fputs("\"/>\n", f);
    } else {
        fputs("      <failure message=\"", f);
        xml_text(f, failure);
        fputs("\">", f);
        xml_text(f, detail ? detail : "");
        fputs("</failure>\n", f);
    }
    fputs("    </testcase>\n", f);
}

void report_junit(FILE *f, const check_item *it)
{
    const char *file = hist_name(it->h);
    size_t tests = 0, failures = 0;
    if (it->txn_checked || it->jw_checked) {
        sbuf name = {0}, d = {0};
        const char *failure = it->txn_checked ? report_txn_junit(it, &name, &d)
                                              : report_jw_junit(it, &name, &d);
        fputs("  <testsuite name=\"", f);
        xml_text(f, file);
        fprintf(f, "\" tests=\"1\" failures=\"%d\" errors=\"0\">\n", failure != NULL);
        junit_case(f, file, sbuf_str(&name), it->txn_checked ? it->txn.seconds : it->jw.seconds,
                   failure, sbuf_str(&d),
                   it->verdict != LIN_UNKNOWN ? NULL
                   : it->txn_checked          ? it->txn.why_unknown
                                              : it->jw.why_unknown);
        fputs("  </testsuite>\n", f);
        sbuf_free(&name);
        sbuf_free(&d);
        return;
    }
    if (it->lin_checked) {
        tests++;
        failures += it->lin == LIN_INVALID;
    }
    if (it->sess_checked && it->sess.applicable)
        for (int g = 0; g < SG_COUNT; g++) {
            tests++;
            failures += it->sess.g[g].status == SS_VIOLATED;
        }
    fputs("  <testsuite name=\"", f);
    xml_text(f, file);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests, failures);
    if (it->lin_checked) {
        sbuf d = {0}, skip = {0};
        const char *failure = NULL;
        size_t unknown = 0;
        for (size_t p = 0; p < it->nparts; p++) {
            const lin_part *pt = &it->parts[p];
            if (pt->r.verdict == LIN_INVALID) {
                failure = "not linearizable";
                sbuf_adds(&d, "cannot linearize ");
                report_op(it->h, pt->ids[pt->r.fail], &d);
                sbuf_adds(&d, "\n");
            } else if (pt->r.verdict == LIN_UNKNOWN && !unknown++) {
                part_name(it, pt, &skip); /* unknown: neither passed nor failed */
                sbuf_adds(&skip, skip.len ? ": " : "");
                part_unknown(pt, &skip);
            }
        }
        if (unknown > 1)
            sbuf_printf(&skip, " (and %zu more part%s unknown)", unknown - 1,
                        unknown == 2 ? "" : "s");
        if (failure && unknown)
            sbuf_printf(&d, "%zu other part%s unknown or not searched; the first: %s\n", unknown,
                        unknown == 1 ? "" : "s", sbuf_str(&skip));
        junit_case(f, file, "linearizability", it->seconds, failure, sbuf_str(&d),
                   failure || !unknown ? NULL : sbuf_str(&skip));
        sbuf_free(&d);
        sbuf_free(&skip);
    }
    if (it->sess_checked && it->sess.applicable)
        for (int g = 0; g < SG_COUNT; g++) {
            const sess_outcome *oc = &it->sess.g[g];
            sbuf d = {0};
            for (size_t i = 0; i < oc->nshown; i++)
                sbuf_printf(&d, "%s\n", oc->shown[i].text);
            sbuf skip = {0};
            if (oc->status == SS_UNKNOWN)
                sbuf_printf(&skip, "unknown: stopped by %s", oc->why_na);
            junit_case(f, file, sess_guarantee_name((sess_guarantee)g), 0,
                       oc->status == SS_VIOLATED ? "violated" : NULL, sbuf_str(&d),
                       oc->status == SS_NA ? oc->why_na
                       : oc->status == SS_UNKNOWN ? sbuf_str(&skip) : NULL);
            sbuf_free(&skip);
            sbuf_free(&d);
        }
    fputs("  </testsuite>\n", f);
}

void report_paint(FILE *f, const report_opts *o, lin_verdict v, const char *text)
{
    paint(f, o, v, text);
}

json_t *report_json_op(const history *h, size_t i)
{
    return json_op(h, i);
}
