/* Unit tests: session guarantees (checker/session.c).
 *
 * Hand-made histories for every guarantee, valid and violating, with and
 * without versions, with info ops, nil reads, cas and append; and two
 * property tests on random small histories: with the store's versions, a
 * pairwise brute force must agree with the one-pass check; without them,
 * a brute force over every order of each key's versions must agree with
 * the version-order graph, guarantee by guarantee. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/session.h"
#include "../../histories/read.h"
#include "../../util/mem.h"

static history *rd(const char *text)
{
    history *h = NULL;
    hist_error err = {0};
    cr_assert_eq(hist_read_mem("t", text, strlen(text), NULL, &h, NULL, &err), HIST_OK,
                 "%u:%u: %s\n%s", err.line, err.col, err.msg, text);
    return h;
}

/* Events "p:type:f:value[:version]" separated by spaces, on key "x". */
static char *spec_text(const char *spec)
{
    sbuf b = {0};
    char *s = xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char p[16], t[16], f[16], v[128], ver[32] = "";
        int n = sscanf(tok, "%15[^:]:%15[^:]:%15[^:]:%127[^:]:%31s", p, t, f, v, ver);
        cr_assert_geq(n, 4, "%s", tok);
        sbuf_printf(&b, "{\"process\":%s,\"type\":\"%s\",\"f\":\"%s\",\"key\":\"x\",\"value\":%s%s%s}\n",
                    p, t, f, v, n == 5 ? ",\"version\":" : "", n == 5 ? ver : "");
    }
    free(s);
    return b.p;
}

/* Compile h's ops for md and check its sessions, as conch check does. */
static void sess_run(history *h, const model *md, sess_order order, int jobs,
                     const sess_limits *lim, sess_result *r)
{
    model_ops mo;
    uint32_t bad;
    sbuf why = {0};
    cr_assert_eq(model_compile_ops(md, hist_vtab(h), h, &mo, &bad, &why), MODEL_OK, "%s",
                 sbuf_str(&why));
    sess_check(h, md, &mo, order, SESS_ALL_CHECKS, jobs, lim, r);
    model_ops_free(&mo);
}

static void run(const char *text, const char *model_name, const char *init, sess_order order,
                sess_result *r, history **hp)
{
    history *h = rd(text);
    model md = {model_find(model_name), hist_vtab(h), {val_nil(), NIL_ABSENT}};
    if (init) {
        sbuf why = {0};
        cr_assert_eq(hist_val_from_json(hist_vtab(h), init, &md.opts.init, &why), 0);
    }
    sess_run(h, &md, order, 1, NULL, r);
    *hp = h;
}

/* expected statuses: h holds, V violated, - n/a; for RYW MR MW WFR PRAM ALL */
struct scase {
    const char *name, *model;
    sess_order order;
    const char *spec;
    const char *want;
    const char *text; /* a part of the first violation's explanation, or NULL */
};

