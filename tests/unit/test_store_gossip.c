/*
 * test_store_gossip.c - scuttlebutt exchange (store/gossip.h) between
 * replicas driven by hand: replicas converge, and only updates newer than the
 * peer's digest travel.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/gossip.h"
#include "../../store/hlc.h"

enum { MAXN = 4 };

typedef struct rep {
    kv *t;
    gossip g;
    hlc clock;
    int id;
} rep;

static void reps_init(rep *r, int n)
{
    for (int i = 0; i < n; i++) {
        r[i].t = kv_new();
        gossip_init(&r[i].g, n);
        r[i].clock = (hlc){0};
        r[i].id = i;
    }
}

static void reps_free(rep *r, int n)
{
    for (int i = 0; i < n; i++) {
        kv_free(r[i].t);
        gossip_free(&r[i].g);
    }
}

/* A local write at physical time pt. */
static int64_t put(rep *r, const char *key, const char *val, uint64_t pt)
{
    int64_t v = hlc_version(hlc_tick(&r->clock, pt), r->id);
    cr_assert(kv_merge(r->t, key, strlen(key), val, strlen(val), v));
    gossip_wrote(&r->g, v);
    return v;
}

/* b sends its digest to a, a answers with a delta, b applies it; returns
 * how many entries travelled. */
static size_t pull(rep *b, rep *a, size_t cap)
{
    gossip_delta d;
    gossip_delta_build(a->t, &a->g, b->g.seen, cap, &d);
    size_t n = d.items.n;
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(d.items.v[i - 1].version, d.items.v[i].version, "delta not in version order");
    int64_t max = 0;
    gossip_delta_apply(b->t, &b->g, &d, &max);
    if (max)
        hlc_recv(&b->clock, hlc_version_ts(max), 0);
    gossip_delta_free(&d);
    return n;
}

typedef struct dump_ctx {
    char buf[4096];
    size_t len;
} dump_ctx;

static void dump_one(void *ctx, const kv_entry *e)
{
    dump_ctx *d = ctx;
    d->len += (size_t)snprintf(d->buf + d->len, sizeof d->buf - d->len, "%.*s=%s@%lld;",
                               (int)e->klen, e->key, e->val, (long long)e->version);
}

static bool same_table(rep *a, rep *b)
{
    if (kv_count(a->t) != kv_count(b->t))
        return false;
    dump_ctx d = {.len = 0};
    kv_each(a->t, dump_one, &d);
    /* Every entry of a is in b with the same version and value. */
    bool same = true;
    for (char *p = d.buf; *p && same;) {
        char *eq = strchr(p, '='), *at = strchr(eq, '@'), *semi = strchr(at, ';');
        kv_entry e;
        same = kv_get(b->t, p, (size_t)(eq - p), &e) && e.vlen == (size_t)(at - eq - 1) &&
               !memcmp(e.val, eq + 1, e.vlen) && e.version == atoll(at + 1);
        p = semi + 1;
    }
    return same;
}

Test(store_gossip, two_replicas_converge_and_send_only_newer)
{
    rep r[2];
    reps_init(r, 2);
    put(&r[0], "x", "1", 100);
    put(&r[0], "y", "2", 100);
    put(&r[1], "x", "3", 101); /* newer than r0's x: wins everywhere */
    put(&r[1], "z", "4", 99);  /* clock behind: still after r1's x */

    /* r1 has seen nothing of r0: both of r0's entries travel; x loses. */
    cr_assert_eq(pull(&r[1], &r[0], 0), 2);
    /* r0 has seen nothing of r1, r1 knows all of r0: only r1's own two. */
    cr_assert_eq(pull(&r[0], &r[1], 0), 2);
    cr_assert(same_table(&r[0], &r[1]));
    kv_entry e;
    cr_assert(kv_get(r[0].t, "x", 1, &e));
    cr_assert_str_eq(e.val, "3");
    /* Nothing more to send either way. */
    cr_assert_eq(pull(&r[0], &r[1], 0), 0);
    cr_assert_eq(pull(&r[1], &r[0], 0), 0);
    /* One new write: exactly one entry travels. */
    put(&r[0], "w", "5", 102);
    cr_assert_eq(pull(&r[1], &r[0], 0), 1);
    cr_assert(same_table(&r[0], &r[1]));
    reps_free(r, 2);
}

