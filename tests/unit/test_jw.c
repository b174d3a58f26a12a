/* Unit tests: Jepsen's other workloads (checker/jw.c, bank.c, longfork.c,
 * setfull.c).
 *
 * Table-driven cases for each check and for telling the workload from the
 * ops; then the two checks that are not Jepsen's algorithm against Jepsen's
 * algorithm, written here as it is, on random histories:
 *   - long-fork: Jepsen compares every pair of reads of the same keys; the
 *     check sorts each group and compares neighbours. Same groups with a
 *     fork, both ways.
 *   - set-full: Jepsen updates every element at every read, in the
 *     history's order; the check indexes the reads' elements. Same counts
 *     of stable, lost, never-read and stale elements, and the same latency
 *     quantiles (times are event positions in ms, so Jepsen's whole-ms
 *     latencies are the check's, rounded down).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/jw.h"
#include "helpers.h"

static check_item run(const char *text, const check_opts *o)
{
    check_item it = {0};
    it.h = th_read(text);
    check_opts c = *o;
    c.jobs = 1;
    check_run(&it, 1, &c);
    return it;
}

static void done(check_item *it)
{
    history *h = it->h;
    check_item_free(it);
    hist_free(h);
}

/* ---- bank ---- */

#define R(p, v) "{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"read\"}\n" \
                "{\"process\":" #p ",\"type\":\"ok\",\"f\":\"read\",\"value\":" v "}\n"
#define T(p, type, v) "{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"transfer\",\"value\":" v "}\n" \
                      "{\"process\":" #p ",\"type\":\"" type "\",\"f\":\"transfer\",\"value\":" v "}\n"
#define TV "{\"from\":0,\"to\":1,\"amount\":3}"

typedef struct bank_row {
    const char *name, *text;
    check_opts o;
    lin_verdict want;
    size_t count[BANK_NERRORS];
} bank_row;

static const bank_row bank_rows[] = {
    {"a constant total", R(0, "{\"0\":10,\"1\":10}") T(1, "ok", TV) R(0, "{\"0\":7,\"1\":13}"),
     {0}, LIN_VALID, {0}},
    {"a read whose sum is off", R(0, "{\"0\":10,\"1\":10}") T(1, "ok", TV) R(0, "{\"0\":7,\"1\":10}"),
     {0}, LIN_INVALID, {1, 0, 0, 0}},
    {"the first read is the wrong one: every other is listed",
     R(0, "{\"0\":9,\"1\":10}") R(0, "{\"0\":10,\"1\":10}") R(0, "{\"0\":10,\"1\":10}"), {0},
     LIN_INVALID, {2, 0, 0, 0}},
    {"the total given", R(0, "{\"0\":9,\"1\":10}") R(0, "{\"0\":10,\"1\":10}"),
     {.jw = {.has_total = true, .total = 20}}, LIN_INVALID, {1, 0, 0, 0}},
    {"negative balances, allowed", R(0, "{\"0\":-1,\"1\":21}"), {0}, LIN_VALID, {0, 1, 0, 0}},
    {"negative balances, forbidden", R(0, "{\"0\":-1,\"1\":21}"),
     {.jw = {.forbid_negative = true}}, LIN_INVALID, {0, 1, 0, 0}},
    {"--init names the accounts: one more is unexpected",
     R(0, "{\"0\":10,\"1\":10,\"2\":0}"), {.init_json = "{\"0\":10,\"1\":10}"}, LIN_INVALID,
     {0, 0, 1, 0}},
    {"--init: a nil balance of an account it names",
     R(0, "{\"0\":20,\"1\":null}"), {.init_json = "{\"0\":10,\"1\":10}"}, LIN_INVALID,
     {0, 0, 0, 1}},
    {"without --init, nil counts as 0", R(0, "{\"0\":20,\"1\":null}") R(0, "{\"0\":10,\"1\":10}"),
     {0}, LIN_VALID, {0}},
    {"EDN's integer accounts are JSON's digit strings",
     "{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok :f :read :value {0 5 1 15}}\n",
     {.init_json = "{\"0\":10,\"1\":10}"}, LIN_VALID, {0}},
    {"transfers and no read: nothing to check", T(0, "ok", TV), {0}, LIN_UNKNOWN, {0}},
    {"reads that did not complete say nothing",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
     "{\"process\":0,\"type\":\"info\",\"f\":\"read\"}\n" R(1, "{\"0\":1}"),
     {0}, LIN_VALID, {0}},
};

