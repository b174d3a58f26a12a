/*
 * report_json.c - the JSON report, for programs (report_json.h).
 *
 * Values go straight from the history's table to jansson (report_json_val),
 * never through text.
 */
#include "report_json.h"

#include <math.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/utf8.h"
#include "report_jw.h"
#include "report_txn.h"

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

/* s as jansson text: valid UTF-8 (a byte that is not becomes U+FFFD), and,
 * for a member name, without NUL (which also becomes U+FFFD), as the
 * history's writer names them (sbuf_add_json_name). */
static void json_text(const char *s, size_t n, bool name, sbuf *out)
{
    sbuf_add_utf8(out, s, n);
    if (!name || !memchr(out->p ? out->p : "", 0, out->len))
        return;
    sbuf b = {0};
    for (size_t i = 0; i < out->len; i++)
        if (out->p[i])
            sbuf_addc(&b, out->p[i]);
        else
            sbuf_adds(&b, UTF8_REPLACEMENT);
    sbuf_free(out);
    *out = b;
}

/* A member name for map key k: a string's own text; any other key as the
 * history's writer names it, its JSON text (val_to_json). */
static void json_name(const vtab *vt, val k, sbuf *out)
{
    size_t n;
    if (k.kind == VAL_STR) {
        const char *s = val_str_bytes(vt, k, &n);
        json_text(s, n, true, out);
        return;
    }
    sbuf t = {0};
    val_to_json(vt, k, &t);
    json_text(t.p ? t.p : "", t.len, true, out);
    sbuf_free(&t);
}

json_t *report_json_val(const vtab *vt, val v)
{
    switch (v.kind) {
    case VAL_NIL:
        return json_null();
    case VAL_BOOL:
        return json_boolean(v.n);
    case VAL_INT:
        return json_integer(v.n);
    case VAL_FLOAT: {
        double d;
        memcpy(&d, &v.n, sizeof d);
        return isfinite(d) ? json_real(d) : json_null(); /* JSON has no inf or NaN */
    }
    case VAL_STR: {
        size_t n;
        const char *s = val_str_bytes(vt, v, &n);
        sbuf b = {0};
        json_text(s, n, false, &b);
        json_t *j = json_stringn_nocheck(b.p ? b.p : "", b.len);
        sbuf_free(&b);
        return j;
    }
    default: {
        size_t n;
        const val *items = val_items(vt, v, &n);
        if (v.kind == VAL_LIST) {
            json_t *a = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(a, report_json_val(vt, items[i]));
            return a;
        }
        /* A map's keys are in order and distinct, but two of them may name
         * one member (1 and "1"): the last wins, as a JSON reader's would. */
        json_t *o = json_object();
        sbuf name = {0};
        for (size_t i = 0; i + 1 < n; i += 2) {
            sbuf_reset(&name);
            json_name(vt, items[i], &name);
            json_object_set_new_nocheck(o, sbuf_str(&name), report_json_val(vt, items[i + 1]));
        }
        sbuf_free(&name);
        return o;
    }
    }
}

json_t *report_json_op(const history *h, size_t i)
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
    json_object_set_new(j, "type", json_string(report_status_name(o->status)));
    if (!ev[o->call].implied)
        json_object_set_new(j, "invoke_line", json_integer(ev[o->call].line));
    if (o->ret != HIST_OPEN)
        json_object_set_new(j, "complete_line", json_integer(ev[o->ret].line));
    if (o->call_time != HIST_NONE)
        json_object_set_new(j, "invoke_time", json_integer(o->call_time));
    if (o->ret_time != HIST_NONE)
        json_object_set_new(j, "complete_time", json_integer(o->ret_time));
    if (o->version != HIST_NONE)
        json_object_set_new(j, "version", json_integer(o->version));
    val node = hist_op_node(h, i);
    if (!val_is_nil(node))
        json_object_set_new(j, "node", report_json_val(vt, node));
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
                json_array_append_new(ops, report_json_op(it->h, v->ops[k]));
            json_object_set_new(vj, "ops", ops);
            json_array_append_new(vs, vj);
        }
        json_object_set_new(gj, "shown", vs);
        json_object_set_new(j, sess_guarantee_short((sess_guarantee)g), gj);
    }
    return j;
}

/* Where ops[0..n) holds part op k, as a JSON index. */
static json_t *index_of(const uint32_t *ops, size_t n, uint32_t k)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i] == k)
            return json_integer((json_int_t)i);
    return json_null();
}

/* An invalid part's smallest counterexample (checker/shrink.h): its ops in
 * real-time order, each marked optional or not, and where the orders of
 * them get stuck, naming ops by their index in that list. */
static json_t *json_counterexample(const check_item *it, const lin_part *p)
{
    const shrink_result *s = &p->shrunk;
    json_t *j = json_object();
    size_t n = s->nops + s->nmaybe;
    uint32_t *order = xmalloc((n ? n : 1) * sizeof *order);
    report_minimal_order(it, p, order);
    json_t *ops = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *oj = report_json_op(it->h, p->ids[order[i]]);
        json_object_set_new(oj, "optional", json_boolean(report_minimal_maybe(p, order[i])));
        json_array_append_new(ops, oj);
    }
    json_object_set_new(j, "ops", ops);
    json_object_set_new(j, "each_matters", json_boolean(s->minimal));
    json_object_set_new(j, "complete", json_boolean(s->complete));
    if (s->stop)
        json_object_set_new(j, "stopped_by", json_string(s->stop == SHRINK_STOP_TIME
                                                             ? "time-limit" : "interrupt"));
    json_object_set_new(j, "checks", json_integer((json_int_t)s->tests));
    json_object_set_new(j, "seconds", json_real(s->seconds));
    json_t *stuck = json_array();
    for (size_t e = 0; e < s->nends; e++) {
        const shrink_end *d = &s->ends[e];
        json_t *after = json_array(), *next = json_array();
        for (size_t i = 0; i < d->norder; i++)
            json_array_append_new(after, index_of(order, n, d->order[i]));
        for (size_t i = 0; i < d->nnext; i++)
            json_array_append_new(next, index_of(order, n, d->next[i]));
        json_array_append_new(stuck, json_pack("{s:o, s:o, s:o}", "after", after, "state",
                                               report_json_text(d->state), "cannot_follow",
                                               next));
    }
    json_object_set_new(j, "stuck", stuck);
    json_object_set_new(j, "stuck_total", json_integer((json_int_t)s->ends_total));
    json_object_set_new(j, "all_orders_explored", json_boolean(s->explained));
    free(order);
    return j;
}

