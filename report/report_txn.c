/*
 * report_txn.c - reports of histories checked as transactions
 * (report_txn.h).
 *
 * Anomalies are listed worst first (as Elle orders them: write cycles, then
 * dirty reads, then anti-dependency cycles; process and real-time variants
 * after the pure data ones), each with its count, its one-line meaning,
 * whether the model checked forbids it, and the stories the checker kept.
 */
#include "report_txn.h"

#include <string.h>

#include "../util/mem.h"
#include "report_json.h"

static const txn_anomaly order[] = {
    TA_G0, TA_G1A, TA_G1B, TA_G1C, TA_G_SINGLE, TA_G_NONADJACENT, TA_G2_ITEM,
    TA_G0_PROCESS, TA_G1C_PROCESS, TA_G_SINGLE_PROCESS, TA_G_NONADJACENT_PROCESS,
    TA_G2_ITEM_PROCESS, TA_G0_REALTIME, TA_G1C_REALTIME, TA_G_SINGLE_REALTIME,
    TA_G_NONADJACENT_REALTIME, TA_G2_ITEM_REALTIME, TA_INTERNAL, TA_FUTURE_READ,
    TA_INCOMPATIBLE_ORDER, TA_DUPLICATE, TA_GARBAGE_READ,
};
#define NORDER (sizeof order / sizeof *order)

/* "a, b and c" of the models in bits */
static void models(uint64_t bits, sbuf *out)
{
    size_t n = (size_t)__builtin_popcountll(bits), i = 0;
    for (int m = 0; m < TCM_COUNT; m++) {
        if (!(bits >> m & 1))
            continue;
        sbuf_printf(out, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", txn_cm_name((txn_cm)m));
        i++;
    }
}

static void orders(unsigned o, sbuf *out)
{
    if (!o)
        sbuf_adds(out, "data dependencies only");
    else
        sbuf_printf(out, "with %s%s%s order", o & TXN_ORDER_PROCESS ? "process" : "",
                    o == (TXN_ORDER_PROCESS | TXN_ORDER_REALTIME) ? " and " : "",
                    o & TXN_ORDER_REALTIME ? "real-time" : "");
}

/* Each line of text, indented. */
static void indent(FILE *f, const char *text, const char *pad)
{
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        fprintf(f, "%s%.*s\n", pad, (int)n, p);
        p += n + (e ? 1 : 0);
    }
}

void report_txn_text(FILE *f, const check_item *it, const report_opts *o)
{
    const txn_result *r = &it->txn;
    uint64_t bad = txn_cm_forbids(r->model);
    fprintf(f, "  transactions: %s (%s), %zu txn%s (%zu ok, %zu info, %zu fail), %zu micro-ops, "
               "%zu key%s\n",
            model_txn_workload_name(r->workload), it->txn_workload_named ? "--model" : "from the micro-ops",
            r->ntxn, r->ntxn == 1 ? "" : "s", r->nok, r->ninfo, r->nfail, r->nmops, r->nkeys,
            r->nkeys == 1 ? "" : "s");
    sbuf b = {0};
    orders(r->orders, &b);
    fprintf(f, "  %zu dependencies, %s; %zu cyclic component%s", r->nedges, sbuf_str(&b),
            r->nsccs, r->nsccs == 1 ? "" : "s");
    if (r->nsccs)
        fprintf(f, " (the largest: %zu txns)", r->largest_scc);
    if (r->assumed)
        fprintf(f, "\n  assuming each key is %s: its versions follow %s order",
                r->assumed & TXN_ORDER_REALTIME ? "linearizable" : "sequential",
                r->assumed & TXN_ORDER_REALTIME ? "real-time" : "process");
    fprintf(f, "\n  %s: ", txn_cm_name(r->model));
    lin_verdict v = it->verdict;
    report_paint(f, o, v, v == LIN_VALID ? "VALID" : v == LIN_INVALID ? "INVALID" : "UNKNOWN");
    fprintf(f, " (%.3f s)%s\n", r->seconds, it->txn_model_named ? "" : " (the default; --consistency-model)");
    if (r->why_unknown)
        fprintf(f, "    unknown: %s\n", r->why_unknown);
    for (size_t i = 0; i < NORDER; i++) {
        const txn_found *fd = &r->found[order[i]];
        if (!fd->count)
            continue;
        fprintf(f, "    %s (%zu, %s): %s\n", txn_anomaly_name(order[i]), fd->count,
                bad >> order[i] & 1 ? "forbidden" : "allowed", txn_anomaly_summary(order[i]));
        size_t show = o->verbose ? fd->nshown : (fd->nshown < 2 ? fd->nshown : 2);
        for (size_t k = 0; k < show; k++)
            indent(f, fd->shown[k].text, "      ");
        if (fd->count > show)
            fprintf(f, "      ... (%zu more%s)\n", fd->count - show, o->verbose ? "" : "; -v shows more");
    }
    if (r->ruled_out) {
        sbuf_reset(&b);
        models(r->weakest, &b);
        fprintf(f, "    rules out: %s", sbuf_str(&b));
        if (r->ruled_out & ~r->weakest) {
            sbuf_reset(&b);
            models(r->ruled_out & ~r->weakest, &b);
            fprintf(f, "; so also %s", sbuf_str(&b));
        }
        fprintf(f, "\n");
    }
    if (r->cut_short && o->verbose)
        fprintf(f, "    (the search for some cycle types stopped at its budget in a large "
                   "component; those named are real, others may be missing)\n");
    sbuf_free(&b);
}

