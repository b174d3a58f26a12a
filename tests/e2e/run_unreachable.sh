#!/bin/sh
# conch run against a port where nothing listens: it says the store is
# unreachable and exits 2, quickly, keeping what it recorded.
. "$(dirname "$0")/lib/run_common.sh"
need python3
url="http://127.0.0.1:$(free_port)"
start=$(date +%s)
$CONCH run --time 20 --out "$WORK/run" "$url" >"$WORK/out" 2>&1
code=$?
took=$(($(date +%s) - start))
[ $code -eq 2 ] || die "exit $code, not 2: $(tail -5 "$WORK/out")"
grep -q 'cannot connect to the store' "$WORK/out" || die "no clear message: $(cat "$WORK/out")"
[ $took -le 5 ] || die "took $took s to give up"
complete_history "$WORK/run/history.jsonl"
$CONCH run --time 1 "not-a-url" >"$WORK/out2" 2>&1
[ $? -eq 2 ] || die "a bad URL is not a usage error"
$CONCH run --time 1 --header 'no colon secret' "$url" >"$WORK/out3" 2>&1
[ $? -eq 2 ] || die "a bad header is not a usage error"
grep -q secret "$WORK/out3" && die "a bad header's text was shown"
echo "unreachable store: exit 2 with a message"
