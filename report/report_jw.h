/*
 * report_jw.h - what conch says about a history checked as one of Jepsen's
 * other workloads (checker/jw.h): bank, long-fork, set-full.
 */
#ifndef CONCH_REPORT_JW_H
#define CONCH_REPORT_JW_H

#include <jansson.h>
#include <stdio.h>

#include "report.h"

/* The lines after the history's header line. */
void report_jw_text(FILE *f, const check_item *it, const report_opts *o);
/* The check's object, named after the workload (a new reference). */
json_t *report_jw_json(const check_item *it);
/* For JUnit: the test case's name into name, and, if violated, the
 * failure's details into detail; returns the failure message, or NULL. */
const char *report_jw_junit(const check_item *it, sbuf *name, sbuf *detail);

#endif
