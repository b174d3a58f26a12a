/*
 * txn_append.c - list-append: the dependencies and anomalies its reads
 * reveal (txn_int.h).
 *
 * The idea (Elle, section 4.2): appends are unique per key, and a read of
 * a list shows every append to it before, in order. If every read of key k
 * is a prefix of k's longest read (else: incompatible-order), that longest
 * read is k's version order, as far as anyone saw. Then, with the appends
 * of committed (ok or info) txns in that order:
 *   ww  the writer of each element -> the writer of the next;
 *   wr  the writer of a read's last element -> the reader;
 *   rw  a reader -> the writer of the first element after what it read.
 * An append no read saw (by an ok txn, or an info txn that may have
 * happened) came after every element seen, if at all: ww from the writer
 * of the last element seen, rw from every reader that saw all of k.
 * Each edge is forced: any serial order that explains the reads puts the
 * txns in that order (a reader sees exactly the appends before it). With
 * these edges and the checks below, a history whose txns all completed is
 * serializable exactly when no anomaly is found (tests/unit/test_txn_prop.c
 * checks that against brute force).
 *
 * Elements of failed txns (read: G1a) and elements nobody appended (read:
 * garbage-read) hold positions in the order but are not versions anyone
 * committed: ww and rw edges step over them. A key whose order is unsure
 * (incompatible reads, an element twice in the longest read, an element
 * appended twice) gets no ww or rw edge; wr edges need no order.
 *
 * Checks on single reads (Elle's, after Adya and Cerone et al. 2015):
 * internal (a read disagrees with its own txn's earlier reads and
 * appends), incompatible-order (also: a txn's own appends seen in
 * reverse), future-read (a read holds its own txn's later append), G1a,
 * G1b (a read ends in an append its txn followed with another to the same
 * key), duplicate-elements, garbage-read.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

enum { K_INCOMPATIBLE = 1, K_AMBIGUOUS = 2, K_NOT_UNIQUE = 4 };

struct txn_la {
    const txn_db *db;
    txn_vidx idx;       /* (key, element) -> append id */
    uint32_t napp;
    uint32_t *app_mop;  /* append id -> global micro-op */
    uint32_t *app_txn;
    uint32_t *app_pos;  /* position in its key's longest read, or TXN_NONE */
    uint8_t *app_last;  /* its txn's last append to the key */
    uint32_t *lmax;     /* key -> micro-op of its longest read (TXN_NONE: none) */
    uint8_t *kfl;       /* key -> K_* */
    size_t *coff;       /* key -> offset into nextc and paid (longest length + 1) */
    uint32_t *nextc;    /* first committed position >= p, or the length */
    uint32_t *paid;     /* the append id at each position (TXN_NONE: nobody's) */
    uint32_t *kbad;     /* key -> first position holding an element nobody or a
                         * failed txn appended, or one seen before: reads no
                         * longer than that are checked without the index */
    uint32_t *lastc;    /* key -> append id of the last committed element seen */
};

static const val *items(const txn_db *db, val v, size_t *n)
{
    if (v.kind != VAL_LIST) {
        *n = 0;
        return NULL;
    }
    return val_items(db->vt, v, n);
}

static bool committed(const txn_la *la, uint32_t aid)
{
    return aid != TXN_NONE && la->db->t[la->app_txn[aid]].st != OP_FAIL;
}

static uint32_t aid_at(const txn_la *la, uint32_t key, size_t pos)
{
    return la->paid[la->coff[key] + pos];
}

static bool clean(const txn_la *la, uint32_t key)
{
    return la->lmax[key] != TXN_NONE && !la->kfl[key];
}

/* For a known read m of a clean key: the append id of the first
 * committed element after what it saw, or TXN_NONE if it saw them all. */
static uint32_t next_seen(const txn_la *la, const tmop *m)
{
    size_t n, nl;
    items(la->db, m->v, &n);
    items(la->db, la->db->m[la->lmax[m->key]].v, &nl);
    uint32_t next = la->nextc[la->coff[m->key] + n];
    return next < nl ? aid_at(la, m->key, next) : TXN_NONE;
}

/* ---- appends ---- */

