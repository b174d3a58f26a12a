/*
 * cluster.c - see cluster.h; cluster_int.h describes the inside.
 *
 * The core of the cluster, the same in every mode: operations (begin, wait,
 * end), the delivery of messages to replicas, the threads, and the state.
 * What differs by mode it asks the mode's table (c->mode, one file each:
 * mode_linearizable.c, mode_session.c, mode_eventual.c, mode_quorum.c).
 */
#include "cluster_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/rng.h"

static const char *const mode_names[] = {"linearizable", "session", "eventual", "quorum"};
static const cluster_mode_ops *const mode_ops[] = {
    &cluster_linearizable_ops, &cluster_session_ops, &cluster_eventual_ops, &cluster_quorum_ops,
};

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

char *cluster_dupn(const char *s, size_t n)
{
    return s ? xstrndup(s, n) : NULL;
}

/* ---- messages ---- */

void cluster_msg_free(void *body)
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

msg *cluster_msg_new(int type, uint64_t req, int64_t a)
{
    msg *m = xcalloc(1, sizeof *m);
    m->type = type;
    m->req = req;
    m->a = a;
    return m;
}

/* Forwarded operations and their answers are client traffic: --drop loses
 * replication messages only (partitions still cut everything). */
void cluster_send(cluster *c, int from, int to, msg *m)
{
    net_send(c->nt, from, to, m, m->type != M_FWD && m->type != M_FWD_REPLY);
}

/* ---- results and ops ---- */

void cluster_res_free(cluster_res *r)
{
    free(r->val);
    free(r->err);
    r->val = NULL;
    r->vlen = 0;
    r->err = NULL;
}

void cluster_res_set(cluster_res *r, cluster_status st, const char *val, size_t vlen,
                     int64_t version)
{
    cluster_res_free(r);
    r->status = st;
    r->val = cluster_dupn(val, vlen);
    r->vlen = val ? vlen : 0;
    r->version = version;
}

void cluster_res_fail(cluster_res *r, store_rc rc, const char *fmt, ...)
{
    cluster_res_free(r);
    r->status = CLUSTER_FAILED;
    r->version = 0;
    r->err = xmalloc(sizeof *r->err);
    va_list ap;
    va_start(ap, fmt);
    store_error_vset(r->err, rc, fmt, ap);
    va_end(ap);
}

void cluster_op_list(replica *rp, cluster_op *op, int state)
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

cluster_op *cluster_op_find(replica *rp, uint64_t id, int state)
{
    for (cluster_op *op = rp->ops; op; op = op->next)
        if (op->id == id)
            return op->state == state ? op : NULL;
    return NULL;
}

void cluster_op_done(replica *rp, cluster_op *op)
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

bool cluster_answer_here(replica *rp, cluster_kind kind, const char *key, size_t klen,
                         const char *old, size_t oldlen, cluster_res *res)
{
    static const char null_text[] = "null"; /* what an absent key compares as */
    kv_entry e;
    bool found = kv_get(rp->tab, key, klen, &e);
    if (kind == CLUSTER_GET) {
        if (found)
            cluster_res_set(res, CLUSTER_OK, e.val, e.vlen, e.version);
        else
            cluster_res_set(res, CLUSTER_NOT_FOUND, NULL, 0, 0);
        return true;
    }
    if (kind != CLUSTER_CAS)
        return false;
    const char *cur = found ? e.val : null_text;
    size_t curlen = found ? e.vlen : sizeof null_text - 1;
    if (curlen == oldlen && !memcmp(cur, old, curlen))
        return false;
    cluster_res_set(res, CLUSTER_CAS_FAILED, cur, curlen, found ? e.version : 0);
    return true;
}

/* ---- operations ---- */

static cluster_op *op_new(int node, const cluster_req *rq)
{
    cluster_op *op = xcalloc(1, sizeof *op);
    op->node = node;
    op->kind = rq->kind;
    op->key = cluster_dupn(rq->key, rq->klen);
    op->klen = rq->klen;
    op->val = cluster_dupn(rq->val, rq->vlen);
    op->vlen = rq->vlen;
    op->old = cluster_dupn(rq->old, rq->oldlen);
    op->oldlen = rq->oldlen;
    op->token = rq->token;
    op->state = OP_DONE;
    pthread_cond_init(&op->cv, NULL);
    return op;
}

