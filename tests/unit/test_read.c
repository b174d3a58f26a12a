/* Unit tests: the history readers and pairing (histories/read*.c,
 * histories/history.c). Table-driven: good inputs with what must be read
 * from them, and bad inputs with the exact place and reason of the error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../histories/read.h"

static history *read_ok(const char *text, hist_format *fmt)
{
    history *h = NULL;
    hist_error err = {0};
    hist_rc rc = hist_read_mem("t", text, strlen(text), NULL, &h, fmt, &err);
    cr_assert_eq(rc, HIST_OK, "%u:%u: %s\ninput: %s", err.line, err.col, err.msg, text);
    return h;
}

struct good {
    const char *name;
    const char *text;
    hist_format fmt;
    size_t events, ops, ok, info, fail, nemesis, warnings;
};

static const struct good goods[] = {
    {"jsonl", "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
              "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}\n",
     HIST_FMT_JSONL, 2, 1, 1, 0, 0, 0, 0},
    {"jsonl with blank lines and CRLF",
     "\r\n{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":1}\r\n\n"
     "{\"process\":0,\"type\":\"fail\",\"f\":\"w\",\"value\":1}\r\n",
     HIST_FMT_JSONL, 2, 1, 0, 0, 1, 0, 0},
    {"json array over lines",
     "[\n {\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":1},\n"
     " {\"process\":1,\"type\":\"info\",\"f\":\"write\",\"value\":1}\n]\n",
     HIST_FMT_JSONL, 2, 1, 0, 1, 0, 0, 0},
    {"edn a map a line",
     "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
     "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n",
     HIST_FMT_EDN, 2, 1, 1, 0, 0, 0, 0},
    {"knossos vector with comments and nemesis",
     "; a comment\n[{:process 4, :type :invoke, :f :write, :value 2}\n"
     " ; Value is 2\n {:process :nemesis, :type :info, :f :start, :value nil}\n"
     " {:process 4, :type :ok, :f :write, :value 2}]\n",
     HIST_FMT_EDN, 3, 1, 1, 0, 0, 1, 0},
    {"edn list, tagged records, sets, discard",
     "({:type :invoke :process 1 :f :read :value nil}\n"
     " #_{:ignored true}\n"
     " #jepsen.history.Op{:type :ok :process 1 :f :read :value #{3 1 2} :time 10})",
     HIST_FMT_EDN, 2, 1, 1, 0, 0, 0, 0},
    {"jepsen log, old layout",
     "INFO  jepsen.util - 3\t:invoke\t:cas\t[0 3]\n"
     "INFO  jepsen.util - 3\t:fail\t:cas\t[0 3]\n"
     "INFO  jepsen.util - 4\t:invoke\t:write\t1\n"
     "INFO  jepsen.util - 4\t:info\t:write\t:timed-out\n",
     HIST_FMT_LOG, 4, 2, 0, 1, 1, 0, 0},
    {"jepsen log, timestamp and thread, spaces, other lines",
     "INFO [2019-04-17 17:38:16,855] jepsen test runner - jepsen.core Relative time begins now\n"
     "INFO [2019-04-17 17:38:16,855] jepsen worker 0 - jepsen.util 0  :invoke :write  1\n"
     "INFO [2019-04-17 17:38:16,861] jepsen worker 0 - jepsen.util 0  :ok :write  1\n"
     "WARN [2019-04-17 17:38:16,862] jepsen worker 0 - jepsen.print 0\t:invoke\t:read\tnil\n"
     "WARN [2019-04-17 17:38:16,863] jepsen worker 0 - jepsen.print 0\t:fail\t:read\tnil\t:timeout\n",
     HIST_FMT_LOG, 4, 2, 1, 0, 1, 0, 1},
    /* The usual layout is told without the pattern: lines like it that
     * are not ops must still be told from ops, as the pattern tells them. */
    {"jepsen log, lines that look like ops",
     "INFO  jepsen.util - 3\t:invokes\t:read\tnil\n"
     "INFO  jepsen.util - x3\t:invoke\t:read\tnil\n"
     "INFO  jepsen.util - 3:invoke\t:read\tnil\n"
     "INFO  jepsen.util - 3 \t :invoke :read nil\n"
     "INFO  jepsen.util - nemesis\t:info\t:start\tnil\n"
     "INFO  jepsen.util - 3\t:ok\t:read\t1\n",
     HIST_FMT_LOG, 3, 1, 1, 0, 0, 1, 1},
    {"jepsen log with a leading timestamp",
     "2017-02-20 14:30:00,123{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:invoke\t:read\tnil\n"
     "2017-02-20 14:30:00,125{GMT}\tINFO\t[jepsen worker 3] jepsen.util: 3\t:ok\t:read\t2\n",
     HIST_FMT_LOG, 2, 1, 1, 0, 0, 0, 0},
    {"an invoke with no completion is info",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n",
     HIST_FMT_JSONL, 1, 1, 0, 1, 0, 0, 0},
    {"a torn last line is skipped with a warning",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
     "{\"process\":0,\"type\":\"ok\",\"f\":\"wri",
     HIST_FMT_JSONL, 1, 1, 0, 1, 0, 0, 1},
    /* Regressions: empty values once meant pointer arithmetic on NULL. */
    {"empty list and string values, JSON", "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[]}\n"
     "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[],\"\",{}]}\n",
     HIST_FMT_JSONL, 2, 1, 1, 0, 0, 0, 0},
    {"empty list and string values, EDN", "{:process 0 :type :invoke :f :txn :value []}\n"
     "{:process 0 :type :ok :f :txn :value [() \"\" #{} {}]}\n",
     HIST_FMT_EDN, 2, 1, 1, 0, 0, 0, 0},
    {"a process may invoke again after info",
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
     "{\"process\":0,\"type\":\"info\",\"f\":\"write\",\"value\":1}\n"
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":2}\n"
     "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":2}\n",
     HIST_FMT_JSONL, 4, 2, 1, 1, 0, 0, 0},
};