static json_t *model_list(uint64_t bits)
{
    json_t *a = json_array();
    for (int m = 0; m < TCM_COUNT; m++)
        if (bits >> m & 1)
            json_array_append_new(a, json_string(txn_cm_name((txn_cm)m)));
    return a;
}

json_t *report_txn_json(const check_item *it)
{
    const txn_result *r = &it->txn;
    uint64_t bad = txn_cm_forbids(r->model);
    json_t *j = json_object();
    json_object_set_new(j, "verdict", json_string(report_verdict_name(it->verdict)));
    json_object_set_new(j, "workload", json_string(model_txn_workload_name(r->workload)));
    json_object_set_new(j, "consistency_model", json_string(txn_cm_name(r->model)));
    json_object_set_new(j, "txns", json_pack("{s:I,s:I,s:I,s:I}", "all", (json_int_t)r->ntxn,
                                             "ok", (json_int_t)r->nok, "info", (json_int_t)r->ninfo,
                                             "fail", (json_int_t)r->nfail));
    json_object_set_new(j, "micro_ops", json_integer((json_int_t)r->nmops));
    json_object_set_new(j, "keys", json_integer((json_int_t)r->nkeys));
    json_object_set_new(j, "dependencies", json_integer((json_int_t)r->nedges));
    json_t *ord = json_array();
    if (r->orders & TXN_ORDER_PROCESS)
        json_array_append_new(ord, json_string("process"));
    if (r->orders & TXN_ORDER_REALTIME)
        json_array_append_new(ord, json_string("realtime"));
    json_object_set_new(j, "orders", ord);
    if (r->assumed)
        json_object_set_new(j, "assumed", json_string(r->assumed & TXN_ORDER_REALTIME
                                                          ? "linearizable-keys"
                                                          : "sequential-keys"));
    json_object_set_new(j, "cyclic_components", json_integer((json_int_t)r->nsccs));
    json_object_set_new(j, "largest_component", json_integer((json_int_t)r->largest_scc));
    json_t *an = json_object();
    for (size_t i = 0; i < NORDER; i++) {
        const txn_found *fd = &r->found[order[i]];
        if (!fd->count)
            continue;
        json_t *aj = json_object();
        json_object_set_new(aj, "count", json_integer((json_int_t)fd->count));
        json_object_set_new(aj, "forbidden", json_boolean(bad >> order[i] & 1));
        json_t *cases = json_array();
        for (size_t k = 0; k < fd->nshown; k++) {
            json_t *ops = json_array();
            for (size_t q = 0; q < fd->shown[k].nops; q++)
                json_array_append_new(ops, report_json_op(it->h, fd->shown[k].ops[q]));
            json_t *c = json_object();
            json_object_set_new(c, "text", report_json_text(fd->shown[k].text));
            json_object_set_new(c, "ops", ops);
            json_array_append_new(cases, c);
        }
        json_object_set_new(aj, "cases", cases);
        json_object_set_new(an, txn_anomaly_name(order[i]), aj);
    }
    json_object_set_new(j, "anomalies", an);
    json_object_set_new(j, "not", model_list(r->weakest));
    json_object_set_new(j, "also_not", model_list(r->ruled_out & ~r->weakest));
    json_object_set_new(j, "keys_left_out", json_integer((json_int_t)r->keys_not_unique));
    if (r->why_unknown)
        json_object_set_new(j, "reason", report_json_text(r->why_unknown));
    json_object_set_new(j, "seconds", json_real(r->seconds));
    return j;
}

const char *report_txn_junit(const check_item *it, sbuf *name, sbuf *detail)
{
    const txn_result *r = &it->txn;
    uint64_t bad = txn_cm_forbids(r->model);
    sbuf_printf(name, "transactions (%s)", txn_cm_name(r->model));
    if (it->verdict != LIN_INVALID)
        return NULL;
    for (size_t i = 0; i < NORDER; i++) {
        const txn_found *fd = &r->found[order[i]];
        if (!fd->count || !(bad >> order[i] & 1))
            continue;
        sbuf_printf(detail, "%s: %zu\n", txn_anomaly_name(order[i]), fd->count);
        if (fd->nshown)
            sbuf_adds(detail, fd->shown[0].text);
    }
    return "anomalies the model forbids";
}
