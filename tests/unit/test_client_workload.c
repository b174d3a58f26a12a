/*
 * test_client_workload.c - the workload generator (unique values, cas
 * asking for a known value, key rotation, mixes), the history recorder
 * (its file reads back as the same history) and URL display (no
 * credentials shown).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../clients/recorder.h"
#include "../../clients/runner.h"
#include "../../clients/workload.h"
#include "../../histories/read.h"
#include "../../util/mem.h"

static workload *make(wl_kind kind, const char *mix, vtab *vt, uint32_t keys, uint32_t opk)
{
    wl_config c;
    wl_config_init(&c, kind);
    c.keys = keys;
    c.ops_per_key = opk;
    c.seed = 42;
    snprintf(c.prefix, sizeof c.prefix, "t-");
    if (mix) {
        sbuf why = {0};
        cr_assert(wl_mix_parse(&c, mix, &why), "%s", sbuf_str(&why));
        sbuf_free(&why);
    }
    return wl_new(&c, vt);
}

Test(workload, mix_parsing)
{
    wl_config c;
    wl_config_init(&c, WL_CAS_REGISTER);
    sbuf why = {0};
    cr_assert(wl_mix_parse(&c, "read=1,write=2,cas=3", &why));
    cr_assert_eq(c.mix[CL_READ], 1);
    cr_assert_eq(c.mix[CL_CAS], 3);
    cr_assert(wl_mix_parse(&c, "get=5,put=5", &why));
    cr_assert_eq(c.mix[CL_CAS], 0);
    static const char *bad[] = {"read", "read=x", "nope=1", "read=0", "append=1", "read=-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sbuf_reset(&why);
        cr_assert_not(wl_mix_parse(&c, bad[i], &why), "%s", bad[i]);
        cr_assert(why.len > 0);
    }
    wl_config_init(&c, WL_REGISTER);
    sbuf_reset(&why);
    cr_assert_not(wl_mix_parse(&c, "cas=1", &why), "a register has no cas");
    sbuf_free(&why);
    cr_assert_eq(wl_kind_parse("kv"), WL_KV);
    cr_assert_eq(wl_kind_parse("queue"), -1);
    cr_assert_str_eq(wl_model_name(WL_CAS_REGISTER), "cas-register");
}

Test(workload, written_values_are_unique)
{
    vtab *vt = vtab_new();
    workload *w = make(WL_CAS_REGISTER, "read=1,write=1,cas=1", vt, 3, 0);
    int64_t seen[3000];
    size_t n = 0;
    for (int i = 0; i < 3000; i++) {
        wl_op op;
        wl_next(w, &op);
        if (op.f == CL_WRITE) {
            cr_assert_eq(op.a.kind, VAL_INT);
            seen[n++] = op.a.n;
            wl_observe(w, &op, op.a);
        } else if (op.f == CL_CAS) {
            cr_assert_not(val_is_nil(op.a), "a cas asks for a known value");
            cr_assert_eq(op.b.kind, VAL_INT);
            seen[n++] = op.b.n;
            size_t k;
            const val *it = val_items(vt, op.value, &k);
            cr_assert_eq(k, 2);
            cr_assert(val_eq(it[0], op.a) && val_eq(it[1], op.b));
        } else {
            cr_assert_eq(op.f, CL_READ);
            cr_assert(val_is_nil(op.value));
            cr_assert(val_is_str(vt, op.fname, "read"));
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_assert_neq(seen[i], seen[j], "value %lld written twice", (long long)seen[i]);
    wl_free(w);
    vtab_free(vt);
}

Test(workload, cas_without_known_value_is_a_write)
{
    vtab *vt = vtab_new();
    workload *w = make(WL_CAS_REGISTER, "cas=1", vt, 1, 0);
    wl_op op;
    wl_next(w, &op);
    cr_assert_eq(op.f, CL_WRITE);
    wl_observe(w, &op, op.a);
    wl_next(w, &op);
    cr_assert_eq(op.f, CL_CAS);
    wl_free(w);
    vtab_free(vt);
}

Test(workload, keys_rotate_after_ops_per_key)
{
    vtab *vt = vtab_new();
    workload *w = make(WL_REGISTER, NULL, vt, 1, 3);
    wl_op op;
    val first = val_nil();
    for (int i = 0; i < 3; i++) {
        wl_next(w, &op);
        if (i == 0)
            first = op.key;
        cr_assert(val_eq(op.key, first));
    }
    cr_assert(val_is_str(vt, first, "t-0"));
    wl_next(w, &op);
    cr_assert(val_is_str(vt, op.key, "t-0.1"), "a fresh key after 3 ops");
    wl_free(w);
    vtab_free(vt);
}

Test(workload, kv_values_are_lists_and_zipf_stays_in_range)
{
    vtab *vt = vtab_new();
    wl_config c;
    wl_config_init(&c, WL_KV);
    c.keys = 10;
    c.zipf = 1.2;
    c.seed = 7;
    workload *w = wl_new(&c, vt);
    unsigned counts[10] = {0};
    for (int i = 0; i < 5000; i++) {
        wl_op op;
        wl_next(w, &op);
        cr_assert_lt(op.slot, 10);
        counts[op.slot]++;
        if (op.f == CL_WRITE) {
            cr_assert_eq(op.a.kind, VAL_LIST);
            cr_assert(val_is_str(vt, op.fname, "put"));
        } else if (op.f == CL_APPEND) {
            cr_assert_eq(op.a.kind, VAL_INT);
        } else if (op.f == CL_READ) {
            cr_assert(val_is_str(vt, op.fname, "get"));
        }
    }
    cr_assert_gt(counts[0], counts[9] * 3, "zipf favours the first key");
    wl_free(w);
    vtab_free(vt);
}

/* --value-size: written values are strings of exactly that many bytes,
 * all different; appended elements stay integers (a string appended to
 * nil starts a string in the kv model, so padded elements read back as a
 * list were once a false violation). */
