/*
 * report_html.c - the HTML report's page (report_html.h): the overview of
 * each history (its checks and parts, invalid first, with the text that
 * explains each violation), the data report_html_data.c builds, and the
 * script and style that draw it, all in one file.
 *
 * The data sits in a <script type="application/json"> element; "</" never
 * appears in it (written "<\/", which JSON reads as "</"), so no value can
 * end the element early. Nothing is fetched: the page is whole.
 */
#include "report_html_int.h"
#include "report_jw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/mem.h"

#define PARTS_LISTED 2000   /* parts in a history's table */
#define EXPLAINED 20        /* invalid parts with their explanation */
#define SHOWN_PER_CHECK 3   /* session violations told in a check's row */

static const char *verdict_of(lin_verdict v) { return report_verdict_name(v); }

/* {"name":..,"verdict":..,"text":..} */
static void check_row(sbuf *o, bool *first, const char *name, const char *verdict,
                      const char *text)
{
    sbuf_adds(o, *first ? "{" : ",{");
    *first = false;
    report_html_jkey(o, "name");
    report_html_jstr(o, name);
    sbuf_printf(o, ",\"verdict\":\"%s\",\"text\":", verdict);
    report_html_jstr(o, text);
    sbuf_addc(o, '}');
}

static void checks(const check_item *it, sbuf *o)
{
    bool first = true;
    sbuf t = {0};
    report_html_jkey(o, "checks");
    sbuf_addc(o, '[');
    if (it->lin_checked) {
        size_t inv = 0, unk = 0;
        for (size_t p = 0; p < it->nparts; p++) {
            inv += it->parts[p].r.verdict == LIN_INVALID;
            unk += it->parts[p].r.verdict == LIN_UNKNOWN;
        }
        sbuf_printf(&t, "%zu part%s: %zu invalid, %zu unknown; %zu ops checked, %.3f s",
                    it->nparts, it->nparts == 1 ? "" : "s", inv, unk, it->nsearch, it->seconds);
        check_row(o, &first, "linearizability", verdict_of(it->lin), sbuf_str(&t));
    }
    if (it->sess_checked && !it->sess.applicable) {
        sbuf_reset(&t);
        sbuf_printf(&t, "not applicable: %s", it->sess.why_na);
        check_row(o, &first, "session guarantees", "n/a", sbuf_str(&t));
    }
    for (int g = 0; it->sess_checked && it->sess.applicable && g < SG_COUNT; g++) {
        const sess_outcome *oc = &it->sess.g[g];
        static const char *const v[] = {"valid", "invalid", "n/a", "unknown"};
        sbuf_reset(&t);
        if (oc->status == SS_NA || oc->status == SS_UNKNOWN)
            sbuf_printf(&t, "%s", oc->why_na ? oc->why_na : "");
        else if (oc->status == SS_VIOLATED)
            sbuf_printf(&t, "violated on %zu of %zu key%s (version order: %s)", oc->keys_violated,
                        oc->keys, oc->keys == 1 ? "" : "s", sess_order_name(it->sess.order));
        else
            sbuf_printf(&t, "holds on %zu key%s (version order: %s)", oc->keys,
                        oc->keys == 1 ? "" : "s", sess_order_name(it->sess.order));
        for (size_t i = 0, k = 0; i < oc->nshown && k < SHOWN_PER_CHECK; i++)
            if (!oc->shown[i].derived) {
                sbuf_printf(&t, "\n%s", oc->shown[i].text);
                k++;
            }
        if (oc->violations > SHOWN_PER_CHECK)
            sbuf_printf(&t, "\n... %zu violations in all", oc->violations);
        check_row(o, &first, sess_guarantee_name((sess_guarantee)g), v[oc->status], sbuf_str(&t));
    }
    if (it->txn_checked) {
        sbuf_reset(&t);
        sbuf_printf(&t, "%s: %zu txns, %zu dependencies", txn_cm_name(it->txn.model),
                    it->txn.ntxn, it->txn.nedges);
        for (int a = 0; a < TA_COUNT; a++) {
            const txn_found *fd = &it->txn.found[a];
            if (!fd->count)
                continue;
            sbuf_printf(&t, "\n%s (%zu, %s): %s", txn_anomaly_name((txn_anomaly)a), fd->count,
                        txn_cm_forbids(it->txn.model) >> a & 1 ? "forbidden" : "allowed",
                        txn_anomaly_summary((txn_anomaly)a));
            if (fd->nshown)
                sbuf_printf(&t, "\n%s", fd->shown[0].text);
        }
        if (it->txn.why_unknown)
            sbuf_printf(&t, "\nunknown: %s", it->txn.why_unknown);
        check_row(o, &first, "transactions", verdict_of(it->verdict), sbuf_str(&t));
    }
    if (it->jw_checked) {
        sbuf name = {0};
        sbuf_reset(&t);
        (void)report_jw_junit(it, &name, &t);
        check_row(o, &first, sbuf_str(&name), verdict_of(it->verdict), sbuf_str(&t));
        sbuf_free(&name);
    }
    sbuf_adds(o, "],");
    sbuf_free(&t);
}

