/*
 * jw.c - Jepsen's other workloads (jw.h): their names, telling them from
 * the ops, and what their checks share.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/hash.h"
#include "jw_int.h"

void jw_where(const history *h, const hist_op *o, sbuf *why)
{
    const hist_pos *ev = hist_positions(h);
    uint32_t e = (o->status == OP_OK && o->ret != HIST_OPEN) ? o->ret : o->call;
    sbuf_printf(why, "%s:%u:%u: ", hist_name(h), ev[e].line, ev[e].col);
}

model_jw_op jw_op(const history *h, const hist_op *o)
{
    return model_jw_op_of(hist_cvtab(h), o->f);
}

val jw_norm(const vtab *vt, val v)
{
    if (v.kind != VAL_STR)
        return v;
    size_t n;
    const char *s = val_str_bytes(vt, v, &n);
    size_t i = n && s[0] == '-';
    if (i == n || n - i > 19 || (s[i] == '0' && n - i > 1) || (i && s[i] == '0'))
        return v;
    int64_t x = 0;
    for (size_t j = i; j < n; j++) {
        if (s[j] < '0' || s[j] > '9')
            return v;
        int d = s[j] - '0';
        if (x > (INT64_MAX - d) / 10)
            return v;
        x = x * 10 + d;
    }
    return val_int(i ? -x : x);
}

bool jw_mop(const vtab *vt, val m, val *f, val *k, val *v)
{
    size_t n;
    const val *x = m.kind == VAL_LIST ? val_items(vt, m, &n) : NULL;
    if (!x || n < 2 || n > 3 || x[0].kind != VAL_STR)
        return false;
    *f = x[0];
    *k = x[1];
    *v = n == 3 ? x[2] : val_nil();
    return true;
}

/* ---- the map (group, value) -> id ---- */

static uint64_t slot_hash(uint32_t group, val v)
{
    return hash_mix64(val_hash(v) ^ ((uint64_t)group * 0x9e3779b97f4a7c15ULL));
}

uint32_t jw_map_get(const jw_map *m, uint32_t group, val v)
{
    if (!m->cap)
        return JW_NO_OP;
    for (size_t i = slot_hash(group, v) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const jw_slot *s = &m->s[i];
        if (s->id == JW_NO_OP)
            return JW_NO_OP;
        if (s->group == group && val_eq(s->v, v))
            return s->id;
    }
}

static void map_grow(jw_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    jw_slot *s = xmalloc(cap * sizeof *s);
    for (size_t i = 0; i < cap; i++)
        s[i].id = JW_NO_OP;
    for (size_t j = 0; j < m->cap; j++) {
        if (m->s[j].id == JW_NO_OP)
            continue;
        size_t i = slot_hash(m->s[j].group, m->s[j].v) & (cap - 1);
        while (s[i].id != JW_NO_OP)
            i = (i + 1) & (cap - 1);
        s[i] = m->s[j];
    }
    free(m->s);
    m->s = s;
    m->cap = cap;
}

uint32_t jw_map_put(jw_map *m, uint32_t group, val v, uint32_t id, bool *added)
{
    if (added)
        *added = false;
    if (2 * (m->n + 1) > m->cap)
        map_grow(m);
    size_t i = slot_hash(group, v) & (m->cap - 1);
    for (; m->s[i].id != JW_NO_OP; i = (i + 1) & (m->cap - 1))
        if (m->s[i].group == group && val_eq(m->s[i].v, v))
            return m->s[i].id;
    m->s[i] = (jw_slot){v, group, id};
    m->n++;
    if (added)
        *added = true;
    return id;
}

void jw_map_free(jw_map *m)
{
    free(m->s);
    memset(m, 0, sizeof *m);
}

/* ---- telling the workload from the ops ---- */

