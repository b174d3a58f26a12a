/*
 * runner_backoff.c - which clients may invoke next: the queue of idle
 * clients, and the clients backing off after a refused attempt.
 *
 * A client whose attempt was refused (no connection could be made) waits
 * before its next op: without it a dead member is asked again at once, and
 * its refusals (recorded fail) swamp the history and the rate.
 */
#include <stdint.h>

#include "runner_int.h"

void runner_idle_push(runner *r, client *c)
{
    unsigned n = r->c->clients;
    r->idle[(r->idle_head + r->idle_n) % n] = c->id;
    r->idle_n++;
}

client *runner_idle_pop(runner *r)
{
    if (!r->idle_n)
        return NULL;
    client *c = &r->cl[r->idle[r->idle_head]];
    r->idle_head = (r->idle_head + 1) % r->c->clients;
    r->idle_n--;
    return c;
}

/* A client whose attempt was refused waits before its next one: from
 * BACKOFF_MS, doubling with each refusal in a row, up to the op timeout,
 * less a random part of up to a half so that clients spread out. */
void runner_back_off(runner *r, client *c, int64_t now)
{
    int64_t cap = r->c->op_timeout_ms * 1000000;
    int64_t d = (int64_t)BACKOFF_MS * 1000000;
    for (unsigned i = 1; i < c->refusals && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    d -= (int64_t)(wl_rand(r->wl) % (uint64_t)(d / 2 + 1));
    c->ready_ns = now + d;
    r->waiting[r->nwaiting++] = c->id;
    if (r->nwaiting == 1 || c->ready_ns < r->next_ready_ns)
        r->next_ready_ns = c->ready_ns;
}

void runner_wake_waiting(runner *r, int64_t now)
{
    if (!r->nwaiting || now < r->next_ready_ns)
        return;
    unsigned keep = 0;
    int64_t next = INT64_MAX;
    for (unsigned i = 0; i < r->nwaiting; i++) {
        client *c = &r->cl[r->waiting[i]];
        if (c->ready_ns <= now) {
            runner_idle_push(r, c);
            continue;
        }
        if (c->ready_ns < next)
            next = c->ready_ns;
        r->waiting[keep++] = c->id;
    }
    r->nwaiting = keep;
    r->next_ready_ns = next;
}
