#!/bin/sh
# conch run against a misbehaving store (tests/e2e/lib/fake_store.py, a
# linearizable register that stalls, answers 500 and drops connections on
# purpose) and a port where nothing listens, clients routed at random:
#   timeouts, 500s and dropped connections are info, refused is fail;
#   after an info the client goes on as a new process;
#   a 200 whose body says nothing (HTML, JSON cut off, no version) is info;
#   every invocation has its completion; the check passes (exit 0);
#   headers reach the store, and no header value or URL password is written
#   anywhere, though the store quotes them back in its answers.
. "$(dirname "$0")/lib/run_common.sh"
start_fake --slow-every 13 --slow-ms 600 --error-every 5 --close-every 11 --garbage-every 7 \
    --echo-headers --require-header 'Authorization: Bearer s3cr3t-token'
hold_dead_ports 2
set -- $DEAD_PORTS
closed="http://127.0.0.1:$1"

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
grep -q '"type":"info","f":"\(write\|cas\)".*"error":"success without a version: HTTP 200' "$h" ||
    die "no unreadable 200 to a write or cas recorded as info"
grep -q '"type":"ok".*"node":"f1 for \*\*\*"' "$h" || die "no node recorded, scrubbed"
grep -q '"type":"fail".*"error":"Couldn.t connect' "$h" || die "no refused connection recorded as fail"
grep -q '"type":"ok"' "$h" || die "no op succeeded (were the headers sent?)"
grep -q '"type":"fail".*HTTP 401' "$h" && die "the store saw a request without the header"
grep -qE '"type":"(fail|ok)".*"error":"(timed out|HTTP 5)' "$h" && die "an unknown outcome recorded as ok or fail"
grep -q '"process":[4-9]' "$h" || die "no client moved to a new process after an info"
for f in "$h" "$WORK/run/results.json" "$WORK/out"; do
    grep -q 's3cr3t' "$f" && die "a header value was written to $f"
done

# A password in the URL: libcurl sends it as Basic credentials, which the
# store quotes back in errors (the base64 and the decoded password); the
# run goes against the unreachable port first, so the message about it
# holds the URL too.
start_fake --error-every 3 --echo-headers
userinfo_url=$(printf '%s' "$FAKE_URL" | sed 's|http://|http://user:urlp4ssw0rd@|')
$CONCH run --ops 60 --clients 2 --out "$WORK/run2" "$userinfo_url" >"$WORK/out2" 2>&1
code=$?
[ $code -eq 0 ] || die "URL with a password: exit $code: $(tail -20 "$WORK/out2")"
grep -q 'you sent.*\*\*\*' "$WORK/run2/history.jsonl" || die "the store did not quote the credentials"
$CONCH run --ops 4 --clients 1 --out "$WORK/run3" \
    "http://user:urlp4ssw0rd@127.0.0.1:$2" >"$WORK/out3" 2>&1
for f in "$WORK/run2/history.jsonl" "$WORK/run2/results.json" "$WORK/out2" \
    "$WORK/run3/history.jsonl" "$WORK/out3"; do
    grep -q 'urlp4ssw0rd\|dXNlcjp1cmxwNHNzdzByZA' "$f" && die "the URL's password was written to $f"
done

# No operation succeeds (every request refused 401): nothing is checked, so
# no verdict is printed above the error (it printed "linearizability:
# VALID" over keys of 0 ops), and results.json says so.
start_fake --require-header 'X-Key: k3y-value'
$CONCH run --ops 20 --clients 2 --format json --out "$WORK/none" "$FAKE_URL" \
    >"$WORK/none.out" 2>"$WORK/none.err"
code=$?
[ $code -eq 2 ] || die "no op succeeded: exit $code, want 2"
grep -q 'no operation succeeded.*nothing was checked' "$WORK/none.err" ||
    die "no message that nothing was checked: $(cat "$WORK/none.err")"
grep -qi 'linearizab\|valid' "$WORK/none.out" "$WORK/none.err" && die "a verdict was printed"
python3 - "$WORK/none/results.json" "$WORK/none.out" <<'PY' || die "results.json"
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f))
    assert r["checked"] is False and r["run"]["ok"] == 0 and r["run"]["fail"] == 20, r
PY
# Header values that are JSON literals or a history line's own words are
# masked where they are secrets, but not in the line's structure: "value":
# null, "type" and "f" stay, and the history is checked (it was exit 2:
# "value":*** and "f":"***" could not be read).
start_fake
$CONCH run --ops 60 --clients 2 --header 'X-Debug: null' --header 'X-Op: read' \
    --header 'Prefer: type' --out "$WORK/words" "$FAKE_URL" >"$WORK/words.out" 2>&1
code=$?
[ $code -eq 0 ] || die "headers that are JSON or history words: exit $code: $(tail -5 "$WORK/words.out")"
grep -q '"type":"invoke","f":"read".*"value":null' "$WORK/words/history.jsonl" ||
    die "no read's invocation recorded as it is"
echo "fake store: outcomes classified, history complete, no secret written"