Test(workload, value_size_pads_writes_not_appends)
{
    vtab *vt = vtab_new();
    for (int kind = WL_CAS_REGISTER; kind <= WL_KV; kind++) {
        wl_config c;
        wl_config_init(&c, (wl_kind)kind);
        c.value_size = 100;
        c.seed = 3;
        workload *w = wl_new(&c, vt);
        val seen[400];
        size_t nseen = 0;
        for (int i = 0; i < 400; i++) {
            wl_op op;
            wl_next(w, &op);
            val v = op.f == CL_CAS ? op.b : op.a;
            if (op.f == CL_APPEND) {
                cr_assert_eq(v.kind, VAL_INT);
                continue;
            }
            if (op.f != CL_WRITE && op.f != CL_CAS)
                continue;
            if (kind == WL_KV) {
                size_t n;
                const val *it = val_items(vt, v, &n);
                cr_assert_eq(n, 1);
                v = it[0];
            }
            size_t len;
            cr_assert_eq(v.kind, VAL_STR);
            val_str_bytes(vt, v, &len);
            cr_assert_eq(len, 100);
            for (size_t j = 0; j < nseen; j++)
                cr_assert_not(val_eq(seen[j], v), "a written value repeats");
            seen[nseen++] = v;
        }
        cr_assert_gt(nseen, 10);
        wl_free(w);
    }
    vtab_free(vt);
}

/* list-append: each op a txn of mops micro-ops, ["append" k v] or
 * ["r" k nil], by the mix; appended elements unique in the run; a key
 * takes at most ops_per_key appends, then a fresh key takes its slot. */
