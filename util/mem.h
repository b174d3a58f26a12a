/*
 * mem.h - allocation that either succeeds or ends the program.
 *
 * Used for the small, bounded allocations of parsing and reporting, where
 * running out of memory leaves nothing sensible to do. The checker's search,
 * whose memory grows with the history, does not use these: it counts what it
 * takes and ends with an "unknown" verdict at its limit instead.
 */
#ifndef CONCH_MEM_H
#define CONCH_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Bytes of memory the process holds (resident), or 0 if unknown. */
size_t mem_resident(void);

/* Grow *v (an array of elem-sized items with capacity *cap) to hold at
 * least need items. Used through the VEC macros below. */
void vec_grow_(void **v, size_t *cap, size_t need, size_t elem);

/* A growable array: VEC(int) xs = {0}; VEC_PUSH(xs, 3); free(xs.v); */
#define VEC(T) struct { T *v; size_t n, cap; }
#define VEC_RESERVE(a, need)                                                 \
    do {                                                                     \
        if ((need) > (a).cap)                                                \
            vec_grow_((void **)&(a).v, &(a).cap, (need), sizeof *(a).v);     \
    } while (0)
#define VEC_PUSH(a, x)                                                       \
    do {                                                                     \
        VEC_RESERVE(a, (a).n + 1);                                           \
        (a).v[(a).n++] = (x);                                                \
    } while (0)

#endif