Test(read, good_inputs)
{
    for (size_t i = 0; i < sizeof goods / sizeof *goods; i++) {
        const struct good *g = &goods[i];
        hist_format fmt;
        history *h = read_ok(g->text, &fmt);
        hist_counts c = hist_count(h);
        cr_expect_eq(fmt, g->fmt, "%s: format %d", g->name, fmt);
        cr_expect_eq(hist_nevents(h), g->events, "%s: events %zu", g->name, hist_nevents(h));
        cr_expect_eq(hist_nops(h), g->ops, "%s: ops %zu", g->name, hist_nops(h));
        cr_expect_eq(c.ok, g->ok, "%s: ok %zu", g->name, c.ok);
        cr_expect_eq(c.info, g->info, "%s: info %zu", g->name, c.info);
        cr_expect_eq(c.fail, g->fail, "%s: fail %zu", g->name, c.fail);
        cr_expect_eq(c.annotations, g->nemesis, "%s: nemesis %zu", g->name, c.annotations);
        cr_expect_eq(hist_nwarnings(h), g->warnings, "%s: warnings %zu", g->name,
                     hist_nwarnings(h));
        hist_free(h);
    }
}

Test(read, values_and_fields)
{
    history *h = read_ok("{\"index\":7,\"time\":1203,\"process\":3,\"type\":\"invoke\",\"f\":\"cas\","
                         "\"key\":\"x\",\"value\":[1,2]}\n"
                         "{\"index\":8,\"time\":1950,\"process\":3,\"type\":\"ok\",\"f\":\"cas\","
                         "\"key\":\"x\",\"value\":[1,2],\"version\":\"42\",\"node\":\"n2\"}\n",
                         NULL);
    const hist_op *o = &hist_ops(h)[0];
    const vtab *vt = hist_cvtab(h);
    cr_assert(val_is_str(vt, o->f, "cas"));
    cr_assert(val_is_str(vt, o->key, "x"));
    cr_assert(o->has_key);
    cr_assert_eq(o->process.n, 3);
    cr_assert_eq(o->call_time, 1203);
    cr_assert_eq(o->ret_time, 1950);
    cr_assert_eq(o->version, 42, "a version may come as a string of digits (etcd)");
    cr_assert(val_is_str(vt, hist_op_node(h, 0), "n2"));
    size_t n;
    const val *it = val_items(vt, o->in, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(it[1].n, 2);
    hist_free(h);
}

Test(read, edn_values)
{
    history *h = read_ok("{:process 1 :type :invoke :f :txn :value [[:r :x nil] [:w \"y\" -2]]}\n"
                         "{:process 1 :type :ok :f :txn :value [[:r :x 1.5] [:w \"y\" -2]]}\n",
                         NULL);
    const hist_op *o = &hist_ops(h)[0];
    const vtab *vt = hist_cvtab(h);
    size_t n, k;
    const val *mo = val_items(vt, o->out, &n);
    cr_assert_eq(n, 2);
    const val *r = val_items(vt, mo[0], &k);
    cr_assert(val_is_str(vt, r[0], "r"), "keywords read as names");
    cr_assert_eq(r[2].kind, VAL_FLOAT);
    const val *w = val_items(vt, mo[1], &k);
    cr_assert_eq(w[2].n, -2);
    hist_free(h);
}

/* Elle's and elle-cli's histories leave "f" out of txns: an op whose value
 * is a list of micro-ops is a txn; any other op still needs its "f". */
Test(read, an_op_of_micro_ops_without_f_is_a_txn)
{
    history *h = read_ok("{:process 1 :type :invoke :value [[:append :x 1] [:r :y nil]]}\n"
                         "{:process 1 :type :ok :value [[:append :x 1] [:r :y [2]]]}\n",
                         NULL);
    cr_assert_eq(hist_nops(h), 1);
    cr_assert(val_is_str(hist_cvtab(h), hist_ops(h)[0].f, "txn"));
    hist_free(h);
    h = read_ok("[{\"process\":0,\"type\":\"invoke\",\"value\":[[\"r\",1]]},\n"
                " {\"process\":0,\"type\":\"info\",\"value\":[[\"r\",1]]}]\n",
                NULL);
    cr_assert(val_is_str(hist_cvtab(h), hist_ops(h)[0].f, "txn"));
    hist_free(h);
    static const char *const not_txns[] = {
        "{:process 1 :type :invoke :value []}\n",              /* no micro-op */
        "{:process 1 :type :invoke :value [1 [[:r :x nil]]]}\n", /* an independent pair */
        "{:process 1 :type :invoke :value [[:r]]}\n",          /* no key */
        "{:process 1 :type :invoke :value [[1 :x 2]]}\n",      /* f not a name */
        "{:process 1 :type :invoke :value [[:r :x nil 4]]}\n", /* too long */
    };
    for (size_t i = 0; i < sizeof not_txns / sizeof *not_txns; i++) {
        hist_error err = {0};
        history *bad = NULL;
        hist_rc rc = hist_read_mem("t", not_txns[i], strlen(not_txns[i]), NULL, &bad, NULL, &err);
        cr_assert_eq(rc, HIST_EINVALID, "%s", not_txns[i]);
        cr_assert(strstr(err.msg, "missing \"f\""), "%s: %s", not_txns[i], err.msg);
    }
}

/* An event with no process (or a null one) pairs with the next event with
 * none, in order, as jepsen.history pairs a non-client process's events;
 * two open at once is an error, as for any process. */
Test(read, events_with_no_process_pair_in_order)
{
    history *h = read_ok("{:type :invoke :f :read}\n"
                         "{:type :ok :f :read :value 1}\n"
                         "{:process nil :type :invoke :f :write :value 2}\n"
                         "{:process 0 :type :invoke :f :read}\n"
                         "{:type :info :f :write :value 2}\n"
                         "{:process 0 :type :ok :f :read :value 2}\n",
                         NULL);
    cr_assert_eq(hist_nops(h), 3);
    const hist_op *o = hist_ops(h);
    cr_assert(val_is_nil(o[0].process) && o[0].call == 0 && o[0].ret == 1);
    cr_assert(val_is_nil(o[1].process) && o[1].call == 2 && o[1].ret == 4);
    cr_assert_eq(o[1].status, OP_INFO);
    cr_assert_eq(o[2].process.n, 0);
    hist_free(h);
    hist_error err = {0};
    const char *two = "[{\"type\":\"invoke\",\"f\":\"read\"},\n"
                      " {\"type\":\"invoke\",\"f\":\"read\"}]\n";
    cr_assert_eq(hist_read_mem("t", two, strlen(two), NULL, &h, NULL, &err), HIST_EINVALID);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "no process is invoked while the one from line 1 is still open"),
              "%s", err.msg);
}

