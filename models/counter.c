/*
 * counter.c - a counter: add n (inc adds 1 when no value is given), read.
 *
 * State: the count, an int64. A crashed add may have happened, so it stays
 * in the search; a crashed read says nothing and is left out.
 */
#include <string.h>

#include "model.h"

enum { C_ADD, C_READ };

static const char *const counter_fs[] = {"add", "inc", "increment", "read", NULL};

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    (void)vt;
    if (model_f_is(md, o, "read")) {
        if (model_read_says_nothing(md, o, m))
            return MODEL_SKIP;
        if (!val_is_nil(o->out) && o->out.kind != VAL_INT) {
            sbuf_adds(why, "a counter's read must return an integer, got ");
            val_describe(md->vt, o->out, why);
            return MODEL_EOP;
        }
        m->code = C_READ;
        m->a = o->out;
        return MODEL_OK;
    }
    bool inc = !model_f_is(md, o, "add");
    if (!inc || model_f_is(md, o, "inc") || model_f_is(md, o, "increment")) {
        val d = o->in;
        if (inc && val_is_nil(d))
            d = val_int(1);
        if (d.kind != VAL_INT) {
            sbuf_adds(why, "a counter's add takes an integer, got ");
            val_describe(md->vt, o->in, why);
            return MODEL_EOP;
        }
        m->code = C_ADD;
        m->a = d;
        return MODEL_OK;
    }
    return model_unknown_f(md, o, why);
}

static bool init_ok(const model *md, sbuf *why)
{
    if (val_is_nil(md->opts.init) || md->opts.init.kind == VAL_INT)
        return true;
    sbuf_adds(why, "a counter's initial value must be an integer");
    return false;
}

static void init(const model *md, mbuf *out)
{
    int64_t c = md->opts.init.kind == VAL_INT ? md->opts.init.n : 0;
    mbuf_add(out, &c, sizeof c);
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    (void)md;
    (void)choice;
    int64_t c;
    memcpy(&c, s.p, sizeof c);
    if (m->code == C_READ) {
        if (m->a.kind != VAL_INT || m->a.n != c)
            return STEP_ILLEGAL;
    } else {
        c = (int64_t)((uint64_t)c + (uint64_t)m->a.n); /* wraps, never traps */
    }
    mbuf_add(next, &c, sizeof c);
    return STEP_LEGAL;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    (void)md;
    int64_t c;
    memcpy(&c, s.p, sizeof c);
    sbuf_printf(out, "%lld", (long long)c);
}

const model_type model_counter = {
    "counter", "counter: add, read", counter_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, NULL, false, NULL,
    NULL,
};
