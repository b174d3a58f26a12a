/*
 * mode_quorum.c - the quorum mode: Dynamo-style N/R/W.
 *
 * The replica a client asks coordinates. A read asks every replica (QREAD)
 * and answers from the first R replies, its own included: the newest
 * version wins, and replicas that replied with an older one are repaired
 * (a QWRITE that needs no ack). A write first reads the same way, so that
 * its version (the coordinator's hybrid logical clock, past every version
 * read) is newer than every version R replicas hold; then it sends the
 * value to every replica (QWRITE) and answers once W have acknowledged,
 * its own included. A cas is that read, a compare at the coordinator, and
 * that write: not atomic. Every ticker round the coordinator asks again
 * the replicas whose reply it misses (a message may have been lost); a
 * reply counts once per replica. Gossip runs as in the eventual mode.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "cluster_int.h"

static void send_qwrite(cluster *c, replica *rp, const cluster_op *op, int to)
{
    msg *m = cluster_msg_new(M_QWRITE, op->id, op->res.version);
    m->key = cluster_dupn(op->key, op->klen);
    m->klen = op->klen;
    m->val = cluster_dupn(op->val, op->vlen);
    m->vlen = op->vlen;
    cluster_send(c, rp->id, to, m);
}

static void send_qread(cluster *c, replica *rp, const cluster_op *op, int to)
{
    msg *m = cluster_msg_new(M_QREAD, op->id, 0);
    m->key = cluster_dupn(op->key, op->klen);
    m->klen = op->klen;
    cluster_send(c, rp->id, to, m);
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
        cluster_res_set(&op->res, CLUSTER_OK, NULL, 0, v);
        cluster_op_done(rp, op);
    } else {
        cluster_op_list(rp, op, OP_QWRITE);
    }
}

/* Under the coordinator's lock: replicas that answered the read with an
 * older version than the newest get the newest one. */
static void read_repair(cluster *c, replica *rp, const cluster_op *op)
{
    if (!op->best_found)
        return;
    for (int i = 0; i < c->cfg.n; i++) {
        if (op->seen_version[i] < 0 || op->seen_version[i] >= op->best_version)
            continue;
        rp->st.repairs++;
        if (i == rp->id) {
            kv_merge(rp->tab, op->key, op->klen, op->best_val, op->best_vlen, op->best_version);
            continue;
        }
        msg *m = cluster_msg_new(M_QWRITE, 0, op->best_version);
        m->key = cluster_dupn(op->key, op->klen);
        m->klen = op->klen;
        m->val = cluster_dupn(op->best_val, op->best_vlen);
        m->vlen = op->best_vlen;
        cluster_send(c, rp->id, i, m);
    }
}

/* Under the coordinator's lock: R replies are in. */
static void read_done(cluster *c, replica *rp, cluster_op *op)
{
    static const char null_text[] = "null";
    read_repair(c, rp, op);
    const char *cur = op->best_found ? op->best_val : null_text;
    size_t curlen = op->best_found ? op->best_vlen : sizeof null_text - 1;
    switch (op->kind) {
    case CLUSTER_GET:
        if (op->best_found)
            cluster_res_set(&op->res, CLUSTER_OK, op->best_val, op->best_vlen, op->best_version);
        else
            cluster_res_set(&op->res, CLUSTER_NOT_FOUND, NULL, 0, 0);
        cluster_op_done(rp, op);
        return;
    case CLUSTER_CAS:
        if (curlen != op->oldlen || memcmp(cur, op->old, curlen)) {
            cluster_res_set(&op->res, CLUSTER_CAS_FAILED, cur, curlen,
                            op->best_found ? op->best_version : 0);
            cluster_op_done(rp, op);
            return;
        }
        /* fall through */
    case CLUSTER_PUT:
        quorum_write(c, rp, op);
        return;
    }
}

