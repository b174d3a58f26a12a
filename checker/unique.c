/*
 * unique.c - linearizability of one part without search, when written
 * values are unique (unique.h).
 *
 * Deciding linearizability is NP-complete in general (Gibbons & Korach,
 * "Testing shared memories", SIAM J. Comput. 26(4), 1997), which is why
 * lin.c searches. But when each value is written at most once and the
 * initial value never again, a read names the write it saw (their "read
 * mapping"), and the problem becomes polynomial. Gibbons & Korach, and
 * Golab, Li & Shah ("Analyzing consistency properties for fun and profit",
 * PODC 2011), decide read/write registers so with "zones": the stretch of
 * time from a write to its last read. Lee & Mathur ("Efficient
 * decrease-and-conquer linearizability monitoring", OOPSLA 2025) cast such
 * algorithms as peeling off values whose ops can go first; their
 * fixed-parameter algorithms (arXiv 2509.05586) cover what is left. Here
 * the zone of one write grows into the zone of a chain of updates:
 * compare-and-set, and appends, whose reads reveal their order.
 *
 * The ops, in the vocabulary of models/model.h: reads (of a value v) and
 * updates: a write (of v), or one that needs a previous value p (cas p ->
 * v; an append, once the reads say which list came before it). An op has
 * an interval [call, ret] of positions in real time; a crashed (info) op
 * has ret = infinity and may be left out. Values are numbered; the initial
 * value is the one an observer of it can be stepped from the model's
 * initial state.
 *
 * 1. What must take effect. Ok ops must. A crashed update must too when an
 *    op that must take effect needs its value (reads it, or updates from
 *    it): nothing else writes that value. Every other crashed update is
 *    left out: in a linearization that has some, the last of them can be
 *    removed, as no op needs its value, so the op after it (if any) is a
 *    write, legal anywhere. (model_prune_unread is one step of this; here
 *    it cascades along chains of crashed cas.)
 *
 * 2. Chains. A value written once holds over one stretch of the
 *    linearization and never comes back, so an update from p that must
 *    take effect is the one that ends p's stretch: two of them from one p
 *    cannot both be placed (UV_TWO_NEXT). Following these links from a
 *    write, or from the initial value, gives a chain v0 -> v1 -> ... -> vk;
 *    an update no chain reaches lies on a cycle of updates (UV_CYCLE). The
 *    ops of a chain (the write of v0, the reads of v0, the update to v1, the
 *    reads of v1, ...) are contiguous in any linearization: from the write
 *    of v0 to the last read of vk the value is one of the chain's, and no
 *    other op fits there (each op reads a value or changes it). Inside, they
 *    come in levels: the write, then its reads in any order, then the next
 *    update, and so on.
 *
 * 3. One chain. Place each op at a point of its interval, level after
 *    level, as early as can be, after a time T: a level's ops go at
 *    max(T, the calls of all lower levels, their own call). That fits iff
 *    each op returns after T and after the call of every op of a lower
 *    level. So a chain is placeable iff no op of a later level completed
 *    before an op of an earlier level was invoked (else UV_ORDER names the
 *    two: a stale read, a read before its write, ...); then it needs
 *    T < L, its first return, and ends at max(T, R), R its last call,
 *    whatever its shape. Placing earlier never helps a later op.
 *
 * 4. Chains in order. Placed one after another in some order, chains fit
 *    iff each one's L is above the R of every chain before it. Two chains
 *    X, Y with R(X) > L(Y) and R(Y) > L(X) fit in neither order
 *    (UV_OVERLAP names the four ops). If no pair is like that, sorting the
 *    chains by min(L, R) gives an order that fits: were X before Y with
 *    R(X) > L(Y), the pair rule gives R(Y) < L(X), so min(Y) <= R(Y) < L(X)
 *    and min(Y) <= L(Y) < R(X): min(Y) < min(X), not sorted. So one scan
 *    of the sorted chains, keeping the largest R so far, decides, and the
 *    chain with that R and the one that fails are such a pair. The initial
 *    value's chain has L = -infinity and goes first. For chains of one
 *    write this is Gibbons & Korach's condition: no two forward zones
 *    overlap, and no backward zone lies inside a forward one.
 *
 * 5. Appends (a list grown by appending unique items, as in Jepsen's
 *    list-append): each state is a prefix of the next, so every read must
 *    be a prefix of the longest one (else UV_DIVERGE), and its items' order
 *    is their appends' order: the append of its i-th item is an update from
 *    the list of i-1 items. An item no read shows was appended after every
 *    read: a write that no one reads.
 *
 * 6. Sets (grow-only, each member added once, reads of all members): the
 *    reads' sets must be nested (else UV_DIVERGE), and the adds of the
 *    members that a set is the first to show form a group between it and
 *    the set before. A group's adds may take effect in any order, and in
 *    call order they fit whenever some order does (unique_form.c), so
 *    they become a chain like the appends'. Abdulla et al. ("Efficient
 *    linearizability monitoring", PLDI 2025) decide sets in O(n) and
 *    queues in O(n log n) with unique values; queues are not done here.
 *
 * A valid verdict is checked before it is given: the order the proof
 * builds is replayed against real time and through the model's own step
 * (for long appended lists, through the vocabulary's rules, as the model
 * copies its lists), and a failure falls back to the search (UV_INTERNAL)
 * instead of answering. Time O(n log n), memory O(n).
 *
 * Limits: every array goes through uv_take, which charges the budget
 * first and keeps its size beside it for uv_give; a refusal, the deadline,
 * an interrupt or another part found invalid (looked at between steps, and
 * every STEPS_BETWEEN_LOOKS ops of a replay) stop the part: each step
 * returns as if it had decided, with out saying UV_STOPPED.
 */
