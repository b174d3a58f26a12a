/*
 * proxy_admin.c - conch proxy's admin endpoints (proto/admin.h), on
 * libmicrohttpd's own thread, on a loopback address only: a partition is
 * handed to the event loop (proxy.want, then the eventfd), and the answer
 * waits until the loop has applied it, so a 200 means the cut is in place.
 *
 *   GET  /health            200 {"ok":true}
 *   POST /admin/partition   {"groups":[["n1"],["n2","n3"]],"mode":"drop"}
 *   POST /admin/heal
 *   GET  /admin/state       the partition in force, and per route its
 *                           addresses and counters
 */
#include "proxy_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../proto/admin.h"
#include "../util/clock.h"
#include "../util/mem.h"

enum { MAX_BODY = 64 * 1024, APPLY_MS = 10000 };

typedef struct req_body {
    sbuf b;
    bool too_big;
} req_body;

/* Hand cut to the loop and wait until it is applied; false on timeout. */
static bool submit(proxy *p, const px_cut *cut)
{
    pthread_mutex_lock(&p->mu);
    p->want = *cut;
    uint64_t gen = ++p->want_gen;
    pthread_mutex_unlock(&p->mu);
    uint64_t one = 1;
    ssize_t w = write(p->wake, &one, sizeof one);
    (void)w;
    struct timespec until = clock_deadline_ms(APPLY_MS);
    bool ok = true;
    pthread_mutex_lock(&p->mu);
    while (p->done_gen < gen && ok)
        ok = clock_wait(&p->cv, &p->mu, &until) != ETIMEDOUT || p->done_gen >= gen;
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* {"groups":[[...],...],"mode":...} into cut; false with why. */
static bool parse_partition(const proxy *p, const char *body, size_t len, px_cut *cut, sbuf *why)
{
    json_error_t jerr;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr), *groups;
    bool ok = false;
    cut->on = true;
    cut->mode = p->mode;
    for (size_t i = 0; i < CLU_MAX_NODES; i++)
        cut->group[i] = -1;
    if (!j) {
        sbuf_printf(why, "the body is not JSON: %s", jerr.text);
        goto out;
    }
    if (!json_is_object(j) || !json_is_array(groups = json_object_get(j, ADMIN_GROUPS))) {
        sbuf_adds(why, "the body must be {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (strcmp(key, ADMIN_GROUPS) && strcmp(key, ADMIN_MODE)) {
            sbuf_printf(why, "unknown field \"%s\" (expected groups, mode)", key);
            goto out;
        }
    }
    json_t *m = json_object_get(j, ADMIN_MODE);
    if (m) {
        int k = json_is_string(m) ? px_mode_find(json_string_value(m)) : -1;
        if (k < 0) {
            sbuf_adds(why, "mode must be \"blackhole\" or \"drop\"");
            goto out;
        }
        cut->mode = (px_mode)k;
    }
    size_t gi, ni;
    json_t *g, *nm;
    json_array_foreach(groups, gi, g) {
        if (!json_is_array(g)) {
            sbuf_printf(why, "groups[%zu] is not an array of node names", gi);
            goto out;
        }
        json_array_foreach(g, ni, nm) {
            int idx = json_is_string(nm) ? clu_find(p->c, json_string_value(nm)) : -1;
            if (idx < 0) {
                sbuf_printf(why, "groups[%zu][%zu] names no node of the cluster", gi, ni);
                goto out;
            }
            if (cut->group[idx] >= 0) {
                sbuf_printf(why, "%s is in more than one group", p->c->nodes[idx].name);
                goto out;
            }
            cut->group[idx] = (int)gi;
        }
    }
    int next = (int)json_array_size(groups);
    for (size_t i = 0; i < p->c->n; i++)
        if (cut->group[i] < 0)
            cut->group[i] = next++;
    ok = true;
out:
    json_decref(j);
    return ok;
}

static char *addr_text(const struct sockaddr_in *a)
{
    char ip[INET_ADDRSTRLEN] = "?", buf[64];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    snprintf(buf, sizeof buf, "%s:%d", ip, ntohs(a->sin_port));
    return xstrdup(buf);
}

/* GET /admin/state. New reference. */
static json_t *state_json(proxy *p)
{
    json_t *routes = json_array(), *part = json_null();
    pthread_mutex_lock(&p->mu);
    px_cut cut = p->want;
    for (size_t i = 0; i < p->nroutes; i++) {
        const px_route *rt = &p->routes[i];
        char *l = addr_text(&rt->listen), *t = addr_text(&rt->target);
        json_array_append_new(
            routes, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "node",
                              p->c->nodes[rt->node].name, "listen", l, "target", t, "accepted",
                              (json_int_t)rt->accepted, "unknown", (json_int_t)rt->unknown,
                              "open", (json_int_t)rt->open, "held", (json_int_t)rt->held));
        free(l);
        free(t);
    }
    pthread_mutex_unlock(&p->mu);
    if (cut.on) {
        json_t *groups = json_array();
        for (int g = 0; g < (int)p->c->n; g++) {
            json_t *members = json_array();
            for (size_t k = 0; k < p->c->n; k++)
                if (cut.group[k] == g)
                    json_array_append_new(members, json_string(p->c->nodes[k].name));
            if (json_array_size(members))
                json_array_append_new(groups, members);
            else
                json_decref(members);
        }
        json_decref(part);
        part = json_pack("{s:o, s:s}", ADMIN_GROUPS, groups, ADMIN_MODE, px_mode_name(cut.mode));
    }
    return json_pack("{s:o, s:s, s:o}", "partition", part, "mode", px_mode_name(p->mode),
                     "routes", routes);
}

