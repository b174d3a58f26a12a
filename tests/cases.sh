#!/bin/sh
# Case tests, one folder each under tests/cases/ (in the manner of curl's
# tests/data): 'cmd' holds the arguments to conch (with $CASE for the folder,
# so a case names its own input files), 'exit' the expected exit code, and
# optional 'stdin' is fed to it, and optional 'stdout' / 'stderr' hold text that must appear (grep -F, a line
# each) in what conch printed.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
pass=0 fail=0
for d in tests/cases/*/; do
    [ -f "$d/cmd" ] || continue
    name=$(basename "$d")
    CASE=${d%/}
    args=$(sed "s|\$CASE|$CASE|g" "$d/cmd")
    out=$(mktemp) err=$(mktemp)
    # shellcheck disable=SC2086
    if [ -f "$d/stdin" ]; then
        eval "\"$CONCH\" $args" <"$d/stdin" >"$out" 2>"$err"
    else
        eval "\"$CONCH\" $args" </dev/null >"$out" 2>"$err"
    fi
    code=$?
    want=$(cat "$d/exit")
    ok=1
    [ "$code" = "$want" ] || { ok=0; echo "case $name: exit $code, expected $want"; }
    for stream in stdout stderr; do
        [ -f "$d/$stream" ] || continue
        file=$out
        [ $stream = stderr ] && file=$err
        while IFS= read -r line; do
            [ -z "$line" ] && continue
            grep -qF -- "$line" "$file" || { ok=0; echo "case $name: $stream lacks: $line"; }
        done < "$d/$stream"
    done
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "  stdout:"; sed 's/^/    /' "$out" | head -20
        echo "  stderr:"; sed 's/^/    /' "$err" | head -20
    fi
    rm -f "$out" "$err"
done
echo "cases: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
