#!/bin/sh
# e2e: long
# The nemesis against conch serve, each kind recorded in the history:
#   partition  through conch serve's own /admin/partition, the replicas
#              found from the URLs alone: the leader cut off, linearizable
#              still (exit 0), healed after;
#   pause      the process (its three replicas) stopped and resumed: exit 0;
#   kill       the process killed and started again by its start command:
#              conch serve keeps its data in memory, so the acknowledged
#              writes are gone, and conch says so (exit 1, a read of nil
#              after a write completed) when a read sees it;
#   clock      through libfaketime's timestamp file, while it runs: the
#              hybrid-clock versions it writes jump an hour ahead.
# Each history is checked by lib/nemesis_history.py (faults recorded as
# process nemesis, type info, and undone; ops that timed out are info) and
# by conch check, which must agree with the run.
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/cluster.sh"
need_serve
need_faketime

nemesis_events() {
    grep '"process":"nemesis"' "$1" | sed 's/.*"f":"\([^"]*\)".*/\1/' | tr '\n' ' '
}

# ---- partition: nothing but the URLs ----
start_serve
# shellcheck disable=SC2086
$CONCH run --time 5 --route random --nemesis partition --nemesis-target leader \
    --nemesis-start 1 --nemesis-interval 1.5 --out "$WORK/part" $SERVE_URLS >"$WORK/part.out" 2>&1
code=$?
[ $code -eq 0 ] || die "partition: exit $code: $(tail -20 "$WORK/part.out")"
h="$WORK/part/history.jsonl"
nemesis_run_ok "$WORK/part" partition $code
ev=$(nemesis_events "$h")
case $ev in "start-partition stop-partition "*) ;; *) die "partition events: $ev" ;; esac
grep -q '"f":"start-partition","value":{"groups": \[\["n1"\], \["n2", "n3"\]\], "target": "leader"}' "$h" ||
    die "the leader n1 was not cut off: $(grep nemesis "$h" | head -2)"
grep -q '^nemesis: partition on a leader' "$WORK/part.out" || die "no nemesis in the text report"
grep -q '"nemesis"' "$WORK/part/results.json" || die "no nemesis in results.json"
u1=$(echo "$SERVE_URLS" | awk '{print $1}')
curl -sf "$u1/admin/state" | grep -q '"partition":\[\["n1","n2","n3"\]\]' || die "not healed after"
stop_serve

# ---- pause and kill: the process, from a cluster file ----
start_serve_node
pid=$(cat "$WORK/serve.pid")
$CONCH run --time 5 --cluster "$CLUSTER" --nemesis pause --nemesis-start 1 --nemesis-interval 1.5 \
    --out "$WORK/pause" >"$WORK/pause.out" 2>&1
code=$?
[ $code -eq 0 ] || die "pause: exit $code: $(tail -20 "$WORK/pause.out")"
# Every replica is in the paused process: the ops under way time out (1 s,
# the pause 1.5 s) and are info.
nemesis_run_ok "$WORK/pause" pause $code 1
grep -q "\"f\":\"start-pause\",\"value\":{\"nodes\": \[\"n[123]\"\], \"pids\": \[$pid\]}" \
    "$WORK/pause/history.jsonl" || die "pause events: $(grep nemesis "$WORK/pause/history.jsonl")"
grep -q '"f":"stop-pause"' "$WORK/pause/history.jsonl" || die "no stop-pause"
nodes_running || die "conch serve is still stopped after the run"
wait_until serve_healthy || die "conch serve does not answer after the pauses"
[ "$(cat "$WORK/serve.pid")" = "$pid" ] || die "pause restarted conch serve"

$CONCH run --time 6 --keys 2 --ops-per-key 0 --mix read=80,write=10,cas=10 --cluster "$CLUSTER" \
    --nemesis kill --nemesis-start 2 --nemesis-duration 1 --nemesis-stop 4 --out "$WORK/kill" \
    >"$WORK/kill.out" 2>&1
