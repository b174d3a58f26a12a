/*
 * spec.c - loading and checking a store spec (spec.h); sending and
 * classifying by it are in spec_http.c.
 *
 * Every check happens here, before any request: the rest of the module
 * may then assume the invariants of spec_int.h. An error names the file,
 * the field as a path ("cas.outcomes[1].is") and what was expected.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "spec_int.h"

enum { FIELD = 256 };

typedef struct ctx {
    const char *file;
    cl_error *err;
    bool failed;
} ctx;

static const char *const kind_names[SPEC_NKINDS] = {"read", "write", "cas", "append", "delete"};

const char *spec_kind_name(spec_kind k)
{
    return (unsigned)k < SPEC_NKINDS ? kind_names[k] : "?";
}

static void bad(ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(ctx *c, const char *field, const char *fmt, ...)
{
    if (c->failed)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (field && *field)
        cl_error_set(c->err, CL_EUSAGE, "%s: %s: %s", c->file, field, msg);
    else
        cl_error_set(c->err, CL_EUSAGE, "%s: %s", c->file, msg);
    c->failed = true;
}

/* field.name, or field[i], into out (cut off at cap: paths are short). */
static void join(char *out, size_t cap, const char *a, const char *sep, const char *b,
                 const char *end)
{
    const char *parts[4] = {a, sep, b, end};
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        for (const char *p = parts[i]; *p && n + 1 < cap; p++)
            out[n++] = *p;
    out[n] = '\0';
}

static void sub(char *out, size_t cap, const char *field, const char *name)
{
    join(out, cap, field, *field ? "." : "", name, "");
}

static void sub_i(char *out, size_t cap, const char *field, size_t i)
{
    char num[24];
    snprintf(num, sizeof num, "%zu", i);
    join(out, cap, field, "[", num, "]");
}

static const char *type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Every member of o is one of names (NULL-terminated)? */
static bool known_fields(ctx *c, const char *field, json_t *o, const char *const *names)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (names[i] && strcmp(names[i], k))
            i++;
        if (names[i])
            continue;
        sbuf list = {0};
        for (i = 0; names[i]; i++)
            sbuf_printf(&list, "%s%s", i ? ", " : "", names[i]);
        char f[FIELD];
        sub(f, sizeof f, field, k);
        bad(c, f, "unknown field (expected one of: %s)", sbuf_str(&list));
        sbuf_free(&list);
        return false;
    }
    return true;
}

/* The string member name of o: NULL if absent (an error if required) or
 * not a string. */
static const char *get_str(ctx *c, const char *field, json_t *o, const char *name, bool required)
{
    json_t *v = json_object_get(o, name);
    char f[FIELD];
    sub(f, sizeof f, field, name);
    if (!v) {
        if (required)
            bad(c, f, "missing (expected a string)");
        return NULL;
    }
    if (!json_is_string(v)) {
        bad(c, f, "expected a string, got %s", type_name(v));
        return NULL;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        bad(c, f, "a NUL byte in the string");
        return NULL;
    }
    return json_string_value(v);
}

static tpl *template(ctx *c, const char *field, const char *text, unsigned allowed)
{
    sbuf why = {0};
    tpl *t = tpl_compile(text, allowed, &why);
    if (!t)
        bad(c, field, "%s", sbuf_str(&why));
    sbuf_free(&why);
    return t;
}

static bool token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!token_char(*s))
            return false;
    return true;
}

/* "headers": {"Name": "template", ...} */
static void parse_headers(ctx *c, const char *field, json_t *o, unsigned allowed,
                          spec_header **out, size_t *n)
{
    char f[FIELD];
    sub(f, sizeof f, field, "headers");
    json_t *h = json_object_get(o, "headers");
    if (!h)
        return;
    if (!json_is_object(h)) {
        bad(c, f, "expected an object of \"Name\": \"value\", got %s", type_name(h));
        return;
    }
    *out = xcalloc(json_object_size(h) + 1, sizeof **out);
    const char *k;
    json_t *v;
    json_object_foreach(h, k, v) {
        char g[FIELD];
        sub(g, sizeof g, f, k);
        if (!is_token(k)) {
            bad(c, g, "not a header name (letters, digits and !#$%%&'*+-.^_`|~)");
            return;
        }
        if (!json_is_string(v)) {
            bad(c, g, "expected a string, got %s", type_name(v));
            return;
        }
        const char *s = json_string_value(v);
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                bad(c, g, "a control character in a header value");
                return;
            }
        tpl *t = template(c, g, s, allowed);
        if (!t)
            return;
        (*out)[*n].name = xstrdup(k);
        (*out)[*n].value = t;
        (*n)++;
    }
}

