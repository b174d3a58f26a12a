/*
 * report_json.h - the JSON report of a checked history, for programs.
 * docs/report.schema.json describes it.
 */
#ifndef CONCH_REPORT_JSON_H
#define CONCH_REPORT_JSON_H

#include <jansson.h>

#include "report.h"

/* The JSON report of one checked history (a new reference). */
json_t *report_json(const check_item *it, const report_opts *o);
/* The JSON report of a history that could not be read or checked. */
json_t *report_json_error(const char *file, const char *error);

/* Op i of h as JSON: process, f, value, result, type, lines, times (a new
 * reference). */
json_t *report_json_op(const history *h, size_t i);
/* v as JSON (a new reference), converted directly: strings valid UTF-8, a
 * map's keys as member names (a key that is not a string named by its
 * JSON text), NaN and infinities as null. */
json_t *report_json_val(const vtab *vt, val v);
/* s as a JSON string, valid UTF-8 whatever its bytes (a new reference). */
json_t *report_json_text(const char *s);

#endif
