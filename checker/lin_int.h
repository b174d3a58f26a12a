/*
 * lin_int.h - what lin.c and lin_ws.c share: the workspace whose memory a
 * search's tables and arrays live in (lin.c says how memory is charged).
 */
#ifndef CONCH_LIN_INT_H
#define CONCH_LIN_INT_H

#include "lin.h"

/* A charged buffer: its memory and capacity in bytes. */
typedef struct lin_buf {
    void *p;
    size_t cap;
} lin_buf;

/* A table's memory: the live one and a spare, kept across searches so
 * that a worker thread reuses pages it has already touched (fresh pages
 * cost a fault each, and faults from two threads contend in the kernel).
 * Only small ones are kept (WS_KEEP): a big one is worth less than the
 * memory it holds. */
typedef struct lin_table2 {
    lin_buf live, spare;
} lin_table2;

#define WS_KEEP (1u << 20)

struct lin_ws {
    bhold *hold;
    bhold own; /* hold, when the caller gave none */
    lin_table2 sslots, tslots, cslots, dslots;
    lin_buf sbytes, sents, cbits;
    lin_buf block; /* a part's own arrays (lin_check) */
    mbuf scratch;
    size_t scratch_charged;
};

/* Make b hold at least need bytes (contents kept); false if refused. */
bool lin_ws_grow(lin_ws *w, lin_buf *b, size_t need);
/* A zeroed table of n bytes in t's spare memory; the caller moves its
 * entries over and then calls lin_ws_swap. NULL if refused. */
void *lin_ws_fresh(lin_ws *w, lin_table2 *t, size_t n);
/* The fresh table becomes live; the old live one is kept as the spare if
 * it is small, else given back. */
void lin_ws_swap(lin_ws *w, lin_table2 *t);
/* Give back every buffer over limit bytes (0: all of them). */
void lin_ws_trim(lin_ws *w, size_t limit);

#endif
