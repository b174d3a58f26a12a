/*
 * api.h - conch serve's HTTP API apart from any HTTP server: a request
 * (method, path, headers, body) in, a response (status, JSON body, session
 * token, headers) out. http.c feeds it from libmicrohttpd; the fuzz harness
 * (tests/fuzz/fuzz_serve.c) feeds it bytes, with no socket. The README's
 * "conch serve" section documents the API.
 *
 * A request is answered in up to two steps, as a server receives it:
 * api_head when its head (method, path, headers) is in, which answers at
 * once what needs no body (a path or method that is wrong, a body
 * announced as too large, missing admin credentials); then api_handle once
 * the body is in. Every answer has a JSON body: never a crash, whatever the
 * bytes.
 *
 * The API itself (paths, fields, the session header, what each status
 * means) is written down in proto/serve.h, which the clients' adapter
 * includes too.
 */
#ifndef CONCH_API_H
#define CONCH_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../proto/serve.h"
#include "../util/sbuf.h"
#include "cluster.h"

typedef struct api_config {
    size_t max_body;         /* larger request bodies get 413 */
    /* The admin endpoints (/admin/...): with a token, a request needs
     * "Authorization: Bearer TOKEN" (else 401); without one they are open
     * when admin_open (a loopback address), else off (403). */
    const char *admin_token;
    bool admin_open;
    /* Runs an operation; NULL: cluster_do. (The fuzz harness runs the
     * cluster without threads and delivers its messages itself.) */
    void (*exec)(cluster *c, int node, const cluster_req *rq, cluster_res *out);
} api_config;

typedef struct api_request {
    const char *method;
    const char *path; /* as sent, not percent-decoded */
    /* The value of the request header name (any case), or NULL. */
    const char *(*header)(void *ctx, const char *name);
    void *ctx;
    const char *body; /* borrowed; NULL when blen is 0 */
    size_t blen;
    bool too_big;     /* the body was over max_body, and thrown away */
} api_request;

typedef struct api_response {
    unsigned status;
    sbuf body;                /* JSON text ending in a newline (api_response_free) */
    int64_t token;            /* for the session header */
    const char *allow;        /* the Allow header (405); static, NULL: none */
    const char *authenticate; /* the WWW-Authenticate header (401); static, NULL: none */
} api_response;

typedef enum api_step {
    API_ANSWER,    /* *out holds the answer */
    API_NO_BODY,   /* the request takes no body: answer with api_handle */
    API_READ_BODY, /* read the body (up to max_body), then api_handle */
} api_step;

/* What to do with a request whose head is in (rq's body is not looked
 * at). *out is filled only for API_ANSWER. */
api_step api_head(cluster *c, int node, const api_config *cfg, const api_request *rq,
                  api_response *out);
/* Answer a whole request (head and body). *out is overwritten. */
void api_handle(cluster *c, int node, const api_config *cfg, const api_request *rq,
                api_response *out);
void api_response_free(api_response *r);
/* Is sa a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z)? The
 * admin endpoints are open without a token only there. */
bool api_loopback(const struct sockaddr *sa);

#endif
