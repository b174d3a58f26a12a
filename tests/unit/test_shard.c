/* Unit tests: a history's shards (histories/shard.c, and the shard reading
 * of histories/history.c): the ops of the shards of one history are its
 * ops, each once, however they were dealt (read with --shard, or written
 * by conch split); fingerprints do not depend on how the bytes arrive;
 * each shard infers the whole history's model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../histories/gen.h"
#include "../../histories/shard.h"
#include "helpers.h"

static char *gen_text(const gen_opts *o, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    cr_assert_eq(gen_history(o, f), 0);
    fclose(f);
    return text;
}

static history *read_shard(const char *text, size_t len, uint32_t i, uint32_t n)
{
    hist_read_opts o = {.shard_index = i, .shard_count = n};
    history *h = NULL;
    hist_error err = {0};
    cr_assert_eq(hist_read_mem("t", text, len, &o, &h, NULL, &err), HIST_OK, "%u:%u: %s",
                 err.line, err.col, err.msg);
    return h;
}

/* An op, for comparing the ops of two readings of one history. */
static void op_text(const history *h, const hist_op *o, sbuf *b)
{
    sbuf_reset(b);
    val vs[] = {o->process, o->f, o->key, o->in, o->out};
    for (size_t i = 0; i < 5; i++) {
        val_to_json(hist_cvtab(h), vs[i], b);
        sbuf_addc(b, ' ');
    }
    sbuf_printf(b, "%d %lld %lld", o->status, (long long)o->call_time, (long long)o->ret_time);
}

/* The ops of hs[0..n) together are whole's, each once (ops are told apart
 * by their invocation's time, which gen makes distinct). */
static void same_ops(const history *whole, history *const *hs, size_t n)
{
    size_t total = 0;
    sbuf a = {0}, b = {0};
    for (size_t s = 0; s < n; s++)
        total += hist_nops(hs[s]);
    cr_assert_eq(total, hist_nops(whole), "%zu ops in the shards, %zu in all", total,
                 hist_nops(whole));
    for (size_t i = 0; i < hist_nops(whole); i++) {
        const hist_op *o = &hist_ops(whole)[i];
        op_text(whole, o, &a);
        size_t found = 0;
        for (size_t s = 0; s < n; s++)
            for (size_t j = 0; j < hist_nops(hs[s]); j++)
                if (hist_ops(hs[s])[j].call_time == o->call_time) {
                    op_text(hs[s], &hist_ops(hs[s])[j], &b);
                    cr_assert_str_eq(sbuf_str(&b), sbuf_str(&a));
                    found++;
                }
        cr_assert_eq(found, 1, "op %zu is in %zu shards", i, found);
    }
    sbuf_free(&a);
    sbuf_free(&b);
}

Test(shard, fingerprints_do_not_depend_on_the_pieces)
{
    gen_opts go = {.ops = 500, .sessions = 4, .keys = 5, .seed = 2};
    size_t len;
    char *text = gen_text(&go, &len);
    shard_fp whole = {0};
    shard_fp_add(&whole, text, len);
    uint64_t want = shard_fp_end(&whole);
    for (size_t piece = 1; piece < 20; piece++) {
        shard_fp f = {0};
        for (size_t at = 0; at < len; at += piece)
            shard_fp_add(&f, text + at, at + piece <= len ? piece : len - at);
        cr_assert_eq(shard_fp_end(&f), want, "pieces of %zu bytes", piece);
    }
    text[len / 2] ^= 1;
    shard_fp other = {0};
    shard_fp_add(&other, text, len);
    cr_assert_neq(shard_fp_end(&other), want, "a byte changed");
    char hex[17];
    uint64_t back;
    shard_fp_hex(want, hex);
    cr_assert(shard_fp_parse(hex, &back) && back == want);
    cr_assert(!shard_fp_parse("12", &back));
    free(text);
}

/* A key's shard is its JSON text's: the same in any table, from any
 * format; and keys spread over the shards. */
