/*
 * graph.c - see graph.h.
 */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define UNSEEN UINT32_MAX

graph graph_build(graph_rows *r, uint32_t n, const graph_edge *e, size_t m)
{
    if (n + 2 > r->cap_n) {
        r->cap_n = n + 2;
        free(r->off);
        r->off = xmalloc(r->cap_n * sizeof *r->off);
    }
    if (m > r->cap_m || !r->to) {
        r->cap_m = m ? m : 1;
        free(r->to);
        free(r->label);
        free(r->edge);
        r->to = xmalloc(r->cap_m * sizeof *r->to);
        r->label = xmalloc(r->cap_m);
        r->edge = xmalloc(r->cap_m * sizeof *r->edge);
    }
    /* Counting sort on from: off[v + 2] counts v's edges, then off[v + 1]
     * runs through v's slots as they are filled, ending at v's end. */
    size_t *off = r->off;
    memset(off, 0, (n + 2) * sizeof *off);
    for (size_t i = 0; i < m; i++)
        off[e[i].from + 2]++;
    for (uint32_t v = 0; v < n; v++)
        off[v + 2] += off[v + 1];
    for (size_t i = 0; i < m; i++) {
        size_t k = off[e[i].from + 1]++;
        r->to[k] = e[i].to;
        r->label[k] = e[i].label;
        r->edge[k] = (uint32_t)i;
    }
    return (graph){n, off, r->to, r->label};
}

void graph_rows_free(graph_rows *r)
{
    free(r->off);
    free(r->to);
    free(r->label);
    free(r->edge);
    memset(r, 0, sizeof *r);
}

size_t graph_rows_bytes(const graph_rows *r)
{
    return r->cap_n * sizeof *r->off + r->cap_m * (sizeof *r->to + 1 + sizeof *r->edge);
}

void graph_ws_reserve(graph_ws *w, uint32_t n)
{
    if (n <= w->cap)
        return;
    size_t c = w->cap ? w->cap : 256;
    while (c < n)
        c *= 2;
    uint32_t **arrs[] = {&w->index, &w->low, &w->stack, &w->frame_v, &w->via, &w->queue};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++)
        *arrs[i] = xrealloc(*arrs[i], c * sizeof(uint32_t));
    w->frame_k = xrealloc(w->frame_k, c * sizeof *w->frame_k);
    w->on = xrealloc(w->on, c);
    for (size_t i = w->cap; i < c; i++)
        w->via[i] = UNSEEN;
    w->cap = c;
}

void graph_ws_free(graph_ws *w)
{
    free(w->index);
    free(w->low);
    free(w->stack);
    free(w->frame_v);
    free(w->frame_k);
    free(w->on);
    free(w->via);
    free(w->queue);
    memset(w, 0, sizeof *w);
}

size_t graph_ws_bytes(const graph_ws *w)
{
    return w->cap * (6 * sizeof(uint32_t) + sizeof(size_t) + 1);
}

/*
 * Tarjan's algorithm, as a loop: a frame per node on the depth-first path
 * (the node, and the next of its slots to follow) stands for the call the
 * recursive form would make. A node's low is the least index reachable
 * through the tree below it and one edge back to a node still on the
 * stack; a node whose low is its own index roots a component, which is
 * everything above it on the stack.
 */
uint32_t graph_scc(const graph *g, unsigned mask, uint32_t *comp, graph_ws *w)
{
    uint32_t n = g->n;
    graph_ws_reserve(w, n ? n : 1);
    uint32_t *index = w->index, *low = w->low, *stack = w->stack, *fv = w->frame_v;
    size_t *fk = w->frame_k;
    for (uint32_t v = 0; v < n; v++)
        index[v] = UNSEEN;
    memset(w->on, 0, n);
    uint32_t next = 0, sp = 0, ncomp = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (index[root] != UNSEEN)
            continue;
        uint32_t fp = 0;
        fv[fp] = root;
        fk[fp++] = g->off[root];
        index[root] = low[root] = next++;
        stack[sp++] = root;
        w->on[root] = 1;
        while (fp) {
            uint32_t v = fv[fp - 1];
            size_t k = fk[fp - 1];
            if (k < g->off[v + 1]) {
                fk[fp - 1] = k + 1;
                if (!(g->label[k] & mask))
                    continue;
                uint32_t x = g->to[k];
                if (index[x] == UNSEEN) {
                    index[x] = low[x] = next++;
                    stack[sp++] = x;
                    w->on[x] = 1;
                    fv[fp] = x;
                    fk[fp++] = g->off[x];
                } else if (w->on[x] && index[x] < low[v]) {
                    low[v] = index[x];
                }
                continue;
            }
            fp--;
            if (low[v] == index[v]) {
                uint32_t x;
                do {
                    x = stack[--sp];
                    w->on[x] = 0;
                    comp[x] = ncomp;
                } while (x != v);
                ncomp++;
            }
            if (fp && low[v] < low[fv[fp - 1]])
                low[fv[fp - 1]] = low[v];
        }
    }
    return ncomp;
}

size_t graph_path(const graph *g, unsigned mask, const uint32_t *within, uint32_t a, uint32_t b,
                  graph_ws *w, uint32_t *path)
{
    graph_ws_reserve(w, g->n);
    uint32_t *via = w->via, *queue = w->queue, *parent = w->frame_v;
    size_t head = 0, tail = 0;
    queue[tail++] = a;
    via[a] = UNSEEN - 1; /* seen, reached by no slot */
    bool found = false;
    while (head < tail && !found) {
        uint32_t x = queue[head++];
        for (size_t k = g->off[x]; k < g->off[x + 1]; k++) {
            uint32_t y = g->to[k];
            if (!(g->label[k] & mask) || (within && within[y] != within[a]) || via[y] != UNSEEN)
                continue;
            via[y] = (uint32_t)k;
            parent[y] = x;
            if (y == b) {
                found = true;
                break;
            }
            queue[tail++] = y;
        }
    }
    size_t len = 0;
    if (found) {
        for (uint32_t x = b; x != a; x = parent[x])
            len++;
        size_t i = len;
        for (uint32_t x = b; x != a; x = parent[x])
            path[--i] = via[x];
    }
    for (size_t i = 0; i < tail; i++)
        via[queue[i]] = UNSEEN;
    via[b] = UNSEEN;
    return len;
}