/* A history of completions only (Elle's unit tests) is read as Elle reads
 * it: each op is invoked at the start, before every event of the file, so
 * none precedes another in real time; a completion with no invocation in a
 * history that has invocations stays an error. */
Test(read, a_history_of_completions_only_is_invoked_at_the_start)
{
    history *h = read_ok("{:process 0 :type :ok :f :write :value 1}\n"
                         "{:process :nemesis :type :info :f :kill}\n"
                         "{:process 0 :type :info :f :write :value 2}\n"
                         "{:type :fail :f :read}\n",
                         NULL);
    cr_assert_eq(hist_nops(h), 3);
    cr_assert_eq(hist_nevents(h), 7);
    hist_counts c = hist_count(h);
    cr_assert_eq(c.implied, 3);
    cr_assert_eq(c.annotations, 1);
    cr_assert_eq(c.ok, 1);
    cr_assert_eq(c.info, 1);
    cr_assert_eq(c.fail, 1);
    const hist_op *o = hist_ops(h);
    const hist_pos *ev = hist_positions(h);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(o[i].call, i, "invoked in the order of the completions");
        cr_assert(ev[o[i].call].implied);
        cr_assert_eq(ev[o[i].call].line, ev[o[i].ret].line);
        for (size_t j = 0; j < 3; j++)
            cr_assert_lt(o[i].call, o[j].ret, "no op precedes another");
    }
    cr_assert_eq(o[0].ret, 3);
    cr_assert_eq(o[1].ret, 5);
    cr_assert_eq(o[1].in.n, 2);
    cr_assert(val_is_nil(o[2].process));
    hist_free(h);
}

