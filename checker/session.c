/*
 * session.c - checking session guarantees (see session.h).
 *
 * Terry, Demers, Petersen, Spreitzer, Theimer & Welch, "Session Guarantees
 * for Weakly Consistent Replicated Data" (PDIS 1994), per key, with a
 * session being a process:
 *   RYW  after a session's write w, its later reads see w or newer;
 *   MR   a session's later read never sees older than its earlier read;
 *   MW   a session's writes take effect in session order;
 *   WFR  a session's write issued after it read v is ordered after v.
 *
 * Each is a demand on the order of a key's versions, and holds iff some
 * order, starting at the initial value, meets everything the history shows
 * and the demand. Where the order comes from:
 *
 *   store     the ops carry the store's versions (etcd's mod_revision, the
 *             built-in store's version): the order is given, and each
 *             demand is a comparison of two numbers, one pass, O(n).
 *
 *   inferred  values written to a key are unique, so a read names the
 *             write it saw and each value is a version. Build a graph per
 *             key whose nodes are versions and whose edges are orderings:
 *             facts (the initial value is first; a cas replaced old with
 *             new) and the guarantee's demands ("a <= b": the session wrote
 *             a and then read b). An order exists iff the graph has no
 *             cycle through two different versions; such a cycle, found as
 *             a strongly connected component (Tarjan 1972) holding two
 *             versions, is the explanation, and no cycle means no
 *             violation: nothing is reported that some order would allow.
 *             Demands between every earlier write and every later read of
 *             a session would be quadratic; a chain of helper nodes per
 *             session and key (write, helper, helper, ..., read) gives the
 *             same paths with one edge per op.
 *
 *   realtime  inferred, plus the fact that a write that completed before
 *             another began is older (what a single-leader store promises),
 *             again through a chain of helper nodes, one per completion.
 *
 * Values that are lists grown by append reveal their order in every read
 * (a list that is a prefix of another is older), so for append keys the
 * demands are checked directly: RYW, the element appended is in the later
 * read; MR, the earlier read is a prefix of the later; MW and WFR, every
 * read that shows the new element shows, before it, what the session had
 * appended or read. String appends are checked for RYW and MR only: where
 * an element begins in a concatenation is ambiguous.
 *
 * Limits: the deadline and the interrupt are looked at every few thousand
 * ops and at every key; the big tables (the observations, each key's graph
 * and the arrays of its search, the per-session maps) are charged to the
 * memory budget as they grow. Any of them ends the check early: whatever
 * it has not found violated by then is unknown.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/hash.h"
#include "../util/mem.h"
#include "../util/graph.h"
#include "../util/pool.h"

const char *sess_guarantee_name(sess_guarantee g)
{
    static const char *n[] = {"read-your-writes", "monotonic reads", "monotonic writes",
                              "writes-follow-reads", "PRAM (RYW + MR + MW)",
                              "all four (RYW + MR + MW + WFR)"};
    return n[g];
}

const char *sess_guarantee_short(sess_guarantee g)
{
    static const char *n[] = {"ryw", "mr", "mw", "wfr", "pram", "all"};
    return n[g];
}

const char *sess_order_name(sess_order o)
{
    static const char *n[] = {"auto", "store", "inferred", "realtime"};
    return n[o];
}

const char *sess_stop_name(sess_stop s)
{
    static const char *n[] = {"nothing", "the time limit", "the memory limit", "an interrupt"};
    return n[s];
}

/* ---- observations: what each op read and wrote, per key ---- */

enum { OB_READ, OB_WRITE };

typedef struct obs {
    uint32_t op;   /* history op */
    uint32_t key;  /* key number */
    uint32_t sess; /* session number */
    uint8_t kind;  /* OB_READ, OB_WRITE */
    uint8_t ok;    /* a write that certainly took effect */
    uint8_t append;
    uint8_t has_old; /* a cas: it replaced old */
    uint8_t cas_read; /* the read half of a cas (no version of its own) */
    val value;       /* read: what it saw; write: what it wrote (append: the element) */
    val old;
    int64_t version;
} obs;

typedef VEC(obs) obs_vec;

typedef struct keyinfo {
    val key;
    val init;          /* its initial value (model_key_init) */
    bool append;       /* written by append */
    bool str_append;   /* appends of strings */
    bool overwritten;  /* written by put, write or cas too */
    bool not_unique;   /* inferred order impossible: a value written twice */
} keyinfo;

typedef struct ctx {
    const history *h;
    const model *md;
    const vtab *vt;
    sess_result *out;
    obs_vec obs;
    VEC(keyinfo) keys;
    valmap *keymap, *sessmap;
    size_t pairs[4]; /* demand pairs seen per base guarantee */
    unsigned checks; /* BIT(g) for each guarantee to check */
    int jobs;        /* threads for the inferred search */
    const sess_limits *lim;
    _Atomic int halt; /* a sess_stop: every thread stops */
    bhold hold;       /* the main thread's charges */
    size_t charged;   /* for obs and keys */
} ctx;

/* ---- limits ---- */

static void halt(ctx *c, sess_stop why)
{
    int none = SESS_DONE;
    atomic_compare_exchange_strong(&c->halt, &none, (int)why);
}

/* Has a limit been hit (now, or by another thread)? */
static bool halted(ctx *c)
{
    if (atomic_load(&c->halt))
        return true;
    if (!c->lim)
        return false;
    if (c->lim->stop && atomic_load(c->lim->stop))
        halt(c, SESS_STOP_INTERRUPT);
    else if (c->lim->deadline_ns) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec > c->lim->deadline_ns)
            halt(c, SESS_STOP_TIME);
    }
    return atomic_load(&c->halt) != 0;
}

/* A structure now holds bytes (it only grows): charge the growth to h, of
 * which *charged is what it had; false (and the check halted) if refused. */
static bool meter(ctx *c, bhold *h, size_t *charged, size_t bytes)
{
    if (bytes <= *charged)
        return true;
    if (!budget_charge(h, bytes - *charged)) {
        halt(c, SESS_STOP_MEMORY);
        return false;
    }
    *charged = bytes;
    return true;
}

#define MAP_ENTRY 32 /* bytes a valmap entry takes, about */

/* What the observations and the key and session tables hold. */
static size_t ctx_bytes(const ctx *c)
{
    return c->obs.cap * sizeof(obs) + c->keys.cap * sizeof(keyinfo) +
           (valmap_size(c->keymap) + valmap_size(c->sessmap)) * MAP_ENTRY;
}

static uint32_t key_id(ctx *c, val k)
{
    uint32_t id;
    if (valmap_get(c->keymap, k, &id))
        return id;
    id = (uint32_t)c->keys.n;
    keyinfo ki = {k, model_key_init(c->md, k), false, false, false, false};
    VEC_PUSH(c->keys, ki);
    valmap_put(c->keymap, k, id);
    return id;
}

static void add_obs(ctx *c, uint32_t op, val key, uint32_t sess, int kind, bool ok, val v,
                    int64_t version)
{
    obs o = {op, key_id(c, key), sess, (uint8_t)kind, ok, 0, 0, 0, v, val_nil(), version};
    VEC_PUSH(c->obs, o);
}

/* The observations of one access of history op o (number op). A cas read
 * old and wrote new, atomically; an append or a concatenation is a write
 * that the append rules check. */
