/*
 * scrub.c - see scrub.h.
 *
 * Secrets are kept longest first, so that a secret inside a longer one
 * (a token inside "Bearer token") is masked as part of the longer one.
 */
#include "scrub.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/hex.h"
#include "../util/mem.h"
#include "b64.h"

typedef struct secret {
    char *p;
    size_t n;
    bool number; /* made of characters of a JSON number only */
} secret;

struct scrub {
    VEC(secret) v;
};

scrub *scrub_new(void)
{
    return xcalloc(1, sizeof(scrub));
}

void scrub_free(scrub *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->v.n; i++)
        free(s->v.v[i].p);
    free(s->v.v);
    free(s);
}

bool scrub_any(const scrub *s)
{
    return s && s->v.n > 0;
}

void scrub_add(scrub *s, const char *p, size_t n)
{
    if (n < SCRUB_MIN)
        return;
    size_t at = 0;
    for (; at < s->v.n; at++) {
        secret *e = &s->v.v[at];
        if (e->n == n && !memcmp(e->p, p, n))
            return; /* known */
        if (e->n < n)
            break;
    }
    VEC_PUSH(s->v, ((secret){NULL, 0, false}));
    memmove(&s->v.v[at + 1], &s->v.v[at], (s->v.n - 1 - at) * sizeof(secret));
    s->v.v[at] = (secret){xstrndup(p, n), n, strspn(p, "0123456789+-.eE") >= n};
}

static bool word_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == ';';
}

void scrub_add_header(scrub *s, const char *line)
{
    const char *v = strchr(line, ':');
    if (!v)
        return;
    v++;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    scrub_add(s, v, n);
    for (size_t i = 0; i < n;) {
        while (i < n && word_sep(v[i]))
            i++;
        size_t start = i;
        while (i < n && !word_sep(v[i]))
            i++;
        const char *w = v + start;
        size_t wn = i - start;
        if (wn >= SCRUB_MIN_WORD)
            scrub_add(s, w, wn);
        const char *eq = memchr(w, '=', wn);
        if (eq && (size_t)(w + wn - eq - 1) >= SCRUB_MIN_WORD)
            scrub_add(s, eq + 1, (size_t)(w + wn - eq - 1));
    }
    if (n > 6 && !strncasecmp(v, "Basic ", 6)) {
        sbuf cred = {0};
        const char *b = v + 6;
        while (*b == ' ')
            b++;
        if (b64_decode(b, (size_t)(v + n - b), &cred)) {
            scrub_add(s, sbuf_str(&cred), cred.len);
            const char *colon = memchr(sbuf_str(&cred), ':', cred.len);
            if (colon)
                scrub_add(s, colon + 1, (size_t)(cred.p + cred.len - colon - 1));
        }
        sbuf_free(&cred);
    }
}

static void percent_decode(const char *p, size_t n, sbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (p[i] == '%' && i + 2 < n && (h = hex_value(p[i + 1])) >= 0 &&
            (l = hex_value(p[i + 2])) >= 0) {
            sbuf_addc(out, (char)(h * 16 + l));
            i += 2;
        } else {
            sbuf_addc(out, p[i]);
        }
    }
}

void scrub_add_param(scrub *s, const char *p, size_t n)
{
    sbuf d = {0};
    percent_decode(p, n, &d);
    scrub_add(s, p, n);
    scrub_add(s, sbuf_str(&d), d.len);
    sbuf_free(&d);
}

void scrub_add_url(scrub *s, const char *url)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p; /* the last one: a password may hold '@' unencoded */
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon)
        return;
    const char *pw = colon + 1;
    sbuf user = {0}, pass = {0}, cred = {0};
    percent_decode(auth, (size_t)(colon - auth), &user);
    percent_decode(pw, (size_t)(at - pw), &pass);
    scrub_add(s, pw, (size_t)(at - pw));
    scrub_add(s, sbuf_str(&pass), pass.len);
    /* What libcurl sends for it: Basic base64(user:password). */
    sbuf_printf(&user, ":%s", sbuf_str(&pass));
    b64_encode(user.p, user.len, &cred);
    scrub_add(s, sbuf_str(&cred), cred.len);
    sbuf_free(&user);
    sbuf_free(&pass);
    sbuf_free(&cred);
}
/* Mask every secret in p[0..n) into out (but those that look like a
 * number when numbers is false); true if one was found. */
