/* Unit tests: reading history files and pipes (histories/load.c).
 *
 * A file that changes while it is read is an input error, never a signal
 * (it was mapped once, and a truncation killed conch with SIGBUS): the
 * reader's hook changes the file between two reads, as another process
 * could. Binary data and text in no format are refused at the first chunk,
 * and an endless pipe ends at the size limit. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../histories/read.h"

/* A history of n ops, one line each, with a non-ASCII value so that small
 * chunks end inside characters. */
static char *lines(int n)
{
    sbuf b = {0};
    for (int i = 0; i < n; i++)
        sbuf_printf(&b,
                    "{\"process\":%d,\"type\":\"invoke\",\"f\":\"write\",\"value\":\"caf\xc3\xa9 %d\"}\n"
                    "{\"process\":%d,\"type\":\"ok\",\"f\":\"write\",\"value\":\"caf\xc3\xa9 %d\"}\n",
                    i % 3, i, i % 3, i);
    return b.p;
}

/* Make the file named by the template path (its XXXXXX replaced). */
static void temp_file(char *path)
{
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

typedef struct change {
    const char *path;
    size_t at;       /* change once this many bytes are read */
    off_t truncate;  /* >= 0: cut the file to this size */
    const char *add; /* else: append this */
    int calls;
    bool done;
} change;

static void apply(void *arg, size_t done)
{
    change *c = arg;
    c->calls++;
    if (c->done || done < c->at)
        return;
    c->done = true;
    if (c->truncate >= 0) {
        cr_assert_eq(truncate(c->path, c->truncate), 0);
    } else {
        FILE *f = fopen(c->path, "a");
        fputs(c->add, f);
        fclose(f);
    }
}

static hist_rc read_changing(change *c, size_t chunk, history **h, hist_error *err)
{
    hist_read_opts o = {0};
    o.chunk = chunk;
    o.keep_events = true;
    o.hook = apply;
    o.hook_arg = c;
    return hist_read_file(c->path, &o, h, NULL, err);
}

Test(load, a_file_that_shrinks_or_grows_while_read_is_an_input_error)
{
    char path[] = "/tmp/conch-load-XXXXXX";
    temp_file(path);
    char *text = lines(200);
    size_t len = strlen(text);
    struct {
        size_t at;
        off_t truncate;
        const char *add;
    } cases[] = {
        {1, 0, NULL},            /* emptied after the first chunk */
        {4096, 100, NULL},       /* cut well before what was read */
        {4096, 8000, NULL},      /* cut past what was read */
        {len, 10, NULL},         /* cut once everything was read */
        {4096, -1, "{\"process\":9,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"},
        {len, -1, "\n"},         /* grown once everything was read */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_file(path, text, len);
        change c = {path, cases[i].at, cases[i].truncate, cases[i].add, 0, false};
        history *h = NULL;
        hist_error err = {0};
        hist_rc rc = read_changing(&c, 4096, &h, &err);
        cr_expect(c.done, "case %zu: the change was made", i);
        cr_expect_eq(rc, HIST_EIO, "case %zu: rc %d (%s)", i, rc, err.msg);
        cr_expect_null(h);
        cr_expect(strstr(err.msg, "file changed while being read"), "case %zu: %s", i, err.msg);
        hist_free(h);
    }
    unlink(path);
    free(text);
}

Test(load, small_chunks_read_the_same_history)
{
    char path[] = "/tmp/conch-load-XXXXXX";
    temp_file(path);
    char *text = lines(50);
    write_file(path, text, strlen(text));
    history *whole = NULL;
    hist_error err = {0};
    hist_read_opts keep = {.keep_events = true};
    cr_assert_eq(hist_read_mem(path, text, strlen(text), &keep, &whole, NULL, &err), HIST_OK);
    size_t chunks[] = {1, 2, 3, 7, 64, 0};
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
        change c = {path, SIZE_MAX, -1, NULL, 0, false};
        history *h = NULL;
        cr_assert_eq(read_changing(&c, chunks[i], &h, &err), HIST_OK, "chunk %zu: %u:%u: %s",
                     chunks[i], err.line, err.col, err.msg);
        cr_assert_eq(hist_nevents(h), hist_nevents(whole));
        for (size_t k = 0; k < hist_nevents(h); k++) {
            sbuf a = {0}, b = {0};
            val_to_json(hist_cvtab(h), hist_kept_events(h)[k].value, &a);
            val_to_json(hist_cvtab(whole), hist_kept_events(whole)[k].value, &b);
            cr_expect_str_eq(sbuf_str(&a), sbuf_str(&b));
            sbuf_free(&a);
            sbuf_free(&b);
        }
        if (chunks[i])
            cr_expect_geq(c.calls, (int)(strlen(text) / chunks[i]), "read in chunks");
        hist_free(h);
    }
    hist_free(whole);
    unlink(path);
    free(text);
}

