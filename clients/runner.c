/*
 * runner.c - see runner.h.
 *
 * The loop, one pass:
 *   1. decide whether to stop invoking (and whether to give up on ops);
 *   2. idle clients take their next op (subject to --rate): the invoke
 *      event is queued in the recorder, the request set on the easy handle;
 *   3. the recorder is flushed, and only then are those handles added to
 *      the multi handle: no request is sent before its invoke is written;
 *   4. epoll waits for the sockets curl asked to watch (its socket
 *      callback) or curl's timer (its timer callback), at most POLL_MS so
 *      signals and deadlines are seen; curl_multi_socket_action moves on
 *      only the transfers whose sockets are ready, so a pass costs what
 *      happened, not the number of clients;
 *   5. finished transfers are classified and their completions queued,
 *      then flushed; the clients go back to the idle queue.
 * Completions of a pass are written before the invocations of the next,
 * and each event's time is read when it is queued, so the file's order and
 * times agree with real time: an op that completed before another was
 * invoked comes first.
 *
 * libcurl resends a request by itself when a reused connection closes
 * without an answer (it takes that for a stale keep-alive). A write that
 * reached the store before the close would then be applied twice, and the
 * second answer would hide the first. So request bodies are given through
 * a read callback whose seek callback refuses to rewind a body once sent:
 * curl gives up with CURLE_SEND_FAIL_REWIND instead, which is info. Reads
 * have no body and no effect; resending them is harmless.
 *
 * An append is two requests under one invocation: a read, then a cas from
 * the value read to that value plus the element. Only the cas can change
 * anything, so an append whose read did not succeed certainly did not
 * happen (fail); the cas is classified as any cas, except that a cas that
 * did not match (certainly no effect) is tried again from the read, up to
 * APPEND_TRIES times. All the requests together get the op's timeout.
 */
#include "runner.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../util/mem.h"

enum { POLL_MS = 50, APPEND_TRIES = 4, BACKOFF_MS = 10, MAX_HEADERS = 1 << 16 };

typedef struct runner runner;

typedef struct client {
    runner *r;
    CURL *easy;
    unsigned id;
    int64_t process;
    size_t url;           /* index into the URLs, for this op */
    bool busy;
    bool in_multi;
    int phase;            /* 0: the op's request; 1: an append's cas */
    int attempts;         /* an append: cas attempts so far */
    adp_kind kind;        /* of the request in flight */
    wl_op op;
    val old, now;         /* an append: the value read, the value the cas writes */
    int64_t invoked_ns;
    unsigned refusals;    /* refused attempts in a row (backoff) */
    int64_t ready_ns;     /* backing off: invoke nothing before */
    adp_req req;
    sbuf target;          /* the full URL of the request */
    size_t body_off;      /* of req.body, sent so far */
    sbuf resp;            /* the response body so far, capped */
    bool too_big;
    sbuf resp_hdrs;       /* the response's header block (adapter wants_headers) */
    sbuf cas_token;       /* a two-step cas: the version its read found */
    struct curl_slist *req_hdrs;   /* headers of a request that has its own */
    char token[CL_MAX_TOKEN];      /* the session token to send back; "" none */
    char resp_token[CL_MAX_TOKEN]; /* the token in the current response */
    struct curl_slist *hdrs[2];    /* [has a body]: headers to send, with the session's */
    bool hdrs_stale;
    char errbuf[CURL_ERROR_SIZE];
} client;

