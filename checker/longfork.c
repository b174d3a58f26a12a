/*
 * longfork.c - Jepsen's long-fork check (jw.h; jepsen.tests.long-fork).
 *
 * Writes are txns of one write [w k v], each key written once; reads are
 * txns of reads [r k v] over a group of keys. Under snapshot isolation (and
 * anything stronger) every read sees the writes of a prefix of one order of
 * all writes, so of two reads of the same keys one saw every write the
 * other saw. A long fork (allowed by parallel snapshot isolation) is two
 * reads each of which saw a write the other did not: a saw x's write and
 * not y's, so x's write came first; b saw y's and not x's, so y's came
 * first.
 *
 * The idea, as Jepsen's: group the ok reads by the set of keys they read;
 * in a group, the sets of keys seen (non-nil) must form a chain under
 * inclusion. Sorted by size, they do exactly when each is a subset of the
 * next; the first pair that is not is a fork (the smaller is no subset of
 * the larger, so neither holds the other). Linear in the reads' sizes,
 * plus the sort; Jepsen compares every pair.
 *
 * Also certain, and reported: a read of a value the key's one write did
 * not write (or whose write failed; when the history has writes at all:
 * elle-cli's examples hold reads alone), and one read seeing two values of
 * a key. A key written twice breaks "seen means that write": it is left out
 * of every read (a restriction of a prefix is a prefix, so what is found
 * without it still holds), and with nothing found the verdict is unknown,
 * as Jepsen's is.
 */
#include <stdlib.h>
#include <string.h>

#include "jw_int.h"

typedef struct lkey {
    uint32_t write;  /* the write op; JW_NO_OP if none */
    val v;
    uint8_t status;  /* its op's */
    bool rewritten;
} lkey;

typedef struct lread {
    uint32_t op;
    uint32_t at, n; /* its (key id, seen) pairs: kid[at .. at + n), seen[...] */
    uint32_t nseen;
} lread;

typedef struct lf_state {
    const history *h;
    const vtab *vt;
    jw_map keys;        /* key -> id */
    VEC(lkey) k;
    VEC(val) kval;      /* key id -> the key */
    VEC(lread) reads;   /* ok reads */
    VEC(uint32_t) kid;  /* each read's key ids, sorted */
    VEC(uint8_t) seen;  /* and whether it saw a value */
    VEC(val) value;     /* and what it read */
    size_t max;
} lf_state;

enum { LF_READ = 1, LF_WRITE = 2 };

static uint32_t key_id(lf_state *s, val k)
{
    bool added;
    uint32_t id = jw_map_put(&s->keys, 0, jw_norm(s->vt, k), (uint32_t)s->k.n, &added);
    if (added) {
        VEC_PUSH(s->k, ((lkey){.write = JW_NO_OP}));
        VEC_PUSH(s->kval, jw_norm(s->vt, k));
    }
    return id;
}

/* What op o is (LF_READ, LF_WRITE), its micro-ops in *mops; 0 with why if
 * it is neither. */
static int classify(const lf_state *s, const hist_op *o, val *mops, sbuf *why)
{
    const history *h = s->h;
    model_jw_op op = jw_op(h, o);
    bool rd = op == MODEL_JW_OP_READ, wr = op == MODEL_JW_OP_WRITE;
    if (!rd && !wr && op != MODEL_JW_OP_TXN) {
        jw_where(h, o, why);
        sbuf_adds(why, "unknown operation ");
        val_describe(s->vt, o->f, why);
        sbuf_printf(why, " for %s (it knows: %s)", model_jw_name(MODEL_JW_LONG_FORK),
                    model_jw_ops(MODEL_JW_LONG_FORK));
        return 0;
    }
    *mops = o->status == OP_OK && !val_is_nil(o->out) ? o->out : o->in;
    size_t n;
    const val *m = mops->kind == VAL_LIST ? val_items(s->vt, *mops, &n) : NULL;
    size_t nr = 0, nw = 0;
    for (size_t i = 0; m && i < n; i++) {
        val f, k, v;
        if (!jw_mop(s->vt, m[i], &f, &k, &v))
            m = NULL;
        else if (model_micro_vop(s->vt, f) == MV_READ)
            nr++;
        else if (model_micro_vop(s->vt, f) == MV_WRITE)
            nw++;
        else
            m = NULL;
    }
    int kind = !m ? 0 : nw == 1 && nr == 0 ? LF_WRITE : nr && !nw ? LF_READ : 0;
    if (!kind || (rd && kind != LF_READ) || (wr && kind != LF_WRITE)) {
        jw_where(h, o, why);
        sbuf_printf(why, "a %s op is a write of one key ([[w k v]]) or a read of keys "
                         "([[r k v] ...]), got ",
                    model_jw_name(MODEL_JW_LONG_FORK));
        val_describe(s->vt, o->f, why);
        sbuf_addc(why, ' ');
        val_describe(s->vt, *mops, why);
        return 0;
    }
    return kind;
}