Test(read, independent_pairs)
{
    const char *t = "{:process 0 :type :invoke :f :write :value [3 4]}\n"
                    "{:process 0 :type :ok :f :write :value [3 4]}\n"
                    "{:process 1 :type :invoke :f :cas :value [3 [4 0]]}\n"
                    "{:process 1 :type :info :f :cas :value :timed-out}\n"
                    "{:process 2 :type :invoke :f :read :value [5 nil]}\n"
                    "{:process 2 :type :ok :f :read :value [5 nil]}\n";
    history *h = read_ok(t, NULL);
    cr_assert(hist_was_independent(h));
    const hist_op *o = hist_ops(h);
    cr_assert_eq(o[0].key.n, 3);
    cr_assert_eq(o[0].in.n, 4);
    cr_assert_eq(o[1].key.n, 3, "a crashed completion keeps its invocation's key");
    cr_assert_eq(o[1].in.kind, VAL_LIST);
    cr_assert_eq(o[2].key.n, 5);
    cr_assert(val_is_nil(o[2].out));
    hist_free(h);

    /* A plain register history is not taken for one. */
    h = read_ok("{:process 0 :type :invoke :f :read :value nil}\n"
                "{:process 0 :type :ok :f :read :value [1 2]}\n", NULL);
    cr_assert(!hist_was_independent(h));
    hist_free(h);
}

struct bad {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen */
    size_t max_line;
    uint32_t line, col;
    const char *msg; /* a part of the message */
};