struct runner {
    const runner_config *c;
    CURLM *multi;
    int epfd;                    /* the sockets curl wants watched */
    int64_t timer_at_ns;         /* when curl wants its timeout action; -1 none */
    client *cl;
    vtab *vt;
    workload *wl;
    recorder *rec;
    val *shown;                  /* each URL as recorded: without user and password */
    char **bases;                /* each URL without a trailing '/' */
    struct curl_slist *base_hdrs;
    unsigned *idle;              /* a FIFO of idle client ids */
    unsigned idle_head, idle_n;
    unsigned *waiting;           /* ids of clients backing off */
    unsigned nwaiting;
    int64_t next_ready_ns;       /* the earliest ready_ns among them */
    scrub *sc;                   /* header values and URL passwords */
    runner_stats st;
    int64_t stop_at_ns;          /* when stopping began */
    int64_t next_invoke_ns;      /* --rate: the earliest next invocation */
    bool connected;              /* some request got an HTTP answer */
    uint64_t connect_fails;      /* before the first answer */
    uint64_t *url_tries;         /* requests sent to each URL */
    uint64_t *url_fails;         /* connect failures of each URL before any answer */
    uint64_t unreachable_after;  /* that many, and the store is unreachable */
    bool unreachable;
    char unreachable_why[CURL_ERROR_SIZE + 256];
    val timeout_msg;
    cl_error io;                 /* a write of the history failed */
    bool io_failed;
};

void runner_display_url(const char *url, sbuf *out)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL; /* the last '@': a password may hold one unencoded */
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    if (!at) {
        sbuf_adds(out, url);
        return;
    }
    sbuf_addn(out, url, (size_t)(auth - url));
    sbuf_adds(out, at + 1);
}

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
        if (c->resp_hdrs.len + len <= MAX_HEADERS)
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

static void take_token(client *c)
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

/* ---- ops ---- */

static void idle_push(runner *r, client *c)
{
    unsigned n = r->c->clients;
    r->idle[(r->idle_head + r->idle_n) % n] = c->id;
    r->idle_n++;
}

static client *idle_pop(runner *r)
{
    if (!r->idle_n)
        return NULL;
    client *c = &r->cl[r->idle[r->idle_head]];
    r->idle_head = (r->idle_head + 1) % r->c->clients;
    r->idle_n--;
    return c;
}