/* One part of the linearizability check: how it was decided, and for an
 * invalid one why, with its smallest counterexample. */
static json_t *json_part(const check_item *it, const lin_part *p)
{
    const history *h = it->h;
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
        report_part_unknown(p, &why);
        json_object_set_new(pj, "stopped_by", json_string(codes[r->stop]));
        json_object_set_new(pj, "reason", report_json_text(sbuf_str(&why)));
        sbuf_free(&why);
    }
    json_object_set_new(pj, "configurations", json_integer((json_int_t)r->configs));
    json_object_set_new(pj, "states", json_integer((json_int_t)r->nmstates));
    json_object_set_new(pj, "seconds", json_real(p->seconds));
    json_object_set_new(pj, "bytes", json_integer((json_int_t)r->bytes));
    if (r->verdict == LIN_INVALID && p->path == LIN_PATH_UNIQUE) {
        json_object_set_new(pj, "op", report_json_op(h, p->ids[r->fail]));
        json_t *v = json_object(), *ops = json_array();
        sbuf e = {0};
        report_uv_explain(it, p, "", &e);
        json_object_set_new(v, "kind", json_string(uv_kind_name(p->uv.kind)));
        json_object_set_new(v, "explanation", report_json_text(sbuf_str(&e)));
        for (size_t k = 0; k < p->uv.nops; k++)
            json_array_append_new(ops, p->uv.ops[k] == UV_OP_INIT
                                           ? json_string("initial value")
                                           : report_json_op(h, p->ids[p->uv.ops[k]]));
        json_object_set_new(v, "ops", ops);
        json_object_set_new(pj, "violation", v);
        sbuf_free(&e);
    } else if (r->verdict == LIN_INVALID) {
        json_object_set_new(pj, "op", report_json_op(h, p->ids[r->fail]));
        json_t *pre = json_array();
        for (size_t k = 0; k < r->nprefix; k++)
            json_array_append_new(pre, report_json_op(h, p->ids[r->prefix[k]]));
        json_object_set_new(pj, "linearizable_prefix", pre);
        json_t *st = json_array();
        for (size_t k = 0; k < r->nstates; k++)
            json_array_append_new(st, report_json_text(r->states[k]));
        json_object_set_new(pj, "states_then", st);
        json_t *pend = json_array();
        for (size_t k = 0; k < r->npending; k++)
            json_array_append_new(pend, report_json_op(h, p->ids[r->pending[k]]));
        json_object_set_new(pj, "pending_then", pend);
    }
    if (r->verdict == LIN_INVALID && p->shrunk.tried)
        json_object_set_new(pj, "counterexample", json_counterexample(it, p));
    return pj;
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
        json_object_set_new(j, "model", json_string(model_txn_workload_name(it->txn.workload)));
        json_object_set_new(j, "model_inferred", json_boolean(!it->txn_workload_named));
        json_object_set_new(j, "checks", json_pack("{s:o}", "transactions", report_txn_json(it)));
        json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
        return j;
    }
    if (it->jw_checked) {
        json_object_set_new(j, "model", json_string(model_jw_name(it->jw.kind)));
        json_object_set_new(j, "model_inferred", json_boolean(it->jw_how != NULL));
        json_object_set_new(j, "checks", json_pack("{s:o}", model_jw_name(it->jw.kind),
                                                   report_jw_json(it)));
        json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
        return j;
    }
    json_object_set_new(j, "model", json_string(it->md.type->name));
    json_object_set_new(j, "model_inferred", json_boolean(it->inferred));
    json_object_set_new(j, "init", report_json_val(hist_cvtab(h), it->md.opts.init));
    json_object_set_new(j, "init_per_key", json_boolean(report_init_per_key(it)));
    json_object_set_new(j, "nil_read", json_string(it->md.opts.nil == NIL_ABSENT ? "absent" : "unknown"));
    json_t *lin = json_object();
    json_object_set_new(lin, "verdict", json_string(it->lin_checked ? report_verdict_name(it->lin) : "not checked"));
    json_object_set_new(lin, "ops_searched", json_integer((json_int_t)it->nsearch));
    json_object_set_new(lin, "ops_left_out", json_integer((json_int_t)it->nskipped));
    json_object_set_new(lin, "unseen_crashed_writes_left_out", json_integer((json_int_t)it->npruned));
    json_object_set_new(lin, "seconds", json_real(it->seconds));
    json_object_set_new(lin, "parts_not_searched", json_integer((json_int_t)it->nunsearched));
    json_t *parts = json_array();
    for (size_t i = 0; i < it->nparts; i++)
        json_array_append_new(parts, json_part(it, &it->parts[i]));
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
