/*
 * read_log.c - Jepsen log lines, matched with PCRE2.
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[0 3]
 *   INFO [2019-04-17 17:38:16,855] jepsen worker 0 - jepsen.util 0	:ok	:write	1
 *   2017-02-20 14:30:00,123{GMT}	INFO	[jepsen worker 3] jepsen.print: 3 :ok :read 2
 *
 * A line is an op line when the pattern finds the level, the jepsen.util or
 * jepsen.print logger, a process and a type; the rest of it must then be the
 * op's f and EDN value, optionally followed by its error, or it is an error.
 * Other lines (Jepsen logs a lot besides ops) are not ops: they are counted
 * and reported in a warning, never dropped silently.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../util/mem.h"
#include "read_int.h"

static const char OP_LINE[] =
    "^(?:\\d{4}-\\d\\d-\\d\\d[ T][\\d:.,]+(?:\\{[^}]*\\})?\\s+)?"
    "(?:TRACE|DEBUG|INFO|WARN|ERROR)\\s+"
    "(?:\\[[^\\]]*\\]\\s+)?"
    "(?:.*?\\s-\\s+)?"
    "(?:\\[[^\\]]*\\]\\s+)?"
    "jepsen\\.(?:util|print)(?::|\\s+-)?\\s+"
    "(\\d+|:?nemesis)\\s+:(invoke|ok|fail|info)(?=\\s|$)";

static const char LOG_LINE[] =
    "^(?:\\d{4}-\\d\\d-\\d\\d[ T][\\d:.,]+(?:\\{[^}]*\\})?\\s+)?"
    "(?:TRACE|DEBUG|INFO|WARN|ERROR)\\s";

static pcre2_code *op_re, *log_re;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static pcre2_code *compile(const char *pat)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (re)
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: falls back to the interpreter */
    return re;
}

static void init(void)
{
    op_re = compile(OP_LINE);
    log_re = compile(LOG_LINE);
}

bool rd_log_sniff(const char *p, size_t n)
{
    pthread_once(&once, init);
    if (!log_re)
        return false;
    const char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) : n;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(log_re, NULL);
    int rc = pcre2_match(log_re, (PCRE2_SPTR)p, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static const char *const types[] = {"invoke", "ok", "fail", "info"};

/* The layout most Jepsen logs of ops have, "INFO  jepsen.util - 3<TAB>:invoke",
 * told without the pattern (the pattern's first match on such a line is
 * this one: its optional parts match nothing there). Sets the process's
 * bytes, the type's first byte and where the match ends; false for any
 * other line, which the pattern then reads. */
static bool plain_op_line(const char *p, size_t len, const char **ps, size_t *pn,
                          const char **ts, size_t *end)
{
    static const char head[] = "INFO  jepsen.util - ";
    size_t i = sizeof head - 1;
    if (len <= i || memcmp(p, head, i))
        return false;
    size_t d = i;
    while (i < len && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == d || i >= len || (p[i] != ' ' && p[i] != '\t'))
        return false;
    *ps = p + d;
    *pn = i - d;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i >= len || p[i] != ':')
        return false;
    for (int t = 0; t < 4; t++) {
        size_t n = strlen(types[t]);
        if (len - i - 1 >= n && !memcmp(p + i + 1, types[t], n) &&
            (i + 1 + n == len || is_space(p[i + 1 + n]))) {
            *ts = p + i + 1;
            *end = i + 1 + n;
            return true;
        }
    }
    return false;
}

/* The high bit of each byte of x that is zero, exactly (Hacker's Delight
 * 6-1: the variant with no carry from one byte into the next). */
static inline uint64_t zero_bytes(uint64_t x)
{
    const uint64_t lows = 0x7f7f7f7f7f7f7f7fu;
    return ~(((x & lows) + lows) | x | lows);
}

/* The first control byte of line p[0..len) that a log may not hold (all
 * but tab and CR), or len: a word at a time. */
static size_t bad_control(const char *p, size_t len)
{
    const uint64_t ones = 0x0101010101010101u;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t bad = zero_bytes(w & (ones * 0xe0)) & ~zero_bytes(w ^ (ones * '\t')) &
                       ~zero_bytes(w ^ (ones * '\r'));
        if (bad)
            break;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 && c != '\t' && c != '\r')
            return i;
    }
    return len;
}

