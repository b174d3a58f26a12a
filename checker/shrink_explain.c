/*
 * shrink_explain.c - where every order of a counterexample's few ops gets
 * stuck (shrink_int.h).
 *
 * Depth first over the orders real time allows (an op may go next if it
 * was invoked before every op not yet placed that must be placed
 * returned), each (ops placed, state) configuration once, as in the
 * search (lin.c); optional ops may be placed or not. A configuration where
 * no op that may go next is legal is a dead end; the furthest ones are
 * kept, with the order that reached them and the ops none of which could
 * follow. At most SHRINK_EXPLAIN_MAX ops, so a placed set is a word.
 */
#include "shrink_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/mem.h"

typedef struct explorer {
    const model *md;
    const lin_op *ops; /* the minimal ops */
    size_t n;
    uint32_t okmask;   /* ops that must be placed (ok) */
    VEC(mbuf) states;  /* interned, by id */
    uint32_t *stab;    /* state ids + 1 by hash; 0 empty */
    size_t scap;
    uint64_t *seen;    /* (mask << 32 | state id) + 1; 0 empty */
    size_t nseen, cap;
    bool cut;          /* too many configurations: not every order explored */
    uint32_t path[SHRINK_EXPLAIN_MAX];
    size_t depth;
    shrink_result *out;
} explorer;

#define EXPLORE_MAX_CONFIGS 200000

/* The id of state b, interning it (a table of ids + 1 by the model's hash). */
static uint32_t state_id(explorer *x, const mbuf *b)
{
    mstate st = {b->p, b->n};
    if ((x->states.n + 1) * 2 > x->scap) {
        size_t cap = x->scap ? x->scap * 2 : 64;
        uint32_t *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < x->states.n; i++) {
            mstate si = {x->states.v[i].p, x->states.v[i].n};
            size_t j = x->md->type->hash(si) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = (uint32_t)i + 1;
        }
        free(x->stab);
        x->stab = t;
        x->scap = cap;
    }
    size_t j = x->md->type->hash(st) & (x->scap - 1);
    for (; x->stab[j]; j = (j + 1) & (x->scap - 1)) {
        const mbuf *o = &x->states.v[x->stab[j] - 1];
        if (x->md->type->equal((mstate){o->p, o->n}, st))
            return x->stab[j] - 1;
    }
    mbuf c = {0};
    mbuf_add(&c, b->p, b->n);
    VEC_PUSH(x->states, c);
    x->stab[j] = (uint32_t)x->states.n;
    return (uint32_t)(x->states.n - 1);
}

/* Mark (mask, sid) seen; false if it was already. */
static bool see(explorer *x, uint32_t mask, uint32_t sid)
{
    if ((x->nseen + 1) * 2 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        uint64_t *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < x->cap; i++)
            if (x->seen[i])
                for (size_t j = hash_mix64(x->seen[i]) & (cap - 1);; j = (j + 1) & (cap - 1))
                    if (!t[j]) {
                        t[j] = x->seen[i];
                        break;
                    }
        free(x->seen);
        x->seen = t;
        x->cap = cap;
    }
    uint64_t key = ((uint64_t)mask << 32 | sid) + 1;
    for (size_t j = hash_mix64(key) & (x->cap - 1);; j = (j + 1) & (x->cap - 1)) {
        if (x->seen[j] == key)
            return false;
        if (!x->seen[j]) {
            x->seen[j] = key;
            x->nseen++;
            return true;
        }
    }
}

