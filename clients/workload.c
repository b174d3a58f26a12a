/* workload.c - see workload.h. */
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/rng.h"

typedef struct slot {
    uint32_t gen;  /* how many times the slot moved to a fresh key */
    uint32_t ops;  /* ops issued on the current key */
    val key;
    val known;     /* the last value seen or left on the key; nil: none */
} slot;

struct workload {
    wl_config c;
    vtab *vt;          /* borrowed */
    slot *slots;
    double *cdf;       /* zipf: cumulative weights; NULL when uniform */
    unsigned total;    /* sum of the usable mix weights */
    unsigned mix[CL_NF];
    int64_t next_value;
    uint64_t rng;
    val fnames[CL_NF];
    val mop_read;      /* list-append's micro-op names: "r", and fnames' "append" */
};

static const char *const kind_names[] = {"register", "cas-register", "kv", "list-append"};

int wl_kind_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, kind_names[i]))
            return i;
    return -1;
}

const char *wl_model_name(wl_kind kind)
{
    return kind_names[kind];
}

/* Which fs a workload can issue. */
static bool has_f(wl_kind kind, cl_f f)
{
    switch (f) {
    case CL_READ:
        return true;
    case CL_WRITE:
        return kind != WL_LIST_APPEND;
    case CL_CAS:
        return kind == WL_CAS_REGISTER || kind == WL_KV;
    case CL_APPEND:
        return kind == WL_KV || kind == WL_LIST_APPEND;
    default:
        return false;
    }
}

void wl_config_init(wl_config *c, wl_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->keys = 4;
    c->ops_per_key = 500;
    switch (kind) {
    case WL_REGISTER:
        c->mix[CL_READ] = 50, c->mix[CL_WRITE] = 50;
        break;
    case WL_CAS_REGISTER:
        c->mix[CL_READ] = 50, c->mix[CL_WRITE] = 40, c->mix[CL_CAS] = 10;
        break;
    case WL_KV:
        c->mix[CL_READ] = 40, c->mix[CL_WRITE] = 20, c->mix[CL_APPEND] = 40;
        c->ops_per_key = 100; /* appended lists stay short */
        break;
    case WL_LIST_APPEND: /* micro-ops; a key takes 32 appends, as Jepsen's */
        c->mix[CL_READ] = 50, c->mix[CL_APPEND] = 50;
        c->ops_per_key = 32;
        c->mops = 4;
        break;
    }
}

bool wl_mix_parse(wl_config *c, const char *s, sbuf *why)
{
    static const struct {
        const char *name;
        cl_f f;
    } names[] = {{"read", CL_READ}, {"get", CL_READ}, {"write", CL_WRITE},
                 {"put", CL_WRITE}, {"cas", CL_CAS},  {"append", CL_APPEND}};
    unsigned mix[CL_NF] = {0};
    char *copy = xstrdup(s), *save = NULL;
    bool ok = false;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            sbuf_printf(why, "'%s' is not NAME=WEIGHT", tok);
            goto out;
        }
        *eq = '\0';
        size_t i = 0;
        while (i < sizeof names / sizeof *names && strcmp(names[i].name, tok))
            i++;
        if (i == sizeof names / sizeof *names) {
            sbuf_printf(why, "unknown operation '%s' (read, write, cas, append)", tok);
            goto out;
        }
        char *end;
        long w = strtol(eq + 1, &end, 10);
        if (!eq[1] || *end || w < 0 || w > 1000000) {
            sbuf_printf(why, "weight of %s must be a whole number from 0, got '%s'", tok, eq + 1);
            goto out;
        }
        if (w > 0 && !has_f(c->kind, names[i].f)) {
            sbuf_printf(why, "the %s workload has no %s", kind_names[c->kind], tok);
            goto out;
        }
        mix[names[i].f] = (unsigned)w;
    }
    if (!mix[CL_READ] && !mix[CL_WRITE] && !mix[CL_CAS] && !mix[CL_APPEND]) {
        sbuf_adds(why, "every weight is 0");
        goto out;
    }
    memcpy(c->mix, mix, sizeof mix);
    ok = true;
out:
    free(copy);
    return ok;
}

uint64_t wl_rand(workload *w)
{
    return rng_next(&w->rng);
}

static void new_key(workload *w, uint32_t i)
{
    char name[128];
    slot *s = &w->slots[i];
    if (s->gen == 0)
        snprintf(name, sizeof name, "%s%u", w->c.prefix, i);
    else
        snprintf(name, sizeof name, "%s%u.%u", w->c.prefix, i, s->gen);
    s->key = val_cstr(w->vt, name);
    s->known = val_nil();
    s->ops = 0;
}

