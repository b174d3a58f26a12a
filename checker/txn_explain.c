/*
 * txn_explain.c - telling anomalies as stories a person can check against
 * the history by hand (txn_int.h).
 *
 * A story names its txns T1, T2, ... in the order it uses them, gives each
 * one's process, outcome, history lines and micro-ops, and then, for a
 * cycle, one line per edge saying which observation forces it, ending in
 * "T1 wr T2" (T1 must come before T2). The workload's analysis says why
 * its ww, wr and rw edges hold; process and real-time edges are told here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

#define MAX_ITEMS 16   /* a longer list shows its head and its tail */
#define MAX_MOPS 12    /* a longer txn shows its first micro-ops */

static bool plain_word(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_-.:/", s[i]))
            return false;
    return !isdigit((unsigned char)s[0]) && s[0] != '-';
}

void txn_describe(const txn_db *db, val v, sbuf *out)
{
    if (v.kind == VAL_STR) {
        size_t n;
        const char *s = val_str_bytes(db->vt, v, &n);
        if (plain_word(s, n) && n <= 60) {
            sbuf_addn(out, s, n);
            return;
        }
    }
    if (v.kind != VAL_LIST) {
        val_describe(db->vt, v, out);
        return;
    }
    size_t n;
    const val *it = val_items(db->vt, v, &n);
    sbuf_addc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (n > MAX_ITEMS && i == 4) {
            sbuf_printf(out, " ... (%zu more)", n - 4 - (MAX_ITEMS - 6));
            i = n - (MAX_ITEMS - 6);
        }
        if (i)
            sbuf_addc(out, ' ');
        txn_describe(db, it[i], out);
    }
    sbuf_addc(out, ']');
}

void txn_tell_key(const txn_db *db, uint32_t key, sbuf *out)
{
    val k = db->keys[key];
    size_t n = 0;
    const char *s = k.kind == VAL_STR ? val_str_bytes(db->vt, k, &n) : NULL;
    if (!s || !plain_word(s, n) || n > 60)
        sbuf_adds(out, "key ");
    txn_describe(db, k, out);
}

static uint32_t line_at(const txn_db *db, uint32_t ev)
{
    return hist_positions(db->h)[ev].line;
}

void txn_tell_line(const txn_db *db, uint32_t t, sbuf *out)
{
    const hist_op *o = &hist_ops(db->h)[db->t[t].op];
    uint32_t e = o->ret != HIST_OPEN && o->status == OP_OK ? o->ret : o->call;
    sbuf_printf(out, "line %u", line_at(db, e));
}

void txn_tell_read(const txn_db *db, const char *who, const tmop *m, sbuf *out)
{
    sbuf_printf(out, "%s read ", who);
    txn_tell_key(db, m->key, out);
    sbuf_adds(out, " = ");
    txn_describe(db, m->v, out);
}

void txn_tell_where(const txn_db *db, uint32_t t, sbuf *out)
{
    const hist_op *o = &hist_ops(db->h)[db->t[t].op];
    if (val_is_nil(o->process)) {
        sbuf_adds(out, "no process");
    } else {
        sbuf_adds(out, "process ");
        val_describe(db->vt, o->process, out);
    }
    static const char *st[] = {"ok", "info", "fail"};
    sbuf_printf(out, ", %s", st[o->status]);
    if (o->ret == HIST_OPEN)
        sbuf_printf(out, " (never completed), line %u", line_at(db, o->call));
    else if (hist_positions(db->h)[o->call].implied)
        sbuf_printf(out, ", line %u, no invocation", line_at(db, o->ret));
    else
        sbuf_printf(out, ", lines %u-%u", line_at(db, o->call), line_at(db, o->ret));
}

static void tell_mop(const txn_db *db, const tmop *m, sbuf *out)
{
    static const model_vop vop[] = {[TM_R] = MV_READ, [TM_APPEND] = MV_APPEND, [TM_W] = MV_WRITE};
    sbuf_printf(out, "[%s ", model_micro_name(vop[m->f]));
    txn_describe(db, db->keys[m->key], out);
    if (m->f != TM_R || m->known) {
        sbuf_addc(out, ' ');
        txn_describe(db, m->v, out);
    }
    sbuf_addc(out, ']');
}

