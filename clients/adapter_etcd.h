/*
 * adapter_etcd.h - what etcd's adapter (adapter_etcd.c) and its
 * transactions (adapter_etcd_txn.c) share: etcd v3's JSON gateway, as
 * adapter_etcd.c's top describes it. Not for other files.
 */
#ifndef CONCH_ADAPTER_ETCD_H
#define CONCH_ADAPTER_ETCD_H

#include "adapter.h"

/* "name":"<s base64>" into b. */
void adp_etcd_b64_field(sbuf *b, const char *name, const char *s, size_t n);
/* "name":"<v's compact JSON, base64>" into b. */
void adp_etcd_b64_val(sbuf *b, const char *name, const vtab *vt, val v);
/* An int64 field: protobuf's JSON writes it as a string of digits; a plain
 * number is accepted too. Absent (the zero value) or malformed: HIST_NONE. */
int64_t adp_etcd_i64(json_t *j);
/* A failed answer into res: the gRPC code says fail or info (see
 * adapter_etcd.c's fail_code); obj is the parsed body, or NULL. */
void adp_etcd_error(const adp_resp *resp, json_t *obj, adp_result *res);
/* Parse an answer into *body (free with json_decref) and the member that
 * answered into res->node. Returns the body's object when it is a 200 with
 * a header; else NULL, with res saying why (adp_etcd_error, or info). */
json_t *adp_etcd_answer(vtab *vt, const adp_resp *resp, adp_result *res, json_t **body);
/* A range answer's kv (NULL or not an object: the key is absent): its
 * value (JSON text interned in vt; other bytes as a string) and
 * mod_revision. A value that is not base64 makes res info. */
void adp_etcd_kv(vtab *vt, json_t *kv, adp_result *res, val *value, int64_t *version);

#endif
