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
    VEC(hist_event) events; /* all of them, or (compact) those not yet paired */
    VEC(hist_pos) pos;      /* every event's */
    VEC(hist_op) ops;
    val *nodes;             /* per op, once one has a node (hist_op_node) */
    VEC(char *) warnings;
    size_t nevents;         /* pushed, and implied by hist_finish */
    size_t annotations, implied;
    bool independent;
    /* Pairing as events are pushed (hist_compact): it starts once an
     * invocation was seen (so the history is not one of completions only)
     * and an event has a key or a value that is no [key value] pair (so it
     * is not in the independent form); until then events are held. */
    bool compact, eager, seen_invoke, maybe_indep;
    valmap *open;           /* process -> its open op + 1 (0: none) */
    hist_error perr;        /* the first pairing error, once eager */
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
    h->maybe_indep = true;
    return h;
}

void hist_compact(history *h)
{
    h->compact = true;
}

void hist_free(history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->warnings.n; i++)
        free(h->warnings.v[i]);
    free(h->warnings.v);
    free(h->events.v);
    free(h->pos.v);
    free(h->ops.v);
    free(h->nodes);
    valmap_free(h->open);
    vtab_free(h->vt);
    free(h->name);
    free(h);
}

const char *hist_name(const history *h) { return h->name; }
vtab *hist_vtab(history *h) { return h->vt; }
const vtab *hist_cvtab(const history *h) { return h->vt; }
size_t hist_nevents(const history *h) { return h->nevents; }
const hist_pos *hist_positions(const history *h) { return h->pos.v; }
const hist_event *hist_events(const history *h) { return h->compact ? NULL : h->events.v; }
size_t hist_nops(const history *h) { return h->ops.n; }
const hist_op *hist_ops(const history *h) { return h->ops.v; }

val hist_op_node(const history *h, size_t i)
{
    return h->nodes ? h->nodes[i] : val_nil();
}

/* Op i's node is v (ops are numbered as they are added; h->ops.cap is
 * the room for them). */
static void set_node(history *h, size_t i, val v)
{
    if (val_is_nil(v))
        return;
    if (!h->nodes)
        h->nodes = xcalloc(h->ops.cap, sizeof *h->nodes); /* all nil */
    h->nodes[i] = v;
}

/* Add op o, keeping the nodes' room as the ops'. */
static void add_op(history *h, hist_op o, val node)
{
    size_t cap = h->ops.cap;
    VEC_PUSH(h->ops, o);
    if (h->nodes && h->ops.cap != cap) {
        h->nodes = xrealloc(h->nodes, h->ops.cap * sizeof *h->nodes);
        memset(h->nodes + cap, 0, (h->ops.cap - cap) * sizeof *h->nodes);
    }
    set_node(h, h->ops.n - 1, node);
}
bool hist_was_independent(const history *h) { return h->independent; }

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
    return e->process.kind == VAL_STR && val_is_str(h->vt, e->process, "nemesis");
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
    c.annotations = h->annotations;
    c.implied = h->implied;
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
    if (v.kind != VAL_LIST)
        return false;
    size_t n;
    const val *it = val_items(vt, v, &n);
    if (n != 2)
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
    if (e->f.kind == VAL_STR && val_is_str(h->vt, e->f, "cas"))
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
    hist_pos *pv = xmalloc((h->events.n + n) * sizeof *pv);
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
        pv[k] = (hist_pos){e->line, e->col & 0x7fffffffu, 1};
        k++;
    }
    memcpy(v + n, h->events.v, h->events.n * sizeof *v);
    memcpy(pv + n, h->pos.v, h->events.n * sizeof *pv);
    free(h->events.v);
    free(h->pos.v);
    h->events.v = v;
    h->events.n += n;
    h->events.cap = h->events.n;
    h->pos.v = pv;
    h->pos.n = h->pos.cap = h->events.n;
    h->nevents = h->events.n;
    h->implied = n;
    return n;
}

static void complete(history *h, hist_op *o, const hist_event *e, uint32_t i)
{
    set_node(h, (size_t)(o - h->ops.v), e->node);
    o->completed = true;
    o->ret = i;
    o->ret_time = e->time;
    o->status = e->type == EV_OK ? OP_OK : e->type == EV_FAIL ? OP_FAIL : OP_INFO;
    if (e->type == EV_OK)
        o->out = e->value;
    if (e->version != HIST_NONE)
        o->version = e->version;
}

static hist_op op_of(const hist_event *e, uint32_t i)
{
    return (hist_op){
        .process = e->process, .f = e->f, .key = e->key, .has_key = e->has_key,
        .in = e->value, .out = val_nil(), .status = OP_INFO,
        .call = i, .ret = HIST_OPEN, .call_time = e->time,
        .ret_time = HIST_NONE, .version = e->version,
    };
}

/* The line an op was invoked at, for messages. */
static uint32_t call_line(const history *h, const hist_op *o)
{
    return h->pos.v[o->call].line;
}

