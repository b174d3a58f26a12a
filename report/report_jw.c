/*
 * report_jw.c - reports of histories checked as Jepsen's bank, long-fork
 * and set-full workloads (report_jw.h).
 *
 * Each says what was checked and how the workload was known, the verdict,
 * then each kind of finding with its count, whether it is a violation, and
 * the ops that show it, named by process, action and lines, so a person
 * can find them in the file. The JSON keeps the names and counts Jepsen's
 * checkers use (wrong-total, lost, never-read, ...).
 */
#include "report_jw.h"
#include "report_json.h"

#include <string.h>

#include "../util/mem.h"

/* "(inferred: a transfer op)" or "(--model)" */
static void how(const check_item *it, sbuf *b)
{
    if (it->jw_how)
        sbuf_printf(b, "inferred from the ops: %s", it->jw_how);
    else
        sbuf_adds(b, "--model");
}

static void op_line(FILE *f, const char *pad, const history *h, uint32_t op, const char *tail)
{
    sbuf b = {0};
    report_op(h, op, &b);
    fprintf(f, "%s%s%s\n", pad, sbuf_str(&b), tail ? tail : "");
    sbuf_free(&b);
}

/* b with s appended, as a string. */
static const char *sbuf_cat_str(sbuf *b, const char *s)
{
    sbuf_adds(b, s);
    return sbuf_str(b);
}

static void describe(const check_item *it, val v, sbuf *b)
{
    val_describe(hist_cvtab(it->h), v, b);
}

static void verdict_line(FILE *f, const check_item *it, const report_opts *o)
{
    lin_verdict v = it->verdict;
    fprintf(f, "  %s: ", model_jw_name(it->jw.kind));
    report_paint(f, o, v, v == LIN_VALID ? "VALID" : v == LIN_INVALID ? "INVALID" : "UNKNOWN");
    fprintf(f, " (%.3f s)\n", it->jw.seconds);
    if (it->jw.why_unknown)
        fprintf(f, "    unknown: %s\n", it->jw.why_unknown);
}

/* ---- bank ---- */

static const char *const bank_meaning[] = {
    [BANK_WRONG_TOTAL] = "the balances of a read do not sum to the total",
    [BANK_NEGATIVE] = "a read shows a balance below 0",
    [BANK_UNEXPECTED] = "a read shows an account the initial balances do not name",
    [BANK_NIL] = "a read has no balance for an account the initial balances name",
};

static void bank_case_text(FILE *f, const check_item *it, bank_error e, const char *what,
                           const bank_case *c)
{
    const bank_result *r = &it->jw.bank;
    sbuf t = {0};
    switch (e) {
    case BANK_WRONG_TOTAL:
        sbuf_printf(&t, ": sums to %lld, %+lld off", (long long)c->total,
                    (long long)((__int128)c->total - r->total));
        break;
    case BANK_NEGATIVE:
        sbuf_adds(&t, ": account ");
        describe(it, c->account, &t);
        sbuf_printf(&t, "%s below 0 (%u negative, summing to %lld)",
                    c->count > 1 ? " and others" : "", c->count, (long long)c->negative);
        break;
    default:
        sbuf_adds(&t, ": account ");
        describe(it, c->account, &t);
        if (c->count > 1)
            sbuf_printf(&t, " and %u more", c->count - 1);
    }
    sbuf pad = {0};
    sbuf_printf(&pad, "      %s: ", what);
    op_line(f, sbuf_str(&pad), it->h, c->op, sbuf_str(&t));
    sbuf_free(&pad);
    sbuf_free(&t);
}

static bool bank_violation(const bank_result *r, bank_error e)
{
    return e != BANK_NEGATIVE || r->negative_forbidden;
}

