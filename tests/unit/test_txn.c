/* Unit tests: transactional anomalies (checker/txn*.c).
 *
 * The smallest history of each anomaly, list-append and rw-register, with
 * the verdict it gets under a few models and a sentence its explanation
 * must hold; histories that must pass; input errors; the graph of models;
 * and the graph's hubs and a component too deep for recursion. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/txn_int.h"
#include "helpers.h"

/* Events, one a line: "P TYPE VALUE", VALUE in JSON with ' for ".
 * TYPE ok, info or fail: an invocation and its completion, one after the
 * other; TYPE invoke, ok!, info! or fail!: that event alone. */
static char *events(const char *spec)
{
    sbuf b = {0};
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char line[1024], proc[32], type[16];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        p += n + (e ? 1 : 0);
        int off = 0;
        if (sscanf(line, "%31s %15s %n", proc, type, &off) < 2)
            continue;
        char *v = line + off;
        for (char *c = v; *c; c++)
            if (*c == '\'')
                *c = '"';
        bool alone = type[strlen(type) - 1] == '!' || strcmp(type, "invoke") == 0;
        if (type[strlen(type) - 1] == '!')
            type[strlen(type) - 1] = 0;
        if (!alone)
            sbuf_printf(&b, "{\"process\":%s,\"type\":\"invoke\",\"f\":\"txn\",\"value\":%s}\n", proc,
                        v);
        sbuf_printf(&b, "{\"process\":%s,\"type\":\"%s\",\"f\":\"txn\",\"value\":%s}\n", proc, type, v);
    }
    return b.p ? b.p : xstrdup("");
}

static void check_with(const char *spec, const txn_opts *o, txn_result *r)
{
    char *text = events(spec);
    history *h = th_read(text);
    sbuf why = {0};
    cr_assert_eq(txn_check(h, o, r, &why), 0, "%s", sbuf_str(&why));
    sbuf_free(&why);
    hist_free(h);
    free(text);
}

static void check(const char *spec, txn_cm cm, txn_result *r)
{
    check_with(spec, &(txn_opts){.model = cm}, r);
}

static bool told(const txn_result *r, txn_anomaly a, const char *text)
{
    for (size_t i = 0; i < r->found[a].nshown; i++)
        if (strstr(r->found[a].shown[i].text, text))
            return true;
    return false;
}

static void show(const txn_result *r)
{
    for (int t = 0; t < TA_COUNT; t++)
        for (size_t i = 0; i < r->found[t].nshown; i++)
            fprintf(stderr, "%s", r->found[t].shown[i].text);
}

struct tcase {
    const char *name;
    const char *spec;
    txn_anomaly want;       /* must be found */
    txn_cm ok_under;        /* a model it does not break (TCM_COUNT: none) */
    txn_cm bad_under;       /* a model it breaks */
    const char *text;       /* in the explanation */
};