static void add_bad(lf_result *r, size_t max, const lf_bad_read *b)
{
    if (r->nbad++ < max) {
        r->bad = xrealloc(r->bad, r->nbad * sizeof *r->bad);
        r->bad[r->nbad_shown++] = *b;
    }
}

typedef struct kv {
    uint32_t key;
    val v;
} kv;

static int by_key(const void *a, const void *b)
{
    uint32_t x = ((const kv *)a)->key, y = ((const kv *)b)->key;
    return x < y ? -1 : x > y;
}

/* An ok read: its values judged against the writes (when the history has
 * any: elle-cli's examples hold reads alone), then kept for the forks,
 * where a value is seen whatever it is (Jepsen's "non-nil"). */
static void take_read(lf_state *s, lf_result *r, uint32_t i, val mops)
{
    size_t n;
    const val *m = val_items(s->vt, mops, &n);
    kv *x = xmalloc(n * sizeof *x);
    bool early = true, late = true;
    for (size_t j = 0; j < n; j++) {
        val f, k, v;
        jw_mop(s->vt, m[j], &f, &k, &v);
        x[j] = (kv){key_id(s, k), v};
        early &= val_is_nil(v);
        late &= !val_is_nil(v);
    }
    r->nreads++;
    r->nearly += early;
    r->nlate += late;
    qsort(x, n, sizeof *x, by_key);
    size_t u = 0;
    for (size_t j = 0; j < n; j++) {
        const lkey *k = &s->k.v[x[j].key];
        if (u && x[u - 1].key == x[j].key) {
            if (!val_eq(x[u - 1].v, x[j].v))
                add_bad(r, s->max, &(lf_bad_read){i, s->kval.v[x[j].key], x[j].v, x[u - 1].v,
                                                  k->write, true});
            continue;
        }
        if (k->rewritten)
            continue;
        if (r->nwrites && !val_is_nil(x[j].v) &&
            (k->write == JW_NO_OP || k->status == OP_FAIL || !val_eq(k->v, x[j].v)))
            add_bad(r, s->max, &(lf_bad_read){i, s->kval.v[x[j].key], x[j].v,
                                              k->write == JW_NO_OP ? val_nil() : k->v, k->write,
                                              false});
        x[u++] = x[j];
    }
    lread rd = {i, (uint32_t)s->kid.n, (uint32_t)u, 0};
    for (size_t j = 0; j < u; j++) {
        VEC_PUSH(s->kid, x[j].key);
        VEC_PUSH(s->seen, !val_is_nil(x[j].v));
        VEC_PUSH(s->value, x[j].v);
        rd.nseen += !val_is_nil(x[j].v);
    }
    VEC_PUSH(s->reads, rd);
    free(x);
}

/* By key set, then by how many keys were seen (qsort_r's context: s). */
static int by_group(const void *a, const void *b, void *ctx)
{
    const lf_state *sort_state = ctx;
    const lread *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    int c = memcmp(&sort_state->kid.v[x->at], &sort_state->kid.v[y->at], x->n * sizeof(uint32_t));
    if (c)
        return c;
    return x->nseen < y->nseen ? -1 : x->nseen > y->nseen;
}

static bool same_keys(const lf_state *s, const lread *a, const lread *b)
{
    return a->n == b->n && !memcmp(&s->kid.v[a->at], &s->kid.v[b->at], a->n * sizeof(uint32_t));
}

/* Reads [from, to) read the same keys, fewest seen first: the first pair
 * that is no chain is a fork. */
