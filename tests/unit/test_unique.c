/* Unit tests: deciding parts without search when written values are unique
 * (checker/unique.c).
 *
 * Hand-made minimal histories of each kind of violation and of each reason
 * to fall back to the search, and a property test: random unique-value
 * histories of every model the path covers (register, cas-register, kv
 * with put/get/cas, kv with list appends, set), with crashed ops, nil reads
 * in both modes and up to four processes at once, where the path and the
 * search (lin_check) must agree. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/unique.h"
#include "../../histories/gen.h"
#include "helpers.h"

static lin_verdict search(const th_upart *p, lin_ws *ws)
{
    lin_result r;
    lin_check(&p->md, p->ops, p->n, NULL, ws, &r);
    lin_verdict v = r.verdict;
    lin_result_free(&r);
    return v;
}

static const char *vname(lin_verdict v)
{
    return v == LIN_VALID ? "valid" : v == LIN_INVALID ? "invalid" : "not decided";
}

/* ---- hand-made histories ---- */

struct ucase {
    const char *name, *model, *init;
    nil_read nil;
    const char *spec;
    lin_verdict want; /* LIN_UNKNOWN: the path must leave it to the search */
    uv_kind kind;
};

static const struct ucase ucases[] = {
    /* valid */
    {"sequential", "register", NULL, NIL_ABSENT,
     "0:invoke:write:1 0:ok:write:1 1:invoke:read:null 1:ok:read:1", LIN_VALID, UV_NONE},
    {"nil read before the first write", "register", NULL, NIL_ABSENT,
     "1:invoke:read:null 0:invoke:write:1 1:ok:read:null 0:ok:write:1", LIN_VALID, UV_NONE},
    {"concurrent reads may see either", "register", "0", NIL_ABSENT,
     "0:invoke:write:1 1:invoke:read:null 1:ok:read:0 2:invoke:read:null 2:ok:read:1 "
     "0:ok:write:1", LIN_VALID, UV_NONE},
    {"a crashed write seen later took effect", "register", "0", NIL_ABSENT,
     "0:invoke:write:1 0:info:write:1 1:invoke:read:null 1:ok:read:0 1:invoke:read:null "
     "1:ok:read:1", LIN_VALID, UV_NONE},
    {"a crashed cas chain: only the last value is read", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[0,1] 0:info:cas:[0,1] 1:invoke:cas:[1,2] 1:info:cas:[1,2] "
     "2:invoke:read:null 2:ok:read:2", LIN_VALID, UV_NONE},
    {"two crashed cas from one value, neither seen", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[0,1] 0:info:cas:[0,1] 1:invoke:cas:[0,2] 1:info:cas:[0,2] "
     "2:invoke:read:null 2:ok:read:0", LIN_VALID, UV_NONE},
    {"kv put/get/cas is a cas-register", "kv", NULL, NIL_ABSENT,
     "0:invoke:put:1 0:ok:put:1 1:invoke:cas:[1,2] 1:ok:cas:[1,2] 2:invoke:get:null "
     "2:ok:get:2", LIN_VALID, UV_NONE},
    {"appends in the order the reads show", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 1:invoke:append:2 0:ok:append:1 1:ok:append:2 2:invoke:get:null "
     "2:ok:get:[2,1]", LIN_VALID, UV_NONE},
    {"an append no read shows came after the reads", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 0:ok:append:1 1:invoke:append:2 2:invoke:get:null 2:ok:get:[1] "
     "1:ok:append:2", LIN_VALID, UV_NONE},
    {"nil read unknown says nothing", "register", NULL, NIL_UNKNOWN,
     "0:invoke:write:1 0:ok:write:1 1:invoke:read:null 1:ok:read:null", LIN_VALID, UV_NONE},
    /* invalid, one of each kind */
    {"read of a value nobody wrote", "register", NULL, NIL_ABSENT,
     "0:invoke:read:null 0:ok:read:7", LIN_INVALID, UV_UNWRITTEN},
    {"nil read when nil is not the initial value", "register", "0", NIL_ABSENT,
     "0:invoke:read:null 0:ok:read:null", LIN_INVALID, UV_UNWRITTEN},
    {"cas from a value nobody wrote", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[5,6] 0:ok:cas:[5,6]", LIN_INVALID, UV_UNWRITTEN},
    {"two cas from the same value", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[0,1] 0:ok:cas:[0,1] 1:invoke:cas:[0,2] 1:ok:cas:[0,2]", LIN_INVALID,
     UV_TWO_NEXT},
    {"two crashed cas from one value, both seen", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[0,1] 0:info:cas:[0,1] 1:invoke:cas:[0,2] 1:info:cas:[0,2] "
     "2:invoke:read:null 2:ok:read:1 2:invoke:read:null 2:ok:read:2", LIN_INVALID, UV_TWO_NEXT},
    {"cas ops in a cycle", "cas-register", "0", NIL_ABSENT,
     "0:invoke:cas:[1,2] 0:ok:cas:[1,2] 1:invoke:cas:[2,1] 1:ok:cas:[2,1]", LIN_INVALID,
     UV_CYCLE},
    {"a read completes before its write is invoked", "register", NULL, NIL_ABSENT,
     "1:invoke:read:null 1:ok:read:1 0:invoke:write:1 0:ok:write:1", LIN_INVALID, UV_ORDER},
    {"a crashed write seen before its call", "register", "0", NIL_ABSENT,
     "1:invoke:read:null 1:ok:read:1 0:invoke:write:1 0:info:write:1", LIN_INVALID, UV_ORDER},
    {"a stale read after the cas that replaced its value", "cas-register", NULL, NIL_ABSENT,
     "0:invoke:write:1 0:ok:write:1 0:invoke:cas:[1,2] 0:ok:cas:[1,2] 1:invoke:read:null "
     "1:ok:read:1", LIN_INVALID, UV_ORDER},
    {"a stale read after a later write", "register", NULL, NIL_ABSENT,
     "0:invoke:write:1 0:ok:write:1 0:invoke:write:2 0:ok:write:2 1:invoke:read:null "
     "1:ok:read:1", LIN_INVALID, UV_OVERLAP},
    {"reads disagree on the order of two writes", "register", "0", NIL_ABSENT,
     "0:invoke:write:1 1:invoke:write:2 0:ok:write:1 1:ok:write:2 2:invoke:read:null "
     "2:ok:read:1 2:invoke:read:null 2:ok:read:2 3:invoke:read:null 3:ok:read:1", LIN_INVALID,
     UV_OVERLAP},
    {"nil read after a write completed", "register", NULL, NIL_ABSENT,
     "0:invoke:write:1 0:ok:write:1 1:invoke:read:null 1:ok:read:null", LIN_INVALID, UV_OVERLAP},
    {"reads of lists that diverge", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 1:invoke:append:2 0:ok:append:1 1:ok:append:2 2:invoke:get:null "
     "2:ok:get:[1,2] 3:invoke:get:null 3:ok:get:[2,1]", LIN_INVALID, UV_DIVERGE},
    {"a list with an item nobody appended", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 0:ok:append:1 1:invoke:get:null 1:ok:get:[1,3]", LIN_INVALID,
     UV_UNWRITTEN},
    {"a read misses an append that completed before it", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 0:ok:append:1 0:invoke:append:2 0:ok:append:2 1:invoke:get:null "
     "1:ok:get:[1]", LIN_INVALID, UV_OVERLAP},
    {"a later read sees less", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 1:invoke:append:2 2:invoke:get:null 2:ok:get:[1,2] 3:invoke:get:null "
     "3:ok:get:[1] 0:ok:append:1 1:ok:append:2", LIN_INVALID, UV_ORDER},
    {"sets: concurrent adds, in either order", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 1:invoke:add:2 2:invoke:read:null 2:ok:read:[2] 0:ok:add:1 1:ok:add:2 "
     "2:invoke:read:null 2:ok:read:[1,2]", LIN_VALID, UV_NONE},
    {"sets: initial members", "set", "[0]", NIL_ABSENT,
     "0:invoke:read:null 0:ok:read:[0] 0:invoke:add:1 0:ok:add:1 1:invoke:read:null "
     "1:ok:read:[0,1]", LIN_VALID, UV_NONE},
    {"sets: reads neither of which holds the other", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 1:invoke:add:2 2:invoke:read:null 2:ok:read:[1] 3:invoke:read:null "
     "3:ok:read:[2] 0:ok:add:1 1:ok:add:2", LIN_INVALID, UV_DIVERGE},
    {"sets: a member nobody added", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 0:ok:add:1 1:invoke:read:null 1:ok:read:[1,3]", LIN_INVALID, UV_UNWRITTEN},
    {"sets: a read without an initial member", "set", "[0]", NIL_ABSENT,
     "0:invoke:add:1 0:ok:add:1 1:invoke:read:null 1:ok:read:[1]", LIN_INVALID, UV_UNWRITTEN},
    {"sets: a later read shows less", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 1:invoke:add:2 2:invoke:read:null 2:ok:read:[1,2] 3:invoke:read:null "
     "3:ok:read:[1] 0:ok:add:1 1:ok:add:2", LIN_INVALID, UV_ORDER},
    {"sets: a read misses an add that completed before it", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 0:ok:add:1 1:invoke:add:2 1:ok:add:2 2:invoke:read:null 2:ok:read:[2]",
     LIN_INVALID, UV_OVERLAP},
    /* left to the search */
    {"sets: a member added twice", "set", NULL, NIL_ABSENT,
     "0:invoke:add:1 0:ok:add:1 1:invoke:add:1 1:ok:add:1", LIN_UNKNOWN, UV_WRITTEN_TWICE},
    {"sets: an initial member added", "set", "[0]", NIL_ABSENT,
     "0:invoke:add:0 0:ok:add:0 1:invoke:read:null 1:ok:read:[0]", LIN_UNKNOWN, UV_INIT_WRITTEN},
    {"a value written twice", "register", NULL, NIL_ABSENT,
     "0:invoke:write:1 0:ok:write:1 1:invoke:write:1 1:ok:write:1", LIN_UNKNOWN,
     UV_WRITTEN_TWICE},
    {"the initial value written again", "register", "0", NIL_ABSENT,
     "0:invoke:write:0 0:ok:write:0 1:invoke:read:null 1:ok:read:0", LIN_UNKNOWN,
     UV_INIT_WRITTEN},
    {"appends mixed with puts", "kv", NULL, NIL_ABSENT,
     "0:invoke:append:1 0:ok:append:1 1:invoke:put:[5] 1:ok:put:[5]", LIN_UNKNOWN, UV_MIXED},
    {"string appends concatenate", "kv", "\"\"", NIL_ABSENT,
     "0:invoke:append:\"a\" 0:ok:append:\"a\" 1:invoke:get:null 1:ok:get:\"a\"", LIN_UNKNOWN,
     UV_NO_FORM},
    {"appends to a list that does not start at nil", "kv", "[0]", NIL_ABSENT,
     "0:invoke:append:1 0:ok:append:1 1:invoke:get:null 1:ok:get:[0,1]", LIN_UNKNOWN,
     UV_APPEND_INIT},
    {"a counter has no unique-value form", "counter", NULL, NIL_ABSENT,
     "0:invoke:add:1 0:ok:add:1 1:invoke:read:null 1:ok:read:1", LIN_UNKNOWN, UV_NO_FORM},
};

Test(unique, hand_made_histories)
{
    lin_ws *ws = lin_ws_new(NULL);
    for (size_t i = 0; i < sizeof ucases / sizeof *ucases; i++) {
        const struct ucase *c = &ucases[i];
        history *h = th_events(c->spec, NULL);
        th_upart p;
        th_part(h, c->model, c->init, c->nil, false, &p);
        uv_result u;
        uv_check(&p.md, p.ops, p.n, NULL, NULL, &u);
        cr_expect_eq(u.verdict, c->want, "%s: %s (%s), expected %s", c->name, vname(u.verdict),
                     uv_kind_text(u.kind), vname(c->want));
        cr_expect_eq(u.kind, c->kind, "%s: %s, expected %s", c->name, uv_kind_text(u.kind),
                     uv_kind_text(c->kind));
        if (c->want != LIN_UNKNOWN)
            cr_expect_eq(search(&p, ws), c->want, "%s: the search disagrees", c->name);
        free(p.ops);
        hist_free(h);
    }
    lin_ws_free(ws);
}

/* The ops a violation names, as history op indices. */
static void named_ops(const char *spec, const char *model_name, const char *init, uv_kind kind,
                      const uint32_t *want, size_t nwant)
{
    history *h = th_events(spec, NULL);
    th_upart p;
    th_part(h, model_name, init, NIL_ABSENT, false, &p);
    uv_result u;
    uv_check(&p.md, p.ops, p.n, NULL, NULL, &u);
    cr_assert_eq(u.kind, kind, "%s", uv_kind_text(u.kind));
    cr_assert_eq(u.nops, nwant);
    for (size_t i = 0; i < nwant; i++) {
        uint32_t got = u.ops[i] == UV_OP_INIT ? UV_OP_INIT : p.ops[u.ops[i]].id;
        cr_expect_eq(got, want[i], "op %zu: %u, expected %u", i, got, want[i]);
    }
    free(p.ops);
    hist_free(h);
}

Test(unique, violations_name_the_ops_that_contradict_each_other)
{
    /* write 1, write 2, then read 1: the read (op 2) was invoked after
     * write 2 (op 1) completed, and write 2 after write 1 (op 0). */
    static const uint32_t overlap[] = {1, 2, 0, 1};
    named_ops("0:invoke:write:1 0:ok:write:1 0:invoke:write:2 0:ok:write:2 "
              "1:invoke:read:null 1:ok:read:1", "register", NULL, UV_OVERLAP, overlap, 4);
    /* the initial value read after write 1 completed */
    static const uint32_t from_init[] = {0, 1, UV_OP_INIT, 0};
    named_ops("0:invoke:write:1 0:ok:write:1 1:invoke:read:null 1:ok:read:null", "register",
              NULL, UV_OVERLAP, from_init, 4);
    /* read 1 (op 4) must precede read 3 (op 3), as 1 became 2 (op 1) then
     * 3 (op 2); read 3 completed before read 1 began. */
    static const uint32_t order[] = {4, 3, 1, 2};
    named_ops("0:invoke:write:1 0:ok:write:1 0:invoke:cas:[1,2] 1:invoke:cas:[2,3] "
              "2:invoke:read:null 2:ok:read:3 3:invoke:read:null 3:ok:read:1 0:ok:cas:[1,2] "
              "1:ok:cas:[2,3]", "cas-register", NULL, UV_ORDER, order, 4);
    static const uint32_t two[] = {0, 1, UV_OP_INIT};
    named_ops("0:invoke:cas:[0,1] 0:ok:cas:[0,1] 1:invoke:cas:[0,2] 1:ok:cas:[0,2]",
              "cas-register", "0", UV_TWO_NEXT, two, 3);
}

/* ---- random unique-value histories ---- */

enum { G_READ, G_WRITE, G_CAS, G_APPEND };
enum { T_OK, T_FAIL, T_INFO, T_OPEN };
#define GNIL (-1L)
#define GMAX 14

typedef struct gop {
    int proc, f, type;
    unsigned call, ret; /* ret UINT32_MAX: never completes */
    double pt;          /* where it takes effect, if it does */
    long in, old;
    bool applied;
    char out[160];
} gop;

typedef struct gmode {
    const char *name, *model;
    const char *fr, *fw; /* the read and write f names */
    bool cas, append;
    bool set;  /* append is an add, and reads return the items sorted */
    bool wild; /* results drawn at random, not from a run of the object */
} gmode;

static const gmode gmodes[] = {
    {"register", "register", "read", "write", false, false, false, false},
    {"cas-register", "cas-register", "read", "write", true, false, false, false},
    {"kv put/get/cas", "kv", "get", "put", true, false, false, false},
    {"kv list append", "kv", "get", "append", false, true, false, false},
    {"set", "set", "read", "add", false, true, true, false},
    {"cas-register, random results", "cas-register", "read", "write", true, false, false, true},
    {"kv list append, random results", "kv", "get", "append", false, true, false, true},
    {"set, random results", "set", "read", "add", false, true, true, true},
};

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) % n;
}