static void bank_text(FILE *f, const check_item *it, const report_opts *o)
{
    const bank_result *r = &it->jw.bank;
    sbuf b = {0};
    how(it, &b);
    fprintf(f, "  workload bank (%s): %zu read%s checked, %zu transfer%s (%zu ok)\n",
            sbuf_str(&b), r->nreads, r->nreads == 1 ? "" : "s", r->ntransfers,
            r->ntransfers == 1 ? "" : "s", r->ntransfers_ok);
    sbuf_reset(&b);
    sbuf_printf(&b, "  total %lld", (long long)r->total);
    if (r->total_from == BANK_TOTAL_GIVEN)
        fprintf(f, "%s (--total-amount)\n", sbuf_str(&b));
    else if (r->total_from == BANK_TOTAL_INIT)
        fprintf(f, "%s (the sum of the %zu balances --init gives)\n", sbuf_str(&b),
                r->naccounts);
    else if (r->nreads)
        op_line(f, sbuf_cat_str(&b, " (the first read's; --total-amount gives it): "), it->h,
                r->total_op, NULL);
    sbuf_free(&b);
    verdict_line(f, it, o);
    for (int e = 0; e < BANK_NERRORS; e++) {
        const bank_cases *c = &r->e[e];
        if (!c->count)
            continue;
        fprintf(f, "    %s (%zu read%s, %s): %s\n", jw_bank_error_name((bank_error)e), c->count,
                c->count == 1 ? "" : "s",
                bank_violation(r, (bank_error)e) ? "a violation"
                                                 : "allowed; --negative-balances forbid",
                bank_meaning[e]);
        bank_case_text(f, it, (bank_error)e, "first", &c->first);
        if (c->count > 1 && (o->verbose || c->worst.op != c->first.op))
            bank_case_text(f, it, (bank_error)e, "worst", &c->worst);
        if (e == BANK_WRONG_TOTAL && c->count > 2 && o->verbose) {
            bank_case_text(f, it, (bank_error)e, "lowest", &c->lowest);
            bank_case_text(f, it, (bank_error)e, "highest", &c->highest);
        }
        if (c->count > 1 && o->verbose)
            bank_case_text(f, it, (bank_error)e, "last", &c->last);
    }
    if (r->ntotals > 1) {
        fprintf(f, "    the reads' sums:");
        for (size_t i = 0; i < r->ntotals; i++)
            fprintf(f, "%s %lld (%zu read%s)", i ? "," : "", (long long)r->totals[i].total,
                    r->totals[i].reads, r->totals[i].reads == 1 ? "" : "s");
        fprintf(f, "%s\n", r->more_totals ? ", and more" : "");
    }
}

/* ---- long-fork ---- */

static void lf_text(FILE *f, const check_item *it, const report_opts *o)
{
    const lf_result *r = &it->jw.lf;
    sbuf b = {0};
    how(it, &b);
    fprintf(f, "  workload long-fork (%s): %zu read%s (%zu saw no write, %zu saw all), "
               "%zu write%s, %zu set%s of keys read\n",
            sbuf_str(&b), r->nreads, r->nreads == 1 ? "" : "s", r->nearly, r->nlate, r->nwrites,
            r->nwrites == 1 ? "" : "s", r->ngroups, r->ngroups == 1 ? "" : "s");
    if (r->keys_rewritten) {
        sbuf_reset(&b);
        describe(it, r->rewritten_key, &b);
        fprintf(f, "  %zu key%s written more than once, left out (key %s:\n", r->keys_rewritten,
                r->keys_rewritten == 1 ? "" : "s", sbuf_str(&b));
        op_line(f, "    ", it->h, r->rewritten_ops[0], NULL);
        op_line(f, "    ", it->h, r->rewritten_ops[1], ")");
    }
    verdict_line(f, it, o);
    size_t max = o->verbose ? SIZE_MAX : 2;
    if (r->nforks)
        fprintf(f, "    long fork (%zu set%s of keys, a violation): two reads each saw a write "
                   "the other did not\n",
                r->nforks, r->nforks == 1 ? "" : "s");
    for (size_t i = 0; i < r->nforks_shown && i < max; i++) {
        const lf_fork *k = &r->forks[i];
        sbuf ka = {0}, kb = {0}, t = {0};
        sbuf_adds(&ka, "key ");
        describe(it, k->ka, &ka);
        sbuf_adds(&kb, "key ");
        describe(it, k->kb, &kb);
        sbuf_printf(&t, ": saw %s = ", sbuf_str(&ka));
        describe(it, k->va, &t);
        sbuf_printf(&t, " but %s = nil", sbuf_str(&kb));
        op_line(f, "      ", it->h, k->a, sbuf_str(&t));
        sbuf_reset(&t);
        sbuf_printf(&t, ": saw %s = ", sbuf_str(&kb));
        describe(it, k->vb, &t);
        sbuf_printf(&t, " but %s = nil", sbuf_str(&ka));
        op_line(f, "      ", it->h, k->b, sbuf_str(&t));
        if (k->wa != JW_NO_OP)
            op_line(f, "        the writes: ", it->h, k->wa, NULL);
        if (k->wb != JW_NO_OP)
            op_line(f, k->wa != JW_NO_OP ? "                    " : "        the writes: ",
                    it->h, k->wb, NULL);
        fprintf(f, "      the first puts the write of %s before that of %s, the second after: "
                   "no one order of the writes has both reads' views as prefixes\n",
                sbuf_str(&ka), sbuf_str(&kb));
        sbuf_free(&ka);
        sbuf_free(&kb);
        sbuf_free(&t);
    }
    if (r->nforks > max && r->nforks_shown > max)
        fprintf(f, "      ... (%zu more; -v shows more)\n", r->nforks - max);
    if (r->nbad)
        fprintf(f, "    bad reads (%zu, a violation): a value the key's only write did not "
                   "write, or two values of one key\n",
                r->nbad);
    for (size_t i = 0; i < r->nbad_shown && i < max; i++) {
        const lf_bad_read *x = &r->bad[i];
        sbuf t = {0};
        sbuf_adds(&t, ": read key ");
        describe(it, x->key, &t);
        sbuf_adds(&t, " = ");
        describe(it, x->value, &t);
        if (x->twice) {
            sbuf_adds(&t, " and also ");
            describe(it, x->other, &t);
        } else if (x->write == JW_NO_OP) {
            sbuf_adds(&t, ", a key no op writes");
        } else if (hist_ops(it->h)[x->write].status == OP_FAIL) {
            sbuf_adds(&t, ", written only by a write that failed");
        } else {
            sbuf_adds(&t, ", but its write wrote ");
            describe(it, x->other, &t);
        }
        op_line(f, "      ", it->h, x->op, sbuf_str(&t));
        if (x->write != JW_NO_OP && !x->twice)
            op_line(f, "        the write: ", it->h, x->write, NULL);
        sbuf_free(&t);
    }
    if (r->nbad > max && r->nbad_shown > max)
        fprintf(f, "      ... (%zu more; -v shows more)\n", r->nbad - max);
    sbuf_free(&b);
}