#include "unique.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unique_int.h"

/* Each block from uv_take starts with its capacity (a whole max_align_t,
 * so what follows is aligned as malloc's is). */
#define HEAD sizeof(max_align_t)
#define STEPS_BETWEEN_LOOKS 65536

static void count_held(ctx *c, size_t add, size_t sub)
{
    c->held = c->held + add - sub;
    if (c->held > c->bytes)
        c->bytes = c->held;
}

void *uv_take(ctx *c, size_t n)
{
    if (c->stop)
        return NULL;
    size_t cap = n + HEAD;
    char *p = budget_alloc(c->hold, cap);
    if (!p) {
        c->stop = LIN_STOP_MEMORY;
        return NULL;
    }
    memcpy(p, &cap, sizeof cap);
    count_held(c, budget_footprint(cap), 0);
    return p + HEAD;
}

uint32_t *uv_take_none(ctx *c, size_t n)
{
    uint32_t *p = uv_take(c, n * sizeof *p);
    if (p)
        memset(p, 0xff, n * sizeof *p);
    return p;
}

void uv_give(ctx *c, void *p)
{
    if (!p)
        return;
    char *b = (char *)p - HEAD;
    size_t cap;
    memcpy(&cap, b, sizeof cap);
    count_held(c, 0, budget_footprint(cap));
    budget_release(c->hold, b, cap);
}

bool uv_charge(ctx *c, size_t n)
{
    if (c->stop)
        return false;
    if (!budget_charge(c->hold, n)) {
        c->stop = LIN_STOP_MEMORY;
        return false;
    }
    count_held(c, n, 0);
    c->charged += n;
    return true;
}

bool uv_halted(ctx *c)
{
    const lin_limits *l = c->lim;
    if (c->stop || !l)
        return c->stop != LIN_DONE;
    if (l->stop && atomic_load(l->stop))
        c->stop = LIN_STOP_INTERRUPT;
    else if (l->cancel && atomic_load(l->cancel))
        c->stop = LIN_STOP_INVALID;
    else if (l->deadline_ns) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec >= l->deadline_ns)
            c->stop = LIN_STOP_TIME;
    }
    return c->stop != LIN_DONE;
}

