/*
 * unique_form.c - a part's ops as reads and updates of numbered values, for
 * the decision without search (unique.c has the algorithm; unique_int.h
 * the shapes).
 *
 * Reads, writes and cas: each distinct value gets a number as it is, and
 * the initial value is the one an observer of it (a read of it, a cas from
 * it) can be stepped from the model's initial state: the model's own
 * semantics say which, so nothing here compares with --init. Reads and
 * appends: the longest read fixes the order of the items it shows, value k
 * being the list of its first k items (0: nil, the initial value).
 */
#include <stdlib.h>
#include <string.h>

#include "unique_int.h"

/* Appended lists up to this long are replayed through the model's step. */
#define MODEL_REPLAY_APPENDS 1024

static void set_uop(uop *u, uint32_t v, uint32_t pred, uint32_t read)
{
    u->val = v;
    u->pred = pred;
    u->read = read;
}

/* Charge what putting one more value into m may take (*held: what m was
 * charged so far); false if refused. */
static bool room(ctx *c, const valmap *m, size_t *held)
{
    size_t need = valmap_peak_bytes(m);
    if (need <= *held)
        return true;
    if (!uv_charge(c, need - *held))
        return false;
    *held = need;
    return true;
}

/* v's number in m, numbering values as they come; NONE if the memory for
 * a new one was refused. */
static uint32_t number(ctx *c, valmap *m, size_t *held, val v)
{
    uint32_t x;
    if (!valmap_get(m, v, &x)) {
        if (!room(c, m, held))
            return NONE;
        x = (uint32_t)valmap_size(m);
        valmap_put(m, v, x);
    }
    return x;
}

/* Is op i legal in the model's initial state? */
static bool legal_at_init(const ctx *c, const mop *m, mbuf *st, mbuf *scratch)
{
    mbuf_reset(scratch);
    return c->md->type->step(c->md, (mstate){st->p, st->n}, m, 0, scratch) != STEP_ILLEGAL;
}

/* Reads, writes and cas: values are numbered as they are. Returns true if
 * it decided (out is set). */
bool uv_form_values(ctx *c, const uint8_t *kind, uv_result *out)
{
    valmap *ids = valmap_new();
    size_t held = 0;
    for (size_t i = 0; i < c->n && !c->stop; i++) {
        const mop *m = &c->ops[i].m;
        if (kind[i] == MV_READ)
            set_uop(&c->u[i], number(c, ids, &held, m->a), NONE, 1);
        else if (kind[i] == MV_WRITE)
            set_uop(&c->u[i], number(c, ids, &held, m->a), NONE, 0);
        else {
            uint32_t from = number(c, ids, &held, m->a);
            set_uop(&c->u[i], number(c, ids, &held, m->b), from, 0);
        }
    }
    c->nvals = (uint32_t)valmap_size(ids);
    valmap_free(ids);

    /* The initial value is the one whose observers are legal at the start. */
    uint32_t *obs = uv_halted(c) ? NULL : uv_take_none(c, c->nvals);
    if (!obs)
        return uv_stopped(c, out);
    for (size_t i = 0; i < c->n; i++) {
        uint32_t v = c->u[i].read ? c->u[i].val : c->u[i].pred;
        if (v != NONE && obs[v] == NONE)
            obs[v] = (uint32_t)i;
    }
    mbuf st = {0}, scratch = {0};
    c->md->type->init(c->md, &st);
    c->init = NONE;
    bool done = false;
    for (uint32_t v = 0; v < c->nvals && !done; v++) {
        if (obs[v] == NONE || !legal_at_init(c, &c->ops[obs[v]].m, &st, &scratch))
            continue;
        if (c->init != NONE) /* two values equal to one: the vocabulary was broken */
            uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 2, obs[c->init], obs[v], 0, 0), done = true;
        c->init = v;
    }
    mbuf_free(&st);
    mbuf_free(&scratch);
    uv_give(c, obs);
    c->model_replay = true;
    return done;
}

/* Is read r's list made of distinct appended items? stamp is per op. */
static bool list_possible(const ctx *c, const valmap *items, uint32_t r, uint32_t *stamp)
{
    size_t k;
    const val *it = val_items(c->md->vt, c->ops[r].m.a, &k);
    for (size_t t = 0; t < k; t++) {
        uint32_t a;
        if (!valmap_get(items, it[t], &a) || stamp[a] == r)
            return false;
        stamp[a] = r;
    }
    return true;
}

/* A list's or set's form is complete with nvals values, 0 the initial one;
 * the model's step copies its lists, so only short ones are replayed
 * through it. */
