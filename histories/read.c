/*
 * read.c - telling an input's format, and the op-map -> event rules every
 * reader shares (see read.h). Getting the bytes, and the checks they pass
 * before any parser runs, are load.c's.
 */
#include "read.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/mem.h"
#include "read_int.h"
#include "shard.h"

bool rd_log_sniff(const char *p, size_t n);

int hist_format_parse(const char *s)
{
    if (!strcmp(s, "auto"))
        return HIST_FMT_AUTO;
    if (!strcmp(s, "jsonl") || !strcmp(s, "json"))
        return HIST_FMT_JSONL;
    if (!strcmp(s, "edn"))
        return HIST_FMT_EDN;
    if (!strcmp(s, "jepsen-log") || !strcmp(s, "log"))
        return HIST_FMT_LOG;
    return -1;
}

const char *hist_format_name(hist_format f)
{
    switch (f) {
    case HIST_FMT_JSONL: return "jsonl";
    case HIST_FMT_EDN: return "edn";
    case HIST_FMT_LOG: return "jepsen-log";
    default: return "auto";
    }
}

/* 1-based line and column of byte off. Only used on the error path. */
static void position(const char *p, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (p[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (uint32_t)(off - start + 1);
}

static size_t skip_space(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == ','))
        i++;
    return i;
}

static hist_format detect(const char *p, size_t n, size_t *first)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        i = 3;
    for (;;) {
        i = skip_space(p, n, i);
        *first = i;
        if (i >= n)
            return HIST_FMT_AUTO;
        if (p[i] != ';')
            break;
        return HIST_FMT_EDN; /* an EDN comment */
    }
    char c = p[i];
    if (c == '{') {
        size_t j = skip_space(p, n, i + 1);
        return j < n && p[j] == ':' ? HIST_FMT_EDN : HIST_FMT_JSONL;
    }
    if (c == '(' || c == '#')
        return HIST_FMT_EDN;
    if (c == '[') {
        size_t j = skip_space(p, n, i + 1);
        if (j < n && p[j] == '#')
            return HIST_FMT_EDN;
        if (j < n && p[j] == '{') {
            size_t k = skip_space(p, n, j + 1);
            return k < n && p[k] == ':' ? HIST_FMT_EDN : HIST_FMT_JSONL;
        }
        return HIST_FMT_JSONL;
    }
    if (rd_log_sniff(p + i, n - i))
        return HIST_FMT_LOG;
    return HIST_FMT_AUTO;
}

static hist_rc unknown_format(const char *name, const char *data, size_t first,
                              hist_error *err)
{
    uint32_t l, c;
    position(data, first, &l, &c);
    unsigned char b = (unsigned char)data[first];
    char shown[16];
    if (b >= 0x20 && b < 0x7f)
        snprintf(shown, sizeof shown, "'%c'", b);
    else
        snprintf(shown, sizeof shown, "byte 0x%02x", b);
    hist_error_set(err, HIST_ESYNTAX, name, l, c,
                   "cannot tell the format from %s: expected JSON Lines ('{\"'), a "
                   "JSON array ('[{\"'), EDN ('{:', '[{:', ';') or Jepsen log lines "
                   "('INFO  jepsen.util - ...'); name one with --from",
                   shown);
    return err->rc;
}

hist_rc rd_sniff(rd_sniffer *s, const char *name, const char *p, size_t n, size_t line_start,
                 hist_format forced, hist_error *err)
{
    if (s->decided || forced != HIST_FMT_AUTO) {
        s->decided = true;
        return HIST_OK;
    }
    /* What detect skips, skipped alike: a byte order mark, then blanks
     * (a BOM and a line break once sent detect past the bytes read). */
    if (s->blank == 0 && n < 3 && !memcmp(p, "\xef\xbb\xbf", n))
        return HIST_OK; /* maybe a byte order mark, not all here */
    if (s->blank == 0 && !memcmp(p, "\xef\xbb\xbf", 3))
        s->blank = 3;
    s->blank = skip_space(p, n, s->blank);
    if (s->blank >= n || line_start <= s->blank)
        return HIST_OK; /* nothing but blanks so far, or the first line is not all here */
    s->decided = true;
    size_t first;
    return detect(p, n, &first) == HIST_FMT_AUTO ? unknown_format(name, p, first, err) : HIST_OK;
}

