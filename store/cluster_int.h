/*
 * cluster_int.h - the inside of cluster.h, shared by the files of the
 * cluster: cluster.c (the core: operations, delivery, threads, state) and
 * one file per consistency mode (mode_linearizable.c, mode_session.c,
 * mode_eventual.c, mode_quorum.c). Nothing outside store/cluster*.c and
 * store/mode_*.c includes it.
 *
 * Every operation starts at its entry replica as a cluster_op. It either
 * finishes there at once (eventual mode, reads at the leader, a session
 * read whose token is already applied) or waits in the replica's list of
 * open ops for messages: a forwarded operation for the leader's reply, a
 * leader write in linearizable mode for a majority of acks, a session read
 * for the replica to catch up, a quorum operation for its replies. Whoever
 * finishes an op does so under the replica's lock (cluster_op_done) and
 * signals the op's condition; the caller's thread waits on it with a
 * deadline and, if the deadline passes first, takes the op off the list,
 * so a late reply finds nothing (replies look ops up by id, never by
 * pointer).
 *
 * A mode is a table of hooks (cluster_mode_ops): how an operation begins
 * at its entry replica, what the mode's messages do when delivered, what a
 * round of the ticker sends, what session token a replica hands out, and
 * what /admin/state shows of a replica. The core calls the table of the
 * cluster's mode and never asks which mode it is.
 *
 * Message kinds, and what the integer field a means in each:
 *   FWD        follower -> leader   an operation to run (kind, key, val, old)
 *   FWD_REPLY  leader -> follower   its answer (res); a: leader's index
 *   REPL       leader -> follower   write a = index: key := val
 *   ACK        follower -> leader   a: the follower's applied index
 *   HEARTBEAT  leader -> follower   a: the leader's index
 *   SYNC_REQ   follower -> leader   a: the follower's applied index
 *   SYNC       leader -> follower   items written after that; a: leader index
 *   DIGEST     any -> any           digest (scuttlebutt)
 *   DELTA      any -> any           delta (scuttlebutt)
 *   QREAD      coord -> replica     read key
 *   QREAD_REP  replica -> coord     found?, val, a: version
 *   QWRITE     coord -> replica     key := val at version a (req 0: a read
 *                                   repair, not acknowledged)
 *   QWRITE_ACK replica -> coord     acknowledged
 */
#ifndef CONCH_CLUSTER_INT_H
#define CONCH_CLUSTER_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "cluster.h"
#include "gossip.h"
#include "hlc.h"
#include "kv.h"
#include "net.h"

#define LEADER 0

enum {
    M_FWD,
    M_FWD_REPLY,
    M_REPL,
    M_ACK,
    M_HEARTBEAT,
    M_SYNC_REQ,
    M_SYNC,
    M_DIGEST,
    M_DELTA,
    M_QREAD,
    M_QREAD_REP,
    M_QWRITE,
    M_QWRITE_ACK,
};

/* A message body. Owns its strings, items, delta and digest. */
typedef struct msg {
    int type;
    uint64_t req;
    int64_t a;
    cluster_kind kind;
    bool found;
    char *key, *val, *old;
    size_t klen, vlen, oldlen;
    cluster_res res;
    kv_items items;
    gossip_delta delta;
    int64_t *digest;
} msg;

/* What an open op waits for; OP_DONE: nothing, its answer is in res. */
enum { OP_DONE, OP_FWD, OP_COMMIT, OP_TOKEN, OP_QREAD, OP_QWRITE };

struct cluster_op {
    struct cluster_op *prev, *next; /* in the replica's list while listed */
    bool listed;
    int state;
    int node;
    uint64_t id;
    cluster_kind kind;
    char *key, *val, *old; /* owned copies */
    size_t klen, vlen, oldlen;
    int64_t token;
    pthread_cond_t cv;
    cluster_res res;
    /* quorum: replies so far and the newest entry among them */
    int replies;
    int64_t *seen_version; /* read phase, per node: version it replied with; -1 none */
    uint64_t acked;        /* write phase: bit i set once node i acknowledged */
    bool best_found;
    char *best_val;
    size_t best_vlen;
    int64_t best_version;
};

/* A leader write waiting for a majority: answer (from, req) at idx. */
typedef struct waiter {
    struct waiter *next;
    int64_t idx;
    int from;
    uint64_t req;
} waiter;

typedef struct rep_stats {
    uint64_t gets, puts, cases, unavailable;
    uint64_t digests_sent, digests_received, deltas_sent, deltas_received;
    uint64_t updates_sent, updates_applied;
    uint64_t gaps, syncs_requested, syncs_applied, repairs;
} rep_stats;

typedef struct replica {
    pthread_mutex_t mu;
    int id;
    kv *tab;
    hlc clock;
    gossip g;
    int64_t applied;       /* leader modes: writes applied, in index order */
    int64_t *match;        /* leader: applied index each follower acked */
    int64_t commit;        /* leader: applied by a majority */
    waiter *wait_head, *wait_tail;
    cluster_op *ops;       /* open ops, most recent first */
    uint64_t next_id;
    int64_t sync_asked_us; /* follower: when it last asked for a sync */
    bool sync_pending;     /* follower: asked, and no sync has arrived since */
    rep_stats st;
    pthread_t thread;
} replica;

