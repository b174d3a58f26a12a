/*
 * progress.c - how far a check has got (progress.h).
 *
 * Counters are atomics; the searches running (one a worker) and the
 * longest finished are under a mutex taken only when a search begins or
 * ends, and when a display reads. The longest so far is the longest of
 * those, the running ones counted up to now.
 */
#include "progress.h"

#include <pthread.h>
#include <stdlib.h>

#include "../util/mem.h"

#define SLOTS 64 /* searches followed at once (more workers: the rest not) */

struct check_progress {
    _Atomic int phase;
    _Atomic size_t parts, done;
    _Atomic uint64_t configs;
    pthread_mutex_t mu;
    struct {
        bool on;
        int64_t since;
        size_t item, part;
    } run[SLOTS];
    bool have_slow;
    double slow_s;
    size_t slow_item, slow_part;
};

check_progress *progress_new(void)
{
    check_progress *p = xcalloc(1, sizeof *p);
    atomic_init(&p->phase, PHASE_PREPARE);
    atomic_init(&p->parts, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->configs, 0);
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void progress_free(check_progress *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void progress_phase(check_progress *p, check_phase phase)
{
    if (p)
        atomic_store_explicit(&p->phase, phase, memory_order_release);
}

void progress_parts(check_progress *p, size_t parts)
{
    if (p)
        atomic_fetch_add(&p->parts, parts);
}

void progress_done(check_progress *p, size_t n)
{
    if (p)
        atomic_fetch_add(&p->done, n);
}

_Atomic uint64_t *progress_configs(check_progress *p)
{
    return p ? &p->configs : NULL;
}

int progress_begin(check_progress *p, size_t item, size_t part, int64_t now_ns)
{
    if (!p)
        return -1;
    int slot = -1;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < SLOTS && slot < 0; i++)
        if (!p->run[i].on) {
            p->run[i].on = true;
            p->run[i].since = now_ns;
            p->run[i].item = item;
            p->run[i].part = part;
            slot = i;
        }
    pthread_mutex_unlock(&p->mu);
    return slot;
}

void progress_end(check_progress *p, int slot, int64_t now_ns)
{
    if (!p || slot < 0)
        return;
    pthread_mutex_lock(&p->mu);
    double s = (double)(now_ns - p->run[slot].since) / 1e9;
    if (!p->have_slow || s > p->slow_s) {
        p->have_slow = true;
        p->slow_s = s;
        p->slow_item = p->run[slot].item;
        p->slow_part = p->run[slot].part;
    }
    p->run[slot].on = false;
    pthread_mutex_unlock(&p->mu);
}

void progress_get(check_progress *p, int64_t now_ns, progress_view *out)
{
    out->phase = (check_phase)atomic_load_explicit(&p->phase, memory_order_acquire);
    out->parts = atomic_load(&p->parts);
    out->done = atomic_load(&p->done);
    out->configs = atomic_load(&p->configs);
    pthread_mutex_lock(&p->mu);
    out->slow = p->have_slow;
    out->slow_s = p->slow_s;
    out->slow_item = p->slow_item;
    out->slow_part = p->slow_part;
    out->slow_running = false;
    for (int i = 0; i < SLOTS; i++) {
        double s = (double)(now_ns - p->run[i].since) / 1e9;
        if (p->run[i].on && (!out->slow || s > out->slow_s)) {
            out->slow = out->slow_running = true;
            out->slow_s = s;
            out->slow_item = p->run[i].item;
            out->slow_part = p->run[i].part;
        }
    }
    pthread_mutex_unlock(&p->mu);
}
