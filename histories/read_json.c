/*
 * read_json.c - conch's native JSON Lines, and a JSON array of op objects.
 *
 * The op objects are parsed by a small streaming parser of our own rather
 * than by jansson: a history of a million ops is two million objects, and
 * building a jansson tree for each (a malloc per node, a hash table per
 * object) then copying it into vals was most of the time conch spent on
 * such a file. This parser goes from bytes to interned vals and op fields
 * in one pass, interning a string straight from the input when it has no
 * escapes. It accepts exactly RFC 8259 JSON (checked against jansson by
 * tests/fuzz/fuzz_json.c), with \u0000 allowed in strings but not in
 * member names (as jansson); nesting is capped. Inside a value, a member
 * name given twice keeps its last value (val_map); in an op object, a
 * field given twice is an error (rd_event). jansson still reads --init
 * values (read_jansson.c) and writes the reports.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/utf8.h"
#include "read_int.h"

#define JSON_MAX_DEPTH 200

/* The parser's state; JSON Lines keeps it from one piece to the next
 * (rd_lines). */
typedef struct rd_lines jp;
struct rd_lines {
    reader *r;
    const char *p, *end;
    const char *ls; /* start of the current line */
    uint32_t line;
    int depth;
    bool lines; /* JSON Lines: j->end is the end of the line */
    bool utf8_checked; /* the input passed rd_scan_more: its UTF-8 is valid */
    sbuf tmp;  /* unescaped strings */
    VEC(val) items; /* a stack of array items and object members */
    rd_fields fields; /* an op object's members */
};

static hist_rc jfail(jp *j, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hist_rc jfail(jp *j, const char *at, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hist_error_set(j->r->err, HIST_ESYNTAX, j->r->name, j->line, (uint32_t)(at - j->ls) + 1,
                   "invalid JSON: %s", msg);
    return HIST_ESYNTAX;
}

/* The bytes a string holds as they are: not '"', '\\', a control byte or
 * a byte of a multi-byte character (those are looked at one by one). */
static inline bool plain(unsigned char c)
{
    return (unsigned char)(c - 0x20) < 0x60 && c != '"' && c != '\\';
}

/* The end of the plain bytes from q (at most end): a word at a time, where
 * the first byte that is not plain is the lowest one flagged (the "has a
 * byte less than n" tricks of Hacker's Delight 6-1; a borrow can only flag
 * bytes above one rightly flagged, so the lowest is exact). */
static inline const char *plain_run(const char *q, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        uint64_t qu = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        uint64_t m = (((qu - ones) & ~qu) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w) | w) &
                     highs;
        if (m)
            return q + (__builtin_ctzll(m) >> 3);
        q += 8;
    }
#endif
    while (q < end && plain((unsigned char)*q))
        q++;
    return q;
}

static hist_rc string_slow(jp *j, const char **s, size_t *n, bool *esc);

/* Most strings are plain bytes between quotes: those are read here, in a
 * loop small enough to inline; string_slow takes everything else. */
static inline hist_rc string(jp *j, const char **s, size_t *n, bool *esc)
{
    const char *q = j->p + 1;
    q = plain_run(q, j->end);
    if (q >= j->end || *q != '"')
        return string_slow(j, s, n, esc);
    *s = j->p + 1;
    *n = (size_t)(q - *s);
    if (esc)
        *esc = false;
    j->p = q + 1;
    return HIST_OK;
}

static const char *shown(const jp *j, char buf[24])
{
    if (j->p >= j->end)
        return j->lines ? "the end of the line" : "the end of the input";
    unsigned char c = (unsigned char)*j->p;
    if (c == '\n')
        return "the end of the line";
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, 24, "'%c'", c);
    else
        snprintf(buf, 24, "byte 0x%02x", c);
    return buf;
}

/* In JSON Lines, j->end is the end of the piece, not of the line: a
 * newline ends a line's value, as the end of the input does. */
static inline bool at_end(const jp *j)
{
    return j->p >= j->end || (j->lines && *j->p == '\n');
}

