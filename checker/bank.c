/*
 * bank.c - Jepsen's bank check (jw.h; jepsen.tests.bank/checker, and
 * elle-cli's bank, which takes the accounts and the total from the first
 * read when they are not given).
 *
 * Transfers move money between accounts and never make or lose any, so
 * every read of all the balances sums to the same total, whichever
 * transfers it saw, in any isolation level that does not let a read see
 * part of a transfer. The check needs no order of the ops at all: each ok
 * read is compared with the total.
 *
 * What is certain, and so what is a violation:
 *   - reads whose sums differ: at least one of them is wrong, whatever the
 *     total; against a total given (--total-amount, or --init's balances)
 *     each read that differs is wrong;
 *   - with the initial balances given, an account they do not name, or no
 *     balance (nil) for one they do (the accounts exist from the start);
 *   - a negative balance, only when forbidden (a store or test may allow
 *     overdrafts; they are reported either way).
 * Without --init, a nil balance counts as 0 and is no violation by itself:
 * a test may create its accounts lazily. When the total is the first
 * read's, the report says so: if that read was the wrong one, the others
 * are listed as wrong, and the sums seen (bank_result.totals) show it.
 */
#include <stdlib.h>
#include <string.h>

#include "../histories/read.h"
#include "jw_int.h"

typedef struct bread {
    uint32_t op;
    uint32_t ret;          /* completion position, for first and last */
    bank_case c[BANK_NERRORS];
    bool bad[BANK_NERRORS];
} bread;

/* --init: a map account -> integer balance. */
static jw_rc init_balances(history *h, const char *json, jw_map *accts, int64_t *sum, size_t *n,
                         sbuf *why)
{
    vtab *vt = hist_vtab(h);
    val v;
    sbuf e = {0};
    if (hist_val_from_json(vt, json, &v, &e)) {
        sbuf_printf(why, "--init: %s", sbuf_str(&e));
        sbuf_free(&e);
        return JW_EFIT;
    }
    size_t m;
    const val *kv = v.kind == VAL_MAP ? val_items(vt, v, &m) : NULL;
    __int128 s = 0;
    for (size_t i = 1; kv && i < m; i += 2) {
        if (kv[i].kind != VAL_INT)
            kv = NULL;
        else
            s += kv[i].n;
    }
    if (!kv || !m) {
        sbuf_printf(why, "--init: for %s, the initial balances: a map of account -> integer, "
                         "such as {\"0\":10,\"1\":10}",
                    model_jw_name(MODEL_JW_BANK));
        return JW_EFIT;
    }
    if (s > INT64_MAX || s < INT64_MIN) {
        sbuf_adds(why, "--init: the balances' sum does not fit in 64 bits");
        return JW_EFIT;
    }
    for (size_t i = 0; i < m; i += 2)
        jw_map_put(accts, 0, jw_norm(vt, kv[i]), (uint32_t)(i / 2), NULL);
    *sum = (int64_t)s;
    *n = m / 2;
    return JW_OK;
}

/* One ok read: its sum, negative balances, and (with the accounts known)
 * unexpected and nil ones. Returns 2 with why if it is not a map of
 * balances. */
static jw_rc read_one(const history *h, uint32_t i, const jw_map *accts, bread *b, sbuf *why)
{
    const vtab *vt = hist_cvtab(h);
    const hist_op *o = &hist_ops(h)[i];
    size_t m;
    const val *kv = o->out.kind == VAL_MAP ? val_items(vt, o->out, &m) : NULL;
    if (!kv) {
        jw_where(h, o, why);
        sbuf_printf(why, "a %s read's value must be a map of account -> balance, got ",
                    model_jw_name(MODEL_JW_BANK));
        val_describe(vt, o->out, why);
        return JW_EFIT;
    }
    memset(b, 0, sizeof *b);
    b->op = i;
    b->ret = o->ret;
    __int128 sum = 0, neg = 0;
    bank_case *cn = &b->c[BANK_NEGATIVE], *cu = &b->c[BANK_UNEXPECTED], *cz = &b->c[BANK_NIL];
    for (size_t j = 0; j < m; j += 2) {
        val acct = jw_norm(vt, kv[j]), bal = kv[j + 1];
        bool known = accts->n == 0 || jw_map_get(accts, 0, acct) != JW_NO_OP;
        if (!known && cu->count++ == 0)
            cu->account = acct;
        if (bal.kind == VAL_NIL) {
            if (accts->n && known && cz->count++ == 0)
                cz->account = acct;
            continue;
        }
        if (bal.kind != VAL_INT) {
            jw_where(h, o, why);
            sbuf_adds(why, "a balance must be an integer or nil, got ");
            val_describe(vt, bal, why);
            sbuf_adds(why, " for account ");
            val_describe(vt, kv[j], why);
            return JW_EFIT;
        }
        sum += bal.n;
        if (bal.n < 0) {
            neg += bal.n;
            if (cn->count++ == 0)
                cn->account = acct;
        }
    }
    if (sum > INT64_MAX || sum < INT64_MIN || neg < INT64_MIN) {
        jw_where(h, o, why);
        sbuf_adds(why, "the balances' sum does not fit in 64 bits");
        return JW_EFIT;
    }
    for (int e = 0; e < BANK_NERRORS; e++) {
        b->c[e].op = i;
        b->c[e].total = (int64_t)sum;
        b->c[e].negative = (int64_t)neg;
    }
    b->bad[BANK_NEGATIVE] = cn->count > 0;
    b->bad[BANK_UNEXPECTED] = cu->count > 0;
    b->bad[BANK_NIL] = cz->count > 0;
    return JW_OK;
}

