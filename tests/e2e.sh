#!/bin/sh
# End-to-end tests: each tests/e2e/*.sh runs with CONCH set to the binary
# under test, starts what it needs on 127.0.0.1 (on free ports, files in
# its own temporary folder), and stops it again. Exit 0 passes, 77 skips
# (it must print why), anything else fails.
#
# They run E2E_JOBS at a time (default 4: most of their time is spent
# waiting for servers and timeouts, not on the 2 cores). A test whose
# header has a line "# e2e: alone" (heavy, or counting what happens in a
# given time) runs after the others, with nothing beside it; one with
# "# e2e: long" starts first, so that it does not end the run alone. Each
# test's result is printed as it ends; the logs of those that failed, at
# the end.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
export CONCH
JOBS=${E2E_JOBS:-4}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
trap 'exit 1' INT TERM
now() { date +%s; }
t0=$(now)

# Run test $1: its output to $OUT/NAME.log, its exit code to $OUT/NAME.rc
# (written last: a test has ended when its .rc exists), its result line.
one() {
    name=$(basename "$1" .sh)
    start=$(now)
    sh "$1" >"$OUT/$name.log" 2>&1
    code=$?
    took=$(($(now) - start))
    case $code in
        0) echo "e2e: ok   $name (${took} s)" ;;
        77) echo "e2e: SKIP $name: $(tail -n 1 "$OUT/$name.log")" ;;
        *) echo "e2e: FAIL $name (exit $code, ${took} s)" ;;
    esac
    echo "$code" >"$OUT/$name.rc.tmp" && mv "$OUT/$name.rc.tmp" "$OUT/$name.rc"
}

ended() { find "$OUT" -name '*.rc' | wc -l; }

long="" together="" alone=""
for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    if grep -q '^# e2e: alone' "$t"; then
        alone="$alone $t"
    elif grep -q '^# e2e: long' "$t"; then
        long="$long $t"
    else
        together="$together $t"
    fi
done
started=0
for t in $long $together; do
    while [ $((started - $(ended))) -ge "$JOBS" ]; do sleep 0.2; done
    one "$t" &
    started=$((started + 1))
done
wait
for t in $alone; do
    one "$t"
done

pass=0 fail=0 skip=0
for rc in "$OUT"/*.rc; do
    [ -e "$rc" ] || continue
    name=$(basename "$rc" .rc)
    case $(cat "$rc") in
        0) pass=$((pass + 1)) ;;
        77) skip=$((skip + 1)) ;;
        *) fail=$((fail + 1))
           echo "e2e: FAIL $name, the end of its output:"
           tail -n 40 "$OUT/$name.log" | sed 's/^/    /' ;;
    esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped ($(($(now) - t0)) s, $JOBS at a time)"
[ "$fail" -eq 0 ]
