/* Unit tests: check_run's errors (checker/check.c): a history that cannot
 * be checked says why with a check_rc of its own, never an exit code. */
#include "helpers.h"

Test(check, errors_have_a_type)
{
    static const struct {
        const char *text, *model, *init;
        check_rc want;
        const char *why;
    } cases[] = {
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"frob\",\"value\":1}\n", NULL, NULL,
         CHECK_ENOMODEL, "cannot infer a model"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n", "register", "{",
         CHECK_EINIT, "--init"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"enqueue\",\"value\":1}\n", "fifo-queue",
         "7", CHECK_EINIT, "--init"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
         "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"
         "{\"process\":0,\"type\":\"invoke\",\"f\":\"frob\",\"value\":1}\n", "register", NULL,
         CHECK_EOP, "t:3: unknown operation"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
         "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1]]}\n"
         "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n", NULL, NULL,
         CHECK_EOP, "expected a transaction"},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n", "register", NULL,
         CHECK_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        history *h = th_read(cases[i].text);
        check_opts o = {.model = cases[i].model ? model_find(cases[i].model) : NULL,
                        .init_json = cases[i].init, .jobs = 1};
        check_item it = {.h = h};
        check_run(&it, 1, &o);
        cr_expect_eq(it.rc, cases[i].want, "case %zu: rc %d, expected %d (%s)", i, (int)it.rc,
                     (int)cases[i].want, sbuf_str(&it.why));
        cr_expect(strstr(sbuf_str(&it.why), cases[i].why), "case %zu: '%s' lacks '%s'", i,
                  sbuf_str(&it.why), cases[i].why);
        check_item_free(&it);
        hist_free(h);
    }
}
