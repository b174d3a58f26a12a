/*
 * multireg.c - registers under transactions: txn [[r k v] [w k v] ...].
 *
 * A txn's micro-ops apply in order, atomically: a read must see the value
 * the state (after the txn's own earlier writes) gives the key. An ok txn is
 * checked against its completion's value (where reads carry what they saw);
 * a crashed one against its invocation's, with reads ignored.
 *
 * Each key starts at its own initial value, its base (model_key_init: a map
 * as the initial value names the keys', as Knossos writes a multi-register's
 * {:x 0 :y 0}). Compiling turns a txn into a list of [code key value base]
 * micro-ops (code: MR_READ, MR_WRITE, or MR_NOTHING for a read that says
 * nothing, kept so that it still ties its key to the others for the split),
 * so that a step neither compares f names nor looks the base up.
 *
 * State: (key, value) pairs sorted by key (val_raw_cmp), 32 bytes each,
 * holding only keys whose value differs from their base, so equal states
 * have equal bytes.
 *
 * Split: two txns touching a common key act on the same object; the parts
 * are the connected components of keys (union-find). By the locality of
 * linearizability (Herlihy & Wing 1990) each part is checked alone.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "model.h"

static const char *const mr_fs[] = {"txn", NULL};

typedef struct pair {
    val k, v;
} pair;

static bool is_read(const vtab *vt, val f) { return model_micro_vop(vt, f) == MV_READ; }
static bool is_write(const vtab *vt, val f) { return model_micro_vop(vt, f) == MV_WRITE; }

enum { MR_READ, MR_WRITE, MR_NOTHING };

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    if (!model_is_txn(md->vt, o->f))
        return model_unknown_f(md, o, why);
    bool unknown = m->flags & MOP_UNKNOWN_OUT;
    val t = unknown ? o->in : o->out;
    size_t n;
    const val *mo = val_items(md->vt, t, &n);
    if (t.kind != VAL_LIST) {
        sbuf_adds(why, "a txn's value must be a list of [f key value] micro-ops, got ");
        val_describe(md->vt, t, why);
        return MODEL_EOP;
    }
    size_t effective = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        const val *x = val_items(md->vt, mo[i], &k);
        if (mo[i].kind != VAL_LIST || (k != 3 && k != 2) ||
            !(is_read(md->vt, x[0]) || (is_write(md->vt, x[0]) && k == 3))) {
            sbuf_adds(why, "expected a micro-op [r key value] or [w key value], got ");
            val_describe(md->vt, mo[i], why);
            return MODEL_EOP;
        }
        if (is_write(md->vt, x[0]) || !unknown)
            effective++;
    }
    if (!effective)
        return MODEL_SKIP;
    /* The compiled micro-ops (the history's vals are not changed).
     * Interning may move the table's items: look them up afresh each time. */
    val *cm = xmalloc(n * sizeof *cm);
    for (size_t i = 0; i < n; i++) {
        size_t k;
        mo = val_items(md->vt, t, &n);
        const val *x = val_items(md->vt, mo[i], &k);
        int code = MR_WRITE;
        val v = k == 3 ? x[2] : val_nil();
        if (is_read(md->vt, x[0]))
            code = unknown || k < 3 || (val_is_nil(v) && md->opts.nil == NIL_UNKNOWN)
                       ? MR_NOTHING : MR_READ;
        val four[4] = {val_int(code), x[1], v, model_key_init(md, x[1])};
        cm[i] = val_list(vt, four, 4);
    }
    m->code = 0;
    m->a = val_list(vt, cm, n);
    free(cm);
    return MODEL_OK;
}

static bool init_ok(const model *md, sbuf *why)
{
    (void)md;
    (void)why;
    return true;
}

static void init(const model *md, mbuf *out)
{
    (void)md;
    (void)out; /* every key holds its initial value: no pairs */
}

