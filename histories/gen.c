/*
 * gen.c - synthetic histories (see gen.h).
 *
 * A discrete-event simulation: a heap of events (invoke, take effect,
 * complete) ordered by time. Taking effect applies the op to the store in
 * time order, which is a linearization; invoke and complete events are
 * written as they are popped, so the file is in real-time order.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include "../util/rng.h"
#include "../util/mem.h"
#include "gen_heap.h"
#include "history.h"
#include "write.h"

enum { G_READ, G_WRITE, G_CAS, G_APPEND };

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r) { return rng_next(&r->s); }

static double unit(rng *r) { return rng_unit(next(r)); }

#define HISTORY_DEPTH 4 /* older versions a stale read may return */

/* A key's value and its older versions. With appends, a value is the
 * length of the key's list, whose items are kept once (older versions are
 * prefixes of it). */
typedef struct kstate {
    int64_t value[HISTORY_DEPTH]; /* [0] current; 0 is nil */
    int64_t version[HISTORY_DEPTH];
    VEC(val) items;
} kstate;

typedef struct sess {
    int64_t process;
    uint32_t key;
    uint8_t f;
    bool crash, applied, ok;
    int64_t in, old, out, version;
} sess;

static void apply_write(kstate *k, int64_t value, int64_t version)
{
    memmove(&k->value[1], &k->value[0], (HISTORY_DEPTH - 1) * sizeof k->value[0]);
    memmove(&k->version[1], &k->version[0], (HISTORY_DEPTH - 1) * sizeof k->version[0]);
    k->value[0] = value;
    k->version[0] = version;
}

int gen_history(const gen_opts *o, FILE *f)
{
    /* One step in: the histories conch gen has always written for a seed. */
    rng r = {o->seed * 0x2545f4914f6cdd1dULL + 1 + RNG_GAMMA};
    unsigned ns = o->sessions ? o->sessions : 1, nk = o->keys ? o->keys : 1;
    kstate *keys = xcalloc(nk, sizeof *keys);
    sess *ss = xcalloc(ns, sizeof *ss);
    gen_heap h = {0};
    uint64_t seq = 0, started = 0, index = 0;
    int64_t next_value = 1, next_version = 1;
    vtab *vt = vtab_new();
    val f_read = val_cstr(vt, "read"), f_write = val_cstr(vt, "write"), f_cas = val_cstr(vt, "cas");
    val f_append = val_cstr(vt, "append");
    val err_timeout = val_cstr(vt, "timeout");
    val *keynames = xmalloc(nk * sizeof *keynames);
    for (unsigned i = 0; i < nk; i++) {
        char b[32];
        snprintf(b, sizeof b, "k%u", i);
        keynames[i] = val_cstr(vt, b);
    }
    for (unsigned i = 0; i < ns; i++) {
        ss[i].process = i;
        gen_heap_push(&h, (gev){(int64_t)(next(&r) % 100000), seq++, i, EV_START});
    }
    sbuf line = {0};
    int rc = 0;
    while (h.n) {
        gev e = gen_heap_pop(&h);
        sess *s = &ss[e.sess];
        hist_event ev = {0};
        ev.process = val_int(s->process);
        ev.time = e.t;
        ev.index = (int64_t)index;
        ev.version = HIST_NONE;
        ev.node = ev.error = val_nil();
        ev.has_key = true;
        if (e.kind == EV_START) {
            if (started >= o->ops)
                continue;
            started++;
            double x = unit(&r);
            s->f = x < 0.5 ? G_READ : o->append ? G_APPEND : (!o->cas || x < 0.9) ? G_WRITE : G_CAS;
            s->key = (uint32_t)(next(&r) % nk);
            s->crash = unit(&r) < o->crash;
            s->applied = false;
            s->in = s->f == G_READ ? 0 : next_value++;
            if (s->f == G_CAS) /* cas from the current value half the time */
                s->old = next(&r) % 2 ? keys[s->key].value[0] : keys[s->key].value[1];
            int64_t d = 50000 + (int64_t)(next(&r) % 950000); /* 50 us .. 1 ms */
            int64_t effect = e.t + 1 + (int64_t)(unit(&r) * (double)(d - 2));
            gen_heap_push(&h, (gev){effect, seq++, e.sess, EV_EFFECT});
            gen_heap_push(&h, (gev){e.t + d, seq++, e.sess, EV_DONE});
            ev.type = EV_INVOKE;
        } else if (e.kind == EV_EFFECT) {
            kstate *k = &keys[s->key];
            /* a crashed op may or may not take effect */
            if (s->crash && next(&r) % 2)
                continue;
            s->applied = true;
            s->ok = true;
            if (s->f == G_READ) {
                int back = unit(&r) < o->stale ? 1 + (int)(next(&r) % (HISTORY_DEPTH - 1)) : 0;
                if (!k->version[back] && back)
                    back = 0;
                s->out = k->value[back];
                s->version = k->version[back];
            } else if (s->f == G_APPEND) {
                VEC_PUSH(k->items, val_int(s->in));
                apply_write(k, (int64_t)k->items.n, next_version);
                s->version = next_version++;
            } else if (s->f == G_WRITE || k->value[0] == s->old) {
                apply_write(k, s->in, next_version);
                s->version = next_version++;
            } else {
                s->ok = false; /* cas found another value: it fails */
            }
            continue;
        } else {
            /* an op that did not crash took effect: ok, or a failed cas */
            ev.type = s->crash ? EV_INFO : s->ok ? EV_OK : EV_FAIL;
        }
        ev.f = s->f == G_READ ? f_read : s->f == G_WRITE ? f_write : s->f == G_CAS ? f_cas : f_append;
        ev.key = keynames[s->key];
        if (s->f == G_CAS) {
            val pair[2] = {s->old ? val_int(s->old) : val_nil(), val_int(s->in)};
            ev.value = val_list(vt, pair, 2);
        } else if (s->f == G_WRITE || s->f == G_APPEND) {
            ev.value = val_int(s->in);
        } else if (o->append) { /* a read: the first out items of the list */
            kstate *k = &keys[s->key];
            ev.value = ev.type == EV_OK && s->out ? val_list(vt, k->items.v, (size_t)s->out) : val_nil();
        } else {
            ev.value = ev.type == EV_OK && s->out ? val_int(s->out) : val_nil();
        }
        if (ev.type == EV_OK && o->versions)
            ev.version = s->version;
        if (ev.type == EV_INFO)
            ev.error = err_timeout;
        sbuf_reset(&line);
        if (o->format == 1)
            hist_format_event_edn(vt, &ev, &line);
        else if (o->format == 2)
            hist_format_event_log(vt, &ev, &line);
        else
            hist_format_event(vt, &ev, &line);
        if (fwrite(line.p, 1, line.len, f) != line.len) {
            rc = -1;
            break;
        }
        index++;
        if (e.kind == EV_DONE) {
            if (s->crash) /* Jepsen: a crashed process comes back as a new one */
                s->process += ns;
            gen_heap_push(&h, (gev){e.t + (int64_t)(next(&r) % 200000), seq++, e.sess, EV_START});
        }
    }
    sbuf_free(&line);
    free(h.v);
    for (unsigned i = 0; i < nk; i++)
        free(keys[i].items.v);
    free(keys);
    free(ss);
    free(keynames);
    vtab_free(vt);
    return rc;
}
