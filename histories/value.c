/*
 * value.c - interning of strings, lists and maps (see value.h).
 *
 * Layout: every interned object has an entry (kind, length, hash, offset).
 * String bytes live in one byte arena, list and map items in one val arena;
 * offsets, not pointers, so the arenas can grow by realloc. An open-address
 * table of entry ids (linear probing, load at most 1/2) finds an object by
 * its hash and contents.
 */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/mem.h"

typedef struct ventry {
    uint64_t hash;
    uint32_t kind;
    uint32_t len; /* bytes for a string, items for a list or map */
    size_t off;   /* into bytes or items */
} ventry;

/* A string of at most 16 bytes interned lately, as the words that tell it
 * from any other of its length (short_key). A history names the same few
 * keys, functions and types over and over: most strings are found here
 * without hashing them or looking into the table. */
typedef struct recent {
    uint64_t a, b;
    uint32_t len; /* + 1: 0 is an empty slot */
    uint32_t id;
} recent;

#define NRECENT_BITS 12
#define NRECENT (1u << NRECENT_BITS)

struct vtab {
    VEC(ventry) ents;
    VEC(char) bytes;
    VEC(val) items;
    uint32_t *slots; /* entry id + 1; 0 is empty */
    size_t nslots;
    recent recent[NRECENT];
};

vtab *vtab_new(void)
{
    vtab *t = xcalloc(1, sizeof *t);
    /* The arenas exist from the start, so an empty string or list (length
     * 0, offset 0) still points into one. */
    VEC_RESERVE(t->bytes, 256);
    VEC_RESERVE(t->items, 64);
    t->nslots = 1024;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    return t;
}

void vtab_free(vtab *t)
{
    if (!t)
        return;
    free(t->ents.v);
    free(t->bytes.v);
    free(t->items.v);
    free(t->slots);
    free(t);
}

size_t vtab_bytes(const vtab *t)
{
    return t->ents.cap * sizeof(ventry) + t->bytes.cap + t->items.cap * sizeof(val) +
           t->nslots * sizeof(uint32_t);
}

val val_float(double d)
{
    val v = {VAL_FLOAT, 0, 0};
    if (d == 0)
        d = 0; /* one zero: -0.0 and 0.0 compare equal, so intern them alike */
    memcpy(&v.n, &d, sizeof d);
    return v;
}

uint64_t val_hash(val v)
{
    return hash_mix64((uint64_t)v.n ^ ((uint64_t)v.kind << 59));
}