/* Index of key k in the pairs, or where it would go. */
static size_t find(const pair *p, size_t n, val k, bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = val_raw_cmp(p[mid].k, k);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    if (choice)
        return STEP_ILLEGAL;
    size_t n;
    const val *mo = val_items(md->vt, m->a, &n);
    mbuf_add(next, s.p, s.n);
    for (size_t i = 0; i < n; i++) {
        const val *x = val_items(md->vt, mo[i], &(size_t){0});
        if (x[0].n == MR_NOTHING)
            continue;
        pair *p = (pair *)(void *)next->p;
        size_t np = next->n / sizeof(pair);
        bool found;
        size_t at = find(p, np, x[1], &found);
        if (x[0].n == MR_READ) {
            if (!val_eq(found ? p[at].v : x[3], x[2]))
                return STEP_ILLEGAL;
            continue;
        }
        if (val_eq(x[2], x[3])) {
            if (found) {
                memmove(p + at, p + at + 1, (np - at - 1) * sizeof(pair));
                next->n -= sizeof(pair);
            }
        } else if (found) {
            p[at].v = x[2];
        } else {
            pair nw = {x[1], x[2]};
            mbuf_add(next, &nw, sizeof nw); /* may move the buffer */
            p = (pair *)(void *)next->p;
            memmove(p + at + 1, p + at, (np - at) * sizeof(pair));
            p[at] = nw;
        }
    }
    return STEP_LEGAL;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    size_t n = s.n / sizeof(pair);
    sbuf_addc(out, '{');
    for (size_t i = 0; i < n && i < 16; i++) {
        pair p;
        memcpy(&p, s.p + i * sizeof p, sizeof p);
        if (i)
            sbuf_adds(out, ", ");
        val_describe(md->vt, p.k, out);
        sbuf_adds(out, " ");
        val_describe(md->vt, p.v, out);
    }
    if (n > 16)
        sbuf_adds(out, ", ...");
    sbuf_adds(out, n ? "}" : "} (every key holds its initial value)");
}

/* A txn's reads and writes, key by key, in order; reads that say nothing
 * are none. The txn's one version names no key's. */
static size_t access(const model *md, const mop *m, model_access *out, size_t cap)
{
    size_t n, k = 0;
    const val *mo = val_items(md->vt, m->a, &n);
    for (size_t i = 0; i < n; i++) {
        const val *x = val_items(md->vt, mo[i], &(size_t){0});
        if (x[0].n == MR_NOTHING)
            continue;
        if (k < cap)
            out[k] = (model_access){x[0].n == MR_READ ? MV_READ : MV_WRITE, x[1], x[2],
                                    val_nil(), false};
        k++;
    }
    return k;
}

static uint32_t uf_find(uint32_t *up, uint32_t x)
{
    while (up[x] != x) {
        up[x] = up[up[x]];
        x = up[x];
    }
    return x;
}

static size_t split(const model *md, const mop *ops, size_t n, uint32_t *part)
{
    valmap *keys = valmap_new();
    VEC(uint32_t) up = {0};
    uint32_t *first = xmalloc((n ? n : 1) * sizeof *first);
    for (size_t i = 0; i < n; i++) {
        size_t k;
        const val *mo = val_items(md->vt, ops[i].a, &k);
        first[i] = UINT32_MAX;
        for (size_t j = 0; j < k; j++) {
            size_t c;
            const val *x = val_items(md->vt, mo[j], &c);
            uint32_t id;
            if (!valmap_get(keys, x[1], &id)) {
                id = (uint32_t)up.n;
                VEC_PUSH(up, id);
                valmap_put(keys, x[1], id);
            }
            if (first[i] == UINT32_MAX)
                first[i] = id;
            else
                up.v[uf_find(up.v, id)] = uf_find(up.v, first[i]);
        }
    }
    /* Number the components in order of first appearance. */
    valmap *comp = valmap_new();
    size_t parts = 0;
    for (size_t i = 0; i < n; i++) {
        val root = val_int(first[i] == UINT32_MAX ? -1 : (int64_t)uf_find(up.v, first[i]));
        uint32_t p;
        if (!valmap_get(comp, root, &p)) {
            p = (uint32_t)parts++;
            valmap_put(comp, root, p);
        }
        part[i] = p;
    }
    valmap_free(comp);
    valmap_free(keys);
    free(up.v);
    free(first);
    return parts;
}

const model_type model_multi_register = {
    "multi-register", "registers under transactions: txn of reads and writes", mr_fs, compile,
    init, step, model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, split, true, NULL,
    access,
};
