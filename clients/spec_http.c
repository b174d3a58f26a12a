/*
 * spec_http.c - sending and classifying by a store spec (spec.h).
 *
 * Values go out as the bytes of their compact JSON text (17, [1,2],
 * "17-xxxx"), which the templates then encode as they say; a value read
 * back is decoded by its pattern's steps and read as JSON, so what conch
 * wrote comes back equal (spec_extract.h). A store's own text that is not
 * JSON is kept as a string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec_int.h"

static void render_req(const spec *s, const spec_req *r, const tpl_args *a, adp_req *req,
                       sbuf *headers)
{
    req->method = r->method;
    tpl_render(r->path, a, &req->path);
    if (r->body)
        tpl_render(r->body, a, &req->body);
    for (int pass = 0; pass < 2; pass++) {
        const spec_header *h = pass ? r->headers : s->headers;
        size_t n = pass ? r->nheaders : s->nheaders;
        for (size_t i = 0; i < n; i++) {
            sbuf_printf(headers, "%s: ", h[i].name);
            size_t at = headers->len;
            tpl_render(h[i].value, a, headers);
            /* A line break from a value would start a header of its own:
             * values are JSON text and keys plain, so this only guards. */
            for (size_t k = at; k < headers->len; k++)
                if (headers->p[k] == '\r' || headers->p[k] == '\n')
                    headers->p[k] = ' ';
            sbuf_addc(headers, '\n');
        }
    }
}

static bool has_header(const spec *s, const spec_req *r, const char *name)
{
    for (size_t i = 0; i < s->nheaders; i++)
        if (!strcasecmp(s->headers[i].name, name))
            return true;
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return true;
    return false;
}

void spec_request(const spec *s, const vtab *vt, const spec_call *c, adp_req *req,
                  sbuf *headers)
{
    const spec_op *op = &s->ops[c->kind];
    sbuf text[2] = {{0}, {0}};
    tpl_args a = {{0}, {0}};
    a.s[TPL_KEY] = c->key;
    a.n[TPL_KEY] = strlen(c->key);
    switch (c->kind) {
    case SPEC_WRITE:
    case SPEC_APPEND:
        val_to_json(vt, c->a, &text[0]);
        a.s[TPL_VALUE] = sbuf_str(&text[0]);
        a.n[TPL_VALUE] = text[0].len;
        break;
    case SPEC_CAS:
        val_to_json(vt, c->a, &text[0]);
        val_to_json(vt, c->b, &text[1]);
        a.s[TPL_OLD] = sbuf_str(&text[0]);
        a.n[TPL_OLD] = text[0].len;
        a.s[TPL_NEW] = sbuf_str(&text[1]);
        a.n[TPL_NEW] = text[1].len;
        a.s[TPL_VERSION] = c->version ? c->version : "";
        a.n[TPL_VERSION] = c->version ? c->version_len : 0;
        break;
    default:
        break;
    }
    bool absent = c->kind == SPEC_CAS && op->has_absent && val_is_nil(c->a);
    const spec_req *r = absent ? &op->absent : &op->req;
    render_req(s, r, &a, req, headers);
    if (r->body && !has_header(s, r, "Content-Type"))
        sbuf_adds(headers, "Content-Type: application/json\n");
    sbuf_free(&text[0]);
    sbuf_free(&text[1]);
}

/* The part of the answer a rule or pattern looks at; false if it is a
 * header the answer lacks. */
static bool part(const spec_from *f, const adp_resp *resp, const char *headers, size_t hlen,
                 const char **p, size_t *n)
{
    if (!f->header) {
        *p = resp->body;
        *n = resp->len;
        return true;
    }
    return rx_header(headers, hlen, f->header, p, n);
}

static bool status_in(const spec_rule *r, long st)
{
    return st >= 0 && st < 640 && (r->status[st / 64] >> (st % 64) & 1);
}

/* Printable ASCII, not too long, not starting or ending with a space: a
 * version that may go back in a header. (A header value of spaces only
 * goes out as none at all, which libcurl leaves out: the conditional write
 * would go without its condition. Spaces at the ends are cut by the
 * store: it would compare another version.) */
static bool sendable(const char *p, size_t n)
{
    if (n == 0 || n >= CL_MAX_TOKEN || p[0] == ' ' || p[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
            return false;
    return true;
}

/* A decimal int64 (up to 19 digits, as hybrid clocks give), for a version
 * in the store's write order; false past INT64_MAX. */
static bool parse_i64(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 19)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(p[i] - '0'); /* 19 digits fit in uint64 */
    }
    if (x > (uint64_t)INT64_MAX)
        return false;
    *out = (int64_t)x;
    return true;
}