Test(store_gossip, three_replicas_converge_through_a_relay)
{
    rep r[3];
    reps_init(r, 3);
    /* Interleaved writes, some keys written at every replica. */
    static const struct {
        int at;
        const char *key, *val;
        uint64_t pt;
    } ws[] = {
        {0, "a", "1", 10}, {1, "a", "2", 10}, {2, "a", "3", 9}, {1, "b", "4", 11},
        {2, "c", "5", 12}, {0, "c", "6", 12}, {2, "d", "[7]", 3},
    };
    for (size_t i = 0; i < sizeof ws / sizeof *ws; i++)
        put(&r[ws[i].at], ws[i].key, ws[i].val, ws[i].pt);
    /* r1 learns everything, then r2 learns r0's writes from r1 alone. */
    pull(&r[1], &r[0], 0);
    pull(&r[1], &r[2], 0);
    pull(&r[2], &r[1], 0);
    cr_assert(same_table(&r[1], &r[2]));
    /* r2's digest now covers r0: r0 owes it nothing. */
    cr_assert_eq(pull(&r[2], &r[0], 0), 0);
    pull(&r[0], &r[2], 0);
    cr_assert(same_table(&r[0], &r[1]));
    cr_assert(same_table(&r[0], &r[2]));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (i != j)
                cr_assert_eq(pull(&r[i], &r[j], 0), 0, "%d still owes %d", j, i);
    reps_free(r, 3);
}

Test(store_gossip, overwritten_entries_are_not_needed)
{
    rep r[3];
    reps_init(r, 3);
    put(&r[0], "k", "1", 50);
    pull(&r[1], &r[0], 0);
    put(&r[1], "k", "2", 50); /* after r0's write: dominates it */
    cr_assert_eq(pull(&r[2], &r[1], 0), 1, "only r1's k travels");
    cr_assert_eq(r[2].g.seen[0], r[0].g.seen[0], "the claim covers r0's write");
    cr_assert_eq(pull(&r[2], &r[0], 0), 0);
    kv_entry e;
    cr_assert(kv_get(r[2].t, "k", 1, &e));
    cr_assert_str_eq(e.val, "2");
    reps_free(r, 3);
}

Test(store_gossip, capped_deltas_still_converge)
{
    rep r[2];
    reps_init(r, 2);
    char key[16];
    for (int i = 0; i < 95; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(&r[i % 3 ? 0 : 1], key, "1", 1000 + (uint64_t)i / 4);
    }
    /* r1 holds 32 of them; r0 63. r1 pulls 10 at a time. */
    size_t total = 0, got;
    int rounds = 0;
    while ((got = pull(&r[1], &r[0], 10)) > 0) {
        cr_assert_leq(got, 10);
        total += got;
        cr_assert_lt(++rounds, 20);
    }
    cr_assert_eq(total, 63, "each entry of r0 sent once, got %zu", total);
    cr_assert_eq(r[1].g.seen[0], r[0].g.seen[0]);
    pull(&r[0], &r[1], 0);
    cr_assert(same_table(&r[0], &r[1]));
    cr_assert_eq(kv_count(r[0].t), 95);
    reps_free(r, 2);
}

Test(store_gossip, behind)
{
    gossip g;
    gossip_init(&g, 3);
    g.seen[0] = 5;
    g.seen[2] = 9;
    int64_t same[3] = {5, 0, 9}, ahead[3] = {5, 1, 2}, older[3] = {4, 0, 9};
    cr_assert_not(gossip_behind(&g, same));
    cr_assert(gossip_behind(&g, ahead));
    cr_assert_not(gossip_behind(&g, older));
    gossip_free(&g);
}
