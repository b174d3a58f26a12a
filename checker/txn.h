/*
 * txn.h - transactional anomalies in list-append and rw-register histories,
 * found as Elle finds them (Kingsbury & Alvaro, "Elle: Inferring Isolation
 * Anomalies from Experimental Observations", VLDB 2020) and named as Adya
 * names them (Adya, Liskov & O'Neil, "Generalized Isolation Level
 * Definitions", ICDE 2000; Adya's thesis, MIT 1999).
 *
 * A history's ops with f "txn" carry lists of micro-ops:
 *   list-append   ["append", k, v]   ["r", k, [v1 v2 ...]]
 *   rw-register   ["w", k, v]        ["r", k, v]
 * An ok txn is read from its completion (reads carry what they saw), an
 * info or fail txn from its invocation. ok txns committed; fail txns never
 * happened; an info txn may or may not have happened, and its reads are
 * unknown. Appended and written values are unique per key.
 *
 * The checker infers a dependency graph between transactions (write-write,
 * write-read and read-write edges, plus per-process and real-time order
 * when asked), finds its cycles and names them, and finds the anomalies a
 * single read can show (aborted and intermediate reads, internal
 * inconsistency, ...). Every anomaly reported is real: an edge is drawn
 * only where the observations force it. Which consistency models the
 * anomalies rule out follows Elle's graph of models (txn_cm_*).
 *
 * txn_check's result is data: which anomalies, their explanations (text a
 * person can check against the history's lines), the models ruled out, and
 * a verdict relative to the model asked for. cli/ turns it into exit codes.
 */
#ifndef CONCH_TXN_H
#define CONCH_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../histories/history.h"
#include "../models/model.h"

/* The workloads are models/' (their names too); MODEL_TXN_AUTO: from the
 * micro-ops, append -> list-append, w -> rw-register. */
typedef model_txn_workload txn_workload;

/* Anomalies. Cycle types come in three strengths: over data dependencies
 * only, with per-process order edges (-process), with real-time order
 * edges (-realtime). G1, G2 and their variants are never found as such:
 * they name unions other anomalies imply (Adya's G1 = G1a | G1b | G1c). */
typedef enum txn_anomaly {
    TA_G0 = 0,            /* write cycle: ww edges only */
    TA_G1C,               /* circular information flow: ww and wr, >= 1 wr */
    TA_G_SINGLE,          /* exactly one rw edge (read skew) */
    TA_G_NONADJACENT,     /* >= 2 rw edges, no two adjacent */
    TA_G2_ITEM,           /* >= 2 rw edges, some adjacent (write skew) */
    TA_G0_PROCESS,
    TA_G1C_PROCESS,
    TA_G_SINGLE_PROCESS,
    TA_G_NONADJACENT_PROCESS,
    TA_G2_ITEM_PROCESS,
    TA_G0_REALTIME,
    TA_G1C_REALTIME,
    TA_G_SINGLE_REALTIME,
    TA_G_NONADJACENT_REALTIME,
    TA_G2_ITEM_REALTIME,
    TA_G1A,               /* aborted read: a committed txn read a failed txn's write */
    TA_G1B,               /* intermediate read: a write its txn overwrote */
    TA_INTERNAL,          /* a read disagrees with its own txn's earlier ops */
    TA_FUTURE_READ,       /* a read saw its own txn's later write */
    TA_DUPLICATE,         /* a list-append read holds an element twice */
    TA_INCOMPATIBLE_ORDER,/* two reads of a list disagree on the order of appends */
    TA_GARBAGE_READ,      /* a read of a value no txn wrote */
    TA_G1,                /* umbrellas, implied only */
    TA_G1_PROCESS,
    TA_G1_REALTIME,
    TA_G2,
    TA_G2_PROCESS,
    TA_G2_REALTIME,
    TA_COUNT,
} txn_anomaly;

#define TA_NCYCLE 15 /* TA_G0 .. TA_G2_ITEM_REALTIME are cycle types */

/* Consistency models, weakest first within each family. */
typedef enum txn_cm {
    TCM_READ_UNCOMMITTED = 0,  /* Adya PL-1 */
    TCM_READ_COMMITTED,        /* PL-2 */
    TCM_CONSISTENT_VIEW,       /* PL-2+ */
    TCM_REPEATABLE_READ,       /* PL-2.99 */
    TCM_SNAPSHOT_ISOLATION,    /* PL-SI */
    TCM_SERIALIZABLE,          /* PL-3 */
    TCM_STRONG_SESSION_READ_UNCOMMITTED,
    TCM_STRONG_SESSION_READ_COMMITTED,
    TCM_STRONG_SESSION_SNAPSHOT_ISOLATION,
    TCM_STRONG_SESSION_SERIALIZABLE,
    TCM_STRONG_READ_UNCOMMITTED,
    TCM_STRONG_READ_COMMITTED,
    TCM_STRONG_SNAPSHOT_ISOLATION,
    TCM_STRICT_SERIALIZABLE,   /* PL-SS */
    TCM_COUNT,
} txn_cm;