bool uv_stopped(ctx *c, uv_result *out)
{
    uv_put(out, LIN_UNKNOWN, UV_STOPPED, 0, 0, 0, 0, 0);
    out->stop = c->stop ? c->stop : LIN_STOP_MEMORY;
    return true;
}

void uv_put(uv_result *r, lin_verdict v, uv_kind k, size_t nops, uint32_t a, uint32_t b,
            uint32_t c, uint32_t d)
{
    uint32_t xs[4] = {a, b, c, d};
    r->verdict = v;
    r->kind = k;
    r->nops = nops;
    memcpy(r->ops, xs, nops * sizeof *xs);
}

static int64_t ret_of(const ctx *c, uint32_t i)
{
    return c->u[i].ret == LIN_NEVER ? INT64_MAX : (int64_t)c->u[i].ret;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort keys packed as key << 32 | index, the indices increasing: a radix
 * sort on the high half (stable, so the indices stay in order) when there
 * are many, qsort when there are few. */
bool uv_sort_packed(ctx *c, uint64_t *a, size_t n)
{
    if (n < 4096) {
        qsort(a, n, sizeof *a, cmp_u64);
        return true;
    }
    uint64_t *tmp = uv_take(c, n * sizeof *tmp);
    size_t *count = uv_take(c, 65536 * sizeof *count);
    if (!tmp || !count) {
        uv_give(c, tmp);
        uv_give(c, count);
        return false;
    }
    for (int shift = 32; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 0xffff]++;
        for (size_t d = 0, sum = 0; d < 65536; d++) {
            size_t k = count[d];
            count[d] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i] >> shift) & 0xffff]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
    uv_give(c, tmp);
    uv_give(c, count);
    return true;
}

/* ---- the decision, on reads and updates ---- */

/* Sort ops by call, unless they are already; false if stopped. */
static bool sort_by_call(ctx *c)
{
    c->byc = uv_take(c, c->n * sizeof *c->byc);
    if (!c->byc)
        return false;
    bool sorted = true;
    for (size_t i = 0; i < c->n; i++) {
        c->byc[i] = (uint32_t)i;
        if (i && c->u[i].call < c->u[i - 1].call)
            sorted = false;
    }
    if (sorted)
        return true;
    uint64_t *k = uv_take(c, c->n * sizeof *k);
    if (!k)
        return false;
    for (size_t i = 0; i < c->n; i++)
        k[i] = (uint64_t)c->u[i].call << 32 | i;
    bool ok = uv_sort_packed(c, k, c->n);
    for (size_t i = 0; ok && i < c->n; i++)
        c->byc[i] = (uint32_t)k[i];
    uv_give(c, k);
    return ok;
}

/* The value op i needs to be there: a read's, an update's previous one. */
static uint32_t needs(const ctx *c, uint32_t i)
{
    return c->u[i].read ? c->u[i].val : c->u[i].pred;
}

/* Steps 1 and 2 up to the chains: writers, what must take effect, values
 * nobody writes, two updates from one value. Returns true if decided. */