static void group_forks(const lf_state *s, lf_result *r, size_t from, size_t to)
{
    for (size_t i = from; i + 1 < to; i++) {
        const lread *a = &s->reads.v[i], *b = &s->reads.v[i + 1];
        const uint8_t *sa = &s->seen.v[a->at], *sb = &s->seen.v[b->at];
        uint32_t ja = UINT32_MAX, jb = UINT32_MAX;
        for (uint32_t j = 0; j < a->n; j++) {
            if (sa[j] && !sb[j] && ja == UINT32_MAX)
                ja = j;
            if (sb[j] && !sa[j] && jb == UINT32_MAX)
                jb = j;
        }
        if (ja == UINT32_MAX)
            continue;
        /* a is no subset of b, and b no smaller: b is no subset of a. */
        uint32_t ka = s->kid.v[a->at + ja], kb = s->kid.v[b->at + jb];
        if (r->nforks++ < s->max) {
            r->forks = xrealloc(r->forks, r->nforks * sizeof *r->forks);
            r->forks[r->nforks_shown++] = (lf_fork){a->op,
                                                    b->op,
                                                    s->kval.v[ka],
                                                    s->kval.v[kb],
                                                    s->value.v[a->at + ja],
                                                    s->value.v[b->at + jb],
                                                    s->k.v[ka].write,
                                                    s->k.v[kb].write};
        }
        return;
    }
}

jw_rc jw_long_fork(const history *h, const jw_opts *o, jw_result *res, sbuf *why)
{
    lf_result *r = &res->lf;
    lf_state s = {.h = h, .vt = hist_cvtab(h), .max = o->max_shown ? o->max_shown : JW_DEFAULT_SHOWN};
    const hist_op *ops = hist_ops(h);
    size_t n = hist_nops(h);
    uint8_t *kind = xcalloc(n ? n : 1, 1);
    val *mops = xmalloc((n ? n : 1) * sizeof *mops);
    jw_rc rc = JW_OK;
    /* The writes first: a read is judged against its key's write. */
    for (size_t i = 0; i < n; i++) {
        if (!(kind[i] = (uint8_t)classify(&s, &ops[i], &mops[i], why))) {
            rc = JW_EFIT;
            goto out;
        }
        if (kind[i] != LF_WRITE)
            continue;
        r->nwrites++;
        val f, k, v;
        jw_mop(s.vt, val_items(s.vt, mops[i], &(size_t){0})[0], &f, &k, &v);
        uint32_t id = key_id(&s, k); /* before s.k.v: it may move */
        lkey *key = &s.k.v[id];
        if (key->write != JW_NO_OP) {
            if (!key->rewritten && r->keys_rewritten++ == 0) {
                r->rewritten_key = jw_norm(s.vt, k);
                r->rewritten_ops[0] = key->write;
                r->rewritten_ops[1] = (uint32_t)i;
            }
            key->rewritten = true;
            continue;
        }
        *key = (lkey){(uint32_t)i, v, (uint8_t)ops[i].status, false};
    }
    for (size_t i = 0; i < n; i++)
        if (kind[i] == LF_READ && ops[i].status == OP_OK)
            take_read(&s, r, (uint32_t)i, mops[i]);
    qsort_r(s.reads.v, s.reads.n, sizeof *s.reads.v, by_group, &s);
    for (size_t i = 0, j; i < s.reads.n; i = j) {
        for (j = i + 1; j < s.reads.n && same_keys(&s, &s.reads.v[i], &s.reads.v[j]); j++)
            ;
        r->ngroups++;
        group_forks(&s, r, i, j);
    }
    if (r->nforks || r->nbad) {
        res->verdict = JW_INVALID;
    } else if (r->keys_rewritten) {
        res->verdict = JW_UNKNOWN;
        sbuf b = {0};
        sbuf_printf(&b, "%zu key%s written more than once, left out of every read",
                    r->keys_rewritten, r->keys_rewritten == 1 ? "" : "s");
        res->why_unknown = b.p;
    } else if (!r->nreads) {
        res->verdict = JW_UNKNOWN;
        res->why_unknown = xstrdup("no read completed: there is nothing to check");
    }
out:
    free(kind);
    free(mops);
    jw_map_free(&s.keys);
    free(s.k.v);
    free(s.kval.v);
    free(s.reads.v);
    free(s.kid.v);
    free(s.seen.v);
    free(s.value.v);
    return rc;
}
