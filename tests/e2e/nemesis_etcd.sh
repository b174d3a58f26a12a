#!/bin/sh
# e2e: long
# The nemesis against a real 3-member etcd 3.4 cluster whose peer traffic
# goes through conch proxy (lib/cluster.sh), one fault of each kind on the
# leader (found by conch run's etcd probe), each recorded in the history:
#   partition  the leader cut off from its peers through the proxy, healed;
#   pause      the leader SIGSTOPped, SIGCONTed (the ops it held time out:
#              info);
#   kill       the leader SIGKILLed, started again by its start command
#              (etcd keeps its data on disk);
#   clock      the faketime file of a member started under libfaketime set
#              an hour ahead, then back. etcd is a Go program: it reads the
#              clock through the vDSO, not libc, so its clock does not move;
#              the test shows the fault is applied and undone, not its effect.
# etcd's reads are linearizable: every run passes (exit 0), and conch check
# agrees on the history; its serializable reads (--etcd-serializable) are
# not, and a partition shows it (exit 1, the stale read explained). Every fault is undone by the end of each run
# (members running and answering, the proxy holding no partition), and
# when conch run is stopped mid-fault by SIGTERM, or by SIGKILL (its
# watchdog undoes it).
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/cluster.sh"
need_faketime
start_etcd_cluster

# conch run against the cluster under nemesis $1 into $WORK/$1, further
# options after; sets RC.
run_nemesis() {
    kind=$1
    shift
    $CONCH run --store etcd --time 5 --clients 6 --op-timeout 1000 --cluster "$CLUSTER" \
        --nemesis "$kind" --nemesis-target leader --nemesis-start 1 --nemesis-duration 2 \
        --nemesis-stop 3 --out "$WORK/$kind" "$@" >"$WORK/$kind.out" 2>&1
    RC=$?
    [ $RC -eq 0 ] || die "$kind: exit $RC: $(tail -20 "$WORK/$kind.out")"
    nodes_running || die "$kind: a member is not running after the run"
    proxy_healed || die "$kind: the proxy still holds a partition: $(curl -s "$PROXY_ADMIN/admin/state")"
}

# The one fault of the last run: its start event's value.
fault_value() {
    grep '"f":"start-' "$WORK/$1/history.jsonl" | sed 's/.*"value":\(.*\)}$/\1/'
}

# ---- partition: the leader alone, through conch proxy ----
run_nemesis partition
nemesis_run_ok "$WORK/partition" partition $RC
fault_value partition | grep -q '"groups": \[\["n[123]"\], \["n[123]", "n[123]"\]\], "target": "leader"' ||
    die "not the leader cut off: $(fault_value partition)"
wait_until etcd_healthy || die "etcd is not healthy after the partition"

# ---- pause: the leader stopped; what it held times out, as info ----
run_nemesis pause
nemesis_run_ok "$WORK/pause" pause $RC 1
fault_value pause | grep -q '"nodes": \["n[123]"\]' || die "pause: $(fault_value pause)"
wait_until etcd_healthy || die "etcd is not healthy after the pause"

# ---- kill: the leader killed and started again ----
pids=$(cat "$WORK"/n?.pid | tr '\n' ' ')
run_nemesis kill
nemesis_run_ok "$WORK/kill" kill $RC
victim=$(fault_value kill | sed -n 's/.*"nodes": \["n\([123]\)"\].*/\1/p')
[ -n "$victim" ] || die "kill: $(fault_value kill)"
case " $pids " in *" $(cat "$WORK/n$victim.pid") "*) die "n$victim was not started again" ;; esac
grep -q "\"f\":\"stop-kill\".*\"pids\": \[$(cat "$WORK/n$victim.pid")\]" "$WORK/kill/history.jsonl" ||
    die "stop-kill does not name n$victim's new pid"
wait_until etcd_healthy || die "etcd is not healthy after the kill: $(tail -3 "$WORK/n$victim.log")"

