/*
 * proxy_int.h - the inside of proxy.h, shared by its two files:
 *   proxy.c        the event loop: listeners, connections, forwarding,
 *                  identification, applying partitions;
 *   proxy_admin.c  the admin endpoints (libmicrohttpd), which hand a
 *                  partition to the loop and wait until it is applied.
 */
#ifndef CONCH_PROXY_INT_H
#define CONCH_PROXY_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>

#include "proxy.h"

enum { PX_BUF = 64 * 1024 };

/* What an epoll event is about. */
typedef enum { EP_LISTEN, EP_WAKE, EP_CONN } ep_kind;
typedef struct px_ep {
    ep_kind kind;
    int side;  /* EP_CONN: 0 the client, 1 the upstream (the node) */
    void *obj; /* the route, or the connection */
} px_ep;

typedef struct px_route {
    int node;                 /* the node it reaches: an index into the cluster */
    int fd;                   /* listening */
    struct sockaddr_in listen, target;
    px_ep ep;
    /* Counters, under proxy.mu (the admin reads them). */
    uint64_t accepted, unknown, open, held;
} px_route;

typedef struct px_buf {
    size_t off, len;
    char data[PX_BUF];
} px_buf;

typedef struct px_conn {
    struct px_conn *prev, *next;
    px_route *rt;
    int from;        /* the node that opened it, or -1 */
    int fd[2];       /* 0: the client, 1: the upstream (-1: none yet) */
    px_ep ep[2];
    px_buf *buf[2];  /* buf[i]: read from side i, to be written to the other */
    bool eof[2];     /* side i has sent its FIN */
    bool shut[2];    /* we have shut down writing to side i */
    bool connecting; /* the upstream connect is in progress */
    bool held;       /* cut off (blackhole) */
    uint32_t events[2]; /* what epoll watches for each side; 0: not registered */
} px_conn;

/* A partition: groups, or none. */
typedef struct px_cut {
    bool on;
    px_mode mode;
    int group[CLU_MAX_NODES]; /* of each node */
} px_cut;

struct proxy {
    const clu_desc *c;
    px_mode mode;
    int ep;              /* the epoll set */
    int wake;            /* eventfd: the admin has a new partition */
    px_ep wake_ep;
    px_route *routes;
    size_t nroutes;
    px_conn *conns;      /* every open connection */
    struct sockaddr_in target[CLU_MAX_NODES]; /* each node's peer_target */
    bool has_target[CLU_MAX_NODES];
    pid_t node_pid[CLU_MAX_NODES]; /* who listened on each peer_target last time */
    px_cut now;          /* applied: the loop's */
    /* Between the admin thread and the loop. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    px_cut want;
    uint64_t want_gen, done_gen;
    bool stopping;
    struct MHD_Daemon *mhd;
    char admin_url[64];
};

/* ---- proxy_admin.c ---- */

/* Start the admin endpoints on addr (HOST:PORT, loopback); false with why. */
bool px_admin_start(proxy *p, const char *addr, sbuf *why);
void px_admin_stop(proxy *p);

#endif
