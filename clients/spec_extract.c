/* spec_extract.c - see spec_extract.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "spec_extract.h"

#include <jansson.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/hex.h"
#include "../util/mem.h"
#include "adapter.h"
#include "b64.h"

struct rx {
    pcre2_code *re;
    pcre2_match_context *mc;
    int group[RX_NGROUPS]; /* group numbers; 0: the pattern has none */
};

static const char *const group_names[RX_NGROUPS] = {"value", "version", "node"};

rx *rx_compile(const char *pattern, sbuf *why)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        sbuf_printf(why, "at byte %zu: %s", (size_t)off, (const char *)msg);
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: the interpreter otherwise */
    rx *r = xcalloc(1, sizeof *r);
    r->re = re;
    r->mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(r->mc, RX_MATCH_LIMIT);
    pcre2_set_depth_limit(r->mc, RX_DEPTH_LIMIT);
    for (int g = 0; g < RX_NGROUPS; g++) {
        int n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)group_names[g]);
        r->group[g] = n > 0 ? n : 0;
    }
    return r;
}

void rx_free(rx *r)
{
    if (!r)
        return;
    pcre2_code_free(r->re);
    pcre2_match_context_free(r->mc);
    free(r);
}

unsigned rx_groups(const rx *r)
{
    unsigned m = 0;
    for (int g = 0; g < RX_NGROUPS; g++)
        if (r->group[g])
            m |= 1u << g;
    return m;
}

/* Match; the match data (the caller frees it) or NULL, with *rc saying
 * whether there was no match or a limit was hit. */
static pcre2_match_data *run(const rx *r, const char *s, size_t n, rx_rc *rc)
{
    *rc = RX_LIMIT;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
    if (!md)
        return NULL;
    int m = pcre2_match(r->re, (PCRE2_SPTR)(s ? s : ""), n, 0, 0, md, r->mc);
    if (m < 0) {
        /* Any error but "no match" (a limit, mostly) leaves the answer
         * unread. */
        *rc = m == PCRE2_ERROR_NOMATCH ? RX_NO : RX_LIMIT;
        pcre2_match_data_free(md);
        return NULL;
    }
    *rc = RX_YES;
    return md;
}

rx_rc rx_match(const rx *r, const char *s, size_t n)
{
    rx_rc rc;
    pcre2_match_data_free(run(r, s, n, &rc));
    return rc;
}

rx_rc rx_capture_groups(const rx *r, const char *s, size_t n, rx_capture *cap)
{
    rx_rc rc;
    pcre2_match_data *md = run(r, s, n, &rc);
    if (!md)
        return rc;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    for (int g = 0; g < RX_NGROUPS; g++) {
        int k = r->group[g];
        if (!k || (cap->found & (1u << g)) || (uint32_t)k >= pairs)
            continue;
        if (ov[2 * k] == PCRE2_UNSET || ov[2 * k + 1] < ov[2 * k])
            continue; /* the group did not take part (or \K moved its start) */
        cap->s[g] = s + ov[2 * k];
        cap->n[g] = ov[2 * k + 1] - ov[2 * k];
        cap->found |= 1u << g;
    }
    pcre2_match_data_free(md);
    return RX_YES;
}

int rx_decode_parse(const char *name)
{
    static const char *const names[] = {"json", "b64", "url"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

static bool decode_one(rx_decode d, const char *s, size_t n, sbuf *out, bool *null, sbuf *why)
{
    switch (d) {
    case RX_JSON: {
        json_error_t err;
        json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!j) {
            sbuf_printf(why, "json: %s", err.text);
            return false;
        }
        if (json_is_string(j))
            sbuf_addn(out, json_string_value(j), json_string_length(j));
        else if (json_is_null(j))
            *null = true;
        else
            sbuf_addn(out, s, n);
        json_decref(j);
        return true;
    }
    case RX_B64:
        if (!b64_decode(s, n, out)) {
            sbuf_adds(why, "b64: not base64");
            return false;
        }
        return true;
    case RX_URL:
        for (size_t i = 0; i < n; i++) {
            int hi, lo;
            if (s[i] == '%' && i + 2 < n &&
                (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
                sbuf_addc(out, (char)(hi << 4 | lo));
                i += 2;
            } else if (s[i] == '%') {
                sbuf_adds(why, "url: '%' without two hex digits");
                return false;
            } else {
                sbuf_addc(out, s[i]);
            }
        }
        return true;
    }
    return false;
}

bool rx_decode_all(const rx_decode *steps, int nsteps, const char *s, size_t n, sbuf *out,
                   bool *null, sbuf *why)
{
    sbuf cur = {0}, next = {0};
    bool ok = true;
    *null = false;
    sbuf_addn(&cur, s ? s : "", n);
    for (int i = 0; i < nsteps && !*null; i++) {
        sbuf_reset(&next);
        if (!decode_one(steps[i], sbuf_str(&cur), cur.len, &next, null, why)) {
            ok = false;
            break;
        }
        sbuf t = cur;
        cur = next;
        next = t;
    }
    if (ok && !*null)
        sbuf_addn(out, sbuf_str(&cur), cur.len);
    sbuf_free(&cur);
    sbuf_free(&next);
    return ok;
}

val rx_value(vtab *vt, const char *s, size_t n)
{
    val v;
    if (!adp_json_val(vt, s, n, &v))
        v = val_str(vt, s, n); /* not written by conch: keep the bytes */
    return v;
}

bool rx_header(const char *block, size_t len, const char *name, const char **v, size_t *vn)
{
    size_t nlen = strlen(name);
    bool found = false;
    const char *p = block, *end = block + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
            const char *a = p + nlen + 1, *b = line_end;
            while (a < b && (*a == ' ' || *a == '\t'))
                a++;
            while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'))
                b--;
            *v = a;
            *vn = (size_t)(b - a);
            found = true;
        }
        p = eol ? eol + 1 : end;
    }
    return found;
}
