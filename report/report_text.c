/*
 * report_text.c - the text report, for people at a terminal (report_text.h).
 *
 * It stays short whatever the history: the parts and violations that
 * matter in full, counts for the rest, -v for more.
 */
#include "report_text.h"

#include <stdint.h>
#include <string.h>

#include "report_jw.h"
#include "report_txn.h"

#define MAX_PARTS_SHOWN 20
#define PREFIX_TAIL 6
#define MINIMAL_SHOWN 12 /* ops of a counterexample listed (-v: all) */
#define INVALID_IN_FULL 3 /* invalid parts explained (-v: 20, -vv: all) */

static void text_lin(FILE *f, const check_item *it, const report_opts *o);
static void text_sessions(FILE *f, const check_item *it, const report_opts *o);

static void text_invalid(FILE *f, const check_item *it, const lin_part *p)
{
    const lin_result *r = &p->r;
    sbuf b = {0};
    report_op(it->h, p->ids[r->fail], &b);
    fprintf(f, "      cannot linearize: %s\n", sbuf_str(&b));
    sbuf_reset(&b);
    if (p->path == LIN_PATH_UNIQUE) {
        report_uv_explain(it, p, "      ", &b);
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
    sbuf also = {0};
    if (it->inferred && it->jw_also != MODEL_JW_NONE)
        sbuf_printf(&also, "; Jepsen's %s reads the same ops: --model %s",
                    model_jw_name(it->jw_also), model_jw_name(it->jw_also));
    fprintf(f, "  model %s (%s%s), initial value %s%s, nil reads %s",
            it->md.type->name, it->inferred ? "inferred from the ops' names" : "--model",
            sbuf_str(&also), sbuf_str(&init), report_init_per_key(it) ? " (per key)" : "",
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
    sbuf_free(&also);
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

/* One part's line: "key "x": invalid, 5 ops, without search ...". */
static void part_line(FILE *f, const check_item *it, const lin_part *p, const report_opts *o)
{
    sbuf name = {0};
    report_part_name(it, p, &name);
    fprintf(f, "    %s%s", sbuf_str(&name), name.len ? ": " : "");
    report_paint(f, o, p->r.verdict, report_verdict_name(p->r.verdict));
    fprintf(f, ", %zu op%s", p->nops, p->nops == 1 ? "" : "s");
    if (p->path == LIN_PATH_UNIQUE)
        fprintf(f, ", without search");
    else if (it->md.type->vop && p->uv.kind != UV_SEARCH_ASKED)
        fprintf(f, ", searched as %s", uv_kind_text(p->uv.kind));
    if (p->r.verdict == LIN_UNKNOWN) {
        sbuf why = {0};
        report_part_unknown(p, &why);
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
}

/* Where a list cut short is in full. */
static void where_all(FILE *f, const report_opts *o, const char *more)
{
    if (o->full)
        fprintf(f, " (%s; all in %s)\n", more, o->full);
    else
        fprintf(f, " (%s; --format json or --html has them all)\n", more);
}

static void text_lin(FILE *f, const check_item *it, const report_opts *o)
{
    fprintf(f, "  linearizability: ");
    report_paint(f, o, it->lin, it->lin == LIN_VALID ? "VALID" : it->lin == LIN_INVALID ? "INVALID" : "UNKNOWN");
    text_paths(f, it);
    /* Invalid parts first, then unknown ones, then valid ones: a line each
     * up to MAX_PARTS_SHOWN in all (-v: every part), the first invalid ones
     * in full (INVALID_IN_FULL; -v: MAX_PARTS_SHOWN; -vv: all); the rest
     * counted. A history's only part is always named. */
    size_t full = o->verbose >= 2 ? SIZE_MAX : o->verbose ? MAX_PARTS_SHOWN : INVALID_IN_FULL;
    size_t lines = o->verbose ? SIZE_MAX : MAX_PARTS_SHOWN, shown = 0, infull = 0;
    static const lin_verdict order[] = {LIN_INVALID, LIN_UNKNOWN, LIN_VALID};
    for (size_t v = 0; v < 3; v++) {
        size_t hidden = 0;
        for (size_t i = 0; i < it->nparts; i++) {
            const lin_part *p = &it->parts[i];
            if (p->r.verdict != order[v] || (!p->attempts && p->r.verdict == LIN_UNKNOWN))
                continue; /* not searched: listed below, by reason */
            bool only_valid = order[v] == LIN_VALID && it->nparts == 1 && !o->verbose;
            if (shown >= lines || only_valid) {
                hidden += !only_valid;
                continue;
            }
            shown++;
            part_line(f, it, p, o);
            if (p->r.verdict == LIN_INVALID && infull++ < full) {
                text_invalid(f, it, p);
                sbuf m = {0};
                report_minimal(it, p, "      ", o->verbose ? SIZE_MAX : MINIMAL_SHOWN, &m);
                fputs(sbuf_str(&m), f);
                sbuf_free(&m);
            }
        }
        if (!hidden)
            continue;
        fprintf(f, "    ... and %zu more part%s, %s", hidden, hidden == 1 ? "" : "s",
                order[v] == LIN_INVALID ? "invalid" : order[v] == LIN_UNKNOWN ? "unknown"
                                                                                : "all valid");
        where_all(f, o, "-v lists them");
    }
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
                report_part_name(it, p, &names);
            }
        }
        if (!count)
            continue;
        if (count > UNSEARCHED_NAMED)
            sbuf_printf(&names, " and %zu more", count - UNSEARCHED_NAMED);
        fprintf(f, "    %zu part%s not searched, as %s%s%s\n", count, count == 1 ? "" : "s",
                report_unsearched_why(reasons[k]), names.len ? ": " : "", sbuf_str(&names));
        sbuf_free(&names);
    }
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
            report_paint(f, o, LIN_UNKNOWN, "unknown");
            fprintf(f, " (stopped by %s)\n", oc->why_na);
            continue;
        }
        if (oc->status == SS_HOLDS) {
            report_paint(f, o, LIN_VALID, "holds");
            fprintf(f, " (%zu key%s)\n", oc->keys, oc->keys == 1 ? "" : "s");
            continue;
        }
        report_paint(f, o, LIN_INVALID, "VIOLATED");
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
