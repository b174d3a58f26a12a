/*
 * report_junit.c - JUnit XML, for CI systems (report_junit.h).
 */
#include "report_junit.h"

#include <string.h>

#include "../util/utf8.h"
#include "report_jw.h"
#include "report_txn.h"

/* Invalid parts told with their smallest counterexample, and its ops
 * listed; the other parts a line each. */
#define JUNIT_IN_FULL 3
#define JUNIT_MINIMAL_OPS 24

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
        size_t unknown = 0, invalid = 0;
        for (size_t p = 0; p < it->nparts; p++) {
            const lin_part *pt = &it->parts[p];
            if (pt->r.verdict == LIN_INVALID) {
                failure = "not linearizable";
                if (invalid++ == JUNIT_IN_FULL)
                    sbuf_adds(&d, "and more:\n");
                if (invalid > JUNIT_IN_FULL)
                    sbuf_adds(&d, "  ");
                sbuf_adds(&d, "cannot linearize ");
                report_op(it->h, pt->ids[pt->r.fail], &d);
                sbuf name = {0};
                report_part_name(it, pt, &name);
                sbuf_printf(&d, "%s%s\n", name.len ? ", in " : "", sbuf_str(&name));
                sbuf_free(&name);
                if (invalid <= JUNIT_IN_FULL)
                    report_minimal(it, pt, "  ", JUNIT_MINIMAL_OPS, &d);
            } else if (pt->r.verdict == LIN_UNKNOWN && !unknown++) {
                report_part_name(it, pt, &skip); /* unknown: neither passed nor failed */
                sbuf_adds(&skip, skip.len ? ": " : "");
                report_part_unknown(pt, &skip);
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
