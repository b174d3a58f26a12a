/*
 * lin_ws.c - the search's workspace (lin_int.h): buffers and tables
 * charged to the worker's memory budget, and the small ones kept from
 * search to search on one thread, so their pages are reused.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "lin_int.h"

lin_ws *lin_ws_new(bhold *hold)
{
    lin_ws *w = xcalloc(1, sizeof(lin_ws));
    if (!hold)
        budget_join(&w->own, NULL, false);
    w->hold = hold ? hold : &w->own;
    return w;
}

/* Give back the spare tables (under memory pressure). */
static void shed_spares(lin_ws *w)
{
    lin_table2 *ts[] = {&w->sslots, &w->tslots, &w->cslots, &w->dslots};
    for (size_t i = 0; i < 4; i++) {
        budget_release(w->hold, ts[i]->spare.p, ts[i]->spare.cap);
        ts[i]->spare = (lin_buf){0};
    }
}

/* Make b hold at least need bytes (contents kept); false if refused. */
bool lin_ws_grow(lin_ws *w, lin_buf *b, size_t need)
{
    if (budget_grow(w->hold, &b->p, &b->cap, need))
        return true;
    shed_spares(w);
    return budget_grow(w->hold, &b->p, &b->cap, need);
}

/* A zeroed table of n bytes in t's spare memory; the caller moves its
 * entries over and then calls lin_ws_swap. NULL if refused. */
void *lin_ws_fresh(lin_ws *w, lin_table2 *t, size_t n)
{
    if (t->spare.cap >= n) {
        memset(t->spare.p, 0, n);
        return t->spare.p;
    }
    budget_release(w->hold, t->spare.p, t->spare.cap);
    t->spare = (lin_buf){0};
    void *p = budget_alloc(w->hold, n);
    if (!p) {
        shed_spares(w);
        p = budget_alloc(w->hold, n);
    }
    if (p)
        t->spare = (lin_buf){p, n};
    return p;
}

/* The fresh table becomes live; the old live one is kept as the spare if
 * it is small, else given back. */
void lin_ws_swap(lin_ws *w, lin_table2 *t)
{
    lin_buf old = t->live;
    t->live = t->spare;
    t->spare = old;
    if (old.cap > WS_KEEP) {
        budget_release(w->hold, old.p, old.cap);
        t->spare = (lin_buf){0};
    }
}

static void release(lin_ws *w, lin_buf *b)
{
    budget_release(w->hold, b->p, b->cap);
    *b = (lin_buf){0};
}

/* Give back every buffer over limit bytes (0: all of them). */
void lin_ws_trim(lin_ws *w, size_t limit)
{
    lin_table2 *ts[] = {&w->sslots, &w->tslots, &w->cslots, &w->dslots};
    lin_buf *bs[] = {&ts[0]->live, &ts[0]->spare, &ts[1]->live, &ts[1]->spare, &ts[2]->live,
                 &ts[2]->spare, &ts[3]->live, &ts[3]->spare, &w->sbytes, &w->sents, &w->cbits,
                 &w->block};
    for (size_t i = 0; i < sizeof bs / sizeof *bs; i++)
        if (bs[i]->cap > limit || !limit)
            release(w, bs[i]);
    if (w->scratch.cap > limit || !limit) {
        mbuf_free(&w->scratch);
        budget_uncharge(w->hold, w->scratch_charged);
        w->scratch_charged = 0;
    }
}

void lin_ws_free(lin_ws *w)
{
    if (!w)
        return;
    lin_ws_trim(w, 0);
    free(w);
}
