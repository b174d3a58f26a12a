/*
 * value.h - the values a history carries, and the table that interns them.
 *
 * A val is 16 bytes with no padding: a kind and a 64-bit payload. Integers,
 * booleans and floats (their bits) live in the payload; strings, lists and
 * maps are interned in a vtab and the payload is their id there. Interning
 * hash-conses: equal strings, and lists of equal items, get the same id, so
 * two vals are equal exactly when their bytes are equal (val_eq), and a val
 * can be hashed or copied as plain bytes. Models rely on that to encode their
 * states as byte strings.
 *
 * Keywords (EDN's :foo) are read as the string "foo". Maps are interned as
 * lists of alternating keys and values, in key order (val_cmp), so maps
 * with the same pairs are equal whatever order they were written in; a key
 * given twice keeps its last value ({"a":1,"a":2} is {"a":2}), the rule of
 * jansson, and so of conch serve, for every reader.
 *
 * A vtab is written while a history is read, and only read after that: the
 * checker's threads share it without locks, so nothing may intern during a
 * check.
 */
#ifndef CONCH_VALUE_H
#define CONCH_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/sbuf.h"

typedef enum val_kind {
    VAL_NIL = 0,
    VAL_BOOL,
    VAL_INT,
    VAL_FLOAT,
    VAL_STR,
    VAL_LIST,
    VAL_MAP,
} val_kind;

typedef struct val {
    uint32_t kind; /* a val_kind */
    uint32_t zero; /* always 0, so that equal vals have equal bytes */
    int64_t n;     /* the integer, boolean, float bits, or interned id */
} val;

typedef struct vtab vtab;

vtab *vtab_new(void);
void vtab_free(vtab *t);
/* Bytes the table holds, for reporting memory use. */
size_t vtab_bytes(const vtab *t);

static inline val val_nil(void) { return (val){VAL_NIL, 0, 0}; }
static inline val val_int(int64_t i) { return (val){VAL_INT, 0, i}; }
static inline val val_bool(bool b) { return (val){VAL_BOOL, 0, b ? 1 : 0}; }
val val_float(double d);
static inline bool val_eq(val a, val b) { return a.kind == b.kind && a.n == b.n; }
static inline bool val_is_nil(val v) { return v.kind == VAL_NIL; }
uint64_t val_hash(val v);

/* Intern a string (any bytes, NUL allowed) or a list or map of items. */
val val_str(vtab *t, const char *s, size_t n);
val val_cstr(vtab *t, const char *s);
val val_list(vtab *t, const val *items, size_t n);
/* kv holds 2*npairs items: key, value, key, value, ... */
val val_map(vtab *t, const val *kv, size_t npairs);

/* Borrowed views into the table; valid until the table is freed. For a
 * string, *len gets its length and the bytes are NUL-terminated. */
const char *val_str_bytes(const vtab *t, val v, size_t *len);
const val *val_items(const vtab *t, val v, size_t *n);
/* True if v is a string equal to s. */
bool val_is_str(const vtab *t, val v, const char *s);

/* A total order on values: by kind, then numerically, bytewise, or
 * element by element. Used to put sets in a canonical order. */
int val_cmp(const vtab *t, val a, val b);

/* Write v as JSON (null, 1, "s", [..], {..}) into b: valid JSON in valid
 * UTF-8 that jansson reads, whatever v holds (see sbuf_add_json_str). */
void val_to_json(const vtab *t, val v, sbuf *b);
/* Write v for people: like JSON, but nil for null and at most max bytes of
 * any long value (then "..."). */
void val_describe(const vtab *t, val v, sbuf *b);

#endif
