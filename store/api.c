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

#include "../util/hex.h"

/* The text of a number macro: TEXT(SERVE_MAX_KEY) is "1024". */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

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

static void answer_error(cluster *c, int node, api_response *out, serve_status status,
                         const char *msg)
{
    sbuf_reset(&out->body);
    field_str(&out->body, SERVE_ERROR, msg);
    field_node(&out->body, node);
    answer_object(out, status, cluster_token(c, node));
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

/* Percent-decode s[0..n) into out (SERVE_MAX_KEY bytes): 0, or 400 (a bad
 * escape) or 414 (too long), with why. */
static unsigned decode_key(const char *s, size_t n, char *out, size_t *outlen, const char **why)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            int h = i + 2 < n ? hex_value(s[i + 1]) : -1, l = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                *why = "bad percent-encoding in the key";
                return SERVE_BAD_REQUEST;
            }
            ch = (char)(h * 16 + l);
            i += 2;
        }
        if (k == SERVE_MAX_KEY) {
            *why = "the key is longer than " TEXT(SERVE_MAX_KEY) " bytes";
            return SERVE_KEY_TOO_LONG;
        }
        out[k++] = ch;
    }
    *outlen = k;
    return 0;
}

/* Parse method and path into rt; 0, or an error status with why and, for
 * 405, the methods allowed. */
static unsigned route_parse(const char *url, const char *method, route *rt, const char **why,
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
            *why = "unknown path (keys are one path segment: encode '/' as %2F)";
            return SERVE_NOT_FOUND;
        }
        rt->kind = slash ? R_CAS : R_KV;
        if (rt->kind == R_CAS ? !post : !(get || put)) {
            *allow = rt->kind == R_CAS ? "POST" : "GET, HEAD, PUT";
            *why = rt->kind == R_CAS ? "method not allowed: use POST"
                                     : "method not allowed: use GET or PUT";
            return SERVE_BAD_METHOD;
        }
        unsigned st = decode_key(seg, n, rt->key, &rt->klen, why);
        if (st)
            return st;
        if (!rt->klen) {
            *why = "empty key";
            return SERVE_BAD_REQUEST;
        }
        rt->body = !get;
        return 0;
    }
    static const struct {
        const char *path;
        enum route_kind kind;
        bool post, admin;
    } fixed[] = {
        {"/health", R_HEALTH, false, false},
        {"/admin/state", R_STATE, false, true},
        {"/admin/partition", R_PARTITION, true, true},
        {"/admin/heal", R_HEAL, true, true},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (strcmp(url, fixed[i].path))
            continue;
        rt->kind = fixed[i].kind;
        rt->admin = fixed[i].admin;
        if (fixed[i].post ? !post : !get) {
            *allow = fixed[i].post ? "POST" : "GET, HEAD";
            *why = fixed[i].post ? "method not allowed: use POST" : "method not allowed: use GET";
            return SERVE_BAD_METHOD;
        }
        rt->body = fixed[i].post;
        return 0;
    }
    *why = "unknown path (try GET /kv/KEY, PUT /kv/KEY, POST /kv/KEY/cas, GET /health)";
    return SERVE_NOT_FOUND;
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

/* May rq use the admin endpoints? 0, or 401 or 403 with why. */
static unsigned admin_allowed(const api_config *cfg, const api_request *rq, const char **why)
{
    if (!cfg->admin_token) {
        if (cfg->admin_open)
            return 0;
        *why = "the admin endpoints are off: conch serve listens on an address other than "
               "loopback, and no --admin-token was given";
        return SERVE_FORBIDDEN;
    }
    const char *auth = rq->header ? rq->header(rq->ctx, "Authorization") : NULL;
    if (auth && !strncasecmp(auth, "Bearer ", 7) && same_secret(auth + 7, cfg->admin_token))
        return 0;
    *why = auth ? "wrong admin token"
                : "the admin endpoints need Authorization: Bearer <the --admin-token>";
    return SERVE_UNAUTHORIZED;
}

