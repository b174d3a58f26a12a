#!/bin/sh
# specs/webdis.json: Redis through webdis (Debian redis-server and webdis),
# cas as a Lua script through EVAL, append as another (one request). Found
# linearizable: cas-register, kv (native append) and padded values pass.
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
need redis-cli
start_webdis
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/webdis.json

spec_run reg "$SPEC" --time 3 --clients 8 --keys 2 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "cas-register: exit $RUN_CODE: $(tail -8 "$WORK/reg.out")"
h="$WORK/reg/history.jsonl"
[ "$(count "$h" '"type":"ok","f":"cas"')" -gt 0 ] || die "no cas succeeded"
[ "$(count "$h" '"type":"fail","f":"cas".*did not match')" -gt 0 ] || die "no cas mismatched"

spec_run kv "$SPEC" --workload kv --time 3 --clients 8 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "kv: exit $RUN_CODE: $(tail -8 "$WORK/kv.out")"
[ "$(count "$WORK/kv/history.jsonl" '"type":"ok","f":"append"')" -gt 100 ] || die "few appends succeeded"

spec_run big "$SPEC" --time 2 --value-size 4000 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "--value-size 4000: exit $RUN_CODE: $(tail -8 "$WORK/big.out")"
grep -q '"type":"ok","f":"read","key":"[^"]*","value":"[0-9]*-xxxx' "$WORK/big/history.jsonl" ||
    die "no padded value read back"
echo "spec webdis.json: Redis through webdis passes"
