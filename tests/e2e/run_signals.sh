#!/bin/sh
# SIGINT during conch run: it stops invoking, waits for the ops in flight,
# and checks what it recorded (every invocation completed, exit 0).
# SIGKILL: the file left behind is read by conch check, and so is the same
# file with a torn last line (skipped with a warning).
. "$(dirname "$0")/lib/run_common.sh"
start_fake --slow-every 4 --slow-ms 300

$CONCH run --time 60 --clients 8 --op-timeout 2000 --out "$WORK/int" "$FAKE_URL" \
    >"$WORK/int.out" 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
code=$?
[ $code -eq 0 ] || die "after SIGINT: exit $code: $(tail -20 "$WORK/int.out")"
grep -q 'interrupted' "$WORK/int.out" || die "the interruption was not reported"
complete_history "$WORK/int/history.jsonl"
[ -s "$WORK/int/results.json" ] || die "no results.json after SIGINT"

$CONCH run --time 60 --clients 8 --fsync always --out "$WORK/kill" "$FAKE_URL" \
    >"$WORK/kill.out" 2>&1 &
pid=$!
sleep 1.5
kill -KILL $pid
wait $pid 2>/dev/null
h="$WORK/kill/history.jsonl"
[ -s "$h" ] || die "nothing recorded before SIGKILL"
$CONCH check "$h" >"$WORK/check.out" 2>&1
code=$?
[ $code -eq 0 ] || die "conch check of the killed run: exit $code: $(tail -20 "$WORK/check.out")"

# The same file torn in the middle of its last line.
last=$(tail -n 1 "$h")
head -n -1 "$h" >"$WORK/torn.jsonl"
printf '%s' "$last" | head -c 25 >>"$WORK/torn.jsonl"
$CONCH check "$WORK/torn.jsonl" >"$WORK/torn.out" 2>&1
code=$?
[ $code -eq 0 ] || die "conch check of a torn file: exit $code: $(tail -20 "$WORK/torn.out")"
grep -qi 'warning' "$WORK/torn.out" || die "the torn line was not reported"
echo "signals: SIGINT checked a complete history; SIGKILL left a readable one"