static void ws_more(jp *j)
{
    while (j->p < j->end) {
        char c = *j->p;
        if (c == '\n') {
            if (j->lines)
                break;
            j->line++;
            j->ls = ++j->p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            j->p++;
        } else {
            break;
        }
    }
}

/* Most of the time there is no space to skip. */
static inline void ws(jp *j)
{
    if (j->p < j->end && (unsigned char)*j->p > ' ')
        return;
    ws_more(j);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A string at j->p ('"'). Sets *s / *n to its bytes: in the input when it
 * has no escapes, else in j->tmp (valid until the next string), which
 * *esc (if not NULL) tells. */
static hist_rc string_slow(jp *j, const char **s, size_t *n, bool *esc)
{
    const char *open = j->p++;
    const char *start = j->p;
    bool escaped = false;
    sbuf_reset(&j->tmp);
    for (;;) {
        /* The bytes that need no look: most of every string. */
        const char *q = plain_run(j->p, j->end);
        if (escaped)
            sbuf_addn(&j->tmp, j->p, (size_t)(q - j->p));
        j->p = q;
        if (j->p >= j->end || *j->p == '\n')
            return jfail(j, j->p, "premature end of %s in a string (opened at column %u)",
                         j->lines ? "the line" : "input", (unsigned)(open - j->ls) + 1);
        unsigned char c = (unsigned char)*j->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return jfail(j, j->p, "control character 0x%02x in a string", c);
        if (c >= 0x80) {
            /* Input that was checked (rd_scan_more) holds only valid UTF-8. */
            size_t k = j->utf8_checked ? 1 : utf8_seq(j->p, (size_t)(j->end - j->p), NULL);
            if (!k)
                return jfail(j, j->p, "invalid UTF-8 in a string");
            if (escaped)
                sbuf_addn(&j->tmp, j->p, k);
            j->p += k;
            continue;
        }
        if (!escaped) {
            escaped = true;
            sbuf_addn(&j->tmp, start, (size_t)(j->p - start));
        }
        const char *at_esc = j->p++;
        char x = j->p < j->end ? *j->p++ : 0;
        switch (x) {
        case '"': case '\\': case '/': sbuf_addc(&j->tmp, x); break;
        case 'b': sbuf_addc(&j->tmp, '\b'); break;
        case 'f': sbuf_addc(&j->tmp, '\f'); break;
        case 'n': sbuf_addc(&j->tmp, '\n'); break;
        case 'r': sbuf_addc(&j->tmp, '\r'); break;
        case 't': sbuf_addc(&j->tmp, '\t'); break;
        case 'u': {
            unsigned cp = 0;
            for (int i = 0; i < 4; i++) {
                int d = j->p < j->end ? hexval(*j->p) : -1;
                if (d < 0)
                    return jfail(j, at_esc, "\\u needs four hex digits");
                cp = cp * 16 + (unsigned)d;
                j->p++;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return jfail(j, at_esc, "invalid Unicode escape (a lone low surrogate)");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo = 0;
                bool ok = j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u';
                for (int i = 0; ok && i < 4; i++) {
                    int d = hexval(j->p[2 + i]);
                    ok = d >= 0;
                    lo = lo * 16 + (unsigned)(d < 0 ? 0 : d);
                }
                if (!ok || lo < 0xdc00 || lo > 0xdfff)
                    return jfail(j, at_esc, "invalid Unicode escape (a lone high surrogate)");
                j->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            char u[4];
            sbuf_addn(&j->tmp, u, utf8_encode(cp, u));
            break;
        }
        default:
            return jfail(j, at_esc, "invalid escape in a string");
        }
    }
    if (esc)
        *esc = escaped;
    if (escaped) {
        *s = sbuf_str(&j->tmp);
        *n = j->tmp.len;
    } else {
        *s = start;
        *n = (size_t)(j->p - start);
    }
    j->p++; /* '"' */
    return HIST_OK;
}

/* A member name may hold any character but NUL: jansson (and so conch
 * serve, and --init) refuses "\u0000" in a name, and one rule for all
 * JSON conch reads means refusing it here too. */
static hist_rc check_name(jp *j, const char *at, const char *s, size_t n)
{
    if (memchr(s, '\0', n))
        return jfail(j, at, "a member name may not contain \\u0000 (NUL)");
    return HIST_OK;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* How many of the 8 bytes at p are digits before any other byte (k), and
 * their value in *x: a word at a time, as most numbers of a history (its
 * indexes, times, processes, values) have a few digits each. A byte is a
 * digit when its high nibble is 3 and its low one is under 10 (+6 carries
 * into bit 4 otherwise, never into the next byte); the digits, moved to
 * the top of the word behind zeros, are summed in pairs, fours and eights
 * (three multiplications, not one per digit). */
static inline size_t digits8(const char *p, uint64_t *x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t lows = 0x7f7f7f7f7f7f7f7fu;
    uint64_t other = ((w & 0xf0f0f0f0f0f0f0f0u) ^ 0x3030303030303030u) |
                     (((w & 0x0f0f0f0f0f0f0f0fu) + 0x0606060606060606u) & 0x1010101010101010u);
    uint64_t nz = (((other & lows) + lows) | other) & ~lows; /* high bit: not a digit */
    size_t k = nz ? (size_t)__builtin_ctzll(nz) >> 3 : 8;
    if (k == 0)
        return 0;
    uint64_t v = (w - 0x3030303030303030u) << (8 * (8 - k));
    v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffu;
    v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffu;
    v = (v * 10000 + (v >> 32)) & 0xffffffffu;
    *x = v;
    return k;
#else
    (void)p;
    (void)x;
    return 0;
#endif
}

static hist_rc number(jp *j, val *out)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || !is_digit(*j->p))
        return jfail(j, s, "a number needs a digit");
    const char *digits = j->p, *p = j->p, *end = j->end;
    uint64_t x = 0; /* the digits' value, if there are 18 or fewer (it wraps past) */
    if (*p == '0') {
        p++;
    } else {
        size_t k = end - p >= 8 ? digits8(p, &x) : 0;
        p += k;
        if (k == 8 || k == 0)
            while (p < end && is_digit(*p))
                x = x * 10 + (uint64_t)(*p++ - '0');
    }
    j->p = p;
    if ((p >= end || (*p != '.' && *p != 'e' && *p != 'E')) && p - digits <= 18) {
        *out = val_int(*s == '-' ? -(int64_t)x : (int64_t)x);
        return HIST_OK;
    }
    bool real = false;
    if (j->p < j->end && *j->p == '.') {
        real = true;
        j->p++;
        if (j->p >= j->end || !is_digit(*j->p))
            return jfail(j, s, "a number needs digits after '.'");
        while (j->p < j->end && is_digit(*j->p))
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        real = true;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p >= j->end || !is_digit(*j->p))
            return jfail(j, s, "a number needs digits in its exponent");
        while (j->p < j->end && is_digit(*j->p))
            j->p++;
    }
    size_t n = (size_t)(j->p - s);
    /* (An integer of at most 18 digits, which cannot overflow, was read
     * above without strtoll: the common case.) strtod needs the digits NUL-terminated; any number of them is JSON
     * (jansson reads a real of 400 digits), so a long one goes through
     * j->tmp, which holds no string between two values. */
    char small[64];
    const char *buf = small;
    if (n < sizeof small) {
        memcpy(small, s, n);
        small[n] = '\0';
    } else {
        sbuf_reset(&j->tmp);
        sbuf_addn(&j->tmp, s, n);
        buf = sbuf_str(&j->tmp);
    }
    errno = 0;
    if (real) {
        double d = strtod(buf, NULL);
        if (errno == ERANGE && (d > 1 || d < -1))
            return jfail(j, s, "real number overflow");
        *out = val_float(d);
    } else {
        long long big = strtoll(buf, NULL, 10);
        if (errno == ERANGE)
            return jfail(j, s, "too big integer");
        *out = val_int(big);
    }
    return HIST_OK;
}

