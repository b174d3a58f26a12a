#!/bin/sh
# e2e: long
# serve_session.sh - conch serve --consistency session: replication lags
# (--lag-ms), so a read without a token can be stale, but a client that sends
# back its X-Conch-Session token reads its own writes and never goes back in
# time, whichever replica it asks; a token a replica cannot reach in time
# gets 503, and a token beyond any the store has issued gets 400 at once (it
# would otherwise hold an HTTP thread for --timeout-ms: 16 of them stalled
# every client).
. "$(dirname "$0")/lib/serve.sh"
# The lag is long enough that the stale read below is seen even on a
# loaded machine (at 150 ms it once was not, under the sanitizer build).
serve_start 3 --consistency session --lag-ms 600 --timeout-ms 1500

# A write at the leader is answered at once; n3 has not got it yet.
req PUT "$U1/kv/x" '{"value":1}'
expect_code 200 "put at n1"
tok=$TOKEN
[ "${tok:-0}" -ge 1 ] || fail "no session token after a write: '$tok'"
req GET "$U3/kv/x"
[ "$CODE" = 404 ] || fail "read at n3 without a token should be stale (404), got $CODE $BODY"
# With the token n3 waits until it has the write.
req GET "$U3/kv/x" "" "$tok"
expect_code 200 "read your write at n3"
[ "$(field value)" = 1 ] || fail "read at n3 with token $tok: $BODY"

# A write through a follower, read back at another one.
req PUT "$U2/kv/x" '{"value":2}' "$tok"
expect_code 200 "put at n2"
tok=$TOKEN
req GET "$U3/kv/x" "" "$tok"
[ "$CODE" = 200 ] && [ "$(field value)" = 2 ] || fail "read at n3 after put at n2: $CODE $BODY"

# A token the store has issued that n3 cannot reach (cut off from the
# leader): 503 once --timeout-ms has passed.
req POST "$U1/admin/partition" '{"groups":[["n1","n2"],["n3"]]}'
expect_code 200 "partition n3 away"
req PUT "$U1/kv/x" '{"value":3}'
expect_code 200 "put at n1 while n3 is cut off"
req GET "$U3/kv/x" "" "$TOKEN"
expect_code 503 "read with a token n3 cannot reach"
req POST "$U1/admin/heal"
expect_code 200 "heal"

# Tokens from the future, more of them at once than n2 has HTTP threads:
# each is refused at once, and a client without one is answered meanwhile.
future() {
    REQ_ID=f$1
    req GET "$U2/kv/x" "" 999999
    echo "$CODE $BODY" >"$T/future.$1"
}
for f in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do bg future $f; done
req GET "$U2/health"
expect_code 200 "health while tokens from the future are sent"
wait_bg
for f in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    grep -q '^400 .*beyond every token this store has issued' "$T/future.$f" ||
        fail "a token from the future: $(cat "$T/future.$f")"
done
req GET "$U2/kv/x" "" "bogus"
expect_code 400 "read with a malformed token"

# Three clients at once, each with its own token and key, writing through
# one replica and reading through the next: read-your-writes and monotonic
# reads must hold for each.
client() {
    REQ_ID=c$1 id=$1
    tk=0 last=0 i=1
    while [ $i -le 5 ]; do
        req PUT "$(url $((i + id)))/kv/s$id" "{\"value\":$i}" "$tk"
        [ "$CODE" = 200 ] || { echo "client $id put $i: $CODE $BODY" >>"$T/errors"; return; }
        [ "$TOKEN" -gt "$tk" ] && tk=$TOKEN
        req GET "$(url $((i + id + 1)))/kv/s$id" "" "$tk"
        if [ "$CODE" != 200 ] || [ "$(field value)" != "$i" ]; then
            echo "client $id: wrote $i, read $CODE $BODY with token $tk" >>"$T/errors"
        fi
        v=$(field version)
        [ "${v:-0}" -ge "$last" ] || echo "client $id: version went from $last to $v" >>"$T/errors"
        last=${v:-0}
        [ "$TOKEN" -gt "$tk" ] && tk=$TOKEN
        i=$((i + 1))
    done
}
for c in 1 2 3; do bg client $c; done
wait_bg
[ ! -s "$T/errors" ] || fail "$(head -n 10 "$T/errors")"
echo "session: stale without a token, read-your-writes and monotonic reads with one"
