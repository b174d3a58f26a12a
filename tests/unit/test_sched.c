/* Unit tests: how a history's parts share the workers and the limits
 * (checker/sched.c, through check_run): every part gets searched, an
 * invalid part stops the others, and the memory limit holds.
 *
 * Hard parts are made so that no search finishes them: n concurrent writes
 * of 0, 1, 2, ..., then a read of 1 and, after it, a read of 2. Nothing is
 * written between the reads, so the part is not linearizable, but the
 * search must try every subset of the writes to learn it: 2^n
 * configurations. The tests assert verdicts and reasons, never times; a
 * limit that would be hit if the behaviour broke keeps them quick. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/budget.h"
#include "../../util/mem.h"
#include "helpers.h"

static void op(sbuf *b, int proc, const char *type, const char *f, const char *key, int v)
{
    sbuf_printf(b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",\"key\":\"%s\",\"value\":", proc,
                type, f, key);
    if (v < 0)
        sbuf_adds(b, "null}\n");
    else
        sbuf_printf(b, "%d}\n", v);
}

/* pairs of write v, read v, one after another: valid, and easy. */
static void easy(sbuf *b, const char *key, int proc, int pairs)
{
    for (int i = 0; i < pairs; i++) {
        op(b, proc, "invoke", "write", key, i);
        op(b, proc, "ok", "write", key, i);
        op(b, proc, "invoke", "read", key, -1);
        op(b, proc, "ok", "read", key, i);
    }
}

/* An easy prefix of pairs, then n concurrent writes and two reads that no
 * order allows: invalid, and out of any search's reach. */
static void hard(sbuf *b, const char *key, int proc, int pairs, int n)
{
    easy(b, key, proc, pairs);
    for (int i = 0; i < n; i++)
        op(b, proc + 1 + i, "invoke", "write", key, i % 3);
    for (int i = 0; i < n; i++)
        op(b, proc + 1 + i, "ok", "write", key, i % 3);
    for (int v = 1; v <= 2; v++) {
        op(b, proc, "invoke", "read", key, -1);
        op(b, proc, "ok", "read", key, v);
    }
}

static void bad(sbuf *b, const char *key, int proc)
{
    op(b, proc, "invoke", "write", key, 1);
    op(b, proc, "ok", "write", key, 1);
    op(b, proc, "invoke", "read", key, -1);
    op(b, proc, "ok", "read", key, 2);
}

static const lin_part *part(const check_item *it, const char *key)
{
    for (size_t i = 0; i < it->nparts; i++)
        if (val_is_str(hist_cvtab(it->h), it->parts[i].key, key))
            return &it->parts[i];
    cr_assert_fail("no part %s", key);
    return NULL;
}

static check_opts opts(int jobs, double timeout, size_t mb)
{
    check_opts o = {.model = model_find("register"), .jobs = jobs, .timeout_s = timeout,
                    .max_memory = mb << 20, .checks = CHECK_LIN};
    return o;
}

Test(sched, an_invalid_part_stops_the_others, .timeout = 60)
{
    /* Was: the two hard keys were searched on until the time or memory
     * limit, though the easy invalid key had settled the verdict. */
    sbuf b = {0};
    hard(&b, "h1", 100, 0, 40);
    bad(&b, "bad", 1);
    hard(&b, "h2", 200, 0, 40);
    history *h = th_read(sbuf_str(&b));
    for (int jobs = 1; jobs <= 2; jobs++) {
        check_opts o = opts(jobs, 50, 512);
        check_item it = {.h = h};
        check_run(&it, 1, &o);
        cr_assert_eq(it.verdict, LIN_INVALID);
        cr_assert_eq(part(&it, "bad")->r.verdict, LIN_INVALID);
        for (int k = 0; k < 2; k++) {
            const lin_part *p = part(&it, k ? "h2" : "h1");
            cr_assert_eq(p->r.verdict, LIN_UNKNOWN);
            cr_assert_eq(p->r.stop, LIN_STOP_INVALID, "-j%d: key h%d stopped by %s", jobs, k + 1,
                         lin_stop_name(p->r.stop));
        }
        check_item_free(&it);
    }
    /* --all-parts: they are searched, to the limits. */
    check_opts o = opts(2, 0.5, 256);
    o.all_parts = true;
    check_item it = {.h = h};
    check_run(&it, 1, &o);
    cr_assert_eq(it.verdict, LIN_INVALID);
    for (int k = 0; k < 2; k++) {
        const lin_part *p = part(&it, k ? "h2" : "h1");
        cr_assert_eq(p->r.verdict, LIN_UNKNOWN);
        cr_assert_neq(p->r.stop, LIN_STOP_INVALID);
        cr_assert_geq(p->attempts, 1);
    }
    check_item_free(&it);
    hist_free(h);
    sbuf_free(&b);
}