static const struct scase scases[] = {
    {"store: read your own write", "register", SO_AUTO,
     "1:invoke:write:12 1:ok:write:12:41 1:invoke:read:null 1:ok:read:12:41", "h---hh", NULL},
    {"store: stale read after own write", "register", SO_AUTO,
     "1:invoke:write:12 1:ok:write:12:41 1:invoke:read:null 1:ok:read:9:40", "V---VV",
     "process 1 wrote x=12 (v41, ok, line 2) then read x=9 (v40, ok, line 4): read-your-writes"},
    {"store: reads go back", "register", SO_AUTO,
     "1:invoke:read:null 1:ok:read:5:7 1:invoke:read:null 1:ok:read:4:6", "-V--VV",
     "process 1 read x=5 (v7, ok, line 2) then read x=4 (v6, ok, line 4): monotonic reads"},
    {"store: writes out of order", "register", SO_AUTO,
     "1:invoke:write:1 1:ok:write:1:9 1:invoke:write:2 1:ok:write:2:8", "--V-VV",
     "monotonic writes"},
    {"store: write ordered before what was read", "register", SO_AUTO,
     "1:invoke:read:null 1:ok:read:1:9 1:invoke:write:2 1:ok:write:2:8", "---V-V",
     "writes-follow-reads"},
    {"store: a nil read is the initial version", "register", SO_AUTO,
     "1:invoke:write:1 1:ok:write:1:3 1:invoke:read:null 1:ok:read:null", "V---VV", NULL},
    {"store: info write does not count", "register", SO_AUTO,
     "1:invoke:write:1 1:info:write:1 2:invoke:read:null 2:ok:read:null", "------", NULL},
    {"inferred: read your own write", "register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 1:invoke:read:null 1:ok:read:1", "h---hh", NULL},
    {"inferred: read nil after own write", "register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 1:invoke:read:null 1:ok:read:null", "V---VV",
     "the initial value x=nil comes first; process 1 wrote x=1"},
    {"inferred: two sessions each miss their write", "register", SO_INFERRED,
     "1:invoke:write:1 2:invoke:write:2 1:ok:write:1 2:ok:write:2 1:invoke:read:null "
     "2:invoke:read:null 1:ok:read:2 2:ok:read:1", "V---VV",
     "no order of x's versions allows read-your-writes"},
    {"inferred: one session misses its write: some order allows it", "register", SO_INFERRED,
     "1:invoke:write:1 2:invoke:write:2 1:ok:write:1 2:ok:write:2 1:invoke:read:null "
     "2:invoke:read:null 1:ok:read:2 2:ok:read:2", "h---hh", NULL},
    {"inferred: RYW and MW hold alone, not together", "register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 1:invoke:write:2 1:ok:write:2 1:invoke:read:null "
     "1:ok:read:1", "h-h-VV", "allows PRAM"},
    {"inferred: monotonic reads across two sessions", "register", SO_INFERRED,
     "1:invoke:read:null 1:ok:read:1 1:invoke:read:null 1:ok:read:2 "
     "2:invoke:read:null 2:ok:read:2 2:invoke:read:null 2:ok:read:1 "
     "3:invoke:write:1 3:ok:write:1 4:invoke:write:2 4:ok:write:2", "-V--VV",
     "monotonic reads"},
    {"inferred: cas replaced its old value", "cas-register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 2:invoke:cas:[1,2] 2:ok:cas:[1,2] "
     "1:invoke:read:null 1:ok:read:2 1:invoke:read:null 1:ok:read:1", "hV-hVV",
     "'s cas replaced x=1 with x=2"},
    {"inferred: values written twice are not checked", "register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 2:invoke:write:1 2:ok:write:1 1:invoke:read:null "
     "1:ok:read:null", "------", NULL},
    {"realtime: a read after a later write completed", "register", SO_REALTIME,
     "1:invoke:write:1 1:ok:write:1 2:invoke:write:2 2:ok:write:2 1:invoke:read:null "
     "1:ok:read:2 1:invoke:read:null 1:ok:read:1", "hV--VV",
     "completed before the write of x=2 began"},
    {"realtime off: each holds alone, not together", "register", SO_INFERRED,
     "1:invoke:write:1 1:ok:write:1 2:invoke:write:2 2:ok:write:2 1:invoke:read:null "
     "1:ok:read:2 1:invoke:read:null 1:ok:read:1", "hh--VV", "then read x=1"},
    {"append: read misses own append", "kv", SO_INFERRED,
     "1:invoke:append:1 1:ok:append:1 1:invoke:append:2 1:ok:append:2 1:invoke:get:null "
     "1:ok:get:[1]", "V-h-VV", "which does not hold it"},
    {"append: reads shrink", "kv", SO_INFERRED,
     "2:invoke:append:1 2:ok:append:1 2:invoke:append:2 2:ok:append:2 "
     "1:invoke:get:null 1:ok:get:[1,2] 1:invoke:get:null 1:ok:get:[1]", "-Vh-VV",
     "which does not extend the first"},
    {"append: writes seen out of order", "kv", SO_INFERRED,
     "1:invoke:append:1 1:ok:append:1 1:invoke:append:2 1:ok:append:2 "
     "2:invoke:get:null 2:ok:get:[2,1]", "--V-VV", "(not after the first)"},
    {"append: a write ordered before what was read", "kv", SO_INFERRED,
     "2:invoke:append:1 2:ok:append:1 1:invoke:get:null 1:ok:get:[1] 1:invoke:append:2 "
     "1:ok:append:2 3:invoke:get:null 3:ok:get:[2]", "---V-V", "(not after what was read)"},
    {"store: a cas is a write at its version", "cas-register", SO_AUTO,
     "1:invoke:write:1 1:ok:write:1:5 1:invoke:cas:[1,2] 1:ok:cas:[1,2]:6 "
     "1:invoke:read:null 1:ok:read:1:5", "V-h-VV", "wrote x=2 (v6"},
    {"inferred: a crashed write seen later: each holds alone, not together", "register",
     SO_INFERRED,
     "2:invoke:write:7 2:info:write:7 1:invoke:write:1 1:ok:write:1 1:invoke:read:null "
     "1:ok:read:7 1:invoke:read:null 1:ok:read:1", "hh--VV", "allows PRAM"},
    /* Regressions: the smallest histories that showed a bug. */
    {"a key both appended to and overwritten is left out (was a false RYW violation)", "kv",
     SO_INFERRED, "2:invoke:append:\"b\" 2:ok:append:\"b\" 2:invoke:put:\"\" 2:ok:put:\"\" "
     "2:invoke:get:null 2:ok:get:\"\"", "------", NULL},
    {"a cas from v to v repeats v: the key is left out (brute force disagreed)", "cas-register",
     SO_INFERRED, "1:invoke:cas:[2,2] 1:ok:cas:[2,2] 1:invoke:read:null 1:ok:read:2", "------",
     NULL},
    {"reading v before writing v breaks writes-follow-reads (strict order)", "cas-register",
     SO_INFERRED, "1:invoke:cas:[2,1] 1:ok:cas:[2,1] 1:invoke:write:2 1:ok:write:2", "--VVVV",
     "then wrote x=2"},
    {"a string appended after a nil read extends it (was a false MR violation)", "kv",
     SO_INFERRED, "0:invoke:get:null 0:ok:get:null 1:invoke:append:\"a\" 1:ok:append:\"a\" "
     "0:invoke:get:null 0:ok:get:\"a\"", "-h--hh", NULL},
    {"an element appended twice leaves the key out (was a false MW violation)", "kv",
     SO_INFERRED, "0:invoke:append:2 0:ok:append:2 9:invoke:get:null 9:ok:get:[2] "
     "1:invoke:append:1 1:ok:append:1 1:invoke:append:2 1:ok:append:2 1:invoke:get:null "
     "1:ok:get:[2,1,2]", "------", NULL},
    {"append: all good", "kv", SO_INFERRED,
     "1:invoke:append:1 1:ok:append:1 1:invoke:get:null 1:ok:get:[1] 1:invoke:append:2 "
     "1:ok:append:2 1:invoke:get:null 1:ok:get:[1,2]", "hhhhhh", NULL},
};

