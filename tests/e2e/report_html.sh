#!/bin/sh
# The HTML report in a browser: Debian's chromium, headless, opens reports
# conch check --html wrote, dumps the DOM the page's script drew and takes
# a screenshot, and this checks what is there:
#   - tests/cases/0038-html-report/h.jsonl (a stale read on key x, a
#     read-your-writes violation on key z, key y valid, two partitions of
#     the nemesis): the verdicts, the counterexamples' ops highlighted and
#     the ops that cannot follow marked, a row per process of each
#     timeline, the fault bands on the timelines and the perf graphs, the
#     linearization drawn, the session violation linked; the screenshot
#     shows the verdict colours;
#   - histories of other shapes (no times, transactions, several files,
#     one that cannot be read): drawn with no script error;
#   - a generated 100,000-op history: under 5 MB, at most
#     REPORT_HTML_DRAWN bars drawn, drawn in full around its violation;
#   - conch run against conch serve (eventual: violations) under a
#     partition of the nemesis: report.html beside the history, with its
#     latency and throughput graphs, the fault shaded on both.
# The page must fetch nothing: no URL in it but the SVG namespace's.
# e2e: long
. "$(dirname "$0")/lib/run_common.sh"
need python3
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || skip "chromium is not installed (make deps installs it)"

# browse HTML DOM [PNG]: the DOM after the script ran, and a screenshot.
browse() {
    prof=$(mktemp -d "$WORK/profile.XXXXXX")
    set -- "$1" "$2" "${3:-}"
    flags="--headless --no-sandbox --disable-gpu --user-data-dir=$prof \
        --disable-background-networking --disable-extensions --disable-sync \
        --no-first-run --disable-default-apps --disable-component-update \
        --enable-logging=stderr --v=0"
    # shellcheck disable=SC2086
    timeout 120 "$BROWSER" $flags --dump-dom "file://$1" >"$2" 2>"$2.log" ||
        die "chromium did not dump $1 (exit $?): $(tail -5 "$2.log")"
    if grep -q 'CONSOLE' "$2.log"; then
        die "the page's script said: $(grep CONSOLE "$2.log" | head -5)"
    fi
    [ -s "$2" ] || die "empty DOM for $1"
    if [ -n "$3" ]; then
        prof=$(mktemp -d "$WORK/profile.XXXXXX")
        # shellcheck disable=SC2086
        (cd "$WORK" && timeout 120 "$BROWSER" $flags --user-data-dir="$prof" \
            --window-size=1400,1600 --hide-scrollbars --screenshot="$3" "file://$1") \
            >"$3.log" 2>&1 || die "chromium took no screenshot of $1: $(tail -5 "$3.log")"
        [ -s "$3" ] || die "no screenshot of $1"
    fi
}

# Nothing fetched: no URL but the SVG namespace's, no external resource.
self_contained() {
    python3 - "$1" <<'PY' || die "$1 is not self-contained"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
urls = set(re.findall(r'(?:https?|ftp)://[^\s"\'<>)]*', page)) - {"http://www.w3.org/2000/svg"}
bad = re.findall(r'<(?:link|img|iframe|object|embed)\b|<script[^>]*\bsrc=|@import|url\((?!#)', page)
if urls or bad:
    print("fetches:", sorted(urls)[:5], bad[:5])
    sys.exit(1)
PY
}

H=tests/cases/0038-html-report/h.jsonl
$CONCH check --html "$WORK/r.html" "$H" >"$WORK/r.out" 2>&1
code=$?
[ $code -eq 1 ] || die "conch check --html: exit $code, want 1: $(cat "$WORK/r.out")"
self_contained "$WORK/r.html"
browse "$WORK/r.html" "$WORK/r.dom" "$WORK/r.png"
python3 - "$WORK/r.dom" "$WORK/r.png" <<'PY' || die "the report of $H lacks what it should show"
import re, sys, zlib, struct
dom = open(sys.argv[1], encoding="utf-8").read()
def count(pattern):
    return len(re.findall(pattern, dom))
def want(what, got, expected):
    if got != expected:
        print("%s: %d, want %d" % (what, got, expected))
        sys.exit(1)
# Verdicts: the page's and the file's, linearizability and read-your-writes,
# PRAM and all four, keys x and z (table and timeline): invalid; key y valid.
want("invalid badges", count(r'<span class="verdict invalid">INVALID</span>'), 10)
want("valid badges", count(r'<span class="verdict valid">VALID</span>'), 2)
want("rows of invalid parts", count(r'<tr class="part invalid">'), 2)
want("check rows invalid", count(r'<tr class="check invalid">'), 4)
# The smallest counterexamples: 3 ops each on keys x and z, the read that
# cannot follow marked on each, a linearization drawn through each.
want("ops drawn", count(r'<rect class="op '), 18)
want("counterexample ops", count(r'<rect class="op [^"]*\bminimal\b'), 6)
want("ops that cannot follow", count(r'<rect class="op [^"]*\bcannot\b'), 2)
want("counterexample orders", count(r'<polyline class="cx"'), 2)
want("crosses on ops that cannot follow", count(r'<text class="cannot-mark"'), 2)
# The session violation: process 6's write and read on z, linked.
want("linked ops", count(r'<rect class="op [^"]*\blinked\b'), 2)
want("links", count(r'<path class="link"'), 1)
# A row per process: x has processes 0-3, y 4-5, z 6-7.
want("timeline rows", count(r'<g class="row">'), 8)
want("timelines", count(r'<svg class="tl"'), 3)
# Two partitions: on x's time the first, on y's both, on z's the second;
# on the latency and the rate graphs both.
want("fault bands on timelines", count(r'<rect class="fault"'), 4)
want("fault bands on the perf graphs", count(r'<rect class="fault perfband"'), 4)
if "start-partition" not in dom:
    print("the faults are not named")
    sys.exit(1)

