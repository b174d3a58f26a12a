/*
 * shard.c - keys to shards, fingerprints of inputs, and splitting a
 * history into shard files (shard.h).
 */
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/hash.h"
#include "read_int.h"

/* Bytes as little-endian words on any machine, so that a fingerprint does
 * not depend on the one that computed it. */
static uint64_t le_word(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static inline void fp_block(shard_fp *f, const char *p)
{
    for (int i = 0; i < 4; i++)
        f->h[i] = mix(f->h[i], le_word(p + 8 * i));
}

void shard_fp_add(shard_fp *f, const char *p, size_t n)
{
    f->len += n;
    if (f->nblock) { /* finish the block a piece began */
        size_t k = 32 - f->nblock < n ? 32 - f->nblock : n;
        memcpy(f->block + f->nblock, p, k);
        f->nblock += (unsigned)k;
        p += k;
        n -= k;
        if (f->nblock < 32)
            return;
        fp_block(f, (const char *)f->block);
        f->nblock = 0;
    }
    for (; n >= 32; p += 32, n -= 32)
        fp_block(f, p);
    memcpy(f->block, p, n);
    f->nblock = (unsigned)n;
}

uint64_t shard_fp_end(const shard_fp *f)
{
    uint64_t h = 0;
    for (int i = 0; i < 4; i++)
        h = mix(h, f->h[i]);
    char tail[32] = {0}; /* the last bytes, as words padded with zeros (len tells) */
    memcpy(tail, f->block, f->nblock);
    for (unsigned i = 0; i < f->nblock; i += 8)
        h = mix(h, le_word(tail + i));
    return hash_mix64(h ^ f->len);
}

void shard_fp_hex(uint64_t fp, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)fp);
}

bool shard_fp_parse(const char *s, uint64_t *fp)
{
    uint64_t x = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0 || i >= 16)
            return false;
        x = x << 4 | (uint64_t)d;
    }
    if (i != 16)
        return false;
    *fp = x;
    return true;
}

uint32_t shard_of(const vtab *vt, val key, bool has_key, uint32_t n)
{
    sbuf b = {0};
    if (has_key)
        val_to_json(vt, key, &b);
    else
        sbuf_adds(&b, "null");
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < b.len; i++)
        h = (h ^ (unsigned char)b.p[i]) * 0x100000001b3ULL;
    sbuf_free(&b);
    return (uint32_t)(h % n);
}

/* ---- conch split ---- */

/* How the ops of a history name their keys: the first client op says, and
 * every other must say it the same way (conch check decides it for the
 * whole history, reading Jepsen's independent form only when every op is
 * in it). */
typedef enum { BY_NONE, BY_KEY, BY_PAIR } keyed_by;

/* Values are interned while a line is read; a table that serves this many
 * lines is dropped for a new one, so memory stays bounded. */
#define LINES_PER_TABLE 65536

typedef struct splitter {
    const char *path;
    FILE **outs;
    uint32_t n;
    shard_stats *st;
    hist_error *err;
    reader r;
    rd_fields fields;
    size_t lines_in_table;
    uint32_t line;      /* of the input */
    keyed_by by;
    uint32_t by_line;   /* where the way was set */
    valmap *open;       /* process (its JSON text's hash) -> shard + 1 of its open op */
    valmap *invoked;    /* and the line it was invoked at */
    /* What the model's inference needs (the note: shard.h): */
    sbuf fs;            /* the f names, as JSON strings, comma-separated */
    size_t nfs;
    uint32_t first_read; /* the invocation line of the first ok read (by it), or 0 */
    bool read_list;      /* whether it returned a list */
} splitter;

#define MAX_FS 256

/* Note f among the history's f names (for the model's inference). */
static void note_f(splitter *s, val f)
{
    if (f.kind != VAL_STR || s->nfs >= MAX_FS)
        return;
    size_t n;
    const char *b = val_str_bytes(s->r.vt, f, &n);
    sbuf q = {0};
    sbuf_add_json_str(&q, b, n);
    const char *all = sbuf_str(&s->fs);
    for (const char *at = all; (at = strstr(at, sbuf_str(&q))); at++)
        if ((at == all || at[-1] == ',') && (at[q.len] == ',' || at[q.len] == '\0')) {
            sbuf_free(&q);
            return;
        }
    sbuf_adds(&s->fs, s->nfs++ ? "," : "");
    sbuf_addn(&s->fs, q.p, q.len);
    sbuf_free(&q);
}

