#!/bin/sh
# conch run over HTTPS (the fake store with a self-signed certificate):
# verified with --cacert it runs and passes; without it the certificate is
# refused (the store is unreachable: exit 2); --insecure skips the check;
# a store that wants a client certificate gets the one --cert/--key give.
. "$(dirname "$0")/lib/run_common.sh"
need openssl
need python3
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    >"$WORK/openssl.out" 2>&1 || skip "openssl cannot make a test certificate"
start_fake --tls "$WORK/cert.pem" "$WORK/key.pem"
url=$(echo "$FAKE_URL" | sed 's/^http:/https:/')

$CONCH run --ops 200 --clients 4 --cacert "$WORK/cert.pem" --out "$WORK/ca" "$url" \
    >"$WORK/ca.out" 2>&1
code=$?
[ $code -eq 0 ] || die "with --cacert: exit $code: $(tail -20 "$WORK/ca.out")"
complete_history "$WORK/ca/history.jsonl"

$CONCH run --ops 50 --clients 2 --out "$WORK/none" "$url" >"$WORK/none.out" 2>&1
code=$?
[ $code -eq 2 ] || die "an unknown certificate was accepted (exit $code)"
grep -q 'cannot connect to the store' "$WORK/none.out" || die "no clear message: $(cat "$WORK/none.out")"

$CONCH run --ops 100 --clients 2 --insecure --out "$WORK/insecure" "$url" \
    >"$WORK/insecure.out" 2>&1
code=$?
[ $code -eq 0 ] || die "with --insecure: exit $code: $(tail -20 "$WORK/insecure.out")"
stop_fake() {
    kill "$(echo "$PIDS" | awk '{print $NF}')" 2>/dev/null
}
stop_fake
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=conch-client \
    -keyout "$WORK/ckey.pem" -out "$WORK/ccert.pem" >>"$WORK/openssl.out" 2>&1 ||
    skip "openssl cannot make a client certificate"
start_fake --tls "$WORK/cert.pem" "$WORK/key.pem" --client-ca "$WORK/ccert.pem"
url=$(echo "$FAKE_URL" | sed 's/^http:/https:/')
$CONCH run --ops 100 --clients 2 --cacert "$WORK/cert.pem" --cert "$WORK/ccert.pem" \
    --key "$WORK/ckey.pem" --out "$WORK/client" "$url" >"$WORK/client.out" 2>&1
code=$?
[ $code -eq 0 ] || die "with a client certificate: exit $code: $(tail -20 "$WORK/client.out")"
$CONCH run --ops 20 --clients 2 --cacert "$WORK/cert.pem" --out "$WORK/nocert" "$url" \
    >"$WORK/nocert.out" 2>&1
code=$?
# With TLS 1.3 the store refuses the certificate after the client has sent
# its request: outcomes unknown (info), nothing succeeded: exit 2.
[ $code -eq 2 ] || die "no client certificate, yet exit $code: $(tail -5 "$WORK/nocert.out")"
grep -q '"type":"ok"' "$WORK/nocert/history.jsonl" && die "an op succeeded with no client certificate"
echo "tls: --cacert verifies, an unknown certificate is refused, --insecure skips, --cert/--key sent"