static bool word(jp *j, const char *w, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
        return false;
    j->p += n;
    return true;
}

static hist_rc value(jp *j, val *out);

/* An array or object; members are pushed on j->items and interned. */
static hist_rc compound(jp *j, bool object, val *out)
{
    const char *open = j->p++;
    char close = object ? '}' : ']';
    size_t base = j->items.n;
    hist_rc rc = HIST_OK;
    char sb[24];
    if (++j->depth > JSON_MAX_DEPTH) {
        rc = jfail(j, open, "nested more than %d deep", JSON_MAX_DEPTH);
        goto out;
    }
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
    } else {
        for (;;) {
            ws(j);
            if (object) {
                if (j->p >= j->end || *j->p != '"') {
                    rc = jfail(j, j->p, "expected a member name (a string), got %s", shown(j, sb));
                    goto out;
                }
                const char *s, *at = j->p;
                size_t n;
                if ((rc = string(j, &s, &n, NULL)) || (rc = check_name(j, at, s, n)))
                    goto out;
                VEC_PUSH(j->items, val_str(j->r->vt, s, n));
                ws(j);
                if (j->p >= j->end || *j->p != ':') {
                    rc = jfail(j, j->p, "expected ':' after a member name, got %s", shown(j, sb));
                    goto out;
                }
                j->p++;
            }
            val v;
            if ((rc = value(j, &v)))
                goto out;
            VEC_PUSH(j->items, v);
            ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                break;
            }
            rc = jfail(j, j->p, "expected ',' or '%c', got %s", close, shown(j, sb));
            goto out;
        }
    }
    size_t n = j->items.n - base;
    const val *items = n ? j->items.v + base : NULL;
    *out = object ? val_map(j->r->vt, items, n / 2) : val_list(j->r->vt, items, n);
