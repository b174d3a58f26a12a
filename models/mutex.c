/*
 * mutex.c - a lock: acquire (lock) when free, release (unlock) when held.
 *
 * State: one byte, 0 free, 1 held. An initial value of true starts it held.
 */
#include "model.h"

enum { M_ACQUIRE, M_RELEASE };

static const char *const mutex_fs[] = {"acquire", "release", "lock", "unlock", NULL};

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    (void)vt;
    if (model_f_is(md, o, "acquire") || model_f_is(md, o, "lock"))
        m->code = M_ACQUIRE;
    else if (model_f_is(md, o, "release") || model_f_is(md, o, "unlock"))
        m->code = M_RELEASE;
    else
        return model_unknown_f(md, o, why);
    return MODEL_OK;
}

static bool init_ok(const model *md, sbuf *why)
{
    if (val_is_nil(md->opts.init) || md->opts.init.kind == VAL_BOOL)
        return true;
    sbuf_adds(why, "a mutex's initial value must be true (held) or false (free)");
    return false;
}

static void init(const model *md, mbuf *out)
{
    uint8_t held = md->opts.init.kind == VAL_BOOL && md->opts.init.n;
    mbuf_add(out, &held, 1);
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    (void)md;
    (void)choice;
    uint8_t held = s.p[0];
    if (m->code == M_ACQUIRE ? held : !held)
        return STEP_ILLEGAL;
    held = !held;
    mbuf_add(next, &held, 1);
    return STEP_LEGAL;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    (void)md;
    sbuf_adds(out, s.p[0] ? "held" : "free");
}

const model_type model_mutex = {
    "mutex", "lock: acquire, release", mutex_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, NULL, false, NULL,
    NULL,
};
