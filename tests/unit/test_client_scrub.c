/*
 * test_client_scrub.c - secrets (header values, URL passwords) masked in
 * text and in JSON (clients/scrub.h), and the header lines conch run
 * accepts (cl_header_ok).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "../../clients/client.h"
#include "../../clients/scrub.h"

/* t scrubbed as text (json: as JSON), as a new string. */
static char *scrubbed(const scrub *s, const char *t, bool json)
{
    sbuf b = {0};
    sbuf_adds(&b, t);
    if (json)
        scrub_json(s, &b, 0);
    else
        scrub_text(s, &b);
    return b.p ? b.p : strdup("");
}

static void expect_text(const scrub *s, const char *in, const char *want)
{
    char *got = scrubbed(s, in, false);
    cr_assert_str_eq(got, want, "'%s' -> '%s', want '%s'", in, got, want);
    free(got);
}

Test(scrub, header_values_and_their_words)
{
    scrub *s = scrub_new();
    cr_assert_not(scrub_any(s));
    expect_text(s, "nothing to hide", "nothing to hide");
    scrub_add_header(s, "Authorization: Bearer s3cr3t-token-123");
    scrub_add_header(s, "X-Short: 1");
    scrub_add_header(s, "Cookie: a=b; session=0123456789abcdef");
    cr_assert(scrub_any(s));
    expect_text(s, "you sent Authorization: Bearer s3cr3t-token-123 (s3cr3t-token-123)",
                "you sent Authorization: *** (***)");
    expect_text(s, "HTTP 401: invalid Bearer token", "HTTP 401: invalid Bearer token");
    expect_text(s, "cookie session=0123456789abcdef, id 0123456789abcdef",
                "cookie ***, id ***");
    expect_text(s, "a=b; session=0123456789abcdef", "***");
    scrub_free(s);
}

Test(scrub, basic_credentials_and_url_passwords)
{
    scrub *s = scrub_new();
    scrub_add_header(s, "Authorization: Basic dXNlcjpwYXNzd29yZA=="); /* user:password */
    scrub_add_url(s, "http://me:p%40ssw0rd@127.0.0.1:2379/");
    scrub_add_url(s, "http://127.0.0.1:2379/a@b"); /* no user: nothing */
    scrub_add_url(s, "https://me@host/");           /* no password: nothing */
    expect_text(s, "Basic dXNlcjpwYXNzd29yZA== is user:password, or password alone",
                "*** is ***, or *** alone");
    expect_text(s, "url me:p%40ssw0rd, decoded p@ssw0rd", "url me:***, decoded ***");
    expect_text(s, "me@host a@b", "me@host a@b");
    scrub_free(s);
}

Test(scrub, json_strings_only)
{
    scrub *s = scrub_new();
    scrub_add(s, "s3cr3t-token", 12);
    scrub_add(s, "12345678", 8);
    /* In strings, as written or escaped; a number outside strings stays,
     * and the text stays JSON. */
    const char *in = "{\"a\":\"x s3cr3t-token y\",\"n\":12345678,"
                     "\"e\":\"\\u0073\\u0033cr3t-token\\n\",\"k\":[\"12345678\"],"
                     "\"q\":\"say \\\"s3cr3t-token\\\"\"}";
    char *out = scrubbed(s, in, true);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    cr_assert_not_null(j, "not JSON any more: %s: %s", out, err.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "a")), "x *** y");
    cr_assert_eq(json_integer_value(json_object_get(j, "n")), 12345678);
    cr_assert_str_eq(json_string_value(json_object_get(j, "e")), "***\n");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "k"), 0)), "***");
    cr_assert_str_eq(json_string_value(json_object_get(j, "q")), "say \"***\"");
    json_decref(j);
    free(out);
    /* Outside strings (text after the value): masked too, but a secret
     * that looks like a number is left in numbers. */
    out = scrubbed(s, "{\"n\":12345678} s3cr3t-token 12345678", true);
    cr_assert_str_eq(out, "{\"n\":12345678} *** 12345678");
    free(out);
    /* Unchanged when there is nothing to mask; from an offset on only. */
    out = scrubbed(s, "{\"a\":\"fine\",\"n\":12345678}", true);
    cr_assert_str_eq(out, "{\"a\":\"fine\",\"n\":12345678}");
    free(out);
    sbuf b = {0};
    sbuf_adds(&b, "\"s3cr3t-token\"\n{\"e\":\"s3cr3t-token\"}\n");
    cr_assert(scrub_json(s, &b, 15));
    cr_assert_str_eq(sbuf_str(&b), "\"s3cr3t-token\"\n{\"e\":\"***\"}\n");
    sbuf_free(&b);
    /* A body: JSON when it looks like it, else text; a string cut off. */
    sbuf_adds(&b, "<p>token s3cr3t-token</p>");
    cr_assert(scrub_body(s, &b));
    cr_assert_str_eq(sbuf_str(&b), "<p>token ***</p>");
    sbuf_reset(&b);
    sbuf_adds(&b, " {\"error\":\"bad s3cr3t-token");
    cr_assert(scrub_body(s, &b));
    cr_assert_str_eq(sbuf_str(&b), " {\"error\":\"bad ***");
    sbuf_free(&b);
    scrub_free(s);
}

