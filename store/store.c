/* store.c - see store.h. */
#include "store.h"

#include <stdio.h>

void store_error_vset(store_error *e, store_rc rc, const char *fmt, va_list ap)
{
    e->rc = rc;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void store_error_set(store_error *e, store_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    store_error_vset(e, rc, fmt, ap);
    va_end(ap);
}