/* Under the coordinator's lock: one more reply to the read phase. */
static void read_reply(cluster *c, replica *rp, cluster_op *op, int from, bool found,
                       const char *val, size_t vlen, int64_t version)
{
    if (op->seen_version[from] >= 0 || op->replies >= c->cfg.r)
        return;
    op->seen_version[from] = found ? version : 0;
    op->replies++;
    if (found && (!op->best_found || version > op->best_version)) {
        free(op->best_val);
        op->best_val = cluster_dupn(val, vlen);
        op->best_vlen = vlen;
        op->best_version = version;
        op->best_found = true;
    }
    if (op->replies == c->cfg.r)
        read_done(c, rp, op);
}

static void begin(cluster *c, replica *rp, cluster_op *op)
{
    op->seen_version = xmalloc((size_t)c->cfg.n * sizeof *op->seen_version);
    for (int i = 0; i < c->cfg.n; i++)
        op->seen_version[i] = -1;
    cluster_op_list(rp, op, OP_QREAD);
    for (int i = 0; i < c->cfg.n; i++)
        if (i != rp->id)
            send_qread(c, rp, op, i);
    kv_entry e;
    bool found = kv_get(rp->tab, op->key, op->klen, &e);
    read_reply(c, rp, op, rp->id, found, found ? e.val : NULL, found ? e.vlen : 0,
               found ? e.version : 0);
}

static void deliver(cluster *c, replica *rp, int from, msg *m)
{
    cluster_op *op;
    switch (m->type) {
    case M_QREAD: {
        kv_entry e;
        msg *r = cluster_msg_new(M_QREAD_REP, m->req, 0);
        if (kv_get(rp->tab, m->key, m->klen, &e)) {
            r->found = true;
            r->val = cluster_dupn(e.val, e.vlen);
            r->vlen = e.vlen;
            r->a = e.version;
        }
        cluster_send(c, rp->id, from, r);
        break;
    }
    case M_QREAD_REP:
        op = cluster_op_find(rp, m->req, OP_QREAD);
        if (op)
            read_reply(c, rp, op, from, m->found, m->val, m->vlen, m->a);
        break;
    case M_QWRITE:
        kv_merge(rp->tab, m->key, m->klen, m->val, m->vlen, m->a);
        hlc_recv(&rp->clock, hlc_version_ts(m->a), hlc_wall_ms());
        if (m->req)
            cluster_send(c, rp->id, from, cluster_msg_new(M_QWRITE_ACK, m->req, m->a));
        break;
    case M_QWRITE_ACK:
        op = cluster_op_find(rp, m->req, OP_QWRITE);
        if (!op || (op->acked & ((uint64_t)1 << from)))
            break;
        op->acked |= (uint64_t)1 << from;
        if (++op->replies == c->cfg.w) {
            cluster_res_set(&op->res, CLUSTER_OK, NULL, 0, op->res.version);
            cluster_op_done(rp, op);
        }
        break;
    default:
        cluster_gossip_deliver(c, rp, from, m);
        break;
    }
}

/* Under the coordinator's lock (every round): ask again the replicas that
 * have not answered its open ops, in case a message was lost. */
static void resend(cluster *c, replica *rp)
{
    for (cluster_op *op = rp->ops; op; op = op->next)
        for (int i = 0; i < c->cfg.n; i++) {
            if (i == rp->id)
                continue;
            if (op->state == OP_QREAD && op->seen_version[i] < 0)
                send_qread(c, rp, op, i);
            else if (op->state == OP_QWRITE && !(op->acked & ((uint64_t)1 << i)))
                send_qwrite(c, rp, op, i);
        }
}

static void tick(cluster *c)
{
    cluster_gossip_round(c, resend);
}

static void state(const cluster *c, json_t *obj)
{
    json_object_set_new(obj, "r", json_integer(c->cfg.r));
    json_object_set_new(obj, "w", json_integer(c->cfg.w));
}

static void replica_state(const cluster *c, const replica *rp, json_t *obj)
{
    cluster_gossip_replica_state(c, rp, obj);
    json_object_set_new(obj, "read_repairs", json_integer((json_int_t)rp->st.repairs));
}

const cluster_mode_ops cluster_quorum_ops = {
    .begin = begin,
    .deliver = deliver,
    .tick = tick,
    .token = cluster_gossip_token,
    .stamp = cluster_gossip_stamp,
    .state = state,
    .replica_state = replica_state,
};
