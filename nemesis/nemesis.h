/*
 * nemesis.h - the faults conch run injects while its clients run, as
 * Jepsen's nemesis does: pause a node (SIGSTOP, later SIGCONT), kill it
 * (SIGKILL, later its start command), cut it off from its peers (through
 * conch proxy or conch serve's /admin/partition, later healed), or skew its
 * clock (libfaketime: through the node's timestamp file while it runs, or
 * by restarting it under an offset or a rate; later undone).
 *
 * The schedule: one fault at a time. The first starts at start_s, lasts
 * duration_s, and the next starts interval_s after the last ended; the
 * kinds take turns in the order given. Nothing starts after stop_s, and a
 * fault still on then is undone then.
 *
 * Every fault's start and end is an event for the history (nem_take), in
 * Jepsen's words: process "nemesis", type info, f "start-KIND" and then
 * "stop-KIND" (KIND: pause, kill, partition, clock), value what was done
 * ({"nodes":["n2"],"pids":[4242]}, {"groups":[["n1"],["n2","n3"]]}); a
 * fault that could not be done at all is one event f "error".
 *
 * Every way out undoes what is on: nem_stop (asked by the runner as the run
 * ends, or by a signal), nem_finish on an error. If conch itself dies
 * (SIGKILL, a crash), a watchdog process forked at nem_start does it: it
 * is told before each fault what would undo it, and does so when conch's
 * end of their pipe closes without a goodbye.
 */
#ifndef CONCH_NEMESIS_H
#define CONCH_NEMESIS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ask.h"
#include "cluster.h"

typedef enum nem_kind { NEM_PAUSE, NEM_KILL, NEM_PARTITION, NEM_CLOCK, NEM_NKINDS } nem_kind;

typedef enum nem_target {
    NEM_RANDOM,   /* one node, at random */
    NEM_LEADER,   /* the leader, found when the fault starts */
    NEM_MINORITY, /* a random minority: (n - 1) / 2 nodes, at least 1 */
    NEM_NAMED,    /* target_name */
} nem_target;

typedef struct nem_config {
    const clu_desc *cluster;  /* borrowed; must outlive the nemesis */
    nem_kind kinds[16];       /* in turn */
    size_t nkinds;
    nem_target target;
    const char *target_name;  /* NEM_NAMED */
    double start_s, interval_s, duration_s;
    double stop_s;            /* 0: until nem_stop */
    const char *clock;        /* the faketime spec of a clock fault: "+60s", "-1h", "+0 x2" */
    const char *log_dir;      /* a node started without a "log" writes to DIR/NAME.log */
    clu_probe leader;         /* the store's leader probe, when the cluster names none */
    ask_opts http;
    uint64_t seed;
    /* Told a line of what the nemesis does, as it does it (from its
     * thread); NULL: nothing. */
    void (*note)(void *ctx, const char *line);
    void *note_ctx;
} nem_config;

/* What was done, for the report. */
typedef struct nem_fault {
    nem_kind kind;
    char *what;          /* "n1 (pid 4242)", "n1 | n2 n3" */
    double start_s;      /* since nem_start */
    double stop_s;       /* -1: not undone (yet) */
    char *error;         /* NULL, or what went wrong */
} nem_fault;

typedef struct nemesis nemesis;

const char *nem_kind_name(nem_kind k);
/* The kind named name, or -1. */
int nem_kind_find(const char *name);
const char *nem_target_name(nem_target t);
int nem_target_find(const char *name);

/* Can c's faults be done with what its cluster says (a pid source for
 * pause, a start command for kill, an admin URL for partition, a faketime
 * file or a start command for clock, a node called target_name, ...)?
 * false with why. */
bool nem_check(const nem_config *c, sbuf *why);

/* Fork the watchdog, then start the nemesis's thread; its clock starts
 * now. NULL with why. Call before any other thread of conch is started:
 * the watchdog is a fork of conch. */
nemesis *nem_start(const nem_config *c, sbuf *why);

/* Readable (an eventfd) when nem_take has an event. */
int nem_fd(const nemesis *n);
/* The next event for the history: its f (new string) and value (new
 * reference); false when none is waiting. */
bool nem_take(nemesis *n, char **f, json_t **value);
/* Undo what is on and start nothing more; returns at once. */
void nem_stop(nemesis *n);
/* Has the nemesis finished (after nem_stop, or after stop_s)? */
bool nem_done(nemesis *n);
/* nem_stop, then wait until everything is undone. */
void nem_finish(nemesis *n);

/* The faults so far. */
const nem_fault *nem_faults(const nemesis *n, size_t *count);

/* nem_finish, then tell the watchdog goodbye and free n. */
void nem_free(nemesis *n);


#endif