static const struct bad bads[] = {
    {"truncated JSON line", "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\"\n{\"process\":0}\n",
     0, 0, 1, 37, "invalid JSON: expected ',' or '}', got the end of the line"},
    {"wrong type of process", "{\"process\":[1],\"type\":\"invoke\",\"f\":\"w\"}\n", 0, 0, 1, 12,
     "\"process\" to be an integer or a name"},
    {"unknown type", "\n\n{\"process\":1,\"type\":\"done\",\"f\":\"w\"}\n", 0, 0, 3, 21,
     "\"type\" to be invoke, ok, fail or info; got \"done\""},
    {"missing f", "{\"process\":1,\"type\":\"invoke\"}\n", 0, 0, 1, 1, "missing \"f\""},
    {"missing type", "{:process 1 :f :read}\n", 0, 0, 1, 1, "missing \"type\""},
    {"time not an integer", "{:process 1 :type :invoke :f :read :time \"soon\"}", 0, 0, 1, 42,
     "\"time\" to be an integer"},
    {"binary junk", "\x01\x02\x00\x03garbage", 11, 0, 1, 3, "NUL byte"},
    {"junk without NUL", "\xff\xfegarbage\n", 0, 0, 1, 1, "invalid UTF-8 (byte 0xff)"},
    {"text in no format we read", "garbage\n", 0, 0, 1, 1, "cannot tell the format"},
    {"unterminated EDN map", "{:process 1 :type :invoke\n :f :read", 0, 0, 1, 1,
     "unterminated op map"},
    {"EDN odd map", "{:process 1 :type}", 0, 0, 1, 18, "even number of forms"},
    {"EDN nested too deep", "{:process 1 :type :invoke :f :w :value "
                            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[}",
     0, 0, 1, 140, "nested more than"},
    {"EDN discards chained past the depth cap (was a stack overflow)", NULL, 0, 0, 1, 243,
     "nested more than"},
    {"EDN stray closer", "[{:process 1 :type :invoke :f :w}]]", 0, 0, 1, 35,
     "expected an op map"},
    {"over-long line", "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"value\":\"xxxxxxxxxxxxxxxx\"}\n",
     0, 32, 1, 33, "longer than the limit of 32 bytes"},
    {"invoke while open", "{:process 1 :type :invoke :f :w :value 1}\n"
                          "{:process 1 :type :invoke :f :w :value 2}\n",
     0, 0, 2, 1, "process 1 invokes while its op from line 1 is still open"},
    {"completion never invoked", "{:process 1 :type :invoke :f :w :value 1}\n"
                                 "{:process 2 :type :ok :f :w :value 2}\n",
     0, 0, 2, 1, "process 2 completes (ok) an op it never invoked (only a history with no "
                 "invocation at all"},
    {"completion of another f", "{:process 1 :type :invoke :f :w :value 1}\n"
                                "{:process 1 :type :ok :f :r :value 2}\n",
     0, 0, 2, 1, "completes \"r\", but invoked \"w\" at line 1"},
    {"completion on another key (was silently ignored)",
     "{:process 1 :type :invoke :f :w :key \"a\" :value 1}\n"
     "{:process 1 :type :ok :f :w :key \"b\" :value 1}\n",
     0, 0, 2, 1, "process 1 completes on key \"b\", but invoked on \"a\" at line 1"},
    {"process number too long (was truncated, merging processes)",
     "INFO  jepsen.util - 12345678901234567890\t:invoke\t:read\tnil\n", 0, 0, 1, 21,
     "does not fit in 64 bits"},
    {"empty input", " \n\n ", 0, 0, 0, 0, "empty input"},
    {"JSON array with trailing text", "[{\"process\":1,\"type\":\"invoke\",\"f\":\"w\"}] x", 0, 0,
     1, 41, "after the array"},
    {"JSON array unclosed", "[{\"process\":1,\"type\":\"invoke\",\"f\":\"w\"},\n", 0, 0, 2, 1,
     "not closed"},
    {"JSON array of scalars", "[1, 2]", 0, 0, 1, 2, "expected an op object"},
    {"log value unterminated", "INFO  jepsen.util - 3\t:invoke\t:cas\t[0 3\n", 0, 0, 1, 36,
     "unterminated collection"},
    {"log with no op lines", "INFO  jepsen.core - starting\n", 0, 0, 1, 1,
     "no Jepsen operation lines"},
    {"log with binary", "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n\x01\x02\n", 0, 0, 2, 1,
     "control byte 0x01"},
    /* A field of an op given twice (was: the last one silently won). */
    {"JSON op with two types", "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"type\":\"ok\"}\n",
     0, 0, 1, 45, "\"type\" is given twice in one op (first at line 1, column 21)"},
    {"JSON op with a field twice, one name escaped",
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"valu\\u0065\":1,\"value\":2}\n", 0, 0, 1, 61,
     "\"value\" is given twice"},
    {"JSON array op with a field twice", "[{\"process\":1,\"process\":2,\"type\":\"invoke\",\"f\":\"w\"}]",
     0, 0, 1, 25, "\"process\" is given twice"},
    {"EDN op with a field twice, keyword and string",
     "{:process 1 :type :invoke :f :w \"f\" :r}\n", 0, 0, 1, 37, "\"f\" is given twice"},
    /* NUL in a member name: refused, as jansson (so conch serve) does. */
    {"JSON NUL in a value's member name",
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"value\":{\"a\\u0000\":1}}\n", 0, 0, 1, 47,
     "a member name may not contain \\u0000 (NUL)"},
    {"JSON NUL in an op's member name",
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\",\"\\u0000\":1}\n", 0, 0, 1, 38,
     "a member name may not contain"},
    /* Strings are UTF-8 in every reader (EDN and logs once took anything). */
    {"EDN lone high surrogate", "{:process 1 :type :invoke :f :w :value \"x\\ud800\"}", 0, 0, 1, 42,
     "lone high surrogate"},
    {"EDN high surrogate then no low one", "{:process 1 :type :invoke :f :w :value \"\\ud800\\u0041\"}",
     0, 0, 1, 41, "lone high surrogate"},
    {"EDN lone low surrogate", "{:process 1 :type :invoke :f :w :value \"\\udc00\"}", 0, 0, 1, 41,
     "lone low surrogate"},
    {"EDN character that is a surrogate", "{:process 1 :type :invoke :f :w :value \\ud800}", 0, 0, 1,
     40, "lone high surrogate"},
    {"EDN invalid UTF-8 in a string", "{:process 1 :type :invoke :f :w :value \"ab\xff\"}", 0, 0, 1,
     43, "invalid UTF-8 (byte 0xff)"},
    {"EDN surrogate encoded as UTF-8 bytes", "{:process 1 :type :invoke :f :w :value \"\xed\xa0\x80\"}",
     0, 0, 1, 41, "invalid UTF-8 (byte 0xed)"},
    {"EDN overlong NUL", "{:process 1 :type :invoke :f :w :value \"\xc0\x80\"}", 0, 0, 1, 41,
     "invalid UTF-8 (byte 0xc0)"},
    {"EDN invalid UTF-8 in a comment", "; caf\xe9\n{:process 1 :type :invoke :f :w}", 0, 0, 1, 6,
     "invalid UTF-8 (byte 0xe9)"},
    {"EDN UTF-8 cut short at the end", "{:process 1 :type :invoke :f :w :value \"\xe2\x82", 0, 0, 1,
     41, "invalid UTF-8 (byte 0xe2)"},
    {"log lone surrogate in a value", "INFO  jepsen.util - 3\t:invoke\t:write\t\"\\udfff\"\n", 0, 0, 1,
     39, "lone low surrogate"},
    {"log invalid UTF-8 in f", "INFO  jepsen.util - 3\t:invoke\t:wr\xffte\t1\n", 0, 0, 1, 34,
     "invalid UTF-8 (byte 0xff)"},
    {"log invalid UTF-8 in an error", "INFO  jepsen.util - 3\t:invoke\t:write\t1\n"
                                      "INFO  jepsen.util - 3\t:info\t:write\t1\t\xfe\n",
     0, 0, 2, 38, "invalid UTF-8 (byte 0xfe)"},
    {"JSON invalid UTF-8 in a string", "{\"process\":1,\"type\":\"invoke\",\"f\":\"w\xf8\"}\n", 0, 0,
     1, 36, "invalid UTF-8 (byte 0xf8)"},
};

