/*
 * read_edn.c - Jepsen's EDN: history.edn, Knossos and Porcupine files.
 *
 * The subset of EDN that Jepsen histories use: maps (a key given twice
 * keeps its last value), vectors, lists, sets (#{...}, kept as a sorted
 * list), strings (UTF-8; a \uXXXX surrogate only as half of a pair, as in
 * JSON), integers (N suffix allowed), floats, keywords (read as their name),
 * symbols (nil, true, false, or a name), characters (\c, \newline,
 * \uXXXX), ';' comments, '#_' discards, and tagged values
 * (#jepsen.history.Op{...}: the tag is dropped, the map kept).
 *
 * At the top level the input is a sequence of op maps, or of lists or
 * vectors of op maps, in any mix. Nesting is capped (EDN_MAX_DEPTH) so
 * hostile input cannot exhaust the stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/utf8.h"
#include "read_int.h"

#define EDN_MAX_DEPTH 100

typedef struct edn {
    reader *r;
    const char *start; /* of the text */
    const char *p, *end;
    const char *ls;  /* start of the current line */
    uint32_t line;
    uint32_t line0, col0; /* position of the text's first byte */
    int depth;
} edn;

static uint32_t col_of(const edn *e, const char *at)
{
    uint32_t c = (uint32_t)(at - e->ls) + 1;
    return e->line == e->line0 ? c + e->col0 - 1 : c;
}

/* Line and column of any byte read so far (errors may point back at where
 * a collection opened, lines ago). */
static void pos_of(const edn *e, const char *at, uint32_t *line, uint32_t *col)
{
    if (at >= e->ls) {
        *line = e->line;
        *col = col_of(e, at);
        return;
    }
    uint32_t l = e->line;
    for (const char *q = at; q < e->ls; q++)
        if (*q == '\n')
            l--;
    const char *ls = at;
    while (ls > e->start && ls[-1] != '\n')
        ls--;
    *line = l;
    *col = (uint32_t)(at - ls) + 1 + (l == e->line0 ? e->col0 - 1 : 0);
}