static void grown(ctx *c, uint32_t nvals, size_t nupdates)
{
    c->nvals = nvals;
    c->init = 0;
    c->model_replay = nupdates <= MODEL_REPLAY_APPENDS;
}

/* items: each item appended (or added) -> the op that does it; two ops of
 * one item leave it to the search (and a refusal of memory stops it). */
static bool map_items(ctx *c, const uint8_t *kind, uint8_t k, valmap *items, size_t *count,
                      uv_result *out)
{
    size_t held = 0;
    for (size_t i = 0; i < c->n; i++) {
        uint32_t a;
        if (kind[i] != k)
            continue;
        if (valmap_get(items, c->ops[i].m.a, &a)) {
            uv_put(out, LIN_UNKNOWN, UV_WRITTEN_TWICE, 2, a, (uint32_t)i, 0, 0);
            return false;
        }
        if (!room(c, items, &held)) {
            uv_stopped(c, out);
            return false;
        }
        valmap_put(items, c->ops[i].m.a, (uint32_t)i);
        ++*count;
    }
    return true;
}

/* Can the appends be read as list appends from nil? A read of nil,
 * stepped from the model's initial state, says; with no read at all, it is
 * enough that an append is legal there (so the value is nil or a list,
 * model.h), as no op will look at the list. */
static bool append_from_nil(const ctx *c, const uint8_t *kind)
{
    uint32_t r = NONE, a = NONE;
    for (size_t i = 0; i < c->n; i++) {
        if (kind[i] == MV_READ && r == NONE)
            r = (uint32_t)i;
        if (kind[i] == MV_APPEND && a == NONE)
            a = (uint32_t)i;
    }
    mop probe = c->ops[r != NONE ? r : a].m;
    if (r != NONE)
        probe.a = val_nil();
    mbuf st = {0}, scratch = {0};
    c->md->type->init(c->md, &st);
    bool ok = legal_at_init(c, &probe, &st, &scratch);
    mbuf_free(&st);
    mbuf_free(&scratch);
    return ok;
}

/* The read with the longest list, or NONE if no read returns a list. */
static uint32_t longest_read(const ctx *c, const uint8_t *kind)
{
    uint32_t rmax = NONE;
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t k = 0;
        if (kind[i] != MV_READ || c->ops[i].m.a.kind != VAL_LIST)
            continue;
        val_items(c->md->vt, c->ops[i].m.a, &k);
        if (rmax == NONE || k > m)
            rmax = (uint32_t)i, m = k;
    }
    return rmax;
}

/* Reads and appends: value k is the list of the longest read's first k
 * items (0: nil, the initial value); items no read shows get values of
 * their own, written and never read. Returns true if it decided. */
bool uv_form_appends(ctx *c, const uint8_t *kind, uv_result *out)
{
    c->form = UV_LIST;
    if (!append_from_nil(c, kind)) {
        uv_put(out, LIN_UNKNOWN, UV_APPEND_INIT, 0, 0, 0, 0, 0);
        return true;
    }
    bool done = true;
    valmap *items = valmap_new();
    uint32_t *pos = uv_take(c, c->n * sizeof *pos), *stamp = uv_take_none(c, c->n);
    size_t nappends = 0, m = 0;
    if (!pos || !stamp) {
        uv_stopped(c, out);
        goto out;
    }
    memset(pos, 0, c->n * sizeof *pos);
    if (!map_items(c, kind, MV_APPEND, items, &nappends, out))
        goto out;

    /* Where each item stands in the longest read. */
    uint32_t rmax = longest_read(c, kind);
    const val *mx = rmax == NONE ? NULL : val_items(c->md->vt, c->ops[rmax].m.a, &m);
    if (rmax != NONE && (m == 0 || !list_possible(c, items, rmax, stamp))) {
        uv_put(out, LIN_INVALID, UV_UNWRITTEN, 1, rmax, 0, 0, 0);
        goto out;
    }
    for (size_t t = 0; t < m; t++) {
        uint32_t a = 0;
        valmap_get(items, mx[t], &a);
        pos[a] = (uint32_t)t + 1;
    }
    uint32_t fresh = (uint32_t)m + 1;
    for (size_t i = 0; i < c->n; i++) {
        const val v = c->ops[i].m.a;
        if (kind[i] == MV_APPEND) {
            if (pos[i])
                set_uop(&c->u[i], pos[i], pos[i] - 1, 0);
            else
                set_uop(&c->u[i], fresh++, NONE, 0);
            continue;
        }
        size_t k = 0;
        const val *it = v.kind == VAL_LIST ? val_items(c->md->vt, v, &k) : NULL;
        if (!val_is_nil(v) && k == 0) { /* not nil, not a list of items: never held */
            uv_put(out, LIN_INVALID, UV_UNWRITTEN, 1, (uint32_t)i, 0, 0, 0);
            goto out;
        }
        if (k > m || (k && memcmp(it, mx, k * sizeof *it) != 0)) {
            if (list_possible(c, items, (uint32_t)i, stamp))
                uv_put(out, LIN_INVALID, UV_DIVERGE, 2, (uint32_t)i, rmax, 0, 0);
            else
                uv_put(out, LIN_INVALID, UV_UNWRITTEN, 1, (uint32_t)i, 0, 0, 0);
            goto out;
        }
        set_uop(&c->u[i], (uint32_t)k, NONE, 1);
    }
    grown(c, fresh, nappends);
    done = false;
out:
    valmap_free(items);
    uv_give(c, pos);
    uv_give(c, stamp);
    return done;
}