Test(read, bad_inputs_say_where_and_why)
{
    /* the chained discards, built here: 300,000 of them */
    sbuf deep = {0};
    sbuf_adds(&deep, "{:type :invoke :process 0 :f :read :value ");
    for (int i = 0; i < 300000; i++)
        sbuf_adds(&deep, "#_");
    sbuf_adds(&deep, " 1}");
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        struct bad bb = bads[i];
        if (!bb.text)
            bb.text = sbuf_str(&deep);
        const struct bad *b = &bb;
        history *h = NULL;
        hist_error err = {0};
        hist_read_opts o = {0};
        o.max_line = b->max_line;
        size_t len = b->len ? b->len : strlen(b->text);
        hist_rc rc = hist_read_mem("t", b->text, len, &o, &h, NULL, &err);
        cr_expect_neq(rc, HIST_OK, "%s: read without error", b->name);
        cr_expect_null(h, "%s: a history despite the error", b->name);
        if (rc == HIST_OK) {
            hist_free(h);
            continue;
        }
        cr_expect_eq(err.line, b->line, "%s: line %u, expected %u (%s)", b->name, err.line,
                     b->line, err.msg);
        cr_expect_eq(err.col, b->col, "%s: col %u, expected %u (%s)", b->name, err.col, b->col,
                     err.msg);
        cr_expect(strstr(err.msg, b->msg) != NULL, "%s: message '%s' lacks '%s'", b->name,
                  err.msg, b->msg);
    }
    sbuf_free(&deep);
}

Test(read, format_can_be_forced)
{
    const char *t = "{:process 1 :type :invoke :f :w :value 1}\n";
    history *h = NULL;
    hist_error err = {0};
    hist_read_opts o = {.format = HIST_FMT_JSONL};
    cr_assert_neq(hist_read_mem("t", t, strlen(t), &o, &h, NULL, &err), HIST_OK);
    cr_assert_eq(err.line, 1);
    o.format = HIST_FMT_EDN;
    cr_assert_eq(hist_read_mem("t", t, strlen(t), &o, &h, NULL, &err), HIST_OK);
    hist_free(h);
}

