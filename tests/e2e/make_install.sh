#!/bin/sh
# make install DESTDIR=... PREFIX=/usr installs a working tool: the binary
# runs, `man -l` reads a page for conch and each command it lists, the
# bash completion completes, the examples are there; make uninstall takes
# it all away again. It installs the conch under test (SAN as it was built:
# CONCH_SAN), so nothing is built here.
. "$(dirname "$0")/lib/run_common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$WORK/dest
m() {
    make -s -C "$ROOT" SAN="${CONCH_SAN:-}" DESTDIR="$D" PREFIX=/usr "$@" >"$WORK/make.out" 2>&1 ||
        die "make $*: $(tail -20 "$WORK/make.out")"
}
m install
C=$D/usr/bin/conch
[ -x "$C" ] || die "no $C"
"$C" --version | grep -q '^conch [0-9]' || die "installed conch --version: $("$C" --version)"
"$C" check "$D/usr/share/conch/examples/stale-read.jsonl" >"$WORK/check.out" 2>&1
[ $? -eq 1 ] || die "installed conch on the installed stale-read example: $(cat "$WORK/check.out")"

# A man page for conch and for every command conch --help lists.
cmds=$("$C" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 {print $1}')
[ -n "$cmds" ] || die "conch --help lists no commands"
if command -v man >/dev/null 2>&1; then
    for c in "" $cmds; do
        page=$D/usr/share/man/man1/conch${c:+-$c}.1
        [ -f "$page" ] || die "no man page $page (is $c in the Makefile's COMMANDS?)"
        MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$page" >"$WORK/man.out" 2>"$WORK/man.err" ||
            die "man -l $page: $(cat "$WORK/man.err")"
        [ -s "$WORK/man.err" ] && die "man -l $page warns: $(cat "$WORK/man.err")"
        grep -q "^NAME" "$WORK/man.out" || die "man -l $page: no NAME: $(head "$WORK/man.out")"
        grep -qE "conch${c:+-$c} +- " "$WORK/man.out" || die "man -l $page: no name line"
        [ "$c" = check ] && { grep -q -- '--version-order' "$WORK/man.out" ||
            die "conch-check(1) lacks --version-order"; }
    done
else
    echo "(man is not installed: the pages are checked to exist only)"
    for c in "" $cmds; do [ -f "$D/usr/share/man/man1/conch${c:+-$c}.1" ] || die "no page for '$c'"; done
fi

# The completion script completes commands, options and choices.
comp=$D/usr/share/bash-completion/completions/conch
[ -f "$comp" ] || die "no $comp"
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _conch; echo "${COMPREPLY[*]}"' \
        x "$comp" "$@"
}
[ "$(complete_words conch ch)" = check ] || die "completion of 'conch ch': $(complete_words conch ch)"
[ "$(complete_words conch check --mo)" = --model ] || die "completion of --mo"
complete_words conch check --model '' | grep -q cas-register || die "completion of --model's values"
[ "$(complete_words conch run --store e)" = etcd ] || die "completion of --store e"
[ "$(complete_words conch serve --consistency q)" = quorum ] || die "completion of --consistency q"
(cd "$D/usr/share/conch/examples" && [ "$(complete_words conch check stale)" = stale-read.jsonl ]) ||
    die "completion of a history file"

m uninstall
left=$(find "$D" -type f)
[ -z "$left" ] || die "make uninstall left: $left"
echo "make install: a working conch, its man pages and completion; make uninstall removed them"
