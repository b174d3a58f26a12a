/*
 * mode_session.c - the session mode: the leader modes' machinery
 * (mode_linearizable.c), with writes answered as soon as the leader has
 * applied them, and reads answered by the replica asked.
 *
 * A client's session token is the index of the last write it saw or made.
 * A follower answers a read once it has applied every write up to the
 * token: at once if it has, else when replication catches it up (the op
 * waits in state OP_TOKEN), or not within the timeout. A token beyond every
 * index the leader has issued can never be caught up with: it is refused
 * at once, instead of holding the caller for the timeout.
 */
#include "cluster_int.h"

/* Before any lock: the leader's index only grows, so a token it has
 * issued stays valid; it is read here because a replica's lock is never
 * held together with another's. */
static bool admit(cluster *c, const cluster_req *rq, store_error *err)
{
    if (rq->token <= 0)
        return true;
    int64_t issued = cluster_token(c, LEADER);
    if (rq->token <= issued)
        return true;
    store_error_set(err, STORE_EREJECTED,
                    "session token %lld is beyond every token this store has issued (%lld): "
                    "is it from another run?", (long long)rq->token, (long long)issued);
    return false;
}

/* Under rp's lock: a read of what the replica holds. */
static void local_read(replica *rp, cluster_op *op)
{
    cluster_answer_here(rp, CLUSTER_GET, op->key, op->klen, NULL, 0, &op->res);
}

static void begin(cluster *c, replica *rp, cluster_op *op)
{
    if (rp->id == LEADER || op->kind != CLUSTER_GET)
        cluster_leader_begin(c, rp, op);
    else if (rp->applied >= op->token)
        local_read(rp, op);
    else
        cluster_op_list(rp, op, OP_TOKEN);
}

/* Under a follower's lock, once a batch of messages is in: acknowledge
 * what it applied, and answer the reads it has caught up with. */
static void delivered(cluster *c, replica *rp, int64_t applied_before)
{
    cluster_leader_ack(c, rp, applied_before);
    if (rp->id == LEADER || rp->applied <= applied_before)
        return;
    cluster_op *next;
    for (cluster_op *op = rp->ops; op; op = next) {
        next = op->next;
        if (op->state == OP_TOKEN && op->token <= rp->applied) {
            local_read(rp, op);
            cluster_op_done(rp, op);
        }
    }
}

const cluster_mode_ops cluster_session_ops = {
    .wait_majority = false,
    .admit = admit,
    .begin = begin,
    .deliver = cluster_leader_deliver,
    .delivered = delivered,
    .tick = cluster_leader_tick,
    .token = cluster_leader_token,
    .stamp = cluster_leader_stamp,
    .state = cluster_leader_state,
    .replica_state = cluster_leader_replica_state,
};
