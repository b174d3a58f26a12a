/* write.c - see write.h. */
#include "write.h"

#include <string.h>

void hist_format_event(const vtab *vt, const hist_event *e, sbuf *b)
{
    static const char *types[] = {"invoke", "ok", "fail", "info"};
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