static int by_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* A read's list as JSON (null when empty); a set's sorted. */
static void put_list(const gmode *g, char *out, size_t cap, const long *items, size_t n)
{
    long l[GMAX + 2];
    memcpy(l, items, n * sizeof *l);
    if (g->set)
        qsort(l, n, sizeof *l, by_long);
    if (n == 0) {
        snprintf(out, cap, "null");
        return;
    }
    size_t k = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%ld", i ? "," : "", l[i]);
    snprintf(out + k, cap - k, "]");
}

static int by_pt(const void *a, const void *b)
{
    const gop *x = *(gop *const *)a, *y = *(gop *const *)b;
    return x->pt < y->pt ? -1 : x->pt > y->pt;
}

/* Run the ops against a correct register or list, each taking effect at
 * its point, so that the history is linearizable; then, two times in
 * three, change one result so that it may not be. */
static void simulate(const gmode *g, unsigned *s, gop *ops, size_t n, long init, long nvals,
                     bool *changed)
{
    gop *by[GMAX];
    for (size_t i = 0; i < n; i++)
        by[i] = &ops[i];
    qsort(by, n, sizeof *by, by_pt);
    long cur = init, list[GMAX + 1];
    size_t len = 0;
    if (g->set && init != GNIL)
        list[len++] = init; /* the set's initial member */
    for (size_t k = 0; k < n; k++) {
        gop *o = by[k];
        bool crashed = o->type == T_INFO || o->type == T_OPEN;
        if (crashed && rnd(s, 2))
            continue; /* a crashed op may never take effect */
        o->applied = true;
        if (o->f == G_READ) {
            if (g->append)
                put_list(g, o->out, sizeof o->out, list, len);
            else if (cur == GNIL)
                snprintf(o->out, sizeof o->out, "null");
            else
                snprintf(o->out, sizeof o->out, "%ld", cur);
        } else if (o->f == G_APPEND) {
            list[len++] = o->in;
        } else if (o->f == G_WRITE) {
            cur = o->in;
        } else {
            o->old = rnd(s, 3) ? cur : (rnd(s, 4) ? (long)rnd(s, 12) : GNIL);
            if (o->old == cur)
                cur = o->in;
            else if (!crashed)
                o->type = T_FAIL;
        }
    }
    *changed = false;
    if (rnd(s, 3) == 0)
        return;
    size_t i = rnd(s, (unsigned)n);
    gop *o = &ops[i];
    *changed = true;
    if (o->f == G_READ && o->type == T_OK && g->append) {
        long l[GMAX + 2];
        size_t m = 0;
        if (strcmp(o->out, "null") != 0)
            for (char *p = o->out + 1; *p;) {
                l[m++] = strtol(p, &p, 10);
                p += *p != 0;
            }
        unsigned how = rnd(s, 4);
        if (how == 0 && m) /* lose an item */
            memmove(&l[rnd(s, (unsigned)m)], &l[m - 1], sizeof *l), m--;
        else if (how == 1 && m > 1) { /* swap two */
            size_t a = rnd(s, (unsigned)m - 1);
            long t = l[a];
            l[a] = l[a + 1];
            l[a + 1] = t;
        } else if (how == 2) { /* one more, appended by some op, or by none */
            l[m++] = 1 + (long)rnd(s, (unsigned)nvals);
        } else {
            m = rnd(s, (unsigned)m + 1); /* an older list */
        }
        put_list(g, o->out, sizeof o->out, l, m);
    } else if (o->f == G_READ && o->type == T_OK) {
        long v = rnd(s, 5) ? 1 + (long)rnd(s, (unsigned)nvals) : (rnd(s, 2) ? init : GNIL);
        if (v == GNIL)
            snprintf(o->out, sizeof o->out, "null");
        else
            snprintf(o->out, sizeof o->out, "%ld", v);
    } else if (o->f == G_CAS && o->type == T_FAIL) {
        o->type = T_OK; /* a cas that found another value claims success */
    } else if (o->type == T_INFO || o->type == T_OPEN) {
        o->type = T_OK; /* a crashed op that did or did not take effect claims it did */
    } else {
        *changed = false;
    }
}

