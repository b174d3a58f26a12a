/*
 * fuzz_cli.c - libFuzzer harness for the values given on conch's command
 * line: --init (hist_val_from_json), --mix (wl_mix_parse) and header lines
 * (--header, CONCH_HEADER: cl_header_ok and the scrubber built from them).
 *
 * Input: one byte choosing the option, then its value (NUL-terminated at
 * the first NUL, as a command line would be). Whatever the value: an error
 * with a reason, or a value that holds up:
 *   --init    the value read, written as JSON and read again, is the same;
 *   --mix     a workload built from it issues only operations of
 *             positive weight (a cas on a key with no value known is a
 *             write);
 *   header    an accepted line has no line break and a token name; its
 *             value, quoted in a text, a history line or a response body,
 *             is masked there.
 *
 *   make build/fuzz/fuzz_cli && build/fuzz/fuzz_cli -dict=tests/fuzz/fuzz_cli.dict
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/client.h"
#include "../../clients/scrub.h"
#include "../../clients/workload.h"
#include "../../histories/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does v hold a float with an integral value? val_to_json writes 2.0 as
 * "2", which reads back as the integer 2: a known defect of the history
 * writer (histories/value.c), reported, and left out of the round trip
 * here until it is fixed there. */
static bool integral_float(const vtab *vt, val v)
{
    if (v.kind == VAL_FLOAT) {
        double d;
        memcpy(&d, &v.n, sizeof d);
        return fabs(d) < 1e18 && d == floor(d);
    }
    if (v.kind != VAL_LIST && v.kind != VAL_MAP)
        return false;
    size_t n;
    const val *it = val_items(vt, v, &n);
    for (size_t i = 0; i < n; i++)
        if (integral_float(vt, it[i]))
            return true;
    return false;
}

static void fuzz_init(const char *s)
{
    vtab *vt = vtab_new();
    val v;
    sbuf why = {0}, text = {0};
    if (hist_val_from_json(vt, s, &v, &why)) {
        if (!why.len)
            abort(); /* refused without a reason */
    } else {
        val_to_json(vt, v, &text);
        val again;
        sbuf why2 = {0};
        if (hist_val_from_json(vt, sbuf_str(&text), &again, &why2))
            abort(); /* what conch writes, it must read back */
        if (!val_eq(v, again) && !integral_float(vt, v))
            abort(); /* as the same value */
        sbuf_free(&why2);
    }
    sbuf_free(&why);
    sbuf_free(&text);
    vtab_free(vt);
}

static void fuzz_mix(const char *s, uint8_t kind)
{
    wl_config c;
    wl_config_init(&c, (wl_kind)(kind % 3));
    sbuf why = {0};
    if (!wl_mix_parse(&c, s, &why)) {
        if (!why.len)
            abort();
        sbuf_free(&why);
        return;
    }
    snprintf(c.prefix, sizeof c.prefix, "k");
    c.seed = kind;
    vtab *vt = vtab_new();
    workload *w = wl_new(&c, vt);
    for (int i = 0; i < 64; i++) {
        wl_op op;
        wl_next(w, &op);
        /* Only operations of positive weight, but that a cas on a key
         * with no value known becomes a write. */
        if (op.f >= CL_NF || !(c.mix[op.f] || (op.f == CL_WRITE && c.mix[CL_CAS])))
            abort();
        wl_observe(w, &op, op.f == CL_READ ? val_nil() : op.a);
    }
    wl_free(w);
    vtab_free(vt);
}

static void fuzz_header(const char *s)
{
    if (!cl_header_ok(s))
        return;
    const char *colon = strchr(s, ':');
    if (!colon || strpbrk(s, "\r\n"))
        abort();
    for (const char *p = s; p < colon; p++)
        if (*p <= ' ' || *p >= 0x7f)
            abort();
    scrub *sc = scrub_new();
    scrub_add_header(sc, s);
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    /* Quoted in a text, in a JSON string and in a body, the value is
     * masked (when long enough to be one). */
    sbuf t = {0}, j = {0}, b = {0};
    sbuf_adds(&t, "you sent ");
    sbuf_addn(&t, v, n);
    sbuf_adds(&t, " here");
    scrub_text(sc, &t);
    sbuf_adds(&j, "{\"error\":");
    sbuf_add_json_str(&j, v, n);
    sbuf_adds(&j, "}");
    sbuf_adds(&b, j.p);
    scrub_json(sc, &j, 0);
    scrub_body(sc, &b);
    if (n >= SCRUB_MIN) {
        if (memmem(t.p, t.len, v, n))
            abort();
        json_t *parsed = json_loadb(j.p, j.len, JSON_ALLOW_NUL, NULL);
        if (!parsed)
            abort(); /* scrubbing broke the JSON */
        json_t *e = json_object_get(parsed, "error");
        if (!json_is_string(e) || memmem(json_string_value(e), json_string_length(e), v, n))
            abort();
        json_decref(parsed);
        if (strcmp(j.p, b.p))
            abort(); /* a body that is JSON is scrubbed as JSON */
    }
    sbuf_free(&t);
    sbuf_free(&j);
    sbuf_free(&b);
    scrub_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0: fuzz_init(s); break;
    case 1: fuzz_mix(s, data[0] / 3); break;
    default: fuzz_header(s); break;
    }
    free(s);
    return 0;
}