static reader reader_new(const char *name, const char *data, size_t len, size_t max_line,
                         const hist_read_opts *opts, sbuf *shown, hist_error *err)
{
    sbuf_add_printable(shown, name, strlen(name));
    reader r = {name, sbuf_str(shown), data, len, max_line, hist_new(name), NULL, err,
                opts->events};
    r.vt = hist_vtab(r.h);
    if (!opts->keep_events)
        hist_compact(r.h);
    if (opts->shard_count)
        hist_set_shard(r.h, opts->shard_index, opts->shard_count);
    return r;
}

/* After its format's reader: a history, or the error that none is. */
static hist_rc reader_end(reader *r, hist_rc rc, hist_format fmt, const hist_read_opts *opts,
                          uint64_t fingerprint, history **out, hist_format *fmt_used)
{
    if (!rc)
        hist_set_fingerprint(r->h, fingerprint);
    if (!rc && hist_nevents(r->h) == 0) {
        hist_error_set(r->err, HIST_EINVALID, r->name, 0, 0, "no events found in the %s input",
                       hist_format_name(fmt));
        rc = r->err->rc;
    }
    if (!rc)
        rc = hist_finish(r->h, opts->independent, r->err);
    if (rc) {
        hist_free(r->h);
        r->h = NULL;
        return rc;
    }
    if (fmt_used)
        *fmt_used = fmt;
    *out = r->h;
    r->h = NULL;
    return HIST_OK;
}

/* The input, already checked (rd_scan_more), into a history. */
static hist_rc parse(const char *name, const char *data, size_t len, const hist_read_opts *opts,
                     size_t max_line, uint64_t fingerprint, history **out,
                     hist_format *fmt_used, hist_error *err)
{
    size_t first = 0;
    hist_format fmt = opts->format;
    hist_format seen = detect(data, len, &first);
    if (first >= len) {
        hist_error_set(err, HIST_EINVALID, name, 0, 0, "empty input: no events to check");
        return err->rc;
    }
    if (fmt == HIST_FMT_AUTO)
        fmt = seen;
    if (fmt == HIST_FMT_AUTO)
        return unknown_format(name, data, first, err);
    sbuf shown = {0};
    reader r = reader_new(name, data, len, max_line, opts, &shown, err);
    hist_rc rc;
    switch (fmt) {
    case HIST_FMT_JSONL: rc = rd_jsonl(&r); break;
    case HIST_FMT_EDN: rc = rd_edn(&r); break;
    default: rc = rd_log(&r); break;
    }
    rc = reader_end(&r, rc, fmt, opts, fingerprint, out, fmt_used);
    sbuf_free(&shown);
    return rc;
}

/* A file or pipe as it is read (rd_sink): JSON Lines and Jepsen log lines
 * are parsed a piece at a time as the bytes come, so only the ops and
 * values are held, never the input; EDN and a JSON array are held whole
 * and parsed at the end. */
typedef struct input {
    const char *name;
    const hist_read_opts *opts;
    size_t max_line;
    hist_error *err;
    history **out;
    hist_format *fmt_used;
    uint64_t fingerprint;   /* set by rd_load before its last feed */
    bool decided;           /* whether the input is streamed is known */
    hist_format streamed;   /* JSONL or LOG if it is, else AUTO */
    rd_lines *lines;        /* JSON Lines: the parser's state */
    rd_log_state *log;      /* log lines: the reader's state */
    sbuf shown;
    reader r;
} input;

/* The format the input is streamed in (JSONL: one object a line; LOG),
 * or AUTO for one held whole; *known is false while the bytes so far
 * cannot tell (the first line that is not blank is not all here). */
static hist_format stream_format(const input *in, const char *p, size_t n, size_t ready,
                                 bool eof, bool *known)
{
    hist_format forced = in->opts->format;
    *known = true;
    if (forced == HIST_FMT_LOG)
        return HIST_FMT_LOG;
    size_t q = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (q < n && (p[q] == ' ' || p[q] == '\t' || p[q] == '\r' || p[q] == '\n'))
        q++;
    if (q >= n) {
        *known = eof;
        return HIST_FMT_AUTO; /* blank: parse says so */
    }
    if (p[q] == '{') {
        if (forced == HIST_FMT_JSONL)
            return HIST_FMT_JSONL;
        if (forced != HIST_FMT_AUTO)
            return HIST_FMT_AUTO;
        size_t j = skip_space(p, n, q + 1); /* as detect: '{:' is EDN */
        if (j >= n && !eof)
            *known = false;
        return j >= n || p[j] != ':' ? HIST_FMT_JSONL : HIST_FMT_AUTO;
    }
    if (forced != HIST_FMT_AUTO)
        return HIST_FMT_AUTO;
    if (!eof && ready <= q) {
        *known = false;
        return HIST_FMT_AUTO;
    }
    size_t first;
    return detect(p, n, &first) == HIST_FMT_LOG ? HIST_FMT_LOG : HIST_FMT_AUTO;
}

