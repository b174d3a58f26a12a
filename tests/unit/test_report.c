/* Unit tests: no writer of conch emits invalid output, whatever a value
 * holds (report/, histories/write.c, util/sbuf.c).
 *
 * Readers refuse bytes that are not UTF-8, but values also come from a
 * store's answers, regular expressions and file names. A history is built
 * here by hand with values holding NUL, bytes that are not UTF-8, the UTF-8
 * form of a surrogate, terminal escapes, DEL and C1 controls, U+FFFE, "]]>"
 * and markup, in a file whose name holds some too. Then: every line the
 * history writer writes parses with jansson and reads back; the JSON report
 * dumps and parses with jansson; the JUnit report parses as XML (Python's
 * expat, when python3 is there); the text report is valid UTF-8 with no
 * control byte but newlines; the HTML report is valid UTF-8, its data
 * parses with jansson, and no value ends its script element early. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../checker/check.h"
#include "../../histories/read.h"
#include "../../histories/write.h"
#include "../../report/report_html.h"
#include "../../report/report_json.h"
#include "../../report/report_junit.h"
#include "../../report/report_text.h"
#include "../../util/utf8.h"

static const struct {
    const char *s;
    size_t n;
} hostile[] = {
    {"a\0b", 3},
    {"\xff\xfe", 2},
    {"\xed\xa0\x80 lone surrogate", 18},
    {"\x1b[31mred\x1b[0m", 13},
    {"\x7f\xc2\x85 del and nel", 15},
    {"\xef\xbf\xbe\xef\xbf\xbf", 6},
    {"]]> <&\"'> \r\t\n", 14},
    {"cut \xe2\x82", 6},
};
#define NHOSTILE (sizeof hostile / sizeof *hostile)

/* A register history that is not linearizable, so that the reports quote
 * the values: process 0 writes each hostile value, process 1 then reads a
 * map whose keys and values are hostile too. */
static history *hostile_history(void)
{
    history *h = hist_new("bad\xff\x1b[2Jname\x01.jsonl");
    vtab *vt = hist_vtab(h);
    hist_event e = {
        .process = val_int(0), .f = val_cstr(vt, "write"), .key = val_nil(),
        .node = val_nil(), .error = val_nil(), .time = HIST_NONE, .index = HIST_NONE,
        .version = HIST_NONE, .line = 1, .col = 1,
    };
    for (size_t i = 0; i < NHOSTILE; i++) {
        e.value = val_str(vt, hostile[i].s, hostile[i].n);
        e.type = EV_INVOKE;
        hist_push(h, &e);
        e.type = EV_OK;
        e.line++;
        hist_push(h, &e);
        e.line++;
    }
    val kv[2 * NHOSTILE];
    for (size_t i = 0; i < NHOSTILE; i++) {
        kv[2 * i] = val_str(vt, hostile[i].s, hostile[i].n);
        kv[2 * i + 1] = val_str(vt, hostile[(i + 1) % NHOSTILE].s, hostile[(i + 1) % NHOSTILE].n);
    }
    e.process = val_int(1);
    e.f = val_cstr(vt, "read");
    e.value = val_nil();
    e.type = EV_INVOKE;
    e.error = val_str(vt, "\xc0\x80", 2);
    hist_push(h, &e);
    e.type = EV_OK;
    e.line++;
    e.value = val_map(vt, kv, NHOSTILE);
    hist_push(h, &e);
    hist_error err;
    cr_assert_eq(hist_finish(h, HIST_INDEP_NO, &err), HIST_OK, "%s", err.msg);
    return h;
}

static void checked(check_item *it)
{
    memset(it, 0, sizeof *it);
    it->h = hostile_history();
    check_opts o = {.model = model_find("register"), .jobs = 1};
    check_run(it, 1, &o);
    cr_assert_eq(it->rc, 0, "%s", sbuf_str(&it->why));
    cr_assert_eq(it->lin, LIN_INVALID, "the reports must have a violation to quote");
}

static void done(check_item *it)
{
    history *h = it->h;
    check_item_free(it);
    hist_free(h);
}

static bool valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i, NULL);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* Every byte valid UTF-8; no control character but those allowed. */
static void assert_clean_text(const char *s, size_t n, const char *allowed, const char *what)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_seq(s + i, n - i, &cp);
        cr_assert(k > 0, "%s: byte 0x%02x at %zu is not UTF-8", what, (unsigned char)s[i], i);
        cr_assert(!((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) && !strchr(allowed, (int)cp)),
                  "%s: control character U+%04x at %zu", what, cp, i);
        i += k;
    }
}

