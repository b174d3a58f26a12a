/*
 * test_store_api.c - conch serve's HTTP API (store/api.h) without a
 * server: requests go straight to api_head and api_handle, on a cluster in
 * manual mode whose messages the test delivers.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "../../store/api.h"

/* Run an operation to the end with no threads: send, deliver, collect. */
static void exec_now(cluster *c, int node, const cluster_req *rq, cluster_res *out)
{
    cluster_op *op = cluster_begin(c, node, rq);
    cluster_pump(c);
    cluster_end(c, op, false, out);
}

static cluster *make(cluster_mode mode)
{
    cluster_config cfg = {.n = 3, .mode = mode, .r = 2, .w = 2, .gossip_ms = 100,
                          .timeout_ms = 1000, .seed = 1, .manual = true};
    return cluster_new(&cfg);
}

/* Request headers: "Name: value" strings, NULL-terminated. */
static const char *lookup(void *ctx, const char *name)
{
    for (const char *const *h = ctx; *h; h++) {
        size_t n = strlen(name);
        if (!strncasecmp(*h, name, n) && (*h)[n] == ':')
            return *h + n + 2;
    }
    return NULL;
}

typedef struct req_spec {
    const char *method, *path, *body;
    const char *headers[4];
} req_spec;

/* Send r as a server would (head, then the whole request); status, and
 * the body into *body when asked for. */
static unsigned ask(cluster *c, int node, const api_config *cfg, const req_spec *r,
                     api_response *keep)
{
    api_request rq = {r->method, r->path, lookup, (void *)r->headers, r->body,
                      r->body ? strlen(r->body) : 0, false};
    api_response out;
    if (api_head(c, node, cfg, &rq, &out) != API_ANSWER)
        api_handle(c, node, cfg, &rq, &out);
    unsigned st = out.status;
    cr_assert(out.body.len > 0 && out.body.p[out.body.len - 1] == '\n');
    if (keep)
        *keep = out;
    else
        api_response_free(&out);
    return st;
}

static const api_config open_cfg = {.max_body = 64, .admin_open = true, .exec = exec_now};

Test(store_api, routes_and_bad_requests)
{
    cluster *c = make(CLUSTER_LINEARIZABLE);
    static const struct {
        req_spec r;
        unsigned want;
    } cases[] = {
        {{"PUT", "/kv/a%2Fb", "{\"value\":[1,2]}", {NULL}}, 200},
        {{"GET", "/kv/a%2Fb", NULL, {NULL}}, 200},
        {{"GET", "/kv/nope", NULL, {NULL}}, 404},
        {{"POST", "/kv/a%2Fb/cas", "{\"old\":[1,2],\"new\":3}", {NULL}}, 200},
        {{"POST", "/kv/a%2Fb/cas", "{\"old\":[1,2],\"new\":4}", {NULL}}, 412},
        {{"GET", "/kv/a/b", NULL, {NULL}}, 404},
        {{"DELETE", "/kv/a", NULL, {NULL}}, 405},
        {{"GET", "/kv/", NULL, {NULL}}, 400},
        {{"GET", "/kv/%zz", NULL, {NULL}}, 400},
        {{"PUT", "/kv/a", "[1]", {NULL}}, 400},
        {{"PUT", "/kv/a", "{\"val\":1}", {NULL}}, 400},
        {{"PUT", "/kv/a", "{\"value\":1}", {"Content-Length: 100000", NULL}}, 413},
        {{"GET", "/kv/a", NULL, {"X-Conch-Session: -1", NULL}}, 400},
        {{"GET", "/health", NULL, {NULL}}, 200},
        {{"GET", "/nowhere", NULL, {NULL}}, 404},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned st = ask(c, 1, &open_cfg, &cases[i].r, NULL);
        cr_assert_eq(st, cases[i].want, "%s %s: %u, want %u", cases[i].r.method, cases[i].r.path,
                     st, cases[i].want);
    }
    char key[SERVE_MAX_KEY + 8] = "/kv/";
    memset(key + 4, 'k', SERVE_MAX_KEY + 1);
    req_spec longkey = {"GET", key, NULL, {NULL}};
    cr_assert_eq(ask(c, 0, &open_cfg, &longkey, NULL), 414);
    /* A body thrown away for its size is refused at the end. */
    api_request big = {"PUT", "/kv/a", lookup, (void *)(const char *[]){NULL}, NULL, 0, true};
    api_response out;
    api_handle(c, 0, &open_cfg, &big, &out);
    cr_assert_eq(out.status, 413);
    api_response_free(&out);
    cluster_free(c);
}

