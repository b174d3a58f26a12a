/*
 * model.c - the model registry, inference from f names, and what every
 * model shares (see model.h).
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/mem.h"

extern const model_type model_register, model_cas_register, model_kv, model_multi_register,
    model_set, model_counter, model_fifo_queue, model_unordered_queue, model_mutex;

const model_type *const model_types[] = {
    &model_register, &model_cas_register, &model_kv, &model_multi_register, &model_set,
    &model_counter, &model_fifo_queue, &model_unordered_queue, &model_mutex, NULL,
};

const model_type *model_find(const char *name)
{
    for (size_t i = 0; model_types[i]; i++)
        if (!strcmp(model_types[i]->name, name))
            return model_types[i];
    return NULL;
}

void mbuf_reset(mbuf *b) { b->n = 0; }

void mbuf_add(mbuf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < b->n + n)
            c *= 2;
        b->p = xrealloc(b->p, c);
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

void mbuf_free(mbuf *b)
{
    free(b->p);
    *b = (mbuf){0};
}

void model_prune_unread(const mop *ops, size_t n, bool *drop, uint32_t read, uint32_t write,
                        uint32_t cas)
{
    valmap *seen = valmap_new();
    for (size_t i = 0; i < n; i++)
        if (ops[i].code == read || ops[i].code == cas)
            valmap_put(seen, ops[i].a, 1);
    for (size_t i = 0; i < n; i++) {
        uint32_t x;
        if (!(ops[i].flags & MOP_UNKNOWN_OUT))
            continue;
        if ((ops[i].code == write && !valmap_get(seen, ops[i].a, &x)) ||
            (ops[i].code == cas && !valmap_get(seen, ops[i].b, &x)))
            drop[i] = true;
    }
    valmap_free(seen);
}

static int raw_cmp(const void *a, const void *b)
{
    return val_raw_cmp(*(const val *)a, *(const val *)b);
}

val *model_sorted_items(const vtab *vt, val v, bool dedup, size_t *n)
{
    size_t k;
    const val *it = val_items(vt, v, &k);
    val *s = xmalloc((k ? k : 1) * sizeof *s);
    if (k)
        memcpy(s, it, k * sizeof *s);
    if (k > 1)
        qsort(s, k, sizeof *s, raw_cmp);
    if (dedup && k > 1) {
        size_t j = 1;
        for (size_t i = 1; i < k; i++)
            if (!val_eq(s[i], s[j - 1]))
                s[j++] = s[i];
        k = j;
    }
    *n = k;
    return s;
}

uint64_t model_hash_bytes(mstate s) { return hash_bytes(s.p, s.n, 0x5eed); }

bool model_equal_bytes(mstate a, mstate b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool model_read_says_nothing(const model *md, const hist_op *o, const mop *m)
{
    return (m->flags & MOP_UNKNOWN_OUT) || (val_is_nil(o->out) && md->opts.nil == NIL_UNKNOWN);
}

bool model_f_is(const model *md, const hist_op *o, const char *s)
{
    return val_is_str(md->vt, o->f, s);
}

model_rc model_unknown_f(const model *md, const hist_op *o, sbuf *why)
{
    sbuf_adds(why, "unknown operation ");
    val_describe(md->vt, o->f, why);
    sbuf_printf(why, " for model %s (it knows:", md->type->name);
    for (size_t i = 0; md->type->fs[i]; i++)
        sbuf_printf(why, "%s %s", i ? "," : "", md->type->fs[i]);
    sbuf_adds(why, ")");
    return MODEL_EOP;
}

model_rc model_compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    *m = (mop){0};
    m->key = o->has_key ? o->key : val_nil();
    if (o->status != OP_OK)
        m->flags |= MOP_UNKNOWN_OUT;
    return md->type->compile(md, vt, o, m, why);
}

model_rc model_compile_ops(const model *md, vtab *vt, const history *h, model_ops *out,
                           uint32_t *bad, sbuf *why)
{
    const hist_op *hops = hist_ops(h);
    size_t n = hist_nops(h);
    *out = (model_ops){0};
    out->m = xmalloc((n ? n : 1) * sizeof *out->m);
    out->id = xmalloc((n ? n : 1) * sizeof *out->id);
    for (size_t i = 0; i < n; i++) {
        if (hops[i].status == OP_FAIL) {
            out->nfail++;
            continue;
        }
        sbuf w = {0}; /* what a compile says of an op it takes is dropped */
        model_rc rc = model_compile(md, vt, &hops[i], &out->m[out->n], &w);
        if (rc == MODEL_EOP) {
            sbuf_adds(why, sbuf_str(&w));
            sbuf_free(&w);
            model_ops_free(out);
            *bad = (uint32_t)i;
            return MODEL_EOP;
        }
        sbuf_free(&w);
        if (rc == MODEL_SKIP) {
            out->nskipped++;
            continue;
        }
        out->id[out->n++] = (uint32_t)i;
    }
    return MODEL_OK;
}

