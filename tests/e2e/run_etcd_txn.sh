#!/bin/sh
# conch run --workload list-append against a real single-node etcd: each
# transaction is one etcd txn of its keys' ranges, then one txn that puts
# the appended lists if every key's mod_revision is still the one read
# (retried, or fail, when one changed). etcd is strict serializable, so the
# txns commit, their reads see each other's appends, and both the run's
# verdict and conch check on its history are valid (exit 0).
#
# Then the same through a proxy that drops the compares of every txn on
# its way to etcd (lib/etcd_drop_compares.py; real etcd behind it): lost
# updates, which the run must find (exit 1, a forbidden anomaly named).
# Real etcd never shows an anomaly; this shows that a run would see one.
. "$(dirname "$0")/lib/run_common.sh"

# Usage errors, before any request (exit 2, with why): a store without
# transactions, options that do not apply, a micro-op it has not.
usage() {
    want=$1
    shift
    $CONCH run --ops 10 "$@" http://127.0.0.1:1 >"$WORK/usage.out" 2>&1
    code=$?
    [ $code -eq 2 ] || die "run $*: exit $code, want 2: $(cat "$WORK/usage.out")"
    grep -q -- "$want" "$WORK/usage.out" || die "run $*: no '$want' in: $(cat "$WORK/usage.out")"
}
usage "needs a store with transactions" --workload list-append
usage "value-size does not apply" --store etcd --workload list-append --value-size 10
usage "mops applies to --workload list-append" --store etcd --mops 3
usage "has no write" --store etcd --workload list-append --mix read=1,write=1

start_etcd

$CONCH run --store etcd --workload list-append --time 3 --clients 8 --keys 4 \
    --out "$WORK/la" "$ETCD_URL" >"$WORK/la.out" 2>&1
code=$?
[ $code -eq 0 ] || die "list-append against etcd: exit $code: $(tail -20 "$WORK/la.out")"
h="$WORK/la/history.jsonl"
complete_history "$h"
grep -q '"verdict": "valid"' "$WORK/la/results.json" || die "results.json does not say valid"
grep -q 'strict-serializable: VALID' "$WORK/la.out" || die "no strict serializable verdict"
python3 - "$h" <<'PY' || die "the history's txns"
import json, sys
invoked = {}  # process -> the micro-ops of its txn in flight
appended = {}  # element -> the index of the invoke of its txn
ok = committed = seen_others = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["f"] == "txn" and "key" not in e, e
    if e["type"] == "invoke":
        invoked[e["process"]] = e
        for m in e["value"]:
            assert m[0] in ("append", "r") and isinstance(m[1], str), m
            if m[0] == "append":
                assert m[2] not in appended, ("an element appended twice", m)
                appended[m[2]] = e["index"]
            else:
                assert m[2] is None, m
        continue
    inv = invoked.pop(e["process"])
    if e["type"] != "ok":
        assert e["value"] == inv["value"], e  # recorded as invoked
        continue
    ok += 1
    assert e.get("node") and isinstance(e.get("version"), int), e
    assert len(e["value"]) == len(inv["value"]), e
    committed += any(m[0] == "append" for m in e["value"])
    for m, i in zip(e["value"], inv["value"]):
        assert m[:2] == i[:2], (m, i)  # the same micro-ops, in order
        if m[0] == "r":
            assert isinstance(m[2], list), m  # an absent key reads as []
            for x in m[2]:
                assert x in appended, ("a read of an element never appended", m)
                seen_others += appended[x] != inv["index"]
# Txns committed, and reads saw other txns' appends.
assert ok >= 20 and committed >= 10 and seen_others >= 10, (ok, committed, seen_others)
print("ok txns", ok, "with appends", committed, "elements read of other txns", seen_others)
PY
# The history alone: conch check infers list-append from its micro-ops.
$CONCH check "$h" >"$WORK/check.out" 2>&1
code=$?
[ $code -eq 0 ] || die "conch check on the run's history: exit $code: $(cat "$WORK/check.out")"
grep -q 'transactions: list-append' "$WORK/check.out" || die "check did not read txns"
grep -q 'strict-serializable: VALID' "$WORK/check.out" || die "check: not strict serializable"

# Through the proxy that drops every txn's compares (a store with lost
# updates): 2 keys, 8 clients, so that txns race on them.
start_py_server etcd_drop_compares.py "$ETCD_URL"
$CONCH run --store etcd --workload list-append --ops 300 --clients 8 --keys 2 \
    --out "$WORK/lost" "$FAKE_URL" >"$WORK/lost.out" 2>&1
code=$?
[ $code -eq 1 ] || die "lost updates: exit $code, expected 1: $(tail -20 "$WORK/lost.out")"
grep -q 'strict-serializable: INVALID' "$WORK/lost.out" || die "no INVALID verdict"
grep -q '(.*, forbidden)' "$WORK/lost.out" || die "no forbidden anomaly named"
echo "etcd: list-append runs are strict serializable; etcd without its txns' compares is not"
