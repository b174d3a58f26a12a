/*
 * shrink_need.c - what the ops of a counterexample need of one another
 * (shrink_int.h), so that the shrinker keeps beside a set, as optional, the
 * ops it may need, and never shows a read whose write it left out.
 *
 * Where the model speaks the unique-value vocabulary (model.h), an op's
 * needs are values: a read needs the value it read (the items of a list
 * or set it read), a cas its old value; an update provides the value it
 * writes. The values may repeat (parts searched): then every update of a
 * value may provide it. Without that vocabulary nothing is known, and
 * every set passes.
 */
#include "shrink_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

/* Which ops name which values (their arguments, and the items of a list
 * argument: an append's item is in the lists read after it), so that the
 * ops a read or cas may need are found without knowing the model: the
 * ops naming value v are mates[first[v] .. first[v + 1]). */
struct shrink_mates {
    valmap *ids;
    uint32_t *first, *ops;
};

static size_t op_vals(const model *md, const mop *m, val *out, size_t max)
{
    size_t k = 0;
    val args[2] = {m->a, m->b};
    for (int i = 0; i < 2; i++) {
        if (val_is_nil(args[i]))
            continue;
        if (k < max)
            out[k++] = args[i];
        size_t ni;
        const val *items = val_items(md->vt, args[i], &ni);
        for (size_t j = 0; j < ni && args[i].kind == VAL_LIST && k < max; j++)
            out[k++] = items[j];
    }
    return k;
}

#define OP_VALS_MAX 64

shrink_mates *shrink_mates_new(const shrinker *s)
{
    shrink_mates *mt = xcalloc(1, sizeof *mt);
    mt->ids = valmap_new();
    val vs[OP_VALS_MAX];
    VEC(uint32_t) pairs = {0}; /* value id, op */
    for (size_t i = 0; i < s->n; i++) {
        size_t k = op_vals(s->md, &s->ops[i].m, vs, OP_VALS_MAX);
        for (size_t j = 0; j < k; j++) {
            uint32_t id;
            if (!valmap_get(mt->ids, vs[j], &id)) {
                id = (uint32_t)valmap_size(mt->ids);
                valmap_put(mt->ids, vs[j], id);
            }
            VEC_PUSH(pairs, id);
            VEC_PUSH(pairs, (uint32_t)i);
        }
    }
    size_t nv = valmap_size(mt->ids);
    mt->first = xcalloc(nv + 2, sizeof *mt->first);
    mt->ops = xmalloc((pairs.n / 2 + 1) * sizeof *mt->ops);
    for (size_t p = 0; p < pairs.n; p += 2)
        mt->first[pairs.v[p] + 2]++;
    for (size_t v = 2; v < nv + 2; v++)
        mt->first[v] += mt->first[v - 1];
    for (size_t p = 0; p < pairs.n; p += 2)
        mt->ops[mt->first[pairs.v[p] + 1]++] = pairs.v[p + 1];
    free(pairs.v);
    return mt;
}

void shrink_mates_free(shrink_mates *mt)
{
    if (!mt)
        return;
    valmap_free(mt->ids);
    free(mt->first);
    free(mt->ops);
    free(mt);
}

#define UNIVERSE_MAX 8192

/* Mark in in[] the ops that name a value the marked ops name, and so on
 * (a read needs the write of its value, a cas the write of its old one),
 * until UNIVERSE_MAX ops are marked. */
void shrink_mark_mates(const shrinker *s, const shrink_mates *mt, bool *in)
{
    VEC(uint32_t) todo = {0};
    size_t count = 0;
    for (size_t i = 0; i < s->n; i++)
        if (in[i]) {
            VEC_PUSH(todo, (uint32_t)i);
            count++;
        }
    val vs[OP_VALS_MAX];
    for (size_t t = 0; t < todo.n && count < UNIVERSE_MAX; t++) {
        size_t k = op_vals(s->md, &s->ops[todo.v[t]].m, vs, OP_VALS_MAX);
        for (size_t j = 0; j < k && count < UNIVERSE_MAX; j++) {
            uint32_t id;
            if (!valmap_get(mt->ids, vs[j], &id))
                continue;
            for (uint32_t q = mt->first[id]; q < mt->first[id + 1] && count < UNIVERSE_MAX; q++)
                if (!in[mt->ops[q]]) {
                    in[mt->ops[q]] = true;
                    VEC_PUSH(todo, mt->ops[q]);
                    count++;
                }
        }
    }
    free(todo.v);
}

/* The value an update writes, in the model's unique-value vocabulary
 * (model.h); nil if op is not an update, or the model does not say. */
static val written(const model *md, const mop *m)
{
    model_vop v = md->type->vop ? md->type->vop(md, m) : MV_NONE;
    return v == MV_WRITE || v == MV_APPEND || v == MV_ADD ? m->a : v == MV_CAS ? m->b : val_nil();
}

