#!/bin/sh
# bench/serve.sh - requests per second of `conch serve`, measured with wrk:
# 32 connections on one replica, GETs of one key and PUTs of one key, in
# each consistency mode (linearizable first: the issue asks 20,000 req/s
# there). Prints one line per figure; exits 0 (or 77 without wrk or curl).
#
#   CONCH=./conch sh bench/serve.sh            # 5 s per figure
#   BENCH_SECONDS=10 BENCH_MODES=linearizable BENCH_SERVE_ARGS="--threads 8" sh bench/serve.sh
set -u
CONCH=${CONCH:-./conch}
SECS=${BENCH_SECONDS:-5}
MODES=${BENCH_MODES:-linearizable session eventual quorum}
for tool in wrk curl; do
    command -v $tool >/dev/null 2>&1 || { echo "bench/serve.sh: $tool is not installed, skipped"; exit 77; }
done
T=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$T/put.lua" <<'LUA'
wrk.method = "PUT"
wrk.body = '{"value":{"n":12345,"s":"a value of some size"}}'
wrk.headers["Content-Type"] = "application/json"
LUA

# run LABEL URL [wrk args]: one wrk run, one line of figures.
run() {
    label=$1 url=$2
    shift 2
    wrk -t2 -c32 -d"${SECS}s" --latency "$@" "$url" >"$T/wrk" 2>&1
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk")
    p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$T/wrk")
    p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$T/wrk")
    bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk")
    errs=$(sed -n 's/^ *Socket errors: *\(.*\)/\1/p' "$T/wrk")
    if [ -z "$rps" ]; then
        printf '%-44s no figure; wrk said: %s\n' "$label" "$(tail -n 3 "$T/wrk" | tr '\n' ' ')"
        return
    fi
    printf '%-44s %10s req/s   p50 %-8s p99 %-8s%s%s\n' "$label" "$rps" "${p50:-?}" "${p99:-?}" \
        "${bad:+  non-2xx: $bad}" "${errs:+  socket errors: $errs}"
}

echo "conch serve, wrk -t2 -c32 -d${SECS}s against one replica ($(nproc) cores, wrk on the same machine)"
for mode in $MODES; do
    : >"$T/out" # emptied here, not by the child: the loop below must not see the last server's lines
    # shellcheck disable=SC2086
    "$CONCH" serve --port 0 --consistency "$mode" ${BENCH_SERVE_ARGS:-} >"$T/out" 2>"$T/err" &
    PID=$!
    i=0
    until [ "$(grep -c ' on http://' "$T/out" 2>/dev/null)" -ge 3 ] 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] && kill -0 "$PID" 2>/dev/null || { echo "conch serve did not start: $(cat "$T/err")"; exit 1; }
        sleep 0.05
    done
    u1=$(sed -n '1s/.* on \(http:[^ ]*\) .*/\1/p' "$T/out")
    u2=$(sed -n '2s/.* on \(http:[^ ]*\) .*/\1/p' "$T/out")
    curl -s -X PUT -d '{"value":1}' "$u1/kv/bench" >/dev/null
    if [ "$mode" = linearizable ] || [ "$mode" = session ]; then
        run "$mode: GET at the leader n1" "$u1/kv/bench"
        run "$mode: PUT at the leader n1" "$u1/kv/bench" -s "$T/put.lua"
        run "$mode: GET at a follower n2" "$u2/kv/bench"
        run "$mode: PUT at a follower n2" "$u2/kv/bench" -s "$T/put.lua"
    else
        run "$mode: GET at n1" "$u1/kv/bench"
        run "$mode: PUT at n1" "$u1/kv/bench" -s "$T/put.lua"
    fi
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null
    PID=
done
