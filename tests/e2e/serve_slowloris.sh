#!/bin/sh
# e2e: alone
# serve_slowloris.sh - slow clients cannot keep conch serve from answering
# others (Slowloris: connections that each send a header byte a second,
# which restarts libmicrohttpd's idle timeout at every byte; 1,100 of them
# once stopped a replica from answering anyone).
#   1. With the default limits, 1,100 slow connections from one address
#      get at most --max-conns-per-ip of n1's connections: a client from
#      another address is answered while they last.
#   2. When slow clients from many addresses fill every connection
#      (--max-conns), --request-timeout-ms closes them, and a client that
#      was waiting for a connection is answered, though they reconnect.
# What is asserted is that the client is answered, not how fast.
. "$(dirname "$0")/lib/serve.sh"
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
SLOW="python3 $(dirname "$0")/lib/slow_client.py"

# slow OUT ARGS...: start slow_client.py against n1 with ARGS, its output
# in $T/OUT; sets SLOW_PID once every connection has been tried.
slow() {
    _out=$T/$1
    shift
    $SLOW 127.0.0.1 "${U1##*:}" "$@" >"$_out" 2>&1 &
    SLOW_PID=$!
    BG_PIDS="$BG_PIDS $SLOW_PID"
    i=0
    until grep -q '^ready' "$_out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || fail "the slow clients did not start: $(cat "$_out")"
        sleep 0.1
    done
}

# 1. One greedy address, default limits.
serve_start 1
slow slow1.out --conns 1100 --sources 127.0.0.2 --duration 30
sleep 2 # a byte or two from each
req PUT "$U1/kv/k" '{"value":1}'
expect_code 200 "a write while 1,100 slow connections from 127.0.0.2 are open"
req GET "$U1/kv/k"
expect_code 200 "a read while 1,100 slow connections from 127.0.0.2 are open"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=

# 2. Many addresses fill every connection; the request timeout frees them.
serve_start 1 --max-conns 64 --max-conns-per-ip 64 --request-timeout-ms 1500
addrs=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5
slow slow2.out --conns 64 --sources $addrs --byte-every 0.2 --duration 20 --reconnect
sleep 0.5
req GET "$U1/health"
expect_code 200 "health while slow clients hold every connection"
kill -TERM "$SLOW_PID"
wait "$SLOW_PID"
grep -q 'closed_by_server [1-9]' "$T/slow2.out" ||
    fail "no slow connection was closed by the server: $(cat "$T/slow2.out")"
echo "slowloris: limits per address and the request timeout keep n1 answering"
