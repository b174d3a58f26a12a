/*
 * read_int.h - what the format readers share (private to histories/).
 */
#ifndef CONCH_READ_INT_H
#define CONCH_READ_INT_H

#include "../util/mem.h"
#include "history.h"
#include "read.h"

typedef struct reader {
    const char *name;
    const char *shown; /* name, with its control bytes escaped, for warnings */
    const char *data;
    size_t len;
    size_t max_line;
    history *h;
    vtab *vt;
    hist_error *err;
    _Atomic size_t *events; /* hist_read_opts.events */
} reader;

/* One field of an op map: its name (borrowed bytes; NULL for a key that
 * is not a name, which no rule looks at), its value, and where the value
 * starts (col 0 if unknown). */
typedef struct field {
    const char *name;
    size_t nlen;
    val value;
    uint32_t line, col;
} field;

/* The fields of an op object, as the JSON reader parses them: v[0..n),
 * in small or (past RD_FIELDS_SMALL of them) in more. The names may point
 * into the input or the value table. */
#define RD_FIELDS_SMALL 16
typedef VEC(field) rd_field_vec;
typedef struct rd_fields {
    field small[RD_FIELDS_SMALL];
    rd_field_vec more;
    VEC(val) names;
    field *v;
    size_t n;
} rd_fields;
void rd_fields_free(rd_fields *f);
/* One line of JSON Lines, s[0..n) without its newline (line: its number),
 * as an op object's fields, interned in r->vt; no event is pushed. */
hist_rc rd_jsonl_fields(reader *r, const char *s, size_t n, uint32_t line, rd_fields *out);

/* The checks every input passes before a parser runs (load.c): no NUL,
 * valid UTF-8, no line over max_line. rd_scan_more checks p[s->off..n) and
 * can be called again as a buffer fills; eof says no byte follows (an
 * incomplete UTF-8 sequence at the end is then an error, not one to
 * finish later). */
typedef struct rd_scan {
    size_t off;        /* bytes checked */
    size_t line_start; /* offset of the current line */
    uint32_t line;     /* its number, from 1 */
} rd_scan;
hist_rc rd_scan_more(rd_scan *s, const char *name, const char *p, size_t n, bool eof,
                     size_t max_line, hist_error *err);

/* Where rd_load hands the bytes it reads. After each chunk, feed gets all
 * the bytes held, p[0..n), of which p[0..ready) are whole lines that passed
 * the checks, and says in *used how many of the first bytes it is done
 * with: they are dropped, and the rest moves to the front (a parser that
 * needs the whole input says 0 until the end). At the end (eof) it gets
 * everything left, every byte checked. */
typedef struct rd_sink {
    hist_rc (*feed)(void *ctx, const char *p, size_t n, size_t ready, bool eof, size_t *used);
    void *ctx;
} rd_sink;

/* Read all of fd (st: what fstat said of it) into the sink, checking each
 * chunk as it comes (rd_scan_more, rd_sniff) and, for a regular file, that
 * it did not change meanwhile: that error comes first, before what the sink
 * said of bytes that changed. */
struct stat;
hist_rc rd_load(const char *name, int fd, const struct stat *st, const hist_read_opts *o,
                const rd_sink *sink, uint64_t *fingerprint, hist_error *err);

/* Tell the format from the first bytes of an input still arriving (read.c):
 * an error as soon as the first line shows it is none we read, so a stream
 * of junk is refused before it is held. Called again as p[0..n) grows, with
 * the scanner's line_start (so a first line, however long, is not searched
 * again for its end); each call looks only at bytes it has not seen. */
typedef struct rd_sniffer {
    bool decided; /* the format is known or forced: nothing more to do */
    size_t blank; /* the input's first bytes that are all blank */
} rd_sniffer;
hist_rc rd_sniff(rd_sniffer *s, const char *name, const char *p, size_t n, size_t line_start,
                 hist_format forced, hist_error *err);

/* Turn an op map's fields into an event and push it. line and col are where
 * the map starts. */
hist_rc rd_event(reader *r, const field *fs, size_t n, uint32_t line, uint32_t col);

hist_rc rd_jsonl(reader *r);
/* JSON Lines a piece at a time, as the bytes arrive: p[0..n) are whole
 * lines, each ending in '\n' but for the input's last. */
typedef struct rd_lines rd_lines;
rd_lines *rd_jsonl_begin(reader *r);
hist_rc rd_jsonl_more(rd_lines *s, const char *p, size_t n);
void rd_jsonl_end(rd_lines *s);
hist_rc rd_edn(reader *r);
hist_rc rd_log(reader *r);
/* Jepsen log lines a piece at a time, as JSON Lines: rd_log_end says
 * whether any op line was read (else an error) and frees the state, which
 * rd_log_free frees when reading stops before its end. */
typedef struct rd_log_state rd_log_state;
rd_log_state *rd_log_begin(reader *r);
hist_rc rd_log_more(rd_log_state *s, const char *p, size_t n);
hist_rc rd_log_end(rd_log_state *s, hist_rc rc);
void rd_log_free(rd_log_state *s);

/* Parse one EDN value from s[0..n) into *out; *used gets the bytes read.
 * line/col give the position of s[0] for messages. */
hist_rc rd_edn_value(reader *r, const char *s, size_t n, uint32_t line, uint32_t col,
                     val *out, size_t *used);

/* Parse one JSON value from s[0..n) into *out (the tests check this
 * parser against jansson); *used gets the bytes read. */
hist_rc rd_json_value(reader *r, const char *s, size_t n, val *out, size_t *used);

#endif
