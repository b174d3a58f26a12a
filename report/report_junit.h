/*
 * report_junit.h - JUnit XML, for CI systems: one <testsuite> per history,
 * a <testcase> per check, a <failure> per violation (unknown is skipped).
 */
#ifndef CONCH_REPORT_JUNIT_H
#define CONCH_REPORT_JUNIT_H

#include "report.h"

/* report_junit_open / _close wrap the suites in <testsuites>. */
void report_junit_open(FILE *f);
void report_junit(FILE *f, const check_item *it);
/* A history that could not be read or checked: a suite with one error. */
void report_junit_error(FILE *f, const char *file, const char *error);
void report_junit_close(FILE *f);

#endif
