#!/bin/sh
# specs/apache-webdav.json: Apache httpd's mod_dav. Found:
# - a torn read: a GET that stats the file before a PUT renames a new one in
#   and opens it after answers with the new file cut to the old one's size,
#   or the old one padded with NULs to the new size: a value never written.
#   A probe (lib/torn_probe.py) that writes short and long values by turns
#   catches it within a second or two, and conch check says so (exit 1). In
#   a conch run its integers change length rarely (9 to 10, 99 to 100):
#   found in about one 3 s run in six (the read of 1 while 12 was written),
#   so the run may pass or fail, and when it fails every key it names must
#   hold a torn read (lib/torn_reads.py).
# - a cas (If-Match on the ETag of the GET before it) succeeds only when the
#   file was last written over a second ago: Apache gives a younger file a
#   weak ETag, which If-Match never accepts (412, a certain fail).
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
start_apache_dav
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/apache-webdav.json

python3 "$LIB/torn_probe.py" "${STORE_URL##*:}" 10 "$WORK/torn.jsonl" >"$WORK/probe.out" ||
    die "the probe failed: $(cat "$WORK/probe.out")"
grep -q ' 0 torn reads' "$WORK/probe.out" && die "no torn read in 10 s: $(cat "$WORK/probe.out")"
$CONCH check "$WORK/torn.jsonl" >"$WORK/torn.out" 2>&1
code=$?
[ $code -eq 1 ] || die "conch check on the torn reads: exit $code: $(head -8 "$WORK/torn.out")"
grep -q 'the value it needs never exists' "$WORK/torn.out" || die "not explained: $(head -8 "$WORK/torn.out")"
echo "probe: $(cat "$WORK/probe.out"); conch check: exit 1"

spec_run reg "$SPEC" --time 3 --clients 8 --keys 2 "$STORE_URL"
h="$WORK/reg/history.jsonl"
case $RUN_CODE in
0) echo "cas-register run: linearizable (no torn read this time)" ;;
1) python3 "$LIB/torn_reads.py" "$h" "$WORK/reg/results.json" ||
       die "cas-register: exit 1, not from a torn read: $(grep -A3 'cannot linearize' "$WORK/reg.out")" ;;
*) die "cas-register: exit $RUN_CODE: $(tail -8 "$WORK/reg.out")" ;;
esac
[ "$(count "$h" '"type":"fail","f":"cas".*did not match')" -gt 0 ] || die "no cas was refused"
[ "$(count "$h" '"type":"ok","f":"read","key":"[^"]*","value":[0-9]')" -gt 0 ] || die "no read saw a value"

# A cas on a key left alone for over a second: its ETag is strong, the cas
# goes through.
k=quiet-$$
curl -s -o /dev/null -X PUT --data-binary 1 "$STORE_URL/$k"
sleep 2
etag=$(curl -s -D - -o /dev/null "$STORE_URL/$k" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
case $etag in W/*) die "ETag still weak after 2 s: $etag" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "If-Match: $etag" --data-binary 2 "$STORE_URL/$k")
[ "$code" = 204 ] || [ "$code" = 200 ] || die "If-Match on a strong ETag: HTTP $code"
echo "spec apache-webdav.json: Apache's WebDAV tears reads under writes, and refuses casses on fresh writes"
