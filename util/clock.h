/*
 * clock.h - the monotonic clock, in the units the code measures with.
 *
 * Every duration and deadline in conch is taken on CLOCK_MONOTONIC: it
 * never jumps when the wall clock is set, so a timeout cannot fire early or
 * never. (hlc.h reads the wall clock on purpose: its versions are times of
 * day.) A condition variable waited on until a deadline from here is made
 * with clock_cond_init, so that it waits on the same clock.
 */
#ifndef CONCH_CLOCK_H
#define CONCH_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds of the monotonic clock (from an arbitrary start). */
static inline int64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t clock_now_us(void)
{
    return clock_now_ns() / 1000;
}

static inline int64_t clock_now_ms(void)
{
    return clock_now_ns() / 1000000;
}

/* A time on the monotonic clock, in nanoseconds, as a timespec. */
static inline struct timespec clock_timespec(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    return ts;
}

/* Attributes for condition variables whose timed waits read the monotonic
 * clock (for code that makes many of them); destroy with
 * pthread_condattr_destroy. */
static inline void clock_condattr_init(pthread_condattr_t *ca)
{
    pthread_condattr_init(ca);
    pthread_condattr_setclock(ca, CLOCK_MONOTONIC);
}

/* A condition variable whose timed waits read the monotonic clock. */
static inline void clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    clock_condattr_init(&ca);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* The monotonic time ms milliseconds from now, for pthread_cond_timedwait
 * on a condition made by clock_cond_init. */
static inline struct timespec clock_deadline_ms(int64_t ms)
{
    return clock_timespec(clock_now_ns() + ms * 1000000);
}

#endif
