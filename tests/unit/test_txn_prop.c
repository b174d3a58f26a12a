/* Unit tests: the transactional checker against brute force
 * (checker/txn*.c).
 *
 * Random histories of at most 6 list-append txns over 2 keys, made by a
 * sloppy database: it runs the txns in a random order, then spoils some
 * reads (stale, too new, reordered, with an element dropped, repeated or
 * made up), lets some info txns happen and a few failed ones leak. The
 * brute force tries every set of the info txns that may have happened and
 * every order of the txns that did (at most 6! orders a set): serializable
 * if one order gives every ok read exactly what it saw.
 *
 * The claim tested, both ways: the checker finds an anomaly serializable
 * forbids exactly when no order exists. It holds for list-append, where a
 * read shows every append before it (txn_append.c); the same with real-time
 * order (strict serializable) and with process order (strong session
 * serializable). For rw-register, where reads hide the version order, only
 * one way holds: an anomaly found means no order exists.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/txn.h"
#include "helpers.h"
#include "../../util/mem.h"

#define MAXT 6
#define MAXM 4
#define MAXL 24
#define NKEY 2

typedef struct gmop {
    int f; /* 0 read, 1 append/write */
    int key, v;
    int n, l[MAXL]; /* a read's list (list-append); l[0] its value (register, -1 nil) */
} gmop;

typedef struct gtxn {
    int st; /* 0 ok, 1 info, 2 fail */
    int nm;
    gmop m[MAXM];
    int call, ret, proc;
} gtxn;

typedef struct ghist {
    int n;
    gtxn t[MAXT];
    bool reg; /* rw-register */
} ghist;

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) % n;
}

/* ---- a sloppy database ---- */

typedef struct state {
    int n[NKEY], l[NKEY][MAXL]; /* list-append */
    int reg[NKEY];              /* rw-register: -1 nil */
} state;

static void apply(const ghist *h, int ti, state *s, bool record, gtxn *out)
{
    const gtxn *t = &h->t[ti];
    for (int j = 0; j < t->nm; j++) {
        const gmop *m = &t->m[j];
        if (m->f == 1) {
            if (h->reg)
                s->reg[m->key] = m->v;
            else if (s->n[m->key] < MAXL)
                s->l[m->key][s->n[m->key]++] = m->v;
        } else if (record) {
            gmop *o = &out->m[j];
            if (h->reg) {
                o->n = 1;
                o->l[0] = s->reg[m->key];
            } else {
                o->n = s->n[m->key];
                memcpy(o->l, s->l[m->key], sizeof o->l);
            }
        }
    }
}

static void spoil(unsigned *seed, ghist *h, gmop *m, const state *fin, int *garbage)
{
    int k = m->key;
    if (h->reg) {
        switch (rnd(seed, 3)) {
        case 0: /* any value written to the key, or nil */
            m->l[0] = rnd(seed, 4) == 0 ? -1 : (int)rnd(seed, 4) + 1;
            break;
        case 1:
            m->l[0] = fin->reg[k];
            break;
        default:
            m->l[0] = (*garbage)++;
        }
        return;
    }
    switch (rnd(seed, 7)) {
    case 0: /* stale: a shorter prefix */
        if (m->n)
            m->n = (int)rnd(seed, (unsigned)m->n);
        break;
    case 1:
    case 2: /* another prefix of the final list */
        m->n = (int)rnd(seed, (unsigned)fin->n[k] + 1);
        memcpy(m->l, fin->l[k], sizeof m->l);
        break;
    case 3: /* an element dropped */
        if (m->n >= 2) {
            int i = (int)rnd(seed, (unsigned)m->n - 1);
            memmove(&m->l[i], &m->l[i + 1], (size_t)(m->n - i - 1) * sizeof(int));
            m->n--;
        }
        break;
    case 4: /* two swapped */
        if (m->n >= 2) {
            int i = (int)rnd(seed, (unsigned)m->n - 1), x = m->l[i];
            m->l[i] = m->l[i + 1];
            m->l[i + 1] = x;
        }
        break;
    case 5: /* one repeated */
        if (m->n && m->n < MAXL) {
            m->l[m->n] = m->l[rnd(seed, (unsigned)m->n)];
            m->n++;
        }
        break;
    default: /* one made up */
        if (m->n < MAXL)
            m->l[m->n++] = (*garbage)++;
    }
}

