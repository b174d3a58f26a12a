/* net.c - see net.h. */
#include "net.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/rng.h"

/* One inbox per node, with its own lock: senders to different nodes and the
 * nodes' delivery threads do not contend. */
typedef struct inbox {
    pthread_mutex_t mu;
    net_msg *head, *tail;
    pthread_cond_t cv; /* signalled when a message is queued, or at close */
    /* Counters, atomic: sent counts messages from this node, the rest to
     * it. */
    _Atomic uint64_t sent, delivered, dropped_random, dropped_partition;
} inbox;

struct net {
    net_config cfg;
    _Atomic uint64_t rng;  /* the loss coin (rng.h) */
    _Atomic int *group;    /* partition group per node */
    _Atomic bool closed;
    inbox *in;
};

static int64_t mono_us(void *ctx)
{
    (void)ctx;
    return clock_now_us();
}

net *net_new(const net_config *cfg)
{
    net *nt = xcalloc(1, sizeof *nt);
    nt->cfg = *cfg;
    if (!nt->cfg.now_us)
        nt->cfg.now_us = mono_us;
    /* One step in: the coin a seed has always given. */
    atomic_init(&nt->rng, cfg->seed + RNG_GAMMA);
    atomic_init(&nt->closed, false);
    nt->group = xcalloc((size_t)cfg->n, sizeof *nt->group);
    nt->in = xcalloc((size_t)cfg->n, sizeof *nt->in);
    for (int i = 0; i < cfg->n; i++) {
        atomic_init(&nt->group[i], 0);
        pthread_mutex_init(&nt->in[i].mu, NULL);
        pthread_cond_init(&nt->in[i].cv, NULL);
    }
    return nt;
}

void net_msg_free(net *nt, net_msg *m)
{
    while (m) {
        net_msg *next = m->next;
        if (nt->cfg.free_body)
            nt->cfg.free_body(m->body);
        free(m);
        m = next;
    }
}

void net_free(net *nt)
{
    if (!nt)
        return;
    for (int i = 0; i < nt->cfg.n; i++) {
        net_msg_free(nt, nt->in[i].head);
        pthread_cond_destroy(&nt->in[i].cv);
        pthread_mutex_destroy(&nt->in[i].mu);
    }
    free(nt->in);
    free(nt->group);
    free(nt);
}

int64_t net_now(net *nt)
{
    return nt->cfg.now_us(nt->cfg.now_ctx);
}

static double coin(net *nt)
{
    return rng_unit(rng_next_atomic(&nt->rng));
}

static bool cut(net *nt, int a, int b)
{
    return atomic_load_explicit(&nt->group[a], memory_order_relaxed) !=
           atomic_load_explicit(&nt->group[b], memory_order_relaxed);
}

#define COUNT(x) atomic_fetch_add_explicit(&(x), 1, memory_order_relaxed)

void net_send(net *nt, int from, int to, void *body, bool lossy)
{
    inbox *dst = &nt->in[to];
    COUNT(nt->in[from].sent);
    net_msg *m = xmalloc(sizeof *m);
    *m = (net_msg){NULL, from, to, 0, body};
    if (atomic_load(&nt->closed) || cut(nt, from, to)) {
        COUNT(dst->dropped_partition);
    } else if (lossy && nt->cfg.drop > 0 && coin(nt) < nt->cfg.drop) {
        COUNT(dst->dropped_random);
    } else {
        pthread_mutex_lock(&dst->mu);
        /* The time is read under the inbox's lock, so the inbox stays in
         * due order. */
        m->due_us = net_now(nt) + (int64_t)nt->cfg.lag_ms * 1000;
        bool was_empty = !dst->head;
        if (dst->tail)
            dst->tail->next = m;
        else
            dst->head = m;
        dst->tail = m;
        /* A consumer only sleeps without a deadline on an empty inbox: a
         * message behind others is due after them, so wakes nobody. */
        if (was_empty)
            pthread_cond_signal(&dst->cv);
        pthread_mutex_unlock(&dst->mu);
        return;
    }
    net_msg_free(nt, m);
}

/* Under the inbox's lock: unlink the due messages of inbox to; those whose
 * link is now cut go to *lost instead. */
static net_msg *take_locked(net *nt, int to, int64_t now_us, net_msg **lost)
{
    inbox *in = &nt->in[to];
    net_msg *out = NULL, **tail = &out;
    while (in->head && in->head->due_us <= now_us) {
        net_msg *m = in->head;
        in->head = m->next;
        if (!in->head)
            in->tail = NULL;
        m->next = NULL;
        if (cut(nt, m->from, to)) {
            COUNT(in->dropped_partition);
            m->next = *lost;
            *lost = m;
            continue;
        }
        COUNT(in->delivered);
        *tail = m;
        tail = &m->next;
    }
    return out;
}

net_msg *net_take(net *nt, int to, int64_t now_us)
{
    net_msg *lost = NULL;
    pthread_mutex_lock(&nt->in[to].mu);
    net_msg *out = take_locked(nt, to, now_us, &lost);
    pthread_mutex_unlock(&nt->in[to].mu);
    net_msg_free(nt, lost);
    return out;
}

net_msg *net_wait(net *nt, int to)
{
    inbox *in = &nt->in[to];
    net_msg *out = NULL, *lost = NULL;
    pthread_mutex_lock(&in->mu);
    while (!atomic_load(&nt->closed)) {
        int64_t now = net_now(nt);
        if (in->head && in->head->due_us <= now) {
            out = take_locked(nt, to, now, &lost);
            if (out)
                break;
            continue;
        }
        if (!in->head) {
            pthread_cond_wait(&in->cv, &in->mu);
            continue;
        }
        /* The due time is on the net's clock; with the default (monotonic)
         * clock it converts directly to an absolute CLOCK_MONOTONIC time. */
        int64_t due = in->head->due_us;
        if (nt->cfg.now_us != mono_us)
            due = mono_us(NULL) + (due - now);
        struct timespec ts = clock_timespec(due * 1000);
        clock_wait(&in->cv, &in->mu, &ts);
    }
    pthread_mutex_unlock(&in->mu);
    net_msg_free(nt, lost);
    return out;
}

void net_partition(net *nt, const int *group)
{
    for (int i = 0; i < nt->cfg.n; i++)
        atomic_store(&nt->group[i], group[i]);
}

void net_heal(net *nt)
{
    for (int i = 0; i < nt->cfg.n; i++)
        atomic_store(&nt->group[i], 0);
}

bool net_reachable(net *nt, int a, int b)
{
    return !cut(nt, a, b);
}

int net_group(net *nt, int i)
{
    return atomic_load(&nt->group[i]);
}

void net_stats_get(net *nt, int node, net_stats *out)
{
    inbox *in = &nt->in[node];
    out->sent = atomic_load(&in->sent);
    out->delivered = atomic_load(&in->delivered);
    out->dropped_random = atomic_load(&in->dropped_random);
    out->dropped_partition = atomic_load(&in->dropped_partition);
}

void net_close(net *nt)
{
    atomic_store(&nt->closed, true);
    for (int i = 0; i < nt->cfg.n; i++) {
        pthread_mutex_lock(&nt->in[i].mu);
        pthread_cond_broadcast(&nt->in[i].cv);
        pthread_mutex_unlock(&nt->in[i].mu);
    }
}
