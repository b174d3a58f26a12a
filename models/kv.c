/*
 * kv.c - a key-value store: one register per key, with get, put, append
 * and cas (Porcupine's kv model, plus cas). Parts are keys.
 *
 * State encoding, canonical so equal values have equal bytes:
 *   'S' + the string's bytes        a string (appends concatenate)
 *   'L' + 16-byte vals              a list (appends add one item)
 *   'V' + one 16-byte val           anything else (nil, numbers, ...)
 * A read's value is encoded the same way and compared bytewise. Each key
 * starts at its own initial value (model_key_init: a map as --init names
 * the keys'); the checker gives each part its key's (model_for_part).
 *   get -> v      legal iff the value is v (nil as in register.c)
 *   put v         the value becomes v
 *   append x      string + string, or list + [x]; on nil, starts one;
 *                 illegal on anything else
 *   cas [o n]     legal iff the value is o; it becomes n
 */
#include <string.h>

#include "model.h"

enum { KV_GET, KV_PUT, KV_APPEND, KV_CAS };

static const char *const kv_fs[] = {"get", "put", "append", "cas", "read", "write", NULL};

static void encode(const vtab *vt, val v, mbuf *out)
{
    if (v.kind == VAL_STR) {
        size_t n;
        const char *s = val_str_bytes(vt, v, &n);
        mbuf_add(out, "S", 1);
        mbuf_add(out, s, n);
    } else if (v.kind == VAL_LIST) {
        size_t n;
        const val *it = val_items(vt, v, &n);
        mbuf_add(out, "L", 1);
        mbuf_add(out, it, n * sizeof *it);
    } else {
        mbuf_add(out, "V", 1);
        mbuf_add(out, &v, sizeof v);
    }
}

/* Does state s hold exactly the value v? */
static bool holds(const vtab *vt, mstate s, val v)
{
    if (v.kind == VAL_STR) {
        size_t n;
        const char *p = val_str_bytes(vt, v, &n);
        return s.n == n + 1 && s.p[0] == 'S' && (n == 0 || memcmp(s.p + 1, p, n) == 0);
    }
    if (v.kind == VAL_LIST) {
        size_t n;
        const val *it = val_items(vt, v, &n);
        return s.n == 1 + n * sizeof *it && s.p[0] == 'L' &&
               (n == 0 || memcmp(s.p + 1, it, n * sizeof *it) == 0);
    }
    return s.n == 1 + sizeof v && s.p[0] == 'V' && val_eq(mstate_val(s.p + 1), v);
}

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    (void)vt;
    if (model_f_is(md, o, "get") || model_f_is(md, o, "read")) {
        if (model_read_says_nothing(md, o, m))
            return MODEL_SKIP;
        m->code = KV_GET;
        m->a = o->out;
    } else if (model_f_is(md, o, "put") || model_f_is(md, o, "write")) {
        m->code = KV_PUT;
        m->a = o->in;
    } else if (model_f_is(md, o, "append")) {
        m->code = KV_APPEND;
        m->a = o->in;
    } else if (model_f_is(md, o, "cas")) {
        size_t n;
        const val *it = val_items(md->vt, o->in, &n);
        if (o->in.kind != VAL_LIST || n != 2) {
            sbuf_adds(why, "cas expects its value to be [old new], got ");
            val_describe(md->vt, o->in, why);
            return MODEL_EOP;
        }
        m->code = KV_CAS;
        m->a = it[0];
        m->b = it[1];
    } else {
        return model_unknown_f(md, o, why);
    }
    return MODEL_OK;
}

