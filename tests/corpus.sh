#!/bin/sh
# Corpus tests: every row of $CORPUS/EXPECTED.tsv is checked with its model,
# initial value and nil-read meaning, and must give the expected verdict.
# Without the corpus (a fresh clone away from CI) this says it was skipped.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
CORPUS=${CORPUS:-../shared/corpus}
if [ ! -f "$CORPUS/EXPECTED.tsv" ]; then
    echo "corpus: SKIPPED: no $CORPUS/EXPECTED.tsv here (the shared corpus sits beside"
    echo "corpus: the project in CI; set CORPUS=DIR to point at a copy)"
    exit 0
fi
pass=0 fail=0
tab=$(printf '\t')
# shellcheck disable=SC2034
while IFS="$tab" read -r path model init nil expected; do
    [ "$path" = path ] && continue
    [ -z "$path" ] && continue
    [ "$init" = nil ] && init=null
    "$CONCH" check --model "$model" --init "$init" --nil-read "$nil" "$CORPUS/$path" >/dev/null 2>&1
    code=$?
    case $code in
        0) got=valid ;; 1) got=invalid ;; 3) got=unknown ;; *) got="error($code)" ;;
    esac
    if [ "$got" = "$expected" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "corpus: FAIL $path: expected $expected, got $got"
    fi
done < "$CORPUS/EXPECTED.tsv"
echo "corpus: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
