/*
 * txn_graph.c - the dependency graph between transactions: building it,
 * with hubs where one kind of edge joins many txns to many, and the
 * process and real-time orders (txn_int.h).
 *
 * all_to_all without self-edges. Sources S and targets D may overlap (a txn
 * that read the initial state and wrote the key is both), and a path
 * s -> hub -> s would be a cycle that is not there. With O = S & D,
 * S' = S - O, D' = D - O:
 *   S  -> X -> D'                 (no s is in D')
 *   S' -> Y -> O                  (no s of S' is in O)
 *   o_i -> P_{i-1} -> P_{i-2} ... with P_j -> o_j   (each o reaches the o's
 *   o_i -> Q_{i+1} -> Q_{i+2} ... with Q_j -> o_j    before and after it)
 * Every hub leads only to hubs further down its own chain or to txns, so
 * the hubs hold no cycle, and a path through them stands for exactly one
 * edge s -> d with s != d.
 *
 * Real time (Elle keeps a transitive reduction of it; a chain of hubs is
 * smaller still): hub c_j stands for the j-th ok completion in the
 * history's event order. T -> c_j when T's completion is the j-th;
 * c_j -> c_{j+1}; c_j -> T2 when the j-th is the last ok completion
 * before T2's invocation. T reaches T2 through the chain exactly when T
 * completed before T2 was invoked. Only ok txns start real-time edges: an
 * info txn may take effect at any time after its invocation.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

void txn_graph_init(txn_graph *g, uint32_t nreal)
{
    memset(g, 0, sizeof *g);
    g->nreal = g->n = nreal;
}

void txn_graph_free(txn_graph *g)
{
    free(g->el.v);
    free(g->off);
    free(g->to);
    free(g->kind);
    memset(g, 0, sizeof *g);
}

static uint32_t hub(txn_graph *g)
{
    return g->n++;
}

void txn_graph_edge(txn_graph *g, uint32_t a, uint32_t b, unsigned kind)
{
    if (a == b)
        return;
    tedge e = {a, b, kind};
    VEC_PUSH(g->el, e);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t sort_unique(uint32_t *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

void txn_graph_all_to_all(txn_graph *g, uint32_t *src, size_t ns, uint32_t *dst, size_t nd,
                          unsigned kind)
{
    ns = sort_unique(src, ns);
    nd = sort_unique(dst, nd);
    if (!ns || !nd)
        return;
    if (ns <= 2 || nd <= 2 || ns * nd <= 64) {
        for (size_t i = 0; i < ns; i++)
            for (size_t j = 0; j < nd; j++)
                txn_graph_edge(g, src[i], dst[j], kind);
        return;
    }
    /* Split into O = S & D, S' = S - O, D' = D - O (all sorted). */
    uint32_t *o = xmalloc(ns * sizeof *o), *s1 = xmalloc(ns * sizeof *s1),
             *d1 = xmalloc(nd * sizeof *d1);
    size_t no = 0, ns1 = 0, nd1 = 0, i = 0, j = 0;
    while (i < ns || j < nd) {
        if (j == nd || (i < ns && src[i] < dst[j]))
            s1[ns1++] = src[i++];
        else if (i == ns || dst[j] < src[i])
            d1[nd1++] = dst[j++];
        else {
            o[no++] = src[i];
            i++;
            j++;
        }
    }
    if (nd1) {
        uint32_t x = hub(g);
        for (i = 0; i < ns; i++)
            txn_graph_edge(g, src[i], x, kind);
        for (i = 0; i < nd1; i++)
            txn_graph_edge(g, x, d1[i], TE_HUB);
    }
    if (ns1 && no) {
        uint32_t y = hub(g);
        for (i = 0; i < ns1; i++)
            txn_graph_edge(g, s1[i], y, kind);
        for (i = 0; i < no; i++)
            txn_graph_edge(g, y, o[i], TE_HUB);
    }
    if (no >= 2) {
        /* P_j (j = 0 .. no-2) -> o_j and -> P_{j-1}; o_i -> P_{i-1}.
         * Q_j (j = 1 .. no-1) -> o_j and -> Q_{j+1}; o_i -> Q_{i+1}. */
        uint32_t p0 = g->n;
        g->n += (uint32_t)(no - 1);
        uint32_t q0 = g->n - 1; /* Q_j is q0 + j */
        g->n += (uint32_t)(no - 1);
        for (size_t k = 0; k + 1 < no; k++) {
            txn_graph_edge(g, p0 + (uint32_t)k, o[k], TE_HUB);
            if (k)
                txn_graph_edge(g, p0 + (uint32_t)k, p0 + (uint32_t)k - 1, TE_HUB);
        }
        for (size_t k = 1; k < no; k++) {
            txn_graph_edge(g, q0 + (uint32_t)k, o[k], TE_HUB);
            if (k + 1 < no)
                txn_graph_edge(g, q0 + (uint32_t)k, q0 + (uint32_t)k + 1, TE_HUB);
        }
        for (size_t k = 0; k < no; k++) {
            if (k)
                txn_graph_edge(g, o[k], p0 + (uint32_t)k - 1, kind);
            if (k + 1 < no)
                txn_graph_edge(g, o[k], q0 + (uint32_t)k + 1, kind);
        }
    }
    free(o);
    free(s1);
    free(d1);
}

