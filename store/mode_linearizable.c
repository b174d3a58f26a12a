/*
 * mode_linearizable.c - the leader modes' machinery, and the linearizable
 * mode's table; mode_session.c reuses the machinery with its own reads.
 *
 * The leader (n1) orders every write: it applies it at its next index,
 * replicates it to the followers (REPL) and, in linearizable mode, answers
 * once a majority has applied it: a write waiting for acks is a waiter
 * (index, entry node, op id), answered when the commit index (the highest
 * index a majority has applied) reaches it. Followers forward every
 * operation to the leader (FWD) and relay its answer (FWD_REPLY); reads
 * are answered by the leader from what it has applied, which is at least
 * every write it has answered.
 *
 * No log is kept: a follower that finds a gap in the writes it receives (a
 * lost message, or a heartbeat ahead of it) asks the leader for a sync,
 * every key written after the last index it applied, and jumps to the
 * leader's index. docs/serve.md says why that is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "cluster_int.h"

/* Under the leader's lock: the highest index a majority has applied; the
 * writes it commits are answered. */
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
            cluster_op *op = cluster_op_find(L, w->req, OP_COMMIT);
            if (op) {
                cluster_res_set(&op->res, CLUSTER_OK, NULL, 0, w->idx);
                cluster_op_done(L, op);
            }
        } else {
            msg *m = cluster_msg_new(M_FWD_REPLY, w->req, L->applied);
            m->res.status = CLUSTER_OK;
            m->res.version = w->idx;
            cluster_send(c, L->id, w->from, m);
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
        cluster_op_done(L, op);
    } else {
        msg *m = cluster_msg_new(M_FWD_REPLY, req, L->applied);
        m->res = *res;
        cluster_send(c, L->id, from, m);
    }
    memset(res, 0, sizeof *res);
}

/* Under the leader's lock: apply a write at the next index and send it to
 * every follower; the index. */
static int64_t leader_write(cluster *c, replica *L, const char *key, size_t klen,
                            const char *val, size_t vlen)
{
    int64_t idx = ++L->applied;
    kv_merge(L->tab, key, klen, val, vlen, idx);
    /* Sent under the lock, so every follower's inbox holds writes in index
     * order (net.h's links are FIFO). */
    for (int i = 0; i < c->cfg.n; i++) {
        if (i == L->id)
            continue;
        msg *m = cluster_msg_new(M_REPL, 0, idx);
        m->key = cluster_dupn(key, klen);
        m->klen = klen;
        m->val = cluster_dupn(val, vlen);
        m->vlen = vlen;
        cluster_send(c, L->id, i, m);
    }
    return idx;
}

/* Under the leader's lock: run an operation from node from (op: the local op
 * when from is the leader itself; NULL for a forwarded one). */