/* "  T1 (process 0, ok, lines 1-2): [append x 1] [r y [2]]\n" */
static void tell_txn(const txn_db *db, uint32_t t, const char *name, sbuf *out)
{
    sbuf_printf(out, "  %s (", name);
    txn_tell_where(db, t, out);
    sbuf_adds(out, "):");
    const ttxn *x = &db->t[t];
    for (uint32_t j = 0; j < x->nm; j++) {
        if (j == MAX_MOPS) {
            sbuf_printf(out, " ... (%u micro-ops)", x->nm);
            break;
        }
        sbuf_addc(out, ' ');
        tell_mop(db, &db->m[x->m0 + j], out);
    }
    sbuf_addc(out, '\n');
}

static void why_order(const txn_db *db, uint32_t a, uint32_t b, unsigned kind, const char *an,
                      const char *bn, sbuf *out)
{
    const hist_op *oa = &hist_ops(db->h)[db->t[a].op], *ob = &hist_ops(db->h)[db->t[b].op];
    if (kind == TE_PROC) {
        sbuf_adds(out, "process ");
        val_describe(db->vt, oa->process, out);
        sbuf_printf(out, " ran %s (ok at line %u), then %s (%s at line %u): %s process %s",
                    an, line_at(db, oa->ret), bn,
                    hist_positions(db->h)[ob->call].implied ? "completed, with no invocation,"
                                                         : "invoked",
                    line_at(db, ob->call), an, bn);
    } else {
        sbuf_printf(out, "%s completed (line %u) before %s was invoked (line %u): %s realtime %s",
                    an, line_at(db, oa->ret), bn, line_at(db, ob->call), an, bn);
    }
}

static void why_edge(const txn_teller *tl, uint32_t a, uint32_t b, unsigned kind, const char *an,
                     const char *bn, sbuf *out)
{
    sbuf_adds(out, "  - ");
    bool ok;
    if (kind == TE_PROC || kind == TE_RT) {
        why_order(tl->db, a, b, kind, an, bn, out);
        ok = true;
    } else if (tl->la) {
        ok = txn_la_why(tl->la, a, b, txn_kind_data(kind), an, bn, out);
    } else {
        ok = txn_rw_why(tl->rw, a, b, kind, an, bn, out);
    }
    if (!ok) /* the analysis drew the edge, so this is a bug */
        sbuf_printf(out, "%s -> %s (no reason recorded)", an, bn);
    sbuf_addc(out, '\n');
}

void txn_tell_cycle(const txn_teller *tl, const txn_cycle *c, txn_case *out)
{
    sbuf b = {0};
    sbuf_printf(&b, "%s: a cycle of %zu transactions\n", txn_anomaly_name(c->type), c->n);
    out->ops = xmalloc((c->n ? c->n : 1) * sizeof *out->ops);
    out->nops = c->n;
    char (*names)[24] = xmalloc((c->n ? c->n : 1) * sizeof *names);
    for (size_t i = 0; i < c->n; i++) {
        snprintf(names[i], sizeof names[i], "T%zu", i + 1);
        out->ops[i] = tl->db->t[c->t[i]].op;
        tell_txn(tl->db, c->t[i], names[i], &b);
    }
    for (size_t i = 0; i < c->n; i++) {
        size_t j = (i + 1) % c->n;
        why_edge(tl, c->t[i], c->t[j], c->k[i], names[i], names[j], &b);
    }
    free(names);
    out->text = b.p;
}

/* For an internal case: what the txn's earlier micro-ops say the key holds. */
static void expected(const txn_db *db, const txn_nc *x, sbuf *out)
{
    const tmop *r = &db->m[x->m1];
    if (db->wl == MODEL_TXN_RW_REGISTER) {
        const tmop *p = &db->m[x->m2];
        txn_describe(db, p->v, out);
        sbuf_printf(out, " (its %s of micro-op %u)", p->f == TM_W ? "write" : "read",
                    x->m2 - db->t[x->t1].m0 + 1);
        return;
    }
    size_t nq = 0;
    const val *qi = NULL;
    if (x->m2 != TXN_NONE) {
        qi = val_items(db->vt, db->m[x->m2].v, &nq);
        if (db->m[x->m2].v.kind != VAL_LIST)
            nq = 0;
    }
    sbuf_addc(out, '[');
    bool first = true;
    if (x->m2 == TXN_NONE) {
        sbuf_adds(out, "...");
        first = false;
    }
    for (size_t i = 0; i < nq; i++) {
        sbuf_adds(out, first ? "" : " ");
        txn_describe(db, qi[i], out);
        first = false;
    }
    uint32_t from = x->m2 == TXN_NONE ? db->t[x->t1].m0 : x->m2 + 1;
    for (uint32_t j = from; j < x->m1; j++) {
        const tmop *m = &db->m[j];
        if (m->key != r->key || m->f != TM_APPEND)
            continue;
        sbuf_adds(out, first ? "" : " ");
        txn_describe(db, m->v, out);
        first = false;
    }
    sbuf_addc(out, ']');
    if (x->m2 == TXN_NONE)
        sbuf_adds(out, " (ending in its own appends)");
    else
        sbuf_printf(out, " (its read of micro-op %u, then its appends)", x->m2 - db->t[x->t1].m0 + 1);
}