static const struct tcase cases[] = {
    /* list-append */
    {"G0: writes interleaved", "0 ok [['append','x',1],['append','y',1]]\n"
                               "1 ok [['append','x',2],['append','y',2]]\n"
                               "2 ok [['r','x',[1,2]],['r','y',[2,1]]]",
     TA_G0, TCM_COUNT, TCM_READ_UNCOMMITTED,
     "T2 appended 2 to y, and T1 appended 1 next (y = [2 1], read at line 6): T2 ww T1"},
    {"G1a: read of a failed append", "0 fail [['append','x',1]]\n1 ok [['r','x',[1]]]", TA_G1A,
     TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED, "but 1 was appended by T2, which failed"},
    {"G1b: read of an intermediate append",
     "0 ok [['append','x',1],['append','x',2]]\n1 ok [['r','x',[1]]]", TA_G1B,
     TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED, "which later appended x again"},
    {"G1c: each reads the other's append",
     "0 invoke [['append','x',1],['r','y',null]]\n1 invoke [['append','y',1],['r','x',null]]\n"
     "0 ok! [['append','x',1],['r','y',[1]]]\n1 ok! [['append','y',1],['r','x',[1]]]",
     TA_G1C, TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED,
     "T2 read x = [1], whose last element 1 T1 appended: T1 wr T2"},
    {"G-single: read skew", "0 ok [['append','x',1],['append','y',1]]\n"
                            "1 ok [['r','x',[1]],['r','y',[]]]",
     TA_G_SINGLE, TCM_READ_COMMITTED, TCM_SNAPSHOT_ISOLATION,
     "T2 read y = [] without 1, which T1 appended and no read saw, so after all T2 saw: T2 rw T1"},
    {"G2-item: write skew",
     "0 invoke [['r','x',null],['append','y',1]]\n1 invoke [['r','y',null],['append','x',1]]\n"
     "0 ok! [['r','x',[]],['append','y',1]]\n1 ok! [['r','y',[]],['append','x',1]]",
     TA_G2_ITEM, TCM_SNAPSHOT_ISOLATION, TCM_REPEATABLE_READ, ": T2 rw T1"},
    {"G-nonadjacent: two rw edges apart",
     "0 invoke [['r','x',null],['r','q',null]]\n1 invoke [['append','x',1],['append','y',1]]\n"
     "2 invoke [['r','y',null],['r','z',null]]\n3 invoke [['append','z',1],['append','q',1]]\n"
     "1 ok! [['append','x',1],['append','y',1]]\n3 ok! [['append','z',1],['append','q',1]]\n"
     "0 ok! [['r','x',[]],['r','q',[1]]]\n2 ok! [['r','y',[1]],['r','z',[]]]",
     TA_G_NONADJACENT, TCM_READ_COMMITTED, TCM_SNAPSHOT_ISOLATION, "rw"},
    {"G0-process", "0 ok [['append','x',1]]\n0 ok [['append','x',2]]\n1 ok [['r','x',[2,1]]]",
     TA_G0_PROCESS, TCM_SERIALIZABLE, TCM_STRONG_SESSION_READ_UNCOMMITTED,
     "process 0 ran T1 (ok at line 2), then T2 (invoked at line 3): T1 process T2"},
    {"G0-realtime", "0 ok [['append','x',1]]\n1 ok [['append','x',2]]\n2 ok [['r','x',[2,1]]]",
     TA_G0_REALTIME, TCM_STRONG_SESSION_SERIALIZABLE, TCM_STRONG_READ_UNCOMMITTED,
     "T1 completed (line 2) before T2 was invoked (line 3): T1 realtime T2"},
    {"G1c-process", "0 ok [['r','x',[1]]]\n0 ok [['append','x',1]]", TA_G1C_PROCESS,
     TCM_SERIALIZABLE, TCM_STRONG_SESSION_READ_COMMITTED, "T1 process T2"},
    {"G1c-realtime", "0 ok [['r','x',[1]]]\n1 ok [['append','x',1]]", TA_G1C_REALTIME,
     TCM_STRONG_SESSION_SERIALIZABLE, TCM_STRONG_READ_COMMITTED, "T1 realtime T2"},
    {"G-single-process: a session's stale read", "0 ok [['append','x',1]]\n0 ok [['r','x',[]]]",
     TA_G_SINGLE_PROCESS, TCM_SERIALIZABLE, TCM_STRONG_SESSION_SNAPSHOT_ISOLATION,
     "T2 read x = [] without 1, which T1 appended and no read saw, so after all T2 saw: T2 rw T1"},
    {"G-single-realtime: a stale read", "0 ok [['append','x',1]]\n1 ok [['r','x',[]]]",
     TA_G_SINGLE_REALTIME, TCM_STRONG_SESSION_SERIALIZABLE, TCM_STRICT_SERIALIZABLE,
     "T1 realtime T2"},
    {"G2-item-process", "0 ok [['append','y',1]]\n"
                        "1 invoke [['append','x',1],['r','y',null]]\n"
                        "0 ok [['r','x',[]]]\n"
                        "1 ok! [['append','x',1],['r','y',[]]]",
     TA_G2_ITEM_PROCESS, TCM_SERIALIZABLE, TCM_STRONG_SESSION_SERIALIZABLE, "process"},
    {"internal: a txn misses its own append", "0 ok [['append','x',1],['r','x',[]]]", TA_INTERNAL,
     TCM_READ_COMMITTED, TCM_SERIALIZABLE,
     "internal: T1 read x = [] (micro-op 2), but its own earlier micro-ops say x = [... 1]"},
    {"future-read", "0 ok [['r','x',[1]],['append','x',1]]", TA_FUTURE_READ,
     TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED, "which T1 itself appended only later (micro-op 2)"},
    {"duplicate-elements", "0 ok [['append','x',1]]\n1 ok [['r','x',[1,1]]]", TA_DUPLICATE,
     TCM_COUNT, TCM_READ_UNCOMMITTED, "holds 1 more than once"},
    {"incompatible-order", "0 ok [['append','x',1]]\n1 ok [['append','x',2]]\n"
                           "2 ok [['append','x',3]]\n3 ok [['r','x',[1,2]]]\n4 ok [['r','x',[1,3]]]",
     TA_INCOMPATIBLE_ORDER, TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED,
     "neither is a prefix of the other"},
    {"incompatible-order: a txn's appends reversed",
     "0 ok [['append','x',1],['append','x',2]]\n1 ok [['r','x',[2,1]]]", TA_INCOMPATIBLE_ORDER,
     TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED, "but T2 appended 1 before 2 (its micro-ops 1 and 2)"},
    {"garbage-read", "0 ok [['r','x',[9]]]", TA_GARBAGE_READ, TCM_COUNT, TCM_READ_UNCOMMITTED,
     "but no txn appended 9 to x"},
    /* rw-register */
    {"rw G1a", "0 fail [['w','x',1]]\n1 ok [['r','x',1]]", TA_G1A, TCM_READ_UNCOMMITTED,
     TCM_READ_COMMITTED, "but 1 was written by T2, which failed"},
    {"rw G1b", "0 ok [['w','x',1],['w','x',2]]\n1 ok [['r','x',1]]", TA_G1B, TCM_READ_UNCOMMITTED,
     TCM_READ_COMMITTED, "which later wrote x again"},
    {"rw G1c",
     "0 invoke [['w','x',1],['r','y',null]]\n1 invoke [['w','y',1],['r','x',null]]\n"
     "0 ok! [['w','x',1],['r','y',1]]\n1 ok! [['w','y',1],['r','x',1]]",
     TA_G1C, TCM_READ_UNCOMMITTED, TCM_READ_COMMITTED, "T2 read x = 1, which T1 wrote: T1 wr T2"},
    {"rw G-single", "0 ok [['w','x',1],['w','y',1]]\n1 ok [['r','x',1],['r','y',null]]",
     TA_G_SINGLE, TCM_READ_COMMITTED, TCM_SNAPSHOT_ISOLATION,
     "T2 read y = nil (the initial state), and T1 wrote y = 1, a later version: T2 rw T1"},
    {"rw G2-item: lost update",
     "0 invoke [['r','x',null],['w','x',1]]\n1 invoke [['r','x',null],['w','x',2]]\n"
     "0 ok! [['r','x',null],['w','x',1]]\n1 ok! [['r','x',null],['w','x',2]]",
     TA_G2_ITEM, TCM_READ_COMMITTED, TCM_REPEATABLE_READ, "rw"},
    {"rw G-single through writes-follow-reads",
     "0 ok [['w','x',1]]\n"
     "1 invoke [['r','x',null],['r','y',null]]\n2 invoke [['r','x',null],['w','x',2],['w','y',2]]\n"
     "2 ok! [['r','x',1],['w','x',2],['w','y',2]]\n1 ok! [['r','x',1],['r','y',2]]",
     TA_G_SINGLE, TCM_READ_COMMITTED, TCM_SERIALIZABLE,
     "T1 read x = 1, and T2 read it too, then wrote x = 2, a later version: T1 rw T2"},
    {"rw internal", "0 ok [['w','x',1]]\n1 ok [['w','x',2],['r','x',1]]", TA_INTERNAL,
     TCM_READ_COMMITTED, TCM_SERIALIZABLE,
     "but its own earlier micro-ops say x = 2 (its write of micro-op 1)"},
    {"rw future-read", "0 ok [['r','x',1],['w','x',1]]", TA_FUTURE_READ, TCM_READ_UNCOMMITTED,
     TCM_READ_COMMITTED, "which T1 itself wrote only later"},
    {"rw garbage-read", "0 ok [['r','x',5]]", TA_GARBAGE_READ, TCM_COUNT, TCM_READ_UNCOMMITTED,
     "but no txn wrote 5 to x"},
};