#define TXN_DEFAULT_CM TCM_STRICT_SERIALIZABLE /* as Elle's default */

/* Extra order edges. */
#define TXN_ORDER_PROCESS 1u  /* a process's txns in the order it ran them */
#define TXN_ORDER_REALTIME 2u /* a txn that completed before another began */

typedef enum txn_verdict { TXN_VALID = 0, TXN_INVALID, TXN_UNKNOWN } txn_verdict;

typedef struct txn_opts {
    txn_workload workload;
    txn_cm model;     /* the model checked: its anomalies are violations */
    unsigned orders;  /* added to those the model needs (txn_cm_orders) */
    size_t max_shown; /* explanations kept per anomaly type; 0: 8 */
    /* rw-register only: assume each key is sequentially consistent
     * (TXN_ORDER_PROCESS) or linearizable (TXN_ORDER_REALTIME), and order
     * its versions by process or real-time order (Elle's sequential-keys
     * and linearizable-keys). Anomalies found with an assumption are real
     * only where it holds: strict serializability implies linearizable
     * keys, strong session serializability sequential ones. */
    unsigned assume;
    /* Work allowed to the search for each type of cycle in each strongly
     * connected component, in BFS states; 0: a default proportional to
     * the component. Past it the search for that type stops (see
     * txn_result.cut_short). */
    uint64_t search_budget;
} txn_opts;

typedef struct txn_case {
    char *text;     /* the story, lines ending in '\n' */
    uint32_t *ops;  /* history ops involved, in the order the text names them */
    size_t nops;
} txn_case;

typedef struct txn_found {
    size_t count;   /* cases found (for cycles: components holding one) */
    txn_case *shown;
    size_t nshown;
} txn_found;

typedef struct txn_result {
    txn_workload workload;
    txn_cm model;
    unsigned orders;            /* the orders used */
    unsigned assumed;           /* the assumptions used (txn_opts.assume) */
    size_t ntxn, nok, ninfo, nfail, nkeys, nmops;
    size_t nedges;              /* dependency edges between txns */
    size_t nsccs, largest_scc;  /* cyclic components, and the largest's txns */
    txn_found found[TA_COUNT];
    uint64_t anomalies;         /* bit (1 << type) per anomaly found */
    uint64_t ruled_out;         /* bit (1 << model) per model ruled out */
    uint64_t weakest;           /* the weakest of those (the others imply one) */
    uint64_t cut_short;         /* cycle types whose search hit its budget */
    size_t keys_not_unique;     /* keys left out: a value written twice */
    char *not_unique_example;   /* e.g. 'x = 3 written at lines 10 and 40' */
    txn_verdict verdict;        /* for the model */
    char *why_unknown;          /* when verdict is TXN_UNKNOWN */
    double seconds;
} txn_result;

typedef enum txn_rc {
    TXN_OK = 0,
    TXN_EFIT, /* the history does not fit: a txn that is not a list of
               * micro-ops, appends mixed with writes, ... */
} txn_rc;

/* Check h. Returns TXN_OK and fills *r (free with txn_result_free), or
 * TXN_EFIT: then why says where ("file:line:col: msg") and *r is zeroed. */
txn_rc txn_check(const history *h, const txn_opts *o, txn_result *r, sbuf *why);
void txn_result_free(txn_result *r);

/* Does h hold transactions (an op with f "txn")? If so, and wl is not
 * NULL, *wl says which workload its micro-ops are (MODEL_TXN_AUTO when they do
 * not say: no append, no write, no read of a non-empty value). */
bool txn_detect(const history *h, txn_workload *wl);

const char *txn_anomaly_name(txn_anomaly a); /* "G-single-process" */
/* One line saying what the anomaly is. */
const char *txn_anomaly_summary(txn_anomaly a);
/* The anomalies a implies (a included), as bits. */
uint64_t txn_anomaly_implied(txn_anomaly a);

const char *txn_cm_name(txn_cm m); /* "snapshot-isolation" */
/* A model by name, or by an alias Elle and Adya use (PL-3, si,
 * strong-serializable, ...); -1 if unknown. */
int txn_cm_parse(const char *s);
/* Every name txn_cm_parse knows, for help texts: "a, b, c". */
const char *txn_cm_names(void);
/* The anomalies a history may not show if m holds, as bits. */
uint64_t txn_cm_forbids(txn_cm m);
/* The order edges needed to see every anomaly m forbids. */
unsigned txn_cm_orders(txn_cm m);
/* The models ruled out by a set of anomalies (bits), and in *weakest (if
 * not NULL) those of them no other ruled-out model is weaker than. */
uint64_t txn_cm_ruled_out(uint64_t anomalies, uint64_t *weakest);

#endif
