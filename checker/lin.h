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

#define LIN_NEVER UINT32_MAX
#define LIN_MAX_STATES 8
#define LIN_MAX_PENDING 8

typedef enum lin_verdict { LIN_VALID = 0, LIN_INVALID, LIN_UNKNOWN } lin_verdict;

typedef struct lin_op {
    mop m;
    uint32_t call, ret; /* positions; ret is LIN_NEVER for info ops */
    uint32_t id;        /* the caller's name for the op (a history op index) */
} lin_op;

typedef struct lin_limits {
    int64_t deadline_ns;           /* CLOCK_MONOTONIC; 0: none */
    size_t max_bytes;              /* memory all searches may hold together; 0: none */
    _Atomic size_t *used_bytes;    /* shared among searches running at once */
    _Atomic int *stop;             /* nonzero: give up (an interrupt) */
} lin_limits;

typedef struct lin_result {
    lin_verdict verdict;
    const char *unknown_why; /* "time limit", "memory limit", "stopped" */
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
    size_t bytes;     /* memory held at the end */
    double seconds;
} lin_result;

/* Buffers a search uses, kept between searches on one thread so their
 * pages are reused. Not shared between threads. */
typedef struct lin_ws lin_ws;
lin_ws *lin_ws_new(void);
void lin_ws_free(lin_ws *w);

/* Check ops (any order; they are sorted by position inside), using ws's
 * buffers (NULL: a workspace of its own). Fills *out; free it with
 * lin_result_free. */
void lin_check(const model *md, const lin_op *ops, size_t n, const lin_limits *lim,
               lin_ws *ws, lin_result *out);
void lin_result_free(lin_result *r);

#endif