void spec_response(const spec *s, vtab *vt, spec_kind k, const adp_resp *resp,
                   const char *headers, size_t hlen, adp_result *res, sbuf *token)
{
    const spec_op *op = &s->ops[k];
    long st = resp->status;
    /* A pattern that hits its limit leaves the answer unread: info, not
     * the next rule's outcome nor the next pattern's value (a body made to
     * defeat an info rule's pattern would otherwise be taken as ok). */
    const spec_rule *hit = NULL;
    bool unread = false;
    for (size_t i = 0; i < op->nrules && !hit && !unread; i++) {
        const spec_rule *r = &op->rules[i];
        const char *p;
        size_t n;
        if (!status_in(r, st))
            continue;
        if (r->match && !part(&r->from, resp, headers, hlen, &p, &n))
            continue;
        rx_rc m = r->match ? rx_match(r->match, p, n) : RX_YES;
        unread = m == RX_LIMIT;
        if (m == RX_YES)
            hit = r;
    }

    /* Every pattern runs; the first to capture a group wins it, and the
     * value is decoded by the steps of the pattern that found it. */
    rx_capture cap = {{0}, {0}, 0};
    const spec_extractor *value_from = NULL;
    for (size_t i = 0; i < op->nex; i++) {
        const char *p;
        size_t n;
        if (!part(&op->ex[i].from, resp, headers, hlen, &p, &n))
            continue;
        bool had = cap.found & 1u << RX_VALUE;
        if (rx_capture_groups(op->ex[i].re, p, n, &cap) == RX_LIMIT && k == SPEC_READ)
            unread = true; /* the value, or the version a cas sends back */
        if (!had && cap.found & 1u << RX_VALUE)
            value_from = &op->ex[i];
    }
    if (cap.found & 1u << RX_NODE && cap.n[RX_NODE] > 0 && cap.n[RX_NODE] <= 256)
        res->node = val_str(vt, cap.s[RX_NODE], cap.n[RX_NODE]);

    spec_is is = hit && !unread ? hit->is : IS_INFO;
    if (st >= 500)
        is = IS_INFO; /* spec.c refuses a spec that says otherwise; kept here too */

    switch (is) {
    case IS_OK:
        break;
    case IS_ABSENT:
        res->type = EV_OK;
        res->value = val_nil();
        return;
    case IS_MISMATCH:
        res->type = EV_FAIL;
        res->mismatch = true;
        sbuf_printf(&res->error, "cas: the value did not match (HTTP %ld)", st);
        return;
    case IS_FAIL:
    case IS_INFO:
        res->type = is == IS_FAIL ? EV_FAIL : EV_INFO;
        if (unread)
            sbuf_adds(&res->error, "a pattern hit its backtracking limit on the answer: ");
        else if (!hit)
            sbuf_adds(&res->error, "no outcome rule fits: ");
        adp_http_error(st, resp->body, resp->len, &res->error);
        return;
    }

    res->type = EV_OK;
    if (k == SPEC_READ) {
        /* An ok read must say what it read. */
        if (!value_from) {
            res->type = EV_INFO;
            sbuf_adds(&res->error, "read answered without a value: ");
            adp_http_error(st, resp->body, resp->len, &res->error);
            return;
        }
        sbuf bytes = {0}, why = {0};
        bool null = false;
        if (!rx_decode_all(value_from->decode, value_from->ndecode, cap.s[RX_VALUE],
                           cap.n[RX_VALUE], &bytes, &null, &why)) {
            res->type = EV_INFO;
            sbuf_printf(&res->error, "the value cannot be decoded (%s): ", sbuf_str(&why));
            adp_http_error(st, resp->body, resp->len, &res->error);
        } else {
            res->value = null ? val_nil() : rx_value(vt, sbuf_str(&bytes), bytes.len);
        }
        sbuf_free(&bytes);
        sbuf_free(&why);
        if (res->type != EV_OK)
            return;
    }
    if (cap.found & 1u << RX_VERSION) {
        const char *p = cap.s[RX_VERSION];
        size_t n = cap.n[RX_VERSION];
        int64_t v;
        if (s->version_order && parse_i64(p, n, &v))
            res->version = v;
        if (token && sendable(p, n))
            sbuf_addn(token, p, n);
    }
}

/* Bytes as they go out, for people: printable ASCII, tabs and line
 * breaks as they are, any other byte as \xNN. */
static void add_visible(sbuf *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if ((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\t')
            sbuf_addc(out, (char)ch);
        else
            sbuf_printf(out, "\\x%02x", ch);
    }
}

static void show(const spec *s, const vtab *vt, const char *title, const spec_call *c,
                 const char *base, sbuf *out)
{
    adp_req req = {0};
    sbuf h = {0};
    spec_request(s, vt, c, &req, &h);
    sbuf_printf(out, "# %s\n%s %s", title, req.method, base);
    add_visible(out, sbuf_str(&req.path), req.path.len);
    sbuf_addc(out, '\n');
    add_visible(out, sbuf_str(&h), h.len);
    if (req.body.len) {
        sbuf_addc(out, '\n');
        add_visible(out, sbuf_str(&req.body), req.body.len);
        sbuf_addc(out, '\n');
    }
    sbuf_addc(out, '\n');
    sbuf_free(&req.path);
    sbuf_free(&req.body);
    sbuf_free(&h);
}

void spec_dry_run(const spec *s, const vtab *vt, const char *base, const char *key, val v1,
                  val v2, val v3, sbuf *out)
{
    static const char version[] = "<version>";
    const spec_op *cas = &s->ops[SPEC_CAS];
    spec_call c = {.kind = SPEC_READ, .key = key, .a = val_nil(), .b = val_nil()};
    show(s, vt, "read", &c, base, out);
    c.kind = SPEC_WRITE;
    c.a = v1;
    show(s, vt, "write", &c, base, out);
    c.kind = SPEC_CAS;
    c.b = v2;
    if (cas->read_first) {
        c.version = version;
        c.version_len = sizeof version - 1;
        sbuf_adds(out, "# cas, first: the read above, which must find the old value and a "
                       "version; then:\n");
    }
    show(s, vt, "cas", &c, base, out);
    if (cas->has_absent) {
        c.a = val_nil();
        show(s, vt, "cas from an absent value", &c, base, out);
    }
    if (spec_has(s, SPEC_APPEND)) {
        c = (spec_call){.kind = SPEC_APPEND, .key = key, .a = v3, .b = val_nil()};
        show(s, vt, "append", &c, base, out);
    }
    if (spec_has(s, SPEC_DELETE)) {
        c = (spec_call){.kind = SPEC_DELETE, .key = key, .a = val_nil(), .b = val_nil()};
        show(s, vt, "delete", &c, base, out);
    }
}
