/*
 * fuzz_json.c - differential fuzzing of conch's JSON parser against
 * jansson: on any bytes, both must accept or both reject, and what they
 * accept must be the same value (where no object is inside: jansson keeps
 * one of repeated member names, conch all of them).
 *
 * Known, deliberate differences: conch caps nesting at 200, jansson at
 * 2048, and inputs nested deeper than 200 are not compared; raw NUL bytes
 * are refused before any parser runs, so inputs with one are skipped.
 *
 *   make build/fuzz/fuzz_json && build/fuzz/fuzz_json -max_len=512
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../histories/read_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static val conv(vtab *vt, json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_NULL: return val_nil();
    case JSON_TRUE: return val_bool(true);
    case JSON_FALSE: return val_bool(false);
    case JSON_INTEGER: return val_int((int64_t)json_integer_value(x));
    case JSON_REAL: return val_float(json_real_value(x));
    case JSON_STRING: return val_str(vt, json_string_value(x), json_string_length(x));
    case JSON_ARRAY: {
        size_t n = json_array_size(x);
        val *it = malloc((n ? n : 1) * sizeof *it);
        for (size_t i = 0; i < n; i++)
            it[i] = conv(vt, json_array_get(x, i));
        val v = val_list(vt, it, n);
        free(it);
        return v;
    }
    default: return val_nil();
    }
}

static int depth(const uint8_t *d, size_t n)
{
    int cur = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '[' || d[i] == '{')
            cur++;
        if (cur > max)
            max = cur;
    }
    return max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* NUL bytes never reach the parser (read.c refuses them first), and
     * jansson takes one for the end of its input. */
    if (depth(data, size) > 190 || memchr(data, 0, size))
        return 0;
    vtab *vt = vtab_new();
    hist_error err;
    reader r = {0};
    r.name = "fuzz";
    r.vt = vt;
    r.err = &err;
    val ours;
    size_t used = 0;
    hist_rc rc = rd_json_value(&r, (const char *)data, size, &ours, &used);
    if (!rc) /* the rest must be whitespace, as for jansson */
        for (size_t i = used; i < size; i++)
            if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
                rc = HIST_ESYNTAX;
    json_error_t je;
    json_t *theirs = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if ((rc == HIST_OK) != (theirs != NULL))
        abort(); /* one accepts what the other rejects */
    if (theirs && !memchr(data, '{', size) && !val_eq(conv(vt, theirs), ours))
        abort(); /* both accept, but read different values */
    json_decref(theirs);
    vtab_free(vt);
    return 0;
}