static void gen(unsigned *seed, ghist *h, bool reg, int spoil_in)
{
    memset(h, 0, sizeof *h);
    h->reg = reg;
    h->n = 1 + (int)rnd(seed, MAXT);
    int next[NKEY] = {1, 1};
    for (int i = 0; i < h->n; i++) {
        gtxn *t = &h->t[i];
        unsigned r = rnd(seed, 10);
        t->st = r < 7 ? 0 : r < 9 ? 1 : 2;
        t->nm = 1 + (int)rnd(seed, MAXM);
        for (int j = 0; j < t->nm; j++) {
            gmop *m = &t->m[j];
            m->key = (int)rnd(seed, NKEY);
            m->f = (int)rnd(seed, 2);
            if (m->f == 1)
                m->v = next[m->key]++;
        }
    }
    /* run in a random order: which txns happen */
    int ord[MAXT];
    for (int i = 0; i < h->n; i++)
        ord[i] = i;
    for (int i = h->n - 1; i > 0; i--) {
        int j = (int)rnd(seed, (unsigned)i + 1), x = ord[i];
        ord[i] = ord[j];
        ord[j] = x;
    }
    state s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < NKEY; k++)
        s.reg[k] = -1;
    for (int i = 0; i < h->n; i++) {
        gtxn *t = &h->t[ord[i]];
        bool happens = t->st == 0 || (t->st == 1 && rnd(seed, 2)) || (t->st == 2 && !rnd(seed, 12));
        if (happens)
            apply(h, ord[i], &s, t->st == 0, t);
    }
    int garbage = 100;
    for (int i = 0; i < h->n; i++)
        for (int j = 0; j < h->t[i].nm; j++)
            if (h->t[i].st == 0 && h->t[i].m[j].f == 0 && (int)rnd(seed, 100) < spoil_in)
                spoil(seed, h, &h->t[i].m[j], &s, &garbage);
    /* times: mostly in the order run, overlapping; processes one op at a time */
    int pos[MAXT];
    for (int i = 0; i < h->n; i++)
        pos[ord[i]] = i;
    int busy[MAXT * 2], np = 0;
    for (int i = 0; i < h->n; i++) {
        gtxn *t = &h->t[i];
        t->call = pos[i] * 10 + (int)rnd(seed, 14) - 4;
        t->ret = t->call + 1 + (int)rnd(seed, 16);
    }
    /* assign processes in call order */
    int byc[MAXT];
    for (int i = 0; i < h->n; i++)
        byc[i] = i;
    for (int i = 1; i < h->n; i++)
        for (int j = i; j > 0 && h->t[byc[j]].call < h->t[byc[j - 1]].call; j--) {
            int x = byc[j];
            byc[j] = byc[j - 1];
            byc[j - 1] = x;
        }
    for (int i = 0; i < h->n; i++) {
        gtxn *t = &h->t[byc[i]];
        int p = -1;
        for (int q = 0; q < np && p < 0; q++)
            if (busy[q] < t->call && rnd(seed, 3))
                p = q;
        if (p < 0)
            p = np++;
        busy[p] = t->ret;
        t->proc = p;
    }
}

/* ---- the history as text ---- */

static void value_of(const ghist *h, const gtxn *t, bool completion, sbuf *b)
{
    sbuf_addc(b, '[');
    for (int j = 0; j < t->nm; j++) {
        const gmop *m = &t->m[j];
        const char *k = m->key ? "y" : "x";
        if (j)
            sbuf_addc(b, ',');
        if (m->f == 1) {
            sbuf_printf(b, "[\"%s\",\"%s\",%d]", h->reg ? "w" : "append", k, m->v);
        } else if (!completion || t->st != 0) {
            sbuf_printf(b, "[\"r\",\"%s\",null]", k);
        } else if (h->reg) {
            if (m->l[0] < 0)
                sbuf_printf(b, "[\"r\",\"%s\",null]", k);
            else
                sbuf_printf(b, "[\"r\",\"%s\",%d]", k, m->l[0]);
        } else {
            sbuf_printf(b, "[\"r\",\"%s\",[", k);
            for (int i = 0; i < m->n; i++)
                sbuf_printf(b, "%s%d", i ? "," : "", m->l[i]);
            sbuf_adds(b, "]]");
        }
    }
    sbuf_addc(b, ']');
}

