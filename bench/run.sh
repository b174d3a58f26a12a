#!/bin/sh
# make bench: the figures the README quotes. Times are wall-clock, whole
# process included (start-up, reading, checking), the best of $REPS runs.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
CORPUS=${CORPUS:-../shared/corpus}
REPS=${REPS:-5}

now_ns() { date +%s%N; }

# best_ms CMD...: the best wall time of REPS runs, in ms (3 decimals)
best_ms() {
    best=
    i=0
    while [ $i -lt "$REPS" ]; do
        t0=$(now_ns)
        "$@" >/dev/null 2>&1
        t1=$(now_ns)
        d=$((t1 - t0))
        if [ -z "$best" ] || [ $d -lt "$best" ]; then best=$d; fi
        i=$((i + 1))
    done
    awk -v d="$best" 'BEGIN { printf "%.1f", d / 1e6 }'
}

echo "conch bench on $(nproc) cores, $(uname -m); $CONCH; best of $REPS runs"
echo

if [ -f "$CORPUS/EXPECTED.tsv" ]; then
    echo "== linearizability: the shared corpus (conch check, one file a run)"
    printf '%-46s %-8s %10s\n' file verdict ms
    tab=$(printf '\t')
    slow_etcd=0 slow_name= sum_etcd=0 n_etcd=0
    while IFS="$tab" read -r path model init nil expected; do
        [ "$path" = path ] && continue
        [ "$init" = nil ] && init=null
        ms=$(best_ms "$CONCH" check --model "$model" --init "$init" --nil-read "$nil" "$CORPUS/$path")
        "$CONCH" check --model "$model" --init "$init" --nil-read "$nil" "$CORPUS/$path" >/dev/null 2>&1
        case $? in 0) v=valid ;; 1) v=invalid ;; 3) v=unknown ;; *) v=error ;; esac
        case $path in
            porcupine/etcd/*)
                n_etcd=$((n_etcd + 1))
                sum_etcd=$(awk -v a="$sum_etcd" -v b="$ms" 'BEGIN { print a + b }')
                if awk -v a="$ms" -v b="$slow_etcd" 'BEGIN { exit !(a > b) }'; then
                    slow_etcd=$ms slow_name=$path
                fi ;;
        esac
        printf '%-46s %-8s %10s\n' "$path" "$v" "$ms"
    done < "$CORPUS/EXPECTED.tsv"
    echo
    etcd_all=$(best_ms "$CONCH" check --model cas-register $CORPUS/porcupine/etcd/*.log)
    etcd_j1=$(best_ms "$CONCH" check -j1 --model cas-register $CORPUS/porcupine/etcd/*.log)
    kn_all=$(best_ms "$CONCH" check --model cas-register --init 0 --nil-read unknown \
        $CORPUS/knossos/cas-register/*/*.edn)
    kv_all=$(best_ms "$CONCH" check --model kv --init '""' $CORPUS/porcupine/kv/*.txt)
    echo "etcd: $n_etcd files, one run each: $sum_etcd ms in all; slowest $slow_name $slow_etcd ms"
    echo "etcd: all $n_etcd files in one run: $etcd_all ms ($etcd_j1 ms with -j1)"
    echo "knossos: all $(ls $CORPUS/knossos/cas-register/*/*.edn | wc -l) files in one run: $kn_all ms"
    echo "porcupine kv: all 4 files in one run: $kv_all ms"
    echo "goals: etcd under 50 ms in all, no file over 30 ms; knossos under 200 ms in all"
else
    echo "== linearizability corpus: SKIPPED (no $CORPUS/EXPECTED.tsv)"
fi

# Benchmarks that other parts of conch add (store, runner, sessions).
for b in bench/[a-z]*.sh; do
    [ "$b" = bench/run.sh ] && continue
    [ -f "$b" ] || continue
    echo
    CONCH=$CONCH sh "$b"
done
