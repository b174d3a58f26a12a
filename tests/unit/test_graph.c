/* Unit tests: graphs in rows, their components and shortest paths
 * (util/graph.c), against brute force on random small graphs: the
 * transitive closure for components, and BFS distances in a matrix for
 * paths. One workspace serves every graph, so state left over from one
 * search would show in the next. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../util/graph.h"

#define MAXN 12
#define MAXM 40

typedef struct rgraph {
    uint32_t n;
    size_t m;
    graph_edge e[MAXM];
} rgraph;

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) % n;
}

static void random_graph(unsigned *seed, rgraph *r)
{
    r->n = 1 + rnd(seed, MAXN);
    r->m = rnd(seed, MAXM + 1);
    for (size_t i = 0; i < r->m; i++) {
        r->e[i].from = rnd(seed, r->n);
        r->e[i].to = rnd(seed, r->n); /* self loops and repeats too */
        r->e[i].label = (uint8_t)(1u << rnd(seed, 3));
    }
}

/* reach[u][v]: a path of edges in mask from u to v (u to u always). */
static void closure(const rgraph *r, unsigned mask, bool reach[MAXN][MAXN])
{
    memset(reach, 0, sizeof(bool) * MAXN * MAXN);
    for (uint32_t v = 0; v < r->n; v++)
        reach[v][v] = true;
    for (size_t i = 0; i < r->m; i++)
        if (r->e[i].label & mask)
            reach[r->e[i].from][r->e[i].to] = true;
    for (uint32_t k = 0; k < r->n; k++)
        for (uint32_t u = 0; u < r->n; u++)
            for (uint32_t v = 0; v < r->n; v++)
                reach[u][v] = reach[u][v] || (reach[u][k] && reach[k][v]);
}

Test(graph, rows_keep_each_nodes_edges_in_list_order)
{
    graph_edge e[] = {{2, 0, 1}, {0, 1, 2}, {2, 1, 4}, {1, 2, 8}, {0, 2, 16}};
    graph_rows rows = {0};
    graph g = graph_build(&rows, 3, e, 5);
    cr_assert_eq(g.n, 3);
    size_t off[] = {0, 2, 3, 5};
    uint32_t want_edge[] = {1, 4, 3, 0, 2};
    for (int v = 0; v <= 3; v++)
        cr_assert_eq(g.off[v], off[v], "off[%d]", v);
    for (int k = 0; k < 5; k++) {
        cr_assert_eq(rows.edge[k], want_edge[k], "slot %d", k);
        cr_assert_eq(g.to[k], e[want_edge[k]].to);
        cr_assert_eq(g.label[k], e[want_edge[k]].label);
    }
    graph_rows_free(&rows);
}

Test(graph, components_agree_with_the_transitive_closure)
{
    unsigned seed = 99;
    graph_rows rows = {0};
    graph_ws ws = {0};
    size_t cyclic = 0;
    for (int trial = 0; trial < 5000; trial++) {
        rgraph r;
        random_graph(&seed, &r);
        unsigned mask = 1 + rnd(&seed, 7);
        graph g = graph_build(&rows, r.n, r.e, r.m);
        uint32_t comp[MAXN];
        uint32_t nc = graph_scc(&g, mask, comp, &ws);
        bool reach[MAXN][MAXN];
        closure(&r, mask, reach);
        uint32_t classes = 0;
        for (uint32_t u = 0; u < r.n; u++) {
            bool first = true;
            for (uint32_t v = 0; v < u; v++)
                if (reach[u][v] && reach[v][u])
                    first = false;
            classes += first;
            for (uint32_t v = 0; v < r.n; v++) {
                bool same = reach[u][v] && reach[v][u];
                cr_assert_eq(comp[u] == comp[v], same, "trial %d: %u and %u", trial, u, v);
                cyclic += same && u != v;
            }
            cr_assert_lt(comp[u], nc);
        }
        cr_assert_eq(nc, classes, "trial %d", trial);
        for (size_t i = 0; i < r.m; i++)
            if ((r.e[i].label & mask) && comp[r.e[i].from] != comp[r.e[i].to])
                cr_assert_gt(comp[r.e[i].from], comp[r.e[i].to], "trial %d: edge %zu", trial, i);
    }
    cr_assert_gt(cyclic, 1000, "the random graphs have cycles");
    graph_rows_free(&rows);
    graph_ws_free(&ws);
}

Test(graph, paths_are_shortest_and_stay_within)
{
    unsigned seed = 7;
    graph_rows rows = {0};
    graph_ws ws = {0};
    size_t found = 0, none = 0;
    for (int trial = 0; trial < 5000; trial++) {
        rgraph r;
        random_graph(&seed, &r);
        if (r.n < 2)
            continue;
        unsigned mask = 1 + rnd(&seed, 7);
        uint32_t within[MAXN];
        bool use_within = rnd(&seed, 2);
        for (uint32_t v = 0; v < r.n; v++)
            within[v] = rnd(&seed, 2);
        uint32_t a = rnd(&seed, r.n), b = rnd(&seed, r.n - 1);
        b += b >= a;
        graph g = graph_build(&rows, r.n, r.e, r.m);
        uint32_t path[MAXN];
        size_t len = graph_path(&g, mask, use_within ? within : NULL, a, b, &ws, path);
        /* BFS distances by brute force over the allowed nodes */
        int dist[MAXN];
        for (uint32_t v = 0; v < r.n; v++)
            dist[v] = -1;
        dist[a] = 0;
        for (int round = 0; round < (int)r.n; round++)
            for (size_t i = 0; i < r.m; i++) {
                uint32_t u = r.e[i].from, v = r.e[i].to;
                if (!(r.e[i].label & mask) || dist[u] < 0 ||
                    (use_within && (within[u] != within[a] || within[v] != within[a])))
                    continue;
                if (dist[v] < 0 || dist[u] + 1 < dist[v])
                    dist[v] = dist[u] + 1;
            }
        cr_assert_eq((int)len, dist[b] < 0 ? 0 : dist[b], "trial %d: %zu, brute force %d",
                     trial, len, dist[b]);
        uint32_t at = a;
        for (size_t i = 0; i < len; i++) {
            uint32_t e = rows.edge[path[i]];
            cr_assert_eq(r.e[e].from, at, "trial %d: the path is not connected", trial);
            cr_assert(r.e[e].label & mask);
            at = r.e[e].to;
            cr_assert(!use_within || within[at] == within[a]);
        }
        cr_assert_eq(at, len ? b : a);
        found += len > 0;
        none += len == 0;
    }
    cr_assert_gt(found, 500);
    cr_assert_gt(none, 500);
    graph_rows_free(&rows);
    graph_ws_free(&ws);
}