static hist_rc input_feed(void *ctx, const char *p, size_t n, size_t ready, bool eof, size_t *used)
{
    input *in = ctx;
    *used = 0;
    if (!in->decided) {
        bool known;
        in->streamed = stream_format(in, p, n, ready, eof, &known);
        if (!known)
            return HIST_OK;
        in->decided = true;
        if (in->streamed != HIST_FMT_AUTO) {
            in->r = reader_new(in->name, NULL, 0, in->max_line, in->opts, &in->shown, in->err);
            if (in->streamed == HIST_FMT_JSONL)
                in->lines = rd_jsonl_begin(&in->r);
            else
                in->log = rd_log_begin(&in->r);
        }
    }
    if (in->streamed == HIST_FMT_AUTO)
        return eof ? parse(in->name, p, n, in->opts, in->max_line, in->fingerprint, in->out,
                           in->fmt_used, in->err)
                   : HIST_OK;
    *used = eof ? n : ready;
    hist_rc rc = in->lines ? rd_jsonl_more(in->lines, p, *used) : rd_log_more(in->log, p, *used);
    if (eof || rc) {
        if (in->lines) {
            rd_jsonl_end(in->lines);
            in->lines = NULL;
        } else {
            rc = rd_log_end(in->log, rc);
            in->log = NULL;
        }
        rc = reader_end(&in->r, rc, in->streamed, in->opts, in->fingerprint, in->out,
                        in->fmt_used);
    }
    return rc;
}

hist_rc hist_read_mem(const char *name, const char *data, size_t len,
                      const hist_read_opts *opts, history **out, hist_format *fmt_used,
                      hist_error *err)
{
    hist_read_opts def = {0};
    if (!opts)
        opts = &def;
    *out = NULL;
    size_t max_line = opts->max_line ? opts->max_line : HIST_DEFAULT_MAX_LINE;
    rd_scan sc = {0, 0, 1};
    hist_rc rc = rd_scan_more(&sc, name, data, len, true, max_line, err);
    if (rc)
        return rc;
    shard_fp fp = {0};
    shard_fp_add(&fp, data, len);
    return parse(name, data, len, opts, max_line, shard_fp_end(&fp), out, fmt_used, err);
}