static bool links(ctx *c, uv_result *out)
{
    if (!(c->prod = uv_take_none(c, c->nvals)))
        return uv_stopped(c, out);
    for (size_t k = 0; k < c->n; k++) {
        uint32_t i = c->byc[k];
        if (c->u[i].read)
            continue;
        uint32_t v = c->u[i].val;
        if (c->prod[v] != NONE) {
            uv_put(out, LIN_UNKNOWN, UV_WRITTEN_TWICE, 2, c->prod[v], i, 0, 0);
            return true;
        }
        if (v == c->init) {
            uv_put(out, LIN_UNKNOWN, UV_INIT_WRITTEN, 1, i, 0, 0, 0);
            return true;
        }
        c->prod[v] = i;
    }
    c->need = uv_take(c, c->n);
    uint32_t *stack = uv_take(c, c->n * sizeof *stack);
    if (!c->need || !stack) {
        uv_give(c, stack);
        return uv_stopped(c, out);
    }
    size_t top = 0;
    for (size_t i = 0; i < c->n; i++)
        if ((c->need[i] = c->u[i].ret != LIN_NEVER))
            stack[top++] = (uint32_t)i;
    while (top) {
        uint32_t w = needs(c, stack[--top]);
        if (w != NONE && c->prod[w] != NONE && !c->need[c->prod[w]])
            c->need[c->prod[w]] = 1, stack[top++] = c->prod[w];
    }
    uv_give(c, stack);
    for (size_t i = 0; i < c->n; i++)
        out->dropped += !c->need[i];
    for (size_t k = 0; k < c->n; k++) {
        uint32_t i = c->byc[k], w = needs(c, i);
        if (c->need[i] && w != NONE && w != c->init && c->prod[w] == NONE) {
            uv_put(out, LIN_INVALID, UV_UNWRITTEN, 1, i, 0, 0, 0);
            return true;
        }
    }
    if (uv_halted(c) || !(c->next = uv_take_none(c, c->nvals)))
        return uv_stopped(c, out);
    for (size_t k = 0; k < c->n; k++) {
        uint32_t i = c->byc[k], p = c->u[i].pred;
        if (!c->need[i] || c->u[i].read || p == NONE)
            continue;
        if (c->next[p] != NONE) {
            uv_put(out, LIN_INVALID, UV_TWO_NEXT, 3, c->next[p], i,
                c->prod[p] == NONE ? UV_OP_INIT : c->prod[p], 0);
            return true;
        }
        c->next[p] = i;
    }
    return false;
}

/* Build the chains from the initial value and from each write that must
 * take effect; an update no chain reaches is on a cycle. */
static bool chains(ctx *c, uv_result *out)
{
    size_t nreads = 0, nlinks = 0, nheads = 1;
    if (!(c->rstart = uv_take(c, ((size_t)c->nvals + 1) * sizeof *c->rstart)))
        return uv_stopped(c, out);
    memset(c->rstart, 0, ((size_t)c->nvals + 1) * sizeof *c->rstart);
    for (size_t i = 0; i < c->n; i++) {
        if (!c->need[i])
            continue;
        if (c->u[i].read)
            c->rstart[c->u[i].val + 1]++, nreads++;
        else if (c->u[i].pred != NONE)
            nlinks++;
        else
            nheads++;
    }
    for (uint32_t v = 0; v < c->nvals; v++)
        c->rstart[v + 1] += c->rstart[v];
    c->rlist = uv_take(c, nreads * sizeof *c->rlist);
    uint32_t *fill = uv_take(c, (size_t)c->nvals * sizeof *fill);
    if (!c->rlist || !fill) {
        uv_give(c, fill);
        return uv_stopped(c, out);
    }
    memcpy(fill, c->rstart, (size_t)c->nvals * sizeof *fill);
    for (size_t k = 0; k < c->n; k++) {
        uint32_t i = c->byc[k];
        if (c->need[i] && c->u[i].read)
            c->rlist[fill[c->u[i].val]++] = i;
    }
    uv_give(c, fill);

    c->ch = uv_take(c, nheads * sizeof *c->ch);
    c->cvals = uv_take(c, (nheads + nlinks) * sizeof *c->cvals);
    if (!c->ch || !c->cvals || uv_halted(c))
        return uv_stopped(c, out);
    size_t nv = 0, reached = 0;
    for (size_t k = 0; k <= c->n; k++) {
        uint32_t head;
        if (k == 0) {
            if (c->init == NONE)
                continue;
            head = c->init;
        } else {
            uint32_t i = c->byc[k - 1];
            if (!c->need[i] || c->u[i].read || c->u[i].pred != NONE)
                continue;
            head = c->u[i].val;
        }
        chain *ch = &c->ch[c->nch++];
        ch->first = (uint32_t)nv;
        for (uint32_t v = head;; v = c->u[c->next[v]].val) {
            if (nv == nheads + nlinks) { /* a chain that loops: cannot be */
                uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 0, 0, 0, 0, 0);
                return true;
            }
            c->cvals[nv++] = v;
            if (c->next[v] == NONE)
                break;
            reached++;
        }
        ch->len = (uint32_t)(nv - ch->first);
    }
    if (reached == nlinks)
        return false;

    /* Some update is on a cycle: walk it back from one. */
    uint8_t *seen = uv_take(c, c->nvals);
    if (!seen)
        return uv_stopped(c, out);
    memset(seen, 0, c->nvals);
    for (size_t t = 0; t < nv; t++)
        seen[c->cvals[t]] = 1;
    for (size_t k = 0; k < c->n; k++) {
        uint32_t i = c->byc[k];
        if (!c->need[i] || c->u[i].read || c->u[i].pred == NONE || seen[c->u[i].val])
            continue;
        uint32_t j = i;
        size_t len = 0;
        out->nops = 0;
        do {
            if (out->nops < UV_MAX_OPS)
                out->ops[out->nops++] = j;
            j = c->prod[c->u[j].pred];
            len++;
        } while (j != i && j != NONE && len <= nlinks);
        uv_give(c, seen);
        if (j != i) {
            uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 0, 0, 0, 0, 0);
            return true;
        }
        out->verdict = LIN_INVALID;
        out->kind = UV_CYCLE;
        out->nlinks = len;
        return true;
    }
    uv_give(c, seen);
    uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 0, 0, 0, 0, 0);
    return true;
}

