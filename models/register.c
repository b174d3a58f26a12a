/*
 * register.c - a read/write register, and one with compare-and-set.
 *
 * State: the current value, one 16-byte val.
 *   read  -> v   legal iff the state is v ("absent": a nil read is legal
 *                only while the register is nil; "unknown": a nil read says
 *                nothing and is left out);
 *   write v      always legal; the state becomes v;
 *   cas [o n]    (cas-register) legal iff the state is o; it becomes n.
 * A crashed (info) read says nothing and is left out; a crashed write or
 * cas may take effect, so it stays (the checker need not linearize it).
 */
#include "model.h"

enum { R_READ, R_WRITE, R_CAS };

static const char *const reg_fs[] = {"read", "write", NULL};
static const char *const cas_fs[] = {"read", "write", "cas", NULL};

extern const model_type model_cas_register;

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    (void)vt;
    if (model_f_is(md, o, "read")) {
        if (model_read_says_nothing(md, o, m))
            return MODEL_SKIP;
        m->code = R_READ;
        m->a = o->out;
        return MODEL_OK;
    }
    if (model_f_is(md, o, "write")) {
        m->code = R_WRITE;
        m->a = o->in;
        return MODEL_OK;
    }
    if (md->type == &model_cas_register && model_f_is(md, o, "cas")) {
        size_t n;
        const val *it = val_items(md->vt, o->in, &n);
        if (o->in.kind != VAL_LIST || n != 2) {
            sbuf_adds(why, "cas expects its value to be [old new], got ");
            val_describe(md->vt, o->in, why);
            return MODEL_EOP;
        }
        m->code = R_CAS;
        m->a = it[0];
        m->b = it[1];
        return MODEL_OK;
    }
    return model_unknown_f(md, o, why);
}

static void init(const model *md, mbuf *out)
{
    mbuf_add(out, &md->opts.init, sizeof(val));
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    (void)md;
    (void)choice;
    val cur = mstate_val(s.p);
    switch (m->code) {
    case R_READ:
        if (!val_eq(cur, m->a))
            return STEP_ILLEGAL;
        mbuf_add(next, &cur, sizeof cur);
        return STEP_LEGAL;
    case R_WRITE:
        mbuf_add(next, &m->a, sizeof m->a);
        return STEP_LEGAL;
    default:
        if (!val_eq(cur, m->a))
            return STEP_ILLEGAL;
        mbuf_add(next, &m->b, sizeof m->b);
        return STEP_LEGAL;
    }
}

static void prune(const model *md, const mop *ops, size_t n, bool *drop)
{
    (void)md;
    model_prune_unread(ops, n, drop, R_READ, R_WRITE, R_CAS);
}

static model_vop vop(const model *md, const mop *m)
{
    (void)md;
    return m->code == R_READ ? MV_READ : m->code == R_WRITE ? MV_WRITE : MV_CAS;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    val_describe(md->vt, mstate_val(s.p), out);
}

const model_type model_register = {
    "register", "read/write register", reg_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, NULL, prune, NULL, false, vop,
    model_access_vop,
};

const model_type model_cas_register = {
    "cas-register", "read/write/compare-and-set register", cas_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, NULL, prune, NULL, false, vop,
    model_access_vop,
};
