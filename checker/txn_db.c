/*
 * txn_db.c - a history's transactions as flat arrays (txn_int.h).
 *
 * Every client op must be a txn (f "txn") whose value is a list of micro-ops
 * [f key value]: "append"/"r" (list-append) or "w"/"r" (rw-register;
 * "write" and "read" are read as "w" and "r"). A read may leave out its
 * value ([r key]): unknown. An ok txn is read from its completion; if the
 * completion carries no value, from its invocation, with its reads unknown.
 * info and fail txns are read from their invocation, reads unknown. Each
 * txn with no process gets a process id of its own (no process order).
 */
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "txn_int.h"

static void where(const txn_db *db, const hist_op *o, sbuf *why)
{
    const hist_pos *ev = hist_positions(db->h);
    uint32_t e = (o->status == OP_OK && o->ret != HIST_OPEN) ? o->ret : o->call;
    sbuf_printf(why, "%s:%u:%u: ", hist_name(db->h), ev[e].line, ev[e].col);
}

/* The micro-op's kind, as models/ reads its name; -1: none. */
static int mop_f(const vtab *vt, val f)
{
    switch (model_micro_vop(vt, f)) {
    case MV_APPEND: return TM_APPEND;
    case MV_READ: return TM_R;
    case MV_WRITE: return TM_W;
    default: return -1;
    }
}

/* Which workload the micro-ops say: appends say list-append, writes
 * rw-register; without either, the first read of a known non-nil value
 * (a list: list-append). MODEL_TXN_AUTO if nothing says; -1 (with why) if
 * appends and writes are mixed. */
static int detect(const txn_db *db, sbuf *why)
{
    const hist_op *ops = hist_ops(db->h);
    uint32_t app = TXN_NONE, wr = TXN_NONE, rd = TXN_NONE;
    for (size_t i = 0; i < db->nt; i++) {
        const ttxn *t = &db->t[i];
        for (uint32_t j = 0; j < t->nm; j++) {
            const tmop *m = &db->m[t->m0 + j];
            if (m->f == TM_APPEND && app == TXN_NONE)
                app = t->m0 + j;
            else if (m->f == TM_W && wr == TXN_NONE)
                wr = t->m0 + j;
            else if (m->f == TM_R && m->known && !val_is_nil(m->v) && rd == TXN_NONE)
                rd = t->m0 + j;
        }
    }
    if (app != TXN_NONE && wr != TXN_NONE) {
        const hist_pos *ev = hist_positions(db->h);
        const hist_op *oa = &ops[db->t[txn_db_txn_of(db, app)].op];
        const hist_op *ow = &ops[db->t[txn_db_txn_of(db, wr)].op];
        const hist_op *later = oa->call > ow->call ? oa : ow;
        where(db, later, why);
        sbuf_printf(why, "%s here, but the txn at line %u %s: a history is %s or %s, not both",
                    later == oa ? "an append" : "a write", ev[(later == oa ? ow : oa)->call].line,
                    later == oa ? "writes" : "appends", model_txn_workload_name(MODEL_TXN_LIST_APPEND),
                    model_txn_workload_name(MODEL_TXN_RW_REGISTER));
        return -1;
    }
    if (app != TXN_NONE)
        return MODEL_TXN_LIST_APPEND;
    if (wr != TXN_NONE)
        return MODEL_TXN_RW_REGISTER;
    if (rd != TXN_NONE)
        return db->m[rd].v.kind == VAL_LIST ? MODEL_TXN_LIST_APPEND : MODEL_TXN_RW_REGISTER;
    return MODEL_TXN_AUTO;
}

