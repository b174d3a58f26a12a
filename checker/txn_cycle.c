/*
 * txn_cycle.c - finding and naming the cycles of the dependency graph
 * (txn_int.h).
 *
 * The idea (Elle, Kingsbury & Alvaro 2020, section 4.3; the anomaly
 * names are Adya's): a history is serializable only if its dependency
 * graph is acyclic, and the kinds of edges on a cycle say which weaker
 * models it breaks too. So:
 *   1. strongly connected components of the whole graph (Tarjan 1972,
 *      util/graph.h: a million-txn component must not overflow the stack;
 *      hub edges are always in the mask);
 *      every cycle lies inside one;
 *   2. in each component, for each cycle type from the worst (G0) to the
 *      mildest (G2-item-realtime), unless a type found already implies it,
 *      the shortest cycle of that type: a breadth-first search from each
 *      txn that starts a suitable edge (in a large component, until work
 *      linear in its size is spent after a first find), back to that txn,
 *      over states
 *      (txn, rw edges so far 0/1/2+, last edge rw?, required kind seen?),
 *      so constraints like "exactly one rw edge" or "no two rw edges in a
 *      row" are met by construction. Paths through hubs cost nothing, so
 *      "shortest" counts txns. A walk that repeats a node is not a simple
 *      cycle and is dropped. (So this search is its own, not graph.h's
 *      plain BFS: it walks states, not nodes, with costs of 0 and 1);
 *   3. before searching a type, the components of the subgraph of its
 *      allowed edge kinds: if no edge of the kind it needs lies inside one,
 *      it has no cycle of that type (exact, linear), and the search stays
 *      inside that subcomponent;
 *   4. if no typed search found anything (a budget ran out), the shortest
 *      cycle through one txn, over all edges, named by its edges.
 * A cycle is named by the edges it uses (txn_cycle_classify), so a name is
 * always true of the cycle shown; budgets only make the search miss some
 * types (recorded in cut_short).
 */
#include <stdlib.h>
#include <string.h>

#include "../util/graph.h"
#include "txn_int.h"

#define UNSEEN UINT32_MAX

/* ---- one component, as a graph of its own ---- */

typedef struct lgraph {
    unsigned assumed; /* the graph's */
    uint32_t n;
    uint32_t *gid; /* local -> global */
    size_t *off;
    uint32_t *to;
    uint8_t *kind;
    uint8_t *real;
    size_t ne;
} lgraph;

/* ---- the typed search ---- */

enum { RW_NONE, RW_ONE, RW_MANY, RW_ANY };

typedef struct cspec {
    unsigned allow; /* edge kinds a cycle may use */
    unsigned seed;  /* the kind of its first edge */
    unsigned need;  /* a kind it must use at least once (0: none) */
    int rw;         /* how many rw edges */
    bool nonadj;    /* no two rw edges in a row (cyclically) */
} cspec;

static cspec spec_of(int type)
{
    static const cspec base[5] = {
        {TE_WW, TE_WW, 0, RW_NONE, false},               /* G0 */
        {TE_WW | TE_WR, TE_WR, 0, RW_NONE, false},       /* G1c */
        {TE_DATA, TE_RW, 0, RW_ONE, false},              /* G-single */
        {TE_DATA, TE_RW, 0, RW_MANY, true},              /* G-nonadjacent */
        {TE_DATA, TE_RW, 0, RW_MANY, false},             /* G2-item */
    };
    cspec s = base[type % 5];
    if (type / 5 == 1) {
        s.allow |= TE_PROC;
        s.need = TE_PROC;
    } else if (type / 5 == 2) {
        s.allow |= TE_PROC | TE_RT;
        s.need = TE_RT;
    }
    return s;
}

#define NSTATE 12 /* rw count 0..2 x last edge rw x required kind seen */

static inline uint32_t st_pack(uint32_t rw, uint32_t last, uint32_t need)
{
    return rw * 4 + last * 2 + need;
}

typedef struct search_ws {
    uint32_t *seen; /* stamp per state */
    uint32_t *dist, *par;
    uint8_t *pk;    /* kind of the edge into the state */
    uint32_t *dq;   /* deque of states */
    uint32_t *mark; /* stamp per node, for the simple-path check */
    size_t cap_states, cap_dq, cap_nodes;
    uint32_t stamp, mstamp;
} search_ws;