static char status_char(sess_status s) { return s == SS_HOLDS ? 'h' : s == SS_VIOLATED ? 'V' : '-'; }

Test(session, hand_made_histories)
{
    for (size_t i = 0; i < sizeof scases / sizeof *scases; i++) {
        const struct scase *c = &scases[i];
        char *text = spec_text(c->spec);
        sess_result r;
        history *h;
        run(text, c->model, NULL, c->order, &r, &h);
        char got[7] = {0};
        for (int g = 0; g < SG_COUNT; g++)
            got[g] = status_char(r.g[g].status);
        cr_expect_str_eq(got, c->want, "%s: got %s, expected %s", c->name, got, c->want);
        if (c->text) {
            const char *t = NULL;
            for (int g = 0; g < SG_COUNT && !t; g++)
                if (r.g[g].nshown)
                    t = r.g[g].shown[0].text;
            cr_expect(t && strstr(t, c->text), "%s: explanation '%s' lacks '%s'", c->name,
                      t ? t : "(none)", c->text);
        }
        sess_result_free(&r);
        hist_free(h);
        free(text);
    }
}

Test(session, transactions_and_unknown_nil_reads)
{
    /* A txn's micro-ops are reads and writes of their keys, in order. */
    const char *txn =
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",1],[\"w\",\"y\",1]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",1],[\"w\",\"y\",1]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",null],[\"r\",\"y\",null]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",1],[\"r\",\"y\",null]]}\n";
    sess_result r;
    history *h;
    run(txn, "multi-register", NULL, SO_INFERRED, &r, &h);
    cr_assert_eq(r.keys, 2);
    cr_assert_eq(r.g[SG_RYW].status, SS_VIOLATED, "y was written, then read as nil");
    cr_assert_eq(r.g[SG_RYW].keys_violated, 1);
    cr_assert(strstr(r.g[SG_RYW].shown[0].text, "then read y=nil"), "%s", r.g[SG_RYW].shown[0].text);
    sess_result_free(&r);
    hist_free(h);

    /* Under --nil-read unknown, that nil read says nothing. */
    h = rd(txn);
    model md = {model_find("multi-register"), hist_vtab(h), {val_nil(), NIL_UNKNOWN}};
    sess_run(h, &md, SO_INFERRED, 1, NULL, &r);
    cr_assert_eq(r.g[SG_RYW].status, SS_HOLDS);
    sess_result_free(&r);
    hist_free(h);
}