/* method, path, body, headers of one request. */
static void parse_req(ctx *c, const char *field, json_t *o, unsigned allowed, spec_req *r)
{
    char f[FIELD];
    const char *m = get_str(c, field, o, "method", true);
    if (!m)
        return;
    sub(f, sizeof f, field, "method");
    if (!is_token(m) || strlen(m) > 32) {
        bad(c, f, "expected an HTTP method such as GET, PUT, POST, got \"%s\"", m);
        return;
    }
    if (!strcmp(m, "HEAD") || !strcmp(m, "CONNECT") || !strcmp(m, "TRACE")) {
        bad(c, f, "%s cannot carry an operation (expected GET, PUT, POST, DELETE, ...)", m);
        return;
    }
    r->method = xstrdup(m);
    const char *p = get_str(c, field, o, "path", true);
    if (!p)
        return;
    sub(f, sizeof f, field, "path");
    if (p[0] != '/') {
        /* Not quoted past a '?': a query may hold a token (spec_secrets). */
        bad(c, f, "expected a path starting with '/', got \"%.*s%s\"", (int)strcspn(p, "?"), p,
            strchr(p, '?') ? "?..." : "");
        return;
    }
    if (!(r->path = template(c, f, p, allowed)))
        return;
    const char *b = get_str(c, field, o, "body", false);
    if (c->failed)
        return;
    if (b) {
        sub(f, sizeof f, field, "body");
        if (!strcmp(m, "GET")) {
            bad(c, f, "a GET sends no body (use POST, or put the data in the path)");
            return;
        }
        if (!(r->body = template(c, f, b, allowed)))
            return;
    }
    parse_headers(c, field, o, allowed, &r->headers, &r->nheaders);
}

/* "body" or "header:NAME" */
static void parse_from(ctx *c, const char *field, json_t *o, spec *s, spec_from *from)
{
    const char *v = get_str(c, field, o, "from", false);
    if (!v || !strcmp(v, "body"))
        return;
    char f[FIELD];
    sub(f, sizeof f, field, "from");
    if (strncmp(v, "header:", 7) || !is_token(v + 7)) {
        bad(c, f, "expected \"body\" or \"header:NAME\", got \"%s\"", v);
        return;
    }
    from->header = xstrdup(v + 7);
    s->wants_headers = true;
}

static rx *pattern(ctx *c, const char *field, const char *text)
{
    sbuf why = {0};
    rx *r = rx_compile(text, &why);
    if (!r)
        bad(c, field, "not a valid PCRE2 pattern: %s", sbuf_str(&why));
    sbuf_free(&why);
    return r;
}

static void set_status(spec_rule *r, long lo, long hi)
{
    for (long i = lo; i <= hi; i++)
        r->status[i / 64] |= 1ull << (i % 64);
}

/* 200, "2xx" or "200-299" */
static bool parse_status_one(ctx *c, const char *field, json_t *v, spec_rule *r)
{
    long lo, hi;
    if (json_is_integer(v)) {
        lo = hi = (long)json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        int n = 0;
        if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x') {
            lo = (s[0] - '0') * 100;
            hi = lo + 99;
        } else if (sscanf(s, "%3ld-%3ld%n", &lo, &hi, &n) == 2 && (size_t)n == strlen(s)) {
        } else {
            bad(c, field, "expected a status (200), a class (\"4xx\") or a range "
                          "(\"400-499\"), got \"%s\"", s);
            return false;
        }
    } else {
        bad(c, field, "expected a status (200), a class (\"4xx\") or a range (\"400-499\"), "
                      "got %s", type_name(v));
        return false;
    }
    if (lo < 100 || hi > 599 || lo > hi) {
        bad(c, field, "expected statuses from 100 to 599, got %ld-%ld", lo, hi);
        return false;
    }
    set_status(r, lo, hi);
    return true;
}

