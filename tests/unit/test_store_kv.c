/*
 * test_store_kv.c - the key table (store/kv.h): last-writer-wins merge,
 * ties between equal timestamps broken by node id, the same table whatever
 * the order writes arrive in.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/hlc.h"
#include "../../store/kv.h"

typedef struct write {
    const char *key, *val;
    uint64_t ts;
    int node;
} write;

#define TS(ms, c) (((uint64_t)(ms) << HLC_LOGICAL_BITS) | (uint64_t)(c))

static void apply(kv *t, const write *w)
{
    kv_merge(t, w->key, strlen(w->key), w->val, strlen(w->val), hlc_version(w->ts, w->node));
}

static void expect(kv *t, const char *key, const char *val)
{
    kv_entry e;
    cr_assert(kv_get(t, key, strlen(key), &e), "key %s missing", key);
    cr_assert_str_eq(e.val, val, "key %s", key);
}

Test(store_kv, lww_merge_is_order_independent)
{
    static const write ws[] = {
        {"x", "1", TS(10, 0), 0},
        {"x", "2", TS(10, 0), 2}, /* same timestamp: node 2 beats node 0 */
        {"x", "3", TS(9, 9), 1},  /* older */
        {"y", "\"a\"", TS(3, 1), 1},
        {"y", "\"b\"", TS(3, 1), 0}, /* tie, lower node: loses */
        {"z", "[1]", TS(1, 0), 0},
        {"z", "[2]", TS(1, 1), 0},
    };
    enum { N = sizeof ws / sizeof *ws };
    /* Every rotation and its reverse. */
    for (size_t start = 0; start < N; start++) {
        for (int dir = 0; dir < 2; dir++) {
            kv *t = kv_new();
            for (size_t k = 0; k < N; k++) {
                size_t i = dir ? (start + N - k) % N : (start + k) % N;
                apply(t, &ws[i]);
            }
            expect(t, "x", "2");
            expect(t, "y", "\"a\"");
            expect(t, "z", "[2]");
            cr_assert_eq(kv_count(t), 3);
            kv_free(t);
        }
    }
}

Test(store_kv, merge_refuses_old_and_equal_versions)
{
    static const struct {
        int64_t version;
        bool applied;
    } steps[] = {{5, true}, {5, false}, {4, false}, {6, true}, {1, false}, {100, true}};
    kv *t = kv_new();
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        char val[16];
        snprintf(val, sizeof val, "%d", (int)i);
        cr_assert_eq(kv_merge(t, "k", 1, val, strlen(val), steps[i].version), steps[i].applied,
                     "step %zu", i);
    }
    kv_entry e;
    cr_assert(kv_get(t, "k", 1, &e));
    cr_assert_eq(e.version, 100);
    cr_assert_str_eq(e.val, "5");
    kv_free(t);
}

Test(store_kv, binary_keys_and_growth)
{
    kv *t = kv_new();
    char key[8] = {'a', '\0', 'b', 0, 0, 0, 0, 0};
    for (int i = 0; i < 5000; i++) {
        memcpy(key + 3, &i, sizeof i);
        char val[16];
        int n = snprintf(val, sizeof val, "%d", i);
        cr_assert(kv_merge(t, key, 7, val, (size_t)n, i + 1));
    }
    cr_assert_eq(kv_count(t), 5000);
    for (int i = 0; i < 5000; i += 7) {
        memcpy(key + 3, &i, sizeof i);
        kv_entry e;
        cr_assert(kv_get(t, key, 7, &e));
        cr_assert_eq(e.version, i + 1);
        cr_assert_eq(atoi(e.val), i);
    }
    cr_assert_not(kv_get(t, "a", 1, &(kv_entry){0}));
    kv_items items = {0};
    kv_items_newer(t, 4990, &items);
    cr_assert_eq(items.n, 10);
    kv_items_free(&items);
    kv_free(t);
}
