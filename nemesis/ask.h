/*
 * ask.h - one blocking HTTP request, for the nemesis: a leader probe, a
 * partition or a heal. libcurl's easy interface, a handle per request (a
 * few a fault), with the run's headers and TLS settings.
 */
#ifndef CONCH_ASK_H
#define CONCH_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/sbuf.h"

typedef struct ask_opts {
    const char *const *headers; /* "Name: value" lines, borrowed; credentials */
    size_t nheaders;
    const char *cacert, *cert, *key;
    bool insecure;
} ask_opts;

enum { ASK_MAX_BODY = 1 << 20 };

/* method url with body (NULL: none, else sent as application/json), for at
 * most timeout_ms. true with *status and the answer's body in resp (at
 * most ASK_MAX_BODY bytes) when an answer came; false with why (libcurl's
 * reason) when none did. */
bool ask_http(const ask_opts *o, const char *method, const char *url, const char *body,
              long timeout_ms, long *status, sbuf *resp, sbuf *why);

#endif
