/*
 * report_progress.c - the progress line (report_progress.h).
 *
 * The drawing thread reads only what is safe to read while the reader and
 * the checker run: atomics, and, once the checker says it is searching
 * (an acquire of its phase, which it set after splitting the parts), the
 * parts' names, which no one writes any more.
 */
#include "report_progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/mem.h"

#define TICK_NS 100000000LL     /* how often the thread looks */
#define TTY_EVERY_NS 250000000LL
#define PLAIN_EVERY_NS 2000000000LL
#define QUIET_NS 300000000LL    /* on a terminal, nothing before this */
#define WIDTH 110               /* the most a line holds */

struct report_progress {
    FILE *f;
    bool tty;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit, drawn;
    int64_t t0;
    /* what is being done, under mu */
    char *file;
    size_t size;
    check_progress *cp;
    const check_item *items;
    size_t nitems;
    _Atomic size_t bytes, events;
};

/* 1234567 -> "1,234,567" */
static void thousands(sbuf *b, uint64_t n)
{
    char d[32];
    int k = snprintf(d, sizeof d, "%llu", (unsigned long long)n);
    for (int i = 0; i < k; i++) {
        sbuf_addc(b, d[i]);
        if ((k - i - 1) % 3 == 0 && i + 1 < k)
            sbuf_addc(b, ',');
    }
}

static const char *phase_text(check_phase p)
{
    switch (p) {
    case PHASE_PREPARE: return "splitting into parts";
    case PHASE_SESSIONS: return "session guarantees";
    case PHASE_TXN: return "transactions";
    case PHASE_UNIQUE: return "parts without search";
    case PHASE_SEARCH: return "searching";
    case PHASE_SHRINK: return "shrinking counterexamples";
    default: return "reporting";
    }
}

/* The line, under mu. */
static void line(report_progress *p, int64_t now, sbuf *b)
{
    sbuf_printf(b, "conch: %.1f s  ", (double)(now - p->t0) / 1e9);
    if (!p->cp) {
        sbuf_adds(b, "reading ");
        sbuf_add_printable(b, p->file ? p->file : "", p->file ? strlen(p->file) : 0);
        size_t bytes = atomic_load(&p->bytes), ev = atomic_load(&p->events);
        sbuf_printf(b, ": %.1f", (double)bytes / 1e6);
        if (p->size)
            sbuf_printf(b, " of %.1f", (double)p->size / 1e6);
        sbuf_adds(b, " MB");
        if (ev) {
            sbuf_adds(b, ", ");
            thousands(b, ev);
            sbuf_adds(b, " events");
        }
        return;
    }
    progress_view v;
    progress_get(p->cp, now, &v);
    sbuf_printf(b, "checking: %s", phase_text(v.phase));
    if (v.phase < PHASE_UNIQUE || !v.parts)
        return;
    sbuf_printf(b, ", %zu of %zu part%s decided", v.done, v.parts, v.parts == 1 ? "" : "s");
    if (v.configs) {
        sbuf_adds(b, ", ");
        thousands(b, v.configs);
        sbuf_adds(b, " configurations");
    }
    if (v.slow && v.slow_item < p->nitems && v.slow_part < p->items[v.slow_item].nparts) {
        const check_item *it = &p->items[v.slow_item];
        sbuf name = {0};
        report_part_name(it, &it->parts[v.slow_part], &name);
        sbuf_printf(b, "; slowest: %s%s%.1f s%s", sbuf_str(&name), name.len ? " " : "",
                    v.slow_s, v.slow_running ? " so far" : "");
        sbuf_free(&name);
    }
}

static void draw(report_progress *p, int64_t now)
{
    sbuf b = {0};
    line(p, now, &b);
    size_t n = b.len;
    if (p->tty && n > WIDTH) { /* one terminal line, cut at a character */
        n = WIDTH;
        while (n > 0 && ((unsigned char)b.p[n] & 0xc0) == 0x80)
            n--;
    }
    fprintf(p->f, "%s%.*s%s", p->tty ? "\r\033[K" : "", (int)n, sbuf_str(&b),
            p->tty ? "" : "\n");
    fflush(p->f);
    p->drawn = true;
    sbuf_free(&b);
}

static void *loop(void *arg)
{
    report_progress *p = arg;
    int64_t every = p->tty ? TTY_EVERY_NS : PLAIN_EVERY_NS, next = p->t0 + (p->tty ? QUIET_NS
                                                                                  : every);
    pthread_mutex_lock(&p->mu);
    while (!p->quit) {
        struct timespec ts = clock_timespec(clock_now_ns() + TICK_NS);
        clock_wait(&p->cv, &p->mu, &ts);
        int64_t now = clock_now_ns();
        if (!p->quit && now >= next) {
            draw(p, now);
            next = now + every;
        }
    }
    if (p->drawn && p->tty)
        fputs("\r\033[K", p->f);
    fflush(p->f);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

report_progress *report_progress_start(FILE *f, bool tty)
{
    report_progress *p = xcalloc(1, sizeof *p);
    p->f = f;
    p->tty = tty;
    p->t0 = clock_now_ns();
    atomic_init(&p->bytes, 0);
    atomic_init(&p->events, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, loop, p)) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return NULL; /* no progress line, and nothing else lost */
    }
    return p;
}

void report_progress_stop(report_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->file);
    free(p);
}

void report_progress_file(report_progress *p, const char *name, size_t size)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    free(p->file);
    p->file = xstrdup(name);
    p->size = size;
    atomic_store(&p->bytes, 0);
    atomic_store(&p->events, 0);
    pthread_mutex_unlock(&p->mu);
}

void report_progress_bytes(void *arg, size_t bytes)
{
    report_progress *p = arg;
    if (p)
        atomic_store_explicit(&p->bytes, bytes, memory_order_relaxed);
}

_Atomic size_t *report_progress_events(report_progress *p)
{
    return p ? &p->events : NULL;
}

void report_progress_check(report_progress *p, check_progress *cp, const check_item *items,
                           size_t n)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->cp = cp;
    p->items = items;
    p->nitems = n;
    pthread_mutex_unlock(&p->mu);
}