static void init(const model *md, mbuf *out)
{
    encode(md->vt, md->opts.init, out);
}

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    (void)choice;
    switch (m->code) {
    case KV_GET:
        if (!holds(md->vt, s, m->a))
            return STEP_ILLEGAL;
        mbuf_add(next, s.p, s.n);
        return STEP_LEGAL;
    case KV_PUT:
        encode(md->vt, m->a, next);
        return STEP_LEGAL;
    case KV_CAS:
        if (!holds(md->vt, s, m->a))
            return STEP_ILLEGAL;
        encode(md->vt, m->b, next);
        return STEP_LEGAL;
    default: /* append */
        if (s.p[0] == 'V' && val_is_nil(mstate_val(s.p + 1))) {
            if (m->a.kind == VAL_STR) {
                encode(md->vt, m->a, next);
            } else {
                mbuf_add(next, "L", 1);
                mbuf_add(next, &m->a, sizeof m->a);
            }
            return STEP_LEGAL;
        }
        if (s.p[0] == 'S' && m->a.kind == VAL_STR) {
            size_t n;
            const char *p = val_str_bytes(md->vt, m->a, &n);
            mbuf_add(next, s.p, s.n);
            mbuf_add(next, p, n);
            return STEP_LEGAL;
        }
        if (s.p[0] == 'L') {
            mbuf_add(next, s.p, s.n);
            mbuf_add(next, &m->a, sizeof m->a);
            return STEP_LEGAL;
        }
        return STEP_ILLEGAL;
    }
}

/* With appends, a value put can be seen inside a later read ("x", then
 * "xy"), so a part with an append keeps its puts and cas. Of its crashed
 * appends, one of an item that is not a string and that no read or cas
 * shows in a list is left out: had it taken effect, every state after it
 * would hold the item until a put or cas replaced the list, and no read or
 * cas met such a state (a cas needs its old list); so leaving it out
 * changes no other op's legality or result, and a crashed op may never take
 * effect anyway. (A string may join a string: never left out.) */
static void prune(const model *md, const mop *ops, size_t n, bool *drop)
{
    bool appends = false;
    for (size_t i = 0; i < n && !appends; i++)
        appends = ops[i].code == KV_APPEND;
    if (!appends) {
        model_prune_unread(ops, n, drop, KV_GET, KV_PUT, KV_CAS);
        return;
    }
    valmap *seen = valmap_new();
    for (size_t i = 0; i < n; i++) {
        if ((ops[i].code != KV_GET && ops[i].code != KV_CAS) || ops[i].a.kind != VAL_LIST)
            continue;
        size_t k;
        const val *it = val_items(md->vt, ops[i].a, &k);
        for (size_t j = 0; j < k; j++)
            valmap_put(seen, it[j], 1);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t x;
        if (ops[i].code == KV_APPEND && (ops[i].flags & MOP_UNKNOWN_OUT) &&
            ops[i].a.kind != VAL_STR && !valmap_get(seen, ops[i].a, &x))
            drop[i] = true;
    }
    valmap_free(seen);
}

/* A string append concatenates (MV_CONCAT): only appends of other values
 * are list appends (MV_APPEND). */
static model_vop vop(const model *md, const mop *m)
{
    (void)md;
    switch (m->code) {
    case KV_GET: return MV_READ;
    case KV_PUT: return MV_WRITE;
    case KV_CAS: return MV_CAS;
    default: return m->a.kind == VAL_STR ? MV_CONCAT : MV_APPEND;
    }
}

static void describe(const model *md, mstate s, sbuf *out)
{
    if (s.p[0] == 'S') {
        sbuf_add_json_str(out, (const char *)s.p + 1, s.n - 1 > 60 ? 60 : s.n - 1);
        if (s.n - 1 > 60)
            sbuf_adds(out, "...");
    } else if (s.p[0] == 'L') {
        size_t n = (s.n - 1) / sizeof(val);
        sbuf_addc(out, '[');
        for (size_t i = 0; i < n && i < 16; i++) {
            if (i)
                sbuf_adds(out, ", ");
            val_describe(md->vt, mstate_val(s.p + 1 + i * sizeof(val)), out);
        }
        sbuf_adds(out, n > 16 ? ", ...]" : "]");
    } else {
        val_describe(md->vt, mstate_val(s.p + 1), out);
    }
}

const model_type model_kv = {
    "kv", "key-value store: get/put/append/cas, a register per key", kv_fs, compile, init, step,
    model_hash_bytes, model_equal_bytes, describe, NULL, prune, NULL, true, vop,
    model_access_vop,
};
