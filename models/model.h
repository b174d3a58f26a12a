/*
 * model.h - sequential specifications of the objects conch checks.
 *
 * A model says what a single object does when ops are applied to it one at
 * a time: an initial state, and a step function that says whether an op
 * (with its input and observed output) is legal in a state and what state
 * follows. The checker searches for an order of the history's ops that the
 * model accepts; it never looks inside a state.
 *
 * States are byte strings with one canonical encoding per model (equal
 * states have equal bytes), so the checker can intern, hash and compare them
 * without knowing the model; hash and equal are part of the interface all
 * the same (model_hash_bytes / model_equal_bytes for every model here).
 *
 * Before a search, each history op is compiled once (model_compile) into an
 * mop: the model's own op code and arguments. Compiling validates the op
 * (an unknown f, a cas without [old new], ...) and may say an op constrains
 * nothing (a read whose result is unknown): such ops are left out of the
 * search, which is sound because they are legal anywhere and change nothing.
 *
 * Beside the step function, a model says what its ops do in a small shared
 * vocabulary (model_vop: read, write, cas, append, ...): the unique-value
 * checker and the session checks know ops only that way, so a new model or
 * a new name for an op needs nothing of the checker.
 *
 * Models know nothing of files; they read values through the history's
 * vtab, and intern only while compiling, never while stepping (the checker's
 * threads share the vtab).
 */
#ifndef CONCH_MODEL_H
#define CONCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../histories/history.h"

typedef enum nil_read {
    NIL_ABSENT = 0, /* a nil read says the object has no value */
    NIL_UNKNOWN,    /* a nil read carries no information (Knossos) */
} nil_read;

typedef struct model_opts {
    val init; /* initial value; nil unless --init */
    nil_read nil;
} model_opts;

/* A compiled op. */
typedef struct mop {
    uint32_t code;  /* the model's own op code */
    uint32_t flags; /* MOP_* */
    val a, b;       /* arguments, by op */
    val key;        /* the object it acts on (nil: the only one) */
} mop;

#define MOP_UNKNOWN_OUT 1u /* the op's output is unknown (crashed, or nil read) */

/* A state: borrowed bytes. */
typedef struct mstate {
    const uint8_t *p;
    size_t n;
} mstate;

/* A growable byte buffer a step writes the next state into. */
typedef struct mbuf {
    uint8_t *p;
    size_t n, cap;
} mbuf;

void mbuf_reset(mbuf *b);
void mbuf_add(mbuf *b, const void *p, size_t n);
void mbuf_free(mbuf *b);

typedef struct model model;

typedef enum step_rc {
    STEP_ILLEGAL = 0,
    STEP_LEGAL,
    STEP_MORE, /* legal, and there is another outcome to try */
} step_rc;

typedef enum model_rc {
    MODEL_OK = 0,
    MODEL_SKIP,  /* the op constrains nothing: leave it out of the search */
    MODEL_EOP,   /* the op does not fit the model (message in why) */
} model_rc;

/* The unique-value vocabulary. When every value written to an object is
 * unique, a read names the write it saw, and linearizability is decided
 * without search (checker/unique.c). That checker sees ops only in these
 * terms, so a model that maps an op to one of them promises that its step
 * means exactly this, on the one value of a part (values compared with
 * val_eq; the initial value is whatever the model's init state holds,
 * which the checker learns by stepping reads from it):
 *   MV_READ    legal iff the value is a; changes nothing
 *   MV_WRITE   always legal; the value becomes a
 *   MV_CAS     legal iff the value is a; it becomes b
 *   MV_APPEND  nil becomes the list [a], a list gets a at its end; legal
 *              only on those (so never a string append, which concatenates)
 *   MV_ADD     the value is a set, and gains the member a (a no-op if it
 *              is one); its initial members are the items of opts.init, and
 *              a read's a lists the members (one val for one set of them)
 *   MV_CONCAT  nil or a string gets the string a at its end (a string
 *              append: a read cannot tell where one append's part begins,
 *              so the unique-value path has no form for it)
 * The argument a, b are the mop's own. */
typedef enum model_vop {
    MV_NONE = 0, MV_READ, MV_WRITE, MV_CAS, MV_APPEND, MV_ADD, MV_CONCAT
} model_vop;

/* One thing an op does to one object, in the vocabulary above. The
 * session checks see ops only as these (model_type.access): reads, writes,
 * cas, appends and concatenations of registers. */
