/* client.c - see client.h. */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>

void cl_error_set(cl_error *e, cl_rc rc, const char *fmt, ...)
{
    va_list ap;
    e->rc = rc;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}
