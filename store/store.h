/*
 * store.h - what the store layer (conch serve) shares: its error type.
 *
 * Whatever the store cannot do is a store_error: a code saying what kind
 * of failure it is, and a message for people saying where and why. An
 * operation the replicas could not finish, a request refused before
 * anything was done, an address conch serve cannot listen on: one type,
 * one way to say it. api.c turns a code into the HTTP status proto/serve.h
 * gives it; cli/serve.c prints the message of a failure to start.
 */
#ifndef CONCH_STORE_H
#define CONCH_STORE_H

#include <stdarg.h>

typedef enum store_rc {
    STORE_OK = 0,
    STORE_EUNAVAILABLE, /* not done, or not known to be: replicas cut off or slow, or closing */
    STORE_EREJECTED,    /* a request refused before anything was done: bad JSON, key, token */
    STORE_ENOPATH,      /* a path the API does not have */
    STORE_EMETHOD,      /* a method the path does not take */
    STORE_ETOOLARGE,    /* a request body over the limit */
    STORE_EKEYLONG,     /* a key over SERVE_MAX_KEY bytes */
    STORE_EAUTH,        /* an admin request without the right bearer token */
    STORE_EFORBIDDEN,   /* an admin request while the admin endpoints are off */
    STORE_ESYS,         /* the system refused: an address, a port, a thread */
} store_rc;

typedef struct store_error {
    store_rc rc;
    char msg[256];
} store_error;

void store_error_set(store_error *e, store_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void store_error_vset(store_error *e, store_rc rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
