/*
 * write.h - writing histories in conch's native JSON Lines format (and, for
 * benchmarks of the other readers, as Jepsen's EDN and log lines).
 *
 * One event a line, keys in a fixed order:
 *   {"index":0,"time":1203,"process":3,"type":"invoke","f":"write","key":"x","value":17}
 * index, time, key, version, node and error appear only when present.
 * Every line is valid JSON in valid UTF-8 that conch's reader and jansson
 * read, whatever the values hold (val_to_json): a value from a store's
 * answer may hold bytes that are not UTF-8, which are written as U+FFFD.
 */
#ifndef CONCH_WRITE_H
#define CONCH_WRITE_H

#include <stdio.h>

#include "history.h"

/* Append one event's line (with its newline) to b. */
void hist_format_event(const vtab *vt, const hist_event *e, sbuf *b);
/* The same event as a Jepsen history.edn line, {:index 0, :time 1203,
 * :process 3, :type :invoke, :f :write, :key "x", :value 17}, or as a
 * Jepsen log line, "INFO  jepsen.util - 3\t:invoke\t:write\t17", whose
 * value is the independent pair ["x" 17] when the event has a key (a log
 * line has no key of its own). Strings are written as JSON writes them,
 * which EDN reads the same. */
void hist_format_event_edn(const vtab *vt, const hist_event *e, sbuf *b);
void hist_format_event_log(const vtab *vt, const hist_event *e, sbuf *b);
/* Write every event of h to f; returns 0, or -1 if a write failed. */
int hist_write_jsonl(const history *h, FILE *f);

#endif
