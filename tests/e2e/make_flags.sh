#!/bin/sh
# e2e: alone
# `make CFLAGS=-O0` builds a working conch: the flags the build needs
# (-std=c11, -D_GNU_SOURCE, -pthread, pkg-config's) are not in CFLAGS, so
# replacing CFLAGS keeps them. Built into a scratch folder, so the tree's
# own build is left alone.
. "$(dirname "$0")/lib/run_common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$WORK/o0
make -s -C "$ROOT" BUILD="$B" CONCH="$B/conch" CFLAGS=-O0 "$B/conch" >"$WORK/make.out" 2>&1 ||
    die "make CFLAGS=-O0 failed: $(tail -20 "$WORK/make.out")"
make -n -B -C "$ROOT" BUILD="$B" CONCH="$B/conch" CFLAGS=-O0 "$B/cli/opt.o" >"$WORK/n.out" 2>&1
for flag in -std=c11 -D_GNU_SOURCE -pthread -MMD -O0; do
    grep -q -- "$flag" "$WORK/n.out" || die "the compile line lacks $flag: $(cat "$WORK/n.out")"
done
"$B/conch" --version | grep -q '^conch [0-9]' || die "conch --version: $("$B/conch" --version)"
"$B/conch" check "$ROOT/histories/examples/register-ok.jsonl" >"$WORK/check.out" 2>&1 ||
    die "the -O0 conch: $(cat "$WORK/check.out")"
echo "make CFLAGS=-O0: built with the flags the build needs, and it works"
