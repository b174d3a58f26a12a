/* net.c - see net.h. */
#include "net.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "../util/hash.h"
#include "../util/mem.h"

typedef struct inbox {
    net_msg *head, *tail;
    pthread_cond_t cv; /* signalled when a message is queued, or at close */
    net_stats st;      /* sent counts messages from this node, the rest to it */
} inbox;

struct net {
    pthread_mutex_t mu;
    net_config cfg;
    uint64_t rng;
    int *group;
    inbox *in;
    bool closed;
};

static int64_t mono_us(void *ctx)
{
    (void)ctx;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

net *net_new(const net_config *cfg)
{
    net *nt = xcalloc(1, sizeof *nt);
    nt->cfg = *cfg;
    if (!nt->cfg.now_us)
        nt->cfg.now_us = mono_us;
    nt->rng = cfg->seed;
    nt->group = xcalloc((size_t)cfg->n, sizeof *nt->group);
    nt->in = xcalloc((size_t)cfg->n, sizeof *nt->in);
    pthread_mutex_init(&nt->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    for (int i = 0; i < cfg->n; i++)
        pthread_cond_init(&nt->in[i].cv, &ca);
    pthread_condattr_destroy(&ca);
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
    }
    pthread_mutex_destroy(&nt->mu);
    free(nt->in);
    free(nt->group);
    free(nt);
}

int64_t net_now(net *nt)
{
    return nt->cfg.now_us(nt->cfg.now_ctx);
}

/* A uniform double in [0, 1) from splitmix64; under nt->mu. */
static double coin(net *nt)
{
    nt->rng += 0x9e3779b97f4a7c15ULL;
    return (double)(hash_mix64(nt->rng) >> 11) * 0x1.0p-53;
}

void net_send(net *nt, int from, int to, void *body, bool lossy)
{
    net_msg *m = xmalloc(sizeof *m);
    *m = (net_msg){NULL, from, to, 0, body};
    pthread_mutex_lock(&nt->mu);
    inbox *src = &nt->in[from], *dst = &nt->in[to];
    src->st.sent++;
    if (nt->closed || nt->group[from] != nt->group[to]) {
        dst->st.dropped_partition++;
    } else if (lossy && nt->cfg.drop > 0 && coin(nt) < nt->cfg.drop) {
        dst->st.dropped_random++;
    } else {
        m->due_us = net_now(nt) + (int64_t)nt->cfg.lag_ms * 1000;
        if (dst->tail)
            dst->tail->next = m;
        else
            dst->head = m;
        dst->tail = m;
        pthread_cond_signal(&dst->cv);
        m = NULL;
    }
    pthread_mutex_unlock(&nt->mu);
    if (m) {
        m->next = NULL;
        net_msg_free(nt, m);
    }
}

/* Under nt->mu: unlink the due messages of inbox to; those whose link is
 * now cut go to *lost instead. */
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
        if (nt->group[m->from] != nt->group[to]) {
            in->st.dropped_partition++;
            m->next = *lost;
            *lost = m;
            continue;
        }
        in->st.delivered++;
        *tail = m;
        tail = &m->next;
    }
    return out;
}

net_msg *net_take(net *nt, int to, int64_t now_us)
{
    net_msg *lost = NULL;
    pthread_mutex_lock(&nt->mu);
    net_msg *out = take_locked(nt, to, now_us, &lost);
    pthread_mutex_unlock(&nt->mu);
    net_msg_free(nt, lost);
    return out;
}

net_msg *net_wait(net *nt, int to)
{
    inbox *in = &nt->in[to];
    net_msg *out = NULL, *lost = NULL;
    pthread_mutex_lock(&nt->mu);
    while (!nt->closed) {
        int64_t now = net_now(nt);
        if (in->head && in->head->due_us <= now) {
            out = take_locked(nt, to, now, &lost);
            if (out)
                break;
            continue;
        }
        if (!in->head) {
            pthread_cond_wait(&in->cv, &nt->mu);
            continue;
        }
        /* The due time is on the net's clock; with the default (monotonic)
         * clock it converts directly to an absolute CLOCK_MONOTONIC time. */
        int64_t due = in->head->due_us;
        if (nt->cfg.now_us != mono_us)
            due = mono_us(NULL) + (due - now);
        struct timespec ts = {(time_t)(due / 1000000), (long)(due % 1000000) * 1000};
        pthread_cond_timedwait(&in->cv, &nt->mu, &ts);
    }
    pthread_mutex_unlock(&nt->mu);
    net_msg_free(nt, lost);
    return out;
}

void net_partition(net *nt, const int *group)
{
    pthread_mutex_lock(&nt->mu);
    for (int i = 0; i < nt->cfg.n; i++)
        nt->group[i] = group[i];
    pthread_mutex_unlock(&nt->mu);
}

void net_heal(net *nt)
{
    pthread_mutex_lock(&nt->mu);
    for (int i = 0; i < nt->cfg.n; i++)
        nt->group[i] = 0;
    pthread_mutex_unlock(&nt->mu);
}

bool net_reachable(net *nt, int a, int b)
{
    pthread_mutex_lock(&nt->mu);
    bool r = nt->group[a] == nt->group[b];
    pthread_mutex_unlock(&nt->mu);
    return r;
}

int net_group(net *nt, int i)
{
    pthread_mutex_lock(&nt->mu);
    int g = nt->group[i];
    pthread_mutex_unlock(&nt->mu);
    return g;
}

void net_stats_get(net *nt, int node, net_stats *out)
{
    pthread_mutex_lock(&nt->mu);
    *out = nt->in[node].st;
    pthread_mutex_unlock(&nt->mu);
}

void net_close(net *nt)
{
    pthread_mutex_lock(&nt->mu);
    nt->closed = true;
    for (int i = 0; i < nt->cfg.n; i++)
        pthread_cond_broadcast(&nt->in[i].cv);
    pthread_mutex_unlock(&nt->mu);
}