api_step api_head(cluster *c, int node, const api_config *cfg, const api_request *rq,
                  api_response *out)
{
    route rt;
    const char *why, *allow;
    unsigned st = route_parse(rq->path, rq->method, &rt, &why, &allow);
    if (!st && rt.admin)
        st = admin_allowed(cfg, rq, &why);
    if (st) {
        response_init(out);
        answer_error(c, node, out, st, why);
        out->allow = allow;
        if (st == SERVE_UNAUTHORIZED)
            out->authenticate = "Bearer realm=\"conch serve admin\"";
        return API_ANSWER;
    }
    if (!rt.body)
        return API_NO_BODY;
    const char *cl = rq->header ? rq->header(rq->ctx, "Content-Length") : NULL;
    if (cl && strtoull(cl, NULL, 10) > cfg->max_body) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", cfg->max_body);
        response_init(out);
        answer_error(c, node, out, SERVE_TOO_LARGE, msg);
        return API_ANSWER;
    }
    return API_READ_BODY;
}

/* ---- handlers ---- */

/* Parse body as a JSON object; NULL with why on failure. New reference. */
static json_t *parse_body(const char *body, size_t len, char *why, size_t whylen)
{
    json_error_t err;
    json_t *j = json_loadb(body ? body : "", len, 0, &err);
    if (!j) {
        snprintf(why, whylen, "the body is not JSON: %s (line %d, column %d)", err.text, err.line,
                 err.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        snprintf(why, whylen, "the body must be a JSON object");
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The canonical text of field name of obj (malloc'd), or NULL with why. */
static char *field_text(json_t *obj, const char *name, const char *shape, char *why, size_t whylen)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        snprintf(why, whylen, "the body must be %s: \"%s\" is missing", shape, name);
        return NULL;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        snprintf(why, whylen, "\"%s\" cannot be encoded", name);
    return s;
}

static void kv_request(cluster *c, int node, const api_config *cfg, const route *rt,
                       const api_request *rq, api_response *out)
{
    static const char cas_shape[] = "{" SERVE_FIELD(SERVE_OLD) "..., " SERVE_FIELD(SERVE_NEW) "...}";
    static const char put_shape[] = "{" SERVE_FIELD(SERVE_VALUE) "...}";
    char why[256];
    cluster_req req = {.key = rt->key, .klen = rt->klen};
    char *val = NULL, *old = NULL;
    json_t *j = NULL;

    const char *tok = rq->header ? rq->header(rq->ctx, SERVE_SESSION_HEADER) : NULL;
    if (tok) {
        char *end;
        errno = 0;
        long long t = strtoll(tok, &end, 10);
        if (!*tok || *end || errno || t < 0) {
            snprintf(why, sizeof why, "%s must be a whole number >= 0", SERVE_SESSION_HEADER);
            answer_error(c, node, out, SERVE_BAD_REQUEST, why);
            goto out;
        }
        req.token = t;
    }
    if (rt->kind == R_CAS) {
        req.kind = CLUSTER_CAS;
        if (!(j = parse_body(rq->body, rq->blen, why, sizeof why)) ||
            !(old = field_text(j, SERVE_OLD, cas_shape, why, sizeof why)) ||
            !(val = field_text(j, SERVE_NEW, cas_shape, why, sizeof why))) {
            answer_error(c, node, out, SERVE_BAD_REQUEST, why);
            goto out;
        }
    } else if (!rt->get) {
        req.kind = CLUSTER_PUT;
        if (!(j = parse_body(rq->body, rq->blen, why, sizeof why)) ||
            !(val = field_text(j, SERVE_VALUE, put_shape, why, sizeof why))) {
            answer_error(c, node, out, SERVE_BAD_REQUEST, why);
            goto out;
        }
    } else {
        req.kind = CLUSTER_GET;
    }
    if (val) {
        req.val = val;
        req.vlen = strlen(val);
    }
    if (old) {
        req.old = old;
        req.oldlen = strlen(old);
    }

    cluster_res res;
    (cfg->exec ? cfg->exec : cluster_do)(c, node, &req, &res);
    sbuf *b = &out->body;
    serve_status status;
    switch (res.status) {
    case CLUSTER_OK:
        status = SERVE_OK;
        if (req.kind == CLUSTER_GET)
            field_json(b, SERVE_VALUE, res.val);
        field_int(b, SERVE_VERSION, res.version);
        break;
    case CLUSTER_NOT_FOUND:
        status = SERVE_NOT_FOUND;
        field_str(b, SERVE_ERROR, SERVE_ABSENT);
        break;
    case CLUSTER_CAS_FAILED:
        status = SERVE_CAS_MISMATCH;
        field_str(b, SERVE_ERROR, "cas failed: the current value differs");
        field_json(b, SERVE_VALUE, res.val);
        field_int(b, SERVE_VERSION, res.version);
        break;
    default:
        status = res.status == CLUSTER_REJECTED ? SERVE_BAD_REQUEST : SERVE_UNAVAILABLE;
        field_str(b, SERVE_ERROR, res.why);
        break;
    }
    field_node(b, node);
    answer_object(out, status, res.token);
    cluster_res_free(&res);
out:
    free(val);
    free(old);
    json_decref(j);
}

/* POST /admin/partition {"groups":[["n1"],["n2","n3"]]}: nodes named in no
 * group are each cut off alone. */
static void partition_request(cluster *c, int node, const api_request *rq, api_response *out)
{
    int n = cluster_config_get(c)->n;
    char why[256];
    int group[CLUSTER_MAX_NODES];
    for (int i = 0; i < n; i++)
        group[i] = -1;
    json_t *j = parse_body(rq->body, rq->blen, why, sizeof why), *groups = NULL;
    if (j && !json_is_array(groups = json_object_get(j, "groups"))) {
        snprintf(why, sizeof why, "the body must be {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}");
        goto bad;
    }
    if (!j)
        goto bad;
    size_t gi;
    json_t *g;
    json_array_foreach(groups, gi, g) {
        if (!json_is_array(g)) {
            snprintf(why, sizeof why, "groups[%zu] is not an array of node names", gi);
            goto bad;
        }
        size_t ni;
        json_t *nm;
        json_array_foreach(g, ni, nm) {
            int idx = json_is_string(nm) ? cluster_node_index(c, json_string_value(nm)) : -1;
            if (idx < 0) {
                snprintf(why, sizeof why, "groups[%zu][%zu] names no node (n1 .. n%d)", gi, ni, n);
                goto bad;
            }
            if (group[idx] >= 0) {
                snprintf(why, sizeof why, "n%d is in more than one group", idx + 1);
                goto bad;
            }
            group[idx] = (int)gi;
        }
    }
    int next = (int)json_array_size(groups);
    for (int i = 0; i < n; i++)
        if (group[i] < 0)
            group[i] = next++;
    json_decref(j);
    cluster_partition(c, group);
    field_json(&out->body, "ok", "true");
    field_node(&out->body, node);
    answer_object(out, SERVE_OK, cluster_token(c, node));
    return;
bad:
    json_decref(j);
    answer_error(c, node, out, SERVE_BAD_REQUEST, why);
}

void api_handle(cluster *c, int node, const api_config *cfg, const api_request *rq,
                api_response *out)
{
    response_init(out);
    if (api_head(c, node, cfg, rq, out) == API_ANSWER)
        return;
    if (rq->too_big) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", cfg->max_body);
        answer_error(c, node, out, SERVE_TOO_LARGE, msg);
        return;
    }
    route rt;
    const char *why, *allow;
    route_parse(rq->path, rq->method, &rt, &why, &allow); /* api_head accepted it */
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
