/*
 * test_store_cluster.c - the replicas of conch serve (store/cluster.h) in
 * manual mode, without HTTP or threads: the test delivers messages
 * (cluster_pump), runs gossip and heartbeat rounds (cluster_tick) and moves
 * the network's clock by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../store/cluster.h"

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static cluster *make(cluster_mode mode, int n, int lag_ms)
{
    fake_now = 1000000;
    cluster_config cfg = {
        .n = n, .mode = mode, .r = n / 2 + 1, .w = n / 2 + 1, .gossip_ms = 100,
        .lag_ms = lag_ms, .drop = 0, .timeout_ms = 1000, .seed = 7, .manual = true,
        .now_us = fake_clock,
    };
    return cluster_new(&cfg);
}

static cluster_op *begin(cluster *c, int node, cluster_kind kind, const char *key, const char *val,
                         const char *old, int64_t token)
{
    cluster_req rq = {
        kind, key, val, old, strlen(key), val ? strlen(val) : 0, old ? strlen(old) : 0, token};
    return cluster_begin(c, node, &rq);
}

/* Run an operation to the end: deliver everything, then collect. */
static cluster_res run(cluster *c, int node, cluster_kind kind, const char *key, const char *val,
                       const char *old, int64_t token)
{
    cluster_op *op = begin(c, node, kind, key, val, old, token);
    cluster_pump(c);
    cluster_res r;
    cluster_end(c, op, false, &r);
    return r;
}

/* r ended without its operation done, for the reason rc. */
static bool failed(const cluster_res *r, store_rc rc)
{
    return r->status == CLUSTER_FAILED && r->err->rc == rc;
}

/* Why r failed, or "" if it did not. */
static const char *why(const cluster_res *r)
{
    return r->err ? r->err->msg : "";
}

static void expect(cluster_res r, cluster_status st, const char *val, int64_t version,
                   const char *what)
{
    cr_assert_eq(r.status, st, "%s: status %d, want %d (%s)", what, r.status, st, why(&r));
    if (val)
        cr_assert(r.val && !strcmp(r.val, val), "%s: value %s, want %s", what,
                  r.val ? r.val : "(none)", val);
    if (version >= 0)
        cr_assert_eq(r.version, version, "%s: version %lld, want %lld", what,
                     (long long)r.version, (long long)version);
    cluster_res_free(&r);
}

static void expect_peek(cluster *c, int node, const char *key, const char *val, int64_t version)
{
    cluster_res r;
    cluster_peek(c, node, key, strlen(key), &r);
    char what[64];
    snprintf(what, sizeof what, "n%d holds %s", node + 1, key);
    expect(r, val ? CLUSTER_OK : CLUSTER_NOT_FOUND, val, val ? version : 0, what);
}

Test(store_cluster, linearizable_leader_orders_every_write)
{
    cluster *c = make(CLUSTER_LINEARIZABLE, 3, 0);
    /* Writes entered at any replica get the leader's next index. */
    static const struct {
        int at;
        const char *key, *val;
    } ws[] = {{1, "x", "1"}, {2, "y", "\"a\""}, {0, "x", "3"}, {2, "z", "{\"b\":[1]}"}};
    for (size_t i = 0; i < sizeof ws / sizeof *ws; i++)
        expect(run(c, ws[i].at, CLUSTER_PUT, ws[i].key, ws[i].val, NULL, 0), CLUSTER_OK, NULL,
               (int64_t)i + 1, "put");
    /* Every replica applied them in that order. */
    for (int n = 0; n < 3; n++) {
        expect_peek(c, n, "x", "3", 3);
        expect_peek(c, n, "y", "\"a\"", 2);
        expect_peek(c, n, "z", "{\"b\":[1]}", 4);
    }
    /* Reads anywhere go through the leader. */
    expect(run(c, 2, CLUSTER_GET, "x", NULL, NULL, 0), CLUSTER_OK, "3", 3, "get at n3");
    expect(run(c, 1, CLUSTER_GET, "nope", NULL, NULL, 0), CLUSTER_NOT_FOUND, NULL, 0,
           "get missing");
    cluster_free(c);
}

