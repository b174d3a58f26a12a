#!/bin/sh
# conch run against a real single-node etcd (v3 JSON gateway): its reads
# are linearizable, so the cas-register and kv runs pass (exit 0), with
# versions (mod_revision) and nodes (member ids) recorded.
. "$(dirname "$0")/lib/run_common.sh"
start_etcd

$CONCH run --store etcd --time 2 --clients 8 --out "$WORK/cas" "$ETCD_URL" \
    >"$WORK/cas.out" 2>&1
code=$?
[ $code -eq 0 ] || die "cas-register against etcd: exit $code: $(tail -20 "$WORK/cas.out")"
h="$WORK/cas/history.jsonl"
complete_history "$h"
grep -q '"type":"ok","f":"read".*"version":' "$h" || die "no read recorded a version"
grep -q '"type":"ok","f":"cas"' "$h" || die "no cas succeeded"
grep -q '"node":"[0-9]' "$h" || die "no member id recorded as node"
grep -q '"verdict": "valid"' "$WORK/cas/results.json" || die "results.json does not say valid"

$CONCH run --store etcd --workload kv --ops 600 --clients 4 --out "$WORK/kv" "$ETCD_URL" \
    >"$WORK/kv.out" 2>&1
code=$?
[ $code -eq 0 ] || die "kv against etcd: exit $code: $(tail -20 "$WORK/kv.out")"
complete_history "$WORK/kv/history.jsonl"
grep -q '"type":"ok","f":"append"' "$WORK/kv/history.jsonl" || die "no append succeeded"
echo "etcd: cas-register and kv runs pass"