Test(txn, smallest_cases)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct tcase *c = &cases[i];
        txn_result r;
        check(c->spec, c->bad_under, &r);
        if (getenv("TXN_SHOW"))
            show(&r);
        if (!(r.anomalies & (1ull << c->want)) || !told(&r, c->want, c->text))
            show(&r);
        cr_assert(r.anomalies & (1ull << c->want), "%s: %s not found", c->name,
                  txn_anomaly_name(c->want));
        cr_assert(told(&r, c->want, c->text), "%s: no \"%s\"", c->name, c->text);
        cr_assert_eq(r.verdict, TXN_INVALID, "%s under %s", c->name, txn_cm_name(c->bad_under));
        cr_assert(r.ruled_out & (1ull << c->bad_under), "%s", c->name);
        txn_result_free(&r);
        if (c->ok_under == TCM_COUNT)
            continue;
        check(c->spec, c->ok_under, &r);
        if (r.verdict != TXN_VALID)
            show(&r);
        cr_assert_eq(r.verdict, TXN_VALID, "%s under %s", c->name, txn_cm_name(c->ok_under));
        txn_result_free(&r);
    }
}

static const struct {
    const char *name, *spec;
} valid[] = {
    {"sequential appends and reads", "0 ok [['append','x',1],['r','y',[]]]\n"
                                     "1 ok [['r','x',[1]],['append','y',1]]\n"
                                     "0 ok [['r','x',[1]],['r','y',[1]],['append','x',2]]\n"
                                     "2 ok [['r','x',[1,2]]]"},
    {"an info txn nobody saw", "0 info [['append','x',1]]\n1 ok [['r','x',[]]]"},
    {"an info txn seen whole", "0 info [['append','x',1],['append','y',1]]\n"
                               "1 ok [['r','x',[1]],['r','y',[1]]]"},
    {"a failed txn nobody saw", "0 fail [['append','x',1]]\n2 ok [['append','x',2]]\n"
                                "1 ok [['r','x',[2]]]"},
    {"concurrent txns in either order",
     "0 invoke [['append','x',1]]\n1 invoke [['r','x',null]]\n1 ok! [['r','x',[1]]]\n"
     "0 ok! [['append','x',1]]"},
    {"internal reads of own appends", "0 ok [['r','x',[]],['append','x',1],['r','x',[1]],"
                                      "['append','x',2],['r','x',[1,2]]]"},
    {"rw: reads of nil, then writes", "0 ok [['r','x',null],['w','x',1]]\n1 ok [['r','x',1],['w','x',2]]\n"
                                      "2 ok [['r','x',2]]"},
    {"rw: an info write nobody read", "0 info [['w','x',1]]\n1 ok [['r','x',null]]"},
};

