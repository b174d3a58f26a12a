/*
 * queue.c - queues: first-in-first-out, and unordered (a multiset).
 *
 * Ops: enqueue x; dequeue -> x; drain -> [x ...] (takes everything).
 * State: the queued vals, 16 bytes each: in order for the fifo queue,
 * sorted by val_raw_cmp for the unordered one, so equal multisets have
 * equal bytes.
 *
 * A dequeue returning nil found the queue empty ("absent"), or returned
 * something unseen ("unknown", and every crashed dequeue): then it removed
 * the head if there was one (fifo), or one of the members, any of them
 * (unordered: one outcome per distinct member, see STEP_MORE).
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "model.h"

enum { Q_ENQ, Q_DEQ, Q_DRAIN };

static const char *const q_fs[] = {"enqueue", "dequeue", "drain", NULL};

extern const model_type model_unordered_queue;

static bool unordered(const model *md) { return md->type == &model_unordered_queue; }

static model_rc compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    if (model_f_is(md, o, "enqueue")) {
        m->code = Q_ENQ;
        m->a = o->in;
        return MODEL_OK;
    }
    bool drain = model_f_is(md, o, "drain");
    if (!drain && !model_f_is(md, o, "dequeue"))
        return model_unknown_f(md, o, why);
    m->code = drain ? Q_DRAIN : Q_DEQ;
    if (val_is_nil(o->out) && md->opts.nil == NIL_UNKNOWN)
        m->flags |= MOP_UNKNOWN_OUT;
    if (m->flags & MOP_UNKNOWN_OUT)
        return MODEL_OK;
    m->a = o->out;
    if (!drain)
        return MODEL_OK;
    if (!val_is_nil(o->out) && o->out.kind != VAL_LIST) {
        sbuf_adds(why, "drain must return a list, got ");
        val_describe(md->vt, o->out, why);
        return MODEL_EOP;
    }
    if (unordered(md)) {
        size_t n;
        val *s = model_sorted_items(md->vt, o->out, false, &n);
        m->a = val_list(vt, s, n);
        free(s);
    }
    return MODEL_OK;
}

static bool init_ok(const model *md, sbuf *why)
{
    if (val_is_nil(md->opts.init) || md->opts.init.kind == VAL_LIST)
        return true;
    sbuf_adds(why, "a queue's initial value must be a list");
    return false;
}

static void init(const model *md, mbuf *out)
{
    size_t n;
    if (!unordered(md)) {
        const val *it = val_items(md->vt, md->opts.init, &n);
        mbuf_add(out, it, n * sizeof *it);
        return;
    }
    val *s = model_sorted_items(md->vt, md->opts.init, false, &n);
    mbuf_add(out, s, n * sizeof *s);
    free(s);
}

static val at(mstate s, size_t i) { return mstate_val(s.p + i * sizeof(val)); }

static step_rc step(const model *md, mstate s, const mop *m, unsigned choice, mbuf *next)
{
    size_t n = s.n / sizeof(val);
    if (m->code == Q_ENQ) {
        size_t i = n;
        if (unordered(md))
            for (i = 0; i < n && val_raw_cmp(at(s, i), m->a) <= 0; i++)
                ;
        mbuf_add(next, s.p, i * sizeof(val));
        mbuf_add(next, &m->a, sizeof m->a);
        mbuf_add(next, s.p + i * sizeof(val), s.n - i * sizeof(val));
        return STEP_LEGAL;
    }
    if (m->code == Q_DRAIN) {
        if (!(m->flags & MOP_UNKNOWN_OUT)) {
            size_t k;
            const val *it = val_items(md->vt, m->a, &k);
            if (k != n || (n && memcmp(it, s.p, s.n)))
                return STEP_ILLEGAL;
        }
        return STEP_LEGAL; /* empty */
    }
    if (m->flags & MOP_UNKNOWN_OUT) {
        if (n == 0)
            return choice == 0 ? STEP_LEGAL : STEP_ILLEGAL;
        if (!unordered(md)) {
            if (choice)
                return STEP_ILLEGAL;
            mbuf_add(next, s.p + sizeof(val), s.n - sizeof(val));
            return STEP_LEGAL;
        }
        /* Outcome c removes the c-th distinct member. */
        size_t i = 0;
        for (unsigned c = 0; c < choice && i < n; c++) {
            val v = at(s, i);
            while (i < n && val_eq(at(s, i), v))
                i++;
        }
        if (i >= n)
            return STEP_ILLEGAL;
        size_t j = i;
        val v = at(s, i);
        while (j < n && val_eq(at(s, j), v))
            j++;
        mbuf_add(next, s.p, i * sizeof(val));
        mbuf_add(next, s.p + (i + 1) * sizeof(val), s.n - (i + 1) * sizeof(val));
        return j < n ? STEP_MORE : STEP_LEGAL;
    }
    if (choice)
        return STEP_ILLEGAL;
    if (val_is_nil(m->a)) /* found it empty */
        return n == 0 ? STEP_LEGAL : STEP_ILLEGAL;
    size_t i = 0;
    if (unordered(md)) {
        while (i < n && !val_eq(at(s, i), m->a))
            i++;
    }
    if (i >= n || !val_eq(at(s, i), m->a))
        return STEP_ILLEGAL;
    mbuf_add(next, s.p, i * sizeof(val));
    mbuf_add(next, s.p + (i + 1) * sizeof(val), s.n - (i + 1) * sizeof(val));
    return STEP_LEGAL;
}

static void describe(const model *md, mstate s, sbuf *out)
{
    size_t n = s.n / sizeof(val);
    sbuf_addc(out, '[');
    for (size_t i = 0; i < n && i < 16; i++) {
        if (i)
            sbuf_adds(out, ", ");
        val_describe(md->vt, at(s, i), out);
    }
    sbuf_adds(out, n > 16 ? ", ...]" : "]");
}

const model_type model_fifo_queue = {
    "fifo-queue", "first-in-first-out queue: enqueue, dequeue, drain", q_fs, compile, init,
    step, model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, NULL, false, NULL,
    NULL,
};

const model_type model_unordered_queue = {
    "unordered-queue", "queue in no order (a multiset): enqueue, dequeue, drain", q_fs, compile,
    init, step, model_hash_bytes, model_equal_bytes, describe, init_ok, NULL, NULL, false, NULL,
    NULL,
};
