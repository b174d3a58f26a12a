/*
 * runner_txn.c - a list-append txn's life in the runner (adapter_txn.h
 * says the protocol; runner_op.c the life of other ops, whose transport
 * rules a txn's requests share).
 *
 * The txn's micro-ops (["append" k v], ["r" k nil]) name its keys. Step 0
 * reads them all at one point; from what was read the runner works out,
 * micro-op by micro-op, what each read returns (a key's list with the
 * txn's own earlier appends; an absent key is the empty list) and the list
 * each appended key ends with. A txn without appends completes there: its
 * reads are that one read. Otherwise step 1 commits the lists, guarded by
 * every key's version; a key changed meanwhile (nothing was written) sends
 * the txn back to step 0, up to TXN_TRIES times in the op's time.
 *
 * Outcomes, by Jepsen's rule: a txn with appends whose read, or whose last
 * commit, did not succeed for sure (a mismatch, a refusal, a read that
 * failed or timed out, since only the commit writes) is fail; a commit
 * with no clear answer is info. A txn without appends takes its read's
 * outcome. An ok completion records every micro-op with the reads' lists;
 * the others record the txn as invoked.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "adapter_txn.h"
#include "runner_int.h"

enum { TXN_TRIES = 4 };

struct runner_txn {
    VEC(adp_txn_key) keys; /* the txn's keys, each once */
    VEC(val) names;        /* theirs: keys[].key points into the vtab, which moves
                            * as other clients intern, so it is set anew for
                            * each request (names) */
    VEC(uint32_t) of;      /* micro-op j -> its key in keys */
    bool appends;
    int step;              /* 0: the read; 1: the commit */
    int tries;             /* commits sent */
    val done;              /* the ok completion's value, once worked out */
};

/* The micro-ops of c's txn; m[j] is [f k v]. */
static const val *mops(const runner *r, const client *c, size_t *n)
{
    return val_items(r->vt, c->op.value, n);
}

static void name_keys(runner *r, struct runner_txn *t)
{
    for (size_t k = 0; k < t->keys.n; k++)
        t->keys.v[k].key = val_str_bytes(r->vt, t->names.v[k], &t->keys.v[k].len);
}

static void send_read(runner *r, client *c, long left)
{
    struct runner_txn *t = c->txn;
    t->step = 0;
    name_keys(r, t);
    runner_new_request(c, ADP_READ);
    r->c->adapter->txn->read_request(&r->c->aopts, t->keys.v, t->keys.n, &c->req);
    runner_prepare_request(c, left);
}

void runner_txn_start(runner *r, client *c)
{
    if (!c->txn)
        c->txn = xcalloc(1, sizeof *c->txn);
    struct runner_txn *t = c->txn;
    t->keys.n = t->of.n = t->names.n = 0;
    t->appends = false;
    t->tries = 0;
    t->done = val_nil();
    size_t n;
    const val *m = mops(r, c, &n);
    for (size_t j = 0; j < n; j++) {
        const val *x = val_items(r->vt, m[j], &(size_t){0});
        t->appends |= val_is_str(r->vt, x[0], "append");
        uint32_t k = 0;
        while (k < t->names.n && !val_eq(t->names.v[k], x[1]))
            k++;
        if (k == t->names.n) {
            VEC_PUSH(t->keys, ((adp_txn_key){.value = val_nil(), .version = HIST_NONE,
                                             .put = val_nil()}));
            VEC_PUSH(t->names, x[1]);
        }
        VEC_PUSH(t->of, k);
    }
    send_read(r, c, r->c->op_timeout_ms);
}

void runner_txn_response(runner *r, client *c, const adp_resp *resp, adp_result *res)
{
    struct runner_txn *t = c->txn;
    const adp_txn *a = r->c->adapter->txn;
    if (t->step == 0)
        a->read_response(&r->c->aopts, r->vt, resp, t->keys.v, t->keys.n, res);
    else
        a->commit_response(&r->c->aopts, r->vt, resp, res);
}

/* From what step 0 read: the reads' lists and the appended keys' new lists
 * (keys[].put), and the ok completion's value. Returns NULL, or why the
 * txn cannot go on (a key holds no list). */
