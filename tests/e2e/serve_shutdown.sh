#!/bin/sh
# serve_shutdown.sh - conch serve stops cleanly (exit 0, quickly) on SIGTERM
# while clients are busy and requests are waiting for replicas, and on
# SIGINT.
. "$(dirname "$0")/lib/serve.sh"

# stop SIGNAL: signal the server, wait at most 3 s, expect exit 0.
stop() {
    kill -"$1" "$SERVE_PID"
    i=0
    while kill -0 "$SERVE_PID" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 30 ] || fail "still running 3 s after SIG$1"
        sleep 0.1
    done
    wait "$SERVE_PID"
    code=$?
    SERVE_PID=
    [ $code = 0 ] || fail "exit $code after SIG$1, want 0"
    grep -q "shutting down" "$T/serve.err" || fail "nothing said on SIG$1"
}

# Busy clients, and session reads parked waiting for a token no replica
# will reach (they would wait 10 s).
serve_start 3 --consistency session --timeout-ms 10000
load() {
    REQ_ID=l$1
    i=0
    while :; do
        req PUT "$(url $i)/kv/l$1" "{\"value\":$i}"
        i=$((i + 1))
    done
}
for c in 1 2 3; do bg load $c; done
for c in 1 2; do
    bg curl -s -o /dev/null -H 'X-Conch-Session: 999999' "$U2/kv/x"
done
sleep 0.5
stop TERM
for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
BG_PIDS=

serve_start 1 --consistency eventual
stop INT
echo "shutdown: clean exit on SIGTERM under load and on SIGINT"