static void sws_reserve(search_ws *w, uint32_t n)
{
    size_t states = (size_t)n * NSTATE;
    if (states > w->cap_states) {
        free(w->seen);
        free(w->dist);
        free(w->par);
        free(w->pk);
        free(w->dq);
        w->seen = xcalloc(states, sizeof *w->seen);
        w->dist = xmalloc(states * sizeof *w->dist);
        w->par = xmalloc(states * sizeof *w->par);
        w->pk = xmalloc(states);
        w->cap_dq = 2 * states + 2;
        w->dq = xmalloc(w->cap_dq * sizeof *w->dq);
        w->cap_states = states;
        w->stamp = 0;
    }
    if (n > w->cap_nodes) {
        free(w->mark);
        w->mark = xcalloc(n, sizeof *w->mark);
        w->cap_nodes = n;
        w->mstamp = 0;
    }
}

static void sws_free(search_ws *w)
{
    free(w->seen);
    free(w->dist);
    free(w->par);
    free(w->pk);
    free(w->dq);
    free(w->mark);
}

typedef struct found {
    uint32_t *t; /* local nodes (real only), cycle order */
    uint8_t *k;
    size_t n;
} found;

/* The state after an edge of kind bit b from state st (packed), or
 * UNSEEN if the spec forbids it there; from_start: the edge leaves the
 * cycle's first txn. Hub edges change nothing. */
static uint32_t next_state(const cspec *sp, unsigned assumed, unsigned b, bool from_start,
                           uint32_t st)
{
    uint32_t rw = st / 4, last = (st / 2) & 1, need = st & 1;
    unsigned bd = txn_kind_data(b), bo = txn_kind_order(b, assumed);
    if (b == TE_HUB)
        return st;
    if ((bd && !(bd & sp->allow)) || (bo && !(bo & sp->allow)))
        return UNSEEN;
    if (from_start && !(bd & sp->seed))
        return UNSEEN;
    if (bd == TE_RW) {
        if ((sp->nonadj && last) || (sp->rw == RW_ONE && rw >= 1))
            return UNSEEN;
        rw = rw < 2 ? rw + 1 : 2;
        last = 1;
    } else {
        last = 0;
    }
    if (bo & sp->need)
        need = 1;
    return st_pack(rw, last, need);
}

/* Does a walk that is back at its first txn in state st make a cycle of
 * the spec's type? */
static bool closes(const cspec *sp, uint32_t st)
{
    uint32_t rw = st / 4, last = (st / 2) & 1, need = st & 1;
    if (sp->need && !need)
        return false;
    if ((sp->rw == RW_ONE && rw != 1) || (sp->rw == RW_MANY && rw < 2))
        return false;
    return !(sp->nonadj && last); /* the first edge is rw too */
}

/* The cycle the search found, from the state goal_from whose edge of kind
 * goal_kind goes back to s: into *f (its real txns and the kinds of the
 * edges leaving them), unless it repeats a node (false). */
static bool walk_back(const lgraph *L, search_ws *w, uint32_t s, uint32_t goal_from,
                      uint32_t goal_kind, found *f)
{
    /* The states from s to goal_from, then the edge to s. */
    uint32_t start = s * NSTATE;
    VEC(uint32_t) path = {0};
    VEC(uint8_t) kinds = {0};
    VEC_PUSH(path, s);
    VEC_PUSH(kinds, (uint8_t)goal_kind);
    for (uint32_t u = goal_from; u != start; u = w->par[u]) {
        VEC_PUSH(path, u / NSTATE);
        VEC_PUSH(kinds, w->pk[u]);
    }
    /* path is s(goal), goal_from's node, ..., s's successor, reversed, and
     * kinds[i] is the kind of the edge into path[i]. Check simplicity. */
    if (++w->mstamp == 0) {
        memset(w->mark, 0, w->cap_nodes * sizeof *w->mark);
        w->mstamp = 1;
    }
    bool simple = true;
    w->mark[s] = w->mstamp;
    for (size_t i = 1; i < path.n; i++) {
        if (w->mark[path.v[i]] == w->mstamp)
            simple = false;
        w->mark[path.v[i]] = w->mstamp;
    }
    if (simple) {
        /* Forward order: s, then path reversed (excluding index 0). The
         * edge into node path[i] has kinds[i]; a real node's out-edge kind
         * is the kind into the next node unless that is a hub edge, in
         * which case it is the kind into the hub chain's first hub. */
        size_t m = path.n; /* nodes in the cycle, s once */
        uint32_t *fw = xmalloc(m * sizeof *fw);
        uint8_t *fk = xmalloc(m);
        fw[0] = s;
        for (size_t i = 1; i < m; i++) {
            fw[i] = path.v[m - i];
            fk[i - 1] = kinds.v[m - i]; /* edge fw[i-1] -> fw[i] */
        }
        fk[m - 1] = kinds.v[0]; /* edge fw[m-1] -> s */
        free(f->t);
        free(f->k);
        f->t = xmalloc(m * sizeof *f->t);
        f->k = xmalloc(m);
        f->n = 0;
        for (size_t i = 0; i < m; i++) {
            if (!L->real[fw[i]])
                continue;
            f->t[f->n] = fw[i];
            f->k[f->n] = fk[i]; /* a real node's out-edge is never a hub edge */
            f->n++;
        }
        free(fw);
        free(fk);
    }
    free(path.v);
    free(kinds.v);
    return simple;
}

