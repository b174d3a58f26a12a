/*
 * workload.h - what operations the clients issue: which f, on which key,
 * with which value.
 *
 * Invariants the checks rely on:
 *   - every value written (a write's value, a cas's new value, an appended
 *     element) is unique in the run: 1, 2, 3, ... so a read names the write
 *     it saw, and the session checks can infer each key's version order;
 *   - keys are unique to the run (a prefix chosen per run), so the store
 *     holds nothing from before and the initial value is nil;
 *   - a key takes at most ops_per_key operations, then its slot moves to a
 *     fresh key (Jepsen's independent generator does the same): each key's
 *     history stays small enough to search, and appended lists stay short.
 *
 * Workloads and the f names recorded (the model conch check infers from
 * them is the one named):
 *   register      read, write                 (register)
 *   cas-register  read, write, cas [old new]  (cas-register)
 *   kv            get, put [v], append v, cas (kv: values are lists)
 *   list-append   txn [["append" k v] ["r" k nil] ...]   (Elle's list-append)
 * list-append's txns have mops micro-ops each, an append or a read by the
 * mix's weights (read, append), on keys of the slots; ops_per_key counts a
 * key's appends there (Jepsen's max-writes-per-key). Appended elements are
 * integers, unique in the run.
 * A cas asks for the last value this run saw or wrote for the key, so it
 * matches often; with no such value yet it becomes a write.
 *
 * With value_size, each written value (in kv, the item of a put's list) is
 * instead a string of that many bytes: its number, '-', then filler
 * ("17-xxxx..."), still unique (a value_size too small for the number
 * gives the number and '-'). Appended elements stay integers: the kv model
 * takes a string appended to nil for the start of a string, not a list.
 */
#ifndef CONCH_WORKLOAD_H
#define CONCH_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../histories/value.h"
#include "client.h"

typedef enum wl_kind { WL_REGISTER, WL_CAS_REGISTER, WL_KV, WL_LIST_APPEND } wl_kind;

typedef struct wl_config {
    wl_kind kind;
    uint32_t keys;        /* key slots in use at a time (>= 1) */
    double zipf;          /* 0: keys uniform; s > 0: slot i has weight 1/(i+1)^s */
    unsigned mix[CL_NF];  /* weights by cl_f; ones the workload lacks are ignored */
    uint32_t ops_per_key; /* 0: no limit */
    char prefix[64];      /* of every key name */
    uint32_t value_size;  /* 0: values are integers; else strings of this many bytes */
    uint32_t mops;        /* list-append: micro-ops per txn */
    uint64_t seed;
} wl_config;

/* Defaults for kind (mix, keys, ops_per_key); prefix and seed are left. */
void wl_config_init(wl_config *c, wl_kind kind);
/* "register", "cas-register", "kv", "list-append" -> kind; -1 if unknown. */
int wl_kind_parse(const char *s);
/* The model conch check should use for the workload's history. */
const char *wl_model_name(wl_kind kind);
/* Parse "read=50,write=40,cas=10" into c->mix (get, put are read, write).
 * Returns false with the reason in why. */
bool wl_mix_parse(wl_config *c, const char *s, sbuf *why);

typedef struct wl_op {
    cl_f f;
    val fname;     /* f as recorded */
    uint32_t slot; /* key slot */
    val key;       /* the key's name, a string (nil for a txn) */
    val value;     /* as recorded in the invoke: read nil, write v, cas [old new], append x,
                    * txn its micro-ops (reads nil) */
    val a, b;      /* write: a; cas: a old, b new; append: a the element */
} wl_op;

typedef struct workload workload;

/* Values and key names are interned in vt (borrowed; it must outlive the
 * workload). Free with wl_free. */
workload *wl_new(const wl_config *c, vtab *vt);
void wl_free(workload *w);
/* The next op (the random choices come from the workload's seeded
 * generator). */
void wl_next(workload *w, wl_op *op);
/* Tell the workload what a completed op saw, so later cas ops ask for a
 * value the key may hold: an ok read's value, or the value an ok write,
 * cas or append left. */
void wl_observe(workload *w, const wl_op *op, val now);
/* Written value number n as the workload writes it (see value_size). */
val wl_value(const wl_config *c, vtab *vt, int64_t n);
/* Uniform random numbers from the workload's generator, for the runner's
 * own choices (routes). */
uint64_t wl_rand(workload *w);

#endif