/* Pair client event e, number i, with the ops so far (h->open). */
static hist_rc pair(history *h, const hist_event *e, uint32_t i, hist_error *err)
{
    uint32_t slot = 0;
    valmap_get(h->open, e->process, &slot);
    if (e->type == EV_INVOKE) {
        if (slot) {
            const hist_op *o = &h->ops.v[slot - 1];
            sbuf pb = {0};
            val_describe(h->vt, e->process, &pb);
            if (val_is_nil(e->process))
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "an op with no process is invoked while the one from line "
                               "%u is still open (the events with no process pair in "
                               "order, one op at a time)",
                               call_line(h, o));
            else
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "process %s invokes while its op from line %u is still open "
                               "(a process runs one op at a time)",
                               sbuf_str(&pb), call_line(h, o));
            sbuf_free(&pb);
            return HIST_EINVALID;
        }
        add_op(h, op_of(e, i), e->node);
        valmap_put(h->open, e->process, (uint32_t)h->ops.n);
        return HIST_OK;
    }
    hist_op *o = slot ? &h->ops.v[slot - 1] : NULL;
    if (o && val_eq(o->f, e->f) && (!e->has_key || (o->has_key && val_eq(o->key, e->key)))) {
        complete(h, o, e, i);
        valmap_put(h->open, e->process, 0);
        return HIST_OK;
    }
    sbuf pb = {0}, a = {0}, b = {0};
    val_describe(h->vt, e->process, &pb);
    if (!o) {
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes (%s) an op it never invoked (only a "
                       "history with no invocation at all is read as completions "
                       "alone)",
                       sbuf_str(&pb), type_name(e->type));
    } else if (!val_eq(o->f, e->f)) {
        val_describe(h->vt, o->f, &a);
        val_describe(h->vt, e->f, &b);
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes %s, but invoked %s at line %u", sbuf_str(&pb),
                       sbuf_str(&b), sbuf_str(&a), call_line(h, o));
    } else {
        val_describe(h->vt, o->key, &a);
        val_describe(h->vt, e->key, &b);
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes on key %s, but invoked on %s at line %u",
                       sbuf_str(&pb), sbuf_str(&b), o->has_key ? sbuf_str(&a) : "no key",
                       call_line(h, o));
    }
    sbuf_free(&pb);
    sbuf_free(&a);
    sbuf_free(&b);
    return HIST_EINVALID;
}

/* Pair the events held so far, and from now on each as it is pushed. A
 * pairing error is kept for hist_finish, which gives it unless reading
 * failed first (a syntax error further on wins, as when every event was
 * read before any was paired). */
static void go_eager(history *h)
{
    h->eager = true;
    h->open = valmap_new();
    for (size_t i = 0; i < h->events.n && !h->perr.rc; i++)
        if (!is_nemesis(h, &h->events.v[i]))
            pair(h, &h->events.v[i], (uint32_t)i, &h->perr);
    free(h->events.v);
    h->events.v = NULL;
    h->events.n = h->events.cap = 0;
}

void hist_push(history *h, const hist_event *ev)
{
    uint32_t i = (uint32_t)h->nevents++;
    VEC_PUSH(h->pos, ((hist_pos){ev->line, ev->col & 0x7fffffffu, ev->implied}));
    bool nemesis = is_nemesis(h, ev);
    h->annotations += nemesis;
    if (h->eager) {
        if (!nemesis && !h->perr.rc)
            pair(h, ev, i, &h->perr);
        return;
    }
    VEC_PUSH(h->events, *ev);
    if (nemesis)
        return;
    h->seen_invoke |= ev->type == EV_INVOKE;
    if (h->maybe_indep && (ev->has_key || !indep_shape(h, ev)))
        h->maybe_indep = false;
    if (h->compact && h->seen_invoke && !h->maybe_indep)
        go_eager(h);
}

hist_rc hist_finish(history *h, hist_independent indep, hist_error *err)
{
    hist_rc rc = HIST_OK;
    if (h->eager) {
        /* Nothing was held that the independent form or completions only
         * could change: every event is paired already. */
        if (h->perr.rc) {
            if (err)
                *err = h->perr;
            rc = h->perr.rc;
        }
        goto out;
    }
    if ((rc = unpack_independent(h, indep, err)))
        goto out;
    size_t implied = imply_invocations(h);
    h->ops.n = 0;
    if (implied) {
        /* Each implied invocation pairs with its own completion. */
        for (size_t i = 0; i < implied; i++)
            add_op(h, op_of(&h->events.v[i], (uint32_t)i), h->events.v[i].node);
        size_t k = 0;
        for (size_t i = implied; i < h->events.n; i++)
            if (!is_nemesis(h, &h->events.v[i]))
                complete(h, &h->ops.v[k++], &h->events.v[i], (uint32_t)i);
        goto out;
    }
    h->open = valmap_new();
    for (size_t i = 0; i < h->events.n && !rc; i++)
        if (!is_nemesis(h, &h->events.v[i]))
            rc = pair(h, &h->events.v[i], (uint32_t)i, err);
out:
    valmap_free(h->open);
    h->open = NULL;
    if (h->compact) {
        free(h->events.v);
        h->events.v = NULL;
        h->events.n = h->events.cap = 0;
    }
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

size_t valmap_peak_bytes(const valmap *m)
{
    size_t table = m->cap * sizeof *m->s;
    return (m->n + 1) * 2 > m->cap ? 3 * table : table;
}

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