Test(store_cluster, linearizable_write_waits_for_a_majority)
{
    cluster *c = make(CLUSTER_LINEARIZABLE, 3, 10);
    cluster_op *op = begin(c, 0, CLUSTER_PUT, "k", "1", NULL, 0);
    cluster_pump(c); /* nothing due yet */
    fake_now += 10000;
    cluster_pump(c); /* followers apply, acks on their way */
    expect_peek(c, 1, "k", "1", 1);
    fake_now += 10000;
    cluster_pump(c); /* acks arrive: committed */
    cluster_res r;
    cluster_end(c, op, false, &r);
    expect(r, CLUSTER_OK, NULL, 1, "put after acks");

    /* Leader cut off from both followers: no majority, no answer. */
    int split[3] = {0, 1, 1};
    cluster_partition(c, split);
    op = begin(c, 0, CLUSTER_PUT, "k", "2", NULL, 0);
    fake_now += 50000;
    cluster_pump(c);
    cluster_end(c, op, false, &r);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d", r.status);
    cr_assert(strstr(why(&r), "majority"), "%s", why(&r));
    cluster_res_free(&r);
    /* A follower cannot reach the leader: unavailable at once. */
    r = run(c, 2, CLUSTER_GET, "k", NULL, NULL, 0);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d", r.status);
    cr_assert(strstr(why(&r), "unreachable"), "%s", why(&r));
    cluster_res_free(&r);
    cluster_free(c);
}

Test(store_cluster, follower_fills_a_gap_by_sync)
{
    cluster *c = make(CLUSTER_LINEARIZABLE, 3, 0);
    int cut[3] = {0, 0, 1};
    cluster_partition(c, cut);
    expect(run(c, 0, CLUSTER_PUT, "a", "1", NULL, 0), CLUSTER_OK, NULL, 1, "put a (n3 cut off)");
    expect(run(c, 1, CLUSTER_PUT, "b", "2", NULL, 0), CLUSTER_OK, NULL, 2, "put b (n3 cut off)");
    expect_peek(c, 2, "a", NULL, 0);
    cluster_heal(c);
    /* The next write reaches n3 with index 3: a gap; it asks for a sync. */
    expect(run(c, 0, CLUSTER_PUT, "c", "3", NULL, 0), CLUSTER_OK, NULL, 3, "put c");
    expect_peek(c, 2, "a", "1", 1);
    expect_peek(c, 2, "b", "2", 2);
    expect_peek(c, 2, "c", "3", 3);

    /* A lost last write is found by the leader's heartbeat. */
    cluster_partition(c, cut);
    expect(run(c, 0, CLUSTER_PUT, "d", "4", NULL, 0), CLUSTER_OK, NULL, 4, "put d");
    cluster_heal(c);
    expect_peek(c, 2, "d", NULL, 0);
    fake_now += 1000000; /* past the rate limit on sync requests */
    cluster_tick(c);
    cluster_pump(c);
    expect_peek(c, 2, "d", "4", 4);
    cluster_free(c);
}

Test(store_cluster, session_reads_wait_for_the_token)
{
    cluster *c = make(CLUSTER_SESSION, 3, 10);
    /* At the leader a write is answered at once. */
    cluster_res w = run(c, 0, CLUSTER_PUT, "x", "1", NULL, 0);
    cr_assert_eq(w.status, CLUSTER_OK);
    cr_assert_eq(w.version, 1);
    cr_assert_geq(w.token, 1);
    /* Without a token a follower answers from what it has: stale. */
    expect(run(c, 1, CLUSTER_GET, "x", NULL, NULL, 0), CLUSTER_NOT_FOUND, NULL, 0, "no token");
    /* With the token it waits until it has caught up. */
    cluster_op *op = begin(c, 1, CLUSTER_GET, "x", NULL, NULL, w.token);
    cluster_pump(c);
    fake_now += 10000;
    cluster_pump(c);
    cluster_res r;
    cluster_end(c, op, false, &r);
    cr_assert_geq(r.token, 1);
    expect(r, CLUSTER_OK, "1", 1, "read with token");
    /* A token beyond any the store has issued (the leader is at 1) can never
     * be caught up with: refused at once, at a follower as at the leader,
     * instead of holding the caller for timeout_ms. */
    for (int node = 0; node < 3; node += 2) {
        op = begin(c, node, CLUSTER_GET, "x", NULL, NULL, 2);
        cluster_end(c, op, false, &r);
        cr_assert(failed(&r, STORE_EREJECTED), "n%d: status %d", node + 1, r.status);
        cr_assert(strstr(why(&r), "beyond every token"), "%s", why(&r));
        cluster_res_free(&r);
    }
    /* A token the leader has issued but n3 has not applied yet waits (and,
     * with nothing delivered, gives up: 503). */
    op = begin(c, 0, CLUSTER_PUT, "y", "5", NULL, 0);
    cluster_end(c, op, false, &r);
    cr_assert_eq(r.status, CLUSTER_OK);
    op = begin(c, 2, CLUSTER_GET, "y", NULL, NULL, r.token);
    cluster_res_free(&r);
    cluster_end(c, op, false, &r);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d: %s", r.status, why(&r));
    cluster_res_free(&r);
    cluster_pump(c);
    /* A write at a follower goes through the leader. */
    op = begin(c, 2, CLUSTER_PUT, "x", "2", NULL, 0);
    fake_now += 10000;
    cluster_pump(c);
    fake_now += 10000;
    cluster_pump(c);
    cluster_end(c, op, false, &r);
    cr_assert_eq(r.status, CLUSTER_OK);
    cr_assert_eq(r.version, 3);
    cr_assert_geq(r.token, 3);
    cluster_res_free(&r);
    cluster_free(c);
}

