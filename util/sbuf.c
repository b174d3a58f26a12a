/* sbuf.c - see sbuf.h. */
#include "sbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

static void reserve(sbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t c = b->cap ? b->cap : 64;
    while (c < need)
        c *= 2;
    b->p = xrealloc(b->p, c);
    b->cap = c;
}

void sbuf_addn(sbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sbuf_adds(sbuf *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

void sbuf_addc(sbuf *b, char c)
{
    sbuf_addn(b, &c, 1);
}

void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void json_str(sbuf *b, const char *s, size_t n, bool name)
{
    sbuf_addc(b, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = c < 0x80 ? 1 : utf8_seq(s + i, n - i, &cp);
        if (k > 1 && cp > 0x9f) { /* printable, beyond ASCII */
            i += k;
            continue;
        }
        sbuf_addn(b, s + run, i - run);
        if (k == 0) {
            sbuf_adds(b, UTF8_REPLACEMENT);
            k = 1;
        } else if (k > 1) {
            sbuf_printf(b, "\\u%04x", (unsigned)cp); /* C1 */
        } else if (c == 0 && name) {
            sbuf_adds(b, UTF8_REPLACEMENT);
        } else {
            switch (c) {
            case '"': sbuf_adds(b, "\\\""); break;
            case '\\': sbuf_adds(b, "\\\\"); break;
            case '\n': sbuf_adds(b, "\\n"); break;
            case '\r': sbuf_adds(b, "\\r"); break;
            case '\t': sbuf_adds(b, "\\t"); break;
            default: sbuf_printf(b, "\\u%04x", c);
            }
        }
        i += k;
        run = i;
    }
    sbuf_addn(b, s + run, n - run);
    sbuf_addc(b, '"');
}

void sbuf_add_json_str(sbuf *b, const char *s, size_t n)
{
    json_str(b, s, n, false);
}

void sbuf_add_json_name(sbuf *b, const char *s, size_t n)
{
    json_str(b, s, n, true);
}

void sbuf_add_utf8(sbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        size_t k = (unsigned char)s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, NULL);
        if (k) {
            i += k;
            continue;
        }
        sbuf_addn(b, s + run, i - run);
        sbuf_adds(b, UTF8_REPLACEMENT);
        run = ++i;
    }
    sbuf_addn(b, s + run, n - run);
}

void sbuf_add_printable(sbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = c < 0x80 ? 1 : utf8_seq(s + i, n - i, &cp);
        if (k > 1 && cp > 0x9f) {
            i += k;
            continue;
        }
        sbuf_addn(b, s + run, i - run);
        if (c == '\\')
            sbuf_adds(b, "\\\\");
        else if (k > 1)
            sbuf_printf(b, "\\u%04x", (unsigned)cp);
        else
            sbuf_printf(b, "\\x%02x", c);
        i += k ? k : 1;
        run = i;
    }
    sbuf_addn(b, s + run, n - run);
}

const char *sbuf_str(const sbuf *b)
{
    return b->p ? b->p : "";
}

void sbuf_reset(sbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void sbuf_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