code=$?
# The data is gone: the versions of the writes after the restart start
# again from 1. conch finds it when a read reaches the restarted store
# before a write on its key does (likely, reads being 80 of 100 ops, not
# certain): a read of nil after a write had completed.
python3 - "$WORK/kill/history.jsonl" <<'PY' || die "the kill lost no data"
import json, sys
before, after, stopped = [], [], False
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["process"] == "nemesis":
        stopped = e["f"] == "stop-kill"
    elif e["type"] == "ok" and e["f"] in ("write", "cas"):
        (after if stopped else before).append(e["version"])
assert before and after and min(after) < max(before), (max(before), min(after or [0]))
PY
case $code in
    0) echo "kill: no read saw the lost data before a write replaced it (exit 0)" ;;
    1) grep -q 'cannot linearize: process [0-9]* read -> nil' "$WORK/kill.out" ||
        die "the lost writes were not explained: $(grep -A5 INVALID "$WORK/kill.out")" ;;
    *) die "kill: exit $code: $(tail -20 "$WORK/kill.out")" ;;
esac
nemesis_run_ok "$WORK/kill" kill $code
ev=$(nemesis_events "$WORK/kill/history.jsonl")
[ "$ev" = "start-kill stop-kill " ] || die "kill events: $ev"
nodes_running || die "conch serve was not started again by the end of the run"
wait_until serve_healthy || die "conch serve did not come back: $(tail -5 "$WORK/serve.log")"
[ "$(cat "$WORK/serve.pid")" != "$pid" ] || die "conch serve was not started again"
grep -q "\"f\":\"stop-kill\",\"value\":{\"nodes\": \[\"n[123]\"\], \"pids\": \[$(cat "$WORK/serve.pid")\]}" \
    "$WORK/kill/history.jsonl" || die "stop-kill does not name the new pid"
stop_pidfile "$WORK/serve.pid"

# ---- clock: an hour ahead through the faketime file ----
SERVE_FAKETIME="$WORK/serve.faketime"
start_serve_node --consistency eventual
u1=$(echo "$SERVE_URLS" | awk '{print $1}')
wall=$(date +%s)
$CONCH run --time 6 --cluster "$CLUSTER" --nemesis clock --nemesis-clock +1h --nemesis-start 2 \
    --nemesis-duration 2 --out "$WORK/clock" "$u1" >"$WORK/clock.out" 2>&1
code=$?
[ $code -eq 0 ] || die "clock: exit $code: $(tail -20 "$WORK/clock.out")"
h="$WORK/clock/history.jsonl"
nemesis_run_ok "$WORK/clock" clock $code
grep '"f":"start-clock"' "$h" | grep '"nodes": \["n[123]"\]' | grep '"faketime": "+1h"' |
    grep -q '"how": "faketime_file"' || die "clock events: $(grep nemesis "$h")"
[ "$(cat "$SERVE_FAKETIME")" = "+0" ] || die "the clock was not set back: $(cat "$SERVE_FAKETIME")"
python3 - "$h" "$wall" <<'PY' || die "the versions do not show the clock an hour ahead"
import json, sys
# conch serve's eventual versions: milliseconds since 1970 << 21 | ...
wall, start, before, during = int(sys.argv[2]), None, [], []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["process"] == "nemesis":
        start = e["time"] if e["f"] == "start-clock" else start
    elif e["type"] == "ok" and e["f"] in ("write", "cas"):
        ms = e["version"] >> 21
        (during if start is not None and e["time"] > start + 1.5e9 else before).append(ms)
        if start is None:
            assert abs(ms / 1000 - wall) < 120, (ms, wall)
assert before and during, (len(before), len(during))
ahead = max(during) / 1000 - wall
assert 3500 < ahead < 3700, ahead
print("before the fault: %d writes at the wall clock; after: %.0f s ahead" % (len(before), ahead))
PY
echo "nemesis on conch serve: partition, pause, kill (data lost) and clock, each recorded"
