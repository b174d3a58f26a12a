/*
 * session.c - checking session guarantees (see session.h): the core.
 *
 * Terry, Demers, Petersen, Spreitzer, Theimer & Welch, "Session Guarantees
 * for Weakly Consistent Replicated Data" (PDIS 1994), per key, with a
 * session being a process:
 *   RYW  after a session's write w, its later reads see w or newer;
 *   MR   a session's later read never sees older than its earlier read;
 *   MW   a session's writes take effect in session order;
 *   WFR  a session's write issued after it read v is ordered after v.
 *
 * Each is a demand on the order of a key's versions, and holds iff some
 * order, starting at the initial value, meets everything the history shows
 * and the demand. Where the order comes from:
 *   store     the ops carry the store's versions: session_store.c;
 *   inferred  values written to a key are unique, so a read names the
 *             write it saw: a graph of versions, session_graph.c;
 *   realtime  inferred, plus the real-time order of writes (the same);
 * and keys written by appends reveal their order in every read
 * (session_append.c). What a violation says is made in session_explain.c.
 *
 * Here: the observations (what each op read and wrote, as its model says:
 * the access hook), the limits, the maps the parts share, and the whole
 * check, which combines the parts' verdicts into the conjunctions'.
 *
 * Limits: the deadline and the interrupt are looked at every few thousand
 * ops and at every key; the big tables (the observations, each key's graph
 * and the arrays of its search, the per-session maps) are charged to the
 * memory budget as they grow. Any of them ends the check early: whatever
 * it has not found violated by then is unknown.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/hash.h"
#include "../util/mem.h"
#include "session_int.h"

const char *sess_guarantee_name(sess_guarantee g)
{
    static const char *n[] = {"read-your-writes", "monotonic reads", "monotonic writes",
                              "writes-follow-reads", "PRAM (RYW + MR + MW)",
                              "all four (RYW + MR + MW + WFR)"};
    return n[g];
}

const char *sess_guarantee_short(sess_guarantee g)
{
    static const char *n[] = {"ryw", "mr", "mw", "wfr", "pram", "all"};
    return n[g];
}

const char *sess_order_name(sess_order o)
{
    static const char *n[] = {"auto", "store", "inferred", "realtime"};
    return n[o];
}

const char *sess_stop_name(sess_stop s)
{
    static const char *n[] = {"nothing", "the time limit", "the memory limit", "an interrupt"};
    return n[s];
}

/* ---- limits ---- */

static void halt(sess_ctx *c, sess_stop why)
{
    int none = SESS_DONE;
    atomic_compare_exchange_strong(&c->halt, &none, (int)why);
}

/* Has a limit been hit (now, or by another thread)? */
bool sess_halted(sess_ctx *c)
{
    if (atomic_load(&c->halt))
        return true;
    if (!c->lim)
        return false;
    if (c->lim->stop && atomic_load(c->lim->stop))
        halt(c, SESS_STOP_INTERRUPT);
    else if (c->lim->deadline_ns) {
        if (clock_now_ns() > c->lim->deadline_ns)
            halt(c, SESS_STOP_TIME);
    }
    return atomic_load(&c->halt) != 0;
}

/* A structure now holds bytes (it only grows): charge the growth to h, of
 * which *charged is what it had; false (and the check halted) if refused. */
bool sess_meter(sess_ctx *c, bhold *h, size_t *charged, size_t bytes)
{
    if (bytes <= *charged)
        return true;
    if (!budget_charge(h, bytes - *charged)) {
        halt(c, SESS_STOP_MEMORY);
        return false;
    }
    *charged = bytes;
    return true;
}

#define MAP_ENTRY 32 /* bytes a valmap entry takes, about */

/* What the observations and the key and session tables hold. */
static size_t ctx_bytes(const sess_ctx *c)
{
    return c->obs.cap * sizeof(sess_obs) + c->olds.cap * sizeof(sess_old) +
           c->keys.cap * sizeof(sess_keyinfo) +
           (valmap_size(c->keymap) + valmap_size(c->sessmap)) * MAP_ENTRY;
}

/* ---- observations: what each op read and wrote, per key ---- */

static uint32_t key_id(sess_ctx *c, val k)
{
    uint32_t id;
    if (valmap_get(c->keymap, k, &id))
        return id;
    id = (uint32_t)c->keys.n;
    sess_keyinfo ki = {k, model_key_init(c->md, k), false, false, false, false};
    VEC_PUSH(c->keys, ki);
    valmap_put(c->keymap, k, id);
    return id;
}