out:
    j->items.n = base;
    j->depth--;
    return rc;
}

static hist_rc value(jp *j, val *out)
{
    ws(j);
    char sb[24];
    if (at_end(j))
        return jfail(j, j->p, "premature end of %s (expected a value)",
                     j->lines ? "the line" : "input");
    switch (*j->p) {
    case '{': return compound(j, true, out);
    case '[': return compound(j, false, out);
    case '"': {
        const char *s;
        size_t n;
        hist_rc rc = string(j, &s, &n, NULL);
        if (!rc)
            *out = val_str(j->r->vt, s, n);
        return rc;
    }
    case 't':
        if (word(j, "true", 4)) {
            *out = val_bool(true);
            return HIST_OK;
        }
        break;
    case 'f':
        if (word(j, "false", 5)) {
            *out = val_bool(false);
            return HIST_OK;
        }
        break;
    case 'n':
        if (word(j, "null", 4)) {
            *out = val_nil();
            return HIST_OK;
        }
        break;
    default:
        if (*j->p == '-' || is_digit(*j->p))
            return number(j, out);
    }
    return jfail(j, j->p, "expected a value, got %s", shown(j, sb));
}

void rd_fields_free(rd_fields *f)
{
    free(f->more.v);
    free(f->names.v);
    f->more = (rd_field_vec){0};
    f->names.v = NULL;
    f->names.n = f->names.cap = 0;
}

/* An op object at j->p: its members become fields (*out; free them with
 * rd_fields_free, after an error too) without building a map; *line and
 * *col get where it starts. */
