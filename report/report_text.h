/*
 * report_text.h - the text report of a checked history, for people.
 */
#ifndef CONCH_REPORT_TEXT_H
#define CONCH_REPORT_TEXT_H

#include "report.h"

/* The text report of one checked history. */
void report_text(FILE *f, const check_item *it, const report_opts *o);

#endif
