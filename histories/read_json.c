/*
 * read_json.c - conch's native JSON Lines, and a JSON array of op objects.
 *
 * Each op object is parsed by jansson, one at a time, so a value's size is
 * bounded by the line cap checked in read.c. Jansson reports positions
 * relative to the text it was given; we add the object's own position.
 */
#include <jansson.h>
#include <string.h>

#include "../util/mem.h"
#include "read_int.h"

/* Convert a JSON value to a val, interning strings, arrays and objects. */
static val from_json(reader *r, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL: return val_nil();
    case JSON_TRUE: return val_bool(true);
    case JSON_FALSE: return val_bool(false);
    case JSON_INTEGER: return val_int((int64_t)json_integer_value(j));
    case JSON_REAL: return val_float(json_real_value(j));
    case JSON_STRING: return val_str(r->vt, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        val *items = xmalloc(n * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = from_json(r, json_array_get(j, i));
        val v = val_list(r->vt, items, n);
        free(items);
        return v;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        val *kv = xmalloc(2 * n * sizeof *kv);
        const char *k;
        json_t *x;
        json_object_foreach(j, k, x) {
            kv[i++] = val_cstr(r->vt, k);
            kv[i++] = from_json(r, x);
        }
        val v = val_map(r->vt, kv, n);
        free(kv);
        return v;
    }
    }
    return val_nil();
}

static hist_rc op_object(reader *r, json_t *j, uint32_t line, uint32_t col)
{
    if (!json_is_object(j)) {
        hist_error_set(r->err, HIST_EINVALID, r->name, line, col,
                       "expected an op object ({\"type\": ..., \"f\": ..., ...}), got a JSON %s",
                       json_is_array(j) ? "array" : json_is_string(j) ? "string" : "scalar");
        return r->err->rc;
    }
    size_t n = json_object_size(j), i = 0;
    field *fs = xmalloc((n ? n : 1) * sizeof *fs);
    const char *k;
    json_t *x;
    json_object_foreach(j, k, x) {
        fs[i].name = val_cstr(r->vt, k);
        fs[i].value = from_json(r, x);
        fs[i].line = line;
        fs[i].col = 0;
        i++;
    }
    hist_rc rc = rd_event(r, fs, n, line, col);
    free(fs);
    return rc;
}

static hist_rc json_error(reader *r, const json_error_t *je, uint32_t line, uint32_t col)
{
    uint32_t l = line, c = col;
    if (je->line > 0) {
        l = line + (uint32_t)je->line - 1;
        c = je->line == 1 ? col + (uint32_t)(je->column > 0 ? je->column - 1 : 0)
                          : (uint32_t)(je->column > 0 ? je->column : 1);
    }
    hist_error_set(r->err, HIST_ESYNTAX, r->name, l, c, "invalid JSON: %s", je->text);
    return r->err->rc;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* Lines: one object each; blank lines are allowed. */
static hist_rc read_lines(reader *r)
{
    const char *p = r->data, *end = r->data + r->len;
    uint32_t line = 0;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        uint32_t col = 1;
        if (line == 1 && len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
            p += 3; /* a byte-order mark */
            len -= 3;
            col = 4;
        }
        if (!blank(p, len)) {
            json_error_t je;
            json_t *j = json_loadb(p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
            if (!j) {
                if (!nl) {
                    /* A last line with no newline: torn by a crash mid-write.
                     * Everything before it stands; say what was dropped. */
                    hist_warn(r->h,
                              "%s:%u: skipped the last line: it has no newline and is not "
                              "valid JSON (%s), so it was cut short while being written",
                              r->name, line, je.text);
                    return HIST_OK;
                }
                return json_error(r, &je, line, col);
            }
            hist_rc rc = op_object(r, j, line, col);
            json_decref(j);
            if (rc)
                return rc;
        }
        p += len + 1;
    }
    return HIST_OK;
}

/* Advance over whitespace from *p, counting lines. */
static void skip_ws(const char **p, const char *end, uint32_t *line, const char **line_start)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
        if (**p == '\n') {
            (*line)++;
            *line_start = *p + 1;
        }
        (*p)++;
    }
}

/* A JSON array of op objects: [ {...}, {...} ]. */
static hist_rc read_array(reader *r, const char *p)
{
    const char *end = r->data + r->len, *ls = r->data;
    uint32_t line = 1;
    for (const char *q = r->data; q < p; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    p++; /* '[' */
    bool first = true;
    for (;;) {
        skip_ws(&p, end, &line, &ls);
        if (p >= end) {
            hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)(p - ls + 1),
                           "invalid JSON: the array is not closed (expected ']')");
            return r->err->rc;
        }
        if (*p == ']')
            break;
        if (!first) {
            if (*p != ',') {
                hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)(p - ls + 1),
                               "invalid JSON: expected ',' or ']' after an array element");
                return r->err->rc;
            }
            p++;
            skip_ws(&p, end, &line, &ls);
            if (p >= end) {
                hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)(p - ls + 1),
                               "invalid JSON: the array is not closed (expected ']')");
                return r->err->rc;
            }
        }
        first = false;
        uint32_t col = (uint32_t)(p - ls + 1);
        json_error_t je;
        json_t *j = json_loadb(p, (size_t)(end - p),
                               JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!j)
            return json_error(r, &je, line, col);
        hist_rc rc = op_object(r, j, line, col);
        json_decref(j);
        if (rc)
            return rc;
        const char *next = p + je.position;
        for (; p < next; p++)
            if (*p == '\n') {
                line++;
                ls = p + 1;
            }
    }
    p++;
    skip_ws(&p, end, &line, &ls);
    if (p < end) {
        hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)(p - ls + 1),
                       "invalid JSON: unexpected text after the array's closing ']'");
        return r->err->rc;
    }
    return HIST_OK;
}

hist_rc rd_jsonl(reader *r)
{
    const char *p = r->data, *end = r->data + r->len;
    if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < end && *p == '[')
        return read_array(r, p);
    return read_lines(r);
}

int hist_val_from_json(vtab *vt, const char *text, val *out, sbuf *why)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        sbuf_printf(why, "not a JSON value (%s at column %d): %s", je.text, je.column, text);
        return -1;
    }
    reader r = {0};
    r.vt = vt;
    *out = from_json(&r, j);
    json_decref(j);
    return 0;
}
