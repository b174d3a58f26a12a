/*
 * history.c - events, pairing into ops, and the val -> u32 map (history.h).
 */
#include "history.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/mem.h"

struct history {
    char *name;
    vtab *vt;
    VEC(hist_event) events;
    VEC(hist_op) ops;
    VEC(char *) warnings;
    bool independent;
};

void hist_error_set(hist_error *e, hist_rc rc, const char *file, uint32_t line,
                    uint32_t col, const char *fmt, ...)
{
    if (!e)
        return;
    e->rc = rc;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void hist_error_format(const hist_error *e, sbuf *out)
{
    if (e->file[0]) {
        sbuf_add_printable(out, e->file, strlen(e->file));
        sbuf_addc(out, ':');
    }
    if (e->line)
        sbuf_printf(out, "%u:", e->line);
    if (e->line && e->col)
        sbuf_printf(out, "%u:", e->col);
    sbuf_printf(out, "%s%s", out->len ? " " : "", e->msg);
}

history *hist_new(const char *name)
{
    history *h = xcalloc(1, sizeof *h);
    h->name = xstrdup(name ? name : "-");
    h->vt = vtab_new();
    return h;
}

void hist_free(history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->warnings.n; i++)
        free(h->warnings.v[i]);
    free(h->warnings.v);
    free(h->events.v);
    free(h->ops.v);
    vtab_free(h->vt);
    free(h->name);
    free(h);
}

const char *hist_name(const history *h) { return h->name; }
vtab *hist_vtab(history *h) { return h->vt; }
const vtab *hist_cvtab(const history *h) { return h->vt; }
size_t hist_nevents(const history *h) { return h->events.n; }
const hist_event *hist_events(const history *h) { return h->events.v; }
size_t hist_nops(const history *h) { return h->ops.n; }
const hist_op *hist_ops(const history *h) { return h->ops.v; }
bool hist_was_independent(const history *h) { return h->independent; }

void hist_push(history *h, const hist_event *ev)
{
    VEC_PUSH(h->events, *ev);
}

void hist_warn(history *h, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    VEC_PUSH(h->warnings, b.p ? b.p : xstrdup(""));
}

size_t hist_nwarnings(const history *h) { return h->warnings.n; }
const char *hist_warning(const history *h, size_t i) { return h->warnings.v[i]; }

static bool is_nemesis(const history *h, const hist_event *e)
{
    return val_is_str(h->vt, e->process, "nemesis");
}

hist_counts hist_count(const history *h)
{
    hist_counts c = {0};
    for (size_t i = 0; i < h->ops.n; i++) {
        const hist_op *o = &h->ops.v[i];
        if (o->status == OP_OK)
            c.ok++;
        else if (o->status == OP_FAIL)
            c.fail++;
        else
            c.info++;
        if (!o->completed)
            c.open++;
    }
    for (size_t i = 0; i < h->events.n; i++) {
        if (is_nemesis(h, &h->events.v[i]))
            c.annotations++;
        c.implied += h->events.v[i].implied;
    }
    return c;
}

static const char *type_name(hist_type t)
{
    static const char *names[] = {"invoke", "ok", "fail", "info"};
    return names[t];
}

/* A [key value] pair whose key is a scalar, as Jepsen's independent
 * workloads write every value. */
static bool is_pair(const vtab *vt, val v, val *k, val *x)
{
    size_t n;
    const val *it = val_items(vt, v, &n);
    if (v.kind != VAL_LIST || n != 2)
        return false;
    if (it[0].kind != VAL_INT && it[0].kind != VAL_STR)
        return false;
    if (k)
        *k = it[0];
    if (x)
        *x = it[1];
    return true;
}

/* Does this event's value have the independent shape? Values of failed or
 * crashed completions are not looked at (Jepsen writes its error there). */
static bool indep_shape(const history *h, const hist_event *e)
{
    if (e->type == EV_FAIL || e->type == EV_INFO)
        return true;
    val x;
    if (!is_pair(h->vt, e->value, NULL, &x))
        return false;
    if (val_is_str(h->vt, e->f, "cas"))
        return x.kind == VAL_LIST;
    return true;
}