#define NROWS(a) (sizeof a / sizeof *a)

Test(jw, bank)
{
    for (const bank_row *row = bank_rows; row < bank_rows + NROWS(bank_rows); row++) {
    check_opts o = row->o;
    o.jw.kind = MODEL_JW_BANK;
    check_item it = run(row->text, &o);
    cr_assert_eq(it.rc, 0, "%s: %s", row->name, sbuf_str(&it.why));
    cr_expect_eq(it.verdict, row->want, "%s: verdict %d", row->name, it.verdict);
    for (int e = 0; e < BANK_NERRORS; e++)
        cr_expect_eq(it.jw.bank.e[e].count, row->count[e], "%s: %s %zu", row->name,
                     jw_bank_error_name((bank_error)e), it.jw.bank.e[e].count);
    done(&it);
    }
}

typedef struct err_row {
    const char *name, *text, *init;
    jw_kind kind;
    bool has_total;
    const char *msg;
} err_row;

static const err_row err_rows[] = {
    {"bank: an op it does not know", R(0, "{\"0\":1}") "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n",
     NULL, MODEL_JW_BANK, false, "unknown operation \"write\" for bank"},
    {"bank: a read that is no map", R(0, "[1,2]"), NULL, MODEL_JW_BANK, false,
     "t:2:1: a bank read's value must be a map"},
    {"bank: a balance that is no integer", R(0, "{\"0\":1.5}"), NULL, MODEL_JW_BANK, false,
     "a balance must be an integer or nil"},
    {"bank: --init that is no map of balances", R(0, "{\"0\":1}"), "[1]", MODEL_JW_BANK, false,
     "--init: for bank, the initial balances"},
    {"bank: --init and --total-amount disagree", R(0, "{\"0\":1}"), "{\"0\":1}", MODEL_JW_BANK, true,
     "--total-amount 5, but --init's balances sum to 1"},
    {"long-fork: a write of two keys",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,1],[\"w\",2,1]]}\n",
     NULL, MODEL_JW_LONG_FORK, false, "a long-fork op is a write of one key"},
    {"long-fork: a read that writes",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":[[\"w\",1,1]]}\n", NULL,
     MODEL_JW_LONG_FORK, false, "a long-fork op is a write of one key"},
    {"set-full: a read of no list", "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                                    "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}\n",
     NULL, MODEL_JW_SET_FULL, false, "a set-full read's value must be a list"},
    {"set-full: an op it does not know",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[1,2]}\n", NULL, MODEL_JW_SET_FULL,
     false, "unknown operation \"cas\" for set-full"},
};

Test(jw, errors)
{
    for (const err_row *row = err_rows; row < err_rows + NROWS(err_rows); row++) {
    check_opts o = {.init_json = row->init, .jw = {.kind = row->kind, .has_total = row->has_total,
                                                    .total = 5}};
    check_item it = run(row->text, &o);
    cr_assert_eq(it.rc, CHECK_EOP, "%s: rc %d", row->name, it.rc);
    cr_expect(strstr(sbuf_str(&it.why), row->msg), "%s: %s", row->name, sbuf_str(&it.why));
    done(&it);
    }
}

/* ---- inference ---- */

typedef struct infer_row {
    const char *name, *text;
    jw_kind want;
} infer_row;

