/*
 * test_client_adapters.c - the store adapters' requests and the
 * classification of their answers, without a server: the conch store's API,
 * and etcd's JSON gateway with its quirks (int64 as strings, absent fields
 * at zero values, base64, gRPC error bodies); etcd's transactions of
 * several keys: the read of every key in one txn, the commit guarded by
 * each key's mod_revision (an absent key by create_revision 0), a failed
 * compare a fail with mismatch (nothing was written), an answer that
 * cannot be read or an error that leaves the outcome open info.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "../../clients/adapter.h"
#include "../../clients/adapter_txn.h"
#include "../../clients/b64.h"

/* ---- helpers ---- */

typedef struct built {
    vtab *vt;
    adp_req req;
    json_t *body; /* parsed request body, or NULL */
} built;

static built build(const adp_type *t, const adp_opts *o, adp_kind kind, const char *key,
                   val a, val b, vtab *vt)
{
    built x = {vt, {0}, NULL};
    t->request(o, vt, kind, key, a, b, &x.req);
    if (x.req.body.len)
        x.body = json_loadb(x.req.body.p, x.req.body.len, 0, NULL);
    return x;
}

static void built_free(built *x)
{
    sbuf_free(&x->req.path);
    sbuf_free(&x->req.body);
    json_decref(x->body);
}

static adp_result answer(const adp_type *t, vtab *vt, adp_kind kind, long status,
                         const char *body)
{
    adp_result r;
    adp_result_init(&r);
    adp_resp resp = {.status = status, .body = body, .len = strlen(body)};
    t->response(NULL, vt, kind, &resp, &r);
    return r;
}

static char *b64(const char *s)
{
    sbuf b = {0};
    b64_encode(s, strlen(s), &b);
    return b.p ? b.p : strdup("");
}

/* The decoded bytes of a base64 JSON string field. */
static char *unb64_field(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    cr_assert(json_is_string(v), "field %s is not a string", name);
    sbuf b = {0};
    cr_assert(b64_decode(json_string_value(v), json_string_length(v), &b));
    return b.p ? b.p : strdup("");
}

/* ---- base64 ---- */

Test(b64, rfc4648_vectors)
{
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        sbuf e = {0}, d = {0};
        b64_encode(in[i], strlen(in[i]), &e);
        cr_assert_str_eq(sbuf_str(&e), out[i]);
        cr_assert(b64_decode(out[i], strlen(out[i]), &d));
        cr_assert_str_eq(sbuf_str(&d), in[i]);
        sbuf_free(&e);
        sbuf_free(&d);
    }
}

Test(b64, binary_unpadded_urlsafe_and_bad)
{
    unsigned char bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (unsigned char)i;
    sbuf e = {0}, d = {0};
    b64_encode(bin, sizeof bin, &e);
    cr_assert(b64_decode(e.p, e.len, &d));
    cr_assert_eq(d.len, sizeof bin);
    cr_assert(memcmp(d.p, bin, sizeof bin) == 0);
    sbuf_reset(&d);
    cr_assert(b64_decode("Zm8", 3, &d)); /* no padding */
    cr_assert_str_eq(sbuf_str(&d), "fo");
    sbuf_reset(&d);
    cr_assert(b64_decode("-_8", 3, &d)); /* URL-safe alphabet */
    cr_assert_eq((unsigned char)d.p[0], 0xfb);
    cr_assert_eq((unsigned char)d.p[1], 0xff);
    sbuf_reset(&d);
    cr_assert_not(b64_decode("Zm9v!", 5, &d));
    sbuf_reset(&d);
    cr_assert_not(b64_decode("Z", 1, &d));
    sbuf_reset(&d);
    cr_assert_not(b64_decode("Zg=v", 4, &d));
    sbuf_free(&e);
    sbuf_free(&d);
}

/* ---- conch ---- */

