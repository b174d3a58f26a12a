/*
 * recorder.h - the history file, written while the run goes.
 *
 * Events are formatted into a buffer (hist_format_event: conch's JSON
 * Lines) and written with one write(2) at rec_flush. The runner flushes
 * after queueing a batch of invocations and before it sends any of them, so
 * every invoke line is in the file (the kernel's page cache at least) before
 * its request leaves; completions go in the same way, before the next
 * invocations, so the file's order is the real-time order. With
 * REC_FSYNC_ALWAYS each flush also waits for the disk; with
 * REC_FSYNC_INTERVAL a flush does so when the last sync is REC_SYNC_MS old.
 *
 * A process killed mid-write leaves at most one torn last line, which
 * conch check skips with a warning.
 *
 * index counts the events written from 0; time is nanoseconds of the
 * monotonic clock since rec_open.
 */
#ifndef CONCH_RECORDER_H
#define CONCH_RECORDER_H

#include <stdint.h>

#include "../histories/history.h"
#include "client.h"
#include "scrub.h"

enum { REC_SYNC_MS = 100 };

typedef enum rec_fsync { REC_FSYNC_NEVER, REC_FSYNC_INTERVAL, REC_FSYNC_ALWAYS } rec_fsync;

typedef struct recorder recorder;

/* Create path (it must not exist yet: a recorded history is never
 * overwritten). Every line is passed through sc (borrowed; NULL: none)
 * before it is written. NULL with err set on failure. Free with rec_close. */
recorder *rec_open(const char *path, rec_fsync sync, const scrub *sc, cl_error *err);
/* Nanoseconds since rec_open, from the monotonic clock. */
int64_t rec_now(const recorder *r);
/* Queue ev (its index is set here; its time is the caller's). */
void rec_event(recorder *r, const vtab *vt, hist_event *ev);
/* Write what is queued, and sync as the policy says. 0, or -1 with err. */
int rec_flush(recorder *r, cl_error *err);
/* Events queued so far. */
uint64_t rec_count(const recorder *r);
/* Flush, sync (unless REC_FSYNC_NEVER) and close. 0, or -1 with err.
 * r is freed either way. */
int rec_close(recorder *r, cl_error *err);

#endif
