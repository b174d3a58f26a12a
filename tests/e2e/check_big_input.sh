#!/bin/sh
# A 3 GB line through a pipe, and a line over the 64 MiB cap in a regular
# file: both are refused with where and why, exit 2, without reading or
# allocating the whole of them.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
head -c 3221225472 /dev/zero | tr '\0' x | "$CONCH" check - >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] || { echo "pipe: exit $code, expected 2"; cat "$dir/err"; exit 1; }
grep -q -- '-:1:67108865: line is longer than the limit of 67108864 bytes' "$dir/err" ||
    { echo "pipe: unexpected message:"; cat "$dir/err"; exit 1; }
head -c 70000000 /dev/zero | tr '\0' x > "$dir/long.jsonl"
"$CONCH" check "$dir/long.jsonl" >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] || { echo "file: exit $code, expected 2"; cat "$dir/err"; exit 1; }
grep -q 'long.jsonl:1:67108865: line is longer than the limit' "$dir/err" ||
    { echo "file: unexpected message:"; cat "$dir/err"; exit 1; }
# A sparse file of NULs is binary data.
truncate -s 3G "$dir/sparse"
"$CONCH" check "$dir/sparse" >"$dir/out" 2>"$dir/err"
code=$?
[ "$code" = 2 ] && grep -q 'sparse:1:1: unexpected NUL byte' "$dir/err" ||
    { echo "sparse: exit $code"; cat "$dir/err"; exit 1; }
echo ok
