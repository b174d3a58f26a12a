/*
 * adapter_etcd.c - etcd's v3 API through its JSON gateway (grpc-gateway,
 * on the client port, etcd 3.4 and later):
 *   POST /v3/kv/range {"key":K}                      read  (+ "serializable":true)
 *   POST /v3/kv/put   {"key":K,"value":V}            write
 *   POST /v3/kv/txn   {"compare":[VALUE == O],"success":[{"requestPut":...}]}   cas
 * Keys and values are base64; a cas from "absent" compares create_revision
 * with 0 instead, since etcd fails every VALUE compare on a missing key.
 *
 * The gateway writes protobuf's JSON mapping, whose quirks matter here:
 * int64 fields (revision, mod_revision, member_id) arrive as strings;
 * fields at their zero value are left out, so an absent "succeeded" is
 * false, an absent "kvs" is a missing key and an absent "value" is empty
 * bytes. Errors come as {"error":...,"code":N,"message":...} where N is a
 * gRPC status code, and that code, not the HTTP status, says whether the
 * request was refused before it could take effect (see fail_code).
 *
 * version is the kv's mod_revision for a read, the response header's
 * revision for a write or a successful cas: etcd's order of writes. A 200
 * that is not such an answer (no header; a write without a revision) is
 * info: it cannot be read. node is the member id of the member that
 * answered. Transactions of several keys (list-append) are in
 * adapter_etcd_txn.c, on the helpers of adapter_etcd.h.
 */
#include <stdlib.h>
#include <string.h>

#include "adapter_etcd.h"
#include "adapter_txn.h"
#include "b64.h"

void adp_etcd_b64_field(sbuf *b, const char *name, const char *s, size_t n)
{
    sbuf_printf(b, "\"%s\":\"", name);
    b64_encode(s, n, b);
    sbuf_addc(b, '"');
}

void adp_etcd_b64_val(sbuf *b, const char *name, const vtab *vt, val v)
{
    sbuf text = {0};
    val_to_json(vt, v, &text);
    adp_etcd_b64_field(b, name, sbuf_str(&text), text.len);
    sbuf_free(&text);
}

static void request(const adp_opts *o, const vtab *vt, adp_kind kind, const char *key, val a,
                    val b, adp_req *req)
{
    size_t klen = strlen(key);
    sbuf *body = &req->body;
    req->method = "POST";
    switch (kind) {
    case ADP_READ:
        sbuf_adds(&req->path, "/v3/kv/range");
        sbuf_addc(body, '{');
        adp_etcd_b64_field(body, "key", key, klen);
        if (o && o->serializable)
            sbuf_adds(body, ",\"serializable\":true");
        sbuf_addc(body, '}');
        break;
    case ADP_WRITE:
        sbuf_adds(&req->path, "/v3/kv/put");
        sbuf_addc(body, '{');
        adp_etcd_b64_field(body, "key", key, klen);
        sbuf_addc(body, ',');
        adp_etcd_b64_val(body, "value", vt, a);
        sbuf_addc(body, '}');
        break;
    case ADP_CAS:
        sbuf_adds(&req->path, "/v3/kv/txn");
        sbuf_adds(body, "{\"compare\":[{");
        adp_etcd_b64_field(body, "key", key, klen);
        if (val_is_nil(a)) {
            sbuf_adds(body, ",\"target\":\"CREATE\",\"result\":\"EQUAL\","
                            "\"create_revision\":\"0\"");
        } else {
            sbuf_adds(body, ",\"target\":\"VALUE\",\"result\":\"EQUAL\",");
            adp_etcd_b64_val(body, "value", vt, a);
        }
        sbuf_adds(body, "}],\"success\":[{\"requestPut\":{");
        adp_etcd_b64_field(body, "key", key, klen);
        sbuf_addc(body, ',');
        adp_etcd_b64_val(body, "value", vt, b);
        sbuf_adds(body, "}}]}");
        break;
    case ADP_APPEND: /* not has_append: never asked */
        break;
    }
}

int64_t adp_etcd_i64(json_t *j)
{
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    if (json_is_string(j) && json_string_length(j) > 0) {
        char *end;
        long long x = strtoll(json_string_value(j), &end, 10);
        if (!*end)
            return (int64_t)x;
    }
    return HIST_NONE;
}

/* gRPC codes that say the request was refused before it could take effect:
 * InvalidArgument 3, NotFound 5, AlreadyExists 6, PermissionDenied 7,
 * ResourceExhausted 8 (etcd's "too many requests", refused before it is
 * proposed), FailedPrecondition 9, OutOfRange 11, Unimplemented 12,
 * Unauthenticated 16. The rest (Canceled, Unknown, DeadlineExceeded,
 * Aborted, Internal, Unavailable - "leader changed", "request timed out" -
 * DataLoss) leave the outcome unknown. */