Test(workload, list_append_txns)
{
    vtab *vt = vtab_new();
    cr_assert_eq(wl_kind_parse("list-append"), WL_LIST_APPEND);
    cr_assert_str_eq(wl_model_name(WL_LIST_APPEND), "list-append");
    workload *w = make(WL_LIST_APPEND, NULL, vt, 3, 5);
    VEC(val) elems = {0};
    VEC(val) keys = {0};
    VEC(uint32_t) appends = {0};
    size_t reads = 0;
    for (int i = 0; i < 300; i++) {
        wl_op op;
        wl_next(w, &op);
        cr_assert_eq(op.f, CL_TXN);
        cr_assert(val_is_str(vt, op.fname, "txn"));
        cr_assert(val_is_nil(op.key), "a txn's keys are in its micro-ops");
        size_t n;
        const val *m = val_items(vt, op.value, &n);
        cr_assert_eq(n, 4, "mops micro-ops, 4 by default");
        for (size_t j = 0; j < n; j++) {
            size_t three;
            const val *x = val_items(vt, m[j], &three);
            cr_assert_eq(three, 3);
            cr_assert_eq(x[1].kind, VAL_STR);
            size_t k = 0;
            while (k < keys.n && !val_eq(keys.v[k], x[1]))
                k++;
            if (k == keys.n) {
                VEC_PUSH(keys, x[1]);
                VEC_PUSH(appends, 0);
            }
            if (val_is_str(vt, x[0], "r")) {
                cr_assert(val_is_nil(x[2]), "a read is invoked with nil");
                reads++;
                continue;
            }
            cr_assert(val_is_str(vt, x[0], "append"));
            cr_assert_eq(x[2].kind, VAL_INT);
            for (size_t e = 0; e < elems.n; e++)
                cr_assert_not(val_eq(elems.v[e], x[2]), "an appended element repeats");
            VEC_PUSH(elems, x[2]);
            cr_assert_leq(++appends.v[k], 5, "a key took more than ops_per_key appends");
        }
    }
    cr_assert_gt(reads, 300, "reads and appends half and half by default");
    cr_assert_gt(elems.n, 300);
    cr_assert_gt(keys.n, 3, "keys were replaced after their appends");
    wl_free(w);
    free(elems.v);
    free(keys.v);
    free(appends.v);

    /* The mix weighs the micro-ops; a list-append has no write or cas. */
    static const struct {
        const char *mix;
        const char *only;
    } only[] = {{"read=1", "r"}, {"append=1", "append"}};
    for (size_t t = 0; t < 2; t++) {
        w = make(WL_LIST_APPEND, only[t].mix, vt, 2, 0);
        for (int i = 0; i < 20; i++) {
            wl_op op;
            wl_next(w, &op);
            size_t n;
            const val *m = val_items(vt, op.value, &n);
            for (size_t j = 0; j < n; j++)
                cr_assert(val_is_str(vt, val_items(vt, m[j], &(size_t){0})[0], only[t].only));
        }
        wl_free(w);
    }
    wl_config c;
    wl_config_init(&c, WL_LIST_APPEND);
    sbuf why = {0};
    cr_assert_not(wl_mix_parse(&c, "write=1", &why));
    sbuf_reset(&why);
    cr_assert_not(wl_mix_parse(&c, "cas=1", &why));
    sbuf_free(&why);
    vtab_free(vt);
}

Test(recorder, file_reads_back)
{
    char path[] = "/tmp/conch-rec-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unlink(path);

    cl_error err = {0};
    recorder *r = rec_open(path, REC_FSYNC_ALWAYS, NULL, &err);
    cr_assert(r, "%s", err.msg);
    vtab *vt = vtab_new();
    val k = val_cstr(vt, "x"), w = val_cstr(vt, "write");
    hist_event inv = {.type = EV_INVOKE, .has_key = true, .process = val_int(0), .f = w,
                      .key = k, .value = val_int(1), .node = val_nil(), .error = val_nil(),
                      .time = rec_now(r), .version = HIST_NONE};
    rec_event(r, vt, &inv);
    cr_assert(rec_flush(r, &err) == 0);
    hist_event ok = inv;
    ok.type = EV_OK;
    ok.time = rec_now(r);
    ok.version = 3;
    ok.node = val_cstr(vt, "n1");
    rec_event(r, vt, &ok);
    cr_assert_eq(rec_count(r), 2);
    cr_assert(rec_close(r, &err) == 0);

    history *h = NULL;
    hist_error herr = {0};
    hist_read_opts ro = {.keep_events = true};
    cr_assert_eq(hist_read_file(path, &ro, &h, NULL, &herr), HIST_OK, "%s", herr.msg);
    cr_assert_eq(hist_nops(h), 1);
    const hist_op *op = &hist_ops(h)[0];
    cr_assert_eq(op->status, OP_OK);
    cr_assert_eq(op->version, 3);
    cr_assert(hist_kept_events(h)[1].index == 1);
    hist_free(h);

    /* A recorded history is never overwritten. */
    cr_assert_null(rec_open(path, REC_FSYNC_NEVER, NULL, &err));
    cr_assert_eq(err.rc, CL_EIO);
    unlink(path);
    vtab_free(vt);
}

Test(runner, display_url_hides_credentials)
{
    sbuf b = {0};
    runner_display_url("http://user:secret@127.0.0.1:2379/x", &b);
    cr_assert_str_eq(sbuf_str(&b), "http://127.0.0.1:2379/x");
    sbuf_reset(&b);
    runner_display_url("https://h:1/a@b", &b);
    cr_assert_str_eq(sbuf_str(&b), "https://h:1/a@b", "an @ in the path is not userinfo");
    /* Regression: the first '@' was taken, and the password's tail shown. */
    sbuf_reset(&b);
    runner_display_url("http://u:p@ss@h:1/x", &b);
    cr_assert_str_eq(sbuf_str(&b), "http://h:1/x");
    sbuf_free(&b);
}
