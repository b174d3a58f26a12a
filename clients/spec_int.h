/*
 * spec_int.h - the parsed form of a store spec, shared by spec.c (which
 * builds and checks it) and spec_http.c (which sends and classifies by
 * it). Not an interface: include spec.h.
 *
 * Invariants once spec_parse returned it: every operation read, write and
 * cas is present; every template only names placeholders its operation
 * gives; every pattern compiled; a read has a pattern with a value group;
 * no rule gives a 5xx an outcome other than info.
 */
#ifndef CONCH_SPEC_INT_H
#define CONCH_SPEC_INT_H

#include <stdint.h>

#include "spec.h"
#include "spec_extract.h"
#include "spec_template.h"

typedef enum spec_is { IS_OK, IS_ABSENT, IS_FAIL, IS_MISMATCH, IS_INFO } spec_is;

typedef struct spec_header {
    char *name;
    tpl *value;
} spec_header;

/* One request: what goes on the wire. */
typedef struct spec_req {
    char *method;
    tpl *path, *body; /* body NULL: none */
    spec_header *headers;
    size_t nheaders;
} spec_req;

/* Where a rule or pattern looks: the body, or one response header. */
typedef struct spec_from {
    char *header; /* NULL: the body */
} spec_from;

typedef struct spec_rule {
    uint64_t status[10]; /* a bit per status 0..639 */
    spec_from from;
    rx *match;           /* NULL: any */
    spec_is is;
} spec_rule;

typedef struct spec_extractor {
    spec_from from;
    rx *re;
    rx_decode decode[RX_MAX_DECODE];
    int ndecode;
} spec_extractor;

typedef struct spec_op {
    bool present;
    spec_req req;
    bool has_absent; /* cas: a request of its own when the old value is nil */
    spec_req absent;
    bool read_first; /* cas: read (the read op), then req with {version} */
    spec_rule *rules;
    size_t nrules;
    spec_extractor *ex;
    size_t nex;
} spec_op;

struct spec {
    char *file, *name;
    char *session_header; /* NULL: none */
    bool version_order;   /* versions are integers in the store's write order */
    bool wants_headers;
    spec_header *headers; /* sent with every request */
    size_t nheaders;
    spec_op ops[SPEC_NKINDS];
};

#endif
