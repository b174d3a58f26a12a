/*
 * test_store_net.c - the in-process network (store/net.h) on a fake clock:
 * lag, FIFO links, random loss, partitions at send and at delivery.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "../../store/net.h"

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static int *body(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

static net *make(int n, int lag_ms, double drop)
{
    fake_now = 1000;
    net_config cfg = {n, lag_ms, drop, 42, free, fake_clock, NULL};
    return net_new(&cfg);
}

/* The bodies of the messages node to can take now, as a list of ints. */
static int take(net *nt, int to, int *out, int max)
{
    net_msg *m = net_take(nt, to, fake_now);
    int n = 0;
    for (net_msg *p = m; p; p = p->next) {
        cr_assert_eq(p->to, to);
        if (n < max)
            out[n] = *(int *)p->body;
        n++;
    }
    net_msg_free(nt, m);
    return n;
}

Test(store_net, lag_holds_messages_until_due_and_links_are_fifo)
{
    net *nt = make(3, 50, 0);
    net_send(nt, 0, 1, body(1), true);
    fake_now += 20000;
    net_send(nt, 2, 1, body(2), true);
    net_send(nt, 0, 1, body(3), true);
    int got[8];
    cr_assert_eq(take(nt, 1, got, 8), 0, "nothing is due before the lag");
    fake_now += 30000; /* 50 ms after the first */
    cr_assert_eq(take(nt, 1, got, 8), 1);
    cr_assert_eq(got[0], 1);
    fake_now += 20000;
    cr_assert_eq(take(nt, 1, got, 8), 2);
    cr_assert_eq(got[0], 2);
    cr_assert_eq(got[1], 3);
    net_stats st;
    net_stats_get(nt, 1, &st);
    cr_assert_eq(st.delivered, 3);
    net_free(nt);
}

Test(store_net, partitions_drop_messages_between_groups)
{
    static const struct {
        int group[3];
        int from, to;
        bool through;
    } cases[] = {
        {{0, 1, 1}, 0, 1, false}, {{0, 1, 1}, 1, 2, true}, {{0, 1, 1}, 2, 0, false},
        {{0, 0, 0}, 2, 0, true},  {{5, 6, 7}, 1, 2, false}, {{3, 6, 3}, 2, 0, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        net *nt = make(3, 0, 0);
        net_partition(nt, cases[i].group);
        cr_assert_eq(net_reachable(nt, cases[i].from, cases[i].to), cases[i].through, "case %zu", i);
        net_send(nt, cases[i].from, cases[i].to, body(7), true);
        int got[1];
        cr_assert_eq(take(nt, cases[i].to, got, 1), cases[i].through ? 1 : 0, "case %zu", i);
        net_stats st;
        net_stats_get(nt, cases[i].to, &st);
        cr_assert_eq(st.dropped_partition, cases[i].through ? 0u : 1u, "case %zu", i);
        net_free(nt);
    }
}

Test(store_net, a_partition_drops_messages_in_flight_and_heal_restores)
{
    net *nt = make(2, 10, 0);
    net_send(nt, 0, 1, body(1), true);
    int split[2] = {0, 1};
    net_partition(nt, split);
    fake_now += 10000;
    int got[2];
    cr_assert_eq(take(nt, 1, got, 2), 0, "sent before the partition, due after: lost");
    net_heal(nt);
    cr_assert(net_reachable(nt, 0, 1));
    net_send(nt, 0, 1, body(2), true);
    fake_now += 10000;
    cr_assert_eq(take(nt, 1, got, 2), 1);
    cr_assert_eq(got[0], 2);
    net_free(nt);
}

Test(store_net, random_loss_is_about_the_fraction_asked)
{
    static const double fractions[] = {0.0, 0.1, 0.5, 1.0};
    for (size_t i = 0; i < sizeof fractions / sizeof *fractions; i++) {
        net *nt = make(2, 0, fractions[i]);
        enum { N = 4000 };
        for (int k = 0; k < N; k++)
            net_send(nt, 0, 1, body(k), true);
        int got[1];
        int n = take(nt, 1, got, 1);
        double lost = 1.0 - (double)n / N;
        cr_assert(lost >= fractions[i] - 0.03 && lost <= fractions[i] + 0.03,
                  "drop %g: lost %g", fractions[i], lost);
        net_stats st;
        net_stats_get(nt, 1, &st);
        cr_assert_eq(st.dropped_random + st.delivered, (uint64_t)N);
        net_free(nt);
    }
}

Test(store_net, reliable_messages_are_only_cut_by_partitions)
{
    net *nt = make(2, 0, 1.0);
    net_send(nt, 0, 1, body(1), false);
    net_send(nt, 0, 1, body(2), true);
    int got[2];
    cr_assert_eq(take(nt, 1, got, 2), 1);
    cr_assert_eq(got[0], 1);
    int split[2] = {0, 1};
    net_partition(nt, split);
    net_send(nt, 0, 1, body(3), false);
    cr_assert_eq(take(nt, 1, got, 2), 0);
    net_free(nt);
}

Test(store_net, close_wakes_waiters_and_frees_queued)
{
    net *nt = make(2, 1000000, 0);
    net_send(nt, 0, 1, body(1), true); /* never due: freed by net_free */
    net_close(nt);
    cr_assert_null(net_wait(nt, 1));
    net_free(nt);
}
