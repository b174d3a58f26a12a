"""conch proxy against three small nodes, each its own process (the proxy
tells nodes apart by the process holding a connection's other end).

Each node listens on its peer_target and answers every line with
"NAME:line"; it dials other nodes (through their peer address, the proxy)
when told so on its standard input, and prints what came back. The test
starts conch proxy on the three routes, then checks forwarding, who the
proxy says opened each connection, a blackhole partition (nothing passes,
a connection opened before it goes on after the heal with what was sent
during it), a drop partition (reset), a connection from no node, and the
admin endpoints' errors.

usage: proxy_peers.py CONCH WORKDIR        (exit 0: passed)
       proxy_peers.py node NAME PORT       (a node; internal)
"""
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def node(name, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)

    def serve(c):
        f = c.makefile("rb")
        try:
            for line in f:
                c.sendall(name.encode() + b":" + line)
        except OSError:
            pass
        c.close()

    def accept():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    conns = {}
    print("ready", flush=True)

    def reply(c, timeout):
        c.settimeout(timeout)
        try:
            data = b""
            while not data.endswith(b"\n"):
                chunk = c.recv(4096)
                if not chunk:
                    return "closed"
                data += chunk
            return "ok " + data.decode().strip()
        except socket.timeout:
            return "timeout"
        except ConnectionResetError:
            return "reset"

    for line in sys.stdin:
        w = line.split()
        if w[0] == "dial":  # dial PORT MSG TIMEOUT: a new connection
            c = socket.create_connection(("127.0.0.1", int(w[1])))
            try:
                c.sendall(w[2].encode() + b"\n")
                print(reply(c, float(w[3])), flush=True)
            except ConnectionResetError:
                print("reset", flush=True)
            c.close()
        elif w[0] == "open":  # open ID PORT: a connection kept
            conns[w[1]] = socket.create_connection(("127.0.0.1", int(w[2])))
            print("opened", flush=True)
        elif w[0] == "send":  # send ID MSG TIMEOUT
            conns[w[1]].sendall(w[2].encode() + b"\n")
            print(reply(conns[w[1]], float(w[3])), flush=True)
        elif w[0] == "recv":  # recv ID TIMEOUT
            print(reply(conns[w[1]], float(w[2])), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Node:
    def __init__(self, name, target, peer):
        self.name, self.target, self.peer = name, target, peer
        self.p = subprocess.Popen([sys.executable, __file__, "node", name, str(target)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"

    def ask(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def dial(self, other, msg, timeout=5.0):
        return self.ask("dial %d %s %g" % (other.peer, msg, timeout))


def http(url, body=None):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def main(conch, work):
    names = ["n1", "n2", "n3"]
    nodes = [Node(n, free_port(), free_port()) for n in names]
    cluster = {"nodes": [{"name": n.name, "peer": "127.0.0.1:%d" % n.peer,
                          "peer_target": "127.0.0.1:%d" % n.target} for n in nodes],
               "admin": "http://127.0.0.1:%d" % free_port()}
    path = os.path.join(work, "cluster.json")
    with open(path, "w") as f:
        json.dump(cluster, f)
    px = subprocess.Popen([conch, "proxy", "--cluster", path], stdout=subprocess.PIPE, text=True)
    try:
        lines = [px.stdout.readline() for _ in range(4)]
        check(all(l.startswith("conch proxy:") for l in lines), "proxy start: %r" % lines)
        admin = cluster["admin"]
        n1, n2, n3 = nodes

        # Forwarding, and who opened each connection.
        check(n1.dial(n2, "hello") == "ok n2:hello", "n1 -> n2 through the proxy")
        check(n3.dial(n1, "hi") == "ok n1:hi", "n3 -> n1 through the proxy")
        st, state = http(admin + "/admin/state")
        check(st == 200 and state["partition"] is None, "state: %r" % state)
        routes = {r["node"]: r for r in state["routes"]}
        check(routes["n2"]["accepted"] == 1 and routes["n2"]["unknown"] == 0,
              "the connection to n2 was not traced to n1: %r" % routes["n2"])

        # A connection kept from before the partition.
        check(n2.ask("open k %d" % n1.peer) == "opened", "open n2 -> n1")
        check(n2.ask("send k before 5") == "ok n1:before", "kept connection before")

        # Blackhole: n1 alone.
        st, _ = http(admin + "/admin/partition", {"groups": [["n1"], ["n2", "n3"]]})
        check(st == 200, "partition")
        check(n2.dial(n3, "same-side") == "ok n3:same-side", "n2 -> n3 in the same group")
        check(n1.dial(n2, "across", 1.0) == "timeout", "n1 -> n2 across the partition passed")
        check(n3.dial(n1, "across", 1.0) == "timeout", "n3 -> n1 across the partition passed")
        check(n2.ask("send k during 1.0") == "timeout", "the kept connection passed data")
        st, state = http(admin + "/admin/state")
        check(state["partition"]["groups"] == [["n1"], ["n2", "n3"]], "state: %r" % state)
        # From no node: cut too.
        c = socket.create_connection(("127.0.0.1", n2.peer))
        c.sendall(b"anon\n")
        c.settimeout(1.0)
        try:
            got = c.recv(100)
        except socket.timeout:
            got = "timeout"
        check(got == "timeout", "a connection from no node passed a partition: %r" % got)

        # The heal: the kept connection goes on with what was sent during the cut.
        st, _ = http(admin + "/admin/heal", {})
        check(st == 200, "heal: %s %r" % (st, _))
        check(n2.ask("recv k 5") == "ok n1:during", "the held bytes after the heal")
        check(n2.ask("send k after 5") == "ok n1:after", "kept connection after the heal")
        check(n1.dial(n2, "healed") == "ok n2:healed", "n1 -> n2 after the heal")
        c.settimeout(5.0)
        check(c.recv(100) == b"n2:anon\n", "the held anonymous connection after the heal")
        c.close()

        # Drop: reset at once, a kept connection across the groups too.
        check(n3.ask("open j %d" % n1.peer) == "opened", "open n3 -> n1")
        check(n3.ask("send j before 5") == "ok n1:before", "kept connection n3 -> n1")
        st, _ = http(admin + "/admin/partition", {"groups": [["n1", "n2"]], "mode": "drop"})
        check(st == 200, "partition, drop")
        t0 = time.time()
        r = n3.dial(n1, "dropped", 5.0)
        check(r in ("closed", "reset") and time.time() - t0 < 2.5, "drop: %s" % r)
        check(n3.ask("recv j 5") in ("closed", "reset"), "drop kept a connection across")
        check(n2.ask("send k within 5") == "ok n1:within", "drop cut a connection within a group")
        check(n1.dial(n2, "inside") == "ok n2:inside", "n1 -> n2 inside its group")
        http(admin + "/admin/heal", {})

        # Errors.
        st, body = http(admin + "/admin/partition", {"groups": [["n9"]]})
        check(st == 400 and "names no node" in body["error"], "unknown node: %r" % body)
        st, body = http(admin + "/admin/partition", {"groups": [["n1"], ["n1"]]})
        check(st == 400 and "more than one group" in body["error"], "twice: %r" % body)
        st, body = http(admin + "/admin/partition", {"groups": [], "mode": "maybe"})
        check(st == 400 and "mode" in body["error"], "bad mode: %r" % body)
        try:
            urllib.request.urlopen(admin + "/admin/partition", timeout=5)
            check(False, "GET /admin/partition answered 2xx")
        except urllib.error.HTTPError as e:
            check(e.code == 405, "GET /admin/partition: %d" % e.code)
        print("proxy: forwards, traces connections to nodes, blackholes and heals, drops")
    finally:
        px.terminate()
        code = px.wait(timeout=10)
        for n in nodes:
            n.p.kill()
        check(code == 0, "conch proxy exit %s after SIGTERM" % code)


if __name__ == "__main__":
    if sys.argv[1] == "node":
        node(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1], sys.argv[2])