Test(store_cluster, eventual_is_stale_until_gossip)
{
    cluster *c = make(CLUSTER_EVENTUAL, 3, 0);
    cluster_res w = run(c, 0, CLUSTER_PUT, "x", "1", NULL, 0);
    cr_assert_eq(w.status, CLUSTER_OK);
    int64_t v1 = w.version;
    cluster_res_free(&w);
    expect(run(c, 1, CLUSTER_GET, "x", NULL, NULL, 0), CLUSTER_NOT_FOUND, NULL, 0,
           "stale read at n2");
    /* Concurrent writes at n2 and n3: the later version wins everywhere. */
    cluster_res a = run(c, 1, CLUSTER_PUT, "y", "\"from n2\"", NULL, 0);
    cluster_res b = run(c, 2, CLUSTER_PUT, "y", "\"from n3\"", NULL, 0);
    const char *winner = a.version > b.version ? "\"from n2\"" : "\"from n3\"";
    int64_t vy = a.version > b.version ? a.version : b.version;
    cluster_res_free(&a);
    cluster_res_free(&b);
    for (int round = 0; round < 20; round++) {
        cluster_tick(c);
        cluster_pump(c);
    }
    for (int n = 0; n < 3; n++) {
        expect_peek(c, n, "x", "1", v1);
        expect_peek(c, n, "y", winner, vy);
    }
    /* A cas against what every replica now holds. */
    expect(run(c, 2, CLUSTER_CAS, "x", "2", "1", 0), CLUSTER_OK, NULL, -1, "cas 1->2");
    expect(run(c, 2, CLUSTER_CAS, "x", "3", "1", 0), CLUSTER_CAS_FAILED, "2", -1, "cas 1->3");
    cluster_free(c);
}

Test(store_cluster, quorum_reads_see_completed_writes)
{
    cluster *c = make(CLUSTER_QUORUM, 3, 0);
    /* n3 cut off: R = W = 2 still works for n1 and n2. */
    int cut[3] = {0, 0, 1};
    cluster_partition(c, cut);
    int64_t prev = 0;
    static const int coords[] = {0, 1, 0, 1};
    char val[4];
    for (size_t i = 0; i < 4; i++) {
        snprintf(val, sizeof val, "%zu", i);
        cluster_res w = run(c, coords[i], CLUSTER_PUT, "k", val, NULL, 0);
        cr_assert_eq(w.status, CLUSTER_OK, "%s", why(&w));
        cr_assert_gt(w.version, prev, "writes through different coordinators still grow");
        prev = w.version;
        cluster_res_free(&w);
        expect(run(c, 1 - coords[i], CLUSTER_GET, "k", NULL, NULL, 0), CLUSTER_OK, val, prev,
               "read");
    }
    /* n3 alone cannot gather a quorum. */
    cluster_res r = run(c, 2, CLUSTER_PUT, "k", "9", NULL, 0);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d", r.status);
    cluster_res_free(&r);
    /* Healed, a read at n3 answers from n3 and one other, newest wins, and
     * n3's stale copy is repaired. */
    cluster_heal(c);
    expect(run(c, 2, CLUSTER_GET, "k", NULL, NULL, 0), CLUSTER_OK, "3", prev, "read at n3");
    expect_peek(c, 2, "k", "3", prev);
    /* cas reads a quorum, then writes a newer version. */
    expect(run(c, 2, CLUSTER_CAS, "k", "4", "3", 0), CLUSTER_OK, NULL, -1, "cas 3->4");
    expect(run(c, 0, CLUSTER_CAS, "k", "5", "3", 0), CLUSTER_CAS_FAILED, "4", -1, "cas 3->5");
    cluster_free(c);
}

Test(store_cluster, cas_treats_a_missing_key_as_null)
{
    static const cluster_mode modes[] = {CLUSTER_LINEARIZABLE, CLUSTER_SESSION, CLUSTER_EVENTUAL,
                                         CLUSTER_QUORUM};
    for (size_t i = 0; i < 4; i++) {
        cluster *c = make(modes[i], 3, 0);
        int at = 1; /* a follower: forwarded in leader modes */
        cluster_res r = run(c, at, CLUSTER_CAS, "k", "1", "2", 0);
        cr_assert_eq(r.status, CLUSTER_CAS_FAILED, "%s", cluster_mode_name(modes[i]));
        cr_assert_str_eq(r.val, "null");
        cr_assert_eq(r.version, 0);
        cluster_res_free(&r);
        r = run(c, at, CLUSTER_CAS, "k", "1", "null", 0);
        cr_assert_eq(r.status, CLUSTER_OK, "%s: %s", cluster_mode_name(modes[i]), why(&r));
        cluster_res_free(&r);
        expect(run(c, at, CLUSTER_GET, "k", NULL, NULL, 0), CLUSTER_OK, "1", -1,
               cluster_mode_name(modes[i]));
        cluster_free(c);
    }
}

