/*
 * http.c - see http.h.
 *
 * libmicrohttpd calls on_request several times per request: once when the
 * headers are in (*con_cls still NULL), then once per piece of body, then
 * once more with no data. Every request is answered on a later call than
 * the first (answering on the first costs keep-alive). A body_ctx collects
 * the body up to max_body; a larger one is refused at once when
 * Content-Length says so (api_head), else read and thrown away and refused
 * at the end (libmicrohttpd cannot answer mid-body).
 *
 * Each replica keeps a list of its connections (conn_track), under its own
 * mutex: added when libmicrohttpd announces a connection, removed when it
 * announces the close, which it does before closing the socket. So the
 * reaper, holding the mutex, only ever shuts down a socket that is still
 * the connection's.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/sbuf.h"
#include "api.h"

/* A connection of a replica, for the request deadline. */
typedef struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int64_t since_ns; /* opened, or its last answer was sent */
    bool busy;        /* a whole request is in and being answered */
    bool cut;         /* shut down for being too slow */
} conn_track;

typedef struct http_node {
    http_server *srv;
    int id;
    char name[12];
    char url[96];
    bool loopback;
    api_config api;
    struct MHD_Daemon *d;
    pthread_mutex_t mu; /* guards conns */
    conn_track *conns;
} http_node;

struct http_server {
    cluster *c;
    http_config cfg;
    int n;
    http_node *nodes;
    pthread_t reaper;
    bool reaper_started;
    pthread_mutex_t mu; /* guards stopping */
    pthread_cond_t cv;
    bool stopping;
};

/* A request body being read. */
typedef struct body_ctx {
    sbuf body;
    bool too_big;
} body_ctx;

/* con_cls of a request without a body, between the two calls. */
static body_ctx no_body;

/* ---- requests ---- */

static const char *header_of(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* Queue out's answer (out is freed either way). */
static enum MHD_Result reply(struct MHD_Connection *conn, api_response *out)
{
    size_t len = out->body.len;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, out->body.p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        api_response_free(out);
        return MHD_NO;
    }
    out->body = (sbuf){0}; /* the response owns the text now */
    char tok[24];
    snprintf(tok, sizeof tok, "%lld", (long long)out->token);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, SERVE_SESSION_HEADER, tok);
    if (out->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, out->allow);
    if (out->authenticate)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, out->authenticate);
    enum MHD_Result rc = MHD_queue_response(conn, out->status, r);
    MHD_destroy_response(r);
    return rc;
}

/* The request is whole: from now on the deadline does not apply. */
static void mark_busy(http_node *nd, struct MHD_Connection *conn, bool busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_track *t = ci ? ci->socket_context : NULL;
    if (!t)
        return;
    pthread_mutex_lock(&nd->mu);
    t->busy = busy;
    if (!busy)
        t->since_ns = clock_now_ns();
    pthread_mutex_unlock(&nd->mu);
}