/* Set c's easy handle up for a request of kind, with timeout_ms left. */
static void start_request(client *c, adp_kind kind, val a, val b, long timeout_ms)
{
    runner *r = c->r;
    size_t klen;
    const char *key = val_str_bytes(r->vt, c->op.key, &klen);
    c->kind = kind;
    sbuf_reset(&c->req.path);
    sbuf_reset(&c->req.body);
    sbuf_reset(&c->req.headers);
    c->req.method = "GET";
    c->req.token = sbuf_str(&c->cas_token);
    c->req.token_len = kind == ADP_CAS ? c->cas_token.len : 0;
    r->c->adapter->request(&r->c->aopts, r->vt, kind, key, a, b, &c->req);

    sbuf_reset(&c->target);
    sbuf_adds(&c->target, r->bases[c->url]);
    sbuf_addn(&c->target, c->req.path.p ? c->req.path.p : "", c->req.path.len);
    sbuf_reset(&c->resp);
    sbuf_reset(&c->resp_hdrs);
    c->too_big = false;
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

static void add_handle(client *c)
{
    c->r->url_tries[c->url]++;
    curl_multi_add_handle(c->r->multi, c->easy);
    c->in_multi = true;
}

static void remove_handle(client *c)
{
    if (c->in_multi)
        curl_multi_remove_handle(c->r->multi, c->easy);
    c->in_multi = false;
}

/* Take c's next op and queue its invoke; the handle is added after the
 * flush. */
static void invoke(runner *r, client *c, int64_t now)
{
    wl_next(r->wl, &c->op);
    c->busy = true;
    c->phase = 0;
    c->attempts = 0;
    if (r->c->route_random && r->c->nurls > 1)
        c->url = (size_t)(wl_rand(r->wl) % r->c->nurls);
    hist_event ev = {
        .type = EV_INVOKE,
        .has_key = true,
        .process = val_int(c->process),
        .f = c->op.fname,
        .key = c->op.key,
        .value = c->op.value,
        .node = val_nil(),
        .url = r->shown[c->url],
        .error = val_nil(),
        .time = now,
        .version = HIST_NONE,
    };
    c->invoked_ns = now;
    rec_event(r->rec, r->vt, &ev);
    r->st.invoked++;
    r->st.in_flight++;
    const adp_type *t = r->c->adapter;
    sbuf_reset(&c->cas_token);
    switch (c->op.f) {
    case CL_READ:
        start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        break;
    case CL_APPEND:
        if (t->has_append)
            start_request(c, ADP_APPEND, c->op.a, val_nil(), r->c->op_timeout_ms);
        else
            start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        break;
    case CL_WRITE:
        start_request(c, ADP_WRITE, c->op.a, val_nil(), r->c->op_timeout_ms);
        break;
    case CL_CAS:
        if (t->cas_reads_first)
            start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        else
            start_request(c, ADP_CAS, c->op.a, c->op.b, r->c->op_timeout_ms);
        break;
    default:
        break;
    }
}

/* A client whose attempt was refused waits before its next one: from
 * BACKOFF_MS, doubling with each refusal in a row, up to the op timeout,
 * less a random part of up to a half so that clients spread out. */
static void back_off(runner *r, client *c, int64_t now)
{
    int64_t cap = r->c->op_timeout_ms * 1000000;
    int64_t d = (int64_t)BACKOFF_MS * 1000000;
    for (unsigned i = 1; i < c->refusals && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    d -= (int64_t)(wl_rand(r->wl) % (uint64_t)(d / 2 + 1));
    c->ready_ns = now + d;
    r->waiting[r->nwaiting++] = c->id;
    if (r->nwaiting == 1 || c->ready_ns < r->next_ready_ns)
        r->next_ready_ns = c->ready_ns;
}

/* Clients whose backoff is over become idle. */
static void wake_waiting(runner *r, int64_t now)
{
    if (!r->nwaiting || now < r->next_ready_ns)
        return;
    unsigned keep = 0;
    int64_t next = INT64_MAX;
    for (unsigned i = 0; i < r->nwaiting; i++) {
        client *c = &r->cl[r->waiting[i]];
        if (c->ready_ns <= now) {
            idle_push(r, c);
            continue;
        }
        if (c->ready_ns < next)
            next = c->ready_ns;
        r->waiting[keep++] = c->id;
    }
    r->nwaiting = keep;
    r->next_ready_ns = next;
}

/* Queue c's completion and make it idle (or, refused, back off); an info
 * moves it to a new process. url is always recorded, node when the store
 * named the replica that answered. */
static void complete(runner *r, client *c, hist_type type, val value, int64_t version, val node,
                     val error, bool refused, int64_t now)
{
    hist_event ev = {
        .type = type,
        .has_key = true,
        .process = val_int(c->process),
        .f = c->op.fname,
        .key = c->op.key,
        .value = value,
        .node = node,
        .url = r->shown[c->url],
        .error = error,
        .time = now,
        .version = version,
    };
    rec_event(r->rec, r->vt, &ev);
    c->busy = false;
    r->st.in_flight--;
    if (refused)
        r->st.refused++;
    else if (type == EV_OK)
        r->st.ok++;
    else if (type == EV_FAIL)
        r->st.fail++;
    else
        r->st.info++;
    if (type == EV_INFO)
        c->process += r->c->clients;
    c->refusals = refused ? c->refusals + 1 : 0;
    if (refused)
        back_off(r, c, now);
    else
        idle_push(r, c);
}

/* Did a transport error happen before any of the request was sent? Then
 * the op certainly did not reach the store. */
static bool nothing_sent(client *c, CURLcode code)
{
    long sent = 0;
    if (curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &sent) != CURLE_OK)
        return false;
    if (sent > 0)
        return false;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return true;
    default:
        return false;
    }
}

/* Before any answer: has every URL a client can reach failed to connect at
 * least twice, with unreachable_after failures in all? (One URL down among
 * several is a fault to record, not an unreachable store: with random
 * routing, the first requests may all happen to go to the dead one while
 * another URL, not yet tried, answers.) With sticky routing and fewer
 * clients than URLs, client i only ever uses URL i. */