/* Results at random among the values written (reads see a prefix of one
 * order of the appended items, or a shuffle of it), cas from any of them,
 * outcomes at random: shapes a run of a correct object seldom makes. */
static void draw(const gmode *g, unsigned *s, gop *ops, size_t n, long init, long nvals,
                 bool *changed)
{
    long perm[GMAX];
    size_t m = (size_t)nvals - 1;
    for (size_t i = 0; i < m; i++)
        perm[i] = (long)i + 1;
    for (size_t i = m; i > 1; i--) {
        size_t j = rnd(s, (unsigned)i);
        long t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        gop *o = &ops[i];
        long v = rnd(s, 4) == 0 ? init : 1 + (long)rnd(s, (unsigned)nvals);
        if (o->f == G_CAS) {
            o->old = v;
            if (o->type == T_OK && rnd(s, 4) == 0)
                o->type = T_FAIL;
        } else if (o->f == G_READ && g->append) {
            long l[GMAX + 1];
            size_t k = rnd(s, (unsigned)m + 1);
            memcpy(l, perm, k * sizeof *l);
            if (k > 1 && rnd(s, 8) == 0) {
                long t = l[0];
                l[0] = l[k - 1];
                l[k - 1] = t;
            }
            if (g->set && k && rnd(s, 8) == 0)
                l[rnd(s, (unsigned)k)] = l[k - 1], k--; /* a set without one of them */
            if (g->set && init != GNIL && rnd(s, 16))
                l[k++] = init;
            put_list(g, o->out, sizeof o->out, l, k);
        } else if (o->f == G_READ) {
            if (v == GNIL)
                snprintf(o->out, sizeof o->out, "null");
            else
                snprintf(o->out, sizeof o->out, "%ld", v);
        }
    }
    *changed = true;
}

