/*
 * report_txn.h - what conch says about a history checked as transactions
 * (checker/txn.h): the anomalies found, told as stories, and the
 * consistency models they rule out.
 */
#ifndef CONCH_REPORT_TXN_H
#define CONCH_REPORT_TXN_H

#include <jansson.h>
#include <stdio.h>

#include "report.h"

/* The lines after the history's header line. */
void report_txn_text(FILE *f, const check_item *it, const report_opts *o);
/* The "transactions" check object (a new reference). */
json_t *report_txn_json(const check_item *it);
/* For JUnit: the test case's name ("transactions (serializable)") into
 * name, and, if the model is violated, the failure's details into detail;
 * returns the failure message, or NULL. */
const char *report_txn_junit(const check_item *it, sbuf *name, sbuf *detail);

#endif