void model_ops_free(model_ops *o)
{
    free(o->m);
    free(o->id);
    *o = (model_ops){0};
}

size_t model_access_vop(const model *md, const mop *m, model_access *out, size_t cap)
{
    model_vop v = md->type->vop(md, m);
    if (v == MV_NONE)
        return 0;
    if (cap)
        *out = (model_access){v, m->key, m->a, m->b, true};
    return 1;
}

/* Does the map member name (a string) name key? */
static bool names_key(const vtab *vt, val name, val key)
{
    if (key.kind == VAL_STR)
        return val_eq(name, key);
    if (key.kind != VAL_INT || name.kind != VAL_STR)
        return false;
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)key.n);
    size_t len;
    const char *s = val_str_bytes(vt, name, &len);
    return n > 0 && len == (size_t)n && memcmp(s, digits, len) == 0;
}

val model_key_init(const model *md, val key)
{
    val init = md->opts.init;
    if (!md->type->init_per_key || init.kind != VAL_MAP)
        return init;
    size_t n;
    const val *kv = val_items(md->vt, init, &n);
    for (size_t i = 0; i + 1 < n; i += 2)
        if (names_key(md->vt, kv[i], key))
            return kv[i + 1];
    return val_nil();
}

model model_for_part(const model *md, const mop *first)
{
    model m = *md;
    if (!md->type->split)
        m.opts.init = model_key_init(md, first->key);
    return m;
}

size_t model_split(const model *md, const mop *ops, size_t n, uint32_t *part)
{
    if (md->type->split)
        return md->type->split(md, ops, n, part);
    valmap *keys = valmap_new();
    size_t parts = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t p;
        if (!valmap_get(keys, ops[i].key, &p)) {
            p = (uint32_t)parts++;
            valmap_put(keys, ops[i].key, p);
        }
        part[i] = p;
    }
    valmap_free(keys);
    return parts;
}

bool model_is_txn(const vtab *vt, val f) { return val_is_str(vt, f, "txn"); }

/* A name and what it stands for; lengths known at compile time, so that
 * looking a value up in a table costs one fetch of its bytes and a length
 * compare per entry (the txn checker asks this of every micro-op). */
typedef struct named {
    const char *name;
    size_t len;
    int code;
} named;
#define NAMED(s, c) {s, sizeof s - 1, c}

/* The code of the entry of t named by string f; none if none is. */
static int lookup(const vtab *vt, val f, const named *t, size_t n, int none)
{
    if (f.kind != VAL_STR)
        return none;
    size_t len;
    const char *p = val_str_bytes(vt, f, &len);
    for (size_t i = 0; i < n; i++)
        if (len == t[i].len && memcmp(p, t[i].name, len) == 0)
            return t[i].code;
    return none;
}

model_vop model_micro_vop(const vtab *vt, val f)
{
    static const named t[] = {NAMED("append", MV_APPEND), NAMED("r", MV_READ),
                              NAMED("w", MV_WRITE),       NAMED("read", MV_READ),
                              NAMED("write", MV_WRITE)};
    return (model_vop)lookup(vt, f, t, sizeof t / sizeof *t, MV_NONE);
}

