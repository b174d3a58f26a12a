/*
 * nemesis.c - see nemesis.h; nemesis_int.h names the files.
 *
 * The thread sleeps on a condition variable between the steps of the
 * schedule, so nem_stop wakes it at once; the steps themselves (a signal,
 * an HTTP request with a timeout, a process start) are short and bounded,
 * so a stop waits at most for one of them before the undo.
 */
#include "nemesis_int.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../util/clock.h"
#include "node.h"

static const char *const kind_names[NEM_NKINDS] = {"pause", "kill", "partition", "clock"};
static const char *const target_names[] = {"random", "leader", "minority", NULL};

const char *nem_kind_name(nem_kind k)
{
    return k < NEM_NKINDS ? kind_names[k] : "?";
}

int nem_kind_find(const char *name)
{
    for (int k = 0; k < NEM_NKINDS; k++)
        if (!strcmp(name, kind_names[k]))
            return k;
    return -1;
}

const char *nem_target_name(nem_target t)
{
    return t < NEM_NAMED ? target_names[t] : "named";
}

int nem_target_find(const char *name)
{
    for (int t = 0; target_names[t]; t++)
        if (!strcmp(name, target_names[t]))
            return t;
    return -1;
}

bool nem_check(const nem_config *c, sbuf *why)
{
    const clu_desc *cl = c->cluster;
    if (!cl || !cl->n) {
        sbuf_adds(why, "the nemesis needs the cluster's nodes (--cluster FILE or --node)");
        return false;
    }
    if (!c->nkinds) {
        sbuf_adds(why, "no kind of fault given");
        return false;
    }
    int named = -1;
    if (c->target == NEM_NAMED && (named = clu_find(cl, c->target_name)) < 0) {
        sbuf_printf(why, "--nemesis-target %s: the cluster (%s) has no node of that name",
                    c->target_name, cl->source ? cl->source : "--node");
        return false;
    }
    if (c->target == NEM_LEADER && !cl->leader_cmd && !cl->leader.method && !c->leader.method) {
        sbuf_adds(why, "--nemesis-target leader: the cluster names no way to find the leader "
                       "(\"leader\": a probe, or \"leader_cmd\"), and the store has none built in");
        return false;
    }
    if (c->target == NEM_LEADER && !cl->leader_cmd &&
        !fault_probe_ok(cl->leader.method ? &cl->leader : &c->leader, why))
        return false;
    if (c->target == NEM_LEADER && !cl->leader_cmd)
        for (size_t i = 0; i < cl->n; i++)
            if (!cl->nodes[i].url) {
                sbuf_printf(why, "--nemesis-target leader: node %s has no url to probe",
                            cl->nodes[i].name);
                return false;
            }
    for (size_t k = 0; k < c->nkinds; k++) {
        if (c->kinds[k] == NEM_PARTITION && !cl->admin) {
            sbuf_adds(why, "--nemesis partition: the cluster has no admin URL, where partitions "
                           "are made (conch proxy's, or a conch serve replica's)");
            return false;
        }
        if (c->kinds[k] == NEM_CLOCK && !node_libfaketime()) {
            sbuf_adds(why, "--nemesis clock: libfaketime is not installed (Debian: faketime; "
                           "or set CONCH_LIBFAKETIME to its path)");
            return false;
        }
        /* Every node the target can pick must allow the kind. */
        for (size_t i = 0; i < cl->n; i++) {
            if (named >= 0 && (int)i != named)
                continue;
            const char *miss = fault_needs(c, c->kinds[k], (int)i);
            if (miss) {
                sbuf_printf(why, "--nemesis %s: node %s has %s", nem_kind_name(c->kinds[k]),
                            cl->nodes[i].name, miss);
                return false;
            }
        }
    }
    return true;
}

/* ---- events, notes, the report ---- */

double nem_now_s(const nemesis *n)
{
    return (double)(clock_now_ns() - n->t0) / 1e9;
}

void nem_emit(nemesis *n, const char *f, json_t *value)
{
    nem_event e = {xstrdup(f), value};
    pthread_mutex_lock(&n->mu);
    VEC_PUSH(n->events, e);
    pthread_mutex_unlock(&n->mu);
    uint64_t one = 1;
    ssize_t w = write(n->efd, &one, sizeof one);
    (void)w;
}

void nem_note(nemesis *n, const char *fmt, ...)
{
    if (!n->c.note)
        return;
    sbuf line = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&line, fmt, ap);
    va_end(ap);
    n->c.note(n->c.note_ctx, sbuf_str(&line));
    sbuf_free(&line);
}

