#!/bin/sh
# The report is coloured on a terminal, unless NO_COLOR is set to a
# non-empty value (no-color.org: an empty NO_COLOR does not count); never
# into a pipe. script(1) gives conch a terminal.
. "$(dirname "$0")/lib/run_common.sh"
need script
ex=$(cd "$(dirname "$0")/../.." && pwd)/histories/examples/stale-read.jsonl
esc=$(printf '\033')
on_tty() {
    script -qec "$CONCH check '$ex'" /dev/null >"$WORK/out" 2>&1
}
unset NO_COLOR
on_tty
grep -q "${esc}\[" "$WORK/out" || die "no colour on a terminal: $(head -3 "$WORK/out")"
NO_COLOR= on_tty
grep -q "${esc}\[" "$WORK/out" || die "no colour on a terminal with NO_COLOR empty"
NO_COLOR=1 on_tty
grep -q "${esc}\[" "$WORK/out" && die "colour on a terminal with NO_COLOR=1"
grep -q "INVALID" "$WORK/out" || die "no report with NO_COLOR=1: $(head -3 "$WORK/out")"
"$CONCH" check "$ex" >"$WORK/pipe" 2>&1
grep -q "${esc}\[" "$WORK/pipe" && die "colour into a pipe"
echo "colour: on a terminal, not with NO_COLOR=1 (an empty NO_COLOR does not count), not in a pipe"
