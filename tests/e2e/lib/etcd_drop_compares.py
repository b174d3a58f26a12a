#!/usr/bin/env python3
"""A proxy in front of a real etcd that breaks its transactions: every
/v3/kv/txn request is passed on without its "compare" list, so a guarded
commit always succeeds, whatever changed since its keys were read. Two
txns that read a list and append to it both commit, and the second
overwrites the first's append (a lost update). Everything else is passed
on as it came, and etcd's answers come back as they are.

For conch run's list-append end-to-end test: a store that is not
serializable, to show that a run finds what such a store does; real etcd
is never it. Usage: etcd_drop_compares.py ETCD_URL. Listens on 127.0.0.1
only; prints "ready PORT".
"""
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

target = urllib.parse.urlsplit(sys.argv[1])
local = threading.local()


def etcd():
    if getattr(local, "conn", None) is None:
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    return local.conn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/v3/kv/txn":
            req = json.loads(body or b"{}")
            req.pop("compare", None)
            body = json.dumps(req).encode()
        try:
            c = etcd()
            c.request("POST", self.path, body, {"Content-Type": "application/json"})
            r = c.getresponse()
            status, out = r.status, r.read()
        except (OSError, http.client.HTTPException):
            local.conn = None
            status, out = 502, b"etcd did not answer the proxy"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # every client connects at once
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