/* Shortest cycle through real node s that meets spec, staying in nodes
 * with sub[v] == sub[s]: a 0-1 BFS over states (hub edges cost 0). plain:
 * ignore the spec's counters (one state per node). Returns true and fills
 * *f (replacing what it held) if one is found shorter than f->n (f->n ==
 * 0: any). *work counts states popped. */
static bool bfs(const lgraph *L, const uint32_t *sub, uint32_t s, const cspec *sp, bool plain,
                search_ws *w, uint64_t *work, found *f)
{
    if (++w->stamp == 0) {
        memset(w->seen, 0, w->cap_states * sizeof *w->seen);
        w->stamp = 1;
    }
    uint32_t stamp = w->stamp;
    size_t cap = w->cap_dq, head = 0, tail = 0;
    uint32_t start = s * NSTATE;
    w->seen[start] = stamp;
    w->dist[start] = 0;
    w->par[start] = UNSEEN;
    w->dq[tail++] = start;
    uint32_t goal_from = UNSEEN, goal_kind = 0, goal_dist = UNSEEN;
    uint32_t limit = f->n ? (uint32_t)f->n : UNSEEN; /* want fewer txns than this */
    while (head != tail) {
        uint32_t u = w->dq[head];
        head = (head + 1) % cap;
        (*work)++;
        uint32_t d = w->dist[u];
        if ((goal_dist != UNSEEN && d + 1 >= goal_dist) || d + 1 >= limit)
            break;
        uint32_t v = u / NSTATE, st = u % NSTATE;
        for (size_t e = L->off[v]; e < L->off[v + 1]; e++) {
            uint32_t x = L->to[e];
            if (sub[x] != sub[s])
                continue;
            unsigned ks = L->kind[e];
            for (unsigned b = 1; b <= TE_ARW; b <<= 1) {
                if (!(ks & b))
                    continue;
                uint32_t ns = plain ? 0 : next_state(sp, L->assumed, b, v == s, st);
                if (ns == UNSEEN)
                    continue;
                uint32_t cost = L->real[x] ? 1 : 0;
                if (x == s) {
                    if ((plain || closes(sp, ns)) && d + cost < goal_dist) {
                        goal_dist = d + cost;
                        goal_from = u;
                        goal_kind = b;
                    }
                    continue;
                }
                uint32_t xs = x * NSTATE + ns;
                uint32_t nd = d + cost;
                if (w->seen[xs] == stamp && w->dist[xs] <= nd)
                    continue;
                w->seen[xs] = stamp;
                w->dist[xs] = nd;
                w->par[xs] = u;
                w->pk[xs] = (uint8_t)b;
                if (cost == 0) {
                    head = (head + cap - 1) % cap;
                    w->dq[head] = xs;
                } else {
                    w->dq[tail] = xs;
                    tail = (tail + 1) % cap;
                }
            }
        }
    }
    if (goal_from == UNSEEN || goal_dist >= limit)
        return false;
    return walk_back(L, w, s, goal_from, goal_kind, f);
}

/* ---- classification ---- */

txn_anomaly txn_cycle_classify(const uint8_t *k, size_t n, unsigned assumed)
{
    size_t rw = 0, wr = 0, proc = 0, rt = 0;
    bool adj = false;
    for (size_t i = 0; i < n; i++) {
        unsigned d = txn_kind_data(k[i]), o = txn_kind_order(k[i], assumed);
        rw += d == TE_RW;
        wr += d == TE_WR;
        proc += o == TE_PROC;
        rt += o == TE_RT;
        if (d == TE_RW && txn_kind_data(k[(i + 1) % n]) == TE_RW)
            adj = true;
    }
    int base = rw == 1 ? 2 : rw > 1 ? (adj ? 4 : 3) : wr ? 1 : 0;
    int var = rt ? 2 : proc ? 1 : 0;
    return (txn_anomaly)(base + 5 * var);
}

/* ---- per component ---- */

