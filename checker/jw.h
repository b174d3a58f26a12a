/*
 * jw.h - Jepsen's other workloads, checked as Jepsen checks them: bank
 * (jepsen.tests.bank), long-fork (jepsen.tests.long-fork) and set-full
 * (jepsen.checker/set-full). None of them is a sequential object: each has
 * an invariant of its own over the ops, and a check of it, not a search.
 *
 *   bank       f "transfer" {from, to, amount} and f "read" -> a map of
 *              account -> balance. The balances of every ok read sum to the
 *              total (transfers move money, never make or lose it); with
 *              negative balances forbidden, none is below 0.
 *   long-fork  f "write" [[w k v]] (one write, each key written once) and
 *              f "read" [[r k v] ...]. Under snapshot isolation every read
 *              sees a prefix of one order of the writes, so two reads of
 *              the same keys agree: one saw all the other saw. A long fork
 *              is two reads each of which saw a write the other did not.
 *   set-full   f "add" e and f "read" -> the elements; per element, when it
 *              was known to be in the set (its add completed, or a read saw
 *              it), whether it then stayed (stable), went missing from
 *              every later read (lost), or was never read after; stale: a
 *              read that began after it was known missed it.
 *
 * What each reports is data (the ops that show it, as history op indices),
 * and a verdict: a violation is reported only where the history proves
 * one. Each check is linear in the history (set-full: in the elements its
 * reads list, times a logarithm).
 *
 * The workload is named (--model) or inferred from the ops (jw_infer), and
 * only where the ops say it unambiguously: a "transfer" is bank's; reads of
 * maps of integers with no write of any kind are bank's reads; reads and
 * writes whose values are lists of micro-ops are long-fork's. set-full's
 * ops (add, read) are also a set's, whose linearizability model_infer
 * picks: set-full is only ever named.
 */
#ifndef CONCH_JW_H
#define CONCH_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../histories/history.h"
#include "../models/model.h"

/* The workloads, and their ops' names, are models/' (model_jw). */
typedef model_jw jw_kind;

/* Why a history could not be checked (0: it was); cli/ maps it to an exit
 * code. */
typedef enum jw_rc { JW_OK = 0, JW_EFIT /* it does not fit the workload */ } jw_rc;

typedef enum jw_verdict { JW_VALID = 0, JW_INVALID, JW_UNKNOWN } jw_verdict;

#define JW_NO_OP UINT32_MAX /* an absent op index */

typedef struct jw_opts {
    jw_kind kind;            /* MODEL_JW_NONE: jw_infer's */
    size_t max_shown;        /* cases kept per kind; 0: 8 */
    /* bank */
    const char *init_json;   /* the initial balances: a map account -> balance;
                              * gives the accounts and the total */
    bool has_total;
    int64_t total;           /* the total every read must sum to */
    bool forbid_negative;    /* a negative balance is a violation */
    /* set-full */
    bool forbid_stale;       /* a stale read is a violation (Jepsen's
                              * :linearizable? true) */
} jw_opts;

/* ---- bank ---- */

/* What can be wrong with a read, as Jepsen names it. A read counts once
 * under each that applies to it. */
typedef enum bank_error {
    BANK_WRONG_TOTAL = 0, /* its balances do not sum to the total */
    BANK_NEGATIVE,        /* a balance below 0 (a violation only if forbidden) */
    BANK_UNEXPECTED,      /* an account the initial balances do not name */
    BANK_NIL,             /* no balance for an account the initial balances name */
    BANK_NERRORS,
} bank_error;

typedef struct bank_case {
    uint32_t op;      /* the read (JW_NO_OP: none) */
    int64_t total;    /* its balances' sum, nil counted as 0 */
    int64_t negative; /* the sum of its negative balances */
    uint32_t count;   /* its negative balances, unexpected or nil accounts */
    val account;      /* the first of those */
} bank_case;

typedef struct bank_cases {
    size_t count;
    bank_case first, last; /* by completion */
    bank_case worst;       /* the furthest off (total, negative sum, count) */
    bank_case lowest, highest; /* wrong totals: the lowest and highest sums */
} bank_cases;

typedef enum bank_total_from {
    BANK_TOTAL_GIVEN = 0,  /* --total-amount */
    BANK_TOTAL_INIT,       /* the sum of --init's balances */
    BANK_TOTAL_FIRST_READ, /* the first ok read's sum, as elle-cli takes it */
} bank_total_from;

#define BANK_MAX_TOTALS 8

typedef struct bank_result {
    size_t nreads;                  /* ok reads checked */
    size_t ntransfers, ntransfers_ok;
    size_t naccounts;               /* accounts named by --init (0: not given) */
    int64_t total;
    bank_total_from total_from;
    uint32_t total_op;              /* BANK_TOTAL_FIRST_READ: that read */
    bool negative_forbidden;
    bank_cases e[BANK_NERRORS];
    /* the sums the reads show, in order of first appearance */
    struct {
        int64_t total;
        size_t reads;
        uint32_t first;
    } totals[BANK_MAX_TOTALS];
    size_t ntotals;
    bool more_totals;               /* more sums than fit */
} bank_result;