static bool all_urls_failed(const runner *r)
{
    if (r->connect_fails < r->unreachable_after)
        return false;
    size_t usable = r->c->route_random || r->c->clients >= r->c->nurls ? r->c->nurls
                                                                       : r->c->clients;
    for (size_t i = 0; i < usable; i++)
        if (r->url_fails[i] < 2)
            return false;
    return true;
}

/* A transfer of c ended with code: classify it and move c on. */
static void finish(runner *r, client *c, CURLcode code)
{
    int64_t now = rec_now(r->rec);
    remove_handle(c);
    adp_result res;
    adp_result_init(&res);
    bool refused = code != CURLE_OK && nothing_sent(c, code);
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        r->connected = true;
        scrub_body(r->sc, &c->resp);
        adp_resp resp = {status, sbuf_str(&c->resp), c->resp.len, sbuf_str(&c->resp_hdrs),
                         c->resp_hdrs.len};
        r->c->adapter->response(&r->c->aopts, r->vt, c->kind, &resp, &res);
        if (r->c->adapter->session_header)
            take_token(c);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        res.type = refused ? EV_FAIL : EV_INFO;
        sbuf_printf(&res.error, "%s after %ld ms",
                    res.type == EV_FAIL ? "connect timed out" : "timed out",
                    r->c->op_timeout_ms);
    } else {
        res.type = refused ? EV_FAIL : EV_INFO;
        if (c->too_big)
            sbuf_printf(&res.error, "response body over %d bytes", CL_MAX_BODY);
        else if (code == CURLE_SEND_FAIL_REWIND)
            sbuf_adds(&res.error, "connection closed with no answer (not resent: the "
                                  "request may have taken effect)");
        else
            sbuf_adds(&res.error, curl_easy_strerror(code));
    }
    if (!r->connected) {
        if (refused) {
            r->url_fails[c->url]++;
            if (++r->connect_fails == 1)
                snprintf(r->unreachable_why, sizeof r->unreachable_why, "%s: %s",
                         val_str_bytes(r->vt, r->shown[c->url], NULL),
                         c->errbuf[0] ? c->errbuf : curl_easy_strerror(code));
            r->unreachable = all_urls_failed(r);
        }
    }
    long left = r->c->op_timeout_ms - (long)((now - c->invoked_ns) / 1000000);
    if (c->phase == 1 && c->op.f == CL_APPEND && res.mismatch && c->attempts < APPEND_TRIES &&
        left > 0) {
        c->phase = 0; /* the value moved on: read it again */
        start_request(c, ADP_READ, val_nil(), val_nil(), left);
        add_handle(c);
        goto out;
    }
    val error = res.error.len ? val_str(r->vt, res.error.p, res.error.len) : val_nil();
    bool reads_first = (c->op.f == CL_APPEND && !r->c->adapter->has_append) ||
                       (c->op.f == CL_CAS && r->c->adapter->cas_reads_first);
    if (c->phase == 0 && reads_first) {
        /* The read before a cas: only the cas could change anything, so
         * an op that ends here certainly did not happen. */
        const char *why = NULL;
        if (res.type != EV_OK)
            why = sbuf_str(&res.error);
        else if (c->op.f == CL_CAS && !val_eq(res.value, c->op.a))
            why = "cas: the value read was not the old one";
        else if (r->c->adapter->cas_reads_first && !val_is_nil(res.value) && !res.token.len)
            why = "no version to send back with the cas";
        else if (left <= 0)
            why = "no time left for the cas";
        if (why) {
            sbuf msg = {0};
            sbuf_printf(&msg, "the read before the %s's cas: %s",
                        c->op.f == CL_CAS ? "two-step" : "append", why);
            complete(r, c, EV_FAIL, c->op.value, HIST_NONE, res.node,
                     val_str(r->vt, msg.p, msg.len), refused, now);
            sbuf_free(&msg);
            goto out;
        }
        sbuf_reset(&c->cas_token);
        sbuf_addn(&c->cas_token, sbuf_str(&res.token), res.token.len);
    }
    if (c->phase == 0 && c->op.f == CL_CAS && r->c->adapter->cas_reads_first) {
        c->phase = 1;
        start_request(c, ADP_CAS, c->op.a, c->op.b, left);
        add_handle(c);
        goto out;
    }
    if (c->phase == 0 && reads_first) {
        size_t n = 0;
        const val *items = NULL;
        if (res.value.kind == VAL_LIST)
            items = val_items(r->vt, res.value, &n);
        else if (!val_is_nil(res.value)) {
            complete(r, c, EV_FAIL, c->op.value, HIST_NONE, res.node,
                     val_cstr(r->vt, "cannot append: the value is not a list"), false, now);
            goto out;
        }
        val *next = xcalloc(n + 1, sizeof *next);
        if (n)
            memcpy(next, items, n * sizeof *items);
        next[n] = c->op.a;
        c->old = res.value;
        c->now = val_list(r->vt, next, n + 1);
        free(next);
        c->phase = 1;
        c->attempts++;
        start_request(c, ADP_CAS, c->old, c->now, left);
        add_handle(c);
        goto out;
    }

    val value = c->op.value;
    if (res.type == EV_OK) {
        if (c->op.f == CL_READ)
            value = res.value;
        val left_value = c->op.f == CL_READ    ? res.value
                         : c->op.f == CL_WRITE ? c->op.a
                         : c->op.f == CL_CAS   ? c->op.b
                         : r->c->adapter->has_append ? val_nil() /* the list is not known */
                                                     : c->now;
        wl_observe(r->wl, &c->op, left_value);
    } else if (c->op.f == CL_READ) {
        value = val_nil();
    }
    complete(r, c, res.type, value, res.type == EV_OK ? res.version : HIST_NONE, res.node,
             error, refused, now);
