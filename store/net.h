/*
 * net.h - the network between replicas: in-process message queues with a
 * delay, random loss and partitions.
 *
 * Each node has one inbox, a FIFO of messages stamped with the time they
 * become due (sent + lag). The lag is the same for every message, so an
 * inbox in send order is also in due order, and messages between two nodes
 * arrive in the order they were sent (or not at all): links are FIFO.
 *
 * A message is lost when it is lossy and, at send, a coin with probability
 * `drop` says so, or when, at send or at delivery, its two nodes are in
 * different partition groups (every message). Lost messages are freed with the free_body callback and counted.
 *
 * Bodies are opaque here: net_send takes ownership of one; whoever takes a
 * message from an inbox owns it (free it with net_msg_free).
 *
 * Thread-safe: each inbox has its own mutex; partition groups, counters and
 * the loss coin are atomics (so a partition changes node by node, not all at
 * once, as in a real network). Callers may hold their own locks while
 * calling net_send (an inbox's lock is always taken last).
 */
#ifndef CONCH_NET_H
#define CONCH_NET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct net net;

typedef struct net_msg {
    struct net_msg *next;
    int from, to;
    int64_t due_us;
    void *body;
} net_msg;

typedef struct net_config {
    int n;                   /* nodes 0 .. n-1 */
    int lag_ms;              /* delay of every message */
    double drop;             /* probability that a message is lost, 0..1 */
    uint64_t seed;           /* for the loss coin */
    void (*free_body)(void *body);
    /* The clock lag is measured on, in microseconds; NULL: the monotonic
     * clock. Tests pass their own. */
    int64_t (*now_us)(void *ctx);
    void *now_ctx;
} net_config;

/* Counters per node, since start. */
typedef struct net_stats {
    uint64_t sent, delivered, dropped_random, dropped_partition;
} net_stats;

net *net_new(const net_config *cfg);
/* Frees the messages still queued. No thread may be using the net. */
void net_free(net *nt);

/* The current time on the net's clock, in microseconds. */
int64_t net_now(net *nt);

/* Send body from one node to another (takes ownership of body). Only a
 * lossy message is subject to random loss; partitions cut every message. */
void net_send(net *nt, int from, int to, void *body, bool lossy);

/* The messages of node to's inbox due at now_us, oldest first, or NULL. */
net_msg *net_take(net *nt, int to, int64_t now_us);
/* Block until some of node to's messages are due and return them, oldest
 * first; NULL once net_close was called. */
net_msg *net_wait(net *nt, int to);
/* Free a list of messages and their bodies. */
void net_msg_free(net *nt, net_msg *m);

/* Partition: group[i] is node i's group; messages between different groups
 * are lost. net_heal puts every node back in one group. */
void net_partition(net *nt, const int *group);
void net_heal(net *nt);
/* Whether messages from a to b currently get through (partitions only). */
bool net_reachable(net *nt, int a, int b);
/* Node i's current group. */
int net_group(net *nt, int i);

void net_stats_get(net *nt, int node, net_stats *out);

/* Wake every net_wait, which then returns NULL. */
void net_close(net *nt);

#endif