typedef struct cctx {
    const txn_graph *g;
    uint64_t budget;  /* per type and component (0: by its size) */
    uint64_t left;    /* for all components together */
    size_t max_shown;
    txn_cycles *out;
    graph_ws tw;
    search_ws sw;
    uint32_t *sub;
    size_t cap_sub;
    size_t shown[TA_NCYCLE];
} cctx;

static void keep(cctx *c, const lgraph *L, const found *f, uint64_t *have)
{
    txn_anomaly t = txn_cycle_classify(f->k, f->n, L->assumed);
    if (*have & (1ull << t))
        return;
    *have |= 1ull << t;
    c->out->count[t]++;
    if (c->shown[t] >= c->max_shown)
        return;
    c->shown[t]++;
    /* Told from the txn that came first in the history, for people. */
    size_t first = 0;
    for (size_t i = 1; i < f->n; i++)
        if (L->gid[f->t[i]] < L->gid[f->t[first]])
            first = i;
    txn_cycle cy = {t, xmalloc(f->n * sizeof(uint32_t)), xmalloc(f->n), f->n};
    for (size_t i = 0; i < f->n; i++) {
        cy.t[i] = L->gid[f->t[(first + i) % f->n]];
        cy.k[i] = f->k[(first + i) % f->n];
    }
    VEC_PUSH(c->out->shown, cy);
}

