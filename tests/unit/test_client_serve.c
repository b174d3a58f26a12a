/*
 * test_client_serve.c - the conch adapter (clients/adapter_conch.c) against
 * conch serve's HTTP layer (store/api.c), in process: the adapter's request
 * goes to api_head and api_handle as libmicrohttpd would hand it over, the
 * answer (status, body, session token) comes back to the adapter, on a
 * cluster in manual mode whose messages the test delivers. Both sides
 * speak proto/serve.h; this checks that they agree on every outcome a
 * client records: ok, fail (with cas mismatches apart) and info.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../../clients/adapter.h"
#include "../../store/api.h"

/* One client of one store: its values and the session token it keeps. */
typedef struct client {
    cluster *c;
    vtab *vt;
    char token[24]; /* "" until a response carries one */
} client;

/* Run an operation to the end with no threads: send, deliver, collect. */
static void exec_now(cluster *c, int node, const cluster_req *rq, cluster_res *out)
{
    cluster_op *op = cluster_begin(c, node, rq);
    cluster_pump(c);
    cluster_end(c, op, false, out);
}

static const api_config cfg = {.max_body = 1 << 20, .admin_open = true, .exec = exec_now};

/* The request headers the adapter sends: its session token, once it has one. */
static const char *header(void *ctx, const char *name)
{
    client *cl = ctx;
    if (cl->token[0] && !strcasecmp(name, adp_conch.session_header))
        return cl->token;
    return NULL;
}

static client *client_new(cluster_mode mode)
{
    cluster_config cc = {.n = 3, .mode = mode, .r = 2, .w = 2, .gossip_ms = 100,
                         .timeout_ms = 1000, .seed = 1, .manual = true};
    client *cl = calloc(1, sizeof *cl);
    cl->c = cluster_new(&cc);
    cl->vt = vtab_new();
    return cl;
}

static void client_free(client *cl)
{
    cluster_free(cl->c);
    vtab_free(cl->vt);
    free(cl);
}

/* kind on key at replica node, through both sides; the adapter's verdict.
 * The client keeps the session token it is handed, as conch run does. */
static adp_result ask(client *cl, int node, adp_kind kind, const char *key, val a, val b)
{
    adp_req req = {0};
    adp_conch.request(NULL, cl->vt, kind, key, a, b, &req);
    api_request rq = {req.method, sbuf_str(&req.path), header, cl,
                      req.body.len ? req.body.p : NULL, req.body.len, false};
    api_response out;
    if (api_head(cl->c, node, &cfg, &rq, &out) != API_ANSWER)
        api_handle(cl->c, node, &cfg, &rq, &out);
    snprintf(cl->token, sizeof cl->token, "%lld", (long long)out.token);
    adp_resp resp = {.status = out.status, .body = out.body.p, .len = out.body.len};
    adp_result r;
    adp_result_init(&r);
    adp_conch.response(NULL, cl->vt, kind, &resp, &r);
    api_response_free(&out);
    sbuf_free(&req.path);
    sbuf_free(&req.body);
    return r;
}

/* A JSON text as a value of cl's table. */
static val json(client *cl, const char *text)
{
    val v;
    cr_assert(adp_json_val(cl->vt, text, strlen(text), &v), "%s", text);
    return v;
}

/* An ok answer names the version it read or wrote. */
static void expect(client *cl, adp_result r, hist_type type, val value, const char *node,
                   const char *what)
{
    cr_assert_eq(r.type, type, "%s: type %d, want %d (%s)", what, r.type, type,
                 sbuf_str(&r.error));
    if (type == EV_OK) {
        cr_assert(val_eq(r.value, value), "%s: another value", what);
        cr_assert_neq(r.version, HIST_NONE, "%s: no version", what);
    }
    if (node)
        cr_assert(val_is_str(cl->vt, r.node, node), "%s: not answered by %s", what, node);
    sbuf_free(&r.error);
}

