"""torn_reads.py HISTORY RESULTS - a conch run against a WebDAV store found
invalid: is every key it found non-linearizable explained by a torn read?

A torn read (see torn_probe.py) answers a GET with one file's bytes cut to,
or padded with NULs to, another's size. It shows in a history as an ok read
whose value is a strict prefix of a value being written by an op that
overlaps the read (the new file cut at the old size), or as a value written
to the key followed by NULs. Exit 0 when every invalid part holds one, and
print them; exit 1, naming the key, when one does not.
"""
import json
import sys

hist, results = sys.argv[1], sys.argv[2]
INF = float("inf")
open_ops = {}  # process -> the op it invoked
ops = {}       # key -> [(f, invoked, completed, value, type)]
for line in open(hist):
    e = json.loads(line)
    if e.get("process") == "nemesis" or "key" not in e:
        continue
    p = e["process"]
    if e["type"] == "invoke":
        open_ops[p] = e
        continue
    inv = open_ops.pop(p)
    done = e["time"] if e["type"] != "info" else INF
    v = e["value"] if inv["f"] == "read" else inv["value"]
    ops.setdefault(e["key"], []).append((inv["f"], inv["time"], done, v, e["type"]))


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def torn(key):
    kops = ops.get(key, [])
    writes = [(i, d, text(v[1] if f == "cas" else v)) for f, i, d, v, t in kops
              if f in ("write", "cas") and t != "fail"]
    ever = {w for _, _, w in writes}
    found = []
    for f, i, d, v, t in kops:
        if f != "read" or t != "ok" or v is None:
            continue
        s = text(v)
        if s.rstrip("\0") != s and s.rstrip("\0") in ever:
            found.append(s)
        elif any(wi <= d and i <= wd and len(w) > len(s) and w.startswith(s)
                 for wi, wd, w in writes):
            found.append(s)
    return found


parts = json.load(open(results))["files"][0]["checks"]["linearizability"]["parts"]
bad = [p["key"] for p in parts if p["verdict"] == "invalid"]
if not bad:
    sys.exit("no part is invalid")
for k in bad:
    t = torn(k)
    if not t:
        sys.exit("key %s: invalid, and no torn read explains it" % k)
    print("key %s: torn reads %s" % (k, ", ".join(repr(x) for x in t[:3])))
