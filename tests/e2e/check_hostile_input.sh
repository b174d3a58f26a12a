#!/bin/sh
# e2e: long
# Input that is not a history, or that changes while it is read: an input
# error (exit 2) with a clear message, never a signal, a hang or memory
# that grows without bound. And reports stay valid JSON and XML whatever
# the history's name and values hold.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "$*"; exit 1; }

# An endless pipe of random bytes: refused at its first chunk.
"$CONCH" check /dev/urandom >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] || fail "urandom: exit $code, expected 2"
grep -Eq '/dev/urandom:1:[0-9]+: (invalid UTF-8|unexpected NUL byte)' "$dir/err" ||
    { cat "$dir/err"; fail "urandom: unexpected message"; }

# An endless pipe of text in no format: refused at its first line.
yes | "$CONCH" check - >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q "cannot tell the format from 'y'" "$dir/err" ||
    { cat "$dir/err"; fail "yes: exit $code"; }

# 200 MB of well-formed lines through a pipe, with a 50 MiB limit: refused
# at the limit, and conch does not grow much past it.
line='{"process":0,"type":"invoke","f":"read","value":null}'
time=
[ -x /usr/bin/time ] && time="/usr/bin/time -f %M -o $dir/rss"
yes "$line" | head -c 200000000 | $time "$CONCH" check --max-memory 50 - >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] || { cat "$dir/err"; fail "pipe over the limit: exit $code, expected 2"; }
grep -q -- '-: the input is larger than the memory limit of 50 MiB (--max-memory)' "$dir/err" ||
    { cat "$dir/err"; fail "pipe over the limit: unexpected message"; }
if [ -n "$time" ]; then
    rss=$(tail -n 1 "$dir/rss")
    echo "pipe over the limit: peak RSS $rss KiB"
    [ "$rss" -lt 160000 ] || fail "pipe over the limit: peak RSS $rss KiB, more than 3x the limit"
fi

# A big history truncated while conch reads it, again and again, at
# different moments: exit 0-3 every time (a verdict, or 'file changed'),
# never killed by a signal (it was SIGBUS once, the file being mapped).
"$CONCH" gen --ops 400000 --keys 100 -o "$dir/big.jsonl" || fail "gen failed"
size=$(wc -c <"$dir/big.jsonl")
changed=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    cp "$dir/big.jsonl" "$dir/h.jsonl"
    "$CONCH" check --checks lin --timeout 5 "$dir/h.jsonl" >"$dir/out" 2>"$dir/err" &
    pid=$!
    # odd runs within 0.1 s (while conch reads), even ones up to 1 s in
    # (while it parses or checks)
    if [ $((i % 2)) = 1 ]; then sleep "0.0$i"; else sleep "0.$((i * 7 % 10))$i"; fi
    truncate -s $((size / (i + 1))) "$dir/h.jsonl"
    wait "$pid"
    code=$?
    [ "$code" -le 3 ] || { cat "$dir/err"; fail "truncated at run $i: exit $code (a signal)"; }
    if grep -q 'file changed while being read' "$dir/err"; then
        [ "$code" = 2 ] || fail "file changed, but exit $code"
        changed=$((changed + 1))
    fi
done
echo "truncated while read: $changed of 12 runs saw the change, none crashed"

# A history whose name and values hold what XML and JSON cannot carry raw.
name=$(printf 'odd\377\033[2Jname\001.jsonl')
cat >"$dir/$name" <<'EOF'
{"process":0,"type":"invoke","f":"write","value":"a\u0000b]]><&\u001b[31m\u0085\ufffe\uffff"}
{"process":0,"type":"ok","f":"write","value":"a\u0000b]]><&\u001b[31m\u0085\ufffe\uffff"}
{"process":1,"type":"invoke","f":"read","value":null}
{"process":1,"type":"ok","f":"read","value":{"k\u0001":"\r\t\u0008"}}
EOF
"$CONCH" check --format junit "$dir/$name" "$dir/missing$name" >"$dir/junit.xml" 2>"$dir/err"
code=$?
[ "$code" = 2 ] || fail "junit: exit $code, expected 2 (one file is missing)"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$dir/junit.xml" ||
    { cat "$dir/junit.xml"; fail "junit: not XML"; }
grep -q 'not linearizable' "$dir/junit.xml" || fail "junit: the violation is missing"
"$CONCH" check --format json "$dir/$name" "$dir/missing$name" >"$dir/report.json" 2>"$dir/err"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(r["files"]) == 2, r
assert r["files"][0]["verdict"] == "invalid", r["files"][0]
assert r["files"][1]["verdict"] == "error", r["files"][1]
op = r["files"][0]["checks"]["linearizability"]["parts"][0]["op"]
assert op["result"] == {"k\u0001": "\r\t\b"}, op
' "$dir/report.json" || { cat "$dir/report.json"; fail "json: not the report expected"; }
"$CONCH" check "$dir/$name" >"$dir/out" 2>"$dir/err"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$dir/out"; then
    fail "text: a control byte reached the terminal"
fi
echo ok
