#!/bin/sh
# A spec whose writes and cas carry everything in the path, with no body
# (GET /set/KEY/VALUE, GET /cas/KEY/OLD/NEW), against a store that applies
# some of them and then closes the connection with no answer. libcurl
# resends by itself a request whose reused connection closes before any
# answer; for a request with a body conch refuses the rewind, but a
# bodiless request needs none, so the write was applied twice and a cas,
# applied, then resent, was recorded fail on its mismatch: the check then
# blamed the store (exit 1). Each write or cas must reach the store once,
# and the run must pass.
. "$(dirname "$0")/lib/run_common.sh"
start_fake --path-api --close-every 4 --log "$WORK/applied"
cat >"$WORK/spec.json" <<'JSON'
{"read": {"method": "GET", "path": "/kv/{key|url}",
          "outcomes": [{"status": 200, "is": "ok"},
                       {"status": 404, "match": "not found", "is": "absent"}],
          "extract": [{"pattern": "\"value\"\\s*:\\s*(?<value>-?\\d+)"}]},
 "write": {"method": "GET", "path": "/set/{key|url}/{value|url}",
           "outcomes": [{"status": 200, "match": "\"version\"", "is": "ok"}]},
 "cas": {"method": "POST", "path": "/cas/{key|url}/{old|url}/{new|url}",
         "outcomes": [{"status": 200, "match": "\"version\"", "is": "ok"},
                      {"status": 412, "is": "mismatch"}]}}
JSON
$CONCH run --store-spec "$WORK/spec.json" --ops 300 --clients 3 --keys 2 \
    --mix read=30,write=30,cas=40 --out "$WORK/r" "$FAKE_URL" >"$WORK/out" 2>&1
code=$?
h="$WORK/r/history.jsonl"
complete_history "$h"
dups=$(sort "$WORK/applied" | uniq -d)
[ -z "$dups" ] || die "a request was applied twice: $(echo "$dups" | head -3)"
grep -q '"type":"info"' "$h" || die "no connection closed with no answer (info)"
grep -q '"type":"ok","f":"cas"' "$h" || die "no cas succeeded"
[ $code -eq 0 ] || die "exit $code: $(tail -20 "$WORK/out")"
grep -q "not resent" "$h" || die "no request refused a resend"
echo "spec without bodies: a request closed with no answer is not resent"