Test(load, binary_and_oversize_are_refused_at_the_first_chunk)
{
    char path[] = "/tmp/conch-load-XXXXXX";
    temp_file(path);
    char *text = lines(2000);
    size_t len = strlen(text);
    struct {
        size_t at;
        const char *bytes;
        size_t max;
        const char *msg;
    } cases[] = {
        {10, "\xff", 0, "invalid UTF-8 (byte 0xff)"},
        {10, "\0", 0, "unexpected NUL byte"},
        {0, "garbage", 0, "cannot tell the format from 'g'"},
        {SIZE_MAX, NULL, 4096, "larger than the memory limit of 4096 bytes (--max-memory)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = malloc(len);
        memcpy(t, text, len);
        if (cases[i].bytes)
            memcpy(t + cases[i].at, cases[i].bytes, strlen(cases[i].bytes) + !*cases[i].bytes);
        write_file(path, t, len);
        free(t);
        change c = {path, SIZE_MAX, -1, NULL, 0, false};
        hist_read_opts o = {0};
        o.chunk = 4096;
        o.max_bytes = cases[i].max;
        o.hook = apply;
        o.hook_arg = &c;
        history *h = NULL;
        hist_error err = {0};
        cr_expect_neq(hist_read_file(path, &o, &h, NULL, &err), HIST_OK, "case %zu", i);
        cr_expect(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
        cr_expect_eq(c.calls, 1, "case %zu: %d reads, not one", i, c.calls);
    }
    unlink(path);
    free(text);
}

/* A writer that never stops, as `yes` or /dev/urandom. */
typedef struct endless {
    int fd;
    const char *line;
    size_t wrote;
} endless;

static void *write_forever(void *arg)
{
    endless *e = arg;
    size_t n = strlen(e->line);
    while (write(e->fd, e->line, n) == (ssize_t)n)
        e->wrote += n;
    close(e->fd);
    return NULL;
}

static hist_rc read_endless(const char *line, size_t max, hist_error *err, size_t *wrote)
{
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    endless e = {p[1], line, 0};
    pthread_t t;
    pthread_create(&t, NULL, write_forever, &e);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    hist_read_opts o = {0};
    o.max_bytes = max;
    history *h = NULL;
    hist_rc rc = hist_read_file(path, &o, &h, NULL, err);
    close(p[0]); /* the writer now fails, and ends */
    pthread_join(t, NULL);
    *wrote = e.wrote;
    cr_assert_null(h);
    return rc;
}

Test(load, an_endless_pipe_ends_at_the_limit_or_its_first_line)
{
    hist_error err = {0};
    size_t wrote;
    hist_rc rc = read_endless("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n",
                              1 << 20, &err, &wrote);
    cr_expect_eq(rc, HIST_ETOOBIG);
    cr_expect(strstr(err.msg, "larger than the memory limit of 1 MiB (--max-memory)"), "%s",
              err.msg);
    rc = read_endless("y\n", 0, &err, &wrote);
    cr_expect_eq(rc, HIST_ESYNTAX);
    cr_expect(strstr(err.msg, "cannot tell the format from 'y'"), "%s", err.msg);
    rc = read_endless("\x8f\x01\x02 random", 0, &err, &wrote);
    cr_expect_eq(rc, HIST_ESYNTAX);
    cr_expect(strstr(err.msg, "invalid UTF-8 (byte 0x8f)"), "%s", err.msg);
}

Test(load, standard_input_from_an_offset_is_not_a_changed_file)
{
    char path[] = "/tmp/conch-load-XXXXXX";
    temp_file(path);
    const char *skip = "{\"process\":7,\"type\":\"invoke\",\"f\":\"write\",\"value\":0}\n";
    char *text = lines(3);
    sbuf all = {0};
    sbuf_adds(&all, skip);
    sbuf_adds(&all, text);
    write_file(path, all.p, all.len);
    int fd = open(path, O_RDONLY);
    cr_assert_eq(lseek(fd, (off_t)strlen(skip), SEEK_SET), (off_t)strlen(skip));
    cr_assert_eq(dup2(fd, 0), 0);
    close(fd);
    history *h = NULL;
    hist_error err = {0};
    cr_assert_eq(hist_read_file("-", NULL, &h, NULL, &err), HIST_OK, "%s", err.msg);
    cr_assert_eq(hist_nevents(h), 6, "the 6 events after the offset, not the 7 of the file");
    hist_free(h);
    sbuf_free(&all);
    free(text);
    unlink(path);
}

/* The nemesis's events outlive the events a compact history drops (the
 * HTML report draws its fault bands from them), each at its position,
 * which implied invocations shift. */
Test(load, nemesis_events_are_kept_with_their_positions)
{
    static const char *const texts[] = {
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1,\"time\":10}\n"
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start-partition\",\"value\":null,\"time\":15}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1,\"time\":20}\n"
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time\":30}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time\":40}\n"
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"stop-partition\",\"value\":null,\"time\":45}\n",
        /* completions only: two invocations implied before every event */
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1,\"time\":20}\n"
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start-partition\",\"value\":null,\"time\":15}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time\":40}\n"
        "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"stop-partition\",\"value\":null,\"time\":45}\n",
    };
    static const uint32_t at[][2] = {{1, 5}, {3, 5}};
    for (size_t t = 0; t < 2; t++)
        for (int keep = 0; keep < 2; keep++) {
            hist_read_opts o = {.keep_events = keep};
            history *h = NULL;
            hist_error err = {0};
            cr_assert_eq(hist_read_mem("n", texts[t], strlen(texts[t]), &o, &h, NULL, &err),
                         HIST_OK, "%u:%u: %s", err.line, err.col, err.msg);
            cr_assert_eq(keep, hist_kept_events(h) != NULL);
            size_t n;
            const hist_note *notes = hist_notes(h, &n);
            cr_assert_eq(n, 2);
            for (size_t i = 0; i < 2; i++) {
                cr_expect_eq(notes[i].at, at[t][i], "text %zu, note %zu", t, i);
                cr_expect(val_is_str(hist_cvtab(h), notes[i].ev.f,
                                     i ? "stop-partition" : "start-partition"));
                cr_expect_eq(hist_positions(h)[notes[i].at].line, t ? 2 * i + 2 : 4 * i + 2);
            }
            cr_expect_eq(hist_first_time(h), t ? 15 : 10);
            hist_free(h);
        }
}

/* Regression (fuzz_change): a byte order mark and a line break, read a
 * byte at a time, sent the format's detection past the bytes read (it
 * skips the mark, the first-line check did not): a read past the buffer.
 * Now both skip it alike, at every chunk size. */
Test(load, a_byte_order_mark_then_a_line_read_in_small_chunks)
{
    static const char *const texts[] = {"\xef\xbb\xbf\nNF", "\xef\xbb\xbf\n", "\xef\xbb",
                                        "\xef\xbb\xbf\n\n{\"process\":0,\"type\":\"invoke\","
                                        "\"f\":\"read\",\"value\":null}\n{\"process\":0,"
                                        "\"type\":\"ok\",\"f\":\"read\",\"value\":null}\n"};
    static const hist_rc want[] = {HIST_ESYNTAX, HIST_EINVALID, HIST_ESYNTAX, HIST_OK};
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (size_t chunk = 1; chunk <= 8; chunk++) {
            char path[] = "/tmp/conch-bom-XXXXXX";
            temp_file(path);
            write_file(path, texts[t], strlen(texts[t]));
            hist_read_opts o = {.chunk = chunk};
            history *h = NULL;
            hist_error err = {0};
            hist_rc rc = hist_read_file(path, &o, &h, NULL, &err);
            cr_expect_eq(rc, want[t], "text %zu, chunk %zu: %d (%s)", t, chunk, rc, err.msg);
            cr_expect_eq(rc == HIST_OK, h != NULL);
            hist_free(h);
            unlink(path);
        }
}
