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
#include "shard.h"

struct history {
    char *name;
    vtab *vt;
    VEC(hist_event) events; /* all of them, or (compact) those not yet paired */
    VEC(hist_pos) pos;      /* every event's */
    VEC(hist_op) ops;
    VEC(hist_note) notes;   /* the nemesis's events, kept in every mode */
    val *nodes;             /* per op, once one has a node (hist_op_node) */
    VEC(char *) warnings;
    size_t nevents;         /* pushed, and implied by hist_finish */
    size_t annotations, implied;
    int64_t first_time;     /* the earliest time an event has (HIST_NONE: none) */
    bool independent;
    uint64_t fingerprint;   /* of the input's bytes (shard.h) */
    /* Pairing as events are pushed (hist_compact): it starts once an
     * invocation was seen (so the history is not one of completions only)
     * and an event has a key or a value that is no [key value] pair (so it
     * is not in the independent form); until then events are held. */
    bool compact, eager, seen_invoke, maybe_indep;
    valmap *open;           /* process -> its open op + 1 (0: none), or DROPPED | its
                             * place in dropped */
    hist_error perr;        /* the first pairing error, once eager */
    /* A shard (hist_set_shard): ops of other shards are dropped as they
     * pair; what the model's inference needs of them is kept (fs,
     * first_read). */
    hist_shard shard;
    VEC(struct opened) dropped; /* their open ops; free ones chained through call */
    uint32_t free_dropped;      /* the first free one, or DROPPED: none */
    valmap *key_shard;          /* key -> its shard, for the first keys seen */
    VEC(val) fs;                /* every op's f, in the order first seen */
    val first_read;             /* the first ok read's result (by invocation) */
    uint32_t first_read_call;   /* its invocation, UINT32_MAX: none */
};

/* Keys whose shard is remembered: beyond, it is computed again each time. */
#define KEY_SHARDS_KEPT 65536

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
    h->free_dropped = 0x80000000u;
    h->first_read_call = UINT32_MAX;
    h->first_time = HIST_NONE;
    return h;
}

void hist_set_shard(history *h, uint32_t index, uint32_t count)
{
    h->shard.index = index;
    h->shard.count = count;
    h->key_shard = valmap_new();
}

const hist_shard *hist_shard_of(const history *h) { return &h->shard; }

void hist_set_fingerprint(history *h, uint64_t fp) { h->fingerprint = fp; }
uint64_t hist_fingerprint(const history *h) { return h->fingerprint; }

void hist_note_shard(history *h, const hist_shard_note *n)
{
    h->shard.noted = true;
    h->shard.note_index = n->index;
    h->shard.note_count = n->count;
    h->shard.whole = n->whole;
    h->shard.events = n->events;
    free(h->shard.file);
    h->shard.file = xstrdup(n->file);
    h->fs.n = 0;
    for (size_t i = 0; i < n->nfs; i++)
        VEC_PUSH(h->fs, n->fs[i]);
    h->first_read_call = n->reads ? 0 : UINT32_MAX;
    h->first_read = n->reads == 1 ? val_list(h->vt, NULL, 0) : val_nil();
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
    free(h->notes.v);
    free(h->nodes);
    free(h->dropped.v);
    free(h->fs.v);
    free(h->shard.file);
    valmap_free(h->key_shard);
    valmap_free(h->open);
    vtab_free(h->vt);
    free(h->name);
    free(h);
}

const char *hist_name(const history *h) { return h->name; }
vtab *hist_vtab(history *h) { return h->vt; }
const vtab *hist_cvtab(const history *h) { return h->vt; }
size_t hist_nevents(const history *h) { return h->nevents; }

size_t hist_bytes(const history *h)
{
    return h->ops.cap * sizeof *h->ops.v + h->pos.cap * sizeof *h->pos.v +
           h->events.cap * sizeof *h->events.v + h->notes.cap * sizeof *h->notes.v +
           (h->nodes ? h->ops.cap * sizeof(val) : 0) +
           vtab_bytes(h->vt);
}
const hist_pos *hist_positions(const history *h) { return h->pos.v; }

const hist_note *hist_notes(const history *h, size_t *n)
{
    *n = h->notes.n;
    return h->notes.v;
}

int64_t hist_first_time(const history *h) { return h->first_time; }
const hist_event *hist_kept_events(const history *h) { return h->compact ? NULL : h->events.v; }
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
    for (size_t i = 0; i < h->notes.n; i++)
        h->notes.v[i].at += (uint32_t)n;
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