typedef struct cluster_mode_ops cluster_mode_ops;

struct cluster {
    cluster_config cfg;
    const cluster_mode_ops *mode;
    net *nt;
    replica *rep;
    atomic_bool closing;
    bool started;
    pthread_t ticker;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;
    uint64_t rng; /* gossip peer choice; used by the ticker only */
};

/* A consistency mode. Hooks marked "under rp's lock" are called with the
 * replica's mutex held and must not take another replica's. */
struct cluster_mode_ops {
    /* Leader modes: is a write answered once a majority has applied it
     * (else as soon as the leader has)? */
    bool wait_majority;
    /* Before any lock: refuse rq at once (false, err set)? NULL: never. */
    bool (*admit)(cluster *c, const cluster_req *rq, store_error *err);
    /* Under rp's lock, rp the entry replica: answer op (cluster_res_set,
     * leaving its state OP_DONE) or list it to wait (cluster_op_list). */
    void (*begin)(cluster *c, replica *rp, cluster_op *op);
    /* Under rp's lock: message m from node from. */
    void (*deliver)(cluster *c, replica *rp, int from, msg *m);
    /* Under rp's lock, after a batch of messages: applied_before is
     * rp->applied before the batch. NULL: nothing to do. */
    void (*delivered)(cluster *c, replica *rp, int64_t applied_before);
    /* One round of heartbeats or gossip (cluster_tick); takes the locks
     * it needs, one replica's at a time. */
    void (*tick)(cluster *c);
    /* Under rp's lock: the replica's session token now. */
    int64_t (*token)(const replica *rp);
    /* Under rp's lock: the token the client gets with answer res. */
    void (*stamp)(const replica *rp, cluster_res *res);
    /* The mode's fields of the cluster, and (under rp's lock) of replica
     * rp, in GET /admin/state. */
    void (*state)(const cluster *c, json_t *obj);
    void (*replica_state)(const cluster *c, const replica *rp, json_t *obj);
};

extern const cluster_mode_ops cluster_linearizable_ops, cluster_session_ops,
    cluster_eventual_ops, cluster_quorum_ops;

/* ---- shared by the modes (cluster.c) ---- */

/* A copy of s[0..n), or NULL if s is. */
char *cluster_dupn(const char *s, size_t n);

msg *cluster_msg_new(int type, uint64_t req, int64_t a);
void cluster_msg_free(void *body);
/* Send m (taken over) from node from to node to. */
void cluster_send(cluster *c, int from, int to, msg *m);

/* Set r's outcome (val is copied). */
void cluster_res_set(cluster_res *r, cluster_status st, const char *val, size_t vlen,
                     int64_t version);
void cluster_res_fail(cluster_res *r, store_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Under rp's lock: list op as waiting in state; find an open op by id and
 * state (NULL if gone or in another state); answer op (its res is set). */
void cluster_op_list(replica *rp, cluster_op *op, int state);
cluster_op *cluster_op_find(replica *rp, uint64_t id, int state);
void cluster_op_done(replica *rp, cluster_op *op);

/* Under rp's lock: the answer kind on key gets from rp's table alone if it
 * is a read, or a cas whose old value does not match (an absent key is
 * "null"); true with *res set then, false if the write should go ahead. */
bool cluster_answer_here(replica *rp, cluster_kind kind, const char *key, size_t klen,
                         const char *old, size_t oldlen, cluster_res *res);

/* ---- what the modes share (mode_linearizable.c, mode_eventual.c) ---- */

/* The leader modes: how an op begins at a replica, the leader's messages,
 * heartbeats, tokens and state. */
void cluster_leader_begin(cluster *c, replica *rp, cluster_op *op);
void cluster_leader_deliver(cluster *c, replica *rp, int from, msg *m);
void cluster_leader_ack(cluster *c, replica *rp, int64_t applied_before);
void cluster_leader_tick(cluster *c);
int64_t cluster_leader_token(const replica *rp);
void cluster_leader_stamp(const replica *rp, cluster_res *res);
void cluster_leader_state(const cluster *c, json_t *obj);
void cluster_leader_replica_state(const cluster *c, const replica *rp, json_t *obj);

/* Scuttlebutt gossip (eventual and quorum modes): its messages, a round in
 * which each replica sends its digest to a random peer and then, still
 * under its lock, runs also (NULL: nothing), tokens and state. */
void cluster_gossip_deliver(cluster *c, replica *rp, int from, msg *m);
void cluster_gossip_round(cluster *c, void (*also)(cluster *c, replica *rp));
int64_t cluster_gossip_token(const replica *rp);
void cluster_gossip_stamp(const replica *rp, cluster_res *res);
void cluster_gossip_replica_state(const cluster *c, const replica *rp, json_t *obj);

#endif
