"""Check a history written by `conch run --nemesis KIND` (the nemesis e2e
tests): python3 nemesis_history.py HISTORY KIND [MIN_TIMEOUTS]

- every nemesis event is process "nemesis", type "info", f start-KIND or
  stop-KIND, starts and stops in turn, the first a start and the last a
  stop (every fault undone), at least one of each;
- every client invoke is completed by its process before that process
  invokes again, and the run ends with none open;
- an op that timed out once sent is info (it may have taken effect), never
  ok or fail; one refused or timed out on connect (nothing sent) may be
  fail; at least MIN_TIMEOUTS ops timed out (default 0);
- report.html beside the history draws each fault as a band (its data's
  "faults": one per start-KIND, stopped after it started).
Prints one line saying what it found; exits 1 with the reason otherwise."""
import json
import os
import sys


def report_bands(path, kind, nfaults):
    """The fault bands of the HTML report beside history path."""
    page = open(os.path.join(os.path.dirname(path), "report.html"), encoding="utf-8").read()
    at = page.find('"faults":')
    assert at >= 0, "report.html holds no faults"
    bands, _ = json.JSONDecoder().raw_decode(page, at + len('"faults":'))
    assert len(bands) == nfaults, "report.html: %d fault bands, want %d" % (len(bands), nfaults)
    for b in bands:
        assert b["f"] == "start-" + kind and 0 <= b["s"] < b["e"], "report.html: band %s" % b
    return len(bands)


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
    bands = report_bands(path, kind, len(faults) // 2)
    print("%s: %d faults started and stopped, %d bands in report.html; ops %d ok, %d fail, %d info (%d timed out)" % (
        kind, len(faults) // 2, bands, counts["ok"], counts["fail"], counts["info"], timeouts))


try:
    main()
except (AssertionError, KeyError, ValueError, OSError) as e:
    print("nemesis history: %s" % e)
    sys.exit(1)