/* Does read r's set hold every initial member (ninit of them) and, beside
 * them, only added ones? */
static bool set_possible(const ctx *c, const valmap *items, const valmap *init, size_t ninit,
                         uint32_t r)
{
    size_t k, seen = 0;
    const val *it = val_items(c->md->vt, c->ops[r].m.a, &k);
    for (size_t t = 0; t < k; t++) {
        uint32_t x;
        if (valmap_get(init, it[t], &x))
            seen++;
        else if (!valmap_get(items, it[t], &x))
            return false;
    }
    return seen == ninit;
}

/* Does read a's set lie within read b's? Both hold the initial members
 * (set_possible); stamp is per op, and b's adders get b's mark. */
static bool set_within(const ctx *c, const valmap *items, uint32_t a, uint32_t b, uint32_t *stamp)
{
    size_t ka, kb;
    const val *ia = val_items(c->md->vt, c->ops[a].m.a, &ka);
    const val *ib = val_items(c->md->vt, c->ops[b].m.a, &kb);
    uint32_t x;
    for (size_t t = 0; t < kb; t++)
        if (valmap_get(items, ib[t], &x))
            stamp[x] = b;
    for (size_t t = 0; t < ka; t++)
        if (valmap_get(items, ia[t], &x) && stamp[x] != b)
            return false;
    return true;
}

/* The reads (keys: size << 32 | op, by size) each hold the last bigger
 * set before them (else UV_DIVERGE into out, and false); group[adder] gets
 * the number of the first set that shows its member, *ngroups how many. */
static bool group_by_reads(ctx *c, valmap *items, const uint64_t *keys, size_t nreads,
                           size_t ninit, uint32_t *stamp, uint32_t *group, uint32_t *ngroups,
                           uv_result *out)
{
    uint32_t prev = NONE;
    *ngroups = 0;
    for (size_t j = 0; j < nreads; j++) {
        uint32_t r = (uint32_t)keys[j];
        size_t k;
        const val *it = val_items(c->md->vt, c->ops[r].m.a, &k);
        if (prev != NONE && val_eq(c->ops[prev].m.a, c->ops[r].m.a))
            continue;
        if (k == ninit) { /* the initial members: set_possible said so */
            prev = r;
            continue;
        }
        if (prev != NONE && !set_within(c, items, prev, r, stamp)) {
            uv_put(out, LIN_INVALID, UV_DIVERGE, 2, prev, r, 0, 0);
            return false;
        }
        ++*ngroups;
        for (size_t t = 0; t < k; t++) {
            uint32_t a;
            if (valmap_get(items, it[t], &a) && !group[a])
                group[a] = *ngroups;
        }
        prev = r;
    }
    return true;
}

/* The adds become updates: those of a group in call order, the groups in
 * order (value k the set after the k-th add), then the adds no read shows;
 * a read, the value at the end of its newest member's group. keys: room
 * for c->n. false, stopped into out, if refused memory. */