typedef struct gev {
    int time, t, ret;
} gev;

static int cmp_ev(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->time != y->time)
        return x->time - y->time;
    return y->ret - x->ret; /* completions first at equal times */
}

/* The history as JSON Lines; call and ret become event positions, the
 * order the checker sees. */
static char *text_of(ghist *h)
{
    gev ev[2 * MAXT];
    int n = 0;
    for (int i = 0; i < h->n; i++) {
        ev[n++] = (gev){h->t[i].call, i, 0};
        ev[n++] = (gev){h->t[i].ret, i, 1};
    }
    qsort(ev, (size_t)n, sizeof *ev, cmp_ev);
    static const char *types[] = {"ok", "info", "fail"};
    sbuf b = {0};
    for (int i = 0; i < n; i++) {
        gtxn *t = &h->t[ev[i].t];
        if (ev[i].ret)
            t->ret = i;
        else
            t->call = i;
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"txn\",\"value\":", t->proc,
                    ev[i].ret ? types[t->st] : "invoke");
        value_of(h, t, ev[i].ret, &b);
        sbuf_adds(&b, "}\n");
    }
    return b.p;
}

/* ---- brute force ---- */

enum { BF_SER, BF_STRICT, BF_SESSION };

/* Must a come before b in mode? (both happened) */
static bool before(const ghist *h, int a, int b, int mode)
{
    const gtxn *x = &h->t[a], *y = &h->t[b];
    if (x->st != 0)
        return false; /* an info txn may take effect any time after its call */
    if (mode == BF_STRICT)
        return x->ret < y->call;
    if (mode == BF_SESSION)
        return x->proc == y->proc && x->call < y->call;
    return false;
}

static bool explains(const ghist *h, const int *ord, int n)
{
    state s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < NKEY; k++)
        s.reg[k] = -1;
    for (int i = 0; i < n; i++) {
        const gtxn *t = &h->t[ord[i]];
        for (int j = 0; j < t->nm; j++) {
            const gmop *m = &t->m[j];
            if (m->f == 1) {
                if (h->reg)
                    s.reg[m->key] = m->v;
                else
                    s.l[m->key][s.n[m->key]++] = m->v;
            } else if (t->st == 0) {
                if (h->reg ? m->l[0] != s.reg[m->key]
                           : (m->n != s.n[m->key] ||
                              memcmp(m->l, s.l[m->key], (size_t)m->n * sizeof(int)) != 0))
                    return false;
            }
        }
    }
    return true;
}

static bool permute(const ghist *h, int *ord, int k, int n, int mode)
{
    if (k == n)
        return explains(h, ord, n);
    for (int i = k; i < n; i++) {
        int x = ord[k];
        ord[k] = ord[i];
        ord[i] = x;
        bool ok = true;
        for (int j = 0; j < k && ok; j++) /* nothing placed must come after ord[k] */
            if (before(h, ord[k], ord[j], mode))
                ok = false;
        if (ok && permute(h, ord, k + 1, n, mode))
            return true;
        ord[i] = ord[k];
        ord[k] = x;
    }
    return false;
}

static bool brute(const ghist *h, int mode)
{
    int info[MAXT], ni = 0;
    for (int i = 0; i < h->n; i++)
        if (h->t[i].st == 1)
            info[ni++] = i;
    for (int mask = 0; mask < (1 << ni); mask++) {
        int ord[MAXT], n = 0;
        for (int i = 0; i < h->n; i++)
            if (h->t[i].st == 0)
                ord[n++] = i;
        for (int i = 0; i < ni; i++)
            if (mask >> i & 1)
                ord[n++] = info[i];
        if (permute(h, ord, 0, n, mode))
            return true;
    }
    return false;
}

static txn_verdict check(const char *text, txn_cm cm, unsigned assume, txn_result *r)
{
    history *h = th_read(text);
    txn_opts o = {.model = cm, .assume = assume};
    sbuf why = {0};
    cr_assert_eq(txn_check(h, &o, r, &why), 0, "%s\n%s", sbuf_str(&why), text);
    sbuf_free(&why);
    hist_free(h);
    /* every explanation found a reason for every edge */
    for (int t = 0; t < TA_COUNT; t++)
        for (size_t i = 0; i < r->found[t].nshown; i++)
            cr_assert(!strstr(r->found[t].shown[i].text, "no reason recorded"), "%s\n%s",
                      r->found[t].shown[i].text, text);
    return r->verdict;
}

