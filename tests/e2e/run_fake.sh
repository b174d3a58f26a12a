#!/bin/sh
# conch run against a misbehaving store (tests/e2e/lib/fake_store.py, a
# linearizable register that stalls, answers 500 and drops connections on
# purpose) and a port where nothing listens, clients routed at random:
#   timeouts, 500s and dropped connections are info, refused is fail;
#   after an info the client goes on as a new process;
#   every invocation has its completion; the check passes (exit 0);
#   headers reach the store and no header value is written anywhere.
. "$(dirname "$0")/lib/run_common.sh"
start_fake --slow-every 13 --slow-ms 600 --error-every 5 --close-every 11 \
    --require-header 'Authorization: Bearer s3cr3t-token'
closed="http://127.0.0.1:$(free_port)"

CONCH_HEADER='X-Other: env-s3cr3t' $CONCH run --ops 400 --clients 4 --op-timeout 300 \
    --route random --header 'Authorization: Bearer s3cr3t-token' \
    --out "$WORK/run" "$FAKE_URL" "$closed" >"$WORK/out" 2>&1
code=$?
[ $code -eq 0 ] || die "exit $code: $(tail -20 "$WORK/out")"
h="$WORK/run/history.jsonl"
complete_history "$h"
[ "$(grep -c '"type":"invoke"' "$h")" -eq 400 ] || die "not 400 invocations"
grep -q '"type":"info".*"error":"timed out after 300 ms"' "$h" || die "no timeout recorded as info"
grep -q '"type":"info".*"error":"HTTP 500' "$h" || die "no 500 recorded as info"
grep -q '"type":"fail".*"error":"Couldn.t connect' "$h" || die "no refused connection recorded as fail"
grep -q '"type":"ok"' "$h" || die "no op succeeded (were the headers sent?)"
grep -q '"type":"fail".*HTTP 401' "$h" && die "the store saw a request without the header"
grep -qE '"type":"(fail|ok)".*"error":"(timed out|HTTP 5)' "$h" && die "an unknown outcome recorded as ok or fail"
grep -q '"process":[4-9]' "$h" || die "no client moved to a new process after an info"
for f in "$h" "$WORK/run/results.json" "$WORK/out"; do
    grep -q 's3cr3t' "$f" && die "a header value was written to $f"
done
echo "fake store: outcomes classified, history complete, no secret written"
