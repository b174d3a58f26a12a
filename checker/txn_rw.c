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
    txn_vedge *ver;    /* version orders assumed, sorted by their first version */
    uint32_t *ver_a, *ver_b; /* ... as write ids */
    size_t nver;
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

/* Txn t's part in a version: role 0 it read it; 1 it read it and wrote
 * the key after (its write is a later version); 2 it wrote a later
 * version without reading this one. */
typedef struct pair {
    uint32_t a, t; /* write id (or key id, for nil), txn */
    uint32_t succ; /* role */
} pair;

typedef VEC(pair) pair_vec;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* For each group of pairs with equal a: edges of kind from its readers
 * (roles 0, 1) to its later writers (roles 1, 2). */
static void link_groups(txn_graph *g, pair *p, size_t n, unsigned kind)
{
    if (n > 1)
        qsort(p, n, sizeof *p, cmp_pair);
    uint32_t *src = xmalloc((n ? n : 1) * sizeof *src);
    uint32_t *dst = xmalloc((n ? n : 1) * sizeof *dst);
    for (size_t i = 0; i < n;) {
        size_t ns = 0, nd = 0, j = i;
        for (; j < n && p[j].a == p[i].a; j++) {
            if (p[j].succ != 2)
                src[ns++] = p[j].t;
            if (p[j].succ)
                dst[nd++] = p[j].t;
        }
        txn_graph_all_to_all(g, src, ns, dst, nd, kind);
        i = j;
    }
    free(src);
    free(dst);
}

/* A write id whose version some committed txn left: the txn's last write
 * of the key, by a txn that did not fail. */
static bool installed(const txn_rw *rw, uint32_t wid)
{
    return wid != TXN_NONE && rw->w_final[wid] && rw->db->t[rw->w_txn[wid]].st != OP_FAIL;
}

typedef struct ver_at {
    uint32_t a, i;
} ver_at;

static int cmp_ver(const void *x, const void *y)
{
    const ver_at *p = x, *q = y;
    return p->a != q->a ? (p->a < q->a ? -1 : 1) : (p->i < q->i ? -1 : p->i > q->i);
}

/* Version orders from the assumptions (txn_rwver.c): for a < b, the
 * writer of a -> the writer of b (assumed ww), and every reader of a (in
 * wfr) -> the writer of b (assumed rw). Kept, sorted by a, to explain the
 * edges. Nil (the initial state) is before every version anyway, and an
 * order that puts a version before nil, or before itself, gives no edge. */
static void assumed_orders(txn_rw *rw, txn_graph *g, unsigned assume, const pair_vec *wfr)
{
    const txn_db *db = rw->db;
    size_t n;
    txn_vedge *ve = txn_rwver_edges(db, rw->ext_r, rw->ext_w, rw->not_unique, assume, &n);
    pair_vec ap = {0};
    for (size_t i = 0; i < wfr->n; i++)
        VEC_PUSH(ap, ((pair){wfr->v[i].a, wfr->v[i].t, 0}));
    ver_at *at = xmalloc((n ? n : 1) * sizeof *at);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const tmop *ma = &db->m[ve[i].a], *mb = &db->m[ve[i].b];
        if (val_is_nil(ma->v) || val_is_nil(mb->v) || val_eq(ma->v, mb->v))
            continue;
        uint32_t wa = txn_vidx_get(&rw->idx, ma->key, ma->v);
        uint32_t wb = txn_vidx_get(&rw->idx, mb->key, mb->v);
        if (!installed(rw, wa) || !installed(rw, wb))
            continue;
        txn_graph_edge(g, rw->w_txn[wa], rw->w_txn[wb], TE_AWW);
        VEC_PUSH(ap, ((pair){wa, rw->w_txn[wb], 2}));
        at[k++] = (ver_at){wa, (uint32_t)i};
    }
    if (k > 1)
        qsort(at, k, sizeof *at, cmp_ver);
    rw->ver = xmalloc((k ? k : 1) * sizeof *rw->ver);
    rw->ver_a = xmalloc((k ? k : 1) * sizeof *rw->ver_a);
    rw->ver_b = xmalloc((k ? k : 1) * sizeof *rw->ver_b);
    for (size_t i = 0; i < k; i++) {
        const txn_vedge *v = &ve[at[i].i];
        rw->ver[i] = *v;
        rw->ver_a[i] = at[i].a;
        rw->ver_b[i] = txn_vidx_get(&rw->idx, db->m[v->b].key, db->m[v->b].v);
    }
    rw->nver = k;
    link_groups(g, ap.v, ap.n, TE_ARW);
    free(ap.v);
    free(at);
    free(ve);
}

