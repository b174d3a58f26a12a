/*
 * kv.h - one replica's keys: each key's current value and version.
 *
 * Keys are byte strings (any bytes, NUL included); values are JSON texts in
 * canonical form (compact, object keys sorted), so two values are equal iff
 * their texts are. A version orders the writes of one key: leader modes use
 * the leader's write index, the others hlc.h's packed versions. Keys are never
 * removed.
 *
 * Invariant: a key's version only grows. kv_merge is the only way to change
 * a value, and it applies a write only if its version is greater than the
 * current one (last writer wins; versions are unique, so applying the same
 * writes in any order gives the same table).
 *
 * Not thread-safe: the replica that owns a table holds its lock around every
 * call.
 */
#ifndef CONCH_KV_H
#define CONCH_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/mem.h"

typedef struct kv kv;

/* A key's entry, borrowed from the table: valid until the next change. */
typedef struct kv_entry {
    const char *key, *val; /* val is NUL-terminated */
    size_t klen, vlen;
    int64_t version;
} kv_entry;

/* A copy of an entry, for messages: key and val are owned (kv_items_free). */
typedef struct kv_item {
    char *key, *val;
    size_t klen, vlen;
    int64_t version;
} kv_item;
typedef VEC(kv_item) kv_items;

kv *kv_new(void);
void kv_free(kv *t);
size_t kv_count(const kv *t);

/* The entry of key, or false if the key was never written. */
bool kv_get(const kv *t, const char *key, size_t klen, kv_entry *out);
/* Last writer wins: set key to val (copied) at version if version is greater
 * than the key's current version (or the key is new); true if it did. */
bool kv_merge(kv *t, const char *key, size_t klen, const char *val, size_t vlen,
              int64_t version);

/* Call fn on every entry, in no particular order; fn must not change t. */
void kv_each(const kv *t, void (*fn)(void *ctx, const kv_entry *e), void *ctx);

/* Append a copy of e to items. */
void kv_items_add(kv_items *items, const kv_entry *e);
/* Copies of the entries whose version is greater than min, appended. */
void kv_items_newer(const kv *t, int64_t min, kv_items *items);
/* Free every item's strings and the array itself. */
void kv_items_free(kv_items *items);

#endif