static uint64_t text_hash(const vtab *vt, val v)
{
    sbuf b = {0};
    val_to_json(vt, v, &b);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < b.len; i++)
        h = (h ^ (unsigned char)b.p[i]) * 0x100000001b3ULL;
    sbuf_free(&b);
    return h;
}

static val field_val(const rd_fields *f, const char *name, bool *found)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].name && f->v[i].nlen == n && !memcmp(f->v[i].name, name, n)) {
            *found = true;
            return f->v[i].value;
        }
    *found = false;
    return val_nil();
}

static hist_rc split_fail(splitter *s, const char *fmt, const char *what)
{
    hist_error_set(s->err, HIST_EINVALID, s->path, s->line, 1, fmt, what, s->by_line);
    return s->err->rc;
}

/* Write line p[0..n) (with its newline) to shard k, or to every shard. */
static hist_rc put(splitter *s, const char *p, size_t n, int64_t k)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (k >= 0 && (uint32_t)k != i)
            continue;
        if (fwrite(p, 1, n, s->outs[i]) != n || putc('\n', s->outs[i]) == EOF) {
            hist_error_set(s->err, HIST_EIO, s->path, 0, 0, "cannot write shard %u: %s", i,
                           strerror(errno));
            return s->err->rc;
        }
        s->st->lines[i]++;
    }
    return HIST_OK;
}

/* The shard of an op named by key (way BY_KEY) or by pair (BY_PAIR); an
 * error if the history named another way before. */
static hist_rc keyed(splitter *s, keyed_by by, val key, uint32_t *shard)
{
    if (s->by == BY_NONE) {
        s->by = by;
        s->by_line = s->line;
    } else if (s->by != by) {
        return split_fail(s, by == BY_KEY
                                 ? "an op with a %s, where the ops before (line %u) named "
                                   "theirs as Jepsen's [key value] pairs: conch check would "
                                   "read them all as one object, which cannot be split"
                                 : "an op without a %s, where the ops before (line %u) had "
                                   "one: conch check would read these as one object, which "
                                   "cannot be split",
                          "\"key\"");
    }
    *shard = shard_of(s->r.vt, key, true, s->n);
    return HIST_OK;
}

static hist_rc split_line(splitter *s, const char *p, size_t n, bool last)
{
    s->line++;
    size_t i = 0;
    if (s->line == 1 && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i == n)
        return HIST_OK; /* blank */
    if (++s->lines_in_table > LINES_PER_TABLE) {
        vtab_free(s->r.vt);
        s->r.vt = vtab_new();
        s->lines_in_table = 1;
    }
    hist_rc rc = rd_jsonl_fields(&s->r, p + i, n - i, s->line, &s->fields);
    if (rc == HIST_ESYNTAX && last) { /* torn by a crash while written, as the readers say */
        s->st->torn = true;
        return HIST_OK;
    }
    if (rc)
        return rc;
    s->st->events++;
    const vtab *vt = s->r.vt;
    bool has;
    val process = field_val(&s->fields, "process", &has);
    val type = field_val(&s->fields, "type", &has);
    val f = field_val(&s->fields, "f", &has);
    if (val_is_str(vt, process, "nemesis"))
        return val_is_str(vt, f, SHARD_NOTE_F) ? HIST_OK /* a split's note: ours comes last */
                                               : put(s, p, n, -1);
    val key = field_val(&s->fields, "key", &has);
    has = has && !val_is_nil(key);
    val value = field_val(&s->fields, "value", &(bool){0});
    bool invoke = val_is_str(vt, type, "invoke");
    val who = val_int((int64_t)text_hash(vt, process));
    uint32_t open = 0, shard;
    valmap_get(s->open, who, &open);
    size_t k;
    const val *pair = value.kind == VAL_LIST ? val_items(vt, value, &k) : NULL;
    if (has) {
        if ((rc = keyed(s, BY_KEY, key, &shard)))
            return rc;
    } else if (open && !invoke) {
        shard = open - 1; /* a completion goes where its invocation went */
    } else if (pair && k == 2 && (pair[0].kind == VAL_INT || pair[0].kind == VAL_STR)) {
        if ((rc = keyed(s, BY_PAIR, pair[0], &shard)))
            return rc;
    } else if (s->by == BY_KEY) {
        return split_fail(s, "an op without a %s, where the ops before (line %u) had one: "
                             "conch check would read these as one object, which cannot be "
                             "split", "\"key\"");
    } else {
        hist_error_set(s->err, HIST_EINVALID, s->path, s->line, 1,
                       "an op with no \"key\" (nor a [key value] pair as its value): a history "
                       "of one object cannot be split by key");
        return s->err->rc;
    }
    valmap_put(s->open, who, invoke ? shard + 1 : 0);
    uint32_t at;
    if (invoke) {
        note_f(s, f);
        valmap_put(s->invoked, who, s->line);
    } else if (val_is_str(vt, type, "ok") && val_is_str(vt, f, "read") &&
               valmap_get(s->invoked, who, &at) && (!s->first_read || at < s->first_read)) {
        s->first_read = at;
        s->read_list = value.kind == VAL_LIST;
    }
    return put(s, p, n, shard);
}