typedef struct gev {
    unsigned t, seq; /* ties in time keep the order of generation */
    const gop *o;
    bool done;
} gev;

static int by_time(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A random unique-value history (JSON Lines) of up to GMAX ops. Values
 * written are 1, 2, ... in invocation order; the initial value is nil or
 * 0, never written. */
static char *random_unique(const gmode *g, unsigned *s, long init, bool *changed)
{
    gop ops[GMAX];
    size_t n = 1 + rnd(s, 10 + (g->append ? 2 : 0));
    unsigned next_free[4] = {0};
    int procs = 1 + (int)rnd(s, 4), crashed_id = 100;
    long next_val = 1;
    for (size_t i = 0; i < n; i++) {
        gop *o = &ops[i];
        int p = (int)rnd(s, (unsigned)procs);
        memset(o, 0, sizeof *o);
        unsigned r = rnd(s, 10);
        o->f = r < 4 ? G_READ : g->append ? G_APPEND : (g->cas && r >= 7) ? G_CAS : G_WRITE;
        o->in = o->f == G_READ ? 0 : next_val++;
        o->call = next_free[p] + rnd(s, 6);
        o->ret = o->call + 1 + rnd(s, 8);
        unsigned t = rnd(s, 20);
        o->type = t < 14 ? T_OK : t < 18 ? T_INFO : T_OPEN;
        o->pt = o->call * 2 + 0.5 + (double)rnd(s, 1000) / 1000.0 *
                (o->type == T_OPEN ? 30.0 : (double)(o->ret * 2 + 1 - o->call * 2) - 1.0);
        o->proc = p;
        if (o->type == T_INFO || o->type == T_OPEN)
            o->proc = crashed_id++; /* after a crash, Jepsen gives a new process */
        next_free[p] = o->type == T_OK ? o->ret + 1 : o->ret + 40;
        snprintf(o->out, sizeof o->out, "null");
    }
    if (g->wild)
        draw(g, s, ops, n, init, next_val, changed);
    else
        simulate(g, s, ops, n, init, next_val, changed);
    gev evs[2 * GMAX];
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        evs[ne] = (gev){ops[i].call * 2, (unsigned)ne, &ops[i], false}, ne++;
        if (ops[i].type != T_OPEN)
            evs[ne] = (gev){ops[i].ret * 2 + 1, (unsigned)ne, &ops[i], true}, ne++;
    }
    qsort(evs, ne, sizeof *evs, by_time);
    static const char *types[] = {"ok", "fail", "info", "info"};
    sbuf b = {0};
    for (size_t i = 0; i < ne; i++) {
        const gop *o = evs[i].o;
        const char *f = o->f == G_READ ? g->fr : o->f == G_CAS ? "cas" : g->fw;
        char in[64];
        if (o->f == G_CAS && o->old == GNIL)
            snprintf(in, sizeof in, "[null,%ld]", o->in);
        else if (o->f == G_CAS)
            snprintf(in, sizeof in, "[%ld,%ld]", o->old, o->in);
        else if (o->f == G_READ)
            snprintf(in, sizeof in, "null");
        else
            snprintf(in, sizeof in, "%ld", o->in);
        const char *v = evs[i].done && o->f == G_READ && o->type == T_OK ? o->out : in;
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"value\":%s}\n", o->proc,
                    evs[i].done ? types[o->type] : "invoke", f, v);
    }
    return b.p;
}