static void add_obs(sess_ctx *c, uint32_t op, val key, uint32_t sess, int kind, bool ok, val v,
                    int64_t version)
{
    sess_obs o = {.op = op, .key = key_id(c, key), .sess = sess, .kind = (unsigned)kind,
                  .ok = ok, .value = v, .version = version};
    VEC_PUSH(c->obs, o);
}

val sess_old_of(const sess_ctx *c, uint32_t oi)
{
    size_t lo = 0, hi = c->olds.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->olds.v[mid].obs < oi)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->olds.n && c->olds.v[lo].obs == oi ? c->olds.v[lo].old : val_nil();
}

/* The observations of one access of history op o (number op). A cas read
 * old and wrote new, atomically; an append or a concatenation is a write
 * that the append rules check. */
static void observe(sess_ctx *c, const hist_op *o, uint32_t op, uint32_t sess,
                    const model_access *x)
{
    bool ok = o->status == OP_OK;
    int64_t version = ok && x->versioned ? o->version : HIST_NONE;
    switch (x->vop) {
    case MV_READ:
        if (ok)
            add_obs(c, op, x->key, sess, OB_READ, true, x->a, version);
        break;
    case MV_WRITE:
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->a, version);
        break;
    case MV_APPEND:
    case MV_CONCAT: {
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->a, version);
        c->obs.v[c->obs.n - 1].append = 1;
        sess_keyinfo *ki = &c->keys.v[c->obs.v[c->obs.n - 1].key];
        ki->append = true;
        if (x->vop == MV_CONCAT)
            ki->str_append = true;
        break;
    }
    case MV_CAS:
        if (ok) {
            add_obs(c, op, x->key, sess, OB_READ, true, x->a, HIST_NONE);
            c->obs.v[c->obs.n - 1].cas_read = 1;
        }
        add_obs(c, op, x->key, sess, OB_WRITE, ok, x->b, version);
        c->obs.v[c->obs.n - 1].has_old = 1;
        sess_old od = {(uint32_t)(c->obs.n - 1), x->a};
        VEC_PUSH(c->olds, od);
        break;
    default: /* nothing a session reads or writes */
        break;
    }
}

/* Turn the compiled ops into observations, in op order (session order
 * within each session), as the model says what each reads and writes.
 * Every op that took or may have taken effect opens its session, those
 * compiled away (they say nothing) too. */
static void gather(sess_ctx *c, const model_ops *mo)
{
    const hist_op *ops = hist_ops(c->h);
    VEC(model_access) acc = {0};
    VEC_RESERVE(acc, 16);
    for (size_t i = 0, j = 0; i < hist_nops(c->h); i++) {
        const hist_op *o = &ops[i];
        if (((i & 4095) == 0 && sess_halted(c)) ||
            !sess_meter(c, &c->hold, &c->charged, ctx_bytes(c)))
            break;
        if (o->status == OP_FAIL)
            continue;
        /* An op with no process is a session of its own. */
        uint32_t sess;
        if (val_is_nil(o->process)) {
            sess = (uint32_t)(valmap_size(c->sessmap) + c->nanon++);
        } else if (!valmap_get(c->sessmap, o->process, &sess)) {
            sess = (uint32_t)(valmap_size(c->sessmap) + c->nanon);
            valmap_put(c->sessmap, o->process, sess);
        }
        if (j == mo->n || mo->id[j] != i)
            continue;
        const mop *m = &mo->m[j++];
        size_t n = c->md->type->access(c->md, m, acc.v, acc.cap);
        if (n > acc.cap) {
            VEC_RESERVE(acc, n);
            c->md->type->access(c->md, m, acc.v, acc.cap);
        }
        for (size_t k = 0; k < n; k++)
            observe(c, o, (uint32_t)i, sess, &acc.v[k]);
    }
    free(acc.v);
}

/* Note which keys are appended to, and which are also overwritten. */
static void classify_keys(sess_ctx *c)
{
    for (size_t i = 0; i < c->obs.n; i++) {
        const sess_obs *o = &c->obs.v[i];
        if (o->kind == OB_WRITE && !o->append)
            c->keys.v[o->key].overwritten = true;
    }
}

/* ---- maps ---- */

