/*
 * read_int.h - what the format readers share (private to histories/).
 */
#ifndef CONCH_READ_INT_H
#define CONCH_READ_INT_H

#include "history.h"
#include "read.h"

typedef struct reader {
    const char *name;
    const char *data;
    size_t len;
    size_t max_line;
    history *h;
    vtab *vt;
    hist_error *err;
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

/* Turn an op map's fields into an event and push it. line and col are where
 * the map starts. */
hist_rc rd_event(reader *r, const field *fs, size_t n, uint32_t line, uint32_t col);

hist_rc rd_jsonl(reader *r);
hist_rc rd_edn(reader *r);
hist_rc rd_log(reader *r);

/* Parse one EDN value from s[0..n) into *out; *used gets the bytes read.
 * line/col give the position of s[0] for messages. */
hist_rc rd_edn_value(reader *r, const char *s, size_t n, uint32_t line, uint32_t col,
                     val *out, size_t *used);

/* Parse one JSON value from s[0..n) into *out (the tests check this
 * parser against jansson); *used gets the bytes read. */
hist_rc rd_json_value(reader *r, const char *s, size_t n, val *out, size_t *used);

#endif
