/* Unit tests: interned values (histories/value.c). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "../../histories/value.h"

Test(value, strings_are_interned)
{
    vtab *t = vtab_new();
    val a = val_cstr(t, "hello"), b = val_str(t, "hello", 5), c = val_cstr(t, "hellO");
    cr_assert(val_eq(a, b));
    cr_assert(!val_eq(a, c));
    size_t n;
    cr_assert_str_eq(val_str_bytes(t, a, &n), "hello");
    cr_assert_eq(n, 5);
    val z = val_str(t, "a\0b", 3);
    cr_assert(!val_eq(z, val_str(t, "a", 1)));
    vtab_free(t);
}

Test(value, lists_hash_cons)
{
    vtab *t = vtab_new();
    val xs[] = {val_int(1), val_cstr(t, "x"), val_nil()};
    val a = val_list(t, xs, 3), b = val_list(t, xs, 3), c = val_list(t, xs, 2);
    cr_assert(val_eq(a, b));
    cr_assert(!val_eq(a, c));
    val nested[] = {a, c};
    cr_assert(val_eq(val_list(t, nested, 2), val_list(t, nested, 2)));
    cr_assert(!val_eq(val_list(t, NULL, 0), val_nil()), "[] is not nil");
    vtab_free(t);
}

Test(value, kinds_do_not_mix)
{
    vtab *t = vtab_new();
    cr_assert(!val_eq(val_int(1), val_bool(true)));
    cr_assert(!val_eq(val_int(0), val_nil()));
    cr_assert(!val_eq(val_cstr(t, "1"), val_int(1)));
    cr_assert(val_eq(val_float(0.0), val_float(-0.0)));
    vtab_free(t);
}

Test(value, many_values_survive_rehashing)
{
    vtab *t = vtab_new();
    val v[5000];
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "k%d", i);
        v[i] = val_cstr(t, buf);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "k%d", i);
        cr_assert(val_eq(v[i], val_cstr(t, buf)));
    }
    vtab_free(t);
}

Test(value, order_and_json)
{
    vtab *t = vtab_new();
    struct { val a, b; int want; } cases[] = {
        {val_int(1), val_int(2), -1},
        {val_int(2), val_int(2), 0},
        {val_cstr(t, "ab"), val_cstr(t, "b"), -1},
        {val_cstr(t, "ab"), val_cstr(t, "a"), 1},
        {val_nil(), val_int(0), -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_assert_eq(val_cmp(t, cases[i].a, cases[i].b), cases[i].want, "case %zu", i);
    val xs[] = {val_int(1), val_cstr(t, "q\"\n"), val_nil(), val_bool(false)};
    sbuf b = {0};
    val_to_json(t, val_list(t, xs, 4), &b);
    cr_assert_str_eq(sbuf_str(&b), "[1, \"q\\\"\\n\", null, false]");
    sbuf_reset(&b);
    val kv[] = {val_cstr(t, "a"), val_int(1)};
    val_to_json(t, val_map(t, kv, 1), &b);
    cr_assert_str_eq(sbuf_str(&b), "{\"a\": 1}");
    sbuf_free(&b);
    vtab_free(t);
}

Test(value, a_map_key_given_twice_keeps_its_last_value)
{
    vtab *t = vtab_new();
    val a = val_cstr(t, "a"), b = val_cstr(t, "b");
    val twice[] = {a, val_int(1), b, val_int(0), a, val_int(2)};
    val once[] = {b, val_int(0), a, val_int(2)};
    val first[] = {a, val_int(1), b, val_int(0)};
    val m = val_map(t, twice, 3);
    cr_assert(val_eq(m, val_map(t, once, 2)), "{a:1, b:0, a:2} is {b:0, a:2}");
    cr_assert(!val_eq(m, val_map(t, first, 2)));
    size_t n;
    val_items(t, m, &n);
    cr_assert_eq(n, 4, "one pair per key");
    /* Many repeats of one key, interleaved: still the last. */
    val many[40];
    for (int i = 0; i < 20; i++) {
        many[2 * i] = i % 2 ? a : b;
        many[2 * i + 1] = val_int(i);
    }
    val last[] = {a, val_int(19), b, val_int(18)};
    cr_assert(val_eq(val_map(t, many, 20), val_map(t, last, 2)));
    vtab_free(t);
}