static void index_appends(txn_la *la, txn_cases *cases)
{
    const txn_db *db = la->db;
    size_t n = 0;
    for (size_t i = 0; i < db->nm; i++)
        n += db->m[i].f == TM_APPEND;
    la->app_mop = xmalloc((n ? n : 1) * sizeof *la->app_mop);
    la->app_txn = xmalloc((n ? n : 1) * sizeof *la->app_txn);
    la->app_pos = xmalloc((n ? n : 1) * sizeof *la->app_pos);
    la->app_last = xcalloc(n ? n : 1, 1);
    txn_vidx_init(&la->idx, n);
    uint32_t *stamp = txn_nones(db->nkeys), *last = txn_nones(db->nkeys);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        for (uint32_t j = 0; j < x->nm; j++) {
            uint32_t mi = x->m0 + j;
            const tmop *m = &db->m[mi];
            if (m->f != TM_APPEND)
                continue;
            uint32_t aid = la->napp;
            uint32_t had = txn_vidx_put(&la->idx, m->key, m->v, aid);
            if (had != aid) {
                if (!(la->kfl[m->key] & K_NOT_UNIQUE)) {
                    la->kfl[m->key] |= K_NOT_UNIQUE;
                    txn_cases_not_unique(cases, db, m->key, m->v, la->app_txn[had], t);
                }
                continue;
            }
            la->app_mop[aid] = mi;
            la->app_txn[aid] = t;
            la->app_pos[aid] = TXN_NONE;
            la->napp++;
            /* the txn's last append to the key, so far */
            if (stamp[m->key] == t)
                la->app_last[last[m->key]] = 0;
            la->app_last[aid] = 1;
            stamp[m->key] = t;
            last[m->key] = aid;
        }
    }
    free(stamp);
    free(last);
}

/* ---- the longest read of each key, and positions ---- */

static void order_keys(txn_la *la)
{
    const txn_db *db = la->db;
    size_t *len = xcalloc(db->nkeys ? db->nkeys : 1, sizeof *len);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        if (x->st != OP_OK)
            continue;
        for (uint32_t j = 0; j < x->nm; j++) {
            const tmop *m = &db->m[x->m0 + j];
            if (m->f != TM_R || !m->known)
                continue;
            size_t n;
            items(db, m->v, &n);
            if (la->lmax[m->key] == TXN_NONE || n > len[m->key]) {
                la->lmax[m->key] = x->m0 + j;
                len[m->key] = n;
            }
        }
    }
    size_t total = 0;
    for (size_t k = 0; k < db->nkeys; k++) {
        la->coff[k] = total;
        total += la->lmax[k] == TXN_NONE ? 0 : len[k] + 1;
    }
    la->coff[db->nkeys] = total;
    la->nextc = xmalloc((total ? total : 1) * sizeof *la->nextc);
    la->paid = xmalloc((total ? total : 1) * sizeof *la->paid);
    for (uint32_t k = 0; k < db->nkeys; k++) {
        if (la->lmax[k] == TXN_NONE)
            continue;
        size_t n;
        const val *it = items(db, db->m[la->lmax[k]].v, &n);
        uint32_t *pa = la->paid + la->coff[k];
        la->kbad[k] = (uint32_t)n;
        for (size_t i = 0; i < n; i++) {
            uint32_t aid = (la->kfl[k] & K_NOT_UNIQUE) ? TXN_NONE : txn_vidx_get(&la->idx, k, it[i]);
            pa[i] = aid;
            bool bad = !committed(la, aid);
            if (aid != TXN_NONE && la->app_pos[aid] != TXN_NONE) {
                la->kfl[k] |= K_AMBIGUOUS; /* twice in the longest read */
                bad = true;
            } else if (aid != TXN_NONE) {
                la->app_pos[aid] = (uint32_t)i;
            }
            if (bad && la->kbad[k] == n)
                la->kbad[k] = (uint32_t)i;
        }
        uint32_t *nc = la->nextc + la->coff[k];
        nc[n] = (uint32_t)n;
        for (size_t i = n; i-- > 0;) {
            uint32_t aid = pa[i];
            nc[i] = committed(la, aid) ? (uint32_t)i : nc[i + 1];
            if (committed(la, aid) && la->lastc[k] == TXN_NONE)
                la->lastc[k] = aid;
        }
    }
    free(len);
}

/* A txn's own appends to a key must appear in its order: a read showing
 * them reversed shows a state no serial order of whole txns produces (Elle
 * misses it: the ww edge it would need runs from the txn to itself). */