static void parse_rule(ctx *c, const char *field, json_t *o, spec *s, spec_kind k, spec_rule *r)
{
    static const char *const fields[] = {"status", "match", "from", "is", "note", NULL};
    static const char *const is_names[] = {"ok", "absent", "fail", "mismatch", "info"};
    char f[FIELD];
    if (!json_is_object(o)) {
        bad(c, field, "expected an object {\"status\": ..., \"is\": ...}, got %s", type_name(o));
        return;
    }
    if (!known_fields(c, field, o, fields))
        return;
    json_t *st = json_object_get(o, "status");
    sub(f, sizeof f, field, "status");
    if (!st) {
        bad(c, f, "missing (expected a status, a class such as \"2xx\", or a list of them)");
        return;
    }
    if (json_is_array(st)) {
        size_t i;
        json_t *v;
        if (!json_array_size(st)) {
            bad(c, f, "an empty list (expected at least one status)");
            return;
        }
        json_array_foreach(st, i, v) {
            char g[FIELD];
            sub_i(g, sizeof g, f, i);
            if (!parse_status_one(c, g, v, r))
                return;
        }
    } else if (!parse_status_one(c, f, st, r)) {
        return;
    }
    const char *is = get_str(c, field, o, "is", true);
    if (!is)
        return;
    sub(f, sizeof f, field, "is");
    int i = 0;
    while (i < 5 && strcmp(is, is_names[i]))
        i++;
    if (i == 5) {
        bad(c, f, "expected ok, absent, fail, mismatch or info, got \"%s\"", is);
        return;
    }
    r->is = (spec_is)i;
    if (r->is == IS_ABSENT && k != SPEC_READ) {
        bad(c, f, "absent is for reads only (a read of a key that holds nothing)");
        return;
    }
    if (r->is == IS_MISMATCH && k != SPEC_CAS) {
        bad(c, f, "mismatch is for cas only (the value was not the old one)");
        return;
    }
    if (r->is != IS_INFO && (r->status[8] || r->status[9] || (r->status[7] >> 52))) {
        /* bits 500..639: any 5xx */
        bad(c, f, "a 5xx can only be info: the store may have done the operation "
                  "(Jepsen's rule)");
        return;
    }
    parse_from(c, field, o, s, &r->from);
    const char *m = get_str(c, field, o, "match", false);
    if (m) {
        sub(f, sizeof f, field, "match");
        r->match = pattern(c, f, m);
    } else if (r->from.header && !c->failed) {
        sub(f, sizeof f, field, "from");
        bad(c, f, "a header to look at, but no \"match\" pattern to look for");
    }
}

