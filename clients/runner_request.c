/*
 * runner_request.c - the runner's requests over libcurl: the multi handle
 * and each client's easy handle, the callbacks that feed them and read
 * their answers, the headers, and the session tokens a store hands out.
 *
 * libcurl resends a request by itself when a reused connection closes
 * without an answer (it takes that for a stale keep-alive). A write that
 * reached the store before the close would then be applied twice, and the
 * second answer would hide the first (a cas applied, then resent, would be
 * recorded fail on its mismatch). So request bodies are given through a
 * read callback whose seek callback refuses to rewind a body once sent:
 * curl gives up with CURLE_SEND_FAIL_REWIND instead, which is info. A
 * request with no body needs no rewind (a spec may write with a GET, or a
 * POST whose data is in the path): its second start is refused by the
 * prereq callback (CURLE_ABORTED_BY_CALLBACK, info too). Reads have no
 * effect; resending them is harmless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#include "../util/mem.h"
#include "runner_int.h"

/* ---- libcurl callbacks ---- */

/* curl says which sockets to watch for what. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
    runner *r = ud;
    (void)e;
    (void)sp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, s, NULL); /* EBADF if closed: fine */
        return 0;
    }
    struct epoll_event ev = {0};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = s;
    if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, s, &ev);
    return 0;
}

/* curl says when it next needs its timeout action (-1: never). */
static int on_timer(CURLM *m, long timeout_ms, void *ud)
{
    runner *r = ud;
    (void)m;
    r->timer_at_ns = timeout_ms < 0 ? -1 : rec_now(r->rec) + (int64_t)timeout_ms * 1000000;
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    client *c = ud;
    size_t len = size * n;
    if (c->resp.len + len > CL_MAX_BODY) {
        c->too_big = true;
        return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
    }
    sbuf_addn(&c->resp, p, len);
    return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    client *c = ud;
    size_t left = c->req.body.len - c->body_off;
    if (left > size * n)
        left = size * n;
    memcpy(p, c->req.body.p + c->body_off, left);
    c->body_off += left;
    return left;
}

/* Rewinding a body already (partly) sent means a resend: refused. */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    client *c = ud;
    if (offset == 0 && origin == SEEK_SET && c->body_off == 0)
        return CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_CANTSEEK;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* libcurl is about to send c's request on a connection: once per attempt.
 * A second attempt of a request that may change something is a resend. */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    client *c = ud;
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    if (c->sends++ > 0 && c->kind != ADP_READ)
        return CURL_PREREQFUNC_ABORT;
    return CURL_PREREQFUNC_OK;
}
#endif

/* Picks out the adapter's session header; a token that is too long or
 * has bytes unfit for a header is ignored. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    client *c = ud;
    size_t len = size * n;
    if (c->r->c->adapter->wants_headers) {
        /* Only the last response's: an interim one (100) comes first. */
        if (len >= 5 && !memcmp(p, "HTTP/", 5))
            sbuf_reset(&c->resp_hdrs);
        /* Headers past the cap are not dropped: the adapter would read
         * the answer without them (a rule that makes it info, on a header
         * that came late, would not fit). The transfer ends: info. */
        if (c->resp_hdrs.len + len > MAX_HEADERS) {
            c->hdrs_too_big = true;
            return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
        }
        sbuf_addn(&c->resp_hdrs, p, len);
    }
    const char *name = c->r->c->adapter->session_header;
    if (!name)
        return len;
    size_t nlen = strlen(name);
    if (len <= nlen + 1 || p[nlen] != ':' || strncasecmp(p, name, nlen))
        return len;
    const char *v = p + nlen + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen == 0 || vlen >= CL_MAX_TOKEN)
        return len;
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
            return len;
    memcpy(c->resp_token, v, vlen);
    c->resp_token[vlen] = '\0';
    return len;
}

/* ---- session tokens ---- */

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Is token a later than b? Numbers compare as numbers; anything else: the
 * newer one wins. */
static bool token_newer(const char *a, const char *b)
{
    if (!*b)
        return true;
    if (all_digits(a) && all_digits(b)) {
        size_t la = strlen(a), lb = strlen(b);
        while (la > 1 && *a == '0')
            a++, la--;
        while (lb > 1 && *b == '0')
            b++, lb--;
        return la != lb ? la > lb : strcmp(a, b) > 0;
    }
    return strcmp(a, b) != 0;
}

void runner_take_token(client *c)
{
    if (!c->resp_token[0])
        return;
    if (token_newer(c->resp_token, c->token)) {
        memcpy(c->token, c->resp_token, sizeof c->token);
        c->hdrs_stale = true;
    }
    c->resp_token[0] = '\0';
}

/* The user's headers and the session token, after l. */
static struct curl_slist *common_headers(client *c, struct curl_slist *l)
{
    runner *r = c->r;
    for (struct curl_slist *h = r->base_hdrs; h; h = h->next)
        l = curl_slist_append(l, h->data);
    if (c->token[0] && r->c->adapter->session_header) {
        sbuf line = {0};
        sbuf_printf(&line, "%s: %s", r->c->adapter->session_header, c->token);
        l = curl_slist_append(l, sbuf_str(&line));
        sbuf_free(&line);
    }
    return l;
}