static void own_order(txn_la *la, txn_cases *cases)
{
    const txn_db *db = la->db;
    uint32_t *prev = txn_nones(db->nkeys);
    uint32_t *stamp = txn_nones(db->nkeys);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        for (uint32_t j = 0; j < x->nm; j++) {
            const tmop *m = &db->m[x->m0 + j];
            if (m->f != TM_APPEND || la->kfl[m->key] & (K_NOT_UNIQUE | K_INCOMPATIBLE))
                continue;
            uint32_t aid = txn_vidx_get(&la->idx, m->key, m->v);
            if (la->app_pos[aid] == TXN_NONE)
                continue;
            if (stamp[m->key] == t && la->app_pos[prev[m->key]] > la->app_pos[aid]) {
                la->kfl[m->key] |= K_INCOMPATIBLE;
                txn_cases_add(cases, &(txn_nc){TA_INCOMPATIBLE_ORDER,
                                               txn_db_txn_of(db, la->lmax[m->key]), t,
                                               la->lmax[m->key], x->m0 + j,
                                               db->m[la->app_mop[prev[m->key]]].v});
                continue;
            }
            stamp[m->key] = t;
            prev[m->key] = aid;
        }
    }
    free(prev);
    free(stamp);
}

/* ---- checks on single txns and reads ---- */

/* Does read r (an ok txn's) agree with its txn's earlier micro-ops? On a
 * disagreement, *prev gets the earlier read it contradicts (or TXN_NONE:
 * the txn's own appends since the start). */
static bool internal_ok(const txn_db *db, const ttxn *x, uint32_t r, uint32_t *prev)
{
    const tmop *rm = &db->m[r];
    size_t na = 0;
    uint32_t q = TXN_NONE;
    for (uint32_t j = r; j-- > x->m0;) {
        const tmop *m = &db->m[j];
        if (m->key != rm->key)
            continue;
        if (m->f == TM_APPEND)
            na++;
        else if (m->f == TM_R && m->known) {
            q = j;
            break;
        }
    }
    *prev = q;
    size_t n, nq = 0;
    const val *it = items(db, rm->v, &n);
    const val *qi = q == TXN_NONE ? NULL : items(db, db->m[q].v, &nq);
    if (q == TXN_NONE ? n < na : n != nq + na)
        return false;
    if (q != TXN_NONE && nq && memcmp(it, qi, nq * sizeof *it) != 0)
        return false;
    /* the appends since, in order, end the list */
    size_t at = n - na;
    for (uint32_t j = (q == TXN_NONE ? x->m0 : q + 1); j < r; j++) {
        const tmop *m = &db->m[j];
        if (m->key != rm->key || m->f != TM_APPEND)
            continue;
        if (!val_eq(it[at], m->v))
            return false;
        at++;
    }
    return true;
}

/* Read r of txn t ends in the element appended as aid: wr from its
 * writer, and G1b if that was not the writer's last append to the key. */
static void read_of(txn_la *la, txn_graph *g, txn_cases *cases, uint32_t t, uint32_t r,
                    uint32_t aid, val last)
{
    if (aid == TXN_NONE)
        return;
    uint32_t w = la->app_txn[aid];
    if (w == t || la->db->t[w].st == OP_FAIL)
        return;
    if (!la->app_last[aid])
        txn_cases_add(cases, &(txn_nc){TA_G1B, t, w, r, la->app_mop[aid], last});
    txn_graph_edge(g, w, t, TE_WR);
}