txn_rw *txn_rw_analyze(const txn_db *db, txn_graph *g, txn_cases *cases, unsigned assume)
{
    txn_rw *rw = xcalloc(1, sizeof *rw);
    rw->db = db;
    rw->not_unique = xcalloc(db->nkeys ? db->nkeys : 1, 1);
    rw->ext_r = xcalloc(db->nm ? db->nm : 1, 1);
    rw->ext_w = xcalloc(db->nm ? db->nm : 1, 1);
    index_writes(rw, cases);
    pair_vec nil = {0}; /* (key, txn): readers of nil, writers of the key */
    pair_vec wfr = {0}; /* (write id, txn): readers of it, writers after it */
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
    if (assume)
        assumed_orders(rw, g, assume, &wfr);
    link_groups(g, nil.v, nil.n, TE_RW);
    link_groups(g, wfr.v, wfr.n, TE_RW);
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
    free(rw->ver);
    free(rw->ver_a);
    free(rw->ver_b);
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

/* An assumed order of version wa before a version b wrote: its index in
 * rw->ver, or -1. */
static long assumed(const txn_rw *rw, uint32_t wa, uint32_t b)
{
    size_t lo = 0, hi = rw->nver;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rw->ver_a[mid] < wa)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < rw->nver && rw->ver_a[lo] == wa; lo++)
        if (rw->w_txn[rw->ver_b[lo]] == b)
            return (long)lo;
    return -1;
}

/* "the txn completed at line 4 (x = 1) before the txn invoked at line 5
 * (x = 2), and keys are taken to be linearizable" */
static void tell_assumed(const txn_rw *rw, const txn_vedge *v, sbuf *out)
{
    const txn_db *db = rw->db;
    const hist_op *o1 = &hist_ops(db->h)[db->t[v->t1].op], *o2 = &hist_ops(db->h)[db->t[v->t2].op];
    const hist_pos *ev = hist_positions(db->h);
    bool proc = v->order == TXN_ORDER_PROCESS;
    if (proc) {
        sbuf_adds(out, "process ");
        val_describe(db->vt, o1->process, out);
        sbuf_adds(out, " ran ");
    }
    sbuf_printf(out, "the txn completed at line %u (", ev[o1->ret].line);
    kv(db, &db->m[v->a], out);
    sbuf_printf(out, ") before the txn %s at line %u (",
                ev[o2->call].implied ? "completed, with no invocation," : "invoked",
                ev[o2->call].line);
    kv(db, &db->m[v->b], out);
    sbuf_printf(out, "), and keys are taken to be %s", proc ? "sequential" : "linearizable");
}

bool txn_rw_why(const txn_rw *rw, uint32_t a, uint32_t b, unsigned kind, const char *an,
                const char *bn, sbuf *out)
{
    const txn_db *db = rw->db;
    kind = txn_kind_data(kind); /* an assumed edge is told by its witness below */
    if (kind == TE_WW) {
        const ttxn *ta = &db->t[a];
        for (uint32_t j = 0; j < ta->nm; j++) {
            uint32_t mi = ta->m0 + j;
            if (!rw->ext_w[mi] || rw->not_unique[db->m[mi].key])
                continue;
            long i = assumed(rw, txn_vidx_get(&rw->idx, db->m[mi].key, db->m[mi].v), b);
            if (i < 0)
                continue;
            sbuf_printf(out, "%s wrote ", an);
            kv(db, &db->m[mi], out);
            sbuf_printf(out, ", and %s wrote ", bn);
            kv(db, &db->m[rw->w_mop[rw->ver_b[i]]], out);
            sbuf_adds(out, ", a later version: ");
            tell_assumed(rw, &rw->ver[i], out);
            sbuf_printf(out, ": %s ww %s", an, bn);
            return true;
        }
        return false;
    }
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
        long i = assumed(rw, txn_vidx_get(&rw->idx, m->key, m->v), b);
        if (i >= 0 && !val_is_nil(m->v)) {
            txn_tell_read(db, an, m, out);
            sbuf_printf(out, ", and %s wrote ", bn);
            kv(db, &db->m[rw->w_mop[rw->ver_b[i]]], out);
            sbuf_adds(out, ", a later version: ");
            tell_assumed(rw, &rw->ver[i], out);
            sbuf_printf(out, ": %s rw %s", an, bn);
            return true;
        }
    }
    return false;
}
