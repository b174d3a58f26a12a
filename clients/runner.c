/*
 * runner.c - see runner.h; runner_int.h describes the files of the runner.
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
 */
#include "runner_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../histories/read.h"
#include "../util/mem.h"
#include "spec.h"

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

static void flush(runner *r)
{
    if (r->io_failed)
        return;
    if (rec_flush(r->rec, &r->io) < 0)
        r->io_failed = true;
}

/* ---- setup ---- */

/* Where requests go and what must never be written: each URL as requests
 * use it (no trailing '/') and as it is recorded (no user or password),
 * the user's headers, and the scrubber that keeps URL passwords, header
 * values and a spec's credentials out of everything written. */
static cl_rc setup_targets(runner *r, cl_error *err)
{
    const runner_config *c = r->c;
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
    if (c->aopts.spec)
        spec_secrets(c->aopts.spec, r->sc);
    return CL_OK;
}

static cl_rc setup(runner *r, cl_error *err)
{
    const runner_config *c = r->c;
    cl_rc rc;
    r->vt = vtab_new();
    r->wl = wl_new(&c->wl, r->vt);
    if ((rc = setup_targets(r, err)) || (rc = runner_multi_init(r, err)))
        return rc;
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
        if ((rc = runner_client_init(r, cl, err)))
            return rc;
        runner_idle_push(r, cl);
    }
    r->unreachable_after = c->clients < 3 ? 3 : c->clients;
    if (c->ops && c->ops < r->unreachable_after)
        r->unreachable_after = c->ops;

    if (c->side) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = c->side->fd};
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->side->fd, &ev);
    }
    r->rec = rec_open(c->history, c->fsync, r->sc, err);
    return r->rec ? CL_OK : err->rc;
}

