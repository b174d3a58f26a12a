/*
 * adapter_etcd_txn.c - etcd's transactions (adapter_txn.h), one
 * POST /v3/kv/txn each:
 *   read    {"success":[{"requestRange":{"key":K}}, ...]}
 *           -> "responses":[{"response_range":{"kvs":[{"value":V,"mod_revision":R}]}}, ...]
 *   commit  {"compare":[{"key":K,"target":"MOD","result":"EQUAL","mod_revision":R}, ...
 *                       (absent: "target":"CREATE", "create_revision":"0")],
 *            "success":[{"requestPut":{"key":K,"value":V}}, ...]}
 *           -> "succeeded":true, or left out (false): a key had changed
 * A txn with no compare always succeeds, so the read is one txn of ranges,
 * read at one revision (linearizable, or served by the member asked with
 * "serializable"). Keys and values are base64, values JSON text, as the
 * adapter's (adapter_etcd.c).
 */
#include <string.h>

#include "adapter_etcd.h"
#include "adapter_txn.h"

static void read_request(const adp_opts *o, const adp_txn_key *keys, size_t n, adp_req *req)
{
    req->method = "POST";
    sbuf_adds(&req->path, "/v3/kv/txn");
    sbuf_adds(&req->body, "{\"success\":[");
    for (size_t i = 0; i < n; i++) {
        sbuf_adds(&req->body, i ? ",{\"requestRange\":{" : "{\"requestRange\":{");
        adp_etcd_b64_field(&req->body, "key", keys[i].key, keys[i].len);
        if (o && o->serializable)
            sbuf_adds(&req->body, ",\"serializable\":true");
        sbuf_adds(&req->body, "}}");
    }
    sbuf_adds(&req->body, "]}");
}

static void read_response(const adp_opts *o, vtab *vt, const adp_resp *resp, adp_txn_key *keys,
                          size_t n, adp_result *res)
{
    (void)o;
    json_t *body;
    json_t *obj = adp_etcd_answer(vt, resp, res, &body);
    if (!obj)
        goto out;
    json_t *rs = json_object_get(obj, "responses");
    if (!json_is_array(rs) || json_array_size(rs) != n) {
        res->type = EV_INFO;
        sbuf_printf(&res->error, "a read of %zu keys answered with %zu ranges", n,
                    json_is_array(rs) ? json_array_size(rs) : 0);
        goto out;
    }
    res->type = EV_OK;
    res->version = adp_etcd_i64(json_object_get(json_object_get(obj, "header"), "revision"));
    for (size_t i = 0; i < n && res->type == EV_OK; i++) {
        json_t *range = json_object_get(json_array_get(rs, i), "response_range");
        if (!json_is_object(range)) {
            res->type = EV_INFO;
            sbuf_printf(&res->error, "answer %zu of the read is not a range", i + 1);
            break;
        }
        adp_etcd_kv(vt, json_array_get(json_object_get(range, "kvs"), 0), res, &keys[i].value,
                    &keys[i].version);
        if (res->type == EV_OK && !val_is_nil(keys[i].value) && keys[i].version == HIST_NONE) {
            res->type = EV_INFO;
            sbuf_adds(&res->error, "a key read without its mod_revision");
        }
    }
out:
    json_decref(body);
}

static void commit_request(const adp_opts *o, const vtab *vt, const adp_txn_key *keys, size_t n,
                           adp_req *req)
{
    (void)o;
    req->method = "POST";
    sbuf_adds(&req->path, "/v3/kv/txn");
    sbuf *b = &req->body;
    sbuf_adds(b, "{\"compare\":[");
    for (size_t i = 0; i < n; i++) {
        sbuf_adds(b, i ? ",{" : "{");
        adp_etcd_b64_field(b, "key", keys[i].key, keys[i].len);
        if (keys[i].version == HIST_NONE)
            sbuf_adds(b, ",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"}");
        else
            sbuf_printf(b, ",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":\"%lld\"}",
                        (long long)keys[i].version);
    }
    sbuf_adds(b, "],\"success\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (val_is_nil(keys[i].put))
            continue;
        sbuf_adds(b, first ? "{\"requestPut\":{" : ",{\"requestPut\":{");
        first = false;
        adp_etcd_b64_field(b, "key", keys[i].key, keys[i].len);
        sbuf_addc(b, ',');
        adp_etcd_b64_val(b, "value", vt, keys[i].put);
        sbuf_adds(b, "}}");
    }
    sbuf_adds(b, "]}");
}

static void commit_response(const adp_opts *o, vtab *vt, const adp_resp *resp, adp_result *res)
{
    (void)o;
    json_t *body;
    json_t *obj = adp_etcd_answer(vt, resp, res, &body);
    if (!obj)
        goto out;
    if (!json_is_true(json_object_get(obj, "succeeded"))) {
        res->type = EV_FAIL;
        res->mismatch = true;
        sbuf_adds(&res->error, "txn: a key changed since it was read");
        goto out;
    }
    /* Every write etcd makes moves the revision: a success without one is
     * not etcd's. */
    res->version = adp_etcd_i64(json_object_get(json_object_get(obj, "header"), "revision"));
    res->type = res->version == HIST_NONE ? EV_INFO : EV_OK;
    if (res->type == EV_INFO) {
        sbuf_adds(&res->error, "success without a revision: ");
        adp_http_error(resp->status, resp->body, resp->len, &res->error);
    }
out:
    json_decref(body);
}

const adp_txn adp_etcd_txn = {
    .read_request = read_request,
    .read_response = read_response,
    .commit_request = commit_request,
    .commit_response = commit_response,
};