Test(shard, a_keys_shard_is_its_texts)
{
    vtab *a = vtab_new(), *b = vtab_new();
    val_cstr(b, "padding, so the ids differ");
    size_t count[4] = {0};
    for (int i = 0; i < 400; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        uint32_t s = shard_of(a, val_cstr(a, k), true, 4);
        cr_assert_eq(s, shard_of(b, val_cstr(b, k), true, 4));
        cr_assert_lt(s, 4);
        count[s]++;
    }
    for (int s = 0; s < 4; s++)
        cr_assert_gt(count[s], 60, "shard %d has %zu of 400 keys", s, count[s]);
    cr_assert_eq(shard_of(a, val_nil(), false, 7), shard_of(a, val_nil(), true, 7),
                 "no key is the key null");
    vtab_free(a);
    vtab_free(b);
}

Test(shard, the_shards_ops_are_the_historys)
{
    gen_opts go = {.ops = 3000, .sessions = 6, .keys = 20, .cas = true, .crash = 0.05, .seed = 4};
    size_t len;
    char *text = gen_text(&go, &len);
    history *whole = th_read(text);
    history *hs[3];
    for (uint32_t i = 0; i < 3; i++) {
        hs[i] = read_shard(text, len, i, 3);
        const hist_shard *s = hist_shard_of(hs[i]);
        cr_assert_eq(s->count, 3);
        cr_assert_eq(s->dropped + hist_nops(hs[i]), hist_nops(whole));
        cr_assert_eq(hist_nevents(hs[i]), hist_nevents(whole), "every event keeps its place");
        cr_assert_eq(hist_fingerprint(hs[i]), hist_fingerprint(whole));
    }
    same_ops(whole, hs, 3);
    for (int i = 0; i < 3; i++)
        hist_free(hs[i]);
    hist_free(whole);
    free(text);
}

/* Pairing is checked for every op, dropped or kept: a shard reports the
 * error of an op on another shard's key, at its line, as the whole would. */
Test(shard, every_shard_says_a_pairing_error)
{
    const char *t = "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"a\",\"value\":1}\n"
                    "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"b\",\"value\":2}\n"
                    "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"key\":\"a\",\"value\":1}\n";
    for (uint32_t i = 0; i < 2; i++) {
        hist_read_opts o = {.shard_index = i, .shard_count = 2};
        history *h = NULL;
        hist_error err = {0};
        cr_assert_eq(hist_read_mem("t", t, strlen(t), &o, &h, NULL, &err), HIST_EINVALID);
        cr_assert_eq(err.line, 3);
        cr_assert(strstr(err.msg, "completes \"read\", but invoked \"write\" at line 1"), "%s", err.msg);
    }
}

/* A shard whose own ops have no cas infers what the whole does. */
Test(shard, a_shard_infers_the_whole_historys_model)
{
    vtab *vt = vtab_new();
    uint32_t ka = shard_of(vt, val_cstr(vt, "a"), true, 2);
    vtab_free(vt);
    const char *t = "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"a\",\"value\":1}\n"
                    "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"a\",\"value\":1}\n"
                    "{\"process\":1,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"b\",\"value\":[1,2]}\n"
                    "{\"process\":1,\"type\":\"fail\",\"f\":\"cas\",\"key\":\"b\",\"value\":[1,2]}\n"
                    "{\"process\":2,\"type\":\"invoke\",\"f\":\"add\",\"key\":\"b\",\"value\":2}\n"
                    "{\"process\":2,\"type\":\"info\",\"f\":\"add\",\"key\":\"b\",\"value\":2}\n"
                    "{\"process\":3,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"b\",\"value\":null}\n"
                    "{\"process\":3,\"type\":\"ok\",\"f\":\"read\",\"key\":\"b\",\"value\":[2]}\n";
    history *whole = th_read(t);
    sbuf why = {0};
    const model_type *want = model_infer(whole, &why);
    cr_assert(want && !strcmp(want->name, "set"), "%s", want ? want->name : sbuf_str(&why));
    for (uint32_t i = 0; i < 2; i++) {
        history *h = read_shard(t, strlen(t), i, 2);
        history *sum = hist_shard_summary(h);
        cr_assert_eq(model_infer(sum, &why), want, "shard %u (a's: %u)", i, ka);
        hist_free(sum);
        hist_free(h);
    }
    hist_free(whole);
    sbuf_free(&why);
}