/* ---- set-full ---- */

static const char *const sf_meaning[] = {
    [SF_LOST] = "known to be in the set, then missing from every read begun after",
    [SF_STALE] = "missing from a read begun after it was known, seen again later",
    [SF_DUPLICATED] = "a read holds it more than once",
    [SF_UNEXPECTED] = "a read holds it, but no add of it had begun, or every add failed",
    [SF_NEVER_READ] = "no read began after it was known to be added",
};

static bool sf_violation(const sf_result *r, sf_outcome k)
{
    return k == SF_LOST || k == SF_DUPLICATED || k == SF_UNEXPECTED ||
           (k == SF_STALE && r->stale_forbidden);
}

static void sf_elem_text(FILE *f, const check_item *it, sf_outcome k, const sf_elem *x)
{
    sbuf b = {0};
    if (x->keyed) {
        sbuf_adds(&b, "key ");
        describe(it, x->key, &b);
        sbuf_adds(&b, ", ");
    }
    sbuf_adds(&b, "element ");
    describe(it, x->elem, &b);
    if ((k == SF_STALE || k == SF_LOST) && x->latency_ms >= 0)
        sbuf_printf(&b, " (%s after %.3f ms)", k == SF_LOST ? "lost" : "stable", x->latency_ms);
    if (k == SF_DUPLICATED)
        sbuf_printf(&b, ", %u times in one read", x->times);
    fprintf(f, "      %s\n", sbuf_str(&b));
    sbuf_free(&b);
    const history *h = it->h;
    switch (k) {
    case SF_DUPLICATED: op_line(f, "        ", h, x->present, NULL); break;
    case SF_UNEXPECTED:
        op_line(f, "        read by ", h, x->present, NULL);
        if (x->add == JW_NO_OP)
            fprintf(f, "        and never added\n");
        else
            op_line(f, hist_ops(h)[x->add].status == OP_FAIL ? "        added only by, which failed: "
                                                           : "        its add began later: ",
                    h, x->add, NULL);
        break;
    default:
        if (x->add != JW_NO_OP)
            op_line(f, "        added by ", h, x->add, NULL);
        if (x->known != JW_NO_OP && x->known != x->add)
            op_line(f, "        known from ", h, x->known, NULL);
        /* in the order they began (ops are numbered so) */
        for (int pass = 0; pass < 2; pass++) {
            bool seen_first = x->absent == JW_NO_OP ||
                              (x->present != JW_NO_OP && x->present < x->absent);
            if (pass == seen_first && x->absent != JW_NO_OP)
                op_line(f, "        last missed by ", h, x->absent, NULL);
            else if (pass != seen_first && x->present != JW_NO_OP)
                op_line(f, "        last seen by ", h, x->present, NULL);
        }
    }
}

