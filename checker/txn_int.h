/*
 * txn_int.h - what the txn_*.c files share; not an interface for others
 * (txn.h is).
 *
 * Data, kept in flat arrays so a million transactions fit in a few hundred
 * megabytes:
 *   txn_db      the history's txns (ttxn) and their micro-ops (tmop), keys
 *               numbered 0..nkeys-1 and processes 0..nprocs-1;
 *   txn_graph   nodes 0..nreal-1 are txns (a txn's node is its index),
 *               nodes from nreal on are hubs: relay nodes that let one
 *               edge kind join m sources to n targets with m + n edges
 *               instead of m * n (txn_graph_all_to_all) and carry
 *               real-time order in O(n) edges. A hub never starts or ends
 *               a cycle: every path through hubs stands for one edge
 *               between the two txns at its ends, of the kind of its first
 *               edge (the edges leaving hubs have kind TE_HUB);
 *   txn_cases   the anomalies found outside cycles, before they are told;
 *   txn_cycle   a cycle found, as its txns and the kind of each edge.
 * The analyses of each workload (txn_append.c, txn_rw.c) fill the graph and
 * the cases, and can say afterwards why an edge they drew holds
 * (txn_*_why), which is how the explanations stay short in memory.
 */
#ifndef CONCH_TXN_INT_H
#define CONCH_TXN_INT_H

#include "../models/model.h"
#include "../util/mem.h"
#include "txn.h"

#define TXN_NONE UINT32_MAX

enum { TM_R = 0, TM_APPEND, TM_W };

typedef struct tmop {
    val v;        /* appended element, written value, or read value */
    uint32_t key; /* key id */
    uint8_t f;    /* TM_* */
    uint8_t known; /* a read whose value is known (ok txn) */
} tmop;

typedef struct ttxn {
    uint32_t m0, nm; /* micro-ops db->m[m0 .. m0 + nm) */
    uint32_t op;     /* index into hist_ops */
    uint32_t proc;   /* process id */
    uint8_t st;      /* OP_OK, OP_INFO or OP_FAIL */
} ttxn;

typedef struct txn_db {
    const history *h;
    const vtab *vt;
    txn_workload wl;
    ttxn *t;
    size_t nt;
    tmop *m;
    size_t nm;
    val *keys; /* key id -> key */
    size_t nkeys;
    size_t nprocs;
} txn_db;

/* Read h's txns. Returns TXN_OK, or TXN_EFIT with where and why in why. */
txn_rc txn_db_load(txn_db *db, const history *h, txn_workload wl, sbuf *why);
void txn_db_free(txn_db *db);
/* The txn holding global micro-op index m (binary search). */
uint32_t txn_db_txn_of(const txn_db *db, uint32_t m);

/* A new array of n (at least 1) TXN_NONE; the caller frees it. */
uint32_t *txn_nones(size_t n);

/* An index (key id, value) -> id: open addressing, linear probing, load
 * at most 1/2. */
typedef struct txn_vslot {
    val v;
    uint32_t key, id; /* id TXN_NONE: empty */
} txn_vslot;

typedef struct txn_vidx {
    txn_vslot *s;
    size_t cap, n;
} txn_vidx;

void txn_vidx_init(txn_vidx *x, size_t expect);
/* Store id for (key, v) unless present; returns the id it holds now. */
uint32_t txn_vidx_put(txn_vidx *x, uint32_t key, val v, uint32_t id);
/* The id for (key, v), or TXN_NONE. */
uint32_t txn_vidx_get(const txn_vidx *x, uint32_t key, val v);
void txn_vidx_free(txn_vidx *x);

/* ---- graph ---- */

/* Edge kinds. TE_AWW and TE_ARW are ww and rw edges that hold only under
 * an assumption about the order of versions (txn_opts.assume): a cycle
 * through one counts as using that order too (txn_graph.assumed). */
enum { TE_WW = 1, TE_WR = 2, TE_RW = 4, TE_PROC = 8, TE_RT = 16, TE_HUB = 32, TE_AWW = 64,
       TE_ARW = 128 };
#define TE_DATA (TE_WW | TE_WR | TE_RW)
#define TE_ALL 255u

/* An edge kind bit as the data dependency it is, and the order it needs
 * (TE_PROC or TE_RT, or 0), given the order assumed edges rest on. */
static inline unsigned txn_kind_data(unsigned b)
{
    return b == TE_AWW ? TE_WW : b == TE_ARW ? TE_RW : b & TE_DATA;
}
static inline unsigned txn_kind_order(unsigned b, unsigned assumed)
{
    return b == TE_AWW || b == TE_ARW ? assumed : b & (TE_PROC | TE_RT);
}

typedef struct tedge {
    uint32_t a, b;
    uint32_t k;
} tedge;

typedef struct txn_graph {
    uint32_t nreal, n; /* txns, then hubs */
    VEC(tedge) el;     /* edges while building */
    size_t *off;       /* after finish: node v's edges are to/kind[off[v] .. off[v+1]) */
    uint32_t *to;
    uint8_t *kind;
    size_t ne;
    size_t nreal_edges; /* edges between txns, a hub path counted once */
    unsigned assumed;   /* TE_PROC or TE_RT: what TE_AWW, TE_ARW edges rest on */
} txn_graph;

void txn_graph_init(txn_graph *g, uint32_t nreal);
/* An edge a -> b (a != b) of kind TE_*. */
void txn_graph_edge(txn_graph *g, uint32_t a, uint32_t b, unsigned kind);
/* Edges s -> d of kind for every s in src and d in dst with s != d, in
 * O(|src| + |dst|) edges through hubs. The arrays are sorted and their
 * repeats dropped in place. */
void txn_graph_all_to_all(txn_graph *g, uint32_t *src, size_t ns, uint32_t *dst, size_t nd,
                          unsigned kind);