/* A header value that is also a JSON literal, punctuation or one of a
 * history line's own words (--header 'X-Debug: null', 'Prefer: type',
 * 'X-Op: read') is no secret there: masking it broke the JSON ("value":***)
 * or the line's structure ("***":"invoke", "f":"***"), and conch check
 * could not read the run's history (exit 2). */
Test(scrub, json_tokens_and_history_words_stay)
{
    scrub *s = scrub_new();
    scrub_add_header(s, "X-Debug: null");
    scrub_add_header(s, "X-Flag: true");
    scrub_add_header(s, "X-Ids: 12,34");
    scrub_add_header(s, "Prefer: type");
    scrub_add_header(s, "X-Op: read");
    scrub_add_header(s, "Authorization: Bearer s3cr3t-token");
    /* A body: JSON's own tokens outside strings are the store's data. */
    const char *body = "{\"header\":{},\"succeeded\":true,\"value\":null,\"ids\":[12,34],"
                       "\"error\":\"null s3cr3t-token\"}";
    char *out = scrubbed(s, body, true);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    cr_assert_not_null(j, "not JSON any more: %s: %s", out, err.text);
    cr_assert(json_is_true(json_object_get(j, "succeeded")), "%s", out);
    cr_assert(json_is_null(json_object_get(j, "value")), "%s", out);
    cr_assert_eq(json_integer_value(json_array_get(json_object_get(j, "ids"), 1)), 34);
    cr_assert_str_eq(json_string_value(json_object_get(j, "error")), "*** ***");
    json_decref(j);
    free(out);
    /* Text that is no JSON token outside strings is masked, as before. */
    out = scrubbed(s, "[oops] null Bearer s3cr3t-token", true);
    cr_assert_str_eq(out, "[oops] *** ***");
    free(out);
    /* A history line: its member names, and the values of the members it
     * names (its own words), stay; every other value is scrubbed. */
    static const char *const own[] = {"process", "type", "f", NULL};
    sbuf b = {0};
    sbuf_adds(&b, "x\n");
    size_t from = b.len;
    sbuf_adds(&b, "{\"index\":3,\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k\","
                  "\"value\":null,\"node\":\"n1 read by Bearer s3cr3t-token\","
                  "\"error\":\"type read\"}\n");
    cr_assert(scrub_json_members(s, &b, from, own));
    cr_assert_str_eq(sbuf_str(&b) + from,
                     "{\"index\":3,\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k\","
                     "\"value\":null,\"node\":\"n1 *** by ***\",\"error\":\"*** ***\"}\n");
    cr_assert_str_eq(sbuf_str(&b), "x\n{\"index\":3,\"process\":1,\"type\":\"ok\",\"f\":"
                                   "\"read\",\"key\":\"k\",\"value\":null,\"node\":\"n1 *** by ***\","
                                   "\"error\":\"*** ***\"}\n");
    /* Nothing to mask: unchanged, false. */
    sbuf_reset(&b);
    sbuf_adds(&b, "{\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n");
    cr_assert_not(scrub_json_members(s, &b, 0, own));
    cr_assert_str_eq(sbuf_str(&b), "{\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n");
    /* A value that is an object: its names are data, masked as strings. */
    sbuf_reset(&b);
    sbuf_adds(&b, "{\"f\":\"read\",\"value\":{\"s3cr3t-token\":[1,\"read\"]}}");
    cr_assert(scrub_json_members(s, &b, 0, own));
    cr_assert_str_eq(sbuf_str(&b), "{\"f\":\"read\",\"value\":{\"***\":[1,\"***\"]}}");
    /* Not an object: scrubbed as scrub_json does. */
    sbuf_reset(&b);
    sbuf_adds(&b, "[\"read\", \"s3cr3t-token\"");
    cr_assert(scrub_json_members(s, &b, 0, own));
    cr_assert_str_eq(sbuf_str(&b), "[\"***\", \"***\"");
    sbuf_free(&b);
    scrub_free(s);
}

Test(scrub, header_lines)
{
    static const char *const good[] = {
        "Authorization: Bearer x", "X-A:", "x-b:\tv", "A!#$%&'*+-.^_`|~9: v", "N: caf\xc3\xa9",
    };
    static const char *const bad[] = {
        ": v", "No colon", "Sp ace: v", "X-A: v\r\nX-B: w", "X-A: v\n", "Tab\t: v",
        "X-A: \x01", "X-A: \x7f", "(paren): v", "Ünï: v",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_assert(cl_header_ok(good[i]), "refused: %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(cl_header_ok(bad[i]), "accepted: %s", bad[i]);
}
