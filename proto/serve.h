/*
 * serve.h - conch serve's HTTP API as it goes over the wire, written down
 * once for the two sides that speak it: store/api.c answers it and
 * clients/adapter_conch.c asks it and classifies the answers. clients/ and
 * store/ never include each other (they are beside each other in the
 * layers), so the protocol lives here, in a folder of its own that includes
 * nothing. The README's "conch serve" section documents the same API for
 * people.
 *
 *   GET  /kv/KEY                  200 {"value":V,"version":N,"node":"n1"}
 *                                 404 {"error":"not found","node":"n1"}
 *   PUT  /kv/KEY {"value":V}      200 {"version":N,"node":"n1"}
 *   POST /kv/KEY/cas {"old":O,"new":V}
 *                                 200 {"version":N,"node":"n1"}
 *                                 412 {"error":"...","value":CURRENT,"version":N,"node":"n1"}
 *   any other answer              {"error":"why","node":"n1"}
 *
 * KEY is one path segment, percent-encoded; decoded, at most SERVE_MAX_KEY
 * bytes. Values are JSON texts. Every answer carries the replica's session
 * token in SERVE_SESSION_HEADER; a client keeps the highest it has seen
 * and sends it back in the same header.
 */
#ifndef CONCH_PROTO_SERVE_H
#define CONCH_PROTO_SERVE_H

#define SERVE_KV_PATH "/kv/"  /* followed by the key */
#define SERVE_CAS_PATH "/cas" /* after the key: compare-and-set */
#define SERVE_SESSION_HEADER "X-Conch-Session"
#define SERVE_MAX_KEY 1024

/* Body fields. SERVE_FIELD(SERVE_VALUE) is the text "\"value\":". */
#define SERVE_VALUE "value"
#define SERVE_VERSION "version"
#define SERVE_NODE "node"
#define SERVE_ERROR "error"
#define SERVE_OLD "old"
#define SERVE_NEW "new"
#define SERVE_FIELD(name) "\"" name "\":"

/* The error of a 404 to a GET of a key that has no value: a read of the
 * absent value, not a failure. Any other 404 is a path the API does not
 * have (a wrong URL, or another server). */
#define SERVE_ABSENT "not found"

/* What a status means. The store answers 4xx only for requests it refused
 * before doing anything, so to a client a 4xx is certain: the operation did
 * not take effect. A 503 is not: a write answered 503 may still take
 * effect. */
typedef enum serve_status {
    SERVE_OK = 200,              /* done; the body says what was read or written */
    SERVE_BAD_REQUEST = 400,     /* bad JSON, a missing field, a bad key or session token */
    SERVE_UNAUTHORIZED = 401,    /* an admin endpoint without the right bearer token */
    SERVE_FORBIDDEN = 403,       /* the admin endpoints are off */
    SERVE_NOT_FOUND = 404,       /* no value (SERVE_ABSENT), or no such path */
    SERVE_BAD_METHOD = 405,      /* the Allow header names the methods the path takes */
    SERVE_CAS_MISMATCH = 412,    /* cas: the value is not old; the body holds the current one */
    SERVE_TOO_LARGE = 413,       /* the body is over the store's limit */
    SERVE_KEY_TOO_LONG = 414,    /* the key is over SERVE_MAX_KEY bytes */
    SERVE_UNAVAILABLE = 503,     /* not done, or not known to be done */
} serve_status;

#endif
