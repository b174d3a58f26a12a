/*
 * runner.h - concurrent clients driving a store, recording the history.
 *
 * Clients are Jepsen's logical processes: each has one operation in flight
 * at a time. All of them run on the calling thread, on one libcurl multi
 * handle (an event loop; no thread per client); each client keeps its own
 * easy handle, so its connection stays alive between operations.
 *
 * Outcomes follow Jepsen's rule: fail only when the op certainly did not
 * take effect. Here that is: a transport error before a byte of the request
 * was sent (refused, unresolvable, a connect timeout), or what the adapter
 * calls a rejection (a cas that did not match, a 4xx the store defines as
 * one). Every other transport error (a timeout or a reset after sending, a
 * body over CL_MAX_BODY) is info, and after an info the client goes on
 * under a new process id (old + number of clients), since the old process
 * may still have an op in the store.
 *
 * A client whose attempt was refused (no connection could be made) backs
 * off before its next op: exponentially, up to the op timeout. Without it a
 * dead member is asked again at once, and its refusals (recorded fail)
 * swamp the history and the rate.
 *
 * Every event records the URL its client used ("url", without user and
 * password); a completion also records the replica that answered, where
 * the store names one ("node": conch serve's n2, etcd's member id).
 *
 * Header values and URL passwords are scrubbed (scrub.h) from response
 * bodies, from every history line and from err's message.
 *
 * Stopping (time or op count reached, *stop set by a signal handler, or the
 * store unreachable): no new invocations; ops in flight get up to their
 * timeout; what is still open after that (or at once when *stop reaches 2)
 * is recorded info. So every invoke in the file has its completion, unless
 * the process was killed. A side (the nemesis) is told to stop then too,
 * and the run ends once it is done as well.
 */
#ifndef CONCH_RUNNER_H
#define CONCH_RUNNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "adapter.h"
#include "client.h"
#include "recorder.h"
#include "workload.h"

typedef struct runner_stats {
    double elapsed_s;
    double total_s;       /* the planned time; 0 when stopping by count */
    uint64_t total_ops;   /* the planned count; 0 when stopping by time */
    /* Completions: ok, fail and info from the store (or a transfer that
     * sent something); refused: attempts that reached no store (no
     * connection could be made), recorded fail. */
    uint64_t invoked, ok, fail, info, refused;
    uint64_t abandoned;   /* of info: ops with no answer when the run ended */
    uint64_t in_flight;
    bool stopping;
} runner_stats;

/* Events of a process beside the clients (the nemesis), recorded in the
 * history as they come: process "nemesis", type info, with f and value as
 * given, timed when the runner takes them. The runner watches fd (readable
 * when take has something), calls stop once as it begins to stop (the run
 * is over: undo what is on), and does not end before done says nothing
 * more will come, taking what comes meanwhile. */
typedef struct runner_side {
    int fd;
    bool (*take)(void *ctx, char **f, json_t **value); /* new string, new reference */
    void (*stop)(void *ctx);
    bool (*done)(void *ctx);
    void *ctx;
} runner_side;

typedef struct runner_config {
    const char *const *urls; /* base URLs, borrowed; at least one */
    size_t nurls;
    const adp_type *adapter;
    adp_opts aopts;
    unsigned clients;        /* >= 1 */
    double time_s;           /* stop invoking after this long; 0: no limit */
    uint64_t ops;            /* or after this many invocations; 0: no limit */
    double rate;             /* invocations a second, all clients; 0: unlimited */
    bool route_random;       /* each op picks a URL; else client i keeps URL i % nurls */
    long op_timeout_ms;
    /* "Name: value" lines sent with every request; borrowed. Their values
     * are credentials: nothing here writes them anywhere. */
    const char *const *headers;
    size_t nheaders;
    const char *cacert, *cert, *key; /* TLS files; NULL: libcurl's defaults */
    bool insecure;                   /* skip TLS peer and host verification */
    wl_config wl;
    const char *history;     /* the file to create */
    rec_fsync fsync;
    _Atomic int *stop;       /* 1: stop invoking; 2: give up on ops in flight too */
    const runner_side *side; /* NULL: none */
    double progress_s;       /* call progress this often; 0: never */
    void (*progress)(void *ctx, const runner_stats *s);
    void *ctx;
} runner_config;

/* Run, recording into c->history. *st is filled in either way (also when
 * the history was recorded but the store was unreachable: CL_EUNREACHABLE,
 * err says which URL and why). */
cl_rc runner_run(const runner_config *c, runner_stats *st, cl_error *err);

/* "http://user:pw@host/x" -> "http://host/x" (into out): URLs as they may
 * be shown or recorded. */
void runner_display_url(const char *url, sbuf *out);

#endif