typedef struct tally {
    size_t valid, invalid, undecided, kinds[UV_NKINDS];
} tally;

static void agree_on(const gmode *g, unsigned seed, size_t count, tally *t)
{
    lin_ws *ws = lin_ws_new(NULL);
    unsigned s = seed;
    for (size_t trial = 0; trial < count; trial++) {
        long init = (g->append && !g->set) || rnd(&s, 2) ? GNIL : 0; /* appends need nil */
        nil_read nil = rnd(&s, 4) ? NIL_ABSENT : NIL_UNKNOWN;
        bool prune = rnd(&s, 2), changed;
        char *text = random_unique(g, &s, init, &changed);
        history *h = th_read(text);
        th_upart p;
        th_part(h, g->model, init == GNIL ? NULL : g->set ? "[0]" : "0", nil, prune, &p);
        uv_result u;
        uv_check(&p.md, p.ops, p.n, NULL, NULL, &u);
        lin_verdict want = search(&p, ws);
        if (!changed)
            cr_assert_eq(want, LIN_VALID, "%s: a correct run found invalid:\n%s", g->name, text);
        t->kinds[u.kind]++;
        if (u.verdict == LIN_UNKNOWN) {
            t->undecided++;
            cr_assert_fail("%s trial %zu: not decided (%s):\n%s", g->name, trial,
                           uv_kind_text(u.kind), text);
        } else {
            cr_assert_eq(u.verdict, want, "%s trial %zu (seed %u, %s, nil %s, %s): unique-value "
                         "path says %s (%s), the search %s:\n%s", g->name, trial, seed,
                         init == GNIL ? "init nil" : "init 0",
                         nil == NIL_ABSENT ? "absent" : "unknown", prune ? "pruned" : "unpruned",
                         vname(u.verdict), uv_kind_text(u.kind), vname(want), text);
            *(u.verdict == LIN_VALID ? &t->valid : &t->invalid) += 1;
        }
        free(p.ops);
        hist_free(h);
        free(text);
    }
    lin_ws_free(ws);
}

