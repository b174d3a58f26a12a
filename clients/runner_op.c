/*
 * runner_op.c - an operation's life in the runner: its invocation, the
 * outcome of each of its requests (Jepsen's rule, runner.h), an append's
 * two steps, its completion in the history, and the bookkeeping that tells
 * an unreachable store apart.
 *
 * An append is two requests under one invocation: a read, then a cas from
 * the value read to that value plus the element (unless the adapter
 * appends in one request, has_append). Only the cas can change anything,
 * so an append whose read did not succeed certainly did not happen (fail);
 * the cas is classified as any cas, except that a cas that did not match
 * (certainly no effect) is tried again from the read, up to APPEND_TRIES
 * times. All the requests together get the op's timeout.
 *
 * A cas of an adapter that reads first (cas_reads_first: a conditional
 * write) is two requests too: the read, which must find the old value and
 * a version; then the cas request, which sends that version back. It
 * fails at the read when the value is not the old one: nothing was
 * written. An append's cas of such an adapter sends the version of the
 * append's own read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "runner_int.h"

/* Queue an event of c's op in the history: its url always, node when the
 * store named the replica that answered. */
static void record(runner *r, const client *c, hist_type type, val value, int64_t version,
                   val node, val error, int64_t now)
{
    hist_event ev = {
        .type = type,
        .has_key = c->op.f != CL_TXN, /* a txn's keys are in its micro-ops */
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
}

void runner_invoke(runner *r, client *c, int64_t now)
{
    wl_next(r->wl, &c->op);
    c->busy = true;
    c->phase = 0;
    c->attempts = 0;
    if (r->c->route_random && r->c->nurls > 1)
        c->url = (size_t)(wl_rand(r->wl) % r->c->nurls);
    c->invoked_ns = now;
    record(r, c, EV_INVOKE, c->op.value, HIST_NONE, val_nil(), val_nil(), now);
    r->st.invoked++;
    r->st.in_flight++;
    const adp_type *t = r->c->adapter;
    sbuf_reset(&c->cas_token);
    switch (c->op.f) {
    case CL_READ:
        runner_start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        break;
    case CL_APPEND:
        if (t->has_append)
            runner_start_request(c, ADP_APPEND, c->op.a, val_nil(), r->c->op_timeout_ms);
        else
            runner_start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        break;
    case CL_WRITE:
        runner_start_request(c, ADP_WRITE, c->op.a, val_nil(), r->c->op_timeout_ms);
        break;
    case CL_CAS:
        if (t->cas_reads_first)
            runner_start_request(c, ADP_READ, val_nil(), val_nil(), r->c->op_timeout_ms);
        else
            runner_start_request(c, ADP_CAS, c->op.a, c->op.b, r->c->op_timeout_ms);
        break;
    case CL_TXN:
        runner_txn_start(r, c);
        break;
    default:
        break;
    }
}

void runner_complete(runner *r, client *c, hist_type type, val value, int64_t version,
                     val node, val error, bool refused, int64_t now)
{
    record(r, c, type, value, version, node, error, now);
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
        runner_back_off(r, c, now);
    else
        runner_idle_push(r, c);
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

/* The outcome of c's transfer that ended with code, into res (initialised);
 * whether nothing of the request was sent (the store was not reached). */
static bool outcome(runner *r, client *c, CURLcode code, adp_result *res)
{
    bool refused = code != CURLE_OK && nothing_sent(c, code);
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        r->connected = true;
        scrub_body(r->sc, &c->resp);
        adp_resp resp = {status, sbuf_str(&c->resp), c->resp.len, sbuf_str(&c->resp_hdrs),
                         c->resp_hdrs.len};
        if (c->op.f == CL_TXN)
            runner_txn_response(r, c, &resp, res);
        else
            r->c->adapter->response(&r->c->aopts, r->vt, c->kind, &resp, res);
        if (r->c->adapter->session_header)
            runner_take_token(c);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        res->type = refused ? EV_FAIL : EV_INFO;
        sbuf_printf(&res->error, "%s after %ld ms",
                    res->type == EV_FAIL ? "connect timed out" : "timed out",
                    r->c->op_timeout_ms);
    } else {
        res->type = refused ? EV_FAIL : EV_INFO;
        if (c->too_big)
            sbuf_printf(&res->error, "response body over %d bytes", CL_MAX_BODY);
        else if (c->hdrs_too_big)
            sbuf_printf(&res->error, "response headers over %d bytes", MAX_HEADERS);
        else if (code == CURLE_SEND_FAIL_REWIND || code == CURLE_ABORTED_BY_CALLBACK)
            sbuf_adds(&res->error, "connection closed with no answer (not resent: the "
                                   "request may have taken effect)");
        else
            sbuf_adds(&res->error, curl_easy_strerror(code));
    }
    return refused;
}

/* Before any answer: one more attempt of c that reached no store. */
static void count_refusal(runner *r, client *c, CURLcode code)
{
    r->url_fails[c->url]++;
    if (++r->connect_fails == 1)
        snprintf(r->unreachable_why, sizeof r->unreachable_why, "%s: %s",
                 val_str_bytes(r->vt, r->shown[c->url], NULL),
                 c->errbuf[0] ? c->errbuf : curl_easy_strerror(code));
    r->unreachable = all_urls_failed(r);
}

/* Does c's op read before its cas: an append (unless the store appends in
 * one request), or a cas of an adapter whose cas is a conditional write? */
static bool reads_first(const runner *r, const client *c)
{
    const adp_type *t = r->c->adapter;
    return (c->op.f == CL_APPEND && !t->has_append) || (c->op.f == CL_CAS && t->cas_reads_first);
}

/* The read before c's cas ended with res: send the cas (an append's from
 * the value read to that value plus the element), with left ms of the
 * op's time and the version read; or complete the op as failed, since
 * only the cas could have changed anything. */
static void cas_read_done(runner *r, client *c, const adp_result *res, bool refused, long left,
                          int64_t now)
{
    bool append = c->op.f == CL_APPEND;
    const char *why = NULL;
    if (res->type != EV_OK)
        why = sbuf_str(&res->error);
    else if (!append && !val_eq(res->value, c->op.a))
        why = "the value read was not the old one";
    else if (append && res->value.kind != VAL_LIST && !val_is_nil(res->value))
        why = "cannot append: the value is not a list";
    else if (r->c->adapter->cas_reads_first && !res->token.len &&
             (!val_is_nil(res->value) || !r->c->adapter->cas_absent_request))
        why = val_is_nil(res->value) ? "nothing there, no version to send back, and no "
                                       "request of the spec's for a cas from absent"
                                     : "no version to send back with the cas";
    else if (left <= 0)
        why = "no time left for the cas";
    if (why) {
        sbuf msg = {0};
        sbuf_printf(&msg, "the read before the %s's cas: %s", append ? "append" : "two-step", why);
        runner_complete(r, c, EV_FAIL, c->op.value, HIST_NONE, res->node,
                        val_str(r->vt, msg.p, msg.len), refused, now);
        sbuf_free(&msg);
        return;
    }
    sbuf_reset(&c->cas_token);
    sbuf_addn(&c->cas_token, sbuf_str(&res->token), res->token.len);
    c->phase = 1;
    if (!append) {
        runner_start_request(c, ADP_CAS, c->op.a, c->op.b, left);
        runner_add_handle(c);
        return;
    }
    size_t n = 0;
    const val *items = val_is_nil(res->value) ? NULL : val_items(r->vt, res->value, &n);
    val *next = xcalloc(n + 1, sizeof *next);
    if (n)
        memcpy(next, items, n * sizeof *items);
    next[n] = c->op.a;
    c->old = res->value;
    c->now = val_list(r->vt, next, n + 1);
    free(next);
    c->attempts++;
    runner_start_request(c, ADP_CAS, c->old, c->now, left);
    runner_add_handle(c);
}

/* c's op got its last answer, res: record its completion, and tell the
 * workload what an ok op left in the key. */
static void complete_op(runner *r, client *c, const adp_result *res, bool refused, int64_t now)
{
    val error = res->error.len ? val_str(r->vt, res->error.p, res->error.len) : val_nil();
    val value = c->op.value;
    if (res->type == EV_OK) {
        if (c->op.f == CL_READ)
            value = res->value;
        val left_value = c->op.f == CL_READ    ? res->value
                         : c->op.f == CL_WRITE ? c->op.a
                         : c->op.f == CL_CAS   ? c->op.b
                         : r->c->adapter->has_append ? val_nil() /* the list is not known */
                                                     : c->now;
        wl_observe(r->wl, &c->op, left_value);
    } else if (c->op.f == CL_READ) {
        value = val_nil();
    }
    runner_complete(r, c, res->type, value, res->type == EV_OK ? res->version : HIST_NONE,
                    res->node, error, refused, now);
}

void runner_finish(runner *r, client *c, CURLcode code)
{
    int64_t now = rec_now(r->rec);
    runner_remove_handle(c);
    adp_result res;
    adp_result_init(&res);
    bool refused = outcome(r, c, code, &res);
    if (refused && !r->connected)
        count_refusal(r, c, code);
    long left = r->c->op_timeout_ms - (long)((now - c->invoked_ns) / 1000000);
    if (c->phase == 1 && c->op.f == CL_APPEND && res.mismatch && c->attempts < APPEND_TRIES &&
        left > 0) {
        c->phase = 0; /* the value moved on: read it again */
        runner_start_request(c, ADP_READ, val_nil(), val_nil(), left);
        runner_add_handle(c);
    } else if (c->op.f == CL_TXN) {
        runner_txn_step(r, c, &res, refused, left, now);
    } else if (c->phase == 0 && reads_first(r, c)) {
        cas_read_done(r, c, &res, refused, left, now);
    } else {
        complete_op(r, c, &res, refused, now);
    }
    adp_result_free(&res);
}

void runner_abandon_all(runner *r)
{
    int64_t now = rec_now(r->rec);
    val why = val_cstr(r->vt, "no answer by the end of the run");
    for (unsigned i = 0; i < r->c->clients; i++) {
        client *c = &r->cl[i];
        if (!c->busy)
            continue;
        runner_remove_handle(c);
        r->st.abandoned++;
        runner_complete(r, c, EV_INFO, c->op.f == CL_READ ? val_nil() : c->op.value,
                        HIST_NONE, val_nil(), why, false, now);
    }
}
