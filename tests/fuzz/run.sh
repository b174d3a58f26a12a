#!/usr/bin/env bash
# Run libFuzzer harnesses one after the other and print, per harness, the
# inputs executed and the CPU time spent.
#
#   tests/fuzz/run.sh time SECONDS HARNESS...   each for SECONDS (make fuzz)
#   tests/fuzz/run.sh runs N HARNESS...         each for N inputs, seed 1
#                                               (make fuzz-smoke, CI)
#
# HARNESS is a built binary, build/fuzz/fuzz_NAME. Its corpus grows in
# build/fuzz/corpus/fuzz_NAME/; tests/fuzz/fuzz_NAME.options, if present,
# holds more arguments for it, one a line (libFuzzer flags such as
# -max_len=N, and seed folders); lines starting with # are comments. A
# crash leaves its input in build/fuzz/artifacts/ and fails the run.
set -u
mode=${1:?usage: run.sh time SECONDS|runs N HARNESS...}
n=${2:?usage: run.sh time SECONDS|runs N HARNESS...}
shift 2
case $mode in
    time) limit=(-max_total_time="$n") ;;
    runs) limit=(-runs="$n" -seed=1) ;;
    *) echo "run.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
mkdir -p build/fuzz/artifacts

# Seconds of CPU (user + system) of the children this shell has waited for.
cpu_children() {
    sed -n 2p build/fuzz/times | sed 's/m/ /g; s/s//g' | awk '{print $1 * 60 + $2 + $3 * 60 + $4}'
}
failed=0
rows=()
for bin in "$@"; do
    name=$(basename "$bin")
    corpus=build/fuzz/corpus/$name
    mkdir -p "$corpus"
    opts=()
    if [ -f "tests/fuzz/$name.options" ]; then
        while IFS= read -r line; do
            case $line in ''|'#'*) continue ;; esac
            opts+=("$line")
        done <"tests/fuzz/$name.options"
    fi
    log=build/fuzz/$name.log
    echo "fuzz: $name ${limit[*]} ${opts[*]}"
    start=$(date +%s.%N)
    # bash's times gives the CPU time of this shell's finished children (in
    # this shell: a subshell's would be zero); the difference around the run
    # is this harness's.
    times >build/fuzz/times
    cpu0=$(cpu_children)
    # The corpus folder comes first: libFuzzer adds new inputs to the first
    # folder it is given, and the seed folders are the tree's.
    "$bin" "${limit[@]}" -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$name-" \
        "$corpus" "${opts[@]}" >"$log" 2>&1
    code=$?
    times >build/fuzz/times
    cpu1=$(cpu_children)
    end=$(date +%s.%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.1f", b - a}')
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
    status=ok
    if [ "$code" -ne 0 ]; then
        status="FAILED (exit $code)"
        failed=1
        tail -n 60 "$log"
    fi
    rows+=("$(printf '%-22s %12s %9s %9s  %s' "$name" "${execs:-?}" "$wall" "$cpu" "$status")")
done
printf '%-22s %12s %9s %9s  %s\n' harness execs "wall s" "cpu s" result
printf '%s\n' "${rows[@]}"
exit $failed