Test(session, a_map_init_names_each_keys_initial_value)
{
    /* multi-register with {"x":0,"y":5} (Knossos's form): x=0 written is
     * x's initial value written again (x is left out), and reading y=5
     * after writing y=1 reads y's initial value back. */
    const char *txn =
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",0]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",0]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",\"y\",1]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"w\",\"y\",1]]}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"y\",null]]}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"y\",5]]}\n";
    sess_result r;
    history *h;
    run(txn, "multi-register", "{\"x\":0,\"y\":5}", SO_INFERRED, &r, &h);
    cr_assert_eq(r.keys_not_unique, 1);
    cr_assert(strstr(r.not_unique_example, "x=0 (the initial value)"), "%s", r.not_unique_example);
    cr_assert_eq(r.g[SG_RYW].status, SS_VIOLATED);
    cr_assert(strstr(r.g[SG_RYW].shown[0].text, "the initial value y=5 comes first"), "%s",
              r.g[SG_RYW].shown[0].text);
    sess_result_free(&r);
    hist_free(h);
}

Test(session, limits_end_in_unknown)
{
    /* Was: the session checks ignored --timeout, --max-memory and Ctrl-C.
     * Each limit, hit, leaves every guarantee unknown with its reason. */
    sbuf b = {0};
    for (int i = 0; i < 3000; i++)
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k%d\",\"value\":%d}\n"
                        "{\"process\":%d,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k%d\",\"value\":%d}\n"
                        "{\"process\":%d,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k%d\"}\n"
                        "{\"process\":%d,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k%d\",\"value\":%d}\n",
                    i % 7, i % 5, i, i % 7, i % 5, i, i % 7, i % 5, i % 7, i % 5, i);
    history *h = rd(sbuf_str(&b));
    model md = {model_find("register"), hist_vtab(h), {val_nil(), NIL_ABSENT}};
    sess_result r;
    sess_run(h, &md, SO_INFERRED, 2, NULL, &r);
    cr_assert_eq(r.stopped, SESS_DONE);
    cr_assert_eq(r.g[SG_RYW].status, SS_HOLDS, "unlimited, it holds");
    sess_result_free(&r);

    _Atomic int stop;
    atomic_init(&stop, 1);
    budget *tiny = budget_new(1);
    const struct { sess_limits lim; sess_stop want; } cases[] = {
        {{0, &stop, NULL}, SESS_STOP_INTERRUPT},
        {{1, NULL, NULL}, SESS_STOP_TIME}, /* a deadline long past */
        {{0, NULL, tiny}, SESS_STOP_MEMORY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sess_run(h, &md, SO_INFERRED, 2, &cases[i].lim, &r);
        cr_assert_eq(r.stopped, cases[i].want, "case %zu: stopped by %s", i,
                     sess_stop_name(r.stopped));
        for (int g = 0; g < SG_COUNT; g++)
            cr_assert_eq(r.g[g].status, SS_UNKNOWN, "case %zu, %s", i,
                         sess_guarantee_name((sess_guarantee)g));
        sess_result_free(&r);
    }
    budget_free(tiny);
    hist_free(h);
    sbuf_free(&b);
}

Test(session, not_for_other_models)
{
    sess_result r;
    history *h;
    run("{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}\n", "set", NULL, SO_AUTO, &r, &h);
    cr_assert(!r.applicable);
    cr_assert(strstr(r.why_na, "reads and writes of registers"));
    sess_result_free(&r);
    hist_free(h);
    run("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n", "register", NULL,
        SO_STORE, &r, &h);
    cr_assert(!r.applicable, "store order without versions");
    sess_result_free(&r);
    hist_free(h);
}

/* ---- a model the session checks have never heard of ---- */

/* A register of this test's own: "set" writes, "show" and its alias
 * "peek" read. The session checks know it only through its hooks. */
enum { TOY_SET, TOY_SHOW };
static const char *const toy_fs[] = {"set", "show", "peek", NULL};