static void component(cctx *c, const lgraph *L)
{
    uint64_t have = 0;     /* cycle types found here */
    uint64_t implied = 0;  /* ... and what they imply */
    unsigned kinds = 0;
    for (size_t e = 0; e < L->ne; e++)
        kinds |= L->kind[e];
    if (L->n > c->cap_sub) {
        free(c->sub);
        c->sub = xmalloc(L->n * sizeof *c->sub);
        c->cap_sub = L->n;
    }
    sws_reserve(&c->sw, L->n);
    uint64_t budget = c->budget ? c->budget : 16 * ((uint64_t)L->n + L->ne) + 65536;
    /* Once a cycle of the type is found, a shorter one is sought only with
     * work linear in the component (all of a small one is searched). */
    uint64_t better = 2 * ((uint64_t)L->n + L->ne) + 4096;
    found f = {0};
    for (int type = 0; type < TA_NCYCLE; type++) {
        if (implied & (1ull << type))
            continue;
        cspec sp = spec_of(type);
        /* the edge bits the type may use, assumed ones included when the
         * order they rest on is allowed; and those that can start it */
        unsigned allow = 0, seeds = 0, needs = 0;
        for (unsigned b = 1; b <= TE_ARW; b <<= 1) {
            unsigned bd = txn_kind_data(b), bo = txn_kind_order(b, L->assumed);
            if (b == TE_HUB || (bd && !(bd & sp.allow)) || (bo && !(bo & sp.allow)))
                continue;
            allow |= b;
            seeds |= bd & sp.seed ? b : 0;
            needs |= bo & sp.need ? b : 0;
        }
        if ((sp.need && !(kinds & needs)) || !(kinds & seeds))
            continue;
        /* Subcomponents of the allowed edges; an edge that can start the
         * cycle inside one is necessary. */
        graph_scc(&(graph){L->n, L->off, L->to, L->kind}, allow | TE_HUB, c->sub, &c->tw);
        uint64_t work = 0;
        f.n = 0;
        bool cut = false;
        for (uint32_t s = 0; s < L->n && !cut; s++) {
            if (!L->real[s])
                continue;
            bool seed = false;
            for (size_t e = L->off[s]; e < L->off[s + 1]; e++)
                if ((L->kind[e] & seeds) && c->sub[L->to[e]] == c->sub[s])
                    seed = true;
            if (!seed)
                continue;
            bfs(L, c->sub, s, &sp, false, &c->sw, &work, &f);
            if (f.n == 2 || (f.n && work > better))
                break;
            if (work > budget || work > c->left)
                cut = true;
        }
        c->left -= work < c->left ? work : c->left;
        if (cut)
            c->out->cut_short |= 1ull << type;
        if (f.n) {
            size_t before = __builtin_popcountll(have);
            keep(c, L, &f, &have);
            if ((size_t)__builtin_popcountll(have) > before)
                implied |= txn_anomaly_implied(txn_cycle_classify(f.k, f.n, L->assumed));
        }
    }
    if (!have) {
        /* Every typed search ran out of budget (or found only walks that
         * repeat a node): the shortest cycle through one txn will do. */
        for (uint32_t i = 0; i < L->n; i++) {
            if (!L->real[i])
                continue;
            for (uint32_t v = 0; v < L->n; v++)
                c->sub[v] = 0;
            uint64_t work = 0;
            f.n = 0;
            if (bfs(L, c->sub, i, &(cspec){0}, true, &c->sw, &work, &f)) {
                keep(c, L, &f, &have);
                break;
            }
        }
    }
    free(f.t);
    free(f.k);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort component ids by size, smallest first. */
static void sort_by_size(uint32_t *ids, uint32_t n, const uint32_t *size)
{
    uint64_t *key = xmalloc((n ? n : 1) * sizeof *key);
    for (uint32_t i = 0; i < n; i++)
        key[i] = (uint64_t)size[ids[i]] << 32 | ids[i];
    qsort(key, n, sizeof *key, cmp_u64);
    for (uint32_t i = 0; i < n; i++)
        ids[i] = (uint32_t)key[i];
    free(key);
}

void txn_cycles_find(const txn_graph *g, uint64_t budget, size_t max_shown, txn_cycles *out)
{
    memset(out, 0, sizeof *out);
    cctx c = {.g = g, .budget = budget, .max_shown = max_shown, .out = out};
    uint32_t n = g->n;
    uint32_t *comp = xmalloc((n ? n : 1) * sizeof *comp);
    uint32_t ncomp = graph_scc(&(graph){n, g->off, g->to, g->kind}, TE_ALL, comp, &c.tw);
    /* Nodes grouped by component (counting sort), for the nontrivial ones. */
    uint32_t *size = xcalloc(ncomp + 1, sizeof *size);
    for (uint32_t v = 0; v < n; v++)
        size[comp[v]]++;
    size_t *start = xmalloc((ncomp + 1) * sizeof *start);
    start[0] = 0;
    for (uint32_t k = 0; k < ncomp; k++)
        start[k + 1] = start[k] + (size[k] >= 2 ? size[k] : 0);
    uint32_t *nodes = xmalloc((start[ncomp] ? start[ncomp] : 1) * sizeof *nodes);
    /* Small components first: they are searched in full, and a huge one
     * gets what the budget for all has left. */
    uint32_t *order = xmalloc((ncomp ? ncomp : 1) * sizeof *order);
    uint32_t nbig = 0;
    for (uint32_t k = 0; k < ncomp; k++)
        if (size[k] >= 2)
            order[nbig++] = k;
    sort_by_size(order, nbig, size);
    c.left = budget ? UINT64_MAX : 32 * ((uint64_t)n + g->ne) + (1u << 24);
    uint32_t *loc = xmalloc((n ? n : 1) * sizeof *loc);
    size_t *fill = xmalloc((ncomp + 1) * sizeof *fill);
    memcpy(fill, start, (ncomp + 1) * sizeof *fill);
    for (uint32_t v = 0; v < n; v++) {
        if (size[comp[v]] < 2)
            continue;
        loc[v] = (uint32_t)(fill[comp[v]] - start[comp[v]]);
        nodes[fill[comp[v]]++] = v;
    }
    free(fill);
    for (uint32_t oi = 0; oi < nbig; oi++) {
        uint32_t k = order[oi];
        lgraph L = {.n = size[k], .gid = nodes + start[k], .assumed = g->assumed};
        L.off = xmalloc((L.n + 1) * sizeof *L.off);
        L.real = xmalloc(L.n);
        size_t ne = 0, nreal = 0;
        for (uint32_t i = 0; i < L.n; i++) {
            uint32_t v = L.gid[i];
            for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
                ne += comp[g->to[e]] == k;
        }
        L.to = xmalloc((ne ? ne : 1) * sizeof *L.to);
        L.kind = xmalloc(ne ? ne : 1);
        ne = 0;
        for (uint32_t i = 0; i < L.n; i++) {
            uint32_t v = L.gid[i];
            L.off[i] = ne;
            L.real[i] = v < g->nreal;
            nreal += L.real[i];
            for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
                if (comp[g->to[e]] != k)
                    continue;
                L.to[ne] = loc[g->to[e]];
                L.kind[ne] = g->kind[e];
                ne++;
            }
        }
        L.off[L.n] = ne;
        L.ne = ne;
        out->nsccs++;
        if (nreal > out->largest)
            out->largest = nreal;
        component(&c, &L);
        free(L.off);
        free(L.real);
        free(L.to);
        free(L.kind);
    }
    free(order);
    free(comp);
    free(size);
    free(start);
    free(nodes);
    free(loc);
    free(c.sub);
    graph_ws_free(&c.tw);
    sws_free(&c.sw);
}

void txn_cycles_free(txn_cycles *c)
{
    for (size_t i = 0; i < c->shown.n; i++) {
        free(c->shown.v[i].t);
        free(c->shown.v[i].k);
    }
    free(c->shown.v);
    memset(c, 0, sizeof *c);
}