void txn_tell_case(const txn_teller *tl, const txn_nc *x, txn_case *out)
{
    const txn_db *db = tl->db;
    sbuf b = {0};
    const tmop *r = &db->m[x->m1];
    bool list = db->wl == MODEL_TXN_LIST_APPEND;
    const char *app = list ? "appended" : "wrote";
    const char *done = list ? "appended" : "written";
    sbuf_printf(&b, "%s: ", txn_anomaly_name(x->type));
    txn_tell_read(db, "T1", r, &b);
    sbuf_printf(&b, " (micro-op %u)", x->m1 - db->t[x->t1].m0 + 1);
    switch (x->type) {
    case TA_G1A:
        sbuf_adds(&b, ", but ");
        txn_describe(db, x->x, &b);
        sbuf_printf(&b, " was %s by T2, which failed: a failed txn never took effect", done);
        break;
    case TA_G1B:
        sbuf_adds(&b, ", but ");
        txn_describe(db, x->x, &b);
        sbuf_printf(&b, " was %s by T2, which later %s ", done, app);
        txn_tell_key(db, r->key, &b);
        sbuf_adds(&b, " again: a state no committed txn left");
        break;
    case TA_GARBAGE_READ:
        sbuf_adds(&b, ", but no txn ");
        sbuf_adds(&b, app);
        sbuf_addc(&b, ' ');
        txn_describe(db, x->x, &b);
        sbuf_adds(&b, " to ");
        txn_tell_key(db, r->key, &b);
        break;
    case TA_DUPLICATE:
        sbuf_adds(&b, ", which holds ");
        txn_describe(db, x->x, &b);
        sbuf_adds(&b, " more than once, though it was appended once");
        break;
    case TA_FUTURE_READ:
        sbuf_adds(&b, ", holding ");
        txn_describe(db, x->x, &b);
        sbuf_printf(&b, ", which T1 itself %s only later (micro-op %u)", app,
                    x->m2 - db->t[x->t1].m0 + 1);
        break;
    case TA_INTERNAL:
        sbuf_adds(&b, ", but its own earlier micro-ops say ");
        txn_tell_key(db, r->key, &b);
        sbuf_adds(&b, " = ");
        expected(db, x, &b);
        break;
    case TA_INCOMPATIBLE_ORDER:
        if (db->m[x->m2].f == TM_APPEND) { /* a txn's own appends, reversed */
            const ttxn *w = &db->t[x->t2];
            uint32_t first = 0;
            for (uint32_t j = 0; j < w->nm; j++)
                if (db->m[w->m0 + j].f == TM_APPEND && db->m[w->m0 + j].key == r->key &&
                    val_eq(db->m[w->m0 + j].v, x->x))
                    first = j + 1;
            sbuf_adds(&b, ", but T2 appended ");
            txn_describe(db, x->x, &b);
            sbuf_adds(&b, " before ");
            txn_describe(db, db->m[x->m2].v, &b);
            sbuf_printf(&b, " (its micro-ops %u and %u): no order of whole txns shows them "
                            "the other way round",
                        first, x->m2 - w->m0 + 1);
            break;
        }
        sbuf_adds(&b, ", and ");
        txn_tell_read(db, x->t2 == x->t1 ? "T1 also" : "T2", &db->m[x->m2], &b);
        sbuf_adds(&b, ": neither is a prefix of the other, so no one order of appends "
                      "explains both");
        break;
    default:
        break;
    }
    sbuf_addc(&b, '\n');
    out->nops = x->t2 != TXN_NONE && x->t2 != x->t1 ? 2 : 1;
    out->ops = xmalloc(out->nops * sizeof *out->ops);
    out->ops[0] = db->t[x->t1].op;
    tell_txn(db, x->t1, "T1", &b);
    if (out->nops == 2) {
        out->ops[1] = db->t[x->t2].op;
        tell_txn(db, x->t2, "T2", &b);
    }
    out->text = b.p;
}
