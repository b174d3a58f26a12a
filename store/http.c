/*
 * http.c - see http.h.
 *
 * libmicrohttpd calls on_request several times per request: once when the
 * headers are in (*con_cls still NULL), then once per piece of body, then
 * once more with no data. Every request is answered on a later call than
 * the first (answering on the first costs keep-alive). A body_ctx collects the body up to max_body; a larger
 * one is refused at once when Content-Length says so, else read and thrown
 * away and refused at the end (libmicrohttpd cannot answer mid-body).
 *
 * The path reaches us undecoded (our unescape callback leaves it alone) so
 * that "/kv/a%2Fb" is the key "a/b", not the path /kv/a/b.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/mem.h"

typedef struct http_node {
    http_server *srv;
    int id;
    char name[12];
    char url[96];
    struct MHD_Daemon *d;
} http_node;

struct http_server {
    cluster *c;
    http_config cfg;
    int n;
    http_node *nodes;
};

/* A request body being read. */
typedef struct body_ctx {
    sbuf body;
    bool too_big;
} body_ctx;

/* con_cls of a request without a body, between the two calls. */
static body_ctx no_body;

enum route_kind { R_HEALTH, R_KV, R_CAS, R_STATE, R_PARTITION, R_HEAL };

typedef struct route {
    enum route_kind kind;
    bool get, body; /* the method is GET (or HEAD); the request has a body */
    char key[HTTP_MAX_KEY];
    size_t klen;
} route;

/* ---- responses ---- */

/* Queue a response with body b's text (taken over) and status. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, sbuf *b, int64_t token,
                             const char *allow)
{
    sbuf_addc(b, '\n');
    size_t len = b->len;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, b->p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        sbuf_free(b);
        return MHD_NO;
    }
    b->p = NULL;
    b->len = b->cap = 0;
    char tok[24];
    snprintf(tok, sizeof tok, "%lld", (long long)token);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, HTTP_SESSION_HEADER, tok);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_error(http_node *nd, struct MHD_Connection *conn, unsigned status,
                                   const char *msg, const char *allow)
{
    sbuf b = {0};
    sbuf_adds(&b, "{\"error\":");
    sbuf_add_json_str(&b, msg, strlen(msg));
    sbuf_printf(&b, ",\"node\":\"%s\"}", nd->name);
    return reply(conn, status, &b, cluster_token(nd->srv->c, nd->id), allow);
}

/* ---- routing ---- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (HTTP_MAX_KEY bytes): 0, or 400 (a bad
 * escape) or 414 (too long), with why. */
static unsigned decode_key(const char *s, size_t n, char *out, size_t *outlen, const char **why)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            int h = i + 2 < n ? hexval(s[i + 1]) : -1, l = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                *why = "bad percent-encoding in the key";
                return MHD_HTTP_BAD_REQUEST;
            }
            ch = (char)(h * 16 + l);
            i += 2;
        }
        if (k == HTTP_MAX_KEY) {
            *why = "the key is longer than " HTTP_MAX_KEY_TEXT " bytes";
            return MHD_HTTP_URI_TOO_LONG;
        }
        out[k++] = ch;
    }
    *outlen = k;
    return 0;
}

/* Parse method and path into rt; 0, or an error status with why and, for
 * 405, the methods allowed. */
