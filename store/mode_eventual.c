/*
 * mode_eventual.c - the eventual mode, and the scuttlebutt gossip it
 * shares with the quorum mode (mode_quorum.c).
 *
 * Every replica reads, writes and cas's its own table at once. A write's
 * version is the replica's hybrid logical clock (hlc.h) with its id, so
 * the replicas agree on last-writer-wins order; every gossip round each
 * replica sends its digest (gossip.h: the highest version it has seen per
 * origin) to a peer picked at random, which answers with the entries the
 * digest lacks. Replicas converge once writes stop.
 */
#include <string.h>

#include "../util/mem.h"
#include "../util/rng.h"
#include "cluster_int.h"

/* Most entries a gossip delta carries. */
#define DELTA_CAP 4096

static void begin(cluster *c, replica *rp, cluster_op *op)
{
    (void)c;
    if (cluster_answer_here(rp, op->kind, op->key, op->klen, op->old, op->oldlen, &op->res))
        return;
    /* The clock has received every version this replica holds, so the new
     * version is greater than the key's: the write wins locally. */
    int64_t v = hlc_version(hlc_tick(&rp->clock, hlc_wall_ms()), rp->id);
    kv_merge(rp->tab, op->key, op->klen, op->val, op->vlen, v);
    gossip_wrote(&rp->g, v);
    cluster_res_set(&op->res, CLUSTER_OK, NULL, 0, v);
}

/* Under rp's lock: a digest message of rp's seen[]. */
static msg *digest_of(const cluster *c, replica *rp)
{
    msg *d = cluster_msg_new(M_DIGEST, 0, 0);
    d->digest = xmalloc((size_t)c->cfg.n * sizeof *d->digest);
    memcpy(d->digest, rp->g.seen, (size_t)c->cfg.n * sizeof *d->digest);
    rp->st.digests_sent++;
    return d;
}

/* Under rp's lock: answer a peer's digest with what it lacks, and ask it
 * for what it has that rp lacks. */
static void on_digest(cluster *c, replica *rp, int from, const msg *m)
{
    rp->st.digests_received++;
    msg *r = cluster_msg_new(M_DELTA, 0, 0);
    gossip_delta_build(rp->tab, &rp->g, m->digest, DELTA_CAP, &r->delta);
    bool useful = r->delta.items.n > 0;
    for (int p = 0; p < c->cfg.n && !useful; p++)
        useful = r->delta.claim[p] > m->digest[p];
    if (useful) {
        rp->st.deltas_sent++;
        rp->st.updates_sent += r->delta.items.n;
        cluster_send(c, rp->id, from, r);
    } else {
        cluster_msg_free(r);
    }
    /* The peer has news for us: ask for it (the third leg of the
     * scuttlebutt exchange). */
    if (gossip_behind(&rp->g, m->digest))
        cluster_send(c, rp->id, from, digest_of(c, rp));
}

void cluster_gossip_deliver(cluster *c, replica *rp, int from, msg *m)
{
    switch (m->type) {
    case M_DIGEST:
        on_digest(c, rp, from, m);
        break;
    case M_DELTA: {
        int64_t max = 0;
        rp->st.deltas_received++;
        rp->st.updates_applied += gossip_delta_apply(rp->tab, &rp->g, &m->delta, &max);
        if (max)
            hlc_recv(&rp->clock, hlc_version_ts(max), hlc_wall_ms());
        break;
    }
    }
}

void cluster_gossip_round(cluster *c, void (*also)(cluster *c, replica *rp))
{
    int n = c->cfg.n;
    for (int i = 0; i < n; i++) {
        int j = (int)(rng_next(&c->rng) % (uint64_t)(n - 1));
        if (j >= i)
            j++;
        replica *rp = &c->rep[i];
        pthread_mutex_lock(&rp->mu);
        cluster_send(c, i, j, digest_of(c, rp));
        if (also)
            also(c, rp);
        pthread_mutex_unlock(&rp->mu);
    }
}

static void tick(cluster *c)
{
    cluster_gossip_round(c, NULL);
}

/* The replica's clock as a version: informative only (no mode waits for
 * it). */
int64_t cluster_gossip_token(const replica *rp)
{
    return hlc_version(rp->clock.ts, 0);
}

void cluster_gossip_stamp(const replica *rp, cluster_res *res)
{
    res->token = cluster_gossip_token(rp);
}

void cluster_gossip_replica_state(const cluster *c, const replica *rp, json_t *obj)
{
    const rep_stats *s = &rp->st;
    json_object_set_new(obj, "hlc",
                        json_pack("{s:I,s:I}", "ms", (json_int_t)hlc_ms(rp->clock.ts), "logical",
                                  (json_int_t)hlc_logical(rp->clock.ts)));
    json_t *seen = json_object();
    for (int p = 0; p < c->cfg.n; p++) {
        char name[12];
        cluster_node_name(p, name);
        json_object_set_new(seen, name, json_integer(rp->g.seen[p]));
    }
    json_object_set_new(obj, "seen", seen);
    json_object_set_new(
        obj, "gossip",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "digests_sent", (json_int_t)s->digests_sent,
                  "digests_received", (json_int_t)s->digests_received, "deltas_sent",
                  (json_int_t)s->deltas_sent, "deltas_received", (json_int_t)s->deltas_received,
                  "updates_sent", (json_int_t)s->updates_sent, "updates_applied",
                  (json_int_t)s->updates_applied));
}

const cluster_mode_ops cluster_eventual_ops = {
    .begin = begin,
    .deliver = cluster_gossip_deliver,
    .tick = tick,
    .token = cluster_gossip_token,
    .stamp = cluster_gossip_stamp,
    .replica_state = cluster_gossip_replica_state,
};
