/*
 * lin.c - the linearizability search for one part.
 *
 * The idea (Wing & Gong 1993, "Testing and verifying concurrent objects";
 * made practical by Lowe 2017, "Testing for linearizability"; the same core
 * as Porcupine's and Knossos's):
 *
 * Put the call and return events of the part's ops in one doubly-linked
 * list, in real-time order. A linearization is built left to right: an op
 * may go next if its call is in the list before the first remaining return,
 * that is, if every op that returned before it was invoked is placed
 * already. Scanning from the head:
 *   - at a call: if the model accepts the op in the current state and the
 *     configuration (set of placed ops, new state) is new, push (op, old
 *     state), unlink the op's call and return ("lift"), and rescan from the
 *     head;
 *   - at a return: that op was not placed before it responded, so this
 *     branch is dead: pop the last op, link its events back ("unlift"),
 *     and scan on from its call.
 * The part is linearizable when every ok op is placed. Info ops have no
 * return in the list, so nothing forces them in: each may be placed
 * anywhere after its call, or never, as Jepsen's semantics say. The part is
 * not linearizable when the stack is empty at a return.
 *
 * Lowe's memoisation: two branches that placed the same set of ops and
 * reached the same model state have the same futures, so each (set, state)
 * configuration is explored once. This is what keeps the search tractable
 * on valid histories with much concurrency.
 *
 * Crashed (info) ops get more than that. They are optional, and they have
 * no return in the list, so they never hold anything back: a configuration
 * that has placed the same ok ops and reached the same state as one already
 * explored, but used up a superset of its info ops, can do nothing the
 * explored one could not (whatever it can still place, the other can too).
 * So the cache answers "seen" for it as well. Beside the exact table of
 * configurations, a second table keyed on the ok ops and the state keeps
 * up to DOM_REFS of the smallest info sets explored there, and a new
 * configuration whose info set includes one of them is not explored. (All
 * of them would be exact, but the list of a busy key grows long enough to
 * cost more than it saves.) To make small sets come first, ok ops are
 * tried before info ops at each step. On Porcupine's etcd logs this cuts
 * the configurations explored by 10 to 250 times.
 *
 * Representation, chosen for speed:
 *   - model states are interned, bytes -> 32-bit id, so configurations and
 *     transitions hold ids, and equal states are found by one lookup;
 *   - transitions (state, op) -> next state are memoised, so the model's
 *     step runs once per pair;
 *   - the placed set is a bitset with a Zobrist hash (a random word per op,
 *     XORed in and out as ops are placed and removed), so a configuration
 *     hashes in O(1); bitsets are compared in full only on a hash match;
 *   - configurations live in an open-addressed table, their bitsets in one
 *     arena indexed by configuration number.
 * Memory: everything a search holds (its tables, arenas, stack, the event
 * list, the model's scratch state, and the workspace kept from earlier
 * searches, lin_ws.c) is charged, by capacity, to its worker's holder of
 * the budget (util/budget.h), through which its big buffers are mapped and
 * unmapped. A refused charge first drops the workspace's spare tables,
 * then ends the search as unknown; so does the deadline; never an
 * out-of-memory kill.
 *
 * For an invalid part, the report follows Knossos: the deepest point in
 * real time the search reached (the return event of the op it could not
 * place), a linearization of everything before it, the states the object
 * can be in there, and the ops that were pending.
 */
#include "lin_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/hash.h"
#include "../util/mem.h"
#include "../util/rng.h"

typedef struct entry {
    int32_t prev, next;
    int32_t match; /* a call's return entry (-1 if none); a return's call */
    uint32_t op;
    uint32_t pos;
    uint32_t is_call;
} entry;

typedef struct frame {
    int32_t entry;
    uint32_t state; /* the state before the op */
    uint32_t choice;
    uint16_t more;  /* the op had another outcome after this one */
    uint16_t phase; /* the scan was trying ok ops (0) or info ops (1) */
} frame;

typedef struct sent {
    size_t off;
    uint64_t hash;
    uint32_t len;
} sent;

typedef struct tslot {
    uint64_t key; /* state << 32 | op, + 1 so that 0 is empty */
    uint32_t next;
    uint32_t rc;
} tslot;

