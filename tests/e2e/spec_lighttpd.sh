#!/bin/sh
# specs/lighttpd-webdav.json: lighttpd's mod_webdav, a cas in two steps (a
# GET for the value and its ETag, then a PUT with If-Match). Found
# linearizable, with small values and with 20 kB ones (the PUT's body
# arrives in pieces): cas-register and kv pass, casses succeed and fail.
. "$(dirname "$0")/lib/run_common.sh"
. "$(dirname "$0")/lib/stores.sh"
start_lighttpd_dav
SPEC=$(cd "$(dirname "$0")/../.." && pwd)/specs/lighttpd-webdav.json

spec_run reg "$SPEC" --time 3 --clients 8 --keys 2 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "cas-register: exit $RUN_CODE: $(tail -8 "$WORK/reg.out")"
h="$WORK/reg/history.jsonl"
[ "$(count "$h" '"type":"ok","f":"cas"')" -gt 0 ] || die "no cas succeeded"
[ "$(count "$h" '"type":"fail","f":"cas"')" -gt 0 ] || die "no cas failed"

spec_run kv "$SPEC" --workload kv --time 3 --clients 8 --keys 1 --value-size 20000 "$STORE_URL"
[ $RUN_CODE -eq 0 ] || die "kv, 20 kB values: exit $RUN_CODE: $(tail -8 "$WORK/kv.out")"
[ "$(count "$WORK/kv/history.jsonl" '"type":"ok","f":"append"')" -gt 0 ] || die "no append succeeded"
echo "spec lighttpd-webdav.json: lighttpd's WebDAV passes"
