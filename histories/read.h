/*
 * read.h - reading histories from files in the formats Jepsen's tools write.
 *
 * Formats (autodetected from the first bytes unless one is asked for):
 *   jsonl  conch's native JSON Lines (one op object a line), or one JSON
 *          array of op objects (elle-cli's form);
 *   edn    Jepsen EDN: history.edn (one map a line), Knossos files (one
 *          list or vector of maps), Porcupine's kv lines; ';' comments;
 *   log    Jepsen log lines, "INFO  jepsen.util - 3<TAB>:invoke<TAB>:cas<TAB>[0 3]",
 *          with or without a timestamp and thread before the logger.
 * Bad input is an error with file, line and column. A history is UTF-8
 * text: NUL bytes and bytes that are not UTF-8 (binary data), lines longer
 * than max_line bytes, and input over max_bytes are rejected before parsing,
 * as they arrive. Strings hold valid UTF-8 in every format: an escape of a
 * lone surrogate (\ud800) is an error too. A file that changes while it is
 * read is an error ("file changed while being read"), never a signal.
 * In JSON Lines, a last line with no newline that does not parse is taken
 * to be torn by a crash while it was written: it is skipped with a warning
 * (hist_warning), and everything before it is kept.
 */
#ifndef CONCH_READ_H
#define CONCH_READ_H

#include <stdatomic.h>
#include <stddef.h>

#include "history.h"

typedef enum hist_format {
    HIST_FMT_AUTO = 0,
    HIST_FMT_JSONL,
    HIST_FMT_EDN,
    HIST_FMT_LOG,
} hist_format;

#define HIST_DEFAULT_MAX_LINE ((size_t)64 << 20)

typedef struct hist_read_opts {
    hist_format format;
    hist_independent independent;
    size_t max_line;  /* 0: HIST_DEFAULT_MAX_LINE */
    size_t max_bytes; /* the most input a file or pipe may hold; 0: no limit */
    bool keep_events; /* keep every event (hist_kept_events), not only the ops */
    /* Keep only the ops of shard shard_index of shard_count (shard.h;
     * shard_count 0: all). */
    uint32_t shard_index, shard_count;
    /* read() at most chunk bytes at a time (0: 1 MiB), and call
     * hook(hook_arg, bytes read so far) after each read: a test changes a
     * file while it is being read, a progress display counts bytes. */
    size_t chunk;
    void (*hook)(void *arg, size_t done);
    void *hook_arg;
    /* If not NULL, events parsed so far are added to it as parsing goes,
     * 1024 at a time (a progress display polls it from another thread). */
    _Atomic size_t *events;
} hist_read_opts;

/* Parse "jsonl", "edn", "jepsen-log" (or "log"); returns -1 if unknown. */
int hist_format_parse(const char *s);
const char *hist_format_name(hist_format f);

/* Read a history from path ("-" is standard input). On success *out is a
 * finished history the caller frees with hist_free, and *fmt_used (if not
 * NULL) says which format was read. On failure *out is NULL and err says
 * where and why. */
hist_rc hist_read_file(const char *path, const hist_read_opts *opts, history **out,
                       hist_format *fmt_used, hist_error *err);
/* The same from bytes in memory; name is used in messages. */
hist_rc hist_read_mem(const char *name, const char *data, size_t len,
                      const hist_read_opts *opts, history **out, hist_format *fmt_used,
                      hist_error *err);

/* Parse one JSON value from text (e.g. --init) into a val interned in vt.
 * Returns 0, or -1 with the reason in why. */
int hist_val_from_json(vtab *vt, const char *text, val *out, sbuf *why);

/* A jansson value as a val interned in vt (objects become maps). */
struct json_t;
val hist_val_from_jansson(vtab *vt, const struct json_t *j);

#endif