Test(sched, an_invalid_history_does_not_stop_another, .timeout = 60)
{
    sbuf a = {0}, c = {0};
    bad(&a, "bad", 1);
    hard(&a, "h1", 100, 0, 40);
    for (int k = 0; k < 4; k++) {
        char key[8];
        snprintf(key, sizeof key, "e%d", k);
        easy(&c, key, k, 30);
    }
    check_item its[2] = {{.h = th_read(sbuf_str(&a))}, {.h = th_read(sbuf_str(&c))}};
    check_opts o = opts(2, 50, 256);
    check_run(its, 2, &o);
    cr_assert_eq(its[0].verdict, LIN_INVALID);
    cr_assert_eq(its[1].verdict, LIN_VALID);
    cr_assert_eq(its[1].nparts, 4);
    for (int i = 0; i < 2; i++) {
        check_item_free(&its[i]);
        hist_free(its[i].h);
    }
    sbuf_free(&a);
    sbuf_free(&c);
}

Test(sched, a_hard_part_does_not_starve_the_others, .timeout = 60)
{
    /* Was: one deadline for all, the largest part first: on one worker,
     * the big hard key ran to the deadline and the eight easy keys after
     * it came back unknown after a few microseconds each. The easy keys
     * are long enough (over a thousand steps) to meet the deadline check.
     * A small hard key goes first now (smallest first): its share of the
     * time must not starve the rest either. */
    sbuf b = {0};
    hard(&b, "h1", 100, 0, 40);
    for (int k = 0; k < 8; k++) {
        char key[8];
        snprintf(key, sizeof key, "e%d", k);
        easy(&b, key, k, 700);
    }
    hard(&b, "h2", 200, 1000, 40);
    history *h = th_read(sbuf_str(&b));
    for (int jobs = 1; jobs <= 2; jobs++) {
        check_opts o = opts(jobs, 1.0, 1024);
        check_item it = {.h = h};
        check_run(&it, 1, &o);
        cr_assert_eq(it.verdict, LIN_UNKNOWN);
        for (int k = 0; k < 8; k++) {
            char key[8];
            snprintf(key, sizeof key, "e%d", k);
            const lin_part *p = part(&it, key);
            cr_assert_eq(p->r.verdict, LIN_VALID, "-j%d: key %s %s by %s", jobs, key,
                         p->attempts ? "stopped" : "not searched", lin_stop_name(p->r.stop));
        }
        for (int k = 0; k < 2; k++) {
            const lin_part *p = part(&it, k ? "h2" : "h1");
            cr_assert_eq(p->r.verdict, LIN_UNKNOWN);
            cr_assert_geq(p->attempts, 1, "every part gets searched");
        }
        check_item_free(&it);
    }
    hist_free(h);
    sbuf_free(&b);
}

Test(sched, an_interrupt_stops_everything)
{
    sbuf b = {0};
    hard(&b, "h1", 100, 0, 40);
    easy(&b, "e0", 0, 10);
    history *h = th_read(sbuf_str(&b));
    _Atomic int stop;
    atomic_init(&stop, 1);
    check_opts o = opts(2, 0, 64);
    o.stop = &stop;
    check_item it = {.h = h};
    check_run(&it, 1, &o);
    cr_assert_eq(it.verdict, LIN_UNKNOWN);
    for (size_t i = 0; i < it.nparts; i++) {
        cr_assert_eq(it.parts[i].r.stop, LIN_STOP_INTERRUPT);
        cr_assert_eq(it.parts[i].attempts, 0);
    }
    check_item_free(&it);
    hist_free(h);
    sbuf_free(&b);
}

Test(sched, a_budget_holds_its_limit)
{
    /* Reserves: a holder may not grow into what an active other one is
     * promised; buffers are charged whole, and given back when released. */
    budget *bg = budget_new(1 << 20);
    budget_reserve(bg, 256 << 10);
    bhold a, c;
    budget_join(&a, bg, true);
    budget_join(&c, bg, true);
    void *p = budget_alloc(&a, 700 << 10);
    cr_assert_not_null(p);
    cr_assert_null(budget_alloc(&a, 200 << 10), "c's reserve is not a's");
    cr_assert(a.refused);
    void *q = budget_alloc(&c, 200 << 10);
    cr_assert_not_null(q, "c gets its reserve");
    budget_activate(&c, false);
    budget_release(&c, q, 200 << 10);
    void *r = budget_alloc(&a, 200 << 10);
    cr_assert_not_null(r, "an idle holder's reserve is free");
    cr_assert_leq(budget_peak(bg), (size_t)1 << 20);
    size_t cap = 700 << 10;
    cr_assert(!budget_grow(&a, &p, &cap, 2 << 20), "past the limit");
    budget_release(&a, p, 700 << 10);
    budget_release(&a, r, 200 << 10);
    cr_assert_eq(a.held, 0);
    budget_leave(&a);
    budget_leave(&c);
    budget_free(bg);
}