typedef struct ret_of {
    uint32_t ret, t;
} ret_of;

static int cmp_ret(const void *a, const void *b)
{
    const ret_of *x = a, *y = b;
    return x->ret < y->ret ? -1 : x->ret > y->ret;
}

void txn_graph_orders(txn_graph *g, const txn_db *db, unsigned orders)
{
    const hist_op *ops = hist_ops(db->h);
    if (orders & TXN_ORDER_PROCESS) {
        uint32_t *last = txn_nones(db->nprocs);
        /* txns are in invocation order, so in each process's order */
        for (uint32_t t = 0; t < db->nt; t++) {
            const ttxn *x = &db->t[t];
            if (x->st == OP_FAIL)
                continue;
            if (last[x->proc] != TXN_NONE)
                txn_graph_edge(g, last[x->proc], t, TE_PROC);
            if (x->st == OP_OK)
                last[x->proc] = t;
        }
        free(last);
    }
    if (orders & TXN_ORDER_REALTIME) {
        ret_of *r = xmalloc((db->nt ? db->nt : 1) * sizeof *r);
        size_t n = 0;
        for (uint32_t t = 0; t < db->nt; t++)
            if (db->t[t].st == OP_OK && ops[db->t[t].op].ret != HIST_OPEN)
                r[n++] = (ret_of){ops[db->t[t].op].ret, t};
        qsort(r, n, sizeof *r, cmp_ret);
        uint32_t c0 = g->n;
        g->n += (uint32_t)n;
        for (size_t j = 0; j < n; j++) {
            txn_graph_edge(g, r[j].t, c0 + (uint32_t)j, TE_RT);
            if (j + 1 < n)
                txn_graph_edge(g, c0 + (uint32_t)j, c0 + (uint32_t)j + 1, TE_HUB);
        }
        for (uint32_t t = 0; t < db->nt; t++) {
            if (db->t[t].st == OP_FAIL)
                continue;
            uint32_t call = ops[db->t[t].op].call;
            /* completions before the call: the first j with r[j].ret >= call */
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (r[mid].ret < call)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo)
                txn_graph_edge(g, c0 + (uint32_t)lo - 1, t, TE_HUB);
        }
        free(r);
    }
}

void txn_graph_finish(txn_graph *g)
{
    size_t n = g->n, m = g->el.n;
    g->off = xcalloc(n + 1, sizeof *g->off);
    for (size_t i = 0; i < m; i++)
        g->off[g->el.v[i].a + 1]++;
    for (size_t v = 0; v < n; v++)
        g->off[v + 1] += g->off[v];
    size_t *fill = xmalloc((n ? n : 1) * sizeof *fill);
    memcpy(fill, g->off, n * sizeof *fill);
    uint32_t *to = xmalloc((m ? m : 1) * sizeof *to);
    uint8_t *kind = xmalloc(m ? m : 1);
    for (size_t i = 0; i < m; i++) {
        const tedge *e = &g->el.v[i];
        size_t at = fill[e->a]++;
        to[at] = e->b;
        kind[at] = (uint8_t)e->k;
    }
    free(fill);
    free(g->el.v);
    memset(&g->el, 0, sizeof g->el);
    /* Sort each node's edges by target and merge repeats. Short lists
     * (most) by insertion; long ones (a write many txns read) by qsort. */
    size_t w = 0;
    size_t prev_end = 0;
    VEC(uint64_t) tmp = {0};
    for (size_t v = 0; v < n; v++) {
        size_t a = prev_end, b = g->off[v + 1];
        prev_end = b;
        if (b - a > 32) {
            tmp.n = 0;
            VEC_RESERVE(tmp, b - a);
            for (size_t i = a; i < b; i++)
                tmp.v[tmp.n++] = (uint64_t)to[i] << 8 | kind[i];
            qsort(tmp.v, tmp.n, sizeof *tmp.v, cmp_u64);
            for (size_t i = a; i < b; i++) {
                to[i] = (uint32_t)(tmp.v[i - a] >> 8);
                kind[i] = (uint8_t)tmp.v[i - a];
            }
        } else {
            for (size_t i = a + 1; i < b; i++) {
                uint32_t x = to[i];
                uint8_t k = kind[i];
                size_t j = i;
                while (j > a && to[j - 1] > x) {
                    to[j] = to[j - 1];
                    kind[j] = kind[j - 1];
                    j--;
                }
                to[j] = x;
                kind[j] = k;
            }
        }
        g->off[v] = w;
        for (size_t i = a; i < b; i++) {
            if (w > g->off[v] && to[w - 1] == to[i]) {
                kind[w - 1] |= kind[i];
                continue;
            }
            to[w] = to[i];
            kind[w] = kind[i];
            w++;
        }
    }
    free(tmp.v);
    g->off[n] = w;
    g->ne = w;
    g->to = to;
    g->kind = kind;
    size_t real = 0;
    for (size_t v = 0; v < g->nreal; v++)
        real += g->off[v + 1] - g->off[v];
    g->nreal_edges = real;
}
