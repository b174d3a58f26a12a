/*
 * txn_rwver.c - rw-register version orders from process or real-time
 * order, when the user assumes them (txn_int.h).
 *
 * Elle's rw-register checker can take two assumptions about each key
 * alone (its :sequential-keys? and :linearizable-keys?): if a key is
 * sequentially consistent, a process sees its versions in order; if it is
 * linearizable, a txn that completed before another began saw or wrote an
 * older version of every key both touched. Then the version T1 last had
 * for key k comes before the first version T2 had: T1's external write of
 * k, else its external read; T2's external read, else its external write.
 * An info txn counts by its writes only, and orders nothing after it (it
 * may take effect later), as in txn_graph_orders.
 *
 * Only the nearest pairs are made: per process, each ok txn and the next
 * txn touching the key; per key in real time, as Elle's realtime graph, a
 * buffer of the completed txns no other completed txn follows, each linked
 * to every txn invoked after. Versions ordered through a chain of such
 * pairs are ordered through the chain's edges.
 *
 * The assumption is the user's: strict serializability implies
 * linearizable keys, and strong session serializability sequential ones,
 * so anomalies found with them are real for those models; for weaker
 * models they are real only if the assumption holds.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

/* The micro-ops by which txn t touched key k first and last. */
typedef struct touch {
    uint32_t key, first, last;
} touch;

typedef VEC(txn_vedge) vedge_vec;

/* Each txn's touches, flat: txn t's are tc[off[t] .. off[t+1]). */
static touch *touches(const txn_db *db, const uint8_t *ext_r, const uint8_t *ext_w,
                      const uint8_t *skip, size_t **offp)
{
    VEC(touch) tc = {0};
    size_t *off = xmalloc((db->nt + 1) * sizeof *off);
    uint32_t *slot = txn_nones(db->nkeys), *stamp = txn_nones(db->nkeys);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        off[t] = tc.n;
        if (x->st == OP_FAIL)
            continue;
        for (uint32_t j = 0; j < x->nm; j++) {
            uint32_t mi = x->m0 + j;
            const tmop *m = &db->m[mi];
            if (skip[m->key] || !(ext_r[mi] || ext_w[mi]))
                continue;
            if (stamp[m->key] != t) {
                stamp[m->key] = t;
                slot[m->key] = (uint32_t)tc.n;
                VEC_PUSH(tc, ((touch){m->key, mi, mi}));
            } else if (ext_w[mi]) {
                tc.v[slot[m->key]].last = mi; /* the read came first */
            }
        }
    }
    off[db->nt] = tc.n;
    free(slot);
    free(stamp);
    *offp = off;
    return tc.v;
}

static void by_process(const txn_db *db, const touch *tc, const size_t *off, vedge_vec *out)
{
    /* (key, process) -> the last ok txn of the process that touched it */
    txn_vidx last;
    txn_vidx_init(&last, off[db->nt]);
    uint32_t *who = xmalloc((off[db->nt] ? off[db->nt] : 1) * sizeof *who);
    uint32_t *at = xmalloc((off[db->nt] ? off[db->nt] : 1) * sizeof *at);
    uint32_t n = 0;
    for (uint32_t t = 0; t < db->nt; t++) {
        for (size_t i = off[t]; i < off[t + 1]; i++) {
            val p = val_int(db->t[t].proc);
            uint32_t s = txn_vidx_get(&last, tc[i].key, p);
            if (s != TXN_NONE)
                VEC_PUSH(*out, ((txn_vedge){tc[at[s]].last, tc[i].first, who[s], t,
                                            TXN_ORDER_PROCESS}));
            if (db->t[t].st != OP_OK)
                continue;
            if (s == TXN_NONE)
                s = txn_vidx_put(&last, tc[i].key, p, n++);
            who[s] = t;
            at[s] = (uint32_t)i;
        }
    }
    free(who);
    free(at);
    txn_vidx_free(&last);
}

static void by_realtime(const txn_db *db, const touch *tc, const size_t *off, vedge_vec *out)
{
    const hist_op *ops = hist_ops(db->h);
    size_t nev = hist_nevents(db->h);
    /* event position -> txn + 1, negated for completions */
    int64_t *ev = xcalloc(nev ? nev : 1, sizeof *ev);
    for (uint32_t t = 0; t < db->nt; t++) {
        if (db->t[t].st == OP_FAIL)
            continue;
        ev[ops[db->t[t].op].call] = (int64_t)t + 1;
        if (db->t[t].st == OP_OK && ops[db->t[t].op].ret != HIST_OPEN)
            ev[ops[db->t[t].op].ret] = -((int64_t)t + 1);
    }
    typedef VEC(uint32_t) ubuf;
    ubuf *buf = xcalloc(db->nkeys ? db->nkeys : 1, sizeof *buf); /* txn + touch index */
    for (size_t e = 0; e < nev; e++) {
        if (!ev[e])
            continue;
        uint32_t t = (uint32_t)(ev[e] > 0 ? ev[e] - 1 : -ev[e] - 1);
        for (size_t i = off[t]; i < off[t + 1]; i++) {
            ubuf *b = &buf[tc[i].key];
            if (ev[e] > 0) {
                for (size_t k = 0; k < b->n; k += 2)
                    VEC_PUSH(*out, ((txn_vedge){tc[b->v[k + 1]].last, tc[i].first, b->v[k], t,
                                                TXN_ORDER_REALTIME}));
                continue;
            }
            /* t completed: drop what completed before it began */
            uint32_t call = ops[db->t[t].op].call;
            size_t w = 0;
            for (size_t k = 0; k < b->n; k += 2) {
                if (ops[db->t[b->v[k]].op].ret < call)
                    continue;
                b->v[w++] = b->v[k];
                b->v[w++] = b->v[k + 1];
            }
            b->n = w;
            VEC_PUSH(*b, t);
            VEC_PUSH(*b, (uint32_t)i);
        }
    }
    for (size_t k = 0; k < db->nkeys; k++)
        free(buf[k].v);
    free(buf);
    free(ev);
}

txn_vedge *txn_rwver_edges(const txn_db *db, const uint8_t *ext_r, const uint8_t *ext_w,
                           const uint8_t *skip, unsigned orders, size_t *n)
{
    vedge_vec out = {0};
    size_t *off;
    touch *tc = touches(db, ext_r, ext_w, skip, &off);
    if (orders & TXN_ORDER_PROCESS)
        by_process(db, tc, off, &out);
    if (orders & TXN_ORDER_REALTIME)
        by_realtime(db, tc, off, &out);
    free(tc);
    free(off);
    *n = out.n;
    return out.v;
}
