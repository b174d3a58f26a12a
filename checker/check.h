/*
 * check.h - checking whole histories: model choice, compiling ops,
 * splitting into independent parts, and running the parts' searches on a
 * thread pool.
 *
 * Linearizability is compositional (Herlihy & Wing 1990; Horn & Kroening
 * 2015 call its use for checking P-compositionality): a history is
 * linearizable iff each object's sub-history is. The model says what the
 * objects are (model_split); each part is checked alone, in parallel, on
 * workers that share the time and memory limits fairly (sched.h): first by
 * the unique-value path (unique.h), which decides without search when the
 * values written to the part are unique, else by the search (lin.h).
 */
#ifndef CONCH_CHECK_H
#define CONCH_CHECK_H

#include <stdatomic.h>

#include "../histories/history.h"
#include "../models/model.h"
#include "lin.h"
#include "progress.h"
#include "session.h"
#include "shrink.h"
#include "unique.h"
#include "txn.h"
#include "jw.h"

/* The default of check_opts.minimize_s, for the command line. */
#define CHECK_MINIMIZE_S 3.0

/* What to check: linearizability, and session guarantees (1 << SG_*). */
#define CHECK_LIN (1u << 8)
#define CHECK_DEFAULT (CHECK_LIN | SESS_ALL_CHECKS)

typedef struct check_opts {
    const model_type *model; /* NULL: infer from each history's f names */
    const char *init_json;   /* initial value as JSON; NULL: nil */
    nil_read nil;
    int jobs;                /* threads; < 1: one per core */
    double timeout_s;        /* for all checks together; 0: none */
    size_t max_memory;       /* bytes the checks may hold at once; 0: none */
    _Atomic int *stop;       /* set asynchronously to give up */
    bool all_parts;          /* search every part of a history, even once one
                              * is invalid (default: the others stop) */
    unsigned checks;         /* CHECK_LIN and session bits; 0: CHECK_DEFAULT */
    sess_order order;        /* version order for the session checks */
    bool search_only;        /* search every part, never the unique-value path */
    check_progress *progress; /* noted as the check goes (progress.h); NULL: none */
    double minimize_s;       /* shrink each invalid part to a minimal
                              * counterexample within this long (shrink.h),
                              * all parts together; 0: not at all */
    /* Transactions (txn.h): a history of them goes to the txn checker when
     * txn_workload is set, when txn_model_given, or when its micro-ops are
     * appends; r/w txns stay with multi-register otherwise. */
    txn_workload txn_workload; /* MODEL_TXN_AUTO: from the micro-ops */
    bool txn_model_given;
    txn_cm txn_model;          /* the consistency model (if given) */
    unsigned txn_assume;       /* txn_opts.assume */
    /* Jepsen's other workloads (jw.h): a history goes to their checks when
     * jw.kind names one, or when jw_infer finds one and neither model nor
     * txn_workload is given. */
    jw_opts jw;
} check_opts;

/* Why a history could not be checked (0: it was). The item's why says
 * where and what, for a person; cli/ maps these to its exit code. */
typedef enum check_rc {
    CHECK_OK = 0,
    CHECK_ENOMODEL, /* none named, and none fits the ops' f names */
    CHECK_EINIT,    /* the initial value is not a value, or not one the model can start from */
    CHECK_EOP,      /* an op does not fit the model (or a txn the workload) */
} check_rc;

/* Which checker decided a part. */
typedef enum lin_path {
    LIN_PATH_SEARCH = 0, /* lin.c's search */
    LIN_PATH_UNIQUE,     /* unique.c, without search: written values are unique */
} lin_path;

typedef struct lin_part {
    val key;      /* the key of its first op (nil if unkeyed) */
    bool keyed;
    size_t nops;  /* ops in the search */
    uint32_t *ids; /* search op i is history op ids[i] */
    lin_path path;
    uv_result uv; /* what the unique-value path found: the contradiction when
                   * it decided the part invalid, why not when it was searched */
    lin_result r;  /* the verdict, whichever path gave it; for the search, its
                    * last attempt's (unknown with r.stop: why) */
    unsigned attempts; /* searches begun (0: not searched; sched.h) */
    double seconds;    /* of search, over all of them */
    shrink_result shrunk; /* for an invalid part: its smallest counterexample
                           * (shrunk.tried; op numbers index ids) */
} lin_part;

typedef struct check_item {
    history *h; /* borrowed */
    /* What check_run fills: */
    check_rc rc; /* CHECK_OK, or why it could not be checked (why says more) */
    sbuf why;
    model md;
    bool inferred;
    size_t nsearch;  /* ok and info ops in the searches */
    size_t nskipped; /* ops that constrain nothing (left out) */
    size_t nfail;    /* fail ops (dropped) */
    size_t npruned;  /* crashed ops the model says nobody could see (left out) */
    lin_part *parts;
    size_t nparts;
    bool lin_checked;   /* linearizability was asked for */
    lin_verdict lin;    /* its verdict */
    double seconds;     /* search time summed over its parts */
    size_t nunsearched; /* parts never searched (lin_part.attempts 0) */
    sess_result sess;   /* the session checks (sess.applicable: they ran) */
    bool sess_checked;  /* some session check was asked for */
    bool txn_checked;    /* checked as transactions (md is unset) */
    bool txn_workload_named, txn_model_named; /* by the options, not defaults */
    txn_result txn;
    bool jw_checked;     /* checked as a Jepsen workload (md is unset) */
    const char *jw_how;  /* what showed it (jw_infer), or NULL: --model */
    jw_kind jw_also;     /* a workload the ops could also be (jw_infer), named only */
    jw_result jw;
    lin_verdict verdict; /* over everything checked: invalid if any check
                          * found a violation, else unknown if the search
                          * was stopped, else valid */
} check_item;

/* Check every item's history: linearizability (parts of all histories on
 * one pool), then the session guarantees. */
void check_run(check_item *items, size_t n, const check_opts *o);
void check_item_free(check_item *it);

#endif
