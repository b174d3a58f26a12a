/*
 * cluster.c - see cluster.h.
 *
 * Every operation starts at its entry replica as a cluster_op. It either finishes
 * there at once (eventual mode, reads at the leader, a session read whose
 * token is already applied) or waits in the replica's list of open ops for
 * messages: a forwarded operation for the leader's reply, a leader write in
 * linearizable mode for a majority of acks, a session read for the replica
 * to catch up, a quorum operation for its replies. Whoever finishes an op
 * does so under the replica's lock and signals the op's condition; the
 * caller's thread waits on it with a deadline and, if the deadline passes
 * first, takes the op off the list, so a late reply finds nothing (replies
 * look ops up by id, never by pointer).
 *
 * The leader answers a forwarded write by a reply message; a write waiting
 * for acks is a waiter (index, entry node, op id), answered when the commit
 * index (the highest index a majority has applied) reaches it.
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
#include "cluster.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/rng.h"
#include "gossip.h"
#include "hlc.h"
#include "kv.h"
#include "net.h"

#define LEADER 0
/* Most entries a gossip delta carries. */
#define DELTA_CAP 4096

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

struct cluster {
    cluster_config cfg;
    net *nt;
    replica *rep;
    atomic_bool closing;
    bool started;
    pthread_t ticker;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;
    uint64_t rng; /* gossip peer choice; used by the ticker only */
    uint64_t seed;
};

static const char *const mode_names[] = {"linearizable", "session", "eventual", "quorum"};

const char *cluster_mode_name(cluster_mode m)
{
    return mode_names[m];
}

bool cluster_mode_parse(const char *s, cluster_mode *out)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, mode_names[i])) {
            *out = (cluster_mode)i;
            return true;
        }
    return false;
}

void cluster_node_name(int node, char out[12])
{
    snprintf(out, 12, "n%u", (unsigned)(node + 1) % 100000u);
}

int cluster_node_index(const cluster *c, const char *name)
{
    if (name[0] != 'n' || name[1] < '1' || name[1] > '9')
        return -1;
    char *end;
    long i = strtol(name + 1, &end, 10);
    if (*end || i < 1 || i > c->cfg.n)
        return -1;
    return (int)i - 1;
}

const cluster_config *cluster_config_get(const cluster *c)
{
    return &c->cfg;
}

static bool leader_mode(const cluster *c)
{
    return c->cfg.mode == CLUSTER_LINEARIZABLE || c->cfg.mode == CLUSTER_SESSION;
}

static char *dupn(const char *s, size_t n)
{
    return s ? xstrndup(s, n) : NULL;
}

/* ---- messages ---- */

static void msg_free(void *body)
{
    msg *m = body;
    if (!m)
        return;
    free(m->key);
    free(m->val);
    free(m->old);
    cluster_res_free(&m->res);
    kv_items_free(&m->items);
    gossip_delta_free(&m->delta);
    free(m->digest);
    free(m);
}

static msg *msg_new(int type, uint64_t req, int64_t a)
{
    msg *m = xcalloc(1, sizeof *m);
    m->type = type;
    m->req = req;
    m->a = a;
    return m;
}

/* Forwarded operations and their answers are client traffic: --drop loses
 * replication messages only (partitions still cut everything). */
static void send_msg(cluster *c, int from, int to, msg *m)
{
    net_send(c->nt, from, to, m, m->type != M_FWD && m->type != M_FWD_REPLY);
}

/* ---- results and ops ---- */

void cluster_res_free(cluster_res *r)
{
    free(r->val);
    r->val = NULL;
    r->vlen = 0;
}

static void res_set(cluster_res *r, cluster_status st, const char *val, size_t vlen,
                    int64_t version)
{
    cluster_res_free(r);
    r->status = st;
    r->val = dupn(val, vlen);
    r->vlen = val ? vlen : 0;
    r->version = version;
}

