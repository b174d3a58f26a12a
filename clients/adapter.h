/*
 * adapter.h - how one store's HTTP API says read, write and compare-and-set,
 * and how its answers are classified.
 *
 * An adapter is two pure functions, so they are tested without a server:
 * request() turns a primitive (read, write, cas) on a key into a method, a
 * path and a body; response() turns the HTTP status and body into an
 * outcome. Transport failures (no connection, timeouts, resets) never reach
 * an adapter: the runner classifies those, the same for every store.
 *
 * The outcome follows Jepsen's rule. EV_FAIL only when the op certainly did
 * not take effect: a cas the store says did not match, a 4xx the store
 * defines as a rejection. Anything the adapter cannot be sure of (a 5xx, a
 * body it cannot parse, a status it does not know) is EV_INFO.
 *
 * Values travel as JSON: the conch store takes JSON values as they are;
 * etcd stores bytes, so a value is the bytes of its compact JSON text,
 * base64-encoded like the key. A cas compares those bytes, which is why the
 * old value is always sent in exactly the text it was written in.
 */
#ifndef CONCH_ADAPTER_H
#define CONCH_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../histories/history.h"
#include "../util/sbuf.h"

/* The primitives every store offers; ADP_APPEND only those whose type
 * says has_append (the others append by a read and a cas). */
typedef enum adp_kind { ADP_READ, ADP_WRITE, ADP_CAS, ADP_APPEND } adp_kind;

struct spec;
typedef struct adp_txn adp_txn; /* adapter_txn.h */

typedef struct adp_opts {
    bool serializable;       /* etcd: serve reads from the local member */
    const struct spec *spec; /* the spec adapter: the store's API (spec.h) */
} adp_opts;

/* A request to send: base URL + path, with body (empty: none). The caller
 * owns the sbufs and resets them before each request() call. */
typedef struct adp_req {
    const char *method; /* "GET", "PUT", "POST", ...: lives as long as the adapter */
    sbuf path;          /* starts with '/' */
    sbuf body;
    /* Header lines of this request ("Name: value\n" each); when there are
     * any, they say the Content-Type too (none is added). */
    sbuf headers;
    /* In, set by the caller: the version a two-step cas's read captured
     * (adp_result.token), to send back; empty otherwise. */
    const char *token;
    size_t token_len;
} adp_req;

/* A response received (borrowed bytes); headers is the raw header block,
 * filled only for adapters whose type says wants_headers. */
typedef struct adp_resp {
    long status;
    const char *body;
    size_t len;
    const char *headers;
    size_t hlen;
} adp_resp;

/* What response() concludes. The caller zeroes it (adp_result_init) and
 * frees error with sbuf_free. */
typedef struct adp_result {
    hist_type type;  /* EV_OK, EV_FAIL or EV_INFO */
    val value;       /* a read's value, interned in the vtab given (nil: absent) */
    int64_t version; /* the store's version of what was read or written; HIST_NONE */
    val node;        /* the replica that served it; nil when unknown */
    sbuf error;      /* why, when not ok: short, without header values */
    bool mismatch;   /* a cas the store says did not match (type EV_FAIL) */
    sbuf token;      /* a read's version as the store wrote it, to send back in a cas */
} adp_result;

void adp_result_init(adp_result *r);
void adp_result_free(adp_result *r);

typedef struct adp_type {
    const char *name;
    /* A response header the store sets with a session token that the client
     * sends back with its next requests; NULL if none. */
    const char *session_header;
    /* Build the request for kind on key. write: a is the value; cas: a is
     * the old value (nil: the key must be absent), b the new one. */
    void (*request)(const adp_opts *o, const vtab *vt, adp_kind kind, const char *key,
                    val a, val b, adp_req *req);
    /* Classify a response to a request of this kind; read values are
     * interned into vt. */
    void (*response)(const adp_opts *o, vtab *vt, adp_kind kind, const adp_resp *resp,
                     adp_result *res);
    bool wants_headers;   /* response() reads resp->headers */
    /* A cas is two requests: a read (ADP_READ) that finds the value and a
     * version (res.token), then, if the value is the old one, the cas
     * request with that version (req.token): a conditional write. */
    bool cas_reads_first;
    /* With cas_reads_first: a cas from nil has a request of its own, which
     * sends no version (If-None-Match: *); without one, a cas from nil
     * whose read found no version is not sent (it would send an empty
     * version, which a store may take for no condition at all). */
    bool cas_absent_request;
    bool has_append;      /* ADP_APPEND is one request */
    const adp_txn *txn;   /* transactions of several keys; NULL: none */
} adp_type;

extern const adp_type adp_conch, adp_etcd;
/* The adapter a store spec describes (o->spec must be s). */
void adp_spec(const struct spec *s, adp_type *out);
/* NULL-terminated, and by name (NULL if unknown). */
extern const adp_type *const adp_types[];
const adp_type *adp_find(const char *name);

/* ---- helpers the adapters share ---- */

/* Append s percent-encoded for a URL path segment (RFC 3986 unreserved
 * characters stay). */
void adp_path_escape(const char *s, sbuf *out);
/* Parse JSON text (any value at top level) into a val interned in vt.
 * Returns false if it is not JSON (an integer past int64 counts as not). */
bool adp_json_val(vtab *vt, const char *s, size_t n, val *out);
/* The same from a parsed jansson value (borrowed). */
val adp_from_json(vtab *vt, json_t *j);
/* "HTTP 503: <a short, printable excerpt of body>" into out. */
void adp_http_error(long status, const char *body, size_t len, sbuf *out);

#endif