/* The parts, invalid first, then unknown, then valid. */
static void parts(const check_item *it, sbuf *o)
{
    static const lin_verdict order[] = {LIN_INVALID, LIN_UNKNOWN, LIN_VALID};
    size_t listed = 0, explained = 0;
    report_html_jkey(o, "parts");
    sbuf_addc(o, '[');
    for (size_t v = 0; v < 3; v++)
        for (size_t i = 0; i < it->nparts && listed < PARTS_LISTED; i++) {
            const lin_part *p = &it->parts[i];
            if (p->r.verdict != order[v])
                continue;
            sbuf t = {0};
            sbuf_adds(o, listed++ ? ",{" : "{");
            report_part_name(it, p, &t);
            report_html_jkey(o, "name");
            report_html_jstr(o, t.len ? sbuf_str(&t) : "the history");
            sbuf_printf(o, ",\"index\":%zu,\"verdict\":\"%s\",\"ops\":%zu,\"how\":\"%s\"", i,
                        verdict_of(p->r.verdict), p->nops,
                        p->path == LIN_PATH_UNIQUE ? "without search" : "searched");
            sbuf_reset(&t);
            if (p->r.verdict == LIN_UNKNOWN)
                report_part_unknown(p, &t);
            if (p->r.verdict == LIN_INVALID && explained++ < EXPLAINED) {
                sbuf_adds(&t, "cannot linearize: ");
                report_op(it->h, p->ids[p->r.fail], &t);
                sbuf_addc(&t, '\n');
                if (p->path == LIN_PATH_UNIQUE)
                    report_uv_explain(it, p, "", &t);
                report_minimal(it, p, "", SIZE_MAX, &t);
            }
            sbuf_adds(o, ",\"text\":");
            report_html_jstr(o, sbuf_str(&t));
            sbuf_addc(o, '}');
            sbuf_free(&t);
        }
    sbuf_printf(o, "],\"parts_more\":%zu,", it->nparts - listed);
}

static void file(const report_html_file *f, sbuf *o)
{
    sbuf_addc(o, '{');
    report_html_jkey(o, "file");
    report_html_jstr(o, f->name);
    if (!f->it) {
        sbuf_adds(o, ",\"verdict\":\"error\",\"error\":");
        report_html_jstr(o, f->error ? f->error : "");
        sbuf_addc(o, '}');
        return;
    }
    const check_item *it = f->it;
    hist_counts c = hist_count(it->h);
    sbuf t = {0};
    sbuf_printf(&t, "%zu events, %zu ops (%zu ok, %zu info, %zu fail)",
                hist_nevents(it->h) - c.implied, hist_nops(it->h), c.ok, c.info, c.fail);
    if (c.implied)
        sbuf_adds(&t, ", completions only: each op taken as invoked at the start");
    if (c.open)
        sbuf_printf(&t, ", %zu never completed", c.open);
    if (c.annotations)
        sbuf_printf(&t, ", %zu nemesis events", c.annotations);
    sbuf_printf(o, ",\"verdict\":\"%s\",\"format\":\"%s\",\"summary\":",
                verdict_of(it->verdict), hist_format_name(f->format));
    report_html_jstr(o, sbuf_str(&t));
    sbuf_reset(&t);
    if (it->txn_checked)
        sbuf_printf(&t, "transactions: %s", model_txn_workload_name(it->txn.workload));
    else if (it->jw_checked)
        sbuf_printf(&t, "model %s (%s)", model_jw_name(it->jw.kind),
                    it->jw_how ? it->jw_how : "--model");
    else
        sbuf_printf(&t, "model %s (%s)", it->md.type->name,
                    it->inferred ? "inferred from the ops' names" : "--model");
    sbuf_adds(o, ",\"model\":");
    report_html_jstr(o, sbuf_str(&t));
    sbuf_free(&t);
    sbuf_addc(o, ',');
    checks(it, o);
    parts(it, o);
    report_html_file_data(f, o);
    sbuf_addc(o, '}');
}

/* s into out, with "</" as "<\/": JSON reads it back the same. */
static void add_script_safe(sbuf *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '<' && s[i + 1] == '/') {
            sbuf_addn(out, s + run, i + 1 - run);
            sbuf_addc(out, '\\');
            run = i + 1;
        }
    sbuf_addn(out, s + run, n - run);
}

void report_html(const report_html_file *files, size_t n, sbuf *out)
{
    sbuf d = {0};
    const char *worst = "valid";
    for (size_t i = 0; i < n; i++) {
        const char *v = !files[i].it ? "error" : verdict_of(files[i].it->verdict);
        if (!strcmp(v, "error") || (!strcmp(v, "invalid") && strcmp(worst, "error")) ||
            (!strcmp(v, "unknown") && !strcmp(worst, "valid")))
            worst = v;
    }
    sbuf_printf(&d, "{\"verdict\":\"%s\",\"files\":[", worst);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_addc(&d, ',');
        file(&files[i], &d);
    }
    sbuf_adds(&d, "]}");
    sbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>conch: ");
    sbuf_adds(out, worst);
    sbuf_adds(out, "</title>\n<style>\n");
    sbuf_adds(out, report_html_css);
    sbuf_adds(out, "</style>\n</head>\n<body>\n<div id=\"conch\"><noscript>This report draws "
                   "itself with JavaScript.</noscript></div>\n"
                   "<script type=\"application/json\" id=\"conch-data\">");
    add_script_safe(out, sbuf_str(&d), d.len);
    sbuf_adds(out, "</script>\n<script>\n");
    sbuf_adds(out, report_html_js);
    sbuf_adds(out, "</script>\n</body>\n</html>\n");
    sbuf_free(&d);
}

int report_html_write(const char *path, const report_html_file *files, size_t n, size_t *bytes,
                      sbuf *why)
{
    sbuf page = {0};
    report_html(files, n, &page);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fwrite(page.p, 1, page.len, f) != page.len) {
        sbuf_printf(why, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) && !rc) {
        sbuf_printf(why, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    *bytes = page.len;
    sbuf_free(&page);
    return rc;
}