/* Process order (TXN_ORDER_PROCESS): each ok txn -> the next txns of its
 * process up to and including its next ok one; an info txn may take
 * effect later than its process's next txn, so no edge leaves it.
 * Real-time order (TXN_ORDER_REALTIME): an ok txn -> every txn invoked
 * after it completed, through a chain of hubs, one per ok completion. */
void txn_graph_orders(txn_graph *g, const txn_db *db, unsigned orders);
/* Build the adjacency arrays (merging repeated edges' kinds). */
void txn_graph_finish(txn_graph *g);
void txn_graph_free(txn_graph *g);

/* ---- cycles ---- */

typedef struct txn_cycle {
    txn_anomaly type;
    uint32_t *t;  /* txns, in cycle order */
    uint8_t *k;   /* k[i]: kind of the edge t[i] -> t[(i + 1) % n] */
    size_t n;
} txn_cycle;

typedef struct txn_cycles {
    VEC(txn_cycle) shown;   /* at most max_shown a type */
    size_t count[TA_NCYCLE]; /* components holding a cycle of each type */
    size_t nsccs, largest;
    uint64_t cut_short;     /* types whose search hit its budget somewhere */
} txn_cycles;

/* Find and classify the cycles of a finished graph: per strongly
 * connected component, the shortest cycle of each type it holds, worst
 * types first (txn_cycle.c explains the search). */
void txn_cycles_find(const txn_graph *g, uint64_t budget, size_t max_shown, txn_cycles *out);
void txn_cycles_free(txn_cycles *c);
/* The type of a cycle, from the kinds of its edges (as Elle's
 * cycle-explainer): the count and adjacency of rw edges, else wr, else ww;
 * -realtime if a real-time edge is used, else -process if a process one
 * (assumed edges use the order in assumed). */
txn_anomaly txn_cycle_classify(const uint8_t *k, size_t n, unsigned assumed);

/* ---- cases outside cycles ---- */

typedef struct txn_nc {
    txn_anomaly type;
    uint32_t t1, t2; /* the txn that read, the other txn involved (or TXN_NONE) */
    uint32_t m1, m2; /* their micro-ops (global indices, or TXN_NONE) */
    val x;           /* the element or value at stake */
} txn_nc;

typedef struct txn_cases {
    size_t count[TA_COUNT];
    VEC(txn_nc) shown; /* at most max a type */
    size_t max;
    size_t keys_not_unique;
    char *not_unique_example;
} txn_cases;

void txn_cases_add(txn_cases *c, const txn_nc *x);
/* Count key as left out (a value of it written twice, by txns t1 and t2);
 * the first such key becomes the example. */
void txn_cases_not_unique(txn_cases *c, const txn_db *db, uint32_t key, val v, uint32_t t1,
                          uint32_t t2);
void txn_cases_free(txn_cases *c);

/* ---- the workloads ---- */

typedef struct txn_la txn_la; /* list-append analysis */
txn_la *txn_la_analyze(const txn_db *db, txn_graph *g, txn_cases *cases);
/* Why a -> b holds with this kind (ww, wr or rw): one sentence ending in
 * "names[a] KIND names[b]"; false if the analysis drew no such edge. */
bool txn_la_why(const txn_la *la, uint32_t a, uint32_t b, unsigned kind, const char *an,
                const char *bn, sbuf *out);
void txn_la_free(txn_la *la);

typedef struct txn_rw txn_rw; /* rw-register analysis */
/* assume: TXN_ORDER_* bits, see txn_opts.assume */
txn_rw *txn_rw_analyze(const txn_db *db, txn_graph *g, txn_cases *cases, unsigned assume);
bool txn_rw_why(const txn_rw *rw, uint32_t a, uint32_t b, unsigned kind, const char *an,
                const char *bn, sbuf *out);
void txn_rw_free(txn_rw *rw);

/* A version order an assumption gives: t1 touched the key last by
 * micro-op a, t2 first by micro-op b, and t1 came first in the order. */
typedef struct txn_vedge {
    uint32_t a, b;
    uint32_t t1, t2;
    uint32_t order; /* TXN_ORDER_PROCESS or TXN_ORDER_REALTIME */
} txn_vedge;

/* The version orders of rw-register keys from process and real-time order
 * (txn_rwver.c): an array of *n the caller frees. ext_r and ext_w mark
 * each txn's external reads and writes, skip the keys left out. */
txn_vedge *txn_rwver_edges(const txn_db *db, const uint8_t *ext_r, const uint8_t *ext_w,
                           const uint8_t *skip, unsigned orders, size_t *n);

/* ---- telling ---- */

typedef struct txn_teller {
    const txn_db *db;
    const txn_la *la;
    const txn_rw *rw;
} txn_teller;

/* The story of a cycle / of a case, and the history ops it names. */
void txn_tell_cycle(const txn_teller *tl, const txn_cycle *c, txn_case *out);
void txn_tell_case(const txn_teller *tl, const txn_nc *x, txn_case *out);
/* "x" / "[1, 2]": a key or value as people read it. */
void txn_describe(const txn_db *db, val v, sbuf *out);
/* "line 6": the line holding t's values (its ok completion, else its
 * invocation). */
void txn_tell_line(const txn_db *db, uint32_t t, sbuf *out);
/* A key in a sentence: "x" for a key that reads as a word, else "key 2". */
void txn_tell_key(const txn_db *db, uint32_t key, sbuf *out);
/* "T2 read x = [1 2]" (who, then the read micro-op m) */
void txn_tell_read(const txn_db *db, const char *who, const tmop *m, sbuf *out);
/* "process 3, ok, lines 5-6" */
void txn_tell_where(const txn_db *db, uint32_t t, sbuf *out);

#endif
