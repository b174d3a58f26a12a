/*
 * hlc.h - hybrid logical clocks, and versions packed from them.
 *
 * A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical
 * Clocks", OPODIS 2014) keeps a timestamp close to the physical clock that
 * still respects causality: an event's timestamp is greater than that of
 * every event it could have seen. We pack the pair (l, c) of the paper into
 * one integer, ts = l_ms << HLC_LOGICAL_BITS | c, so the paper's rules become
 * "take the maximum, plus one":
 *
 *   local or send event:   ts' = max(ts + 1, pt << HLC_LOGICAL_BITS)
 *   receive of m:          ts' = max(ts + 1, m + 1, pt << HLC_LOGICAL_BITS)
 *
 * Invariants: ts never decreases, even when the physical clock goes
 * backwards; every event gets a timestamp greater than the previous one of the
 * same clock and than every timestamp it received. If the logical part
 * overflows it carries into the millisecond part (the clock then runs a
 * little ahead of physical time until physical time catches up).
 *
 * A version names one write in last-writer-wins order: the timestamp of the
 * write and the node that made it,
 *
 *   version = ts << HLC_NODE_BITS | node     (bit 63 always 0)
 *           = ms (42 bits) | logical (14 bits) | node (7 bits)
 *
 * so comparing versions as integers compares timestamps first and breaks
 * ties by node id. 42 bits of milliseconds since 1970 last until the year
 * 2109. Two writes never share a version: one node's clock never repeats.
 */
#ifndef CONCH_HLC_H
#define CONCH_HLC_H

#include <stdint.h>

#define HLC_LOGICAL_BITS 14
#define HLC_NODE_BITS 7
#define HLC_MAX_NODES (1 << HLC_NODE_BITS)

typedef struct hlc {
    uint64_t ts; /* l_ms << HLC_LOGICAL_BITS | c; 0 before the first event */
} hlc;

/* Milliseconds since 1970 from the real-time clock. */
uint64_t hlc_wall_ms(void);

/* A local or send event at physical time pt_ms: the event's timestamp. */
uint64_t hlc_tick(hlc *h, uint64_t pt_ms);
/* Receipt of a message stamped remote at physical time pt_ms: the receive
 * event's timestamp (greater than both remote and every earlier event). */
uint64_t hlc_recv(hlc *h, uint64_t remote, uint64_t pt_ms);

static inline uint64_t hlc_ms(uint64_t ts) { return ts >> HLC_LOGICAL_BITS; }
static inline uint64_t hlc_logical(uint64_t ts) { return ts & ((1u << HLC_LOGICAL_BITS) - 1); }

/* Versions: see the top of this file. node < HLC_MAX_NODES. */
static inline int64_t hlc_version(uint64_t ts, int node)
{
    return (int64_t)((ts << HLC_NODE_BITS) | (uint64_t)node) & INT64_MAX;
}
static inline uint64_t hlc_version_ts(int64_t v) { return (uint64_t)v >> HLC_NODE_BITS; }
static inline int hlc_version_node(int64_t v) { return (int)(v & (HLC_MAX_NODES - 1)); }

#endif
