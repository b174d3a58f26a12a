/* Unit tests: the models' step functions (models/), table-driven. Each
 * case runs a model through ops one at a time, from its initial value:
 * every op must be legal or illegal as the table says, and a legal op
 * moves to the next state. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../histories/read.h"
#include "../../models/model.h"

struct mstep {
    const char *f;
    const char *in, *out; /* JSON; out NULL: the op crashed (info) */
    int legal;            /* 1 legal, 0 illegal, -1 left out (says nothing) */
};

struct mcase {
    const char *model, *init;
    nil_read nil;
    struct mstep steps[8];
};

static const struct mcase cases[] = {
    {"register", "null", NIL_ABSENT, {
        {"read", "null", "null", 1}, {"write", "1", "1", 1}, {"read", "null", "1", 1},
        {"read", "null", "2", 0}, {"read", "null", "null", 0}, {"read", "null", NULL, -1},
        {"write", "\"s\"", "\"s\"", 1}, {"read", "null", "\"s\"", 1}}},
    {"cas-register", "0", NIL_UNKNOWN, {
        {"read", "null", "null", -1}, {"cas", "[1, 2]", "[1, 2]", 0}, {"cas", "[0, 2]", "[0, 2]", 1},
        {"read", "null", "2", 1}, {"cas", "[2, 3]", NULL, 1}, {"read", "null", "3", 1}}},
    {"kv", "\"\"", NIL_ABSENT, {
        {"get", "null", "\"\"", 1}, {"append", "\"a\"", "\"a\"", 1}, {"append", "\"bc\"", "\"bc\"", 1},
        {"get", "null", "\"abc\"", 1}, {"get", "null", "\"ab\"", 0}, {"put", "\"z\"", "\"z\"", 1},
        {"cas", "[\"z\", \"y\"]", "[\"z\", \"y\"]", 1}, {"get", "null", "\"y\"", 1}}},
    {"kv", "null", NIL_ABSENT, {
        {"get", "null", "null", 1}, {"append", "1", "1", 1}, {"append", "2", "2", 1},
        {"get", "null", "[1, 2]", 1}, {"get", "null", "[2, 1]", 0}}},
    {"set", "null", NIL_ABSENT, {
        {"read", "null", "[]", 1}, {"add", "2", "2", 1}, {"add", "1", "1", 1}, {"add", "2", "2", 1},
        {"read", "null", "[1, 2]", 1}, {"read", "null", "[2, 1, 2]", 1}, {"read", "null", "[1]", 0},
        {"read", "null", NULL, -1}}},
    {"counter", "null", NIL_ABSENT, {
        {"read", "null", "0", 1}, {"add", "5", "5", 1}, {"inc", "null", "null", 1},
        {"read", "null", "6", 1}, {"read", "null", "5", 0}, {"add", "-6", NULL, 1},
        {"read", "null", "0", 1}}},
    {"fifo-queue", "null", NIL_ABSENT, {
        {"dequeue", "null", "null", 1}, {"enqueue", "1", "1", 1}, {"enqueue", "2", "2", 1},
        {"dequeue", "null", "2", 0}, {"dequeue", "null", "1", 1}, {"dequeue", "null", NULL, 1},
        {"dequeue", "null", "null", 1}, {"drain", "null", "[]", 1}}},
    {"unordered-queue", "null", NIL_ABSENT, {
        {"enqueue", "1", "1", 1}, {"enqueue", "2", "2", 1}, {"dequeue", "null", "2", 1},
        {"dequeue", "null", "2", 0}, {"enqueue", "3", "3", 1}, {"drain", "null", "[3, 1]", 1},
        {"dequeue", "null", "null", 1}}},
    {"mutex", "null", NIL_ABSENT, {
        {"release", "null", "null", 0}, {"acquire", "null", "null", 1},
        {"acquire", "null", "null", 0}, {"release", "null", "null", 1}, {"lock", "null", NULL, 1},
        {"unlock", "null", "null", 1}}},
    {"multi-register", "0", NIL_ABSENT, {
        {"txn", "[[\"r\", \"x\", null]]", "[[\"r\", \"x\", 0]]", 1},
        {"txn", "[[\"w\", \"x\", 1], [\"r\", \"x\", null]]", "[[\"w\", \"x\", 1], [\"r\", \"x\", 1]]", 1},
        {"txn", "[[\"r\", \"x\", null], [\"r\", \"y\", null]]", "[[\"r\", \"x\", 1], [\"r\", \"y\", 1]]", 0},
        {"txn", "[[\"w\", \"y\", 2]]", NULL, 1},
        {"txn", "[[\"r\", \"y\", null], [\"w\", \"x\", 0]]", "[[\"r\", \"y\", 2], [\"w\", \"x\", 0]]", 1},
        {"txn", "[[\"r\", \"x\", null]]", NULL, -1}}},
};

