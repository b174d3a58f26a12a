#!/bin/sh
# e2e: alone
# serve_eventual.sh - conch serve --consistency eventual: every replica
# answers alone, so a write at n1 then a read at n2 is stale until gossip
# (here slowed: rounds every 500 ms, messages 100 ms late) carries it; tokens
# do not help; two replicas accept conflicting cas (a lost update); in the end
# every replica holds the same values (last writer wins).
. "$(dirname "$0")/lib/serve.sh"
serve_start 3 --consistency eventual --gossip-ms 500 --lag-ms 100

req PUT "$U1/kv/x" '{"value":1}'
expect_code 200 "put at n1"
v1=$(field version)
tok=$TOKEN
# Gossip needs two messages (200 ms) at least: n2 cannot have it yet.
req GET "$U2/kv/x" "" "$tok"
[ "$CODE" = 404 ] || fail "read at n2 right after the write should be stale (404), got $CODE $BODY"

# Lost update: both n2 and n3 accept a cas from the same old value.
req PUT "$U2/kv/y" '{"value":0}'
req PUT "$U3/kv/y" '{"value":0}'
req POST "$U2/kv/y/cas" '{"old":0,"new":2}'
expect_code 200 "cas 0->2 at n2"
req POST "$U3/kv/y/cas" '{"old":0,"new":3}'
expect_code 200 "cas 0->3 at n3"

# Clients spread over the replicas read stale values.
client() {
    REQ_ID=c$1 id=$1
    i=1
    while [ $i -le 4 ]; do
        req PUT "$(url $((i + id)))/kv/e$id" "{\"value\":$i}"
        [ "$CODE" = 200 ] || { echo "client $id put: $CODE $BODY" >>"$T/errors"; return; }
        req GET "$(url $((i + id + 1)))/kv/e$id"
        [ "$CODE" = 200 ] && [ "$(field value)" = "$i" ] || echo "stale" >>"$T/stale.$id"
        i=$((i + 1))
    done
}
for c in 1 2 3; do bg client $c; done
wait_bg
[ ! -s "$T/errors" ] || fail "$(head -n 10 "$T/errors")"
stale=$(cat "$T"/stale.* 2>/dev/null | wc -l)
[ "$stale" -gt 0 ] || fail "12 reads right after writes at other replicas, none stale"

# Gossip converges: every replica ends with the same x and y.
i=0
while :; do
    same=yes first=
    for u in $U1 $U2 $U3; do
        req GET "$u/kv/x"
        [ "$CODE" = 200 ] && [ "$(field version)" = "$v1" ] || same=no
        req GET "$u/kv/y"
        y="$CODE $(field value) $(field version)"
        [ "$CODE" = 200 ] && [ "${first:=$y}" = "$y" ] || same=no
    done
    [ $same = yes ] && break
    i=$((i + 1))
    if [ $i -ge 40 ]; then
        vals=
        for u in $U1 $U2 $U3; do req GET "$u/kv/y"; vals="$vals $BODY"; done
        req GET "$U1/admin/state"
        fail "replicas did not converge in 4 s: y is$vals; state: $BODY"
    fi
    sleep 0.1
done
req GET "$U1/admin/state"
expect_code 200 "admin state"
case $BODY in *'"digests_sent":0,'*) fail "a replica sent no digest: $BODY" ;; esac
echo "eventual: $stale of 12 reads stale, a lost update, then converged"