static void leader_exec(cluster *c, replica *L, cluster_op *op, int from, uint64_t req,
                        cluster_kind kind, const char *key, size_t klen, const char *val,
                        size_t vlen, const char *old, size_t oldlen)
{
    cluster_res res = {0};
    if (cluster_answer_here(L, kind, key, klen, old, oldlen, &res)) {
        leader_answer(c, L, op, from, req, &res);
        return;
    }
    int64_t idx = leader_write(c, L, key, klen, val, vlen);
    if (!c->mode->wait_majority) {
        cluster_res_set(&res, CLUSTER_OK, NULL, 0, idx);
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
        cluster_op_list(L, op, OP_COMMIT);
    leader_advance(c, L); /* a cluster of one commits at once */
}

/* Under a follower's lock: send op to the leader and wait for its answer,
 * or fail at once if the leader cannot be reached. */
static void forward(cluster *c, replica *rp, cluster_op *op)
{
    if (!net_reachable(c->nt, rp->id, LEADER)) {
        cluster_res_fail(&op->res, STORE_EUNAVAILABLE,
                         "the leader n1 is unreachable from n%d (partition)", rp->id + 1);
        return;
    }
    msg *m = cluster_msg_new(M_FWD, op->id, 0);
    m->kind = op->kind;
    m->key = cluster_dupn(op->key, op->klen);
    m->klen = op->klen;
    m->val = cluster_dupn(op->val, op->vlen);
    m->vlen = op->vlen;
    m->old = cluster_dupn(op->old, op->oldlen);
    m->oldlen = op->oldlen;
    cluster_op_list(rp, op, OP_FWD);
    cluster_send(c, rp->id, LEADER, m);
}

void cluster_leader_begin(cluster *c, replica *rp, cluster_op *op)
{
    if (rp->id == LEADER)
        leader_exec(c, rp, op, rp->id, op->id, op->kind, op->key, op->klen, op->val, op->vlen,
                    op->old, op->oldlen);
    else
        forward(c, rp, op);
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
    cluster_send(c, rp->id, LEADER, cluster_msg_new(M_SYNC_REQ, 0, rp->applied));
}

/* Under a follower's lock: take in the leader's writes after its index. */
static void apply_sync(replica *rp, const msg *m)
{
    rp->sync_pending = false;
    if (m->a <= rp->applied)
        return;
    for (size_t i = 0; i < m->items.n; i++) {
        const kv_item *it = &m->items.v[i];
        kv_merge(rp->tab, it->key, it->klen, it->val, it->vlen, it->version);
    }
    rp->applied = m->a;
    rp->st.syncs_applied++;
}

void cluster_leader_deliver(cluster *c, replica *rp, int from, msg *m)
{
    cluster_op *op;
    switch (m->type) {
    case M_FWD:
        leader_exec(c, rp, NULL, from, m->req, m->kind, m->key, m->klen, m->val, m->vlen, m->old,
                    m->oldlen);
        break;
    case M_FWD_REPLY:
        op = cluster_op_find(rp, m->req, OP_FWD);
        if (!op)
            break;
        cluster_res_free(&op->res);
        op->res = m->res;
        memset(&m->res, 0, sizeof m->res);
        if (m->a > op->res.token)
            op->res.token = m->a;
        cluster_op_done(rp, op);
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
        cluster_send(c, rp->id, LEADER, cluster_msg_new(M_ACK, 0, rp->applied));
        break;
    case M_SYNC_REQ: {
        msg *r = cluster_msg_new(M_SYNC, 0, rp->applied);
        kv_items_newer(rp->tab, m->a, &r->items);
        cluster_send(c, rp->id, from, r);
        break;
    }
    case M_SYNC:
        apply_sync(rp, m);
        break;
    }
}

/* A follower acknowledges what it applied once per batch of messages. */
void cluster_leader_ack(cluster *c, replica *rp, int64_t applied_before)
{
    if (rp->id != LEADER && rp->applied > applied_before)
        cluster_send(c, rp->id, LEADER, cluster_msg_new(M_ACK, 0, rp->applied));
}

void cluster_leader_tick(cluster *c)
{
    replica *L = &c->rep[LEADER];
    pthread_mutex_lock(&L->mu);
    for (int i = 1; i < c->cfg.n; i++)
        cluster_send(c, LEADER, i, cluster_msg_new(M_HEARTBEAT, 0, L->applied));
    pthread_mutex_unlock(&L->mu);
}

/* The index of the last write the replica applied. */
int64_t cluster_leader_token(const replica *rp)
{
    return rp->applied;
}

/* Everything this replica has applied, and at least what the answer read
 * or wrote. */
void cluster_leader_stamp(const replica *rp, cluster_res *res)
{
    if (rp->applied > res->token)
        res->token = rp->applied;
    if (res->version > res->token)
        res->token = res->version;
}

void cluster_leader_state(const cluster *c, json_t *obj)
{
    (void)c;
    json_object_set_new(obj, "leader", json_string("n1"));
}

void cluster_leader_replica_state(const cluster *c, const replica *rp, json_t *obj)
{
    (void)c;
    json_object_set_new(obj, "applied", json_integer(rp->applied));
    if (rp->id == LEADER) {
        json_object_set_new(obj, "commit", json_integer(rp->commit));
        return;
    }
    json_object_set_new(obj, "gaps", json_integer((json_int_t)rp->st.gaps));
    json_object_set_new(obj, "syncs_requested", json_integer((json_int_t)rp->st.syncs_requested));
    json_object_set_new(obj, "syncs_applied", json_integer((json_int_t)rp->st.syncs_applied));
}

const cluster_mode_ops cluster_linearizable_ops = {
    .wait_majority = true,
    .begin = cluster_leader_begin,
    .deliver = cluster_leader_deliver,
    .delivered = cluster_leader_ack,
    .tick = cluster_leader_tick,
    .token = cluster_leader_token,
    .stamp = cluster_leader_stamp,
    .state = cluster_leader_state,
    .replica_state = cluster_leader_replica_state,
};