static hist_rc split_feed(void *ctx, const char *p, size_t n, size_t ready, bool eof,
                          size_t *used)
{
    splitter *s = ctx;
    size_t upto = eof ? n : ready, i = 0;
    hist_rc rc = HIST_OK;
    while (i < upto && !rc) {
        const char *nl = memchr(p + i, '\n', upto - i);
        size_t len = nl ? (size_t)(nl - (p + i)) : upto - i;
        rc = split_line(s, p + i, len, !nl);
        i += len + (nl != NULL);
    }
    *used = upto;
    return rc;
}

/* Only JSON Lines are split: their lines are their events. */
static bool json_lines(const char *p, size_t n)
{
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= n || p[i] != '{')
        return false;
    for (i++; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'); i++)
        ;
    return i >= n || p[i] != ':';
}

typedef struct first_look {
    splitter *s;
    bool looked;
} first_look;

static hist_rc look_then_feed(void *ctx, const char *p, size_t n, size_t ready, bool eof,
                              size_t *used)
{
    first_look *fl = ctx;
    if (!fl->looked) {
        *used = 0;
        if (!eof && !ready)
            return HIST_OK; /* the first line is not all here */
        fl->looked = true;
        if (!json_lines(p, n)) {
            hist_error_set(fl->s->err, HIST_EINVALID, fl->s->path, 0, 0,
                           "conch split reads conch's JSON Lines (one op object a line); check "
                           "a history in another form with conch check --shard I/N");
            return fl->s->err->rc;
        }
    }
    return split_feed(fl->s, p, n, ready, eof, used);
}

hist_rc shard_split(const char *path, const struct hist_read_opts *ro, FILE **outs, uint32_t n,
                    shard_stats *st, hist_error *err)
{
    bool is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hist_error_set(err, HIST_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        return err->rc;
    }
    splitter s = {.path = path, .outs = outs, .n = n, .st = st, .err = err,
                  .open = valmap_new(), .invoked = valmap_new()};
    s.r = (reader){.name = path, .shown = path, .err = err, .vt = vtab_new()};
    first_look fl = {&s, false};
    rd_sink sink = {look_then_feed, &fl};
    uint64_t fp = 0;
    struct stat sb;
    hist_rc rc;
    if (fstat(fd, &sb) < 0) {
        hist_error_set(err, HIST_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
        rc = err->rc;
    } else {
        rc = rd_load(path, fd, &sb, ro, &sink, &fp, err);
    }
    if (!rc && !st->events) {
        hist_error_set(err, HIST_EINVALID, path, 0, 0, "no events found: nothing to split");
        rc = err->rc;
    }
    for (uint32_t i = 0; i < n && !rc; i++) {
        char hex[17];
        shard_fp_hex(fp, hex);
        sbuf note = {0};
        sbuf_printf(&note, "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"%s\","
                           "\"value\":{\"shard\":%u,\"of\":%u,\"history\":\"%s\","
                           "\"events\":%zu,\"fs\":[%s],\"reads\":\"%s\",\"file\":",
                    SHARD_NOTE_F, i, n, hex, st->events, sbuf_str(&s.fs),
                    !s.first_read ? "none" : s.read_list ? "list" : "other");
        sbuf_add_json_str(&note, path, strlen(path));
        sbuf_adds(&note, "}}");
        rc = put(&s, note.p, note.len, i);
        sbuf_free(&note);
    }
    if (!is_stdin)
        close(fd);
    rd_fields_free(&s.fields);
    vtab_free(s.r.vt);
    valmap_free(s.open);
    valmap_free(s.invoked);
    sbuf_free(&s.fs);
    return rc;
}
