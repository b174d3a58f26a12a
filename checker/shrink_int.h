/*
 * shrink_int.h - what the shrinker's files share (shrink.h says what it
 * does; shrink.c drives it, shrink_need.c knows what ops need of one
 * another, shrink_explain.c explores the orders of the few ops left).
 */
#ifndef CONCH_SHRINK_INT_H
#define CONCH_SHRINK_INT_H

#include "../histories/history.h"
#include "shrink.h"

typedef struct shrink_mates shrink_mates;

typedef struct shrinker {
    const model *md;
    const lin_op *ops;
    size_t n;
    bool unique;
    const shrink_limits *lim;
    lin_ws *ws;
    lin_op *buf;  /* the ops of the check being made */
    bool *keep;   /* by op: in the set being checked (else optional); or a
                   * scratch mark, always cleared after use */
    size_t tests;
    shrink_stop stop;
    bool whole;   /* small enough that every other op is optional */
    shrink_mates *mt; /* values to ops, when neither (shrink.c's support) */
    valmap *wrote;    /* value -> index in first_write: (shrink_need.c) */
    uint32_t *first_write; /* the first invocation of an op that writes it */
} shrinker;

/* An optional op ranked for keeping: rank 0 the set may need it, 1 not;
 * then nearest (d) first. */
typedef struct shrink_rank {
    uint32_t op, rank, d;
} shrink_rank;

static inline int shrink_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- shrink_need.c ---- */

/* Which ops name which values: built once for a part. */
shrink_mates *shrink_mates_new(const shrinker *s);
void shrink_mates_free(shrink_mates *mt);
/* Mark in in[] the ops that name a value the marked ops name, and so on,
 * up to a bound. */
void shrink_mark_mates(const shrinker *s, const shrink_mates *mt, bool *in);
/* Note what the part's ops write, for shrink_supported; free with
 * shrink_need_free. */
void shrink_need_init(shrinker *s);
void shrink_need_free(shrinker *s);
/* Set the rank of each of opt[0..m) for set[0..k). */
void shrink_rank_needed(const shrinker *s, const uint32_t *set, size_t k, shrink_rank *opt,
                        size_t m);
/* Can every op of set[0..k) get the values it needs from the universe
 * u[0..nu) in time? */
bool shrink_supported(shrinker *s, const uint32_t *set, size_t k, const uint32_t *u, size_t nu);
/* The ops of pool[0..np) that set[0..k) needs as optional, ascending,
 * into out; returns how many. */
size_t shrink_needed_support(shrinker *s, const uint32_t *set, size_t k, const uint32_t *pool,
                             size_t np, uint32_t *out);

/* ---- shrink_explain.c ---- */

/* Where every order of keep[0..k) (as recorded) and maybe[0..nm)
 * (optional) gets stuck, into out's ends. */
void shrink_explain(const model *md, const lin_op *ops, const uint32_t *keep, size_t k,
                    const uint32_t *maybe, size_t nm, shrink_result *out);

#endif
