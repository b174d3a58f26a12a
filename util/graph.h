/*
 * graph.h - directed graphs in compressed sparse rows, their strongly
 * connected components, and shortest paths.
 *
 * A graph's edges leaving node v are the slots off[v] .. off[v+1] - 1:
 * slot k goes to to[k] and carries the bits label[k]. Each search takes a
 * mask and uses only the slots whose label shares a bit with it, so one
 * graph serves as several (a checker's edges of each kind, or of each
 * guarantee). Searches walk a node's slots in order, and nodes from 0 up:
 * their answers depend on nothing else, so they repeat exactly.
 *
 * Graphs are built by the caller (the txn checker builds its own rows) or
 * from a list of edges (graph_build). A search's arrays live in a
 * graph_ws, reused from graph to graph and grown to the largest.
 */
#ifndef CONCH_GRAPH_H
#define CONCH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct graph {
    uint32_t n;           /* nodes */
    const size_t *off;    /* n + 1 */
    const uint32_t *to;   /* off[n] */
    const uint8_t *label; /* off[n] */
} graph;

/* An edge of a list to build a graph from. */
typedef struct graph_edge {
    uint32_t from, to;
    uint8_t label;
} graph_edge;

/* The rows graph_build makes, and the edge each slot came from. */
typedef struct graph_rows {
    size_t *off;
    uint32_t *to;
    uint8_t *label;
    uint32_t *edge; /* slot k is edge edge[k] of the list built from */
    size_t cap_n, cap_m;
} graph_rows;

/* The graph of n nodes and the m edges e, in rows (a counting sort on
 * from that keeps the edges of a node in list order). Its arrays are r's,
 * reused and grown as needed: the graph lives until r is built again or
 * freed. */
graph graph_build(graph_rows *r, uint32_t n, const graph_edge *e, size_t m);
void graph_rows_free(graph_rows *r);
/* What r holds, in bytes. */
size_t graph_rows_bytes(const graph_rows *r);

typedef struct graph_ws {
    uint32_t *index, *low, *stack, *frame_v; /* Tarjan */
    size_t *frame_k;
    uint8_t *on;
    uint32_t *via, *queue; /* BFS; via is all UNSEEN between searches */
    size_t cap;
} graph_ws;

/* Make w ready for graphs of n nodes (the searches do so themselves; a
 * caller that counts memory may want it done first). */
void graph_ws_reserve(graph_ws *w, uint32_t n);
void graph_ws_free(graph_ws *w);
/* What w holds, in bytes. */
size_t graph_ws_bytes(const graph_ws *w);

/* The strongly connected components of g's edges in mask (Tarjan 1972,
 * with an explicit stack, so that a graph of millions of nodes cannot
 * overflow the thread's): comp[v] gets the number of v's component, and
 * the number of components is returned. Components are numbered as they
 * complete, so an edge between two of them goes from the higher number to
 * the lower. */
uint32_t graph_scc(const graph *g, unsigned mask, uint32_t *comp, graph_ws *w);

/* A shortest path from a to b (a != b) over g's edges in mask, through
 * nodes v with within[v] == within[a] only (within NULL: any node), by
 * breadth-first search: writes its slots, from a's on, to path (room for
 * g->n - 1) and returns how many; 0 if b cannot be reached. */
size_t graph_path(const graph *g, unsigned mask, const uint32_t *within, uint32_t a, uint32_t b,
                  graph_ws *w, uint32_t *path);

#endif