static bool mask(const scrub *s, const char *p, size_t n, bool numbers, sbuf *out)
{
    size_t first = 0; /* the first secret found; none: nothing to copy */
    for (; first < s->v.n; first++) {
        const secret *e = &s->v.v[first];
        if ((numbers || !e->number) && memmem(p, n, e->p, e->n))
            break;
    }
    if (first == s->v.n)
        return false;
    bool found = false;
    sbuf cur = {0}, next = {0};
    sbuf_addn(&cur, p, n);
    for (size_t k = first; k < s->v.n; k++) {
        const secret *e = &s->v.v[k];
        if (e->number && !numbers)
            continue;
        const char *from = sbuf_str(&cur), *end = from + cur.len, *hit;
        if (!memmem(from, cur.len, e->p, e->n))
            continue;
        found = true;
        sbuf_reset(&next);
        while ((hit = memmem(from, (size_t)(end - from), e->p, e->n))) {
            sbuf_addn(&next, from, (size_t)(hit - from));
            sbuf_adds(&next, SCRUB_MASK);
            from = hit + e->n;
        }
        sbuf_addn(&next, from, (size_t)(end - from));
        sbuf tmp = cur;
        cur = next;
        next = tmp;
    }
    if (found)
        sbuf_addn(out, sbuf_str(&cur), cur.len);
    sbuf_free(&cur);
    sbuf_free(&next);
    return found;
}

bool scrub_text(const scrub *s, sbuf *t)
{
    if (!scrub_any(s) || !t->len)
        return false;
    sbuf out = {0};
    if (!mask(s, t->p, t->len, true, &out))
        return false;
    sbuf_free(t);
    *t = out;
    return true;
}

static void add_utf8(sbuf *b, unsigned cp)
{
    if (cp < 0x80) {
        sbuf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        sbuf_addc(b, (char)(0xc0 | cp >> 6));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        sbuf_addc(b, (char)(0xe0 | cp >> 12));
        sbuf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        sbuf_addc(b, (char)(0xf0 | cp >> 18));
        sbuf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
        sbuf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* The 4 hex digits at p as a number, or -1. */
static long hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    long x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return -1;
        x = x * 16 + h;
    }
    return x;
}

/* The bytes a JSON string literal's inside p[0..n) stands for. An escape
 * that is not one is kept as written. */
static void decode_str(const char *p, size_t n, sbuf *out)
{
    const char *end = p + n;
    while (p < end) {
        if (*p != '\\' || p + 1 == end) {
            sbuf_addc(out, *p++);
            continue;
        }
        char e = p[1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const char to[] = "\"\\/\b\f\n\r\t";
            sbuf_addc(out, to[simple - "\"\\/bfnrt"]);
            p += 2;
            continue;
        }
        long cp = e == 'u' ? hex4(p + 2, end) : -1;
        if (cp < 0) {
            sbuf_addc(out, *p++);
            continue;
        }
        p += 6;
        if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
            long lo = hex4(p + 2, end);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
        }
        add_utf8(out, (unsigned)cp);
    }
}

/* Could JSON text p[0..n) hold a secret? Not if none is in it as written
 * and nothing in it is escaped. */
static bool may_hold(const scrub *s, const char *p, size_t n)
{
    if (memchr(p, '\\', n))
        return true;
    for (size_t k = 0; k < s->v.n; k++)
        if (memmem(p, n, s->v.v[k].p, s->v.v[k].n))
            return true;
    return false;
}

static bool bare_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' ||
           c == '[' || c == ']' || c == ',' || c == ':';
}