out:
    adp_result_free(&res);
}

/* Record every op still in flight as info: no answer came in time. */
static void abandon_all(runner *r)
{
    int64_t now = rec_now(r->rec);
    val why = val_cstr(r->vt, "no answer by the end of the run");
    for (unsigned i = 0; i < r->c->clients; i++) {
        client *c = &r->cl[i];
        if (!c->busy)
            continue;
        remove_handle(c);
        r->st.abandoned++;
        complete(r, c, EV_INFO, c->op.f == CL_READ ? val_nil() : c->op.value, HIST_NONE,
                 val_nil(), why, false, now);
    }
}

static void flush(runner *r)
{
    if (r->io_failed)
        return;
    if (rec_flush(r->rec, &r->io) < 0)
        r->io_failed = true;
}

/* ---- setup ---- */

static cl_rc setup(runner *r, cl_error *err)
{
    const runner_config *c = r->c;
    r->vt = vtab_new();
    r->wl = wl_new(&c->wl, r->vt);
    r->shown = xcalloc(c->nurls, sizeof *r->shown);
    r->bases = xcalloc(c->nurls, sizeof *r->bases);
    r->url_tries = xcalloc(c->nurls, sizeof *r->url_tries);
    r->url_fails = xcalloc(c->nurls, sizeof *r->url_fails);
    for (size_t i = 0; i < c->nurls; i++) {
        const char *u = c->urls[i];
        if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) {
            sbuf d = {0};
            runner_display_url(u, &d);
            cl_error_set(err, CL_EUSAGE, "URL '%s' must start with http:// or https://",
                         sbuf_str(&d));
            sbuf_free(&d);
            return CL_EUSAGE;
        }
        size_t n = strlen(u);
        while (n > 0 && u[n - 1] == '/')
            n--;
        r->bases[i] = xstrndup(u, n);
        sbuf d = {0};
        runner_display_url(r->bases[i], &d);
        r->shown[i] = val_str(r->vt, sbuf_str(&d), d.len);
        sbuf_free(&d);
    }
    r->sc = scrub_new();
    for (size_t i = 0; i < c->nurls; i++)
        scrub_add_url(r->sc, c->urls[i]);
    for (size_t i = 0; i < c->nheaders; i++) {
        r->base_hdrs = curl_slist_append(r->base_hdrs, c->headers[i]);
        scrub_add_header(r->sc, c->headers[i]);
    }

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

    r->cl = xcalloc(c->clients, sizeof *r->cl);
    r->idle = xcalloc(c->clients, sizeof *r->idle);
    r->waiting = xcalloc(c->clients, sizeof *r->waiting);
    for (unsigned i = 0; i < c->clients; i++) {
        client *cl = &r->cl[i];
        cl->r = r;
        cl->id = i;
        cl->process = i;
        cl->url = i % c->nurls;
        cl->hdrs_stale = true;
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
        if (c->adapter->session_header || c->adapter->wants_headers) {
            curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
            curl_easy_setopt(e, CURLOPT_HEADERDATA, cl);
        }
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cl->errbuf);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        /* Straight to the store: a proxy (from http_proxy and the like)
         * would add its own retries and connection handling to what is
         * recorded. */
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
        idle_push(r, cl);
    }
    r->unreachable_after = c->clients < 3 ? 3 : c->clients;
    if (c->ops && c->ops < r->unreachable_after)
        r->unreachable_after = c->ops;

    r->rec = rec_open(c->history, c->fsync, r->sc, err);
    return r->rec ? CL_OK : err->rc;
}