static unsigned route_parse(const char *url, const char *method, route *rt, const char **why,
                            const char **allow)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool put = !strcmp(method, "PUT"), post = !strcmp(method, "POST");
    memset(rt, 0, offsetof(route, key));
    rt->get = get;
    *allow = NULL;
    if (!strncmp(url, "/kv/", 4)) {
        const char *seg = url + 4, *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (slash && strcmp(slash, "/cas")) {
            *why = "unknown path (keys are one path segment: encode '/' as %2F)";
            return MHD_HTTP_NOT_FOUND;
        }
        rt->kind = slash ? R_CAS : R_KV;
        if (rt->kind == R_CAS ? !post : !(get || put)) {
            *allow = rt->kind == R_CAS ? "POST" : "GET, HEAD, PUT";
            *why = rt->kind == R_CAS ? "method not allowed: use POST" : "method not allowed: use GET or PUT";
            return MHD_HTTP_METHOD_NOT_ALLOWED;
        }
        unsigned st = decode_key(seg, n, rt->key, &rt->klen, why);
        if (st)
            return st;
        if (!rt->klen) {
            *why = "empty key";
            return MHD_HTTP_BAD_REQUEST;
        }
        rt->body = !get;
        return 0;
    }
    static const struct {
        const char *path;
        enum route_kind kind;
        bool post;
    } fixed[] = {
        {"/health", R_HEALTH, false},
        {"/admin/state", R_STATE, false},
        {"/admin/partition", R_PARTITION, true},
        {"/admin/heal", R_HEAL, true},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (strcmp(url, fixed[i].path))
            continue;
        rt->kind = fixed[i].kind;
        if (fixed[i].post ? !post : !get) {
            *allow = fixed[i].post ? "POST" : "GET, HEAD";
            *why = fixed[i].post ? "method not allowed: use POST" : "method not allowed: use GET";
            return MHD_HTTP_METHOD_NOT_ALLOWED;
        }
        rt->body = fixed[i].post;
        return 0;
    }
    *why = "unknown path (try GET /kv/KEY, PUT /kv/KEY, POST /kv/KEY/cas, GET /health)";
    return MHD_HTTP_NOT_FOUND;
}

/* ---- handlers ---- */