uint32_t sess_pair_id(sess_pairmap *m, uint32_t sess, uint32_t key)
{
    uint64_t x = ((uint64_t)sess << 32 | key) + 1;
    if (m->n * 2 >= m->cap) {
        size_t oc = m->cap, nc = oc ? oc * 2 : 1024;
        uint64_t *nk = xcalloc(nc, sizeof *nk);
        uint32_t *nv = xmalloc(nc * sizeof *nv);
        for (size_t i = 0; i < oc; i++) {
            if (!m->k[i])
                continue;
            size_t j = hash_mix64(m->k[i]) & (nc - 1);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = m->k[i];
            nv[j] = m->v[i];
        }
        free(m->k);
        free(m->v);
        m->k = nk;
        m->v = nv;
        m->cap = nc;
    }
    size_t j = hash_mix64(x) & (m->cap - 1);
    while (m->k[j] && m->k[j] != x)
        j = (j + 1) & (m->cap - 1);
    if (!m->k[j]) {
        m->k[j] = x;
        m->v[j] = (uint32_t)m->n++;
    }
    return m->v[j];
}

void sess_pairmap_free(sess_pairmap *m)
{
    free(m->k);
    free(m->v);
}

uint32_t *sess_vn_slot(sess_vnmap *m, uint32_t key, val v)
{
    if (m->n * 2 >= m->cap) {
        size_t oc = m->cap, nc = oc ? oc * 2 : 1024;
        struct sess_vslot *ns = xcalloc(nc, sizeof *ns);
        for (size_t i = 0; i < oc; i++) {
            if (!m->s[i].node)
                continue;
            size_t j = (val_hash(m->s[i].v) ^ hash_mix64(m->s[i].key)) & (nc - 1);
            while (ns[j].node)
                j = (j + 1) & (nc - 1);
            ns[j] = m->s[i];
        }
        free(m->s);
        m->s = ns;
        m->cap = nc;
    }
    size_t j = (val_hash(v) ^ hash_mix64(key)) & (m->cap - 1);
    while (m->s[j].node && !(m->s[j].key == key && val_eq(m->s[j].v, v)))
        j = (j + 1) & (m->cap - 1);
    if (!m->s[j].node) {
        m->s[j].key = key;
        m->s[j].v = v;
        m->n++;
    }
    return &m->s[j].node;
}

/* Keys where some value is written twice (or the initial value written,
 * or a cas wrote what it found): a read cannot tell which write it saw, so
 * no order can be inferred and the key is left out. dup holds pairs of
 * obs: the first write of the value (or the same obs twice) and the one
 * that repeats it. The example named is that of the lowest key. */
void sess_not_unique(sess_ctx *c, const uint32_t *dup, size_t n)
{
    const hist_pos *ev = hist_positions(c->h);
    const hist_op *ops = hist_ops(c->h);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n; i += 2) {
        const sess_obs *o = &c->obs.v[dup[i + 1]];
        c->keys.v[o->key].not_unique = true;
        c->out->keys_not_unique++;
        if (best == SIZE_MAX || o->key < c->obs.v[dup[best + 1]].key)
            best = i;
    }
    if (best == SIZE_MAX || c->out->not_unique_example)
        return;
    const sess_obs *a = &c->obs.v[dup[best]], *o = &c->obs.v[dup[best + 1]];
    sbuf t = {0};
    sess_key_eq(c, o->key, o->value, &t);
    if (a == o)
        sbuf_printf(&t, " (%s) written at line %u",
                    val_eq(o->value, c->keys.v[o->key].init) ? "the initial value"
                                                       : "by a cas from the same value",
                    ev[ops[o->op].call].line);
    else
        sbuf_printf(&t, " written at lines %u and %u", ev[ops[a->op].call].line,
                    ev[ops[o->op].call].line);
    c->out->not_unique_example = t.p;
}

/* ---- the whole check ---- */

/* A conjunction is violated on a key where a part is (when the version
 * order is fixed by the store, or by append reads): say which. */
