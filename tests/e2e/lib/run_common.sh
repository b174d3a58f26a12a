# Shared by the conch run end-to-end tests (tests/e2e/run_*.sh); sourced,
# not run. Everything started is stopped by the EXIT trap; everything
# listens on 127.0.0.1.
set -u
CONCH=${CONCH:-./conch}
LIB=$(cd "$(dirname "$0")/lib" && pwd)
WORK=$(mktemp -d)
PIDS=""

cleanup() {
    for p in $PIDS; do
        kill "$p" 2>/dev/null
    done
    for p in $PIDS; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() {
    echo "$*"
    exit 77
}

die() {
    echo "FAIL: $*"
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# A port nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets DEAD_PORTS to N ports where nothing listens and nothing can start
# listening while this test runs: a process holds each bound, not
# listening (a connection is refused). A port free_port found free could
# be taken by another test's server meanwhile (a run meant to meet dead
# URLs then met another test's store, and mixed two stores' answers).
hold_dead_ports() {
    : >"$WORK/dead.out"
    python3 -c '
import socket, sys, time
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks), flush=True)
time.sleep(3600)' "$1" >"$WORK/dead.out" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$WORK/dead.out" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && die "could not hold $1 ports"
        sleep 0.05
    done
    DEAD_PORTS=$(cat "$WORK/dead.out")
}

# py_server FILE ARGS...: start the Python server in FILE with ARGS; it
# prints "ready PORT" once it listens on 127.0.0.1. Sets PY_URL.
PY_SERVERS=0
py_server() {
    need python3
    PY_SERVERS=$((PY_SERVERS + 1))
    out="$WORK/py$PY_SERVERS.out"
    python3 "$@" >"$out" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    until grep -q '^ready' "$out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && die "$1 did not start: $(cat "$out")"
        sleep 0.05
    done
    PY_URL="http://127.0.0.1:$(awk '/^ready/ {print $2}' "$out")"
}

# Start python3 script $1 (in lib/) with the rest as its options. Sets FAKE_URL.
start_py_server() {
    script=$1
    shift
    py_server "$LIB/$script" "$@"
    FAKE_URL=$PY_URL
}

# Start the Python store in file $1, with the arguments that follow;
# sets STORE_URL.
start_store() {
    py_server "$@"
    STORE_URL=$PY_URL
}

# Start the fake store with the given options; sets FAKE_URL.
start_fake() {
    start_py_server fake_store.py "$@"
}

# Start a single-node etcd on free loopback ports, with ARGS added to its
# command line; sets ETCD_URL.
start_etcd() {
    need etcd
    need curl
    need python3
    cport=$(free_port)
    pport=$(free_port)
    [ "$cport" = "$pport" ] && pport=$(free_port)
    etcd --name conch-test --data-dir "$WORK/etcd" \
        --listen-client-urls "http://127.0.0.1:$cport" \
        --advertise-client-urls "http://127.0.0.1:$cport" \
        --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "conch-test=http://127.0.0.1:$pport" "$@" >"$WORK/etcd.log" 2>&1 &
    PIDS="$PIDS $!"
    ETCD_URL="http://127.0.0.1:$cport"
    i=0
    until curl -sf "$ETCD_URL/health" 2>/dev/null | grep -q true; do
        i=$((i + 1))
        [ $i -gt 100 ] && die "etcd did not start: $(tail -5 "$WORK/etcd.log")"
        sleep 0.1
    done
}

# Every invoke in history $1 has a completion.
complete_history() {
    inv=$(grep -c '"type":"invoke"' "$1")
    done=$(grep -cE '"type":"(ok|fail|info)"' "$1")
    [ "$inv" -gt 0 ] || die "$1 has no invocations"
    [ "$inv" -eq "$done" ] || die "$1: $inv invocations but $done completions"
}

# Skip unless this conch has the built-in store.
need_serve() {
    $CONCH serve --help >/dev/null 2>&1 || skip "conch serve is not built in this binary"
}

# Start conch serve (3 replicas, free ports) with the given options; sets
# SERVE_URLS (space-separated) and SERVE_PID. Stop it with stop_serve.
start_serve() {
    # Emptied here, not only by the child's redirection: under load the loop
    # below could otherwise read the previous server's URLs before the new
    # child truncates the file, and go on with none.
    : >"$WORK/serve.out"
    $CONCH serve --replicas 3 --port 0 "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    i=0
    while [ "$(grep -c 'http://' "$WORK/serve.out" 2>/dev/null)" -lt 3 ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && die "conch serve $* did not start: $(cat "$WORK/serve.err")"
        sleep 0.05
    done
    SERVE_URLS=$(grep -o 'http://[^ ()]*' "$WORK/serve.out" | tr '\n' ' ')
}

stop_serve() {
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
}