typedef struct cslot {
    uint64_t h;
    uint32_t idx; /* configuration number + 1; 0 is empty */
    uint32_t state;
} cslot;

#define DOM_REFS 4

/* The dominance table: for (ok ops, state), a few configurations there
 * with small info sets. */
typedef struct dslot {
    uint64_t h;
    uint32_t state;
    uint32_t n;               /* refs in use; 0: empty slot */
    uint32_t ref[DOM_REFS];   /* configuration numbers */
    uint32_t pop[DOM_REFS];   /* their info ops used */
} dslot;

typedef struct search {
    lin_ws *ws;
    const model *md;
    const lin_op *ops;
    size_t n;

    size_t sbytes_n, nsents;
    uint32_t *sslots;
    size_t nsslots;
    tslot *tslots;
    size_t ntslots, ntrans;
    cslot *cslots;
    size_t ncslots, nconfigs;
    dslot *dslots;
    size_t ndslots, ndoms;
    size_t words;  /* a configuration's bitset: mwords of ok ops, then info ops */
    size_t mwords; /* words of ok ops, the part that must match exactly */
} search;

static inline const sent *sents(const search *s) { return s->ws->sents.p; }

/* Is a slot of a table in use, and if so, what is its hash? One per kind
 * of slot, for rehash. */
typedef bool (*slot_used)(const search *s, const void *slot, uint64_t *hash);

/* Double an open-addressed table (its slots of sz bytes in *slots, n0 of
 * them when it has none yet), moving each slot in use to where its hash
 * puts it, by linear probing. The new slots, or NULL if refused memory
 * (the old table stays). Inlined into each table's own, so that the
 * compiler makes one loop per kind of slot, sizes and tests known: a loop
 * calling through a pointer per slot cost the search 10% more work. */
static inline __attribute__((always_inline)) void *
rehash(search *s, lin_table2 *t, const void *slots, size_t *nslots, size_t sz, size_t n0,
       slot_used used)
{
    size_t n = *nslots ? *nslots * 2 : n0;
    uint8_t *fresh = lin_ws_fresh(s->ws, t, n * sz);
    if (!fresh)
        return NULL;
    for (size_t i = 0; i < *nslots; i++) {
        const uint8_t *from = (const uint8_t *)slots + i * sz;
        uint64_t h, ignored;
        if (!used(s, from, &h))
            continue;
        size_t j = h & (n - 1);
        while (used(s, fresh + j * sz, &ignored))
            j = (j + 1) & (n - 1);
        memcpy(fresh + j * sz, from, sz);
    }
    lin_ws_swap(s->ws, t);
    *nslots = n;
    return fresh;
}

static mstate state_of(const search *s, uint32_t id)
{
    const sent *e = &sents(s)[id];
    return (mstate){(const uint8_t *)s->ws->sbytes.p + e->off, e->len};
}

/* The state table's slots: state id + 1, 0 empty. */
static inline bool sslot_used(const search *s, const void *slot, uint64_t *hash)
{
    uint32_t id = *(const uint32_t *)slot;
    if (id)
        *hash = sents(s)[id - 1].hash;
    return id;
}

static bool stab_rehash(search *s)
{
    uint32_t *t = rehash(s, &s->ws->sslots, s->sslots, &s->nsslots, sizeof *t, 256, sslot_used);
    if (t)
        s->sslots = t;
    return t;
}

/* The id of the state with these bytes, added if new; -1: out of memory. */
static int64_t intern_state(search *s, const uint8_t *p, size_t n)
{
    mstate m = {p, n};
    uint64_t h = s->md->type->hash(m);
    if (!s->nsslots && !stab_rehash(s))
        return -1;
    size_t mask = s->nsslots - 1, j = h & mask;
    for (; s->sslots[j]; j = (j + 1) & mask) {
        const sent *e = &sents(s)[s->sslots[j] - 1];
        if (e->hash == h && s->md->type->equal(state_of(s, s->sslots[j] - 1), m))
            return s->sslots[j] - 1;
    }
    lin_ws *w = s->ws;
    if (!lin_ws_grow(w, &w->sbytes, s->sbytes_n + n + 1) ||
        !lin_ws_grow(w, &w->sents, (s->nsents + 1) * sizeof(sent)))
        return -1;
    if (n)
        memcpy((uint8_t *)w->sbytes.p + s->sbytes_n, p, n);
    uint32_t id = (uint32_t)s->nsents;
    ((sent *)w->sents.p)[s->nsents++] = (sent){s->sbytes_n, h, (uint32_t)n};
    s->sbytes_n += n;
    s->sslots[j] = id + 1;
    if (s->nsents * 2 > s->nsslots && !stab_rehash(s))
        return -1;
    return id;
}

