/*
 * adapter_spec.c - the adapter a store spec describes (spec.h): the
 * adapter interface's calls passed on to the spec, with the version a
 * two-step cas sends back.
 */
#include "adapter.h"
#include "spec.h"

static spec_kind kind_of(adp_kind k)
{
    switch (k) {
    case ADP_WRITE: return SPEC_WRITE;
    case ADP_CAS: return SPEC_CAS;
    case ADP_APPEND: return SPEC_APPEND;
    default: return SPEC_READ;
    }
}

static void request(const adp_opts *o, const vtab *vt, adp_kind kind, const char *key, val a,
                    val b, adp_req *req)
{
    spec_call c = {.kind = kind_of(kind), .key = key, .a = a, .b = b};
    if (req->token_len) {
        c.version = req->token;
        c.version_len = req->token_len;
    }
    spec_request(o->spec, vt, &c, req, &req->headers);
}

static void response(const adp_opts *o, vtab *vt, adp_kind kind, const adp_resp *resp,
                     adp_result *res)
{
    spec_response(o->spec, vt, kind_of(kind), resp, resp->headers, resp->hlen, res, &res->token);
}

void adp_spec(const spec *s, adp_type *out)
{
    *out = (adp_type){
        .name = spec_name(s),
        .session_header = spec_session_header(s),
        .request = request,
        .response = response,
        .wants_headers = spec_wants_headers(s),
        .cas_reads_first = spec_cas_reads_first(s),
        .cas_absent_request = spec_cas_has_absent(s),
        .has_append = spec_has(s, SPEC_APPEND),
    };
}