Test(store_cluster, closing_fails_open_operations)
{
    cluster *c = make(CLUSTER_LINEARIZABLE, 3, 1000);
    cluster_op *op = begin(c, 1, CLUSTER_GET, "k", NULL, NULL, 0);
    cluster_close(c);
    cluster_res r;
    cluster_end(c, op, true, &r);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d", r.status);
    cr_assert(strstr(why(&r), "shutting down"));
    cluster_res_free(&r);
    r = run(c, 0, CLUSTER_PUT, "k", "1", NULL, 0);
    cr_assert(failed(&r, STORE_EUNAVAILABLE), "status %d", r.status);
    cluster_res_free(&r);
    cluster_free(c);
}

Test(store_cluster, names_and_modes)
{
    cluster *c = make(CLUSTER_EVENTUAL, 12, 0);
    char name[12];
    cluster_node_name(11, name);
    cr_assert_str_eq(name, "n12");
    static const struct {
        const char *name;
        int idx;
    } cases[] = {{"n1", 0}, {"n12", 11}, {"n13", -1}, {"n0", -1}, {"n01", -1},
                 {"x1", -1}, {"n", -1},  {"n1x", -1}, {"", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_assert_eq(cluster_node_index(c, cases[i].name), cases[i].idx, "%s", cases[i].name);
    cluster_mode m;
    cr_assert(cluster_mode_parse("quorum", &m) && m == CLUSTER_QUORUM);
    cr_assert_not(cluster_mode_parse("strict", &m));
    sbuf s = {0};
    cluster_state_json(c, &s);
    cr_assert(strstr(sbuf_str(&s), "\"mode\":\"eventual\""));
    sbuf_free(&s);
    cluster_free(c);
}

/* Many writes over a network that loses 30% of replication messages: every
 * write is answered once heartbeats and syncs (leader modes) or resent
 * quorum requests have made up for the losses, and gossip or syncs leave the
 * replicas with the same table. */
Test(store_cluster, lossy_network_converges)
{
    static const cluster_mode modes[] = {CLUSTER_LINEARIZABLE, CLUSTER_SESSION, CLUSTER_EVENTUAL,
                                         CLUSTER_QUORUM};
    for (size_t mi = 0; mi < 4; mi++) {
        fake_now = 1000000;
        cluster_config cfg = {
            .n = 3, .mode = modes[mi], .r = 2, .w = 2, .gossip_ms = 100, .lag_ms = 0,
            .drop = 0.3, .timeout_ms = 1000, .seed = 11 + mi, .manual = true,
            .now_us = fake_clock,
        };
        cluster *c = cluster_new(&cfg);
        enum { W = 60 };
        cluster_op *ops[W];
        char key[8], val[8];
        for (int i = 0; i < W; i++) {
            snprintf(key, sizeof key, "k%d", i % 9);
            snprintf(val, sizeof val, "%d", i);
            ops[i] = begin(c, i % 3, CLUSTER_PUT, key, val, NULL, 0);
            cluster_pump(c);
        }
        for (int round = 0; round < 60; round++) {
            fake_now += 200000;
            cluster_tick(c);
            cluster_pump(c);
        }
        int ok = 0;
        for (int i = 0; i < W; i++) {
            cluster_res r;
            cluster_end(c, ops[i], false, &r);
            ok += r.status == CLUSTER_OK;
            cluster_res_free(&r);
        }
        cr_assert_eq(ok, W, "%s: %d of %d writes answered", cluster_mode_name(modes[mi]), ok, W);
        for (int k = 0; k < 9; k++) {
            snprintf(key, sizeof key, "k%d", k);
            cluster_res a;
            cluster_peek(c, 0, key, strlen(key), &a);
            for (int n = 1; n < 3; n++) {
                cluster_res b;
                cluster_peek(c, n, key, strlen(key), &b);
                cr_assert(a.status == b.status && a.version == b.version &&
                              (!a.val || !strcmp(a.val, b.val)),
                          "%s: %s differs between n1 and n%d", cluster_mode_name(modes[mi]), key,
                          n + 1);
                cluster_res_free(&b);
            }
            cluster_res_free(&a);
        }
        cluster_free(c);
    }
}