static hist_rc fail_at(edn *e, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hist_rc fail_at(edn *e, const char *at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint32_t line, col;
    pos_of(e, at, &line, &col);
    hist_error_set(e->r->err, HIST_ESYNTAX, e->r->name, line, col, "%s", msg);
    return HIST_ESYNTAX;
}

/* "'x'" for a printable byte, "byte 0xNN" otherwise. */
static const char *show(char c, char buf[16])
{
    unsigned char b = (unsigned char)c;
    if (b > 0x20 && b < 0x7f)
        snprintf(buf, 16, "'%c'", b);
    else
        snprintf(buf, 16, "byte 0x%02x", b);
    return buf;
}

static void skip_more(edn *e)
{
    while (e->p < e->end) {
        char c = *e->p;
        if (c == '\n') {
            e->line++;
            e->ls = ++e->p;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f') {
            e->p++;
        } else if (c == ';') {
            while (e->p < e->end && *e->p != '\n')
                e->p++;
        } else {
            break;
        }
    }
}

/* Most of the time there is nothing to skip. */
static inline void skip(edn *e)
{
    if (e->p < e->end && (unsigned char)*e->p > ' ' && *e->p != ',' && *e->p != ';')
        return;
    skip_more(e);
}

static bool sym_char(char c)
{
    switch (c) {
    case '.': case '*': case '+': case '!': case '-': case '_': case '?': case '$': case '%':
    case '&': case '=': case '<': case '>': case '/': case '\'': case ':': case '#':
        return true;
    default:
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static hist_rc value(edn *e, val *out);

static int hex4(const char *p, const char *end)
{
    int x = 0;
    for (int i = 0; i < 4; i++) {
        char h = p + i < end ? p[i] : 0;
        int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
              : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        x = x * 16 + d;
    }
    return x;
}

/* The code point of the \uXXXX escape at esc (e->p is past its 'u'): a
 * surrogate is refused unless (in a string: pairs) a high one is followed
 * by a \u escape of a low one, the rule of the JSON reader too. */
static hist_rc code_point(edn *e, const char *esc, bool pairs, uint32_t *cp)
{
    int x = hex4(e->p, e->end);
    if (x < 0)
        return fail_at(e, e->p, "expected four hex digits after \\u");
    e->p += 4;
    if (x >= 0xdc00 && x <= 0xdfff)
        return fail_at(e, esc, "invalid Unicode escape (a lone low surrogate)");
    if (x >= 0xd800 && x <= 0xdbff) {
        int lo = pairs && e->end - e->p >= 6 && e->p[0] == '\\' && e->p[1] == 'u'
                 ? hex4(e->p + 2, e->end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff)
            return fail_at(e, esc, "invalid Unicode escape (a lone high surrogate)");
        e->p += 6;
        x = 0x10000 + ((x - 0xd800) << 10) + (lo - 0xdc00);
    }
    *cp = (uint32_t)x;
    return HIST_OK;
}

static hist_rc string(edn *e, val *out)
{
    /* Most strings are plain bytes between quotes: interned from the input
     * as they are. */
    const char *q = e->p + 1;
    while (q < e->end && *q != '"' && *q != '\\' && *q != '\n' && (unsigned char)*q < 0x80)
        q++;
    if (q < e->end && *q == '"') {
        *out = val_str(e->r->vt, e->p + 1, (size_t)(q - e->p - 1));
        e->p = q + 1;
        return HIST_OK;
    }
    const char *start = e->p++;
    sbuf b = {0};
    hist_rc rc = HIST_OK;
    for (;;) {
        if (e->p >= e->end) {
            rc = fail_at(e, start, "unterminated string (expected a closing '\"')");
            goto out;
        }
        char c = *e->p++;
        if (c == '"')
            break;
        if (c == '\n') {
            e->line++;
            e->ls = e->p;
        }
        if ((unsigned char)c >= 0x80) {
            size_t k = utf8_seq(e->p - 1, (size_t)(e->end - e->p + 1), NULL);
            if (!k) {
                rc = fail_at(e, e->p - 1, "invalid UTF-8 in a string (byte 0x%02x)",
                             (unsigned char)c);
                goto out;
            }
            sbuf_addn(&b, e->p - 1, k);
            e->p += k - 1;
            continue;
        }
        if (c != '\\') {
            sbuf_addc(&b, c);
            continue;
        }
        if (e->p >= e->end) {
            rc = fail_at(e, start, "unterminated string (expected a closing '\"')");
            goto out;
        }
        const char *esc = e->p - 1;
        char x = *e->p++;
        switch (x) {
        case 'n': sbuf_addc(&b, '\n'); break;
        case 't': sbuf_addc(&b, '\t'); break;
        case 'r': sbuf_addc(&b, '\r'); break;
        case 'b': sbuf_addc(&b, '\b'); break;
        case 'f': sbuf_addc(&b, '\f'); break;
        case '"': case '\\': case '/': sbuf_addc(&b, x); break;
        case 'u': {
            uint32_t cp;
            if ((rc = code_point(e, esc, true, &cp)))
                goto out;
            char u[4];
            sbuf_addn(&b, u, utf8_encode(cp, u));
            break;
        }
        default: {
            char sb[16];
            rc = fail_at(e, esc, "unknown escape in a string: '\\' then %s", show(x, sb));
            goto out;
        }
        }
    }
    *out = val_str(e->r->vt, sbuf_str(&b), b.len);
out:
    sbuf_free(&b);
    return rc;
}

static hist_rc number(edn *e, val *out)
{
    const char *start = e->p;
    e->p += *e->p == '-' || *e->p == '+';
    while (e->p < e->end && is_digit(*e->p)) /* the digits of most numbers, then the rest */
        e->p++;
    while (e->p < e->end && sym_char(*e->p))
        e->p++;
    size_t n = (size_t)(e->p - start);
    /* An integer of at most 18 digits, the common case, read as strtoll
     * would read it. */
    size_t sign = *start == '-' || *start == '+', k = sign;
    uint64_t digits = 0; /* wraps past 18 digits: then strtoll says */
    while (k < n && is_digit(start[k]))
        digits = digits * 10 + (uint64_t)(start[k++] - '0');
    if (k == n && n > sign && n - sign <= 18) {
        *out = val_int(*start == '-' ? -(int64_t)digits : (int64_t)digits);
        return HIST_OK;
    }
    char buf[64];
    if (n >= sizeof buf)
        return fail_at(e, start, "number too long");
    memcpy(buf, start, n);
    buf[n] = '\0';
    bool is_float = false;
    if (n > 1 && (buf[n - 1] == 'N' || buf[n - 1] == 'M')) {
        is_float = buf[n - 1] == 'M';
        buf[--n] = '\0';
    }
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')
            is_float = true;
    char *endp;
    errno = 0;
    if (is_float) {
        double d = strtod(buf, &endp);
        if (*endp || errno)
            return fail_at(e, start, "malformed number '%s'", buf);
        *out = val_float(d);
    } else {
        long long x = strtoll(buf, &endp, 10);
        if (*endp)
            return fail_at(e, start, "malformed number '%s'", buf);
        if (errno)
            return fail_at(e, start, "integer '%s' does not fit in 64 bits", buf);
        *out = val_int(x);
    }
    return HIST_OK;
}

static int cmp_vals(const void *a, const void *b, void *vt)
{
    return val_cmp(vt, *(const val *)a, *(const val *)b);
}

/* Elements until the closing byte; for sets, sorted and without repeats. */
static hist_rc seq(edn *e, char close, val_kind kind, bool set, val *out)
{
    const char *open = e->p - 1 - (set ? 1 : 0);
    /* Most collections are small: their items stay on the stack. */
    val small[16];
    VEC(val) items = {small, 0, 16};
    hist_rc rc = HIST_OK;
    if (++e->depth > EDN_MAX_DEPTH) {
        rc = fail_at(e, open, "nested more than %d deep", EDN_MAX_DEPTH);
        goto out;
    }
    for (;;) {
        skip(e);
        if (e->p >= e->end) {
            rc = fail_at(e, open, "unterminated collection (expected a closing '%c')", close);
            goto out;
        }
        if (*e->p == close) {
            e->p++;
            break;
        }
        val v;
        if ((rc = value(e, &v)))
            goto out;
        if (items.n == items.cap && items.v == small) {
            items.v = xmalloc(2 * items.cap * sizeof *items.v);
            memcpy(items.v, small, sizeof small);
            items.cap *= 2;
        }
        VEC_PUSH(items, v);
    }
    if (kind == VAL_MAP) {
        if (items.n % 2) {
            rc = fail_at(e, open, "a map needs an even number of forms (key value pairs)");
            goto out;
        }
        *out = val_map(e->r->vt, items.v, items.n / 2);
    } else {
        if (set && items.n > 1) {
            qsort_r(items.v, items.n, sizeof *items.v, cmp_vals, e->r->vt);
            size_t k = 1;
            for (size_t i = 1; i < items.n; i++)
                if (!val_eq(items.v[i], items.v[k - 1]))
                    items.v[k++] = items.v[i];
            items.n = k;
        }
        *out = val_list(e->r->vt, items.v, items.n);
    }
out:
    e->depth--;
    if (items.v != small)
        free(items.v);
    return rc;
}

static hist_rc symbol(edn *e, val *out, bool keyword)
{
    const char *start = e->p;
    while (e->p < e->end && sym_char(*e->p))
        e->p++;
    size_t n = (size_t)(e->p - start);
    if (n == 0) {
        char sb[16];
        return fail_at(e, start, "expected a name after ':', got %s",
                       e->p < e->end ? show(*e->p, sb) : "the end of input");
    }
    if (!keyword) {
        if (n == 3 && !memcmp(start, "nil", 3)) {
            *out = val_nil();
            return HIST_OK;
        }
        if (n == 4 && !memcmp(start, "true", 4)) {
            *out = val_bool(true);
            return HIST_OK;
        }
        if (n == 5 && !memcmp(start, "false", 5)) {
            *out = val_bool(false);
            return HIST_OK;
        }
    }
    *out = val_str(e->r->vt, start, n);
    return HIST_OK;
}

static hist_rc value(edn *e, val *out)
{
    skip(e);
    if (e->p >= e->end)
        return fail_at(e, e->p, "unexpected end of input: expected a value");
    const char *at = e->p;
    char c = *e->p;
    char sb[16];
    switch (c) {
    case '{': e->p++; return seq(e, '}', VAL_MAP, false, out);
    case '[': e->p++; return seq(e, ']', VAL_LIST, false, out);
    case '(': e->p++; return seq(e, ')', VAL_LIST, false, out);
    case '"': return string(e, out);
    case ':': e->p++; return symbol(e, out, true);
    case '\\': { /* a character: \c, \newline, \uXXXX, ... */
        e->p++;
        const char *s = e->p;
        while (e->p < e->end && sym_char(*e->p))
            e->p++;
        size_t n = (size_t)(e->p - s);
        if (n == 0) {
            size_t k = e->p < e->end ? utf8_seq(e->p, (size_t)(e->end - e->p), NULL) : 0;
            if (!k || *e->p == '\n' || *e->p == ' ' || *e->p == '\t' || *e->p == '\r')
                return fail_at(e, at, "expected a character after '\\'");
            n = k; /* one character, however many bytes */
            e->p += k;
        }
        static const struct { const char *name, *c; } named[] = {
            {"newline", "\n"}, {"space", " "}, {"tab", "\t"}, {"return", "\r"},
            {"formfeed", "\f"}, {"backspace", "\b"},
        };
        for (size_t i = 0; i < sizeof named / sizeof *named; i++)
            if (n == strlen(named[i].name) && !memcmp(s, named[i].name, n)) {
                *out = val_cstr(e->r->vt, named[i].c);
                return HIST_OK;
            }
        if (n == 5 && s[0] == 'u' && hex4(s + 1, e->end) >= 0) {
            uint32_t cp;
            const char *after = e->p;
            e->p = s + 1;
            hist_rc rc = code_point(e, at, false, &cp);
            e->p = after;
            if (rc)
                return rc;
            char u[4];
            *out = val_str(e->r->vt, u, utf8_encode(cp, u));
            return HIST_OK;
        }
        *out = val_str(e->r->vt, s, n);
        return HIST_OK;
    }
    case '#': {
        e->p++;
        if (e->p < e->end && *e->p == '{') {
            e->p++;
            return seq(e, '}', VAL_LIST, true, out);
        }
        if (e->p < e->end && *e->p == '_') {
            e->p++;
            if (++e->depth > EDN_MAX_DEPTH) /* #_#_#_... recurses too */
                return fail_at(e, at, "nested more than %d deep", EDN_MAX_DEPTH);
            val discard;
            hist_rc rc = value(e, &discard);
            if (!rc)
                rc = value(e, out);
            e->depth--;
            return rc;
        }
        if (e->p < e->end && sym_char(*e->p) && !is_digit(*e->p)) {
            while (e->p < e->end && sym_char(*e->p))
                e->p++;
            if (++e->depth > EDN_MAX_DEPTH)
                return fail_at(e, at, "nested more than %d deep", EDN_MAX_DEPTH);
            hist_rc rc = value(e, out); /* the tag is dropped; the value stays */
            e->depth--;
            return rc;
        }
        return fail_at(e, at, "unsupported '#' form (expected #{...}, #_ or a #tag)");
    }
    case ')': case ']': case '}':
        return fail_at(e, at, "unexpected '%c': no collection is open here", c);
    default:
        break;
    }
    if (is_digit(c) || ((c == '-' || c == '+') && e->p + 1 < e->end && is_digit(e->p[1])))
        return number(e, out);
    if (sym_char(c))
        return symbol(e, out, false);
    return fail_at(e, at, "unexpected %s: expected an EDN value", show(c, sb));
}

/* An op map at e->p ('{' or a tag then '{'). */
static hist_rc op_map(edn *e)
{
    const char *at = e->p;
    uint32_t line = e->line, col = col_of(e, at);
    if (*e->p == '#') {
        e->p++;
        while (e->p < e->end && sym_char(*e->p))
            e->p++;
        skip(e);
    }
    if (e->p >= e->end || *e->p != '{')
        return fail_at(e, at, "expected an op map ({:type ..., :f ..., ...})");
    e->p++;
    VEC(field) fs = {0};
    VEC(val) keys = {0};
    hist_rc rc = HIST_OK;
    for (;;) {
        skip(e);
        if (e->p >= e->end) {
            rc = fail_at(e, at, "unterminated op map (expected a closing '}')");
            goto out;
        }
        if (*e->p == '}') {
            e->p++;
            break;
        }
        field f = {0};
        val k;
        if ((rc = value(e, &k)))
            goto out;
        VEC_PUSH(keys, k);
        skip(e);
        if (e->p < e->end && *e->p == '}') {
            rc = fail_at(e, e->p, "a map needs an even number of forms (this key has no value)");
            goto out;
        }
        f.line = e->line;
        f.col = col_of(e, e->p);
        if ((rc = value(e, &f.value)))
            goto out;
        VEC_PUSH(fs, f);
    }
    /* Names point into the value table, which grows while values are
     * read: so they are looked up only now. Keywords and strings name
     * fields; other keys name nothing. */
    for (size_t i = 0; i < fs.n; i++)
        if (keys.v[i].kind == VAL_STR)
            fs.v[i].name = val_str_bytes(e->r->vt, keys.v[i], &fs.v[i].nlen);
    rc = rd_event(e->r, fs.v, fs.n, line, col);
out:
    free(fs.v);
    free(keys.v);
    return rc;
}

static bool at_op_map(const edn *e)
{
    return e->p < e->end && (*e->p == '{' || (*e->p == '#' && e->p + 1 < e->end &&
                                               e->p[1] != '{' && e->p[1] != '_'));
}

hist_rc rd_edn(reader *r)
{
    edn e = {r, r->data, r->data, r->data + r->len, r->data, 1, 1, 1, 0};
    if (e.end - e.p >= 3 && !memcmp(e.p, "\xef\xbb\xbf", 3))
        e.p += 3;
    for (;;) {
        skip(&e);
        if (e.p >= e.end)
            return HIST_OK;
        hist_rc rc;
        if (at_op_map(&e)) {
            if ((rc = op_map(&e)))
                return rc;
            continue;
        }
        if (*e.p == '#' && e.p + 1 < e.end && e.p[1] == '_') {
            e.p += 2;
            val discard;
            if ((rc = value(&e, &discard)))
                return rc;
            continue;
        }
        if (*e.p != '[' && *e.p != '(') {
            char sb[16];
            return fail_at(&e, e.p, "expected an op map ('{:type ...}') or a list or vector of "
                                    "them, got %s", show(*e.p, sb));
        }
        const char *open = e.p;
        char close = *e.p == '[' ? ']' : ')';
        e.p++;
        for (;;) {
            skip(&e);
            if (e.p >= e.end)
                return fail_at(&e, open, "unterminated list of ops (expected a closing '%c')", close);
            if (*e.p == close) {
                e.p++;
                break;
            }
            if (*e.p == '#' && e.p + 1 < e.end && e.p[1] == '_') {
                e.p += 2;
                val discard;
                if ((rc = value(&e, &discard)))
                    return rc;
                continue;
            }
            if (!at_op_map(&e)) {
                char sb[16];
                return fail_at(&e, e.p, "expected an op map ('{:type ...}'), got %s",
                               show(*e.p, sb));
            }
            if ((rc = op_map(&e)))
                return rc;
        }
    }
}

hist_rc rd_edn_value(reader *r, const char *s, size_t n, uint32_t line, uint32_t col,
                     val *out, size_t *used)
{
    edn e = {r, s, s, s + n, s, line, line, col, 0};
    hist_rc rc = value(&e, out);
    *used = (size_t)(e.p - s);
    return rc;
}
