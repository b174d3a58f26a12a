/*
 * fuzz_serve.c - libFuzzer harness for conch serve's request handling
 * (store/api.h), in process and without sockets: the requests go to
 * api_head and api_handle as libmicrohttpd would hand them over, on a
 * cluster of 3 replicas in manual mode whose messages the harness
 * delivers at once.
 *
 * Input: one byte of settings (bits 0-1 the consistency mode, bit 2 admin
 * endpoints open, bit 3 an admin token "tok3n", bits 4-5 the replica
 * asked), then up to 16 requests separated by 0xff, each its fields
 * separated by NUL: method, path, header lines ("Name: value", one a
 * line), body. Whatever the bytes, every answer must be one the API
 * documents: a known status, a JSON object body ending in a newline, an
 * Allow header with 405 and a WWW-Authenticate header with 401; and a read
 * that succeeds names its value and version.
 *
 *   make build/fuzz/fuzz_serve && build/fuzz/fuzz_serve -dict=tests/fuzz/fuzz_serve.dict
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../store/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_REQUESTS = 16, MAX_HEADERS = 8 };

typedef struct headers {
    const char *line[MAX_HEADERS];
    int n;
} headers;

static const char *lookup(void *ctx, const char *name)
{
    const headers *h = ctx;
    size_t n = strlen(name);
    for (int i = 0; i < h->n; i++)
        if (!strncasecmp(h->line[i], name, n) && h->line[i][n] == ':') {
            const char *v = h->line[i] + n + 1;
            while (*v == ' ')
                v++;
            return v;
        }
    return NULL;
}

/* Send, deliver every message, collect: no thread ever waits. */
static void exec_now(cluster *c, int node, const cluster_req *rq, cluster_res *out)
{
    cluster_op *op = cluster_begin(c, node, rq);
    cluster_pump(c);
    cluster_end(c, op, false, out);
}

/* The next field of [*p, end) up to sep (NUL-terminated in place). */
static char *field(char **p, char *end, char sep)
{
    char *f = *p, *q = f;
    while (q < end && *q != sep)
        q++;
    *q = '\0';
    *p = q < end ? q + 1 : end;
    return f;
}

static void check_answer(const api_request *rq, const api_response *out)
{
    static const unsigned known[] = {200, 400, 401, 403, 404, 405, 412, 413, 414, 503};
    bool ok = false;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        ok |= out->status == known[i];
    if (!ok)
        abort();
    if (!out->body.len || out->body.p[out->body.len - 1] != '\n')
        abort();
    json_t *j = json_loadb(out->body.p, out->body.len, 0, NULL);
    if (!json_is_object(j))
        abort(); /* every body is a JSON object */
    if ((out->status == 405) != (out->allow != NULL))
        abort();
    if ((out->status == 401) != (out->authenticate != NULL))
        abort();
    if (out->status == 200 && !strcmp(rq->method, "GET") && !strncmp(rq->path, "/kv/", 4) &&
        (!json_object_get(j, "value") || !json_is_integer(json_object_get(j, "version"))))
        abort();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t set = data[0];
    cluster_config cc = {.n = 3, .mode = (cluster_mode)(set & 3), .r = 2, .w = 2,
                         .gossip_ms = 100, .timeout_ms = 1000, .seed = 1, .manual = true};
    cluster *c = cluster_new(&cc);
    api_config cfg = {.max_body = 256, .admin_open = set & 4, .exec = exec_now,
                      .admin_token = set & 8 ? "tok3n" : NULL};
    int node = (set >> 4 & 3) % 3;
    char *buf = malloc(size); /* the input, with room for a NUL at the end */
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *p = buf, *end = buf + size - 1;
    /* Requests are split at 0xff first, then each at NUL. */
    for (int r = 0; r < MAX_REQUESTS && p < end; r++) {
        char *req = p;
        char *rend = memchr(p, 0xff, (size_t)(end - p));
        if (!rend)
            rend = end;
        p = rend < end ? rend + 1 : end;
        *rend = '\0';
        char *q = req;
        char *method = field(&q, rend, '\0');
        char *path = field(&q, rend, '\0');
        char *hdrs = field(&q, rend, '\0');
        char *body = q < rend ? q : NULL;
        size_t blen = body ? (size_t)(rend - body) : 0;
        headers h = {{0}, 0};
        for (char *hp = hdrs, *hend = hdrs + strlen(hdrs); hp < hend && h.n < MAX_HEADERS;)
            h.line[h.n++] = field(&hp, hend, '\n');
        api_request rq = {method, path, lookup, &h, body, blen, blen > cfg.max_body};
        api_response out;
        api_step step = api_head(c, node, &cfg, &rq, &out);
        if (step != API_ANSWER) {
            if (step == API_NO_BODY) {
                rq.body = NULL;
                rq.blen = 0;
            }
            api_handle(c, node, &cfg, &rq, &out);
        }
        check_answer(&rq, &out);
        api_response_free(&out);
    }
    free(buf);
    cluster_free(c);
    return 0;
}