static inline bool tslot_used(const search *s, const void *slot, uint64_t *hash)
{
    (void)s;
    const tslot *t = slot;
    if (t->key)
        *hash = hash_mix64(t->key);
    return t->key;
}

static bool trans_rehash(search *s)
{
    tslot *t = rehash(s, &s->ws->tslots, s->tslots, &s->ntslots, sizeof *t, 256, tslot_used);
    if (t)
        s->tslots = t;
    return t;
}

/* Apply op to state st with the given outcome number. Returns the step's
 * verdict and sets *next; -1 if out of memory. Outcome 0 is memoised. */
static int transition(search *s, uint32_t st, uint32_t op, uint32_t choice, uint32_t *next)
{
    tslot *slot = NULL;
    uint64_t key = ((uint64_t)st << 32 | op) + 1;
    if (choice == 0) {
        if (!s->ntslots && !trans_rehash(s))
            return -1;
        size_t mask = s->ntslots - 1, j = hash_mix64(key) & mask;
        for (; s->tslots[j].key; j = (j + 1) & mask)
            if (s->tslots[j].key == key) {
                *next = s->tslots[j].next;
                return (int)s->tslots[j].rc;
            }
        slot = &s->tslots[j];
    }
    mbuf *scratch = &s->ws->scratch;
    mbuf_reset(scratch);
    step_rc rc = s->md->type->step(s->md, state_of(s, st), &s->ops[op].m, choice, scratch);
    if (scratch->cap > s->ws->scratch_charged) { /* the model grew it (rarely) */
        if (!budget_charge(s->ws->hold, scratch->cap - s->ws->scratch_charged))
            return -1;
        s->ws->scratch_charged = scratch->cap;
    }
    uint32_t id = 0;
    if (rc != STEP_ILLEGAL) {
        int64_t x = intern_state(s, scratch->p, scratch->n);
        if (x < 0)
            return -1;
        id = (uint32_t)x;
    }
    if (slot) {
        *slot = (tslot){key, id, (uint32_t)rc};
        if (++s->ntrans * 2 > s->ntslots && !trans_rehash(s))
            return -1;
    }
    *next = id;
    return (int)rc;
}

static inline bool cslot_used(const search *s, const void *slot, uint64_t *hash)
{
    (void)s;
    const cslot *c = slot;
    *hash = c->h;
    return c->idx;
}

static bool configs_rehash(search *s)
{
    cslot *t = rehash(s, &s->ws->cslots, s->cslots, &s->ncslots, sizeof *t, 1024, cslot_used);
    if (t)
        s->cslots = t;
    return t;
}

/* Does a seen configuration's info set (have) lie within want's? */
static inline uint64_t *cbits(const search *s) { return s->ws->cbits.p; }

static bool info_within(const uint64_t *have, const uint64_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (have[i] & ~want[i])
            return false;
    return true;
}

static uint32_t popcount_words(const uint64_t *w, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (uint32_t)__builtin_popcountll(w[i]);
    return c;
}

static inline bool dslot_used(const search *s, const void *slot, uint64_t *hash)
{
    (void)s;
    const dslot *d = slot;
    *hash = d->h;
    return d->n;
}

static bool doms_rehash(search *s)
{
    dslot *t = rehash(s, &s->ws->dslots, s->dslots, &s->ndslots, sizeof *t, 1024, dslot_used);
    if (t)
        s->dslots = t;
    return t;
}

/* The dominance slot of (ok ops of bits, st) with hash hm, or the empty
 * slot where it would go. */
