/*
 * load.c - getting a history's bytes into memory, and the checks every
 * input passes before a parser sees it (read_int.h).
 *
 * A history is UTF-8 text: a NUL byte or bytes that are not UTF-8 mean
 * binary data (or another encoding), and are refused with their line and
 * column, as is a line longer than the cap. The check runs on each chunk
 * as it is read, so `conch check /dev/urandom` ends at its first chunk, and
 * a stream with no newline at the first byte past the cap; and the input as
 * a whole may hold at most max_bytes (--max-memory), so an endless pipe of
 * text ends at the limit, not when memory runs out.
 *
 * Files are read, not mapped: a mapped file that shrinks under us kills
 * the process with SIGBUS at the first page past its new end. A regular
 * file's size and modification time are compared before and after; if
 * they differ, or it did not hold as many bytes as it said, it changed while
 * being read, and that is an input error. (A change that keeps the size
 * within the clock's granularity of the first look cannot be told; one that
 * cuts the file short always can.)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../util/mem.h"
#include "../util/utf8.h"
#include "read_int.h"
#include "shard.h"

#define CHUNK ((size_t)1 << 20)

/* The first byte of p[i..n) that is a newline, NUL or not ASCII (n if
 * none): the bytes the scan looks at one by one. 32 bytes at a time with
 * SSE2 (every x86-64 has it), else a word at a time, where the lowest
 * flagged byte is exact (the "has a zero byte" trick of Hacker's Delight
 * 6-1: a borrow only flags bytes above a rightly flagged one). One pass
 * finds both, where a search for the newline and a check of the line's
 * bytes were two. */
static inline size_t next_special(const char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    for (; n - i >= 32; i += 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
        a = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(a, zero)), a);
        b = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, nl), _mm_cmpeq_epi8(b, zero)), b);
        uint32_t m = (uint32_t)_mm_movemask_epi8(a) | (uint32_t)_mm_movemask_epi8(b) << 16;
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    for (; n - i >= 8; i += 8) {
        uint64_t w, x;
        memcpy(&w, p + i, 8);
        x = w ^ (ones * '\n');
        uint64_t m = (((w - ones) & ~w) | ((x - ones) & ~x) | w) & highs;
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == 0 || c >= 0x80)
            break;
    }
    return i;
}

hist_rc rd_scan_more(rd_scan *s, const char *name, const char *p, size_t n, bool eof,
                     size_t max_line, hist_error *err)
{
    size_t i = s->off;
    while ((i = next_special(p, i, n)) < n) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') {
            if (i - s->line_start > max_line)
                break;
            s->line++;
            s->line_start = ++i;
            continue;
        }
        if (c == 0) {
            hist_error_set(err, HIST_ESYNTAX, name, s->line, (uint32_t)(i - s->line_start + 1),
                           "unexpected NUL byte: this is binary data, not a history");
            return err->rc;
        }
        size_t k = utf8_seq(p + i, n - i, NULL);
        if (!k) {
            if (!eof && utf8_incomplete(p + i, n - i))
                break; /* the next chunk may complete it */
            hist_error_set(err, HIST_ESYNTAX, name, s->line, (uint32_t)(i - s->line_start + 1),
                           "invalid UTF-8 (byte 0x%02x): a history is UTF-8 text, and "
                           "this is binary data or another encoding", c);
            return err->rc;
        }
        i += k;
    }
    s->off = i;
    if (i - s->line_start > max_line) {
        hist_error_set(err, HIST_ETOOBIG, name, s->line, (uint32_t)(max_line + 1),
                       "line is longer than the limit of %zu bytes", max_line);
        return err->rc;
    }
    return HIST_OK;
}