static void parse_extract(ctx *c, const char *field, json_t *o, spec *s, spec_extractor *e)
{
    static const char *const fields[] = {"from", "pattern", "decode", "note", NULL};
    char f[FIELD];
    if (!json_is_object(o)) {
        bad(c, field, "expected an object {\"pattern\": ...}, got %s", type_name(o));
        return;
    }
    if (!known_fields(c, field, o, fields))
        return;
    parse_from(c, field, o, s, &e->from);
    const char *p = get_str(c, field, o, "pattern", true);
    if (!p)
        return;
    sub(f, sizeof f, field, "pattern");
    if (!(e->re = pattern(c, f, p)))
        return;
    if (!rx_groups(e->re)) {
        bad(c, f, "no named group (expected (?<value>...), (?<version>...) or "
                  "(?<node>...))");
        return;
    }
    json_t *d = json_object_get(o, "decode");
    if (!d)
        return;
    sub(f, sizeof f, field, "decode");
    if (json_is_string(d)) {
        json_t *one = json_array();
        json_array_append(one, d);
        json_object_set_new(o, "decode", one);
        d = one;
    }
    if (!json_is_array(d) || json_array_size(d) > RX_MAX_DECODE) {
        bad(c, f, "expected a list of up to %d steps (json, b64, url)", RX_MAX_DECODE);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(d, i, v) {
        int k = json_is_string(v) ? rx_decode_parse(json_string_value(v)) : -1;
        if (k < 0) {
            char g[FIELD];
            sub_i(g, sizeof g, f, i);
            bad(c, g, "expected json, b64 or url");
            return;
        }
        e->decode[e->ndecode++] = (rx_decode)k;
    }
}

/* The placeholders each operation gives. */
static unsigned allowed_vars(spec_kind k, bool read_first)
{
    unsigned key = 1u << TPL_KEY;
    switch (k) {
    case SPEC_WRITE:
    case SPEC_APPEND:
        return key | 1u << TPL_VALUE;
    case SPEC_CAS:
        return key | 1u << TPL_OLD | 1u << TPL_NEW | (read_first ? 1u << TPL_VERSION : 0);
    default:
        return key;
    }
}

static unsigned req_uses(const spec_req *r)
{
    unsigned m = tpl_uses(r->path) | (r->body ? tpl_uses(r->body) : 0);
    for (size_t i = 0; i < r->nheaders; i++)
        m |= tpl_uses(r->headers[i].value);
    return m;
}

static void parse_op(ctx *c, json_t *root, spec *s, spec_kind k)
{
    static const char *const fields[] = {"method", "path", "body", "headers", "outcomes",
                                         "extract", "note", NULL};
    static const char *const cas_fields[] = {"method", "path", "body", "headers", "outcomes",
                                             "extract", "read_first", "absent", "note", NULL};
    const char *name = kind_names[k];
    json_t *o = json_object_get(root, name);
    spec_op *op = &s->ops[k];
    char f[FIELD];
    if (!o) {
        if (k <= SPEC_CAS)
            bad(c, name, "missing (a spec describes read, write and cas)");
        return;
    }
    if (!json_is_object(o)) {
        bad(c, name, "expected an object {\"method\": ..., \"path\": ..., ...}, got %s",
            type_name(o));
        return;
    }
    if (!known_fields(c, name, o, k == SPEC_CAS ? cas_fields : fields))
        return;
    op->present = true;
    json_t *rf = json_object_get(o, "read_first");
    if (rf && !json_is_boolean(rf)) {
        sub(f, sizeof f, name, "read_first");
        bad(c, f, "expected true or false, got %s", type_name(rf));
        return;
    }
    op->read_first = json_is_true(rf);
    parse_req(c, name, o, allowed_vars(k, op->read_first), &op->req);
    if (c->failed)
        return;

    json_t *ab = json_object_get(o, "absent");
    if (ab) {
        static const char *const ab_fields[] = {"method", "path", "body", "headers", "note",
                                                NULL};
        sub(f, sizeof f, name, "absent");
        if (!json_is_object(ab)) {
            bad(c, f, "expected an object {\"method\": ..., \"path\": ...}, got %s",
                type_name(ab));
            return;
        }
        if (!known_fields(c, f, ab, ab_fields))
            return;
        op->has_absent = true;
        parse_req(c, f, ab, 1u << TPL_KEY | 1u << TPL_NEW, &op->absent);
        if (c->failed)
            return;
    }

    json_t *rules = json_object_get(o, "outcomes");
    sub(f, sizeof f, name, "outcomes");
    if (!json_is_array(rules) || !json_array_size(rules)) {
        bad(c, f, "%s (expected a list of {\"status\": ..., \"is\": ...})",
            rules ? "not a non-empty list" : "missing");
        return;
    }
    op->rules = xcalloc(json_array_size(rules), sizeof *op->rules);
    size_t i;
    json_t *v;
    json_array_foreach(rules, i, v) {
        char g[FIELD];
        sub_i(g, sizeof g, f, i);
        parse_rule(c, g, v, s, k, &op->rules[op->nrules++]);
        if (c->failed)
            return;
    }
    bool has_ok = false;
    for (i = 0; i < op->nrules; i++)
        has_ok |= op->rules[i].is == IS_OK;
    if (!has_ok) {
        bad(c, f, "no rule says ok: no %s could ever succeed", name);
        return;
    }

    json_t *ex = json_object_get(o, "extract");
    sub(f, sizeof f, name, "extract");
    if (ex && !json_is_array(ex)) {
        bad(c, f, "expected a list of {\"pattern\": ...}, got %s", type_name(ex));
        return;
    }
    op->ex = xcalloc(json_array_size(ex) + 1, sizeof *op->ex);
    json_array_foreach(ex, i, v) {
        char g[FIELD];
        sub_i(g, sizeof g, f, i);
        parse_extract(c, g, v, s, &op->ex[op->nex++]);
        if (c->failed)
            return;
    }
    if (k == SPEC_READ) {
        bool value = false;
        for (i = 0; i < op->nex; i++)
            value |= (rx_groups(op->ex[i].re) & 1u << RX_VALUE) != 0;
        if (!value)
            bad(c, f, "no pattern with a (?<value>...) group: a read must say what it read");
    }
}

/* Checks between operations, once each is parsed. */
static void cross_checks(ctx *c, spec *s)
{
    spec_op *cas = &s->ops[SPEC_CAS];
    if (!cas->read_first)
        return;
    if (!(req_uses(&cas->req) & 1u << TPL_VERSION)) {
        bad(c, "cas.read_first", "true, but the cas request never sends {version} back: "
                                 "it would not depend on what was read");
        return;
    }
    const spec_op *rd = &s->ops[SPEC_READ];
    for (size_t i = 0; i < rd->nex; i++)
        if (rx_groups(rd->ex[i].re) & 1u << RX_VERSION)
            return;
    bad(c, "cas.read_first", "true, but no pattern of read.extract has a (?<version>...) "
                             "group to send back");
}

cl_rc spec_parse(const char *name, const char *text, size_t n, spec **out, cl_error *err)
{
    static const char *const fields[] = {"name",     "about", "note",  "session_header",
                                         "version_order", "headers", "read", "write",
                                         "cas",      "append", "delete", NULL};
    ctx c = {.file = name, .err = err};
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        cl_error_set(err, CL_EUSAGE, "%s:%d:%d: not valid JSON: %s", name, je.line, je.column,
                     je.text);
        return CL_EUSAGE;
    }
    spec *s = xcalloc(1, sizeof *s);
    s->file = xstrdup(name);
    if (!json_is_object(root)) {
        bad(&c, NULL, "expected a JSON object {\"read\": ..., \"write\": ..., \"cas\": ...}, "
                      "got %s", type_name(root));
        goto out;
    }
    if (!known_fields(&c, "", root, fields))
        goto out;
    const char *nm = get_str(&c, "", root, "name", false);
    const char *slash = strrchr(name, '/');
    s->name = xstrdup(nm ? nm : slash ? slash + 1 : name);
    get_str(&c, "", root, "about", false);
    const char *sh = get_str(&c, "", root, "session_header", false);
    if (sh && !is_token(sh))
        bad(&c, "session_header", "expected a header name, got \"%s\"", sh);
    else if (sh)
        s->session_header = xstrdup(sh);
    json_t *vo = json_object_get(root, "version_order");
    if (vo && !json_is_boolean(vo))
        bad(&c, "version_order", "expected true or false, got %s", type_name(vo));
    s->version_order = json_is_true(vo);
    parse_headers(&c, "", root, 0, &s->headers, &s->nheaders);
    for (int k = 0; k < SPEC_NKINDS && !c.failed; k++)
        parse_op(&c, root, s, (spec_kind)k);
    if (!c.failed)
        cross_checks(&c, s);
out:
    json_decref(root);
    if (c.failed) {
        spec_free(s);
        return CL_EUSAGE;
    }
    *out = s;
    return CL_OK;
}