/* conch split: the files, read back, hold the history's ops, each once;
 * each says which shard of which history it is, and infers its model. */
static void split_and_compare(const char *text, size_t len, uint32_t n)
{
    char path[] = "/tmp/conch-shard-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    char *bufs[8] = {0};
    size_t lens[8] = {0}, lines[8] = {0};
    FILE *outs[8];
    for (uint32_t i = 0; i < n; i++)
        outs[i] = open_memstream(&bufs[i], &lens[i]);
    shard_stats st = {.lines = lines};
    hist_error err = {0};
    hist_read_opts ro = {0};
    cr_assert_eq(shard_split(path, &ro, outs, n, &st, &err), HIST_OK, "%u: %s", err.line,
                 err.msg);
    for (uint32_t i = 0; i < n; i++)
        fclose(outs[i]);
    history *whole = th_read(text), *hs[8];
    for (uint32_t i = 0; i < n; i++) {
        hs[i] = th_read(bufs[i]);
        const hist_shard *s = hist_shard_of(hs[i]);
        cr_assert(s->noted);
        cr_assert_eq(s->note_index, i);
        cr_assert_eq(s->note_count, n);
        cr_assert_eq(s->whole, hist_fingerprint(whole));
        cr_assert_eq(s->events, hist_nevents(whole));
        cr_assert_str_eq(s->file, path);
        history *sum = hist_shard_summary(hs[i]);
        sbuf why = {0};
        cr_assert_eq(model_infer(sum, &why), model_infer(whole, &why));
        sbuf_free(&why);
        hist_free(sum);
    }
    same_ops(whole, hs, n);
    for (uint32_t i = 0; i < n; i++) {
        hist_free(hs[i]);
        free(bufs[i]);
    }
    hist_free(whole);
    unlink(path);
}

Test(shard, split_files_hold_the_historys_ops)
{
    gen_opts go = {.ops = 2000, .sessions = 5, .keys = 12, .cas = true, .crash = 0.05, .seed = 6};
    size_t len;
    char *text = gen_text(&go, &len);
    split_and_compare(text, len, 3);
    free(text);
    /* Jepsen's independent form: the pair's key deals the op, and a crashed
     * completion (no pair) goes where its invocation went. */
    const char *indep =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":[1,5],\"time\":1}\n"
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":[2,6],\"time\":2}\n"
        "{\"process\":0,\"type\":\"info\",\"f\":\"write\",\"value\":\"timeout\",\"time\":3}\n"
        "{\"process\":1,\"type\":\"ok\",\"f\":\"write\",\"value\":[2,6],\"time\":4}\n"
        "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":[2,null],\"time\":5}\n"
        "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":[2,6],\"time\":6}\n";
    split_and_compare(indep, strlen(indep), 2);
}

/* A history split cannot keep as conch check reads it is refused. */
Test(shard, split_refuses_what_it_cannot_deal)
{
    struct {
        const char *text, *msg;
        uint32_t line;
    } bad[] = {
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n", "a history of one object",
         1},
        {"{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"a\",\"value\":1}\n"
         "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"a\",\"value\":1}\n"
         "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":[1,2]}\n",
         "an op without a \"key\"", 3},
        {"{:process 0 :type :invoke :f :write :key \"a\" :value 1}\n", "reads conch's JSON Lines", 0},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char path[] = "/tmp/conch-shard-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, bad[k].text, strlen(bad[k].text)), (ssize_t)strlen(bad[k].text));
        close(fd);
        char *b[2] = {0};
        size_t l[2] = {0}, lines[2] = {0};
        FILE *outs[2] = {open_memstream(&b[0], &l[0]), open_memstream(&b[1], &l[1])};
        shard_stats st = {.lines = lines};
        hist_error err = {0};
        hist_read_opts ro = {0};
        cr_expect_neq(shard_split(path, &ro, outs, 2, &st, &err), HIST_OK, "case %zu", k);
        cr_expect(strstr(err.msg, bad[k].msg), "case %zu: %s", k, err.msg);
        cr_expect_eq(err.line, bad[k].line, "case %zu", k);
        for (int i = 0; i < 2; i++) {
            fclose(outs[i]);
            free(b[i]);
        }
        unlink(path);
    }
}