cluster_op *cluster_begin(cluster *c, int node, const cluster_req *rq)
{
    replica *rp = &c->rep[node];
    store_error refusal;
    bool admitted = !c->mode->admit || c->mode->admit(c, rq, &refusal);
    cluster_op *op = op_new(node, rq);
    pthread_mutex_lock(&rp->mu);
    op->id = ++rp->next_id;
    switch (rq->kind) {
    case CLUSTER_GET: rp->st.gets++; break;
    case CLUSTER_PUT: rp->st.puts++; break;
    case CLUSTER_CAS: rp->st.cases++; break;
    }
    if (atomic_load(&c->closing))
        cluster_res_fail(&op->res, STORE_EUNAVAILABLE, "the store is shutting down");
    else if (!admitted)
        cluster_res_fail(&op->res, refusal.rc, "%s", refusal.msg);
    else
        c->mode->begin(c, rp, op);
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

/* Under rp's lock: op has no answer (yet): fail it with what it waited for. */
static void give_up(cluster *c, replica *rp, cluster_op *op)
{
    if (atomic_load(&c->closing))
        cluster_res_fail(&op->res, STORE_EUNAVAILABLE, "the store is shutting down");
    else if (op->state == OP_QREAD || op->state == OP_QWRITE)
        cluster_res_fail(&op->res, STORE_EUNAVAILABLE, "%s within %d ms: %d of %d",
                         waiting_for(op), c->cfg.timeout_ms, op->replies,
                         op->state == OP_QREAD ? c->cfg.r : c->cfg.w);
    else
        cluster_res_fail(&op->res, STORE_EUNAVAILABLE, "%s within %d ms", waiting_for(op),
                         c->cfg.timeout_ms);
    op_unlist(rp, op);
    op->state = OP_DONE;
}

void cluster_end(cluster *c, cluster_op *op, bool wait, cluster_res *out)
{
    replica *rp = &c->rep[op->node];
    pthread_mutex_lock(&rp->mu);
    if (wait && op->state != OP_DONE) {
        struct timespec dl = clock_deadline_ms(c->cfg.timeout_ms);
        while (op->state != OP_DONE && !atomic_load(&c->closing))
            if (clock_wait(&op->cv, &rp->mu, &dl) == ETIMEDOUT)
                break;
    }
    if (op->state != OP_DONE)
        give_up(c, rp, op);
    *out = op->res;
    memset(&op->res, 0, sizeof op->res);
    if (out->status == CLUSTER_FAILED && out->err->rc == STORE_EUNAVAILABLE)
        rp->st.unavailable++;
    c->mode->stamp(rp, out);
    pthread_mutex_unlock(&rp->mu);
    op_free(op);
}

int64_t cluster_token(cluster *c, int node)
{
    replica *rp = &c->rep[node];
    pthread_mutex_lock(&rp->mu);
    int64_t t = c->mode->token(rp);
    pthread_mutex_unlock(&rp->mu);
    return t;
}

void cluster_do(cluster *c, int node, const cluster_req *rq, cluster_res *out)
{
    cluster_end(c, cluster_begin(c, node, rq), true, out);
}

/* ---- delivery ---- */

/* Deliver a list of messages to replica node, under its lock once. */
static void deliver(cluster *c, int node, net_msg *list)
{
    replica *rp = &c->rep[node];
    pthread_mutex_lock(&rp->mu);
    int64_t before = rp->applied;
    for (net_msg *m = list; m; m = m->next)
        c->mode->deliver(c, rp, m->from, m->body);
    if (c->mode->delivered)
        c->mode->delivered(c, rp, before);
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
    if (c->cfg.n >= 2)
        c->mode->tick(c);
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
        if (clock_wait(&c->tick_cv, &c->tick_mu, &dl) == ETIMEDOUT &&
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
    c->mode = mode_ops[cfg->mode];
    /* One step in: the peers a seed has always picked. */
    c->rng = (cfg->seed ^ 0x676f73736970ULL) + RNG_GAMMA;
    net_config nc = {cfg->n,           cfg->lag_ms, cfg->drop,   cfg->seed,
                     cluster_msg_free, cfg->now_us, cfg->now_ctx};
    c->nt = net_new(&nc);
    c->rep = xcalloc((size_t)cfg->n, sizeof *c->rep);
    atomic_init(&c->closing, false);
    pthread_mutex_init(&c->tick_mu, NULL);
    pthread_cond_init(&c->tick_cv, NULL);
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
    pthread_mutex_lock(&rp->mu);
    cluster_answer_here(rp, CLUSTER_GET, key, klen, NULL, 0, out);
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
    c->mode->replica_state(c, rp, o);
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
    if (c->mode->state)
        c->mode->state(c, st);
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