typedef struct model_access {
    model_vop vop;
    val key;        /* the object (nil: the only one) */
    val a, b;       /* as vop says */
    bool versioned; /* the op's version (hist_op.version, the store's) is
                     * this access's: false for the parts of a transaction,
                     * whose one version names none of its keys' */
} model_access;

typedef struct model_type {
    const char *name;
    const char *summary;
    const char *const *fs; /* the f names it knows, NULL-terminated */
    /* Validate o and fill *m; may intern into vt (single-threaded). */
    model_rc (*compile)(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why);
    void (*init)(const model *md, mbuf *out);
    /* Is m legal in s? If so, write the next state into next. A model
     * whose op can end in more than one state (an unordered queue's
     * dequeue whose result is unknown) numbers the outcomes with choice:
     * STEP_MORE says outcome choice+1 may exist too. */
    step_rc (*step)(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next);
    uint64_t (*hash)(mstate s);
    bool (*equal)(mstate a, mstate b);
    void (*describe)(const model *md, mstate s, sbuf *out);
    /* Is opts.init a value this model can start from? NULL: any. */
    bool (*init_ok)(const model *md, sbuf *why);
    /* Optional: mark in drop[] ops of one part that may be left out of the
     * search without changing its verdict: crashed ops whose effect no op
     * of the part could ever observe. NULL: none. */
    void (*prune)(const model *md, const mop *ops, size_t n, bool *drop);
    /* Part number for each op: ops in different parts act on independent
     * objects. NULL: one part per key. */
    size_t (*split)(const model *md, const mop *ops, size_t n, uint32_t *part);
    /* The objects are keys, and a map as the initial value names each
     * key's initial value (Knossos's multi-register {:x 0 :y 0}); see
     * model_key_init. false: the initial value is each object's as given
     * (a register's map is its value). */
    bool init_per_key;
    /* Optional: what op m is in the unique-value vocabulary (model_vop,
     * below), or MV_NONE. NULL: none of the model's ops are. */
    model_vop (*vop)(const model *md, const mop *m);
    /* Optional: what op m does, in order, as accesses to its objects:
     * writes at most cap of them to out and returns how many there are
     * (call again with room for that many). A model has session
     * guarantees to check iff it has this hook; model_access_vop serves
     * those whose every op is one access to its key, as vop says. */
    size_t (*access)(const model *md, const mop *m, model_access *out, size_t cap);
} model_type;

struct model {
    const model_type *type;
    const vtab *vt;
    model_opts opts;
};

/* All models, NULL-terminated, and lookup by name (NULL if unknown). */
extern const model_type *const model_types[];
const model_type *model_find(const char *name);

/* Pick a model from the f names the history's client ops use (and, to tell
 * a set from a counter, what its reads return). Returns NULL and explains in
 * why when no model fits. */
const model_type *model_infer(const history *h, sbuf *why);

model_rc model_compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why);
/* The initial value of the object named key. For a model whose type has
 * init_per_key, a map names each key's: a member whose name is the key (a
 * string key, or the decimal digits of an integer key, JSON's names being
 * strings) gives its value, and a key the map does not name starts at nil;
 * an initial value that is not a map is every key's. For other models, the
 * initial value as given. */
val model_key_init(const model *md, val key);
/* The model one part is searched with, first being one of its ops: for a
 * model split by key (no split hook), the part is that key's object and
 * starts at its initial value (model_key_init); otherwise *md. */
model model_for_part(const model *md, const mop *first);
/* Split ops into independent parts; returns the number of parts. */
size_t model_split(const model *md, const mop *ops, size_t n, uint32_t *part);

/* A history's ops compiled for one model, in history order: m[i] is
 * history op id[i]. Fail ops (they took no effect) and ops that constrain
 * nothing (MODEL_SKIP) are left out, and counted. */
typedef struct model_ops {
    mop *m;
    uint32_t *id;
    size_t n;
    size_t nfail, nskipped;
} model_ops;

/* Compile every op of h (model_compile; vt is h's, and may be interned
 * into). MODEL_OK and *out filled, to free with model_ops_free; or
 * MODEL_EOP, why saying what is wrong with history op *bad, and *out
 * zeroed. */
model_rc model_compile_ops(const model *md, vtab *vt, const history *h, model_ops *out,
                           uint32_t *bad, sbuf *why);
void model_ops_free(model_ops *o);

/* The access hook of models whose ops each act on their key alone, as
 * their vop says (none for MV_NONE). */
