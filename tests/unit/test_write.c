/* Unit tests: the native JSON Lines writer (histories/write.c): what it
 * writes reads back as the same events. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

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
        const hist_event *x = &hist_events(a)[i], *y = &hist_events(b)[i];
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