static void res_fail(cluster_res *r, store_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void res_fail(cluster_res *r, store_rc rc, const char *fmt, ...)
{
    cluster_res_free(r);
    r->status = CLUSTER_FAILED;
    r->version = 0;
    va_list ap;
    va_start(ap, fmt);
    store_error_vset(&r->err, rc, fmt, ap);
    va_end(ap);
}

static void op_list(replica *rp, cluster_op *op, int state)
{
    op->state = state;
    if (op->listed)
        return;
    op->listed = true;
    op->prev = NULL;
    op->next = rp->ops;
    if (rp->ops)
        rp->ops->prev = op;
    rp->ops = op;
}

static void op_unlist(replica *rp, cluster_op *op)
{
    if (!op->listed)
        return;
    if (op->prev)
        op->prev->next = op->next;
    else
        rp->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    op->listed = false;
    op->prev = op->next = NULL;
}

static cluster_op *op_find(replica *rp, uint64_t id, int state)
{
    for (cluster_op *op = rp->ops; op; op = op->next)
        if (op->id == id)
            return op->state == state ? op : NULL;
    return NULL;
}

/* Under rp->mu: op has its answer in op->res. */
static void op_done(replica *rp, cluster_op *op)
{
    op_unlist(rp, op);
    op->state = OP_DONE;
    pthread_cond_signal(&op->cv);
}

static void op_free(cluster_op *op)
{
    free(op->key);
    free(op->val);
    free(op->old);
    free(op->seen_version);
    free(op->best_val);
    cluster_res_free(&op->res);
    pthread_cond_destroy(&op->cv);
    free(op);
}

/* ---- leader modes ---- */

/* The text a missing key compares as in a CAS: absent equals null. */
static const char null_text[] = "null";

static bool cas_matches(const kv_entry *cur, bool found, const char *old, size_t oldlen)
{
    const char *v = found ? cur->val : null_text;
    size_t n = found ? cur->vlen : sizeof null_text - 1;
    return n == oldlen && !memcmp(v, old, n);
}

/* Under the leader's lock: the highest index a majority has applied. */
static void leader_advance(cluster *c, replica *L)
{
    int n = c->cfg.n;
    int64_t v[CLUSTER_MAX_NODES];
    v[0] = L->applied;
    for (int i = 1; i < n; i++)
        v[i] = L->match[i];
    /* the (n/2+1)-th largest */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (v[j] > v[i]) {
                int64_t t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
    int64_t commit = v[n / 2];
    if (commit <= L->commit)
        return;
    L->commit = commit;
    while (L->wait_head && L->wait_head->idx <= commit) {
        waiter *w = L->wait_head;
        L->wait_head = w->next;
        if (!L->wait_head)
            L->wait_tail = NULL;
        if (w->from == L->id) {
            cluster_op *op = op_find(L, w->req, OP_COMMIT);
            if (op) {
                res_set(&op->res, CLUSTER_OK, NULL, 0, w->idx);
                op_done(L, op);
            }
        } else {
            msg *m = msg_new(M_FWD_REPLY, w->req, L->applied);
            m->res.status = CLUSTER_OK;
            m->res.version = w->idx;
            send_msg(c, L->id, w->from, m);
        }
        free(w);
    }
}

/* Under the leader's lock: answer (from, req) with res, to the local op or
 * by message. Takes res's value. */
static void leader_answer(cluster *c, replica *L, cluster_op *op, int from, uint64_t req,
                          cluster_res *res)
{
    if (op) {
        cluster_res_free(&op->res);
        op->res = *res;
        op_done(L, op);
    } else {
        msg *m = msg_new(M_FWD_REPLY, req, L->applied);
        m->res = *res;
        send_msg(c, L->id, from, m);
    }
    memset(res, 0, sizeof *res);
}

/* Under the leader's lock: run an operation from node from (op: the local op
 * when from is the leader itself; NULL for a forwarded one). */
static void leader_exec(cluster *c, replica *L, cluster_op *op, int from, uint64_t req,
                        cluster_kind kind, const char *key, size_t klen, const char *val,
                        size_t vlen, const char *old, size_t oldlen)
{
    cluster_res res = {0};
    kv_entry e;
    bool found = kv_get(L->tab, key, klen, &e);
    if (kind == CLUSTER_GET) {
        if (found)
            res_set(&res, CLUSTER_OK, e.val, e.vlen, e.version);
        else
            res_set(&res, CLUSTER_NOT_FOUND, NULL, 0, 0);
        leader_answer(c, L, op, from, req, &res);
        return;
    }
    if (kind == CLUSTER_CAS && !cas_matches(&e, found, old, oldlen)) {
        if (found)
            res_set(&res, CLUSTER_CAS_FAILED, e.val, e.vlen, e.version);
        else
            res_set(&res, CLUSTER_CAS_FAILED, null_text, sizeof null_text - 1, 0);
        leader_answer(c, L, op, from, req, &res);
        return;
    }
    int64_t idx = ++L->applied;
    kv_merge(L->tab, key, klen, val, vlen, idx);
    /* Sent under the lock, so every follower's inbox holds writes in index
     * order (net.h's links are FIFO). */
    for (int i = 0; i < c->cfg.n; i++) {
        if (i == L->id)
            continue;
        msg *m = msg_new(M_REPL, 0, idx);
        m->key = dupn(key, klen);
        m->klen = klen;
        m->val = dupn(val, vlen);
        m->vlen = vlen;
        send_msg(c, L->id, i, m);
    }
    if (c->cfg.mode == CLUSTER_SESSION) {
        res_set(&res, CLUSTER_OK, NULL, 0, idx);
        leader_answer(c, L, op, from, req, &res);
        return;
    }
    waiter *w = xmalloc(sizeof *w);
    *w = (waiter){NULL, idx, from, req};
    if (L->wait_tail)
        L->wait_tail->next = w;
    else
        L->wait_head = w;
    L->wait_tail = w;
    if (op)
        op_list(L, op, OP_COMMIT);
    leader_advance(c, L); /* a cluster of one commits at once */
}

/* Under a follower's lock: a session read whose token is applied. */
static void local_read(replica *rp, cluster_op *op)
{
    kv_entry e;
    if (kv_get(rp->tab, op->key, op->klen, &e))
        res_set(&op->res, CLUSTER_OK, e.val, e.vlen, e.version);
    else
        res_set(&op->res, CLUSTER_NOT_FOUND, NULL, 0, 0);
}

/* Under a follower's lock: answer the session reads the replica has caught
 * up with. */
static void wake_token_reads(replica *rp)
{
    cluster_op *next;
    for (cluster_op *op = rp->ops; op; op = next) {
        next = op->next;
        if (op->state == OP_TOKEN && op->token <= rp->applied) {
            local_read(rp, op);
            op_done(rp, op);
        }
    }
}

/* Under a follower's lock: the follower knows it misses writes; ask the
 * leader for a sync, unless it asked already and the answer may still come
 * (it is due within a round trip; 20 ms more for a busy leader). */
static void ask_sync(cluster *c, replica *rp)
{
    int64_t now = net_now(c->nt);
    int64_t every = (2 * (int64_t)c->cfg.lag_ms + 20) * 1000;
    if (rp->sync_pending && now - rp->sync_asked_us < every)
        return;
    rp->sync_asked_us = now;
    rp->sync_pending = true;
    rp->st.syncs_requested++;
    send_msg(c, rp->id, LEADER, msg_new(M_SYNC_REQ, 0, rp->applied));
}

/* ---- quorum mode ---- */

static void quorum_write(cluster *c, replica *rp, cluster_op *op);

/* Under the coordinator's lock: R replies are in. */
static void quorum_read_done(cluster *c, replica *rp, cluster_op *op)
{
    /* Read repair: replicas that answered with an older version get the
     * newest one. */
    if (op->best_found) {
        for (int i = 0; i < c->cfg.n; i++) {
            if (op->seen_version[i] < 0 || op->seen_version[i] >= op->best_version)
                continue;
            rp->st.repairs++;
            if (i == rp->id) {
                kv_merge(rp->tab, op->key, op->klen, op->best_val, op->best_vlen,
                         op->best_version);
                continue;
            }
            msg *m = msg_new(M_QWRITE, 0, op->best_version);
            m->key = dupn(op->key, op->klen);
            m->klen = op->klen;
            m->val = dupn(op->best_val, op->best_vlen);
            m->vlen = op->best_vlen;
            send_msg(c, rp->id, i, m);
        }
    }
    const char *cur = op->best_found ? op->best_val : null_text;
    size_t curlen = op->best_found ? op->best_vlen : sizeof null_text - 1;
    switch (op->kind) {
    case CLUSTER_GET:
        if (op->best_found)
            res_set(&op->res, CLUSTER_OK, op->best_val, op->best_vlen, op->best_version);
        else
            res_set(&op->res, CLUSTER_NOT_FOUND, NULL, 0, 0);
        op_done(rp, op);
        return;
    case CLUSTER_CAS:
        if (curlen != op->oldlen || memcmp(cur, op->old, curlen)) {
            res_set(&op->res, CLUSTER_CAS_FAILED, cur, curlen,
                    op->best_found ? op->best_version : 0);
            op_done(rp, op);
            return;
        }
        /* fall through */
    case CLUSTER_PUT:
        quorum_write(c, rp, op);
        return;
    }
}

static void send_qwrite(cluster *c, replica *rp, cluster_op *op, int to)
{
    msg *m = msg_new(M_QWRITE, op->id, op->res.version);
    m->key = dupn(op->key, op->klen);
    m->klen = op->klen;
    m->val = dupn(op->val, op->vlen);
    m->vlen = op->vlen;
    send_msg(c, rp->id, to, m);
}

/* Under the coordinator's lock: write op's value (PUT's, or CAS's new one)
 * at a version newer than every one the read phase saw, and wait for W acks
 * (its own included). */
static void quorum_write(cluster *c, replica *rp, cluster_op *op)
{
    uint64_t ts = hlc_recv(&rp->clock, op->best_found ? hlc_version_ts(op->best_version) : 0,
                           hlc_wall_ms());
    int64_t v = hlc_version(ts, rp->id);
    kv_merge(rp->tab, op->key, op->klen, op->val, op->vlen, v);
    gossip_wrote(&rp->g, v);
    op->replies = 1;
    op->acked = (uint64_t)1 << rp->id;
    op->res.version = v;
    for (int i = 0; i < c->cfg.n; i++)
        if (i != rp->id)
            send_qwrite(c, rp, op, i);
    if (op->replies >= c->cfg.w) {
        res_set(&op->res, CLUSTER_OK, NULL, 0, v);
        op_done(rp, op);
    } else {
        op_list(rp, op, OP_QWRITE);
    }
}

/* Under the coordinator's lock: one more reply to the read phase. */
static void quorum_reply(cluster *c, replica *rp, cluster_op *op, int from, bool found,
                         const char *val, size_t vlen, int64_t version)
{
    if (op->seen_version[from] >= 0 || op->replies >= c->cfg.r)
        return;
    op->seen_version[from] = found ? version : 0;
    op->replies++;
    if (found && (!op->best_found || version > op->best_version)) {
        free(op->best_val);
        op->best_val = dupn(val, vlen);
        op->best_vlen = vlen;
        op->best_version = version;
        op->best_found = true;
    }
    if (op->replies == c->cfg.r)
        quorum_read_done(c, rp, op);
}

static void send_qread(cluster *c, replica *rp, cluster_op *op, int to)
{
    msg *m = msg_new(M_QREAD, op->id, 0);
    m->key = dupn(op->key, op->klen);
    m->klen = op->klen;
    send_msg(c, rp->id, to, m);
}

/* Under the coordinator's lock (every round, from cluster_tick): ask again
 * the replicas that have not answered, in case a message was lost. Replies
 * count once per replica. */
static void quorum_resend(cluster *c, replica *rp, cluster_op *op)
{
    for (int i = 0; i < c->cfg.n; i++) {
        if (i == rp->id)
            continue;
        if (op->state == OP_QREAD && op->seen_version[i] < 0)
            send_qread(c, rp, op, i);
        else if (op->state == OP_QWRITE && !(op->acked & ((uint64_t)1 << i)))
            send_qwrite(c, rp, op, i);
    }
}

static void quorum_begin(cluster *c, replica *rp, cluster_op *op)
{
    op->seen_version = xmalloc((size_t)c->cfg.n * sizeof *op->seen_version);
    for (int i = 0; i < c->cfg.n; i++)
        op->seen_version[i] = -1;
    op_list(rp, op, OP_QREAD);
    for (int i = 0; i < c->cfg.n; i++)
        if (i != rp->id)
            send_qread(c, rp, op, i);
    kv_entry e;
    bool found = kv_get(rp->tab, op->key, op->klen, &e);
    quorum_reply(c, rp, op, rp->id, found, found ? e.val : NULL, found ? e.vlen : 0,
                 found ? e.version : 0);
}

/* ---- eventual mode ---- */

static void eventual_exec(replica *rp, cluster_op *op)
{
    kv_entry e;
    bool found = kv_get(rp->tab, op->key, op->klen, &e);
    if (op->kind == CLUSTER_GET) {
        if (found)
            res_set(&op->res, CLUSTER_OK, e.val, e.vlen, e.version);
        else
            res_set(&op->res, CLUSTER_NOT_FOUND, NULL, 0, 0);
        return;
    }
    if (op->kind == CLUSTER_CAS && !cas_matches(&e, found, op->old, op->oldlen)) {
        if (found)
            res_set(&op->res, CLUSTER_CAS_FAILED, e.val, e.vlen, e.version);
        else
            res_set(&op->res, CLUSTER_CAS_FAILED, null_text, sizeof null_text - 1, 0);
        return;
    }
    /* The clock has received every version this replica holds, so the new
     * version is greater than the key's: the write wins locally. */
    int64_t v = hlc_version(hlc_tick(&rp->clock, hlc_wall_ms()), rp->id);
    kv_merge(rp->tab, op->key, op->klen, op->val, op->vlen, v);
    gossip_wrote(&rp->g, v);
    res_set(&op->res, CLUSTER_OK, NULL, 0, v);
}

/* ---- operations ---- */

cluster_op *cluster_begin(cluster *c, int node, const cluster_req *rq)
{
    replica *rp = &c->rep[node];
    /* Read before taking rp's lock: never two replicas' locks at once. The
     * leader's index only grows, so a token it has issued stays valid. */
    int64_t issued = c->cfg.mode == CLUSTER_SESSION && rq->token > 0 ? cluster_token(c, LEADER) : 0;
    cluster_op *op = xcalloc(1, sizeof *op);
    op->node = node;
    op->kind = rq->kind;
    op->key = dupn(rq->key, rq->klen);
    op->klen = rq->klen;
    op->val = dupn(rq->val, rq->vlen);
    op->vlen = rq->vlen;
    op->old = dupn(rq->old, rq->oldlen);
    op->oldlen = rq->oldlen;
    op->token = rq->token;
    op->state = OP_DONE;
    clock_cond_init(&op->cv);

    pthread_mutex_lock(&rp->mu);
    op->id = ++rp->next_id;
    switch (rq->kind) {
    case CLUSTER_GET: rp->st.gets++; break;
    case CLUSTER_PUT: rp->st.puts++; break;
    case CLUSTER_CAS: rp->st.cases++; break;
    }
    if (atomic_load(&c->closing)) {
        res_fail(&op->res, STORE_EUNAVAILABLE, "the store is shutting down");
        goto out;
    }
    if (op->token > issued && c->cfg.mode == CLUSTER_SESSION) {
        res_fail(&op->res, STORE_EREJECTED,
                 "session token %lld is beyond every token this store has issued (%lld): "
                 "is it from another run?", (long long)op->token, (long long)issued);
        goto out;
    }
    switch (c->cfg.mode) {
    case CLUSTER_LINEARIZABLE:
    case CLUSTER_SESSION:
        if (node == LEADER) {
            leader_exec(c, rp, op, node, op->id, op->kind, op->key, op->klen, op->val, op->vlen,
                        op->old, op->oldlen);
        } else if (c->cfg.mode == CLUSTER_SESSION && op->kind == CLUSTER_GET) {
            if (rp->applied >= op->token)
                local_read(rp, op);
            else
                op_list(rp, op, OP_TOKEN);
        } else if (!net_reachable(c->nt, node, LEADER)) {
            res_fail(&op->res, STORE_EUNAVAILABLE,
                     "the leader n1 is unreachable from n%d (partition)", node + 1);
        } else {
            msg *m = msg_new(M_FWD, op->id, 0);
            m->kind = op->kind;
            m->key = dupn(op->key, op->klen);
            m->klen = op->klen;
            m->val = dupn(op->val, op->vlen);
            m->vlen = op->vlen;
            m->old = dupn(op->old, op->oldlen);
            m->oldlen = op->oldlen;
            op_list(rp, op, OP_FWD);
            send_msg(c, node, LEADER, m);
        }
        break;
    case CLUSTER_EVENTUAL:
        eventual_exec(rp, op);
        break;
    case CLUSTER_QUORUM:
        quorum_begin(c, rp, op);
        break;
    }
out:
    pthread_mutex_unlock(&rp->mu);
    return op;
}

static const char *waiting_for(const cluster_op *op)
{
    switch (op->state) {
    case OP_FWD: return "no answer from the leader n1";
    case OP_COMMIT: return "the write was not acknowledged by a majority (it may still take effect)";
    case OP_TOKEN: return "this replica has not caught up with the session token";
    case OP_QREAD: return "too few replicas answered the read";
    case OP_QWRITE: return "too few replicas acknowledged the write (it may still take effect)";
    }
    return "no answer";
}

void cluster_end(cluster *c, cluster_op *op, bool wait, cluster_res *out)
{
    replica *rp = &c->rep[op->node];
    pthread_mutex_lock(&rp->mu);
    if (wait && op->state != OP_DONE) {
        struct timespec dl = clock_deadline_ms(c->cfg.timeout_ms);
        while (op->state != OP_DONE && !atomic_load(&c->closing))
            if (pthread_cond_timedwait(&op->cv, &rp->mu, &dl) == ETIMEDOUT)
                break;
    }
    if (op->state != OP_DONE) {
        if (atomic_load(&c->closing))
            res_fail(&op->res, STORE_EUNAVAILABLE, "the store is shutting down");
        else if (op->state == OP_QREAD || op->state == OP_QWRITE)
            res_fail(&op->res, STORE_EUNAVAILABLE, "%s within %d ms: %d of %d",
                     waiting_for(op), c->cfg.timeout_ms, op->replies,
                     op->state == OP_QREAD ? c->cfg.r : c->cfg.w);
        else
            res_fail(&op->res, STORE_EUNAVAILABLE, "%s within %d ms", waiting_for(op),
                     c->cfg.timeout_ms);
        op_unlist(rp, op);
        op->state = OP_DONE;
    }
    *out = op->res;
    memset(&op->res, 0, sizeof op->res);
    if (out->status == CLUSTER_FAILED && out->err.rc == STORE_EUNAVAILABLE)
        rp->st.unavailable++;
    /* The token the client should hand back: everything this replica has
     * applied, and at least what this answer read or wrote. */
    if (leader_mode(c)) {
        if (rp->applied > out->token)
            out->token = rp->applied;
        if (out->version > out->token)
            out->token = out->version;
    } else {
        out->token = hlc_version(rp->clock.ts, 0);
    }
    pthread_mutex_unlock(&rp->mu);
    op_free(op);
}

int64_t cluster_token(cluster *c, int node)
{
    replica *rp = &c->rep[node];
    pthread_mutex_lock(&rp->mu);
    int64_t t = leader_mode(c) ? rp->applied : hlc_version(rp->clock.ts, 0);
    pthread_mutex_unlock(&rp->mu);
    return t;
}

void cluster_do(cluster *c, int node, const cluster_req *rq, cluster_res *out)
{
    cluster_end(c, cluster_begin(c, node, rq), true, out);
}

/* ---- delivery ---- */

static void deliver_one(cluster *c, replica *rp, net_msg *nm)
{
    msg *m = nm->body;
    int from = nm->from;
    cluster_op *op;
    switch (m->type) {
    case M_FWD:
        leader_exec(c, rp, NULL, from, m->req, m->kind, m->key, m->klen, m->val, m->vlen, m->old,
                    m->oldlen);
        break;
    case M_FWD_REPLY:
        op = op_find(rp, m->req, OP_FWD);
        if (!op)
            break;
        cluster_res_free(&op->res);
        op->res = m->res;
        memset(&m->res, 0, sizeof m->res);
        if (m->a > op->res.token)
            op->res.token = m->a;
        op_done(rp, op);
        break;
    case M_REPL:
        if (m->a == rp->applied + 1) {
            kv_merge(rp->tab, m->key, m->klen, m->val, m->vlen, m->a);
            rp->applied = m->a;
        } else if (m->a > rp->applied + 1) {
            rp->st.gaps++;
            ask_sync(c, rp);
        }
        break;
    case M_ACK:
        if (rp->id == LEADER && m->a > rp->match[from]) {
            rp->match[from] = m->a;
            leader_advance(c, rp);
        }
        break;
    case M_HEARTBEAT:
        if (m->a > rp->applied)
            ask_sync(c, rp);
        send_msg(c, rp->id, LEADER, msg_new(M_ACK, 0, rp->applied));
        break;
    case M_SYNC_REQ: {
        msg *r = msg_new(M_SYNC, 0, rp->applied);
        kv_items_newer(rp->tab, m->a, &r->items);
        send_msg(c, rp->id, from, r);
        break;
    }
    case M_SYNC:
        rp->sync_pending = false;
        if (m->a <= rp->applied)
            break;
        for (size_t i = 0; i < m->items.n; i++) {
            kv_item *it = &m->items.v[i];
            kv_merge(rp->tab, it->key, it->klen, it->val, it->vlen, it->version);
        }
        rp->applied = m->a;
        rp->st.syncs_applied++;
        break;
    case M_DIGEST: {
        rp->st.digests_received++;
        msg *r = msg_new(M_DELTA, 0, 0);
        gossip_delta_build(rp->tab, &rp->g, m->digest, DELTA_CAP, &r->delta);
        bool useful = r->delta.items.n > 0;
        for (int p = 0; p < c->cfg.n && !useful; p++)
            useful = r->delta.claim[p] > m->digest[p];
        if (useful) {
            rp->st.deltas_sent++;
            rp->st.updates_sent += r->delta.items.n;
            send_msg(c, rp->id, from, r);
        } else {
            msg_free(r);
        }
        /* The peer has news for us: ask for it (the third leg of the
         * scuttlebutt exchange). */
        if (gossip_behind(&rp->g, m->digest)) {
            msg *d = msg_new(M_DIGEST, 0, 0);
            d->digest = xmalloc((size_t)c->cfg.n * sizeof *d->digest);
            memcpy(d->digest, rp->g.seen, (size_t)c->cfg.n * sizeof *d->digest);
            rp->st.digests_sent++;
            send_msg(c, rp->id, from, d);
        }
        break;
    }
    case M_DELTA: {
        int64_t max = 0;
        rp->st.deltas_received++;
        rp->st.updates_applied += gossip_delta_apply(rp->tab, &rp->g, &m->delta, &max);
        if (max)
            hlc_recv(&rp->clock, hlc_version_ts(max), hlc_wall_ms());
        break;
    }
    case M_QREAD: {
        kv_entry e;
        msg *r = msg_new(M_QREAD_REP, m->req, 0);
        if (kv_get(rp->tab, m->key, m->klen, &e)) {
            r->found = true;
            r->val = dupn(e.val, e.vlen);
            r->vlen = e.vlen;
            r->a = e.version;
        }
        send_msg(c, rp->id, from, r);
        break;
    }
    case M_QREAD_REP:
        op = op_find(rp, m->req, OP_QREAD);
        if (op)
            quorum_reply(c, rp, op, from, m->found, m->val, m->vlen, m->a);
        break;
    case M_QWRITE:
        kv_merge(rp->tab, m->key, m->klen, m->val, m->vlen, m->a);
        hlc_recv(&rp->clock, hlc_version_ts(m->a), hlc_wall_ms());
        if (m->req)
            send_msg(c, rp->id, from, msg_new(M_QWRITE_ACK, m->req, m->a));
        break;
    case M_QWRITE_ACK:
        op = op_find(rp, m->req, OP_QWRITE);
        if (!op || (op->acked & ((uint64_t)1 << from)))
            break;
        op->acked |= (uint64_t)1 << from;
        if (++op->replies == c->cfg.w) {
            res_set(&op->res, CLUSTER_OK, NULL, 0, op->res.version);
            op_done(rp, op);
        }
        break;
    }
}

/* Deliver a list of messages to replica node, under its lock once; a
 * follower acknowledges what it applied once per list. */
static void deliver(cluster *c, int node, net_msg *list)
{
    replica *rp = &c->rep[node];
    pthread_mutex_lock(&rp->mu);
    int64_t before = rp->applied;
    for (net_msg *m = list; m; m = m->next)
        deliver_one(c, rp, m);
    if (leader_mode(c) && node != LEADER && rp->applied > before) {
        send_msg(c, node, LEADER, msg_new(M_ACK, 0, rp->applied));
        wake_token_reads(rp);
    }
    pthread_mutex_unlock(&rp->mu);
    net_msg_free(c->nt, list);
}

void cluster_pump(cluster *c)
{
    for (bool any = true; any;) {
        any = false;
        for (int i = 0; i < c->cfg.n; i++) {
            net_msg *m = net_take(c->nt, i, net_now(c->nt));
            if (m) {
                deliver(c, i, m);
                any = true;
            }
        }
    }
}

void cluster_tick(cluster *c)
{
    int n = c->cfg.n;
    if (n < 2)
        return;
    if (leader_mode(c)) {
        replica *L = &c->rep[LEADER];
        pthread_mutex_lock(&L->mu);
        for (int i = 1; i < n; i++)
            send_msg(c, LEADER, i, msg_new(M_HEARTBEAT, 0, L->applied));
        pthread_mutex_unlock(&L->mu);
        return;
    }
    /* Each replica sends its digest to one peer picked at random; a quorum
     * coordinator also asks again for the replies it misses. */
    for (int i = 0; i < n; i++) {
        int j = (int)(rng_next(&c->rng) % (uint64_t)(n - 1));
        if (j >= i)
            j++;
        replica *rp = &c->rep[i];
        msg *d = msg_new(M_DIGEST, 0, 0);
        d->digest = xmalloc((size_t)n * sizeof *d->digest);
        pthread_mutex_lock(&rp->mu);
        memcpy(d->digest, rp->g.seen, (size_t)n * sizeof *d->digest);
        rp->st.digests_sent++;
        send_msg(c, i, j, d);
        if (c->cfg.mode == CLUSTER_QUORUM)
            for (cluster_op *op = rp->ops; op; op = op->next)
                quorum_resend(c, rp, op);
        pthread_mutex_unlock(&rp->mu);
    }
}

/* ---- threads ---- */

typedef struct thread_arg {
    cluster *c;
    int node;
} thread_arg;

static void *delivery_main(void *arg)
{
    thread_arg a = *(thread_arg *)arg;
    free(arg);
    net_msg *m;
    while ((m = net_wait(a.c->nt, a.node)))
        deliver(a.c, a.node, m);
    return NULL;
}

static void *ticker_main(void *arg)
{
    cluster *c = arg;
    pthread_mutex_lock(&c->tick_mu);
    while (!atomic_load(&c->closing)) {
        struct timespec dl = clock_deadline_ms(c->cfg.gossip_ms);
        if (pthread_cond_timedwait(&c->tick_cv, &c->tick_mu, &dl) == ETIMEDOUT &&
            !atomic_load(&c->closing)) {
            pthread_mutex_unlock(&c->tick_mu);
            cluster_tick(c);
            pthread_mutex_lock(&c->tick_mu);
        }
    }
    pthread_mutex_unlock(&c->tick_mu);
    return NULL;
}

cluster *cluster_new(const cluster_config *cfg)
{
    cluster *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    /* One step in: the peers a seed has always picked. */
    c->rng = (cfg->seed ^ 0x676f73736970ULL) + RNG_GAMMA;
    net_config nc = {cfg->n, cfg->lag_ms, cfg->drop, cfg->seed, msg_free, cfg->now_us, cfg->now_ctx};
    c->nt = net_new(&nc);
    c->rep = xcalloc((size_t)cfg->n, sizeof *c->rep);
    atomic_init(&c->closing, false);
    pthread_mutex_init(&c->tick_mu, NULL);
    clock_cond_init(&c->tick_cv);
    for (int i = 0; i < cfg->n; i++) {
        replica *rp = &c->rep[i];
        pthread_mutex_init(&rp->mu, NULL);
        rp->id = i;
        rp->tab = kv_new();
        gossip_init(&rp->g, cfg->n);
        rp->match = xcalloc((size_t)cfg->n, sizeof *rp->match);
    }
    return c;
}

store_rc cluster_start(cluster *c, store_error *err)
{
    if (c->cfg.manual || c->started)
        return STORE_OK;
    int rc = 0, i;
    for (i = 0; i < c->cfg.n; i++) {
        thread_arg *a = xmalloc(sizeof *a);
        *a = (thread_arg){c, i};
        rc = pthread_create(&c->rep[i].thread, NULL, delivery_main, a);
        if (rc) {
            free(a);
            goto out;
        }
    }
    rc = pthread_create(&c->ticker, NULL, ticker_main, c);
out:
    if (rc) {
        /* Stop the threads that did start. */
        atomic_store(&c->closing, true);
        net_close(c->nt);
        for (int j = 0; j < i; j++)
            pthread_join(c->rep[j].thread, NULL);
        store_error_set(err, STORE_ESYS, "cannot start the replicas' threads: %s", strerror(rc));
        return STORE_ESYS;
    }
    c->started = true;
    return STORE_OK;
}

void cluster_close(cluster *c)
{
    if (atomic_exchange(&c->closing, true))
        return;
    for (int i = 0; i < c->cfg.n; i++) {
        replica *rp = &c->rep[i];
        pthread_mutex_lock(&rp->mu);
        for (cluster_op *op = rp->ops; op; op = op->next)
            pthread_cond_signal(&op->cv);
        pthread_mutex_unlock(&rp->mu);
    }
    pthread_mutex_lock(&c->tick_mu);
    pthread_cond_broadcast(&c->tick_cv);
    pthread_mutex_unlock(&c->tick_mu);
    net_close(c->nt);
    if (c->started) {
        pthread_join(c->ticker, NULL);
        for (int i = 0; i < c->cfg.n; i++)
            pthread_join(c->rep[i].thread, NULL);
        c->started = false;
    }
}

void cluster_free(cluster *c)
{
    if (!c)
        return;
    cluster_close(c);
    for (int i = 0; i < c->cfg.n; i++) {
        replica *rp = &c->rep[i];
        kv_free(rp->tab);
        gossip_free(&rp->g);
        free(rp->match);
        for (waiter *w = rp->wait_head, *next; w; w = next) {
            next = w->next;
            free(w);
        }
        pthread_mutex_destroy(&rp->mu);
    }
    net_free(c->nt);
    pthread_mutex_destroy(&c->tick_mu);
    pthread_cond_destroy(&c->tick_cv);
    free(c->rep);
    free(c);
}

/* ---- faults and inspection ---- */

void cluster_partition(cluster *c, const int *group)
{
    net_partition(c->nt, group);
}

void cluster_heal(cluster *c)
{
    net_heal(c->nt);
}

void cluster_peek(cluster *c, int node, const char *key, size_t klen, cluster_res *out)
{
    replica *rp = &c->rep[node];
    memset(out, 0, sizeof *out);
    kv_entry e;
    pthread_mutex_lock(&rp->mu);
    if (kv_get(rp->tab, key, klen, &e))
        res_set(out, CLUSTER_OK, e.val, e.vlen, e.version);
    else
        res_set(out, CLUSTER_NOT_FOUND, NULL, 0, 0);
    pthread_mutex_unlock(&rp->mu);
}

/* The partition as lists of node names, groups in order of their first
 * node. */
static json_t *partition_json(const cluster *c)
{
    int n = c->cfg.n, group[CLUSTER_MAX_NODES];
    for (int i = 0; i < n; i++)
        group[i] = net_group(c->nt, i);
    json_t *groups = json_array();
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = group[j] == group[i];
        if (seen)
            continue;
        json_t *g = json_array();
        for (int j = i; j < n; j++) {
            char name[12];
            cluster_node_name(j, name);
            if (group[j] == group[i])
                json_array_append_new(g, json_string(name));
        }
        json_array_append_new(groups, g);
    }
    return groups;
}

/* Under rp's lock: what the replica keeps in a leader mode. */
static void leader_state(const replica *rp, json_t *o)
{
    json_object_set_new(o, "applied", json_integer(rp->applied));
    if (rp->id == LEADER) {
        json_object_set_new(o, "commit", json_integer(rp->commit));
        return;
    }
    json_object_set_new(o, "gaps", json_integer((json_int_t)rp->st.gaps));
    json_object_set_new(o, "syncs_requested", json_integer((json_int_t)rp->st.syncs_requested));
    json_object_set_new(o, "syncs_applied", json_integer((json_int_t)rp->st.syncs_applied));
}

/* Under rp's lock: what the replica keeps for gossip. */
static void gossip_state(const cluster *c, const replica *rp, json_t *o)
{
    const rep_stats *s = &rp->st;
    json_object_set_new(o, "hlc",
                        json_pack("{s:I,s:I}", "ms", (json_int_t)hlc_ms(rp->clock.ts), "logical",
                                  (json_int_t)hlc_logical(rp->clock.ts)));
    json_t *seen = json_object();
    for (int p = 0; p < c->cfg.n; p++) {
        char name[12];
        cluster_node_name(p, name);
        json_object_set_new(seen, name, json_integer(rp->g.seen[p]));
    }
    json_object_set_new(o, "seen", seen);
    json_object_set_new(
        o, "gossip",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "digests_sent", (json_int_t)s->digests_sent,
                  "digests_received", (json_int_t)s->digests_received, "deltas_sent",
                  (json_int_t)s->deltas_sent, "deltas_received", (json_int_t)s->deltas_received,
                  "updates_sent", (json_int_t)s->updates_sent, "updates_applied",
                  (json_int_t)s->updates_applied));
    if (c->cfg.mode == CLUSTER_QUORUM)
        json_object_set_new(o, "read_repairs", json_integer((json_int_t)s->repairs));
}

