"""torn_probe.py PORT SECONDS OUT - record a register history against a
WebDAV server's one file, in conch's native format, made to catch a torn
read: two writers PUT unique values that alternate between short and long,
four readers GET. A GET that stats the file before a PUT renames a new one
in and opens it after answers with bytes of one file cut (or padded) to the
size of the other: a value that was never written. Stops SECONDS after the
start, or 2,000 ops after the first torn read it sees; prints the counts.
"""
import http.client
import json
import os
import sys
import threading
import time

port, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
t0 = time.monotonic_ns()
deadline = t0 + int(secs * 1e9)
lock = threading.Lock()
events, written = [], set()  # written: every value a PUT was sent with
state = {"torn": 0, "stop_at": None, "ops": 0}
path = "/torn-%d-%d" % (os.getpid(), t0)  # a file nothing wrote before


def event(process, typ, f, value):
    with lock:
        events.append({"process": process, "type": typ, "f": f, "key": path[1:],
                       "value": value, "time": time.monotonic_ns() - t0})


def going():
    with lock:
        stop = state["stop_at"]
        return time.monotonic_ns() < deadline and (stop is None or state["ops"] < stop)


def request(c, method, body=None):
    """(status, body) of one request on connection c[0], or (None, None)
    when it failed (reset, timeout): then a new connection for the next."""
    try:
        c[0].request(method, path, body=body)
        r = c[0].getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException):
        c[0].close()
        c[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        return None, None


def writer(p):
    c = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)]
    i = 0
    while going():
        v = "s%d-%d" % (p, i) if i % 2 else "L%d-%d-%s" % (p, i, "x" * 40)
        with lock:
            written.add(v)
        event(p, "invoke", "write", v)
        status, _ = request(c, "PUT", v.encode())
        # Anything but a success may or may not have taken effect: info,
        # and the process goes on as a new one, as conch run's clients do.
        event(p, "ok" if status in (200, 201, 204) else "info", "write", v)
        with lock:
            state["ops"] += 1
        if status not in (200, 201, 204):
            p += 6
        i += 1


def reader(p):
    c = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)]
    while going():
        event(p, "invoke", "read", None)
        status, raw = request(c, "GET")
        body = raw.decode("latin-1") if raw is not None else None
        if status == 404:
            event(p, "ok", "read", None)
        elif status == 200:
            event(p, "ok", "read", body)
        else:
            event(p, "info", "read", None)
            p += 6
        with lock:
            state["ops"] += 1
            if status == 200 and body not in written:
                state["torn"] += 1
                if state["stop_at"] is None:
                    state["stop_at"] = state["ops"] + 2000


threads = [threading.Thread(target=writer, args=(p,)) for p in (0, 1)]
threads += [threading.Thread(target=reader, args=(p,)) for p in (2, 3, 4, 5)]
for t in threads:
    t.start()
for t in threads:
    t.join()
values = {e["value"] for e in events if e["f"] == "write"}
torn = [e["value"] for e in events if e["f"] == "read" and e["type"] == "ok"
        and e["value"] is not None and e["value"] not in values]
with open(out, "w") as f:
    for i, e in enumerate(events):
        e["index"] = i
        f.write(json.dumps(e) + "\n")
print("%d ops, %d torn reads%s" % (sum(1 for e in events if e["type"] != "invoke"), len(torn),
                                    (": e.g. %r" % torn[0]) if torn else ""))