Test(client_serve, every_mode_reads_what_was_written)
{
    static const cluster_mode modes[] = {CLUSTER_LINEARIZABLE, CLUSTER_SESSION,
                                         CLUSTER_EVENTUAL, CLUSTER_QUORUM};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        client *cl = client_new(modes[i]);
        const char *m = cluster_mode_name(modes[i]);
        /* One replica throughout: eventual mode reads only what it holds. */
        adp_result r = ask(cl, 1, ADP_READ, "x", val_nil(), val_nil());
        cr_assert_eq(r.type, EV_OK, "%s: a read of an absent key: %s", m, sbuf_str(&r.error));
        cr_assert(val_is_nil(r.value) && r.version == HIST_NONE);
        cr_assert(val_is_str(cl->vt, r.node, "n2"));
        val v = json(cl, "{\"b\":[1,2.5,\"\\u00e9\"],\"a\":null}");
        expect(cl, ask(cl, 1, ADP_WRITE, "x", v, val_nil()), EV_OK, val_nil(), "n2", m);
        expect(cl, ask(cl, 1, ADP_READ, "x", val_nil(), val_nil()), EV_OK, v, "n2", m);
        /* Keys are one path segment: the adapter escapes, the store decodes. */
        val w = json(cl, "\"slash\"");
        expect(cl, ask(cl, 1, ADP_WRITE, "a/b c%", w, val_nil()), EV_OK, val_nil(), "n2", m);
        expect(cl, ask(cl, 1, ADP_READ, "a/b c%", val_nil(), val_nil()), EV_OK, w, "n2", m);
        client_free(cl);
    }
}

Test(client_serve, cas_matches_and_mismatches)
{
    client *cl = client_new(CLUSTER_LINEARIZABLE);
    /* An absent key is nil to the client and null to the store. */
    expect(cl, ask(cl, 2, ADP_CAS, "k", val_nil(), val_int(1)), EV_OK, val_nil(), "n3",
           "cas from nil");
    expect(cl, ask(cl, 2, ADP_CAS, "k", val_int(1), val_int(2)), EV_OK, val_nil(), "n3",
           "cas 1 -> 2");
    adp_result r = ask(cl, 0, ADP_CAS, "k", val_int(1), val_int(3));
    cr_assert_eq(r.type, EV_FAIL, "cas from a value gone: %s", sbuf_str(&r.error));
    cr_assert(r.mismatch, "a mismatch, the one fail an append retries");
    sbuf_free(&r.error);
    expect(cl, ask(cl, 0, ADP_READ, "k", val_nil(), val_nil()), EV_OK, val_int(2), "n1",
           "the value the cas left");
    client_free(cl);
}

Test(client_serve, refusals_fail_and_unknowns_are_info)
{
    client *cl = client_new(CLUSTER_LINEARIZABLE);
    /* Refused before anything was done: fail, and not a cas mismatch. */
    char key[SERVE_MAX_KEY + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    adp_result r = ask(cl, 0, ADP_WRITE, key, val_int(1), val_nil());
    cr_assert_eq(r.type, EV_FAIL, "a key too long: %s", sbuf_str(&r.error));
    cr_assert_not(r.mismatch);
    cr_assert(strstr(sbuf_str(&r.error), "HTTP 414"), "%s", sbuf_str(&r.error));
    sbuf_free(&r.error);
    /* A replica cut off from the leader cannot know: info. */
    cluster_partition(cl->c, (const int[]){0, 1, 0});
    r = ask(cl, 1, ADP_WRITE, "x", val_int(1), val_nil());
    cr_assert_eq(r.type, EV_INFO, "a write the leader cannot be asked for: %s",
                 sbuf_str(&r.error));
    cr_assert(strstr(sbuf_str(&r.error), "HTTP 503"), "%s", sbuf_str(&r.error));
    sbuf_free(&r.error);
    r = ask(cl, 1, ADP_READ, "x", val_nil(), val_nil());
    cr_assert_eq(r.type, EV_INFO, "a read: %s", sbuf_str(&r.error));
    sbuf_free(&r.error);
    client_free(cl);
}

Test(client_serve, session_tokens_travel_both_ways)
{
    client *cl = client_new(CLUSTER_SESSION);
    expect(cl, ask(cl, 0, ADP_WRITE, "x", val_int(7), val_nil()), EV_OK, val_nil(), "n1",
           "write at the leader");
    cr_assert_str_eq(cl->token, "1", "the write's index comes back as the token");
    expect(cl, ask(cl, 2, ADP_READ, "x", val_nil(), val_nil()), EV_OK, val_int(7), "n3",
           "a read at a follower with the token");
    /* A token from another run can never be caught up with: refused. */
    strcpy(cl->token, "99");
    adp_result r = ask(cl, 2, ADP_READ, "x", val_nil(), val_nil());
    cr_assert_eq(r.type, EV_FAIL, "%s", sbuf_str(&r.error));
    cr_assert(strstr(sbuf_str(&r.error), "beyond every token"), "%s", sbuf_str(&r.error));
    sbuf_free(&r.error);
    client_free(cl);
}