static void rehash(vtab *t)
{
    size_t n = t->nslots * 2;
    uint32_t *s = xcalloc(n, sizeof *s);
    for (size_t i = 0; i < t->ents.n; i++) {
        size_t j = t->ents.v[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
}

/* memcmp(a, b, n) == 0, inlined for the few words most objects are (a
 * pair is 32 bytes): a call to memcmp was a fifth of interning a log's. */
static inline bool same(const void *a, const void *b, size_t n)
{
    const char *x = a, *y = b;
    for (; n >= 8; x += 8, y += 8, n -= 8) {
        uint64_t u, v;
        memcpy(&u, x, 8);
        memcpy(&v, y, 8);
        if (u != v)
            return false;
    }
    return n == 0 || memcmp(x, y, n) == 0;
}

/* Find or add an object of the given kind whose contents are data[0..size)
 * (bytes for strings, vals for lists and maps); len is its length in units. */
static val intern(vtab *t, uint32_t kind, const void *data, size_t size, uint32_t len)
{
    uint64_t h = hash_bytes(data, size, kind);
    size_t mask = t->nslots - 1;
    size_t j = h & mask;
    for (; t->slots[j]; j = (j + 1) & mask) {
        const ventry *e = &t->ents.v[t->slots[j] - 1];
        if (e->hash != h || e->kind != kind || e->len != len)
            continue;
        const void *have = kind == VAL_STR ? (const void *)(t->bytes.v + e->off)
                                           : (const void *)(t->items.v + e->off);
        if (same(have, data, size))
            return (val){kind, 0, (int64_t)(t->slots[j] - 1)};
    }
    ventry e = {h, kind, len, 0};
    if (kind == VAL_STR) {
        e.off = t->bytes.n;
        VEC_RESERVE(t->bytes, t->bytes.n + size + 1);
        memcpy(t->bytes.v + t->bytes.n, data, size);
        t->bytes.v[t->bytes.n + size] = '\0';
        t->bytes.n += size + 1;
    } else {
        e.off = t->items.n;
        VEC_RESERVE(t->items, t->items.n + len);
        if (len)
            memcpy(t->items.v + t->items.n, data, size);
        t->items.n += len;
    }
    uint32_t id = (uint32_t)t->ents.n;
    VEC_PUSH(t->ents, e);
    t->slots[j] = id + 1;
    if (t->ents.n * 2 > t->nslots)
        rehash(t);
    return (val){kind, 0, id};
}

static inline uint64_t load(const char *p, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, p, n);
    return w;
}

/* Two words that, with its length, tell a string of at most 16 bytes from
 * every other: they cover all its bytes (overlapping when it is short). */
static inline void short_key(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
    if (n >= 8) {
        *a = load(s, 8);
        *b = load(s + n - 8, 8);
    } else if (n >= 4) {
        *a = load(s, 4);
        *b = load(s + n - 4, 4);
    } else {
        *a = n ? (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
                     (uint64_t)(unsigned char)s[n - 1] << 16
               : 0;
        *b = 0;
    }
}

val val_str(vtab *t, const char *s, size_t n)
{
    if (n > 16)
        return intern(t, VAL_STR, s, n, (uint32_t)n);
    uint64_t a, b;
    short_key(s, n, &a, &b);
    recent *r = &t->recent[((a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL + n) >>
                          (64 - NRECENT_BITS)];
    if (r->len == n + 1 && r->a == a && r->b == b)
        return (val){VAL_STR, 0, r->id};
    val v = intern(t, VAL_STR, s, n, (uint32_t)n);
    *r = (recent){a, b, (uint32_t)n + 1, (uint32_t)v.n};
    return v;
}

val val_cstr(vtab *t, const char *s)
{
    return val_str(t, s, strlen(s));
}

val val_list(vtab *t, const val *items, size_t n)
{
    return intern(t, VAL_LIST, items, n * sizeof(val), (uint32_t)n);
}

/* Pairs in key order, so that maps equal as maps are equal as vals, as
 * for JSON objects and EDN maps, whose order means nothing. A key given
 * twice keeps its last value, as jansson (and so conch serve) and most
 * stores do: {"a":1,"a":2} is {"a":2}. So pairs are sorted by key, then
 * by where they were given, and the last of each key is kept. */
typedef struct pair {
    val k, v;
    size_t at;
} pair;

static int cmp_pairs(const void *a, const void *b, void *t)
{
    const pair *x = a, *y = b;
    int c = val_cmp(t, x->k, y->k);
    return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

val val_map(vtab *t, const val *kv, size_t npairs)
{
    if (npairs < 2)
        return intern(t, VAL_MAP, kv, 2 * npairs * sizeof(val), (uint32_t)(2 * npairs));
    pair *ps = xmalloc(npairs * sizeof *ps);
    for (size_t i = 0; i < npairs; i++)
        ps[i] = (pair){kv[2 * i], kv[2 * i + 1], i};
    qsort_r(ps, npairs, sizeof *ps, cmp_pairs, t);
    val *sorted = xmalloc(2 * npairs * sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < npairs; i++) {
        if (i + 1 < npairs && val_eq(ps[i].k, ps[i + 1].k))
            continue; /* a later value for this key follows */
        sorted[n++] = ps[i].k;
        sorted[n++] = ps[i].v;
    }
    val v = intern(t, VAL_MAP, sorted, n * sizeof(val), (uint32_t)n);
    free(sorted);
    free(ps);
    return v;
}

const char *val_str_bytes(const vtab *t, val v, size_t *len)
{
    if (v.kind != VAL_STR) {
        if (len)
            *len = 0;
        return "";
    }
    const ventry *e = &t->ents.v[v.n];
    if (len)
        *len = e->len;
    return t->bytes.v + e->off;
}

const val *val_items(const vtab *t, val v, size_t *n)
{
    if (v.kind != VAL_LIST && v.kind != VAL_MAP) {
        *n = 0;
        return NULL;
    }
    const ventry *e = &t->ents.v[v.n];
    *n = e->len;
    return t->items.v + e->off;
}

bool val_is_str(const vtab *t, val v, const char *s)
{
    if (v.kind != VAL_STR)
        return false;
    size_t n;
    const char *p = val_str_bytes(t, v, &n);
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

static double as_double(val v)
{
    double d;
    memcpy(&d, &v.n, sizeof d);
    return d;
}

int val_cmp(const vtab *t, val a, val b)
{
    if (a.kind != b.kind)
        return a.kind < b.kind ? -1 : 1;
    switch (a.kind) {
    case VAL_NIL:
        return 0;
    case VAL_BOOL:
    case VAL_INT:
        return a.n < b.n ? -1 : a.n > b.n;
    case VAL_FLOAT: {
        double x = as_double(a), y = as_double(b);
        return x < y ? -1 : x > y;
    }
    case VAL_STR: {
        size_t na, nb;
        const char *pa = val_str_bytes(t, a, &na), *pb = val_str_bytes(t, b, &nb);
        int c = memcmp(pa, pb, na < nb ? na : nb);
        return c ? (c < 0 ? -1 : 1) : (na < nb ? -1 : na > nb);
    }
    default: {
        size_t na, nb;
        const val *ia = val_items(t, a, &na), *ib = val_items(t, b, &nb);
        for (size_t i = 0; i < na && i < nb; i++) {
            int c = val_cmp(t, ia[i], ib[i]);
            if (c)
                return c;
        }
        return na < nb ? -1 : na > nb;
    }
    }
}

static void format(const vtab *t, val v, sbuf *b, bool human, size_t max, bool name)
{
    size_t start = b->len;
    switch (v.kind) {
    case VAL_NIL:
        sbuf_adds(b, human ? "nil" : "null");
        break;
    case VAL_BOOL:
        sbuf_adds(b, v.n ? "true" : "false");
        break;
    case VAL_INT:
        sbuf_printf(b, "%lld", (long long)v.n);
        break;
    case VAL_FLOAT: {
        double d = as_double(v);
        if (isfinite(d))
            sbuf_printf(b, "%.17g", d);
        else
            sbuf_adds(b, "null");
        break;
    }
    case VAL_STR: {
        size_t full;
        const char *s = val_str_bytes(t, v, &full);
        size_t n = full;
        if (human && n > max) {
            n = max;
            while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--; /* not inside a character */
        }
        if (name)
            sbuf_add_json_name(b, s, n);
        else
            sbuf_add_json_str(b, s, n);
        if (n < full)
            sbuf_adds(b, "...");
        break;
    }
    default: {
        size_t n;
        const val *it = val_items(t, v, &n);
        bool map = v.kind == VAL_MAP;
        sbuf_addc(b, map ? '{' : '[');
        for (size_t i = 0; i < n; i++) {
            if (human && b->len - start > max) {
                sbuf_adds(b, "...");
                break;
            }
            if (i)
                sbuf_adds(b, map && i % 2 ? ": " : ", ");
            if (map && i % 2 == 0 && it[i].kind != VAL_STR && !human) {
                /* JSON object keys must be strings. */
                sbuf s = {0};
                format(t, it[i], &s, false, max, false);
                sbuf_add_json_name(b, sbuf_str(&s), s.len);
                sbuf_free(&s);
            } else {
                format(t, it[i], b, human, max, map && i % 2 == 0);
            }
        }
        sbuf_addc(b, map ? '}' : ']');
    }
    }
}

void val_to_json(const vtab *t, val v, sbuf *b)
{
    format(t, v, b, false, SIZE_MAX, false);
}

void val_describe(const vtab *t, val v, sbuf *b)
{
    format(t, v, b, true, 60, false);
}