/* UV_ORDER: early (at value index te of chain ch) must precede late (at
 * value index tl); name the updates between their values. */
static void order_violation(const ctx *c, const chain *ch, uint32_t early, uint32_t te,
                            uint32_t late, uint32_t tl, uv_result *out)
{
    uv_put(out, LIN_INVALID, UV_ORDER, 2, early, late, 0, 0);
    out->nlinks = 0;
    for (uint32_t t = te + 1; t <= tl; t++) {
        uint32_t p = c->prod[c->cvals[ch->first + t]];
        if (p == late)
            break;
        if (out->nops < UV_MAX_OPS)
            out->ops[out->nops++] = p;
        out->nlinks++;
    }
}

/* Step 3 for one chain: its levels in order, L and R, and its ops
 * appended to the linearization. A violation goes to *cand if it shows
 * earlier than *at (the call of its earlier op, as the later one had
 * completed by then), so that the report names the first that happened. */
static void levels(ctx *c, chain *ch, uv_result *cand, int64_t *at)
{
    int64_t maxc = -1; /* the last call of the levels done */
    uint32_t maxop = UV_OP_INIT, maxt = 0;
    bool from_init = c->cvals[ch->first] == c->init;
    ch->L = from_init ? -1 : INT64_MAX;
    ch->lop = UV_OP_INIT;
    ch->R = -1;
    ch->rop = UV_OP_INIT;
    for (uint32_t t = 0; t < ch->len; t++) {
        uint32_t v = c->cvals[ch->first + t];
        uint32_t one = c->prod[v];
        const uint32_t *ops = &one;
        size_t nops = t == 0 && from_init ? 0 : 1;
        for (int phase = 0; phase < 2; phase++) { /* the update to v, then v's reads */
            int64_t lvl = -1;
            uint32_t lvlop = NONE;
            for (size_t k = 0; k < nops; k++) {
                uint32_t i = ops[k];
                int64_t call = c->u[i].call, ret = ret_of(c, i);
                if (ret < maxc && maxc < *at) {
                    order_violation(c, ch, maxop, maxt, i, t, cand);
                    *at = maxc;
                }
                if (ret < ch->L)
                    ch->L = ret, ch->lop = i;
                if (call > ch->R)
                    ch->R = call, ch->rop = i;
                if (call > lvl)
                    lvl = call, lvlop = i;
                c->order[c->norder++] = i;
            }
            if (lvl > maxc)
                maxc = lvl, maxop = lvlop, maxt = t;
            ops = &c->rlist[c->rstart[v]];
            nops = c->rstart[v + 1] - c->rstart[v];
        }
    }
}