static void teardown(runner *r)
{
    if (r->cl) {
        for (unsigned i = 0; i < r->c->clients; i++) {
            client *c = &r->cl[i];
            if (c->easy) {
                remove_handle(c);
                curl_easy_cleanup(c->easy);
            }
            curl_slist_free_all(c->hdrs[0]);
            curl_slist_free_all(c->hdrs[1]);
            sbuf_free(&c->req.path);
            sbuf_free(&c->req.body);
            sbuf_free(&c->req.headers);
            sbuf_free(&c->resp_hdrs);
            sbuf_free(&c->cas_token);
            curl_slist_free_all(c->req_hdrs);
            sbuf_free(&c->target);
            sbuf_free(&c->resp);
        }
        free(r->cl);
    }
    if (r->multi)
        curl_multi_cleanup(r->multi);
    if (r->epfd >= 0)
        close(r->epfd);
    curl_slist_free_all(r->base_hdrs);
    if (r->bases)
        for (size_t i = 0; i < r->c->nurls; i++)
            free(r->bases[i]);
    free(r->bases);
    free(r->shown);
    free(r->url_tries);
    free(r->url_fails);
    free(r->idle);
    free(r->waiting);
    scrub_free(r->sc);
    wl_free(r->wl);
    vtab_free(r->vt);
}

/* ---- the loop ---- */