static void quantile_line(FILE *f, const char *what, const double *q)
{
    fprintf(f, "    %s latencies (ms):", what);
    for (int i = 0; i < SF_NQUANTILES; i++)
        fprintf(f, "%s %g: %.3f", i ? "," : "", jw_sf_points[i], q[i]);
    fprintf(f, "\n");
}

static void sf_text(FILE *f, const check_item *it, const report_opts *o)
{
    const sf_result *r = &it->jw.sf;
    sbuf b = {0};
    how(it, &b);
    fprintf(f, "  workload set-full (%s): %zu set%s, %zu element%s added, %zu read%s\n",
            sbuf_str(&b), r->nsets, r->nsets == 1 ? "" : "s", r->attempts,
            r->attempts == 1 ? "" : "s", r->nreads, r->nreads == 1 ? "" : "s");
    sbuf_free(&b);
    verdict_line(f, it, o);
    fprintf(f, "    %zu stable, %zu lost, %zu never read, %zu stale (%s), %zu duplicated, "
               "%zu unexpected\n",
            r->stable, r->count[SF_LOST], r->count[SF_NEVER_READ], r->count[SF_STALE],
            r->stale_forbidden ? "forbidden" : "allowed", r->count[SF_DUPLICATED],
            r->count[SF_UNEXPECTED]);
    static const sf_outcome order[] = {SF_LOST, SF_UNEXPECTED, SF_DUPLICATED, SF_STALE,
                                       SF_NEVER_READ};
    size_t max = o->verbose ? SIZE_MAX : 2;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        sf_outcome k = order[i];
        if (!r->count[k] || (k == SF_NEVER_READ && !o->verbose))
            continue;
        fprintf(f, "    %s (%zu, %s): %s%s\n", jw_sf_outcome_name(k), r->count[k],
                sf_violation(r, k) ? "a violation"
                : k == SF_STALE   ? "allowed; --stale-reads forbid"
                                  : "not a violation",
                sf_meaning[k], k == SF_STALE ? "; the worst first" : "");
        for (size_t j = 0; j < r->nshown[k] && j < max; j++)
            sf_elem_text(f, it, k, &r->shown[k][j]);
        if (r->count[k] > max && r->count[k] > 0)
            fprintf(f, "      ... (%zu more%s)\n", r->count[k] - (r->nshown[k] < max ? r->nshown[k] : max),
                    o->verbose ? "" : "; -v shows more");
    }
    if (r->nstable_lat)
        quantile_line(f, "stable", r->stable_q);
    if (r->nlost_lat)
        quantile_line(f, "lost", r->lost_q);
}

void report_jw_text(FILE *f, const check_item *it, const report_opts *o)
{
    switch (it->jw.kind) {
    case MODEL_JW_BANK: bank_text(f, it, o); break;
    case MODEL_JW_LONG_FORK: lf_text(f, it, o); break;
    case MODEL_JW_SET_FULL: sf_text(f, it, o); break;
    default: break;
    }
}

/* ---- JSON ---- */

static void count(json_t *j, const char *name, size_t n)
{
    json_object_set_new(j, name, json_integer((json_int_t)n));
}

/* Jepsen's names with '_' for '-', as the JSON report's members are. */
static const char *member(const char *name, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", name, suffix);
    for (char *p = buf; *p; p++)
        *p = *p == '-' ? '_' : *p;
    return buf;
}

static json_t *op_or_null(const history *h, uint32_t op)
{
    return op == JW_NO_OP ? json_null() : report_json_op(h, op);
}

static json_t *bank_case_json(const check_item *it, bank_error e, const bank_case *c)
{
    json_t *j = json_object();
    json_object_set_new(j, "op", report_json_op(it->h, c->op));
    json_object_set_new(j, "total", json_integer(c->total));
    if (e == BANK_NEGATIVE)
        json_object_set_new(j, "negative", json_integer(c->negative));
    if (e != BANK_WRONG_TOTAL) {
        json_object_set_new(j, "count", json_integer(c->count));
        json_object_set_new(j, "account", report_json_val(hist_cvtab(it->h), c->account));
    }
    return j;
}

