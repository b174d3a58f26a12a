/*
 * sched.c - see sched.h.
 *
 * Why shares and not one deadline for all: with one deadline, parts queued
 * behind hard ones got the time that was left when a worker came free, which
 * could be none at all: a history of ten keys with two hard ones reported
 * eight easy keys unknown after microseconds of search. The ideal is
 * processor sharing (Porcupine runs every part in its own goroutine at
 * once): every unsettled part progresses, so easy ones settle at once. A
 * search cannot be suspended cheaply here (its tables are its worker's), so
 * sharing is approximated by shares and one restart:
 *
 *   A part starting at time t, with q parts waiting (itself included) and
 *   w workers, gets (deadline - t) / ceil(q / w): what it would get if every
 *   waiting part used its share to the end. Parts that settle early leave
 *   their time to the later ones, whose shares grow. When a share runs out
 *   the part goes on if nothing waits (its share renews), and is stopped
 *   otherwise. So no part waits behind one that keeps its worker past its
 *   share, and no worker idles while a part could use it.
 *
 *   A part stopped by its share had its first turn while others waited; it
 *   is searched once more after the rest, from the start (its tables were
 *   its worker's), with a share of the time then left. The first turn's
 *   work is lost: at most its share, and only for parts that are hard.
 *
 *   Memory is not shared out in advance (a promise to every worker would
 *   cap each big search at a fraction of the budget even when the others
 *   need little); a search refused memory before it held its share, the
 *   budget over the workers, was crowded out by others, and is tried once
 *   more when nothing else runs, with the whole budget. One that had its
 *   share and wanted more is done: it is unknown at the memory limit.
 *
 * Smallest first, too: an invalid part is usually found fast, and once it
 * is, the history's verdict is known and its other parts stop (unless
 * all_parts), as Porcupine does; a part still waiting is then not searched.
 */
#include "sched.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/pool.h"

/* The memory each busy worker is promised (at most a quarter of its share
 * of the budget): enough for a part that needs little, so that one part
 * taking all it can does not stop the rest. */
#define SCHED_RESERVE ((size_t)8 << 20)

typedef struct queue {
    size_t *v;
    size_t head, tail;
} queue;

typedef struct sched {
    const sched_opts *o;
    sched_task *tasks;
    int threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    queue main; /* first turns, smallest first, then second turns for time */
    queue solo; /* second turns for memory: each alone, after the rest */
    unsigned running;
    bool solo_running;
} sched;

/* One search in progress: what extend needs. */
typedef struct turn {
    sched *s;
    int64_t share_ns;
    bool by_share; /* it was refused more time because others waited */
} turn;

static size_t waiting(const queue *q) { return q->tail - q->head; }

/* lin_limits.extend: the share has run out; go on if nothing waits. */
static bool extend(void *ctx, int64_t *deadline_ns)
{
    turn *t = ctx;
    sched *s = t->s;
    int64_t now = clock_now_ns(), end = s->o->deadline_ns;
    if (end && now >= end)
        return false;
    pthread_mutex_lock(&s->mu);
    bool others = waiting(&s->main) || waiting(&s->solo);
    pthread_mutex_unlock(&s->mu);
    if (others) {
        t->by_share = true;
        return false;
    }
    *deadline_ns = now + t->share_ns;
    if (end && *deadline_ns > end)
        *deadline_ns = end;
    return true;
}

/* Why a task that comes up should not be searched (LIN_DONE: it should). */
static lin_stop why_not(const sched *s, const sched_task *t, int64_t now)
{
    if (s->o->stop && atomic_load(s->o->stop))
        return LIN_STOP_INTERRUPT;
    if (t->cancel && atomic_load(t->cancel))
        return LIN_STOP_INVALID;
    if (s->o->deadline_ns && now >= s->o->deadline_ns)
        return LIN_STOP_TIME;
    return LIN_DONE;
}

/* Search task i once (alone: nothing else runs meanwhile); called and
 * returns with s->mu held. */