Test(txn, valid_histories)
{
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        txn_result r;
        check(valid[i].spec, TCM_STRICT_SERIALIZABLE, &r);
        if (r.verdict != TXN_VALID)
            show(&r);
        cr_assert_eq(r.verdict, TXN_VALID, "%s", valid[i].name);
        cr_assert_eq(r.anomalies, 0, "%s", valid[i].name);
        txn_result_free(&r);
    }
}

Test(txn, rw_register_assumed_linearizable_keys)
{
    /* T1 read x = 1 and y = 2 while x = 1 then x = 2 were written one after
     * the other: serializable (x = 1's writer last), not strict. Only with
     * linearizable keys (1 before 2) does the rw edge appear; the cycle
     * rests on real time, so serializable is not ruled out. */
    const char *spec = "2 invoke [['r','x',null],['r','y',null]]\n"
                       "0 ok [['w','x',1]]\n"
                       "1 ok [['w','x',2],['w','y',2]]\n"
                       "2 ok! [['r','x',1],['r','y',2]]";
    txn_result r;
    check(spec, TCM_STRICT_SERIALIZABLE, &r);
    cr_assert_eq(r.verdict, TXN_VALID);
    txn_result_free(&r);
    check_with(spec, &(txn_opts){.model = TCM_STRICT_SERIALIZABLE, .assume = TXN_ORDER_REALTIME}, &r);
    cr_assert_eq(r.verdict, TXN_INVALID);
    cr_assert_eq(r.assumed, TXN_ORDER_REALTIME);
    cr_assert(r.anomalies & (1ull << TA_G_SINGLE_REALTIME));
    cr_assert(told(&r, TA_G_SINGLE_REALTIME,
                   "T1 read x = 1, and T2 wrote x = 2, a later version: the txn completed at line 3 "
                   "(x = 1) before the txn invoked at line 4 (x = 2), and keys are taken to be "
                   "linearizable: T1 rw T2"));
    txn_result_free(&r);
    check_with(spec, &(txn_opts){.model = TCM_SERIALIZABLE, .assume = TXN_ORDER_REALTIME}, &r);
    cr_assert_eq(r.verdict, TXN_VALID);
    txn_result_free(&r);
    /* sequential keys: the same order, within one process */
    const char *spec2 = "2 invoke [['r','x',null],['r','y',null]]\n"
                        "0 ok [['w','x',1]]\n"
                        "0 ok [['w','x',2],['w','y',2]]\n"
                        "2 ok! [['r','x',1],['r','y',2]]";
    check_with(spec2,
               &(txn_opts){.model = TCM_STRONG_SESSION_SERIALIZABLE, .assume = TXN_ORDER_PROCESS},
               &r);
    cr_assert_eq(r.verdict, TXN_INVALID);
    cr_assert(told(&r, TA_G_SINGLE_PROCESS, "process 0 ran the txn completed at line 3 (x = 1) "
                                            "before the txn invoked at line 4 (x = 2), and keys "
                                            "are taken to be sequential"));
    txn_result_free(&r);
}