static model_rc toy_compile(const model *md, vtab *vt, const hist_op *o, mop *m, sbuf *why)
{
    (void)vt;
    if (model_f_is(md, o, "set")) {
        m->code = TOY_SET;
        m->a = o->in;
        return MODEL_OK;
    }
    if (model_f_is(md, o, "show") || model_f_is(md, o, "peek")) {
        if (model_read_says_nothing(md, o, m))
            return MODEL_SKIP;
        m->code = TOY_SHOW;
        m->a = o->out;
        return MODEL_OK;
    }
    return model_unknown_f(md, o, why);
}

static model_vop toy_vop(const model *md, const mop *m)
{
    (void)md;
    return m->code == TOY_SET ? MV_WRITE : MV_READ;
}

static const model_type toy_register = {
    .name = "toy-register", .summary = "a test's own register", .fs = toy_fs,
    .compile = toy_compile, .vop = toy_vop, .access = model_access_vop,
};
static const model_type toy_without_sessions = {
    .name = "toy-register", .summary = "the same, without the access hook", .fs = toy_fs,
    .compile = toy_compile, .vop = toy_vop,
};

Test(session, a_new_model_gets_session_checks_through_its_hooks)
{
    const struct {
        const model_type *type;
        const char *spec;
        sess_order order;
        const char *want, *text;
    } cases[] = {
        {&toy_register, "1:invoke:set:1 1:ok:set:1 1:invoke:show:null 1:ok:show:null",
         SO_INFERRED, "V---VV", "process 1 wrote x=1"},
        {&toy_register, "1:invoke:set:1 1:ok:set:1 1:invoke:peek:null 1:ok:peek:1",
         SO_INFERRED, "h---hh", NULL},
        {&toy_register, "1:invoke:set:1 1:ok:set:1:41 1:invoke:peek:null 1:ok:peek:9:40",
         SO_AUTO, "V---VV", "then read x=9 (v40"},
        {&toy_register, "1:invoke:show:null 1:ok:show:1 1:invoke:show:null 1:ok:show:2 "
         "2:invoke:set:1 2:ok:set:1 3:invoke:set:2 3:ok:set:2 "
         "4:invoke:show:null 4:ok:show:2 4:invoke:peek:null 4:ok:peek:1",
         SO_INFERRED, "-V--VV", "monotonic reads"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = spec_text(cases[i].spec);
        history *h = rd(text);
        model md = {cases[i].type, hist_vtab(h), {val_nil(), NIL_ABSENT}};
        sess_result r;
        sess_run(h, &md, cases[i].order, 1, NULL, &r);
        cr_assert(r.applicable, "case %zu", i);
        char got[7] = {0};
        for (int g = 0; g < SG_COUNT; g++)
            got[g] = status_char(r.g[g].status);
        cr_expect_str_eq(got, cases[i].want, "case %zu: got %s", i, got);
        if (cases[i].text) {
            const char *t = r.g[SG_RYW].nshown ? r.g[SG_RYW].shown[0].text
                            : r.g[SG_MR].nshown ? r.g[SG_MR].shown[0].text : "(none)";
            cr_expect(strstr(t, cases[i].text), "case %zu: '%s' lacks '%s'", i, t,
                      cases[i].text);
        }
        sess_result_free(&r);
        hist_free(h);
        free(text);
    }

    /* The same model without the hook has no sessions to check. */
    char *text = spec_text("1:invoke:set:1 1:ok:set:1 1:invoke:show:null 1:ok:show:null");
    history *h = rd(text);
    model md = {&toy_without_sessions, hist_vtab(h), {val_nil(), NIL_ABSENT}};
    sess_result r;
    sess_run(h, &md, SO_INFERRED, 1, NULL, &r);
    cr_assert(!r.applicable);
    cr_assert(strstr(r.why_na, "reads and writes of registers"));
    sess_result_free(&r);
    hist_free(h);
    free(text);
}

/* ---- random histories ---- */

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) % n;
}

typedef struct rop {
    int sess, kind; /* 0 read, 1 write, 2 cas */
    int ok;
    int value, old; /* values; 0 is the initial value (nil) */
    int version;
    int call, ret;
} rop;

/* A random single-key history: unique written values 1.., reads of any
 * value written so far (or nil), some cas and info writes. Versions, when
 * asked for, are random too (any order the store might claim). */