static json_t *bank_json(const check_item *it, json_t *j)
{
    const bank_result *r = &it->jw.bank;
    static const char *const from[] = {"total-amount", "init", "first-read"};
    count(j, "reads", r->nreads);
    json_object_set_new(j, "transfers", json_pack("{s:I,s:I}", "all", (json_int_t)r->ntransfers,
                                                  "ok", (json_int_t)r->ntransfers_ok));
    json_object_set_new(j, "total", json_integer(r->total));
    json_object_set_new(j, "total_from", json_string(from[r->total_from]));
    if (r->total_from == BANK_TOTAL_FIRST_READ && r->nreads)
        json_object_set_new(j, "total_op", report_json_op(it->h, r->total_op));
    count(j, "accounts", r->naccounts);
    json_object_set_new(j, "negative_balances",
                        json_string(r->negative_forbidden ? "forbid" : "allow"));
    json_t *errs = json_object();
    for (int e = 0; e < BANK_NERRORS; e++) {
        const bank_cases *c = &r->e[e];
        if (!c->count)
            continue;
        json_t *ej = json_object();
        count(ej, "count", c->count);
        json_object_set_new(ej, "violation", json_boolean(bank_violation(r, (bank_error)e)));
        json_object_set_new(ej, "first", bank_case_json(it, (bank_error)e, &c->first));
        json_object_set_new(ej, "worst", bank_case_json(it, (bank_error)e, &c->worst));
        json_object_set_new(ej, "last", bank_case_json(it, (bank_error)e, &c->last));
        if (e == BANK_WRONG_TOTAL) {
            json_object_set_new(ej, "lowest", bank_case_json(it, (bank_error)e, &c->lowest));
            json_object_set_new(ej, "highest", bank_case_json(it, (bank_error)e, &c->highest));
        }
        json_object_set_new(errs, jw_bank_error_name((bank_error)e), ej);
    }
    json_object_set_new(j, "errors", errs);
    json_t *ts = json_array();
    for (size_t i = 0; i < r->ntotals; i++)
        json_array_append_new(ts, json_pack("{s:I,s:I,s:o}", "total",
                                            (json_int_t)r->totals[i].total, "reads",
                                            (json_int_t)r->totals[i].reads, "first",
                                            report_json_op(it->h, r->totals[i].first)));
    json_object_set_new(j, "totals", ts);
    json_object_set_new(j, "more_totals", json_boolean(r->more_totals));
    return j;
}

static json_t *lf_json(const check_item *it, json_t *j)
{
    const lf_result *r = &it->jw.lf;
    const history *h = it->h;
    const vtab *vt = hist_cvtab(h);
    count(j, "reads", r->nreads);
    count(j, "early_reads", r->nearly);
    count(j, "late_reads", r->nlate);
    count(j, "writes", r->nwrites);
    count(j, "key_sets", r->ngroups);
    json_t *forks = json_array();
    for (size_t i = 0; i < r->nforks_shown; i++) {
        const lf_fork *k = &r->forks[i];
        json_t *x = json_object();
        json_object_set_new(x, "a", report_json_op(h, k->a));
        json_object_set_new(x, "b", report_json_op(h, k->b));
        json_object_set_new(x, "a_saw", report_json_val(vt, k->ka));
        json_object_set_new(x, "b_saw", report_json_val(vt, k->kb));
        json_object_set_new(x, "a_value", report_json_val(vt, k->va));
        json_object_set_new(x, "b_value", report_json_val(vt, k->vb));
        json_object_set_new(x, "a_write", op_or_null(h, k->wa));
        json_object_set_new(x, "b_write", op_or_null(h, k->wb));
        json_array_append_new(forks, x);
    }
    json_object_set_new(j, "forks", json_pack("{s:I,s:o}", "count", (json_int_t)r->nforks,
                                              "shown", forks));
    json_t *bad = json_array();
    for (size_t i = 0; i < r->nbad_shown; i++) {
        const lf_bad_read *x = &r->bad[i];
        json_t *b = json_object();
        json_object_set_new(b, "op", report_json_op(h, x->op));
        json_object_set_new(b, "key", report_json_val(vt, x->key));
        json_object_set_new(b, "value", report_json_val(vt, x->value));
        json_object_set_new(b, x->twice ? "also" : "written", report_json_val(vt, x->other));
        json_object_set_new(b, "write", op_or_null(h, x->write));
        json_array_append_new(bad, b);
    }
    json_object_set_new(j, "bad_reads", json_pack("{s:I,s:o}", "count", (json_int_t)r->nbad,
                                                  "shown", bad));
    count(j, "keys_left_out", r->keys_rewritten);
    return j;
}