static bool sequence_adds(ctx *c, const uint8_t *kind, valmap *items, const uint32_t *group,
                          uint32_t ngroups, uint64_t *keys, size_t nadds, uv_result *out)
{
    bool ok = false;
    size_t nseq = 0;
    for (size_t i = 0; i < c->n; i++)
        if (kind[i] == MV_ADD && group[i])
            keys[nseq++] = (uint64_t)c->u[i].call << 32 | i;
    uint32_t *count = uv_take(c, ((size_t)ngroups + 2) * sizeof *count);
    uint32_t *at = uv_take(c, ((size_t)ngroups + 1) * sizeof *at);
    if (!count || !at || !uv_sort_packed(c, keys, nseq)) {
        uv_stopped(c, out);
        goto out;
    }
    memset(count, 0, ((size_t)ngroups + 2) * sizeof *count);
    for (size_t t = 0; t < nseq; t++)
        count[group[(uint32_t)keys[t]] + 1]++;
    for (uint32_t g = 1; g <= ngroups + 1; g++)
        count[g] += count[g - 1]; /* count[g]: the adds before group g */
    memcpy(at, count, ((size_t)ngroups + 1) * sizeof *at);
    for (size_t t = 0; t < nseq; t++) {
        uint32_t a = (uint32_t)keys[t], v = ++at[group[a]];
        set_uop(&c->u[a], v, v - 1, 0);
    }
    uint32_t fresh = (uint32_t)nseq + 1;
    for (size_t i = 0; i < c->n; i++)
        if (kind[i] == MV_ADD && !group[i])
            set_uop(&c->u[i], fresh++, NONE, 0);
    /* A read's set is the value at the end of the group of its newest
     * member (0: none beside the initial ones). */
    for (size_t i = 0; i < c->n; i++) {
        size_t k;
        uint32_t g = 0, a;
        if (kind[i] != MV_READ)
            continue;
        const val *it = val_items(c->md->vt, c->ops[i].m.a, &k);
        for (size_t t = 0; t < k; t++)
            if (valmap_get(items, it[t], &a) && group[a] > g)
                g = group[a];
        set_uop(&c->u[i], g ? count[g + 1] : 0, NONE, 1);
    }
    grown(c, fresh, nadds);
    ok = true;
out:
    uv_give(c, count);
    uv_give(c, at);
    return ok;
}

/* Reads and adds of a grow-only set. The reads' sets, by size, must each
 * hold the one before (else UV_DIVERGE). The adds of the members a set is
 * the first to show form a group, between that set and the one before; in
 * a linearization a group's adds may go in any order, and in call order
 * they fit whenever some order does (a level of unique.c's step 3 in call
 * order is still placeable: each add returns after its own call, the
 * latest so far). So the adds become updates in that sequence, value k
 * being the set after the k-th (0: the initial members), and a read of a
 * set, a read of the value after its group's last add; adds no read shows
 * are writes no one reads. Returns true if it decided. */
bool uv_form_sets(ctx *c, const uint8_t *kind, uv_result *out)
{
    c->form = UV_SET;
    bool done = true;
    valmap *items = valmap_new(), *init = valmap_new();
    uint32_t *stamp = uv_take_none(c, c->n), *group = uv_take(c, c->n * sizeof *group);
    uint64_t *keys = uv_take(c, c->n * sizeof *keys);
    size_t ninit, nadds = 0, nreads = 0, held = 0;
    uint32_t ngroups;
    const val *iv = val_items(c->md->vt, c->md->opts.init, &ninit);
    if (!stamp || !group || !keys) {
        uv_stopped(c, out);
        goto out;
    }
    memset(group, 0, c->n * sizeof *group);
    for (size_t t = 0; t < ninit; t++) {
        if (!room(c, init, &held)) {
            uv_stopped(c, out);
            goto out;
        }
        valmap_put(init, iv[t], 1);
    }
    ninit = valmap_size(init);
    if (!map_items(c, kind, MV_ADD, items, &nadds, out))
        goto out;
    for (size_t i = 0; i < c->n; i++) {
        uint32_t x;
        if (kind[i] == MV_ADD && valmap_get(init, c->ops[i].m.a, &x)) {
            uv_put(out, LIN_UNKNOWN, UV_INIT_WRITTEN, 1, (uint32_t)i, 0, 0, 0);
            goto out;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        size_t k;
        if (kind[i] != MV_READ)
            continue;
        if (!set_possible(c, items, init, ninit, (uint32_t)i)) {
            uv_put(out, LIN_INVALID, UV_UNWRITTEN, 1, (uint32_t)i, 0, 0, 0);
            goto out;
        }
        val_items(c->md->vt, c->ops[i].m.a, &k);
        keys[nreads++] = (uint64_t)k << 32 | i;
    }
    if (!uv_sort_packed(c, keys, nreads)) {
        uv_stopped(c, out);
        goto out;
    }
    if (!group_by_reads(c, items, keys, nreads, ninit, stamp, group, &ngroups, out) ||
        !sequence_adds(c, kind, items, group, ngroups, keys, nadds, out))
        goto out;
    done = false;
out:
    valmap_free(items);
    valmap_free(init);
    uv_give(c, stamp);
    uv_give(c, group);
    uv_give(c, keys);
    return done;
}