/* Keep a dead end if it is among the furthest (most ops placed). */
static void dead_end(explorer *x, uint32_t sid, const uint32_t *next, size_t nnext)
{
    shrink_result *r = x->out;
    r->ends_total++;
    size_t at = r->nends;
    while (at > 0 && r->ends[at - 1].norder < x->depth)
        at--;
    if (at >= SHRINK_MAX_ENDS)
        return;
    if (r->nends == SHRINK_MAX_ENDS) {
        shrink_end *last = &r->ends[SHRINK_MAX_ENDS - 1];
        free(last->order);
        free(last->state);
        free(last->next);
        r->nends--;
    }
    memmove(&r->ends[at + 1], &r->ends[at], (r->nends - at) * sizeof *r->ends);
    shrink_end *e = &r->ends[at];
    e->norder = x->depth;
    e->order = xmalloc((x->depth ? x->depth : 1) * sizeof *e->order);
    memcpy(e->order, x->path, x->depth * sizeof *e->order);
    e->nnext = nnext;
    e->next = xmalloc((nnext ? nnext : 1) * sizeof *e->next);
    memcpy(e->next, next, nnext * sizeof *e->next);
    sbuf d = {0};
    const mbuf *st = &x->states.v[sid];
    x->md->type->describe(x->md, (mstate){st->p, st->n}, &d);
    e->state = xstrdup(sbuf_str(&d));
    sbuf_free(&d);
    r->nends++;
}

static void explore(explorer *x, uint32_t mask, uint32_t sid)
{
    if ((mask & x->okmask) == x->okmask || x->cut)
        return; /* every ok op placed: this order works (not expected here) */
    if (x->nseen > EXPLORE_MAX_CONFIGS) {
        x->cut = true;
        return;
    }
    /* Real time: an op may go next if it was invoked before every op not
     * yet placed that must be placed (ok) returned. */
    uint32_t first_ret = LIN_NEVER;
    for (size_t i = 0; i < x->n; i++)
        if (!(mask >> i & 1) && x->ops[i].ret < first_ret)
            first_ret = x->ops[i].ret;
    uint32_t next[SHRINK_EXPLAIN_MAX];
    size_t nnext = 0;
    bool legal = false;
    mbuf nb = {0};
    for (size_t i = 0; i < x->n; i++) {
        if (mask >> i & 1 || x->ops[i].call > first_ret)
            continue;
        next[nnext++] = (uint32_t)i;
        for (unsigned choice = 0;; choice++) {
            mbuf_reset(&nb);
            const mbuf *st = &x->states.v[sid];
            step_rc rc = x->md->type->step(x->md, (mstate){st->p, st->n}, &x->ops[i].m, choice,
                                           &nb);
            if (rc == STEP_ILLEGAL)
                break;
            legal = true;
            uint32_t nsid = state_id(x, &nb);
            if (see(x, mask | 1u << i, nsid)) {
                x->path[x->depth++] = (uint32_t)i;
                explore(x, mask | 1u << i, nsid);
                x->depth--;
            }
            if (rc != STEP_MORE)
                break;
        }
    }
    mbuf_free(&nb);
    if (!legal)
        dead_end(x, sid, next, nnext);
}

/* The dead ends of the ops keep[0..k) as recorded and maybe[0..nm) as
 * optional, into out (op numbers are the caller's). */
void shrink_explain(const model *md, const lin_op *ops, const uint32_t *keep, size_t k,
                    const uint32_t *maybe, size_t nm, shrink_result *out)
{
    lin_op sub[SHRINK_EXPLAIN_MAX];
    uint32_t id[SHRINK_EXPLAIN_MAX];
    explorer x = {.md = md, .ops = sub, .n = k + nm, .out = out};
    for (size_t i = 0; i < k + nm; i++) {
        id[i] = i < k ? keep[i] : maybe[i - k];
        sub[i] = ops[id[i]];
        if (i < k && sub[i].ret != LIN_NEVER)
            x.okmask |= 1u << i;
        if (i >= k)
            sub[i].ret = LIN_NEVER;
    }
    mbuf b = {0};
    md->type->init(md, &b);
    uint32_t sid = state_id(&x, &b);
    mbuf_free(&b);
    see(&x, 0, sid);
    explore(&x, 0, sid);
    out->explained = !x.cut;
    for (size_t e = 0; e < out->nends; e++) {
        for (size_t i = 0; i < out->ends[e].norder; i++)
            out->ends[e].order[i] = id[out->ends[e].order[i]];
        for (size_t i = 0; i < out->ends[e].nnext; i++)
            out->ends[e].next[i] = id[out->ends[e].next[i]];
    }
    for (size_t i = 0; i < x.states.n; i++)
        mbuf_free(&x.states.v[i]);
    free(x.states.v);
    free(x.stab);
    free(x.seen);
}

