/*
 * report_merge.h - the results of a history's shards combined into the
 * results of the whole (conch merge).
 *
 * Each shard's results file is conch check's JSON report (--results), whose
 * entry for the history names its shard: {"index": I, "of": N, "history":
 * its fingerprint, "events", "file"} (histories/shard.h). The shards of one
 * history check disjoint sets of keys, and every check conch makes of a
 * part or of a key's sessions looks at that key alone, so the whole's
 * results are the shards' put together: the parts side by side, the
 * session checks' keys and violations added up, each verdict the worst of
 * the shards' (a violation, then unknown, then valid).
 *
 * Refused, with the reason: results of a history that are not a shard's,
 * a history of which some shard is missing or given twice (shards of
 * different histories are two histories, each missing shards), and shards
 * checked with different models or settings. Fields this module does not
 * know are the first shard's.
 */
#ifndef CONCH_REPORT_MERGE_H
#define CONCH_REPORT_MERGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "../util/sbuf.h"

/* Combine docs[0..n) (results documents, read from the files names[]) into
 * *out, a document of the same form, one entry per history, its "verdict"
 * and "exit" the whole's; the caller frees it. Returns false, with why, if
 * they cannot be combined (*out is then NULL). */
bool report_merge(json_t *const *docs, const char *const *names, size_t n, json_t **out,
                  sbuf *why);

/* The combined results for people: per history its verdicts, and what
 * each violation or unknown part is, as the shards' reports told them. */
void report_merge_text(FILE *f, const json_t *merged, bool color);

#endif