Test(writers, history_lines_parse_and_read_back)
{
    history *h = hostile_history();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(hist_write_jsonl(h, f), 0);
    fclose(f);
    assert_clean_text(buf, len, "\n", "history");
    for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)(nl - line), JSON_ALLOW_NUL, &je);
        cr_assert_not_null(j, "jansson: %s in %.*s", je.text, (int)(nl - line), line);
        json_decref(j);
    }
    history *back = NULL;
    hist_error err;
    hist_read_opts ro = {.keep_events = true};
    cr_assert_eq(hist_read_mem("back", buf, len, &ro, &back, NULL, &err), HIST_OK,
                 "%u:%u: %s", err.line, err.col, err.msg);
    cr_assert_eq(hist_nevents(back), hist_nevents(h));
    /* What is valid UTF-8 to begin with (NUL and controls included) comes
     * back the same. */
    const hist_event *a = hist_kept_events(h), *b = hist_kept_events(back);
    size_t same = 0;
    for (size_t i = 0; i < hist_nevents(h); i++) {
        size_t na, nb;
        const char *sa = val_str_bytes(hist_cvtab(h), a[i].value, &na);
        const char *sb = val_str_bytes(hist_cvtab(back), b[i].value, &nb);
        if (a[i].value.kind != VAL_STR || !valid_utf8(sa, na))
            continue;
        cr_expect(na == nb && !memcmp(sa, sb, na), "event %zu changed", i);
        same++;
    }
    cr_assert_geq(same, 8, "the valid values were compared");
    hist_free(back);
    hist_free(h);
    free(buf);
}

Test(writers, json_report_parses_with_jansson)
{
    check_item it;
    checked(&it);
    report_opts ro = {0};
    json_t *j = report_json(&it, &ro);
    char *text = json_dumps(j, JSON_COMPACT);
    cr_assert_not_null(text, "jansson cannot dump the report");
    json_error_t je;
    json_t *back = json_loads(text, JSON_ALLOW_NUL, &je);
    cr_assert_not_null(back, "%s", je.text);
    /* No member lost to a string jansson refused. */
    cr_assert(json_is_string(json_object_get(back, "file")));
    json_t *part = json_array_get(json_object_get(json_object_get(json_object_get(back, "checks"),
                                                                  "linearizability"),
                                                  "parts"),
                                  0);
    json_t *op = json_object_get(part, "op");
    cr_assert(json_is_object(json_object_get(op, "result")),
              "the read's map is a map, not null: %s", text);
    cr_assert_eq(json_object_size(json_object_get(op, "result")), NHOSTILE,
                 "one member per key (keys told apart, NUL in a key shown as U+FFFD)");
    json_t *err = report_json_error("bad\xff.jsonl", "bad\xff.jsonl:1:1: \x1b oops");
    char *etext = json_dumps(err, JSON_COMPACT);
    cr_assert_not_null(etext);
    cr_assert(strstr(etext, "bad\xef\xbf\xbd.jsonl"), "%s", etext);
    free(etext);
    json_decref(err);
    json_decref(back);
    free(text);
    json_decref(j);
    done(&it);
}

Test(writers, junit_report_parses_as_xml)
{
    check_item it;
    checked(&it);
    char path[] = "/tmp/conch-junit-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    report_junit_open(f);
    report_junit(f, &it);
    report_junit_error(f, hist_name(it.h), "\x01\xff]]>\x1b");
    report_junit_close(f);
    fclose(f);
    FILE *r = fopen(path, "r");
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, r);
    fclose(r);
    assert_clean_text(buf, n, "\n", "junit");
    cr_assert(!memmem(buf, n, "]]>", 3), "markup in text is escaped");
    if (system("python3 -c 'pass' >/dev/null 2>&1") == 0) {
        char cmd[256];
        snprintf(cmd, sizeof cmd,
                 "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' %s",
                 path);
        cr_assert_eq(system(cmd), 0, "the JUnit report is not XML: %s", path);
    }
    unlink(path);
    done(&it);
}

Test(writers, text_report_has_no_control_bytes)
{
    check_item it;
    checked(&it);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_opts ro = {0};
    report_text(f, &it, &ro);
    fclose(f);
    assert_clean_text(buf, len, "\n", "text");
    cr_assert(strstr(buf, "bad\\xff\\x1b[2Jname\\x01.jsonl"), "the file name, escaped: %s", buf);
    free(buf);
    done(&it);
}

