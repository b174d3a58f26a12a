/*
 * spec_template.h - the templates of a store spec (spec.h): a request's
 * path, body and header values, with placeholders filled in per request.
 *
 * Syntax: text in which {NAME} or {NAME|ENC|ENC...} is a placeholder, and
 * {{ is a literal '{'. NAME is one of key, value, old, new, version; each
 * ENC is applied in turn to the bytes so far:
 *   raw   the bytes as they are (the default)
 *   json  a JSON string literal, quotes included ("a\"b")
 *   url   percent-encoded: every byte but RFC 3986's unreserved ones
 *   b64   base64 (RFC 4648, padded)
 * Any other '{' is literal, so JSON bodies need no escaping: in
 * {"value":{value}} only {value} is a placeholder. A '{' followed by a
 * lower-case word and '}' or '|' that is not a known name is an error
 * (a typo would otherwise go out as text).
 *
 * Invariant: a compiled template only names the placeholders it was
 * allowed at compile time, so rendering never meets one without a value.
 */
#ifndef CONCH_SPEC_TEMPLATE_H
#define CONCH_SPEC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/sbuf.h"

typedef enum tpl_var { TPL_KEY, TPL_VALUE, TPL_OLD, TPL_NEW, TPL_VERSION, TPL_NVARS } tpl_var;
typedef enum tpl_enc { TPL_RAW, TPL_JSON, TPL_URL, TPL_B64 } tpl_enc;

/* The bytes each placeholder stands for in one request (borrowed, each a
 * string without NUL: n is its length). */
typedef struct tpl_args {
    const char *s[TPL_NVARS];
    size_t n[TPL_NVARS];
} tpl_args;

typedef struct tpl tpl;

/* Compile text; allowed is a mask of (1u << tpl_var) that may appear.
 * NULL on error, with why saying what and where ("{old} has no value
 * here", "unknown encoding 'hex' at byte 7"). Free with tpl_free. */
tpl *tpl_compile(const char *text, unsigned allowed, sbuf *why);
void tpl_free(tpl *t);
/* The placeholders t uses, as a mask of (1u << tpl_var). */
unsigned tpl_uses(const tpl *t);
/* Is t empty text (no literal, no placeholder)? */
bool tpl_empty(const tpl *t);
/* Append t's literal text with the byte hole in place of each
 * placeholder: what the file itself wrote (spec_secrets), apart from
 * what a request fills in. */
void tpl_skeleton(const tpl *t, char hole, sbuf *out);
/* Append t with a's bytes in place of the placeholders. */
void tpl_render(const tpl *t, const tpl_args *a, sbuf *out);

/* The names, for messages: "key", "value", ... */
const char *tpl_var_name(tpl_var v);
/* Append s[0..n) encoded with e. */
void tpl_encode(tpl_enc e, const char *s, size_t n, sbuf *out);

#endif
