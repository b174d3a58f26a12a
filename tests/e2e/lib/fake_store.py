#!/usr/bin/env python3
"""A fake of conch serve's API for conch run's end-to-end tests.

One in-memory register per key behind one lock, so every request that is
applied is applied atomically: the store itself is linearizable. It
misbehaves on purpose, by request number:
  --slow-every N   every Nth request is applied, then answered after --slow-ms
                   (longer than the client's timeout: the client sees info)
  --error-every N  every Nth request answers 500; writes are applied first
                   on odd request numbers (the outcome really is unknown)
  --close-every N  every Nth request is applied, then the connection is
                   closed with no answer (a client must not resend it)
  --garbage-every N  every Nth request is answered 200 with a body that
                   says nothing (HTML, JSON cut off, no version); writes
                   are applied first on odd request numbers
  --echo-headers   error bodies quote every request header (and the
                   credentials of a Basic Authorization header, decoded),
                   and success bodies name the node after the
                   Authorization header: a store that leaks secrets
  --require-header NAME:VALUE  answer 401 to requests without that header
  --path-api       writes and cas go in the path, with no body:
                   GET /set/KEY/VALUE and GET /cas/KEY/OLD/NEW (VALUE, OLD, NEW
                   JSON texts, percent-encoded), both answered 200 "ok" or,
                   for a cas that does not match, 412; reads as above
  --pad-headers BYTES  every answer carries that many bytes of X-Pad-N
                   headers, then "X-Late: after the padding lll..." (2 kB): a store
                   whose headers outgrow what a client keeps
  --log FILE       one line per write or cas applied (its path): a request
                   applied twice shows up twice
  --tls CERT KEY   serve HTTPS with this certificate and key
  --client-ca CA   with --tls: require a client certificate signed by CA
Listens on 127.0.0.1 only. Prints "ready PORT" when listening.
"""
import argparse
import base64
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--slow-every", type=int, default=0)
ap.add_argument("--slow-ms", type=int, default=2000)
ap.add_argument("--error-every", type=int, default=0)
ap.add_argument("--close-every", type=int, default=0)
ap.add_argument("--garbage-every", type=int, default=0)
ap.add_argument("--echo-headers", action="store_true")
ap.add_argument("--require-header", default="")
ap.add_argument("--path-api", action="store_true")
ap.add_argument("--pad-headers", type=int, default=0)
ap.add_argument("--log")
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
ap.add_argument("--client-ca")
args = ap.parse_args()

lock = threading.Lock()
data = {}      # key -> (value, version)
counter = [0]
version = [0]
applied = open(args.log, "a", buffering=1) if args.log else None


def every(n, i):
    return n > 0 and i % n == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # one write an answer (headers and body apart meet Nagle)

    def log_message(self, *a):
        pass

    def echo(self):
        """The request's headers, and Basic credentials decoded."""
        out = "; ".join("%s: %s" % (k, v) for k, v in self.headers.items())
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            out += "; credentials " + base64.b64decode(auth[6:]).decode(errors="replace")
        return out

    def reply(self, status, obj):
        if args.echo_headers and "error" in obj:
            obj["error"] += " (you sent " + self.echo() + ")"
        elif args.echo_headers and "node" in obj:
            obj["node"] += " for " + self.headers.get("Authorization", "nobody")
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Conch-Session", str(version[0]))
        for n in range(0, args.pad_headers, 1000):
            self.send_header("X-Pad-%d" % n, "p" * 985)
        if args.pad_headers:
            self.send_header("X-Late", "after the padding " + "l" * 2000)
        self.end_headers()
        self.wfile.write(body)

    def garbage(self, i):
        """200 with a body that cannot be read, of one of three kinds."""
        kinds = [b"<html><body>OK " + self.echo().encode() + b"</body></html>",
                 b'{"version":', b'{"node":"f1"}']
        body = kinds[(i // max(args.garbage_every, 1)) % 3]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"null")

    def key(self):
        parts = self.path.split("/")
        if len(parts) < 3 or parts[1] not in (("kv", "set", "cas") if args.path_api else ("kv",)):
            return None
        return parts[2]

    def path_request(self):
        """--path-api: the write or cas the path says, as a body would."""
        parts = [urllib.parse.unquote(p) for p in self.path.split("/")]
        if parts[1] == "set" and len(parts) == 4:
            return "PUT", {"value": json.loads(parts[3])}
        if parts[1] == "cas" and len(parts) == 5:
            return "POST", {"old": json.loads(parts[3]), "new": json.loads(parts[4])}
        return "GET", None

    def handle_op(self, method):
        with lock:
            counter[0] += 1
            i = counter[0]
        if args.require_header:
            name, _, value = args.require_header.partition(":")
            if self.headers.get(name) != value.strip():
                self.body() if method != "GET" else None
                return self.reply(401, {"error": "missing credentials"})
        key = self.key()
        if key is None:
            if self.path == "/health":
                return self.reply(200, {"ok": True})
            return self.reply(404, {"error": "no such path"})
        cas = self.path.endswith("/cas")
        req = self.body() if method != "GET" else None
        if args.path_api and not self.path.startswith("/kv/"):
            method, req = self.path_request()
            cas = method == "POST"
        if every(args.error_every, i) and not (method != "GET" and i % 2 == 1):
            return self.reply(500, {"error": "injected failure"})
        if every(args.garbage_every, i) and not (method != "GET" and i % 2 == 1):
            return self.garbage(i)
        with lock:
            if method == "GET":
                if key in data:
                    status, out = 200, {"value": data[key][0], "version": data[key][1], "node": "f1"}
                else:
                    status, out = 404, {"error": "not found"}  # as conch serve says it
            elif cas:
                cur = data.get(key, (None, 0))[0]
                if cur != req["old"] or (key not in data and req["old"] is not None):
                    status, out = 412, {"error": "value differs"}
                else:
                    version[0] += 1
                    data[key] = (req["new"], version[0])
                    status, out = 200, {"version": version[0], "node": "f1"}
                    if applied:
                        applied.write(self.path + "\n")
            else:
                version[0] += 1
                data[key] = (req["value"], version[0])
                status, out = 200, {"version": version[0], "node": "f1"}
                if applied:
                    applied.write(self.path + "\n")
        if every(args.error_every, i):
            return self.reply(500, {"error": "injected failure after applying"})
        if every(args.garbage_every, i):
            return self.garbage(i)
        if every(args.close_every, i):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if every(args.slow_every, i):
            time.sleep(args.slow_ms / 1000)
        self.reply(status, out)

    def do_GET(self):
        self.handle_op("GET")

    def do_PUT(self):
        self.handle_op("PUT")

    def do_POST(self):
        self.handle_op("POST")


srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
srv.daemon_threads = True
if args.tls:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls[0], args.tls[1])
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