Test(writers, json_strings_are_valid_whatever_the_bytes)
{
    struct {
        const char *in;
        size_t n;
        const char *str, *name;
    } cases[] = {
        {"a\0b", 3, "\"a\\u0000b\"", "\"a\xef\xbf\xbd" "b\""},
        {"\xff", 1, "\"\xef\xbf\xbd\"", "\"\xef\xbf\xbd\""},
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", NULL},
        {"\x1b\x7f\xc2\x85", 4, "\"\\u001b\\u007f\\u0085\"", NULL},
        {"\xc3\xa9\xf0\x9f\x98\x80", 6, "\"\xc3\xa9\xf0\x9f\x98\x80\"", NULL},
        {"\"\\/", 3, "\"\\\"\\\\/\"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sbuf b = {0};
        sbuf_add_json_str(&b, cases[i].in, cases[i].n);
        cr_expect_str_eq(sbuf_str(&b), cases[i].str, "case %zu", i);
        if (cases[i].name) {
            sbuf_reset(&b);
            sbuf_add_json_name(&b, cases[i].in, cases[i].n);
            cr_expect_str_eq(sbuf_str(&b), cases[i].name, "case %zu, as a name", i);
        }
        sbuf_free(&b);
    }
    sbuf b = {0};
    sbuf_add_printable(&b, "a\\b\n\x1b\xff\xc2\x9b\xc3\xa9", 10);
    cr_expect_str_eq(sbuf_str(&b), "a\\\\b\\x0a\\x1b\\xff\\u009b\xc3\xa9");
    sbuf_free(&b);
}

/* report_json_val converts values to jansson directly: each kind as
 * itself (a float stays a real even when integral), NaN and infinities as
 * null, strings valid UTF-8 with NUL kept, a map's keys as member names
 * (a key that is not a string named by its JSON text; NUL in a name shown
 * as U+FFFD). */
Test(writers, json_values_convert_directly)
{
    vtab *vt = vtab_new();
    val items[] = {val_int(1), val_float(2.0), val_str(vt, "x\0y", 3), val_nil(), val_bool(true)};
    val kv[] = {val_int(7), val_str(vt, "seven", 5), val_str(vt, "a\0b\xff", 4), val_int(-3),
                val_list(vt, items, 2), val_float(0.5)};
    struct {
        val v;
        const char *json;
    } cases[] = {
        {val_nil(), "null"},
        {val_bool(false), "false"},
        {val_int(INT64_MIN), "-9223372036854775808"},
        {val_float(2.0), "2.0"},
        {val_float(-0.25), "-0.25"},
        {val_float(1.0 / 0.0), "null"},
        {val_float(0.0 / 0.0), "null"},
        {val_str(vt, "\xff\x1b", 2), "\"\xef\xbf\xbd\\u001B\""},
        {val_list(vt, items, 5), "[1, 2.0, \"x\\u0000y\", null, true]"},
        {val_map(vt, kv, 3), NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = report_json_val(vt, cases[i].v);
        cr_assert_not_null(j, "case %zu", i);
        char *text = json_dumps(j, JSON_ENCODE_ANY);
        if (cases[i].json)
            cr_expect_str_eq(text, cases[i].json, "case %zu: %s", i, text);
        free(text);
        json_decref(j);
    }
    json_t *m = report_json_val(vt, val_map(vt, kv, 3));
    cr_assert(json_is_object(m));
    cr_expect_eq(json_object_size(m), 3);
    cr_expect_str_eq(json_string_value(json_object_get(m, "7")), "seven");
    cr_expect_eq(json_integer_value(json_object_get(m, "a\xef\xbf\xbd" "b\xef\xbf\xbd")), -3);
    cr_expect(json_is_real(json_object_get(m, "[1, 2.0]")) ||
                  json_is_real(json_object_get(m, "[1, 2]")),
              "a list key is named by its JSON text");
    json_decref(m);
    vtab_free(vt);
}

Test(writers, html_report_is_one_valid_page)
{
    check_item it;
    checked(&it);
    report_html_file f = {hist_name(it.h), &it, NULL, HIST_FMT_JSONL};
    report_html_file bad = {"bad\xff</script><b>.jsonl", NULL, "bad\xff: </script> \x1b", HIST_FMT_AUTO};
    report_html_file files[] = {f, bad};
    sbuf page = {0};
    report_html(files, 2, &page);
    assert_clean_text(page.p, page.len, "\n\t", "html");
    const char *open = "<script type=\"application/json\" id=\"conch-data\">";
    const char *from = strstr(page.p, open);
    cr_assert_not_null(from);
    from += strlen(open);
    const char *to = strstr(from, "</script>");
    cr_assert_not_null(to);
    cr_assert_not_null(strstr(to, "</html>"), "the data ends at its own </script>");
    json_error_t je;
    json_t *d = json_loadb(from, (size_t)(to - from), JSON_ALLOW_NUL, &je);
    cr_assert_not_null(d, "the data is not JSON: %s", je.text);
    json_t *fs = json_object_get(d, "files");
    cr_assert_eq(json_array_size(fs), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(fs, 1), "error")),
                     "bad\xef\xbf\xbd: </script> \x1b", "the error, whole, read back");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(fs, 0), "verdict")),
                     "invalid");
    cr_assert(json_array_size(json_object_get(json_array_get(fs, 0), "timelines")) > 0);
    json_decref(d);
    sbuf_free(&page);
    done(&it);
}