/* Rank the optional ops opt[0..m) for set[0..k): 0 for an update that
 * writes a value the set names, or one such an update needs, and so on
 * (a read's value comes from a write, or a cas, whose old value comes from
 * another...); 1 for the rest. Where values repeat, the updates of a value
 * may stand in for one another, and one of them must stay optional. */
void shrink_rank_needed(const shrinker *s, const uint32_t *set, size_t k, shrink_rank *opt,
                        size_t m)
{
    valmap *need = valmap_new();
    val vs[OP_VALS_MAX];
    for (size_t i = 0; i < k; i++) {
        size_t nv = op_vals(s->md, &s->ops[set[i]].m, vs, OP_VALS_MAX);
        for (size_t j = 0; j < nv; j++)
            valmap_put(need, vs[j], 1);
    }
    for (size_t i = 0; i < m; i++)
        opt[i].rank = 1;
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < m; i++) {
            const mop *o = &s->ops[opt[i].op].m;
            uint32_t x;
            val w = written(s->md, o);
            if (opt[i].rank == 0 || val_is_nil(w) || !valmap_get(need, w, &x))
                continue;
            opt[i].rank = 0;
            size_t nv = op_vals(s->md, o, vs, OP_VALS_MAX);
            for (size_t j = 0; j < nv; j++)
                if (!valmap_get(need, vs[j], &x)) {
                    valmap_put(need, vs[j], 1);
                    grew = true;
                }
        }
    }
    valmap_free(need);
}

void shrink_need_init(shrinker *s)
{
    s->wrote = valmap_new();
    VEC(uint32_t) first = {0};
    for (size_t i = 0; i < s->n; i++) {
        val w = written(s->md, &s->ops[i].m);
        if (val_is_nil(w))
            continue;
        uint32_t id;
        if (!valmap_get(s->wrote, w, &id)) {
            valmap_put(s->wrote, w, (uint32_t)first.n);
            VEC_PUSH(first, s->ops[i].call);
        } else if (s->ops[i].call < first.v[id]) {
            first.v[id] = s->ops[i].call;
        }
    }
    s->first_write = first.v;
}

void shrink_need_free(shrinker *s)
{
    if (s->wrote)
        valmap_free(s->wrote);
    free(s->first_write);
    s->wrote = NULL;
    s->first_write = NULL;
}

/* Feasibility: can an op get the values it needs in time? */
typedef struct feas {
    shrinker *s;
    const uint32_t *u;
    size_t nu;
    valmap *first;     /* a written value -> the first position in u writing it */
    uint32_t *next;    /* position -> the next one writing the same value */
    uint32_t *ok_by;   /* position -> least deadline it was found to make */
    uint32_t *bad_by;  /* position -> greatest deadline it was found to miss */
    bool *on_path;     /* the positions being looked at (a chain of cas) */
    bool cycled;       /* an answer rested on a position being looked at */
    mbuf init, scratch;
} feas;

/* Can the op at position q of the universe take effect before position
 * by, with what it needs: the values, in the model's unique-value
 * vocabulary (model.h), that a read reads (the items of a list read) or a
 * cas replaces? Each must be there at the start, or written by an op of
 * the universe invoked before by that can itself take effect before by;
 * or no op of the whole part writes it before by (then the need is the
 * contradiction itself, not an op left out). Answers are kept by
 * deadline, as a later one can only help. */
static bool feasible(feas *f, size_t q, uint32_t by)
{
    shrinker *s = f->s;
    const lin_op *o = &s->ops[f->u[q]];
    if (o->call >= by || by <= f->bad_by[q])
        return false;
    if (f->ok_by[q] <= by)
        return true;
    if (f->on_path[q]) {
        f->cycled = true;
        return false;
    }
    model_vop v = s->md->type->vop(s->md, &o->m);
    bool ok = true, cycled = f->cycled;
    f->cycled = false;
    mbuf_reset(&f->scratch);
    if ((v == MV_READ || v == MV_CAS) &&
        s->md->type->step(s->md, (mstate){f->init.p, f->init.n}, &o->m, 0, &f->scratch) ==
            STEP_ILLEGAL) {
        f->on_path[q] = true;
        size_t ni = 1;
        const val *items = &o->m.a;
        if (v == MV_READ && o->m.a.kind == VAL_LIST)
            items = val_items(s->md->vt, o->m.a, &ni);
        for (size_t j = 0; j < ni && ok; j++) {
            uint32_t id, p;
            if (!valmap_get(s->wrote, items[j], &id) || s->first_write[id] >= by)
                continue; /* no op of the part could write it in time */
            bool found = false;
            for (bool any = valmap_get(f->first, items[j], &p); any && !found && p != UINT32_MAX;
                 p = f->next[p])
                found = p != q && feasible(f, p, by);
            ok = found;
        }
        f->on_path[q] = false;
    }
    if (!f->cycled) { /* an answer that rested on a chain in progress is not kept */
        if (ok && by < f->ok_by[q])
            f->ok_by[q] = by;
        if (!ok && by > f->bad_by[q])
            f->bad_by[q] = by;
    }
    f->cycled |= cycled;
    return ok;
}

