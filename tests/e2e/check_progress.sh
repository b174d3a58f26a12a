#!/bin/sh
# conch check's progress line on standard error: on a terminal it is drawn
# (and cleared at the end, before the report); when stderr is not a
# terminal, nothing unless --progress, which prints a plain line now and
# then. The history is tests/cases/0203-time-shares', whose hard keys keep
# the search busy until --timeout. The terminal is script(1)'s.
. "$(dirname "$0")/lib/run_common.sh"
H=tests/cases/0203-time-shares/h.jsonl
args="--search -j 1 --checks lin --max-memory 300 --timeout 1.5"
# --progress on a pipe draws every 2 s: that run lasts 3.

# shellcheck disable=SC2086
$CONCH check $args "$H" >"$WORK/plain.out" 2>"$WORK/plain.err"
[ $? -eq 3 ] || die "want exit 3 (unknown): $(cat "$WORK/plain.err")"
grep -q 'checking\|reading' "$WORK/plain.err" && die "progress drawn on a pipe: $(cat "$WORK/plain.err")"

# shellcheck disable=SC2086
$CONCH check --progress $args --timeout 3 "$H" >"$WORK/forced.out" 2>"$WORK/forced.err"
[ $? -eq 3 ] || die "--progress: want exit 3"
grep -q '^conch: [0-9.]* s  checking: searching, [0-9]* of 10 parts decided, [0-9,]* configurations; slowest: key "h[12]" [0-9.]* s' \
    "$WORK/forced.err" || die "--progress: no line with the parts, configurations and slowest part: $(cat "$WORK/forced.err")"
grep -q "$(printf '\r')" "$WORK/forced.err" && die "--progress on a pipe redraws in place"
grep -q "^$H: " "$WORK/forced.out" || die "--progress: no report on standard output"

command -v script >/dev/null 2>&1 || skip "script(1) is not installed: no terminal to draw on"
script -qec "$CONCH check $args $H" /dev/null >"$WORK/tty.out" 2>&1
[ $? -eq 3 ] || die "on a terminal: want exit 3: $(tail -5 "$WORK/tty.out")"
grep -q "$(printf '\r\033\\[K')conch: [0-9.]* s  checking: searching" "$WORK/tty.out" ||
    die "on a terminal: no progress line drawn in place"
# Cleared before the report: the report's first line starts a line.
grep -q "^$(printf '\r\033\\[K')\?$H: " "$WORK/tty.out" || grep -q "$(printf '\033\\[K')$H: " "$WORK/tty.out" ||
    die "on a terminal: the report does not follow a cleared line: $(head -c 600 "$WORK/tty.out" | od -c | head)"
echo "progress: drawn on a terminal, silent on a pipe, plain lines with --progress"