/* The value of the first op's invocation, as JSON. */
static char *first_value_json(const char *text)
{
    history *h = read_ok(text, NULL);
    sbuf b = {0};
    val_to_json(hist_cvtab(h), hist_ops(h)[0].in, &b);
    hist_free(h);
    return b.p;
}

/* Every text's first value reads as want. */
static void all_read_as(const char *const *texts, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++) {
        char *got = first_value_json(texts[i]);
        cr_expect_str_eq(got, want, "%s", texts[i]);
        free(got);
    }
}

Test(read, a_repeated_member_keeps_its_last_value_in_every_reader)
{
    /* {"a":1,"a":2} is {"a":2} for jansson, and so for conch serve: once,
     * conch kept both members and saw a violation where there was none. */
    static const char *texts[] = {
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":{\"a\":1,\"b\":[],\"a\":2}}\n",
        "[{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":{\"b\":[],\"a\":1,\"a\":2}}]",
        "{:process 0 :type :invoke :f :w :value {:a 1 :b [] \"a\" 2}}\n",
        "{:process 0 :type :invoke :f :w :value {\"a\" 3 :b () :a 1, :a 2}}\n",
        "INFO  jepsen.util - 0\t:invoke\t:w\t{:a 1 :b [] :a 2}\n",
    };
    all_read_as(texts, sizeof texts / sizeof *texts, "{\"a\": 2, \"b\": []}");
    vtab *vt = vtab_new();
    val a, b;
    sbuf why = {0};
    cr_assert_eq(hist_val_from_json(vt, "{\"a\":1,\"b\":[],\"a\":2}", &a, &why), 0);
    cr_assert_eq(hist_val_from_json(vt, "{\"b\":[],\"a\":2}", &b, &why), 0);
    cr_assert(val_eq(a, b), "--init (jansson) follows the same rule");
    vtab_free(vt);
}

Test(read, strings_are_the_same_utf8_in_every_reader)
{
    static const char *texts[] = {
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":\"\\ud83d\\ude00\\u00e9\"}\n",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":\"\xf0\x9f\x98\x80\xc3\xa9\"}\n",
        "{:process 0 :type :invoke :f :w :value \"\\ud83d\\ude00\\u00e9\"}\n",
        "{:process 0 :type :invoke :f :w :value \"\xf0\x9f\x98\x80\xc3\xa9\"}\n",
        "INFO  jepsen.util - 0\t:invoke\t:w\t\"\\uD83D\\uDE00\xc3\xa9\"\n",
    };
    all_read_as(texts, sizeof texts / sizeof *texts, "\"\xf0\x9f\x98\x80\xc3\xa9\"");
    /* EDN characters: one character however many bytes, by name or code. */
    char *got = first_value_json("{:process 0 :type :invoke :f :w :value [\\\xc3\xa9 \\u00e9 "
                                 "\\newline \\return \\x]}\n");
    cr_expect_str_eq(got, "[\"\xc3\xa9\", \"\xc3\xa9\", \"\\n\", \"\\r\", \"x\"]");
    free(got);
}

Test(read, a_number_of_any_length_is_read_as_jansson_reads_it)
{
    /* fuzz_json found it: conch refused a real of 408 digits as "number too
     * long", where jansson (and JSON) take it. */
    sbuf t = {0};
    sbuf_adds(&t, "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\",\"value\":2.5");
    for (int i = 0; i < 500; i++)
        sbuf_addc(&t, i % 7 ? '1' : '0');
    sbuf_adds(&t, "e-3}\n");
    history *h = read_ok(sbuf_str(&t), NULL);
    val v = hist_ops(h)[0].in;
    cr_assert_eq(v.kind, VAL_FLOAT);
    double d;
    memcpy(&d, &v.n, sizeof d);
    cr_assert_float_eq(d, 0.00250111111, 1e-12);
    hist_free(h);
    sbuf_free(&t);
}

/* An op's node is its completion's, else its invocation's; ops before the
 * first that has one, and after it, have nil or theirs (the nodes are kept
 * apart from the ops, growing with them). */
Test(read, nodes_of_ops)
{
    sbuf b = {0};
    for (int i = 0; i < 300; i++) {
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"invoke\",\"f\":\"read\"%s}\n", i,
                    i == 100 ? ",\"node\":\"a\"" : "");
        sbuf_printf(&b, "{\"process\":%d,\"type\":\"ok\",\"f\":\"read\",\"value\":1%s}\n", i,
                    i == 200 ? ",\"node\":\"b\"" : "");
    }
    history *h = read_ok(sbuf_str(&b), NULL);
    const vtab *vt = hist_cvtab(h);
    cr_assert_eq(hist_nops(h), 300);
    for (size_t i = 0; i < 300; i++) {
        val n = hist_op_node(h, i);
        if (i == 100)
            cr_assert(val_is_str(vt, n, "a"), "the invocation's");
        else if (i == 200)
            cr_assert(val_is_str(vt, n, "b"), "the completion's");
        else
            cr_assert(val_is_nil(n), "op %zu has none", i);
    }
    hist_free(h);
    sbuf_free(&b);
}