static void derive_conjunction(sess_ctx *c, bool *violated, sess_guarantee conj, const bool *keys)
{
    int parts = conj == SG_PRAM ? 3 : 4;
    for (size_t k = 0; k < c->keys.n; k++) {
        if (!keys[k] || violated[k * SG_COUNT + conj])
            continue;
        for (int g = 0; g < parts; g++) {
            if (!violated[k * SG_COUNT + g])
                continue;
            violated[k * SG_COUNT + conj] = true;
            sbuf t = {0};
            const sess_outcome *po = &c->out->g[g];
            const char *why = NULL;
            const uint32_t *ops = NULL;
            size_t nops = 0;
            for (size_t i = 0; i < po->nshown; i++)
                if (val_eq(po->shown[i].key, c->keys.v[k].key)) {
                    why = po->shown[i].text;
                    ops = po->shown[i].ops;
                    nops = po->shown[i].nops;
                    break;
                }
            if (why)
                sbuf_printf(&t, "%s (so not %s)", why, sess_guarantee_name(conj));
            else {
                sbuf_printf(&t, "%s is violated on ", sess_guarantee_name((sess_guarantee)g));
                sess_key_name(c, (uint32_t)k, &t);
            }
            sess_record(c, conj, (uint32_t)k, &t, ops, nops);
            if (c->out->g[conj].nshown)
                c->out->g[conj].shown[c->out->g[conj].nshown - 1].derived = true;
            break;
        }
    }
}

/* The conjunctions are checked when all their parts are. */
static unsigned with_conjunctions(unsigned checks)
{
    unsigned pram = BIT(SG_RYW) | BIT(SG_MR) | BIT(SG_MW);
    if ((checks & pram) == pram)
        checks |= BIT(SG_PRAM);
    if ((checks & SESS_ALL_CHECKS) == SESS_ALL_CHECKS)
        checks |= BIT(SG_ALL);
    return checks;
}

/* Every guarantee asked for is unknown: a limit stopped the check before
 * it had all the observations. */
static void all_unknown(sess_ctx *c)
{
    sess_result *out = c->out;
    out->applicable = true;
    out->stopped = (sess_stop)atomic_load(&c->halt);
    for (int g = 0; g < SG_COUNT; g++) {
        out->g[g].status = c->checks & BIT(g) ? SS_UNKNOWN : SS_NA;
        out->g[g].why_na = c->checks & BIT(g) ? sess_stop_name(out->stopped)
                                              : "not asked for (--checks)";
    }
}

/* Without the store's order: keys written by appends go to the append
 * rules, keys both appended to and overwritten are left out, and the rest
 * to the graph of versions. fixed[k]: k's conjunctions are its parts'. */
static void check_inferred(sess_ctx *c, bool realtime, bool *violated, bool *fixed)
{
    sess_result *out = c->out;
    size_t nk = c->keys.n ? c->keys.n : 1;
    bool *skip = xcalloc(nk, sizeof *skip);     /* not checked by the graph */
    bool *is_app = xcalloc(nk, sizeof *is_app); /* checked by the append rules */
    for (size_t k = 0; k < c->keys.n; k++) {
        sess_keyinfo *ki = &c->keys.v[k];
        if (ki->append && ki->overwritten) {
            skip[k] = true; /* neither the append rules nor unique values apply */
            ki->not_unique = true;
            out->keys_not_unique++;
            if (!out->not_unique_example) {
                sbuf t = {0};
                sess_key_name(c, (uint32_t)k, &t);
                sbuf_adds(&t, " is both appended to and overwritten");
                out->not_unique_example = t.p;
            }
        } else if (ki->append) {
            skip[k] = is_app[k] = fixed[k] = true;
            if (ki->str_append)
                out->string_appends = true;
        }
    }
    sess_append_not_unique(c, is_app);
    sess_check_graph(c, realtime, violated, skip);
    sess_check_append(c, violated, is_app);
    free(skip);
    free(is_app);
}

/* Each guarantee's outcome, from the keys where it is violated and the
 * demands the history made of it. */
