/*
 * http.h - the HTTP face of a cluster: one libmicrohttpd daemon per
 * replica, each on its own port, serving the key-value API and the admin
 * endpoints (the README's "conch serve" section documents them).
 *
 * Each daemon polls with epoll on a pool of threads; a request runs on a
 * pool thread, which blocks in cluster_do while the replicas talk. Request
 * bodies are capped (max_body); keys are one percent-decoded path segment of
 * at most HTTP_MAX_KEY bytes. Anything a client sends gets an answer with a
 * JSON body: never a crash.
 */
#ifndef CONCH_HTTP_H
#define CONCH_HTTP_H

#include <stddef.h>

#include "../util/sbuf.h"
#include "cluster.h"

#define HTTP_MAX_KEY 1024
#define HTTP_MAX_KEY_TEXT "1024" /* the same, for messages */
/* The request header carrying a client's session token, and the response
 * header carrying the replica's. */
#define HTTP_SESSION_HEADER "X-Conch-Session"

typedef struct http_config {
    const char *bind; /* address or host name to listen on */
    int port;         /* replica i listens on port + i; 0: any free port */
    int threads;      /* pool threads per replica */
    size_t max_body;  /* larger request bodies get 413 */
} http_config;

typedef struct http_server http_server;

/* Listen for every replica of c (which the server borrows: free it after
 * http_stop). NULL on failure, with why in *why (which port, and the
 * system's reason). */
http_server *http_start(cluster *c, const http_config *cfg, sbuf *why);
/* Replica i's base URL, e.g. "http://127.0.0.1:7001" (borrowed). */
const char *http_url(const http_server *s, int i);
/* Stop every daemon (finishing requests in progress) and free s. */
void http_stop(http_server *s);

#endif
