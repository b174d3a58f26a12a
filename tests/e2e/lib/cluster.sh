# tests/e2e/lib/cluster.sh - sourced after run_common.sh by the nemesis
# tests: a 3-member etcd cluster whose peer traffic goes through conch
# proxy, and conch serve as a node the nemesis can pause and kill. Each
# writes a cluster file (README: the cluster file) for conch run and conch
# proxy. Everything is stopped on exit, whoever started it last (the
# nemesis restarts nodes): by the pid files.
#
# need_faketime                      skip without libfaketime; FAKETIME_LIB
# start_etcd_cluster                 sets CLUSTER (the file), ETCD_URLS,
#                                    PROXY_ADMIN
# start_serve_node [SERVE ARGS...]   conch serve, 3 replicas, as one node
#                                    process; sets CLUSTER, SERVE_URLS
# etcd_healthy, serve_healthy        every member answers, none is stopped
# nemesis_run_ok DIR KIND CODE [N]   the run's history and verdict checked

NODE_PIDFILES=""

# N ports nothing listens on now, distinct.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Three consecutive free ports (conch serve's replicas); prints the first.
free_port_run() {
    python3 - <<'PY'
import random, socket
for _ in range(1000):
    base = random.randrange(20000, 60000)
    socks = []
    try:
        for i in range(3):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", base + i))
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
PY
}

# Stop the process in pid file $1: SIGCONT (a stopped process cannot act
# on SIGTERM), SIGTERM, SIGKILL after 10 s.
stop_pidfile() {
    p=$(cat "$1" 2>/dev/null)
    [ -n "$p" ] || return 0
    kill -CONT "$p" 2>/dev/null
    kill -TERM "$p" 2>/dev/null || return 0
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$p" 2>/dev/null
    return 0
}

stop_nodes() {
    for f in $NODE_PIDFILES; do
        stop_pidfile "$f"
    done
}
trap 'stop_nodes; cleanup' EXIT

# Wait until "$@" succeeds, up to $WAIT_S seconds (default 60).
wait_until() {
    _end=$(($(date +%s) + ${WAIT_S:-60}))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge $_end ] && return 1
        sleep 0.1
    done
}