workload *wl_new(const wl_config *c, vtab *vt)
{
    workload *w = xcalloc(1, sizeof *w);
    w->c = *c;
    if (w->c.keys < 1)
        w->c.keys = 1;
    w->vt = vt;
    w->rng = c->seed;
    w->next_value = 1;
    w->slots = xcalloc(w->c.keys, sizeof *w->slots);
    for (uint32_t i = 0; i < w->c.keys; i++)
        new_key(w, i);
    if (c->zipf > 0 && w->c.keys > 1) {
        w->cdf = xcalloc(w->c.keys, sizeof *w->cdf);
        double sum = 0;
        for (uint32_t i = 0; i < w->c.keys; i++)
            w->cdf[i] = sum += 1.0 / pow((double)i + 1, c->zipf);
        for (uint32_t i = 0; i < w->c.keys; i++)
            w->cdf[i] /= sum;
    }
    for (int f = 0; f < CL_NF; f++) {
        w->mix[f] = has_f(c->kind, (cl_f)f) ? c->mix[f] : 0;
        w->total += w->mix[f];
    }
    if (w->total == 0) { /* a config that skipped wl_mix_parse's check */
        w->mix[CL_READ] = 1;
        w->total = 1;
    }
    bool kv = c->kind == WL_KV;
    w->fnames[CL_READ] = val_cstr(vt, kv ? "get" : "read");
    w->fnames[CL_WRITE] = val_cstr(vt, kv ? "put" : "write");
    w->fnames[CL_CAS] = val_cstr(vt, "cas");
    w->fnames[CL_APPEND] = val_cstr(vt, "append");
    w->fnames[CL_TXN] = val_cstr(vt, "txn");
    w->mop_read = val_cstr(vt, "r");
    return w;
}

void wl_free(workload *w)
{
    if (!w)
        return;
    free(w->slots);
    free(w->cdf);
    free(w);
}

static uint32_t pick_slot(workload *w)
{
    if (!w->cdf)
        return (uint32_t)(wl_rand(w) % w->c.keys);
    double u = rng_unit(wl_rand(w));
    uint32_t lo = 0, hi = w->c.keys - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (w->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

val wl_value(const wl_config *c, vtab *vt, int64_t n)
{
    if (!c->value_size)
        return val_int(n);
    sbuf s = {0};
    sbuf_printf(&s, "%lld-", (long long)n);
    while (s.len < c->value_size)
        sbuf_addc(&s, 'x');
    val v = val_str(vt, s.p, s.len);
    sbuf_free(&s);
    return v;
}

/* A fresh value: an integer (or a padded string) for the registers, a
 * one-item list for kv (so that appends to it are legal). */
static val fresh(workload *w, int64_t *n)
{
    *n = w->next_value++;
    val x = wl_value(&w->c, w->vt, *n);
    return w->c.kind == WL_KV ? val_list(w->vt, &x, 1) : x;
}

/* The op of a key slot: maybe a fresh key first (after ops_per_key). */
static slot *use_slot(workload *w, uint32_t i)
{
    slot *s = &w->slots[i];
    if (w->c.ops_per_key && s->ops >= w->c.ops_per_key) {
        s->gen++;
        new_key(w, i);
    }
    return s;
}

/* A list-append txn: micro-ops by the mix's read and append weights, on
 * the slots' keys; a slot counts its key's appends. */
static void next_txn(workload *w, wl_op *op)
{
    uint32_t n = w->c.mops ? w->c.mops : 1;
    unsigned reads = w->mix[CL_READ], total = reads + w->mix[CL_APPEND];
    val *mops = xmalloc(n * sizeof *mops);
    for (uint32_t j = 0; j < n; j++) {
        bool append = (unsigned)(wl_rand(w) % (total ? total : 1)) >= reads;
        slot *s = append ? use_slot(w, pick_slot(w)) : &w->slots[pick_slot(w)];
        val m[3] = {append ? w->fnames[CL_APPEND] : w->mop_read, s->key,
                    append ? val_int(w->next_value++) : val_nil()};
        s->ops += append;
        mops[j] = val_list(w->vt, m, 3);
    }
    op->f = CL_TXN;
    op->fname = w->fnames[CL_TXN];
    op->slot = UINT32_MAX;
    op->key = op->a = op->b = val_nil();
    op->value = val_list(w->vt, mops, n);
    free(mops);
}

void wl_next(workload *w, wl_op *op)
{
    memset(op, 0, sizeof *op);
    if (w->c.kind == WL_LIST_APPEND) {
        next_txn(w, op);
        return;
    }
    unsigned r = (unsigned)(wl_rand(w) % w->total);
    cl_f f = CL_READ;
    for (int i = 0; i < CL_NF; i++) {
        if (r < w->mix[i]) {
            f = (cl_f)i;
            break;
        }
        r -= w->mix[i];
    }
    uint32_t i = pick_slot(w);
    slot *s = use_slot(w, i);
    s->ops++;
    if (f == CL_CAS && val_is_nil(s->known))
        f = CL_WRITE;
    op->f = f;
    op->fname = w->fnames[f];
    op->slot = i;
    op->key = s->key;
    op->value = op->a = op->b = val_nil();
    int64_t n;
    switch (f) {
    case CL_READ:
        break;
    case CL_WRITE:
        op->value = op->a = fresh(w, &n);
        break;
    case CL_CAS: {
        op->a = s->known;
        op->b = fresh(w, &n);
        val pair[2] = {op->a, op->b};
        op->value = val_list(w->vt, pair, 2);
        break;
    }
    case CL_APPEND:
        /* An integer even with value_size: the kv model appends a string
         * to nil by starting a string, not a list. */
        op->value = op->a = val_int(w->next_value++);
        break;
    default:
        break;
    }
}

void wl_observe(workload *w, const wl_op *op, val now)
{
    if (op->slot >= w->c.keys) /* a txn's keys are many */
        return;
    slot *s = &w->slots[op->slot];
    if (val_eq(s->key, op->key))
        s->known = now;
}
