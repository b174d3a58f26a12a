/*
 * cluster.h - N replicas of a key-value store in one process, with a chosen
 * consistency, talking through net.h. No HTTP here: http.h serves it.
 *
 * Modes (the README's "conch serve" section says what each promises; each
 * is a file of its own, store/mode_*.c):
 *   linearizable  the leader (n1) orders every operation; writes are applied
 *                 there, replicated to the followers and answered once a
 *                 majority has them; followers forward every operation,
 *                 reads included, to the leader. Versions: the leader's write
 *                 index (1, 2, ...), one sequence for all keys.
 *   session       writes as above but answered at once, replicated in the
 *                 background; a replica answers a read itself once it has
 *                 applied every write up to the client's session token.
 *   eventual      every replica reads and writes locally, versions are
 *                 hybrid-logical-clock versions (hlc.h), last writer wins,
 *                 and scuttlebutt gossip (gossip.h) reconciles the replicas.
 *   quorum        Dynamo-style: the replica a client talks to coordinates;
 *                 a read asks all N and answers from the first R (newest
 *                 version wins, stale ones are repaired); a write first reads
 *                 R versions so its own is newer, then waits for W acks.
 *
 * Leader modes keep no log: a follower that finds a gap in the writes it
 * receives (a lost message) asks the leader for a sync, every key written
 * after the last index it applied, and jumps to the leader's index.
 *
 * Threads: cluster_start runs one delivery thread per replica and a ticker
 * (gossip rounds, heartbeats). Operations (cluster_do) block their caller
 * until answered or until timeout_ms. A config with manual set starts no
 * threads: tests deliver messages with cluster_pump and run rounds with
 * cluster_tick, and use cluster_begin/cluster_end to keep operations open.
 *
 * Locking: one mutex per replica guards all of its state; it is held while
 * sending (net.h's lock comes after it) and never together with another
 * replica's.
 */
#ifndef CONCH_CLUSTER_H
#define CONCH_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/sbuf.h"
#include "store.h"

#define CLUSTER_MAX_NODES 64

typedef enum {
    CLUSTER_LINEARIZABLE,
    CLUSTER_SESSION,
    CLUSTER_EVENTUAL,
    CLUSTER_QUORUM
} cluster_mode;

typedef struct cluster_config {
    int n;          /* replicas, 1 .. CLUSTER_MAX_NODES */
    cluster_mode mode;
    int r, w;       /* quorum mode: read and write quorums, 1 .. n */
    int gossip_ms;  /* period of gossip rounds and leader heartbeats, >= 1 */
    int lag_ms;     /* delay of every message between replicas */
    double drop;    /* fraction of messages between replicas lost */
    int timeout_ms; /* how long an operation waits for other replicas */
    uint64_t seed;  /* for message loss and the choice of gossip peers */
    bool manual;    /* start no threads (tests) */
    /* The network's clock (net.h); NULL: the monotonic clock. */
    int64_t (*now_us)(void *ctx);
    void *now_ctx;
} cluster_config;

typedef struct cluster cluster;

typedef enum { CLUSTER_GET, CLUSTER_PUT, CLUSTER_CAS } cluster_kind;

/* An operation. Strings are borrowed for the call; values are canonical JSON
 * texts (kv.h). token: the client's session token, 0 if none. */
typedef struct cluster_req {
    cluster_kind kind;
    const char *key, *val, *old; /* val: PUT's value, CAS's new one */
    size_t klen, vlen, oldlen;
    int64_t token;
} cluster_req;

typedef enum {
    CLUSTER_OK,         /* done: GET found a value, PUT or CAS wrote */
    CLUSTER_NOT_FOUND,  /* GET: the key has no value */
    CLUSTER_CAS_FAILED, /* CAS: the current value differs from old */
    /* err says why: STORE_EUNAVAILABLE, not done or not known to be; or
     * STORE_EREJECTED, refused at once and not done (a bad request). */
    CLUSTER_FAILED,
} cluster_status;

/* An answer. val and err are owned (cluster_res_free): the value read
 * (CLUSTER_OK after a GET) or the current value (CLUSTER_CAS_FAILED; "null"
 * when absent); why it failed (CLUSTER_FAILED; NULL otherwise, so that an
 * answer stays small to copy). */
typedef struct cluster_res {
    cluster_status status;
    char *val;
    size_t vlen;
    int64_t version;  /* the version read or written; 0: none */
    int64_t token;    /* the session token to hand back to the client */
    store_error *err; /* CLUSTER_FAILED */
} cluster_res;

/* An operation in progress (cluster_begin / cluster_end). */
typedef struct cluster_op cluster_op;

const char *cluster_mode_name(cluster_mode m);
/* false if s names no mode. */
bool cluster_mode_parse(const char *s, cluster_mode *out);

/* A cluster with a valid config (the caller checks ranges). Free with
 * cluster_free. */
cluster *cluster_new(const cluster_config *cfg);
/* Start the delivery and ticker threads (not in manual mode). STORE_OK, or
 * STORE_ESYS with err set. */
store_rc cluster_start(cluster *c, store_error *err);
/* Fail every waiting operation and every later one, stop the threads. */
void cluster_close(cluster *c);
/* Close (if not yet) and free. No operation may be running. */
void cluster_free(cluster *c);

const cluster_config *cluster_config_get(const cluster *c);
/* "n1" for node 0, and so on (out holds 12 bytes); -1 if name is no node of c. */
void cluster_node_name(int node, char out[12]);
int cluster_node_index(const cluster *c, const char *name);

/* Run rq at replica node, waiting up to timeout_ms; *out is overwritten.
 * In session mode a token beyond every token the cluster has issued (the
 * leader's index) is rejected at once (STORE_EREJECTED): no replica will
 * ever catch up with it, and waiting for one would hold the caller for
 * timeout_ms. */
void cluster_do(cluster *c, int node, const cluster_req *rq, cluster_res *out);
/* The same in two steps: begin sends what it must and returns; end waits
 * (if wait) for the answer, fills *out (failed with STORE_EUNAVAILABLE if
 * there is none yet) and frees op. */
cluster_op *cluster_begin(cluster *c, int node, const cluster_req *rq);
void cluster_end(cluster *c, cluster_op *op, bool wait, cluster_res *out);
void cluster_res_free(cluster_res *r);
/* Replica node's session token now: in leader modes the index of the last
 * write it applied; otherwise its clock as a version (informative only). */
int64_t cluster_token(cluster *c, int node);

/* Manual mode: deliver every message that is due, until none is left; and
 * one round of gossip (or of heartbeats in leader modes). */
void cluster_pump(cluster *c);
void cluster_tick(cluster *c);

/* Fault injection: group[i] is node i's group (messages between groups are
 * lost); heal joins them again. */
void cluster_partition(cluster *c, const int *group);
void cluster_heal(cluster *c);

/* What replica node holds for key, bypassing every rule (tests, debugging):
 * CLUSTER_OK with value and version, or CLUSTER_NOT_FOUND. */
void cluster_peek(cluster *c, int node, const char *key, size_t klen, cluster_res *out);
/* The state of every replica as a JSON object (GET /admin/state). */
void cluster_state_json(cluster *c, sbuf *out);

#endif