static hist_rc op_fields(jp *j, rd_fields *out, uint32_t *line, uint32_t *col)
{
    *line = j->line;
    *col = (uint32_t)(j->p - j->ls) + 1;
    out->n = 0;
    out->v = out->small;
    out->more.n = 0;
    out->names.n = 0; /* names that had escapes: interned, looked up at the end */
    char sb[24];
    if (j->p >= j->end || *j->p != '{') {
        if (j->p < j->end && (*j->p == '[' || *j->p == '"' || *j->p == '-' || is_digit(*j->p) ||
                              *j->p == 't' || *j->p == 'f' || *j->p == 'n')) {
            val v;
            hist_rc rc = value(j, &v);
            if (rc)
                return rc;
            hist_error_set(j->r->err, HIST_EINVALID, j->r->name, *line, *col,
                           "expected an op object ({\"type\": ..., \"f\": ..., ...}), got a JSON %s",
                           v.kind == VAL_LIST ? "array" : v.kind == VAL_STR ? "string" : "scalar");
            return HIST_EINVALID;
        }
        return jfail(j, j->p, "expected an op object ('{'), got %s", shown(j, sb));
    }
    j->p++;
    size_t n = 0; /* in out->small, then out->more */
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        goto done;
    }
    for (;;) {
        ws(j);
        if (j->p >= j->end || *j->p != '"')
            return jfail(j, j->p, "expected a member name (a string), got %s", shown(j, sb));
        const char *s, *at = j->p;
        size_t sn;
        bool has_escape;
        hist_rc rc;
        if ((rc = string(j, &s, &sn, &has_escape)) ||
            (has_escape && (rc = check_name(j, at, s, sn))))
            return rc;
        /* Filled in place: a copy of a field whose value was just stored
         * (by number or val_str) is a wide load of narrow stores, which
         * stalls until they retire. */
        field spill, *f = n < RD_FIELDS_SMALL ? &out->small[n] : &spill;
        *f = (field){s, sn, val_nil(), 0, 0};
        if (has_escape) {
            VEC_PUSH(out->names, val_str(j->r->vt, s, sn));
            f->name = NULL;
            f->nlen = out->names.n; /* which one, + 1 */
        }
        ws(j);
        if (j->p >= j->end || *j->p != ':')
            return jfail(j, j->p, "expected ':' after a member name, got %s", shown(j, sb));
        j->p++;
        ws(j);
        f->line = j->line;
        f->col = (uint32_t)(j->p - j->ls) + 1;
        /* Most members are strings and numbers: read here, without a call
         * to value (which arrays and objects need). */
        if (j->p < j->end && *j->p == '"') {
            const char *vs;
            size_t vn;
            if ((rc = string(j, &vs, &vn, NULL)))
                return rc;
            f->value = val_str(j->r->vt, vs, vn);
        } else if (j->p < j->end && (is_digit(*j->p) || *j->p == '-')) {
            if ((rc = number(j, &f->value)))
                return rc;
        } else if ((rc = value(j, &f->value))) {
            return rc;
        }
        if (f == &spill)
            VEC_PUSH(out->more, spill);
        else
            n++;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }
        return jfail(j, j->p, "expected ',' or '}', got %s", shown(j, sb));
    }
done:
    out->n = n;
    if (out->more.n) { /* past the small ones: all of them in more, in order */
        rd_field_vec all = {0};
        for (size_t i = 0; i < n; i++)
            VEC_PUSH(all, out->small[i]);
        for (size_t i = 0; i < out->more.n; i++)
            VEC_PUSH(all, out->more.v[i]);
        free(out->more.v);
        out->more = all;
        out->v = all.v;
        out->n = all.n;
    }
    for (size_t i = 0; i < out->n; i++)
        if (!out->v[i].name && out->v[i].nlen) /* an escaped name: now stable in the table */
            out->v[i].name =
                val_str_bytes(j->r->vt, out->names.v[out->v[i].nlen - 1], &out->v[i].nlen);
    return HIST_OK;
}

/* An op object at j->p, into an event. */
static hist_rc op_object(jp *j)
{
    uint32_t line, col;
    hist_rc rc = op_fields(j, &j->fields, &line, &col);
    if (!rc)
        rc = rd_event(j->r, j->fields.v, j->fields.n, line, col);
    return rc;
}

/* Lines: one object each; blank lines are allowed. p[0..n) are whole
 * lines, each ending in '\n', but for the last one of the input. The
 * parser stops at a line's newline (at_end), so the lines are not looked
 * for first: an object may not span lines, and what follows it on its line
 * is an error. */
