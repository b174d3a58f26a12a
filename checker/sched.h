/*
 * sched.h - running the parts' searches on worker threads, so that every
 * part gets searched: within the time and memory limits, a part that
 * explodes cannot starve the others, and once a part of a history is
 * invalid its other parts stop (the verdict is known).
 *
 * How (sched.c says why):
 *   - parts go to workers smallest first (a part's size is a rough guess of
 *     its cost), so cheap parts settle, and an invalid one is found, early;
 *   - under a time limit, a part that starts gets a share of the time left:
 *     that time over the rounds the parts still waiting make on the
 *     workers. When its share runs out and other parts are waiting, it is
 *     stopped; if nothing waits, it goes on;
 *   - memory is one budget for all (util/budget.h), of which each busy
 *     worker is promised a little, so that a part needing little is not
 *     refused it; a search refused memory before it held its share (the
 *     budget over the workers), because others held the rest, was crowded
 *     out, not too big;
 *   - a part stopped by its share of the time is searched once more, from
 *     the start, after every part has had its first turn, with a share of
 *     what is left then; one crowded out of memory, once more alone, when
 *     nothing else runs. That second turn is its last.
 */
#ifndef CONCH_SCHED_H
#define CONCH_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/budget.h"
#include "lin.h"
#include "progress.h"

typedef struct sched_task {
    const model *md;
    const lin_op *ops;
    size_t nops;
    /* Shared by the parts of one history: set when one of them is found
     * invalid (unless all_parts), which stops the others. NULL: none. */
    _Atomic int *cancel;
    size_t item, part;  /* its names, for the progress (opaque here) */
    /* What sched_run fills: */
    lin_result r;      /* the last search's (a part never searched: unknown,
                        * r.stop saying why, nothing else) */
    unsigned attempts; /* searches begun: 0, 1 or 2 */
    double seconds;    /* over all of them */
} sched_task;

typedef struct sched_opts {
    int threads;         /* workers (at most one per task is started) */
    int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: no time limit */
    budget *mem;         /* NULL: no memory limit */
    _Atomic int *stop;   /* set asynchronously (an interrupt): stop everything */
    bool all_parts;      /* search every part, even once one is invalid */
    check_progress *progress; /* noted as searches begin and settle; NULL: none */
} sched_opts;

/* Search every task; returns when all are settled. */
void sched_run(sched_task *tasks, size_t n, const sched_opts *o);

#endif