static bool fail_code(long long code)
{
    switch (code) {
    case 3: case 5: case 6: case 7: case 8: case 9: case 11: case 12: case 16:
        return true;
    default:
        return false;
    }
}

void adp_etcd_error(const adp_resp *resp, json_t *obj, adp_result *res)
{
    json_t *code = obj ? json_object_get(obj, "code") : NULL;
    json_t *msg = obj ? json_object_get(obj, "message") : NULL;
    if (!json_is_string(msg) && obj)
        msg = json_object_get(obj, "error");
    if (json_is_integer(code)) {
        long long c = json_integer_value(code);
        res->type = fail_code(c) ? EV_FAIL : EV_INFO;
        sbuf_printf(&res->error, "HTTP %ld, gRPC code %lld", resp->status, c);
        if (json_is_string(msg)) {
            sbuf_adds(&res->error, ": ");
            const char *m = json_string_value(msg);
            size_t n = json_string_length(msg);
            sbuf_addn(&res->error, m, n < 100 ? n : 100);
        }
        return;
    }
    long st = resp->status;
    res->type = st >= 400 && st < 500 && st != 408 ? EV_FAIL : EV_INFO;
    adp_http_error(st, resp->body, resp->len, &res->error);
}

json_t *adp_etcd_answer(vtab *vt, const adp_resp *resp, adp_result *res, json_t **body)
{
    *body = json_loadb(resp->body, resp->len, 0, NULL);
    json_t *obj = json_is_object(*body) ? *body : NULL;
    json_t *header = obj ? json_object_get(obj, "header") : NULL;
    if (json_is_object(header)) {
        json_t *m = json_object_get(header, "member_id");
        if (json_is_string(m) && json_string_length(m) > 0)
            res->node = val_str(vt, json_string_value(m), json_string_length(m));
    }
    if (resp->status != 200) {
        adp_etcd_error(resp, obj, res);
        return NULL;
    }
    if (!json_is_object(header)) {
        res->type = EV_INFO;
        sbuf_adds(&res->error, "unexpected answer: ");
        adp_http_error(resp->status, resp->body, resp->len, &res->error);
        return NULL;
    }
    return obj;
}

void adp_etcd_kv(vtab *vt, json_t *kv, adp_result *res, val *value, int64_t *version)
{
    *value = val_nil();
    *version = HIST_NONE;
    if (!json_is_object(kv))
        return;
    *version = adp_etcd_i64(json_object_get(kv, "mod_revision"));
    json_t *v = json_object_get(kv, "value");
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    sbuf bytes = {0};
    if (!b64_decode(s, n, &bytes)) {
        res->type = EV_INFO;
        sbuf_adds(&res->error, "value is not base64");
    } else if (!adp_json_val(vt, sbuf_str(&bytes), bytes.len, value)) {
        /* Not written by conch: keep the bytes as a string. */
        *value = val_str(vt, sbuf_str(&bytes), bytes.len);
    }
    sbuf_free(&bytes);
}

static void response(const adp_opts *o, vtab *vt, adp_kind kind, const adp_resp *resp,
                     adp_result *res)
{
    (void)o;
    json_t *body;
    json_t *obj = adp_etcd_answer(vt, resp, res, &body);
    if (!obj)
        goto out;
    json_t *header = json_object_get(obj, "header");
    switch (kind) {
    case ADP_READ:
        res->type = EV_OK;
        adp_etcd_kv(vt, json_array_get(json_object_get(obj, "kvs"), 0), res, &res->value,
                    &res->version);
        break;
    case ADP_WRITE:
    case ADP_CAS:
        if (kind == ADP_CAS && !json_is_true(json_object_get(obj, "succeeded"))) {
            res->type = EV_FAIL;
            res->mismatch = true;
            sbuf_adds(&res->error, "cas: value did not match");
            break;
        }
        /* Every write etcd makes moves the revision: a success without
         * one is not etcd's. */
        res->version = adp_etcd_i64(json_object_get(header, "revision"));
        if (res->version == HIST_NONE) {
            res->type = EV_INFO;
            sbuf_adds(&res->error, "success without a revision: ");
            adp_http_error(resp->status, resp->body, resp->len, &res->error);
        } else {
            res->type = EV_OK;
        }
        break;
    case ADP_APPEND: /* not has_append: never asked */
        break;
    }
out:
    json_decref(body);
}

const adp_type adp_etcd = {
    .name = "etcd", .session_header = NULL, .request = request, .response = response,
    .txn = &adp_etcd_txn,
};