static hist_rc read_lines(jp *j, const char *p, size_t n)
{
    const char *end = p + n;
    j->p = j->ls = p;
    j->end = end;
    while (j->p < end) {
        if (j->line == 1 && end - j->p >= 3 && !memcmp(j->p, "\xef\xbb\xbf", 3))
            j->p += 3; /* a byte-order mark */
        ws(j);
        if (!at_end(j)) {
            hist_rc rc = op_object(j);
            if (!rc) {
                ws(j);
                if (!at_end(j)) {
                    char sb[24];
                    rc = jfail(j, j->p, "unexpected %s after the object", shown(j, sb));
                }
            }
            if (rc) {
                if (rc == HIST_ESYNTAX && !memchr(j->ls, '\n', (size_t)(end - j->ls))) {
                    /* A last line with no newline: torn by a crash mid-write.
                     * Everything before it stands; say what was dropped. */
                    hist_warn(j->r->h,
                              "%s:%u: skipped the last line: it has no newline and is not "
                              "valid JSON (%s), so it was cut short while being written",
                              j->r->shown, j->line, j->r->err->msg + strlen("invalid JSON: "));
                    return HIST_OK;
                }
                return rc;
            }
        }
        if (j->p < end)
            j->p++; /* the newline */
        j->line++;
        j->ls = j->p;
    }
    return HIST_OK;
}

/* A JSON array of op objects: [ {...}, {...} ]. */
static hist_rc read_array(jp *j)
{
    char sb[24];
    const char *open = j->p++;
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
    } else {
        for (;;) {
            ws(j);
            if (j->p >= j->end)
                return jfail(j, j->p, "the array is not closed (expected ']')");
            hist_rc rc = op_object(j);
            if (rc)
                return rc;
            ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                ws(j);
                if (j->p >= j->end)
                    return jfail(j, j->p, "the array is not closed (expected ']')");
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                break;
            }
            if (j->p >= j->end)
                return jfail(j, open, "the array is not closed (expected ']')");
            return jfail(j, j->p, "expected ',' or ']' after an array element, got %s",
                         shown(j, sb));
        }
    }
    ws(j);
    if (j->p < j->end)
        return jfail(j, j->p, "unexpected text after the array's closing ']'");
    return HIST_OK;
}

static jp *jp_new(reader *r, const char *p, size_t n)
{
    jp *j = xcalloc(1, sizeof *j);
    *j = (jp){.r = r, .p = p, .end = p ? p + n : NULL, .ls = p, .line = 1, .utf8_checked = true};
    return j;
}

static void jp_free(jp *j)
{
    sbuf_free(&j->tmp);
    free(j->items.v);
    rd_fields_free(&j->fields);
    free(j);
}

hist_rc rd_jsonl(reader *r)
{
    jp *j = jp_new(r, r->data, r->len);
    const char *q = j->p;
    if (j->end - q >= 3 && !memcmp(q, "\xef\xbb\xbf", 3))
        q += 3;
    while (q < j->end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
        q++;
    hist_rc rc;
    if (q < j->end && *q == '[') {
        if (j->end - j->p >= 3 && !memcmp(j->p, "\xef\xbb\xbf", 3))
            j->p += 3;
        ws(j);
        rc = read_array(j);
    } else {
        j->lines = true;
        rc = read_lines(j, r->data, r->len);
    }
    jp_free(j);
    return rc;
}

rd_lines *rd_jsonl_begin(reader *r)
{
    jp *j = jp_new(r, NULL, 0);
    j->lines = true;
    return j;
}

hist_rc rd_jsonl_more(rd_lines *j, const char *p, size_t n)
{
    return read_lines(j, p, n);
}

void rd_jsonl_end(rd_lines *j)
{
    if (j)
        jp_free(j);
}

hist_rc rd_json_value(reader *r, const char *s, size_t n, val *out, size_t *used)
{
    jp j = {.r = r, .p = s, .end = s + n, .ls = s, .line = 1};
    hist_rc rc = value(&j, out);
    *used = (size_t)(j.p - s);
    sbuf_free(&j.tmp);
    free(j.items.v);
    return rc;
}

hist_rc rd_jsonl_fields(reader *r, const char *s, size_t n, uint32_t line, rd_fields *out)
{
    jp j = {.r = r, .p = s, .end = s + n, .ls = s, .line = line, .lines = true,
            .utf8_checked = true};
    uint32_t l, c;
    ws(&j);
    hist_rc rc = op_fields(&j, out, &l, &c);
    if (!rc) {
        ws(&j);
        char sb[24];
        if (j.p < j.end)
            rc = jfail(&j, j.p, "unexpected %s after the object", shown(&j, sb));
    }
    sbuf_free(&j.tmp);
    free(j.items.v);
    return rc;
}
