/*
 * nemesis_int.h - the inside of nemesis.h, shared by its files:
 *   nemesis.c        the thread, the schedule, events, the public calls;
 *   nemesis_fault.c  each kind of fault (start, undo), and whom it hits.
 */
#ifndef CONCH_NEMESIS_INT_H
#define CONCH_NEMESIS_INT_H

#include <pthread.h>

#include "../util/mem.h"
#include "nemesis.h"
#include "watchdog.h"

/* A fault that is on. */
typedef struct fault {
    nem_kind kind;
    unsigned id;                  /* the watchdog's record(s): id .. id + nids - 1 */
    unsigned nids;
    int nodes[CLU_MAX_NODES];     /* whom it hits */
    size_t nn;
    pid_t pids[CLU_MAX_NODES];    /* pause: stopped; kill: killed; clock: started under faketime */
    size_t np;
    int group[CLU_MAX_NODES];     /* partition: of each node */
    bool live;                    /* clock: through the faketime files, no restart */
    json_t *value;                /* the start event's */
    size_t log;                   /* its entry in faults */
} fault;

typedef struct nem_event {
    char *f;
    json_t *value;
} nem_event;

struct nemesis {
    nem_config c;
    watchdog *wd;
    pthread_t thread;
    bool started;
    int efd;                       /* eventfd: events are waiting */
    int64_t t0;                    /* clock_now_ns() at nem_start */
    uint64_t rng;
    pid_t spawned[CLU_MAX_NODES];  /* the last pid conch started for each node */
    unsigned next_id;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, done;
    VEC(nem_event) events;         /* waiting for nem_take */
    VEC(nem_fault) faults;
};

/* ---- nemesis.c, for nemesis_fault.c ---- */

/* Seconds since nem_start. */
double nem_now_s(const nemesis *n);
/* Queue an event for the history (value taken over). */
void nem_emit(nemesis *n, const char *f, json_t *value);
/* Say line (printf-style) through the config's note. */
void nem_note(nemesis *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add an entry to the report; its index. */
size_t nem_log(nemesis *n, nem_kind k, const char *what, const char *error);

/* ---- nemesis_fault.c ---- */

/* Start a fault of kind k: choose whom it hits, do it, record it. false
 * (an error event and entry recorded) if nothing could be done. */
bool fault_start(nemesis *n, nem_kind k, fault *f);
/* Undo f (why: "" on schedule, or what ended the run early). */
void fault_stop(nemesis *n, fault *f);
/* Can kind k be done on node i with what the cluster says? NULL if so,
 * else what is missing. */
const char *fault_needs(const nem_config *c, nem_kind k, int i);
/* Does p's pattern compile? false with why. */
bool fault_probe_ok(const clu_probe *p, sbuf *why);

#endif