/* Is p[0..n) a JSON number? */
static bool json_number(const char *p, size_t n)
{
    size_t i = 0, d;
    if (i < n && p[i] == '-')
        i++;
    for (d = i; i < n && p[i] >= '0' && p[i] <= '9';)
        i++;
    if (i == d)
        return false;
    if (i < n && p[i] == '.') {
        for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        for (d = i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* Is p[0..n), text between JSON strings, made of JSON's own tokens only
 * (punctuation, numbers, true, false, null)? Then it is the store's data
 * and the text's structure, not text that could quote a secret: masking
 * there could only break the JSON ("value":null with a header value
 * "null"). */
static bool bare_json(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (bare_sep(p[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !bare_sep(p[j]))
            j++;
        size_t len = j - i;
        if (!json_number(p + i, len) && !(len == 4 && !memcmp(p + i, "true", 4)) &&
            !(len == 5 && !memcmp(p + i, "false", 5)) && !(len == 4 && !memcmp(p + i, "null", 4)))
            return false;
        i = j;
    }
    return true;
}

/* The index of the quote that closes the JSON string literal opening at
 * p[i]; n or more if it is not closed. */
static size_t closing_quote(const char *p, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && p[j] != '"')
        j += p[j] == '\\' ? 2 : 1;
    return j;
}

/* The index just past that literal (n if it is not closed). */
static size_t string_end(const char *p, size_t i, size_t n)
{
    size_t j = closing_quote(p, i, n);
    return j < n ? j + 1 : n;
}

/* Append p[0..n), JSON text, to out with every secret masked as
 * scrub_json says; true if one was found. */
static bool mask_json(const scrub *s, const char *p, size_t n, sbuf *out)
{
    bool found = false;
    sbuf str = {0}, masked = {0};
    size_t i = 0;
    while (i < n) {
        if (p[i] != '"') {
            size_t j = i;
            while (j < n && p[j] != '"')
                j++;
            /* Outside strings only what JSON cannot hold (text after the
             * value, or in place of one) can be a secret; a secret that
             * looks like a number is left, or masking it in a number
             * would break the text. */
            if (!bare_json(p + i, j - i) && mask(s, p + i, j - i, false, out))
                found = true;
            else
                sbuf_addn(out, p + i, j - i);
            i = j;
            continue;
        }
        size_t q = closing_quote(p, i, n);
        bool closed = q < n;
        size_t inner_end = closed ? q : n, j = closed ? q + 1 : n;
        sbuf_reset(&str);
        sbuf_reset(&masked);
        decode_str(p + i + 1, inner_end - i - 1, &str);
        if (mask(s, sbuf_str(&str), str.len, true, &masked)) {
            found = true;
            size_t before = out->len;
            sbuf_add_json_str(out, sbuf_str(&masked), masked.len);
            if (!closed && out->len > before)
                out->len--, out->p[out->len] = '\0'; /* it had no closing quote */
        } else {
            sbuf_addn(out, p + i, j - i);
        }
        i = j;
    }
    sbuf_free(&str);
    sbuf_free(&masked);
    return found;
}

bool scrub_json(const scrub *s, sbuf *t, size_t from)
{
    if (!scrub_any(s) || t->len <= from || !may_hold(s, t->p + from, t->len - from))
        return false;
    sbuf out = {0};
    sbuf_addn(&out, t->p, from);
    if (!mask_json(s, t->p + from, t->len - from, &out)) {
        sbuf_free(&out);
        return false;
    }
    sbuf_free(t);
    *t = out;
    return true;
}

static size_t skip_space(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* The index just past the JSON value that starts at p[i] (a string, an
 * object or array, or a bare token); n if it runs off the end. */
static size_t value_end(const char *p, size_t i, size_t n)
{
    if (i < n && p[i] == '"')
        return string_end(p, i, n);
    if (i < n && (p[i] == '{' || p[i] == '[')) {
        int depth = 0;
        while (i < n) {
            if (p[i] == '"') {
                i = string_end(p, i, n);
                continue;
            }
            if (p[i] == '{' || p[i] == '[')
                depth++;
            else if ((p[i] == '}' || p[i] == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return n;
    }
    while (i < n && !bare_sep(p[i]) && p[i] != '"')
        i++;
    return i;
}

/* Is the JSON string literal p[i..j) one of names (as written: names have
 * no escapes)? */
static bool named(const char *p, size_t i, size_t j, const char *const *names)
{
    for (; names && *names; names++)
        if (j - i == strlen(*names) + 2 && !memcmp(p + i + 1, *names, j - i - 2))
            return true;
    return false;
}

bool scrub_json_members(const scrub *s, sbuf *t, size_t from, const char *const *keep)
{
    if (!scrub_any(s) || t->len <= from || !may_hold(s, t->p + from, t->len - from))
        return false;
    const char *p = t->p;
    size_t n = t->len, i = skip_space(p, from, n);
    if (i == n || p[i] != '{')
        return scrub_json(s, t, from);
    bool found = false;
    sbuf out = {0};
    sbuf_addn(&out, p, ++i);
    for (;;) {
        size_t k = skip_space(p, i, n);
        if (k == n || p[k] != '"')
            break; /* '}' (or text that is not a member): the rest as JSON */
        size_t kq = closing_quote(p, k, n);
        if (kq >= n)
            break;
        size_t ke = kq + 1, c = skip_space(p, ke, n);
        if (c == n || p[c] != ':')
            break;
        size_t v = skip_space(p, c + 1, n), ve = value_end(p, v, n);
        sbuf_addn(&out, p + i, v - i); /* the member's name, as it is */
        if (named(p, k, ke, keep))
            sbuf_addn(&out, p + v, ve - v);
        else if (mask_json(s, p + v, ve - v, &out))
            found = true;
        i = skip_space(p, ve, n);
        if (i == n || p[i] != ',')
            break;
        sbuf_addc(&out, ',');
        i++;
    }
    if (i < n && mask_json(s, p + i, n - i, &out))
        found = true;
    if (!found) {
        sbuf_free(&out);
        return false;
    }
    sbuf_free(t);
    *t = out;
    return true;
}

bool scrub_body(const scrub *s, sbuf *t)
{
    if (!scrub_any(s))
        return false;
    size_t i = 0;
    while (i < t->len && (t->p[i] == ' ' || t->p[i] == '\t' || t->p[i] == '\r' || t->p[i] == '\n'))
        i++;
    if (i < t->len && (t->p[i] == '{' || t->p[i] == '['))
        return scrub_json(s, t, 0);
    return scrub_text(s, t);
}
