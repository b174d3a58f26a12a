/*
 * sbuf.h - a growable, always NUL-terminated string buffer.
 *
 * sbuf b = {0}; sbuf_adds(&b, "x"); ... free(b.p) or sbuf_free(&b).
 * b.p is NULL until something is added; sbuf_str() never returns NULL.
 */
#ifndef CONCH_SBUF_H
#define CONCH_SBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

void sbuf_addn(sbuf *b, const char *s, size_t n);
void sbuf_adds(sbuf *b, const char *s);
void sbuf_addc(sbuf *b, char c);
void sbuf_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap);
/* Append s as a JSON string literal, quotes included. */
void sbuf_add_json_str(sbuf *b, const char *s, size_t n);
const char *sbuf_str(const sbuf *b);
void sbuf_reset(sbuf *b);
void sbuf_free(sbuf *b);

#endif
