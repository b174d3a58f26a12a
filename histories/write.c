/* write.c - see write.h. */
#include "write.h"

#include <string.h>

static const char *const types[] = {"invoke", "ok", "fail", "info"};

void hist_format_event(const vtab *vt, const hist_event *e, sbuf *b)
{
    sbuf_addc(b, '{');
    if (e->index != HIST_NONE)
        sbuf_printf(b, "\"index\":%lld,", (long long)e->index);
    if (e->time != HIST_NONE)
        sbuf_printf(b, "\"time\":%lld,", (long long)e->time);
    sbuf_adds(b, "\"process\":");
    val_to_json(vt, e->process, b);
    sbuf_printf(b, ",\"type\":\"%s\",\"f\":", types[e->type]);
    val_to_json(vt, e->f, b);
    if (e->has_key) {
        sbuf_adds(b, ",\"key\":");
        val_to_json(vt, e->key, b);
    }
    sbuf_adds(b, ",\"value\":");
    val_to_json(vt, e->value, b);
    if (e->version != HIST_NONE)
        sbuf_printf(b, ",\"version\":%lld", (long long)e->version);
    if (!val_is_nil(e->url)) {
        sbuf_adds(b, ",\"url\":");
        val_to_json(vt, e->url, b);
    }
    if (!val_is_nil(e->node)) {
        sbuf_adds(b, ",\"node\":");
        val_to_json(vt, e->node, b);
    }
    if (!val_is_nil(e->error)) {
        sbuf_adds(b, ",\"error\":");
        val_to_json(vt, e->error, b);
    }
    sbuf_adds(b, "}\n");
}

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

void hist_format_event_edn(const vtab *vt, const hist_event *e, sbuf *b)
{
    sbuf_addc(b, '{');
    if (e->index != HIST_NONE)
        sbuf_printf(b, ":index %lld, ", (long long)e->index);
    if (e->time != HIST_NONE)
        sbuf_printf(b, ":time %lld, ", (long long)e->time);
    sbuf_adds(b, ":process ");
    edn_name(vt, e->process, b);
    sbuf_printf(b, ", :type :%s, :f ", types[e->type]);
    edn_name(vt, e->f, b);
    if (e->has_key) {
        sbuf_adds(b, ", :key ");
        edn_val(vt, e->key, b);
    }
    sbuf_adds(b, ", :value ");
    edn_val(vt, e->value, b);
    if (e->version != HIST_NONE)
        sbuf_printf(b, ", :version %lld", (long long)e->version);
    if (!val_is_nil(e->node)) {
        sbuf_adds(b, ", :node ");
        edn_val(vt, e->node, b);
    }
    if (!val_is_nil(e->error)) {
        sbuf_adds(b, ", :error ");
        edn_name(vt, e->error, b);
    }
    sbuf_adds(b, "}\n");
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
    const hist_event *ev = hist_events(h);
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
