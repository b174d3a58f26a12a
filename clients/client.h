/*
 * client.h - what the clients layer shares: its error type and the
 * operations a client issues.
 *
 * The clients layer drives a store over HTTP and writes what happened as a
 * history; it never calls the checker (DESIGN.md). It uses util/ and
 * histories/ only.
 */
#ifndef CONCH_CLIENT_H
#define CONCH_CLIENT_H

#include <stdbool.h>

enum {
    CL_MAX_BODY = 1 << 20, /* a response body over this is cut off: info */
    CL_MAX_TOKEN = 256,    /* a session token over this is ignored */
};

typedef enum cl_rc {
    CL_OK = 0,
    CL_EUSAGE,       /* a setting that cannot work (bad URL, bad header) */
    CL_EIO,          /* the history file cannot be created or written */
    CL_EUNREACHABLE, /* the first attempts all failed to connect */
    CL_ECURL,        /* libcurl failed to set up */
} cl_rc;

/* Where and why the layer gave up; msg never holds a header value. */
typedef struct cl_error {
    cl_rc rc;
    char msg[512];
} cl_error;

void cl_error_set(cl_error *e, cl_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Is h a header line conch run can send: "Name: value", with a name of
 * token characters (RFC 9110) and no line break or other control
 * character in it? */
bool cl_header_ok(const char *h);

/* What an operation does, as the workload asks for it. Append is not a
 * store primitive: the runner does it as a read and then a cas of the value
 * read to that value plus the element. A txn is a list of micro-ops on
 * several keys (runner_txn.c), for stores with transactions. */
typedef enum cl_f { CL_READ, CL_WRITE, CL_CAS, CL_APPEND, CL_TXN, CL_NF } cl_f;

#endif
