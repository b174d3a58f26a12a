#!/bin/sh
# serve_linearizable.sh - conch serve --consistency linearizable: a write
# acknowledged by one replica is read at once from every replica; concurrent
# compare-and-set increments through all replicas lose nothing; a follower
# cut off from the leader answers 503.
. "$(dirname "$0")/lib/serve.sh"
serve_start 3 --consistency linearizable
URLS="$U1 $U2 $U3"

# Three clients at once, each writing its own key through every replica in
# turn and reading each write back from all three.
writer() {
    REQ_ID=w$1 id=$1
    i=1
    while [ $i -le 12 ]; do
        wu=$(url $((i + id)))
        req PUT "$wu/kv/k$id" "{\"value\":$i}"
        [ "$CODE" = 200 ] || { echo "client $id put $i at $wu: $CODE $BODY" >>"$T/errors"; return; }
        v=$(field version)
        for u in $URLS; do
            req GET "$u/kv/k$id"
            if [ "$CODE" != 200 ] || [ "$(field value)" != "$i" ] || [ "$(field version)" != "$v" ]; then
                echo "client $id: put $i (version $v) at $wu, then $u read $CODE $BODY" >>"$T/errors"
            fi
        done
        i=$((i + 1))
    done
}

# Three clients incrementing one counter by compare-and-set, 8 times each,
# through a different replica each time; versions each reads never go down.
incr() {
    REQ_ID=i$1 id=$1
    done_=0 last=0 n=0
    while [ $done_ -lt 8 ]; do
        n=$((n + 1))
        [ $n -lt 200 ] || { echo "client $id: too many cas retries" >>"$T/errors"; return; }
        u=$(url $((n + id)))
        req GET "$u/kv/counter"
        [ "$CODE" = 200 ] || { echo "counter read: $CODE $BODY" >>"$T/errors"; return; }
        cur=$(field value) ver=$(field version)
        [ "$ver" -ge "$last" ] || echo "client $id: version went from $last to $ver" >>"$T/errors"
        last=$ver
        req POST "$u/kv/counter/cas" "{\"old\":$cur,\"new\":$((cur + 1))}"
        case $CODE in
            200) done_=$((done_ + 1)) ;;
            412) ;;
            *) echo "cas: $CODE $BODY" >>"$T/errors"; return ;;
        esac
    done
}

req PUT "$U2/kv/counter" '{"value":0}'
expect_code 200 "put counter"
for c in 1 2 3; do bg writer $c; bg incr $c; done
wait_bg
[ ! -s "$T/errors" ] || fail "$(head -n 10 "$T/errors")"
for u in $URLS; do
    req GET "$u/kv/counter"
    expect_code 200 "counter at $u"
    [ "$(field value)" = 24 ] || fail "counter at $u is $(field value), want 24: an increment was lost"
done

# Cut the leader off: followers cannot reach it, 503 at once.
req POST "$U1/admin/partition" '{"groups":[["n1"],["n2","n3"]]}'
expect_code 200 "partition"
req PUT "$U2/kv/p" '{"value":1}'
expect_code 503 "put at n2 with the leader cut off"
case $BODY in *unreachable*) ;; *) fail "503 does not say why: $BODY" ;; esac
req POST "$U3/admin/heal"
expect_code 200 "heal"
req PUT "$U2/kv/p" '{"value":2}'
expect_code 200 "put at n2 after heal"
req GET "$U3/kv/p"
[ "$CODE" = 200 ] && [ "$(field value)" = 2 ] || fail "read after heal: $CODE $BODY"
echo "linearizable: reads saw every acknowledged write; 24 increments kept"
