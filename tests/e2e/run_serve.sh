#!/bin/sh
# e2e: long
# conch run against conch serve in each consistency mode, clients spread
# over the 3 replicas at random, with the verdicts each mode should get:
#   linearizable  passes (cas-register and kv)
#   session       session tokens are accepted; read-your-writes and
#                 monotonic reads hold (when the session checks are built in)
#   eventual      stale reads: a linearizability violation (exit 1)
#   quorum        a verdict is reached (last-writer-wins need not be
#                 linearizable)
. "$(dirname "$0")/lib/run_common.sh"
need_serve

# run NAME EXPECTED_EXIT_CODES [conch run options]
run() {
    name=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    $CONCH run --time 1.5 --clients 6 --route random --out "$WORK/$name" "$@" $SERVE_URLS \
        >"$WORK/$name.out" 2>&1
    code=$?
    case " $want " in
        *" $code "*) ;;
        *) die "$name: exit $code, wanted $want: $(tail -30 "$WORK/$name.out")" ;;
    esac
    complete_history "$WORK/$name/history.jsonl"
    grep -q '"type":"ok"' "$WORK/$name/history.jsonl" || die "$name: no op succeeded"
}

start_serve --consistency linearizable
run lin-cas 0
grep -q '"type":"ok","f":"read".*"version":' "$WORK/lin-cas/history.jsonl" ||
    die "no read recorded the store's version"
grep -q '"node":"n[123]"' "$WORK/lin-cas/history.jsonl" || die "no replica recorded as node"
# Every event records the URL its op went to; a completion from the store
# also the replica that answered, which is the one at that URL.
python3 - "$WORK/lin-cas/history.jsonl" $SERVE_URLS <<'PY' || die "url and node disagree"
import json, sys
urls = sys.argv[2:]
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["url"] in urls, e
    if e["type"] != "invoke" and "node" in e:
        assert e["node"] == "n%d" % (urls.index(e["url"]) + 1), e
PY
run lin-kv 0 --workload kv
grep -q '"type":"ok","f":"append"' "$WORK/lin-kv/history.jsonl" || die "no append succeeded"
stop_serve

# The status of session guarantee $2 (ryw, mr, ...) in results.json $1;
# "absent" when this conch has no session checks.
session_status() {
    python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["files"][0].get("checks", {})
s = c.get("sessions") or {}
print((s.get(sys.argv[2]) or {}).get("status", "absent"))' "$1" "$2"
}

start_serve --consistency session --lag-ms 20
run session "0 1"
grep -q 'HTTP 400' "$WORK/session/history.jsonl" && die "session tokens were refused"
if command -v python3 >/dev/null 2>&1; then
    for g in ryw mr; do
        st=$(session_status "$WORK/session/results.json" $g)
        case $st in holds | absent) ;; *) die "session mode: $g is $st" ;; esac
    done
fi
stop_serve

start_serve --consistency eventual --gossip-ms 1000
run eventual 1 --keys 1 --ops-per-key 0 --rate 1000
grep -q 'INVALID' "$WORK/eventual.out" || die "eventual: no violation reported"
if command -v python3 >/dev/null 2>&1; then
    ryw=$(session_status "$WORK/eventual/results.json" ryw)
    mr=$(session_status "$WORK/eventual/results.json" mr)
    [ "$ryw" = holds ] && [ "$mr" = holds ] && die "eventual: no session violation found"
fi
stop_serve

start_serve --consistency quorum
run quorum "0 1"
stop_serve
echo "conch serve: each mode got its expected verdict"
