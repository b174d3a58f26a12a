/*
 * shard.h - a history's keys dealt among N checks that run apart (conch
 * check --shard I/N, conch split), and the fingerprint that tells the
 * results of one history from another's (conch merge).
 *
 * Linearizability and the session guarantees are checked per key (a part
 * of a history is a key's ops, the session checks look at each key
 * alone), so the checks of disjoint sets of keys add up to the check of
 * the whole. An op goes to the shard its key hashes to: FNV-1a (64 bits)
 * of the key's JSON text (val_to_json: the same on every machine and for
 * every format the history is read in), modulo N; the ops of a history's
 * one unkeyed object hash as the key null. Transactions span keys: they
 * are not sharded (the command line refuses).
 *
 * A fingerprint is a 64-bit hash of the input's bytes, the same however
 * they arrive in pieces: each shard of one file computes the same one. A
 * file conch split wrote is a history of its own, and carries the whole
 * history's in its last line, an annotation (a nemesis event, which every
 * checker leaves alone):
 *   {"process":"nemesis","type":"info","f":"conch-shard",
 *    "value":{"shard":1,"of":4,"history":"9a3f...","events":2000,
 *             "fs":["read","write","cas"],"reads":"other","file":"big.jsonl"}}
 * with what the model's inference needs of the whole history's ops (a
 * shard's own might say another model): its f names, and what the first
 * ok read returned ("list", "other", or "none" if no read was ok).
 */
#ifndef CONCH_SHARD_H
#define CONCH_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "history.h"

/* The f of the annotation a shard file ends with. */
#define SHARD_NOTE_F "conch-shard"

/* Four lanes, each over every fourth word, so that the multiplications
 * of one do not wait for another's: the fingerprint costs the reader a
 * quarter of what one chain of them did. */
typedef struct shard_fp {
    uint64_t h[4];            /* lane i: over word i of each whole block */
    unsigned char block[32];  /* the bytes of a block not yet whole */
    unsigned nblock;          /* how many */
    uint64_t len;
} shard_fp;

/* Add n more bytes of the input. */
void shard_fp_add(shard_fp *f, const char *p, size_t n);
/* The fingerprint of the bytes added. */
uint64_t shard_fp_end(const shard_fp *f);
/* As 16 lower-case hex digits (out holds 17 bytes), and back; false if s
 * is not one. */
void shard_fp_hex(uint64_t fp, char out[17]);
bool shard_fp_parse(const char *s, uint64_t *fp);

/* The shard (0 .. n-1) of the ops on key; has_key false: the history's one
 * object (hashed as null). */
uint32_t shard_of(const vtab *vt, val key, bool has_key, uint32_t n);

/* Write the JSON Lines history at path (read as hist_read_file reads it:
 * ro's size limits; "-" is standard input) into n shard files, as it is
 * read, in constant memory: each event line goes to the shard of its op's
 * key, unchanged (an invocation's "key", or the key of its [key value]
 * pair in Jepsen's independent form; a completion goes where its
 * invocation went), nemesis events to every shard; then each file gets
 * the note that says which shard it is, of which history (shard.h, above).
 * A history that mixes the two forms, or has no key, cannot be split (an
 * error with its line). What was written says st: events, and per shard,
 * lines. A last line torn by a crash is skipped, as the readers skip it
 * (st->torn). */
typedef struct shard_stats {
    size_t events;
    size_t *lines; /* n of them, the caller's */
    bool torn;
} shard_stats;
struct hist_read_opts;
hist_rc shard_split(const char *path, const struct hist_read_opts *ro, FILE **outs, uint32_t n,
                    shard_stats *st, hist_error *err);

#endif
