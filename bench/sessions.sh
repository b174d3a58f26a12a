#!/bin/sh
# Session checks on a generated history of 1,000,000 ops (64 sessions,
# 1,000 keys, cas-register), with and without the store's versions; the
# linearizability search on the same history for comparison. The times are
# conch's own (reading the file is not in them); the wall time of the
# whole run is beside them.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
OPS=${OPS:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

field() { # field FILE PATH.TO.VALUE
    python3 -c "import json,sys
d=json.load(open('$1'))['files'][0]
for k in '$2'.split('.'): d=d[k]
print(round(d,3) if isinstance(d,float) else d)"
}

echo "== session guarantees: $OPS ops, 64 sessions, 1000 keys (conch gen --seed 1)"
"$CONCH" gen --ops "$OPS" --sessions 64 --keys 1000 --cas --versions --seed 1 -o "$dir/v.jsonl"
"$CONCH" gen --ops "$OPS" --sessions 64 --keys 1000 --cas --seed 1 -o "$dir/n.jsonl"
printf '%-34s %12s %12s %s\n' "check" "check s" "wall s" "verdict"
run() { # run LABEL FILE ARGS...
    label=$1 file=$2
    shift 2
    t0=$(date +%s%N)
    "$CONCH" check --format json "$@" "$file" > "$dir/out.json" 2>/dev/null
    t1=$(date +%s%N)
    wall=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
    case $* in
        *lin*) s=$(field "$dir/out.json" checks.linearizability.seconds) ;;
        *) s=$(field "$dir/out.json" checks.sessions.seconds) ;;
    esac
    printf '%-34s %12s %12s %s\n' "$label" "$s" "$wall" "$(field "$dir/out.json" verdict)"
}
run "sessions, store versions" "$dir/v.jsonl" --checks ryw,mr,mw,wfr
run "sessions, inferred order" "$dir/n.jsonl" --checks ryw,mr,mw,wfr --version-order inferred
run "sessions, inferred + real time" "$dir/n.jsonl" --checks ryw,mr,mw,wfr --version-order realtime
run "linearizability (search, -j2)" "$dir/n.jsonl" --checks lin --search
echo "goal: the session checks under 2 s, well under the linearizability time"