Test(txn, info_txn_seen_in_part)
{
    /* It happened (its x was seen), so its y did too. */
    txn_result r;
    check("0 info [['append','x',1],['append','y',1]]\n1 ok [['r','x',[1]],['r','y',[]]]",
          TCM_SERIALIZABLE, &r);
    cr_assert(r.anomalies & (1ull << TA_G_SINGLE));
    txn_result_free(&r);
}

Test(txn, not_unique_is_unknown)
{
    txn_result r;
    check("0 ok [['append','x',1]]\n1 ok [['append','x',1]]\n2 ok [['r','x',[1]]]",
          TCM_SERIALIZABLE, &r);
    cr_assert_eq(r.verdict, TXN_UNKNOWN);
    cr_assert_eq(r.keys_not_unique, 1);
    cr_assert(strstr(r.why_unknown, "x = 1 appended at line 2 and line 4"), "%s", r.why_unknown);
    txn_result_free(&r);
}

Test(txn, cut_short_is_unknown)
{
    /* With no budget the G-single search gives up after its first seed:
     * here the first seed it tries leads nowhere. */
    const char *spec = "0 ok [['append','x',1],['append','y',1]]\n"
                       "1 ok [['r','x',[1]],['r','y',[]]]";
    char *text = events(spec);
    history *h = th_read(text);
    txn_opts o = {.model = TCM_SNAPSHOT_ISOLATION, .search_budget = 1};
    txn_result r;
    sbuf why = {0};
    cr_assert_eq(txn_check(h, &o, &r, &why), 0);
    /* Found, or cut short and unknown: never valid. */
    cr_assert_neq(r.verdict, TXN_VALID);
    txn_result_free(&r);
    hist_free(h);
    free(text);
}