/* Can every op of set[0..k) get what it needs from the universe u[0..nu)
 * (which holds the set) before it returns (feasible)? A set that fails
 * only because a check left out the write a read saw is no counterexample
 * worth showing. A model without the unique-value vocabulary says
 * nothing: every set passes. */
bool shrink_supported(shrinker *s, const uint32_t *set, size_t k, const uint32_t *u, size_t nu)
{
    if (!s->md->type->vop)
        return true;
    size_t n = nu ? nu : 1;
    feas f = {s, u, nu, valmap_new(), xmalloc(n * sizeof(uint32_t)),
              xmalloc(n * sizeof(uint32_t)), xcalloc(n, sizeof(uint32_t)),
              xcalloc(n, sizeof(bool)), false, {0}, {0}};
    s->md->type->init(s->md, &f.init);
    /* Chains of the positions writing each value, in order of position. */
    for (size_t q = nu; q-- > 0;) {
        f.ok_by[q] = LIN_NEVER;
        val w = written(s->md, &s->ops[u[q]].m);
        uint32_t p = UINT32_MAX;
        if (!val_is_nil(w))
            valmap_get(f.first, w, &p);
        f.next[q] = p;
        if (!val_is_nil(w))
            valmap_put(f.first, w, (uint32_t)q);
    }
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = true;
    bool ok = true;
    for (size_t q = 0; q < nu && ok; q++)
        if (s->keep[u[q]])
            ok = feasible(&f, q, s->ops[u[q]].ret); /* ok ops of the set: before they return */
    for (size_t i = 0; i < k; i++)
        s->keep[set[i]] = false;
    mbuf_free(&f.init);
    mbuf_free(&f.scratch);
    valmap_free(f.first);
    free(f.next);
    free(f.ok_by);
    free(f.bad_by);
    free(f.on_path);
    return ok;
}

/* The optional ops of pool[0..np) that set[0..k) needs, ascending, into
 * out; returns how many. An op of the set, or one taken, that needs a
 * value (as can_get says) no op of the set writes in time takes every op
 * of the pool that writes it in time, which may need values in turn.
 * Without the model's unique-value vocabulary, the whole pool. */
size_t shrink_needed_support(shrinker *s, const uint32_t *set, size_t k, const uint32_t *pool,
                             size_t np, uint32_t *out)
{
    if (!s->md->type->vop) {
        memcpy(out, pool, np * sizeof *out);
        qsort(out, np, sizeof *out, shrink_cmp_u32);
        return np;
    }
    VEC(uint32_t) todo = {0};
    uint32_t last = 0;
    for (size_t i = 0; i < k; i++) {
        VEC_PUSH(todo, set[i]);
        if (s->ops[set[i]].ret != LIN_NEVER && s->ops[set[i]].ret > last)
            last = s->ops[set[i]].ret;
    }
    bool *taken = xcalloc(np ? np : 1, sizeof *taken);
    size_t m = 0;
    for (size_t t = 0; t < todo.n; t++) {
        const mop *o = &s->ops[todo.v[t]].m;
        model_vop v = s->md->type->vop(s->md, o);
        if (v != MV_READ && v != MV_CAS)
            continue;
        uint32_t by = t < k ? s->ops[todo.v[t]].ret : last;
        size_t ni = 1;
        const val *items = &o->a;
        if (v == MV_READ && o->a.kind == VAL_LIST)
            items = val_items(s->md->vt, o->a, &ni);
        for (size_t j = 0; j < ni; j++) {
            bool mine = false;
            for (size_t i = 0; i < k && !mine; i++)
                mine = set[i] != todo.v[t] && s->ops[set[i]].call < by &&
                       val_eq(written(s->md, &s->ops[set[i]].m), items[j]);
            for (size_t q = 0; q < np && !mine; q++)
                if (!taken[q] && s->ops[pool[q]].call < by &&
                    val_eq(written(s->md, &s->ops[pool[q]].m), items[j])) {
                    taken[q] = true;
                    out[m++] = pool[q];
                    VEC_PUSH(todo, pool[q]);
                }
        }
    }
    free(todo.v);
    free(taken);
    qsort(out, m, sizeof *out, shrink_cmp_u32);
    return m;
}