/* The op of chain ch invoked first after position after; a read if one
 * is, when reads tell best (a list's or a set's, which show what is
 * missing). */
static uint32_t first_call_after(const ctx *c, const chain *ch, int64_t after, bool reads)
{
    uint32_t found = NONE, read = NONE;
    for (uint32_t t = 0; t < ch->len; t++) {
        uint32_t v = c->cvals[ch->first + t];
        for (uint32_t k = c->rstart[v]; k <= c->rstart[v + 1]; k++) {
            uint32_t i = k < c->rstart[v + 1] ? c->rlist[k] : c->prod[v];
            if (i == NONE || c->u[i].call <= after)
                continue;
            if (found == NONE || c->u[i].call < c->u[found].call)
                found = i;
            if (c->u[i].read && (read == NONE || c->u[i].call < c->u[read].call))
                read = i;
        }
    }
    return reads && read != NONE ? read : found;
}

/* Replay the linearization: real time, the numbered values, and (when
 * asked) the model's own step; false if it fails, or if a limit stopped
 * it (c->stop). */
static bool replay(ctx *c)
{
    size_t must = 0;
    for (size_t i = 0; i < c->n; i++)
        must += c->need[i];
    if (c->norder != must)
        return false;
    int64_t maxcall = -1;
    uint32_t state = c->init == NONE ? c->nvals : c->init;
    for (size_t k = 0; k < c->norder; k++) {
        uint32_t i = c->order[k];
        const uop *u = &c->u[i];
        if (ret_of(c, i) < maxcall)
            return false;
        if (c->u[i].call > maxcall)
            maxcall = c->u[i].call;
        if (u->read ? state != u->val : u->pred != NONE && state != u->pred)
            return false;
        if (!u->read)
            state = u->val;
    }
    if (!c->model_replay)
        return true;
    mbuf a = {0}, b = {0};
    c->md->type->init(c->md, &a);
    bool ok = true;
    for (size_t k = 0; k < c->norder && ok; k++) {
        if (k % STEPS_BETWEEN_LOOKS == STEPS_BETWEEN_LOOKS - 1 && uv_halted(c)) {
            ok = false;
            break;
        }
        mbuf_reset(&b);
        ok = c->md->type->step(c->md, (mstate){a.p, a.n}, &c->ops[c->order[k]].m, 0, &b) !=
             STEP_ILLEGAL;
        mbuf t = a;
        a = b;
        b = t;
    }
    mbuf_free(&a);
    mbuf_free(&b);
    return ok;
}