static const struct {
    const char *name, *text, *msg;
} bad[] = {
    {"not a txn", "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n",
     "t:1:1: expected a transaction (f \"txn\"), got f \"read\""},
    {"a value that is not a list",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":3}\n",
     "t:1:1: a txn's value must be a list of micro-ops [f key value], got 3"},
    {"a bad micro-op",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"cas\",\"x\",1]]}\n",
     "micro-op 1: expected [append key value], [w key value] or [r key value], got [\"cas\""},
    {"appends and writes",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",\"y\",1]]}\n",
     "t:2:1: a write here, but the txn at line 1 appends: a history is list-append or "
     "rw-register, not both"},
    {"a list-append read of a number",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",null]]}\n"
     "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",1]]}\n",
     "t:3:1: a list-append read whose value is not a list, micro-op 1 of the txn"},
};

Test(txn, input_errors)
{
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        history *h = th_read(bad[i].text);
        txn_opts o = {.model = TCM_SERIALIZABLE};
        txn_result r;
        sbuf why = {0};
        cr_assert_eq(txn_check(h, &o, &r, &why), TXN_EFIT, "%s", bad[i].name);
        cr_assert(strstr(sbuf_str(&why), bad[i].msg), "%s: %s", bad[i].name, sbuf_str(&why));
        cr_assert_eq(r.ntxn, 0);
        sbuf_free(&why);
        hist_free(h);
    }
}

Test(txn, workload_detection)
{
    const struct {
        const char *spec;
        txn_workload want;
    } t[] = {
        {"0 ok [['append','x',1]]", MODEL_TXN_LIST_APPEND},
        {"0 ok [['w','x',1]]", MODEL_TXN_RW_REGISTER},
        {"0 ok [['r','x',[1]]]", MODEL_TXN_LIST_APPEND},
        {"0 ok [['r','x',1]]", MODEL_TXN_RW_REGISTER},
        {"0 ok [['r','x',null]]", MODEL_TXN_AUTO},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char *text = events(t[i].spec);
        history *h = th_read(text);
        txn_workload w;
        cr_assert(txn_detect(h, &w));
        cr_assert_eq(w, t[i].want, "%s", t[i].spec);
        hist_free(h);
        free(text);
    }
}

/* ---- the graph of models ---- */

#define B(x) (1ull << (x))

