"""torn_reads.py HISTORY RESULTS - a conch run against a WebDAV store found
invalid: is every key it found non-linearizable explained by a torn read?

A torn read (see torn_probe.py) answers a GET with one file's bytes cut to,
or padded with NULs to, another's size. It shows in a history as an ok read
whose value is a strict prefix of a value being written by an op that
overlaps the read (the new file cut at the old size), or as a value written
to the key followed by NULs. Exit 0 when, in every invalid part, one of
the ops conch names (the op it could not place, the ops of its explanation
or of its smallest counterexample) is such a read, and print them; exit 1,
naming the key, when not.
"""
import json
import sys

hist, results = sys.argv[1], sys.argv[2]
INF = float("inf")
open_ops = {}  # process -> the op it invoked
ops = {}       # key -> [(f, invoked, completed, value, type, completion line)]
for ln, line in enumerate(open(hist), 1):
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
    ops.setdefault(e["key"], []).append((inv["f"], inv["time"], done, v, e["type"], ln))


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def torn(key):
    kops = ops.get(key, [])
    writes = [(i, d, text(v[1] if f == "cas" else v)) for f, i, d, v, t, _ in kops
              if f in ("write", "cas") and t != "fail"]
    ever = {w for _, _, w in writes}
    found = {}  # completion line -> the value read
    for f, i, d, v, t, ln in kops:
        if f != "read" or t != "ok" or v is None:
            continue
        s = text(v)
        if s.rstrip("\0") != s and s.rstrip("\0") in ever:
            found[ln] = s
        elif any(wi <= d and i <= wd and len(w) > len(s) and w.startswith(s)
                 for wi, wd, w in writes):
            found[ln] = s
    return found


def named(part):
    """The completion lines of the ops conch names for an invalid part."""
    lines = {part["op"]["complete_line"]} if "op" in part else set()
    for what in ("violation", "counterexample"):
        lines |= {o["complete_line"] for o in part.get(what, {}).get("ops", [])}
    return lines


parts = json.load(open(results))["files"][0]["checks"]["linearizability"]["parts"]
if not any(p["verdict"] == "invalid" for p in parts):
    sys.exit("no part is invalid")
for p in parts:
    if p["verdict"] != "invalid":
        continue
    t = torn(p["key"])
    hit = sorted(set(t) & named(p))
    if not hit:
        sys.exit("key %s: invalid, and none of the ops conch names is a torn read" % p["key"])
    print("key %s: conch names the torn read%s %s" % (
        p["key"], "s" if len(hit) > 1 else "", ", ".join("%r (line %d)" % (t[h], h) for h in hit)))
