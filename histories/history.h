/*
 * history.h - a recorded history: events in real-time order, paired into
 * operations.
 *
 * Readers push events with hist_push; hist_finish then pairs every client
 * invocation with the next completion of the same process and builds the op
 * list. The rules are Jepsen's:
 *   - ok: the op took effect; fail: it did not; info: unknown, it may take
 *     effect at any time after its invocation, or never.
 *   - an invocation with no completion is treated as info;
 *   - a process runs one op at a time: invoking again while its op is open,
 *     or completing an op it never invoked, is an input error;
 *   - but a history of completions only (no invocation at all: Elle's unit
 *     tests write them so) is read as Elle reads it: each op is taken to
 *     have been invoked at the start of the history, so no op precedes
 *     another in real time. hist_finish puts an implied invocation for each
 *     (hist_event.implied, with its completion's line) before every event
 *     read, in the order of the completions;
 *   - events of the process "nemesis" are kept as annotations, not ops;
 *   - an event with no process (nil: Elle's and elle-cli's own histories
 *     often have none) pairs with the next event that has none, as
 *     jepsen.history pairs the events of a process that is not a client's;
 *     its op belongs to no session: no process order binds it to another.
 * Fail ops stay in the op list (for reporting); checkers drop them.
 *
 * Event positions are the real-time order: op a precedes op b when a's
 * completion event comes before b's invocation event.
 *
 * Memory: a history read from a file keeps its ops and, per event, only
 * where it was read (hist_pos, 8 bytes); the events themselves are paired
 * as they are pushed, once nothing left to read can change how they pair
 * (hist_compact). Until then (and in a history that keeps its events)
 * they are held whole: that is the case of Jepsen's independent form, all
 * of whose values must be seen before they can be unpacked, and of a
 * history of completions only.
 */
#ifndef CONCH_HISTORY_H
#define CONCH_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

/* An absent time, index or version. */
#define HIST_NONE INT64_MIN
/* The ret of an op that never completed. */
#define HIST_OPEN UINT32_MAX

typedef enum hist_rc {
    HIST_OK = 0,
    HIST_EIO,      /* cannot open or read the input */
    HIST_ESYNTAX,  /* not well-formed JSON / EDN / log text */
    HIST_EINVALID, /* well-formed, but not a valid history */
    HIST_ETOOBIG,  /* a line or value over the size limit */
} hist_rc;

/* Where and why input was rejected: "file:line:col: msg". line and col
 * are 1-based; 0 means unknown. */
typedef struct hist_error {
    hist_rc rc;
    char file[256];
    uint32_t line, col;
    char msg[512];
} hist_error;

