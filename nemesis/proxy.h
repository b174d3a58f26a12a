/*
 * proxy.h - conch proxy: a user-space TCP proxy through which a store's
 * nodes reach their peers, so that the nemesis can cut them apart without
 * Docker, root or netem.
 *
 * Each node with a peer address gets a route: the proxy listens on the
 * node's "peer" address (the one its peers are told to dial) and forwards
 * every connection to its "peer_target" (where the node itself listens).
 * Who opened a connection is found when it is accepted: the process at the
 * other end (sockown.h) is matched to the node listening on its
 * peer_target, so a link is a pair of nodes even though every node dials
 * from 127.0.0.1. A connection whose source is not found (it closed at
 * once, or it comes from no node) belongs to no node.
 *
 * A partition (proto/admin.h) puts nodes in groups; a connection between
 * two groups, or from no node while a partition is on, is cut:
 *   blackhole  the connection is held: the proxy stops reading and writing
 *              it (what was sent waits in the kernel's buffers, and TCP's
 *              flow control stops the sender); a new one is accepted and
 *              held. At the heal every held connection goes on where it
 *              stopped (a new one is connected to its target then), as a
 *              TCP connection does once a real partition heals.
 *   drop       the connection is reset, and a new one reset when accepted.
 * A held connection that its client closes before the heal is closed.
 *
 * One thread runs the event loop (epoll); the admin endpoints run on
 * libmicrohttpd's thread and hand a partition to the loop, answering once
 * the loop has applied it, so a 200 means the cut is in place.
 */
#ifndef CONCH_PROXY_H
#define CONCH_PROXY_H

#include <stdatomic.h>

#include "cluster.h"

typedef enum px_mode { PX_BLACKHOLE, PX_DROP } px_mode;

typedef struct px_config {
    const clu_desc *cluster; /* borrowed; nodes with "peer" get a route */
    const char *admin;       /* HOST:PORT for the admin endpoints; loopback only; port 0: any */
    px_mode mode;            /* a partition's, unless its request says */
} px_config;

typedef struct proxy proxy;

/* Listen on every route's peer address and on the admin address. NULL
 * with why if one cannot be listened on, or the cluster has no node with
 * both peer and peer_target. */
proxy *px_new(const px_config *cfg, sbuf *why);
/* "http://127.0.0.1:PORT", where the admin endpoints are. */
const char *px_admin_url(const proxy *p);
/* Forward until *stop is set (looked at every 100 ms). */
void px_run(proxy *p, _Atomic int *stop);
/* Close every connection and listener. */
void px_free(proxy *p);

/* "blackhole" or "drop"; and back (-1: neither). */
const char *px_mode_name(px_mode m);
int px_mode_find(const char *name);

#endif
