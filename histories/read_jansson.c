/*
 * read_jansson.c - single values through jansson: --init, and values in
 * a store's answers (clients/), where one value is parsed, not a million
 * ops (read_json.c is the histories' own parser). A member name given twice keeps its last value, as
 * val_map keeps it in every reader.
 */
#include <jansson.h>
#include <stdlib.h>

#include "../util/mem.h"
#include "read_int.h"

val hist_val_from_jansson(vtab *vt, const json_t *x)
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
        val *items = xmalloc((n ? n : 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = hist_val_from_jansson(vt, json_array_get(x, i));
        val v = val_list(vt, items, n);
        free(items);
        return v;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(x), i = 0;
        val *kv = xmalloc((n ? 2 * n : 1) * sizeof *kv);
        const char *k;
        json_t *y;
        json_object_foreach((json_t *)x, k, y) {
            kv[i++] = val_cstr(vt, k);
            kv[i++] = hist_val_from_jansson(vt, y);
        }
        val v = val_map(vt, kv, n);
        free(kv);
        return v;
    }
    }
    return val_nil();
}

int hist_val_from_json(vtab *vt, const char *text, val *out, sbuf *why)
{
    json_error_t je;
    json_t *x = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!x) {
        sbuf_printf(why, "not a JSON value (%s at column %d): %s", je.text, je.column, text);
        return -1;
    }
    *out = hist_val_from_jansson(vt, x);
    json_decref(x);
    return 0;
}
