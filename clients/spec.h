/*
 * spec.h - a store's HTTP API described in a JSON file (conch run
 * --store-spec FILE): how it says read, write and compare-and-set, and
 * optionally append and delete, and how its answers are classified.
 *
 * The file format is specs/README.md's; in short:
 *   { "name": "...", "session_header": "...", "version_order": false,
 *     "headers": {"Name": "value", ...},
 *     "read":  OP, "write": OP, "cas": OP, "append": OP, "delete": OP }
 *   OP = { "method": "PUT", "path": "/kv/{key|url}", "body": "...",
 *          "headers": {"If-Match": "{version}"},
 *          "outcomes": [ {"status": [200, 201], "match": "PCRE2",
 *                         "from": "body" | "header:NAME",
 *                         "is": "ok|absent|fail|mismatch|info"}, ... ],
 *          "extract":  [ {"from": "body" | "header:NAME",
 *                         "pattern": "PCRE2 with (?<value>..) (?<version>..) (?<node>..)",
 *                         "decode": ["json", "b64", "url"]}, ... ] }
 *   cas also: "read_first": true (a read that extracts the version, then
 *   this request with {version}), "absent": {method, path, body, headers}
 *   (the request when the old value is nil).
 *
 * A spec is checked whole when it is loaded: every field known, every
 * template's placeholders given in its operation (spec_template.h), every
 * pattern compiled, a read able to say what it read, no 5xx classified
 * other than info. What is wrong is said with the file, the field and what
 * was expected; nothing is sent before that.
 *
 * Classification follows Jepsen's rule: the first outcome rule whose
 * status (and pattern, if any) fits decides; an answer no rule fits is
 * info, and so is every 5xx. An ok read must capture a value; "absent"
 * (reads only) is a read of nothing; "mismatch" (cas only) is a fail the
 * workload may retry (an append's cas).
 */
#ifndef CONCH_SPEC_H
#define CONCH_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "adapter.h"
#include "client.h"
#include "scrub.h"

typedef enum spec_kind { SPEC_READ, SPEC_WRITE, SPEC_CAS, SPEC_APPEND, SPEC_DELETE,
                         SPEC_NKINDS } spec_kind;

enum { SPEC_MAX_FILE = 1 << 20 };

typedef struct spec spec;

/* Read and check the spec in path. On error *out is NULL and err says
 * "path: field: what was expected" (CL_EUSAGE). Free with spec_free. */
cl_rc spec_load(const char *path, spec **out, cl_error *err);
/* The same from text; name stands for the file in messages. */
cl_rc spec_parse(const char *name, const char *text, size_t n, spec **out, cl_error *err);
void spec_free(spec *s);

const char *spec_name(const spec *s);
/* The header a store sets with a session token (NULL: none). */
const char *spec_session_header(const spec *s);
bool spec_has(const spec *s, spec_kind k);
/* Is a cas two requests: a read that finds the version, then the
 * conditional write that sends it back? */
bool spec_cas_reads_first(const spec *s);
/* Has the cas a request of its own for an absent old value ("absent")? */
bool spec_cas_has_absent(const spec *s);
/* Does any rule or pattern read a response header? */
bool spec_wants_headers(const spec *s);
/* "read", "write", ... */
const char *spec_kind_name(spec_kind k);
/* Add to sc the credentials s carries (spec_secrets.c): the values of the
 * headers it sends that hold no placeholder (but Content-Type and Accept),
 * and the literal values of query parameters named as credentials
 * (?token=, ?api_key=, ?password=...). */
void spec_secrets(const spec *s, scrub *sc);

/* One request's inputs. */
typedef struct spec_call {
    spec_kind kind;
    const char *key;
    val a, b;            /* write, append: a; cas: a the old value (nil: absent), b the new */
    const char *version; /* a two-step cas: what its read captured (NULL: none) */
    size_t version_len;
} spec_call;

/* Build c's request: method (borrowed from s), path and body into req,
 * and header lines ("Name: value\n" each) into headers. The caller resets
 * the sbufs first. */
void spec_request(const spec *s, const vtab *vt, const spec_call *c, adp_req *req,
                  sbuf *headers);

/* Classify an answer to a request of kind k (see the top of this file);
 * headers is the raw response header block (may be empty). res is
 * initialised by the caller (adp_result_init); token receives the version
 * captured, as it may be sent back in a header or a body (printable
 * ASCII, neither starting nor ending with a space; else nothing). */
void spec_response(const spec *s, vtab *vt, spec_kind k, const adp_resp *resp,
                   const char *headers, size_t hlen, adp_result *res, sbuf *token);

/* The requests one operation of each kind would send to base (a URL
 * without a trailing '/') on key, for people (--dry-run): write v1, cas
 * from v1 to v2, append v3. */
void spec_dry_run(const spec *s, const vtab *vt, const char *base, const char *key, val v1,
                  val v2, val v3, sbuf *out);

#endif