Test(txn, models)
{
    cr_assert_eq(txn_cm_parse("PL-3"), TCM_SERIALIZABLE);
    cr_assert_eq(txn_cm_parse("si"), TCM_SNAPSHOT_ISOLATION);
    cr_assert_eq(txn_cm_parse("strong-serializable"), TCM_STRICT_SERIALIZABLE);
    cr_assert_eq(txn_cm_parse("Read-Committed"), TCM_READ_COMMITTED);
    cr_assert_eq(txn_cm_parse("linearizable"), -1);
    for (int m = 0; m < TCM_COUNT; m++)
        cr_assert_eq(txn_cm_parse(txn_cm_name((txn_cm)m)), m);
    uint64_t ser = txn_cm_forbids(TCM_SERIALIZABLE), si = txn_cm_forbids(TCM_SNAPSHOT_ISOLATION),
             rc = txn_cm_forbids(TCM_READ_COMMITTED), rr = txn_cm_forbids(TCM_REPEATABLE_READ),
             ru = txn_cm_forbids(TCM_READ_UNCOMMITTED), ss = txn_cm_forbids(TCM_STRICT_SERIALIZABLE),
             sss = txn_cm_forbids(TCM_STRONG_SESSION_SERIALIZABLE);
    cr_assert_eq(ru, B(TA_G0) | B(TA_DUPLICATE) | B(TA_GARBAGE_READ));
    cr_assert(rc & B(TA_G1A) && rc & B(TA_G1B) && rc & B(TA_G1C) && rc & B(TA_G0));
    cr_assert(rc & B(TA_INCOMPATIBLE_ORDER) && rc & B(TA_FUTURE_READ));
    cr_assert(!(rc & B(TA_G_SINGLE)) && !(rc & B(TA_INTERNAL)) && !(rc & B(TA_G1C_PROCESS)));
    cr_assert(si & B(TA_G_SINGLE) && si & B(TA_G_NONADJACENT) && si & B(TA_INTERNAL));
    cr_assert(!(si & B(TA_G2_ITEM)), "write skew is allowed under snapshot isolation");
    cr_assert(rr & B(TA_G2_ITEM) && rr & B(TA_G_SINGLE) && !(rr & B(TA_INTERNAL)));
    cr_assert(ser & B(TA_G2_ITEM) && ser & B(TA_G_SINGLE) && ser & B(TA_INTERNAL));
    cr_assert(!(ser & B(TA_G_SINGLE_PROCESS)) && !(ser & B(TA_G0_REALTIME)));
    cr_assert(sss & B(TA_G_SINGLE_PROCESS) && !(sss & B(TA_G_SINGLE_REALTIME)));
    cr_assert(ss & B(TA_G_SINGLE_REALTIME) && ss & B(TA_G0_REALTIME) && ss & B(TA_G2_ITEM_PROCESS));
    for (int m = 0; m < TCM_COUNT; m++) {
        cr_assert(txn_cm_forbids((txn_cm)m) & ru, "%s allows what read uncommitted forbids",
                  txn_cm_name((txn_cm)m));
        cr_assert_eq(txn_cm_forbids((txn_cm)m) & ~ss, 0, "%s forbids more than strict",
                     txn_cm_name((txn_cm)m));
    }
    cr_assert_eq(txn_cm_orders(TCM_SERIALIZABLE), 0);
    cr_assert_eq(txn_cm_orders(TCM_STRONG_SESSION_SERIALIZABLE), TXN_ORDER_PROCESS);
    cr_assert_eq(txn_cm_orders(TCM_STRICT_SERIALIZABLE), TXN_ORDER_PROCESS | TXN_ORDER_REALTIME);
    uint64_t weakest;
    uint64_t out = txn_cm_ruled_out(B(TA_G_SINGLE), &weakest);
    cr_assert_eq(weakest, B(TCM_CONSISTENT_VIEW) | B(TCM_REPEATABLE_READ));
    cr_assert(out & B(TCM_SNAPSHOT_ISOLATION) && out & B(TCM_STRICT_SERIALIZABLE));
    cr_assert(!(out & B(TCM_READ_COMMITTED)));
    txn_cm_ruled_out(B(TA_G1C), &weakest);
    cr_assert_eq(weakest, B(TCM_READ_COMMITTED));
    txn_cm_ruled_out(B(TA_G0_REALTIME), &weakest);
    cr_assert_eq(weakest, B(TCM_STRONG_READ_UNCOMMITTED));
    cr_assert_eq(txn_cm_ruled_out(0, NULL), 0);
    cr_assert(txn_anomaly_implied(TA_G0) & B(TA_G1C_REALTIME));
    cr_assert(!(txn_anomaly_implied(TA_G2_ITEM) & B(TA_G_SINGLE)));
}

/* ---- the graph ---- */