Test(store_api, admin_endpoints_need_a_token_off_loopback)
{
    cluster *c = make(CLUSTER_LINEARIZABLE);
    req_spec heal = {"POST", "/admin/heal", "", {NULL}};
    req_spec state = {"GET", "/admin/state", NULL, {NULL}};
    req_spec kv = {"PUT", "/kv/x", "{\"value\":1}", {NULL}};
    /* On loopback without a token: open. */
    cr_assert_eq(ask(c, 0, &open_cfg, &heal, NULL), 200);
    /* Elsewhere without a token: off, and the rest of the API works. */
    api_config off = open_cfg;
    off.admin_open = false;
    api_response out;
    cr_assert_eq(ask(c, 0, &off, &state, &out), 403);
    cr_assert(strstr(out.body.p, "--admin-token"), "%s", out.body.p);
    api_response_free(&out);
    cr_assert_eq(ask(c, 0, &off, &heal, NULL), 403);
    cr_assert_eq(ask(c, 0, &off, &kv, NULL), 200);
    /* With a token, anywhere: only a request that bears it. */
    api_config tok = off;
    tok.admin_token = "s3cr3t";
    for (int loop = 0; loop < 2; loop++) {
        tok.admin_open = loop;
        cr_assert_eq(ask(c, 0, &tok, &state, &out), 401);
        cr_assert_not_null(out.authenticate);
        api_response_free(&out);
        req_spec wrong = {"GET", "/admin/state", NULL, {"Authorization: Bearer s3cr3u", NULL}};
        req_spec shorter = {"GET", "/admin/state", NULL, {"Authorization: Bearer s3cr3", NULL}};
        req_spec basic = {"GET", "/admin/state", NULL, {"Authorization: Basic s3cr3t", NULL}};
        req_spec right = {"GET", "/admin/state", NULL, {"Authorization: bearer s3cr3t", NULL}};
        cr_assert_eq(ask(c, 0, &tok, &wrong, NULL), 401);
        cr_assert_eq(ask(c, 0, &tok, &shorter, NULL), 401);
        cr_assert_eq(ask(c, 0, &tok, &basic, NULL), 401);
        cr_assert_eq(ask(c, 0, &tok, &right, NULL), 200);
        cr_assert_eq(ask(c, 0, &tok, &kv, NULL), 200);
    }
    cluster_free(c);
}

Test(store_api, session_token_beyond_the_store_is_400)
{
    cluster *c = make(CLUSTER_SESSION);
    req_spec put = {"PUT", "/kv/x", "{\"value\":1}", {NULL}};
    api_response out;
    cr_assert_eq(ask(c, 0, &open_cfg, &put, &out), 200);
    cr_assert_eq(out.token, 1);
    api_response_free(&out);
    req_spec known = {"GET", "/kv/x", NULL, {"X-Conch-Session: 1", NULL}};
    req_spec future = {"GET", "/kv/x", NULL, {"X-Conch-Session: 2", NULL}};
    cr_assert_eq(ask(c, 1, &open_cfg, &known, NULL), 200);
    cr_assert_eq(ask(c, 1, &open_cfg, &future, &out), 400);
    cr_assert(strstr(out.body.p, "beyond every token"), "%s", out.body.p);
    api_response_free(&out);
    cluster_free(c);
}