static size_t random_ops(unsigned *seed, rop *ops, bool versions, bool with_cas)
{
    size_t n = 2 + rnd(seed, 6);
    int next = 1, sessions = 1 + (int)rnd(seed, 3), t = 0;
    for (size_t i = 0; i < n; i++) {
        rop *o = &ops[i];
        o->sess = (int)rnd(seed, (unsigned)sessions);
        o->kind = (int)rnd(seed, with_cas ? 3 : 2);
        o->ok = rnd(seed, 6) != 0;
        o->call = t++;
        o->ret = t++;
        if (o->kind == 0) {
            o->ok = 1;
            o->value = (int)rnd(seed, (unsigned)next);
        } else {
            o->value = next++;
            o->old = (int)rnd(seed, 8); /* any value: earlier, later, or never written */
        }
        o->version = versions ? (o->value == 0 ? 0 : (int)rnd(seed, 5) + 1) : -1;
    }
    return n;
}

static char *ops_text(const rop *ops, size_t n)
{
    sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        const rop *o = &ops[i];
        const char *f = o->kind == 0 ? "read" : o->kind == 1 ? "write" : "cas";
        char v[64], inv[64];
        if (o->kind == 0)
            snprintf(v, sizeof v, "%s", "null");
        if (o->kind == 0 && o->value)
            snprintf(v, sizeof v, "%d", o->value);
        if (o->kind == 1)
            snprintf(v, sizeof v, "%d", o->value);
        if (o->kind == 2) {
            if (o->old)
                snprintf(v, sizeof v, "[%d,%d]", o->old, o->value);
            else
                snprintf(v, sizeof v, "[null,%d]", o->value);
        }
        snprintf(inv, sizeof inv, "%s", o->kind == 0 ? "null" : v);
        /* one op at a time: a session's ops never overlap, and here no two
         * ops overlap at all (their order is the real-time order) */
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"%s\",\"value\":%s}\n",
                    o->sess, f, inv);
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"value\":%s", o->sess,
                    o->ok ? "ok" : "info", f, v);
        if (o->version >= 0 && o->ok)
            sbuf_printf(&b, ",\"version\":%d", o->version);
        sbuf_adds(&b, "}\n");
    }
    return b.p;
}

/* The demands of guarantee g hold under version positions pos[] (pos[v]
 * of value v; pos[0] = 0 for the initial value). */
static bool demands_hold(const rop *ops, size_t n, int g, const int *pos, bool realtime)
{
    bool ryw = g == SG_RYW || g == SG_PRAM || g == SG_ALL;
    bool mr = g == SG_MR || g == SG_PRAM || g == SG_ALL;
    bool mw = g == SG_MW || g == SG_PRAM || g == SG_ALL;
    bool wfr = g == SG_WFR || g == SG_ALL;
    for (size_t j = 0; j < n; j++) {
        const rop *b = &ops[j];
        if (b->kind == 2 && b->ok && pos[b->old] >= pos[b->value])
            return false; /* a cas replaced its old value */
        if (b->kind == 2 && !b->ok && pos[b->old] >= pos[b->value])
            return false; /* if it happened, the same */
        for (size_t i = 0; i < j; i++) {
            const rop *a = &ops[i];
            if (realtime && a->kind && b->kind && a->ok && pos[a->value] >= pos[b->value])
                return false;
            if (a->sess != b->sess)
                continue;
            /* what a read, what it wrote; b likewise (cas: both) */
            bool a_reads = a->kind == 0 || (a->kind == 2 && a->ok);
            bool a_writes = a->kind && a->ok;
            bool b_reads = b->kind == 0 || (b->kind == 2 && b->ok);
            bool b_writes = b->kind && b->ok;
            int ar = a->kind == 2 ? a->old : a->value, br = b->kind == 2 ? b->old : b->value;
            if (ryw && a_writes && b_reads && pos[a->value] > pos[br])
                return false;
            if (mr && a_reads && b_reads && pos[ar] > pos[br])
                return false;
            if (mw && a_writes && b_writes && pos[a->value] >= pos[b->value])
                return false;
            if (wfr && a_reads && b_writes && pos[ar] >= pos[b->value])
                return false;
        }
        /* within a cas: it read old, then wrote new (covered above) */
    }
    return true;
}

