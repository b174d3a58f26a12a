/*
 * txn_rw.c - rw-register: the dependencies and anomalies its reads and
 * writes reveal (txn_int.h).
 *
 * The idea (Elle, section 4.4): written values are unique per key, so a
 * read names the write it saw (wr). A register's reads do not show its
 * version order; only what the observations force is used (Elle's
 * rw-register inference without its optional assumptions):
 *   - the initial state (nil) comes before every written version, so a
 *     txn that read nil -> every txn that wrote the key (rw);
 *   - writes follow reads within a txn: T read x = v then wrote x = v', so
 *     v < v', and every other txn that read v -> T (rw).
 * A txn's external read of k is its first read of k before it writes k,
 * its external write its last write of k; only those relate it to others.
 *
 * Why the second rule is safe: if T's write came before the version it
 * read, the writer of that version -> T (wr) and T -> that writer (ww)
 * form a G1c cycle, so every model that forbids a cycle with rw edges
 * (G-single, G2 ...: read committed and up) is broken anyway. The rule
 * adds no ww edge (the wr edge from v's writer to T is there already), so
 * it cannot make up a G0 or a G1c.
 *
 * Reads of values of failed txns (G1a), of a write its txn overwrote (G1b,
 * no wr edge, as Elle), of a value nobody wrote (garbage-read), of the
 * txn's own later write (future-read), and internal inconsistency (a read
 * that disagrees with the txn's own earlier read or write of the key) are
 * found on single txns. A key with a value written twice is left out
 * (counted in keys_not_unique).
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

struct txn_rw {
    const txn_db *db;
    txn_vidx idx;      /* (key, value) -> write id */
    uint32_t nw;
    uint32_t *w_mop, *w_txn;
    uint8_t *w_final;  /* the txn's last write of the key */
    uint8_t *not_unique; /* per key */
    uint8_t *ext_r;    /* per micro-op: an external read (ok, known) */
    uint8_t *ext_w;    /* per micro-op: an external write */
};

static void index_writes(txn_rw *rw, txn_cases *cases)
{
    const txn_db *db = rw->db;
    size_t n = 0;
    for (size_t i = 0; i < db->nm; i++)
        n += db->m[i].f == TM_W;
    rw->w_mop = xmalloc((n ? n : 1) * sizeof *rw->w_mop);
    rw->w_txn = xmalloc((n ? n : 1) * sizeof *rw->w_txn);
    rw->w_final = xcalloc(n ? n : 1, 1);
    txn_vidx_init(&rw->idx, n);
    uint32_t *stamp = txn_nones(db->nkeys), *rstamp = txn_nones(db->nkeys),
             *wstamp = txn_nones(db->nkeys);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        for (uint32_t j = 0; j < x->nm; j++) {
            uint32_t mi = x->m0 + j;
            const tmop *m = &db->m[mi];
            if (m->f == TM_R) {
                /* external: the first read, before any write of the key */
                if (x->st == OP_OK && m->known && stamp[m->key] != t && rstamp[m->key] != t)
                    rw->ext_r[mi] = 1;
                rstamp[m->key] = t;
                continue;
            }
            stamp[m->key] = t;
            uint32_t wid = rw->nw;
            uint32_t had = txn_vidx_put(&rw->idx, m->key, m->v, wid);
            if (had != wid) {
                if (!rw->not_unique[m->key]) {
                    rw->not_unique[m->key] = 1;
                    txn_cases_not_unique(cases, db, m->key, m->v, rw->w_txn[had], t);
                }
                continue;
            }
            rw->w_mop[wid] = mi;
            rw->w_txn[wid] = t;
            rw->nw++;
        }
        /* the last write of each key: walk backwards */
        for (uint32_t j = x->nm; j-- > 0;) {
            uint32_t mi = x->m0 + j;
            const tmop *m = &db->m[mi];
            if (m->f != TM_W || wstamp[m->key] == t)
                continue;
            wstamp[m->key] = t;
            rw->ext_w[mi] = 1;
            uint32_t wid = txn_vidx_get(&rw->idx, m->key, m->v);
            if (wid != TXN_NONE && rw->w_mop[wid] == mi)
                rw->w_final[wid] = 1;
        }
    }
    free(stamp);
    free(rstamp);
    free(wstamp);
}