# No node process is stopped (SIGSTOP) and each runs.
nodes_running() {
    for f in $NODE_PIDFILES; do
        p=$(cat "$f" 2>/dev/null)
        [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
        s=$(sed -n 's/^State:[[:space:]]*\([A-Za-z]\).*/\1/p' "/proc/$p/status")
        [ "$s" != T ] || return 1
    done
}

etcd_member_healthy() {
    curl -sf --max-time 5 "$1/health" | grep -q '"health":"true"'
}

etcd_healthy() {
    nodes_running || return 1
    for u in $ETCD_URLS; do
        etcd_member_healthy "$u" || return 1
    done
}

# The proxy holds no partition.
proxy_healed() {
    curl -sf --max-time 5 "$PROXY_ADMIN/admin/state" | grep -q '"partition": *null'
}

# Skip unless libfaketime is installed; sets FAKETIME_LIB.
need_faketime() {
    FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
        2>/dev/null | head -n 1)
    [ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (Debian: faketime)"
    # A conch built with ASan (make test SAN=1) refuses to start with
    # libfaketime preloaded ahead of its runtime unless told it may.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    export ASAN_OPTIONS
}

# Start node command $1 (it writes its pid file), output to log $2; under
# libfaketime reading faketime file $3 if given, as the nemesis starts a
# node that has one (so that the clock nemesis can move it while it runs).
start_node() {
    if [ -n "${3:-}" ]; then
        echo "+0" >"$3"
        LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$3 FAKETIME_CACHE_DURATION=1 \
            FAKETIME_DONT_FAKE_MONOTONIC=1 sh -c "$1" >>"$2" 2>&1 &
    else
        sh -c "$1" >>"$2" 2>&1 &
    fi
}

# The cluster file's line for a node: name $1, url $2, pid file $3, start
# $4, log $5, then the optional fields as '"key": "value"' strings.
node_json() {
    printf '{"name": "%s", "url": "%s", "pid_file": "%s", "start": "%s", "log": "%s"' \
        "$1" "$2" "$3" "$4" "$5"
    shift 5
    for f in "$@"; do
        printf ', %s' "$f"
    done
    printf '}'
}

# Three etcd members n1..n3 on free ports: each listens for peers on its
# peer_target, advertises its peer address, where conch proxy listens and
# forwards to the peer_target. With FAKETIME_LIB set (need_faketime), each
# runs under libfaketime reading $WORK/nK.faketime.
start_etcd_cluster() {
    need etcd
    need curl
    need python3
    # shellcheck disable=SC2046
    set -- $(free_ports 10)
    PROXY_ADMIN="http://127.0.0.1:${10}"
    initial="n1=http://127.0.0.1:$4,n2=http://127.0.0.1:$5,n3=http://127.0.0.1:$6"
    CLUSTER="$WORK/cluster.json"
    ETCD_URLS=""
    {
        echo '{"nodes": ['
        for k in 1 2 3; do
            eval "c=\$$k p=\$$((k + 3)) t=\$$((k + 6))"
            start="echo \$\$ > $WORK/n$k.pid; exec etcd --name n$k --data-dir $WORK/n$k.etcd"
            start="$start --listen-client-urls http://127.0.0.1:$c"
            start="$start --advertise-client-urls http://127.0.0.1:$c"
            start="$start --listen-peer-urls http://127.0.0.1:$t"
            start="$start --initial-advertise-peer-urls http://127.0.0.1:$p"
            start="$start --initial-cluster $initial --initial-cluster-state new"
            ft=""
            [ -n "${FAKETIME_LIB:-}" ] && ft="\"faketime_file\":\"$WORK/n$k.faketime\""
            [ $k -gt 1 ] && echo ','
            # shellcheck disable=SC2086
            node_json "n$k" "http://127.0.0.1:$c" "$WORK/n$k.pid" "$start" "$WORK/n$k.log" \
                "\"peer\": \"127.0.0.1:$p\"" "\"peer_target\": \"127.0.0.1:$t\"" $ft
            ETCD_URLS="$ETCD_URLS http://127.0.0.1:$c"
            eval "START$k=\$start"
        done
        echo "], \"admin\": \"$PROXY_ADMIN\"}"
    } >"$CLUSTER"
    : >"$WORK/proxy.out"
    $CONCH proxy --cluster "$CLUSTER" >"$WORK/proxy.out" 2>"$WORK/proxy.err" &
    PIDS="$PIDS $!"
    WAIT_S=20 wait_until grep -q 'admin on' "$WORK/proxy.out" ||
        die "conch proxy did not start: $(cat "$WORK/proxy.err")"
    for k in 1 2 3; do
        eval "start=\$START$k"
        start_node "$start" "$WORK/n$k.log" ${FAKETIME_LIB:+"$WORK/n$k.faketime"}
        NODE_PIDFILES="$NODE_PIDFILES $WORK/n$k.pid"
    done
    wait_until etcd_healthy || die "the etcd cluster did not become healthy: $(tail -3 "$WORK/n1.log")"
}

# conch serve's 3 replicas as one process, on fixed ports (so the nemesis
# can start it again on them), described as three nodes sharing that
# process; partitions through its own /admin/partition. With
# SERVE_FAKETIME set to a file (and need_faketime), under libfaketime.
start_serve_node() {
    need curl
    need python3
    base=$(free_port_run)
    [ -n "$base" ] || die "no three consecutive free ports"
    start="echo \$\$ > $WORK/serve.pid; exec $CONCH serve --port $base $*"
    CLUSTER="$WORK/serve-cluster.json"
    SERVE_URLS=""
    ft=""
    [ -n "${SERVE_FAKETIME:-}" ] && ft="\"faketime_file\":\"$SERVE_FAKETIME\""
    {
        echo '{"nodes": ['
        for k in 1 2 3; do
            [ $k -gt 1 ] && echo ','
            # shellcheck disable=SC2086
            node_json "n$k" "http://127.0.0.1:$((base + k - 1))" "$WORK/serve.pid" "$start" \
                "$WORK/serve.log" $ft
            SERVE_URLS="$SERVE_URLS http://127.0.0.1:$((base + k - 1))"
        done
        echo "], \"admin\": \"http://127.0.0.1:$base\"}"
    } >"$CLUSTER"
    start_node "$start" "$WORK/serve.log" ${SERVE_FAKETIME:+"$SERVE_FAKETIME"}
    NODE_PIDFILES="$NODE_PIDFILES $WORK/serve.pid"
    wait_until serve_healthy || die "conch serve did not start: $(tail -3 "$WORK/serve.log")"
}

serve_healthy() {
    nodes_running || return 1
    for u in $SERVE_URLS; do
        curl -sf --max-time 5 "$u/health" >/dev/null || return 1
    done
}

# The run in folder $1 under nemesis kind $2 that exited $3: its history
# checked by nemesis_history.py (the faults recorded and undone, the ops
# classified honestly, at least $4 timed out, report.html beside it with a
# band per fault: drawn as tests/e2e/report_html.sh shows), then
# `conch check` on it: 0 or 1, and what the run said.
nemesis_run_ok() {
    python3 "$LIB/nemesis_history.py" "$1/history.jsonl" "$2" "${4:-0}" ||
        die "the $2 history: $(grep -c . "$1/history.jsonl") lines"
    $CONCH check "$1/history.jsonl" >"$1/check.out" 2>&1
    code=$?
    [ $code -le 1 ] || die "conch check on the $2 history: exit $code: $(tail -5 "$1/check.out")"
    [ $code -eq "$3" ] || die "conch check says $code on the $2 history, conch run said $3"
}
