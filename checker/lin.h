/*
 * lin.h - is one object's history linearizable? (one part: see check.h)
 *
 * The search is Wing & Gong's, with Lowe's memoisation; lin.c explains it.
 * Ops come with their positions in the history's real-time order; an op
 * that must take effect (ok) has a return position, one that may or may not
 * (info) has LIN_NEVER and may be linearized anywhere after its call, or
 * left out.
 */
#ifndef CONCH_LIN_H
#define CONCH_LIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../models/model.h"
#include "../util/budget.h"

#define LIN_NEVER UINT32_MAX
#define LIN_MAX_STATES 8
#define LIN_MAX_PENDING 8

typedef enum lin_verdict { LIN_VALID = 0, LIN_INVALID, LIN_UNKNOWN } lin_verdict;

typedef struct lin_op {
    mop m;
    uint32_t call, ret; /* positions; ret is LIN_NEVER for info ops */
    uint32_t id;        /* the caller's name for the op (a history op index) */
} lin_op;

/* Why a search ended before its verdict. */
typedef enum lin_stop {
    LIN_DONE = 0,          /* it was not stopped: valid or invalid */
    LIN_STOP_TIME,         /* the time limit */
    LIN_STOP_TIME_SHARE,   /* its share of the time limit ran out while other parts waited */
    LIN_STOP_MEMORY,       /* the memory limit */
    LIN_STOP_MEMORY_SHARE, /* the memory limit, with memory other parts held or were promised */
    LIN_STOP_INTERRUPT,    /* an interrupt (Ctrl-C) */
    LIN_STOP_INVALID,      /* another part of its history is invalid: the verdict is known */
} lin_stop;

/* "the time limit", "its share of the time limit", ...: what stopped it. */
const char *lin_stop_name(lin_stop s);

typedef struct lin_limits {
    int64_t deadline_ns;   /* CLOCK_MONOTONIC; 0: none */
    /* Called when deadline_ns has passed: may the search go on? If so, it
     * moves *deadline_ns on and returns true. NULL: it may not. */
    bool (*extend)(void *ctx, int64_t *deadline_ns);
    void *ctx;
    _Atomic int *stop;     /* nonzero: give up (an interrupt) */
    _Atomic int *cancel;   /* nonzero: give up, the verdict is known elsewhere */
    _Atomic uint64_t *configs; /* if not NULL, configurations explored are
                                * added to it as the search goes */
} lin_limits;

typedef struct lin_result {
    lin_verdict verdict;
    lin_stop stop;           /* why it is unknown */
    /* For an invalid part: the op that could not be linearized (an index
     * into the ops given), one longest linearizable prefix found (indices,
     * in order), the states the object can be in after it, and the ops
     * that were pending (invoked, not linearized) there. */
    uint32_t fail;
    uint32_t *prefix;
    size_t nprefix;
    char *states[LIN_MAX_STATES];
    size_t nstates;
    bool more_states;
    uint32_t pending[LIN_MAX_PENDING];
    size_t npending;
    bool more_pending;
    /* What the search did. */
    uint64_t steps;   /* ops tried */
    size_t configs;   /* distinct (linearized set, state) pairs */
    size_t nmstates;  /* distinct model states */
    size_t bytes;     /* memory its worker held at the most (search and cache) */
    double seconds;
} lin_result;

/* Buffers a search uses, kept between searches on one thread so their
 * pages are reused (the small ones: see lin.c). Not shared between
 * threads. Everything a search holds is charged to hold (NULL: no limit),
 * which must outlive the workspace; a charge refused ends the search as
 * unknown. */
typedef struct lin_ws lin_ws;
lin_ws *lin_ws_new(bhold *hold);
void lin_ws_free(lin_ws *w);

/* Check ops (any order; they are sorted by position inside), using ws's
 * buffers (NULL: a workspace of its own). Fills *out; free it with
 * lin_result_free. */
void lin_check(const model *md, const lin_op *ops, size_t n, const lin_limits *lim,
               lin_ws *ws, lin_result *out);
void lin_result_free(lin_result *r);

#endif
