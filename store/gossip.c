/* gossip.c - see gossip.h. */
#include "gossip.h"

#include <stdlib.h>
#include <string.h>

#include "hlc.h"

void gossip_init(gossip *g, int n)
{
    g->n = n;
    g->seen = xcalloc((size_t)n, sizeof *g->seen);
}

void gossip_free(gossip *g)
{
    free(g->seen);
    g->seen = NULL;
}

void gossip_wrote(gossip *g, int64_t version)
{
    int p = hlc_version_node(version);
    if (p < g->n && version > g->seen[p])
        g->seen[p] = version;
}

bool gossip_behind(const gossip *g, const int64_t *digest)
{
    for (int p = 0; p < g->n; p++)
        if (digest[p] > g->seen[p])
            return true;
    return false;
}

typedef struct collect_ctx {
    const int64_t *digest;
    int n;
    VEC(kv_entry) es;
} collect_ctx;

static void collect(void *ctx, const kv_entry *e)
{
    collect_ctx *c = ctx;
    int p = hlc_version_node(e->version);
    if (p < c->n && e->version > c->digest[p])
        VEC_PUSH(c->es, *e);
}

static int by_version(const void *a, const void *b)
{
    int64_t x = ((const kv_entry *)a)->version, y = ((const kv_entry *)b)->version;
    return (x > y) - (x < y);
}

void gossip_delta_build(const kv *t, const gossip *g, const int64_t *digest, size_t cap,
                        gossip_delta *out)
{
    memset(out, 0, sizeof *out);
    out->n = g->n;
    out->claim = xmalloc((size_t)g->n * sizeof *out->claim);
    memcpy(out->claim, g->seen, (size_t)g->n * sizeof *out->claim);

    /* The entries in t are borrowed: t does not change while we build. */
    collect_ctx c = {digest, g->n, {0}};
    kv_each(t, collect, &c);
    size_t take = c.es.n;
    if (cap && take > cap) {
        qsort(c.es.v, c.es.n, sizeof *c.es.v, by_version);
        take = cap;
        /* An origin with entries left out claims only up to its last entry
         * sent, or what the peer had if none was sent. */
        bool *cut = xcalloc((size_t)g->n, sizeof *cut);
        for (size_t i = take; i < c.es.n; i++)
            cut[hlc_version_node(c.es.v[i].version)] = true;
        for (int p = 0; p < g->n; p++)
            if (cut[p])
                out->claim[p] = digest[p];
        for (size_t i = 0; i < take; i++) {
            int p = hlc_version_node(c.es.v[i].version);
            if (cut[p] && c.es.v[i].version > out->claim[p])
                out->claim[p] = c.es.v[i].version;
        }
        free(cut);
    } else if (take > 1) {
        qsort(c.es.v, c.es.n, sizeof *c.es.v, by_version);
    }
    VEC_RESERVE(out->items, take);
    for (size_t i = 0; i < take; i++)
        kv_items_add(&out->items, &c.es.v[i]);
    free(c.es.v);
}

size_t gossip_delta_apply(kv *t, gossip *g, const gossip_delta *d, int64_t *max_version)
{
    size_t changed = 0;
    int64_t max = 0;
    for (size_t i = 0; i < d->items.n; i++) {
        const kv_item *it = &d->items.v[i];
        if (kv_merge(t, it->key, it->klen, it->val, it->vlen, it->version))
            changed++;
        if (it->version > max)
            max = it->version;
    }
    for (int p = 0; p < g->n && p < d->n; p++)
        if (d->claim[p] > g->seen[p])
            g->seen[p] = d->claim[p];
    if (max_version)
        *max_version = max;
    return changed;
}

void gossip_delta_free(gossip_delta *d)
{
    kv_items_free(&d->items);
    free(d->claim);
    d->claim = NULL;
}
