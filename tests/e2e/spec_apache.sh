#!/bin/sh
# specs/apache-webdav.json: Apache httpd's mod_dav. Found linearizable; a
# cas (If-Match on the ETag of the GET before it) succeeds only when the
# file was last written over a second ago: Apache gives a younger file a
# weak ETag, which If-Match never accepts (412, a certain fail).
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
start_apache_dav
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/apache-webdav.json

spec_run reg "$SPEC" --time 3 --clients 8 --keys 2 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "cas-register: exit $RUN_CODE: $(tail -8 "$WORK/reg.out")"
h="$WORK/reg/history.jsonl"
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
echo "spec apache-webdav.json: Apache's WebDAV passes; casses on fresh writes are refused"
