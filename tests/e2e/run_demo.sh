#!/bin/sh
# conch demo, shortened: the linearizable store passes, the eventual one
# fails, both reported, and no store is left running.
. "$(dirname "$0")/lib/run_common.sh"
need_serve
$CONCH demo --time 1.5 --out "$WORK/demo" >"$WORK/out" 2>&1
code=$?
[ $code -eq 0 ] || die "exit $code: $(tail -40 "$WORK/out")"
grep -q 'linearizable: exit 0' "$WORK/out" || die "no pass for linearizable"
grep -q 'eventual: exit 1' "$WORK/out" || die "no violation for eventual"
grep -q 'cannot linearize' "$WORK/out" || die "no explanation of the violation"
need curl
for u in $(grep -o 'against http[^(]*' "$WORK/out" | sed 's/^against //'); do
    curl -s -m 2 "$u/health" >/dev/null 2>&1 && die "the store at $u is still running"
done
echo "demo: both verdicts shown"
