/*
 * adapter.c - the adapter registry and what the adapters share (see
 * adapter.h).
 */
#include "adapter.h"

#include "../histories/read.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

const adp_type *const adp_types[] = {&adp_conch, &adp_etcd, NULL};

const adp_type *adp_find(const char *name)
{
    for (size_t i = 0; adp_types[i]; i++)
        if (!strcmp(adp_types[i]->name, name))
            return adp_types[i];
    return NULL;
}

void adp_result_init(adp_result *r)
{
    memset(r, 0, sizeof *r);
    r->type = EV_INFO;
    r->value = val_nil();
    r->node = val_nil();
    r->version = HIST_NONE;
}

void adp_result_free(adp_result *r)
{
    sbuf_free(&r->error);
    sbuf_free(&r->token);
}

void adp_path_escape(const char *s, sbuf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            sbuf_addc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sbuf_addn(out, e, 3);
        }
    }
}

/* Depth is bounded by jansson's parser (it refuses nesting past 2048). */
val adp_from_json(vtab *vt, json_t *j)
{
    return hist_val_from_jansson(vt, j);
}

bool adp_json_val(vtab *vt, const char *s, size_t n, val *out)
{
    json_error_t err;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j)
        return false;
    *out = adp_from_json(vt, j);
    json_decref(j);
    return true;
}

void adp_http_error(long status, const char *body, size_t len, sbuf *out)
{
    enum { EXCERPT = 100 };
    sbuf_printf(out, "HTTP %ld", status);
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--;
    if (len == 0)
        return;
    sbuf_adds(out, ": ");
    for (size_t i = 0; i < len && i < EXCERPT; i++) {
        unsigned char c = (unsigned char)body[i];
        sbuf_addc(out, c >= 0x20 && c < 0x7f ? (char)c : ' ');
    }
    if (len > EXCERPT)
        sbuf_adds(out, "...");
}