static void search_turn(sched *s, size_t i, lin_ws *ws, const bhold *h, bool alone)
{
    sched_task *t = &s->tasks[i];
    int64_t now = clock_now_ns(), end = s->o->deadline_ns;
    lin_stop skip = why_not(s, t, now);
    if (skip) {
        /* A second turn not taken keeps its first turn's figures. */
        t->r.verdict = LIN_UNKNOWN;
        t->r.stop = skip;
        progress_done(s->o->progress, 1);
        return;
    }
    turn tn = {s, 0, false};
    lin_limits lim = {0, NULL, &tn, s->o->stop, t->cancel, progress_configs(s->o->progress)};
    if (end) {
        /* The rounds of turns still to come: the main queue's on every
         * worker, then the solo ones one by one. */
        size_t w = (size_t)s->threads, rounds = alone ? waiting(&s->solo) + 1
                                                      : (waiting(&s->main) + w) / w + waiting(&s->solo);
        tn.share_ns = (end - now) / (int64_t)rounds;
        lim.deadline_ns = now + tn.share_ns;
        lim.extend = extend;
    }
    s->running++;
    pthread_mutex_unlock(&s->mu);

    lin_result r;
    int slot = progress_begin(s->o->progress, t->item, t->part, now);
    lin_check(t->md, t->ops, t->nops, &lim, ws, &r);
    progress_end(s->o->progress, slot, clock_now_ns());

    pthread_mutex_lock(&s->mu);
    s->running--;
    t->attempts++;
    t->seconds += r.seconds;
    if (r.stop == LIN_STOP_TIME && tn.by_share)
        r.stop = LIN_STOP_TIME_SHARE;
    /* Refused memory before it held its share: others had the rest. */
    size_t max = budget_max(s->o->mem);
    if (r.stop == LIN_STOP_MEMORY && !alone && s->threads > 1 &&
        h->refused_held < max / (size_t)s->threads)
        r.stop = LIN_STOP_MEMORY_SHARE;
    if (r.verdict == LIN_INVALID && t->cancel && !s->o->all_parts)
        atomic_store(t->cancel, 1);
    lin_result_free(&t->r);
    t->r = r;
    if (t->attempts == 1 && r.stop == LIN_STOP_TIME_SHARE)
        s->main.v[s->main.tail++] = i;
    else if (t->attempts == 1 && r.stop == LIN_STOP_MEMORY_SHARE)
        s->solo.v[s->solo.tail++] = i;
    else
        progress_done(s->o->progress, 1); /* settled: it gets no other turn */
}

/* A worker: searches what the queues give it until every task is settled
 * (pool.h runs one per thread; which number it gets does not matter). */
static void worker(void *arg, size_t i, int w)
{
    (void)i;
    (void)w;
    sched *s = arg;
    bhold h;
    budget_join(&h, s->o->mem, true);
    lin_ws *ws = lin_ws_new(&h);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (waiting(&s->main) && !s->solo_running) {
            search_turn(s, s->main.v[s->main.head++], ws, &h, false);
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        if (!s->running && waiting(&s->solo)) {
            s->solo_running = true;
            search_turn(s, s->solo.v[s->solo.head++], ws, &h, true);
            s->solo_running = false;
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        if (!s->running)
            break;
        /* Nothing to start now, but a search running may be sent back
         * for a second turn, or be waited for by a solo one. Meanwhile
         * this worker needs no reserve. */
        budget_activate(&h, false);
        pthread_cond_wait(&s->cv, &s->mu);
        budget_activate(&h, true);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    lin_ws_free(ws);
    budget_leave(&h);
}

static int by_size(const void *a, const void *b, void *ctx)
{
    const sched_task *tasks = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    size_t nx = tasks[x].nops, ny = tasks[y].nops;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return x < y ? -1 : x > y;
}

void sched_run(sched_task *tasks, size_t n, const sched_opts *o)
{
    for (size_t i = 0; i < n; i++) {
        memset(&tasks[i].r, 0, sizeof tasks[i].r);
        tasks[i].attempts = 0;
        tasks[i].seconds = 0;
    }
    if (!n)
        return;
    sched s = {.o = o, .tasks = tasks};
    s.main = (queue){xmalloc(2 * n * sizeof(size_t)), 0, n};
    s.solo = (queue){xmalloc(n * sizeof(size_t)), 0, 0};
    s.threads = o->threads < 1 ? 1 : o->threads;
    if ((size_t)s.threads > n)
        s.threads = (int)n;
    for (size_t i = 0; i < n; i++)
        s.main.v[i] = i;
    qsort_r(s.main.v, n, sizeof *s.main.v, by_size, tasks);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    if (o->mem && s.threads > 1) {
        size_t r = budget_max(o->mem) / (4 * (size_t)s.threads);
        budget_reserve(o->mem, r < SCHED_RESERVE ? r : SCHED_RESERVE);
    }
    pool_run((size_t)s.threads, s.threads, worker, &s);
    if (o->mem)
        budget_reserve(o->mem, 0);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    free(s.main.v);
    free(s.solo.v);
}
