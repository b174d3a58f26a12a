#!/usr/bin/env python3
"""A store of bytes per path for the spec end-to-end tests: GET answers
200 with the bytes (404 when none) and an ETag; PUT writes, unconditionally
when the request has no X-If header (as most stores do without If-Match),
else only when X-If is the current ETag (412 otherwise). Linearizable: one
lock.
  --echo      every answer names the node after the request's Authorization
              header and its path (X-Node), and the ETag holds that header
              too: a store that leaks secrets where a spec reads
  --log FILE  one line per unconditional PUT
Listens on 127.0.0.1 only. Prints "ready PORT" when listening.
"""
import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--echo", action="store_true")
ap.add_argument("--log", default="/dev/null")
args = ap.parse_args()
data, vers, lock = {}, {}, threading.Lock()
log = open(args.log, "a", buffering=1)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def tag(self):
        auth = " " + self.headers.get("Authorization", "") if args.echo else ""
        return '"%d%s"' % (vers.get(self.path, 0), auth)

    def answer(self, status, body=b""):
        self.send_response(status)
        if args.echo:
            self.send_header("X-Node", "n1 for %s at %s" % (self.headers.get("Authorization", ""),
                                                            self.path))
        with lock:
            self.send_header("ETag", self.tag())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            v = data.get(self.path)
        self.answer(200 if v is not None else 404, v or b"")

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = self.headers.get("X-If")
        with lock:
            ok = want is None or (self.path in data and want == self.tag())
            if want is None:
                log.write("unconditional " + self.path + "\n")
            if ok:
                data[self.path] = body
                vers[self.path] = vers.get(self.path, 0) + 1
        self.answer(204 if ok else 412)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