static val json(vtab *vt, const char *s)
{
    val v;
    sbuf why = {0};
    cr_assert_eq(hist_val_from_json(vt, s, &v, &why), 0, "%s", sbuf_str(&why));
    return v;
}

Test(models, steps)
{
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const struct mcase *mc = &cases[c];
        vtab *vt = vtab_new();
        model md = {model_find(mc->model), vt, {json(vt, mc->init), mc->nil}};
        cr_assert_not_null(md.type, "%s", mc->model);
        mbuf st = {0}, next = {0};
        md.type->init(&md, &st);
        for (size_t i = 0; i < 8 && mc->steps[i].f; i++) {
            const struct mstep *s = &mc->steps[i];
            hist_op o = {0};
            o.f = val_cstr(vt, s->f);
            o.in = json(vt, s->in);
            o.status = s->out ? OP_OK : OP_INFO;
            o.out = s->out ? json(vt, s->out) : val_nil();
            mop m;
            sbuf why = {0};
            model_rc rc = model_compile(&md, vt, &o, &m, &why);
            cr_assert_neq(rc, MODEL_EOP, "%s step %zu: %s", mc->model, i, sbuf_str(&why));
            sbuf_free(&why);
            if (s->legal < 0) {
                cr_expect_eq(rc, MODEL_SKIP, "%s step %zu should be left out", mc->model, i);
                continue;
            }
            cr_expect_eq(rc, MODEL_OK, "%s step %zu was left out", mc->model, i);
            mbuf_reset(&next);
            step_rc r = md.type->step(&md, (mstate){st.p, st.n}, &m, 0, &next);
            cr_expect_eq(r != STEP_ILLEGAL, s->legal, "%s step %zu (%s %s -> %s): %s", mc->model,
                         i, s->f, s->in, s->out ? s->out : "?", r ? "legal" : "illegal");
            if (r != STEP_ILLEGAL) {
                mbuf t = st;
                st = next;
                next = t;
            }
        }
        mbuf_free(&st);
        mbuf_free(&next);
        vtab_free(vt);
    }
}

Test(models, bad_ops_are_named)
{
    vtab *vt = vtab_new();
    struct { const char *model, *f, *in, *msg; } bad[] = {
        {"register", "cas", "[1, 2]", "unknown operation \"cas\" for model register (it knows: read, write)"},
        {"cas-register", "cas", "5", "cas expects its value to be [old new], got 5"},
        {"counter", "add", "\"x\"", "a counter's add takes an integer"},
        {"multi-register", "txn", "[[\"q\", \"x\", 1]]", "expected a micro-op"},
        {"set", "read", "null", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        model md = {model_find(bad[i].model), vt, {val_nil(), NIL_ABSENT}};
        hist_op o = {0};
        o.f = val_cstr(vt, bad[i].f);
        o.in = json(vt, bad[i].in);
        o.out = bad[i].msg ? o.in : json(vt, "7");
        o.status = OP_OK;
        mop m;
        sbuf why = {0};
        model_rc rc = model_compile(&md, vt, &o, &m, &why);
        if (!bad[i].msg) {
            cr_expect_eq(rc, MODEL_EOP, "a set's read of 7 is not a list");
        } else {
            cr_expect_eq(rc, MODEL_EOP, "%s %s", bad[i].model, bad[i].f);
            cr_expect(strstr(sbuf_str(&why), bad[i].msg), "'%s' lacks '%s'", sbuf_str(&why),
                      bad[i].msg);
        }
        sbuf_free(&why);
    }
    vtab_free(vt);
}

Test(models, unordered_queue_unknown_dequeue_has_an_outcome_per_member)
{
    vtab *vt = vtab_new();
    model md = {model_find("unordered-queue"), vt, {json(vt, "[3, 1, 1, 2]"), NIL_ABSENT}};
    mbuf st = {0}, next = {0};
    md.type->init(&md, &st);
    hist_op o = {0};
    o.f = val_cstr(vt, "dequeue");
    o.status = OP_INFO;
    mop m;
    sbuf why = {0};
    cr_assert_eq(model_compile(&md, vt, &o, &m, &why), MODEL_OK);
    int outcomes = 0;
    for (unsigned c = 0;; c++) {
        mbuf_reset(&next);
        step_rc r = md.type->step(&md, (mstate){st.p, st.n}, &m, c, &next);
        cr_assert_neq(r, STEP_ILLEGAL);
        cr_assert_eq(next.n, st.n - sizeof(val));
        outcomes++;
        if (r != STEP_MORE)
            break;
    }
    cr_assert_eq(outcomes, 3, "distinct members 1, 2, 3");
    mbuf_free(&st);
    mbuf_free(&next);
    vtab_free(vt);
}

Test(models, inference)
{
    struct { const char *text, *model; } cases2[] = {
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}", "register"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[1,2]}", "cas-register"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"append\",\"key\":\"k\",\"value\":\"x\"}", "kv"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[]}", "multi-register"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}\n"
         "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":1}\n"
         "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
         "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1]}", "set"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}", "counter"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"enqueue\",\"value\":1}", "fifo-queue"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"acquire\",\"value\":null}", "mutex"},
    };
    for (size_t i = 0; i < sizeof cases2 / sizeof *cases2; i++) {
        history *h = NULL;
        hist_error err;
        cr_assert_eq(hist_read_mem("t", cases2[i].text, strlen(cases2[i].text), NULL, &h, NULL, &err), 0);
        sbuf why = {0};
        const model_type *mt = model_infer(h, &why);
        cr_assert_not_null(mt, "%s", sbuf_str(&why));
        cr_expect_str_eq(mt->name, cases2[i].model);
        hist_free(h);
    }
    const char *t = "{\"process\":0,\"type\":\"invoke\",\"f\":\"frobnicate\",\"value\":null}";
    history *h = NULL;
    hist_error err;
    cr_assert_eq(hist_read_mem("t", t, strlen(t), NULL, &h, NULL, &err), 0);
    sbuf why = {0};
    cr_assert_null(model_infer(h, &why));
    cr_assert(strstr(sbuf_str(&why), "\"frobnicate\""), "%s", sbuf_str(&why));
    sbuf_free(&why);
    hist_free(h);
}

