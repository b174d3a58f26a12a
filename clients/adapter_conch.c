/*
 * adapter_conch.c - the built-in store's API (conch serve), as
 * proto/serve.h writes it down: read, write and cas on /kv/KEY, and a
 * session token in the response header that a client sends back so a
 * replica can wait until it has caught up with it.
 *
 * A 2xx is ok only when its body is an object that says what was done: a
 * read's value, a write's or cas's version; any other 2xx is info.
 *
 * Classification: the store answers 4xx only for requests it refused
 * before doing anything (bad JSON 400, unknown path 404, body too large
 * 413, mismatched cas 412), so a 4xx is a certain fail; 408 (a server that
 * gave up waiting for the request) and every 5xx are info. A 404 whose
 * error is SERVE_ABSENT answers a read with the absent value, not an error.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/serve.h"
#include "adapter.h"

static void request(const adp_opts *o, const vtab *vt, adp_kind kind, const char *key, val a,
                    val b, adp_req *req)
{
    (void)o;
    sbuf_adds(&req->path, SERVE_KV_PATH);
    adp_path_escape(key, &req->path);
    switch (kind) {
    case ADP_READ:
        req->method = "GET";
        break;
    case ADP_WRITE:
        req->method = "PUT";
        sbuf_adds(&req->body, "{" SERVE_FIELD(SERVE_VALUE));
        val_to_json(vt, a, &req->body);
        sbuf_addc(&req->body, '}');
        break;
    case ADP_CAS:
        req->method = "POST";
        sbuf_adds(&req->path, SERVE_CAS_PATH);
        sbuf_adds(&req->body, "{" SERVE_FIELD(SERVE_OLD));
        val_to_json(vt, a, &req->body);
        sbuf_adds(&req->body, "," SERVE_FIELD(SERVE_NEW));
        val_to_json(vt, b, &req->body);
        sbuf_addc(&req->body, '}');
        break;
    case ADP_APPEND: /* not has_append: never asked */
        break;
    }
}

/* A version as the store sends it: a number, or digits in a string. */
static int64_t version_of(json_t *j)
{
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    if (json_is_string(j)) {
        char *end;
        long long x = strtoll(json_string_value(j), &end, 10);
        if (end != json_string_value(j) && !*end)
            return (int64_t)x;
    }
    return HIST_NONE;
}

static void response(const adp_opts *o, vtab *vt, adp_kind kind, const adp_resp *resp,
                     adp_result *res)
{
    (void)o;
    long st = resp->status;
    json_t *body = json_loadb(resp->body, resp->len, 0, NULL);
    json_t *obj = json_is_object(body) ? body : NULL;
    if (obj) {
        res->version = version_of(json_object_get(obj, SERVE_VERSION));
        json_t *node = json_object_get(obj, SERVE_NODE);
        if (json_is_string(node))
            res->node = val_str(vt, json_string_value(node), json_string_length(node));
    }

    json_t *err = obj ? json_object_get(obj, SERVE_ERROR) : NULL;
    if (kind == ADP_READ && st == SERVE_NOT_FOUND && json_is_string(err) &&
        !strcmp(json_string_value(err), SERVE_ABSENT)) {
        res->type = EV_OK; /* absent: the read saw nil */
        res->value = val_nil();
    } else if (st == SERVE_NOT_FOUND) {
        /* Not conch serve's "no such key": a wrong URL or another server.
         * Nothing was read or written. */
        res->type = EV_FAIL;
        sbuf_adds(&res->error, "not conch serve's answer: ");
        adp_http_error(st, resp->body, resp->len, &res->error);
    } else if (st >= 200 && st < 300) {
        /* A success must say what it did: a read its value, a write or cas
         * the version it wrote. One that does not (a proxy's page, a body
         * cut off, another server) may or may not have happened. */
        json_t *v = obj ? json_object_get(obj, SERVE_VALUE) : NULL;
        if (kind == ADP_READ && !v) {
            res->type = EV_INFO;
            sbuf_adds(&res->error, "read answered without a value: ");
            adp_http_error(st, resp->body, resp->len, &res->error);
        } else if (kind != ADP_READ && res->version == HIST_NONE) {
            res->type = EV_INFO;
            sbuf_adds(&res->error, "success without a version: ");
            adp_http_error(st, resp->body, resp->len, &res->error);
        } else {
            res->type = EV_OK;
            if (kind == ADP_READ)
                res->value = adp_from_json(vt, v);
        }
    } else if (kind == ADP_CAS && st == SERVE_CAS_MISMATCH) {
        res->type = EV_FAIL;
        res->mismatch = true;
        sbuf_adds(&res->error, "cas: value did not match");
    } else if (st >= 400 && st < 500 && st != 408) {
        res->type = EV_FAIL;
        adp_http_error(st, resp->body, resp->len, &res->error);
    } else {
        res->type = EV_INFO;
        adp_http_error(st, resp->body, resp->len, &res->error);
    }
    json_decref(body);
}

const adp_type adp_conch = {
    .name = "conch", .session_header = SERVE_SESSION_HEADER, .request = request,
    .response = response,
};
