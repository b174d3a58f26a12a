#!/bin/sh
# A spec whose cas is two steps (read, then PUT with X-If: the ETag read)
# and that has no "absent" request, against a store that, like most, takes
# a PUT without the condition header for an unconditional write. An
# append's first cas on a new key reads nothing and no version; conch sent
# the cas anyway, with an empty {version}, which libcurl leaves out as an
# empty header: an unconditional write recorded as an append. Such a cas
# must not be sent (a fail at its read: nothing was written).
. "$(dirname "$0")/lib/run_common.sh"
start_store "$LIB/etag_store.py" --log "$WORK/unconditional"
cat >"$WORK/spec.json" <<'JSON'
{"read": {"method": "GET", "path": "/{key}",
          "outcomes": [{"status": 200, "is": "ok"}, {"status": 404, "is": "absent"}],
          "extract": [{"pattern": "\\A(?<value>[\\s\\S]+)\\z"},
                      {"from": "header:ETag", "pattern": "(?<version>.+)"}]},
 "write": {"method": "PUT", "path": "/{key}", "body": "{value}",
           "outcomes": [{"status": 204, "is": "ok"}]},
 "cas": {"read_first": true, "method": "PUT", "path": "/{key}", "body": "{new}",
         "headers": {"X-If": "{version}"},
         "outcomes": [{"status": 204, "is": "ok"}, {"status": 412, "is": "mismatch"}]}}
JSON
$CONCH run --store-spec "$WORK/spec.json" --workload kv --mix read=30,append=70 --ops 40 \
    --clients 2 --out "$WORK/r" "$STORE_URL" >"$WORK/out" 2>&1
h="$WORK/r/history.jsonl"
complete_history "$h"
[ -s "$WORK/unconditional" ] && die "a cas went without its condition: $(head -3 "$WORK/unconditional")"
grep -q '"type":"fail","f":"append".*no request of the spec' "$h" ||
    die "no append failed at its read: $(tail -5 "$WORK/out")"
echo "spec cas from absent without an absent request: not sent"
