#!/bin/sh
# A spec that reads the node from a response header, against a store that
# echoes the request's Authorization header into that header and into its
# ETag (the version a two-step cas sends back): the secret never reaches
# the history, results.json or conch's output: it is masked (***) where it
# is recorded (the recorder masks every history line), while the version
# goes back to the store as it came. The store's PUT honours X-If (the ETag sent back):
# a 412 when it is not the current one, so it is linearizable.
# Then the same with the credentials in the spec itself (its Authorization
# header, an access_token in its paths' query), which the store also echoes
# (with the path) into X-Node: masked in the history, results.json, conch's
# output and --dry-run's.
. "$(dirname "$0")/lib/run_common.sh"
need python3
SECRET=s3cr3t-spec-token-4711
start_store "$LIB/etag_store.py" --echo
URL=$STORE_URL
cat >"$WORK/spec.json" <<'JSON'
{"read": {"method": "GET", "path": "/{key}",
          "outcomes": [{"status": 200, "is": "ok"}, {"status": 404, "is": "absent"}],
          "extract": [{"pattern": "\\A(?<value>[\\s\\S]*)\\z"},
                      {"from": "header:X-Node", "pattern": "(?<node>.+)"},
                      {"from": "header:ETag", "pattern": "(?<version>.+)"}]},
 "write": {"method": "PUT", "path": "/{key}", "body": "{value}",
           "outcomes": [{"status": 204, "is": "ok"}],
           "extract": [{"from": "header:X-Node", "pattern": "(?<node>.+)"}]},
 "cas": {"read_first": true, "method": "PUT", "path": "/{key}", "body": "{new}",
         "headers": {"X-If": "{version}"},
         "outcomes": [{"status": 204, "is": "ok"}, {"status": 412, "is": "mismatch"}],
         "extract": [{"from": "header:X-Node", "pattern": "(?<node>.+)"}]}}
JSON
$CONCH run --store-spec "$WORK/spec.json" --header "Authorization: Bearer $SECRET" --ops 200 \
    --clients 4 --out "$WORK/r" "$URL" >"$WORK/r.out" 2>&1
code=$?
[ $code -eq 0 ] || die "exit $code: $(tail -5 "$WORK/r.out")"
complete_history "$WORK/r/history.jsonl"
grep -q '"node":"n1 for \*\*\* at /' "$WORK/r/history.jsonl" || die "no masked node recorded"
grep -q '"type":"ok","f":"cas"' "$WORK/r/history.jsonl" || die "no cas succeeded"
if grep -rq "$SECRET" "$WORK/r" "$WORK/r.out"; then
    die "the secret is in what conch wrote"
fi

SECRET2=sp3c-h34der-t0ken-0815
SECRET3=sp3c-qu3ry-t0ken-1066
python3 - "$WORK/spec.json" "$WORK/spec2.json" "$SECRET2" "$SECRET3" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["headers"] = {"Authorization": "Bearer " + sys.argv[3]}
for op in ("read", "write", "cas"):
    spec[op]["path"] += "?access_token=" + sys.argv[4]
json.dump(spec, open(sys.argv[2], "w"))
PY
$CONCH run --store-spec "$WORK/spec2.json" --dry-run "$URL" >"$WORK/dry.out" 2>&1 ||
    die "--dry-run: $(tail -5 "$WORK/dry.out")"
grep -q '^Authorization: \*\*\*$' "$WORK/dry.out" || die "--dry-run: no masked header"
grep -q 'access_token=\*\*\*' "$WORK/dry.out" || die "--dry-run: no masked query"
$CONCH run --store-spec "$WORK/spec2.json" --ops 200 --clients 4 --out "$WORK/r2" "$URL" \
    >"$WORK/r2.out" 2>&1
code=$?
[ $code -eq 0 ] || die "spec2: exit $code: $(tail -5 "$WORK/r2.out")"
complete_history "$WORK/r2/history.jsonl"
grep -q '"node":"n1 for \*\*\* at /[^"]*?access_token=\*\*\*"' "$WORK/r2/history.jsonl" ||
    die "spec2: no masked node recorded"
grep -q '"type":"ok","f":"cas"' "$WORK/r2/history.jsonl" || die "spec2: no cas succeeded"
if grep -rqe "$SECRET2" -e "$SECRET3" "$WORK/r2" "$WORK/r2.out" "$WORK/dry.out"; then
    die "a secret of the spec is in what conch wrote"
fi
echo "spec secrets: a header echoed in response headers is masked, from --header or the spec"
