/*
 * kv.c - see kv.h.
 *
 * Open addressing with linear probing over a power-of-two array of slots,
 * kept at most half full; there are no deletions, so no tombstones. A slot
 * is empty iff its key is NULL.
 */
#include "kv.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"

typedef struct slot {
    char *key, *val;
    size_t klen, vlen, vcap; /* vcap: bytes allocated for val */
    uint64_t hash;
    int64_t version;
} slot;

struct kv {
    slot *s;
    size_t cap, n; /* cap is a power of two, or 0 */
};

kv *kv_new(void)
{
    return xcalloc(1, sizeof(kv));
}

void kv_free(kv *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++) {
        free(t->s[i].key);
        free(t->s[i].val);
    }
    free(t->s);
    free(t);
}

size_t kv_count(const kv *t)
{
    return t->n;
}

static slot *find(const kv *t, const char *key, size_t klen, uint64_t h)
{
    if (!t->cap)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot *s = &t->s[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->klen == klen && !memcmp(s->key, key, klen))
            return s;
    }
}

static void grow(kv *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    slot *old = t->s;
    size_t oldcap = t->cap;
    t->s = xcalloc(cap, sizeof(slot));
    t->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key)
            continue;
        slot *s = find(t, old[i].key, old[i].klen, old[i].hash);
        *s = old[i];
    }
    free(old);
}

static uint64_t key_hash(const char *key, size_t klen)
{
    return hash_bytes(key, klen, 0x636f6e6368ULL);
}

bool kv_get(const kv *t, const char *key, size_t klen, kv_entry *out)
{
    slot *s = find(t, key, klen, key_hash(key, klen));
    if (!s || !s->key)
        return false;
    *out = (kv_entry){s->key, s->val, s->klen, s->vlen, s->version};
    return true;
}

bool kv_merge(kv *t, const char *key, size_t klen, const char *val, size_t vlen,
              int64_t version)
{
    uint64_t h = key_hash(key, klen);
    slot *s = find(t, key, klen, h);
    if (s && s->key && version <= s->version)
        return false;
    if (!s || !s->key) {
        if ((t->n + 1) * 2 > t->cap) {
            grow(t);
            s = find(t, key, klen, h);
        }
        s->key = xmalloc(klen ? klen : 1);
        memcpy(s->key, key, klen);
        s->klen = klen;
        s->hash = h;
        t->n++;
    }
    if (vlen + 1 > s->vcap) {
        free(s->val);
        s->vcap = vlen + 1;
        s->val = xmalloc(s->vcap);
    }
    memcpy(s->val, val, vlen);
    s->val[vlen] = '\0';
    s->vlen = vlen;
    s->version = version;
    return true;
}

void kv_each(const kv *t, void (*fn)(void *ctx, const kv_entry *e), void *ctx)
{
    for (size_t i = 0; i < t->cap; i++) {
        const slot *s = &t->s[i];
        if (!s->key)
            continue;
        kv_entry e = {s->key, s->val, s->klen, s->vlen, s->version};
        fn(ctx, &e);
    }
}

void kv_items_add(kv_items *items, const kv_entry *e)
{
    kv_item it = {xstrndup(e->key, e->klen), xstrndup(e->val, e->vlen), e->klen, e->vlen,
                  e->version};
    VEC_PUSH(*items, it);
}

typedef struct newer_ctx {
    int64_t min;
    kv_items *items;
} newer_ctx;

static void add_if_newer(void *ctx, const kv_entry *e)
{
    newer_ctx *c = ctx;
    if (e->version > c->min)
        kv_items_add(c->items, e);
}

void kv_items_newer(const kv *t, int64_t min, kv_items *items)
{
    newer_ctx c = {min, items};
    kv_each(t, add_if_newer, &c);
}

void kv_items_free(kv_items *items)
{
    for (size_t i = 0; i < items->n; i++) {
        free(items->v[i].key);
        free(items->v[i].val);
    }
    free(items->v);
    items->v = NULL;
    items->n = items->cap = 0;
}
