/*
 * session_explain.c - what a session violation says, for people: the ops
 * involved, by process, value, version, time and line, in the order that
 * tells the story ("process 1 wrote x=12 (v41, ok at 1.204 s, line 88)
 * then read x=9 ...").
 */
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

void sess_key_name(sess_ctx *c, uint32_t key, sbuf *b)
{
    const sess_keyinfo *ki = &c->keys.v[key];
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

void sess_key_eq(sess_ctx *c, uint32_t key, val v, sbuf *b)
{
    sess_key_name(c, key, b);
    sbuf_addc(b, '=');
    val_describe(c->vt, v, b);
}

/* " (v41, ok at 1.204 s, line 88)": when an op completed (or began). */
void sess_when(sess_ctx *c, uint32_t op, int64_t version, bool completed, sbuf *b)
{
    const hist_op *o = &hist_ops(c->h)[op];
    const hist_pos *ev = hist_positions(c->h);
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

void sess_who(sess_ctx *c, uint32_t op, sbuf *b)
{
    sbuf_adds(b, "process ");
    val_describe(c->vt, hist_ops(c->h)[op].process, b);
}

void sess_record(sess_ctx *c, sess_guarantee g, uint32_t key, sbuf *text, const uint32_t *ops,
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

void sess_explain_store(sess_ctx *c, sess_guarantee g, const sess_obs *a, const sess_obs *b,
                        bool a_done)
{
    sbuf t = {0};
    sess_who(c, a->op, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " wrote " : " read ");
    sess_key_eq(c, a->key, a->value, &t);
    sess_when(c, a->op, a->version, a_done, &t);
    sbuf_adds(&t, b->kind == OB_WRITE ? " then wrote " : " then read ");
    sess_key_eq(c, b->key, b->value, &t);
    sess_when(c, b->op, b->version, true, &t);
    sbuf_printf(&t, ": %s", sess_guarantee_name(g));
    uint32_t ops[2] = {a->op, b->op};
    sess_record(c, g, b->key, &t, ops, 2);
}

/* The clauses of a cycle: runs of edges, each an ordering a person can
 * read (helper nodes never end a run). */
typedef struct clause {
    size_t from, to; /* edge positions [from, to] in the cycle */
    uint32_t line;   /* of the earliest op it names, to start the story there */
} clause;

static uint32_t obs_line(sess_ctx *c, uint32_t ob)
{
    if (ob == UINT32_MAX)
        return UINT32_MAX;
    return hist_positions(c->h)[hist_ops(c->h)[c->obs.v[ob].op].call].line;
}

static void clause_text(sess_ctx *c, sess_graph *gr, uint32_t key, const uint32_t *cyc,
                        const clause *cl, sbuf *t, sess_u32vec *ops)
{
    sess_obs *ob = c->obs.v;
    const sess_edge *e = &gr->edges.v[cyc[cl->from]];
    if (e->kind == E_INIT) {
        sbuf_adds(t, "the initial value ");
        sess_key_eq(c, key, c->keys.v[key].init, t);
        sbuf_adds(t, " comes first");
        return;
    }
    if (e->kind == E_CAS) {
        sess_who(c, ob[e->a].op, t);
        sbuf_adds(t, "'s cas replaced ");
        sess_key_eq(c, key, sess_old_of(c, e->a), t);
        sbuf_adds(t, " with ");
        sess_key_eq(c, key, ob[e->a].value, t);
        sess_when(c, ob[e->a].op, HIST_NONE, true, t);
        VEC_PUSH(*ops, ob[e->a].op);
        return;
    }
    /* MR and MW name both ops; a run through helpers (X_IN, CHAIN...,
     * X_OUT) names the first sess_edge's op and the last's. */
    uint32_t a = e->a;
    uint32_t b = e->kind == E_MR || e->kind == E_MW ? e->b : gr->edges.v[cyc[cl->to]].b;
    const sess_obs *x = &ob[a], *y = &ob[b];
    if (e->kind == E_RT_IN) {
        sbuf_adds(t, "the write of ");
        sess_key_eq(c, key, x->value, t);
        sess_when(c, x->op, HIST_NONE, true, t);
        sbuf_adds(t, " completed before the write of ");
        sess_key_eq(c, key, y->value, t);
        sbuf_adds(t, " began");
        sess_when(c, y->op, HIST_NONE, false, t);
    } else {
        bool x_writes = e->kind == E_RYW_IN || e->kind == E_MW;
        bool y_writes = e->kind == E_WFR_IN || e->kind == E_MW;
        sess_who(c, x->op, t);
        sbuf_adds(t, x_writes ? " wrote " : " read ");
        sess_key_eq(c, key, x->value, t);
        sess_when(c, x->op, HIST_NONE, true, t);
        sbuf_adds(t, y_writes ? " then wrote " : " then read ");
        sess_key_eq(c, key, y->value, t);
        sess_when(c, y->op, HIST_NONE, true, t);
    }
    VEC_PUSH(*ops, x->op);
    VEC_PUSH(*ops, y->op);
}

/* Turn a cycle (sess_edge indices, starting and ending at a version) into one
 * explanation: a clause per ordering, starting with the earliest. */
void sess_explain_cycle(sess_ctx *c, sess_graph *gr, sess_guarantee g, uint32_t key,
                        const uint32_t *cyc, size_t n, sbuf *out, sess_u32vec *out_ops)
{
    VEC(clause) cls = {0};
    for (size_t i = 0; i < n;) {
        const sess_edge *e = &gr->edges.v[cyc[i]];
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
    sess_key_name(c, key, out);
    sbuf_printf(out, "'s versions allows %s", sess_guarantee_name(g));
    free(cls.v);
}

void sess_explain_append(sess_ctx *c, sess_guarantee g, const sess_obs *a, const sess_obs *b,
                         const char *why, const sess_obs *witness, bool *violated)
{
    sbuf t = {0};
    sess_who(c, a->op, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " appended " : " read ");
    val_describe(c->vt, a->value, &t);
    sbuf_adds(&t, a->kind == OB_WRITE ? " to " : " from ");
    sess_key_name(c, a->key, &t);
    sess_when(c, a->op, HIST_NONE, true, &t);
    sbuf_adds(&t, b->kind == OB_WRITE ? " then appended " : " then read ");
    val_describe(c->vt, b->value, &t);
    sess_when(c, b->op, HIST_NONE, true, &t);
    if (witness) {
        sbuf_adds(&t, ", but ");
        sess_who(c, witness->op, &t);
        sbuf_adds(&t, " read ");
        val_describe(c->vt, witness->value, &t);
        sess_when(c, witness->op, HIST_NONE, true, &t);
    }
    sbuf_printf(&t, "%s: %s", why, sess_guarantee_name(g));
    uint32_t ops[3] = {a->op, b->op, witness ? witness->op : 0};
    violated[b->key * SG_COUNT + g] = true;
    sess_record(c, g, b->key, &t, ops, witness ? 3 : 2);
}
