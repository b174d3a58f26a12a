/* write.c - see write.h. */
#include "write.h"

#include <string.h>

static const char *const types[] = {"invoke", "ok", "fail", "info"};

/* A value as EDN: nil, true, 1, 1.5, "s", [a b], {k v}. */
static void edn_val(const vtab *vt, val v, sbuf *b)
{
    size_t n;
    const val *it;
    switch (v.kind) {
    case VAL_NIL: sbuf_adds(b, "nil"); return;
    case VAL_LIST:
    case VAL_MAP:
        it = val_items(vt, v, &n);
        sbuf_addc(b, v.kind == VAL_LIST ? '[' : '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                sbuf_addc(b, ' ');
            edn_val(vt, it[i], b);
        }
        sbuf_addc(b, v.kind == VAL_LIST ? ']' : '}');
        return;
    default:
        val_to_json(vt, v, b); /* numbers, booleans and strings read alike */
    }
}

/* A name as a keyword (:write) when it can be one, else as a string. */
static void edn_name(const vtab *vt, val v, sbuf *b)
{
    size_t n;
    const char *s = val_str_bytes(vt, v, &n);
    bool word = v.kind == VAL_STR && n > 0;
    for (size_t i = 0; word && i < n; i++)
        word = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
               (s[i] >= '0' && s[i] <= '9' && i) || s[i] == '-' || s[i] == '_';
    if (!word) {
        edn_val(vt, v, b);
        return;
    }
    sbuf_addc(b, ':');
    sbuf_addn(b, s, n);
}

/* One field of an op map: ,"name":value in JSON, , :name value in EDN,
 * where a name-like value (f, type, process, error) is a keyword. */
static void field(const vtab *vt, sbuf *b, bool edn, bool first, const char *name, val v,
                  bool word)
{
    sbuf_adds(b, first ? "" : edn ? ", " : ",");
    sbuf_adds(b, edn ? ":" : "\"");
    sbuf_adds(b, name);
    sbuf_adds(b, edn ? " " : "\":");
    if (edn) {
        if (word)
            edn_name(vt, v, b);
        else
            edn_val(vt, v, b);
    } else {
        val_to_json(vt, v, b);
    }
}

/* The op map of an event, in JSON's syntax or EDN's (write.h). */
static void format_map(const vtab *vt, const hist_event *e, sbuf *b, bool edn)
{
    sbuf_addc(b, '{');
    bool first = true;
    if (e->index != HIST_NONE) {
        field(vt, b, edn, first, "index", val_int(e->index), false);
        first = false;
    }
    if (e->time != HIST_NONE) {
        field(vt, b, edn, first, "time", val_int(e->time), false);
        first = false;
    }
    field(vt, b, edn, first, "process", e->process, true);
    sbuf_adds(b, edn ? ", :type :" : ",\"type\":\"");
    sbuf_adds(b, types[e->type]);
    sbuf_adds(b, edn ? "" : "\"");
    field(vt, b, edn, false, "f", e->f, true);
    if (e->has_key)
        field(vt, b, edn, false, "key", e->key, false);
    field(vt, b, edn, false, "value", e->value, false);
    if (e->version != HIST_NONE)
        field(vt, b, edn, false, "version", val_int(e->version), false);
    if (!val_is_nil(e->url))
        field(vt, b, edn, false, "url", e->url, false);
    if (!val_is_nil(e->node))
        field(vt, b, edn, false, "node", e->node, false);
    if (!val_is_nil(e->error))
        field(vt, b, edn, false, "error", e->error, true);
    sbuf_adds(b, "}\n");
}

void hist_format_event(const vtab *vt, const hist_event *e, sbuf *b)
{
    format_map(vt, e, b, false);
}

void hist_format_event_edn(const vtab *vt, const hist_event *e, sbuf *b)
{
    format_map(vt, e, b, true);
}

void hist_format_event_log(const vtab *vt, const hist_event *e, sbuf *b)
{
    sbuf_adds(b, "INFO  jepsen.util - ");
    edn_val(vt, e->process, b);
    sbuf_printf(b, "\t:%s\t", types[e->type]);
    edn_name(vt, e->f, b);
    sbuf_addc(b, '\t');
    if (e->has_key) {
        sbuf_addc(b, '[');
        edn_val(vt, e->key, b);
        sbuf_addc(b, ' ');
        edn_val(vt, e->value, b);
        sbuf_addc(b, ']');
    } else {
        edn_val(vt, e->value, b);
    }
    if (!val_is_nil(e->error)) {
        sbuf_addc(b, '\t');
        edn_name(vt, e->error, b);
    }
    sbuf_addc(b, '\n');
}

int hist_write_jsonl(const history *h, FILE *f)
{
    sbuf b = {0};
    const hist_event *ev = hist_kept_events(h);
    int rc = 0;
    for (size_t i = 0; i < hist_nevents(h); i++) {
        sbuf_reset(&b);
        hist_format_event(hist_cvtab(h), &ev[i], &b);
        if (fwrite(b.p, 1, b.len, f) != b.len) {
            rc = -1;
            break;
        }
    }
    sbuf_free(&b);
    return rc;
}