# The screenshot: a PNG whose pixels hold the verdict colours (red
# #c62828 for INVALID, green #3a8b3a for VALID) and the timelines' bars.
png = open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", data[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += data
    pos += 12 + n
raw, stride, prev, seen = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        seen.add(bytes(line[x:x + 3]))
    prev = line
for name, rgb in (("INVALID red", b"\xc6\x28\x28"), ("VALID green", b"\x3a\x8b\x3a"),
                  ("ok bar green", b"\x7c\xb3\x42")):
    if rgb not in seen:
        print("the screenshot lacks the %s (%d colours)" % (name, len(seen)))
        sys.exit(1)
PY

# An invalid history from Knossos's own tests (the shared corpus, when it
# sits beside the project): its smallest counterexample marked.
K=${CORPUS:-../shared/corpus}/knossos/cas-register/bad/cas-failure.edn
if [ -f "$K" ]; then
    $CONCH check --html "$WORK/k.html" "$K" >"$WORK/k.out" 2>&1
    code=$?
    [ $code -eq 1 ] || die "conch check --html $K: exit $code, want 1: $(tail -3 "$WORK/k.out")"
    browse "$WORK/k.html" "$WORK/k.dom"
    python3 - "$WORK/k.dom" <<'PY' || die "the report of $K does not mark its counterexample"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
minimal = len(re.findall(r'<rect class="op [^"]*\bminimal\b', dom))
cannot = len(re.findall(r'<rect class="op [^"]*\bcannot\b', dom))
if not (2 <= minimal <= 10 and cannot == 1 and '<span class="verdict invalid">INVALID</span>' in dom):
    print("counterexample ops %d, cannot follow %d" % (minimal, cannot))
    sys.exit(1)
PY
    echo "the Knossos history $K: its counterexample marked"
else
    echo "the Knossos history: SKIPPED (no shared corpus at ${CORPUS:-../shared/corpus})"
fi

# Other shapes: no times (Knossos EDN), transactions, a Jepsen log, several
# histories at once with one that cannot be read.
$CONCH check --html "$WORK/many.html" histories/examples/sessions.jsonl \
    tests/cases/0405-txn-g-single/h.jsonl tests/cases/0017-jepsen-log-independent/jepsen.log \
    tests/cases/0105-edn-repeated-key-last-wins/history.edn "$WORK/missing.jsonl" \
    >"$WORK/many.out" 2>&1
[ $? -eq 2 ] || die "several histories, one missing: want exit 2: $(cat "$WORK/many.out")"
self_contained "$WORK/many.html"
browse "$WORK/many.html" "$WORK/many.dom"
grep -q 'class="verdict error"' "$WORK/many.dom" || die "the missing history is not shown"
[ "$(grep -o '<section class="file"' "$WORK/many.dom" | wc -l)" -eq 5 ] ||
    die "not a section per history"

# Large: 100,000 ops on 50 keys, some reads stale.
$CONCH gen --ops 100000 --sessions 32 --keys 50 --stale 0.0005 --crash 0.02 --cas --seed 7 \
    -o "$WORK/big.jsonl" || die "conch gen"
$CONCH check --html "$WORK/big.html" "$WORK/big.jsonl" >/dev/null 2>&1
[ $? -eq 1 ] || die "the generated history should be invalid"
size=$(wc -c <"$WORK/big.html")
[ "$size" -lt 5000000 ] || die "the report of 100,000 ops is $size bytes, over 5 MB"
browse "$WORK/big.html" "$WORK/big.dom"
bars=$(grep -o '<rect class="op ' "$WORK/big.dom" | wc -l)
[ "$bars" -le 20000 ] || die "$bars ops drawn, over the bound"
[ "$bars" -ge 1000 ] || die "only $bars ops drawn"
grep -q '<rect class="op [^"]*minimal' "$WORK/big.dom" || die "no counterexample drawn"
# conch run writes report.html beside the history, latency and rate drawn,
# and the nemesis's partition shaded on both.
need_serve
start_serve --consistency eventual --gossip-ms 500
# shellcheck disable=SC2086
$CONCH run --time 1.5 --clients 6 --route random --nemesis partition --nemesis-start 0.3 \
    --nemesis-duration 0.6 --out "$WORK/run" $SERVE_URLS >"$WORK/run.out" 2>&1
code=$?
[ "$code" -le 3 ] || die "conch run: exit $code: $(tail -20 "$WORK/run.out")"
[ -f "$WORK/run/report.html" ] || die "conch run wrote no report.html: $(tail -5 "$WORK/run.out")"
grep -q "report.html" "$WORK/run.out" || die "conch run does not say where the report is"
self_contained "$WORK/run/report.html"
browse "$WORK/run/report.html" "$WORK/run.dom"
for what in '<svg class="latency"' '<svg class="rate"' '<polyline class="rate ok"' \
            '<polyline class="p95 ' '<svg class="tl"'; do
    grep -q "$what" "$WORK/run.dom" || die "the run's report lacks $what"
done
bands=$(grep -o '<rect class="fault perfband"' "$WORK/run.dom" | wc -l)
[ "$bands" -eq 2 ] || die "the partition is shaded on $bands perf graphs, want 2 (latency, rate)"
grep -q 'start-partition' "$WORK/run.dom" || die "the run's report does not name the partition"
echo "html report: verdicts, counterexamples, rows and faults drawn; 100,000 ops in $size bytes, $bars bars; conch run's report drawn"