static void dump(const txn_result *r)
{
    for (int t = 0; t < TA_COUNT; t++)
        for (size_t i = 0; i < r->found[t].nshown; i++)
            fprintf(stderr, "%s", r->found[t].shown[i].text);
}

/* Check runs random histories under model cm (with assume), against the
 * brute force in mode; returns how many the checker found invalid. */
static int run(bool reg, int mode, txn_cm cm, unsigned assume, unsigned seed0, int runs)
{
    unsigned seed = seed0;
    int valid = 0, invalid = 0;
    for (int i = 0; i < runs; i++) {
        ghist h;
        gen(&seed, &h, reg, 10 + (int)(i % 3) * 25);
        char *text = text_of(&h);
        txn_result r;
        txn_verdict v = check(text, cm, assume, &r);
        bool ser = brute(&h, mode);
        cr_assert_neq(v, TXN_UNKNOWN, "%s", text);
        if (v == TXN_INVALID && ser) {
            dump(&r);
            cr_assert_fail("%s: the checker found a violation, but an order exists:\n%s",
                           txn_cm_name(cm), text);
        }
        if (!reg && v == TXN_VALID && !ser) {
            dump(&r);
            cr_assert_fail("%s: no order exists, but the checker found nothing:\n%s",
                           txn_cm_name(cm), text);
        }
        if (v == TXN_INVALID)
            invalid++;
        else
            valid++;
        txn_result_free(&r);
        free(text);
    }
    /* both verdicts, in quantity */
    if (getenv("TXN_SHOW"))
        fprintf(stderr, "%s %s: %d valid, %d invalid\n", reg ? "rw-register" : "list-append",
                txn_cm_name(cm), valid, invalid);
    cr_assert_gt(valid, runs / 5, "valid %d of %d", valid, runs);
    cr_assert_gt(invalid, runs / 5, "invalid %d of %d", invalid, runs);
    return invalid;
}

Test(txn_prop, list_append_serializable)
{
    run(false, BF_SER, TCM_SERIALIZABLE, 0, 1u, 10000);
}

Test(txn_prop, list_append_strict_serializable)
{
    run(false, BF_STRICT, TCM_STRICT_SERIALIZABLE, 0, 2u, 10000);
}

Test(txn_prop, list_append_strong_session_serializable)
{
    run(false, BF_SESSION, TCM_STRONG_SESSION_SERIALIZABLE, 0, 3u, 10000);
}

Test(txn_prop, rw_register_sound)
{
    run(true, BF_SER, TCM_SERIALIZABLE, 0, 4u, 10000);
    run(true, BF_STRICT, TCM_STRICT_SERIALIZABLE, 0, 5u, 10000);
}

/* The assumptions hold wherever the model does (strict serializability
 * implies linearizable keys, strong session serializability sequential
 * ones), so with them the check stays sound for those models; and it sees
 * more. The same seeds give the same histories. */
Test(txn_prop, rw_register_assumptions_sound)
{
    int plain = run(true, BF_STRICT, TCM_STRICT_SERIALIZABLE, 0, 6u, 10000);
    int lin = run(true, BF_STRICT, TCM_STRICT_SERIALIZABLE, TXN_ORDER_REALTIME, 6u, 10000);
    cr_assert_gt(lin, plain, "linearizable keys: %d violations, without: %d", lin, plain);
    plain = run(true, BF_SESSION, TCM_STRONG_SESSION_SERIALIZABLE, 0, 7u, 10000);
    int seq = run(true, BF_SESSION, TCM_STRONG_SESSION_SERIALIZABLE, TXN_ORDER_PROCESS, 7u, 10000);
    cr_assert_gt(seq, plain, "sequential keys: %d violations, without: %d", seq, plain);
    /* and a model the assumption does not follow from is not judged by it */
    run(true, BF_SER, TCM_SERIALIZABLE, TXN_ORDER_REALTIME, 8u, 10000);
}