static hist_rc unpack_independent(history *h, hist_independent mode, hist_error *err)
{
    if (mode == HIST_INDEP_NO)
        return HIST_OK;
    size_t client = 0;
    for (size_t i = 0; i < h->events.n; i++) {
        hist_event *e = &h->events.v[i];
        if (is_nemesis(h, e))
            continue;
        client++;
        if (e->has_key || !indep_shape(h, e)) {
            if (mode == HIST_INDEP_AUTO)
                return HIST_OK;
            hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                           "expected an independent [key value] pair as the value%s",
                           e->has_key ? " (and no \"key\")" : "");
            return err->rc;
        }
    }
    if (client == 0)
        return HIST_OK;
    /* An invocation and its completion share the key: a crashed or failed
     * completion, whose value is not a pair, takes its invocation's key. */
    valmap *open = valmap_new();
    for (size_t i = 0; i < h->events.n; i++) {
        hist_event *e = &h->events.v[i];
        if (is_nemesis(h, e))
            continue;
        val k, x;
        if (is_pair(h->vt, e->value, &k, &x)) {
            e->key = k;
            e->value = x;
            e->has_key = true;
        }
        uint32_t inv;
        if (e->type == EV_INVOKE) {
            valmap_put(open, e->process, (uint32_t)i);
        } else if (!e->has_key && valmap_get(open, e->process, &inv)) {
            e->key = h->events.v[inv].key;
            e->has_key = true;
        }
    }
    valmap_free(open);
    h->independent = true;
    return HIST_OK;
}

/* A history of completions only gets an implied invocation before every
 * event for each completion, in their order (history.h); returns how many. */
static size_t imply_invocations(history *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->events.n; i++) {
        const hist_event *e = &h->events.v[i];
        if (is_nemesis(h, e))
            continue;
        if (e->type == EV_INVOKE)
            return 0;
        n++;
    }
    if (!n)
        return 0;
    hist_event *v = xmalloc((h->events.n + n) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < h->events.n; i++) {
        const hist_event *e = &h->events.v[i];
        if (is_nemesis(h, e))
            continue;
        v[k] = *e;
        v[k].type = EV_INVOKE;
        v[k].implied = true;
        v[k].time = v[k].version = HIST_NONE;
        v[k].node = v[k].error = val_nil();
        k++;
    }
    memcpy(v + n, h->events.v, h->events.n * sizeof *v);
    free(h->events.v);
    h->events.v = v;
    h->events.n += n;
    h->events.cap = h->events.n;
    return n;
}

static void complete(hist_op *o, const hist_event *e, uint32_t i)
{
    o->completed = true;
    o->ret = i;
    o->ret_time = e->time;
    o->status = e->type == EV_OK ? OP_OK : e->type == EV_FAIL ? OP_FAIL : OP_INFO;
    if (e->type == EV_OK)
        o->out = e->value;
    if (e->version != HIST_NONE)
        o->version = e->version;
    if (!val_is_nil(e->node))
        o->node = e->node;
}

static hist_op op_of(const hist_event *e, uint32_t i)
{
    return (hist_op){
        .process = e->process, .f = e->f, .key = e->key, .has_key = e->has_key,
        .in = e->value, .out = val_nil(), .node = e->node, .status = OP_INFO,
        .call = i, .ret = HIST_OPEN, .call_time = e->time,
        .ret_time = HIST_NONE, .version = e->version,
    };
}