/* Integers are read without strtoll while they have 18 digits or fewer;
 * past that strtoll says whether they fit (a longer one once overflowed a
 * signed accumulator: undefined behaviour, found by fuzz_json). */
Test(read, integers_of_every_length)
{
    const char *fits[] = {"9", "-42", "123456789012345678", "-123456789012345678",
                          "9223372036854775807", "-9223372036854775808"};
    const char *big[] = {"9223372036854775808", "10000000000021111111111111"};
    for (int edn = 0; edn < 2; edn++) {
        for (size_t i = 0; i < sizeof fits / sizeof *fits + sizeof big / sizeof *big; i++) {
            bool ok = i < sizeof fits / sizeof *fits;
            const char *n = ok ? fits[i] : big[i - sizeof fits / sizeof *fits];
            sbuf b = {0};
            if (edn)
                sbuf_printf(&b, "{:process 0 :type :invoke :f :write :value %s}\n", n);
            else
                sbuf_printf(&b, "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":%s}\n",
                            n);
            history *h = NULL;
            hist_error err = {0};
            hist_rc rc = hist_read_mem("t", b.p, b.len, NULL, &h, NULL, &err);
            if (ok) {
                cr_assert_eq(rc, HIST_OK, "%s: %s", n, err.msg);
                char back[32];
                snprintf(back, sizeof back, "%lld", (long long)hist_ops(h)[0].in.n);
                cr_assert_str_eq(back, n);
            } else {
                cr_assert_neq(rc, HIST_OK, "%s is refused", n);
                cr_assert(strstr(err.msg, edn ? "does not fit in 64 bits" : "too big integer"),
                          "%s: %s", n, err.msg);
            }
            hist_free(h);
            sbuf_free(&b);
        }
    }
}

/* Up to 8 digits are read a word at a time (digits8): every length, with
 * every byte that can end a number after it, in every place in the word,
 * reads as strtoll (or strtod) reads it. */
Test(read, integers_read_a_word_at_a_time)
{
    const char *after[] = {"}", ",\"time\":1}", " }", "\t}", "e2}", ".5}", "E-1}"};
    uint64_t seed = 12345;
    for (int len = 1; len <= 19; len++) {
        for (size_t a = 0; a < sizeof after / sizeof *after; a++) {
            for (int rep = 0; rep < 20; rep++) {
                char num[24];
                for (int i = 0; i < len; i++) {
                    seed = seed * 6364136223846793005u + 1442695040888963407u;
                    num[i] = (char)('0' + (seed >> 33) % 10);
                }
                if (num[0] == '0')
                    num[0] = '1' + (char)(rep % 9);
                if (len == 19)
                    num[0] = '1'; /* fits in 64 bits */
                num[len] = '\0';
                sbuf b = {0};
                sbuf_printf(&b, "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":%s%s%s\n",
                            rep % 2 ? "-" : "", num, after[a]);
                history *h = read_ok(b.p, NULL);
                val v = hist_ops(h)[0].in;
                char text[48];
                snprintf(text, sizeof text, "%s%s%s", rep % 2 ? "-" : "", num,
                         after[a][0] == 'e' || after[a][0] == '.' || after[a][0] == 'E'
                             ? (a == 4 ? "e2" : a == 5 ? ".5" : "E-1")
                             : "");
                if (a >= 4) {
                    double d;
                    memcpy(&d, &v.n, sizeof d);
                    cr_assert_eq(v.kind, VAL_FLOAT, "%s", b.p);
                    cr_assert_eq(d, strtod(text, NULL), "%s", b.p);
                } else {
                    cr_assert_eq(v.kind, VAL_INT, "%s", b.p);
                    cr_assert_eq(v.n, strtoll(text, NULL, 10), "%s", b.p);
                }
                hist_free(h);
                sbuf_free(&b);
            }
        }
    }
}