static dslot *dom_slot(search *s, const uint64_t *bits, uint64_t hm, uint32_t st)
{
    uint64_t h = hm ^ hash_mix64(st + 0x3c6ef372fe94f82bULL);
    size_t mask = s->ndslots - 1, j = h & mask;
    size_t mb = s->mwords * sizeof(uint64_t);
    for (; s->dslots[j].n; j = (j + 1) & mask) {
        dslot *d = &s->dslots[j];
        if (d->h == h && d->state == st &&
            memcmp(cbits(s) + (size_t)d->ref[0] * s->words, bits, mb) == 0)
            return d;
    }
    s->dslots[j].h = h;
    s->dslots[j].state = st;
    return &s->dslots[j];
}

/* Record configuration (bits, st). zm hashes its ok ops, zi its info ops.
 * Returns 1 if it is new, 0 if it was seen, or is dominated by one that
 * was (see the comment at the top), -1 if out of memory. */
static int visit(search *s, const uint64_t *bits, uint64_t zm, uint64_t zi, uint32_t st)
{
    uint64_t h = zm ^ zi ^ hash_mix64(st + 0x632be59bd9b4e019ULL);
    if ((!s->ncslots && !configs_rehash(s)) || (!s->ndslots && !doms_rehash(s)))
        return -1;
    size_t mask = s->ncslots - 1, j = h & mask;
    size_t wb = s->words * sizeof(uint64_t), iw = s->words - s->mwords;
    for (; s->cslots[j].idx; j = (j + 1) & mask) {
        const cslot *c = &s->cslots[j];
        if (c->h == h && c->state == st &&
            memcmp(cbits(s) + (size_t)(c->idx - 1) * s->words, bits, wb) == 0)
            return 0;
    }
    dslot *d = iw ? dom_slot(s, bits, zm, st) : NULL;
    for (uint32_t r = 0; d && r < d->n; r++)
        if (info_within(cbits(s) + (size_t)d->ref[r] * s->words + s->mwords,
                        bits + s->mwords, iw))
            return 0;
    if (!lin_ws_grow(s->ws, &s->ws->cbits, (s->nconfigs + 1) * wb))
        return -1;
    uint32_t id = (uint32_t)s->nconfigs;
    memcpy(cbits(s) + (size_t)id * s->words, bits, wb);
    s->cslots[j] = (cslot){h, id + 1, st};
    s->nconfigs++;
    if (d) { /* keep the smallest info sets */
        uint32_t pop = popcount_words(bits + s->mwords, iw);
        if (d->n < DOM_REFS) {
            d->ref[d->n] = id;
            d->pop[d->n] = pop;
            if (d->n++ == 0 && ++s->ndoms * 2 > s->ndslots && !doms_rehash(s))
                return -1;
        } else {
            uint32_t worst = 0;
            for (uint32_t r = 1; r < DOM_REFS; r++)
                if (d->pop[r] > d->pop[worst])
                    worst = r;
            if (pop < d->pop[worst]) {
                d->ref[worst] = id;
                d->pop[worst] = pop;
            }
        }
    }
    if (s->nconfigs * 2 > s->ncslots && !configs_rehash(s))
        return -1;
    return 1;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void unlink_entry(entry *e, int32_t i)
{
    e[e[i].prev].next = e[i].next;
    if (e[i].next >= 0)
        e[e[i].next].prev = e[i].prev;
}

static void relink_entry(entry *e, int32_t i)
{
    e[e[i].prev].next = i;
    if (e[i].next >= 0)
        e[e[i].next].prev = i;
}

/* What the search remembers of the deepest point it got stuck at. */
typedef struct stuck {
    bool any;
    uint32_t pos, fail;
    uint32_t *prefix; /* room for every op, allocated with the search */
    size_t nprefix;
    uint32_t states[LIN_MAX_STATES];
    size_t nstates;
    bool more_states;
    uint32_t pending[LIN_MAX_PENDING];
    size_t npending;
    bool more_pending;
} stuck;

static void note_stuck(stuck *k, const entry *e, int32_t at, const frame *stack, size_t depth,
                       uint32_t state)
{
    if (!k->any || e[at].pos > k->pos) {
        k->any = true;
        k->pos = e[at].pos;
        k->fail = e[at].op;
        for (size_t i = 0; i < depth; i++)
            k->prefix[i] = e[stack[i].entry].op;
        k->nprefix = depth;
        k->nstates = 0;
        k->more_states = false;
        k->npending = 0;
        k->more_pending = false;
        for (int32_t i = e[0].next; i >= 0 && i != at; i = e[i].next) {
            if (!e[i].is_call || e[i].op == k->fail)
                continue;
            if (k->npending < LIN_MAX_PENDING)
                k->pending[k->npending++] = e[i].op;
            else
                k->more_pending = true;
        }
    } else if (e[at].pos < k->pos) {
        return;
    }
    for (size_t i = 0; i < k->nstates; i++)
        if (k->states[i] == state)
            return;
    if (k->nstates < LIN_MAX_STATES)
        k->states[k->nstates++] = state;
    else
        k->more_states = true;
}

/* The bit of local op i in a configuration's bitset: ok ops from word 0,
 * info ops from word mwords. */
static inline void bit_flip(uint64_t *bits, size_t nmust, size_t mwords, uint32_t i)
{
    if (i < nmust)
        bits[i >> 6] ^= 1ULL << (i & 63);
    else
        bits[mwords + ((i - nmust) >> 6)] ^= 1ULL << ((i - nmust) & 63);
}

/* Carve n bytes, 16-aligned, from a block at *off. */
static void *carve(uint8_t *block, size_t *off, size_t n)
{
    void *p = block + *off;
    *off += (n + 15) / 16 * 16;
    return p;
}

/* A part laid out for its search: ops renumbered, ok ops first (local op
 * i is ops[perm[i]]), and the list of their events (entry 0 its head). */
typedef struct part {
    size_t n, nmust;  /* ops, ok ops */
    size_t remaining; /* ok ops not placed */
    uint32_t *perm;
    lin_op *lops;
    entry *e;
    uint64_t *zob;  /* each op's Zobrist word */
    uint64_t *bits; /* the placed set: mwords of ok ops, then info ops */
    frame *stack;
} part;

/* Lay out the part's own arrays in one block of the workspace's, and link
 * its events in real-time order. false if refused memory. */
static bool lay_out(search *s, const lin_op *ops, size_t n, part *p, stuck *k)
{
    size_t nmust = 0, m = 1;
    for (size_t i = 0; i < n; i++) {
        nmust += ops[i].ret != LIN_NEVER;
        m += ops[i].ret == LIN_NEVER ? 1 : 2;
    }
    size_t mwords = (nmust + 63) / 64, iwords = (n - nmust + 63) / 64;
    s->words = mwords + iwords;
    s->mwords = mwords;
    size_t nn = n ? n : 1, sizes[] = {nn * sizeof(uint32_t), nn * sizeof(lin_op),
                                      m * sizeof(entry), nn * sizeof(uint64_t),
                                      (s->words ? s->words : 1) * sizeof(uint64_t),
                                      nn * sizeof(frame), nn * sizeof(int32_t),
                                      nn * sizeof(uint32_t)};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        total += (sizes[i] + 15) / 16 * 16;
    if (!lin_ws_grow(s->ws, &s->ws->block, total))
        return false;
    uint8_t *block = s->ws->block.p;
    size_t off = 0;
    *p = (part){.n = n, .nmust = nmust};
    p->perm = carve(block, &off, sizes[0]);
    p->lops = carve(block, &off, sizes[1]);
    p->e = carve(block, &off, sizes[2]);
    p->zob = carve(block, &off, sizes[3]);
    p->bits = carve(block, &off, sizes[4]);
    memset(p->bits, 0, sizes[4]);
    p->stack = carve(block, &off, sizes[5]);
    int32_t *call_of = carve(block, &off, sizes[6]);
    k->prefix = carve(block, &off, sizes[7]);
    for (size_t i = 0, a = 0, b = nmust; i < n; i++) {
        size_t at = ops[i].ret != LIN_NEVER ? a++ : b++;
        p->perm[at] = (uint32_t)i;
        p->lops[at] = ops[i];
    }
    s->ops = p->lops;

    /* Entries 1..m-1 sorted by position; entry 0 is the list's head. */
    entry *e = p->e;
    size_t j = 1;
    uint64_t zseed = 0x1234567;
    for (size_t i = 0; i < n; i++) {
        e[j++] = (entry){0, 0, -1, (uint32_t)i, p->lops[i].call, 1};
        if (p->lops[i].ret != LIN_NEVER) {
            e[j++] = (entry){0, 0, -1, (uint32_t)i, p->lops[i].ret, 0};
            p->remaining++;
        }
        p->zob[i] = rng_next(&zseed);
    }
    qsort(e + 1, m - 1, sizeof *e, cmp_entry);
    for (size_t i = 1; i < m; i++) {
        e[i].prev = (int32_t)i - 1;
        e[i].next = i + 1 < m ? (int32_t)i + 1 : -1;
        if (e[i].is_call)
            call_of[e[i].op] = (int32_t)i;
        else {
            e[i].match = call_of[e[i].op];
            e[call_of[e[i].op]].match = (int32_t)i;
        }
    }
    e[0] = (entry){-1, m > 1 ? 1 : -1, -1, 0, 0, 1};
    return true;
}

/* Why the search must stop now (asked every 1024 steps), or LIN_DONE. */
static lin_stop limit_hit(const lin_limits *lim, int64_t *deadline)
{
    if (lim->stop && atomic_load(lim->stop))
        return LIN_STOP_INTERRUPT;
    if (lim->cancel && atomic_load(lim->cancel))
        return LIN_STOP_INVALID;
    if (*deadline && clock_now_ns() > *deadline && !(lim->extend && lim->extend(lim->ctx, deadline)))
        return LIN_STOP_TIME;
    return LIN_DONE;
}

/* The search itself (see the top of the file), from the initial state:
 * the verdict, and why it stopped if unknown. */
static lin_verdict walk(search *s, part *p, uint32_t state, const lin_limits *lim, stuck *k,
                        lin_stop *why, uint64_t *nsteps)
{
    entry *e = p->e;
    frame *stack = p->stack;
    uint64_t *bits = p->bits, *zob = p->zob;
    size_t nmust = p->nmust, mwords = s->mwords, depth = 0, remaining = p->remaining;
    uint64_t zm = 0, zi = 0; /* Zobrist hashes of the ok ops and info ops placed */
    int64_t deadline = lim ? lim->deadline_ns : 0;
    int32_t cur = e[0].next;
    uint32_t choice = 0, phase = 0;
    uint64_t steps = 0;
    lin_verdict verdict = LIN_VALID;
    size_t told = 0; /* configurations added to lim->configs */
    while (remaining > 0) {
        if ((++steps & 1023) == 0 && lim) {
            if (lim->configs) {
                atomic_fetch_add_explicit(lim->configs, s->nconfigs - told, memory_order_relaxed);
                told = s->nconfigs;
            }
            if ((*why = limit_hit(lim, &deadline))) {
                verdict = LIN_UNKNOWN;
                break;
            }
        }
        if (cur >= 0 && e[cur].is_call && (e[cur].op >= nmust) != phase) {
            cur = e[cur].next; /* ok ops in phase 0, info ops in phase 1 */
            continue;
        }
        if (cur >= 0 && e[cur].is_call) {
            uint32_t op = e[cur].op, next;
            int rc = transition(s, state, op, choice, &next);
            if (rc < 0) {
                verdict = LIN_UNKNOWN;
                *why = LIN_STOP_MEMORY;
                break;
            }
            if (rc != STEP_ILLEGAL) {
                bit_flip(bits, nmust, mwords, op);
                *(op < nmust ? &zm : &zi) ^= zob[op];
                int v = visit(s, bits, zm, zi, next);
                if (v < 0) {
                    verdict = LIN_UNKNOWN;
                    *why = LIN_STOP_MEMORY;
                    break;
                }
                if (v) {
                    stack[depth++] = (frame){cur, state, choice, rc == STEP_MORE,
                                             (uint16_t)phase};
                    state = next;
                    if (e[cur].match >= 0)
                        remaining--;
                    unlink_entry(e, cur);
                    if (e[cur].match >= 0)
                        unlink_entry(e, e[cur].match);
                    cur = e[0].next;
                    choice = 0;
                    phase = 0;
                    continue;
                }
                bit_flip(bits, nmust, mwords, op);
                *(op < nmust ? &zm : &zi) ^= zob[op];
                if (rc == STEP_MORE) {
                    choice++;
                    continue;
                }
            }
            cur = e[cur].next;
            choice = 0;
            continue;
        }
        /* A return (or, defensively, the end of the list): every ok op
         * that may go next was tried; now the info ops, then a dead end. */
        if (phase == 0) {
            phase = 1;
            cur = e[0].next;
            choice = 0;
            continue;
        }
        if (cur >= 0)
            note_stuck(k, e, cur, stack, depth, state);
        if (depth == 0) {
            verdict = LIN_INVALID;
            break;
        }
        frame f = stack[--depth];
        uint32_t op = e[f.entry].op;
        bit_flip(bits, nmust, mwords, op);
        *(op < nmust ? &zm : &zi) ^= zob[op];
        state = f.state;
        phase = f.phase;
        if (e[f.entry].match >= 0) {
            relink_entry(e, e[f.entry].match);
            remaining++;
        }
        relink_entry(e, f.entry);
        if (f.more) {
            cur = f.entry;
            choice = f.choice + 1;
        } else {
            cur = e[f.entry].next;
            choice = 0;
        }
    }
    if (lim && lim->configs)
        atomic_fetch_add_explicit(lim->configs, s->nconfigs - told, memory_order_relaxed);
    *nsteps = steps;
    return verdict;
}

/* What an invalid part's report says (Knossos's): the deepest point
 * reached, in the caller's op numbers. */
static void tell_stuck(const search *s, const part *p, const stuck *k, lin_result *out)
{
    out->fail = p->perm[k->fail];
    out->prefix = xmalloc((k->nprefix ? k->nprefix : 1) * sizeof *out->prefix);
    for (size_t i = 0; i < k->nprefix; i++)
        out->prefix[i] = p->perm[k->prefix[i]];
    out->nprefix = k->nprefix;
    for (size_t i = 0; i < k->npending; i++)
        out->pending[i] = p->perm[k->pending[i]];
    for (size_t i = 0; i < k->nstates; i++) {
        sbuf d = {0};
        s->md->type->describe(s->md, state_of(s, k->states[i]), &d);
        out->states[i] = d.p ? d.p : xstrdup("");
    }
    out->nstates = k->nstates;
    out->more_states = k->more_states;
    out->npending = k->npending;
    out->more_pending = k->more_pending;
}

void lin_check(const model *md, const lin_op *ops, size_t n, const lin_limits *lim,
               lin_ws *ws, lin_result *out)
{
    int64_t t0 = clock_now_ns();
    memset(out, 0, sizeof *out);
    lin_ws *own = ws ? NULL : lin_ws_new(NULL);
    search s = {.ws = ws ? ws : own, .md = md, .n = n};
    bhold *hold = s.ws->hold;
    budget_clear(hold);
    hold->peak = hold->held;
    lin_verdict verdict = LIN_UNKNOWN;
    lin_stop why = LIN_STOP_MEMORY;
    stuck k = {0};
    part p;
    if (!lay_out(&s, ops, n, &p, &k))
        goto done;
    mbuf ib = {0};
    md->type->init(md, &ib);
    int64_t st0 = intern_state(&s, ib.p, ib.n);
    mbuf_free(&ib);
    if (st0 < 0)
        goto done;
    why = LIN_DONE;
    verdict = walk(&s, &p, (uint32_t)st0, lim, &k, &why, &out->steps);
    if (verdict == LIN_INVALID && k.any)
        tell_stuck(&s, &p, &k, out);
done:
    out->verdict = verdict;
    out->stop = why;
    out->configs = s.nconfigs;
    out->nmstates = s.nsents;
    out->bytes = hold->peak;
    lin_ws_trim(s.ws, WS_KEEP);
    lin_ws_free(own);
    out->seconds = (double)(clock_now_ns() - t0) / 1e9;
}

const char *lin_stop_name(lin_stop s)
{
    static const char *const names[] = {
        "nothing", "the time limit", "its share of the time limit", "the memory limit",
        "its share of the memory limit", "an interrupt", "another part being invalid",
    };
    return s <= LIN_STOP_INVALID ? names[s] : "?";
}

void lin_result_free(lin_result *r)
{
    free(r->prefix);
    for (size_t i = 0; i < r->nstates; i++)
        free(r->states[i]);
    memset(r, 0, sizeof *r);
}
