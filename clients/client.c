/* client.c - see client.h. */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cl_error_set(cl_error *e, cl_rc rc, const char *fmt, ...)
{
    va_list ap;
    e->rc = rc;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

bool cl_header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h)
        return false;
    for (const char *p = h; p < colon; p++)
        if (!strchr("!#$%&'*+-.^_`|~", *p) && !(*p >= '0' && *p <= '9') &&
            !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}