/* The text after the type: f, then the EDN value, then maybe an error. */
static hist_rc op_rest(reader *r, const char *line_p, size_t len, size_t at, uint32_t line,
                       val process, val type)
{
    while (at < len && is_space(line_p[at]))
        at++;
    size_t fs = at;
    if (at < len && line_p[at] == ':')
        at++, fs++;
    while (at < len && !is_space(line_p[at]))
        at++;
    if (at == fs) {
        hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)at + 1,
                       "expected the op's f (e.g. :read) after its type");
        return r->err->rc;
    }
    field f[5];
    size_t n = 0;
    f[n++] = (field){"process", 7, process, line, 1};
    f[n++] = (field){"type", 4, type, line, 1};
    f[n++] = (field){"f", 1, val_str(r->vt, line_p + fs, at - fs), line, (uint32_t)fs + 1};
    while (at < len && is_space(line_p[at]))
        at++;
    val v = val_nil();
    if (at < len) {
        size_t used;
        hist_rc rc = rd_edn_value(r, line_p + at, len - at, line, (uint32_t)at + 1, &v, &used);
        if (rc)
            return rc;
        f[n++] = (field){"value", 5, v, line, (uint32_t)at + 1};
        at += used;
        while (at < len && is_space(line_p[at]))
            at++;
        if (at < len) /* Jepsen logs an op's error after its value */
            f[n++] = (field){"error", 5, val_str(r->vt, line_p + at, len - at), line,
                             (uint32_t)at + 1};
    }
    return rd_event(r, f, n, line, 1);
}

struct rd_log_state {
    reader *r;
    pcre2_match_data *md;
    uint32_t line, other, first_other;
    val types[4]; /* "invoke", "ok", "fail", "info", interned once */
};

rd_log_state *rd_log_begin(reader *r)
{
    pthread_once(&once, init);
    rd_log_state *s = xcalloc(1, sizeof *s);
    s->r = r;
    for (int t = 0; t < 4; t++)
        s->types[t] = val_cstr(r->vt, types[t]);
    if (op_re)
        s->md = pcre2_match_data_create_from_pattern(op_re, NULL);
    return s;
}

hist_rc rd_log_more(rd_log_state *s, const char *p, size_t n)
{
    reader *r = s->r;
    if (!s->md) {
        hist_error_set(r->err, HIST_ESYNTAX, r->name, 0, 0, "internal error: log pattern");
        return r->err->rc;
    }
    const char *end = p + n;
    while (p < end) {
        uint32_t line = ++s->line;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t bad = bad_control(p, len);
        if (bad < len) {
            hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)bad + 1,
                           "unexpected control byte 0x%02x: this is binary data, not a log",
                           (unsigned char)p[bad]);
            return r->err->rc;
        }
        const char *ps, *ts;
        size_t pn, end_at;
        bool op = plain_op_line(p, len, &ps, &pn, &ts, &end_at);
        if (!op && pcre2_match(op_re, (PCRE2_SPTR)p, len, 0, 0, s->md, NULL) >= 3) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
            ps = p + ov[2];
            pn = ov[3] - ov[2];
            ts = p + ov[4];
            end_at = ov[1];
            op = true;
        }
        if (op) {
            val process;
            if (ps[0] == ':')
                ps++, pn--;
            if (ps[0] >= '0' && ps[0] <= '9') {
                if (pn > 18) { /* two long numbers must not become one process */
                    hist_error_set(r->err, HIST_EINVALID, r->name, line,
                                   (uint32_t)(ps - p) + 1,
                                   "process number %.*s does not fit in 64 bits", (int)pn, ps);
                    return r->err->rc;
                }
                int64_t x = 0;
                for (size_t i = 0; i < pn; i++)
                    x = x * 10 + (ps[i] - '0');
                process = val_int(x);
            } else {
                process = val_str(r->vt, ps, pn);
            }
            hist_type type = ts[0] == 'i' ? (ts[2] == 'v' ? EV_INVOKE : EV_INFO)
                             : ts[0] == 'o' ? EV_OK : EV_FAIL;
            hist_rc rc = op_rest(r, p, len, end_at, line, process, s->types[type]);
            if (rc)
                return rc;
        } else if (len > 0 && !(len == 1 && p[0] == '\r')) {
            if (!s->other)
                s->first_other = line;
            s->other++;
        }
        p += len + 1;
    }
    return HIST_OK;
}

hist_rc rd_log_end(rd_log_state *s, hist_rc rc)
{
    reader *r = s->r;
    if (!rc && s->other && hist_nevents(r->h))
        hist_warn(r->h, "%s: ignored %u log line%s that are not operations (the first at line %u)",
                  r->shown, s->other, s->other == 1 ? "" : "s", s->first_other);
    if (!rc && !hist_nevents(r->h)) {
        hist_error_set(r->err, HIST_EINVALID, r->name, s->first_other ? s->first_other : 1, 1,
                       "no Jepsen operation lines found (expected lines like "
                       "'INFO  jepsen.util - 3\t:invoke\t:read\tnil')");
        rc = r->err->rc;
    }
    rd_log_free(s);
    return rc;
}

void rd_log_free(rd_log_state *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    free(s);
}

hist_rc rd_log(reader *r)
{
    rd_log_state *s = rd_log_begin(r);
    return rd_log_end(s, rd_log_more(s, r->data, r->len));
}
