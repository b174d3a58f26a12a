/*
 * clock.h - the monotonic clock, in the units the code measures with.
 *
 * Every duration and deadline in conch is taken on CLOCK_MONOTONIC: it
 * never jumps when the wall clock is set, so a timeout cannot fire early or
 * never. (hlc.h reads the wall clock on purpose: its versions are times of
 * day.) A wait on a condition variable until a deadline from here is a
 * clock_wait, which waits on the same clock.
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

/* The monotonic time ms milliseconds from now, for clock_wait. */
static inline struct timespec clock_deadline_ms(int64_t ms)
{
    return clock_timespec(clock_now_ns() + ms * 1000000);
}

/* Wait on cv (mu held) until signalled or until dl on the monotonic clock:
 * ETIMEDOUT then. The clock is named at each wait, so a condition variable
 * needs no attributes (pthread_cond_init(cv, NULL)). Not
 * pthread_cond_timedwait on a condition made with a clock attribute:
 * libfaketime, which the nemesis's clock fault preloads into conch serve,
 * replaces that one and pthread_cond_init, and a wait through it is
 * invisible to ThreadSanitizer, which then takes the mutex for held by the
 * waiting thread and reports a double lock when another thread takes it. */
static inline int clock_wait(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *dl)
{
    return pthread_cond_clockwait(cv, mu, CLOCK_MONOTONIC, dl);
}

#endif