/* A non-empty list of micro-ops [r|w|read|write k v]. */
static bool mop_list(const vtab *vt, val v)
{
    size_t n;
    const val *it = v.kind == VAL_LIST ? val_items(vt, v, &n) : NULL;
    if (!it || !n)
        return false;
    for (size_t i = 0; i < n; i++) {
        val f, k, x;
        model_vop vop;
        if (!jw_mop(vt, it[i], &f, &k, &x) ||
            ((vop = model_micro_vop(vt, f)) != MV_READ && vop != MV_WRITE))
            return false;
    }
    return true;
}

/* A non-empty map whose values are integers or nil: a bank read's. */
static bool balances(const vtab *vt, val v)
{
    size_t n;
    const val *kv = v.kind == VAL_MAP ? val_items(vt, v, &n) : NULL;
    if (!kv || !n)
        return false;
    for (size_t i = 1; i < n; i += 2)
        if (kv[i].kind != VAL_INT && kv[i].kind != VAL_NIL)
            return false;
    return true;
}

jw_kind jw_infer(const history *h, const char **how, jw_kind *also)
{
    const vtab *vt = hist_cvtab(h);
    const hist_op *ops = hist_ops(h);
    size_t n = hist_nops(h);
    bool other = false, writes = false, mops = false, not_mops = false;
    bool map_reads = false, other_reads = false, adds = false, set_ops = true;
    if (also)
        *also = MODEL_JW_NONE;
    for (size_t i = 0; i < n; i++) {
        const hist_op *o = &ops[i];
        model_jw_op f = model_jw_op_of(vt, o->f);
        adds |= f == MODEL_JW_OP_ADD;
        set_ops &= f == MODEL_JW_OP_ADD || f == MODEL_JW_OP_READ;
        if (f == MODEL_JW_OP_TRANSFER) {
            if (how)
                *how = "a transfer op";
            return MODEL_JW_BANK;
        }
        bool rd = f == MODEL_JW_OP_READ;
        if (!rd && f != MODEL_JW_OP_WRITE) {
            other = true;
            continue;
        }
        writes |= !rd;
        val vs[2] = {o->in, o->status == OP_OK ? o->out : val_nil()};
        for (int j = 0; j < 2; j++) {
            if (val_is_nil(vs[j]))
                continue;
            if (mop_list(vt, vs[j]))
                mops = true;
            else
                not_mops = true;
        }
        if (rd && o->status == OP_OK && !val_is_nil(o->out)) {
            if (balances(vt, o->out))
                map_reads = true;
            else
                other_reads = true;
        }
    }
    if (other) {
        if (also && adds && set_ops)
            *also = MODEL_JW_SET_FULL;
        return MODEL_JW_NONE;
    }
    if (mops && !not_mops) {
        if (how)
            *how = "reads and writes of micro-ops";
        return MODEL_JW_LONG_FORK;
    }
    if (!writes && map_reads && !other_reads) {
        if (how)
            *how = "reads of maps of integers, and no writes";
        return MODEL_JW_BANK;
    }
    return MODEL_JW_NONE;
}

/* ---- the check ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

jw_rc jw_check(history *h, const jw_opts *o, jw_result *r, sbuf *why)
{
    memset(r, 0, sizeof *r);
    double t0 = now();
    r->kind = o->kind;
    jw_rc rc;
    switch (o->kind) {
    case MODEL_JW_BANK: rc = jw_bank(h, o, r, why); break;
    case MODEL_JW_LONG_FORK: rc = jw_long_fork(h, o, r, why); break;
    case MODEL_JW_SET_FULL: rc = jw_set_full(h, o, r, why); break;
    default:
        sbuf_adds(why, "no workload to check");
        rc = JW_EFIT;
    }
    if (rc) {
        jw_result_free(r);
        return rc;
    }
    r->seconds = now() - t0;
    return JW_OK;
}

void jw_result_free(jw_result *r)
{
    free(r->why_unknown);
    free(r->lf.forks);
    free(r->lf.bad);
    for (int k = 0; k < SF_NOUTCOMES; k++)
        free(r->sf.shown[k]);
    memset(r, 0, sizeof *r);
}