const char *model_micro_name(model_vop v)
{
    switch (v) {
    case MV_READ: return "r";
    case MV_WRITE: return "w";
    case MV_APPEND: return "append";
    default: return "?";
    }
}

const char *model_txn_workload_name(model_txn_workload w)
{
    switch (w) {
    case MODEL_TXN_LIST_APPEND: return "list-append";
    case MODEL_TXN_RW_REGISTER: return "rw-register";
    default: return "auto";
    }
}

int model_txn_workload_parse(const char *s)
{
    if (strcmp(s, "list-append") == 0)
        return MODEL_TXN_LIST_APPEND;
    if (strcmp(s, "rw-register") == 0)
        return MODEL_TXN_RW_REGISTER;
    return -1;
}

static const struct {
    const char *name, *ops;
} jw_names[] = {
    [MODEL_JW_NONE] = {"none", ""},
    [MODEL_JW_BANK] = {"bank", "read, transfer"},
    [MODEL_JW_LONG_FORK] = {"long-fork", "read, write, and txn"},
    [MODEL_JW_SET_FULL] = {"set-full", "add, read"},
};

const char *model_jw_name(model_jw w) { return jw_names[w].name; }

const char *model_jw_ops(model_jw w) { return jw_names[w].ops; }

model_jw model_jw_parse(const char *s)
{
    for (int w = MODEL_JW_BANK; w <= MODEL_JW_SET_FULL; w++)
        if (strcmp(s, jw_names[w].name) == 0)
            return (model_jw)w;
    return MODEL_JW_NONE;
}

model_jw_op model_jw_op_of(const vtab *vt, val f)
{
    static const named t[] = {
        NAMED("read", MODEL_JW_OP_READ), NAMED("write", MODEL_JW_OP_WRITE),
        NAMED("txn", MODEL_JW_OP_TXN),   NAMED("transfer", MODEL_JW_OP_TRANSFER),
        NAMED("add", MODEL_JW_OP_ADD),
    };
    return (model_jw_op)lookup(vt, f, t, sizeof t / sizeof *t, MODEL_JW_OP_OTHER);
}

/* ---- inference ---- */

static bool has_f(const history *h, const char *f)
{
    const hist_op *ops = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h); i++)
        if (val_is_str(hist_cvtab(h), ops[i].f, f))
            return true;
    return false;
}

/* Do the history's ok reads return collections? (a set, not a counter) */
static bool reads_lists(const history *h)
{
    const hist_op *ops = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h); i++)
        if (ops[i].status == OP_OK && val_is_str(hist_cvtab(h), ops[i].f, "read"))
            return ops[i].out.kind == VAL_LIST;
    return false;
}

const model_type *model_infer(const history *h, sbuf *why)
{
    if (has_f(h, "txn"))
        return &model_multi_register;
    if (has_f(h, "get") || has_f(h, "put") || has_f(h, "append"))
        return &model_kv;
    if (has_f(h, "enqueue") || has_f(h, "dequeue") || has_f(h, "drain"))
        return &model_fifo_queue;
    if (has_f(h, "acquire") || has_f(h, "release") || has_f(h, "lock") || has_f(h, "unlock"))
        return &model_mutex;
    if (has_f(h, "add") || has_f(h, "inc") || has_f(h, "increment"))
        return reads_lists(h) ? &model_set : &model_counter;
    if (has_f(h, "cas"))
        return &model_cas_register;
    if (has_f(h, "read") || has_f(h, "write"))
        return &model_register;
    sbuf_adds(why, "cannot infer a model from the ops' names (f:");
    valmap *seen = valmap_new();
    const hist_op *ops = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h) && valmap_size(seen) < 8; i++) {
        uint32_t x;
        if (valmap_get(seen, ops[i].f, &x))
            continue;
        valmap_put(seen, ops[i].f, 1);
        sbuf_adds(why, valmap_size(seen) > 1 ? ", " : " ");
        val_describe(hist_cvtab(h), ops[i].f, why);
    }
    valmap_free(seen);
    sbuf_adds(why, "); name one with --model");
    return NULL;
}