/* What pairing a completion needs of the op it completes: a kept op's, or
 * one of another shard (dropped). */
typedef struct opened {
    val f, key;
    bool has_key;
    uint32_t call; /* its event */
} opened;

/* The open map's slot for an op of another shard: its place in h->dropped. */
#define DROPPED 0x80000000u

static opened opened_of(const history *h, uint32_t slot)
{
    if (slot & DROPPED)
        return h->dropped.v[slot & ~DROPPED];
    const hist_op *o = &h->ops.v[slot - 1];
    return (opened){o->f, o->key, o->has_key, o->call};
}

/* Is op e (its invocation) one of this history's shard? */
static bool in_shard(history *h, const hist_event *e)
{
    uint32_t s;
    if (!h->shard.count)
        return true;
    if (e->has_key && h->key_shard && valmap_get(h->key_shard, e->key, &s))
        return s == h->shard.index;
    s = shard_of(h->vt, e->key, e->has_key, h->shard.count);
    if (e->has_key && valmap_size(h->key_shard) < KEY_SHARDS_KEPT)
        valmap_put(h->key_shard, e->key, s);
    return s == h->shard.index;
}

/* What the model's inference needs of every op, dropped ones too (a
 * shard's history: hist_shard_summary): its f, and whether it is the
 * first ok read. */
static void note_f(history *h, val f)
{
    for (size_t i = 0; i < h->fs.n; i++)
        if (val_eq(h->fs.v[i], f))
            return;
    VEC_PUSH(h->fs, f);
}

static void note_read(history *h, val f, uint32_t call, val out)
{
    if (h->first_read_call <= call || f.kind != VAL_STR || !val_is_str(h->vt, f, "read"))
        return;
    h->first_read_call = call;
    h->first_read = out;
}

/* Pair client event e, number i, with the ops so far (h->open). */
static hist_rc pair(history *h, const hist_event *e, uint32_t i, hist_error *err)
{
    uint32_t *open = valmap_at(h->open, e->process), slot = *open;
    if (e->type == EV_INVOKE) {
        if (slot) {
            opened o = opened_of(h, slot);
            sbuf pb = {0};
            val_describe(h->vt, e->process, &pb);
            if (val_is_nil(e->process))
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "an op with no process is invoked while the one from line "
                               "%u is still open (the events with no process pair in "
                               "order, one op at a time)",
                               h->pos.v[o.call].line);
            else
                hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                               "process %s invokes while its op from line %u is still open "
                               "(a process runs one op at a time)",
                               sbuf_str(&pb), h->pos.v[o.call].line);
            sbuf_free(&pb);
            return HIST_EINVALID;
        }
        if (h->shard.count) {
            note_f(h, e->f);
            if (!in_shard(h, e)) {
                uint32_t d = h->free_dropped != DROPPED ? h->free_dropped
                                                        : (uint32_t)h->dropped.n;
                opened o = {e->f, e->key, e->has_key, i};
                if (d == h->dropped.n) {
                    VEC_PUSH(h->dropped, o);
                } else {
                    h->free_dropped = h->dropped.v[d].call; /* the next free one */
                    h->dropped.v[d] = o;
                }
                *open = DROPPED | d;
                h->shard.dropped++;
                return HIST_OK;
            }
        }
        add_op(h, op_of(e, i), e->node);
        *open = (uint32_t)h->ops.n;
        return HIST_OK;
    }
    opened o = slot ? opened_of(h, slot) : (opened){0};
    if (slot && val_eq(o.f, e->f) && (!e->has_key || (o.has_key && val_eq(o.key, e->key)))) {
        if (h->shard.count && e->type == EV_OK)
            note_read(h, e->f, o.call, e->value);
        if (slot & DROPPED) {
            h->dropped.v[slot & ~DROPPED].call = h->free_dropped;
            h->free_dropped = slot & ~DROPPED;
        } else {
            complete(h, &h->ops.v[slot - 1], e, i);
        }
        *open = 0;
        return HIST_OK;
    }
    sbuf pb = {0}, a = {0}, b = {0};
    val_describe(h->vt, e->process, &pb);
    if (!slot) {
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes (%s) an op it never invoked (only a "
                       "history with no invocation at all is read as completions "
                       "alone)",
                       sbuf_str(&pb), type_name(e->type));
    } else if (!val_eq(o.f, e->f)) {
        val_describe(h->vt, o.f, &a);
        val_describe(h->vt, e->f, &b);
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes %s, but invoked %s at line %u", sbuf_str(&pb),
                       sbuf_str(&b), sbuf_str(&a), h->pos.v[o.call].line);
    } else {
        val_describe(h->vt, o.key, &a);
        val_describe(h->vt, e->key, &b);
        hist_error_set(err, HIST_EINVALID, h->name, e->line, e->col,
                       "process %s completes on key %s, but invoked on %s at line %u",
                       sbuf_str(&pb), sbuf_str(&b), o.has_key ? sbuf_str(&a) : "no key",
                       h->pos.v[o.call].line);
    }
    sbuf_free(&pb);
    sbuf_free(&a);
    sbuf_free(&b);
    return HIST_EINVALID;
}

