#!/bin/sh
# A spec that reads the node from a response header, against a store that
# echoes the request's Authorization header into that header and into its
# ETag (the version a two-step cas sends back): the secret never reaches
# the history, results.json or conch's output: it is masked (***) where it
# is recorded (the recorder masks every history line), while the version
# goes back to the store as it came. The store's PUT honours X-If (the ETag sent back):
# a 412 when it is not the current one, so it is linearizable.
. "$(dirname "$0")/lib/run_common.sh"
need python3
SECRET=s3cr3t-spec-token-4711
cat >"$WORK/echo.py" <<'PY'
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
data, vers, lock = {}, {}, threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("X-Node", "n1 for " + self.headers.get("Authorization", ""))
        with lock:
            v = data.get(self.path)
        self.send_header("ETag", '"%d %s"' % (vers.get(self.path, 0), self.headers.get("Authorization", "")))
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
            v = data.get(self.path)
            tag = '"%d %s"' % (vers.get(self.path, 0), self.headers.get("Authorization", ""))
            ok = want is None or (v is not None and want == tag)
            if ok:
                data[self.path] = body
                vers[self.path] = vers.get(self.path, 0) + 1
        self.answer(204 if ok else 412)
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
PY
python3 "$WORK/echo.py" >"$WORK/echo.out" 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q '^ready' "$WORK/echo.out"; do
    i=$((i + 1))
    [ $i -gt 100 ] && die "the echo store did not start"
    sleep 0.05
done
URL="http://127.0.0.1:$(awk '/^ready/ {print $2}' "$WORK/echo.out")"
cat >"$WORK/spec.json" <<'JSON'
{"read": {"method": "GET", "path": "/{key}",
          "outcomes": [{"status": 200, "is": "ok"}, {"status": 404, "is": "absent"}],
          "extract": [{"pattern": "\\A(?<value>[\\s\\S]*)\\z"},
                      {"from": "header:X-Node", "pattern": "(?<node>.+)"},
                      {"from": "header:ETag", "pattern": "(?<version>.+)"}]},
 "write": {"method": "PUT", "path": "/{key}", "body": "{value}",
           "outcomes": [{"status": 204, "is": "ok"}],
           "extract": [{"from": "header:X-Node", "pattern": "(?<node>.+)"}]},
 "cas": {"read_first": true, "method": "PUT", "path": "/{key}", "body": "{new}",
         "headers": {"X-If": "{version}"},
         "outcomes": [{"status": 204, "is": "ok"}, {"status": 412, "is": "mismatch"}],
         "extract": [{"from": "header:X-Node", "pattern": "(?<node>.+)"}]}}
JSON
$CONCH run --store-spec "$WORK/spec.json" --header "Authorization: Bearer $SECRET" --ops 200 \
    --clients 4 --out "$WORK/r" "$URL" >"$WORK/r.out" 2>&1
code=$?
[ $code -eq 0 ] || die "exit $code: $(tail -5 "$WORK/r.out")"
complete_history "$WORK/r/history.jsonl"
grep -q '"node":"n1 for \*\*\*"' "$WORK/r/history.jsonl" || die "no masked node recorded"
grep -q '"type":"ok","f":"cas"' "$WORK/r/history.jsonl" || die "no cas succeeded"
if grep -rq "$SECRET" "$WORK/r" "$WORK/r.out"; then
    die "the secret is in what conch wrote"
fi
echo "spec secrets: a header echoed in response headers is masked"