/* Does read r agree with its txn's previous read or write of the key? */
static bool internal_ok(const txn_db *db, const ttxn *x, uint32_t r, uint32_t *prev)
{
    const tmop *rm = &db->m[r];
    for (uint32_t j = r; j-- > x->m0;) {
        const tmop *m = &db->m[j];
        if (m->key != rm->key || (m->f == TM_R && !m->known))
            continue;
        *prev = j;
        return val_eq(m->v, rm->v);
    }
    *prev = TXN_NONE;
    return true;
}

typedef struct pair {
    uint32_t a, t; /* write id or key, txn */
    uint32_t succ; /* the txn also wrote the key after reading */
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* For groups of pairs with equal a: all_to_all(every t, the t's with succ). */
static void link_groups(txn_graph *g, pair *p, size_t n, bool all_writers)
{
    if (n > 1)
        qsort(p, n, sizeof *p, cmp_pair);
    uint32_t *src = xmalloc((n ? n : 1) * sizeof *src);
    uint32_t *dst = xmalloc((n ? n : 1) * sizeof *dst);
    for (size_t i = 0; i < n;) {
        size_t ns = 0, nd = 0, j = i;
        for (; j < n && p[j].a == p[i].a; j++) {
            if (p[j].succ != 2 || !all_writers)
                src[ns++] = p[j].t;
            if (p[j].succ)
                dst[nd++] = p[j].t;
        }
        txn_graph_all_to_all(g, src, ns, dst, nd, TE_RW);
        i = j;
    }
    free(src);
    free(dst);
}

txn_rw *txn_rw_analyze(const txn_db *db, txn_graph *g, txn_cases *cases)
{
    txn_rw *rw = xcalloc(1, sizeof *rw);
    rw->db = db;
    rw->not_unique = xcalloc(db->nkeys ? db->nkeys : 1, 1);
    rw->ext_r = xcalloc(db->nm ? db->nm : 1, 1);
    rw->ext_w = xcalloc(db->nm ? db->nm : 1, 1);
    index_writes(rw, cases);
    VEC(pair) nil = {0};  /* (key, txn): readers of nil (succ 0), writers (succ 2) */
    VEC(pair) wfr = {0};  /* (write id, txn): readers of it; succ 1 if they wrote the key */
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        if (x->st == OP_FAIL)
            continue;
        bool told_internal = false;
        for (uint32_t j = 0; j < x->nm; j++) {
            uint32_t mi = x->m0 + j;
            const tmop *m = &db->m[mi];
            if (rw->not_unique[m->key])
                continue;
            if (m->f == TM_W) {
                if (rw->ext_w[mi])
                    VEC_PUSH(nil, ((pair){m->key, t, 2}));
                continue;
            }
            if (x->st != OP_OK || !m->known)
                continue;
            uint32_t prev;
            if (!told_internal && !internal_ok(db, x, mi, &prev)) {
                txn_cases_add(cases, &(txn_nc){TA_INTERNAL, t, TXN_NONE, mi, prev, val_nil()});
                told_internal = true;
            }
            if (val_is_nil(m->v)) {
                if (rw->ext_r[mi])
                    VEC_PUSH(nil, ((pair){m->key, t, 0}));
                continue;
            }
            uint32_t wid = txn_vidx_get(&rw->idx, m->key, m->v);
            if (wid == TXN_NONE) {
                txn_cases_add(cases, &(txn_nc){TA_GARBAGE_READ, t, TXN_NONE, mi, TXN_NONE, m->v});
                continue;
            }
            uint32_t w = rw->w_txn[wid];
            if (db->t[w].st == OP_FAIL) {
                txn_cases_add(cases, &(txn_nc){TA_G1A, t, w, mi, rw->w_mop[wid], m->v});
                continue;
            }
            if (w == t) {
                if (rw->w_mop[wid] > mi)
                    txn_cases_add(cases,
                                  &(txn_nc){TA_FUTURE_READ, t, t, mi, rw->w_mop[wid], m->v});
                continue;
            }
            if (!rw->w_final[wid]) {
                txn_cases_add(cases, &(txn_nc){TA_G1B, t, w, mi, rw->w_mop[wid], m->v});
                continue;
            }
            if (!rw->ext_r[mi])
                continue;
            txn_graph_edge(g, w, t, TE_WR);
            /* writes follow reads: did t write the key after? */
            uint32_t succ = 0;
            for (uint32_t k = j + 1; k < x->nm; k++)
                if (db->m[x->m0 + k].f == TM_W && db->m[x->m0 + k].key == m->key)
                    succ = 1;
            VEC_PUSH(wfr, ((pair){wid, t, succ}));
        }
    }
    link_groups(g, nil.v, nil.n, true);
    link_groups(g, wfr.v, wfr.n, false);
    free(nil.v);
    free(wfr.v);
    return rw;
}

void txn_rw_free(txn_rw *rw)
{
    if (!rw)
        return;
    txn_vidx_free(&rw->idx);
    free(rw->w_mop);
    free(rw->w_txn);
    free(rw->w_final);
    free(rw->not_unique);
    free(rw->ext_r);
    free(rw->ext_w);
    free(rw);
}

/* ---- why an edge holds ---- */

static void kv(const txn_db *db, const tmop *m, sbuf *out)
{
    txn_tell_key(db, m->key, out);
    sbuf_adds(out, " = ");
    txn_describe(db, m->v, out);
}

/* t's external write of key (micro-op index), or TXN_NONE. */
static uint32_t ext_write(const txn_rw *rw, uint32_t t, uint32_t key)
{
    const ttxn *x = &rw->db->t[t];
    for (uint32_t j = 0; j < x->nm; j++)
        if (rw->ext_w[x->m0 + j] && rw->db->m[x->m0 + j].key == key)
            return x->m0 + j;
    return TXN_NONE;
}

bool txn_rw_why(const txn_rw *rw, uint32_t a, uint32_t b, unsigned kind, const char *an,
                const char *bn, sbuf *out)
{
    const txn_db *db = rw->db;
    if (kind == TE_WR) {
        const ttxn *tb = &db->t[b];
        for (uint32_t j = 0; j < tb->nm; j++) {
            uint32_t mi = tb->m0 + j;
            const tmop *m = &db->m[mi];
            if (!rw->ext_r[mi] || val_is_nil(m->v) || rw->not_unique[m->key])
                continue;
            uint32_t wid = txn_vidx_get(&rw->idx, m->key, m->v);
            if (wid == TXN_NONE || rw->w_txn[wid] != a)
                continue;
            txn_tell_read(db, bn, m, out);
            sbuf_printf(out, ", which %s wrote: %s wr %s", an, an, bn);
            return true;
        }
        return false;
    }
    if (kind != TE_RW)
        return false;
    const ttxn *ta = &db->t[a];
    for (uint32_t j = 0; j < ta->nm; j++) {
        uint32_t mi = ta->m0 + j;
        const tmop *m = &db->m[mi];
        if (!rw->ext_r[mi] || rw->not_unique[m->key])
            continue;
        uint32_t bw = ext_write(rw, b, m->key);
        if (bw == TXN_NONE)
            continue;
        if (val_is_nil(m->v)) {
            txn_tell_read(db, an, m, out);
            sbuf_printf(out, " (the initial state), and %s wrote ", bn);
            kv(db, &db->m[bw], out);
            sbuf_printf(out, ", a later version: %s rw %s", an, bn);
            return true;
        }
        /* b read the same version, then wrote the key */
        const ttxn *tb = &db->t[b];
        for (uint32_t i = 0; i < tb->nm; i++) {
            uint32_t bi = tb->m0 + i;
            if (!rw->ext_r[bi] || db->m[bi].key != m->key || !val_eq(db->m[bi].v, m->v) ||
                bi > bw)
                continue;
            txn_tell_read(db, an, m, out);
            sbuf_printf(out, ", and %s read it too, then wrote ", bn);
            kv(db, &db->m[bw], out);
            sbuf_printf(out, ", a later version: %s rw %s", an, bn);
            return true;
        }
    }
    return false;
}
