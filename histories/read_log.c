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
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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

/* The text after the type: f, then the EDN value, then maybe an error. */
static hist_rc op_rest(reader *r, const char *line_p, size_t len, size_t at, uint32_t line,
                       val process, hist_type type)
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
    static const char *types[] = {"invoke", "ok", "fail", "info"};
    f[n++] = (field){"process", 7, process, line, 1};
    f[n++] = (field){"type", 4, val_cstr(r->vt, types[type]), line, 1};
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

hist_rc rd_log(reader *r)
{
    pthread_once(&once, init);
    if (!op_re) {
        hist_error_set(r->err, HIST_ESYNTAX, r->name, 0, 0, "internal error: log pattern");
        return r->err->rc;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(op_re, NULL);
    const char *p = r->data, *end = r->data + r->len;
    uint32_t line = 0, other = 0, first_other = 0;
    hist_rc rc = HIST_OK;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 && c != '\t' && c != '\r') {
                hist_error_set(r->err, HIST_ESYNTAX, r->name, line, (uint32_t)i + 1,
                               "unexpected control byte 0x%02x: this is binary data, not a log",
                               c);
                rc = r->err->rc;
                goto out;
            }
        }
        int m = pcre2_match(op_re, (PCRE2_SPTR)p, len, 0, 0, md, NULL);
        if (m >= 3) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            const char *ps = p + ov[2];
            size_t pn = ov[3] - ov[2];
            val process;
            if (ps[0] == ':')
                ps++, pn--;
            if (ps[0] >= '0' && ps[0] <= '9') {
                if (pn > 18) { /* two long numbers must not become one process */
                    hist_error_set(r->err, HIST_EINVALID, r->name, line,
                                   (uint32_t)(ps - p) + 1,
                                   "process number %.*s does not fit in 64 bits", (int)pn, ps);
                    rc = r->err->rc;
                    goto out;
                }
                int64_t x = 0;
                for (size_t i = 0; i < pn; i++)
                    x = x * 10 + (ps[i] - '0');
                process = val_int(x);
            } else {
                process = val_str(r->vt, ps, pn);
            }
            const char *ts = p + ov[4];
            hist_type type = ts[0] == 'i' ? (ts[2] == 'v' ? EV_INVOKE : EV_INFO)
                             : ts[0] == 'o' ? EV_OK : EV_FAIL;
            if ((rc = op_rest(r, p, len, ov[1], line, process, type)))
                goto out;
        } else if (len > 0 && !(len == 1 && p[0] == '\r')) {
            if (!other)
                first_other = line;
            other++;
        }
        p += len + 1;
    }
    if (other && hist_nevents(r->h))
        hist_warn(r->h, "%s: ignored %u log line%s that are not operations (the first at line %u)",
                  r->shown, other, other == 1 ? "" : "s", first_other);
    if (!hist_nevents(r->h)) {
        hist_error_set(r->err, HIST_EINVALID, r->name, first_other ? first_other : 1, 1,
                       "no Jepsen operation lines found (expected lines like "
                       "'INFO  jepsen.util - 3\t:invoke\t:read\tnil')");
        rc = r->err->rc;
    }
out:
    pcre2_match_data_free(md);
    return rc;
}