/* Check the micro-ops against the workload. */
static int fits(const txn_db *db, sbuf *why)
{
    const hist_op *ops = hist_ops(db->h);
    for (size_t i = 0; i < db->nt; i++) {
        const ttxn *t = &db->t[i];
        for (uint32_t j = 0; j < t->nm; j++) {
            const tmop *m = &db->m[t->m0 + j];
            /* what is wrong, around the workload's name */
            const char *bad = NULL, *after = NULL;
            if (db->wl == MODEL_TXN_LIST_APPEND && m->f == TM_W)
                bad = "a write [w k v] in a ", after = " history (expected append or r)";
            else if (db->wl == MODEL_TXN_RW_REGISTER && m->f == TM_APPEND)
                bad = "an append in an ", after = " history (expected w or r)";
            else if (db->wl == MODEL_TXN_LIST_APPEND && m->f == TM_R && m->known &&
                     !val_is_nil(m->v) && m->v.kind != VAL_LIST)
                bad = "a ", after = " read whose value is not a list";
            if (bad) {
                where(db, &ops[t->op], why);
                sbuf_printf(why, "%s%s%s, micro-op %u of the txn", bad,
                            model_txn_workload_name(db->wl), after, j + 1);
                return -1;
            }
        }
    }
    return 0;
}

/* What loading keeps beside the db: keys and processes numbered as first
 * seen, and the micro-ops so far. */
typedef struct loader {
    txn_db *db;
    valmap *keys, *procs;
    VEC(val) keyv;
    VEC(tmop) mv;
    size_t nanon; /* txns with no process */
} loader;

/* The micro-ops of txn o, the n items it of its value (its completion's
 * if use_out). false, with where and why, if one is not a micro-op. */
static bool load_mops(loader *ld, const hist_op *o, const val *it, size_t n, bool use_out,
                      sbuf *why)
{
    const vtab *vt = ld->db->vt;
    for (size_t j = 0; j < n; j++) {
        size_t k = 0;
        const val *x = val_items(vt, it[j], &k);
        int f = (it[j].kind == VAL_LIST && (k == 2 || k == 3)) ? mop_f(vt, x[0]) : -1;
        if (f < 0 || (f != TM_R && k != 3)) {
            where(ld->db, o, why);
            sbuf_printf(why, "micro-op %zu: expected [append key value], [w key value] or "
                             "[r key value], got ",
                        j + 1);
            val_describe(vt, it[j], why);
            return false;
        }
        uint32_t kid;
        if (!valmap_get(ld->keys, x[1], &kid)) {
            kid = (uint32_t)ld->keyv.n;
            valmap_put(ld->keys, x[1], kid);
            VEC_PUSH(ld->keyv, x[1]);
        }
        tmop m = {.v = k == 3 ? x[2] : val_nil(), .key = kid, .f = (uint8_t)f};
        m.known = f == TM_R && use_out && k == 3;
        VEC_PUSH(ld->mv, m);
    }
    return true;
}

/* History op i, a txn, into the db. false, with where and why, if it is
 * not one. */
static bool load_txn(loader *ld, size_t i, sbuf *why)
{
    txn_db *db = ld->db;
    const vtab *vt = db->vt;
    const hist_op *o = &hist_ops(db->h)[i];
    if (!model_is_txn(vt, o->f)) {
        where(db, o, why);
        sbuf_adds(why, "expected a transaction (f \"txn\"), got f ");
        val_describe(vt, o->f, why);
        return false;
    }
    bool use_out = o->status == OP_OK && !val_is_nil(o->out);
    val v = use_out ? o->out : o->in;
    size_t n = 0;
    const val *it = val_items(vt, v, &n);
    if (v.kind != VAL_LIST) {
        where(db, o, why);
        sbuf_adds(why, "a txn's value must be a list of micro-ops [f key value], got ");
        val_describe(vt, v, why);
        return false;
    }
    if (ld->mv.n + n > UINT32_MAX) {
        where(db, o, why);
        sbuf_adds(why, "too many micro-ops (more than 2^32)");
        return false;
    }
    ttxn *t = &db->t[db->nt++];
    t->m0 = (uint32_t)ld->mv.n;
    t->nm = (uint32_t)n;
    t->op = (uint32_t)i;
    t->st = (uint8_t)o->status;
    /* An op with no process is a session of its own: a fresh id. */
    uint32_t pid;
    if (val_is_nil(o->process)) {
        pid = (uint32_t)(valmap_size(ld->procs) + ld->nanon++);
    } else if (!valmap_get(ld->procs, o->process, &pid)) {
        pid = (uint32_t)(valmap_size(ld->procs) + ld->nanon);
        valmap_put(ld->procs, o->process, pid);
    }
    t->proc = pid;
    return load_mops(ld, o, it, n, use_out, why);
}