hist_rc hist_read_file(const char *path, const hist_read_opts *opts, history **out,
                       hist_format *fmt_used, hist_error *err)
{
    hist_read_opts def = {0};
    if (!opts)
        opts = &def;
    *out = NULL;
    bool is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hist_error_set(err, HIST_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        return err->rc;
    }
    struct stat st;
    input in = {path, opts, opts->max_line ? opts->max_line : HIST_DEFAULT_MAX_LINE, err, out,
                fmt_used, 0, false, HIST_FMT_AUTO, NULL, NULL, {0}, {0}};
    rd_sink sink = {input_feed, &in};
    hist_rc rc;
    if (fstat(fd, &st) < 0) {
        hist_error_set(err, HIST_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
        rc = err->rc;
    } else if (S_ISDIR(st.st_mode)) {
        hist_error_set(err, HIST_EIO, path, 0, 0, "is a directory, not a history file");
        rc = err->rc;
    } else {
        rc = rd_load(path, fd, &st, opts, &sink, &in.fingerprint, err);
    }
    if (!is_stdin)
        close(fd);
    /* Reading may have stopped before the sink's end (an error in a chunk). */
    rd_jsonl_end(in.lines);
    rd_log_free(in.log);
    hist_free(in.r.h);
    sbuf_free(&in.shown);
    if (rc) {
        hist_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- op map -> event ---- */

static hist_rc field_error(reader *r, const field *f, uint32_t line, uint32_t col,
                           const char *fmt, const char *what, val got)
{
    sbuf g = {0};
    val_describe(r->vt, got, &g);
    hist_error_set(r->err, HIST_EINVALID, r->name, f && f->col ? f->line : line,
                   f && f->col ? f->col : col, fmt, what, sbuf_str(&g));
    sbuf_free(&g);
    return r->err->rc;
}

/* A number field: an integer, or (for versions from stores that send int64
 * as strings, like etcd's gateway) a string of digits. */
static bool as_int(const vtab *vt, val v, bool allow_str, int64_t *out)
{
    if (v.kind == VAL_INT) {
        *out = v.n;
        return true;
    }
    if (!allow_str || v.kind != VAL_STR)
        return false;
    size_t n;
    const char *s = val_str_bytes(vt, v, &n);
    if (n == 0 || n > 18)
        return false;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *out = x;
    return true;
}

/* The fields an op is read from. Each may be given once in an op (inside a
 * value, a repeated name is no error: the last one wins). Other fields
 * (Jepsen writes :debug, :latency, ...) are not ours. */
enum { F_TYPE, F_F, F_PROCESS, F_VALUE, F_KEY, F_TIME, F_INDEX, F_VERSION, F_NODE, F_ERROR,
       F_COUNT };
static const char *const field_names[F_COUNT] = {"type", "f", "process", "value", "key",
                                                 "time", "index", "version", "node", "error"};

static inline bool name_is(const field *f, const char *s)
{
    size_t n = strlen(s); /* inlined with a literal: no call */
    return f->nlen == n && memcmp(f->name, s, n) == 0;
}

/* A chain of compares with literals (each one folded to a few integer
 * compares), in the order conch writes fields: cheaper than a table or a
 * switch, whose indirect jump mispredicts field after field. */
static int field_of(const field *f)
{
    if (!f->name)
        return -1;
    return name_is(f, "index") ? F_INDEX : name_is(f, "time") ? F_TIME
         : name_is(f, "process") ? F_PROCESS : name_is(f, "type") ? F_TYPE
         : name_is(f, "f") ? F_F : name_is(f, "key") ? F_KEY
         : name_is(f, "value") ? F_VALUE : name_is(f, "version") ? F_VERSION
         : name_is(f, "node") ? F_NODE : name_is(f, "error") ? F_ERROR : -1;
}

/* The hist_type a "type" names, or -1. */
static int type_of(const vtab *vt, val v)
{
    if (v.kind != VAL_STR)
        return -1;
    size_t n;
    const char *s = val_str_bytes(vt, v, &n);
    switch (n) {
    case 6: return memcmp(s, "invoke", 6) ? -1 : EV_INVOKE;
    case 2: return memcmp(s, "ok", 2) ? -1 : EV_OK;
    case 4: return !memcmp(s, "fail", 4) ? EV_FAIL : !memcmp(s, "info", 4) ? EV_INFO : -1;
    default: return -1;
    }
}

/* A value shaped like a transaction: a non-empty list of micro-ops, each a
 * list [f key] or [f key value] whose f is a name. Elle's and elle-cli's
 * histories leave "f" out of such ops (elle-cli reads them as txns too). */
static bool txn_shaped(const vtab *vt, val v)
{
    size_t n;
    const val *it = v.kind == VAL_LIST ? val_items(vt, v, &n) : NULL;
    if (!it || n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        const val *m = it[i].kind == VAL_LIST ? val_items(vt, it[i], &k) : NULL;
        if (!m || k < 2 || k > 3 || m[0].kind != VAL_STR)
            return false;
    }
    return true;
}

/* The member name of map m (its items), or nil. */
static val member(const vtab *vt, const val *m, size_t n, const char *name)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        if (val_is_str(vt, m[i], name))
            return m[i + 1];
    return val_nil();
}

/* The note a file conch split wrote ends with (shard.h); one that does not
 * read as one is left an annotation like any other. */
static void note_shard(reader *r, val v)
{
    size_t n;
    const val *m = v.kind == VAL_MAP ? val_items(r->vt, v, &n) : NULL;
    if (!m)
        return;
    val index = member(r->vt, m, n, "shard"), count = member(r->vt, m, n, "of");
    val whole = member(r->vt, m, n, "history"), events = member(r->vt, m, n, "events");
    val file = member(r->vt, m, n, "file"), fs = member(r->vt, m, n, "fs");
    val reads = member(r->vt, m, n, "reads");
    size_t nfs;
    const val *f = fs.kind == VAL_LIST ? val_items(r->vt, fs, &nfs) : NULL;
    uint64_t fp;
    if (index.kind != VAL_INT || count.kind != VAL_INT || events.kind != VAL_INT ||
        whole.kind != VAL_STR || file.kind != VAL_STR || count.n < 1 || count.n > UINT32_MAX ||
        index.n < 0 || index.n >= count.n || events.n < 0 || !f ||
        !shard_fp_parse(val_str_bytes(r->vt, whole, NULL), &fp))
        return;
    for (size_t i = 0; i < nfs; i++)
        if (f[i].kind != VAL_STR)
            return;
    hist_shard_note note = {(uint32_t)index.n, (uint32_t)count.n, fp, (size_t)events.n,
                            val_str_bytes(r->vt, file, NULL), f, nfs,
                            val_is_str(r->vt, reads, "list") ? 1
                            : val_is_str(r->vt, reads, "other") ? 2 : 0};
    hist_note_shard(r->h, &note);
}

hist_rc rd_event(reader *r, const field *fs, size_t n, uint32_t line, uint32_t col)
{
    hist_event e = {
        .process = val_nil(), .f = val_nil(), .key = val_nil(), .value = val_nil(),
        .node = val_nil(), .error = val_nil(), .time = HIST_NONE, .index = HIST_NONE,
        .version = HIST_NONE, .line = line, .col = col,
    };
    const field *seen[F_COUNT] = {0};
    const vtab *vt = r->vt;
    for (size_t i = 0; i < n; i++) {
        const field *f = &fs[i];
        val v = f->value;
        int k = field_of(f);
        if (k < 0)
            continue;
        if (seen[k]) {
            hist_error_set(r->err, HIST_EINVALID, r->name, f->col ? f->line : line,
                           f->col ? f->col : col,
                           "\"%s\" is given twice in one op (first at line %u, column %u)",
                           field_names[k], seen[k]->line, seen[k]->col);
            return r->err->rc;
        }
        seen[k] = f;
        switch (k) {
        case F_TYPE: {
            int t = type_of(vt, v);
            if (t < 0)
                return field_error(r, f, line, col, "expected %s to be invoke, ok, fail or info; got %s",
                                   "\"type\"", v);
            e.type = (hist_type)t;
            break;
        }
        case F_F:
            if (v.kind != VAL_STR)
                return field_error(r, f, line, col, "expected %s to be a name (a string or keyword); got %s",
                                   "\"f\"", v);
            e.f = v;
            break;
        case F_PROCESS:
            if (v.kind != VAL_INT && v.kind != VAL_STR && !val_is_nil(v))
                return field_error(r, f, line, col, "expected %s to be an integer or a name; got %s",
                                   "\"process\"", v);
            e.process = v;
            break;
        case F_VALUE:
            e.value = v;
            break;
        case F_KEY:
            e.key = v;
            e.has_key = !val_is_nil(v);
            break;
        case F_TIME: case F_INDEX: case F_VERSION: {
            int64_t x;
            if (val_is_nil(v))
                break;
            if (!as_int(vt, v, k == F_VERSION, &x)) {
                char what[32];
                snprintf(what, sizeof what, "\"%s\"", field_names[k]);
                return field_error(r, f, line, col, "expected %s to be an integer; got %s", what, v);
            }
            if (k == F_VERSION)
                e.version = x;
            else if (k == F_TIME)
                e.time = x;
            else
                e.index = x;
            break;
        }
        case F_NODE:
            e.node = v;
            break;
        default:
            e.error = v;
            break;
        }
    }
    if (!seen[F_TYPE]) {
        hist_error_set(r->err, HIST_EINVALID, r->name, line, col,
                       "missing \"type\" (expected invoke, ok, fail or info)");
        return r->err->rc;
    }
    /* No "process" (or null) leaves it nil: an op of no session (history.h). */
    if (!seen[F_F]) {
        if (val_is_str(vt, e.process, "nemesis")) {
            e.f = val_cstr(r->vt, "nemesis");
        } else if (txn_shaped(vt, e.value)) {
            e.f = val_cstr(r->vt, "txn");
        } else {
            hist_error_set(r->err, HIST_EINVALID, r->name, line, col,
                           "missing \"f\" (the operation's name, e.g. read or write; only "
                           "a value of micro-ops [[f key value] ...] is read as a txn without it)");
            return r->err->rc;
        }
    }
    if (e.process.kind == VAL_STR && val_is_str(vt, e.process, "nemesis") &&
        val_is_str(vt, e.f, SHARD_NOTE_F))
        note_shard(r, e.value);
    hist_push(r->h, &e);
    if (r->events && (hist_nevents(r->h) & 1023) == 0)
        atomic_fetch_add_explicit(r->events, 1024, memory_order_relaxed);
    return HIST_OK;
}