size_t nem_log(nemesis *n, nem_kind k, const char *what, const char *error)
{
    nem_fault f = {k, xstrdup(what), nem_now_s(n), -1, error ? xstrdup(error) : NULL};
    pthread_mutex_lock(&n->mu);
    VEC_PUSH(n->faults, f);
    size_t i = n->faults.n - 1;
    pthread_mutex_unlock(&n->mu);
    return i;
}

/* ---- the thread ---- */

/* Sleep until t (ns on the monotonic clock), waking for a stop. true if
 * t came and the nemesis may go on; false if it is to stop (nem_stop, or
 * stop_s came first: then it returns at stop_s). */
static bool sleep_until(nemesis *n, int64_t t)
{
    bool limited = false;
    if (n->c.stop_s > 0) {
        int64_t end = n->t0 + (int64_t)(n->c.stop_s * 1e9);
        if (end <= t) {
            t = end;
            limited = true;
        }
    }
    struct timespec ts = clock_timespec(t);
    pthread_mutex_lock(&n->mu);
    while (!n->stop && clock_now_ns() < t)
        clock_wait(&n->cv, &n->mu, &ts);
    bool go = !n->stop && !limited;
    pthread_mutex_unlock(&n->mu);
    return go;
}

static void *nem_main(void *arg)
{
    nemesis *n = arg;
    /* Signals are the main thread's (conch run's handler). */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    int64_t next = n->t0 + (int64_t)(n->c.start_s * 1e9);
    for (size_t turn = 0; sleep_until(n, next); turn++) {
        fault f;
        if (fault_start(n, n->c.kinds[turn % n->c.nkinds], &f)) {
            sleep_until(n, clock_now_ns() + (int64_t)(n->c.duration_s * 1e9));
            fault_stop(n, &f);
        }
        next = clock_now_ns() + (int64_t)(n->c.interval_s * 1e9);
    }
    pthread_mutex_lock(&n->mu);
    n->done = true;
    pthread_mutex_unlock(&n->mu);
    uint64_t one = 1; /* wake the reader, to see it is done */
    ssize_t w = write(n->efd, &one, sizeof one);
    (void)w;
    return NULL;
}

nemesis *nem_start(const nem_config *c, sbuf *why)
{
    if (!nem_check(c, why))
        return NULL;
    nemesis *n = xcalloc(1, sizeof *n);
    n->c = *c;
    n->efd = -1;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    n->rng = c->seed;
    n->next_id = 1;
    /* The watchdog first, while conch has one thread: it is a fork. */
    if (!(n->wd = wd_start(c->cluster, &c->http, c->log_dir, why)))
        goto fail;
    if ((n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        sbuf_adds(why, "cannot make an eventfd for the nemesis");
        goto fail;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    n->t0 = clock_now_ns();
    if (pthread_create(&n->thread, NULL, nem_main, n)) {
        sbuf_adds(why, "cannot start the nemesis's thread");
        curl_global_cleanup();
        goto fail;
    }
    n->started = true;
    return n;
fail:
    nem_free(n);
    return NULL;
}

int nem_fd(const nemesis *n)
{
    return n->efd;
}

bool nem_take(nemesis *n, char **f, json_t **value)
{
    uint64_t v;
    ssize_t r = read(n->efd, &v, sizeof v); /* clear it; events are counted below */
    (void)r;
    pthread_mutex_lock(&n->mu);
    bool any = n->events.n > 0;
    if (any) {
        *f = n->events.v[0].f;
        *value = n->events.v[0].value;
        memmove(n->events.v, n->events.v + 1, (n->events.n - 1) * sizeof *n->events.v);
        n->events.n--;
    }
    pthread_mutex_unlock(&n->mu);
    return any;
}

void nem_stop(nemesis *n)
{
    pthread_mutex_lock(&n->mu);
    n->stop = true;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

bool nem_done(nemesis *n)
{
    pthread_mutex_lock(&n->mu);
    bool d = n->done || !n->started;
    pthread_mutex_unlock(&n->mu);
    return d;
}

void nem_finish(nemesis *n)
{
    if (!n || !n->started)
        return;
    nem_stop(n);
    pthread_join(n->thread, NULL);
    n->started = false;
    curl_global_cleanup();
}

const nem_fault *nem_faults(const nemesis *n, size_t *count)
{
    *count = n->faults.n;
    return n->faults.v;
}

void nem_free(nemesis *n)
{
    if (!n)
        return;
    nem_finish(n);
    wd_free(n->wd);
    for (size_t i = 0; i < n->events.n; i++) {
        free(n->events.v[i].f);
        json_decref(n->events.v[i].value);
    }
    free(n->events.v);
    for (size_t i = 0; i < n->faults.n; i++) {
        free(n->faults.v[i].what);
        free(n->faults.v[i].error);
    }
    free(n->faults.v);
    if (n->efd >= 0)
        close(n->efd);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n);
}