static void check_reads(txn_la *la, txn_graph *g, txn_cases *cases)
{
    const txn_db *db = la->db;
    uint32_t *stamp = txn_nones(la->napp);
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        if (x->st != OP_OK)
            continue;
        bool told_internal = false;
        for (uint32_t j = 0; j < x->nm; j++) {
            uint32_t r = x->m0 + j;
            const tmop *m = &db->m[r];
            if (m->f != TM_R || !m->known)
                continue;
            uint32_t prev;
            if (!told_internal && !internal_ok(db, x, r, &prev)) {
                txn_cases_add(cases, &(txn_nc){TA_INTERNAL, t, TXN_NONE, r, prev, val_nil()});
                told_internal = true;
            }
            if (la->kfl[m->key] & K_NOT_UNIQUE)
                continue;
            size_t n, nl;
            const val *it = items(db, m->v, &n);
            const val *lm = items(db, db->m[la->lmax[m->key]].v, &nl);
            bool prefix = n == 0 || memcmp(it, lm, n * sizeof *it) == 0;
            (void)nl;
            if (!prefix && !(la->kfl[m->key] & K_INCOMPATIBLE)) {
                la->kfl[m->key] |= K_INCOMPATIBLE;
                txn_cases_add(cases, &(txn_nc){TA_INCOMPATIBLE_ORDER, t,
                                               txn_db_txn_of(db, la->lmax[m->key]), r,
                                               la->lmax[m->key], val_nil()});
            }
            if (prefix && n <= la->kbad[m->key]) {
                /* A clean prefix of the longest read: its elements are
                 * known by position. Only a future read is left to see. */
                for (uint32_t q = j + 1; q < x->nm; q++) {
                    const tmop *a = &db->m[x->m0 + q];
                    if (a->f != TM_APPEND || a->key != m->key)
                        continue;
                    uint32_t aid = txn_vidx_get(&la->idx, a->key, a->v);
                    if (aid != TXN_NONE && la->app_pos[aid] < n) {
                        txn_cases_add(cases, &(txn_nc){TA_FUTURE_READ, t, t, r, x->m0 + q, a->v});
                        break;
                    }
                }
                if (n)
                    read_of(la, g, cases, t, r, aid_at(la, m->key, n - 1), it[n - 1]);
                continue;
            }
            bool dup = false, garbage = false, aborted = false, future = false;
            for (size_t i = 0; i < n; i++) {
                uint32_t aid = txn_vidx_get(&la->idx, m->key, it[i]);
                if (aid == TXN_NONE) {
                    for (size_t k = 0; k < i && !dup; k++)
                        if (val_eq(it[k], it[i])) {
                            dup = true;
                            txn_cases_add(cases, &(txn_nc){TA_DUPLICATE, t, TXN_NONE, r,
                                                           TXN_NONE, it[i]});
                        }
                    if (!garbage) {
                        garbage = true;
                        txn_cases_add(cases, &(txn_nc){TA_GARBAGE_READ, t, TXN_NONE, r,
                                                       TXN_NONE, it[i]});
                    }
                    continue;
                }
                if (stamp[aid] == r && !dup) {
                    dup = true;
                    txn_cases_add(cases,
                                  &(txn_nc){TA_DUPLICATE, t, TXN_NONE, r, TXN_NONE, it[i]});
                }
                stamp[aid] = r;
                uint32_t w = la->app_txn[aid];
                if (db->t[w].st == OP_FAIL && !aborted) {
                    aborted = true;
                    txn_cases_add(cases, &(txn_nc){TA_G1A, t, w, r, la->app_mop[aid], it[i]});
                }
                if (w == t && la->app_mop[aid] > r && !future) {
                    future = true;
                    txn_cases_add(cases,
                                  &(txn_nc){TA_FUTURE_READ, t, t, r, la->app_mop[aid], it[i]});
                }
            }
            if (n)
                read_of(la, g, cases, t, r, txn_vidx_get(&la->idx, m->key, it[n - 1]), it[n - 1]);
        }
    }
    free(stamp);
}

/* ---- ww and rw edges on keys whose order is sure ---- */

typedef struct kt {
    uint32_t key, t;
} kt;

