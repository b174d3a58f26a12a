/*
 * rng.h - splitmix64, the one pseudo-random generator of conch.
 *
 * Steele, Lea & Flood, "Fast splittable pseudorandom number generators"
 * (OOPSLA 2014): the state steps by a fixed odd gamma, and each output is a
 * mix of the state (hash_mix64 is that mix, gamma step included). Small,
 * fast, seedable with any value, and good enough to pick operations,
 * routes, lost messages and gossip peers; not for secrets.
 *
 * A generator is a bare uint64_t: a workload, a network and a cluster keep
 * one each, seeded from the user's --seed, so a run can be repeated.
 */
#ifndef CONCH_RNG_H
#define CONCH_RNG_H

#include <stdatomic.h>
#include <stdint.h>

#include "hash.h"

#define RNG_GAMMA 0x9e3779b97f4a7c15ULL

/* The next output of the generator whose state is *s. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    *s = x + RNG_GAMMA;
    return hash_mix64(x);
}

/* The same on a state shared between threads (each caller gets its own
 * output; which one is up to the race). */
static inline uint64_t rng_next_atomic(_Atomic uint64_t *s)
{
    return hash_mix64(atomic_fetch_add_explicit(s, RNG_GAMMA, memory_order_relaxed));
}

/* 64 random bits as a double uniform in [0, 1) (its top 53 bits). */
static inline double rng_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

#endif
