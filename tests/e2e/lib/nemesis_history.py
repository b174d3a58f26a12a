"""Check a history written by `conch run --nemesis KIND` (the nemesis e2e
tests): python3 nemesis_history.py HISTORY KIND [MIN_TIMEOUTS]

- every nemesis event is process "nemesis", type "info", f start-KIND or
  stop-KIND, starts and stops in turn, the first a start and the last a
  stop (every fault undone), at least one of each;
- every client invoke is completed by its process before that process
  invokes again, and the run ends with none open;
- an op that timed out once sent is info (it may have taken effect), never
  ok or fail; one refused or timed out on connect (nothing sent) may be
  fail; at least MIN_TIMEOUTS ops timed out (default 0).
Prints one line saying what it found; exits 1 with the reason otherwise."""
import json
import sys


def main():
    path, kind = sys.argv[1], sys.argv[2]
    min_timeouts = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    faults, open_ops, counts, timeouts = [], {}, {"ok": 0, "fail": 0, "info": 0}, 0
    for n, line in enumerate(open(path), 1):
        e = json.loads(line)
        where = "%s:%d" % (path, n)
        if e["process"] == "nemesis":
            assert e["type"] == "info", "%s: a nemesis event of type %s" % (where, e["type"])
            assert e["f"] in ("start-" + kind, "stop-" + kind), "%s: %s" % (where, e["f"])
            want = "start-" if len(faults) % 2 == 0 else "stop-"
            assert e["f"].startswith(want), "%s: %s, want %s%s" % (where, e["f"], want, kind)
            faults.append(e["f"])
            continue
        p = e["process"]
        if e["type"] == "invoke":
            assert p not in open_ops, "%s: process %s invokes twice" % (where, p)
            open_ops[p] = e
            continue
        assert p in open_ops, "%s: process %s completes nothing" % (where, p)
        del open_ops[p]
        counts[e["type"]] += 1
        err = e.get("error", "")
        if isinstance(err, str) and "timed out" in err:
            if "connect timed out" in err:
                assert e["type"] in ("fail", "info"), "%s: %s" % (where, e["type"])
            else:
                assert e["type"] == "info", "%s: timed out, yet %s" % (where, e["type"])
                timeouts += 1
    assert faults, "%s: no nemesis event" % path
    assert faults[-1].startswith("stop-"), "%s: the last fault was not undone" % path
    assert not open_ops, "%s: ops never completed: %s" % (path, sorted(open_ops))
    assert counts["ok"] > 0, "%s: no op succeeded" % path
    assert timeouts >= min_timeouts, "%s: %d ops timed out, want %d or more" % (
        path, timeouts, min_timeouts)
    print("%s: %d faults started and stopped; ops %d ok, %d fail, %d info (%d timed out)" % (
        kind, len(faults) // 2, counts["ok"], counts["fail"], counts["info"], timeouts))


try:
    main()
except (AssertionError, KeyError, ValueError, OSError) as e:
    print("nemesis history: %s" % e)
    sys.exit(1)
