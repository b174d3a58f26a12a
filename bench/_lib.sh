# What the benchmarks that time conch with GNU time share (sourced, not run:
# bench/run.sh runs bench/[a-z]*.sh). bench_start NAME sets CONCH to an
# absolute path, TIME, and dir (a scratch folder removed on exit), or
# says NAME is skipped and exits when GNU time is missing.
bench_start() {
    CONCH=${CONCH:-./conch}
    case $CONCH in /*) ;; *) CONCH=$(pwd)/$CONCH ;; esac
    TIME=/usr/bin/time
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    if [ ! -x $TIME ]; then
        echo "== $1: SKIPPED (needs GNU time: apt-get install time)"
        exit 0
    fi
}

# field FILE PATH.TO.VALUE [DIGITS]: a member of the first history of a
# JSON report ("-" if absent), a float with DIGITS decimals (default 3).
field() {
    python3 -c "import json,sys
d=json.load(open('$1'))['files'][0]
try:
    for k in '$2'.split('.'): d=d[int(k)] if k.isdigit() else d[k]
except (KeyError, IndexError):
    d='-'
print('%.${3:-3}f' % d if isinstance(d,float) else d)"
}