/* CONCH_UNIQUE_TRIALS raises the count for a longer run (e.g. 1000000). */
static size_t trials(void)
{
    const char *e = getenv("CONCH_UNIQUE_TRIALS");
    long n = e ? atol(e) : 0;
    return n > 0 ? (size_t)n : 25000;
}

static void agree(size_t mode)
{
    const gmode *g = &gmodes[mode];
    tally t = {0};
    size_t n = trials();
    agree_on(g, 777u + 1000003u * (unsigned)mode, n, &t);
    fprintf(stderr, "unique-value path vs search, %s: %zu histories, %zu valid, %zu invalid, "
            "%zu left to the search; by kind:", g->name, n, t.valid, t.invalid, t.undecided);
    for (int k = 0; k < UV_NKINDS; k++)
        if (t.kinds[k])
            fprintf(stderr, " %s %zu;", uv_kind_text((uv_kind)k), t.kinds[k]);
    fprintf(stderr, "\n");
    /* Both verdicts in quantity, or the agreement proves little. */
    cr_assert_gt(t.valid, n / 5, "%s: only %zu valid", g->name, t.valid);
    cr_assert_gt(t.invalid, n / 10, "%s: only %zu invalid", g->name, t.invalid);
}

Test(unique, agrees_with_search_register, .timeout = 300) { agree(0); }
Test(unique, agrees_with_search_cas_register, .timeout = 300) { agree(1); }
Test(unique, agrees_with_search_kv, .timeout = 300) { agree(2); }
Test(unique, agrees_with_search_kv_append, .timeout = 300) { agree(3); }
Test(unique, agrees_with_search_set, .timeout = 300) { agree(4); }
Test(unique, agrees_with_search_random_cas, .timeout = 300) { agree(5); }
Test(unique, agrees_with_search_random_append, .timeout = 300) { agree(6); }
Test(unique, agrees_with_search_random_set, .timeout = 300) { agree(7); }

