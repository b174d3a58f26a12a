#!/bin/sh
# A check spread over processes, as over machines: 4 shards of a history
# run by GNU parallel (conch check --shard I/4 --results), and conch merge
# of their results, give the single run's verdict and exit code, and the
# same invalid parts; so do the files conch split writes, checked one by
# one. Results that cannot be put together are refused: a shard missing,
# or given twice, shards of another history, and a history's results that
# are not a shard's.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fail() { echo "$*"; exit 1; }
command -v parallel >/dev/null || { echo "GNU parallel is not installed (scripts/deps.sh)"; exit 77; }

# The invalid keys of a JSON report, sorted, one a line.
invalid_keys() {
    python3 -c "import json,sys
for f in json.load(open(sys.argv[1]))['files']:
    for p in f['checks']['linearizability']['parts']:
        if p['verdict'] == 'invalid': print(p['key'])" "$1" | sort
}

for h in bad good; do
    if [ $h = bad ]; then stale=0.002; else stale=0; fi
    "$CONCH" gen --ops 20000 --sessions 8 --keys 40 --cas --crash 0.02 --stale $stale --seed 5 \
        -o $h.jsonl || fail "gen failed"
    "$CONCH" check --all-parts --format json $h.jsonl >$h.whole.json
    want=$?
    if [ $h = bad ]; then [ $want = 1 ] || fail "bad: the single run exits $want"; fi
    if [ $h = good ]; then [ $want = 0 ] || fail "good: the single run exits $want"; fi

    # 4 shards, as parallel runs them (on this machine; --sshlogin on others)
    parallel --will-cite "$CONCH" check --all-parts --shard {}/4 --results $h.r{}.json \
        $h.jsonl '>' $h.out{} ::: 0 1 2 3
    "$CONCH" merge --results $h.merged.json $h.r0.json $h.r1.json $h.r2.json $h.r3.json \
        >$h.merge.txt
    got=$?
    [ $got = $want ] || { cat $h.merge.txt; fail "$h: merge exits $got, the single run $want"; }
    grep -q "from 4 shards" $h.merge.txt || fail "$h: the report says nothing of the shards"
    [ "$(invalid_keys $h.merged.json)" = "$(invalid_keys $h.whole.json)" ] ||
        fail "$h: merged invalid keys differ: $(invalid_keys $h.merged.json) vs $(invalid_keys $h.whole.json)"

    # conch split, then each file checked alone
    mkdir $h.split
    "$CONCH" split --shards 4 -o $h.split $h.jsonl >/dev/null || fail "$h: split failed"
    for i in 0 1 2 3; do
        "$CONCH" check --all-parts --results $h.s$i.json $h.split/$h.shard-$i-of-4.jsonl >/dev/null
    done
    "$CONCH" merge --format json $h.s3.json $h.s1.json $h.s0.json $h.s2.json >$h.smerged.json
    got=$?
    [ $got = $want ] || fail "$h: merge of the split files exits $got, the single run $want"
    [ "$(invalid_keys $h.smerged.json)" = "$(invalid_keys $h.whole.json)" ] ||
        fail "$h: the split files' invalid keys differ"
done

# Refused, with why, exit 2.
refused() { # refused WHAT MESSAGE RESULTS...
    what=$1 msg=$2
    shift 2
    "$CONCH" merge "$@" >out 2>err
    code=$?
    [ $code = 2 ] || fail "$what: exit $code, expected 2"
    grep -q "$msg" err || { cat err; fail "$what: no '$msg'"; }
}
refused "a missing shard" "shard 2 of 4 is missing" bad.r0.json bad.r1.json bad.r3.json
refused "a shard twice" "shard 1 of 4 is given twice" bad.r0.json bad.r1.json bad.r1.json \
    bad.r2.json bad.r3.json
refused "another history's shards" "shards 2, 3 of 4 are missing" bad.r0.json bad.r1.json \
    good.r2.json good.r3.json
"$CONCH" check --results whole.json good.jsonl >/dev/null
refused "a whole history's results" "not the results of a shard" whole.json
# Transactions span keys: not sharded.
printf '{"process":0,"type":"invoke","f":"txn","value":[["append","x",1]]}\n' >t.jsonl
printf '{"process":0,"type":"ok","f":"txn","value":[["append","x",1]]}\n' >>t.jsonl
"$CONCH" check --shard 0/2 t.jsonl >out 2>err
code=$?
[ $code = 2 ] && grep -q "span keys" err || { cat err; fail "txn: exit $code"; }
echo ok