Test(store_api, loopback_addresses)
{
    static const struct {
        const char *addr;
        bool loopback;
    } cases[] = {
        {"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true}, {"::ffff:127.0.0.1", true},
        {"0.0.0.0", false}, {"10.0.0.1", false}, {"::", false}, {"::ffff:10.0.0.1", false},
        {"fe80::1", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sockaddr_storage ss = {0};
        if (strchr(cases[i].addr, ':')) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            a->sin6_family = AF_INET6;
            cr_assert_eq(inet_pton(AF_INET6, cases[i].addr, &a->sin6_addr), 1);
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            a->sin_family = AF_INET;
            cr_assert_eq(inet_pton(AF_INET, cases[i].addr, &a->sin_addr), 1);
        }
        cr_assert_eq(api_loopback((struct sockaddr *)&ss), cases[i].loopback, "%s",
                     cases[i].addr);
    }
}

/* GET /admin/state is one JSON object: the knobs, the partition, and per
 * replica what its mode keeps and its counters. */
Test(store_api, state_is_json_with_what_each_mode_keeps)
{
    static const struct {
        cluster_mode mode;
        const char *has, *lacks; /* a field of every replica, and one it must not have */
    } cases[] = {
        {CLUSTER_LINEARIZABLE, "applied", "seen"},
        {CLUSTER_SESSION, "applied", "gossip"},
        {CLUSTER_EVENTUAL, "seen", "applied"},
        {CLUSTER_QUORUM, "read_repairs", "applied"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cluster *c = make(cases[i].mode);
        req_spec put = {"PUT", "/kv/x", "{\"value\":1}", {NULL}};
        req_spec cut = {"POST", "/admin/partition", "{\"groups\":[[\"n3\",\"n1\"]]}", {NULL}};
        req_spec state = {"GET", "/admin/state", NULL, {NULL}};
        cr_assert_eq(ask(c, 0, &open_cfg, &put, NULL), 200);
        cr_assert_eq(ask(c, 0, &open_cfg, &cut, NULL), 200);
        api_response out;
        cr_assert_eq(ask(c, 0, &open_cfg, &state, &out), 200);
        json_error_t err;
        json_t *j = json_loadb(out.body.p, out.body.len, 0, &err);
        cr_assert_not_null(j, "%s: %s", err.text, out.body.p);
        const char *mode = cluster_mode_name(cases[i].mode);
        cr_assert_str_eq(json_string_value(json_object_get(j, "mode")), mode);
        cr_assert_eq(json_integer_value(json_object_get(j, "replicas")), 3);
        cr_assert_eq(json_object_get(j, "leader") != NULL, cases[i].mode <= CLUSTER_SESSION);
        cr_assert_eq(json_object_get(j, "r") != NULL, cases[i].mode == CLUSTER_QUORUM);
        char *groups = json_dumps(json_object_get(j, "partition"), JSON_COMPACT);
        cr_assert_str_eq(groups, "[[\"n1\",\"n3\"],[\"n2\"]]", "%s: %s", mode, groups);
        free(groups);
        json_t *nodes = json_object_get(j, "nodes");
        cr_assert_eq(json_array_size(nodes), 3);
        for (size_t n = 0; n < 3; n++) {
            json_t *nd = json_array_get(nodes, n);
            char name[12];
            cluster_node_name((int)n, name);
            cr_assert_str_eq(json_string_value(json_object_get(nd, "node")), name);
            cr_assert(json_object_get(nd, cases[i].has), "%s %s: no %s", mode, name,
                      cases[i].has);
            cr_assert_null(json_object_get(nd, cases[i].lacks), "%s %s: %s", mode, name,
                           cases[i].lacks);
            cr_assert(json_is_object(json_object_get(nd, "ops")));
            cr_assert(json_is_object(json_object_get(nd, "messages")));
        }
        cr_assert_eq(json_integer_value(json_object_get(
                         json_object_get(json_array_get(nodes, 0), "ops"), "put")),
                     1, "%s: n1 counted the put", mode);
        json_decref(j);
        api_response_free(&out);
        cluster_free(c);
    }
}
