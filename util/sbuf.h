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
/* Append s as a JSON string literal, quotes included. Whatever s holds,
 * what is appended is valid JSON in valid UTF-8: a byte that is not part of
 * valid UTF-8 is written as U+FFFD (so the output stays readable, at the
 * cost of telling such bytes apart), and control characters (C0, DEL, C1)
 * are escaped. */
void sbuf_add_json_str(sbuf *b, const char *s, size_t n);
/* The same for an object member name, where NUL is written as U+FFFD too:
 * jansson, and so conch serve and conch's own JSON reader, refuse "\u0000"
 * in a name. */
void sbuf_add_json_name(sbuf *b, const char *s, size_t n);
/* Append s with each byte that is not part of valid UTF-8 replaced by
 * U+FFFD, for outputs that must be valid UTF-8 (JSON and XML text). */
void sbuf_add_utf8(sbuf *b, const char *s, size_t n);
/* Append s for a terminal or a log line: printable UTF-8 as it is, a
 * backslash as \\, and control characters (C0, DEL, C1) and bytes that are
 * not valid UTF-8 as \xNN (C1: \u0080-\u009f), so no byte of s can move the
 * cursor, colour the terminal, or start a line. */
void sbuf_add_printable(sbuf *b, const char *s, size_t n);
const char *sbuf_str(const sbuf *b);
void sbuf_reset(sbuf *b);
void sbuf_free(sbuf *b);

#endif
