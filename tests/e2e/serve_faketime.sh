#!/bin/sh
# conch serve under libfaketime, its wall clock an hour ahead, as the
# nemesis's clock fault starts it: gossip still runs (its timed waits are on
# the real monotonic clock), and SIGTERM stops it at once with exit 0.
# Under make test SAN=thread this is the smallest run that showed waits made
# through libfaketime's pthread_cond_timedwait, which ThreadSanitizer cannot
# see: it took the mutex for held by the waiting thread and reported a
# double lock when shutdown took it (store/http.c, store/cluster.c).
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/cluster.sh"
need_faketime
SERVE_FAKETIME="$WORK/serve.faketime"
start_serve_node --consistency eventual --gossip-ms 100
echo "+1h" >"$SERVE_FAKETIME"
# shellcheck disable=SC2086
set -- $SERVE_URLS
# The file is read again within a second (FAKETIME_CACHE_DURATION=1); the
# version is the hybrid clock, milliseconds since 1970 << 21 | ...
ahead() {
    curl -sf -X PUT -d '{"value":7}' "$1/kv/x" >"$WORK/put" || return 1
    python3 - "$WORK/put" "$(date +%s)" <<'PY'
import json, sys
ahead = (json.load(open(sys.argv[1]))["version"] >> 21) / 1000 - int(sys.argv[2])
assert 3500 < ahead < 3700, ahead
PY
}
WAIT_S=10 wait_until ahead "$1" || die "the writes' versions are not an hour ahead: $(cat "$WORK/put")"
n2_has_it() { curl -sf "$2/kv/x" | grep -q '"value":7'; }
WAIT_S=10 wait_until n2_has_it "$@" || die "gossip did not carry the write to n2 under the faked clock"
pid=$(cat "$WORK/serve.pid")
t0=$(date +%s)
kill -TERM "$pid"
wait "$pid"
code=$?
[ $code -eq 0 ] || die "conch serve exited $code on SIGTERM: $(tail -5 "$WORK/serve.log")"
[ $(($(date +%s) - t0)) -le 5 ] || die "conch serve took more than 5 s to stop"
grep -q 'SIGTERM, shutting down' "$WORK/serve.log" || die "no shutdown line: $(tail -3 "$WORK/serve.log")"
echo "conch serve under libfaketime (+1h): gossip runs, SIGTERM stops it (exit 0)"