static void observe(ctx *c, const hist_op *o, uint32_t op, uint32_t sess, const model_access *x)
{
    bool ok = o->status == OP_OK;
    int64_t version = ok && x->versioned ? o->version : HIST_NONE;
    switch (x->vop) {
    case MV_READ:
        if (ok)
            add_obs(c, op, x->key, sess, OB_READ, true, x->a, version);
        break;
    case MV_WRITE:
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->a, version);
        break;
    case MV_APPEND:
    case MV_CONCAT: {
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->a, version);
        c->obs.v[c->obs.n - 1].append = 1;
        keyinfo *ki = &c->keys.v[c->obs.v[c->obs.n - 1].key];
        ki->append = true;
        if (x->vop == MV_CONCAT)
            ki->str_append = true;
        break;
    }
    case MV_CAS:
        if (ok) {
            add_obs(c, op, x->key, sess, OB_READ, true, x->a, HIST_NONE);
            c->obs.v[c->obs.n - 1].cas_read = 1;
        }
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->b, version);
        c->obs.v[c->obs.n - 1].has_old = 1;
        c->obs.v[c->obs.n - 1].old = x->a;
        break;
    default: /* nothing a session reads or writes */
        break;
    }
}

/* Turn the compiled ops into observations, in op order (session order
 * within each session), as the model says what each reads and writes.
 * Every op that took or may have taken effect opens its session, those
 * compiled away (they say nothing) too. */
static void gather(ctx *c, const model_ops *mo)
{
    const hist_op *ops = hist_ops(c->h);
    VEC(model_access) acc = {0};
    VEC_RESERVE(acc, 16);
    for (size_t i = 0, j = 0; i < hist_nops(c->h); i++) {
        const hist_op *o = &ops[i];
        if (((i & 4095) == 0 && halted(c)) || !meter(c, &c->hold, &c->charged, ctx_bytes(c)))
            break;
        if (o->status == OP_FAIL)
            continue;
        uint32_t sess;
        if (!valmap_get(c->sessmap, o->process, &sess)) {
            sess = (uint32_t)valmap_size(c->sessmap);
            valmap_put(c->sessmap, o->process, sess);
        }
        if (j == mo->n || mo->id[j] != i)
            continue;
        const mop *m = &mo->m[j++];
        size_t n = c->md->type->access(c->md, m, acc.v, acc.cap);
        if (n > acc.cap) {
            VEC_RESERVE(acc, n);
            c->md->type->access(c->md, m, acc.v, acc.cap);
        }
        for (size_t k = 0; k < n; k++)
            observe(c, o, (uint32_t)i, sess, &acc.v[k]);
    }
    free(acc.v);
}

/* Note which keys are appended to, and which are also overwritten. */
static void classify_keys(ctx *c)
{
    for (size_t i = 0; i < c->obs.n; i++) {
        const obs *o = &c->obs.v[i];
        if (o->kind == OB_WRITE && !o->append)
            c->keys.v[o->key].overwritten = true;
    }
}

/* ---- describing ops and versions for people ---- */