static const char *work_out(runner *r, client *c)
{
    struct runner_txn *t = c->txn;
    size_t nk = t->keys.n, n;
    VEC(val) *cur = xcalloc(nk ? nk : 1, sizeof *cur); /* each key's list as it goes */
    const char *why = NULL;
    for (size_t k = 0; k < nk && !why; k++) {
        val v = t->keys.v[k].value;
        if (!val_is_nil(v) && v.kind != VAL_LIST) {
            why = "a key holds no list";
            break;
        }
        size_t m;
        const val *items = val_is_nil(v) ? NULL : val_items(r->vt, v, &m);
        for (size_t i = 0; items && i < m; i++)
            VEC_PUSH(cur[k], items[i]);
        t->keys.v[k].put = val_nil();
    }
    /* Interning moves the vtab's items: what is read from it is copied
     * before each val_list. */
    const val *m0 = mops(r, c, &n);
    val *m = xmalloc((n ? n : 1) * sizeof *m), *out = xmalloc((n ? n : 1) * sizeof *out);
    memcpy(m, m0, n * sizeof *m);
    for (size_t j = 0; j < n && !why; j++) {
        uint32_t k = t->of.v[j];
        val x[3];
        memcpy(x, val_items(r->vt, m[j], &(size_t){0}), sizeof x);
        if (val_is_str(r->vt, x[0], "append")) {
            VEC_PUSH(cur[k], x[2]);
            t->keys.v[k].put = val_list(r->vt, cur[k].v, cur[k].n);
            out[j] = m[j];
        } else {
            x[2] = val_list(r->vt, cur[k].v, cur[k].n);
            out[j] = val_list(r->vt, x, 3);
        }
    }
    if (!why)
        t->done = val_list(r->vt, out, n);
    free(out);
    free(m);
    for (size_t k = 0; k < nk; k++)
        free(cur[k].v);
    free(cur);
    return why;
}

/* Complete c's txn: ok with its reads, or as invoked, with why. */
static void finish(runner *r, client *c, hist_type type, const adp_result *res, const char *why,
                   bool refused, int64_t now)
{
    val error = val_nil();
    if (why || res->error.len) {
        sbuf msg = {0};
        if (why && res->error.len)
            sbuf_printf(&msg, "%s: %s", why, sbuf_str(&res->error));
        else
            sbuf_adds(&msg, why ? why : sbuf_str(&res->error));
        error = val_str(r->vt, msg.p ? msg.p : "", msg.len);
        sbuf_free(&msg);
    }
    bool ok = type == EV_OK;
    runner_complete(r, c, type, ok ? c->txn->done : c->op.value, ok ? res->version : HIST_NONE,
                    res->node, error, refused, now);
}

void runner_txn_step(runner *r, client *c, const adp_result *res, bool refused, long left,
                     int64_t now)
{
    struct runner_txn *t = c->txn;
    if (t->step == 0) {
        if (res->type != EV_OK) { /* nothing was written: only a commit writes */
            finish(r, c, t->appends ? EV_FAIL : res->type, res,
                   t->appends ? "the read before the txn's commit" : NULL, refused, now);
            return;
        }
        const char *why = work_out(r, c);
        if (why || !t->appends || left <= 0) {
            finish(r, c, why || (t->appends && left <= 0) ? EV_FAIL : EV_OK, res,
                   why ? why : t->appends ? "no time left for the commit" : NULL, refused, now);
            return;
        }
        t->step = 1;
        t->tries++;
        runner_new_request(c, ADP_CAS);
        name_keys(r, t);
        r->c->adapter->txn->commit_request(&r->c->aopts, r->vt, t->keys.v, t->keys.n, &c->req);
        runner_prepare_request(c, left);
        runner_add_handle(c);
        return;
    }
    if (res->mismatch && t->tries < TXN_TRIES && left > 0) {
        send_read(r, c, left); /* a key changed since: read them again */
        runner_add_handle(c);
        return;
    }
    finish(r, c, res->type, res, NULL, refused, now);
}

void runner_txn_free(client *c)
{
    if (!c->txn)
        return;
    free(c->txn->keys.v);
    free(c->txn->of.v);
    free(c->txn->names.v);
    free(c->txn);
    c->txn = NULL;
}