/* A shard's history whose events were held to the end (the independent
 * form, completions only): its ops paired, those of other shards are
 * dropped now. */
static void keep_shard(history *h)
{
    size_t k = 0;
    for (size_t i = 0; i < h->ops.n; i++) {
        const hist_op *o = &h->ops.v[i];
        note_f(h, o->f);
        if (o->status == OP_OK)
            note_read(h, o->f, o->call, o->out);
        hist_event e = {.key = o->key, .has_key = o->has_key};
        if (!in_shard(h, &e)) {
            h->shard.dropped++;
            continue;
        }
        if (h->nodes)
            h->nodes[k] = h->nodes[i];
        h->ops.v[k++] = *o;
    }
    h->ops.n = k;
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
    if (ev->time != HIST_NONE && (h->first_time == HIST_NONE || ev->time < h->first_time))
        h->first_time = ev->time;
    if (nemesis)
        VEC_PUSH(h->notes, ((hist_note){i, *ev}));
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
        if (h->shard.count)
            keep_shard(h);
        goto out;
    }
    h->open = valmap_new();
    for (size_t i = 0; i < h->events.n && !rc; i++)
        if (!is_nemesis(h, &h->events.v[i]))
            rc = pair(h, &h->events.v[i], (uint32_t)i, err);
out:
    valmap_free(h->open);
    h->open = NULL;
    /* What was read is all there is: give back the arrays' room to grow
     * (a fifth of them, on average). */
    if (h->ops.cap > h->ops.n) {
        h->ops.v = xrealloc(h->ops.v, (h->ops.n ? h->ops.n : 1) * sizeof *h->ops.v);
        h->ops.cap = h->ops.n;
        if (h->nodes)
            h->nodes = xrealloc(h->nodes, (h->ops.n ? h->ops.n : 1) * sizeof *h->nodes);
    }
    if (h->pos.cap > h->pos.n) {
        h->pos.v = xrealloc(h->pos.v, (h->pos.n ? h->pos.n : 1) * sizeof *h->pos.v);
        h->pos.cap = h->pos.n;
    }
    if (h->compact) {
        free(h->events.v);
        h->events.v = NULL;
        h->events.n = h->events.cap = 0;
    }
    return rc;
}

history *hist_shard_summary(const history *h)
{
    history *s = hist_new(h->name);
    for (size_t i = 0; i < h->fs.n; i++) {
        size_t n;
        const char *f = val_str_bytes(h->vt, h->fs.v[i], &n);
        bool read = h->fs.v[i].kind == VAL_STR && val_is_str(h->vt, h->fs.v[i], "read");
        hist_event e = {.type = EV_INVOKE, .process = val_int((int64_t)i),
                        .f = val_str(s->vt, f, n), .key = val_nil(), .value = val_nil(),
                        .node = val_nil(), .url = val_nil(), .error = val_nil(),
                        .time = HIST_NONE, .index = HIST_NONE, .version = HIST_NONE};
        hist_push(s, &e);
        /* Only whether the first ok read returned a list matters. */
        e.type = read && h->first_read_call == UINT32_MAX ? EV_INFO : EV_OK;
        if (read && h->first_read.kind == VAL_LIST)
            e.value = val_list(s->vt, NULL, 0);
        hist_push(s, &e);
    }
    hist_finish(s, HIST_INDEP_NO, NULL);
    return s;
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

/* Put v (absent, at its free slot s) with x; returns where it went. */
static vslot *add(valmap *m, vslot *s, val v, uint32_t x)
{
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
        s = find(m, v);
    }
    return s;
}

void valmap_put(valmap *m, val v, uint32_t x)
{
    vslot *s = find(m, v);
    if (s->used)
        s->x = x;
    else
        add(m, s, v, x);
}

uint32_t *valmap_at(valmap *m, val v)
{
    vslot *s = find(m, v);
    return s->used ? &s->x : &add(m, s, v, 0)->x;
}