static json_t *error_json(const char *msg)
{
    return json_pack("{s:s}", "error", msg);
}

/* The answer to one request: its status, and its body in *out (new). */
static unsigned handle(proxy *p, const char *method, const char *url, const req_body *rb,
                       json_t **out, const char **allow)
{
    bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    *allow = NULL;
    if (!strcmp(url, "/health") || !strcmp(url, ADMIN_STATE_PATH)) {
        if (!get) {
            *allow = "GET";
            *out = error_json("use GET");
            return MHD_HTTP_METHOD_NOT_ALLOWED;
        }
        *out = url[1] == 'h' ? json_pack("{s:b}", "ok", 1) : state_json(p);
        return MHD_HTTP_OK;
    }
    bool part = !strcmp(url, ADMIN_PARTITION_PATH), heal = !strcmp(url, ADMIN_HEAL_PATH);
    if (!part && !heal) {
        *out = error_json("no such path (GET /health, GET " ADMIN_STATE_PATH
                          ", POST " ADMIN_PARTITION_PATH ", POST " ADMIN_HEAL_PATH ")");
        return MHD_HTTP_NOT_FOUND;
    }
    if (!post) {
        *allow = "POST";
        *out = error_json("use POST");
        return MHD_HTTP_METHOD_NOT_ALLOWED;
    }
    if (rb->too_big) {
        *out = error_json("the body is over 64 KiB");
        return 413;
    }
    px_cut cut = {.on = false, .mode = p->mode};
    if (part) {
        sbuf why = {0};
        if (!parse_partition(p, rb->b.p ? rb->b.p : "", rb->b.len, &cut, &why)) {
            *out = error_json(sbuf_str(&why));
            sbuf_free(&why);
            return MHD_HTTP_BAD_REQUEST;
        }
    }
    if (!submit(p, &cut)) {
        *out = error_json("the proxy's loop did not apply it in time");
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    *out = json_pack("{s:b}", "ok", 1);
    return MHD_HTTP_OK;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **ctx)
{
    (void)version;
    proxy *p = cls;
    req_body *rb = *ctx;
    if (!rb) {
        *ctx = xcalloc(1, sizeof *rb);
        return MHD_YES;
    }
    if (*size) {
        if (rb->b.len + *size > MAX_BODY)
            rb->too_big = true;
        else
            sbuf_addn(&rb->b, data, *size);
        *size = 0;
        return MHD_YES;
    }
    json_t *body;
    const char *allow;
    unsigned status = handle(p, method, url, rb, &body, &allow);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    size_t len = strlen(text);
    text = xrealloc(text, len + 2);
    text[len++] = '\n';
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result rc = MHD_queue_response(mc, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)mc;
    (void)toe;
    req_body *rb = *ctx;
    if (rb) {
        sbuf_free(&rb->b);
        free(rb);
        *ctx = NULL;
    }
}

bool px_admin_start(proxy *p, const char *addr, sbuf *why)
{
    const char *hp = addr;
    if (!strncmp(hp, "http://", 7))
        hp += 7;
    char buf[300];
    snprintf(buf, sizeof buf, "%s", hp);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '/')
        buf[--n] = '\0';
    char host[256];
    int port = 0;
    if (!clu_split_addr(buf, host, sizeof host, &port)) {
        /* HOST:0 asks for any free port; clu_split_addr takes 1 to 65535 */
        char *colon = strrchr(buf, ':');
        if (!colon || strcmp(colon, ":0")) {
            sbuf_printf(why, "--admin '%s' is not HOST:PORT", addr);
            return false;
        }
        *colon = '\0';
        size_t hl = strlen(buf);
        if (hl >= sizeof host) {
            sbuf_printf(why, "--admin '%s': the host is longer than %zu bytes", addr,
                        sizeof host - 1);
            return false;
        }
        memcpy(host, buf, hl + 1);
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
        sbuf_printf(why, "the admin address must be on loopback (127.x.x.x), not '%s': it "
                         "takes no credentials",
                    host);
        return false;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64)) {
        sbuf_printf(why, "cannot listen on %s:%d for the admin endpoints: %s", host, port,
                    strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    socklen_t sl = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &sl);
    char ip[INET_ADDRSTRLEN] = "127.0.0.1";
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    snprintf(p->admin_url, sizeof p->admin_url, "http://%s:%d", ip, ntohs(a.sin_port));
    p->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, p,
                              MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!p->mhd) {
        close(fd);
        sbuf_printf(why, "cannot start the admin endpoints on %s", p->admin_url);
        return false;
    }
    return true;
}

void px_admin_stop(proxy *p)
{
    if (p->mhd)
        MHD_stop_daemon(p->mhd);
    p->mhd = NULL;
}