static void key_name(ctx *c, uint32_t key, sbuf *b)
{
    const keyinfo *ki = &c->keys.v[key];
    if (!val_is_nil(ki->key)) {
        if (ki->key.kind == VAL_STR) {
            size_t n;
            const char *s = val_str_bytes(c->vt, ki->key, &n);
            bool plain = n > 0 && n <= 40;
            for (size_t i = 0; i < n && plain; i++)
                plain = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                        (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.';
            if (plain)
                sbuf_addn(b, s, n);
            else
                val_describe(c->vt, ki->key, b);
        } else {
            val_describe(c->vt, ki->key, b);
        }
    } else {
        sbuf_adds(b, "the register");
    }
}

static void key_eq(ctx *c, uint32_t key, val v, sbuf *b)
{
    key_name(c, key, b);
    sbuf_addc(b, '=');
    val_describe(c->vt, v, b);
}

/* " (v41, ok at 1.204 s, line 88)": when an op completed (or began). */
static void when(ctx *c, uint32_t op, int64_t version, bool completed, sbuf *b)
{
    const hist_op *o = &hist_ops(c->h)[op];
    const hist_event *ev = hist_events(c->h);
    sbuf_adds(b, " (");
    if (version != HIST_NONE)
        sbuf_printf(b, "v%lld, ", (long long)version);
    completed = completed && o->ret != HIST_OPEN;
    int64_t t = completed ? o->ret_time : o->call_time;
    const char *what = completed ? (o->status == OP_OK ? "ok" : "info") : "invoked";
    if (t != HIST_NONE)
        sbuf_printf(b, "%s at %.3f s, ", what, (double)t / 1e9);
    else
        sbuf_printf(b, "%s, ", what);
    sbuf_printf(b, "line %u)", completed ? ev[o->ret].line : ev[o->call].line);
}

static void who(ctx *c, uint32_t op, sbuf *b)
{
    sbuf_adds(b, "process ");
    val_describe(c->vt, hist_ops(c->h)[op].process, b);
}

static void record(ctx *c, sess_guarantee g, uint32_t key, sbuf *text, const uint32_t *ops,
                   size_t nops)
{
    sess_outcome *oc = &c->out->g[g];
    oc->violations++;
    if (oc->nshown >= SESS_MAX_SHOWN) {
        sbuf_free(text);
        return;
    }
    sess_violation *v = &oc->shown[oc->nshown++];
    v->key = c->keys.v[key].key;
    v->keyed = !val_is_nil(v->key);
    v->text = text->p ? text->p : xstrdup("");
    v->ops = xmalloc((nops ? nops : 1) * sizeof *v->ops);
    if (nops)
        memcpy(v->ops, ops, nops * sizeof *ops);
    v->nops = nops;
}

/* ---- store order: compare the store's versions ---- */

typedef struct sk_state {
    int64_t max_w, max_r;
    uint32_t w_op, r_op;
} sk_state;

/* (session, key) -> dense number. */
typedef struct pairmap {
    uint64_t *k;
    uint32_t *v;
    size_t cap, n;
} pairmap;

static uint32_t pair_id(pairmap *m, uint32_t sess, uint32_t key)
{
    uint64_t x = ((uint64_t)sess << 32 | key) + 1;
    if (m->n * 2 >= m->cap) {
        size_t oc = m->cap, nc = oc ? oc * 2 : 1024;
        uint64_t *nk = xcalloc(nc, sizeof *nk);
        uint32_t *nv = xmalloc(nc * sizeof *nv);
        for (size_t i = 0; i < oc; i++) {
            if (!m->k[i])
                continue;
            size_t j = hash_mix64(m->k[i]) & (nc - 1);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = m->k[i];
            nv[j] = m->v[i];
        }
        free(m->k);
        free(m->v);
        m->k = nk;
        m->v = nv;
        m->cap = nc;
    }
    size_t j = hash_mix64(x) & (m->cap - 1);
    while (m->k[j] && m->k[j] != x)
        j = (j + 1) & (m->cap - 1);
    if (!m->k[j]) {
        m->k[j] = x;
        m->v[j] = (uint32_t)m->n++;
    }
    return m->v[j];
}

static void pairmap_free(pairmap *m)
{
    free(m->k);
    free(m->v);
}

static void store_pair(ctx *c, sess_guarantee g, const obs *a, const obs *b, bool a_done)
{
    sbuf t = {0};
    who(c, a->op, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " wrote " : " read ");
    key_eq(c, a->key, a->value, &t);
    when(c, a->op, a->version, a_done, &t);
    sbuf_adds(&t, b->kind == OB_WRITE ? " then wrote " : " then read ");
    key_eq(c, b->key, b->value, &t);
    when(c, b->op, b->version, true, &t);
    sbuf_printf(&t, ": %s", sess_guarantee_name(g));
    uint32_t ops[2] = {a->op, b->op};
    record(c, g, b->key, &t, ops, 2);
}

static void check_store(ctx *c, bool *violated /* [key * SG_COUNT] */)
{
    pairmap pm = {0};
    VEC(sk_state) st = {0};
    VEC(uint32_t) wop = {0}, rop = {0}; /* obs index of the max write / read */
    size_t charged = 0;
    for (size_t i = 0; i < c->obs.n; i++) {
        obs *o = &c->obs.v[i];
        if ((i & 4095) == 0 &&
            (halted(c) || !meter(c, &c->hold, &charged,
                                 pm.cap * 12 + st.cap * (sizeof(sk_state) + 8))))
            break;
        uint32_t p = pair_id(&pm, o->sess, o->key);
        if (p == st.n) {
            sk_state s = {HIST_NONE, HIST_NONE, 0, 0};
            VEC_PUSH(st, s);
            VEC_PUSH(wop, UINT32_MAX);
            VEC_PUSH(rop, UINT32_MAX);
        }
        sk_state *s = &st.v[p];
        int64_t v = o->version;
        if (o->kind == OB_READ) {
            if (o->cas_read)
                continue; /* the store names the version a cas wrote, not the one it read */
            if (v == HIST_NONE && (val_is_nil(o->value) || val_eq(o->value, c->keys.v[o->key].init)))
                v = 0; /* the initial value, before every version the store assigns */
            if (v == HIST_NONE) {
                c->out->reads_without_version++;
                continue;
            }
            o->version = v;
            if (s->max_w != HIST_NONE) {
                c->pairs[SG_RYW]++;
                if (v < s->max_w) {
                    store_pair(c, SG_RYW, &c->obs.v[wop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_RYW] = true;
                }
            }
            if (s->max_r != HIST_NONE) {
                c->pairs[SG_MR]++;
                if (v < s->max_r) {
                    store_pair(c, SG_MR, &c->obs.v[rop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_MR] = true;
                }
            }
            if (s->max_r == HIST_NONE || v > s->max_r) {
                s->max_r = v;
                rop.v[p] = (uint32_t)i;
            }
        } else {
            if (!o->ok || v == HIST_NONE)
                continue;
            if (s->max_w != HIST_NONE) {
                c->pairs[SG_MW]++;
                if (v <= s->max_w) {
                    store_pair(c, SG_MW, &c->obs.v[wop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_MW] = true;
                }
            }
            if (s->max_r != HIST_NONE) {
                c->pairs[SG_WFR]++;
                if (v <= s->max_r) {
                    store_pair(c, SG_WFR, &c->obs.v[rop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_WFR] = true;
                }
            }
            if (s->max_w == HIST_NONE || v > s->max_w) {
                s->max_w = v;
                wop.v[p] = (uint32_t)i;
            }
        }
    }
    pairmap_free(&pm);
    free(st.v);
    free(wop.v);
    free(rop.v);
}

/* ---- inferred order: a graph of versions per key ---- */

enum { N_VERSION, N_HELPER };

enum {
    E_INIT,    /* the initial value is first */
    E_CAS,     /* a cas replaced old with new (op a) */
    E_RT_IN,   /* write (op a) -> completion helper */
    E_RT_OUT,  /* completion helper -> write that began later (op b) */
    E_CHAIN,   /* helper -> next helper */
    E_RYW_IN,  /* write (op a) -> session helper */
    E_RYW_OUT, /* session helper -> version read (op b) */
    E_MR,      /* read (op a) -> later read (op b) */
    E_MW,      /* write (op a) -> later write (op b) */
    E_WFR_IN,  /* version read (op a) -> session helper */
    E_WFR_OUT, /* session helper -> write (op b) */
};

/* Strict orderings (<); the others are <= (a session may read its own
 * write, or the same version twice). */
static bool strict(int kind)
{
    return kind == E_INIT || kind == E_CAS || kind == E_RT_OUT || kind == E_MW ||
           kind == E_WFR_OUT;
}

#define BIT(g) (1u << (g))
#define M_FACT 0x3f
#define M_RYW (BIT(SG_RYW) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_MR (BIT(SG_MR) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_MW (BIT(SG_MW) | BIT(SG_PRAM) | BIT(SG_ALL))
#define M_WFR (BIT(SG_WFR) | BIT(SG_ALL))

/* What an edge stands for, to explain a cycle through it. */
typedef struct edge {
    uint32_t a, b;   /* ops (obs indices) */
    uint8_t kind;
} edge;

typedef VEC(uint32_t) u32vec;

/* The graph of one key's versions: node kinds, and edge i from[i] ->
 * to[i], in the guarantees mask[i], standing for edges[i]. */
typedef struct vgraph {
    VEC(uint8_t) nkind;
    u32vec from, to;
    VEC(uint8_t) mask;
    VEC(edge) edges;
} vgraph;

static uint32_t new_node(vgraph *gr, int kind)
{
    uint32_t id = (uint32_t)gr->nkind.n;
    VEC_PUSH(gr->nkind, (uint8_t)kind);
    return id;
}

static void add_edge(vgraph *gr, uint32_t from, uint32_t to, int kind, unsigned mask, uint32_t a,
                     uint32_t b)
{
    if (from == to)
        return;
    edge e = {a, b, (uint8_t)kind};
    VEC_PUSH(gr->from, from);
    VEC_PUSH(gr->to, to);
    VEC_PUSH(gr->mask, (uint8_t)mask);
    VEC_PUSH(gr->edges, e);
}

/* (key, value) -> version node. */
typedef struct vnmap {
    struct vslot2 {
        uint32_t key, node; /* node + 1; 0 empty */
        val v;
    } *s;
    size_t cap, n;
} vnmap;

static uint32_t *vn_slot(vnmap *m, uint32_t key, val v)
{
    if (m->n * 2 >= m->cap) {
        size_t oc = m->cap, nc = oc ? oc * 2 : 1024;
        struct vslot2 *ns = xcalloc(nc, sizeof *ns);
        for (size_t i = 0; i < oc; i++) {
            if (!m->s[i].node)
                continue;
            size_t j = (val_hash(m->s[i].v) ^ hash_mix64(m->s[i].key)) & (nc - 1);
            while (ns[j].node)
                j = (j + 1) & (nc - 1);
            ns[j] = m->s[i];
        }
        free(m->s);
        m->s = ns;
        m->cap = nc;
    }
    size_t j = (val_hash(v) ^ hash_mix64(key)) & (m->cap - 1);
    while (m->s[j].node && !(m->s[j].key == key && val_eq(m->s[j].v, v)))
        j = (j + 1) & (m->cap - 1);
    if (!m->s[j].node) {
        m->s[j].key = key;
        m->s[j].v = v;
        m->n++;
    }
    return &m->s[j].node;
}

typedef struct inf_state {
    uint32_t ryw, wfr;    /* last session helpers (+1; 0 none) */
    uint32_t last_r;      /* last version read (+1) */
    uint32_t last_r_obs;
    uint32_t last_w;      /* last ok write's version (+1) */
    uint32_t last_w_obs;
} inf_state;

/* The clauses of a cycle: runs of edges, each an ordering a person can
 * read (helper nodes never end a run). */
typedef struct clause {
    size_t from, to; /* edge positions [from, to] in the cycle */
    uint32_t line;   /* of the earliest op it names, to start the story there */
} clause;

static uint32_t obs_line(ctx *c, uint32_t ob)
{
    if (ob == UINT32_MAX)
        return UINT32_MAX;
    return hist_events(c->h)[hist_ops(c->h)[c->obs.v[ob].op].call].line;
}

static void clause_text(ctx *c, vgraph *gr, uint32_t key, const uint32_t *cyc, const clause *cl,
                        sbuf *t, u32vec *ops)
{
    obs *ob = c->obs.v;
    const edge *e = &gr->edges.v[cyc[cl->from]];
    if (e->kind == E_INIT) {
        sbuf_adds(t, "the initial value ");
        key_eq(c, key, c->keys.v[key].init, t);
        sbuf_adds(t, " comes first");
        return;
    }
    if (e->kind == E_CAS) {
        who(c, ob[e->a].op, t);
        sbuf_adds(t, "'s cas replaced ");
        key_eq(c, key, ob[e->a].old, t);
        sbuf_adds(t, " with ");
        key_eq(c, key, ob[e->a].value, t);
        when(c, ob[e->a].op, HIST_NONE, true, t);
        VEC_PUSH(*ops, ob[e->a].op);
        return;
    }
    /* MR and MW name both ops; a run through helpers (X_IN, CHAIN...,
     * X_OUT) names the first edge's op and the last's. */
    uint32_t a = e->a;
    uint32_t b = e->kind == E_MR || e->kind == E_MW ? e->b : gr->edges.v[cyc[cl->to]].b;
    const obs *x = &ob[a], *y = &ob[b];
    if (e->kind == E_RT_IN) {
        sbuf_adds(t, "the write of ");
        key_eq(c, key, x->value, t);
        when(c, x->op, HIST_NONE, true, t);
        sbuf_adds(t, " completed before the write of ");
        key_eq(c, key, y->value, t);
        sbuf_adds(t, " began");
        when(c, y->op, HIST_NONE, false, t);
    } else {
        bool x_writes = e->kind == E_RYW_IN || e->kind == E_MW;
        bool y_writes = e->kind == E_WFR_IN || e->kind == E_MW;
        who(c, x->op, t);
        sbuf_adds(t, x_writes ? " wrote " : " read ");
        key_eq(c, key, x->value, t);
        when(c, x->op, HIST_NONE, true, t);
        sbuf_adds(t, y_writes ? " then wrote " : " then read ");
        key_eq(c, key, y->value, t);
        when(c, y->op, HIST_NONE, true, t);
    }
    VEC_PUSH(*ops, x->op);
    VEC_PUSH(*ops, y->op);
}

/* Turn a cycle (edge indices, starting and ending at a version) into one
 * explanation: a clause per ordering, starting with the earliest. */
static void explain_cycle(ctx *c, vgraph *gr, sess_guarantee g, uint32_t key, const uint32_t *cyc,
                          size_t n, sbuf *out, u32vec *out_ops)
{
    VEC(clause) cls = {0};
    for (size_t i = 0; i < n;) {
        const edge *e = &gr->edges.v[cyc[i]];
        clause cl = {i, i, obs_line(c, e->a)};
        if (e->kind != E_INIT && e->kind != E_CAS && e->kind != E_MR && e->kind != E_MW) {
            size_t j = i + 1;
            while (j < n && gr->edges.v[cyc[j]].kind == E_CHAIN)
                j++;
            cl.to = j < n ? j : n - 1;
        }
        if (cl.line == UINT32_MAX)
            cl.line = obs_line(c, gr->edges.v[cyc[cl.to]].b);
        if (e->kind == E_INIT)
            cl.line = 0; /* the initial value is where the story starts */
        VEC_PUSH(cls, cl);
        i = cl.to + 1;
    }
    size_t start = 0;
    for (size_t i = 1; i < cls.n; i++)
        if (cls.v[i].line < cls.v[start].line)
            start = i;
    for (size_t k = 0; k < cls.n; k++) {
        if (k)
            sbuf_adds(out, "; ");
        clause_text(c, gr, key, cyc, &cls.v[(start + k) % cls.n], out, out_ops);
    }
    sbuf_adds(out, ": no order of ");
    key_name(c, key, out);
    sbuf_printf(out, "'s versions allows %s", sess_guarantee_name(g));
    free(cls.v);
}

/* What one worker reuses from key to key: the key's graph, its maps, and
 * the search's arrays, grown to the largest key seen. Keys are searched
 * one at a time in these small arrays, which keeps the work in cache, and
 * keys go to workers in parallel. */
typedef struct found {
    uint32_t key;
    int g;
    char *text;
    uint32_t *ops;
    size_t nops;
} found;

typedef struct kwork {
    vgraph gr;
    graph_rows rows;   /* gr's edges in rows */
    graph g;
    vnmap vm;          /* value -> node, for the key at hand (key number 0) */
    pairmap pm;        /* session -> state */
    VEC(inf_state) st;
    u32vec done;       /* ok writes by completion (realtime) */
    u32vec helper;
    graph_ws gws;
    uint32_t *comp, *first_v, *second_v, *strict_e;
    size_t cap;        /* of the arrays above, in nodes */
    size_t pairs[4];
    VEC(found) found;
    u32vec dup;        /* keys left out: a value written twice (obs pairs) */
    bhold hold;        /* what this worker's tables are charged to */
    size_t charged;
} kwork;

/* What a worker's tables hold. */
static size_t kwork_bytes(const kwork *w)
{
    return w->gr.nkind.cap + (w->gr.from.cap + w->gr.to.cap) * 4 + w->gr.mask.cap +
           w->gr.edges.cap * sizeof(edge) + graph_rows_bytes(&w->rows) + graph_ws_bytes(&w->gws) +
           w->vm.cap * sizeof *w->vm.s + w->pm.cap * 12 + w->st.cap * sizeof(inf_state) +
           (w->done.cap + w->helper.cap) * 4 + w->cap * 4 * 4;
}

static void kwork_free(kwork *w)
{
    budget_leave(&w->hold);
    free(w->gr.nkind.v);
    free(w->gr.from.v);
    free(w->gr.to.v);
    free(w->gr.mask.v);
    free(w->gr.edges.v);
    graph_rows_free(&w->rows);
    graph_ws_free(&w->gws);
    free(w->vm.s);
    pairmap_free(&w->pm);
    free(w->st.v);
    free(w->done.v);
    free(w->helper.v);
    free(w->comp);
    free(w->first_v);
    free(w->second_v);
    free(w->strict_e);
    free(w->found.v);
    free(w->dup.v);
}

static void kwork_reserve(kwork *w, size_t n)
{
    if (n <= w->cap)
        return;
    size_t c = w->cap ? w->cap : 256;
    while (c < n)
        c *= 2;
    uint32_t **arrs[] = {&w->comp, &w->first_v, &w->second_v, &w->strict_e};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++)
        *arrs[i] = xrealloc(*arrs[i], c * sizeof(uint32_t));
    w->cap = c;
    graph_ws_reserve(&w->gws, (uint32_t)c);
}

/* Order obs indices by when their op completed. */
static int by_completion(const void *a, const void *b, void *cv)
{
    ctx *c = cv;
    const obs *x = &c->obs.v[*(const uint32_t *)a], *y = &c->obs.v[*(const uint32_t *)b];
    uint32_t rx = hist_ops(c->h)[x->op].ret, ry = hist_ops(c->h)[y->op].ret;
    return rx < ry ? -1 : rx > ry;
}

static void reset_key(kwork *w)
{
    w->gr.nkind.n = w->gr.from.n = w->gr.to.n = w->gr.mask.n = w->gr.edges.n = 0;
    if (w->vm.cap)
        memset(w->vm.s, 0, w->vm.cap * sizeof *w->vm.s);
    w->vm.n = 0;
    if (w->pm.cap)
        memset(w->pm.k, 0, w->pm.cap * sizeof *w->pm.k);
    w->pm.n = 0;
    w->st.n = 0;
    w->done.n = 0;
    w->helper.n = 0;
}

/* Build the graph of one key from its obs (indices, in op order). */
static void build_key(ctx *c, kwork *w, const uint32_t *ko, size_t n, bool realtime)
{
    vgraph *gr = &w->gr;
    obs *ob = c->obs.v;
    uint32_t key = ob[ko[0]].key;
    /* The initial value first, then a node per version named. */
    uint32_t init = new_node(gr, N_VERSION);
    *vn_slot(&w->vm, 0, c->keys.v[key].init) = init + 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t *slot = vn_slot(&w->vm, 0, ob[ko[i]].value);
        if (!*slot) {
            *slot = new_node(gr, N_VERSION) + 1;
            add_edge(gr, init, *slot - 1, E_INIT, M_FACT, UINT32_MAX, UINT32_MAX);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const obs *o = &ob[ko[i]];
        if (o->kind != OB_WRITE || !o->has_old)
            continue;
        uint32_t *slot = vn_slot(&w->vm, 0, o->old);
        if (!*slot) { /* a value nobody else names: a version all the same */
            *slot = new_node(gr, N_VERSION) + 1;
            add_edge(gr, init, *slot - 1, E_INIT, M_FACT, UINT32_MAX, UINT32_MAX);
        }
        uint32_t from = *slot - 1;
        add_edge(gr, from, *vn_slot(&w->vm, 0, o->value) - 1, E_CAS, M_FACT, ko[i], ko[i]);
    }
    if (realtime) {
        /* Completions of ok writes in real-time order: helper nodes
         * chained in that order; a write that began after a completion
         * hangs off the last completion before its call. */
        for (size_t i = 0; i < n; i++)
            if (ob[ko[i]].kind == OB_WRITE && ob[ko[i]].ok)
                VEC_PUSH(w->done, ko[i]);
        if (w->done.n > 1)
            qsort_r(w->done.v, w->done.n, sizeof *w->done.v, by_completion, c);
        const hist_op *hops = hist_ops(c->h);
        for (size_t i = 0; i < w->done.n; i++) {
            const obs *o = &ob[w->done.v[i]];
            uint32_t hl = new_node(gr, N_HELPER);
            VEC_PUSH(w->helper, hl);
            add_edge(gr, *vn_slot(&w->vm, 0, o->value) - 1, hl, E_RT_IN, M_FACT, w->done.v[i],
                     UINT32_MAX);
            if (i)
                add_edge(gr, w->helper.v[i - 1], hl, E_CHAIN, M_FACT, UINT32_MAX, UINT32_MAX);
        }
        for (size_t i = 0; i < n; i++) {
            const obs *o = &ob[ko[i]];
            if (o->kind != OB_WRITE)
                continue;
            uint32_t call = hops[o->op].call;
            size_t lo = 0, hi = w->done.n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (hops[ob[w->done.v[mid]].op].ret < call)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo > 0)
                add_edge(gr, w->helper.v[lo - 1], *vn_slot(&w->vm, 0, o->value) - 1, E_RT_OUT,
                         M_FACT, UINT32_MAX, ko[i]);
        }
    }
    /* Demands, walking each session in order. */
    for (size_t i = 0; i < n; i++) {
        uint32_t oi = ko[i];
        const obs *o = &ob[oi];
        uint32_t p = pair_id(&w->pm, o->sess, 0);
        if (p == w->st.n) {
            inf_state s0 = {0};
            VEC_PUSH(w->st, s0);
        }
        inf_state *s = &w->st.v[p];
        uint32_t node = *vn_slot(&w->vm, 0, o->value) - 1;
        if (o->kind == OB_READ) {
            if (s->ryw) {
                w->pairs[SG_RYW]++;
                add_edge(gr, s->ryw - 1, node, E_RYW_OUT, M_RYW, UINT32_MAX, oi);
            }
            if (s->last_r) {
                w->pairs[SG_MR]++;
                add_edge(gr, s->last_r - 1, node, E_MR, M_MR, s->last_r_obs, oi);
            }
            uint32_t hlp = new_node(gr, N_HELPER);
            add_edge(gr, node, hlp, E_WFR_IN, M_WFR, oi, UINT32_MAX);
            if (s->wfr)
                add_edge(gr, s->wfr - 1, hlp, E_CHAIN, M_WFR, UINT32_MAX, UINT32_MAX);
            s->wfr = hlp + 1;
            s->last_r = node + 1;
            s->last_r_obs = oi;
        } else if (o->ok) {
            if (s->wfr) {
                w->pairs[SG_WFR]++;
                add_edge(gr, s->wfr - 1, node, E_WFR_OUT, M_WFR, UINT32_MAX, oi);
            }
            if (s->last_w) {
                w->pairs[SG_MW]++;
                add_edge(gr, s->last_w - 1, node, E_MW, M_MW, s->last_w_obs, oi);
            }
            uint32_t hlp = new_node(gr, N_HELPER);
            add_edge(gr, node, hlp, E_RYW_IN, M_RYW, oi, UINT32_MAX);
            if (s->ryw)
                add_edge(gr, s->ryw - 1, hlp, E_CHAIN, M_RYW, UINT32_MAX, UINT32_MAX);
            s->ryw = hlp + 1;
            s->last_w = node + 1;
            s->last_w_obs = oi;
        }
    }
}

/* A shortest path from a to b inside their component, over edges in
 * mask: appends its edges to path; false if there is none. */
static bool find_path(kwork *w, unsigned mask, uint32_t a, uint32_t b, u32vec *path)
{
    VEC_RESERVE(*path, path->n + w->g.n);
    size_t k = graph_path(&w->g, mask, w->comp, a, b, &w->gws, path->v + path->n);
    for (size_t i = 0; i < k; i++)
        path->v[path->n + i] = w->rows.edge[path->v[path->n + i]];
    path->n += k;
    return k > 0;
}

/* Search one key's graph (w->g, built) for each guarantee; explanations
 * go to w->found. */
static void search_key(ctx *c, kwork *w, uint32_t key)
{
    vgraph *gr = &w->gr;
    size_t n = gr->nkind.n;
    /* Any cycle of a guarantee's edges is a cycle of the union of all
     * edges: the union is searched first, and only if it has a cycle that
     * no order allows is each guarantee searched on its own. */
    static const int passes[] = {SG_ALL, SG_RYW, SG_MR, SG_MW, SG_WFR, SG_PRAM};
    for (size_t pi = 0; pi < sizeof passes / sizeof *passes; pi++) {
        int g = passes[pi];
        bool union_pass = g == SG_ALL;
        if (halted(c))
            return;
        unsigned mask = union_pass ? M_FACT : BIT(g);
        if (!union_pass && !(c->checks & BIT(g)))
            continue;
        graph_scc(&w->g, mask, w->comp, &w->gws);
        uint32_t *comp = w->comp, *first = w->first_v, *second = w->second_v;
        uint32_t *se = w->strict_e;
        for (size_t i = 0; i < n; i++)
            first[i] = second[i] = se[i] = UINT32_MAX;
        for (size_t v = 0; v < n; v++) {
            if (gr->nkind.v[v] != N_VERSION)
                continue;
            if (first[comp[v]] == UINT32_MAX)
                first[comp[v]] = (uint32_t)v;
            else if (second[comp[v]] == UINT32_MAX)
                second[comp[v]] = (uint32_t)v;
        }
        for (size_t e = 0; e < gr->edges.n; e++) {
            uint32_t from = gr->from.v[e];
            if ((gr->mask.v[e] & mask) && strict(gr->edges.v[e].kind) &&
                comp[from] == comp[gr->to.v[e]] && se[comp[from]] == UINT32_MAX)
                se[comp[from]] = (uint32_t)e;
        }
        /* A component with two versions, or a strict edge inside, is a
         * cycle no order of versions allows: explain the first. */
        bool bad = false;
        for (size_t cc = 0; cc < n && !bad; cc++) {
            uint32_t a = first[cc], b = second[cc], s = se[cc];
            if (b == UINT32_MAX && s == UINT32_MAX)
                continue;
            bad = true;
            if (union_pass && !(c->checks & BIT(SG_ALL)))
                break;
            u32vec cyc = {0};
            bool ok;
            if (b != UINT32_MAX) {
                ok = find_path(w, mask, a, b, &cyc) && find_path(w, mask, b, a, &cyc);
            } else { /* from the strict edge's head (a version) back to its tail */
                ok = find_path(w, mask, gr->to.v[s], gr->from.v[s], &cyc);
                VEC_PUSH(cyc, s);
            }
            if (ok) {
                sbuf t = {0};
                u32vec ops = {0};
                explain_cycle(c, gr, (sess_guarantee)g, key, cyc.v, cyc.n, &t, &ops);
                found f = {key, g, t.p, ops.v, ops.n};
                VEC_PUSH(w->found, f);
            }
            free(cyc.v);
        }
        if (union_pass && !bad)
            return;
    }
}

/* Keys where some value is written twice (or the initial value written,
 * or a cas wrote what it found): a read cannot tell which write it saw, so
 * no order can be inferred and the key is left out. dup holds pairs of
 * obs: the first write of the value (or the same obs twice) and the one
 * that repeats it. The example named is that of the lowest key. */
static void not_unique(ctx *c, const uint32_t *dup, size_t n)
{
    const hist_event *ev = hist_events(c->h);
    const hist_op *ops = hist_ops(c->h);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n; i += 2) {
        const obs *o = &c->obs.v[dup[i + 1]];
        c->keys.v[o->key].not_unique = true;
        c->out->keys_not_unique++;
        if (best == SIZE_MAX || o->key < c->obs.v[dup[best + 1]].key)
            best = i;
    }
    if (best == SIZE_MAX || c->out->not_unique_example)
        return;
    const obs *a = &c->obs.v[dup[best]], *o = &c->obs.v[dup[best + 1]];
    sbuf t = {0};
    key_eq(c, o->key, o->value, &t);
    if (a == o)
        sbuf_printf(&t, " (%s) written at line %u",
                    val_eq(o->value, c->keys.v[o->key].init) ? "the initial value"
                                                       : "by a cas from the same value",
                    ev[ops[o->op].call].line);
    else
        sbuf_printf(&t, " written at lines %u and %u", ev[ops[a->op].call].line,
                    ev[ops[o->op].call].line);
    c->out->not_unique_example = t.p;
}

typedef struct inf_job {
    ctx *c;
    bool realtime;
    const uint32_t *kstart; /* obs of key k: korder[kstart[k] .. kstart[k+1]) */
    const uint32_t *korder;
    const bool *skip;
    kwork *work;
} inf_job;

static void inf_key(void *arg, size_t k, int worker)
{
    inf_job *j = arg;
    size_t n = j->kstart[k + 1] - j->kstart[k];
    if (j->skip[k] || n == 0 || halted(j->c))
        return;
    kwork *w = &j->work[worker];
    const uint32_t *ko = j->korder + j->kstart[k];
    const obs *ob = j->c->obs.v;
    /* Each written value must be unique (and not the initial value, nor
     * a cas from the same value), or a read cannot name its write. */
    reset_key(w);
    for (size_t i = 0; i < n; i++) {
        const obs *o = &ob[ko[i]];
        if (o->kind != OB_WRITE)
            continue;
        uint32_t *slot = vn_slot(&w->vm, 0, o->value);
        if (!*slot && !val_eq(o->value, j->c->keys.v[o->key].init) &&
            !(o->has_old && val_eq(o->old, o->value))) {
            *slot = ko[i] + 1;
            continue;
        }
        VEC_PUSH(w->dup, *slot ? *slot - 1 : ko[i]);
        VEC_PUSH(w->dup, ko[i]);
        return;
    }
    reset_key(w);
    build_key(j->c, w, ko, n, j->realtime);
    vgraph *gr = &w->gr;
    w->g = graph_build(&w->rows, (uint32_t)gr->nkind.n, gr->edges.n, gr->from.v, gr->to.v,
                       gr->mask.v);
    kwork_reserve(w, gr->nkind.n);
    if (!meter(j->c, &w->hold, &w->charged, kwork_bytes(w)))
        return;
    search_key(j->c, w, (uint32_t)k);
}

static int by_key_then_guarantee(const void *a, const void *b)
{
    const found *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->g - y->g;
}

static void check_inferred(ctx *c, bool realtime, bool *violated, const bool *skip_key)
{
    /* The obs of each key, in op order: a counting sort by key. */
    size_t nk = c->keys.n;
    uint32_t *kstart = xcalloc(nk + 2, sizeof *kstart);
    uint32_t *korder = xmalloc((c->obs.n ? c->obs.n : 1) * sizeof *korder);
    for (size_t i = 0; i < c->obs.n; i++)
        kstart[c->obs.v[i].key + 2]++;
    for (size_t k = 0; k < nk; k++)
        kstart[k + 2] += kstart[k + 1];
    for (size_t i = 0; i < c->obs.n; i++)
        korder[kstart[c->obs.v[i].key + 1]++] = (uint32_t)i;
    int threads = c->jobs > 0 ? c->jobs : pool_cores();
    kwork *work = xcalloc((size_t)threads, sizeof *work);
    for (int t = 0; t < threads; t++)
        budget_join(&work[t].hold, c->lim ? c->lim->mem : NULL, false);
    inf_job job = {c, realtime, kstart, korder, skip_key, work};
    pool_run(nk, threads, inf_key, &job);
    /* Record what was found, in key order, so the report does not depend
     * on which worker finished first. */
    VEC(found) all = {0};
    u32vec dups = {0};
    for (int t = 0; t < threads; t++) {
        for (size_t i = 0; i < work[t].found.n; i++)
            VEC_PUSH(all, work[t].found.v[i]);
        for (size_t i = 0; i < work[t].dup.n; i++)
            VEC_PUSH(dups, work[t].dup.v[i]);
        for (int g = 0; g < 4; g++)
            c->pairs[g] += work[t].pairs[g];
        kwork_free(&work[t]);
    }
    not_unique(c, dups.v, dups.n);
    free(dups.v);
    if (all.n > 1)
        qsort(all.v, all.n, sizeof *all.v, by_key_then_guarantee);
    for (size_t i = 0; i < all.n; i++) {
        found *f = &all.v[i];
        violated[f->key * SG_COUNT + f->g] = true;
        sbuf t = {f->text, f->text ? strlen(f->text) : 0, 0};
        record(c, (sess_guarantee)f->g, f->key, &t, f->ops, f->nops);
        free(f->ops);
    }
    free(all.v);
    free(work);
    free(kstart);
    free(korder);
}

/* ---- append keys: the reads reveal the order ---- */

typedef struct app_state {
    uint32_t last_read;   /* obs + 1 */
    uint32_t last_append; /* obs + 1, ok appends only */
    uint32_t confirmed;   /* obs + 1: a read holding every append so far */
    size_t first_pending; /* into the pair's appends */
} app_state;

/* Is the list or string a a prefix of b? */
static bool is_prefix(const vtab *vt, val a, val b)
{
    if (val_is_nil(a)) /* nothing yet: a prefix of everything */
        return true;
    if (a.kind == VAL_STR && b.kind == VAL_STR) {
        size_t na, nb;
        const char *pa = val_str_bytes(vt, a, &na), *pb = val_str_bytes(vt, b, &nb);
        return na <= nb && memcmp(pa, pb, na) == 0;
    }
    if ((a.kind != VAL_LIST && !val_is_nil(a)) || (b.kind != VAL_LIST && !val_is_nil(b)))
        return val_eq(a, b);
    size_t na, nb;
    const val *ia = val_items(vt, a, &na), *ib = val_items(vt, b, &nb);
    return na <= nb && (na == 0 || memcmp(ia, ib, na * sizeof *ia) == 0);
}

/* Does the read value r hold the appended element x? */
static bool holds_elem(const vtab *vt, val r, val x)
{
    if (r.kind == VAL_STR && x.kind == VAL_STR) {
        size_t nr, nx;
        const char *pr = val_str_bytes(vt, r, &nr), *px = val_str_bytes(vt, x, &nx);
        return nx == 0 || memmem(pr, nr, px, nx) != NULL;
    }
    size_t n;
    const val *it = val_items(vt, r, &n);
    for (size_t i = 0; i < n; i++)
        if (val_eq(it[i], x))
            return true;
    return false;
}

static void app_pair(ctx *c, sess_guarantee g, const obs *a, const obs *b, const char *why,
                     const obs *witness, bool *violated)
{
    sbuf t = {0};
    who(c, a->op, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " appended " : " read ");
    val_describe(c->vt, a->value, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " to " : " from ");
    key_name(c, a->key, &t);
    when(c, a->op, HIST_NONE, true, &t);
    sbuf_adds(&t, b->kind == OB_WRITE ? " then appended " : " then read ");
    val_describe(c->vt, b->value, &t);
    when(c, b->op, HIST_NONE, true, &t);
    if (witness) {
        sbuf_adds(&t, ", but ");
        who(c, witness->op, &t);
        sbuf_adds(&t, " read ");
        val_describe(c->vt, witness->value, &t);
        when(c, witness->op, HIST_NONE, true, &t);
    }
    sbuf_printf(&t, "%s: %s", why, sess_guarantee_name(g));
    uint32_t ops[3] = {a->op, b->op, witness ? witness->op : 0};
    violated[b->key * SG_COUNT + g] = true;
    record(c, g, b->key, &t, ops, witness ? 3 : 2);
}

/* An append key where an element is appended twice is left out: a read
 * showing the element cannot tell which append it saw, and the rules
 * below take the first read showing an element as its witness. */
static void append_not_unique(ctx *c, bool *is_append)
{
    vnmap seen = {0};
    u32vec dup = {0};
    for (size_t i = 0; i < c->obs.n; i++) {
        const obs *o = &c->obs.v[i];
        if (!is_append[o->key] || o->kind != OB_WRITE)
            continue;
        uint32_t *slot = vn_slot(&seen, o->key, o->value);
        if (!*slot) {
            *slot = (uint32_t)i + 1;
            continue;
        }
        is_append[o->key] = false;
        VEC_PUSH(dup, *slot - 1);
        VEC_PUSH(dup, (uint32_t)i);
    }
    not_unique(c, dup.v, dup.n);
    free(dup.v);
    free(seen.s);
}

static void check_append(ctx *c, bool *violated, const bool *is_append)
{
    obs *ob = c->obs.v;
    const vtab *vt = c->vt;
    /* A witness per element: the first read that shows it, and where. */
    vnmap wm = {0};
    VEC(uint32_t) wit_obs = {0};
    VEC(uint32_t) wit_pos = {0};
    for (size_t i = 0; i < c->obs.n; i++) {
        const obs *o = &ob[i];
        if (!is_append[o->key] || o->kind != OB_READ || o->value.kind != VAL_LIST)
            continue;
        size_t n;
        const val *it = val_items(vt, o->value, &n);
        for (size_t j = 0; j < n; j++) {
            uint32_t *slot = vn_slot(&wm, o->key, it[j]);
            if (*slot)
                continue;
            *slot = (uint32_t)wit_obs.n + 1;
            VEC_PUSH(wit_obs, (uint32_t)i);
            VEC_PUSH(wit_pos, (uint32_t)j);
        }
    }
    pairmap pm = {0};
    VEC(app_state) st = {0};
    VEC(u32vec) appends = {0}; /* per pair: its ok appends (obs) */
    size_t charged = 0;
    for (size_t i = 0; i < c->obs.n; i++) {
        obs *o = &ob[i];
        if ((i & 4095) == 0 &&
            (halted(c) || !meter(c, &c->hold, &charged,
                                 wm.cap * sizeof *wm.s + (wit_obs.cap + wit_pos.cap) * 4 +
                                     pm.cap * 12 + st.cap * sizeof(app_state) +
                                     appends.cap * sizeof(u32vec) + i * 4)))
            break;
        if (!is_append[o->key])
            continue;
        bool strings = c->keys.v[o->key].str_append;
        uint32_t p = pair_id(&pm, o->sess, o->key);
        if (p == st.n) {
            app_state s0 = {0};
            u32vec none = {0};
            VEC_PUSH(st, s0);
            VEC_PUSH(appends, none);
        }
        app_state *s = &st.v[p];
        u32vec *mine = &appends.v[p];
        if (o->kind == OB_READ) {
            /* RYW: every append of this session is in the read. */
            if (mine->n) {
                c->pairs[SG_RYW]++;
                size_t from = s->first_pending;
                if (s->confirmed && !is_prefix(vt, ob[s->confirmed - 1].value, o->value))
                    from = 0; /* not an extension of a read that held them all */
                bool all = true;
                for (size_t k = from; k < mine->n; k++) {
                    const obs *a = &ob[mine->v[k]];
                    if (!holds_elem(vt, o->value, a->value)) {
                        all = false;
                        if (!violated[o->key * SG_COUNT + SG_RYW])
                            app_pair(c, SG_RYW, a, o, ", which does not hold it", NULL, violated);
                        else
                            c->out->g[SG_RYW].violations++;
                        break;
                    }
                }
                if (all) {
                    s->confirmed = (uint32_t)i + 1;
                    s->first_pending = mine->n;
                }
            }
            /* MR: the earlier read is a prefix of this one. */
            if (s->last_read) {
                c->pairs[SG_MR]++;
                const obs *a = &ob[s->last_read - 1];
                if (!is_prefix(vt, a->value, o->value)) {
                    if (!violated[o->key * SG_COUNT + SG_MR])
                        app_pair(c, SG_MR, a, o, ", which does not extend the first", NULL,
                                 violated);
                    else
                        c->out->g[SG_MR].violations++;
                }
            }
            s->last_read = (uint32_t)i + 1;
            continue;
        }
        if (!o->ok)
            continue;
        uint32_t w = *vn_slot(&wm, o->key, o->value);
        const obs *wit = w ? &ob[wit_obs.v[w - 1]] : NULL;
        size_t pos = w ? wit_pos.v[w - 1] : 0;
        /* MW: a read showing this element shows the previous one before it. */
        if (s->last_append && !strings) {
            c->pairs[SG_MW]++;
            const obs *a = &ob[s->last_append - 1];
            size_t n;
            const val *it = wit ? val_items(vt, wit->value, &n) : NULL;
            bool before = false;
            for (size_t k = 0; it && k < pos; k++)
                before = before || val_eq(it[k], a->value);
            if (wit && !before) {
                if (!violated[o->key * SG_COUNT + SG_MW])
                    app_pair(c, SG_MW, a, o, " (not after the first)", wit, violated);
                else
                    c->out->g[SG_MW].violations++;
            }
        }
        /* WFR: a read showing this element shows, before it, what was read. */
        if (s->last_read && !strings) {
            c->pairs[SG_WFR]++;
            const obs *a = &ob[s->last_read - 1];
            size_t na, nw;
            const val *ia = val_items(vt, a->value, &na);
            const val *iw = wit ? val_items(vt, wit->value, &nw) : NULL;
            if (wit && (na > pos || (na && memcmp(ia, iw, na * sizeof *ia) != 0))) {
                if (!violated[o->key * SG_COUNT + SG_WFR])
                    app_pair(c, SG_WFR, a, o, " (not after what was read)", wit, violated);
                else
                    c->out->g[SG_WFR].violations++;
            }
        }
        VEC_PUSH(*mine, (uint32_t)i);
        s->last_append = (uint32_t)i + 1;
    }
    for (size_t p = 0; p < appends.n; p++)
        free(appends.v[p].v);
    free(appends.v);
    free(st.v);
    pairmap_free(&pm);
    free(wm.s);
    free(wit_obs.v);
    free(wit_pos.v);
}

/* ---- the whole check ---- */

/* A conjunction is violated on a key where a part is (when the version
 * order is fixed by the store, or by append reads): say which. */
static void derive_conjunction(ctx *c, bool *violated, sess_guarantee conj, const bool *keys)
{
    int parts = conj == SG_PRAM ? 3 : 4;
    for (size_t k = 0; k < c->keys.n; k++) {
        if (!keys[k] || violated[k * SG_COUNT + conj])
            continue;
        for (int g = 0; g < parts; g++) {
            if (!violated[k * SG_COUNT + g])
                continue;
            violated[k * SG_COUNT + conj] = true;
            sbuf t = {0};
            const sess_outcome *po = &c->out->g[g];
            const char *why = NULL;
            const uint32_t *ops = NULL;
            size_t nops = 0;
            for (size_t i = 0; i < po->nshown; i++)
                if (val_eq(po->shown[i].key, c->keys.v[k].key)) {
                    why = po->shown[i].text;
                    ops = po->shown[i].ops;
                    nops = po->shown[i].nops;
                    break;
                }
            if (why)
                sbuf_printf(&t, "%s (so not %s)", why, sess_guarantee_name(conj));
            else {
                sbuf_printf(&t, "%s is violated on ", sess_guarantee_name((sess_guarantee)g));
                key_name(c, (uint32_t)k, &t);
            }
            record(c, conj, (uint32_t)k, &t, ops, nops);
            if (c->out->g[conj].nshown)
                c->out->g[conj].shown[c->out->g[conj].nshown - 1].derived = true;
            break;
        }
    }
}

void sess_check(const history *h, const model *md, const model_ops *ops, sess_order order,
                unsigned checks, int jobs, const sess_limits *lim, sess_result *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    out->order = order;
    if (!md->type->access) {
        out->why_na = "session guarantees are about reads and writes of registers; this model has none";
        return;
    }
    if ((checks & (BIT(SG_RYW) | BIT(SG_MR) | BIT(SG_MW))) == (BIT(SG_RYW) | BIT(SG_MR) | BIT(SG_MW)))
        checks |= BIT(SG_PRAM);
    if ((checks & SESS_ALL_CHECKS) == SESS_ALL_CHECKS)
        checks |= BIT(SG_ALL);
    ctx c = {.h = h, .md = md, .vt = md->vt, .out = out, .keymap = valmap_new(),
             .sessmap = valmap_new(), .checks = checks, .jobs = jobs, .lim = lim};
    atomic_init(&c.halt, SESS_DONE);
    budget_join(&c.hold, lim ? lim->mem : NULL, false);
    gather(&c, ops);
    if (atomic_load(&c.halt)) {
        /* Some ops not gathered: what the rest shows is not sound (a key's
         * later ops may leave it out), so nothing is checked. */
        out->applicable = true;
        out->stopped = (sess_stop)atomic_load(&c.halt);
        for (int g = 0; g < SG_COUNT; g++) {
            out->g[g].status = checks & BIT(g) ? SS_UNKNOWN : SS_NA;
            out->g[g].why_na = checks & BIT(g) ? sess_stop_name(out->stopped)
                                               : "not asked for (--checks)";
        }
        goto out;
    }
    classify_keys(&c);
    out->sessions = valmap_size(c.sessmap);
    out->keys = c.keys.n;
    bool versions = false;
    for (size_t i = 0; i < c.obs.n && !versions; i++)
        versions = c.obs.v[i].version != HIST_NONE;
    if (order == SO_AUTO)
        order = versions ? SO_STORE : SO_INFERRED;
    out->order = order;
    if (order == SO_STORE && !versions) {
        out->why_na = "no op carries a version, so there is no store order to compare "
                      "(use --version-order inferred)";
        goto out;
    }
    out->applicable = true;
    size_t nk = c.keys.n ? c.keys.n : 1;
    bool *violated = xcalloc(nk * SG_COUNT, sizeof *violated);
    bool *skip = xcalloc(nk, sizeof *skip);      /* not checked by the graph */
    bool *is_app = xcalloc(nk, sizeof *is_app);  /* checked by the append rules */
    bool *fixed = xcalloc(nk, sizeof *fixed);    /* conjunctions derived from parts */
    if (order == SO_STORE) {
        check_store(&c, violated);
        for (size_t k = 0; k < c.keys.n; k++)
            fixed[k] = true;
    } else {
        for (size_t k = 0; k < c.keys.n; k++) {
            if (c.keys.v[k].append && c.keys.v[k].overwritten) {
                skip[k] = true; /* neither the append rules nor unique values apply */
                c.keys.v[k].not_unique = true;
                out->keys_not_unique++;
                if (!out->not_unique_example) {
                    sbuf t = {0};
                    key_name(&c, (uint32_t)k, &t);
                    sbuf_adds(&t, " is both appended to and overwritten");
                    out->not_unique_example = t.p;
                }
            } else if (c.keys.v[k].append) {
                skip[k] = is_app[k] = fixed[k] = true;
                if (c.keys.v[k].str_append)
                    out->string_appends = true;
            }
        }
        append_not_unique(&c, is_app);
        check_inferred(&c, order == SO_REALTIME, violated, skip);
        check_append(&c, violated, is_app);
    }
    out->stopped = (sess_stop)atomic_load(&c.halt);
    derive_conjunction(&c, violated, SG_PRAM, fixed);
    derive_conjunction(&c, violated, SG_ALL, fixed);
    static const char *na[] = {"no session read a key after writing it",
                               "no session read a key twice",
                               "no session wrote a key twice",
                               "no session wrote a key after reading it"};
    size_t checked_keys = c.keys.n - out->keys_not_unique;
    if (!checked_keys) /* every key left out: the parts have nothing to stand on */
        memset(c.pairs, 0, sizeof c.pairs);
    for (int g = 0; g < SG_COUNT; g++) {
        sess_outcome *oc = &out->g[g];
        oc->keys = checked_keys;
        for (size_t k = 0; k < c.keys.n; k++)
            oc->keys_violated += violated[k * SG_COUNT + g];
        bool asked = checks & BIT(g);
        bool any = g < 4 ? c.pairs[g] > 0
                   : g == SG_PRAM ? c.pairs[0] + c.pairs[1] + c.pairs[2] > 0
                                  : c.pairs[0] + c.pairs[1] + c.pairs[2] + c.pairs[3] > 0;
        if (!asked) {
            oc->status = SS_NA;
            oc->why_na = "not asked for (--checks)";
        } else if (oc->keys_violated) {
            oc->status = SS_VIOLATED;
        } else if (out->stopped) {
            oc->status = SS_UNKNOWN;
            oc->why_na = sess_stop_name(out->stopped);
        } else if (!any && checked_keys == 0) {
            oc->status = SS_NA;
            oc->why_na = "no key could be checked (see above)";
        } else if (!any) {
            oc->status = SS_NA;
            oc->why_na = g < 4 ? na[g] : "none of its parts applies";
            if ((g == SG_MW || g == SG_WFR) && out->string_appends)
                oc->why_na = "not checked for appends to strings: where an element begins "
                             "in a concatenation is ambiguous";
        } else {
            oc->status = SS_HOLDS;
        }
    }
    free(violated);
    free(skip);
    free(is_app);
    free(fixed);
out:
    if (!out->stopped)
        out->stopped = (sess_stop)atomic_load(&c.halt);
    budget_leave(&c.hold);
    free(c.obs.v);
    free(c.keys.v);
    valmap_free(c.keymap);
    valmap_free(c.sessmap);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

void sess_result_free(sess_result *r)
{
    for (int g = 0; g < SG_COUNT; g++)
        for (size_t i = 0; i < r->g[g].nshown; i++) {
            free(r->g[g].shown[i].text);
            free(r->g[g].shown[i].ops);
        }
    free(r->not_unique_example);
    memset(r, 0, sizeof *r);
}
