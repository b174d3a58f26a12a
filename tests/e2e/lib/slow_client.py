#!/usr/bin/env python3
"""Slowloris, for conch serve's end-to-end tests: many connections that
each send one byte of a request's headers every --byte-every seconds and
never finish them.

  slow_client.py HOST PORT --conns N [--sources A,B,...] [--byte-every S]
                 [--duration S] [--reconnect]

Connections come from the --sources addresses in turn (any 127.x.y.z works
on Linux's loopback), so a test can play one greedy address or many. With
--reconnect, a connection the server closes is opened again at once, to
keep up the pressure. Prints "ready" once every connection has been tried,
and at the end (after --duration, or at SIGTERM) "opened N refused R
closed_by_server C".
"""
import argparse
import errno
import resource
import selectors
import signal
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("--conns", type=int, required=True)
ap.add_argument("--sources", default="127.0.0.2")
ap.add_argument("--byte-every", type=float, default=1.0)
ap.add_argument("--duration", type=float, default=30.0)
ap.add_argument("--reconnect", action="store_true")
args = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = args.conns + 64
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

# A request whose headers never end.
HEAD = b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 100000
sources = args.sources.split(",")
sel = selectors.DefaultSelector()
conns = {}  # socket -> bytes sent
stats = {"opened": 0, "refused": 0, "closed": 0}
turn = [0]


def open_one():
    src = sources[turn[0] % len(sources)]
    turn[0] += 1
    s = socket.socket()
    try:
        s.bind((src, 0))
        s.setblocking(False)
        s.connect_ex((args.host, args.port))
    except OSError:
        s.close()
        stats["refused"] += 1
        return
    conns[s] = 0
    sel.register(s, selectors.EVENT_READ)
    stats["opened"] += 1


def drop(s, by_server):
    sel.unregister(s)
    del conns[s]
    s.close()
    if by_server:
        stats["closed"] += 1
        if args.reconnect:
            open_one()


for _ in range(args.conns):
    open_one()
print("ready", flush=True)

end = time.monotonic() + args.duration
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
next_byte = time.monotonic()
while time.monotonic() < end and not stop:
    timeout = max(0.0, min(next_byte, end) - time.monotonic())
    for key, _ in sel.select(timeout):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:  # closed (or reset) by the server
            drop(s, True)
    if time.monotonic() >= next_byte:
        next_byte += args.byte_every
        for s in list(conns):
            i = conns[s]
            try:
                s.send(HEAD[i:i + 1])
                conns[s] = i + 1
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.ENOTCONN):
                    drop(s, True)

print("opened %d refused %d closed_by_server %d"
      % (stats["opened"], stats["refused"], stats["closed"]), flush=True)
for s in list(conns):
    s.close()
sys.exit(0)