static void teardown(runner *r)
{
    if (r->cl) {
        for (unsigned i = 0; i < r->c->clients; i++) {
            client *c = &r->cl[i];
            if (c->easy) {
                runner_remove_handle(c);
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
            runner_txn_free(c);
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

/* Step 1: stop invoking once the run is over (by time, count, signal, an
 * unreachable store or a history that cannot be written); give up on the
 * ops in flight once they have had their time, or at once when asked. */
static void check_stop(runner *r, int64_t now)
{
    const runner_config *c = r->c;
    int stop = c->stop ? atomic_load(c->stop) : 0;
    if (!r->st.stopping &&
        (stop >= 1 || (r->time_ns && now >= r->time_ns) || (c->ops && r->st.invoked >= c->ops) ||
         r->unreachable || r->io_failed)) {
        r->st.stopping = true;
        r->stop_at_ns = now;
    }
    int64_t timeout_ns = c->op_timeout_ms * 1000000;
    if (r->st.stopping &&
        (stop >= 2 || r->io_failed || now - r->stop_at_ns > timeout_ns + 1000000000))
        runner_abandon_all(r);
}

/* Step 2: idle clients take their next op, as --rate allows, at most cap
 * of them; their invokes are queued, their handles not added yet. */
static unsigned invoke_idle(runner *r, int64_t now, client **batch, unsigned cap)
{
    const runner_config *c = r->c;
    unsigned started = 0;
    runner_wake_waiting(r, now);
    while (!r->st.stopping && r->idle_n && started < cap && !(c->ops && r->st.invoked >= c->ops)) {
        if (r->interval_ns) {
            if (now < r->next_invoke_ns)
                break;
            if (r->next_invoke_ns < now - 100000000)
                r->next_invoke_ns = now;
            r->next_invoke_ns += r->interval_ns;
        }
        client *cl = runner_idle_pop(r);
        runner_invoke(r, cl, now);
        batch[started++] = cl;
    }
    return started;
}

/* Lower *wait (ms) to what is left until something due in delta_ns. */
static void wait_until(long *wait, int64_t delta_ns)
{
    int64_t ms = delta_ns / 1000000;
    if (ms < *wait)
        *wait = ms < 0 ? 0 : (long)ms;
}

/* How long step 4 may wait: at most POLL_MS, so signals and deadlines are
 * seen; less until the next invocation --rate allows, the end of a
 * backoff, or curl's timer; not at all when the batch was full. */
static long wait_ms(const runner *r, int64_t now, bool batch_full)
{
    long wait = batch_full ? 0 : POLL_MS;
    if (r->interval_ns && r->idle_n && !r->st.stopping)
        wait_until(&wait, r->next_invoke_ns - now);
    if (r->nwaiting && !r->st.stopping)
        wait_until(&wait, r->next_ready_ns - now);
    /* Rounded down: a timer due within the millisecond (curl asks for 0
     * when a handle is added) is served now, not 1 ms late. */
    if (r->timer_at_ns >= 0)
        wait_until(&wait, r->timer_at_ns - rec_now(r->rec));
    return wait;
}

/* Steps 4 and 5: wait for the sockets curl watches or its timer, move on
 * the transfers that are ready, and classify those that ended. */
static void run_transfers(runner *r, long wait)
{
    int running = 0;
    struct epoll_event evs[64];
    int nev = epoll_wait(r->epfd, evs, 64, (int)wait);
    for (int i = 0; i < nev; i++) {
        if (r->c->side && evs[i].data.fd == r->c->side->fd)
            continue; /* take_side reads it */
        int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(r->multi, evs[i].data.fd, flags, &running);
    }
    if (r->timer_at_ns >= 0 && rec_now(r->rec) >= r->timer_at_ns) {
        r->timer_at_ns = -1;
        curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        client *cl = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&cl);
        runner_finish(r, cl, m->data.result);
    }
}

/* Record what the side (the nemesis) has done since the last pass. */
static void take_side(runner *r)
{
    const runner_side *s = r->c->side;
    char *f;
    json_t *value;
    while (s && s->take(s->ctx, &f, &value)) {
        hist_event ev = {
            .type = EV_INFO,
            .process = val_cstr(r->vt, "nemesis"),
            .f = val_cstr(r->vt, f),
            .value = hist_val_from_jansson(r->vt, value),
            .time = rec_now(r->rec),
            .version = HIST_NONE,
        };
        rec_event(r->rec, r->vt, &ev);
        free(f);
        json_decref(value);
    }
}

/* Is the side (if any) done, once told to stop? */
static bool side_done(runner *r)
{
    const runner_side *s = r->c->side;
    if (!s)
        return true;
    if (!r->side_stopped) {
        s->stop(s->ctx);
        r->side_stopped = true;
    }
    return s->done(s->ctx);
}

static void report_progress(runner *r, int64_t now)
{
    if (!r->progress_ns || now < r->next_progress_ns || !r->c->progress)
        return;
    r->st.elapsed_s = (double)now / 1e9;
    r->c->progress(r->c->ctx, &r->st);
    r->next_progress_ns = now + r->progress_ns;
}

/* The run is over: why it failed, if it did (err set). */
static cl_rc run_result(runner *r, cl_error *err)
{
    if (r->io_failed) {
        *err = r->io;
        return CL_EIO;
    }
    if (r->unreachable || (!r->connected && r->connect_fails > 0 &&
                           r->connect_fails == r->st.ok + r->st.fail + r->st.info +
                                                   r->st.refused)) {
        cl_error_set(err, CL_EUNREACHABLE, "cannot connect to the store: %s (the first %llu "
                     "attempts all failed to connect)", r->unreachable_why,
                     (unsigned long long)r->connect_fails);
        return CL_EUNREACHABLE;
    }
    return CL_OK;
}

cl_rc runner_run(const runner_config *c, runner_stats *st, cl_error *err)
{
    runner r = {.c = c, .epfd = -1};
    cl_rc rc = CL_OK;
    r.time_ns = c->time_s > 0 ? (int64_t)(c->time_s * 1e9) : 0;
    r.interval_ns = c->rate > 0 ? (int64_t)(1e9 / c->rate) : 0;
    r.progress_ns = c->progress_s > 0 ? (int64_t)(c->progress_s * 1e9) : 0;
    r.next_progress_ns = r.progress_ns;
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
        check_stop(&r, now);
        if (r.st.stopping && side_done(&r) && r.st.in_flight == 0)
            break;
        /* Invoke: queue the invokes, write them, then send. */
        client *batch[64];
        unsigned started = invoke_idle(&r, now, batch, sizeof batch / sizeof *batch);
        flush(&r);
        if (r.io_failed)
            continue; /* nothing more can be recorded: stop */
        for (unsigned i = 0; i < started; i++)
            runner_add_handle(batch[i]);
        report_progress(&r, now);
        run_transfers(&r, wait_ms(&r, now, started == sizeof batch / sizeof *batch));
        take_side(&r);
        flush(&r);
    }
    take_side(&r);
    flush(&r);
    r.st.elapsed_s = (double)rec_now(r.rec) / 1e9;
    if (c->progress)
        c->progress(c->ctx, &r.st);
    rc = run_result(&r, err);
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