static enum MHD_Result answer(http_node *nd, struct MHD_Connection *conn, const char *url,
                              const char *method, const body_ctx *bc)
{
    api_request rq = {method, url, header_of, conn, NULL, 0, false};
    if (bc) {
        rq.body = bc->body.p;
        rq.blen = bc->body.len;
        rq.too_big = bc->too_big;
    }
    mark_busy(nd, conn, true);
    api_response out;
    api_handle(nd->srv->c, nd->id, &nd->api, &rq, &out);
    return reply(conn, &out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    http_node *nd = cls;
    size_t max = nd->api.max_body;
    body_ctx *bc = *con_cls;
    if (!bc) {
        api_request rq = {method, url, header_of, conn, NULL, 0, false};
        api_response out;
        switch (api_head(nd->srv->c, nd->id, &nd->api, &rq, &out)) {
        case API_ANSWER:
            mark_busy(nd, conn, true);
            return reply(conn, &out);
        case API_NO_BODY:
            /* Answered on the next call: a response queued now would close
             * the connection (libmicrohttpd cannot know the request is
             * complete), losing keep-alive. */
            *con_cls = &no_body;
            return MHD_YES;
        case API_READ_BODY:
            *con_cls = xcalloc(1, sizeof(body_ctx));
            return MHD_YES;
        }
    }
    if (bc == &no_body) {
        if (*upload_size) {
            *upload_size = 0; /* a body where none belongs is ignored */
            return MHD_YES;
        }
        return answer(nd, conn, url, method, NULL);
    }
    if (*upload_size) {
        if (!bc->too_big && bc->body.len + *upload_size > max) {
            bc->too_big = true;
            sbuf_free(&bc->body);
        }
        if (!bc->too_big)
            sbuf_addn(&bc->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(nd, conn, url, method, bc);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    mark_busy(cls, conn, false);
    body_ctx *bc = *con_cls;
    if (bc && bc != &no_body) {
        sbuf_free(&bc->body);
        free(bc);
        *con_cls = NULL;
    }
}

/* Leave the path undecoded: the API decodes the key itself. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* ---- connections and the reaper ---- */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_node *nd = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_track *t = xcalloc(1, sizeof *t);
        t->fd = ci ? ci->connect_fd : -1;
        t->since_ns = clock_now_ns();
        pthread_mutex_lock(&nd->mu);
        t->next = nd->conns;
        if (nd->conns)
            nd->conns->prev = t;
        nd->conns = t;
        pthread_mutex_unlock(&nd->mu);
        *socket_context = t;
        return;
    }
    conn_track *t = *socket_context;
    if (!t)
        return;
    pthread_mutex_lock(&nd->mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        nd->conns = t->next;
    if (t->next)
        t->next->prev = t->prev;
    pthread_mutex_unlock(&nd->mu);
    free(t);
    *socket_context = NULL;
}

/* Shut down every connection of nd that has had its time to send a request
 * and has not. */
static void reap(http_node *nd, int64_t deadline_ns)
{
    int64_t now = clock_now_ns();
    pthread_mutex_lock(&nd->mu);
    for (conn_track *t = nd->conns; t; t = t->next) {
        if (t->busy || t->cut || t->fd < 0 || now - t->since_ns < deadline_ns)
            continue;
        shutdown(t->fd, SHUT_RDWR);
        t->cut = true;
    }
    pthread_mutex_unlock(&nd->mu);
}

static void *reaper_main(void *arg)
{
    http_server *s = arg;
    int64_t deadline = (int64_t)s->cfg.request_timeout_ms * 1000000;
    /* A connection is cut at most a quarter of its time late. */
    int64_t period = deadline / 4 < 250000000 ? deadline / 4 : 250000000;
    if (period < 1000000)
        period = 1000000;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        struct timespec ts = clock_timespec(clock_now_ns() + period);
        clock_wait(&s->cv, &s->mu, &ts);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->mu);
        for (int i = 0; i < s->n; i++)
            reap(&s->nodes[i], deadline);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- listening ---- */

/* A listening socket of node nd on addr:port, or -1 with err. nd's url
 * gets the address, its loopback whether it is one. Non-blocking: every
 * thread of the pool accepts on it, and the losers of a race for a
 * connection must not block in accept(). */
static int listen_on(http_node *nd, const char *addr, int port, store_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *ais = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(addr, ps, &hints, &ais);
    if (rc) {
        store_error_set(err, STORE_ESYS, "cannot resolve the address '%s': %s (%s)", addr,
                        gai_strerror(rc), nd->name);
        return -1;
    }
    int fd = -1, syserr = 0;
    for (struct addrinfo *ai = ais; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            syserr = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
            syserr = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ais);
    if (fd < 0) {
        store_error_set(err, STORE_ESYS, "cannot listen on %s port %d: %s (%s)", addr, port,
                        strerror(syserr), nd->name);
        return -1;
    }
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?", serv[16] = "?";
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    nd->loopback = api_loopback((const struct sockaddr *)&ss);
    snprintf(nd->url, sizeof nd->url, ss.ss_family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s",
             host, serv);
    return fd;
}

http_server *http_start(cluster *c, const http_config *cfg, store_error *err)
{
    int n = cluster_config_get(c)->n;
    http_server *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->cfg = *cfg;
    s->n = n;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
    for (int i = 0; i < n; i++)
        pthread_mutex_init(&s->nodes[i].mu, NULL);
    for (int i = 0; i < n; i++) {
        http_node *nd = &s->nodes[i];
        nd->srv = s;
        nd->id = i;
        cluster_node_name(i, nd->name);
        int fd = listen_on(nd, cfg->bind, cfg->port ? cfg->port + i : 0, err);
        if (fd < 0)
            goto fail;
        nd->api = (api_config){.max_body = cfg->max_body, .admin_token = cfg->admin_token,
                               .admin_open = nd->loopback};
        /* libmicrohttpd shares the limit out among the pool's threads. */
        unsigned limit = cfg->max_conns < (unsigned)cfg->threads ? (unsigned)cfg->threads
                                                                 : cfg->max_conns;
        nd->d = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, nd,
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, nd,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, nd,
            MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
            MHD_OPTION_CONNECTION_LIMIT, limit,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_conns_per_ip,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
            MHD_OPTION_END);
        if (!nd->d) {
            close(fd);
            store_error_set(err, STORE_ESYS, "cannot start the HTTP server of %s on %s",
                            nd->name, nd->url);
            goto fail;
        }
    }
    if (pthread_create(&s->reaper, NULL, reaper_main, s)) {
        store_error_set(err, STORE_ESYS, "cannot start a thread: %s", strerror(errno));
        goto fail;
    }
    s->reaper_started = true;
    return s;
fail:
    http_stop(s);
    return NULL;
}

const char *http_url(const http_server *s, int i)
{
    return s->nodes[i].url;
}

bool http_admin_open(const http_server *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->cfg.admin_token || !s->nodes[i].loopback)
            return false;
    return true;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    if (s->reaper_started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->reaper, NULL);
    }
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i].d)
            MHD_stop_daemon(s->nodes[i].d);
    for (int i = 0; i < s->n; i++)
        pthread_mutex_destroy(&s->nodes[i].mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->nodes);
    free(s);
}