/* Parse body as a JSON object; NULL with why on failure. New reference. */
static json_t *parse_body(const char *body, size_t len, char *why, size_t whylen)
{
    json_error_t err;
    json_t *j = json_loadb(body ? body : "", len, 0, &err);
    if (!j) {
        snprintf(why, whylen, "the body is not JSON: %s (line %d, column %d)", err.text, err.line,
                 err.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        snprintf(why, whylen, "the body must be a JSON object");
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The canonical text of field name of obj (malloc'd), or NULL with why. */
static char *field_text(json_t *obj, const char *name, const char *shape, char *why, size_t whylen)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        snprintf(why, whylen, "the body must be %s: \"%s\" is missing", shape, name);
        return NULL;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        snprintf(why, whylen, "\"%s\" cannot be encoded", name);
    return s;
}

static enum MHD_Result kv_request(http_node *nd, struct MHD_Connection *conn, const route *rt,
                                  const char *body, size_t blen)
{
    cluster *c = nd->srv->c;
    char why[256];
    cl_req rq = {.key = rt->key, .klen = rt->klen};
    char *val = NULL, *old = NULL;
    json_t *j = NULL;
    enum MHD_Result rc;

    const char *tok = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, HTTP_SESSION_HEADER);
    if (tok) {
        char *end;
        errno = 0;
        long long t = strtoll(tok, &end, 10);
        if (!*tok || *end || errno || t < 0) {
            snprintf(why, sizeof why, "%s must be a whole number >= 0", HTTP_SESSION_HEADER);
            rc = reply_error(nd, conn, MHD_HTTP_BAD_REQUEST, why, NULL);
            goto out;
        }
        rq.token = t;
    }
    if (rt->kind == R_CAS) {
        rq.kind = CL_CAS;
        if (!(j = parse_body(body, blen, why, sizeof why)) ||
            !(old = field_text(j, "old", "{\"old\":..., \"new\":...}", why, sizeof why)) ||
            !(val = field_text(j, "new", "{\"old\":..., \"new\":...}", why, sizeof why))) {
            rc = reply_error(nd, conn, MHD_HTTP_BAD_REQUEST, why, NULL);
            goto out;
        }
    } else if (!rt->get) {
        rq.kind = CL_PUT;
        if (!(j = parse_body(body, blen, why, sizeof why)) ||
            !(val = field_text(j, "value", "{\"value\":...}", why, sizeof why))) {
            rc = reply_error(nd, conn, MHD_HTTP_BAD_REQUEST, why, NULL);
            goto out;
        }
    } else {
        rq.kind = CL_GET;
    }
    if (val) {
        rq.val = val;
        rq.vlen = strlen(val);
    }
    if (old) {
        rq.old = old;
        rq.oldlen = strlen(old);
    }

    cl_res res;
    cluster_do(c, nd->id, &rq, &res);
    sbuf b = {0};
    unsigned status;
    switch (res.status) {
    case CL_OK:
        status = MHD_HTTP_OK;
        sbuf_addc(&b, '{');
        if (rq.kind == CL_GET)
            sbuf_printf(&b, "\"value\":%s,", res.val);
        sbuf_printf(&b, "\"version\":%lld,\"node\":\"%s\"}", (long long)res.version, nd->name);
        break;
    case CL_NOT_FOUND:
        status = MHD_HTTP_NOT_FOUND;
        sbuf_printf(&b, "{\"error\":\"not found\",\"node\":\"%s\"}", nd->name);
        break;
    case CL_CAS_FAILED:
        status = MHD_HTTP_PRECONDITION_FAILED;
        sbuf_printf(&b,
                    "{\"error\":\"cas failed: the current value differs\",\"value\":%s,"
                    "\"version\":%lld,\"node\":\"%s\"}",
                    res.val, (long long)res.version, nd->name);
        break;
    default:
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
        sbuf_adds(&b, "{\"error\":");
        sbuf_add_json_str(&b, res.why, strlen(res.why));
        sbuf_printf(&b, ",\"node\":\"%s\"}", nd->name);
        break;
    }
    rc = reply(conn, status, &b, res.token, NULL);
    cluster_res_free(&res);
out:
    free(val);
    free(old);
    json_decref(j);
    return rc;
}

/* POST /admin/partition {"groups":[["n1"],["n2","n3"]]}: nodes named in no
 * group are each cut off alone. */
static enum MHD_Result partition_request(http_node *nd, struct MHD_Connection *conn,
                                         const char *body, size_t blen)
{
    cluster *c = nd->srv->c;
    int n = cluster_config_get(c)->n;
    char why[256];
    int group[CLUSTER_MAX_NODES];
    for (int i = 0; i < n; i++)
        group[i] = -1;
    json_t *j = parse_body(body, blen, why, sizeof why), *groups = NULL;
    if (j && !json_is_array(groups = json_object_get(j, "groups"))) {
        snprintf(why, sizeof why, "the body must be {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}");
        goto bad;
    }
    if (!j)
        goto bad;
    size_t gi;
    json_t *g;
    json_array_foreach(groups, gi, g) {
        if (!json_is_array(g)) {
            snprintf(why, sizeof why, "groups[%zu] is not an array of node names", gi);
            goto bad;
        }
        size_t ni;
        json_t *name;
        json_array_foreach(g, ni, name) {
            int idx = json_is_string(name) ? cluster_node_index(c, json_string_value(name)) : -1;
            if (idx < 0) {
                snprintf(why, sizeof why, "groups[%zu][%zu] names no node (n1 .. n%d)", gi, ni, n);
                goto bad;
            }
            if (group[idx] >= 0) {
                snprintf(why, sizeof why, "n%d is in more than one group", idx + 1);
                goto bad;
            }
            group[idx] = (int)gi;
        }
    }
    int next = (int)json_array_size(groups);
    for (int i = 0; i < n; i++)
        if (group[i] < 0)
            group[i] = next++;
    json_decref(j);
    cluster_partition(c, group);
    sbuf b = {0};
    sbuf_printf(&b, "{\"ok\":true,\"node\":\"%s\"}", nd->name);
    return reply(conn, MHD_HTTP_OK, &b, cluster_token(c, nd->id), NULL);
bad:
    json_decref(j);
    return reply_error(nd, conn, MHD_HTTP_BAD_REQUEST, why, NULL);
}

static enum MHD_Result handle(http_node *nd, struct MHD_Connection *conn, const route *rt,
                              const char *body, size_t blen)
{
    cluster *c = nd->srv->c;
    sbuf b = {0};
    switch (rt->kind) {
    case R_KV:
    case R_CAS:
        return kv_request(nd, conn, rt, body, blen);
    case R_HEALTH:
        sbuf_printf(&b, "{\"ok\":true,\"node\":\"%s\",\"mode\":\"%s\"}", nd->name,
                    cluster_mode_name(cluster_config_get(c)->mode));
        break;
    case R_STATE:
        cluster_state_json(c, &b);
        break;
    case R_PARTITION:
        return partition_request(nd, conn, body, blen);
    case R_HEAL:
        cluster_heal(c);
        sbuf_printf(&b, "{\"ok\":true,\"node\":\"%s\"}", nd->name);
        break;
    }
    return reply(conn, MHD_HTTP_OK, &b, cluster_token(c, nd->id), NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    http_node *nd = cls;
    size_t max = nd->srv->cfg.max_body;
    body_ctx *bc = *con_cls;
    route rt;
    const char *why, *allow;
    if (!bc) {
        unsigned st = route_parse(url, method, &rt, &why, &allow);
        if (st)
            return reply_error(nd, conn, st, why, allow);
        if (!rt.body) {
            /* Answered on the next call: a response queued now would close
             * the connection (libmicrohttpd cannot know the request is
             * complete), losing keep-alive. */
            *con_cls = &no_body;
            return MHD_YES;
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > max) {
            char msg[96];
            snprintf(msg, sizeof msg, "the body is larger than %zu bytes", max);
            return reply_error(nd, conn, MHD_HTTP_CONTENT_TOO_LARGE, msg, NULL);
        }
        *con_cls = xcalloc(1, sizeof(body_ctx));
        return MHD_YES;
    }
    if (bc == &no_body) {
        if (*upload_size) {
            *upload_size = 0; /* a body where none belongs is ignored */
            return MHD_YES;
        }
        unsigned st = route_parse(url, method, &rt, &why, &allow);
        if (st)
            return reply_error(nd, conn, st, why, allow);
        return handle(nd, conn, &rt, NULL, 0);
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
    if (bc->too_big) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", max);
        return reply_error(nd, conn, MHD_HTTP_CONTENT_TOO_LARGE, msg, NULL);
    }
    unsigned st = route_parse(url, method, &rt, &why, &allow);
    if (st)
        return reply_error(nd, conn, st, why, allow);
    return handle(nd, conn, &rt, bc->body.p, bc->body.len);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    body_ctx *bc = *con_cls;
    if (bc && bc != &no_body) {
        sbuf_free(&bc->body);
        free(bc);
        *con_cls = NULL;
    }
}

/* Leave the path undecoded: route_parse decodes the key itself. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* ---- listening ---- */

/* A listening socket on addr:port, or -1 with why. url gets the address.
 * Non-blocking: every thread of the pool accepts on it, and the losers of a
 * race for a connection must not block in accept(). */
static int listen_on(const char *addr, int port, char *url, size_t urlcap, sbuf *why)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *ais = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(addr, ps, &hints, &ais);
    if (rc) {
        sbuf_printf(why, "cannot resolve the address '%s': %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = ais; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ais);
    if (fd < 0) {
        sbuf_printf(why, "cannot listen on %s port %d: %s", addr, port, strerror(err));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?", serv[16] = "?";
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(url, urlcap, ss.ss_family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s", host, serv);
    return fd;
}

http_server *http_start(cluster *c, const http_config *cfg, sbuf *why)
{
    int n = cluster_config_get(c)->n;
    http_server *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->cfg = *cfg;
    s->n = n;
    s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
    for (int i = 0; i < n; i++) {
        http_node *nd = &s->nodes[i];
        nd->srv = s;
        nd->id = i;
        cluster_node_name(i, nd->name);
        int fd = listen_on(cfg->bind, cfg->port ? cfg->port + i : 0, nd->url, sizeof nd->url, why);
        if (fd < 0) {
            sbuf_printf(why, " (%s)", nd->name);
            goto fail;
        }
        nd->d = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, nd,
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
            MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
            MHD_OPTION_END);
        if (!nd->d) {
            close(fd);
            sbuf_printf(why, "cannot start the HTTP server of %s on %s", nd->name, nd->url);
            goto fail;
        }
    }
    return s;
fail:
    http_stop(s);
    return NULL;
}

const char *http_url(const http_server *s, int i)
{
    return s->nodes[i].url;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i].d)
            MHD_stop_daemon(s->nodes[i].d);
    free(s->nodes);
    free(s);
}
