/*
 * session_int.h - what the files of the session checks share (session.h
 * is their interface): the observations, the check's context, the maps,
 * the graph of versions, and the functions that cross files.
 *
 * An observation is one read or write of one key by one op, in op order
 * (so in session order within a session); keys and sessions are numbered
 * densely in order of first appearance. The check's results go into
 * sess_ctx.out through sess_record, and each part marks the keys where it
 * found a guarantee violated in violated[key * SG_COUNT + g].
 */
#ifndef CONCH_SESSION_INT_H
#define CONCH_SESSION_INT_H

#include "../util/graph.h"
#include "../util/mem.h"
#include "session.h"

#define BIT(g) (1u << (g))

enum { OB_READ, OB_WRITE };

typedef struct sess_obs {
    uint32_t op;           /* history op */
    uint32_t key;          /* key number */
    uint32_t sess;         /* session number */
    unsigned kind : 1;     /* OB_READ, OB_WRITE */
    unsigned ok : 1;       /* a write that certainly took effect */
    unsigned append : 1;
    unsigned has_old : 1;  /* a cas: it replaced old (sess_old_of) */
    unsigned cas_read : 1; /* the read half of a cas (no version of its own) */
    val value;             /* read: what it saw; write: what it wrote (append: the element) */
    int64_t version;
} sess_obs;
/* A whole check of a million ops holds a million obs at once. */
_Static_assert(sizeof(sess_obs) <= 40, "an obs fits in 40 bytes");

/* The old value of an obs that has_old, kept apart (few obs have one). */
typedef struct sess_old {
    uint32_t obs;
    val old;
} sess_old;

typedef VEC(sess_obs) sess_obs_vec;

typedef struct sess_keyinfo {
    val key;
    val init;          /* its initial value (model_key_init) */
    bool append;       /* written by append */
    bool str_append;   /* appends of strings */
    bool overwritten;  /* written by put, write or cas too */
    bool not_unique;   /* inferred order impossible: a value written twice */
} sess_keyinfo;

typedef struct sess_ctx {
    const history *h;
    const model *md;
    const vtab *vt;
    sess_result *out;
    sess_obs_vec obs;
    VEC(sess_old) olds; /* by obs, ascending */
    VEC(sess_keyinfo) keys;
    valmap *keymap, *sessmap;
    size_t nanon;    /* sessions of ops with no process, one op each */
    size_t pairs[4]; /* demand pairs seen per base guarantee */
    unsigned checks; /* BIT(g) for each guarantee to check */
    int jobs;        /* threads for the inferred search */
    const sess_limits *lim;
    _Atomic int halt; /* a sess_stop: every thread stops */
    bhold hold;       /* the main thread's charges */
    size_t charged;   /* for obs and keys */
} sess_ctx;

typedef VEC(uint32_t) sess_u32vec;

/* The old value of obs oi, which has_old. */
val sess_old_of(const sess_ctx *c, uint32_t oi);

/* ---- limits (session.c) ---- */

/* Has a limit been hit (now, or by another thread)? */
bool sess_halted(sess_ctx *c);
/* A structure now holds bytes (it only grows): charge the growth to h, of
 * which *charged is what it had; false (and the check halted) if refused. */
bool sess_meter(sess_ctx *c, bhold *h, size_t *charged, size_t bytes);

/* ---- maps (session.c) ---- */

/* (session, key) -> dense number. */
typedef struct sess_pairmap {
    uint64_t *k;
    uint32_t *v;
    size_t cap, n;
} sess_pairmap;

/* The number of (sess, key) in m, numbered densely as first seen. */
uint32_t sess_pair_id(sess_pairmap *m, uint32_t sess, uint32_t key);
void sess_pairmap_free(sess_pairmap *m);

/* (key, value) -> version node. */
typedef struct sess_vnmap {
    struct sess_vslot {
        uint32_t key, node; /* node + 1; 0 empty */
        val v;
    } *s;
    size_t cap, n;
} sess_vnmap;

/* The slot of (key, v) in m (0: empty), added if new. */
uint32_t *sess_vn_slot(sess_vnmap *m, uint32_t key, val v);

/* Leave out the keys of the obs pairs in dup (see session.c). */
void sess_not_unique(sess_ctx *c, const uint32_t *dup, size_t n);

/* ---- the graph of one key's versions (session_graph.c) ---- */

enum { N_VERSION, N_HELPER };

enum {
    E_INIT,    /* the initial value is first */
    E_CAS,     /* a cas replaced old with new (op a) */
    E_RT_IN,   /* write (op a) -> completion helper */
    E_RT_OUT,  /* completion helper -> write that began later (op b) */
    E_CHAIN,   /* helper -> next helper */
    E_RYW_IN,  /* write (op a) -> session helper */
    E_RYW_OUT, /* session helper -> version read (op b) */
    E_MR,      /* read (op a) -> later read (op b) */
    E_MW,      /* write (op a) -> later write (op b) */
    E_WFR_IN,  /* version read (op a) -> session helper */
    E_WFR_OUT, /* session helper -> write (op b) */
};

/* What an edge stands for, to explain a cycle through it. */
typedef struct sess_edge {
    uint32_t a, b;   /* ops (obs indices) */
    uint8_t kind;
} sess_edge;

/* The graph of one key's versions: node kinds, and edge i links[i]
 * (labelled with the guarantees it is in), standing for edges[i]. */
typedef struct sess_graph {
    VEC(uint8_t) nkind;
    VEC(graph_edge) links;
    VEC(sess_edge) edges;
} sess_graph;

/* ---- the parts ---- */

void sess_check_store(sess_ctx *c, bool *violated);
void sess_check_graph(sess_ctx *c, bool realtime, bool *violated, const bool *skip_key);
void sess_append_not_unique(sess_ctx *c, bool *is_append);
void sess_check_append(sess_ctx *c, bool *violated, const bool *is_append);

/* ---- explanations (session_explain.c) ---- */

void sess_key_name(sess_ctx *c, uint32_t key, sbuf *b);
void sess_key_eq(sess_ctx *c, uint32_t key, val v, sbuf *b);
void sess_when(sess_ctx *c, uint32_t op, int64_t version, bool completed, sbuf *b);
void sess_who(sess_ctx *c, uint32_t op, sbuf *b);
/* A violation of g on key, its text taken over. */
void sess_record(sess_ctx *c, sess_guarantee g, uint32_t key, sbuf *text, const uint32_t *ops,
                 size_t nops);
/* a then b, in the store's order, against g (a_done: a's completion). */
void sess_explain_store(sess_ctx *c, sess_guarantee g, const sess_obs *a, const sess_obs *b,
                        bool a_done);
/* A cycle of gr (edge numbers, starting and ending at a version). */
void sess_explain_cycle(sess_ctx *c, sess_graph *gr, sess_guarantee g, uint32_t key,
                        const uint32_t *cyc, size_t n, sbuf *out, sess_u32vec *out_ops);
/* a then b on an append key, against g, and why (witness: the read that
 * shows it); marks the key violated. */
void sess_explain_append(sess_ctx *c, sess_guarantee g, const sess_obs *a, const sess_obs *b,
                         const char *why, const sess_obs *witness, bool *violated);

#endif