hist_rc hist_finish(history *h, hist_independent indep, hist_error *err)
{
    hist_rc rc = unpack_independent(h, indep, err);
    if (rc)
        return rc;
    size_t implied = imply_invocations(h);
    if (implied) {
        /* Each implied invocation pairs with its own completion. */
        h->ops.n = 0;
        for (size_t i = 0; i < implied; i++)
            VEC_PUSH(h->ops, op_of(&h->events.v[i], (uint32_t)i));
        size_t k = 0;
        for (size_t i = implied; i < h->events.n; i++)
            if (!is_nemesis(h, &h->events.v[i]))
                complete(&h->ops.v[k++], &h->events.v[i], (uint32_t)i);
        return HIST_OK;
    }
    /* process -> index of its open op, + 1 (0: none open) */
    valmap *open = valmap_new();
    h->ops.n = 0;
    for (size_t i = 0; i < h->events.n; i++) {
        const hist_event *e = &h->events.v[i];
        if (is_nemesis(h, e))
            continue;
        uint32_t slot = 0;
        valmap_get(open, e->process, &slot);
        sbuf pb = {0};
        val_describe(h->vt, e->process, &pb);
        if (e->type == EV_INVOKE) {
            if (slot) {
                const hist_op *o = &h->ops.v[slot - 1];
                if (val_is_nil(e->process))
                    hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                                   "an op with no process is invoked while the one from line "
                                   "%u is still open (the events with no process pair in "
                                   "order, one op at a time)",
                                   h->events.v[o->call].line);
                else
                    hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                                   "process %s invokes while its op from line %u is still open "
                                   "(a process runs one op at a time)",
                                   sbuf_str(&pb), h->events.v[o->call].line);
                rc = err->rc;
                sbuf_free(&pb);
                goto out;
            }
            VEC_PUSH(h->ops, op_of(e, (uint32_t)i));
            valmap_put(open, e->process, (uint32_t)h->ops.n);
        } else {
            if (!slot) {
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "process %s completes (%s) an op it never invoked (only a "
                               "history with no invocation at all is read as completions "
                               "alone)",
                               sbuf_str(&pb), type_name(e->type));
                rc = err->rc;
                sbuf_free(&pb);
                goto out;
            }
            hist_op *o = &h->ops.v[slot - 1];
            if (!val_eq(o->f, e->f)) {
                sbuf a = {0}, b = {0};
                val_describe(h->vt, o->f, &a);
                val_describe(h->vt, e->f, &b);
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "process %s completes %s, but invoked %s at line %u",
                               sbuf_str(&pb), sbuf_str(&b), sbuf_str(&a),
                               h->events.v[o->call].line);
                sbuf_free(&a);
                sbuf_free(&b);
                rc = err->rc;
                sbuf_free(&pb);
                goto out;
            }
            if (e->has_key && (!o->has_key || !val_eq(o->key, e->key))) {
                sbuf a = {0}, b = {0};
                val_describe(h->vt, o->key, &a);
                val_describe(h->vt, e->key, &b);
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "process %s completes on key %s, but invoked on %s at line %u",
                               sbuf_str(&pb), sbuf_str(&b), o->has_key ? sbuf_str(&a) : "no key",
                               h->events.v[o->call].line);
                sbuf_free(&a);
                sbuf_free(&b);
                rc = err->rc;
                sbuf_free(&pb);
                goto out;
            }
            complete(o, e, (uint32_t)i);
            valmap_put(open, e->process, 0);
        }
        sbuf_free(&pb);
    }
out:
    valmap_free(open);
    return rc;
}

/* ---- valmap: open addressing, linear probing, load at most 1/2 ---- */

typedef struct vslot {
    val k;
    uint32_t x;
    uint32_t used;
} vslot;

struct valmap {
    vslot *s;
    size_t cap, n;
};

valmap *valmap_new(void)
{
    valmap *m = xcalloc(1, sizeof *m);
    m->cap = 64;
    m->s = xcalloc(m->cap, sizeof *m->s);
    return m;
}

void valmap_free(valmap *m)
{
    if (!m)
        return;
    free(m->s);
    free(m);
}

size_t valmap_size(const valmap *m) { return m->n; }

static vslot *find(const valmap *m, val v)
{
    size_t mask = m->cap - 1;
    size_t j = val_hash(v) & mask;
    while (m->s[j].used && !val_eq(m->s[j].k, v))
        j = (j + 1) & mask;
    return &m->s[j];
}

bool valmap_get(const valmap *m, val v, uint32_t *out)
{
    const vslot *s = find(m, v);
    if (!s->used)
        return false;
    *out = s->x;
    return true;
}

void valmap_put(valmap *m, val v, uint32_t x)
{
    vslot *s = find(m, v);
    if (s->used) {
        s->x = x;
        return;
    }
    *s = (vslot){v, x, 1};
    if (++m->n * 2 > m->cap) {
        vslot *old = m->s;
        size_t oc = m->cap;
        m->cap *= 2;
        m->s = xcalloc(m->cap, sizeof *m->s);
        for (size_t i = 0; i < oc; i++)
            if (old[i].used)
                *find(m, old[i].k) = old[i];
        free(old);
    }
}