static void conclude(sess_ctx *c, const bool *violated)
{
    static const char *na[] = {"no session read a key after writing it",
                               "no session read a key twice",
                               "no session wrote a key twice",
                               "no session wrote a key after reading it"};
    sess_result *out = c->out;
    size_t checked_keys = c->keys.n - out->keys_not_unique;
    if (!checked_keys) /* every key left out: the parts have nothing to stand on */
        memset(c->pairs, 0, sizeof c->pairs);
    for (int g = 0; g < SG_COUNT; g++) {
        sess_outcome *oc = &out->g[g];
        oc->keys = checked_keys;
        for (size_t k = 0; k < c->keys.n; k++)
            oc->keys_violated += violated[k * SG_COUNT + g];
        bool asked = c->checks & BIT(g);
        bool any = g < 4 ? c->pairs[g] > 0
                   : g == SG_PRAM ? c->pairs[0] + c->pairs[1] + c->pairs[2] > 0
                                  : c->pairs[0] + c->pairs[1] + c->pairs[2] + c->pairs[3] > 0;
        if (!asked) {
            oc->status = SS_NA;
            oc->why_na = "not asked for (--checks)";
        } else if (oc->keys_violated) {
            oc->status = SS_VIOLATED;
        } else if (out->stopped) {
            oc->status = SS_UNKNOWN;
            oc->why_na = sess_stop_name(out->stopped);
        } else if (!any && checked_keys == 0) {
            oc->status = SS_NA;
            oc->why_na = "no key could be checked (see above)";
        } else if (!any) {
            oc->status = SS_NA;
            oc->why_na = g < 4 ? na[g] : "none of its parts applies";
            if ((g == SG_MW || g == SG_WFR) && out->string_appends)
                oc->why_na = "not checked for appends to strings: where an element begins "
                             "in a concatenation is ambiguous";
        } else {
            oc->status = SS_HOLDS;
        }
    }
}

void sess_check(const history *h, const model *md, const model_ops *ops, sess_order order,
                unsigned checks, int jobs, const sess_limits *lim, sess_result *out)
{
    int64_t t0 = clock_now_ns();
    memset(out, 0, sizeof *out);
    out->order = order;
    if (!md->type->access) {
        out->why_na = "session guarantees are about reads and writes of registers; this model has none";
        return;
    }
    sess_ctx c = {.h = h, .md = md, .vt = md->vt, .out = out, .keymap = valmap_new(),
                  .sessmap = valmap_new(), .checks = with_conjunctions(checks), .jobs = jobs,
                  .lim = lim};
    atomic_init(&c.halt, SESS_DONE);
    budget_join(&c.hold, lim ? lim->mem : NULL, false);
    gather(&c, ops);
    if (atomic_load(&c.halt)) {
        /* Some ops not gathered: what the rest shows is not sound (a key's
         * later ops may leave it out), so nothing is checked. */
        all_unknown(&c);
        goto out;
    }
    classify_keys(&c);
    out->sessions = valmap_size(c.sessmap) + c.nanon;
    out->keys = c.keys.n;
    bool versions = false;
    for (size_t i = 0; i < c.obs.n && !versions; i++)
        versions = c.obs.v[i].version != HIST_NONE;
    if (order == SO_AUTO)
        order = versions ? SO_STORE : SO_INFERRED;
    out->order = order;
    if (order == SO_STORE && !versions) {
        out->why_na = "no op carries a version, so there is no store order to compare "
                      "(use --version-order inferred)";
        goto out;
    }
    out->applicable = true;
    size_t nk = c.keys.n ? c.keys.n : 1;
    bool *violated = xcalloc(nk * SG_COUNT, sizeof *violated);
    bool *fixed = xcalloc(nk, sizeof *fixed); /* conjunctions derived from parts */
    if (order == SO_STORE) {
        sess_check_store(&c, violated);
        for (size_t k = 0; k < c.keys.n; k++)
            fixed[k] = true;
    } else {
        check_inferred(&c, order == SO_REALTIME, violated, fixed);
    }
    out->stopped = (sess_stop)atomic_load(&c.halt);
    derive_conjunction(&c, violated, SG_PRAM, fixed);
    derive_conjunction(&c, violated, SG_ALL, fixed);
    conclude(&c, violated);
    free(violated);
    free(fixed);
out:
    if (!out->stopped)
        out->stopped = (sess_stop)atomic_load(&c.halt);
    budget_leave(&c.hold);
    free(c.obs.v);
    free(c.olds.v);
    free(c.keys.v);
    valmap_free(c.keymap);
    valmap_free(c.sessmap);
    out->seconds = (double)(clock_now_ns() - t0) / 1e9;
}

void sess_result_free(sess_result *r)
{
    for (int g = 0; g < SG_COUNT; g++)
        for (size_t i = 0; i < r->g[g].nshown; i++) {
            free(r->g[g].shown[i].text);
            free(r->g[g].shown[i].ops);
        }
    free(r->not_unique_example);
    memset(r, 0, sizeof *r);
}
