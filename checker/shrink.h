/*
 * shrink.h - the smallest counterexample of an invalid part: a few of its
 * ops that cannot be linearized, and why no order of them works.
 *
 * A part found invalid may hold millions of ops; the contradiction lives
 * in a handful. shrink_part finds a set of the part's ops that, as
 * recorded, have no linearization even beside a few others counted
 * optional (each may or may not have taken effect, at any time after its
 * invocation), and such that with any one of them optional too, they have
 * one: each matters. shrink.c says how (delta debugging), within a
 * deadline. Then it explores every order of those few ops and keeps where
 * each gets stuck: the ops placed, the state reached, and the ops that
 * could go next by real time, none of which the model accepts there.
 *
 * The checker hands this to report/ as data; nothing here renders, but
 * states, which only the model can describe, come as text.
 */
#ifndef CONCH_SHRINK_H
#define CONCH_SHRINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lin.h"

#define SHRINK_MAX_ENDS 4     /* dead ends kept, the furthest first */
#define SHRINK_EXPLAIN_MAX 24 /* the most ops whose orders are all explored */

/* Where one order of the minimal ops gets stuck. Op numbers are indices
 * into the ops given to shrink_part. */
typedef struct shrink_end {
    uint32_t *order;   /* the ops placed, in an order that reaches here */
    size_t norder;
    char *state;       /* the state then, as the model describes it */
    uint32_t *next;    /* the ops real time lets go next: none is legal */
    size_t nnext;
} shrink_end;

typedef enum shrink_stop {
    SHRINK_DONE = 0,       /* it ran to the end */
    SHRINK_STOP_TIME,      /* its deadline (--minimize-time) */
    SHRINK_STOP_INTERRUPT, /* an interrupt */
} shrink_stop;

typedef struct shrink_result {
    bool tried;       /* shrink_part ran on this part */
    uint32_t *ops;    /* the ops that contradict each other as recorded,
                       * ascending (so in order of invocation when the ops
                       * given were) */
    size_t nops;
    uint32_t *maybe;  /* the ops they need beside them as optional (each may
                       * or may not have taken effect, any time after its
                       * invocation), ascending */
    size_t nmaybe;
    bool minimal;     /* each of ops matters: with any one of them optional
                       * too, they all fit (checked) */
    bool complete;    /* the shrinking ran to its end: no check was cut
                       * short, so no fewer ops were missed that way */
    shrink_stop stop;
    size_t tests;     /* subsets checked */
    double seconds;
    /* Why (when nops <= SHRINK_EXPLAIN_MAX): */
    bool explained;   /* every order was explored */
    shrink_end ends[SHRINK_MAX_ENDS];
    size_t nends;
    size_t ends_total; /* distinct (ops placed, state) dead ends found */
} shrink_result;

typedef struct shrink_limits {
    int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    _Atomic int *stop;   /* nonzero: give up (an interrupt) */
} shrink_limits;

/* Shrink ops[0..n) of one part, which md finds not linearizable. unique:
 * the part was decided without search (uv_check), so subsets are too.
 * anchors (indices into ops) are ops the verdict named; the shrinker
 * tries their neighbourhoods first. ws: the search's buffers (NULL: its
 * own). Fills *out (free with shrink_result_free); out->nops is 0 when
 * nothing smaller than n was found invalid in time, and then the part is
 * its own counterexample. */
void shrink_part(const model *md, const lin_op *ops, size_t n, bool unique,
                 const uint32_t *anchors, size_t nanchors, const shrink_limits *lim,
                 lin_ws *ws, shrink_result *out);
void shrink_result_free(shrink_result *r);

/* "its deadline (--minimize-time)", ... */
const char *shrink_stop_name(shrink_stop s);

#endif
