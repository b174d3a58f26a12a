/*
 * session.h - session guarantees (Terry et al. 1994): read-your-writes,
 * monotonic reads, monotonic writes, writes-follow-reads, and their
 * conjunctions, per session and key.
 *
 * A session is a process; after an info completion Jepsen gives the worker
 * a new process, so a session ends there. A guarantee holds if some order
 * of each key's versions, starting at the initial value, agrees with
 * everything the history shows and with what the guarantee demands; it is
 * reported violated only when no such order exists. session.c explains how
 * the order is found (the store's versions, or inferred from unique values,
 * or inferred plus real time).
 */
#ifndef CONCH_SESSION_H
#define CONCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdatomic.h>

#include "../histories/history.h"
#include "../models/model.h"
#include "../util/budget.h"

typedef enum sess_guarantee {
    SG_RYW = 0, /* read-your-writes */
    SG_MR,      /* monotonic reads */
    SG_MW,      /* monotonic writes */
    SG_WFR,     /* writes-follow-reads */
    SG_PRAM,    /* RYW + MR + MW */
    SG_ALL,     /* all four */
    SG_COUNT,
} sess_guarantee;

typedef enum sess_order {
    SO_AUTO = 0, /* store when ops carry versions, else inferred */
    SO_STORE,
    SO_INFERRED,
    SO_REALTIME,
} sess_order;

typedef enum sess_status { SS_HOLDS = 0, SS_VIOLATED, SS_NA, SS_UNKNOWN } sess_status;

/* What cut a check short (its guarantees not found violated are then
 * unknown: a violation found before is one all the same). */
typedef enum sess_stop { SESS_DONE = 0, SESS_STOP_TIME, SESS_STOP_MEMORY, SESS_STOP_INTERRUPT } sess_stop;

typedef struct sess_limits {
    int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    _Atomic int *stop;   /* nonzero: give up (an interrupt) */
    budget *mem;         /* what the check's tables are charged to; NULL: no limit */
} sess_limits;

#define SESS_MAX_SHOWN 20 /* violations kept per guarantee */

typedef struct sess_violation {
    val key;
    bool keyed;
    char *text;     /* one explanation a person can follow */
    uint32_t *ops;  /* history ops involved, in the order the text names them */
    size_t nops;
    bool derived;   /* a conjunction's violation that is one of its parts' */
} sess_violation;

typedef struct sess_outcome {
    sess_status status;
    const char *why_na; /* when not applicable */
    size_t keys;        /* keys checked */
    size_t keys_violated;
    size_t violations; /* all found (at most one a key in inferred orders) */
    sess_violation shown[SESS_MAX_SHOWN];
    size_t nshown;
} sess_outcome;

typedef struct sess_result {
    sess_order order; /* the order used */
    bool applicable;  /* false: no session check applies (why_na says why) */
    const char *why_na;
    size_t sessions, keys;
    size_t keys_not_unique;   /* inferred: keys left out (a value written twice, or
                               * appends mixed with overwrites) */
    char *not_unique_example; /* e.g. x=3 written at lines 10 and 40 */
    size_t reads_without_version; /* store: reads that could not be compared */
    bool string_appends;          /* MW and WFR are not checked on those keys */
    sess_stop stopped;            /* cut short (see sess_stop) */
    sess_outcome g[SG_COUNT];
    double seconds;
} sess_result;

/* Which guarantees to check: bits (1 << SG_*); the conjunctions are checked
 * when all their parts are. */
#define SESS_ALL_CHECKS ((1u << SG_RYW) | (1u << SG_MR) | (1u << SG_MW) | (1u << SG_WFR))

/* Check h's sessions. ops are h's ops compiled for md (model_compile_ops),
 * and md says what each reads and writes (its access hook: a model
 * without one has no sessions to check). order is the version order to
 * use; jobs the threads for the inferred search (< 1: one per core); lim
 * the time and memory it may take and the interrupt it obeys (NULL:
 * none). Fills *out; free with sess_result_free. */
void sess_check(const history *h, const model *md, const model_ops *ops, sess_order order,
                unsigned checks, int jobs, const sess_limits *lim, sess_result *out);
void sess_result_free(sess_result *r);

const char *sess_guarantee_name(sess_guarantee g); /* "read-your-writes" */
const char *sess_guarantee_short(sess_guarantee g); /* "ryw" */
const char *sess_order_name(sess_order o);
const char *sess_stop_name(sess_stop s); /* "the time limit", ... */

#endif
