/*
 * api.c - see api.h.
 *
 * The path reaches us undecoded so that "/kv/a%2Fb" is the key "a/b", not
 * the path /kv/a/b.
 */
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../proto/admin.h"
#include "../util/hex.h"

enum route_kind { R_HEALTH, R_KV, R_CAS, R_STATE, R_PARTITION, R_HEAL };

typedef struct route {
    enum route_kind kind;
    bool get, body; /* the method is GET (or HEAD); the request has a body */
    bool admin;     /* an /admin/ endpoint */
    char key[SERVE_MAX_KEY];
    size_t klen;
} route;

/* ---- responses ---- */

/* A body is a JSON object written field by field (the first opens it),
 * closed by answer_object. Values read from the store are JSON texts
 * already. */
static void field(sbuf *b, const char *name)
{
    sbuf_addc(b, b->len ? ',' : '{');
    sbuf_addc(b, '"');
    sbuf_adds(b, name);
    sbuf_adds(b, "\":");
}

static void field_json(sbuf *b, const char *name, const char *json)
{
    field(b, name);
    sbuf_adds(b, json);
}

static void field_str(sbuf *b, const char *name, const char *s)
{
    field(b, name);
    sbuf_add_json_str(b, s, strlen(s));
}

static void field_int(sbuf *b, const char *name, int64_t v)
{
    field(b, name);
    sbuf_printf(b, "%lld", (long long)v);
}

/* The replica's name, which every answer carries. */
static void field_node(sbuf *b, int node)
{
    char name[12];
    cluster_node_name(node, name);
    field_str(b, SERVE_NODE, name);
}

static void answer(api_response *out, serve_status status, int64_t token)
{
    sbuf_addc(&out->body, '\n');
    out->status = status;
    out->token = token;
}

static void answer_object(api_response *out, serve_status status, int64_t token)
{
    sbuf_addc(&out->body, '}');
    answer(out, status, token);
}

/* The status that says what kind of failure err is (proto/serve.h). */
static serve_status status_of(store_rc rc)
{
    switch (rc) {
    case STORE_EREJECTED: return SERVE_BAD_REQUEST;
    case STORE_ENOPATH: return SERVE_NOT_FOUND;
    case STORE_EMETHOD: return SERVE_BAD_METHOD;
    case STORE_ETOOLARGE: return SERVE_TOO_LARGE;
    case STORE_EKEYLONG: return SERVE_KEY_TOO_LONG;
    case STORE_EAUTH: return SERVE_UNAUTHORIZED;
    case STORE_EFORBIDDEN: return SERVE_FORBIDDEN;
    case STORE_OK:
    case STORE_EUNAVAILABLE:
    case STORE_ESYS: break;
    }
    return SERVE_UNAVAILABLE;
}

/* Answer with err: its status, and its message as the body's error. */
static void answer_failure(api_response *out, int node, const store_error *err, int64_t token)
{
    sbuf_reset(&out->body);
    field_str(&out->body, SERVE_ERROR, err->msg);
    field_node(&out->body, node);
    answer_object(out, status_of(err->rc), token);
    if (err->rc == STORE_EAUTH)
        out->authenticate = "Bearer realm=\"conch serve admin\"";
}

/* The same, for a request refused before it reached the replicas. */
static void answer_error(cluster *c, int node, api_response *out, const store_error *err)
{
    answer_failure(out, node, err, cluster_token(c, node));
}

void api_response_free(api_response *r)
{
    sbuf_free(&r->body);
}

static void response_init(api_response *out)
{
    memset(out, 0, sizeof *out);
}

/* ---- routing ---- */

/* Percent-decode s[0..n) into out (SERVE_MAX_KEY bytes); false with err on
 * a bad escape or a key too long. */
static bool decode_key(const char *s, size_t n, char *out, size_t *outlen, store_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            int h = i + 2 < n ? hex_value(s[i + 1]) : -1, l = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                store_error_set(err, STORE_EREJECTED, "bad percent-encoding in the key");
                return false;
            }
            ch = (char)(h * 16 + l);
            i += 2;
        }
        if (k == SERVE_MAX_KEY) {
            store_error_set(err, STORE_EKEYLONG, "the key is longer than %d bytes",
                            SERVE_MAX_KEY);
            return false;
        }
        out[k++] = ch;
    }
    *outlen = k;
    return true;
}

