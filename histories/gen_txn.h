/*
 * gen_txn.h - synthetic histories of list-append transactions (Elle's
 * workload), for benchmarks and tests, with anomalies planted on demand.
 *
 * Concurrent sessions run txns of micro-ops ["append", k, v] and
 * ["r", k, list] against a simulated store that applies each txn whole at
 * a random point inside its interval: without crashes or planted
 * anomalies the history is strict serializable. A key takes a bounded
 * number of appends (Jepsen's max-writes-per-key), then is replaced by a
 * fresh one, so reads stay short; appended values are unique per key.
 *
 * A planted anomaly is the smallest history of its kind, on keys of its
 * own (no other txn touches them), run by the sessions among the other
 * txns: each of its txns starts, in another session than the one before,
 * once that one completed (or, where the anomaly needs them concurrent,
 * once it started), and its reads return what the script says, not the
 * store. So the checker must find exactly
 * that anomaly there (gen_txn_plant_how says what each is).
 */
#ifndef CONCH_GEN_TXN_H
#define CONCH_GEN_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/sbuf.h"

typedef enum gen_txn_plant {
    GP_G0 = 0,
    GP_G1A,
    GP_G1B,
    GP_G1C,
    GP_G_SINGLE,
    GP_G2_ITEM,
    GP_INTERNAL,
    GP_DUPLICATE,
    GP_INCOMPATIBLE,
    GP_GARBAGE,
    GP_FUTURE,
    GP_STALE,
    GP_COUNT,
} gen_txn_plant;

typedef struct gen_txn_opts {
    uint64_t txns;            /* transactions, besides the planted ones */
    unsigned sessions;        /* concurrent sessions (processes) */
    unsigned keys;            /* keys in use at a time */
    unsigned mops;            /* micro-ops per txn */
    unsigned appends_per_key; /* then the key is replaced by a fresh one */
    double crash;             /* fraction of txns that complete as info */
    uint64_t seed;
    uint32_t plant;           /* 1 << GP_*: anomalies to plant, once each */
} gen_txn_opts;

/* Write the history as conch's JSON Lines (Elle's ops, f "txn") to f.
 * Returns 0, or -1 if a write failed. */
int gen_txn_history(const gen_txn_opts *o, FILE *f);

const char *gen_txn_plant_name(gen_txn_plant p);    /* "g0", "g-single", ... */
const char *gen_txn_plant_anomaly(gen_txn_plant p); /* what the checker names it: "G0" */
const char *gen_txn_plant_how(gen_txn_plant p);     /* its txns, for the help */
/* A comma-separated list of plant names, or "all", into *bits. Returns 0,
 * or -1 with why. */
int gen_txn_plant_parse(const char *list, uint32_t *bits, sbuf *why);

#endif
