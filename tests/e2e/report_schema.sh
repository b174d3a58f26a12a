#!/bin/sh
# conch's JSON reports against their schema (docs/report.schema.json), with
# python3's jsonschema (Debian's python3-jsonschema; scripts/deps.sh):
#   - conch check --format json on every history in the tree (examples,
#     cases, transactions of both workloads), one at a time and all
#     together, with files that cannot be read, a check cut short by its
#     time limit, --search, --all-parts, session checks with store
#     versions, and invalid parts with their smallest counterexample;
#   - results.json of conch run against conch serve (eventual: violations
#     and counterexamples; a partition of the nemesis), and of a run where
#     no operation succeeded.
# Each output must validate, and the shapes the schema makes optional must
# each appear at least once (so the test says something about them).
. "$(dirname "$0")/lib/run_common.sh"
need python3
python3 -c 'import jsonschema' 2>/dev/null ||
    die "python3's jsonschema is missing: run make deps (Debian: python3-jsonschema)"
SCHEMA=docs/report.schema.json
[ -f "$SCHEMA" ] || die "no $SCHEMA (run from the project's root)"

n=0
# json NAME ARGS...: conch check --format json ARGS into $WORK/NAME.json
json() {
    name=$1
    shift
    $CONCH check --format json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err"
    code=$?
    [ "$code" -le 3 ] || die "$name: exit $code: $(cat "$WORK/$name.err")"
    n=$((n + 1))
}

hists=$(ls histories/examples/*.jsonl tests/cases/*/*.jsonl tests/cases/*/*.edn \
           tests/cases/*/*.log tests/cases/*/*.json 2>/dev/null | grep -v 0203-time-shares)
i=0
for f in $hists; do
    i=$((i + 1))
    json "one-$i" --timeout 5 "$f"
done
# shellcheck disable=SC2086
json all --timeout 10 $hists /nonexistent-history.jsonl
json search --search --checks lin histories/examples/stale-read.jsonl
json unknown --search -j 1 --checks lin --timeout 0.5 tests/cases/0203-time-shares/h.jsonl
json allparts --all-parts --checks lin tests/cases/0035-text-stays-short/h.jsonl
json notsearched --checks lin tests/cases/0035-text-stays-short/h.jsonl
json rw --model rw-register --consistency-model serializable tests/cases/0420-txn-rw-register-g-single/h.jsonl
json assume --model rw-register --assume linearizable-keys tests/cases/0430-txn-assume-linearizable-keys/h.jsonl
$CONCH gen --ops 3000 --sessions 8 --keys 4 --versions --stale 0.02 --crash 0.02 --cas \
    -o "$WORK/gen.jsonl" || die "conch gen"
json generated "$WORK/gen.jsonl"
json generated-inferred --version-order inferred "$WORK/gen.jsonl"
# a shard's results, and conch merge's report of the whole
json shard0 --shard 0/2 "$WORK/gen.jsonl"
$CONCH check --shard 1/2 --results "$WORK/shard1.json" "$WORK/gen.jsonl" >/dev/null 2>&1
$CONCH merge --format json "$WORK/shard0.json" "$WORK/shard1.json" >"$WORK/merged.json" 2>"$WORK/merged.err"
[ -s "$WORK/merged.json" ] || die "conch merge wrote no JSON: $(cat "$WORK/merged.err")"

need_serve
start_serve --consistency eventual --gossip-ms 500
# shellcheck disable=SC2086
$CONCH run --time 1.5 --clients 6 --route random --nemesis partition --nemesis-start 0.3 \
    --nemesis-duration 0.6 --out "$WORK/run" $SERVE_URLS >"$WORK/run.out" 2>&1
code=$?
[ "$code" -le 3 ] || die "conch run: exit $code: $(tail -20 "$WORK/run.out")"
grep -q '"nemesis": {' "$WORK/run/results.json" || die "the run's results.json has no nemesis"
start_fake --require-header 'X-Key: k3y-value'
$CONCH run --ops 10 --clients 2 --out "$WORK/none" "$FAKE_URL" >"$WORK/none.out" 2>&1
[ -f "$WORK/none/results.json" ] || die "no results.json when nothing succeeded"

python3 - "$SCHEMA" "$WORK"/*.json "$WORK/run/results.json" "$WORK/none/results.json" <<'PY' ||
import json, sys
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
seen = set()

def walk(x, path):
    """Note which optional shapes appear."""
    if isinstance(x, dict):
        for k, y in x.items():
            seen.add(k)
            walk(y, path + [k])
    elif isinstance(x, list):
        for y in x:
            walk(y, path)

bad = 0
for f in sys.argv[2:]:
    doc = json.load(open(f))
    e = best_match(v.iter_errors(doc))
    if e is not None:
        bad += 1
        print("%s: at %s: %s" % (f, "/".join(map(str, e.absolute_path)), e.message[:300]))
    walk(doc, [])
want = ["counterexample", "stuck", "optional", "violation", "linearizable_prefix",
        "states_then", "pending_then", "stopped_by", "searched_because", "transactions",
        "anomalies", "sessions", "shown", "error", "run", "checked", "version",
        "node", "assumed", "warnings"]
missing = [w for w in want if w not in seen]
if missing:
    print("never seen, so not checked against the schema:", ", ".join(missing))
    bad += 1
print("%d reports checked against %s" % (len(sys.argv) - 2, sys.argv[1]))
sys.exit(1 if bad else 0)
PY
    die "a report does not fit the schema"
echo "report schema: $n conch check reports and 2 results.json valid"