static const infer_row infer_rows[] = {
    {"a transfer", T(0, "fail", TV), MODEL_JW_BANK},
    {"reads of maps of integers and no writes", R(0, "{\"0\":10,\"1\":null}"), MODEL_JW_BANK},
    {"reads and writes of maps: a register's values",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":{\"0\":1}}\n"
     "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":{\"0\":1}}\n" R(0, "{\"0\":1}"),
     MODEL_JW_NONE},
    {"reads of maps of strings", R(0, "{\"a\":\"b\"}"), MODEL_JW_NONE},
    {"reads of numbers", R(0, "1"), MODEL_JW_NONE},
    {"reads and writes of micro-ops",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":[[\"r\",1,null]]}\n",
     MODEL_JW_LONG_FORK},
    {"a write of micro-ops and one of a number",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":3}\n",
     MODEL_JW_NONE},
    {"txns are the txn checker's",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",1,1]]}\n", MODEL_JW_NONE},
    {"add and read: a set (set-full is only named)",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}\n" R(1, "[1]"), MODEL_JW_NONE},
};

Test(jw, infer)
{
    for (const infer_row *row = infer_rows; row < infer_rows + NROWS(infer_rows); row++) {
    history *h = th_read(row->text);
    const char *how = NULL;
    cr_expect_eq(jw_infer(h, &how, NULL), row->want, "%s", row->name);
    cr_expect(row->want == MODEL_JW_NONE || how, "%s: says what showed it", row->name);
    hist_free(h);
    }
}

/* The false violation: a bank read of a map of balances was a
 * register's read of a value never written. */
Test(jw, bank_read_is_no_register_read)
{
    check_item it = run("{:process 0 :type :invoke :f :read}\n"
                        "{:process 0 :type :ok :f :read :value {0 10 1 10 2 10}}\n",
                        &(check_opts){0});
    cr_assert_eq(it.rc, 0, "%s", sbuf_str(&it.why));
    cr_expect(it.jw_checked);
    cr_expect_eq(it.verdict, LIN_VALID);
    done(&it);
}

/* ---- long-fork against Jepsen's pairs ---- */

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) % n;
}

#define LF_KEYS 6
#define LF_GROUP 3
#define LF_READS 10

Test(jw, long_fork_against_pairs)
{
    size_t forks = 0, clean = 0;
    for (unsigned seed = 1; seed <= 3000; seed++) {
        unsigned s = seed;
        sbuf b = {0};
        int status[LF_KEYS]; /* 0 ok, 1 info, 2 fail, 3 never written */
        for (int k = 0; k < LF_KEYS; k++) {
            status[k] = (int)rnd(&s, 8);
            status[k] = status[k] < 5 ? 0 : status[k] - 4;
            if (status[k] == 3)
                continue;
            sbuf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",%d,1]]}\n"
                            "{\"process\":%d,\"type\":\"%s\",\"f\":\"write\",\"value\":[[\"w\",%d,1]]}\n",
                        k, k, k, status[k] == 0 ? "ok" : status[k] == 1 ? "info" : "fail", k);
        }
        /* reads: a group, and which of its written keys each saw */
        int group[LF_READS], seen[LF_READS][LF_GROUP];
        for (int r = 0; r < LF_READS; r++) {
            group[r] = (int)rnd(&s, LF_KEYS / LF_GROUP);
            sbuf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"read\",\"value\":[", 100 + r);
            for (int j = 0; j < LF_GROUP; j++)
                sbuf_printf(&b, "%s[\"r\",%d,null]", j ? "," : "", group[r] * LF_GROUP + j);
            sbuf_printf(&b, "]}\n{\"process\":%d,\"type\":\"ok\",\"f\":\"read\",\"value\":[", 100 + r);
            for (int j = 0; j < LF_GROUP; j++) {
                int k = group[r] * LF_GROUP + (LF_GROUP - 1 - j); /* another order */
                seen[r][LF_GROUP - 1 - j] = status[k] < 2 && rnd(&s, 2);
                sbuf_printf(&b, "%s[\"r\",%d,%s]", j ? "," : "", k,
                            seen[r][LF_GROUP - 1 - j] ? "1" : "null");
            }
            sbuf_printf(&b, "]}\n");
        }
        /* Jepsen: every pair of reads of one group, comparable or a fork */
        bool fork[LF_KEYS / LF_GROUP] = {0};
        for (int x = 0; x < LF_READS; x++)
            for (int y = x + 1; y < LF_READS; y++) {
                if (group[x] != group[y])
                    continue;
                int res = 0;
                bool incomparable = false;
                for (int j = 0; j < LF_GROUP && !incomparable; j++) {
                    if (seen[x][j] == seen[y][j])
                        continue;
                    int d = seen[x][j] ? -1 : 1;
                    if (res && res != d)
                        incomparable = true;
                    res = d;
                }
                fork[group[x]] |= incomparable;
            }
        size_t want = 0;
        for (int g = 0; g < LF_KEYS / LF_GROUP; g++)
            want += fork[g];
        check_item it = run(sbuf_str(&b), &(check_opts){.jw = {.kind = MODEL_JW_LONG_FORK}});
        cr_assert_eq(it.rc, 0, "seed %u: %s", seed, sbuf_str(&it.why));
        cr_assert_eq(it.jw.lf.nforks, want, "seed %u: %zu groups with forks, Jepsen %zu\n%s", seed,
                     it.jw.lf.nforks, want, sbuf_str(&b));
        cr_assert_eq(it.jw.lf.nbad, 0, "seed %u", seed);
        cr_assert_eq(it.verdict, want ? LIN_INVALID : LIN_VALID, "seed %u", seed);
        forks += want > 0;
        clean += want == 0;
        done(&it);
        sbuf_free(&b);
    }
    cr_expect(forks > 100 && clean > 100, "both verdicts: %zu forks, %zu clean", forks, clean);
}