cl_rc runner_run(const runner_config *c, runner_stats *st, cl_error *err)
{
    runner r = {.c = c, .epfd = -1};
    cl_rc rc = CL_OK;
    int64_t timeout_ns = c->op_timeout_ms * 1000000;
    int64_t time_ns = c->time_s > 0 ? (int64_t)(c->time_s * 1e9) : 0;
    int64_t interval_ns = c->rate > 0 ? (int64_t)(1e9 / c->rate) : 0;
    int64_t progress_ns = c->progress_s > 0 ? (int64_t)(c->progress_s * 1e9) : 0;
    int64_t next_progress = progress_ns;
    memset(st, 0, sizeof *st);
    r.st.total_s = c->time_s;
    r.st.total_ops = c->ops;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cl_error_set(err, CL_ECURL, "libcurl: cannot initialise");
        return CL_ECURL;
    }
    rc = setup(&r, err);
    if (rc)
        goto out;

    for (;;) {
        int64_t now = rec_now(r.rec);
        int stop = c->stop ? atomic_load(c->stop) : 0;
        if (!r.st.stopping &&
            (stop >= 1 || (time_ns && now >= time_ns) || (c->ops && r.st.invoked >= c->ops) ||
             r.unreachable || r.io_failed)) {
            r.st.stopping = true;
            r.stop_at_ns = now;
        }
        if (r.st.stopping &&
            (stop >= 2 || r.io_failed || now - r.stop_at_ns > timeout_ns + 1000000000))
            abandon_all(&r);
        if (r.st.stopping && r.st.in_flight == 0)
            break;

        /* Invoke: queue the invokes, write them, then send. */
        wake_waiting(&r, now);
        unsigned started = 0;
        client *batch[64];
        while (!r.st.stopping && r.idle_n && started < sizeof batch / sizeof *batch &&
               !(c->ops && r.st.invoked >= c->ops)) {
            if (interval_ns) {
                if (now < r.next_invoke_ns)
                    break;
                if (r.next_invoke_ns < now - 100000000)
                    r.next_invoke_ns = now;
                r.next_invoke_ns += interval_ns;
            }
            client *cl = idle_pop(&r);
            invoke(&r, cl, now);
            batch[started++] = cl;
        }
        flush(&r);
        if (r.io_failed)
            continue; /* nothing more can be recorded: stop */
        for (unsigned i = 0; i < started; i++)
            add_handle(batch[i]);

        if (progress_ns && now >= next_progress && c->progress) {
            r.st.elapsed_s = (double)now / 1e9;
            c->progress(c->ctx, &r.st);
            next_progress = now + progress_ns;
        }

        /* Wait: sockets or curl's own timers; at most POLL_MS, or until
         * the next invocation --rate allows. */
        long wait = POLL_MS;
        if (started == sizeof batch / sizeof *batch)
            wait = 0;
        else if (interval_ns && r.idle_n && !r.st.stopping) {
            int64_t ms = (r.next_invoke_ns - now) / 1000000;
            if (ms < wait)
                wait = ms < 0 ? 0 : (long)ms;
        }
        if (r.nwaiting && !r.st.stopping) {
            int64_t ms = (r.next_ready_ns - now) / 1000000;
            if (ms < wait)
                wait = ms < 0 ? 0 : (long)ms;
        }
        if (r.timer_at_ns >= 0) {
            /* Rounded down: a timer due within the millisecond (curl asks
             * for 0 when a handle is added) is served now, not 1 ms late. */
            int64_t ms = (r.timer_at_ns - rec_now(r.rec)) / 1000000;
            if (ms < wait)
                wait = ms < 0 ? 0 : (long)ms;
        }
        int running = 0;
        struct epoll_event evs[64];
        int nev = epoll_wait(r.epfd, evs, 64, (int)wait);
        for (int i = 0; i < nev; i++) {
            int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(r.multi, evs[i].data.fd, flags, &running);
        }
        if (r.timer_at_ns >= 0 && rec_now(r.rec) >= r.timer_at_ns) {
            r.timer_at_ns = -1;
            curl_multi_socket_action(r.multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(r.multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            client *cl = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&cl);
            finish(&r, cl, m->data.result);
        }
        flush(&r);
    }
    r.st.elapsed_s = (double)rec_now(r.rec) / 1e9;
    if (c->progress) {
        c->progress(c->ctx, &r.st);
    }
    if (r.io_failed) {
        *err = r.io;
        rc = CL_EIO;
    } else if (r.unreachable || (!r.connected && r.connect_fails > 0 &&
                                 r.connect_fails == r.st.ok + r.st.fail + r.st.info +
                                                        r.st.refused)) {
        cl_error_set(err, CL_EUNREACHABLE, "cannot connect to the store: %s (the first %llu "
                     "attempts all failed to connect)", r.unreachable_why,
                     (unsigned long long)r.connect_fails);
        rc = CL_EUNREACHABLE;
    }
out:
    if (r.rec) {
        cl_error cerr;
        if (rec_close(r.rec, &cerr) < 0 && rc == CL_OK) {
            *err = cerr;
            rc = CL_EIO;
        }
    }
    if (rc != CL_OK && r.sc) {
        /* libcurl's message may quote what the store said, or a URL. */
        sbuf m = {0};
        sbuf_adds(&m, err->msg);
        if (scrub_text(r.sc, &m))
            snprintf(err->msg, sizeof err->msg, "%s", sbuf_str(&m));
        sbuf_free(&m);
    }
    *st = r.st;
    teardown(&r);
    curl_global_cleanup();
    return rc;
}
