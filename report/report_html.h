/*
 * report_html.h - the HTML report: one self-contained file (no network, no
 * external script or font) that opens from disk in any browser.
 *
 * For each history: an overview of every check and part with its verdict,
 * invalid first; a timeline per part (a row per process, each op a bar
 * from call to return coloured by outcome, nemesis faults as shaded
 * bands, details on hover), with an invalid part's smallest
 * counterexample highlighted, the longest linearization found drawn
 * through its linearization points and the op that cannot follow marked,
 * and session violations' ops linked in order; and, where the history has
 * times, latency and throughput over time per op kind and outcome, with
 * the fault bands, as Jepsen's perf graphs show them.
 *
 * Bounded whatever the history: at most REPORT_HTML_DRAWN ops are drawn
 * as bars, windows around the violations first; the rest of each part is
 * summarised (ops per time bucket), and a part not drawn is still listed.
 * The page is data (JSON) plus the script that draws it (html.js, kept in
 * report_html_assets.c); report_html_data.c builds the data.
 */
#ifndef CONCH_REPORT_HTML_H
#define CONCH_REPORT_HTML_H

#include "report.h"

#define REPORT_HTML_DRAWN 20000 /* ops drawn as bars, over all timelines */

/* One history for the report: a checked one (it), or one that could not be
 * read or checked (error). */
typedef struct report_html_file {
    const char *name;
    const check_item *it; /* NULL: error says why */
    const char *error;
    hist_format format;
} report_html_file;

/* Write the report of files[0..n) to path (*bytes: its size). Returns 0,
 * or -1 with the reason in why ("cannot write PATH: ..."). */
int report_html_write(const char *path, const report_html_file *files, size_t n, size_t *bytes,
                      sbuf *why);
/* The same into out (the whole document). */
void report_html(const report_html_file *files, size_t n, sbuf *out);

#endif
