/*
 * http.h - the HTTP face of a cluster: one libmicrohttpd daemon per
 * replica, each on its own port, answering with api.h (the key-value API
 * and the admin endpoints).
 *
 * Each daemon polls with epoll on a pool of threads; a request runs on a
 * pool thread, which blocks in cluster_do while the replicas talk.
 *
 * Slow clients cannot starve the others (Slowloris): a replica holds at
 * most max_conns connections, at most max_conns_per_ip from one address,
 * and a connection has request_timeout_ms to deliver a whole request,
 * counted from when it opens or from its previous answer. libmicrohttpd's
 * own idle timeout restarts at every byte received, so it cannot bound
 * this; a reaper thread does, by shutting down the socket of each
 * connection past its time (libmicrohttpd then closes it as a connection
 * the client closed). Connections with a request being answered are left
 * alone: a request waiting for other replicas is bounded by the cluster's
 * timeout.
 */
#ifndef CONCH_HTTP_H
#define CONCH_HTTP_H

#include <stddef.h>

#include "cluster.h"
#include "store.h"

typedef struct http_config {
    const char *bind;         /* address or host name to listen on */
    int port;                 /* replica i listens on port + i; 0: any free port */
    int threads;              /* pool threads per replica */
    size_t max_body;          /* larger request bodies get 413 */
    unsigned max_conns;       /* connections per replica */
    unsigned max_conns_per_ip;/* connections per replica from one client address */
    int request_timeout_ms;   /* to deliver a request, from open or the last answer */
    /* Required (as a bearer token) by the admin endpoints; NULL: they are
     * open on a loopback address and off on any other. */
    const char *admin_token;
} http_config;

typedef struct http_server http_server;

/* Listen for every replica of c (which the server borrows: free it after
 * http_stop). NULL on failure, with err set (STORE_ESYS: which replica and
 * port, and the system's reason). */
http_server *http_start(cluster *c, const http_config *cfg, store_error *err);
/* Replica i's base URL, e.g. "http://127.0.0.1:7001" (borrowed). */
const char *http_url(const http_server *s, int i);
/* Are the admin endpoints open without a token (every replica listens on
 * a loopback address and no token was given)? */
bool http_admin_open(const http_server *s);
/* Stop every daemon (finishing requests in progress) and free s. */
void http_stop(http_server *s);

#endif
