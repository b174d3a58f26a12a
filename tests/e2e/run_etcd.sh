#!/bin/sh
# e2e: alone
# conch run against a real single-node etcd (v3 JSON gateway): its reads
# are linearizable, so the cas-register and kv runs pass (exit 0), with
# versions (mod_revision) and nodes (member ids) recorded.
. "$(dirname "$0")/lib/run_common.sh"
start_etcd

$CONCH run --store etcd --time 2 --clients 8 --out "$WORK/cas" "$ETCD_URL" \
    >"$WORK/cas.out" 2>&1
code=$?
[ $code -eq 0 ] || die "cas-register against etcd: exit $code: $(tail -20 "$WORK/cas.out")"
h="$WORK/cas/history.jsonl"
complete_history "$h"
grep -q '"type":"ok","f":"read".*"version":' "$h" || die "no read recorded a version"
grep -q '"type":"ok","f":"cas"' "$h" || die "no cas succeeded"
grep -q '"node":"[0-9]' "$h" || die "no member id recorded as node"
grep -q '"verdict": "valid"' "$WORK/cas/results.json" || die "results.json does not say valid"

$CONCH run --store etcd --workload kv --ops 600 --clients 4 --out "$WORK/kv" "$ETCD_URL" \
    >"$WORK/kv.out" 2>&1
code=$?
[ $code -eq 0 ] || die "kv against etcd: exit $code: $(tail -20 "$WORK/kv.out")"
complete_history "$WORK/kv/history.jsonl"
grep -q '"type":"ok","f":"append"' "$WORK/kv/history.jsonl" || die "no append succeeded"
# A member that refuses connections (here a port where nothing listens, as
# after a kill) beside the live one, clients sticky: the two clients on the
# dead URL back off instead of retrying at once (they made 18,581
# attempts in 5 s), refused attempts are counted apart from the store's
# answers, and every op records the URL it used ("url") apart from the
# member that answered ("node", only from a store answer).
dead="http://127.0.0.1:$(free_port)"
$CONCH run --store etcd --time 3 --clients 4 --out "$WORK/dead" "$ETCD_URL" "$dead" \
    >"$WORK/dead.out" 2>&1
code=$?
[ $code -eq 0 ] || die "a dead member beside a live one: exit $code: $(tail -20 "$WORK/dead.out")"
h="$WORK/dead/history.jsonl"
complete_history "$h"
refused=$(grep -c '"type":"fail".*"url":"'"$dead"'"' "$h")
[ "$refused" -ge 2 ] || die "the dead member was not tried: $refused attempts"
# With backoff doubling from 10 ms to the op timeout (1 s), a client makes
# at most about 12 attempts in 3 s; without it, thousands.
[ "$refused" -le 40 ] || die "$refused refused attempts from 2 clients in 3 s: no backoff"
grep -q "and $refused attempts refused" "$WORK/dead.out" ||
    die "refused attempts not counted apart: $(grep 'conch run:' "$WORK/dead.out")"
python3 - "$WORK/dead/results.json" "$h" "$ETCD_URL" "$dead" "$refused" <<'PY' || die "url and node"
import json, sys
res, hist, live, dead, refused = sys.argv[1:6]
run = json.load(open(res))["run"]
assert run["refused"] == int(refused), run
for line in open(hist):
    e = json.loads(line)
    assert e.get("url") in (live, dead), e
    if e["type"] == "invoke":
        continue
    if e["url"] == dead:
        assert e["type"] == "fail" and "node" not in e, e
    elif e["type"] == "ok":
        assert e.get("node", "").isdigit(), e
PY
echo "etcd: cas-register and kv runs pass; a dead member is backed off from"
