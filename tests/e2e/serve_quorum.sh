#!/bin/sh
# e2e: alone
# serve_quorum.sh - conch serve --consistency quorum: with R = W = 2 of 3
# (R + W > N) a read anywhere sees the last completed write, even with one
# replica cut off; the cut-off replica cannot gather a quorum (503); once
# healed, a read through it returns the newest value and repairs it. With
# R = W = 1 and slow replication, a read elsewhere is stale.
. "$(dirname "$0")/lib/serve.sh"
serve_start 3 --consistency quorum --lag-ms 20

# Three clients at once, each writing its own key through one replica and
# reading it through the next.
client() {
    REQ_ID=c$1 id=$1
    i=1
    while [ $i -le 6 ]; do
        req PUT "$(url $((i + id)))/kv/q$id" "{\"value\":$i}"
        [ "$CODE" = 200 ] || { echo "client $id put $i: $CODE $BODY" >>"$T/errors"; return; }
        v=$(field version)
        req GET "$(url $((i + id + 1)))/kv/q$id"
        if [ "$CODE" != 200 ] || [ "$(field value)" != "$i" ] || [ "$(field version)" != "$v" ]; then
            echo "client $id: wrote $i (version $v), then read $CODE $BODY" >>"$T/errors"
        fi
        i=$((i + 1))
    done
}
for c in 1 2 3; do bg client $c; done
wait_bg
[ ! -s "$T/errors" ] || fail "$(head -n 10 "$T/errors")"

# n3 cut off: n1 and n2 still make quorums, n3 does not.
req POST "$U1/admin/partition" '{"groups":[["n1","n2"],["n3"]]}'
expect_code 200 "partition"
req PUT "$U1/kv/k" '{"value":"a"}'
expect_code 200 "put at n1 without n3"
req PUT "$U2/kv/k" '{"value":"b"}'
expect_code 200 "put at n2 without n3"
vb=$(field version)
req GET "$U1/kv/k"
[ "$CODE" = 200 ] && [ "$(field version)" = "$vb" ] || fail "read at n1: $CODE $BODY"
req PUT "$U3/kv/k" '{"value":"c"}'
expect_code 503 "put at n3, alone"
req POST "$U3/admin/heal"
# n3 holds a stale copy (or its own "c", written alone at an older version);
# a quorum read through it returns "b" and repairs it.
req GET "$U3/kv/k"
[ "$CODE" = 200 ] && [ "$(field version)" = "$vb" ] || fail "read at n3 after heal: $CODE $BODY"
case $BODY in *'"value":"b"'*) ;; *) fail "read at n3 after heal: $BODY" ;; esac
req GET "$U1/admin/state"
repairs=$(printf '%s' "$BODY" | grep -o '"read_repairs":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')
[ "$repairs" -gt 0 ] || fail "no read repair counted: $BODY"

# R = W = 1 with slow replication: a read at another replica is stale.
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
serve_start 3 --consistency quorum --r 1 --w 1 --lag-ms 300
req PUT "$U1/kv/k" '{"value":1}'
expect_code 200 "put with W = 1"
req GET "$U2/kv/k"
[ "$CODE" = 404 ] || fail "with R = W = 1 a read right after a write elsewhere should be stale, got $CODE $BODY"
echo "quorum: reads saw completed writes with R = W = 2; stale with R = W = 1"
