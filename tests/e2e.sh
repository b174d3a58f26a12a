#!/bin/sh
# End-to-end tests: each tests/e2e/*.sh runs with CONCH set to the binary
# under test, starts what it needs on 127.0.0.1, and stops it again.
# Exit 0 passes, 77 skips (it must print why), anything else fails.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
export CONCH
pass=0 fail=0 skip=0
for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    out=$(mktemp)
    sh "$t" >"$out" 2>&1
    code=$?
    case $code in
        0) pass=$((pass + 1)); echo "e2e: ok   $name" ;;
        77) skip=$((skip + 1)); echo "e2e: SKIP $name: $(tail -n 1 "$out")" ;;
        *) fail=$((fail + 1)); echo "e2e: FAIL $name (exit $code):"; sed 's/^/    /' "$out" | tail -n 40 ;;
    esac
    rm -f "$out"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