static void decide(ctx *c, uv_result *out)
{
    if (!sort_by_call(c) || uv_halted(c)) {
        uv_stopped(c, out);
        return;
    }
    if (links(c, out) || chains(c, out))
        return;
    out->chains = c->nch;
    if (!(c->order = uv_take(c, c->n * sizeof *c->order))) {
        uv_stopped(c, out);
        return;
    }
    uv_result cand = {0};
    int64_t at = INT64_MAX; /* where the first violation found shows */
    for (size_t k = 0; k < c->nch; k++)
        levels(c, &c->ch[k], &cand, &at);

    /* Step 4: chains by min(L, R); the initial value's first (L = -1). */
    uint64_t *ks = uv_halted(c) ? NULL : uv_take(c, c->nch * sizeof *ks);
    if (!ks) {
        uv_stopped(c, out);
        return;
    }
    for (size_t k = 0; k < c->nch; k++) {
        int64_t key = c->ch[k].L < c->ch[k].R ? c->ch[k].L : c->ch[k].R; /* -1 .. a position */
        ks[k] = (uint64_t)(key + 1) << 32 | k;
    }
    if (!uv_sort_packed(c, ks, c->nch)) {
        uv_give(c, ks);
        uv_stopped(c, out);
        return;
    }
    const chain *best = NULL, *pair[2] = {NULL, NULL};
    bool bad = false;
    for (size_t k = 0; k < c->nch && !bad; k++) {
        const chain *ch = &c->ch[(uint32_t)ks[k]];
        if (best && best->R > ch->L) {
            /* The proof says ch's R is above best's L: check, not trust. */
            if (ch->R < best->L) {
                uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 0, 0, 0, 0, 0);
                bad = true;
            } else if (best->L < 0 ? best->R < at : (ch->R > best->R ? ch->R : best->R) < at) {
                /* (after the initial value's chain, any op of ch shows it) */
                uv_put(&cand, LIN_INVALID, UV_OVERLAP, 4, ch->lop, best->rop, best->lop, ch->rop);
                cand.nlinks = 0;
                at = best->L < 0 || ch->R < best->R ? best->R : ch->R;
                pair[0] = best;
                pair[1] = ch;
            }
        }
        if (!best || ch->R > best->R)
            best = ch;
    }
    if (!bad && cand.kind == UV_OVERLAP) {
        /* The earliest ops that show it: each chain's first call after the
         * other's first return. */
        bool reads = c->form != UV_VALUES;
        cand.ops[1] = first_call_after(c, pair[0], pair[1]->L, reads);
        cand.ops[3] = first_call_after(c, pair[1], pair[0]->L, reads);
    }
    if (!bad && at != INT64_MAX) {
        out->verdict = cand.verdict;
        out->kind = cand.kind;
        out->nops = cand.nops;
        out->nlinks = cand.nlinks;
        memcpy(out->ops, cand.ops, sizeof out->ops);
    } else if (!bad) {
        /* The linearization: the chains' ops in sorted order. */
        uint32_t *by_chain = uv_take(c, c->nch * sizeof *by_chain);
        uint32_t *sorted = uv_take(c, c->norder * sizeof *sorted);
        if (!by_chain || !sorted) {
            uv_give(c, by_chain);
            uv_give(c, sorted);
            uv_give(c, ks);
            uv_stopped(c, out);
            return;
        }
        for (size_t k = 0, pos = 0; k < c->nch; k++) {
            by_chain[k] = (uint32_t)pos;
            for (uint32_t t = 0; t < c->ch[k].len; t++) {
                uint32_t v = c->cvals[c->ch[k].first + t];
                pos += (c->prod[v] != NONE) + c->rstart[v + 1] - c->rstart[v];
            }
        }
        size_t m = 0;
        for (size_t k = 0; k < c->nch; k++) {
            uint32_t idx = (uint32_t)ks[k], from = by_chain[idx];
            size_t len = (idx + 1 < c->nch ? by_chain[idx + 1] : c->norder) - from;
            memcpy(sorted + m, c->order + from, len * sizeof *sorted);
            m += len;
        }
        uv_give(c, c->order);
        c->order = sorted;
        uv_give(c, by_chain);
        if (replay(c))
            uv_put(out, LIN_VALID, UV_NONE, 0, 0, 0, 0, 0);
        else if (c->stop)
            uv_stopped(c, out);
        else
            uv_put(out, LIN_UNKNOWN, UV_INTERNAL, 0, 0, 0, 0, 0);
    }
    uv_give(c, ks);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void uv_check(const model *md, const lin_op *ops, size_t n, const lin_limits *lim, bhold *hold,
              uv_result *out)
{
    int64_t t0 = now_ns();
    memset(out, 0, sizeof *out);
    bhold unlimited;
    budget_join(&unlimited, NULL, false);
    ctx c = {.md = md, .ops = ops, .n = n, .lim = lim, .hold = hold ? hold : &unlimited};
    uint8_t *kind = uv_halted(&c) ? NULL : uv_take(&c, n ? n : 1);
    if (!kind) {
        uv_stopped(&c, out);
        goto out;
    }
    memset(kind, MV_NONE, n ? n : 1);
    uint32_t first_append = NONE, first_add = NONE, first_other = NONE;
    if (!md->type->vop) {
        uv_put(out, LIN_UNKNOWN, UV_NO_FORM, n ? 1 : 0, 0, 0, 0, 0);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        kind[i] = (uint8_t)md->type->vop(md, &ops[i].m);
        if (kind[i] == MV_NONE || kind[i] == MV_CONCAT) { /* see model_vop */
            uv_put(out, LIN_UNKNOWN, UV_NO_FORM, 1, (uint32_t)i, 0, 0, 0);
            goto out;
        }
        if (kind[i] == MV_APPEND && first_append == NONE)
            first_append = (uint32_t)i;
        if (kind[i] == MV_ADD && first_add == NONE)
            first_add = (uint32_t)i;
        if ((kind[i] == MV_WRITE || kind[i] == MV_CAS) && first_other == NONE)
            first_other = (uint32_t)i;
    }
    if ((first_append != NONE || first_add != NONE) &&
        (first_other != NONE || (first_append != NONE && first_add != NONE))) {
        uint32_t a = first_append != NONE ? first_append : first_add;
        uv_put(out, LIN_UNKNOWN, UV_MIXED, 2, a,
               first_other != NONE ? first_other : first_add, 0, 0);
        goto out;
    }
    if (!(c.u = uv_take(&c, (n ? n : 1) * sizeof *c.u))) {
        uv_stopped(&c, out);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        c.u[i].call = ops[i].call, c.u[i].ret = ops[i].ret;
    if (first_append != NONE   ? uv_form_appends(&c, kind, out)
        : first_add != NONE    ? uv_form_sets(&c, kind, out)
                               : uv_form_values(&c, kind, out))
        goto out;
    decide(&c, out);
out:
    out->form = c.form;
    for (size_t k = 0; kind && k < out->nops; k++)
        if (out->ops[k] != UV_OP_INIT && kind[out->ops[k]] == MV_READ)
            out->reads |= 1u << k;
    out->bytes = c.bytes;
    void *held[] = {kind, c.u, c.byc, c.prod, c.next, c.need, c.rstart, c.rlist, c.cvals, c.ch,
                    c.order};
    for (size_t i = 0; i < sizeof held / sizeof *held; i++)
        uv_give(&c, held[i]);
    budget_uncharge(c.hold, c.charged);
    out->seconds = (double)(now_ns() - t0) / 1e9;
}

const char *uv_kind_text(uv_kind k)
{
    switch (k) {
    case UV_NONE: return "decided";
    case UV_UNWRITTEN: return "an op needs a value that no op writes and that is not the initial one";
    case UV_TWO_NEXT: return "two updates replace one value, which is written once";
    case UV_CYCLE: return "updates each need the value another of them writes";
    case UV_ORDER: return "an op completed before one it must follow was invoked";
    case UV_OVERLAP: return "two values' stretches must each come before the other";
    case UV_DIVERGE: return "two reads return values neither of which extends the other";
    case UV_NO_FORM: return "the model has no unique-value form for an op";
    case UV_WRITTEN_TWICE: return "a value is written more than once";
    case UV_INIT_WRITTEN: return "the initial value is written again";
    case UV_MIXED: return "appends or adds mixed with other updates";
    case UV_APPEND_INIT: return "appends to an initial value that is not nil";
    case UV_INTERNAL: return "the unique-value check failed its own replay (a bug)";
    case UV_SEARCH_ASKED: return "--search asks";
    case UV_STOPPED: return "a limit stopped it before it was decided";
    case UV_NKINDS: break;
    }
    return "?";
}

const char *uv_kind_name(uv_kind k)
{
    static const char *const names[] = {
        "none", "unwritten", "two-next", "cycle", "order", "overlap", "diverge", "no-form",
        "written-twice", "init-written", "mixed", "append-init", "internal", "search-asked",
        "stopped",
    };
    _Static_assert(sizeof names / sizeof *names == UV_NKINDS, "a name for every kind");
    return (size_t)k < UV_NKINDS ? names[k] : "?";
}
