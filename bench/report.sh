#!/bin/sh
# The reports on large histories (conch gen, some reads stale): the HTML
# report's size and the time conch takes to write it (what conch check -v
# says: building the page and writing it, the check not included), and the
# smallest counterexample of the first invalid part (its ops, optional ones
# counted, of the part's ops, and the time the shrinking took, from the
# JSON report). conch gen's histories are register ones, --cas where said.
# BIG=N sets the large size (default 1000000).
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
BIG=${BIG:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "== reports: HTML size and time to write it; the first invalid part's counterexample"
printf '%-44s %8s %8s %8s %10s %9s\n' history "html MB" "html s" "cx ops" "cx of" "cx s"
row() {
    label=$1 ops=$2 keys=$3 stale=$4
    shift 4
    "$CONCH" gen --ops "$ops" --sessions 64 --keys "$keys" --stale "$stale" --crash 0.02 \
        --seed 1 "$@" -o "$dir/h.jsonl" || return
    "$CONCH" check -v --checks lin --format json --html "$dir/r.html" "$dir/h.jsonl" \
        >"$dir/r.json" 2>"$dir/r.err"
    line=$(grep 'MB written' "$dir/r.err")
    mb=$(echo "$line" | sed 's/.*: \([0-9.]*\) MB written.*/\1/')
    s=$(echo "$line" | sed 's/.* in \([0-9.]*\) s$/\1/')
    cx=$(python3 -c "import json
d=json.load(open('$dir/r.json'))['files'][0]['checks']['linearizability']['parts']
p=[p for p in d if 'counterexample' in p]
if not p: print('- - -')
else:
    c=p[0]['counterexample']
    print(len(c['ops']), p[0]['ops'], '%.3f' % c['seconds'])")
    # shellcheck disable=SC2086
    printf '%-44s %8s %8s %8s %10s %9s\n' "$label" "$mb" "$s" $cx
}
row "100,000 ops, 100 keys, cas, stale 0.001" 100000 100 0.001 --cas
row "100,000 ops, 1 key, stale 0.002" 100000 1 0.002
row "$BIG ops, 1,000 keys, cas, stale 0.0002" "$BIG" 1000 0.0002 --cas
row "$BIG ops, 1 key, stale 0.001" "$BIG" 1 0.001
echo