Test(jw, long_fork_bad_reads)
{
    const char *text =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
        "{\"process\":0,\"type\":\"fail\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",2,1]]}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":[[\"w\",2,1]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":[[\"r\",1,null],[\"r\",2,null],[\"r\",3,null]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[[\"r\",1,1],[\"r\",2,7],[\"r\",3,1]]}\n";
    check_item it = run(text, &(check_opts){.jw = {.kind = MODEL_JW_LONG_FORK}});
    cr_assert_eq(it.rc, 0, "%s", sbuf_str(&it.why));
    cr_expect_eq(it.jw.lf.nbad, 3, "a failed write's value, another value, a key never written");
    cr_expect_eq(it.verdict, LIN_INVALID);
    done(&it);
}

Test(jw, long_fork_key_written_twice)
{
    const char *text =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":[[\"w\",1,1]]}\n"
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[[\"w\",1,2]]}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":[[\"w\",1,2]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":[[\"r\",1,null]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[[\"r\",1,2]]}\n";
    check_item it = run(text, &(check_opts){.jw = {.kind = MODEL_JW_LONG_FORK}});
    cr_assert_eq(it.rc, 0, "%s", sbuf_str(&it.why));
    cr_expect_eq(it.jw.lf.keys_rewritten, 1);
    cr_expect_eq(it.verdict, LIN_UNKNOWN, "as Jepsen's: the key is left out");
    done(&it);
}

/* ---- set-full against Jepsen's fold ---- */

#define SF_PROCS 4
#define SF_OPS 40
#define SF_MAXE 64

typedef struct sev {
    int proc, type; /* type: 0 invoke, 1 ok, 2 info, 3 fail */
    int add;        /* 1 add, 0 read */
    int elem;       /* add: the element */
    int nread, read[SF_MAXE];
} sev;

/* Jepsen's element state, literally (jepsen.checker's SetFullElement). */
typedef struct jel {
    bool exists;
    int known, known_time;                   /* -1: nil; index, and time in ms */
    int last_present, last_absent;           /* read invocation indices, -1: nil */
    int lp_time, la_time;
} jel;

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void jepsen_quantiles(int *v, int n, long *q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_int);
    static const double pts[] = {0, 0.5, 0.95, 0.99, 1};
    for (int i = 0; i < 5; i++) {
        int k = (int)floor(n * pts[i]);
        q[i] = v[k < n - 1 ? k : n - 1];
    }
}

Test(jw, set_full_against_jepsen)
{
    size_t lost_seen = 0, stale_seen = 0, never_seen = 0;
    for (unsigned seed = 1; seed <= 2000; seed++) {
        unsigned s = seed;
        sev ev[2 * SF_OPS];
        int nev = 0, nelem = 0;
        int open[SF_PROCS], opened = 0, done_ops = 0; /* open[p]: its invoke event, -1 none */
        bool added[SF_MAXE] = {0}, failed[SF_MAXE] = {0};
        for (int p = 0; p < SF_PROCS; p++)
            open[p] = -1;
        while (done_ops < SF_OPS) {
            int p = (int)rnd(&s, SF_PROCS);
            if (open[p] < 0) {
                if (opened >= SF_OPS)
                    continue;
                sev e = {.proc = p, .type = 0, .add = rnd(&s, 2) == 0};
                if (e.add) {
                    /* a new element, or now and then one added before */
                    e.elem = nelem && rnd(&s, 6) == 0 ? (int)rnd(&s, (unsigned)nelem) : nelem++;
                    added[e.elem] = true;
                }
                open[p] = nev;
                ev[nev++] = e;
                opened++;
                continue;
            }
            sev e = ev[open[p]];
            unsigned t = rnd(&s, 10);
            e.type = t < 7 ? 1 : t < 9 ? 2 : 3;
            if (e.add && e.type == 3)
                failed[e.elem] = true;
            if (!e.add && e.type == 1) {
                /* elements whose add began, none only ever failed, each
                 * maybe missing */
                for (int x = 0; x < nelem; x++)
                    if (added[x] && !failed[x] && rnd(&s, 4) != 0)
                        e.read[e.nread++] = x;
            }
            ev[nev++] = e;
            open[p] = -1;
            done_ops++;
        }
        /* an element failed once must not be read at all (unexpected is
         * not Jepsen's); redo its reads without it */
        for (int i = 0; i < nev; i++) {
            int k = 0;
            for (int j = 0; j < ev[i].nread; j++)
                if (!failed[ev[i].read[j]])
                    ev[i].read[k++] = ev[i].read[j];
            ev[i].nread = k;
        }
        sbuf b = {0};
        static const char *const types[] = {"invoke", "ok", "info", "fail"};
        for (int i = 0; i < nev; i++) {
            sbuf_printf(&b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"time\":%lld,\"value\":",
                        ev[i].proc, types[ev[i].type], ev[i].add ? "add" : "read",
                        (long long)i * 1000000);
            if (ev[i].add) {
                sbuf_printf(&b, "%d}\n", ev[i].elem);
            } else if (ev[i].type == 1) {
                sbuf_addc(&b, '[');
                for (int j = 0; j < ev[i].nread; j++)
                    sbuf_printf(&b, "%s%d", j ? "," : "", ev[i].read[j]);
                sbuf_adds(&b, "]}\n");
            } else {
                sbuf_adds(&b, "null}\n");
            }
        }
        /* Jepsen's fold, in the history's order (index = event number,
         * time = index ms) */
        jel el[SF_MAXE];
        memset(el, 0, sizeof el);
        int inv_of[SF_PROCS];
        for (int i = 0; i < nev; i++) {
            const sev *e = &ev[i];
            if (e->type == 0) {
                inv_of[e->proc] = i;
                if (e->add)
                    el[e->elem] = (jel){true, -1, 0, -1, -1, 0, 0};
                continue;
            }
            if (e->add) {
                if (e->type == 1 && el[e->elem].known < 0) {
                    el[e->elem].known = i;
                    el[e->elem].known_time = i;
                }
                continue;
            }
            if (e->type != 1)
                continue;
            int inv = inv_of[e->proc];
            for (int x = 0; x < nelem; x++) {
                if (!el[x].exists)
                    continue;
                bool in = false;
                for (int j = 0; j < e->nread; j++)
                    in |= e->read[j] == x;
                if (in) {
                    if (el[x].known < 0) {
                        el[x].known = i;
                        el[x].known_time = i;
                    }
                    if (el[x].last_present < inv) {
                        el[x].last_present = inv;
                        el[x].lp_time = inv;
                    }
                } else if (el[x].last_absent < inv) {
                    el[x].last_absent = inv;
                    el[x].la_time = inv;
                }
            }
        }
        size_t stable = 0, lost = 0, never = 0, stale = 0, attempts = 0;
        int slat[SF_MAXE], llat[SF_MAXE], ns = 0, nl = 0;
        for (int x = 0; x < nelem; x++) {
            const jel *e = &el[x];
            if (!e->exists)
                continue;
            attempts++;
            bool st = e->last_present >= 0 && e->last_absent < e->last_present;
            bool lo = e->known >= 0 && e->last_absent >= 0 && e->last_present < e->last_absent &&
                      e->known < e->last_absent;
            /* Jepsen's latencies: (max 0 (- (inc t) known-time)) in whole ms
             * (long); times here are whole ms, so the nanosecond drops */
            if (st) {
                stable++;
                int lat = e->last_absent >= 0 && e->la_time > e->known_time
                              ? e->la_time - e->known_time
                              : 0;
                slat[ns++] = lat;
                stale += lat > 0;
            } else if (lo) {
                lost++;
                int lat = e->last_present >= 0 && e->lp_time > e->known_time
                              ? e->lp_time - e->known_time
                              : 0;
                llat[nl++] = lat;
            } else {
                never++;
            }
        }
        check_item it = run(sbuf_str(&b), &(check_opts){.jw = {.kind = MODEL_JW_SET_FULL}});
        cr_assert_eq(it.rc, 0, "seed %u: %s", seed, sbuf_str(&it.why));
        const sf_result *r = &it.jw.sf;
        cr_assert_eq(r->attempts, attempts, "seed %u: attempts", seed);
        cr_assert_eq(r->stable, stable, "seed %u: stable %zu, Jepsen %zu\n%s", seed, r->stable,
                     stable, sbuf_str(&b));
        cr_assert_eq(r->count[SF_LOST], lost, "seed %u: lost %zu, Jepsen %zu\n%s", seed,
                     r->count[SF_LOST], lost, sbuf_str(&b));
        cr_assert_eq(r->count[SF_NEVER_READ], never, "seed %u: never read", seed);
        cr_assert_eq(r->count[SF_STALE], stale, "seed %u: stale %zu, Jepsen %zu\n%s", seed,
                     r->count[SF_STALE], stale, sbuf_str(&b));
        cr_assert_eq(r->count[SF_UNEXPECTED], 0, "seed %u", seed);
        cr_assert_eq(r->count[SF_DUPLICATED], 0, "seed %u", seed);
        cr_assert_eq(r->nstable_lat, (size_t)ns, "seed %u", seed);
        cr_assert_eq(r->nlost_lat, (size_t)nl, "seed %u", seed);
        long q[5];
        if (ns) {
            jepsen_quantiles(slat, ns, q);
            for (int i = 0; i < 5; i++)
                cr_assert_eq((long)floor(r->stable_q[i]), q[i], "seed %u: stable q%d", seed, i);
        }
        if (nl) {
            jepsen_quantiles(llat, nl, q);
            for (int i = 0; i < 5; i++)
                cr_assert_eq((long)floor(r->lost_q[i]), q[i], "seed %u: lost q%d", seed, i);
        }
        lin_verdict want = lost ? LIN_INVALID : stable ? LIN_VALID : LIN_UNKNOWN;
        cr_assert_eq(it.verdict, want, "seed %u", seed);
        lost_seen += lost > 0;
        stale_seen += stale > 0;
        never_seen += never > 0;
        done(&it);
        sbuf_free(&b);
    }
    cr_expect(lost_seen > 100 && stale_seen > 100 && never_seen > 100,
              "every outcome occurs: %zu lost, %zu stale, %zu never read", lost_seen, stale_seen,
              never_seen);
}

Test(jw, set_full_unexpected_and_duplicated)
{
    const char *text =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1]}\n"    /* before its add */
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"add\",\"value\":1}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"add\",\"value\":2}\n"
        "{\"process\":1,\"type\":\"fail\",\"f\":\"add\",\"value\":2}\n"
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1,1,2,3]}\n"; /* twice, failed, never */
    check_item it = run(text, &(check_opts){.jw = {.kind = MODEL_JW_SET_FULL}});
    cr_assert_eq(it.rc, 0, "%s", sbuf_str(&it.why));
    cr_expect_eq(it.jw.sf.count[SF_UNEXPECTED], 3, "read before its add, add failed, never added");
    cr_expect_eq(it.jw.sf.count[SF_DUPLICATED], 1);
    cr_expect_eq(it.verdict, LIN_INVALID);
    done(&it);
}

Test(jw, set_full_independent_keys)
{
    const char *text =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":[\"a\",1]}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":[\"a\",1]}\n"
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":[\"b\",1]}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":[\"b\",1]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":[\"a\",null]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[\"a\",[1]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":[\"b\",null]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[\"b\",[]]}\n";
    check_item it = run(text, &(check_opts){.jw = {.kind = MODEL_JW_SET_FULL}});
    cr_assert_eq(it.rc, 0, "%s", sbuf_str(&it.why));
    cr_expect_eq(it.jw.sf.nsets, 2);
    cr_expect_eq(it.jw.sf.stable, 1, "a's 1: its read holds it");
    cr_expect_eq(it.jw.sf.count[SF_LOST], 1, "b's 1: its set's read misses it; a's read is not b's");
    done(&it);
}
