/*
 * gen_txn.c - synthetic list-append histories (gen_txn.h).
 *
 * The simulation of gen.c, with txns: each session's txn is invoked,
 * applied whole to the store at a random point inside its interval (its
 * reads see its own earlier appends), and completes. A read records only
 * the length of its key's list when the txn applies: a list only grows, so
 * its first items are still those when the completion is written. Events
 * are written as they are popped, in real-time order, straight as JSON
 * (the lists are not interned: a million txns would fill a vtab).
 */
#include "gen_txn.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/rng.h"
#include "gen_heap.h"

/* ---- the planted anomalies ---- */

typedef struct pmop {
    char f;        /* 'a' append, 'r' read */
    uint8_t key;   /* 0: x, 1: y */
    uint8_t n;     /* a read's items */
    uint8_t v[2];  /* an append's value; a read's items */
} pmop;

typedef struct ptxn {
    uint8_t nm;
    bool fail;    /* completes as fail */
    bool overlap; /* the next txn may start once this one has */
    pmop m[2];
} ptxn;

typedef struct plant {
    const char *name, *anomaly, *how;
    uint8_t nt;
    ptxn t[4];
} plant;

#define A(k, x) {'a', k, 0, {x, 0}}
#define R0(k) {'r', k, 0, {0, 0}}
#define R1(k, x) {'r', k, 1, {x, 0}}
#define R2(k, x, y) {'r', k, 2, {x, y}}

static const plant plants[GP_COUNT] = {
    [GP_G0] = {"g0", "G0",
               "T1 appends 1 to x and y while T2 appends 2 to both; T3 reads x [1 2], y [2 1]",
               3,
               {{2, false, true, {A(0, 1), A(1, 1)}},
                {2, false, false, {A(0, 2), A(1, 2)}},
                {2, false, false, {R2(0, 1, 2), R2(1, 2, 1)}}}},
    [GP_G1A] = {"g1a", "G1a", "T1 appends 1 to x and fails; T2 reads x [1]", 2,
                {{1, true, false, {A(0, 1)}}, {1, false, false, {R1(0, 1)}}}},
    [GP_G1B] = {"g1b", "G1b", "T1 appends 1, then 2, to x; T2 reads x [1]", 2,
                {{2, false, false, {A(0, 1), A(0, 2)}}, {1, false, false, {R1(0, 1)}}}},
    [GP_G1C] = {"g1c", "G1c",
                "T1 appends 1 to x and reads y [1] while T2 appends 1 to y and reads x [1]", 2,
                {{2, false, true, {A(0, 1), R1(1, 1)}}, {2, false, false, {A(1, 1), R1(0, 1)}}}},
    [GP_G_SINGLE] = {"g-single", "G-single", "T1 appends 1 to x and y; T2 reads x [1], y []", 2,
                     {{2, false, false, {A(0, 1), A(1, 1)}},
                      {2, false, false, {R1(0, 1), R0(1)}}}},
    [GP_G2_ITEM] = {"g2-item", "G2-item",
                    "T1 reads x [] and appends 1 to y while T2 reads y [] and appends 1 to x; "
                    "T3 reads x [1], y [1]",
                    3,
                    {{2, false, true, {R0(0), A(1, 1)}},
                     {2, false, false, {R0(1), A(0, 1)}},
                     {2, false, false, {R1(0, 1), R1(1, 1)}}}},
    [GP_INTERNAL] = {"internal", "internal", "T1 appends 1 to x, then reads x []", 1,
                     {{2, false, false, {A(0, 1), R0(0)}}}},
    [GP_DUPLICATE] = {"duplicate", "duplicate-elements", "T1 appends 1 to x; T2 reads x [1 1]", 2,
                      {{1, false, false, {A(0, 1)}}, {1, false, false, {R2(0, 1, 1)}}}},
    [GP_INCOMPATIBLE] = {"incompatible-order", "incompatible-order",
                         "T1 appends 1 to x while T2 appends 2; T3 reads x [1 2], T4 x [2 1]", 4,
                         {{1, false, true, {A(0, 1)}},
                          {1, false, false, {A(0, 2)}},
                          {1, false, false, {R2(0, 1, 2)}},
                          {1, false, false, {R2(0, 2, 1)}}}},
    [GP_GARBAGE] = {"garbage-read", "garbage-read", "T1 reads x [9], which no txn appends", 1,
                    {{1, false, false, {R1(0, 9)}}}},
    [GP_FUTURE] = {"future-read", "future-read", "T1 reads x [1], then appends 1 to x", 1,
                   {{2, false, false, {R1(0, 1), A(0, 1)}}}},
    [GP_STALE] = {"stale", "G-single-realtime",
                  "T1 appends 1 to x; T2, begun after T1 completed, reads x [] (a stale read; "
                  "G-single-process where process order and other txns order T1 before T2 too)",
                  2,
                  {{1, false, false, {A(0, 1)}}, {1, false, false, {R0(0)}}}},
};

