/*
 * session_append.c - the session guarantees on keys written by appends.
 *
 * Values that are lists grown by append reveal their order in every read
 * (a list that is a prefix of another is older), so for append keys the
 * demands are checked directly: RYW, the element appended is in the later
 * read; MR, the earlier read is a prefix of the later; MW and WFR, every
 * read that shows the new element shows, before it, what the session had
 * appended or read. String appends are checked for RYW and MR only: where
 * an element begins in a concatenation is ambiguous.
 */
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

typedef struct app_state {
    uint32_t last_read;   /* obs + 1 */
    uint32_t last_append; /* obs + 1, ok appends only */
    uint32_t confirmed;   /* obs + 1: a read holding every append so far */
    size_t first_pending; /* into the pair's appends */
} app_state;

/* Is the list or string a a prefix of b? */
static bool is_prefix(const vtab *vt, val a, val b)
{
    if (val_is_nil(a)) /* nothing yet: a prefix of everything */
        return true;
    if (a.kind == VAL_STR && b.kind == VAL_STR) {
        size_t na, nb;
        const char *pa = val_str_bytes(vt, a, &na), *pb = val_str_bytes(vt, b, &nb);
        return na <= nb && memcmp(pa, pb, na) == 0;
    }
    if ((a.kind != VAL_LIST && !val_is_nil(a)) || (b.kind != VAL_LIST && !val_is_nil(b)))
        return val_eq(a, b);
    size_t na, nb;
    const val *ia = val_items(vt, a, &na), *ib = val_items(vt, b, &nb);
    return na <= nb && (na == 0 || memcmp(ia, ib, na * sizeof *ia) == 0);
}

/* Does the read value r hold the appended element x? */
static bool holds_elem(const vtab *vt, val r, val x)
{
    if (r.kind == VAL_STR && x.kind == VAL_STR) {
        size_t nr, nx;
        const char *pr = val_str_bytes(vt, r, &nr), *px = val_str_bytes(vt, x, &nx);
        return nx == 0 || memmem(pr, nr, px, nx) != NULL;
    }
    size_t n;
    const val *it = val_items(vt, r, &n);
    for (size_t i = 0; i < n; i++)
        if (val_eq(it[i], x))
            return true;
    return false;
}

/* An append key where an element is appended twice is left out: a read
 * showing the element cannot tell which append it saw, and the rules
 * below take the first read showing an element as its witness. */
void sess_append_not_unique(sess_ctx *c, bool *is_append)
{
    sess_vnmap seen = {0};
    sess_u32vec dup = {0};
    for (size_t i = 0; i < c->obs.n; i++) {
        const sess_obs *o = &c->obs.v[i];
        if (!is_append[o->key] || o->kind != OB_WRITE)
            continue;
        uint32_t *slot = sess_vn_slot(&seen, o->key, o->value);
        if (!*slot) {
            *slot = (uint32_t)i + 1;
            continue;
        }
        is_append[o->key] = false;
        VEC_PUSH(dup, *slot - 1);
        VEC_PUSH(dup, (uint32_t)i);
    }
    sess_not_unique(c, dup.v, dup.n);
    free(dup.v);
    free(seen.s);
}

/* What the append rules keep while they walk the observations. */
typedef struct app_walk {
    sess_ctx *c;
    const vtab *vt;
    bool *violated;
    /* A witness per element: the first read that shows it, and where. */
    sess_vnmap wm;      /* (key, element) -> witness + 1 */
    sess_u32vec wit_obs, wit_pos;
    sess_pairmap pm;    /* (session, key) -> pair */
    VEC(app_state) st;
    VEC(sess_u32vec) appends; /* per pair: its ok appends (obs) */
} app_walk;

static void find_witnesses(app_walk *r, const bool *is_append)
{
    const sess_obs *ob = r->c->obs.v;
    for (size_t i = 0; i < r->c->obs.n; i++) {
        const sess_obs *o = &ob[i];
        if (!is_append[o->key] || o->kind != OB_READ || o->value.kind != VAL_LIST)
            continue;
        size_t n;
        const val *it = val_items(r->vt, o->value, &n);
        for (size_t j = 0; j < n; j++) {
            uint32_t *slot = sess_vn_slot(&r->wm, o->key, it[j]);
            if (*slot)
                continue;
            *slot = (uint32_t)r->wit_obs.n + 1;
            VEC_PUSH(r->wit_obs, (uint32_t)i);
            VEC_PUSH(r->wit_pos, (uint32_t)j);
        }
    }
}

/* b, after a, breaks g: explained the first time on its key, counted
 * after that. */
static void violation(app_walk *r, sess_guarantee g, const sess_obs *a, const sess_obs *b,
                      const char *why, const sess_obs *witness)
{
    if (!r->violated[b->key * SG_COUNT + g])
        sess_explain_append(r->c, g, a, b, why, witness, r->violated);
    else
        r->c->out->g[g].violations++;
}

