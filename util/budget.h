/*
 * budget.h - a memory limit shared by threads, and the one door the
 * checker's growing buffers go through.
 *
 * A budget is a number of bytes that holders (a search's worker, a session
 * check) may hold together. Every buffer a holder keeps is charged whole,
 * by its capacity and not by how much of it is in use, for as long as it
 * is kept; a charge that would pass the limit is refused, and the holder
 * gives up (the checker's verdict is then unknown) instead of growing.
 *
 * So that the count is what the process really holds, buffers of
 * BUDGET_MAP_MIN bytes or more are mapped from the kernel (mmap) and
 * unmapped when released: their memory leaves the process at once, where
 * a large malloc'd block may stay in the allocator's arena after free, and
 * their growth (mremap) never holds the old and the new copy at once.
 * Smaller buffers come from malloc and are charged with its overhead.
 *
 * Reserves: with budget_reserve(b, r), each active holder (a worker with
 * work) is promised r bytes: another holder may not grow into them. A
 * small reserve lets a part that needs little go on beside one that takes
 * everything it can. A refusal records how much the holder held then
 * (refused_held): a scheduler can tell a holder that had its fair share
 * from one that was crowded out by others, and give the latter another
 * turn.
 *
 * Thread safety: a budget is shared (a mutex guards its counts); a holder
 * belongs to one thread.
 */
#ifndef CONCH_BUDGET_H
#define CONCH_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#define BUDGET_MAP_MIN (64u << 10)

typedef struct budget budget;

typedef struct bhold {
    budget *b;           /* NULL: no limit (charges always succeed) */
    size_t held;         /* bytes charged to this holder */
    size_t peak;         /* the most it held */
    bool active;         /* promised the reserve */
    bool refused;        /* a charge was refused since budget_join / budget_clear */
    size_t refused_held; /* what it held at the last refusal */
} bhold;

/* A budget of max bytes (0: no limit). Free with budget_free once every
 * holder has left. */
budget *budget_new(size_t max);
void budget_free(budget *b);
size_t budget_max(const budget *b);
/* Promise each active holder r bytes; call before any holder joins. */
void budget_reserve(budget *b, size_t r);
/* The most all holders held at once. */
size_t budget_peak(const budget *b);

/* Start holding memory from b (NULL: no limit), active or not. */
void budget_join(bhold *h, budget *b, bool active);
/* Stop, giving back whatever h still has charged. */
void budget_leave(bhold *h);
/* Start or stop claiming the reserve (a worker waiting for work needs none). */
void budget_activate(bhold *h, bool active);
/* Forget earlier refusals. */
void budget_clear(bhold *h);

/* Count n more bytes held by h; false (and h->refused set) if that would
 * pass the limit, or eat into what other active holders are promised. */
bool budget_charge(bhold *h, size_t n);
void budget_uncharge(bhold *h, size_t n);

/* Buffers. A buffer is known by its pointer and its capacity in bytes;
 * what is charged for it is budget_footprint(capacity). */
size_t budget_footprint(size_t cap);
/* A zeroed buffer of cap bytes, charged to h; NULL if refused, or if the
 * system has no memory (h->refused is set either way). */
void *budget_alloc(bhold *h, size_t cap);
/* Make *p hold at least need bytes, keeping its contents (bytes past the
 * old capacity are not zeroed); *p may move. The capacity at least doubles.
 * false if refused (the buffer is left as it was). */
bool budget_grow(bhold *h, void **p, size_t *cap, size_t need);
/* Give a buffer back (NULL is fine). */
void budget_release(bhold *h, void *p, size_t cap);

#endif
