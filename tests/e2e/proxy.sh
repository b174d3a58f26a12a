#!/bin/sh
# conch proxy between three nodes, each its own process: it forwards,
# traces each connection to the node that opened it, holds a blackholed
# connection and lets it go on at the heal, resets in drop mode, cuts a
# connection from no node, and refuses bad partitions (tests/e2e/lib/
# proxy_peers.py says more).
. "$(dirname "$0")/lib/run_common.sh"
need python3
timeout 300 python3 "$LIB/proxy_peers.py" "$CONCH" "$WORK" || die "conch proxy"