Test(adapter_conch, requests)
{
    vtab *vt = vtab_new();
    built x = build(&adp_conch, NULL, ADP_READ, "a/b c", val_nil(), val_nil(), vt);
    cr_assert_str_eq(x.req.method, "GET");
    cr_assert_str_eq(sbuf_str(&x.req.path), "/kv/a%2Fb%20c");
    cr_assert_eq(x.req.body.len, 0);
    built_free(&x);

    x = build(&adp_conch, NULL, ADP_WRITE, "k1", val_int(17), val_nil(), vt);
    cr_assert_str_eq(x.req.method, "PUT");
    cr_assert_str_eq(sbuf_str(&x.req.path), "/kv/k1");
    cr_assert_str_eq(sbuf_str(&x.req.body), "{\"value\":17}");
    built_free(&x);

    val one = val_int(3);
    val list = val_list(vt, &one, 1);
    x = build(&adp_conch, NULL, ADP_CAS, "k1", val_int(17), list, vt);
    cr_assert_str_eq(x.req.method, "POST");
    cr_assert_str_eq(sbuf_str(&x.req.path), "/kv/k1/cas");
    cr_assert(x.body);
    cr_assert_eq(json_integer_value(json_object_get(x.body, "old")), 17);
    cr_assert(json_is_array(json_object_get(x.body, "new")));
    built_free(&x);

    x = build(&adp_conch, NULL, ADP_CAS, "k1", val_nil(), val_int(4), vt);
    cr_assert(json_is_null(json_object_get(x.body, "old")));
    built_free(&x);
    vtab_free(vt);
}

