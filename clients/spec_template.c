/* spec_template.c - see spec_template.h. */
#include "spec_template.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "adapter.h"
#include "b64.h"

enum { MAX_ENCS = 4 };

typedef struct part {
    int var;             /* -1: literal text[off..off+len) */
    size_t off, len;
    tpl_enc enc[MAX_ENCS];
    int nenc;
} part;

struct tpl {
    char *text; /* literal bytes, {{ already folded to { */
    part *parts;
    size_t nparts;
    unsigned uses;
};

static const char *const var_names[TPL_NVARS] = {"key", "value", "old", "new", "version"};
static const char *const enc_names[] = {"raw", "json", "url", "b64"};

const char *tpl_var_name(tpl_var v)
{
    return (unsigned)v < TPL_NVARS ? var_names[v] : "?";
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9');
}

/* The word at s (a lower-case letter, then those, digits and '_'): its
 * length, 0 if none. */
static size_t word(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return 0;
    size_t n = 0;
    while (word_char(s[n]))
        n++;
    return n;
}

static int lookup(const char *const *names, size_t count, const char *s, size_t n)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(names[i]) == n && !memcmp(names[i], s, n))
            return (int)i;
    return -1;
}

static void add_literal(tpl *t, sbuf *lit, size_t *start)
{
    if (lit->len == *start)
        return;
    t->parts = xrealloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
    t->parts[t->nparts++] = (part){.var = -1, .off = *start, .len = lit->len - *start};
    *start = lit->len;
}

tpl *tpl_compile(const char *text, unsigned allowed, sbuf *why)
{
    tpl *t = xcalloc(1, sizeof *t);
    sbuf lit = {0};
    size_t start = 0;
    const char *p = text;
    while (*p) {
        if (p[0] == '{' && p[1] == '{') {
            sbuf_addc(&lit, '{');
            p += 2;
            continue;
        }
        size_t w = p[0] == '{' ? word(p + 1) : 0;
        if (w == 0 || (p[1 + w] != '}' && p[1 + w] != '|')) {
            sbuf_addc(&lit, *p++);
            continue;
        }
        size_t at = (size_t)(p - text);
        int v = lookup(var_names, TPL_NVARS, p + 1, w);
        if (v < 0) {
            sbuf_printf(why, "unknown placeholder {%.*s} at byte %zu (known: key, value, old, "
                             "new, version; write {{ for a literal '{')", (int)w, p + 1, at);
            goto fail;
        }
        if (!(allowed & (1u << v))) {
            sbuf_printf(why, "{%s} has no value here (at byte %zu)", var_names[v], at);
            goto fail;
        }
        part pt = {.var = v};
        const char *q = p + 1 + w;
        while (*q == '|') {
            size_t e = word(q + 1);
            int k = lookup(enc_names, 4, q + 1, e);
            if (k < 0) {
                sbuf_printf(why, "unknown encoding '%.*s' in {%s...} at byte %zu (known: raw, "
                                 "json, url, b64)", (int)e, q + 1, var_names[v], at);
                goto fail;
            }
            if (pt.nenc == MAX_ENCS) {
                sbuf_printf(why, "more than %d encodings in {%s...} at byte %zu", MAX_ENCS,
                            var_names[v], at);
                goto fail;
            }
            pt.enc[pt.nenc++] = (tpl_enc)k;
            q += 1 + e;
        }
        if (*q != '}') {
            sbuf_printf(why, "placeholder {%s... at byte %zu is not closed by '}'", var_names[v],
                        at);
            goto fail;
        }
        add_literal(t, &lit, &start);
        t->parts = xrealloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
        t->parts[t->nparts++] = pt;
        t->uses |= 1u << v;
        p = q + 1;
    }
    add_literal(t, &lit, &start);
    t->text = lit.p ? lit.p : xstrdup("");
    return t;
fail:
    sbuf_free(&lit);
    free(t->parts);
    free(t);
    return NULL;
}

void tpl_free(tpl *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->parts);
    free(t);
}

unsigned tpl_uses(const tpl *t)
{
    return t->uses;
}

bool tpl_empty(const tpl *t)
{
    return t->nparts == 0;
}

void tpl_encode(tpl_enc e, const char *s, size_t n, sbuf *out)
{
    switch (e) {
    case TPL_RAW:
        sbuf_addn(out, s, n);
        break;
    case TPL_JSON:
        sbuf_add_json_str(out, s, n);
        break;
    case TPL_URL:
        adp_path_escape(s, out); /* the bytes before n: arguments hold no NUL */
        break;
    case TPL_B64:
        b64_encode(s, n, out);
        break;
    }
}

void tpl_skeleton(const tpl *t, char hole, sbuf *out)
{
    for (size_t i = 0; i < t->nparts; i++) {
        const part *pt = &t->parts[i];
        if (pt->var < 0)
            sbuf_addn(out, t->text + pt->off, pt->len);
        else
            sbuf_addc(out, hole);
    }
}

void tpl_render(const tpl *t, const tpl_args *a, sbuf *out)
{
    sbuf tmp[2] = {{0}, {0}};
    for (size_t i = 0; i < t->nparts; i++) {
        const part *pt = &t->parts[i];
        if (pt->var < 0) {
            sbuf_addn(out, t->text + pt->off, pt->len);
            continue;
        }
        const char *s = a->s[pt->var] ? a->s[pt->var] : "";
        size_t n = a->s[pt->var] ? a->n[pt->var] : 0;
        if (pt->nenc == 0) {
            sbuf_addn(out, s, n);
            continue;
        }
        /* Each encoding reads the previous one's output. */
        for (int k = 0; k < pt->nenc; k++) {
            sbuf *dst = k == pt->nenc - 1 ? out : &tmp[k & 1];
            if (dst != out)
                sbuf_reset(dst);
            tpl_encode(pt->enc[k], s, n, dst);
            if (dst != out) {
                s = sbuf_str(dst);
                n = dst->len;
            }
        }
    }
    sbuf_free(&tmp[0]);
    sbuf_free(&tmp[1]);
}
