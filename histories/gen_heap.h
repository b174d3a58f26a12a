/*
 * gen_heap.h - the event queue of the synthetic histories' simulations
 * (gen.c, gen_txn.c): a binary min-heap of events by time, ties broken by
 * insertion order, so a simulation is the same for a seed.
 */
#ifndef CONCH_GEN_HEAP_H
#define CONCH_GEN_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/mem.h"

enum { EV_START, EV_EFFECT, EV_DONE };

typedef struct gev {
    int64_t t;
    uint64_t seq; /* ties in time break by insertion */
    uint32_t sess;
    uint8_t kind; /* EV_START, EV_EFFECT or EV_DONE */
} gev;

typedef struct gen_heap {
    gev *v;
    size_t n, cap;
} gen_heap;

static inline bool gen_heap_before(const gev *a, const gev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static inline void gen_heap_push(gen_heap *h, gev e)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->v = xrealloc(h->v, h->cap * sizeof *h->v);
    }
    size_t i = h->n++;
    while (i && gen_heap_before(&e, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = e;
}

/* The earliest event; h must not be empty. */
static inline gev gen_heap_pop(gen_heap *h)
{
    gev top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && gen_heap_before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!gen_heap_before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

#endif
