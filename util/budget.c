/* budget.c - see budget.h. */
#include "budget.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

struct budget {
    pthread_mutex_t mu;
    size_t max;      /* 0: no limit */
    size_t used;     /* held by all holders */
    size_t peak;
    size_t reserve;  /* promised to each active holder */
    size_t unfilled; /* what active holders are promised and do not hold */
};

budget *budget_new(size_t max)
{
    budget *b = xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    b->max = max;
    return b;
}

void budget_free(budget *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

size_t budget_max(const budget *b) { return b ? b->max : 0; }

void budget_reserve(budget *b, size_t r) { b->reserve = b->max ? r : 0; }

size_t budget_peak(const budget *b)
{
    pthread_mutex_lock((pthread_mutex_t *)&b->mu);
    size_t p = b->peak;
    pthread_mutex_unlock((pthread_mutex_t *)&b->mu);
    return p;
}

/* What h is promised and does not hold. Call with b->mu held. */
static size_t unfilled(const budget *b, const bhold *h)
{
    return h->active && b->reserve > h->held ? b->reserve - h->held : 0;
}

void budget_join(bhold *h, budget *b, bool active)
{
    *h = (bhold){.b = b};
    budget_activate(h, active);
}

void budget_leave(bhold *h)
{
    budget_uncharge(h, h->held);
    budget_activate(h, false);
}

void budget_activate(bhold *h, bool active)
{
    budget *b = h->b;
    if (!b) {
        h->active = active;
        return;
    }
    pthread_mutex_lock(&b->mu);
    b->unfilled -= unfilled(b, h);
    h->active = active;
    b->unfilled += unfilled(b, h);
    pthread_mutex_unlock(&b->mu);
}

void budget_clear(bhold *h)
{
    h->refused = false;
    h->refused_held = 0;
}

bool budget_charge(bhold *h, size_t n)
{
    budget *b = h->b;
    bool ok = true;
    if (b) {
        pthread_mutex_lock(&b->mu);
        size_t mine = unfilled(b, h), others = b->unfilled - mine;
        ok = !b->max || (n <= b->max && b->used <= b->max - n &&
                         others <= b->max - n - b->used);
        if (ok) {
            b->used += n;
            h->held += n;
            b->unfilled = others + unfilled(b, h);
            if (b->used > b->peak)
                b->peak = b->used;
        }
        pthread_mutex_unlock(&b->mu);
    } else {
        h->held += n;
    }
    if (!ok) {
        h->refused = true;
        h->refused_held = h->held;
        return false;
    }
    if (h->held > h->peak)
        h->peak = h->held;
    return true;
}

void budget_uncharge(bhold *h, size_t n)
{
    budget *b = h->b;
    if (n > h->held)
        n = h->held;
    if (!b) {
        h->held -= n;
        return;
    }
    pthread_mutex_lock(&b->mu);
    size_t mine = unfilled(b, h);
    b->used -= n;
    h->held -= n;
    b->unfilled = b->unfilled - mine + unfilled(b, h);
    pthread_mutex_unlock(&b->mu);
}

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE); /* a cached value in libc: cheap */
    return p > 0 ? (size_t)p : 4096;
}

/* Under AddressSanitizer every buffer comes from malloc, which it watches
 * (it does not see into mappings). */
#if defined(__SANITIZE_ADDRESS__)
#define MAP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAP_SANITIZED 1
#endif
#endif
#ifndef MAP_SANITIZED
#define MAP_SANITIZED 0
#endif

static bool mapped(size_t cap) { return !MAP_SANITIZED && cap >= BUDGET_MAP_MIN; }

size_t budget_footprint(size_t cap)
{
    if (mapped(cap)) {
        size_t ps = page_size();
        return (cap + ps - 1) / ps * ps;
    }
    return (cap + 16 + 15) / 16 * 16; /* malloc's header and rounding */
}

static void *map(size_t cap)
{
    void *p = mmap(NULL, budget_footprint(cap), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void unmap(void *p, size_t cap)
{
    munmap(p, budget_footprint(cap));
}

void *budget_alloc(bhold *h, size_t cap)
{
    if (!cap)
        cap = 1;
    size_t fp = budget_footprint(cap);
    if (!budget_charge(h, fp))
        return NULL;
    void *p = mapped(cap) ? map(cap) : calloc(1, cap);
    if (!p) {
        budget_uncharge(h, fp);
        h->refused = true;
        h->refused_held = h->held;
    }
    return p;
}

void budget_release(bhold *h, void *p, size_t cap)
{
    if (!p)
        return;
    if (!cap)
        cap = 1;
    if (mapped(cap))
        unmap(p, cap);
    else
        free(p);
    budget_uncharge(h, budget_footprint(cap));
}

bool budget_grow(bhold *h, void **p, size_t *cap, size_t need)
{
    if (*p && need <= *cap)
        return true;
    size_t old = *p ? *cap : 0, nc = old ? old : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) {
            h->refused = true;
            h->refused_held = h->held;
            return false;
        }
        nc *= 2;
    }
    if (mapped(nc))
        nc = budget_footprint(nc); /* the whole last page is ours */
    size_t ofp = old ? budget_footprint(old) : 0, nfp = budget_footprint(nc);
    if (!budget_charge(h, nfp - ofp))
        return false;
    void *q;
    if (!old)
        q = mapped(nc) ? map(nc) : malloc(nc);
    else if (mapped(old))
        q = mremap(*p, ofp, nfp, MREMAP_MAYMOVE);
    else if (!mapped(nc))
        q = realloc(*p, nc);
    else if ((q = map(nc)) != NULL) {
        memcpy(q, *p, old);
        free(*p);
    }
    if (q == MAP_FAILED || !q) {
        budget_uncharge(h, nfp - ofp);
        h->refused = true;
        h->refused_held = h->held;
        return false;
    }
    *p = q;
    *cap = nc;
    return true;
}