/* Requests with a body say it is JSON, and that curl must not wait for a
 * 100 Continue; every request carries the user's headers and the session
 * token. Fewer headers are less work for curl on each request. */
static void set_headers(client *c)
{
    for (int body = 0; body < 2; body++) {
        struct curl_slist *l = NULL;
        if (body) {
            l = curl_slist_append(l, "Content-Type: application/json");
            l = curl_slist_append(l, "Expect:");
        }
        l = common_headers(c, l);
        curl_slist_free_all(c->hdrs[body]);
        c->hdrs[body] = l;
    }
    c->hdrs_stale = false;
}

/* A request with header lines of its own (req.headers): those, which say
 * the Content-Type, then the common ones. Without a body, curl's own
 * Content-Type for a POST is left out. */
static struct curl_slist *own_headers(client *c)
{
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    bool ctype = false;
    const char *p = sbuf_str(&c->req.headers);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);
        ctype |= !strncasecmp(line, "Content-Type:", 13);
        l = curl_slist_append(l, line);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    if (!ctype)
        l = curl_slist_append(l, "Content-Type:");
    return common_headers(c, l);
}

void runner_new_request(client *c, adp_kind kind)
{
    c->kind = kind;
    sbuf_reset(&c->req.path);
    sbuf_reset(&c->req.body);
    sbuf_reset(&c->req.headers);
    c->req.method = "GET";
    c->req.token = sbuf_str(&c->cas_token);
    c->req.token_len = kind == ADP_CAS ? c->cas_token.len : 0;
}

void runner_start_request(client *c, adp_kind kind, val a, val b, long timeout_ms)
{
    runner *r = c->r;
    size_t klen;
    const char *key = val_str_bytes(r->vt, c->op.key, &klen);
    runner_new_request(c, kind);
    r->c->adapter->request(&r->c->aopts, r->vt, kind, key, a, b, &c->req);
    runner_prepare_request(c, timeout_ms);
}

void runner_prepare_request(client *c, long timeout_ms)
{
    runner *r = c->r;
    sbuf_reset(&c->target);
    sbuf_adds(&c->target, r->bases[c->url]);
    sbuf_addn(&c->target, c->req.path.p ? c->req.path.p : "", c->req.path.len);
    sbuf_reset(&c->resp);
    sbuf_reset(&c->resp_hdrs);
    c->too_big = false;
    c->hdrs_too_big = false;
    c->sends = 0;
    c->resp_token[0] = '\0';
    c->errbuf[0] = '\0';

    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, sbuf_str(&c->target));
    if (!strcmp(c->req.method, "GET")) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        c->body_off = 0;
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)c->req.body.len);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                         strcmp(c->req.method, "POST") ? c->req.method : NULL);
    }
#if LIBCURL_VERSION_NUM < 0x075000
    /* No prereq callback to refuse a resend: a bodiless request that may
     * change something goes on a new connection, which libcurl never
     * resends on. */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, (long)(c->kind != ADP_READ && !c->req.body.len));
#endif
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_slist_free_all(c->req_hdrs);
    c->req_hdrs = NULL;
    if (c->req.headers.len) {
        c->req_hdrs = own_headers(c);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req_hdrs);
        return;
    }
    if (c->hdrs_stale)
        set_headers(c);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs[c->req.body.len > 0 ? 1 : 0]);
}

void runner_add_handle(client *c)
{
    c->r->url_tries[c->url]++;
    curl_multi_add_handle(c->r->multi, c->easy);
    c->in_multi = true;
}

void runner_remove_handle(client *c)
{
    if (c->in_multi)
        curl_multi_remove_handle(c->r->multi, c->easy);
    c->in_multi = false;
}

cl_rc runner_multi_init(runner *r, cl_error *err)
{
    const runner_config *c = r->c;
    r->multi = curl_multi_init();
    if (!r->multi) {
        cl_error_set(err, CL_ECURL, "libcurl: cannot create a multi handle");
        return CL_ECURL;
    }
    r->timer_at_ns = -1;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0) {
        cl_error_set(err, CL_ECURL, "epoll: %s", strerror(errno));
        return CL_ECURL;
    }
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
    long maxconn = (long)c->clients * (long)c->nurls + 4;
    curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, maxconn > 10000 ? 10000L : maxconn);
    return CL_OK;
}

cl_rc runner_client_init(runner *r, client *cl, cl_error *err)
{
    const runner_config *c = r->c;
    cl->easy = curl_easy_init();
    if (!cl->easy) {
        cl_error_set(err, CL_ECURL, "libcurl: cannot create an easy handle");
        return CL_ECURL;
    }
    CURL *e = cl->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, cl);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, cl);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, cl);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, cl);
#if LIBCURL_VERSION_NUM >= 0x075000
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, cl);
#endif
    if (c->adapter->session_header || c->adapter->wants_headers) {
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, cl);
    }
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cl->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* Straight to the store: a proxy (from http_proxy and the like) would
     * add its own retries and connection handling to what is recorded. */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (c->cacert)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->cacert);
    if (c->cert)
        curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert);
    if (c->key)
        curl_easy_setopt(e, CURLOPT_SSLKEY, c->key);
    if (c->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return CL_OK;
}
