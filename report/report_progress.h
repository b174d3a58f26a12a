/*
 * report_progress.h - a progress line on a terminal (stderr) while conch
 * reads and checks: the bytes and events read, then the parts decided of
 * all, the configurations the searches explored, and the slowest part so
 * far. A thread of its own redraws it a few times a second from counters
 * the reader and the checker keep (histories/read.h, checker/progress.h);
 * it never slows them.
 *
 * On a terminal the line is redrawn in place, from 0.3 s on (a quick check
 * shows nothing), and cleared at the end; elsewhere (--progress with
 * stderr not a terminal) a plain line every 2 s.
 */
#ifndef CONCH_REPORT_PROGRESS_H
#define CONCH_REPORT_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "report.h"

typedef struct report_progress report_progress;

/* Start drawing on f (tty: redraw in place). Stop with report_progress_stop,
 * which clears the line and frees p. */
report_progress *report_progress_start(FILE *f, bool tty);
void report_progress_stop(report_progress *p);

/* Reading name (size bytes; 0: unknown). report_progress_bytes fits
 * hist_read_opts.hook (arg p); report_progress_events gives the counter for
 * hist_read_opts.events. */
void report_progress_file(report_progress *p, const char *name, size_t size);
void report_progress_bytes(void *p, size_t bytes);
_Atomic size_t *report_progress_events(report_progress *p);

/* Checking items[0..n), which cp follows. */
void report_progress_check(report_progress *p, check_progress *cp, const check_item *items,
                           size_t n);

#endif
