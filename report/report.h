/*
 * report.h - what conch says about a checked history: what every format
 * shares (report.c), how an op, a part and a contradiction are told.
 *
 * The formats are modules of their own: report_text.h (people at a
 * terminal), report_json.h (programs), report_junit.h (CI systems),
 * report_txn.h (histories checked as transactions). Every writer writes
 * valid output whatever the history's values and name hold: JSON and XML
 * in valid UTF-8 (a byte that is not UTF-8 shown as U+FFFD), text with
 * control characters escaped.
 */
#ifndef CONCH_REPORT_H
#define CONCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "../checker/check.h"
#include "../histories/read.h"

typedef struct report_opts {
    bool color;   /* ANSI colours (only on a terminal) */
    int verbose;  /* 0: the first violations in full, counts for the rest;
                   * 1 (-v): every part a line, more in full, statistics;
                   * 2 (-vv): everything in full */
    hist_format format; /* the format the history was read in */
    const char *full; /* where the whole report is, if written (results.json,
                       * report.html): cut lists point there */
} report_opts;

const char *report_verdict_name(lin_verdict v); /* "valid", "invalid", "unknown" */
const char *report_status_name(hist_status s);  /* "ok", "fail", "info" */

/* Describe op i of h for people: "process 3 read -> 4 (lines 398-412)". */
void report_op(const history *h, size_t i, sbuf *out);

/* text, in the verdict's colour if o->color */
void report_paint(FILE *f, const report_opts *o, lin_verdict v, const char *text);

/* A part for people: "key \"x\"", "part 3", or nothing for a history's
 * only unkeyed part. */
void report_part_name(const check_item *it, const lin_part *p, sbuf *out);
/* Why a part was not searched (attempts 0), for people. */
const char *report_unsearched_why(lin_stop s);
/* What stopped an unknown part, for people: "stopped by the time limit
 * after 0.512 s of search" or "not searched: ...". */
void report_part_unknown(const lin_part *p, sbuf *out);
/* Does the initial value name each key's (model_key_init)? */
bool report_init_per_key(const check_item *it);

/* Why a part decided without search cannot be linearized, after the
 * "cannot linearize: <op>" line (that op is the culprit check.c chose),
 * each line starting with indent. */
void report_uv_explain(const check_item *it, const lin_part *p, const char *indent, sbuf *out);

/* The time the history's first timed event has (0 if none): the report's
 * times are from it. */
int64_t report_time_origin(const history *h);
/* The ops of an invalid part's smallest counterexample (p->shrunk's ops
 * and maybe, part op numbers) into out, in real-time order (of
 * invocation); returns how many. */
size_t report_minimal_order(const check_item *it, const lin_part *p, uint32_t *out);
/* Is part op k one the counterexample needs as optional (shrunk.maybe)? */
bool report_minimal_maybe(const lin_part *p, uint32_t k);
/* The smallest counterexample of an invalid part, for people: its ops in
 * real-time order with times (at most max_ops), numbered, and where every
 * order of them gets stuck; nothing if the part was not shrunk. */
void report_minimal(const check_item *it, const lin_part *p, const char *indent, size_t max_ops,
                    sbuf *out);

#endif
