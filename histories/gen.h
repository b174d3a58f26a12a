/*
 * gen.h - synthetic histories, for benchmarks and tests.
 *
 * A simulated store is driven by concurrent sessions: each op is invoked,
 * takes effect at a random point inside its interval (in the store's one
 * order of effects), and completes; so with no faults asked for, the
 * history is linearizable. Faults make it not so, in known ways: stale
 * reads (a read returns an older version of its key), and crashes (an op
 * completes as info, and may or may not have taken effect).
 */
#ifndef CONCH_GEN_H
#define CONCH_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct gen_opts {
    uint64_t ops;      /* operations in all */
    unsigned sessions; /* concurrent sessions (processes) */
    unsigned keys;
    bool versions;     /* record the store's version of each ok op */
    bool cas;          /* include compare-and-set (cas-register); else register */
    bool append;       /* appends of unique items to a list, and reads of it (kv) */
    double stale;      /* fraction of reads that return an older version */
    double crash;      /* fraction of ops that complete as info */
    uint64_t seed;
    int format;        /* 0: JSON Lines; 1: Jepsen EDN; 2: Jepsen log lines (write.h) */
} gen_opts;

/* Write the history to f, as conch's JSON Lines unless o->format says. Returns 0, or -1 if a write
 * failed. */
int gen_history(const gen_opts *o, FILE *f);

#endif
