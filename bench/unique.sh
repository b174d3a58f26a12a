#!/bin/sh
# The unique-value path (checker/unique.c) on one hot key: histories from
# conch gen, whose written values are unique, decided without search.
# Per history: the linearizability check's own time (its parts', from the
# JSON report: reading and compiling the ops are not in it), and the whole
# process's wall time and peak memory (GNU time). SEARCH=1 adds the search (--search) on the 2,000-op ones, for
# comparison: seconds and gigabytes each.
set -u
. "$(dirname "$0")/_lib.sh"
bench_start "unique-value path"
BIG=${BIG:-1000000}

worst_s=0 worst_mb=0
# run LABEL FILE ARGS...: one row. The decision's figures are taken with
# --minimize-time 0 (no smallest counterexample sought: bench/report.sh
# measures that); for an invalid history the last two columns are the
# whole process's again with it (the default, up to 3 s).
run() {
    label=$1 file=$2
    shift 2
    $TIME -f '%e %M' -o "$dir/t" "$CONCH" check --checks lin --format json --minimize-time 0 \
        "$@" "$file" >"$dir/out.json" 2>/dev/null
    read -r wall kb <<EOF
$(tail -n 1 "$dir/t")
EOF
    mb=$((kb / 1024))
    s=$(field "$dir/out.json" checks.linearizability.seconds 4)
    path=$(field "$dir/out.json" checks.linearizability.parts.0.path)
    verdict=$(field "$dir/out.json" verdict)
    cx_wall=- cx_mb=-
    if [ "$verdict" = invalid ]; then
        $TIME -f '%e %M' -o "$dir/t" "$CONCH" check --checks lin "$@" "$file" >/dev/null 2>&1
        read -r cx_wall kb <<EOF
$(tail -n 1 "$dir/t")
EOF
        cx_mb=$((kb / 1024))
    fi
    printf '%-44s %-8s %-13s %9s %8s %7s %10s %7s\n' "$label" "$verdict" "$path" \
        "$s" "$wall" "$mb" "$cx_wall" "$cx_mb"
    last_s=$wall last_mb=$mb
}
header() {
    printf '%-44s %-8s %-13s %9s %8s %7s %10s %7s\n' history verdict decided-by "check s" "wall s" \
        "MB" "+cx wall s" "+cx MB"
}

echo "== unique-value path: one key, 16 clients, 2,000 ops, 3% crashed"
echo "   (conch gen --keys 1 --sessions 16 --ops 2000 --crash 0.03 [--cas|--append] [--stale P] --seed N)"
header
for w in register cas append; do
    flag=
    [ $w = register ] || flag=--$w
    for stale in 0 0.02; do
        for seed in 1 2 3; do
            f=$dir/$w-$stale-$seed.jsonl
            # shellcheck disable=SC2086
            "$CONCH" gen --keys 1 --sessions 16 --ops 2000 --crash 0.03 $flag --stale $stale \
                --seed $seed -o "$f"
            run "$w, stale $stale, seed $seed" "$f"
            worst_s=$(awk -v a="$worst_s" -v b="$last_s" 'BEGIN { print (b > a) ? b : a }')
            [ "$last_mb" -gt "$worst_mb" ] && worst_mb=$last_mb
        done
    done
done
met=met
awk -v s="$worst_s" 'BEGIN { exit !(s < 0.1) }' && [ "$worst_mb" -lt 50 ] || met="NOT met"
echo "goal: each decided in under 0.1 s and 50 MB (whole process): $met (worst $worst_s s, $worst_mb MB)"

if [ "${SEARCH:-0}" = 1 ]; then
    echo
    echo "== the search on the same histories (--search --timeout 60)"
    header
    for w in register cas append; do
        for stale in 0 0.02; do
            run "$w, stale $stale, seed 1 (search)" "$dir/$w-$stale-1.jsonl" --search --timeout 60
        done
    done
fi

echo
echo "== unique-value path: one key, 64 clients, $BIG ops, 3% crashed"
echo "   (conch gen --keys 1 --sessions 64 --ops $BIG --crash 0.03 [--cas|--stale 0.001] --seed 1)"
header
for w in register cas register-stale; do
    flag=
    case $w in cas) flag=--cas ;; register-stale) flag="--stale 0.001" ;; esac
    f=$dir/big.jsonl
    # shellcheck disable=SC2086
    "$CONCH" gen --keys 1 --sessions 64 --ops "$BIG" --crash 0.03 $flag --seed 1 -o "$f"
    run "$w, $BIG ops, $(($(wc -c <"$f") >> 20)) MB file" "$f"
    rm -f "$f"
done
echo "goal: $BIG ops decided in under 2 s (the check; the wall time adds reading the file)"