cl_rc spec_load(const char *path, spec **out, cl_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        cl_error_set(err, CL_EUSAGE, "%s: cannot open: %s", path, strerror(errno));
        return CL_EUSAGE;
    }
    sbuf text = {0};
    char buf[8192];
    size_t n;
    cl_rc rc = CL_OK;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (text.len + n > SPEC_MAX_FILE) {
            cl_error_set(err, CL_EUSAGE, "%s: over %d bytes: not a spec", path, SPEC_MAX_FILE);
            rc = CL_EUSAGE;
            goto out;
        }
        sbuf_addn(&text, buf, n);
    }
    if (ferror(f)) {
        cl_error_set(err, CL_EUSAGE, "%s: cannot read: %s", path, strerror(errno));
        rc = CL_EUSAGE;
        goto out;
    }
    rc = spec_parse(path, sbuf_str(&text), text.len, out, err);
out:
    fclose(f);
    sbuf_free(&text);
    return rc;
}

static void free_req(spec_req *r)
{
    free(r->method);
    tpl_free(r->path);
    tpl_free(r->body);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        tpl_free(r->headers[i].value);
    }
    free(r->headers);
}

void spec_free(spec *s)
{
    if (!s)
        return;
    for (int k = 0; k < SPEC_NKINDS; k++) {
        spec_op *op = &s->ops[k];
        free_req(&op->req);
        free_req(&op->absent);
        for (size_t i = 0; i < op->nrules; i++) {
            free(op->rules[i].from.header);
            rx_free(op->rules[i].match);
        }
        free(op->rules);
        for (size_t i = 0; i < op->nex; i++) {
            free(op->ex[i].from.header);
            rx_free(op->ex[i].re);
        }
        free(op->ex);
    }
    for (size_t i = 0; i < s->nheaders; i++) {
        free(s->headers[i].name);
        tpl_free(s->headers[i].value);
    }
    free(s->headers);
    free(s->session_header);
    free(s->name);
    free(s->file);
    free(s);
}

const char *spec_name(const spec *s) { return s->name; }
const char *spec_session_header(const spec *s) { return s->session_header; }
bool spec_has(const spec *s, spec_kind k) { return (unsigned)k < SPEC_NKINDS && s->ops[k].present; }
bool spec_cas_reads_first(const spec *s) { return s->ops[SPEC_CAS].read_first; }
bool spec_cas_has_absent(const spec *s) { return s->ops[SPEC_CAS].has_absent; }
bool spec_wants_headers(const spec *s) { return s->wants_headers; }