/* Is there an order of the versions 1..nv (after 0) meeting g? */
static bool some_order(const rop *ops, size_t n, int nv, int g, bool realtime)
{
    int perm[16], pos[16];
    for (int i = 0; i < nv; i++)
        perm[i] = i + 1;
    for (;;) {
        pos[0] = 0;
        for (int i = 0; i < nv; i++)
            pos[perm[i]] = i + 1;
        if (demands_hold(ops, n, g, pos, realtime))
            return true;
        /* next permutation */
        int i = nv - 2;
        while (i >= 0 && perm[i] > perm[i + 1])
            i--;
        if (i < 0)
            return false;
        int j = nv - 1;
        while (perm[j] < perm[i])
            j--;
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        for (int a = i + 1, b = nv - 1; a < b; a++, b--) {
            t = perm[a];
            perm[a] = perm[b];
            perm[b] = t;
        }
    }
}

Test(session, inferred_agrees_with_brute_force_over_orders, .timeout = 120)
{
    for (int realtime = 0; realtime < 2; realtime++) {
        unsigned seed = 777u + (unsigned)realtime;
        size_t seen[SG_COUNT][2] = {{0}};
        for (int trial = 0; trial < 6000; trial++) {
            rop ops[16];
            size_t n = random_ops(&seed, ops, false, true);
            int nv = 0;
            for (size_t i = 0; i < n; i++) {
                if (ops[i].value > nv)
                    nv = ops[i].value;
                if (ops[i].kind == 2 && ops[i].old > nv)
                    nv = ops[i].old;
            }
            char *text = ops_text(ops, n);
            sess_result r;
            history *h;
            run(text, "cas-register", NULL, realtime ? SO_REALTIME : SO_INFERRED, &r, &h);
            for (int g = 0; g < SG_COUNT; g++) {
                if (r.g[g].status == SS_NA)
                    continue;
                bool slow = some_order(ops, n, nv, g, realtime);
                bool fast = r.g[g].status == SS_HOLDS;
                cr_assert_eq(fast, slow, "%s trial %d, %s: check says %s, brute force %s:\n%s",
                             realtime ? "realtime" : "inferred", trial,
                             sess_guarantee_name((sess_guarantee)g), fast ? "holds" : "violated",
                             slow ? "holds" : "violated", text);
                seen[g][fast]++;
            }
            sess_result_free(&r);
            hist_free(h);
            free(text);
        }
        for (int g = 0; g < SG_COUNT; g++) {
            cr_assert_gt(seen[g][0], 50, "%s: only %zu violations", sess_guarantee_name(g), seen[g][0]);
            cr_assert_gt(seen[g][1], 50, "%s: only %zu holds", sess_guarantee_name(g), seen[g][1]);
        }
    }
}

Test(session, store_agrees_with_pairwise_brute_force, .timeout = 60)
{
    unsigned seed = 4242u;
    size_t seen[4][2] = {{0}};
    for (int trial = 0; trial < 6000; trial++) {
        rop ops[16];
        size_t n = random_ops(&seed, ops, true, false);
        char *text = ops_text(ops, n);
        sess_result r;
        history *h;
        run(text, "register", NULL, SO_STORE, &r, &h);
        if (!r.applicable) { /* no op carried a version */
            sess_result_free(&r);
            hist_free(h);
            free(text);
            continue;
        }
        bool viol[4] = {0}, any[4] = {0};
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < j; i++) {
                const rop *a = &ops[i], *b = &ops[j];
                if (a->sess != b->sess)
                    continue;
                bool aw = a->kind && a->ok, bw = b->kind && b->ok;
                bool ar = a->kind == 0, br = b->kind == 0;
                int va = a->version, vb = b->version;
                if (aw && br) { any[0] = true; viol[0] |= vb < va; }
                if (ar && br) { any[1] = true; viol[1] |= vb < va; }
                if (aw && bw) { any[2] = true; viol[2] |= vb <= va; }
                if (ar && bw) { any[3] = true; viol[3] |= vb <= va; }
            }
        for (int g = 0; g < 4; g++) {
            sess_status want = !any[g] ? SS_NA : viol[g] ? SS_VIOLATED : SS_HOLDS;
            cr_assert_eq(r.g[g].status, want, "trial %d, %s: %c, expected %c:\n%s", trial,
                         sess_guarantee_name((sess_guarantee)g), status_char(r.g[g].status),
                         status_char(want), text);
            if (any[g])
                seen[g][viol[g]]++;
        }
        sess_result_free(&r);
        hist_free(h);
        free(text);
    }
    for (int g = 0; g < 4; g++)
        cr_assert(seen[g][0] > 50 && seen[g][1] > 50, "%s: %zu holds, %zu violated",
                  sess_guarantee_name(g), seen[g][0], seen[g][1]);
}