# ---- clock: the faketime file an hour ahead, then back ----
# A watcher records what the files say during the run.
(
    while :; do
        cat "$WORK"/n?.faketime
        sleep 0.1
    done
) >"$WORK/clock.seen" 2>/dev/null &
watcher=$!
PIDS="$PIDS $watcher"
run_nemesis clock --nemesis-clock +1h
kill "$watcher"
nemesis_run_ok "$WORK/clock" clock $RC
fault_value clock | grep '"faketime": "+1h"' | grep -q '"how": "faketime_file"' ||
    die "clock: $(fault_value clock)"
grep -qx '+1h' "$WORK/clock.seen" || die "no faketime file was set ahead during the run"
for k in 1 2 3; do
    [ "$(cat "$WORK/n$k.faketime")" = "+0" ] || die "n$k's clock was not set back: $(cat "$WORK/n$k.faketime")"
    tr '\0' '\n' <"/proc/$(cat "$WORK/n$k.pid")/environ" | grep -q "^FAKETIME_TIMESTAMP_FILE=$WORK/n$k.faketime" ||
        die "n$k does not run under libfaketime"
done

# ---- serializable reads (--etcd-serializable) with the leader cut off:
# the member alone still answers reads from what it holds while the
# others move on, so stale reads are found and explained: exit 1 ----
$CONCH run --store etcd --etcd-serializable --time 6 --clients 6 --keys 2 --op-timeout 500 \
    --cluster "$CLUSTER" --nemesis partition --nemesis-target leader --nemesis-start 1 \
    --nemesis-duration 4 --nemesis-stop 5 --out "$WORK/stale" >"$WORK/stale.out" 2>&1
RC=$?
[ $RC -eq 1 ] || die "serializable reads under a partition: exit $RC, want 1: $(tail -20 "$WORK/stale.out")"
grep -q 'cannot linearize: .* read -> ' "$WORK/stale.out" ||
    die "no read named as the one that cannot be linearized: $(head -30 "$WORK/stale.out")"
grep -q 'smallest counterexample' "$WORK/stale.out" ||
    die "the stale read is not explained: $(head -30 "$WORK/stale.out")"
nemesis_run_ok "$WORK/stale" partition $RC
nodes_running || die "stale: a member is not running after the run"
proxy_healed || die "stale: the proxy still holds a partition"
wait_until etcd_healthy || die "etcd is not healthy after the serializable run"

# ---- conch run stopped mid-fault: SIGTERM during a pause, SIGKILL
# during a partition (the watchdog heals it) ----
for how in TERM:pause KILL:partition; do
    sig=${how%%:*} kind=${how#*:}
    $CONCH run --store etcd --time 30 --clients 2 --cluster "$CLUSTER" --nemesis "$kind" \
        --nemesis-start 0.5 --nemesis-duration 20 --out "$WORK/$sig" \
        >"$WORK/$sig.out" 2>&1 &
    run=$!
    WAIT_S=20 wait_until grep -q "\"f\":\"start-$kind\"" "$WORK/$sig/history.jsonl" ||
        die "no $kind started: $(tail -5 "$WORK/$sig.out")"
    [ "$kind" = pause ] && { nodes_running && die "no member is stopped during the pause"; }
    [ "$kind" = partition ] && { proxy_healed && die "no partition in the proxy during the partition"; }
    kill -"$sig" $run
    wait $run
    # The watchdog acts when conch run's end of its pipe closes; give it
    # a moment, not a fixed sleep.
    WAIT_S=10 wait_until nodes_running || die "SIG$sig during a $kind: a member is still stopped"
    WAIT_S=10 wait_until proxy_healed || die "SIG$sig during a $kind: the partition was not healed"
    wait_until etcd_healthy || die "SIG$sig during a $kind: etcd is not healthy after"
done
echo "nemesis on etcd: partition, pause, kill and clock of the leader, each recorded and undone; stale serializable reads under a partition found; undone on SIGTERM and SIGKILL too"
