/*
 * fuzz_spec.c - libFuzzer harness for store specs (clients/spec.h): the
 * loading and checking of a spec file, its templates, and the
 * classification of answers by a fixed spec.
 *
 * Input: one byte says what the rest is.
 *   0: a spec file. It loads, or the error names the file and is a usage
 *      error; a spec that loads renders every request (dry run).
 *   1: a template: compiled with every placeholder allowed, rendered.
 *   2: an answer to the fixed spec below: a byte of request kind, two of
 *      HTTP status (100 to 599), then the header block and the body,
 *      split at the first NUL. What must hold: the outcome is ok, fail or
 *      info; a 5xx is info; a mismatch is a failed cas; every outcome but
 *      ok says why; a version to send back is printable ASCII.
 *
 *   make build/fuzz/fuzz_spec && build/fuzz/fuzz_spec tests/fuzz/seeds-spec
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/spec.h"
#include "../../clients/spec_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed[] =
    "{\"name\":\"fuzz\",\"version_order\":true,\"read\":{\"method\":\"GET\",\"path\":\"/{key|url}\","
    "\"outcomes\":[{\"status\":200,\"match\":\"^\\\\{\",\"is\":\"ok\"},{\"status\":404,\"is\":"
    "\"absent\"},{\"status\":\"400-499\",\"from\":\"header:X-Err\",\"match\":\"refused\",\"is\":"
    "\"fail\"},{\"status\":\"5xx\",\"is\":\"info\"}],\"extract\":[{\"pattern\":\"\\\"v\\\":"
    "(?<value>null|\\\"[^\\\"\\\\\\\\]*+(?:\\\\\\\\.[^\\\"\\\\\\\\]*+)*+\\\")\",\"decode\":[\"json\","
    "\"b64\"]},{\"pattern\":\"\\\"u\\\":\\\"(?<value>[^\\\"]*)\\\"\",\"decode\":\"url\"},"
    "{\"from\":\"header:ETag\",\"pattern\":\"(?<version>.+)\"},{\"pattern\":\"\\\"n\\\":\\\""
    "(?<node>[^\\\"]*)\\\"\"}]},\"write\":{\"method\":\"PUT\",\"path\":\"/{key}\",\"body\":"
    "\"{value|b64}\",\"outcomes\":[{\"status\":\"2xx\",\"is\":\"ok\"}],\"extract\":[{\"pattern\":"
    "\"r=(?<version>\\\\d+)\"}]},\"cas\":{\"read_first\":true,\"method\":\"PUT\",\"path\":"
    "\"/{key}\",\"body\":\"{new}\",\"headers\":{\"If-Match\":\"{version}\"},\"outcomes\":"
    "[{\"status\":200,\"is\":\"ok\"},{\"status\":412,\"is\":\"mismatch\"},{\"status\":409,"
    "\"is\":\"fail\"}]},\"append\":{\"method\":\"POST\",\"path\":\"/{key}\",\"body\":"
    "\"{value|json}\",\"outcomes\":[{\"status\":\"200-204\",\"is\":\"ok\"}]}}";

static spec *fixed_spec;

static void load_file(const uint8_t *data, size_t size)
{
    spec *s = NULL;
    cl_error err = {0};
    cl_rc rc = spec_parse("fuzz.json", (const char *)data, size, &s, &err);
    if (rc != CL_OK) {
        if (s || rc != CL_EUSAGE || strncmp(err.msg, "fuzz.json", 9))
            abort(); /* an error names the file, and leaves nothing */
        return;
    }
    vtab *vt = vtab_new();
    val items[2] = {val_int(1), val_str(vt, "a\"b\n", 4)};
    sbuf out = {0};
    spec_dry_run(s, vt, "http://h", "k", val_list(vt, items, 2), val_int(2), val_nil(), &out);
    sbuf_free(&out);
    vtab_free(vt);
    spec_free(s);
}

static void template(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    sbuf why = {0}, out = {0};
    tpl *t = tpl_compile(text, (1u << TPL_NVARS) - 1, &why);
    if (t) {
        tpl_args a = {{"k/1", "[1, \"x\"]", "o", "n", "\"e\""}, {3, 8, 1, 1, 3}};
        tpl_render(t, &a, &out);
    } else if (!why.len) {
        abort(); /* a refusal says why */
    }
    tpl_free(t);
    sbuf_free(&why);
    sbuf_free(&out);
    free(text);
}

static void answer(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    if (!fixed_spec) {
        cl_error err = {0};
        if (spec_parse("fixed", fixed, strlen(fixed), &fixed_spec, &err) != CL_OK)
            abort(); /* the harness's own spec must load */
    }
    spec_kind k = (spec_kind)(data[0] % 4); /* read, write, cas, append */
    long status = 100 + (long)((data[1] << 8 | data[2]) % 500);
    const char *rest = (const char *)data + 3;
    size_t n = size - 3;
    const char *nul = memchr(rest, '\0', n);
    size_t hlen = nul ? (size_t)(nul - rest) : 0;
    const char *body = nul ? nul + 1 : rest;
    size_t blen = nul ? n - hlen - 1 : n;

    vtab *vt = vtab_new();
    adp_result res;
    adp_result_init(&res);
    adp_resp resp = {status, body, blen, rest, hlen};
    sbuf token = {0};
    spec_response(fixed_spec, vt, k, &resp, rest, hlen, &res, &token);
    if (res.type != EV_OK && res.type != EV_FAIL && res.type != EV_INFO)
        abort();
    if (status >= 500 && res.type != EV_INFO)
        abort(); /* Jepsen's rule */
    if (res.mismatch && (res.type != EV_FAIL || k != SPEC_CAS))
        abort();
    if (res.type != EV_OK && !res.error.len)
        abort();
    if (k != SPEC_READ && !val_is_nil(res.value))
        abort();
    for (size_t i = 0; i < token.len; i++)
        if ((unsigned char)token.p[i] < 0x20 || (unsigned char)token.p[i] > 0x7e)
            abort(); /* it may go back in a header */
    adp_result_free(&res);
    sbuf_free(&token);
    vtab_free(vt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        load_file(data + 1, size - 1);
        break;
    case 1:
        template(data + 1, size - 1);
        break;
    default:
        answer(data + 1, size - 1);
        break;
    }
    return 0;
}
