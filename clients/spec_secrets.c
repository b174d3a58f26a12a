/*
 * spec_secrets.c - the credentials a store spec carries (spec_secrets in
 * spec.h), for the scrubber (scrub.h) that keeps them out of everything
 * conch run writes or prints.
 *
 * A spec may hold a credential in two places: a header value written out
 * in the file (Authorization: Bearer ..., X-Api-Key, Cookie), and a
 * path's query parameter (?token=..., ?api_key=...). Only the file's own
 * text counts: what a placeholder stands for is the workload's data or
 * the store's version, never a credential of the user's. So:
 *   - a header whose value has no placeholder is a secret whatever its
 *     name, as --header's are, but for Content-Type and Accept: media
 *     types, which the store's bodies may quote and which masking there
 *     would change before they are read;
 *   - a query parameter written with its value is a secret only when its
 *     name says credential (secret_name): masking every literal
 *     parameter would mask "true" (quorum=true) and "false", and with
 *     them the store's answers before they are read.
 * A token written in the path itself (/api/TOKEN/kv) is not recognised:
 * specs/README.md says to send it in a header or a named parameter.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "spec_int.h"

enum { HOLE = '\x01' }; /* a placeholder in a skeleton (tpl_skeleton) */

static void header_secrets(const spec_header *h, size_t n, scrub *sc)
{
    for (size_t i = 0; i < n; i++) {
        if (tpl_uses(h[i].value) || !strcasecmp(h[i].name, "Content-Type") ||
            !strcasecmp(h[i].name, "Accept"))
            continue;
        sbuf line = {0};
        sbuf_printf(&line, "%s: ", h[i].name);
        tpl_skeleton(h[i].value, HOLE, &line);
        scrub_add_header(sc, sbuf_str(&line));
        sbuf_free(&line);
    }
}

/* Does p[0..n), a parameter name, hold one of the words credentials go
 * by (any case)? "key" too: the workload's key goes in {key}, so a key
 * written in the file is an API key (Google's ?key=). */
static bool secret_name(const char *p, size_t n)
{
    static const char *const words[] = {"token", "secret", "pass", "pwd",  "auth",
                                        "key",   "sig",    "cred", "session"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t wn = strlen(words[w]);
        for (size_t i = 0; i + wn <= n; i++) {
            size_t k = 0;
            while (k < wn && tolower((unsigned char)p[i + k]) == words[w][k])
                k++;
            if (k == wn)
                return true;
        }
    }
    return false;
}

/* The literal values of a path's query parameters named as credentials. */
static void path_secrets(const tpl *path, scrub *sc)
{
    if (!path)
        return;
    sbuf sk = {0};
    tpl_skeleton(path, HOLE, &sk);
    const char *p = sbuf_str(&sk), *q = strchr(p, '?');
    if (q) {
        const char *end = q + strcspn(q, "#");
        for (const char *a = q + 1; a < end;) {
            size_t n = strcspn(a, "&;#");
            const char *eq = memchr(a, '=', n);
            if (eq) {
                const char *v = eq + 1;
                size_t vn = (size_t)(a + n - v);
                if (secret_name(a, (size_t)(eq - a)) && !memchr(v, HOLE, vn))
                    scrub_add_param(sc, v, vn);
            }
            a += n + (a[n] != '\0');
        }
    }
    sbuf_free(&sk);
}

static void req_secrets(const spec_req *r, scrub *sc)
{
    header_secrets(r->headers, r->nheaders, sc);
    path_secrets(r->path, sc);
}

void spec_secrets(const spec *s, scrub *sc)
{
    header_secrets(s->headers, s->nheaders, sc);
    for (int k = 0; k < SPEC_NKINDS; k++) {
        if (!s->ops[k].present)
            continue;
        req_secrets(&s->ops[k].req, sc);
        if (s->ops[k].has_absent)
            req_secrets(&s->ops[k].absent, sc);
    }
}
