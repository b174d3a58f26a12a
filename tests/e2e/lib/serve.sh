# tests/e2e/lib/serve.sh - sourced by tests/e2e/serve_*.sh: start and stop
# `conch serve`, and talk to it with curl.
#
# serve_start N ARGS... starts "$CONCH serve --replicas N --port 0 ARGS" on
#                       127.0.0.1 (the OS picks free ports, so tests never
#                       collide), waits for every replica's /health, and
#                       sets SERVE_PID and U1 .. UN (the replicas' URLs).
# req METHOD URL [BODY] [TOKEN]
#                       one request; sets CODE (HTTP status), BODY (response
#                       body) and TOKEN (the X-Conch-Session header). Loops
#                       running at once set REQ_ID to keep their files apart.
# url N                 the URL of replica (N mod replicas) + 1.
# field NAME            the integer "NAME": holds in BODY.
# bg CMD...             run CMD in the background (stopped on exit); wait_bg
#                       waits for every such command.
# Everything started is stopped on exit (trap), and $T, the scratch
# directory, removed.
set -u
CONCH=${CONCH:-./conch}
command -v curl >/dev/null 2>&1 || { echo "curl is not installed"; exit 77; }
T=$(mktemp -d)
SERVE_PID=
BG_PIDS=

cleanup() {
    for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
    if [ -n "$SERVE_PID" ]; then
        kill -TERM "$SERVE_PID" 2>/dev/null
        i=0
        while kill -0 "$SERVE_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$SERVE_PID" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*"
    [ -s "$T/serve.err" ] && { echo "--- conch serve stderr:"; tail -n 20 "$T/serve.err"; }
    exit 1
}

serve_start() {
    _n=$1
    SERVE_N=$1
    shift
    : >"$T/serve.out" # emptied here, not by the child: the loop below must not see an earlier server's lines
    "$CONCH" serve --replicas "$_n" --port 0 --bind 127.0.0.1 "$@" >"$T/serve.out" 2>"$T/serve.err" &
    SERVE_PID=$!
    i=0
    until [ "$(grep -c ' on http://' "$T/serve.out" 2>/dev/null)" -ge "$_n" ] 2>/dev/null; do
        kill -0 "$SERVE_PID" 2>/dev/null || fail "conch serve $* exited: $(cat "$T/serve.err")"
        i=$((i + 1))
        [ $i -lt 100 ] || fail "conch serve $* printed no addresses in 5 s"
        sleep 0.05
    done
    k=1
    for u in $(sed -n 's/.* on \(http:[^ ]*\) .*/\1/p' "$T/serve.out"); do
        eval "U$k=$u"
        i=0
        until curl -fs "$u/health" >/dev/null 2>&1; do
            i=$((i + 1))
            [ $i -lt 100 ] || fail "$u/health does not answer"
            sleep 0.05
        done
        k=$((k + 1))
    done
}

req() {
    _m=$1 _u=$2 _b=${3:-} _t=${4:-} _f="$T/req.${REQ_ID:-main}"
    set -- -s -o "$_f.body" -D "$_f.head" -w '%{http_code}' -X "$_m" --max-time 10
    [ -n "$_b" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "$_b"
    [ -n "$_t" ] && set -- "$@" -H "X-Conch-Session: $_t"
    CODE=$(curl "$@" "$_u")
    BODY=$(cat "$_f.body" 2>/dev/null)
    TOKEN=$(sed -n 's/^[Xx]-[Cc]onch-[Ss]ession: *\([0-9]*\).*/\1/p' "$_f.head" 2>/dev/null | tr -d '\r')
}

field() {
    printf '%s' "$BODY" | sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"
}

# The URL of replica (N mod replicas) + 1.
url() {
    eval "printf %s \"\$U$(($1 % SERVE_N + 1))\""
}

bg() {
    "$@" &
    BG_PIDS="$BG_PIDS $!"
}

wait_bg() {
    for p in $BG_PIDS; do wait "$p"; done
    BG_PIDS=
}

expect_code() {
    [ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, want $1; body: $BODY"
}
