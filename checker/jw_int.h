/*
 * jw_int.h - what jw.c, bank.c, longfork.c and setfull.c share; not an
 * interface for others (jw.h is).
 */
#ifndef CONCH_JW_INT_H
#define CONCH_JW_INT_H

#include "../util/mem.h"
#include "jw.h"

#define JW_DEFAULT_SHOWN 8

/* "file:line:col: " of op o's completion if ok, else its invocation. */
void jw_where(const history *h, const hist_op *o, sbuf *why);

/* What op o is, by its f (models/ names the ops). */
model_jw_op jw_op(const history *h, const hist_op *o);

/* An account, key or element as one value whatever the format: JSON's
 * member names are strings where EDN's map keys are integers, so a string
 * of decimal digits that fits 64 bits (no leading zero, an optional '-')
 * is that integer. */
val jw_norm(const vtab *vt, val v);

/* A micro-op [f k v] or [f k]: false if m is not one. */
bool jw_mop(const vtab *vt, val m, val *f, val *k, val *v);

/* A map (group, value) -> id: open addressing, linear probing, load at
 * most 1/2. */
typedef struct jw_slot {
    val v;
    uint32_t group, id; /* id JW_NO_OP: empty */
} jw_slot;

typedef struct jw_map {
    jw_slot *s;
    size_t cap, n;
} jw_map;

/* The id of (group, v), or JW_NO_OP. */
uint32_t jw_map_get(const jw_map *m, uint32_t group, val v);
/* The id of (group, v); if absent, it gets id (and *added is set). */
uint32_t jw_map_put(jw_map *m, uint32_t group, val v, uint32_t id, bool *added);
void jw_map_free(jw_map *m);

/* The checks; each returns JW_OK, or JW_EFIT with why (jw_check's contract). */
jw_rc jw_bank(history *h, const jw_opts *o, jw_result *r, sbuf *why);
jw_rc jw_long_fork(const history *h, const jw_opts *o, jw_result *r, sbuf *why);
jw_rc jw_set_full(const history *h, const jw_opts *o, jw_result *r, sbuf *why);

#endif
