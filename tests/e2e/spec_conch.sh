#!/bin/sh
# specs/conch.json against conch serve, beside the built-in adapter on the
# same store: the same verdicts, the proof that the spec language says as
# much as the C adapter. Linearizable mode: both pass (cas-register and kv);
# eventual mode with slow gossip and random routing: both find the stale
# reads (exit 1). Both record versions and nodes.
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
need_serve
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/conch.json

both() { # NAME WANT ARGS...: the built-in and the spec, each must exit WANT
    name=$1 want=$2
    shift 2
    $CONCH run --store conch --out "$WORK/$name-builtin" "$@" >"$WORK/$name-builtin.out" 2>&1
    code=$?
    [ $code -eq "$want" ] || die "$name, built-in adapter: exit $code, want $want: $(tail -5 "$WORK/$name-builtin.out")"
    spec_run "$name-spec" "$SPEC" "$@"
    [ $RUN_CODE -eq "$want" ] || die "$name, spec: exit $RUN_CODE, want $want: $(tail -5 "$WORK/$name-spec.out")"
    for h in "$WORK/$name-builtin/history.jsonl" "$WORK/$name-spec/history.jsonl"; do
        complete_history "$h"
        grep -q '"type":"ok".*"version":' "$h" || die "$h: no version recorded"
        grep -q '"type":"ok".*"node":"n[0-9]' "$h" || die "$h: no node recorded"
    done
}

start_serve
# shellcheck disable=SC2086
both lin 0 --time 2 --clients 8 $SERVE_URLS
# shellcheck disable=SC2086
both lin-kv 0 --workload kv --time 2 --clients 8 $SERVE_URLS
grep -q '"type":"ok","f":"append"' "$WORK/lin-kv-spec/history.jsonl" || die "no append succeeded"
grep -q '"type":"ok","f":"cas"' "$WORK/lin-spec/history.jsonl" || die "no cas succeeded"
stop_serve

start_serve --consistency eventual --gossip-ms 500 --lag-ms 100
# shellcheck disable=SC2086
both eventual 1 --time 3 --clients 8 --route random $SERVE_URLS
grep -q '"verdict": "invalid"' "$WORK/eventual-spec/results.json" || die "the spec's run is not invalid"
stop_serve
echo "spec conch.json: the built-in adapter's verdicts on linearizable and eventual conch serve"
