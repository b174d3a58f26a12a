/*
 * gossip.h - scuttlebutt anti-entropy over a kv table with hlc.h versions.
 *
 * Scuttlebutt (van Renesse, Dumitriu, Gough & Thomas, "Efficient
 * reconciliation and flow control for anti-entropy protocols", LADIS 2008):
 * each replica keeps, per origin node p, seen[p], the highest version made by
 * p that it has taken in. A gossip round between A and B:
 *
 *   A -> B   digest: A's seen[]
 *   B -> A   delta:  B's entries whose version v, made by origin p, has
 *                    v > digest[p], lowest versions first, at most cap of
 *                    them; and a claim per origin (below)
 *   A        merges the entries (last writer wins) and raises seen[p] to
 *            claim[p]
 *
 * Only updates newer than what the peer has seen travel. The origin of a
 * version is in its low bits (hlc.h), so no per-origin log is kept: an
 * entry overwritten by a newer write of another origin is not sent, the
 * newer one is.
 *
 * Invariant (what makes seen[] safe to trust): a replica with seen[p] = s
 * holds, for every write w made by p with version <= s, the key of w at a
 * version >= that of w, or will receive such an entry of another origin q
 * because its seen[q] is still below it. claim[p] is B's seen[p] when every
 * entry of p above the digest fits in the delta; when the delta is cut, it is
 * the version of the last entry of p sent (entries go lowest version first,
 * so for each origin they form a prefix). Replicas that keep exchanging
 * deltas converge to the same table.
 *
 * Not thread-safe: called under the owning replica's lock.
 */
#ifndef CONCH_GOSSIP_H
#define CONCH_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"

/* One replica's scuttlebutt state. */
typedef struct gossip {
    int n;         /* nodes in the cluster */
    int64_t *seen; /* seen[p]: highest version of origin p taken in; 0 none */
} gossip;

/* A delta from one replica to another. Owns items and claim. */
typedef struct gossip_delta {
    kv_items items; /* lowest version first */
    int64_t *claim; /* n entries */
    int n;
} gossip_delta;

void gossip_init(gossip *g, int n);
void gossip_free(gossip *g);

/* Record a write made by this replica (or taken in directly from its origin
 * in origin order): raises seen[origin of version]. */
void gossip_wrote(gossip *g, int64_t version);

/* True if digest (a peer's seen[]) is ahead of g for some origin: the peer
 * has something g has not. */
bool gossip_behind(const gossip *g, const int64_t *digest);

/* The delta that table t with state g owes a peer whose digest is given
 * (n entries), at most cap entries (0: no cap). out is overwritten. */
void gossip_delta_build(const kv *t, const gossip *g, const int64_t *digest, size_t cap,
                        gossip_delta *out);

/* Take in a delta: merge its entries into t (last writer wins) and raise
 * seen[] to its claims. Returns the number of entries that changed t; sets
 * *max_version (if not NULL) to the greatest version in the delta (0: none),
 * for the caller's clock to receive. */
size_t gossip_delta_apply(kv *t, gossip *g, const gossip_delta *d, int64_t *max_version);

void gossip_delta_free(gossip_delta *d);

#endif
