/* Unit tests: the native JSON Lines writer (histories/write.c): what it
 * writes reads back as the same events. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../histories/gen.h"
#include "../../histories/read.h"
#include "../../histories/write.h"

static history *read_text(const char *t)
{
    history *h = NULL;
    hist_error err;
    hist_read_opts o = {.keep_events = true};
    cr_assert_eq(hist_read_mem("t", t, strlen(t), &o, &h, NULL, &err), 0, "%s", err.msg);
    return h;
}

Test(write, round_trip)
{
    const char *edn =
        "{:index 0 :time 5 :process 0 :type :invoke :f :cas :key \"k\" :value [1 \"two\"]}\n"
        "{:process :nemesis :type :info :f :start :value \"n1 | n2\"}\n"
        "{:index 1 :time 9 :process 0 :type :ok :f :cas :key \"k\" :value [1 \"two\"] "
        ":version 42 :node \"n1\"}\n"
        "{:process 1 :type :invoke :f :read :value nil}\n"
        "{:process 1 :type :info :f :read :value nil :error \"timeout\"}\n";
    history *a = read_text(edn);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(hist_write_jsonl(a, f), 0);
    fclose(f);
    history *b = read_text(buf);
    cr_assert_eq(hist_nevents(a), hist_nevents(b));
    for (size_t i = 0; i < hist_nevents(a); i++) {
        const hist_event *x = &hist_kept_events(a)[i], *y = &hist_kept_events(b)[i];
        sbuf sx = {0}, sy = {0};
        hist_format_event(hist_cvtab(a), x, &sx);
        hist_format_event(hist_cvtab(b), y, &sy);
        cr_expect_str_eq(sbuf_str(&sx), sbuf_str(&sy));
        cr_expect_eq(x->type, y->type);
        cr_expect_eq(x->time, y->time);
        cr_expect_eq(x->version, y->version);
        sbuf_free(&sx);
        sbuf_free(&sy);
    }
    cr_assert(strstr(buf, "\"version\":42"));
    cr_assert(strstr(buf, "\"error\":\"timeout\""));
    free(buf);
    hist_free(a);
    hist_free(b);
}

/* conch gen --format edn / jepsen-log: the same history in Jepsen's forms
 * reads back as the same ops (the log's values as independent pairs). */
Test(write, gen_formats_read_back_alike)
{
    history *h[3];
    for (int f = 0; f < 3; f++) {
        gen_opts o = {.ops = 300, .sessions = 5, .keys = 3, .cas = true, .crash = 0.1,
                      .seed = 7, .format = f};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        cr_assert_eq(gen_history(&o, out), 0);
        fclose(out);
        hist_format fmt;
        hist_error err;
        cr_assert_eq(hist_read_mem("gen", buf, len, NULL, &h[f], &fmt, &err), HIST_OK,
                     "format %d: %u:%u: %s", f, err.line, err.col, err.msg);
        cr_assert_eq(fmt, f == 0 ? HIST_FMT_JSONL : f == 1 ? HIST_FMT_EDN : HIST_FMT_LOG);
        free(buf);
    }
    cr_assert(hist_was_independent(h[2]));
    for (int f = 1; f < 3; f++) {
        cr_assert_eq(hist_nops(h[f]), hist_nops(h[0]));
        for (size_t i = 0; i < hist_nops(h[0]); i++) {
            const hist_op *a = &hist_ops(h[0])[i], *b = &hist_ops(h[f])[i];
            sbuf sa = {0}, sb = {0};
            val sa_v[] = {a->process, a->f, a->key, a->in, a->out};
            val sb_v[] = {b->process, b->f, b->key, b->in, b->out};
            for (int k = 0; k < 5; k++) {
                val_to_json(hist_cvtab(h[0]), sa_v[k], &sa);
                val_to_json(hist_cvtab(h[f]), sb_v[k], &sb);
                sbuf_addc(&sa, ' ');
                sbuf_addc(&sb, ' ');
            }
            cr_expect_str_eq(sbuf_str(&sa), sbuf_str(&sb), "format %d, op %zu", f, i);
            cr_expect_eq(a->status, b->status);
            cr_expect_eq(a->call, b->call);
            cr_expect_eq(a->ret, b->ret);
            sbuf_free(&sa);
            sbuf_free(&sb);
        }
    }
    for (int f = 0; f < 3; f++)
        hist_free(h[f]);
}