void hist_error_set(hist_error *e, hist_rc rc, const char *file, uint32_t line,
                    uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* "file:line:col: msg" (parts that are unknown are left out). */
void hist_error_format(const hist_error *e, sbuf *out);

typedef enum hist_type { EV_INVOKE, EV_OK, EV_FAIL, EV_INFO } hist_type;

typedef struct hist_event {
    hist_type type;
    bool has_key;
    val process, f, key, value;
    val node;  /* the replica that served it, as the store names it; nil when unknown */
    val url;   /* the URL a client sent it to (conch run writes it; readers skip it) */
    val error; /* nil when none */
    int64_t time, index, version; /* HIST_NONE when absent */
    uint32_t line, col;           /* where the event starts in its file */
    bool implied;                 /* an invocation the file does not hold (above) */
} hist_event;

/* Where an event was read: what a report needs of it once it is paired. */
typedef struct hist_pos {
    uint32_t line;        /* 1-based; the completion's for an implied invocation */
    uint32_t col : 31;    /* 1-based; 0 if unknown */
    uint32_t implied : 1; /* an invocation the file does not hold (above) */
} hist_pos;

typedef enum hist_status { OP_OK, OP_INFO, OP_FAIL } hist_status;

/* 120 bytes: a history holds one per op (its node, rarely wanted, is kept
 * apart: hist_op_node). */
typedef struct hist_op {
    val process, f, key;
    val in;  /* the invocation's value */
    val out; /* the ok completion's value; nil otherwise */
    bool has_key;
    bool completed; /* false: no completion was recorded (status is info) */
    hist_status status;
    uint32_t call, ret; /* event positions; ret is HIST_OPEN if never completed */
    int64_t call_time, ret_time, version;
} hist_op;

typedef struct history history;

typedef enum hist_independent { HIST_INDEP_AUTO, HIST_INDEP_NO, HIST_INDEP_YES } hist_independent;

/* A new, empty history named after its source (a path, or "-"). Free with
 * hist_free. It keeps every event pushed (hist_kept_events) unless hist_compact
 * is called before the first push. */
history *hist_new(const char *name);
void hist_free(history *h);
/* Keep only the ops and the events' positions: pair each event as it is
 * pushed once nothing can change its pairing (the readers do this, as the
 * events of a large history take twice the memory of its ops). */
void hist_compact(history *h);

const char *hist_name(const history *h);
vtab *hist_vtab(history *h);
const vtab *hist_cvtab(const history *h);

/* Append one event; ev is copied. */
void hist_push(history *h, const hist_event *ev);

/* Pair events into ops. Jepsen's independent form (every client value a
 * [key value] pair) is unpacked into key and value: always with YES, never
 * with NO, and with AUTO when every client op has that shape. Returns
 * HIST_OK, or an error with the line that breaks a rule above. */
hist_rc hist_finish(history *h, hist_independent indep, hist_error *err);

/* The bytes h holds: its ops, the events' positions, its values. */
size_t hist_bytes(const history *h);
size_t hist_nevents(const history *h);
/* Every event's position, hist_nevents of them, after hist_finish. */
const hist_pos *hist_positions(const history *h);
/* The events themselves: only for a history that keeps them (not
 * compacted); NULL otherwise. (Named so that code written when every
 * history kept them, which called it hist_events, does not compile: a
 * line number is hist_positions(h)[i].line.) */
const hist_event *hist_kept_events(const history *h);
/* The nemesis's events (process nemesis: faults and notes), kept whether
 * or not the history keeps its events: each with its position (at). */
typedef struct hist_note {
    uint32_t at;
    hist_event ev;
} hist_note;
const hist_note *hist_notes(const history *h, size_t *n);
/* The earliest time any event has, kept as events are pushed (HIST_NONE:
 * the history has no times): the origin of the reports' times. */
int64_t hist_first_time(const history *h);
size_t hist_nops(const history *h);
const hist_op *hist_ops(const history *h);
/* The replica that served op i, as its completion (else its invocation)
 * names it; nil when neither does. */
val hist_op_node(const history *h, size_t i);
/* Counts by status, of ops never completed, of annotation events, and of
 * implied invocations (events hist_finish added: the file has the rest). */
typedef struct hist_counts {
    size_t ok, info, fail, open, annotations, implied;
} hist_counts;
hist_counts hist_count(const history *h);
/* True if the history was read in Jepsen's independent form. */
bool hist_was_independent(const history *h);

/* A history that is one shard of a larger one (shard.h): the ops on keys
 * of other shards are dropped as they pair (so it holds only its own),
 * after being checked as every op is; every event keeps its position. */
typedef struct hist_shard {
    uint32_t index, count; /* its shard, 0 .. count-1; count 0: the whole history */
    size_t dropped;        /* ops of other shards */
    /* What a file conch split wrote says of the history it came from (its
     * last line, shard.h), if it is one: */
    bool noted;
    uint32_t note_index, note_count;
    uint64_t whole;        /* that history's fingerprint */
    size_t events;         /* and events */
    char *file;            /* and name */
} hist_shard;

/* Make h, still empty, shard index of count. */
void hist_set_shard(history *h, uint32_t index, uint32_t count);
const hist_shard *hist_shard_of(const history *h);
/* What a shard file says (readers call this): which shard of which
 * history, and what the model's inference needs of that history's ops
 * (hist_shard_summary): the f names, and the first ok read's result
 * (reads: 0 no ok read, 1 a list, 2 anything else). */
typedef struct hist_shard_note {
    uint32_t index, count;
    uint64_t whole;
    size_t events;
    const char *file;
    const val *fs;
    size_t nfs;
    int reads;
} hist_shard_note;
void hist_note_shard(history *h, const hist_shard_note *n);
/* The fingerprint of the bytes h was read from (shard.h; 0: not known). */
void hist_set_fingerprint(history *h, uint64_t fp);
uint64_t hist_fingerprint(const history *h);
/* A small history whose ops are what the model's inference looks at in a
 * shard's whole history: one op of each f any op had (dropped ones too),
 * its read returning what the first ok read did. The caller frees it. */
history *hist_shard_summary(const history *h);

/* Warnings a reader wants shown (e.g. a torn last line it skipped). */
void hist_warn(history *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t hist_nwarnings(const history *h);
const char *hist_warning(const history *h, size_t i);

/* A map from vals to 32-bit numbers, for grouping by key or process. */
typedef struct valmap valmap;
valmap *valmap_new(void);
void valmap_free(valmap *m);
/* Returns true and sets *out if v is present. */
bool valmap_get(const valmap *m, val v, uint32_t *out);
void valmap_put(valmap *m, val v, uint32_t x);
/* Where v's number is kept, put as 0 if v is absent: one look-up for a get
 * and a put of the same key. Valid until the next put or valmap_at. */
uint32_t *valmap_at(valmap *m, val v);
size_t valmap_size(const valmap *m);
/* The most bytes m holds while one more key is put into it: its table,
 * or, when that put grows it, the old table and the new one (for charging
 * a memory budget before the put). */
size_t valmap_peak_bytes(const valmap *m);

#endif
