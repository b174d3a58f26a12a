#!/bin/sh
# conch run against a port where nothing listens: it says the store is
# unreachable and exits 2, quickly, keeping what it recorded.
. "$(dirname "$0")/lib/run_common.sh"
need python3
hold_dead_ports 8
set -- $DEAD_PORTS
url="http://127.0.0.1:$1"
start=$(date +%s)
$CONCH run --time 20 --out "$WORK/run" "$url" >"$WORK/out" 2>&1
code=$?
took=$(($(date +%s) - start))
[ $code -eq 2 ] || die "exit $code, not 2: $(tail -5 "$WORK/out")"
grep -q 'cannot connect to the store' "$WORK/out" || die "no clear message: $(cat "$WORK/out")"
[ $took -le 5 ] || die "took $took s to give up"
complete_history "$WORK/run/history.jsonl"
$CONCH run --time 1 "not-a-url" >"$WORK/out2" 2>&1
[ $? -eq 2 ] || die "a bad URL is not a usage error"
$CONCH run --time 1 --header 'no colon secret' "$url" >"$WORK/out3" 2>&1
[ $? -eq 2 ] || die "a bad header is not a usage error"
grep -q secret "$WORK/out3" && die "a bad header's text was shown"
# Regression: one live URL among dead ones, routed at random. The first
# requests could all go to dead URLs (with 7 of 8 dead, 4 clients: about
# 0.59 a seed), and the run was called unreachable although the live URL
# had not been tried. Five seeds: each run must reach the live store.
start_fake
dead=""
shift
for p in "$@"; do dead="$dead http://127.0.0.1:$p"; done
for seed in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    $CONCH run --ops 40 --clients 4 --route random --seed $seed --op-timeout 300 \
        --out "$WORK/mixed$seed" $dead "$FAKE_URL" >"$WORK/out4" 2>&1
    code=$?
    [ $code -eq 0 ] || die "seed $seed, one live URL among dead ones: exit $code: $(tail -3 "$WORK/out4")"
done
echo "unreachable store: exit 2 with a message; one live URL among dead ones is not unreachable"