size_t model_access_vop(const model *md, const mop *m, model_access *out, size_t cap);

/* The prune of register-like models: a crashed write (op code write) or
 * cas (code cas, a the old value, b the new) whose new value no read (code
 * read) or cas of the part names can be left out. If it took effect,
 * nothing saw it: any later observation needed another write first, and
 * a cas whose old value it was would have failed. */
void model_prune_unread(const mop *ops, size_t n, bool *drop, uint32_t read, uint32_t write,
                        uint32_t cas);

/* The items of list v (nil: none), sorted by val_raw_cmp, without repeats
 * if dedup: the canonical form of a set or multiset. A new array the caller
 * frees; *n gets its length. */
val *model_sorted_items(const vtab *vt, val v, bool dedup, size_t *n);

uint64_t model_hash_bytes(mstate s);
bool model_equal_bytes(mstate a, mstate b);

/* ---- transactions: f "txn", the value a list of micro-ops [f key value] ---- */

/* Is f the name of a transaction? */
bool model_is_txn(const vtab *vt, val f);
/* What a micro-op named f does: MV_READ ("r", "read"), MV_WRITE ("w",
 * "write"), MV_APPEND ("append"), else MV_NONE. The multi-register model
 * and the transactional checker (checker/txn.h) both read micro-ops so. */
model_vop model_micro_vop(const vtab *vt, val f);
/* The name a micro-op doing v is written with ("r", "w", "append"), for
 * reports; "?" for one no micro-op does. */
const char *model_micro_name(model_vop v);

/* What a history's transactions are made of (Elle's workloads). */
typedef enum model_txn_workload {
    MODEL_TXN_AUTO = 0,    /* not said: read from the micro-ops */
    MODEL_TXN_LIST_APPEND, /* append and r of lists */
    MODEL_TXN_RW_REGISTER, /* w and r of registers */
} model_txn_workload;

/* "list-append", "rw-register" ("auto" for MODEL_TXN_AUTO). */
const char *model_txn_workload_name(model_txn_workload w);
/* A workload by its name; -1 if none is called so. */
int model_txn_workload_parse(const char *s);

/* ---- Jepsen's workloads that are no sequential object (checker/jw.h) ---- */

typedef enum model_jw {
    MODEL_JW_NONE = 0,
    MODEL_JW_BANK,      /* transfers between accounts, reads of every balance */
    MODEL_JW_LONG_FORK, /* writes of one key each, reads of several */
    MODEL_JW_SET_FULL,  /* adds of elements, reads of the whole set */
} model_jw;

/* "bank", "long-fork", "set-full" ("none" for MODEL_JW_NONE). */
const char *model_jw_name(model_jw w);
/* The workload named s, or MODEL_JW_NONE. */
model_jw model_jw_parse(const char *s);
/* The ops w knows, for a message: "read, transfer". */
const char *model_jw_ops(model_jw w);

/* What an op of those workloads is, by its f: "read", "write", "txn",
 * "transfer", "add"; else MODEL_JW_OP_OTHER. */
typedef enum model_jw_op {
    MODEL_JW_OP_OTHER = 0,
    MODEL_JW_OP_READ,
    MODEL_JW_OP_WRITE,
    MODEL_JW_OP_TXN,
    MODEL_JW_OP_TRANSFER,
    MODEL_JW_OP_ADD,
} model_jw_op;
model_jw_op model_jw_op_of(const vtab *vt, val f);

/* ---- helpers the models share ---- */

/* Does this read say nothing (it crashed, or returned nil and nil reads
 * are "unknown")? Such a read is legal anywhere and changes nothing, so
 * compile leaves it out (MODEL_SKIP). */
bool model_read_says_nothing(const model *md, const hist_op *o, const mop *m);
/* Is f the string s? */
bool model_f_is(const model *md, const hist_op *o, const char *s);
/* "unknown operation 'x' for model m (it knows: read, write)" */
model_rc model_unknown_f(const model *md, const hist_op *o, sbuf *why);
/* Copy a val out of / into state bytes (no alignment assumed). */
static inline val mstate_val(const uint8_t *p)
{
    val v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
/* Raw order on vals (kind, then payload): canonical, but not meaningful
 * (interned ids). Used to keep keys and multisets sorted in states. */
static inline int val_raw_cmp(val a, val b)
{
    if (a.kind != b.kind)
        return a.kind < b.kind ? -1 : 1;
    return a.n < b.n ? -1 : a.n > b.n;
}

#endif