static hist_rc too_big(const char *name, size_t max, hist_error *err)
{
    if (max % (1 << 20) == 0)
        hist_error_set(err, HIST_ETOOBIG, name, 0, 0,
                       "the input is larger than the memory limit of %zu MiB (--max-memory)",
                       max >> 20);
    else
        hist_error_set(err, HIST_ETOOBIG, name, 0, 0,
                       "the input is larger than the memory limit of %zu bytes (--max-memory)",
                       max);
    return err->rc;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The error for a regular file that is not as it was when opened. */
static hist_rc changed(const char *name, int fd, const struct stat *st, bool sized,
                       uint64_t expect, size_t got, hist_error *err)
{
    struct stat now = {0};
    if (fstat(fd, &now) == 0 && (!sized || got == expect) && same_file(st, &now))
        return HIST_OK;
    hist_error_set(err, HIST_EIO, name, 0, 0,
                   "file changed while being read (%lld bytes when opened, %zu read, "
                   "%lld now): check it once nothing writes to it",
                   (long long)st->st_size, got, (long long)now.st_size);
    return err->rc;
}

hist_rc rd_load(const char *name, int fd, const struct stat *st, const hist_read_opts *o,
                const rd_sink *sink, uint64_t *fingerprint, hist_error *err)
{
    shard_fp fp = {0};
    size_t max_line = o->max_line ? o->max_line : HIST_DEFAULT_MAX_LINE;
    size_t max = o->max_bytes ? o->max_bytes : SIZE_MAX - 1;
    size_t chunk = o->chunk ? o->chunk : CHUNK;
    /* A regular file says its size (but those of /proc say 0); a pipe or a
     * device does not. Standard input may be a file read from an offset. */
    bool regular = S_ISREG(st->st_mode);
    off_t from = regular ? lseek(fd, 0, SEEK_CUR) : 0;
    if (from < 0 || from > st->st_size)
        from = 0;
    uint64_t expect = regular ? (uint64_t)(st->st_size - from) : 0;
    bool sized = expect > 0;
    /* Room for a few chunks first: a sink that parses as the bytes come
     * needs no more; one that holds them all grows it, up to the size said
     * (a file that grows meanwhile is refused at the end anyway). */
    size_t whole = sized && expect <= max ? (size_t)expect + 1 : 0;
    size_t cap = whole && whole < 4 * chunk ? whole : 4 * chunk;
    size_t n = 0;     /* bytes held, p[0..n) */
    size_t total = 0; /* bytes read */
    char *p = xmalloc(cap);
    rd_scan sc = {0, 0, 1};
    rd_sniffer sniff = {false, 0};
    hist_rc rc = HIST_OK;
    size_t used;
    for (;;) {
        if (n == cap) {
            cap = cap > max / 2 ? max + 1 : cap < whole && cap * 2 > whole ? whole : cap * 2;
            p = xrealloc(p, cap);
        }
        size_t want = cap - n < chunk ? cap - n : chunk;
        ssize_t got = read(fd, p + n, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            hist_error_set(err, HIST_EIO, name, 0, 0, "cannot read: %s", strerror(errno));
            rc = err->rc;
            goto out;
        }
        if (got == 0)
            break;
        shard_fp_add(&fp, p + n, (size_t)got);
        n += (size_t)got;
        total += (size_t)got;
        if (o->hook)
            o->hook(o->hook_arg, total);
        if ((rc = rd_scan_more(&sc, name, p, n, false, max_line, err)) ||
            (rc = rd_sniff(&sniff, name, p, n, sc.line_start, o->format, err)))
            goto out;
        if (total > max || expect > max) {
            rc = too_big(name, max, err);
            goto out;
        }
        if ((rc = sink->feed(sink->ctx, p, n, sc.line_start, false, &used)))
            goto fed;
        if (used) {
            memmove(p, p + used, n - used);
            n -= used;
            sc.off -= used;
            sc.line_start -= used;
        }
    }
    if ((rc = rd_scan_more(&sc, name, p, n, true, max_line, err)))
        goto out;
    if (regular && (rc = changed(name, fd, st, sized, expect, total, err)))
        goto out;
    *fingerprint = shard_fp_end(&fp);
    rc = sink->feed(sink->ctx, p, n, n, true, &used);
fed:
    /* What the sink refused may be bytes that changed under it. */
    if (rc && regular && changed(name, fd, st, false, 0, total, err))
        rc = HIST_EIO;
out:
    free(p);
    return rc;
}
