/*
 * pool.h - run n independent tasks on a fixed set of worker threads.
 *
 * Workers take the next task index from a shared counter, so long tasks
 * do not hold up short ones; give the longest tasks the lowest indices.
 */
#ifndef CONCH_POOL_H
#define CONCH_POOL_H

#include <stddef.h>

/* Task i, run by worker number w (0 .. threads-1). */
typedef void (*pool_fn)(void *ctx, size_t i, int w);

/* Run fn(ctx, 0..n-1) on up to threads threads (the caller's included);
 * returns when all are done. */
void pool_run(size_t n, int threads, pool_fn fn, void *ctx);
/* The number of cores online (at least 1). */
int pool_cores(void);

#endif
