#!/bin/sh
# conch demo, shortened: the linearizable store passes, the eventual one
# fails (a stale read; and a session violation where the session checks
# are built in), and no store is left running.
. "$(dirname "$0")/lib/run_common.sh"
need_serve
$CONCH demo --time 1.5 --out "$WORK/demo" >"$WORK/out" 2>&1
code=$?
[ $code -eq 0 ] || die "exit $code: $(tail -40 "$WORK/out")"
grep -q 'linearizable: exit 0' "$WORK/out" || die "no pass for linearizable"
grep -q 'eventual: exit 1' "$WORK/out" || die "no violation for eventual"
grep -q 'cannot linearize' "$WORK/out" || die "no explanation of the violation"
if grep -q 'session guarantees' "$WORK/out"; then
    grep -qE '(read-your-writes|monotonic reads): VIOLATED' "$WORK/out" ||
        die "the session checks found no violation against the eventual store"
fi
need curl
for u in $(grep -o 'against http[^(]*' "$WORK/out" | sed 's/^against //'); do
    curl -s -m 2 "$u/health" >/dev/null 2>&1 && die "the store at $u is still running"
done
echo "demo: both verdicts shown"
