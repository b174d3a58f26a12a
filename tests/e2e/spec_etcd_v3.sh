#!/bin/sh
# specs/etcd-v3.json against a real single-node etcd, beside the built-in
# adapter (--store etcd): both pass cas-register and kv runs, and record
# mod_revision as the version and the member id as the node.
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
start_etcd
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/etcd-v3.json

for w in cas-register kv; do
    $CONCH run --store etcd --workload $w --time 2 --out "$WORK/$w-builtin" "$ETCD_URL" \
        >"$WORK/$w-builtin.out" 2>&1
    code=$?
    [ $code -eq 0 ] || die "$w, built-in adapter: exit $code: $(tail -5 "$WORK/$w-builtin.out")"
    spec_run "$w-spec" "$SPEC" --workload $w --time 2 "$ETCD_URL"
    [ $RUN_CODE -eq 0 ] || die "$w, spec: exit $RUN_CODE: $(tail -5 "$WORK/$w-spec.out")"
    h="$WORK/$w-spec/history.jsonl"
    grep -q '"type":"ok","f":"\(read\|get\)".*"version":' "$h" || die "$w: no read recorded a version"
    grep -q '"node":"[0-9]' "$h" || die "$w: no member id recorded as node"
done
grep -q '"type":"ok","f":"cas"' "$WORK/cas-register-spec/history.jsonl" || die "no cas succeeded"
grep -q '"type":"ok","f":"append"' "$WORK/kv-spec/history.jsonl" || die "no append succeeded"
echo "spec etcd-v3.json: the built-in adapter's verdicts on etcd"