/* Parse method and path into rt; false with err and, for a wrong method,
 * the methods allowed. */
static bool route_parse(const char *url, const char *method, route *rt, store_error *err,
                        const char **allow)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool put = !strcmp(method, "PUT"), post = !strcmp(method, "POST");
    memset(rt, 0, offsetof(route, key));
    rt->get = get;
    *allow = NULL;
    if (!strncmp(url, SERVE_KV_PATH, strlen(SERVE_KV_PATH))) {
        const char *seg = url + strlen(SERVE_KV_PATH), *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (slash && strcmp(slash, SERVE_CAS_PATH)) {
            store_error_set(err, STORE_ENOPATH,
                            "unknown path (keys are one path segment: encode '/' as %%2F)");
            return false;
        }
        rt->kind = slash ? R_CAS : R_KV;
        if (rt->kind == R_CAS ? !post : !(get || put)) {
            *allow = rt->kind == R_CAS ? "POST" : "GET, HEAD, PUT";
            store_error_set(err, STORE_EMETHOD, "method not allowed: use %s",
                            rt->kind == R_CAS ? "POST" : "GET or PUT");
            return false;
        }
        if (!decode_key(seg, n, rt->key, &rt->klen, err))
            return false;
        if (!rt->klen) {
            store_error_set(err, STORE_EREJECTED, "empty key");
            return false;
        }
        rt->body = !get;
        return true;
    }
    static const struct {
        const char *path;
        enum route_kind kind;
        bool post, admin;
    } fixed[] = {
        {"/health", R_HEALTH, false, false},
        {ADMIN_STATE_PATH, R_STATE, false, true},
        {ADMIN_PARTITION_PATH, R_PARTITION, true, true},
        {ADMIN_HEAL_PATH, R_HEAL, true, true},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (strcmp(url, fixed[i].path))
            continue;
        rt->kind = fixed[i].kind;
        rt->admin = fixed[i].admin;
        if (fixed[i].post ? !post : !get) {
            *allow = fixed[i].post ? "POST" : "GET, HEAD";
            store_error_set(err, STORE_EMETHOD, "method not allowed: use %s",
                            fixed[i].post ? "POST" : "GET");
            return false;
        }
        rt->body = fixed[i].post;
        return true;
    }
    store_error_set(err, STORE_ENOPATH, "unknown path (try GET %sKEY, PUT %sKEY, POST %sKEY%s, "
                    "GET /health)", SERVE_KV_PATH, SERVE_KV_PATH, SERVE_KV_PATH, SERVE_CAS_PATH);
    return false;
}

bool api_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

/* Equal strings, in a time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

/* May rq use the admin endpoints? false with err if not. */
static bool admin_allowed(const api_config *cfg, const api_request *rq, store_error *err)
{
    if (!cfg->admin_token) {
        if (cfg->admin_open)
            return true;
        store_error_set(err, STORE_EFORBIDDEN,
                        "the admin endpoints are off: conch serve listens on an address other "
                        "than loopback, and no --admin-token was given");
        return false;
    }
    const char *auth = rq->header ? rq->header(rq->ctx, "Authorization") : NULL;
    if (auth && !strncasecmp(auth, "Bearer ", 7) && same_secret(auth + 7, cfg->admin_token))
        return true;
    store_error_set(err, STORE_EAUTH, "%s",
                    auth ? "wrong admin token"
                         : "the admin endpoints need Authorization: Bearer <the --admin-token>");
    return false;
}

static void too_large(store_error *err, size_t max_body)
{
    store_error_set(err, STORE_ETOOLARGE, "the body is larger than %zu bytes", max_body);
}

api_step api_head(cluster *c, int node, const api_config *cfg, const api_request *rq,
                  api_response *out)
{
    route rt;
    store_error err;
    const char *allow;
    if (!route_parse(rq->path, rq->method, &rt, &err, &allow) ||
        (rt.admin && !admin_allowed(cfg, rq, &err))) {
        response_init(out);
        answer_error(c, node, out, &err);
        out->allow = allow;
        return API_ANSWER;
    }
    if (!rt.body)
        return API_NO_BODY;
    const char *cl = rq->header ? rq->header(rq->ctx, "Content-Length") : NULL;
    if (cl && strtoull(cl, NULL, 10) > cfg->max_body) {
        too_large(&err, cfg->max_body);
        response_init(out);
        answer_error(c, node, out, &err);
        return API_ANSWER;
    }
    return API_READ_BODY;
}

