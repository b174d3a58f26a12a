/* pool.c - see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "mem.h"

typedef struct job {
    size_t n;
    _Atomic size_t next;
    pool_fn fn;
    void *ctx;
} job;

typedef struct worker_arg {
    job *j;
    int w;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *a = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&a->j->next, 1);
        if (i >= a->j->n)
            return NULL;
        a->j->fn(a->j->ctx, i, a->w);
    }
}

void pool_run(size_t n, int threads, pool_fn fn, void *ctx)
{
    job j = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&j.next, 0);
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    pthread_t *t = xmalloc((size_t)threads * sizeof *t);
    worker_arg *args = xmalloc((size_t)threads * sizeof *args);
    int started = 0;
    for (int i = 1; i < threads; i++) {
        args[i] = (worker_arg){&j, i};
        if (pthread_create(&t[started], NULL, worker, &args[i]) == 0)
            started++;
    }
    args[0] = (worker_arg){&j, 0};
    worker(&args[0]);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    free(args);
}

int pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}
