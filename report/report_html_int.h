/*
 * report_html_int.h - what the HTML report's files share: the page
 * (report_html.c), the timelines' data (report_html_data.c), the faults and
 * the perf graphs' data (report_html_perf.c), the script and style
 * (report_html_assets.c, made from html.js and html.css by
 * scripts/embed.sh).
 */
#ifndef CONCH_REPORT_HTML_INT_H
#define CONCH_REPORT_HTML_INT_H

#include "report_html.h"

/* JSON text: a string, and "name": */
void report_html_jstr(sbuf *b, const char *s);
void report_html_jkey(sbuf *b, const char *name);
/* "name":[v0,v1,...], */
void report_html_jints(sbuf *b, const char *name, const int64_t *v, size_t n);

/* The members of one checked history's data after its overview: its
 * timelines, faults, perf data and tables, each ending with a comma. */
void report_html_file_data(const report_html_file *f, sbuf *out);

/* The index of f name f in fidx (adding it, *n names so far). */
int64_t report_html_fname(val f, valmap *fidx, size_t *n);
/* "fs": the names in fidx, by index. */
void report_html_fnames(const history *h, const valmap *fidx, size_t n, sbuf *out);

/* "faults": the nemesis's faults, paired into bands (start..stop). */
void report_html_faults(const history *h, bool timed, int64_t origin, sbuf *out);
/* "perf": latency and throughput over time per op kind and outcome
 * (nothing without times). */
void report_html_perf(const history *h, bool timed, int64_t origin, valmap *fidx, size_t *nf,
                      sbuf *out);

/* The page's script and style (report_html_assets.c). */
extern const char report_html_js[];
extern const char report_html_css[];

#endif
