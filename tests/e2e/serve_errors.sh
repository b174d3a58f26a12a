#!/bin/sh
# serve_errors.sh - conch serve answers bad requests with a JSON error and
# the right 4xx, and keeps serving; bad command lines exit 2 with a reason.
. "$(dirname "$0")/lib/serve.sh"
serve_start 3 --consistency linearizable

# check METHOD PATH BODY WANT_CODE WHAT: one request to n2.
check() {
    req "$1" "$U2$2" "$3"
    expect_code "$4" "$5"
    case $BODY in '{'*'"error":'*) ;; *) fail "$5: no JSON error body: $BODY" ;; esac
}
check GET /nope "" 404 "unknown path"
check GET /kv "" 404 "/kv without a key"
check GET /kv/ "" 400 "empty key"
check GET /kv/a/b "" 404 "key of two segments"
check GET /kv/%zz "" 400 "bad percent-encoding"
check GET /kv/%4 "" 400 "truncated percent-encoding"
check GET /kv/missing "" 404 "missing key"
check PUT /kv/x '{"value":' 400 "truncated JSON"
check PUT /kv/x 'not json' 400 "not JSON"
check PUT /kv/x '[1]' 400 "not an object"
check PUT /kv/x '{"valu":1}' 400 "no value field"
check PUT /kv/x '{"value":123456789012345678901234567890}' 400 "integer out of range"
check POST /kv/x/cas '{"old":1}' 400 "cas without new"
check DELETE /kv/x "" 405 "DELETE"
grep -qi '^allow: GET, HEAD, PUT' "$T/req.main.head" || fail "405 without an Allow header"
check GET /kv/x/cas "" 405 "GET on cas"
check POST /health "" 405 "POST /health"
check GET /admin/partition "" 405 "GET /admin/partition"
check POST /admin/partition '{"groups":[["n1"],["n9"]]}' 400 "partition naming no node"
check POST /admin/partition '{"groups":[["n1"],["n1","n2"]]}' 400 "node in two groups"
check POST /admin/partition '{"groups":"n1"}' 400 "groups not an array"
long=$(head -c 1100 /dev/zero | tr '\0' a)
check GET "/kv/$long" "" 414 "key over 1024 bytes"
req GET "$U2/kv/x" "" "12ab"
expect_code 400 "malformed session token"

# Bodies over 1 MiB: refused from Content-Length, or after reading a
# chunked body.
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT --data-binary @"$T/big" "$U2/kv/x")
[ "$CODE" = 413 ] || fail "1.1 MB body: HTTP $CODE, want 413"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT -H 'Transfer-Encoding: chunked' \
    --data-binary @"$T/big" "$U2/kv/x")
[ "$CODE" = 413 ] || fail "1.1 MB chunked body: HTTP $CODE, want 413"

# What must work: values of any JSON, keys with escaped bytes, cas with 412.
req PUT "$U2/kv/a%2Fb%20c" '{"value":{"s":"h\u00e9llo \u2603","n":[1,2.5,null,true]}}'
expect_code 200 "put an object under an escaped key"
req GET "$U3/kv/a%2Fb%20c"
expect_code 200 "get it back"
[ "$BODY" = '{"value":{"n":[1,2.5,null,true],"s":"héllo ☃"},"version":1,"node":"n3"}' ] ||
    fail "value did not come back in canonical form: $BODY"
req POST "$U1/kv/a%2Fb%20c/cas" '{"old":1,"new":2}'
expect_code 412 "cas from a wrong value"
case $BODY in *'"value":{"n":'*'"version":1'*) ;; *) fail "412 without the current value: $BODY" ;; esac
req POST "$U1/kv/fresh/cas" '{"old":null,"new":2}'
expect_code 200 "cas from null on a missing key"

# Odd but harmless: a GET with a body, HEAD, an unknown method.
req GET "$U2/health" 'ignored body'
expect_code 200 "GET with a body"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -I "$U2/kv/a%2Fb%20c")
[ "$CODE" = 200 ] || fail "HEAD: HTTP $CODE, want 200"
check OPTIONS /kv/x "" 405 "OPTIONS"

# Still alive and well after all that.
req GET "$U2/health"
expect_code 200 "health after bad requests"

# Bad command lines: exit 2 with a reason.
bad() {
    "$CONCH" serve "$@" >"$T/bad.out" 2>&1 && fail "conch serve $* succeeded"
    code=$?
    [ $code = 2 ] || fail "conch serve $*: exit $code, want 2"
    grep -q "conch serve: " "$T/bad.out" || fail "conch serve $*: no reason given: $(cat "$T/bad.out")"
}
bad --replicas 0
bad --consistency strict
bad --r 2
bad --consistency quorum --r 4
bad --drop 1.5
bad --port 70000
bad --frobnicate
bad extra-argument
bad --admin-token ""
bad --max-conns 0
bad --request-timeout-ms 0
port=${U1##*:}
bad --port "$port" --bind 127.0.0.1
grep -q "Address already in use" "$T/bad.out" || fail "busy port: $(cat "$T/bad.out")"
"$CONCH" serve --help | grep -q "usage: conch serve" || fail "conch serve --help"
"$CONCH" serve --help | grep -q "take no credentials on a loopback" ||
    fail "conch serve --help does not say that the admin endpoints take no credentials"

# --admin-token: the admin endpoints need it as a bearer token, on loopback
# too; the key-value API does not.
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
serve_start 1 --admin-token 'adm1n s3cret'
admin() {
    CODE=$(curl -s -o "$T/admin.body" -D "$T/admin.head" -w '%{http_code}' "$@")
}
admin "$U1/admin/state"
[ "$CODE" = 401 ] || fail "admin state without a token: HTTP $CODE, want 401"
grep -qi '^www-authenticate: Bearer' "$T/admin.head" || fail "401 without WWW-Authenticate"
admin -H 'Authorization: Bearer adm1n s3creT' "$U1/admin/state"
[ "$CODE" = 401 ] || fail "admin state with a wrong token: HTTP $CODE, want 401"
admin -X POST -H 'Authorization: Bearer adm1n s3cret' "$U1/admin/heal"
[ "$CODE" = 200 ] || fail "admin heal with the token: HTTP $CODE, want 200"
grep -q 's3cret' "$T/serve.out" "$T/serve.err" && fail "conch serve printed the admin token"
req PUT "$U1/kv/x" '{"value":1}'
expect_code 200 "the key-value API without the admin token"
echo "errors: every bad request got its 4xx and a JSON body; bad flags exit 2"
