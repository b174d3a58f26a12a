/*
 * utf8.h - telling valid UTF-8 from bytes that are not, and showing the
 * latter honestly.
 *
 * Valid means RFC 3629: shortest form, no surrogates (U+D800-U+DFFF), no
 * code point past U+10FFFF. Values read from histories are valid UTF-8 (the
 * readers refuse anything else), but values may also come from a store's
 * answer or a regular expression's match, so every writer goes through
 * these to keep its output valid whatever a value holds.
 */
#ifndef CONCH_UTF8_H
#define CONCH_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8: what an invalid byte is shown as. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Length (1-4) of the valid UTF-8 sequence at p, of at most left bytes,
 * with its code point in *cp (if not NULL); 0 if the bytes there are not
 * one (left 0 included). */
size_t utf8_seq(const char *p, size_t left, uint32_t *cp);

/* True when the left bytes at p are the start of a sequence that more bytes
 * could still complete (a chunk of input may end inside a character). */
bool utf8_incomplete(const char *p, size_t left);

/* The bytes as UTF-8 code points, one at a time: each call returns the
 * next code point of s[*i..n) and advances *i, or returns UTF8_INVALID
 * and advances *i by one byte when the byte there starts no valid
 * sequence. */
#define UTF8_INVALID 0xffffffffu
uint32_t utf8_next(const char *s, size_t n, size_t *i);

/* Write the UTF-8 encoding of code point cp (at most U+10FFFF) into out;
 * returns its length. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