/* Long histories from conch gen (one key, three sessions: easy for the
 * search), given in a shuffled order: the path sorts thousands of ops and
 * chains, by radix, and must still agree with the search. */
static void agree_long(bool cas, double stale, uint64_t seed, lin_verdict *got)
{
    gen_opts go = {.ops = 12000, .sessions = 3, .keys = 1, .cas = cas, .stale = stale,
                   .crash = 0.02, .seed = seed};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(gen_history(&go, f), 0);
    fclose(f);
    history *h = th_read(text);
    th_upart p;
    th_part(h, cas ? "cas-register" : "register", NULL, NIL_ABSENT, true, &p);
    unsigned s = (unsigned)seed;
    for (size_t i = p.n; i > 1; i--) {
        size_t j = rnd(&s, (unsigned)i);
        lin_op t = p.ops[i - 1];
        p.ops[i - 1] = p.ops[j];
        p.ops[j] = t;
    }
    uv_result u;
    uv_check(&p.md, p.ops, p.n, NULL, NULL, &u);
    lin_verdict want = search(&p, NULL);
    cr_assert_eq(u.verdict, want, "gen --ops 12000 --sessions 3%s --stale %g --crash 0.02 "
                 "--seed %lu: unique-value path %s (%s), search %s", cas ? " --cas" : "", stale,
                 (unsigned long)seed, vname(u.verdict), uv_kind_text(u.kind), vname(want));
    cr_assert_gt(u.chains, 4096, "%zu chains: the radix sort is not reached", u.chains);
    *got = u.verdict;
    free(p.ops);
    hist_free(h);
    free(text);
}

