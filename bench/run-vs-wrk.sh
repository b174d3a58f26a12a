#!/bin/sh
# bench/run-vs-wrk.sh - conch run's throughput beside wrk's, on the same
# endpoint with the same concurrency: how much of what the store can serve
# conch run reaches while it records and checks a history.
#
# Target: one replica (n1, the leader) of `conch serve --consistency
# linearizable`, or a single-node etcd when this conch has no serve.
# wrk sends the read (GET /kv/KEY, or etcd's POST /v3/kv/range) over
# $CLIENTS connections; conch run does reads only (--mix read=100) with
# $CLIENTS clients, then the default cas-register mix for reference.
# Best of $ROUNDS rounds of $SECS s each, rounds alternating, since the
# machine may be busy with other work. Goal: conch run >= 0.7 of wrk.
#
#   CONCH=./conch SECS=5 CLIENTS=32 ROUNDS=2 sh bench/run-vs-wrk.sh
set -u
CONCH=${CONCH:-./conch}
SECS=${SECS:-5}
CLIENTS=${CLIENTS:-32}
ROUNDS=${ROUNDS:-2}
command -v wrk >/dev/null 2>&1 || { echo "run-vs-wrk: wrk is not installed: skipped"; exit 0; }
command -v curl >/dev/null 2>&1 || { echo "run-vs-wrk: curl is not installed: skipped"; exit 0; }
WORK=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if $CONCH serve --help >/dev/null 2>&1; then
    $CONCH serve --replicas 3 --port 0 --consistency linearizable >"$WORK/serve.out" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    until grep -q 'http://' "$WORK/serve.out" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "run-vs-wrk: conch serve did not start"; exit 1; }
        sleep 0.05
    done
    URL=$(grep -o 'http://[^ ()]*' "$WORK/serve.out" | head -n 1)
    STORE=conch
    TARGET="conch serve --consistency linearizable, replica n1 ($URL)"
    curl -s -X PUT -d '{"value":1}' "$URL/kv/bench" >/dev/null
    WRK_URL="$URL/kv/bench"
    WRK_SCRIPT=""
elif command -v etcd >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    cport=$(free_port) pport=$(free_port)
    etcd --name bench --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$cport" \
        --advertise-client-urls "http://127.0.0.1:$cport" \
        --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "bench=http://127.0.0.1:$pport" >"$WORK/etcd.log" 2>&1 &
    PIDS="$PIDS $!"
    URL="http://127.0.0.1:$cport"
    i=0
    until curl -sf "$URL/health" 2>/dev/null | grep -q true; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "run-vs-wrk: etcd did not start"; exit 1; }
        sleep 0.1
    done
    STORE=etcd
    TARGET="etcd $(etcd --version | head -n 1 | awk '{print $3}'), single node ($URL)"
    WRK_URL="$URL/v3/kv/range"
    printf 'wrk.method = "POST"\nwrk.body = "{\\"key\\":\\"YmVuY2g=\\"}"\n' >"$WORK/range.lua"
    WRK_SCRIPT="-s $WORK/range.lua"
else
    echo "run-vs-wrk: neither conch serve nor etcd is available: skipped"
    exit 0
fi

best_wrk=0 best_run=0 best_mix=0
r=0
while [ $r -lt "$ROUNDS" ]; do
    r=$((r + 1))
    # shellcheck disable=SC2086
    w=$(wrk -t2 -c"$CLIENTS" -d"${SECS}s" $WRK_SCRIPT "$WRK_URL" | awk '/Requests\/sec/ {printf "%d", $2}')
    [ "${w:-0}" -gt "$best_wrk" ] && best_wrk=$w
    $CONCH run --store $STORE --clients "$CLIENTS" --time "$SECS" --mix read=100 --keys 8 \
        --out "$WORK/read$r" "$URL" >"$WORK/read$r.out" 2>&1
    c=$(sed -n 's/.* ops in .* (\([0-9]*\) ops\/s).*/\1/p' "$WORK/read$r.out")
    [ "${c:-0}" -gt "$best_run" ] && best_run=$c
done
$CONCH run --store $STORE --clients "$CLIENTS" --time "$SECS" --out "$WORK/mix" "$URL" \
    >"$WORK/mix.out" 2>&1
best_mix=$(sed -n 's/.* ops in .* (\([0-9]*\) ops\/s).*/\1/p' "$WORK/mix.out")

echo "run-vs-wrk: $TARGET"
echo "run-vs-wrk: $CLIENTS connections, best of $ROUNDS rounds of $SECS s, $(nproc) cores"
printf '  %-46s %8d requests/s\n' "wrk -t2 -c$CLIENTS (reads)" "$best_wrk"
printf '  %-46s %8d ops/s\n' "conch run --clients $CLIENTS --mix read=100" "$best_run"
printf '  %-46s %8d ops/s\n' "conch run --clients $CLIENTS (cas-register mix)" "${best_mix:-0}"
awk -v a="$best_run" -v b="$best_wrk" 'BEGIN {
    if (b == 0) { print "  ratio: wrk measured nothing"; exit }
    r = a / b
    printf "  ratio conch run / wrk: %.2f (goal >= 0.70%s)\n", r, (r >= 0.7 ? ", met" : ", NOT met") }'