/* The transactional workloads are named in models/ alone: a name parses to
 * the workload it names, and back; the micro-op names read back as written. */
Test(models, txn_workload_and_micro_op_names)
{
    const model_txn_workload wl[] = {MODEL_TXN_LIST_APPEND, MODEL_TXN_RW_REGISTER};
    for (size_t i = 0; i < sizeof wl / sizeof *wl; i++)
        cr_expect_eq(model_txn_workload_parse(model_txn_workload_name(wl[i])), (int)wl[i]);
    cr_expect_str_eq(model_txn_workload_name(MODEL_TXN_LIST_APPEND), "list-append");
    cr_expect_eq(model_txn_workload_parse("auto"), -1);
    cr_expect_eq(model_txn_workload_parse("register"), -1);
    vtab *vt = vtab_new();
    const model_vop v[] = {MV_READ, MV_WRITE, MV_APPEND};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        const char *name = model_micro_name(v[i]);
        cr_expect_eq(model_micro_vop(vt, val_str(vt, name, strlen(name))), v[i], "%s", name);
    }
    cr_expect_str_eq(model_micro_name(MV_CAS), "?");
    vtab_free(vt);
}

/* Jepsen's workloads and their ops are named in models/ alone. */
Test(models, jepsen_workload_and_op_names)
{
    for (int w = MODEL_JW_BANK; w <= MODEL_JW_SET_FULL; w++)
        cr_expect_eq(model_jw_parse(model_jw_name((model_jw)w)), (model_jw)w);
    cr_expect_str_eq(model_jw_name(MODEL_JW_LONG_FORK), "long-fork");
    cr_expect_eq(model_jw_parse("none"), MODEL_JW_NONE);
    cr_expect_eq(model_jw_parse("register"), MODEL_JW_NONE);
    cr_expect_str_eq(model_jw_ops(MODEL_JW_BANK), "read, transfer");
    vtab *vt = vtab_new();
    const struct {
        const char *f;
        model_jw_op op;
    } rows[] = {{"read", MODEL_JW_OP_READ},         {"write", MODEL_JW_OP_WRITE},
                {"txn", MODEL_JW_OP_TXN},           {"transfer", MODEL_JW_OP_TRANSFER},
                {"add", MODEL_JW_OP_ADD},           {"r", MODEL_JW_OP_OTHER},
                {"cas", MODEL_JW_OP_OTHER}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        cr_expect_eq(model_jw_op_of(vt, val_str(vt, rows[i].f, strlen(rows[i].f))), rows[i].op,
                     "%s", rows[i].f);
    cr_expect_eq(model_jw_op_of(vt, val_int(1)), MODEL_JW_OP_OTHER);
    vtab_free(vt);
}
