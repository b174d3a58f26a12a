/* hlc.c - see hlc.h. */
#include "hlc.h"

#include <time.h>

uint64_t hlc_wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static uint64_t max2(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

uint64_t hlc_tick(hlc *h, uint64_t pt_ms)
{
    h->ts = max2(h->ts + 1, pt_ms << HLC_LOGICAL_BITS);
    return h->ts;
}

uint64_t hlc_recv(hlc *h, uint64_t remote, uint64_t pt_ms)
{
    h->ts = max2(max2(h->ts, remote) + 1, pt_ms << HLC_LOGICAL_BITS);
    return h->ts;
}