static int cmp_kt(const void *a, const void *b)
{
    const kt *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static void order_edges(txn_la *la, txn_graph *g)
{
    const txn_db *db = la->db;
    /* ww along each key's order */
    for (uint32_t k = 0; k < db->nkeys; k++) {
        if (!clean(la, k))
            continue;
        size_t n;
        items(db, db->m[la->lmax[k]].v, &n);
        uint32_t prev = TXN_NONE;
        for (size_t i = 0; i < n; i++) {
            uint32_t aid = aid_at(la, k, i);
            if (!committed(la, aid))
                continue;
            if (prev != TXN_NONE)
                txn_graph_edge(g, la->app_txn[prev], la->app_txn[aid], TE_WW);
            prev = aid;
        }
    }
    /* Appends nobody saw, and the readers that saw all of their key. */
    VEC(kt) unseen = {0};
    VEC(kt) finals = {0};
    for (uint32_t aid = 0; aid < la->napp; aid++) {
        uint32_t k = db->m[la->app_mop[aid]].key;
        if (la->app_pos[aid] != TXN_NONE || !committed(la, aid) || la->kfl[k])
            continue;
        VEC_PUSH(unseen, ((kt){k, la->app_txn[aid]}));
        /* ww from the writer of the last element seen */
        if (la->lastc[k] != TXN_NONE)
            txn_graph_edge(g, la->app_txn[la->lastc[k]], la->app_txn[aid], TE_WW);
    }
    for (uint32_t t = 0; t < db->nt; t++) {
        const ttxn *x = &db->t[t];
        if (x->st != OP_OK)
            continue;
        for (uint32_t j = 0; j < x->nm; j++) {
            const tmop *m = &db->m[x->m0 + j];
            if (m->f != TM_R || !m->known || !clean(la, m->key))
                continue;
            uint32_t next = next_seen(la, m);
            if (next != TXN_NONE)
                txn_graph_edge(g, t, la->app_txn[next], TE_RW);
            else
                VEC_PUSH(finals, ((kt){m->key, t}));
        }
    }
    /* Readers that saw every element of a key -> its unseen appends. Keys
     * never read have no readers here: no edge. */
    if (unseen.n > 1)
        qsort(unseen.v, unseen.n, sizeof *unseen.v, cmp_kt);
    if (finals.n > 1)
        qsort(finals.v, finals.n, sizeof *finals.v, cmp_kt);
    uint32_t *src = xmalloc((finals.n ? finals.n : 1) * sizeof *src);
    uint32_t *dst = xmalloc((unseen.n ? unseen.n : 1) * sizeof *dst);
    size_t i = 0, j = 0;
    while (i < finals.n && j < unseen.n) {
        uint32_t k = finals.v[i].key < unseen.v[j].key ? finals.v[i].key : unseen.v[j].key;
        size_t ns = 0, nd = 0;
        while (i < finals.n && finals.v[i].key == k)
            src[ns++] = finals.v[i++].t;
        while (j < unseen.n && unseen.v[j].key == k)
            dst[nd++] = unseen.v[j++].t;
        txn_graph_all_to_all(g, src, ns, dst, nd, TE_RW);
    }
    free(src);
    free(dst);
    free(unseen.v);
    free(finals.v);
}

txn_la *txn_la_analyze(const txn_db *db, txn_graph *g, txn_cases *cases)
{
    txn_la *la = xcalloc(1, sizeof *la);
    la->db = db;
    size_t nk = db->nkeys ? db->nkeys : 1;
    la->lmax = txn_nones(db->nkeys);
    la->kfl = xcalloc(nk, 1);
    la->lastc = txn_nones(db->nkeys);
    la->coff = xmalloc((db->nkeys + 1) * sizeof *la->coff);
    la->kbad = xcalloc(nk, sizeof *la->kbad);
    index_appends(la, cases);
    order_keys(la);
    own_order(la, cases);
    check_reads(la, g, cases);
    order_edges(la, g);
    return la;
}

void txn_la_free(txn_la *la)
{
    if (!la)
        return;
    txn_vidx_free(&la->idx);
    free(la->app_mop);
    free(la->app_txn);
    free(la->app_pos);
    free(la->app_last);
    free(la->lmax);
    free(la->kfl);
    free(la->coff);
    free(la->nextc);
    free(la->paid);
    free(la->kbad);
    free(la->lastc);
    free(la);
}

/* ---- why an edge holds ---- */

static void longest(const txn_la *la, uint32_t k, sbuf *out)
{
    const txn_db *db = la->db;
    sbuf_adds(out, "(");
    txn_tell_key(db, k, out);
    sbuf_adds(out, " = ");
    txn_describe(db, db->m[la->lmax[k]].v, out);
    sbuf_adds(out, ", read at ");
    txn_tell_line(db, txn_db_txn_of(db, la->lmax[k]), out);
    sbuf_adds(out, ")");
}

/* a wr b: b read a list whose last element a appended. */
static bool why_wr(const txn_la *la, uint32_t a, uint32_t b, const char *an, const char *bn,
                   sbuf *out)
{
    const txn_db *db = la->db;
    const ttxn *tb = &db->t[b];
    for (uint32_t j = 0; j < tb->nm; j++) {
        const tmop *m = &db->m[tb->m0 + j];
        size_t n;
        const val *it = items(db, m->v, &n);
        if (m->f != TM_R || !m->known || !n || (la->kfl[m->key] & K_NOT_UNIQUE))
            continue;
        uint32_t aid = txn_vidx_get(&la->idx, m->key, it[n - 1]);
        if (aid == TXN_NONE || la->app_txn[aid] != a)
            continue;
        txn_tell_read(db, bn, m, out);
        sbuf_adds(out, ", whose last element ");
        txn_describe(db, it[n - 1], out);
        sbuf_printf(out, " %s appended: %s wr %s", an, an, bn);
        return true;
    }
    return false;
}

/* a ww b: b appended next after a (or after the last element read, which
 * a appended, with nothing read after it). */
static bool why_ww(const txn_la *la, uint32_t a, uint32_t b, const char *an, const char *bn,
                   sbuf *out)
{
    const txn_db *db = la->db;
    const ttxn *tb = &db->t[b];
    for (uint32_t j = 0; j < tb->nm; j++) {
        const tmop *m = &db->m[tb->m0 + j];
        if (m->f != TM_APPEND || !clean(la, m->key))
            continue;
        uint32_t aid = txn_vidx_get(&la->idx, m->key, m->v);
        if (aid == TXN_NONE || la->app_mop[aid] != tb->m0 + j)
            continue;
        uint32_t prev = TXN_NONE;
        if (la->app_pos[aid] != TXN_NONE) {
            for (size_t i = la->app_pos[aid]; i-- > 0;)
                if (committed(la, aid_at(la, m->key, i))) {
                    prev = aid_at(la, m->key, i);
                    break;
                }
        } else {
            prev = la->lastc[m->key];
        }
        if (prev == TXN_NONE || la->app_txn[prev] != a)
            continue;
        const tmop *pm = &db->m[la->app_mop[prev]];
        sbuf_printf(out, "%s appended ", an);
        txn_describe(db, pm->v, out);
        sbuf_adds(out, " to ");
        txn_tell_key(db, m->key, out);
        if (la->app_pos[aid] != TXN_NONE) {
            sbuf_printf(out, ", and %s appended ", bn);
            txn_describe(db, m->v, out);
            sbuf_adds(out, " next ");
            longest(la, m->key, out);
        } else {
            sbuf_adds(out, ", the last element any read saw ");
            longest(la, m->key, out);
            sbuf_printf(out, ", and %s appended ", bn);
            txn_describe(db, m->v, out);
            sbuf_adds(out, ", which no read saw, so after it");
        }
        sbuf_printf(out, ": %s ww %s", an, bn);
        return true;
    }
    return false;
}

/* a rw b: a read a list without the element b appended next (or b's
 * append no read saw, after everything a saw). */
static bool why_rw(const txn_la *la, uint32_t a, uint32_t b, const char *an, const char *bn,
                   sbuf *out)
{
    const txn_db *db = la->db;
    const ttxn *ta = &db->t[a], *tb = &db->t[b];
    for (uint32_t j = 0; j < ta->nm; j++) {
        const tmop *m = &db->m[ta->m0 + j];
        if (m->f != TM_R || !m->known || !clean(la, m->key))
            continue;
        uint32_t aid = next_seen(la, m);
        if (aid != TXN_NONE) {
            if (la->app_txn[aid] != b)
                continue;
            txn_tell_read(db, an, m, out);
            sbuf_adds(out, " without ");
            txn_describe(db, db->m[la->app_mop[aid]].v, out);
            sbuf_printf(out, ", which %s appended next ", bn);
            longest(la, m->key, out);
            sbuf_printf(out, ": %s rw %s", an, bn);
            return true;
        }
        /* a saw every element of the key: b's append nobody saw */
        for (uint32_t i = 0; i < tb->nm; i++) {
            const tmop *bm = &db->m[tb->m0 + i];
            if (bm->f != TM_APPEND || bm->key != m->key)
                continue;
            uint32_t unseen = txn_vidx_get(&la->idx, bm->key, bm->v);
            if (unseen == TXN_NONE || la->app_pos[unseen] != TXN_NONE)
                continue;
            txn_tell_read(db, an, m, out);
            sbuf_adds(out, " without ");
            txn_describe(db, bm->v, out);
            sbuf_printf(out, ", which %s appended and no read saw, so after all %s saw: %s rw %s",
                        bn, an, an, bn);
            return true;
        }
    }
    return false;
}

bool txn_la_why(const txn_la *la, uint32_t a, uint32_t b, unsigned kind, const char *an,
                const char *bn, sbuf *out)
{
    switch (kind) {
    case TE_WR: return why_wr(la, a, b, an, bn, out);
    case TE_WW: return why_ww(la, a, b, an, bn, out);
    case TE_RW: return why_rw(la, a, b, an, bn, out);
    default: return false;
    }
}
