/*
 * fuzz_json.c - differential fuzzing of conch's JSON parser against
 * jansson: on any bytes, both must accept or both reject, and what they
 * accept must be the same value, objects included: a member name given
 * twice keeps its last value on both sides (jansson's rule, which val_map
 * applies to conch's), and "\u0000" in a member name is refused by both.
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

#include "../../histories/read.h"
#include "../../histories/read_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    /* A raw NUL byte never reaches the parser (load.c refuses it first), and
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
    if (theirs && !val_eq(hist_val_from_jansson(vt, theirs), ours))
        abort(); /* both accept, but read different values */
    json_decref(theirs);
    vtab_free(vt);
    return 0;
}