Test(adapter_conch, read_answers)
{
    vtab *vt = vtab_new();
    adp_result r = answer(&adp_conch, vt, ADP_READ, 200,
                          "{\"value\":42,\"version\":7,\"node\":\"n2\"}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert(val_eq(r.value, val_int(42)));
    cr_assert_eq(r.version, 7);
    cr_assert(val_is_str(vt, r.node, "n2"));
    sbuf_free(&r.error);

    r = answer(&adp_conch, vt, ADP_READ, 200, "{\"value\":[1,2],\"version\":\"9\"}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.value.kind, VAL_LIST);
    cr_assert_eq(r.version, 9, "a version in a string is read too");
    sbuf_free(&r.error);

    r = answer(&adp_conch, vt, ADP_READ, 404, "{\"error\":\"not found\"}");
    cr_assert_eq(r.type, EV_OK, "404 to a read is the absent value");
    sbuf_free(&r.error);
    /* Regression: any 404 was an ok read of nil, so a run against a web
     * server that is not a store (a wrong port) passed as linearizable. */
    r = answer(&adp_conch, vt, ADP_READ, 404, "<html><body>Not Found</body></html>");
    cr_assert_eq(r.type, EV_FAIL, "a 404 that is not conch serve's reads nothing");
    sbuf_free(&r.error);

    r = answer(&adp_conch, vt, ADP_READ, 200, "{\"version\":3}");
    cr_assert_eq(r.type, EV_INFO, "a read with no value says nothing");
    sbuf_free(&r.error);

    r = answer(&adp_conch, vt, ADP_READ, 200, "<html>oops");
    cr_assert_eq(r.type, EV_INFO);
    cr_assert(strstr(sbuf_str(&r.error), "HTTP 200"));
    sbuf_free(&r.error);
    vtab_free(vt);
}

Test(adapter_conch, write_and_cas_answers)
{
    vtab *vt = vtab_new();
    adp_result r = answer(&adp_conch, vt, ADP_WRITE, 200, "{\"version\":12,\"node\":\"n1\"}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.version, 12);
    sbuf_free(&r.error);

    /* Regression: a 2xx whose body cannot be read was ok. A write or cas
     * that does not say which version it wrote may not be conch serve's
     * answer at all: unknown. */
    static const char *const unreadable[] = {
        "", "<html><body>OK</body></html>", "{\"version\":12,\"no", "{\"node\":\"n1\"}",
        "{\"version\":\"twelve\"}", "{\"version\":null}", "[12]", "12",
    };
    for (int kind = ADP_WRITE; kind <= ADP_CAS; kind++) {
        for (size_t i = 0; i < sizeof unreadable / sizeof *unreadable; i++) {
            r = answer(&adp_conch, vt, (adp_kind)kind, i ? 200 : 204, unreadable[i]);
            cr_assert_eq(r.type, EV_INFO, "kind %d, body '%s': type %d", kind, unreadable[i],
                         r.type);
            cr_assert(strstr(sbuf_str(&r.error), "without a version"), "%s", sbuf_str(&r.error));
            sbuf_free(&r.error);
        }
    }

    r = answer(&adp_conch, vt, ADP_CAS, 200, "{\"version\":13}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.version, 13);
    sbuf_free(&r.error);

    r = answer(&adp_conch, vt, ADP_CAS, 412, "{\"error\":\"value differs\"}");
    cr_assert_eq(r.type, EV_FAIL, "412: the cas did not happen");
    cr_assert(r.mismatch);
    sbuf_free(&r.error);

    static const long fails[] = {400, 404, 413, 429};
    for (size_t i = 0; i < sizeof fails / sizeof *fails; i++) {
        r = answer(&adp_conch, vt, ADP_WRITE, fails[i], "{\"error\":\"refused\"}");
        cr_assert_eq(r.type, EV_FAIL, "%ld is a refusal", fails[i]);
        cr_assert_not(r.mismatch);
        sbuf_free(&r.error);
    }
    static const long infos[] = {408, 500, 502, 503, 504, 302, 100};
    for (size_t i = 0; i < sizeof infos / sizeof *infos; i++) {
        r = answer(&adp_conch, vt, ADP_CAS, infos[i], "upstream trouble");
        cr_assert_eq(r.type, EV_INFO, "%ld leaves the outcome unknown", infos[i]);
        sbuf_free(&r.error);
    }
    vtab_free(vt);
}

/* ---- etcd ---- */

Test(adapter_etcd, range_request)
{
    vtab *vt = vtab_new();
    built x = build(&adp_etcd, NULL, ADP_READ, "key/1", val_nil(), val_nil(), vt);
    cr_assert_str_eq(x.req.method, "POST");
    cr_assert_str_eq(sbuf_str(&x.req.path), "/v3/kv/range");
    cr_assert(x.body);
    char *k = unb64_field(x.body, "key");
    cr_assert_str_eq(k, "key/1");
    cr_assert_null(json_object_get(x.body, "serializable"));
    free(k);
    built_free(&x);

    adp_opts o = {.serializable = true};
    x = build(&adp_etcd, &o, ADP_READ, "k", val_nil(), val_nil(), vt);
    cr_assert(json_is_true(json_object_get(x.body, "serializable")));
    built_free(&x);
    vtab_free(vt);
}

Test(adapter_etcd, put_and_txn_requests)
{
    vtab *vt = vtab_new();
    built x = build(&adp_etcd, NULL, ADP_WRITE, "k", val_int(17), val_nil(), vt);
    cr_assert_str_eq(sbuf_str(&x.req.path), "/v3/kv/put");
    char *v = unb64_field(x.body, "value");
    cr_assert_str_eq(v, "17", "a value is its JSON text");
    free(v);
    built_free(&x);

    val items[2] = {val_int(1), val_int(2)};
    val list = val_list(vt, items, 2);
    x = build(&adp_etcd, NULL, ADP_CAS, "k", val_int(5), list, vt);
    cr_assert_str_eq(sbuf_str(&x.req.path), "/v3/kv/txn");
    json_t *cmp = json_array_get(json_object_get(x.body, "compare"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(cmp, "target")), "VALUE");
    cr_assert_str_eq(json_string_value(json_object_get(cmp, "result")), "EQUAL");
    v = unb64_field(cmp, "value");
    cr_assert_str_eq(v, "5");
    free(v);
    json_t *put = json_object_get(json_array_get(json_object_get(x.body, "success"), 0),
                                  "requestPut");
    cr_assert(json_is_object(put));
    v = unb64_field(put, "key");
    cr_assert_str_eq(v, "k");
    free(v);
    v = unb64_field(put, "value");
    json_t *arr = json_loads(v, 0, NULL);
    cr_assert(json_is_array(arr) && json_array_size(arr) == 2);
    json_decref(arr);
    free(v);
    built_free(&x);

    /* From absent: etcd fails a VALUE compare on a missing key, so compare
     * create_revision with 0 (an int64: a string). */
    x = build(&adp_etcd, NULL, ADP_CAS, "k", val_nil(), val_int(1), vt);
    cmp = json_array_get(json_object_get(x.body, "compare"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(cmp, "target")), "CREATE");
    cr_assert_str_eq(json_string_value(json_object_get(cmp, "create_revision")), "0");
    cr_assert_null(json_object_get(cmp, "value"));
    built_free(&x);
    vtab_free(vt);
}

Test(adapter_etcd, range_answers)
{
    vtab *vt = vtab_new();
    char *v = b64("[3,4]"), body[512];
    snprintf(body, sizeof body,
             "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"13668033151171901709\","
             "\"revision\":\"9\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"aw==\","
             "\"create_revision\":\"2\",\"mod_revision\":\"5\",\"version\":\"4\","
             "\"value\":\"%s\"}],\"count\":\"1\"}",
             v);
    free(v);
    adp_result r = answer(&adp_etcd, vt, ADP_READ, 200, body);
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.value.kind, VAL_LIST);
    cr_assert_eq(r.version, 5, "mod_revision, an int64 in a string");
    cr_assert(val_is_str(vt, r.node, "13668033151171901709"));
    sbuf_free(&r.error);

    /* A missing key: no kvs, no count (zero values are left out). */
    r = answer(&adp_etcd, vt, ADP_READ, 200,
               "{\"header\":{\"member_id\":\"1\",\"revision\":\"1\"}}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert(val_is_nil(r.value));
    cr_assert_eq(r.version, HIST_NONE);
    sbuf_free(&r.error);

    /* An empty value: the value field is left out. */
    r = answer(&adp_etcd, vt, ADP_READ, 200,
               "{\"header\":{\"revision\":\"3\"},\"kvs\":[{\"key\":\"aw==\","
               "\"mod_revision\":\"3\"}]}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert(val_is_str(vt, r.value, ""));
    sbuf_free(&r.error);

    /* Bytes conch did not write: kept as a string. */
    v = b64("hello");
    snprintf(body, sizeof body,
             "{\"header\":{\"revision\":\"3\"},"
             "\"kvs\":[{\"mod_revision\":\"3\",\"value\":\"%s\"}]}",
             v);
    free(v);
    r = answer(&adp_etcd, vt, ADP_READ, 200, body);
    cr_assert_eq(r.type, EV_OK);
    cr_assert(val_is_str(vt, r.value, "hello"));
    sbuf_free(&r.error);

    r = answer(&adp_etcd, vt, ADP_READ, 200,
               "{\"header\":{},\"kvs\":[{\"value\":\"not base64!\"}]}");
    cr_assert_eq(r.type, EV_INFO);
    sbuf_free(&r.error);

    r = answer(&adp_etcd, vt, ADP_READ, 200, "{\"kvs\":[]");
    cr_assert_eq(r.type, EV_INFO, "a body that does not parse is info");
    sbuf_free(&r.error);
    vtab_free(vt);
}

Test(adapter_etcd, put_and_txn_answers)
{
    vtab *vt = vtab_new();
    adp_result r = answer(&adp_etcd, vt, ADP_WRITE, 200,
                          "{\"header\":{\"member_id\":\"7\",\"revision\":\"42\"}}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.version, 42);
    sbuf_free(&r.error);

    r = answer(&adp_etcd, vt, ADP_CAS, 200,
               "{\"header\":{\"revision\":\"43\"},\"succeeded\":true,"
               "\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"43\"}}}]}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.version, 43);
    sbuf_free(&r.error);

    /* succeeded absent: false. */
    r = answer(&adp_etcd, vt, ADP_CAS, 200, "{\"header\":{\"revision\":\"43\"}}");
    cr_assert_eq(r.type, EV_FAIL);
    cr_assert(r.mismatch);
    cr_assert_eq(r.version, HIST_NONE);
    sbuf_free(&r.error);

    r = answer(&adp_etcd, vt, ADP_CAS, 200, "{\"header\":{},\"succeeded\":false}");
    cr_assert_eq(r.type, EV_FAIL);
    sbuf_free(&r.error);

    /* A success etcd cannot have written: no revision. Unknown. */
    static const struct {
        adp_kind kind;
        const char *body;
    } unreadable[] = {
        {ADP_WRITE, "{\"header\":{\"member_id\":\"7\"}}"},
        {ADP_WRITE, "{\"header\":{\"revision\":\"x\"}}"},
        {ADP_CAS, "{\"header\":{},\"succeeded\":true}"},
        {ADP_WRITE, "<html>OK</html>"},
        {ADP_CAS, "{\"header\":{\"revision\":\"4"},
    };
    for (size_t i = 0; i < sizeof unreadable / sizeof *unreadable; i++) {
        r = answer(&adp_etcd, vt, unreadable[i].kind, 200, unreadable[i].body);
        cr_assert_eq(r.type, EV_INFO, "%s: type %d", unreadable[i].body, r.type);
        cr_assert_not(r.mismatch);
        sbuf_free(&r.error);
    }
    vtab_free(vt);
}

Test(adapter_etcd, error_bodies)
{
    static const struct {
        long status;
        const char *body;
        hist_type want;
    } cases[] = {
        {503, "{\"error\":\"etcdserver: leader changed\",\"code\":14,"
              "\"message\":\"etcdserver: leader changed\"}", EV_INFO},
        {503, "{\"error\":\"etcdserver: request timed out\",\"code\":14}", EV_INFO},
        {504, "{\"error\":\"context deadline exceeded\",\"code\":4}", EV_INFO},
        {500, "{\"error\":\"unknown\",\"code\":2}", EV_INFO},
        {400, "{\"error\":\"etcdserver: key is not provided\",\"code\":3,"
              "\"message\":\"etcdserver: key is not provided\"}", EV_FAIL},
        {429, "{\"error\":\"etcdserver: too many requests\",\"code\":8}", EV_FAIL},
        {401, "{\"error\":\"etcdserver: invalid auth token\",\"code\":16}", EV_FAIL},
        {403, "{\"error\":\"etcdserver: permission denied\",\"code\":7}", EV_FAIL},
        {404, "Not Found\n", EV_FAIL},
        {500, "Internal Server Error", EV_INFO},
        {502, "", EV_INFO},
        {408, "", EV_INFO},
    };
    vtab *vt = vtab_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        adp_result r = answer(&adp_etcd, vt, ADP_WRITE, cases[i].status, cases[i].body);
        cr_assert_eq(r.type, cases[i].want, "case %zu: %ld %s", i, cases[i].status,
                     cases[i].body);
        cr_assert(r.error.len > 0);
        cr_assert_not(r.mismatch);
        sbuf_free(&r.error);
    }
    adp_result r = answer(&adp_etcd, vt, ADP_WRITE, 400,
                          "{\"error\":\"x\",\"code\":3,\"message\":\"etcdserver: bad\"}");
    cr_assert(strstr(sbuf_str(&r.error), "gRPC code 3: etcdserver: bad"));
    sbuf_free(&r.error);
    vtab_free(vt);
}

/* ---- etcd's transactions (adapter_etcd_txn.c) ---- */

static json_t *body_of(const adp_req *req)
{
    json_t *j = json_loadb(req->body.p, req->body.len, 0, NULL);
    cr_assert(json_is_object(j), "the request body is not a JSON object: %s",
              sbuf_str(&req->body));
    return j;
}

static void req_free(adp_req *req)
{
    sbuf_free(&req->path);
    sbuf_free(&req->body);
}

static adp_result read_answer(vtab *vt, long status, const char *body, adp_txn_key *keys,
                              size_t n)
{
    adp_result r;
    adp_result_init(&r);
    adp_resp resp = {.status = status, .body = body, .len = strlen(body)};
    adp_etcd_txn.read_response(NULL, vt, &resp, keys, n, &r);
    return r;
}

static adp_result commit_answer(vtab *vt, long status, const char *body)
{
    adp_result r;
    adp_result_init(&r);
    adp_resp resp = {.status = status, .body = body, .len = strlen(body)};
    adp_etcd_txn.commit_response(NULL, vt, &resp, &r);
    return r;
}

static adp_txn_key key(const char *k)
{
    return (adp_txn_key){.key = k, .len = strlen(k), .value = val_nil(), .version = HIST_NONE,
                         .put = val_nil()};
}

Test(etcd_txn, read_is_one_txn_of_ranges)
{
    adp_txn_key keys[2] = {key("a"), key("b/2")};
    adp_req req = {0};
    adp_etcd_txn.read_request(NULL, keys, 2, &req);
    cr_assert_str_eq(req.method, "POST");
    cr_assert_str_eq(sbuf_str(&req.path), "/v3/kv/txn");
    json_t *b = body_of(&req);
    cr_assert_null(json_object_get(b, "compare"), "a read compares nothing: it always succeeds");
    json_t *ops = json_object_get(b, "success");
    cr_assert_eq(json_array_size(ops), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *range = json_object_get(json_array_get(ops, i), "requestRange");
        char *k = unb64_field(range, "key");
        cr_assert_str_eq(k, keys[i].key);
        free(k);
        cr_assert_null(json_object_get(range, "serializable"));
    }
    json_decref(b);
    req_free(&req);

    adp_opts o = {.serializable = true};
    adp_etcd_txn.read_request(&o, keys, 2, &req);
    b = body_of(&req);
    json_t *range = json_object_get(json_array_get(json_object_get(b, "success"), 1),
                                    "requestRange");
    cr_assert(json_is_true(json_object_get(range, "serializable")));
    json_decref(b);
    req_free(&req);
}

Test(etcd_txn, read_answers)
{
    vtab *vt = vtab_new();
    char body[1024];
    sbuf v = {0};
    b64_encode("[1,2]", 5, &v);
    /* etcd 3.4's gateway: int64 as strings, an absent key's range without
     * "kvs", "succeeded":true for a txn without compares. */
    snprintf(body, sizeof body,
             "{\"header\":{\"member_id\":\"977\",\"revision\":\"12\"},\"succeeded\":true,"
             "\"responses\":[{\"response_range\":{\"header\":{\"revision\":\"12\"},"
             "\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"7\",\"value\":\"%s\"}],"
             "\"count\":\"1\"}},{\"response_range\":{\"header\":{\"revision\":\"12\"}}}]}",
             sbuf_str(&v));
    sbuf_free(&v);
    adp_txn_key keys[2] = {key("a"), key("b")};
    adp_result r = read_answer(vt, 200, body, keys, 2);
    cr_assert_eq(r.type, EV_OK, "%s", sbuf_str(&r.error));
    cr_assert_eq(r.version, 12, "the revision the read saw");
    cr_assert(val_is_str(vt, r.node, "977"));
    size_t n;
    const val *items = val_items(vt, keys[0].value, &n);
    cr_assert_eq(n, 2);
    cr_assert(val_eq(items[0], val_int(1)) && val_eq(items[1], val_int(2)));
    cr_assert_eq(keys[0].version, 7);
    cr_assert(val_is_nil(keys[1].value), "no kvs: the key is absent");
    cr_assert_eq(keys[1].version, HIST_NONE);
    adp_result_free(&r);

    /* Answers that are not this read's: unknown, never a fail. */
    static const char *const odd[] = {
        "{\"header\":{\"revision\":\"3\"},\"responses\":[{\"response_range\":{}}]}",
        "{\"header\":{\"revision\":\"3\"},\"responses\":[{\"response_put\":{}},"
        "{\"response_range\":{}}]}",
        "{\"header\":{\"revision\":\"3\"},\"responses\":[{\"response_range\":{\"kvs\":["
        "{\"value\":\"MQ==\"}]}},{\"response_range\":{}}]}", /* a value, no mod_revision */
        "{\"header\":{\"revision\":\"3\"},\"responses\":[{\"response_range\":{\"kvs\":["
        "{\"value\":\"!!\",\"mod_revision\":\"2\"}]}},{\"response_range\":{}}]}",
        "{\"responses\":[]}",
        "<html>OK</html>",
        "{\"header\":{\"revision\":\"3\"",
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        adp_txn_key k2[2] = {key("a"), key("b")};
        r = read_answer(vt, 200, odd[i], k2, 2);
        cr_assert_eq(r.type, EV_INFO, "%s: type %d", odd[i], r.type);
        cr_assert(r.error.len > 0);
        adp_result_free(&r);
    }
    /* Errors by their gRPC code: refused before it could act (fail), or
     * open (info). */
    r = read_answer(vt, 503, "{\"error\":\"etcdserver: leader changed\",\"code\":14}", keys, 2);
    cr_assert_eq(r.type, EV_INFO);
    adp_result_free(&r);
    r = read_answer(vt, 400, "{\"error\":\"etcdserver: too many operations in txn\","
                             "\"code\":3}", keys, 2);
    cr_assert_eq(r.type, EV_FAIL);
    adp_result_free(&r);
    vtab_free(vt);
}

Test(etcd_txn, commit_is_guarded_by_every_key)
{
    vtab *vt = vtab_new();
    val items[3] = {val_int(1), val_int(2), val_int(5)};
    adp_txn_key keys[3] = {key("a"), key("b"), key("c")};
    keys[0].version = 7; /* read, appended to */
    keys[0].put = val_list(vt, items, 3);
    keys[1].version = 9; /* only read */
    keys[2].put = val_list(vt, items + 2, 1); /* absent, appended to */
    adp_req req = {0};
    adp_etcd_txn.commit_request(NULL, vt, keys, 3, &req);
    cr_assert_str_eq(req.method, "POST");
    cr_assert_str_eq(sbuf_str(&req.path), "/v3/kv/txn");
    json_t *b = body_of(&req);
    json_t *cmp = json_object_get(b, "compare");
    cr_assert_eq(json_array_size(cmp), 3, "a key only read is compared too");
    static const char *const target[] = {"MOD", "MOD", "CREATE"};
    static const char *const field[] = {"mod_revision", "mod_revision", "create_revision"};
    static const char *const want[] = {"7", "9", "0"};
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_array_get(cmp, i);
        char *k = unb64_field(c, "key");
        cr_assert_str_eq(k, keys[i].key);
        free(k);
        cr_assert_str_eq(json_string_value(json_object_get(c, "target")), target[i]);
        cr_assert_str_eq(json_string_value(json_object_get(c, "result")), "EQUAL");
        cr_assert_str_eq(json_string_value(json_object_get(c, field[i])), want[i]);
    }
    json_t *ops = json_object_get(b, "success");
    cr_assert_eq(json_array_size(ops), 2, "only the appended keys are put");
    static const char *const put_key[] = {"a", "c"}, *const put_val[] = {"[1,2,5]", "[5]"};
    for (size_t i = 0; i < 2; i++) {
        json_t *put = json_object_get(json_array_get(ops, i), "requestPut");
        char *k = unb64_field(put, "key"), *v = unb64_field(put, "value");
        cr_assert_str_eq(k, put_key[i]);
        json_t *got = json_loads(v, 0, NULL), *exp = json_loads(put_val[i], 0, NULL);
        cr_assert(json_equal(got, exp), "put %s, expected %s", v, put_val[i]);
        json_decref(got);
        json_decref(exp);
        free(k);
        free(v);
    }
    cr_assert_null(json_object_get(b, "failure"));
    json_decref(b);
    req_free(&req);
    vtab_free(vt);
}

Test(etcd_txn, commit_answers)
{
    vtab *vt = vtab_new();
    adp_result r = commit_answer(vt, 200, "{\"header\":{\"member_id\":\"5\",\"revision\":\"44\"},"
                                          "\"succeeded\":true,\"responses\":[]}");
    cr_assert_eq(r.type, EV_OK);
    cr_assert_eq(r.version, 44);
    cr_assert_not(r.mismatch);
    adp_result_free(&r);

    /* protobuf's JSON leaves "succeeded":false out: a compare failed and
     * nothing was written. */
    r = commit_answer(vt, 200, "{\"header\":{\"revision\":\"44\"}}");
    cr_assert_eq(r.type, EV_FAIL);
    cr_assert(r.mismatch);
    adp_result_free(&r);

    /* The outcome is open: a success etcd cannot have written, an answer
     * that cannot be read, an error that may follow the write. */
    static const struct {
        long status;
        const char *body;
    } open[] = {
        {200, "{\"header\":{},\"succeeded\":true}"},
        {200, "{\"succeeded\":true}"},
        {200, "not json"},
        {200, ""},
        {503, "{\"error\":\"etcdserver: request timed out\",\"code\":14}"},
        {504, "{\"error\":\"context deadline exceeded\",\"code\":4}"},
        {500, "Internal Server Error"},
        {502, ""},
    };
    for (size_t i = 0; i < sizeof open / sizeof *open; i++) {
        r = commit_answer(vt, open[i].status, open[i].body);
        cr_assert_eq(r.type, EV_INFO, "%ld %s: type %d", open[i].status, open[i].body, r.type);
        cr_assert_not(r.mismatch);
        cr_assert(r.error.len > 0);
        adp_result_free(&r);
    }
    r = commit_answer(vt, 400, "{\"error\":\"etcdserver: duplicate key given in txn request\","
                               "\"code\":3}");
    cr_assert_eq(r.type, EV_FAIL);
    cr_assert_not(r.mismatch);
    adp_result_free(&r);
    vtab_free(vt);
}

Test(etcd_txn, only_etcd_has_transactions)
{
    cr_assert_eq(adp_etcd.txn, &adp_etcd_txn);
    cr_assert_null(adp_conch.txn);
}

/* ---- shared helpers ---- */

Test(adapter, registry_and_http_error)
{
    cr_assert_eq(adp_find("conch"), &adp_conch);
    cr_assert_eq(adp_find("etcd"), &adp_etcd);
    cr_assert_null(adp_find("redis"));
    cr_assert_str_eq(adp_conch.session_header, "X-Conch-Session");
    cr_assert_null(adp_etcd.session_header);

    sbuf b = {0};
    char body[300];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    body[3] = '\n';
    adp_http_error(500, body, strlen(body), &b);
    cr_assert(strncmp(sbuf_str(&b), "HTTP 500: xxx x", 15) == 0, "%s", sbuf_str(&b));
    cr_assert(b.len < 120, "an excerpt, not the body");
    cr_assert(strstr(sbuf_str(&b), "..."));
    sbuf_reset(&b);
    adp_http_error(503, "\r\n", 2, &b);
    cr_assert_str_eq(sbuf_str(&b), "HTTP 503");
    sbuf_free(&b);
}

Test(adapter, json_values)
{
    vtab *vt = vtab_new();
    val v;
    cr_assert(adp_json_val(vt, "17", 2, &v));
    cr_assert(val_eq(v, val_int(17)));
    cr_assert(adp_json_val(vt, "null", 4, &v));
    cr_assert(val_is_nil(v));
    cr_assert(adp_json_val(vt, "\"s\"", 3, &v));
    cr_assert(val_is_str(vt, v, "s"));
    cr_assert(adp_json_val(vt, "{\"a\":[1,true]}", 14, &v));
    cr_assert_eq(v.kind, VAL_MAP);
    cr_assert_not(adp_json_val(vt, "hello", 5, &v));
    cr_assert_not(adp_json_val(vt, "", 0, &v));
    vtab_free(vt);
}