const char *gen_txn_plant_name(gen_txn_plant p) { return plants[p].name; }
const char *gen_txn_plant_anomaly(gen_txn_plant p) { return plants[p].anomaly; }
const char *gen_txn_plant_how(gen_txn_plant p) { return plants[p].how; }

int gen_txn_plant_parse(const char *list, uint32_t *bits, sbuf *why)
{
    uint32_t b = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int k = 0;
        if (n == 3 && !strncmp(p, "all", 3))
            b = (1u << GP_COUNT) - 1;
        else {
            while (k < GP_COUNT && !(strlen(plants[k].name) == n && !strncmp(p, plants[k].name, n)))
                k++;
            if (k == GP_COUNT) {
                sbuf_printf(why, "unknown anomaly '%.*s' (anomalies:", (int)n, p);
                for (int j = 0; j < GP_COUNT; j++)
                    sbuf_printf(why, "%s %s", j ? "," : "", plants[j].name);
                sbuf_adds(why, "; or all)");
                return -1;
            }
            b |= 1u << k;
        }
        p += n + (p[n] == ',');
    }
    *bits = b;
    return 0;
}

/* ---- the simulation ---- */

typedef VEC(uint32_t) u32vec;

typedef struct tsess {
    int64_t process;
    int plant;      /* the planted txn's anomaly, or -1 */
    int pt;         /* and which of its txns */
    bool crash, applied;
} tsess;

typedef struct sim {
    const gen_txn_opts *o;
    uint64_t r;
    unsigned ns, nk, nm;
    tsess *ss;
    uint8_t *f;       /* per session, per micro-op: 'a' or 'r' */
    uint32_t *key;    /* the key's id */
    uint32_t *val;    /* an append's value */
    uint32_t *len;    /* a read's length when applied */
    uint32_t *slot;   /* active slot -> key id */
    uint32_t *issued; /* key id -> appends issued */
    u32vec *lists;    /* key id -> the store's list */
    size_t nkeys, capkeys;
    /* the plan: planted anomalies in order, each started after a share of
     * the other txns */
    int plan[GP_COUNT], nplan, at, pt;
    unsigned open;    /* planted txns invoked, not completed */
    bool overlap;     /* the last planted txn started lets the next start */
    unsigned last;    /* and its session: the next is another's (with two or
                       * more), so only real time orders them */
} sim;

static uint64_t next(sim *s) { return rng_next(&s->r); }

static uint32_t new_key(sim *s)
{
    if (s->nkeys == s->capkeys) {
        s->capkeys = s->capkeys ? 2 * s->capkeys : 1024;
        s->issued = xrealloc(s->issued, s->capkeys * sizeof *s->issued);
        s->lists = xrealloc(s->lists, s->capkeys * sizeof *s->lists);
    }
    s->issued[s->nkeys] = 0;
    s->lists[s->nkeys] = (u32vec){0};
    return (uint32_t)s->nkeys++;
}

