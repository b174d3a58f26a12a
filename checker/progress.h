/*
 * progress.h - how far a check has got, for a progress display: the
 * checker's threads note it (cheaply: counters, and a lock only when a
 * search begins or ends), another thread reads a snapshot whenever it
 * likes. The checker never prints; the command line draws (report/).
 */
#ifndef CONCH_PROGRESS_H
#define CONCH_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum check_phase {
    PHASE_PREPARE = 0, /* compiling and splitting the ops */
    PHASE_SESSIONS,    /* the session checks */
    PHASE_TXN,         /* the transactional checks */
    PHASE_UNIQUE,      /* parts decided without search */
    PHASE_SEARCH,      /* the searches */
    PHASE_SHRINK,      /* the smallest counterexamples */
    PHASE_DONE,
} check_phase;

typedef struct check_progress check_progress;

check_progress *progress_new(void);
void progress_free(check_progress *p);

/* ---- what the checker notes ---- */
void progress_phase(check_progress *p, check_phase phase);
/* parts more parts to decide; n of them decided. */
void progress_parts(check_progress *p, size_t parts);
void progress_done(check_progress *p, size_t n);
/* The counter the searches add their configurations to. */
_Atomic uint64_t *progress_configs(check_progress *p);
/* A search of part (item, part) begins; returns its slot for
 * progress_end (-1: no slot free, not followed). */
int progress_begin(check_progress *p, size_t item, size_t part, int64_t now_ns);
void progress_end(check_progress *p, int slot, int64_t now_ns);

/* ---- what a display reads ---- */
typedef struct progress_view {
    check_phase phase;
    size_t parts, done;
    uint64_t configs;
    bool slow;            /* a search ran or runs: the longest so far */
    size_t slow_item, slow_part;
    double slow_s;
    bool slow_running;    /* it is still running */
} progress_view;

void progress_get(check_progress *p, int64_t now_ns, progress_view *out);

#endif
