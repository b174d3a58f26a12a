#!/bin/sh
# The limits on histories whose parts no search can finish: peak resident
# memory (GNU time's "Maximum resident set size") against --max-memory, how
# soon an invalid part ends the check, and what easy parts get beside hard
# ones under --timeout. The hard parts are written here:
#   hardkv:  2 keys, each 24 concurrent appends and then a get no order of
#            them gives (every order of every subset is a state);
#   hardreg: 1 register, 40 concurrent writes of 0, 1, 2, then a read of 7;
#   tenkv:   9 keys like hardkv's (22 appends) and one easy invalid key;
#   starve:  8 easy keys of 1,400 ops, beside a hard key of 42 ops and one
#            of 2,042 (a long easy prefix, then 40 concurrent writes).
# LIMITS (MiB) chooses the limits; each run may take up to that much memory.
set -u
CONCH=${CONCH:-./conch}
case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
LIMITS=${LIMITS:-200 500 1000}
TIME=${TIME:-/usr/bin/time}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

op() { # op PROCESS TYPE F KEY VALUE (VALUE as JSON)
    printf '{"process":"%s","type":"%s","f":"%s","key":"%s","value":%s}\n' "$1" "$2" "$3" "$4" "$5"
}
appends() { # appends KEY N: N concurrent appends, then an impossible get
    i=0; while [ $i -lt "$2" ]; do op "$1-$i" invoke append "$1" "\"x${i}y\""; i=$((i + 1)); done
    i=0; while [ $i -lt "$2" ]; do op "$1-$i" ok append "$1" "\"x${i}y\""; i=$((i + 1)); done
    op "$1-r" invoke get "$1" null
    op "$1-r" ok get "$1" '"BAD"'
}
pairs() { # pairs KEY PROCESS N: write i, read i, one after another
    i=0
    while [ $i -lt "$3" ]; do
        op "$2" invoke write "$1" $i; op "$2" ok write "$1" $i
        op "$2" invoke read "$1" null; op "$2" ok read "$1" $i
        i=$((i + 1))
    done
}
writes() { # writes KEY N: N concurrent writes of 0, 1, 2, then read 1, read 2
    i=0; while [ $i -lt "$2" ]; do op "$1-$i" invoke write "$1" $((i % 3)); i=$((i + 1)); done
    i=0; while [ $i -lt "$2" ]; do op "$1-$i" ok write "$1" $((i % 3)); i=$((i + 1)); done
    for v in 1 2; do op "$1-r" invoke read "$1" null; op "$1-r" ok read "$1" $v; done
}

{ appends a 24; appends b 24; } > "$dir/hardkv.jsonl"
{
    i=0; while [ $i -lt 40 ]; do op $i invoke write "" $((i % 3)); i=$((i + 1)); done
    i=0; while [ $i -lt 40 ]; do op $i ok write "" $((i % 3)); i=$((i + 1)); done
    op r invoke read "" null; op r ok read "" 7
} | sed 's/,"key":""//' > "$dir/hardreg.jsonl"
{
    for k in 0 1 2 3 4 5 6 7 8; do appends k$k 22; done
    op e invoke append k9 '"a"'; op e ok append k9 '"a"'
    op e invoke get k9 null; op e ok get k9 '"b"'
} > "$dir/tenkv.jsonl"
{
    writes h1 40
    for k in 0 1 2 3 4 5 6 7; do pairs e$k $k 700; done
    pairs h2 h2 1000; writes h2 40
} > "$dir/starve.jsonl"

# peak FILE ARGS...: "peak-KB seconds exit" of conch check ARGS FILE
peak() {
    f=$1
    shift
    "$TIME" -f '%M %e' -o "$dir/t" "$CONCH" check "$@" "$dir/$f.jsonl" > "$dir/out" 2>/dev/null
    rc=$?
    echo "$(tail -1 "$dir/t") $rc"
}

echo "== --max-memory against peak resident memory (GNU time), --checks lin"
printf '%-30s %10s %12s %8s %8s\n' history limit peak used seconds
for f in hardkv hardreg tenkv; do
    case $f in
        hardreg) args="--model register --search" ;;
        tenkv) args="--model kv --init '\"\"' --all-parts" ;;
        *) args="--model kv --init '\"\"'" ;;
    esac
    for mb in $LIMITS; do
        # shellcheck disable=SC2046,SC2086 # words wanted: the figures
        set -- $(eval peak $f $args --checks lin --max-memory $mb)
        printf '%-30s %7s MiB %8s KiB %7s%% %8s\n' "$f" "$mb" "$1" \
            "$(awk -v p="$1" -v l="$mb" 'BEGIN { printf "%.0f", 100 * p / (l * 1024) }')" "$2"
    done
done

echo
echo "== an invalid part ends the check (tenkv: 9 hard keys, 1 easy invalid key)"
# shellcheck disable=SC2046
set -- $(peak tenkv --model kv --init '""' --max-memory 1000)
echo "default: exit $3 after $2 s, peak $1 KiB; $(grep -c 'not searched' "$dir/out") line naming the parts not searched"

echo
echo "== easy parts beside hard ones: -j1 --timeout 1 --max-memory 1000 (starve)"
# shellcheck disable=SC2046
set -- $(peak starve -v -j1 --checks lin --timeout 1 --max-memory 1000)
echo "exit $3 after $2 s: $(grep -c 'key "e.*valid' "$dir/out") of 8 easy keys valid; $(grep -c 'unknown' "$dir/out") parts unknown"