Test(unique, agrees_on_long_shuffled_histories, .timeout = 300)
{
    size_t valid = 0, invalid = 0;
    for (uint64_t seed = 1; seed <= 4; seed++)
        for (int cas = 0; cas < 2; cas++) {
            lin_verdict v;
            agree_long(cas, seed % 2 ? 0.0 : 0.0005, seed, &v);
            valid += v == LIN_VALID;
            invalid += v == LIN_INVALID;
        }
    cr_expect_gt(valid, 0);
    cr_expect_gt(invalid, 0);
}

/* The limits the search keeps, kept without search too: all its memory is
 * charged to the budget and given back, a budget too small for it, a
 * deadline passed, an interrupt and a cancel flag each stop it as
 * UV_STOPPED, saying which. Every form is tried (values, list appends, a
 * set), on a part large enough to need a radix sort. */
Test(unique, keeps_the_memory_time_and_interrupt_limits, .timeout = 120)
{
    struct {
        const char *model;
        bool append, set;
    } forms[] = {{"cas-register", false, false}, {"kv", true, false}, {"set", false, true}};
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        if (forms[f].set) { /* 6,000 adds, and a read after every 200 */
            for (int i = 1; i <= 6000; i++) {
                fprintf(fp, "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":%d}\n"
                            "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":%d}\n",
                        i, i);
                if (i % 200)
                    continue;
                fprintf(fp, "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
                            "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[");
                for (int k = 1; k <= i; k++)
                    fprintf(fp, "%s%d", k > 1 ? "," : "", k);
                fprintf(fp, "]}\n");
            }
        } else {
            gen_opts go = {.ops = 20000, .sessions = 4, .keys = 1, .cas = !forms[f].append,
                           .append = forms[f].append, .crash = 0.02, .seed = 3};
            cr_assert_eq(gen_history(&go, fp), 0);
        }
        fclose(fp);
        history *h = th_read(text);
        th_upart p;
        th_part(h, forms[f].model, NULL, NIL_ABSENT, true, &p);

        /* Unlimited, but counted: decided, everything given back. */
        budget *b = budget_new(0);
        bhold hold;
        budget_join(&hold, b, false);
        uv_result u;
        uv_check(&p.md, p.ops, p.n, NULL, &hold, &u);
        cr_assert_eq(u.verdict, LIN_VALID, "%s: %s", forms[f].model, uv_kind_text(u.kind));
        cr_assert_eq(hold.held, 0, "%s: %zu bytes not given back", forms[f].model, hold.held);
        size_t need = hold.peak;
        cr_assert_gt(need, p.n * 16, "%s: its arrays were charged", forms[f].model);
        cr_assert_geq(u.bytes, need, "%s: it says what it held", forms[f].model);
        budget_leave(&hold);
        budget_free(b);

        /* A budget of half that: stopped by memory, everything given back. */
        b = budget_new(need / 2);
        budget_join(&hold, b, false);
        uv_check(&p.md, p.ops, p.n, NULL, &hold, &u);
        cr_assert_eq(u.verdict, LIN_UNKNOWN);
        cr_assert_eq(u.kind, UV_STOPPED, "%s: %s", forms[f].model, uv_kind_text(u.kind));
        cr_assert_eq(u.stop, LIN_STOP_MEMORY);
        cr_assert_leq(hold.peak, need / 2, "never past the budget");
        cr_assert_eq(hold.held, 0);
        budget_leave(&hold);
        budget_free(b);

        /* A deadline passed, an interrupt, another part invalid. */
        _Atomic int on = 1;
        lin_limits lims[] = {{1, NULL, NULL, NULL, NULL, NULL}, {0, NULL, NULL, &on, NULL, NULL},
                             {0, NULL, NULL, NULL, &on, NULL}};
        lin_stop want[] = {LIN_STOP_TIME, LIN_STOP_INTERRUPT, LIN_STOP_INVALID};
        for (size_t k = 0; k < 3; k++) {
            uv_check(&p.md, p.ops, p.n, &lims[k], NULL, &u);
            cr_assert_eq(u.kind, UV_STOPPED, "%s, limit %zu: %s", forms[f].model, k,
                         uv_kind_text(u.kind));
            cr_assert_eq(u.stop, want[k], "%s, limit %zu: %d", forms[f].model, k, u.stop);
        }
        free(p.ops);
        hist_free(h);
        free(text);
    }
}