/* A new txn for session i: micro-ops on the active keys. */
static void choose(sim *s, unsigned i)
{
    unsigned per = s->o->appends_per_key ? s->o->appends_per_key : 32;
    for (unsigned j = 0; j < s->nm; j++) {
        size_t x = (size_t)i * s->nm + j;
        unsigned slot = (unsigned)(next(s) % s->nk);
        s->f[x] = next(s) % 2 ? 'a' : 'r';
        if (s->f[x] == 'a' && s->issued[s->slot[slot]] >= per) {
            uint32_t k = new_key(s);
            s->slot[slot] = k;
        }
        s->key[x] = s->slot[slot];
        if (s->f[x] == 'a')
            s->val[x] = ++s->issued[s->key[x]];
    }
}

/* Apply session i's txn to the store, whole. */
static void apply(sim *s, unsigned i)
{
    for (unsigned j = 0; j < s->nm; j++) {
        size_t x = (size_t)i * s->nm + j;
        u32vec *l = &s->lists[s->key[x]];
        if (s->f[x] == 'a')
            VEC_PUSH(*l, s->val[x]);
        else
            s->len[x] = (uint32_t)l->n;
    }
}

/* Can the plan's next txn start now in session i, txns being the other
 * txns started? */
static bool plan_ready(const sim *s, unsigned i, uint64_t started)
{
    if (s->at >= s->nplan)
        return false;
    if (s->pt > 0)
        return (s->open == 0 || s->overlap) && (i != s->last || s->ns == 1);
    uint64_t due = s->o->txns * (uint64_t)(s->at + 1) / (uint64_t)(s->nplan + 1);
    return started >= due && s->open == 0;
}

static void planted_key(const tsess *t, uint8_t k, sbuf *b)
{
    sbuf_printf(b, "\"plant-%s-%c\"", plants[t->plant].name, k ? 'y' : 'x');
}

/* The txn's value: its micro-ops, with the reads' lists if it completed
 * ok (and applied). */
static void txn_value(const sim *s, unsigned i, bool results, sbuf *b)
{
    const tsess *t = &s->ss[i];
    sbuf_addc(b, '[');
    if (t->plant >= 0) {
        const ptxn *p = &plants[t->plant].t[t->pt];
        for (unsigned j = 0; j < p->nm; j++) {
            const pmop *m = &p->m[j];
            sbuf_adds(b, j ? ",[" : "[");
            sbuf_adds(b, m->f == 'a' ? "\"append\"," : "\"r\",");
            planted_key(t, m->key, b);
            if (m->f == 'a') {
                sbuf_printf(b, ",%u]", m->v[0]);
                continue;
            }
            if (!results) {
                sbuf_adds(b, ",null]");
                continue;
            }
            sbuf_adds(b, ",[");
            for (unsigned q = 0; q < m->n; q++)
                sbuf_printf(b, "%s%u", q ? "," : "", m->v[q]);
            sbuf_adds(b, "]]");
        }
    } else {
        for (unsigned j = 0; j < s->nm; j++) {
            size_t x = (size_t)i * s->nm + j;
            if (s->f[x] == 'a') {
                sbuf_printf(b, "%s[\"append\",%u,%u]", j ? "," : "", s->key[x], s->val[x]);
                continue;
            }
            sbuf_printf(b, "%s[\"r\",%u,", j ? "," : "", s->key[x]);
            if (!results) {
                sbuf_adds(b, "null]");
                continue;
            }
            const u32vec *l = &s->lists[s->key[x]];
            sbuf_addc(b, '[');
            for (uint32_t q = 0; q < s->len[x]; q++)
                sbuf_printf(b, "%s%u", q ? "," : "", l->v[q]);
            sbuf_adds(b, "]]");
        }
    }
    sbuf_addc(b, ']');
}

