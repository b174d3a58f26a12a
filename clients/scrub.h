/*
 * scrub.h - secrets kept out of everything conch run writes or prints.
 *
 * The values of the headers sent with every request (--header,
 * CONCH_HEADER) and the passwords in the store's URLs are credentials. They
 * go to libcurl, but a store may send one back: an error body that quotes
 * the request's Authorization header, a node name, a value. So every text
 * conch run records or shows passes through a scrubber first, which
 * replaces each occurrence of a secret by SCRUB_MASK:
 *   - response bodies, before an adapter reads them (so that an excerpt
 *     cut from a body cannot cut a secret in two and keep half of it);
 *   - each line of the history as it is written (scrub_json_members);
 *   - messages (scrub_text).
 *
 * What counts as a secret, per header value: the whole value; each of its
 * words (split at spaces, commas and semicolons) and the part of a word
 * after '=' (a cookie's value), when at least SCRUB_MIN_WORD bytes long;
 * for "Basic X", the decoded "user:password" and the password. Per URL:
 * the password, as written and percent-decoded, and the base64 of
 * "user:password" that libcurl sends for it. Anything shorter than
 * SCRUB_MIN bytes is ignored: text that short appears in ordinary
 * messages ("401"), and masking it there would hide nothing. Scheme words
 * ("Bearer") are shorter than SCRUB_MIN_WORD, so messages keep them.
 */
#ifndef CONCH_SCRUB_H
#define CONCH_SCRUB_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/sbuf.h"

#define SCRUB_MASK "***"
enum { SCRUB_MIN = 4, SCRUB_MIN_WORD = 8 };

typedef struct scrub scrub;

scrub *scrub_new(void);
void scrub_free(scrub *s);
/* Has s any secret? (Without, every scrub_ call returns at once.) */
bool scrub_any(const scrub *s);
/* Add secret (copied) and what it implies, as the top of the file says. */
void scrub_add(scrub *s, const char *secret, size_t n);
void scrub_add_header(scrub *s, const char *line); /* "Name: value" */
void scrub_add_url(scrub *s, const char *url);
/* A URL query parameter's value p[0..n): as written and percent-decoded. */
void scrub_add_param(scrub *s, const char *p, size_t n);

/* Mask every secret in t, in place; true if one was found. */
bool scrub_text(const scrub *s, sbuf *t);
/* The same in JSON text t from byte from on, so that it stays JSON: a
 * string literal that holds a secret is decoded, masked and encoded again.
 * Between strings, text made of JSON's own tokens (punctuation, numbers,
 * true, false, null) is the store's data and is left as it is (masking a
 * header value "null" there would break the text); other text there (a
 * body that only starts like JSON) is masked, but for a secret that looks
 * like a number. */
bool scrub_json(const scrub *s, sbuf *t, size_t from);
/* The same for one JSON object in t from byte from on (a history line),
 * whose member names, and the values of the members named in keep
 * (NULL-terminated: the line's own words, such as "type" and "f"), are
 * left as they are, so that what reads the line still can; a value that
 * is an object has its names masked as any string. Text that is not an
 * object is scrubbed as scrub_json does. */
bool scrub_json_members(const scrub *s, sbuf *t, size_t from, const char *const *keep);
/* A response body: as JSON if it starts like JSON (an object or an array),
 * else as text. */
bool scrub_body(const scrub *s, sbuf *t);

#endif