/* How far off a case is: the bigger, the worse (Jepsen's err-badness). */
static uint64_t badness(bank_error e, const bank_case *c, int64_t total)
{
    switch (e) {
    case BANK_WRONG_TOTAL: {
        __int128 d = (__int128)c->total - total;
        return (uint64_t)(d < 0 ? -d : d);
    }
    case BANK_NEGATIVE: return (uint64_t)(-(__int128)c->negative);
    default: return c->count;
    }
}

/* Reads come in order of completion: the first case stays, the last is
 * the latest. */
static void add_case(bank_cases *cs, bank_error e, const bank_case *c, int64_t total)
{
    cs->last = *c;
    if (cs->count++ == 0) {
        cs->first = cs->worst = cs->lowest = cs->highest = *c;
        return;
    }
    if (badness(e, c, total) > badness(e, &cs->worst, total))
        cs->worst = *c;
    if (c->total < cs->lowest.total)
        cs->lowest = *c;
    if (c->total > cs->highest.total)
        cs->highest = *c;
}

static void add_total(bank_result *r, const bread *b)
{
    int64_t t = b->c[0].total;
    for (size_t i = 0; i < r->ntotals; i++)
        if (r->totals[i].total == t) {
            r->totals[i].reads++;
            return;
        }
    if (r->ntotals == BANK_MAX_TOTALS) {
        r->more_totals = true;
        return;
    }
    r->totals[r->ntotals].total = t;
    r->totals[r->ntotals].reads = 1;
    r->totals[r->ntotals].first = b->op;
    r->ntotals++;
}

static int by_ret(const void *a, const void *b)
{
    uint32_t x = ((const bread *)a)->ret, y = ((const bread *)b)->ret;
    return x < y ? -1 : x > y;
}

jw_rc jw_bank(history *h, const jw_opts *o, jw_result *res, sbuf *why)
{
    bank_result *r = &res->bank;
    jw_map accts = {0};
    VEC(bread) reads = {0};
    jw_rc rc = JW_OK;
    int64_t init_sum = 0;
    if (o->init_json && (rc = init_balances(h, o->init_json, &accts, &init_sum, &r->naccounts, why)))
        goto out;
    if (o->init_json && o->has_total && o->total != init_sum) {
        sbuf_printf(why, "--total-amount %lld, but --init's balances sum to %lld",
                    (long long)o->total, (long long)init_sum);
        rc = JW_EFIT;
        goto out;
    }
    const hist_op *ops = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h); i++) {
        const hist_op *op = &ops[i];
        if (jw_op(h, op) == MODEL_JW_OP_TRANSFER) {
            r->ntransfers++;
            r->ntransfers_ok += op->status == OP_OK;
            continue;
        }
        if (jw_op(h, op) != MODEL_JW_OP_READ) {
            jw_where(h, op, why);
            sbuf_adds(why, "unknown operation ");
            val_describe(hist_cvtab(h), op->f, why);
            sbuf_printf(why, " for %s (it knows: %s)", model_jw_name(MODEL_JW_BANK),
                    model_jw_ops(MODEL_JW_BANK));
            rc = JW_EFIT;
            goto out;
        }
        if (op->status != OP_OK)
            continue; /* a read that did not complete saw nothing */
        bread b;
        if ((rc = read_one(h, (uint32_t)i, &accts, &b, why)))
            goto out;
        VEC_PUSH(reads, b);
    }
    /* First and last are by completion, as Jepsen's (by index of the ok op). */
    if (reads.n > 1)
        qsort(reads.v, reads.n, sizeof *reads.v, by_ret);
    r->nreads = reads.n;
    r->negative_forbidden = o->forbid_negative;
    if (o->has_total) {
        r->total = o->total;
        r->total_from = BANK_TOTAL_GIVEN;
    } else if (o->init_json) {
        r->total = init_sum;
        r->total_from = BANK_TOTAL_INIT;
    } else if (reads.n) {
        r->total = reads.v[0].c[0].total;
        r->total_from = BANK_TOTAL_FIRST_READ;
        r->total_op = reads.v[0].op;
    }
    for (size_t i = 0; i < reads.n; i++) {
        bread *b = &reads.v[i];
        b->bad[BANK_WRONG_TOTAL] = b->c[0].total != r->total;
        add_total(r, b);
        for (int e = 0; e < BANK_NERRORS; e++)
            if (b->bad[e])
                add_case(&r->e[e], (bank_error)e, &b->c[e], r->total);
    }
    if (r->e[BANK_WRONG_TOTAL].count || r->e[BANK_UNEXPECTED].count || r->e[BANK_NIL].count ||
        (o->forbid_negative && r->e[BANK_NEGATIVE].count)) {
        res->verdict = JW_INVALID;
    } else if (!reads.n) {
        res->verdict = JW_UNKNOWN;
        res->why_unknown = xstrdup("no read completed: there is nothing to check");
    }
out:
    free(reads.v);
    jw_map_free(&accts);
    return rc;
}

const char *jw_bank_error_name(bank_error e)
{
    static const char *const names[] = {"wrong-total", "negative-value", "unexpected-key",
                                        "nil-balance"};
    return names[e];
}