int gen_txn_history(const gen_txn_opts *o, FILE *out)
{
    sim s = {.o = o, .r = o->seed * 0x2545f4914f6cdd1dULL + 1 + RNG_GAMMA};
    s.ns = o->sessions ? o->sessions : 1;
    s.nk = o->keys ? o->keys : 1;
    s.nm = o->mops ? o->mops : 1;
    s.ss = xcalloc(s.ns, sizeof *s.ss);
    size_t nx = (size_t)s.ns * s.nm;
    s.f = xcalloc(nx, 1);
    s.key = xcalloc(nx, sizeof *s.key);
    s.val = xcalloc(nx, sizeof *s.val);
    s.len = xcalloc(nx, sizeof *s.len);
    s.slot = xmalloc(s.nk * sizeof *s.slot);
    for (unsigned k = 0; k < s.nk; k++)
        s.slot[k] = new_key(&s);
    for (int p = 0; p < GP_COUNT; p++)
        if (o->plant >> p & 1)
            s.plan[s.nplan++] = p;
    gen_heap h = {0};
    uint64_t seq = 0, started = 0, index = 0;
    for (unsigned i = 0; i < s.ns; i++) {
        s.ss[i].process = i;
        gen_heap_push(&h, (gev){(int64_t)(next(&s) % 100000), seq++, i, EV_START});
    }
    sbuf line = {0};
    int rc = 0;
    while (h.n) {
        gev e = gen_heap_pop(&h);
        tsess *t = &s.ss[e.sess];
        const char *type = "invoke";
        if (e.kind == EV_START) {
            if (plan_ready(&s, e.sess, started)) {
                s.last = e.sess;
                t->plant = s.plan[s.at];
                t->pt = s.pt;
                t->crash = false;
                s.overlap = plants[t->plant].t[s.pt].overlap;
                s.open++;
                if (++s.pt == plants[t->plant].nt) {
                    s.at++;
                    s.pt = 0;
                }
            } else if (started < o->txns) {
                started++;
                t->plant = -1;
                t->crash = rng_unit(next(&s)) < o->crash;
                choose(&s, e.sess);
            } else {
                if (s.at < s.nplan) /* the plan waits for a planted txn */
                    gen_heap_push(&h, (gev){e.t + 100000, seq++, e.sess, EV_START});
                continue;
            }
            t->applied = false;
            int64_t d = 50000 + (int64_t)(next(&s) % 950000); /* 50 us .. 1 ms */
            int64_t effect = e.t + 1 + (int64_t)(rng_unit(next(&s)) * (double)(d - 2));
            gen_heap_push(&h, (gev){effect, seq++, e.sess, EV_EFFECT});
            gen_heap_push(&h, (gev){e.t + d, seq++, e.sess, EV_DONE});
        } else if (e.kind == EV_EFFECT) {
            /* a crashed txn may or may not take effect; a planted one acts
             * on keys of its own, and its reads are scripted */
            if (t->plant < 0 && !(t->crash && next(&s) % 2)) {
                apply(&s, e.sess);
                t->applied = true;
            }
            continue;
        } else {
            type = t->plant >= 0 ? (plants[t->plant].t[t->pt].fail ? "fail" : "ok")
                   : t->crash    ? "info"
                                 : "ok";
        }
        bool results = !strcmp(type, "ok");
        sbuf_reset(&line);
        sbuf_printf(&line, "{\"index\":%llu,\"time\":%lld,\"process\":%lld,\"type\":\"%s\","
                           "\"f\":\"txn\",\"value\":",
                    (unsigned long long)index, (long long)e.t, (long long)t->process, type);
        txn_value(&s, e.sess, results, &line);
        sbuf_adds(&line, !strcmp(type, "info") ? ",\"error\":\"timeout\"}\n" : "}\n");
        if (fwrite(line.p, 1, line.len, out) != line.len) {
            rc = -1;
            break;
        }
        index++;
        if (e.kind == EV_DONE) {
            if (t->plant >= 0)
                s.open--;
            if (t->crash) /* Jepsen: a crashed process comes back as a new one */
                t->process += s.ns;
            gen_heap_push(&h, (gev){e.t + (int64_t)(next(&s) % 200000), seq++, e.sess, EV_START});
        }
    }
    sbuf_free(&line);
    free(h.v);
    for (size_t k = 0; k < s.nkeys; k++)
        free(s.lists[k].v);
    free(s.lists);
    free(s.issued);
    free(s.slot);
    free(s.f);
    free(s.key);
    free(s.val);
    free(s.len);
    free(s.ss);
    return rc;
}
