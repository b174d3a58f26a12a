#!/bin/sh
# Transactions: 1,000,000 list-append txns (4 micro-ops each, 64 clients),
# from conch gen --workload list-append, read and checked by conch check
# (strict serializable, its default). Per history: the verdict, the txn
# check's own time (from the JSON report: reading is not in it), and the
# whole process's wall time and peak memory (GNU time), the best wall time
# of $TXN_REPS runs. The same with one of each anomaly conch gen plants,
# which the report must name. TXNS=N for another size.
set -u
. "$(dirname "$0")/_lib.sh"
bench_start "transactions"
TXNS=${TXNS:-1000000}
REPS=${TXN_REPS:-3}

gen() { # gen FILE ARGS...
    f=$1
    shift
    "$CONCH" gen --workload list-append --ops "$TXNS" --sessions 64 --keys 64 --mops 4 --seed 1 \
        "$@" -o "$f"
}

best_wall= best_mb=
# run LABEL FILE: one row, the best of REPS runs
run() {
    best_wall= best_mb=
    i=0
    while [ $i -lt "$REPS" ]; do
        $TIME -f '%e %M' -o "$dir/t" "$CONCH" check --format json "$2" >"$dir/out.json" 2>/dev/null
        read -r wall kb <<EOF
$(tail -n 1 "$dir/t")
EOF
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall best_mb=$((kb / 1024))
        fi
        i=$((i + 1))
    done
    printf '%-34s %-8s %9s %8s %7s\n' "$1" "$(field "$dir/out.json" verdict)" \
        "$(field "$dir/out.json" checks.transactions.seconds)" "$best_wall" "$best_mb"
}

echo "== transactions: $TXNS list-append txns, 4 micro-ops each, 64 clients, 64 keys at a time"
echo "   (conch gen --workload list-append --ops $TXNS --sessions 64 --keys 64 --mops 4 --seed 1;"
echo "    conch check, strict serializable; best wall time of $REPS runs, its peak memory)"
gen "$dir/valid.jsonl"
echo "   history: $(($(wc -c <"$dir/valid.jsonl") / 1048576)) MB"
printf '%-34s %-8s %9s %8s %7s\n' history verdict "check s" "wall s" "MB"
run "strict serializable" "$dir/valid.jsonl"
met=met
awk -v s="$best_wall" 'BEGIN { exit !(s < 10) }' && [ "$best_mb" -lt 2048 ] || met="NOT met"
echo "goal: read and checked in under 10 s and 2 GB: $met ($best_wall s, $best_mb MB)"
rm -f "$dir/valid.jsonl"

gen "$dir/planted.jsonl" --plant all
run "one of each anomaly planted" "$dir/planted.jsonl"
named=$(python3 -c "import json
d=json.load(open('$dir/out.json'))['files'][0]['checks']['transactions']['anomalies']
print(' '.join(sorted(d)))")
echo "   anomalies named: $named"
