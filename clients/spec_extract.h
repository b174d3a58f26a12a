/*
 * spec_extract.h - reading a store's answer by a spec (spec.h): PCRE2
 * patterns applied to the body or to one response header, the named
 * groups they capture, and the decoding of a captured value.
 *
 * A pattern is compiled once, when the spec is loaded, and matched with
 * limits on backtracking (RX_MATCH_LIMIT, RX_DEPTH_LIMIT): a store's body
 * cannot make a match run away. A match that hits a limit says so
 * (RX_LIMIT): the answer could not be read, which is neither a match nor
 * no match (spec_http.c makes it info; taking it for no match would let
 * the next rule decide). Patterns see bytes (no UTF mode), so a body that is not UTF-8 is
 * matched like any other.
 *
 * Named groups: value, version, node. A group that did not take part in
 * the match is not captured.
 *
 * Decode steps, applied to a captured value in order:
 *   json  the capture is a JSON text: a string gives its contents, null
 *         says the key holds nothing, anything else stays as it is
 *   b64   base64, standard or URL-safe, padded or not
 *   url   percent-decoding
 * Then the bytes are read as JSON (what conch wrote) or, when they are
 * not JSON, kept as a string (rx_value).
 */
#ifndef CONCH_SPEC_EXTRACT_H
#define CONCH_SPEC_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "../histories/value.h"
#include "../util/sbuf.h"

enum { RX_MATCH_LIMIT = 100000, RX_DEPTH_LIMIT = 1000, RX_MAX_DECODE = 4 };

typedef enum rx_group { RX_VALUE, RX_VERSION, RX_NODE, RX_NGROUPS } rx_group;
typedef enum rx_decode { RX_JSON, RX_B64, RX_URL } rx_decode;

typedef struct rx rx;

/* What a match found. */
typedef enum rx_rc { RX_LIMIT = -1, RX_NO = 0, RX_YES = 1 } rx_rc;

/* Compile pattern; NULL on error, with why saying what and at which
 * byte. Free with rx_free. */
rx *rx_compile(const char *pattern, sbuf *why);
void rx_free(rx *r);
/* Which named groups r has, as a mask of (1u << rx_group). */
unsigned rx_groups(const rx *r);
/* Does r match somewhere in s[0..n)? */
rx_rc rx_match(const rx *r, const char *s, size_t n);

/* What a match captured: the bytes of each group (borrowed from the
 * subject), and which groups took part. */
typedef struct rx_capture {
    const char *s[RX_NGROUPS];
    size_t n[RX_NGROUPS];
    unsigned found; /* mask of (1u << rx_group) */
} rx_capture;

/* Match r on s[0..n) and record the groups it captures that cap does not
 * hold yet (an earlier pattern's capture wins). */
rx_rc rx_capture_groups(const rx *r, const char *s, size_t n, rx_capture *cap);

/* "json", "b64", "url" -> step; -1 if unknown. */
int rx_decode_parse(const char *name);
/* Apply the steps to s[0..n), into out. *null is set when a json step
 * found null (the value is absent: out is then empty). False, with why,
 * when a step cannot read its input. */
bool rx_decode_all(const rx_decode *steps, int nsteps, const char *s, size_t n, sbuf *out,
                   bool *null, sbuf *why);
/* The value the decoded bytes stand for: JSON if they are, else a string;
 * interned in vt. */
val rx_value(vtab *vt, const char *s, size_t n);

/* Find header name (case-insensitive) in a raw header block ("Name:
 * value\r\n" lines); the value is trimmed of spaces. The last one wins
 * (the block may hold an interim response's headers first). */
bool rx_header(const char *block, size_t len, const char *name, const char **v, size_t *vn);

#endif
