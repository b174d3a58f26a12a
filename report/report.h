/*
 * report.h - what conch says about a checked history, for people (text)
 * and for machines (JSON).
 */
#ifndef CONCH_REPORT_H
#define CONCH_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "../checker/check.h"
#include "../histories/read.h"

typedef struct report_opts {
    bool color;   /* ANSI colours (only on a terminal) */
    bool verbose; /* every part, and search statistics */
    hist_format format; /* the format the history was read in */
} report_opts;

/* Describe op i of h for people: "process 3 read -> 4 (lines 398-412)". */
void report_op(const history *h, size_t i, sbuf *out);

/* The text report of one checked history. */
void report_text(FILE *f, const check_item *it, const report_opts *o);
/* The JSON report of one checked history (a new reference). Every writer
 * here writes valid output whatever the history's values and name hold:
 * JSON and XML in valid UTF-8 (a byte that is not UTF-8 shown as U+FFFD),
 * text with control characters escaped. */
json_t *report_json(const check_item *it, const report_opts *o);
/* The JSON report of a history that could not be read or checked. */
json_t *report_json_error(const char *file, const char *error);

/* JUnit XML, for CI systems: one <testsuite> per history, a <testcase>
 * per check, a <failure> per violation. report_junit_open / _close wrap
 * the suites in <testsuites>. */
void report_junit_open(FILE *f);
void report_junit(FILE *f, const check_item *it);
/* A history that could not be read or checked: a suite with one error. */
void report_junit_error(FILE *f, const char *file, const char *error);
void report_junit_close(FILE *f);

const char *report_verdict_name(lin_verdict v);
/* text, in the verdict's colour if o->color */
void report_paint(FILE *f, const report_opts *o, lin_verdict v, const char *text);
/* Op i of h as JSON: process, f, value, result, type, lines, times (a new
 * reference). */
json_t *report_json_op(const history *h, size_t i);
/* v as JSON (a new reference). */
json_t *report_json_val(const vtab *vt, val v);
/* s as a JSON string, valid UTF-8 whatever its bytes (a new reference). */
json_t *report_json_text(const char *s);

#endif