/* RYW and MR on read i, of the pair whose state is s and ok appends mine. */
static void read_rules(app_walk *r, size_t i, app_state *s, const sess_u32vec *mine)
{
    sess_ctx *c = r->c;
    const sess_obs *ob = c->obs.v, *o = &ob[i];
    /* RYW: every append of this session is in the read. */
    if (mine->n) {
        c->pairs[SG_RYW]++;
        size_t from = s->first_pending;
        if (s->confirmed && !is_prefix(r->vt, ob[s->confirmed - 1].value, o->value))
            from = 0; /* not an extension of a read that held them all */
        bool all = true;
        for (size_t k = from; k < mine->n; k++) {
            const sess_obs *a = &ob[mine->v[k]];
            if (!holds_elem(r->vt, o->value, a->value)) {
                all = false;
                violation(r, SG_RYW, a, o, ", which does not hold it", NULL);
                break;
            }
        }
        if (all) {
            s->confirmed = (uint32_t)i + 1;
            s->first_pending = mine->n;
        }
    }
    /* MR: the earlier read is a prefix of this one. */
    if (s->last_read) {
        c->pairs[SG_MR]++;
        const sess_obs *a = &ob[s->last_read - 1];
        if (!is_prefix(r->vt, a->value, o->value))
            violation(r, SG_MR, a, o, ", which does not extend the first", NULL);
    }
    s->last_read = (uint32_t)i + 1;
}

/* MW and WFR on ok append i, of the pair whose state is s (not on string
 * appends: where an element begins in a concatenation is ambiguous). */
static void append_rules(app_walk *r, size_t i, const app_state *s)
{
    sess_ctx *c = r->c;
    const sess_obs *ob = c->obs.v, *o = &ob[i];
    uint32_t w = *sess_vn_slot(&r->wm, o->key, o->value);
    const sess_obs *wit = w ? &ob[r->wit_obs.v[w - 1]] : NULL;
    size_t pos = w ? r->wit_pos.v[w - 1] : 0;
    /* MW: a read showing this element shows the previous one before it. */
    if (s->last_append) {
        c->pairs[SG_MW]++;
        const sess_obs *a = &ob[s->last_append - 1];
        size_t n;
        const val *it = wit ? val_items(r->vt, wit->value, &n) : NULL;
        bool before = false;
        for (size_t k = 0; it && k < pos; k++)
            before = before || val_eq(it[k], a->value);
        if (wit && !before)
            violation(r, SG_MW, a, o, " (not after the first)", wit);
    }
    /* WFR: a read showing this element shows, before it, what was read. */
    if (s->last_read) {
        c->pairs[SG_WFR]++;
        const sess_obs *a = &ob[s->last_read - 1];
        size_t na, nw;
        const val *ia = val_items(r->vt, a->value, &na);
        const val *iw = wit ? val_items(r->vt, wit->value, &nw) : NULL;
        if (wit && (na > pos || (na && memcmp(ia, iw, na * sizeof *ia) != 0)))
            violation(r, SG_WFR, a, o, " (not after what was read)", wit);
    }
}

void sess_check_append(sess_ctx *c, bool *violated, const bool *is_append)
{
    app_walk r = {.c = c, .vt = c->vt, .violated = violated};
    find_witnesses(&r, is_append);
    size_t charged = 0;
    for (size_t i = 0; i < c->obs.n; i++) {
        const sess_obs *o = &c->obs.v[i];
        if ((i & 4095) == 0 &&
            (sess_halted(c) ||
             !sess_meter(c, &c->hold, &charged,
                         r.wm.cap * sizeof *r.wm.s + (r.wit_obs.cap + r.wit_pos.cap) * 4 +
                             r.pm.cap * 12 + r.st.cap * sizeof(app_state) +
                             r.appends.cap * sizeof(sess_u32vec) + i * 4)))
            break;
        if (!is_append[o->key])
            continue;
        uint32_t p = sess_pair_id(&r.pm, o->sess, o->key);
        if (p == r.st.n) {
            app_state s0 = {0};
            sess_u32vec none = {0};
            VEC_PUSH(r.st, s0);
            VEC_PUSH(r.appends, none);
        }
        if (o->kind == OB_READ) {
            read_rules(&r, i, &r.st.v[p], &r.appends.v[p]);
            continue;
        }
        if (!o->ok)
            continue;
        if (!c->keys.v[o->key].str_append)
            append_rules(&r, i, &r.st.v[p]);
        VEC_PUSH(r.appends.v[p], (uint32_t)i);
        r.st.v[p].last_append = (uint32_t)i + 1;
    }
    for (size_t p = 0; p < r.appends.n; p++)
        free(r.appends.v[p].v);
    free(r.appends.v);
    free(r.st.v);
    sess_pairmap_free(&r.pm);
    free(r.wm.s);
    free(r.wit_obs.v);
    free(r.wit_pos.v);
}