/* Replica i's state: its keys, what its mode keeps, its counters. */
static json_t *replica_json(cluster *c, int i)
{
    replica *rp = &c->rep[i];
    char name[12];
    cluster_node_name(i, name);
    net_stats ns;
    net_stats_get(c->nt, i, &ns);
    json_t *o = json_object();
    pthread_mutex_lock(&rp->mu);
    const rep_stats *s = &rp->st;
    json_object_set_new(o, "node", json_string(name));
    json_object_set_new(o, "keys", json_integer((json_int_t)kv_count(rp->tab)));
    if (leader_mode(c))
        leader_state(rp, o);
    else
        gossip_state(c, rp, o);
    json_object_set_new(o, "ops",
                        json_pack("{s:I,s:I,s:I,s:I}", "get", (json_int_t)s->gets, "put",
                                  (json_int_t)s->puts, "cas", (json_int_t)s->cases,
                                  "unavailable", (json_int_t)s->unavailable));
    pthread_mutex_unlock(&rp->mu);
    json_object_set_new(o, "messages",
                        json_pack("{s:I,s:I,s:I,s:I}", "sent", (json_int_t)ns.sent, "delivered",
                                  (json_int_t)ns.delivered, "dropped_random",
                                  (json_int_t)ns.dropped_random, "dropped_partition",
                                  (json_int_t)ns.dropped_partition));
    return o;
}