/* Txns reachable from s through hubs only (one edge each). */
static void reach(const txn_graph *g, uint32_t s, uint8_t *seen)
{
    uint32_t *stack = xmalloc(g->n * sizeof *stack);
    size_t sp = 0;
    memset(seen, 0, g->n);
    stack[sp++] = s;
    while (sp) {
        uint32_t v = stack[--sp];
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            uint32_t x = g->to[e];
            if (seen[x])
                continue;
            seen[x] = 1;
            if (x >= g->nreal)
                stack[sp++] = x;
        }
    }
    free(stack);
}

Test(txn, all_to_all_through_hubs)
{
    unsigned seed = 7;
    for (int round = 0; round < 200; round++) {
        uint32_t n = 40;
        txn_graph g;
        txn_graph_init(&g, n);
        uint32_t src[64], dst[64];
        size_t ns = 0, nd = 0;
        uint8_t in_s[40] = {0}, in_d[40] = {0};
        for (uint32_t v = 0; v < n; v++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 8) % 3 == 0) {
                src[ns++] = v;
                in_s[v] = 1;
            }
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 8) % 3 == 0) {
                dst[nd++] = v;
                in_d[v] = 1;
            }
        }
        if (round % 2 && ns) /* repeats are dropped */
            src[ns++] = src[0];
        txn_graph_all_to_all(&g, src, ns, dst, nd, TE_RW);
        txn_graph_finish(&g);
        uint8_t *seen = xmalloc(g.n);
        for (uint32_t s = 0; s < n; s++) {
            reach(&g, s, seen);
            for (uint32_t d = 0; d < n; d++)
                cr_assert_eq(seen[d], in_s[s] && in_d[d] && s != d, "round %d: %u -> %u", round,
                             s, d);
        }
        /* and no hub lies on a cycle */
        for (uint32_t v = n; v < g.n; v++) {
            reach(&g, v, seen);
            cr_assert(!seen[v]);
        }
        free(seen);
        txn_graph_free(&g);
    }
}

Test(txn, deep_component)
{
    /* A ring of 300000 txns: one component, found without recursion, and
     * its cycle is the whole ring. */
    uint32_t n = 300000;
    txn_graph g;
    txn_graph_init(&g, n);
    for (uint32_t v = 0; v < n; v++)
        txn_graph_edge(&g, v, (v + 1) % n, v == 0 ? TE_RW : TE_WW);
    txn_graph_finish(&g);
    txn_cycles c;
    txn_cycles_find(&g, 0, 1, &c);
    cr_assert_eq(c.nsccs, 1);
    cr_assert_eq(c.largest, n);
    cr_assert_eq(c.count[TA_G_SINGLE], 1);
    cr_assert_eq(c.shown.n, 1);
    cr_assert_eq(c.shown.v[0].n, n);
    txn_cycles_free(&c);
    txn_graph_free(&g);
}

Test(txn, classify)
{
    const uint8_t g0[] = {TE_WW, TE_WW}, g1c[] = {TE_WW, TE_WR}, single[] = {TE_RW, TE_WR},
                  g2[] = {TE_RW, TE_RW}, nonadj[] = {TE_RW, TE_WR, TE_RW, TE_WW},
                  rt[] = {TE_RW, TE_RT, TE_PROC}, proc[] = {TE_WR, TE_PROC};
    cr_assert_eq(txn_cycle_classify(g0, 2, 0), TA_G0);
    cr_assert_eq(txn_cycle_classify(g1c, 2, 0), TA_G1C);
    cr_assert_eq(txn_cycle_classify(single, 2, 0), TA_G_SINGLE);
    cr_assert_eq(txn_cycle_classify(g2, 2, 0), TA_G2_ITEM);
    cr_assert_eq(txn_cycle_classify(nonadj, 4, 0), TA_G_NONADJACENT);
    cr_assert_eq(txn_cycle_classify(rt, 3, 0), TA_G_SINGLE_REALTIME);
    cr_assert_eq(txn_cycle_classify(proc, 2, 0), TA_G1C_PROCESS);
}
