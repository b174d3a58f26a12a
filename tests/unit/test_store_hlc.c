/*
 * test_store_hlc.c - hybrid logical clocks (store/hlc.h): the send and
 * receive rules, monotonicity when the physical clock goes backwards, and
 * the packing of versions.
 */
#include <criterion/criterion.h>

#include "../../store/hlc.h"

#define TS(ms, c) (((uint64_t)(ms) << HLC_LOGICAL_BITS) | (uint64_t)(c))

/* One event: a tick (remote 0) or a receive, at physical time pt. */
typedef struct step {
    const char *what;
    uint64_t pt, remote, want;
} step;

Test(store_hlc, rules)
{
    static const step steps[] = {
        {"first tick takes the physical time", 100, 0, TS(100, 0)},
        {"same millisecond: logical +1", 100, 0, TS(100, 1)},
        {"physical time moves: logical resets", 101, 0, TS(101, 0)},
        {"receive from the past: logical +1", 101, TS(90, 7), TS(101, 1)},
        {"receive from the future: its ms, its logical +1", 101, TS(200, 5), TS(200, 6)},
        {"tick while physical lags behind: logical +1", 102, 0, TS(200, 7)},
        {"receive equal ms, bigger logical", 102, TS(200, 40), TS(200, 41)},
        {"receive equal ms, smaller logical", 150, TS(200, 3), TS(200, 42)},
        {"physical catches up", 201, 0, TS(201, 0)},
        {"receive at the same ms as physical", 201, TS(201, 0), TS(201, 1)},
    };
    hlc h = {0};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        const step *s = &steps[i];
        uint64_t got = s->remote ? hlc_recv(&h, s->remote, s->pt) : hlc_tick(&h, s->pt);
        cr_assert_eq(got, s->want, "step %zu (%s): got %llu.%llu, want %llu.%llu", i, s->what,
                     (unsigned long long)hlc_ms(got), (unsigned long long)hlc_logical(got),
                     (unsigned long long)hlc_ms(s->want), (unsigned long long)hlc_logical(s->want));
        cr_assert_eq(h.ts, got);
    }
}

Test(store_hlc, monotonic_when_the_clock_goes_backwards)
{
    static const uint64_t pts[] = {1000, 999, 500, 1000, 1000, 0, 2000, 1500, 1999, 2000};
    hlc h = {0};
    uint64_t prev = 0;
    for (size_t i = 0; i < sizeof pts / sizeof *pts; i++) {
        uint64_t t = (i % 3 == 2) ? hlc_recv(&h, TS(pts[i] / 2, 3), pts[i]) : hlc_tick(&h, pts[i]);
        cr_assert_gt(t, prev, "event %zu (pt %llu) did not move the clock forward", i,
                     (unsigned long long)pts[i]);
        cr_assert_geq(hlc_ms(t), pts[i] < 1000 ? 1000 : pts[i] - 0);
        prev = t;
    }
}

Test(store_hlc, logical_overflow_carries_into_ms)
{
    hlc h = {TS(7, (1u << HLC_LOGICAL_BITS) - 1)};
    uint64_t t = hlc_tick(&h, 7);
    cr_assert_eq(t, TS(8, 0));
}

Test(store_hlc, receive_is_after_the_message_and_the_past)
{
    hlc a = {0}, b = {0};
    for (uint64_t pt = 1; pt < 50; pt++) {
        uint64_t m = hlc_tick(&a, pt * 3);      /* a runs ahead */
        uint64_t before = b.ts;
        uint64_t r = hlc_recv(&b, m, pt);       /* b's physical clock lags */
        cr_assert_gt(r, m);
        cr_assert_gt(r, before);
    }
}

Test(store_hlc, versions_order_by_time_then_node)
{
    typedef struct { uint64_t ts; int node; } w;
    static const w ws[] = {
        {TS(5, 0), 3}, {TS(5, 1), 0}, {TS(5, 1), 1}, {TS(5, 1), 63}, {TS(6, 0), 0},
        {TS((1ULL << 42) - 1, (1u << HLC_LOGICAL_BITS) - 1), HLC_MAX_NODES - 1},
    };
    for (size_t i = 0; i < sizeof ws / sizeof *ws; i++) {
        int64_t v = hlc_version(ws[i].ts, ws[i].node);
        cr_assert_geq(v, 0);
        cr_assert_eq(hlc_version_ts(v), ws[i].ts);
        cr_assert_eq(hlc_version_node(v), ws[i].node);
        if (i)
            cr_assert_gt(v, hlc_version(ws[i - 1].ts, ws[i - 1].node), "version %zu", i);
    }
}

Test(store_hlc, wall_clock_fits_42_bits)
{
    uint64_t ms = hlc_wall_ms();
    cr_assert_gt(ms, 1600000000000ULL);
    cr_assert_lt(ms, 1ULL << 42);
}