static json_t *quantiles_json(const double *q)
{
    json_t *j = json_object();
    for (int i = 0; i < SF_NQUANTILES; i++) {
        char k[16];
        snprintf(k, sizeof k, "%g", jw_sf_points[i]);
        json_object_set_new(j, k, json_real(q[i]));
    }
    return j;
}

static json_t *sf_json(const check_item *it, json_t *j)
{
    const sf_result *r = &it->jw.sf;
    const history *h = it->h;
    const vtab *vt = hist_cvtab(h);
    count(j, "sets", r->nsets);
    count(j, "reads", r->nreads);
    count(j, "attempt_count", r->attempts);
    count(j, "stable_count", r->stable);
    json_object_set_new(j, "stale_reads", json_string(r->stale_forbidden ? "forbid" : "allow"));
    for (int k = 0; k < SF_NOUTCOMES; k++) {
        char name[32];
        const char *o = jw_sf_outcome_name((sf_outcome)k);
        count(j, member(o, "_count", name, sizeof name), r->count[k]);
        json_t *a = json_array();
        for (size_t i = 0; i < r->nshown[k]; i++) {
            const sf_elem *x = &r->shown[k][i];
            json_t *e = json_object();
            if (x->keyed)
                json_object_set_new(e, "key", report_json_val(vt, x->key));
            json_object_set_new(e, "element", report_json_val(vt, x->elem));
            json_object_set_new(e, "add", op_or_null(h, x->add));
            json_object_set_new(e, "known", op_or_null(h, x->known));
            json_object_set_new(e, "last_present", op_or_null(h, x->present));
            json_object_set_new(e, "last_absent", op_or_null(h, x->absent));
            if (x->latency_ms >= 0 && (k == SF_LOST || k == SF_STALE))
                json_object_set_new(e, "latency_ms", json_real(x->latency_ms));
            if (k == SF_DUPLICATED)
                json_object_set_new(e, "times", json_integer(x->times));
            json_array_append_new(a, e);
        }
        json_object_set_new(j, member(o, "", name, sizeof name), a);
    }
    if (r->nstable_lat)
        json_object_set_new(j, "stable_latencies", quantiles_json(r->stable_q));
    if (r->nlost_lat)
        json_object_set_new(j, "lost_latencies", quantiles_json(r->lost_q));
    return j;
}

json_t *report_jw_json(const check_item *it)
{
    json_t *j = json_object();
    json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
    json_object_set_new(j, "workload", json_string(model_jw_name(it->jw.kind)));
    if (it->jw_how)
        json_object_set_new(j, "inferred_from", json_string(it->jw_how));
    switch (it->jw.kind) {
    case MODEL_JW_BANK: bank_json(it, j); break;
    case MODEL_JW_LONG_FORK: lf_json(it, j); break;
    case MODEL_JW_SET_FULL: sf_json(it, j); break;
    default: break;
    }
    if (it->jw.why_unknown)
        json_object_set_new(j, "reason", report_json_text(it->jw.why_unknown));
    json_object_set_new(j, "seconds", json_real(it->jw.seconds));
    return j;
}

/* ---- JUnit ---- */

const char *report_jw_junit(const check_item *it, sbuf *name, sbuf *detail)
{
    const jw_result *r = &it->jw;
    sbuf_adds(name, model_jw_name(r->kind));
    if (it->verdict != LIN_INVALID)
        return NULL;
    switch (r->kind) {
    case MODEL_JW_BANK:
        for (int e = 0; e < BANK_NERRORS; e++)
            if (r->bank.e[e].count && bank_violation(&r->bank, (bank_error)e))
                sbuf_printf(detail, "%s: %zu reads\n", jw_bank_error_name((bank_error)e),
                            r->bank.e[e].count);
        return "reads that break the bank's invariants";
    case MODEL_JW_LONG_FORK:
        sbuf_printf(detail, "long forks: %zu\nbad reads: %zu\n", r->lf.nforks, r->lf.nbad);
        return "reads that no order of the writes explains";
    case MODEL_JW_SET_FULL:
        for (int k = 0; k < SF_NOUTCOMES; k++)
            if (r->sf.count[k] && sf_violation(&r->sf, (sf_outcome)k))
                sbuf_printf(detail, "%s: %zu elements\n", jw_sf_outcome_name((sf_outcome)k),
                            r->sf.count[k]);
        return "elements the set lost, or could not hold";
    default: return NULL;
    }
}
