/*
 * runner_int.h - the inside of runner.h, shared by the runner's files:
 *   runner.c          the event loop, setup and teardown, progress;
 *   runner_request.c  requests over libcurl: handles, callbacks, headers,
 *                     session tokens;
 *   runner_op.c       an op's life: invocation, outcome, append, completion;
 *   runner_backoff.c  the idle queue, and the backoff of refused clients.
 * Nothing outside clients/runner*.c includes it.
 */
#ifndef CONCH_RUNNER_INT_H
#define CONCH_RUNNER_INT_H

#include <curl/curl.h>

#include "runner.h"

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
    int phase;            /* 0: the op's request; 1: an append's or two-step cas's cas */
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
    unsigned sends;       /* times libcurl began to send this request */
    sbuf resp;            /* the response body so far, capped */
    bool too_big;
    sbuf resp_hdrs;       /* the response's header block (adapter wants_headers) */
    bool hdrs_too_big;    /* it outgrew MAX_HEADERS: the transfer was ended */
    sbuf cas_token;       /* a two-step cas: the version its read found */
    struct curl_slist *req_hdrs;   /* headers of a request that has its own */
    char token[CL_MAX_TOKEN];      /* the session token to send back; "" none */
    char resp_token[CL_MAX_TOKEN]; /* the token in the current response */
    struct curl_slist *hdrs[2];    /* [has a body]: headers to send, with the session's */
    bool hdrs_stale;
    char errbuf[CURL_ERROR_SIZE];
    struct runner_txn *txn;        /* a txn's keys and step (runner_txn.c); NULL until one */
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
    int64_t time_ns;             /* stop invoking then (0: no limit) */
    int64_t interval_ns;         /* --rate: between invocations (0: none) */
    int64_t progress_ns;         /* between progress calls (0: none) */
    int64_t next_progress_ns;
    int64_t stop_at_ns;          /* when stopping began */
    int64_t next_invoke_ns;      /* --rate: the earliest next invocation */
    bool connected;              /* some request got an HTTP answer */
    uint64_t connect_fails;      /* before the first answer */
    uint64_t *url_tries;         /* requests sent to each URL */
    uint64_t *url_fails;         /* connect failures of each URL before any answer */
    uint64_t unreachable_after;  /* that many, and the store is unreachable */
    bool unreachable;
    char unreachable_why[CURL_ERROR_SIZE + 256];
    bool side_stopped;           /* side->stop was called */
    cl_error io;                 /* a write of the history failed */
    bool io_failed;
};

/* ---- runner_request.c ---- */

/* The multi handle, and the epoll set of the sockets it asks to watch. */
cl_rc runner_multi_init(runner *r, cl_error *err);
/* Client cl's easy handle, with the options that stay the same from one
 * request to the next. */
cl_rc runner_client_init(runner *r, client *cl, cl_error *err);
/* Set c's easy handle up for a request of kind, with timeout_ms left. */
void runner_start_request(client *c, adp_kind kind, val a, val b, long timeout_ms);
/* The same in two steps, for a request built otherwise (a txn's): c->req
 * emptied for a request of kind, and, once built, the handle set up. */
void runner_new_request(client *c, adp_kind kind);
void runner_prepare_request(client *c, long timeout_ms);
/* Send c's request (add its handle to the multi handle); take it back. */
void runner_add_handle(client *c);
void runner_remove_handle(client *c);
/* Keep the session token of c's last answer if it is newer. */
void runner_take_token(client *c);

/* ---- runner_op.c ---- */

/* Take c's next op and queue its invoke; the handle is added after the
 * flush. */
void runner_invoke(runner *r, client *c, int64_t now);
/* A transfer of c ended with code: classify it and move c on. */
void runner_finish(runner *r, client *c, CURLcode code);
/* Record every op still in flight as info: no answer came in time. */
void runner_abandon_all(runner *r);
/* Queue c's completion and make it idle (or, refused, back off); an info
 * moves it to a new process. */
void runner_complete(runner *r, client *c, hist_type type, val value, int64_t version, val node,
                     val error, bool refused, int64_t now);

/* ---- runner_txn.c: a txn of several keys (adapter_txn.h) ---- */

/* Queue the read of c's txn (its op is invoked); the handle is added
 * after the flush, as any first request's. */
void runner_txn_start(runner *r, client *c);
/* The answer to the request in flight of c's txn, into res. */
void runner_txn_response(runner *r, client *c, const adp_resp *resp, adp_result *res);
/* That request ended with res: the next step, or the txn's completion;
 * left: ms of the op's time left. */
void runner_txn_step(runner *r, client *c, const adp_result *res, bool refused, long left,
                     int64_t now);
void runner_txn_free(client *c);

/* ---- runner_backoff.c ---- */

void runner_idle_push(runner *r, client *c);
client *runner_idle_pop(runner *r);
/* c was refused: it waits before its next op. */
void runner_back_off(runner *r, client *c, int64_t now);
/* Clients whose backoff is over become idle. */
void runner_wake_waiting(runner *r, int64_t now);

#endif