/* ---- handlers ---- */

/* Parse body as a JSON object; NULL with err on failure. New reference. */
static json_t *parse_body(const char *body, size_t len, store_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(body ? body : "", len, 0, &jerr);
    if (!j) {
        store_error_set(err, STORE_EREJECTED, "the body is not JSON: %s (line %d, column %d)",
                        jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        store_error_set(err, STORE_EREJECTED, "the body must be a JSON object");
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The canonical text of field name of obj (malloc'd), or NULL with err. */
static char *field_text(json_t *obj, const char *name, const char *shape, store_error *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        store_error_set(err, STORE_EREJECTED, "the body must be %s: \"%s\" is missing", shape,
                        name);
        return NULL;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        store_error_set(err, STORE_EREJECTED, "\"%s\" cannot be encoded", name);
    return s;
}

/* The operation a key-value request asks for. Its strings are owned here
 * (kv_op_free); req borrows them. */
typedef struct kv_op {
    cluster_req req;
    char *val, *old;
} kv_op;

static void kv_op_free(kv_op *op)
{
    free(op->val);
    free(op->old);
}

/* Read the session token and the body of a request to rt into *op; false
 * with err if they are not what the API takes. */
static bool kv_op_parse(const route *rt, const api_request *rq, kv_op *op, store_error *err)
{
    static const char cas_shape[] =
        "{" SERVE_FIELD(SERVE_OLD) "..., " SERVE_FIELD(SERVE_NEW) "...}";
    static const char put_shape[] = "{" SERVE_FIELD(SERVE_VALUE) "...}";
    bool ok = false;
    json_t *j = NULL;
    memset(op, 0, sizeof *op);
    op->req = (cluster_req){.kind = CLUSTER_GET, .key = rt->key, .klen = rt->klen};
    const char *tok = rq->header ? rq->header(rq->ctx, SERVE_SESSION_HEADER) : NULL;
    if (tok) {
        char *end;
        errno = 0;
        long long t = strtoll(tok, &end, 10);
        if (!*tok || *end || errno || t < 0) {
            store_error_set(err, STORE_EREJECTED, "%s must be a whole number >= 0",
                            SERVE_SESSION_HEADER);
            goto out;
        }
        op->req.token = t;
    }
    if (rt->kind == R_CAS) {
        op->req.kind = CLUSTER_CAS;
        if (!(j = parse_body(rq->body, rq->blen, err)) ||
            !(op->old = field_text(j, SERVE_OLD, cas_shape, err)) ||
            !(op->val = field_text(j, SERVE_NEW, cas_shape, err)))
            goto out;
    } else if (!rt->get) {
        op->req.kind = CLUSTER_PUT;
        if (!(j = parse_body(rq->body, rq->blen, err)) ||
            !(op->val = field_text(j, SERVE_VALUE, put_shape, err)))
            goto out;
    }
    if (op->val) {
        op->req.val = op->val;
        op->req.vlen = strlen(op->val);
    }
    if (op->old) {
        op->req.old = op->old;
        op->req.oldlen = strlen(op->old);
    }
    ok = true;
out:
    json_decref(j);
    return ok;
}

/* The answer to a key-value operation of kind that ended in res. */
static void kv_answer(int node, cluster_kind kind, const cluster_res *res, api_response *out)
{
    sbuf *b = &out->body;
    serve_status status;
    switch (res->status) {
    case CLUSTER_OK:
        status = SERVE_OK;
        if (kind == CLUSTER_GET)
            field_json(b, SERVE_VALUE, res->val);
        field_int(b, SERVE_VERSION, res->version);
        break;
    case CLUSTER_NOT_FOUND:
        status = SERVE_NOT_FOUND;
        field_str(b, SERVE_ERROR, SERVE_ABSENT);
        break;
    case CLUSTER_CAS_FAILED:
        status = SERVE_CAS_MISMATCH;
        field_str(b, SERVE_ERROR, "cas failed: the current value differs");
        field_json(b, SERVE_VALUE, res->val);
        field_int(b, SERVE_VERSION, res->version);
        break;
    case CLUSTER_FAILED:
    default:
        answer_failure(out, node, res->err, res->token);
        return;
    }
    field_node(b, node);
    answer_object(out, status, res->token);
}

static void kv_request(cluster *c, int node, const api_config *cfg, const route *rt,
                       const api_request *rq, api_response *out)
{
    kv_op op;
    store_error err;
    if (!kv_op_parse(rt, rq, &op, &err)) {
        answer_error(c, node, out, &err);
    } else {
        cluster_res res;
        (cfg->exec ? cfg->exec : cluster_do)(c, node, &op.req, &res);
        kv_answer(node, op.req.kind, &res, out);
        cluster_res_free(&res);
    }
    kv_op_free(&op);
}

/* Parse a partition request's groups into group[] (every node named at most
 * once; those named in no group are each cut off alone); false with err. */
static bool partition_parse(cluster *c, const api_request *rq, int *group, store_error *err)
{
    int n = cluster_config_get(c)->n;
    bool ok = false;
    for (int i = 0; i < n; i++)
        group[i] = -1;
    json_t *j = parse_body(rq->body, rq->blen, err), *groups = NULL;
    if (!j)
        goto out;
    if (!json_is_array(groups = json_object_get(j, ADMIN_GROUPS))) {
        store_error_set(err, STORE_EREJECTED,
                        "the body must be {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}");
        goto out;
    }
    size_t gi;
    json_t *g;
    json_array_foreach(groups, gi, g) {
        if (!json_is_array(g)) {
            store_error_set(err, STORE_EREJECTED, "groups[%zu] is not an array of node names",
                            gi);
            goto out;
        }
        size_t ni;
        json_t *nm;
        json_array_foreach(g, ni, nm) {
            int idx = json_is_string(nm) ? cluster_node_index(c, json_string_value(nm)) : -1;
            if (idx < 0) {
                store_error_set(err, STORE_EREJECTED, "groups[%zu][%zu] names no node (n1 .. n%d)",
                                gi, ni, n);
                goto out;
            }
            if (group[idx] >= 0) {
                store_error_set(err, STORE_EREJECTED, "n%d is in more than one group", idx + 1);
                goto out;
            }
            group[idx] = (int)gi;
        }
    }
    int next = (int)json_array_size(groups);
    for (int i = 0; i < n; i++)
        if (group[i] < 0)
            group[i] = next++;
    ok = true;
out:
    json_decref(j);
    return ok;
}

/* POST /admin/partition {"groups":[["n1"],["n2","n3"]]} */
static void partition_request(cluster *c, int node, const api_request *rq, api_response *out)
{
    int group[CLUSTER_MAX_NODES];
    store_error err;
    if (!partition_parse(c, rq, group, &err)) {
        answer_error(c, node, out, &err);
        return;
    }
    cluster_partition(c, group);
    field_json(&out->body, "ok", "true");
    field_node(&out->body, node);
    answer_object(out, SERVE_OK, cluster_token(c, node));
}

void api_handle(cluster *c, int node, const api_config *cfg, const api_request *rq,
                api_response *out)
{
    response_init(out);
    if (api_head(c, node, cfg, rq, out) == API_ANSWER)
        return;
    route rt;
    store_error err;
    const char *allow;
    if (rq->too_big) {
        too_large(&err, cfg->max_body);
        answer_error(c, node, out, &err);
        return;
    }
    route_parse(rq->path, rq->method, &rt, &err, &allow); /* api_head accepted it */
    switch (rt.kind) {
    case R_KV:
    case R_CAS:
        kv_request(c, node, cfg, &rt, rq, out);
        return;
    case R_PARTITION:
        partition_request(c, node, rq, out);
        return;
    case R_HEALTH:
        field_json(&out->body, "ok", "true");
        field_node(&out->body, node);
        field_str(&out->body, "mode", cluster_mode_name(cluster_config_get(c)->mode));
        answer_object(out, SERVE_OK, cluster_token(c, node));
        return;
    case R_STATE:
        cluster_state_json(c, &out->body);
        answer(out, SERVE_OK, cluster_token(c, node));
        return;
    case R_HEAL:
        cluster_heal(c);
        field_json(&out->body, "ok", "true");
        field_node(&out->body, node);
        answer_object(out, SERVE_OK, cluster_token(c, node));
        return;
    }
}
