/*
 * set.c - a grow-only set: add x, and read of the whole set.
 *
 * State: the members, sorted by val_raw_cmp, without repeats (16 bytes
 * each). A read's result is put in the same order when the op is compiled,
 * so a read is legal iff its bytes equal the state's.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "model.h"

enum { S_ADD, S_READ };

static const char *const set_fs[] = {"add", "read", NULL};

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    if (model_f_is(md, o, "add")) {
        m->code = S_ADD;
        m->a = o->in;
        return MODEL_OK;
    }
    if (!model_f_is(md, o, "read"))
        return model_unknown_f(md, o, why);
    if (model_read_says_nothing(md, o, m))
        return MODEL_SKIP;
    if (!val_is_nil(o->out) && o->out.kind != VAL_LIST) {
        sbuf_adds(why, "a set's read must return a list of members, got ");
        val_describe(md->vt, o->out, why);
        return MODEL_EOP;
    }
    size_t k;
    val *s = model_sorted_items(md->vt, o->out, true, &k);
    m->code = S_READ;
    m->a = val_list(vt, s, k);
    free(s);
    return MODEL_OK;
}

static bool init_ok(const model *md, sbuf *why)
{
    if (val_is_nil(md->opts.init) || md->opts.init.kind == VAL_LIST)
        return true;
    sbuf_adds(why, "a set's initial value must be a list of members");
    return false;
}

static void init(const model *md, mbuf *out)
{
    size_t n;
    val *s = model_sorted_items(md->vt, md->opts.init, true, &n);
    mbuf_add(out, s, n * sizeof *s);
    free(s);
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    (void)choice;
    size_t n = s.n / sizeof(val);
    if (m->code == S_READ) {
        size_t k;
        const val *it = val_items(md->vt, m->a, &k);
        if (k != n || (n && memcmp(it, s.p, s.n)))
            return STEP_ILLEGAL;
        mbuf_add(next, s.p, s.n);
        return STEP_LEGAL;
    }
    size_t i = 0;
    while (i < n && val_raw_cmp(mstate_val(s.p + i * sizeof(val)), m->a) < 0)
        i++;
    mbuf_add(next, s.p, i * sizeof(val));
    if (i == n || !val_eq(mstate_val(s.p + i * sizeof(val)), m->a))
        mbuf_add(next, &m->a, sizeof m->a);
    mbuf_add(next, s.p + i * sizeof(val), s.n - i * sizeof(val));
    return STEP_LEGAL;
}

static model_vop vop(const model *md, const mop *m)
{
    (void)md;
    return m->code == S_ADD ? MV_ADD : MV_READ;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    size_t n = s.n / sizeof(val);
    sbuf_adds(out, "#{");
    for (size_t i = 0; i < n && i < 16; i++) {
        if (i)
            sbuf_adds(out, " ");
        val_describe(md->vt, mstate_val(s.p + i * sizeof(val)), out);
    }
    sbuf_adds(out, n > 16 ? " ...}" : "}");
}

const model_type model_set = {
    "set", "grow-only set: add, read of all members", set_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, NULL, false, vop,
    NULL,
};
