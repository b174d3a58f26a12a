/*
 * adapter_txn.h - transactions over several keys, for the stores that have
 * them (adp_type.txn; the runner's side is runner_txn.c).
 *
 * A txn of micro-ops (Elle's list-append: appends to lists and reads of
 * them) runs as optimistic concurrency control, as Jepsen's etcd test runs
 * it: one request reads every key the txn touches at one point (values and
 * versions); the runner works out what the txn's reads return and the lists
 * its appends make; one request then commits those lists if, and only if,
 * no key it touched changed since (each key's version compared; an absent
 * key must still be absent). So the txn takes effect whole, at its commit,
 * where all it read still holds: what the history shows is the store's own
 * isolation. A txn without appends is its read alone.
 *
 * Like the adapter's request and response, these are pure functions: they
 * build requests and classify answers, and the runner does the rest.
 */
#ifndef CONCH_ADAPTER_TXN_H
#define CONCH_ADAPTER_TXN_H

#include "adapter.h"

typedef struct adp_txn_key {
    const char *key;  /* borrowed */
    size_t len;
    val value;        /* read: nil when absent */
    int64_t version;  /* read: the store's version; HIST_NONE when absent */
    val put;          /* commit: the new value; nil: not written */
} adp_txn_key;

struct adp_txn {
    /* Read keys[0..n) at one point (adp_opts.serializable as for a read). */
    void (*read_request)(const adp_opts *o, const adp_txn_key *keys, size_t n, adp_req *req);
    /* Fill keys[i].value and .version from the answer; res->type EV_OK
     * with res->version (the store's revision the read saw, if it says),
     * else why not (EV_FAIL or EV_INFO, by the store's rules). */
    void (*read_response)(const adp_opts *o, vtab *vt, const adp_resp *resp, adp_txn_key *keys,
                          size_t n, adp_result *res);
    /* Put each key's .put (not nil) if every key's version is still the
     * one read. */
    void (*commit_request)(const adp_opts *o, const vtab *vt, const adp_txn_key *keys, size_t n,
                           adp_req *req);
    /* EV_OK with res->version (the store's revision after the commit);
     * EV_FAIL with res->mismatch when a key had changed (nothing was
     * written); otherwise by the store's rules. */
    void (*commit_response)(const adp_opts *o, vtab *vt, const adp_resp *resp, adp_result *res);
};

extern const adp_txn adp_etcd_txn;

#endif
