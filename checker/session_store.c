/*
 * session_store.c - the session guarantees in the store's order.
 *
 * The ops carry the store's versions (etcd's mod_revision, the built-in
 * store's version): the order is given, and each demand is a comparison
 * of two numbers. One pass over the observations keeps, per session and
 * key, the highest version written and read so far: O(n).
 */
#include <stdlib.h>

#include "session_int.h"

typedef struct sk_state {
    int64_t max_w, max_r;
    uint32_t w_op, r_op;
} sk_state;

void sess_check_store(sess_ctx *c, bool *violated /* [key * SG_COUNT] */)
{
    sess_pairmap pm = {0};
    VEC(sk_state) st = {0};
    VEC(uint32_t) wop = {0}, rop = {0}; /* obs index of the max write / read */
    size_t charged = 0;
    for (size_t i = 0; i < c->obs.n; i++) {
        sess_obs *o = &c->obs.v[i];
        if ((i & 4095) == 0 &&
            (sess_halted(c) || !sess_meter(c, &c->hold, &charged,
                                 pm.cap * 12 + st.cap * (sizeof(sk_state) + 8))))
            break;
        uint32_t p = sess_pair_id(&pm, o->sess, o->key);
        if (p == st.n) {
            sk_state s = {HIST_NONE, HIST_NONE, 0, 0};
            VEC_PUSH(st, s);
            VEC_PUSH(wop, UINT32_MAX);
            VEC_PUSH(rop, UINT32_MAX);
        }
        sk_state *s = &st.v[p];
        int64_t v = o->version;
        if (o->kind == OB_READ) {
            if (o->cas_read)
                continue; /* the store names the version a cas wrote, not the one it read */
            if (v == HIST_NONE && (val_is_nil(o->value) || val_eq(o->value, c->keys.v[o->key].init)))
                v = 0; /* the initial value, before every version the store assigns */
            if (v == HIST_NONE) {
                c->out->reads_without_version++;
                continue;
            }
            o->version = v;
            if (s->max_w != HIST_NONE) {
                c->pairs[SG_RYW]++;
                if (v < s->max_w) {
                    sess_explain_store(c, SG_RYW, &c->obs.v[wop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_RYW] = true;
                }
            }
            if (s->max_r != HIST_NONE) {
                c->pairs[SG_MR]++;
                if (v < s->max_r) {
                    sess_explain_store(c, SG_MR, &c->obs.v[rop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_MR] = true;
                }
            }
            if (s->max_r == HIST_NONE || v > s->max_r) {
                s->max_r = v;
                rop.v[p] = (uint32_t)i;
            }
        } else {
            if (!o->ok || v == HIST_NONE)
                continue;
            if (s->max_w != HIST_NONE) {
                c->pairs[SG_MW]++;
                if (v <= s->max_w) {
                    sess_explain_store(c, SG_MW, &c->obs.v[wop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_MW] = true;
                }
            }
            if (s->max_r != HIST_NONE) {
                c->pairs[SG_WFR]++;
                if (v <= s->max_r) {
                    sess_explain_store(c, SG_WFR, &c->obs.v[rop.v[p]], o, true);
                    violated[o->key * SG_COUNT + SG_WFR] = true;
                }
            }
            if (s->max_w == HIST_NONE || v > s->max_w) {
                s->max_w = v;
                wop.v[p] = (uint32_t)i;
            }
        }
    }
    sess_pairmap_free(&pm);
    free(st.v);
    free(wop.v);
    free(rop.v);
}