txn_rc txn_db_load(txn_db *db, const history *h, txn_workload wl, sbuf *why)
{
    memset(db, 0, sizeof *db);
    db->h = h;
    db->vt = hist_cvtab(h);
    size_t nops = hist_nops(h);
    loader ld = {.db = db, .keys = valmap_new(), .procs = valmap_new()};
    txn_rc rc = TXN_OK;
    db->t = xmalloc((nops ? nops : 1) * sizeof *db->t);
    for (size_t i = 0; i < nops; i++)
        if (!load_txn(&ld, i, why)) {
            rc = TXN_EFIT;
            goto out;
        }
    db->m = ld.mv.v;
    db->nm = ld.mv.n;
    ld.mv.v = NULL;
    db->keys = ld.keyv.v;
    db->nkeys = ld.keyv.n;
    ld.keyv.v = NULL;
    db->nprocs = valmap_size(ld.procs) + ld.nanon;
    if (wl == MODEL_TXN_AUTO) {
        int d = detect(db, why);
        if (d < 0) {
            rc = TXN_EFIT;
            goto out;
        }
        wl = d == MODEL_TXN_AUTO ? MODEL_TXN_LIST_APPEND : (txn_workload)d;
    }
    db->wl = wl;
    if (fits(db, why) < 0)
        rc = TXN_EFIT;
out:
    free(ld.mv.v);
    free(ld.keyv.v);
    valmap_free(ld.keys);
    valmap_free(ld.procs);
    if (rc)
        txn_db_free(db);
    return rc;
}

void txn_db_free(txn_db *db)
{
    free(db->t);
    free(db->m);
    free(db->keys);
    memset(db, 0, sizeof *db);
}

uint32_t txn_db_txn_of(const txn_db *db, uint32_t m)
{
    size_t lo = 0, hi = db->nt;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->t[mid].m0 <= m)
            lo = mid;
        else
            hi = mid;
    }
    /* The last txn starting at or before m holds it: an empty txn starts
     * where the next one does, so it is never the last. */
    return (uint32_t)lo;
}

uint32_t *txn_nones(size_t n)
{
    uint32_t *v = xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = TXN_NONE;
    return v;
}

/* ---- (key, value) index ---- */

void txn_vidx_init(txn_vidx *x, size_t expect)
{
    size_t cap = 16;
    while (cap < 2 * expect)
        cap *= 2;
    x->cap = cap;
    x->n = 0;
    x->s = xmalloc(cap * sizeof *x->s);
    for (size_t i = 0; i < cap; i++)
        x->s[i].id = TXN_NONE;
}

void txn_vidx_free(txn_vidx *x)
{
    free(x->s);
    memset(x, 0, sizeof *x);
}

static size_t slot_of(const txn_vidx *x, uint32_t key, val v)
{
    uint64_t hv = hash_mix64((uint64_t)v.n ^ ((uint64_t)v.kind << 56) ^ ((uint64_t)key << 24));
    size_t mask = x->cap - 1, j = hv & mask;
    while (x->s[j].id != TXN_NONE && !(x->s[j].key == key && val_eq(x->s[j].v, v)))
        j = (j + 1) & mask;
    return j;
}

uint32_t txn_vidx_get(const txn_vidx *x, uint32_t key, val v)
{
    return x->s[slot_of(x, key, v)].id;
}

uint32_t txn_vidx_put(txn_vidx *x, uint32_t key, val v, uint32_t id)
{
    size_t j = slot_of(x, key, v);
    if (x->s[j].id != TXN_NONE)
        return x->s[j].id;
    x->s[j] = (txn_vslot){v, key, id};
    if (++x->n * 2 > x->cap) {
        txn_vslot *old = x->s;
        size_t oc = x->cap;
        x->cap *= 2;
        x->s = xmalloc(x->cap * sizeof *x->s);
        for (size_t i = 0; i < x->cap; i++)
            x->s[i].id = TXN_NONE;
        for (size_t i = 0; i < oc; i++)
            if (old[i].id != TXN_NONE)
                x->s[slot_of(x, old[i].key, old[i].v)] = old[i];
        free(old);
    }
    return id;
}