const char *jw_bank_error_name(bank_error e); /* "wrong-total", ... */

/* ---- long-fork ---- */

typedef struct lf_fork {
    uint32_t a, b;   /* two reads of the same keys */
    val ka, kb;      /* a saw ka's write and not kb's; b saw kb's and not ka's */
    val va, vb;      /* what a read of ka, b of kb */
    uint32_t wa, wb; /* those writes (JW_NO_OP: never invoked) */
} lf_fork;

/* A read of a value its key's one write did not write (or a write that
 * failed), or one read seeing two values of a key. */
typedef struct lf_bad_read {
    uint32_t op;
    val key, value;
    val other;      /* the value written (or seen first); nil if none */
    uint32_t write; /* the key's write; JW_NO_OP if none */
    bool twice;     /* the same read saw two values of the key */
} lf_bad_read;

typedef struct lf_result {
    size_t nreads, nearly, nlate; /* ok reads; of them all nil, all seen */
    size_t nwrites, ngroups;      /* write ops; distinct sets of keys read */
    size_t nforks;                /* groups whose reads do not form a chain */
    lf_fork *forks;               /* one each, the first few */
    size_t nforks_shown;
    size_t nbad;                  /* bad reads */
    lf_bad_read *bad;
    size_t nbad_shown;
    size_t keys_rewritten;        /* keys written more than once: left out */
    val rewritten_key;
    uint32_t rewritten_ops[2];
} lf_result;

/* ---- set-full ---- */

typedef struct sf_elem {
    val key;           /* its set (Jepsen's independent key) */
    bool keyed;
    val elem;
    uint32_t add;      /* its (last) add op; JW_NO_OP if none */
    uint32_t known;    /* the op that made it known: its add's completion,
                        * or the first read that saw it */
    uint32_t present;  /* the last read (by invocation) that saw it */
    uint32_t absent;   /* the last read (by invocation) that did not */
    double latency_ms; /* stable or lost latency; < 0: unknown (no times) */
    uint32_t times;    /* duplicated: the most times one read holds it */
} sf_elem;

typedef enum sf_outcome {
    SF_LOST = 0,  /* known, then missing from every read after */
    SF_STALE,     /* stable, but a read that began after it was known missed it */
    SF_DUPLICATED,/* a read holds it more than once */
    SF_UNEXPECTED,/* a read holds it before any add of it began, or it was
                   * never added, or every add of it failed */
    SF_NEVER_READ,/* no read began after it was known */
    SF_NOUTCOMES,
} sf_outcome;

#define SF_NQUANTILES 5 /* Jepsen's points: 0, 0.5, 0.95, 0.99, 1 */

typedef struct sf_result {
    size_t nsets;                  /* keys (1 if unkeyed) */
    size_t nreads;
    size_t attempts, stable;       /* elements whose add began; stable ones */
    size_t count[SF_NOUTCOMES];
    sf_elem *shown[SF_NOUTCOMES];  /* the first few (stale: the worst) */
    size_t nshown[SF_NOUTCOMES];
    bool stale_forbidden;
    double stable_q[SF_NQUANTILES], lost_q[SF_NQUANTILES]; /* ms */
    size_t nstable_lat, nlost_lat; /* latencies known: quantiles valid if > 0 */
} sf_result;

extern const double jw_sf_points[SF_NQUANTILES];
const char *jw_sf_outcome_name(sf_outcome o); /* "lost", "stale", ... */

/* ---- the check ---- */

typedef struct jw_result {
    jw_kind kind;
    jw_verdict verdict;
    char *why_unknown; /* when verdict is JW_UNKNOWN */
    double seconds;
    bank_result bank;
    lf_result lf;
    sf_result sf;
} jw_result;

/* The workload h's ops show unambiguously (jw.h's top), or MODEL_JW_NONE; *how
 * (if not NULL) says for the report what showed it. When the ops could be
 * a workload that is only ever named (set-full's are a set's), *also (if
 * not NULL) is that workload, for the report; else MODEL_JW_NONE. */
jw_kind jw_infer(const history *h, const char **how, jw_kind *also);

/* Check h as o->kind (not MODEL_JW_NONE). Returns JW_OK and fills *r (free
 * with jw_result_free), or JW_EFIT when the history does not fit it (an op
 * it does not know, a read that is not a map of balances, ...): then why
 * says where ("file:line:col: msg") and *r is zeroed. May intern into h's
 * vtab (--init): call it before any thread reads the history. */
jw_rc jw_check(history *h, const jw_opts *o, jw_result *r, sbuf *why);
void jw_result_free(jw_result *r);

#endif