static int dump_to_sbuf(const char *buf, size_t size, void *data)
{
    sbuf_addn(data, buf, size);
    return 0;
}

void cluster_state_json(cluster *c, sbuf *out)
{
    const cluster_config *k = &c->cfg;
    json_t *st = json_object();
    json_object_set_new(st, "mode", json_string(cluster_mode_name(k->mode)));
    json_object_set_new(st, "replicas", json_integer(k->n));
    if (leader_mode(c))
        json_object_set_new(st, "leader", json_string("n1"));
    if (k->mode == CLUSTER_QUORUM) {
        json_object_set_new(st, "r", json_integer(k->r));
        json_object_set_new(st, "w", json_integer(k->w));
    }
    json_object_set_new(st, "gossip_ms", json_integer(k->gossip_ms));
    json_object_set_new(st, "lag_ms", json_integer(k->lag_ms));
    json_object_set_new(st, "drop", json_real(k->drop));
    json_object_set_new(st, "timeout_ms", json_integer(k->timeout_ms));
    /* conch serve's seeds are below 2^63 (--seed takes a long, and the
     * default mixes the time and the process id). */
    json_object_set_new(st, "seed", json_integer((json_int_t)k->seed));
    json_object_set_new(st, "partition", partition_json(c));
    json_t *nodes = json_array();
    for (int i = 0; i < k->n; i++)
        json_array_append_new(nodes, replica_json(c, i));
    json_object_set_new(st, "nodes", nodes);
    json_dump_callback(st, dump_to_sbuf, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(st);
}
